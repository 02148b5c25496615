//! Operations endpoints, security headers (GTS-3), OpenAPI.

use crate::support::{Options, TestApp};
use ecrin_store_tests::Db;

#[tokio::test]
async fn health_readiness_and_metrics() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        assert_eq!(app.get_text("/healthz").await.0, 200);
        let (status, _, body) = app.get_text("/readyz").await;
        assert_eq!((status, body.as_str()), (200, "ready\n"));
        app.get("/api/v1/products").await;
        app.get("/fr/").await;
        // A sign-up writes the account and the e-mail that activates it.
        crate::basket::customer_token(&app, "ops@example.test").await;
        let (status, headers, metrics) = app.get_text("/metrics").await;
        assert_eq!(status, 200);
        assert!(
            headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|c| c.starts_with("text/plain"))
        );
        assert!(
            metrics.contains(
                "http_requests_total{method=\"GET\",route=\"/api/v1/products\",status=\"200\"} 1"
            ),
            "{metrics}"
        );
        assert!(
            metrics.contains("http_request_duration_seconds_bucket"),
            "{metrics}"
        );
        // The embedded database's one writer: busy time tells whether orders queue for it.
        let counter = |name: &str| {
            metrics
                .lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse::<f64>().ok())
        };
        match db {
            Db::Sqlite => {
                let transactions = counter("ecrin_db_writer_transactions_total");
                assert!(transactions.is_some_and(|n| n >= 1.0), "{metrics}");
                let groups = counter("ecrin_db_writer_group_commits_total");
                assert!(
                    groups.is_some_and(|g| g >= 1.0 && transactions.is_some_and(|n| g <= n)),
                    "{metrics}"
                );
                // Every group is on disk before its writers hear back: one sync at least,
                // never more than the groups it covered.
                assert!(
                    counter("ecrin_db_writer_syncs_total")
                        .is_some_and(|s| s >= 1.0 && groups.is_some_and(|g| s <= g)),
                    "{metrics}"
                );
                // Checkpoints beside the writer: counted from the start, none needed yet.
                assert!(
                    counter("ecrin_db_checkpoints_total").is_some_and(|c| c >= 0.0),
                    "{metrics}"
                );
                for busy in [
                    "ecrin_db_writer_transaction_seconds_total",
                    "ecrin_db_writer_commit_seconds_total",
                    "ecrin_db_writer_sync_seconds_total",
                ] {
                    assert!(counter(busy).is_some_and(|s| s > 0.0), "{busy}: {metrics}");
                }
            }
            Db::Postgres => assert!(
                !metrics.contains("ecrin_db_writer_") && !metrics.contains("ecrin_db_checkpoint"),
                "{metrics}"
            ),
        }
    }
}

/// Checks GTS-3.
#[tokio::test]
async fn gts_3_no_response_can_be_framed_and_every_one_carries_a_request_id() {
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    for path in [
        "/fr/",
        "/api/v1/products",
        "/api/v1/products/nothing",
        "/fr/nowhere",
        "/static/app.css",
        "/healthz",
        "/",
    ] {
        let res = app.get(path).await;
        let h = res.headers();
        let csp = h
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(
            h.get("x-frame-options").and_then(|v| v.to_str().ok()),
            Some("DENY"),
            "{path}"
        );
        assert_eq!(
            h.get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff")
        );
        assert!(h.get("x-request-id").is_some(), "{path}");
        // Reached over plain http (a development machine), no HSTS.
        assert!(h.get("strict-transport-security").is_none(), "{path}");
    }
    // A request id sent by a proxy is kept.
    let res = app
        .get_with("/healthz", &[("x-request-id", "edge-42")])
        .await;
    assert_eq!(
        res.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("edge-42")
    );
}

/// Behind TLS, browsers are told to come back over https only (RFC 6797), on every answer.
#[tokio::test]
async fn a_shop_at_an_https_address_sends_hsts() {
    let app = TestApp::with(
        Db::Sqlite,
        "paris",
        Options {
            public_url: Some("https://shop.test"),
            ..Options::default()
        },
    )
    .await;
    for path in ["/fr/", "/api/v1/products", "/fr/nowhere", "/healthz"] {
        let res = app.get(path).await;
        assert_eq!(
            res.headers()
                .get("strict-transport-security")
                .and_then(|v| v.to_str().ok()),
            Some("max-age=63072000"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_catalogue() {
    let app = TestApp::spawn(Db::Sqlite, "paris").await;
    let doc = app.get_json("/api/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/v1/products",
        "/api/v1/products/{slug}",
        "/api/v1/test/clock",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    for schema in ["ProductList", "ProductDto", "VariantDto", "Problem"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    // The scheme the paths that need a login name is declared.
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["type"],
        "http"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(
        doc["paths"]["/api/v1/me"]["get"]["security"][0]["bearer"],
        serde_json::json!([])
    );
    // Every scheme a path names exists.
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    for (path, item) in &paths {
        for (method, op) in item.as_object().cloned().unwrap_or_default() {
            for requirement in op["security"].as_array().cloned().unwrap_or_default() {
                for name in requirement.as_object().cloned().unwrap_or_default().keys() {
                    assert!(
                        doc["components"]["securitySchemes"][name].is_object(),
                        "{method} {path}: scheme {name}"
                    );
                }
            }
        }
    }
}

/// A shop outside test mode does not describe the test routes it does not serve.
#[tokio::test]
async fn the_openapi_document_leaves_the_test_routes_out_outside_test_mode() {
    let app = TestApp::with(
        Db::Sqlite,
        "paris",
        Options {
            test_mode: false,
            ..Options::default()
        },
    )
    .await;
    let doc = app.get_json("/api/openapi.json").await;
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    assert!(paths.contains_key("/api/v1/products"));
    assert!(
        paths.keys().all(|p| !p.starts_with("/api/v1/test/")),
        "{:?}",
        paths.keys()
    );
    let res = app.get("/api/v1/test/outbox").await;
    assert_eq!(res.status(), 404);
}
