//! Écrin's storage on PostgreSQL: a pool of connections; PostgreSQL groups commits
//! itself. Several `ecrin serve` processes may share one database.
#![forbid(unsafe_code)]

mod rows;

use ecrin_store::exec::{Args, Engine, Exec, Kind, Statement, Value, Writer};
use ecrin_store::rowde::RowDe;
use ecrin_store::sql::Dialect;
use ecrin_store::{Backend, Result, StoreError};
use serde::de::DeserializeOwned;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions};
use sqlx::{Arguments, AssertSqlSafe, PgConnection, PgPool, Postgres, Transaction};
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
    if unavailable(&e) {
        return StoreError::unavailable(e);
    }
    StoreError::database(e)
}

/// Whether `e` says the server cannot be reached or cannot work now, rather than that a
/// statement is wrong: no connection (refused, closed, timed out waiting for one), or the
/// server's SQLSTATE classes 08 (connection), 53 (resources: disk full, memory,
/// connections), 57P (shutting down, starting up) and 58 (system, I/O).
fn unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => d.code().is_some_and(|c| {
            c.starts_with("08")
                || c.starts_with("53")
                || c.starts_with("57P")
                || c.starts_with("58")
        }),
        sqlx::Error::Protocol(m) => m.contains("closed") || m.contains("unexpected end"),
        _ => false,
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://…`) and applies the migrations.
    pub async fn open(url: &str) -> Result<PgStore> {
        let options = PgConnectOptions::from_str(url).map_err(db)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .min_connections(1)
            // While the server is away (a restart), a request waits this long for a connection
            // and is then answered 503: customers are told at once, not after a minute.
            .acquire_timeout(Duration::from_secs(3))
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

/// The arguments of `statement`, each with the type PostgreSQL is told (also for `NULL`).
fn arguments(args: &Args) -> Result<PgArguments> {
    let mut a = PgArguments::default();
    for value in &args.0 {
        match value {
            Value::Null(Kind::Int) => a.add(None::<i64>),
            Value::Null(Kind::Real) => a.add(None::<f64>),
            Value::Null(Kind::Bool) => a.add(None::<bool>),
            Value::Null(Kind::Text) => a.add(None::<String>),
            Value::Null(Kind::Bytes) => a.add(None::<Vec<u8>>),
            Value::Int(i) => a.add(*i),
            Value::Real(f) => a.add(*f),
            Value::Bool(b) => a.add(*b),
            Value::Text(s) => a.add(s.as_str()),
            Value::Bytes(b) => a.add(b.as_slice()),
        }
        .map_err(StoreError::Database)?;
    }
    Ok(a)
}

async fn execute(conn: &mut PgConnection, statement: Statement) -> Result<u64> {
    let args = arguments(&statement.args)?;
    let done = sqlx::query_with(AssertSqlSafe(statement.sql), args)
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(done.rows_affected())
}

async fn fetch<T: DeserializeOwned>(
    conn: &mut PgConnection,
    statement: Statement,
    first_only: bool,
) -> Result<Vec<T>> {
    let args = arguments(&statement.args)?;
    let query = sqlx::query_with(AssertSqlSafe(statement.sql), args);
    let rows = if first_only {
        query
            .fetch_optional(conn)
            .await
            .map_err(db)?
            .into_iter()
            .collect()
    } else {
        query.fetch_all(conn).await.map_err(db)?
    };
    rows.iter()
        .map(|row| T::deserialize(RowDe(&rows::PgColumns(row))).map_err(StoreError::database))
        .collect()
}

/// A pooled connection that reads, for one request.
pub struct PgReader(PoolConnection<Postgres>);

impl std::fmt::Debug for PgReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgReader").finish_non_exhaustive()
    }
}

impl Exec for PgReader {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn execute(&mut self, statement: Statement) -> Result<u64> {
        execute(&mut self.0, statement).await
    }

    async fn fetch<T: DeserializeOwned + Send>(
        &mut self,
        statement: Statement,
        first_only: bool,
    ) -> Result<Vec<T>> {
        fetch(&mut self.0, statement, first_only).await
    }
}

impl Engine for PgStore {
    type Reader<'a> = PgReader;
    type Writer = PgTx;

    const BACKEND: Backend = Backend::Postgres;

    async fn reader(&self) -> Result<PgReader> {
        Ok(PgReader(self.pool.acquire().await.map_err(db)?))
    }

    async fn begin_writer(&self) -> Result<PgTx> {
        Ok(PgTx(self.pool.begin().await.map_err(db)?))
    }

    async fn single(&self, statement: Statement) -> Result<u64> {
        execute(&mut *self.pool.acquire().await.map_err(db)?, statement).await
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

/// The transaction of one request; PostgreSQL groups concurrent commits itself.
pub struct PgTx(Transaction<'static, Postgres>);

impl std::fmt::Debug for PgTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgTx").finish_non_exhaustive()
    }
}

impl Exec for PgTx {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn execute(&mut self, statement: Statement) -> Result<u64> {
        execute(&mut self.0, statement).await
    }

    async fn fetch<T: DeserializeOwned + Send>(
        &mut self,
        statement: Statement,
        first_only: bool,
    ) -> Result<Vec<T>> {
        fetch(&mut self.0, statement, first_only).await
    }
}

impl Writer for PgTx {
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
