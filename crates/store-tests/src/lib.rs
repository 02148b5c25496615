//! Throwaway databases for tests: a fresh SQLite file, or a fresh database in a
//! PostgreSQL cluster that this harness starts itself (`initdb` + `pg_ctl` on a free
//! port) unless `ECRIN_TEST_PG_URL` names a server to use.
//!
//! The cluster is started once per test process and stopped by a watcher process when
//! the test process ends, however it ends.
#![forbid(unsafe_code)]

use ecrin_store::Store;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::sync::OnceCell;

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub const BOTH: [Db; 2] = [Db::Sqlite, Db::Postgres];

/// A fresh, empty, migrated database. Keep the returned guard alive as long as the store.
pub struct Fresh {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Fresh {
    pub async fn new(db: Db) -> Fresh {
        match db {
            Db::Sqlite => {
                let dir = match tempfile::tempdir() {
                    Ok(d) => d,
                    Err(e) => panic!("temporary directory: {e}"),
                };
                let url = format!("sqlite://{}", dir.path().join("shop.db").display());
                Fresh {
                    url,
                    _dir: Some(dir),
                }
            }
            Db::Postgres => Fresh {
                url: fresh_pg_database().await,
                _dir: None,
            },
        }
    }

    pub async fn open(&self) -> Arc<dyn Store> {
        open(&self.url).await
    }
}

pub async fn open(url: &str) -> Arc<dyn Store> {
    if url.starts_with("sqlite:") {
        match ecrin_store_sqlite::SqliteStore::open(url).await {
            Ok(s) => Arc::new(s),
            Err(e) => panic!("open {url}: {e}"),
        }
    } else {
        match ecrin_store_postgres::PgStore::open(url).await {
            Ok(s) => Arc::new(s),
            Err(e) => panic!("open {url}: {e}"),
        }
    }
}

static SERVER: OnceCell<String> = OnceCell::const_new();
static NEXT_DB: AtomicU32 = AtomicU32::new(0);

/// The URL of a new empty database on the test server.
pub async fn fresh_pg_database() -> String {
    let base = SERVER.get_or_init(|| async { server_url() }).await;
    let name = format!(
        "ecrin_t{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    );
    let admin = format!("{base}/postgres");
    let mut conn = match <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await {
        Ok(c) => c,
        Err(e) => panic!("connect to the test PostgreSQL at {admin}: {e}"),
    };
    let create = format!("CREATE DATABASE {name}");
    if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(create))
        .execute(&mut conn)
        .await
    {
        panic!("create database {name}: {e}");
    }
    format!("{base}/{name}")
}

/// `ECRIN_TEST_PG_URL` (without a database name), or a cluster started here.
fn server_url() -> String {
    // A server URL without a database name: each test creates its own database in it.
    if let Ok(url) = std::env::var("ECRIN_TEST_PG_URL") {
        return url.trim_end_matches('/').to_owned();
    }
    match start_cluster() {
        Ok(url) => url,
        Err(e) => {
            panic!("cannot start a throwaway PostgreSQL (set ECRIN_TEST_PG_URL to use one): {e}")
        }
    }
}

fn pg_bin(name: &str) -> PathBuf {
    for dir in [
        "/usr/lib/postgresql/15/bin",
        "/usr/lib/postgresql/16/bin",
        "/usr/lib/postgresql/17/bin",
    ] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    PathBuf::from(name)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a PostgreSQL tool, as the `postgres` user when we are root (initdb refuses root).
fn run_pg(tool: &str, args: &[&str]) -> Result<(), String> {
    let bin = pg_bin(tool);
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(&bin);
        c
    } else {
        Command::new(&bin)
    };
    let out = cmd
        .args(args)
        .output()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// A throwaway PostgreSQL cluster: its own directory, port and server.
#[derive(Debug)]
pub struct Cluster {
    dir: PathBuf,
    data: String,
    port: u16,
    options: String,
    log: String,
    /// Stop and remove it when dropped (a private cluster; the shared one lives as long
    /// as the test process, stopped by a watcher).
    private: bool,
}

impl Cluster {
    fn init(name: &str, private: bool) -> Result<Cluster, String> {
        let dir = std::env::temp_dir().join(format!("ecrin-pg-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .map_err(|e| e.to_string())?;
            if !status.success() {
                return Err("chown of the cluster directory failed".into());
            }
        }
        let data = dir.join("data").display().to_string();
        run_pg(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        )?;
        let port = free_port()?;
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400",
            dir.display()
        );
        let log = dir.join("log").display().to_string();
        let cluster = Cluster {
            dir,
            data,
            port,
            options,
            log,
            private,
        };
        cluster.start()?;
        Ok(cluster)
    }

    /// A cluster of the caller's own, which it may stop and start (PostgreSQL restarted
    /// under the shop); removed when dropped.
    pub fn private(name: &str) -> Result<Cluster, String> {
        Cluster::init(name, true)
    }

    /// The server's URL without a database name.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.port)
    }

    /// A new empty database on it: its URL.
    pub async fn database(&self, name: &str) -> String {
        let admin = format!("{}/postgres", self.url());
        let mut conn = match <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await {
            Ok(c) => c,
            Err(e) => panic!("connect to {admin}: {e}"),
        };
        if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
        {
            panic!("create database {name}: {e}");
        }
        format!("{}/{name}", self.url())
    }

    pub fn start(&self) -> Result<(), String> {
        run_pg(
            "pg_ctl",
            &[
                "-D",
                &self.data,
                "-l",
                &self.log,
                "-o",
                &self.options,
                "-w",
                "start",
            ],
        )
    }

    /// Stops the server (`fast`: connections are ended, as by a restart).
    pub fn stop(&self, mode: &str) -> Result<(), String> {
        run_pg("pg_ctl", &["-D", &self.data, "-m", mode, "-w", "stop"])
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.private {
            let _ = self.stop("immediate");
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn start_cluster() -> Result<String, String> {
    let cluster = Cluster::init("shared", false)?;
    // Stop the cluster when this process ends, however it ends.
    let pg_ctl = pg_bin("pg_ctl").display().to_string();
    let data_s = &cluster.data;
    let dir_s = cluster.dir.display().to_string();
    let stop = if is_root() {
        format!("runuser -u postgres -- {pg_ctl} -D {data_s} -m immediate stop")
    } else {
        format!("{pg_ctl} -D {data_s} -m immediate stop")
    };
    let watcher = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1; rm -rf {dir_s}",
        pid = std::process::id()
    );
    Command::new("sh")
        .args(["-c", &watcher])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    Ok(cluster.url())
}

/// Runs SQL straight on a test database, as someone with access to its files or its
/// server could (to alter what the shop must detect): the rows it changed, or the
/// database's refusal.
pub async fn raw_sql(url: &str, sql: &str) -> Result<u64, String> {
    use sqlx::Connection;
    let done = if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url)
            .await
            .map_err(|e| e.to_string())?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .map(|r| r.rows_affected())
    } else {
        let mut conn = sqlx::PgConnection::connect(url)
            .await
            .map_err(|e| e.to_string())?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .map(|r| r.rows_affected())
    };
    done.map_err(|e| e.to_string())
}
