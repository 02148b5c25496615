//! The cookie consent banner and the cookies it governs (PRV-6), over HTTP; the browser
//! test counts the cookies a real browser holds.

use crate::support::TestApp;
use ecrin_store_tests::Db;
use serde_json::json;

fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

fn names(set: &[String]) -> Vec<String> {
    set.iter()
        .filter(|c| !c.contains("Max-Age=0"))
        .filter_map(|c| c.split('=').next())
        .map(str::to_owned)
        .collect()
}

async fn choose(app: &TestApp, body: &str, cookie: &str) -> reqwest::Response {
    app.client
        .post(app.url("/consent"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(body.to_owned())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn consent_of(set: &[String]) -> String {
    set.iter()
        .find(|c| c.starts_with("ecrin_consent="))
        .and_then(|c| c.split(';').next())
        .unwrap_or_default()
        .to_owned()
}

/// Checks PRV-6.
#[tokio::test]
async fn prv_6_only_necessary_cookies_until_the_visitor_chooses() {
    let app = TestApp::spawn(Db::Sqlite, "milano").await;
    // Before any choice: the banner on every page, its two buttons alike, no cookie set.
    for path in [
        "/it/",
        "/it/catalogue",
        "/it/products/solitaire-lumiere",
        "/it/basket",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert!(
            set_cookies(&res).is_empty(),
            "{path}: no cookie before consent"
        );
        let html = res.text().await.unwrap_or_default();
        assert!(html.contains("class=\"consent consent-banner\""), "{path}");
        assert!(html.contains(
            "<button type=\"submit\" class=\"button\" name=\"choice\" value=\"all\" id=\"consent-accept\">Accetta tutti</button>"
        ));
        assert!(html.contains(
            "<button type=\"submit\" class=\"button\" name=\"choice\" value=\"none\" id=\"consent-refuse\">Rifiuta tutti</button>"
        ));
    }

    // Refuse all: only the consent cookie, for the profile's retention, and no marker.
    let res = choose(&app, "choice=none&next=/it/", "").await;
    assert_eq!(res.status(), 303);
    let set = set_cookies(&res);
    assert_eq!(names(&set), vec!["ecrin_consent"]);
    assert!(set[0].contains("Max-Age=31536000"), "365 days: {}", set[0]);
    let refused = consent_of(&set);
    let res = app
        .get_with("/it/products/solitaire-lumiere", &[("cookie", &refused)])
        .await;
    assert!(set_cookies(&res).is_empty());
    assert!(
        !res.text()
            .await
            .unwrap_or_default()
            .contains("consent-banner")
    );

    // Per purpose: preferences only.
    let res = choose(&app, "choice=custom&preferences=1&next=/it/", &refused).await;
    let prefs = consent_of(&set_cookies(&res));
    let res = app
        .get_with("/it/products/solitaire-lumiere", &[("cookie", &prefs)])
        .await;
    assert_eq!(names(&set_cookies(&res)), vec!["ecrin_recent"]);
    let home = app
        .get_with(
            "/it/",
            &[(
                "cookie",
                &format!("{prefs}; ecrin_recent=solitaire-lumiere"),
            )],
        )
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(home.contains("id=\"recent\""));

    // Accept all, then refuse all again: the markers already set are deleted.
    let res = choose(&app, "choice=all&next=/it/", &prefs).await;
    let all = consent_of(&set_cookies(&res));
    let res = app
        .get_with("/it/products/solitaire-lumiere", &[("cookie", &all)])
        .await;
    let mut got = names(&set_cookies(&res));
    got.sort();
    assert_eq!(got, vec!["ecrin_audience", "ecrin_recent"]);
    let res = choose(
        &app,
        "choice=none&next=/it/",
        &format!("{all}; ecrin_recent=solitaire-lumiere; ecrin_audience=ab12"),
    )
    .await;
    let set = set_cookies(&res);
    for marker in ["ecrin_recent=;", "ecrin_audience=;"] {
        assert!(
            set.iter()
                .any(|c| c.starts_with(marker) && c.contains("Max-Age=0")),
            "{marker} deleted: {set:?}"
        );
    }
    // Without consent, a marker the browser still sends is not read.
    let home = app
        .get_with(
            "/it/",
            &[(
                "cookie",
                &format!("{refused}; ecrin_recent=solitaire-lumiere"),
            )],
        )
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(!home.contains("id=\"recent\""));

    // After the retention the choice is asked again.
    let (status, _) = app
        .post_json("/api/v1/test/clock", &json!({"advance": "P366D"}))
        .await;
    assert_eq!(status, 200);
    let html = app
        .get_with("/it/", &[("cookie", &refused)])
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(
        html.contains("consent-banner"),
        "asked again after 365 days"
    );
}

/// Checks PRV-6: another site cannot choose for the visitor; the policy lists every cookie.
#[tokio::test]
async fn prv_6_the_policy_lists_every_cookie_and_choices_come_from_the_shop() {
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    let res = app
        .client
        .post(app.url("/consent"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://elsewhere.example")
        .body("choice=all&next=/fr/")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 403);
    assert!(set_cookies(&res).is_empty());
    let res = choose(&app, "choice=all&next=https://elsewhere.example/", "").await;
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/"),
        "only a local page to go back to"
    );

    let html = app
        .get("/fr/legal/cookies")
        .await
        .text()
        .await
        .unwrap_or_default();
    for c in ecrin_web::cookies::ALL {
        assert!(
            html.contains(&format!("<code>{}</code>", c.name)),
            "{}",
            c.name
        );
    }
    assert!(html.contains("Préférences") && html.contains("Mesure d’audience"));
    assert!(html.contains("id=\"consent-preferences\""));
}

/// Checks PRV-6, ACC-5: behind TLS every cookie the shop sets is `Secure`, still
/// `HttpOnly` and `SameSite=Lax`.
#[tokio::test]
async fn prv_6_cookies_are_secure_behind_tls() {
    use crate::support::Options;
    let app = TestApp::with(
        Db::Sqlite,
        "paris",
        Options {
            public_url: Some("https://shop.test"),
            ..Options::default()
        },
    )
    .await;
    let res = app.get("/fr/account/login").await;
    let mut set = set_cookies(&res);
    let res = choose(&app, "choice=all&next=/fr/", "").await;
    set.extend(set_cookies(&res));
    let consent = consent_of(&set);
    let res = app
        .get_with("/fr/products/solitaire-lumiere", &[("cookie", &consent)])
        .await;
    set.extend(set_cookies(&res));
    let res = app.get("/language/en?next=/en/").await;
    set.extend(set_cookies(&res));
    let mut names = names(&set);
    names.sort();
    assert_eq!(
        names,
        vec![
            "ecrin_audience",
            "ecrin_consent",
            "ecrin_lang",
            "ecrin_recent",
            "ecrin_session"
        ]
    );
    for c in &set {
        assert!(
            c.contains("; Secure") && c.contains("HttpOnly") && c.contains("SameSite=Lax"),
            "{c}"
        );
    }
}
