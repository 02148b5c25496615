//! Stock (PAY-5): counted by the warehouse, taken by each order in one conditional
//! statement, never two buyers for one last unit, on both backends.

use crate::basket::{call, customer_token, sku};
use crate::checkout::{admin_token, order, ready_customer, staff_token};
use crate::support::TestApp;
use ecrin_store_tests::BOTH;
use serde_json::{Value, json};

async fn availability_now(app: &TestApp, slug: &str, piece: &str) -> String {
    let p = app.get_json(&format!("/api/v1/products/{slug}")).await;
    p["variants"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["sku"] == piece))
        .and_then(|v| v["availability"].as_str())
        .unwrap_or("missing")
        .to_owned()
}

/// The piece's availability once it reads `expected`, or what it reads after the page
/// cache's recheck interval has passed twice.
pub(crate) async fn availability(app: &TestApp, slug: &str, piece: &str, expected: &str) -> String {
    let mut seen = availability_now(app, slug, piece).await;
    for _ in 0..20 {
        if seen == expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        seen = availability_now(app, slug, piece).await;
    }
    seen
}

async fn set_stock(app: &TestApp, token: &str, piece: &str, on_hand: Value) -> (u16, Value) {
    call(
        app,
        "PUT",
        &format!("/api/v1/admin/variants/{piece}/stock"),
        token,
        Some(json!({ "on_hand": on_hand })),
    )
    .await
}

/// Checks PAY-5: the warehouse and the admin count a piece's units; customer service and
/// customers may not; a count out of range or of an unknown piece is refused.
#[tokio::test]
async fn pay_5_the_warehouse_counts_the_units_of_a_piece() {
    let app = TestApp::spawn(ecrin_store_tests::Db::Sqlite, "paris").await;
    let admin = admin_token(&app).await;
    for (email, role) in [
        ("stock@maison.test", ecrin_core::account::Role::Warehouse),
        (
            "desk@maison.test",
            ecrin_core::account::Role::CustomerService,
        ),
    ] {
        ecrin_app::staff::create_staff(&app.app, email, "Marco", role, "the staff secret phrase")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let warehouse = staff_token(&app, "stock@maison.test", "the staff secret phrase").await;
    let desk = staff_token(&app, "desk@maison.test", "the staff secret phrase").await;
    let customer = customer_token(&app, "ana@example.fr").await;
    let piece = sku(&app, "jonc-rivage", 0).await;

    let (status, body) = set_stock(&app, &warehouse, &piece, json!(0)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["availability"], "sold_out", "{body}");
    assert_eq!(
        availability(&app, "jonc-rivage", &piece, "sold_out").await,
        "sold_out"
    );
    let (status, body) = set_stock(&app, &admin, &piece, json!(4)).await;
    assert_eq!((status, body["on_hand"].as_i64()), (200, Some(4)), "{body}");
    assert_eq!(
        availability(&app, "jonc-rivage", &piece, "in_stock").await,
        "in_stock"
    );

    for (token, on_hand, expected, code) in [
        (&desk, json!(3), 403, "forbidden"),
        (&customer, json!(3), 403, "forbidden"),
        (&warehouse, json!(-1), 400, "validation_failed"),
        (&warehouse, json!(1_000_001), 400, "validation_failed"),
        (&warehouse, json!("three"), 400, "validation_failed"),
    ] {
        let (status, body) = set_stock(&app, token, &piece, on_hand).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (expected, Some(code)),
            "{body}"
        );
    }
    let (status, body) = set_stock(&app, &warehouse, "NO-SUCH-SKU", json!(1)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
}

/// Checks PAY-5: an order takes its units when it is placed; when it takes the last one,
/// the piece shows sold out and a later buyer is refused before any order exists. A piece
/// made to order has no units to take.
#[tokio::test]
async fn pay_5_an_order_takes_its_units_and_the_last_one_sells_the_piece_out() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let admin = admin_token(&app).await;
        let piece = sku(&app, "jonc-rivage", 0).await;
        let first = ready_customer(&app, "ana@example.fr", "jonc-rivage", 2).await;
        let later = ready_customer(&app, "eva@example.fr", "jonc-rivage", 1).await;
        let (status, body) = set_stock(&app, &admin, &piece, json!(2)).await;
        assert_eq!(status, 200, "{body}");
        let (_, late_summary) =
            call(&app, "POST", "/api/v1/checkout", &later, Some(json!({}))).await;

        let (_, s) = call(&app, "POST", "/api/v1/checkout", &first, Some(json!({}))).await;
        let (status, o) = order(&app, &first, &s, None).await;
        assert_eq!(status, 201, "{db:?}: {o}");
        assert_eq!(
            availability(&app, "jonc-rivage", &piece, "sold_out").await,
            "sold_out",
            "{db:?}"
        );

        // The later buyer's summary was priced while a unit remained: the order is
        // refused as a conflict and none is placed.
        let (status, p) = order(&app, &later, &late_summary, None).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (409, Some("conflict")),
            "{db:?}: {p}"
        );
        let (_, mine) = call(&app, "GET", "/api/v1/orders", &later, None).await;
        assert_eq!(
            mine["items"].as_array().map(Vec::len),
            Some(0),
            "{db:?}: {mine}"
        );
        // A new summary says so before any order.
        let (status, s) = call(&app, "POST", "/api/v1/checkout", &later, Some(json!({}))).await;
        assert_eq!(
            (status, s["code"].as_str()),
            (422, Some("unavailable")),
            "{db:?}: {s}"
        );
    }
    // atelier: a piece made to order is ordered whatever the count says.
    let app = TestApp::spawn(ecrin_store_tests::Db::Sqlite, "atelier").await;
    let admin = admin_token(&app).await;
    let made = sku(&app, "toi-et-moi-lumiere", 0).await;
    let p = app.get_json("/api/v1/products/toi-et-moi-lumiere").await;
    assert!(
        p["variants"]
            .as_array()
            .is_some_and(|vs| vs.iter().any(|v| v["availability"] == "made_to_order")),
        "{p}"
    );
    let (status, body) = set_stock(&app, &admin, &made, json!(0)).await;
    assert_eq!(
        (status, body["availability"].as_str()),
        (200, Some("made_to_order")),
        "{body}"
    );
    let buyer = ready_customer(&app, "ana@example.fr", "toi-et-moi-lumiere", 1).await;
    let (_, s) = call(&app, "POST", "/api/v1/checkout", &buyer, Some(json!({}))).await;
    let (status, o) = order(&app, &buyer, &s, None).await;
    assert_eq!(status, 201, "{o}");
}

/// Checks PAY-5: fifty customers order the same piece at once while three units remain:
/// exactly three orders are placed, the others are refused as a conflict, and no unit is
/// sold twice, on both backends.
#[tokio::test]
async fn pay_5_fifty_buyers_for_three_units_make_exactly_three_orders() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let admin = admin_token(&app).await;
        let piece = sku(&app, "jonc-rivage", 0).await;
        let (status, _) = set_stock(&app, &admin, &piece, json!(100)).await;
        assert_eq!(status, 200);
        // Fifty buyers, each with a summary of one unit.
        let mut ready = tokio::task::JoinSet::new();
        let shared = std::sync::Arc::new(app);
        for i in 0..50 {
            let app = shared.clone();
            ready.spawn(async move {
                let token =
                    ready_customer(&app, &format!("buyer{i}@example.fr"), "jonc-rivage", 1).await;
                let (status, s) =
                    call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
                assert_eq!(status, 201, "{s}");
                (token, s)
            });
        }
        let buyers = ready.join_all().await;
        let app = shared;
        let (status, _) = set_stock(&app, &admin, &piece, json!(3)).await;
        assert_eq!(status, 200);
        let mut orders = tokio::task::JoinSet::new();
        for (token, s) in buyers {
            let app = app.clone();
            orders.spawn(async move { order(&app, &token, &s, None).await });
        }
        let outcomes = orders.join_all().await;
        let placed = outcomes.iter().filter(|(status, _)| *status == 201).count();
        let refused = outcomes
            .iter()
            .filter(|(status, body)| *status == 409 && body["code"] == "conflict")
            .count();
        assert_eq!((placed, refused), (3, 47), "{db:?}: {outcomes:?}");
        assert_eq!(
            availability(&app, "jonc-rivage", &piece, "sold_out").await,
            "sold_out",
            "{db:?}"
        );
        let (status, _) = set_stock(&app, &admin, &piece, json!(1)).await;
        assert_eq!(status, 200);
        assert_eq!(
            availability(&app, "jonc-rivage", &piece, "in_stock").await,
            "in_stock",
            "{db:?}"
        );
    }
}

/// A test app whose database [`Serve`] processes share: its clock is theirs, the wall's.
pub(crate) fn beside_servers() -> crate::support::Options {
    crate::support::Options {
        fixed_start: false,
        ..crate::support::Options::default()
    }
}

/// An `ecrin serve` process of its own on `database_url`, in test mode; killed when
/// dropped.
pub(crate) struct Serve {
    child: std::process::Child,
    pub(crate) base: String,
}

impl Serve {
    fn start(database_url: &str) -> Serve {
        Self::with_profile(database_url, "paris")
    }

    /// `ecrin serve` on `database_url` with the profile `profile` (a name or a file).
    pub(crate) fn with_profile(database_url: &str, profile: &str) -> Serve {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ecrin"))
            .env("ECRIN_DATABASE_URL", database_url)
            .env("ECRIN_ADDR", "127.0.0.1:0")
            .env("ECRIN_PROFILE", profile)
            .env("ECRIN_TEST_MODE", "1")
            .env("ECRIN_DEMO_DATA", "0")
            .env("ECRIN_AUTH_ATTEMPTS_PER_MINUTE", "100000")
            .env("RUST_LOG", "warn")
            .env_remove("ECRIN_SMTP_URL")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let (_, base) = until_ready(&mut child);
        let base = base.unwrap_or_else(|| panic!("ecrin serve printed no address"));
        Serve { child, base }
    }

    /// SIGKILL: the process ends at once, wherever it is.
    pub(crate) fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What `ecrin serve` (started with its standard output piped) prints until it says it is
/// ready, line by line, and the address it serves (`http://…`) if it printed one.
pub(crate) fn until_ready(child: &mut std::process::Child) -> (String, Option<String>) {
    use std::io::{BufRead, BufReader};
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut base = None;
    let mut printed = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap_or_default();
        if base.is_none()
            && let Some(rest) = line.split("http://").nth(1)
        {
            base = rest.split('/').next().map(|a| format!("http://{a}"));
        }
        let done = line.contains("Ready in");
        printed.push(line);
        if done {
            break;
        }
    }
    (printed.join("\n"), base)
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Checks PAY-5 with three `ecrin serve` processes on one PostgreSQL: fifty customers
/// order the same piece through them at once while three units remain; exactly three
/// orders are placed.
#[tokio::test]
async fn pay_5_three_processes_on_one_postgresql_never_sell_a_unit_twice() {
    let app = TestApp::with(ecrin_store_tests::Db::Postgres, "paris", beside_servers()).await;
    let admin = admin_token(&app).await;
    let piece = sku(&app, "jonc-rivage", 0).await;
    let mut ready = tokio::task::JoinSet::new();
    let shared = std::sync::Arc::new(app);
    for i in 0..50 {
        let app = shared.clone();
        ready.spawn(async move {
            let token =
                ready_customer(&app, &format!("buyer{i}@example.fr"), "jonc-rivage", 1).await;
            let (status, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
            assert_eq!(status, 201, "{s}");
            (token, s)
        });
    }
    let buyers = ready.join_all().await;
    let app = shared;
    let (status, _) = set_stock(&app, &admin, &piece, json!(3)).await;
    assert_eq!(status, 200);
    let processes: Vec<Serve> = (0..3).map(|_| Serve::start(app.database_url())).collect();
    let client = reqwest::Client::new();
    let mut orders = tokio::task::JoinSet::new();
    for (i, (token, s)) in buyers.into_iter().enumerate() {
        let url = format!("{}/api/v1/orders", processes[i % 3].base);
        let req = client.post(url).bearer_auth(token).json(
            &json!({"checkout_id": s["id"], "accept_terms": true,
                          "terms_version": s["terms"]["version"],
                          "confirm_obligation_to_pay": true, "payment_method": "card"}),
        );
        orders.spawn(async move {
            let res = req.send().await.unwrap_or_else(|e| panic!("{e}"));
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or_default())
        });
    }
    let outcomes = orders.join_all().await;
    drop(processes);
    let placed = outcomes.iter().filter(|(status, _)| *status == 201).count();
    let refused = outcomes
        .iter()
        .filter(|(status, body)| *status == 409 && body["code"] == "conflict")
        .count();
    assert_eq!((placed, refused), (3, 47), "{outcomes:?}");
    assert_eq!(
        availability(&app, "jonc-rivage", &piece, "sold_out").await,
        "sold_out"
    );
}
