//! `POST /api/v1/test/clock`: moves the server's clock. Routed only in test mode.

use super::ApiJson;
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ecrin_app::Clock;
use jiff::{SignedDuration, Span, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockRequest {
    /// An ISO 8601 duration to move forward (or back, with a leading `-`), e.g. `P15D`.
    pub advance: Option<String>,
    /// An RFC 3339 instant to jump to, e.g. `2026-12-24T16:00:00+01:00`.
    pub set: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClockResponse {
    /// The server's time after the move, RFC 3339.
    pub now: String,
}

fn invalid(field: &str, code: &'static str) -> ApiError {
    ApiError::validation(vec![ecrin_core::query::FieldError {
        field: field.to_owned(),
        reason: code,
    }])
}

/// Moves the test clock; every deadline, job and e-mail date follows it.
#[utoipa::path(
    post,
    path = "/api/v1/test/clock",
    request_body = ClockRequest,
    responses(
        (status = 200, body = ClockResponse),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not in test mode", body = crate::Problem, content_type = "application/problem+json"),
    ),
    tag = "test mode"
)]
pub(crate) async fn set_clock(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ClockRequest>,
) -> Result<Json<ClockResponse>, ApiError> {
    let Some(clock) = state.app.clock.as_test() else {
        return Err(ApiError::not_found());
    };
    match (&req.advance, &req.set) {
        (Some(advance), None) => {
            let span: Span = advance
                .parse()
                .map_err(|_| invalid("advance", "invalid_duration"))?;
            // Calendar units (days, months) are measured from now in the merchant's zone.
            let tz = jiff::tz::TimeZone::get(&state.app.profile.time_zone)
                .unwrap_or(jiff::tz::TimeZone::UTC);
            let now = clock.now().to_zoned(tz);
            let later = now
                .checked_add(span)
                .map_err(|_| invalid("advance", "out_of_range"))?;
            let by: SignedDuration = later.timestamp().duration_since(now.timestamp());
            clock.advance(by);
        }
        (None, Some(set)) => {
            let at: Timestamp = set
                .parse()
                .map_err(|_| invalid("set", "invalid_datetime"))?;
            clock.set(at);
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "validation_failed",
                "Send exactly one of `advance` or `set`.",
            ));
        }
    }
    state.cache.clear();
    Ok(Json(ClockResponse {
        now: clock.now().to_string(),
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OutboxItem {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Every link of the text body, in order.
    pub links: Vec<String>,
    /// RFC 3339.
    pub created_at: String,
    pub sent: bool,
    /// INV-1: the documents attached (`{"kind": "terms", …}`), laid out when sent.
    #[schema(value_type = Vec<Object>)]
    pub attachments: serde_json::Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OutboxList {
    pub items: Vec<OutboxItem>,
}

/// The e-mails the shop wrote, newest first (`?to=` for one address).
#[utoipa::path(get, path = "/api/v1/test/outbox",
    params(("to" = Option<String>, Query, description = "Only e-mails to this address")),
    responses((status = 200, body = OutboxList)), tag = "test mode")]
pub(crate) async fn outbox(
    State(state): State<AppState>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Json<OutboxList>, ApiError> {
    let pairs = crate::rawquery::parse(raw.as_deref()).map_err(ApiError::validation)?;
    let to = pairs
        .iter()
        .find(|(k, _)| k == "to")
        .map(|(_, v)| v.as_str());
    let emails = ecrin_app::mailer::outbox(&state.app, to, 200).await?;
    let items = emails
        .into_iter()
        .map(|e| OutboxItem {
            links: e
                .text_body
                .split_whitespace()
                .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
                .map(str::to_owned)
                .collect(),
            created_at: Timestamp::from_millisecond(e.created_at_ms)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            sent: e.sent_at_ms.is_some(),
            attachments: serde_json::from_str(&e.attachments).unwrap_or_default(),
            id: e.id,
            to: e.to,
            subject: e.subject,
            text: e.text_body,
            html: e.html_body,
        })
        .collect();
    Ok(Json(OutboxList { items }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankTransferRequest {
    pub order_number: String,
    /// Minor units, e.g. `34900` for 349.00 €.
    pub amount: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BankTransferResponse {
    pub order_number: String,
    /// `being_prepared` once the full amount is received.
    pub status: String,
}

/// PAY-4: a bank transfer reaches the house's account for an order, as the bank would
/// report it. Only the full amount of an order awaiting its transfer is taken; any other
/// money received is refused and kept in the order's history (`transfer_not_applied`).
#[utoipa::path(
    post,
    path = "/api/v1/test/bank-transfers",
    request_body = BankTransferRequest,
    responses(
        (status = 200, body = BankTransferResponse),
        (status = 400, description = "Not the amount due", body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Paid already, cancelled, or not paid by transfer", body = crate::Problem, content_type = "application/problem+json"),
    ),
    tag = "test mode"
)]
pub(crate) async fn bank_transfer(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<BankTransferRequest>,
) -> Result<Json<BankTransferResponse>, ApiError> {
    if state.app.clock.as_test().is_none() {
        return Err(ApiError::not_found());
    }
    let order =
        ecrin_app::payment::credit_transfer(&state.app, &req.order_number, req.amount).await?;
    Ok(Json(BankTransferResponse {
        order_number: order.number,
        status: order.status.as_str().to_owned(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardPaymentRequest {
    /// A test card: `4242424242424242` paid, `4000000000000002` refused,
    /// `4000000000003220` paid after the 3-D Secure challenge.
    pub card: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CardPaymentResponse {
    pub order_number: String,
    /// `being_prepared` once paid.
    pub status: String,
}

/// PAY-1: pays a customer's card order at the sandbox provider as the customer would in
/// the browser: the card on the provider's page, the 3-D Secure challenge passed for the
/// challenge card; the provider's signed callback reaches the shop. A refused card is
/// `422 payment_refused`; another customer's order is 404.
#[utoipa::path(
    post,
    path = "/api/v1/test/payments/{number}",
    params(("number" = String, Path)),
    request_body = CardPaymentRequest,
    responses(
        (status = 200, body = CardPaymentResponse),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The card was refused", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
    tag = "test mode"
)]
pub(crate) async fn card_payment(
    State(state): State<AppState>,
    bearer: super::accounts::Bearer,
    super::ApiPath(number): super::ApiPath<String>,
    ApiJson(req): ApiJson<CardPaymentRequest>,
) -> Result<Json<CardPaymentResponse>, ApiError> {
    use ecrin_app::sandbox::{self, Step};
    if state.app.clock.as_test().is_none() {
        return Err(ApiError::not_found());
    }
    let customer = match &bearer.subject {
        ecrin_app::model::Subject::Customer(id) => id.clone(),
        ecrin_app::model::Subject::Staff(_) => return Err(ApiError::not_found()),
    };
    let link = ecrin_app::payment::open_link_of(&state.app, &customer, &number).await?;
    let mut step = sandbox::submit_card(&state.app, &link, &req.card).await?;
    if step == Step::Challenge {
        step = sandbox::answer_challenge(&state.app, &link, true).await?;
    }
    match step {
        Step::Done { paid: true } => {
            let order = ecrin_app::checkout::order_of(&state.app, &customer, &number).await?;
            Ok(Json(CardPaymentResponse {
                order_number: order.number,
                status: order.status.as_str().to_owned(),
            }))
        }
        Step::Done { paid: false } => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "payment_refused",
            "The card was refused; nothing was charged. The order waits for another card.",
        )),
        Step::InvalidCard | Step::Challenge => Err(invalid("card", "invalid_card")),
    }
}
