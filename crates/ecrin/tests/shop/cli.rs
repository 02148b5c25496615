//! The binary's start: bad settings stop it with one line naming the variable.

use std::process::Command;

fn ecrin(env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
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
