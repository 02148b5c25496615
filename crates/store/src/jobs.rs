//! Work done later and exactly once: due jobs with their leases, and the outbox of
//! e-mails waiting to be sent.

use crate::exec::{Engine, Writer, query, query_as};
use crate::sql::*;
use crate::*;

#[async_trait]
pub trait Jobs: Send + Sync {
    /// The outbox, newest first, optionally only the e-mails to one address.
    async fn outbox(&self, to: Option<&str>, limit: i64) -> Result<Vec<Email>>;
}

#[async_trait]
pub trait JobsTx: Send {
    /// Schedules work, unless a job of its kind for its subject exists already.
    async fn enqueue_job(&mut self, id: &str, kind: &str, subject: &str, due_at: i64)
    -> Result<()>;

    /// Claims up to `limit` jobs due at `now_ms` for `lease_ms`.
    async fn claim_due_jobs(&mut self, now_ms: i64, lease_ms: i64, limit: i64) -> Result<Vec<Job>>;

    /// Marks a job done; `false` when another process finished it first.
    async fn finish_job(&mut self, id: &str, now_ms: i64) -> Result<bool>;

    /// Moves a job that is not due after all to `due_at`, free for any process.
    async fn postpone_job(&mut self, id: &str, due_at: i64) -> Result<()>;

    /// Removes the pending job of `kind` for `subject`, if any (its subject is gone).
    async fn cancel_job(&mut self, kind: &str, subject: &str) -> Result<()>;

    /// Leaves a failed job to be tried again at `retry_at_ms`.
    async fn retry_job(&mut self, id: &str, retry_at_ms: i64, error: &str) -> Result<()>;

    /// An e-mail to send once this transaction commits.
    async fn enqueue_email(&mut self, email: &Email) -> Result<()>;

    /// Takes up to `limit` due e-mails for delivery, leased until `now_ms + lease_ms`.
    async fn claim_due_emails(
        &mut self,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Email>>;

    async fn mark_email_sent(&mut self, id: &str, now_ms: i64) -> Result<()>;

    async fn mark_email_failed(&mut self, id: &str, retry_at_ms: i64, error: &str) -> Result<()>;
}

#[async_trait]
impl<E: Engine> Jobs for E {
    async fn outbox(&self, to: Option<&str>, limit: i64) -> Result<Vec<Email>> {
        let rows: Vec<EmailRow> = match to {
            Some(to) => {
                query_as(OUTBOX_TO)
                    .bind(limit)
                    .bind(to)
                    .fetch_all(&mut self.reader().await?)
                    .await
            }
            None => {
                query_as(OUTBOX_ALL)
                    .bind(limit)
                    .fetch_all(&mut self.reader().await?)
                    .await
            }
        }?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

#[async_trait]
impl<W: Writer> JobsTx for W {
    async fn enqueue_job(
        &mut self,
        id: &str,
        kind: &str,
        subject: &str,
        due_at: i64,
    ) -> Result<()> {
        query(INSERT_JOB)
            .bind(id)
            .bind(kind)
            .bind(subject)
            .bind(due_at)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn claim_due_jobs(&mut self, now_ms: i64, lease_ms: i64, limit: i64) -> Result<Vec<Job>> {
        query_as(claim_jobs(self.dialect()))
            .bind(now_ms)
            .bind(lease_ms)
            .bind(limit)
            .fetch_all(&mut *self)
            .await
    }

    async fn finish_job(&mut self, id: &str, now_ms: i64) -> Result<bool> {
        let done = query(FINISH_JOB)
            .bind(id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn postpone_job(&mut self, id: &str, due_at: i64) -> Result<()> {
        query(POSTPONE_JOB)
            .bind(id)
            .bind(due_at)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn cancel_job(&mut self, kind: &str, subject: &str) -> Result<()> {
        query(CANCEL_JOB)
            .bind(kind)
            .bind(subject)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn retry_job(&mut self, id: &str, retry_at_ms: i64, error: &str) -> Result<()> {
        query(RETRY_JOB)
            .bind(id)
            .bind(retry_at_ms)
            .bind(error)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn enqueue_email(&mut self, email: &Email) -> Result<()> {
        query(ENQUEUE_EMAIL)
            .bind(&email.id)
            .bind(&email.to)
            .bind(&email.subject)
            .bind(&email.text_body)
            .bind(&email.html_body)
            .bind(email.created_at_ms)
            .bind(&email.unsubscribe_url)
            .bind(email.forget_after_send)
            .bind(&email.attachments)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn claim_due_emails(
        &mut self,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Email>> {
        let rows: Vec<EmailRow> = query_as(claim_emails(self.dialect()))
            .bind(now_ms)
            .bind(lease_ms)
            .bind(limit)
            .fetch_all(&mut *self)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn mark_email_sent(&mut self, id: &str, now_ms: i64) -> Result<()> {
        query(FORGET_SENT_EMAIL)
            .bind(id)
            .execute(&mut *self)
            .await?;
        query(MARK_EMAIL_SENT)
            .bind(id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn mark_email_failed(&mut self, id: &str, retry_at_ms: i64, error: &str) -> Result<()> {
        query(MARK_EMAIL_FAILED)
            .bind(id)
            .bind(retry_at_ms)
            .bind(error)
            .execute(&mut *self)
            .await?;
        Ok(())
    }
}

pub const ENQUEUE_EMAIL: &str = "INSERT INTO outbox (id, to_address, subject, text_body, html_body, \
     created_at, next_attempt_at, unsubscribe_url, forget_after_send, attachments) \
     VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9)";

pub const OUTBOX_ALL: &str = "SELECT id, to_address, subject, text_body, html_body, created_at, \
     sent_at, attempts, unsubscribe_url, forget_after_send, attachments FROM outbox ORDER BY created_at DESC, id DESC LIMIT $1";

pub const OUTBOX_TO: &str = "SELECT id, to_address, subject, text_body, html_body, created_at, \
     sent_at, attempts, unsubscribe_url, forget_after_send, attachments FROM outbox WHERE LOWER(to_address) = LOWER($2) \
     ORDER BY created_at DESC, id DESC LIMIT $1";

/// Claims due e-mails for delivery: a lease, so a process that dies mid-way leaves them
/// to another after the lease. PostgreSQL skips rows another process is claiming.
pub fn claim_emails(dialect: Dialect) -> String {
    let lock = match dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    CLAIM_EMAILS.replace("{lock}", lock)
}

/// PRV-4: a message to a friend leaves no trace once sent.
pub const FORGET_SENT_EMAIL: &str = "DELETE FROM outbox WHERE id = $1 AND forget_after_send = TRUE";

pub const MARK_EMAIL_SENT: &str =
    "UPDATE outbox SET sent_at = $2, lease_until = NULL, last_error = NULL WHERE id = $1";

pub const MARK_EMAIL_FAILED: &str =
    "UPDATE outbox SET next_attempt_at = $2, lease_until = NULL, last_error = $3 WHERE id = $1";

#[derive(Debug, serde::Deserialize)]
pub struct EmailRow {
    pub id: String,
    pub to_address: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub attempts: i64,
    pub unsubscribe_url: Option<String>,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub forget_after_send: bool,
    pub attachments: String,
}

impl From<EmailRow> for Email {
    fn from(r: EmailRow) -> Self {
        Email {
            id: r.id,
            to: r.to_address,
            subject: r.subject,
            text_body: r.text_body,
            html_body: r.html_body,
            unsubscribe_url: r.unsubscribe_url,
            forget_after_send: r.forget_after_send,
            attachments: r.attachments,
            created_at_ms: r.created_at,
            sent_at_ms: r.sent_at,
            attempts: r.attempts,
        }
    }
}

/// A job, unless one of its kind for its subject exists already.
pub const INSERT_JOB: &str = "INSERT INTO jobs (id, kind, subject, due_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (kind, subject) DO NOTHING";

/// Claims due jobs for a lease: a process that dies mid-way leaves them to another after
/// it. PostgreSQL skips rows another process is claiming, so processes share the queue.
pub fn claim_jobs(dialect: Dialect) -> String {
    let lock = match dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    CLAIM_JOBS.replace("{lock}", lock)
}

/// Done, by whoever holds it now: no row when another process finished it first.
pub const FINISH_JOB: &str =
    "UPDATE jobs SET done_at = $2, lease_until = NULL WHERE id = $1 AND done_at IS NULL";

/// A job that is not due yet after all waits until `$2`.
pub const POSTPONE_JOB: &str = "UPDATE jobs SET due_at = $2, lease_until = NULL \
     WHERE id = $1 AND done_at IS NULL";

/// A job whose subject is gone before its time.
pub const CANCEL_JOB: &str =
    "DELETE FROM jobs WHERE kind = $1 AND subject = $2 AND done_at IS NULL";

pub const RETRY_JOB: &str = "UPDATE jobs SET lease_until = $2, last_error = $3 \
     WHERE id = $1 AND done_at IS NULL";

const CLAIM_EMAILS: &str = "UPDATE outbox SET lease_until = $1 + $2, attempts = attempts + 1 \
     WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 \
     AND (lease_until IS NULL OR lease_until < $1) ORDER BY created_at, id LIMIT $3{lock}) \
     RETURNING id, to_address, subject, text_body, html_body, created_at, sent_at, attempts, \
     unsubscribe_url, forget_after_send, attachments";

const CLAIM_JOBS: &str = "UPDATE jobs SET lease_until = $1 + $2, attempts = attempts + 1 \
     WHERE id IN (SELECT id FROM jobs WHERE done_at IS NULL AND due_at <= $1 \
     AND (lease_until IS NULL OR lease_until < $1) ORDER BY due_at, id LIMIT $3{lock}) \
     RETURNING id, kind, subject, due_at, attempts";
