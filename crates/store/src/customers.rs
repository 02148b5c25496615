use crate::exec::{Engine, Writer, query, query_as, query_scalar};
use crate::*;

#[async_trait]
pub trait Customers: Send + Sync {
    /// PRV-8: a member of staff by the key of their e-mail address.
    async fn staff_by_email(&self, email_key: &str) -> Result<Option<Staff>>;

    async fn count_staff(&self) -> Result<i64>;

    async fn staff_by_id(&self, id: &str) -> Result<Option<Staff>>;

    /// ACC-2: a customer by the key of their e-mail address.
    async fn customer_by_email(&self, email_key: &str) -> Result<Option<Customer>>;

    async fn customer_by_id(&self, id: &str) -> Result<Option<Customer>>;

    /// A customer and their addresses (the default delivery address first), in one read.
    async fn customer_with_addresses(&self, id: &str) -> Result<Option<(Customer, Vec<Address>)>>;

    /// The customer holding a bearer token (by its SHA-256, neither expired nor revoked)
    /// and their addresses, in one read; `None` for a staff member's token too.
    async fn token_customer_with_addresses(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(Customer, Vec<Address>)>>;

    /// Who holds a bearer token (by its SHA-256), if it is neither expired nor revoked.
    async fn api_token_subject(&self, token_hash: &str, now_ms: i64) -> Result<Option<Subject>>;

    /// ACC-5: the default delivery address first.
    async fn addresses_of(&self, customer_id: &str) -> Result<Vec<Address>>;

    /// A live page session by the SHA-256 of its cookie.
    async fn web_session(&self, id_hash: &str, now_ms: i64) -> Result<Option<WebSession>>;

    /// Failed logins for an address since `since_ms`.
    async fn login_failures(&self, email_key: &str, since_ms: i64) -> Result<i64>;
}

#[async_trait]
pub trait CustomersTx: Send {
    /// PRV-8. `email_key` is the address in lower case (one account per address).
    async fn insert_staff(&mut self, staff: &Staff, email_key: &str) -> Result<()>;

    async fn insert_customer(&mut self, c: &Customer, email_key: &str) -> Result<()>;

    async fn set_customer_status(
        &mut self,
        id: &str,
        status: ecrin_core::account::AccountStatus,
        now_ms: i64,
    ) -> Result<()>;

    async fn insert_account_token(
        &mut self,
        token_hash: &str,
        customer_id: &str,
        purpose: TokenPurpose,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<()>;

    /// Marks a single-use token used; the customer it belongs to, or `None` when it is
    /// unknown, expired or already used.
    async fn use_account_token(
        &mut self,
        token_hash: &str,
        purpose: TokenPurpose,
        now_ms: i64,
    ) -> Result<Option<String>>;

    async fn insert_api_token(
        &mut self,
        token_hash: &str,
        subject: &Subject,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<()>;

    async fn revoke_api_token(&mut self, token_hash: &str, now_ms: i64) -> Result<()>;

    async fn insert_web_session(
        &mut self,
        id_hash: &str,
        session: &WebSession,
        now_ms: i64,
    ) -> Result<()>;

    async fn delete_web_session(&mut self, id_hash: &str) -> Result<()>;

    async fn insert_address(&mut self, a: &Address) -> Result<()>;

    /// False when the customer has no such address.
    async fn update_address(&mut self, a: &Address) -> Result<bool>;

    async fn delete_address(&mut self, customer_id: &str, id: &str) -> Result<bool>;

    async fn set_default_address(&mut self, customer_id: &str, id: &str) -> Result<()>;

    /// PRV-2: rectification of title, names and phone.
    async fn update_customer_identity(&mut self, c: &Customer) -> Result<()>;

    async fn set_customer_password(&mut self, id: &str, password_hash: &str) -> Result<()>;

    /// Ends every API token and page session of a customer (password changed, account
    /// locked or suspended).
    async fn end_customer_sessions(&mut self, id: &str, now_ms: i64) -> Result<()>;

    async fn record_login_failure(&mut self, email_key: &str, now_ms: i64) -> Result<()>;

    /// Forgets an address's failures, and everyone's older than `before_ms`.
    async fn clear_login_failures(&mut self, email_key: &str, before_ms: i64) -> Result<()>;

    /// CHK-9: opens or closes a dispute with a customer.
    async fn set_dispute(&mut self, customer_id: &str, open: bool) -> Result<()>;

    /// CHK-9: the customer's last payment was refused (or, `false`, went through).
    async fn set_payment_refused(&mut self, customer_id: &str, refused: bool) -> Result<()>;
}

#[async_trait]
impl<E: Engine> Customers for E {
    async fn staff_by_email(&self, email_key: &str) -> Result<Option<Staff>> {
        let row: Option<sql::StaffRow> = query_as(sql::STAFF_BY_EMAIL)
            .bind(email_key)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.and_then(sql::StaffRow::into_staff))
    }

    async fn count_staff(&self) -> Result<i64> {
        query_scalar(sql::COUNT_STAFF)
            .fetch_one(&mut self.reader().await?)
            .await
    }

    async fn staff_by_id(&self, id: &str) -> Result<Option<Staff>> {
        let row: Option<sql::StaffRow> = query_as(sql::STAFF_BY_ID)
            .bind(id)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.and_then(sql::StaffRow::into_staff))
    }

    async fn customer_by_email(&self, email_key: &str) -> Result<Option<Customer>> {
        let row: Option<sql::CustomerRow> = query_as(sql::CUSTOMER_BY_EMAIL)
            .bind(email_key)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.and_then(sql::CustomerRow::into_customer))
    }

    async fn customer_by_id(&self, id: &str) -> Result<Option<Customer>> {
        let row: Option<sql::CustomerRow> = query_as(sql::CUSTOMER_BY_ID)
            .bind(id)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.and_then(sql::CustomerRow::into_customer))
    }

    async fn customer_with_addresses(&self, id: &str) -> Result<Option<(Customer, Vec<Address>)>> {
        let rows: Vec<sql::CustomerAddressRow> = query_as(sql::CUSTOMER_WITH_ADDRESSES)
            .bind(id)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(sql::into_customer_with_addresses(rows))
    }

    async fn token_customer_with_addresses(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(Customer, Vec<Address>)>> {
        let rows: Vec<sql::CustomerAddressRow> = query_as(sql::TOKEN_CUSTOMER_WITH_ADDRESSES)
            .bind(token_hash)
            .bind(now_ms)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(sql::into_customer_with_addresses(rows))
    }

    async fn api_token_subject(&self, token_hash: &str, now_ms: i64) -> Result<Option<Subject>> {
        let row: Option<sql::TokenSubjectRow> = query_as(sql::API_TOKEN_SUBJECT)
            .bind(token_hash)
            .bind(now_ms)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.and_then(sql::TokenSubjectRow::into_subject))
    }

    async fn addresses_of(&self, customer_id: &str) -> Result<Vec<Address>> {
        let sql = sql::addresses_of();
        let rows: Vec<sql::AddressRow> = query_as(sql)
            .bind(customer_id)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn web_session(&self, id_hash: &str, now_ms: i64) -> Result<Option<WebSession>> {
        let row: Option<sql::WebSessionRow> = query_as(sql::WEB_SESSION)
            .bind(id_hash)
            .bind(now_ms)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn login_failures(&self, email_key: &str, since_ms: i64) -> Result<i64> {
        query_scalar(sql::COUNT_LOGIN_FAILURES)
            .bind(email_key)
            .bind(since_ms)
            .fetch_one(&mut self.reader().await?)
            .await
    }
}

#[async_trait]
impl<W: Writer> CustomersTx for W {
    async fn insert_staff(&mut self, staff: &Staff, email_key: &str) -> Result<()> {
        query(sql::INSERT_STAFF)
            .bind(&staff.id)
            .bind(&staff.email)
            .bind(email_key)
            .bind(&staff.name)
            .bind(staff.role.as_str())
            .bind(&staff.password_hash)
            .bind(staff.created_at_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn insert_customer(&mut self, c: &Customer, email_key: &str) -> Result<()> {
        query(sql::INSERT_CUSTOMER)
            .bind(&c.id)
            .bind(&c.email)
            .bind(email_key)
            .bind(&c.password_hash)
            .bind(&c.title)
            .bind(&c.given_name)
            .bind(&c.family_name)
            .bind(&c.phone)
            .bind(&c.language)
            .bind(c.status.as_str())
            .bind(c.created_at_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn set_customer_status(
        &mut self,
        id: &str,
        status: ecrin_core::account::AccountStatus,
        now_ms: i64,
    ) -> Result<()> {
        let activated = (status == ecrin_core::account::AccountStatus::Active).then_some(now_ms);
        let done = query(sql::SET_CUSTOMER_STATUS)
            .bind(id)
            .bind(status.as_str())
            .bind(activated)
            .execute(&mut *self)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn insert_account_token(
        &mut self,
        token_hash: &str,
        customer_id: &str,
        purpose: TokenPurpose,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<()> {
        query(sql::INSERT_ACCOUNT_TOKEN)
            .bind(token_hash)
            .bind(customer_id)
            .bind(purpose.as_str())
            .bind(now_ms)
            .bind(expires_at_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn use_account_token(
        &mut self,
        token_hash: &str,
        purpose: TokenPurpose,
        now_ms: i64,
    ) -> Result<Option<String>> {
        query_scalar(sql::USE_ACCOUNT_TOKEN)
            .bind(token_hash)
            .bind(purpose.as_str())
            .bind(now_ms)
            .fetch_optional(&mut *self)
            .await
    }

    async fn insert_api_token(
        &mut self,
        token_hash: &str,
        subject: &Subject,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<()> {
        let (kind, id) = match subject {
            Subject::Customer(id) => ("customer", id),
            Subject::Staff(id) => ("staff", id),
        };
        query(sql::INSERT_API_TOKEN)
            .bind(token_hash)
            .bind(kind)
            .bind(id)
            .bind(now_ms)
            .bind(expires_at_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn revoke_api_token(&mut self, token_hash: &str, now_ms: i64) -> Result<()> {
        query(sql::REVOKE_API_TOKEN)
            .bind(token_hash)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn insert_web_session(
        &mut self,
        id_hash: &str,
        session: &WebSession,
        now_ms: i64,
    ) -> Result<()> {
        query(sql::INSERT_WEB_SESSION)
            .bind(id_hash)
            .bind(&session.customer_id)
            .bind(&session.csrf)
            .bind(now_ms)
            .bind(session.expires_at_ms)
            .bind(&session.staff_id)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn delete_web_session(&mut self, id_hash: &str) -> Result<()> {
        query(sql::DELETE_WEB_SESSION)
            .bind(id_hash)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn insert_address(&mut self, a: &Address) -> Result<()> {
        let sql = sql::insert_address();
        query(sql)
            .bind(&a.id)
            .bind(&a.customer_id)
            .bind(&a.label)
            .bind(&a.given_name)
            .bind(&a.family_name)
            .bind(&a.company)
            .bind(&a.line1)
            .bind(&a.line2)
            .bind(&a.postcode)
            .bind(&a.city)
            .bind(&a.region)
            .bind(&a.country)
            .bind(&a.phone)
            .bind(a.is_default)
            .bind(a.created_at_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn update_address(&mut self, a: &Address) -> Result<bool> {
        let done = query(sql::UPDATE_ADDRESS)
            .bind(&a.id)
            .bind(&a.customer_id)
            .bind(&a.label)
            .bind(&a.given_name)
            .bind(&a.family_name)
            .bind(&a.company)
            .bind(&a.line1)
            .bind(&a.line2)
            .bind(&a.postcode)
            .bind(&a.city)
            .bind(&a.region)
            .bind(&a.country)
            .bind(&a.phone)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_address(&mut self, customer_id: &str, id: &str) -> Result<bool> {
        let done = query(sql::DELETE_ADDRESS)
            .bind(id)
            .bind(customer_id)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_default_address(&mut self, customer_id: &str, id: &str) -> Result<()> {
        query(sql::SET_DEFAULT_ADDRESS)
            .bind(customer_id)
            .bind(id)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn update_customer_identity(&mut self, c: &Customer) -> Result<()> {
        query(sql::UPDATE_CUSTOMER_IDENTITY)
            .bind(&c.id)
            .bind(&c.title)
            .bind(&c.given_name)
            .bind(&c.family_name)
            .bind(&c.phone)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn set_customer_password(&mut self, id: &str, password_hash: &str) -> Result<()> {
        query(sql::SET_CUSTOMER_PASSWORD)
            .bind(id)
            .bind(password_hash)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn end_customer_sessions(&mut self, id: &str, now_ms: i64) -> Result<()> {
        query(sql::REVOKE_CUSTOMER_API_TOKENS)
            .bind(id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        query(sql::DELETE_CUSTOMER_WEB_SESSIONS)
            .bind(id)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn record_login_failure(&mut self, email_key: &str, now_ms: i64) -> Result<()> {
        query(sql::INSERT_LOGIN_FAILURE)
            .bind(email_key)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn clear_login_failures(&mut self, email_key: &str, before_ms: i64) -> Result<()> {
        query(sql::CLEAR_LOGIN_FAILURES)
            .bind(email_key)
            .bind(before_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn set_dispute(&mut self, customer_id: &str, open: bool) -> Result<()> {
        query(sql::SET_DISPUTE)
            .bind(customer_id)
            .bind(open)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn set_payment_refused(&mut self, customer_id: &str, refused: bool) -> Result<()> {
        query(sql::SET_PAYMENT_REFUSED)
            .bind(customer_id)
            .bind(refused)
            .execute(&mut *self)
            .await?;
        Ok(())
    }
}
