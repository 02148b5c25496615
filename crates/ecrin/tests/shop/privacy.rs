//! Personal data in "My Account" and the house's e-mail (PRV-2, PRV-3), over HTTP and
//! through a real SMTP server.

use crate::account_pages::{csrf_of, post_form};
use crate::basket::{call, customer_token};
use crate::smtp_sink::{SmtpSink, unfold};
use crate::support::TestApp;
use ecrin_app::mailer::{SmtpMailer, deliver_due};
use ecrin_store_tests::{BOTH, Db};
use serde_json::{Value, json};

async fn admin_token(app: &TestApp) -> String {
    crate::checkout::admin_token(app).await
}

async fn outbox(app: &TestApp, to: &str) -> Vec<Value> {
    app.get_json(&format!(
        "/api/v1/test/outbox?to={}",
        to.replace('@', "%40")
    ))
    .await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn newsletter(app: &TestApp, admin: &str, subject: &str) -> u64 {
    let (status, body) = call(
        app,
        "POST",
        "/api/v1/admin/newsletters",
        admin,
        Some(json!({"subject": subject, "text": "The winter collection is here.\n\nCome and see it."})),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    body["sent"].as_u64().unwrap_or(99)
}

/// Checks PRV-3.
#[tokio::test]
async fn prv_3_news_only_with_consent_and_withdrawn_in_one_click() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let yes = customer_token(&app, "oui@example.fr").await;
        let _no = customer_token(&app, "non@example.fr").await;
        let admin = admin_token(&app).await;

        // No consent, no news.
        let (_, me) = call(&app, "GET", "/api/v1/me", &yes, None).await;
        assert_eq!(
            me["consents"],
            json!({"marketing_email": false, "partners": false, "restriction": false, "objection": false})
        );
        assert_eq!(newsletter(&app, &admin, "Hiver").await, 0, "{db:?}");

        // Consent in My Account: marketing only; partners is a consent of its own.
        let (status, me) = call(
            &app,
            "PATCH",
            "/api/v1/me",
            &yes,
            Some(json!({"consents": {"marketing_email": true}})),
        )
        .await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(
            me["consents"],
            json!({"marketing_email": true, "partners": false, "restriction": false, "objection": false})
        );
        assert_eq!(newsletter(&app, &admin, "Hiver").await, 1);
        assert!(
            outbox(&app, "non@example.fr").await.len() == 1,
            "activation only"
        );
        let mail = outbox(&app, "oui@example.fr").await[0].clone();
        assert_eq!(mail["subject"], "Hiver");
        let link = mail["links"]
            .as_array()
            .and_then(|l| {
                l.iter()
                    .find(|u| u.as_str().is_some_and(|u| u.contains("/unsubscribe/")))
            })
            .and_then(Value::as_str)
            .unwrap_or_default()
            .replace("http://shop.test", "");
        assert!(link.starts_with("/fr/unsubscribe/"), "{mail}");

        // The link's page has one button; following the link alone changes nothing.
        let page = app.get(&link).await;
        assert_eq!(page.status(), 200);
        let (_, me) = call(&app, "GET", "/api/v1/me", &yes, None).await;
        assert_eq!(me["consents"]["marketing_email"], true);
        // The mail client's one-click post (RFC 8058), with no cookie.
        for _ in 0..2 {
            let res = app
                .client
                .post(app.url(&link))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("List-Unsubscribe=One-Click")
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(res.status(), 200);
        }
        let (_, me) = call(&app, "GET", "/api/v1/me", &yes, None).await;
        assert_eq!(me["consents"]["marketing_email"], false);
        assert_eq!(newsletter(&app, &admin, "Printemps").await, 0);

        // The history keeps what, when and which wording.
        let (_, history) = call(&app, "GET", "/api/v1/me/consents", &yes, None).await;
        let items = history["items"].as_array().cloned().unwrap_or_default();
        let summary: Vec<(bool, bool)> = items
            .iter()
            .map(|i| {
                (
                    i["granted"].as_bool().unwrap_or_default(),
                    i["wording"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("lien de désinscription"),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![(false, false), (true, false), (false, true)],
            "{history}"
        );
        assert!(
            items
                .iter()
                .all(|i| i["purpose"] == "marketing_email" && i["at"].is_string())
        );

        let res = app
            .client
            .post(app.url("/fr/unsubscribe/unknown"))
            .send()
            .await;
        assert_eq!(res.map(|r| r.status().as_u16()).ok(), Some(404));
        // Customers cannot send news.
        let (status, _) = call(
            &app,
            "POST",
            "/api/v1/admin/newsletters",
            &yes,
            Some(json!({"subject": "x", "text": "y"})),
        )
        .await;
        assert_eq!(status, 403);
    }
}

/// Checks PRV-3: the marketing e-mail leaves with `List-Unsubscribe` and
/// `List-Unsubscribe-Post`, through a real SMTP server.
#[tokio::test]
async fn prv_3_a_marketing_email_carries_the_one_click_headers() {
    let sink = SmtpSink::start().await;
    let mailer = SmtpMailer::new(&sink.url, "Maison Vauclair", "news@vauclair.example")
        .unwrap_or_else(|e| panic!("{e}"));
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    let token = customer_token(&app, "lea@example.fr").await;
    call(
        &app,
        "PATCH",
        "/api/v1/me",
        &token,
        Some(json!({"consents": {"marketing_email": true}})),
    )
    .await;
    let admin = admin_token(&app).await;
    assert_eq!(newsletter(&app, &admin, "Hiver").await, 1);
    while deliver_due(&app.app, &mailer).await.unwrap_or(0) > 0 {}
    let messages = sink.messages();
    let news = messages
        .iter()
        .map(|m| unfold(m))
        .find(|m| m.contains("Subject: Hiver"))
        .unwrap_or_default();
    assert!(
        news.contains("List-Unsubscribe: <http://shop.test/fr/unsubscribe/"),
        "{news}"
    );
    assert!(news.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    let activation = messages
        .iter()
        .map(|m| unfold(m))
        .find(|m| m.contains("Subject: Activez"))
        .unwrap_or_default();
    assert!(
        !activation.contains("List-Unsubscribe"),
        "not on service e-mails"
    );
}

/// Checks PRV-2, PRV-3: rectification and consents on the pages of My Account.
#[tokio::test]
async fn prv_2_prv_3_a_customer_corrects_and_chooses_in_my_account() {
    let app = TestApp::spawn(Db::Sqlite, "atelier").await;
    let token = customer_token(&app, "noe@example.fr").await;
    let (status, me) = call(
        &app,
        "PATCH",
        "/api/v1/me",
        &token,
        Some(json!({"given_name": "Noé <b>", "phone": "+33 6 12 34 56 78"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(me["given_name"], "Noé <b>");
    for (body, field) in [
        (json!({"given_name": ""}), "given_name"),
        (json!({"family_name": "x".repeat(10_000)}), "family_name"),
        (json!({"phone": "call me"}), "phone"),
        (json!({"title": "M.\u{0007}"}), "title"),
    ] {
        let (status, problem) = call(&app, "PATCH", "/api/v1/me", &token, Some(body)).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("validation_failed"))
        );
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }

    // The page: log in, tick both, save; the history shows both.
    let login = app.get("/fr/account/login").await;
    let session = crate::account_pages::cookie_value(&login, "ecrin_session").unwrap_or_default();
    let csrf = csrf_of(&login.text().await.unwrap_or_default());
    let res = post_form(
        &app,
        "/fr/account/login",
        &session,
        &[
            ("csrf", &csrf),
            ("email", "noe@example.fr"),
            ("password", "rubis et onyx"),
        ],
    )
    .await;
    let session = crate::account_pages::cookie_value(&res, "ecrin_session").unwrap_or_default();
    let html = app
        .get_with(
            "/fr/account",
            &[("cookie", &format!("ecrin_session={session}"))],
        )
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(html.contains("Noé &#60;b&#62;") || html.contains("Noé &lt;b&gt;"));
    let csrf = csrf_of(&html);
    let res = post_form(
        &app,
        "/fr/account/consents",
        &session,
        &[("csrf", "forged"), ("partners", "1")],
    )
    .await;
    assert_eq!(res.status(), 400);
    let res = post_form(
        &app,
        "/fr/account/consents",
        &session,
        &[("csrf", &csrf), ("marketing_email", "1"), ("partners", "1")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, me) = call(&app, "GET", "/api/v1/me", &token, None).await;
    assert_eq!(
        me["consents"],
        json!({"marketing_email": true, "partners": true, "restriction": false, "objection": false})
    );
    let html = app
        .get_with(
            "/fr/account?saved=1",
            &[("cookie", &format!("ecrin_session={session}"))],
        )
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(html.contains("Vos choix sont enregistrés"));
    assert!(
        html.contains("id=\"c-partners\" name=\"partners\" type=\"checkbox\" value=\"1\" checked")
    );
    assert!(html.contains("<q>J’accepte que la maison communique"));
}

fn address(city: &str) -> Value {
    json!({"given_name": "Inès", "family_name": "Roy", "line1": "12 rue de la Paix",
           "postcode": "75002", "city": city, "country": "fr", "phone": "+33 1 23 45 67 89"})
}

/// Checks ACC-5: several addresses, one default delivery address, another customer's is 404.
#[tokio::test]
async fn acc_5_addresses_with_one_default_delivery_address() {
    for db in BOTH {
        let app = TestApp::spawn(db, "milano").await;
        let token = customer_token(&app, "ines@example.fr").await;
        let other = customer_token(&app, "autre@example.fr").await;
        let (status, first) = call(
            &app,
            "POST",
            "/api/v1/me/addresses",
            &token,
            Some(address("Paris")),
        )
        .await;
        assert_eq!(status, 201, "{first}");
        assert_eq!(first["default_delivery"], true, "the first is the default");
        assert_eq!(first["country"], "FR");
        let mut second = address("Lyon");
        second["default_delivery"] = json!(true);
        let (_, second) = call(&app, "POST", "/api/v1/me/addresses", &token, Some(second)).await;
        let (_, me) = call(&app, "GET", "/api/v1/me", &token, None).await;
        let list = me["addresses"].as_array().cloned().unwrap_or_default();
        assert_eq!(list.len(), 2, "{db:?}");
        assert_eq!(list[0]["city"], "Lyon");
        assert_eq!(
            list.iter()
                .filter(|a| a["default_delivery"] == true)
                .count(),
            1
        );

        let path = format!(
            "/api/v1/me/addresses/{}",
            second["id"].as_str().unwrap_or("")
        );
        let (status, _) = call(&app, "DELETE", &path, &other, None).await;
        assert_eq!(status, 404, "another customer's address");
        let (status, _) = call(&app, "PUT", &path, &other, Some(address("Nice"))).await;
        assert_eq!(status, 404);
        let (status, _) = call(&app, "DELETE", &path, &token, None).await;
        assert_eq!(status, 204);
        let (_, me) = call(&app, "GET", "/api/v1/me", &token, None).await;
        assert_eq!(me["addresses"][0]["city"], "Paris");
        assert_eq!(
            me["addresses"][0]["default_delivery"], true,
            "the default moves"
        );

        for (body, field) in [
            (json!({"country": "XX"}), "country"),
            (json!({"line1": "x".repeat(5_000)}), "line1"),
            (json!({"city": ""}), "city"),
            (json!({"postcode": "75\u{0000}02"}), "postcode"),
        ] {
            let mut a = address("Paris");
            if let (Some(a), Some(b)) = (a.as_object_mut(), body.as_object()) {
                a.extend(b.clone());
            }
            let (status, problem) =
                call(&app, "POST", "/api/v1/me/addresses", &token, Some(a)).await;
            assert_eq!(
                (status, problem["errors"][0]["field"].as_str()),
                (400, Some(field))
            );
        }
    }
}

/// Checks PRV-2: download of everything held, restriction, objection, erasure.
#[tokio::test]
async fn prv_2_export_restrict_object_and_erase() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let token = customer_token(&app, "zoe@example.fr").await;
        call(
            &app,
            "POST",
            "/api/v1/me/addresses",
            &token,
            Some(address("Paris")),
        )
        .await;
        call(
            &app,
            "PATCH",
            "/api/v1/me",
            &token,
            Some(json!({"consents": {"marketing_email": true}})),
        )
        .await;
        let res = app
            .client
            .get(app.url("/api/v1/me/export"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        assert!(
            res.headers()
                .get("content-disposition")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("attachment; filename=\"my-data-"))
        );
        let data: Value = res.json().await.unwrap_or_default();
        assert_eq!(data["account"]["email"], "zoe@example.fr", "{db:?}");
        assert_eq!(data["addresses"][0]["line1"], "12 rue de la Paix");
        assert_eq!(data["consents"]["marketing_email"], true);
        assert_eq!(data["store_credit"], 0, "the credit with the shop");
        assert!(
            data["consents"]["history"]
                .as_array()
                .is_some_and(|h| h.len() == 2)
        );

        // Objection ends marketing; consenting again is refused while it stands.
        let (_, me) = call(
            &app,
            "PATCH",
            "/api/v1/me",
            &token,
            Some(json!({"consents": {"objection": true}})),
        )
        .await;
        assert_eq!(
            me["consents"],
            json!({"marketing_email": false, "partners": false, "restriction": false, "objection": true})
        );
        let (status, problem) = call(
            &app,
            "PATCH",
            "/api/v1/me",
            &token,
            Some(json!({"consents": {"marketing_email": true}})),
        )
        .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (422, Some("processing_restricted"))
        );
        let (_, me) = call(
            &app,
            "PATCH",
            "/api/v1/me",
            &token,
            Some(json!({"consents": {"restriction": true}})),
        )
        .await;
        assert_eq!(me["consents"]["restriction"], true);

        // Erasure: the person is gone, the city/postcode/country stay, the address is free.
        let (status, _) = call(&app, "DELETE", "/api/v1/me", &token, None).await;
        assert_eq!(status, 204);
        let (status, _) = call(&app, "GET", "/api/v1/me", &token, None).await;
        assert_eq!(status, 401, "every token revoked");
        let (status, _) = app
            .post_json(
                "/api/v1/sessions",
                &json!({"email": "zoe@example.fr", "password": "rubis et onyx"}),
            )
            .await;
        assert_eq!(status, 401);
        assert!(
            outbox(&app, "zoe@example.fr").await.is_empty(),
            "e-mails deleted"
        );
        let id = data["account"]["id"].as_str().unwrap_or_default();
        let kept = app
            .app
            .store
            .customer_by_id(id)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("the row stays"));
        assert_eq!(
            (
                kept.given_name.as_str(),
                kept.family_name.as_str(),
                kept.phone.as_str()
            ),
            ("", "", "")
        );
        assert!(!kept.email.contains("zoe"));
        let addresses = app.app.store.addresses_of(id).await.unwrap_or_default();
        assert_eq!(
            (
                addresses[0].line1.as_str(),
                addresses[0].given_name.as_str(),
                addresses[0].city.as_str(),
                addresses[0].postcode.as_str(),
                addresses[0].country.as_str()
            ),
            ("", "", "Paris", "75002", "FR")
        );
        // The address may be used for a new account.
        let again = customer_token(&app, "zoe@example.fr").await;
        assert!(!again.is_empty());
    }
}

/// A customer logged in on the pages: the session cookie.
pub(crate) async fn page_login(app: &TestApp, email: &str) -> String {
    let login = app.get("/fr/account/login").await;
    let session = crate::account_pages::cookie_value(&login, "ecrin_session").unwrap_or_default();
    let csrf = csrf_of(&login.text().await.unwrap_or_default());
    let res = post_form(
        app,
        "/fr/account/login",
        &session,
        &[
            ("csrf", &csrf),
            ("email", email),
            ("password", "rubis et onyx"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    crate::account_pages::cookie_value(&res, "ecrin_session").unwrap_or_default()
}

async fn account_html(app: &TestApp, session: &str) -> String {
    app.get_with(
        "/fr/account",
        &[("cookie", &format!("ecrin_session={session}"))],
    )
    .await
    .text()
    .await
    .unwrap_or_default()
}

/// Checks ACC-5, PRV-2: addresses, the data download and erasure on the pages.
#[tokio::test]
async fn acc_5_prv_2_my_account_pages_keep_addresses_and_erase_on_request() {
    let app = TestApp::spawn(Db::Postgres, "paris").await;
    customer_token(&app, "jade@example.fr").await;
    let s = page_login(&app, "jade@example.fr").await;
    let html = account_html(&app, &s).await;
    let csrf = csrf_of(&html);
    for section in [
        "id=\"identity\"",
        "id=\"addresses\"",
        "id=\"basket\"",
        "id=\"orders\"",
        "id=\"consents\"",
        "id=\"data\"",
    ] {
        assert!(html.contains(section), "{section}");
    }
    let fields = |country: &'static str, city: &'static str| {
        vec![
            ("given_name", "Jade"),
            ("family_name", "Martin"),
            ("line1", "3 quai <Voltaire>"),
            ("postcode", "75007"),
            ("city", city),
            ("country", country),
        ]
    };
    let mut bad = fields("XX", "Paris");
    bad.push(("csrf", &csrf));
    let res = post_form(&app, "/fr/account/addresses", &s, &bad).await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap_or_default();
    assert!(
        html.contains("href=\"#f-a-country\""),
        "the error names the field"
    );
    assert!(
        html.contains("value=\"3 quai &#60;Voltaire&#62;\"")
            || html.contains("value=\"3 quai &lt;Voltaire&gt;\"")
    );
    for city in ["Paris", "Lyon"] {
        let mut ok = fields("FR", city);
        ok.push(("csrf", &csrf));
        let res = post_form(&app, "/fr/account/addresses", &s, &ok).await;
        assert_eq!(res.status(), 303);
    }
    let html = account_html(&app, &s).await;
    assert_eq!(html.matches("class=\"address-card\"").count(), 2);
    assert_eq!(html.matches("Adresse de livraison par défaut").count(), 1);
    let second = html
        .split("/fr/account/addresses/")
        .nth(2)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let res = post_form(
        &app,
        &format!("/fr/account/addresses/{second}"),
        &s,
        &[("csrf", &csrf), ("action", "default")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let html = account_html(&app, &s).await;
    let first_card = html
        .split("class=\"address-card\"")
        .nth(1)
        .unwrap_or_default();
    assert!(first_card.contains("Lyon") && first_card.contains("Adresse de livraison par défaut"));

    // The download of everything held.
    let res = app
        .get_with(
            "/fr/account/export",
            &[("cookie", &format!("ecrin_session={s}"))],
        )
        .await;
    assert_eq!(res.status(), 200);
    let data: Value = res.json().await.unwrap_or_default();
    assert_eq!(data["addresses"].as_array().map(Vec::len), Some(2));
    assert_eq!(data["addresses"][0]["line1"], "3 quai <Voltaire>");

    // Erasure asks for the password.
    let res = post_form(
        &app,
        "/fr/account/erase",
        &s,
        &[("csrf", &csrf), ("password", "wrong")],
    )
    .await;
    assert_eq!(res.status(), 401);
    assert!(
        res.text()
            .await
            .unwrap_or_default()
            .contains("rien n’a été effacé")
    );
    let res = post_form(
        &app,
        "/fr/account/erase",
        &s,
        &[("csrf", &csrf), ("password", "rubis et onyx")],
    )
    .await;
    assert_eq!(res.status(), 200);
    let cleared = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with("ecrin_session=;") && c.contains("Max-Age=0"));
    assert!(cleared);
    assert!(
        res.text()
            .await
            .unwrap_or_default()
            .contains("Votre compte est effacé")
    );
    let res = app
        .get_with("/fr/account", &[("cookie", &format!("ecrin_session={s}"))])
        .await;
    assert_eq!(res.status(), 303, "the session ended with the account");
}

/// Checks PRV-4: a piece and the house sent to a friend; the friend's address leaves no
/// trace once the e-mail is sent; limited per customer.
#[tokio::test]
async fn prv_4_a_friend_receives_one_email_and_is_forgotten() {
    for db in BOTH {
        let sink = SmtpSink::start().await;
        let mailer = SmtpMailer::new(&sink.url, "Maison Vauclair", "service@vauclair.example")
            .unwrap_or_else(|e| panic!("{e}"));
        let app = TestApp::spawn(db, "paris").await;
        let token = customer_token(&app, "hugo@example.fr").await;
        while deliver_due(&app.app, &mailer).await.unwrap_or(0) > 0 {}

        let (status, body) = app
            .post_json(
                "/api/v1/share/product",
                &json!({"product": "solitaire-lumiere", "friend_email": "ami@example.fr"}),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("unauthorized")),
            "log in first"
        );
        let (status, body) = call(
            &app,
            "POST",
            "/api/v1/share/product",
            &token,
            Some(
                json!({"product": "solitaire-lumiere", "friend_email": "ami@example.fr",
                        "friend_name": "Léo", "message": "Pour ton anniversaire ? 💍"}),
            ),
        )
        .await;
        assert_eq!(status, 202, "{body}");
        let mails = outbox(&app, "ami@example.fr").await;
        assert_eq!(mails.len(), 1);
        let text = mails[0]["text"].as_str().unwrap_or_default();
        assert!(text.contains("Pour ton anniversaire ? 💍"), "{text}");
        assert!(text.contains("n’est pas conservée"));
        assert!(mails[0]["links"].as_array().is_some_and(|l| {
            l.iter()
                .any(|u| u == "http://shop.test/fr/products/solitaire-lumiere")
        }));
        let (status, _) = call(
            &app,
            "POST",
            "/api/v1/share/recommend",
            &token,
            Some(json!({"friend_email": "amie@example.fr"})),
        )
        .await;
        assert_eq!(status, 202);

        // Delivered, then gone: nothing of the friends' addresses remains.
        while deliver_due(&app.app, &mailer).await.unwrap_or(0) > 0 {}
        let delivered = sink
            .messages()
            .iter()
            .map(|m| unfold(m))
            .collect::<Vec<_>>();
        assert!(
            delivered.iter().any(|m| m.contains("To: ami@example.fr")),
            "{db:?}"
        );
        assert!(delivered.iter().any(|m| m.contains("To: amie@example.fr")));
        assert!(
            outbox(&app, "ami@example.fr").await.is_empty(),
            "{db:?}: forgotten"
        );
        assert!(outbox(&app, "amie@example.fr").await.is_empty());
        assert_eq!(
            outbox(&app, "hugo@example.fr").await.len(),
            1,
            "service e-mails stay"
        );

        // Bad input and the per-customer limit.
        for (body, field) in [
            (
                json!({"product": "no-such-piece", "friend_email": "a@example.fr"}),
                "product",
            ),
            (
                json!({"product": "solitaire-lumiere", "friend_email": "not an address"}),
                "friend_email",
            ),
            (
                json!({"product": "solitaire-lumiere", "friend_email": "a@example.fr", "message": "x".repeat(501)}),
                "message",
            ),
        ] {
            let (status, problem) =
                call(&app, "POST", "/api/v1/share/product", &token, Some(body)).await;
            assert_eq!(
                (status, problem["errors"][0]["field"].as_str()),
                (400, Some(field))
            );
        }
        for _ in 0..8 {
            call(
                &app,
                "POST",
                "/api/v1/share/recommend",
                &token,
                Some(json!({"friend_email": "b@example.fr"})),
            )
            .await;
        }
        let (status, problem) = call(
            &app,
            "POST",
            "/api/v1/share/recommend",
            &token,
            Some(json!({"friend_email": "c@example.fr"})),
        )
        .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (429, Some("rate_limited"))
        );
    }
}

/// Checks PRV-9: the contact form is kept as a ticket that customer service answers.
#[tokio::test]
async fn prv_9_a_question_becomes_a_ticket_and_is_answered() {
    for db in BOTH {
        let app = TestApp::spawn(db, "milano").await;
        let (status, body) = app
            .post_json(
                "/api/v1/contact",
                &json!({"name": "Marta <script>", "email": "marta@example.it", "subject": "Taglia",
                        "message": "Che misura per un anello?\nGrazie", "language": "it"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let reference = body["reference"].as_str().unwrap_or_default().to_owned();
        let ack = outbox(&app, "marta@example.it").await;
        assert!(
            ack[0]["subject"]
                .as_str()
                .unwrap_or_default()
                .contains(&reference)
        );
        for (patch, field) in [("email", "email"), ("message", "message"), ("name", "name")] {
            let mut bad =
                json!({"name": "M", "email": "m@example.it", "subject": "s", "message": "m"});
            bad[patch] = json!("");
            let (status, problem) = app.post_json("/api/v1/contact", &bad).await;
            assert_eq!(
                (status, problem["errors"][0]["field"].as_str()),
                (400, Some(field))
            );
        }

        let admin = admin_token(&app).await;
        let (status, list) = call(&app, "GET", "/api/v1/admin/tickets", &admin, None).await;
        assert_eq!(status, 200);
        assert_eq!(list["items"][0]["id"], reference.as_str(), "{db:?}");
        assert_eq!(list["items"][0]["name"], "Marta <script>");
        assert_eq!(
            list["items"][0]["message"],
            "Che misura per un anello?\nGrazie"
        );
        let path = format!("/api/v1/admin/tickets/{reference}/answer");
        let (status, t) = call(
            &app,
            "POST",
            &path,
            &admin,
            Some(json!({"answer": "La 52, di solito."})),
        )
        .await;
        assert_eq!(status, 200, "{t}");
        assert!(t["answered_at"].is_string());
        let (status, _) = call(
            &app,
            "POST",
            &path,
            &admin,
            Some(json!({"answer": "Again"})),
        )
        .await;
        assert_eq!(status, 409, "answered once");
        let mails = outbox(&app, "marta@example.it").await;
        assert!(
            mails[0]["text"]
                .as_str()
                .unwrap_or_default()
                .contains("La 52, di solito.")
        );
        assert!(
            mails[0]["subject"]
                .as_str()
                .unwrap_or_default()
                .starts_with("La nostra risposta")
        );

        // Five messages an hour from one address.
        for i in 0..4 {
            app.post_json(
                "/api/v1/contact",
                &json!({"name": "M", "email": "marta@example.it", "subject": format!("{i}"), "message": "m"}),
            )
            .await;
        }
        let (status, problem) = app
            .post_json(
                "/api/v1/contact",
                &json!({"name": "M", "email": "MARTA@example.it", "subject": "6", "message": "m"}),
            )
            .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (429, Some("rate_limited"))
        );
    }
}

/// Checks PRV-9, PRV-4 on the pages: the contact form and the friend form.
#[tokio::test]
async fn prv_9_prv_4_the_contact_and_friend_pages() {
    let app = TestApp::spawn(Db::Sqlite, "atelier").await;
    let res = app.get("/fr/contact").await;
    assert_eq!(res.status(), 200);
    let s = crate::account_pages::cookie_value(&res, "ecrin_session").unwrap_or_default();
    let csrf = csrf_of(&res.text().await.unwrap_or_default());
    let res = post_form(
        &app,
        "/fr/contact",
        &s,
        &[
            ("csrf", &csrf),
            ("name", "Al"),
            ("email", "x"),
            ("subject", ""),
            ("message", ""),
        ],
    )
    .await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap_or_default();
    assert!(html.contains("href=\"#f-email\"") && html.contains("href=\"#f-subject\""));
    let res = post_form(
        &app,
        "/fr/contact",
        &s,
        &[
            ("csrf", &csrf),
            ("name", "Al"),
            ("email", "al@example.fr"),
            ("subject", "Bague"),
            ("message", "Une question."),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap_or_default()
            .contains("Votre message tkt_")
    );

    // The friend form asks a visitor to log in first, then sends.
    let res = app.get("/fr/products/solitaire-lumiere/share").await;
    assert_eq!(res.status(), 303);
    customer_token(&app, "ana@example.fr").await;
    let session = page_login(&app, "ana@example.fr").await;
    let html = app
        .get_with(
            "/fr/products/solitaire-lumiere/share",
            &[("cookie", &format!("ecrin_session={session}"))],
        )
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(html.contains("Solitaire Lumière"));
    let res = post_form(
        &app,
        "/fr/products/solitaire-lumiere/share",
        &session,
        &[
            ("csrf", &csrf_of(&html)),
            ("friend_email", "lou@example.fr"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap_or_default()
            .contains("n’a pas été conservée")
    );
    assert_eq!(outbox(&app, "lou@example.fr").await.len(), 1);
}

/// Checks PRV-5: attempts on the sensitive forms are logged with address and browser;
/// only daily counts leave the system.
#[tokio::test]
async fn prv_5_sensitive_forms_are_logged_and_only_counts_leave() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        for password in ["wrong one", "wrong two"] {
            let res = app
                .client
                .post(app.url("/api/v1/sessions"))
                .header("user-agent", "Mozilla/5.0 (iPhone)\tSafari")
                .header("referer", "https://shop.test/fr/account/login")
                .json(&json!({"email": "nobody@example.fr", "password": password}))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(res.status(), 401);
        }
        let events = app.app.store.security_events(10).await.unwrap_or_default();
        assert_eq!(events.len(), 2, "{db:?}");
        assert_eq!(events[0].kind, "POST /api/v1/sessions");
        assert_eq!(events[0].status, 401);
        assert_eq!(events[0].ip, "127.0.0.1");
        assert_eq!(
            events[0].user_agent, "Mozilla/5.0 (iPhone)Safari",
            "control characters dropped"
        );
        assert_eq!(events[0].referrer, "https://shop.test/fr/account/login");
        // Reading the catalogue is not logged.
        app.get("/api/v1/products").await;
        assert_eq!(
            app.app
                .store
                .security_events(10)
                .await
                .unwrap_or_default()
                .len(),
            2
        );

        let admin = admin_token(&app).await;
        let (status, stats) = call(&app, "GET", "/api/v1/admin/security-stats", &admin, None).await;
        assert_eq!(status, 200);
        let items = stats["items"].as_array().cloned().unwrap_or_default();
        let failed = items
            .iter()
            .find(|i| i["kind"] == "POST /api/v1/sessions" && i["status"] == 401)
            .cloned()
            .unwrap_or_default();
        assert_eq!(failed["count"], 2, "{stats}");
        let text = stats.to_string();
        assert!(
            !text.contains("127.0.0.1") && !text.contains("iPhone"),
            "counts only"
        );
    }
}

/// Checks PRV-7: retention periods are purged: the security log after the profile's
/// days, ended sessions with their visitors' baskets, spent tokens.
#[tokio::test]
async fn prv_7_what_outlives_its_purpose_is_purged() {
    for db in BOTH {
        let app = TestApp::spawn(db, "atelier").await;
        let ring = crate::basket::sku(&app, "jonc-trait", 0).await;
        let visitor = post_form(
            &app,
            "/fr/basket/items",
            "",
            &[("sku", &ring), ("quantity", "1")],
        )
        .await;
        assert_eq!(visitor.status(), 303);
        app.post_json(
            "/api/v1/sessions",
            &json!({"email": "x@example.fr", "password": "nope"}),
        )
        .await;
        let nothing = ecrin_app::retention::purge(&app.app)
            .await
            .unwrap_or_default();
        assert!(
            nothing
                .iter()
                .all(|(what, n)| *n == 0 || *what == "api_tokens"),
            "{db:?}: nothing is due yet: {nothing:?}"
        );

        // A day later the session (12 hours) has ended and its basket goes with it.
        let (status, _) = app
            .post_json("/api/v1/test/clock", &json!({"advance": "P1D"}))
            .await;
        assert_eq!(status, 200);
        let purged = ecrin_app::retention::purge(&app.app)
            .await
            .unwrap_or_default();
        let count = |p: &ecrin_store::Purged, what: &str| {
            p.iter()
                .find(|(w, _)| *w == what)
                .map(|(_, n)| *n)
                .unwrap_or(0)
        };
        assert!(count(&purged, "web_sessions") >= 1, "{db:?}: {purged:?}");
        assert_eq!(count(&purged, "visitor_baskets"), 1);
        assert_eq!(count(&purged, "visitor_basket_lines"), 1);
        assert_eq!(count(&purged, "security_events"), 0, "kept 365 days");

        let (status, _) = app
            .post_json("/api/v1/test/clock", &json!({"advance": "P365D"}))
            .await;
        assert_eq!(status, 200);
        let purged = ecrin_app::retention::purge(&app.app)
            .await
            .unwrap_or_default();
        assert_eq!(count(&purged, "security_events"), 1, "{db:?}: {purged:?}");
        assert!(
            app.app
                .store
                .security_events(10)
                .await
                .unwrap_or_default()
                .is_empty()
        );
    }
}

/// Checks PRV-1: the privacy page states each field's purpose, from the list the code
/// keeps; no table of the schema holds card data.
#[tokio::test]
async fn prv_1_each_field_has_its_purpose_and_no_card_data_is_kept() {
    let app = TestApp::spawn(Db::Sqlite, "milano").await;
    let html = app
        .get("/it/legal/privacy")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(html.contains("<caption>Ogni dato e a cosa serve</caption>"));
    let t = ecrin_app::i18n::Tr::new(ecrin_core::Lang::It);
    for (field, purpose) in ecrin_app::privacy::FIELDS {
        let row = format!(
            "<th scope=\"row\">{}</th><td>{}</td>",
            t.t(field),
            t.t(purpose)
        );
        assert!(
            html.contains(&row.replace('’', "&#8217;")) || html.contains(&row),
            "{row}"
        );
    }
    for backend in ["store-sqlite", "store-postgres"] {
        let dir = format!("{}/../{backend}/migrations", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
            let path = entry.map(|e| e.path()).unwrap_or_default();
            let sql = std::fs::read_to_string(&path)
                .unwrap_or_default()
                .to_lowercase();
            for word in ["card_number", "pan ", "cvv", "cvc", "expiry_month"] {
                assert!(!sql.contains(word), "{}: {word}", path.display());
            }
        }
    }
}

/// Checks ACC-7: an admin closes an account; the customer is told why and can no longer
/// log in; customer service may suspend but not close.
#[tokio::test]
async fn acc_7_an_admin_closes_an_account_with_the_reason_emailed() {
    let app = TestApp::spawn(Db::Sqlite, "milano").await;
    let token = customer_token(&app, "rocco@example.it").await;
    let (_, me) = call(&app, "GET", "/api/v1/me", &token, None).await;
    let id = me["id"].as_str().unwrap_or_default().to_owned();
    ecrin_app::staff::create_staff(
        &app.app,
        "cs@maison.test",
        "Service",
        ecrin_core::account::Role::CustomerService,
        "a long staff secret",
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let (_, cs) = app
        .post_json(
            "/api/v1/sessions",
            &json!({"email": "cs@maison.test", "password": "a long staff secret"}),
        )
        .await;
    let path = format!("/api/v1/admin/customers/{id}/close");
    let reason = json!({"reason": "Reventes répétées <contraires aux conditions>"});
    let (status, _) = call(
        &app,
        "POST",
        &path,
        cs["token"].as_str().unwrap_or(""),
        Some(reason.clone()),
    )
    .await;
    assert_eq!(status, 403, "customer service does not close");
    let admin = admin_token(&app).await;
    let (status, record) = call(&app, "POST", &path, &admin, Some(reason)).await;
    assert_eq!((status, record["status"].as_str()), (200, Some("closed")));
    let (status, _) = call(&app, "GET", "/api/v1/me", &token, None).await;
    assert_eq!(status, 401, "sessions ended");
    let (status, _) = app
        .post_json(
            "/api/v1/sessions",
            &json!({"email": "rocco@example.it", "password": "rubis et onyx"}),
        )
        .await;
    assert_eq!(status, 401);
    let mail = outbox(&app, "rocco@example.it").await[0].clone();
    assert!(
        mail["subject"]
            .as_str()
            .unwrap_or_default()
            .contains("chiuso")
    );
    assert!(
        mail["text"]
            .as_str()
            .unwrap_or_default()
            .contains("Reventes répétées <contraires aux conditions>")
    );
}
