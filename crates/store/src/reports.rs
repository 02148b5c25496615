//! What the back office's home sums up: invoiced sales over a period and orders by
//! status.

use crate::exec::{Engine, query_as};
use crate::*;

/// An invoice's day and amount, for the sales chart.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Invoiced {
    pub issued_at: i64,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct StatusCount {
    pub status: String,
    pub n: i64,
}

#[async_trait]
pub trait Reports: Send + Sync {
    /// Invoices issued from `since_ms` on, oldest first.
    async fn invoiced_since(&self, since_ms: i64) -> Result<Vec<Invoiced>>;

    /// How many orders are in each status.
    async fn orders_by_status(&self) -> Result<Vec<StatusCount>>;
}

#[async_trait]
impl<E: Engine> Reports for E {
    async fn invoiced_since(&self, since_ms: i64) -> Result<Vec<Invoiced>> {
        query_as("SELECT issued_at, total FROM invoices WHERE issued_at >= $1 ORDER BY issued_at")
            .bind(since_ms)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn orders_by_status(&self) -> Result<Vec<StatusCount>> {
        query_as("SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY status")
            .fetch_all(&mut self.reader().await?)
            .await
    }
}
