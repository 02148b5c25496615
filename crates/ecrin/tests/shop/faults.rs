//! Faults the shop meets in production, small: its SQLite disk full or read-only (a clear
//! 503, nothing half-written, writes again once the disk is back), `ecrin serve` killed
//! with SIGKILL between orders, PostgreSQL restarted under the shop. `scripts/faults.sh`
//! runs each at scale under the purchase load.

use crate::basket::call;
use crate::checkout::{order, ready_customer};
use crate::support::{Options, TestApp};
use ecrin_store_tests::Db;
use serde_json::json;
use std::process::Command;

/// A disk of its own: an ext4 file system of `mb` megabytes in a file, mounted through a
/// loop device with `errors=remount-ro` (as a server's disk is), unmounted when dropped.
/// `None` when this process may not mount (not root, no loop devices).
struct SmallDisk {
    dir: tempfile::TempDir,
    device: String,
}

impl SmallDisk {
    fn mount(mb: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().ok()?;
        let image = dir.path().join("disk.ext4");
        let mnt = dir.path().join("mnt");
        std::fs::create_dir(&mnt).ok()?;
        let run = |cmd: &mut Command| cmd.output().is_ok_and(|o| o.status.success());
        let ok = run(Command::new("truncate")
            .args(["-s", &format!("{mb}M")])
            .arg(&image))
            && run(Command::new("mkfs.ext4")
                .args(["-q", "-m", "0"])
                .arg(&image))
            && run(Command::new("mount")
                .args(["-o", "loop,errors=remount-ro"])
                .arg(&image)
                .arg(&mnt));
        if !ok {
            return None;
        }
        let device = Command::new("findmnt")
            .args(["-n", "-o", "SOURCE"])
            .arg(&mnt)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())?;
        Some(SmallDisk { dir, device })
    }

    fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("mnt")
    }

    /// Fills every free block.
    fn fill(&self) {
        let _ = Command::new("dd")
            .args(["if=/dev/zero", "bs=1M"])
            .arg(format!("of={}", self.path().join("filler").display()))
            .output();
    }

    fn free(&self) {
        let _ = std::fs::remove_file(self.path().join("filler"));
    }

    /// An error of the file system, as a failing disk gives: the kernel turns it read-only.
    fn fail(&self) {
        let name = self.device.trim_start_matches("/dev/");
        let written = std::fs::write(format!("/sys/fs/ext4/{name}/trigger_fs_error"), "test\n");
        assert!(
            written.is_ok(),
            "trigger an ext4 error on {name}: {written:?}"
        );
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.path()).status();
    }
}

async fn orders_in(app: &TestApp) -> i64 {
    let (events, broken) = {
        let r = ecrin_app::proof::verify(&app.app, |_| {})
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        (r.orders as i64, r.broken.len())
    };
    assert_eq!(broken, 0, "every order's history holds");
    events
}

/// The disk of the SQLite file fills up while customers keep writing, then fails and
/// turns read-only: every write is refused with 503 `service_unavailable` and
/// `Retry-After`, over the API and as a page in the visitor's language; the catalogue is
/// still shown; no order is half-written; once space is freed the order goes through.
#[tokio::test]
async fn sqlite_a_full_or_read_only_disk_is_a_clear_503_and_nothing_half_written() {
    let Some(disk) = SmallDisk::mount(48) else {
        // The test command runs as root with loop devices: there, no disk is a failure.
        assert!(
            !crate::support::every_tool_required(),
            "a disk of its own needs root and a loop device (mount -o loop)"
        );
        eprintln!("skipped: a disk of its own needs root and a loop device");
        return;
    };
    let url = format!("sqlite://{}/shop.db", disk.path().display());
    let app = TestApp::with(
        Db::Sqlite,
        "paris",
        Options {
            database_url: Some(url),
            ..Options::default()
        },
    )
    .await;
    let token = ready_customer(&app, "ines@example.fr", "jonc-rivage", 1).await;
    let (status, summary) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
    assert_eq!(status, 201, "{summary}");
    let before = orders_in(&app).await;

    // Full: the customer goes on asking for summaries (each one written) until the disk
    // has no room left for the next.
    disk.fill();
    let mut refused = None;
    for _ in 0..5000 {
        let (status, body) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        assert!(status == 201 || status == 503, "{status}: {body}");
        if status == 503 {
            refused = Some(body);
            break;
        }
    }
    let body = refused.unwrap_or_else(|| panic!("the full disk never refused a write"));
    assert_eq!(body["code"], "service_unavailable", "{body}");
    // The order: refused, or (when it fits in the room SQLite's log already holds, which
    // the refused write may have left) written whole; never half.
    let (status, body) = order(&app, &token, &summary, None).await;
    assert!(status == 503 || status == 201, "{status}: {body}");
    let placed_while_full = i64::from(status == 201);
    assert_eq!(app.get("/api/v1/products/jonc-rivage").await.status(), 200);
    assert_eq!(
        orders_in(&app).await,
        before + placed_while_full,
        "nothing half-written"
    );
    disk.free();
    if placed_while_full == 0 {
        let placed = order_once_back(&app, &token, &summary, 50).await;
        assert_eq!(
            placed.0, 201,
            "the disk back, the order goes through: {}",
            placed.1
        );
    }
    assert_eq!(orders_in(&app).await, before + 1);

    // Read-only: the file system fails.
    let (status, summary) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
    assert!(status == 201 || status == 422, "{summary}");
    disk.fail();
    let res = app
        .client
        .post(app.url("/api/v1/basket/items"))
        .bearer_auth(&token)
        .json(&json!({"sku": crate::basket::sku(&app, "jonc-rivage", 0).await, "quantity": 1}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("5")
    );
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    assert_eq!(body["code"], "service_unavailable", "{body}");
    // An order of a summary made before: refused, 503.
    if status == 201 {
        let (status, body) = order(&app, &token, &summary, None).await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["code"], "service_unavailable", "{body}");
    }
    // A visitor's first basket, a page that writes: said in French, 503.
    let page = app
        .client
        .post(app.url("/fr/basket/items"))
        .header("origin", "http://shop.test")
        .form(&[
            (
                "sku",
                crate::basket::sku(&app, "jonc-rivage", 0).await.as_str(),
            ),
            ("quantity", "1"),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = page.status();
    let text = page.text().await.unwrap_or_default();
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("La boutique reprend son souffle"), "{text}");
    assert_eq!(app.get("/api/v1/products/jonc-rivage").await.status(), 200);
    assert_eq!(orders_in(&app).await, before + 1, "nothing half-written");
}

/// One customer buying again and again from `base`: basket, summary, order, card payment.
/// Each order the shop acknowledged (201) and each payment (200) is pushed to `acks` as
/// it is answered; the loop ends at `stop` or when the shop stops answering.
async fn buy_until_stopped(
    base: String,
    token: String,
    sku: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    acks: std::sync::Arc<std::sync::Mutex<Vec<(String, bool)>>>,
) {
    use std::sync::atomic::Ordering;
    let client = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        client
            .post(format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    while !stop.load(Ordering::Relaxed) {
        let Ok(r) = post("/api/v1/basket/items", json!({"sku": sku, "quantity": 1})).await else {
            return;
        };
        if r.status() != 201 {
            continue;
        }
        let Ok(r) = post("/api/v1/checkout", json!({})).await else {
            return;
        };
        let s: serde_json::Value = r.json().await.unwrap_or_default();
        let Ok(r) = post(
            "/api/v1/orders",
            json!({"checkout_id": s["id"], "accept_terms": true,
                   "terms_version": s["terms"]["version"],
                   "confirm_obligation_to_pay": true, "payment_method": "card"}),
        )
        .await
        else {
            return;
        };
        if r.status() != 201 {
            continue;
        }
        let o: serde_json::Value = r.json().await.unwrap_or_default();
        let number = o["number"].as_str().unwrap_or_default().to_owned();
        if let Ok(mut a) = acks.lock() {
            a.push((number.clone(), false));
        }
        let Ok(r) = post(
            &format!("/api/v1/test/payments/{number}"),
            json!({"card": "4242 4242 4242 4242"}),
        )
        .await
        else {
            return;
        };
        if r.status() == 200
            && let Ok(mut a) = acks.lock()
        {
            a.push((number, true));
        }
    }
}

/// `ecrin serve` killed with SIGKILL while four customers buy, then started again on the
/// same SQLite file: every order it acknowledged is there, every payment it acknowledged
/// left its order paid, no charge of the provider stays untold (it is told again), the
/// invoices run without a gap and every order's history holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_kill_9_under_purchases_loses_no_acknowledged_order_or_payment() {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    let profile = crate::backup::busy_paris();
    let app = Arc::new(TestApp::with(Db::Sqlite, profile, crate::stock::beside_servers()).await);
    let piece = crate::basket::sku(&app, "jonc-rivage", 0).await;
    let mut tokens = Vec::new();
    for i in 0..4 {
        tokens.push(ready_customer(&app, &format!("buyer{i}@example.fr"), "jonc-rivage", 1).await);
    }
    crate::checkout::restock(&app, &piece, 100_000).await;
    let mut shop = crate::stock::Serve::with_profile(app.database_url(), profile);
    let stop = Arc::new(AtomicBool::new(false));
    let acks = Arc::new(std::sync::Mutex::new(Vec::new()));
    let buyers: Vec<_> = tokens
        .iter()
        .map(|t| {
            tokio::spawn(buy_until_stopped(
                shop.base.clone(),
                t.clone(),
                piece.clone(),
                stop.clone(),
                acks.clone(),
            ))
        })
        .collect();
    // Killed once the customers are well under way.
    while acks.lock().map(|a| a.len()).unwrap_or(0) < 12 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    shop.kill9();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for b in buyers {
        let _ = b.await;
    }
    // Started again; its job runner tells the shop of any charge left untold.
    let shop = crate::stock::Serve::with_profile(app.database_url(), profile);
    let (status, _) = app
        .post_json("/api/v1/test/clock", &json!({"advance": "PT10S"}))
        .await;
    assert_eq!(status, 200);
    ecrin_app::sandbox::retry_callbacks(&app.app)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let acks = acks.lock().map(|a| a.clone()).unwrap_or_default();
    assert!(acks.len() >= 12);
    for (number, paid) in &acks {
        let order = app
            .app
            .store
            .order_by_number(number)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("acknowledged order {number} lost"));
        if *paid {
            assert_eq!(order.status.as_str(), "being_prepared", "{number}");
        }
    }
    let untold = app
        .app
        .store
        .untold_sandbox_charges(i64::MAX, 100)
        .await
        .unwrap_or_default();
    assert!(untold.is_empty(), "{untold:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_ecrin"))
        .arg("verify")
        .env("ECRIN_DATABASE_URL", app.database_url())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let mut seqs: Vec<i64> = app
        .app
        .store
        .invoices()
        .await
        .unwrap_or_default()
        .iter()
        .map(|i| i.seq)
        .collect();
    seqs.sort_unstable();
    assert!(!seqs.is_empty());
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "invoices numbered without a gap"
    );
    drop(shop);
}

/// PostgreSQL stopped under the shop: a request is refused with 503
/// `service_unavailable` (never a 500, never left hanging), and once PostgreSQL is back the
/// shop takes orders again by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_under_the_shop_is_a_503_then_the_shop_recovers() {
    let cluster = match ecrin_store_tests::Cluster::private("restart") {
        Ok(c) => c,
        Err(e) => panic!("a PostgreSQL of the test's own: {e}"),
    };
    let url = cluster.database("ecrin_restart").await;
    let app = TestApp::with(
        Db::Postgres,
        "paris",
        Options {
            database_url: Some(url),
            ..Options::default()
        },
    )
    .await;
    let token = ready_customer(&app, "ines@example.fr", "jonc-rivage", 1).await;
    let (status, summary) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
    assert_eq!(status, 201, "{summary}");
    // A visitor has seen the piece's page and the catalogue.
    let browsed = ["/fr/products/jonc-rivage", "/api/v1/products?lang=fr"];
    let mut seen = Vec::new();
    for path in browsed {
        let (status, headers, body) = app.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        seen.push((headers.get("etag").cloned(), body));
    }
    cluster.stop("fast").unwrap_or_else(|e| panic!("{e}"));
    let (status, body) = order(&app, &token, &summary, None).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "service_unavailable");
    // Refused from then on, for every request that needs the database.
    for _ in 0..3 {
        let (status, body) = order(&app, &token, &summary, None).await;
        assert_eq!(status, 503, "{body}");
    }
    let res = app.get("/fr/account").await;
    assert!(
        res.status() == 503 || res.status() == 303,
        "{}",
        res.status()
    );
    // What the shop showed last is still shown; what it never built is a 503.
    for (path, (etag, body)) in browsed.iter().zip(&seen) {
        let (status, headers, now) = app.get_text(path).await;
        assert_eq!(status, 200, "{path} while PostgreSQL is away");
        assert_eq!(headers.get("etag"), etag.as_ref(), "{path}");
        assert_eq!(&now, body, "{path}");
    }
    let res = app.get("/fr/products/collier-perles-rivage").await;
    assert_eq!(res.status(), 503);
    cluster.start().unwrap_or_else(|e| panic!("{e}"));
    let placed = order_once_back(&app, &token, &summary, 100).await;
    assert_eq!(placed.0, 201, "{}", placed.1);
    assert_eq!(orders_in(&app).await, 1);
}

/// The order of `summary`, asked again every 100 ms while the shop answers 503 (its
/// database away), at most `tries` times: the last answer.
async fn order_once_back(
    app: &TestApp,
    token: &str,
    summary: &serde_json::Value,
    tries: u32,
) -> (u16, serde_json::Value) {
    let mut placed = (0, json!(null));
    for _ in 0..tries {
        placed = order(app, token, summary, None).await;
        if placed.0 != 503 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    placed
}
