//! Group commit on the one writer connection.
//!
//! Write transactions share one outer transaction: each runs inside its own SAVEPOINT,
//! one after the other on the writer connection; committing releases the savepoint and
//! waits until the group is committed and on disk. The last writer of a burst commits the
//! group itself; when others are queued, a flusher task queued behind them does it. A
//! transaction dropped without commit is rolled back to its savepoint, leaving the others
//! intact. Every caller learns its own outcome: a failed group commit fails each of its
//! members.
//!
//! The COMMIT only appends the group's frames to the log; the sync that makes them durable
//! runs on another thread while the next group uses the writer (see [`crate::durable`]),
//! so a disk slowed by other processes (3 ms and more per sync, against 0.2 ms when it is
//! quiet) makes groups wait longer, not the writer.
//!
//! Statements run on the calling task (see [`crate::lite`]); a COMMIT, which writes the
//! log (and, rarely, checkpoints it: see [`crate::checkpoint`]), runs on a blocking thread
//! with the connection handed to it. Between taking the connection and handing it back or
//! to that thread there is no await point, so a caller that goes away (a client that
//! disconnects cancels its request) cannot leave the group's bookkeeping half-done.

use crate::checkpoint::Checkpointer;
use crate::durable::{Member, SyncLog, Syncer};
use crate::lite::{self, Args};
use ecrin_store::exec::Statement;
use ecrin_store::{Result, StoreError};
use rusqlite::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;
use tokio::sync::{Mutex, OwnedMutexGuard, mpsc, oneshot};

/// What the writer has done, for [`ecrin_store::WriterStats`]; time in nanoseconds.
#[derive(Default)]
pub(crate) struct Stats {
    transactions: AtomicU64,
    groups: AtomicU64,
    transaction_ns: AtomicU64,
    commit_ns: AtomicU64,
    syncs: AtomicU64,
    sync_ns: AtomicU64,
    checkpoints: AtomicU64,
    checkpoint_ns: AtomicU64,
}

impl Stats {
    /// A sync of the log that began at `since` has returned.
    pub(crate) fn synced(&self, since: Instant) {
        self.syncs.fetch_add(1, Ordering::Relaxed);
        self.sync_ns.fetch_add(nanos(since), Ordering::Relaxed);
    }

    /// A checkpoint beside the writer that began at `since` has copied frames of the log.
    pub(crate) fn checkpointed(&self, since: Instant) {
        self.checkpoints.fetch_add(1, Ordering::Relaxed);
        self.checkpoint_ns
            .fetch_add(nanos(since), Ordering::Relaxed);
    }

    /// A transaction that took the writer at `since` has let it go.
    fn held(&self, since: Instant) {
        self.transactions.fetch_add(1, Ordering::Relaxed);
        self.transaction_ns
            .fetch_add(nanos(since), Ordering::Relaxed);
    }
}

fn nanos(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// The writer connection and the group under way on it.
pub(crate) struct GroupState {
    pub(crate) conn: Connection,
    stats: Arc<Stats>,
    /// An outer transaction is open.
    open: bool,
    /// A transaction was dropped without commit: its savepoint is rolled back before the
    /// connection serves anyone else.
    abandoned: bool,
    /// Callers whose work is in the group, waiting for its commit to reach the disk.
    pending: Vec<Member>,
    /// Callers whose work is in the group, waiting only for its commit (see
    /// [`Held::commit_visible`]).
    visible: Vec<Member>,
    syncer: Syncer,
}

fn exec(conn: &Connection, sql: &str) -> Result<()> {
    conn.execute_batch(sql).map_err(crate::db)
}

impl GroupState {
    fn tidy(&mut self) -> Result<()> {
        if self.abandoned {
            self.abandoned = false;
            exec(&self.conn, "ROLLBACK TO SAVEPOINT w; RELEASE SAVEPOINT w")?;
        }
        Ok(())
    }

    /// Ends the group with `commit` (a COMMIT, which may release the holder's savepoint
    /// first) when someone's work is in it, else with a ROLLBACK of the empty transaction.
    /// The members hear the outcome once the group is on disk (see [`crate::durable`]).
    /// Writes the log: called on a blocking thread.
    fn finish(&mut self, commit: &str) {
        if let Err(e) = self.tidy() {
            tracing::error!(error = %e, "writer: savepoint rollback");
        }
        if !self.open {
            return;
        }
        let members = std::mem::take(&mut self.pending);
        let visible = std::mem::take(&mut self.visible);
        if members.is_empty() && visible.is_empty() {
            if let Err(e) = self.end("ROLLBACK") {
                tracing::error!(error = %e, "writer: empty group rollback");
            }
            return;
        }
        match self.end(commit) {
            Ok(()) => {
                for member in visible {
                    let _ = member.send(Ok(()));
                }
                if !members.is_empty() {
                    self.syncer.after_sync(members);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "writer: group commit");
                let e = e.to_string();
                for member in members.into_iter().chain(visible) {
                    let _ = member.send(Err(e.clone()));
                }
            }
        }
    }

    fn flush(&mut self) {
        self.finish("COMMIT");
    }

    /// Runs `sql`, which ends the outer transaction; a failed COMMIT leaves the
    /// transaction open in SQLite, so it is rolled back.
    fn end(&mut self, sql: &str) -> Result<()> {
        let started = Instant::now();
        let outcome = exec(&self.conn, sql);
        self.open = false;
        if sql.ends_with("COMMIT") {
            self.stats.groups.fetch_add(1, Ordering::Relaxed);
            self.stats
                .commit_ns
                .fetch_add(nanos(started), Ordering::Relaxed);
        }
        if outcome.is_err() {
            let _ = exec(&self.conn, "ROLLBACK");
        }
        outcome
    }
}

/// Runs `work` on the connection on a blocking thread, and gives the connection back to
/// the others when it is done, whether or not the caller still waits.
async fn off_thread<T: Send + 'static>(
    mut guard: OwnedMutexGuard<GroupState>,
    work: impl FnOnce(&mut GroupState) -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(move || work(&mut guard))
        .await
        .map_err(StoreError::database)?
}

/// Hands out write transactions on the one writer connection.
#[derive(Clone)]
pub(crate) struct Writer {
    state: Arc<Mutex<GroupState>>,
    stats: Arc<Stats>,
    /// Callers waiting for the connection: while there are some, a commit leaves the
    /// group open for them.
    waiting: Arc<AtomicUsize>,
    flusher: mpsc::UnboundedSender<()>,
    syncer: Syncer,
    /// Stops with the last clone of the writer.
    _checkpointer: Option<Arc<Checkpointer>>,
}

impl Writer {
    /// The writer on `conn`, whose committed groups `sync` makes durable and, when given,
    /// `checkpoints` (a second connection to its file) copies into the database file.
    pub(crate) fn new(
        conn: Connection,
        sync: SyncLog,
        checkpoints: Option<Connection>,
    ) -> std::io::Result<Writer> {
        let stats = Arc::new(Stats::default());
        let syncer = Syncer::start(sync, stats.clone())?;
        let checkpointer = match checkpoints {
            Some(c) => Some(Arc::new(Checkpointer::start(c, stats.clone())?)),
            None => None,
        };
        let state = Arc::new(Mutex::new(GroupState {
            conn,
            stats: stats.clone(),
            open: false,
            abandoned: false,
            pending: Vec::new(),
            visible: Vec::new(),
            syncer: syncer.clone(),
        }));
        let (flusher, mut wake) = mpsc::unbounded_channel::<()>();
        let shared = state.clone();
        tokio::spawn(async move {
            while wake.recv().await.is_some() {
                while wake.try_recv().is_ok() {}
                let guard = shared.clone().lock_owned().await;
                let _ = off_thread(guard, |g| {
                    g.flush();
                    Ok(())
                })
                .await;
            }
        });
        Ok(Writer {
            state,
            stats,
            waiting: Arc::new(AtomicUsize::new(0)),
            flusher,
            syncer,
            _checkpointer: checkpointer,
        })
    }

    /// An error once a failed sync has stopped the writes.
    pub(crate) fn writable(&self) -> Result<()> {
        match self.syncer.failure() {
            Some(failure) => Err(StoreError::unavailable(format!(
                "writes stopped after a failed sync: {failure}"
            ))),
            None => Ok(()),
        }
    }

    /// Waits for the connection.
    async fn take(&self) -> Result<OwnedMutexGuard<GroupState>> {
        self.writable()?;
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut guard = self.state.clone().lock_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        guard.tidy()?;
        Ok(guard)
    }

    /// What the writer has done since it opened.
    pub(crate) fn stats(&self) -> ecrin_store::WriterStats {
        let seconds = |ns: &AtomicU64| ns.load(Ordering::Relaxed) as f64 / 1e9;
        ecrin_store::WriterStats {
            transactions: self.stats.transactions.load(Ordering::Relaxed),
            groups: self.stats.groups.load(Ordering::Relaxed),
            transaction_seconds: seconds(&self.stats.transaction_ns),
            commit_seconds: seconds(&self.stats.commit_ns),
            syncs: self.stats.syncs.load(Ordering::Relaxed),
            sync_seconds: seconds(&self.stats.sync_ns),
            checkpoints: self.stats.checkpoints.load(Ordering::Relaxed),
            checkpoint_seconds: seconds(&self.stats.checkpoint_ns),
        }
    }

    /// A write transaction: the connection, inside a savepoint of the current group.
    pub(crate) async fn begin(&self) -> Result<Held> {
        let mut guard = self.take().await?;
        let since = Instant::now();
        if guard.open {
            exec(&guard.conn, "SAVEPOINT w")?;
        } else {
            // BEGIN IMMEDIATE takes the write lock at once, so a transaction never fails
            // half-way on a lock upgrade.
            exec(&guard.conn, "BEGIN IMMEDIATE; SAVEPOINT w")?;
            guard.open = true;
        }
        Ok(Held {
            since,
            guard: Some(guard),
            writer: self.clone(),
        })
    }

    /// A write transaction of one statement; returns the rows it changed once its group
    /// is on disk.
    pub(crate) async fn single(&self, statement: Statement) -> Result<u64> {
        let mut guard = self.take().await?;
        let since = Instant::now();
        if !guard.open {
            exec(&guard.conn, "BEGIN IMMEDIATE")?;
            guard.open = true;
        }
        exec(&guard.conn, "SAVEPOINT w")?;
        let ran = lite::run(&guard.conn, &statement.sql, &Args::from(&statement.args));
        self.stats.held(since);
        let changed = match ran {
            Ok(n) => n,
            Err(e) => {
                let _ = exec(&guard.conn, "ROLLBACK TO SAVEPOINT w; RELEASE SAVEPOINT w");
                // An empty group is not left open for long.
                let _ = self.flusher.send(());
                return Err(crate::db(e));
            }
        };
        if let Err(e) = exec(&guard.conn, "RELEASE SAVEPOINT w") {
            guard.abandoned = true;
            let _ = self.flusher.send(());
            return Err(e);
        }
        self.join_group(guard, "COMMIT", false, true)
            .await
            .map(|()| changed)
    }

    /// Nobody else's work is in the group and nobody waits to add theirs.
    fn alone(&self, guard: &GroupState) -> bool {
        self.waiting.load(Ordering::SeqCst) == 0
            && guard.pending.is_empty()
            && guard.visible.is_empty()
    }

    /// Puts the work of the connection's holder in the group and returns what tells when
    /// the group is on disk (`durable`) or only committed. The holder ends the group with
    /// `commit` itself when `now` or when nobody waits for the connection; else the
    /// flusher commits it once they have had their turn.
    fn join_group(
        &self,
        mut guard: OwnedMutexGuard<GroupState>,
        commit: &'static str,
        now: bool,
        durable: bool,
    ) -> impl Future<Output = Result<()>> + use<> {
        let (tell, told) = oneshot::channel();
        if durable {
            guard.pending.push(tell);
        } else {
            guard.visible.push(tell);
        }
        let committing = if now || self.waiting.load(Ordering::SeqCst) == 0 {
            Some(tokio::task::spawn_blocking(move || guard.finish(commit)))
        } else {
            let _ = self.flusher.send(());
            drop(guard);
            None
        };
        async move {
            if let Some(committing) = committing {
                let _ = committing.await;
            }
            match told.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(StoreError::unavailable(format!("group commit failed: {e}"))),
                Err(_) => Err(StoreError::database(std::io::Error::other(
                    "writer closed before the group commit",
                ))),
            }
        }
    }

    /// Commits what is pending and waits until it is on disk: for shutdown.
    pub(crate) async fn flush(&self) {
        let guard = self.state.clone().lock_owned().await;
        let _ = off_thread(guard, |g| {
            g.flush();
            Ok(())
        })
        .await;
        let _ = self.synced().await;
    }

    /// Returns once every group committed so far is on disk.
    pub(crate) async fn synced(&self) -> Result<()> {
        let (tell, told) = oneshot::channel();
        self.syncer.after_sync(vec![tell]);
        match told.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::unavailable(e)),
            Err(_) => Err(StoreError::unavailable("the log's syncer has stopped")),
        }
    }
}

/// The writer connection held by one transaction.
pub(crate) struct Held {
    /// When the transaction took the writer.
    since: Instant,
    guard: Option<OwnedMutexGuard<GroupState>>,
    writer: Writer,
}

impl std::ops::Deref for Held {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match &self.guard {
            Some(g) => &g.conn,
            None => unreachable!("a transaction is used only until it ends"),
        }
    }
}

impl std::ops::DerefMut for Held {
    fn deref_mut(&mut self) -> &mut Connection {
        match &mut self.guard {
            Some(g) => &mut g.conn,
            None => unreachable!("a transaction is used only until it ends"),
        }
    }
}

impl Held {
    /// Keeps this transaction's work and returns once the group holding it is on disk.
    pub(crate) async fn commit(self) -> Result<()> {
        self.end(true).await
    }

    /// Keeps this transaction's work and returns once the group holding it is committed,
    /// readable by every connection, without waiting for the disk: for a step whose caller
    /// commits again right after with [`Held::commit`] (or waits for [`Writer::synced`])
    /// before answering anyone. That later sync covers this group too, since the log is
    /// synced and recovered in order.
    pub(crate) async fn commit_visible(self) -> Result<()> {
        self.end(false).await
    }

    async fn end(mut self, durable: bool) -> Result<()> {
        let Some(mut guard) = self.guard.take() else {
            return Err(StoreError::database(std::io::Error::other(
                "transaction already ended",
            )));
        };
        self.writer.stats.held(self.since);
        if self.writer.alone(&guard) {
            // Alone in the group: release and commit in one call.
            return self
                .writer
                .join_group(guard, "RELEASE SAVEPOINT w; COMMIT", true, durable)
                .await;
        }
        if let Err(e) = exec(&guard.conn, "RELEASE SAVEPOINT w") {
            guard.abandoned = true;
            let _ = self.writer.flusher.send(());
            return Err(e);
        }
        self.writer
            .join_group(guard, "COMMIT", false, durable)
            .await
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(mut guard) = self.guard.take() {
            // Not committed: undo this transaction's work only.
            self.writer.stats.held(self.since);
            guard.abandoned = true;
            drop(guard);
            let _ = self.writer.flusher.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::OpenFlags;
    use std::path::PathBuf;
    use std::time::Duration;

    type Outcome<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

    /// A fresh database file set up as the shop's writer, with a table `t`.
    fn database(name: &str) -> rusqlite::Result<(PathBuf, Connection)> {
        let path =
            std::env::temp_dir().join(format!("ecrin-group-{}-{name}.sqlite", std::process::id()));
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
        let conn = crate::connect(&path, flags)?;
        conn.execute_batch("CREATE TABLE t (n INTEGER NOT NULL)")?;
        Ok((path, conn))
    }

    /// Waits until a reader sees `n` rows, that is until the writer has committed them.
    async fn until_committed(reader: &Connection, n: i64) -> Outcome {
        for _ in 0..1000 {
            let rows: i64 = reader.query_row("SELECT count(*) FROM t", [], |row| row.get(0))?;
            if rows == n {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Err(format!("{n} rows never committed").into())
    }

    /// A writer on a fresh database whose every sync of the log waits for a turn of the
    /// returned gate, then syncs the real file; and a reader of the same file.
    fn gated(name: &str) -> Outcome<(Writer, Connection, std::sync::mpsc::Sender<()>)> {
        let (path, conn) = database(name)?;
        let (mut fdatasync, _) = crate::durable_after_commit(&conn, &path)?;
        let (turn, gate) = std::sync::mpsc::channel::<()>();
        let sync: SyncLog = Box::new(move || {
            gate.recv().map_err(std::io::Error::other)?;
            fdatasync()
        });
        let writer = Writer::new(conn, sync, None)?;
        let reader = crate::connect(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        Ok((writer, reader, turn))
    }

    fn insert(writer: &Writer) -> tokio::task::JoinHandle<Result<u64>> {
        let writer = writer.clone();
        tokio::spawn(async move {
            writer
                .single(ecrin_store::exec::query("INSERT INTO t (n) VALUES (1)").into_statement())
                .await
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_is_answered_once_its_log_is_synced_and_the_writer_goes_on_meanwhile() -> Outcome
    {
        let (writer, reader, turn) = gated("synced")?;

        let first = insert(&writer);
        until_committed(&reader, 1).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!first.is_finished(), "answered before its log was synced");

        // The writer is free while the first sync waits: a second write commits.
        let second = insert(&writer);
        until_committed(&reader, 2).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!first.is_finished() && !second.is_finished());

        turn.send(())?;
        assert_eq!(first.await??, 1);
        assert!(
            !second.is_finished(),
            "the first sync began before the second commit"
        );
        turn.send(())?;
        assert_eq!(second.await??, 1);
        assert_eq!(writer.stats().syncs, 2);
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_visible_commit_is_answered_before_its_sync_which_a_later_commit_covers() -> Outcome {
        let (writer, reader, turn) = gated("visible")?;

        // Answered with no sync at all: the gate has not turned yet.
        let tx = writer.begin().await?;
        lite::run(&tx, "INSERT INTO t (n) VALUES (1)", &Args::default()).map_err(crate::db)?;
        tokio::time::timeout(Duration::from_secs(5), tx.commit_visible()).await??;
        until_committed(&reader, 1).await?;
        assert_eq!(writer.stats().syncs, 0);

        // A durable commit after it waits for a sync, which covers both.
        let second = insert(&writer);
        until_committed(&reader, 2).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!second.is_finished(), "answered before its log was synced");
        turn.send(())?;
        assert_eq!(second.await??, 1);
        assert_eq!(writer.stats().syncs, 1);

        // With nothing durable after it, `synced` waits for a sync of its own.
        let tx = writer.begin().await?;
        lite::run(&tx, "INSERT INTO t (n) VALUES (1)", &Args::default()).map_err(crate::db)?;
        tx.commit_visible().await?;
        let barrier = {
            let writer = writer.clone();
            tokio::spawn(async move { writer.synced().await })
        };
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!barrier.is_finished(), "synced before the log was");
        turn.send(())?;
        barrier.await??;
        assert_eq!(writer.stats().syncs, 2);
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_sync_fails_its_writes_and_refuses_later_ones() -> Outcome {
        let (_path, conn) = database("failed")?;
        let sync: SyncLog = Box::new(|| Err(std::io::Error::other("the disk is gone")));
        let writer = Writer::new(conn, sync, None)?;
        assert!(writer.writable().is_ok());

        match insert(&writer).await? {
            Ok(_) => return Err("a write whose sync failed was reported done".into()),
            Err(e) => assert!(e.to_string().contains("the disk is gone"), "{e}"),
        }
        match writer.begin().await {
            Ok(_) => return Err("a write began after a failed sync".into()),
            Err(e) => assert!(e.to_string().contains("could not be synced"), "{e}"),
        }
        // What readiness reports, so traffic goes elsewhere until a restart.
        assert!(writer.writable().is_err());
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_is_copied_into_the_database_file_beside_the_writer() -> Outcome {
        let (path, conn) = database("checkpoint")?;
        let (sync, checkpoints) = crate::durable_after_commit(&conn, &path)?;
        let writer = Writer::new(conn, sync, checkpoints)?;
        for _ in 0..3 {
            insert(&writer).await??;
        }
        // Three small commits, far from the frames past which the writer checkpoints.
        for _ in 0..100 {
            if writer.stats().checkpoints > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            writer.stats().checkpoints >= 1,
            "no checkpoint beside the writer"
        );
        assert!(writer.stats().checkpoint_seconds > 0.0);

        // The database file alone, without its log, holds the rows.
        let copy = path.with_extension("copy");
        std::fs::copy(&path, &copy)?;
        let alone = Connection::open(&copy)?;
        let rows: i64 = alone.query_row("SELECT count(*) FROM t", [], |row| row.get(0))?;
        assert_eq!(rows, 3);
        drop(alone);
        let _ = std::fs::remove_file(copy);
        Ok(())
    }
}
