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
use ecrin_store::{ConsentRecord, Customer};

/// A purpose a customer consents to, and the Fluent id of the sentence they agree to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    MarketingEmail,
    Partners,
}

impl Purpose {
    pub const ALL: [Purpose; 2] = [Purpose::MarketingEmail, Purpose::Partners];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::MarketingEmail => "marketing_email",
            Purpose::Partners => "partners",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn wording_key(self) -> &'static str {
        match self {
            Purpose::MarketingEmail => "consent-marketing-wording",
            Purpose::Partners => "consent-partners-wording",
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
    pub history: Vec<ConsentRecord>,
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
    let now_granted = match purpose {
        Purpose::MarketingEmail => current.marketing_email,
        Purpose::Partners => current.partners,
    };
    if now_granted == granted {
        return Ok(current);
    }
    let t = Tr::new(lang_of(app, &customer));
    let mut wording = t.t(purpose.wording_key());
    if channel == Channel::UnsubscribeLink {
        wording = format!("{wording} — {}", t.t("consent-via-unsubscribe"));
    }
    let mut tx = app.store.begin().await?;
    tx.record_consent(
        customer_id,
        purpose.as_str(),
        granted,
        &wording,
        app.clock.now_ms(),
    )
    .await?;
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
        for id in chunk {
            let Some(customer) = app.store.customer_by_id(id).await? else {
                continue;
            };
            let t = Tr::new(lang_of(app, &customer));
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
