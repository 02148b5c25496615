//! Fulfilment over the API (DLV-1, DLV-3, DLV-6): staff ship an order, whole or in part,
//! and record each parcel's delivery.

use super::accounts::Bearer;
use super::admin::staff_id;
use super::checkout::{OrderDto, ShipmentDto, order_dto};
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ecrin_app::fulfilment::{self, ShipInput};
use ecrin_core::order::Units;
use ecrin_core::query::FieldError;
use serde::Deserialize;

/// Units of one line of the order: `line_id` as the order gives it (`{number}-{n}`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineUnits {
    pub line_id: String,
    pub quantity: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipRequest {
    pub carrier: String,
    pub tracking_number: String,
    /// The units in the parcel; every unit still to leave when absent.
    #[serde(default)]
    pub lines: Option<Vec<LineUnits>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliverRequest {
    /// The parcel delivered; every parcel on its way when absent.
    pub shipment_id: Option<String>,
    /// RFC 3339; now when absent.
    pub delivered_at: Option<String>,
    /// Who signed for it (a gift's recipient counts, DLV-6).
    pub signed_by: Option<String>,
}

/// The parcel recorded (API.md: "201 shipment"), with the order as it now stands.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ShippedDto {
    #[serde(flatten)]
    pub shipment: ShipmentDto,
    pub order: OrderDto,
}

/// `{number}-{n}` → `n`, for the order `number`.
pub(crate) fn units(number: &str, lines: Vec<LineUnits>) -> Result<Vec<Units>, ApiError> {
    lines
        .into_iter()
        .map(|l| {
            let line_no = l
                .line_id
                .strip_prefix(number)
                .and_then(|rest| rest.strip_prefix('-'))
                .and_then(|n| n.parse::<i64>().ok())
                .ok_or_else(|| {
                    ApiError::validation(vec![FieldError {
                        field: "lines".into(),
                        reason: "not_in_order",
                    }])
                })?;
            Ok(Units {
                line_no,
                quantity: l.quantity,
            })
        })
        .collect()
}

/// DLV-3: a parcel leaves with its carrier and tracking number (admin, warehouse); the
/// customer is e-mailed with the tracking link (DLV-1). `409 wrong_status` unless the
/// order is paid and being prepared.
#[utoipa::path(post, path = "/api/v1/admin/orders/{number}/ship",
    params(("number" = String, Path)), request_body = ShipRequest,
    responses((status = 201, body = ShippedDto),
              (status = 400, body = crate::Problem, content_type = "application/problem+json"),
              (status = 403, body = crate::Problem, content_type = "application/problem+json"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json"),
              (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn ship_order(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<ShipRequest>,
) -> Result<(StatusCode, Json<ShippedDto>), ApiError> {
    let lines = units(&number, req.lines.unwrap_or_default())?;
    let input = ShipInput {
        carrier: req.carrier,
        tracking_number: req.tracking_number,
        lines,
    };
    let (order, shipped) = fulfilment::ship(&state.app, staff_id(&bearer)?, &number, input).await?;
    let order = order_dto(&state, order).await?;
    let shipment = order
        .shipments
        .iter()
        .find(|s| s.id == shipped.id)
        .cloned()
        .ok_or_else(ApiError::internal)?;
    Ok((StatusCode::CREATED, Json(ShippedDto { shipment, order })))
}

/// DLV-6: a parcel is delivered, signed for (or collected at the boutique); the lines'
/// withdrawal and warranty clocks start (admin, warehouse, customer service).
#[utoipa::path(post, path = "/api/v1/admin/orders/{number}/deliver",
    params(("number" = String, Path)), request_body = DeliverRequest,
    responses((status = 200, body = OrderDto),
              (status = 400, body = crate::Problem, content_type = "application/problem+json"),
              (status = 403, body = crate::Problem, content_type = "application/problem+json"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json"),
              (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn deliver_order(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<DeliverRequest>,
) -> Result<Json<OrderDto>, ApiError> {
    let delivered_at = match req.delivered_at.as_deref() {
        None => None,
        Some(text) => Some(
            text.parse::<jiff::Timestamp>()
                .map_err(|_| {
                    ApiError::validation(vec![FieldError {
                        field: "delivered_at".into(),
                        reason: "not_rfc3339",
                    }])
                })?
                .as_millisecond(),
        ),
    };
    let order = fulfilment::deliver(
        &state.app,
        staff_id(&bearer)?,
        &number,
        req.shipment_id,
        delivered_at,
        req.signed_by,
    )
    .await?;
    Ok(Json(order_dto(&state, order).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnedRequest {
    /// The parcel that came back; every parcel on its way when absent.
    pub shipment_id: Option<String>,
    /// Why, as the carrier says: told to the customer.
    pub reason: String,
}

/// DLV-5: a parcel came back undelivered: `being_returned`, the customer told why; twelve
/// months without instructions make the order `abandoned` (admin, warehouse, customer
/// service).
#[utoipa::path(post, path = "/api/v1/admin/orders/{number}/returned-undelivered",
    params(("number" = String, Path)), request_body = ReturnedRequest,
    responses((status = 200, body = OrderDto),
              (status = 400, body = crate::Problem, content_type = "application/problem+json"),
              (status = 403, body = crate::Problem, content_type = "application/problem+json"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json"),
              (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn returned_undelivered(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<ReturnedRequest>,
) -> Result<Json<OrderDto>, ApiError> {
    let order = fulfilment::returned_undelivered(
        &state.app,
        staff_id(&bearer)?,
        &number,
        req.shipment_id,
        &req.reason,
    )
    .await?;
    Ok(Json(order_dto(&state, order).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// Minor units received, as on the bank's statement.
    pub amount: i64,
}

/// PAY-4: a bank transfer received, recorded by the accountant or an admin: the exact
/// amount due puts the order in preparation; any other (`400`), or a transfer for an order
/// paid or cancelled (`409`), is kept in the history as `transfer_not_applied`.
#[utoipa::path(post, path = "/api/v1/admin/orders/{number}/bank-transfers",
    params(("number" = String, Path)), request_body = TransferRequest,
    responses((status = 200, body = OrderDto),
              (status = 400, body = crate::Problem, content_type = "application/problem+json"),
              (status = 403, body = crate::Problem, content_type = "application/problem+json"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json"),
              (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn record_transfer(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<TransferRequest>,
) -> Result<Json<OrderDto>, ApiError> {
    let order =
        ecrin_app::payment::record_transfer(&state.app, staff_id(&bearer)?, &number, req.amount)
            .await?;
    Ok(Json(order_dto(&state, order).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelLinesRequest {
    pub lines: Vec<LineUnits>,
    /// Told to the customer.
    pub reason: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockOutRequest {
    pub lines: Vec<LineUnits>,
    /// `partial_delivery` or `cancel_line`: `paris` decides; absent under the profiles
    /// that offer the customer a choice.
    pub resolution: Option<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CancelledDto {
    pub order: OrderDto,
    /// The refund made for what was paid and will not be delivered.
    #[schema(value_type = Option<Object>)]
    pub refund: Option<serde_json::Value>,
    /// STK-1: the customer was offered a choice instead (`atelier`, `milano`).
    pub offered_alternatives: bool,
    /// The stock-out the customer answers (`POST /orders/{number}/stock-outs/{id}/choice`).
    pub stock_out_id: Option<String>,
}

async fn cancelled_dto(
    state: &AppState,
    c: ecrin_app::cancellations::Cancelled,
) -> Result<CancelledDto, ApiError> {
    let refund = c.refund.map(|d| {
        serde_json::json!({
            "id": d.refund.id,
            "amount": super::checkout::money(state, d.refund.amount),
            "status": d.refund.status.as_str(),
            "credit_note": d.credit_note.map(|n| n.number),
            // STK-2 (`paris`): `customer_choice` while the customer has yet to say where.
            "destination": d.refund.destination.map(|x| x.as_str()),
        })
    });
    Ok(CancelledDto {
        order: order_dto(state, c.order).await?,
        refund,
        offered_alternatives: c.offered.is_some(),
        stock_out_id: c.offered,
    })
}

/// STK-3: the house cancels units not yet shipped, with the reason told to the customer;
/// what was paid for them is refunded with its credit note (admin, customer service).
#[utoipa::path(post, path = "/api/v1/admin/orders/{number}/cancel-lines",
    params(("number" = String, Path)), request_body = CancelLinesRequest,
    responses((status = 200, body = CancelledDto),
              (status = 400, body = crate::Problem, content_type = "application/problem+json"),
              (status = 403, body = crate::Problem, content_type = "application/problem+json"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json"),
              (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn cancel_lines(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<CancelLinesRequest>,
) -> Result<Json<CancelledDto>, ApiError> {
    let lines = units(&number, req.lines)?;
    let c = ecrin_app::cancellations::cancel_lines(
        &state.app,
        staff_id(&bearer)?,
        &number,
        lines,
        &req.reason,
    )
    .await?;
    state.cache.invalidate();
    Ok(Json(cancelled_dto(&state, c).await?))
}

/// STK-1: units found unavailable after payment: `paris` decides (`resolution`) and the
/// cancelled units are refunded; `atelier` and `milano` e-mail the customer the choice of
/// an equivalent piece, waiting, or cancellation (admin, customer service).
#[utoipa::path(post, path = "/api/v1/admin/orders/{number}/stock-outs",
    params(("number" = String, Path)), request_body = StockOutRequest,
    responses((status = 200, body = CancelledDto),
              (status = 400, body = crate::Problem, content_type = "application/problem+json"),
              (status = 403, body = crate::Problem, content_type = "application/problem+json"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json"),
              (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn stock_out(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<StockOutRequest>,
) -> Result<Json<CancelledDto>, ApiError> {
    let lines = units(&number, req.lines)?;
    let resolution = match req.resolution.as_deref() {
        None => None,
        Some(text) => Some(text.parse().map_err(|_| {
            ApiError::validation(vec![FieldError {
                field: "resolution".into(),
                reason: "partial_delivery_or_cancel_line",
            }])
        })?),
    };
    let c = ecrin_app::cancellations::stock_out(
        &state.app,
        staff_id(&bearer)?,
        &number,
        lines,
        resolution,
    )
    .await?;
    state.cache.invalidate();
    Ok(Json(cancelled_dto(&state, c).await?))
}

/// One running clock of the deadline board.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DeadlineDto {
    /// `transfer_deadline`, `preparation_due`, `delivery_limit`, `abandonment`.
    pub kind: &'static str,
    /// The rule of the terms it comes from (`PAY-4`, `DLV-2`, …).
    pub rule: &'static str,
    pub order_number: Option<String>,
    pub subject: String,
    pub due_at: String,
    pub overdue: bool,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DeadlineListDto {
    pub items: Vec<DeadlineDto>,
}

/// The deadline board: every running legal clock, the soonest due first, overdue ones
/// marked (every staff role).
#[utoipa::path(get, path = "/api/v1/admin/deadlines",
    responses((status = 200, body = DeadlineListDto),
              (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn deadlines(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<Json<DeadlineListDto>, ApiError> {
    let clocks = ecrin_app::deadlines::board(&state.app, staff_id(&bearer)?).await?;
    let now = state.app.clock.now_ms();
    let items = clocks
        .into_iter()
        .map(|c| {
            let message = c.kind == ecrin_core::deadlines::ClockKind::MessageAnswer;
            DeadlineDto {
                kind: c.kind.as_str(),
                rule: c.kind.rule(),
                subject: if message {
                    format!("message {}", c.order_number)
                } else {
                    format!("order {}", c.order_number)
                },
                overdue: c.overdue(now),
                due_at: jiff::Timestamp::from_millisecond(c.due_at)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                order_number: (!message).then_some(c.order_number),
            }
        })
        .collect();
    Ok(Json(DeadlineListDto { items }))
}

/// DLV-5: the customer asks for the pieces of an order returned undelivered to be sent
/// again: a new order at the day's prices and delivery charge, to the address given now
/// (the body is the checkout's; absent, the account's default address). The answer is its
/// priced summary (`redelivery_of` names the order), confirmed at `POST /api/v1/orders` and
/// paid like any order; once paid, the pieces leave the first order and what it charged
/// for them is refunded to its payment with a credit note.
#[utoipa::path(post, path = "/api/v1/orders/{number}/redelivery",
    params(("number" = String, Path)), request_body = super::checkout::CheckoutRequest,
    responses((status = 201, body = Object, description = "The priced summary of the new order"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json"),
              (status = 409, body = crate::Problem, content_type = "application/problem+json", description = "`wrong_status`: the order is not waiting to be sent again; `redelivery_pending`: a new order for it is under way"),
              (status = 422, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn redelivery(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<super::checkout::CheckoutRequest>,
) -> Result<Response, ApiError> {
    let customer = super::checkout::customer_id(&bearer)?;
    let s = ecrin_app::redelivery::request(&state.app, customer, &number, &req.into()).await?;
    Ok((StatusCode::CREATED, Json(super::checkout::summary_json(&s))).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockOutChoiceRequest {
    /// `equivalent`, `wait` or `cancel`.
    pub choice: String,
    /// For `equivalent`: a piece in stock at a price no higher than the one out of stock.
    pub equivalent_sku: Option<String>,
    /// Where a refund goes: `payment_method` (the only one under these profiles, STK-2).
    pub refund_method: Option<String>,
}

/// STK-1 (`atelier`, `milano`): the customer answers a stock-out of their order, once:
/// an equivalent piece at no extra cost (its units reserved), waiting for the restock, or
/// cancellation refunded to the payment used. A second answer is `409 already_answered`.
#[utoipa::path(post, path = "/api/v1/orders/{number}/stock-outs/{id}/choice",
    params(("number" = String, Path), ("id" = String, Path)), request_body = StockOutChoiceRequest,
    responses((status = 200, body = CancelledDto),
              (status = 400, body = crate::Problem, content_type = "application/problem+json"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json"),
              (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn stock_out_choice(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath((number, id)): ApiPath<(String, String)>,
    ApiJson(req): ApiJson<StockOutChoiceRequest>,
) -> Result<Json<CancelledDto>, ApiError> {
    let customer = super::checkout::customer_id(&bearer)?;
    let c = ecrin_app::cancellations::choose(
        &state.app,
        customer,
        &number,
        &id,
        ecrin_app::cancellations::ChoiceInput {
            choice: req.choice,
            equivalent_sku: req.equivalent_sku,
            refund_method: req.refund_method,
        },
    )
    .await?;
    state.cache.invalidate();
    let c = ecrin_app::cancellations::Cancelled {
        order: ecrin_app::checkout::order_of(&state.app, customer, &number).await?,
        ..c
    };
    Ok(Json(cancelled_dto(&state, c).await?))
}
