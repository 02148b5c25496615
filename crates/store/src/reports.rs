//! What the back office's home sums up: invoiced sales over a period and orders by
//! status.

use crate::exec::{Engine, query_as};
use crate::sql::{CREDIT_NOTE_COLUMNS, INVOICE_COLUMNS};
use crate::*;

/// The invoices of a quarter of an hour, for the sales chart: the quarter's start and the
/// sum of their totals.
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
    /// The invoices issued from `since_ms` on, summed by quarter of an hour (UTC), oldest
    /// first: at most 96 rows a day however many invoices, and every time zone's offset is
    /// a whole number of quarters, so each quarter falls on one day of the house's calendar.
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
        query_as(
            "SELECT (issued_at / 900000) * 900000 AS issued_at, CAST(SUM(total) AS BIGINT) AS total \
             FROM invoices WHERE issued_at >= $1 GROUP BY issued_at / 900000 ORDER BY 1",
        )
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
