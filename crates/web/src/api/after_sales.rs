//! After-sales over the API that is not a withdrawal: a late delivery's additional
//! deadline and cancellation (DLV-4), and claims with their photos (DLV-7, WAR-1, WAR-2).

use super::accounts::Bearer;
use super::checkout::RefundDto;
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use ecrin_app::claims::{self, ClaimInput, Decision, PhotoIn};
use ecrin_app::late_delivery::{self, LateAction};
use ecrin_app::model::{Claim, ClaimPhoto};
use ecrin_core::query::FieldError;
use serde::{Deserialize, Serialize};

/// The body a claim may take: its photos, in base64, and some room.
pub(crate) const CLAIM_BODY_BYTES: usize =
    claims::MAX_PHOTOS * claims::MAX_PHOTO_BYTES * 4 / 3 + 64 * 1024;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhotoRequest {
    pub filename: String,
    /// As declared; the shop reads the type from the bytes (JPEG or PNG).
    #[expect(
        dead_code,
        reason = "the type is read from the bytes, never taken as declared"
    )]
    pub content_type: Option<String>,
    pub data_base64: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// `damaged_on_delivery`, `missing_item` or `warranty`.
    pub kind: String,
    /// The line claimed on (`{number}-{n}`), when one.
    pub line_id: Option<String>,
    pub description: String,
    /// WAR-1 (`milano`): the day the defect was found, `YYYY-MM-DD` (default: today).
    pub discovered_on: Option<String>,
    /// Up to 4 photos, 5 MiB each, JPEG or PNG; required but for a missing piece.
    #[serde(default)]
    pub photos: Vec<PhotoRequest>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClaimPhotoDto {
    pub id: String,
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    /// Of the bytes kept (cleaned of metadata).
    pub sha256: String,
    pub url: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClaimDto {
    pub id: String,
    pub order_number: String,
    pub kind: String,
    pub line_id: Option<String>,
    /// `open`, then the house's decision: `repair`, `replace`, `refund`, `refused`.
    pub status: String,
    pub description: String,
    pub discovered_on: Option<String>,
    pub created_at: String,
    /// WAR-3: the day the house answers by.
    pub answer_due: String,
    pub decision_reason: Option<String>,
    pub refund_id: Option<String>,
    pub photos: Vec<ClaimPhotoDto>,
}

/// A claim as the API shows it; its photos at `photo_base` + `/{claim}/photos/{id}`.
pub(crate) fn claim_dto(
    number: &str,
    c: &Claim,
    photos: &[ClaimPhoto],
    photo_base: &str,
) -> ClaimDto {
    ClaimDto {
        id: c.id.clone(),
        order_number: number.to_owned(),
        kind: c.kind.as_str().to_owned(),
        line_id: c.line_no.map(|n| format!("{number}-{n}")),
        status: c.status.as_str().to_owned(),
        description: c.description.clone(),
        discovered_on: c.discovered_on.clone(),
        created_at: super::checkout::rfc3339(c.created_at),
        answer_due: c.answer_due.clone(),
        decision_reason: c.decision_reason.clone(),
        refund_id: c.refund_id.clone(),
        photos: photos
            .iter()
            .map(|p| ClaimPhotoDto {
                id: p.id.clone(),
                content_type: p.content_type.clone(),
                width: p.width,
                height: p.height,
                sha256: p.sha256.clone(),
                url: format!("{photo_base}/{}/photos/{}", c.id, p.id),
            })
            .collect(),
    }
}

fn invalid(field: String, reason: &'static str) -> ApiError {
    ApiError::validation(vec![FieldError { field, reason }])
}

/// DLV-7, WAR-1, WAR-2: the customer claims on their order: damage or a missing piece
/// within the profile's working days of receipt (`422 report_window_closed` after), or a
/// defect under the warranty of conformity (`422 warranty_expired` after it), with a
/// description and photos (JSON base64 here, multipart on the order's page). A photo is
/// taken when its bytes are a JPEG or PNG of at most 5 MiB (whatever its name or declared
/// type), and kept cleaned of its metadata. The house answers within 15 days (WAR-3).
#[utoipa::path(post, path = "/api/v1/orders/{number}/claims",
    params(("number" = String, Path)), request_body = ClaimRequest,
    responses((status = 201, body = ClaimDto),
              (status = 400, body = crate::Problem, content_type = "application/problem+json", description = "`validation_failed`: a photo that is not a JPEG or PNG, too large, too many"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json"),
              (status = 409, body = crate::Problem, content_type = "application/problem+json", description = "`wrong_status`: nothing delivered yet"),
              (status = 422, body = crate::Problem, content_type = "application/problem+json", description = "`report_window_closed`, `warranty_expired`")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn claim(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<ClaimRequest>,
) -> Result<Response, ApiError> {
    let customer = super::checkout::customer_id(&bearer)?;
    let number = number.trim().to_owned();
    let line_no = match &req.line_id {
        None => None,
        Some(id) => Some(
            id.strip_prefix(number.as_str())
                .and_then(|rest| rest.strip_prefix('-'))
                .and_then(|n| n.parse::<i64>().ok())
                .ok_or_else(|| invalid("line_id".into(), "not_in_order"))?,
        ),
    };
    let mut photos = Vec::new();
    for (i, p) in req.photos.into_iter().enumerate() {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(p.data_base64.trim().as_bytes())
            .map_err(|_| invalid(format!("photos[{i}].data_base64"), "not_base64"))?;
        photos.push(PhotoIn {
            filename: p.filename,
            bytes,
        });
    }
    let (c, photos) = claims::claim(
        &state.app,
        customer,
        &number,
        ClaimInput {
            kind: req.kind,
            line_no,
            description: req.description,
            discovered_on: req.discovered_on,
            photos,
        },
    )
    .await?;
    let base = format!("/api/v1/orders/{number}/claims");
    Ok((
        StatusCode::CREATED,
        Json(claim_dto(&number, &c, &photos, &base)),
    )
        .into_response())
}

/// An image kept by the shop, for its owner only (never cached on the way).
pub(crate) fn image(content_type: String, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// A photo of a claim on the customer's order, as kept (no metadata).
#[utoipa::path(get, path = "/api/v1/orders/{number}/claims/{id}/photos/{photo}",
    params(("number" = String, Path), ("id" = String, Path), ("photo" = String, Path)),
    responses((status = 200, content_type = "image/jpeg"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn claim_photo(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath((number, id, photo)): ApiPath<(String, String, String)>,
) -> Result<Response, ApiError> {
    let customer = super::checkout::customer_id(&bearer)?;
    let (ct, bytes) = claims::customer_photo(&state.app, customer, &number, &id, &photo).await?;
    Ok(image(ct, bytes))
}

/// A photo of a claim, for customer service and admins.
#[utoipa::path(get, path = "/api/v1/admin/claims/{id}/photos/{photo}",
    params(("id" = String, Path), ("photo" = String, Path)),
    responses((status = 200, content_type = "image/jpeg"),
              (status = 403, body = crate::Problem, content_type = "application/problem+json"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn staff_claim_photo(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath((id, photo)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let staff = super::admin::staff_id(&bearer)?;
    let (ct, bytes) = claims::staff_photo(&state.app, staff, &id, &photo).await?;
    Ok(image(ct, bytes))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideRequest {
    /// `repair`, `replace`, `refund` or `refused`.
    pub outcome: String,
    pub reason: String,
    /// For `refund`: minor units (default: one unit of the line claimed on).
    pub refund_amount: Option<i64>,
    /// The customer's cost of sending the piece back, reimbursed unless refused.
    pub return_cost: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DecidedDto {
    #[serde(flatten)]
    pub claim: ClaimDto,
    pub refund: Option<RefundDto>,
}

/// WAR-2: customer service decides a claim: repair, replace, refund or refused (misuse,
/// wear), with the reason e-mailed to the customer; a refund and the customer's cost of
/// sending the piece back are refunded through the provider with their credit note.
#[utoipa::path(post, path = "/api/v1/admin/claims/{id}/decide",
    params(("id" = String, Path)), request_body = DecideRequest,
    responses((status = 200, body = DecidedDto),
              (status = 400, body = crate::Problem, content_type = "application/problem+json"),
              (status = 403, body = crate::Problem, content_type = "application/problem+json"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json"),
              (status = 409, body = crate::Problem, content_type = "application/problem+json", description = "`wrong_status`: decided already")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn decide(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<DecideRequest>,
) -> Result<Json<DecidedDto>, ApiError> {
    let staff = super::admin::staff_id(&bearer)?;
    let (c, done) = claims::decide(
        &state.app,
        staff,
        &id,
        Decision {
            outcome: req.outcome,
            reason: req.reason,
            refund_amount: req.refund_amount,
            return_cost: req.return_cost,
        },
    )
    .await?;
    let order = state
        .app
        .store
        .order_by_id(&c.order_id)
        .await
        .map_err(ecrin_app::AppError::from)?
        .ok_or(ecrin_app::AppError::NotFound)?;
    let photos = state
        .app
        .store
        .claim_photos(&c.id)
        .await
        .map_err(ecrin_app::AppError::from)?;
    Ok(Json(DecidedDto {
        claim: claim_dto(&order.number, &c, &photos, "/api/v1/admin/claims"),
        refund: done.as_ref().map(|d| {
            RefundDto::of(
                &state,
                &order.number,
                &d.refund,
                d.credit_note.as_ref(),
                None,
            )
        }),
    }))
}

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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecallRequest {
    /// One reference recalled…
    pub sku: Option<String>,
    /// …or every reference of a product (its slug).
    pub product: Option<String>,
    pub reason: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecalledUnitsDto {
    pub order_number: String,
    pub line_id: String,
    pub quantity: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecallDto {
    pub id: String,
    pub sku: Option<String>,
    pub product: Option<String>,
    pub reason: String,
    pub created_at: String,
    /// The orders whose buyers were e-mailed.
    pub orders: i64,
    /// The units concerned (on creation).
    pub units: Vec<RecalledUnitsDto>,
}

fn recall_dto(r: &ecrin_app::model::Recall, held: &[ecrin_app::model::HeldUnits]) -> RecallDto {
    RecallDto {
        id: r.id.clone(),
        sku: r.sku.clone(),
        product: r.product_slug.clone(),
        reason: r.reason.clone(),
        created_at: super::checkout::rfc3339(r.created_at),
        orders: r.orders,
        units: held
            .iter()
            .map(|h| RecalledUnitsDto {
                order_number: h.order_number.clone(),
                line_id: format!("{}-{}", h.order_number, h.line_no),
                quantity: h.quantity,
            })
            .collect(),
    }
}

/// WAR-4: customer service recalls a reference (`sku`) or a product (`product`): every
/// buyer still holding it is e-mailed the reason and a return at the house's cost.
#[utoipa::path(post, path = "/api/v1/admin/recalls", request_body = RecallRequest,
    responses((status = 201, body = RecallDto),
              (status = 400, body = crate::Problem, content_type = "application/problem+json"),
              (status = 403, body = crate::Problem, content_type = "application/problem+json"),
              (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn recall(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiJson(req): ApiJson<RecallRequest>,
) -> Result<Response, ApiError> {
    let staff = super::admin::staff_id(&bearer)?;
    let (r, held) = ecrin_app::recalls::recall(
        &state.app,
        staff,
        ecrin_app::recalls::RecallInput {
            sku: req.sku,
            product: req.product,
            reason: req.reason,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(recall_dto(&r, &held))).into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecallListDto {
    pub items: Vec<RecallDto>,
}

/// WAR-4: the recalls made, the newest first.
#[utoipa::path(get, path = "/api/v1/admin/recalls",
    responses((status = 200, body = RecallListDto),
              (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn recalls(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<Json<RecallListDto>, ApiError> {
    let staff = super::admin::staff_id(&bearer)?;
    let list = ecrin_app::recalls::list(&state.app, staff).await?;
    Ok(Json(RecallListDto {
        items: list.iter().map(|r| recall_dto(r, &[])).collect(),
    }))
}
