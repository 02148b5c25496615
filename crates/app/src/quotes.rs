//! BSK-5, ACC-1: above the quote threshold, or for a business, the house answers with a
//! quote instead of an order. The request is stored with the basket's lines as the visitor
//! saw them; the requester gets an acknowledgement and the house a notification, both
//! written to the outbox in the same transaction.

use crate::basket::{self, BasketView};
use crate::customers::random_hex;
use crate::emails::{self, Message};
use crate::fields::Checks;
use crate::i18n::Tr;
use crate::{App, AppError};
use ecrin_core::Lang;
use ecrin_store::{BasketOwner, QuoteRequest};
use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct QuoteForm {
    pub name: String,
    pub email: String,
    pub company: String,
    pub phone: String,
    pub message: String,
}

#[derive(Debug, Serialize)]
struct QuotedLine<'a> {
    sku: &'a str,
    name: &'a str,
    quantity: u32,
    personalisation: Option<&'a str>,
    unit_price: i64,
}

fn lines_json(view: &BasketView, lang: Lang) -> String {
    let lines: Vec<QuotedLine<'_>> = view
        .lines
        .iter()
        .map(|l| QuotedLine {
            sku: &l.variant.sku,
            name: l.variant.name.get(lang),
            quantity: l.quantity,
            personalisation: l.personalisation.as_deref(),
            unit_price: l.variant.price,
        })
        .collect();
    serde_json::to_string(&lines).unwrap_or_else(|_| "[]".to_owned())
}

/// Stores a quote request with the lines of `basket_owner`'s basket, if any; returns its
/// identifier.
pub async fn request(
    app: &App,
    basket_owner: Option<&BasketOwner>,
    form: QuoteForm,
    lang: Lang,
) -> Result<String, AppError> {
    let mut c = Checks::new();
    let name = c.line("name", &form.name, true, 200);
    let email = c.email("email", &form.email);
    let company = c.line("company", &form.company, false, 200);
    let phone = c.phone("phone", &form.phone);
    let message = c.paragraphs("message", &form.message, true, 5_000);
    c.finish().map_err(AppError::Invalid)?;
    let email = email.ok_or(AppError::NotFound)?;
    let view = match basket_owner {
        Some(owner) => Some(basket::basket_of(app, owner).await?),
        None => None,
    };
    let lines = view
        .as_ref()
        .map(|v| lines_json(v, lang))
        .unwrap_or_else(|| "[]".to_owned());
    let units: u32 = view.as_ref().map(|v| v.units).unwrap_or(0);
    let id = format!("quo_{}", random_hex(8)?);
    let now = app.clock.now_ms();
    let quote = QuoteRequest {
        id: id.clone(),
        customer_id: basket_owner.and_then(|o| o.customer_id().map(str::to_owned)),
        email: email.as_str().to_owned(),
        name: name.clone(),
        company: company.clone(),
        phone,
        message: message.clone(),
        lines,
        language: lang.code().to_owned(),
        created_at_ms: now,
    };
    let shop = app.profile.shop_name.clone();
    let t = Tr::new(lang);
    let mut tx = app.store.begin().await?;
    tx.insert_quote_request(&quote).await?;
    emails::enqueue(
        tx.as_mut(),
        app,
        Message {
            to: quote.email.clone(),
            lang,
            subject: t.with("email-quote-subject", &[("shop", shop.clone())]),
            greeting: t.with("email-greeting", &[("name", name.clone())]),
            paragraphs: vec![
                t.with("email-quote-text", &[("reference", id.clone())]),
                t.count("email-quote-pieces", "count", i64::from(units)),
            ],
            button: None,
        },
    )
    .await?;
    let house = Tr::new(app.profile.default_lang());
    emails::enqueue(
        tx.as_mut(),
        app,
        Message {
            to: app.profile.merchant.email.clone(),
            lang: house.lang,
            subject: house.with("email-quote-house-subject", &[("reference", id.clone())]),
            greeting: house.t("email-quote-house-greeting"),
            paragraphs: vec![
                format!("{name} <{}>", quote.email),
                company,
                quote.phone.clone(),
                house.count("email-quote-pieces", "count", i64::from(units)),
                message,
            ]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect(),
            button: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
