//! Group commit on the one writer connection.
//!
//! With `synchronous=FULL` every COMMIT waits for the disk (about 0.1 ms when it is quiet,
//! 3 ms and more while other processes write). Write transactions therefore share one
//! outer transaction: each runs inside its own SAVEPOINT, one after the other on the
//! writer connection; committing releases the savepoint and waits until the group is
//! committed with a single fsync. The last writer of a burst commits the group itself;
//! when others are queued, a flusher task queued behind them does it. A transaction
//! dropped without commit is rolled back to its savepoint, leaving the others intact.
//! Every caller learns its own outcome: a failed group commit fails each of its members.
//!
//! Statements run on the calling task (see [`crate::lite`]); a COMMIT, which waits for
//! the disk, runs on a blocking thread with the connection handed to it. Between taking
//! the connection and handing it back or to that thread there is no await point, so a
//! caller that goes away (a client that disconnects cancels its request) cannot leave the
//! group's bookkeeping half-done.

use crate::lite::{self, Args};
use ecrin_store::{Result, StoreError};
use rusqlite::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;
use tokio::sync::{Mutex, OwnedMutexGuard, mpsc, oneshot};

/// What the writer has done, for [`ecrin_store::WriterStats`]; time in nanoseconds.
#[derive(Default)]
struct Stats {
    transactions: AtomicU64,
    groups: AtomicU64,
    transaction_ns: AtomicU64,
    commit_ns: AtomicU64,
}

impl Stats {
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
    /// Callers whose work is in the group, waiting for its commit.
    pending: Vec<oneshot::Sender<std::result::Result<(), String>>>,
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

    /// Ends the group: COMMIT when someone's work is in it (one fsync for all), else
    /// ROLLBACK of the empty transaction; every member hears the outcome. Waits for the
    /// disk: called on a blocking thread.
    fn flush(&mut self) {
        if let Err(e) = self.tidy() {
            tracing::error!(error = %e, "writer: savepoint rollback");
        }
        if !self.open {
            return;
        }
        let sql = if self.pending.is_empty() {
            "ROLLBACK"
        } else {
            "COMMIT"
        };
        let outcome = self.end(sql);
        if let Err(e) = &outcome {
            tracing::error!(error = %e, "writer: group {sql}");
        }
        let result = outcome.map_err(|e| e.to_string());
        for member in self.pending.drain(..) {
            let _ = member.send(result.clone());
        }
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
}

impl Writer {
    pub(crate) fn new(conn: Connection) -> Writer {
        let stats = Arc::new(Stats::default());
        let state = Arc::new(Mutex::new(GroupState {
            conn,
            stats: stats.clone(),
            open: false,
            abandoned: false,
            pending: Vec::new(),
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
        Writer {
            state,
            stats,
            waiting: Arc::new(AtomicUsize::new(0)),
            flusher,
        }
    }

    /// Waits for the connection.
    async fn take(&self) -> Result<OwnedMutexGuard<GroupState>> {
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
    pub(crate) async fn single(&self, sql: &'static str, args: Args) -> Result<u64> {
        let mut guard = self.take().await?;
        let since = Instant::now();
        if !guard.open {
            exec(&guard.conn, "BEGIN IMMEDIATE")?;
            guard.open = true;
        }
        exec(&guard.conn, "SAVEPOINT w")?;
        let ran = lite::run(&guard.conn, sql, &args);
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
        if self.alone(&guard) {
            return off_thread(guard, |g| g.end("COMMIT"))
                .await
                .map(|()| changed);
        }
        self.join_group(guard).await.map(|()| changed)
    }

    /// Nobody else's work is in the group and nobody waits to add theirs.
    fn alone(&self, guard: &GroupState) -> bool {
        self.waiting.load(Ordering::SeqCst) == 0 && guard.pending.is_empty()
    }

    /// Puts the released work of the connection's holder in the group and returns what
    /// tells when the group is on disk: the holder flushes it when nobody waits for the
    /// connection, else the flusher does once they have had their turn.
    fn join_group(
        &self,
        mut guard: OwnedMutexGuard<GroupState>,
    ) -> impl Future<Output = Result<()>> + use<> {
        let (tell, told) = oneshot::channel();
        guard.pending.push(tell);
        let flushing = if self.waiting.load(Ordering::SeqCst) == 0 {
            Some(tokio::task::spawn_blocking(move || guard.flush()))
        } else {
            let _ = self.flusher.send(());
            drop(guard);
            None
        };
        async move {
            if let Some(flushing) = flushing {
                let _ = flushing.await;
            }
            match told.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(StoreError::database(std::io::Error::other(format!(
                    "group commit failed: {e}"
                )))),
                Err(_) => Err(StoreError::database(std::io::Error::other(
                    "writer closed before the group commit",
                ))),
            }
        }
    }

    /// Commits what is pending and closes nothing else: for shutdown.
    pub(crate) async fn flush(&self) {
        let guard = self.state.clone().lock_owned().await;
        let _ = off_thread(guard, |g| {
            g.flush();
            Ok(())
        })
        .await;
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
    pub(crate) async fn commit(mut self) -> Result<()> {
        let Some(mut guard) = self.guard.take() else {
            return Err(StoreError::database(std::io::Error::other(
                "transaction already ended",
            )));
        };
        self.writer.stats.held(self.since);
        if self.writer.alone(&guard) {
            // Alone in the group: release and commit at once.
            return off_thread(guard, |g| g.end("RELEASE SAVEPOINT w; COMMIT")).await;
        }
        if let Err(e) = exec(&guard.conn, "RELEASE SAVEPOINT w") {
            guard.abandoned = true;
            let _ = self.writer.flusher.send(());
            return Err(e);
        }
        self.writer.join_group(guard).await
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
