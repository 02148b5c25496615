//! The withdrawal function over the API (WDR-1, WDR-2, WDR-3, WDR-7): the customer's own
//! order, or a guest's with the order number and e-mail address.

use super::accounts::Bearer;
use super::checkout::{Client, money};
use super::fulfilment::{LineUnits, units};
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ecrin_app::withdrawals::{self, WithdrawInput, Withdrawn};
use ecrin_core::order::Units;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalRequest {
    /// The units withdrawn from, per line (`{number}-{n}`).
    pub lines: Vec<LineUnits>,
    /// `refund` (default) or `exchange` where the house allows it (WDR-6).
    pub outcome: Option<String>,
    /// For `exchange`: the piece wanted instead.
    pub exchange_sku: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuestWithdrawalRequest {
    pub order_number: String,
    /// The e-mail address the order was placed with; another is answered as an unknown
    /// order.
    pub email: String,
    pub lines: Vec<LineUnits>,
    pub outcome: Option<String>,
    pub exchange_sku: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WithdrawalLineDto {
    pub line_id: String,
    pub quantity: i64,
}

/// WDR-2, WDR-7: the withdrawal as received, with the return's authorisation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WithdrawalDto {
    pub id: String,
    pub order_number: String,
    /// `authorised` (pieces to send back) or `closed` (everything was cancelled before it
    /// left).
    pub status: String,
    /// WDR-7: the moment of the notice, to the second (RFC 3339).
    pub notified_at: String,
    pub outcome: String,
    pub exchange_sku: Option<String>,
    /// Every unit withdrawn from.
    pub lines: Vec<WithdrawalLineDto>,
    /// Not yet shipped: cancelled at once and refunded.
    pub cancelled: Vec<WithdrawalLineDto>,
    /// To send back under this authorisation.
    pub send_back: Vec<WithdrawalLineDto>,
    /// WDR-2: the last day to send them (a date), the address, who pays.
    pub return_by: Option<String>,
    pub return_address: Option<String>,
    pub return_paid_by: String,
    /// `milano`: the day the house's courier collects.
    pub pickup_date: Option<String>,
    /// `milano`: the prepaid return label (PDF), for the customer signed in.
    pub label_url: Option<String>,
    /// WDR-5: what comes back once the pieces are received: their price, and the standard
    /// delivery charge when nothing of the order is kept.
    pub refund_estimate: super::checkout::MoneyDto,
    /// The refund already made for the units cancelled before they left.
    #[schema(value_type = Option<Object>)]
    pub refund: Option<serde_json::Value>,
}

fn lines(number: &str, units: &[Units]) -> Vec<WithdrawalLineDto> {
    units
        .iter()
        .map(|u| WithdrawalLineDto {
            line_id: format!("{number}-{}", u.line_no),
            quantity: u.quantity,
        })
        .collect()
}

pub(crate) fn dto(state: &AppState, w: &Withdrawn) -> WithdrawalDto {
    let number = &w.order.number;
    let cancelled: Vec<Units> = serde_json::from_str(&w.withdrawal.cancelled).unwrap_or_default();
    let back: Vec<Units> = serde_json::from_str(&w.withdrawal.send_back).unwrap_or_default();
    let mut all = cancelled.clone();
    all.extend(back.iter().copied());
    WithdrawalDto {
        id: w.withdrawal.id.clone(),
        order_number: number.clone(),
        status: w.withdrawal.status.as_str().to_owned(),
        notified_at: jiff::Timestamp::from_millisecond(w.withdrawal.notified_at)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        outcome: w.withdrawal.outcome.as_str().to_owned(),
        exchange_sku: w.withdrawal.exchange_sku.clone(),
        lines: lines(number, &all),
        cancelled: lines(number, &cancelled),
        send_back: lines(number, &back),
        return_by: w.withdrawal.return_by.clone(),
        return_address: (!back.is_empty()).then(|| withdrawals::return_address(&state.app)),
        return_paid_by: w.withdrawal.return_paid_by.as_str().to_owned(),
        pickup_date: w.withdrawal.pickup_date.clone(),
        label_url: withdrawals::has_label(&w.withdrawal)
            .then(|| label_url(number, &w.withdrawal.id)),
        refund_estimate: money(
            state,
            withdrawals::refund_estimate(&state.app, &w.order, &back),
        ),
        refund: w.refund.as_ref().map(|d| {
            serde_json::json!({
                "id": d.refund.id,
                "amount": money(state, d.refund.amount),
                "status": d.refund.status.as_str(),
                "credit_note": d.credit_note.as_ref().map(|n| n.number.clone()),
            })
        }),
    }
}

/// WDR-1, WDR-7: the customer withdraws from their order, per line and quantity, without
/// a reason; confirmed at once by e-mail with the date and time and the statement as PDF.
/// Units not yet shipped are cancelled and refunded; the others are to be sent back under
/// the return authorisation given (WDR-2).
#[utoipa::path(post, path = "/api/v1/orders/{number}/withdrawals",
    params(("number" = String, Path)), request_body = WithdrawalRequest,
    responses((status = 201, body = WithdrawalDto),
              (status = 400, body = crate::Problem, content_type = "application/problem+json"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json"),
              (status = 409, body = crate::Problem, content_type = "application/problem+json"),
              (status = 422, body = crate::Problem, content_type = "application/problem+json", description = "`withdrawal_window_closed`, `withdrawal_excluded_custom`")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    bearer: Bearer,
    client: Client,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<WithdrawalRequest>,
) -> Result<Response, ApiError> {
    let customer = super::checkout::customer_id(&bearer)?;
    let input = WithdrawInput {
        lines: units(number.trim(), req.lines)?,
        outcome: req.outcome,
        exchange_sku: req.exchange_sku,
        ip: client.ip,
    };
    let w = withdrawals::withdraw(&state.app, customer, number.trim(), input).await?;
    state.cache.invalidate();
    Ok((StatusCode::CREATED, Json(dto(&state, &w))).into_response())
}

/// WDR-7: a guest's withdrawal, recorded and waiting for the owner of the order's e-mail
/// address to confirm it by the link e-mailed to them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WithdrawalNoticeDto {
    /// `awaiting_confirmation`.
    pub status: &'static str,
    pub order_number: String,
    /// The moment of the notice, to the second (RFC 3339): the withdrawal's date once
    /// confirmed.
    pub notified_at: String,
    /// The e-mailed link can be followed until then (RFC 3339).
    pub confirm_by: String,
    /// What the confirmation would cancel at once (not yet shipped).
    pub cancelled: Vec<WithdrawalLineDto>,
    /// What it would ask to send back.
    pub send_back: Vec<WithdrawalLineDto>,
}

/// WDR-7: the same without logging in: the order's number and the e-mail address it was
/// placed with. An unknown number and another address answer alike, as an unknown order
/// (404); after a few such answers for the client's address, the order number or the
/// e-mail address, every attempt by them is `429 rate_limited` for the hour, right or
/// wrong. A right pair records the notice (202) and e-mails the order's address a link to
/// confirm it: nothing of the order changes before it is followed.
#[utoipa::path(post, path = "/api/v1/withdrawals", request_body = GuestWithdrawalRequest,
    responses((status = 202, body = WithdrawalNoticeDto),
              (status = 400, body = crate::Problem, content_type = "application/problem+json"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json"),
              (status = 409, body = crate::Problem, content_type = "application/problem+json"),
              (status = 422, body = crate::Problem, content_type = "application/problem+json"),
              (status = 429, body = crate::Problem, content_type = "application/problem+json")),
    tag = "checkout")]
pub(crate) async fn withdraw_as_guest(
    State(state): State<AppState>,
    client: Client,
    ApiJson(req): ApiJson<GuestWithdrawalRequest>,
) -> Result<Response, ApiError> {
    let number = req.order_number.trim();
    let input = WithdrawInput {
        lines: units(number, req.lines)?,
        outcome: req.outcome,
        exchange_sku: req.exchange_sku,
        ip: client.ip,
    };
    let n = withdrawals::notify_as_guest(&state.app, number, &req.email, input).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(WithdrawalNoticeDto {
            status: "awaiting_confirmation",
            notified_at: rfc3339(n.notified_at),
            confirm_by: rfc3339(n.expires_at),
            cancelled: lines(&n.order_number, &n.plan.cancel),
            send_back: lines(&n.order_number, &n.plan.send_back),
            order_number: n.order_number,
        }),
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmWithdrawalRequest {
    /// The token of the link e-mailed to the order's address.
    pub token: String,
}

/// WDR-7: the owner of the order's address confirms a guest's withdrawal with the token of
/// the e-mailed link: it is carried out as of the notice, as a logged-in customer's is at
/// once (201, the same answer). Confirmed again, the same withdrawal is given.
#[utoipa::path(post, path = "/api/v1/withdrawals/confirm", request_body = ConfirmWithdrawalRequest,
    responses((status = 201, body = WithdrawalDto),
              (status = 409, body = crate::Problem, content_type = "application/problem+json"),
              (status = 422, body = crate::Problem, content_type = "application/problem+json", description = "`invalid_token`, `withdrawal_window_closed`")),
    tag = "checkout")]
pub(crate) async fn confirm_as_guest(
    State(state): State<AppState>,
    client: Client,
    ApiJson(req): ApiJson<ConfirmWithdrawalRequest>,
) -> Result<Response, ApiError> {
    let w = withdrawals::confirm(&state.app, &req.token, &client.ip).await?;
    state.cache.invalidate();
    Ok((StatusCode::CREATED, Json(dto(&state, &w))).into_response())
}

/// WDR-2, WDR-4: a return as the order and the staff see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReturnDto {
    pub id: String,
    /// `authorised`, `received`, then `accepted`, `reduced` or `refused`; `closed` when
    /// everything was cancelled before it left.
    pub status: String,
    pub notified_at: String,
    pub send_back: Vec<WithdrawalLineDto>,
    pub return_by: Option<String>,
    pub pickup_date: Option<String>,
    /// `milano`: the prepaid return label (PDF).
    pub label_url: Option<String>,
    pub received_at: Option<String>,
    pub inspected_at: Option<String>,
    pub inspection_reason: Option<String>,
}

fn label_url(number: &str, id: &str) -> String {
    format!("/api/v1/orders/{number}/withdrawals/{id}/label.pdf")
}

/// WDR-2 (`milano`): the prepaid label of a return of the customer's order, as PDF.
#[utoipa::path(get, path = "/api/v1/orders/{number}/withdrawals/{id}/label.pdf",
    params(("number" = String, Path), ("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn label(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath((number, id)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let customer = super::checkout::customer_id(&bearer)?;
    let order = ecrin_app::checkout::order_of(&state.app, customer, &number).await?;
    let w = withdrawals::of_order(&state.app, &order)
        .await?
        .into_iter()
        .find(|w| w.id == id)
        .ok_or(ecrin_app::AppError::NotFound)?;
    Ok(super::pdf_response(
        withdrawals::label_pdf(&state.app, &w.id).await?,
    ))
}

fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

pub(crate) fn return_dto(number: &str, w: &ecrin_app::model::Withdrawal) -> ReturnDto {
    let back: Vec<Units> = serde_json::from_str(&w.send_back).unwrap_or_default();
    ReturnDto {
        id: w.id.clone(),
        status: w.status.as_str().to_owned(),
        notified_at: rfc3339(w.notified_at),
        send_back: lines(number, &back),
        return_by: w.return_by.clone(),
        pickup_date: w.pickup_date.clone(),
        label_url: withdrawals::has_label(w).then(|| label_url(number, &w.id)),
        received_at: w.received_at.map(rfc3339),
        inspected_at: w.inspected_at.map(rfc3339),
        inspection_reason: w.inspection_reason.clone(),
    }
}

async fn number_of(state: &AppState, w: &ecrin_app::model::Withdrawal) -> Result<String, ApiError> {
    Ok(withdrawals::order_number_of(&state.app, w).await?)
}

/// WDR-4: the parcel of an authorised return came back (warehouse, customer service,
/// admin). A return not awaited is `409 wrong_status`.
#[utoipa::path(post, path = "/api/v1/admin/returns/{id}/receive", params(("id" = String, Path)),
    responses((status = 200, body = ReturnDto),
              (status = 403, body = crate::Problem, content_type = "application/problem+json"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json"),
              (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn receive(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ReturnDto>, ApiError> {
    let staff = super::admin::staff_id(&bearer)?;
    let w = withdrawals::receive(&state.app, staff, &id).await?;
    let number = number_of(&state, &w).await?;
    Ok(Json(return_dto(&number, &w)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectRequest {
    /// `accepted`, `reduced` (with `refund_amount` and `reason`) or `refused` (with
    /// `reason`: wear, alteration, invoice or certificate missing).
    pub outcome: String,
    pub refund_amount: Option<i64>,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InspectedDto {
    #[serde(rename = "return")]
    pub the_return: ReturnDto,
    /// WDR-5: the refund made, with its credit note.
    #[schema(value_type = Option<Object>)]
    pub refund: Option<serde_json::Value>,
    /// WDR-6: for an exchange, the piece wanted and the difference.
    pub exchange: Option<ExchangeDto>,
}

/// WDR-6: an exchange once its return is accepted: what the pieces are worth is credited
/// (with its credit note) towards the piece wanted, which waits in the customer's basket;
/// `difference_due` is what they pay at checkout (positive) or what was refunded to their
/// payment (negative).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExchangeDto {
    pub sku: String,
    pub quantity: i64,
    pub price: super::checkout::MoneyDto,
    pub credit: super::checkout::MoneyDto,
    pub credit_note: Option<String>,
    pub difference_due: super::checkout::MoneyDto,
    pub in_basket: bool,
}

/// WDR-4, WDR-5, INV-3: a received return inspected: accepted (back in stock, refunded in
/// full through the provider with a credit note), reduced (a smaller refund, for wear), or
/// refused (nothing refunded; the pieces go back at the customer's cost).
#[utoipa::path(post, path = "/api/v1/admin/returns/{id}/inspect", params(("id" = String, Path)),
    request_body = InspectRequest,
    responses((status = 200, body = InspectedDto),
              (status = 400, body = crate::Problem, content_type = "application/problem+json"),
              (status = 403, body = crate::Problem, content_type = "application/problem+json"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json"),
              (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn inspect(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<InspectRequest>,
) -> Result<Json<InspectedDto>, ApiError> {
    let staff = super::admin::staff_id(&bearer)?;
    let withdrawals::Inspected {
        withdrawal: w,
        refund,
        exchange,
    } = withdrawals::inspect(
        &state.app,
        staff,
        &id,
        withdrawals::Inspection {
            outcome: req.outcome,
            refund_amount: req.refund_amount,
            reason: req.reason,
        },
    )
    .await?;
    state.cache.invalidate();
    let number = number_of(&state, &w).await?;
    Ok(Json(InspectedDto {
        the_return: return_dto(&number, &w),
        refund: refund.map(|d| {
            serde_json::json!({
                "id": d.refund.id,
                "amount": money(&state, d.refund.amount),
                "status": d.refund.status.as_str(),
                "credit_note": d.credit_note.map(|n| n.number),
            })
        }),
        exchange: exchange.map(|x| ExchangeDto {
            sku: x.sku,
            quantity: x.quantity,
            price: money(&state, x.price),
            credit: money(&state, x.credit.refund.amount),
            credit_note: x.credit.credit_note.map(|n| n.number),
            difference_due: money(&state, x.difference_due),
            in_basket: x.in_basket,
        }),
    }))
}
