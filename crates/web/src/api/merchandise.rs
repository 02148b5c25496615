//! Catalogue administration (`/api/v1/admin/products`, `/variants`, `/collections`):
//! the house writes its products, variants, texts, prices, promotions and stock.

use super::accounts::Bearer;
use super::admin::staff_id;
use super::checkout::{MoneyDto, money, rfc3339};
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use ecrin_app::merchandising::{
    self as m, ProductInput, StaffProduct, StaffVariant, Texts, VariantInput,
};
use ecrin_app::model::{Promotion, Reference};
use ecrin_core::query::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A product's name and description in one language.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextsDto {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// Money as sent: minor units and the shop's currency.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyInput {
    pub amount: i64,
    pub currency: String,
}

/// A product; on creation `slug`, `collection`, `category` and the prevailing language's
/// texts are required; on a change, what is absent stays.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductRequest {
    /// Lower-case letters, digits and dashes: the product's address.
    pub slug: Option<String>,
    pub collection: Option<String>,
    /// `in_stock`, `made_to_order` or `custom_made` (CAT-2).
    pub category: Option<String>,
    /// `ring`, `necklace`, `earrings`, `bracelet` or `pendant` (default `ring`).
    pub kind: Option<String>,
    /// By language of the profile; the prevailing language is required.
    #[serde(default)]
    pub texts: BTreeMap<String, TextsDto>,
    /// On sale (within its window) or not; a new product is not, and needs a variant first.
    pub published: Option<bool>,
    /// CAT-3: on sale from this date (`YYYY-MM-DD`) or instant (RFC 3339); empty clears.
    pub published_from: Option<String>,
    /// CAT-3: withdrawn on this date or at this instant; empty clears.
    pub published_until: Option<String>,
    /// Made to order and custom-made: days to make it (CAT-2).
    pub lead_time_days: Option<i64>,
    pub personalisable: Option<bool>,
    /// BSK-4: at most the profile's; 0 clears.
    pub engraving_max_chars: Option<i64>,
}

/// A variant; on creation `sku`, `metal`, `weight_grams` and `price` are required.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantRequest {
    pub sku: Option<String>,
    /// A material's slug (`yellow-gold`, …).
    pub metal: Option<String>,
    /// A stone's slug; empty clears.
    pub stone: Option<String>,
    /// Empty clears.
    pub size: Option<String>,
    pub weight_grams: Option<i64>,
    /// CAT-4: the price including VAT, from now on (kept in the history).
    pub price: Option<MoneyInput>,
    /// The list price shown struck through; amount 0 clears.
    pub list_price: Option<MoneyInput>,
    /// Units on hand (journaled as the staff member's count).
    pub on_hand: Option<i64>,
    /// Over the product's; 0 clears.
    pub lead_time_days: Option<i64>,
    pub personalisable: Option<bool>,
    /// Over the product's; 0 clears.
    pub engraving_max_chars: Option<i64>,
    /// Units at or under which the piece is listed as running low (default 1).
    pub low_stock_threshold: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionRequest {
    pub price: MoneyInput,
    /// A date (`YYYY-MM-DD`), a date and time in the house's zone, or RFC 3339.
    pub starts_at: String,
    pub ends_at: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectionRequest {
    /// Required on creation.
    pub slug: Option<String>,
    pub texts: BTreeMap<String, TextsDto>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PromotionDto {
    pub id: String,
    pub sku: String,
    pub price: MoneyDto,
    pub starts_at: String,
    pub ends_at: String,
    pub cancelled_at: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PricePointDto {
    pub price: MoneyDto,
    pub from: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdminVariantDto {
    pub sku: String,
    pub metal: String,
    pub stone: Option<String>,
    pub size: Option<String>,
    pub weight_grams: i64,
    /// The price charged now.
    pub price: MoneyDto,
    pub list_price: Option<MoneyDto>,
    /// CAT-7: the lowest price of the 30 days before the reduction now in force.
    pub reference_price: Option<MoneyDto>,
    pub on_hand: i64,
    pub low_stock_threshold: i64,
    pub lead_time_days: Option<i64>,
    pub personalisable: Option<bool>,
    pub engraving_max_chars: Option<i64>,
    pub promotions: Vec<PromotionDto>,
    /// CAT-7: every price, past and scheduled.
    pub price_history: Vec<PricePointDto>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdminProductDto {
    pub slug: String,
    pub collection: String,
    pub category: String,
    pub kind: String,
    /// In each of the profile's languages.
    pub texts: BTreeMap<String, TextsDto>,
    /// The house's choice.
    pub published: bool,
    /// Whether customers can buy it now (published and within its window).
    pub on_sale: bool,
    pub published_from: Option<String>,
    pub published_until: Option<String>,
    pub lead_time_days: Option<i64>,
    pub personalisable: bool,
    pub engraving_max_chars: Option<i64>,
    pub price_from: MoneyDto,
    pub stock_units: i64,
    pub variants: Vec<AdminVariantDto>,
    /// In their order (the list leaves them out).
    pub photos: Vec<PhotoDto>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdminProductList {
    pub items: Vec<AdminProductDto>,
    pub next: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CollectionDto {
    pub slug: String,
    pub texts: BTreeMap<String, TextsDto>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StockMovementDto {
    pub sku: String,
    /// Units in (positive) or out (negative).
    pub delta: i64,
    pub on_hand: i64,
    /// `order`, `payment`, `payment_failed`, `cancellation`, `stock_out`, `return`,
    /// `exchange`, `staff`, `import`.
    pub reason: String,
    pub order_number: Option<String>,
    /// The member of staff who counted, for `staff`.
    pub staff_email: Option<String>,
    pub at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StockMovementList {
    pub items: Vec<StockMovementDto>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LowStockDto {
    pub sku: String,
    pub product: String,
    pub name: String,
    pub on_hand: i64,
    pub low_stock_threshold: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LowStockList {
    pub items: Vec<LowStockDto>,
}

fn amount(state: &AppState, field: &str, m: &MoneyInput) -> Result<i64, ApiError> {
    if m.currency != state.app.profile.currency.code() {
        return Err(ApiError::validation(vec![FieldError {
            field: format!("{field}.currency"),
            reason: "wrong_currency",
        }]));
    }
    Ok(m.amount)
}

fn texts_in(t: BTreeMap<String, TextsDto>) -> BTreeMap<String, Texts> {
    t.into_iter()
        .map(|(k, v)| {
            (
                k,
                Texts {
                    name: v.name,
                    description: v.description,
                },
            )
        })
        .collect()
}

fn texts_out(
    state: &AppState,
    name: &ecrin_app::model::Localized,
    description: &ecrin_app::model::Localized,
) -> BTreeMap<String, TextsDto> {
    state
        .app
        .profile
        .languages
        .iter()
        .map(|l| {
            (
                l.code().to_owned(),
                TextsDto {
                    name: name.get(*l).to_owned(),
                    description: description.get(*l).to_owned(),
                },
            )
        })
        .collect()
}

fn promotion_dto(state: &AppState, p: &Promotion) -> PromotionDto {
    PromotionDto {
        id: p.id.clone(),
        sku: p.sku.clone(),
        price: money(state, p.price),
        starts_at: rfc3339(p.starts_at),
        ends_at: rfc3339(p.ends_at),
        cancelled_at: p.cancelled_at.map(rfc3339),
    }
}

fn variant_dto(state: &AppState, v: &StaffVariant) -> AdminVariantDto {
    let r = &v.variant;
    AdminVariantDto {
        sku: r.sku.clone(),
        metal: r.metal.clone(),
        stone: r.stone.clone(),
        size: r.size.clone(),
        weight_grams: r.weight_grams,
        price: money(state, r.price),
        list_price: r.list_price.map(|p| money(state, p)),
        reference_price: v.reference_price.map(|p| money(state, p)),
        on_hand: r.on_hand,
        low_stock_threshold: r.low_stock_threshold,
        lead_time_days: r.lead_time_days,
        personalisable: r.personalisable,
        engraving_max_chars: r.engraving_max_chars,
        promotions: v
            .promotions
            .iter()
            .map(|p| promotion_dto(state, p))
            .collect(),
        price_history: v
            .history
            .iter()
            .map(|h| PricePointDto {
                price: money(state, h.price),
                from: rfc3339(h.from_ms),
            })
            .collect(),
    }
}

fn product_dto(
    state: &AppState,
    p: &ecrin_app::model::StaffProductRow,
    variants: &[StaffVariant],
    photos: &[ecrin_app::model::ProductPhoto],
) -> AdminProductDto {
    AdminProductDto {
        slug: p.slug.clone(),
        collection: p.collection.clone(),
        category: p.category.clone(),
        kind: p.kind.clone(),
        texts: texts_out(state, &p.name(), &p.description()),
        published: p.listed,
        on_sale: p.published,
        published_from: p.published_from.map(rfc3339),
        published_until: p.published_until.map(rfc3339),
        lead_time_days: p.lead_time_days,
        personalisable: p.personalisable,
        engraving_max_chars: p.engraving_max_chars,
        price_from: money(state, p.price_from),
        stock_units: p.stock_units,
        variants: variants.iter().map(|v| variant_dto(state, v)).collect(),
        photos: photos.iter().map(|x| photo_dto(state, x)).collect(),
    }
}

fn full(state: &AppState, p: &StaffProduct) -> AdminProductDto {
    product_dto(state, &p.product, &p.variants, &p.photos)
}

fn product_input(r: ProductRequest) -> ProductInput {
    ProductInput {
        slug: r.slug,
        collection: r.collection,
        category: r.category,
        kind: r.kind,
        texts: texts_in(r.texts),
        published: r.published,
        published_from: r.published_from,
        published_until: r.published_until,
        lead_time_days: r.lead_time_days,
        personalisable: r.personalisable,
        engraving_max_chars: r.engraving_max_chars,
    }
}

fn variant_input(state: &AppState, r: VariantRequest) -> Result<VariantInput, ApiError> {
    Ok(VariantInput {
        sku: r.sku,
        metal: r.metal,
        stone: r.stone,
        size: r.size,
        weight_grams: r.weight_grams,
        price: r.price.map(|p| amount(state, "price", &p)).transpose()?,
        list_price: r
            .list_price
            .map(|p| amount(state, "list_price", &p))
            .transpose()?,
        on_hand: r.on_hand,
        lead_time_days: r.lead_time_days,
        personalisable: r.personalisable,
        engraving_max_chars: r.engraving_max_chars,
        low_stock_threshold: r.low_stock_threshold,
    })
}

/// Every product, published or not, in the catalogue's order (admin, warehouse);
/// `page[size]` 1 to 200 (default 50), `page[after]` from `next`.
#[utoipa::path(get, path = "/api/v1/admin/products",
    params(("page[size]" = Option<u32>, Query), ("page[after]" = Option<String>, Query)),
    responses((status = 200, body = AdminProductList),
        (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "catalogue administration")]
pub(crate) async fn list(
    State(state): State<AppState>,
    bearer: Bearer,
    RawQuery(query): RawQuery,
) -> Result<Json<AdminProductList>, ApiError> {
    let pairs = crate::rawquery::parse(query.as_deref()).map_err(ApiError::validation)?;
    let mut size = 50;
    let mut after = None;
    for (k, v) in pairs {
        let bad = |field: &str| {
            ApiError::validation(vec![FieldError {
                field: field.to_owned(),
                reason: "invalid",
            }])
        };
        match k.as_str() {
            "page[size]" => size = v.parse::<i64>().map_err(|_| bad("page[size]"))?,
            "page[after]" => after = Some(v.parse::<i64>().map_err(|_| bad("page[after]"))?),
            _ => {}
        }
    }
    let size = size.clamp(1, 200);
    let rows = m::products(&state.app, staff_id(&bearer)?, after, size + 1).await?;
    let next = (rows.len() as i64 > size)
        .then(|| rows.get(size as usize - 1).map(|r| r.position.to_string()))
        .flatten();
    Ok(Json(AdminProductList {
        items: rows
            .iter()
            .take(size as usize)
            .map(|p| product_dto(&state, p, &[], &[]))
            .collect(),
        next,
    }))
}

/// A product with its variants, promotions, price history and stock (admin, warehouse).
#[utoipa::path(get, path = "/api/v1/admin/products/{slug}", params(("slug" = String, Path)),
    responses((status = 200, body = AdminProductDto),
        (status = 403, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "catalogue administration")]
pub(crate) async fn show(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<AdminProductDto>, ApiError> {
    let p = m::product(&state.app, staff_id(&bearer)?, &slug).await?;
    Ok(Json(full(&state, &p)))
}

/// CAT-1: a new product (admin), not on sale until it has a variant and is published.
#[utoipa::path(post, path = "/api/v1/admin/products", request_body = ProductRequest,
    responses((status = 201, body = AdminProductDto),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "catalogue administration")]
pub(crate) async fn create(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiJson(req): ApiJson<ProductRequest>,
) -> Result<(StatusCode, Json<AdminProductDto>), ApiError> {
    let p = m::create_product(&state.app, staff_id(&bearer)?, &product_input(req)).await?;
    state.cache.invalidate();
    Ok((StatusCode::CREATED, Json(full(&state, &p))))
}

/// CAT-1, CAT-3: a product's fields, texts, publication and window (admin).
#[utoipa::path(patch, path = "/api/v1/admin/products/{slug}", params(("slug" = String, Path)),
    request_body = ProductRequest,
    responses((status = 200, body = AdminProductDto),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "catalogue administration")]
pub(crate) async fn update(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(slug): ApiPath<String>,
    ApiJson(req): ApiJson<ProductRequest>,
) -> Result<Json<AdminProductDto>, ApiError> {
    let p = m::update_product(&state.app, staff_id(&bearer)?, &slug, &product_input(req)).await?;
    state.cache.invalidate();
    Ok(Json(full(&state, &p)))
}

/// CAT-1: a new variant of a product (admin).
#[utoipa::path(post, path = "/api/v1/admin/products/{slug}/variants", params(("slug" = String, Path)),
    request_body = VariantRequest,
    responses((status = 201, body = AdminVariantDto),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "catalogue administration")]
pub(crate) async fn create_variant(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(slug): ApiPath<String>,
    ApiJson(req): ApiJson<VariantRequest>,
) -> Result<(StatusCode, Json<AdminVariantDto>), ApiError> {
    let input = variant_input(&state, req)?;
    let v = m::create_variant(&state.app, staff_id(&bearer)?, &slug, &input).await?;
    state.cache.invalidate();
    Ok((StatusCode::CREATED, Json(variant_dto(&state, &v))))
}

/// CAT-1, CAT-4: a variant's fields, price (from now, kept in the history) and stock
/// (admin).
#[utoipa::path(patch, path = "/api/v1/admin/variants/{sku}", params(("sku" = String, Path)),
    request_body = VariantRequest,
    responses((status = 200, body = AdminVariantDto),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "catalogue administration")]
pub(crate) async fn update_variant(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(sku): ApiPath<String>,
    ApiJson(req): ApiJson<VariantRequest>,
) -> Result<Json<AdminVariantDto>, ApiError> {
    let input = variant_input(&state, req)?;
    let v = m::update_variant(&state.app, staff_id(&bearer)?, &sku, &input).await?;
    state.cache.invalidate();
    Ok(Json(variant_dto(&state, &v)))
}

/// CAT-4, CAT-7: a promotional price from `starts_at` to `ends_at` (admin). The product
/// then shows the lowest price of the 30 days before the reduction as its reference.
#[utoipa::path(post, path = "/api/v1/admin/variants/{sku}/promotions", params(("sku" = String, Path)),
    request_body = PromotionRequest,
    responses((status = 201, body = PromotionDto),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "catalogue administration")]
pub(crate) async fn promote(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(sku): ApiPath<String>,
    ApiJson(req): ApiJson<PromotionRequest>,
) -> Result<(StatusCode, Json<PromotionDto>), ApiError> {
    let price = amount(&state, "price", &req.price)?;
    let p = m::add_promotion(
        &state.app,
        staff_id(&bearer)?,
        &sku,
        price,
        &req.starts_at,
        &req.ends_at,
    )
    .await?;
    state.cache.invalidate();
    Ok((StatusCode::CREATED, Json(promotion_dto(&state, &p))))
}

/// CAT-4: ends a running promotion now, or drops one to come (admin).
#[utoipa::path(delete, path = "/api/v1/admin/variants/{sku}/promotions/{id}",
    params(("sku" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = PromotionDto),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "catalogue administration")]
pub(crate) async fn end_promotion(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath((sku, id)): ApiPath<(String, String)>,
) -> Result<Json<PromotionDto>, ApiError> {
    let p = m::cancel_promotion(&state.app, staff_id(&bearer)?, &sku, &id).await?;
    state.cache.invalidate();
    Ok(Json(promotion_dto(&state, &p)))
}

fn collection_dto(state: &AppState, c: &Reference) -> CollectionDto {
    CollectionDto {
        slug: c.slug.clone(),
        texts: texts_out(state, &c.name, &c.description),
    }
}

/// A new collection (admin).
#[utoipa::path(post, path = "/api/v1/admin/collections", request_body = CollectionRequest,
    responses((status = 201, body = CollectionDto),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "catalogue administration")]
pub(crate) async fn create_collection(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiJson(req): ApiJson<CollectionRequest>,
) -> Result<(StatusCode, Json<CollectionDto>), ApiError> {
    let slug = req.slug.unwrap_or_default();
    let c =
        m::create_collection(&state.app, staff_id(&bearer)?, &slug, &texts_in(req.texts)).await?;
    state.cache.invalidate();
    Ok((StatusCode::CREATED, Json(collection_dto(&state, &c))))
}

/// A collection's texts (admin).
#[utoipa::path(patch, path = "/api/v1/admin/collections/{slug}", params(("slug" = String, Path)),
    request_body = CollectionRequest,
    responses((status = 200, body = CollectionDto),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "catalogue administration")]
pub(crate) async fn update_collection(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(slug): ApiPath<String>,
    ApiJson(req): ApiJson<CollectionRequest>,
) -> Result<Json<CollectionDto>, ApiError> {
    let staff = staff_id(&bearer)?;
    let exists = ecrin_app::catalogue::references(&state.app).await?[0]
        .iter()
        .any(|c| c.slug == slug);
    if !exists {
        ecrin_app::backoffice::require(
            &ecrin_app::backoffice::staff(&state.app, staff).await?,
            &[ecrin_core::account::Role::Admin],
        )?;
        return Err(ApiError::not_found());
    }
    let c = m::put_collection(&state.app, staff, &slug, &texts_in(req.texts)).await?;
    state.cache.invalidate();
    Ok(Json(collection_dto(&state, &c)))
}

/// A variant's stock journal, newest first: who or what moved each unit (admin,
/// warehouse).
#[utoipa::path(get, path = "/api/v1/admin/variants/{sku}/stock-movements", params(("sku" = String, Path)),
    responses((status = 200, body = StockMovementList),
        (status = 403, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "catalogue administration")]
pub(crate) async fn stock_movements(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(sku): ApiPath<String>,
) -> Result<Json<StockMovementList>, ApiError> {
    let list = m::stock_movements(&state.app, staff_id(&bearer)?, &sku, 200).await?;
    Ok(Json(StockMovementList {
        items: list
            .into_iter()
            .map(|x| StockMovementDto {
                sku: x.sku,
                delta: x.delta,
                on_hand: x.on_hand,
                reason: x.reason,
                order_number: x.order_number,
                staff_email: x.staff_email,
                at: rfc3339(x.at),
            })
            .collect(),
    }))
}

/// Pieces in stock at or under their threshold, fewest first (admin, warehouse).
#[utoipa::path(get, path = "/api/v1/admin/low-stock",
    responses((status = 200, body = LowStockList),
        (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "catalogue administration")]
pub(crate) async fn low_stock(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<Json<LowStockList>, ApiError> {
    let lang = state.app.profile.prevailing_language;
    let list = m::low_stock(&state.app, staff_id(&bearer)?).await?;
    Ok(Json(LowStockList {
        items: list
            .into_iter()
            .map(|l| LowStockDto {
                name: match lang {
                    ecrin_core::Lang::Fr => l.name_fr,
                    ecrin_core::Lang::En => l.name_en,
                    ecrin_core::Lang::It => l.name_it,
                },
                sku: l.sku,
                product: l.product_slug,
                on_hand: l.on_hand,
                low_stock_threshold: l.low_stock_threshold,
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PhotoDto {
    pub id: String,
    pub position: i64,
    /// The JPEG at each width made, by width in pixels.
    pub urls: BTreeMap<u32, String>,
    /// The same in WebP.
    pub webp: BTreeMap<u32, String>,
    pub width: i64,
    pub height: i64,
    /// The alternative text, per language of the profile.
    pub alt: BTreeMap<String, String>,
    /// The name of the file sent.
    pub file_name: String,
}

pub(crate) fn photo_dto(state: &AppState, p: &ecrin_app::model::ProductPhoto) -> PhotoDto {
    let widths = p.widths();
    let alt = p.alt();
    PhotoDto {
        id: p.id.clone(),
        position: p.position,
        urls: widths
            .iter()
            .map(|w| (*w, ecrin_app::photos::url(&p.hash, *w, "jpg")))
            .collect(),
        webp: widths
            .iter()
            .map(|w| (*w, ecrin_app::photos::url(&p.hash, *w, "webp")))
            .collect(),
        width: p.width,
        height: p.height,
        alt: state
            .app
            .profile
            .languages
            .iter()
            .map(|l| (l.code().to_owned(), alt.get(*l).to_owned()))
            .collect(),
        file_name: p.file_name.clone(),
    }
}

/// The parts of a photo upload: the file and its alternative texts (`alt_<lang>`).
pub(crate) struct PhotoUpload {
    pub bytes: Vec<u8>,
    pub file_name: String,
    pub alt: BTreeMap<String, String>,
    /// Other text parts (the pages' form token).
    pub other: BTreeMap<String, String>,
}

/// Reads a photo upload; an unreadable or oversized body is a problem, not a 500.
pub(crate) async fn read_upload(
    mut multipart: axum::extract::Multipart,
) -> Result<PhotoUpload, ApiError> {
    let mut up = PhotoUpload {
        bytes: Vec::new(),
        file_name: String::new(),
        alt: BTreeMap::new(),
        other: BTreeMap::new(),
    };
    let bad = |e: axum::extract::multipart::MultipartError| {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(status, "too_large", "The photo is larger than 15 MiB.")
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_multipart",
                "The upload could not be read as multipart/form-data.",
            )
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            up.file_name = field.file_name().unwrap_or_default().to_owned();
            up.bytes = field.bytes().await.map_err(bad)?.to_vec();
        } else {
            let text = field.text().await.map_err(bad)?;
            match name.strip_prefix("alt_") {
                Some(lang) => {
                    up.alt.insert(lang.to_owned(), text);
                }
                None => {
                    up.other.insert(name, text);
                }
            }
        }
    }
    if up.bytes.is_empty() {
        return Err(ApiError::validation(vec![FieldError {
            field: "file".into(),
            reason: "required",
        }]));
    }
    Ok(up)
}

/// CAT-1: a photo of a product (admin), as multipart `file` (JPEG or PNG, at most 15 MiB)
/// and `alt_<lang>`; kept without its metadata, resized to a few widths in WebP and JPEG.
#[utoipa::path(post, path = "/api/v1/admin/products/{slug}/photos", params(("slug" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "`file`, `alt_fr`, `alt_en`, `alt_it`"),
    responses((status = 201, body = PhotoDto),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 413, body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "catalogue administration")]
pub(crate) async fn add_photo(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(slug): ApiPath<String>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<PhotoDto>), ApiError> {
    let staff = staff_id(&bearer)?.to_owned();
    let multipart = multipart.map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_multipart",
            "Send the photo as multipart/form-data with a `file` part.",
        )
    })?;
    let up = read_upload(multipart).await?;
    let p =
        ecrin_app::photos::add(&state.app, &staff, &slug, up.bytes, &up.file_name, &up.alt).await?;
    state.cache.invalidate();
    Ok((StatusCode::CREATED, Json(photo_dto(&state, &p))))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RejectedRow {
    /// The line in the file; the header is line 1.
    pub line: u64,
    /// The column's name, or empty for the whole row.
    pub column: String,
    pub message: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Products and variants created (in a dry run: that would be).
    pub created: u64,
    pub updated: u64,
    pub rejected: Vec<RejectedRow>,
    pub dry_run: bool,
}

/// The catalogue as CSV (admin): one row per variant with its product's fields, texts per
/// language of the profile, prices with two decimals, photos by file name.
#[utoipa::path(get, path = "/api/v1/admin/catalogue/export",
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "catalogue administration")]
pub(crate) async fn export(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let csv = ecrin_app::catalogue_csv::export(&state.app, staff_id(&bearer)?).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"catalogue.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

/// Imports the catalogue from CSV (admin), idempotent by SKU: what exists is updated,
/// what does not is created; each row refused is reported by line and column and nothing
/// of it is written. `?dry_run=true` checks every row and writes nothing.
#[utoipa::path(post, path = "/api/v1/admin/catalogue/import",
    params(("dry_run" = Option<bool>, Query)),
    request_body(content_type = "text/csv", content = String),
    responses((status = 200, body = ImportReport),
        (status = 403, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "catalogue administration")]
pub(crate) async fn import(
    State(state): State<AppState>,
    bearer: Bearer,
    RawQuery(query): RawQuery,
    body: axum::body::Bytes,
) -> Result<Json<ImportReport>, ApiError> {
    let pairs = crate::rawquery::parse(query.as_deref()).map_err(ApiError::validation)?;
    let dry_run = match pairs
        .iter()
        .find(|(k, _)| k == "dry_run")
        .map(|(_, v)| v.as_str())
    {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(ApiError::validation(vec![FieldError {
                field: "dry_run".into(),
                reason: "invalid",
            }]));
        }
    };
    let report =
        ecrin_app::catalogue_csv::import(&state.app, staff_id(&bearer)?, &body, dry_run, |_| {})
            .await?;
    state.cache.invalidate();
    Ok(Json(ImportReport {
        created: report.created,
        updated: report.updated,
        rejected: report
            .rejected
            .into_iter()
            .map(|r| RejectedRow {
                line: r.line,
                column: r.column,
                message: r.message,
            })
            .collect(),
        dry_run,
    }))
}
