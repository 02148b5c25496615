//! DLV-5: pieces returned undelivered, sent again at the customer's request and cost.
//!
//! The terms say re-sending is "a new Order, using the prices and delivery charges on the
//! date the Website receives the Client's request". So the request is a checkout: the
//! pieces that came back are priced at the day's prices with the day's delivery charge to
//! the address the customer gives now, shown as a summary, and ordered and paid like any
//! order (CHK-5 … CHK-10, PAY-1 … PAY-4). The units are the ones the house holds from the
//! first order: the new order takes none from stock. When the new order is paid, the
//! pieces leave the first order for it (its returned parcels stop counting, its
//! abandonment clock stops) and what the first order charged for them is refunded to its
//! payment, with a credit note (INV-3); its delivery charge is not, the delivery having
//! been made. Until then the first order waits as it was: a new order left unpaid lapses
//! and the customer may ask again, and twelve months without a paid re-delivery still
//! make the first order abandoned.

use crate::checkout::{CheckoutInput, Summary, WantedLine};
use crate::lifecycle::{self, Details};
use crate::refunds::{self, RefundInput};
use crate::{App, AppError};
use ecrin_core::Refusal;
use ecrin_core::order::{OrderEvent, OrderState, ShipmentState, Units};
use ecrin_core::refusal::RefusalKind;
use ecrin_store::{Order, Redelivery, Tx};

/// The job that refunds a first order once its pieces left on a paid new order (subject:
/// the first order's number).
pub const REDELIVERY_REFUND: &str = "redelivery_refund";

/// The units of `order` in parcels that came back undelivered, per line.
fn returned_units(order: &Order, shipments: &[ecrin_store::Shipment]) -> Vec<Units> {
    let mut back: Vec<Units> = Vec::new();
    for l in shipments
        .iter()
        .filter(|s| s.state == ShipmentState::ReturnedUndelivered)
        .flat_map(|s| &s.lines)
    {
        match back.iter_mut().find(|b| b.line_no == l.line_no) {
            Some(b) => b.quantity += l.quantity,
            None => back.push(Units {
                line_no: l.line_no,
                quantity: l.quantity,
            }),
        }
    }
    back.retain(|u| order.lines.iter().any(|l| l.line_no == u.line_no));
    back
}

/// An order already placed for these pieces and not lapsed: one at a time.
fn pending(links: &[Redelivery], of_order_id: &str) -> Option<String> {
    links
        .iter()
        .find(|r| r.of_order_id == of_order_id && r.order_status != OrderState::Cancelled)
        .map(|r| r.order_number.clone())
}

fn already_pending(number: &str) -> AppError {
    Refusal::of(
        RefusalKind::Conflict,
        "redelivery_pending",
        format!("order {number} was already placed to send these pieces again"),
    )
    .into()
}

/// DLV-5: whether the customer may ask now for the pieces of `order` to be sent again (the
/// form on the order's page): the rules' answer (`ecrin_core::order`, `Resend`: every
/// parcel back or delivered, nothing left to prepare, not sent again already) and no other
/// new order for them under way, as [`request`] decides it.
pub async fn may_request(app: &App, order: &Order) -> Result<bool, AppError> {
    let shipments = app.store.shipments_of(&order.id).await?;
    let model = lifecycle::model(order, &shipments);
    if ecrin_core::order::apply(&model, &OrderEvent::Resend, &app.profile).is_err() {
        return Ok(false);
    }
    Ok(pending(&app.store.redeliveries_of(&order.id).await?, &order.id).is_none())
}

/// DLV-5: the customer asks for the pieces of `number`, returned undelivered, to be sent
/// again: the priced summary of a new order for them at the day's prices and delivery
/// charge, to be confirmed and paid like any order.
pub async fn request(
    app: &App,
    customer_id: &str,
    number: &str,
    input: &CheckoutInput,
) -> Result<Summary, AppError> {
    let order = crate::checkout::order_of(app, customer_id, number).await?;
    let shipments = app.store.shipments_of(&order.id).await?;
    // The rules say whether the pieces can leave this order now (every parcel back or
    // delivered, nothing left to prepare), before anything is priced.
    let model = lifecycle::model(&order, &shipments);
    ecrin_core::order::apply(&model, &OrderEvent::Resend, &app.profile)?;
    if let Some(n) = pending(&app.store.redeliveries_of(&order.id).await?, &order.id) {
        return Err(already_pending(&n));
    }
    let lines: Vec<WantedLine> = returned_units(&order, &shipments)
        .iter()
        .filter_map(|u| {
            let l = order.lines.iter().find(|l| l.line_no == u.line_no)?;
            Some(WantedLine {
                sku: l.sku.clone(),
                quantity: u32::try_from(u.quantity).ok()?,
                personalisation: l.personalisation.clone(),
            })
        })
        .collect();
    crate::checkout::summarise_redelivery(app, customer_id, input, lines, &order.number).await
}

/// DLV-5, in the new order's placing transaction: the link to the first order, which must
/// still be waiting for instructions with no other new order under way.
pub(crate) async fn link(
    tx: &mut dyn Tx,
    new_order_id: &str,
    of_number: &str,
    customer_id: &str,
    now: i64,
) -> Result<(), AppError> {
    let first = tx
        .order_in_tx(of_number)
        .await?
        .filter(|o| o.customer_id == customer_id)
        .ok_or(AppError::NotFound)?;
    if first.status != OrderState::BeingReturned || first.resent {
        return Err(Refusal::wrong_status(format!(
            "order {of_number} is no longer waiting to be sent again"
        ))
        .into());
    }
    if let Some(n) = pending(&tx.redeliveries_in_tx(&first.id).await?, &first.id) {
        return Err(already_pending(&n));
    }
    tx.insert_redelivery(new_order_id, &first.id, now).await?;
    Ok(())
}

/// The re-deliveries `order` is part of, on either side, oldest first.
pub async fn links(app: &App, order: &Order) -> Result<Vec<Redelivery>, AppError> {
    Ok(app.store.redeliveries_of(&order.id).await?)
}

/// The re-delivery a new order is for, if it is one.
pub async fn of(app: &App, order: &Order) -> Result<Option<Redelivery>, AppError> {
    Ok(app
        .store
        .redeliveries_of(&order.id)
        .await?
        .into_iter()
        .find(|r| r.order_id == order.id))
}

/// DLV-5, in the transaction that records the new order's payment: the pieces leave the
/// first order for the new one (their units, held by the house, now reserved for it), the
/// first order's abandonment clock stops, the customer is told, and the refund of what
/// the first order charged for them is scheduled.
pub(crate) async fn hand_over(
    app: &App,
    tx: &mut dyn Tx,
    new_order: &Order,
    now: i64,
) -> Result<(), AppError> {
    let Some(link) = tx
        .redeliveries_in_tx(&new_order.id)
        .await?
        .into_iter()
        .find(|r| r.order_id == new_order.id)
    else {
        return Ok(());
    };
    let Some(first) = tx.order_in_tx(&link.of_order_number).await? else {
        return Ok(());
    };
    let data = serde_json::json!({"order": new_order.number});
    let applied = match lifecycle::apply(
        app,
        tx,
        &first,
        &OrderEvent::Resend,
        "resent",
        &data,
        &Details::default(),
        now,
    )
    .await
    {
        Ok(applied) => applied,
        // Abandoned meanwhile: the new order is prepared like any other; the house sees
        // why in both histories.
        Err(AppError::Refused(r)) => {
            tracing::warn!(order = %new_order.number, first = %first.number, "re-delivery paid for an order that can no longer be sent again");
            crate::proof::append(
                tx,
                &new_order.id,
                now,
                "redelivery_not_applied",
                &serde_json::json!({"of": first.number, "reason": r.detail}),
            )
            .await?;
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let moved: Vec<Units> = applied.cancelled();
    // The units the house holds go with the pieces.
    for u in &moved {
        let Some(from) = first.lines.iter().find(|l| l.line_no == u.line_no) else {
            continue;
        };
        tx.set_line_reserved(&first.id, from.line_no, (from.reserved - u.quantity).max(0))
            .await?;
        if let Some(to) = new_order
            .lines
            .iter()
            .find(|l| l.sku == from.sku && l.reserved == 0)
        {
            tx.set_line_reserved(&new_order.id, to.line_no, to.quantity)
                .await?;
        }
    }
    tx.cancel_job(crate::jobs::ORDER_ABANDONMENT, &first.number)
        .await?;
    let amount = goods(&first, &moved);
    if amount > 0 {
        let id = crate::customers::ordered_id_at("job", now)?;
        tx.enqueue_job(&id, REDELIVERY_REFUND, &first.number, now)
            .await?;
    }
    let new_number = new_order.number.clone();
    crate::fulfilment::tell(app, tx, &first, "email-resent-subject", |t, args| {
        let mut args = args.to_vec();
        args.push(("new", new_number));
        args.push(("amount", t.money(amount)));
        (vec![t.with("email-resent-text", &args)], None)
    })
    .await
}

/// What an order charged for `units`.
fn goods(order: &Order, units: &[Units]) -> i64 {
    units
        .iter()
        .filter_map(|u| {
            let l = order.lines.iter().find(|l| l.line_no == u.line_no)?;
            Some(l.unit_price_incl_vat * u.quantity)
        })
        .sum()
}

/// DLV-5 (the job): the first order's pieces left on a paid new order; what it charged for
/// them goes back to its payment, once (the refund's key is the order's).
pub(crate) async fn refund_first(app: &App, number: &str) -> Result<(), AppError> {
    let Some(first) = app.store.order_by_number(number).await? else {
        return Ok(());
    };
    let Some(resent) = app
        .store
        .order_events(&first.id)
        .await?
        .into_iter()
        .rev()
        .find(|e| e.kind == "resent")
    else {
        return Ok(());
    };
    let data: serde_json::Value = serde_json::from_str(&resent.data).unwrap_or_default();
    let shipments = app.store.shipments_of(&first.id).await?;
    let amount = goods(&first, &returned_units(&first, &shipments));
    if amount <= 0 {
        return Ok(());
    }
    let new_number = data["order"].as_str().unwrap_or_default();
    match refunds::make(
        app,
        &format!("redelivery:{new_number}"),
        number,
        RefundInput {
            payment_id: None,
            amount,
            reason: format!("resent: the pieces left again on order {new_number}"),
            key: Some(format!("{number}-resent")),
            destination: None,
        },
    )
    .await
    {
        Ok(_) => Ok(()),
        // No payment received to refund it from (an order paid before payments were kept):
        // the house refunds it by hand; retrying would not change that.
        Err(AppError::Refused(r)) if r.kind == RefusalKind::Conflict => {
            tracing::warn!(order = %number, detail = %r.detail, "re-delivery refund left to the house");
            Ok(())
        }
        Err(e) => Err(e),
    }
}
