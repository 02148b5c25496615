//! Cookie sessions of the pages: created when a form needs a CSRF token or at login,
//! rotated at login (a new identifier, the old one deleted), ended at logout. The cookie
//! holds a random identifier; the database holds its SHA-256.

use crate::customers::{random_hex, token_hash};
use crate::{App, AppError, passwords};
use ecrin_core::Refusal;
use ecrin_core::account::{AccountStatus, Email};
use ecrin_core::refusal::RefusalKind;
use ecrin_store::{Customer, WebSession};

/// A page session lasts at most this long on the server, whatever the browser keeps.
pub const SESSION_TTL_MS: i64 = 12 * 3_600_000;

#[derive(Debug, Clone)]
pub struct PageSession {
    /// The cookie's value.
    pub id: String,
    pub customer_id: Option<String>,
    /// PRV-8: a member of staff on the back-office pages.
    pub staff_id: Option<String>,
    pub csrf: String,
    /// A member of staff whose password was right, before their second factor.
    pub pending_staff_id: Option<String>,
}

pub async fn load(app: &App, cookie: &str) -> Result<Option<PageSession>, AppError> {
    if cookie.is_empty() || cookie.len() > 128 {
        return Ok(None);
    }
    let found = app
        .store
        .web_session(&token_hash(cookie), app.clock.now_ms())
        .await?;
    Ok(found.map(|s| PageSession {
        id: cookie.to_owned(),
        customer_id: s.customer_id,
        staff_id: s.staff_id,
        csrf: s.csrf,
        pending_staff_id: s.pending_staff_id,
    }))
}

/// A new session, for a visitor (`None`) or a customer who just logged in.
pub async fn start(app: &App, customer_id: Option<String>) -> Result<PageSession, AppError> {
    start_for(app, customer_id, None, None).await
}

async fn start_for(
    app: &App,
    customer_id: Option<String>,
    staff_id: Option<String>,
    pending_staff_id: Option<String>,
) -> Result<PageSession, AppError> {
    let id = random_hex(32)?;
    let csrf = random_hex(24)?;
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    tx.insert_web_session(
        &token_hash(&id),
        &WebSession {
            customer_id: customer_id.clone(),
            staff_id: staff_id.clone(),
            csrf: csrf.clone(),
            expires_at_ms: now + SESSION_TTL_MS,
            pending_staff_id: pending_staff_id.clone(),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(PageSession {
        id,
        customer_id,
        staff_id,
        csrf,
        pending_staff_id,
    })
}

pub async fn end(app: &App, id: &str) -> Result<(), AppError> {
    let mut tx = app.store.begin().await?;
    tx.delete_web_session(&token_hash(id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// ACC-3, ACC-7: a customer's credentials. A wrong address or password is always
/// `invalid_credentials`; the account's state is said only to the right password.
pub async fn check_customer(app: &App, email: &str, password: &str) -> Result<Customer, AppError> {
    let key = Email::parse(email).map(|e| e.key()).unwrap_or_default();
    let customer = app.store.customer_by_email(&key).await?;
    let phc = customer
        .as_ref()
        .map(|c| c.password_hash.clone())
        .unwrap_or_else(|| crate::staff::DUMMY_HASH.to_owned());
    let ok = passwords::verify(password.to_owned(), phc).await;
    let invalid = || {
        Refusal::of(
            RefusalKind::Unauthorized,
            "invalid_credentials",
            "wrong e-mail address or password",
        )
    };
    let customer = customer.filter(|_| ok).ok_or_else(invalid)?;
    match customer.status {
        AccountStatus::Active => Ok(customer),
        AccountStatus::Pending => Err(Refusal::new(
            "account_not_activated",
            "follow the link e-mailed at sign-up",
        )
        .into()),
        AccountStatus::Suspended | AccountStatus::Locked => Err(Refusal::new(
            "account_suspended",
            "this account is suspended; customer service can help",
        )
        .into()),
        AccountStatus::Closed => Err(invalid().into()),
    }
}

/// Failed logins allowed per address in [`FAILURE_WINDOW_MS`]; then `rate_limited`,
/// whatever the password, for known and unknown addresses alike.
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MS: i64 = 15 * 60_000;

/// Runs a credential check under the per-account limit: refused when the address has had
/// too many failures lately; a failure is counted, a success forgets them.
pub async fn throttled<T>(
    app: &App,
    email: &str,
    check: impl Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    let key = Email::parse(email)
        .map(|e| e.key())
        .unwrap_or_else(|| email.trim().to_lowercase());
    let now = app.clock.now_ms();
    if app
        .store
        .login_failures(&key, now - FAILURE_WINDOW_MS)
        .await?
        >= MAX_FAILURES
    {
        return Err(Refusal::of(
            RefusalKind::RateLimited,
            "rate_limited",
            "too many failed logins for this address; wait 15 minutes",
        )
        .into());
    }
    let result = check.await;
    let mut tx = app.store.begin().await?;
    match &result {
        Err(AppError::Refused(r)) if r.kind == RefusalKind::Unauthorized => {
            tx.record_login_failure(&key, now).await?
        }
        Ok(_) => {
            tx.clear_login_failures(&key, now - FAILURE_WINDOW_MS)
                .await?
        }
        Err(_) => {}
    }
    tx.commit().await?;
    result
}

/// Logs a customer in on the pages: the old session is dropped and a new one begins; the
/// visitor's basket joins the account's (ACC-6).
pub async fn log_in(
    app: &App,
    old: Option<&PageSession>,
    email: &str,
    password: &str,
) -> Result<PageSession, AppError> {
    let customer = throttled(app, email, check_customer(app, email, password)).await?;
    if let Some(old) = old {
        // ACC-6: what the visitor put in the basket joins the account's basket.
        crate::basket::merge_at_login(app, &token_hash(&old.id), &customer.id).await?;
        end(app, &old.id).await?;
    }
    start(app, Some(customer.id)).await
}

/// What a right staff password opens on the pages.
#[derive(Debug, Clone)]
pub enum StaffLogin {
    /// The back office.
    Signed(PageSession),
    /// A session waiting for the second factor: its code, or (an admin without one) its
    /// setting up.
    SecondFactor(PageSession),
}

/// PRV-8: a member of staff logs in on the back-office pages, under the same per-address
/// limit as customers; the old session is dropped. A member with a second factor, and
/// every admin, goes on to it; every login is in the security log.
pub async fn log_in_staff(
    app: &App,
    old: Option<&PageSession>,
    email: &str,
    password: &str,
    client: &str,
) -> Result<StaffLogin, AppError> {
    let staff = throttled(app, email, async {
        match crate::staff::authenticate(app, email, password).await? {
            Some(s) => Ok(s),
            None => {
                if let Some(s) = crate::staff::by_email(app, email).await? {
                    crate::team::log_refused_login(
                        app,
                        &s.id,
                        "page",
                        "invalid_credentials",
                        client,
                    )
                    .await?;
                }
                Err(AppError::from(Refusal::of(
                    RefusalKind::Unauthorized,
                    "invalid_credentials",
                    "wrong e-mail address or password",
                )))
            }
        }
    })
    .await?;
    if let Some(old) = old {
        end(app, &old.id).await?;
    }
    if staff.second_factor || staff.role == ecrin_core::account::Role::Admin {
        let pending = start_for(app, None, None, Some(staff.id)).await?;
        return Ok(StaffLogin::SecondFactor(pending));
    }
    crate::team::log_login(app, &staff.id, "page", "password", client).await?;
    Ok(StaffLogin::Signed(
        start_for(app, None, Some(staff.id), None).await?,
    ))
}

/// The second step of a staff login: the code of the authenticator app or a recovery
/// code, under the per-address limit. The waiting session ends and a signed one begins.
pub async fn second_factor(
    app: &App,
    pending: &PageSession,
    code: &str,
    client: &str,
) -> Result<PageSession, AppError> {
    let id = pending
        .pending_staff_id
        .as_deref()
        .ok_or(AppError::NotFound)?;
    let staff = crate::backoffice::staff(app, id).await?;
    let how = throttled(app, &staff.email, async {
        match crate::team::check_second_factor(app, &staff, code).await {
            Err(e) => {
                crate::team::log_refused_login(
                    app,
                    &staff.id,
                    "page",
                    "invalid_second_factor",
                    client,
                )
                .await?;
                Err(e)
            }
            ok => ok,
        }
    })
    .await?;
    signed_after_second_factor(app, pending, &staff.id, how, client).await
}

/// Ends the waiting session and begins the signed one, with the login in the security log.
pub async fn signed_after_second_factor(
    app: &App,
    pending: &PageSession,
    staff_id: &str,
    how: &str,
    client: &str,
) -> Result<PageSession, AppError> {
    end(app, &pending.id).await?;
    crate::team::log_login(app, staff_id, "page", how, client).await?;
    start_for(app, None, Some(staff_id.to_owned()), None).await
}
