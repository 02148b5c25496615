//! The back-office pages (PRV-8, ACC-7, PRV-9, BSK-5): staff log in on a page, every page
//! checks the role, every view of a customer is logged.

use crate::account_pages::{cookie_value, csrf_of, post_form};
use crate::basket::customer_token;
use crate::support::TestApp;
use ecrin_core::account::Role;
use ecrin_store_tests::{BOTH, Db};
use serde_json::json;

pub(crate) async fn staff_login(app: &TestApp, lang: &str, email: &str, password: &str) -> String {
    let path = format!("/{lang}/staff/login");
    let res = app.get(&path).await;
    let s = cookie_value(&res, "ecrin_session").unwrap_or_default();
    let csrf = csrf_of(&res.text().await.unwrap_or_default());
    let res = post_form(
        app,
        &path,
        &s,
        &[("csrf", &csrf), ("email", email), ("password", password)],
    )
    .await;
    assert_eq!(res.status(), 303, "{email}");
    let s = cookie_value(&res, "ecrin_session").unwrap_or_default();
    if email != crate::support::ADMIN_EMAIL {
        return s;
    }
    // The admin's second step: the code of their authenticator app.
    let step = format!("/{lang}/staff/second-factor");
    let (status, html) = page(app, &step, &s).await;
    assert_eq!(status, 200, "{html}");
    let code = app.admin_code().await;
    let res = post_form(
        app,
        &step,
        &s,
        &[("csrf", &csrf_of(&html)), ("code", &code)],
    )
    .await;
    assert_eq!(res.status(), 303, "{email}: second factor");
    cookie_value(&res, "ecrin_session").unwrap_or_default()
}

pub(crate) async fn page(app: &TestApp, path: &str, session: &str) -> (u16, String) {
    let res = app
        .get_with(path, &[("cookie", &format!("ecrin_session={session}"))])
        .await;
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

/// Checks PRV-8, ACC-7: customer service finds a customer, the view is logged, the
/// warehouse is refused, a suspension from the page e-mails the reason.
#[tokio::test]
async fn prv_8_acc_7_back_office_pages_check_roles_and_log_each_view() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        customer_token(&app, "eva@example.fr").await;
        for (email, role) in [
            ("cs@maison.test", Role::CustomerService),
            ("dock@maison.test", Role::Warehouse),
        ] {
            ecrin_app::staff::create_staff(&app.app, email, "Camille", role, "a long staff secret")
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let (status, _) = page(&app, "/fr/staff", "").await;
        assert_eq!(status, 303, "{db:?}: the login page first");

        let cs = staff_login(&app, "fr", "cs@maison.test", "a long staff secret").await;
        let (status, home) = page(&app, "/fr/staff", &cs).await;
        assert_eq!(status, 200);
        assert!(home.contains("id=\"f-find\""));
        let res = app
            .get_with(
                "/fr/staff/customers?email=EVA%40example.fr",
                &[("cookie", &format!("ecrin_session={cs}"))],
            )
            .await;
        assert_eq!(res.status(), 303);
        let to = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let id = to.rsplit('/').next().unwrap_or_default().to_owned();
        let (status, record) = page(&app, &to, &cs).await;
        assert_eq!(status, 200);
        assert!(record.contains("eva@example.fr"));
        let log = app.app.store.staff_access_of(&id).await.unwrap_or_default();
        assert_eq!(log.len(), 1, "{db:?}");
        assert_eq!(log[0].action, "view");
        assert!(
            record.contains("/suspend\""),
            "customer service may suspend"
        );
        assert!(!record.contains("/close\""), "but not close");

        // The warehouse sees no customer, by page or by search.
        let dock = staff_login(&app, "fr", "dock@maison.test", "a long staff secret").await;
        let (status, html) = page(&app, &to, &dock).await;
        assert_eq!(status, 403);
        assert!(html.contains("Votre rôle ne donne pas accès"));
        let (status, _) = page(&app, "/fr/staff/customers?email=eva%40example.fr", &dock).await;
        assert_eq!(status, 403);
        let (status, _) = page(&app, "/fr/staff/tickets", &dock).await;
        assert_eq!(status, 403);
        assert_eq!(
            app.app
                .store
                .staff_access_of(&id)
                .await
                .unwrap_or_default()
                .len(),
            1
        );

        // A customer's session is not a staff session.
        let (status, _) = page(&app, &to, "").await;
        assert_eq!(status, 303);

        let csrf = csrf_of(&record);
        let path = format!("{to}/suspend");
        let res = post_form(&app, &path, &cs, &[("csrf", "forged"), ("reason", "x")]).await;
        assert_eq!(res.status(), 403);
        let res = post_form(
            &app,
            &path,
            &cs,
            &[("csrf", &csrf), ("reason", "Fraude à la carte")],
        )
        .await;
        assert_eq!(res.status(), 303);
        let mails = app
            .get_json("/api/v1/test/outbox?to=eva%40example.fr")
            .await;
        assert!(
            mails["items"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .contains("Fraude à la carte")
        );
    }
}

/// Checks PRV-9, BSK-5: customer service answers a message and reads quote requests.
#[tokio::test]
async fn prv_9_bsk_5_customer_service_answers_from_the_back_office() {
    let app = TestApp::spawn(Db::Sqlite, "milano").await;
    let (status, body) = app
        .post_json(
            "/api/v1/contact",
            &json!({"name": "Sara", "email": "sara@example.it", "subject": "Incisione", "message": "Quanti caratteri?"}),
        )
        .await;
    assert_eq!(status, 201);
    let reference = body["reference"].as_str().unwrap_or_default().to_owned();
    let admin = staff_login(&app, "it", "admin@maison.test", "the admin secret").await;
    let (status, html) = page(&app, "/it/staff/tickets", &admin).await;
    assert_eq!(status, 200);
    assert!(html.contains("Quanti caratteri?") && html.contains(&reference));
    let res = post_form(
        &app,
        &format!("/it/staff/tickets/{reference}/answer"),
        &admin,
        &[("csrf", &csrf_of(&html)), ("answer", "Fino a 20.")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let mails = app
        .get_json("/api/v1/test/outbox?to=sara%40example.it")
        .await;
    assert!(
        mails["items"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("Fino a 20.")
    );
    let (_, html) = page(&app, "/it/staff/tickets", &admin).await;
    assert!(!html.contains("name=\"answer\""), "answered once");

    let (status, html) = page(&app, "/it/staff/quotes", &admin).await;
    assert_eq!(status, 200);
    assert!(html.contains("Nessuna richiesta di preventivo."));
}
