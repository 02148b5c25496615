//! The documents of a paid order (INV-1, INV-2): the confirmation e-mail with the terms and
//! the withdrawal form attached, delivered over SMTP; the invoice PDF from the API; the
//! packing slip of a gift. Every PDF is read back with poppler's `pdftotext`.

use crate::basket::call;
use crate::checkout::{address, admin_token, order, ready_customer};
use crate::smtp_sink::SmtpSink;
use crate::support::TestApp;
use ecrin_app::mailer::{SmtpMailer, deliver_due};
use ecrin_store_tests::BOTH;
use serde_json::{Value, json};
use std::process::Command;

/// The text of a PDF as a reader extracts it.
pub(crate) fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("pdftotext (poppler-utils): {e}"));
    assert!(out.status.success(), "pdftotext refused the file");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A customer's paid card order of `slug` (`personalisation` for an engraved piece).
pub(crate) async fn paid_order(
    app: &TestApp,
    email: &str,
    slug: &str,
    checkout: Value,
) -> (String, Value) {
    let token = ready_customer(app, email, slug, 1).await;
    let (status, s) = call(app, "POST", "/api/v1/checkout", &token, Some(checkout)).await;
    assert_eq!(status, 201, "{s}");
    let (status, o) = order(app, &token, &s, None).await;
    assert_eq!(status, 201, "{o}");
    let number = o["number"].as_str().unwrap_or_default().to_owned();
    let (status, paid) = call(
        app,
        "POST",
        &format!("/api/v1/test/payments/{number}"),
        &token,
        Some(json!({"card": "4242424242424242"})),
    )
    .await;
    assert_eq!(status, 200, "{paid}");
    let (_, o) = call(
        app,
        "GET",
        &format!("/api/v1/orders/{number}"),
        &token,
        None,
    )
    .await;
    (token, o)
}

pub(crate) async fn get_pdf(
    app: &TestApp,
    path_or_url: &str,
    token: &str,
) -> (u16, String, Vec<u8>) {
    // Links carry the shop's public address; the test server listens elsewhere.
    let path = path_or_url
        .find("/api/")
        .map_or(path_or_url, |i| &path_or_url[i..]);
    let url = app.url(path);
    let res = app
        .client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = res.status().as_u16();
    let kind = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = res.bytes().await.unwrap_or_default().to_vec();
    (status, kind, body)
}

/// The parts of a MIME message, through Python's e-mail parser: (content type, file name,
/// decoded bytes).
fn mime_parts(message: &str) -> Vec<(String, Option<String>, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("message.eml");
    std::fs::write(&path, message).unwrap_or_else(|e| panic!("{e}"));
    let script = r#"
import email, email.policy, sys, base64, json
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
out = []
for part in m.walk():
    if part.is_multipart():
        continue
    out.append({"type": part.get_content_type(), "name": part.get_filename(),
                "data": base64.b64encode(part.get_payload(decode=True) or b"").decode()})
print(json.dumps(out))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    parts
        .into_iter()
        .map(|p| {
            let data = p["data"].as_str().unwrap_or_default();
            (
                p["type"].as_str().unwrap_or_default().to_owned(),
                p["name"].as_str().map(str::to_owned),
                decode_base64(data),
            )
        })
        .collect()
}

fn decode_base64(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|c| *c != b'=') {
        let Some(v) = ALPHABET.iter().position(|a| *a == c) else {
            continue;
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Checks INV-1 on every profile: once paid, the customer is e-mailed the order number, the
/// lines and prices, the delivery charge and date, the payment received, where to complain,
/// the warranties and after-sales contacts; the terms accepted and the withdrawal form go
/// attached as PDF, and reach the mail server as such.
#[tokio::test]
async fn inv_1_confirmation_email_carries_the_contract_and_its_attachments() {
    for (db, profile) in [
        (BOTH[0], "paris"),
        (BOTH[0], "atelier"),
        (BOTH[0], "milano"),
        (BOTH[1], "milano"),
    ] {
        let app = TestApp::spawn(db, profile).await;
        let (_, o) = paid_order(&app, "ana@example.fr", "jonc-rivage", json!({})).await;
        let number = o["number"].as_str().unwrap_or_default().to_owned();
        let outbox = app.get_json("/api/v1/test/outbox?to=ana@example.fr").await;
        let mail = outbox["items"]
            .as_array()
            .and_then(|items| {
                items
                    .iter()
                    .find(|m| m["subject"].as_str().is_some_and(|s| s.contains(&number)))
            })
            .cloned()
            .unwrap_or_else(|| panic!("{profile}: no confirmation in {outbox}"));
        let text = mail["text"].as_str().unwrap_or_default();
        let merchant = match profile {
            "milano" => ("Via dei Fiori Chiari 7", "24"),
            "atelier" => ("Atelier Sillon", "24"),
            _ => ("14 rue des Orfèvres", "24"),
        };
        for expected in [
            number.as_str(),
            o["lines"][0]["name"].as_str().unwrap_or("?"),
            merchant.1,
            o["invoice"]["number"].as_str().unwrap_or("?"),
        ] {
            assert!(
                text.contains(expected),
                "{profile}: {expected:?} not in\n{text}"
            );
        }
        assert!(
            text.contains(
                &o["summary"]["estimated_delivery_date"]
                    .as_str()
                    .unwrap_or("?")[8..10]
            ),
            "{profile}: delivery date missing\n{text}"
        );
        let kinds: Vec<&str> = mail["attachments"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["kind"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(kinds, ["terms", "withdrawal_form"], "{profile}: {mail}");

        // Delivered through SMTP: the PDFs travel as attachments a mail client opens.
        let sink = SmtpSink::start().await;
        let mailer = SmtpMailer::new(&sink.url, "Maison", "boutique@maison.test")
            .unwrap_or_else(|e| panic!("{e}"));
        let sent = deliver_due(&app.app, &mailer)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(sent >= 1, "{profile}");
        let message = sink
            .messages()
            .into_iter()
            // The confirmation, not the house's own notice of the paid order.
            .find(|m| m.contains(&number) && m.contains("application/pdf"))
            .unwrap_or_else(|| panic!("{profile}: not delivered"));
        let parts = mime_parts(&message);
        let pdfs: Vec<_> = parts
            .iter()
            .filter(|(kind, _, _)| kind == "application/pdf")
            .collect();
        assert_eq!(
            pdfs.len(),
            2,
            "{profile}: {:?}",
            parts.iter().map(|p| (&p.0, &p.1)).collect::<Vec<_>>()
        );
        let terms = pdf_text(&pdfs[0].2);
        assert!(
            terms.contains(o["acceptance"]["terms_version"].as_str().unwrap_or("?")),
            "{terms}"
        );
        assert!(terms.contains(merchant.0), "{profile}: {terms}");
        let form = pdf_text(&pdfs[1].2);
        assert!(form.contains(&number), "{profile}: {form}");
        assert!(
            pdfs[1].1.as_deref().is_some_and(|n| n.ends_with(".pdf")),
            "{profile}"
        );
        let html = parts
            .iter()
            .find(|(kind, _, _)| kind == "text/html")
            .map(|p| String::from_utf8_lossy(&p.2).into_owned())
            .unwrap_or_default();
        assert!(
            html.contains("<h2"),
            "{profile}: sections are headed in HTML"
        );
    }
}

/// Checks INV-1, WDR-3: an order whose every piece is engraved says it is excluded from
/// withdrawal, on its page and in its e-mail, and carries no withdrawal form.
#[tokio::test]
async fn inv_1_engraved_order_states_the_exclusion_and_has_no_form() {
    let app = TestApp::spawn(BOTH[0], "atelier").await;
    let token = crate::basket::customer_token(&app, "eva@example.fr").await;
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/me/addresses",
        &token,
        Some(address("FR", "75003", "Paris")),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let piece = crate::basket::sku(&app, "jonc-grave-signature", 0).await;
    crate::checkout::restock(&app, &piece, 10).await;
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/basket/items",
        &token,
        Some(json!({"sku": piece, "quantity": 1, "personalisation": "Eva"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
    let (status, o) = order(&app, &token, &s, None).await;
    assert_eq!(status, 201, "{o}");
    assert_eq!(o["lines"][0]["withdrawable"], false, "{o}");
    let number = o["number"].as_str().unwrap_or_default().to_owned();
    let (status, _) = call(
        &app,
        "POST",
        &format!("/api/v1/test/payments/{number}"),
        &token,
        Some(json!({"card": "4242424242424242"})),
    )
    .await;
    assert_eq!(status, 200);
    let outbox = app.get_json("/api/v1/test/outbox?to=eva@example.fr").await;
    let mail = outbox["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|m| m["subject"].as_str().is_some_and(|s| s.contains(&number)))
        })
        .cloned()
        .unwrap_or_else(|| panic!("no confirmation in {outbox}"));
    let text = mail["text"].as_str().unwrap_or_default();
    assert!(text.contains("exclue du droit de rétractation"), "{text}");
    assert!(text.contains("« Eva »"), "{text}");
    let kinds: Vec<&str> = mail["attachments"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["terms"], "{mail}");
    let (status, _, body) = get_pdf(
        &app,
        &format!("/api/v1/orders/{number}/withdrawal-form.pdf"),
        &token,
    )
    .await;
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("withdrawal_excluded_custom"));
}

/// Checks INV-2, INV-4 on both backends: a paid order names its invoice; the PDF carries
/// the invoice and order numbers, the merchant's identity and VAT number, the lines, the VAT
/// breakdown and the totals; an unpaid order has none and another customer's is not found.
/// An order of at least the profile's threshold (120 €) is a contract kept ten years past
/// delivery; one under it is not.
#[tokio::test]
async fn inv_2_inv_4_the_invoice_pdf_is_downloaded_from_the_api() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        // Unpaid: no invoice yet.
        let token = ready_customer(&app, "bo@example.fr", "jonc-rivage", 1).await;
        let (status, s) = call(&app, "POST", "/api/v1/checkout", &token, Some(json!({}))).await;
        assert_eq!(status, 201, "{s}");
        let (status, unpaid) = order(&app, &token, &s, None).await;
        assert_eq!(status, 201, "{unpaid}");
        assert_eq!(unpaid["status"], "awaiting_payment", "{unpaid}");
        assert_eq!(unpaid["invoice"], Value::Null, "{unpaid}");
        let unpaid_number = unpaid["number"].as_str().unwrap_or_default();
        assert!(!unpaid_number.is_empty(), "{unpaid}");
        let (status, _, _) = get_pdf(
            &app,
            &format!("/api/v1/orders/{unpaid_number}/invoice.pdf"),
            &token,
        )
        .await;
        assert_eq!(status, 404, "{db:?}");

        let (token, o) = paid_order(&app, "ana@example.fr", "solitaire-lumiere", json!({})).await;
        let number = o["number"].as_str().unwrap_or_default();
        let invoice = &o["invoice"];
        let invoice_number = invoice["number"].as_str().unwrap_or_default();
        assert!(invoice_number.starts_with('F'), "{o}");
        // INV-4: 3,450 € is above the profile's threshold.
        assert_eq!(invoice["archive_until_delivery_plus_10_years"], true, "{o}");
        // ... and studs at 95 € with their delivery are under it.
        let (_, small) = paid_order(&app, "puces@example.fr", "puces-trait", json!({})).await;
        let small_total = small["total"]["amount"].as_i64().unwrap_or_default();
        assert!(
            small_total > 0 && small_total < 12_000,
            "{db:?}: an order under 120 € {small}"
        );
        assert!(small["invoice"]["number"].is_string(), "{small}");
        assert_eq!(
            small["invoice"]["archive_until_delivery_plus_10_years"], false,
            "{db:?}: {small}"
        );
        let (status, kind, pdf) =
            get_pdf(&app, invoice["url"].as_str().unwrap_or("?"), &token).await;
        assert_eq!((status, kind.as_str()), (200, "application/pdf"), "{db:?}");
        let text = pdf_text(&pdf);
        for expected in [
            "Facture",
            invoice_number,
            number,
            "Vauclair Diffusion",
            "FR41900100001",
            "RCS Paris 900 100 001",
            "Solitaire Lumière",
            "Taux de TVA",
            "20 %",
            "3 450,00",
            "576,50",
            "3 459,00",
            "Total TTC",
            "Payée intégralement",
            "dix ans après la livraison",
        ] {
            assert!(
                text.contains(expected),
                "{db:?}: {expected:?} not in\n{text}"
            );
        }
        // The same invoice downloaded twice is the same file.
        let (_, _, again) = get_pdf(&app, invoice["url"].as_str().unwrap_or("?"), &token).await;
        assert_eq!(pdf, again);
        // Another customer's order does not exist for them.
        let other = crate::basket::customer_token(&app, "cy@example.fr").await;
        let (status, _, _) = get_pdf(&app, invoice["url"].as_str().unwrap_or("?"), &other).await;
        assert_eq!(status, 404);
    }
}

/// Checks INV-2, CHK-12: the packing slip of a gift carries the message and no price; the
/// warehouse may print it, a customer may not.
#[tokio::test]
async fn inv_2_gift_packing_slip_has_the_message_and_no_price() {
    let app = TestApp::spawn(BOTH[0], "milano").await;
    let gift = json!({"delivery_address": {"given_name": "Lia", "family_name": "Verdi", "line1": "Via Roma 3",
                        "postcode": "00184", "city": "Roma", "country": "IT"},
                      "billing_address": address("IT", "20121", "Milano"),
                      "recipient": {"given_name": "Lia", "family_name": "Verdi", "email": "lia@example.it"},
                      "gift_message": "Buon compleanno ✨", "gift_wrapping": true});
    let (token, o) = paid_order(&app, "ana@example.it", "jonc-rivage", gift).await;
    let number = o["number"].as_str().unwrap_or_default();
    let admin = admin_token(&app).await;
    let (status, kind, pdf) = get_pdf(
        &app,
        &format!("/api/v1/admin/orders/{number}/packing-slip.pdf"),
        &admin,
    )
    .await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    let text = pdf_text(&pdf);
    assert!(text.contains("Buon compleanno"), "{text}");
    assert!(text.contains("Lia Verdi"), "{text}");
    assert!(text.contains(number), "{text}");
    // The letterhead names the share capital; no price is written.
    assert!(!text.contains(",00 €"), "a price on a gift's slip:\n{text}");
    let (status, _, _) = get_pdf(
        &app,
        &format!("/api/v1/admin/orders/{number}/packing-slip.pdf"),
        &token,
    )
    .await;
    assert_eq!(status, 403);
}
