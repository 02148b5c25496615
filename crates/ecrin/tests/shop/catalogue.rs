//! The catalogue API on every profile and both backends (CAT-1 … CAT-7).

use crate::support::{TestApp, matrix};
use ecrin_store_tests::Db;

/// Checks CAT-5.
#[tokio::test]
async fn cat_5_the_catalogue_api_lists_filters_and_pages_on_every_profile_and_backend() {
    for (db, profile) in matrix() {
        let app = TestApp::spawn(db, profile).await;
        let page = app.get_json("/api/v1/products").await;
        assert_eq!(page["total"], 63, "{db:?}/{profile}");
        let items = page["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 24);
        let first = &items[0];
        for field in [
            "slug",
            "name",
            "collection",
            "price_from",
            "availability",
            "image_url",
        ] {
            assert!(!first[field].is_null(), "{field} missing: {first}");
        }
        assert_eq!(first["price_from"]["currency"], "EUR");
        assert!(first["price_from"]["amount"].as_i64().unwrap_or(0) > 0);
        // Pages follow the cursor to the end, each piece once.
        let mut seen = items.len();
        let mut next = page["next"].as_str().map(str::to_owned);
        while let Some(cursor) = next {
            let p = app
                .get_json(&format!("/api/v1/products?page%5Bafter%5D={cursor}"))
                .await;
            seen += p["items"].as_array().map(Vec::len).unwrap_or(0);
            next = p["next"].as_str().map(str::to_owned);
        }
        assert_eq!(seen, 63, "{db:?}/{profile}");
        // Filters and facets.
        let pearls = app
            .get_json("/api/v1/products?stone=pearl&material=yellow-gold")
            .await;
        let n = pearls["total"].as_i64().unwrap_or(0);
        assert!(n >= 5, "{n}");
        let facet_pearl = pearls["facets"]["stone"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["value"] == "pearl").cloned())
            .unwrap_or_default();
        assert_eq!(facet_pearl["count"], n);
        let made = app
            .get_json("/api/v1/products?availability=made_to_order&page%5Bsize%5D=100")
            .await;
        assert!(
            made["items"]
                .as_array()
                .is_some_and(|a| a.iter().all(|i| i["availability"] == "made_to_order"))
        );
        let cheap = app
            .get_json("/api/v1/products?max_price=30000&page%5Bsize%5D=100")
            .await;
        assert!(cheap["items"].as_array().is_some_and(|a| {
            !a.is_empty()
                && a.iter()
                    .all(|i| i["price_from"]["amount"].as_i64().unwrap_or(i64::MAX) <= 30_000)
        }));
        let found = app.get_json("/api/v1/products?q=%C3%A9meraude").await;
        assert!(
            found["total"].as_i64().unwrap_or(0) >= 3,
            "{db:?}/{profile}: {found}"
        );
    }
}

/// Checks CAT-1, CAT-4, CAT-7.
#[tokio::test]
async fn cat_1_cat_4_cat_7_a_product_has_variants_prices_vat_and_the_30_day_low() {
    for (db, profile, vat) in [
        (Db::Sqlite, "paris", "20"),
        (Db::Postgres, "milano", "22"),
        (Db::Sqlite, "atelier", "20"),
    ] {
        let app = TestApp::spawn(db, profile).await;
        let p = app.get_json("/api/v1/products/demi-alliance-lumiere").await;
        let variants = p["variants"].as_array().cloned().unwrap_or_default();
        assert_eq!(variants.len(), 8);
        for v in &variants {
            for field in [
                "sku",
                "price",
                "vat_rate",
                "availability",
                "weight_grams",
                "personalisable",
            ] {
                assert!(!v[field].is_null(), "{field}: {v}");
            }
            assert_eq!(v["vat_rate"], vat, "{profile}");
            // A 15 % reduction: the list price is struck, and the lowest price of the
            // 30 days before the reduction is the list price.
            let price = v["price"]["amount"].as_i64().unwrap_or(0);
            let list = v["list_price"]["amount"].as_i64().unwrap_or(0);
            assert!(list > price, "{v}");
            assert_eq!(v["lowest_price_30_days"]["amount"].as_i64(), Some(list));
        }
        // CAT-6 travels with the product.
        assert!(
            p["notices"]["photos"]
                .as_str()
                .is_some_and(|s| s.len() > 20)
        );
        assert!(
            p["notices"]["handcraft"]
                .as_str()
                .is_some_and(|s| s.len() > 20)
        );
        // CAT-2: a custom-made piece is personalisable and made to order with a lead time.
        let c = app
            .get_json("/api/v1/products/medaille-gravee-signature")
            .await;
        assert_eq!(c["category"], "custom_made");
        assert_eq!(c["personalisable"], true);
        assert_eq!(c["variants"][0]["availability"], "made_to_order");
        assert!(
            c["lead_time_days"]
                .as_i64()
                .is_some_and(|d| d > 0 && d <= 42)
        );
        // A piece without reduction has no list price to strike.
        let plain = app.get_json("/api/v1/products/solitaire-lumiere").await;
        assert!(plain["variants"][0]["list_price"].is_null());
        assert!(plain["variants"][0]["lowest_price_30_days"].is_null());
    }
}

/// Checks CAT-3.
#[tokio::test]
async fn cat_3_a_sold_out_piece_says_so() {
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    let p = app
        .get_json("/api/v1/products/solitaire-ovale-lumiere")
        .await;
    assert_eq!(p["availability"], "sold_out");
    assert_eq!(p["variants"][0]["in_stock"], 0);
    let (status, _, html) = app.get_text("/en/products/solitaire-ovale-lumiere").await;
    assert_eq!(status, 200);
    assert!(html.contains("Sold out"));
}

/// Checks GTS-2.
#[tokio::test]
async fn gts_2_the_api_answers_in_the_requested_language() {
    let app = TestApp::spawn(Db::Sqlite, "milano").await;
    let it = app
        .get_json("/api/v1/products/bague-emeraude-heritage")
        .await;
    assert_eq!(it["name"], "Anello smeraldo Eredità");
    let res = app
        .get_with(
            "/api/v1/products/bague-emeraude-heritage",
            &[("accept-language", "en-GB,en;q=0.9")],
        )
        .await;
    assert_eq!(
        res.headers()
            .get("content-language")
            .and_then(|v| v.to_str().ok()),
        Some("en")
    );
    let en: serde_json::Value = res.json().await.unwrap_or_default();
    assert_eq!(en["name"], "Heritage Emerald Ring");
    // French is not a language of this house: the default answers.
    let fr = app
        .get_json("/api/v1/products/bague-emeraude-heritage?lang=fr")
        .await;
    assert_eq!(fr["name"], "Anello smeraldo Eredità");
}

/// Checks CAT-5: the list, a product and their pages come with an ETag; a client holding
/// them gets 304 and no body; a change of the catalogue (here the warehouse's count)
/// changes them at once; a visitor with a session gets a page of their own, never one
/// kept for others.
#[tokio::test]
async fn cat_5_catalogue_answers_carry_an_etag_and_change_with_the_catalogue() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let sku = crate::basket::sku(&app, "jonc-rivage", 0).await;
        for path in [
            "/api/v1/products",
            "/api/v1/products/jonc-rivage",
            "/fr/catalogue?q=jonc",
            "/fr/products/jonc-rivage",
        ] {
            let (status, headers, first) = app.get_text(path).await;
            assert_eq!(status, 200, "{path}");
            let etag = headers
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{db:?} {path}: no ETag"))
                .to_owned();
            let (_, again, second) = app.get_text(path).await;
            assert_eq!(second, first, "{path}");
            assert_eq!(
                again.get("etag").and_then(|v| v.to_str().ok()),
                Some(etag.as_str())
            );
            // Security headers are on every answer, kept or not.
            assert!(again.get("content-security-policy").is_some(), "{path}");
            let res = app.get_with(path, &[("if-none-match", &etag)]).await;
            assert_eq!(res.status(), 304, "{db:?} {path}");
            assert_eq!(
                res.headers().get("etag").and_then(|v| v.to_str().ok()),
                Some(etag.as_str())
            );
            assert!(res.text().await.unwrap_or_default().is_empty());
            let res = app
                .get_with(path, &[("if-none-match", "\"something-else\"")])
                .await;
            assert_eq!(res.status(), 200, "{path}");
        }
        // Another language asked of the API is another answer.
        let (_, fr, _) = app.get_text("/api/v1/products/jonc-rivage?lang=fr").await;
        let (_, en, _) = app.get_text("/api/v1/products/jonc-rivage?lang=en").await;
        assert_ne!(fr.get("etag"), en.get("etag"));
        let (_, before, _) = app.get_text("/api/v1/products/jonc-rivage").await;
        let (_, page_before, _) = app.get_text("/fr/products/jonc-rivage").await;
        crate::checkout::restock(&app, &sku, 7).await;
        tokio::time::sleep(ecrin_web_recheck()).await;
        let (_, after, body) = app.get_text("/api/v1/products/jonc-rivage").await;
        assert_ne!(before.get("etag"), after.get("etag"), "{db:?}");
        assert!(body.contains("\"in_stock\":7"), "{body}");
        let (_, page_after, _) = app.get_text("/fr/products/jonc-rivage").await;
        assert_ne!(page_before.get("etag"), page_after.get("etag"), "{db:?}");
        // A visitor with a cookie: the page is built for them.
        let res = app
            .get_with("/fr/products/jonc-rivage", &[("cookie", "ecrin_consent=1")])
            .await;
        assert_eq!(res.status(), 200);
        assert!(res.headers().get("etag").is_none());
    }
}

/// Checks CAT-5: a catalogue page many visitors ask for at once, before anyone did (the
/// shop just started, or the catalogue just changed), is built once; the others are
/// served the same bytes when they are ready.
#[tokio::test]
async fn cat_5_a_page_asked_by_many_at_once_is_built_once() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        for (round, path) in ["/fr/catalogue?q=bague", "/api/v1/products?q=bague"]
            .into_iter()
            .enumerate()
        {
            let mut visitors = tokio::task::JoinSet::new();
            for _ in 0..16 {
                let (client, url) = (app.client.clone(), app.url(path));
                visitors.spawn(async move {
                    let res = client
                        .get(url)
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("{e}"));
                    let status = res.status().as_u16();
                    let etag = res.headers().get("etag").cloned();
                    (status, etag, res.text().await.unwrap_or_default())
                });
            }
            let answers = visitors.join_all().await;
            assert!(answers.iter().all(|a| a.0 == 200), "{db:?} {path}");
            assert!(answers.iter().all(|a| a.1.is_some() && a.1 == answers[0].1));
            assert!(answers.iter().all(|a| a.2 == answers[0].2), "{db:?} {path}");
            let (_, _, metrics) = app.get_text("/metrics").await;
            let count = |answer: &str| {
                let line = format!("ecrin_catalogue_answers_total{{answer=\"{answer}\"}} ");
                metrics
                    .lines()
                    .find_map(|l| l.strip_prefix(line.as_str())?.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            assert_eq!(count("built"), round as u64 + 1, "{db:?} {path}: {metrics}");
        }
    }
}

/// How long a process may serve the catalogue as it was before another's change.
fn ecrin_web_recheck() -> std::time::Duration {
    std::time::Duration::from_millis(600)
}
