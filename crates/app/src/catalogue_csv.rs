//! The catalogue as CSV (admin): one row per variant, its product's fields repeated on
//! each, texts per language of the profile, prices in the currency with two decimals,
//! photos by file name. The import is idempotent by SKU (and by product address): a
//! product or variant that exists is updated, one that does not is created; a row that
//! cannot be taken is reported by line and column and nothing of it is written. A dry
//! run checks every row and writes nothing.

use crate::merchandising::{self as m, ProductInput, Texts, VariantInput};
use crate::{App, AppError};
use ecrin_core::account::Role;
use std::collections::BTreeMap;

/// A row that could not be taken: its line in the file (the header is line 1), the
/// column, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub line: u64,
    pub column: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Products and variants created (or that would be, in a dry run).
    pub created: u64,
    pub updated: u64,
    pub rejected: Vec<Rejected>,
}

/// The columns, in the export's order; the texts' columns follow `published_until` for
/// each language of the profile.
const HEAD: [&str; 8] = [
    "handle",
    "collection",
    "category",
    "kind",
    "published",
    "published_from",
    "published_until",
    "lead_time_days",
];
const VARIANT: [&str; 10] = [
    "sku",
    "metal",
    "stone",
    "size",
    "weight_grams",
    "price",
    "list_price",
    "on_hand",
    "low_stock_threshold",
    "photos",
];

fn columns(app: &App) -> Vec<String> {
    let mut c: Vec<String> = HEAD.iter().map(|s| (*s).to_owned()).collect();
    for l in &app.profile.languages {
        c.push(format!("name_{}", l.code()));
        c.push(format!("description_{}", l.code()));
    }
    c.extend(VARIANT.iter().map(|s| (*s).to_owned()));
    c
}

fn decimal(amount: i64) -> String {
    format!("{}.{:02}", amount / 100, amount % 100)
}

fn rfc3339(ms: Option<i64>) -> String {
    ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// The whole catalogue, published or not, in its order (admin).
pub async fn export(app: &App, staff_id: &str) -> Result<Vec<u8>, AppError> {
    let s = crate::backoffice::staff(app, staff_id).await?;
    crate::backoffice::require(&s, &[Role::Admin])?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    out.write_record(columns(app)).map_err(csv_err)?;
    let mut after = None;
    loop {
        let page = app.store.staff_products(after, 200).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.position);
        for p in &page {
            let photos: Vec<String> = app
                .store
                .product_photos(&p.id)
                .await?
                .into_iter()
                .map(|ph| ph.file_name)
                .collect();
            let (name, description) = (p.name(), p.description());
            for v in app.store.staff_variants(&p.id).await? {
                let mut row = vec![
                    p.slug.clone(),
                    p.collection.clone(),
                    p.category.clone(),
                    p.kind.clone(),
                    p.listed.to_string(),
                    rfc3339(p.published_from),
                    rfc3339(p.published_until),
                    p.lead_time_days.map(|d| d.to_string()).unwrap_or_default(),
                ];
                for l in &app.profile.languages {
                    row.push(name.get(*l).to_owned());
                    row.push(description.get(*l).to_owned());
                }
                row.extend([
                    v.sku.clone(),
                    v.metal.clone(),
                    v.stone.clone().unwrap_or_default(),
                    v.size.clone().unwrap_or_default(),
                    v.weight_grams.to_string(),
                    decimal(regular_price(app, &v).await?),
                    v.list_price.map(decimal).unwrap_or_default(),
                    v.on_hand.to_string(),
                    v.low_stock_threshold.to_string(),
                    photos.join("|"),
                ]);
                out.write_record(&row).map_err(csv_err)?;
            }
        }
    }
    out.into_inner()
        .map_err(|e| AppError::Internal(format!("csv: {e}")))
}

/// The variant's price outside any promotion: what an import of the export sets again.
async fn regular_price(app: &App, v: &ecrin_store::StaffVariantRow) -> Result<i64, AppError> {
    let now = app.clock.now_ms();
    let running = app
        .store
        .promotions(&v.sku)
        .await?
        .into_iter()
        .find(|p| p.cancelled_at.is_none() && p.starts_at <= now && now < p.ends_at);
    Ok(match running {
        Some(p) => app
            .store
            .price_history(&v.sku)
            .await?
            .iter()
            .find(|h| h.from_ms == p.ends_at)
            .map_or(v.price, |h| h.price),
        None => v.price,
    })
}

/// One row read: the product's fields and the variant's, by column name.
pub(crate) struct Row {
    line: u64,
    fields: BTreeMap<String, String>,
    /// Why the row is refused before it is taken, when reading it already told.
    refused: Option<Rejected>,
}

impl Row {
    pub(crate) fn new(line: u64, fields: BTreeMap<String, String>) -> Row {
        Row {
            line,
            fields,
            refused: None,
        }
    }

    /// Refuses the row for `column`.
    pub(crate) fn mark(&mut self, column: &str, message: String) {
        self.refused = Some(self.reject(column, message));
    }

    fn get(&self, c: &str) -> Option<&str> {
        self.fields.get(c).map(|s| s.trim())
    }

    fn opt(&self, c: &str) -> Option<String> {
        self.get(c).map(str::to_owned)
    }

    fn reject(&self, column: &str, message: impl Into<String>) -> Rejected {
        Rejected {
            line: self.line,
            column: column.to_owned(),
            message: message.into(),
        }
    }

    fn number(&self, c: &str) -> Result<Option<i64>, Rejected> {
        match self.get(c) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| self.reject(c, "not a whole number")),
        }
    }

    fn amount(&self, c: &str) -> Result<Option<i64>, Rejected> {
        match self.get(c) {
            None | Some("") => Ok(None),
            Some(v) => ecrin_core::money::parse_amount(v)
                .map(Some)
                .ok_or_else(|| self.reject(c, "not an amount such as 1890.00")),
        }
    }

    fn flag(&self, c: &str) -> Result<Option<bool>, Rejected> {
        match self.get(c).map(str::to_ascii_lowercase).as_deref() {
            None | Some("") => Ok(None),
            Some("true" | "yes" | "1") => Ok(Some(true)),
            Some("false" | "no" | "0") => Ok(Some(false)),
            Some(_) => Err(self.reject(c, "true or false")),
        }
    }
}

/// What a row asks: the product and the variant as the use cases take them.
fn inputs(app: &App, row: &Row) -> Result<(String, ProductInput, VariantInput), Rejected> {
    if let Some(r) = &row.refused {
        return Err(r.clone());
    }
    let handle = row.get("handle").unwrap_or("").to_owned();
    if handle.is_empty() {
        return Err(row.reject("handle", "required"));
    }
    let mut texts = BTreeMap::new();
    for l in &app.profile.languages {
        let code = l.code();
        if let Some(name) = row.get(&format!("name_{code}")).filter(|n| !n.is_empty()) {
            texts.insert(
                code.to_owned(),
                Texts {
                    name: name.to_owned(),
                    description: row
                        .get(&format!("description_{code}"))
                        .unwrap_or("")
                        .to_owned(),
                },
            );
        }
    }
    let product = ProductInput {
        slug: Some(handle.clone()),
        collection: row.opt("collection"),
        category: row.opt("category").filter(|c| !c.is_empty()),
        kind: row.opt("kind").filter(|c| !c.is_empty()),
        texts,
        published: row.flag("published")?,
        published_from: row.opt("published_from"),
        published_until: row.opt("published_until"),
        lead_time_days: row.number("lead_time_days")?,
        personalisable: None,
        engraving_max_chars: None,
    };
    let variant = VariantInput {
        sku: row.opt("sku"),
        metal: row.opt("metal"),
        stone: row.opt("stone"),
        size: row.opt("size"),
        weight_grams: row.number("weight_grams")?,
        price: row.amount("price")?,
        list_price: Some(row.amount("list_price")?.unwrap_or(0)),
        on_hand: row.number("on_hand")?,
        lead_time_days: None,
        personalisable: None,
        engraving_max_chars: None,
        low_stock_threshold: row.number("low_stock_threshold")?,
    };
    if variant.sku.as_deref().unwrap_or("").is_empty() {
        return Err(row.reject("sku", "required"));
    }
    Ok((handle, product, variant))
}

/// A use case's refusal as the row's: its first field names the column.
fn refusal(row: &Row, e: AppError) -> Result<Rejected, AppError> {
    let column_of = |field: &str| {
        let f = field.replace("texts.", "").replace('.', "_");
        match f.as_str() {
            "slug" => "handle".to_owned(),
            other => other.to_owned(),
        }
    };
    Ok(match e {
        AppError::Invalid(errors) => {
            let first = errors.first();
            row.reject(
                &first.map(|f| column_of(&f.field)).unwrap_or_default(),
                first.map_or("invalid", |f| f.reason),
            )
        }
        AppError::Refused(r) => row.reject("", r.detail),
        AppError::NotFound => row.reject("handle", "not found"),
        other => return Err(other),
    })
}

/// Imports `bytes` (admin); with `dry_run`, checks every row and writes nothing.
pub async fn import(
    app: &App,
    staff_id: &str,
    bytes: &[u8],
    dry_run: bool,
    mut progress: impl FnMut(u64),
) -> Result<Report, AppError> {
    let s = crate::backoffice::staff(app, staff_id).await?;
    crate::backoffice::require(&s, &[Role::Admin])?;
    // Excel in France and Italy writes a byte-order mark and semicolons.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let delimiter = if first_line.contains(&b';') && !first_line.contains(&b',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(bytes);
    let mut report = Report::default();
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_ascii_lowercase()).collect(),
        Err(e) => {
            report.rejected.push(Rejected {
                line: 1,
                column: String::new(),
                message: e.to_string(),
            });
            return Ok(report);
        }
    };
    let mut shopify = if crate::shopify::is_shopify(&headers) {
        Some((crate::shopify::Vocabulary::of(app).await?, BTreeMap::new()))
    } else {
        None
    };
    // Collections a dry run would create: their products are checked as if they were.
    let mut new_collections = std::collections::HashSet::new();
    let needed: &[&str] = if shopify.is_some() {
        &[]
    } else {
        &["handle", "sku"]
    };
    for needed in needed {
        if !headers.iter().any(|h| h == needed) {
            report.rejected.push(Rejected {
                line: 1,
                column: (*needed).to_owned(),
                message: "missing column".into(),
            });
        }
    }
    if !report.rejected.is_empty() {
        return Ok(report);
    }
    let mut seen_products = std::collections::HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        progress(line - 1);
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                report.rejected.push(Rejected {
                    line,
                    column: String::new(),
                    message: e.to_string(),
                });
                continue;
            }
        };
        let fields: BTreeMap<String, String> = headers
            .iter()
            .cloned()
            .zip(record.iter().map(str::to_owned))
            .collect();
        let row = match &mut shopify {
            None => Row::new(line, fields),
            Some((vocabulary, products)) => {
                let mut missing = BTreeMap::new();
                let read =
                    crate::shopify::row(app, vocabulary, products, line, &fields, &mut missing);
                let Some(row) = read else { continue };
                for (slug, name) in missing {
                    if !dry_run {
                        let texts = BTreeMap::from([(
                            app.profile.default_lang().code().to_owned(),
                            Texts {
                                name: name.clone(),
                                description: String::new(),
                            },
                        )]);
                        crate::merchandising::put_collection(app, staff_id, &slug, &texts).await?;
                    }
                    vocabulary.remember_collection(&slug, &name);
                    new_collections.insert(slug);
                }
                row
            }
        };
        let applied = apply(
            app,
            staff_id,
            &row,
            dry_run,
            &mut seen_products,
            &new_collections,
        )
        .await?;
        match applied {
            Ok((created, updated)) => {
                report.created += created;
                report.updated += updated;
            }
            Err(mut r) => {
                if shopify.is_some() {
                    r.column = crate::shopify::column_of(&r.column);
                }
                report.rejected.push(r)
            }
        }
    }
    Ok(report)
}

/// One row: its product (once per import) and its variant; counts of what was created
/// and updated, or why the row was not taken.
async fn apply(
    app: &App,
    staff_id: &str,
    row: &Row,
    dry_run: bool,
    seen: &mut std::collections::HashSet<String>,
    new_collections: &std::collections::HashSet<String>,
) -> Result<Result<(u64, u64), Rejected>, AppError> {
    let (handle, mut product, variant) = match inputs(app, row) {
        Ok(v) => v,
        Err(r) => return Ok(Err(r)),
    };
    let mut checked = product.clone();
    if dry_run
        && checked
            .collection
            .as_ref()
            .is_some_and(|c| new_collections.contains(c))
    {
        // Not created in a dry run: any existing collection stands in for the check.
        checked.collection = app
            .store
            .collections()
            .await?
            .first()
            .map(|c| c.slug.clone());
    }
    let sku = variant.sku.clone().unwrap_or_default();
    let mut created = 0;
    let mut updated = 0;
    let existing = app.store.staff_product(&handle).await?;
    // Publication waits for the variant: a new product has none yet.
    let publish = product.published.take();
    if seen.insert(handle.clone()) {
        let done = match (&existing, dry_run) {
            (_, true) => m::check_product(app, &checked, existing.as_ref()).await,
            (Some(_), false) => m::update_product(app, staff_id, &handle, &product)
                .await
                .map(|_| ()),
            (None, false) => m::create_product(app, staff_id, &product).await.map(|_| ()),
        };
        if let Err(e) = done {
            return Ok(Err(refusal(row, e)?));
        }
        if existing.is_some() {
            updated += 1;
        } else {
            created += 1;
        }
    }
    let current = app.store.staff_variant(&sku).await?;
    if let Some(c) = &current
        && c.product_slug != handle
    {
        return Ok(Err(
            row.reject("sku", "this reference belongs to another product")
        ));
    }
    let done = match (&current, dry_run) {
        (_, true) => m::check_variant(app, &variant, current.as_ref()).await,
        (Some(c), false) => {
            let mut v = variant.clone();
            v.price = v.price.filter(|p| *p != c.price);
            v.on_hand = v.on_hand.filter(|n| *n != c.on_hand);
            m::update_variant(app, staff_id, &sku, &v).await.map(|_| ())
        }
        (None, false) => {
            let mut v = variant.clone();
            v.list_price = v.list_price.filter(|p| *p > 0);
            m::create_variant(app, staff_id, &handle, &v)
                .await
                .map(|_| ())
        }
    };
    if let Err(e) = done {
        return Ok(Err(refusal(row, e)?));
    }
    if current.is_some() {
        updated += 1;
    } else {
        created += 1;
    }
    if let (Some(p), false) = (publish, dry_run) {
        let input = ProductInput {
            published: Some(p),
            ..ProductInput::default()
        };
        if let Err(e) = m::update_product(app, staff_id, &handle, &input).await {
            return Ok(Err(refusal(row, e)?));
        }
    }
    Ok(Ok((created, updated)))
}
