//! Écrin's storage on an embedded SQLite file.
//!
//! WAL journal, an acknowledged write survives a power cut, foreign keys on, a pool of
//! readers and exactly one writer connection: SQLite allows one writer at a time, and
//! queueing writers is cheaper than retrying on `SQLITE_BUSY`. Concurrent write
//! transactions share one commit (see [`group`]), and commits share the disk syncs that
//! make them durable, made while the writer goes on (see [`durable`]), as is the copying
//! of the log into the database file (see [`checkpoint`]).
#![forbid(unsafe_code)]

pub mod backup;
mod checkpoint;
mod durable;
mod group;
mod lite;
mod readers;

pub use readers::Reader;

use ecrin_store::exec::{Engine, Statement, Writer};
use ecrin_store::{Backend, Result, StoreError, WriterStats};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection as _, SqliteConnection};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Read-only connections beside the writer.
const READERS: usize = 4;

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

/// SQLite's extended result codes for the constraints the shop names to its callers.
const UNIQUE: i32 = 2067;
const PRIMARY_KEY: i32 = 1555;
const FOREIGN_KEY: i32 = 787;

fn db(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, Some(message)) = &e
        && matches!(f.extended_code, UNIQUE | PRIMARY_KEY | FOREIGN_KEY)
    {
        // SQLite names the columns, not the constraint: "UNIQUE constraint failed: products.slug".
        let constraint = message.rsplit(": ").next().unwrap_or_default().to_owned();
        return StoreError::Constraint { constraint };
    }
    // The disk full, read-only or failing, the file gone, a lock held past the wait:
    // nothing was written, and a later request may succeed.
    if let rusqlite::Error::SqliteFailure(f, _) = &e
        && matches!(
            f.code,
            rusqlite::ErrorCode::DiskFull
                | rusqlite::ErrorCode::ReadOnly
                | rusqlite::ErrorCode::SystemIoFailure
                | rusqlite::ErrorCode::CannotOpen
                | rusqlite::ErrorCode::DatabaseBusy
                | rusqlite::ErrorCode::DatabaseLocked
        )
    {
        return StoreError::unavailable(e);
    }
    StoreError::database(e)
}

/// Opens one connection to `path` the way every connection of the shop is set up: WAL
/// journal, `synchronous=FULL` (an acknowledged write survives a power cut; the writer
/// then syncs after its commits instead, see [`durable_after_commit`]), foreign keys on,
/// a wait of up to ten seconds for a lock held by another process.
fn connect(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(256);
    // No memory map: a connection that begins a read after another one wrote drops its
    // page cache and, when the file is mapped, unmaps and maps it again (the pager's
    // `pagerBeginReadTransaction`). Under a steady stream of orders that is nearly every
    // read, and the mapping's churn cost as much as reading the pages with read(2).
    if !flags.contains(OpenFlags::SQLITE_OPEN_READ_ONLY) {
        conn.pragma_update(None, "journal_mode", "WAL")?;
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Each write transaction of a group runs in a savepoint, and SQLite keeps the pages it
    // changes in a statement journal until the savepoint is released: kept in memory, not
    // spilled past 64 KiB into a temporary file created, written and deleted for every group.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // A statement whose plan may depend on a bound value (a `LIMIT $n`, as in CHK-9's
    // counts) is otherwise compiled again every time it is bound; with the planner's
    // stability guarantee SQLite keeps the plan it made when the statement was prepared.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(conn)
}

/// Sets the writer up to commit without waiting for the disk, and returns the sync that
/// then makes its commits durable before anyone is told (see [`durable`]): `fdatasync` of
/// the write-ahead log, and the connection that copies the log into the database file
/// beside the writer (see [`checkpoint`]). A database whose journal is not a WAL file keeps
/// `synchronous=FULL`, durable at COMMIT, and its writer's own checkpoints.
fn durable_after_commit(
    writer: &Connection,
    path: &Path,
) -> rusqlite::Result<(durable::SyncLog, Option<Connection>)> {
    let mode: String = writer.pragma_query_value(None, "journal_mode", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Ok((Box::new(|| Ok(())), None));
    }
    writer.pragma_update(None, "synchronous", "NORMAL")?;
    writer.pragma_update(None, "wal_autocheckpoint", checkpoint::WRITER_FRAMES)?;
    let checkpoints = connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    // The log beside the database file, named absolutely so that a later change of the
    // working directory cannot point the syncs elsewhere.
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let mut wal = path.into_os_string();
    wal.push("-wal");
    Ok((durable::wal_sync(wal.into()), Some(checkpoints)))
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://path`) and applies the
    /// migrations.
    pub async fn open(url: &str) -> Result<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(StoreError::database)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let path = options.get_filename().to_owned();
        // The schema is applied by sqlx's migrator, as on PostgreSQL; the shop then works
        // on connections of its own (see [`lite`] for why).
        let mut conn = SqliteConnection::connect_with(&options)
            .await
            .map_err(StoreError::database)?;
        MIGRATOR
            .run(&mut conn)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        conn.close().await.map_err(StoreError::database)?;
        let opened = tokio::task::spawn_blocking(move || {
            let writer = connect(&path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
            let (sync, checkpoints) = durable_after_commit(&writer, &path)?;
            let readers = (0..READERS)
                .map(|_| connect(&path, OpenFlags::SQLITE_OPEN_READ_ONLY))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok::<_, rusqlite::Error>((writer, sync, checkpoints, readers))
        })
        .await
        .map_err(StoreError::database)?;
        let (writer, sync, checkpoints, readers) = opened.map_err(db)?;
        Ok(SqliteStore {
            readers: std::sync::Arc::new(readers::Readers::new(readers)),
            writer: group::Writer::new(writer, sync, checkpoints).map_err(StoreError::database)?,
        })
    }
}

impl Engine for SqliteStore {
    type Reader<'a> = Reader<'a>;
    type Writer = SqliteTx;

    const BACKEND: Backend = Backend::Sqlite;

    async fn reader(&self) -> Result<Reader<'_>> {
        self.readers.acquire().await.map_err(db)
    }

    async fn begin_writer(&self) -> Result<SqliteTx> {
        // The group's outer transaction is BEGIN IMMEDIATE: it takes the write lock at
        // once, so a transaction never fails half-way on a lock upgrade.
        let tx = self.writer.begin().await?;
        Ok(SqliteTx { tx })
    }

    async fn single(&self, statement: Statement) -> Result<u64> {
        self.writer.single(statement).await
    }

    fn writer_stats(&self) -> Option<WriterStats> {
        Some(self.writer.stats())
    }

    /// Readiness fails once writes are refused after a failed sync (see [`durable`]).
    fn writable(&self) -> Result<()> {
        self.writer.writable()
    }

    async fn synced(&self) -> Result<()> {
        self.writer.synced().await
    }

    async fn close(&self) {
        self.writer.flush().await;
        self.readers.close().await;
    }
}

/// A write transaction: the writer connection, held in a group commit (see [`group`]).
pub struct SqliteTx {
    tx: group::Held,
}

impl std::fmt::Debug for SqliteTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteTx").finish_non_exhaustive()
    }
}

impl Writer for SqliteTx {
    async fn commit(self) -> Result<()> {
        self.tx.commit().await
    }

    async fn commit_visible(self) -> Result<()> {
        self.tx.commit_visible().await
    }
}
