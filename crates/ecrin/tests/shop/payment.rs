//! Payment by bank transfer (PAY-2, PAY-4) and the job runner that keeps its deadline,
//! on `milano`, on both backends.

use crate::basket::{call, sku};
use crate::checkout::{ready_customer, restock};
use crate::support::TestApp;
use ecrin_core::account::Role;
use ecrin_store_tests::BOTH;
use serde_json::{Value, json};

pub(crate) async fn order_by_transfer(app: &TestApp, token: &str) -> Value {
    let (_, s) = call(app, "POST", "/api/v1/checkout", token, Some(json!({}))).await;
    let (status, o) = call(
        app,
        "POST",
        "/api/v1/orders",
        token,
        Some(json!({"checkout_id": s["id"], "accept_terms": true,
                    "terms_version": s["terms"]["version"],
                    "confirm_obligation_to_pay": true, "payment_method": "bank_transfer"})),
    )
    .await;
    assert_eq!(status, 201, "{o}");
    o
}

async fn credit(app: &TestApp, number: &Value, amount: i64) -> (u16, Value) {
    let (status, body) = app
        .post_json(
            "/api/v1/test/bank-transfers",
            &json!({"order_number": number, "amount": amount}),
        )
        .await;
    (status, body)
}

async fn status_of(app: &TestApp, token: &str, number: &Value) -> String {
    let number = number.as_str().unwrap_or_default();
    let (_, o) = call(app, "GET", &format!("/api/v1/orders/{number}"), token, None).await;
    o["status"].as_str().unwrap_or_default().to_owned()
}

/// The kinds of an order's history as staff see it, and its last event's data.
async fn history(app: &TestApp, staff: &str, number: &Value) -> (u16, Vec<String>, Value) {
    let number = number.as_str().unwrap_or_default();
    let path = format!("/api/v1/admin/orders/{number}/events");
    let (status, body) = call(app, "GET", &path, staff, None).await;
    let items = body["items"].as_array().cloned().unwrap_or_default();
    let kinds = items
        .iter()
        .filter_map(|e| e["kind"].as_str().map(str::to_owned))
        .collect();
    let last = items.last().map(|e| e["data"].clone()).unwrap_or_default();
    (status, kinds, last)
}

pub(crate) async fn advance(app: &TestApp, by: &str) {
    let (status, body) = app
        .post_json("/api/v1/test/clock", &json!({ "advance": by }))
        .await;
    assert_eq!(status, 200, "{body}");
}

pub(crate) async fn run_jobs(app: &TestApp) -> usize {
    ecrin_app::jobs::run_due(&app.app)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Checks PAY-4: a transfer not received within the profile's five working days cancels
/// the order when the job comes due on the moved clock: the unit goes back on sale, the
/// customer is e-mailed, the history records it, and a transfer arriving afterwards is
/// refused; a transfer of the wrong amount is refused and credits nothing. Money received
/// and refused is kept in the order's history for staff to send back.
#[tokio::test]
async fn pay_4_a_transfer_not_received_in_time_cancels_the_order() {
    for db in BOTH {
        let app = TestApp::spawn(db, "milano").await;
        let token = ready_customer(&app, "ana@example.it", "jonc-rivage", 1).await;
        let piece = sku(&app, "jonc-rivage", 0).await;
        restock(&app, &piece, 1).await;
        let o = order_by_transfer(&app, &token).await;
        let number = o["number"].clone();
        let due = o["payment"]["next_action"]["instructions"]["due_date"].clone();
        assert!(due.is_string(), "{o}");
        assert_eq!(
            crate::stock::availability(&app, "jonc-rivage", &piece, "sold_out").await,
            "sold_out",
            "{db:?}"
        );

        let total = o["total"]["amount"].as_i64().unwrap_or_default();
        for wrong in [total - 1, total + 1, 0, -total] {
            let (status, body) = credit(&app, &number, wrong).await;
            assert_eq!(
                (status, body["code"].as_str()),
                (400, Some("validation_failed")),
                "{db:?}: {body}"
            );
        }
        assert_eq!(status_of(&app, &token, &number).await, "awaiting_payment");

        // Not due yet: nothing happens.
        assert_eq!(run_jobs(&app).await, 0, "{db:?}");
        advance(&app, "P3D").await;
        assert_eq!(run_jobs(&app).await, 0, "{db:?}");
        assert_eq!(status_of(&app, &token, &number).await, "awaiting_payment");

        // Five working days and two weekend days later, the deadline has passed.
        advance(&app, "P6D").await;
        assert_eq!(run_jobs(&app).await, 1, "{db:?}");
        assert_eq!(
            status_of(&app, &token, &number).await,
            "cancelled",
            "{db:?}"
        );
        assert_eq!(
            crate::stock::availability(&app, "jonc-rivage", &piece, "in_stock").await,
            "in_stock",
            "{db:?}"
        );
        let mails = app
            .get_json("/api/v1/test/outbox?to=ana%40example.it")
            .await;
        let told = mails["items"][0].clone();
        let n = number.as_str().unwrap_or_default();
        assert!(
            told["subject"]
                .as_str()
                .is_some_and(|s| s.contains(n) && s.contains("annullato")),
            "{db:?}: {told}"
        );
        assert!(
            told["text"]
                .as_str()
                .is_some_and(|t| t.contains(due.as_str().unwrap_or("?"))),
            "{db:?}: {told}"
        );
        // Done once.
        assert_eq!(run_jobs(&app).await, 0, "{db:?}");
        let (status, body) = credit(&app, &number, total).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("conflict")),
            "{db:?}: {body}"
        );
        let report = ecrin_app::proof::verify(&app.app, |_| {})
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (report.events, report.broken.len()),
            (5, 0),
            "{db:?}: {report:?}"
        );
        // The two wrong transfers and the late one are in the history, to be sent back;
        // the amounts of nothing (0, negative) are not money received.
        let accountant = crate::refunds::staff(&app, "books@maison.test", Role::Accountant).await;
        let (status, kinds, last) = history(&app, &accountant, &number).await;
        assert_eq!(status, 200, "{db:?}");
        assert_eq!(
            kinds,
            [
                "placed",
                "transfer_not_applied",
                "transfer_not_applied",
                "cancelled",
                "transfer_not_applied"
            ],
            "{db:?}"
        );
        assert_eq!(
            (last["amount"].as_i64(), last["reason"].as_str()),
            (Some(total), Some("order_cancelled")),
            "{db:?}: {last}"
        );
        let (status, _, _) = history(&app, &token, &number).await;
        assert_eq!(status, 403, "{db:?}");
        let (status, _, _) = history(&app, &accountant, &json!("999999")).await;
        assert_eq!(status, 404, "{db:?}");
    }
}

/// Checks PAY-2, PAY-4: the full amount received puts the order in preparation, once; its
/// deadline then passes without cancelling it.
#[tokio::test]
async fn pay_2_a_full_transfer_puts_the_order_in_preparation() {
    for db in BOTH {
        let app = TestApp::spawn(db, "milano").await;
        let token = ready_customer(&app, "eva@example.it", "jonc-rivage", 1).await;
        let o = order_by_transfer(&app, &token).await;
        let number = o["number"].clone();
        let total = o["total"]["amount"].as_i64().unwrap_or_default();
        let (status, body) = credit(&app, &number, total).await;
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("being_prepared")),
            "{db:?}: {body}"
        );
        assert_eq!(status_of(&app, &token, &number).await, "being_prepared");
        // The same transfer reported twice is taken once; the second is kept aside.
        let (status, body) = credit(&app, &number, total).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("conflict")),
            "{db:?}: {body}"
        );
        let admin = crate::checkout::admin_token(&app).await;
        let (_, kinds, last) = history(&app, &admin, &number).await;
        assert_eq!(
            kinds.last().map(String::as_str),
            Some("transfer_not_applied"),
            "{db:?}: {kinds:?}"
        );
        assert_eq!(last["reason"], "already_paid", "{db:?}: {last}");
        advance(&app, "P15D").await;
        assert_eq!(run_jobs(&app).await, 1, "{db:?}");
        assert_eq!(
            status_of(&app, &token, &number).await,
            "being_prepared",
            "{db:?}"
        );
        let (status, body) = credit(&app, &json!("999999"), total).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("not_found")),
            "{db:?}: {body}"
        );
    }
}

/// Checks PAY-4: a job claimed by a process that dies before finishing it is done by
/// another once its lease ends, and two processes running the queue at once do each job
/// once, on both backends.
#[tokio::test]
async fn pay_4_a_job_is_done_once_whoever_runs_it() {
    for db in BOTH {
        let app = TestApp::spawn(db, "milano").await;
        let mut numbers = Vec::new();
        for i in 0..3 {
            let token =
                ready_customer(&app, &format!("buyer{i}@example.it"), "jonc-rivage", 1).await;
            let o = order_by_transfer(&app, &token).await;
            numbers.push((token, o["number"].clone()));
        }
        advance(&app, "P10D").await;
        // A process claims the jobs, then dies before doing them.
        let now = ecrin_app::Clock::now_ms(app.app.clock.as_ref());
        let mut tx = app
            .app
            .store
            .begin()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let claimed = tx
            .claim_due_jobs(now, ecrin_app::jobs::LEASE_MS, 20)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(claimed.len(), 3, "{db:?}");
        // Its lease holds them meanwhile.
        assert_eq!(run_jobs(&app).await, 0, "{db:?}");
        advance(&app, "PT6M").await;
        // Two processes (two apps on one database) run the queue at the same moment.
        let other = ecrin_app::App::new(
            app.app.store.clone(),
            app.app.profile.clone(),
            app.app.clock.clone(),
            app.app.public_url.clone(),
        );
        let (a, b) = tokio::join!(
            ecrin_app::jobs::run_due(&app.app),
            ecrin_app::jobs::run_due(&other)
        );
        let done = a.unwrap_or_else(|e| panic!("{e}")) + b.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(done, 3, "{db:?}");
        for (token, number) in &numbers {
            assert_eq!(status_of(&app, token, number).await, "cancelled", "{db:?}");
        }
        let report = ecrin_app::proof::verify(&app.app, |_| {})
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (report.events, report.broken.len()),
            (6, 0),
            "{db:?}: {report:?}"
        );
        let mails = app
            .get_json("/api/v1/test/outbox?to=buyer0%40example.it")
            .await;
        let cancellations = mails["items"].as_array().map(|m| {
            m.iter()
                .filter(|m| {
                    m["subject"]
                        .as_str()
                        .is_some_and(|s| s.contains("annullato"))
                })
                .count()
        });
        assert_eq!(cancellations, Some(1), "{db:?}: {mails}");
    }
}
