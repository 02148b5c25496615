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

/// Delivery through an SMTP server (`smtp://host:port`), e.g. the house's relay.
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

impl SmtpMailer {
    /// `url` is `smtp://host:port` (plain SMTP, as to a local relay).
    pub fn new(url: &str, from_name: &str, from_address: &str) -> Result<SmtpMailer, String> {
        let rest = url
            .strip_prefix("smtp://")
            .ok_or("must start with smtp://")?;
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>()
                    .map_err(|_| format!("`{p}` is not a port"))?,
            ),
            None => (rest, 25),
        };
        if host.is_empty() {
            return Err("no host".into());
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = format!("{from_name} <{from_address}>")
            .parse::<Mailbox>()
            .map_err(|e| format!("sender address: {e}"))?;
        Ok(SmtpMailer { transport, from })
    }
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
