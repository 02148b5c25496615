//! Every way the terms give money back, through a real provider's protocol (PAY-1): staff
//! cancelling a line (STK-3), a withdrawal accepted after its return (WDR-4), a claim
//! decided with a refund (WAR-2), a cancellation for late delivery (DLV-4), each made
//! through Stripe (every profile, both databases) and Lyra (`paris`, both databases)
//! against their stand-ins; the provider's record and the shop's books agree to the cent.

use crate::after_sales::{b64, claim, delivered, late, login, set_clock};
use crate::basket::call;
use crate::checkout::admin_token;
use crate::fulfilment::placed;
use crate::stripe::order_when;
use crate::support::{Options, TestApp, matrix};
use serde_json::{Value, json};

/// A card order placed and paid on the provider's page: its customer's token and number.
async fn paid(app: &TestApp, email: &str) -> (String, String) {
    if app.stripe.is_some() {
        return crate::stripe::paid_by_stripe(app, email).await;
    }
    let (token, number) = placed(app, email).await;
    crate::lyra::pay_on_lyra(app, &token, &number, crate::lyra::PAID, false).await;
    order_when(app, &token, &number, |o| o["status"] == "being_prepared").await;
    (token, number)
}

/// What the provider gave back in all, by its own record (cents).
async fn given_back(app: &TestApp, totals: &[(String, i64)]) -> i64 {
    if let Some(st) = &app.stripe {
        let state = st.read("state").await;
        return state["refunds"]
            .as_object()
            .map_or(0, |m| m.values().filter_map(|r| r["amount"].as_i64()).sum());
    }
    let state = crate::lyra::standin(app).read("state").await;
    let mut back = 0;
    for t in state["transactions"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
    {
        let Some((_, paid)) = totals.iter().find(|(n, _)| t["orderId"] == n.as_str()) else {
            continue;
        };
        match t["operationType"].as_str() {
            Some("CREDIT") => back += t["amount"].as_i64().unwrap_or_default(),
            Some("DEBIT") if t["detailedStatus"] == "CANCELLED" => back += paid,
            Some("DEBIT") => back += paid - t["amount"].as_i64().unwrap_or_default(),
            _ => {}
        }
    }
    back
}

/// The refunds of an order as its customer sees them: (amount, status, destination).
async fn refunds_of(app: &TestApp, email: &str, number: &str) -> Vec<(i64, String, Value)> {
    let token = login(app, email).await;
    let (_, o) = call(
        app,
        "GET",
        &format!("/api/v1/orders/{number}"),
        &token,
        None,
    )
    .await;
    o["refunds"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["amount"]["amount"].as_i64().unwrap_or_default(),
                r["status"].as_str().unwrap_or_default().to_owned(),
                r["destination"].clone(),
            )
        })
        .collect()
}

async fn every_path(app: &TestApp, label: &str) {
    let admin = admin_token(app).await;
    let email = "chemins@example.eu";
    let (token, number) = paid(app, email).await;
    let (_, o) = call(
        app,
        "GET",
        &format!("/api/v1/orders/{number}"),
        &token,
        None,
    )
    .await;
    let first_total = o["total"]["amount"].as_i64().unwrap_or_default();

    // STK-3: staff cancel the necklace before it leaves.
    let (status, c) = call(
        app,
        "POST",
        &format!("/api/v1/admin/orders/{number}/cancel-lines"),
        &admin,
        Some(
            json!({"lines": [{"line_id": format!("{number}-2"), "quantity": 1}],
                    "reason": "Fermoir abîmé à l'atelier."}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{label}: {c}");
    if let Some(st) = &app.lyra {
        // The day's capture: what follows is refunded by credits, not cancellations.
        st.control("capture", json!({})).await;
    }

    // The rings leave and arrive.
    delivered(app, &admin, &number).await;

    // WDR-4: one ring withdrawn, sent back, accepted.
    let (status, w) = call(
        app,
        "POST",
        &format!("/api/v1/orders/{number}/withdrawals"),
        &token,
        Some(
            json!({"lines": [{"line_id": format!("{number}-1"), "quantity": 1}],
                    "outcome": "refund"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{label}: {w}");
    let rid = w["id"].as_str().unwrap_or_default().to_owned();
    let (status, r) = call(
        app,
        "POST",
        &format!("/api/v1/admin/returns/{rid}/receive"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{label}: {r}");
    let (status, i) = call(
        app,
        "POST",
        &format!("/api/v1/admin/returns/{rid}/inspect"),
        &admin,
        Some(json!({"outcome": "accepted"})),
    )
    .await;
    assert_eq!(status, 200, "{label}: {i}");
    assert_eq!(i["refund"]["status"], "succeeded", "{label}: {i}");

    // WAR-2: the other ring damaged; customer service refunds part of it.
    let (status, c) = claim(
        app,
        email,
        &number,
        json!({"kind": "damaged_on_delivery", "line_id": format!("{number}-1"),
               "description": "Rayé à la livraison.",
               "photos": [{"filename": "raye.png", "content_type": "image/png",
                           "data_base64": b64(&crate::after_sales::png(32, 32))}]}),
    )
    .await;
    assert_eq!(status, 201, "{label}: {c}");
    let id = c["id"].as_str().unwrap_or_default();
    let (status, d) = call(
        app,
        "POST",
        &format!("/api/v1/admin/claims/{id}/decide"),
        &admin,
        Some(json!({"outcome": "refund", "reason": "Rayure constatée.", "refund_amount": 5000})),
    )
    .await;
    assert_eq!(status, 200, "{label}: {d}");

    // DLV-4: a second order never delivered: the customer sets a last deadline, then
    // cancels it, refunded in full.
    let (token2, second) = paid(app, "retard@example.eu").await;
    let (_, o) = call(
        app,
        "GET",
        &format!("/api/v1/orders/{second}"),
        &token2,
        None,
    )
    .await;
    let second_total = o["total"]["amount"].as_i64().unwrap_or_default();
    set_clock(app, "2027-03-01T09:00:00+01:00").await;
    let (status, body) = late(
        app,
        "retard@example.eu",
        &second,
        json!({"action": "set_deadline", "deadline": "2027-03-10"}),
    )
    .await;
    assert_eq!(status, 200, "{label}: {body}");
    set_clock(app, "2027-03-11T09:00:00+01:00").await;
    let (status, body) = late(
        app,
        "retard@example.eu",
        &second,
        json!({"action": "cancel"}),
    )
    .await;
    assert_eq!(status, 200, "{label}: {body}");
    assert_eq!(body["refund"]["amount"]["amount"], second_total, "{label}");

    // Every refund made through the provider, once; the books agree with it.
    crate::payment::run_jobs(app).await;
    let mut shop_total = 0;
    for (email, n) in [(email, &number), ("retard@example.eu", &second)] {
        let refunds = refunds_of(app, email, n).await;
        assert!(!refunds.is_empty(), "{label}: {n}");
        for (amount, status, destination) in refunds {
            assert_eq!(status, "succeeded", "{label}: {n}");
            assert!(destination.is_null(), "{label}: to the card: {destination}");
            shop_total += amount;
        }
    }
    let back = given_back(
        app,
        &[
            (number.clone(), first_total),
            (second.clone(), second_total),
        ],
    )
    .await;
    assert_eq!(
        shop_total, back,
        "{label}: the shop's books and the provider's record"
    );
    let st = app.stripe.as_ref().or(app.lyra.as_ref());
    if let Some(st) = st {
        st.assert_no_violation().await;
    }
}

/// Checks PAY-1, STK-3, WDR-4, WAR-2, DLV-4 through Stripe on every profile and both
/// databases: each way the terms give money back is a refund at Stripe, made once, and
/// what Stripe gave back is what the shop's books say to the cent.
#[tokio::test]
async fn pay_1_every_refund_path_goes_through_stripe_once() {
    for (db, profile) in matrix() {
        let options = Options {
            stripe: true,
            ..Options::default()
        };
        let app = TestApp::with(db, profile, options).await;
        every_path(&app, &format!("stripe {profile}/{db:?}")).await;
    }
}

/// Checks PAY-1, STK-3, WDR-4, WAR-2, DLV-4 through Lyra on `paris` and both databases:
/// the necklace cancelled before the day's capture lowers the payment, every later refund
/// is a credit; the platform's record and the shop's books agree to the cent.
#[tokio::test]
async fn pay_1_every_refund_path_goes_through_lyra_once() {
    for db in ecrin_store_tests::BOTH {
        let options = Options {
            lyra: true,
            ..Options::default()
        };
        let app = TestApp::with(db, "paris", options).await;
        every_path(&app, &format!("lyra paris/{db:?}")).await;
    }
}
