//! The basket on the pages, without JavaScript: a visitor's basket in the session cookie,
//! joined to the account at login; line changes; the quote request (BSK-1 … BSK-5, ACC-6).

use crate::account_pages::{cookie_value, csrf_of, post_form};
use crate::basket::{call, customer_token, sku};
use crate::support::TestApp;
use ecrin_store_tests::{BOTH, Db};
use serde_json::json;

pub(crate) async fn page(app: &TestApp, path: &str, session: &str) -> (u16, String) {
    let res = app
        .get_with(path, &[("cookie", &format!("ecrin_session={session}"))])
        .await;
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

pub(crate) fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A visitor's first addition: no session yet, so the answer starts one.
async fn first_addition(app: &TestApp, fields: &[(&str, &str)]) -> String {
    let res = post_form(app, "/fr/basket/items", "", fields).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/fr/basket");
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    // BSK-3: the basket's cookie ends with the browser.
    assert!(
        cookie.starts_with("ecrin_session=") && !cookie.contains("Max-Age"),
        "{cookie}"
    );
    cookie_value(&res, "ecrin_session").unwrap_or_default()
}

/// Checks ACC-6, BSK-3, BSK-4.
#[tokio::test]
async fn acc_6_a_visitors_basket_joins_the_account_at_login() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let token = customer_token(&app, "claire@example.fr").await;
        let ring = sku(&app, "jonc-trait", 0).await;
        let medal = sku(&app, "medaille-gravee-signature", 0).await;
        let (status, _) = call(
            &app,
            "POST",
            "/api/v1/basket/items",
            &token,
            Some(json!({"sku": ring, "quantity": 1})),
        )
        .await;
        assert_eq!(status, 201);

        // A visitor fills a basket on the pages.
        let visitor = first_addition(&app, &[("sku", &ring), ("quantity", "2")]).await;
        let (_, html) = page(&app, "/fr/products/medaille-gravee-signature", &visitor).await;
        let csrf = csrf_of(&html);
        assert_eq!(
            csrf.len(),
            48,
            "the product page carries the session's token"
        );
        let res = post_form(
            &app,
            "/fr/basket/items",
            &visitor,
            &[
                ("csrf", &csrf),
                ("sku", &medal),
                ("quantity", "1"),
                ("personalisation", "<b>Léa</b> & 💎"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        let (status, html) = page(&app, "/fr/basket", &visitor).await;
        assert_eq!(status, 200);
        assert!(html.contains("3 pièces"), "{db:?}");
        assert!(
            html.contains("&#60;b&#62;Léa&#60;/b&#62; &#38; 💎")
                || html.contains("&lt;b&gt;Léa&lt;/b&gt; &amp; 💎"),
            "the engraving is shown back exactly and safely"
        );
        // ACC-6: ordering asks for a login, which comes back to the checkout.
        assert!(html.contains("/fr/account/login?next=/fr/checkout"));

        // ACC-6: logging in joins the two baskets and comes back to the basket.
        let (_, login) = page(&app, "/fr/account/login?next=/fr/basket", &visitor).await;
        assert!(login.contains("name=\"next\" value=\"/fr/basket\""));
        let res = post_form(
            &app,
            "/fr/account/login",
            &visitor,
            &[
                ("csrf", &csrf_of(&login)),
                ("email", "claire@example.fr"),
                ("password", "rubis et onyx"),
                ("next", "/fr/basket"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/fr/basket");
        let customer = cookie_value(&res, "ecrin_session").unwrap_or_default();
        assert_ne!(customer, visitor);
        let (_, basket) = call(&app, "GET", "/api/v1/basket", &token, None).await;
        assert_eq!(basket["units"], 4, "{db:?}: {basket}");
        assert_eq!(basket["lines"][0]["quantity"], 3);
        assert_eq!(basket["lines"][1]["personalisation"], "<b>Léa</b> & 💎");
        let (_, html) = page(&app, "/fr/basket", &customer).await;
        assert!(html.contains("4 pièces"));
        assert!(
            html.contains("href=\"/fr/checkout\""),
            "a customer can order"
        );
        // The visitor's session and basket are gone.
        let (_, html) = page(&app, "/fr/basket", &visitor).await;
        assert!(html.contains("Votre panier est vide"));
    }
}

/// Checks BSK-1, BSK-4.
#[tokio::test]
async fn bsk_4_lines_change_and_leave_on_the_basket_page() {
    let app = TestApp::spawn(Db::Sqlite, "atelier").await;
    let ring = sku(&app, "jonc-trait", 0).await;
    let s = first_addition(&app, &[("sku", &ring), ("quantity", "1")]).await;
    let (_, html) = page(&app, "/fr/basket", &s).await;
    let csrf = csrf_of(&html);
    let line = html
        .split("/fr/basket/lines/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let path = format!("/fr/basket/lines/{line}");

    let res = post_form(&app, &path, &s, &[("csrf", &csrf), ("quantity", "4")]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = page(&app, "/fr/basket", &s).await;
    assert!(html.contains("4 pièces"));

    // BSK-1 on the page: the refusal is said in the visitor's language.
    let res = post_form(&app, &path, &s, &[("csrf", &csrf), ("quantity", "21")]).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap_or_default();
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("au plus 20 exemplaires"), "{html}");

    for (fields, status) in [
        (vec![("csrf", csrf.as_str()), ("quantity", "many")], 400),
        (vec![("csrf", "forged"), ("quantity", "2")], 403),
    ] {
        let res = post_form(&app, &path, &s, &fields).await;
        assert_eq!(res.status(), status);
    }
    // Another visitor cannot touch this line.
    let other = first_addition(&app, &[("sku", &ring), ("quantity", "1")]).await;
    let (_, other_html) = page(&app, "/fr/basket", &other).await;
    let res = post_form(
        &app,
        &path,
        &other,
        &[("csrf", &csrf_of(&other_html)), ("quantity", "9")],
    )
    .await;
    assert_eq!(res.status(), 404);

    let res = post_form(&app, &path, &s, &[("csrf", &csrf), ("remove", "1")]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = page(&app, "/fr/basket", &s).await;
    assert!(html.contains("Votre panier est vide"));
}

/// A form from another site, for a visitor without a session, is refused.
#[tokio::test]
async fn bsk_4_a_cross_site_form_adds_nothing() {
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    let ring = sku(&app, "jonc-trait", 0).await;
    let cross_site = |cookie: Option<String>| {
        let mut req = app
            .client
            .post(app.url("/fr/basket/items"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", "https://elsewhere.example")
            .body(format!("sku={ring}&quantity=3"));
        if let Some(s) = cookie {
            req = req.header("cookie", format!("ecrin_session={s}"));
        }
        req.send()
    };
    // A stranger's first addition from another site: refused, nothing in a basket.
    let res = cross_site(None).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 403);
    if let Some(started) = cookie_value(&res, "ecrin_session") {
        let (_, html) = page(&app, "/fr/basket", &started).await;
        assert!(html.contains("Votre panier est vide"), "{html}");
    }
    // A visitor with one ring: another site's form, sent with their cookie (it cannot
    // read the page's token), adds nothing to it.
    let s = first_addition(&app, &[("sku", &ring), ("quantity", "1")]).await;
    let (status, before) = page(&app, "/fr/basket", &s).await;
    assert_eq!(status, 200);
    assert!(before.contains("Une pièce"), "{before}");
    let res = cross_site(Some(s.clone()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 403);
    let (status, after) = page(&app, "/fr/basket", &s).await;
    assert_eq!(status, 200);
    assert!(
        after.contains("Une pièce") && !after.contains("4 pièces"),
        "the same basket, nothing added: {after}"
    );
}

/// Checks BSK-5, ACC-1.
#[tokio::test]
async fn bsk_5_beyond_the_threshold_the_page_offers_a_quote_request() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let list = app.get_json("/api/v1/products?availability=in_stock").await;
        let mut skus = Vec::new();
        for p in list["items"].as_array().cloned().unwrap_or_default() {
            let slug = p["slug"].as_str().unwrap_or_default();
            skus.push(sku(&app, slug, 0).await);
            if skus.len() == 4 {
                break;
            }
        }
        let s = first_addition(&app, &[("sku", &skus[0]), ("quantity", "20")]).await;
        let (_, html) = page(&app, "/fr/basket", &s).await;
        let csrf = csrf_of(&html);
        for (sku, n) in [(&skus[1], "20"), (&skus[2], "5")] {
            let res = post_form(
                &app,
                "/fr/basket/items",
                &s,
                &[("csrf", &csrf), ("sku", sku), ("quantity", n)],
            )
            .await;
            assert_eq!(res.status(), 303);
        }
        // 45 pieces, and 20 more would pass the quote threshold of 60.
        let res = post_form(
            &app,
            "/fr/basket/items",
            &s,
            &[("csrf", &csrf), ("sku", &skus[3]), ("quantity", "20")],
        )
        .await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap_or_default();
        assert!(html.contains("la maison établit un devis"), "{db:?}");
        assert!(html.contains("href=\"/fr/quote\""));

        let (status, form) = page(&app, "/fr/quote", &s).await;
        assert_eq!(status, 200);
        assert!(form.contains("20 ×"), "the basket's pieces are listed");
        let csrf = csrf_of(&form);
        let res = post_form(
            &app,
            "/fr/quote",
            &s,
            &[
                ("csrf", &csrf),
                ("name", "Maison Rossi"),
                ("email", "not-an-address"),
                ("message", ""),
            ],
        )
        .await;
        assert_eq!(res.status(), 400);
        let html = res.text().await.unwrap_or_default();
        assert!(html.contains("href=\"#f-email\"") && html.contains("href=\"#f-message\""));
        let res = post_form(
            &app,
            "/fr/quote",
            &s,
            &[
                ("csrf", &csrf),
                ("name", "Giulia Rossi"),
                ("company", "Rossi & Figli <SpA>"),
                ("email", "giulia@rossi.example"),
                ("message", "Sixty-five pieces\nfor our boutiques."),
            ],
        )
        .await;
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap_or_default();
        assert!(html.contains("Votre demande quo_"), "{html}");

        let quotes = app
            .app
            .store
            .quote_requests(10)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(quotes.len(), 1);
        assert_eq!(quotes[0].company, "Rossi & Figli <SpA>");
        assert_eq!(quotes[0].message, "Sixty-five pieces\nfor our boutiques.");
        let lines: serde_json::Value = serde_json::from_str(&quotes[0].lines).unwrap_or_default();
        assert_eq!(lines.as_array().map(Vec::len), Some(3));
        let mails = app
            .get_json("/api/v1/test/outbox?to=giulia%40rossi.example")
            .await;
        assert!(
            mails["items"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .contains("45 pièces du panier")
        );
        let merchant = app.app.profile.merchant.email.replace('@', "%40");
        let house = app
            .get_json(&format!("/api/v1/test/outbox?to={merchant}"))
            .await;
        assert!(
            house["items"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .contains("Rossi & Figli <SpA>")
        );
    }
}
