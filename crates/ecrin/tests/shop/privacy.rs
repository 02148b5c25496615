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
    let (status, body) = app
        .post_json(
            "/api/v1/sessions",
            &json!({"email": "admin@maison.test", "password": "the admin secret"}),
        )
        .await;
    assert_eq!(status, 201);
    body["token"].as_str().unwrap_or_default().to_owned()
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
            json!({"marketing_email": false, "partners": false})
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
            json!({"marketing_email": true, "partners": false})
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
        json!({"marketing_email": true, "partners": true})
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
