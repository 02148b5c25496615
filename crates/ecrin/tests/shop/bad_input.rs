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

/// Every text field a customer types, through the API: awkward but valid text (emoji,
/// markup, SQL, accents) is kept and given back exactly; a 10 kB value, control
/// characters or a malformed address are refused with `validation_failed` naming the
/// field. Never a 500.
#[tokio::test]
async fn every_text_field_keeps_odd_text_and_names_what_it_refuses() {
    use serde_json::{Value, json};
    let app = TestApp::spawn(Db::Postgres, "paris").await;
    let token = crate::basket::customer_token(&app, "field@example.fr").await;
    let odd = "Zoë 💎 <script>alert(1)</script> ' OR 1=1; DROP TABLE customers; --";
    let huge = "x".repeat(10_000);
    let send = |method: &'static str, path: &'static str, body: Value| {
        let app = &app;
        let token = token.clone();
        async move { crate::basket::call(app, method, path, &token, Some(body)).await }
    };
    // (method, path, a valid body, the text fields, the path to read the value back)
    let address = json!({"given_name": "A", "family_name": "B", "line1": "1 rue", "postcode": "75001",
                         "city": "Paris", "country": "FR"});
    let cases: Vec<(&str, &str, Value, Vec<&str>)> = vec![
        (
            "PATCH",
            "/api/v1/me",
            json!({}),
            vec!["title", "given_name", "family_name"],
        ),
        (
            "POST",
            "/api/v1/me/addresses",
            address.clone(),
            vec![
                "label",
                "given_name",
                "family_name",
                "company",
                "line1",
                "line2",
                "city",
            ],
        ),
        (
            "POST",
            "/api/v1/contact",
            json!({"name": "N", "email": "n@example.fr", "subject": "S", "message": "M"}),
            vec!["name", "subject", "message"],
        ),
    ];
    for (method, path, valid, fields) in &cases {
        for field in fields {
            let mut body = valid.clone();
            body[*field] = json!(odd);
            let (status, answer) = send(method, path, body).await;
            assert!(
                status < 300,
                "{path} {field}: odd text is kept: {status} {answer}"
            );
            if *path != "/api/v1/contact" {
                assert_eq!(answer[*field], odd, "{path} {field}: given back exactly");
            }
            for bad in [huge.as_str(), "a\u{0000}b", "a\u{001b}[31mb"] {
                let mut body = valid.clone();
                body[*field] = json!(bad);
                let (status, problem) = send(method, path, body).await;
                assert_eq!(
                    (
                        status,
                        problem["code"].as_str(),
                        problem["errors"][0]["field"].as_str()
                    ),
                    (400, Some("validation_failed"), Some(*field)),
                    "{path} {field} {}",
                    bad.len()
                );
            }
        }
    }
    // Addresses that are not e-mail addresses, wherever one is typed.
    for bad in [
        "plain",
        "a@",
        "@b.fr",
        "a b@c.fr",
        "a@b@c.fr",
        &format!("{huge}@b.fr"),
    ] {
        let (status, problem) = app
            .post_json(
                "/api/v1/contact",
                &json!({"name": "N", "email": bad, "subject": "S", "message": "M"}),
            )
            .await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (400, Some("email")),
            "{bad}"
        );
        let (status, problem) = send(
            "POST",
            "/api/v1/share/recommend",
            json!({"friend_email": bad}),
        )
        .await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (400, Some("friend_email")),
            "{bad}"
        );
    }
    // And the odd text reads back the same from the account's export.
    let res = app
        .client
        .get(app.url("/api/v1/me/export"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let data: Value = res.json().await.unwrap_or_default();
    assert_eq!(data["account"]["given_name"], odd);
}

/// Checks ACC-8: reset links and sign-up e-mails are limited per address, known or not,
/// and the limit answers alike for both.
#[tokio::test]
async fn acc_8_reset_links_are_limited_per_address() {
    use serde_json::json;
    let app = TestApp::spawn(Db::Sqlite, "atelier").await;
    crate::basket::customer_token(&app, "known@example.fr").await;
    for email in ["known@example.fr", "unknown@example.fr"] {
        for _ in 0..5 {
            let (status, _) = app
                .post_json("/api/v1/accounts/password-reset", &json!({"email": email}))
                .await;
            assert_eq!(status, 202);
        }
        let res = app
            .client
            .post(app.url("/api/v1/accounts/password-reset"))
            .json(&json!({"email": email.to_uppercase()}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 429, "{email}");
        assert!(res.headers().contains_key("retry-after"));
    }
    let mails = app
        .get_json("/api/v1/test/outbox?to=known%40example.fr")
        .await;
    assert_eq!(
        mails["items"].as_array().map(Vec::len),
        Some(6),
        "activation + 5 links"
    );
}
