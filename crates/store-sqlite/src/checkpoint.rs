//! Copies the write-ahead log into the database file beside the writer.
//!
//! Left to itself, SQLite's writer checkpoints the log inside the COMMIT that takes it past
//! a thousand frames: it syncs the log, copies the log's pages into the database file,
//! syncs that file, and syncs the log's header again when it next starts the log from its
//! beginning. While other processes load the disk each of those syncs takes 5–15 ms, and
//! the writer and every group queued behind it wait for all three.
//!
//! Here a thread of its own does the copying on a connection of its own: a passive
//! checkpoint every [`EVERY`], which takes no lock that the writer or the readers need.
//! Its connection keeps `synchronous=FULL`, so SQLite still syncs the log before copying
//! from it and the database file after, whatever the writer's own setting.
//!
//! The writer still checkpoints once the log passes [`WRITER_FRAMES`] frames. SQLite
//! starts the log again from its beginning only when a write begins with every frame
//! already copied, which a steady stream of orders never leaves time for, so without that
//! the log would grow without end; with it, the writer's checkpoint finds nearly every
//! frame copied, and the log stays under about 80 MB.

use crate::group::Stats;
use rusqlite::Connection;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How often the log is copied into the database file.
pub(crate) const EVERY: Duration = Duration::from_millis(100);

/// Frames past which the writer checkpoints the log itself (4 KiB each).
pub(crate) const WRITER_FRAMES: u32 = 20_000;

/// The checkpointing thread; it stops when this is dropped.
pub(crate) struct Checkpointer {
    _stop: mpsc::Sender<()>,
}

impl Checkpointer {
    /// Starts checkpointing through `conn`, a read-write connection to the writer's file.
    pub(crate) fn start(conn: Connection, stats: Arc<Stats>) -> std::io::Result<Checkpointer> {
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("ecrin-wal-checkpoint".into())
            .spawn(move || run(&conn, &stopped, &stats))?;
        Ok(Checkpointer { _stop: stop })
    }
}

/// The checkpointer's loop: a passive checkpoint every [`EVERY`] until the sender goes.
/// Only checkpoints that found frames to copy are counted.
fn run(conn: &Connection, stopped: &mpsc::Receiver<()>, stats: &Stats) {
    // (frames in the log, frames copied) after the last checkpoint.
    let mut last = (0, 0);
    while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
        let since = Instant::now();
        let outcome = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            Ok((row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
        });
        match outcome {
            Ok(now) => {
                if now != last && now.1 > 0 {
                    stats.checkpointed(since);
                }
                last = now;
            }
            // A checkpoint or a recovery under way elsewhere: the next turn tries again.
            Err(e) => tracing::debug!(error = %e, "background checkpoint skipped"),
        }
    }
}
