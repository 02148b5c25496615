//! `ecrin`: the shop server and its maintenance commands. A thin shim: the work is in
//! the library crates.
#![forbid(unsafe_code)]

mod backup;
mod settings;

use anyhow::Context;
use clap::{Parser, Subcommand};
use ecrin_app::{App, Clock, SystemClock, TestClock};
use ecrin_store::Store;
use ecrin_web::{Application, WebSettings};
use settings::{Settings, redact_url};
use std::sync::Arc;
use std::time::Instant;

/// mimalloc instead of the C library's allocator: a purchase allocates and frees many small
/// buffers across the runtime's threads, and glibc's arenas spent about a sixth of the
/// server's CPU on it (BENCHMARKS.md, "SQLite's settings and the allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Écrin: an e-commerce engine for jewellery houses whose terms of sale are code.
#[derive(Debug, Parser)]
#[command(name = "ecrin", version, about, long_about = None)]
struct Cli {
    /// A TOML file with the settings (the environment variables win over it).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the shop (the default): storefront, API, operations endpoints.
    Serve,
    /// Create the database if needed and apply the migrations.
    Migrate,
    /// Load the demo catalogue into an empty database.
    Seed,
    /// Delete what has outlived its purpose now (`serve` also does it every hour): the
    /// security log past the profile's retention, ended sessions and visitors' baskets,
    /// spent tokens.
    Purge,
    /// Check that no order's history was altered (INV-5): every event is recomputed from
    /// its fields and the hash of the one before it. Exits 1 naming the first broken link
    /// of each order whose chain does not hold.
    Verify,
    /// Write a backup of the database to PATH (which must not exist), while the shop
    /// serves: SQLite's online backup, or `pg_dump` on PostgreSQL.
    Backup { path: std::path::PathBuf },
    /// Put a backup made by `ecrin backup` into the database, apply this version's
    /// migrations and check every order's history. The shop must be stopped.
    Restore {
        path: std::path::PathBuf,
        /// Replace the database's content (by default an SQLite file must not exist yet,
        /// a PostgreSQL database must be empty).
        #[arg(long)]
        replace: bool,
    },
    /// Staff accounts and other administration.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The catalogue as CSV: one row per variant, its product's fields on each.
    #[command(subcommand)]
    Catalogue(CatalogueCommand),
}

#[derive(Debug, Subcommand)]
enum CatalogueCommand {
    /// Import a CSV file (idempotent by SKU); rows refused are listed by line and column
    /// and exit status 1 says some were.
    Import {
        file: std::path::PathBuf,
        /// Check every row and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The admin the import is made as (default: ECRIN_ADMIN_EMAIL).
        #[arg(long = "as", value_name = "EMAIL")]
        staff: Option<String>,
    },
    /// Export the catalogue as CSV to FILE, or to standard output.
    Export {
        file: Option<std::path::PathBuf>,
        /// The admin the export is made as (default: ECRIN_ADMIN_EMAIL).
        #[arg(long = "as", value_name = "EMAIL")]
        staff: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a member of staff. The password is read from the first line of standard
    /// input: `printf '%s\n' "$PASSWORD" | ecrin admin create-staff --email … --name … --role …`.
    CreateStaff {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, customer_service, warehouse or accountant.
        #[arg(long)]
        role: String,
    },
    /// Remove a member of staff's second factor (a lost phone and lost recovery codes, with
    /// no other admin to reset it): their sessions end; they set a new one up at their next
    /// login.
    RemoveSecondFactor {
        #[arg(long)]
        email: String,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref(), |k| std::env::var(k).ok()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ecrin: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let profile = match ecrin_app::profiles::load(&settings.profile) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("ecrin: ECRIN_PROFILE: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    init_logs();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ecrin: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(settings, profile).await,
            Command::Migrate => migrate(&settings).await,
            Command::Seed => seed(settings, profile).await,
            Command::Purge => purge(settings, profile).await,
            Command::Verify => verify(settings, profile).await,
            Command::Backup { path } => backup::backup(&settings.database_url, &path).await,
            Command::Restore { path, replace } => {
                backup::restore(&settings.database_url, &path, replace).await?;
                migrate(&settings).await?;
                verify(settings, profile).await
            }
            Command::Admin(AdminCommand::CreateStaff { email, name, role }) => {
                create_staff(settings, profile, &email, &name, &role).await
            }
            Command::Admin(AdminCommand::RemoveSecondFactor { email }) => {
                let store = open_store(&settings.database_url).await?;
                let app = app(store.clone(), profile, &settings);
                let done = ecrin_app::team::remove_second_factor(&app, &email).await;
                store.close().await;
                match done {
                    Ok(s) => {
                        println!("The second factor of {} ({}) is removed.", s.name, s.email);
                        Ok(())
                    }
                    Err(ecrin_app::AppError::NotFound) => {
                        anyhow::bail!("--email: no member of staff has the address {email}")
                    }
                    Err(e) => Err(anyhow::anyhow!("{e}")),
                }
            }
            Command::Catalogue(c) => catalogue(settings, profile, c).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ecrin: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logs() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if std::env::var("ECRIN_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    let shown = redact_url(url);
    if url.starts_with("sqlite:") {
        let store = ecrin_store_sqlite::SqliteStore::open(url)
            .await
            .with_context(|| format!("ECRIN_DATABASE_URL: cannot open {shown}"))?;
        Ok(Arc::new(store))
    } else {
        let store = ecrin_store_postgres::PgStore::open(url)
            .await
            .with_context(|| format!("ECRIN_DATABASE_URL: cannot open {shown}"))?;
        Ok(Arc::new(store))
    }
}

async fn purge(settings: Settings, profile: ecrin_core::Profile) -> anyhow::Result<()> {
    let store = open_store(&settings.database_url).await?;
    let app = app(store.clone(), profile, &settings);
    let purged = ecrin_app::retention::purge(&app).await?;
    for (what, n) in purged {
        println!("{what:<22} {n:>8} deleted");
    }
    store.close().await;
    Ok(())
}

async fn verify(settings: Settings, profile: ecrin_core::Profile) -> anyhow::Result<()> {
    use std::io::Write;
    let store = open_store(&settings.database_url).await?;
    let app = app(store.clone(), profile, &settings);
    eprintln!(
        "Checking the history of every order in {} …",
        redact_url(&settings.database_url)
    );
    let started = Instant::now();
    let mut shown = Instant::now();
    let report = ecrin_app::proof::verify(&app, |events| {
        if shown.elapsed().as_millis() >= 500 {
            eprint!("\r  {events} events checked");
            let _ = std::io::stderr().flush();
            shown = Instant::now();
        }
    })
    .await?;
    store.close().await;
    eprint!("\r");
    for broken in &report.broken {
        println!("BROKEN {broken}");
    }
    println!(
        "{} orders, {} events checked in {:.1} s: {}",
        report.orders,
        report.events,
        started.elapsed().as_secs_f64(),
        if report.broken.is_empty() {
            "every chain holds.".to_owned()
        } else {
            format!("{} broken.", report.broken.len())
        }
    );
    if report.broken.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "the history of {} orders does not hold",
            report.broken.len()
        )
    }
}

async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(&settings.database_url).await?;
    store.close().await;
    println!(
        "Database {} is migrated.",
        redact_url(&settings.database_url)
    );
    Ok(())
}

fn app(store: Arc<dyn Store>, profile: ecrin_core::Profile, settings: &Settings) -> App {
    let clock: Arc<dyn Clock> = if settings.test_mode {
        Arc::new(TestClock::new())
    } else {
        Arc::new(SystemClock)
    };
    let mut app = App::new(store, Arc::new(profile), clock, settings.public_url.clone())
        .with_media_dir(settings.media_dir.clone());
    if let Some(card) = &settings.card_provider {
        app = app.with_provider(card.provider.clone());
    }
    match &settings.payment_secret {
        Some(secret) => app.with_payment_secret(secret.expose()),
        None => app,
    }
}

async fn seed(settings: Settings, profile: ecrin_core::Profile) -> anyhow::Result<()> {
    let store = open_store(&settings.database_url).await?;
    let app = app(store.clone(), profile, &settings);
    if store.count_products().await? > 0 {
        anyhow::bail!(
            "the catalogue is not empty: the demo catalogue loads only into an empty database"
        );
    }
    let n = ecrin_app::catalogue::seed_demo(&app).await?;
    println!("Demo catalogue loaded: {n} pieces.");
    store.close().await;
    Ok(())
}

/// `ecrin catalogue import|export`, as an admin of the shop.
async fn catalogue(
    settings: Settings,
    profile: ecrin_core::Profile,
    command: CatalogueCommand,
) -> anyhow::Result<()> {
    let store = open_store(&settings.database_url).await?;
    let app = app(store.clone(), profile, &settings);
    let result = catalogue_with(&app, &settings, command).await;
    store.close().await;
    result
}

async fn catalogue_with(
    app: &App,
    settings: &Settings,
    command: CatalogueCommand,
) -> anyhow::Result<()> {
    let as_staff = |given: &Option<String>| given.clone().unwrap_or(settings.admin_email.clone());
    let staff_of = |email: String| async move {
        ecrin_app::staff::by_email(app, &email)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .with_context(|| format!("--as: no member of staff has the address {email}"))
    };
    match command {
        CatalogueCommand::Export { file, staff } => {
            let staff = staff_of(as_staff(&staff)).await?;
            let csv = ecrin_app::catalogue_csv::export(app, &staff.id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            match file {
                Some(path) => {
                    std::fs::write(&path, &csv)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!(
                        "Catalogue exported to {} ({} rows).",
                        path.display(),
                        csv.iter()
                            .filter(|b| **b == b'\n')
                            .count()
                            .saturating_sub(1)
                    );
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&csv)?;
                }
            }
            Ok(())
        }
        CatalogueCommand::Import {
            file,
            dry_run,
            staff,
        } => {
            let staff = staff_of(as_staff(&staff)).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let rows = bytes
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                .saturating_sub(1) as u64;
            let bar = indicatif::ProgressBar::new(rows.max(1));
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:40}] {pos}/{len} rows, {eta} left",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(if dry_run { "Checking" } else { "Importing" });
            let report = ecrin_app::catalogue_csv::import(app, &staff.id, &bytes, dry_run, |n| {
                bar.set_position(n)
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"));
            bar.finish_and_clear();
            let report = report?;
            for r in &report.rejected {
                eprintln!(
                    "line {}, column {}: {}",
                    r.line,
                    if r.column.is_empty() { "-" } else { &r.column },
                    r.message
                );
            }
            println!(
                "{}{} created, {} updated, {} rows refused.",
                if dry_run {
                    "Dry run (nothing written): "
                } else {
                    ""
                },
                report.created,
                report.updated,
                report.rejected.len()
            );
            if report.rejected.is_empty() {
                Ok(())
            } else {
                anyhow::bail!(
                    "{} rows of {} were refused",
                    report.rejected.len(),
                    file.display()
                )
            }
        }
    }
}

async fn create_staff(
    settings: Settings,
    profile: ecrin_core::Profile,
    email: &str,
    name: &str,
    role: &str,
) -> anyhow::Result<()> {
    let role = ecrin_core::account::Role::parse(role).with_context(|| {
        format!("--role: `{role}` is not one of admin, customer_service, warehouse, accountant")
    })?;
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        anyhow::bail!(
            "no password on standard input: printf '%s\\n' \"$PASSWORD\" | ecrin admin create-staff …"
        );
    }
    let store = open_store(&settings.database_url).await?;
    let app = app(store.clone(), profile, &settings);
    let result = ecrin_app::staff::create_staff(&app, email, name, role, password).await;
    store.close().await;
    let staff = result.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "Created {} ({}) with the role {}.",
        staff.name,
        staff.email,
        staff.role.as_str()
    );
    Ok(())
}

async fn serve(settings: Settings, profile: ecrin_core::Profile) -> anyhow::Result<()> {
    let started = Instant::now();
    let store = open_store(&settings.database_url).await?;
    let shop_name = profile.shop_name.clone();
    let profile_id = profile.id.clone();
    let app = app(store.clone(), profile, &settings);
    let empty = store.count_products().await? == 0;
    let loading_demo = settings.demo_data.unwrap_or(empty) && empty;
    if loading_demo {
        let n = ecrin_app::catalogue::seed_demo(&app).await?;
        println!("Demo catalogue loaded: {n} pieces.");
    }
    // No account with a published password unless the demo is what is being set up.
    let given = settings
        .admin_password
        .as_ref()
        .map(settings::Secret::expose);
    let known = given.is_none_or(|p| p == settings::DEMO_ADMIN_PASSWORD);
    let first_admin = ecrin_app::staff::by_email(&app, &settings.admin_email).await?;
    if first_admin.is_none() && known && !loading_demo && given.is_some() {
        anyhow::bail!(
            "ECRIN_ADMIN_PASSWORD: the demo's password is published; the first admin of a shop \
             that is not the demo needs a password of its own"
        );
    }
    let shown_password = match given {
        _ if first_admin.is_some() => "(as set)",
        Some(p) if p != settings::DEMO_ADMIN_PASSWORD => "(the one in ECRIN_ADMIN_PASSWORD)",
        _ if loading_demo => settings::DEMO_ADMIN_PASSWORD,
        _ => "",
    };
    if first_admin.is_none() && !shown_password.is_empty() {
        ecrin_app::staff::ensure_first_admin(
            &app,
            &settings.admin_email,
            given.unwrap_or(settings::DEMO_ADMIN_PASSWORD),
        )
        .await
        .map_err(|e| {
            anyhow::anyhow!("ECRIN_ADMIN_PASSWORD: the first admin could not be created: {e}")
        })?;
        tracing::info!("first admin account created");
    }
    // E-mails wait in the outbox; with an SMTP server they are delivered from it.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let outbox = match &settings.smtp_url {
        Some(url) => {
            let roots = match &settings.smtp_ca_file {
                Some(f) => Some(
                    std::fs::read(f)
                        .with_context(|| format!("ECRIN_SMTP_CA_FILE: {}", f.display()))?,
                ),
                None => None,
            };
            let mailer = ecrin_app::mailer::SmtpMailer::trusting(
                url,
                &app.profile.shop_name,
                &app.profile.merchant.email,
                roots.as_deref(),
            )
            .map_err(|e| anyhow::anyhow!("ECRIN_SMTP_URL: {e}"))?;
            Some(tokio::spawn(ecrin_app::mailer::run_outbox(
                app.clone(),
                Arc::new(mailer),
                std::time::Duration::from_secs(1),
                stop_rx,
            )))
        }
        None => None,
    };
    // PRV-7: what has outlived its purpose is deleted at start and every hour.
    let purge = tokio::spawn(ecrin_app::retention::run(
        app.clone(),
        std::time::Duration::from_secs(3600),
        stop_tx.subscribe(),
    ));
    // Work due later (a bank transfer's deadline, …), shared with other processes.
    let jobs = tokio::spawn(ecrin_app::jobs::run(
        app.clone(),
        std::time::Duration::from_secs(1),
        stop_tx.subscribe(),
    ));
    let web = WebSettings {
        addr: settings.addr,
        test_mode: settings.test_mode,
        auth_attempts_per_minute: settings.auth_attempts_per_minute,
        trusted_proxies: settings.trusted_proxies.clone(),
    };
    let server = Application::build(&web, app)
        .await
        .with_context(|| format!("ECRIN_ADDR: cannot listen on {}", settings.addr))?;
    let url = format!("http://{}:{}", settings.addr.ip(), server.port());
    println!(
        "{shop_name} (profile {profile_id}) on {}",
        redact_url(&settings.database_url)
    );
    println!("  Shop:          {url}/");
    println!("  API:           {url}/api/v1/products   (OpenAPI: {url}/api/openapi.json)");
    if shown_password.is_empty() {
        println!(
            "  Staff login:   none yet: set ECRIN_ADMIN_PASSWORD, or \
             printf '%s\\n' \"$PASSWORD\" | ecrin admin create-staff --role admin …"
        );
    } else {
        println!(
            "  Staff login:   {} / {shown_password}",
            settings.admin_email
        );
    }
    match &settings.card_provider {
        Some(card) => println!("  Card payments: {}", card.banner),
        None => println!(
            "  Card payments: the built-in sandbox (test cards; set ECRIN_PAYMENT_PROVIDER=stripe or lyra to take real ones)"
        ),
    }
    match &settings.smtp_url {
        Some(url) => println!("  E-mail:        delivered through {}", redact_url(url)),
        None => println!("  E-mail:        kept in the outbox (set ECRIN_SMTP_URL to deliver)"),
    }
    if settings.test_mode {
        println!("  Test mode:     on (movable clock, /api/v1/test/*)");
    }
    println!(
        "  Ready in {} ms. Ctrl-C stops the shop.",
        started.elapsed().as_millis()
    );
    server.run_until_stopped(shutdown_signal()).await?;
    let _ = stop_tx.send(true);
    if let Some(task) = outbox {
        let _ = task.await;
    }
    let _ = purge.await;
    let _ = jobs.await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
