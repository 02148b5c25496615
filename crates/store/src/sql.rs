//! What the business objects' SQL shares: the dialect, the column lists and rows that
//! more than one of them reads (an order's, a customer's, the papers'). Each statement
//! is otherwise written once, in its object's module, for both backends; placeholders are
//! written `$1`, which SQLite accepts too.

use crate::rows::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

pub(crate) const TICKET_COLUMNS: &str = "id, customer_id, email, name, subject, message, language, created_at, \
     answer, answered_by, answered_at";

/// Open questions first, oldest first; then the answered ones, newest first.
pub fn tickets() -> String {
    format!(
        "SELECT {TICKET_COLUMNS} FROM tickets \
         ORDER BY CASE WHEN answered_at IS NULL THEN 0 ELSE 1 END, \
         CASE WHEN answered_at IS NULL THEN created_at ELSE -answered_at END, id LIMIT $1"
    )
}

#[derive(Debug, serde::Deserialize)]
pub struct CustomerRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub title: String,
    pub given_name: String,
    pub family_name: String,
    pub phone: String,
    pub language: String,
    pub status: String,
    pub created_at: i64,
    pub activated_at: Option<i64>,
}

impl CustomerRow {
    pub fn into_customer(self) -> Option<Customer> {
        Some(Customer {
            status: ecrin_core::account::AccountStatus::parse(&self.status)?,
            id: self.id,
            email: self.email,
            password_hash: self.password_hash,
            title: self.title,
            given_name: self.given_name,
            family_name: self.family_name,
            phone: self.phone,
            language: self.language,
            created_at_ms: self.created_at,
            activated_at_ms: self.activated_at,
        })
    }
}

pub(crate) const ORDER_COLUMNS: &str = "id, number, customer_id, status, placed_at, total, vat_total, \
     delivery_charge, payment_method, terms_version, terms_sha256, terms_language, accepted_at, \
     accepted_ip, accepted_user_agent, confirmed_by_staff_id, pickup_confirmed_at, \
     pickup_confirmed_by, document, payment_state, abandoned, resent";

/// The order whose `column` (`number` or `id`) is `$1`, without its lines.
pub fn order_by(column: OrderKey) -> String {
    format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE {} = $1",
        column.name()
    )
}

/// The order whose `column` is `$1` with its lines, one row per line: one statement where
/// an order and then its lines took two. An order has at least one line; one found
/// without would read as none here ([`order_by`] then tells).
pub fn order_with_lines_by(column: OrderKey) -> String {
    let order: Vec<String> = ORDER_COLUMNS
        .split(", ")
        .map(|c| format!("o.{}", c.trim()))
        .collect();
    format!(
        "SELECT {}, {ORDER_LINE_COLUMNS_OF_L} FROM orders o \
         JOIN order_lines l ON l.order_id = o.id WHERE o.{} = $1 ORDER BY l.line_no",
        order.join(", "),
        column.name()
    )
}

/// How an order is looked up.
#[derive(Debug, Clone, Copy)]
pub enum OrderKey {
    Number,
    Id,
}

impl OrderKey {
    fn name(self) -> &'static str {
        match self {
            OrderKey::Number => "number",
            OrderKey::Id => "id",
        }
    }
}

pub(crate) const ORDER_LINE_COLUMNS_OF_L: &str = "l.line_no, l.sku, l.name, l.quantity, \
     l.personalisation, l.unit_price_incl_vat, l.unit_price_excl_vat, l.vat_rate_bp, \
     l.line_total_incl_vat, l.line_total_excl_vat, l.line_vat, l.withdrawable, l.reserved, \
     l.cancelled, l.returned";

/// An order and one of its lines, as [`order_with_lines_by`] reads them.
#[derive(Debug)]
pub struct OrderWithLineRow {
    pub order: Order,
    pub line: OrderLine,
}

/// The name under which [`OrderWithLineRow`] asks a row reader for the same row twice,
/// once as the order and once as the line, each taking the columns it knows. The SQLite
/// backend's reader answers it; serde's `flatten` would copy every column aside first.
pub const ROW_READ_TWICE: &str = "ecrin_store::RowReadTwice";

impl<'de> serde::Deserialize<'de> for OrderWithLineRow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Twice;
        impl<'de> serde::de::Visitor<'de> for Twice {
            type Value = OrderWithLineRow;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an order's row, read as the order and as one of its lines")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<OrderWithLineRow, A::Error> {
                use serde::de::Error;
                let order = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(0, &self))?;
                let line = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(1, &self))?;
                Ok(OrderWithLineRow { order, line })
            }
        }
        d.deserialize_tuple_struct(ROW_READ_TWICE, 2, Twice)
    }
}

pub(crate) const PAYMENT_COLUMNS: &str = "id, order_id, provider, amount, status, created_at, updated_at, provider_ref, \
     provider_payment";

pub fn payment() -> String {
    format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1")
}

pub(crate) const INVOICE_COLUMNS: &str = "seq, number, order_id, issued_at, total, archive";

pub fn invoices() -> String {
    format!("SELECT {INVOICE_COLUMNS} FROM invoices ORDER BY seq")
}

/// A customer's orders (`$1`), whose papers are read together.
pub const ORDERS_OF_CUSTOMER: &str = "SELECT id FROM orders WHERE customer_id = $1";

/// The orders placed at or after `$1` (those of a list of the newest, and perhaps a few
/// placed since it was read).
pub const ORDERS_PLACED_FROM: &str = "SELECT id FROM orders WHERE placed_at >= $1";

/// The invoices, refunds and credit notes of the orders `orders` selects: three queries
/// for a whole list, rather than three per order.
pub fn papers(orders: &str) -> [String; 3] {
    [
        format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE order_id IN ({orders}) ORDER BY seq"),
        format!(
            "SELECT {REFUND_COLUMNS} FROM refunds WHERE order_id IN ({orders}) \
             ORDER BY created_at, id"
        ),
        format!(
            "SELECT {CREDIT_NOTE_COLUMNS} FROM credit_notes WHERE order_id IN ({orders}) \
             ORDER BY seq"
        ),
    ]
}

pub(crate) const REFUND_COLUMNS: &str = "id, key, order_id, payment_id, amount, reason, staff_id, status, \
     provider_refund_id, created_at, updated_at, destination, payee_name, payee_iban";

pub(crate) const CREDIT_NOTE_COLUMNS: &str =
    "seq, number, refund_id, order_id, invoice_number, amount, issued_at";

pub fn credit_notes() -> String {
    format!("SELECT {CREDIT_NOTE_COLUMNS} FROM credit_notes ORDER BY seq")
}
