//! Messages customers send: a piece or the house recommended to a friend (PRV-4), whose
//! address serves that message only and is deleted once it has left; and the contact form
//! (PRV-9), kept as a ticket that customer service answers by e-mail.

use crate::backoffice::{CUSTOMER_DATA, require, staff};
use crate::customers::{random_hex, token_hash};
use crate::emails::{self, Message};
use crate::fields::Checks;
use crate::i18n::Tr;
use crate::{App, AppError};
use ecrin_core::Lang;
use ecrin_core::Refusal;
use ecrin_core::catalogue::Slug;
use ecrin_store::{Email, Ticket};

const HOUR_MS: i64 = 3_600_000;
/// Messages to friends per customer and hour.
pub const SHARES_PER_HOUR: i64 = 10;
/// Contact messages per sender address and hour.
pub const CONTACTS_PER_HOUR: i64 = 5;

/// A limit every process sees: refused with `rate_limited` beyond `max` in the last hour,
/// else counted. The key holds no address in clear.
pub(crate) async fn limit(app: &App, key: &str, max: i64) -> Result<(), AppError> {
    let key = token_hash(key);
    let now = app.clock.now_ms();
    if app.store.rate_events(&key, now - HOUR_MS).await? >= max {
        return Err(Refusal::of(
            ecrin_core::refusal::RefusalKind::RateLimited,
            "rate_limited",
            "too many messages; try again in an hour",
        )
        .into());
    }
    let mut tx = app.store.begin().await?;
    tx.record_rate_event(&key, now).await?;
    tx.commit().await?;
    Ok(())
}

/// What a customer writes to a friend.
#[derive(Debug, Clone, Default)]
pub struct ToFriend {
    pub friend_email: String,
    pub friend_name: String,
    pub message: String,
}

/// Writes the message to the outbox marked to be forgotten once sent.
async fn send_to_friend(
    app: &App,
    customer_id: &str,
    form: &ToFriend,
    lang: Lang,
    subject_key: &str,
    text_key: &str,
    link: (String, String),
) -> Result<(), AppError> {
    let mut c = Checks::new();
    let to = c.email("friend_email", &form.friend_email);
    let friend_name = c.line("friend_name", &form.friend_name, false, 100);
    let note = c.paragraphs("message", &form.message, false, 500);
    c.finish().map_err(AppError::Invalid)?;
    let to = to.ok_or(AppError::NotFound)?;
    let sender = app
        .store
        .customer_by_id(customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    limit(app, &format!("share:{customer_id}"), SHARES_PER_HOUR).await?;
    let t = Tr::new(lang);
    let from = format!("{} {}", sender.given_name, sender.family_name);
    let mut paragraphs = vec![t.with(text_key, &[("sender", from.clone())])];
    if !note.is_empty() {
        paragraphs.push(t.with("share-note", &[("sender", from.clone()), ("note", note)]));
    }
    paragraphs.push(t.t("share-privacy"));
    let message = Message {
        to: to.as_str().to_owned(),
        lang,
        subject: t.with(
            subject_key,
            &[("sender", from), ("shop", app.profile.shop_name.clone())],
        ),
        greeting: if friend_name.is_empty() {
            t.t("share-greeting")
        } else {
            t.with("email-greeting", &[("name", friend_name)])
        },
        paragraphs,
        button: Some(link),
    };
    let id = crate::customers::ordered_id(app, "eml")?;
    let email: Email = Email {
        forget_after_send: true,
        attachments: "[]".to_owned(),
        ..emails::render(&app.profile, message, id, app.clock.now_ms())?
    };
    let mut tx = app.store.begin().await?;
    tx.enqueue_email(&email).await?;
    tx.commit().await?;
    Ok(())
}

/// PRV-4: "send this piece to a friend".
pub async fn share_product(
    app: &App,
    customer_id: &str,
    slug: &str,
    form: &ToFriend,
    lang: Lang,
) -> Result<(), AppError> {
    let product = match Slug::parse(slug) {
        Some(s) => app.store.product_by_slug(s.as_str()).await?,
        None => None,
    };
    let Some(p) = product else {
        return Err(AppError::Invalid(vec![ecrin_core::query::FieldError {
            field: "product".into(),
            reason: "unknown_product",
        }]));
    };
    let t = Tr::new(lang);
    let url = format!(
        "{}/{}/products/{}",
        app.public_url.trim_end_matches('/'),
        lang.code(),
        p.slug
    );
    let name = p.name.get(lang).to_owned();
    let link = (t.with("share-product-button", &[("name", name)]), url);
    send_to_friend(
        app,
        customer_id,
        form,
        lang,
        "share-product-subject",
        "share-product-text",
        link,
    )
    .await
}

/// PRV-4: "recommend the house to a friend".
pub async fn recommend(
    app: &App,
    customer_id: &str,
    form: &ToFriend,
    lang: Lang,
) -> Result<(), AppError> {
    let t = Tr::new(lang);
    let url = format!("{}/{}/", app.public_url.trim_end_matches('/'), lang.code());
    let link = (t.t("share-recommend-button"), url);
    send_to_friend(
        app,
        customer_id,
        form,
        lang,
        "share-recommend-subject",
        "share-recommend-text",
        link,
    )
    .await
}

#[derive(Debug, Clone, Default)]
pub struct ContactForm {
    pub name: String,
    pub email: String,
    pub subject: String,
    pub message: String,
}

/// PRV-9: a question for customer service, kept as a ticket; the sender gets an
/// acknowledgement and the house an e-mail. Returns the ticket's reference.
pub async fn contact(
    app: &App,
    customer_id: Option<&str>,
    form: ContactForm,
    lang: Lang,
) -> Result<String, AppError> {
    let mut c = Checks::new();
    let name = c.line("name", &form.name, true, 200);
    let email = c.email("email", &form.email);
    let subject = c.line("subject", &form.subject, true, 200);
    let message = c.paragraphs("message", &form.message, true, 5_000);
    c.finish().map_err(AppError::Invalid)?;
    let email = email.ok_or(AppError::NotFound)?;
    limit(app, &format!("contact:{}", email.key()), CONTACTS_PER_HOUR).await?;
    let now = app.clock.now_ms();
    let ticket = Ticket {
        id: format!("tkt_{}", random_hex(6)?),
        customer_id: customer_id.map(str::to_owned),
        email: email.as_str().to_owned(),
        name: name.clone(),
        subject: subject.clone(),
        message: message.clone(),
        language: lang.code().to_owned(),
        created_at_ms: now,
        answer: None,
        answered_by: None,
        answered_at_ms: None,
    };
    let t = Tr::new(lang);
    let house = Tr::new(app.profile.default_lang());
    let mut tx = app.store.begin().await?;
    tx.insert_ticket(&ticket).await?;
    emails::enqueue(
        tx.as_mut(),
        app,
        Message {
            to: ticket.email.clone(),
            lang,
            subject: t.with("email-contact-subject", &[("reference", ticket.id.clone())]),
            greeting: t.with("email-greeting", &[("name", name.clone())]),
            paragraphs: vec![
                t.with("email-contact-text", &[("reference", ticket.id.clone())]),
                subject.clone(),
                message.clone(),
            ],
            button: None,
        },
    )
    .await?;
    emails::enqueue(
        tx.as_mut(),
        app,
        Message {
            to: app.profile.merchant.email.clone(),
            lang: house.lang,
            subject: house.with(
                "email-contact-house-subject",
                &[("reference", ticket.id.clone())],
            ),
            greeting: house.t("email-contact-house-greeting"),
            paragraphs: vec![format!("{name} <{}>", ticket.email), subject, message],
            button: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(ticket.id)
}

/// PRV-9: customer service's list of questions, open ones first.
pub async fn tickets(app: &App, staff_id: &str) -> Result<Vec<Ticket>, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, CUSTOMER_DATA)?;
    Ok(app.store.tickets(200).await?)
}

/// PRV-9: the answer, e-mailed to the sender in their language; a ticket is answered once.
pub async fn answer(
    app: &App,
    staff_id: &str,
    ticket_id: &str,
    answer: &str,
) -> Result<Ticket, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, CUSTOMER_DATA)?;
    let mut c = Checks::new();
    let answer = c.paragraphs("answer", answer, true, 10_000);
    c.finish().map_err(AppError::Invalid)?;
    let ticket = app
        .store
        .ticket_by_id(ticket_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let lang: Lang = ticket
        .language
        .parse()
        .unwrap_or(app.profile.default_lang());
    let t = Tr::new(lang);
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    if !tx.answer_ticket(&ticket.id, &answer, &s.id, now).await? {
        return Err(Refusal::conflict("this question is already answered").into());
    }
    if let Some(customer) = &ticket.customer_id {
        tx.log_staff_access(&s.id, customer, "answer_ticket", now)
            .await?;
    }
    emails::enqueue(
        tx.as_mut(),
        app,
        Message {
            to: ticket.email.clone(),
            lang,
            subject: t.with("email-answer-subject", &[("reference", ticket.id.clone())]),
            greeting: t.with("email-greeting", &[("name", ticket.name.clone())]),
            paragraphs: answer
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .chain([t.with("email-answer-quote", &[("subject", ticket.subject.clone())])])
                .collect(),
            button: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Ticket {
        answer: Some(answer),
        answered_by: Some(s.id),
        answered_at_ms: Some(now),
        ..ticket
    })
}
