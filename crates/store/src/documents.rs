//! The house's papers (INV-1 … INV-5): invoices and credit notes with their gapless
//! numbers, and the papers of a customer or of a period.

use crate::exec::{Bind, Engine, Exec, Writer, query, query_as, query_scalar};
use crate::sql::*;
use crate::*;

#[async_trait]
pub trait Documents: Send + Sync {
    /// INV-2: an order's invoice, once paid.
    async fn invoice_of(&self, order_id: &str) -> Result<Option<Invoice>>;

    /// INV-2: every invoice, in sequence.
    async fn invoices(&self) -> Result<Vec<Invoice>>;

    /// INV-3: an order's credit notes, in sequence.
    async fn credit_notes_of(&self, order_id: &str) -> Result<Vec<CreditNote>>;

    /// INV-3: every credit note, in sequence.
    async fn credit_notes(&self) -> Result<Vec<CreditNote>>;

    /// The invoices, refunds and credit notes of every order of a customer.
    async fn papers_of_customer(&self, customer_id: &str) -> Result<Papers>;

    /// The same for the orders placed at or after `placed_from_ms` (a list of the newest).
    async fn papers_placed_from(&self, placed_from_ms: i64) -> Result<Papers>;
}

#[async_trait]
pub trait DocumentsTx: Send {
    /// INV-2: the next number of the merchant's sequence, taken for an invoice written
    /// in this transaction.
    async fn next_invoice_seq(&mut self) -> Result<i64>;

    async fn insert_invoice(&mut self, i: &Invoice) -> Result<()>;

    /// INV-3: the next number of the merchant's sequence of credit notes.
    async fn next_credit_note_seq(&mut self) -> Result<i64>;

    async fn insert_credit_note(&mut self, c: &CreditNote) -> Result<()>;
}

#[async_trait]
impl<E: Engine> Documents for E {
    async fn invoice_of(&self, order_id: &str) -> Result<Option<Invoice>> {
        query_as(invoice_of())
            .bind(order_id)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn invoices(&self) -> Result<Vec<Invoice>> {
        query_as(invoices())
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn credit_notes_of(&self, order_id: &str) -> Result<Vec<CreditNote>> {
        query_as(credit_notes_of())
            .bind(order_id)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn credit_notes(&self) -> Result<Vec<CreditNote>> {
        query_as(credit_notes())
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn papers_of_customer(&self, customer_id: &str) -> Result<Papers> {
        let mut conn = self.reader().await?;
        papers(&mut conn, ORDERS_OF_CUSTOMER, customer_id).await
    }

    async fn papers_placed_from(&self, placed_from_ms: i64) -> Result<Papers> {
        let mut conn = self.reader().await?;
        papers(&mut conn, ORDERS_PLACED_FROM, placed_from_ms).await
    }
}

#[async_trait]
impl<W: Writer> DocumentsTx for W {
    async fn next_invoice_seq(&mut self) -> Result<i64> {
        query_scalar(NEXT_INVOICE_SEQ).fetch_one(&mut *self).await
    }

    async fn insert_invoice(&mut self, i: &Invoice) -> Result<()> {
        query(INSERT_INVOICE)
            .bind(i.seq)
            .bind(&i.number)
            .bind(&i.order_id)
            .bind(i.issued_at)
            .bind(i.total)
            .bind(i.archive)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn next_credit_note_seq(&mut self) -> Result<i64> {
        query_scalar(NEXT_CREDIT_NOTE_SEQ)
            .fetch_one(&mut *self)
            .await
    }

    async fn insert_credit_note(&mut self, c: &CreditNote) -> Result<()> {
        query(insert_credit_note())
            .bind(c.seq)
            .bind(&c.number)
            .bind(&c.refund_id)
            .bind(&c.order_id)
            .bind(&c.invoice_number)
            .bind(c.amount)
            .bind(c.issued_at)
            .execute(&mut *self)
            .await?;
        Ok(())
    }
}

/// The papers of the orders `orders` selects with its one parameter `key`
/// ([`sql::papers`]).
async fn papers(
    conn: &mut impl Exec,
    orders: &'static str,
    key: impl Bind + Copy + Send,
) -> Result<Papers> {
    let [invoices, refunds, credit_notes] = sql::papers(orders);
    let invoices = query_as(invoices).bind(key).fetch_all(conn).await?;
    let refunds: Vec<Refund> = query_as(refunds).bind(key).fetch_all(conn).await?;
    let credit_notes = if refunds.is_empty() {
        Vec::new()
    } else {
        query_as(credit_notes).bind(key).fetch_all(conn).await?
    };
    Ok(Papers {
        invoices,
        refunds,
        credit_notes,
    })
}

pub const NEXT_INVOICE_SEQ: &str =
    "UPDATE meta SET value = value + 1 WHERE key = 'invoice_number' RETURNING value";

pub const INSERT_INVOICE: &str = "INSERT INTO invoices (seq, number, order_id, issued_at, total, \
     archive) VALUES ($1, $2, $3, $4, $5, $6)";

pub fn invoice_of() -> String {
    format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE order_id = $1")
}

pub const NEXT_CREDIT_NOTE_SEQ: &str =
    "UPDATE meta SET value = value + 1 WHERE key = 'credit_note_number' RETURNING value";

pub fn insert_credit_note() -> String {
    format!("INSERT INTO credit_notes ({CREDIT_NOTE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)")
}

pub fn credit_notes_of() -> String {
    format!("SELECT {CREDIT_NOTE_COLUMNS} FROM credit_notes WHERE order_id = $1 ORDER BY seq")
}
