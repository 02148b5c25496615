//! The settings of `ecrin serve`: an optional TOML file, then the environment, which
//! wins. A bad value stops the start with one line naming the variable and the problem.

use ecrin_web::TrustedProxies;
use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;

/// The file form: the same keys as the variables, without `ECRIN_`, in lower case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    addr: Option<String>,
    database_url: Option<String>,
    profile: Option<String>,
    demo_data: Option<bool>,
    admin_email: Option<String>,
    admin_password: Option<String>,
    smtp_url: Option<String>,
    smtp_ca_file: Option<String>,
    test_mode: Option<bool>,
    public_url: Option<String>,
    auth_attempts_per_minute: Option<u32>,
    payment_secret: Option<String>,
    trusted_proxies: Option<String>,
    media_dir: Option<String>,
    payment_provider: Option<String>,
    stripe_secret_key: Option<String>,
    stripe_webhook_secret: Option<String>,
    stripe_api_base: Option<String>,
    lyra_shop_id: Option<String>,
    lyra_password: Option<String>,
    lyra_hmac_key: Option<String>,
    lyra_api_base: Option<String>,
}

pub const DEMO_ADMIN_EMAIL: &str = "admin@ecrin.example";
pub const DEMO_ADMIN_PASSWORD: &str = "ecrin-demo-admin";

#[derive(Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub database_url: String,
    pub profile: String,
    /// `None`: load the demo catalogue when the database is empty.
    pub demo_data: Option<bool>,
    pub admin_email: String,
    /// `None`: none given; the demo's published one serves only a demo being loaded.
    pub admin_password: Option<Secret>,
    pub smtp_url: Option<String>,
    /// Certificate authorities (PEM) trusted for the mail server beside Mozilla's roots.
    pub smtp_ca_file: Option<std::path::PathBuf>,
    pub test_mode: bool,
    /// The address customers reach the shop at, for links in e-mails.
    pub public_url: String,
    /// Login, sign-up and password-reset attempts per client address and minute.
    pub auth_attempts_per_minute: u32,
    /// PAY-1: what the payment provider signs its links and callbacks with; every
    /// process of one shop needs the same. `None`: a random one for this process.
    pub payment_secret: Option<Secret>,
    /// The reverse proxies in front of the shop, whose `X-Forwarded-For` or `Forwarded`
    /// header names the client; nobody else's is believed.
    pub trusted_proxies: TrustedProxies,
    /// Where product photos are kept; default: `media` beside an SQLite database, or in
    /// the working directory.
    pub media_dir: std::path::PathBuf,
    /// PAY-1: the card payment provider; `None`: the built-in sandbox.
    pub card_provider: Option<CardProvider>,
}

/// PAY-1: a real card provider, and how the start's banner names it (never its keys).
#[derive(Clone)]
pub struct CardProvider {
    pub provider: std::sync::Arc<dyn ecrin_app::provider::PaymentProvider>,
    pub banner: String,
}

/// A secret that never shows in `Debug` or logs.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("database_url", &redact_url(&self.database_url))
            .field("profile", &self.profile)
            .field("demo_data", &self.demo_data)
            .field("admin_email", &self.admin_email)
            .field("admin_password", &self.admin_password)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("test_mode", &self.test_mode)
            .field("public_url", &self.public_url)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:…@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}://{user}:…@{}", &url[..s], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// One line: the variable and what is wrong with it.
#[derive(Debug)]
pub struct SettingsError(pub String);

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn flag(name: &str, value: &str) -> Result<bool, SettingsError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Ok(true),
        "0" | "false" | "off" | "no" => Ok(false),
        other => Err(SettingsError(format!(
            "{name}: `{other}` is not a switch: use 1 or 0"
        ))),
    }
}

impl Settings {
    /// Reads `config` (if given) then the environment through `env`.
    pub fn load(
        config: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, SettingsError> {
        let file: FileSettings = match config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| SettingsError(format!("--config {path}: cannot read it: {e}")))?;
                toml::from_str(&text).map_err(|e| {
                    SettingsError(format!(
                        "--config {path}: {}",
                        e.message().split_whitespace().collect::<Vec<_>>().join(" ")
                    ))
                })?
            }
            None => FileSettings::default(),
        };
        let pick = |var: &str, from_file: Option<String>| env(var).or(from_file);

        let addr_text = pick("ECRIN_ADDR", file.addr).unwrap_or_else(|| "127.0.0.1:8080".into());
        let addr: SocketAddr = addr_text.trim().parse().map_err(|_| {
            SettingsError(format!(
                "ECRIN_ADDR: `{addr_text}` is not an address and port such as 127.0.0.1:8080"
            ))
        })?;

        let database_url = pick("ECRIN_DATABASE_URL", file.database_url)
            .unwrap_or_else(|| "sqlite://ecrin.db".into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(SettingsError(format!(
                "ECRIN_DATABASE_URL: `{}` must start with sqlite:// or postgres://",
                redact_url(&database_url)
            )));
        }

        let profile = pick("ECRIN_PROFILE", file.profile).unwrap_or_else(|| "paris".into());

        let demo_data = match env("ECRIN_DEMO_DATA") {
            Some(v) => Some(flag("ECRIN_DEMO_DATA", &v)?),
            None => file.demo_data,
        };
        let test_mode = match env("ECRIN_TEST_MODE") {
            Some(v) => flag("ECRIN_TEST_MODE", &v)?,
            None => file.test_mode.unwrap_or(false),
        };

        let admin_email =
            pick("ECRIN_ADMIN_EMAIL", file.admin_email).unwrap_or_else(|| DEMO_ADMIN_EMAIL.into());
        let trimmed = admin_email.trim();
        let at = trimmed.find('@');
        if !matches!(at, Some(i) if i > 0 && i < trimmed.len() - 1)
            || trimmed.contains(char::is_whitespace)
        {
            return Err(SettingsError(format!(
                "ECRIN_ADMIN_EMAIL: `{admin_email}` is not an e-mail address"
            )));
        }
        let admin_password =
            pick("ECRIN_ADMIN_PASSWORD", file.admin_password).filter(|p| !p.is_empty());
        if let Some(admin_password) = &admin_password
            && admin_password.chars().count() < 12
        {
            return Err(SettingsError(
                "ECRIN_ADMIN_PASSWORD: must be at least 12 characters".into(),
            ));
        }

        let smtp_url = pick("ECRIN_SMTP_URL", file.smtp_url).filter(|s| !s.trim().is_empty());
        if let Some(url) = &smtp_url
            && let Err(e) = ecrin_app::mailer::check_url(url)
        {
            return Err(SettingsError(format!(
                "ECRIN_SMTP_URL: `{}`: {e}",
                redact_url(url)
            )));
        }
        let smtp_ca_file = pick("ECRIN_SMTP_CA_FILE", file.smtp_ca_file)
            .filter(|s| !s.trim().is_empty())
            .map(|f| std::path::PathBuf::from(f.trim()));
        if let Some(f) = &smtp_ca_file
            && !f.is_file()
        {
            return Err(SettingsError(format!(
                "ECRIN_SMTP_CA_FILE: `{}` is not a file",
                f.display()
            )));
        }

        let public_url = pick("ECRIN_PUBLIC_URL", file.public_url)
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(SettingsError(format!(
                "ECRIN_PUBLIC_URL: `{public_url}` must start with http:// or https://"
            )));
        }

        let auth_attempts_per_minute = match env("ECRIN_AUTH_ATTEMPTS_PER_MINUTE") {
            Some(v) => v.trim().parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                SettingsError(format!(
                    "ECRIN_AUTH_ATTEMPTS_PER_MINUTE: `{v}` is not a number of attempts (1 or more)"
                ))
            })?,
            None => file.auth_attempts_per_minute.unwrap_or(10),
        };

        let payment_secret =
            pick("ECRIN_PAYMENT_SECRET", file.payment_secret).filter(|s| !s.is_empty());
        if let Some(secret) = &payment_secret
            && secret.chars().count() < 32
        {
            return Err(SettingsError(
                "ECRIN_PAYMENT_SECRET: must be at least 32 characters".into(),
            ));
        }

        let trusted_proxies = match pick("ECRIN_TRUSTED_PROXIES", file.trusted_proxies) {
            Some(text) => TrustedProxies::parse(&text)
                .map_err(|e| SettingsError(format!("ECRIN_TRUSTED_PROXIES: {e}")))?,
            None => TrustedProxies::default(),
        };

        let media_dir =
            match pick("ECRIN_MEDIA_DIR", file.media_dir).filter(|s| !s.trim().is_empty()) {
                Some(dir) => std::path::PathBuf::from(dir.trim()),
                None => default_media_dir(&database_url),
            };
        if media_dir.is_file() {
            return Err(SettingsError(format!(
                "ECRIN_MEDIA_DIR: `{}` is a file, not a folder",
                media_dir.display()
            )));
        }

        let card_provider = match pick("ECRIN_PAYMENT_PROVIDER", file.payment_provider)
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .as_deref()
        {
            None | Some("sandbox") => None,
            Some("stripe") => {
                let key =
                    pick("ECRIN_STRIPE_SECRET_KEY", file.stripe_secret_key).ok_or_else(|| {
                        SettingsError(
                            "ECRIN_STRIPE_SECRET_KEY: required with ECRIN_PAYMENT_PROVIDER=stripe"
                                .into(),
                        )
                    })?;
                let webhook = pick("ECRIN_STRIPE_WEBHOOK_SECRET", file.stripe_webhook_secret)
                    .ok_or_else(|| {
                        SettingsError(
                            "ECRIN_STRIPE_WEBHOOK_SECRET: required with ECRIN_PAYMENT_PROVIDER=stripe"
                                .into(),
                        )
                    })?;
                let base = pick("ECRIN_STRIPE_API_BASE", file.stripe_api_base)
                    .unwrap_or_else(|| ecrin_app::stripe::DEFAULT_API_BASE.to_owned());
                let stripe =
                    ecrin_app::stripe::Stripe::new(key.trim(), webhook.trim(), base.trim())
                        .map_err(|(var, why)| SettingsError(format!("{var}: {why}")))?;
                Some(CardProvider {
                    banner: format!("Stripe ({})", stripe.api_base()),
                    provider: std::sync::Arc::new(stripe),
                })
            }
            Some("lyra") => {
                let required = |var: &str, value: Option<String>| {
                    value.filter(|v| !v.trim().is_empty()).ok_or_else(|| {
                        SettingsError(format!("{var}: required with ECRIN_PAYMENT_PROVIDER=lyra"))
                    })
                };
                let shop = required(
                    "ECRIN_LYRA_SHOP_ID",
                    pick("ECRIN_LYRA_SHOP_ID", file.lyra_shop_id),
                )?;
                let password = required(
                    "ECRIN_LYRA_PASSWORD",
                    pick("ECRIN_LYRA_PASSWORD", file.lyra_password),
                )?;
                let hmac = required(
                    "ECRIN_LYRA_HMAC_KEY",
                    pick("ECRIN_LYRA_HMAC_KEY", file.lyra_hmac_key),
                )?;
                let base = required(
                    "ECRIN_LYRA_API_BASE",
                    pick("ECRIN_LYRA_API_BASE", file.lyra_api_base),
                )?;
                let lyra = ecrin_app::lyra::Lyra::new(
                    shop.trim(),
                    password.trim(),
                    hmac.trim(),
                    base.trim(),
                )
                .map_err(|(var, why)| SettingsError(format!("{var}: {why}")))?;
                Some(CardProvider {
                    banner: format!("Lyra ({})", lyra.api_base()),
                    provider: std::sync::Arc::new(lyra),
                })
            }
            Some(other) => {
                return Err(SettingsError(format!(
                    "ECRIN_PAYMENT_PROVIDER: `{other}` is not a card provider of this shop (sandbox, stripe or lyra)"
                )));
            }
        };

        Ok(Settings {
            card_provider,
            media_dir,
            trusted_proxies,
            payment_secret: payment_secret.map(Secret),
            auth_attempts_per_minute,
            public_url,
            addr,
            database_url,
            profile,
            demo_data,
            admin_email: trimmed.to_owned(),
            admin_password: admin_password.map(Secret),
            smtp_url,
            smtp_ca_file,
            test_mode,
        })
    }
}

/// `media` beside the SQLite file (`sqlite://data/shop.db` → `data/media`), else in the
/// working directory.
fn default_media_dir(database_url: &str) -> std::path::PathBuf {
    let file = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest));
    match file
        .filter(|f| !f.is_empty() && !f.contains(":memory:"))
        .and_then(|f| std::path::Path::new(f).parent())
    {
        Some(parent) => parent.join("media"),
        None => std::path::PathBuf::from("media"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn defaults_are_the_demo_shop() {
        let s = Settings::load(None, env(&[])).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_url, "sqlite://ecrin.db");
        assert_eq!(s.profile, "paris");
        assert_eq!(s.demo_data, None);
        assert!(s.admin_password.is_none());
        assert!(!s.test_mode);
        assert!(!format!("{s:?}").contains(DEMO_ADMIN_PASSWORD));
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        for (var, value) in [
            ("ECRIN_ADDR", "localhost"),
            ("ECRIN_DATABASE_URL", "mysql://x"),
            ("ECRIN_TEST_MODE", "maybe"),
            ("ECRIN_DEMO_DATA", "2"),
            ("ECRIN_ADMIN_EMAIL", "nobody"),
            ("ECRIN_ADMIN_PASSWORD", "short"),
            ("ECRIN_SMTP_URL", "http://mail"),
            ("ECRIN_SMTP_URL", "smtp://user:secret@mail.example"),
            ("ECRIN_SMTP_CA_FILE", "/no/such/authority.pem"),
            ("ECRIN_PAYMENT_SECRET", "too short"),
            ("ECRIN_TRUSTED_PROXIES", "10.0.0.0/8, the-proxy"),
        ] {
            let err = Settings::load(None, env(&[(var, value)]))
                .err()
                .map(|e| e.0)
                .unwrap_or_default();
            assert!(err.starts_with(&format!("{var}: ")), "{var}: {err}");
            assert!(!err.contains('\n'));
        }
    }

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://shop:hunter2@db:5432/ecrin"),
            "postgres://shop:…@db:5432/ecrin"
        );
        assert_eq!(redact_url("sqlite://ecrin.db"), "sqlite://ecrin.db");
    }
}
