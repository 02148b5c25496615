//! The order's lifecycle (PAY-2, PAY-4, DLV-1, DLV-3, DLV-5, DLV-6, STK-1, STK-3).
//!
//! Payment, lines and shipments are kept apart, each with its own state, and the status
//! the customer sees ("My Orders", DLV-1) is derived from them, never set by hand:
//! `awaiting_payment` until the full amount is received, then `being_prepared` until every
//! unit still due has left, `shipped`, then `delivered` once every shipment is; a parcel
//! returned undelivered makes the order `being_returned`, and twelve months without
//! instructions `abandoned`, unless the customer has the pieces sent again on a new order
//! first (they then leave this one, `cancelled` where nothing else was delivered); an
//! order with nothing left to deliver is `cancelled`.
//!
//! [`apply`] is the one door: it takes an order, an event and the profile, and answers the
//! changes to make ([`Effect`]) or a [`Refusal`]. It reads no clock and touches no store;
//! the caller writes the effects in one transaction with the history event.

use crate::Profile;
use crate::profile::StockoutPolicy;
use crate::refusal::Refusal;
pub use crate::states::UnknownState;
use crate::states::named_states;
use serde::{Deserialize, Serialize};

named_states! {
    /// What the customer sees (DLV-1), derived by [`Order::derived_status`].
    OrderState {
        AwaitingPayment = "awaiting_payment",
        BeingPrepared = "being_prepared",
        Shipped = "shipped",
        Delivered = "delivered",
        BeingReturned = "being_returned",
        Cancelled = "cancelled",
        Abandoned = "abandoned",
    }
}

named_states! {
    /// The order's money (PAY-2): awaited, received in full, or never to come.
    PaymentState {
        Awaiting = "awaiting",
        Paid = "paid",
        /// The order was cancelled before it was paid (PAY-4): nothing is owed.
        Void = "void",
    }
}

named_states! {
    /// One parcel (DLV-3, DLV-5, DLV-6).
    ShipmentState {
        InTransit = "in_transit",
        Delivered = "delivered",
        ReturnedUndelivered = "returned_undelivered",
    }
}

named_states! {
    /// One line as the API shows it: still to be delivered or kept, cancelled, returned.
    LineState {
        Active = "active",
        Cancelled = "cancelled",
        Returned = "returned",
    }
}

/// Units of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Units {
    pub line_no: i64,
    pub quantity: i64,
}

/// A line of the order, as far as its lifecycle goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub line_no: i64,
    pub quantity: i64,
    /// Units cancelled (STK-1, STK-3, or the whole order unpaid).
    pub cancelled: i64,
    /// Units that came back after delivery (withdrawal).
    pub returned: i64,
}

impl Line {
    /// Units still to be delivered or kept: ordered less cancelled.
    pub fn due(&self) -> i64 {
        self.quantity - self.cancelled
    }

    pub fn state(&self) -> LineState {
        if self.cancelled >= self.quantity {
            LineState::Cancelled
        } else if self.returned > 0 && self.returned >= self.due() {
            LineState::Returned
        } else {
            LineState::Active
        }
    }
}

/// A parcel and the units in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    pub id: String,
    pub state: ShipmentState,
    pub units: Vec<Units>,
}

/// An order as its lifecycle sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub payment: PaymentState,
    pub lines: Vec<Line>,
    pub shipments: Vec<Shipment>,
    /// DLV-5: twelve months returned undelivered without instructions.
    pub abandoned: bool,
    /// DLV-5: the pieces returned undelivered were sent again on a new order; the parcels
    /// that came back no longer count here.
    pub resent: bool,
    /// The status kept beside the order (for lists and filters); always the derived one.
    pub status: OrderState,
}

impl Order {
    /// A new order of `lines` (line number, quantity), awaiting its payment.
    pub fn placed(lines: impl IntoIterator<Item = (i64, i64)>) -> Order {
        Order {
            payment: PaymentState::Awaiting,
            lines: lines
                .into_iter()
                .map(|(line_no, quantity)| Line {
                    line_no,
                    quantity,
                    cancelled: 0,
                    returned: 0,
                })
                .collect(),
            shipments: Vec::new(),
            abandoned: false,
            resent: false,
            status: OrderState::AwaitingPayment,
        }
    }

    pub fn line(&self, line_no: i64) -> Option<&Line> {
        self.lines.iter().find(|l| l.line_no == line_no)
    }

    /// The parcels that count for this order: all of them, but those that came back
    /// undelivered once their pieces were sent again on a new order (DLV-5).
    pub fn live_shipments(&self) -> impl Iterator<Item = &Shipment> {
        self.shipments
            .iter()
            .filter(|s| !(self.resent && s.state == ShipmentState::ReturnedUndelivered))
    }

    /// Units of a line that have left, in every parcel that counts.
    pub fn shipped(&self, line_no: i64) -> i64 {
        self.live_shipments()
            .flat_map(|s| &s.units)
            .filter(|u| u.line_no == line_no)
            .map(|u| u.quantity)
            .sum()
    }

    /// Units of a line in delivered shipments.
    pub fn delivered(&self, line_no: i64) -> i64 {
        self.shipments
            .iter()
            .filter(|s| s.state == ShipmentState::Delivered)
            .flat_map(|s| &s.units)
            .filter(|u| u.line_no == line_no)
            .map(|u| u.quantity)
            .sum()
    }

    /// Units of a line still to leave: due, less shipped.
    pub fn unshipped(&self, line_no: i64) -> i64 {
        self.line(line_no)
            .map(|l| (l.due() - self.shipped(line_no)).max(0))
            .unwrap_or(0)
    }

    /// The status the customer sees, from payment, lines and shipments (DLV-1).
    pub fn derived_status(&self) -> OrderState {
        let due: i64 = self.lines.iter().map(Line::due).sum();
        match self.payment {
            PaymentState::Void => return OrderState::Cancelled,
            PaymentState::Awaiting if due == 0 => return OrderState::Cancelled,
            PaymentState::Awaiting => return OrderState::AwaitingPayment,
            PaymentState::Paid => {}
        }
        if self.abandoned {
            return OrderState::Abandoned;
        }
        if self
            .live_shipments()
            .any(|s| s.state == ShipmentState::ReturnedUndelivered)
        {
            return OrderState::BeingReturned;
        }
        if due == 0 && self.live_shipments().next().is_none() {
            return OrderState::Cancelled;
        }
        if self.lines.iter().any(|l| self.unshipped(l.line_no) > 0) {
            return OrderState::BeingPrepared;
        }
        if self
            .live_shipments()
            .all(|s| s.state == ShipmentState::Delivered)
        {
            OrderState::Delivered
        } else {
            OrderState::Shipped
        }
    }

    /// Writes one effect into the order (what the store does with it, in memory).
    pub fn evolve(&mut self, effect: &Effect) {
        match effect {
            Effect::Payment(p) => self.payment = *p,
            Effect::Ship(s) => self.shipments.push(s.clone()),
            Effect::ShipmentState { shipment_id, state } => {
                if let Some(s) = self.shipments.iter_mut().find(|s| &s.id == shipment_id) {
                    s.state = *state;
                }
            }
            Effect::CancelUnits(u) => {
                if let Some(l) = self.lines.iter_mut().find(|l| l.line_no == u.line_no) {
                    l.cancelled += u.quantity;
                }
            }
            Effect::ReturnUnits(u) => {
                if let Some(l) = self.lines.iter_mut().find(|l| l.line_no == u.line_no) {
                    l.returned += u.quantity;
                }
            }
            Effect::Abandon => self.abandoned = true,
            Effect::Resend => self.resent = true,
            Effect::Status { to, .. } => self.status = *to,
            Effect::OfferAlternatives(_) => {}
        }
    }
}

/// Something that happens to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderEvent {
    /// PAY-2: the full amount is received (card captured, transfer credited).
    PaymentReceived,
    /// PAY-4: the transfer did not come in time; the order ends, nothing owed.
    PaymentExpired,
    /// DLV-3: a parcel leaves with `units`, or with every unit still to leave when empty.
    Ship {
        shipment_id: String,
        units: Vec<Units>,
    },
    /// DLV-6: a parcel is delivered (signed for, or collected at the boutique); every
    /// parcel in transit when `shipment_id` is `None`.
    Deliver { shipment_id: Option<String> },
    /// DLV-5: a parcel came back undelivered; every one in transit when `None`.
    ReturnedUndelivered { shipment_id: Option<String> },
    /// DLV-5: twelve months returned without instructions.
    Abandon,
    /// DLV-5: the customer's new order for the pieces returned undelivered is paid; they
    /// leave this order for that one. Only once every parcel is back or delivered and
    /// nothing is left to prepare.
    Resend,
    /// STK-1: units found unavailable after payment. `paris` decides at once
    /// (`Some(resolution)`); `atelier` and `milano` offer the customer a choice (`None`).
    StockOut {
        units: Vec<Units>,
        resolution: Option<StockoutResolution>,
    },
    /// STK-3, and the customer's choice of cancellation after a stock-out: units not yet
    /// shipped are cancelled.
    CancelUnits { units: Vec<Units> },
    /// WDR-4: withdrawn units came back and were accepted.
    ReturnUnits { units: Vec<Units> },
}

named_states! {
    /// What the house decides for units out of stock under `partial_or_cancel` (STK-1).
    StockoutResolution {
        /// Deliver what is there; the missing units are cancelled and refunded.
        PartialDelivery = "partial_delivery",
        /// The whole line is cancelled and refunded.
        CancelLine = "cancel_line",
    }
}

named_states! {
    /// What the customer of `atelier` or `milano` chooses for units out of stock (STK-1).
    StockoutChoice {
        /// Another piece the house has, at no extra cost.
        Equivalent = "equivalent",
        /// The piece once it is back in stock.
        Wait = "wait",
        /// The units cancelled and refunded.
        Cancel = "cancel",
    }
}

/// A change to make, in the order of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Payment(PaymentState),
    Ship(Shipment),
    ShipmentState {
        shipment_id: String,
        state: ShipmentState,
    },
    /// Units no longer due: their stock is released and, when paid, refunded.
    CancelUnits(Units),
    /// WDR-4: units back from the customer, accepted.
    ReturnUnits(Units),
    Abandon,
    /// DLV-5: the parcels returned undelivered stop counting (their units are cancelled
    /// here by [`Effect::CancelUnits`], now due on the new order).
    Resend,
    /// `atelier`, `milano` (STK-1): the customer is offered an equivalent piece, waiting,
    /// or cancellation for these units.
    OfferAlternatives(Vec<Units>),
    /// The status the customer sees changes: recorded and e-mailed (DLV-1).
    Status {
        from: OrderState,
        to: OrderState,
    },
}

fn wrong_status(order: &Order, what: &str) -> Refusal {
    Refusal::wrong_status(format!(
        "an order {} cannot be {what}",
        order.status.as_str().replace('_', " ")
    ))
}

/// The changes `event` makes to `order`, or why it cannot happen.
pub fn apply(order: &Order, event: &OrderEvent, profile: &Profile) -> Result<Vec<Effect>, Refusal> {
    let mut effects = changes(order, event, profile)?;
    let mut after = order.clone();
    for e in &effects {
        after.evolve(e);
    }
    let to = after.derived_status();
    if to != order.status {
        effects.push(Effect::Status {
            from: order.status,
            to,
        });
    }
    Ok(effects)
}

fn changes(order: &Order, event: &OrderEvent, profile: &Profile) -> Result<Vec<Effect>, Refusal> {
    let status = order.status;
    if matches!(status, OrderState::Cancelled | OrderState::Abandoned) {
        return Err(wrong_status(order, "changed any more"));
    }
    match event {
        OrderEvent::PaymentReceived => {
            if order.payment != PaymentState::Awaiting || status != OrderState::AwaitingPayment {
                return Err(wrong_status(order, "paid"));
            }
            Ok(vec![Effect::Payment(PaymentState::Paid)])
        }
        OrderEvent::PaymentExpired => {
            if order.payment != PaymentState::Awaiting {
                return Err(wrong_status(order, "cancelled for want of payment"));
            }
            let mut effects = vec![Effect::Payment(PaymentState::Void)];
            effects.extend(order.lines.iter().filter(|l| l.due() > 0).map(|l| {
                Effect::CancelUnits(Units {
                    line_no: l.line_no,
                    quantity: l.due(),
                })
            }));
            Ok(effects)
        }
        OrderEvent::Ship { shipment_id, units } => {
            // PAY-2: nothing ships before the full amount is received.
            if order.payment != PaymentState::Paid || !matches!(status, OrderState::BeingPrepared) {
                return Err(wrong_status(order, "shipped"));
            }
            if order.shipments.iter().any(|s| &s.id == shipment_id) {
                return Err(Refusal::conflict("this shipment is already recorded"));
            }
            let units = if units.is_empty() {
                order
                    .lines
                    .iter()
                    .map(|l| Units {
                        line_no: l.line_no,
                        quantity: order.unshipped(l.line_no),
                    })
                    .filter(|u| u.quantity > 0)
                    .collect()
            } else {
                checked_units(order, units, |o, n| o.unshipped(n), "lines")?
            };
            if units.is_empty() {
                return Err(wrong_status(order, "shipped: nothing is left to ship"));
            }
            Ok(vec![Effect::Ship(Shipment {
                id: shipment_id.clone(),
                state: ShipmentState::InTransit,
                units,
            })])
        }
        OrderEvent::Deliver { shipment_id } => {
            let targets = in_transit(order, shipment_id.as_deref())?;
            if targets.is_empty() {
                return Err(wrong_status(order, "delivered: no parcel is on its way"));
            }
            Ok(targets
                .into_iter()
                .map(|id| Effect::ShipmentState {
                    shipment_id: id,
                    state: ShipmentState::Delivered,
                })
                .collect())
        }
        OrderEvent::ReturnedUndelivered { shipment_id } => {
            let targets = in_transit(order, shipment_id.as_deref())?;
            if targets.is_empty() {
                return Err(wrong_status(
                    order,
                    "returned undelivered: no parcel is on its way",
                ));
            }
            Ok(targets
                .into_iter()
                .map(|id| Effect::ShipmentState {
                    shipment_id: id,
                    state: ShipmentState::ReturnedUndelivered,
                })
                .collect())
        }
        OrderEvent::Abandon => {
            if status != OrderState::BeingReturned {
                return Err(wrong_status(order, "abandoned"));
            }
            Ok(vec![Effect::Abandon])
        }
        OrderEvent::Resend => {
            if status != OrderState::BeingReturned || order.resent {
                return Err(wrong_status(order, "sent again"));
            }
            if order
                .shipments
                .iter()
                .any(|s| s.state == ShipmentState::InTransit)
                || order.lines.iter().any(|l| order.unshipped(l.line_no) > 0)
            {
                return Err(wrong_status(
                    order,
                    "sent again while a parcel is on its way or still to prepare",
                ));
            }
            let mut back: Vec<Units> = Vec::new();
            for u in order
                .shipments
                .iter()
                .filter(|s| s.state == ShipmentState::ReturnedUndelivered)
                .flat_map(|s| &s.units)
            {
                match back.iter_mut().find(|b| b.line_no == u.line_no) {
                    Some(b) => b.quantity += u.quantity,
                    None => back.push(*u),
                }
            }
            let mut effects = vec![Effect::Resend];
            effects.extend(back.into_iter().map(Effect::CancelUnits));
            Ok(effects)
        }
        OrderEvent::StockOut { units, resolution } => {
            if order.payment != PaymentState::Paid || status != OrderState::BeingPrepared {
                return Err(wrong_status(order, "short of stock"));
            }
            let units = checked_units(order, units, |o, n| o.unshipped(n), "lines")?;
            match (profile.after_sales.stockout_policy, resolution) {
                (StockoutPolicy::PartialOrCancel, Some(StockoutResolution::PartialDelivery)) => {
                    Ok(units.into_iter().map(Effect::CancelUnits).collect())
                }
                (StockoutPolicy::PartialOrCancel, Some(StockoutResolution::CancelLine)) => {
                    Ok(units
                        .iter()
                        .map(|u| {
                            Effect::CancelUnits(Units {
                                line_no: u.line_no,
                                quantity: order.unshipped(u.line_no),
                            })
                        })
                        .collect())
                }
                (StockoutPolicy::PartialOrCancel, None) => Err(Refusal::invalid(
                    "resolution",
                    "the house decides: partial_delivery or cancel_line",
                )),
                (StockoutPolicy::OfferAlternatives, None) => {
                    Ok(vec![Effect::OfferAlternatives(units)])
                }
                (StockoutPolicy::OfferAlternatives, Some(_)) => Err(Refusal::invalid(
                    "resolution",
                    "the customer chooses (an equivalent piece, waiting, or cancellation)",
                )),
            }
        }
        OrderEvent::ReturnUnits { units } => {
            if order.payment != PaymentState::Paid {
                return Err(wrong_status(order, "given back"));
            }
            // Only units delivered, and not already back.
            let units = checked_units(
                order,
                units,
                |o, n| {
                    let returned = o.line(n).map(|l| l.returned).unwrap_or(0);
                    (o.delivered(n) - returned).max(0)
                },
                "lines",
            )?;
            Ok(units.into_iter().map(Effect::ReturnUnits).collect())
        }
        OrderEvent::CancelUnits { units } => {
            if !matches!(
                status,
                OrderState::AwaitingPayment | OrderState::BeingPrepared
            ) {
                return Err(wrong_status(order, "cancelled"));
            }
            let units = checked_units(order, units, |o, n| o.unshipped(n), "lines")?;
            let cancelled: i64 = units.iter().map(|u| u.quantity).sum();
            let due: i64 = order.lines.iter().map(Line::due).sum();
            let mut effects: Vec<Effect> = units.into_iter().map(Effect::CancelUnits).collect();
            // Nothing left of an unpaid order: nothing is owed either.
            if order.payment == PaymentState::Awaiting && cancelled == due {
                effects.push(Effect::Payment(PaymentState::Void));
            }
            Ok(effects)
        }
    }
}

/// The parcels in transit an event names: one by id, or all of them.
fn in_transit(order: &Order, shipment_id: Option<&str>) -> Result<Vec<String>, Refusal> {
    match shipment_id {
        Some(id) => {
            let s = order
                .shipments
                .iter()
                .find(|s| s.id == id)
                .ok_or_else(|| Refusal::invalid("shipment_id", "not_in_order"))?;
            if s.state != ShipmentState::InTransit {
                return Err(Refusal::wrong_status(format!(
                    "this parcel is already {}",
                    s.state.as_str().replace('_', " ")
                )));
            }
            Ok(vec![s.id.clone()])
        }
        None => Ok(order
            .shipments
            .iter()
            .filter(|s| s.state == ShipmentState::InTransit)
            .map(|s| s.id.clone())
            .collect()),
    }
}

/// Units named by a request, each of a line of the order and within what `room` leaves;
/// units of one line named twice count together.
fn checked_units(
    order: &Order,
    units: &[Units],
    room: impl Fn(&Order, i64) -> i64,
    field: &str,
) -> Result<Vec<Units>, Refusal> {
    let mut merged: Vec<Units> = Vec::new();
    for u in units {
        if order.line(u.line_no).is_none() {
            return Err(Refusal::invalid(field, "not_in_order"));
        }
        if u.quantity <= 0 {
            return Err(Refusal::invalid(field, "quantity_not_positive"));
        }
        match merged.iter_mut().find(|m| m.line_no == u.line_no) {
            Some(m) => m.quantity += u.quantity,
            None => merged.push(*u),
        }
    }
    if merged.is_empty() {
        return Err(Refusal::invalid(field, "empty"));
    }
    if merged.iter().any(|u| u.quantity > room(order, u.line_no)) {
        return Err(Refusal::invalid(field, "more_than_left"));
    }
    Ok(merged)
}
