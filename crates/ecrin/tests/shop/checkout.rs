//! Checkout and orders over the API (CHK-1 … CHK-12, DLV-2), on every profile and both
//! backends.

use crate::basket::{call, customer_token, sku};
use crate::support::{TestApp, matrix};
use ecrin_store_tests::BOTH;
use serde_json::{Value, json};

pub(crate) fn home_country(profile: &str) -> (&'static str, &'static str, &'static str) {
    match profile {
        "milano" => ("IT", "20121", "Milano"),
        _ => ("FR", "75003", "Paris"),
    }
}

pub(crate) fn address(country: &str, postcode: &str, city: &str) -> Value {
    json!({"given_name": "Ana", "family_name": "Lima", "line1": "12 rue des Orfèvres",
           "postcode": postcode, "city": city, "country": country, "phone": "+33 1 23 45 67 89"})
}

pub(crate) async fn admin_token(app: &TestApp) -> String {
    staff_token(app, "admin@maison.test", "the admin secret").await
}

/// A member of staff's bearer token; the test admin gives their second factor.
pub(crate) async fn staff_token(app: &TestApp, email: &str, password: &str) -> String {
    let mut login = json!({"email": email, "password": password});
    if email == crate::support::ADMIN_EMAIL {
        login["otp"] = json!(app.admin_code().await);
    }
    let (status, body) = app.post_json("/api/v1/sessions", &login).await;
    assert_eq!(status, 201, "{body}");
    body["token"].as_str().unwrap_or_default().to_owned()
}

/// A customer with a default address in the profile's home country and `slug` in the
/// basket.
pub(crate) async fn ready_customer(
    app: &TestApp,
    email: &str,
    slug: &str,
    quantity: u32,
) -> String {
    let token = customer_token(app, email).await;
    let (country, postcode, city) = home_country(app.profile);
    let (status, body) = call(
        app,
        "POST",
        "/api/v1/me/addresses",
        &token,
        Some(address(country, postcode, city)),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let piece = sku(app, slug, 0).await;
    restock(app, &piece, 100).await;
    let (status, body) = call(
        app,
        "POST",
        "/api/v1/basket/items",
        &token,
        Some(json!({"sku": piece, "quantity": quantity})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    token
}

/// Sets a piece's units on hand (PAY-5: each order takes its own; the demo holds a few).
pub(crate) async fn restock(app: &TestApp, piece: &str, on_hand: i64) {
    let mut tx = app
        .app
        .store
        .begin()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let why = ecrin_store::StockMove {
        reason: "staff",
        reference: None,
        at_ms: 0,
    };
    tx.set_stock(piece, on_hand, &why)
        .await
        .unwrap_or_else(|e| panic!("{piece}: {e}"));
    tx.bump_catalogue_version()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
}

pub(crate) async fn order(
    app: &TestApp,
    token: &str,
    summary: &Value,
    key: Option<&str>,
) -> (u16, Value) {
    let body = json!({"checkout_id": summary["id"], "accept_terms": true,
                      "terms_version": summary["terms"]["version"],
                      "confirm_obligation_to_pay": true, "payment_method": "card"});
    let mut req = app
        .client
        .post(app.url("/api/v1/orders"))
        .bearer_auth(token)
        .header("user-agent", "Ecrin-Test/1.0")
        .json(&body);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let res = req.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

/// An amount as API.md writes money: `{"amount": …, "currency": "EUR"}`.
fn amount(v: &Value) -> i64 {
    assert_eq!(v["currency"], "EUR", "money as amount and currency: {v}");
    v["amount"].as_i64().unwrap_or(i64::MIN)
}

/// Checks CHK-2, CHK-3, CHK-5, CHK-6, CHK-7, DLV-2 and the order placed in
/// `awaiting_payment`, on every profile and both backends; the order in the export (PRV-2).
#[tokio::test]
async fn chk_2_chk_5_the_summary_then_the_order_on_every_profile() {
    for (db, profile) in matrix() {
        let app = TestApp::spawn(db, profile).await;
        let token = ready_customer(&app, "ana@example.fr", "jonc-rivage", 2).await;
        // CHK-2: no address given: the account's default delivery address.
        let (status, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        assert_eq!(status, 201, "{profile}: {s}");
        let (country, _, _) = home_country(profile);
        assert_eq!(s["delivery_address"]["country"], country);
        assert_eq!(s["billing_address"], s["delivery_address"]);
        assert_eq!(s["contact"]["email"], "ana@example.fr");
        // CHK-5, CHK-6: each line before and after VAT, the merchant's rate at home.
        let line = &s["lines"][0];
        assert_eq!(line["quantity"], 2);
        let rate = if profile == "milano" {
            "22.00"
        } else {
            "20.00"
        };
        assert_eq!(line["vat_rate"], rate, "{profile}");
        assert_eq!(amount(&line["unit_price_incl_vat"]), 34_000);
        assert_eq!(amount(&line["line_total_incl_vat"]), 68_000);
        assert_eq!(
            amount(&line["line_total_excl_vat"]) + amount(&line["line_vat"]),
            68_000
        );
        assert_eq!(line["withdrawable"], true);
        assert_eq!(s["vat_treatment"], "domestic");
        assert_eq!(s["duties_at_customer_charge"], false);
        // CHK-3: the standard method and its charge; totals that add up.
        assert!(
            s["method"]["carrier"]
                .as_str()
                .is_some_and(|c| !c.is_empty())
        );
        assert_eq!(
            amount(&s["total"]),
            68_000 + amount(&s["delivery_charge"]),
            "{profile}: {s}"
        );
        assert_eq!(
            amount(&s["total_excl_vat"]) + amount(&s["vat_total"]),
            amount(&s["total"])
        );
        if profile == "atelier" {
            assert_eq!(amount(&s["delivery_charge"]), 1_200, "atelier: FR 12 €");
        }
        // DLV-2: a date, after today.
        let date = s["estimated_delivery_date"].as_str().unwrap_or_default();
        assert_eq!(date.len(), 10, "{date}");
        // CHK-7: the terms shown, with the fingerprint of their text.
        assert_eq!(s["terms"]["version"], "1.0");
        assert_eq!(s["terms"]["sha256"].as_str().map(str::len), Some(64));
        let url = s["terms"]["url"].as_str().unwrap_or_default();
        assert!(url.contains("/legal/terms?version=1.0"), "{url}");
        assert_eq!(s["can_order"], true);
        // A summary can be read again.
        let id = s["id"].as_str().unwrap_or_default();
        let (status, again) =
            call(&app, "GET", &format!("/api/v1/checkout/{id}"), &token, None).await;
        assert_eq!(status, 200);
        assert_eq!(again, s);

        let (status, o) = order(&app, &token, &s, Some("first-try")).await;
        assert_eq!(status, 201, "{profile}: {o}");
        assert_eq!(o["status"], "awaiting_payment");
        assert_eq!(o["total"], s["total"]);
        assert_eq!(o["acceptance"]["terms_version"], "1.0");
        assert_eq!(o["acceptance"]["terms_sha256"], s["terms"]["sha256"]);
        assert_eq!(o["acceptance"]["ip"], "127.0.0.1");
        assert_eq!(o["acceptance"]["user_agent"], "Ecrin-Test/1.0");
        assert_eq!(o["lines"][0]["withdrawable"], true);
        // The basket is emptied by the order.
        let (_, basket) = call(&app, "GET", "/api/v1/basket", &token, None).await;
        assert_eq!(basket["units"], 0);
        let number = o["number"].as_str().unwrap_or_default();
        let (status, mine) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(mine["number"], number);
        let (_, list) = call(&app, "GET", "/api/v1/orders", &token, None).await;
        assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
        // PRV-2: the customer's export holds the order and what was accepted, from where.
        let (status, export) = call(&app, "GET", "/api/v1/me/export", &token, None).await;
        assert_eq!(status, 200);
        assert_eq!(export["orders"][0]["number"], number);
        assert_eq!(export["orders"][0]["acceptance"]["ip"], "127.0.0.1");
        assert_eq!(export["orders"][0]["summary"]["lines"][0]["quantity"], 2);
    }
}

/// Checks the `Idempotency-Key` of `POST /orders`: the same key answers the first order;
/// the same key with another body, or the same summary again, is refused; never a second
/// order.
#[tokio::test]
async fn chk_7_an_order_replayed_with_its_idempotency_key_is_placed_once() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let token = ready_customer(&app, "ana@example.fr", "jonc-rivage", 1).await;
        let (_, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        let (first_status, first) = order(&app, &token, &s, Some("k-1")).await;
        assert_eq!(first_status, 201, "{first}");
        let (again_status, again) = order(&app, &token, &s, Some("k-1")).await;
        assert_eq!(again_status, 201, "{again}");
        assert_eq!(again["number"], first["number"]);
        // The same summary under a new key: never a second order.
        let (status, p) = order(&app, &token, &s, Some("k-2")).await;
        assert_eq!((status, p["code"].as_str()), (409, Some("conflict")), "{p}");
        // The same key with another request.
        let mut other = s.clone();
        other["id"] = json!("chk_another");
        let (status, p) = order(&app, &token, &other, Some("k-1")).await;
        assert_eq!((status, p["code"].as_str()), (409, Some("conflict")), "{p}");
        let (_, list) = call(&app, "GET", "/api/v1/orders", &token, None).await;
        assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
        // Concurrent replays of one key: one order.
        let token2 = ready_customer(&app, "bea@example.fr", "jonc-rivage", 1).await;
        let (_, s2) = call(&app, "POST", "/api/v1/checkout", &token2, Some(json!({}))).await;
        let mut tries = tokio::task::JoinSet::new();
        for _ in 0..6 {
            let (client, url, token) = (
                app.client.clone(),
                app.url("/api/v1/orders"),
                token2.clone(),
            );
            let body = json!({"checkout_id": s2["id"], "accept_terms": true, "terms_version": "1.0",
                              "confirm_obligation_to_pay": true, "payment_method": "card"});
            tries.spawn(async move {
                let res = client
                    .post(url)
                    .bearer_auth(token)
                    .header("idempotency-key", "same")
                    .json(&body)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                let status = res.status().as_u16();
                (status, res.json::<Value>().await.unwrap_or_default())
            });
        }
        let results = tries.join_all().await;
        let numbers: std::collections::BTreeSet<String> = results
            .iter()
            .filter(|(st, _)| *st == 201)
            .map(|(_, o)| o["number"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(numbers.len(), 1, "{results:?}");
        assert!(results.iter().all(|(st, _)| *st == 201), "{results:?}");
        let (_, list) = call(&app, "GET", "/api/v1/orders", &token2, None).await;
        assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    }
}

/// Checks CHK-6: the destination's rate for an EU distance sale, no VAT and the duties
/// notice for an export (DAP), French overseas departments outside the EU VAT territory.
#[tokio::test]
async fn chk_6_vat_follows_the_destination() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let token = ready_customer(&app, "ana@example.fr", "jonc-rivage", 1).await;
        let to = |c: &str, pc: &str, city: &str| json!({"delivery_address": address(c, pc, city)});
        let (status, de) = call(
            &app,
            "POST",
            "/api/v1/checkout",
            &token,
            Some(to("DE", "10115", "Berlin")),
        )
        .await;
        assert_eq!(status, 201, "{de}");
        assert_eq!(de["vat_treatment"], "distance_sale");
        assert_eq!(de["lines"][0]["vat_rate"], "19.00");
        assert_eq!(
            amount(&de["lines"][0]["line_total_incl_vat"]),
            34_000,
            "the price shown is paid"
        );
        let (status, us) = call(
            &app,
            "POST",
            "/api/v1/checkout",
            &token,
            Some(to("US", "10001", "New York")),
        )
        .await;
        assert_eq!(status, 201, "{us}");
        assert_eq!(us["vat_treatment"], "export");
        assert_eq!(amount(&us["vat_total"]), 0);
        assert_eq!(us["lines"][0]["vat_rate"], "0.00");
        // 340 € shown with 20 % French VAT: 283.33 € before VAT.
        assert_eq!(amount(&us["lines"][0]["line_total_incl_vat"]), 28_333);
        assert_eq!(us["duties_at_customer_charge"], true);
        assert!(
            us["warnings"]
                .as_array()
                .is_some_and(|w| w.iter().any(|w| w["code"] == "duties_at_customer_charge")),
            "{us}"
        );
        let (status, re) = call(
            &app,
            "POST",
            "/api/v1/checkout",
            &token,
            Some(to("RE", "97400", "Saint-Denis")),
        )
        .await;
        assert_eq!(status, 201, "{re}");
        assert_eq!(re["vat_treatment"], "export");
    }
}

/// Checks CHK-1: a country the house does not serve, a malformed postcode, and `milano`'s
/// refusal of PO boxes.
#[tokio::test]
async fn chk_1_addresses_outside_the_houses_reach_are_refused() {
    for db in BOTH {
        for profile in ["paris", "milano"] {
            let app = TestApp::spawn(db, profile).await;
            let token = ready_customer(&app, "ana@example.fr", "jonc-rivage", 1).await;
            let (status, p) = call(
                &app,
                "POST",
                "/api/v1/checkout",
                &token,
                Some(json!({"delivery_address": address("KP", "12345", "Pyongyang")})),
            )
            .await;
            assert_eq!(
                (status, p["code"].as_str()),
                (422, Some("country_not_served")),
                "{p}"
            );
            let (status, p) = call(
                &app,
                "POST",
                "/api/v1/checkout",
                &token,
                Some(json!({"delivery_address": address("FR", "7500", "Paris")})),
            )
            .await;
            assert_eq!(
                (status, p["code"].as_str()),
                (422, Some("address_not_accepted")),
                "{p}"
            );
            let mut po_box = address("IT", "20121", "Milano");
            po_box["line1"] = json!("Casella Postale 42");
            let (status, p) = call(
                &app,
                "POST",
                "/api/v1/checkout",
                &token,
                Some(json!({"delivery_address": po_box})),
            )
            .await;
            if profile == "milano" {
                assert_eq!(
                    (status, p["code"].as_str()),
                    (422, Some("address_not_accepted")),
                    "{p}"
                );
            } else {
                assert_eq!(status, 201, "paris delivers to PO boxes: {p}");
            }
        }
    }
}

/// Checks CHK-7 and CHK-8: the boxes must be ticked; a version published after the
/// summary must be read first; placed orders keep the version they were accepted under.
#[tokio::test]
async fn chk_8_a_new_terms_version_never_changes_a_placed_order() {
    for db in BOTH {
        let app = TestApp::spawn(db, "atelier").await;
        let token = ready_customer(&app, "ana@example.fr", "jonc-rivage", 1).await;
        let (_, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        let mut unticked = json!({"checkout_id": s["id"], "accept_terms": false,
            "terms_version": s["terms"]["version"], "confirm_obligation_to_pay": true, "payment_method": "card"});
        let (status, p) = call(
            &app,
            "POST",
            "/api/v1/orders",
            &token,
            Some(unticked.clone()),
        )
        .await;
        assert_eq!(
            (status, p["code"].as_str()),
            (422, Some("terms_not_accepted")),
            "{p}"
        );
        unticked["accept_terms"] = json!(true);
        unticked["confirm_obligation_to_pay"] = json!(false);
        let (status, p) = call(&app, "POST", "/api/v1/orders", &token, Some(unticked)).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (422, Some("terms_not_accepted")),
            "{p}"
        );
        let (status, first) = order(&app, &token, &s, None).await;
        assert_eq!(status, 201, "{first}");

        let admin = admin_token(&app).await;
        let (status, t) = call(&app, "POST", "/api/v1/admin/terms", &admin,
            Some(json!({"version": "2.0", "body": {"fr": "Conditions 2.0", "en": "Terms 2.0", "it": "Condizioni 2.0"}}))).await;
        assert_eq!(status, 201, "{t}");
        // Published versions never change.
        let (status, p) = call(
            &app,
            "POST",
            "/api/v1/admin/terms",
            &admin,
            Some(json!({"version": "2.0", "body": {"fr": "x", "en": "x", "it": "x"}})),
        )
        .await;
        assert_eq!((status, p["code"].as_str()), (409, Some("conflict")));
        // Only an admin publishes.
        let (status, _) = call(
            &app,
            "POST",
            "/api/v1/admin/terms",
            &token,
            Some(json!({"version": "3.0", "body": {"fr": "x", "en": "x", "it": "x"}})),
        )
        .await;
        assert_eq!(status, 403);

        // A summary shown under 1.0, confirmed under 2.0: read the version in force.
        let piece = sku(&app, "jonc-rivage", 0).await;
        call(
            &app,
            "POST",
            "/api/v1/basket/items",
            &token,
            Some(json!({"sku": piece, "quantity": 1})),
        )
        .await;
        let mut stale = s.clone();
        let (_, s2) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        assert_eq!(s2["terms"]["version"], "2.0");
        stale["id"] = s2["id"].clone();
        let (status, p) = order(&app, &token, &stale, None).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (422, Some("terms_outdated")),
            "{p}"
        );
        let (status, second) = order(&app, &token, &s2, None).await;
        assert_eq!(status, 201, "{second}");
        assert_eq!(second["acceptance"]["terms_version"], "2.0");
        assert_eq!(second["acceptance"]["terms_sha256"], t["sha256"]["fr"]);
        let number = first["number"].as_str().unwrap_or_default();
        let (_, first_now) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(first_now["acceptance"]["terms_version"], "1.0");
        assert_eq!(
            first_now["acceptance"]["terms_sha256"],
            first["acceptance"]["terms_sha256"]
        );
    }
}

/// Checks CHK-10: a price changed between the summary and the confirmation is refused
/// with `price_changed` and a fresh summary, which can then be ordered.
#[tokio::test]
async fn chk_10_a_price_changed_since_the_summary_must_be_confirmed_again() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let token = ready_customer(&app, "ana@example.fr", "jonc-rivage", 1).await;
        let (_, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        let piece = s["lines"][0]["sku"].as_str().unwrap_or_default().to_owned();
        let mut tx = app
            .app
            .store
            .begin()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.set_price(&piece, 35_500, None, app.app.clock.now_ms())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.bump_catalogue_version()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        let (status, p) = order(&app, &token, &s, None).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (422, Some("price_changed")),
            "{p}"
        );
        let fresh = &p["checkout"];
        assert_eq!(amount(&fresh["lines"][0]["unit_price_incl_vat"]), 35_500);
        assert_ne!(fresh["id"], s["id"]);
        let (status, o) = order(&app, &token, fresh, None).await;
        assert_eq!(status, 201, "{o}");
        assert_eq!(amount(&o["lines"][0]["unit_price_incl_vat"]), 35_500);
    }
}

/// Checks CHK-9: an open dispute, an unpaid previous order, a quantity beyond personal use
/// and too many orders in an hour are refused with their code, and customer service sees
/// each refusal.
#[tokio::test]
async fn chk_9_orders_the_house_refuses_are_refused_and_shown_to_staff() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let admin = admin_token(&app).await;
        // Quantity beyond personal use (10 of one piece).
        let token = ready_customer(&app, "ana@example.fr", "jonc-rivage", 11).await;
        let (_, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        let (status, p) = order(&app, &token, &s, None).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (422, Some("order_refused:quantity")),
            "{p}"
        );
        // An open dispute.
        let (_, me) = call(&app, "GET", "/api/v1/me", &token, None).await;
        let id = me["id"].as_str().unwrap_or_default().to_owned();
        let (status, _) = call(
            &app,
            "PUT",
            &format!("/api/v1/admin/customers/{id}/dispute"),
            &admin,
            Some(json!({"open": true})),
        )
        .await;
        assert_eq!(status, 204);
        let (_, lines) = call(&app, "GET", "/api/v1/basket", &token, None).await;
        let line = lines["lines"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        call(
            &app,
            "PATCH",
            &format!("/api/v1/basket/items/{line}"),
            &token,
            Some(json!({"quantity": 1})),
        )
        .await;
        let (_, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        let (status, p) = order(&app, &token, &s, None).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (422, Some("order_refused:open_dispute")),
            "{p}"
        );
        call(
            &app,
            "PUT",
            &format!("/api/v1/admin/customers/{id}/dispute"),
            &admin,
            Some(json!({"open": false})),
        )
        .await;
        let (status, o) = order(&app, &token, &s, None).await;
        assert_eq!(status, 201, "{o}");
        // An order still unpaid an hour later refuses the next one.
        let (status, _) = app
            .post_json("/api/v1/test/clock", &json!({"advance": "PT2H"}))
            .await;
        assert_eq!(status, 200);
        let piece = sku(&app, "jonc-rivage", 0).await;
        call(
            &app,
            "POST",
            "/api/v1/basket/items",
            &token,
            Some(json!({"sku": piece, "quantity": 1})),
        )
        .await;
        let (_, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        let (status, p) = order(&app, &token, &s, None).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (422, Some("order_refused:unpaid_order")),
            "{p}"
        );
        // Too many orders from one account in an hour (5).
        let bea = ready_customer(&app, "bea@example.fr", "jonc-rivage", 1).await;
        let mut codes = Vec::new();
        for _ in 0..6 {
            call(
                &app,
                "POST",
                "/api/v1/basket/items",
                &bea,
                Some(json!({"sku": piece, "quantity": 1})),
            )
            .await;
            let (_, s) = call(&app, "POST", "/api/v1/checkout", &bea, Some(json!({}))).await;
            let (status, p) = order(&app, &bea, &s, None).await;
            codes.push(if status == 201 {
                "placed".to_owned()
            } else {
                p["code"].as_str().unwrap_or_default().to_owned()
            });
        }
        assert_eq!(codes[..5], ["placed"; 5]);
        assert_eq!(codes[5], "order_refused:suspected_fraud");
        // Customer service sees every refusal.
        let (status, r) = call(&app, "GET", "/api/v1/admin/order-refusals", &admin, None).await;
        assert_eq!(status, 200);
        let seen: Vec<&str> = r["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["code"].as_str()).collect())
            .unwrap_or_default();
        for code in [
            "order_refused:quantity",
            "order_refused:open_dispute",
            "order_refused:unpaid_order",
            "order_refused:suspected_fraud",
        ] {
            assert!(seen.contains(&code), "{code} not in {seen:?}");
        }
        let (status, _) = call(&app, "GET", "/api/v1/admin/order-refusals", &token, None).await;
        assert_eq!(status, 403);
    }
}

/// Checks CHK-12: a gift to someone else (name, e-mail, address), its message, free
/// packaging and prices hidden; `milano`'s boutique pick-up confirmed by customer service.
#[tokio::test]
async fn chk_12_a_gift_and_a_boutique_pickup() {
    for db in BOTH {
        let app = TestApp::spawn(db, "milano").await;
        let token = ready_customer(&app, "ana@example.it", "jonc-rivage", 1).await;
        let gift = json!({"delivery_address": {"given_name": "Lia", "family_name": "Verdi", "line1": "Via Roma 3",
                            "postcode": "00184", "city": "Roma", "country": "IT"},
                          "billing_address": address("IT", "20121", "Milano"),
                          "recipient": {"given_name": "Lia", "family_name": "Verdi", "email": "lia@example.it"},
                          "gift_message": "Buon compleanno ✨", "gift_wrapping": true});
        let (status, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(gift)).await;
        assert_eq!(status, 201, "{s}");
        assert_eq!(s["gift"]["recipient_email"], "lia@example.it");
        assert_eq!(s["gift"]["message"], "Buon compleanno ✨");
        assert_eq!(s["gift"]["wrapping"], true);
        assert_eq!(s["gift"]["hide_prices"], true);
        assert_eq!(s["delivery_address"]["city"], "Roma");
        assert_eq!(s["billing_address"]["city"], "Milano");
        let (status, o) = order(&app, &token, &s, None).await;
        assert_eq!(status, 201, "{o}");
        assert_eq!(o["summary"]["gift"]["recipient_given_name"], "Lia");
        // A gift needs its recipient's address.
        call(
            &app,
            "POST",
            "/api/v1/basket/items",
            &token,
            Some(json!({"sku": sku(&app, "jonc-rivage", 0).await, "quantity": 1})),
        )
        .await;
        let (status, p) = call(&app, "POST", "/api/v1/checkout", &token,
            Some(json!({"recipient": {"given_name": "Lia", "family_name": "", "email": "not-an-address"}}))).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (400, Some("validation_failed")),
            "{p}"
        );
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            fields.contains(&"recipient.family_name") && fields.contains(&"recipient.email"),
            "{fields:?}"
        );

        // Boutique pick-up: no delivery charge, confirmed by customer service.
        let (status, s) = call(
            &app,
            "POST",
            "/api/v1/checkout",
            &token,
            Some(json!({"delivery_method": "boutique_pickup", "pickup_boutique": "roma-condotti"})),
        )
        .await;
        assert_eq!(status, 201, "{s}");
        assert_eq!(amount(&s["delivery_charge"]), 0);
        assert_eq!(s["delivery_address"], Value::Null);
        assert_eq!(s["pickup_boutique"]["id"], "roma-condotti");
        let (status, o) = order(&app, &token, &s, None).await;
        assert_eq!(status, 201, "{o}");
        assert_eq!(o["pickup_confirmed_at"], Value::Null);
        let admin = admin_token(&app).await;
        let number = o["number"].as_str().unwrap_or_default();
        let (status, c) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/orders/{number}/confirm-pickup"),
            &admin,
            None,
        )
        .await;
        assert_eq!(status, 200, "{c}");
        assert!(c["pickup_confirmed_at"].as_str().is_some());
        let (status, _) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/orders/{number}/confirm-pickup"),
            &admin,
            None,
        )
        .await;
        assert_eq!(status, 409);
        // Paris has no boutique pick-up.
        let paris = TestApp::spawn(db, "paris").await;
        let t = ready_customer(&paris, "ana@example.fr", "jonc-rivage", 1).await;
        let (status, p) = call(
            &paris,
            "POST",
            "/api/v1/checkout",
            &t,
            Some(json!({"delivery_method": "boutique_pickup", "pickup_boutique": "roma-condotti"})),
        )
        .await;
        assert_eq!(
            (status, p["errors"][0]["code"].as_str()),
            (400, Some("unknown_method")),
            "{p}"
        );
    }
}

/// Checks CHK-11: on `milano`, customer service prices and places an order for a customer
/// by phone with the same rules, the verbal confirmation recorded with the staff id; the
/// other profiles take no phone orders.
#[tokio::test]
async fn chk_11_customer_service_places_a_phone_order() {
    for db in BOTH {
        let app = TestApp::spawn(db, "milano").await;
        let token = ready_customer(&app, "ana@example.it", "jonc-rivage", 1).await;
        let (_, me) = call(&app, "GET", "/api/v1/me", &token, None).await;
        let id = me["id"].as_str().unwrap_or_default().to_owned();
        let desk = ecrin_app::staff::create_staff(
            &app.app,
            "desk@maison.test",
            "Giulia",
            ecrin_core::account::Role::CustomerService,
            "the desk secret phrase",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let cs = staff_token(&app, "desk@maison.test", "the desk secret phrase").await;
        let piece = sku(&app, "bague-perle-rivage", 0).await;
        let (status, s) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/customers/{id}/checkout"),
            &cs,
            Some(json!({"lines": [{"sku": piece, "quantity": 1}]})),
        )
        .await;
        assert_eq!(status, 201, "{s}");
        assert_eq!(s["phone_order_by"], desk.id.as_str());
        // Same rules: the confirmation must be given.
        let (status, p) = call(&app, "POST", &format!("/api/v1/admin/customers/{id}/orders"), &cs,
            Some(json!({"checkout_id": s["id"], "verbal_confirmation": false, "terms_version": "1.0", "payment_method": "bank_transfer"}))).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (422, Some("terms_not_accepted")),
            "{p}"
        );
        let (status, o) = call(&app, "POST", &format!("/api/v1/admin/customers/{id}/orders"), &cs,
            Some(json!({"checkout_id": s["id"], "verbal_confirmation": true, "terms_version": "1.0", "payment_method": "bank_transfer"}))).await;
        assert_eq!(status, 201, "{o}");
        assert_eq!(o["acceptance"]["verbal_confirmation_by"], desk.id.as_str());
        assert_eq!(o["payment"]["next_action"]["kind"], "bank_transfer");
        assert_eq!(
            o["payment"]["next_action"]["instructions"]["reference"],
            o["number"]
        );
        // The customer sees it among their orders; the basket was not touched.
        let (_, list) = call(&app, "GET", "/api/v1/orders", &token, None).await;
        assert_eq!(list["items"][0]["number"], o["number"]);
        let (_, basket) = call(&app, "GET", "/api/v1/basket", &token, None).await;
        assert_eq!(basket["units"], 1);
        // The warehouse takes no orders.
        ecrin_app::staff::create_staff(
            &app.app,
            "stock@maison.test",
            "Marco",
            ecrin_core::account::Role::Warehouse,
            "the stock secret phrase",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let wh = staff_token(&app, "stock@maison.test", "the stock secret phrase").await;
        let (status, _) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/customers/{id}/checkout"),
            &wh,
            Some(json!({"lines": [{"sku": piece, "quantity": 1}]})),
        )
        .await;
        assert_eq!(status, 403);

        let paris = TestApp::spawn(db, "paris").await;
        let t = ready_customer(&paris, "ana@example.fr", "jonc-rivage", 1).await;
        let (_, me) = call(&paris, "GET", "/api/v1/me", &t, None).await;
        let admin = admin_token(&paris).await;
        let (status, p) = call(
            &paris,
            "POST",
            &format!(
                "/api/v1/admin/customers/{}/checkout",
                me["id"].as_str().unwrap_or_default()
            ),
            &admin,
            Some(json!({"lines": [{"sku": sku(&paris, "jonc-rivage", 0).await, "quantity": 1}]})),
        )
        .await;
        assert_eq!(
            (status, p["code"].as_str()),
            (422, Some("not_offered")),
            "{p}"
        );
    }
}

/// Checks ACC-6 (a visitor must log in to order). Bad input at checkout: 5 kB address lines, unknown countries, missing fields, another
/// customer's summary, a stale terms version, an empty basket, a payment method the house
/// does not take — each refused with its code, never a 500, never an order.
#[tokio::test]
async fn checkout_bad_input_is_refused_with_a_code() {
    for db in BOTH {
        let app = TestApp::spawn(db, "atelier").await;
        let token = ready_customer(&app, "ana@example.fr", "jonc-rivage", 1).await;
        let mut long = address("FR", "75003", "Paris");
        long["line1"] = json!("x".repeat(5_000));
        let (status, p) = call(
            &app,
            "POST",
            "/api/v1/checkout",
            &token,
            Some(json!({"delivery_address": long})),
        )
        .await;
        assert_eq!(
            (
                status,
                p["errors"][0]["field"].as_str(),
                p["errors"][0]["code"].as_str()
            ),
            (400, Some("delivery_address.line1"), Some("too_long")),
            "{p}"
        );
        let (status, p) = call(
            &app,
            "POST",
            "/api/v1/checkout",
            &token,
            Some(json!({"delivery_address": address("ZZ", "75003", "Paris")})),
        )
        .await;
        assert_eq!(
            (status, p["errors"][0]["code"].as_str()),
            (400, Some("unknown_country")),
            "{p}"
        );
        let (status, p) = call(
            &app,
            "POST",
            "/api/v1/checkout",
            &token,
            Some(json!({"delivery_address": {"country": "FR"}})),
        )
        .await;
        assert_eq!(status, 400, "{p}");
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        for f in [
            "delivery_address.given_name",
            "delivery_address.line1",
            "delivery_address.postcode",
            "delivery_address.city",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        let (status, p) = call(
            &app,
            "POST",
            "/api/v1/checkout",
            &token,
            Some(json!({"delivery_address": {"id": "adr_not_mine"}})),
        )
        .await;
        assert_eq!(
            (status, p["errors"][0]["code"].as_str()),
            (400, Some("unknown_address")),
            "{p}"
        );
        let (status, p) = call(
            &app,
            "POST",
            "/api/v1/checkout",
            &token,
            Some(json!({"surprise": 1})),
        )
        .await;
        assert_eq!(
            (status, p["code"].as_str()),
            (400, Some("validation_failed")),
            "{p}"
        );
        let (status, p) = call(
            &app,
            "POST",
            "/api/v1/checkout",
            &token,
            Some(json!({"delivery_method": "drone"})),
        )
        .await;
        assert_eq!(
            (status, p["errors"][0]["code"].as_str()),
            (400, Some("unknown_method")),
            "{p}"
        );

        let (_, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        // Another customer's summary is not found.
        let other = ready_customer(&app, "bea@example.fr", "jonc-rivage", 1).await;
        let id = s["id"].as_str().unwrap_or_default();
        let (status, _) = call(&app, "GET", &format!("/api/v1/checkout/{id}"), &other, None).await;
        assert_eq!(status, 404);
        let (status, p) = order(&app, &other, &s, None).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (404, Some("not_found")),
            "{p}"
        );
        // A terms version that is not the one in force.
        let mut stale = s.clone();
        stale["terms"]["version"] = json!("0.9");
        let (status, p) = order(&app, &token, &stale, None).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (422, Some("terms_outdated")),
            "{p}"
        );
        // A payment method the house does not take (atelier: card only).
        let (status, p) = call(&app, "POST", "/api/v1/orders", &token, Some(json!({"checkout_id": s["id"],
            "accept_terms": true, "terms_version": "1.0", "confirm_obligation_to_pay": true, "payment_method": "bank_transfer"}))).await;
        assert_eq!(
            (status, p["errors"][0]["code"].as_str()),
            (400, Some("not_offered")),
            "{p}"
        );
        let (status, p) = call(
            &app,
            "POST",
            "/api/v1/orders",
            &token,
            Some(json!({"checkout_id": 12})),
        )
        .await;
        assert_eq!(
            (status, p["code"].as_str()),
            (400, Some("validation_failed")),
            "{p}"
        );
        // Nothing was ordered; then an empty basket has no summary.
        let (_, list) = call(&app, "GET", "/api/v1/orders", &token, None).await;
        assert_eq!(list["items"].as_array().map(Vec::len), Some(0));
        let (_, basket) = call(&app, "GET", "/api/v1/basket", &token, None).await;
        let line = basket["lines"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        call(
            &app,
            "DELETE",
            &format!("/api/v1/basket/items/{line}"),
            &token,
            None,
        )
        .await;
        let (status, p) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (422, Some("basket_empty")),
            "{p}"
        );
        // A summary too old to order.
        let (status, _) = app
            .post_json("/api/v1/test/clock", &json!({"advance": "PT3H"}))
            .await;
        assert_eq!(status, 200);
        let (status, p) = order(&app, &token, &s, None).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (422, Some("checkout_expired")),
            "{p}"
        );
        // ACC-6: a visitor is asked to log in.
        let (status, p) = app.post_json("/api/v1/checkout", &json!({})).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (401, Some("login_required")),
            "{p}"
        );
        let (status, p) = app
            .post_json(
                "/api/v1/orders",
                &json!({"checkout_id": "x", "payment_method": "card"}),
            )
            .await;
        assert_eq!(
            (status, p["code"].as_str()),
            (401, Some("login_required")),
            "{p}"
        );
    }
}
