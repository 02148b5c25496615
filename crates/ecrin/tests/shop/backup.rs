//! `ecrin backup` while customers buy, `ecrin restore` of that backup into another
//! database, and `ecrin verify` on the copy, on both databases.

use crate::basket::{call, customer_token, sku};
use crate::checkout::{address, home_country, order, restock};
use crate::cli::ecrin;
use crate::support::TestApp;
use ecrin_store_tests::{BOTH, Db, Fresh};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// One customer ordering again and again until `stop`; each order acknowledged (201)
/// is counted in `placed`.
async fn keep_ordering(
    app: Arc<TestApp>,
    n: usize,
    stop: Arc<AtomicBool>,
    placed: Arc<AtomicUsize>,
) {
    let email = format!("buyer{n}@example.com");
    let token = customer_token(&app, &email).await;
    let (country, postcode, city) = home_country(app.profile);
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/me/addresses",
        &token,
        Some(address(country, postcode, city)),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let piece = sku(&app, "jonc-rivage", 0).await;
    while !stop.load(Ordering::Relaxed) {
        let (status, body) = call(
            &app,
            "POST",
            "/api/v1/basket/items",
            &token,
            Some(json!({"sku": piece, "quantity": 1})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let (status, summary) =
            call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        assert_eq!(status, 201, "{summary}");
        let (status, o) = order(&app, &token, &summary, None).await;
        assert_eq!(status, 201, "{o}");
        placed.fetch_add(1, Ordering::SeqCst);
    }
}

/// The `paris` profile as shipped, but for CHK-9's limits on orders per account and per
/// client address: every buyer here orders again and again, all from 127.0.0.1.
pub(crate) fn busy_paris() -> &'static str {
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../profiles/paris.toml"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let path = std::env::temp_dir().join(format!("ecrin-busy-paris-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        format!("{shipped}\n[fraud]\nmax_units_per_sku = 10\nmax_orders_per_account_per_hour = 1000000\nmax_orders_per_ip_per_hour = 1000000000\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    Box::leak(path.display().to_string().into_boxed_str())
}

/// The `N orders, … every chain holds.` line of `ecrin verify` (and of a restore).
fn orders_verified(stdout: &str) -> usize {
    stdout
        .lines()
        .find(|l| l.ends_with("every chain holds."))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no verified history in: {stdout}"))
}

/// A backup taken while four customers keep ordering holds every order acknowledged
/// before it started; restored into a new database it is migrated and its every order's
/// history holds; a backup never overwrites a file, and a restore never lands in a
/// database that is not empty unless told to replace it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_and_verifies() {
    for db in BOTH {
        let app = Arc::new(TestApp::spawn(db, busy_paris()).await);
        restock(&app, &sku(&app, "jonc-rivage", 0).await, 100_000).await;
        let stop = Arc::new(AtomicBool::new(false));
        let placed = Arc::new(AtomicUsize::new(0));
        let buyers: Vec<_> = (0..4)
            .map(|n| tokio::spawn(keep_ordering(app.clone(), n, stop.clone(), placed.clone())))
            .collect();
        while placed.load(Ordering::SeqCst) < 8 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("shop.backup");
        let path = file.display().to_string();
        let url = app.database_url().to_owned();
        let before = placed.load(Ordering::SeqCst);
        let (code, stdout, stderr) = {
            let (url, path) = (url.clone(), path.clone());
            tokio::task::spawn_blocking(move || {
                ecrin(&[("ECRIN_DATABASE_URL", &url)], &["backup", &path])
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"))
        };
        let after = placed.load(Ordering::SeqCst);
        assert_eq!(code, 0, "{db:?}: {stderr}");
        assert!(stdout.contains("Backup written to"), "{stdout}");
        // The customers went on meanwhile.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        stop.store(true, Ordering::Relaxed);
        for b in buyers {
            b.await.unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(
            placed.load(Ordering::SeqCst) > after || after > before,
            "{db:?}: no load"
        );
        // A backup never overwrites one.
        let (code, _, stderr) = ecrin(&[("ECRIN_DATABASE_URL", &url)], &["backup", &path]);
        assert_ne!(code, 0);
        assert!(stderr.contains("exists already"), "{stderr}");

        let target = Fresh::new(db).await;
        let (code, stdout, stderr) =
            ecrin(&[("ECRIN_DATABASE_URL", &target.url)], &["restore", &path]);
        assert_eq!(code, 0, "{db:?}: {stdout}{stderr}");
        let restored = orders_verified(&stdout);
        assert!(
            (before..=after).contains(&restored),
            "{db:?}: {restored} orders restored, {before} acknowledged before the backup and {after} after"
        );
        let (code, stdout, stderr) = ecrin(&[("ECRIN_DATABASE_URL", &target.url)], &["verify"]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(orders_verified(&stdout), restored);
        // The copy is a shop: it answers with the orders it holds.
        let copy = ecrin_store_tests::open(&target.url).await;
        assert!(copy.count_products().await.unwrap_or(0) > 0);
        copy.close().await;

        // A second restore into the now full database: refused, nothing touched.
        let (code, _, stderr) = ecrin(&[("ECRIN_DATABASE_URL", &target.url)], &["restore", &path]);
        assert_ne!(code, 0);
        match db {
            Db::Sqlite => assert!(stderr.contains("--replace"), "{stderr}"),
            Db::Postgres => assert!(stderr.contains("nothing was restored"), "{stderr}"),
        }
        let (code, stdout, _) = ecrin(&[("ECRIN_DATABASE_URL", &target.url)], &["verify"]);
        assert_eq!(code, 0);
        assert_eq!(orders_verified(&stdout), restored);
        // The wrong kind of backup is named.
        let other = match db {
            Db::Sqlite => Fresh::new(Db::Postgres).await,
            Db::Postgres => Fresh::new(Db::Sqlite).await,
        };
        let (code, _, stderr) = ecrin(&[("ECRIN_DATABASE_URL", &other.url)], &["restore", &path]);
        assert_ne!(code, 0);
        assert!(stderr.contains("backup: restore it into"), "{stderr}");
    }
}
