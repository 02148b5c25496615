//! E-mails: each one a subject, a text body and an HTML body in the customer's language,
//! rendered from one layout and the Fluent messages of the e-mail, and written to the
//! outbox in the transaction of the change that sends it.

use crate::i18n::Tr;
use askama::Template;
use ecrin_core::{Lang, Profile};
use ecrin_store::Email;

#[derive(Template)]
#[template(path = "emails/layout.html")]
struct Html<'a> {
    lang: &'a str,
    shop: &'a str,
    subject: &'a str,
    greeting: &'a str,
    paragraphs: &'a [String],
    sections: &'a [(String, Vec<String>)],
    button: Option<(String, String)>,
    signature: &'a str,
    footer: &'a str,
}

#[derive(Template)]
#[template(path = "emails/layout.txt", escape = "none")]
struct Text<'a> {
    greeting: &'a str,
    paragraphs: &'a [String],
    sections: &'a [(String, Vec<String>)],
    button: Option<(String, String)>,
    signature: &'a str,
    footer: &'a str,
}

/// What an e-mail says, before it is laid out.
pub struct Message {
    pub to: String,
    pub lang: Lang,
    pub subject: String,
    pub greeting: String,
    pub paragraphs: Vec<String>,
    /// A call to action: its label and link.
    pub button: Option<(String, String)>,
}

pub fn render(
    profile: &Profile,
    m: Message,
    id: String,
    now_ms: i64,
) -> Result<Email, crate::AppError> {
    render_sections(profile, m, &[], id, now_ms)
}

/// Like [`render`], with titled sections after the paragraphs (a confirmation's parts).
pub fn render_sections(
    profile: &Profile,
    m: Message,
    sections: &[(String, Vec<String>)],
    id: String,
    now_ms: i64,
) -> Result<Email, crate::AppError> {
    let t = Tr::new(m.lang);
    let signature = t.with("email-signature", &[("shop", profile.shop_name.clone())]);
    let footer = format!(
        "{} — {} — {}",
        profile.merchant.legal_name, profile.merchant.registered_office, profile.merchant.email
    );
    let html = Html {
        lang: m.lang.code(),
        shop: &profile.shop_name,
        subject: &m.subject,
        greeting: &m.greeting,
        paragraphs: &m.paragraphs,
        sections,
        button: m.button.clone(),
        signature: &signature,
        footer: &footer,
    }
    .render()
    .map_err(|e| crate::AppError::Internal(format!("e-mail template: {e}")))?;
    let text = Text {
        greeting: &m.greeting,
        paragraphs: &m.paragraphs,
        sections,
        button: m.button,
        signature: &signature,
        footer: &footer,
    }
    .render()
    .map_err(|e| crate::AppError::Internal(format!("e-mail template: {e}")))?;
    Ok(Email {
        id,
        to: m.to,
        subject: m.subject,
        text_body: text,
        html_body: html,
        created_at_ms: now_ms,
        sent_at_ms: None,
        attempts: 0,
        unsubscribe_url: None,
        forget_after_send: false,
        attachments: "[]".to_owned(),
    })
}

/// Renders `message` and writes it to the outbox of `tx`: it leaves once `tx` commits.
pub async fn enqueue(
    tx: &mut dyn ecrin_store::Tx,
    app: &crate::App,
    message: Message,
) -> Result<(), crate::AppError> {
    enqueue_with(tx, app, message, None).await
}

/// A document an e-mail carries (INV-1), named in the outbox and laid out as PDF when the
/// e-mail is sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Attachment {
    /// The terms of sale of `version`, in `lang`.
    Terms { version: String, lang: String },
    /// The withdrawal form of an order, filled in with its number and date.
    WithdrawalForm { order_id: String },
    /// The invoice of a paid order.
    Invoice { order_id: String },
    /// INV-3: a credit note of an order, by its number.
    CreditNote { order_id: String, number: String },
    /// WDR-7: the statement of a withdrawal as received, with its date and time.
    WithdrawalStatement { withdrawal_id: String },
    /// WDR-2 (`milano`): the prepaid label of a return the house's courier collects.
    ReturnLabel { withdrawal_id: String },
}

/// Like [`enqueue`], with titled sections and documents attached.
pub async fn enqueue_attached(
    tx: &mut dyn ecrin_store::Tx,
    app: &crate::App,
    message: Message,
    sections: &[(String, Vec<String>)],
    attachments: &[Attachment],
) -> Result<(), crate::AppError> {
    let id = crate::customers::ordered_id(app, "eml")?;
    let mut email = render_sections(&app.profile, message, sections, id, app.clock.now_ms())?;
    email.attachments = serde_json::to_string(attachments)
        .map_err(|e| crate::AppError::Internal(format!("attachments: {e}")))?;
    tx.enqueue_email(&email).await?;
    Ok(())
}

/// Like [`enqueue`], for a marketing e-mail: `unsubscribe_url` goes in its
/// `List-Unsubscribe` header (PRV-3).
pub async fn enqueue_with(
    tx: &mut dyn ecrin_store::Tx,
    app: &crate::App,
    message: Message,
    unsubscribe_url: Option<String>,
) -> Result<(), crate::AppError> {
    let id = crate::customers::ordered_id(app, "eml")?;
    let mut email = render(&app.profile, message, id, app.clock.now_ms())?;
    email.unsubscribe_url = unsubscribe_url;
    tx.enqueue_email(&email).await?;
    Ok(())
}
