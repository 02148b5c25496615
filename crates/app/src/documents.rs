//! The printed documents of an order (INV-1, INV-2): the invoice, the gift packing slip,
//! the terms of sale and the withdrawal form, written in the customer's language from what
//! the order recorded and laid out as PDF by `ecrin-documents`.
//!
//! Nothing here is stored: an invoice is laid out again from its order and its number each
//! time it is asked for, with the moment it was issued as its stamp, so the same invoice is
//! the same file every time.

use crate::checkout::{self, PostalAddress, Summary};
use crate::emails::Attachment;
use crate::i18n::{self, Tr};
use crate::{App, AppError};
use ecrin_core::{Lang, Profile};
use ecrin_documents as doc;
use ecrin_store::{CreditNote, Invoice, Order};

/// A PDF and the name it is downloaded or attached under.
#[derive(Debug, Clone)]
pub struct Pdf {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// The language an order's documents are written in: the one its terms were accepted in.
pub fn order_lang(profile: &Profile, order: &Order) -> Lang {
    order
        .terms_language
        .parse::<Lang>()
        .ok()
        .filter(|l| profile.speaks(*l))
        .unwrap_or(profile.languages[0])
}

pub(crate) fn letterhead(p: &Profile, t: Tr) -> doc::Letterhead {
    let m = &p.merchant;
    doc::Letterhead {
        shop: p.shop_name.clone(),
        legal_name: m.legal_name.clone(),
        lines: vec![
            format!(
                "{}, {} {}",
                m.legal_form,
                t.t("doc-share-capital"),
                m.share_capital
            ),
            m.registered_office.clone(),
            m.company_number.clone(),
            t.with("doc-vat-number", &[("number", m.vat_number.clone())]),
            format!("{} · {}", m.email, m.phone),
        ],
        footer: format!(
            "{} — {} — {} — {}",
            m.legal_name,
            m.registered_office,
            m.company_number,
            t.with("doc-vat-number", &[("number", m.vat_number.clone())])
        ),
    }
}

pub(crate) fn fact(label: String, value: String) -> doc::Fact {
    doc::Fact { label, value }
}

fn percent(bp: i64) -> String {
    if bp % 100 == 0 {
        format!("{} %", bp / 100)
    } else {
        format!("{},{:02} %", bp / 100, bp % 100)
    }
}

pub(crate) fn stamp(app: &App, ms: i64) -> doc::Stamp {
    let zone = jiff::tz::TimeZone::get(&app.profile.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let dt = jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(zone)
        .datetime();
    // A civil date-time's parts are in range by construction.
    let part = |n: i8| u8::try_from(n).unwrap_or(0);
    doc::Stamp {
        year: i32::from(dt.year()),
        month: part(dt.month()),
        day: part(dt.day()),
        hour: part(dt.hour()),
        minute: part(dt.minute()),
        second: part(dt.second()),
    }
}

fn method_label(t: Tr, summary: &Summary) -> String {
    if let Some(b) = &summary.pickup_boutique {
        return t.with("doc-pickup-at", &[("boutique", b.name.clone())]);
    }
    summary.method.carrier.clone()
}

fn payment_label(t: Tr, order: &Order) -> String {
    t.try_with(&format!("payment-{}", order.payment_method), &[])
        .unwrap_or_else(|| order.payment_method.as_str().to_owned())
}

fn addressed(label: String, a: &PostalAddress) -> doc::Addressed {
    doc::Addressed {
        label,
        lines: a.lines(),
    }
}

/// INV-2: the invoice of a paid order, with the VAT of each rate and the mentions the law
/// asks for.
pub fn invoice_doc(
    app: &App,
    order: &Order,
    summary: &Summary,
    invoice: &Invoice,
) -> doc::InvoiceDoc {
    let p = &app.profile;
    let lang = order_lang(p, order);
    let t = Tr::new(lang);
    let tz = &p.time_zone;
    let rate_bp = order.lines.first().map_or(0, |l| l.vat_rate_bp);
    let mut lines: Vec<doc::InvoiceLine> = order
        .lines
        .iter()
        .map(|l| doc::InvoiceLine {
            description: l.name.clone(),
            detail: l
                .personalisation
                .as_ref()
                .map(|text| t.with("doc-engraving", &[("text", text.clone())])),
            quantity: l.quantity.to_string(),
            unit_excl_vat: t.money(l.unit_price_excl_vat),
            vat_rate: percent(l.vat_rate_bp),
            total_excl_vat: t.money(l.line_total_excl_vat),
            total_incl_vat: t.money(l.line_total_incl_vat),
        })
        .collect();
    let delivery_excl = summary.delivery_charge - summary.delivery_vat;
    lines.push(doc::InvoiceLine {
        description: t.t("doc-delivery"),
        detail: Some(method_label(t, summary)),
        quantity: "1".into(),
        unit_excl_vat: t.money(delivery_excl),
        vat_rate: percent(rate_bp),
        total_excl_vat: t.money(delivery_excl),
        total_incl_vat: t.money(summary.delivery_charge),
    });
    // One rate per order (the goods and their delivery follow the same treatment); the
    // breakdown is still written per rate, as the law's model invoice is.
    let mut rates: Vec<(i64, i64, i64)> = Vec::new();
    let taxed = order
        .lines
        .iter()
        .map(|l| (l.vat_rate_bp, l.line_total_excl_vat, l.line_vat))
        .chain([(rate_bp, delivery_excl, summary.delivery_vat)]);
    for (rate, base, vat) in taxed {
        match rates.iter_mut().find(|r| r.0 == rate) {
            Some(r) => {
                r.1 += base;
                r.2 += vat;
            }
            None => rates.push((rate, base, vat)),
        }
    }
    let mut notes = vec![t.with(
        "doc-paid-on",
        &[
            ("date", i18n::date(invoice.issued_at, lang, tz)),
            ("method", payment_label(t, order)),
        ],
    )];
    match summary.vat_treatment.as_str() {
        "export" => notes.push(t.t("doc-note-export")),
        "distance_sale" => notes.push(t.t("doc-note-distance-sale")),
        _ => {}
    }
    if invoice.archive {
        notes.push(t.with(
            "doc-note-archive",
            &[("threshold", t.money(p.documents.archive_threshold))],
        ));
    }
    notes.push(t.with(
        "doc-note-terms",
        &[("version", order.terms_version.clone())],
    ));
    doc::InvoiceDoc {
        lang: lang.code().to_owned(),
        letterhead: letterhead(p, t),
        title: t.t("doc-invoice"),
        number: invoice.number.clone(),
        facts: vec![
            fact(
                t.t("doc-invoice-date"),
                i18n::date(invoice.issued_at, lang, tz),
            ),
            fact(t.t("doc-order-number"), order.number.clone()),
            fact(t.t("doc-order-date"), i18n::date(order.placed_at, lang, tz)),
            fact(t.t("doc-customer"), summary.contact.email.clone()),
        ],
        bill_to: addressed(t.t("doc-bill-to"), &summary.billing_address),
        ship_to: summary
            .delivery_address
            .as_ref()
            .map(|a| addressed(t.t("doc-ship-to"), a)),
        columns: [
            t.t("doc-col-item"),
            t.t("doc-col-quantity"),
            t.t("doc-col-unit-excl"),
            t.t("doc-col-vat-rate"),
            t.t("doc-col-total-excl"),
            t.t("doc-col-total-incl"),
        ],
        lines,
        vat_columns: [t.t("doc-col-vat-rate"), t.t("doc-vat-base"), t.t("doc-vat")],
        vat_rows: rates
            .into_iter()
            .map(|(rate, base, vat)| doc::VatRow {
                rate: percent(rate),
                base: t.money(base),
                vat: t.money(vat),
            })
            .collect(),
        totals: vec![
            fact(t.t("doc-total-excl"), t.money(summary.total_excl_vat)),
            fact(t.t("doc-vat"), t.money(summary.vat_total)),
            fact(t.t("doc-total-incl"), t.money(summary.total)),
        ],
        notes,
    }
}

/// INV-3: the credit note of a refund: the amount refunded, its VAT at the order's rate,
/// and the invoice it corrects.
pub fn credit_note_doc(
    app: &App,
    order: &Order,
    summary: &Summary,
    note: &CreditNote,
    refund: Option<&ecrin_store::Refund>,
) -> doc::InvoiceDoc {
    let p = &app.profile;
    let lang = order_lang(p, order);
    let t = Tr::new(lang);
    let tz = &p.time_zone;
    let rate_bp = order.lines.first().map_or(0, |l| l.vat_rate_bp);
    let (excl, vat) = ecrin_core::vat::split(note.amount, u32::try_from(rate_bp).unwrap_or(0));
    let reason = refund
        .map(|r| r.reason.trim().to_owned())
        .filter(|r| !r.is_empty());
    doc::InvoiceDoc {
        lang: lang.code().to_owned(),
        letterhead: letterhead(p, t),
        title: t.t("doc-credit-note"),
        number: note.number.clone(),
        facts: vec![
            fact(
                t.t("doc-credit-note-date"),
                i18n::date(note.issued_at, lang, tz),
            ),
            fact(t.t("doc-credit-note-invoice"), note.invoice_number.clone()),
            fact(t.t("doc-order-number"), order.number.clone()),
            fact(t.t("doc-customer"), summary.contact.email.clone()),
        ],
        bill_to: addressed(t.t("doc-bill-to"), &summary.billing_address),
        ship_to: None,
        columns: [
            t.t("doc-col-item"),
            t.t("doc-col-quantity"),
            t.t("doc-col-unit-excl"),
            t.t("doc-col-vat-rate"),
            t.t("doc-col-total-excl"),
            t.t("doc-col-total-incl"),
        ],
        lines: vec![doc::InvoiceLine {
            description: t.with(
                "doc-refund-line",
                &[("invoice", note.invoice_number.clone())],
            ),
            detail: reason,
            quantity: "1".into(),
            unit_excl_vat: t.money(excl),
            vat_rate: percent(rate_bp),
            total_excl_vat: t.money(excl),
            total_incl_vat: t.money(note.amount),
        }],
        vat_columns: [t.t("doc-col-vat-rate"), t.t("doc-vat-base"), t.t("doc-vat")],
        vat_rows: vec![doc::VatRow {
            rate: percent(rate_bp),
            base: t.money(excl),
            vat: t.money(vat),
        }],
        totals: vec![
            fact(t.t("doc-total-excl"), t.money(excl)),
            fact(t.t("doc-vat"), t.money(vat)),
            fact(t.t("doc-refunded"), t.money(note.amount)),
        ],
        notes: vec![t.with(
            "doc-credit-note-note",
            &[
                ("invoice", note.invoice_number.clone()),
                ("method", payment_label(t, order)),
            ],
        )],
    }
}

/// INV-3: a credit note of an order as PDF, by its number; `NotFound` for another order's.
pub async fn credit_note_pdf(app: &App, order: &Order, number: &str) -> Result<Pdf, AppError> {
    let note = app
        .store
        .credit_notes_of(&order.id)
        .await?
        .into_iter()
        .find(|c| c.number == number)
        .ok_or(AppError::NotFound)?;
    let refund = app
        .store
        .refunds_of(&order.id)
        .await?
        .into_iter()
        .find(|r| r.id == note.refund_id);
    let summary = checkout::document(order)?;
    let data = credit_note_doc(app, order, &summary, &note, refund.as_ref());
    let stamp = stamp(app, note.issued_at);
    let bytes = lay_out(move || doc::invoice(&data, stamp)).await?;
    Ok(Pdf {
        filename: format!("{}.pdf", note.number),
        bytes,
    })
}

/// The packing slip of an order: for a gift whose prices are hidden, none is written.
pub fn packing_slip_doc(app: &App, order: &Order, summary: &Summary) -> doc::PackingSlipDoc {
    let p = &app.profile;
    let lang = order_lang(p, order);
    let t = Tr::new(lang);
    let ship_to = match (&summary.delivery_address, &summary.pickup_boutique) {
        (Some(a), _) => addressed(t.t("doc-ship-to"), a),
        (None, Some(b)) => doc::Addressed {
            label: t.with("doc-pickup-at", &[("boutique", b.name.clone())]),
            lines: vec![b.address.clone()],
        },
        (None, None) => addressed(t.t("doc-ship-to"), &summary.billing_address),
    };
    let mut notes = Vec::new();
    if let Some(g) = &summary.gift
        && g.wrapping
    {
        notes.push(t.t("doc-gift-wrapped"));
    }
    doc::PackingSlipDoc {
        lang: lang.code().to_owned(),
        letterhead: letterhead(p, t),
        title: t.t("doc-packing-slip"),
        order_number: order.number.clone(),
        facts: vec![
            fact(
                t.t("doc-order-date"),
                i18n::date(order.placed_at, lang, &p.time_zone),
            ),
            fact(t.t("doc-delivery"), method_label(t, summary)),
        ],
        ship_to,
        columns: [t.t("doc-col-item"), t.t("doc-col-quantity")],
        lines: order
            .lines
            .iter()
            .map(|l| doc::SlipLine {
                description: l.name.clone(),
                detail: l
                    .personalisation
                    .as_ref()
                    .map(|text| t.with("doc-engraving", &[("text", text.clone())])),
                quantity: l.quantity.to_string(),
            })
            .collect(),
        gift_message: summary
            .gift
            .as_ref()
            .filter(|g| !g.message.trim().is_empty())
            .map(|g| fact(t.t("doc-gift-message"), g.message.clone())),
        notes,
    }
}

/// INV-1: the terms of one version in one language, as a document.
pub fn terms_doc(app: &App, version: &ecrin_store::TermsVersion, lang: Lang) -> doc::TermsDoc {
    let t = Tr::new(lang);
    let text = version.body.get(lang);
    let mut articles = vec![doc::Article {
        heading: None,
        paragraphs: Vec::new(),
    }];
    for block in text.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        match block.strip_prefix("## ") {
            Some(h) => articles.push(doc::Article {
                heading: Some(h.to_owned()),
                paragraphs: Vec::new(),
            }),
            None => {
                if let Some(a) = articles.last_mut() {
                    a.paragraphs.push(block.to_owned());
                }
            }
        }
    }
    articles.retain(|a| a.heading.is_some() || !a.paragraphs.is_empty());
    doc::TermsDoc {
        lang: lang.code().to_owned(),
        letterhead: letterhead(&app.profile, t),
        title: t.t("doc-terms"),
        version: version.version.clone(),
        subtitle: t.with(
            "doc-terms-version",
            &[
                ("version", version.version.clone()),
                (
                    "date",
                    i18n::date(version.effective_from_ms, lang, &app.profile.time_zone),
                ),
            ],
        ),
        articles,
    }
}

/// INV-1: the withdrawal form of an order, filled in with its number and date. `None` when
/// no line of the order may be withdrawn from (WDR-3: all custom-made or engraved).
pub fn withdrawal_form_doc(app: &App, order: &Order) -> Option<doc::WithdrawalFormDoc> {
    if !order.lines.iter().any(|l| l.withdrawable) {
        return None;
    }
    let p = &app.profile;
    let m = &p.merchant;
    let lang = order_lang(p, order);
    let t = Tr::new(lang);
    let mut notes = Vec::new();
    if order.lines.iter().any(|l| !l.withdrawable) {
        notes.push(t.t("doc-withdrawal-excluded-lines"));
    }
    notes.push(t.with("doc-withdrawal-online", &[("email", m.email.clone())]));
    Some(doc::WithdrawalFormDoc {
        lang: lang.code().to_owned(),
        letterhead: letterhead(p, t),
        title: t.t("doc-withdrawal-form"),
        order_number: order.number.clone(),
        addressee: doc::Addressed {
            label: t.t("doc-withdrawal-to"),
            lines: vec![
                m.legal_name.clone(),
                m.complaint_address.clone(),
                m.email.clone(),
            ],
        },
        paragraphs: vec![t.t("doc-withdrawal-notice")],
        fields: vec![
            fact(t.t("doc-order-number"), order.number.clone()),
            fact(
                t.t("doc-withdrawal-ordered-on"),
                i18n::date(order.placed_at, lang, &p.time_zone),
            ),
            fact(t.t("doc-withdrawal-received-on"), String::new()),
            fact(t.t("doc-withdrawal-name"), String::new()),
            fact(t.t("doc-withdrawal-address"), String::new()),
        ],
        options: vec![t.t("doc-withdrawal-refund"), t.t("doc-withdrawal-exchange")],
        signature_lines: vec![
            t.t("doc-withdrawal-place-date"),
            t.t("doc-withdrawal-signature"),
        ],
        notes,
    })
}

pub(crate) async fn lay_out<F>(f: F) -> Result<Vec<u8>, AppError>
where
    F: FnOnce() -> Result<Vec<u8>, doc::Error> + Send + 'static,
{
    // Layout is CPU work of tens of milliseconds: off the request threads.
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(format!("document task: {e}")))?
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// INV-2: the invoice of an order as PDF; `NotFound` while the order is unpaid.
pub async fn invoice_pdf(app: &App, order: &Order) -> Result<Pdf, AppError> {
    let invoice = app
        .store
        .invoice_of(&order.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let summary = checkout::document(order)?;
    let data = invoice_doc(app, order, &summary, &invoice);
    let stamp = stamp(app, invoice.issued_at);
    let bytes = lay_out(move || doc::invoice(&data, stamp)).await?;
    Ok(Pdf {
        filename: format!("{}.pdf", invoice.number),
        bytes,
    })
}

/// INV-2: a customer's own invoice; another customer's order is `NotFound`.
pub async fn customer_invoice(app: &App, customer_id: &str, number: &str) -> Result<Pdf, AppError> {
    let order = checkout::order_of(app, customer_id, number).await?;
    invoice_pdf(app, &order).await
}

/// The packing slip of an order, for the warehouse and customer service.
pub async fn packing_slip_pdf(app: &App, staff_id: &str, number: &str) -> Result<Pdf, AppError> {
    use ecrin_core::account::Role;
    let s = crate::backoffice::staff(app, staff_id).await?;
    crate::backoffice::require(&s, &[Role::Admin, Role::Warehouse, Role::CustomerService])?;
    let order = app
        .store
        .order_by_number(number)
        .await?
        .ok_or(AppError::NotFound)?;
    let summary = checkout::document(&order)?;
    let data = packing_slip_doc(app, &order, &summary);
    let stamp = stamp(app, order.placed_at);
    let bytes = lay_out(move || doc::packing_slip(&data, stamp)).await?;
    Ok(Pdf {
        filename: format!("{}-packing-slip.pdf", order.number),
        bytes,
    })
}

/// INV-1: the terms an order accepted, in its language (laid out once per process).
pub async fn terms_pdf(app: &App, version: &str, lang: Lang) -> Result<Pdf, AppError> {
    let filename = format!(
        "{}-{}-{}.pdf",
        Tr::new(lang).t("doc-terms-file"),
        version,
        lang.code()
    );
    if let Some(bytes) = app.caches.terms_pdf(version, lang.code()) {
        return Ok(Pdf {
            filename,
            bytes: bytes.as_ref().clone(),
        });
    }
    let terms = app
        .store
        .terms_version(version)
        .await?
        .ok_or(AppError::NotFound)?;
    let data = terms_doc(app, &terms, lang);
    let stamp = stamp(app, terms.published_at_ms);
    let bytes = lay_out(move || doc::terms(&data, stamp)).await?;
    app.caches
        .keep_terms_pdf(version, lang.code(), std::sync::Arc::new(bytes.clone()));
    Ok(Pdf { filename, bytes })
}

/// INV-1: the withdrawal form of an order, or `None` when nothing in it may be withdrawn.
pub async fn withdrawal_form_pdf(app: &App, order: &Order) -> Result<Option<Pdf>, AppError> {
    let Some(data) = withdrawal_form_doc(app, order) else {
        return Ok(None);
    };
    let stamp = stamp(app, order.placed_at);
    let lang = order_lang(&app.profile, order);
    let bytes = lay_out(move || doc::withdrawal_form(&data, stamp)).await?;
    Ok(Some(Pdf {
        filename: format!(
            "{}-{}.pdf",
            Tr::new(lang).t("doc-withdrawal-file"),
            order.number
        ),
        bytes,
    }))
}

/// INV-1, WDR-3: the withdrawal form of `order` for its customer; refused
/// (`withdrawal_excluded_custom`) when every piece is custom-made or engraved.
pub async fn withdrawal_form(app: &App, order: &Order) -> Result<Pdf, AppError> {
    withdrawal_form_pdf(app, order)
        .await?
        .ok_or_else(|| ecrin_core::withdrawal::excluded_custom().into())
}

/// INV-1: lays out what an outbox e-mail names as attached, in order.
pub async fn attachments(app: &App, listed: &str) -> Result<Vec<Pdf>, AppError> {
    let wanted: Vec<Attachment> = serde_json::from_str(listed)
        .map_err(|e| AppError::Internal(format!("outbox attachments: {e}")))?;
    let mut out = Vec::with_capacity(wanted.len());
    for a in wanted {
        match a {
            Attachment::Terms { version, lang } => {
                let lang = lang.parse::<Lang>().unwrap_or(app.profile.languages[0]);
                out.push(terms_pdf(app, &version, lang).await?);
            }
            Attachment::WithdrawalForm { order_id } => {
                if let Some(pdf) =
                    withdrawal_form_pdf(app, &order_by_id(app, &order_id).await?).await?
                {
                    out.push(pdf);
                }
            }
            Attachment::Invoice { order_id } => {
                out.push(invoice_pdf(app, &order_by_id(app, &order_id).await?).await?);
            }
            Attachment::CreditNote { order_id, number } => {
                out.push(credit_note_pdf(app, &order_by_id(app, &order_id).await?, &number).await?);
            }
            Attachment::WithdrawalStatement { withdrawal_id } => {
                out.push(crate::withdrawals::statement_pdf(app, &withdrawal_id).await?);
            }
            Attachment::ReturnLabel { withdrawal_id } => {
                out.push(crate::withdrawals::label_pdf(app, &withdrawal_id).await?);
            }
        }
    }
    Ok(out)
}

async fn order_by_id(app: &App, id: &str) -> Result<Order, AppError> {
    app.store.order_by_id(id).await?.ok_or(AppError::NotFound)
}

/// The papers of an order (INV-2, INV-3, PAY-1): its invoice, refunds and credit notes;
/// none while it awaits its payment.
pub async fn papers_of_order(app: &App, order: &Order) -> Result<ecrin_store::Papers, AppError> {
    if order.status == ecrin_core::order::OrderState::AwaitingPayment {
        return Ok(ecrin_store::Papers::default());
    }
    let refunds = app.store.refunds_of(&order.id).await?;
    let credit_notes = if refunds.is_empty() {
        Vec::new()
    } else {
        app.store.credit_notes_of(&order.id).await?
    };
    Ok(ecrin_store::Papers {
        invoices: app.store.invoice_of(&order.id).await?.into_iter().collect(),
        refunds,
        credit_notes,
    })
}
