//! Refunds through the payment provider (PAY-1) and their credit notes (INV-3): once per
//! idempotency key, never more than was captured, even when asked at the same moment.

use crate::basket::call;
use crate::checkout::{admin_token, staff_token};
use crate::documents::{get_pdf, paid_order, pdf_text};
use crate::support::TestApp;
use ecrin_core::account::Role;
use ecrin_store_tests::BOTH;
use serde_json::{Value, json};

async fn refund(
    app: &TestApp,
    token: &str,
    number: &str,
    body: Value,
    key: Option<&str>,
) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/admin/orders/{number}/refunds")))
        .bearer_auth(token)
        .json(&body);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let res = req.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

pub(crate) async fn staff(app: &TestApp, email: &str, role: Role) -> String {
    ecrin_app::staff::create_staff(&app.app, email, "Marco", role, "the staff secret phrase")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    staff_token(app, email, "the staff secret phrase").await
}

/// Checks PAY-1, INV-3 on both backends: a refund goes through the provider and gets a
/// credit note in its own sequence, referencing the invoice; the same key gives the same
/// refund; the customer is told, with the credit note attached, and downloads it; the
/// history records each refund.
#[tokio::test]
async fn pay_1_inv_3_a_refund_goes_through_the_provider_with_its_credit_note() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let (token, o) = paid_order(&app, "ana@example.fr", "jonc-rivage", json!({})).await;
        let number = o["number"].as_str().unwrap_or_default();
        let total = o["total"]["amount"].as_i64().unwrap_or_default();
        let invoice = o["invoice"]["number"].as_str().unwrap_or_default();
        let accountant = staff(&app, "books@maison.test", Role::Accountant).await;

        let (status, first) = refund(
            &app,
            &accountant,
            number,
            json!({"amount": 5000, "reason": "Geste commercial"}),
            Some("refund-1"),
        )
        .await;
        assert_eq!(status, 201, "{db:?}: {first}");
        assert_eq!(first["status"], "succeeded");
        assert_eq!(first["amount"]["amount"], 5000);
        assert_eq!(first["credit_note"]["number"], "A000001");
        assert_eq!(first["credit_note"]["invoice_number"], invoice);
        // Asked again with the same key: the same refund, nothing more.
        let (status, again) = refund(
            &app,
            &accountant,
            number,
            json!({"amount": 5000, "reason": "Geste commercial"}),
            Some("refund-1"),
        )
        .await;
        assert_eq!(status, 200, "{again}");
        assert_eq!(again["id"], first["id"]);
        assert_eq!(again["credit_note"]["number"], "A000001");
        // The same key for another amount is refused.
        let (status, other) = refund(
            &app,
            &accountant,
            number,
            json!({"amount": 100}),
            Some("refund-1"),
        )
        .await;
        assert_eq!(
            (status, other["code"].as_str()),
            (409, Some("conflict")),
            "{other}"
        );
        // The rest of the payment, then not a cent more.
        let (status, rest) = refund(
            &app,
            &accountant,
            number,
            json!({"amount": total - 5000}),
            Some("refund-2"),
        )
        .await;
        assert_eq!(status, 201, "{rest}");
        assert_eq!(rest["credit_note"]["number"], "A000002");
        let (status, over) = refund(
            &app,
            &accountant,
            number,
            json!({"amount": 1}),
            Some("refund-3"),
        )
        .await;
        assert_eq!(status, 400, "{over}");
        assert_eq!(over["code"], "validation_failed");
        assert_eq!(over["errors"][0]["field"], "amount", "{over}");

        // The customer sees both, downloads the credit note, and was e-mailed.
        let (_, seen) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        let refunds = seen["refunds"].as_array().cloned().unwrap_or_default();
        assert_eq!(refunds.len(), 2, "{seen}");
        // The lists read the papers of all their orders at once: each order keeps its own.
        let (_, other) = paid_order(&app, "bruno@example.fr", "jonc-rivage", json!({})).await;
        let (_, mine) = call(&app, "GET", "/api/v1/orders", &token, None).await;
        assert_eq!(mine["items"].as_array().map(Vec::len), Some(1), "{mine}");
        assert_eq!(mine["items"][0], seen, "{db:?}");
        let (_, all) = call(&app, "GET", "/api/v1/admin/orders", &accountant, None).await;
        let listed = |n: &Value| {
            all["items"]
                .as_array()
                .and_then(|items| items.iter().find(|o| o["number"] == *n).cloned())
                .unwrap_or_else(|| panic!("{db:?}: {n} not in {all}"))
        };
        assert_eq!(listed(&seen["number"]), seen, "{db:?}");
        let theirs = listed(&other["number"]);
        assert_eq!(theirs["refunds"], json!([]), "{db:?}");
        assert_eq!(theirs["invoice"], other["invoice"], "{db:?}");
        assert_ne!(theirs["invoice"]["number"], seen["invoice"]["number"]);
        let url = refunds[0]["credit_note"]["url"].as_str().unwrap_or("?");
        let (status, kind, pdf) = get_pdf(&app, url, &token).await;
        assert_eq!((status, kind.as_str()), (200, "application/pdf"));
        let text = pdf_text(&pdf);
        for expected in [
            "Avoir",
            "A000001",
            invoice,
            number,
            "50,00",
            "Geste commercial",
        ] {
            assert!(
                text.contains(expected),
                "{db:?}: {expected:?} not in\n{text}"
            );
        }
        let outbox = app.get_json("/api/v1/test/outbox?to=ana@example.fr").await;
        let told = outbox["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter(|m| {
                        m["subject"]
                            .as_str()
                            .is_some_and(|s| s.contains("Remboursement"))
                    })
                    .count()
            })
            .unwrap_or_default();
        assert_eq!(told, 2, "{outbox}");
        // Placed, paid, invoiced, then two refunds, and the other order's three: chains
        // that hold.
        let r = ecrin_app::proof::verify(&app.app, |_| {})
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((r.events, r.broken.len()), (8, 0), "{db:?}");
    }
}

/// Checks PAY-1: refunds asked by the wrong people, of nothing, of too much or of nothing
/// paid are refused with a code, and nothing is refunded.
#[tokio::test]
async fn pay_1_refunds_refused_with_a_code() {
    let app = TestApp::spawn(BOTH[0], "milano").await;
    let (customer, o) = paid_order(&app, "ana@example.it", "jonc-rivage", json!({})).await;
    let number = o["number"].as_str().unwrap_or_default();
    let admin = admin_token(&app).await;
    let warehouse = staff(&app, "dock@maison.test", Role::Warehouse).await;
    for (token, body, status, code) in [
        (&warehouse, json!({"amount": 100}), 403, "forbidden"),
        (&customer, json!({"amount": 100}), 403, "forbidden"),
        (&admin, json!({"amount": -100}), 400, "validation_failed"),
        (&admin, json!({"amount": 0}), 400, "validation_failed"),
        (
            &admin,
            json!({"amount": 9_000_000_000_000_000_i64}),
            400,
            "validation_failed",
        ),
        (&admin, json!({"amount": "100"}), 400, "validation_failed"),
        (
            &admin,
            json!({"amount": 100, "reason": "a\u{0}b"}),
            400,
            "validation_failed",
        ),
        (
            &admin,
            json!({"amount": 100, "extra": 1}),
            400,
            "validation_failed",
        ),
    ] {
        let (got, body) = refund(&app, token, number, body, None).await;
        assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{body}");
    }
    let (got, body) = refund(&app, &admin, "999999", json!({"amount": 100}), None).await;
    assert_eq!(
        (got, body["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    // An order not paid yet has nothing to refund.
    let token = crate::checkout::ready_customer(&app, "bo@example.it", "jonc-rivage", 1).await;
    let (_, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
    let (_, unpaid) = crate::checkout::order(&app, &token, &s, None).await;
    let (got, body) = refund(
        &app,
        &admin,
        unpaid["number"].as_str().unwrap_or("?"),
        json!({"amount": 100}),
        None,
    )
    .await;
    assert_eq!(
        (got, body["code"].as_str()),
        (409, Some("conflict")),
        "{body}"
    );
    let (_, seen) = call(
        &app,
        "GET",
        &format!("/api/v1/orders/{number}"),
        &customer,
        None,
    )
    .await;
    assert_eq!(seen["refunds"], json!([]), "{seen}");
}

/// Checks PAY-1, INV-3 on both backends: twenty refunds of a tenth of the payment asked at
/// the same moment: exactly ten are made, the payment is refunded once in full, and the
/// credit notes are numbered 1 to 10 without a gap.
#[tokio::test]
async fn pay_1_concurrent_refunds_never_exceed_the_payment() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let (_, o) = paid_order(&app, "ana@example.fr", "solitaire-lumiere", json!({})).await;
        let number = o["number"].as_str().unwrap_or_default().to_owned();
        let total = o["total"]["amount"].as_i64().unwrap_or_default();
        assert_eq!(total % 10, 0, "{total}");
        let admin = admin_token(&app).await;
        let app = std::sync::Arc::new(app);
        let mut tasks = Vec::new();
        for i in 0..20 {
            let app = app.clone();
            let admin = admin.clone();
            let number = number.clone();
            tasks.push(tokio::spawn(async move {
                refund(
                    &app,
                    &admin,
                    &number,
                    json!({"amount": total / 10}),
                    Some(&format!("race-{i}")),
                )
                .await
            }));
        }
        let mut made = 0;
        for t in tasks {
            let (status, body) = t.await.unwrap_or_else(|e| panic!("{e}"));
            match status {
                201 => made += 1,
                400 => assert_eq!(body["errors"][0]["code"], "more_than_paid", "{body}"),
                _ => panic!("{db:?}: {status} {body}"),
            }
        }
        assert_eq!(made, 10, "{db:?}");
        let notes = app
            .app
            .store
            .credit_notes()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let numbers: Vec<i64> = notes.iter().map(|n| n.seq).collect();
        assert_eq!(numbers, (1..=10).collect::<Vec<_>>(), "{db:?}");
        assert_eq!(notes.iter().map(|n| n.amount).sum::<i64>(), total);
    }
}
