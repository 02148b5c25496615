//! Customer accounts and staff (ACC-1 … ACC-8, PRV-8): identities, addresses, e-mailed
//! tokens, API tokens, web sessions, failed logins, and the flags of CHK-9.

use crate::exec::{Engine, Writer, query, query_as, query_scalar};
use crate::sql::*;
use crate::*;

/// A customer and their addresses in one read (the checkout needs both).
macro_rules! customer_with_addresses {
    ($from:literal, $where:literal) => {
        concat!(
            "SELECT c.id, c.email, c.password_hash, c.title, \
             c.given_name, c.family_name, c.phone, c.language, c.status, c.created_at, \
             c.activated_at, a.id AS a_id, a.label AS a_label, a.given_name AS a_given_name, \
             a.family_name AS a_family_name, a.company AS a_company, a.line1 AS a_line1, \
             a.line2 AS a_line2, a.postcode AS a_postcode, a.city AS a_city, \
             a.region AS a_region, a.country AS a_country, a.phone AS a_phone, \
             a.is_default AS a_is_default, a.created_at AS a_created_at FROM ",
            $from,
            " LEFT JOIN addresses a ON a.customer_id = c.id WHERE ",
            $where,
            " ORDER BY a.is_default DESC, a.created_at, a.id"
        )
    };
}

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
        let row: Option<StaffRow> = query_as(STAFF_BY_EMAIL)
            .bind(email_key)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.and_then(StaffRow::into_staff))
    }

    async fn count_staff(&self) -> Result<i64> {
        query_scalar(COUNT_STAFF)
            .fetch_one(&mut self.reader().await?)
            .await
    }

    async fn staff_by_id(&self, id: &str) -> Result<Option<Staff>> {
        let row: Option<StaffRow> = query_as(STAFF_BY_ID)
            .bind(id)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.and_then(StaffRow::into_staff))
    }

    async fn customer_by_email(&self, email_key: &str) -> Result<Option<Customer>> {
        let row: Option<CustomerRow> = query_as(CUSTOMER_BY_EMAIL)
            .bind(email_key)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.and_then(CustomerRow::into_customer))
    }

    async fn customer_by_id(&self, id: &str) -> Result<Option<Customer>> {
        let row: Option<CustomerRow> = query_as(CUSTOMER_BY_ID)
            .bind(id)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.and_then(CustomerRow::into_customer))
    }

    async fn customer_with_addresses(&self, id: &str) -> Result<Option<(Customer, Vec<Address>)>> {
        let rows: Vec<CustomerAddressRow> = query_as(CUSTOMER_WITH_ADDRESSES)
            .bind(id)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(into_customer_with_addresses(rows))
    }

    async fn token_customer_with_addresses(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(Customer, Vec<Address>)>> {
        let rows: Vec<CustomerAddressRow> = query_as(TOKEN_CUSTOMER_WITH_ADDRESSES)
            .bind(token_hash)
            .bind(now_ms)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(into_customer_with_addresses(rows))
    }

    async fn api_token_subject(&self, token_hash: &str, now_ms: i64) -> Result<Option<Subject>> {
        let row: Option<TokenSubjectRow> = query_as(API_TOKEN_SUBJECT)
            .bind(token_hash)
            .bind(now_ms)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.and_then(TokenSubjectRow::into_subject))
    }

    async fn addresses_of(&self, customer_id: &str) -> Result<Vec<Address>> {
        let sql = addresses_of();
        let rows: Vec<AddressRow> = query_as(sql)
            .bind(customer_id)
            .fetch_all(&mut self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn web_session(&self, id_hash: &str, now_ms: i64) -> Result<Option<WebSession>> {
        let row: Option<WebSessionRow> = query_as(WEB_SESSION)
            .bind(id_hash)
            .bind(now_ms)
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn login_failures(&self, email_key: &str, since_ms: i64) -> Result<i64> {
        query_scalar(COUNT_LOGIN_FAILURES)
            .bind(email_key)
            .bind(since_ms)
            .fetch_one(&mut self.reader().await?)
            .await
    }
}

#[async_trait]
impl<W: Writer> CustomersTx for W {
    async fn insert_staff(&mut self, staff: &Staff, email_key: &str) -> Result<()> {
        query(INSERT_STAFF)
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
        query(INSERT_CUSTOMER)
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
        let done = query(SET_CUSTOMER_STATUS)
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
        query(INSERT_ACCOUNT_TOKEN)
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
        query_scalar(USE_ACCOUNT_TOKEN)
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
        query(INSERT_API_TOKEN)
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
        query(REVOKE_API_TOKEN)
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
        query(INSERT_WEB_SESSION)
            .bind(id_hash)
            .bind(&session.customer_id)
            .bind(&session.csrf)
            .bind(now_ms)
            .bind(session.expires_at_ms)
            .bind(&session.staff_id)
            .bind(&session.pending_staff_id)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn delete_web_session(&mut self, id_hash: &str) -> Result<()> {
        query(DELETE_WEB_SESSION)
            .bind(id_hash)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn insert_address(&mut self, a: &Address) -> Result<()> {
        let sql = insert_address();
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
        let done = query(UPDATE_ADDRESS)
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
        let done = query(DELETE_ADDRESS)
            .bind(id)
            .bind(customer_id)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_default_address(&mut self, customer_id: &str, id: &str) -> Result<()> {
        query(SET_DEFAULT_ADDRESS)
            .bind(customer_id)
            .bind(id)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn update_customer_identity(&mut self, c: &Customer) -> Result<()> {
        query(UPDATE_CUSTOMER_IDENTITY)
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
        query(SET_CUSTOMER_PASSWORD)
            .bind(id)
            .bind(password_hash)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn end_customer_sessions(&mut self, id: &str, now_ms: i64) -> Result<()> {
        query(REVOKE_CUSTOMER_API_TOKENS)
            .bind(id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        query(DELETE_CUSTOMER_WEB_SESSIONS)
            .bind(id)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn record_login_failure(&mut self, email_key: &str, now_ms: i64) -> Result<()> {
        query(INSERT_LOGIN_FAILURE)
            .bind(email_key)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn clear_login_failures(&mut self, email_key: &str, before_ms: i64) -> Result<()> {
        query(CLEAR_LOGIN_FAILURES)
            .bind(email_key)
            .bind(before_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn set_dispute(&mut self, customer_id: &str, open: bool) -> Result<()> {
        query(SET_DISPUTE)
            .bind(customer_id)
            .bind(open)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn set_payment_refused(&mut self, customer_id: &str, refused: bool) -> Result<()> {
        query(SET_PAYMENT_REFUSED)
            .bind(customer_id)
            .bind(refused)
            .execute(&mut *self)
            .await?;
        Ok(())
    }
}

pub const STAFF_BY_EMAIL: &str = "SELECT id, email, name, role, password_hash, disabled, created_at, \
     totp_enabled_at FROM staff WHERE email_key = $1";

pub const COUNT_STAFF: &str = "SELECT COUNT(*) AS n FROM staff";

pub const INSERT_STAFF: &str = "INSERT INTO staff (id, email, email_key, name, role, password_hash, \
     disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7)";

pub const CUSTOMER_BY_EMAIL: &str = "SELECT id, email, password_hash, title, given_name, family_name, \
     phone, language, status, created_at, activated_at FROM customers WHERE email_key = $1";

pub const CUSTOMER_BY_ID: &str = "SELECT id, email, password_hash, title, given_name, family_name, \
     phone, language, status, created_at, activated_at FROM customers WHERE id = $1";

pub const INSERT_CUSTOMER: &str = "INSERT INTO customers (id, email, email_key, password_hash, title, \
     given_name, family_name, phone, language, status, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

pub const SET_CUSTOMER_STATUS: &str =
    "UPDATE customers SET status = $2, activated_at = COALESCE(activated_at, $3) WHERE id = $1";

pub const INSERT_ACCOUNT_TOKEN: &str = "INSERT INTO account_tokens (token_hash, customer_id, purpose, \
     created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";

/// Single use: the row count decides, so two clicks on one link cannot both succeed.
pub const USE_ACCOUNT_TOKEN: &str = "UPDATE account_tokens SET used_at = $3 WHERE token_hash = $1 \
     AND purpose = $2 AND used_at IS NULL AND expires_at > $3 RETURNING customer_id";

pub const INSERT_API_TOKEN: &str = "INSERT INTO api_tokens (token_hash, subject_kind, subject_id, \
     created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";

pub const API_TOKEN_SUBJECT: &str = "SELECT subject_kind, subject_id FROM api_tokens \
     WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2";

pub const REVOKE_API_TOKEN: &str =
    "UPDATE api_tokens SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL";

pub const WEB_SESSION: &str = "SELECT customer_id, staff_id, csrf, expires_at, pending_staff_id FROM web_sessions \
     WHERE id_hash = $1 AND expires_at > $2";

pub const INSERT_WEB_SESSION: &str = "INSERT INTO web_sessions (id_hash, customer_id, csrf, created_at, \
     expires_at, staff_id, pending_staff_id) VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub const DELETE_WEB_SESSION: &str = "DELETE FROM web_sessions WHERE id_hash = $1";

pub const UPDATE_CUSTOMER_IDENTITY: &str = "UPDATE customers SET title = $2, given_name = $3, \
     family_name = $4, phone = $5 WHERE id = $1";

pub fn addresses_of() -> String {
    format!(
        "SELECT {ADDRESS_COLUMNS} FROM addresses WHERE customer_id = $1 \
         ORDER BY is_default DESC, created_at, id"
    )
}

pub fn insert_address() -> String {
    format!(
        "INSERT INTO addresses ({ADDRESS_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    )
}

pub const UPDATE_ADDRESS: &str = "UPDATE addresses SET label = $3, given_name = $4, family_name = $5, \
     company = $6, line1 = $7, line2 = $8, postcode = $9, city = $10, region = $11, country = $12, \
     phone = $13 WHERE id = $1 AND customer_id = $2";

pub const DELETE_ADDRESS: &str = "DELETE FROM addresses WHERE id = $1 AND customer_id = $2";

/// ACC-5: one default delivery address: the chosen one on, every other off.
pub const SET_DEFAULT_ADDRESS: &str =
    "UPDATE addresses SET is_default = (id = $2) WHERE customer_id = $1";

pub const SET_CUSTOMER_PASSWORD: &str = "UPDATE customers SET password_hash = $2 WHERE id = $1";

pub const REVOKE_CUSTOMER_API_TOKENS: &str = "UPDATE api_tokens SET revoked_at = $2 \
     WHERE subject_kind = 'customer' AND subject_id = $1 AND revoked_at IS NULL";

pub const DELETE_CUSTOMER_WEB_SESSIONS: &str = "DELETE FROM web_sessions WHERE customer_id = $1";

pub const COUNT_LOGIN_FAILURES: &str =
    "SELECT COUNT(*) AS n FROM login_failures WHERE email_key = $1 AND at > $2";

pub const INSERT_LOGIN_FAILURE: &str = "INSERT INTO login_failures (email_key, at) VALUES ($1, $2)";

pub const CLEAR_LOGIN_FAILURES: &str = "DELETE FROM login_failures WHERE email_key = $1 OR at < $2";

pub const STAFF_BY_ID: &str = "SELECT id, email, name, role, password_hash, disabled, created_at, \
     totp_enabled_at FROM staff WHERE id = $1";

#[derive(Debug, serde::Deserialize)]
pub struct StaffRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub disabled: bool,
    pub created_at: i64,
    pub totp_enabled_at: Option<i64>,
}

impl StaffRow {
    pub fn into_staff(self) -> Option<Staff> {
        Some(Staff {
            role: ecrin_core::account::Role::parse(&self.role)?,
            id: self.id,
            email: self.email,
            name: self.name,
            password_hash: self.password_hash,
            disabled: self.disabled,
            created_at_ms: self.created_at,
            second_factor: self.totp_enabled_at.is_some(),
        })
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct TokenSubjectRow {
    pub subject_kind: String,
    pub subject_id: String,
}

impl TokenSubjectRow {
    pub fn into_subject(self) -> Option<Subject> {
        match self.subject_kind.as_str() {
            "customer" => Some(Subject::Customer(self.subject_id)),
            "staff" => Some(Subject::Staff(self.subject_id)),
            _ => None,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct WebSessionRow {
    pub customer_id: Option<String>,
    pub staff_id: Option<String>,
    pub csrf: String,
    pub expires_at: i64,
    pub pending_staff_id: Option<String>,
}

impl From<WebSessionRow> for WebSession {
    fn from(r: WebSessionRow) -> Self {
        WebSession {
            customer_id: r.customer_id,
            staff_id: r.staff_id,
            csrf: r.csrf,
            expires_at_ms: r.expires_at,
            pending_staff_id: r.pending_staff_id,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct AddressRow {
    pub id: String,
    pub customer_id: String,
    pub label: String,
    pub given_name: String,
    pub family_name: String,
    pub company: String,
    pub line1: String,
    pub line2: String,
    pub postcode: String,
    pub city: String,
    pub region: String,
    pub country: String,
    pub phone: String,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub is_default: bool,
    pub created_at: i64,
}

impl From<AddressRow> for Address {
    fn from(r: AddressRow) -> Self {
        Address {
            id: r.id,
            customer_id: r.customer_id,
            label: r.label,
            given_name: r.given_name,
            family_name: r.family_name,
            company: r.company,
            line1: r.line1,
            line2: r.line2,
            postcode: r.postcode,
            city: r.city,
            region: r.region,
            country: r.country,
            phone: r.phone,
            is_default: r.is_default,
            created_at_ms: r.created_at,
        }
    }
}

pub const SET_DISPUTE: &str = "UPDATE customers SET dispute_open = $2 WHERE id = $1";

pub const SET_PAYMENT_REFUSED: &str = "UPDATE customers SET payment_refused = $2 WHERE id = $1";

pub const CUSTOMER_WITH_ADDRESSES: &str = customer_with_addresses!("customers c", "c.id = $1");

/// The customer holding a bearer token (by its SHA-256, neither expired nor revoked), with
/// their addresses: a staff member's token finds nobody.
pub const TOKEN_CUSTOMER_WITH_ADDRESSES: &str = customer_with_addresses!(
    "api_tokens t JOIN customers c ON c.id = t.subject_id",
    "t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 \
     AND t.subject_kind = 'customer'"
);

/// The customer of the first row and the address of each (none when the join found none).
pub fn into_customer_with_addresses(
    rows: Vec<CustomerAddressRow>,
) -> Option<(Customer, Vec<Address>)> {
    let mut addresses = Vec::new();
    let mut customer = None;
    for r in rows {
        if let Some(id) = r.a_id {
            addresses.push(Address {
                id,
                customer_id: r.customer.id.clone(),
                label: r.a_label.unwrap_or_default(),
                given_name: r.a_given_name.unwrap_or_default(),
                family_name: r.a_family_name.unwrap_or_default(),
                company: r.a_company.unwrap_or_default(),
                line1: r.a_line1.unwrap_or_default(),
                line2: r.a_line2.unwrap_or_default(),
                postcode: r.a_postcode.unwrap_or_default(),
                city: r.a_city.unwrap_or_default(),
                region: r.a_region.unwrap_or_default(),
                country: r.a_country.unwrap_or_default(),
                phone: r.a_phone.unwrap_or_default(),
                is_default: r.a_is_default.unwrap_or(false),
                created_at_ms: r.a_created_at.unwrap_or(0),
            });
        }
        if customer.is_none() {
            customer = Some(r.customer);
        }
    }
    Some((customer?.into_customer()?, addresses))
}

const ADDRESS_COLUMNS: &str = "id, customer_id, label, given_name, family_name, company, line1, \
     line2, postcode, city, region, country, phone, is_default, created_at";

#[derive(Debug, serde::Deserialize)]
pub struct CustomerAddressRow {
    #[serde(flatten)]
    pub customer: CustomerRow,
    pub a_id: Option<String>,
    pub a_label: Option<String>,
    pub a_given_name: Option<String>,
    pub a_family_name: Option<String>,
    pub a_company: Option<String>,
    pub a_line1: Option<String>,
    pub a_line2: Option<String>,
    pub a_postcode: Option<String>,
    pub a_city: Option<String>,
    pub a_region: Option<String>,
    pub a_country: Option<String>,
    pub a_phone: Option<String>,
    pub a_is_default: Option<bool>,
    pub a_created_at: Option<i64>,
}
