//! The accountant's exports over the API (admin, accountant): a period's invoices and
//! credit notes as CSV or as a ZIP of their PDFs (streamed), and the OSS figures.

use super::accounts::Bearer;
use super::admin::staff_id;
use super::checkout::{MoneyDto, money};
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use ecrin_app::App;
use ecrin_app::accounting::{self, Entry, Period};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct PeriodQuery {
    /// First day, `YYYY-MM-DD`, in the house's calendar.
    #[serde(default)]
    pub from: String,
    /// Last day included.
    #[serde(default)]
    pub to: String,
}

/// The CSV of a period's documents as a download.
pub(crate) fn csv_response(
    app: &App,
    period: Period,
    entries: &[Entry],
) -> Result<Response, ApiError> {
    let body = accounting::csv(app, entries)?;
    let name = format!(
        "attachment; filename=\"documents-{}-{}.csv\"",
        period.from, period.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        body,
    )
        .into_response())
}

/// The ZIP of a period's documents, written while it is sent.
pub(crate) fn zip_response(app: &App, period: Period, entries: Vec<Entry>) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(accounting::stream_zip(app.clone(), entries, tx));
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    let name = format!(
        "attachment; filename=\"documents-{}-{}.zip\"",
        period.from, period.to
    );
    (
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

/// A period's invoices and credit notes as CSV (admin, accountant): one row each, with
/// the order, customer, country of destination, VAT treatment and rate, amounts without
/// VAT, VAT and total (a credit note's negative).
#[utoipa::path(get, path = "/api/v1/admin/accounting/documents.csv", params(PeriodQuery),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn documents_csv(
    State(state): State<AppState>,
    bearer: Bearer,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, ApiError> {
    let (period, entries) =
        accounting::of_period(&state.app, staff_id(&bearer)?, &q.from, &q.to).await?;
    csv_response(&state.app, period, &entries)
}

/// The same documents as a ZIP: `documents.csv`, then `invoices/*.pdf` and
/// `credit-notes/*.pdf`, laid out one at a time and streamed.
#[utoipa::path(get, path = "/api/v1/admin/accounting/documents.zip", params(PeriodQuery),
    responses((status = 200, content_type = "application/zip", body = Vec<u8>),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn documents_zip(
    State(state): State<AppState>,
    bearer: Bearer,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, ApiError> {
    let (period, entries) =
        accounting::of_period(&state.app, staff_id(&bearer)?, &q.from, &q.to).await?;
    Ok(zip_response(&state.app, period, entries))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OssRow {
    /// ISO 3166-1 alpha-2 of the member state of destination.
    pub country: String,
    /// Percent, e.g. `"21.00"`.
    pub vat_rate: String,
    /// Without VAT, credit notes of the period deducted.
    pub taxable: MoneyDto,
    pub vat: MoneyDto,
    pub invoices: usize,
    pub credit_notes: usize,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OssReport {
    pub from: String,
    pub to: String,
    /// The member state the goods leave from.
    pub origin_country: String,
    pub rows: Vec<OssRow>,
    pub total_vat: MoneyDto,
}

/// CHK-6: EU distance sales per member state of destination and VAT rate for a period,
/// the figures of a One-Stop-Shop return (admin, accountant).
#[utoipa::path(get, path = "/api/v1/admin/reports/oss", params(PeriodQuery),
    responses((status = 200, body = OssReport),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn oss(
    State(state): State<AppState>,
    bearer: Bearer,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<OssReport>, ApiError> {
    let period = Period::parse(&state.app, &q.from, &q.to)?;
    let lines = accounting::oss(&state.app, staff_id(&bearer)?, period).await?;
    let total: i64 = lines.iter().map(|l| l.vat).sum();
    Ok(Json(OssReport {
        from: period.from.to_string(),
        to: period.to.to_string(),
        origin_country: state.app.profile.country.clone(),
        rows: lines
            .into_iter()
            .map(|l| OssRow {
                country: l.country,
                vat_rate: format!("{}.{:02}", l.vat_rate_bp / 100, l.vat_rate_bp % 100),
                taxable: money(&state, l.taxable),
                vat: money(&state, l.vat),
                invoices: l.invoices,
                credit_notes: l.credit_notes,
            })
            .collect(),
        total_vat: money(&state, total),
    }))
}
