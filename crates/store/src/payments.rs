//! Payments and refunds (PAY-1 … PAY-5): attempts and their moves, provider callbacks
//! taken once, refunds by key, and the sandbox provider's own records.

use crate::exec::{Engine, Writer, query, query_as, query_scalar};
use crate::sql::*;
use crate::*;
use ecrin_core::payment::RefundDestination;

#[async_trait]
pub trait Payments: Send + Sync {
    /// PAY-1: an order's payment attempts, oldest first.
    async fn payments_of(&self, order_id: &str) -> Result<Vec<Payment>>;

    /// The sandbox provider's record of a payment.
    async fn sandbox_charge(&self, payment_id: &str) -> Result<Option<SandboxCharge>>;

    /// The sandbox's charges made or declined before `before_ms` whose payment still waits
    /// for the provider's word: their callbacks were never taken (a process stopped
    /// between the charge and the callback). Oldest first, `limit` at most.
    async fn untold_sandbox_charges(
        &self,
        before_ms: i64,
        limit: i64,
    ) -> Result<Vec<SandboxCharge>>;

    /// PAY-1: a payment attempt by its id.
    async fn payment(&self, id: &str) -> Result<Option<Payment>>;

    /// PAY-1: the attempt the provider's payment `provider_payment` paid.
    async fn payment_by_provider_payment(&self, provider_payment: &str) -> Result<Option<Payment>>;

    /// PAY-1: an order's refunds, oldest first.
    async fn refunds_of(&self, order_id: &str) -> Result<Vec<Refund>>;

    /// A refund by its id.
    async fn refund_by_id(&self, id: &str) -> Result<Option<Refund>>;

    /// STK-2: the refunds the house still owes (asked, not yet made), with their orders'
    /// numbers, oldest first.
    async fn pending_refunds(&self) -> Result<Vec<PendingRefund>>;

    /// STK-2: a customer's credit with the shop, to spend on an order.
    async fn store_credit_balance(&self, customer_id: &str) -> Result<i64>;
}

#[async_trait]
pub trait PaymentsTx: Send {
    async fn insert_payment(&mut self, p: &Payment) -> Result<()>;

    async fn payment_in_tx(&mut self, id: &str) -> Result<Option<Payment>>;

    /// Moves a payment from `from` to `to`; `false` when it was not in `from`.
    async fn move_payment(
        &mut self,
        id: &str,
        from: ecrin_core::payment::AttemptState,
        to: ecrin_core::payment::AttemptState,
        now_ms: i64,
    ) -> Result<bool>;

    /// PAY-1: the provider's hosted page of an attempt.
    async fn set_payment_ref(&mut self, id: &str, provider_ref: &str) -> Result<()>;

    /// PAY-1: the provider's payment that paid an attempt.
    async fn set_provider_payment(&mut self, id: &str, provider_payment: &str) -> Result<()>;

    /// PAY-1: records a callback's event id; `false` when it was taken before.
    async fn record_callback(
        &mut self,
        event_id: &str,
        payment_id: &str,
        now_ms: i64,
    ) -> Result<bool>;

    /// The sandbox provider records a charge; `false` when the payment was charged or
    /// refused already.
    async fn put_sandbox_charge(&mut self, c: &SandboxCharge) -> Result<bool>;

    /// PAY-1: the amount of a captured payment, locking it until the transaction ends (two
    /// refunds of one payment are weighed one after the other); `None` unless captured.
    async fn lock_captured_payment(&mut self, id: &str, now_ms: i64) -> Result<Option<i64>>;

    /// What the refunds of a payment add up to, asked or done.
    async fn refunded_total(&mut self, payment_id: &str) -> Result<i64>;

    async fn refund_by_key(&mut self, key: &str) -> Result<Option<Refund>>;

    /// PAY-1: the ledger's refund calls of a payment (a provider without idempotency
    /// keys), oldest first.
    async fn provider_refund_calls(&mut self, payment_id: &str) -> Result<Vec<ProviderRefundCall>>;

    /// PAY-1: writes a refund call before it is made; `false` when its key was written
    /// before, or another call of the payment still waits for its answer.
    async fn put_provider_refund_call(&mut self, c: &ProviderRefundCall) -> Result<bool>;

    /// PAY-1: the provider's answer to the refund call of `key`.
    async fn answer_provider_refund_call(
        &mut self,
        key: &str,
        provider_refund_id: &str,
    ) -> Result<()>;

    /// PAY-1: a call without answer the provider did not make: struck off, to be made again.
    async fn forget_provider_refund_call(&mut self, key: &str) -> Result<()>;

    async fn insert_refund(&mut self, r: &Refund) -> Result<()>;

    /// A pending refund the provider made; `false` when it was not pending.
    async fn settle_refund(
        &mut self,
        id: &str,
        provider_refund_id: &str,
        now_ms: i64,
    ) -> Result<bool>;

    /// PAY-1: a refund the provider made and then reported failed (an expired card, a
    /// closed account), or refused outright, is owed again, to go where `destination`
    /// says; `false` unless it was made or was still the provider's to make.
    async fn reopen_refund(
        &mut self,
        id: &str,
        destination: RefundDestination,
        now_ms: i64,
    ) -> Result<bool>;

    /// STK-2: where a pending refund goes, moved from `from` (the customer's choice taken
    /// once); `false` when it was not pending there.
    async fn direct_refund(
        &mut self,
        id: &str,
        from: RefundDestination,
        to: RefundDestination,
        payee_name: Option<&str>,
        payee_iban: Option<&str>,
    ) -> Result<bool>;

    /// Keeps only the end of the account a refund was sent to.
    async fn mask_payee(&mut self, id: &str, masked_iban: &str) -> Result<()>;

    /// STK-2: credit given to a customer (a refund taken as a credit note, or given back).
    async fn add_store_credit(&mut self, c: &StoreCredit) -> Result<()>;

    /// Credit spent by an order (`c.amount` negative), only if the balance covers it;
    /// `false` otherwise.
    async fn spend_store_credit(&mut self, c: &StoreCredit) -> Result<bool>;

    /// The sandbox's refund of `key`, made once: `false` when it exists already.
    async fn put_sandbox_refund(&mut self, r: &SandboxRefund) -> Result<bool>;

    async fn sandbox_refund(&mut self, key: &str) -> Result<Option<SandboxRefund>>;

    /// What the sandbox refunded of a payment.
    async fn sandbox_refunded(&mut self, payment_id: &str) -> Result<i64>;
}

#[async_trait]
impl<E: Engine> Payments for E {
    async fn refund_by_id(&self, id: &str) -> Result<Option<Refund>> {
        query_as(format!(
            "SELECT {REFUND_COLUMNS} FROM refunds WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut self.reader().await?)
        .await
    }

    async fn store_credit_balance(&self, customer_id: &str) -> Result<i64> {
        query_scalar(STORE_CREDIT_BALANCE)
            .bind(customer_id)
            .fetch_one(&mut self.reader().await?)
            .await
    }

    async fn pending_refunds(&self) -> Result<Vec<PendingRefund>> {
        query_as(PENDING_REFUNDS)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn payments_of(&self, order_id: &str) -> Result<Vec<Payment>> {
        query_as(payments_of())
            .bind(order_id)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn sandbox_charge(&self, payment_id: &str) -> Result<Option<SandboxCharge>> {
        query_as(SANDBOX_CHARGE)
            .bind(payment_id)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn untold_sandbox_charges(
        &self,
        before_ms: i64,
        limit: i64,
    ) -> Result<Vec<SandboxCharge>> {
        query_as(UNTOLD_SANDBOX_CHARGES)
            .bind(before_ms)
            .bind(limit)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn payment(&self, id: &str) -> Result<Option<Payment>> {
        query_as(payment())
            .bind(id)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn payment_by_provider_payment(&self, provider_payment: &str) -> Result<Option<Payment>> {
        query_as(payment_by_provider_payment())
            .bind(provider_payment)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn refunds_of(&self, order_id: &str) -> Result<Vec<Refund>> {
        query_as(refunds_of())
            .bind(order_id)
            .fetch_all(&mut self.reader().await?)
            .await
    }
}

#[async_trait]
impl<W: Writer> PaymentsTx for W {
    async fn insert_payment(&mut self, p: &Payment) -> Result<()> {
        query(INSERT_PAYMENT)
            .bind(&p.id)
            .bind(&p.order_id)
            .bind(&p.provider)
            .bind(p.amount)
            .bind(p.status.as_str())
            .bind(p.created_at)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn payment_in_tx(&mut self, id: &str) -> Result<Option<Payment>> {
        query_as(payment())
            .bind(id)
            .fetch_optional(&mut *self)
            .await
    }

    async fn move_payment(
        &mut self,
        id: &str,
        from: ecrin_core::payment::AttemptState,
        to: ecrin_core::payment::AttemptState,
        now_ms: i64,
    ) -> Result<bool> {
        let done = query(MOVE_PAYMENT)
            .bind(id)
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_payment_ref(&mut self, id: &str, provider_ref: &str) -> Result<()> {
        query("UPDATE payments SET provider_ref = $2 WHERE id = $1")
            .bind(id)
            .bind(provider_ref)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn set_provider_payment(&mut self, id: &str, provider_payment: &str) -> Result<()> {
        query("UPDATE payments SET provider_payment = $2 WHERE id = $1")
            .bind(id)
            .bind(provider_payment)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn record_callback(
        &mut self,
        event_id: &str,
        payment_id: &str,
        now_ms: i64,
    ) -> Result<bool> {
        let done = query(RECORD_CALLBACK)
            .bind(event_id)
            .bind(payment_id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn put_sandbox_charge(&mut self, c: &SandboxCharge) -> Result<bool> {
        let done = query(PUT_SANDBOX_CHARGE)
            .bind(&c.payment_id)
            .bind(c.amount)
            .bind(c.status.as_str())
            .bind(&c.card_last4)
            .bind(c.at)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn lock_captured_payment(&mut self, id: &str, now_ms: i64) -> Result<Option<i64>> {
        query_scalar(LOCK_CAPTURED_PAYMENT)
            .bind(id)
            .bind(now_ms)
            .fetch_optional(&mut *self)
            .await
    }

    async fn refunded_total(&mut self, payment_id: &str) -> Result<i64> {
        query_scalar(REFUNDED_TOTAL)
            .bind(payment_id)
            .fetch_one(&mut *self)
            .await
    }

    async fn refund_by_key(&mut self, key: &str) -> Result<Option<Refund>> {
        query_as(refund_by_key())
            .bind(key)
            .fetch_optional(&mut *self)
            .await
    }

    async fn provider_refund_calls(&mut self, payment_id: &str) -> Result<Vec<ProviderRefundCall>> {
        query_as(
            "SELECT key, payment_id, amount, provider_refund_id, called_at \
             FROM provider_refund_calls WHERE payment_id = $1 ORDER BY called_at, key",
        )
        .bind(payment_id)
        .fetch_all(&mut *self)
        .await
    }

    async fn put_provider_refund_call(&mut self, c: &ProviderRefundCall) -> Result<bool> {
        let done = query(
            "INSERT INTO provider_refund_calls \
             (key, payment_id, amount, provider_refund_id, called_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(&c.key)
        .bind(&c.payment_id)
        .bind(c.amount)
        .bind(&c.provider_refund_id)
        .bind(c.called_at)
        .execute(&mut *self)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn answer_provider_refund_call(
        &mut self,
        key: &str,
        provider_refund_id: &str,
    ) -> Result<()> {
        query("UPDATE provider_refund_calls SET provider_refund_id = $2 WHERE key = $1")
            .bind(key)
            .bind(provider_refund_id)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn forget_provider_refund_call(&mut self, key: &str) -> Result<()> {
        query("DELETE FROM provider_refund_calls WHERE key = $1 AND provider_refund_id IS NULL")
            .bind(key)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn insert_refund(&mut self, r: &Refund) -> Result<()> {
        query(insert_refund())
            .bind(&r.id)
            .bind(&r.key)
            .bind(&r.order_id)
            .bind(&r.payment_id)
            .bind(r.amount)
            .bind(&r.reason)
            .bind(&r.staff_id)
            .bind(r.status.as_str())
            .bind(&r.provider_refund_id)
            .bind(r.created_at)
            .bind(r.updated_at)
            .bind(r.destination.map(|d| d.as_str()))
            .bind(&r.payee_name)
            .bind(&r.payee_iban)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn direct_refund(
        &mut self,
        id: &str,
        from: RefundDestination,
        to: RefundDestination,
        payee_name: Option<&str>,
        payee_iban: Option<&str>,
    ) -> Result<bool> {
        let done = query(DIRECT_REFUND)
            .bind(id)
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(payee_name)
            .bind(payee_iban)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn mask_payee(&mut self, id: &str, masked_iban: &str) -> Result<()> {
        query(MASK_PAYEE)
            .bind(id)
            .bind(masked_iban)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn add_store_credit(&mut self, c: &StoreCredit) -> Result<()> {
        query(INSERT_STORE_CREDIT)
            .bind(&c.id)
            .bind(&c.customer_id)
            .bind(c.amount)
            .bind(&c.order_id)
            .bind(&c.refund_id)
            .bind(c.created_at)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn spend_store_credit(&mut self, c: &StoreCredit) -> Result<bool> {
        // The customer's row is locked first (on PostgreSQL until the transaction ends; on
        // SQLite the transaction holds the only writer): two orders cannot spend one
        // credit.
        query(LOCK_CUSTOMER)
            .bind(&c.customer_id)
            .execute(&mut *self)
            .await?;
        let balance: i64 = query_scalar(STORE_CREDIT_BALANCE)
            .bind(&c.customer_id)
            .fetch_one(&mut *self)
            .await?;
        if c.amount >= 0 || balance < -c.amount {
            return Ok(false);
        }
        self.add_store_credit(c).await?;
        Ok(true)
    }

    async fn reopen_refund(
        &mut self,
        id: &str,
        destination: RefundDestination,
        now_ms: i64,
    ) -> Result<bool> {
        let done = query(
            "UPDATE refunds SET status = 'pending', destination = $2, updated_at = $3 \
             WHERE id = $1 AND (status = 'succeeded' \
             OR (status = 'pending' AND destination IS NULL))",
        )
        .bind(id)
        .bind(destination.as_str())
        .bind(now_ms)
        .execute(&mut *self)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn settle_refund(
        &mut self,
        id: &str,
        provider_refund_id: &str,
        now_ms: i64,
    ) -> Result<bool> {
        let done = query(SETTLE_REFUND)
            .bind(id)
            .bind(provider_refund_id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn put_sandbox_refund(&mut self, r: &SandboxRefund) -> Result<bool> {
        let done = query(PUT_SANDBOX_REFUND)
            .bind(&r.key)
            .bind(&r.id)
            .bind(&r.payment_id)
            .bind(r.amount)
            .bind(r.at)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn sandbox_refund(&mut self, key: &str) -> Result<Option<SandboxRefund>> {
        query_as(SANDBOX_REFUND)
            .bind(key)
            .fetch_optional(&mut *self)
            .await
    }

    async fn sandbox_refunded(&mut self, payment_id: &str) -> Result<i64> {
        query_scalar(SANDBOX_REFUNDED)
            .bind(payment_id)
            .fetch_one(&mut *self)
            .await
    }
}

pub const INSERT_PAYMENT: &str = "INSERT INTO payments (id, order_id, provider, amount, status, \
     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)";

pub fn payments_of() -> String {
    format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE order_id = $1 ORDER BY created_at, id")
}

pub fn payment_by_provider_payment() -> String {
    format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE provider_payment = $1")
}

/// A payment moves only from the status expected: a callback sent twice moves it once.
pub const MOVE_PAYMENT: &str =
    "UPDATE payments SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2";

/// PAY-1: a callback's event id, unless it was taken already.
pub const RECORD_CALLBACK: &str = "INSERT INTO payment_callbacks (event_id, payment_id, received_at) \
     VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING";

pub const SANDBOX_CHARGE: &str = "SELECT payment_id, amount, status, card_last4, at \
     FROM sandbox_charges WHERE payment_id = $1";

pub const UNTOLD_SANDBOX_CHARGES: &str = "SELECT c.payment_id, c.amount, c.status, \
     c.card_last4, c.at FROM payments p JOIN sandbox_charges c ON c.payment_id = p.id \
     WHERE p.status = 'pending' AND c.status IN ('succeeded', 'refused') AND c.at < $1 \
     ORDER BY c.at LIMIT $2";

/// The sandbox charges a payment once: a new attempt only replaces a pending challenge.
pub const PUT_SANDBOX_CHARGE: &str = "INSERT INTO sandbox_charges (payment_id, amount, status, \
     card_last4, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (payment_id) DO UPDATE \
     SET status = excluded.status, card_last4 = excluded.card_last4, at = excluded.at \
     WHERE sandbox_charges.status = 'challenge'";

pub fn refunds_of() -> String {
    format!("SELECT {REFUND_COLUMNS} FROM refunds WHERE order_id = $1 ORDER BY created_at, id")
}

pub fn refund_by_key() -> String {
    format!("SELECT {REFUND_COLUMNS} FROM refunds WHERE key = $1")
}

pub fn insert_refund() -> String {
    format!(
        "INSERT INTO refunds ({REFUND_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    )
}

/// PAY-1: an update takes the payment's row lock on PostgreSQL until the transaction ends;
/// on SQLite the transaction holds the only writer already.
pub const LOCK_CAPTURED_PAYMENT: &str = "UPDATE payments SET updated_at = $2 \
     WHERE id = $1 AND status = 'captured' RETURNING amount";

pub const REFUNDED_TOTAL: &str =
    "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM refunds WHERE payment_id = $1";

pub const SETTLE_REFUND: &str = "UPDATE refunds SET status = 'succeeded', provider_refund_id = $2, \
     updated_at = $3 WHERE id = $1 AND status = 'pending'";

pub const PUT_SANDBOX_REFUND: &str = "INSERT INTO sandbox_refunds (key, id, payment_id, amount, at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING";

pub const SANDBOX_REFUND: &str =
    "SELECT key, id, payment_id, amount, at FROM sandbox_refunds WHERE key = $1";

pub const SANDBOX_REFUNDED: &str =
    "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM sandbox_refunds WHERE payment_id = $1";

const DIRECT_REFUND: &str = "UPDATE refunds SET destination = $3, payee_name = $4, \
     payee_iban = $5 WHERE id = $1 AND status = 'pending' AND destination = $2";

const MASK_PAYEE: &str = "UPDATE refunds SET payee_iban = $2 WHERE id = $1";

const INSERT_STORE_CREDIT: &str = "INSERT INTO store_credits \
     (id, customer_id, amount, order_id, refund_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)";

const LOCK_CUSTOMER: &str = "UPDATE customers SET id = id WHERE id = $1";

const STORE_CREDIT_BALANCE: &str =
    "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM store_credits WHERE customer_id = $1";

/// STK-2: a customer's credit with the shop moving: given (positive) or spent (negative).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct StoreCredit {
    pub id: String,
    pub customer_id: String,
    pub amount: i64,
    /// The order that gave or spent it.
    pub order_id: String,
    /// The refund taken as credit, if that is where it came from.
    pub refund_id: Option<String>,
    pub created_at: i64,
}

const PENDING_REFUNDS: &str = "SELECT r.id, o.number AS order_number, r.amount, r.created_at, \
     i.issued_at AS paid_at FROM refunds r JOIN orders o ON o.id = r.order_id \
     LEFT JOIN invoices i ON i.order_id = r.order_id WHERE r.status = 'pending' \
     ORDER BY r.created_at, r.id";

/// STK-2: a refund the house still owes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct PendingRefund {
    pub id: String,
    pub order_number: String,
    pub amount: i64,
    pub created_at: i64,
    /// When the order was paid (its invoice issued), whence `paris`'s period runs.
    pub paid_at: Option<i64>,
}
