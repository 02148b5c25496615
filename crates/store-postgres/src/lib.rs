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
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// The server's address, to tell a server away from a pool that is merely busy.
    options: PgConnectOptions,
    reach: Arc<Reach>,
}

/// How long the server is taken as away after a connection failed: meanwhile requests are
/// refused at once (503) instead of each waiting the pool's acquire timeout.
const AWAY_FOR: Duration = Duration::from_millis(500);

/// Whether PostgreSQL could be reached when last tried. While it is away, requests are
/// refused without waiting; once [`AWAY_FOR`] has passed, one request at a time tries the
/// server again (the others are still refused), and the first that gets a connection
/// opens the way for all.
#[derive(Debug)]
struct Reach {
    start: Instant,
    /// Milliseconds after `start` until which the server is taken as away; 0 when it
    /// answered last.
    away_until: AtomicU64,
    /// A request is trying the server while it is taken as away.
    trying: AtomicBool,
}

/// A request's permission to try for a connection; the one trying an away server gives
/// the turn back when dropped, whatever the outcome.
struct Turn<'a>(Option<&'a AtomicBool>);

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if let Some(trying) = self.0 {
            trying.store(false, Ordering::Release);
        }
    }
}

impl Reach {
    fn new() -> Reach {
        Reach {
            start: Instant::now(),
            away_until: AtomicU64::new(0),
            trying: AtomicBool::new(false),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    /// A turn to try for a connection at `now`, or the refusal while the server is away.
    fn turn(&self, now: u64) -> Result<Turn<'_>> {
        let until = self.away_until.load(Ordering::Acquire);
        if until == 0 {
            return Ok(Turn(None));
        }
        if now >= until
            && self
                .trying
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            return Ok(Turn(Some(&self.trying)));
        }
        Err(StoreError::still_away())
    }

    fn answered(&self) {
        if self.away_until.load(Ordering::Relaxed) != 0 {
            self.away_until.store(0, Ordering::Release);
            tracing::info!("PostgreSQL answers again");
        }
    }

    /// The server could not be reached at `now`.
    fn away(&self, now: u64) {
        if self
            .away_until
            .swap(now + millis(AWAY_FOR), Ordering::AcqRel)
            == 0
        {
            tracing::warn!("PostgreSQL cannot be reached: requests are refused until it answers");
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
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
            .connect_with(options.clone())
            .await
            .map_err(db)?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(PgStore {
            pool,
            options,
            reach: Arc::new(Reach::new()),
        })
    }

    /// A connection from the pool; at once a 503 while the server is taken as away.
    async fn connection(&self) -> Result<PoolConnection<Postgres>> {
        let _turn = self.reach.turn(self.reach.now())?;
        match self.pool.acquire().await {
            Ok(c) => {
                self.reach.answered();
                Ok(c)
            }
            Err(e) => {
                if self.server_away(&e).await {
                    self.reach.away(self.reach.now());
                }
                Err(db(e))
            }
        }
    }

    /// Whether the pool's failure `e` says the server is away. Refused connections are
    /// retried by the pool until its timeout, which a pool busy with long requests also
    /// reaches: one connection opened outside the pool tells them apart.
    async fn server_away(&self, e: &sqlx::Error) -> bool {
        match e {
            sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
            sqlx::Error::PoolTimedOut => {
                let connect = sqlx::ConnectOptions::connect(&self.options);
                match tokio::time::timeout(Duration::from_secs(1), connect).await {
                    Ok(Ok(c)) => {
                        let _ = sqlx::Connection::close(c).await;
                        false
                    }
                    Ok(Err(e)) => unavailable(&e),
                    Err(_) => true,
                }
            }
            _ => false,
        }
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
        Ok(PgReader(self.connection().await?))
    }

    async fn begin_writer(&self) -> Result<PgTx> {
        let conn = self.connection().await?;
        Ok(PgTx(Transaction::begin(conn, None).await.map_err(db)?))
    }

    async fn single(&self, statement: Statement) -> Result<u64> {
        execute(&mut *self.connection().await?, statement).await
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

#[cfg(test)]
mod tests {
    use super::{AWAY_FOR, Reach, millis};

    #[test]
    fn an_away_server_refuses_at_once_and_is_tried_by_one_request_at_a_time() {
        let reach = Reach::new();
        // Reachable: every request tries.
        assert!(reach.turn(10).is_ok() && reach.turn(10).is_ok());
        reach.away(100);
        // Away: refused at once until the moment has passed.
        assert!(reach.turn(101).is_err());
        assert!(reach.turn(100 + millis(AWAY_FOR) - 1).is_err());
        // Then one request tries; the others are still refused while it does.
        let later = 100 + millis(AWAY_FOR);
        let trying = reach.turn(later).unwrap_or_else(|e| panic!("{e}"));
        assert!(reach.turn(later).is_err());
        // It failed: away again, and its turn is given back.
        reach.away(later);
        drop(trying);
        assert!(reach.turn(later + 1).is_err());
        let again = reach
            .turn(later + millis(AWAY_FOR))
            .unwrap_or_else(|e| panic!("{e}"));
        // It got a connection: every request tries again.
        reach.answered();
        drop(again);
        assert!(reach.turn(later + millis(AWAY_FOR)).is_ok());
        assert!(reach.turn(later + millis(AWAY_FOR)).is_ok());
    }
}
