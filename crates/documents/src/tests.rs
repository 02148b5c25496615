//! Each document is laid out, then read back with poppler's `pdftotext` and `pdffonts` as
//! a customer's PDF reader would see it.

use super::*;
use std::process::Command;

fn stamp() -> Stamp {
    Stamp {
        year: 2026,
        month: 11,
        day: 21,
        hour: 10,
        minute: 30,
        second: 0,
    }
}

fn letterhead() -> Letterhead {
    Letterhead {
        shop: "Maison Écrin".into(),
        legal_name: "Écrin SAS, capital 50 000 €".into(),
        lines: vec![
            "12 rue de la Paix, 75002 Paris".into(),
            "RCS Paris 123 456 789".into(),
            "TVA FR12 123456789".into(),
        ],
        footer: "Écrin SAS — 12 rue de la Paix, 75002 Paris".into(),
    }
}

fn fact(label: &str, value: &str) -> Fact {
    Fact {
        label: label.into(),
        value: value.into(),
    }
}

pub(crate) fn sample_invoice() -> InvoiceDoc {
    InvoiceDoc {
        lang: "fr".into(),
        letterhead: letterhead(),
        title: "Facture".into(),
        number: "F000042".into(),
        facts: vec![
            fact("Date de facture", "21 novembre 2026"),
            fact("Commande", "P-000123"),
        ],
        bill_to: Addressed {
            label: "Facturation".into(),
            lines: vec!["Camille Durand".into(), "3 quai Voltaire".into()],
        },
        ship_to: None,
        columns: [
            "Article".into(),
            "Qté".into(),
            "PU HT".into(),
            "TVA".into(),
            "Total HT".into(),
            "Total TTC".into(),
        ],
        lines: vec![InvoiceLine {
            description: "Bague Céleste <b>or</b> 18 ct #set".into(),
            detail: Some("Gravure : « Pour toujours » 💍 $x$".into()),
            quantity: "1".into(),
            unit_excl_vat: "1 000,00 €".into(),
            vat_rate: "20 %".into(),
            total_excl_vat: "1 000,00 €".into(),
            total_incl_vat: "1 200,00 €".into(),
        }],
        vat_columns: ["Taux".into(), "Base".into(), "TVA".into()],
        vat_rows: vec![VatRow {
            rate: "20 %".into(),
            base: "1 000,00 €".into(),
            vat: "200,00 €".into(),
        }],
        totals: vec![
            fact("Total HT", "1 000,00 €"),
            fact("TVA", "200,00 €"),
            fact("Total TTC", "1 200,00 €"),
        ],
        notes: vec!["Payée par carte le 21 novembre 2026.".into()],
    }
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("ecrin-doc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join(format!("{}.pdf", pdf.len()));
    std::fs::write(&path, pdf).unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("pdftotext (poppler-utils): {e}"));
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("{e}"))
}

fn pdf_fonts(pdf: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("ecrin-fonts-{}.pdf", std::process::id()));
    std::fs::write(&path, pdf).unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new("pdffonts")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("pdffonts (poppler-utils): {e}"));
    String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("{e}"))
}

/// Checks INV-2: the invoice carries its number, the merchant's numbers, its lines with
/// the customer's own text kept as typed, the VAT breakdown and totals, in embedded fonts.
#[test]
fn inv_2_invoice_reads_back_with_number_lines_vat_and_embedded_fonts() {
    let pdf = invoice(&sample_invoice(), stamp()).unwrap_or_else(|e| panic!("{e}"));
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    for expected in [
        "Facture",
        "F000042",
        "RCS Paris 123 456 789",
        "TVA FR12 123456789",
        "Camille Durand",
        "Bague Céleste <b>or</b> 18 ct #set",
        "« Pour toujours »",
        "$x$",
        "1 200,00 €",
        "200,00 €",
        "Payée par carte",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let fonts = pdf_fonts(&pdf);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts listed:\n{fonts}");
    for row in rows {
        // Columns: name type encoding emb sub uni object ID.
        let cols: Vec<&str> = row.split_whitespace().collect();
        let emb = cols[cols.len() - 5];
        assert_eq!(emb, "yes", "font not embedded: {row}");
    }
}

/// Checks INV-2: one document and one stamp give the same bytes, so an invoice downloaded
/// twice is the same file.
#[test]
fn inv_2_same_invoice_same_bytes() {
    let a = invoice(&sample_invoice(), stamp()).unwrap_or_else(|e| panic!("{e}"));
    let b = invoice(&sample_invoice(), stamp()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a, b);
}

/// Checks INV-2: a long order flows onto a second page with its column heads repeated.
#[test]
fn inv_2_long_invoice_breaks_across_pages() {
    let mut doc = sample_invoice();
    let line = doc.lines[0].clone();
    doc.lines = (0..60).map(|_| line.clone()).collect();
    let pdf = invoice(&doc, stamp()).unwrap_or_else(|e| panic!("{e}"));
    let text = pdf_text(&pdf);
    // pdftotext ends each page with a form feed.
    let pages = text.matches('\u{c}').count();
    assert!(pages >= 2, "{pages} page(s):\n{text}");
    assert!(
        text.contains(&format!("2/{pages}")),
        "page numbers:\n{text}"
    );
    // The column heads again on each page, and once in the totals.
    assert!(text.matches("Total TTC").count() >= pages, "{text}");
}

#[test]
fn packing_slip_of_a_gift_has_the_message_and_no_price() {
    let doc = PackingSlipDoc {
        lang: "en".into(),
        letterhead: letterhead(),
        title: "Packing slip".into(),
        order_number: "P-000123".into(),
        facts: vec![fact("Order date", "21 November 2026")],
        ship_to: Addressed {
            label: "Deliver to".into(),
            lines: vec!["Alex Martin".into()],
        },
        columns: ["Item".into(), "Qty".into()],
        lines: vec![SlipLine {
            description: "Céleste ring".into(),
            detail: None,
            quantity: "2".into(),
        }],
        gift_message: Some(fact("Gift message", "Happy birthday, love")),
        notes: vec![],
    };
    let text = pdf_text(&packing_slip(&doc, stamp()).unwrap_or_else(|e| panic!("{e}")));
    assert!(text.contains("Happy birthday, love"), "{text}");
    assert!(text.contains("Céleste ring"), "{text}");
    // The letterhead names the share capital; no price is written.
    assert!(!text.contains(",00"), "{text}");
}

#[test]
fn terms_and_withdrawal_form_are_laid_out() {
    let terms_doc = TermsDoc {
        lang: "it".into(),
        letterhead: letterhead(),
        title: "Condizioni generali di vendita".into(),
        version: "1.0".into(),
        subtitle: "Versione 1.0".into(),
        articles: vec![Article {
            heading: Some("Articolo 1 — Oggetto".into()),
            paragraphs: vec!["Le presenti condizioni…".into()],
        }],
    };
    let text = pdf_text(&terms(&terms_doc, stamp()).unwrap_or_else(|e| panic!("{e}")));
    assert!(text.contains("Articolo 1 — Oggetto"), "{text}");
    let form = WithdrawalFormDoc {
        lang: "en".into(),
        letterhead: letterhead(),
        title: "Withdrawal form".into(),
        order_number: "P-000123".into(),
        addressee: Addressed {
            label: "To".into(),
            lines: vec!["Écrin SAS".into()],
        },
        paragraphs: vec!["I hereby give notice that I withdraw from my contract.".into()],
        fields: vec![fact("Order number", "P-000123"), fact("Received on", "")],
        options: vec!["Refund".into(), "Exchange".into()],
        signature_lines: vec!["Signature".into()],
        notes: vec![],
    };
    let text = pdf_text(&withdrawal_form(&form, stamp()).unwrap_or_else(|e| panic!("{e}")));
    assert!(text.contains("P-000123"), "{text}");
    assert!(text.contains("I hereby give notice"), "{text}");
}
