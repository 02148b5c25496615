use crate::exec::{Engine, Writer, query, query_as, query_scalar};
use crate::*;

#[async_trait]
pub trait Baskets: Send + Sync {
    /// BSK-4: the customer's basket, if they have one.
    async fn basket_of(&self, owner: &BasketOwner) -> Result<Option<StoredBasket>>;

    /// The same, with the catalogue's version read in the same statement (also when the
    /// customer has no basket).
    async fn basket_and_catalogue_version(
        &self,
        owner: &BasketOwner,
    ) -> Result<(Option<StoredBasket>, Option<i64>)>;
}

#[async_trait]
pub trait BasketsTx: Send {
    /// The basket as this transaction sees it (with SQLite's single writer, the latest).
    async fn basket_of(&mut self, owner: &BasketOwner) -> Result<Option<StoredBasket>>;

    /// Saves a basket: creates it when `version` is 0, else only if it is still at
    /// `version` (compare-and-set); `false` when another request changed it first.
    async fn save_basket(&mut self, basket: &StoredBasket, now_ms: i64) -> Result<bool>;

    async fn delete_basket(&mut self, id: &str) -> Result<()>;

    /// When the basket `id` last had a piece added: `None` when there is no such basket,
    /// `Some(None)` when nothing was ever added to it.
    async fn basket_added_at(&mut self, id: &str) -> Result<Option<Option<i64>>>;
}

#[async_trait]
impl<E: Engine> Baskets for E {
    async fn basket_of(&self, owner: &BasketOwner) -> Result<Option<StoredBasket>> {
        Ok(self.basket_and_catalogue_version(owner).await?.0)
    }

    async fn basket_and_catalogue_version(
        &self,
        owner: &BasketOwner,
    ) -> Result<(Option<StoredBasket>, Option<i64>)> {
        let (sql, key) = match owner {
            BasketOwner::Customer(id) => (sql::basket_of_customer(), id),
            BasketOwner::Session(h) => (sql::basket_of_session(), h),
        };
        let rows: Vec<sql::BasketJoinRow> = query_as(sql)
            .bind(key)
            .fetch_all(&mut self.reader().await?)
            .await?;
        let version = sql::catalogue_version_of(&rows);
        Ok((sql::into_basket(rows), version))
    }
}

#[async_trait]
impl<W: Writer> BasketsTx for W {
    async fn basket_of(&mut self, owner: &BasketOwner) -> Result<Option<StoredBasket>> {
        let (sql, key) = match owner {
            BasketOwner::Customer(id) => (sql::basket_of_customer(), id),
            BasketOwner::Session(h) => (sql::basket_of_session(), h),
        };
        let rows: Vec<sql::BasketJoinRow> = query_as(sql).bind(key).fetch_all(&mut *self).await?;
        Ok(sql::into_basket(rows))
    }

    async fn save_basket(&mut self, b: &StoredBasket, now_ms: i64) -> Result<bool> {
        use sql;
        if b.version == 0 {
            query(sql::INSERT_BASKET)
                .bind(&b.id)
                .bind(b.owner.customer_id())
                .bind(b.owner.session_hash())
                .bind(b.basket.last_added_ms)
                .bind(now_ms)
                .execute(&mut *self)
                .await?;
        } else {
            let done = query(sql::UPDATE_BASKET)
                .bind(&b.id)
                .bind(b.version)
                .bind(b.basket.last_added_ms)
                .bind(now_ms)
                .execute(&mut *self)
                .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
        }
        // Only the difference with what the database holds is written: an addition
        // is one insert or one update.
        let before = if b.version == 0 {
            &[][..]
        } else {
            &b.stored_lines[..]
        };
        for old in before {
            if !b.basket.lines.iter().any(|l| l.id == old.id) {
                query(sql::DELETE_BASKET_LINE)
                    .bind(&old.id)
                    .bind(&b.id)
                    .execute(&mut *self)
                    .await?;
            }
        }
        for (position, l) in b.basket.lines.iter().enumerate() {
            let was = before.iter().position(|o| o.id == l.id);
            let sql = match was {
                None => sql::INSERT_BASKET_LINE,
                Some(i) if i == position && before[i] == *l => continue,
                Some(_) => sql::UPDATE_BASKET_LINE,
            };
            let query = query(sql).bind(&l.id).bind(&b.id).bind(position as i64);
            let query = if was.is_none() {
                query.bind(&l.sku)
            } else {
                query
            };
            query
                .bind(i64::from(l.quantity))
                .bind(&l.personalisation)
                .execute(&mut *self)
                .await?;
        }
        Ok(true)
    }

    async fn delete_basket(&mut self, id: &str) -> Result<()> {
        for sql in [sql::DELETE_BASKET_LINES, sql::DELETE_BASKET] {
            query(sql).bind(id).execute(&mut *self).await?;
        }
        Ok(())
    }

    async fn basket_added_at(&mut self, id: &str) -> Result<Option<Option<i64>>> {
        query_scalar(sql::BASKET_ADDED_AT)
            .bind(id)
            .fetch_optional(&mut *self)
            .await
    }
}
