//! After-sales over the API that is not a withdrawal: a late delivery's additional
//! deadline and cancellation (DLV-4).

use super::accounts::Bearer;
use super::checkout::RefundDto;
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use ecrin_app::late_delivery::{self, LateAction};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LateDeliveryRequest {
    /// `set_deadline` (with `deadline`) or `cancel`.
    pub action: String,
    /// For `set_deadline`: the last day the delivery may come, `YYYY-MM-DD`.
    pub deadline: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LateDeliveryDto {
    pub order_number: String,
    /// The order's status after the request (`cancelled` once cancelled).
    pub status: String,
    /// The latest delivery date of the terms, or the later one the summary announced.
    pub delivery_limit: String,
    /// Declared essential at checkout: cancellation is open as soon as it is missed.
    pub delivery_date_essential: bool,
    /// The additional deadline set.
    pub deadline: Option<String>,
    /// The refund of a cancellation, with its credit note.
    pub refund: Option<RefundDto>,
}

/// DLV-4: once the latest delivery date has passed, the customer sets an additional
/// deadline (`{"action": "set_deadline", "deadline": "2027-01-15"}`; a later one replaces
/// it); once that has passed too, or at once when the date was declared essential at
/// checkout, they cancel (`{"action": "cancel"}`): what is not delivered is cancelled and
/// refunded in full with its credit note. Too early: `422 delivery_not_late`.
#[utoipa::path(post, path = "/api/v1/orders/{number}/late-delivery",
    params(("number" = String, Path)), request_body = LateDeliveryRequest,
    responses((status = 200, body = LateDeliveryDto),
              (status = 400, body = crate::Problem, content_type = "application/problem+json"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json"),
              (status = 409, body = crate::Problem, content_type = "application/problem+json", description = "`wrong_status`: delivered, cancelled, unpaid, or a parcel on its way"),
              (status = 422, body = crate::Problem, content_type = "application/problem+json", description = "`delivery_not_late`")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn late_delivery(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<LateDeliveryRequest>,
) -> Result<Json<LateDeliveryDto>, ApiError> {
    let customer = super::checkout::customer_id(&bearer)?;
    let action = match req.action.trim() {
        "set_deadline" => LateAction::SetDeadline(req.deadline.unwrap_or_default()),
        "cancel" => LateAction::Cancel,
        _ => {
            return Err(ecrin_app::AppError::from(ecrin_core::Refusal::invalid(
                "action",
                "set_deadline_or_cancel",
            ))
            .into());
        }
    };
    let late = late_delivery::act(&state.app, customer, number.trim(), action).await?;
    state.cache.invalidate();
    let number = late.order.number.clone();
    Ok(Json(LateDeliveryDto {
        status: late.order.status.as_str().to_owned(),
        delivery_limit: late.delivery_limit.to_string(),
        delivery_date_essential: late.essential,
        deadline: late.deadline.map(|d| d.to_string()),
        refund: late
            .refund
            .as_ref()
            .map(|d| RefundDto::of(&state, &number, &d.refund, d.credit_note.as_ref(), None)),
        order_number: number,
    }))
}
