//! The accountant's page (admin, accountant): a period (the last full quarter unless
//! chosen), its OSS figures per member state and rate, its documents, and the downloads
//! of their CSV and of the ZIP of their PDFs.

use super::{Cell, FormField, StaffForm, StaffTable, StaffVisit, refused};
use crate::AppState;
use crate::api::accounting::{PeriodQuery, csv_response, zip_response};
use crate::i18n::Tr;
use crate::storefront::account::no_store;
use crate::storefront::render;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use ecrin_app::accounting::{self, Kind, Period};
use jiff::ToSpan;

/// The last full quarter of the house's calendar before today.
fn last_quarter(state: &AppState) -> (String, String) {
    let zone =
        jiff::tz::TimeZone::get(&state.app.profile.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let today = state.app.clock.now().to_zoned(zone).date();
    let first_month = (today.month() - 1) / 3 * 3 + 1;
    let this_quarter = jiff::civil::date(today.year(), first_month, 1);
    let start = this_quarter.checked_sub(3.months()).unwrap_or(this_quarter);
    let end = this_quarter.yesterday().unwrap_or(this_quarter);
    (start.to_string(), end.to_string())
}

fn chosen(state: &AppState, q: &PeriodQuery) -> (String, String) {
    if q.from.trim().is_empty() && q.to.trim().is_empty() {
        last_quarter(state)
    } else {
        (q.from.clone(), q.to.clone())
    }
}

fn percent(bp: i64) -> String {
    format!("{},{:02} %", bp / 100, bp % 100)
}

pub(super) async fn page(
    State(state): State<AppState>,
    visit: StaffVisit,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let mut page = visit.page(&state, "staff-accounting");
    let StaffVisit { lang, t, staff, .. } = visit;
    let (from, to) = chosen(&state, &q);
    let code = lang.code();
    page.filter = Some(StaffForm {
        id: "period".to_owned(),
        action: format!("/{code}/staff/accounting"),
        title: String::new(),
        fields: vec![
            FormField::new("from", t.t("staff-accounting-from"), "date").value(from.clone()),
            FormField::new("to", t.t("staff-accounting-to"), "date").value(to.clone()),
        ],
        submit: t.t("staff-accounting-show"),
    });
    let period = match Period::parse(&state.app, &from, &to) {
        Ok(p) => p,
        Err(e) => return refused(&state, lang, page, e),
    };
    let entries = match accounting::entries(&state.app, &staff.id, period).await {
        Ok(e) => e,
        Err(e) => return refused(&state, lang, page, e),
    };
    let oss = match accounting::oss(&state.app, &staff.id, period).await {
        Ok(o) => o,
        Err(e) => return refused(&state, lang, page, e),
    };
    let query = format!("from={}&to={}", period.from, period.to);
    page.links = vec![
        (
            format!("/{code}/staff/accounting/documents.csv?{query}"),
            t.t("staff-accounting-csv"),
        ),
        (
            format!("/{code}/staff/accounting/documents.zip?{query}"),
            t.t("staff-accounting-zip"),
        ),
    ];
    let total_vat: i64 = oss.iter().map(|l| l.vat).sum();
    page.tables.push(StaffTable {
        title: t.with("staff-accounting-oss", &[("vat", t.money(total_vat))]),
        empty: t.t("staff-accounting-oss-none"),
        head: [
            "staff-accounting-country",
            "staff-accounting-rate",
            "staff-accounting-taxable",
            "staff-accounting-vat",
            "staff-accounting-invoices",
            "staff-accounting-credit-notes",
        ]
        .iter()
        .map(|k| t.t(k))
        .collect(),
        rows: oss
            .iter()
            .map(|l| {
                vec![
                    Cell::text(l.country.clone()),
                    Cell::text(percent(l.vat_rate_bp)),
                    Cell::text(t.money(l.taxable)),
                    Cell::text(t.money(l.vat)),
                    Cell::text(l.invoices.to_string()),
                    Cell::text(l.credit_notes.to_string()),
                ]
            })
            .collect(),
    });
    let tz = &state.app.profile.time_zone;
    page.tables.push(documents_table(t, lang, tz, &entries));
    no_store(render(&page))
}

fn documents_table(
    t: Tr,
    lang: ecrin_core::Lang,
    tz: &str,
    entries: &[accounting::Entry],
) -> StaffTable {
    let code = lang.code();
    StaffTable {
        title: t.with(
            "staff-accounting-documents",
            &[("count", entries.len().to_string())],
        ),
        empty: t.t("staff-accounting-documents-none"),
        head: [
            "staff-accounting-number",
            "staff-accounting-date",
            "staff-accounting-order",
            "staff-accounting-country",
            "staff-accounting-taxable",
            "staff-accounting-vat",
            "staff-accounting-total",
        ]
        .iter()
        .map(|k| t.t(k))
        .collect(),
        rows: entries
            .iter()
            .map(|e| {
                let kind = match e.kind {
                    Kind::Invoice => t.t("doc-invoice"),
                    Kind::CreditNote => t.t("doc-credit-note"),
                };
                vec![
                    Cell::text(format!("{kind} {}", e.number)),
                    Cell::text(ecrin_app::i18n::date(e.issued_at_ms, lang, tz)),
                    Cell::link(
                        e.order_number.clone(),
                        format!("/{code}/staff/orders/{}", e.order_number),
                    ),
                    Cell::text(e.country.clone()),
                    Cell::text(t.money(e.excl_vat)),
                    Cell::text(t.money(e.vat)),
                    Cell::text(t.money(e.total)),
                ]
            })
            .collect(),
    }
}

/// The period's documents as CSV, downloaded from the page.
pub(super) async fn csv(
    State(state): State<AppState>,
    visit: StaffVisit,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let page = visit.page(&state, "staff-accounting");
    let (from, to) = chosen(&state, &q);
    match accounting::of_period(&state.app, &visit.staff.id, &from, &to).await {
        Ok((period, entries)) => match csv_response(&state.app, period, &entries) {
            Ok(r) => no_store(r),
            Err(e) => e.into_response(),
        },
        Err(e) => refused(&state, visit.lang, page, e),
    }
}

/// The period's documents as a ZIP of PDFs, streamed from the page.
pub(super) async fn zip(
    State(state): State<AppState>,
    visit: StaffVisit,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let page = visit.page(&state, "staff-accounting");
    let (from, to) = chosen(&state, &q);
    match accounting::of_period(&state.app, &visit.staff.id, &from, &to).await {
        Ok((period, entries)) => no_store(zip_response(&state.app, period, entries)),
        Err(e) => refused(&state, visit.lang, page, e),
    }
}
