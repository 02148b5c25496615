//! Catalogue reads shared by the pages and the API, through the cache.

use crate::AppState;
use crate::cache::Entry;
use ecrin_app::AppError;
use ecrin_app::model::{ProductDetail, ProductPage, Reference};
use ecrin_core::query::CatalogueQuery;
use std::sync::Arc;

pub(crate) async fn product_page(
    state: &AppState,
    query: &CatalogueQuery,
) -> Result<Arc<ProductPage>, AppError> {
    state.cache.refresh(&state.app).await?;
    let epoch = state.cache.epoch();
    let key = format!("page:{query:?}");
    if let Some(Entry::Page(page)) = state.cache.get(&key) {
        return Ok(page);
    }
    let page = Arc::new(ecrin_app::catalogue::list_products(&state.app, query).await?);
    state.cache.put(epoch, key, Entry::Page(page.clone()));
    Ok(page)
}

pub(crate) async fn product(
    state: &AppState,
    slug: &str,
) -> Result<Arc<Option<ProductDetail>>, AppError> {
    state.cache.refresh(&state.app).await?;
    let epoch = state.cache.epoch();
    let key = format!("product:{slug}");
    if let Some(Entry::Product(p)) = state.cache.get(&key) {
        return Ok(p);
    }
    let p = Arc::new(ecrin_app::catalogue::product(&state.app, slug).await?);
    state.cache.put(epoch, key, Entry::Product(p.clone()));
    Ok(p)
}

/// Collections, materials and stones, in that order.
pub(crate) async fn references(state: &AppState) -> Result<Arc<[Vec<Reference>; 3]>, AppError> {
    state.cache.refresh(&state.app).await?;
    let epoch = state.cache.epoch();
    if let Some(Entry::References(r)) = state.cache.get("references") {
        return Ok(r);
    }
    let r = Arc::new(ecrin_app::catalogue::references(&state.app).await?);
    state
        .cache
        .put(epoch, "references".to_owned(), Entry::References(r.clone()));
    Ok(r)
}

/// The label of a reference slug in a language, or the slug itself.
pub(crate) fn label(list: &[Reference], slug: &str, lang: ecrin_core::Lang) -> String {
    list.iter()
        .find(|r| r.slug == slug)
        .map(|r| r.name.get(lang).to_owned())
        .unwrap_or_else(|| slug.to_owned())
}
