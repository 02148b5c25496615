//! The storefront pages: language, catalogue, product, legal pages (CAT-5, CAT-6, CAT-7,
//! GTS-1, GTS-2, GTS-4, PRV-6).

use crate::support::TestApp;
use ecrin_store_tests::Db;

/// Checks GTS-2.
#[tokio::test]
async fn gts_2_the_language_comes_from_the_url_then_the_choice_then_accept_language() {
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    let to = |res: &reqwest::Response| {
        res.headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let res = app.get("/").await;
    assert_eq!(to(&res), "/fr/", "the house's first language by default");
    let res = app
        .get_with("/", &[("accept-language", "en-US,en;q=0.8,fr;q=0.5")])
        .await;
    assert_eq!(to(&res), "/en/");
    let res = app
        .get_with("/", &[("accept-language", "de-DE, it;q=0.9")])
        .await;
    assert_eq!(
        to(&res),
        "/fr/",
        "languages the house does not speak are skipped"
    );
    // The visitor's choice wins over the browser's.
    let res = app
        .get("/language/en?next=%2Fen%2Fcatalogue%3Fstone%3Dpearl")
        .await;
    assert_eq!(to(&res), "/en/catalogue?stone=pearl");
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        cookie.starts_with("ecrin_lang=en;")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let res = app
        .get_with(
            "/",
            &[("cookie", "ecrin_lang=en"), ("accept-language", "fr")],
        )
        .await;
    assert_eq!(to(&res), "/en/");
    // Never an open redirect.
    let res = app
        .get("/language/en?next=https%3A%2F%2Fevil.example%2F")
        .await;
    assert_eq!(to(&res), "/en/");
    let res = app.get("/language/en?next=%2F%2Fevil.example").await;
    assert_eq!(to(&res), "/en/");
    // The URL decides; a language the house does not speak does not exist.
    let (status, _, html) = app.get_text("/en/").await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Fine jewellery, made by hand"));
    let (status, _, _) = app.get_text("/it/").await;
    assert_eq!(status, 404);
    let milano = TestApp::spawn(Db::Sqlite, "milano").await;
    let (status, _, html) = milano.get_text("/it/catalogue").await;
    assert_eq!(status, 200);
    assert!(html.contains("I gioielli"));
    assert_eq!(to(&milano.get("/").await), "/it/");
}

/// Checks GTS-2.
#[tokio::test]
async fn gts_2_every_message_exists_in_every_language() {
    let keys = |lang: &str| -> Vec<String> {
        let path = format!(
            "{}/../app/locales/{lang}/main.ftl",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && l.contains(" = "))
            .filter_map(|l| l.split(" = ").next().map(str::to_owned))
            .collect()
    };
    let en = keys("en");
    assert!(en.len() > 100);
    for lang in ["fr", "it"] {
        assert_eq!(
            keys(lang),
            en,
            "{lang} must have the same messages as en, in the same order"
        );
    }
}

/// Checks CAT-5.
#[tokio::test]
async fn cat_5_the_catalogue_page_searches_and_filters_without_javascript() {
    let app = TestApp::spawn(Db::Postgres, "atelier").await;
    let (status, _, html) = app.get_text("/fr/catalogue").await;
    assert_eq!(status, 200);
    assert!(html.contains("63 pièces"));
    assert!(html.contains("<form class=\"filters\" method=\"get\""));
    for label in [
        "for=\"f-collection\"",
        "for=\"f-material\"",
        "for=\"f-stone\"",
        "for=\"f-availability\"",
        "for=\"f-price-min\"",
    ] {
        assert!(html.contains(label), "{label}");
    }
    assert!(html.contains("rel=\"next\""));
    let (_, _, html) = app.get_text("/fr/catalogue?q=perle&material=&stone=&availability=in_stock&price_min=&price_max=1000").await;
    assert!(html.contains("Résultats pour « perle »"), "search echoed");
    assert!(html.contains("Boutons perle Rivage"));
    assert!(
        !html.contains("Sautoir perles Rivage"),
        "made to order filtered out"
    );
    assert!(
        !html.contains("Collier de perles Rivage"),
        "above 1000 € filtered out"
    );
    assert!(html.contains("<option value=\"in_stock\" selected>"));
    let (_, _, html) = app.get_text("/fr/catalogue?q=xyzzy").await;
    assert!(html.contains("Aucune pièce ne correspond à votre recherche."));
}

/// Checks CAT-6, CAT-7.
#[tokio::test]
async fn cat_6_cat_7_the_product_page_shows_price_notices_and_the_30_day_low() {
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    let (status, _, html) = app.get_text("/fr/products/demi-alliance-lumiere").await;
    assert_eq!(status, 200);
    assert!(html.contains("<del>"), "the list price is struck through");
    assert!(html.contains("Prix le plus bas des 30 jours précédant cette réduction"));
    assert!(html.contains("dont TVA 20 %"));
    assert!(html.contains("Les photographies ne sont pas contractuelles"));
    assert!(html.contains("de légères variations de finition, de poids, de carat ou de couleur"));
    assert!(html.contains("alt=\"Demi-alliance Lumière, dessin de la pièce\""));
    let (_, _, html) = app.get_text("/en/products/riviere-lumiere").await;
    assert!(html.contains("Made to order, delivered in about"));
    let (_, _, html) = app.get_text("/en/products/alliance-gravee-signature").await;
    assert!(html.contains("personalised pieces cannot be returned under the right of withdrawal"));
    let res = app.get("/media/products/riviere-lumiere.svg").await;
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/svg+xml")
    );
    assert!(res.text().await.unwrap_or_default().starts_with("<svg"));
}

/// Checks GTS-1.
#[tokio::test]
async fn gts_1_the_terms_are_versioned_dated_downloadable_and_say_which_language_prevails() {
    for (profile, lang, prevails) in [
        ("paris", "en", "the French version prevails"),
        ("milano", "it", "prevale la versione in italiano"),
    ] {
        let app = TestApp::spawn(Db::Sqlite, profile).await;
        let (status, _, html) = app.get_text(&format!("/{lang}/legal/terms")).await;
        assert_eq!(status, 200);
        assert!(html.contains("1.0"), "version shown");
        assert!(html.contains(prevails), "{profile}: {prevails}");
        assert!(html.contains("SHA-256"));
        let res = app.get(&format!("/{lang}/legal/terms.txt")).await;
        assert_eq!(res.status(), 200);
        let disposition = res
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            disposition.starts_with("attachment;")
                && disposition.contains(&format!("terms-{profile}-1.0-{lang}.txt")),
            "{disposition}"
        );
        let text = res.text().await.unwrap_or_default();
        assert!(text.contains("## Art"), "{text}");
        for page in ["privacy", "cookies", "notice"] {
            let (status, _, _) = app.get_text(&format!("/{lang}/legal/{page}")).await;
            assert_eq!(status, 200, "{page}");
        }
    }
}

/// Checks GTS-4.
#[tokio::test]
async fn gts_4_the_legal_notice_names_publisher_office_number_vat_and_host() {
    let app = TestApp::spawn(Db::Sqlite, "milano").await;
    let (_, _, html) = app.get_text("/en/legal/notice").await;
    let profile = ecrin_app::profiles::load("milano").unwrap_or_else(|e| panic!("{e}"));
    let m = &profile.merchant;
    for value in [
        &m.legal_name,
        &m.registered_office,
        &m.company_number,
        &m.vat_number,
        &m.host,
    ] {
        assert!(html.contains(value.as_str()), "{value}");
    }
}

/// Checks PRV-6.
#[tokio::test]
async fn prv_6_only_necessary_cookies_and_the_policy_lists_every_cookie() {
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    for path in [
        "/fr/",
        "/fr/catalogue",
        "/fr/products/jonc-trait",
        "/fr/legal/terms",
        "/api/v1/products",
    ] {
        let res = app.get(path).await;
        assert!(
            res.headers().get("set-cookie").is_none(),
            "{path} set a cookie without a choice"
        );
    }
    let (_, _, html) = app.get_text("/fr/legal/cookies").await;
    for c in ecrin_web::cookies::ALL {
        assert!(
            html.contains(&format!("<code>{}</code>", c.name)),
            "{}",
            c.name
        );
    }
    assert!(html.contains("Strictement nécessaire"));
    assert!(html.contains("365 jours"));
}
