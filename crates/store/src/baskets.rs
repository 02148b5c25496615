//! Baskets (BSK-1 … BSK-5): a customer's or a visitor's, saved line by line with a version
//! so that two tabs never overwrite each other.

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
            BasketOwner::Customer(id) => (basket_of_customer(), id),
            BasketOwner::Session(h) => (basket_of_session(), h),
        };
        let rows: Vec<BasketJoinRow> = query_as(sql)
            .bind(key)
            .fetch_all(&mut self.reader().await?)
            .await?;
        let version = catalogue_version_of(&rows);
        Ok((into_basket(rows), version))
    }
}

#[async_trait]
impl<W: Writer> BasketsTx for W {
    async fn basket_of(&mut self, owner: &BasketOwner) -> Result<Option<StoredBasket>> {
        let (sql, key) = match owner {
            BasketOwner::Customer(id) => (basket_of_customer(), id),
            BasketOwner::Session(h) => (basket_of_session(), h),
        };
        let rows: Vec<BasketJoinRow> = query_as(sql).bind(key).fetch_all(&mut *self).await?;
        Ok(into_basket(rows))
    }

    async fn save_basket(&mut self, b: &StoredBasket, now_ms: i64) -> Result<bool> {
        if b.version == 0 {
            query(INSERT_BASKET)
                .bind(&b.id)
                .bind(b.owner.customer_id())
                .bind(b.owner.session_hash())
                .bind(b.basket.last_added_ms)
                .bind(now_ms)
                .execute(&mut *self)
                .await?;
        } else {
            let done = query(UPDATE_BASKET)
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
                query(DELETE_BASKET_LINE)
                    .bind(&old.id)
                    .bind(&b.id)
                    .execute(&mut *self)
                    .await?;
            }
        }
        for (position, l) in b.basket.lines.iter().enumerate() {
            let was = before.iter().position(|o| o.id == l.id);
            let sql = match was {
                None => INSERT_BASKET_LINE,
                Some(i) if i == position && before[i] == *l => continue,
                Some(_) => UPDATE_BASKET_LINE,
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
        for sql in [DELETE_BASKET_LINES, DELETE_BASKET] {
            query(sql).bind(id).execute(&mut *self).await?;
        }
        Ok(())
    }

    async fn basket_added_at(&mut self, id: &str) -> Result<Option<Option<i64>>> {
        query_scalar(BASKET_ADDED_AT)
            .bind(id)
            .fetch_optional(&mut *self)
            .await
    }
}

pub fn basket_of_customer() -> String {
    basket_with_lines("customer_id")
}

pub fn basket_of_session() -> String {
    basket_with_lines("session_hash")
}

pub const DELETE_BASKET: &str = "DELETE FROM baskets WHERE id = $1";

/// BSK-3: when a basket last had a piece added (none: it never had one).
pub const BASKET_ADDED_AT: &str = "SELECT last_added_at FROM baskets WHERE id = $1";

pub const INSERT_BASKET: &str = "INSERT INTO baskets (id, customer_id, session_hash, version, \
     last_added_at, updated_at) VALUES ($1, $2, $3, 1, $4, $5)";

/// Compare-and-set: the row count says whether the basket was still at `$2`.
pub const UPDATE_BASKET: &str = "UPDATE baskets SET version = version + 1, last_added_at = $3, \
     updated_at = $4 WHERE id = $1 AND version = $2";

pub const DELETE_BASKET_LINES: &str = "DELETE FROM basket_lines WHERE basket_id = $1";

pub const DELETE_BASKET_LINE: &str = "DELETE FROM basket_lines WHERE id = $1 AND basket_id = $2";

pub const UPDATE_BASKET_LINE: &str = "UPDATE basket_lines SET position = $3, quantity = $4, \
     personalisation = $5 WHERE id = $1 AND basket_id = $2";

pub const INSERT_BASKET_LINE: &str = "INSERT INTO basket_lines (id, basket_id, position, sku, quantity, \
     personalisation) VALUES ($1, $2, $3, $4, $5, $6)";

/// The catalogue's version read with a basket's rows (none if the rows are missing, which
/// the query's one row of `meta` rules out).
pub fn catalogue_version_of(rows: &[BasketJoinRow]) -> Option<i64> {
    rows.first().map(|r| r.catalogue_version)
}

/// The basket of the joined rows, if any.
pub fn into_basket(rows: Vec<BasketJoinRow>) -> Option<StoredBasket> {
    let first = rows.first()?;
    let owner = match (&first.customer_id, &first.session_hash) {
        (Some(c), _) => BasketOwner::Customer(c.clone()),
        (None, s) => BasketOwner::Session(s.clone().unwrap_or_default()),
    };
    let (id, version, last_added_ms) = (first.id.clone()?, first.version?, first.last_added_at);
    let catalogue_version = Some(first.catalogue_version);
    let lines: Vec<ecrin_core::basket::Line> = rows
        .into_iter()
        .filter_map(|r| {
            Some(ecrin_core::basket::Line {
                id: r.line_id?,
                sku: r.sku?,
                quantity: u32::try_from(r.quantity?).unwrap_or(0),
                personalisation: r.personalisation,
            })
        })
        .collect();
    Some(StoredBasket {
        id,
        owner,
        version,
        catalogue_version,
        basket: ecrin_core::basket::Basket {
            lines: lines.clone(),
            last_added_ms,
        },
        stored_lines: lines,
    })
}

/// A basket and its lines in one query, with the catalogue's version as read in the same
/// statement, for the variant cache: one row per line; a basket without lines, one row
/// of NULL line columns; no basket, one row of NULLs but for the version.
fn basket_with_lines(owner_column: &str) -> String {
    format!(
        "SELECT b.id, b.customer_id, b.session_hash, b.version, b.last_added_at, \
         l.id AS line_id, l.sku, l.quantity, l.personalisation, m.value AS catalogue_version \
         FROM meta m LEFT JOIN baskets b ON b.{owner_column} = $1 \
         LEFT JOIN basket_lines l ON l.basket_id = b.id \
         WHERE m.key = 'catalogue_version' ORDER BY l.position"
    )
}

#[derive(Debug, serde::Deserialize)]
pub struct BasketJoinRow {
    pub id: Option<String>,
    pub customer_id: Option<String>,
    pub session_hash: Option<String>,
    pub version: Option<i64>,
    pub last_added_at: Option<i64>,
    pub line_id: Option<String>,
    pub sku: Option<String>,
    pub quantity: Option<i64>,
    pub personalisation: Option<String>,
    pub catalogue_version: i64,
}
