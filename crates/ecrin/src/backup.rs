//! `ecrin backup PATH` and `ecrin restore PATH`, on either database.
//!
//! - SQLite: the online backup API, while the shop serves (see
//!   `ecrin_store_sqlite::backup`); a restore puts the copy in place of the database file.
//! - PostgreSQL: `pg_dump`'s custom format, one consistent snapshot
//!   (a repeatable-read transaction) while the shop serves; a restore is `pg_restore` in
//!   one transaction into an empty database, so a failed restore leaves nothing behind.
//!
//! A restore then applies this version's migrations (a backup of an older version is
//! upgraded) and checks every order's history (`ecrin verify`).

use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// What a backup file is, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sqlite,
    PgDump,
}

fn kind_of(path: &Path) -> anyhow::Result<Kind> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let n = file.read(&mut head)?;
    if head[..n].starts_with(b"SQLite format 3\0") {
        Ok(Kind::Sqlite)
    } else if head[..n].starts_with(b"PGDMP") {
        Ok(Kind::PgDump)
    } else {
        anyhow::bail!(
            "{} is neither an SQLite backup nor a pg_dump archive",
            path.display()
        )
    }
}

/// A PostgreSQL client tool: on the PATH, else the newest of Debian's
/// `/usr/lib/postgresql/*/bin` (a dump needs a `pg_dump` at least as new as the server).
fn pg_tool(name: &str) -> anyhow::Result<PathBuf> {
    if let Ok(path) = std::env::var("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let tool = e.path().join("bin").join(name);
            tool.is_file().then_some((version, tool))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p).with_context(|| {
        format!("{name} is not installed (Debian: apt-get install postgresql-client)")
    })
}

fn run(mut cmd: Command, what: &str) -> anyhow::Result<()> {
    let out = cmd.output().with_context(|| format!("cannot run {what}"))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let first = stderr
        .lines()
        .find(|l| l.contains("error"))
        .or_else(|| stderr.lines().next())
        .unwrap_or("no message");
    anyhow::bail!("{what} failed: {}", first.trim())
}

fn size(path: &Path) -> String {
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Writes a backup of the database at `url` to `to`, which must not exist.
pub async fn backup(url: &str, to: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    if to.exists() {
        anyhow::bail!("{} exists already: a backup never overwrites", to.display());
    }
    if let Some(file) = ecrin_store_sqlite::backup::file_of(url) {
        eprintln!("Copying {} (online backup) …", file.display());
        ecrin_store_sqlite::backup::copy(&file, to)
            .await
            .map_err(|e| anyhow::anyhow!("backup: {e}"))?;
    } else {
        let pg_dump = pg_tool("pg_dump")?;
        eprintln!("Dumping the database with {} …", pg_dump.display());
        // Written beside, renamed when complete: no half-written backup under its name.
        let partial = with_suffix(to, ".partial");
        let _ = std::fs::remove_file(&partial);
        let mut cmd = Command::new(&pg_dump);
        cmd.args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
            .arg(&partial)
            .arg(format!("--dbname={url}"));
        if let Err(e) = run(cmd, "pg_dump") {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
        std::fs::rename(&partial, to)?;
    }
    println!(
        "Backup written to {} ({}) in {:.1} s.",
        to.display(),
        size(to),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// Puts the backup `from` into the database at `url`: an SQLite file that does not exist
/// yet (or any, with `replace`), or an empty PostgreSQL database.
pub async fn restore(url: &str, from: &Path, replace: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let kind = kind_of(from)?;
    match (ecrin_store_sqlite::backup::file_of(url), kind) {
        (Some(file), Kind::Sqlite) => {
            if file.exists() && !replace {
                anyhow::bail!(
                    "{} exists: stop the shop and pass --replace to put the backup in its place",
                    file.display()
                );
            }
            eprintln!("Restoring {} into {} …", from.display(), file.display());
            ecrin_store_sqlite::backup::restore(from, &file)
                .await
                .map_err(|e| anyhow::anyhow!("restore: {e}"))?;
        }
        (None, Kind::PgDump) => {
            let pg_restore = pg_tool("pg_restore")?;
            eprintln!(
                "Restoring {} with {} …",
                from.display(),
                pg_restore.display()
            );
            let mut cmd = Command::new(&pg_restore);
            cmd.args([
                "--single-transaction",
                "--exit-on-error",
                "--no-owner",
                "--no-privileges",
            ]);
            if replace {
                cmd.args(["--clean", "--if-exists"]);
            }
            cmd.arg(format!("--dbname={url}")).arg(from);
            run(cmd, "pg_restore").map_err(|e| {
                e.context("nothing was restored (the database must be empty, or pass --replace)")
            })?;
        }
        (Some(_), Kind::PgDump) => {
            anyhow::bail!(
                "{} is a PostgreSQL backup: restore it into a postgres:// database",
                from.display()
            )
        }
        (None, Kind::Sqlite) => {
            anyhow::bail!(
                "{} is an SQLite backup: restore it into a sqlite:// database",
                from.display()
            )
        }
    }
    println!("Restored in {:.1} s.", started.elapsed().as_secs_f64());
    Ok(())
}
