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
        let rows: Vec<sql::ConsentRow> = query_as(sql::CONSENTS_OF)
            .bind(customer_id)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn marketing_audience(&self) -> Result<Vec<Customer>> {
        let rows: Vec<sql::CustomerRow> = query_as(sql::MARKETING_AUDIENCE)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(sql::CustomerRow::into_customer)
            .collect())
    }

    async fn unsubscribe_customer(&self, token_hash: &str) -> Result<Option<String>> {
        query_scalar(sql::UNSUBSCRIBE_CUSTOMER)
            .bind(token_hash)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn security_counts(&self, since_ms: i64) -> Result<Vec<SecurityCount>> {
        let rows: Vec<sql::SecurityCountRow> = query_as(sql::SECURITY_COUNTS)
            .bind(since_ms)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn security_events(&self, limit: i64) -> Result<Vec<SecurityEvent>> {
        let rows: Vec<sql::SecurityEventRow> = query_as(sql::SECURITY_EVENTS)
            .bind(limit)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn rate_events(&self, key: &str, since_ms: i64) -> Result<i64> {
        query_scalar(sql::COUNT_RATE_EVENTS)
            .bind(key)
            .bind(since_ms)
            .fetch_one(&mut self.reader().await?)
            .await
    }

    async fn staff_access_of(&self, customer_id: &str) -> Result<Vec<StaffAccess>> {
        let rows: Vec<sql::AccessRow> = query_as(sql::STAFF_ACCESS_OF_CUSTOMER)
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
        query(sql::INSERT_CONSENT)
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
        query(sql::INSERT_UNSUBSCRIBE_LINK)
            .bind(token_hash)
            .bind(customer_id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn record_security_event(&mut self, e: &SecurityEvent) -> Result<()> {
        query(sql::INSERT_SECURITY_EVENT)
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
        use sql::Before;
        for (what, before, sql) in sql::PURGES {
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
        query(sql::INSERT_RATE_EVENT)
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
        query(sql::LOG_STAFF_ACCESS)
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
        for sql in sql::ERASE_STATEMENTS {
            query(sql).bind(id).execute(&mut *self).await?;
        }
        query(sql::REVOKE_ALL_CUSTOMER_TOKENS)
            .bind(id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        query(sql::DELETE_OUTBOX_TO)
            .bind(email)
            .execute(&mut *self)
            .await?;
        query(sql::ANONYMISE_ADDRESSES)
            .bind(id)
            .execute(&mut *self)
            .await?;
        query(sql::ANONYMISE_CUSTOMER)
            .bind(id)
            .bind(anonymous_email)
            .execute(&mut *self)
            .await?;
        Ok(())
    }
}
