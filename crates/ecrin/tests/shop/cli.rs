//! The binary's start: bad settings stop it with one line naming the variable.

use std::process::Command;

pub(crate) fn ecrin(env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let dir = std::env::temp_dir();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecrin"));
    cmd.args(args).current_dir(dir);
    for var in [
        "ECRIN_ADDR",
        "ECRIN_DATABASE_URL",
        "ECRIN_PROFILE",
        "ECRIN_TEST_MODE",
        "ECRIN_DEMO_DATA",
        "ECRIN_ADMIN_EMAIL",
        "ECRIN_ADMIN_PASSWORD",
        "ECRIN_SMTP_URL",
        "ECRIN_PAYMENT_PROVIDER",
        "ECRIN_STRIPE_SECRET_KEY",
        "ECRIN_STRIPE_WEBHOOK_SECRET",
        "ECRIN_STRIPE_API_BASE",
        "ECRIN_LYRA_SHOP_ID",
        "ECRIN_LYRA_PASSWORD",
        "ECRIN_LYRA_HMAC_KEY",
        "ECRIN_LYRA_API_BASE",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_bad_setting_stops_the_start_with_one_line_naming_it() {
    for (var, value, expected) in [
        ("ECRIN_ADDR", "not-an-address", "ECRIN_ADDR: "),
        (
            "ECRIN_DATABASE_URL",
            "mysql://localhost/shop",
            "ECRIN_DATABASE_URL: ",
        ),
        (
            "ECRIN_PROFILE",
            "lisbon",
            "ECRIN_PROFILE: unknown profile `lisbon`",
        ),
        ("ECRIN_TEST_MODE", "perhaps", "ECRIN_TEST_MODE: "),
        ("ECRIN_SMTP_URL", "mail.example", "ECRIN_SMTP_URL: "),
    ] {
        let (code, _, stderr) = ecrin(&[(var, value)], &["serve"]);
        assert_eq!(code, 2, "{var}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{var}: {stderr}");
        assert!(
            stderr.starts_with(&format!("ecrin: {expected}")),
            "{var}: {stderr}"
        );
    }
}

/// PAY-1: the card provider is chosen at start: an unknown one, or Stripe or Lyra with a
/// key missing or malformed, stops the start with one line naming the variable (and never
/// the key's value); with its keys, the banner names the provider and not the keys.
#[test]
fn pay_1_the_card_provider_and_its_keys_are_checked_at_start() {
    let key = ("ECRIN_STRIPE_SECRET_KEY", "sk_test_0123456789abcdef");
    let hook = ("ECRIN_STRIPE_WEBHOOK_SECRET", "whsec_0123456789abcdef");
    let stripe = ("ECRIN_PAYMENT_PROVIDER", "stripe");
    let lyra = ("ECRIN_PAYMENT_PROVIDER", "lyra");
    let lyra_shop = ("ECRIN_LYRA_SHOP_ID", "12345678");
    let lyra_password = ("ECRIN_LYRA_PASSWORD", "testpassword_0123456789abcdef");
    let lyra_hmac = ("ECRIN_LYRA_HMAC_KEY", "hmac0123456789abcdef");
    let lyra_base = (
        "ECRIN_LYRA_API_BASE",
        "https://api-sogecommerce.societegenerale.eu",
    );
    for (env, expected) in [
        (
            vec![("ECRIN_PAYMENT_PROVIDER", "paypal")],
            "ECRIN_PAYMENT_PROVIDER: `paypal`",
        ),
        (vec![stripe, hook], "ECRIN_STRIPE_SECRET_KEY: required"),
        (
            vec![
                stripe,
                ("ECRIN_STRIPE_SECRET_KEY", "pk_live_publishable9"),
                hook,
            ],
            "ECRIN_STRIPE_SECRET_KEY: must be",
        ),
        (vec![stripe, key], "ECRIN_STRIPE_WEBHOOK_SECRET: required"),
        (
            vec![
                stripe,
                key,
                ("ECRIN_STRIPE_WEBHOOK_SECRET", "not-a-secret-at-all"),
            ],
            "ECRIN_STRIPE_WEBHOOK_SECRET: must be",
        ),
        (
            vec![
                stripe,
                key,
                hook,
                ("ECRIN_STRIPE_API_BASE", "api.stripe.com"),
            ],
            "ECRIN_STRIPE_API_BASE: ",
        ),
        (
            vec![lyra, lyra_password, lyra_hmac, lyra_base],
            "ECRIN_LYRA_SHOP_ID: required",
        ),
        (
            vec![lyra, lyra_shop, lyra_hmac, lyra_base],
            "ECRIN_LYRA_PASSWORD: required",
        ),
        (
            vec![
                lyra,
                lyra_shop,
                ("ECRIN_LYRA_PASSWORD", "0123456789abcdef-plain"),
                lyra_hmac,
                lyra_base,
            ],
            "ECRIN_LYRA_PASSWORD: must be",
        ),
        (
            vec![lyra, lyra_shop, lyra_password, lyra_base],
            "ECRIN_LYRA_HMAC_KEY: required",
        ),
        (
            vec![lyra, lyra_shop, lyra_password, lyra_hmac],
            "ECRIN_LYRA_API_BASE: required",
        ),
        (
            vec![
                lyra,
                ("ECRIN_LYRA_SHOP_ID", "boutique"),
                lyra_password,
                lyra_hmac,
                lyra_base,
            ],
            "ECRIN_LYRA_SHOP_ID: must be",
        ),
        (
            vec![
                lyra,
                lyra_shop,
                lyra_password,
                lyra_hmac,
                ("ECRIN_LYRA_API_BASE", "api.lyra.com"),
            ],
            "ECRIN_LYRA_API_BASE: ",
        ),
    ] {
        let (code, _, stderr) = ecrin(&env, &["serve"]);
        assert_eq!(code, 2, "{env:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{env:?}: {stderr}");
        assert!(
            stderr.starts_with(&format!("ecrin: {expected}")),
            "{stderr}"
        );
        assert!(
            !stderr.contains("0123456789abcdef") && !stderr.contains("publishable9"),
            "no key in the message: {stderr}"
        );
    }
    for (env, banner) in [
        (
            vec![stripe, key, hook],
            "Card payments: Stripe (https://api.stripe.com)",
        ),
        (
            vec![lyra, lyra_shop, lyra_password, lyra_hmac, lyra_base],
            "Card payments: Lyra (https://api-sogecommerce.societegenerale.eu)",
        ),
    ] {
        let (text, logs) = started(&env);
        assert!(text.contains(banner), "{text}");
        assert!(
            !text.contains("0123456789abcdef") && !logs.contains("0123456789abcdef"),
            "no key in the banner or the logs: {text}{logs}"
        );
    }
}

/// What `ecrin serve` printed once ready with `env` (on a fresh SQLite file), and its logs.
fn started(env: &[(&str, &str)]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = format!("sqlite://{}", dir.path().join("shop.db").display());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecrin"));
    cmd.env("ECRIN_DATABASE_URL", &db)
        .env("ECRIN_ADDR", "127.0.0.1:0")
        .env_remove("ECRIN_TEST_MODE")
        .env_remove("ECRIN_STRIPE_API_BASE")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{e}"));
    let (text, _) = crate::stock::until_ready(&mut child);
    let _ = child.kill();
    let mut logs = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut logs);
    }
    let _ = child.wait();
    (text, logs)
}

#[test]
fn a_bad_profile_file_names_the_key() {
    let dir = std::env::temp_dir().join(format!("ecrin-cli-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("bad.toml");
    let good = std::fs::read_to_string(format!(
        "{}/../../profiles/atelier.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_default();
    let _ = std::fs::write(&path, good.replace("ttl_minutes = 45", "ttl_minutes = -3"));
    let p = path.display().to_string();
    let (code, _, stderr) = ecrin(&[("ECRIN_PROFILE", p.as_str())], &["serve"]);
    assert_eq!(code, 2);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("`basket.ttl_minutes`"), "{stderr}");
}

#[test]
fn help_lists_the_commands() {
    let (code, stdout, _) = ecrin(&[], &["--help"]);
    assert_eq!(code, 0);
    for c in ["serve", "migrate", "seed", "--config"] {
        assert!(stdout.contains(c), "{c}: {stdout}");
    }
}

#[test]
fn serve_creates_the_database_loads_the_demo_and_stops_gracefully() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = format!("sqlite://{}", dir.path().join("shop.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecrin"))
        .env("ECRIN_DATABASE_URL", &db)
        .env("ECRIN_ADDR", "127.0.0.1:0")
        .env("ECRIN_PROFILE", "atelier")
        .env_remove("ECRIN_TEST_MODE")
        .env_remove("ECRIN_DEMO_DATA")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let (text, base) = crate::stock::until_ready(&mut child);
    assert!(text.contains("Demo catalogue loaded: 63 pieces."), "{text}");
    assert!(text.contains("Atelier Sillon (profile atelier)"), "{text}");
    assert!(
        text.contains("Staff login:   admin@ecrin.example / ecrin-demo-admin"),
        "{text}"
    );
    assert!(
        text.contains("Card payments: the built-in sandbox"),
        "{text}"
    );
    let base = base.unwrap_or_else(|| panic!("no address printed: {text}"));
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{addr}: {e}"));
    let _ = stream.write_all(b"GET /readyz HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // SIGTERM: the shop finishes what it serves and exits cleanly.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(status.is_ok_and(|s| s.success()));
    let exit = child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(exit.success(), "{exit:?}");
    assert!(dir.path().join("shop.db").exists());
}

/// The demo's admin password is published in the README: a shop that is not loading the
/// demo never gets an account with it, given or not.
#[test]
fn prv_8_no_staff_account_with_a_published_password_outside_the_demo() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = format!("sqlite://{}", dir.path().join("shop.db").display());
    let start = |password: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecrin"));
        cmd.env("ECRIN_DATABASE_URL", &db)
            .env("ECRIN_ADDR", "127.0.0.1:0")
            .env("ECRIN_DEMO_DATA", "0")
            .env_remove("ECRIN_ADMIN_EMAIL")
            .env_remove("ECRIN_ADMIN_PASSWORD")
            .env_remove("ECRIN_TEST_MODE")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if let Some(p) = password {
            cmd.env("ECRIN_ADMIN_PASSWORD", p);
        }
        cmd.spawn().unwrap_or_else(|e| panic!("{e}"))
    };
    // No password given, no demo: no account, and the way to make one.
    let mut child = start(None);
    let (text, _) = crate::stock::until_ready(&mut child);
    let _ = child.kill();
    let _ = child.wait();
    assert!(text.contains("Staff login:   none yet"), "{text}");
    assert!(!text.contains("ecrin-demo-admin"), "{text}");
    // The demo's password given for a shop without the demo: refused, nothing created.
    let out = start(Some("ecrin-demo-admin"))
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("ECRIN_ADMIN_PASSWORD: the demo's password is published"),
        "{stderr}"
    );
    // A password of the house's own: the first admin is created with it.
    let mut child = start(Some("the house's own secret"));
    let (text, _) = crate::stock::until_ready(&mut child);
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        text.contains("Staff login:   admin@ecrin.example / (the one in ECRIN_ADMIN_PASSWORD)"),
        "{text}"
    );
}

/// Checks PRV-8.
#[test]
fn prv_8_staff_are_created_from_the_command_line() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = format!("sqlite://{}", dir.path().join("shop.db").display());
    let run = |email: &str, role: &str, password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ecrin"))
            .args([
                "admin",
                "create-staff",
                "--email",
                email,
                "--name",
                "Léa Martin",
                "--role",
                role,
            ])
            .env("ECRIN_DATABASE_URL", &db)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        if let Some(mut stdin) = child.stdin.take() {
            let _ = writeln!(stdin, "{password}");
        }
        let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = run(
        "lea@maison.example",
        "customer_service",
        "a good long secret",
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("with the role customer_service"),
        "{stdout}"
    );
    let (code, _, stderr) = run("lea@maison.example", "warehouse", "a good long secret");
    assert_ne!(code, 0);
    assert!(stderr.contains("conflict"), "{stderr}");
    let (code, _, stderr) = run("tom@maison.example", "janitor", "a good long secret");
    assert_ne!(code, 0);
    assert!(stderr.contains("--role"), "{stderr}");
    let (code, _, stderr) = run("tom@maison.example", "warehouse", "short");
    assert_ne!(code, 0);
    assert!(stderr.contains("weak_password"), "{stderr}");
    // A member who lost their second factor gets it removed on the server.
    let remove = |email: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_ecrin"))
            .args(["admin", "remove-second-factor", "--email", email])
            .env("ECRIN_DATABASE_URL", &db)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = remove("LEA@maison.example");
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("second factor of Léa Martin"), "{stdout}");
    let (code, _, stderr) = remove("nobody@maison.example");
    assert_ne!(code, 0);
    assert!(stderr.contains("--email"), "{stderr}");
}

/// Checks `ecrin catalogue export` and `import` on an SQLite file: the demo catalogue goes
/// out to a file and back in unchanged (nothing created); a dry run of a file with a bad
/// price names its line and column, writes nothing and exits 1; the import is made as an
/// admin, and an address that is no member of staff is refused.
#[test]
fn the_catalogue_is_exported_and_imported_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}", dir.path().join("shop.db").display());
    let env = [
        ("ECRIN_DATABASE_URL", url.as_str()),
        ("ECRIN_ADMIN_EMAIL", "owner@maison.test"),
    ];
    let (code, _, err) = ecrin(&env, &["seed"]);
    assert_eq!(code, 0, "{err}");
    let mut create = Command::new(env!("CARGO_BIN_EXE_ecrin"))
        .args([
            "admin",
            "create-staff",
            "--email",
            "owner@maison.test",
            "--name",
            "Owner",
            "--role",
            "admin",
        ])
        .env("ECRIN_DATABASE_URL", &url)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    {
        use std::io::Write;
        let mut stdin = create.stdin.take().unwrap_or_else(|| panic!("stdin"));
        stdin
            .write_all(b"a long owner passphrase\n")
            .unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(create.wait().unwrap_or_else(|e| panic!("{e}")).success());

    let file = dir.path().join("catalogue.csv");
    let path = file.to_str().unwrap_or_default();
    let (code, _, err) = ecrin(&env, &["catalogue", "export", path]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("Catalogue exported to"), "{err}");
    let before = std::fs::read_to_string(&file).unwrap_or_default();
    let (code, out, err) = ecrin(&env, &["catalogue", "import", path]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("0 created") && out.contains("0 rows refused"),
        "{out}"
    );

    let bad = dir.path().join("bad.csv");
    let mut lines: Vec<String> = before.lines().map(str::to_owned).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let blank: Vec<String> = header
        .iter()
        .map(|c| match *c {
            "handle" => "bague-nouvelle".to_owned(),
            "collection" => "rivage".to_owned(),
            "category" => "in_stock".to_owned(),
            "name_fr" => "Bague nouvelle".to_owned(),
            "sku" => "BN-YG-1".to_owned(),
            "metal" => "yellow-gold".to_owned(),
            "weight_grams" => "4".to_owned(),
            "price" => "douze".to_owned(),
            _ => String::new(),
        })
        .collect();
    lines.truncate(1);
    lines.push(blank.join(","));
    std::fs::write(&bad, lines.join("\n")).unwrap_or_else(|e| panic!("{e}"));
    let (code, out, err) = ecrin(
        &env,
        &[
            "catalogue",
            "import",
            "--dry-run",
            bad.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(code, 1, "{out} {err}");
    assert!(err.contains("line 2, column price"), "{err}");
    assert!(out.contains("Dry run (nothing written)"), "{out}");
    let (_, _, err) = ecrin(&env, &["catalogue", "export", path]);
    assert!(err.contains("Catalogue exported"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap_or_default(), before);

    let (code, _, err) = ecrin(&env, &["catalogue", "export", "--as", "nobody@maison.test"]);
    assert_eq!(code, 1);
    assert!(err.contains("no member of staff"), "{err}");
}
