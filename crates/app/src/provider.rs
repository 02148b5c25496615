//! PAY-1: the port to a payment service provider. The shop asks it for a hosted page where
//! the customer pays, hears what happened through signed callbacks (each adapter reads its
//! own: Stripe's are triggers after which Stripe is asked; Lyra's carry its signed word),
//! and asks it to refund; it never
//! sees a card. Adapters: the sandbox (`crate::sandbox`, the demo's and the tests'
//! default), Stripe (`crate::stripe`) and Lyra (`crate::lyra`).

use crate::{App, AppError};
use async_trait::async_trait;
use ecrin_core::Refusal;
use ecrin_core::refusal::RefusalKind;
use ecrin_store::{Order, Payment};

/// One attempt to pay an order, as the sandbox's signed link carries it.
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

/// The provider's hosted page for an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosted {
    /// Where the customer is sent.
    pub url: String,
    /// The provider's reference of the page, kept on the payment (Stripe: the Checkout
    /// Session's id); `None` when the provider needs none (the sandbox).
    pub reference: Option<String>,
}

#[async_trait]
pub trait PaymentProvider: Send + Sync + std::fmt::Debug + 'static {
    /// The provider's name, as each payment records it.
    fn name(&self) -> &'static str;

    /// The adapter itself, for what only it knows (its callbacks' signatures).
    fn as_any(&self) -> &dyn std::any::Any;

    /// The provider's hosted page for `payment`, an attempt to pay `order` still waiting
    /// for the provider's word: the page already opened for it if it can still be used
    /// (`payment.provider_ref`), else a new one.
    async fn open(&self, app: &App, order: &Order, payment: &Payment) -> Result<Hosted, AppError>;

    /// PAY-1: asks the provider at once for the state of attempt `payment` (a customer
    /// back from its page before its callback) and takes it as the callback would;
    /// whether the attempt moved. The sandbox's callbacks come before the customer does:
    /// nothing to ask.
    async fn follow(&self, _app: &App, _payment: &Payment) -> Result<bool, AppError> {
        Ok(false)
    }

    /// Refunds `amount` of a captured payment. The same `key` refunds once: asked again
    /// (after a timeout, a crash), the provider answers with the first refund.
    async fn refund(
        &self,
        app: &App,
        payment: &Payment,
        amount: i64,
        key: &str,
    ) -> Result<Refunded, AppError>;
}

/// PAY-1: the provider could not be reached or did not answer in time: the customer or
/// staff may try again; nothing of the order was lost (`503 provider_unavailable`).
pub fn unavailable(detail: impl Into<String>) -> AppError {
    Refusal::of(RefusalKind::Unavailable, "provider_unavailable", detail).into()
}

/// Why a provider's setting cannot be used: the variable and what is wrong with it.
pub type BadSetting = (&'static str, String);

/// A provider's API address from setting `var`: an http(s) address, without its last `/`.
pub(crate) fn api_base(var: &'static str, given: &str) -> Result<String, BadSetting> {
    let base = given.trim_end_matches('/');
    match url::Url::parse(base) {
        Ok(u) if matches!(u.scheme(), "https" | "http") && u.host().is_some() => {
            Ok(base.to_owned())
        }
        _ => Err((var, format!("`{given}` is not an http(s) address"))),
    }
}

/// The HTTP client of a provider's adapter: each call gives up after `timeout`, so that the
/// customer or staff hear `provider_unavailable` in time.
pub(crate) fn http_client(
    var: &'static str,
    timeout: std::time::Duration,
) -> Result<reqwest::Client, BadSetting> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(std::time::Duration::from_secs(3))
        .user_agent(concat!("ecrin/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| (var, e.to_string()))
}

/// The time at the provider: the machine's clock, not the shop's (which tests move to the
/// days they need): an expiry or a signature's freshness is a moment the provider reads.
pub(crate) fn wall_now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
