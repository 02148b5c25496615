//! PRV-8: staff accounts. The first admin comes from the settings; others are created by
//! an admin (`ecrin admin create-staff`).

use crate::{App, AppError, passwords};
use ecrin_core::Refusal;
use ecrin_core::account::{Email, Role, check_password};
use ecrin_store::Staff;

/// Staff passwords are at least this long, whatever the profile lets customers use.
pub const STAFF_PASSWORD_MIN: usize = 12;

pub(crate) fn staff_id(email_key: &str, now_ms: i64) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{email_key}:{now_ms}").as_bytes());
    format!("stf_{}", &hex::encode(digest)[..20])
}

/// Creates a member of staff. The address must be new (`conflict` otherwise).
#[tracing::instrument(skip(app, password))]
pub async fn create_staff(
    app: &App,
    email: &str,
    name: &str,
    role: Role,
    password: &str,
) -> Result<Staff, AppError> {
    let email = Email::parse(email).ok_or_else(|| {
        Refusal::of(
            ecrin_core::refusal::RefusalKind::Invalid,
            "validation_failed",
            "email: not an e-mail address",
        )
    })?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(Refusal::of(
            ecrin_core::refusal::RefusalKind::Invalid,
            "validation_failed",
            "name: 1 to 200 printable characters",
        )
        .into());
    }
    check_staff_password(app, email.as_str(), password)?;
    let key = email.key();
    if app.store.staff_by_email(&key).await?.is_some() {
        return Err(Refusal::conflict("a member of staff already has this address").into());
    }
    let now = app.clock.now_ms();
    let staff = Staff {
        id: staff_id(&key, now),
        email: email.as_str().to_owned(),
        name: name.to_owned(),
        role,
        password_hash: passwords::hash(password.to_owned()).await?,
        disabled: false,
        created_at_ms: now,
        second_factor: false,
    };
    let mut tx = app.store.begin().await?;
    tx.insert_staff(&staff, &key).await?;
    tx.commit().await?;
    Ok(staff)
}

/// A staff password: the profile's rules, and at least [`STAFF_PASSWORD_MIN`] characters.
pub(crate) fn check_staff_password(app: &App, email: &str, password: &str) -> Result<(), AppError> {
    if password.chars().count() < STAFF_PASSWORD_MIN {
        return Err(Refusal::new(
            "weak_password",
            format!("staff passwords have at least {STAFF_PASSWORD_MIN} characters"),
        )
        .into());
    }
    check_password(&app.profile, password, Email::parse(email).as_ref())?;
    Ok(())
}

/// The first admin: created from the settings when no member of staff has that address.
/// Returns whether it was created now.
pub async fn ensure_first_admin(app: &App, email: &str, password: &str) -> Result<bool, AppError> {
    let key = Email::parse(email).map(|e| e.key()).unwrap_or_default();
    if app.store.staff_by_email(&key).await?.is_some() {
        return Ok(false);
    }
    create_staff(app, email, "Administrator", Role::Admin, password).await?;
    Ok(true)
}

/// A member of staff by e-mail address (for the command line, which acts as one).
pub async fn by_email(app: &App, email: &str) -> Result<Option<Staff>, AppError> {
    let key = Email::parse(email).map(|e| e.key()).unwrap_or_default();
    Ok(app.store.staff_by_email(&key).await?)
}

/// A member of staff by id, disabled or not.
pub async fn by_id(app: &App, id: &str) -> Result<Option<Staff>, AppError> {
    Ok(app.store.staff_by_id(id).await?)
}

/// Checks a member of staff's credentials; `None` for a wrong address or password alike.
pub async fn authenticate(
    app: &App,
    email: &str,
    password: &str,
) -> Result<Option<Staff>, AppError> {
    let key = Email::parse(email).map(|e| e.key()).unwrap_or_default();
    let staff = app.store.staff_by_email(&key).await?;
    // Hash even for an unknown address, so timing does not tell which addresses exist.
    let phc = staff
        .as_ref()
        .map(|s| s.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_owned());
    let ok = passwords::verify(password.to_owned(), phc).await;
    Ok(staff.filter(|s| ok && !s.disabled))
}

/// A valid Argon2id hash of a random string, verified against when the address is unknown.
pub(crate) const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$QH0hIwkx6N6TiPMzQYvmx5m8rJfXYo8Yb4dRJQxNq2A";
