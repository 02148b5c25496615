//! Card payments through Stripe (PAY-1, PAY-2, PAY-3), against the Stripe stand-in
//! (`tests/standins/stripe_standin.py`): every request the shop sends is checked against
//! Stripe's published OpenAPI document, and every event it receives is signed by Stripe's
//! own library.

use crate::basket::call;
use crate::checkout::admin_token;
use crate::fulfilment::placed;
use crate::support::{Options, TestApp, matrix};
use ecrin_store_tests::Db;
use serde_json::{Value, json};
use std::time::Duration;

async fn shop(db: Db, profile: &'static str) -> TestApp {
    let options = Options {
        stripe: true,
        ..Options::default()
    };
    TestApp::with(db, profile, options).await
}

fn standin(app: &TestApp) -> &crate::standins::StripeStandIn {
    app.stripe
        .as_ref()
        .unwrap_or_else(|| panic!("a shop without its Stripe stand-in"))
}

/// The shop's payment link of order `number` followed as a browser does: where it sends
/// the customer.
pub(crate) async fn follow_pay_link(app: &TestApp, token: &str, number: &str) -> (u16, String) {
    let (_, o) = call(app, "GET", &format!("/api/v1/orders/{number}"), token, None).await;
    let link = o["payment"]["next_action"]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("no payment link: {o}"))
        .to_owned();
    let path = link.splitn(4, '/').nth(3).unwrap_or_default();
    let res = app.get(&format!("/{path}")).await;
    let status = res.status().as_u16();
    let to = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, to)
}

/// The order as its customer sees it once `done` holds, or the test fails after 10 s.
pub(crate) async fn order_when(
    app: &TestApp,
    token: &str,
    number: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..100 {
        let (_, o) = call(app, "GET", &format!("/api/v1/orders/{number}"), token, None).await;
        if done(&o) {
            return o;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, o) = call(app, "GET", &format!("/api/v1/orders/{number}"), token, None).await;
    panic!(
        "{}/{:?}: the order never came to the state awaited: {o}",
        app.profile, app.db
    )
}

/// The form of the stand-in's requests to `path`, each as its pairs, with its key.
async fn sent(app: &TestApp, method: &str, path: &str) -> Vec<(Vec<(String, String)>, String)> {
    standin(app)
        .read("requests")
        .await
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["method"] == method && r["path"] == path)
        .map(|r| {
            let form = r["form"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    (
                        p[0].as_str().unwrap_or_default().to_owned(),
                        p[1].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect();
            (
                form,
                r["idempotency_key"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Staff refund `amount` of order `number` with `key` as its `Idempotency-Key`.
pub(crate) async fn staff_refund(
    app: &TestApp,
    admin: &str,
    number: &str,
    key: &str,
    amount: i64,
) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/admin/orders/{number}/refunds")))
        .bearer_auth(admin)
        .header("idempotency-key", key)
        .json(&json!({"amount": amount, "reason": "Geste commercial"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = res.status().as_u16();
    (status, res.json::<Value>().await.unwrap_or_default())
}

fn field<'a>(form: &'a [(String, String)], key: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

/// Checks PAY-1, PAY-2 with Stripe on every profile and both databases: the payment link
/// opens one Checkout Session (payment mode, the order's lines adding up to its total, the
/// order number, the attempt's id, the way back, the customer's e-mail and language, an
/// expiry within 24 hours, an `Idempotency-Key`), opened again while it lasts; paid on
/// Stripe's page, the signed webhook makes the order a contract once Stripe confirms it:
/// invoiced and in preparation. A refund goes through `POST /v1/refunds` with its key, once
/// however often staff ask with it; so does the refund of a unit withdrawn from before it
/// left (WDR-1). No request strays from Stripe's OpenAPI document.
#[tokio::test]
async fn pay_1_pay_2_stripe_takes_the_payment_and_refunds_it_on_every_profile() {
    for (db, profile) in matrix() {
        let app = shop(db, profile).await;
        let st = standin(&app);
        let email = "carte@example.eu";
        let (token, number) = placed(&app, email).await;
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o["status"], "awaiting_payment", "{profile}: {o}");
        let total = o["total"]["amount"].as_i64().unwrap_or_default();

        let (status, page) = follow_pay_link(&app, &token, &number).await;
        assert_eq!(
            status,
            303,
            "{profile}/{db:?}: {page} {}",
            st.read("violations").await
        );
        assert!(page.starts_with(&st.base), "{profile}: {page}");
        let session = page.rsplit('/').next().unwrap_or_default().to_owned();
        let posts = sent(&app, "POST", "/v1/checkout/sessions").await;
        assert_eq!(posts.len(), 1, "{profile}: {posts:?}");
        let (form, key) = &posts[0];
        assert!(!key.is_empty(), "an Idempotency-Key");
        assert_eq!(field(form, "mode"), "payment");
        assert_eq!(field(form, "client_reference_id"), number);
        assert!(
            field(form, "metadata[payment_id]").starts_with("pay"),
            "{form:?}"
        );
        assert_eq!(field(form, "customer_email"), email);
        let lang = o["summary"]["language"].as_str().unwrap_or("fr").to_owned();
        assert!(
            ["fr", "en", "it"].contains(&field(form, "locale")),
            "{profile}: {form:?} {lang}"
        );
        assert!(
            field(form, "success_url").contains(&format!("/account/orders/{number}"))
                && field(form, "cancel_url").contains(&format!("/account/orders/{number}")),
            "{form:?}"
        );
        let expires: i64 = field(form, "expires_at").parse().unwrap_or_default();
        let wall = jiff::Timestamp::now().as_second();
        assert!(
            expires > wall + 22 * 3600 - 5 && expires <= wall + 24 * 3600,
            "{profile}: expires_at {expires}, now {wall}"
        );
        let mut sum = 0;
        for i in 0.. {
            let amount = field(form, &format!("line_items[{i}][price_data][unit_amount]"));
            if amount.is_empty() {
                break;
            }
            let quantity = field(form, &format!("line_items[{i}][quantity]"));
            assert_eq!(
                field(form, &format!("line_items[{i}][price_data][currency]")),
                "eur"
            );
            sum += amount.parse::<i64>().unwrap_or_default() * quantity.parse::<i64>().unwrap_or(0);
        }
        assert_eq!(
            sum, total,
            "{profile}: the lines add up to the order's total"
        );
        // The link again: the same session, not a second one.
        let (_, again) = follow_pay_link(&app, &token, &number).await;
        assert_eq!(again, page, "{profile}");
        assert_eq!(sent(&app, "POST", "/v1/checkout/sessions").await.len(), 1);

        // Paid on Stripe's page: back to the order, which the webhook makes a contract.
        let (status, back) = st.pay(&session, "4242424242424242").await;
        assert_eq!(status, 303, "{profile}");
        assert!(
            back.contains(&format!("/account/orders/{number}?payment=returned")),
            "{back}"
        );
        let o = order_when(&app, &token, &number, |o| o["status"] == "being_prepared").await;
        assert!(o["invoice"]["number"].is_string(), "{profile}: {o}");
        assert!(
            !sent(&app, "GET", &format!("/v1/checkout/sessions/{session}"))
                .await
                .is_empty(),
            "{profile}: the shop asked Stripe before acting"
        );

        // A refund, asked twice with one key: one refund at Stripe.
        let admin = admin_token(&app).await;
        let (status, first) = staff_refund(&app, &admin, &number, "stripe-refund-1", 5000).await;
        assert_eq!(status, 201, "{profile}: {first}");
        assert_eq!(first["status"], "succeeded", "{first}");
        let (status, second) = staff_refund(&app, &admin, &number, "stripe-refund-1", 5000).await;
        assert_eq!((status, &second["id"]), (200, &first["id"]), "{second}");
        let state = st.read("state").await;
        let refunds: Vec<&Value> = state["refunds"]
            .as_object()
            .map(|m| m.values().collect())
            .unwrap_or_default();
        assert_eq!(refunds.len(), 1, "{profile}: {state}");
        assert_eq!(refunds[0]["amount"], 5000);

        // WDR-1: the customer withdraws from a unit not yet shipped: cancelled and refunded
        // at once, through Stripe.
        let (status, w) = call(
            &app,
            "POST",
            &format!("/api/v1/orders/{number}/withdrawals"),
            &token,
            Some(json!({"lines": [{"line_id": format!("{number}-1"), "quantity": 1}]})),
        )
        .await;
        assert_eq!(status, 201, "{profile}/{db:?}: {w}");
        assert_eq!(w["refund"]["status"], "succeeded", "{profile}: {w}");
        let state = st.read("state").await;
        let amounts: Vec<i64> = state["refunds"]
            .as_object()
            .map(|m| m.values().filter_map(|r| r["amount"].as_i64()).collect())
            .unwrap_or_default();
        assert_eq!(amounts.len(), 2, "{profile}: {state}");
        assert!(
            amounts.contains(&w["refund"]["amount"]["amount"].as_i64().unwrap_or(-1)),
            "{profile}: {state} {w}"
        );
        st.assert_no_violation().await;
    }
}

/// Checks PAY-1 with Stripe on both databases: the events of a delayed payment (the
/// session completed unpaid, then its payment succeeded) sent out of order and each twice
/// make one payment, one invoice; a webhook whose signature does not hold, or is older than five minutes (signed
/// by Stripe's library at that time), is refused with 400 `invalid_signature` and changes nothing.
#[tokio::test]
async fn pay_1_stripe_events_twice_or_out_of_order_pay_once() {
    for db in ecrin_store_tests::BOTH {
        let app = shop(db, "paris").await;
        let st = standin(&app);
        let (token, number) = placed(&app, "double@example.fr").await;
        let (_, page) = follow_pay_link(&app, &token, &number).await;
        let session = page.rsplit('/').next().unwrap_or_default().to_owned();
        st.control("webhooks", json!({"hold": true})).await;
        // A delayed method: the session completes unpaid, then its payment succeeds.
        let (status, _) = st.pay(&session, "delayed").await;
        assert_eq!(status, 303);
        st.control(
            &format!("sessions/{session}/settle"),
            json!({"succeeded": true}),
        )
        .await;
        let released = st
            .control(
                "webhooks/release",
                json!({"order": "reverse", "twice": true}),
            )
            .await;
        assert_eq!(
            released["released"].as_array().map_or(0, Vec::len),
            2,
            "{released}"
        );
        order_when(&app, &token, &number, |o| o["status"] == "being_prepared").await;
        let deliveries = st.read("deliveries").await;
        assert!(
            deliveries
                .as_array()
                .into_iter()
                .flatten()
                .all(|d| d["status"] == 200),
            "{db:?}: every delivery answered 200: {deliveries}"
        );
        let admin = admin_token(&app).await;
        let (_, events) = call(
            &app,
            "GET",
            &format!("/api/v1/admin/orders/{number}/events"),
            &admin,
            None,
        )
        .await;
        let count = |kind: &str| {
            events["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|e| e["kind"] == kind)
                .count()
        };
        assert_eq!(
            (count("paid"), count("invoiced")),
            (1, 1),
            "{db:?}: {events}"
        );

        // A forged signature, and a genuine one five minutes and more old.
        let body =
            json!({"id": "evt_forged", "object": "event", "type": "checkout.session.completed",
                          "data": {"object": {"id": session}}})
            .to_string();
        for header in [
            "t=1,v1=00".to_owned(),
            st.control("sign", json!({"payload": body, "age": 301}))
                .await["header"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ] {
            let res = app
                .client
                .post(app.url("/api/v1/payments/stripe/webhook"))
                .header("stripe-signature", header)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(res.status().as_u16(), 400, "{db:?}");
            let problem: Value = res.json().await.unwrap_or_default();
            assert_eq!(problem["code"], "invalid_signature", "{db:?}: {problem}");
        }
        // Signed now by Stripe's library: taken (nothing more to do: paid already).
        let header = st.control("sign", json!({"payload": body, "age": 0})).await["header"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let res = app
            .client
            .post(app.url("/api/v1/payments/stripe/webhook"))
            .header("stripe-signature", header)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status().as_u16(), 200, "{db:?}");
        st.assert_no_violation().await;
    }
}

/// Checks PAY-1, PAY-3 with Stripe: Stripe down (500, or no answer past the timeout) when
/// the customer follows the payment link is `503 provider_unavailable` within five seconds
/// and the order waits, unchanged; once Stripe answers, the link works. A card declined on
/// Stripe's page leaves the session open to try another card.
#[tokio::test]
async fn pay_1_stripe_unavailable_is_a_503_in_time_and_keeps_the_order() {
    let app = shop(Db::Sqlite, "paris").await;
    let st = standin(&app);
    let (token, number) = placed(&app, "panne@example.fr").await;
    for kind in ["500", "timeout"] {
        st.control(
            "faults",
            json!({"method": "POST", "path": "/v1/checkout/sessions", "kind": kind, "times": 1}),
        )
        .await;
        let started = std::time::Instant::now();
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        let link = o["payment"]["next_action"]["url"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let path = link.splitn(4, '/').nth(3).unwrap_or_default();
        let res = app.get(&format!("/{path}")).await;
        assert_eq!(res.status().as_u16(), 503, "{kind}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{kind}: {:?}",
            started.elapsed()
        );
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o["status"], "awaiting_payment", "{kind}: {o}");
    }
    let (status, page) = follow_pay_link(&app, &token, &number).await;
    assert_eq!(status, 303, "{page}");
    let session = page.rsplit('/').next().unwrap_or_default().to_owned();
    let (status, _) = st.pay(&session, "4000000000000002").await;
    assert_eq!(status, 402, "declined: the page asks again");
    let (status, _) = st.pay(&session, "4242424242424242").await;
    assert_eq!(status, 303);
    order_when(&app, &token, &number, |o| o["status"] == "being_prepared").await;
    st.assert_no_violation().await;
}

/// A card order placed and paid through Stripe's page: its customer's token and number.
pub(crate) async fn paid_by_stripe(app: &TestApp, email: &str) -> (String, String) {
    let (token, number) = placed(app, email).await;
    let (status, page) = follow_pay_link(app, &token, &number).await;
    assert_eq!(status, 303, "{page}");
    let session = page.rsplit('/').next().unwrap_or_default().to_owned();
    let (status, _) = standin(app).pay(&session, "4242424242424242").await;
    assert_eq!(status, 303);
    order_when(app, &token, &number, |o| o["status"] == "being_prepared").await;
    (token, number)
}

/// Checks PAY-1 with Stripe on both databases: a refund Stripe does not answer (a 500, or
/// an answer lost after Stripe made it) is recorded as pending and owed on the deadline
/// board; its job asks again with the same key until Stripe answers, and Stripe makes each
/// refund once: one refund at Stripe per refund of the shop, each with its credit note.
#[tokio::test]
async fn pay_1_a_refund_stripe_did_not_answer_is_made_once_by_its_job() {
    for db in ecrin_store_tests::BOTH {
        let app = shop(db, "paris").await;
        let st = standin(&app);
        let (token, number) = paid_by_stripe(&app, "rembourse@example.fr").await;
        let admin = admin_token(&app).await;
        let at_stripe = || async {
            st.read("state").await["refunds"]
                .as_object()
                .map_or(0, serde_json::Map::len)
        };
        for (key, fault) in [("late-1", "500"), ("late-2", "lost_answer")] {
            st.control(
                "faults",
                json!({"method": "POST", "path": "/v1/refunds", "kind": fault, "times": 1}),
            )
            .await;
            let (status, r) = staff_refund(&app, &admin, &number, key, 3000).await;
            assert_eq!(
                (status, &r["status"]),
                (201, &json!("pending")),
                "{db:?} {fault}: {r}"
            );
            let owed = crate::fulfilment::board(&app, &admin).await;
            assert!(
                owed.iter().any(|(kind, ..)| kind == "refund_due"),
                "{db:?} {fault}: on the board: {owed:?}"
            );
        }
        assert_eq!(
            at_stripe().await,
            1,
            "{db:?}: the lost answer's refund was made"
        );
        crate::payment::advance(&app, "PT2M").await;
        assert_eq!(crate::payment::run_jobs(&app).await, 2, "{db:?}");
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        let refunds = o["refunds"].as_array().cloned().unwrap_or_default();
        assert_eq!(refunds.len(), 2, "{db:?}: {o}");
        assert!(
            refunds.iter().all(|r| r["status"] == "succeeded"),
            "{db:?}: {refunds:?}"
        );
        assert_eq!(at_stripe().await, 2, "{db:?}: each made once at Stripe");
        assert!(
            !crate::fulfilment::board(&app, &admin)
                .await
                .iter()
                .any(|(kind, ..)| kind == "refund_due"),
            "{db:?}: no longer owed"
        );
        // Later runs find nothing more to do.
        crate::payment::advance(&app, "PT10M").await;
        crate::payment::run_jobs(&app).await;
        assert_eq!(at_stripe().await, 2, "{db:?}");
        st.assert_no_violation().await;
    }
}

/// Checks PAY-1, PAY-2 with Stripe: a customer back on the order's page before Stripe's
/// webhook. Paid by a delayed method, the page says the payment is being confirmed and
/// reloads itself; once the payment succeeded at Stripe, the page asks Stripe and shows
/// the order paid although no webhook came; the webhooks arriving later change nothing.
/// Back without paying, the page says nothing was charged and offers to pay again.
#[tokio::test]
async fn pay_1_back_from_stripe_before_its_webhook_the_order_page_follows_the_payment() {
    use crate::staff_pages::page;
    let app = shop(Db::Sqlite, "paris").await;
    let st = standin(&app);
    let email = "retour@example.fr";
    let (token, number) = placed(&app, email).await;
    let (_, link) = follow_pay_link(&app, &token, &number).await;
    let session = link.rsplit('/').next().unwrap_or_default().to_owned();
    st.control("webhooks", json!({"hold": true})).await;
    let (status, back) = st.pay(&session, "delayed").await;
    assert_eq!(status, 303);
    let path = back.splitn(4, '/').nth(3).unwrap_or_default();
    let visit = crate::checkout_pages::page_login(&app, "fr", email).await;
    let (status, html) = page(&app, &format!("/{path}"), &visit).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("id=\"payment-note\"") && html.contains("http-equiv=\"refresh\""),
        "{html}"
    );
    st.control(
        &format!("sessions/{session}/settle"),
        json!({"succeeded": true}),
    )
    .await;
    let (_, html) = page(&app, &format!("/{path}"), &visit).await;
    assert!(!html.contains("id=\"payment-note\""), "{html}");
    let (_, o) = call(
        &app,
        "GET",
        &format!("/api/v1/orders/{number}"),
        &token,
        None,
    )
    .await;
    assert_eq!(o["status"], "being_prepared", "paid without a webhook: {o}");
    st.control("webhooks/release", json!({"order": "sent", "twice": true}))
        .await;
    let admin = admin_token(&app).await;
    let (_, events) = call(
        &app,
        "GET",
        &format!("/api/v1/admin/orders/{number}/events"),
        &admin,
        None,
    )
    .await;
    let paid = events["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["kind"] == "paid")
        .count();
    assert_eq!(paid, 1, "{events}");

    // Back without paying: nothing charged, the button to pay again.
    st.control("webhooks", json!({"hold": false})).await;
    let piece = crate::basket::sku(&app, "jonc-rivage", 0).await;
    let (status, body) = crate::basket::add(&app, &token, &piece, 1).await;
    assert_eq!(status, 201, "{body}");
    let (_, summary) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
    let (status, o) = crate::checkout::order(&app, &token, &summary, None).await;
    assert_eq!(status, 201, "{o}");
    let other = o["number"].as_str().unwrap_or_default().to_owned();
    let (_, link) = follow_pay_link(&app, &token, &other).await;
    assert!(link.starts_with(&st.base), "{link}");
    let (status, html) = page(
        &app,
        &format!("/fr/account/orders/{other}?payment=cancelled"),
        &visit,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Le paiement n’a pas abouti") && html.contains("id=\"pay-by-card\""),
        "{html}"
    );
    st.assert_no_violation().await;
}

/// Checks PAY-3 with Stripe on both databases: a Checkout Session that expires unpaid ends
/// the attempt (its `checkout.session.expired` event, checked with Stripe): the order waits
/// for its payment with its units back on sale, and the customer starts another attempt,
/// which opens a new session and pays.
#[tokio::test]
async fn pay_3_an_expired_stripe_session_ends_the_attempt_and_the_customer_pays_again() {
    for db in ecrin_store_tests::BOTH {
        let app = shop(db, "paris").await;
        let st = standin(&app);
        let (token, number) = placed(&app, "expire@example.fr").await;
        let (_, link) = follow_pay_link(&app, &token, &number).await;
        let session = link.rsplit('/').next().unwrap_or_default().to_owned();
        // Stripe ends the session (as at its expiry).
        let res = reqwest::Client::new()
            .post(format!("{}/v1/checkout/sessions/{session}/expire", st.base))
            .bearer_auth(crate::standins::STRIPE_KEY)
            .header("idempotency-key", format!("test-expire-{session}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status().as_u16(), 200);
        let admin = admin_token(&app).await;
        for _ in 0..100 {
            let (_, events) = call(
                &app,
                "GET",
                &format!("/api/v1/admin/orders/{number}/events"),
                &admin,
                None,
            )
            .await;
            if events.to_string().contains("payment_refused") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o["status"], "awaiting_payment", "{db:?}: {o}");
        assert!(
            o["payment"]["next_action"].is_null() || o["payment"]["next_action"]["url"].is_string(),
            "{o}"
        );
        // Another attempt: a new session, paid.
        let (status, retried) = call(
            &app,
            "POST",
            &format!("/api/v1/orders/{number}/payments"),
            &token,
            None,
        )
        .await;
        assert_eq!(status, 201, "{db:?}: {retried}");
        let (status, again) = follow_pay_link(&app, &token, &number).await;
        assert_eq!(status, 303, "{again}");
        assert_ne!(again, link, "a new session");
        let fresh = again.rsplit('/').next().unwrap_or_default().to_owned();
        let (status, _) = st.pay(&fresh, "4242424242424242").await;
        assert_eq!(status, 303);
        order_when(&app, &token, &number, |o| o["status"] == "being_prepared").await;
        st.assert_no_violation().await;
    }
}

/// Checks PAY-1, STK-2 with Stripe on both databases: a refund Stripe made and then
/// reports failed (the card expired) is owed again, on the deadline board and on the
/// customer's order to say where it goes, its credit note standing; a dispute of the
/// payment is written in the order's history and flagged to customer service as a ticket.
/// Each event sent again changes nothing more.
#[tokio::test]
async fn pay_1_a_refund_failed_later_is_owed_again_and_a_dispute_is_flagged() {
    for db in ecrin_store_tests::BOTH {
        let app = shop(db, "paris").await;
        let st = standin(&app);
        let (token, number) = paid_by_stripe(&app, "litige@example.fr").await;
        let admin = admin_token(&app).await;
        let (status, _) = staff_refund(&app, &admin, &number, "to-fail", 4000).await;
        assert_eq!(status, 201);
        let state = st.read("state").await;
        let (refund_id, intent) = state["refunds"]
            .as_object()
            .and_then(|m| m.values().next())
            .map(|r| {
                (
                    r["id"].as_str().unwrap_or_default().to_owned(),
                    r["payment_intent"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .unwrap_or_default();
        // The two events, each delivered twice.
        st.control("webhooks", json!({"hold": true})).await;
        st.control(&format!("refunds/{refund_id}/fail"), json!({}))
            .await;
        st.control("disputes", json!({"payment_intent": intent}))
            .await;
        st.control("webhooks/release", json!({"order": "sent", "twice": true}))
            .await;
        let o = order_when(&app, &token, &number, |o| {
            o["refunds"][0]["status"] == "pending"
        })
        .await;
        assert_eq!(
            o["refunds"][0]["destination"], "customer_choice",
            "{db:?}: {o}"
        );
        assert!(
            o["refunds"][0]["credit_note"]["number"].is_string(),
            "{db:?}: its credit note stands: {o}"
        );
        assert!(
            crate::fulfilment::board(&app, &admin)
                .await
                .iter()
                .any(|(kind, ..)| kind == "refund_due"),
            "{db:?}: owed again"
        );

        let mut flagged = Value::Null;
        for _ in 0..100 {
            let (_, tickets) = call(&app, "GET", "/api/v1/admin/tickets", &admin, None).await;
            if tickets.to_string().contains(&number) {
                flagged = tickets;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            flagged.to_string().contains("Paiement contesté"),
            "{db:?}: a ticket for customer service: {flagged}"
        );
        let (_, events) = call(
            &app,
            "GET",
            &format!("/api/v1/admin/orders/{number}/events"),
            &admin,
            None,
        )
        .await;
        let count = |kind: &str| {
            events["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|e| e["kind"] == kind)
                .count()
        };
        assert_eq!(
            (count("refund_failed"), count("dispute_opened")),
            (1, 1),
            "{db:?}: {events}"
        );
        st.assert_no_violation().await;
    }
}
