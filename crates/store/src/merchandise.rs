//! The house's side of the catalogue: products, variants and collections as staff write
//! them (published or not), scheduled prices (CAT-4, CAT-7) and the stock journal.

use crate::catalogue::{INSERT_PRICE_POINT, PricePointRow};
use crate::exec::{Engine, Exec, Query, Writer, query, query_as, query_scalar};
use crate::sql::Dialect;
use crate::*;

/// Why units of a variant moved, for the stock journal.
#[derive(Debug, Clone, Copy)]
pub struct StockMove<'a> {
    /// `order` (taken by an order), `payment` (taken again when a refused card is
    /// retried), `payment_failed` (given back by a refused card or an unpaid transfer),
    /// `cancellation`, `stock_out`, `return`, `exchange`, `staff`, `import`.
    pub reason: &'a str,
    /// The order's id, the staff member's id, or the imported file's name.
    pub reference: Option<&'a str>,
    pub at_ms: i64,
}

/// One line of the stock journal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct StockMovement {
    pub sku: String,
    pub delta: i64,
    /// Units on hand after the movement.
    pub on_hand: i64,
    pub reason: String,
    pub reference: Option<String>,
    /// The order's number, when the reference is an order.
    pub order_number: Option<String>,
    /// The staff member's e-mail, when the reference is one of them.
    pub staff_email: Option<String>,
    pub at: i64,
}

/// A product as the house writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductWrite {
    pub id: String,
    pub slug: String,
    pub kind: String,
    pub collection: String,
    pub category: ecrin_core::catalogue::Category,
    pub lead_time_days: Option<i64>,
    pub personalisable: bool,
    pub engraving_max_chars: Option<i64>,
    pub name: Localized,
    pub description: Localized,
    pub listed: bool,
    pub published_from: Option<i64>,
    pub published_until: Option<i64>,
}

/// A variant as the house writes it (its price and stock have their own writes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantWrite {
    pub sku: String,
    pub metal: String,
    pub stone: Option<String>,
    pub size: Option<String>,
    pub weight_grams: i64,
    pub list_price: Option<i64>,
    pub lead_time_days: Option<i64>,
    pub engraving_max_chars: Option<i64>,
    pub personalisable: Option<bool>,
    pub low_stock_threshold: i64,
}

/// A product as the back office shows it, published or not.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct StaffProductRow {
    pub id: String,
    pub slug: String,
    pub position: i64,
    pub kind: String,
    pub collection: String,
    pub category: String,
    pub lead_time_days: Option<i64>,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub personalisable: bool,
    pub engraving_max_chars: Option<i64>,
    pub name_fr: String,
    pub name_en: String,
    pub name_it: String,
    pub description_fr: String,
    pub description_en: String,
    pub description_it: String,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub listed: bool,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub published: bool,
    pub published_from: Option<i64>,
    pub published_until: Option<i64>,
    pub price_from: i64,
    pub stock_units: i64,
    pub created_at: i64,
    pub updated_at: Option<i64>,
}

impl StaffProductRow {
    pub fn name(&self) -> Localized {
        Localized {
            fr: self.name_fr.clone(),
            en: self.name_en.clone(),
            it: self.name_it.clone(),
        }
    }

    pub fn description(&self) -> Localized {
        Localized {
            fr: self.description_fr.clone(),
            en: self.description_en.clone(),
            it: self.description_it.clone(),
        }
    }
}

/// A variant as the back office shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct StaffVariantRow {
    pub sku: String,
    pub product_id: String,
    pub product_slug: String,
    pub position: i64,
    pub metal: String,
    pub stone: Option<String>,
    pub size: Option<String>,
    pub price: i64,
    pub list_price: Option<i64>,
    pub on_hand: i64,
    pub weight_grams: i64,
    pub lead_time_days: Option<i64>,
    pub engraving_max_chars: Option<i64>,
    #[serde(deserialize_with = "crate::rows::int_bool_opt", default)]
    pub personalisable: Option<bool>,
    pub low_stock_threshold: i64,
}

/// CAT-4: a promotional price over a period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Promotion {
    pub id: String,
    pub sku: String,
    pub price: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_by: String,
    pub created_at: i64,
    pub cancelled_at: Option<i64>,
}

/// A product's photograph (its files are under the media folder, named by `hash`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ProductPhoto {
    pub id: String,
    pub product_id: String,
    pub position: i64,
    pub hash: String,
    pub width: i64,
    pub height: i64,
    /// Ascending, comma-separated.
    pub widths: String,
    pub file_name: String,
    pub alt_fr: String,
    pub alt_en: String,
    pub alt_it: String,
    pub created_at: i64,
}

impl ProductPhoto {
    pub fn widths(&self) -> Vec<u32> {
        self.widths
            .split(',')
            .filter_map(|w| w.trim().parse().ok())
            .collect()
    }

    pub fn alt(&self) -> Localized {
        Localized {
            fr: self.alt_fr.clone(),
            en: self.alt_en.clone(),
            it: self.alt_it.clone(),
        }
    }
}

/// A piece in stock at or under its threshold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct LowStock {
    pub sku: String,
    pub product_slug: String,
    pub name_fr: String,
    pub name_en: String,
    pub name_it: String,
    pub on_hand: i64,
    pub low_stock_threshold: i64,
}

#[async_trait]
pub trait Merchandise: Send + Sync {
    /// Every product, published or not, in catalogue order, after `after` (a position).
    async fn staff_products(&self, after: Option<i64>, limit: i64) -> Result<Vec<StaffProductRow>>;

    async fn staff_product(&self, slug: &str) -> Result<Option<StaffProductRow>>;

    /// A product's variants, in their order.
    async fn staff_variants(&self, product_id: &str) -> Result<Vec<StaffVariantRow>>;

    async fn staff_variant(&self, sku: &str) -> Result<Option<StaffVariantRow>>;

    /// CAT-4: a variant's promotions, the latest starting first.
    async fn promotions(&self, sku: &str) -> Result<Vec<Promotion>>;

    /// CAT-7: a variant's price history, oldest first (future prices included).
    async fn price_history(&self, sku: &str) -> Result<Vec<ecrin_core::catalogue::PricePoint>>;

    /// A variant's stock journal, newest first.
    async fn stock_movements(&self, sku: &str, limit: i64) -> Result<Vec<StockMovement>>;

    /// Pieces in stock at or under their threshold, products on sale or not, fewest first.
    async fn low_stock(&self, limit: i64) -> Result<Vec<LowStock>>;

    /// A product's photos, in their order.
    async fn product_photos(&self, product_id: &str) -> Result<Vec<ProductPhoto>>;
}

#[async_trait]
pub trait MerchandiseTx: Send {
    /// A new product, after every other in the catalogue's order, without variants.
    async fn create_product(&mut self, p: &ProductWrite, now_ms: i64) -> Result<()>;

    /// A product's every field but its id; `NotFound` when it does not exist.
    async fn update_product(&mut self, p: &ProductWrite, now_ms: i64) -> Result<()>;

    /// CAT-3: whether a product is on sale at `now_ms`, from its listing and window.
    async fn refresh_publication(&mut self, product_id: &str, now_ms: i64) -> Result<()>;

    /// Replaces a product's search document (folded text).
    async fn set_search_document(&mut self, product_id: &str, document: &str) -> Result<()>;

    /// A new variant of a product, after its others, with its first price and stock.
    async fn create_variant(
        &mut self,
        product_id: &str,
        v: &VariantWrite,
        price: i64,
        on_hand: i64,
        now_ms: i64,
    ) -> Result<()>;

    async fn update_variant(&mut self, v: &VariantWrite) -> Result<()>;

    /// A collection, created or renamed.
    async fn upsert_collection(&mut self, c: &Reference) -> Result<()>;

    /// CAT-7: the price a variant carries from `from_ms` (replacing one set at that instant).
    async fn put_price_point(&mut self, sku: &str, price: i64, from_ms: i64) -> Result<()>;

    async fn delete_price_point(&mut self, sku: &str, from_ms: i64) -> Result<()>;

    /// CAT-4: the variant's price becomes its history's price in force at `now_ms`; the
    /// price now charged, `None` for an unknown SKU.
    async fn apply_price_in_force(&mut self, sku: &str, now_ms: i64) -> Result<Option<i64>>;

    async fn insert_promotion(&mut self, p: &Promotion) -> Result<()>;

    async fn cancel_promotion(&mut self, id: &str, now_ms: i64) -> Result<bool>;

    /// A variant's promotions, in this transaction.
    async fn promotions_in_tx(&mut self, sku: &str) -> Result<Vec<Promotion>>;

    /// A photo after the product's others (`position` is given by the store).
    async fn insert_photo(&mut self, p: &ProductPhoto) -> Result<()>;
}

#[async_trait]
impl<E: Engine> Merchandise for E {
    async fn staff_products(&self, after: Option<i64>, limit: i64) -> Result<Vec<StaffProductRow>> {
        query_as(STAFF_PRODUCTS)
            .bind(after.unwrap_or(i64::MIN))
            .bind(limit)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn staff_product(&self, slug: &str) -> Result<Option<StaffProductRow>> {
        query_as(STAFF_PRODUCT)
            .bind(slug)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn staff_variants(&self, product_id: &str) -> Result<Vec<StaffVariantRow>> {
        query_as(format!(
            "{STAFF_VARIANTS} WHERE v.product_id = $1 ORDER BY v.position"
        ))
        .bind(product_id)
        .fetch_all(&mut self.reader().await?)
        .await
    }

    async fn staff_variant(&self, sku: &str) -> Result<Option<StaffVariantRow>> {
        query_as(format!("{STAFF_VARIANTS} WHERE v.sku = $1"))
            .bind(sku)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn promotions(&self, sku: &str) -> Result<Vec<Promotion>> {
        promotions_of(&mut self.reader().await?, sku).await
    }

    async fn price_history(&self, sku: &str) -> Result<Vec<ecrin_core::catalogue::PricePoint>> {
        let rows: Vec<PricePointRow> = query_as(
            "SELECT sku, price, from_ms FROM price_history WHERE sku = $1 ORDER BY from_ms",
        )
        .bind(sku)
        .fetch_all(&mut self.reader().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| ecrin_core::catalogue::PricePoint {
                price: r.price,
                from_ms: r.from_ms,
            })
            .collect())
    }

    async fn stock_movements(&self, sku: &str, limit: i64) -> Result<Vec<StockMovement>> {
        query_as(STOCK_MOVEMENTS)
            .bind(sku)
            .bind(limit)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn low_stock(&self, limit: i64) -> Result<Vec<LowStock>> {
        query_as(LOW_STOCK)
            .bind(limit)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn product_photos(&self, product_id: &str) -> Result<Vec<ProductPhoto>> {
        query_as(
            "SELECT id, product_id, position, hash, width, height, widths, file_name, alt_fr, \
             alt_en, alt_it, created_at FROM product_photos WHERE product_id = $1 \
             ORDER BY position",
        )
        .bind(product_id)
        .fetch_all(&mut self.reader().await?)
        .await
    }
}

#[async_trait]
impl<W: Writer> MerchandiseTx for W {
    async fn create_product(&mut self, p: &ProductWrite, now_ms: i64) -> Result<()> {
        product_args(query(CREATE_PRODUCT), p, now_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn update_product(&mut self, p: &ProductWrite, now_ms: i64) -> Result<()> {
        let done = product_args(query(UPDATE_PRODUCT), p, now_ms)
            .execute(&mut *self)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn refresh_publication(&mut self, product_id: &str, now_ms: i64) -> Result<()> {
        query(REFRESH_PUBLICATION)
            .bind(product_id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn set_search_document(&mut self, product_id: &str, document: &str) -> Result<()> {
        query("DELETE FROM product_search WHERE product_id = $1")
            .bind(product_id)
            .execute(&mut *self)
            .await?;
        let insert = match self.dialect() {
            Dialect::Sqlite => "INSERT INTO product_search (product_id, document) VALUES ($1, $2)",
            Dialect::Postgres => {
                "INSERT INTO product_search (product_id, document) VALUES ($1, to_tsvector('simple', $2))"
            }
        };
        query(insert)
            .bind(product_id)
            .bind(document)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn create_variant(
        &mut self,
        product_id: &str,
        v: &VariantWrite,
        price: i64,
        on_hand: i64,
        now_ms: i64,
    ) -> Result<()> {
        query(CREATE_VARIANT)
            .bind(&v.sku)
            .bind(product_id)
            .bind(&v.metal)
            .bind(&v.stone)
            .bind(&v.size)
            .bind(price)
            .bind(v.list_price)
            .bind(on_hand)
            .bind(v.weight_grams)
            .bind(v.lead_time_days)
            .bind(v.engraving_max_chars)
            .bind(v.low_stock_threshold)
            .bind(v.personalisable)
            .execute(&mut *self)
            .await?;
        self.put_price_point(&v.sku, price, now_ms).await
    }

    async fn update_variant(&mut self, v: &VariantWrite) -> Result<()> {
        let done = query(UPDATE_VARIANT)
            .bind(&v.sku)
            .bind(&v.metal)
            .bind(&v.stone)
            .bind(&v.size)
            .bind(v.weight_grams)
            .bind(v.list_price)
            .bind(v.lead_time_days)
            .bind(v.engraving_max_chars)
            .bind(v.low_stock_threshold)
            .bind(v.personalisable)
            .execute(&mut *self)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn upsert_collection(&mut self, c: &Reference) -> Result<()> {
        query(UPSERT_COLLECTION)
            .bind(&c.slug)
            .bind(&c.name.fr)
            .bind(&c.name.en)
            .bind(&c.name.it)
            .bind(&c.description.fr)
            .bind(&c.description.en)
            .bind(&c.description.it)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn put_price_point(&mut self, sku: &str, price: i64, from_ms: i64) -> Result<()> {
        query(INSERT_PRICE_POINT)
            .bind(sku)
            .bind(price)
            .bind(from_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn delete_price_point(&mut self, sku: &str, from_ms: i64) -> Result<()> {
        query("DELETE FROM price_history WHERE sku = $1 AND from_ms = $2")
            .bind(sku)
            .bind(from_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn apply_price_in_force(&mut self, sku: &str, now_ms: i64) -> Result<Option<i64>> {
        query_scalar(APPLY_PRICE_IN_FORCE)
            .bind(sku)
            .bind(now_ms)
            .fetch_optional(&mut *self)
            .await
    }

    async fn insert_promotion(&mut self, p: &Promotion) -> Result<()> {
        query(
            "INSERT INTO promotions (id, sku, price, starts_at, ends_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&p.id)
        .bind(&p.sku)
        .bind(p.price)
        .bind(p.starts_at)
        .bind(p.ends_at)
        .bind(&p.created_by)
        .bind(p.created_at)
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn cancel_promotion(&mut self, id: &str, now_ms: i64) -> Result<bool> {
        let done =
            query("UPDATE promotions SET cancelled_at = $2 WHERE id = $1 AND cancelled_at IS NULL")
                .bind(id)
                .bind(now_ms)
                .execute(&mut *self)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn promotions_in_tx(&mut self, sku: &str) -> Result<Vec<Promotion>> {
        promotions_of(&mut *self, sku).await
    }

    async fn insert_photo(&mut self, p: &ProductPhoto) -> Result<()> {
        query(
            "INSERT INTO product_photos (id, product_id, position, hash, width, height, widths, \
             file_name, alt_fr, alt_en, alt_it, created_at) \
             SELECT $1, $2, COALESCE(MAX(position), -1) + 1, $3, $4, $5, $6, $7, $8, $9, $10, $11 \
             FROM product_photos WHERE product_id = $2",
        )
        .bind(&p.id)
        .bind(&p.product_id)
        .bind(&p.hash)
        .bind(p.width)
        .bind(p.height)
        .bind(&p.widths)
        .bind(&p.file_name)
        .bind(&p.alt_fr)
        .bind(&p.alt_en)
        .bind(&p.alt_it)
        .bind(p.created_at)
        .execute(&mut *self)
        .await?;
        Ok(())
    }
}

/// A product's fields in the order both its statements take them (`$1` … `$18`).
fn product_args(q: Query, p: &ProductWrite, now_ms: i64) -> Query {
    q.bind(&p.id)
        .bind(&p.slug)
        .bind(&p.kind)
        .bind(&p.collection)
        .bind(p.category.as_str())
        .bind(p.lead_time_days)
        .bind(p.personalisable)
        .bind(p.engraving_max_chars)
        .bind(&p.name.fr)
        .bind(&p.name.en)
        .bind(&p.name.it)
        .bind(&p.description.fr)
        .bind(&p.description.en)
        .bind(&p.description.it)
        .bind(p.listed)
        .bind(p.published_from)
        .bind(p.published_until)
        .bind(now_ms)
}

async fn promotions_of(conn: &mut impl Exec, sku: &str) -> Result<Vec<Promotion>> {
    query_as(
        "SELECT id, sku, price, starts_at, ends_at, created_by, created_at, cancelled_at \
         FROM promotions WHERE sku = $1 ORDER BY starts_at DESC",
    )
    .bind(sku)
    .fetch_all(conn)
    .await
}

/// Records a movement of `delta` units leaving `on_hand`.
pub(crate) async fn record_movement(
    conn: &mut impl Exec,
    sku: &str,
    delta: i64,
    on_hand: i64,
    why: &StockMove<'_>,
) -> Result<()> {
    if delta == 0 {
        return Ok(());
    }
    query(
        "INSERT INTO stock_movements (sku, delta, on_hand, reason, reference, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(sku)
    .bind(delta)
    .bind(on_hand)
    .bind(why.reason)
    .bind(why.reference)
    .bind(why.at_ms)
    .execute(conn)
    .await?;
    Ok(())
}

macro_rules! product_columns {
    () => {
        "SELECT id, slug, position, kind, collection, category, lead_time_days, \
         personalisable, engraving_max_chars, name_fr, name_en, name_it, description_fr, \
         description_en, description_it, listed, published, published_from, published_until, \
         price_from, stock_units, created_at, updated_at FROM products"
    };
}

const STAFF_PRODUCTS: &str = concat!(
    product_columns!(),
    " WHERE position > $1 ORDER BY position LIMIT $2"
);

const STAFF_PRODUCT: &str = concat!(product_columns!(), " WHERE slug = $1");

const STAFF_VARIANTS: &str = "SELECT v.sku, v.product_id, p.slug AS product_slug, v.position, \
     v.metal, v.stone, v.size, v.price, v.list_price, v.on_hand, v.weight_grams, \
     v.lead_time_days, v.engraving_max_chars, v.personalisable, v.low_stock_threshold \
     FROM variants v JOIN products p ON p.id = v.product_id";

const CREATE_PRODUCT: &str = "INSERT INTO products (id, slug, position, kind, collection, \
     category, lead_time_days, personalisable, engraving_max_chars, name_fr, name_en, name_it, \
     description_fr, description_en, description_it, listed, published_from, published_until, \
     published, created_at, updated_at) \
     SELECT $1, $2, COALESCE(MAX(position), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
     $13, $14, $15, $16, $17, FALSE, $18, $18 FROM products";

const UPDATE_PRODUCT: &str = "UPDATE products SET slug = $2, kind = $3, collection = $4, \
     category = $5, lead_time_days = $6, personalisable = $7, engraving_max_chars = $8, \
     name_fr = $9, name_en = $10, name_it = $11, description_fr = $12, description_en = $13, \
     description_it = $14, listed = $15, published_from = $16, published_until = $17, \
     updated_at = $18 WHERE id = $1";

const REFRESH_PUBLICATION: &str = "UPDATE products SET published = (listed = TRUE \
     AND (published_from IS NULL OR published_from <= $2) \
     AND (published_until IS NULL OR published_until > $2)) WHERE id = $1";

const CREATE_VARIANT: &str = "INSERT INTO variants (sku, product_id, position, metal, stone, \
     size, price, list_price, on_hand, weight_grams, lead_time_days, engraving_max_chars, \
     low_stock_threshold, personalisable) \
     SELECT $1, $2, COALESCE(MAX(position), -1) + 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
     $13 \
     FROM variants WHERE product_id = $2";

const UPDATE_VARIANT: &str = "UPDATE variants SET metal = $2, stone = $3, size = $4, \
     weight_grams = $5, list_price = $6, lead_time_days = $7, engraving_max_chars = $8, \
     low_stock_threshold = $9, personalisable = $10 WHERE sku = $1";

const UPSERT_COLLECTION: &str = "INSERT INTO collections (slug, position, name_fr, name_en, \
     name_it, description_fr, description_en, description_it) \
     SELECT $1, COALESCE(MAX(position), 0) + 1, $2, $3, $4, $5, $6, $7 FROM collections \
     WHERE TRUE ON CONFLICT (slug) DO UPDATE SET name_fr = excluded.name_fr, name_en = excluded.name_en, \
     name_it = excluded.name_it, description_fr = excluded.description_fr, \
     description_en = excluded.description_en, description_it = excluded.description_it";

const APPLY_PRICE_IN_FORCE: &str = "UPDATE variants SET price = COALESCE((SELECT h.price \
     FROM price_history h WHERE h.sku = $1 AND h.from_ms <= $2 ORDER BY h.from_ms DESC LIMIT 1), \
     price) WHERE sku = $1 RETURNING price";

const STOCK_MOVEMENTS: &str = "SELECT m.sku, m.delta, m.on_hand, m.reason, m.reference, \
     o.number AS order_number, s.email AS staff_email, m.at FROM stock_movements m \
     LEFT JOIN orders o ON o.id = m.reference LEFT JOIN staff s ON s.id = m.reference \
     WHERE m.sku = $1 ORDER BY m.id DESC LIMIT $2";

const LOW_STOCK: &str = "SELECT v.sku, p.slug AS product_slug, p.name_fr, p.name_en, p.name_it, \
     v.on_hand, v.low_stock_threshold FROM variants v JOIN products p ON p.id = v.product_id \
     WHERE p.category = 'in_stock' AND p.listed = TRUE AND v.on_hand <= v.low_stock_threshold \
     ORDER BY v.on_hand, v.sku LIMIT $1";
