//! What each template is given: every word already in the customer's language and every
//! amount already formatted, so a template only lays out.

use serde::Serialize;

/// The head of every document: who issues it (INV-2: the merchant's identity and numbers).
#[derive(Debug, Clone, Serialize)]
pub struct Letterhead {
    /// The shop's name as the customer knows it.
    pub shop: String,
    /// The legal name, form and capital.
    pub legal_name: String,
    /// Registered office, company number, VAT number, e-mail, phone.
    pub lines: Vec<String>,
    /// The small print at the foot of each page.
    pub footer: String,
}

/// A labelled value: "Order number — A-000123".
#[derive(Debug, Clone, Serialize)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

/// A labelled postal address.
#[derive(Debug, Clone, Serialize)]
pub struct Addressed {
    pub label: String,
    pub lines: Vec<String>,
}

/// INV-2: an invoice.
#[derive(Debug, Clone, Serialize)]
pub struct InvoiceDoc {
    /// `fr`, `en` or `it`: hyphenation and quotes follow it.
    pub lang: String,
    pub letterhead: Letterhead,
    /// "Invoice".
    pub title: String,
    /// "F000042".
    pub number: String,
    /// Invoice date, order number and date, payment, delivery method.
    pub facts: Vec<Fact>,
    pub bill_to: Addressed,
    pub ship_to: Option<Addressed>,
    /// Column heads: description, quantity, unit price excl. VAT, VAT rate, total excl. VAT,
    /// total incl. VAT.
    pub columns: [String; 6],
    pub lines: Vec<InvoiceLine>,
    /// Column heads of the VAT breakdown: rate, base, VAT.
    pub vat_columns: [String; 3],
    pub vat_rows: Vec<VatRow>,
    /// Subtotal, delivery, VAT, total: the last one is the amount paid.
    pub totals: Vec<Fact>,
    /// Mentions the law asks for (VAT treatment, archiving, payment received).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InvoiceLine {
    pub description: String,
    /// The personalisation (an engraving) or the variant.
    pub detail: Option<String>,
    pub quantity: String,
    pub unit_excl_vat: String,
    pub vat_rate: String,
    pub total_excl_vat: String,
    pub total_incl_vat: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VatRow {
    pub rate: String,
    pub base: String,
    pub vat: String,
}

/// The slip in the parcel. For a gift it carries the message and never a price.
#[derive(Debug, Clone, Serialize)]
pub struct PackingSlipDoc {
    pub lang: String,
    pub letterhead: Letterhead,
    pub title: String,
    pub order_number: String,
    pub facts: Vec<Fact>,
    pub ship_to: Addressed,
    /// Column heads: description, quantity.
    pub columns: [String; 2],
    pub lines: Vec<SlipLine>,
    /// The gift message, with its heading.
    pub gift_message: Option<Fact>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlipLine {
    pub description: String,
    pub detail: Option<String>,
    pub quantity: String,
}

/// The terms of sale of one version, in one language.
#[derive(Debug, Clone, Serialize)]
pub struct TermsDoc {
    pub lang: String,
    pub letterhead: Letterhead,
    pub title: String,
    pub version: String,
    /// "Version 1.0, in force since 1 January 2026".
    pub subtitle: String,
    pub articles: Vec<Article>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Article {
    pub heading: Option<String>,
    pub paragraphs: Vec<String>,
}

/// The withdrawal form, filled in with what the shop knows of the order.
#[derive(Debug, Clone, Serialize)]
pub struct WithdrawalFormDoc {
    pub lang: String,
    pub letterhead: Letterhead,
    pub title: String,
    pub order_number: String,
    /// "To: …" with the address the form is sent to.
    pub addressee: Addressed,
    /// What the form says, paragraph by paragraph.
    pub paragraphs: Vec<String>,
    /// Fields to fill in; those the shop knows come filled.
    pub fields: Vec<Fact>,
    /// The choices to tick (refund, exchange).
    pub options: Vec<String>,
    /// Lines left for the customer: place and date, signature.
    pub signature_lines: Vec<String>,
    pub notes: Vec<String>,
}
