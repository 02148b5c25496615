//! Basket use cases (BSK-1 … BSK-5, CAT-3, ACC-6), for a customer or for a visitor's page
//! session. The rules are in `ecrin_core::basket`; here the basket is loaded, changed and
//! saved with a compare-and-set, retried when two requests race.

use crate::{App, AppError};
use ecrin_core::Refusal;
use ecrin_core::basket::{self, Basket, Item};
use ecrin_store::{BasketOwner, StoredBasket, VariantInfo};

#[derive(Debug, Clone)]
pub struct LineView {
    pub id: String,
    pub quantity: u32,
    pub personalisation: Option<String>,
    pub variant: VariantInfo,
    pub line_total: i64,
}

#[derive(Debug, Clone, Default)]
pub struct BasketView {
    pub lines: Vec<LineView>,
    pub units: u32,
    pub total: i64,
    pub expires_at_ms: Option<i64>,
}

fn empty(owner: &BasketOwner) -> StoredBasket {
    StoredBasket {
        id: String::new(),
        owner: owner.clone(),
        version: 0,
        basket: Basket::default(),
        stored_lines: Vec::new(),
        catalogue_version: None,
    }
}

/// The basket as stored (an empty one if there is none), with the catalogue's version
/// read in the same statement.
async fn load(app: &App, owner: &BasketOwner) -> Result<StoredBasket, AppError> {
    let (basket, version) = app.store.basket_and_catalogue_version(owner).await?;
    Ok(basket.unwrap_or_else(|| StoredBasket {
        catalogue_version: version,
        ..empty(owner)
    }))
}

/// The variants of `basket`'s lines and of `extra` pieces, in one query.
async fn variants_of(
    app: &App,
    basket: &Basket,
    extra: Option<&str>,
    version: Option<i64>,
) -> Result<Vec<VariantInfo>, AppError> {
    let mut skus: Vec<String> = basket.lines.iter().map(|l| l.sku.clone()).collect();
    skus.extend(extra.map(str::to_owned));
    variants_at(app, skus, version).await
}

/// Variants on sale by SKU, from the cache while the catalogue's version holds.
pub(crate) async fn variants(app: &App, skus: Vec<String>) -> Result<Vec<VariantInfo>, AppError> {
    variants_at(app, skus, None).await
}

/// The same, the catalogue's version given when it was just read with something else.
async fn variants_at(
    app: &App,
    mut skus: Vec<String>,
    version: Option<i64>,
) -> Result<Vec<VariantInfo>, AppError> {
    skus.sort();
    skus.dedup();
    if skus.is_empty() {
        return Ok(Vec::new());
    }
    let version = match version {
        Some(v) => v,
        None => app.store.catalogue_version().await?,
    };
    let (mut found, missing) = app.caches.variants(version, &skus);
    if !missing.is_empty() {
        let read = app.store.variants_info(&missing).await?;
        app.caches.keep_variants(version, &read);
        found.extend(read);
    }
    Ok(found)
}

fn view_with(app: &App, basket: &Basket, variants: &[VariantInfo]) -> BasketView {
    if basket.is_expired(&app.profile, app.clock.now_ms()) {
        return BasketView::default();
    }
    // A piece withdrawn from sale since it was added simply leaves the basket.
    let lines: Vec<LineView> = basket
        .lines
        .iter()
        .filter_map(|l| {
            let variant = variants.iter().find(|v| v.sku == l.sku)?.clone();
            Some(LineView {
                id: l.id.clone(),
                quantity: l.quantity,
                personalisation: l.personalisation.clone(),
                line_total: variant.price * i64::from(l.quantity),
                variant,
            })
        })
        .collect();
    BasketView {
        units: lines.iter().map(|l| l.quantity).sum(),
        total: lines.iter().map(|l| l.line_total).sum(),
        expires_at_ms: basket.expires_at(&app.profile),
        lines,
    }
}

pub async fn basket_of(app: &App, owner: &BasketOwner) -> Result<BasketView, AppError> {
    let stored = load(app, owner).await?;
    if stored.basket.is_expired(&app.profile, app.clock.now_ms()) {
        return Ok(BasketView::default());
    }
    let variants = variants_of(app, &stored.basket, None, stored.catalogue_version).await?;
    Ok(view_with(app, &stored.basket, &variants))
}

/// Tries of a compare-and-set before the change is refused with `conflict`.
const ATTEMPTS: u32 = 12;

/// A short wait after a lost compare-and-set, longer each time and jittered, so that
/// requests racing on one basket (several tabs, a double click) take turns.
async fn back_off(attempt: u32) {
    let mut b = [0u8; 1];
    let jitter = getrandom::fill(&mut b)
        .map(|()| u64::from(b[0] % 4))
        .unwrap_or(0);
    let ms = u64::from(attempt.min(6)) + jitter;
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

/// Whether a save went through. Two first additions racing both create the basket: the
/// second meets the first's row (one basket per owner) and, like a stale version, reads
/// the basket again.
fn saved(result: Result<bool, ecrin_store::StoreError>, version: i64) -> Result<bool, AppError> {
    match result {
        Ok(done) => Ok(done),
        Err(ecrin_store::StoreError::Constraint { .. }) if version == 0 => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// BSK-3: a basket just created (its version still 0) gets the job that empties it once
/// it expires; that job looks again then, as pieces added since move the expiry on.
async fn schedule_expiry(
    app: &App,
    tx: &mut dyn ecrin_store::Tx,
    stored: &StoredBasket,
) -> Result<(), AppError> {
    if stored.version == 0
        && let Some(due) = stored.basket.expires_at(&app.profile)
    {
        let id = crate::customers::ordered_id(app, "job")?;
        tx.enqueue_job(&id, crate::jobs::BASKET_EXPIRY, &stored.id, due)
            .await?;
    }
    Ok(())
}

/// Applies `change` to the basket and saves it; retried when another request saved the
/// basket in between. The variants of the lines and of `extra` are read once, for the
/// change and for the answer.
async fn change(
    app: &App,
    owner: &BasketOwner,
    extra: Option<&str>,
    change: impl Fn(&Basket, i64, &[VariantInfo]) -> Result<Basket, Refusal>,
) -> Result<BasketView, AppError> {
    for attempt in 0..ATTEMPTS {
        // First the basket as this process last saved it, the transaction begun once the
        // change is computed; a stale basket fails the compare-and-set below. Then the
        // basket as the write transaction sees it: on SQLite, whose one writer runs the
        // transactions in turn, that retry cannot lose again.
        let (mut tx, mut stored) = if attempt == 0 {
            let stored = match app.caches.basket(owner) {
                Some(b) => b,
                None => load(app, owner).await?,
            };
            (None, stored)
        } else {
            let mut tx = app.store.begin().await?;
            let stored = tx.basket_of(owner).await?.unwrap_or_else(|| empty(owner));
            (Some(tx), stored)
        };
        // The version read with a basket fresh from the database saves a read; a cached
        // basket carries none (it may be stale), and the version is read on its own.
        let version = stored.catalogue_version;
        let variants = variants_of(app, &stored.basket, extra, version).await?;
        let now = app.clock.now_ms();
        let next = change(&stored.basket, now, &variants)?;
        if stored.id.is_empty() {
            stored.id = crate::customers::ordered_id(app, "bsk")?;
        }
        stored.basket = next;
        let mut tx = match tx.take() {
            Some(tx) => tx,
            None => app.store.begin().await?,
        };
        if saved(tx.save_basket(&stored, now).await, stored.version)? {
            schedule_expiry(app, tx.as_mut(), &stored).await?;
            tx.commit().await?;
            let view = view_with(app, &stored.basket, &variants);
            stored.version += 1;
            stored.stored_lines = stored.basket.lines.clone();
            stored.catalogue_version = None;
            app.caches.keep_basket(owner, Some(stored));
            return Ok(view);
        }
        app.caches.keep_basket(owner, None);
        back_off(attempt).await;
    }
    Err(Refusal::conflict("the basket changed meanwhile; try again").into())
}

/// BSK-1 … BSK-5, CAT-3.
pub async fn add_item(
    app: &App,
    owner: &BasketOwner,
    sku: &str,
    quantity: u32,
    personalisation: Option<&str>,
) -> Result<BasketView, AppError> {
    let line_id = crate::customers::ordered_id(app, "lin")?;
    change(app, owner, Some(sku), |b, now, variants| {
        let variant = variants
            .iter()
            .find(|v| v.sku == sku)
            .ok_or_else(|| Refusal::new("unavailable", "no piece on sale has this reference"))?;
        let item = Item {
            sku,
            availability: variant.availability,
            personalisable: variant.personalisable,
            engraving_max_chars: variant
                .engraving_max_chars
                .and_then(|m| u32::try_from(m).ok()),
        };
        basket::add(
            &app.profile,
            b,
            item,
            quantity,
            personalisation,
            line_id.clone(),
            now,
        )
    })
    .await
}

/// BSK-4: a new quantity for a line; 0 removes it.
pub async fn set_quantity(
    app: &App,
    owner: &BasketOwner,
    line_id: &str,
    quantity: u32,
) -> Result<BasketView, AppError> {
    change(app, owner, None, |b, now, _| {
        basket::set_quantity(&app.profile, b, line_id, quantity, now)
    })
    .await
}

/// ACC-6: at login, the visitor's basket (of the page session being left) joins the
/// customer's, within the limits; the visitor's basket is then gone. Returns the units
/// that could not join.
pub async fn merge_at_login(
    app: &App,
    session_hash: &str,
    customer_id: &str,
) -> Result<u32, AppError> {
    let visitor_owner = BasketOwner::Session(session_hash.to_owned());
    let Some(visitor) = app.store.basket_of(&visitor_owner).await? else {
        return Ok(0);
    };
    let owner = BasketOwner::Customer(customer_id.to_owned());
    for attempt in 0..ATTEMPTS {
        let mut stored = load(app, &owner).await?;
        let now = app.clock.now_ms();
        let merged = basket::merge(&app.profile, &stored.basket, &visitor.basket, now);
        if stored.id.is_empty() {
            stored.id = crate::customers::ordered_id(app, "bsk")?;
        }
        // The visitor's lines keep their identifiers: they are unique across baskets.
        stored.basket = merged.basket;
        let mut tx = app.store.begin().await?;
        tx.delete_basket(&visitor.id).await?;
        tx.cancel_job(crate::jobs::BASKET_EXPIRY, &visitor.id)
            .await?;
        if saved(tx.save_basket(&stored, now).await, stored.version)? {
            schedule_expiry(app, tx.as_mut(), &stored).await?;
            tx.commit().await?;
            app.caches.keep_basket(&owner, None);
            app.caches.keep_basket(&visitor_owner, None);
            return Ok(merged.left_out);
        }
        back_off(attempt).await;
    }
    Err(Refusal::conflict("the basket changed meanwhile; try again").into())
}
