//! `TestApp`: a fresh database, a profile, the app on a random port, a client.

use ecrin_app::{App, TestClock};
use ecrin_store_tests::{Db, Fresh};
use ecrin_web::{Application, WebSettings};
use reqwest::header::HeaderMap;
use std::sync::Arc;
use tokio::sync::oneshot;

pub struct TestApp {
    pub app: App,
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub profile: &'static str,
    _fresh: Fresh,
    /// The database the shop runs on.
    url: String,
    _stop: oneshot::Sender<()>,
    /// Product photos, removed with the app.
    _media: tempfile::TempDir,
    /// The Stripe stand-in, when the shop takes cards through Stripe.
    pub stripe: Option<crate::standins::StripeStandIn>,
    /// The Lyra stand-in, with `Options::lyra`.
    pub lyra: Option<crate::standins::StandIn>,
    /// The test admin's authenticator app: its secret and the last time step it gave.
    admin_totp: totp_rs::Totp,
    admin_id: String,
    admin_step: std::sync::Mutex<u64>,
}

/// The moment a test app in test mode starts at, whatever the day the tests run: the
/// demo catalogue's terms, products and prices are dated from it, so the days tests
/// set the clock to (in December 2026 and after) always come after them. A Tuesday
/// morning, no public holiday.
pub const SHOP_START: &str = "2026-12-01T09:00:00+01:00";

pub fn shop_start() -> jiff::Timestamp {
    SHOP_START
        .parse()
        .unwrap_or_else(|e| panic!("{SHOP_START}: {e}"))
}

/// The admin every test app starts with; their second factor is set up at start.
pub const ADMIN_EMAIL: &str = "admin@maison.test";
pub const ADMIN_PASSWORD: &str = "the admin secret";

/// An authenticator app for `secret` (base32), as a member of staff would set it up.
pub fn authenticator(secret: &str) -> totp_rs::Totp {
    let secret = totp_rs::Secret::try_from_base32(secret).unwrap_or_else(|e| panic!("{e}"));
    totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The code `app` shows at the shop's time, for a time step after `last` (RFC 6238 takes
/// each step once): the current step, or a step ahead when this one is taken (one step of
/// skew is allowed), else the shop's clock moves on (in test mode) or the test waits for
/// the next step. Never the step before: the shop's clock may cross into the next step
/// between this call and the check, and the code would then be two steps old.
pub async fn next_code(shop: &App, app: &totp_rs::Totp, last: &std::sync::Mutex<u64>) -> String {
    loop {
        let step = u64::try_from(shop.clock.now_ms() / 1000).unwrap_or(0) / 30;
        {
            let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
            let target = (*last + 1).max(step);
            if target <= step + 1 {
                *last = target;
                return app.generate(target * 30).to_string();
            }
        }
        match shop.clock.as_test() {
            Some(clock) => clock.advance(jiff::SignedDuration::from_secs(30)),
            None => tokio::time::sleep(std::time::Duration::from_secs(30)).await,
        }
    }
}

pub struct Options {
    pub test_mode: bool,
    pub demo: bool,
    /// Login, sign-up and reset attempts per address and minute; the tests all come from
    /// 127.0.0.1, so the default is generous.
    pub auth_attempts_per_minute: u32,
    /// The shop's public address (links in e-mails; `https` makes cookies `Secure`; the
    /// origin a form must come from). `None`: the address the test server listens on, as a
    /// browser reaches it.
    pub public_url: Option<&'static str>,
    /// `ECRIN_TRUSTED_PROXIES`.
    pub trusted_proxies: &'static str,
    /// A database of the test's own (an SQLite file on a disk it controls), instead of a
    /// fresh one.
    pub database_url: Option<String>,
    /// Where the test clock starts: [`SHOP_START`], or (`false`) the wall clock, for a test
    /// whose database other `ecrin serve` processes share (their clock is the wall's).
    pub fixed_start: bool,
    /// Cards through Stripe (its stand-in, started for the shop) instead of the sandbox.
    pub stripe: bool,
    /// Card payments through Lyra, against its stand-in.
    pub lyra: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            test_mode: true,
            demo: true,
            auth_attempts_per_minute: 1000,
            public_url: Some("http://shop.test"),
            trusted_proxies: "",
            database_url: None,
            fixed_start: true,
            stripe: false,
            lyra: false,
        }
    }
}

impl TestApp {
    /// The database's URL, for what the shop cannot do (altering it behind its back).
    pub fn database_url(&self) -> &str {
        &self.url
    }

    pub async fn spawn(db: Db, profile: &'static str) -> TestApp {
        Self::with(db, profile, Options::default()).await
    }

    /// The shop as a browser reaches it: its public address is the one it listens on.
    pub async fn browsable(db: Db, profile: &'static str) -> TestApp {
        let options = Options {
            public_url: None,
            ..Options::default()
        };
        Self::with(db, profile, options).await
    }

    pub async fn with(db: Db, profile: &'static str, options: Options) -> TestApp {
        let fresh = Fresh::new(db).await;
        let url = options
            .database_url
            .clone()
            .unwrap_or_else(|| fresh.url.clone());
        let store = ecrin_store_tests::open(&url).await;
        let profile_data = ecrin_app::profiles::load(profile).unwrap_or_else(|e| panic!("{e}"));
        let clock: Arc<dyn ecrin_app::Clock> = if options.test_mode {
            Arc::new(if options.fixed_start {
                TestClock::starting_at(shop_start())
            } else {
                TestClock::new()
            })
        } else {
            Arc::new(ecrin_app::SystemClock)
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("{e}"))
            .port();
        let public_url = match options.public_url {
            Some(url) => url.to_owned(),
            None => format!("http://127.0.0.1:{port}"),
        };
        let media = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut app =
            App::new(store, Arc::new(profile_data), clock, public_url).with_media_dir(media.path());
        let stripe = options.stripe.then(|| {
            crate::standins::StripeStandIn::start(&format!(
                "http://127.0.0.1:{port}/api/v1/payments/stripe/webhook"
            ))
        });
        if let Some(standin) = &stripe {
            let provider = ecrin_app::stripe::Stripe::new(
                crate::standins::STRIPE_KEY,
                crate::standins::STRIPE_WEBHOOK_SECRET,
                &standin.base,
            )
            .unwrap_or_else(|(var, why)| panic!("{var}: {why}"));
            app = app.with_provider(Arc::new(provider));
        }
        let lyra = options.lyra.then(|| {
            crate::standins::StandIn::start_lyra(
                &format!("http://127.0.0.1:{port}/api/v1/payments/lyra/ipn"),
                &format!("http://127.0.0.1:{port}/payments/lyra/return"),
            )
        });
        if let Some(standin) = &lyra {
            let provider = ecrin_app::lyra::Lyra::new(
                crate::standins::LYRA_SHOP_ID,
                crate::standins::LYRA_PASSWORD,
                crate::standins::LYRA_HMAC_KEY,
                &standin.base,
            )
            .unwrap_or_else(|(var, why)| panic!("{var}: {why}"));
            app = app.with_provider(Arc::new(provider));
        }
        if options.demo {
            ecrin_app::catalogue::seed_demo(&app)
                .await
                .unwrap_or_else(|e| panic!("seed: {e}"));
        }
        ecrin_app::staff::ensure_first_admin(&app, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("first admin: {e}"));
        let admin = ecrin_app::staff::by_email(&app, ADMIN_EMAIL)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("no first admin"));
        let enrolment = ecrin_app::team::begin_second_factor(&app, &admin.id)
            .await
            .unwrap_or_else(|e| panic!("second factor: {e}"));
        let admin_totp = authenticator(&enrolment.secret);
        let admin_step = std::sync::Mutex::new(0);
        let first = next_code(&app, &admin_totp, &admin_step).await;
        ecrin_app::team::confirm_second_factor(&app, &admin.id, &first, "127.0.0.1")
            .await
            .unwrap_or_else(|e| panic!("second factor: {e}"));
        let settings = WebSettings {
            addr: "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
            test_mode: options.test_mode,
            auth_attempts_per_minute: options.auth_attempts_per_minute,
            trusted_proxies: ecrin_web::TrustedProxies::parse(options.trusted_proxies)
                .unwrap_or_else(|e| panic!("{e}")),
        };
        let server =
            Application::on(listener, &settings, app.clone()).unwrap_or_else(|e| panic!("{e}"));
        let base = format!("http://127.0.0.1:{}", server.port());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(server.run_until_stopped(async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        TestApp {
            app,
            base,
            client,
            db,
            profile,
            _fresh: fresh,
            url,
            _stop: stop,
            _media: media,
            stripe,
            lyra,
            admin_totp,
            admin_id: admin.id.clone(),
            admin_step,
        }
    }

    /// A code of the test admin's authenticator app, never given before.
    ///
    /// A test that sets the shop's clock back (to a day of its own) leaves the steps
    /// already given in the shop's future. Rather than move the clock on to them, which
    /// would change the test's day under it, the shop forgets them, as when the second
    /// factor is set up again at the new time.
    pub async fn admin_code(&self) -> String {
        let step = u64::try_from(self.app.clock.now_ms() / 1000).unwrap_or(0) / 30;
        let given = *self.admin_step.lock().unwrap_or_else(|e| e.into_inner());
        if given > step {
            let earlier = step.saturating_sub(1);
            let mut tx = self
                .app
                .store
                .begin()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            tx.enable_totp(
                &self.admin_id,
                self.app.clock.now_ms(),
                i64::try_from(earlier).unwrap_or(0),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
            tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
            *self.admin_step.lock().unwrap_or_else(|e| e.into_inner()) = earlier;
        }
        next_code(&self.app, &self.admin_totp, &self.admin_step).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut req = self.client.get(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let res = self.get(path).await;
        let status = res.status();
        let body = res.text().await.unwrap_or_default();
        assert_eq!(
            status, 200,
            "GET {path} on {:?}/{}: {body}",
            self.db, self.profile
        );
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
    }

    pub async fn get_text(&self, path: &str) -> (u16, HeaderMap, String) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (status, headers, res.text().await.unwrap_or_default())
    }

    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let res = self
            .client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }
}

/// Every profile on every backend.
pub fn matrix() -> Vec<(Db, &'static str)> {
    let mut m = Vec::new();
    for db in ecrin_store_tests::BOTH {
        for p in ecrin_app::profiles::NAMES {
            m.push((db, p));
        }
    }
    m
}

/// A problem+json answer: its status, content type and code.
pub async fn problem(res: reqwest::Response) -> (u16, String, serde_json::Value) {
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = res.text().await.unwrap_or_default();
    (
        status,
        ct,
        serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
    )
}

/// Whether the tests run from the test command (`scripts/test.sh`, which installs every
/// tool they use and sets `ECRIN_EVERY_TOOL=1`): there a missing tool, disk or driver is
/// a failure, never a silent pass. A bare `cargo test` may skip what the machine lacks.
pub fn every_tool_required() -> bool {
    std::env::var("ECRIN_EVERY_TOOL").as_deref() == Ok("1")
}
