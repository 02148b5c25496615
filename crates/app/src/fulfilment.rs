//! Fulfilment (DLV-1, DLV-3, DLV-6): staff ship an order, whole or in part, with its
//! carrier and tracking number, and record each parcel's delivery; the customer is told by
//! e-mail of every status they see change. The rules are `ecrin_core::order`'s.

use crate::backoffice::{require, staff};
use crate::emails::{self, Message};
use crate::i18n::Tr;
use crate::lifecycle::{self, Details};
use crate::{App, AppError};
use ecrin_core::Lang;
use ecrin_core::account::Role;
use ecrin_core::order::{Effect, OrderEvent, OrderState, Units};
use ecrin_core::query::FieldError;
use ecrin_store::{Order, Shipment, Tx};

/// Who ships: the warehouse, and admins.
pub const SHIPPING: &[Role] = &[Role::Admin, Role::Warehouse];
/// Who records a delivery: the warehouse, customer service (a boutique pick-up), admins.
pub const DELIVERING: &[Role] = &[Role::Admin, Role::Warehouse, Role::CustomerService];

/// What staff send with a parcel.
#[derive(Debug, Clone, Default)]
pub struct ShipInput {
    pub carrier: String,
    pub tracking_number: String,
    /// Units of the order's lines; empty: every unit still to leave.
    pub lines: Vec<Units>,
}

/// DLV-3: a parcel of `number` leaves. Refused (`409 wrong_status`) unless the order is
/// paid and being prepared (PAY-2); a line or quantity not in the order is
/// `validation_failed`.
pub async fn ship(
    app: &App,
    staff_id: &str,
    number: &str,
    input: ShipInput,
) -> Result<(Order, Shipment), AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, SHIPPING)?;
    let mut errors = Vec::new();
    let carrier = input.carrier.trim();
    if carrier.is_empty() || carrier.chars().count() > 100 || carrier.chars().any(char::is_control)
    {
        errors.push(FieldError {
            field: "carrier".into(),
            reason: "required",
        });
    }
    let tracking = input.tracking_number.trim();
    if tracking.is_empty()
        || tracking.chars().count() > 64
        || !tracking
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ')
    {
        errors.push(FieldError {
            field: "tracking_number".into(),
            reason: "letters_digits_and_dashes",
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let now = app.clock.now_ms();
    let shipment_id = crate::customers::ordered_id_at("shp", now)?;
    let mut tx = app.store.begin().await?;
    let order = tx.order_in_tx(number).await?.ok_or(AppError::NotFound)?;
    let details = Details {
        carrier: carrier.to_owned(),
        tracking_number: tracking.to_owned(),
        staff_id: Some(s.id.clone()),
        ..Details::default()
    };
    let event = OrderEvent::Ship {
        shipment_id: shipment_id.clone(),
        units: input.lines,
    };
    let data = serde_json::json!({"shipment_id": shipment_id, "carrier": carrier,
                                  "tracking_number": tracking, "staff_id": s.id});
    let applied = lifecycle::apply(
        app,
        tx.as_mut(),
        &order,
        &event,
        "shipped",
        &data,
        &details,
        now,
    )
    .await?;
    let units: Vec<(i64, i64)> = applied
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::Ship(s) => Some(s.units.iter().map(|u| (u.line_no, u.quantity)).collect()),
            _ => None,
        })
        .unwrap_or_default();
    // DLV-1, DLV-3: every parcel is told, with its tracking; "shipped" once all has left.
    let subject = if became(&applied.effects) == Some(OrderState::Shipped) {
        "email-shipped-subject"
    } else {
        "email-shipped-part-subject"
    };
    tell(app, tx.as_mut(), &order, subject, |t, args| {
        let link = tracking_link(app, &order, tracking);
        let mut paragraphs = vec![
            t.with("email-shipped-text", args),
            t.with(
                "email-shipped-tracking",
                &[
                    ("carrier", carrier.to_owned()),
                    ("tracking", tracking.to_owned()),
                ],
            ),
        ];
        paragraphs.push(lines_sentence(t, &order, &units));
        (paragraphs, link.map(|l| (t.t("email-shipped-button"), l)))
    })
    .await?;
    tx.commit().await?;
    let shipment = app
        .store
        .shipments_of(&order.id)
        .await?
        .into_iter()
        .find(|s| s.id == shipment_id)
        .ok_or(AppError::NotFound)?;
    let order = app
        .store
        .order_by_number(number)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((order, shipment))
}

/// DLV-6: a parcel is delivered (signed for, by a gift's recipient as well; or collected
/// at the boutique, confirmed by customer service); every parcel on its way when none is
/// named. Each line's withdrawal and warranty clocks start from this date.
pub async fn deliver(
    app: &App,
    staff_id: &str,
    number: &str,
    shipment_id: Option<String>,
    delivered_at: Option<i64>,
    signed_by: Option<String>,
) -> Result<Order, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, DELIVERING)?;
    let now = app.clock.now_ms();
    if delivered_at.is_some_and(|at| at > now) {
        return Err(AppError::Invalid(vec![FieldError {
            field: "delivered_at".into(),
            reason: "in_the_future",
        }]));
    }
    let signed_by = signed_by
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if signed_by
        .as_deref()
        .is_some_and(|n| n.chars().count() > 200 || n.chars().any(char::is_control))
    {
        return Err(AppError::Invalid(vec![FieldError {
            field: "signed_by".into(),
            reason: "1_to_200_printable_characters",
        }]));
    }
    let mut tx = app.store.begin().await?;
    let order = tx.order_in_tx(number).await?.ok_or(AppError::NotFound)?;
    if delivered_at.is_some_and(|at| at < order.placed_at) {
        return Err(AppError::Invalid(vec![FieldError {
            field: "delivered_at".into(),
            reason: "before_the_order",
        }]));
    }
    let at = delivered_at.unwrap_or(now);
    let details = Details {
        staff_id: Some(s.id.clone()),
        signed_by: signed_by.clone(),
        delivered_at: Some(at),
        ..Details::default()
    };
    let data = serde_json::json!({"shipment_id": shipment_id, "delivered_at": at,
                                  "signed_by": signed_by, "staff_id": s.id});
    let applied = lifecycle::apply(
        app,
        tx.as_mut(),
        &order,
        &OrderEvent::Deliver { shipment_id },
        "delivered",
        &data,
        &details,
        now,
    )
    .await?;
    if became(&applied.effects) == Some(OrderState::Delivered) {
        tell(
            app,
            tx.as_mut(),
            &order,
            "email-delivered-subject",
            |t, args| {
                (
                    vec![
                        t.with("email-delivered-text", args),
                        t.t("email-delivered-after"),
                    ],
                    None,
                )
            },
        )
        .await?;
    }
    tx.commit().await?;
    app.store
        .order_by_number(number)
        .await?
        .ok_or(AppError::NotFound)
}

/// DLV-5: a parcel came back undelivered (every one on its way when none is named): the
/// order is `being_returned`, the customer is told why and how to have it sent again, and
/// twelve months without instructions will make it `abandoned`.
pub async fn returned_undelivered(
    app: &App,
    staff_id: &str,
    number: &str,
    shipment_id: Option<String>,
    reason: &str,
) -> Result<Order, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, DELIVERING)?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 || reason.chars().any(char::is_control) {
        return Err(AppError::Invalid(vec![FieldError {
            field: "reason".into(),
            reason: "1_to_500_printable_characters",
        }]));
    }
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    let order = tx.order_in_tx(number).await?.ok_or(AppError::NotFound)?;
    let details = Details {
        staff_id: Some(s.id.clone()),
        reason: Some(reason.to_owned()),
        ..Details::default()
    };
    let data = serde_json::json!({"shipment_id": shipment_id, "reason": reason, "staff_id": s.id});
    let applied = lifecycle::apply(
        app,
        tx.as_mut(),
        &order,
        &OrderEvent::ReturnedUndelivered { shipment_id },
        "returned_undelivered",
        &data,
        &details,
        now,
    )
    .await?;
    if became(&applied.effects) == Some(OrderState::BeingReturned) {
        let due = ecrin_core::deadlines::abandonment_due(&app.profile, now);
        let id = crate::customers::ordered_id_at("job", now)?;
        tx.enqueue_job(&id, crate::jobs::ORDER_ABANDONMENT, &order.number, due)
            .await?;
        let lang = crate::documents::order_lang(&app.profile, &order);
        let until = crate::i18n::date(due, lang, &app.profile.time_zone);
        tell(
            app,
            tx.as_mut(),
            &order,
            "email-returned-subject",
            |t, args| {
                (
                    vec![
                        t.with("email-returned-text", args),
                        t.with("email-returned-reason", &[("reason", reason.to_owned())]),
                        t.with("email-returned-instructions", &[("until", until)]),
                    ],
                    None,
                )
            },
        )
        .await?;
    }
    tx.commit().await?;
    app.store
        .order_by_number(number)
        .await?
        .ok_or(AppError::NotFound)
}

/// DLV-5 (the job): twelve months on, an order still returned undelivered is abandoned;
/// one the customer gave instructions for meanwhile is left alone.
pub(crate) async fn abandon(
    app: &App,
    tx: &mut dyn Tx,
    number: &str,
    now: i64,
) -> Result<(), AppError> {
    let Some(order) = tx.order_in_tx(number).await? else {
        return Ok(());
    };
    let data = serde_json::json!({"reason": "no_instructions_within_12_months"});
    match lifecycle::apply(
        app,
        tx,
        &order,
        &OrderEvent::Abandon,
        "abandoned",
        &data,
        &Details::default(),
        now,
    )
    .await
    {
        Ok(_) => {}
        Err(AppError::Refused(_)) => return Ok(()),
        Err(e) => return Err(e),
    }
    tell(app, tx, &order, "email-abandoned-subject", |t, args| {
        (vec![t.with("email-abandoned-text", args)], None)
    })
    .await
}

/// The carrier's tracking page for a parcel of `order`, from its delivery method.
pub fn tracking_link(app: &App, order: &Order, tracking_number: &str) -> Option<String> {
    let summary = crate::checkout::document(order).ok()?;
    app.profile
        .delivery
        .methods
        .iter()
        .find(|m| m.id == summary.method.id)
        .and_then(|m| m.tracking_link(tracking_number))
}

/// "2 × Jonc Rivage, 1 × …": what a parcel holds.
fn lines_sentence(t: Tr, order: &Order, units: &[(i64, i64)]) -> String {
    let items: Vec<String> = units
        .iter()
        .filter_map(|(no, q)| {
            let l = order.lines.iter().find(|l| l.line_no == *no)?;
            Some(format!("{q} × {}", l.name))
        })
        .collect();
    t.with("email-shipped-contents", &[("items", items.join(", "))])
}

/// The status the customer sees after `effects`, when they changed it.
fn became(effects: &[Effect]) -> Option<OrderState> {
    effects.iter().find_map(|e| match e {
        Effect::Status { to, .. } => Some(*to),
        _ => None,
    })
}

/// DLV-1: an e-mail to the customer about their order, in the language of the order,
/// written in the transaction of the change; the order's page is its button unless the
/// body gives another.
pub(crate) async fn tell(
    app: &App,
    tx: &mut dyn Tx,
    order: &Order,
    subject_key: &str,
    body: impl FnOnce(Tr, &[(&str, String)]) -> (Vec<String>, Option<(String, String)>),
) -> Result<(), AppError> {
    let Some(customer) = app.store.customer_by_id(&order.customer_id).await? else {
        return Ok(());
    };
    let lang: Lang = crate::documents::order_lang(&app.profile, order);
    let t = Tr::new(lang);
    let args = [("number", order.number.clone())];
    let (paragraphs, button) = body(t, &args);
    let button = button.or_else(|| {
        Some((
            t.t("email-order-button"),
            format!(
                "{}/{}/account/orders/{}",
                app.public_url,
                lang.code(),
                order.number
            ),
        ))
    });
    let message = Message {
        to: customer.email.clone(),
        lang,
        subject: t.with(subject_key, &args),
        greeting: t.with("email-greeting", &[("name", customer.given_name.clone())]),
        paragraphs,
        button,
    };
    emails::enqueue(tx, app, message).await
}

/// An order as the back office's order page shows it, with its parcels (every staff role:
/// the warehouse sees what to ship and where, customer data stays on the customer's
/// record).
pub async fn order_for_staff(
    app: &App,
    staff_id: &str,
    number: &str,
) -> Result<(Order, Vec<Shipment>), AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, crate::deadlines::READING)?;
    let order = app
        .store
        .order_by_number(number)
        .await?
        .ok_or(AppError::NotFound)?;
    let shipments = app.store.shipments_of(&order.id).await?;
    Ok((order, shipments))
}

/// An order's parcels with their lines (none before it is paid: nothing ships unpaid).
pub async fn shipments(app: &App, order: &Order) -> Result<Vec<Shipment>, AppError> {
    if order.payment_state != ecrin_core::order::PaymentState::Paid {
        return Ok(Vec::new());
    }
    Ok(app.store.shipments_of(&order.id).await?)
}
