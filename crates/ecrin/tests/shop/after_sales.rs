//! After-sales beyond the withdrawal, over the API: a late delivery's additional deadline
//! and cancellation (DLV-4).

use crate::basket::call;
use crate::checkout::{admin_token, order, ready_customer};
use crate::fulfilment::{board, order_total, outbox, pay, placed, ship_body};
use crate::support::TestApp;
use serde_json::{Value, json};

pub(crate) async fn set_clock(app: &TestApp, at: &str) {
    let (status, _) = app
        .post_json("/api/v1/test/clock", &json!({"set": at}))
        .await;
    assert_eq!(status, 200);
}

/// Staff ship the whole order and record its delivery now.
pub(crate) async fn delivered(app: &TestApp, admin: &str, number: &str) {
    for (what, body) in [("ship", ship_body(json!(null))), ("deliver", json!({}))] {
        let (status, b) = call(
            app,
            "POST",
            &format!("/api/v1/admin/orders/{number}/{what}"),
            admin,
            Some(body),
        )
        .await;
        assert!(status == 200 || status == 201, "{b}");
    }
}

/// WDR-1: the customer of `token` withdraws from `number` as `body` says.
pub(crate) async fn withdraw(
    app: &TestApp,
    token: &str,
    number: &str,
    body: Value,
) -> (u16, Value) {
    call(
        app,
        "POST",
        &format!("/api/v1/orders/{number}/withdrawals"),
        token,
        Some(body),
    )
    .await
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
pub(crate) async fn late(app: &TestApp, email: &str, number: &str, body: Value) -> (u16, Value) {
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
        let total = order_total(&app, &token, &number).await;

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
    let (status, html) = page(&app, &path, &session).await;
    assert_eq!(status, 200, "the order's page itself");
    assert!(html.contains(number.as_str()), "the order's page itself");
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
    let (status, html) = page(&app, &path, &session).await;
    assert_eq!(status, 200, "the order's page itself");
    assert!(html.contains(number.as_str()), "the order's page itself");
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
    let (status, html) = page(&app, &path, &session).await;
    assert_eq!(status, 200, "the order's page itself");
    assert!(html.contains(number.as_str()), "the order's page itself");
    assert!(!html.contains("form-late-deadline"), "{html}");
    assert!(
        html.contains("doc-credit-note-"),
        "the refund's credit note: {html}"
    );
}

/// A real JPEG photo of `w`×`h` pixels carrying an EXIF block with a GPS position, as a
/// phone's camera writes it.
pub(crate) fn jpeg_with_gps(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 7 % 256) as u8, (y * 5 % 256) as u8, 180])
    });
    let mut plain = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(
            &mut std::io::Cursor::new(&mut plain),
            image::ImageFormat::Jpeg,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    // APP1 "Exif" right after the start of image, with the GPS tag's name in it.
    let payload = b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude 48.8566N GPSLongitude 2.3522E";
    let len = (payload.len() + 2) as u16;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&plain[2..]);
    out
}

pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, _| image::Rgba([200, (x % 256) as u8, 90, 255]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap_or_else(|e| panic!("{e}"));
    out
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(crate) async fn claim(app: &TestApp, email: &str, number: &str, body: Value) -> (u16, Value) {
    let token = login(app, email).await;
    call(
        app,
        "POST",
        &format!("/api/v1/orders/{number}/claims"),
        &token,
        Some(body),
    )
    .await
}

/// Checks DLV-7, WAR-1, WAR-2 and WAR-3 on `paris` and both databases: nothing to claim
/// before delivery; delivered on Friday 14 May 2027, damage is reported until Thursday 20
/// (Whit Monday skipped) with a photo whose type is read from its bytes and whose EXIF
/// block with a GPS position is gone from what the shop keeps; a file that lies about its
/// type, one too large, none at all are refused; after the 3 working days damage is
/// refused but a defect goes under the warranty. Each claim is answered within 15 days
/// (on the board); customer service decides with a refund and the return's cost.
#[tokio::test]
async fn dlv_7_war_1_war_2_claims_with_photos_and_the_house_answer() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        set_clock(&app, "2027-05-12T10:00:00+02:00").await;
        let email = "casse@example.fr";
        let (token, number) = placed(&app, email).await;
        pay(&app, &token, &number).await;
        let photo = jpeg_with_gps(64, 48);
        let damaged = json!({"kind": "damaged_on_delivery", "line_id": format!("{number}-1"),
                             "description": "Le fermoir est arrivé cassé.",
                             "photos": [{"filename": "fermoir.jpg", "content_type": "image/jpeg",
                                         "data_base64": b64(&photo)}]});
        let (status, body) = claim(&app, email, &number, damaged.clone()).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("wrong_status")),
            "{db:?} {body}"
        );

        set_clock(&app, "2027-05-14T10:00:00+02:00").await;
        let admin = admin_token(&app).await;
        delivered(&app, &admin, &number).await;

        // Bad photos: a PDF named .jpg, a photo over 5 MiB, no photo, bad base64.
        let mut lying = damaged.clone();
        lying["photos"][0]["data_base64"] = json!(b64(b"%PDF-1.7\n1 0 obj << >> endobj\n"));
        let mut big = vec![0xFF, 0xD8, 0xFF, 0xE0];
        big.resize(5 * 1024 * 1024 + 1, 0);
        let mut large = damaged.clone();
        large["photos"][0]["data_base64"] = json!(b64(&big));
        let mut none = damaged.clone();
        none["photos"] = json!([]);
        let mut garbled = damaged.clone();
        garbled["photos"][0]["data_base64"] = json!("not base64 at all!");
        for (body, field) in [
            (lying, "photos[0]"),
            (large, "photos[0]"),
            (none, "photos"),
            (garbled, "photos[0].data_base64"),
        ] {
            let (status, answer) = claim(&app, email, &number, body).await;
            assert_eq!(status, 400, "{answer}");
            assert_eq!(answer["errors"][0]["field"], field, "{answer}");
        }
        ready_customer(&app, "voisin@example.fr", "jonc-rivage", 1).await;
        let (status, _) = claim(&app, "voisin@example.fr", &number, damaged.clone()).await;
        assert_eq!(status, 404, "another customer's order");

        let (status, c) = claim(&app, email, &number, damaged.clone()).await;
        assert_eq!(status, 201, "{db:?} {c}");
        assert_eq!(c["status"], "open");
        assert_eq!(c["answer_due"], "2027-05-29");
        assert_eq!(c["line_id"], format!("{number}-1"));
        let url = c["photos"][0]["url"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let res = app
            .client
            .get(app.url(&url))
            .bearer_auth(login(&app, email).await)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("image/jpeg")
        );
        let kept = res.bytes().await.unwrap_or_default().to_vec();
        assert_eq!(&kept[..2], &[0xFF, 0xD8], "a JPEG");
        let text = String::from_utf8_lossy(&kept);
        assert!(
            !text.contains("Exif") && !text.contains("GPS"),
            "metadata stripped"
        );
        assert!(image::load_from_memory(&kept).is_ok_and(|i| i.width() == 64));
        let mails = outbox(&app, email).await;
        let ack = mails[0]["text"].as_str().unwrap_or_default();
        assert!(ack.contains("29/05/2027"), "{ack}");
        assert!(ack.contains("ec.europa.eu/consumers/odr"), "WAR-5: {ack}");
        let clocks = board(&app, &admin).await;
        assert!(
            clocks.contains(&(
                "claim_answer".into(),
                "WAR-3".into(),
                "2027-05-29T22:00:00Z".into(),
                false
            )),
            "{clocks:?}"
        );

        // Friday 21 May: the 3 working days are over for damage, not for a defect.
        set_clock(&app, "2027-05-21T09:00:00+02:00").await;
        let (status, body) = claim(&app, email, &number, damaged.clone()).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("report_window_closed")),
            "{body}"
        );
        let defect = json!({"kind": "warranty", "line_id": format!("{number}-2"),
                            "description": "Une perle se détache.",
                            "photos": [{"filename": "perle.png", "content_type": "image/png",
                                        "data_base64": b64(&png(40, 30))}]});
        let (status, d) = claim(&app, email, &number, defect).await;
        assert_eq!(status, 201, "{d}");
        assert_eq!(d["photos"][0]["content_type"], "image/png");

        // WAR-2: customer service decides; the warehouse may not.
        let admin = admin_token(&app).await;
        ecrin_app::staff::create_staff(
            &app.app,
            "dock@maison.test",
            "Dock",
            ecrin_core::account::Role::Warehouse,
            "a long staff secret",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let warehouse =
            crate::checkout::staff_token(&app, "dock@maison.test", "a long staff secret").await;
        let id = c["id"].as_str().unwrap_or_default();
        let decision = json!({"outcome": "refund", "reason": "Fermoir défectueux, constaté.", "return_cost": 900});
        let path = format!("/api/v1/admin/claims/{id}/decide");
        let (status, _) = call(&app, "POST", &path, &warehouse, Some(decision.clone())).await;
        assert_eq!(status, 403);
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &login(&app, email).await,
            None,
        )
        .await;
        let unit = o["lines"][0]["unit_price_incl_vat"]["amount"]
            .as_i64()
            .unwrap_or_default();
        assert_eq!(o["claims"].as_array().map(Vec::len), Some(2), "{o}");
        let (status, decided) = call(&app, "POST", &path, &admin, Some(decision.clone())).await;
        assert_eq!(status, 200, "{decided}");
        assert_eq!(decided["status"], "refund");
        assert_eq!(decided["refund"]["amount"]["amount"], unit + 900);
        assert!(
            decided["refund"]["credit_note"]["number"].is_string(),
            "{decided}"
        );
        let (status, again) = call(&app, "POST", &path, &admin, Some(decision)).await;
        assert_eq!(
            (status, again["code"].as_str()),
            (409, Some("wrong_status"))
        );
        let mails = outbox(&app, email).await;
        assert!(
            mails.iter().any(|m| m["text"]
                .as_str()
                .unwrap_or_default()
                .contains("Fermoir défectueux")),
            "the answer e-mailed"
        );
        // Staff read the photo too.
        let staff_url = format!(
            "/api/v1/admin/claims/{id}/photos/{}",
            c["photos"][0]["id"].as_str().unwrap_or_default()
        );
        let res = app
            .client
            .get(app.url(&staff_url))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        // The claim answered leaves the board; the defect's stays.
        let kinds: Vec<String> = board(&app, &admin).await.into_iter().map(|c| c.0).collect();
        assert_eq!(
            kinds.iter().filter(|k| *k == "claim_answer").count(),
            1,
            "{kinds:?}"
        );
    }
}

/// Checks WAR-3 and PRV-9: a message through the contact form is answered within 15 days,
/// on the board until answered.
#[tokio::test]
async fn war_3_a_message_is_on_the_board_until_answered() {
    let app = TestApp::spawn(ecrin_store_tests::Db::Sqlite, "milano").await;
    set_clock(&app, "2026-12-20T10:00:00+01:00").await;
    let (status, _) = app
        .post_json(
            "/api/v1/contact",
            &json!({"name": "Giulia", "email": "giulia@example.it", "subject": "Riparazione",
                    "message": "Vorrei far riparare un anello."}),
        )
        .await;
    assert!(status < 300);
    let admin = admin_token(&app).await;
    let (_, b) = call(&app, "GET", "/api/v1/admin/deadlines", &admin, None).await;
    let message = b["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|c| c["kind"] == "message_answer")
                .cloned()
        })
        .unwrap_or_default();
    assert_eq!(message["rule"], "WAR-3", "{b}");
    assert_eq!(message["due_at"], "2027-01-04T23:00:00Z");
    assert_eq!(message["order_number"], Value::Null);
}

/// Checks WAR-5 on the complaints page (the contact page's section): the mediator, the
/// EU's dispute platform, the cap on liability, and `milano`'s 30 days of amicable
/// settlement, which `paris` does not ask.
#[tokio::test]
async fn war_5_the_complaints_page_names_the_mediator_the_platform_and_the_cap() {
    for (profile, lang, mediator, amicable) in [
        (
            "milano",
            "it",
            "Camera Arbitrale di Milano",
            Some("30 giorni"),
        ),
        ("paris", "fr", "CM2C", None),
    ] {
        let app = TestApp::spawn(ecrin_store_tests::Db::Sqlite, profile).await;
        let res = app
            .client
            .get(app.url(&format!("/{lang}/complaints")))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let to = res
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert_eq!(to, format!("/{lang}/contact#complaints"), "{profile}");
        let (status, html) = crate::staff_pages::page(&app, &format!("/{lang}/contact"), "").await;
        assert_eq!(status, 200);
        let section = html.split("id=\"complaints\"").nth(1).unwrap_or_default();
        assert!(section.contains(mediator), "{profile}: {section}");
        assert!(section.contains("ec.europa.eu/consumers/odr"), "{section}");
        let answered = if lang == "fr" {
            "réponse sous 15 jours"
        } else {
            "risposta entro 15 giorni"
        };
        assert!(section.contains(answered), "WAR-3: {section}");
        match amicable {
            Some(days) => assert!(section.contains(days), "{section}"),
            None => assert!(!section.contains("règlement amiable"), "{section}"),
        }
    }
}

/// Checks WAR-4 on `atelier` and both databases: customer service recalls a product;
/// every buyer who paid for it and still holds it is e-mailed with a return at the house's
/// cost, an unpaid order's customer is not; the order page shows the recall.
#[tokio::test]
async fn war_4_a_recall_reaches_every_buyer_with_a_return_at_the_house_cost() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "atelier").await;
        let (ta, a) = placed(&app, "anne@example.fr").await;
        pay(&app, &ta, &a).await;
        let tb = ready_customer(&app, "bruno@example.fr", "jonc-rivage", 1).await;
        let (_, s) = call(&app, "POST", "/api/v1/checkout", &tb, Some(json!({}))).await;
        let (_, o) = order(&app, &tb, &s, None).await;
        let b = o["number"].as_str().unwrap_or_default().to_owned();
        pay(&app, &tb, &b).await;
        let tc = ready_customer(&app, "chloe@example.fr", "jonc-rivage", 1).await;
        let (_, s) = call(&app, "POST", "/api/v1/checkout", &tc, Some(json!({}))).await;
        let (status, _) = order(&app, &tc, &s, None).await;
        assert_eq!(status, 201, "an order left unpaid");

        let admin = admin_token(&app).await;
        for (body, want) in [
            (json!({"sku": "NO-SUCH-SKU", "reason": "Fermoir"}), 404),
            (
                json!({"sku": "X", "product": "jonc-rivage", "reason": "Fermoir"}),
                400,
            ),
            (json!({"product": "jonc-rivage", "reason": ""}), 400),
        ] {
            let (status, answer) =
                call(&app, "POST", "/api/v1/admin/recalls", &admin, Some(body)).await;
            assert_eq!(status, want, "{answer}");
        }
        let (status, _) = call(
            &app,
            "POST",
            "/api/v1/admin/recalls",
            &ta,
            Some(json!({"product": "jonc-rivage", "reason": "Fermoir"})),
        )
        .await;
        assert_eq!(status, 403, "a customer");
        let (status, r) = call(
            &app,
            "POST",
            "/api/v1/admin/recalls",
            &admin,
            Some(json!({"product": "jonc-rivage", "reason": "Le fermoir peut céder."})),
        )
        .await;
        assert_eq!(status, 201, "{db:?} {r}");
        assert_eq!(r["orders"], 2, "{r}");
        let units: Vec<(String, i64)> = r["units"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|u| {
                (
                    u["line_id"].as_str().unwrap_or_default().to_owned(),
                    u["quantity"].as_i64().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(units, [(format!("{a}-1"), 2), (format!("{b}-1"), 1)]);
        for (email, number) in [("anne@example.fr", &a), ("bruno@example.fr", &b)] {
            let mail = &outbox(&app, email).await[0];
            let text = mail["text"].as_str().unwrap_or_default();
            assert!(
                mail["subject"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(number.as_str())
                    && text.contains("Le fermoir peut céder.")
                    && text.contains("étiquette prépayée"),
                "{mail}"
            );
        }
        let chloe = outbox(&app, "chloe@example.fr").await;
        assert!(
            !chloe
                .iter()
                .any(|m| m["text"].as_str().unwrap_or_default().contains("fermoir")),
            "not paid, not recalled"
        );
        let (_, list) = call(&app, "GET", "/api/v1/admin/recalls", &admin, None).await;
        assert_eq!(list["items"][0]["id"], r["id"]);
        let session = crate::checkout_pages::page_login(&app, "en", "anne@example.fr").await;
        let (_, html) =
            crate::staff_pages::page(&app, &format!("/en/account/orders/{a}"), &session).await;
        assert!(html.contains("Le fermoir peut céder."), "{html}");
    }
}

/// Checks WDR-6 on `milano` and both databases: a bangle withdrawn for an exchange with
/// the necklace; once the bangle is back and accepted, its value is credited with a credit
/// note towards the necklace, which waits in the basket; the next summary deducts the
/// credit and the customer pays the difference by card.
#[tokio::test]
async fn wdr_6_an_exchange_credits_the_piece_sent_back_and_charges_the_difference() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "milano").await;
        let email = "scambio@example.it";
        let (token, number) = placed(&app, email).await;
        pay(&app, &token, &number).await;
        let admin = admin_token(&app).await;
        delivered(&app, &admin, &number).await;
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        let bangle = o["lines"][0]["unit_price_incl_vat"]["amount"]
            .as_i64()
            .unwrap_or_default();
        let necklace = crate::basket::sku(&app, "collier-perles-rivage", 0).await;
        let (_, p) = call(
            &app,
            "GET",
            "/api/v1/products/collier-perles-rivage",
            &token,
            None,
        )
        .await;
        let price = p["variants"][0]["price"]["amount"]
            .as_i64()
            .unwrap_or_default();
        assert!(price > bangle, "the necklace costs more: {price} {bangle}");
        let (status, w) = withdraw(
            &app,
            &token,
            &number,
            json!({"lines": [{"line_id": format!("{number}-1"), "quantity": 1}],
                   "outcome": "exchange", "exchange_sku": necklace}),
        )
        .await;
        assert_eq!(status, 201, "{db:?} {w}");
        let id = w["id"].as_str().unwrap_or_default().to_owned();
        let path = format!("/api/v1/admin/returns/{id}");
        let (status, _) = call(
            &app,
            "POST",
            &format!("{path}/receive"),
            &admin,
            Some(json!({})),
        )
        .await;
        assert_eq!(status, 200);
        let (status, x) = call(
            &app,
            "POST",
            &format!("{path}/inspect"),
            &admin,
            Some(json!({"outcome": "accepted"})),
        )
        .await;
        assert_eq!(status, 200, "{x}");
        assert_eq!(x["refund"], Value::Null, "nothing back to the card: {x}");
        assert_eq!(x["exchange"]["sku"], necklace.as_str());
        assert_eq!(x["exchange"]["credit"]["amount"], bangle);
        assert_eq!(x["exchange"]["difference_due"]["amount"], price - bangle);
        assert_eq!(x["exchange"]["in_basket"], true);
        assert!(x["exchange"]["credit_note"].is_string(), "INV-3: {x}");
        let (_, me) = call(&app, "GET", "/api/v1/me", &token, None).await;
        assert_eq!(me["store_credit"]["amount"], bangle, "{me}");
        let mail = &outbox(&app, email).await;
        assert!(
            mail.iter()
                .any(|m| m["text"].as_str().unwrap_or_default().contains(&necklace)),
            "the e-mail names the piece"
        );

        // The necklace is in the basket; the summary deducts the credit.
        crate::checkout::restock(&app, &necklace, 5).await;
        let (status, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        assert_eq!(status, 201, "{s}");
        assert_eq!(s["lines"][0]["sku"], necklace.as_str(), "{s}");
        assert_eq!(s["store_credit"]["amount"], bangle);
        let due = s["amount_due"]["amount"].as_i64().unwrap_or_default();
        assert_eq!(
            due,
            s["total"]["amount"].as_i64().unwrap_or_default() - bangle
        );
        let (status, o2) = order(&app, &token, &s, None).await;
        assert_eq!(status, 201, "{o2}");
        let second = o2["number"].as_str().unwrap_or_default().to_owned();
        pay(&app, &token, &second).await;
        let (_, o2) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{second}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o2["status"], "being_prepared", "{o2}");
        let (_, me) = call(&app, "GET", "/api/v1/me", &token, None).await;
        assert_eq!(me["store_credit"]["amount"], 0, "spent: {me}");
    }
}

/// Checks WDR-5 on `paris` (SQLite): an order sent by DHL Express (a priority service)
/// withdrawn from in full is refunded the pieces and the standard delivery charge
/// (Colissimo's for the same parcel), never the priority premium; with every piece back,
/// its withdrawal window leaves the board.
#[tokio::test]
async fn wdr_5_a_priority_delivery_is_refunded_at_the_standard_rate() {
    let app = TestApp::spawn(ecrin_store_tests::Db::Sqlite, "paris").await;
    let email = "express@example.fr";
    let token = ready_customer(&app, email, "jonc-rivage", 1).await;
    let (status, s) = call(
        &app,
        "POST",
        "/api/v1/checkout",
        &token,
        Some(json!({"delivery_method": "dhl_express"})),
    )
    .await;
    assert_eq!(status, 201, "{s}");
    let premium = s["delivery_charge"]["amount"].as_i64().unwrap_or_default();
    let (_, standard) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
    let standard = standard["delivery_charge"]["amount"]
        .as_i64()
        .unwrap_or_default();
    assert!(premium > standard && standard > 0, "{premium} {standard}");
    let (status, o) = order(&app, &token, &s, None).await;
    assert_eq!(status, 201, "{o}");
    let number = o["number"].as_str().unwrap_or_default().to_owned();
    pay(&app, &token, &number).await;
    let admin = admin_token(&app).await;
    delivered(&app, &admin, &number).await;
    let (status, w) = withdraw(
        &app,
        &token,
        &number,
        json!({"lines": [{"line_id": format!("{number}-1"), "quantity": 1}]}),
    )
    .await;
    assert_eq!(status, 201, "{w}");
    let id = w["id"].as_str().unwrap_or_default();
    let path = format!("/api/v1/admin/returns/{id}");
    let (status, _) = call(
        &app,
        "POST",
        &format!("{path}/receive"),
        &admin,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, x) = call(
        &app,
        "POST",
        &format!("{path}/inspect"),
        &admin,
        Some(json!({"outcome": "accepted"})),
    )
    .await;
    assert_eq!(status, 200, "{x}");
    let price = o["lines"][0]["unit_price_incl_vat"]["amount"]
        .as_i64()
        .unwrap_or_default();
    assert_eq!(x["refund"]["amount"]["amount"], price + standard, "{x}");
    // WDR-1: nothing left to withdraw from, the window leaves the board.
    let kinds: Vec<String> = board(&app, &admin).await.into_iter().map(|c| c.0).collect();
    assert!(
        !kinds.contains(&"withdrawal_window".to_owned()),
        "{kinds:?}"
    );
}

/// Checks WDR-5 with WAR-2 on `milano` (SQLite): after a claim refunded most of the order,
/// a return accepted is refunded no more than what is left of the payment, and the return
/// is accepted (no refund beyond what was paid, nothing half done).
#[tokio::test]
async fn wdr_5_a_return_after_a_claim_refunds_what_is_left() {
    let app = TestApp::spawn(ecrin_store_tests::Db::Sqlite, "milano").await;
    let email = "resto@example.it";
    let (token, number) = placed(&app, email).await;
    pay(&app, &token, &number).await;
    let admin = admin_token(&app).await;
    delivered(&app, &admin, &number).await;
    let total = order_total(&app, &token, &number).await;
    let (status, c) = claim(
        &app,
        email,
        &number,
        json!({"kind": "damaged_on_delivery", "line_id": format!("{number}-1"),
               "description": "Graffiato.",
               "photos": [{"filename": "a.jpg", "content_type": "image/jpeg",
                           "data_base64": b64(&jpeg_with_gps(16, 16))}]}),
    )
    .await;
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_str().unwrap_or_default();
    let (status, d) = call(
        &app,
        "POST",
        &format!("/api/v1/admin/claims/{id}/decide"),
        &admin,
        Some(json!({"outcome": "refund", "reason": "Rimborso", "refund_amount": total - 100})),
    )
    .await;
    assert_eq!(status, 200, "{d}");
    let (status, w) = withdraw(
        &app,
        &token,
        &number,
        json!({"lines": [{"line_id": format!("{number}-2"), "quantity": 1}]}),
    )
    .await;
    assert_eq!(status, 201, "{w}");
    let path = format!(
        "/api/v1/admin/returns/{}",
        w["id"].as_str().unwrap_or_default()
    );
    let (status, _) = call(
        &app,
        "POST",
        &format!("{path}/receive"),
        &admin,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, x) = call(
        &app,
        "POST",
        &format!("{path}/inspect"),
        &admin,
        Some(json!({"outcome": "accepted"})),
    )
    .await;
    assert_eq!(status, 200, "{x}");
    assert_eq!(x["return"]["status"], "accepted");
    assert_eq!(x["refund"]["amount"]["amount"], 100, "{x}");
}

/// The order numbers a read by keyset gives one row at a time (`next(after)` reads the row
/// after the number `after`, `""` for the first), until it gives none; at most ten.
async fn one_at_a_time<F: Future<Output = Vec<String>>>(
    mut next: impl FnMut(String) -> F,
) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..10 {
        let after = seen.last().cloned().unwrap_or_default();
        match next(after).await.into_iter().next() {
            Some(number) => seen.push(number),
            None => return seen,
        }
    }
    panic!("still reading after ten rows: {seen:?}");
}

/// Checks WDR-4's list of returns for the staff who take them in, on both databases: the
/// returns notified first come first, as many as the list holds, with how many wait in
/// all (the page shows a hundred).
#[tokio::test]
async fn wdr_4_the_returns_list_gives_the_first_notified_and_how_many_wait() {
    for db in ecrin_store_tests::BOTH {
        let app = TestApp::spawn(db, "paris").await;
        set_clock(&app, "2026-12-07T10:00:00+01:00").await;
        let admin = admin_token(&app).await;
        let mut numbers = Vec::new();
        for email in ["premier@example.fr", "second@example.fr"] {
            let (token, number) = placed(&app, email).await;
            pay(&app, &token, &number).await;
            delivered(&app, &admin, &number).await;
            let (status, w) = withdraw(
                &app,
                &token,
                &number,
                json!({"lines": [{"line_id": format!("{number}-1"), "quantity": 1}]}),
            )
            .await;
            assert_eq!(status, 201, "{db:?} {w}");
            numbers.push(number);
            crate::payment::advance(&app, "PT1H").await;
        }
        let dock = ecrin_app::staff::create_staff(
            &app.app,
            "dock@maison.test",
            "Marc",
            ecrin_core::account::Role::Warehouse,
            "a long staff secret",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let (first, total) = ecrin_app::withdrawals::awaited(&app.app, &dock.id, 1)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(total, 2, "{db:?}");
        let shown: Vec<&str> = first.iter().map(|(_, o)| o.number.as_str()).collect();
        assert_eq!(shown, [numbers[0].as_str()], "{db:?}");
        let (all, _) = ecrin_app::withdrawals::awaited(&app.app, &dock.id, 100)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(all.len(), 2);
        // The deadline board reads them a chunk at a time: the next after the first is the
        // second, and nothing follows it.
        let store = &app.app.store;
        let page = |after: Option<(i64, String)>| async move {
            store
                .returns_awaited(after.as_ref().map(|(at, id)| (*at, id.as_str())), 1)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let one = page(None).await;
        assert_eq!(one[0].1, numbers[0]);
        let two = page(Some((one[0].0.notified_at, one[0].0.id.clone()))).await;
        assert_eq!(two[0].1, numbers[1], "{db:?}");
        let none = page(Some((two[0].0.notified_at, two[0].0.id.clone()))).await;
        assert!(none.is_empty());
        // The same for the open orders (two paid, not shipped) and the deliveries of the
        // withdrawal windows.
        let mut open = Vec::new();
        for email in ["troisieme@example.fr", "quatrieme@example.fr"] {
            let (token, number) = placed(&app, email).await;
            pay(&app, &token, &number).await;
            open.push(number);
        }
        let seen = one_at_a_time(|after| async move {
            let chunk = store.open_orders(&after, 1).await;
            chunk
                .unwrap_or_else(|e| panic!("{e}"))
                .into_iter()
                .map(|o| o.number)
                .collect()
        })
        .await;
        assert_eq!(seen, open, "{db:?}: each open order once, in order");
        let seen = one_at_a_time(|after| async move {
            let chunk = store.recent_deliveries(0, &after, 1).await;
            chunk
                .unwrap_or_else(|e| panic!("{e}"))
                .into_iter()
                .map(|d| d.number)
                .collect()
        })
        .await;
        assert_eq!(seen, numbers, "{db:?}: each delivery once, in order");
    }
}
