//! `GET /api/v1/products` and `GET /api/v1/products/{slug}` (CAT-1 … CAT-7).

use super::{ApiPath, api_lang};
use crate::error::ApiError;
use crate::{AppState, rawquery, reads};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use ecrin_app::model::FacetCount;
use ecrin_core::Lang;
use ecrin_core::catalogue::{Availability, Category, Slug, reference_price};
use ecrin_core::query::{CatalogueQuery, encode_cursor};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MoneyDto {
    /// Minor units (cents).
    pub amount: i64,
    pub currency: &'static str,
}

fn money(amount: i64) -> MoneyDto {
    MoneyDto {
        amount,
        currency: "EUR",
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProductListItem {
    pub slug: String,
    pub name: String,
    pub collection: String,
    pub collection_name: String,
    /// The lowest price among the variants, VAT included.
    pub price_from: MoneyDto,
    /// `in_stock`, `made_to_order` or `sold_out`.
    #[schema(value_type = String, example = "in_stock")]
    pub availability: Availability,
    #[schema(value_type = String, example = "made_to_order")]
    pub category: Category,
    pub lead_time_days: Option<i64>,
    pub image_url: String,
    /// The product page on the storefront.
    pub url: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FacetsDto {
    pub collection: Vec<FacetValue>,
    pub material: Vec<FacetValue>,
    pub stone: Vec<FacetValue>,
    pub availability: Vec<FacetValue>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProductList {
    pub items: Vec<ProductListItem>,
    pub facets: FacetsDto,
    /// Products matching over all pages.
    pub total: i64,
    /// The cursor of the next page (`page[after]`), or null on the last page.
    pub next: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VariantDto {
    pub sku: String,
    pub metal: String,
    pub metal_name: String,
    pub stone: Option<String>,
    pub stone_name: Option<String>,
    pub size: Option<String>,
    /// The price charged, VAT included.
    pub price: MoneyDto,
    /// The list price, when the price is a promotion (CAT-4).
    pub list_price: Option<MoneyDto>,
    /// The lowest price of the 30 days before a reduction (CAT-7).
    pub lowest_price_30_days: Option<MoneyDto>,
    /// CAT-7: the same, under the name of catalogue administration's contract.
    pub reference_price: Option<MoneyDto>,
    /// Domestic VAT rate, in percent (`"20"`).
    pub vat_rate: String,
    #[schema(value_type = String, example = "in_stock")]
    pub availability: Availability,
    /// Units that can be bought now, for a piece in stock.
    pub in_stock: Option<i64>,
    pub lead_time_days: Option<i64>,
    pub personalisable: bool,
    pub weight_grams: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticesDto {
    /// CAT-6: photographs are not contractual.
    pub photos: String,
    /// CAT-6: handcrafted variance is not a defect.
    pub handcraft: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProductDto {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub kind: String,
    pub collection: String,
    pub collection_name: String,
    #[schema(value_type = String, example = "made_to_order")]
    pub category: Category,
    #[schema(value_type = String, example = "in_stock")]
    pub availability: Availability,
    pub personalisable: bool,
    pub lead_time_days: Option<i64>,
    pub image_url: String,
    pub url: String,
    pub notices: NoticesDto,
    pub variants: Vec<VariantDto>,
}

fn facet(values: &[FacetCount], labels: impl Fn(&str) -> String) -> Vec<FacetValue> {
    values
        .iter()
        .map(|f| FacetValue {
            value: f.value.clone(),
            label: labels(&f.value),
            count: f.count,
        })
        .collect()
}

fn with_language(lang: Lang, body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    if let Ok(v) = HeaderValue::from_str(lang.code()) {
        response.headers_mut().insert(header::CONTENT_LANGUAGE, v);
    }
    response
}

fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

/// The catalogue, filtered and searched (CAT-5).
#[utoipa::path(
    get,
    path = "/api/v1/products",
    params(
        ("q" = Option<String>, Query, description = "Full-text search"),
        ("collection" = Option<String>, Query, description = "Collection slug"),
        ("material" = Option<String>, Query, description = "Metal slug, e.g. yellow-gold"),
        ("stone" = Option<String>, Query, description = "Stone slug, e.g. diamond"),
        ("min_price" = Option<i64>, Query, description = "Lowest price, minor units incl. VAT"),
        ("max_price" = Option<i64>, Query, description = "Highest price, minor units incl. VAT"),
        ("availability" = Option<String>, Query, description = "in_stock, made_to_order or sold_out"),
        ("page[size]" = Option<u32>, Query, description = "1 to 100, default 24"),
        ("page[after]" = Option<String>, Query, description = "Cursor from `next`"),
        ("lang" = Option<String>, Query, description = "fr, en or it; else Accept-Language"),
    ),
    responses(
        (status = 200, body = ProductList),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
    ),
    tag = "catalogue"
)]
pub(crate) async fn list_products(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = rawquery::parse(raw.as_deref()).map_err(ApiError::validation)?;
    let profile = &state.app.profile;
    let lang = api_lang(profile, &pairs, accept_language(&headers));
    let query = CatalogueQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(ApiError::validation)?;
    let page = reads::product_page(&state, &query).await?;
    let refs = reads::references(&state).await?;
    let [collections, materials, stones] = refs.as_ref();
    let items = page
        .items
        .iter()
        .map(|p| ProductListItem {
            slug: p.slug.clone(),
            name: p.name.get(lang).to_owned(),
            collection: p.collection.clone(),
            collection_name: reads::label(collections, &p.collection, lang),
            price_from: money(p.price_from),
            availability: p.availability,
            category: p.category,
            lead_time_days: p.lead_time_days,
            image_url: match &p.photo {
                Some((hash, widths)) => ecrin_app::photos::url(
                    hash,
                    widths
                        .iter()
                        .copied()
                        .filter(|w| *w <= 960)
                        .max()
                        .unwrap_or(480),
                    "jpg",
                ),
                None => format!("/media/products/{}.svg", p.slug),
            },
            url: format!("/{}/products/{}", lang.code(), p.slug),
        })
        .collect();
    let body = ProductList {
        items,
        facets: FacetsDto {
            collection: facet(&page.facets.collection, |v| {
                reads::label(collections, v, lang)
            }),
            material: facet(&page.facets.material, |v| reads::label(materials, v, lang)),
            stone: facet(&page.facets.stone, |v| reads::label(stones, v, lang)),
            availability: facet(&page.facets.availability, |v| {
                crate::i18n::Tr::new(lang).t(&format!("availability-{v}"))
            }),
        },
        total: page.total,
        next: page.next_after.map(encode_cursor),
    };
    Ok(with_language(lang, Json(body)))
}

/// One product with its variants (CAT-1, CAT-2, CAT-4, CAT-6, CAT-7).
#[utoipa::path(
    get,
    path = "/api/v1/products/{slug}",
    params(
        ("slug" = String, Path, description = "The product's slug"),
        ("lang" = Option<String>, Query, description = "fr, en or it; else Accept-Language"),
    ),
    responses(
        (status = 200, body = ProductDto),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
    ),
    tag = "catalogue"
)]
pub(crate) async fn get_product(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = rawquery::parse(raw.as_deref()).map_err(ApiError::validation)?;
    let profile = &state.app.profile;
    let lang = api_lang(profile, &pairs, accept_language(&headers));
    if Slug::parse(&slug).is_none() {
        return Err(ApiError::not_found());
    }
    let product = reads::product(&state, &slug).await?;
    let Some(p) = product.as_ref() else {
        return Err(ApiError::not_found());
    };
    let refs = reads::references(&state).await?;
    let [collections, materials, stones] = refs.as_ref();
    let now = state.app.clock.now_ms();
    let days = profile.catalogue.reference_price_days;
    let tr = crate::i18n::Tr::new(lang);
    let variants = p
        .variants
        .iter()
        .map(|v| VariantDto {
            sku: v.sku.clone(),
            metal: v.metal.clone(),
            metal_name: reads::label(materials, &v.metal, lang),
            stone: v.stone.clone(),
            stone_name: v.stone.as_deref().map(|s| reads::label(stones, s, lang)),
            size: v.size.clone(),
            price: money(v.price),
            list_price: v.list_price.filter(|lp| *lp > v.price).map(money),
            lowest_price_30_days: reference_price(&v.price_history, now, days).map(money),
            reference_price: reference_price(&v.price_history, now, days).map(money),
            vat_rate: profile.vat_rate_percent(),
            availability: v.availability,
            in_stock: (p.category == Category::InStock).then_some(v.on_hand),
            lead_time_days: v.lead_time_days,
            personalisable: p.personalisable,
            weight_grams: v.weight_grams,
        })
        .collect();
    let body = ProductDto {
        slug: p.slug.clone(),
        name: p.name.get(lang).to_owned(),
        description: p.description.get(lang).to_owned(),
        kind: p.kind.clone(),
        collection: p.collection.clone(),
        collection_name: reads::label(collections, &p.collection, lang),
        category: p.category,
        availability: ecrin_core::catalogue::product_availability(
            p.variants.iter().map(|v| v.availability),
        ),
        personalisable: p.personalisable,
        lead_time_days: p.lead_time_days,
        image_url: match p.photos.first() {
            Some(ph) => ecrin_app::photos::url(
                &ph.hash,
                ph.widths()
                    .into_iter()
                    .filter(|w| *w <= 960)
                    .max()
                    .unwrap_or(480),
                "jpg",
            ),
            None => format!("/media/products/{}.svg", p.slug),
        },
        url: format!("/{}/products/{}", lang.code(), p.slug),
        notices: NoticesDto {
            photos: tr.t("product-photo-notice"),
            handcraft: tr.t("product-handcraft-notice"),
        },
        variants,
    };
    Ok(with_language(lang, Json(body)))
}
