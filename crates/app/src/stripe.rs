//! PAY-1: Stripe, by Checkout Session. The customer pays on Stripe's hosted page, which
//! does 3-D Secure; the shop uses six endpoints of Stripe's API only, form-encoded as the
//! API is, each POST with an `Idempotency-Key`: `POST /v1/checkout/sessions`,
//! `GET /v1/checkout/sessions/{id}`, `POST /v1/checkout/sessions/{id}/expire`,
//! `GET /v1/payment_intents/{id}`, `POST /v1/refunds`, `GET /v1/refunds/{id}`.
//!
//! Stripe's webhooks are triggers, not facts: a `Stripe-Signature` is checked over the raw
//! bytes (HMAC-SHA256 of `t.` and the body with the endpoint's secret, any of several `v1`,
//! five minutes either way), each event is taken once, and the shop then asks Stripe for
//! the session's or payment intent's state before acting, so that an event sent twice, late
//! or out of order changes nothing.

use crate::payment::{Taken, Word};
use crate::provider::{Hosted, PaymentProvider, Refunded, unavailable};
use crate::{App, AppError};
use async_trait::async_trait;
use ecrin_core::Refusal;
use ecrin_core::refusal::RefusalKind;
use ecrin_store::{Order, Payment};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use std::time::Duration;

pub const NAME: &str = "stripe";

/// Stripe's API, unless `ECRIN_STRIPE_API_BASE` says otherwise.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";

/// How far a webhook's timestamp may be from the shop's clock (Stripe's libraries' default).
pub const SIGNATURE_TOLERANCE_S: i64 = 300;

/// How long a call to Stripe may take: the customer or staff hear `provider_unavailable`
/// within five seconds, and may try again.
pub const CALL_TIMEOUT: Duration = Duration::from_millis(4_500);

/// A Checkout Session lasts at least 30 minutes and at most 24 hours (Stripe's limits).
/// The shop's sessions end 23 hours after the start of the hour they are opened in, so
/// that a call sent again within that hour (after a timeout) sends the same parameters
/// under the same key, as Stripe requires; one sent in a later hour has a key of its own.
const SESSION_HOURS: i64 = 23;

/// The Stripe adapter: its keys and its HTTP client.
pub struct Stripe {
    secret_key: String,
    webhook_secret: Vec<u8>,
    api_base: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for Stripe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys.
        f.debug_struct("Stripe")
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

pub use crate::provider::BadSetting;

impl Stripe {
    /// The adapter for the account of `secret_key` (`sk_…` or a restricted `rk_…`) whose
    /// webhook endpoint signs with `webhook_secret` (`whsec_…`), at `api_base`.
    pub fn new(
        secret_key: &str,
        webhook_secret: &str,
        api_base: &str,
    ) -> Result<Stripe, BadSetting> {
        let printable = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
        if !(secret_key.starts_with("sk_") || secret_key.starts_with("rk_"))
            || secret_key.len() < 16
            || !printable(secret_key)
        {
            return Err((
                "ECRIN_STRIPE_SECRET_KEY",
                "must be a secret key of the account (sk_live_…, sk_test_… or a restricted rk_…)"
                    .into(),
            ));
        }
        if !webhook_secret.starts_with("whsec_")
            || webhook_secret.len() < 16
            || !printable(webhook_secret)
        {
            return Err((
                "ECRIN_STRIPE_WEBHOOK_SECRET",
                "must be the signing secret of the webhook endpoint (whsec_…)".into(),
            ));
        }
        let base = crate::provider::api_base("ECRIN_STRIPE_API_BASE", api_base)?;
        let http = crate::provider::http_client("ECRIN_STRIPE_API_BASE", CALL_TIMEOUT)?;
        Ok(Stripe {
            secret_key: secret_key.to_owned(),
            webhook_secret: webhook_secret.as_bytes().to_vec(),
            api_base: base,
            http,
        })
    }

    /// The API's address (never the keys), for the start's banner.
    pub fn api_base(&self) -> &str {
        &self.api_base
    }

    async fn call(&self, request: reqwest::RequestBuilder) -> Result<serde_json::Value, AppError> {
        let response = request
            .bearer_auth(&self.secret_key)
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(error = %e.without_url(), "stripe: no answer");
                unavailable("the payment provider did not answer; try again in a moment")
            })?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.map_err(|e| {
            tracing::warn!(error = %e.without_url(), "stripe: an answer that is not JSON");
            unavailable("the payment provider's answer could not be read; try again")
        })?;
        if status.is_success() {
            return Ok(body);
        }
        let message = body["error"]["message"].as_str().unwrap_or("").to_owned();
        if status.is_server_error() || status.as_u16() == 429 {
            tracing::warn!(%status, %message, "stripe: unavailable");
            return Err(unavailable(
                "the payment provider is unavailable; try again in a moment",
            ));
        }
        if status.as_u16() == 404 {
            return Err(AppError::NotFound);
        }
        tracing::error!(%status, %message, "stripe refused a request");
        Err(Refusal::of(
            RefusalKind::Conflict,
            crate::refunds::PROVIDER_REFUSED,
            format!("the payment provider refused: {message}"),
        )
        .into())
    }

    async fn post(
        &self,
        path: &str,
        form: &[(String, String)],
        key: &str,
    ) -> Result<serde_json::Value, AppError> {
        let body = encode(form);
        self.call(
            self.http
                .post(format!("{}{path}", self.api_base))
                .header("Idempotency-Key", key)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(body),
        )
        .await
    }

    async fn get(&self, path: &str) -> Result<serde_json::Value, AppError> {
        self.call(self.http.get(format!("{}{path}", self.api_base)))
            .await
    }

    /// A Checkout Session as Stripe has it now.
    pub async fn session(&self, id: &str) -> Result<Session, AppError> {
        let v = self
            .get(&format!("/v1/checkout/sessions/{}", segment(id)))
            .await?;
        read(v)
    }

    /// A payment intent as Stripe has it now.
    pub async fn payment_intent(&self, id: &str) -> Result<PaymentIntent, AppError> {
        let v = self
            .get(&format!("/v1/payment_intents/{}", segment(id)))
            .await?;
        read(v)
    }

    /// A refund as Stripe has it now.
    pub async fn refund_state(&self, id: &str) -> Result<RefundObject, AppError> {
        let v = self.get(&format!("/v1/refunds/{}", segment(id))).await?;
        read(v)
    }

    /// Ends a session still open (a new attempt replaces it).
    pub async fn expire(&self, id: &str) -> Result<Session, AppError> {
        let v = self
            .post(
                &format!("/v1/checkout/sessions/{}/expire", segment(id)),
                &[],
                &format!("expire-{id}"),
            )
            .await?;
        read(v)
    }
}

/// A form as Stripe's API reads it (`application/x-www-form-urlencoded`).
fn encode(form: &[(String, String)]) -> String {
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in form {
        body.append_pair(k, v);
    }
    body.finish()
}

/// An id in a path: Stripe's ids are letters, digits and `_`; anything else is escaped.
fn segment(id: &str) -> String {
    urlencoding::encode(id).into_owned()
}

fn read<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, AppError> {
    serde_json::from_value(v).map_err(|e| {
        tracing::error!(error = %e, "stripe: an object the shop cannot read");
        unavailable("the payment provider's answer could not be read")
    })
}

/// The part of a Checkout Session the shop reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Session {
    pub id: String,
    /// `open`, `complete` or `expired`.
    pub status: Option<String>,
    /// `paid`, `unpaid` or `no_payment_required`.
    pub payment_status: String,
    pub amount_total: Option<i64>,
    pub currency: Option<String>,
    pub url: Option<String>,
    pub payment_intent: Option<String>,
    #[serde(default)]
    pub metadata: std::collections::HashMap<String, String>,
}

/// The part of a payment intent the shop reads.
#[derive(Debug, Clone, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    pub status: String,
    pub amount: i64,
    #[serde(default)]
    pub amount_received: i64,
    pub currency: String,
}

/// The part of a refund the shop reads.
#[derive(Debug, Clone, Deserialize)]
pub struct RefundObject {
    pub id: String,
    pub amount: i64,
    /// `pending`, `requires_action`, `succeeded`, `failed` or `canceled`.
    pub status: Option<String>,
    pub payment_intent: Option<String>,
}

/// The Checkout Session's parameters for attempt `payment` to pay `order` (its lines and
/// delivery, or one line for the amount when they do not add up to it: shop credit spent).
fn session_form(
    app: &App,
    order: &Order,
    payment: &Payment,
    expires_at_s: i64,
) -> Result<Vec<(String, String)>, AppError> {
    let summary = crate::checkout::document(order)?;
    let currency = app.profile.currency.code().to_ascii_lowercase();
    let lang = crate::documents::order_lang(&app.profile, order);
    let t = crate::i18n::Tr::new(lang);
    let back = format!(
        "{}/{}/account/orders/{}",
        app.public_url,
        lang.code(),
        order.number
    );
    let mut form: Vec<(String, String)> = vec![
        ("mode".into(), "payment".into()),
        ("client_reference_id".into(), order.number.clone()),
        ("metadata[payment_id]".into(), payment.id.clone()),
        ("metadata[order_number]".into(), order.number.clone()),
        (
            "payment_intent_data[metadata][payment_id]".into(),
            payment.id.clone(),
        ),
        (
            "payment_intent_data[metadata][order_number]".into(),
            order.number.clone(),
        ),
        ("success_url".into(), format!("{back}?payment=returned")),
        ("cancel_url".into(), format!("{back}?payment=cancelled")),
        ("customer_email".into(), summary.contact.email.clone()),
        ("locale".into(), lang.code().to_owned()),
        ("expires_at".into(), expires_at_s.to_string()),
    ];
    let mut lines: Vec<(String, i64, i64)> = order
        .lines
        .iter()
        .map(|l| (l.name.clone(), l.unit_price_incl_vat, l.quantity))
        .collect();
    if order.delivery_charge > 0 {
        lines.push((t.t("stripe-delivery-line"), order.delivery_charge, 1));
    }
    let sum: i64 = lines.iter().map(|(_, price, q)| price * q).sum();
    if sum != payment.amount || lines.len() > 100 {
        lines = vec![(
            t.with("stripe-order-line", &[("number", order.number.clone())]),
            payment.amount,
            1,
        )];
    }
    for (i, (name, price, quantity)) in lines.into_iter().enumerate() {
        let p = format!("line_items[{i}]");
        form.push((format!("{p}[price_data][currency]"), currency.clone()));
        form.push((format!("{p}[price_data][unit_amount]"), price.to_string()));
        form.push((format!("{p}[price_data][product_data][name]"), name));
        form.push((format!("{p}[quantity]"), quantity.to_string()));
    }
    Ok(form)
}

#[async_trait]
impl PaymentProvider for Stripe {
    fn name(&self) -> &'static str {
        NAME
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    async fn open(&self, app: &App, order: &Order, payment: &Payment) -> Result<Hosted, AppError> {
        if let Some(id) = &payment.provider_ref {
            let s = self.session(id).await?;
            if s.status.as_deref() == Some("open")
                && let Some(url) = s.url
            {
                return Ok(Hosted {
                    url,
                    reference: Some(s.id),
                });
            }
        }
        let hour = crate::provider::wall_now_s() / 3600 * 3600;
        let expires_at = hour + SESSION_HOURS * 3600;
        let form = session_form(app, order, payment, expires_at)?;
        let v = self
            .post(
                "/v1/checkout/sessions",
                &form,
                &format!("session-{}-{hour}", payment.id),
            )
            .await?;
        let s: Session = read(v)?;
        let url = s
            .url
            .clone()
            .ok_or_else(|| unavailable("the payment provider gave no page"))?;
        Ok(Hosted {
            url,
            reference: Some(s.id),
        })
    }

    /// A customer back from Stripe's page before its webhook: Stripe is asked for the
    /// session's state at once, which is taken as the webhook would take it.
    async fn follow(&self, app: &App, payment: &Payment) -> Result<bool, AppError> {
        let Some(id) = payment.provider_ref.as_deref() else {
            return Ok(false);
        };
        let session = self.session(id).await?;
        let key = format!(
            "follow:{}:{}:{}",
            session.id,
            session.status.as_deref().unwrap_or(""),
            session.payment_status
        );
        Ok(settle_session(app, self, &key, &session).await? == Taken::Applied)
    }

    async fn refund(
        &self,
        _app: &App,
        payment: &Payment,
        amount: i64,
        key: &str,
    ) -> Result<Refunded, AppError> {
        let intent = payment.provider_payment.as_deref().ok_or_else(|| {
            Refusal::conflict("this payment has no payment at the provider to refund")
        })?;
        let form = vec![
            ("payment_intent".to_owned(), intent.to_owned()),
            ("amount".to_owned(), amount.to_string()),
            ("metadata[payment_id]".to_owned(), payment.id.clone()),
            ("metadata[refund_key]".to_owned(), key.to_owned()),
        ];
        let v = self
            .post("/v1/refunds", &form, &format!("refund-{key}"))
            .await?;
        let r: RefundObject = read(v)?;
        if matches!(r.status.as_deref(), Some("failed" | "canceled")) {
            return Err(Refusal::of(
                RefusalKind::Conflict,
                crate::refunds::PROVIDER_REFUSED,
                "the payment provider could not refund this payment",
            )
            .into());
        }
        Ok(Refunded {
            id: r.id,
            amount: r.amount,
        })
    }
}

type HmacSha256 = Hmac<Sha256>;

/// Whether `header` (`t=…,v1=…[,v1=…]`) signs `body` with `secret` at a moment within
/// [`SIGNATURE_TOLERANCE_S`] of `now_s`; why not otherwise.
pub fn verify_signature(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now_s: i64,
) -> Result<(), &'static str> {
    let mut timestamp: Option<i64> = None;
    let mut signatures: Vec<Vec<u8>> = Vec::new();
    for item in header.split(',') {
        let Some((k, v)) = item.trim().split_once('=') else {
            continue;
        };
        match k {
            "t" => timestamp = v.parse().ok(),
            "v1" => {
                if let Ok(bytes) = hex::decode(v) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    let t = timestamp.ok_or("no timestamp in the signature")?;
    if signatures.is_empty() {
        return Err("no v1 signature");
    }
    let holds = signatures.iter().any(|s| {
        HmacSha256::new_from_slice(secret).is_ok_and(|mut mac| {
            mac.update(t.to_string().as_bytes());
            mac.update(b".");
            mac.update(body);
            mac.verify_slice(s).is_ok()
        })
    });
    if !holds {
        return Err("the signature does not hold");
    }
    if now_s.abs_diff(t) > SIGNATURE_TOLERANCE_S.unsigned_abs() {
        return Err("the signature's timestamp is too far from now (a replay?)");
    }
    Ok(())
}

/// The part of an event the shop reads: the object is only a pointer to what to ask.
#[derive(Debug, Deserialize)]
struct WebhookEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Debug, Deserialize)]
struct EventData {
    object: EventObject,
}

#[derive(Debug, Deserialize)]
struct EventObject {
    id: String,
    #[serde(default)]
    payment_intent: Option<String>,
}

/// The Stripe adapter in use, if it is the shop's provider.
fn adapter(app: &App) -> Option<&Stripe> {
    app.provider.as_any().downcast_ref::<Stripe>()
}

/// PAY-1: `POST /api/v1/payments/stripe/webhook`. The signature is checked over the raw
/// bytes before anything is read (`400 invalid_signature` otherwise); then, for a session's event,
/// Stripe is asked for the session (and its payment intent) and the attempt moves as that
/// state says, each event taken once. A failure to reach Stripe is `provider_unavailable`,
/// which Stripe answers by sending the event again.
pub async fn webhook(app: &App, header: &str, body: &[u8]) -> Result<Taken, AppError> {
    let stripe = adapter(app).ok_or(AppError::NotFound)?;
    verify_signature(
        &stripe.webhook_secret,
        header,
        body,
        crate::provider::wall_now_s(),
    )
    .map_err(|why| {
        tracing::warn!(why, "stripe webhook refused");
        AppError::from(Refusal::of(RefusalKind::Invalid, "invalid_signature", why))
    })?;
    let event: WebhookEvent = serde_json::from_slice(body).map_err(|_| {
        AppError::Invalid(vec![ecrin_core::query::FieldError {
            field: "body".into(),
            reason: "not_a_stripe_event",
        }])
    })?;
    match event.kind.as_str() {
        "checkout.session.completed"
        | "checkout.session.async_payment_succeeded"
        | "checkout.session.async_payment_failed"
        | "checkout.session.expired" => {
            let session = stripe.session(&event.data.object.id).await?;
            settle_session(app, stripe, &event.id, &session).await
        }
        "charge.refunded" | "charge.refund.updated" | "charge.dispute.created" => {
            after_payment(app, stripe, &event).await
        }
        // Not one the shop listens for: taken, nothing to do.
        _ => Ok(Taken::AlreadyTaken),
    }
}

/// What Stripe's state of `session` says of the shop's attempt, and the attempt moved by it.
async fn settle_session(
    app: &App,
    stripe: &Stripe,
    event_id: &str,
    session: &Session,
) -> Result<Taken, AppError> {
    let Some(payment_id) = session.metadata.get("payment_id") else {
        // A session the shop did not open (another integration on the same account).
        return Ok(Taken::AlreadyTaken);
    };
    let Some(payment) = app.store.payment(payment_id).await? else {
        return Ok(Taken::AlreadyTaken);
    };
    if payment.provider != NAME {
        return Ok(Taken::AlreadyTaken);
    }
    let word = match (session.status.as_deref(), session.payment_status.as_str()) {
        (Some("complete"), "paid") => {
            let id = session
                .payment_intent
                .as_deref()
                .ok_or_else(|| unavailable("a paid session without its payment"))?;
            let intent = stripe.payment_intent(id).await?;
            if intent.status != "succeeded"
                || !intent
                    .currency
                    .eq_ignore_ascii_case(app.profile.currency.code())
            {
                return Ok(Taken::AlreadyTaken);
            }
            Word::Paid {
                amount: intent.amount_received,
                provider_payment: Some(intent.id),
            }
        }
        (Some("expired"), _) => Word::Refused,
        (Some("complete"), "unpaid") => {
            // A delayed method: settled later; failed when its intent wants another method.
            let Some(id) = session.payment_intent.as_deref() else {
                return Ok(Taken::AlreadyTaken);
            };
            let intent = stripe.payment_intent(id).await?;
            if matches!(
                intent.status.as_str(),
                "requires_payment_method" | "canceled"
            ) {
                Word::Refused
            } else {
                return Ok(Taken::AlreadyTaken);
            }
        }
        _ => return Ok(Taken::AlreadyTaken),
    };
    crate::payment::take(app, event_id, &payment.id, word).await
}

/// Refunds and disputes, after asking Stripe: a refund reported failed is owed again the
/// way the terms give (`refunds::failed_at_provider`); a dispute is written in the order's
/// history and flagged to customer service as a ticket. Each event once.
async fn after_payment(
    app: &App,
    stripe: &Stripe,
    event: &WebhookEvent,
) -> Result<Taken, AppError> {
    let object = &event.data.object;
    match event.kind.as_str() {
        "charge.refund.updated" => {
            let r = stripe.refund_state(&object.id).await?;
            if !matches!(r.status.as_deref(), Some("failed" | "canceled")) {
                return Ok(Taken::AlreadyTaken);
            }
            let Some(payment) = payment_of_intent(app, r.payment_intent.as_deref()).await? else {
                return Ok(Taken::AlreadyTaken);
            };
            let done = crate::refunds::failed_at_provider(app, &payment, &r.id, &event.id).await?;
            Ok(if done {
                Taken::Applied
            } else {
                Taken::AlreadyTaken
            })
        }
        "charge.dispute.created" => {
            let Some(payment) = payment_of_intent(app, object.payment_intent.as_deref()).await?
            else {
                return Ok(Taken::AlreadyTaken);
            };
            dispute_opened(app, &payment, &object.id, &event.id).await
        }
        // charge.refunded: the shop recorded its refunds as Stripe answered them.
        _ => Ok(Taken::AlreadyTaken),
    }
}

async fn payment_of_intent(app: &App, intent: Option<&str>) -> Result<Option<Payment>, AppError> {
    match intent {
        Some(id) => Ok(app.store.payment_by_provider_payment(id).await?),
        None => Ok(None),
    }
}

/// PAY-1: the cardholder disputed the payment: written in the order's history, and a
/// ticket for customer service (on their list and the deadline board) says what to do.
async fn dispute_opened(
    app: &App,
    payment: &Payment,
    dispute_id: &str,
    event_id: &str,
) -> Result<Taken, AppError> {
    let order = app
        .store
        .order_by_id(&payment.order_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let summary = crate::checkout::document(&order)?;
    let lang = app.profile.prevailing_language;
    let t = crate::i18n::Tr::new(lang);
    let args = [
        ("number", order.number.clone()),
        ("dispute", dispute_id.to_owned()),
        ("amount", t.money(payment.amount)),
    ];
    let now = app.clock.now_ms();
    let ticket = ecrin_store::Ticket {
        id: format!("tkt_{}", crate::customers::random_hex(6)?),
        customer_id: Some(order.customer_id.clone()),
        email: summary.contact.email.clone(),
        name: format!(
            "{} {}",
            summary.contact.given_name, summary.contact.family_name
        ),
        subject: t.with("dispute-ticket-subject", &args),
        message: t.with("dispute-ticket-text", &args),
        language: lang.code().to_owned(),
        created_at_ms: now,
        answer: None,
        answered_by: None,
        answered_at_ms: None,
    };
    let mut tx = app.store.begin().await?;
    if !tx.record_callback(event_id, &payment.id, now).await? {
        return Ok(Taken::AlreadyTaken);
    }
    crate::proof::append(
        tx.as_mut(),
        &order.id,
        now,
        "dispute_opened",
        &serde_json::json!({"provider_dispute": dispute_id, "ticket": ticket.id}),
    )
    .await?;
    tx.insert_ticket(&ticket).await?;
    tx.commit().await?;
    tracing::warn!(order = %order.number, "a card payment is disputed: customer service to answer");
    Ok(Taken::Applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(secret: &[u8], t: i64, body: &[u8]) -> String {
        let mut mac = HmacSha256::new_from_slice(secret).unwrap_or_else(|e| panic!("{e}"));
        mac.update(format!("{t}.").as_bytes());
        mac.update(body);
        format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn pay_1_a_stripe_signature_holds_for_its_body_secret_and_time_only() {
        let body = br#"{"id":"evt_1","object":"event"}"#;
        let h = header(b"whsec_test", 1_000, body);
        assert_eq!(verify_signature(b"whsec_test", &h, body, 1_000), Ok(()));
        assert_eq!(verify_signature(b"whsec_test", &h, body, 1_300), Ok(()));
        assert!(verify_signature(b"whsec_test", &h, body, 1_301).is_err());
        assert!(verify_signature(b"whsec_test", &h, body, 699).is_err());
        assert!(verify_signature(b"whsec_other", &h, body, 1_000).is_err());
        assert!(verify_signature(b"whsec_test", &h, b"{}", 1_000).is_err());
        // One of several v1 (a secret being rolled), another scheme beside it.
        let two = format!("t=1000,v1={},v0=abc,{}", "00".repeat(32), &h[7..]);
        assert_eq!(verify_signature(b"whsec_test", &two, body, 1_000), Ok(()));
        assert!(verify_signature(b"whsec_test", "", body, 1_000).is_err());
        assert!(verify_signature(b"whsec_test", "t=1000", body, 1_000).is_err());
    }

    proptest::proptest! {
        /// PAY-1: any header is read or refused, never a panic.
        #[test]
        fn pay_1_any_stripe_signature_header_is_read_or_refused(
            h in "\\PC{0,120}",
            now in proptest::prelude::any::<i64>(),
        ) {
            let _ = verify_signature(b"whsec_test", &h, b"{}", now);
        }
    }
}
