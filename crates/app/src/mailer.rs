//! The Mailer port, its SMTP adapter, and the delivery of the outbox: e-mails written in
//! the transaction of their change are sent afterwards, retried with backoff, and never
//! lost when a process dies (a lease returns them to the queue).

use crate::documents::Pdf;
use crate::{App, AppError};
use async_trait::async_trait;
use ecrin_store::Email;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Hands one e-mail and its attached documents to the mail system; the error says why
    /// it was not accepted.
    async fn send(&self, email: &Email, attachments: &[Pdf]) -> Result<(), String>;
}

/// Delivery through an SMTP server: the house's relay, or a provider reached over TLS
/// with a login.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    /// `smtp://`: none, as to a relay on the same machine (port 25).
    Plain,
    /// `smtp://…?tls=required`: STARTTLS (RFC 3207), refusing to go on without it (587).
    StartTls,
    /// `smtps://`: TLS from the first byte (RFC 8314), port 465.
    Implicit,
}

/// ECRIN_SMTP_URL, read: where, how protected, and the login.
#[derive(Debug, PartialEq, Eq)]
struct SmtpUrl {
    host: String,
    port: u16,
    security: Security,
    login: Option<(String, String)>,
}

impl SmtpUrl {
    fn parse(text: &str) -> Result<SmtpUrl, String> {
        let url = url::Url::parse(text.trim()).map_err(|e| format!("not a URL ({e})"))?;
        let mut security = match url.scheme() {
            "smtp" => Security::Plain,
            "smtps" => Security::Implicit,
            other => return Err(format!("`{other}://`: use smtp:// or smtps://")),
        };
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref(), security) {
                ("tls", "required", Security::Plain) => security = Security::StartTls,
                ("tls", "none", Security::Plain) => {}
                ("tls", other, _) => {
                    return Err(format!(
                        "tls={other}: smtp://…?tls=required asks for STARTTLS, smtps:// is TLS from the start"
                    ));
                }
                (other, _, _) => return Err(format!("unknown parameter `{other}`")),
            }
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("no host")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = url.port().unwrap_or(match security {
            Security::Plain => 25,
            Security::StartTls => 587,
            Security::Implicit => 465,
        });
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let login = match (url.username(), url.password()) {
            ("", None) => None,
            (user, Some(password)) if !user.is_empty() => Some((decode(user), decode(password))),
            _ => {
                return Err(
                    "a login needs both user and password: smtps://user:password@host".into(),
                );
            }
        };
        if login.is_some() && security == Security::Plain {
            return Err(
                "a password is sent only over TLS: use smtps://… or smtp://…?tls=required".into(),
            );
        }
        Ok(SmtpUrl {
            host,
            port,
            security,
            login,
        })
    }
}

impl SmtpMailer {
    /// `url` is `smtp://host:port` (plain SMTP, as to a relay on the same machine),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:password@host:465` (TLS from the start); the server's certificate is
    /// checked against Mozilla's roots.
    pub fn new(url: &str, from_name: &str, from_address: &str) -> Result<SmtpMailer, String> {
        Self::trusting(url, from_name, from_address, None)
    }

    /// The same, also trusting the certificate authorities of `extra_roots_pem` (a house's
    /// own relay, signed by its own authority).
    pub fn trusting(
        url: &str,
        from_name: &str,
        from_address: &str,
        extra_roots_pem: Option<&[u8]>,
    ) -> Result<SmtpMailer, String> {
        use lettre::transport::smtp::authentication::Credentials;
        use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
        let parsed = SmtpUrl::parse(url)?;
        let tls = |host: &str| -> Result<TlsParameters, String> {
            let mut params = TlsParameters::builder(host.to_owned());
            if let Some(pem) = extra_roots_pem {
                for block in pem_blocks(pem) {
                    let cert = Certificate::from_pem(block.as_bytes())
                        .map_err(|e| format!("certificate authority: {e}"))?;
                    params = params.add_root_certificate(cert);
                }
            }
            params.build_rustls().map_err(|e| format!("TLS: {e}"))
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&parsed.host)
            .port(parsed.port)
            .timeout(Some(Duration::from_secs(20)));
        builder = match parsed.security {
            Security::Plain => builder.tls(Tls::None),
            Security::StartTls => builder.tls(Tls::Required(tls(&parsed.host)?)),
            Security::Implicit => builder.tls(Tls::Wrapper(tls(&parsed.host)?)),
        };
        if let Some((user, password)) = parsed.login {
            builder = builder.credentials(Credentials::new(user, password));
        }
        let from = format!("{from_name} <{from_address}>")
            .parse::<Mailbox>()
            .map_err(|e| format!("sender address: {e}"))?;
        Ok(SmtpMailer {
            transport: builder.build(),
            from,
        })
    }
}

/// Whether `url` is a mail server's address ECRIN_SMTP_URL can take, and why not.
pub fn check_url(url: &str) -> Result<(), String> {
    SmtpUrl::parse(url).map(|_| ())
}

/// Each `-----BEGIN CERTIFICATE-----` block of a PEM file.
fn pem_blocks(pem: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(pem);
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.starts_with("-----BEGIN CERTIFICATE-----") {
            current = Some(String::new());
        }
        if let Some(block) = current.as_mut() {
            block.push_str(line);
            block.push('\n');
        }
        if line.starts_with("-----END CERTIFICATE-----")
            && let Some(block) = current.take()
        {
            blocks.push(block);
        }
    }
    blocks
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email, attachments: &[Pdf]) -> Result<(), String> {
        let to: Mailbox = email.to.parse().map_err(|e| format!("recipient: {e}"))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(format!("<{}@ecrin>", email.id)));
        // PRV-3, RFC 8058: the mail client's own one-click unsubscribe.
        if let Some(url) = &email.unsubscribe_url {
            for (name, value) in [
                ("List-Unsubscribe", format!("<{url}>")),
                (
                    "List-Unsubscribe-Post",
                    "List-Unsubscribe=One-Click".to_owned(),
                ),
            ] {
                builder = builder.raw_header(lettre::message::header::HeaderValue::new(
                    lettre::message::header::HeaderName::new_from_ascii_str(name),
                    value,
                ));
            }
        }
        let body =
            MultiPart::alternative_plain_html(email.text_body.clone(), email.html_body.clone());
        let body = if attachments.is_empty() {
            body
        } else {
            // INV-1: the text and its documents, as a mail client expects them.
            let pdf = ContentType::parse("application/pdf").map_err(|e| format!("{e}"))?;
            attachments
                .iter()
                .fold(MultiPart::mixed().multipart(body), |m, a| {
                    m.singlepart(
                        Attachment::new(a.filename.clone()).body(a.bytes.clone(), pdf.clone()),
                    )
                })
        };
        let message = builder
            .multipart(body)
            .map_err(|e| format!("message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// How long a claimed e-mail is left to one process before another may retry it.
pub const LEASE_MS: i64 = 120_000;
/// Attempts after which an e-mail is left for staff to look at.
pub const MAX_ATTEMPTS: i64 = 12;

/// Backoff after a failed attempt: 30 s, 1 min, 2 min … capped at 6 h.
pub fn retry_delay_ms(attempts: i64) -> i64 {
    let exp = attempts.clamp(1, 20) - 1;
    (30_000_i64.saturating_mul(1 << exp)).min(6 * 3_600_000)
}

/// Sends what is due now; returns how many were sent. Tests call it to drain the outbox.
pub async fn deliver_due(app: &App, mailer: &dyn Mailer) -> Result<usize, AppError> {
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    let due = tx.claim_due_emails(now, LEASE_MS, 20).await?;
    tx.commit().await?;
    let mut sent = 0;
    for email in due {
        let result = match crate::documents::attachments(app, &email.attachments).await {
            Ok(docs) => mailer.send(&email, &docs).await,
            Err(e) => Err(format!("attachments: {e}")),
        };
        let now = app.clock.now_ms();
        let mut tx = app.store.begin().await?;
        match result {
            Ok(()) => {
                tx.mark_email_sent(&email.id, now).await?;
                sent += 1;
            }
            Err(error) => {
                tracing::warn!(email = %email.id, attempts = email.attempts, %error, "e-mail not delivered");
                let retry_at = if email.attempts >= MAX_ATTEMPTS {
                    i64::MAX
                } else {
                    now + retry_delay_ms(email.attempts)
                };
                tx.mark_email_failed(&email.id, retry_at, &error).await?;
            }
        }
        tx.commit().await?;
    }
    Ok(sent)
}

/// Delivers the outbox until `stop` says so, looking every `every`.
pub async fn run_outbox(
    app: App,
    mailer: std::sync::Arc<dyn Mailer>,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if let Err(e) = deliver_due(&app, mailer.as_ref()).await {
            tracing::error!(error = %e, "outbox delivery");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// The newest e-mails of the outbox, sent or not, to one address or to all.
pub async fn outbox(app: &App, to: Option<&str>, limit: i64) -> Result<Vec<Email>, AppError> {
    Ok(app.store.outbox(to, limit).await?)
}

#[cfg(test)]
mod url_tests {
    use super::{Security, SmtpUrl};

    #[test]
    fn the_three_ways_to_reach_a_mail_server() {
        let relay = SmtpUrl::parse("smtp://localhost").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (relay.port, relay.security, relay.login),
            (25, Security::Plain, None)
        );
        let starttls =
            SmtpUrl::parse("smtp://shop%40maison.example:p%40ss+word@mail.example?tls=required")
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(starttls.port, 587);
        assert_eq!(starttls.security, Security::StartTls);
        assert_eq!(
            starttls.login,
            Some(("shop@maison.example".into(), "p@ss+word".into()))
        );
        let smtps = SmtpUrl::parse("smtps://u:p@mail.example").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((smtps.port, smtps.security), (465, Security::Implicit));
        assert_eq!(
            SmtpUrl::parse("smtps://u:p@mail.example:2465").map(|u| u.port),
            Ok(2465)
        );
    }

    #[test]
    fn a_password_never_travels_in_clear_and_bad_urls_are_named() {
        for (url, says) in [
            ("smtp://u:p@mail.example", "only over TLS"),
            ("smtp://mail.example?tls=maybe", "tls=maybe"),
            ("smtps://mail.example?tls=required", "tls=required"),
            ("smtp://mail.example?auth=plain", "unknown parameter"),
            ("http://mail.example", "use smtp://"),
            ("smtp://u@mail.example", "both user and password"),
            ("mail.example", "not a URL"),
        ] {
            let err = SmtpUrl::parse(url).err().unwrap_or_default();
            assert!(err.contains(says), "{url}: {err}");
        }
    }
}
