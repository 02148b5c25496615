//! PAY-1: the port to a payment service provider. The shop asks it for a hosted page where
//! the customer pays, hears what happened through signed callbacks, and asks it to refund;
//! it never sees a card. The sandbox provider (`crate::sandbox`) is the one adapter: a real
//! provider is another implementation of this trait.

use crate::{App, AppError};
use async_trait::async_trait;

/// One attempt to pay an order, as the provider is asked to take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub payment_id: String,
    pub amount: i64,
    pub order_number: String,
    /// Where the customer goes back to the shop.
    pub return_url: String,
}

/// What a callback says happened to a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The provider's id of the event: the same event sent twice is taken once.
    pub id: String,
    pub payment_id: String,
    pub amount: i64,
    /// `true` when the amount was captured, `false` when the card was refused.
    pub paid: bool,
}

/// What the provider answered a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refunded {
    /// The provider's id of the refund.
    pub id: String,
    pub amount: i64,
}

#[async_trait]
pub trait PaymentProvider: Send + Sync + std::fmt::Debug + 'static {
    /// The provider's name, as each payment records it.
    fn name(&self) -> &'static str;

    /// The provider's hosted page for `attempt`.
    fn page_url(&self, app: &App, attempt: &Attempt) -> String;

    /// The event of a callback, if its signature holds and it is fresh (a replay of an old
    /// callback is refused); `unauthorized` otherwise.
    fn verify_callback(
        &self,
        app: &App,
        signature: &str,
        body: &[u8],
        now_ms: i64,
    ) -> Result<Event, AppError>;

    /// Refunds `amount` of a captured payment. The same `key` refunds once: asked again
    /// (after a timeout, a crash), the provider answers with the first refund.
    async fn refund(
        &self,
        app: &App,
        payment_id: &str,
        amount: i64,
        key: &str,
    ) -> Result<Refunded, AppError>;
}
