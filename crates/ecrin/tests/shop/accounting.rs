//! The accountant's exports (INV-2, INV-3, CHK-6): a period's invoices and credit notes as
//! CSV and as a ZIP of their PDFs, and the VAT of EU distance sales per member state and
//! rate, which a One-Stop-Shop return declares. On both databases.

use crate::basket::call;
use crate::checkout::address;
use crate::documents::paid_order;
use crate::refunds::staff;
use crate::support::TestApp;
use ecrin_core::account::Role;
use ecrin_store_tests::BOTH;
use serde_json::json;
use std::io::Read;

async fn get_bytes(app: &TestApp, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let res = app
        .client
        .get(app.url(path))
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
    (status, kind, res.bytes().await.unwrap_or_default().to_vec())
}

/// Checks CHK-6, INV-2, INV-3: a domestic sale, a distance sale to Germany and a partial
/// refund of it; the OSS figures hold the German sale at 19 % less the credit note; the CSV
/// lists the three documents (the credit note negative); the ZIP holds the CSV and the three
/// PDFs; the warehouse is refused and a period backwards is a 400.
#[tokio::test]
async fn chk_6_inv_3_the_accountant_exports_a_period_and_its_oss_figures() {
    for db in BOTH {
        let app = TestApp::spawn(db, "paris").await;
        let (_, home) = paid_order(&app, "ana@example.fr", "jonc-rivage", json!({})).await;
        let berlin = json!({"delivery_address": address("DE", "10115", "Berlin")});
        let (_, de) = paid_order(&app, "lena@example.de", "jonc-rivage", berlin).await;
        let books = staff(&app, "books@maison.test", Role::Accountant).await;
        let (status, refund) = call(
            &app,
            "POST",
            &format!(
                "/api/v1/admin/orders/{}/refunds",
                de["number"].as_str().unwrap_or_default()
            ),
            &books,
            Some(json!({"amount": 5000, "reason": "Geste commercial"})),
        )
        .await;
        assert_eq!(status, 201, "{refund}");

        let today = app
            .app
            .clock
            .now()
            .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap_or(jiff::tz::TimeZone::UTC))
            .date();
        let (from, to) = (
            today.yesterday().unwrap_or(today),
            today.tomorrow().unwrap_or(today),
        );
        let period = format!("from={from}&to={to}");

        let (status, oss) = call(
            &app,
            "GET",
            &format!("/api/v1/admin/reports/oss?{period}"),
            &books,
            None,
        )
        .await;
        assert_eq!(status, 200, "{oss}");
        assert_eq!(oss["origin_country"], "FR");
        let rows = oss["rows"].as_array().cloned().unwrap_or_default();
        assert_eq!(
            rows.len(),
            1,
            "only the German sale is a distance sale: {oss}"
        );
        let row = &rows[0];
        assert_eq!(
            (row["country"].as_str(), row["vat_rate"].as_str()),
            (Some("DE"), Some("19.00"))
        );
        assert_eq!(
            (row["invoices"].as_i64(), row["credit_notes"].as_i64()),
            (Some(1), Some(1))
        );
        let de_total = de["total"]["amount"].as_i64().unwrap_or_default();
        let de_vat = de["vat_total"]["amount"].as_i64().unwrap_or_default();
        // 50.00 € refunded at 19 %: 42.02 € and 7.98 € of VAT.
        assert_eq!(row["vat"]["amount"].as_i64(), Some(de_vat - 798), "{row}");
        assert_eq!(
            row["taxable"]["amount"].as_i64(),
            Some(de_total - de_vat - 4202),
            "{row}"
        );
        assert_eq!(row["vat"]["currency"], "EUR");
        assert_eq!(oss["total_vat"], row["vat"]);

        let (status, kind, csv) = get_bytes(
            &app,
            &format!("/api/v1/admin/accounting/documents.csv?{period}"),
            &books,
        )
        .await;
        assert_eq!((status, kind.starts_with("text/csv")), (200, true));
        let text = String::from_utf8(csv.clone()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(
            lines[0].starts_with("type,number,issued_on,order,invoice"),
            "{text}"
        );
        let invoice_of = |o: &serde_json::Value| {
            o["invoice"]["number"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        assert!(
            lines[1].starts_with(&format!("invoice,{},{today}", invoice_of(&home))),
            "{text}"
        );
        assert!(lines[1].contains(",FR,domestic,20.00,"), "{text}");
        assert!(lines[2].contains(",DE,distance_sale,19.00,"), "{text}");
        assert!(
            lines[3].starts_with("credit_note,A000001,")
                && lines[3].ends_with(",-42.02,-7.98,-50.00,EUR"),
            "{text}"
        );
        assert!(
            lines[3].contains(&invoice_of(&de)),
            "the invoice it corrects: {text}"
        );

        let (status, kind, zip) = get_bytes(
            &app,
            &format!("/api/v1/admin/accounting/documents.zip?{period}"),
            &books,
        )
        .await;
        assert_eq!((status, kind.as_str()), (200, "application/zip"));
        let mut archive =
            zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap_or_else(|e| panic!("{e}"));
        let mut names: Vec<String> = archive
            .file_names()
            .filter_map(Result::ok)
            .map(|n| n.into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![
                "credit-notes/A000001.pdf".to_owned(),
                "documents.csv".to_owned(),
                format!("invoices/{}.pdf", invoice_of(&home)),
                format!("invoices/{}.pdf", invoice_of(&de)),
            ]
        );
        for name in &names {
            let mut bytes = Vec::new();
            archive
                .by_name(name)
                .unwrap_or_else(|e| panic!("{e}"))
                .read_to_end(&mut bytes)
                .unwrap_or_else(|e| panic!("{e}"));
            if name.ends_with(".pdf") {
                assert!(bytes.starts_with(b"%PDF-"), "{name}");
            } else {
                assert_eq!(bytes, csv, "the archive's CSV is the download's");
            }
        }

        // Nothing before the sales; the warehouse sees none of it; a period backwards.
        let (_, empty) = call(
            &app,
            "GET",
            "/api/v1/admin/reports/oss?from=2020-01-01&to=2020-03-31",
            &books,
            None,
        )
        .await;
        assert_eq!(empty["rows"], json!([]));
        let dock = staff(&app, "dock@maison.test", Role::Warehouse).await;
        let (status, _) = call(
            &app,
            "GET",
            &format!("/api/v1/admin/reports/oss?{period}"),
            &dock,
            None,
        )
        .await;
        assert_eq!(status, 403);
        let (status, _, _) = get_bytes(
            &app,
            &format!("/api/v1/admin/accounting/documents.zip?{period}"),
            &dock,
        )
        .await;
        assert_eq!(status, 403);
        let (status, body) = call(
            &app,
            "GET",
            &format!("/api/v1/admin/reports/oss?from={to}&to={from}"),
            &books,
            None,
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("validation_failed")),
            "{body}"
        );

        // The accountant's page shows the same figures, and the downloads from it.
        let session = crate::staff_pages::staff_login(
            &app,
            "fr",
            "books@maison.test",
            "the staff secret phrase",
        )
        .await;
        let (status, html) =
            crate::staff_pages::page(&app, &format!("/fr/staff/accounting?{period}"), &session)
                .await;
        assert_eq!(status, 200);
        assert!(
            html.contains("19,00 %") && html.contains("documents.zip?from="),
            "{html}"
        );
        let (status, _) = crate::staff_pages::page(&app, "/fr/staff/accounting", &session).await;
        assert_eq!(status, 200, "the last full quarter by default");
    }
}
