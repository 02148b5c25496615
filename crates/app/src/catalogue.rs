//! Catalogue use cases: loading the demo catalogue, listing, showing a product.

use crate::{App, AppError, demo, terms};
use ecrin_core::catalogue::reference_price;
use ecrin_core::query::CatalogueQuery;
use ecrin_store::{ProductDetail, ProductPage};

const DAY_MS: i64 = 86_400_000;

/// Loads the demo catalogue and the first version of the terms, in one transaction.
/// Reduced pieces get a price history: their list price since 60 days, the reduced price
/// since 5 days (CAT-7).
#[tracing::instrument(skip(app))]
pub async fn seed_demo(app: &App) -> Result<usize, AppError> {
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    for m in demo::materials() {
        tx.insert_material(&m).await?;
    }
    for s in demo::stones() {
        tx.insert_stone(&s).await?;
    }
    for c in demo::collections() {
        tx.insert_collection(&c).await?;
    }
    let products = demo::products();
    for d in &products {
        tx.insert_product(&d.product, now - 60 * DAY_MS).await?;
        if d.reduction_percent > 0 {
            for v in &d.product.variants {
                let reduced = (v.price * (100 - d.reduction_percent) / 100 + 50) / 100 * 100;
                tx.set_price(&v.sku, reduced, Some(v.price), now - 5 * DAY_MS)
                    .await?;
            }
        }
    }
    tx.insert_terms_version(&terms::first_version(&app.profile, now - DAY_MS))
        .await?;
    tx.bump_catalogue_version().await?;
    tx.commit().await?;
    Ok(products.len())
}

/// CAT-5.
pub async fn list_products(app: &App, query: &CatalogueQuery) -> Result<ProductPage, AppError> {
    Ok(app.store.list_products(query).await?)
}

/// A variant as a customer sees it: its price, and beside a reduction the list price and
/// the lowest price of the 30 days before (CAT-4, CAT-7).
#[derive(Debug, Clone)]
pub struct PricedVariant {
    pub variant: ecrin_store::Variant,
    /// The lowest price of the reference window, when the current price is a reduction.
    pub reference_price: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct ProductView {
    pub product: ProductDetail,
    pub variants: Vec<PricedVariant>,
}

pub async fn show_product(app: &App, slug: &str) -> Result<ProductView, AppError> {
    let product = app
        .store
        .product_by_slug(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = app.clock.now_ms();
    let days = app.profile.catalogue.reference_price_days;
    let variants = product
        .variants
        .iter()
        .map(|v| PricedVariant {
            reference_price: reference_price(&v.price_history, now, days),
            variant: v.clone(),
        })
        .collect();
    Ok(ProductView { product, variants })
}

/// The most units a variant may be said to hold: beyond, a typing slip.
pub const MAX_ON_HAND: i64 = 1_000_000;

/// PAY-5: the units of a variant on hand, as counted by the warehouse (admin, warehouse).
/// Orders already placed keep the units they took; the count is what remains to sell.
/// Returns the variant's availability as customers now see it (none when not on sale).
pub async fn set_stock(
    app: &App,
    staff_id: &str,
    sku: &str,
    on_hand: i64,
) -> Result<Option<ecrin_core::catalogue::Availability>, AppError> {
    use ecrin_core::account::Role;
    let s = crate::backoffice::staff(app, staff_id).await?;
    crate::backoffice::require(&s, &[Role::Admin, Role::Warehouse])?;
    if !(0..=MAX_ON_HAND).contains(&on_hand) {
        return Err(AppError::Invalid(vec![ecrin_core::query::FieldError {
            field: "on_hand".into(),
            reason: "out_of_range",
        }]));
    }
    let mut tx = app.store.begin().await?;
    let why = ecrin_store::StockMove {
        reason: "staff",
        reference: Some(&s.id),
        at_ms: app.clock.now_ms(),
    };
    match tx.set_stock(sku, on_hand, &why).await {
        Err(ecrin_store::StoreError::NotFound) => return Err(AppError::NotFound),
        other => other?,
    };
    tx.bump_catalogue_version().await?;
    tx.commit().await?;
    // What customers now see of it (nothing for a piece not on sale).
    Ok(crate::basket::variants(app, vec![sku.to_owned()])
        .await?
        .into_iter()
        .next()
        .map(|v| v.availability))
}

/// A number that changes whenever the catalogue changes, for every process's caches.
pub async fn version(app: &App) -> Result<i64, AppError> {
    Ok(app.store.catalogue_version().await?)
}

/// A published product with its variants and their price history.
pub async fn product(app: &App, slug: &str) -> Result<Option<ProductDetail>, AppError> {
    Ok(app.store.product_by_slug(slug).await?)
}

/// Collections, materials and stones, in that order.
pub async fn references(app: &App) -> Result<[Vec<ecrin_store::Reference>; 3], AppError> {
    Ok([
        app.store.collections().await?,
        app.store.materials().await?,
        app.store.stones().await?,
    ])
}
