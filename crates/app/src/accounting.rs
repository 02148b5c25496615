//! The accountant's figures (INV-2, INV-3, CHK-6): the invoices and credit notes of a
//! period as CSV and as a ZIP of their PDFs, and the VAT of EU distance sales per country
//! of destination and rate, which an OSS return declares. For admins and accountants.

use crate::{App, AppError, backoffice, checkout, documents};
use ecrin_core::account::Role;
use ecrin_core::query::FieldError;
use ecrin_store::{Order, Staff};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

pub const ACCOUNTING: &[Role] = &[Role::Admin, Role::Accountant];

/// A period of the house's calendar, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
    /// Its first instant and the first instant after it, in milliseconds.
    pub from_ms: i64,
    pub until_ms: i64,
}

fn invalid(field: &str, reason: &'static str) -> AppError {
    AppError::Invalid(vec![FieldError {
        field: field.to_owned(),
        reason,
    }])
}

impl Period {
    /// `from` and `to` as `YYYY-MM-DD`, in the house's time zone.
    pub fn parse(app: &App, from: &str, to: &str) -> Result<Period, AppError> {
        let day = |field: &str, s: &str| -> Result<jiff::civil::Date, AppError> {
            s.trim().parse().map_err(|_| invalid(field, "invalid_date"))
        };
        let (from, to) = (day("from", from)?, day("to", to)?);
        if to < from {
            return Err(invalid("to", "before_from"));
        }
        let zone = jiff::tz::TimeZone::get(&app.profile.time_zone)
            .map_err(|e| AppError::Internal(format!("time zone: {e}")))?;
        let start = |d: jiff::civil::Date| -> Result<i64, AppError> {
            Ok(d.to_zoned(zone.clone())
                .and_then(|z| z.start_of_day())
                .map_err(|_| invalid("to", "invalid_date"))?
                .timestamp()
                .as_millisecond())
        };
        let next = to.tomorrow().map_err(|_| invalid("to", "invalid_date"))?;
        Ok(Period {
            from,
            to,
            from_ms: start(from)?,
            until_ms: start(next)?,
        })
    }
}

/// `invoice` or `credit_note`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Invoice,
    CreditNote,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Invoice => "invoice",
            Kind::CreditNote => "credit_note",
        }
    }
}

/// One document of the period, as the accountant's ledger takes it: a credit note's
/// amounts are negative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    pub number: String,
    pub issued_at_ms: i64,
    pub order_id: String,
    pub order_number: String,
    /// The invoice a credit note corrects; the invoice's own number for an invoice.
    pub invoice_number: String,
    pub customer: String,
    /// Where the goods go (the billing country for a boutique pick-up).
    pub country: String,
    /// `domestic`, `distance_sale` or `export` (CHK-6).
    pub vat_treatment: String,
    /// In basis points; the order's single rate.
    pub vat_rate_bp: i64,
    pub excl_vat: i64,
    pub vat: i64,
    pub total: i64,
}

async fn accountant(app: &App, staff_id: &str) -> Result<Staff, AppError> {
    let staff = backoffice::staff(app, staff_id).await?;
    backoffice::require(&staff, ACCOUNTING)?;
    Ok(staff)
}

/// The period `from`..`to` read, and its documents.
pub async fn of_period(
    app: &App,
    staff_id: &str,
    from: &str,
    to: &str,
) -> Result<(Period, Vec<Entry>), AppError> {
    let period = Period::parse(app, from, to)?;
    Ok((period, entries(app, staff_id, period).await?))
}

/// The invoices then the credit notes of a period, each in its number's order.
pub async fn entries(app: &App, staff_id: &str, period: Period) -> Result<Vec<Entry>, AppError> {
    accountant(app, staff_id).await?;
    let invoices = app
        .store
        .invoices_between(period.from_ms, period.until_ms)
        .await?;
    let notes = app
        .store
        .credit_notes_between(period.from_ms, period.until_ms)
        .await?;
    let mut orders: BTreeMap<String, (Order, checkout::Summary)> = BTreeMap::new();
    for id in invoices
        .iter()
        .map(|i| &i.order_id)
        .chain(notes.iter().map(|n| &n.order_id))
    {
        if !orders.contains_key(id) {
            let order = app.store.order_by_id(id).await?.ok_or(AppError::NotFound)?;
            let summary = checkout::document(&order)?;
            orders.insert(id.clone(), (order, summary));
        }
    }
    let mut out = Vec::with_capacity(invoices.len() + notes.len());
    let entry = |kind, number: &str, at, order_id: &str, invoice: &str, total: i64| {
        let (order, s) = &orders[order_id];
        let rate = order.lines.first().map_or(0, |l| l.vat_rate_bp);
        let (excl, vat) = match kind {
            Kind::Invoice => (order.total - order.vat_total, order.vat_total),
            Kind::CreditNote => {
                let (excl, vat) = ecrin_core::vat::split(total, u32::try_from(rate).unwrap_or(0));
                (-excl, -vat)
            }
        };
        let address = s.delivery_address.as_ref().unwrap_or(&s.billing_address);
        Entry {
            kind,
            number: number.to_owned(),
            issued_at_ms: at,
            order_id: order_id.to_owned(),
            order_number: order.number.clone(),
            invoice_number: invoice.to_owned(),
            customer: format!(
                "{} {}",
                s.billing_address.given_name, s.billing_address.family_name
            )
            .trim()
            .to_owned(),
            country: address.country.clone(),
            vat_treatment: s.vat_treatment.clone(),
            vat_rate_bp: rate,
            excl_vat: excl,
            vat,
            total: if kind == Kind::Invoice { total } else { -total },
        }
    };
    for i in &invoices {
        out.push(entry(
            Kind::Invoice,
            &i.number,
            i.issued_at,
            &i.order_id,
            &i.number,
            i.total,
        ));
    }
    for n in &notes {
        out.push(entry(
            Kind::CreditNote,
            &n.number,
            n.issued_at,
            &n.order_id,
            &n.invoice_number,
            n.amount,
        ));
    }
    Ok(out)
}

/// An amount in minor units as the ledger reads it: `-1250.50`.
fn decimal(amount: i64) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let a = amount.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

fn percent(bp: i64) -> String {
    format!("{}.{:02}", bp / 100, bp % 100)
}

pub const CSV_COLUMNS: [&str; 13] = [
    "type",
    "number",
    "issued_on",
    "order",
    "invoice",
    "customer",
    "country",
    "vat_treatment",
    "vat_rate",
    "excl_vat",
    "vat",
    "total",
    "currency",
];

/// The documents as CSV, one row each (dates in the house's calendar).
pub fn csv(app: &App, entries: &[Entry]) -> Result<Vec<u8>, AppError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    w.write_record(CSV_COLUMNS).map_err(fail)?;
    let zone = jiff::tz::TimeZone::get(&app.profile.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    for e in entries {
        let day = jiff::Timestamp::from_millisecond(e.issued_at_ms)
            .map(|t| t.to_zoned(zone.clone()).date().to_string())
            .unwrap_or_default();
        w.write_record([
            e.kind.as_str(),
            &e.number,
            &day,
            &e.order_number,
            &e.invoice_number,
            &e.customer,
            &e.country,
            &e.vat_treatment,
            &percent(e.vat_rate_bp),
            &decimal(e.excl_vat),
            &decimal(e.vat),
            &decimal(e.total),
            app.profile.currency.code(),
        ])
        .map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(format!("csv: {e}")))
}

/// One line of the OSS figures: the sales to one country at one rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OssLine {
    pub country: String,
    pub vat_rate_bp: i64,
    /// Taxable amount and VAT, credit notes of the period deducted.
    pub taxable: i64,
    pub vat: i64,
    pub invoices: usize,
    pub credit_notes: usize,
}

/// CHK-6: the VAT of EU distance sales (goods sent from the house's country to a consumer
/// in another member state) per country of destination and rate, for a period: what the
/// One-Stop-Shop return declares. Credit notes of the period are deducted where issued.
pub async fn oss(app: &App, staff_id: &str, period: Period) -> Result<Vec<OssLine>, AppError> {
    let entries = entries(app, staff_id, period).await?;
    let mut lines: BTreeMap<(String, i64), OssLine> = BTreeMap::new();
    for e in entries.iter().filter(|e| {
        e.vat_treatment == "distance_sale" && ecrin_core::country::is_eu_member(&e.country)
    }) {
        let line = lines
            .entry((e.country.clone(), e.vat_rate_bp))
            .or_insert_with(|| OssLine {
                country: e.country.clone(),
                vat_rate_bp: e.vat_rate_bp,
                taxable: 0,
                vat: 0,
                invoices: 0,
                credit_notes: 0,
            });
        line.taxable += e.excl_vat;
        line.vat += e.vat;
        match e.kind {
            Kind::Invoice => line.invoices += 1,
            Kind::CreditNote => line.credit_notes += 1,
        }
    }
    Ok(lines.into_values().collect())
}

/// A buffer the ZIP writes into and the stream drains after each file.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("zip buffer poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .map(|mut b| std::mem::take(&mut *b))
            .unwrap_or_default()
    }
}

/// Streams the ZIP of a period's documents into `out`: `documents.csv` first, then each
/// invoice and credit note as PDF, laid out one at a time and sent as soon as written,
/// so a year of documents never sits in memory. Stops quietly when the client leaves.
pub async fn stream_zip(
    app: App,
    entries: Vec<Entry>,
    out: tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
) {
    let buffer = Shared::default();
    let mut zip = zip::ZipWriter::new_stream(buffer.clone());
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    // PDFs are compressed already.
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let result: Result<(), AppError> = async {
        let z = |e: zip::result::ZipError| AppError::Internal(format!("zip: {e}"));
        let io = |e: std::io::Error| AppError::Internal(format!("zip: {e}"));
        zip.start_file("documents.csv", deflated).map_err(z)?;
        zip.write_all(&csv(&app, &entries)?).map_err(io)?;
        for e in &entries {
            let Some(order) = app.store.order_by_id(&e.order_id).await? else {
                continue;
            };
            let pdf = match e.kind {
                Kind::Invoice => documents::invoice_pdf(&app, &order).await?,
                Kind::CreditNote => documents::credit_note_pdf(&app, &order, &e.number).await?,
            };
            let folder = match e.kind {
                Kind::Invoice => "invoices",
                Kind::CreditNote => "credit-notes",
            };
            zip.start_file(format!("{folder}/{}", pdf.filename), stored)
                .map_err(z)?;
            zip.write_all(&pdf.bytes).map_err(io)?;
            if out.send(Ok(buffer.take())).await.is_err() {
                return Ok(());
            }
        }
        zip.finish().map_err(z)?;
        let _ = out.send(Ok(buffer.take())).await;
        Ok(())
    }
    .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "accounting archive");
        let _ = out
            .send(Err(std::io::Error::other("the archive stopped")))
            .await;
    }
}
