//! What customers ask of the house: contact tickets and their answers (WAR-3), and
//! quote requests for made-to-order pieces.

use crate::exec::{Engine, Writer, query, query_as};
use crate::sql::*;
use crate::*;

#[async_trait]
pub trait AfterSales: Send + Sync {
    /// PRV-9: open questions first.
    async fn tickets(&self, limit: i64) -> Result<Vec<Ticket>>;

    async fn ticket_by_id(&self, id: &str) -> Result<Option<Ticket>>;

    async fn tickets_of(&self, customer_id: &str) -> Result<Vec<Ticket>>;

    /// BSK-5: the newest quote requests first.
    async fn quote_requests(&self, limit: i64) -> Result<Vec<QuoteRequest>>;

    async fn quote_requests_of(&self, customer_id: &str) -> Result<Vec<QuoteRequest>>;
}

#[async_trait]
pub trait AfterSalesTx: Send {
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
