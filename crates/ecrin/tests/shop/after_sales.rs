//! After-sales beyond the withdrawal, over the API: a late delivery's additional deadline
//! and cancellation (DLV-4).

use crate::basket::call;
use crate::checkout::{admin_token, order, ready_customer};
use crate::fulfilment::{board, outbox, pay, placed, ship_body};
use crate::support::TestApp;
use serde_json::{Value, json};

async fn set_clock(app: &TestApp, at: &str) {
    let (status, _) = app
        .post_json("/api/v1/test/clock", &json!({"set": at}))
        .await;
    assert_eq!(status, 200);
}

/// A customer's session, opened now (one opened before the clock moved has expired).
pub(crate) async fn login(app: &TestApp, email: &str) -> String {
    let (status, body) = app
        .post_json(
            "/api/v1/sessions",
            &json!({"email": email, "password": "rubis et onyx"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["token"].as_str().unwrap_or_default().to_owned()
}

/// DLV-4 asked by the customer of `email`.
async fn late(app: &TestApp, email: &str, number: &str, body: Value) -> (u16, Value) {
    let token = login(app, email).await;
    call(
        app,
        "POST",
        &format!("/api/v1/orders/{number}/late-delivery"),
        &token,
        Some(body),
    )
    .await
}

/// Checks DLV-4 on `paris` and both databases, in the French calendar: paid on Thursday 29
/// April 2027, the 30 working days skip Ascension (6 May) and Whit Monday (17 May) and
/// end on Monday 14 June. Until then nothing is late; after it the customer sets an
/// additional deadline (told by e-mail, on the board); cancelling waits for it to pass, and
/// then cancels and refunds the whole order with its credit note, once.
#[tokio::test]
async fn dlv_4_late_delivery_additional_deadline_then_cancellation() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        set_clock(&app, "2027-04-29T10:00:00+02:00").await;
        let email = "retard@example.fr";
        let (token, number) = placed(&app, email).await;
        pay(&app, &token, &number).await;
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        let total = o["total"]["amount"].as_i64().unwrap_or_default();
        assert!(total > 0, "{o}");

        // The last day of the limit: not late yet.
        set_clock(&app, "2027-06-14T20:00:00+02:00").await;
        let (status, body) = late(
            &app,
            email,
            &number,
            json!({"action": "set_deadline", "deadline": "2027-06-25"}),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("delivery_not_late")),
            "{db:?} {body}"
        );

        set_clock(&app, "2027-06-15T09:00:00+02:00").await;
        // Late, but no cancellation before an additional deadline has passed.
        let (status, body) = late(&app, email, &number, json!({"action": "cancel"})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("delivery_not_late")),
            "{body}"
        );
        // A deadline must be after today.
        let (status, body) = late(
            &app,
            email,
            &number,
            json!({"action": "set_deadline", "deadline": "2027-06-15"}),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        // Another customer's order is not found.
        ready_customer(&app, "autre@example.fr", "jonc-rivage", 1).await;
        let (status, _) = late(
            &app,
            "autre@example.fr",
            &number,
            json!({"action": "set_deadline", "deadline": "2027-06-22"}),
        )
        .await;
        assert_eq!(status, 404);

        let (status, body) = late(
            &app,
            email,
            &number,
            json!({"action": "set_deadline", "deadline": "2027-06-22"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["delivery_limit"], "2027-06-14",
            "{db:?}: Ascension and Whit Monday skipped"
        );
        assert_eq!(body["deadline"], "2027-06-22");
        assert_eq!(body["delivery_date_essential"], false);
        let mails = outbox(&app, email).await;
        let text = mails[0]["text"].as_str().unwrap_or_default();
        assert!(text.contains("22/06/2027"), "{text}");
        let admin = admin_token(&app).await;
        let clocks = board(&app, &admin).await;
        assert!(
            clocks.contains(&(
                "late_delivery_deadline".into(),
                "DLV-4".into(),
                "2027-06-22T22:00:00Z".into(),
                false
            )),
            "{clocks:?}"
        );

        // On the deadline's last day, still not cancellable.
        set_clock(&app, "2027-06-22T18:00:00+02:00").await;
        let (status, body) = late(&app, email, &number, json!({"action": "cancel"})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("delivery_not_late")),
            "{body}"
        );

        set_clock(&app, "2027-06-23T09:00:00+02:00").await;
        let (status, body) = late(&app, email, &number, json!({"action": "cancel"})).await;
        assert_eq!(status, 200, "{db:?} {body}");
        assert_eq!(body["status"], "cancelled");
        assert_eq!(
            body["refund"]["amount"]["amount"], total,
            "refunded in full"
        );
        assert!(
            body["refund"]["credit_note"]["number"].is_string(),
            "{body}"
        );
        let token = login(&app, email).await;
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o["status"], "cancelled");
        let refunded: i64 = o["refunds"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|r| r["amount"]["amount"].as_i64())
                    .sum()
            })
            .unwrap_or_default();
        assert_eq!(refunded, total);
        // Once.
        let (status, body) = late(&app, email, &number, json!({"action": "cancel"})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("wrong_status")),
            "{body}"
        );
        let admin = admin_token(&app).await;
        let kinds: Vec<String> = board(&app, &admin).await.into_iter().map(|c| c.0).collect();
        assert!(
            !kinds.contains(&"late_delivery_deadline".to_owned()),
            "{kinds:?}"
        );
    }
}

/// Checks DLV-4 on `milano` and both databases: a delivery date declared essential at
/// checkout lets the customer cancel as soon as the 30 days are over (Saturday 29 May
/// 2027, carried to Monday 31), without an additional deadline; a parcel on its way
/// cannot be cancelled that way.
#[tokio::test]
async fn dlv_4_a_date_declared_essential_allows_immediate_cancellation() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "milano").await;
        set_clock(&app, "2027-04-29T10:00:00+02:00").await;
        let mut numbers = Vec::new();
        let emails = ["urgente@example.it", "spedito@example.it"];
        for email in emails {
            let token = ready_customer(&app, email, "jonc-rivage", 1).await;
            let (status, s) = call(
                &app,
                "POST",
                "/api/v1/checkout",
                &token,
                Some(json!({"delivery_date_essential": true})),
            )
            .await;
            assert_eq!(status, 201, "{s}");
            assert_eq!(s["delivery_date_essential"], true);
            let (status, o) = order(&app, &token, &s, None).await;
            assert_eq!(status, 201, "{o}");
            let number = o["number"].as_str().unwrap_or_default().to_owned();
            pay(&app, &token, &number).await;
            numbers.push(number);
        }
        let admin = admin_token(&app).await;
        let (status, _) = call(
            &app,
            "POST",
            &format!("/api/v1/admin/orders/{}/ship", numbers[1]),
            &admin,
            Some(ship_body(json!(null))),
        )
        .await;
        assert_eq!(status, 201);

        set_clock(&app, "2027-05-31T12:00:00+02:00").await;
        let (status, body) = late(&app, emails[0], &numbers[0], json!({"action": "cancel"})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("delivery_not_late")),
            "{db:?} {body}"
        );

        set_clock(&app, "2027-06-01T09:00:00+02:00").await;
        let (status, body) = late(&app, emails[1], &numbers[1], json!({"action": "cancel"})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("wrong_status")),
            "{body}"
        );
        let (status, body) = late(&app, emails[0], &numbers[0], json!({"action": "cancel"})).await;
        assert_eq!(status, 200, "{db:?} {body}");
        assert_eq!(body["delivery_limit"], "2027-05-31");
        assert_eq!(body["status"], "cancelled");
        assert!(
            body["refund"]["amount"]["amount"]
                .as_i64()
                .unwrap_or_default()
                > 0
        );
        // An unknown action is refused with the field at fault.
        let (status, body) = late(&app, emails[1], &numbers[1], json!({"action": "wait"})).await;
        assert_eq!(status, 400, "{body}");
    }
}

/// Checks DLV-4 on the order's page, without JavaScript (`atelier`, 30 days): nothing
/// before the limit; after it, the form for an additional deadline, then, once that has
/// passed, the cancellation, which ends the order.
#[tokio::test]
async fn dlv_4_the_customer_acts_on_a_late_order_from_its_page() {
    use crate::account_pages::{csrf_of, post_form};
    use crate::checkout_pages::page_login;
    use crate::staff_pages::page;
    let app = TestApp::spawn(ecrin_store_tests::Db::Sqlite, "atelier").await;
    set_clock(&app, "2027-04-29T10:00:00+02:00").await;
    let email = "lente@example.fr";
    let (token, number) = placed(&app, email).await;
    pay(&app, &token, &number).await;
    let path = format!("/en/account/orders/{number}");
    let session = page_login(&app, "en", email).await;
    let (_, html) = page(&app, &path, &session).await;
    assert!(!html.contains("form-late-deadline"), "not late yet");

    // 30 days from 29 April end on Saturday 29 May: Monday 31 May is the last day.
    set_clock(&app, "2027-06-01T09:00:00+02:00").await;
    let session = page_login(&app, "en", email).await;
    let (_, html) = page(&app, &path, &session).await;
    assert!(html.contains("id=\"form-late-deadline\""), "{html}");
    assert!(html.contains("31 May 2027"), "{html}");
    assert!(
        !html.contains("form-late-cancel"),
        "no cancellation before a deadline"
    );
    let res = post_form(
        &app,
        &format!("{path}/late-delivery"),
        &session,
        &[
            ("csrf", &csrf_of(&html)),
            ("action", "set_deadline"),
            ("deadline", "2027-06-08"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, html) = page(&app, &path, &session).await;
    assert!(html.contains("8 June 2027"), "{html}");
    assert!(!html.contains("form-late-cancel"));

    set_clock(&app, "2027-06-09T09:00:00+02:00").await;
    let session = page_login(&app, "en", email).await;
    let (_, html) = page(&app, &path, &session).await;
    assert!(html.contains("id=\"form-late-cancel\""), "{html}");
    let res = post_form(
        &app,
        &format!("{path}/late-delivery"),
        &session,
        &[("csrf", &csrf_of(&html)), ("action", "cancel")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, html) = page(&app, &path, &session).await;
    assert!(!html.contains("form-late-deadline"), "{html}");
    assert!(
        html.contains("doc-credit-note-"),
        "the refund's credit note: {html}"
    );
}
