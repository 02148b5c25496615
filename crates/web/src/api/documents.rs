//! Printed documents over the API (INV-1, INV-2): an order's invoice and withdrawal form
//! for its customer, the packing slip for the warehouse. Each is a PDF laid out on request.

use super::ApiPath;
use super::accounts::{Bearer, customer_id};
use super::admin::staff_id;
use crate::AppState;
use crate::error::ApiError;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ecrin_app::checkout;
use ecrin_app::documents::{self, Pdf};

/// A PDF to download under its own name; never kept by a shared cache.
pub(crate) fn pdf_response(pdf: Pdf) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", pdf.filename),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        pdf.bytes,
    )
        .into_response()
}

/// INV-2: the invoice of one of the customer's paid orders; 404 before payment or for
/// another customer's order.
#[utoipa::path(get, path = "/api/v1/orders/{number}/invoice.pdf", params(("number" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn invoice(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
) -> Result<Response, ApiError> {
    let pdf = documents::customer_invoice(&state.app, customer_id(&bearer)?, &number).await?;
    Ok(pdf_response(pdf))
}

/// INV-1: the withdrawal form of one of the customer's orders, filled in with its number
/// and date; 422 `withdrawal_excluded_custom` when every piece is custom-made (WDR-3).
#[utoipa::path(get, path = "/api/v1/orders/{number}/withdrawal-form.pdf", params(("number" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn withdrawal_form(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
) -> Result<Response, ApiError> {
    let order = checkout::order_of(&state.app, customer_id(&bearer)?, &number).await?;
    let pdf = documents::withdrawal_form(&state.app, &order).await?;
    Ok(pdf_response(pdf))
}

/// The packing slip of an order (admin, warehouse, customer service): no price on a gift.
#[utoipa::path(get, path = "/api/v1/admin/orders/{number}/packing-slip.pdf", params(("number" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 403, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn packing_slip(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
) -> Result<Response, ApiError> {
    let pdf = documents::packing_slip_pdf(&state.app, staff_id(&bearer)?, &number).await?;
    Ok(pdf_response(pdf))
}

/// INV-3: a credit note of one of the customer's orders (`A000001.pdf`).
#[utoipa::path(get, path = "/api/v1/orders/{number}/credit-notes/{file}",
    params(("number" = String, Path), ("file" = String, Path, description = "The credit note's number and `.pdf`")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn credit_note(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath((number, file)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let order = checkout::order_of(&state.app, customer_id(&bearer)?, &number).await?;
    let note = file
        .strip_suffix(".pdf")
        .ok_or(ecrin_app::AppError::NotFound)?;
    let pdf = documents::credit_note_pdf(&state.app, &order, note).await?;
    Ok(pdf_response(pdf))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// In cents, at most what the payment captured less what was refunded already.
    pub amount: i64,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RefundResponse {
    pub order_number: String,
    #[serde(flatten)]
    pub refund: super::checkout::RefundDto,
}

/// PAY-1, INV-3: refunds part or all of an order's card payment through the provider, with
/// a credit note (admin, customer service, accountant). The same `Idempotency-Key` returns
/// the same refund and never refunds twice.
#[utoipa::path(post, path = "/api/v1/admin/orders/{number}/refunds", params(("number" = String, Path)),
    request_body = RefundRequest,
    responses((status = 201, body = RefundResponse), (status = 200, body = RefundResponse),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn refund(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let staff = staff_id(&bearer)?;
    let key = super::checkout::idempotency(&headers, &body)?.map(|(k, _)| k);
    let req: RefundRequest = super::checkout::parse_json(&body)?;
    let done = ecrin_app::refunds::refund(
        &state.app,
        staff,
        &number,
        ecrin_app::refunds::RefundInput {
            payment_id: None,
            amount: req.amount,
            reason: req.reason,
            key,
            destination: None,
        },
    )
    .await?;
    let body = refund_response(&state, number, &done).await?;
    let status = if done.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(body)).into_response())
}

async fn refund_response(
    state: &AppState,
    number: String,
    done: &ecrin_app::refunds::Done,
) -> Result<RefundResponse, ApiError> {
    let r = &done.refund;
    let paid_at = ecrin_app::refunds::paid_at(&state.app, r).await?;
    Ok(RefundResponse {
        refund: super::checkout::RefundDto::of(
            state,
            &number,
            r,
            done.credit_note.as_ref(),
            paid_at,
        ),
        order_number: number,
    })
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundSentRequest {
    /// The bank's reference of the transfer the house sent.
    pub reference: String,
}

/// STK-2, INV-3: a refund of money received by bank transfer, recorded as sent by the
/// house (accountant, admin): its credit note is issued and the customer e-mailed. Until
/// then it is owed on the deadline board.
#[utoipa::path(post, path = "/api/v1/admin/refunds/{id}/sent", params(("id" = String, Path)),
    request_body = RefundSentRequest,
    responses((status = 200, body = RefundResponse),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn refund_sent(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(id): ApiPath<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let staff = staff_id(&bearer)?;
    let req: RefundSentRequest = super::checkout::parse_json(&body)?;
    let done = ecrin_app::refunds::record_sent(&state.app, staff, &id, &req.reference).await?;
    let order = ecrin_app::refunds::order_of(&state.app, &done.refund).await?;
    let body = refund_response(&state, order.number, &done).await?;
    Ok((StatusCode::OK, axum::Json(body)).into_response())
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundDestinationRequest {
    /// `bank_transfer` (to the account given here) or `store_credit` (a credit note to
    /// spend in the shop).
    pub destination: String,
    /// For `bank_transfer`: the account's holder and IBAN.
    pub account_holder: Option<String>,
    pub iban: Option<String>,
}

/// STK-2 (`paris`): the customer says, once, where the refund of a line cancelled for want
/// of stock goes: `bank_transfer` to the account of their choice (owed on the deadline
/// board until the house records it sent), or `store_credit`, a credit note to spend in
/// the shop (credited at once, with its credit note, and deducted from the next order). A
/// second answer is `409 already_answered`.
#[utoipa::path(post, path = "/api/v1/orders/{number}/refunds/{id}/destination",
    params(("number" = String, Path), ("id" = String, Path)),
    request_body = RefundDestinationRequest,
    responses((status = 200, body = RefundResponse),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn refund_destination(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath((number, id)): ApiPath<(String, String)>,
    super::ApiJson(req): super::ApiJson<RefundDestinationRequest>,
) -> Result<Response, ApiError> {
    let customer = super::checkout::customer_id(&bearer)?;
    let direction = match req.destination.as_str() {
        "bank_transfer" => ecrin_app::refunds::Direction::BankTransfer {
            holder: req.account_holder.unwrap_or_default(),
            iban: req.iban.unwrap_or_default(),
        },
        "store_credit" => ecrin_app::refunds::Direction::StoreCredit,
        _ => {
            return Err(
                ecrin_app::AppError::Invalid(vec![ecrin_core::query::FieldError {
                    field: "destination".into(),
                    reason: "bank_transfer_or_store_credit",
                }])
                .into(),
            );
        }
    };
    let done = ecrin_app::refunds::direct(&state.app, customer, &number, &id, direction).await?;
    Ok(axum::Json(refund_response(&state, number, &done).await?).into_response())
}
