use crate::exec::{Engine, Writer, query, query_as};
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
        let rows: Vec<sql::TicketRow> = query_as(sql::tickets())
            .bind(limit)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn ticket_by_id(&self, id: &str) -> Result<Option<Ticket>> {
        let row: Option<sql::TicketRow> = query_as(sql::ticket_by_id())
            .bind(id)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn tickets_of(&self, customer_id: &str) -> Result<Vec<Ticket>> {
        let rows: Vec<sql::TicketRow> = query_as(sql::tickets_of())
            .bind(customer_id)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn quote_requests(&self, limit: i64) -> Result<Vec<QuoteRequest>> {
        let rows: Vec<sql::QuoteRequestRow> = query_as(sql::QUOTE_REQUESTS)
            .bind(limit)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn quote_requests_of(&self, customer_id: &str) -> Result<Vec<QuoteRequest>> {
        let rows: Vec<sql::QuoteRequestRow> = query_as(sql::QUOTE_REQUESTS_OF)
            .bind(customer_id)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

#[async_trait]
impl<W: Writer> AfterSalesTx for W {
    async fn insert_ticket(&mut self, t: &Ticket) -> Result<()> {
        query(sql::insert_ticket())
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
        let done = query(sql::ANSWER_TICKET)
            .bind(id)
            .bind(answer)
            .bind(staff_id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_quote_request(&mut self, q: &QuoteRequest) -> Result<()> {
        query(sql::INSERT_QUOTE_REQUEST)
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
