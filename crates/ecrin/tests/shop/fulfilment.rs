//! Fulfilment over the API (DLV-1, DLV-3, DLV-6, PAY-2): staff ship an order in parts and
//! record each parcel's delivery; the customer is told and sees the parcels, the tracking
//! link and the clocks that delivery starts.

use crate::basket::call;
use crate::checkout::{admin_token, order, ready_customer, staff_token};
use crate::support::{TestApp, matrix};
use ecrin_store_tests::Db;
use serde_json::{Value, json};

pub(crate) async fn outbox(app: &TestApp, to: &str) -> Vec<Value> {
    app.get_json(&format!(
        "/api/v1/test/outbox?to={}",
        to.replace('@', "%40")
    ))
    .await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A customer's order of two units of a piece and one of another, placed by card.
pub(crate) async fn placed(app: &TestApp, email: &str) -> (String, String) {
    let token = ready_customer(app, email, "jonc-rivage", 2).await;
    let other = crate::basket::sku(app, "collier-perles-rivage", 0).await;
    crate::checkout::restock(app, &other, 10).await;
    let (status, body) = crate::basket::add(app, &token, &other, 1).await;
    assert_eq!(status, 201, "{body}");
    let (_, s) = call(app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
    let (status, o) = order(app, &token, &s, None).await;
    assert_eq!(status, 201, "{o}");
    (token, o["number"].as_str().unwrap_or_default().to_owned())
}

pub(crate) async fn pay(app: &TestApp, token: &str, number: &str) {
    let (status, body) = call(
        app,
        "POST",
        &format!("/api/v1/test/payments/{number}"),
        token,
        Some(json!({"card": "4242424242424242"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// What the customer's order `number` costs in all, in minor units, as their API shows it.
pub(crate) async fn order_total(app: &TestApp, token: &str, number: &str) -> i64 {
    let (status, o) = call(app, "GET", &format!("/api/v1/orders/{number}"), token, None).await;
    assert_eq!(status, 200, "{o}");
    let total = o["total"]["amount"].as_i64().unwrap_or_default();
    assert!(total > 0, "{o}");
    total
}

pub(crate) fn ship_body(lines: Value) -> Value {
    json!({"carrier": "DHL Express", "tracking_number": "JD0146 0000 1234", "lines": lines})
}

/// One more unit of `piece` in the customer's basket, ordered and paid by card: its number.
async fn bought_again(app: &TestApp, token: &str, piece: &str) -> String {
    let (status, body) = crate::basket::add(app, token, piece, 1).await;
    assert_eq!(status, 201, "{body}");
    let (_, s) = call(app, "POST", "/api/v1/checkout", token, Some(json!({}))).await;
    let (status, o) = order(app, token, &s, None).await;
    assert_eq!(status, 201, "{o}");
    let number = o["number"].as_str().unwrap_or_default().to_owned();
    pay(app, token, &number).await;
    number
}

/// Checks DLV-1 on both databases: "My Orders" over the API come newest first, a page at
/// a time, without another customer's; a page size or cursor that cannot be read is a
/// 400 naming the parameter. The account page shows the 20 newest and links to the older.
#[tokio::test]
async fn dlv_1_my_orders_come_newest_first_a_page_at_a_time() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let token = ready_customer(&app, "pages@example.fr", "jonc-rivage", 1).await;
        let piece = crate::basket::sku(&app, "jonc-rivage", 0).await;
        let mut mine = Vec::new();
        for _ in 0..3 {
            mine.push(bought_again(&app, &token, &piece).await);
        }
        let (_, someone_else) = placed(&app, "other@example.fr").await;
        mine.reverse();

        let (status, all) = call(&app, "GET", "/api/v1/orders", &token, None).await;
        assert_eq!(status, 200, "{all}");
        assert_eq!(numbers(&all), mine, "{db:?}");
        assert!(all["next"].is_null(), "{all}");
        assert!(!numbers(&all).contains(&someone_else));

        let (status, first) =
            call(&app, "GET", "/api/v1/orders?page%5Bsize%5D=2", &token, None).await;
        assert_eq!(status, 200, "{first}");
        assert_eq!(numbers(&first), mine[..2], "{db:?}");
        assert_eq!(first["items"][0]["total"]["currency"], "EUR", "{first}");
        let next = first["next"].as_str().unwrap_or_default().to_owned();
        assert!(!next.is_empty(), "{first}");
        let (status, second) = call(
            &app,
            "GET",
            &format!(
                "/api/v1/orders?page%5Bsize%5D=2&page%5Bafter%5D={}",
                urlencoding::encode(&next)
            ),
            &token,
            None,
        )
        .await;
        assert_eq!(status, 200, "{second}");
        assert_eq!(numbers(&second), mine[2..], "{db:?}");
        assert!(second["next"].is_null(), "{second}");

        for (query, field) in [
            ("page%5Bsize%5D=0", "page[size]"),
            ("page%5Bsize%5D=101", "page[size]"),
            ("page%5Bsize%5D=two", "page[size]"),
            ("page%5Bafter%5D=yesterday", "page[after]"),
        ] {
            let (status, body) = call(
                &app,
                "GET",
                &format!("/api/v1/orders?{query}"),
                &token,
                None,
            )
            .await;
            assert_eq!(status, 400, "{query}: {body}");
            assert_eq!(body["code"], "validation_failed", "{query}: {body}");
            assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
        }

        // The account page shows the 20 newest and links to the older ones.
        if db == Db::Sqlite {
            for _ in 0..18 {
                // CHK-9: no more than five orders an hour from one account or address.
                let (status, _) = app
                    .post_json("/api/v1/test/clock", &json!({"advance": "PT25M"}))
                    .await;
                assert_eq!(status, 200);
                bought_again(&app, &token, &piece).await;
            }
            let session = crate::privacy::page_login(&app, "pages@example.fr").await;
            let page = |path: String| {
                let (app, cookie) = (&app, format!("ecrin_session={session}"));
                async move {
                    let res = app.get_with(&path, &[("cookie", &cookie)]).await;
                    assert_eq!(res.status(), 200, "{path}");
                    res.text().await.unwrap_or_default()
                }
            };
            let listed = |html: &str| html.matches("/fr/account/orders/").count();
            let html = page("/fr/account".to_owned()).await;
            assert_eq!(listed(&html), 20, "{html}");
            assert!(!html.contains(&format!("/fr/account/orders/{}\"", mine[2])));
            let older = html
                .split("id=\"orders-older\"")
                .next()
                .and_then(|h| h.rsplit("href=\"").next())
                .and_then(|h| h.split('"').next())
                .unwrap_or_default()
                .replace("&amp;", "&");
            assert!(older.contains("orders_after="), "{html}");
            let html = page(older.split('#').next().unwrap_or_default().to_owned()).await;
            assert_eq!(listed(&html), 1, "{html}");
            assert!(html.contains(&format!("/fr/account/orders/{}\"", mine[2])));
            assert!(html.contains("Commandes les plus récentes") && !html.contains("orders-older"));
            // A cursor that names no order shows the newest.
            assert_eq!(
                listed(&page("/fr/account?orders_after=x".to_owned()).await),
                20
            );
            // WDR-1: the withdrawal form offers the newest orders; an older one is found
            // by its number.
            let html = page("/fr/withdraw".to_owned()).await;
            assert_eq!(html.matches("/fr/withdraw?order=").count(), 20, "{html}");
            assert!(!html.contains(&format!("/fr/withdraw?order={}\"", mine[2])));
            // The customer's record in the back office: the 20 newest, and a link to the
            // order list filtered on the customer, which has them all.
            let (_, me) = call(&app, "GET", "/api/v1/me", &token, None).await;
            let id = me["id"].as_str().unwrap_or_default().to_owned();
            let admin = crate::staff_pages::staff_login(
                &app,
                "fr",
                crate::support::ADMIN_EMAIL,
                crate::support::ADMIN_PASSWORD,
            )
            .await;
            let (status, html) =
                crate::staff_pages::page(&app, &format!("/fr/staff/customers/{id}"), &admin).await;
            assert_eq!(status, 200, "{html}");
            assert!(!html.contains(&mine[2]), "{html}");
            let all = format!("/fr/staff/orders?customer={id}");
            assert!(html.contains(&format!("href=\"{all}\"")), "{html}");
            assert!(html.contains("Toutes ses commandes"), "{html}");
            let (_, html) =
                crate::staff_pages::page(&app, &format!("{all}&limit=100"), &admin).await;
            assert!(
                html.contains(&mine[2]) && !html.contains(&someone_else),
                "{html}"
            );
        }
    }
}

/// Checks DLV-3, DLV-6, DLV-1 and PAY-2 on every profile and both databases: nothing ships
/// unpaid; a first parcel leaves part of the order (still being prepared), the second the
/// rest (shipped), each told by e-mail with its tracking; each delivery is recorded once,
/// and the delivered order shows each line's delivery date and clocks.
#[tokio::test]
async fn dlv_3_dlv_6_staff_ship_in_parts_and_record_deliveries() {
    for (db, profile) in matrix() {
        let app = TestApp::spawn(db, profile).await;
        let admin = admin_token(&app).await;
        let (token, number) = placed(&app, "ana@example.fr").await;
        let ship = |body: Value| {
            let (app, admin, number) = (&app, &admin, &number);
            async move {
                call(
                    app,
                    "POST",
                    &format!("/api/v1/admin/orders/{number}/ship"),
                    admin,
                    Some(body),
                )
                .await
            }
        };
        // PAY-2: nothing ships before the full amount is received.
        let (status, p) = ship(ship_body(json!(null))).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (409, Some("wrong_status")),
            "{p}"
        );
        pay(&app, &token, &number).await;

        // Bad input changes nothing: a line not in the order, more than is left.
        let line1 = format!("{number}-1");
        let (status, p) = ship(ship_body(json!([{"line_id": "F-9", "quantity": 1}]))).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (400, Some("validation_failed")),
            "{p}"
        );
        let (status, p) = ship(ship_body(json!([{"line_id": line1, "quantity": 3}]))).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (400, Some("validation_failed")),
            "{p}"
        );
        assert_eq!(p["errors"][0]["code"], "more_than_left", "{p}");
        let (status, p) = ship(json!({"carrier": "", "tracking_number": "<x>"})).await;
        assert_eq!(status, 400, "{p}");

        // A first parcel: one unit of the first line.
        let (status, first) = ship(ship_body(json!([{"line_id": line1, "quantity": 1}]))).await;
        assert_eq!(status, 201, "{profile}/{db:?}: {first}");
        assert_eq!(first["order"]["status"], "being_prepared");
        assert_eq!(first["lines"], json!([{"line_id": line1, "quantity": 1}]));
        assert_eq!(first["status"], "in_transit");
        let mails = outbox(&app, "ana@example.fr").await;
        let told = &mails[0];
        assert!(
            told["subject"]
                .as_str()
                .unwrap_or_default()
                .contains(&number),
            "{told}"
        );
        assert!(
            told["text"]
                .as_str()
                .unwrap_or_default()
                .contains("JD0146 0000 1234"),
            "{told}"
        );
        // The carrier's tracking page, in the e-mail too.
        let url = first["tracking_url"].as_str().unwrap_or_default();
        assert!(url.contains("JD014600001234"), "{profile}: {first}");
        assert!(
            told["links"]
                .as_array()
                .is_some_and(|l| l.iter().any(|u| u == url)),
            "{told}"
        );
        // The rest: shipped.
        let (status, second) = ship(ship_body(json!(null))).await;
        assert_eq!(status, 201, "{second}");
        assert_eq!(second["order"]["status"], "shipped");
        assert_eq!(second["lines"].as_array().map(Vec::len), Some(2));
        let (status, p) = ship(ship_body(json!(null))).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (409, Some("wrong_status")),
            "nothing left"
        );

        // DLV-6: the first parcel delivered, signed for; the order is delivered with the second.
        let deliver = |body: Value| {
            let (app, admin, number) = (&app, &admin, &number);
            async move {
                call(
                    app,
                    "POST",
                    &format!("/api/v1/admin/orders/{number}/deliver"),
                    admin,
                    Some(body),
                )
                .await
            }
        };
        let first_id = first["id"].clone();
        let (status, o) = deliver(json!({"shipment_id": first_id, "signed_by": "Lia Verdi"})).await;
        assert_eq!(status, 200, "{o}");
        assert_eq!(o["status"], "shipped", "one parcel still on its way");
        assert_eq!(
            o["lines"][0]["delivered_at"],
            Value::Null,
            "one unit still on its way"
        );
        let (status, p) = deliver(json!({"shipment_id": first_id})).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (409, Some("wrong_status")),
            "delivered twice"
        );
        let (status, o) = deliver(json!({})).await;
        assert_eq!(status, 200, "{o}");
        assert_eq!(o["status"], "delivered");
        let (status, p) = deliver(json!({})).await;
        assert_eq!((status, p["code"].as_str()), (409, Some("wrong_status")));

        // The customer's view: parcels, delivery dates, the clocks delivery started.
        let (_, mine) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(mine["status"], "delivered");
        assert_eq!(mine["shipments"].as_array().map(Vec::len), Some(2));
        assert_eq!(mine["shipments"][0]["signed_by"], "Lia Verdi");
        for line in mine["lines"].as_array().cloned().unwrap_or_default() {
            assert!(line["delivered_at"].is_string(), "{line}");
            assert!(line["warranty_until"].is_string(), "{line}");
            assert_eq!(line["status"], "active");
            assert_eq!(
                line["withdrawal_deadline"].is_string(),
                line["withdrawable"] == true,
                "{line}"
            );
        }
        let subjects: Vec<String> = outbox(&app, "ana@example.fr")
            .await
            .iter()
            .filter_map(|m| m["subject"].as_str().map(str::to_owned))
            .collect();
        // DLV-1: told of the first parcel, of the second, of the delivery.
        assert!(
            subjects.iter().filter(|s| s.contains(&number)).count() >= 3,
            "{subjects:?}"
        );
        // INV-5: the history holds every step.
        let (_, events) = call(
            &app,
            "GET",
            &format!("/api/v1/admin/orders/{number}/events"),
            &admin,
            None,
        )
        .await;
        let kinds: Vec<&str> = events["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["kind"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            kinds,
            [
                "placed",
                "paid",
                "invoiced",
                "shipped",
                "shipped",
                "delivered",
                "delivered"
            ],
            "{profile}/{db:?}"
        );
    }
}

/// Checks PRV-8 for fulfilment: the accountant neither ships nor delivers; the warehouse
/// ships; an unknown order is 404.
#[tokio::test]
async fn dlv_3_only_the_warehouse_and_admins_ship() {
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    let (token, number) = placed(&app, "bea@example.fr").await;
    pay(&app, &token, &number).await;
    for (email, role) in [
        ("books@maison.test", ecrin_core::account::Role::Accountant),
        ("dock@maison.test", ecrin_core::account::Role::Warehouse),
    ] {
        ecrin_app::staff::create_staff(&app.app, email, "Staff", role, "a long staff secret")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let books = staff_token(&app, "books@maison.test", "a long staff secret").await;
    let dock = staff_token(&app, "dock@maison.test", "a long staff secret").await;
    let path = format!("/api/v1/admin/orders/{number}/ship");
    let (status, _) = call(&app, "POST", &path, &books, Some(ship_body(json!(null)))).await;
    assert_eq!(status, 403);
    let (status, _) = call(&app, "POST", &path, &token, Some(ship_body(json!(null)))).await;
    assert_eq!(status, 403, "a customer");
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/admin/orders/F-000/ship",
        &dock,
        Some(ship_body(json!(null))),
    )
    .await;
    assert_eq!(status, 404);
    let (status, o) = call(&app, "POST", &path, &dock, Some(ship_body(json!(null)))).await;
    assert_eq!(status, 201, "{o}");
    let (status, _) = call(
        &app,
        "POST",
        &format!("/api/v1/admin/orders/{number}/deliver"),
        &books,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 403);
}

/// Checks DLV-5 on both databases: a parcel back undelivered makes the order
/// `being_returned` and tells the customer why; nothing more can be delivered; twelve
/// months without instructions make it `abandoned`, and the customer is told.
#[tokio::test]
async fn dlv_5_returned_undelivered_then_abandoned_after_twelve_months() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "atelier").await;
        let admin = admin_token(&app).await;
        let (token, number) = placed(&app, "cyd@example.fr").await;
        let path = |what: &str| format!("/api/v1/admin/orders/{number}/{what}");
        let (status, p) = call(
            &app,
            "POST",
            &path("returned-undelivered"),
            &admin,
            Some(json!({"reason": "Adresse incomplète"})),
        )
        .await;
        assert_eq!(
            (status, p["code"].as_str()),
            (409, Some("wrong_status")),
            "unpaid: {p}"
        );
        pay(&app, &token, &number).await;
        let (status, _) = call(
            &app,
            "POST",
            &path("ship"),
            &admin,
            Some(ship_body(json!(null))),
        )
        .await;
        assert_eq!(status, 201);
        let (status, p) = call(
            &app,
            "POST",
            &path("returned-undelivered"),
            &admin,
            Some(json!({"reason": " "})),
        )
        .await;
        assert_eq!(status, 400, "a reason is needed: {p}");
        let (status, o) = call(
            &app,
            "POST",
            &path("returned-undelivered"),
            &admin,
            Some(json!({"reason": "Adresse incomplète"})),
        )
        .await;
        assert_eq!(status, 200, "{o}");
        assert_eq!(o["status"], "being_returned");
        assert_eq!(o["shipments"][0]["status"], "returned_undelivered");
        let told = &outbox(&app, "cyd@example.fr").await[0];
        assert!(
            told["text"]
                .as_str()
                .unwrap_or_default()
                .contains("Adresse incomplète"),
            "{told}"
        );
        let (status, p) = call(&app, "POST", &path("deliver"), &admin, Some(json!({}))).await;
        assert_eq!((status, p["code"].as_str()), (409, Some("wrong_status")));
        // Eleven months on, nothing yet; twelve, abandoned.
        crate::payment::advance(&app, "P330D").await;
        crate::payment::run_jobs(&app).await;
        // (Sessions have long expired: the order is read from the store.)
        let status_now = || async {
            app.app
                .store
                .order_by_number(&number)
                .await
                .ok()
                .flatten()
                .map(|o| o.status.as_str())
                .unwrap_or_default()
        };
        assert_eq!(status_now().await, "being_returned");
        crate::payment::advance(&app, "P40D").await;
        assert_eq!(crate::payment::run_jobs(&app).await, 1);
        assert_eq!(status_now().await, "abandoned", "{db:?}");
        let subjects: Vec<String> = outbox(&app, "cyd@example.fr")
            .await
            .iter()
            .filter_map(|m| m["subject"].as_str().map(str::to_owned))
            .collect();
        assert!(subjects[0].contains("abandonnée"), "{subjects:?}");
    }
}

/// Checks DLV-5 on both databases: the customer has the pieces of an order returned
/// undelivered sent again. It is a new order at the day's prices and delivery charge, to
/// the address given now, confirmed and paid like any order, taking none of the (sold out)
/// stock; one at a time. Once it is paid the pieces leave the first order, which ends
/// `cancelled` with what it charged for them refunded with a credit note (its delivery
/// charge kept), the customer is told, the twelve-month clock stops, and the new order is
/// prepared and shipped.
#[tokio::test]
async fn dlv_5_redelivery_is_a_new_order_at_the_day_prices() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let admin = admin_token(&app).await;
        let email = "dora@example.fr";
        let (token, number) = placed(&app, email).await;
        let admin_path = |n: &str, what: &str| format!("/api/v1/admin/orders/{n}/{what}");
        let ask = |body: Value| {
            let (app, token, number) = (&app, &token, &number);
            async move {
                call(
                    app,
                    "POST",
                    &format!("/api/v1/orders/{number}/redelivery"),
                    token,
                    Some(body),
                )
                .await
            }
        };
        pay(&app, &token, &number).await;
        // Nothing to send again while the order is being prepared.
        let (status, p) = ask(json!({})).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (409, Some("wrong_status")),
            "{p}"
        );
        let (status, _) = call(
            &app,
            "POST",
            &admin_path(&number, "ship"),
            &admin,
            Some(ship_body(json!(null))),
        )
        .await;
        assert_eq!(status, 201);
        let (status, first) = call(
            &app,
            "POST",
            &admin_path(&number, "returned-undelivered"),
            &admin,
            Some(json!({"reason": "Destinataire inconnu à l'adresse"})),
        )
        .await;
        assert_eq!(
            (status, first["status"].as_str()),
            (200, Some("being_returned")),
            "{first}"
        );
        let paid_for_goods = first["total"]["amount"].as_i64().unwrap_or_default()
            - first["delivery_charge"]["amount"]
                .as_i64()
                .unwrap_or_default();
        // Another customer cannot ask for it.
        let stranger = ready_customer(&app, "eve@example.fr", "collier-perles-rivage", 1).await;
        let (status, _) = call(
            &app,
            "POST",
            &format!("/api/v1/orders/{number}/redelivery"),
            &stranger,
            Some(json!({})),
        )
        .await;
        assert_eq!(status, 404);

        // Since then the piece costs more and is sold out: the house holds the returned units.
        let ring = first["lines"][0]["sku"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let old_price = first["lines"][0]["unit_price_incl_vat"]["amount"]
            .as_i64()
            .unwrap_or_default();
        let new_price = old_price + 10_000;
        {
            let mut tx = app
                .app
                .store
                .begin()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            tx.set_price(&ring, new_price, None, app.app.clock.now_ms())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        }
        crate::checkout::restock(&app, &ring, 0).await;

        // A new address, given now.
        let (status, s) = ask(json!({"delivery_address": {
            "given_name": "Dora", "family_name": "Marchal", "line1": "12 rue des Orfèvres",
            "postcode": "69002", "city": "Lyon", "country": "FR"}}))
        .await;
        assert_eq!(status, 201, "{db:?}: {s}");
        assert_eq!(s["redelivery_of"], json!(number));
        assert_eq!(s["delivery_address"]["city"], "Lyon");
        assert_eq!(s["lines"][0]["sku"], json!(ring));
        assert_eq!(s["lines"][0]["quantity"], 2);
        assert_eq!(
            s["lines"][0]["unit_price_incl_vat"]["amount"], new_price,
            "the day's price"
        );
        assert!(
            s["delivery_charge"]["amount"].as_i64().unwrap_or_default() > 0,
            "{s}"
        );
        let (status, second) = order(&app, &token, &s, None).await;
        assert_eq!(status, 201, "placed with the piece sold out: {second}");
        let second_number = second["number"].as_str().unwrap_or_default().to_owned();
        let (_, second) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{second_number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(second["status"], "awaiting_payment");
        assert_eq!(second["redelivery_of"], json!(number));
        let (_, first) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(
            first["redeliveries"][0]["number"],
            json!(second_number),
            "{first}"
        );
        assert_eq!(
            first["status"], "being_returned",
            "nothing moves before the payment"
        );
        // One at a time.
        let (status, p) = ask(json!({})).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (409, Some("redelivery_pending")),
            "{p}"
        );
        // The basket the customer had is left alone; the stock too.
        let stock = app
            .app
            .store
            .variant_info(&ring)
            .await
            .ok()
            .flatten()
            .map(|v| v.availability);
        assert_eq!(stock, Some(ecrin_core::catalogue::Availability::SoldOut));

        pay(&app, &token, &second_number).await;
        assert_eq!(
            crate::payment::run_jobs(&app).await,
            1,
            "the first order's refund"
        );
        let (_, first) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(first["status"], "cancelled", "{first}");
        assert!(
            first["lines"]
                .as_array()
                .is_some_and(|l| l.iter().all(|l| l["status"] == "cancelled")),
            "{first}"
        );
        assert_eq!(
            first["refunds"].as_array().map(Vec::len),
            Some(1),
            "{first}"
        );
        assert_eq!(
            first["refunds"][0]["amount"]["amount"], paid_for_goods,
            "the delivery charge is kept"
        );
        assert_eq!(first["refunds"][0]["status"], "succeeded");
        assert!(
            first["refunds"][0]["credit_note"]["number"].is_string(),
            "{first}"
        );
        let subjects: Vec<String> = outbox(&app, email)
            .await
            .iter()
            .filter_map(|m| m["text"].as_str().map(str::to_owned))
            .collect();
        assert!(
            subjects
                .iter()
                .any(|t| t.contains(&second_number) && t.contains(&number)),
            "{subjects:?}"
        );
        // The new order holds the units and leaves like any other.
        let held = app
            .app
            .store
            .order_by_number(&second_number)
            .await
            .ok()
            .flatten()
            .map(|o| o.lines.iter().map(|l| l.reserved).sum::<i64>());
        assert_eq!(held, Some(3), "the two rings and the necklace");
        let (status, p) = call(
            &app,
            "POST",
            &admin_path(&second_number, "ship"),
            &admin,
            Some(ship_body(json!(null))),
        )
        .await;
        assert_eq!(status, 201, "{p}");
        let (status, p) = ask(json!({})).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (409, Some("wrong_status")),
            "{p}"
        );
        // The twelve-month clock of the first order stopped.
        crate::payment::advance(&app, "P400D").await;
        crate::payment::run_jobs(&app).await;
        let status_now = app
            .app
            .store
            .order_by_number(&number)
            .await
            .ok()
            .flatten()
            .map(|o| o.status.as_str());
        assert_eq!(status_now, Some("cancelled"), "{db:?}");
    }
}

/// Checks PAY-4 recorded by staff on both databases: the accountant records a transfer
/// from the bank's statement; another amount is refused and kept in the history; the exact
/// amount puts the order in preparation and the house is told; the warehouse may not.
#[tokio::test]
async fn pay_4_the_accountant_records_a_transfer_received() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "milano").await;
        let token = ready_customer(&app, "dora@example.it", "jonc-rivage", 1).await;
        let o = crate::payment::order_by_transfer(&app, &token).await;
        let number = o["number"].as_str().unwrap_or_default().to_owned();
        let total = o["total"]["amount"].as_i64().unwrap_or_default();
        for (email, role) in [
            ("conti@maison.test", ecrin_core::account::Role::Accountant),
            (
                "magazzino@maison.test",
                ecrin_core::account::Role::Warehouse,
            ),
        ] {
            ecrin_app::staff::create_staff(&app.app, email, "Staff", role, "a long staff secret")
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let books = staff_token(&app, "conti@maison.test", "a long staff secret").await;
        let dock = staff_token(&app, "magazzino@maison.test", "a long staff secret").await;
        let path = format!("/api/v1/admin/orders/{number}/bank-transfers");
        let (status, _) = call(&app, "POST", &path, &dock, Some(json!({"amount": total}))).await;
        assert_eq!(status, 403);
        let (status, p) = call(
            &app,
            "POST",
            &path,
            &books,
            Some(json!({"amount": total - 1})),
        )
        .await;
        assert_eq!(
            (status, p["code"].as_str()),
            (400, Some("validation_failed")),
            "{p}"
        );
        let (status, o) = call(&app, "POST", &path, &books, Some(json!({"amount": total}))).await;
        assert_eq!(status, 200, "{o}");
        assert_eq!(o["status"], "being_prepared");
        assert!(o["invoice"]["number"].is_string(), "{o}");
        let (status, p) = call(&app, "POST", &path, &books, Some(json!({"amount": total}))).await;
        assert_eq!((status, p["code"].as_str()), (409, Some("conflict")), "{p}");
        let house = outbox(&app, &app.app.profile.merchant.email).await;
        assert!(
            house
                .iter()
                .any(|m| m["subject"].as_str().unwrap_or_default().contains(&number)),
            "{house:?}"
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
        let kinds: Vec<&str> = events["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["kind"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            kinds,
            [
                "placed",
                "transfer_not_applied",
                "paid",
                "invoiced",
                "transfer_not_applied"
            ],
            "{db:?}"
        );
    }
}

/// The availability of a piece's variant as the catalogue shows it, once it is `want`
/// (the catalogue's cache looks for changes every half second), or what it is after two.
async fn availability(app: &TestApp, slug: &str, sku: &str, want: &str) -> String {
    let mut seen = String::new();
    for _ in 0..20 {
        let p = app.get_json(&format!("/api/v1/products/{slug}")).await;
        seen = p["variants"]
            .as_array()
            .and_then(|vs| vs.iter().find(|v| v["sku"] == sku))
            .and_then(|v| v["availability"].as_str())
            .unwrap_or_default()
            .to_owned();
        if seen == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    seen
}

/// Checks STK-3 and STK-2 on both databases: the house cancels a line not yet shipped,
/// with its reason told; its unit is back on sale; what was paid for it is refunded with a
/// credit note; cancelling the rest cancels the order and refunds the delivery charge too.
#[tokio::test]
async fn stk_3_the_house_cancels_lines_and_refunds_them() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let admin = admin_token(&app).await;
        let token = ready_customer(&app, "eve@example.fr", "jonc-rivage", 2).await;
        let other = crate::basket::sku(&app, "collier-perles-rivage", 0).await;
        crate::checkout::restock(&app, &other, 1).await;
        crate::basket::add(&app, &token, &other, 1).await;
        let (_, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        let (_, o) = order(&app, &token, &s, None).await;
        let number = o["number"].as_str().unwrap_or_default().to_owned();
        pay(&app, &token, &number).await;
        assert_eq!(
            availability(&app, "collier-perles-rivage", &other, "sold_out").await,
            "sold_out"
        );
        let path = format!("/api/v1/admin/orders/{number}/cancel-lines");
        let line2 = format!("{number}-2");
        let (status, p) = call(
            &app,
            "POST",
            &path,
            &admin,
            Some(json!({"lines": [{"line_id": line2, "quantity": 1}], "reason": ""})),
        )
        .await;
        assert_eq!(status, 400, "a reason is told: {p}");
        let (status, p) = call(
            &app,
            "POST",
            &path,
            &admin,
            Some(
                json!({"lines": [{"line_id": line2, "quantity": 2}], "reason": "Bloqué en douane"}),
            ),
        )
        .await;
        assert_eq!(
            (status, p["errors"][0]["code"].as_str()),
            (400, Some("more_than_left")),
            "{p}"
        );

        let (status, c) = call(
            &app,
            "POST",
            &path,
            &admin,
            Some(
                json!({"lines": [{"line_id": line2, "quantity": 1}], "reason": "Bloqué en douane"}),
            ),
        )
        .await;
        assert_eq!(status, 200, "{db:?}: {c}");
        assert_eq!(c["order"]["status"], "being_prepared");
        assert_eq!(c["order"]["lines"][1]["status"], "cancelled");
        let price2 = c["order"]["lines"][1]["unit_price_incl_vat"]["amount"]
            .as_i64()
            .unwrap_or(-1);
        assert_eq!(
            c["refund"]["amount"]["amount"].as_i64(),
            Some(price2),
            "{c}"
        );
        assert!(c["refund"]["credit_note"].is_string(), "{c}");
        assert_eq!(
            availability(&app, "collier-perles-rivage", &other, "in_stock").await,
            "in_stock",
            "back on sale"
        );
        let mails = outbox(&app, "eve@example.fr").await;
        assert!(
            mails.iter().any(|m| m["text"]
                .as_str()
                .unwrap_or_default()
                .contains("Bloqué en douane")),
            "{mails:?}"
        );
        // The rest: nothing left to deliver, the order is cancelled, the delivery refunded.
        let (status, c) = call(&app, "POST", &path, &admin, Some(json!({"lines": [{"line_id": format!("{number}-1"), "quantity": 2}], "reason": "Commande frauduleuse"}))).await;
        assert_eq!(status, 200, "{c}");
        assert_eq!(c["order"]["status"], "cancelled");
        let price1 = c["order"]["lines"][0]["unit_price_incl_vat"]["amount"]
            .as_i64()
            .unwrap_or(-1);
        let delivery = c["order"]["delivery_charge"]["amount"]
            .as_i64()
            .unwrap_or(-1);
        assert_eq!(
            c["refund"]["amount"]["amount"].as_i64(),
            Some(2 * price1 + delivery),
            "{c}"
        );
        assert_eq!(c["order"]["refunds"].as_array().map(Vec::len), Some(2));
        // STK-2: each refund says when it is due (paris: 30 days).
        let due = c["order"]["refunds"][0]["due_by"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(due.len(), 10, "a date: {c}");
        let (status, p) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/orders/{number}/ship"),
            &admin,
            Some(ship_body(json!(null))),
        )
        .await;
        assert_eq!((status, p["code"].as_str()), (409, Some("wrong_status")));
    }
}

/// Checks STK-1: `paris` decides a stock-out (a partial delivery refunds the missing
/// unit); `milano` offers the customer a choice and cancels nothing yet.
#[tokio::test]
async fn stk_1_a_stock_out_follows_the_house_policy() {
    let app = TestApp::spawn(Db::Postgres, "paris").await;
    let admin = admin_token(&app).await;
    let (token, number) = placed(&app, "fay@example.fr").await;
    pay(&app, &token, &number).await;
    let path = format!("/api/v1/admin/orders/{number}/stock-outs");
    let one = json!([{"line_id": format!("{number}-1"), "quantity": 1}]);
    let (status, p) = call(&app, "POST", &path, &admin, Some(json!({"lines": one}))).await;
    assert_eq!(status, 400, "paris decides: {p}");
    let (status, c) = call(
        &app,
        "POST",
        &path,
        &admin,
        Some(json!({"lines": one, "resolution": "partial_delivery"})),
    )
    .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["order"]["lines"][0]["cancelled"], 1);
    let price = c["order"]["lines"][0]["unit_price_incl_vat"]["amount"]
        .as_i64()
        .unwrap_or(-1);
    assert_eq!(c["refund"]["amount"]["amount"].as_i64(), Some(price));
    // What is left ships.
    let (status, s) = call(
        &app,
        "POST",
        &format!("/api/v1/admin/orders/{number}/ship"),
        &admin,
        Some(ship_body(json!(null))),
    )
    .await;
    assert_eq!(status, 201, "{s}");
    assert_eq!(s["order"]["status"], "shipped");

    let app = TestApp::spawn(Db::Sqlite, "milano").await;
    let admin = admin_token(&app).await;
    let (token, number) = placed(&app, "gia@example.it").await;
    pay(&app, &token, &number).await;
    let path = format!("/api/v1/admin/orders/{number}/stock-outs");
    let one = json!([{"line_id": format!("{number}-1"), "quantity": 1}]);
    let (status, p) = call(
        &app,
        "POST",
        &path,
        &admin,
        Some(json!({"lines": one, "resolution": "cancel_line"})),
    )
    .await;
    assert_eq!(status, 400, "the customer chooses: {p}");
    let (status, c) = call(&app, "POST", &path, &admin, Some(json!({"lines": one}))).await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["offered_alternatives"], true);
    assert_eq!(c["refund"], Value::Null);
    assert_eq!(c["order"]["lines"][0]["cancelled"], 0);
    let offer = &outbox(&app, "gia@example.it").await[0];
    assert!(
        offer["subject"]
            .as_str()
            .unwrap_or_default()
            .contains("esaurito"),
        "{offer}"
    );
}

pub(crate) async fn board(app: &TestApp, token: &str) -> Vec<(String, String, String, bool)> {
    let (status, b) = call(app, "GET", "/api/v1/admin/deadlines", token, None).await;
    assert_eq!(status, 200, "{b}");
    b["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap_or_default().to_owned(),
                c["rule"].as_str().unwrap_or_default().to_owned(),
                c["due_at"].as_str().unwrap_or_default().to_owned(),
                c["overdue"] == true,
            )
        })
        .collect()
}

/// Checks the deadline board (PAY-4, DLV-2, DLV-4) on `milano` and both databases, across
/// a Friday afternoon and the Immaculate Conception (8 December): a transfer awaited, a
/// paid order's preparation and delivery limit, sorted by due date, overdue once past.
#[tokio::test]
async fn dlv_2_dlv_4_pay_4_the_deadline_board_in_the_house_calendar() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "milano").await;
        let (status, _) = app
            .post_json(
                "/api/v1/test/clock",
                &json!({"set": "2026-12-04T15:00:00+01:00"}),
            )
            .await;
        assert_eq!(status, 200);
        let admin = admin_token(&app).await;
        let t1 = ready_customer(&app, "ida@example.it", "jonc-rivage", 1).await;
        crate::payment::order_by_transfer(&app, &t1).await;
        let (t2, paid) = placed(&app, "leo@example.it").await;
        pay(&app, &t2, &paid).await;
        let clocks = board(&app, &admin).await;
        assert_eq!(
            clocks,
            [
                // Paid Friday afternoon: preparation starts Monday 7; 72 hours are three
                // working days, 8 December not one of them.
                (
                    "preparation_due".into(),
                    "DLV-2".into(),
                    "2026-12-11T23:00:00Z".into(),
                    false
                ),
                // Five working days from Friday 4, 8 December skipped: Monday 14.
                (
                    "transfer_deadline".into(),
                    "PAY-4".into(),
                    "2026-12-14T23:00:00Z".into(),
                    false
                ),
                // 30 days from payment end on Sunday 3 January: Monday 4.
                (
                    "delivery_limit".into(),
                    "DLV-4".into(),
                    "2027-01-04T23:00:00Z".into(),
                    false
                ),
            ],
            "{db:?}"
        );
        crate::payment::advance(&app, "P8D").await;
        let admin = admin_token(&app).await;
        let clocks = board(&app, &admin).await;
        assert!(clocks[0].3, "preparation overdue: {clocks:?}");
        assert!(!clocks[1].3);
        // Shipped, the preparation clock stops; a customer has no board.
        let (status, _) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/orders/{paid}/ship"),
            &admin,
            Some(ship_body(json!(null))),
        )
        .await;
        assert_eq!(status, 201);
        let kinds: Vec<String> = board(&app, &admin).await.into_iter().map(|c| c.0).collect();
        assert_eq!(kinds, ["transfer_deadline", "delivery_limit"]);
        let (status, _) = call(&app, "GET", "/api/v1/admin/deadlines", &t2, None).await;
        assert_eq!(status, 403);
    }
}

/// Checks DLV-4 on `atelier` and both databases: a piece made to order in five weeks is
/// announced for a day after the 30 days' limit, and the board's delivery clock runs to the
/// day announced, the later of the two.
#[tokio::test]
async fn dlv_4_the_board_runs_to_the_announced_day_of_a_piece_made_to_order() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "atelier").await;
        let (status, _) = app
            .post_json(
                "/api/v1/test/clock",
                &json!({"set": "2026-12-07T10:00:00+01:00"}),
            )
            .await;
        assert_eq!(status, 200);
        let mut slug = None;
        for candidate in [
            "riviere-lumiere",
            "bracelet-ligne-lumiere",
            "toi-et-moi-lumiere",
            "bague-aigue-marine-rivage",
            "sautoir-perles-rivage",
        ] {
            let p = app.get_json(&format!("/api/v1/products/{candidate}")).await;
            if p["lead_time_days"] == 35 {
                slug = Some(candidate);
                break;
            }
        }
        let slug = slug.unwrap_or_else(|| panic!("no piece made in five weeks"));
        let token = ready_customer(&app, "lea@example.fr", slug, 1).await;
        let (_, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        let announced = s["estimated_delivery_date"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        // 30 days from Monday 7 December end on Wednesday 6 January.
        assert!(announced.as_str() > "2027-01-06", "{s}");
        let (status, o) = order(&app, &token, &s, None).await;
        assert_eq!(status, 201, "{o}");
        let number = o["number"].as_str().unwrap_or_default().to_owned();
        pay(&app, &token, &number).await;
        let admin = admin_token(&app).await;
        let limit = board(&app, &admin)
            .await
            .into_iter()
            .find(|c| c.0 == "delivery_limit")
            .unwrap_or_else(|| panic!("no delivery clock"));
        // The end of the announced day in Paris (UTC+1 in winter).
        assert_eq!(limit.2, format!("{announced}T23:00:00Z"), "{db:?}");
    }
}

/// Checks WAR-3 on the deadline board with more clocks than a page shows, on both
/// databases: 301 questions unanswered are 301 clocks over the API; the page shows the 300
/// soonest and says how many run, the newest question left for the API.
#[tokio::test]
async fn war_3_the_board_page_shows_the_300_soonest_of_every_running_clock() {
    use crate::staff_pages::{page, staff_login};
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let set = |at: &'static str| {
            let app = &app;
            async move {
                let (status, _) = app
                    .post_json("/api/v1/test/clock", &json!({"set": at}))
                    .await;
                assert_eq!(status, 200);
            }
        };
        set("2026-12-07T10:00:00+01:00").await;
        let ask = |i: usize| {
            let app = &app;
            async move {
                ecrin_app::contact::contact(
                    &app.app,
                    None,
                    ecrin_app::contact::ContactForm {
                        name: format!("Client {i}"),
                        email: format!("client{i}@example.fr"),
                        subject: "Une bague".into(),
                        message: "Pourriez-vous me rappeler ?".into(),
                    },
                    ecrin_core::lang::Lang::Fr,
                )
                .await
                .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        for i in 0..300 {
            ask(i).await;
        }
        set("2026-12-09T10:00:00+01:00").await;
        let newest = ask(300).await;
        let admin = admin_token(&app).await;
        let clocks = board(&app, &admin).await;
        assert_eq!(
            clocks.iter().filter(|c| c.1 == "WAR-3").count(),
            301,
            "{db:?}: every question is a clock over the API"
        );
        ecrin_app::staff::create_staff(
            &app.app,
            "cs@maison.test",
            "Inès",
            ecrin_core::account::Role::CustomerService,
            "a long staff secret",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let cs = staff_login(&app, "fr", "cs@maison.test", "a long staff secret").await;
        let (status, html) = page(&app, "/fr/staff/deadlines", &cs).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Les 300 échéances les plus proches sur 301 en cours"),
            "{html}"
        );
        assert_eq!(html.matches("<td>WAR-3</td>").count(), 300, "{db:?}");
        assert!(!html.contains(&newest), "the newest question is due last");
    }
}

/// Checks DLV-3, DLV-6 and PRV-8 on the back office's pages, without JavaScript: the
/// warehouse opens a paid order from the list, ships part of it with the form, records the
/// delivery; the order page shows the parcels with the tracking link; the warehouse does
/// not read the history; the deadline board lists the running clocks.
#[tokio::test]
async fn dlv_3_dlv_6_staff_ship_and_deliver_on_the_pages() {
    use crate::account_pages::{csrf_of, post_form};
    use crate::staff_pages::{page, staff_login};
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let (token, number) = placed(&app, "hugo@example.fr").await;
        pay(&app, &token, &number).await;
        ecrin_app::staff::create_staff(
            &app.app,
            "dock@maison.test",
            "Marc",
            ecrin_core::account::Role::Warehouse,
            "a long staff secret",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let dock = staff_login(&app, "fr", "dock@maison.test", "a long staff secret").await;
        let (status, board) = page(&app, "/fr/staff/deadlines", &dock).await;
        assert_eq!(status, 200);
        assert!(
            board.contains("DLV-2") && board.contains(&number),
            "{board}"
        );
        let path = format!("/fr/staff/orders/{number}");
        let (status, html) = page(&app, &path, &dock).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("id=\"form-ship\""), "the ship form");
        assert!(
            !html.contains("INV-5"),
            "the warehouse does not read the history"
        );
        // Only the actions of its role: no refund, transfer or cancellation.
        for other in [
            "form-refund",
            "form-transfer",
            "form-cancel-lines",
            "form-stock-out",
        ] {
            assert!(!html.contains(&format!("id=\"{other}\"")), "{other}");
        }
        let csrf = csrf_of(&html);
        // One unit of the first line: the rest stays to be prepared.
        let res = post_form(
            &app,
            &format!("{path}/ship"),
            &dock,
            &[
                ("csrf", &csrf),
                ("carrier", "La Poste Colissimo"),
                ("tracking_number", "6A12345678901"),
                ("line_1", "1"),
                ("line_2", "0"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303, "{db:?}");
        let (_, html) = page(&app, &path, &dock).await;
        assert!(html.contains("6A12345678901"), "{html}");
        assert!(html.contains("laposte.fr"), "the tracking link");
        // A quantity beyond what is left is said on the page, nothing changes.
        let res = post_form(
            &app,
            &format!("{path}/ship"),
            &dock,
            &[
                ("csrf", &csrf),
                ("carrier", "DHL"),
                ("tracking_number", "X1"),
                ("line_1", "5"),
            ],
        )
        .await;
        assert_eq!(res.status(), 400);
        let res = post_form(
            &app,
            &format!("{path}/ship"),
            &dock,
            &[
                ("csrf", &csrf),
                ("carrier", "La Poste Colissimo"),
                ("tracking_number", "6A12345678902"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        let res = post_form(
            &app,
            &format!("{path}/deliver"),
            &dock,
            &[
                ("csrf", &csrf),
                ("shipment_id", ""),
                ("signed_by", "H. Morel"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o["status"], "delivered", "{db:?}: {o}");
        assert_eq!(o["shipments"][1]["signed_by"], "H. Morel");
        // A form without its token changes nothing.
        let res = post_form(
            &app,
            &format!("{path}/deliver"),
            &dock,
            &[("csrf", "forged")],
        )
        .await;
        assert_eq!(res.status(), 403);

        // DLV-1: the customer's order page tells the story, with the tracking link.
        let res = app.get("/fr/account/login").await;
        let session = crate::account_pages::cookie_value(&res, "ecrin_session").unwrap_or_default();
        let csrf = csrf_of(&res.text().await.unwrap_or_default());
        let res = post_form(
            &app,
            "/fr/account/login",
            &session,
            &[
                ("csrf", &csrf),
                ("email", "hugo@example.fr"),
                ("password", "rubis et onyx"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        let session = crate::account_pages::cookie_value(&res, "ecrin_session").unwrap_or_default();
        let (status, html) = page(&app, &format!("/fr/account/orders/{number}"), &session).await;
        assert_eq!(status, 200);
        assert!(html.contains("Suivi de la commande"), "{html}");
        assert!(html.contains("Expédiée par La Poste Colissimo"), "{html}");
        assert!(
            html.contains("laposte.fr/outils/suivre-vos-envois?code=6A12345678901"),
            "{html}"
        );
        assert!(html.contains("Livrée"), "{html}");
    }
}

fn numbers(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|o| o["number"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The back office's order list on both databases: filtered by state, by the days placed
/// in the house's calendar and by customer, searched by number or e-mail address, a page
/// at a time with a cursor; bad filters are `validation_failed`, and the warehouse may
/// not search by customer.
#[tokio::test]
async fn dlv_3_the_order_list_filters_searches_and_pages() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "milano").await;
        let (status, _) = app
            .post_json(
                "/api/v1/test/clock",
                &json!({"set": "2026-12-02T23:30:00+01:00"}),
            )
            .await;
        assert_eq!(status, 200);
        let admin = admin_token(&app).await;
        let (ana, first) = placed(&app, "ana@example.it").await;
        pay(&app, &ana, &first).await;
        let (_, second) = placed(&app, "bruno@example.it").await;
        let (_, third) = placed(&app, "carla@example.it").await;
        let list = |query: &'static str| {
            let (app, admin) = (&app, &admin);
            async move {
                call(
                    app,
                    "GET",
                    &format!("/api/v1/admin/orders{query}"),
                    admin,
                    None,
                )
                .await
            }
        };
        let (status, all) = list("").await;
        assert_eq!(status, 200, "{all}");
        assert_eq!(
            numbers(&all),
            [third.as_str(), second.as_str(), first.as_str()],
            "newest first"
        );
        let (_, paid) = list("?status=being_prepared").await;
        assert_eq!(numbers(&paid), [first.as_str()]);
        let (_, unpaid) = list("?status=awaiting_payment").await;
        assert_eq!(numbers(&unpaid), [third.as_str(), second.as_str()]);
        let (_, by_mail) = list("?q=BRUNO%40example.it").await;
        assert_eq!(
            numbers(&by_mail),
            [second.as_str()],
            "the e-mail, in any case"
        );
        let (_, by_number) = call(
            &app,
            "GET",
            &format!("/api/v1/admin/orders?q={first}"),
            &admin,
            None,
        )
        .await;
        assert_eq!(numbers(&by_number), [first.as_str()]);
        let customer = all["items"][2]["customer_id"].as_str().unwrap_or_default();
        let (_, of_ana) = call(
            &app,
            "GET",
            &format!("/api/v1/admin/orders?customer={customer}"),
            &admin,
            None,
        )
        .await;
        assert_eq!(numbers(&of_ana), [first.as_str()]);
        // The days placed, in the house's calendar: 23:30 in Milan on 2 December is still
        // the 2nd there (22:30 UTC), and the 3rd holds nothing.
        let (_, on_day) = list("?from=2026-12-02&to=2026-12-02").await;
        assert_eq!(numbers(&on_day).len(), 3, "{on_day}");
        let (status, later) = list("?from=2026-12-03").await;
        assert_eq!(status, 200, "{later}");
        assert!(numbers(&later).is_empty(), "{later}");
        let (status, before) = list("?to=2026-12-01").await;
        assert_eq!(status, 200, "{before}");
        assert!(numbers(&before).is_empty(), "{before}");
        // Two by two: the cursor leads on, and the last page has no next.
        let (_, page1) = list("?limit=2").await;
        assert_eq!(numbers(&page1), [third.as_str(), second.as_str()]);
        let next = page1["next"].as_str().unwrap_or_default().to_owned();
        assert!(!next.is_empty(), "{page1}");
        let (_, page2) = call(
            &app,
            "GET",
            &format!(
                "/api/v1/admin/orders?limit=2&cursor={}",
                next.replace('~', "%7E")
            ),
            &admin,
            None,
        )
        .await;
        assert_eq!(numbers(&page2), [first.as_str()]);
        assert!(page2["next"].is_null(), "{page2}");
        for bad in [
            "?status=lost",
            "?from=yesterday",
            "?limit=0",
            "?cursor=x",
            "?colour=red",
        ] {
            let (status, p) = list(bad).await;
            assert_eq!(
                (status, p["code"].as_str()),
                (400, Some("validation_failed")),
                "{bad}: {p}"
            );
        }
        // The warehouse sees the list, not who ordered.
        ecrin_app::staff::create_staff(
            &app.app,
            "dock@maison.test",
            "Marc",
            ecrin_core::account::Role::Warehouse,
            "a long staff secret",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let dock = staff_token(&app, "dock@maison.test", "a long staff secret").await;
        let (status, _) = call(&app, "GET", "/api/v1/admin/orders", &dock, None).await;
        assert_eq!(status, 200);
        let (status, _) = call(
            &app,
            "GET",
            "/api/v1/admin/orders?q=ana%40example.it",
            &dock,
            None,
        )
        .await;
        assert_eq!(status, 403);
        // The page: the filter form keeps what was asked, and pages on.
        let cs =
            crate::staff_pages::staff_login(&app, "it", "admin@maison.test", "the admin secret")
                .await;
        let (status, html) = crate::staff_pages::page(
            &app,
            "/it/staff/orders?status=awaiting_payment&limit=1",
            &cs,
        )
        .await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("id=\"form-order-filter\""), "{html}");
        assert!(
            html.contains(&third) && !html.contains(&format!(">{second}<")),
            "{html}"
        );
        assert!(html.contains("rel=\"next\""), "{html}");
    }
}

/// Checks STK-2 and INV-3 for money received by bank transfer, on both databases: a line
/// cancelled after the transfer is refunded by a transfer the house sends; until the
/// accountant records it with the bank's reference it is owed on the deadline board
/// (`milano`: 14 days), then its credit note is issued and the customer e-mailed, once.
#[tokio::test]
async fn stk_2_a_transfer_is_refunded_by_the_house_and_owed_on_the_board_until_sent() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "milano").await;
        let (status, _) = app
            .post_json(
                "/api/v1/test/clock",
                &json!({"set": "2026-12-02T10:00:00+01:00"}),
            )
            .await;
        assert_eq!(status, 200);
        let token = ready_customer(&app, "elena@example.it", "jonc-rivage", 2).await;
        let o = crate::payment::order_by_transfer(&app, &token).await;
        let number = o["number"].as_str().unwrap_or_default().to_owned();
        let total = o["total"]["amount"].as_i64().unwrap_or_default();
        ecrin_app::staff::create_staff(
            &app.app,
            "conti@maison.test",
            "Staff",
            ecrin_core::account::Role::Accountant,
            "a long staff secret",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let books = staff_token(&app, "conti@maison.test", "a long staff secret").await;
        let admin = admin_token(&app).await;
        let (status, p) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/orders/{number}/bank-transfers"),
            &books,
            Some(json!({"amount": total})),
        )
        .await;
        assert_eq!(status, 200, "{p}");
        let (status, c) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/orders/{number}/cancel-lines"),
            &admin,
            Some(
                json!({"lines": [{"line_id": format!("{number}-1"), "quantity": 1}],
                        "reason": "Bloccato in dogana"}),
            ),
        )
        .await;
        assert_eq!(status, 200, "{db:?}: {c}");
        let refund = &c["order"]["refunds"][0];
        assert_eq!(refund["status"], "pending", "{c}");
        assert!(
            refund["credit_note"].is_null(),
            "no credit note before it is sent"
        );
        assert_eq!(refund["due_by"], "2026-12-16", "{c}");
        let id = refund["id"].as_str().unwrap_or_default().to_owned();
        let owed = board(&app, &admin).await;
        assert!(
            owed.iter().any(|(kind, rule, due, _)| kind == "refund_due"
                && rule == "STK-2"
                && due == "2026-12-16T23:00:00Z"),
            "{owed:?}"
        );
        // Only the accountant and admins record it; a reference is required.
        let path = format!("/api/v1/admin/refunds/{id}/sent");
        let (status, _) = call(&app, "POST", &path, &token, Some(json!({"reference": "x"}))).await;
        assert_eq!(status, 403);
        let (status, p) = call(&app, "POST", &path, &books, Some(json!({"reference": " "}))).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (400, Some("validation_failed")),
            "{p}"
        );
        let (status, r) = call(
            &app,
            "POST",
            &path,
            &books,
            Some(json!({"reference": "BONIFICO 2026-12-05 123"})),
        )
        .await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["status"], "succeeded", "{r}");
        assert_eq!(r["credit_note"]["number"], "A000001", "{r}");
        let (status, p) = call(
            &app,
            "POST",
            &path,
            &books,
            Some(json!({"reference": "again"})),
        )
        .await;
        assert_eq!((status, p["code"].as_str()), (409, Some("conflict")), "{p}");
        let owed = board(&app, &admin).await;
        assert!(
            !owed.iter().any(|(kind, ..)| kind == "refund_due"),
            "{owed:?}"
        );
        let mails = outbox(&app, "elena@example.it").await;
        assert!(
            mails
                .iter()
                .any(|m| m["text"].as_str().unwrap_or_default().contains("A000001")),
            "the credit note is told: {mails:?}"
        );
    }
}

/// Two variants of a piece: one priced at most `price` and one above it, if the catalogue
/// has them.
async fn variants_around(
    app: &TestApp,
    slug: &str,
    price: i64,
) -> (Option<String>, Option<String>) {
    let p = app.get_json(&format!("/api/v1/products/{slug}")).await;
    let variants = p["variants"].as_array().cloned().unwrap_or_default();
    let price_of = |v: &Value| v["price"]["amount"].as_i64().unwrap_or(i64::MAX);
    let sku = |v: &Value| v["sku"].as_str().map(str::to_owned);
    (
        variants
            .iter()
            .filter(|v| price_of(v) <= price)
            .find_map(sku),
        variants
            .iter()
            .filter(|v| price_of(v) > price)
            .find_map(sku),
    )
}

/// Checks STK-1 and STK-2 on `milano` and both databases: the customer answers each
/// stock-out of their order once, by API: waiting keeps the units due; an equivalent
/// piece must cost no more and is reserved; cancelling refunds the units to the card
/// with a credit note. Another customer's order is unknown; a second answer is refused.
#[tokio::test]
async fn stk_1_stk_2_the_customer_answers_a_stock_out_once() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "milano").await;
        let admin = admin_token(&app).await;
        let (token, number) = placed(&app, "gia@example.it").await;
        pay(&app, &token, &number).await;
        let other = ready_customer(&app, "ugo@example.it", "jonc-rivage", 1).await;
        let offer = |line: i64| {
            let (app, admin, number) = (&app, &admin, &number);
            async move {
                let (status, c) = call(
                    app,
                    "POST",
                    &format!("/api/v1/admin/orders/{number}/stock-outs"),
                    admin,
                    Some(
                        json!({"lines": [{"line_id": format!("{number}-{line}"), "quantity": 1}]}),
                    ),
                )
                .await;
                assert_eq!(status, 200, "{c}");
                c["stock_out_id"].as_str().unwrap_or_default().to_owned()
            }
        };
        let answer = |id: String, body: Value, who: String| {
            let (app, number) = (&app, &number);
            async move {
                call(
                    app,
                    "POST",
                    &format!("/api/v1/orders/{number}/stock-outs/{id}/choice"),
                    &who,
                    Some(body),
                )
                .await
            }
        };
        // Waiting: nothing is cancelled; the answer is on the order, and taken once.
        let first = offer(1).await;
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o["stock_outs"][0]["id"], first.as_str(), "{o}");
        assert!(o["stock_outs"][0]["choice"].is_null(), "{o}");
        let (status, _) = answer(first.clone(), json!({"choice": "wait"}), other.clone()).await;
        assert_eq!(status, 404, "another customer's order");
        let (status, p) = answer(first.clone(), json!({"choice": "later"}), token.clone()).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (400, Some("validation_failed")),
            "{p}"
        );
        let (status, c) = answer(first.clone(), json!({"choice": "wait"}), token.clone()).await;
        assert_eq!(status, 200, "{c}");
        assert_eq!(c["order"]["lines"][0]["cancelled"], 0);
        assert_eq!(c["order"]["stock_outs"][0]["choice"], "wait", "{c}");
        let (status, p) = answer(first, json!({"choice": "cancel"}), token.clone()).await;
        assert_eq!(
            (status, p["code"].as_str()),
            (409, Some("already_answered")),
            "{p}"
        );
        let mails = outbox(&app, "gia@example.it").await;
        assert!(
            mails[0]["subject"]
                .as_str()
                .unwrap_or_default()
                .contains("scelta"),
            "the choice is confirmed: {}",
            mails[0]
        );
        // An equivalent piece costs no more than the one out of stock.
        let price = c["order"]["lines"][0]["unit_price_incl_vat"]["amount"]
            .as_i64()
            .unwrap_or_default();
        let (cheaper, dearer) = variants_around(&app, "jonc-rivage", price).await;
        let second = offer(1).await;
        let Some(dearer) = dearer else {
            panic!("the bangle in gold costs more than in silver");
        };
        let (status, p) = answer(
            second.clone(),
            json!({"choice": "equivalent", "equivalent_sku": dearer}),
            token.clone(),
        )
        .await;
        assert_eq!(
            (status, p["errors"][0]["code"].as_str()),
            (400, Some("not_equivalent")),
            "{p}"
        );
        let cheaper = cheaper.unwrap_or_default();
        crate::checkout::restock(&app, &cheaper, 5).await;
        let (status, c) = answer(
            second,
            json!({"choice": "equivalent", "equivalent_sku": cheaper}),
            token.clone(),
        )
        .await;
        assert_eq!(status, 200, "{c}");
        assert_eq!(
            c["order"]["stock_outs"][1]["equivalent_sku"],
            cheaper.as_str()
        );
        // Cancelling refunds the unit to the card, with its credit note.
        let third = offer(2).await;
        let (status, c) = answer(
            third,
            json!({"choice": "cancel", "refund_method": "payment_method"}),
            token.clone(),
        )
        .await;
        assert_eq!(status, 200, "{db:?}: {c}");
        assert_eq!(c["order"]["lines"][1]["status"], "cancelled", "{c}");
        assert_eq!(c["refund"]["status"], "succeeded", "{c}");
        assert!(c["refund"]["credit_note"].is_string(), "{c}");
    }
}

/// Checks STK-1 on the customer's order page (`atelier`): the stock-out offers its
/// choices in a form that works without JavaScript, with the equivalent pieces at no
/// extra cost; the answer is taken once and the form is gone.
#[tokio::test]
async fn stk_1_the_customer_answers_a_stock_out_on_the_order_page() {
    use crate::account_pages::{csrf_of, post_form};
    use crate::staff_pages::page;
    let app = TestApp::spawn(Db::Sqlite, "atelier").await;
    let admin = admin_token(&app).await;
    let (token, number) = placed(&app, "ines@example.fr").await;
    pay(&app, &token, &number).await;
    let (status, c) = call(
        &app,
        "POST",
        &format!("/api/v1/admin/orders/{number}/stock-outs"),
        &admin,
        Some(json!({"lines": [{"line_id": format!("{number}-1"), "quantity": 2}]})),
    )
    .await;
    assert_eq!(status, 200, "{c}");
    let id = c["stock_out_id"].as_str().unwrap_or_default().to_owned();
    let session = crate::checkout_pages::page_login(&app, "fr", "ines@example.fr").await;
    let path = format!("/fr/account/orders/{number}");
    let (status, html) = page(&app, &path, &session).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(&format!("id=\"form-stock-out-{id}\"")),
        "{html}"
    );
    assert!(html.contains("value=\"wait\"") && html.contains("value=\"cancel\""));
    let res = post_form(
        &app,
        &format!("{path}/stock-outs/{id}"),
        &session,
        &[("csrf", "forged"), ("choice", "wait")],
    )
    .await;
    assert_eq!(res.status(), 400, "a forged form");
    let csrf = csrf_of(&html);
    let res = post_form(
        &app,
        &format!("{path}/stock-outs/{id}"),
        &session,
        &[("csrf", &csrf), ("choice", "wait")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (status, html) = page(&app, &path, &session).await;
    assert_eq!(status, 200, "the order's page itself");
    assert!(html.contains(number.as_str()), "the order's page itself");
    assert!(!html.contains("form-stock-out-"), "answered: {html}");
    let res = post_form(
        &app,
        &format!("{path}/stock-outs/{id}"),
        &session,
        &[("csrf", &csrf), ("choice", "cancel")],
    )
    .await;
    assert_eq!(res.status(), 400, "answered once");
    let body = res.text().await.unwrap_or_default();
    assert!(body.contains("answered already"), "{body}");
    // The house sees the answer on its order page.
    let staff =
        crate::staff_pages::staff_login(&app, "fr", "admin@maison.test", "the admin secret").await;
    let (_, html) = page(&app, &format!("/fr/staff/orders/{number}"), &staff).await;
    assert!(
        html.contains("Ruptures de stock") && html.contains("Attendre le réassort"),
        "{html}"
    );
}

/// Checks DLV-5 on the customer's pages (`milano`, without JavaScript): the order returned
/// undelivered offers to send the pieces again to a saved address; the form leads to the
/// new order's summary, which says what it is for, and the customer confirms it like any
/// order; the first order's page then links to it and no longer offers the form.
#[tokio::test]
async fn dlv_5_the_customer_asks_for_a_new_delivery_on_the_order_page() {
    use crate::account_pages::{csrf_of, post_form};
    use crate::staff_pages::page;
    let app = TestApp::spawn(Db::Sqlite, "milano").await;
    let admin = admin_token(&app).await;
    let (token, number) = placed(&app, "gaia@example.it").await;
    pay(&app, &token, &number).await;
    for (what, body) in [
        ("ship", ship_body(json!(null))),
        (
            "returned-undelivered",
            json!({"reason": "Destinatario assente"}),
        ),
    ] {
        let (status, p) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/orders/{number}/{what}"),
            &admin,
            Some(body),
        )
        .await;
        assert!(status == 200 || status == 201, "{p}");
    }
    let session = crate::checkout_pages::page_login(&app, "it", "gaia@example.it").await;
    let path = format!("/it/account/orders/{number}");
    let (status, html) = page(&app, &path, &session).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"form-redelivery\""), "{html}");
    assert!(html.contains("Fatti rispedire i tuoi pezzi"), "{html}");
    let res = post_form(
        &app,
        &format!("{path}/redelivery"),
        &session,
        &[("csrf", "forged")],
    )
    .await;
    assert_eq!(res.status(), 400, "a forged form");
    let csrf = csrf_of(&html);
    let res = post_form(
        &app,
        &format!("{path}/redelivery"),
        &session,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(res.status(), 303);
    let summary_path = res
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(summary_path.starts_with("/it/checkout/"), "{summary_path}");
    let (status, html) = page(&app, &summary_path, &session).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("rispedisce i pezzi del tuo ordine {number}")),
        "{html}"
    );
    let res = post_form(
        &app,
        &format!("{summary_path}/order"),
        &session,
        &[
            ("csrf", &csrf_of(&html)),
            ("terms_version", "1.0"),
            ("payment_method", "card"),
            ("accept_terms", "1"),
            ("confirm", "1"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, html) = page(&app, &path, &session).await;
    assert!(
        !html.contains("id=\"form-redelivery\""),
        "one at a time: {html}"
    );
    assert!(html.contains("/it/account/orders/000002"), "{html}");
}

/// Checks STK-2 for `paris` on both databases: a line cancelled for want of stock is
/// refunded where the customer chooses. The refund is owed (on the board) until they say;
/// the house cannot send it before. A credit note is credited at once with its credit
/// note, shown on the account and spent by the next order: in full (the order is paid as
/// it is placed) or in part (the card pays the rest, and a refund of that order goes back
/// to the card first, then to the credit). A bank transfer goes to a checked IBAN and is
/// owed until the accountant records it sent; the account is then kept masked.
#[tokio::test]
async fn stk_2_paris_refunds_by_transfer_or_credit_note_as_the_customer_chooses() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let (status, _) = app
            .post_json(
                "/api/v1/test/clock",
                &json!({"set": "2026-12-02T10:00:00+01:00"}),
            )
            .await;
        assert_eq!(status, 200);
        let admin = admin_token(&app).await;
        let email = "hugo@example.fr";
        let (token, number) = placed(&app, email).await;
        pay(&app, &token, &number).await;
        // Ten days after the payment: the thirty days run from the payment all the same.
        crate::payment::advance(&app, "P10D").await;
        let (status, c) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/orders/{number}/stock-outs"),
            &admin,
            Some(
                json!({"lines": [{"line_id": format!("{number}-1"), "quantity": 1}],
                        "resolution": "cancel_line"}),
            ),
        )
        .await;
        assert_eq!(status, 200, "{c}");
        let refund = &c["refund"];
        assert_eq!(refund["status"], "pending", "{c}");
        assert_eq!(refund["destination"], "customer_choice", "{c}");
        let owed = refund["amount"]["amount"].as_i64().unwrap_or_default();
        let ring = c["order"]["lines"][0]["unit_price_incl_vat"]["amount"]
            .as_i64()
            .unwrap_or_default();
        assert_eq!(owed, 2 * ring, "the whole line: {c}");
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o["refunds"][0]["due_by"], "2027-01-01", "{o}");
        assert!(
            board(&app, &admin)
                .await
                .iter()
                .any(|(kind, _, due, _)| kind == "refund_due" && due == "2027-01-01T23:00:00Z"),
            "{:?}",
            board(&app, &admin).await
        );
        let id = refund["id"].as_str().unwrap_or_default().to_owned();
        let told = &outbox(&app, email).await[0];
        assert!(
            told["text"]
                .as_str()
                .unwrap_or_default()
                .contains("virement sur le compte de votre choix"),
            "{told}"
        );
        assert!(
            board(&app, &admin)
                .await
                .iter()
                .any(|(kind, rule, ..)| kind == "refund_due" && rule == "STK-2")
        );
        // The house cannot send it before the customer has said where.
        let (status, p) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/refunds/{id}/sent"),
            &admin,
            Some(json!({"reference": "VIR 1"})),
        )
        .await;
        assert_eq!(status, 409, "{p}");
        let choose = |body: Value| {
            let (app, token, number, id) = (&app, &token, &number, &id);
            async move {
                call(
                    app,
                    "POST",
                    &format!("/api/v1/orders/{number}/refunds/{id}/destination"),
                    token,
                    Some(body),
                )
                .await
            }
        };
        let (status, p) = choose(
            json!({"destination": "bank_transfer", "account_holder": "Hugo Vidal",
            "iban": "FR76 3000 6000 0112 3456 7890 188"}),
        )
        .await;
        assert_eq!(
            (status, p["errors"][0]["code"].as_str()),
            (400, Some("iban_check_failed")),
            "{p}"
        );
        let (status, p) = choose(json!({"destination": "cheque"})).await;
        assert_eq!(status, 400, "{p}");
        let (status, r) = choose(json!({"destination": "store_credit"})).await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["status"], "succeeded", "{r}");
        assert_eq!(r["destination"], "store_credit", "{r}");
        assert!(r["credit_note"]["number"].is_string(), "{r}");
        let (status, p) = choose(
            json!({"destination": "bank_transfer", "account_holder": "Hugo Vidal",
            "iban": "FR76 3000 6000 0112 3456 7890 189"}),
        )
        .await;
        assert_eq!(
            (status, p["code"].as_str()),
            (409, Some("already_answered")),
            "{p}"
        );
        let (_, me) = call(&app, "GET", "/api/v1/me", &token, None).await;
        assert_eq!(me["store_credit"]["amount"], owed, "{me}");
        assert!(
            !board(&app, &admin)
                .await
                .iter()
                .any(|(kind, ..)| kind == "refund_due")
        );

        // The next order costs less than the credit: paid in full as it is placed.
        let cheaper = crate::basket::sku(&app, "boutons-perle-rivage", 0).await;
        crate::checkout::restock(&app, &cheaper, 10).await;
        let (status, b) = crate::basket::add(&app, &token, &cheaper, 1).await;
        assert_eq!(status, 201, "{b}");
        let (_, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        let total = s["total"]["amount"].as_i64().unwrap_or_default();
        assert!(total <= owed, "{s}");
        assert_eq!(s["store_credit"]["amount"], total, "{s}");
        assert_eq!(s["amount_due"]["amount"], 0, "{s}");
        let (status, o) = order(&app, &token, &s, None).await;
        assert_eq!(status, 201, "{o}");
        assert_eq!(o["status"], "being_prepared", "paid by the credit: {o}");
        assert!(o["invoice"]["number"].is_string(), "{o}");
        let (_, me) = call(&app, "GET", "/api/v1/me", &token, None).await;
        let left = owed - total;
        assert_eq!(me["store_credit"]["amount"], left, "{me}");

        // The next one costs more: the credit pays part, the card the rest.
        let (status, b) = crate::basket::add(&app, &token, &cheaper, 3).await;
        assert_eq!(status, 201, "{b}");
        let (_, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        let total = s["total"]["amount"].as_i64().unwrap_or_default();
        assert_eq!(s["store_credit"]["amount"], left, "{s}");
        assert_eq!(s["amount_due"]["amount"], total - left, "{s}");
        let (status, o) = order(&app, &token, &s, None).await;
        assert_eq!(status, 201, "{o}");
        let third = o["number"].as_str().unwrap_or_default().to_owned();
        assert_eq!(o["status"], "awaiting_payment", "{o}");
        pay(&app, &token, &third).await;
        let (_, me) = call(&app, "GET", "/api/v1/me", &token, None).await;
        assert_eq!(me["store_credit"]["amount"], 0, "{me}");
        // Refunded in full: the card first, then what the credit paid goes back to it.
        let (status, r) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/orders/{third}/refunds"),
            &admin,
            Some(json!({"amount": total, "reason": "Geste commercial"})),
        )
        .await;
        assert_eq!(status, 201, "{r}");
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{third}"),
            &token,
            None,
        )
        .await;
        let mut parts: Vec<(i64, String)> = o["refunds"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|r| {
                (
                    r["amount"]["amount"].as_i64().unwrap_or_default(),
                    r["destination"].as_str().unwrap_or("payment").to_owned(),
                )
            })
            .collect();
        assert!(left > 0);
        parts.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(
            parts,
            [
                (total - left, "payment".to_owned()),
                (left, "store_credit".to_owned())
            ],
            "{o}"
        );
        let (_, me) = call(&app, "GET", "/api/v1/me", &token, None).await;
        assert_eq!(me["store_credit"]["amount"], left, "{me}");

        // Another customer's stock-out, refunded by transfer to the account they give.
        let email = "ines@example.fr";
        let (token, fourth) = placed(&app, email).await;
        pay(&app, &token, &fourth).await;
        let (status, c) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/orders/{fourth}/stock-outs"),
            &admin,
            Some(
                json!({"lines": [{"line_id": format!("{fourth}-1"), "quantity": 1}],
                        "resolution": "cancel_line"}),
            ),
        )
        .await;
        assert_eq!(status, 200, "{c}");
        let id = c["refund"]["id"].as_str().unwrap_or_default().to_owned();
        let (status, r) = call(
            &app,
            "POST",
            &format!("/api/v1/orders/{fourth}/refunds/{id}/destination"),
            &token,
            Some(
                json!({"destination": "bank_transfer", "account_holder": "Hugo Vidal",
                        "iban": "fr76 3000 6000 0112 3456 7890 189"}),
            ),
        )
        .await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["status"], "pending", "{r}");
        assert_eq!(r["account"], "FR•• •••• 0189", "{r}");
        assert!(
            board(&app, &admin)
                .await
                .iter()
                .any(|(kind, ..)| kind == "refund_due")
        );
        let (status, r) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/refunds/{id}/sent"),
            &admin,
            Some(json!({"reference": "VIR SEPA 2026-12-03"})),
        )
        .await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["status"], "succeeded", "{r}");
        let kept = app
            .app
            .store
            .refund_by_id(&id)
            .await
            .ok()
            .flatten()
            .and_then(|r| r.payee_iban);
        assert_eq!(
            kept.as_deref(),
            Some("FR•• •••• 0189"),
            "only the end of the account is kept"
        );
        let told = &outbox(&app, email).await[0];
        assert!(
            told["text"]
                .as_str()
                .unwrap_or_default()
                .contains("FR•• •••• 0189"),
            "{told}"
        );
    }
}

/// Checks STK-2 for `paris` on the customer's pages (without JavaScript): the order page
/// asks where the refund goes; a wrong IBAN is refused with its reason; a credit note is
/// taken once, the account page shows the credit and the next summary deducts it, with
/// what is left to pay.
#[tokio::test]
async fn stk_2_paris_the_customer_chooses_a_credit_note_on_the_order_page() {
    use crate::account_pages::{csrf_of, post_form};
    use crate::staff_pages::page;
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    let admin = admin_token(&app).await;
    let (token, number) = placed(&app, "jade@example.fr").await;
    pay(&app, &token, &number).await;
    let (status, c) = call(
        &app,
        "POST",
        &format!("/api/v1/admin/orders/{number}/stock-outs"),
        &admin,
        Some(
            json!({"lines": [{"line_id": format!("{number}-1"), "quantity": 1}],
                    "resolution": "partial_delivery"}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{c}");
    let id = c["refund"]["id"].as_str().unwrap_or_default().to_owned();
    let session = crate::checkout_pages::page_login(&app, "fr", "jade@example.fr").await;
    let path = format!("/fr/account/orders/{number}");
    let (_, html) = page(&app, &path, &session).await;
    assert!(html.contains(&format!("id=\"form-refund-{id}\"")), "{html}");
    assert!(
        html.contains("Comment souhaitez-vous être remboursé"),
        "{html}"
    );
    let csrf = csrf_of(&html);
    let action = format!("{path}/refunds/{id}");
    let res = post_form(
        &app,
        &action,
        &session,
        &[
            ("csrf", &csrf),
            ("destination", "bank_transfer"),
            ("account_holder", "Jade Roux"),
            ("iban", "FR76 3000 6000 0112 3456 7890 100"),
        ],
    )
    .await;
    assert_eq!(res.status(), 400);
    let body = res.text().await.unwrap_or_default();
    assert!(body.to_lowercase().contains("iban"), "{body}");
    let res = post_form(
        &app,
        &action,
        &session,
        &[("csrf", &csrf), ("destination", "store_credit")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (status, html) = page(&app, &path, &session).await;
    assert_eq!(status, 200, "the order's page itself");
    assert!(html.contains(number.as_str()), "the order's page itself");
    assert!(!html.contains("form-refund-"), "answered: {html}");
    let (_, account) = page(&app, "/fr/account", &session).await;
    assert!(account.contains("Votre avoir chez nous"), "{account}");
    // The next summary deducts it.
    let piece = crate::basket::sku(&app, "solitaire-lumiere", 0).await;
    crate::checkout::restock(&app, &piece, 5).await;
    let (status, _) = crate::basket::add(&app, &token, &piece, 1).await;
    assert_eq!(status, 201);
    let (_, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
    let id = s["id"].as_str().unwrap_or_default().to_owned();
    let (status, html) = page(&app, &format!("/fr/checkout/{id}"), &session).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Votre avoir") && html.contains("Reste à payer"),
        "{html}"
    );
}

/// Checks PAY-1 and INV-3 on the staff's order page: customer service refunds part of a
/// paid order with the form; the same form sent twice is one refund; the accountant sees
/// the transfer form, customer service does not.
#[tokio::test]
async fn inv_3_staff_refund_from_the_order_page_once() {
    use crate::account_pages::{csrf_of, post_form};
    use crate::staff_pages::{page, staff_login};
    let app = TestApp::spawn(Db::Sqlite, "atelier").await;
    let (token, number) = placed(&app, "lou@example.fr").await;
    pay(&app, &token, &number).await;
    ecrin_app::staff::create_staff(
        &app.app,
        "desk@maison.test",
        "Lise",
        ecrin_core::account::Role::CustomerService,
        "the desk secret phrase",
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let desk = staff_login(&app, "fr", "desk@maison.test", "the desk secret phrase").await;
    let path = format!("/fr/staff/orders/{number}");
    let (status, html) = page(&app, &path, &desk).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"form-refund\""), "{html}");
    assert!(!html.contains("id=\"form-transfer\""), "the accountant's");
    let key = html
        .split("name=\"key\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned();
    assert!(key.starts_with("page-"), "{html}");
    let fields = [
        ("csrf", csrf_of(&html)),
        ("amount", "5000".to_owned()),
        ("reason", "Geste commercial".to_owned()),
        ("key", key),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for _ in 0..2 {
        let res = post_form(&app, &format!("{path}/refunds"), &desk, &fields).await;
        assert_eq!(res.status(), 303);
    }
    let (_, o) = call(
        &app,
        "GET",
        &format!("/api/v1/orders/{number}"),
        &token,
        None,
    )
    .await;
    assert_eq!(o["refunds"].as_array().map(Vec::len), Some(1), "{o}");
    assert_eq!(o["refunds"][0]["amount"]["amount"], 5000);
    assert_eq!(o["refunds"][0]["status"], "succeeded");
}

/// Checks WDR-1, WDR-2 and WDR-7 on `milano` and both databases: the customer withdraws
/// per line and quantity, without a reason: the unit not yet shipped is cancelled and
/// refunded at once, the delivered one is to be sent back under an authorisation (the
/// return address, 14 days, the house's courier collecting on the next working day); the
/// receipt is e-mailed at once with the date and time to the second and the statement as
/// PDF. A unit is withdrawn once; a guest withdraws with the order number and the right
/// e-mail address only; the window closes 14 days after delivery (8 December no
/// exception).
#[tokio::test]
async fn wdr_1_wdr_2_wdr_7_the_withdrawal_function() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "milano").await;
        let (status, _) = app
            .post_json(
                "/api/v1/test/clock",
                &json!({"set": "2026-12-03T10:00:00+01:00"}),
            )
            .await;
        assert_eq!(status, 200);
        let admin = admin_token(&app).await;
        let email = "marta@example.it";
        let (token, number) = placed(&app, email).await;
        pay(&app, &token, &number).await;
        let line1 = format!("{number}-1");
        let line2 = format!("{number}-2");
        let (status, _) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/orders/{number}/ship"),
            &admin,
            Some(ship_body(json!([{"line_id": line1, "quantity": 2}]))),
        )
        .await;
        assert_eq!(status, 201);
        let (status, _) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/orders/{number}/deliver"),
            &admin,
            Some(json!({})),
        )
        .await;
        assert_eq!(status, 200);
        crate::payment::advance(&app, "P1D").await;
        let path = format!("/api/v1/orders/{number}/withdrawals");
        // Another customer's order is unknown.
        let other = ready_customer(&app, "nico@example.it", "collier-perles-rivage", 1).await;
        let (status, _) = call(
            &app,
            "POST",
            &path,
            &other,
            Some(json!({"lines": [{"line_id": line1, "quantity": 1}]})),
        )
        .await;
        assert_eq!(status, 404);
        let (status, w) = call(
            &app,
            "POST",
            &path,
            &token,
            Some(json!({"lines": [
            {"line_id": line1, "quantity": 1}, {"line_id": line2, "quantity": 1}]})),
        )
        .await;
        assert_eq!(status, 201, "{db:?}: {w}");
        assert_eq!(w["status"], "authorised");
        assert_eq!(w["cancelled"], json!([{"line_id": line2, "quantity": 1}]));
        assert_eq!(w["send_back"], json!([{"line_id": line1, "quantity": 1}]));
        assert_eq!(w["return_by"], "2026-12-18", "14 days after the notice");
        assert_eq!(w["pickup_date"], "2026-12-07", "the next working day");
        assert_eq!(w["return_paid_by"], "merchant");
        assert!(
            w["return_address"]
                .as_str()
                .unwrap_or_default()
                .contains("Milano"),
            "{w}"
        );
        assert_eq!(
            w["refund"]["status"], "succeeded",
            "the necklace, not yet shipped: {w}"
        );
        assert!(
            w["notified_at"]
                .as_str()
                .unwrap_or_default()
                .starts_with("2026-12-04T09:00:0"),
            "{w}"
        );
        let mails = outbox(&app, email).await;
        let receipt = mails
            .iter()
            .find(|m| {
                m["subject"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("recesso")
            })
            .cloned()
            .unwrap_or_default();
        assert!(
            receipt["subject"]
                .as_str()
                .unwrap_or_default()
                .contains("04/12/2026 10:00:0"),
            "the date and time to the second: {receipt}"
        );
        assert!(
            receipt["text"]
                .as_str()
                .unwrap_or_default()
                .contains("07/12/2026"),
            "{receipt}"
        );
        assert!(
            receipt["attachments"]
                .to_string()
                .contains("withdrawal_statement"),
            "{receipt}"
        );
        // The statement as PDF is laid out.
        let id = w["id"].as_str().unwrap_or_default().to_owned();
        let pdf = ecrin_app::withdrawals::statement_pdf(&app.app, &id)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(pdf.bytes.starts_with(b"%PDF"), "a PDF");
        // WDR-2: the prepaid label, with the receipt and for the customer to print.
        assert!(
            receipt["attachments"].to_string().contains("return_label"),
            "{receipt}"
        );
        let label = w["label_url"].as_str().unwrap_or_default().to_owned();
        let res = app
            .client
            .get(app.url(&label))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200, "{label}");
        let bytes = res.bytes().await.unwrap_or_default();
        let text = crate::documents::pdf_text(&bytes);
        assert!(
            text.contains("07/12/2026") && text.contains(&id) && text.contains("DHL"),
            "{text}"
        );
        // The board: the window runs to 17 December, the pieces are awaited by the 18th.
        let clocks = board(&app, &admin).await;
        assert!(
            clocks.contains(&(
                "withdrawal_window".into(),
                "WDR-1".into(),
                "2026-12-17T23:00:00Z".into(),
                false
            )),
            "{clocks:?}"
        );
        assert!(
            clocks.contains(&(
                "return_by".into(),
                "WDR-2".into(),
                "2026-12-18T23:00:00Z".into(),
                false
            )),
            "{clocks:?}"
        );
        // A unit is withdrawn once.
        let (status, p) = call(
            &app,
            "POST",
            &path,
            &token,
            Some(json!({"lines": [{"line_id": line1, "quantity": 2}]})),
        )
        .await;
        assert_eq!(
            (status, p["errors"][0]["code"].as_str()),
            (400, Some("more_than_left")),
            "{p}"
        );
        // WDR-4, WDR-5: the parcel comes back, is accepted, and the ring is refunded with
        // its credit note (the order keeps a piece: no delivery charge); the unit is back
        // in stock; the refund's clock runs between the two.
        let rid = w["id"].as_str().unwrap_or_default().to_owned();
        let ring_price = {
            let (_, o) = call(
                &app,
                "GET",
                &format!("/api/v1/orders/{number}"),
                &token,
                None,
            )
            .await;
            assert_eq!(o["returns"][0]["status"], "authorised", "{o}");
            o["lines"][0]["unit_price_incl_vat"]["amount"]
                .as_i64()
                .unwrap_or_default()
        };
        let receive = format!("/api/v1/admin/returns/{rid}/receive");
        let (status, r) = call(&app, "POST", &receive, &token, None).await;
        assert_eq!(status, 403, "not the customer: {r}");
        let (status, r) = call(&app, "POST", &receive, &admin, None).await;
        assert_eq!(
            (status, r["status"].as_str()),
            (200, Some("received")),
            "{r}"
        );
        let (status, _) = call(&app, "POST", &receive, &admin, None).await;
        assert_eq!(status, 409, "received once");
        let clocks = board(&app, &admin).await;
        assert!(
            clocks
                .iter()
                .any(|(kind, rule, ..)| kind == "withdrawal_refund" && rule == "WDR-5"),
            "{clocks:?}"
        );
        let inspect = format!("/api/v1/admin/returns/{rid}/inspect");
        let (status, p) = call(
            &app,
            "POST",
            &inspect,
            &admin,
            Some(json!({"outcome": "refused"})),
        )
        .await;
        assert_eq!(status, 400, "a refusal says why: {p}");
        let (status, i) = call(
            &app,
            "POST",
            &inspect,
            &admin,
            Some(json!({"outcome": "accepted"})),
        )
        .await;
        assert_eq!(status, 200, "{i}");
        assert_eq!(i["return"]["status"], "accepted");
        assert_eq!(i["refund"]["amount"]["amount"], ring_price, "{i}");
        assert!(i["refund"]["credit_note"].is_string(), "{i}");
        let (status, _) = call(
            &app,
            "POST",
            &inspect,
            &admin,
            Some(json!({"outcome": "accepted"})),
        )
        .await;
        assert_eq!(status, 409, "inspected once");
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o["lines"][0]["returned"], 1, "{o}");
        assert!(
            !board(&app, &admin)
                .await
                .iter()
                .any(|(kind, ..)| kind == "withdrawal_refund")
        );
        // A guest: the wrong address answers as an unknown order.
        let guest = |mail: &str, q: i64| {
            json!({"order_number": number, "email": mail,
            "lines": [{"line_id": line1, "quantity": q}]})
        };
        let (status, p) = app
            .post_json("/api/v1/withdrawals", &guest("someone@example.it", 1))
            .await;
        assert_eq!(status, 404, "{p}");
        let (status, p) = app
            .post_json("/api/v1/withdrawals", &guest("nobody@example.it", 1))
            .await;
        assert_eq!(status, 404, "{p}");
        // Fourteen days after delivery, the window is closed.
        crate::payment::advance(&app, "P14D").await;
        let (status, p) = app
            .post_json("/api/v1/withdrawals", &guest(" MARTA@example.it ", 1))
            .await;
        assert_eq!(
            (status, p["code"].as_str()),
            (422, Some("withdrawal_window_closed")),
            "{p}"
        );
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o["lines"][1]["status"], "cancelled", "{o}");
    }
}

/// Checks WDR-7 on the pages (`paris`, without JavaScript): the footer of every page leads
/// to the withdrawal function; a guest gives the order's number and e-mail address (a
/// wrong address finds nothing), chooses the units, reviews, confirms, and reads the
/// receipt with the date and time, also e-mailed; the customer's order page links to it
/// while a piece may be withdrawn from.
#[tokio::test]
async fn wdr_7_a_guest_withdraws_in_two_steps_from_the_footer_link() {
    use crate::account_pages::{csrf_of, post_form};
    use crate::staff_pages::page;
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    let admin = admin_token(&app).await;
    let email = "olga@example.fr";
    let (token, number) = placed(&app, email).await;
    pay(&app, &token, &number).await;
    let (status, _) = call(
        &app,
        "POST",
        &format!("/api/v1/admin/orders/{number}/ship"),
        &admin,
        Some(ship_body(json!(null))),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = call(
        &app,
        "POST",
        &format!("/api/v1/admin/orders/{number}/deliver"),
        &admin,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200);
    // The customer's order page links to it.
    let session = crate::checkout_pages::page_login(&app, "fr", email).await;
    let (_, html) = page(&app, &format!("/fr/account/orders/{number}"), &session).await;
    assert!(
        html.contains(&format!("/fr/withdraw?order={number}")),
        "{html}"
    );
    // A guest, from the footer of the home page.
    let home = app.get("/fr/").await.text().await.unwrap_or_default();
    assert!(
        home.contains("id=\"footer-withdraw\"") && home.contains("Se rétracter"),
        "{home}"
    );
    let res = app.get("/fr/withdraw").await;
    assert_eq!(res.status(), 200);
    let visitor = crate::account_pages::cookie_value(&res, "ecrin_session").unwrap_or_default();
    let html = res.text().await.unwrap_or_default();
    let csrf = csrf_of(&html);
    let step = |fields: Vec<(&'static str, String)>| {
        let (app, visitor) = (&app, &visitor);
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = post_form(app, "/fr/withdraw", visitor, &fields).await;
            (res.status().as_u16(), res.text().await.unwrap_or_default())
        }
    };
    let ident = |mail: &str, next: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("step", next.to_owned()),
            ("order_number", number.clone()),
            ("email", mail.to_owned()),
        ]
    };
    let (status, html) = step(ident("autre@example.fr", "choose")).await;
    assert_eq!(status, 404);
    assert!(html.contains("Nous ne trouvons aucune commande"), "{html}");
    let (status, html) = step(ident(email, "choose")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("name=\"q_1\"") && html.contains("Aucun motif"),
        "{html}"
    );
    let mut review = ident(email, "review");
    review.push(("q_1", "1".into()));
    let (status, html) = step(review.clone()).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"confirm-withdrawal\""), "{html}");
    assert!(html.contains("À renvoyer : 1 × Jonc Rivage"), "{html}");
    // Nothing is recorded before the confirmation.
    let (_, o) = call(
        &app,
        "GET",
        &format!("/api/v1/orders/{number}"),
        &token,
        None,
    )
    .await;
    assert!(
        !outbox(&app, email).await.iter().any(|m| m["subject"]
            .as_str()
            .unwrap_or_default()
            .contains("rétractation")),
        "{o}"
    );
    let mut confirm = ident(email, "confirm");
    confirm.push(("q_1", "1".into()));
    let (status, html) = step(confirm).await;
    assert_eq!(status, 200, "{html}");
    // A guest's notice waits for the owner of the address: nothing is done yet.
    assert!(
        html.contains("id=\"withdrawal-sent\"") && html.contains("Rien n’est annulé"),
        "{html}"
    );
    let (_, o) = call(
        &app,
        "GET",
        &format!("/api/v1/orders/{number}"),
        &token,
        None,
    )
    .await;
    assert_eq!(o["returns"].as_array().map_or(0, Vec::len), 0, "{o}");
    // The link e-mailed shows what it withdraws from; following it changes nothing.
    let (link, _) = confirm_link(&app, email).await;
    let path = link.splitn(4, '/').nth(3).unwrap_or_default();
    let res = app.get(&format!("/{path}")).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap_or_default();
    assert!(
        html.contains("id=\"form-withdraw-link\"") && html.contains("1 × Jonc Rivage"),
        "{html}"
    );
    let token_field = html
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let res = post_form(
        &app,
        "/fr/withdraw/confirm",
        &visitor,
        &[("csrf", csrf.as_str()), ("token", token_field.as_str())],
    )
    .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap_or_default();
    assert!(
        html.contains("id=\"withdrawal-receipt\"") && html.contains("Reçue le"),
        "{html}"
    );
    // More than is left is said on the page.
    let mut again = ident(email, "review");
    again.push(("q_1", "2".into()));
    let (status, html) = step(again).await;
    assert_eq!(status, 422, "{html}");
}

/// Checks WDR-4 on `paris` and both databases: a return accepted with a reduced refund for
/// wear (less than the full refund, with its reason), and one refused for missing papers:
/// nothing refunded, nothing back in stock, the customer told why.
#[tokio::test]
async fn wdr_4_a_return_reduced_for_wear_or_refused_for_missing_papers() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let admin = admin_token(&app).await;
        let email = "pia@example.fr";
        let (token, number) = placed(&app, email).await;
        pay(&app, &token, &number).await;
        for (what, body) in [("ship", ship_body(json!(null))), ("deliver", json!({}))] {
            let (status, p) = call(
                &app,
                "POST",
                &format!("/api/v1/admin/orders/{number}/{what}"),
                &admin,
                Some(body),
            )
            .await;
            assert!(status == 200 || status == 201, "{p}");
        }
        let withdraw = |line: i64| {
            let (app, token, number) = (&app, &token, &number);
            async move {
                let (status, w) = call(
                    app,
                    "POST",
                    &format!("/api/v1/orders/{number}/withdrawals"),
                    token,
                    Some(
                        json!({"lines": [{"line_id": format!("{number}-{line}"), "quantity": 1}]}),
                    ),
                )
                .await;
                assert_eq!(status, 201, "{w}");
                let id = w["id"].as_str().unwrap_or_default().to_owned();
                let (status, _) = call(
                    app,
                    "POST",
                    &format!("/api/v1/admin/returns/{id}/receive"),
                    &admin_token(app).await,
                    None,
                )
                .await;
                assert_eq!(status, 200);
                (
                    id,
                    w["refund_estimate"]["amount"].as_i64().unwrap_or_default(),
                )
            }
        };
        let (first, full) = withdraw(1).await;
        let inspect = |id: &str, body: Value| {
            let (app, admin, id) = (&app, &admin, id.to_owned());
            async move {
                call(
                    app,
                    "POST",
                    &format!("/api/v1/admin/returns/{id}/inspect"),
                    admin,
                    Some(body),
                )
                .await
            }
        };
        let (status, p) = inspect(
            &first,
            json!({"outcome": "reduced", "refund_amount": full, "reason": "rayures"}),
        )
        .await;
        assert_eq!(
            (status, p["errors"][0]["code"].as_str()),
            (400, Some("less_than_the_full_refund")),
            "{p}"
        );
        let (status, i) = inspect(
            &first,
            json!({"outcome": "reduced", "refund_amount": full - 5000,
            "reason": "Rayures sur le jonc"}),
        )
        .await;
        assert_eq!(status, 200, "{i}");
        assert_eq!(i["return"]["status"], "reduced");
        assert_eq!(i["refund"]["amount"]["amount"], full - 5000);
        let told = &outbox(&app, email).await;
        assert!(told.iter().any(|m| {
            m["text"]
                .as_str()
                .unwrap_or_default()
                .contains("Rayures sur le jonc")
        }));
        let (second, _) = withdraw(2).await;
        let (status, i) = inspect(
            &second,
            json!({"outcome": "refused",
            "reason": "Certificat et facture absents du colis"}),
        )
        .await;
        assert_eq!(status, 200, "{i}");
        assert_eq!(i["return"]["status"], "refused");
        assert_eq!(i["refund"], Value::Null);
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o["lines"][1]["returned"], 0, "refused: not taken back: {o}");
        assert_eq!(o["refunds"].as_array().map(Vec::len), Some(1), "{o}");
        assert_eq!(
            o["returns"][1]["inspection_reason"],
            "Certificat et facture absents du colis"
        );
    }
}

/// Order numbers near `number`: the same prefix, its trailing digits plus `k`.
fn neighbour(number: &str, k: u64) -> String {
    let digits = number.len() - number.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (prefix, n) = number.split_at(number.len() - digits);
    let n: u64 = n.parse().unwrap_or_default();
    format!("{prefix}{:0width$}", n + k, width = digits)
}

/// The link e-mailed to confirm a guest's withdrawal, newest first, and its token.
pub(crate) async fn confirm_link(app: &TestApp, email: &str) -> (String, String) {
    let link = outbox(app, email)
        .await
        .iter()
        .flat_map(|m| m["links"].as_array().cloned().unwrap_or_default())
        .filter_map(|l| l.as_str().map(str::to_owned))
        .find(|l| l.contains("/withdraw/confirm?token="))
        .unwrap_or_else(|| panic!("no confirmation link to {email}"));
    let token = link.split("token=").nth(1).unwrap_or_default().to_owned();
    (link, token)
}

/// Checks WDR-7 against guessing, on both databases. A stranger who knows a customer's
/// e-mail address tries 100 order numbers with it: after five answers of "unknown order"
/// every try is `429 rate_limited`, the customer's real number among them, and each
/// refusal is in the staff's security log. An unknown number and a wrong address answer
/// alike. An hour later, a right guess only records the notice: nothing of the order
/// changes (no unit cancelled, nothing refunded) until the owner of the address follows
/// the e-mailed link, which carries the withdrawal out as of the notice, once. The limits
/// per order number and per client address hold as well.
#[tokio::test]
async fn wdr_7_a_stranger_guessing_order_numbers_is_stopped_and_cancels_nothing() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let email = "victime@example.fr";
        let (token, number) = placed(&app, email).await;
        pay(&app, &token, &number).await;
        let guess = |n: &str, mail: &str| {
            json!({"order_number": n, "email": mail,
                   "lines": [{"line_id": format!("{n}-1"), "quantity": 1}]})
        };
        // 99 numbers around the real one, then the real one: 100 tries.
        let mut tries: Vec<String> = (1..=99).map(|k| neighbour(&number, k)).collect();
        tries.push(number.clone());
        let mut answers = Vec::new();
        for n in &tries {
            let (status, p) = app.post_json("/api/v1/withdrawals", &guess(n, email)).await;
            answers.push((status, p["code"].as_str().unwrap_or_default().to_owned()));
        }
        let not_found = answers.iter().filter(|(s, _)| *s == 404).count();
        let limited = answers
            .iter()
            .filter(|(s, c)| *s == 429 && c == "rate_limited")
            .count();
        assert_eq!((not_found, limited), (5, 95), "{db:?}: {answers:?}");
        assert_eq!(
            answers[99].0, 429,
            "{db:?}: the right number is refused too"
        );
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o["status"], "being_prepared", "{db:?}: {o}");
        // The refusals are in the staff's security log.
        let admin = admin_token(&app).await;
        let (_, stats) = call(&app, "GET", "/api/v1/admin/security-stats", &admin, None).await;
        let count = |status: u16| {
            stats["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|i| i["kind"] == "POST /api/v1/withdrawals" && i["status"] == status)
                .map(|i| i["count"].as_i64().unwrap_or_default())
                .sum::<i64>()
        };
        assert_eq!((count(404), count(429)), (5, 95), "{db:?}: {stats}");

        // An hour later: a wrong address and an unknown number answer alike.
        crate::payment::advance(&app, "PT61M").await;
        let (s1, wrong_mail) = app
            .post_json("/api/v1/withdrawals", &guess(&number, "autre@example.fr"))
            .await;
        let (s2, wrong_number) = app
            .post_json(
                "/api/v1/withdrawals",
                &guess(&neighbour(&number, 500), email),
            )
            .await;
        assert_eq!((s1, s2), (404, 404), "{db:?}");
        assert_eq!(
            (&wrong_mail["code"], &wrong_mail["detail"]),
            (&wrong_number["code"], &wrong_number["detail"]),
            "{db:?}"
        );
        // A right guess records the notice and changes nothing.
        let (status, n) = app
            .post_json("/api/v1/withdrawals", &guess(&number, email))
            .await;
        assert_eq!(status, 202, "{db:?}: {n}");
        assert_eq!(n["status"], "awaiting_confirmation", "{n}");
        assert_eq!(n["cancelled"][0]["quantity"], 1, "{n}");
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o["status"], "being_prepared", "{db:?}: {o}");
        assert_eq!(o["lines"][0]["cancelled"], 0, "{db:?}: {o}");
        assert_eq!(
            o["refunds"].as_array().map_or(0, Vec::len),
            0,
            "{db:?}: {o}"
        );
        // The owner of the address confirms by the link: carried out as of the notice.
        let (link, secret) = confirm_link(&app, email).await;
        assert!(link.contains("/fr/withdraw/confirm?token="), "{link}");
        crate::payment::advance(&app, "PT2H").await;
        let (status, w) = app
            .post_json("/api/v1/withdrawals/confirm", &json!({"token": secret}))
            .await;
        assert_eq!(status, 201, "{db:?}: {w}");
        assert_eq!(w["notified_at"], n["notified_at"], "{db:?}: {w}");
        assert_eq!(w["cancelled"][0]["quantity"], 1, "{w}");
        assert!(w["refund"]["id"].is_string(), "{w}");
        let (status, again) = app
            .post_json("/api/v1/withdrawals/confirm", &json!({"token": secret}))
            .await;
        assert_eq!((status, &again["id"]), (201, &w["id"]), "{db:?}: once");
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o["lines"][0]["cancelled"], 1, "{db:?}: {o}");
        assert_eq!(
            o["refunds"].as_array().map_or(0, Vec::len),
            1,
            "{db:?}: {o}"
        );
        let (status, p) = app
            .post_json(
                "/api/v1/withdrawals/confirm",
                &json!({"token": "0".repeat(64)}),
            )
            .await;
        assert_eq!((status, p["code"].as_str()), (422, Some("invalid_token")));

        // Per order number: five wrong addresses, then even the right one waits.
        crate::payment::advance(&app, "PT61M").await;
        for k in 0..5 {
            let (status, _) = app
                .post_json(
                    "/api/v1/withdrawals",
                    &guess(&number, &format!("essai{k}@example.fr")),
                )
                .await;
            assert_eq!(status, 404, "{db:?}");
        }
        let (status, _) = app
            .post_json("/api/v1/withdrawals", &guess(&number, email))
            .await;
        assert_eq!(status, 429, "{db:?}: the order number is closed");
        // Per client address: twenty failures with as many numbers and addresses.
        crate::payment::advance(&app, "PT61M").await;
        for k in 0..20 {
            let (status, _) = app
                .post_json(
                    "/api/v1/withdrawals",
                    &guess(&neighbour(&number, 1000 + k), &format!("x{k}@example.fr")),
                )
                .await;
            assert_eq!(status, 404, "{db:?}: {k}");
        }
        let (status, _) = app
            .post_json("/api/v1/withdrawals", &guess(&number, email))
            .await;
        assert_eq!(status, 429, "{db:?}: the client is closed");
    }
}
