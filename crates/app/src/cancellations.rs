//! Stock-outs after payment (STK-1) and cancellations by the house (STK-3): units not yet
//! shipped stop being due, their stock goes back on sale, the customer is told, and what
//! was paid for them is refunded through the payment provider with its credit note
//! (STK-2, INV-3), the delivery charge too when nothing is left to deliver.

use crate::backoffice::{require, staff};
use crate::lifecycle::{self, Details};
use crate::refunds::{self, RefundInput};
use crate::{App, AppError};
use ecrin_core::account::Role;
use ecrin_core::order::{Effect, OrderEvent, OrderState, PaymentState, StockoutResolution, Units};
use ecrin_core::query::FieldError;
use ecrin_store::{Order, Tx};

/// Who cancels lines or records a stock-out: customer service and admins.
pub const CANCELLING: &[Role] = &[Role::Admin, Role::CustomerService];

/// What a cancellation did.
#[derive(Debug)]
pub struct Cancelled {
    pub order: Order,
    /// The refund made for the units paid and no longer delivered, with its credit note.
    pub refund: Option<refunds::Done>,
    /// `atelier`, `milano` (STK-1): the customer was offered a choice instead.
    pub offered: bool,
}

/// STK-3: the house cancels units not yet shipped, for a legitimate reason (CHK-9, goods
/// blocked at customs, a breach of the terms), before or after payment.
pub async fn cancel_lines(
    app: &App,
    staff_id: &str,
    number: &str,
    units: Vec<Units>,
    reason: &str,
) -> Result<Cancelled, AppError> {
    let reason = checked_reason(reason)?;
    let data = serde_json::json!({"lines": units, "reason": reason});
    let event = OrderEvent::CancelUnits { units };
    apply(
        app,
        staff_id,
        number,
        event,
        "lines_cancelled",
        &reason,
        data,
    )
    .await
}

/// STK-1: units found unavailable after payment. `paris` decides here (partial delivery,
/// or the whole line cancelled), and the cancelled units are refunded; `atelier` and
/// `milano` e-mail the customer the choice of an equivalent piece, waiting or cancellation.
pub async fn stock_out(
    app: &App,
    staff_id: &str,
    number: &str,
    units: Vec<Units>,
    resolution: Option<StockoutResolution>,
) -> Result<Cancelled, AppError> {
    let data = serde_json::json!({"lines": units,
                                  "resolution": resolution.map(|r| r.as_str())});
    let event = OrderEvent::StockOut { units, resolution };
    apply(app, staff_id, number, event, "stock_out", "stock_out", data).await
}

fn checked_reason(reason: &str) -> Result<String, AppError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 || reason.chars().any(char::is_control) {
        return Err(AppError::Invalid(vec![FieldError {
            field: "reason".into(),
            reason: "1_to_500_printable_characters",
        }]));
    }
    Ok(reason.to_owned())
}

async fn apply(
    app: &App,
    staff_id: &str,
    number: &str,
    event: OrderEvent,
    kind: &str,
    reason: &str,
    mut data: serde_json::Value,
) -> Result<Cancelled, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, CANCELLING)?;
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    let order = tx.order_in_tx(number).await?.ok_or(AppError::NotFound)?;
    data["staff_id"] = serde_json::json!(s.id);
    let applied = lifecycle::apply(
        app,
        tx.as_mut(),
        &order,
        &event,
        kind,
        &data,
        &Details {
            staff_id: Some(s.id.clone()),
            ..Details::default()
        },
        now,
    )
    .await?;
    let cancelled: Vec<Units> = applied
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::CancelUnits(u) => Some(*u),
            _ => None,
        })
        .collect();
    let offered: Vec<Units> = applied
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::OfferAlternatives(u) => Some(u.clone()),
            _ => None,
        })
        .unwrap_or_default();
    release(tx.as_mut(), &order, &cancelled).await?;
    let ended = applied.effects.iter().any(|e| {
        matches!(
            e,
            Effect::Status {
                to: OrderState::Cancelled,
                ..
            }
        )
    });
    // What was paid for the units no longer delivered, and the delivery charge when
    // nothing at all is left to deliver.
    let mut amount: i64 = cancelled
        .iter()
        .filter_map(|u| {
            let l = order.lines.iter().find(|l| l.line_no == u.line_no)?;
            Some(l.unit_price_incl_vat * u.quantity)
        })
        .sum();
    if ended {
        amount += order.delivery_charge;
    }
    let paid = order.payment_state == PaymentState::Paid;
    tell(
        app,
        tx.as_mut(),
        &order,
        if offered.is_empty() {
            &cancelled
        } else {
            &offered
        },
        !offered.is_empty(),
        paid.then_some(amount),
        reason,
    )
    .await?;
    let seq = applied.event.seq;
    tx.commit().await?;
    // STK-2: to the card through the provider, or by transfer for money received by
    // transfer (owed on the deadline board until the house records it as sent).
    let received = app
        .store
        .payments_of(&order.id)
        .await?
        .iter()
        .any(|p| p.status == ecrin_core::payment::AttemptState::Captured);
    let refund = if paid && amount > 0 && received {
        let input = RefundInput {
            amount,
            reason: format!("{kind}: {reason}"),
            // One cancellation, one refund, however often it is finished.
            key: Some(format!("{}-{kind}-{seq}", order.number)),
        };
        Some(refunds::refund(app, staff_id, number, input).await?)
    } else {
        None
    };
    let order = app
        .store
        .order_by_number(number)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Cancelled {
        order,
        refund,
        offered: !offered.is_empty(),
    })
}

/// PAY-5: the units a cancelled line had taken from stock go back on sale.
async fn release(tx: &mut dyn Tx, order: &Order, cancelled: &[Units]) -> Result<(), AppError> {
    let mut back_on_sale = false;
    for u in cancelled {
        let Some(l) = order.lines.iter().find(|l| l.line_no == u.line_no) else {
            continue;
        };
        let n = l.reserved.min(u.quantity);
        if n > 0 {
            let on_hand = tx.release_stock(&l.sku, n).await?;
            tx.set_line_reserved(&order.id, l.line_no, l.reserved - n)
                .await?;
            back_on_sale |= on_hand == n;
        }
    }
    if back_on_sale {
        tx.bump_catalogue_version().await?;
    }
    Ok(())
}

/// STK-1, STK-3: the customer is told which pieces will not come, why, and what is
/// refunded; or, under `offer_alternatives`, what they may choose.
async fn tell(
    app: &App,
    tx: &mut dyn Tx,
    order: &Order,
    units: &[Units],
    offered: bool,
    refunded: Option<i64>,
    reason: &str,
) -> Result<(), AppError> {
    let items: Vec<String> = units
        .iter()
        .filter_map(|u| {
            let l = order.lines.iter().find(|l| l.line_no == u.line_no)?;
            Some(format!("{} × {}", u.quantity, l.name))
        })
        .collect();
    let subject = if offered {
        "email-stockout-offer-subject"
    } else {
        "email-cancelled-lines-subject"
    };
    crate::fulfilment::tell(app, tx, order, subject, |t, order_args| {
        let args = [order_args[0].clone(), ("items", items.join(", "))];
        let mut paragraphs = Vec::new();
        if offered {
            paragraphs.push(t.with("email-stockout-offer-text", &args));
            paragraphs.push(t.t("email-stockout-offer-choices"));
        } else if reason == "stock_out" {
            paragraphs.push(t.with("email-stockout-text", &args));
        } else {
            paragraphs.push(t.with("email-cancelled-lines-text", &args));
            paragraphs.push(t.with(
                "email-cancelled-lines-reason",
                &[("reason", reason.to_owned())],
            ));
        }
        if let Some(amount) = refunded.filter(|a| *a > 0 && !offered) {
            paragraphs.push(t.with(
                "email-cancelled-lines-refund",
                &[("amount", t.money(amount))],
            ));
        }
        (paragraphs, None)
    })
    .await
}
