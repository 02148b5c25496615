//! The sandbox payment service provider (PAY-1): it behaves as a hosted payment page does,
//! with its own pages (served under `/sandbox/`), its own record of what it charged, the
//! test cards of the API, a 3-D Secure challenge, and callbacks to the shop signed with
//! HMAC-SHA256 over a timestamp and the body. The shop sees no card number: only the last
//! four digits stay, on the provider's side.
//!
//! | card | outcome |
//! |---|---|
//! | `4242424242424242` | paid |
//! | `4000000000000002` | refused |
//! | `4000000000003220` | paid once the 3-D Secure challenge is passed |

use crate::provider::{Event, Hosted, PaymentProvider, Refunded};
use crate::{App, AppError, payment};
use async_trait::async_trait;
use ecrin_core::Refusal;
use ecrin_core::payment::ChargeState;
use ecrin_store::{Order, Payment, SandboxCharge, SandboxRefund};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const NAME: &str = "sandbox";

pub const CARD_PAID: &str = "4242424242424242";
pub const CARD_REFUSED: &str = "4000000000000002";
pub const CARD_CHALLENGE: &str = "4000000000003220";

/// What the provider was asked to charge, as its signed link carries it.
pub use crate::provider::Attempt as Link;

/// HMAC-SHA256 over `parts`, each preceded by its length, so that no two different lists
/// of parts sign alike.
fn mac_of(secret: &[u8], parts: &[&str]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part.as_bytes());
    }
    Some(mac)
}

pub(crate) fn hmac_hex(secret: &[u8], parts: &[&str]) -> String {
    mac_of(secret, parts)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Whether `signature_hex` signs `parts`, compared in constant time.
pub(crate) fn hmac_matches(secret: &[u8], parts: &[&str], signature_hex: &str) -> bool {
    let Ok(given) = hex::decode(signature_hex) else {
        return false;
    };
    mac_of(secret, parts).is_some_and(|m| m.verify_slice(&given).is_ok())
}

impl Link {
    fn parts(&self) -> [String; 4] {
        [
            self.payment_id.clone(),
            self.amount.to_string(),
            self.order_number.clone(),
            self.return_url.clone(),
        ]
    }

    fn signature(&self, secret: &[u8]) -> String {
        let parts = self.parts();
        let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
        hmac_hex(secret, &refs)
    }

    /// The hosted page's address for this payment (a path: the sandbox is served beside
    /// the shop).
    pub fn url(&self, app: &App) -> String {
        let q = |s: &str| urlencoding::encode(s).into_owned();
        format!(
            "/sandbox/pay/{}?amount={}&order={}&return={}&sig={}",
            q(&self.payment_id),
            self.amount,
            q(&self.order_number),
            q(&self.return_url),
            self.signature(&app.payment_secret)
        )
    }

    /// The link of a request to the hosted page, if its signature holds (nobody can
    /// change the amount or the way back).
    pub fn verified(
        app: &App,
        payment_id: &str,
        amount: i64,
        order_number: &str,
        return_url: &str,
        sig: &str,
    ) -> Option<Link> {
        let link = Link {
            payment_id: payment_id.to_owned(),
            amount,
            order_number: order_number.to_owned(),
            return_url: return_url.to_owned(),
        };
        let parts = link.parts();
        let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
        hmac_matches(&app.payment_secret, &refs, sig).then_some(link)
    }
}

/// What the hosted page does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Back to the shop: paid or refused, the shop heard it.
    Done { paid: bool },
    /// The card's bank asks the customer to confirm (3-D Secure).
    Challenge,
    /// The card number is not one (the page says so and asks again).
    InvalidCard,
}

/// Luhn's check of a card number.
fn luhn(digits: &str) -> bool {
    if digits.len() < 12 || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The customer submits a card on the hosted page.
pub async fn submit_card(app: &App, link: &Link, card: &str) -> Result<Step, AppError> {
    let digits: String = card
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if !luhn(&digits) {
        return Ok(Step::InvalidCard);
    }
    let last4 = digits[digits.len() - 4..].to_owned();
    match digits.as_str() {
        CARD_CHALLENGE => {
            // The challenge page shows next: the charge is durable before it does.
            charge(app, link, ChargeState::Challenge, &last4, true).await?;
            Ok(Step::Challenge)
        }
        CARD_PAID => settle(app, link, true, &last4).await,
        // The refused test card, and any other card: the sandbox's bank declines it.
        _ => settle(app, link, false, &last4).await,
    }
}

/// The customer answers the 3-D Secure challenge.
pub async fn answer_challenge(app: &App, link: &Link, passed: bool) -> Result<Step, AppError> {
    let charged = app.store.sandbox_charge(&link.payment_id).await?;
    match charged {
        Some(c) if c.status == ChargeState::Challenge => {
            settle(app, link, passed, &c.card_last4).await
        }
        Some(c) => Ok(Step::Done {
            paid: c.status == ChargeState::Succeeded,
        }),
        None => Err(Refusal::conflict("no card was submitted for this payment").into()),
    }
}

/// Records the sandbox's charge; with `durable` false it returns once the charge is
/// committed, before it reaches the disk, and the caller syncs before answering.
async fn charge(
    app: &App,
    link: &Link,
    status: ChargeState,
    last4: &str,
    durable: bool,
) -> Result<bool, AppError> {
    let mut tx = app.store.begin().await?;
    let taken = tx
        .put_sandbox_charge(&SandboxCharge {
            payment_id: link.payment_id.clone(),
            amount: link.amount,
            status,
            card_last4: last4.to_owned(),
            at: app.clock.now_ms(),
        })
        .await?;
    if durable {
        tx.commit().await?;
    } else {
        tx.commit_visible().await?;
    }
    Ok(taken)
}

/// Charges (or declines) once, then tells the shop with a signed callback.
///
/// A real provider keeps its charges in a database of its own and makes each durable
/// before it calls the shop back. The sandbox shares the shop's database, so the charge
/// need not wait for a sync of its own: the shop's durable commit of the callback, right
/// after, covers it, and nothing is answered before that commit or, when the callback
/// commits nothing, before [`ecrin_store::Store::synced`]. On a loaded disk this saves
/// one sync's wait (milliseconds) on every card payment.
async fn settle(app: &App, link: &Link, paid: bool, last4: &str) -> Result<Step, AppError> {
    let status = if paid {
        ChargeState::Succeeded
    } else {
        ChargeState::Refused
    };
    let taken = charge(app, link, status, last4, false).await;
    let outcome = match taken {
        Ok(true) => call_back(app, &link.payment_id, link.amount, paid).await,
        Ok(false) => {
            // Charged or declined before: the same answer, and no second charge. The shop is
            // told again, as a provider retries its callback until the shop takes it (the
            // process that charged may have stopped before telling it); it takes each
            // payment's outcome once.
            match app.store.sandbox_charge(&link.payment_id).await {
                Ok(Some(c)) if c.status != ChargeState::Challenge => {
                    let paid = c.status == ChargeState::Succeeded;
                    call_back(app, &link.payment_id, link.amount, paid).await
                }
                Ok(before) => Ok((
                    Step::Done {
                        paid: before.is_some_and(|c| c.status == ChargeState::Succeeded),
                    },
                    false,
                )),
                Err(e) => Err(e.into()),
            }
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok((step, true)) => Ok(step),
        Ok((step, false)) => app.store.synced().await.map(|()| step).map_err(Into::into),
        Err(e) => {
            // Whatever went wrong, what was committed is durable before the answer.
            if let Err(sync) = app.store.synced().await {
                tracing::error!(error = %sync, "sandbox: the charge could not be synced");
            }
            Err(e)
        }
    }
}

/// Sends the signed callback; true when the shop took it with a durable commit.
async fn call_back(
    app: &App,
    payment_id: &str,
    amount: i64,
    paid: bool,
) -> Result<(Step, bool), AppError> {
    let (signature, body) = signed_callback(app, payment_id, amount, paid)?;
    // The callback reaches the shop through the same door as one from outside
    // (`POST /api/v1/payments/callbacks/sandbox`): the shop checks its signature and
    // its age, and takes each event once.
    let taken = payment::receive_callback(app, &signature, body.as_bytes()).await?;
    Ok((Step::Done { paid }, taken == payment::Taken::Applied))
}

/// A signed callback: the `Sandbox-Signature` header (`t=<unix seconds>,v1=<hex>`) and
/// the JSON body.
pub fn callback(app: &App, link: &Link, paid: bool) -> Result<(String, String), AppError> {
    signed_callback(app, &link.payment_id, link.amount, paid)
}

fn signed_callback(
    app: &App,
    payment_id: &str,
    amount: i64,
    paid: bool,
) -> Result<(String, String), AppError> {
    let t = app.clock.now_ms() / 1000;
    let body = serde_json::json!({
        "id": crate::customers::ordered_id(app, "evt")?,
        "type": if paid { "payment.succeeded" } else { "payment.refused" },
        "payment_id": payment_id,
        "amount": amount,
        "created": t,
    })
    .to_string();
    Ok((sign(&app.payment_secret, t, &body), body))
}

/// How long after a charge its callback is sent again when the shop has not taken it.
pub const RETRY_CALLBACK_AFTER_MS: i64 = 5_000;

/// Tells the shop again of the charges whose callback it never took, as a provider
/// retries its callbacks: a process stopped between the charge and the callback. Each is
/// taken once (by its payment's state); returns how many moved a payment.
pub async fn retry_callbacks(app: &App) -> Result<usize, AppError> {
    let before = app.clock.now_ms() - RETRY_CALLBACK_AFTER_MS;
    let mut moved = 0;
    for c in app.store.untold_sandbox_charges(before, 50).await? {
        let paid = c.status == ChargeState::Succeeded;
        if call_back(app, &c.payment_id, c.amount, paid).await?.1 {
            moved += 1;
        }
    }
    Ok(moved)
}

/// The signature header of a callback body sent at `t` (unix seconds).
pub fn sign(secret: &[u8], t: i64, body: &str) -> String {
    format!("t={t},v1={}", hmac_hex(secret, &[&t.to_string(), body]))
}

/// How old a callback may be: older, it is refused as a possible replay.
pub const CALLBACK_MAX_AGE_S: i64 = 300;

/// The `t` (unix seconds) and `v1` (hex HMAC) of a `Sandbox-Signature` header
/// (`t=1700000000,v1=ab12…`, in any order, spaces allowed); `None` without both.
pub fn read_signature(header: &str) -> Option<(i64, &str)> {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1 = Some(value),
            _ => {}
        }
    }
    Some((t?, v1?))
}

/// Whether a callback signed at `t` (unix seconds) is recent at `now_ms`, either way.
pub fn recent(now_ms: i64, t: i64) -> bool {
    (now_ms / 1000).abs_diff(t) <= CALLBACK_MAX_AGE_S.unsigned_abs()
}

/// The sandbox as the shop's payment provider.
#[derive(Debug, Default)]
pub struct Sandbox;

fn unauthorized(detail: &str) -> AppError {
    Refusal::of(
        ecrin_core::RefusalKind::Unauthorized,
        "unauthorized",
        detail.to_owned(),
    )
    .into()
}

#[derive(Debug, serde::Deserialize)]
struct Callback {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    payment_id: String,
    amount: i64,
}

#[async_trait]
impl PaymentProvider for Sandbox {
    fn name(&self) -> &'static str {
        NAME
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    async fn open(&self, app: &App, order: &Order, payment: &Payment) -> Result<Hosted, AppError> {
        Ok(Hosted {
            url: payment::link_of(order, payment).url(app),
            reference: None,
        })
    }

    async fn refund(
        &self,
        app: &App,
        payment: &Payment,
        amount: i64,
        key: &str,
    ) -> Result<Refunded, AppError> {
        refund(app, &payment.id, amount, key).await
    }
}

/// The event of a sandbox callback, if its signature holds and it is fresh (a replay of an
/// old callback is refused); `unauthorized` otherwise.
pub(crate) fn verify_callback(
    app: &App,
    signature: &str,
    body: &[u8],
    now_ms: i64,
) -> Result<Event, AppError> {
    let body = std::str::from_utf8(body).map_err(|_| unauthorized("the body is not text"))?;
    let Some((t, v1)) = read_signature(signature) else {
        return Err(unauthorized("no signature"));
    };
    if !hmac_matches(&app.payment_secret, &[&t.to_string(), body], v1) {
        return Err(unauthorized("the signature does not hold"));
    }
    if !recent(now_ms, t) {
        return Err(unauthorized("the callback is too old (a replay?)"));
    }
    let cb: Callback = serde_json::from_str(body).map_err(|e| {
        AppError::Invalid(vec![ecrin_core::query::FieldError {
            field: format!("body: {e}").chars().take(80).collect(),
            reason: "invalid",
        }])
    })?;
    let paid = match cb.kind.as_str() {
        "payment.succeeded" => true,
        "payment.refused" => false,
        _ => {
            return Err(AppError::Invalid(vec![ecrin_core::query::FieldError {
                field: "type".into(),
                reason: "unknown",
            }]));
        }
    };
    Ok(Event {
        id: cb.id,
        payment_id: cb.payment_id,
        amount: cb.amount,
        paid,
    })
}

/// The sandbox's refund of `amount` of payment `payment_id`, once per `key`.
async fn refund(app: &App, payment_id: &str, amount: i64, key: &str) -> Result<Refunded, AppError> {
    let mut tx = app.store.begin().await?;
    if let Some(done) = tx.sandbox_refund(key).await? {
        // Asked again: the same refund, not a second one.
        tx.commit().await?;
        if done.payment_id != payment_id || done.amount != amount {
            return Err(Refusal::conflict("this key refunded something else").into());
        }
        return Ok(Refunded {
            id: done.id,
            amount: done.amount,
        });
    }
    let charged = app
        .store
        .sandbox_charge(payment_id)
        .await?
        .filter(|c| c.status == ChargeState::Succeeded)
        .ok_or_else(|| Refusal::conflict("the provider captured nothing to refund"))?;
    let refunded = tx.sandbox_refunded(payment_id).await?;
    if amount <= 0 || refunded.saturating_add(amount) > charged.amount {
        return Err(Refusal::conflict("more than the provider captured").into());
    }
    let refund = SandboxRefund {
        key: key.to_owned(),
        id: format!("re_{}", crate::customers::random_hex(12)?),
        payment_id: payment_id.to_owned(),
        amount,
        at: app.clock.now_ms(),
    };
    tx.put_sandbox_refund(&refund).await?;
    tx.commit().await?;
    Ok(Refunded {
        id: refund.id,
        amount,
    })
}

/// The sandbox provider's record of a payment (its card and whether it waits for 3-D
/// Secure).
pub async fn charge_of(app: &App, payment_id: &str) -> Result<Option<SandboxCharge>, AppError> {
    Ok(app.store.sandbox_charge(payment_id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_cards_pass_luhn_and_a_typo_does_not() {
        for card in [CARD_PAID, CARD_REFUSED, CARD_CHALLENGE] {
            assert!(luhn(card), "{card}");
        }
        assert!(!luhn("4242424242424241"));
        assert!(!luhn("4242"));
        assert!(!luhn("424242424242424a"));
    }

    proptest::proptest! {
        /// PAY-1: any header is read or refused, never a panic; a header the sandbox signs
        /// reads back, holds for its body only, and is recent within five minutes either
        /// way, whatever the clocks say.
        #[test]
        fn pay_1_any_signature_header_is_read_or_refused(
            header in "\\PC{0,80}",
            t in proptest::prelude::any::<i64>(),
            now in proptest::prelude::any::<i64>(),
            body in "\\PC{0,60}",
            other in "\\PC{0,60}",
        ) {
            if let Some((_, v1)) = read_signature(&header) {
                let _ = hmac_matches(b"secret", &["0", &body], v1);
            }
            let _ = recent(now, t);
            let signed = sign(b"secret", t, &body);
            let (read_t, v1) = read_signature(&signed).unwrap_or((0, ""));
            proptest::prop_assert_eq!(read_t, t);
            proptest::prop_assert!(hmac_matches(b"secret", &[&t.to_string(), &body], v1));
            if other != body {
                proptest::prop_assert!(!hmac_matches(b"secret", &[&t.to_string(), &other], v1));
            }
            proptest::prop_assert!(!hmac_matches(b"another", &[&t.to_string(), &body], v1));
            let at = t.saturating_mul(1000).clamp(i64::MIN / 2, i64::MAX / 2);
            proptest::prop_assert!(recent(at, at / 1000));
        }
    }

    #[test]
    fn a_signature_holds_for_its_parts_only() {
        let sig = hmac_hex(b"secret", &["a", "b"]);
        assert!(hmac_matches(b"secret", &["a", "b"], &sig));
        assert!(!hmac_matches(b"secret", &["a", "c"], &sig));
        assert!(!hmac_matches(b"other", &["a", "b"], &sig));
        assert!(!hmac_matches(b"secret", &["ab"], &sig));
        assert!(!hmac_matches(b"secret", &["a", "b"], "zz"));
    }
}
