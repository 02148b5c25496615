//! The checkout's pages without JavaScript (CHK-2, CHK-5, CHK-7, ACC-6): the choices, the
//! summary with the terms to tick and the confirmation button, the order's page.

use crate::account_pages::{cookie_value, csrf_of, post_form};
use crate::basket_pages::{location, page};
use crate::checkout::ready_customer;
use crate::support::TestApp;
use ecrin_store_tests::Db;

/// Logs a customer in through the login page; their page session.
pub(crate) async fn page_login(app: &TestApp, lang: &str, email: &str) -> String {
    let res = app.get(&format!("/{lang}/account/login")).await;
    let visitor = cookie_value(&res, "ecrin_session").unwrap_or_default();
    let html = res.text().await.unwrap_or_default();
    let res = post_form(
        app,
        &format!("/{lang}/account/login"),
        &visitor,
        &[
            ("csrf", &csrf_of(&html)),
            ("email", email),
            ("password", "rubis et onyx"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    cookie_value(&res, "ecrin_session").unwrap_or_default()
}

/// Checks ACC-6, CHK-2, CHK-5, CHK-7: a visitor is asked to log in; a customer chooses,
/// reads the summary (each line before and after VAT, the rate, delivery, the date, both
/// addresses), must tick the terms, confirms with the button that says the obligation to
/// pay, and lands on the order's page.
#[tokio::test]
async fn chk_7_the_checkout_pages_from_basket_to_order() {
    for db in [Db::Sqlite, Db::Postgres] {
        let app = TestApp::spawn(db, "paris").await;
        // ACC-6: no session, no checkout: the login page, coming back here.
        let res = app.get("/fr/checkout").await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/fr/account/login?next=/fr/checkout");

        ready_customer(&app, "ana@example.fr", "jonc-rivage", 2).await;
        let session = page_login(&app, "fr", "ana@example.fr").await;
        let (status, html) = page(&app, "/fr/checkout", &session).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("Mode de livraison"));
        assert!(
            html.contains("12 rue des Orfèvres"),
            "the saved address is offered"
        );
        // A malformed new address: the form again, naming the fields.
        let csrf = csrf_of(&html);
        let res = post_form(
            &app,
            "/fr/checkout",
            &session,
            &[
                ("csrf", &csrf),
                ("method", "colissimo"),
                ("delivery", "new"),
                ("country", "ZZ"),
                ("billing", "same"),
            ],
        )
        .await;
        assert_eq!(res.status(), 400);
        let html = res.text().await.unwrap_or_default();
        assert!(
            html.contains("href=\"#f-delivery_address.line1\""),
            "{html}"
        );
        assert!(html.contains("id=\"f-delivery_address.line1\""));
        // The account's default address.
        let res = post_form(
            &app,
            "/fr/checkout",
            &session,
            &[
                ("csrf", &csrf),
                ("method", "colissimo"),
                ("billing", "same"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        let summary_path = location(&res);
        assert!(
            summary_path.starts_with("/fr/checkout/chk_"),
            "{summary_path}"
        );
        let (status, html) = page(&app, &summary_path, &session).await;
        assert_eq!(status, 200);
        for text in [
            "Prix unitaire HT",
            "20 %",
            "Total à payer",
            "Livraison estimée",
            "Adresse de livraison",
            "Adresse de facturation",
            "Je confirme ma commande avec obligation de paiement",
            "/fr/legal/terms?version=1.0",
        ] {
            assert!(html.contains(text), "{text} missing");
        }
        // The terms must be ticked.
        let csrf = csrf_of(&html);
        let order_path = format!("{summary_path}/order");
        let res = post_form(
            &app,
            &order_path,
            &session,
            &[
                ("csrf", &csrf),
                ("terms_version", "1.0"),
                ("payment_method", "card"),
                ("confirm", "1"),
            ],
        )
        .await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap_or_default();
        assert!(
            html.contains("J&#39;accepte les Conditions Générales de Vente")
                || html.contains("J'accepte les Conditions Générales de Vente")
                || html.contains("Cochez"),
            "{html}"
        );
        let res = post_form(
            &app,
            &order_path,
            &session,
            &[
                ("csrf", &csrf),
                ("terms_version", "1.0"),
                ("payment_method", "card"),
                ("accept_terms", "1"),
                ("confirm", "1"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        let order_page = location(&res);
        assert_eq!(order_page, "/fr/account/orders/000001");
        let (status, html) = page(&app, &order_page, &session).await;
        assert_eq!(status, 200);
        assert!(html.contains("Commande 000001"));
        assert!(html.contains("en attente de paiement"));
        // A second click on the button: the same order, not another.
        let res = post_form(
            &app,
            &order_path,
            &session,
            &[
                ("csrf", &csrf),
                ("terms_version", "1.0"),
                ("payment_method", "card"),
                ("accept_terms", "1"),
                ("confirm", "1"),
            ],
        )
        .await;
        assert_eq!(location(&res), "/fr/account/orders/000001");
        let (_, account) = page(&app, "/fr/account", &session).await;
        assert!(account.contains("/fr/account/orders/000001"));
        // Another customer sees neither the summary nor the order.
        ready_customer(&app, "bea@example.fr", "jonc-rivage", 1).await;
        let other = page_login(&app, "fr", "bea@example.fr").await;
        let (status, _) = page(&app, &summary_path, &other).await;
        assert_eq!(status, 404);
        let (status, _) = page(&app, &order_page, &other).await;
        assert_eq!(status, 404);
    }
}

/// Checks CHK-8, CHK-9, CHK-11, CHK-12 in the back office (`milano`): an admin publishes a
/// terms version; customer service confirms a boutique pick-up, records a dispute that
/// refuses the next order, and places a phone order on the customer's verbal confirmation.
#[tokio::test]
async fn chk_11_the_back_office_pages_of_orders() {
    let app = TestApp::spawn(Db::Sqlite, "milano").await;
    let admin =
        crate::staff_pages::staff_login(&app, "it", "admin@maison.test", "the admin secret").await;
    // CHK-8: a new version, in force at once.
    let (status, html) = page(&app, "/it/staff/terms", &admin).await;
    assert_eq!(status, 200);
    assert!(html.contains("in vigore"));
    let csrf = csrf_of(&html);
    let res = post_form(
        &app,
        "/it/staff/terms",
        &admin,
        &[
            ("csrf", &csrf),
            ("version", "1.1"),
            ("effective_from", ""),
            ("body_fr", "Conditions 1.1"),
            ("body_en", "Terms 1.1"),
            ("body_it", "Condizioni 1.1"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, html) = page(&app, "/it/staff/terms", &admin).await;
    assert!(html.contains("/it/legal/terms?version=1.1"));
    let res = post_form(
        &app,
        "/it/staff/terms",
        &admin,
        &[
            ("csrf", &csrf),
            ("version", "1.1"),
            ("body_fr", "x"),
            ("body_en", "x"),
            ("body_it", "x"),
        ],
    )
    .await;
    assert_eq!(res.status(), 409, "a version is published once");
    let (status, terms) = page(&app, "/it/legal/terms?version=1.1", &admin).await;
    assert_eq!(status, 200);
    assert!(terms.contains("Condizioni 1.1"));

    // CHK-12: a boutique pick-up, confirmed by customer service.
    let token = ready_customer(&app, "ana@example.it", "jonc-rivage", 1).await;
    let (_, s) = crate::basket::call(&app, "POST", "/api/v1/checkout", &token,
        Some(serde_json::json!({"delivery_method": "boutique_pickup", "pickup_boutique": "milano-brera"}))).await;
    let (status, o) = crate::basket::call(
        &app,
        "POST",
        "/api/v1/orders",
        &token,
        Some(serde_json::json!({
        "checkout_id": s["id"], "accept_terms": true, "terms_version": s["terms"]["version"],
        "confirm_obligation_to_pay": true, "payment_method": "bank_transfer"})),
    )
    .await;
    assert_eq!(status, 201, "{o}");
    let number = o["number"].as_str().unwrap_or_default().to_owned();
    let (_, html) = page(&app, "/it/staff/orders", &admin).await;
    assert!(html.contains("ritiro da confermare"), "{html}");
    let res = post_form(
        &app,
        &format!("/it/staff/orders/{number}/confirm-pickup"),
        &admin,
        &[("csrf", &csrf_of(&html))],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, html) = page(&app, "/it/staff/orders", &admin).await;
    assert!(html.contains("ritiro confermato"));

    // CHK-9: a dispute recorded on the customer's record refuses the next order.
    let (_, me) = crate::basket::call(&app, "GET", "/api/v1/me", &token, None).await;
    let id = me["id"].as_str().unwrap_or_default().to_owned();
    let (_, html) = page(&app, &format!("/it/staff/customers/{id}"), &admin).await;
    assert!(html.contains("Nessuna controversia"));
    assert!(
        html.contains(&number),
        "the customer's orders are on the record"
    );
    let res = post_form(
        &app,
        &format!("/it/staff/customers/{id}/dispute"),
        &admin,
        &[("csrf", &csrf_of(&html)), ("open", "1")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, html) = page(&app, &format!("/it/staff/customers/{id}"), &admin).await;
    assert!(html.contains("aperta una controversia"));

    // CHK-11: a phone order; the same rules apply (the dispute refuses it, and the
    // refusal shows on the record).
    let (status, html) = page(
        &app,
        &format!("/it/staff/customers/{id}/phone-order"),
        &admin,
    )
    .await;
    assert_eq!(status, 200);
    let piece = crate::basket::sku(&app, "bague-perle-rivage", 0).await;
    let fields = |csrf: &str| {
        vec![
            ("csrf".to_owned(), csrf.to_owned()),
            ("sku1".into(), piece.clone()),
            ("qty1".into(), "1".into()),
            ("method".into(), "courier".into()),
        ]
    };
    let body: Vec<(String, String)> = fields(&csrf_of(&html));
    let refs: Vec<(&str, &str)> = body.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = post_form(
        &app,
        &format!("/it/staff/customers/{id}/phone-order"),
        &admin,
        &refs,
    )
    .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap_or_default();
    assert!(html.contains("Leggi il riepilogo al cliente"), "{html}");
    let action = html
        .split(&format!("/it/staff/customers/{id}/phone-order/"))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let confirm = format!("/it/staff/customers/{id}/phone-order/{action}");
    let res = post_form(
        &app,
        &confirm,
        &admin,
        &[
            ("csrf", &csrf_of(&html)),
            ("terms_version", "1.1"),
            ("payment_method", "bank_transfer"),
        ],
    )
    .await;
    assert_eq!(
        res.status(),
        422,
        "the verbal confirmation must be recorded"
    );
    let res = post_form(
        &app,
        &confirm,
        &admin,
        &[
            ("csrf", &csrf_of(&html)),
            ("terms_version", "1.1"),
            ("payment_method", "bank_transfer"),
            ("verbal_confirmation", "1"),
        ],
    )
    .await;
    assert_eq!(
        res.status(),
        422,
        "an open dispute refuses a phone order too"
    );
    let (_, html) = page(&app, &format!("/it/staff/customers/{id}"), &admin).await;
    assert!(html.contains("order_refused:open_dispute"));
    let res = post_form(
        &app,
        &format!("/it/staff/customers/{id}/dispute"),
        &admin,
        &[("csrf", &csrf_of(&html)), ("open", "0")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let res = post_form(
        &app,
        &confirm,
        &admin,
        &[
            ("csrf", &csrf_of(&html)),
            ("terms_version", "1.1"),
            ("payment_method", "bank_transfer"),
            ("verbal_confirmation", "1"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, html) = page(&app, "/it/staff/orders", &admin).await;
    assert!(html.contains("Ordine telefonico"));
    let (_, list) = crate::basket::call(&app, "GET", "/api/v1/orders", &token, None).await;
    assert_eq!(
        list["items"][0]["acceptance"]["verbal_confirmation_by"]
            .as_str()
            .map(|s| s.starts_with("stf_")),
        Some(true),
        "{list}"
    );
}
