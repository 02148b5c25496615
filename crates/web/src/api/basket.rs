//! The customer's basket over the API (BSK-1 … BSK-5).

use super::accounts::Bearer;
use super::catalogue::MoneyDto;
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ecrin_app::basket::{self, BasketView};
use ecrin_app::model::{BasketOwner, Subject};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BasketLineDto {
    pub id: String,
    pub sku: String,
    pub product_slug: String,
    pub name: String,
    pub quantity: u32,
    /// BSK-4: the engraving of this line.
    pub personalisation: Option<String>,
    pub unit_price: MoneyDto,
    pub line_total: MoneyDto,
    #[schema(value_type = String)]
    pub availability: ecrin_core::catalogue::Availability,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BasketDto {
    pub lines: Vec<BasketLineDto>,
    pub units: u32,
    /// VAT included, delivery not included.
    pub total: MoneyDto,
    /// BSK-3: RFC 3339; null for an empty basket.
    pub expires_at: Option<String>,
}

fn money(amount: i64) -> MoneyDto {
    MoneyDto {
        amount,
        currency: "EUR",
    }
}

fn dto(state: &AppState, v: BasketView) -> BasketDto {
    let lang = state.app.profile.default_lang();
    BasketDto {
        lines: v
            .lines
            .into_iter()
            .map(|l| BasketLineDto {
                id: l.id,
                sku: l.variant.sku.clone(),
                product_slug: l.variant.product_slug.clone(),
                name: l.variant.name.get(lang).to_owned(),
                quantity: l.quantity,
                personalisation: l.personalisation,
                unit_price: money(l.variant.price),
                line_total: money(l.line_total),
                availability: l.variant.availability,
            })
            .collect(),
        units: v.units,
        total: money(v.total),
        expires_at: v
            .expires_at_ms
            .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
            .map(|t| t.to_string()),
    }
}

fn customer(bearer: &Bearer) -> Result<BasketOwner, ApiError> {
    match &bearer.subject {
        Subject::Customer(id) => Ok(BasketOwner::Customer(id.clone())),
        Subject::Staff(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Baskets belong to customers.",
        )),
    }
}

/// The customer's basket.
#[utoipa::path(get, path = "/api/v1/basket", responses((status = 200, body = BasketDto)),
    security(("bearer" = [])), tag = "basket")]
pub(crate) async fn get_basket(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<Json<BasketDto>, ApiError> {
    let v = basket::basket_of(&state.app, &customer(&bearer)?).await?;
    Ok(Json(dto(&state, v)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddItemRequest {
    pub sku: String,
    pub quantity: u32,
    pub personalisation: Option<String>,
}

/// Adds a piece (BSK-1, BSK-2, BSK-5, CAT-3: `basket_limit_identical`, `basket_limit_total`,
/// `quote_required`, `unavailable`).
#[utoipa::path(post, path = "/api/v1/basket/items", request_body = AddItemRequest,
    responses((status = 201, body = BasketDto),
        (status = 422, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "basket")]
pub(crate) async fn add_item(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiJson(req): ApiJson<AddItemRequest>,
) -> Result<Response, ApiError> {
    let v = basket::add_item(
        &state.app,
        &customer(&bearer)?,
        &req.sku,
        req.quantity,
        req.personalisation.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(dto(&state, v))).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetQuantityRequest {
    pub quantity: u32,
}

/// Changes a line's quantity (0 removes it).
#[utoipa::path(patch, path = "/api/v1/basket/items/{id}", request_body = SetQuantityRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = BasketDto), (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "basket")]
pub(crate) async fn set_quantity(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<SetQuantityRequest>,
) -> Result<Json<BasketDto>, ApiError> {
    let v = basket::set_quantity(&state.app, &customer(&bearer)?, &id, req.quantity).await?;
    Ok(Json(dto(&state, v)))
}

/// Removes a line.
#[utoipa::path(delete, path = "/api/v1/basket/items/{id}", params(("id" = String, Path)),
    responses((status = 200, body = BasketDto), (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "basket")]
pub(crate) async fn remove_item(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<BasketDto>, ApiError> {
    let v = basket::set_quantity(&state.app, &customer(&bearer)?, &id, 0).await?;
    Ok(Json(dto(&state, v)))
}
