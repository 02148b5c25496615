//! The job runner: work due later (a bank transfer's deadline, a basket's expiry, and
//! later every legal deadline), written in the transaction of the change that calls for it
//! and done once.
//!
//! A runner claims due jobs for a lease (on PostgreSQL skipping those another process is
//! claiming, so several processes share the queue), then does each in a transaction that
//! also marks it done: the job's effects and its completion commit together. A process
//! killed mid-way leaves its jobs to whoever claims them once the lease ends. Due dates
//! are read on the app's clock, so in test mode moving the clock brings jobs due.

use crate::{App, AppError, payment};
use std::time::Duration;

/// How long a claimed job is left to its process.
pub const LEASE_MS: i64 = 5 * 60_000;
/// Jobs claimed at a time.
const BATCH: i64 = 20;

/// PAY-4: cancels an order whose bank transfer has not arrived (subject: the order
/// number).
pub const BANK_TRANSFER_EXPIRY: &str = "bank_transfer_expiry";

/// BSK-3: empties a basket 45 minutes (the profile's `basket_ttl_minutes`) after a piece
/// was last added to it (subject: the basket's id). Scheduled when the basket is created;
/// a basket added to since waits for its new expiry; one ordered meanwhile takes its job
/// with it.
pub const BASKET_EXPIRY: &str = "basket_expiry";

/// DLV-5: abandons an order returned undelivered twelve months ago without instructions
/// (subject: the order number).
pub const ORDER_ABANDONMENT: &str = "order_abandonment";

/// Does the jobs due now; returns how many were done. Tests call it after moving the clock.
pub async fn run_due(app: &App) -> Result<usize, AppError> {
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    let jobs = tx.claim_due_jobs(now, LEASE_MS, BATCH).await?;
    tx.commit().await?;
    let mut done = 0;
    for job in jobs {
        match run_one(app, &job).await {
            Ok(true) => done += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(job = %job.id, kind = %job.kind, attempts = job.attempts, error = %e, "job failed");
                let retry = app.clock.now_ms() + crate::mailer::retry_delay_ms(job.attempts);
                let mut tx = app.store.begin().await?;
                tx.retry_job(&job.id, retry, &e.to_string()).await?;
                tx.commit().await?;
            }
        }
    }
    Ok(done)
}

/// One job, in one transaction with its completion; `false` when another process had
/// finished it (this one's work is then rolled back).
async fn run_one(app: &App, job: &ecrin_store::Job) -> Result<bool, AppError> {
    let now = app.clock.now_ms();
    match job.kind.as_str() {
        BANK_TRANSFER_EXPIRY => {
            // Read before the transaction: it then holds one connection only.
            let order = app.store.order_by_number(&job.subject).await?;
            let customer = match &order {
                Some(o) => app.store.customer_by_id(&o.customer_id).await?,
                None => None,
            };
            let mut tx = app.store.begin().await?;
            if let Some(o) = &order {
                payment::expire_transfer(app, tx.as_mut(), o, customer.as_ref(), now).await?;
            }
            if !tx.finish_job(&job.id, now).await? {
                return Ok(false);
            }
            tx.commit().await?;
            Ok(true)
        }
        BASKET_EXPIRY => {
            let ttl_ms = i64::from(app.profile.basket.ttl_minutes) * 60_000;
            let mut tx = app.store.begin().await?;
            match tx.basket_added_at(&job.subject).await? {
                Some(Some(added)) if added + ttl_ms > now => {
                    tx.postpone_job(&job.id, added + ttl_ms).await?;
                    tx.commit().await?;
                    return Ok(false);
                }
                Some(_) => tx.delete_basket(&job.subject).await?,
                None => {}
            }
            if !tx.finish_job(&job.id, now).await? {
                return Ok(false);
            }
            tx.commit().await?;
            Ok(true)
        }
        ORDER_ABANDONMENT => {
            let mut tx = app.store.begin().await?;
            crate::fulfilment::abandon(app, tx.as_mut(), &job.subject, now).await?;
            if !tx.finish_job(&job.id, now).await? {
                return Ok(false);
            }
            tx.commit().await?;
            Ok(true)
        }
        crate::redelivery::REDELIVERY_REFUND => {
            // The refund is made once whatever happens (its key is the order's); the job
            // is finished after it, so a crash between the two only asks it again.
            crate::redelivery::refund_first(app, &job.subject).await?;
            finish(app, &job.id, now).await
        }
        crate::refunds::REFUND_OWED => {
            // Made once (its key); finished after, so a crash between the two only asks
            // again, and the refund's key finds it made.
            crate::refunds::make_owed(app, &job.subject).await?;
            finish(app, &job.id, now).await
        }
        crate::refunds::UNAPPLIED_PAYMENT => {
            // Made once (its key is the payment's); finished after, so a crash between the
            // two only asks again.
            crate::refunds::give_back_unapplied(app, &job.subject).await?;
            finish(app, &job.id, now).await
        }
        crate::refunds::REFUND_RETRY => {
            // Made at most once at the provider (its key); the job is finished after, so a
            // crash between the two only asks again, and the provider answers the same.
            crate::refunds::retry(app, &job.subject).await?;
            finish(app, &job.id, now).await
        }
        crate::merchandising::PRICE_CHANGE | crate::merchandising::PUBLICATION_CHANGE => {
            let mut tx = app.store.begin().await?;
            crate::merchandising::run_job(app, tx.as_mut(), &job.kind, &job.subject).await?;
            if !tx.finish_job(&job.id, now).await? {
                return Ok(false);
            }
            tx.commit().await?;
            Ok(true)
        }
        other => Err(AppError::Internal(format!("unknown job kind `{other}`"))),
    }
}

/// Runs due jobs until `stop` says so, looking every `every`.
pub async fn run(app: App, every: Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if let Err(e) = run_due(&app).await {
            tracing::error!(error = %e, "job runner");
        }
        match crate::sandbox::retry_callbacks(&app).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                payments = n,
                "sandbox: callbacks delivered again after an interruption"
            ),
            Err(e) => tracing::error!(error = %e, "sandbox: callbacks delivered again"),
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

/// Marks a job done once its work (made once by its own key) is done: `false` when another
/// process finished it first. A crash between the two only runs the work again.
async fn finish(app: &App, job_id: &str, now: i64) -> Result<bool, AppError> {
    let mut tx = app.store.begin().await?;
    if !tx.finish_job(job_id, now).await? {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}
