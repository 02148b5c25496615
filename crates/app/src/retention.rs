//! PRV-5, PRV-7: the security log of the sensitive forms, and the purge that deletes what
//! has outlived its purpose: the security log after the profile's retention, ended
//! sessions and the baskets of visitors who left, spent tokens, counters of limits, and
//! messages to friends that could not be delivered within a week, and the finished jobs
//! that emptied expired baskets.

use crate::{App, AppError};
use ecrin_store::{Purged, SecurityEvent};
use std::time::Duration;

const DAY_MS: i64 = 86_400_000;

/// Longest user agent or referrer kept.
const MAX_HEADER: usize = 300;

fn cut(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(MAX_HEADER)
        .collect()
}

/// PRV-5: records one attempt on a sensitive form.
pub async fn record(
    app: &App,
    kind: &str,
    status: u16,
    ip: &str,
    user_agent: &str,
    referrer: &str,
) -> Result<(), AppError> {
    let event = SecurityEvent {
        at_ms: app.clock.now_ms(),
        kind: cut(kind),
        status: i64::from(status),
        ip: cut(ip),
        user_agent: cut(user_agent),
        referrer: cut(referrer),
    };
    let mut tx = app.store.begin().await?;
    tx.record_security_event(&event).await?;
    tx.commit().await?;
    Ok(())
}

/// PRV-7: one purge; what it removed, per kind of data.
pub async fn purge(app: &App) -> Result<Purged, AppError> {
    let now = app.clock.now_ms();
    let keep = i64::from(app.profile.privacy.security_log_retention_days) * DAY_MS;
    let mut tx = app.store.begin().await?;
    let purged = tx.purge_expired(now, now - keep).await?;
    tx.commit().await?;
    let total: u64 = purged.iter().map(|(_, n)| n).sum();
    if total > 0 {
        tracing::info!(?purged, "retention purge");
    }
    Ok(purged)
}

/// Purges at start and then every `every`, until `stop` turns true.
pub async fn run(app: App, every: Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if let Err(e) = purge(&app).await {
            tracing::error!(error = %e, "retention purge");
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
