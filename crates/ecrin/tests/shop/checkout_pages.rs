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
