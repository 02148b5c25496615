//! Écrin's storage on an embedded SQLite file.
//!
//! WAL journal, `synchronous=FULL` (an acknowledged write survives a power cut), foreign
//! keys on, a pool of readers and exactly one writer connection: SQLite allows one writer
//! at a time, and queueing writers is cheaper than retrying on `SQLITE_BUSY`. Concurrent
//! write transactions share one disk sync (see [`group`]).
#![forbid(unsafe_code)]

mod group;
mod readers;

use ecrin_store::sql::{Arg, Dialect};
use ecrin_store::*;
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Arguments, Connection, SqliteConnection};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Clone)]
pub struct SqliteStore {
    readers: std::sync::Arc<readers::Readers>,
    writer: group::Writer,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

fn db(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && matches!(
            d.kind(),
            sqlx::error::ErrorKind::UniqueViolation | sqlx::error::ErrorKind::ForeignKeyViolation
        )
    {
        // SQLite names the columns, not the constraint: "UNIQUE constraint failed: products.slug".
        let constraint = d
            .message()
            .rsplit(": ")
            .next()
            .unwrap_or_default()
            .to_owned();
        return StoreError::Constraint { constraint };
    }
    StoreError::database(e)
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://path`) and applies the
    /// migrations.
    pub async fn open(url: &str) -> Result<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(db)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .statement_cache_capacity(256)
            // Readers see every write of the writer: without a memory map each one reads
            // the changed pages again through read(2) and copies them; mapped, it reads
            // them in place (pages are still written through the WAL, so durability is
            // unchanged).
            .pragma("mmap_size", "268435456");
        let mut conn = SqliteConnection::connect_with(&options).await.map_err(db)?;
        MIGRATOR
            .run(&mut conn)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        let writer = group::Writer::new(conn);
        let readers = readers::Readers::open(&options.read_only(true), 4)
            .await
            .map_err(db)?;
        let readers = std::sync::Arc::new(readers);
        Ok(SqliteStore { readers, writer })
    }
}

fn args(list: &[Arg]) -> Result<SqliteArguments> {
    let mut a = SqliteArguments::default();
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
    SqliteStore,
    backend = Backend::Sqlite,
    pool = readers,
    err = db,
    dialect = Dialect::Sqlite,
    args = args,
    begin = begin_tx,
    single = single_write,
    close = close_pools
);

impl SqliteStore {
    async fn begin_tx(&self) -> Result<Box<dyn Tx>> {
        // The group's outer transaction is BEGIN IMMEDIATE: it takes the write lock at
        // once, so a transaction never fails half-way on a lock upgrade.
        let tx = self.writer.begin().await?;
        Ok(Box::new(SqliteTx { tx }))
    }

    async fn single_write(&self, sql: &'static str, list: &[Arg]) -> Result<u64> {
        self.writer.single(sql, args(list)?).await
    }

    async fn close_pools(&self) {
        self.writer.flush().await;
        self.readers.close().await;
    }
}

struct SqliteTx {
    tx: group::Held,
}

ecrin_store::impl_tx!(
    SqliteTx,
    err = db,
    dialect = Dialect::Sqlite,
    insert_search = "INSERT INTO product_search (product_id, document) VALUES ($1, $2)"
);
