//! Makes committed groups durable off the writer connection.
//!
//! The writer connection runs with `synchronous=NORMAL`: its COMMIT appends the group's
//! frames to the write-ahead log and lets the writer go without waiting for the disk.
//! This thread then syncs the log (`fdatasync`) and only then answers the group's
//! members, so no caller hears that a write is done before it would survive a power cut:
//! the promise of `synchronous=FULL`, which syncs inside the COMMIT. SQLite itself still
//! syncs the log's header when the log restarts, and the log before and the database after
//! each checkpoint (made beside the writer too, see [`crate::checkpoint`]).
//!
//! Meanwhile the next group runs on the writer. One sync covers every group committed
//! before it began, so a slow disk makes the batches of groups larger instead of keeping
//! the writer idle. A group's frames follow the earlier groups' in the log, and recovery
//! replays the log only up to the first frame that did not reach the disk, so a group that
//! survives a crash never lacks an earlier one it may have built on.
//!
//! The price: another connection can read a group's rows between its COMMIT and its sync.
//! A power cut in that window (a millisecond, more while other processes load the disk)
//! undoes rows a reader has seen, though never one whose writer was told it was done.
//!
//! A failed sync leaves it unknown what reached the disk: its members hear the error,
//! and the writer refuses every later write until the shop is restarted and SQLite
//! recovers the database from what the disk holds.

use crate::group::Stats;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use tokio::sync::oneshot;

/// A caller waiting to hear whether its group is on disk.
pub(crate) type Member = oneshot::Sender<Result<(), String>>;

/// How the log is made durable: `fdatasync` of the WAL file, through a descriptor of our
/// own (a sync applies to the file, whichever descriptor asks).
pub(crate) type SyncLog = Box<dyn FnMut() -> std::io::Result<()> + Send>;

/// Syncs the WAL file at `path`, opened afresh each time so the file SQLite uses now is
/// the one synced.
pub(crate) fn wal_sync(path: PathBuf) -> SyncLog {
    Box::new(move || std::fs::File::open(&path)?.sync_data())
}

/// The queue of committed groups waiting for their sync.
#[derive(Clone)]
pub(crate) struct Syncer {
    queue: mpsc::Sender<Vec<Member>>,
    failed: Arc<OnceLock<String>>,
}

impl Syncer {
    /// Starts the thread that syncs with `sync`.
    pub(crate) fn start(mut sync: SyncLog, stats: Arc<Stats>) -> std::io::Result<Syncer> {
        let (queue, groups) = mpsc::channel::<Vec<Member>>();
        let failed = Arc::new(OnceLock::<String>::new());
        let failure = failed.clone();
        std::thread::Builder::new()
            .name("ecrin-wal-sync".into())
            .spawn(move || run(&groups, &mut sync, &stats, &failure))?;
        Ok(Syncer { queue, failed })
    }

    /// Answers `members` once everything committed so far is on disk.
    pub(crate) fn after_sync(&self, members: Vec<Member>) {
        if let Err(mpsc::SendError(members)) = self.queue.send(members) {
            for member in members {
                let _ = member.send(Err("the log's syncer has stopped".to_owned()));
            }
        }
    }

    /// Why writes are refused, once a sync has failed.
    pub(crate) fn failure(&self) -> Option<&str> {
        self.failed.get().map(String::as_str)
    }
}

/// The syncer's loop: one sync for every batch of groups queued by the time it begins;
/// ends when the writer, holding the last sender, is gone.
fn run(
    groups: &mpsc::Receiver<Vec<Member>>,
    sync: &mut SyncLog,
    stats: &Stats,
    failure: &OnceLock<String>,
) {
    while let Ok(mut members) = groups.recv() {
        while let Ok(more) = groups.try_recv() {
            members.extend(more);
        }
        let outcome = match failure.get() {
            Some(e) => Err(e.clone()),
            None => {
                let since = Instant::now();
                let synced = sync();
                stats.synced(since);
                synced.map_err(|e| {
                    let message = format!("the write-ahead log could not be synced: {e}");
                    tracing::error!(%message, "writer: writes are refused until restart");
                    failure.get_or_init(|| message).clone()
                })
            }
        };
        for member in members {
            let _ = member.send(outcome.clone());
        }
    }
}
