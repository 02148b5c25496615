//! The order history as proof (INV-5): append-only, chained, verified by `ecrin verify`.

use crate::basket::call;
use crate::checkout::{order, ready_customer};
use crate::cli::ecrin;
use crate::support::TestApp;
use ecrin_store_tests::{BOTH, Db, raw_sql};
use serde_json::json;

/// Checks INV-5 on both backends: placing an order begins its history; the database
/// refuses to change or remove an event; `ecrin verify` finds every chain whole, then,
/// once an event is altered behind the shop's back (its guard dropped first), names that
/// order and that event and exits 1.
#[tokio::test]
async fn inv_5_verify_names_the_event_altered_behind_the_shops_back() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        for email in ["ana@example.fr", "eva@example.fr"] {
            let token = ready_customer(&app, email, "jonc-rivage", 1).await;
            let (_, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
            let (status, o) = order(&app, &token, &s, None).await;
            assert_eq!(status, 201, "{db:?}: {o}");
        }
        let url = app.database_url().to_owned();
        for sql in [
            "UPDATE order_events SET data = '{}'",
            "DELETE FROM order_events",
        ] {
            let refused = raw_sql(&url, sql).await;
            assert!(
                refused.as_ref().is_err_and(|e| e.contains("append-only")),
                "{db:?}: {sql}: {refused:?}"
            );
        }
        let env = [("ECRIN_DATABASE_URL", url.as_str())];
        let (code, out, err) = ecrin(&env, &["verify"]);
        assert_eq!(code, 0, "{db:?}: {out}{err}");
        assert!(
            out.contains("2 orders, 2 events") && out.contains("every chain holds"),
            "{db:?}: {out}"
        );

        let unguard = match db {
            Db::Sqlite => "DROP TRIGGER order_events_never_change",
            Db::Postgres => "DROP TRIGGER order_events_never_change ON order_events",
        };
        raw_sql(&url, unguard)
            .await
            .unwrap_or_else(|e| panic!("{db:?}: {e}"));
        let changed = raw_sql(
            &url,
            "UPDATE order_events SET data = replace(data, '\"total\":34900', '\"total\":100') \
             WHERE order_id = (SELECT id FROM orders WHERE number = '000002')",
        )
        .await
        .unwrap_or_else(|e| panic!("{db:?}: {e}"));
        assert_eq!(changed, 1, "{db:?}");
        let (code, out, err) = ecrin(&env, &["verify"]);
        assert_eq!(code, 1, "{db:?}: {out}{err}");
        assert!(
            out.contains("BROKEN order 000002, event 1 (placed): it was altered"),
            "{db:?}: {out}"
        );
        assert!(!out.contains("order 000001"), "{db:?}: {out}");
        assert!(err.contains("does not hold"), "{db:?}: {err}");
    }
}
