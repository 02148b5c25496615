//! Écrin's storage on PostgreSQL: a pool of connections; PostgreSQL groups commits
//! itself. Several `ecrin serve` processes may share one database.
#![forbid(unsafe_code)]

use ecrin_store::sql::{Arg, Dialect};
use ecrin_store::*;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions};
use sqlx::{Arguments, PgPool, Postgres, Transaction};
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
            // A connection is checked with a round trip only after it has rested a moment:
            // a busy one was just seen working, and checking each hand-out doubled the
            // round trips of a request's reads. One that rested may have been dropped by
            // the server (a restart, an idle timeout) and is replaced before use.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= Duration::from_secs(1) {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
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

ecrin_store::impl_store!(
    PgStore,
    backend = Backend::Postgres,
    pool = pool,
    err = db,
    dialect = Dialect::Postgres,
    args = args,
    q = sqlx,
    begin = begin_tx,
    single = single_write,
    close = close_pools
);

impl PgStore {
    async fn begin_tx(&self) -> Result<Box<dyn Tx>> {
        let tx = self.pool.begin().await.map_err(db)?;
        Ok(Box::new(PgTx { tx: PgHeld(tx) }))
    }

    async fn single_write(&self, sql: &'static str, list: &[Arg]) -> Result<u64> {
        let done = sqlx::query_with(sql, args(list)?)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(done.rows_affected())
    }

    async fn close_pools(&self) {
        self.pool.close().await;
    }
}

struct PgTx {
    tx: PgHeld,
}

/// The transaction of one request; PostgreSQL groups concurrent commits itself.
struct PgHeld(Transaction<'static, Postgres>);

impl std::ops::Deref for PgHeld {
    type Target = sqlx::PgConnection;
    fn deref(&self) -> &sqlx::PgConnection {
        &self.0
    }
}

impl std::ops::DerefMut for PgHeld {
    fn deref_mut(&mut self) -> &mut sqlx::PgConnection {
        &mut self.0
    }
}

impl PgHeld {
    async fn commit(self) -> Result<()> {
        self.0.commit().await.map_err(db)
    }

    /// A plain commit, which waits for its log to be flushed. `SET LOCAL
    /// synchronous_commit TO off` would skip that flush for one more round trip; on this
    /// backend the shop is short of CPU, not of flushes (BENCHMARKS.md).
    async fn commit_visible(self) -> Result<()> {
        self.commit().await
    }
}

ecrin_store::impl_tx!(
    PgTx,
    err = db,
    dialect = Dialect::Postgres,
    q = sqlx,
    insert_search =
        "INSERT INTO product_search (product_id, document) VALUES ($1, to_tsvector('simple', $2))"
);
