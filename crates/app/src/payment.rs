//! Payment of an order (PAY-2, PAY-4): the order becomes a contract only once its full
//! amount is received; a bank transfer not received within the profile's working days
//! cancels it, gives its units back and tells the customer.

use crate::emails::{self, Message};
use crate::i18n::Tr;
use crate::{App, AppError, proof};
use ecrin_core::{Lang, Refusal};
use ecrin_store::{Customer, Order, Tx};

pub const AWAITING_PAYMENT: &str = "awaiting_payment";
pub const BEING_PREPARED: &str = "being_prepared";
pub const CANCELLED: &str = "cancelled";

/// PAY-4: the day by which a transfer must be received (the profile's working days after
/// the order, in the merchant's calendar), and the moment after it, when the order is
/// cancelled: the start of the next day in the merchant's time zone.
pub fn transfer_deadline(app: &App, placed_at_ms: i64) -> Option<(jiff::civil::Date, i64)> {
    let p = &app.profile;
    let days = p.payment.bank_transfer_days?;
    let zone = jiff::tz::TimeZone::get(&p.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let placed = jiff::Timestamp::from_millisecond(placed_at_ms).ok()?;
    let country = ecrin_core::calendar::HolidayCountry::from_code(&p.country)
        .unwrap_or(ecrin_core::calendar::HolidayCountry::France);
    let due =
        ecrin_core::calendar::add_working_days(country, placed.to_zoned(zone.clone()).date(), days);
    let after = due
        .tomorrow()
        .ok()?
        .to_zoned(zone)
        .ok()?
        .timestamp()
        .as_millisecond();
    Some((due, after))
}

/// PAY-4 (test mode, and the bank's notice in production): a transfer of `amount` for
/// order `number` is received. Only the full amount of an order still awaiting its
/// transfer is taken; the order then goes to preparation (PAY-2).
pub async fn credit_transfer(app: &App, number: &str, amount: i64) -> Result<Order, AppError> {
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    let order = tx.order_in_tx(number).await?.ok_or(AppError::NotFound)?;
    if order.payment_method != "bank_transfer" {
        return Err(Refusal::new("conflict", "this order is not paid by bank transfer").into());
    }
    if amount != order.total {
        return Err(AppError::Invalid(vec![ecrin_core::query::FieldError {
            field: "amount".into(),
            reason: "not_the_amount_due",
        }]));
    }
    if !tx
        .move_order(&order.id, AWAITING_PAYMENT, BEING_PREPARED)
        .await?
    {
        let why = match order.status.as_str() {
            CANCELLED => "this order was cancelled; the transfer is to be returned",
            _ => "this order is already paid",
        };
        return Err(Refusal::new("conflict", why).into());
    }
    proof::append(
        tx.as_mut(),
        &order.id,
        now,
        "paid",
        &serde_json::json!({"method": "bank_transfer", "amount": amount, "reference": number}),
    )
    .await?;
    tx.commit().await?;
    Ok(Order {
        status: BEING_PREPARED.into(),
        ..order
    })
}

/// PAY-4: cancels `order` if its transfer has still not arrived: its units go back on
/// sale and the customer is told. Nothing happens to an order paid or cancelled since.
pub(crate) async fn expire_transfer(
    app: &App,
    tx: &mut dyn Tx,
    order: &Order,
    customer: Option<&Customer>,
    now: i64,
) -> Result<(), AppError> {
    if !tx
        .move_order(&order.id, AWAITING_PAYMENT, CANCELLED)
        .await?
    {
        return Ok(());
    }
    let released = release_units(tx, order).await?;
    proof::append(
        tx,
        &order.id,
        now,
        "cancelled",
        &serde_json::json!({"reason": "bank_transfer_not_received", "released": released}),
    )
    .await?;
    if let Some(c) = customer {
        let lang: Lang = c.language.parse().unwrap_or(app.profile.default_lang());
        let t = Tr::new(lang);
        let due = transfer_deadline(app, order.placed_at)
            .map(|(d, _)| d.to_string())
            .unwrap_or_default();
        let args = [
            ("number", order.number.clone()),
            ("amount", t.money(order.total)),
            ("due", due),
        ];
        let message = Message {
            to: c.email.clone(),
            lang,
            subject: t.with("email-transfer-expired-subject", &args),
            greeting: t.with("email-greeting", &[("name", c.given_name.clone())]),
            paragraphs: vec![
                t.with("email-transfer-expired-text", &args),
                t.t("email-transfer-expired-nothing-due"),
            ],
            button: Some((
                t.t("email-transfer-expired-button"),
                format!(
                    "{}/{}/account/orders/{}",
                    app.public_url,
                    lang.code(),
                    order.number
                ),
            )),
        };
        emails::enqueue(tx, app, message).await?;
    }
    Ok(())
}

/// PAY-3, PAY-4: gives back the units an order took (PAY-5); what went back, per SKU.
async fn release_units(tx: &mut dyn Tx, order: &Order) -> Result<Vec<serde_json::Value>, AppError> {
    let mut released = Vec::new();
    let mut back_on_sale = false;
    for l in order.lines.iter().filter(|l| l.reserved > 0) {
        let on_hand = tx.release_stock(&l.sku, l.reserved).await?;
        back_on_sale |= on_hand == l.reserved;
        released.push(serde_json::json!({"sku": l.sku, "quantity": l.reserved}));
    }
    if back_on_sale {
        tx.bump_catalogue_version().await?;
    }
    Ok(released)
}
