//! The read-only connections, handed out one query at a time.
//!
//! sqlx's pool checks a connection with a round trip to its thread when handing it out
//! and again, in a task of its own, when taking it back: three hand-offs between threads
//! for every query, where the query itself needs one. A connection to a local file does
//! not go stale, and a read cancelled half-way leaves nothing behind (the connection's
//! thread resets the statement as soon as nobody listens to its rows, and a read-only
//! connection has no transaction to undo), so these connections are handed out and taken
//! back without either check.

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::sync::Mutex;
use tokio::sync::{Semaphore, SemaphorePermit};

pub(crate) struct Readers {
    idle: Mutex<Vec<SqliteConnection>>,
    permits: Semaphore,
    count: u32,
}

impl Readers {
    /// Opens `count` read-only connections.
    pub(crate) async fn open(
        options: &SqliteConnectOptions,
        count: u32,
    ) -> Result<Readers, sqlx::Error> {
        let mut idle = Vec::new();
        for _ in 0..count {
            idle.push(SqliteConnection::connect_with(options).await?);
        }
        Ok(Readers {
            permits: Semaphore::new(idle.len()),
            idle: Mutex::new(idle),
            count,
        })
    }

    /// A connection for one query, waiting while all are in use.
    pub(crate) async fn acquire(&self) -> Result<Reader<'_>, sqlx::Error> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        // A permit is a connection in the list: there is one to take.
        let conn = self
            .idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .ok_or(sqlx::Error::PoolClosed)?;
        Ok(Reader {
            conn: Some(conn),
            readers: self,
            _permit: permit,
        })
    }

    /// Closes every connection once it is back; later acquisitions fail.
    pub(crate) async fn close(&self) {
        if let Ok(all) = self.permits.acquire_many(self.count).await {
            all.forget();
        }
        self.permits.close();
        let conns = std::mem::take(&mut *self.idle.lock().unwrap_or_else(|e| e.into_inner()));
        for conn in conns {
            let _ = conn.close().await;
        }
    }
}

/// One connection, returned to the others when dropped.
pub(crate) struct Reader<'a> {
    conn: Option<SqliteConnection>,
    readers: &'a Readers,
    _permit: SemaphorePermit<'a>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        match &self.conn {
            Some(c) => c,
            None => unreachable!("a reader holds its connection until dropped"),
        }
    }
}

impl std::ops::DerefMut for Reader<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match &mut self.conn {
            Some(c) => c,
            None => unreachable!("a reader holds its connection until dropped"),
        }
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.readers
                .idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(conn);
        }
        // The permit is released after the connection is back in the list.
    }
}
