//! What the back office's home sums up: invoiced sales over a period and orders by
//! status.

use crate::exec::{Engine, query_as};
use crate::sql::{CREDIT_NOTE_COLUMNS, INVOICE_COLUMNS};
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

    /// The invoices issued in `[from_ms, until_ms)`, in their number's order.
    async fn invoices_between(&self, from_ms: i64, until_ms: i64) -> Result<Vec<Invoice>>;

    /// The credit notes issued in `[from_ms, until_ms)`, in their number's order.
    async fn credit_notes_between(&self, from_ms: i64, until_ms: i64) -> Result<Vec<CreditNote>>;
}

#[async_trait]
impl<E: Engine> Reports for E {
    async fn invoiced_since(&self, since_ms: i64) -> Result<Vec<Invoiced>> {
        query_as("SELECT issued_at, total FROM invoices WHERE issued_at >= $1 ORDER BY issued_at")
            .bind(since_ms)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn invoices_between(&self, from_ms: i64, until_ms: i64) -> Result<Vec<Invoice>> {
        query_as(format!(
            "SELECT {} FROM invoices WHERE issued_at >= $1 AND issued_at < $2 ORDER BY seq",
            INVOICE_COLUMNS
        ))
        .bind(from_ms)
        .bind(until_ms)
        .fetch_all(&mut self.reader().await?)
        .await
    }

    async fn credit_notes_between(&self, from_ms: i64, until_ms: i64) -> Result<Vec<CreditNote>> {
        query_as(format!(
            "SELECT {} FROM credit_notes WHERE issued_at >= $1 AND issued_at < $2 ORDER BY seq",
            CREDIT_NOTE_COLUMNS
        ))
        .bind(from_ms)
        .bind(until_ms)
        .fetch_all(&mut self.reader().await?)
        .await
    }

    async fn orders_by_status(&self) -> Result<Vec<StatusCount>> {
        query_as("SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY status")
            .fetch_all(&mut self.reader().await?)
            .await
    }
}
