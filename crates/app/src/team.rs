//! PRV-8: the house's team. Admins invite members of staff by e-mail, change their role,
//! disable them and reset their access; each member sets a second factor (an
//! authenticator app, RFC 6238), which admins must have before they can do anything, with
//! recovery codes for a lost phone. Every login and change is in the security log.

use crate::customers::{random_hex, token_hash};
use crate::emails::{self, Message};
use crate::i18n::Tr;
use crate::{App, AppError, backoffice, passwords};
use ecrin_core::Lang;
use ecrin_core::account::{Email, Role};
use ecrin_core::refusal::{Refusal, RefusalKind};
use ecrin_store::{Staff, StaffEvent};

/// An invitation or a reset link lasts three days.
pub const INVITATION_TTL_MS: i64 = 72 * 3_600_000;

/// How many recovery codes a member of staff gets, each usable once.
pub const RECOVERY_CODES: usize = 10;

/// The password of an invited member until they choose one: not a hash, so no password
/// matches it.
const NO_PASSWORD: &str = "!invited";

/// Who acts and from where, for the security log.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub staff_id: &'a str,
    /// The client's address.
    pub client: &'a str,
}

fn event(
    staff_id: &str,
    actor: Option<&str>,
    kind: &str,
    detail: String,
    client: &str,
    at: i64,
) -> StaffEvent {
    StaffEvent {
        at,
        staff_id: staff_id.to_owned(),
        actor_id: actor.map(str::to_owned),
        event: kind.to_owned(),
        detail,
        client: client.to_owned(),
    }
}

/// The admin acting, refused to anyone else.
async fn admin(app: &App, admin_id: &str) -> Result<Staff, AppError> {
    let admin = backoffice::staff(app, admin_id).await?;
    backoffice::require(&admin, &[Role::Admin])?;
    Ok(admin)
}

/// Every member of staff, for an admin.
pub async fn members(app: &App, admin_id: &str) -> Result<Vec<Staff>, AppError> {
    admin(app, admin_id).await?;
    Ok(app.store.staff_list().await?)
}

/// The security log, newest first, for an admin.
pub async fn security_log(
    app: &App,
    admin_id: &str,
    limit: i64,
) -> Result<Vec<StaffEvent>, AppError> {
    admin(app, admin_id).await?;
    Ok(app.store.security_log(limit.clamp(1, 1000)).await?)
}

fn invalid(detail: &str) -> AppError {
    Refusal::of(RefusalKind::Invalid, "validation_failed", detail).into()
}

/// Invites a member of staff: their account exists at once, without a password; the
/// e-mailed link (three days) lets them choose one.
pub async fn invite(
    app: &App,
    by: Actor<'_>,
    email: &str,
    name: &str,
    role: Role,
    lang: Lang,
) -> Result<Staff, AppError> {
    admin(app, by.staff_id).await?;
    let email = Email::parse(email).ok_or_else(|| invalid("email: not an e-mail address"))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(invalid("name: 1 to 200 printable characters"));
    }
    let key = email.key();
    if app.store.staff_by_email(&key).await?.is_some() {
        return Err(Refusal::conflict("a member of staff already has this address").into());
    }
    let now = app.clock.now_ms();
    let staff = Staff {
        id: crate::staff::staff_id(&key, now),
        email: email.as_str().to_owned(),
        name: name.to_owned(),
        role,
        password_hash: NO_PASSWORD.to_owned(),
        disabled: false,
        created_at_ms: now,
        second_factor: false,
    };
    let mut tx = app.store.begin().await?;
    tx.insert_staff(&staff, &key).await?;
    let detail = role.as_str().to_owned();
    tx.log_security(&event(
        &staff.id,
        Some(by.staff_id),
        "invited",
        detail,
        by.client,
        now,
    ))
    .await?;
    send_link(tx.as_mut(), app, &staff, lang, "invite", now).await?;
    tx.commit().await?;
    Ok(staff)
}

/// Writes a single-use link for `staff` and e-mails it (`kind`: `invite` or `reset`).
async fn send_link(
    tx: &mut dyn ecrin_store::Tx,
    app: &App,
    staff: &Staff,
    lang: Lang,
    kind: &str,
    now: i64,
) -> Result<(), AppError> {
    let token = random_hex(32)?;
    tx.insert_staff_invitation(&token_hash(&token), &staff.id, now, now + INVITATION_TTL_MS)
        .await?;
    let t = Tr::new(lang);
    let shop = app.profile.shop_name.clone();
    let message = Message {
        to: staff.email.clone(),
        lang,
        subject: t.with(
            &format!("email-staff-{kind}-subject"),
            &[("shop", shop.clone())],
        ),
        greeting: t.with("email-greeting", &[("name", staff.name.clone())]),
        paragraphs: vec![
            t.with(&format!("email-staff-{kind}-text"), &[("shop", shop)]),
            t.t("email-staff-link-expires"),
        ],
        button: Some((
            t.t("email-staff-link-button"),
            format!(
                "{}/{}/staff/invitation?token={token}",
                app.public_url,
                lang.code()
            ),
        )),
    };
    emails::enqueue(tx, app, message).await
}

/// Who an invitation is for, to greet them on its page.
pub async fn invitation(app: &App, token: &str) -> Result<Staff, AppError> {
    app.store
        .invitation_staff(&token_hash(token.trim()), app.clock.now_ms())
        .await?
        .filter(|s| !s.disabled)
        .ok_or_else(invalid_link)
}

fn invalid_link() -> AppError {
    Refusal::new(
        "invalid_token",
        "this link is unknown, already used or expired",
    )
    .into()
}

/// The invited (or reset) member chooses their password; the link is then used up.
pub async fn accept_invitation(
    app: &App,
    token: &str,
    password: &str,
    client: &str,
) -> Result<Staff, AppError> {
    let staff = invitation(app, token).await?;
    crate::staff::check_staff_password(app, &staff.email, password)?;
    let hash = passwords::hash(password.to_owned()).await?;
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    let id = tx
        .use_staff_invitation(&token_hash(token.trim()), now)
        .await?
        .ok_or_else(invalid_link)?;
    tx.set_staff_password(&id, &hash).await?;
    tx.log_security(&event(
        &id,
        Some(&id),
        "password_set",
        String::new(),
        client,
        now,
    ))
    .await?;
    tx.commit().await?;
    Ok(staff)
}

/// What an admin may change of another member: their role, or whether they may log in.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

fn not_yourself() -> AppError {
    Refusal::new(
        "own_account",
        "an admin cannot change their own role or access; another admin can",
    )
    .into()
}

/// The member an admin acts on: another one than themselves.
async fn other_member(app: &App, by: Actor<'_>, staff_id: &str) -> Result<Staff, AppError> {
    admin(app, by.staff_id).await?;
    if staff_id == by.staff_id {
        return Err(not_yourself());
    }
    app.store
        .staff_by_id(staff_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Changes a member's role or access. A disabled member's sessions end at once.
pub async fn change(
    app: &App,
    by: Actor<'_>,
    staff_id: &str,
    change: Change,
) -> Result<Staff, AppError> {
    let target = other_member(app, by, staff_id).await?;
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    if let Some(role) = change.role.filter(|r| *r != target.role) {
        tx.set_staff_role(staff_id, role).await?;
        let detail = format!("{} → {}", target.role.as_str(), role.as_str());
        tx.log_security(&event(
            staff_id,
            Some(by.staff_id),
            "role_changed",
            detail,
            by.client,
            now,
        ))
        .await?;
    }
    if let Some(disabled) = change.disabled.filter(|d| *d != target.disabled) {
        tx.set_staff_disabled(staff_id, disabled).await?;
        if disabled {
            tx.end_staff_sessions(staff_id, now).await?;
        }
        let kind = if disabled { "disabled" } else { "enabled" };
        tx.log_security(&event(
            staff_id,
            Some(by.staff_id),
            kind,
            String::new(),
            by.client,
            now,
        ))
        .await?;
    }
    tx.commit().await?;
    app.store
        .staff_by_id(staff_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Resets a member's access (a forgotten password, a lost phone): their password and
/// second factor are removed, their sessions end, and a new link is e-mailed.
pub async fn reset(app: &App, by: Actor<'_>, staff_id: &str, lang: Lang) -> Result<(), AppError> {
    let target = other_member(app, by, staff_id).await?;
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    tx.end_staff_sessions(staff_id, now).await?;
    tx.set_staff_password(staff_id, NO_PASSWORD).await?;
    tx.set_totp_secret(staff_id, None).await?;
    tx.replace_recovery_codes(staff_id, &[]).await?;
    tx.log_security(&event(
        staff_id,
        Some(by.staff_id),
        "reset",
        String::new(),
        by.client,
        now,
    ))
    .await?;
    send_link(tx.as_mut(), app, &target, lang, "reset", now).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a member's second factor from the server's command line (the sole admin lost
/// their phone and their recovery codes): their sessions end, and they set a new one up
/// at their next login. In the security log as done on the server.
pub async fn remove_second_factor(app: &App, email: &str) -> Result<Staff, AppError> {
    let staff = crate::staff::by_email(app, email)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    tx.end_staff_sessions(&staff.id, now).await?;
    tx.set_totp_secret(&staff.id, None).await?;
    tx.replace_recovery_codes(&staff.id, &[]).await?;
    tx.log_security(&event(
        &staff.id,
        None,
        "second_factor_removed",
        "command line".to_owned(),
        "server",
        now,
    ))
    .await?;
    tx.commit().await?;
    Ok(staff)
}

/// A second factor being set up: the secret to type into the app, the `otpauth://` link
/// its QR code carries, and that QR code as SVG.
#[derive(Clone)]
pub struct Enrolment {
    pub secret: String,
    pub uri: String,
    pub qr_svg: String,
}

fn totp(secret: &str, account: &str, issuer: &str) -> Result<totp_rs::Totp, AppError> {
    let secret = totp_rs::Secret::try_from_base32(secret)
        .map_err(|e| AppError::Internal(format!("second factor secret: {e}")))?;
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_account_name(account.replace(':', " "))
        .with_issuer(Some(issuer.replace(':', " ")))
        .build()
        .map_err(|e| AppError::Internal(format!("second factor: {e}")))
}

fn second_factor_on() -> AppError {
    Refusal::conflict("the second factor is already set; an admin can reset it").into()
}

/// Starts setting up a second factor: a new secret, kept until the first code confirms
/// it. Asking again before confirming gives a new secret.
pub async fn begin_second_factor(app: &App, staff_id: &str) -> Result<Enrolment, AppError> {
    let staff = app
        .store
        .staff_by_id(staff_id)
        .await?
        .filter(|s| !s.disabled)
        .ok_or(AppError::NotFound)?;
    if staff.second_factor {
        return Err(second_factor_on());
    }
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    let secret = totp_rs::Secret::from(bytes.to_vec()).to_base32();
    let mut tx = app.store.begin().await?;
    tx.set_totp_secret(&staff.id, Some(&secret)).await?;
    tx.commit().await?;
    enrolment(app, &staff, secret)
}

/// The secret being set up, shown again (a page reloaded); `None` when there is none.
pub async fn pending_second_factor(
    app: &App,
    staff_id: &str,
) -> Result<Option<Enrolment>, AppError> {
    let Some(staff) = app.store.staff_by_id(staff_id).await? else {
        return Ok(None);
    };
    let t = app.store.staff_totp(staff_id).await?;
    match t {
        Some(t) if t.totp_enabled_at.is_none() => match t.totp_secret {
            Some(secret) => enrolment(app, &staff, secret).map(Some),
            None => Ok(None),
        },
        _ => Ok(None),
    }
}

fn enrolment(app: &App, staff: &Staff, secret: String) -> Result<Enrolment, AppError> {
    let uri = totp(&secret, &staff.email, &app.profile.shop_name)?
        .to_url()
        .map_err(|e| AppError::Internal(format!("second factor: {e}")))?;
    let qr_svg = qr_svg(&uri)?;
    Ok(Enrolment {
        secret,
        uri,
        qr_svg,
    })
}

/// A QR code as an SVG of dark squares on white, with its quiet zone.
fn qr_svg(text: &str) -> Result<String, AppError> {
    use qrcodegen::{QrCode, QrCodeEcc};
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium)
        .map_err(|e| AppError::Internal(format!("QR code: {e:?}")))?;
    let size = qr.size();
    let side = size + 8;
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + 4, y + 4));
            }
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" \
         width=\"220\" height=\"220\" shape-rendering=\"crispEdges\" role=\"img\">\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

fn now_s(app: &App) -> u64 {
    u64::try_from(app.clock.now_ms() / 1000).unwrap_or(0)
}

fn wrong_code() -> AppError {
    Refusal::of(
        RefusalKind::Unauthorized,
        "invalid_second_factor",
        "this code is wrong, already used or expired",
    )
    .into()
}

/// Confirms the secret with a first code from the app: the second factor is on, and the
/// recovery codes are given, this once.
pub async fn confirm_second_factor(
    app: &App,
    staff_id: &str,
    code: &str,
    client: &str,
) -> Result<Vec<String>, AppError> {
    let staff = app
        .store
        .staff_by_id(staff_id)
        .await?
        .filter(|s| !s.disabled)
        .ok_or(AppError::NotFound)?;
    if staff.second_factor {
        return Err(second_factor_on());
    }
    let secret = app
        .store
        .staff_totp(staff_id)
        .await?
        .and_then(|t| t.totp_secret)
        .ok_or_else(|| Refusal::new("second_factor_not_started", "ask for a secret first"))?;
    let step = totp(&secret, &staff.email, &app.profile.shop_name)?
        .check(&digits(code), now_s(app))
        .ok_or_else(wrong_code)?;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        codes.push(recovery_code()?);
    }
    let hashes: Vec<String> = codes.iter().map(|c| token_hash(&normal_code(c))).collect();
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    tx.enable_totp(staff_id, now, i64::try_from(step).unwrap_or(i64::MAX))
        .await?;
    tx.replace_recovery_codes(staff_id, &hashes).await?;
    tx.log_security(&event(
        staff_id,
        Some(staff_id),
        "second_factor_enabled",
        String::new(),
        client,
        now,
    ))
    .await?;
    tx.commit().await?;
    Ok(codes)
}

/// A code's digits, whatever spaces the app shows between them.
fn digits(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Recovery codes are read without case, dashes or spaces.
fn normal_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Ten characters of an alphabet without look-alikes, as `xxxxx-xxxxx` (about 50 bits).
fn recovery_code() -> Result<String, AppError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    Ok(format!("{}-{}", &chars[..5], &chars[5..]))
}

/// Checks a member's second factor: a code of the app (each time step once, one step of
/// skew either side), or an unused recovery code. Returns how it was given.
pub async fn check_second_factor(
    app: &App,
    staff: &Staff,
    code: &str,
) -> Result<&'static str, AppError> {
    let code = code.trim();
    let Some(t) = app.store.staff_totp(&staff.id).await? else {
        return Err(wrong_code());
    };
    let (Some(secret), Some(_)) = (t.totp_secret, t.totp_enabled_at) else {
        return Err(wrong_code());
    };
    let mut tx = app.store.begin().await?;
    let how = if digits(code).chars().all(|c| c.is_ascii_digit()) {
        let step = totp(&secret, &staff.email, &app.profile.shop_name)?
            .check(&digits(code), now_s(app))
            .ok_or_else(wrong_code)?;
        if !tx
            .take_totp_step(&staff.id, i64::try_from(step).unwrap_or(i64::MAX))
            .await?
        {
            return Err(wrong_code());
        }
        "authenticator"
    } else {
        let hash = token_hash(&normal_code(code));
        if !tx
            .use_recovery_code(&staff.id, &hash, app.clock.now_ms())
            .await?
        {
            return Err(wrong_code());
        }
        "recovery_code"
    };
    tx.commit().await?;
    Ok(how)
}

/// Writes a staff login to the security log (`how`: `password`, `authenticator`,
/// `recovery_code`; `channel`: `page` or `api`).
pub async fn log_login(
    app: &App,
    staff_id: &str,
    channel: &str,
    how: &str,
    client: &str,
) -> Result<(), AppError> {
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    tx.log_security(&event(
        staff_id,
        Some(staff_id),
        "login",
        format!("{channel}, {how}"),
        client,
        now,
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Writes a refused staff login (a known address) to the security log.
pub async fn log_refused_login(
    app: &App,
    staff_id: &str,
    channel: &str,
    code: &str,
    client: &str,
) -> Result<(), AppError> {
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    tx.log_security(&event(
        staff_id,
        None,
        "login_refused",
        format!("{channel}, {code}"),
        client,
        now,
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}
