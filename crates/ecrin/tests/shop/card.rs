//! Card payment at the sandbox provider (PAY-1, PAY-2, PAY-3): the provider's pages, its
//! signed callbacks, refusals and retries, on every profile and both backends.

use crate::basket::{call, sku};
use crate::checkout::{order, ready_customer, restock};
use crate::support::TestApp;
use ecrin_store_tests::BOTH;
use serde_json::{Value, json};

async fn card_order(app: &TestApp, email: &str) -> (String, Value) {
    let token = ready_customer(app, email, "jonc-rivage", 1).await;
    let (_, s) = call(app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
    let (status, o) = order(app, &token, &s, None).await;
    assert_eq!(status, 201, "{o}");
    (token, o)
}

async fn pay(app: &TestApp, token: &str, number: &Value, card: &str) -> (u16, Value) {
    let number = number.as_str().unwrap_or_default();
    call(
        app,
        "POST",
        &format!("/api/v1/test/payments/{number}"),
        token,
        Some(json!({ "card": card })),
    )
    .await
}

async fn get_order(app: &TestApp, token: &str, number: &Value) -> Value {
    let number = number.as_str().unwrap_or_default();
    call(app, "GET", &format!("/api/v1/orders/{number}"), token, None)
        .await
        .1
}

async fn history_holds(app: &TestApp) -> (u64, usize) {
    let r = ecrin_app::proof::verify(&app.app, |_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (r.events, r.broken.len())
}

/// Checks PAY-1, PAY-2 on every profile: a card order points to the provider's page; the
/// paying card, and the 3-D Secure card once its challenge is passed, put the order in
/// preparation, once; the history records the payment.
#[tokio::test]
async fn pay_1_pay_2_a_card_order_is_paid_at_the_provider_then_prepared() {
    for (db, profile) in [
        (BOTH[0], "paris"),
        (BOTH[0], "atelier"),
        (BOTH[0], "milano"),
        (BOTH[1], "paris"),
    ] {
        let app = TestApp::spawn(db, profile).await;
        for (email, card) in [
            ("ana@example.fr", "4242 4242 4242 4242"),
            ("eva@example.fr", "4000000000003220"),
        ] {
            let (token, o) = card_order(&app, email).await;
            let number = o["number"].clone();
            assert_eq!(o["payment"]["next_action"]["kind"], "redirect", "{o}");
            assert!(
                o["payment"]["next_action"]["url"].as_str().is_some_and(
                    |u| u.contains(&format!("/pay/{}", number.as_str().unwrap_or("?")))
                ),
                "{o}"
            );
            let (status, paid) = pay(&app, &token, &number, card).await;
            assert_eq!(status, 200, "{db:?} {profile}: {paid}");
            assert_eq!(paid["status"], "being_prepared");
            let seen = get_order(&app, &token, &number).await;
            assert_eq!(seen["status"], "being_prepared", "{seen}");
            assert_eq!(seen["payment"]["next_action"], Value::Null, "{seen}");
            let (status, again) = pay(&app, &token, &number, "4242424242424242").await;
            assert_eq!(
                (status, again["code"].as_str()),
                (409, Some("conflict")),
                "{again}"
            );
        }
        // Each order: placed, paid, invoiced.
        assert_eq!(history_holds(&app).await, (6, 0), "{db:?} {profile}");
    }
}

/// Checks PAY-3: a refused card ends the attempt and gives the units back; the customer
/// tries again, which takes them again, and pays; the history keeps each step.
#[tokio::test]
async fn pay_3_a_refused_card_gives_the_units_back_and_the_customer_tries_again() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let piece = sku(&app, "jonc-rivage", 0).await;
        let (token, o) = card_order(&app, "ana@example.fr").await;
        restock(&app, &piece, 0).await;
        let number = o["number"].clone();
        let (status, refused) = pay(&app, &token, &number, "4000000000000002").await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (422, Some("payment_refused")),
            "{db:?}: {refused}"
        );
        assert_eq!(
            get_order(&app, &token, &number).await["status"],
            "awaiting_payment"
        );
        // The unit the order held is on sale again.
        assert_eq!(
            crate::stock::availability(&app, "jonc-rivage", &piece, "in_stock").await,
            "in_stock",
            "{db:?}"
        );
        // No attempt is open until the customer starts one.
        let (status, body) = pay(&app, &token, &number, "4242424242424242").await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("payment_refused")),
            "{body}"
        );
        let n = number.as_str().unwrap_or_default();
        let (status, retried) = call(
            &app,
            "POST",
            &format!("/api/v1/orders/{n}/payments"),
            &token,
            None,
        )
        .await;
        assert_eq!(status, 201, "{db:?}: {retried}");
        assert_eq!(
            crate::stock::availability(&app, "jonc-rivage", &piece, "sold_out").await,
            "sold_out",
            "{db:?}"
        );
        let (status, again) = call(
            &app,
            "POST",
            &format!("/api/v1/orders/{n}/payments"),
            &token,
            None,
        )
        .await;
        assert_eq!(
            (status, again["code"].as_str()),
            (409, Some("conflict")),
            "{again}"
        );
        let (status, paid) = pay(&app, &token, &number, "4242424242424242").await;
        assert_eq!(
            (status, paid["status"].as_str()),
            (200, Some("being_prepared")),
            "{paid}"
        );
        // Placed, payment refused, paid, invoiced.
        assert_eq!(history_holds(&app).await, (4, 0), "{db:?}");
    }
}

/// Checks PAY-1: the shop takes only callbacks signed with its secret and under five
/// minutes old; one sent again, or another for a payment already settled, changes
/// nothing; a signed callback of another amount is refused; another customer's order
/// cannot be paid through the test door.
#[tokio::test]
async fn pay_1_forged_stale_repeated_and_wrong_callbacks_change_nothing() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let (token, o) = card_order(&app, "ana@example.fr").await;
        let number = o["number"].clone();
        let n = number.as_str().unwrap_or_default().to_owned();
        let order_id = app
            .app
            .store
            .order_by_number(&n)
            .await
            .ok()
            .flatten()
            .map(|o| o.id)
            .unwrap_or_default();
        let payment = app
            .app
            .store
            .payments_of(&order_id)
            .await
            .unwrap_or_default()
            .pop()
            .unwrap_or_else(|| panic!("{db:?}: no payment"));
        let secret = app.app.payment_secret.clone();
        let now = ecrin_app::Clock::now_ms(app.app.clock.as_ref()) / 1000;
        let body = |id: &str, amount: i64| {
            json!({"id": id, "type": "payment.succeeded", "payment_id": payment.id,
                   "amount": amount, "created": now})
            .to_string()
        };
        let send = |sig: String, body: String| {
            let req = app
                .client
                .post(app.url("/api/v1/payments/callbacks/sandbox"))
                .header("content-type", "application/json")
                .header("sandbox-signature", sig)
                .body(body);
            async move {
                let res = req.send().await.unwrap_or_else(|e| panic!("{e}"));
                let status = res.status().as_u16();
                (status, res.json::<Value>().await.unwrap_or_default())
            }
        };
        let good = body("evt_1", payment.amount);
        let sign = |t: i64, b: &str| ecrin_app::sandbox::sign(&secret, t, b);
        for (sig, b, expected, code) in [
            (String::new(), good.clone(), 401, "unauthorized"),
            (
                ecrin_app::sandbox::sign(b"not the secret", now, &good),
                good.clone(),
                401,
                "unauthorized",
            ),
            (sign(now - 600, &good), good.clone(), 401, "unauthorized"),
            (
                sign(now, &good),
                body("evt_1", payment.amount + 1),
                401,
                "unauthorized",
            ),
            (
                sign(now, &body("evt_2", 1)),
                body("evt_2", 1),
                400,
                "validation_failed",
            ),
            (
                sign(now, &body("evt_3", -5)),
                body("evt_3", -5),
                400,
                "validation_failed",
            ),
            (
                sign(now, &body("evt_4", i64::MAX)),
                body("evt_4", i64::MAX),
                400,
                "validation_failed",
            ),
        ] {
            let (status, answer) = send(sig, b).await;
            assert_eq!(
                (status, answer["code"].as_str()),
                (expected, Some(code)),
                "{db:?}: {answer}"
            );
        }
        assert_eq!(
            get_order(&app, &token, &number).await["status"],
            "awaiting_payment"
        );

        let (status, answer) = send(sign(now, &good), good.clone()).await;
        assert_eq!(
            (status, answer["applied"].as_bool()),
            (200, Some(true)),
            "{db:?}: {answer}"
        );
        assert_eq!(
            get_order(&app, &token, &number).await["status"],
            "being_prepared"
        );
        // The same callback again, and another event for the settled payment.
        let (status, answer) = send(sign(now, &good), good.clone()).await;
        assert_eq!(
            (status, answer["applied"].as_bool()),
            (200, Some(false)),
            "{answer}"
        );
        let other = body("evt_9", payment.amount);
        let (status, answer) = send(sign(now, &other), other).await;
        assert_eq!(
            (status, answer["applied"].as_bool()),
            (200, Some(false)),
            "{answer}"
        );
        // Placed, paid, invoiced.
        assert_eq!(history_holds(&app).await, (3, 0), "{db:?}");

        // Another customer cannot pay this order through the test door.
        let (eva, _) = card_order(&app, "eva@example.fr").await;
        let (status, body) = pay(&app, &eva, &number, "4242424242424242").await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("not_found")),
            "{body}"
        );
    }
}

/// Checks PAY-1: the provider's own pages, without a browser: the shop's payment link
/// leads to them, a link whose amount was changed is refused, a mistyped card is asked
/// again, and the paying card sends the customer back to the order, paid.
#[tokio::test]
async fn pay_1_the_providers_pages_take_the_card_and_send_the_customer_back() {
    let app = TestApp::spawn(BOTH[0], "paris").await;
    let (token, o) = card_order(&app, "ana@example.fr").await;
    let number = o["number"].clone();
    let link = o["payment"]["next_action"]["url"]
        .as_str()
        .unwrap_or_default()
        .replace("http://shop.test", "");
    let res = app
        .client
        .get(app.url(&link))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status().as_u16(), 303);
    let page_url = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .replace("http://shop.test", "");
    assert!(page_url.starts_with("/sandbox/pay/"), "{page_url}");
    let res = app
        .client
        .get(app.url(&page_url))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.unwrap_or_default();
    assert!(
        html.contains("Pay 349,00") || html.contains("349"),
        "{html}"
    );
    assert!(html.contains("autocomplete=\"cc-number\""), "{html}");
    // The amount is signed: changed, the link is refused.
    let changed = page_url.replace("amount=34900", "amount=100");
    assert_ne!(changed, page_url);
    let res = app
        .client
        .get(app.url(&changed))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status().as_u16(), 403);

    let query: Vec<(String, String)> = url_query(&page_url);
    let get = |k: &str| {
        query
            .iter()
            .find(|(q, _)| q == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let path = page_url.split('?').next().unwrap_or_default().to_owned();
    let form = |card: &str| {
        vec![
            ("amount".to_owned(), get("amount")),
            ("order".to_owned(), get("order")),
            ("return".to_owned(), get("return")),
            ("sig".to_owned(), get("sig")),
            ("card".to_owned(), card.to_owned()),
            ("expiry".to_owned(), "12/30".to_owned()),
            ("cvc".to_owned(), "123".to_owned()),
        ]
    };
    let res = app
        .client
        .post(app.url(&path))
        .form(&form("4242 4242 4242 4241"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.text().await.unwrap_or_default().contains("not valid"));
    let res = app
        .client
        .post(app.url(&path))
        .form(&form("4242 4242 4242 4242"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status().as_u16(), 303);
    let back = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let n = number.as_str().unwrap_or_default();
    assert!(back.ends_with(&format!("/account/orders/{n}")), "{back}");
    assert_eq!(
        get_order(&app, &token, &number).await["status"],
        "being_prepared"
    );
}

fn url_query(url: &str) -> Vec<(String, String)> {
    url.split_once('?')
        .map(|(_, q)| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| {
                    (
                        k.to_owned(),
                        urlencoding::decode(v)
                            .map(|s| s.into_owned())
                            .unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Checks PAY-1, PAY-2: a process stopped between the provider's charge and its callback
/// (the charge is made, the shop never heard of it) loses nothing: the provider tells the
/// shop again, the order is paid and invoiced once, and telling it a third time changes
/// nothing.
#[tokio::test]
async fn pay_2_a_charge_whose_callback_was_interrupted_is_told_again_once() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let (token, o) = card_order(&app, "lea@example.fr").await;
        let number = o["number"].as_str().unwrap_or_default().to_owned();
        let order = app
            .app
            .store
            .order_by_number(&number)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("no order {number}"));
        let payment = app
            .app
            .store
            .payments_of(&order.id)
            .await
            .unwrap_or_default()
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no payment"));
        // The charge as the provider recorded it, the process gone before its callback.
        let mut tx = app
            .app
            .store
            .begin()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let taken = tx
            .put_sandbox_charge(&ecrin_store::SandboxCharge {
                payment_id: payment.id.clone(),
                amount: payment.amount,
                status: ecrin_core::payment::ChargeState::Succeeded,
                card_last4: "4242".into(),
                at: ecrin_app::Clock::now_ms(app.app.clock.as_ref()),
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(taken);
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            get_order(&app, &token, &o["number"]).await["status"],
            "awaiting_payment"
        );
        // Not before the provider's wait.
        assert_eq!(
            ecrin_app::sandbox::retry_callbacks(&app.app).await.ok(),
            Some(0)
        );
        let (status, _) = app
            .post_json("/api/v1/test/clock", &json!({"advance": "PT10S"}))
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            ecrin_app::sandbox::retry_callbacks(&app.app).await.ok(),
            Some(1),
            "{db:?}"
        );
        assert_eq!(
            ecrin_app::sandbox::retry_callbacks(&app.app).await.ok(),
            Some(0),
            "{db:?}"
        );
        let seen = get_order(&app, &token, &o["number"]).await;
        assert_eq!(seen["status"], "being_prepared", "{db:?}: {seen}");
        assert!(seen["invoice"]["number"].is_string(), "{seen}");
        // The customer paying again on the provider's page: the same charge, told once.
        let (status, body) = pay(&app, &token, &o["number"], "4242 4242 4242 4242").await;
        assert!(status == 200 || status == 409, "{status} {body}");
        let payments = app
            .app
            .store
            .payments_of(&order.id)
            .await
            .unwrap_or_default();
        assert_eq!(payments.len(), 1);
        let (events, broken) = history_holds(&app).await;
        assert!(events > 0 && broken == 0);
    }
}
