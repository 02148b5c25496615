//! The customer's pages without JavaScript: sign-up, activation link, login with session
//! rotation, "My Account", logout; CSRF on every form (ACC-1 … ACC-5, PRV-6).

use crate::support::TestApp;
use ecrin_store_tests::Db;

pub(crate) fn cookie_value(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or_default()
                .trim_start_matches(&format!("{name}="))
                .to_owned()
        })
}

pub(crate) fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

pub(crate) async fn post_form(
    app: &TestApp,
    path: &str,
    session: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let body: String = fields
        .iter()
        .map(|(k, v)| format!("{}={}", k, urlencoding::encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    app.client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("ecrin_session={session}"))
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Checks ACC-3, ACC-5, PRV-6.
#[tokio::test]
async fn acc_3_acc_5_sign_up_activate_log_in_and_out_on_the_pages() {
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    let res = app.get("/fr/account/sign-up").await;
    assert_eq!(res.status(), 200);
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && !cookie.contains("Max-Age"),
        "a session cookie: {cookie}"
    );
    let session = cookie_value(&res, "ecrin_session").unwrap_or_default();
    let html = res.text().await.unwrap_or_default();
    let csrf = csrf_of(&html);
    assert_eq!(csrf.len(), 48);
    for label in [
        "for=\"f-email\"",
        "for=\"f-password\"",
        "for=\"f-given_name\"",
        "for=\"f-declares_adult_consumer\"",
    ] {
        assert!(html.contains(label), "{label}");
    }

    // Without the form's token nothing happens.
    let res = post_form(
        &app,
        "/fr/account/sign-up",
        &session,
        &[("csrf", "forged"), ("email", "noe@example.fr")],
    )
    .await;
    assert_eq!(res.status(), 403);

    // Errors come back on the form, named, with what was typed kept (not the password).
    let res = post_form(
        &app,
        "/fr/account/sign-up",
        &session,
        &[
            ("csrf", &csrf),
            ("email", "not-an-address"),
            ("given_name", "Noé"),
            ("family_name", ""),
            ("password", "secret secret"),
        ],
    )
    .await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap_or_default();
    assert!(
        html.contains("L&#39;adresse e-mail n&#39;est pas valide.")
            || html.contains("L'adresse e-mail n'est pas valide."),
        "{html}"
    );
    assert!(html.contains("href=\"#f-family_name\""));
    assert!(html.contains("value=\"Noé\""));
    assert!(!html.contains("secret secret"));

    let res = post_form(
        &app,
        "/fr/account/sign-up",
        &session,
        &[
            ("csrf", &csrf),
            ("email", "noe@example.fr"),
            ("given_name", "Noé"),
            ("family_name", "Petit"),
            ("password", "perles et saphirs"),
            ("declares_adult_consumer", "1"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap_or_default()
            .contains("Consultez votre messagerie")
    );

    // The e-mailed link opens a page whose button activates the account.
    let mails = app
        .get_json("/api/v1/test/outbox?to=noe%40example.fr")
        .await;
    let link = mails["items"][0]["links"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = link.trim_start_matches("http://shop.test");
    let (status, _, html) = app.get_text(path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Activer mon compte"));
    let token = link.split("token=").nth(1).unwrap_or_default();
    let res = post_form(
        &app,
        "/fr/account/activate",
        &session,
        &[("csrf", &csrf), ("token", token)],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap_or_default()
            .contains("Votre compte est actif")
    );

    // Login: a wrong password says nothing more; the right one rotates the session.
    let res = post_form(
        &app,
        "/fr/account/login",
        &session,
        &[
            ("csrf", &csrf),
            ("email", "noe@example.fr"),
            ("password", "wrong password"),
        ],
    )
    .await;
    assert_eq!(res.status(), 401);
    assert!(
        res.text()
            .await
            .unwrap_or_default()
            .contains("Adresse e-mail ou mot de passe incorrect.")
    );
    let res = post_form(
        &app,
        "/fr/account/login",
        &session,
        &[
            ("csrf", &csrf),
            ("email", "noe@example.fr"),
            ("password", "perles et saphirs"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/fr/account")
    );
    let logged = cookie_value(&res, "ecrin_session").unwrap_or_default();
    assert!(
        !logged.is_empty() && logged != session,
        "the session id changes at login"
    );
    let res = app
        .get_with(
            "/fr/account",
            &[("cookie", &format!("ecrin_session={session}"))],
        )
        .await;
    assert_eq!(res.status(), 303, "the old session opens nothing");
    let res = app
        .get_with(
            "/fr/account",
            &[("cookie", &format!("ecrin_session={logged}"))],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let html = res.text().await.unwrap_or_default();
    assert!(html.contains("Bienvenue, Noé.") && html.contains("noe@example.fr"));

    // Logout ends the session on the server, not only in the browser.
    let csrf2 = csrf_of(&html);
    let res = post_form(&app, "/fr/account/logout", &logged, &[("csrf", &csrf2)]).await;
    assert_eq!(res.status(), 303);
    let res = app
        .get_with(
            "/fr/account",
            &[("cookie", &format!("ecrin_session={logged}"))],
        )
        .await;
    assert_eq!(res.status(), 303);
}

/// Checks ACC-8.
#[tokio::test]
async fn acc_8_a_forgotten_password_is_reset_through_the_pages() {
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    crate::basket::customer_token(&app, "iris@example.fr").await;
    let res = app.get("/en/account/login").await;
    let session = cookie_value(&res, "ecrin_session").unwrap_or_default();
    let html = res.text().await.unwrap_or_default();
    assert!(html.contains("href=\"/en/account/forgot\""));
    let csrf = csrf_of(&html);
    let res = post_form(
        &app,
        "/en/account/forgot",
        &session,
        &[("csrf", &csrf), ("email", "iris@example.fr")],
    )
    .await;
    assert_eq!(res.status(), 200);
    let mails = app
        .get_json("/api/v1/test/outbox?to=iris%40example.fr")
        .await;
    let link = mails["items"][0]["links"][0]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("http://shop.test")
        .to_owned();
    let (status, _, html) = app.get_text(&link).await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"token\""));
    let token = link.split("token=").nth(1).unwrap_or_default();
    let res = post_form(
        &app,
        "/en/account/reset",
        &session,
        &[("csrf", &csrf), ("token", token), ("password", "qwerty")],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap_or_default()
            .contains("This password is too weak")
    );
    let res = post_form(
        &app,
        "/en/account/reset",
        &session,
        &[
            ("csrf", &csrf),
            ("token", token),
            ("password", "a brand new secret"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = post_form(
        &app,
        "/en/account/login",
        &session,
        &[
            ("csrf", &csrf),
            ("email", "iris@example.fr"),
            ("password", "a brand new secret"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
}
