//! Bad input gets a clear 4xx with a stable code; never a 500, never a panic.

use crate::support::{Options, TestApp, problem};
use ecrin_store_tests::Db;

#[tokio::test]
async fn malformed_query_strings_name_the_field() {
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    for (query, field) in [
        ("page%5Bsize%5D=abc", "page[size]"),
        ("page%5Bsize%5D=100000", "page[size]"),
        ("page%5Bafter%5D=not-a-cursor", "page[after]"),
        ("min_price=-1", "min_price"),
        ("max_price=12.50", "max_price"),
        ("availability=tomorrow", "availability"),
        ("collection=%3Cscript%3E", "collection"),
        ("q=%FF%FE", "q"),
        ("q=a%00b", "q"),
    ] {
        let (status, ct, body) = problem(app.get(&format!("/api/v1/products?{query}")).await).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(ct, "application/problem+json");
        assert_eq!(body["code"], "validation_failed", "{query}");
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        assert!(fields.contains(&field), "{query}: {body}");
    }
    // The same on the page: a page that says what is wrong, in the visitor's language.
    let (status, headers, html) = app.get_text("/en/catalogue?price_min=lots").await;
    assert_eq!(status, 400);
    assert!(
        headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("text/html"))
    );
    assert!(html.contains("This request cannot be read") && html.contains("price_min"));
    let (status, _, _) = app.get_text("/fr/catalogue?q=%C3%28").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn unknown_slugs_and_paths_are_404_problems_or_pages() {
    let app = TestApp::spawn(Db::Postgres, "paris").await;
    let (status, _, body) = problem(app.get("/api/v1/products/%FF").await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("validation_failed")),
        "bad UTF-8 in a path"
    );
    for path in [
        "/api/v1/products/no-such-piece",
        "/api/v1/products/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/nothing",
        "/api/v1/test/nothing",
    ] {
        let (status, ct, body) = problem(app.get(path).await).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(ct, "application/problem+json", "{path}");
        assert_eq!(body["code"], "not_found", "{path}");
    }
    let (status, _, html) = app.get_text("/fr/products/%FF%FE").await;
    assert_eq!(status, 400, "bad UTF-8 in a page path: {html}");
    assert!(
        html.contains("Cette demande ne peut pas être lue"),
        "{html}"
    );
    for path in [
        "/fr/products/no-such-piece",
        "/fr/nowhere",
        "/xx/catalogue",
        "/media/products/nothing.svg",
        "/static/nothing.css",
    ] {
        let (status, _, _) = app.get_text(path).await;
        assert_eq!(status, 404, "{path}");
    }
    let (_, _, html) = app.get_text("/en/products/no-such-piece").await;
    assert!(html.contains("This page does not exist"));
}

#[tokio::test]
async fn bodies_too_large_malformed_or_mistyped_are_refused_with_a_code() {
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    let big = format!("{{\"advance\": \"{}\"}}", "P".repeat(200_000));
    let res = app
        .client
        .post(app.url("/api/v1/test/clock"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await;
    let (status, ct, body) = problem(res.unwrap_or_else(|e| panic!("{e}"))).await;
    assert_eq!(
        (status, ct.as_str()),
        (413, "application/problem+json"),
        "{body}"
    );
    assert_eq!(body["code"], "payload_too_large");
    let res = app
        .client
        .post(app.url("/api/v1/test/clock"))
        .header("content-type", "application/json")
        .body("{\"advance\": ")
        .send()
        .await;
    let (status, _, body) = problem(res.unwrap_or_else(|e| panic!("{e}"))).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "validation_failed");
    let res = app
        .client
        .post(app.url("/api/v1/test/clock"))
        .header("content-type", "text/plain")
        .body("P1D")
        .send()
        .await;
    let (status, _, body) = problem(res.unwrap_or_else(|e| panic!("{e}"))).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );
    let res = app
        .client
        .post(app.url("/api/v1/test/clock"))
        .header("content-type", "application/json")
        .body(vec![b'{', 0xff, 0xfe, b'}'])
        .send()
        .await;
    let (status, _, _) = problem(res.unwrap_or_else(|e| panic!("{e}"))).await;
    assert_eq!(status, 400, "bad UTF-8 in a body");
    let res = app.client.delete(app.url("/api/v1/products")).send().await;
    let (status, ct, body) = problem(res.unwrap_or_else(|e| panic!("{e}"))).await;
    assert_eq!((status, ct.as_str()), (405, "application/problem+json"));
    assert_eq!(body["code"], "method_not_allowed");
    let (status, body) = app
        .post_json(
            "/api/v1/test/clock",
            &serde_json::json!({"advance": "fifteen days"}),
        )
        .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (400, Some("advance"))
    );
    let (status, _) = app
        .post_json(
            "/api/v1/test/clock",
            &serde_json::json!({"advance": "P1D", "set": "2026-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_test_clock_exists_only_in_test_mode() {
    let live = TestApp::with(
        Db::Sqlite,
        "paris",
        Options {
            test_mode: false,
            ..Options::default()
        },
    )
    .await;
    let (status, body) = live
        .post_json(
            "/api/v1/test/clock",
            &serde_json::json!({"advance": "P15D"}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["code"], "not_found");

    let test = TestApp::spawn(Db::Sqlite, "paris").await;
    let (status, body) = test
        .post_json(
            "/api/v1/test/clock",
            &serde_json::json!({"set": "2026-12-24T16:00:00+01:00"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["now"]
            .as_str()
            .is_some_and(|n| n.starts_with("2026-12-24T15:00")),
        "{body}"
    );
    let (status, body) = test
        .post_json(
            "/api/v1/test/clock",
            &serde_json::json!({"advance": "P15D"}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        body["now"]
            .as_str()
            .is_some_and(|n| n.starts_with("2027-01-08T15:00")),
        "{body}"
    );
    // The clock drives the rules: back to before the reduction began (the demo reduced
    // it five days before loading), no reduction is advertised (CAT-7).
    let p = test
        .get_json("/api/v1/products/demi-alliance-lumiere")
        .await;
    assert!(p["variants"][0]["lowest_price_30_days"].is_object());
    let (status, _) = test
        .post_json(
            "/api/v1/test/clock",
            &serde_json::json!({"advance": "-P60D"}),
        )
        .await;
    assert_eq!(status, 200);
    let p = test
        .get_json("/api/v1/products/demi-alliance-lumiere")
        .await;
    assert!(
        p["variants"][0]["lowest_price_30_days"].is_null(),
        "{}",
        p["variants"][0]
    );
}
