//! The read-only connections, handed out one query at a time.
//!
//! A read runs on the task that asks for it (see [`crate::lite`]), so a connection is
//! held only for the statement's own time and goes back to the list when dropped; a
//! connection to a local file does not go stale, and a read-only one has no transaction
//! to undo.

use rusqlite::Connection;
use std::sync::Mutex;
use tokio::sync::{Semaphore, SemaphorePermit};

pub(crate) struct Readers {
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
    count: u32,
}

impl Readers {
    /// Holds the given connections.
    pub(crate) fn new(conns: Vec<Connection>) -> Readers {
        let count = u32::try_from(conns.len()).unwrap_or(u32::MAX);
        Readers {
            permits: Semaphore::new(conns.len()),
            idle: Mutex::new(conns),
            count,
        }
    }

    /// A connection for one query, waiting while all are in use.
    pub(crate) async fn acquire(&self) -> rusqlite::Result<Reader<'_>> {
        let closed = || rusqlite::Error::InvalidQuery;
        let permit = self.permits.acquire().await.map_err(|_| closed())?;
        // A permit is a connection in the list: there is one to take.
        let conn = self
            .idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .ok_or_else(closed)?;
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
        drop(conns);
    }
}

/// A read-only connection, returned to the others when dropped.
pub struct Reader<'a> {
    conn: Option<Connection>,
    readers: &'a Readers,
    _permit: SemaphorePermit<'a>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match &self.conn {
            Some(c) => c,
            None => unreachable!("a reader holds its connection until dropped"),
        }
    }
}

impl std::ops::DerefMut for Reader<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
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
