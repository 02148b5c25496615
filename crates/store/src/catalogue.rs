//! The catalogue (CAT-1 … CAT-7): products, variants, prices and their history, stock,
//! collections, materials and stones, and the full-text search over them.

use crate::exec::{Args, Bind};
use crate::exec::{Engine, Exec, Writer, query, query_as, query_as_with, query_scalar};
use crate::merchandise::{StockMove, record_movement};
use crate::sql::Dialect;
use crate::*;
use ecrin_core::catalogue::{Availability, Category, PricePoint};
use ecrin_core::query::CatalogueQuery;
use ecrin_core::search;

#[async_trait]
pub trait Catalogue: Send + Sync {
    /// A number that changes whenever the catalogue changes, so every process can tell
    /// that its caches are stale.
    async fn catalogue_version(&self) -> Result<i64>;

    async fn count_products(&self) -> Result<i64>;

    /// CAT-5: one page of the published catalogue matching `query`, with facet counts.
    async fn list_products(&self, query: &CatalogueQuery) -> Result<ProductPage>;

    /// A published product with its variants and their price history.
    async fn product_by_slug(&self, slug: &str) -> Result<Option<ProductDetail>>;

    async fn collections(&self) -> Result<Vec<Reference>>;

    async fn materials(&self) -> Result<Vec<Reference>>;

    async fn stones(&self) -> Result<Vec<Reference>>;

    /// A variant by SKU, with its product's name and rules, if it is on sale.
    async fn variant_info(&self, sku: &str) -> Result<Option<VariantInfo>>;

    /// The same for several SKUs at once; SKUs not on sale are left out.
    async fn variants_info(&self, skus: &[String]) -> Result<Vec<VariantInfo>>;
}

#[async_trait]
pub trait CatalogueTx: Send {
    async fn insert_collection(&mut self, c: &Reference) -> Result<()>;

    async fn insert_material(&mut self, m: &Reference) -> Result<()>;

    async fn insert_stone(&mut self, s: &Reference) -> Result<()>;

    /// Inserts a product, its variants, their first price and its search document.
    async fn insert_product(&mut self, p: &NewProduct, now_ms: i64) -> Result<()>;

    /// CAT-4, CAT-7: a new price from `from_ms` on, kept in the history.
    async fn set_price(
        &mut self,
        sku: &str,
        price: i64,
        list_price: Option<i64>,
        from_ms: i64,
    ) -> Result<()>;

    /// The units on hand after a count, journaled with the difference; the units there
    /// were before.
    async fn set_stock(&mut self, sku: &str, on_hand: i64, why: &StockMove<'_>) -> Result<i64>;

    /// PAY-5: takes `quantity` units if that many remain: the units left, or `None`.
    async fn reserve_stock(
        &mut self,
        sku: &str,
        quantity: i64,
        why: &StockMove<'_>,
    ) -> Result<Option<i64>>;

    /// PAY-5: gives back `quantity` units: the units now on hand.
    async fn release_stock(&mut self, sku: &str, quantity: i64, why: &StockMove<'_>)
    -> Result<i64>;

    /// Marks the catalogue as changed for every process's caches.
    async fn bump_catalogue_version(&mut self) -> Result<()>;
}

#[async_trait]
impl<E: Engine> Catalogue for E {
    async fn catalogue_version(&self) -> Result<i64> {
        query_scalar(CATALOGUE_VERSION)
            .fetch_one(&mut self.reader().await?)
            .await
    }

    async fn count_products(&self) -> Result<i64> {
        query_scalar(COUNT_PRODUCTS)
            .fetch_one(&mut self.reader().await?)
            .await
    }

    async fn list_products(&self, query: &CatalogueQuery) -> Result<ProductPage> {
        read_list_products(&mut self.reader().await?, query).await
    }

    async fn product_by_slug(&self, slug: &str) -> Result<Option<ProductDetail>> {
        read_product_by_slug(&mut self.reader().await?, slug).await
    }

    async fn collections(&self) -> Result<Vec<Reference>> {
        read_references(&mut self.reader().await?, COLLECTIONS).await
    }

    async fn materials(&self) -> Result<Vec<Reference>> {
        read_references(&mut self.reader().await?, MATERIALS).await
    }

    async fn stones(&self) -> Result<Vec<Reference>> {
        read_references(&mut self.reader().await?, STONES).await
    }

    async fn variant_info(&self, sku: &str) -> Result<Option<VariantInfo>> {
        let row: Option<VariantInfoRow> = query_as(VARIANTS_BY_SKU)
            .bind(sku)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn variants_info(&self, skus: &[String]) -> Result<Vec<VariantInfo>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let sql = variants_by_skus(skus.len());
        let mut query = query_as(sql);
        for sku in skus {
            query = query.bind(sku.clone());
        }
        let rows: Vec<VariantInfoRow> = query.fetch_all(&mut self.reader().await?).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

#[async_trait]
impl<W: Writer> CatalogueTx for W {
    async fn insert_collection(&mut self, c: &Reference) -> Result<()> {
        insert_reference(&mut *self, INSERT_COLLECTION, c).await
    }

    async fn insert_material(&mut self, m: &Reference) -> Result<()> {
        insert_reference(&mut *self, INSERT_MATERIAL, m).await
    }

    async fn insert_stone(&mut self, s: &Reference) -> Result<()> {
        insert_reference(&mut *self, INSERT_STONE, s).await
    }

    async fn insert_product(&mut self, p: &NewProduct, now_ms: i64) -> Result<()> {
        query(INSERT_PRODUCT)
            .bind(&p.id)
            .bind(&p.slug)
            .bind(p.position)
            .bind(&p.kind)
            .bind(&p.collection)
            .bind(p.category.as_str())
            .bind(p.lead_time_days)
            .bind(p.personalisable)
            .bind(&p.name.fr)
            .bind(&p.name.en)
            .bind(&p.name.it)
            .bind(&p.description.fr)
            .bind(&p.description.en)
            .bind(&p.description.it)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        for (position, v) in p.variants.iter().enumerate() {
            query(INSERT_VARIANT)
                .bind(&v.sku)
                .bind(&p.id)
                .bind(position as i64)
                .bind(&v.metal)
                .bind(&v.stone)
                .bind(&v.size)
                .bind(v.price)
                .bind(v.list_price)
                .bind(v.on_hand)
                .bind(v.weight_grams)
                .execute(&mut *self)
                .await?;
            add_price_point(&mut *self, &v.sku, v.price, now_ms).await?;
        }
        query(insert_search(self.dialect()))
            .bind(&p.id)
            .bind(search_document(p))
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn set_price(
        &mut self,
        sku: &str,
        price: i64,
        list_price: Option<i64>,
        from_ms: i64,
    ) -> Result<()> {
        let done = query(UPDATE_PRICE)
            .bind(sku)
            .bind(price)
            .bind(list_price)
            .execute(&mut *self)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        add_price_point(&mut *self, sku, price, from_ms).await
    }

    async fn set_stock(&mut self, sku: &str, on_hand: i64, why: &StockMove<'_>) -> Result<i64> {
        // Compare-and-set, so the journal's difference is exact even while orders take
        // units of the same piece.
        loop {
            let before: i64 = query_scalar("SELECT on_hand FROM variants WHERE sku = $1")
                .bind(sku)
                .fetch_optional(&mut *self)
                .await?
                .ok_or(StoreError::NotFound)?;
            let done = query(UPDATE_STOCK)
                .bind(sku)
                .bind(on_hand)
                .bind(before)
                .execute(&mut *self)
                .await?;
            if done.rows_affected() == 1 {
                record_movement(&mut *self, sku, on_hand - before, on_hand, why).await?;
                return Ok(before);
            }
        }
    }

    async fn reserve_stock(
        &mut self,
        sku: &str,
        quantity: i64,
        why: &StockMove<'_>,
    ) -> Result<Option<i64>> {
        let left: Option<i64> = query_scalar(RESERVE_STOCK)
            .bind(sku)
            .bind(quantity)
            .fetch_optional(&mut *self)
            .await?;
        if let Some(left) = left {
            record_movement(&mut *self, sku, -quantity, left, why).await?;
        }
        Ok(left)
    }

    async fn release_stock(
        &mut self,
        sku: &str,
        quantity: i64,
        why: &StockMove<'_>,
    ) -> Result<i64> {
        let on_hand: i64 = query_scalar(RELEASE_STOCK)
            .bind(sku)
            .bind(quantity)
            .fetch_optional(&mut *self)
            .await?
            .ok_or(StoreError::NotFound)?;
        record_movement(&mut *self, sku, quantity, on_hand, why).await?;
        Ok(on_hand)
    }

    async fn bump_catalogue_version(&mut self) -> Result<()> {
        query(BUMP_CATALOGUE_VERSION).execute(&mut *self).await?;
        Ok(())
    }
}

/// The statement that stores a product's search document (`$1` product id, `$2` folded
/// text), in the engine's own full-text form.
fn insert_search(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "INSERT INTO product_search (product_id, document) VALUES ($1, $2)",
        Dialect::Postgres => {
            "INSERT INTO product_search (product_id, document) VALUES ($1, to_tsvector('simple', $2))"
        }
    }
}

/// CAT-5: one page of the catalogue and its facet counts.
async fn read_list_products(conn: &mut impl Exec, query: &CatalogueQuery) -> Result<ProductPage> {
    let list = list_products(query, conn.dialect());
    let facets = facets(query, conn.dialect());
    let rows: Vec<SummaryRow> = query_as_with(list.sql, list.args).fetch_all(conn).await?;
    let facet_rows: Vec<FacetRow> = query_as_with(facets.sql, facets.args)
        .fetch_all(conn)
        .await?;
    Ok(into_page(rows, query.page_size, facet_rows))
}

async fn read_product_by_slug(conn: &mut impl Exec, slug: &str) -> Result<Option<ProductDetail>> {
    let product: Option<ProductRow> = query_as(PRODUCT_BY_SLUG)
        .bind(slug)
        .fetch_optional(conn)
        .await?;
    let Some(product) = product else {
        return Ok(None);
    };
    let variants: Vec<VariantRow> = query_as(VARIANTS_OF_PRODUCT)
        .bind(&product.id)
        .fetch_all(conn)
        .await?;
    let prices: Vec<PricePointRow> = query_as(PRICE_HISTORY_OF_PRODUCT)
        .bind(&product.id)
        .fetch_all(conn)
        .await?;
    let photos = query_as(
        "SELECT id, product_id, position, hash, width, height, widths, file_name, alt_fr, \
         alt_en, alt_it, created_at FROM product_photos WHERE product_id = $1 ORDER BY position",
    )
    .bind(&product.id)
    .fetch_all(conn)
    .await?;
    let mut detail = into_detail(product, variants, prices);
    detail.photos = photos;
    Ok(Some(detail))
}

async fn read_references(conn: &mut impl Exec, sql: &'static str) -> Result<Vec<Reference>> {
    let rows: Vec<ReferenceRow> = query_as(sql).fetch_all(conn).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

async fn insert_reference(conn: &mut impl Exec, sql: &'static str, r: &Reference) -> Result<()> {
    query(sql)
        .bind(&r.slug)
        .bind(r.position)
        .bind(&r.name.fr)
        .bind(&r.name.en)
        .bind(&r.name.it)
        .bind(&r.description.fr)
        .bind(&r.description.en)
        .bind(&r.description.it)
        .execute(conn)
        .await?;
    Ok(())
}

/// CAT-4: a price a variant is sold at from `from_ms`, kept for the 30-day reference.
async fn add_price_point(conn: &mut impl Exec, sku: &str, price: i64, from_ms: i64) -> Result<()> {
    query(INSERT_PRICE_POINT)
        .bind(sku)
        .bind(price)
        .bind(from_ms)
        .execute(conn)
        .await?;
    Ok(())
}

/// One page (plus one row, to know whether another page follows).
pub fn list_products(q: &CatalogueQuery, dialect: Dialect) -> Built {
    let mut b = Built {
        sql: String::new(),
        args: Args::default(),
    };
    let mut where_ = filters(&mut b, q, dialect);
    if let Some(after) = q.after {
        let arg = b.push(after);
        where_.push_str(&format!(" AND p.position > {arg}"));
    }
    let limit = b.push(i64::from(q.page_size) + 1);
    b.sql = format!(
        "SELECT p.id, p.slug, p.position, p.kind, p.collection, p.category, p.lead_time_days, \
         p.name_fr, p.name_en, p.name_it, p.price_from, {AVAILABILITY} AS availability, \
         p.metal, p.stone, \
         (SELECT ph.hash FROM product_photos ph WHERE ph.product_id = p.id ORDER BY ph.position LIMIT 1) AS photo_hash, \
         (SELECT ph.widths FROM product_photos ph WHERE ph.product_id = p.id ORDER BY ph.position LIMIT 1) AS photo_widths \
         FROM products p WHERE {where_} ORDER BY p.position LIMIT {limit}"
    );
    b
}

pub const PRODUCT_BY_SLUG: &str = "SELECT id, slug, kind, collection, category, lead_time_days, personalisable, \
     name_fr, name_en, name_it, description_fr, description_en, description_it \
     FROM products WHERE slug = $1 AND published = TRUE";

pub const VARIANTS_OF_PRODUCT: &str = "SELECT v.sku, v.metal, v.stone, v.size, v.price, v.list_price, \
     v.on_hand, v.weight_grams, COALESCE(v.lead_time_days, p.lead_time_days) AS lead_time_days \
     FROM variants v JOIN products p ON p.id = v.product_id WHERE v.product_id = $1 \
     ORDER BY v.position";

pub const PRICE_HISTORY_OF_PRODUCT: &str = "SELECT h.sku, h.price, h.from_ms FROM price_history h \
     JOIN variants v ON v.sku = h.sku WHERE v.product_id = $1 ORDER BY h.sku, h.from_ms";

pub const CATALOGUE_VERSION: &str = "SELECT value FROM meta WHERE key = 'catalogue_version'";

pub const BUMP_CATALOGUE_VERSION: &str =
    "UPDATE meta SET value = value + 1 WHERE key = 'catalogue_version'";

pub const COUNT_PRODUCTS: &str = "SELECT COUNT(*) AS n FROM products";

pub const COLLECTIONS: &str = "SELECT slug, position, name_fr, name_en, name_it, description_fr, \
     description_en, description_it FROM collections ORDER BY position";

pub const MATERIALS: &str = "SELECT slug, position, name_fr, name_en, name_it, description_fr, \
     description_en, description_it FROM materials ORDER BY position";

pub const STONES: &str = "SELECT slug, position, name_fr, name_en, name_it, description_fr, \
     description_en, description_it FROM stones ORDER BY position";

pub const INSERT_COLLECTION: &str = "INSERT INTO collections (slug, position, name_fr, name_en, name_it, \
     description_fr, description_en, description_it) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

pub const INSERT_MATERIAL: &str = "INSERT INTO materials (slug, position, name_fr, name_en, name_it, \
     description_fr, description_en, description_it) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

pub const INSERT_STONE: &str = "INSERT INTO stones (slug, position, name_fr, name_en, name_it, \
     description_fr, description_en, description_it) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

pub const INSERT_PRODUCT: &str = "INSERT INTO products (id, slug, position, kind, collection, category, \
     lead_time_days, personalisable, name_fr, name_en, name_it, description_fr, description_en, \
     description_it, published, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, TRUE, $15)";

pub const INSERT_VARIANT: &str = "INSERT INTO variants (sku, product_id, position, metal, stone, size, \
     price, list_price, on_hand, weight_grams) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// A price set twice for the same instant keeps the second.
pub const INSERT_PRICE_POINT: &str = "INSERT INTO price_history (sku, price, from_ms) \
     VALUES ($1, $2, $3) ON CONFLICT (sku, from_ms) DO UPDATE SET price = excluded.price";

pub const UPDATE_PRICE: &str = "UPDATE variants SET price = $2, list_price = $3 WHERE sku = $1";

pub const UPDATE_STOCK: &str = "UPDATE variants SET on_hand = $2 WHERE sku = $1 AND on_hand = $3";

/// A variant's own lead time and engraving length win over its product's.
macro_rules! variant_info {
    () => {
        "SELECT v.sku, p.slug, p.name_fr, p.name_en, p.name_it, p.category, \
         COALESCE(v.personalisable, p.personalisable) AS personalisable, \
         v.price, v.on_hand, v.weight_grams, v.metal, v.size, \
         COALESCE(v.lead_time_days, p.lead_time_days) AS lead_time_days, \
         COALESCE(v.engraving_max_chars, p.engraving_max_chars) AS engraving_max_chars \
         FROM variants v JOIN products p ON p.id = v.product_id WHERE p.published = TRUE AND "
    };
}

pub const VARIANTS_BY_SKU: &str = concat!(variant_info!(), "v.sku = $1");

/// The variants of a list of SKUs, in one query (`$1` … `$n`).
pub fn variants_by_skus(n: usize) -> String {
    let list = (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(concat!(variant_info!(), "v.sku IN ({})"), list)
}

/// The text a product is found by: its names and descriptions in every language and its
/// keywords, folded like the queries are.
pub fn search_document(p: &NewProduct) -> String {
    let mut text = String::new();
    for part in p.name.all().into_iter().chain(p.description.all()) {
        text.push_str(part);
        text.push(' ');
    }
    text.push_str(&p.keywords);
    search::fold(&text)
}

/// Cuts the extra row off a page and says where the next page starts.
pub fn into_page(rows: Vec<SummaryRow>, page_size: u32, facets: Vec<FacetRow>) -> ProductPage {
    let size = page_size as usize;
    let mut items: Vec<ProductSummary> = rows.into_iter().map(SummaryRow::into_summary).collect();
    let next_after = if items.len() > size {
        items.truncate(size);
        items.last().map(|p| p.position)
    } else {
        None
    };
    let mut f = Facets::default();
    let mut total = 0;
    for row in facets {
        let count = FacetCount {
            value: row.value.unwrap_or_default(),
            count: row.n,
        };
        match row.facet.as_str() {
            "collection" => f.collection.push(count),
            "material" => f.material.push(count),
            "stone" => f.stone.push(count),
            _ => {
                total += count.count;
                f.availability.push(count);
            }
        }
    }
    for list in [
        &mut f.collection,
        &mut f.material,
        &mut f.stone,
        &mut f.availability,
    ] {
        list.sort_by(|a, b| a.value.cmp(&b.value));
    }
    ProductPage {
        items,
        facets: f,
        total,
        next_after,
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct FacetRow {
    pub facet: String,
    pub value: Option<String>,
    pub n: i64,
}

pub fn into_detail(
    p: ProductRow,
    variants: Vec<VariantRow>,
    prices: Vec<PricePointRow>,
) -> ProductDetail {
    let category = Category::parse(&p.category).unwrap_or(Category::InStock);
    let variants = variants
        .into_iter()
        .map(|v| Variant {
            availability: ecrin_core::catalogue::variant_availability(category, v.on_hand),
            price_history: prices
                .iter()
                .filter(|h| h.sku == v.sku)
                .map(|h| PricePoint {
                    price: h.price,
                    from_ms: h.from_ms,
                })
                .collect(),
            sku: v.sku,
            metal: v.metal,
            stone: v.stone,
            size: v.size,
            price: v.price,
            list_price: v.list_price,
            on_hand: v.on_hand,
            weight_grams: v.weight_grams,
            lead_time_days: v.lead_time_days,
        })
        .collect();
    ProductDetail {
        id: p.id,
        slug: p.slug,
        kind: p.kind,
        collection: p.collection,
        category,
        lead_time_days: p.lead_time_days,
        personalisable: p.personalisable,
        name: Localized {
            fr: p.name_fr,
            en: p.name_en,
            it: p.name_it,
        },
        description: Localized {
            fr: p.description_fr,
            en: p.description_en,
            it: p.description_it,
        },
        variants,
        photos: Vec::new(),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct ReferenceRow {
    pub slug: String,
    pub position: i64,
    pub name_fr: String,
    pub name_en: String,
    pub name_it: String,
    pub description_fr: String,
    pub description_en: String,
    pub description_it: String,
}

impl From<ReferenceRow> for Reference {
    fn from(r: ReferenceRow) -> Self {
        Reference {
            slug: r.slug,
            position: r.position,
            name: Localized {
                fr: r.name_fr,
                en: r.name_en,
                it: r.name_it,
            },
            description: Localized {
                fr: r.description_fr,
                en: r.description_en,
                it: r.description_it,
            },
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct VariantInfoRow {
    pub sku: String,
    pub slug: String,
    pub name_fr: String,
    pub name_en: String,
    pub name_it: String,
    pub category: String,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub personalisable: bool,
    pub price: i64,
    pub on_hand: i64,
    pub weight_grams: i64,
    pub metal: String,
    pub size: Option<String>,
    pub lead_time_days: Option<i64>,
    pub engraving_max_chars: Option<i64>,
}

impl From<VariantInfoRow> for VariantInfo {
    fn from(r: VariantInfoRow) -> Self {
        let category = Category::parse(&r.category).unwrap_or(Category::InStock);
        VariantInfo {
            availability: ecrin_core::catalogue::variant_availability(category, r.on_hand),
            sku: r.sku,
            product_slug: r.slug,
            name: Localized {
                fr: r.name_fr,
                en: r.name_en,
                it: r.name_it,
            },
            category,
            personalisable: r.personalisable,
            price: r.price,
            weight_grams: r.weight_grams,
            metal: r.metal,
            size: r.size,
            lead_time_days: r.lead_time_days,
            engraving_max_chars: r.engraving_max_chars,
        }
    }
}

/// PAY-5: takes `$2` units of a variant if that many remain, in one statement: of two
/// buyers of the last unit, the second finds none. The units left, or no row.
pub const RESERVE_STOCK: &str = "UPDATE variants SET on_hand = on_hand - $2 \
     WHERE sku = $1 AND on_hand >= $2 RETURNING on_hand";

/// PAY-5: gives back `$2` units; the units now on hand.
pub const RELEASE_STOCK: &str =
    "UPDATE variants SET on_hand = on_hand + $2 WHERE sku = $1 RETURNING on_hand";

/// Facet counts over every product matching the filters.
pub fn facets(q: &CatalogueQuery, dialect: Dialect) -> Built {
    let mut b = Built {
        sql: String::new(),
        args: Args::default(),
    };
    let where_ = filters(&mut b, q, dialect);
    b.sql = format!(
        "WITH f AS (SELECT p.id, p.collection, {AVAILABILITY} AS availability FROM products p WHERE {where_}) \
         SELECT 'collection' AS facet, f.collection AS value, COUNT(*) AS n FROM f GROUP BY f.collection \
         UNION ALL SELECT 'material', v.metal, COUNT(DISTINCT v.product_id) FROM variants v JOIN f ON f.id = v.product_id GROUP BY v.metal \
         UNION ALL SELECT 'stone', v.stone, COUNT(DISTINCT v.product_id) FROM variants v JOIN f ON f.id = v.product_id WHERE v.stone IS NOT NULL GROUP BY v.stone \
         UNION ALL SELECT 'availability', f.availability, COUNT(*) FROM f GROUP BY f.availability"
    );
    b
}

#[derive(Debug, serde::Deserialize)]
pub struct SummaryRow {
    pub id: String,
    pub slug: String,
    pub position: i64,
    pub kind: String,
    pub collection: String,
    pub category: String,
    pub lead_time_days: Option<i64>,
    pub name_fr: String,
    pub name_en: String,
    pub name_it: String,
    pub price_from: Option<i64>,
    pub availability: String,
    pub metal: Option<String>,
    pub stone: Option<String>,
    pub photo_hash: Option<String>,
    pub photo_widths: Option<String>,
}

impl SummaryRow {
    pub fn into_summary(self) -> ProductSummary {
        ProductSummary {
            id: self.id,
            slug: self.slug,
            position: self.position,
            kind: self.kind,
            collection: self.collection,
            category: Category::parse(&self.category).unwrap_or(Category::InStock),
            name: Localized {
                fr: self.name_fr,
                en: self.name_en,
                it: self.name_it,
            },
            price_from: self.price_from.unwrap_or(0),
            availability: Availability::parse(&self.availability).unwrap_or(Availability::SoldOut),
            lead_time_days: self.lead_time_days,
            metal: self.metal.unwrap_or_default(),
            stone: self.stone,
            photo: self.photo_hash.map(|hash| {
                let widths = self
                    .photo_widths
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|w| w.trim().parse().ok())
                    .collect();
                (hash, widths)
            }),
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct ProductRow {
    pub id: String,
    pub slug: String,
    pub kind: String,
    pub collection: String,
    pub category: String,
    pub lead_time_days: Option<i64>,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub personalisable: bool,
    pub name_fr: String,
    pub name_en: String,
    pub name_it: String,
    pub description_fr: String,
    pub description_en: String,
    pub description_it: String,
}

#[derive(Debug, serde::Deserialize)]
pub struct VariantRow {
    pub sku: String,
    pub metal: String,
    pub stone: Option<String>,
    pub size: Option<String>,
    pub price: i64,
    pub list_price: Option<i64>,
    pub on_hand: i64,
    pub weight_grams: i64,
    pub lead_time_days: Option<i64>,
}

#[derive(Debug, serde::Deserialize)]
pub struct PricePointRow {
    pub sku: String,
    pub price: i64,
    pub from_ms: i64,
}

/// The `WHERE` clause of a catalogue query (without pagination).
fn filters(b: &mut Built, q: &CatalogueQuery, dialect: Dialect) -> String {
    let mut clauses = vec!["p.published = TRUE".to_owned()];
    if let Some(text) = &q.q {
        match fulltext_query(text, dialect) {
            Some(fts) => {
                let arg = b.push(fts);
                clauses.push(match dialect {
                    Dialect::Sqlite => format!(
                        "p.id IN (SELECT product_id FROM product_search WHERE product_search MATCH {arg})"
                    ),
                    Dialect::Postgres => format!(
                        "p.id IN (SELECT product_id FROM product_search WHERE document @@ to_tsquery('simple', {arg}))"
                    ),
                });
            }
            // Punctuation only: nothing can match.
            None => clauses.push("1 = 0".to_owned()),
        }
    }
    if let Some(c) = &q.collection {
        let arg = b.push(c.as_str().to_owned());
        clauses.push(format!("p.collection = {arg}"));
    }
    if let Some(m) = &q.material {
        let arg = b.push(m.as_str().to_owned());
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.metal = {arg})"
        ));
    }
    if let Some(s) = &q.stone {
        let arg = b.push(s.as_str().to_owned());
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.stone = {arg})"
        ));
    }
    if let Some(lo) = q.min_price {
        let arg = b.push(lo);
        clauses.push(format!("{PRICE_FROM} >= {arg}"));
    }
    if let Some(hi) = q.max_price {
        let arg = b.push(hi);
        clauses.push(format!("{PRICE_FROM} <= {arg}"));
    }
    if let Some(a) = q.availability {
        let arg = b.push(a.as_str().to_owned());
        clauses.push(format!("({AVAILABILITY}) = {arg}"));
    }
    clauses.join(" AND ")
}

/// A statement and its arguments, in placeholder order.
#[derive(Debug, Clone)]
pub struct Built {
    pub sql: String,
    pub args: Args,
}

impl Built {
    fn push(&mut self, arg: impl Bind) -> String {
        self.args.push(arg);
        format!("${}", self.args.0.len())
    }
}

/// CAT-2, CAT-3: a product's availability, computed from its category and stock.
/// `stock_units` and `price_from` are kept on the product by triggers on `variants`.
const AVAILABILITY: &str = "CASE WHEN p.category <> 'in_stock' THEN 'made_to_order' \
     WHEN p.stock_units > 0 THEN 'in_stock' ELSE 'sold_out' END";

const PRICE_FROM: &str = "p.price_from";

/// The full-text query for `q`, or `None` when it holds no word at all.
pub fn fulltext_query(q: &str, dialect: Dialect) -> Option<String> {
    let terms = search::terms(q);
    if terms.is_empty() {
        return None;
    }
    Some(match dialect {
        Dialect::Sqlite => terms
            .iter()
            .map(|t| format!("\"{t}\"*"))
            .collect::<Vec<_>>()
            .join(" "),
        Dialect::Postgres => terms
            .iter()
            .map(|t| format!("{t}:*"))
            .collect::<Vec<_>>()
            .join(" & "),
    })
}
