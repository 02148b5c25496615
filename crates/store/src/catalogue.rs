use crate::exec::{Engine, Exec, Writer, query, query_as, query_as_with, query_scalar};
use crate::sql::Dialect;
use crate::*;
use ecrin_core::query::CatalogueQuery;

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

    async fn set_stock(&mut self, sku: &str, on_hand: i64) -> Result<()>;

    /// PAY-5: takes `quantity` units if that many remain: the units left, or `None`.
    async fn reserve_stock(&mut self, sku: &str, quantity: i64) -> Result<Option<i64>>;

    /// PAY-5: gives back `quantity` units: the units now on hand.
    async fn release_stock(&mut self, sku: &str, quantity: i64) -> Result<i64>;

    /// Marks the catalogue as changed for every process's caches.
    async fn bump_catalogue_version(&mut self) -> Result<()>;
}

#[async_trait]
impl<E: Engine> Catalogue for E {
    async fn catalogue_version(&self) -> Result<i64> {
        query_scalar(sql::CATALOGUE_VERSION)
            .fetch_one(&mut self.reader().await?)
            .await
    }

    async fn count_products(&self) -> Result<i64> {
        query_scalar(sql::COUNT_PRODUCTS)
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
        read_references(&mut self.reader().await?, sql::COLLECTIONS).await
    }

    async fn materials(&self) -> Result<Vec<Reference>> {
        read_references(&mut self.reader().await?, sql::MATERIALS).await
    }

    async fn stones(&self) -> Result<Vec<Reference>> {
        read_references(&mut self.reader().await?, sql::STONES).await
    }

    async fn variant_info(&self, sku: &str) -> Result<Option<VariantInfo>> {
        let row: Option<sql::VariantInfoRow> = query_as(sql::VARIANTS_BY_SKU)
            .bind(sku)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn variants_info(&self, skus: &[String]) -> Result<Vec<VariantInfo>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let sql = sql::variants_by_skus(skus.len());
        let mut query = query_as(sql);
        for sku in skus {
            query = query.bind(sku.clone());
        }
        let rows: Vec<sql::VariantInfoRow> = query.fetch_all(&mut self.reader().await?).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

#[async_trait]
impl<W: Writer> CatalogueTx for W {
    async fn insert_collection(&mut self, c: &Reference) -> Result<()> {
        insert_reference(&mut *self, sql::INSERT_COLLECTION, c).await
    }

    async fn insert_material(&mut self, m: &Reference) -> Result<()> {
        insert_reference(&mut *self, sql::INSERT_MATERIAL, m).await
    }

    async fn insert_stone(&mut self, s: &Reference) -> Result<()> {
        insert_reference(&mut *self, sql::INSERT_STONE, s).await
    }

    async fn insert_product(&mut self, p: &NewProduct, now_ms: i64) -> Result<()> {
        use sql;
        query(sql::INSERT_PRODUCT)
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
            query(sql::INSERT_VARIANT)
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
            .bind(sql::search_document(p))
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
        let done = query(sql::UPDATE_PRICE)
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

    async fn set_stock(&mut self, sku: &str, on_hand: i64) -> Result<()> {
        let done = query(sql::UPDATE_STOCK)
            .bind(sku)
            .bind(on_hand)
            .execute(&mut *self)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn reserve_stock(&mut self, sku: &str, quantity: i64) -> Result<Option<i64>> {
        query_scalar(sql::RESERVE_STOCK)
            .bind(sku)
            .bind(quantity)
            .fetch_optional(&mut *self)
            .await
    }

    async fn release_stock(&mut self, sku: &str, quantity: i64) -> Result<i64> {
        query_scalar(sql::RELEASE_STOCK)
            .bind(sku)
            .bind(quantity)
            .fetch_optional(&mut *self)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn bump_catalogue_version(&mut self) -> Result<()> {
        query(sql::BUMP_CATALOGUE_VERSION)
            .execute(&mut *self)
            .await?;
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
    let list = sql::list_products(query, conn.dialect());
    let facets = sql::facets(query, conn.dialect());
    let rows: Vec<sql::SummaryRow> = query_as_with(list.sql, list.args).fetch_all(conn).await?;
    let facet_rows: Vec<sql::FacetRow> = query_as_with(facets.sql, facets.args)
        .fetch_all(conn)
        .await?;
    Ok(sql::into_page(rows, query.page_size, facet_rows))
}

async fn read_product_by_slug(conn: &mut impl Exec, slug: &str) -> Result<Option<ProductDetail>> {
    let product: Option<sql::ProductRow> = query_as(sql::PRODUCT_BY_SLUG)
        .bind(slug)
        .fetch_optional(conn)
        .await?;
    let Some(product) = product else {
        return Ok(None);
    };
    let variants: Vec<sql::VariantRow> = query_as(sql::VARIANTS_OF_PRODUCT)
        .bind(&product.id)
        .fetch_all(conn)
        .await?;
    let prices: Vec<sql::PricePointRow> = query_as(sql::PRICE_HISTORY_OF_PRODUCT)
        .bind(&product.id)
        .fetch_all(conn)
        .await?;
    Ok(Some(sql::into_detail(product, variants, prices)))
}

async fn read_references(conn: &mut impl Exec, sql: &'static str) -> Result<Vec<Reference>> {
    let rows: Vec<sql::ReferenceRow> = query_as(sql).fetch_all(conn).await?;
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
    query(sql::INSERT_PRICE_POINT)
        .bind(sku)
        .bind(price)
        .bind(from_ms)
        .execute(conn)
        .await?;
    Ok(())
}
