use crate::exec::{Engine, Writer, query, query_as, query_scalar};
use crate::*;

#[async_trait]
pub trait Payments: Send + Sync {
    /// PAY-1: an order's payment attempts, oldest first.
    async fn payments_of(&self, order_id: &str) -> Result<Vec<Payment>>;

    /// The sandbox provider's record of a payment.
    async fn sandbox_charge(&self, payment_id: &str) -> Result<Option<SandboxCharge>>;

    /// PAY-1: an order's refunds, oldest first.
    async fn refunds_of(&self, order_id: &str) -> Result<Vec<Refund>>;
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

    async fn insert_refund(&mut self, r: &Refund) -> Result<()>;

    /// A pending refund the provider made; `false` when it was not pending.
    async fn settle_refund(
        &mut self,
        id: &str,
        provider_refund_id: &str,
        now_ms: i64,
    ) -> Result<bool>;

    /// The sandbox's refund of `key`, made once: `false` when it exists already.
    async fn put_sandbox_refund(&mut self, r: &SandboxRefund) -> Result<bool>;

    async fn sandbox_refund(&mut self, key: &str) -> Result<Option<SandboxRefund>>;

    /// What the sandbox refunded of a payment.
    async fn sandbox_refunded(&mut self, payment_id: &str) -> Result<i64>;
}

#[async_trait]
impl<E: Engine> Payments for E {
    async fn payments_of(&self, order_id: &str) -> Result<Vec<Payment>> {
        query_as(sql::payments_of())
            .bind(order_id)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn sandbox_charge(&self, payment_id: &str) -> Result<Option<SandboxCharge>> {
        query_as(sql::SANDBOX_CHARGE)
            .bind(payment_id)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn refunds_of(&self, order_id: &str) -> Result<Vec<Refund>> {
        query_as(sql::refunds_of())
            .bind(order_id)
            .fetch_all(&mut self.reader().await?)
            .await
    }
}

#[async_trait]
impl<W: Writer> PaymentsTx for W {
    async fn insert_payment(&mut self, p: &Payment) -> Result<()> {
        query(sql::INSERT_PAYMENT)
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
        query_as(sql::payment())
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
        let done = query(sql::MOVE_PAYMENT)
            .bind(id)
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn record_callback(
        &mut self,
        event_id: &str,
        payment_id: &str,
        now_ms: i64,
    ) -> Result<bool> {
        let done = query(sql::RECORD_CALLBACK)
            .bind(event_id)
            .bind(payment_id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn put_sandbox_charge(&mut self, c: &SandboxCharge) -> Result<bool> {
        let done = query(sql::PUT_SANDBOX_CHARGE)
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
        query_scalar(sql::LOCK_CAPTURED_PAYMENT)
            .bind(id)
            .bind(now_ms)
            .fetch_optional(&mut *self)
            .await
    }

    async fn refunded_total(&mut self, payment_id: &str) -> Result<i64> {
        query_scalar(sql::REFUNDED_TOTAL)
            .bind(payment_id)
            .fetch_one(&mut *self)
            .await
    }

    async fn refund_by_key(&mut self, key: &str) -> Result<Option<Refund>> {
        query_as(sql::refund_by_key())
            .bind(key)
            .fetch_optional(&mut *self)
            .await
    }

    async fn insert_refund(&mut self, r: &Refund) -> Result<()> {
        query(sql::insert_refund())
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
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn settle_refund(
        &mut self,
        id: &str,
        provider_refund_id: &str,
        now_ms: i64,
    ) -> Result<bool> {
        let done = query(sql::SETTLE_REFUND)
            .bind(id)
            .bind(provider_refund_id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn put_sandbox_refund(&mut self, r: &SandboxRefund) -> Result<bool> {
        let done = query(sql::PUT_SANDBOX_REFUND)
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
        query_as(sql::SANDBOX_REFUND)
            .bind(key)
            .fetch_optional(&mut *self)
            .await
    }

    async fn sandbox_refunded(&mut self, payment_id: &str) -> Result<i64> {
        query_scalar(sql::SANDBOX_REFUNDED)
            .bind(payment_id)
            .fetch_one(&mut *self)
            .await
    }
}
