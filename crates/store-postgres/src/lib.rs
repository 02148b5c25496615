//! Écrin's storage on PostgreSQL: a pool of connections; PostgreSQL groups commits
//! itself. Several `ecrin serve` processes may share one database.
#![forbid(unsafe_code)]

use async_trait::async_trait;
use ecrin_core::query::CatalogueQuery;
use ecrin_store::sql::{self, Arg, Dialect};
use ecrin_store::*;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions};
use sqlx::{Arguments, AssertSqlSafe, PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

fn db(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && matches!(
            d.kind(),
            sqlx::error::ErrorKind::UniqueViolation | sqlx::error::ErrorKind::ForeignKeyViolation
        )
    {
        let constraint = d.constraint().unwrap_or_default().to_owned();
        return StoreError::Constraint { constraint };
    }
    StoreError::database(e)
}

impl PgStore {
    /// Connects to `url` (`postgres://…`) and applies the migrations.
    pub async fn open(url: &str) -> Result<PgStore> {
        let options = PgConnectOptions::from_str(url).map_err(db)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(db)?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(PgStore { pool })
    }
}

fn args(list: &[Arg]) -> Result<PgArguments> {
    let mut a = PgArguments::default();
    for arg in list {
        match arg {
            Arg::Text(s) => a.add(s.clone()),
            Arg::Int(n) => a.add(*n),
        }
        .map_err(StoreError::Database)?;
    }
    Ok(a)
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn catalogue_version(&self) -> Result<i64> {
        sqlx::query_scalar(sql::CATALOGUE_VERSION)
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }

    async fn count_products(&self) -> Result<i64> {
        sqlx::query_scalar(sql::COUNT_PRODUCTS)
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }

    async fn list_products(&self, query: &CatalogueQuery) -> Result<ProductPage> {
        let list = sql::list_products(query, Dialect::Postgres);
        let facets = sql::facets(query, Dialect::Postgres);
        let rows: Vec<sql::SummaryRow> =
            sqlx::query_as_with(AssertSqlSafe(list.sql), args(&list.args)?)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        let facet_rows: Vec<sql::FacetRow> =
            sqlx::query_as_with(AssertSqlSafe(facets.sql), args(&facets.args)?)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        Ok(sql::into_page(rows, query.page_size, facet_rows))
    }

    async fn product_by_slug(&self, slug: &str) -> Result<Option<ProductDetail>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let product: Option<sql::ProductRow> = sqlx::query_as(sql::PRODUCT_BY_SLUG)
            .bind(slug)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        let Some(product) = product else {
            return Ok(None);
        };
        let variants: Vec<sql::VariantRow> = sqlx::query_as(sql::VARIANTS_OF_PRODUCT)
            .bind(&product.id)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        let prices: Vec<sql::PricePointRow> = sqlx::query_as(sql::PRICE_HISTORY_OF_PRODUCT)
            .bind(&product.id)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        Ok(Some(sql::into_detail(product, variants, prices)))
    }

    async fn collections(&self) -> Result<Vec<Reference>> {
        references(&self.pool, sql::COLLECTIONS).await
    }

    async fn materials(&self) -> Result<Vec<Reference>> {
        references(&self.pool, sql::MATERIALS).await
    }

    async fn stones(&self) -> Result<Vec<Reference>> {
        references(&self.pool, sql::STONES).await
    }

    async fn terms_in_force(&self, at_ms: i64) -> Result<Option<TermsVersion>> {
        let row: Option<sql::TermsRow> = sqlx::query_as(sql::TERMS_IN_FORCE)
            .bind(at_ms)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        Ok(row.map(Into::into))
    }

    async fn begin(&self) -> Result<Box<dyn Tx>> {
        let tx = self.pool.begin().await.map_err(db)?;
        Ok(Box::new(PgTx { tx }))
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

async fn references(pool: &PgPool, query: &'static str) -> Result<Vec<Reference>> {
    let rows: Vec<sql::ReferenceRow> = sqlx::query_as(query).fetch_all(pool).await.map_err(db)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

struct PgTx {
    tx: Transaction<'static, Postgres>,
}

impl PgTx {
    async fn insert_reference(&mut self, query: &'static str, r: &Reference) -> Result<()> {
        sqlx::query(query)
            .bind(&r.slug)
            .bind(r.position)
            .bind(&r.name.fr)
            .bind(&r.name.en)
            .bind(&r.name.it)
            .bind(&r.description.fr)
            .bind(&r.description.en)
            .bind(&r.description.it)
            .execute(&mut *self.tx)
            .await
            .map_err(db)?;
        Ok(())
    }
}

#[async_trait]
impl Tx for PgTx {
    async fn insert_collection(&mut self, c: &Reference) -> Result<()> {
        self.insert_reference(sql::INSERT_COLLECTION, c).await
    }

    async fn insert_material(&mut self, m: &Reference) -> Result<()> {
        self.insert_reference(sql::INSERT_MATERIAL, m).await
    }

    async fn insert_stone(&mut self, s: &Reference) -> Result<()> {
        self.insert_reference(sql::INSERT_STONE, s).await
    }

    async fn insert_product(&mut self, p: &NewProduct, now_ms: i64) -> Result<()> {
        sqlx::query(sql::INSERT_PRODUCT)
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
            .execute(&mut *self.tx)
            .await
            .map_err(db)?;
        for (position, v) in p.variants.iter().enumerate() {
            sqlx::query(sql::INSERT_VARIANT)
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
                .execute(&mut *self.tx)
                .await
                .map_err(db)?;
            sqlx::query(sql::INSERT_PRICE_POINT)
                .bind(&v.sku)
                .bind(v.price)
                .bind(now_ms)
                .execute(&mut *self.tx)
                .await
                .map_err(db)?;
        }
        sqlx::query(
            "INSERT INTO product_search (product_id, document) VALUES ($1, to_tsvector('simple', $2))",
        )
        .bind(&p.id)
        .bind(sql::search_document(p))
        .execute(&mut *self.tx)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn set_price(
        &mut self,
        sku: &str,
        price: i64,
        list_price: Option<i64>,
        from_ms: i64,
    ) -> Result<()> {
        let done = sqlx::query(sql::UPDATE_PRICE)
            .bind(sku)
            .bind(price)
            .bind(list_price)
            .execute(&mut *self.tx)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query(sql::INSERT_PRICE_POINT)
            .bind(sku)
            .bind(price)
            .bind(from_ms)
            .execute(&mut *self.tx)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn set_stock(&mut self, sku: &str, on_hand: i64) -> Result<()> {
        let done = sqlx::query(sql::UPDATE_STOCK)
            .bind(sku)
            .bind(on_hand)
            .execute(&mut *self.tx)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn insert_terms_version(&mut self, t: &TermsVersion) -> Result<()> {
        sqlx::query(sql::INSERT_TERMS_VERSION)
            .bind(&t.version)
            .bind(t.effective_from_ms)
            .bind(t.published_at_ms)
            .bind(&t.body.fr)
            .bind(&t.body.en)
            .bind(&t.body.it)
            .execute(&mut *self.tx)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn bump_catalogue_version(&mut self) -> Result<()> {
        sqlx::query(sql::BUMP_CATALOGUE_VERSION)
            .execute(&mut *self.tx)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        self.tx.commit().await.map_err(db)
    }
}
