//! Staff routes of the API (`/api/v1/admin`), role-checked (PRV-8).

use super::accounts::{Bearer, MeResponse};
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ecrin_app::model::{Customer, Subject};
use ecrin_app::{backoffice, catalogue};
use serde::{Deserialize, Serialize};

pub(crate) fn staff_id(bearer: &Bearer) -> Result<&str, ApiError> {
    match &bearer.subject {
        Subject::Staff(id) => Ok(id),
        Subject::Customer(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Staff only.",
        )),
    }
}

fn record(c: Customer) -> MeResponse {
    MeResponse {
        id: c.id,
        email: c.email,
        title: c.title,
        given_name: c.given_name,
        family_name: c.family_name,
        phone: c.phone,
        language: c.language,
        status: c.status.as_str(),
        consents: None,
        addresses: None,
        store_credit: None,
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewsletterRequest {
    pub subject: String,
    /// Paragraphs separated by a blank line.
    pub text: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NewsletterResponse {
    /// How many customers who accept marketing e-mail it was sent to.
    pub sent: usize,
}

/// PRV-3: the house's news, to the customers who accept marketing e-mail only (admin).
#[utoipa::path(post, path = "/api/v1/admin/newsletters", request_body = NewsletterRequest,
    responses((status = 202, body = NewsletterResponse), (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn send_newsletter(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiJson(req): ApiJson<NewsletterRequest>,
) -> Result<(StatusCode, Json<NewsletterResponse>), ApiError> {
    let sent = ecrin_app::privacy::send_newsletter(
        &state.app,
        staff_id(&bearer)?,
        &req.subject,
        &req.text,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(NewsletterResponse { sent })))
}

/// A customer's record (admin, customer service); the read is logged.
#[utoipa::path(get, path = "/api/v1/admin/customers/{id}", params(("id" = String, Path)),
    responses((status = 200, body = MeResponse), (status = 403, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn get_customer(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<MeResponse>, ApiError> {
    let c = backoffice::view_customer(&state.app, staff_id(&bearer)?, &id).await?;
    Ok(Json(record(c)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendRequest {
    /// Told to the customer by e-mail (ACC-7).
    pub reason: String,
}

/// ACC-7: closes a customer's account for good, with the reason e-mailed (admin).
#[utoipa::path(post, path = "/api/v1/admin/customers/{id}/close", params(("id" = String, Path)),
    request_body = SuspendRequest,
    responses((status = 200, body = MeResponse), (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn close_customer(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<SuspendRequest>,
) -> Result<Json<MeResponse>, ApiError> {
    let c = backoffice::close_customer(&state.app, staff_id(&bearer)?, &id, &req.reason).await?;
    Ok(Json(record(c)))
}

/// ACC-7: suspends a customer's account (admin, customer service).
#[utoipa::path(post, path = "/api/v1/admin/customers/{id}/suspend", params(("id" = String, Path)),
    request_body = SuspendRequest,
    responses((status = 200, body = MeResponse), (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn suspend_customer(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<SuspendRequest>,
) -> Result<Json<MeResponse>, ApiError> {
    let c = backoffice::suspend_customer(&state.app, staff_id(&bearer)?, &id, &req.reason).await?;
    Ok(Json(record(c)))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SecurityCountDto {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// The form's route, `POST /api/v1/sessions`.
    pub kind: String,
    pub status: i64,
    pub count: i64,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SecurityStats {
    pub items: Vec<SecurityCountDto>,
}

/// PRV-5: attempts on the sensitive forms per day, route and answer over the last 30 days
/// (admin). Only these counts leave the system: no address, no browser.
#[utoipa::path(get, path = "/api/v1/admin/security-stats",
    responses((status = 200, body = SecurityStats), (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn security_stats(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<Json<SecurityStats>, ApiError> {
    let s = backoffice::staff(&state.app, staff_id(&bearer)?).await?;
    backoffice::require(&s, &[ecrin_core::account::Role::Admin])?;
    let since = state.app.clock.now_ms() - 30 * 86_400_000;
    let counts = ecrin_app::privacy::security_counts(&state.app, since).await?;
    let day = |d: i64| {
        jiff::Timestamp::from_millisecond(d * 86_400_000)
            .map(|t| t.to_string().get(..10).unwrap_or("").to_owned())
            .unwrap_or_default()
    };
    Ok(Json(SecurityStats {
        items: counts
            .into_iter()
            .map(|c| SecurityCountDto {
                day: day(c.day),
                kind: c.kind,
                status: c.status,
                count: c.count,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockRequest {
    /// Units on hand, 0 to 1,000,000.
    pub on_hand: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StockResponse {
    pub sku: String,
    pub on_hand: i64,
    /// `in_stock`, `made_to_order` or `sold_out` as customers now see it; null for a
    /// piece not on sale.
    pub availability: Option<&'static str>,
}

/// PAY-5: the units of a variant on hand (admin, warehouse). Orders already placed keep
/// the units they took.
#[utoipa::path(put, path = "/api/v1/admin/variants/{sku}/stock", request_body = StockRequest,
    params(("sku" = String, Path)),
    responses((status = 200, body = StockResponse),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn set_stock(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(sku): ApiPath<String>,
    ApiJson(req): ApiJson<StockRequest>,
) -> Result<Json<StockResponse>, ApiError> {
    let availability =
        catalogue::set_stock(&state.app, staff_id(&bearer)?, &sku, req.on_hand).await?;
    // Staff see their count on the pages at once (other processes within the cache's
    // recheck interval).
    state.cache.invalidate();
    Ok(Json(StockResponse {
        sku,
        on_hand: req.on_hand,
        availability: availability.map(|a| a.as_str()),
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DaySalesDto {
    /// `YYYY-MM-DD` in the house's calendar.
    pub day: String,
    /// Invoiced that day, VAT included.
    pub amount: super::checkout::MoneyDto,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WaitingDto {
    /// Paid orders still to ship.
    pub to_ship: i64,
    /// Returns awaited or received and not yet inspected.
    pub returns_to_inspect: i64,
    pub claims_to_answer: i64,
    pub messages_to_answer: i64,
    /// Running legal clocks past their due time (see `/admin/deadlines`).
    pub overdue_clocks: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LowStockItemDto {
    pub sku: String,
    pub product: String,
    pub on_hand: i64,
    pub low_stock_threshold: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DashboardDto {
    /// The last 90 days, oldest first; absent for roles that do not see sales (admin and
    /// accountant do).
    pub sales_by_day: Option<Vec<DaySalesDto>>,
    pub orders_by_status: std::collections::BTreeMap<String, i64>,
    pub waiting: WaitingDto,
    /// For admin and warehouse.
    pub low_stock: Vec<LowStockItemDto>,
}

/// The back office's home: sales by day over 90 days, orders by status, what waits for
/// action, pieces running low (every staff role; sales for admin and accountant).
#[utoipa::path(get, path = "/api/v1/admin/dashboard",
    responses((status = 200, body = DashboardDto),
        (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn dashboard(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<Json<DashboardDto>, ApiError> {
    let d = ecrin_app::dashboard::dashboard(&state.app, staff_id(&bearer)?).await?;
    Ok(Json(DashboardDto {
        sales_by_day: d.sales.map(|days| {
            days.into_iter()
                .map(|(day, amount)| DaySalesDto {
                    day: day.to_string(),
                    amount: super::checkout::money(&state, amount),
                })
                .collect()
        }),
        orders_by_status: d.by_status.into_iter().collect(),
        waiting: WaitingDto {
            to_ship: d.to_ship,
            returns_to_inspect: d.returns_to_inspect,
            claims_to_answer: d.claims_to_answer,
            messages_to_answer: d.messages_to_answer,
            overdue_clocks: d.overdue_clocks,
        },
        low_stock: d
            .low_stock
            .into_iter()
            .map(|l| LowStockItemDto {
                sku: l.sku,
                product: l.product_slug,
                on_hand: l.on_hand,
                low_stock_threshold: l.low_stock_threshold,
            })
            .collect(),
    }))
}
