//! Consents (PRV-3): marketing e-mail only with the customer's consent, partner sharing as
//! a separate consent, each change kept with the wording shown; withdrawal from "My
//! Account" or in one click from any marketing e-mail, whose `List-Unsubscribe` header
//! carries the same link.

use crate::backoffice::{require, staff};
use crate::customers::{random_hex, token_hash};
use crate::emails::{self, Message};
use crate::fields::Checks;
use crate::i18n::Tr;
use crate::{App, AppError};
use ecrin_core::Lang;
use ecrin_core::account::Role;
use ecrin_store::{Address, ConsentRecord, Customer};

/// A purpose a customer consents to, and the Fluent id of the sentence they agree to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    MarketingEmail,
    Partners,
    /// PRV-2: the customer asks that their data be kept but no longer used (GDPR art. 18).
    Restriction,
    /// PRV-2: the customer objects to processing for the house's interests, direct
    /// marketing included (GDPR art. 21).
    Objection,
}

impl Purpose {
    pub const ALL: [Purpose; 4] = [
        Purpose::MarketingEmail,
        Purpose::Partners,
        Purpose::Restriction,
        Purpose::Objection,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::MarketingEmail => "marketing_email",
            Purpose::Partners => "partners",
            Purpose::Restriction => "restriction",
            Purpose::Objection => "objection",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn wording_key(self) -> &'static str {
        match self {
            Purpose::MarketingEmail => "consent-marketing-wording",
            Purpose::Partners => "consent-partners-wording",
            Purpose::Restriction => "consent-restriction-wording",
            Purpose::Objection => "consent-objection-wording",
        }
    }
}

/// Where a consent was given or withdrawn; said in the history's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Account,
    UnsubscribeLink,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consents {
    pub marketing_email: bool,
    pub partners: bool,
    pub restriction: bool,
    pub objection: bool,
    pub history: Vec<ConsentRecord>,
}

impl Consents {
    pub fn get(&self, p: Purpose) -> bool {
        match p {
            Purpose::MarketingEmail => self.marketing_email,
            Purpose::Partners => self.partners,
            Purpose::Restriction => self.restriction,
            Purpose::Objection => self.objection,
        }
    }
}

fn lang_of(app: &App, c: &Customer) -> Lang {
    c.language
        .parse::<Lang>()
        .ok()
        .filter(|l| app.profile.speaks(*l))
        .unwrap_or(app.profile.default_lang())
}

/// The customer's standing consents (no record means no consent) and their history.
pub async fn consents(app: &App, customer_id: &str) -> Result<Consents, AppError> {
    let history = app.store.consents_of(customer_id).await?;
    let latest = |p: Purpose| {
        history
            .iter()
            .rev()
            .find(|r| r.purpose == p.as_str())
            .is_some_and(|r| r.granted)
    };
    Ok(Consents {
        marketing_email: latest(Purpose::MarketingEmail),
        partners: latest(Purpose::Partners),
        restriction: latest(Purpose::Restriction),
        objection: latest(Purpose::Objection),
        history,
    })
}

/// Gives or withdraws a consent; recorded only when it changes, with the sentence shown in
/// the customer's language and where it happened.
pub async fn set_consent(
    app: &App,
    customer_id: &str,
    purpose: Purpose,
    granted: bool,
    channel: Channel,
) -> Result<Consents, AppError> {
    let customer = app
        .store
        .customer_by_id(customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = consents(app, customer_id).await?;
    if current.get(purpose) == granted {
        return Ok(current);
    }
    let blocked = current.restriction || current.objection;
    if granted && blocked && matches!(purpose, Purpose::MarketingEmail | Purpose::Partners) {
        return Err(ecrin_core::Refusal::new(
            "processing_restricted",
            "lift the restriction or objection before consenting again",
        )
        .into());
    }
    let t = Tr::new(lang_of(app, &customer));
    let mut wording = t.t(purpose.wording_key());
    if channel == Channel::UnsubscribeLink {
        wording = format!("{wording} — {}", t.t("consent-via-unsubscribe"));
    }
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    tx.record_consent(customer_id, purpose.as_str(), granted, &wording, now)
        .await?;
    // A restriction or an objection ends marketing and partner sharing with it.
    if granted && matches!(purpose, Purpose::Restriction | Purpose::Objection) {
        for p in [Purpose::MarketingEmail, Purpose::Partners] {
            if current.get(p) {
                let wording = format!("{} — {}", t.t(p.wording_key()), t.t(purpose.wording_key()));
                tx.record_consent(customer_id, p.as_str(), false, &wording, now)
                    .await?;
            }
        }
    }
    tx.commit().await?;
    consents(app, customer_id).await
}

/// The page of a marketing e-mail's unsubscribe link.
pub fn unsubscribe_url(app: &App, lang: Lang, token: &str) -> String {
    format!(
        "{}/{}/unsubscribe/{token}",
        app.public_url.trim_end_matches('/'),
        lang.code()
    )
}

/// PRV-3: the one-click withdrawal. An unknown link is `not_found`; a second click
/// changes nothing.
pub async fn unsubscribe(app: &App, token: &str) -> Result<Customer, AppError> {
    if token.is_empty() || token.len() > 128 {
        return Err(AppError::NotFound);
    }
    let id = app
        .store
        .unsubscribe_customer(&token_hash(token))
        .await?
        .ok_or(AppError::NotFound)?;
    set_consent(
        app,
        &id,
        Purpose::MarketingEmail,
        false,
        Channel::UnsubscribeLink,
    )
    .await?;
    app.store
        .customer_by_id(&id)
        .await?
        .ok_or(AppError::NotFound)
}

/// PRV-3: staff send the house's news to the customers who accept marketing e-mail, and
/// to them only; each e-mail carries its own unsubscribe link. Returns how many were sent.
pub async fn send_newsletter(
    app: &App,
    staff_id: &str,
    subject: &str,
    text: &str,
) -> Result<usize, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, &[Role::Admin])?;
    let mut c = Checks::new();
    let subject = c.line("subject", subject, true, 200);
    let text = c.paragraphs("text", text, true, 20_000);
    c.finish().map_err(AppError::Invalid)?;
    let audience = app.store.marketing_audience().await?;
    let now = app.clock.now_ms();
    let mut sent = 0;
    for chunk in audience.chunks(200) {
        let mut tx = app.store.begin().await?;
        for customer in chunk {
            let id = &customer.id;
            let t = Tr::new(lang_of(app, customer));
            let token = random_hex(24)?;
            tx.insert_unsubscribe_link(&token_hash(&token), id, now)
                .await?;
            let url = unsubscribe_url(app, t.lang, &token);
            let mut paragraphs: Vec<String> = text
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect();
            paragraphs.push(t.t("email-marketing-why"));
            let message = Message {
                to: customer.email.clone(),
                lang: t.lang,
                subject: subject.clone(),
                greeting: t.with("email-greeting", &[("name", customer.given_name.clone())]),
                paragraphs,
                button: Some((t.t("email-unsubscribe-button"), url.clone())),
            };
            emails::enqueue_with(tx.as_mut(), app, message, Some(url)).await?;
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}

/// PRV-2: what a customer may correct of their identity; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct Rectification {
    pub title: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub phone: Option<String>,
}

/// PRV-2: corrects the customer's identity, with the same checks as at sign-up.
pub async fn rectify(app: &App, customer_id: &str, r: Rectification) -> Result<Customer, AppError> {
    let mut customer = app
        .store
        .customer_by_id(customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut c = Checks::new();
    if let Some(v) = &r.title {
        customer.title = c.line("title", v, false, 100);
    }
    if let Some(v) = &r.given_name {
        customer.given_name = c.line("given_name", v, true, 100);
    }
    if let Some(v) = &r.family_name {
        customer.family_name = c.line("family_name", v, true, 100);
    }
    if let Some(v) = &r.phone {
        customer.phone = c.phone("phone", v);
    }
    c.finish().map_err(AppError::Invalid)?;
    let mut tx = app.store.begin().await?;
    tx.update_customer_identity(&customer).await?;
    tx.commit().await?;
    Ok(customer)
}

/// ACC-5: an address as typed; checked before it is kept.
#[derive(Debug, Clone, Default)]
pub struct AddressForm {
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
    pub is_default: bool,
}

fn checked_address(f: &AddressForm) -> Result<Address, AppError> {
    let mut c = Checks::new();
    let a = check_address_fields(&mut c, "", f);
    c.finish().map_err(AppError::Invalid)?;
    Ok(a)
}

/// The checks of an address's fields, each field named after `prefix` (`"delivery_address."`
/// at checkout, nothing in the address book).
pub fn check_address_fields(c: &mut Checks, prefix: &str, f: &AddressForm) -> Address {
    let country = f.country.trim().to_ascii_uppercase();
    if !ecrin_core::country::is_iso_code(&country) {
        c.fail(&format!("{prefix}country"), "unknown_country");
    }
    let mut line = |name: &str, value: &str, required: bool, max: usize| {
        c.line(&format!("{prefix}{name}"), value, required, max)
    };
    let label = line("label", &f.label, false, 100);
    let given_name = line("given_name", &f.given_name, true, 100);
    let family_name = line("family_name", &f.family_name, true, 100);
    let company = line("company", &f.company, false, 200);
    let line1 = line("line1", &f.line1, true, 200);
    let line2 = line("line2", &f.line2, false, 200);
    let postcode = line("postcode", &f.postcode, true, 20);
    let city = line("city", &f.city, true, 100);
    let region = line("region", &f.region, false, 100);
    Address {
        label,
        given_name,
        family_name,
        company,
        line1,
        line2,
        postcode,
        city,
        region,
        country,
        phone: c.phone(&format!("{prefix}phone"), &f.phone),
        is_default: f.is_default,
        ..Address::default()
    }
}

/// At most this many addresses per customer.
pub const MAX_ADDRESSES: usize = 20;

/// ACC-5: adds an address; the first one, or one marked so, becomes the default delivery
/// address.
pub async fn add_address(
    app: &App,
    customer_id: &str,
    f: AddressForm,
) -> Result<Address, AppError> {
    let mut a = checked_address(&f)?;
    let existing = app.store.addresses_of(customer_id).await?;
    if existing.len() >= MAX_ADDRESSES {
        return Err(ecrin_core::Refusal::new(
            "too_many_addresses",
            format!("at most {MAX_ADDRESSES} addresses"),
        )
        .into());
    }
    a.id = format!("adr_{}", random_hex(8)?);
    a.customer_id = customer_id.to_owned();
    a.created_at_ms = app.clock.now_ms();
    a.is_default = a.is_default || existing.is_empty();
    let mut tx = app.store.begin().await?;
    tx.insert_address(&Address {
        is_default: false,
        ..a.clone()
    })
    .await?;
    if a.is_default {
        tx.set_default_address(customer_id, &a.id).await?;
    }
    tx.commit().await?;
    Ok(a)
}

/// ACC-5: changes an address; another customer's address is `not_found`.
pub async fn update_address(
    app: &App,
    customer_id: &str,
    id: &str,
    f: AddressForm,
) -> Result<Address, AppError> {
    let mut a = checked_address(&f)?;
    a.id = id.to_owned();
    a.customer_id = customer_id.to_owned();
    let mut tx = app.store.begin().await?;
    if !tx.update_address(&a).await? {
        return Err(AppError::NotFound);
    }
    if a.is_default {
        tx.set_default_address(customer_id, id).await?;
    }
    tx.commit().await?;
    app.store
        .addresses_of(customer_id)
        .await?
        .into_iter()
        .find(|x| x.id == id)
        .ok_or(AppError::NotFound)
}

/// ACC-5: removes an address; when it was the default, the oldest left takes its place.
pub async fn delete_address(app: &App, customer_id: &str, id: &str) -> Result<(), AppError> {
    let mut tx = app.store.begin().await?;
    if !tx.delete_address(customer_id, id).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    let left = app.store.addresses_of(customer_id).await?;
    if !left.iter().any(|a| a.is_default)
        && let Some(first) = left.iter().min_by_key(|a| (a.created_at_ms, a.id.clone()))
    {
        let mut tx = app.store.begin().await?;
        tx.set_default_address(customer_id, &first.id).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// PRV-2: everything held about the customer, machine-readable.
pub async fn export(app: &App, customer_id: &str) -> Result<serde_json::Value, AppError> {
    use serde_json::json;
    let c = app
        .store
        .customer_by_id(customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let time = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.to_string())
            .unwrap_or_default()
    };
    let k = consents(app, customer_id).await?;
    let addresses = app.store.addresses_of(customer_id).await?;
    let basket = crate::basket::basket_of(
        app,
        &ecrin_store::BasketOwner::Customer(customer_id.to_owned()),
    )
    .await?;
    let quotes = app.store.quote_requests_of(customer_id).await?;
    let access = app.store.staff_access_of(customer_id).await?;
    let tickets = app.store.tickets_of(customer_id).await?;
    let orders = app.store.orders_of(customer_id).await?;
    let refusals = app.store.order_refusals(Some(customer_id), 100).await?;
    let store_credit = app.store.store_credit_balance(customer_id).await?;
    let lang = lang_of(app, &c);
    Ok(json!({
        "exported_at": time(app.clock.now_ms()),
        "controller": {
            "name": app.profile.merchant.legal_name,
            "email": app.profile.merchant.email,
        },
        "account": {
            "id": c.id,
            "email": c.email,
            "title": c.title,
            "given_name": c.given_name,
            "family_name": c.family_name,
            "phone": c.phone,
            "language": c.language,
            "status": c.status.as_str(),
            "created_at": time(c.created_at_ms),
            "activated_at": c.activated_at_ms.map(time),
        },
        "addresses": addresses.iter().map(|a| json!({
            "id": a.id, "label": a.label, "given_name": a.given_name,
            "family_name": a.family_name, "company": a.company, "line1": a.line1,
            "line2": a.line2, "postcode": a.postcode, "city": a.city, "region": a.region,
            "country": a.country, "phone": a.phone, "default_delivery": a.is_default,
        })).collect::<Vec<_>>(),
        "consents": {
            "marketing_email": k.marketing_email,
            "partners": k.partners,
            "restriction": k.restriction,
            "objection": k.objection,
            "history": k.history.iter().map(|r| json!({
                "purpose": r.purpose, "granted": r.granted, "wording": r.wording,
                "at": time(r.at_ms),
            })).collect::<Vec<_>>(),
        },
        "basket": basket.lines.iter().map(|l| json!({
            "sku": l.variant.sku, "name": l.variant.name.get(lang),
            "quantity": l.quantity, "personalisation": l.personalisation,
        })).collect::<Vec<_>>(),
        "quote_requests": quotes.iter().map(|q| json!({
            "id": q.id, "company": q.company, "message": q.message,
            "lines": serde_json::from_str::<serde_json::Value>(&q.lines).unwrap_or_default(),
            "at": time(q.created_at_ms),
        })).collect::<Vec<_>>(),
        "messages": tickets.iter().map(|t| json!({
            "reference": t.id, "subject": t.subject, "message": t.message,
            "at": time(t.created_at_ms), "answer": t.answer,
            "answered_at": t.answered_at_ms.map(time),
        })).collect::<Vec<_>>(),
        "staff_access": access.iter().map(|a| json!({
            "action": a.action, "at": time(a.at_ms),
        })).collect::<Vec<_>>(),
        // The orders as placed, with what was accepted and from where (CHK-7), and the
        // orders the house refused (CHK-9).
        "orders": orders.iter().map(|o| json!({
            "number": o.number, "status": o.status, "placed_at": time(o.placed_at),
            "total": o.total, "vat_total": o.vat_total, "delivery_charge": o.delivery_charge,
            "payment_method": o.payment_method,
            "acceptance": {
                "terms_version": o.terms_version, "terms_sha256": o.terms_sha256,
                "language": o.terms_language, "at": time(o.accepted_at),
                "ip": o.accepted_ip, "user_agent": o.accepted_user_agent,
                "verbal_confirmation_by_staff": o.confirmed_by_staff_id.is_some(),
            },
            "summary": serde_json::from_str::<serde_json::Value>(&o.document).unwrap_or_default(),
        })).collect::<Vec<_>>(),
        "refused_orders": refusals.iter().map(|r| json!({
            "reason": r.reason, "detail": r.detail, "ip": r.ip, "at": time(r.at),
        })).collect::<Vec<_>>(),
        // STK-2: the credit with the shop, from credit notes taken for refunds.
        "store_credit": store_credit,
    }))
}

/// PRV-2: erasure. The person is anonymised: their e-mail address, names, phone,
/// password, sessions, tokens, basket and e-mails go; what the law requires stays
/// (the account's row for the records that cite it, and of each address the city,
/// postcode and country, for VAT). The account is closed; the address may sign up anew.
pub async fn erase(app: &App, customer_id: &str) -> Result<(), AppError> {
    let c = app
        .store
        .customer_by_id(customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let anonymous = format!("erased-{}@invalid", c.id);
    let mut tx = app.store.begin().await?;
    tx.erase_customer(&c.id, &c.email, &anonymous, app.clock.now_ms())
        .await?;
    tx.commit().await?;
    tracing::info!(customer = %c.id, "customer erased on request");
    Ok(())
}

/// ACC-5: makes one of the customer's addresses the default delivery address.
pub async fn set_default_address(app: &App, customer_id: &str, id: &str) -> Result<(), AppError> {
    let owned = app
        .store
        .addresses_of(customer_id)
        .await?
        .iter()
        .any(|a| a.id == id);
    if !owned {
        return Err(AppError::NotFound);
    }
    let mut tx = app.store.begin().await?;
    tx.set_default_address(customer_id, id).await?;
    tx.commit().await?;
    Ok(())
}

/// PRV-1: every personal field the shop collects and the Fluent id of its purpose; the
/// privacy page is generated from this list. Card data is not among them: the payment
/// provider holds it.
pub const FIELDS: &[(&str, &str)] = &[
    ("field-title", "purpose-title"),
    ("field-given-name", "purpose-names"),
    ("field-family-name", "purpose-names"),
    ("field-email", "purpose-email"),
    ("field-phone", "purpose-phone"),
    ("privacy-field-delivery-address", "purpose-delivery-address"),
    ("privacy-field-billing-address", "purpose-billing-address"),
    ("privacy-field-orders", "purpose-orders"),
    ("privacy-field-connection", "purpose-connection"),
];

/// PRV-8: who of the staff looked at or changed this customer's data, oldest first.
pub async fn staff_access_of(
    app: &App,
    customer_id: &str,
) -> Result<Vec<ecrin_store::StaffAccess>, AppError> {
    Ok(app.store.staff_access_of(customer_id).await?)
}

/// The security log's counts by day, kind and status since `since_ms`.
pub async fn security_counts(
    app: &App,
    since_ms: i64,
) -> Result<Vec<ecrin_store::SecurityCount>, AppError> {
    Ok(app.store.security_counts(since_ms).await?)
}
