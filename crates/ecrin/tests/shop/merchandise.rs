//! The house writes its catalogue over the API (CAT-1 … CAT-7): products and collections
//! with their texts in the profile's languages, publication windows on the house's clock,
//! variants, prices with scheduled promotions and their history, the stock journal and the
//! low-stock list, on both databases.

use crate::basket::{call, customer_token};
use crate::checkout::{admin_token, staff_token};
use crate::support::TestApp;
use ecrin_store_tests::Db;
use serde_json::{Value, json};

async fn set_clock(app: &TestApp, at: &str) {
    let (status, body) = app
        .post_json("/api/v1/test/clock", &json!({"set": at}))
        .await;
    assert_eq!(status, 200, "{body}");
    ecrin_app::jobs::run_due(&app.app)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// The customer's default address, in the profile's home country.
async fn add_address(app: &TestApp, token: &str) {
    let (country, postcode, city) = crate::checkout::home_country(app.profile);
    let (status, body) = call(
        app,
        "POST",
        "/api/v1/me/addresses",
        token,
        Some(crate::checkout::address(country, postcode, city)),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

/// The summary of the customer's basket, to the default address.
async fn summary(app: &TestApp, token: &str) -> Value {
    let (status, s) = call(app, "POST", "/api/v1/checkout", token, Some(json!({}))).await;
    assert_eq!(status, 201, "{s}");
    s
}

fn eur(amount: i64) -> Value {
    json!({"amount": amount, "currency": "EUR"})
}

/// The texts of a product in the profile's languages, the prevailing one first.
fn texts(profile: &str, name: &str) -> Value {
    match profile {
        "milano" => json!({
            "it": {"name": format!("{name} (it)"), "description": "Oro giallo martellato a mano."},
            "en": {"name": format!("{name} (en)"), "description": "Hand-hammered yellow gold."}
        }),
        _ => json!({
            "fr": {"name": format!("{name} (fr)"), "description": "Or jaune martelé à la main."},
            "en": {"name": format!("{name} (en)"), "description": "Hand-hammered yellow gold."}
        }),
    }
}

/// A product with one variant of 1,000.00 in stock, published; returns its SKU.
async fn on_sale(app: &TestApp, admin: &str, slug: &str, sku: &str) -> String {
    let (status, body) = call(
        app,
        "POST",
        "/api/v1/admin/products",
        admin,
        Some(
            json!({"slug": slug, "collection": "rivage", "category": "in_stock",
                    "texts": texts(app.profile, "Jonc martelé")}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = call(
        app,
        "POST",
        &format!("/api/v1/admin/products/{slug}/variants"),
        admin,
        Some(
            json!({"sku": sku, "metal": "yellow-gold", "weight_grams": 6,
                    "price": eur(100_000), "on_hand": 5}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = call(
        app,
        "PATCH",
        &format!("/api/v1/admin/products/{slug}"),
        admin,
        Some(json!({"published": true})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    sku.to_owned()
}

/// The product as customers read it, once the page cache has seen the change.
async fn public(app: &TestApp, slug: &str, expected: u16) -> (u16, Value) {
    let mut last = (0, Value::Null);
    for _ in 0..30 {
        let res = app.get(&format!("/api/v1/products/{slug}?lang=en")).await;
        let status = res.status().as_u16();
        last = (status, res.json().await.unwrap_or_default());
        if status == expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    last
}

/// Checks CAT-1 and PRV-8 on `paris` (SQLite) and `milano` (PostgreSQL): the admin creates
/// a collection and a product with its texts in the profile's languages (the prevailing
/// one required, no other language taken), adds two variants, and publishes it; the
/// product is then found by its English name and bought. A product without a variant
/// cannot be published; a taken address or reference, an unknown metal and another
/// currency are refused; customer service may not write the catalogue and the warehouse
/// may read it.
#[tokio::test]
async fn cat_1_the_house_puts_a_new_piece_on_sale() {
    for (db, profile) in [(Db::Sqlite, "paris"), (Db::Postgres, "milano")] {
        let app = TestApp::spawn(db, profile).await;
        let admin = admin_token(&app).await;
        let prevailing = if profile == "milano" { "it" } else { "fr" };

        let (status, body) = call(
            &app,
            "POST",
            "/api/v1/admin/collections",
            &admin,
            Some(json!({"slug": "soleil", "texts": texts(profile, "Soleil")})),
        )
        .await;
        assert_eq!(status, 201, "{profile}: {body}");
        assert_eq!(body["texts"]["en"]["name"], "Soleil (en)");

        // The prevailing language is required; a language the profile does not speak is not
        // taken.
        let (status, body) = call(
            &app,
            "POST",
            "/api/v1/admin/products",
            &admin,
            Some(
                json!({"slug": "jonc-soleil", "collection": "soleil", "category": "in_stock",
                        "texts": {"en": {"name": "Sun Bangle", "description": ""},
                                  "de": {"name": "Sonnenreif", "description": ""}}}),
            ),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .map(|e| e.iter().filter_map(|f| f["field"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            fields.contains(&format!("texts.{prevailing}.name").as_str()),
            "{body}"
        );
        assert!(fields.contains(&"texts.de"), "{body}");

        let (status, body) = call(
            &app,
            "POST",
            "/api/v1/admin/products",
            &admin,
            Some(
                json!({"slug": "jonc-soleil", "collection": "soleil", "category": "made_to_order",
                        "lead_time_days": 21, "texts": texts(profile, "Jonc Soleil")}),
            ),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["published"], false);
        assert_eq!(body["on_sale"], false);
        assert_eq!(public(&app, "jonc-soleil", 404).await.0, 404);

        let (status, body) = call(
            &app,
            "POST",
            "/api/v1/admin/products",
            &admin,
            Some(
                json!({"slug": "jonc-soleil", "collection": "soleil", "category": "in_stock",
                        "texts": texts(profile, "Autre")}),
            ),
        )
        .await;
        assert_eq!((status, body["code"].as_str()), (409, Some("slug_taken")));

        let (status, body) = call(
            &app,
            "PATCH",
            "/api/v1/admin/products/jonc-soleil",
            &admin,
            Some(json!({"published": true})),
        )
        .await;
        assert_eq!((status, body["code"].as_str()), (422, Some("no_variants")));

        for (variant, code) in [
            (
                json!({"sku": "JS-YG-52", "metal": "unobtainium", "weight_grams": 9, "price": eur(180_000)}),
                400,
            ),
            (
                json!({"sku": "JS-YG-52", "metal": "yellow-gold", "weight_grams": 9,
                       "price": {"amount": 180_000, "currency": "USD"}}),
                400,
            ),
            (
                json!({"sku": "JS-YG-52", "metal": "yellow-gold", "size": "52", "weight_grams": 9,
                       "price": eur(180_000), "list_price": eur(195_000)}),
                201,
            ),
            (
                json!({"sku": "JS-YG-52", "metal": "white-gold", "weight_grams": 9, "price": eur(1)}),
                409,
            ),
            (
                json!({"sku": "JS-WG-54", "metal": "white-gold", "size": "54", "weight_grams": 10,
                       "price": eur(185_000), "lead_time_days": 28}),
                201,
            ),
        ] {
            let (status, body) = call(
                &app,
                "POST",
                "/api/v1/admin/products/jonc-soleil/variants",
                &admin,
                Some(variant.clone()),
            )
            .await;
            assert_eq!(status, code, "{profile} {variant}: {body}");
        }
        // A metal or a collection cannot be emptied: a 400 naming the field, nothing
        // written.
        for (path, change, field) in [
            (
                "/api/v1/admin/variants/JS-YG-52",
                json!({"metal": " "}),
                "metal",
            ),
            (
                "/api/v1/admin/products/jonc-soleil",
                json!({"collection": ""}),
                "collection",
            ),
        ] {
            let (status, body) = call(&app, "PATCH", path, &admin, Some(change)).await;
            assert_eq!(status, 400, "{path}: {body}");
            assert_eq!(body["errors"][0]["field"], field, "{body}");
        }
        // CAT-1: a piece can be engraved or not, the variant's own choice, and it reads back.
        for engraved in [true, false] {
            let (status, body) = call(
                &app,
                "PATCH",
                "/api/v1/admin/variants/JS-YG-52",
                &admin,
                Some(json!({"personalisable": engraved})),
            )
            .await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["personalisable"], engraved, "{body}");
            let (status, body) = call(
                &app,
                "GET",
                "/api/v1/admin/products/jonc-soleil",
                &admin,
                None,
            )
            .await;
            assert_eq!(status, 200, "{body}");
        }

        let (status, body) = call(
            &app,
            "PATCH",
            "/api/v1/admin/products/jonc-soleil",
            &admin,
            Some(json!({"published": true,
                        "texts": {"en": {"name": "Soleil Bangle", "description": "Hammered by hand."}}})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["on_sale"], true);
        assert_eq!(body["variants"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            body["texts"][prevailing]["name"],
            format!("Jonc Soleil ({prevailing})")
        );

        // Customers find it by its English name, see both variants and buy one.
        let (status, p) = public(&app, "jonc-soleil", 200).await;
        assert_eq!(status, 200, "{p}");
        assert_eq!(p["name"], "Soleil Bangle");
        assert_eq!(p["variants"][0]["price"], eur(180_000));
        assert_eq!(p["variants"][1]["lead_time_days"], 28);
        let list = app
            .get_json("/api/v1/products?q=soleil%20bangle&lang=en")
            .await;
        assert!(
            list["items"]
                .as_array()
                .is_some_and(|i| i.iter().any(|x| x["slug"] == "jonc-soleil")),
            "{list}"
        );
        let customer = customer_token(&app, "lucia@example.it").await;
        let (status, body) = call(
            &app,
            "POST",
            "/api/v1/basket/items",
            &customer,
            Some(json!({"sku": "JS-WG-54", "quantity": 1})),
        )
        .await;
        assert_eq!(status, 201, "{body}");

        // PRV-8: customer service may not write the catalogue; the warehouse reads it.
        for (email, role) in [
            (
                "desk@maison.test",
                ecrin_core::account::Role::CustomerService,
            ),
            ("stock@maison.test", ecrin_core::account::Role::Warehouse),
        ] {
            ecrin_app::staff::create_staff(
                &app.app,
                email,
                "Marco",
                role,
                "the staff secret phrase",
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        }
        let desk = staff_token(&app, "desk@maison.test", "the staff secret phrase").await;
        let stock = staff_token(&app, "stock@maison.test", "the staff secret phrase").await;
        let (status, _) = call(
            &app,
            "PATCH",
            "/api/v1/admin/products/jonc-soleil",
            &desk,
            Some(json!({"published": false})),
        )
        .await;
        assert_eq!(status, 403);
        let (status, _) = call(
            &app,
            "GET",
            "/api/v1/admin/products/jonc-soleil",
            &desk,
            None,
        )
        .await;
        assert_eq!(status, 403);
        let (status, body) = call(
            &app,
            "GET",
            "/api/v1/admin/products/jonc-soleil",
            &stock,
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let (status, _) = call(
            &app,
            "POST",
            "/api/v1/admin/products/jonc-soleil/variants",
            &stock,
            Some(json!({"sku": "JS-RG-50", "metal": "rose-gold", "weight_grams": 9, "price": eur(1)})),
        )
        .await;
        assert_eq!(status, 403);

        // Unpublished, it leaves the shop: its page is gone and it cannot be added.
        let (status, _) = call(
            &app,
            "PATCH",
            "/api/v1/admin/products/jonc-soleil",
            &admin,
            Some(json!({"published": false})),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(public(&app, "jonc-soleil", 404).await.0, 404);
        let (status, _) = call(
            &app,
            "POST",
            "/api/v1/basket/items",
            &customer,
            Some(json!({"sku": "JS-YG-52", "quantity": 1})),
        )
        .await;
        assert_ne!(status, 201);
        let (status, list) = call(
            &app,
            "GET",
            "/api/v1/admin/products?page[size]=200",
            &admin,
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert!(
            list["items"].as_array().is_some_and(|i| i
                .iter()
                .any(|x| x["slug"] == "jonc-soleil" && x["published"] == false)),
            "{list}"
        );
    }
}

/// Checks CAT-3 on both databases, on `paris`'s clock: a product set to go on sale on
/// 10 March 2027 and to be withdrawn on 20 March is not shown before the first minute of
/// the 10th (Paris time), is shown from it, and is gone from the first minute of the 20th.
#[tokio::test]
async fn cat_3_a_piece_goes_on_sale_and_is_withdrawn_on_its_dates() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        set_clock(&app, "2027-03-01T10:00:00+01:00").await;
        let admin = admin_token(&app).await;
        on_sale(&app, &admin, "bague-printemps", "BP-YG-1").await;
        let (status, body) = call(
            &app,
            "PATCH",
            "/api/v1/admin/products/bague-printemps",
            &admin,
            Some(json!({"published_from": "2027-03-10", "published_until": "2027-03-20"})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["published_from"], "2027-03-09T23:00:00Z");
        assert_eq!(body["on_sale"], false);
        assert_eq!(public(&app, "bague-printemps", 404).await.0, 404);

        set_clock(&app, "2027-03-09T23:59:00+01:00").await;
        assert_eq!(public(&app, "bague-printemps", 404).await.0, 404);
        set_clock(&app, "2027-03-10T00:00:00+01:00").await;
        assert_eq!(public(&app, "bague-printemps", 200).await.0, 200, "{db:?}");
        set_clock(&app, "2027-03-19T23:59:00+01:00").await;
        assert_eq!(public(&app, "bague-printemps", 200).await.0, 200);
        set_clock(&app, "2027-03-20T00:00:00+01:00").await;
        assert_eq!(public(&app, "bague-printemps", 404).await.0, 404);

        let (status, body) = call(
            &app,
            "PATCH",
            "/api/v1/admin/products/bague-printemps",
            &admin,
            Some(json!({"published_from": "2027-04-02", "published_until": "2027-04-01"})),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["errors"][0]["field"], "published_until");
    }
}

/// Checks CAT-4 and CAT-7 on both databases: a piece sold 1,000.00 from 1 March, raised to
/// 1,200.00 on 11 March, gets a promotion of 900.00 scheduled for 23 to 28 March. Before
/// it, nothing is advertised; during it the price is 900.00 with the reference price
/// 1,000.00, the lowest of the 30 days before the reduction (not the 1,200.00 just before);
/// after it the price is 1,200.00 again. An order placed before the promotion keeps its
/// price. A promotion that is not lower, overlaps another or starts in the past is refused.
#[tokio::test]
async fn cat_7_a_promotion_is_shown_against_the_lowest_price_of_the_30_days_before() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        set_clock(&app, "2027-03-01T10:00:00+01:00").await;
        let admin = admin_token(&app).await;
        let sku = on_sale(&app, &admin, "jonc-mars", "JM-YG-1").await;
        set_clock(&app, "2027-03-11T10:00:00+01:00").await;
        let admin = admin_token(&app).await;
        let (status, body) = call(
            &app,
            "PATCH",
            &format!("/api/v1/admin/variants/{sku}"),
            &admin,
            Some(json!({"price": eur(120_000)})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        set_clock(&app, "2027-03-21T10:00:00+01:00").await;
        let admin = admin_token(&app).await;

        let promote = |body: Value| {
            let app = &app;
            let admin = admin.clone();
            let sku = sku.clone();
            async move {
                call(
                    app,
                    "POST",
                    &format!("/api/v1/admin/variants/{sku}/promotions"),
                    &admin,
                    Some(body),
                )
                .await
            }
        };
        let (status, body) = promote(json!({"price": eur(130_000),
            "starts_at": "2027-03-23", "ends_at": "2027-03-28"}))
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("not_a_reduction"))
        );
        let (status, body) = promote(json!({"price": eur(90_000),
            "starts_at": "2027-03-01", "ends_at": "2027-03-28"}))
        .await;
        assert_eq!(status, 400, "{body}");
        let (status, body) = promote(json!({"price": eur(90_000),
            "starts_at": "2027-03-23", "ends_at": "2027-03-28"}))
        .await;
        assert_eq!(status, 201, "{body}");
        let (status, body) = promote(json!({"price": eur(95_000),
            "starts_at": "2027-03-27T12:00:00+01:00", "ends_at": "2027-04-02"}))
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("promotion_overlaps"))
        );

        // Before: 1,200.00, nothing advertised; an order is placed at that price.
        let (_, p) = public(&app, "jonc-mars", 200).await;
        assert_eq!(p["variants"][0]["price"], eur(120_000), "{p}");
        assert!(p["variants"][0]["reference_price"].is_null(), "{p}");
        let buyer = customer_token(&app, "ines@example.fr").await;
        add_address(&app, &buyer).await;
        let (status, body) = call(
            &app,
            "POST",
            "/api/v1/basket/items",
            &buyer,
            Some(json!({"sku": sku, "quantity": 1})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let summary = summary(&app, &buyer).await;
        let (status, placed) = crate::checkout::order(&app, &buyer, &summary, None).await;
        assert_eq!(status, 201, "{placed}");

        // During: 900.00 against the 30-day lowest, 1,000.00.
        set_clock(&app, "2027-03-23T00:00:00+01:00").await;
        let (_, p) = public_price(&app, "jonc-mars", 90_000).await;
        assert_eq!(p["variants"][0]["price"], eur(90_000), "{p}");
        assert_eq!(p["variants"][0]["reference_price"], eur(100_000), "{p}");

        // The order placed before keeps its price.
        let buyer = crate::after_sales::login(&app, "ines@example.fr").await;
        let number = placed["number"].as_str().unwrap_or_default();
        let (status, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &buyer,
            None,
        )
        .await;
        assert_eq!(status, 200, "{o}");
        assert_eq!(o["lines"][0]["unit_price_incl_vat"], eur(120_000), "{o}");

        // After: 1,200.00 again.
        set_clock(&app, "2027-03-28T00:00:00+01:00").await;
        let (_, p) = public_price(&app, "jonc-mars", 120_000).await;
        assert_eq!(p["variants"][0]["price"], eur(120_000), "{p}");
        assert!(p["variants"][0]["reference_price"].is_null(), "{p}");
        let admin = admin_token(&app).await;
        let (_, v) = call(
            &app,
            "GET",
            "/api/v1/admin/products/jonc-mars",
            &admin,
            None,
        )
        .await;
        let prices: Vec<i64> = v["variants"][0]["price_history"]
            .as_array()
            .map(|h| {
                h.iter()
                    .filter_map(|x| x["price"]["amount"].as_i64())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(prices, [100_000, 120_000, 90_000, 120_000], "{v}");
    }
}

/// The product once its first variant's price reads `amount`.
async fn public_price(app: &TestApp, slug: &str, amount: i64) -> (u16, Value) {
    let mut last = (0, Value::Null);
    for _ in 0..30 {
        last = public(app, slug, 200).await;
        if last.1["variants"][0]["price"]["amount"] == amount {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    last
}

/// Checks the stock journal and the low-stock list (PAY-5) on both databases: the
/// warehouse's count, an order's units and their return to stock when the order is
/// cancelled are each a line naming who or what moved them; a piece at or under its
/// threshold is listed as running low.
#[tokio::test]
async fn pay_5_every_unit_moved_is_in_the_stock_journal() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let admin = admin_token(&app).await;
        let sku = on_sale(&app, &admin, "puces-journal", "PJ-YG-1").await;
        let (status, body) = call(
            &app,
            "PATCH",
            &format!("/api/v1/admin/variants/{sku}"),
            &admin,
            Some(json!({"low_stock_threshold": 3})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let buyer = customer_token(&app, "ines@example.fr").await;
        add_address(&app, &buyer).await;
        call(
            &app,
            "POST",
            "/api/v1/basket/items",
            &buyer,
            Some(json!({"sku": sku, "quantity": 2})),
        )
        .await;
        let summary = summary(&app, &buyer).await;
        let (status, placed) = crate::checkout::order(&app, &buyer, &summary, None).await;
        assert_eq!(status, 201, "{placed}");
        let number = placed["number"].as_str().unwrap_or_default().to_owned();

        let (_, low) = call(&app, "GET", "/api/v1/admin/low-stock", &admin, None).await;
        assert!(
            low["items"]
                .as_array()
                .is_some_and(|i| i.iter().any(|x| x["sku"] == sku && x["on_hand"] == 3)),
            "{low}"
        );
        let (status, body) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/orders/{number}/cancel-lines"),
            &admin,
            Some(
                json!({"lines": [{"line_id": placed["lines"][0]["id"], "quantity": 2}],
                        "reason": "Pièce bloquée en douane."}),
            ),
        )
        .await;
        assert_eq!(status, 200, "{body}");

        let (status, j) = call(
            &app,
            "GET",
            &format!("/api/v1/admin/variants/{sku}/stock-movements"),
            &admin,
            None,
        )
        .await;
        assert_eq!(status, 200, "{j}");
        let lines: Vec<(i64, i64, &str)> = j["items"]
            .as_array()
            .map(|i| {
                i.iter()
                    .map(|x| {
                        (
                            x["delta"].as_i64().unwrap_or(0),
                            x["on_hand"].as_i64().unwrap_or(0),
                            x["reason"].as_str().unwrap_or(""),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            lines,
            [(2, 5, "cancellation"), (-2, 3, "order"), (5, 5, "staff")],
            "{j}"
        );
        assert_eq!(j["items"][1]["order_number"], number.as_str());
        assert_eq!(j["items"][2]["staff_email"], "admin@maison.test");
        let (_, low) = call(&app, "GET", "/api/v1/admin/low-stock", &admin, None).await;
        assert!(
            !low["items"]
                .as_array()
                .is_some_and(|i| i.iter().any(|x| x["sku"] == sku)),
            "{low}"
        );
    }
}

/// Checks CAT-1, CAT-4, CAT-7 and PRV-8 through the back-office pages, without
/// JavaScript, on `milano` (SQLite) and `atelier` (PostgreSQL): the admin creates a product
/// with its texts in both languages, adds a variant typed in euros, publishes it and
/// schedules a promotion starting now; the shop's page shows the reduced price against the
/// 30-day lowest. The warehouse counts the units on the product's page and the count is in
/// the journal; customer service is refused the catalogue.
#[tokio::test]
async fn cat_1_the_admin_writes_the_catalogue_from_the_back_office() {
    use crate::account_pages::{csrf_of, post_form};
    use crate::staff_pages::{page, staff_login};
    for (db, profile) in [(Db::Sqlite, "milano"), (Db::Postgres, "atelier")] {
        let app = TestApp::spawn(db, profile).await;
        let (l, other) = if profile == "milano" {
            ("it", "en")
        } else {
            ("fr", "en")
        };
        set_clock(&app, "2027-02-01T10:00:00+01:00").await;
        let admin = staff_login(&app, l, "admin@maison.test", "the admin secret").await;
        let (status, html) = page(&app, &format!("/{l}/staff/products"), &admin).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("id=\"form-new-product\""), "{html}");
        let csrf = csrf_of(&html);
        let res = post_form(
            &app,
            &format!("/{l}/staff/products"),
            &admin,
            &[
                ("csrf", &csrf),
                ("slug", "anello-onda"),
                ("collection", "rivage"),
                ("category", "in_stock"),
                ("kind", "ring"),
                (&format!("name_{l}"), "Anello Onda"),
                (&format!("description_{l}"), "Oro martellato."),
                (&format!("name_{other}"), "Onda Ring"),
                (&format!("description_{other}"), "Hammered gold."),
            ],
        )
        .await;
        assert_eq!(res.status(), 303, "{profile}");
        let path = format!("/{l}/staff/products/anello-onda");
        let res = post_form(
            &app,
            &format!("{path}/variants"),
            &admin,
            &[
                ("csrf", &csrf),
                ("sku", "AO-YG-12"),
                ("metal", "yellow-gold"),
                ("stone", ""),
                ("size", "12"),
                ("weight_grams", "5"),
                ("price", "1 250,00"),
                ("on_hand", "3"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        // A price typed wrong is said on the page, nothing is written.
        let res = post_form(
            &app,
            &format!("{path}/variants"),
            &admin,
            &[
                ("csrf", &csrf),
                ("sku", "AO-YG-14"),
                ("metal", "yellow-gold"),
                ("weight_grams", "5"),
                ("price", "1.250,00"),
            ],
        )
        .await;
        assert_eq!(res.status(), 400);
        set_clock(&app, "2027-02-20T10:00:00+01:00").await;
        let admin = staff_login(&app, l, "admin@maison.test", "the admin secret").await;
        let (_, html) = page(&app, &path, &admin).await;
        let csrf = csrf_of(&html);
        let res = post_form(
            &app,
            &path,
            &admin,
            &[
                ("csrf", &csrf),
                ("published_shown", "1"),
                ("published", "1"),
                ("slug", "anello-onda"),
                ("collection", "rivage"),
                ("category", "in_stock"),
                ("kind", "ring"),
                (&format!("name_{l}"), "Anello Onda"),
                (&format!("name_{other}"), "Onda Ring"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        let res = post_form(
            &app,
            &format!("/{l}/staff/variants/AO-YG-12/promotions"),
            &admin,
            &[
                ("csrf", &csrf),
                ("price", "990"),
                ("starts_at", "2027-02-20T10:00"),
                ("ends_at", "2027-03-01T00:00"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        let (status, html) = page(&app, &path, &admin).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("AO-YG-12") && html.contains("form-promotion-AO-YG-12"),
            "{html}"
        );

        // A photograph from the page, as a browser sends the form without JavaScript.
        assert!(html.contains("enctype=\"multipart/form-data\""), "{html}");
        let alt_l = format!("alt_{l}");
        let (ct, body) = multipart(
            &[
                ("csrf", &csrf_of(&html)),
                (&alt_l, "Anello su una mano"),
                ("alt_en", "Ring on a hand"),
            ],
            Some((
                "file",
                "onda.jpg",
                &crate::after_sales::jpeg_with_gps(800, 800),
            )),
        );
        let res = app
            .client
            .post(app.url(&format!("{path}/photos")))
            .header("cookie", format!("ecrin_session={admin}"))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 303);
        let (_, html) = page(&app, &path, &admin).await;
        assert!(
            html.contains("alt=\"Anello su una mano\"") || html.contains("alt=\"Ring on a hand\""),
            "{html}"
        );
        let (ct, body) = multipart(
            &[("csrf", "stale")],
            Some(("file", "onda.jpg", b"not an image")),
        );
        let res = app
            .client
            .post(app.url(&format!("{path}/photos")))
            .header("cookie", format!("ecrin_session={admin}"))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 403, "a stale form is refused");

        let (_, p) = public_price(&app, "anello-onda", 99_000).await;
        assert_eq!(p["variants"][0]["price"], eur(99_000), "{p}");
        assert_eq!(p["variants"][0]["reference_price"], eur(125_000), "{p}");
        assert_eq!(p["name"], "Onda Ring");
        let (status, shop) = page(&app, &format!("/{other}/products/anello-onda"), "").await;
        assert_eq!(status, 200);
        assert!(shop.contains("Onda Ring"), "{shop}");

        // The catalogue's CSV from the page, and back in with a dry run.
        let res = app
            .get_with(
                &format!("/{l}/staff/catalogue.csv"),
                &[("cookie", &format!("ecrin_session={admin}"))],
            )
            .await;
        assert_eq!(res.status(), 200);
        let csv = res.text().await.unwrap_or_default();
        assert!(csv.contains("AO-YG-12"), "{csv}");
        let (_, list) = page(&app, &format!("/{l}/staff/products"), &admin).await;
        assert!(list.contains("id=\"form-import\""), "{list}");
        let (ct, body) = multipart(
            &[("csrf", &csrf_of(&list)), ("dry_run", "1")],
            Some(("file", "catalogue.csv", csv.as_bytes())),
        );
        let res = app
            .client
            .post(app.url(&format!("/{l}/staff/catalogue/import")))
            .header("cookie", format!("ecrin_session={admin}"))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        let report = res.text().await.unwrap_or_default();
        let every_row = if l == "it" {
            "Tutte le righe sono accettate."
        } else {
            "Toutes les lignes sont acceptées."
        };
        assert!(report.contains(every_row), "{report}");

        // The warehouse counts; customer service may not see the catalogue.
        for (email, role) in [
            ("stock@maison.test", ecrin_core::account::Role::Warehouse),
            (
                "desk@maison.test",
                ecrin_core::account::Role::CustomerService,
            ),
        ] {
            ecrin_app::staff::create_staff(
                &app.app,
                email,
                "Marco",
                role,
                "the staff secret phrase",
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        }
        let stock = staff_login(&app, l, "stock@maison.test", "the staff secret phrase").await;
        let (status, html) = page(&app, &path, &stock).await;
        assert_eq!(status, 200);
        let res = post_form(
            &app,
            &format!("/{l}/staff/variants/AO-YG-12"),
            &stock,
            &[("csrf", &csrf_of(&html)), ("on_hand", "7"), ("price", "1")],
        )
        .await;
        assert_eq!(res.status(), 303);
        let (_, html) = page(&app, &path, &stock).await;
        assert!(
            html.contains("stock@maison.test") && html.contains("+4"),
            "{html}"
        );
        let (_, p) = public(&app, "anello-onda", 200).await;
        assert_eq!(
            p["variants"][0]["price"],
            eur(99_000),
            "the warehouse sets no price"
        );
        let desk = staff_login(&app, l, "desk@maison.test", "the staff secret phrase").await;
        let (status, _) = page(&app, &format!("/{l}/staff/products"), &desk).await;
        assert_eq!(status, 403);
    }
}

/// Checks the back office's home on both databases (`milano`): before any sale the 90 days
/// read zero and nothing waits; once an order is paid the day's bar carries its total, it
/// waits to be shipped, and the home page draws the chart on the server with the day's
/// amount for screen readers. The warehouse sees what waits but no sales.
#[tokio::test]
async fn the_dashboard_sums_up_sales_orders_and_what_waits() {
    use crate::staff_pages::{page, staff_login};
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "milano").await;
        set_clock(&app, "2027-05-12T11:00:00+02:00").await;
        let admin = admin_token(&app).await;
        let (status, d) = call(&app, "GET", "/api/v1/admin/dashboard", &admin, None).await;
        assert_eq!(status, 200, "{d}");
        let days = d["sales_by_day"].as_array().cloned().unwrap_or_default();
        assert_eq!(days.len(), 90);
        assert_eq!(days[0]["day"], "2027-02-12");
        assert_eq!(days[89]["day"], "2027-05-12");
        assert!(days.iter().all(|x| x["amount"]["amount"] == 0), "{d}");
        assert_eq!(d["waiting"]["to_ship"], 0);

        let (token, number) = crate::fulfilment::placed(&app, "giulia@example.it").await;
        crate::fulfilment::pay(&app, &token, &number).await;
        let total = crate::fulfilment::order_total(&app, &token, &number).await;
        let (_, d) = call(&app, "GET", "/api/v1/admin/dashboard", &admin, None).await;
        assert_eq!(d["sales_by_day"][89]["amount"]["amount"], total, "{d}");
        assert_eq!(d["sales_by_day"][88]["amount"]["amount"], 0);
        assert_eq!(d["waiting"]["to_ship"], 1);
        assert_eq!(d["orders_by_status"]["being_prepared"], 1);

        let session = staff_login(&app, "it", "admin@maison.test", "the admin secret").await;
        let (status, html) = page(&app, "/it/staff", &session).await;
        assert_eq!(status, 200);
        assert!(html.contains("<svg class=\"sales-chart\""), "{html}");
        let amount = ecrin_app::i18n::Tr::new(ecrin_core::Lang::It).money(total);
        assert!(
            html.contains(&format!("12/05/2027 : {amount}")),
            "{amount}: {html}"
        );
        assert!(html.contains("Ordini da spedire"), "{html}");

        ecrin_app::staff::create_staff(
            &app.app,
            "stock@maison.test",
            "Marco",
            ecrin_core::account::Role::Warehouse,
            "the staff secret phrase",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let stock = staff_token(&app, "stock@maison.test", "the staff secret phrase").await;
        let (status, d) = call(&app, "GET", "/api/v1/admin/dashboard", &stock, None).await;
        assert_eq!(status, 200);
        assert!(d["sales_by_day"].is_null(), "{d}");
        assert_eq!(d["waiting"]["to_ship"], 1);

        // Sales are summed by the house's day, not the server's: 23:50 and 00:05 in Milan
        // are the same UTC day but two days of the chart.
        let mut paid = Vec::new();
        for (at, email) in [
            ("2027-05-12T23:50:00+02:00", "sera@example.it"),
            ("2027-05-13T00:05:00+02:00", "notte@example.it"),
        ] {
            set_clock(&app, at).await;
            let (token, number) = crate::fulfilment::placed(&app, email).await;
            crate::fulfilment::pay(&app, &token, &number).await;
            paid.push(crate::fulfilment::order_total(&app, &token, &number).await);
        }
        let (_, d) = call(&app, "GET", "/api/v1/admin/dashboard", &admin, None).await;
        assert_eq!(d["sales_by_day"][89]["day"], "2027-05-13", "{d}");
        assert_eq!(d["sales_by_day"][89]["amount"]["amount"], paid[1], "{d}");
        assert_eq!(d["sales_by_day"][88]["day"], "2027-05-12", "{d}");
        assert_eq!(
            d["sales_by_day"][88]["amount"]["amount"],
            total + paid[0],
            "{d}"
        );
    }
}

/// A `multipart/form-data` body of text fields and one file: its content type and bytes.
pub(crate) fn multipart(
    fields: &[(&str, &str)],
    file: Option<(&str, &str, &[u8])>,
) -> (String, Vec<u8>) {
    let boundary = "ecrin-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    app: &TestApp,
    token: &str,
    slug: &str,
    file_name: &str,
    bytes: &[u8],
    alt: &str,
) -> (u16, Value) {
    let (ct, body) = multipart(&[("alt_en", alt)], Some(("file", file_name, bytes)));
    let res = app
        .client
        .post(app.url(&format!("/api/v1/admin/products/{slug}/photos")))
        .bearer_auth(token)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

/// Checks CAT-1's photos on both databases: a real camera-style JPEG (with an EXIF block
/// naming a GPS position) and a PNG are taken, resized once to the widths under their own
/// in WebP and JPEG, kept by content under the media folder without any metadata, and
/// served for a year with their name as ETag (304 on a match); the same photo sent twice
/// is one set of files. A PDF named `.jpg`, a file over 15 MiB and an upload without a file
/// are refused with their codes; the warehouse may not add photos.
#[tokio::test]
async fn cat_1_photos_are_checked_cleaned_resized_and_served_for_a_year() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let admin = admin_token(&app).await;
        on_sale(&app, &admin, "bague-photo", "BPH-YG-1").await;

        let jpeg = crate::after_sales::jpeg_with_gps(1200, 900);
        assert!(jpeg.windows(11).any(|w| w == b"GPSLatitude"));
        let (status, p) = upload(
            &app,
            &admin,
            "bague-photo",
            "IMG_0042.JPG",
            &jpeg,
            "Ring on a hand",
        )
        .await;
        assert_eq!(status, 201, "{p}");
        assert_eq!(p["position"], 0);
        assert_eq!(p["width"], 1200);
        assert_eq!(p["file_name"], "IMG_0042.JPG");
        assert_eq!(p["alt"]["en"], "Ring on a hand");
        assert_eq!(
            p["alt"]["fr"], "Ring on a hand",
            "a language left empty reads as one given"
        );
        let widths: Vec<&String> = p["urls"]
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert_eq!(widths, ["1200", "480", "960"], "{p}");
        let url = p["urls"]["960"].as_str().unwrap_or_default().to_owned();
        let res = app.get(&url).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "image/jpeg");
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let etag = res.headers()["etag"]
            .to_str()
            .unwrap_or_default()
            .to_owned();
        let kept = res.bytes().await.unwrap_or_default();
        assert!(
            !kept.windows(11).any(|w| w == b"GPSLatitude"),
            "no GPS kept"
        );
        assert!(!kept.windows(4).any(|w| w == b"Exif"), "no EXIF kept");
        let served = image::load_from_memory(&kept).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((served.width(), served.height()), (960, 720));
        let res = app.get_with(&url, &[("if-none-match", &etag)]).await;
        assert_eq!(res.status(), 304);
        let webp = app.get(p["webp"]["480"].as_str().unwrap_or_default()).await;
        assert_eq!(webp.status(), 200);
        assert_eq!(webp.headers()["content-type"], "image/webp");
        let bytes = webp.bytes().await.unwrap_or_default();
        assert_eq!(&bytes[..4], b"RIFF");
        assert_eq!(&bytes[8..12], b"WEBP");

        let (status, q) = upload(
            &app,
            &admin,
            "bague-photo",
            "detail.png",
            &crate::after_sales::png(400, 300),
            "Detail",
        )
        .await;
        assert_eq!(status, 201, "{q}");
        assert_eq!(q["position"], 1);
        assert_eq!(
            q["urls"].as_object().map(|o| o.len()),
            Some(1),
            "smaller than every width: its own"
        );
        let (status, again) = upload(&app, &admin, "bague-photo", "copy.jpg", &jpeg, "Again").await;
        assert_eq!(status, 201);
        assert_eq!(
            again["urls"]["960"],
            url.as_str(),
            "one set of files per image"
        );

        let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n";
        let (status, body) = upload(&app, &admin, "bague-photo", "ring.jpg", pdf, "").await;
        assert_eq!(
            (status, body["errors"][0]["code"].as_str()),
            (400, Some("not_a_jpeg_or_png")),
            "{body}"
        );
        let mut big = jpeg.clone();
        big.resize(15 * 1024 * 1024 + 1, 0);
        let (status, body) = upload(&app, &admin, "bague-photo", "big.jpg", &big, "").await;
        assert_eq!(
            (status, body["errors"][0]["code"].as_str()),
            (400, Some("too_large")),
            "{body}"
        );
        let mut huge = jpeg.clone();
        huge.resize(20 * 1024 * 1024, 0);
        let (status, body) = upload(&app, &admin, "bague-photo", "huge.jpg", &huge, "").await;
        assert_eq!(
            (status, body["code"].as_str()),
            (413, Some("too_large")),
            "{body}"
        );
        let (ct, empty) = multipart(&[("alt_en", "nothing")], None);
        let res = app
            .client
            .post(app.url("/api/v1/admin/products/bague-photo/photos"))
            .bearer_auth(&admin)
            .header("content-type", ct)
            .body(empty)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 400);

        ecrin_app::staff::create_staff(
            &app.app,
            "stock@maison.test",
            "Marco",
            ecrin_core::account::Role::Warehouse,
            "the staff secret phrase",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let stock = staff_token(&app, "stock@maison.test", "the staff secret phrase").await;
        let (status, _) = upload(
            &app,
            &stock,
            "bague-photo",
            "x.png",
            &crate::after_sales::png(10, 10),
            "",
        )
        .await;
        assert_eq!(status, 403);

        let (_, product) = call(
            &app,
            "GET",
            "/api/v1/admin/products/bague-photo",
            &admin,
            None,
        )
        .await;
        assert_eq!(
            product["photos"].as_array().map(Vec::len),
            Some(3),
            "{product}"
        );
        assert_eq!(app.get("/media/photos/not-a-photo.jpg").await.status(), 404);
        let (status, body) = call(
            &app,
            "POST",
            "/api/v1/admin/products/bague-photo/photos",
            &admin,
            Some(json!({})),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_multipart")),
            "{body}"
        );

        // The shop shows the gallery: every width in WebP and JPEG, each photo opening full
        // size by a link (no JavaScript); the catalogue's card and the API use the first.
        let mut html = String::new();
        for _ in 0..30 {
            let (_, _, body) = app.get_text("/en/products/bague-photo").await;
            html = body;
            if html.contains("id=\"gallery\"") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let webp_480 = p["webp"]["480"].as_str().unwrap_or_default();
        assert!(html.contains(&format!("{webp_480} 480w")), "{html}");
        assert!(html.contains("type=\"image/webp\""), "{html}");
        assert!(
            html.contains("href=\"#zoom-1\"") && html.contains("id=\"zoom-3\""),
            "{html}"
        );
        assert!(html.contains("alt=\"Ring on a hand\""), "{html}");
        assert!(html.contains(&format!(
            "src=\"{}\"",
            p["urls"]["1200"].as_str().unwrap_or_default()
        )));
        let (_, _, list) = app.get_text("/en/catalogue?q=martele").await;
        assert!(
            list.contains(&url),
            "the card shows the first photo: {list}"
        );
        let api = app.get_json("/api/v1/products/bague-photo").await;
        assert_eq!(api["image_url"], url.as_str());
    }
}

async fn export_csv(app: &TestApp, token: &str) -> String {
    let res = app
        .client
        .get(app.url("/api/v1/admin/catalogue/export"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/csv")
    );
    res.text().await.unwrap_or_default()
}

async fn import_csv(app: &TestApp, token: &str, csv: &str, dry_run: bool) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/admin/catalogue/import?dry_run={dry_run}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

/// Checks the catalogue's CSV on `paris` (SQLite) and `milano` (PostgreSQL): the demo
/// catalogue exported, imported and exported again gives the same file, the import
/// creating nothing. A file with a new product, a price change and three bad rows is
/// checked by a dry run that reports each bad row by line and column and writes nothing;
/// imported for real, the good rows are written and the bad ones reported the same way.
#[tokio::test]
async fn cat_1_the_catalogue_goes_out_and_back_in_as_csv() {
    for (db, profile) in [(Db::Sqlite, "paris"), (Db::Postgres, "milano")] {
        let app = TestApp::spawn(db, profile).await;
        let admin = admin_token(&app).await;
        let first = export_csv(&app, &admin).await;
        let rows = first.lines().count();
        assert!(rows > 20, "{first}");
        let (status, report) = import_csv(&app, &admin, &first, false).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["created"], 0, "{report}");
        assert_eq!(report["rejected"], json!([]), "{report}");
        let second = export_csv(&app, &admin).await;
        assert_eq!(first, second, "export, import, export gives the same file");

        let header = first.lines().next().unwrap_or_default().to_owned();
        let cols: Vec<&str> = header.split(',').collect();
        let row = |values: &[(&str, &str)]| {
            cols.iter()
                .map(|c| {
                    values
                        .iter()
                        .find(|(k, _)| k == c)
                        .map_or(String::new(), |(_, v)| (*v).to_owned())
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let (l, other) = if profile == "milano" {
            ("it", "en")
        } else {
            ("fr", "en")
        };
        let (name_l, name_o) = (format!("name_{l}"), format!("name_{other}"));
        let new = |sku: &str, price: &str, metal: &str| {
            row(&[
                ("handle", "creoles-soleil"),
                ("collection", "rivage"),
                ("category", "in_stock"),
                ("kind", "earrings"),
                ("published", "true"),
                (&name_l, "Créoles Soleil"),
                (&name_o, "Sun Hoops"),
                ("sku", sku),
                ("metal", metal),
                ("weight_grams", "3"),
                ("price", price),
                ("on_hand", "2"),
            ])
        };
        // The first demo variant, its price changed (read and written as CSV: descriptions
        // hold commas and quotes).
        let mut reader = csv::Reader::from_reader(first.as_bytes());
        let mut changed: Vec<String> = reader
            .records()
            .next()
            .and_then(Result::ok)
            .map(|r| r.iter().map(str::to_owned).collect())
            .unwrap_or_default();
        let price_at = cols.iter().position(|c| *c == "price").unwrap_or(0);
        let sku_at = cols.iter().position(|c| *c == "sku").unwrap_or(0);
        let changed_sku = changed[sku_at].clone();
        changed[price_at] = "4321.00".into();
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b' '))
            .from_writer(Vec::new());
        w.write_record(&changed).unwrap_or_else(|e| panic!("{e}"));
        let changed_line =
            String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
        let file = [
            header.clone(),
            new("CS-YG-1", "690.00", "yellow-gold"),
            new("CS-WG-1", "12.345", "white-gold"),
            new("CS-RG-1", "690", "unobtainium"),
            changed_line.trim_end().to_owned(),
            new("", "690", "yellow-gold"),
            new("CS-WG-2", "720.5", "white-gold"),
        ]
        .join("\n");
        let (status, dry) = import_csv(&app, &admin, &file, true).await;
        assert_eq!(status, 200, "{dry}");
        let rejected: Vec<(u64, String)> = dry["rejected"]
            .as_array()
            .map(|r| {
                r.iter()
                    .map(|x| {
                        (
                            x["line"].as_u64().unwrap_or(0),
                            x["column"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            rejected,
            [
                (3, "price".to_owned()),
                (4, "metal".to_owned()),
                (6, "sku".to_owned())
            ],
            "{dry}"
        );
        assert_eq!(dry["created"], 3, "{dry}");
        assert_eq!(
            export_csv(&app, &admin).await,
            first,
            "a dry run writes nothing"
        );

        let (status, done) = import_csv(&app, &admin, &file, false).await;
        assert_eq!(status, 200, "{done}");
        assert_eq!(done["rejected"], dry["rejected"], "{done}");
        assert_eq!(done["created"], 3, "{done}");
        let (_, p) = public(&app, "creoles-soleil", 200).await;
        let (_, adm) = call(
            &app,
            "GET",
            "/api/v1/admin/products/creoles-soleil",
            &admin,
            None,
        )
        .await;
        assert_eq!(p["name"], "Sun Hoops", "{p} {adm}");
        let prices: Vec<i64> = p["variants"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|x| x["price"]["amount"].as_i64())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(prices, [69_000, 72_050], "{p}");
        let (_, v) = call(
            &app,
            "GET",
            &format!("/api/v1/admin/variants/{changed_sku}/stock-movements"),
            &admin,
            None,
        )
        .await;
        assert!(v["items"].is_array(), "{v}");
        let after = export_csv(&app, &admin).await;
        assert!(
            after.contains(&format!("{changed_sku},")) && after.contains("4321.00"),
            "{after}"
        );
    }
}

/// A product export of Shopify in its published layout: a ring in three variants (the
/// last without SKU) and an extra image row, a draft necklace, and a ring in a metal the
/// house does not know.
const SHOPIFY: &str = "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,Image Alt Text,Gift Card,SEO Title,SEO Description,Variant Image,Variant Weight Unit,Variant Tax Code,Cost per item,Status
bague-aurore,Bague Aurore,\"<p>Anneau en or jaune, <strong>poli miroir</strong>.</p><p>Fait main&nbsp;à Paris.</p>\",Maison,Apparel & Accessories > Jewelry > Rings,Bagues,or,TRUE,Métal,Or jaune,Taille,52,,,AUR-YG-52,4,shopify,3,deny,manual,890.00,,TRUE,TRUE,,https://cdn.shopify.com/s/files/1/aurore-1.jpg?v=17,1,Bague Aurore,FALSE,,,,g,,,active
bague-aurore,,,,,,,,,Or jaune,,54,,,AUR-YG-54,4,shopify,2,deny,manual,890.00,,TRUE,TRUE,,https://cdn.shopify.com/s/files/1/aurore-2.jpg?v=17,2,,,,,,g,,,
bague-aurore,,,,,,,,,Or blanc,,52,,,,4,shopify,1,deny,manual,950.00,990.00,TRUE,TRUE,,,,,,,,,g,,,
bague-aurore,,,,,,,,,,,,,,,,,,,,,,,,,https://cdn.shopify.com/s/files/1/aurore-3.jpg,3,,,,,,,,,
collier-ete,Collier Été,<p>Chaîne fine</p>,Maison,,Colliers,,TRUE,Métal,Platine,,,,,ETE-PT,6,shopify,0,deny,manual,1200.00,,TRUE,TRUE,,,,,FALSE,,,,g,,,draft
bague-lune,Bague Lune,,Maison,,Bagues,,TRUE,Métal,Titane,,,,,LUN-1,3,shopify,1,deny,manual,300.00,,TRUE,TRUE,,,,,FALSE,,,,g,,,active
";

/// Checks CAT-1, CAT-2, CAT-3: a house moving from Shopify imports its product export as
/// it is. A dry run reports what it would create and the refused row (an unknown metal,
/// by line and Shopify's column) and writes nothing; the import then creates the
/// products, their variants (a SKU made for the one without), the collection their type
/// names, prices and stock, the description as text, a draft left unpublished; importing
/// the same file again creates nothing.
#[tokio::test]
async fn cat_1_a_shopify_product_export_is_imported_as_it_is() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let admin = admin_token(&app).await;
        let (status, dry) = import_csv(&app, &admin, SHOPIFY, true).await;
        assert_eq!(status, 200, "{dry}");
        assert_eq!(
            (dry["created"].as_i64(), dry["updated"].as_i64()),
            (Some(6), Some(0)),
            "{dry}"
        );
        assert_eq!(
            dry["rejected"],
            json!([{"line": 7, "column": "Option1 Value",
            "message": "no metal of the house is called “Titane”"}])
        );
        let (status, _) = call(
            &app,
            "GET",
            "/api/v1/admin/products/bague-aurore",
            &admin,
            None,
        )
        .await;
        assert_eq!(status, 404, "a dry run writes nothing");

        let (status, done) = import_csv(&app, &admin, SHOPIFY, false).await;
        assert_eq!(status, 200);
        assert_eq!(
            (
                done["created"].as_i64(),
                done["rejected"].as_array().map(Vec::len)
            ),
            (Some(6), Some(1)),
            "{done}"
        );
        let (status, p) = call(
            &app,
            "GET",
            "/api/v1/admin/products/bague-aurore",
            &admin,
            None,
        )
        .await;
        assert_eq!(status, 200, "{p}");
        assert_eq!(p["texts"]["fr"]["name"], "Bague Aurore");
        assert_eq!(
            p["texts"]["fr"]["description"],
            "Anneau en or jaune, poli miroir.\nFait main à Paris."
        );
        assert_eq!(
            (
                p["collection"].as_str(),
                p["kind"].as_str(),
                p["published"].as_bool()
            ),
            (Some("bagues"), Some("ring"), Some(true)),
            "{p}"
        );
        let variants = p["variants"].as_array().cloned().unwrap_or_default();
        let skus: Vec<&str> = variants.iter().filter_map(|v| v["sku"].as_str()).collect();
        assert_eq!(skus, ["AUR-YG-52", "AUR-YG-54", "BAGUE-AURORE-OR-BLANC-52"]);
        let white = &variants[2];
        assert_eq!(
            (
                white["price"]["amount"].as_i64(),
                white["list_price"]["amount"].as_i64()
            ),
            (Some(95_000), Some(99_000)),
            "{white}"
        );
        assert_eq!(
            (
                variants[0]["size"].as_str(),
                variants[0]["on_hand"].as_i64(),
                variants[0]["weight_grams"].as_i64()
            ),
            (Some("52"), Some(3), Some(4))
        );
        assert_ne!(variants[0]["metal"], white["metal"]);
        let (_, ete) = call(
            &app,
            "GET",
            "/api/v1/admin/products/collier-ete",
            &admin,
            None,
        )
        .await;
        assert_eq!(
            (
                ete["published"].as_bool(),
                ete["kind"].as_str(),
                ete["collection"].as_str()
            ),
            (Some(false), Some("necklace"), Some("colliers")),
            "{ete}"
        );
        // Visitors find the published ring, in its new collection.
        let list = app
            .get_json("/api/v1/products?collection=bagues&lang=fr")
            .await;
        assert_eq!(list["items"][0]["slug"], "bague-aurore", "{list}");

        let (_, again) = import_csv(&app, &admin, SHOPIFY, false).await;
        assert_eq!(
            (again["created"].as_i64(), again["updated"].as_i64()),
            (Some(0), Some(6)),
            "{again}"
        );
    }
}

const CSV_COLUMNS: [&str; 22] = [
    "handle",
    "collection",
    "category",
    "kind",
    "published",
    "published_from",
    "published_until",
    "lead_time_days",
    "name_fr",
    "description_fr",
    "name_en",
    "description_en",
    "sku",
    "metal",
    "stone",
    "size",
    "weight_grams",
    "price",
    "list_price",
    "on_hand",
    "low_stock_threshold",
    "photos",
];

/// A cell as a house's spreadsheet may hold it: a sensible value, or anything at all.
fn csv_cell() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        Just(String::new()),
        Just("bague-test".to_owned()),
        Just("TST-001-YG".to_owned()),
        Just("yellow-gold".to_owned()),
        Just("in_stock".to_owned()),
        Just("true".to_owned()),
        Just("2027-01-01T00:00:00Z".to_owned()),
        "[0-9]{1,7}([.,][0-9]{1,3})?",
        "-?[0-9]{1,20}",
        "\\PC{0,24}",
        "[\",;\n\r\t ]{1,4}",
    ]
}

/// CAT-1: any catalogue file, checked with a dry run, is answered by a report and never
/// by a failure: each refusal names a line of the file and one of its columns (or none,
/// for a line that cannot be read; or a required column the file lacks), and nothing is
/// written.
#[test]
fn cat_1_any_catalogue_csv_is_checked_row_by_row() {
    use proptest::prelude::*;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = rt.block_on(TestApp::spawn(Db::Sqlite, "paris"));
    let admin = rt
        .block_on(ecrin_app::staff::by_email(
            &app.app,
            crate::support::ADMIN_EMAIL,
        ))
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no admin"));
    let products = rt.block_on(app.app.store.count_products()).unwrap_or(-1);
    let columns =
        proptest::sample::subsequence(CSV_COLUMNS.to_vec(), 0..=CSV_COLUMNS.len()).prop_shuffle();
    let file = columns.prop_flat_map(|header| {
        let width = header.len().max(1);
        (
            Just(header),
            prop::collection::vec(prop::collection::vec(csv_cell(), 0..=width + 1), 0..6),
            prop_oneof![Just(b','), Just(b';')],
        )
    });
    let config = ProptestConfig {
        cases: 96,
        ..ProptestConfig::default()
    };
    proptest!(config, |((header, rows, delimiter) in file)| {
        let mut w = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_writer(Vec::new());
        let _ = w.write_record(&header);
        for r in &rows {
            let _ = w.write_record(r);
        }
        let bytes = w.into_inner().unwrap_or_default();
        let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        let report = rt.block_on(ecrin_app::catalogue_csv::import(&app.app, &admin.id, &bytes, true, |_| {}));
        let report = match report {
            Ok(r) => r,
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        };
        for r in &report.rejected {
            prop_assert!(r.line >= 1 && r.line <= lines, "{:?} of {} lines", r, lines);
            // A column of the file, or one a new piece needs that the file lacks.
            let lacking = ["required", "missing column"].contains(&r.message.as_str())
                && CSV_COLUMNS.contains(&r.column.as_str());
            prop_assert!(r.column.is_empty() || header.contains(&r.column.as_str()) || lacking,
                "{:?} not a column of {:?}", r, header);
            prop_assert!(!r.message.is_empty());
        }
    });
    assert_eq!(
        rt.block_on(app.app.store.count_products()).unwrap_or(-2),
        products,
        "a dry run writes nothing"
    );
}
