//! The storage port of Écrin: traits both backends implement, the rows they return and
//! the one error type they raise.
//!
//! Reads go through [`Store`]; every write happens inside a [`Tx`] that the caller (a
//! use case) begins and commits, so a use case is one transaction.
#![forbid(unsafe_code)]

mod error;
pub mod exec;
pub mod rowde;
mod rows;
pub mod sql;

pub mod after_sales;
pub mod baskets;
pub mod catalogue;
pub mod customers;
pub mod documents;
pub mod jobs;
pub mod merchandise;
pub mod orders;
pub mod payments;
pub mod privacy;
pub mod reports;
pub mod team;
pub mod terms;

pub use async_trait::async_trait;

#[doc(hidden)]
pub mod __private {
    pub use ecrin_core::query::CatalogueQuery;
}

pub use error::StoreError;
pub use rows::*;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What the one writer connection of an embedded database has done since it opened, for
/// `/metrics`: how busy it is tells whether orders wait for it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WriterStats {
    /// Write transactions that held the writer, committed or not.
    pub transactions: u64,
    /// Group commits: each committed the work of one or more transactions at once.
    pub groups: u64,
    /// Seconds the writer was held by transactions running their statements.
    pub transaction_seconds: f64,
    /// Seconds the writer spent committing groups (writing them to the log).
    pub commit_seconds: f64,
    /// Syncs of the log to disk: each made every group committed before it durable, while
    /// the writer went on with the next.
    pub syncs: u64,
    /// Seconds spent in those syncs.
    pub sync_seconds: f64,
    /// Checkpoints beside the writer that copied the log into the database file.
    pub checkpoints: u64,
    /// Seconds spent in those checkpoints.
    pub checkpoint_seconds: f64,
}

/// The papers of a set of orders (INV-2, INV-3, PAY-1), read together.
#[derive(Debug, Clone, Default)]
pub struct Papers {
    pub invoices: Vec<Invoice>,
    pub refunds: Vec<Refund>,
    pub credit_notes: Vec<CreditNote>,
}

/// Everything a use case reads, and the few writes made outside a transaction, on one
/// backend: the sum of the business objects' traits ([`Catalogue`], [`Orders`], …), each
/// implemented once for every [`Engine`] in its own module.
#[async_trait]
pub trait Store:
    AfterSales
    + Baskets
    + Catalogue
    + Customers
    + Documents
    + Jobs
    + Merchandise
    + Orders
    + Payments
    + Privacy
    + Reports
    + Team
    + Terms
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;

    /// The writer's work so far, on a backend with one writer connection (SQLite); `None`
    /// where the database server has its own statistics (PostgreSQL).
    fn writer_stats(&self) -> Option<WriterStats>;

    /// Whether the database answers (readiness), and on SQLite whether it still takes
    /// writes (it stops after a failed sync of its log).
    async fn ping(&self) -> Result<()>;

    /// A write transaction: every change of a use case happens in one.
    async fn begin(&self) -> Result<Box<dyn Tx>>;

    /// Waits until every write acknowledged so far is durable.
    async fn synced(&self) -> Result<()>;

    async fn close(&self);
}

#[async_trait]
impl<E: Engine> Store for E {
    fn backend(&self) -> Backend {
        E::BACKEND
    }

    fn writer_stats(&self) -> Option<WriterStats> {
        Engine::writer_stats(self)
    }

    async fn ping(&self) -> Result<()> {
        self.writable()?;
        exec::query("SELECT 1")
            .execute(&mut self.reader().await?)
            .await?;
        Ok(())
    }

    async fn begin(&self) -> Result<Box<dyn Tx>> {
        Ok(Box::new(self.begin_writer().await?))
    }

    async fn synced(&self) -> Result<()> {
        Engine::synced(self).await
    }

    async fn close(&self) {
        Engine::close(self).await
    }
}

/// One write transaction: the business objects' transaction traits ([`OrdersTx`], …),
/// and its end.
#[async_trait]
pub trait Tx:
    AfterSalesTx
    + BasketsTx
    + CatalogueTx
    + CustomersTx
    + DocumentsTx
    + JobsTx
    + MerchandiseTx
    + OrdersTx
    + PaymentsTx
    + PrivacyTx
    + TeamTx
    + TermsTx
    + Send
{
    async fn commit(self: Box<Self>) -> Result<()>;

    /// Commits, and returns once the change is visible to every reader and durable.
    async fn commit_visible(self: Box<Self>) -> Result<()>;
}

#[async_trait]
impl<W: Writer> Tx for W {
    async fn commit(self: Box<Self>) -> Result<()> {
        Writer::commit(*self).await
    }

    async fn commit_visible(self: Box<Self>) -> Result<()> {
        Writer::commit_visible(*self).await
    }
}

pub use after_sales::{
    AfterSales, AfterSalesTx, Claim, ClaimPhoto, HeldUnits, Recall, RecallNotice, Withdrawal,
    WithdrawalNotice,
};
pub use baskets::{Baskets, BasketsTx};
pub use catalogue::{Catalogue, CatalogueTx};
pub use customers::{Customers, CustomersTx};
pub use documents::{Documents, DocumentsTx};
pub use exec::{Engine, Exec, Writer};
pub use jobs::{Jobs, JobsTx};
pub use merchandise::{
    LowStock, Merchandise, MerchandiseTx, ProductPhoto, ProductWrite, Promotion, StaffProductRow,
    StaffVariantRow, StockMove, StockMovement, VariantWrite,
};
pub use orders::{OrderSearch, Orders, OrdersTx, RecentDelivery, Redelivery, Stockout};
pub use payments::{Payments, PaymentsTx, PendingRefund, StoreCredit};
pub use privacy::{Privacy, PrivacyTx};
pub use reports::{Invoiced, Reports, StatusCount};
pub use team::{StaffEvent, StaffTotp, Team, TeamTx};
pub use terms::{Terms, TermsTx};

/// The store's traits, for calling their methods on a `dyn Store` or `dyn Tx`.
pub mod prelude {
    pub use crate::after_sales::{AfterSales as _, AfterSalesTx as _};
    pub use crate::baskets::{Baskets as _, BasketsTx as _};
    pub use crate::catalogue::{Catalogue as _, CatalogueTx as _};
    pub use crate::customers::{Customers as _, CustomersTx as _};
    pub use crate::documents::{Documents as _, DocumentsTx as _};
    pub use crate::jobs::{Jobs as _, JobsTx as _};
    pub use crate::merchandise::{Merchandise as _, MerchandiseTx as _};
    pub use crate::orders::{Orders as _, OrdersTx as _};
    pub use crate::payments::{Payments as _, PaymentsTx as _};
    pub use crate::privacy::{Privacy as _, PrivacyTx as _};
    pub use crate::reports::Reports as _;
    pub use crate::team::{Team as _, TeamTx as _};
    pub use crate::terms::{Terms as _, TermsTx as _};
    pub use crate::{Store, Tx};
}
