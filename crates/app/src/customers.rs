//! Customer accounts: sign-up (ACC-1 … ACC-4), activation by e-mailed link, login and
//! logout with bearer tokens (ACC-3, ACC-7), the customer's own record (ACC-5).

use crate::emails::{self, Message};
use crate::fields::Checks;
use crate::i18n::Tr;
use crate::{App, AppError, passwords, staff};
use ecrin_core::Refusal;
use ecrin_core::account::{AccountStatus, Email, check_password};
use ecrin_core::{Lang, query::FieldError};
use ecrin_store::{Customer, Subject, TokenPurpose};
use sha2::{Digest, Sha256};

const HOUR_MS: i64 = 3_600_000;
/// How long an activation link stays valid.
pub const ACTIVATION_TTL_MS: i64 = 72 * HOUR_MS;
/// Reset links and sign-up e-mails per address and hour, whether the address is known or
/// not.
pub const RESETS_PER_HOUR: i64 = 5;
pub const SIGN_UPS_PER_HOUR: i64 = 5;
/// How long a bearer token stays valid.
pub const API_TOKEN_TTL_MS: i64 = 30 * 24 * HOUR_MS;

/// Random bytes as hex: identifiers and tokens.
pub fn random_hex(bytes: usize) -> Result<String, AppError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    Ok(hex::encode(buf))
}

/// An identifier that sorts by creation time (then 80 random bits): rows keyed by it go
/// in at the end of their index instead of anywhere in it, which keeps each commit to a
/// few pages however large the table grows.
pub(crate) fn ordered_id(app: &App, prefix: &str) -> Result<String, AppError> {
    ordered_id_at(prefix, app.clock.now_ms())
}

/// [`ordered_id`] for a row created at `now_ms`.
pub(crate) fn ordered_id_at(prefix: &str, now_ms: i64) -> Result<String, AppError> {
    let ms = u64::try_from(now_ms).unwrap_or(0);
    Ok(format!("{prefix}_{ms:012x}{}", random_hex(10)?))
}

/// Tokens are kept as their SHA-256 only: a stolen database holds no usable token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(Debug, Clone, Default)]
pub struct SignUp {
    pub email: String,
    pub password: String,
    pub given_name: String,
    pub family_name: String,
    pub title: String,
    pub phone: String,
    pub declares_adult_consumer: bool,
    pub marketing_opt_in: bool,
    pub lang: Option<Lang>,
}

fn check_fields(s: &SignUp) -> Result<Email, Vec<FieldError>> {
    let mut c = Checks::new();
    let email = c.email("email", &s.email);
    c.line("given_name", &s.given_name, true, 100);
    c.line("family_name", &s.family_name, true, 100);
    c.line("title", &s.title, false, 100);
    c.phone("phone", &s.phone);
    c.finish()?;
    email.ok_or_else(Vec::new)
}

/// ACC-1 … ACC-4. A known address creates nothing, changes nothing and e-mails its owner;
/// the answer is the same as for a new account, so nobody can probe who is a customer.
#[tracing::instrument(skip_all)]
pub async fn sign_up(app: &App, s: SignUp) -> Result<(), AppError> {
    let email = check_fields(&s).map_err(AppError::Invalid)?;
    if !s.declares_adult_consumer {
        return Err(Refusal::new(
            "not_eligible",
            "the shop sells to adults buying for themselves; businesses may ask for a quote",
        )
        .into());
    }
    check_password(&app.profile, &s.password, Some(&email))?;
    crate::contact::limit(app, &format!("signup:{}", email.key()), SIGN_UPS_PER_HOUR).await?;
    let lang = s
        .lang
        .filter(|l| app.profile.speaks(*l))
        .unwrap_or(app.profile.default_lang());
    let t = Tr::new(lang);
    // Hash in both cases: the time taken must not tell the answer either.
    let hash = passwords::hash(s.password.clone()).await?;
    let key = email.key();
    let now = app.clock.now_ms();
    let existing = app.store.customer_by_email(&key).await?;
    let mut tx = app.store.begin().await?;
    if let Some(owner) = existing {
        let owner_lang = owner.language.parse().unwrap_or(lang);
        let t = Tr::new(owner_lang);
        let message = Message {
            to: owner.email.clone(),
            lang: owner_lang,
            subject: t.with(
                "email-already-subject",
                &[("shop", app.profile.shop_name.clone())],
            ),
            greeting: t.with("email-greeting", &[("name", owner.given_name.clone())]),
            paragraphs: vec![t.t("email-already-text")],
            button: Some((
                t.t("email-already-button"),
                format!("{}/{}/account/login", app.public_url, owner_lang.code()),
            )),
        };
        emails::enqueue(tx.as_mut(), app, message).await?;
        tx.commit().await?;
        return Ok(());
    }
    let customer = Customer {
        id: format!("cus_{}", random_hex(10)?),
        email: email.as_str().to_owned(),
        password_hash: hash,
        title: s.title.trim().to_owned(),
        given_name: s.given_name.trim().to_owned(),
        family_name: s.family_name.trim().to_owned(),
        phone: s.phone.trim().to_owned(),
        language: lang.code().to_owned(),
        status: AccountStatus::Pending,
        created_at_ms: now,
        activated_at_ms: None,
    };
    let token = random_hex(32)?;
    tx.insert_customer(&customer, &key).await?;
    tx.insert_account_token(
        &token_hash(&token),
        &customer.id,
        TokenPurpose::Activation,
        now,
        now + ACTIVATION_TTL_MS,
    )
    .await?;
    tx.record_consent(
        &customer.id,
        "marketing_email",
        s.marketing_opt_in,
        &t.t("consent-marketing-wording"),
        now,
    )
    .await?;
    let message = Message {
        to: customer.email.clone(),
        lang,
        subject: t.with(
            "email-activation-subject",
            &[("shop", app.profile.shop_name.clone())],
        ),
        greeting: t.with("email-greeting", &[("name", customer.given_name.clone())]),
        paragraphs: vec![t.t("email-activation-text"), t.t("email-activation-expiry")],
        button: Some((
            t.t("email-activation-button"),
            format!(
                "{}/{}/account/activate?token={token}",
                app.public_url,
                lang.code()
            ),
        )),
    };
    emails::enqueue(tx.as_mut(), app, message).await?;
    tx.commit().await?;
    Ok(())
}

/// ACC-3: follows an activation link once; an unknown, used or expired token is refused.
pub async fn activate(app: &App, token: &str) -> Result<Customer, AppError> {
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    let id = tx
        .use_account_token(&token_hash(token.trim()), TokenPurpose::Activation, now)
        .await?
        .ok_or_else(|| {
            Refusal::new(
                "invalid_token",
                "this link is unknown, already used or expired",
            )
        })?;
    tx.set_customer_status(&id, AccountStatus::Active, now)
        .await?;
    tx.commit().await?;
    app.store
        .customer_by_id(&id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A bearer token and what it opens.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub subject: Subject,
    pub role: Option<ecrin_core::account::Role>,
    pub expires_at_ms: i64,
}

/// Customers and staff log in alike. A wrong address or password is always
/// `invalid_credentials`; the state of the account is said only to the right password.
/// PRV-8: a member of staff with a second factor gives its code as `otp`
/// (`second_factor_required` without it); an admin without one sets it up on the
/// back-office pages first (`second_factor_setup_required`). Staff logins are in the
/// security log.
pub async fn log_in(
    app: &App,
    email: &str,
    password: &str,
    otp: Option<&str>,
    client: &str,
) -> Result<Session, AppError> {
    let key = Email::parse(email).map(|e| e.key()).unwrap_or_default();
    let now = app.clock.now_ms();
    let (subject, role) = crate::sessions::throttled(app, email, async {
        if app.store.customer_by_email(&key).await?.is_some() {
            let c = crate::sessions::check_customer(app, email, password).await?;
            return Ok((Subject::Customer(c.id), None));
        }
        let s = match staff::authenticate(app, email, password).await? {
            Some(s) => s,
            None => {
                if let Some(s) = staff::by_email(app, email).await? {
                    crate::team::log_refused_login(
                        app,
                        &s.id,
                        "api",
                        "invalid_credentials",
                        client,
                    )
                    .await?;
                }
                return Err(invalid_credentials());
            }
        };
        let how = if s.second_factor {
            let Some(otp) = otp.filter(|o| !o.trim().is_empty()) else {
                return Err(Refusal::of(
                    ecrin_core::refusal::RefusalKind::Unauthorized,
                    "second_factor_required",
                    "give the code of your authenticator app (or a recovery code) as otp",
                )
                .into());
            };
            match crate::team::check_second_factor(app, &s, otp).await {
                Ok(how) => how,
                Err(e) => {
                    crate::team::log_refused_login(
                        app,
                        &s.id,
                        "api",
                        "invalid_second_factor",
                        client,
                    )
                    .await?;
                    return Err(e);
                }
            }
        } else if s.role == ecrin_core::account::Role::Admin {
            return Err(Refusal::of(
                ecrin_core::refusal::RefusalKind::Forbidden,
                "second_factor_setup_required",
                "an admin sets up a second factor on the back-office pages before using the API",
            )
            .into());
        } else {
            "password"
        };
        crate::team::log_login(app, &s.id, "api", how, client).await?;
        Ok((Subject::Staff(s.id), Some(s.role)))
    })
    .await?;
    let token = random_hex(32)?;
    let expires = now + API_TOKEN_TTL_MS;
    let mut tx = app.store.begin().await?;
    tx.insert_api_token(&token_hash(&token), &subject, now, expires)
        .await?;
    tx.commit().await?;
    Ok(Session {
        token,
        subject,
        role,
        expires_at_ms: expires,
    })
}

fn invalid_credentials() -> AppError {
    Refusal::of(
        ecrin_core::refusal::RefusalKind::Unauthorized,
        "invalid_credentials",
        "wrong e-mail address or password",
    )
    .into()
}

/// Who a bearer token belongs to, if it is valid now.
pub async fn subject_of(app: &App, token: &str) -> Result<Option<Subject>, AppError> {
    Ok(app
        .store
        .api_token_subject(&token_hash(token), app.clock.now_ms())
        .await?)
}

pub async fn log_out(app: &App, token: &str) -> Result<(), AppError> {
    let mut tx = app.store.begin().await?;
    tx.revoke_api_token(&token_hash(token), app.clock.now_ms())
        .await?;
    tx.commit().await?;
    Ok(())
}

/// How long a password-reset link stays valid.
pub const RESET_TTL_MS: i64 = HOUR_MS;

/// ACC-8: e-mails a single-use reset link to a known address. The answer is the same for
/// any address, known or not.
pub async fn request_password_reset(app: &App, email: &str) -> Result<(), AppError> {
    let Some(email) = Email::parse(email) else {
        return Ok(());
    };
    // Per address, known or not: nobody can flood an inbox with links.
    crate::contact::limit(app, &format!("reset:{}", email.key()), RESETS_PER_HOUR).await?;
    let Some(c) = app.store.customer_by_email(&email.key()).await? else {
        return Ok(());
    };
    if matches!(
        c.status,
        AccountStatus::Closed | AccountStatus::Suspended | AccountStatus::Locked
    ) {
        return Ok(());
    }
    let lang: Lang = c.language.parse().unwrap_or(app.profile.default_lang());
    let t = Tr::new(lang);
    let now = app.clock.now_ms();
    let token = random_hex(32)?;
    let mut tx = app.store.begin().await?;
    tx.insert_account_token(
        &token_hash(&token),
        &c.id,
        TokenPurpose::PasswordReset,
        now,
        now + RESET_TTL_MS,
    )
    .await?;
    let message = Message {
        to: c.email.clone(),
        lang,
        subject: t.with(
            "email-reset-subject",
            &[("shop", app.profile.shop_name.clone())],
        ),
        greeting: t.with("email-greeting", &[("name", c.given_name.clone())]),
        paragraphs: vec![t.t("email-reset-text"), t.t("email-reset-not-you")],
        button: Some((
            t.t("email-reset-button"),
            format!(
                "{}/{}/account/reset?token={token}",
                app.public_url,
                lang.code()
            ),
        )),
    };
    emails::enqueue(tx.as_mut(), app, message).await?;
    tx.commit().await?;
    Ok(())
}

/// ACC-8: sets a new password with a reset token (single use, one hour). Every session of
/// the account ends.
pub async fn reset_password(app: &App, token: &str, password: &str) -> Result<(), AppError> {
    let now = app.clock.now_ms();
    // A refused password rolls the transaction back: the link stays usable.
    let hash_of_token = token_hash(token.trim());
    let mut tx = app.store.begin().await?;
    let id = tx
        .use_account_token(&hash_of_token, TokenPurpose::PasswordReset, now)
        .await?
        .ok_or_else(|| {
            Refusal::new(
                "invalid_token",
                "this link is unknown, already used or expired",
            )
        })?;
    let customer = app
        .store
        .customer_by_id(&id)
        .await?
        .ok_or(AppError::NotFound)?;
    let email = Email::parse(&customer.email);
    check_password(&app.profile, password, email.as_ref())?;
    let hash = passwords::hash(password.to_owned()).await?;
    tx.set_customer_password(&id, &hash).await?;
    tx.end_customer_sessions(&id, now).await?;
    if customer.status == AccountStatus::Pending {
        // Following a link sent to the address proves it, as activation does.
        tx.set_customer_status(&id, AccountStatus::Active, now)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// ACC-8: the customer reports that someone else uses their identity: the account is
/// locked pending review and every session ends.
pub async fn report_misuse(app: &App, customer_id: &str) -> Result<(), AppError> {
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    tx.set_customer_status(customer_id, AccountStatus::Locked, now)
        .await?;
    tx.end_customer_sessions(customer_id, now).await?;
    tx.commit().await?;
    Ok(())
}

/// A customer's account, in whatever state it is.
pub async fn customer(app: &App, id: &str) -> Result<Option<Customer>, AppError> {
    Ok(app.store.customer_by_id(id).await?)
}

/// ACC-5: a customer's saved addresses, the default first.
pub async fn addresses(
    app: &App,
    customer_id: &str,
) -> Result<Vec<ecrin_store::Address>, AppError> {
    Ok(app.store.addresses_of(customer_id).await?)
}
