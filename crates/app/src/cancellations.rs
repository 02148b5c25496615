//! Stock-outs after payment (STK-1) and cancellations by the house (STK-3): units not yet
//! shipped stop being due, their stock goes back on sale, the customer is told, and what
//! was paid for them is refunded through the payment provider with its credit note
//! (STK-2, INV-3), the delivery charge too when nothing is left to deliver.

use crate::backoffice::{require, staff};
use crate::lifecycle::{self, Details};
use crate::refunds::{self, RefundInput};
use crate::{App, AppError};
use ecrin_core::Refusal;
use ecrin_core::account::Role;
use ecrin_core::order::{
    Effect, OrderEvent, OrderState, PaymentState, StockoutChoice, StockoutResolution, Units,
};
use ecrin_core::query::FieldError;
use ecrin_store::{Order, StockMove, Tx};

/// Who cancels lines or records a stock-out: customer service and admins.
pub const CANCELLING: &[Role] = &[Role::Admin, Role::CustomerService];

/// Who cancels: a member of staff (STK-3, STK-1 under `partial_or_cancel`), or the
/// customer answering a stock-out (STK-1 under `offer_alternatives`).
#[derive(Debug, Clone, Copy)]
enum Actor<'a> {
    Staff(&'a str),
    Customer(&'a str),
}

/// A stock-out answered in the transaction of its consequences.
#[derive(Debug, Clone)]
struct Answer {
    stockout_id: String,
    choice: StockoutChoice,
    equivalent_sku: Option<String>,
}

/// What a cancellation did.
#[derive(Debug)]
pub struct Cancelled {
    pub order: Order,
    /// The refund made for the units paid and no longer delivered, with its credit note.
    pub refund: Option<refunds::Done>,
    /// `atelier`, `milano` (STK-1): the customer was offered a choice instead, answered
    /// on the stock-out of this id.
    pub offered: Option<String>,
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
        Actor::Staff(staff_id),
        number,
        event,
        "lines_cancelled",
        &reason,
        data,
        None,
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
    apply(
        app,
        Actor::Staff(staff_id),
        number,
        event,
        "stock_out",
        "stock_out",
        data,
        None,
    )
    .await
}

/// WDR-7: units withdrawn from before they left are cancelled, and what was paid for them
/// refunded (the statement the customer received says so already).
pub(crate) async fn withdrawn(
    app: &App,
    order: &Order,
    units: Vec<Units>,
    withdrawal_id: &str,
) -> Result<Cancelled, AppError> {
    let data = serde_json::json!({"lines": units, "withdrawal": withdrawal_id});
    apply(
        app,
        Actor::Customer(&order.customer_id),
        &order.number,
        OrderEvent::CancelUnits { units },
        "lines_cancelled",
        WITHDRAWAL,
        data,
        None,
    )
    .await
}

/// DLV-4: the customer ends the contract of an order late in coming: the units not yet
/// delivered are cancelled and refunded in full, the delivery charge with them when
/// nothing is left to deliver.
pub(crate) async fn late(
    app: &App,
    order: &Order,
    units: Vec<Units>,
) -> Result<Cancelled, AppError> {
    let data = serde_json::json!({"lines": units});
    apply(
        app,
        Actor::Customer(&order.customer_id),
        &order.number,
        OrderEvent::CancelUnits { units },
        "late_delivery_cancelled",
        "late_delivery",
        data,
        None,
    )
    .await
}

/// The reason of a cancellation by withdrawal (WDR-7).
const WITHDRAWAL: &str = "withdrawal";

/// STK-1: an order's stock-outs offered to the customer's choice, oldest first.
pub async fn stockouts_of(
    app: &App,
    order: &Order,
) -> Result<Vec<ecrin_store::Stockout>, AppError> {
    Ok(app.store.stockouts_of(&order.id).await?)
}

/// STK-1: the pieces the customer may take instead of the units of a stock-out: the same
/// model's other variants in stock, at a price no higher.
pub async fn equivalents(
    app: &App,
    order: &Order,
    stockout: &ecrin_store::Stockout,
) -> Result<Vec<ecrin_store::Variant>, AppError> {
    let units: Vec<Units> = serde_json::from_str(&stockout.lines).unwrap_or_default();
    let mut found: Vec<ecrin_store::Variant> = Vec::new();
    for u in &units {
        let Some(line) = order.lines.iter().find(|l| l.line_no == u.line_no) else {
            continue;
        };
        let Some(info) = app.store.variant_info(&line.sku).await? else {
            continue;
        };
        let Some(product) = app.store.product_by_slug(&info.product_slug).await? else {
            continue;
        };
        for v in product.variants {
            if v.sku != line.sku
                && v.price <= line.unit_price_incl_vat
                && v.on_hand >= u.quantity
                && !found.iter().any(|f| f.sku == v.sku)
            {
                found.push(v);
            }
        }
    }
    Ok(found)
}

/// STK-1: what the customer answers to a stock-out.
#[derive(Debug, Clone, Default)]
pub struct ChoiceInput {
    pub choice: String,
    /// For `equivalent`: the piece chosen instead.
    pub equivalent_sku: Option<String>,
    /// Where a refund goes: only `payment_method` here (STK-2: to the payment used).
    pub refund_method: Option<String>,
}

/// STK-1 (`atelier`, `milano`): the customer answers a stock-out of their order, once:
/// `cancel` cancels the units and refunds them to the payment used (STK-2); `wait` keeps
/// them due until the piece is back; `equivalent` takes, at no extra cost, another piece
/// the house has in stock (its units are reserved) and the house prepares it instead.
pub async fn choose(
    app: &App,
    customer_id: &str,
    number: &str,
    stockout_id: &str,
    input: ChoiceInput,
) -> Result<Cancelled, AppError> {
    let invalid = |field: &str, reason: &'static str| {
        AppError::Invalid(vec![FieldError {
            field: field.into(),
            reason,
        }])
    };
    let choice: StockoutChoice = input
        .choice
        .parse()
        .map_err(|_| invalid("choice", "unknown_choice"))?;
    if input
        .refund_method
        .as_deref()
        .is_some_and(|m| m != "payment_method")
    {
        return Err(invalid("refund_method", "not_offered"));
    }
    let sku = input
        .equivalent_sku
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    if choice == StockoutChoice::Equivalent && sku.is_none() {
        return Err(invalid("equivalent_sku", "required"));
    }
    if choice != StockoutChoice::Equivalent && sku.is_some() {
        return Err(invalid("equivalent_sku", "only_for_equivalent"));
    }
    let order = crate::checkout::order_of(app, customer_id, number).await?;
    let stockout = app
        .store
        .stockouts_of(&order.id)
        .await?
        .into_iter()
        .find(|s| s.id == stockout_id)
        .ok_or(AppError::NotFound)?;
    let units: Vec<Units> = serde_json::from_str(&stockout.lines).unwrap_or_default();
    let answer = Answer {
        stockout_id: stockout_id.to_owned(),
        choice,
        equivalent_sku: sku.clone(),
    };
    if choice == StockoutChoice::Cancel {
        let data = serde_json::json!({"lines": units, "stockout": stockout_id, "choice": "cancel"});
        return apply(
            app,
            Actor::Customer(customer_id),
            number,
            OrderEvent::CancelUnits { units },
            "lines_cancelled",
            "stockout_cancel",
            data,
            Some(answer),
        )
        .await;
    }
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    let order = tx.order_in_tx(number).await?.ok_or(AppError::NotFound)?;
    take_answer(tx.as_mut(), &order, &answer, now).await?;
    if let Some(sku) = &sku {
        equivalent(app, tx.as_mut(), &order, &units, sku).await?;
    }
    crate::proof::append(
        tx.as_mut(),
        &order.id,
        now,
        "stockout_answered",
        &serde_json::json!({"stockout": stockout_id, "choice": choice.as_str(),
                            "equivalent_sku": sku, "lines": units}),
    )
    .await?;
    tell(
        app,
        tx.as_mut(),
        &order,
        &units,
        false,
        None,
        &match &sku {
            Some(sku) => format!("stockout_equivalent:{sku}"),
            None => format!("stockout_{}", choice.as_str()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Cancelled {
        order,
        refund: None,
        offered: None,
    })
}

/// STK-1: an equivalent piece is one the house has in stock for the units, at a price no
/// higher than the piece out of stock; its units are reserved for the order.
async fn equivalent(
    app: &App,
    tx: &mut dyn Tx,
    order: &Order,
    units: &[Units],
    sku: &str,
) -> Result<(), AppError> {
    let not = |reason: &'static str| {
        AppError::Invalid(vec![FieldError {
            field: "equivalent_sku".into(),
            reason,
        }])
    };
    let variant = app
        .store
        .variant_info(sku)
        .await?
        .ok_or_else(|| not("unknown_sku"))?;
    let quantity: i64 = units.iter().map(|u| u.quantity).sum();
    let highest = units
        .iter()
        .filter_map(|u| order.lines.iter().find(|l| l.line_no == u.line_no))
        .map(|l| l.unit_price_incl_vat)
        .max()
        .unwrap_or(0);
    if variant.price > highest {
        return Err(not("not_equivalent"));
    }
    let why = StockMove {
        reason: "exchange",
        reference: Some(&order.id),
        at_ms: app.clock.now_ms(),
    };
    if tx.reserve_stock(sku, quantity, &why).await?.is_none() {
        return Err(Refusal::of(
            ecrin_core::refusal::RefusalKind::Conflict,
            "unavailable",
            "this piece is not in stock for the units",
        )
        .into());
    }
    tx.bump_catalogue_version().await?;
    Ok(())
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

#[allow(clippy::too_many_arguments)]
async fn apply(
    app: &App,
    actor: Actor<'_>,
    number: &str,
    event: OrderEvent,
    kind: &str,
    reason: &str,
    mut data: serde_json::Value,
    answer: Option<Answer>,
) -> Result<Cancelled, AppError> {
    let (staff_id, by) = match actor {
        Actor::Staff(id) => {
            let s = staff(app, id).await?;
            require(&s, CANCELLING)?;
            data["staff_id"] = serde_json::json!(s.id);
            let by = s.id.clone();
            (Some(s.id), by)
        }
        Actor::Customer(id) => {
            data["customer_id"] = serde_json::json!(id);
            (None, format!("customer:{id}"))
        }
    };
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    let order = tx.order_in_tx(number).await?.ok_or(AppError::NotFound)?;
    if let Actor::Customer(id) = actor
        && order.customer_id != id
    {
        return Err(AppError::NotFound);
    }
    if let Some(a) = &answer {
        take_answer(tx.as_mut(), &order, a, now).await?;
    }
    let applied = lifecycle::apply(
        app,
        tx.as_mut(),
        &order,
        &event,
        kind,
        &data,
        &Details {
            staff_id: staff_id.clone(),
            ..Details::default()
        },
        now,
    )
    .await?;
    let cancelled: Vec<Units> = applied.cancelled();
    let offered: Vec<Units> = applied
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::OfferAlternatives(u) => Some(u.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let why = StockMove {
        reason: if kind == "stock_out" {
            "stock_out"
        } else {
            "cancellation"
        },
        reference: Some(&order.id),
        at_ms: now,
    };
    release(tx.as_mut(), &order, &cancelled, &why).await?;
    // STK-1: the units offered to the customer's choice, answered on their order.
    let stockout_id = if offered.is_empty() {
        None
    } else {
        let id = format!("so_{}", crate::customers::random_hex(12)?);
        tx.insert_stockout(&ecrin_store::Stockout {
            id: id.clone(),
            order_id: order.id.clone(),
            lines: serde_json::to_string(&offered).unwrap_or_default(),
            created_at: now,
            choice: None,
            equivalent_sku: None,
            answered_at: None,
        })
        .await?;
        Some(id)
    };
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
    // STK-2: to the card through the provider, or by transfer for money received by
    // transfer (owed on the deadline board until the house records it as sent).
    let received = app
        .store
        .payments_of(&order.id)
        .await?
        .iter()
        .any(|p| p.status == ecrin_core::payment::AttemptState::Captured);
    let owed = (paid && amount > 0 && received).then(|| RefundInput {
        payment_id: None,
        amount,
        reason: format!("{kind}: {reason}"),
        // One cancellation, one refund, however often it is finished.
        key: Some(format!("{}-{kind}-{seq}", order.number)),
        // STK-2 (`paris`): a line cancelled for want of stock is refunded where the
        // customer chooses.
        destination: (kind == "stock_out" && app.profile.after_sales.stockout_refund_choice)
            .then_some(ecrin_core::payment::RefundDestination::CustomerChoice),
    });
    // Owed in the same transaction as the cancellation: a crash before it is made leaves
    // its job to make it.
    if let Some(input) = &owed {
        refunds::owe(tx.as_mut(), &by, number, input, None, now).await?;
    }
    tx.commit().await?;
    let refund = match owed {
        Some(input) => Some(match actor {
            Actor::Staff(id) => refunds::refund(app, id, number, input).await?,
            Actor::Customer(_) => refunds::make(app, &by, number, input).await?,
        }),
        None => None,
    };
    let order = app
        .store
        .order_by_number(number)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Cancelled {
        order,
        refund,
        offered: stockout_id,
    })
}

/// STK-1: the stock-out is this order's and still open; the answer is taken once.
async fn take_answer(tx: &mut dyn Tx, order: &Order, a: &Answer, now: i64) -> Result<(), AppError> {
    if tx
        .stockout_in_tx(&order.id, &a.stockout_id)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    if !tx
        .answer_stockout(&a.stockout_id, a.choice, a.equivalent_sku.as_deref(), now)
        .await?
    {
        return Err(Refusal::of(
            ecrin_core::refusal::RefusalKind::Conflict,
            "already_answered",
            "this stock-out was answered already",
        )
        .into());
    }
    Ok(())
}

/// PAY-5: the units a cancelled line had taken from stock go back on sale.
async fn release(
    tx: &mut dyn Tx,
    order: &Order,
    cancelled: &[Units],
    why: &StockMove<'_>,
) -> Result<(), AppError> {
    let mut back_on_sale = false;
    for u in cancelled {
        let Some(l) = order.lines.iter().find(|l| l.line_no == u.line_no) else {
            continue;
        };
        let n = l.reserved.min(u.quantity);
        if n > 0 {
            let on_hand = tx.release_stock(&l.sku, n, why).await?;
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
    // WDR-7: the withdrawal's statement told the customer already.
    if reason == WITHDRAWAL {
        return Ok(());
    }
    let items: Vec<String> = units
        .iter()
        .filter_map(|u| {
            let l = order.lines.iter().find(|l| l.line_no == u.line_no)?;
            Some(format!("{} × {}", u.quantity, l.name))
        })
        .collect();
    let subject = if offered {
        "email-stockout-offer-subject"
    } else if reason.starts_with("stockout_wait") || reason.starts_with("stockout_equivalent") {
        "email-stockout-answer-subject"
    } else {
        "email-cancelled-lines-subject"
    };
    crate::fulfilment::tell(app, tx, order, subject, |t, order_args| {
        let args = [order_args[0].clone(), ("items", items.join(", "))];
        let mut paragraphs = Vec::new();
        if offered {
            paragraphs.push(t.with("email-stockout-offer-text", &args));
            paragraphs.push(t.t("email-stockout-offer-choices"));
        } else if reason == "stockout_wait" {
            paragraphs.push(t.with("email-stockout-wait-text", &args));
        } else if let Some(sku) = reason.strip_prefix("stockout_equivalent:") {
            let mut args = args.to_vec();
            args.push(("sku", sku.to_owned()));
            paragraphs.push(t.with("email-stockout-equivalent-text", &args));
        } else if reason == "stock_out" || reason == "stockout_cancel" {
            paragraphs.push(t.with("email-stockout-text", &args));
        } else {
            paragraphs.push(t.with("email-cancelled-lines-text", &args));
            paragraphs.push(t.with(
                "email-cancelled-lines-reason",
                &[("reason", reason.to_owned())],
            ));
        }
        if let Some(amount) = refunded.filter(|a| *a > 0 && !offered) {
            // STK-2 (`paris`): the customer says where the refund goes.
            let key = if reason == "stock_out" && app.profile.after_sales.stockout_refund_choice {
                "email-stockout-refund-choice"
            } else {
                "email-cancelled-lines-refund"
            };
            paragraphs.push(t.with(key, &[("amount", t.money(amount))]));
        }
        (paragraphs, None)
    })
    .await
}
