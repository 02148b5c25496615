use crate::exec::{Engine, Writer, query, query_as};
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
        let rows: Vec<sql::EmailRow> = match to {
            Some(to) => {
                query_as(sql::OUTBOX_TO)
                    .bind(limit)
                    .bind(to)
                    .fetch_all(&mut self.reader().await?)
                    .await
            }
            None => {
                query_as(sql::OUTBOX_ALL)
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
        query(sql::INSERT_JOB)
            .bind(id)
            .bind(kind)
            .bind(subject)
            .bind(due_at)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn claim_due_jobs(&mut self, now_ms: i64, lease_ms: i64, limit: i64) -> Result<Vec<Job>> {
        query_as(sql::claim_jobs(self.dialect()))
            .bind(now_ms)
            .bind(lease_ms)
            .bind(limit)
            .fetch_all(&mut *self)
            .await
    }

    async fn finish_job(&mut self, id: &str, now_ms: i64) -> Result<bool> {
        let done = query(sql::FINISH_JOB)
            .bind(id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn postpone_job(&mut self, id: &str, due_at: i64) -> Result<()> {
        query(sql::POSTPONE_JOB)
            .bind(id)
            .bind(due_at)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn cancel_job(&mut self, kind: &str, subject: &str) -> Result<()> {
        query(sql::CANCEL_JOB)
            .bind(kind)
            .bind(subject)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn retry_job(&mut self, id: &str, retry_at_ms: i64, error: &str) -> Result<()> {
        query(sql::RETRY_JOB)
            .bind(id)
            .bind(retry_at_ms)
            .bind(error)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn enqueue_email(&mut self, email: &Email) -> Result<()> {
        query(sql::ENQUEUE_EMAIL)
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
        let rows: Vec<sql::EmailRow> = query_as(sql::claim_emails(self.dialect()))
            .bind(now_ms)
            .bind(lease_ms)
            .bind(limit)
            .fetch_all(&mut *self)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn mark_email_sent(&mut self, id: &str, now_ms: i64) -> Result<()> {
        query(sql::FORGET_SENT_EMAIL)
            .bind(id)
            .execute(&mut *self)
            .await?;
        query(sql::MARK_EMAIL_SENT)
            .bind(id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn mark_email_failed(&mut self, id: &str, retry_at_ms: i64, error: &str) -> Result<()> {
        query(sql::MARK_EMAIL_FAILED)
            .bind(id)
            .bind(retry_at_ms)
            .bind(error)
            .execute(&mut *self)
            .await?;
        Ok(())
    }
}
