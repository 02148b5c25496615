//! The house writes its catalogue (admin): products and their texts in each of the
//! profile's languages, publication windows (CAT-3), variants (CAT-1, CAT-2), collections,
//! prices and scheduled promotions with their history (CAT-4, CAT-7), and stock with its
//! journal (warehouse too).
//!
//! What a customer sees changes at the instant the house chose: a change made now bumps
//! the catalogue's version at once; a change set for later (a promotion's start or end, a
//! product's first or last day) is a job due at that instant, which brings the variant's
//! price to its history's and the product's publication to its window, and bumps the
//! version so every process's caches follow.

use crate::backoffice::{require, staff};
use crate::customers::ordered_id;
use crate::{App, AppError};
use ecrin_core::Lang;
use ecrin_core::Refusal;
use ecrin_core::account::Role;
use ecrin_core::catalogue::{Category, PricePoint, Sku, Slug};
use ecrin_core::query::FieldError;
use ecrin_core::refusal::RefusalKind;
use ecrin_store::{
    Localized, ProductWrite, Promotion, Reference, StaffProductRow, StaffVariantRow, StockMove,
    StockMovement, Tx, VariantWrite,
};
use std::collections::BTreeMap;

/// A job that brings a variant's price to its history's (subject: `SKU@ms`).
pub const PRICE_CHANGE: &str = "price_change";
/// A job that brings a product's publication to its window (subject: `product id@ms`).
pub const PUBLICATION_CHANGE: &str = "publication_change";

/// The kinds of pieces, for the drawings that stand in for photos and the search.
pub const KINDS: [&str; 5] = ["ring", "necklace", "earrings", "bracelet", "pendant"];

const MAX_NAME: usize = 120;
const MAX_DESCRIPTION: usize = 5_000;
/// The heaviest piece a variant may weigh, in grams: beyond, a typing slip.
const MAX_WEIGHT_GRAMS: i64 = 10_000;
/// The dearest price a variant may carry, in minor units (10 million in the currency).
pub const MAX_PRICE: i64 = 1_000_000_000;

/// A product's name and description in one language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts {
    pub name: String,
    pub description: String,
}

/// A product as the house sends it. On creation `slug`, `collection`, `category` and the
/// prevailing language's texts are required; on a change, what is absent stays.
#[derive(Debug, Clone, Default)]
pub struct ProductInput {
    pub slug: Option<String>,
    pub collection: Option<String>,
    pub category: Option<String>,
    pub kind: Option<String>,
    /// By language code (`fr`, `en`, `it`).
    pub texts: BTreeMap<String, Texts>,
    pub published: Option<bool>,
    /// A date (`YYYY-MM-DD`, from its first minute in the house's zone), a date and time
    /// in the house's zone, or an RFC 3339 instant; empty clears it.
    pub published_from: Option<String>,
    pub published_until: Option<String>,
    pub lead_time_days: Option<i64>,
    pub personalisable: Option<bool>,
    /// 0 clears it (the profile's limit applies).
    pub engraving_max_chars: Option<i64>,
}

/// A variant as the house sends it; on creation `sku`, `metal`, `weight_grams` and `price`
/// are required.
#[derive(Debug, Clone, Default)]
pub struct VariantInput {
    pub sku: Option<String>,
    pub metal: Option<String>,
    /// Empty clears it.
    pub stone: Option<String>,
    /// Empty clears it.
    pub size: Option<String>,
    pub weight_grams: Option<i64>,
    pub price: Option<i64>,
    /// 0 clears it.
    pub list_price: Option<i64>,
    pub on_hand: Option<i64>,
    /// 0 clears it (the product's applies).
    pub lead_time_days: Option<i64>,
    pub personalisable: Option<bool>,
    /// 0 clears it.
    pub engraving_max_chars: Option<i64>,
    pub low_stock_threshold: Option<i64>,
}

/// A product as the back office shows it, with its variants.
#[derive(Debug, Clone)]
pub struct StaffProduct {
    pub product: StaffProductRow,
    pub variants: Vec<StaffVariant>,
    pub photos: Vec<ecrin_store::ProductPhoto>,
}

/// A variant with what the house schedules and journals for it.
#[derive(Debug, Clone)]
pub struct StaffVariant {
    pub variant: StaffVariantRow,
    pub promotions: Vec<Promotion>,
    /// CAT-7: the lowest price of the reference window, when the price now is a reduction.
    pub reference_price: Option<i64>,
    pub history: Vec<PricePoint>,
}

fn invalid(field: impl Into<String>, reason: &'static str) -> AppError {
    AppError::Invalid(vec![FieldError {
        field: field.into(),
        reason,
    }])
}

fn conflict(code: &'static str, detail: &str) -> AppError {
    Refusal::of(RefusalKind::Conflict, code, detail.to_owned()).into()
}

/// An instant as the house writes it: `YYYY-MM-DD` (its first minute), `YYYY-MM-DDTHH:MM`
/// (in the house's zone) or RFC 3339.
pub fn parse_instant(app: &App, field: &str, s: &str) -> Result<i64, AppError> {
    let s = s.trim();
    let zone = jiff::tz::TimeZone::get(&app.profile.time_zone)
        .map_err(|e| AppError::Internal(format!("time zone: {e}")))?;
    let ts = if let Ok(t) = s.parse::<jiff::Timestamp>() {
        t
    } else if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
        dt.to_zoned(zone)
            .map_err(|_| invalid(field, "invalid_time"))?
            .timestamp()
    } else if let Ok(d) = s.parse::<jiff::civil::Date>() {
        d.to_zoned(zone)
            .and_then(|z| z.start_of_day())
            .map_err(|_| invalid(field, "invalid_time"))?
            .timestamp()
    } else {
        return Err(invalid(field, "invalid_time"));
    };
    Ok(ts.as_millisecond())
}

/// An optional instant: absent keeps `current`, empty clears it.
fn instant_or(
    app: &App,
    field: &str,
    given: &Option<String>,
    current: Option<i64>,
) -> Result<Option<i64>, AppError> {
    match given.as_deref().map(str::trim) {
        None => Ok(current),
        Some("") => Ok(None),
        Some(s) => parse_instant(app, field, s).map(Some),
    }
}

fn printable(s: &str, multiline: bool) -> bool {
    !s.chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
}

/// The texts of `current` with those given laid over; every language the profile does not
/// speak, and every one left empty, reads as the prevailing one.
fn texts(
    app: &App,
    given: &BTreeMap<String, Texts>,
    current: Option<(&Localized, &Localized)>,
) -> Result<(Localized, Localized), AppError> {
    let profile = &app.profile;
    let mut name = current.map(|c| c.0.clone()).unwrap_or_default();
    let mut description = current.map(|c| c.1.clone()).unwrap_or_default();
    let mut errors = Vec::new();
    for (code, t) in given {
        let Some(lang) = code
            .parse::<Lang>()
            .ok()
            .filter(|l| profile.languages.contains(l))
        else {
            errors.push(FieldError {
                field: format!("texts.{code}"),
                reason: "unknown_language",
            });
            continue;
        };
        let n = t.name.trim();
        let d = t.description.trim();
        if n.chars().count() > MAX_NAME || !printable(n, false) {
            errors.push(FieldError {
                field: format!("texts.{code}.name"),
                reason: "invalid",
            });
        }
        if d.chars().count() > MAX_DESCRIPTION || !printable(d, true) {
            errors.push(FieldError {
                field: format!("texts.{code}.description"),
                reason: "invalid",
            });
        }
        set(&mut name, lang, n);
        set(&mut description, lang, d);
    }
    let prevailing = profile.prevailing_language;
    if name.get(prevailing).is_empty() {
        errors.push(FieldError {
            field: format!("texts.{}.name", prevailing.code()),
            reason: "required",
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    for lang in [Lang::Fr, Lang::En, Lang::It] {
        if !profile.languages.contains(&lang) || name.get(lang).is_empty() {
            let n = name.get(prevailing).to_owned();
            set(&mut name, lang, &n);
        }
        if !profile.languages.contains(&lang) || description.get(lang).is_empty() {
            let d = description.get(prevailing).to_owned();
            set(&mut description, lang, &d);
        }
    }
    Ok((name, description))
}

fn set(l: &mut Localized, lang: Lang, text: &str) {
    let slot = match lang {
        Lang::Fr => &mut l.fr,
        Lang::En => &mut l.en,
        Lang::It => &mut l.it,
    };
    *slot = text.to_owned();
}

/// The product as it will be written: `current` with `input` laid over, checked.
async fn product_write(
    app: &App,
    input: &ProductInput,
    current: Option<&StaffProductRow>,
    id: String,
) -> Result<ProductWrite, AppError> {
    let mut errors = Vec::new();
    let mut field = |field: &str, reason: &'static str| {
        errors.push(FieldError {
            field: field.to_owned(),
            reason,
        });
    };
    let slug = match (&input.slug, current) {
        (Some(s), _) => match Slug::parse(s.trim()) {
            Some(s) => s.as_str().to_owned(),
            None => {
                field("slug", "invalid");
                String::new()
            }
        },
        (None, Some(c)) => c.slug.clone(),
        (None, None) => {
            field("slug", "required");
            String::new()
        }
    };
    let collection = given_or(
        input.collection.as_ref(),
        current.map(|c| c.collection.clone()),
        "collection",
        &mut field,
    );
    if !collection.is_empty()
        && !app
            .store
            .collections()
            .await?
            .iter()
            .any(|c| c.slug == collection)
    {
        field("collection", "unknown");
    }
    let category = match (&input.category, current) {
        (Some(c), _) => Category::parse(c.trim()),
        (None, Some(c)) => Category::parse(&c.category),
        (None, None) => {
            field("category", "required");
            None
        }
    };
    if input.category.is_some() && category.is_none() {
        field("category", "invalid");
    }
    let category = category.unwrap_or(Category::InStock);
    let kind = match (&input.kind, current) {
        (Some(k), _) => k.trim().to_owned(),
        (None, Some(c)) => c.kind.clone(),
        (None, None) => "ring".to_owned(),
    };
    if !KINDS.contains(&kind.as_str()) {
        field("kind", "invalid");
    }
    let max_lead = i64::from(app.profile.catalogue.made_to_order_lead_weeks) * 7;
    let lead_time_days = match (input.lead_time_days, current) {
        (Some(0), _) => None,
        (Some(d), _) => Some(d),
        (None, Some(c)) => c.lead_time_days,
        (None, None) => None,
    };
    match (category, lead_time_days) {
        (Category::InStock, _) => {}
        (_, None) => field("lead_time_days", "required"),
        (_, Some(d)) if !(1..=max_lead).contains(&d) => field("lead_time_days", "out_of_range"),
        _ => {}
    }
    let personalisable = input
        .personalisable
        .or(current.map(|c| c.personalisable))
        .unwrap_or(category == Category::CustomMade);
    let engraving_max_chars = engraving(
        app,
        input.engraving_max_chars,
        current.and_then(|c| c.engraving_max_chars),
        &mut field,
    );
    let listed = input
        .published
        .or(current.map(|c| c.listed))
        .unwrap_or(false);
    let mut instant = |name: &str, given: &Option<String>, current: Option<i64>| match instant_or(
        app, name, given, current,
    ) {
        Ok(v) => Ok(v),
        Err(AppError::Invalid(e)) => {
            errors.extend(e);
            Ok(None)
        }
        Err(e) => Err(e),
    };
    let published_from = instant(
        "published_from",
        &input.published_from,
        current.and_then(|c| c.published_from),
    )?;
    let published_until = instant(
        "published_until",
        &input.published_until,
        current.and_then(|c| c.published_until),
    )?;
    if let (Some(f), Some(u)) = (published_from, published_until)
        && u <= f
    {
        errors.push(FieldError {
            field: "published_until".into(),
            reason: "before_start",
        });
    }
    let now_texts = current.map(|c| (c.name(), c.description()));
    let given = texts(app, &input.texts, now_texts.as_ref().map(|(n, d)| (n, d)));
    let (name, description) = match given {
        Ok(t) => t,
        Err(AppError::Invalid(e)) => {
            errors.extend(e);
            (Localized::default(), Localized::default())
        }
        Err(e) => return Err(e),
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(ProductWrite {
        id,
        slug,
        kind,
        collection,
        category,
        lead_time_days: if category == Category::InStock {
            None
        } else {
            lead_time_days
        },
        personalisable,
        engraving_max_chars,
        name,
        description,
        listed,
        published_from,
        published_until,
    })
}

/// The value given, else the current one; a required field missing when given empty, or
/// not given on creation.
fn given_or(
    given: Option<&String>,
    current: Option<String>,
    name: &str,
    field: &mut impl FnMut(&str, &'static str),
) -> String {
    match (given.map(|v| v.trim()), current) {
        (Some(v), _) if !v.is_empty() => v.to_owned(),
        (None, Some(c)) => c,
        // Given empty, or never given: what the field names cannot be left out.
        (Some(_), _) | (None, None) => {
            field(name, "required");
            String::new()
        }
    }
}

fn engraving(
    app: &App,
    given: Option<i64>,
    current: Option<i64>,
    field: &mut impl FnMut(&str, &'static str),
) -> Option<i64> {
    let max = i64::from(app.profile.catalogue.engraving_max_chars);
    match given {
        Some(0) => None,
        Some(n) if (1..=max).contains(&n) => Some(n),
        Some(_) => {
            field("engraving_max_chars", "out_of_range");
            None
        }
        None => current,
    }
}

/// The words a product is found by: its texts, its metals' and stones' names, its kind.
async fn search_document(app: &App, p: &ProductWrite) -> Result<String, AppError> {
    let variants = app.store.staff_variants(&p.id).await?;
    let materials = app.store.materials().await?;
    let stones = app.store.stones().await?;
    let mut text = String::new();
    for part in p.name.all().into_iter().chain(p.description.all()) {
        text.push_str(part);
        text.push(' ');
    }
    for v in &variants {
        for r in materials
            .iter()
            .filter(|m| m.slug == v.metal)
            .chain(stones.iter().filter(|s| Some(&s.slug) == v.stone.as_ref()))
        {
            text.push_str(&r.name.all().join(" "));
            text.push(' ');
        }
    }
    text.push_str(&p.kind);
    Ok(ecrin_core::search::fold(&text))
}

/// CAT-3: puts the product in or out of sale now, and schedules the instants its window
/// opens and closes.
async fn publish_now_and_later(
    app: &App,
    tx: &mut dyn Tx,
    p: &ProductWrite,
    now: i64,
) -> Result<(), AppError> {
    tx.refresh_publication(&p.id, now).await?;
    for at in [p.published_from, p.published_until].into_iter().flatten() {
        if at > now {
            let id = ordered_id(app, "job")?;
            tx.enqueue_job(&id, PUBLICATION_CHANGE, &format!("{}@{at}", p.id), at)
                .await?;
        }
    }
    tx.bump_catalogue_version().await?;
    Ok(())
}

async fn admin(app: &App, staff_id: &str) -> Result<ecrin_store::Staff, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, &[Role::Admin])?;
    Ok(s)
}

/// What writing `input` over `current` (or a new product) would refuse, writing nothing.
pub(crate) async fn check_product(
    app: &App,
    input: &ProductInput,
    current: Option<&StaffProductRow>,
) -> Result<(), AppError> {
    let id = current.map_or_else(String::new, |c| c.id.clone());
    product_write(app, input, current, id).await.map(|_| ())
}

/// What writing `input` over `current` (or a new variant) would refuse, writing nothing.
pub(crate) async fn check_variant(
    app: &App,
    input: &VariantInput,
    current: Option<&StaffVariantRow>,
) -> Result<(), AppError> {
    variant_write(app, input, current).await.map(|_| ())
}

/// A new product (admin); unpublished unless `published` says otherwise.
pub async fn create_product(
    app: &App,
    staff_id: &str,
    input: &ProductInput,
) -> Result<StaffProduct, AppError> {
    admin(app, staff_id).await?;
    let p = product_write(app, input, None, ordered_id(app, "prd")?).await?;
    if app.store.staff_product(&p.slug).await?.is_some() {
        return Err(conflict("slug_taken", "another product has this address"));
    }
    if p.listed {
        return Err(no_variants());
    }
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    match tx.create_product(&p, now).await {
        Err(ecrin_store::StoreError::Constraint { .. }) => {
            return Err(conflict("slug_taken", "another product has this address"));
        }
        other => other?,
    }
    tx.set_search_document(&p.id, &search_document(app, &p).await?)
        .await?;
    publish_now_and_later(app, tx.as_mut(), &p, now).await?;
    tx.commit().await?;
    product(app, staff_id, &p.slug).await
}

fn no_variants() -> AppError {
    Refusal::new(
        "no_variants",
        "a product is published once it has a variant to sell",
    )
    .into()
}

/// A product's fields, texts and publication (admin).
pub async fn update_product(
    app: &App,
    staff_id: &str,
    slug: &str,
    input: &ProductInput,
) -> Result<StaffProduct, AppError> {
    admin(app, staff_id).await?;
    let current = app
        .store
        .staff_product(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = product_write(app, input, Some(&current), current.id.clone()).await?;
    if p.slug != current.slug && app.store.staff_product(&p.slug).await?.is_some() {
        return Err(conflict("slug_taken", "another product has this address"));
    }
    if p.listed && app.store.staff_variants(&p.id).await?.is_empty() {
        return Err(no_variants());
    }
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    tx.update_product(&p, now).await?;
    tx.set_search_document(&p.id, &search_document(app, &p).await?)
        .await?;
    publish_now_and_later(app, tx.as_mut(), &p, now).await?;
    tx.commit().await?;
    product(app, staff_id, &p.slug).await
}

/// A product with its variants, promotions and price history (admin, warehouse).
pub async fn product(app: &App, staff_id: &str, slug: &str) -> Result<StaffProduct, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, &[Role::Admin, Role::Warehouse])?;
    let product = app
        .store
        .staff_product(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = app.clock.now_ms();
    let days = app.profile.catalogue.reference_price_days;
    let mut variants = Vec::new();
    for v in app.store.staff_variants(&product.id).await? {
        let history = app.store.price_history(&v.sku).await?;
        variants.push(StaffVariant {
            promotions: app.store.promotions(&v.sku).await?,
            reference_price: ecrin_core::catalogue::reference_price(&history, now, days),
            history,
            variant: v,
        });
    }
    let photos = app.store.product_photos(&product.id).await?;
    Ok(StaffProduct {
        product,
        variants,
        photos,
    })
}

/// Every product, published or not, in the catalogue's order (admin, warehouse).
pub async fn products(
    app: &App,
    staff_id: &str,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<StaffProductRow>, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, &[Role::Admin, Role::Warehouse])?;
    Ok(app.store.staff_products(after, limit.clamp(1, 200)).await?)
}

/// A collection, created or renamed (admin): texts in the profile's languages, the
/// prevailing one required.
/// CAT-1: a new collection (admin); its address must be free (`slug_taken`).
pub async fn create_collection(
    app: &App,
    staff_id: &str,
    slug: &str,
    given: &BTreeMap<String, Texts>,
) -> Result<Reference, AppError> {
    admin(app, staff_id).await?;
    let taken = app
        .store
        .collections()
        .await?
        .iter()
        .any(|c| c.slug == slug.trim());
    if taken {
        return Err(conflict(
            "slug_taken",
            "a collection has this address already",
        ));
    }
    put_collection(app, staff_id, slug, given).await
}

pub async fn put_collection(
    app: &App,
    staff_id: &str,
    slug: &str,
    given: &BTreeMap<String, Texts>,
) -> Result<Reference, AppError> {
    admin(app, staff_id).await?;
    let slug = Slug::parse(slug.trim()).ok_or_else(|| invalid("slug", "invalid"))?;
    let current = app
        .store
        .collections()
        .await?
        .into_iter()
        .find(|c| c.slug == slug.as_str());
    let (name, description) = texts(
        app,
        given,
        current.as_ref().map(|c| (&c.name, &c.description)),
    )?;
    let c = Reference {
        slug: slug.as_str().to_owned(),
        position: current.map_or(0, |c| c.position),
        name,
        description,
    };
    let mut tx = app.store.begin().await?;
    tx.upsert_collection(&c).await?;
    tx.bump_catalogue_version().await?;
    tx.commit().await?;
    Ok(app
        .store
        .collections()
        .await?
        .into_iter()
        .find(|r| r.slug == c.slug)
        .unwrap_or(c))
}

/// The variant as it will be written: `current` with `input` laid over, checked.
async fn variant_write(
    app: &App,
    input: &VariantInput,
    current: Option<&StaffVariantRow>,
) -> Result<VariantWrite, AppError> {
    let mut errors = Vec::new();
    let mut field = |field: &str, reason: &'static str| {
        errors.push(FieldError {
            field: field.to_owned(),
            reason,
        });
    };
    let sku = match (&input.sku, current) {
        (_, Some(c)) => c.sku.clone(),
        (Some(s), None) => match Sku::parse(s.trim()) {
            Some(s) => s.as_str().to_owned(),
            None => {
                field("sku", "invalid");
                String::new()
            }
        },
        (None, None) => {
            field("sku", "required");
            String::new()
        }
    };
    let metal = given_or(
        input.metal.as_ref(),
        current.map(|c| c.metal.clone()),
        "metal",
        &mut field,
    );
    if !metal.is_empty() && !app.store.materials().await?.iter().any(|m| m.slug == metal) {
        field("metal", "unknown");
    }
    let stone = match (&input.stone, current) {
        (Some(s), _) if s.trim().is_empty() => None,
        (Some(s), _) => Some(s.trim().to_owned()),
        (None, Some(c)) => c.stone.clone(),
        (None, None) => None,
    };
    if let Some(s) = &stone
        && !app.store.stones().await?.iter().any(|r| &r.slug == s)
    {
        field("stone", "unknown");
    }
    let size = match (&input.size, current) {
        (Some(s), _) if s.trim().is_empty() => None,
        (Some(s), _) => Some(s.trim().to_owned()),
        (None, Some(c)) => c.size.clone(),
        (None, None) => None,
    };
    if size
        .as_deref()
        .is_some_and(|s| s.chars().count() > 20 || !printable(s, false))
    {
        field("size", "invalid");
    }
    let weight_grams = match (input.weight_grams, current) {
        (Some(w), _) => w,
        (None, Some(c)) => c.weight_grams,
        (None, None) => {
            field("weight_grams", "required");
            1
        }
    };
    if !(1..=MAX_WEIGHT_GRAMS).contains(&weight_grams) {
        field("weight_grams", "out_of_range");
    }
    let list_price = match (input.list_price, current) {
        (Some(0), _) => None,
        (Some(p), _) => Some(p),
        (None, Some(c)) => c.list_price,
        (None, None) => None,
    };
    if list_price.is_some_and(|p| !(1..=MAX_PRICE).contains(&p)) {
        field("list_price", "out_of_range");
    }
    let max_lead = i64::from(app.profile.catalogue.made_to_order_lead_weeks) * 7;
    let lead_time_days = match (input.lead_time_days, current) {
        (Some(0), _) => None,
        (Some(d), _) => Some(d),
        (None, Some(c)) => c.lead_time_days,
        (None, None) => None,
    };
    if lead_time_days.is_some_and(|d| !(1..=max_lead).contains(&d)) {
        field("lead_time_days", "out_of_range");
    }
    let engraving_max_chars = engraving(
        app,
        input.engraving_max_chars,
        current.and_then(|c| c.engraving_max_chars),
        &mut field,
    );
    let low_stock_threshold = input
        .low_stock_threshold
        .or(current.map(|c| c.low_stock_threshold))
        .unwrap_or(1);
    if !(0..=crate::catalogue::MAX_ON_HAND).contains(&low_stock_threshold) {
        field("low_stock_threshold", "out_of_range");
    }
    if let Some(p) = input.price
        && !(0..=MAX_PRICE).contains(&p)
    {
        field("price", "out_of_range");
    }
    if current.is_none() && input.price.is_none() {
        field("price", "required");
    }
    if let Some(n) = input.on_hand
        && !(0..=crate::catalogue::MAX_ON_HAND).contains(&n)
    {
        field("on_hand", "out_of_range");
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(VariantWrite {
        sku,
        metal,
        stone,
        size,
        weight_grams,
        list_price,
        lead_time_days,
        engraving_max_chars,
        personalisable: input
            .personalisable
            .or(current.and_then(|c| c.personalisable)),
        low_stock_threshold,
    })
}

/// A new variant of a product (admin), with its first price and the units on hand.
pub async fn create_variant(
    app: &App,
    staff_id: &str,
    slug: &str,
    input: &VariantInput,
) -> Result<StaffVariant, AppError> {
    let s = admin(app, staff_id).await?;
    let product = app
        .store
        .staff_product(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let v = variant_write(app, input, None).await?;
    if app.store.staff_variant(&v.sku).await?.is_some() {
        return Err(conflict("sku_taken", "another variant has this reference"));
    }
    let now = app.clock.now_ms();
    let price = input.price.unwrap_or(0);
    let on_hand = input.on_hand.unwrap_or(0);
    let mut tx = app.store.begin().await?;
    match tx.create_variant(&product.id, &v, price, 0, now).await {
        Err(ecrin_store::StoreError::Constraint { .. }) => {
            return Err(conflict("sku_taken", "another variant has this reference"));
        }
        other => other?,
    }
    if on_hand > 0 {
        let why = StockMove {
            reason: "staff",
            reference: Some(&s.id),
            at_ms: now,
        };
        tx.set_stock(&v.sku, on_hand, &why).await?;
    }
    tx.bump_catalogue_version().await?;
    tx.commit().await?;
    refresh_search(app, &product.slug).await?;
    variant(app, staff_id, &v.sku).await
}

/// The product's search document again (its variants' metals and stones changed).
async fn refresh_search(app: &App, slug: &str) -> Result<(), AppError> {
    let Some(c) = app.store.staff_product(slug).await? else {
        return Ok(());
    };
    let p = product_write(app, &ProductInput::default(), Some(&c), c.id.clone()).await?;
    let document = search_document(app, &p).await?;
    let mut tx = app.store.begin().await?;
    tx.set_search_document(&p.id, &document).await?;
    tx.bump_catalogue_version().await?;
    tx.commit().await?;
    Ok(())
}

/// A variant's fields, price (CAT-4) and stock (admin). A new price starts now and is
/// kept in the history; during a promotion, it is the price the variant returns to.
pub async fn update_variant(
    app: &App,
    staff_id: &str,
    sku: &str,
    input: &VariantInput,
) -> Result<StaffVariant, AppError> {
    let s = admin(app, staff_id).await?;
    let current = app
        .store
        .staff_variant(sku)
        .await?
        .ok_or(AppError::NotFound)?;
    let v = variant_write(app, input, Some(&current)).await?;
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    tx.update_variant(&v).await?;
    if let Some(price) = input.price {
        set_regular_price(tx.as_mut(), sku, price, now).await?;
    }
    if let Some(on_hand) = input.on_hand {
        let why = StockMove {
            reason: "staff",
            reference: Some(&s.id),
            at_ms: now,
        };
        tx.set_stock(sku, on_hand, &why).await?;
    }
    tx.bump_catalogue_version().await?;
    tx.commit().await?;
    refresh_search(app, &current.product_slug).await?;
    variant(app, staff_id, sku).await
}

/// CAT-4: the variant's price outside promotions. Charged from now unless a promotion
/// runs; every promotion running or to come then ends on it.
async fn set_regular_price(
    tx: &mut dyn Tx,
    sku: &str,
    price: i64,
    now: i64,
) -> Result<(), AppError> {
    let live: Vec<Promotion> = tx
        .promotions_in_tx(sku)
        .await?
        .into_iter()
        .filter(|p| p.cancelled_at.is_none() && p.ends_at > now)
        .collect();
    for p in &live {
        tx.put_price_point(sku, price, p.ends_at).await?;
    }
    if !live.iter().any(|p| p.starts_at <= now) {
        tx.put_price_point(sku, price, now).await?;
        tx.apply_price_in_force(sku, now).await?;
    }
    Ok(())
}

/// A variant with its promotions and history (admin, warehouse).
pub async fn variant(app: &App, staff_id: &str, sku: &str) -> Result<StaffVariant, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, &[Role::Admin, Role::Warehouse])?;
    let v = app
        .store
        .staff_variant(sku)
        .await?
        .ok_or(AppError::NotFound)?;
    let history = app.store.price_history(sku).await?;
    Ok(StaffVariant {
        promotions: app.store.promotions(sku).await?,
        reference_price: ecrin_core::catalogue::reference_price(
            &history,
            app.clock.now_ms(),
            app.profile.catalogue.reference_price_days,
        ),
        history,
        variant: v,
    })
}

/// CAT-4, CAT-7: a promotional price from `starts_at` to `ends_at`, scheduled ahead or
/// starting now (admin). It must be lower than the price it replaces, and not overlap
/// another promotion of the variant. Orders already placed keep their prices.
pub async fn add_promotion(
    app: &App,
    staff_id: &str,
    sku: &str,
    price: i64,
    starts_at: &str,
    ends_at: &str,
) -> Result<Promotion, AppError> {
    let s = admin(app, staff_id).await?;
    if app.store.staff_variant(sku).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let now = app.clock.now_ms();
    let mut errors = Vec::new();
    let starts = parse_instant(app, "starts_at", starts_at).map_err(|e| errors.push(e));
    let ends = parse_instant(app, "ends_at", ends_at).map_err(|e| errors.push(e));
    let (Ok(mut starts), Ok(ends)) = (starts, ends) else {
        let fields = errors
            .into_iter()
            .flat_map(|e| match e {
                AppError::Invalid(f) => f,
                _ => Vec::new(),
            })
            .collect();
        return Err(AppError::Invalid(fields));
    };
    // A start a moment ago (the form's minute) starts now.
    if starts < now && now - starts <= 5 * 60_000 {
        starts = now;
    }
    if starts < now {
        return Err(invalid("starts_at", "in_the_past"));
    }
    if ends <= starts {
        return Err(invalid("ends_at", "before_start"));
    }
    if !(0..=MAX_PRICE).contains(&price) {
        return Err(invalid("price", "out_of_range"));
    }
    let promotions = app.store.promotions(sku).await?;
    if promotions
        .iter()
        .any(|p| p.cancelled_at.is_none() && p.starts_at < ends && starts < p.ends_at)
    {
        return Err(conflict(
            "promotion_overlaps",
            "another promotion of this variant runs in that period",
        ));
    }
    let history = app.store.price_history(sku).await?;
    let before = history
        .iter()
        .filter(|p| p.from_ms <= starts)
        .max_by_key(|p| p.from_ms)
        .map(|p| p.price)
        .unwrap_or(0);
    if price >= before {
        return Err(Refusal::new(
            "not_a_reduction",
            "a promotional price is lower than the price it replaces",
        )
        .into());
    }
    // The price the variant returns to: the one in force just before the end.
    let after = history
        .iter()
        .filter(|p| p.from_ms <= ends)
        .max_by_key(|p| p.from_ms)
        .map_or(before, |p| p.price);
    let promotion = Promotion {
        id: ordered_id(app, "prm")?,
        sku: sku.to_owned(),
        price,
        starts_at: starts,
        ends_at: ends,
        created_by: s.id.clone(),
        created_at: now,
        cancelled_at: None,
    };
    let mut tx = app.store.begin().await?;
    tx.insert_promotion(&promotion).await?;
    tx.put_price_point(sku, price, starts).await?;
    tx.put_price_point(sku, after, ends).await?;
    schedule_price(app, tx.as_mut(), sku, starts, now).await?;
    schedule_price(app, tx.as_mut(), sku, ends, now).await?;
    tx.commit().await?;
    Ok(promotion)
}

/// Brings the variant's price to its history's at `at`: now, or by a job due then.
async fn schedule_price(
    app: &App,
    tx: &mut dyn Tx,
    sku: &str,
    at: i64,
    now: i64,
) -> Result<(), AppError> {
    if at <= now {
        tx.apply_price_in_force(sku, now).await?;
        tx.bump_catalogue_version().await?;
    } else {
        let id = ordered_id(app, "job")?;
        tx.enqueue_job(&id, PRICE_CHANGE, &format!("{sku}@{at}"), at)
            .await?;
    }
    Ok(())
}

/// CAT-4: ends a promotion now, or drops one still to come (admin).
pub async fn cancel_promotion(
    app: &App,
    staff_id: &str,
    sku: &str,
    id: &str,
) -> Result<Promotion, AppError> {
    admin(app, staff_id).await?;
    let p = app
        .store
        .promotions(sku)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(AppError::NotFound)?;
    let now = app.clock.now_ms();
    if p.cancelled_at.is_some() || p.ends_at <= now {
        return Err(conflict("promotion_over", "this promotion is over"));
    }
    let history = app.store.price_history(sku).await?;
    let back = history
        .iter()
        .find(|h| h.from_ms == p.ends_at)
        .map_or(0, |h| h.price);
    let mut tx = app.store.begin().await?;
    tx.cancel_promotion(&p.id, now).await?;
    tx.delete_price_point(sku, p.ends_at).await?;
    if p.starts_at > now {
        tx.delete_price_point(sku, p.starts_at).await?;
    } else {
        tx.put_price_point(sku, back, now).await?;
    }
    tx.apply_price_in_force(sku, now).await?;
    tx.bump_catalogue_version().await?;
    tx.commit().await?;
    Ok(Promotion {
        cancelled_at: Some(now),
        ..p
    })
}

/// The jobs of this module: a scheduled price or publication falls due.
pub(crate) async fn run_job(
    app: &App,
    tx: &mut dyn Tx,
    kind: &str,
    subject: &str,
) -> Result<(), AppError> {
    let now = app.clock.now_ms();
    let target = subject.rsplit_once('@').map_or(subject, |(t, _)| t);
    match kind {
        PRICE_CHANGE => {
            tx.apply_price_in_force(target, now).await?;
        }
        _ => tx.refresh_publication(target, now).await?,
    }
    tx.bump_catalogue_version().await?;
    Ok(())
}

/// A variant's stock journal, newest first (admin, warehouse).
pub async fn stock_movements(
    app: &App,
    staff_id: &str,
    sku: &str,
    limit: i64,
) -> Result<Vec<StockMovement>, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, &[Role::Admin, Role::Warehouse])?;
    if app.store.staff_variant(sku).await?.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(app.store.stock_movements(sku, limit.clamp(1, 500)).await?)
}

/// Pieces in stock at or under their threshold (admin, warehouse).
pub async fn low_stock(app: &App, staff_id: &str) -> Result<Vec<ecrin_store::LowStock>, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, &[Role::Admin, Role::Warehouse])?;
    Ok(app.store.low_stock(200).await?)
}
