//! Late delivery (DLV-4): once the latest delivery date has passed (30 working days
//! `paris`, 30 days `atelier` and `milano` from the payment, or the later date the summary
//! announced), the customer sets an additional deadline; once that has passed too they may
//! end the contract: what is not yet delivered is cancelled and refunded in full, with its
//! credit note. A customer who declared the date essential at checkout may cancel as soon
//! as it is missed.

use crate::{App, AppError};
use ecrin_core::Refusal;
use ecrin_core::deadlines::{self, LateAsk};
use ecrin_core::order::{OrderState, PaymentState, ShipmentState, Units};
use ecrin_store::Order;
use jiff::civil::Date;

/// What the customer asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LateAction {
    /// `deadline` as `YYYY-MM-DD`.
    SetDeadline(String),
    Cancel,
}

/// Where an order's late delivery stands.
#[derive(Debug)]
pub struct Late {
    pub order: Order,
    /// The latest delivery date of the terms (or the summary's).
    pub delivery_limit: Date,
    pub essential: bool,
    /// The additional deadline the customer set.
    pub deadline: Option<Date>,
    /// The refund of a cancellation, with its credit note.
    pub refund: Option<crate::refunds::Done>,
}

/// The order's latest delivery date, whether the customer declared it essential, and the
/// additional deadline set; `None` while it is not paid.
pub async fn state_of(
    app: &App,
    order: &Order,
) -> Result<Option<(Date, bool, Option<Date>)>, AppError> {
    if order.payment_state != PaymentState::Paid {
        return Ok(None);
    }
    let doc = crate::checkout::document(order)?;
    let papers = crate::documents::papers_of_order(app, order).await?;
    let Some(paid) = papers
        .invoices
        .first()
        .and_then(|i| deadlines::day_of(&app.profile, i.issued_at))
    else {
        return Ok(None);
    };
    let limit =
        deadlines::delivery_limit(&app.profile, paid, doc.estimated_delivery_date.parse().ok());
    let extra = app
        .store
        .late_deadline(&order.id)
        .await?
        .and_then(|d| d.parse().ok());
    Ok(Some((limit, doc.delivery_date_essential, extra)))
}

/// Whether the customer may act on the order's lateness today (for the order page).
pub async fn open(app: &App, order: &Order) -> bool {
    let today = deadlines::day_of(&app.profile, app.clock.now_ms());
    matches!(
        order.status,
        OrderState::BeingPrepared | OrderState::Shipped
    ) && matches!((state_of(app, order).await, today), (Ok(Some((limit, _, _))), Some(t)) if t > limit)
}

/// DLV-4: sets an additional deadline for order `number`, or cancels it, for its customer.
pub async fn act(
    app: &App,
    customer_id: &str,
    number: &str,
    action: LateAction,
) -> Result<Late, AppError> {
    let order = crate::checkout::order_of(app, customer_id, number).await?;
    if !matches!(
        order.status,
        OrderState::BeingPrepared | OrderState::Shipped
    ) {
        return Err(Refusal::wrong_status(format!(
            "this order is {}: nothing is awaited",
            order.status.as_str()
        ))
        .into());
    }
    let Some((limit, essential, extra)) = state_of(app, &order).await? else {
        return Err(Refusal::wrong_status("this order is not paid").into());
    };
    let now = app.clock.now_ms();
    let today = deadlines::day_of(&app.profile, now)
        .ok_or_else(|| AppError::Internal("the clock is out of range".into()))?;
    let ask = match &action {
        LateAction::SetDeadline(d) => LateAsk::SetDeadline(
            d.trim()
                .parse()
                .map_err(|_| AppError::from(Refusal::invalid("deadline", "date")))?,
        ),
        LateAction::Cancel => LateAsk::Cancel,
    };
    deadlines::late_delivery(limit, today, essential, extra, ask)?;
    match ask {
        LateAsk::SetDeadline(d) => {
            let mut tx = app.store.begin().await?;
            tx.set_late_deadline(&order.id, &d.to_string(), now).await?;
            crate::proof::append(
                tx.as_mut(),
                &order.id,
                now,
                "late_delivery_deadline",
                &serde_json::json!({"deadline": d.to_string(), "delivery_limit": limit.to_string(),
                                    "customer_id": customer_id}),
            )
            .await?;
            let day = d.to_string();
            crate::fulfilment::tell(
                app,
                tx.as_mut(),
                &order,
                "email-late-deadline-subject",
                |t, args| {
                    let mut args = args.to_vec();
                    args.push(("deadline", crate::i18n::civil_date(&day, t.lang)));
                    (vec![t.with("email-late-deadline", &args)], None)
                },
            )
            .await?;
            tx.commit().await?;
            Ok(Late {
                order,
                delivery_limit: limit,
                essential,
                deadline: Some(d),
                refund: None,
            })
        }
        LateAsk::Cancel => {
            let shipments = crate::fulfilment::shipments(app, &order).await?;
            if shipments
                .iter()
                .any(|s| s.state == ShipmentState::InTransit)
            {
                return Err(Refusal::wrong_status(
                    "a parcel of this order is on its way: refuse it at delivery, or withdraw once delivered",
                )
                .into());
            }
            let shipped = |n: i64| -> i64 {
                shipments
                    .iter()
                    .flat_map(|s| &s.lines)
                    .filter(|l| l.line_no == n)
                    .map(|l| l.quantity)
                    .sum()
            };
            let units: Vec<Units> = order
                .lines
                .iter()
                .map(|l| Units {
                    line_no: l.line_no,
                    quantity: l.quantity - l.cancelled - shipped(l.line_no),
                })
                .filter(|u| u.quantity > 0)
                .collect();
            let done = crate::cancellations::late(app, &order, units).await?;
            Ok(Late {
                order: done.order,
                delivery_limit: limit,
                essential,
                deadline: extra,
                refund: done.refund,
            })
        }
    }
}
