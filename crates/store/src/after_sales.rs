//! What customers ask of the house: contact tickets and their answers (WAR-3), quote
//! requests for made-to-order pieces, and withdrawals from a contract (WDR-1, WDR-2,
//! WDR-7).

use crate::exec::{Engine, Writer, query, query_as, query_scalar};
use crate::sql::*;
use crate::*;

#[async_trait]
pub trait AfterSales: Send + Sync {
    /// PRV-9: open questions first.
    async fn tickets(&self, limit: i64) -> Result<Vec<Ticket>>;

    /// WAR-3: every question still unanswered (its reference and when it came), oldest
    /// first: each is a clock on the deadline board.
    async fn unanswered_tickets(&self) -> Result<Vec<(String, i64)>>;

    async fn ticket_by_id(&self, id: &str) -> Result<Option<Ticket>>;

    async fn tickets_of(&self, customer_id: &str) -> Result<Vec<Ticket>>;

    /// BSK-5: the newest quote requests first.
    async fn quote_requests(&self, limit: i64) -> Result<Vec<QuoteRequest>>;

    async fn quote_requests_of(&self, customer_id: &str) -> Result<Vec<QuoteRequest>>;

    /// WDR-7: an order's withdrawals, oldest first.
    async fn withdrawals_of(&self, order_id: &str) -> Result<Vec<Withdrawal>>;

    /// WDR-2: withdrawals whose pieces are still to come back or to be inspected, with
    /// their order's number, notified first: `limit` at a time after the withdrawal
    /// notified at `after` (its time and id; `None` to start).
    async fn returns_awaited(
        &self,
        after: Option<(i64, &str)>,
        limit: i64,
    ) -> Result<Vec<(Withdrawal, String)>>;

    /// WDR-2: how many withdrawals [`AfterSales::returns_awaited`] lists in all.
    async fn returns_awaited_count(&self) -> Result<i64>;

    async fn withdrawal_by_id(&self, id: &str) -> Result<Option<Withdrawal>>;

    /// WDR-7: a guest's withdrawal waiting for its confirmation, by its link's hash.
    async fn withdrawal_notice(&self, token_hash: &str) -> Result<Option<WithdrawalNotice>>;

    /// DLV-4: the additional deadline set for an order's late delivery.
    async fn late_deadline(&self, order_id: &str) -> Result<Option<String>>;

    /// DLV-4: the additional deadlines of orders still to deliver: (order number, day).
    async fn late_deadlines(&self) -> Result<Vec<(String, String)>>;

    /// WAR-2: an order's claims, oldest first.
    async fn claims_of(&self, order_id: &str) -> Result<Vec<Claim>>;

    async fn claim_by_id(&self, id: &str) -> Result<Option<Claim>>;

    /// WAR-3: the claims still to answer, with their order's number, the oldest first.
    async fn open_claims(&self) -> Result<Vec<(Claim, String)>>;

    /// A claim's photos, without their bytes (`data` empty).
    async fn claim_photos(&self, claim_id: &str) -> Result<Vec<ClaimPhoto>>;

    /// One photo of a claim, with its bytes.
    async fn claim_photo(&self, claim_id: &str, id: &str) -> Result<Option<ClaimPhoto>>;

    /// WAR-4: the buyers' units of a reference, or of every reference of a product, paid
    /// and still theirs (neither cancelled nor returned).
    async fn units_held(&self, sku: Option<&str>, product: Option<&str>) -> Result<Vec<HeldUnits>>;

    /// WAR-4: the recalls, the newest first.
    async fn recalls(&self) -> Result<Vec<Recall>>;

    /// WAR-4: the recalls that concern an order, with the line and units.
    async fn recalls_of(&self, order_id: &str) -> Result<Vec<RecallNotice>>;
}

#[async_trait]
pub trait AfterSalesTx: Send {
    /// WDR-7: a withdrawal as notified.
    async fn insert_withdrawal(&mut self, w: &Withdrawal) -> Result<()>;

    /// WDR-7: a guest's withdrawal, to confirm by the link e-mailed to the order's address.
    async fn insert_withdrawal_notice(&mut self, n: &WithdrawalNotice) -> Result<()>;

    /// WDR-7: the notice of `token_hash` becomes withdrawal `withdrawal_id`; `false` when
    /// it is unknown or was confirmed already.
    async fn confirm_withdrawal_notice(
        &mut self,
        token_hash: &str,
        withdrawal_id: &str,
    ) -> Result<bool>;

    /// An order's withdrawals, read in this transaction.
    async fn withdrawals_in_tx(&mut self, order_id: &str) -> Result<Vec<Withdrawal>>;

    /// WDR-4: the pieces of an authorised return came back; `false` when it was not
    /// awaited.
    async fn receive_withdrawal(&mut self, id: &str, staff_id: &str, now_ms: i64) -> Result<bool>;

    /// WDR-4: a received return inspected (`accepted`, `reduced` or `refused`); `false`
    /// when it was not waiting for its inspection.
    async fn inspect_withdrawal(
        &mut self,
        id: &str,
        outcome: ecrin_core::withdrawal::WithdrawalState,
        staff_id: &str,
        reason: Option<&str>,
        now_ms: i64,
    ) -> Result<bool>;

    /// WDR-5: the refund made for an accepted return.
    async fn set_withdrawal_refund(&mut self, id: &str, refund_id: &str) -> Result<()>;

    async fn insert_claim(&mut self, c: &Claim) -> Result<()>;

    /// WAR-4: a recall and the buyers' units it concerns.
    async fn insert_recall(&mut self, r: &Recall, notices: &[HeldUnits]) -> Result<()>;

    async fn insert_claim_photo(&mut self, p: &ClaimPhoto) -> Result<()>;

    /// WAR-2: the house's decision on an open claim; `false` when it was decided already.
    async fn decide_claim(
        &mut self,
        id: &str,
        outcome: ecrin_core::claims::ClaimState,
        staff_id: &str,
        reason: &str,
        now_ms: i64,
    ) -> Result<bool>;

    async fn set_claim_refund(&mut self, id: &str, refund_id: &str) -> Result<()>;

    /// DLV-4: sets (or moves later) an order's additional delivery deadline.
    async fn set_late_deadline(
        &mut self,
        order_id: &str,
        deadline: &str,
        now_ms: i64,
    ) -> Result<()>;

    async fn insert_ticket(&mut self, t: &Ticket) -> Result<()>;

    /// False when the ticket is unknown or already answered.
    async fn answer_ticket(
        &mut self,
        id: &str,
        answer: &str,
        staff_id: &str,
        now_ms: i64,
    ) -> Result<bool>;

    async fn insert_quote_request(&mut self, q: &QuoteRequest) -> Result<()>;
}

#[async_trait]
impl<E: Engine> AfterSales for E {
    async fn withdrawals_of(&self, order_id: &str) -> Result<Vec<Withdrawal>> {
        query_as(WITHDRAWALS_OF)
            .bind(order_id)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn withdrawal_by_id(&self, id: &str) -> Result<Option<Withdrawal>> {
        query_as(WITHDRAWAL_BY_ID)
            .bind(id)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn withdrawal_notice(&self, token_hash: &str) -> Result<Option<WithdrawalNotice>> {
        query_as(WITHDRAWAL_NOTICE)
            .bind(token_hash)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn late_deadline(&self, order_id: &str) -> Result<Option<String>> {
        query_scalar(LATE_DEADLINE)
            .bind(order_id)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn late_deadlines(&self) -> Result<Vec<(String, String)>> {
        let rows: Vec<LateRow> = query_as(LATE_DEADLINES)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(|r| (r.number, r.deadline)).collect())
    }

    async fn units_held(&self, sku: Option<&str>, product: Option<&str>) -> Result<Vec<HeldUnits>> {
        query_as(UNITS_HELD)
            .bind(sku)
            .bind(product)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn recalls(&self) -> Result<Vec<Recall>> {
        query_as(
            "SELECT r.id, r.sku, r.product_slug, r.reason, r.created_at, r.created_by, \
             (SELECT COUNT(DISTINCT n.order_id) FROM recall_notices n WHERE n.recall_id = r.id) AS orders \
             FROM recalls r ORDER BY r.created_at DESC, r.id",
        )
        .fetch_all(&mut self.reader().await?)
        .await
    }

    async fn recalls_of(&self, order_id: &str) -> Result<Vec<RecallNotice>> {
        query_as(
            "SELECT r.id AS recall_id, r.reason, r.created_at, n.line_no, n.quantity \
             FROM recall_notices n JOIN recalls r ON r.id = n.recall_id \
             WHERE n.order_id = $1 ORDER BY r.created_at, n.line_no",
        )
        .bind(order_id)
        .fetch_all(&mut self.reader().await?)
        .await
    }

    async fn claims_of(&self, order_id: &str) -> Result<Vec<Claim>> {
        query_as(format!(
            "{CLAIMS} WHERE order_id = $1 ORDER BY created_at, id"
        ))
        .bind(order_id)
        .fetch_all(&mut self.reader().await?)
        .await
    }

    async fn claim_by_id(&self, id: &str) -> Result<Option<Claim>> {
        query_as(format!("{CLAIMS} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn open_claims(&self) -> Result<Vec<(Claim, String)>> {
        let rows: Vec<OpenClaimRow> = query_as(OPEN_CLAIMS)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.claim, r.order_number))
            .collect())
    }

    async fn claim_photos(&self, claim_id: &str) -> Result<Vec<ClaimPhoto>> {
        query_as(CLAIM_PHOTOS)
            .bind(claim_id)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn claim_photo(&self, claim_id: &str, id: &str) -> Result<Option<ClaimPhoto>> {
        query_as(CLAIM_PHOTO)
            .bind(claim_id)
            .bind(id)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn returns_awaited_count(&self) -> Result<i64> {
        query_scalar("SELECT COUNT(*) FROM withdrawals WHERE status IN ('authorised', 'received')")
            .fetch_one(&mut self.reader().await?)
            .await
    }

    async fn returns_awaited(
        &self,
        after: Option<(i64, &str)>,
        limit: i64,
    ) -> Result<Vec<(Withdrawal, String)>> {
        let (at, id) = after.unwrap_or((i64::MIN, ""));
        let rows: Vec<AwaitedRow> = query_as(RETURNS_AWAITED)
            .bind(at)
            .bind(id)
            .bind(limit)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.withdrawal, r.order_number))
            .collect())
    }

    async fn unanswered_tickets(&self) -> Result<Vec<(String, i64)>> {
        let rows: Vec<UnansweredRow> = query_as(UNANSWERED_TICKETS)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r.created_at)).collect())
    }

    async fn tickets(&self, limit: i64) -> Result<Vec<Ticket>> {
        let rows: Vec<TicketRow> = query_as(tickets())
            .bind(limit)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn ticket_by_id(&self, id: &str) -> Result<Option<Ticket>> {
        let row: Option<TicketRow> = query_as(ticket_by_id())
            .bind(id)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn tickets_of(&self, customer_id: &str) -> Result<Vec<Ticket>> {
        let rows: Vec<TicketRow> = query_as(tickets_of())
            .bind(customer_id)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn quote_requests(&self, limit: i64) -> Result<Vec<QuoteRequest>> {
        let rows: Vec<QuoteRequestRow> = query_as(QUOTE_REQUESTS)
            .bind(limit)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn quote_requests_of(&self, customer_id: &str) -> Result<Vec<QuoteRequest>> {
        let rows: Vec<QuoteRequestRow> = query_as(QUOTE_REQUESTS_OF)
            .bind(customer_id)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

#[async_trait]
impl<W: Writer> AfterSalesTx for W {
    async fn insert_recall(&mut self, r: &Recall, notices: &[HeldUnits]) -> Result<()> {
        query(
            "INSERT INTO recalls (id, sku, product_slug, reason, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&r.id)
        .bind(&r.sku)
        .bind(&r.product_slug)
        .bind(&r.reason)
        .bind(r.created_at)
        .bind(&r.created_by)
        .execute(&mut *self)
        .await?;
        for n in notices {
            query(
                "INSERT INTO recall_notices (recall_id, order_id, line_no, quantity) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&r.id)
            .bind(&n.order_id)
            .bind(n.line_no)
            .bind(n.quantity)
            .execute(&mut *self)
            .await?;
        }
        Ok(())
    }

    async fn insert_claim(&mut self, c: &Claim) -> Result<()> {
        query(INSERT_CLAIM)
            .bind(&c.id)
            .bind(&c.order_id)
            .bind(c.line_no)
            .bind(c.kind.as_str())
            .bind(&c.description)
            .bind(&c.discovered_on)
            .bind(c.created_at)
            .bind(&c.answer_due)
            .bind(c.status.as_str())
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn insert_claim_photo(&mut self, p: &ClaimPhoto) -> Result<()> {
        query(INSERT_CLAIM_PHOTO)
            .bind(&p.id)
            .bind(&p.claim_id)
            .bind(p.position)
            .bind(&p.content_type)
            .bind(p.width)
            .bind(p.height)
            .bind(&p.sha256)
            .bind(&p.data)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn decide_claim(
        &mut self,
        id: &str,
        outcome: ecrin_core::claims::ClaimState,
        staff_id: &str,
        reason: &str,
        now_ms: i64,
    ) -> Result<bool> {
        let done = query(DECIDE_CLAIM)
            .bind(id)
            .bind(outcome.as_str())
            .bind(staff_id)
            .bind(reason)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_claim_refund(&mut self, id: &str, refund_id: &str) -> Result<()> {
        query("UPDATE claims SET refund_id = $2 WHERE id = $1")
            .bind(id)
            .bind(refund_id)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn insert_withdrawal(&mut self, w: &Withdrawal) -> Result<()> {
        query(INSERT_WITHDRAWAL)
            .bind(&w.id)
            .bind(&w.order_id)
            .bind(w.notified_at)
            .bind(w.outcome.as_str())
            .bind(&w.exchange_sku)
            .bind(&w.cancelled)
            .bind(&w.send_back)
            .bind(w.status.as_str())
            .bind(&w.return_by)
            .bind(w.return_paid_by.as_str())
            .bind(&w.pickup_date)
            .bind(w.by_guest)
            .bind(&w.ip)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn set_late_deadline(
        &mut self,
        order_id: &str,
        deadline: &str,
        now_ms: i64,
    ) -> Result<()> {
        query(SET_LATE_DEADLINE)
            .bind(order_id)
            .bind(deadline)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn receive_withdrawal(&mut self, id: &str, staff_id: &str, now_ms: i64) -> Result<bool> {
        let done = query(RECEIVE_WITHDRAWAL)
            .bind(id)
            .bind(staff_id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn inspect_withdrawal(
        &mut self,
        id: &str,
        outcome: ecrin_core::withdrawal::WithdrawalState,
        staff_id: &str,
        reason: Option<&str>,
        now_ms: i64,
    ) -> Result<bool> {
        let done = query(INSPECT_WITHDRAWAL)
            .bind(id)
            .bind(outcome.as_str())
            .bind(staff_id)
            .bind(reason)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_withdrawal_refund(&mut self, id: &str, refund_id: &str) -> Result<()> {
        query(SET_WITHDRAWAL_REFUND)
            .bind(id)
            .bind(refund_id)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn insert_withdrawal_notice(&mut self, n: &WithdrawalNotice) -> Result<()> {
        query(INSERT_WITHDRAWAL_NOTICE)
            .bind(&n.token_hash)
            .bind(&n.order_id)
            .bind(n.notified_at)
            .bind(n.expires_at)
            .bind(&n.lines)
            .bind(n.outcome.as_str())
            .bind(&n.exchange_sku)
            .bind(&n.ip)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn confirm_withdrawal_notice(
        &mut self,
        token_hash: &str,
        withdrawal_id: &str,
    ) -> Result<bool> {
        let done = query(CONFIRM_WITHDRAWAL_NOTICE)
            .bind(token_hash)
            .bind(withdrawal_id)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn withdrawals_in_tx(&mut self, order_id: &str) -> Result<Vec<Withdrawal>> {
        query_as(WITHDRAWALS_OF)
            .bind(order_id)
            .fetch_all(&mut *self)
            .await
    }

    async fn insert_ticket(&mut self, t: &Ticket) -> Result<()> {
        query(insert_ticket())
            .bind(&t.id)
            .bind(&t.customer_id)
            .bind(&t.email)
            .bind(&t.name)
            .bind(&t.subject)
            .bind(&t.message)
            .bind(&t.language)
            .bind(t.created_at_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn answer_ticket(
        &mut self,
        id: &str,
        answer: &str,
        staff_id: &str,
        now_ms: i64,
    ) -> Result<bool> {
        let done = query(ANSWER_TICKET)
            .bind(id)
            .bind(answer)
            .bind(staff_id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_quote_request(&mut self, q: &QuoteRequest) -> Result<()> {
        query(INSERT_QUOTE_REQUEST)
            .bind(&q.id)
            .bind(&q.customer_id)
            .bind(&q.email)
            .bind(&q.name)
            .bind(&q.company)
            .bind(&q.phone)
            .bind(&q.message)
            .bind(&q.lines)
            .bind(&q.language)
            .bind(q.created_at_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }
}

pub fn insert_ticket() -> String {
    format!(
        "INSERT INTO tickets ({TICKET_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, NULL)"
    )
}

pub fn ticket_by_id() -> String {
    format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1")
}

pub fn tickets_of() -> String {
    format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE customer_id = $1 ORDER BY created_at")
}

pub const ANSWER_TICKET: &str = "UPDATE tickets SET answer = $2, answered_by = $3, answered_at = $4 \
     WHERE id = $1 AND answered_at IS NULL";

pub const INSERT_QUOTE_REQUEST: &str = "INSERT INTO quote_requests (id, customer_id, email, name, \
     company, phone, message, lines, language, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

pub const QUOTE_REQUESTS: &str = "SELECT id, customer_id, email, name, company, phone, message, \
     lines, language, created_at FROM quote_requests ORDER BY created_at DESC, id LIMIT $1";

pub const QUOTE_REQUESTS_OF: &str = "SELECT id, customer_id, email, name, company, phone, message, \
     lines, language, created_at FROM quote_requests WHERE customer_id = $1 ORDER BY created_at";

#[derive(Debug, serde::Deserialize)]
pub struct QuoteRequestRow {
    pub id: String,
    pub customer_id: Option<String>,
    pub email: String,
    pub name: String,
    pub company: String,
    pub phone: String,
    pub message: String,
    pub lines: String,
    pub language: String,
    pub created_at: i64,
}

impl From<QuoteRequestRow> for QuoteRequest {
    fn from(r: QuoteRequestRow) -> Self {
        QuoteRequest {
            id: r.id,
            customer_id: r.customer_id,
            email: r.email,
            name: r.name,
            company: r.company,
            phone: r.phone,
            message: r.message,
            lines: r.lines,
            language: r.language,
            created_at_ms: r.created_at,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct TicketRow {
    pub id: String,
    pub customer_id: Option<String>,
    pub email: String,
    pub name: String,
    pub subject: String,
    pub message: String,
    pub language: String,
    pub created_at: i64,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<i64>,
}

impl From<TicketRow> for Ticket {
    fn from(r: TicketRow) -> Self {
        Ticket {
            id: r.id,
            customer_id: r.customer_id,
            email: r.email,
            name: r.name,
            subject: r.subject,
            message: r.message,
            language: r.language,
            created_at_ms: r.created_at,
            answer: r.answer,
            answered_by: r.answered_by,
            answered_at_ms: r.answered_at,
        }
    }
}

const WITHDRAWALS_OF: &str = "SELECT id, order_id, notified_at, outcome, exchange_sku, \
     cancelled, send_back, status, return_by, return_paid_by, pickup_date, by_guest, ip, \
     received_at, received_by, inspected_at, inspected_by, inspection_reason, refund_id \
     FROM withdrawals WHERE order_id = $1 ORDER BY notified_at, id";

const WITHDRAWAL_BY_ID: &str = "SELECT id, order_id, notified_at, outcome, exchange_sku, \
     cancelled, send_back, status, return_by, return_paid_by, pickup_date, by_guest, ip, \
     received_at, received_by, inspected_at, inspected_by, inspection_reason, refund_id \
     FROM withdrawals WHERE id = $1";

const CLAIMS: &str = "SELECT id, order_id, line_no, kind, description, discovered_on, \
     created_at, answer_due, status, decided_at, decided_by, decision_reason, refund_id \
     FROM claims";

const OPEN_CLAIMS: &str = "SELECT c.id, c.order_id, c.line_no, c.kind, c.description, \
     c.discovered_on, c.created_at, c.answer_due, c.status, c.decided_at, c.decided_by, \
     c.decision_reason, c.refund_id, o.number AS order_number FROM claims c \
     JOIN orders o ON o.id = c.order_id WHERE c.status = 'open' ORDER BY c.created_at, c.id";

const INSERT_CLAIM: &str = "INSERT INTO claims (id, order_id, line_no, kind, description, \
     discovered_on, created_at, answer_due, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

const DECIDE_CLAIM: &str = "UPDATE claims SET status = $2, decided_by = $3, \
     decision_reason = $4, decided_at = $5 WHERE id = $1 AND status = 'open'";

const CLAIM_PHOTOS: &str = "SELECT id, claim_id, position, content_type, width, height, \
     sha256, '' AS data FROM claim_photos WHERE claim_id = $1 ORDER BY position";

const CLAIM_PHOTO: &str = "SELECT id, claim_id, position, content_type, width, height, \
     sha256, data FROM claim_photos WHERE claim_id = $1 AND id = $2";

const INSERT_CLAIM_PHOTO: &str = "INSERT INTO claim_photos (id, claim_id, position, \
     content_type, width, height, sha256, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

const UNITS_HELD: &str = "SELECT o.id AS order_id, o.number AS order_number, l.line_no, \
     l.quantity - l.cancelled - l.returned AS quantity FROM order_lines l \
     JOIN orders o ON o.id = l.order_id \
     WHERE o.payment_state = 'paid' AND l.quantity - l.cancelled - l.returned > 0 \
     AND (l.sku = $1 OR l.sku IN (SELECT v.sku FROM variants v \
          JOIN products p ON p.id = v.product_id WHERE p.slug = $2)) \
     ORDER BY o.number, l.line_no";

/// WAR-4: units of a recalled piece a buyer holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct HeldUnits {
    pub order_id: String,
    pub order_number: String,
    pub line_no: i64,
    pub quantity: i64,
}

/// WAR-4: a recall; `orders` counts the orders it concerns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Recall {
    pub id: String,
    pub sku: Option<String>,
    pub product_slug: Option<String>,
    pub reason: String,
    pub created_at: i64,
    pub created_by: String,
    #[serde(default)]
    pub orders: i64,
}

/// WAR-4: a recall as it concerns one line of an order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct RecallNotice {
    pub recall_id: String,
    pub reason: String,
    pub created_at: i64,
    pub line_no: i64,
    pub quantity: i64,
}

/// DLV-7, WAR-1, WAR-2: a claim on an order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Claim {
    pub id: String,
    pub order_id: String,
    pub line_no: Option<i64>,
    pub kind: ecrin_core::claims::ClaimKind,
    pub description: String,
    /// WAR-1 (`milano`): the day the defect was found (`YYYY-MM-DD`).
    pub discovered_on: Option<String>,
    pub created_at: i64,
    /// WAR-3: the day it is to be answered by.
    pub answer_due: String,
    pub status: ecrin_core::claims::ClaimState,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
    pub refund_id: Option<String>,
}

#[derive(serde::Deserialize)]
struct OpenClaimRow {
    #[serde(flatten)]
    claim: Claim,
    order_number: String,
}

/// A photo of a claim, cleaned of its metadata; `data` is its bytes in base64.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ClaimPhoto {
    pub id: String,
    pub claim_id: String,
    pub position: i64,
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    pub sha256: String,
    pub data: String,
}

#[derive(serde::Deserialize)]
struct UnansweredRow {
    id: String,
    created_at: i64,
}

/// Read along the `tickets_open (answered_at, created_at)` index.
const UNANSWERED_TICKETS: &str =
    "SELECT id, created_at FROM tickets WHERE answered_at IS NULL ORDER BY created_at, id";

#[derive(serde::Deserialize)]
struct LateRow {
    number: String,
    deadline: String,
}

const LATE_DEADLINE: &str = "SELECT deadline FROM late_deliveries WHERE order_id = $1";

const LATE_DEADLINES: &str = "SELECT o.number, l.deadline FROM late_deliveries l \
     JOIN orders o ON o.id = l.order_id WHERE o.status IN ('being_prepared', 'shipped') \
     ORDER BY l.deadline, o.number";

const SET_LATE_DEADLINE: &str = "INSERT INTO late_deliveries (order_id, deadline, set_at) \
     VALUES ($1, $2, $3) ON CONFLICT (order_id) DO UPDATE SET deadline = excluded.deadline, \
     set_at = excluded.set_at";

const RETURNS_AWAITED: &str = "SELECT w.id, w.order_id, w.notified_at, w.outcome, \
     w.exchange_sku, w.cancelled, w.send_back, w.status, w.return_by, w.return_paid_by, \
     w.pickup_date, w.by_guest, w.ip, w.received_at, w.received_by, w.inspected_at, \
     w.inspected_by, w.inspection_reason, w.refund_id, o.number AS order_number FROM withdrawals w \
     JOIN orders o ON o.id = w.order_id WHERE w.status IN ('authorised', 'received') \
     AND (w.notified_at > $1 OR (w.notified_at = $1 AND w.id > $2)) \
     ORDER BY w.notified_at, w.id LIMIT $3";

const RECEIVE_WITHDRAWAL: &str = "UPDATE withdrawals SET status = 'received', \
     received_by = $2, received_at = $3 WHERE id = $1 AND status = 'authorised'";

const INSPECT_WITHDRAWAL: &str = "UPDATE withdrawals SET status = $2, inspected_by = $3, \
     inspection_reason = $4, inspected_at = $5 WHERE id = $1 AND status = 'received'";

const SET_WITHDRAWAL_REFUND: &str = "UPDATE withdrawals SET refund_id = $2 WHERE id = $1";

const INSERT_WITHDRAWAL: &str = "INSERT INTO withdrawals (id, order_id, notified_at, outcome, \
     exchange_sku, cancelled, send_back, status, return_by, return_paid_by, pickup_date, \
     by_guest, ip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

const WITHDRAWAL_NOTICE: &str = "SELECT token_hash, order_id, notified_at, expires_at, lines, \
     outcome, exchange_sku, ip, withdrawal_id FROM withdrawal_notices WHERE token_hash = $1";

const INSERT_WITHDRAWAL_NOTICE: &str = "INSERT INTO withdrawal_notices (token_hash, order_id, \
     notified_at, expires_at, lines, outcome, exchange_sku, ip) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

const CONFIRM_WITHDRAWAL_NOTICE: &str = "UPDATE withdrawal_notices SET withdrawal_id = $2 \
     WHERE token_hash = $1 AND withdrawal_id IS NULL";

/// WDR-7: a withdrawal notified by a guest, waiting for the owner of the order's e-mail
/// address to confirm it by the link e-mailed to them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct WithdrawalNotice {
    /// The hash of the link's token (the token itself is only in the e-mail).
    pub token_hash: String,
    pub order_id: String,
    /// The moment of the notice (Unix milliseconds): the withdrawal's date once confirmed.
    pub notified_at: i64,
    /// The link can be followed until then.
    pub expires_at: i64,
    /// The units asked (JSON `[{"line_no", "quantity"}]`).
    pub lines: String,
    pub outcome: ecrin_core::withdrawal::Outcome,
    pub exchange_sku: Option<String>,
    pub ip: String,
    /// The withdrawal it became, once confirmed.
    pub withdrawal_id: Option<String>,
}

/// WDR-1, WDR-2, WDR-7: a withdrawal from a contract, as notified.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Withdrawal {
    pub id: String,
    pub order_id: String,
    /// WDR-7: the moment of the notice, to the second (Unix milliseconds).
    pub notified_at: i64,
    pub outcome: ecrin_core::withdrawal::Outcome,
    pub exchange_sku: Option<String>,
    /// The units cancelled at once, not yet shipped (JSON `[{"line_no", "quantity"}]`).
    pub cancelled: String,
    /// The units to send back.
    pub send_back: String,
    pub status: ecrin_core::withdrawal::WithdrawalState,
    /// WDR-2: the last day to send the pieces back (a civil date), when there are some.
    pub return_by: Option<String>,
    pub return_paid_by: ecrin_core::profile::ReturnPaidBy,
    /// WDR-2 (`milano`): the day the house's courier collects.
    pub pickup_date: Option<String>,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub by_guest: bool,
    pub ip: String,
    /// WDR-4: when the pieces came back, and who took them in.
    pub received_at: Option<i64>,
    pub received_by: Option<String>,
    pub inspected_at: Option<i64>,
    pub inspected_by: Option<String>,
    pub inspection_reason: Option<String>,
    /// WDR-5: the refund made on acceptance.
    pub refund_id: Option<String>,
}

#[derive(serde::Deserialize)]
struct AwaitedRow {
    #[serde(flatten)]
    withdrawal: Withdrawal,
    order_number: String,
}
