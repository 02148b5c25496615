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

use ecrin_store::{Result, StoreError};
use sqlx::SqliteConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Mutex, OwnedMutexGuard, mpsc, oneshot};

/// The writer connection and the group under way on it.
pub(crate) struct GroupState {
    pub(crate) conn: SqliteConnection,
    /// An outer transaction is open.
    open: bool,
    /// A transaction was dropped without commit: its savepoint is rolled back before the
    /// connection serves anyone else.
    abandoned: bool,
    /// Callers whose work is in the group, waiting for its commit.
    pending: Vec<oneshot::Sender<std::result::Result<(), String>>>,
}

async fn exec(conn: &mut SqliteConnection, sql: &str) -> Result<()> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(StoreError::database)
}

impl GroupState {
    async fn tidy(&mut self) -> Result<()> {
        if self.abandoned {
            self.abandoned = false;
            exec(
                &mut self.conn,
                "ROLLBACK TO SAVEPOINT w; RELEASE SAVEPOINT w",
            )
            .await?;
        }
        Ok(())
    }

    /// Ends the group: COMMIT when someone's work is in it (one fsync for all), else
    /// ROLLBACK of the empty transaction; every member hears the outcome.
    async fn flush(&mut self) {
        if let Err(e) = self.tidy().await {
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
        let outcome = exec(&mut self.conn, sql).await;
        self.open = false;
        if let Err(e) = &outcome {
            tracing::error!(error = %e, "writer: group {sql}");
            // A failed COMMIT leaves the transaction open in SQLite: end it.
            let _ = exec(&mut self.conn, "ROLLBACK").await;
        }
        let result = outcome.map_err(|e| e.to_string());
        for member in self.pending.drain(..) {
            let _ = member.send(result.clone());
        }
    }
}

/// Hands out write transactions on the one writer connection.
#[derive(Clone)]
pub(crate) struct Writer {
    state: Arc<Mutex<GroupState>>,
    /// Callers waiting for the connection: while there are some, a commit leaves the
    /// group open for them.
    waiting: Arc<AtomicUsize>,
    flusher: mpsc::UnboundedSender<()>,
}

impl Writer {
    pub(crate) fn new(conn: SqliteConnection) -> Writer {
        let state = Arc::new(Mutex::new(GroupState {
            conn,
            open: false,
            abandoned: false,
            pending: Vec::new(),
        }));
        let (flusher, mut wake) = mpsc::unbounded_channel::<()>();
        let shared = state.clone();
        tokio::spawn(async move {
            while wake.recv().await.is_some() {
                while wake.try_recv().is_ok() {}
                shared.lock().await.flush().await;
            }
        });
        Writer {
            state,
            waiting: Arc::new(AtomicUsize::new(0)),
            flusher,
        }
    }

    /// A write transaction: the connection, inside a savepoint of the current group.
    ///
    /// Runs as a task of its own: a caller that goes away meanwhile (a client that
    /// disconnects cancels its request) must not leave the connection between a BEGIN and
    /// the bookkeeping of it; the transaction it would have had is dropped, so rolled back.
    pub(crate) async fn begin(&self) -> Result<Held> {
        let writer = self.clone();
        tokio::spawn(async move { writer.begin_here().await })
            .await
            .map_err(|e| StoreError::database(sqlx::Error::Protocol(format!("writer: {e}"))))?
    }

    async fn begin_here(&self) -> Result<Held> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut guard = self.state.clone().lock_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        guard.tidy().await?;
        // One round trip to the connection's thread either way: the writer is the one
        // serial path, so every statement saved on it counts.
        if guard.open {
            exec(&mut guard.conn, "SAVEPOINT w").await?;
        } else {
            exec(&mut guard.conn, "BEGIN IMMEDIATE; SAVEPOINT w").await?;
            guard.open = true;
        }
        Ok(Held {
            guard: Some(guard),
            writer: self.clone(),
        })
    }

    /// A write transaction of one statement, sent with its savepoint and its release in
    /// one round trip to the connection's thread (three for [`Writer::begin`], the
    /// statement and [`Held::commit`]); returns the rows it changed once its group is on
    /// disk. Runs as a task of its own, like [`Writer::begin`].
    pub(crate) async fn single(
        &self,
        sql: &'static str,
        args: sqlx::sqlite::SqliteArguments,
    ) -> Result<u64> {
        let writer = self.clone();
        tokio::spawn(async move { writer.single_here(sql, args).await })
            .await
            .map_err(|e| StoreError::database(sqlx::Error::Protocol(format!("writer: {e}"))))?
    }

    async fn single_here(
        &self,
        sql: &'static str,
        args: sqlx::sqlite::SqliteArguments,
    ) -> Result<u64> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut guard = self.state.clone().lock_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        guard.tidy().await?;
        if !guard.open {
            exec(&mut guard.conn, "BEGIN IMMEDIATE").await?;
            guard.open = true;
        }
        let wrapped = format!("SAVEPOINT w; {sql}; RELEASE SAVEPOINT w");
        let done = sqlx::query_with(sqlx::AssertSqlSafe(wrapped), args)
            .execute(&mut guard.conn)
            .await;
        let changed = match done {
            Ok(r) => r.rows_affected(),
            Err(e) => {
                // The statement failed after its savepoint was taken: undo it alone. (Had
                // the savepoint itself failed, there is nothing to undo and this fails too.)
                let _ = exec(
                    &mut guard.conn,
                    "ROLLBACK TO SAVEPOINT w; RELEASE SAVEPOINT w",
                )
                .await;
                // An empty group is not left open for long.
                let _ = self.flusher.send(());
                return Err(crate::db(e));
            }
        };
        if self.waiting.load(Ordering::SeqCst) == 0 && guard.pending.is_empty() {
            // Alone in the group: commit it now.
            let outcome = exec(&mut guard.conn, "COMMIT").await;
            guard.open = false;
            if outcome.is_err() {
                let _ = exec(&mut guard.conn, "ROLLBACK").await;
            }
            return outcome.map(|()| changed);
        }
        let told = self.join_group(guard);
        told.await.map(|()| changed)
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
        let flush_here = self.waiting.load(Ordering::SeqCst) == 0;
        let flusher = self.flusher.clone();
        async move {
            if flush_here {
                guard.flush().await;
            } else {
                let _ = flusher.send(());
            }
            drop(guard);
            match told.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(StoreError::database(sqlx::Error::Protocol(format!(
                    "group commit failed: {e}"
                )))),
                Err(_) => Err(StoreError::database(sqlx::Error::PoolClosed)),
            }
        }
    }

    /// Commits what is pending and closes nothing else: for shutdown.
    pub(crate) async fn flush(&self) {
        self.state.lock().await.flush().await;
    }
}

/// The writer connection held by one transaction.
pub(crate) struct Held {
    guard: Option<OwnedMutexGuard<GroupState>>,
    writer: Writer,
}

impl std::ops::Deref for Held {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        match &self.guard {
            Some(g) => &g.conn,
            None => unreachable!("a transaction is used only until it ends"),
        }
    }
}

impl std::ops::DerefMut for Held {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match &mut self.guard {
            Some(g) => &mut g.conn,
            None => unreachable!("a transaction is used only until it ends"),
        }
    }
}

impl Held {
    /// Keeps this transaction's work and returns once the group holding it is on disk.
    ///
    /// Runs as a task of its own, for the same reason as [`Writer::begin`]: a COMMIT sent
    /// and not accounted for would leave the group's bookkeeping wrong for every later
    /// transaction.
    pub(crate) async fn commit(self) -> Result<()> {
        tokio::spawn(self.commit_here())
            .await
            .map_err(|e| StoreError::database(sqlx::Error::Protocol(format!("writer: {e}"))))?
    }

    async fn commit_here(mut self) -> Result<()> {
        let Some(mut guard) = self.guard.take() else {
            return Err(StoreError::database(sqlx::Error::PoolClosed));
        };
        if self.writer.waiting.load(Ordering::SeqCst) == 0 && guard.pending.is_empty() {
            // Alone in the group: release and commit in one round trip.
            let outcome = exec(&mut guard.conn, "RELEASE SAVEPOINT w; COMMIT").await;
            guard.open = false;
            if outcome.is_err() {
                let _ = exec(&mut guard.conn, "ROLLBACK").await;
            }
            return outcome;
        }
        if let Err(e) = exec(&mut guard.conn, "RELEASE SAVEPOINT w").await {
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
            guard.abandoned = true;
            drop(guard);
            let _ = self.writer.flusher.send(());
        }
    }
}
