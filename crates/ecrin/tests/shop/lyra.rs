//! Card payments through Lyra's platform (Sogecommerce for the `paris` house; PAY-1,
//! PAY-2, PAY-3), against the Lyra stand-in (`tests/standins/lyra_standin.py`): every call
//! the shop makes is checked against the web service's documented parameters, and every
//! notification is signed by the stand-in, not by the shop's code (the shop's hash check
//! is held to Lyra's published known answers in `ecrin_app::lyra`).

use crate::basket::call;
use crate::checkout::admin_token;
use crate::fulfilment::placed;
use crate::stripe::{follow_pay_link, order_when, staff_refund};
use crate::support::{Options, TestApp};
use ecrin_store_tests::Db;
use serde_json::{Value, json};

async fn shop(db: Db) -> TestApp {
    let options = Options {
        lyra: true,
        ..Options::default()
    };
    TestApp::with(db, "paris", options).await
}

pub(crate) fn standin(app: &TestApp) -> &crate::standins::StandIn {
    app.lyra
        .as_ref()
        .unwrap_or_else(|| panic!("a shop without its Lyra stand-in"))
}

/// The bodies of the shop's calls of web service `ws`.
async fn calls(app: &TestApp, ws: &str) -> Vec<Value> {
    standin(app)
        .read("requests")
        .await
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["ws"] == ws)
        .map(|r| r["body"].clone())
        .collect()
}

/// The stand-in's transactions of order `number`: (operation, amount, detailed status).
pub(crate) async fn transactions(app: &TestApp, number: &str) -> Vec<(String, i64, String)> {
    let state = standin(app).read("state").await;
    state["transactions"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .filter(|t| t["orderId"] == number)
        .map(|t| {
            (
                t["operationType"].as_str().unwrap_or_default().to_owned(),
                t["amount"].as_i64().unwrap_or_default(),
                t["detailedStatus"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Pays the payment order the pay link leads to with `card` (`final`: no more tries
/// after a refusal): the payment order's id and where the customer's browser is sent.
pub(crate) async fn pay_on_lyra(
    app: &TestApp,
    token: &str,
    number: &str,
    card: &str,
    last: bool,
) -> (String, String) {
    let (status, page) = follow_pay_link(app, token, number).await;
    let st = standin(app);
    assert_eq!(status, 303, "{page} {}", st.read("violations").await);
    assert!(page.starts_with(&format!("{}/t/", st.base)), "{page}");
    let id = page.rsplit('/').next().unwrap_or_default().to_owned();
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
        .post(format!("{}/_standin/pay/{id}", st.base))
        .form(&[("card", card), ("final", if last { "1" } else { "0" })])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status().as_u16(), 303);
    let back = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (id, back)
}

pub(crate) const PAID: &str = "4970100000000055";
const REFUSED: &str = "4970100000000097";

async fn events(app: &TestApp, admin: &str, number: &str) -> Value {
    call(
        app,
        "GET",
        &format!("/api/v1/admin/orders/{number}/events"),
        admin,
        None,
    )
    .await
    .1
}

fn count(events: &Value, kind: &str) -> usize {
    events["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["kind"] == kind)
        .count()
}

/// Posts a notification as Lyra's servers would: its status.
async fn post_ipn(app: &TestApp, form: &[(&str, &str)]) -> u16 {
    app.client
        .post(app.url("/api/v1/payments/lyra/ipn"))
        .form(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .status()
        .as_u16()
}

/// Checks PAY-1, PAY-2 with Lyra on `paris` and both databases: the pay link opens one
/// payment order (`channelType=URL`, the order's number and amount, the customer's e-mail
/// and language, a link valid within a day), opened again while it runs; paid on Lyra's
/// page, the signed notification makes the order a contract: sent twice and out of order,
/// it pays once, invoices once. A notification whose hash does not hold, or signed with
/// the browser's key, is refused with 400 `invalid_signature`. Back from the page, the browser lands on the
/// order. A refund before the day's capture lowers the payment, one after it is a credit
/// of its own; asked twice with one key, one call. No call strays from Lyra's documents.
#[tokio::test]
async fn pay_1_pay_2_lyra_takes_the_payment_by_its_signed_notification_and_refunds_it() {
    for db in ecrin_store_tests::BOTH {
        let app = shop(db).await;
        let st = standin(&app);
        let email = "sogecommerce@example.fr";
        let (token, number) = placed(&app, email).await;
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        let total = o["total"]["amount"].as_i64().unwrap_or_default();

        st.control("ipn", json!({"hold": true})).await;
        let (status, page) = follow_pay_link(&app, &token, &number).await;
        assert_eq!(status, 303, "{db:?}: {page}");
        let (again_status, again) = follow_pay_link(&app, &token, &number).await;
        assert_eq!(
            (again_status, &again),
            (303, &page),
            "{db:?}: the same link"
        );
        let created = calls(&app, "Charge/CreatePaymentOrder").await;
        assert_eq!(created.len(), 1, "{db:?}: {created:?}");
        let body = &created[0];
        assert_eq!(body["amount"], total);
        assert_eq!(body["currency"], "EUR");
        assert_eq!(body["orderId"], number.as_str());
        assert_eq!(body["channelOptions"]["channelType"], "URL");
        assert_eq!(body["paymentReceiptEmail"], email);
        assert_eq!(body["locale"], "fr_FR");
        let expires = jiff::Timestamp::strptime(
            "%Y-%m-%dT%H:%M:%S%:z",
            body["expirationDate"].as_str().unwrap_or_default(),
        )
        .unwrap_or_else(|e| panic!("{body}: {e}"))
        .as_second();
        let wall = jiff::Timestamp::now().as_second();
        assert!(
            expires > wall + 22 * 3600 - 5 && expires <= wall + 24 * 3600,
            "{body}"
        );

        let (_, back) = pay_on_lyra(&app, &token, &number, PAID, false).await;
        let released = st
            .control("ipn/release", json!({"order": "reverse", "twice": true}))
            .await;
        assert_eq!(released["released"], json!(["PAID"]), "{released}");
        let o = order_when(&app, &token, &number, |o| o["status"] == "being_prepared").await;
        assert!(o["invoice"]["number"].is_string(), "{db:?}: {o}");
        let deliveries = st.read("deliveries").await;
        assert!(
            deliveries
                .as_array()
                .is_some_and(|d| d.len() == 2 && d.iter().all(|d| d["status"] == 200)),
            "{db:?}: {deliveries}"
        );
        let admin = admin_token(&app).await;
        let ev = events(&app, &admin, &number).await;
        assert_eq!((count(&ev, "paid"), count(&ev, "invoiced")), (1, 1), "{ev}");

        // Forged notifications: a hash that does not hold, one made with the HMAC key.
        let answer = json!({"orderStatus": "PAID", "orderCycle": "CLOSED",
            "orderDetails": {"orderId": number}, "transactions": []})
        .to_string();
        let by_hmac = st
            .control("sign", json!({"answer": answer, "key": "hmac"}))
            .await["hash"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        for (key, hash) in [
            ("password", by_hmac.as_str()),
            ("sha256_hmac", by_hmac.as_str()),
        ] {
            let status = post_ipn(
                &app,
                &[
                    ("kr-hash", hash),
                    ("kr-hash-algorithm", "sha256_hmac"),
                    ("kr-hash-key", key),
                    ("kr-answer-type", "V4/Payment"),
                    ("kr-answer", &answer),
                ],
            )
            .await;
            assert_eq!(status, 400, "{db:?}: {key}");
        }

        // The browser back with the HMAC key's answer: on the order's page.
        let query = back.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let res = app.get(&format!("/payments/lyra/return?{query}")).await;
        assert_eq!(res.status().as_u16(), 303);
        let to = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            to.ends_with(&format!("/fr/account/orders/{number}?payment=returned")),
            "{to}"
        );
        let tampered = query.replace("PAID", "UNPAID");
        let res = app.get(&format!("/payments/lyra/return?{tampered}")).await;
        assert!(
            res.headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|l| l.ends_with("/fr/account/orders")),
            "{db:?}: a tampered answer leads to the customer's orders"
        );

        // Before the day's capture: the payment lowered, once for one key.
        let (status, first) = staff_refund(&app, &admin, &number, "lyra-refund-1", 5000).await;
        assert_eq!(
            (status, &first["status"]),
            (201, &json!("succeeded")),
            "{first}"
        );
        let (status, second) = staff_refund(&app, &admin, &number, "lyra-refund-1", 5000).await;
        assert_eq!((status, &second["id"]), (200, &first["id"]), "{second}");
        assert_eq!(calls(&app, "Transaction/CancelOrRefund").await.len(), 1);
        assert_eq!(
            transactions(&app, &number).await,
            vec![("DEBIT".to_owned(), total - 5000, "AUTHORISED".to_owned())],
            "{db:?}"
        );

        // After it: WDR-1, a unit withdrawn before it left is refunded by a credit.
        st.control("capture", json!({})).await;
        let (status, w) = call(
            &app,
            "POST",
            &format!("/api/v1/orders/{number}/withdrawals"),
            &token,
            Some(json!({"lines": [{"line_id": format!("{number}-1"), "quantity": 1}]})),
        )
        .await;
        assert_eq!(status, 201, "{db:?}: {w}");
        assert_eq!(w["refund"]["status"], "succeeded", "{w}");
        let withdrawn = w["refund"]["amount"]["amount"].as_i64().unwrap_or(-1);
        let txs = transactions(&app, &number).await;
        assert!(
            txs.contains(&("CREDIT".to_owned(), withdrawn, "AUTHORISED".to_owned())),
            "{db:?}: {txs:?}"
        );
        assert_eq!(txs.len(), 2, "{db:?}: {txs:?}");
        // The withdrawal's refund was owed in its own transaction, its job a minute on:
        // the job finds it made, by its key, and makes nothing more.
        crate::payment::advance(&app, "PT2M").await;
        assert!(crate::payment::run_jobs(&app).await >= 1, "{db:?}");
        assert_eq!(transactions(&app, &number).await, txs, "{db:?}");
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(
            o["refunds"].as_array().map_or(0, Vec::len),
            2,
            "{db:?}: {o}"
        );
        st.assert_no_violation().await;
    }
}

/// Checks PAY-1 with Lyra on both databases, which takes no idempotency key: a refund
/// whose answer was lost after Lyra made it is left pending and owed on the deadline
/// board, and so is the next refund of the payment asked meanwhile (one call of a payment
/// on its way at a time). Their jobs ask `Transaction/Get` of the payment first, find the
/// first made (not called again) and make the second. One Lyra answered with a 500 is
/// found not made and made by its job. Each refund of the shop is one credit at Lyra.
#[tokio::test]
async fn pay_1_a_lyra_refund_whose_answer_was_lost_is_weighed_before_it_is_made_again() {
    for db in ecrin_store_tests::BOTH {
        let app = shop(db).await;
        let st = standin(&app);
        let (token, number) = placed(&app, "registre@example.fr").await;
        pay_on_lyra(&app, &token, &number, PAID, false).await;
        order_when(&app, &token, &number, |o| o["status"] == "being_prepared").await;
        st.control("capture", json!({})).await;
        let admin = admin_token(&app).await;
        let credits =
            |txs: Vec<(String, i64, String)>| txs.into_iter().filter(|t| t.0 == "CREDIT").count();
        let refunds_of = || async {
            let (_, o) = call(
                &app,
                "GET",
                &format!("/api/v1/orders/{number}"),
                &token,
                None,
            )
            .await;
            o["refunds"].as_array().cloned().unwrap_or_default()
        };
        st.control(
            "faults",
            json!({"ws": "Transaction/CancelOrRefund", "kind": "lost_answer", "times": 1}),
        )
        .await;
        for key in ["lost-1", "meanwhile-2"] {
            let (status, r) = staff_refund(&app, &admin, &number, key, 3000).await;
            assert_eq!(
                (status, &r["status"]),
                (201, &json!("pending")),
                "{db:?} {key}: {r}"
            );
        }
        assert_eq!(credits(transactions(&app, &number).await), 1, "{db:?}");
        assert_eq!(calls(&app, "Transaction/CancelOrRefund").await.len(), 1);
        assert!(
            crate::fulfilment::board(&app, &admin)
                .await
                .iter()
                .any(|(kind, ..)| kind == "refund_due"),
            "{db:?}: owed on the board"
        );
        crate::payment::advance(&app, "PT2M").await;
        assert_eq!(crate::payment::run_jobs(&app).await, 2, "{db:?}");
        let refunds = refunds_of().await;
        assert_eq!(refunds.len(), 2, "{db:?}: {refunds:?}");
        assert!(
            refunds.iter().all(|r| r["status"] == "succeeded"),
            "{db:?}: {refunds:?}"
        );
        assert_eq!(credits(transactions(&app, &number).await), 2, "{db:?}");
        assert_eq!(
            calls(&app, "Transaction/CancelOrRefund").await.len(),
            2,
            "{db:?}: the lost one not called again"
        );
        assert!(!calls(&app, "Transaction/Get").await.is_empty());

        // Lyra down: found not made, made by the job.
        st.control(
            "faults",
            json!({"ws": "Transaction/CancelOrRefund", "kind": "500", "times": 1}),
        )
        .await;
        let (status, r) = staff_refund(&app, &admin, &number, "down-3", 1000).await;
        assert_eq!((status, &r["status"]), (201, &json!("pending")), "{r}");
        crate::payment::advance(&app, "PT2M").await;
        assert_eq!(crate::payment::run_jobs(&app).await, 1, "{db:?}");
        assert!(
            refunds_of()
                .await
                .iter()
                .all(|r| r["status"] == "succeeded"),
            "{db:?}"
        );
        assert_eq!(credits(transactions(&app, &number).await), 3, "{db:?}");
        crate::payment::advance(&app, "PT10M").await;
        crate::payment::run_jobs(&app).await;
        assert_eq!(credits(transactions(&app, &number).await), 3, "{db:?}");
        st.assert_no_violation().await;
    }
}

/// Checks PAY-3 and PAY-1 with Lyra on both databases: a card refused while the customer
/// may still try again on the page leaves the attempt open; refused for good, the attempt
/// ends and the customer pays again through a new payment order. A refund the card cannot
/// take (expired, account closed) is owed the way the terms give (the customer's choice,
/// on the board, and an e-mail says so); so is one Lyra accepted and refused later.
#[tokio::test]
async fn pay_3_lyra_a_refused_card_pays_again_and_a_refund_the_card_refuses_is_owed() {
    for db in ecrin_store_tests::BOTH {
        let app = shop(db).await;
        let st = standin(&app);
        let email = "refusee@example.fr";
        let (token, number) = placed(&app, email).await;
        let admin = admin_token(&app).await;
        pay_on_lyra(&app, &token, &number, REFUSED, false).await;
        // Not ended while the page lets the customer try again.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o["status"], "awaiting_payment", "{db:?}: {o}");
        let ev = events(&app, &admin, &number).await;
        assert_eq!(count(&ev, "payment_refused"), 0, "{db:?}: {ev}");
        pay_on_lyra(&app, &token, &number, REFUSED, true).await;
        let mut refused = 0;
        for _ in 0..100 {
            refused = count(&events(&app, &admin, &number).await, "payment_refused");
            if refused > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(refused, 1, "{db:?}: the attempt ended");
        let (status, o) = call(
            &app,
            "POST",
            &format!("/api/v1/orders/{number}/payments"),
            &token,
            None,
        )
        .await;
        assert_eq!(status, 201, "{db:?}: {o}");
        pay_on_lyra(&app, &token, &number, PAID, false).await;
        order_when(&app, &token, &number, |o| o["status"] == "being_prepared").await;
        assert_eq!(calls(&app, "Charge/CreatePaymentOrder").await.len(), 2);
        st.control("capture", json!({})).await;

        // A refund made, then refused by the card: owed again.
        let (status, r) = staff_refund(&app, &admin, &number, "later", 1000).await;
        assert_eq!((status, &r["status"]), (201, &json!("succeeded")), "{r}");
        let state = st.read("state").await;
        let (credit, debit) = state["transactions"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.values())
            .find(|t| t["operationType"] == "CREDIT")
            .map(|t| {
                (
                    t["uuid"].as_str().unwrap_or_default().to_owned(),
                    t["parent"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .unwrap_or_default();
        st.control(&format!("credits/{credit}/fail"), json!({}))
            .await;
        let o = order_when(&app, &token, &number, |o| {
            o["refunds"][0]["status"] == "pending"
        })
        .await;
        assert_eq!(o["refunds"][0]["destination"], "customer_choice", "{o}");

        // The card closed: the next refund is refused outright, owed the same way.
        st.control(&format!("transactions/{debit}/close"), json!({}))
            .await;
        let (status, r) = staff_refund(&app, &admin, &number, "closed", 2000).await;
        assert_eq!(status, 201, "{db:?}: {r}");
        assert_eq!(
            (&r["status"], &r["destination"]),
            (&json!("pending"), &json!("customer_choice")),
            "{db:?}: {r}"
        );
        assert!(
            crate::fulfilment::board(&app, &admin)
                .await
                .iter()
                .any(|(kind, ..)| kind == "refund_due"),
            "{db:?}: owed on the board"
        );
        let ev = events(&app, &admin, &number).await;
        assert_eq!(
            (
                count(&ev, "refund_failed"),
                count(&ev, "refund_refused_by_provider")
            ),
            (1, 1),
            "{db:?}: {ev}"
        );
        let mails = crate::fulfilment::outbox(&app, email).await;
        let told = mails
            .iter()
            .filter(|m| {
                m.to_string()
                    .contains("n'a pas pu recevoir le remboursement")
            })
            .count();
        assert_eq!(told, 2, "{db:?}: {mails:?}");
        st.assert_no_violation().await;
    }
}

/// Checks PAY-1 with Lyra on both databases: whatever the platform does, a payment is
/// never kept twice. Lyra forgetting a running payment order for a moment, the shop opens
/// a second one for the same attempt; paid on both pages, the second payment is recorded
/// as one the order did not need and given back in full by its job, once: one invoice, no
/// credit note for it, the customer told.
#[tokio::test]
async fn pay_1_a_lyra_attempt_paid_twice_is_given_back_once() {
    for db in ecrin_store_tests::BOTH {
        let app = shop(db).await;
        let st = standin(&app);
        let email = "deuxfois@example.fr";
        let (token, number) = placed(&app, email).await;
        let (_, first) = follow_pay_link(&app, &token, &number).await;
        st.control(
            "faults",
            json!({"ws": "Charge/PaymentOrder/Get", "kind": "unknown", "times": 1}),
        )
        .await;
        let (_, second) = pay_on_lyra(&app, &token, &number, PAID, false).await;
        assert!(second.contains("kr-hash"), "{second}");
        order_when(&app, &token, &number, |o| o["status"] == "being_prepared").await;
        // The first page, still open at Lyra, paid too.
        let first_id = first.rsplit('/').next().unwrap_or_default();
        let res = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
            .post(format!("{}/_standin/pay/{first_id}", st.base))
            .form(&[("card", PAID)])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status().as_u16(), 303);
        let admin = admin_token(&app).await;
        for _ in 0..100 {
            if count(&events(&app, &admin, &number).await, "payment_not_applied") > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        crate::payment::run_jobs(&app).await;
        crate::payment::run_jobs(&app).await;
        let ev = events(&app, &admin, &number).await;
        assert_eq!(
            (
                count(&ev, "paid"),
                count(&ev, "invoiced"),
                count(&ev, "payment_not_applied"),
                count(&ev, "refunded")
            ),
            (1, 1, 1, 1),
            "{db:?}: {ev}"
        );
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        let total = o["total"]["amount"].as_i64().unwrap_or_default();
        let refunds = o["refunds"].as_array().cloned().unwrap_or_default();
        assert_eq!(refunds.len(), 1, "{db:?}: {o}");
        assert_eq!(refunds[0]["status"], "succeeded");
        assert_eq!(refunds[0]["amount"]["amount"], total);
        assert!(refunds[0]["credit_note"].is_null(), "{db:?}: {o}");
        let txs = transactions(&app, &number).await;
        let cancelled = txs.iter().filter(|t| t.2 == "CANCELLED").count();
        let kept = txs.iter().filter(|t| t.2 == "AUTHORISED").count();
        assert_eq!((cancelled, kept), (1, 1), "{db:?}: {txs:?}");
        let told = crate::fulfilment::outbox(&app, email)
            .await
            .iter()
            .filter(|m| m.to_string().contains("dont elle n'avait pas besoin"))
            .count();
        assert_eq!(told, 1, "{db:?}");
        st.assert_no_violation().await;
    }
}

/// Checks PAY-1 with Lyra: the platform answering 500, or not answering, the payment link
/// is a `503` page within five seconds (the call gives up at 4.5 s) and the order stays
/// awaiting payment; once Lyra is back, the same link leads to its page and the order is
/// paid.
#[tokio::test]
async fn pay_1_lyra_unavailable_is_a_503_in_time_and_keeps_the_order() {
    let app = shop(Db::Sqlite).await;
    let st = standin(&app);
    let (token, number) = placed(&app, "indisponible@example.fr").await;
    for kind in ["500", "timeout"] {
        st.control(
            "faults",
            json!({"ws": "Charge/CreatePaymentOrder", "kind": kind, "times": 1}),
        )
        .await;
        let started = std::time::Instant::now();
        let (status, _) = follow_pay_link(&app, &token, &number).await;
        assert_eq!(status, 503, "{kind}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{kind}: {:?}",
            started.elapsed()
        );
        let (_, o) = call(
            &app,
            "GET",
            &format!("/api/v1/orders/{number}"),
            &token,
            None,
        )
        .await;
        assert_eq!(o["status"], "awaiting_payment", "{kind}: {o}");
    }
    pay_on_lyra(&app, &token, &number, PAID, false).await;
    order_when(&app, &token, &number, |o| o["status"] == "being_prepared").await;
    st.assert_no_violation().await;
}
