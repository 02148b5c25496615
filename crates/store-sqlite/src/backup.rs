//! Copies of the database file taken while the shop serves: SQLite's online backup API
//! (<https://www.sqlite.org/backup.html>), all pages in one step, so the copy is the
//! database as of one moment. In WAL mode that step is a read transaction: the shop's
//! writers go on meanwhile, and commits after its start are not in the copy.

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a copy holds, checked on the copy itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    pub pages: i64,
    pub page_size: i64,
}

/// The path a copy is written to before it is complete: `to` + `.partial`.
fn partial(to: &Path) -> PathBuf {
    let mut p = to.as_os_str().to_owned();
    p.push(".partial");
    PathBuf::from(p)
}

/// Copies the database file `from` into `to`, which must not exist. The copy is written
/// beside `to`, checked (`PRAGMA quick_check`), synced, and only then renamed to `to`: an
/// interrupted copy never leaves a file that looks like a backup.
pub async fn copy(from: &Path, to: &Path) -> Result<Copied, String> {
    let (from, to) = (from.to_owned(), to.to_owned());
    tokio::task::spawn_blocking(move || copy_blocking(&from, &to))
        .await
        .map_err(|e| e.to_string())?
}

fn copy_blocking(from: &Path, to: &Path) -> Result<Copied, String> {
    if to.exists() {
        return Err(format!("{} exists already", to.display()));
    }
    if !from.is_file() {
        return Err(format!("{} is not a file", from.display()));
    }
    let source = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| e.to_string())?;
    source
        .busy_timeout(Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let tmp = partial(to);
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        let mut target = Connection::open(&tmp).map_err(|e| e.to_string())?;
        {
            let backup = Backup::new(&source, &mut target).map_err(|e| e.to_string())?;
            // -1: every page in one step, under one read transaction of the source.
            loop {
                match backup.step(-1).map_err(|e| e.to_string())? {
                    StepResult::Done => break,
                    // The source is locked by a writer not in WAL mode: wait, try again.
                    _ => std::thread::sleep(Duration::from_millis(50)),
                }
            }
        }
        // A copy is one self-contained file: no write-ahead log beside it.
        let _: String = target
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .map_err(|e| e.to_string())?;
        let check: String = target
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(|e| e.to_string())?;
        if check != "ok" {
            return Err(format!("the copy fails its check: {check}"));
        }
        let pages: i64 = target
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .map_err(|e| e.to_string())?;
        let page_size: i64 = target
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .map_err(|e| e.to_string())?;
        target.close().map_err(|(_, e)| e.to_string())?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| e.to_string())?;
        Ok(Copied { pages, page_size })
    })();
    match result {
        Ok(copied) => {
            std::fs::rename(&tmp, to).map_err(|e| e.to_string())?;
            if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
                let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
            }
            Ok(copied)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Puts the copy `backup` in place of the database file `db`: the copy is made beside it,
/// then `db`'s write-ahead log and shared memory are removed and the copy renamed over
/// it. No process may have `db` open meanwhile.
pub async fn restore(backup: &Path, db: &Path) -> Result<Copied, String> {
    let next = partial(db).with_extension("restoring");
    let _ = std::fs::remove_file(&next);
    let copied = copy(backup, &next).await?;
    for suffix in ["-wal", "-shm"] {
        let mut side = db.as_os_str().to_owned();
        side.push(suffix);
        match std::fs::remove_file(PathBuf::from(side)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e.to_string());
            }
            _ => {}
        }
    }
    std::fs::rename(&next, db).map_err(|e| e.to_string())?;
    Ok(copied)
}

/// The file of an `sqlite://path?…` URL.
pub fn file_of(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let file = rest.split('?').next().unwrap_or(rest);
    (!file.is_empty() && !file.contains(":memory:")).then(|| PathBuf::from(file))
}
