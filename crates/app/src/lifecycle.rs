//! The order's lifecycle inside a use case's transaction: `ecrin_core::order::apply`
//! decides, this writes what it decided. The order's states are compared and set together
//! with the event appended to its history (INV-5), before anything else is written, so a
//! change raced by another one writes nothing.

use crate::{App, AppError, proof};
use ecrin_core::order::{self as lifecycle, Effect, OrderEvent};
use ecrin_core::refusal::Refusal;
use ecrin_store::{Order, OrderStates, Shipment, ShipmentChange, ShipmentLine, Tx};

/// What an event needs beyond the rules: who and what, for the records it writes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Details {
    pub carrier: String,
    pub tracking_number: String,
    pub staff_id: Option<String>,
    pub signed_by: Option<String>,
    /// DLV-6: when the parcel was delivered, if not now.
    pub delivered_at: Option<i64>,
    pub reason: Option<String>,
}

/// An event applied: the changes the rules made and the history event that records it.
#[derive(Debug)]
pub(crate) struct Applied {
    pub effects: Vec<Effect>,
    pub event: ecrin_store::OrderEvent,
}

impl Applied {
    /// The units the event cancelled (no longer due on the order).
    pub fn cancelled(&self) -> Vec<lifecycle::Units> {
        self.effects
            .iter()
            .filter_map(|e| match e {
                Effect::CancelUnits(u) => Some(*u),
                _ => None,
            })
            .collect()
    }
}

/// The order as its lifecycle sees it.
pub(crate) fn model(order: &Order, shipments: &[Shipment]) -> lifecycle::Order {
    lifecycle::Order {
        payment: order.payment_state,
        lines: order
            .lines
            .iter()
            .map(|l| lifecycle::Line {
                line_no: l.line_no,
                quantity: l.quantity,
                cancelled: l.cancelled,
                returned: l.returned,
            })
            .collect(),
        shipments: shipments
            .iter()
            .map(|s| lifecycle::Shipment {
                id: s.id.clone(),
                state: s.state,
                units: s
                    .lines
                    .iter()
                    .map(|l| lifecycle::Units {
                        line_no: l.line_no,
                        quantity: l.quantity,
                    })
                    .collect(),
            })
            .collect(),
        abandoned: order.abandoned,
        resent: order.resent,
        status: order.status,
    }
}

/// Applies `event` to `order` (read in `tx`, with its lines) and records it in its history
/// as `kind` with `data`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply(
    app: &App,
    tx: &mut dyn Tx,
    order: &Order,
    event: &OrderEvent,
    kind: &str,
    data: &serde_json::Value,
    details: &Details,
    now: i64,
) -> Result<Applied, AppError> {
    let shipments = if order.payment_state == ecrin_core::order::PaymentState::Paid {
        tx.shipments_in_tx(&order.id).await?
    } else {
        Vec::new()
    };
    let before = model(order, &shipments);
    let effects = lifecycle::apply(&before, event, &app.profile)?;
    let mut after = before.clone();
    for e in &effects {
        after.evolve(e);
    }
    let from = order.states();
    let to = OrderStates {
        status: after.status,
        payment: after.payment,
        abandoned: after.abandoned,
        resent: after.resent,
    };
    let last = tx.last_order_event(&order.id).await?;
    let recorded = proof::next_event(last.as_ref(), &order.id, now, kind, data);
    if !tx.apply_order_event(&order.id, from, to, &recorded).await? {
        return Err(Refusal::wrong_status("the order changed meanwhile; read it again").into());
    }
    for e in &effects {
        write(tx, order, e, details, now).await?;
    }
    // STK-2: an order ended unpaid gives back the shop credit it spent.
    if effects.contains(&Effect::Payment(ecrin_core::order::PaymentState::Void)) {
        crate::payment::give_back_store_credit(tx, order, now).await?;
    }
    Ok(Applied {
        effects,
        event: recorded,
    })
}

/// Writes one effect beyond the order's own states.
async fn write(
    tx: &mut dyn Tx,
    order: &Order,
    effect: &Effect,
    details: &Details,
    now: i64,
) -> Result<(), AppError> {
    match effect {
        Effect::Ship(s) => {
            tx.insert_shipment(&Shipment {
                id: s.id.clone(),
                order_id: order.id.clone(),
                state: s.state,
                carrier: details.carrier.clone(),
                tracking_number: details.tracking_number.clone(),
                shipped_at: now,
                shipped_by: details.staff_id.clone(),
                delivered_at: None,
                signed_by: None,
                returned_at: None,
                return_reason: None,
                lines: s
                    .units
                    .iter()
                    .map(|u| ShipmentLine {
                        shipment_id: s.id.clone(),
                        line_no: u.line_no,
                        quantity: u.quantity,
                    })
                    .collect(),
            })
            .await?;
        }
        Effect::ShipmentState { shipment_id, state } => {
            let delivered = *state == ecrin_core::order::ShipmentState::Delivered;
            let change = ShipmentChange {
                state: *state,
                delivered_at: delivered.then_some(details.delivered_at.unwrap_or(now)),
                signed_by: details.signed_by.clone().filter(|_| delivered),
                returned_at: (!delivered).then_some(now),
                return_reason: details.reason.clone().filter(|_| !delivered),
            };
            if !tx
                .set_shipment_state(
                    shipment_id,
                    ecrin_core::order::ShipmentState::InTransit,
                    &change,
                )
                .await?
            {
                return Err(Refusal::wrong_status("the parcel changed meanwhile").into());
            }
        }
        Effect::CancelUnits(u) => {
            if !tx
                .cancel_line_units(&order.id, u.line_no, u.quantity)
                .await?
            {
                return Err(Refusal::wrong_status("the line changed meanwhile").into());
            }
        }
        Effect::ReturnUnits(u) => {
            if !tx
                .return_line_units(&order.id, u.line_no, u.quantity)
                .await?
            {
                return Err(Refusal::wrong_status("the line changed meanwhile").into());
            }
        }
        // Kept in the order's states, compared and set above; or for the caller to act on.
        Effect::Payment(_)
        | Effect::Abandon
        | Effect::Resend
        | Effect::Status { .. }
        | Effect::OfferAlternatives(_) => {}
    }
    Ok(())
}
