//! Personal data (PRV-1 … PRV-9): consents, unsubscribe links, the security log, rate
//! counters, staff access to customer data, erasure, and the purge of what has expired.

use crate::exec::{Engine, Writer, query, query_as, query_scalar};
use crate::*;

#[async_trait]
pub trait Privacy: Send + Sync {
    /// PRV-3: every consent of a customer, oldest first.
    async fn consents_of(&self, customer_id: &str) -> Result<Vec<ConsentRecord>>;

    /// PRV-3: the customers who currently accept marketing e-mail.
    async fn marketing_audience(&self) -> Result<Vec<Customer>>;

    async fn unsubscribe_customer(&self, token_hash: &str) -> Result<Option<String>>;

    /// PRV-5: attempts per day, route and status since `since_ms`.
    async fn security_counts(&self, since_ms: i64) -> Result<Vec<SecurityCount>>;

    /// PRV-5: the newest events, for an investigation inside the system.
    async fn security_events(&self, limit: i64) -> Result<Vec<SecurityEvent>>;

    /// Events of `key` after `since_ms` (limits shared by every process).
    async fn rate_events(&self, key: &str, since_ms: i64) -> Result<i64>;

    /// PRV-8: who of the staff looked at or changed this customer's data, oldest first.
    async fn staff_access_of(&self, customer_id: &str) -> Result<Vec<StaffAccess>>;
}

#[async_trait]
pub trait PrivacyTx: Send {
    /// PRV-3: a consent given or withdrawn, with the wording the customer saw.
    async fn record_consent(
        &mut self,
        customer_id: &str,
        purpose: &str,
        granted: bool,
        wording: &str,
        now_ms: i64,
    ) -> Result<()>;

    async fn insert_unsubscribe_link(
        &mut self,
        token_hash: &str,
        customer_id: &str,
        now_ms: i64,
    ) -> Result<()>;

    async fn record_security_event(&mut self, e: &SecurityEvent) -> Result<()>;

    /// PRV-7: deletes what has outlived its purpose, per kind of data.
    async fn purge_expired(&mut self, now_ms: i64, security_before_ms: i64) -> Result<Purged>;

    async fn record_rate_event(&mut self, key: &str, now_ms: i64) -> Result<()>;

    /// PRV-8: records a staff access to a customer's data.
    async fn log_staff_access(
        &mut self,
        staff_id: &str,
        customer_id: &str,
        action: &str,
        now_ms: i64,
    ) -> Result<()>;

    /// PRV-2: anonymises the customer: sessions, tokens, links, basket and e-mails go;
    /// addresses keep city, postcode and country; the row stays, closed, for the records
    /// the law keeps.
    async fn erase_customer(
        &mut self,
        id: &str,
        email: &str,
        anonymous_email: &str,
        now_ms: i64,
    ) -> Result<()>;
}

#[async_trait]
impl<E: Engine> Privacy for E {
    async fn consents_of(&self, customer_id: &str) -> Result<Vec<ConsentRecord>> {
        let rows: Vec<ConsentRow> = query_as(CONSENTS_OF)
            .bind(customer_id)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn marketing_audience(&self) -> Result<Vec<Customer>> {
        let rows: Vec<sql::CustomerRow> = query_as(MARKETING_AUDIENCE)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(sql::CustomerRow::into_customer)
            .collect())
    }

    async fn unsubscribe_customer(&self, token_hash: &str) -> Result<Option<String>> {
        query_scalar(UNSUBSCRIBE_CUSTOMER)
            .bind(token_hash)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn security_counts(&self, since_ms: i64) -> Result<Vec<SecurityCount>> {
        let rows: Vec<SecurityCountRow> = query_as(SECURITY_COUNTS)
            .bind(since_ms)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn security_events(&self, limit: i64) -> Result<Vec<SecurityEvent>> {
        let rows: Vec<SecurityEventRow> = query_as(SECURITY_EVENTS)
            .bind(limit)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn rate_events(&self, key: &str, since_ms: i64) -> Result<i64> {
        query_scalar(COUNT_RATE_EVENTS)
            .bind(key)
            .bind(since_ms)
            .fetch_one(&mut self.reader().await?)
            .await
    }

    async fn staff_access_of(&self, customer_id: &str) -> Result<Vec<StaffAccess>> {
        let rows: Vec<AccessRow> = query_as(STAFF_ACCESS_OF_CUSTOMER)
            .bind(customer_id)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

#[async_trait]
impl<W: Writer> PrivacyTx for W {
    async fn record_consent(
        &mut self,
        customer_id: &str,
        purpose: &str,
        granted: bool,
        wording: &str,
        now_ms: i64,
    ) -> Result<()> {
        query(INSERT_CONSENT)
            .bind(customer_id)
            .bind(purpose)
            .bind(granted)
            .bind(wording)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn insert_unsubscribe_link(
        &mut self,
        token_hash: &str,
        customer_id: &str,
        now_ms: i64,
    ) -> Result<()> {
        query(INSERT_UNSUBSCRIBE_LINK)
            .bind(token_hash)
            .bind(customer_id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn record_security_event(&mut self, e: &SecurityEvent) -> Result<()> {
        query(INSERT_SECURITY_EVENT)
            .bind(e.at_ms)
            .bind(&e.kind)
            .bind(e.status)
            .bind(&e.ip)
            .bind(&e.user_agent)
            .bind(&e.referrer)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn purge_expired(&mut self, now_ms: i64, security_before_ms: i64) -> Result<Purged> {
        let mut purged = Vec::new();
        use Before;
        for (what, before, sql) in PURGES {
            let limit = match before {
                Before::Now => Some(now_ms),
                Before::SecurityLimit => Some(security_before_ms),
                Before::DayAgo => Some(now_ms - 86_400_000),
                Before::WeekAgo => Some(now_ms - 7 * 86_400_000),
                Before::Orphans => None,
            };
            let mut query = query(sql);
            if let Some(limit) = limit {
                query = query.bind(limit);
            }
            let done = query.execute(&mut *self).await?;
            purged.push((what, done.rows_affected()));
        }
        Ok(purged)
    }

    async fn record_rate_event(&mut self, key: &str, now_ms: i64) -> Result<()> {
        query(INSERT_RATE_EVENT)
            .bind(key)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn log_staff_access(
        &mut self,
        staff_id: &str,
        customer_id: &str,
        action: &str,
        now_ms: i64,
    ) -> Result<()> {
        query(LOG_STAFF_ACCESS)
            .bind(staff_id)
            .bind(customer_id)
            .bind(action)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn erase_customer(
        &mut self,
        id: &str,
        email: &str,
        anonymous_email: &str,
        now_ms: i64,
    ) -> Result<()> {
        for sql in ERASE_STATEMENTS {
            query(sql).bind(id).execute(&mut *self).await?;
        }
        query(REVOKE_ALL_CUSTOMER_TOKENS)
            .bind(id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        query(DELETE_OUTBOX_TO)
            .bind(email)
            .execute(&mut *self)
            .await?;
        query(ANONYMISE_ADDRESSES)
            .bind(id)
            .execute(&mut *self)
            .await?;
        query(ANONYMISE_CUSTOMER)
            .bind(id)
            .bind(anonymous_email)
            .execute(&mut *self)
            .await?;
        Ok(())
    }
}

pub const INSERT_CONSENT: &str = "INSERT INTO consents (customer_id, purpose, granted, wording, at, seq) \
     VALUES ($1, $2, $3, $4, $5, \
     (SELECT COALESCE(MAX(seq), 0) + 1 FROM consents WHERE customer_id = $1))";

pub const CONSENTS_OF: &str = "SELECT purpose, granted, wording, at FROM consents \
     WHERE customer_id = $1 ORDER BY at, COALESCE(seq, 0)";

/// PRV-3: active customers whose latest word on marketing e-mail is yes.
pub const MARKETING_AUDIENCE: &str = "SELECT c.id, c.email, c.password_hash, c.title, \
     c.given_name, c.family_name, c.phone, c.language, c.status, c.created_at, c.activated_at \
     FROM customers c WHERE c.status = 'active' \
     AND (SELECT k.granted FROM consents k WHERE k.customer_id = c.id AND k.purpose = 'marketing_email' \
     ORDER BY k.at DESC, COALESCE(k.seq, 0) DESC LIMIT 1) = TRUE ORDER BY c.created_at, c.id";

pub const INSERT_UNSUBSCRIBE_LINK: &str =
    "INSERT INTO unsubscribe_links (token_hash, customer_id, created_at) VALUES ($1, $2, $3)";

pub const UNSUBSCRIBE_CUSTOMER: &str =
    "SELECT customer_id FROM unsubscribe_links WHERE token_hash = $1";

pub const COUNT_RATE_EVENTS: &str = "SELECT COUNT(*) FROM rate_events WHERE key = $1 AND at > $2";

pub const INSERT_RATE_EVENT: &str = "INSERT INTO rate_events (key, at) VALUES ($1, $2)";

pub const INSERT_SECURITY_EVENT: &str = "INSERT INTO security_events (at, kind, status, ip, \
     user_agent, referrer) VALUES ($1, $2, $3, $4, $5, $6)";

pub const SECURITY_COUNTS: &str = "SELECT at / 86400000 AS day, kind, status, COUNT(*) AS count \
     FROM security_events WHERE at >= $1 GROUP BY at / 86400000, kind, status \
     ORDER BY day, kind, status";

pub const SECURITY_EVENTS: &str = "SELECT at, kind, status, ip, user_agent, referrer \
     FROM security_events ORDER BY at DESC LIMIT $1";

/// PRV-7: every retention, each statement with its kind of data and its limit (`$1`).
pub const PURGES: [(&str, Before, &str); 12] = [
    (
        "checkouts",
        Before::Now,
        "DELETE FROM checkouts WHERE expires_at < $1 AND order_number IS NULL",
    ),
    (
        "security_events",
        Before::SecurityLimit,
        "DELETE FROM security_events WHERE at < $1",
    ),
    (
        "web_sessions",
        Before::Now,
        "DELETE FROM web_sessions WHERE expires_at < $1",
    ),
    (
        "visitor_basket_lines",
        Before::Orphans,
        "DELETE FROM basket_lines WHERE basket_id IN \
       (SELECT id FROM baskets WHERE session_hash IS NOT NULL \
       AND session_hash NOT IN (SELECT id_hash FROM web_sessions))",
    ),
    (
        "visitor_baskets",
        Before::Orphans,
        "DELETE FROM baskets WHERE session_hash IS NOT NULL \
       AND session_hash NOT IN (SELECT id_hash FROM web_sessions)",
    ),
    (
        "rate_events",
        Before::DayAgo,
        "DELETE FROM rate_events WHERE at < $1",
    ),
    (
        "login_failures",
        Before::DayAgo,
        "DELETE FROM login_failures WHERE at < $1",
    ),
    (
        "account_tokens",
        Before::Now,
        "DELETE FROM account_tokens WHERE expires_at < $1",
    ),
    (
        "api_tokens",
        Before::Now,
        "DELETE FROM api_tokens WHERE expires_at < $1 OR revoked_at IS NOT NULL",
    ),
    (
        "withdrawal_notices",
        Before::Now,
        "DELETE FROM withdrawal_notices WHERE expires_at < $1 AND withdrawal_id IS NULL",
    ),
    (
        "friend_emails",
        Before::WeekAgo,
        "DELETE FROM outbox WHERE forget_after_send = TRUE AND created_at < $1",
    ),
    (
        "basket_expiry_jobs",
        Before::WeekAgo,
        "DELETE FROM jobs WHERE kind = 'basket_expiry' AND done_at < $1",
    ),
];

/// PRV-2: what erasure keeps of an address (city, postcode, country, for VAT).
pub const ANONYMISE_ADDRESSES: &str = "UPDATE addresses SET label = '', given_name = '', \
     family_name = '', company = '', line1 = '', line2 = '', region = '', phone = '' \
     WHERE customer_id = $1";

/// PRV-2: the person behind an erased account is gone; the row remains for the records
/// the law keeps (invoices, contracts) that refer to it.
pub const ANONYMISE_CUSTOMER: &str = "UPDATE customers SET email = $2, email_key = $2, \
     password_hash = '!', title = '', given_name = '', family_name = '', phone = '', \
     status = 'closed' WHERE id = $1";

pub const ERASE_STATEMENTS: [&str; 8] = [
    "DELETE FROM checkouts WHERE customer_id = $1",
    "UPDATE tickets SET email = '', name = '', subject = '', message = '', answer = NULL \
     WHERE customer_id = $1",
    "DELETE FROM web_sessions WHERE customer_id = $1",
    "DELETE FROM account_tokens WHERE customer_id = $1",
    "DELETE FROM unsubscribe_links WHERE customer_id = $1",
    "DELETE FROM basket_lines WHERE basket_id IN (SELECT id FROM baskets WHERE customer_id = $1)",
    "DELETE FROM baskets WHERE customer_id = $1",
    "UPDATE quote_requests SET email = '', name = '', company = '', phone = '', message = '' \
     WHERE customer_id = $1",
];

pub const REVOKE_ALL_CUSTOMER_TOKENS: &str = "UPDATE api_tokens SET revoked_at = $2 \
     WHERE subject_kind = 'customer' AND subject_id = $1 AND revoked_at IS NULL";

pub const DELETE_OUTBOX_TO: &str = "DELETE FROM outbox WHERE LOWER(to_address) = LOWER($1)";

pub const LOG_STAFF_ACCESS: &str =
    "INSERT INTO staff_access_log (staff_id, customer_id, action, at) VALUES ($1, $2, $3, $4)";

pub const STAFF_ACCESS_OF_CUSTOMER: &str = "SELECT staff_id, customer_id, action, at FROM staff_access_log \
     WHERE customer_id = $1 ORDER BY at, staff_id";

#[derive(Debug, serde::Deserialize)]
pub struct AccessRow {
    pub staff_id: String,
    pub customer_id: String,
    pub action: String,
    pub at: i64,
}

impl From<AccessRow> for StaffAccess {
    fn from(r: AccessRow) -> Self {
        StaffAccess {
            staff_id: r.staff_id,
            customer_id: r.customer_id,
            action: r.action,
            at_ms: r.at,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct ConsentRow {
    pub purpose: String,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub granted: bool,
    pub wording: String,
    pub at: i64,
}

impl From<ConsentRow> for ConsentRecord {
    fn from(r: ConsentRow) -> Self {
        ConsentRecord {
            purpose: r.purpose,
            granted: r.granted,
            wording: r.wording,
            at_ms: r.at,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct SecurityCountRow {
    pub day: i64,
    pub kind: String,
    pub status: i64,
    pub count: i64,
}

impl From<SecurityCountRow> for SecurityCount {
    fn from(r: SecurityCountRow) -> Self {
        SecurityCount {
            day: r.day,
            kind: r.kind,
            status: r.status,
            count: r.count,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct SecurityEventRow {
    pub at: i64,
    pub kind: String,
    pub status: i64,
    pub ip: String,
    pub user_agent: String,
    pub referrer: String,
}

impl From<SecurityEventRow> for SecurityEvent {
    fn from(r: SecurityEventRow) -> Self {
        SecurityEvent {
            at_ms: r.at,
            kind: r.kind,
            status: r.status,
            ip: r.ip,
            user_agent: r.user_agent,
            referrer: r.referrer,
        }
    }
}

/// PRV-7: the moment before which a kind of data has outlived its purpose.
#[derive(Debug, Clone, Copy)]
pub enum Before {
    Now,
    SecurityLimit,
    DayAgo,
    WeekAgo,
    /// Rows whose owner is gone (no time involved).
    Orphans,
}
