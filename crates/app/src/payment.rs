//! Payment of an order (PAY-2, PAY-4): the order becomes a contract only once its full
//! amount is received; a bank transfer not received within the profile's working days
//! cancels it, gives its units back and tells the customer.

use crate::emails::{self, Message};
use crate::i18n::Tr;
use crate::{App, AppError, lifecycle, proof};
use ecrin_core::order::OrderState;
use ecrin_core::payment::AttemptState;
use ecrin_core::profile::PaymentMethod;
use ecrin_core::{Lang, Refusal};
use ecrin_store::{Customer, Order, Payment, Tx};

/// PAY-4: the transfer's due day and the moment after it (`ecrin_core::payment`).
pub fn transfer_deadline(app: &App, placed_at_ms: i64) -> Option<(jiff::civil::Date, i64)> {
    ecrin_core::payment::transfer_deadline(&app.profile, placed_at_ms)
}

/// PAY-4 (test mode, and the bank's notice in production): a transfer of `amount` for
/// order `number` is received. Only the full amount of an order still awaiting its
/// transfer is taken; the order then goes to preparation (PAY-2). Money received but not
/// taken (another amount, an order cancelled or paid meanwhile) is refused with its code
/// and kept in the order's history as `transfer_not_applied`, for staff to send it back.
pub async fn credit_transfer(app: &App, number: &str, amount: i64) -> Result<Order, AppError> {
    take_transfer(app, number, amount, None).await
}

/// PAY-4: a transfer received, recorded by staff from the bank's statement (accountant,
/// admin), with the same checks as the bank's notice; the history names who recorded it.
/// The provider name of a bank transfer received: no provider refunds it, the house does.
pub const TRANSFER: &str = "bank_transfer";

/// Who records money received or sent by transfer: the accountant and admins.
pub const RECORDING: &[ecrin_core::account::Role] = &[
    ecrin_core::account::Role::Admin,
    ecrin_core::account::Role::Accountant,
];

/// STK-2: the part of an order paid from the customer's credit with the shop, kept as a
/// payment of its own (captured when the order is placed): what a refund gives back
/// there after the card or transfer.
pub const STORE_CREDIT: &str = "store_credit";

pub async fn record_transfer(
    app: &App,
    staff_id: &str,
    number: &str,
    amount: i64,
) -> Result<Order, AppError> {
    let s = crate::backoffice::staff(app, staff_id).await?;
    crate::backoffice::require(&s, RECORDING)?;
    take_transfer(app, number, amount, Some(&s.id)).await
}

async fn take_transfer(
    app: &App,
    number: &str,
    amount: i64,
    recorded_by: Option<&str>,
) -> Result<Order, AppError> {
    let now = app.clock.now_ms();
    if amount <= 0 {
        return Err(not_the_amount_due());
    }
    let mut tx = app.store.begin().await?;
    let order = tx.order_in_tx(number).await?.ok_or(AppError::NotFound)?;
    let applied = if order.payment_method != PaymentMethod::BankTransfer {
        Err((
            "not_a_bank_transfer_order",
            Refusal::conflict("this order is not paid by bank transfer").into(),
        ))
    } else if amount != crate::checkout::amount_due(&order) {
        Err(("not_the_amount_due", not_the_amount_due()))
    } else {
        // PAY-2: the whole amount is in; the order becomes a contract and is prepared.
        let data = serde_json::json!({"method": "bank_transfer", "amount": amount,
                                      "reference": number, "recorded_by": recorded_by});
        match lifecycle::apply(
            app,
            tx.as_mut(),
            &order,
            &ecrin_core::order::OrderEvent::PaymentReceived,
            "paid",
            &data,
            &lifecycle::Details::default(),
            now,
        )
        .await
        {
            Ok(applied) => Ok(applied),
            Err(AppError::Refused(_)) if order.status == OrderState::Cancelled => Err((
                "order_cancelled",
                Refusal::conflict("this order was cancelled; the transfer is to be returned")
                    .into(),
            )),
            Err(AppError::Refused(_)) => Err((
                "already_paid",
                Refusal::conflict("this order is already paid").into(),
            )),
            Err(e) => return Err(e),
        }
    };
    let paid = match applied {
        Ok(applied) => applied.event,
        Err((reason, refusal)) => {
            proof::append(
                tx.as_mut(),
                &order.id,
                now,
                "transfer_not_applied",
                &serde_json::json!({"amount": amount, "reference": number, "reason": reason,
                                    "recorded_by": recorded_by}),
            )
            .await?;
            tx.commit().await?;
            return Err(refusal);
        }
    };
    // The money received, as a payment of its own: what a refund is weighed against and
    // made from (by transfer, by the house).
    tx.insert_payment(&Payment {
        id: format!("pay_{}", crate::customers::random_hex(12)?),
        order_id: order.id.clone(),
        provider: TRANSFER.to_owned(),
        amount,
        status: AttemptState::Captured,
        created_at: now,
        updated_at: now,
        provider_ref: None,
        provider_payment: None,
    })
    .await?;
    let invoice = issue_invoice(app, tx.as_mut(), &order, &paid, now).await?;
    crate::confirmation::enqueue(tx.as_mut(), app, &order, &invoice).await?;
    tell_the_house(app, tx.as_mut(), &order).await?;
    crate::redelivery::hand_over(app, tx.as_mut(), &order, now).await?;
    tx.commit().await?;
    Ok(Order {
        status: OrderState::BeingPrepared,
        payment_state: ecrin_core::order::PaymentState::Paid,
        ..order
    })
}

/// The payment of an order's shop credit: one per order, by its id.
fn store_credit_payment_id(order_id: &str) -> String {
    format!("{order_id}-credit")
}

/// STK-2: `amount` of the customer's shop credit pays part or all of `order`, in its
/// placing transaction: taken from the balance (refused if it is no longer there) and
/// kept as a captured payment of its own, which a refund gives back to.
pub(crate) async fn spend_store_credit(
    tx: &mut dyn Tx,
    order: &Order,
    amount: i64,
    now: i64,
) -> Result<(), AppError> {
    let spent = tx
        .spend_store_credit(&ecrin_store::StoreCredit {
            id: format!("crd_{}", crate::customers::random_hex(12)?),
            customer_id: order.customer_id.clone(),
            amount: -amount,
            order_id: order.id.clone(),
            refund_id: None,
            created_at: now,
        })
        .await?;
    if !spent {
        return Err(Refusal::conflict(
            "your credit with the shop was spent meanwhile; the order was not placed",
        )
        .into());
    }
    tx.insert_payment(&Payment {
        id: store_credit_payment_id(&order.id),
        order_id: order.id.clone(),
        provider: STORE_CREDIT.to_owned(),
        amount,
        status: AttemptState::Captured,
        created_at: now,
        updated_at: now,
        provider_ref: None,
        provider_payment: None,
    })
    .await?;
    Ok(())
}

/// STK-2: an order ended unpaid gives back the shop credit it had spent (nothing was
/// sold, so no credit note).
pub(crate) async fn give_back_store_credit(
    tx: &mut dyn Tx,
    order: &Order,
    now: i64,
) -> Result<(), AppError> {
    let id = store_credit_payment_id(&order.id);
    let Some(p) = tx.payment_in_tx(&id).await? else {
        return Ok(());
    };
    if tx
        .move_payment(&id, AttemptState::Captured, AttemptState::Refused, now)
        .await?
    {
        tx.add_store_credit(&ecrin_store::StoreCredit {
            id: format!("crd_{}", crate::customers::random_hex(12)?),
            customer_id: order.customer_id.clone(),
            amount: p.amount,
            order_id: order.id.clone(),
            refund_id: None,
            created_at: now,
        })
        .await?;
    }
    Ok(())
}

/// STK-2, PAY-2: an order the shop credit pays in full is paid as it is placed, in the
/// placing transaction (after its first history event): invoiced, confirmed to the
/// customer, announced to the house.
pub(crate) async fn paid_by_store_credit(
    app: &App,
    tx: &mut dyn Tx,
    order: Order,
    now: i64,
) -> Result<Order, AppError> {
    let data = serde_json::json!({"method": STORE_CREDIT, "amount": order.total});
    let applied = lifecycle::apply(
        app,
        tx,
        &order,
        &ecrin_core::order::OrderEvent::PaymentReceived,
        "paid",
        &data,
        &lifecycle::Details::default(),
        now,
    )
    .await?;
    let invoice = issue_invoice(app, tx, &order, &applied.event, now).await?;
    crate::confirmation::enqueue(tx, app, &order, &invoice).await?;
    tell_the_house(app, tx, &order).await?;
    crate::redelivery::hand_over(app, tx, &order, now).await?;
    Ok(Order {
        status: OrderState::BeingPrepared,
        payment_state: ecrin_core::order::PaymentState::Paid,
        ..order
    })
}

/// The house hears of each new paid order (to prepare it), in its prevailing language.
async fn tell_the_house(app: &App, tx: &mut dyn Tx, order: &Order) -> Result<(), AppError> {
    let lang = app.profile.prevailing_language;
    let t = Tr::new(lang);
    let units: i64 = order.lines.iter().map(|l| l.quantity).sum();
    let args = [
        ("number", order.number.clone()),
        ("amount", t.money(order.total)),
        ("units", units.to_string()),
    ];
    let message = Message {
        to: app.profile.merchant.email.clone(),
        lang,
        subject: t.with("email-house-paid-subject", &args),
        greeting: t.t("email-house-greeting"),
        paragraphs: vec![t.with("email-house-paid-text", &args)],
        button: Some((
            t.t("email-house-paid-button"),
            format!("{}/{}/staff/orders", app.public_url, lang.code()),
        )),
    };
    emails::enqueue(tx, app, message).await
}

fn not_the_amount_due() -> AppError {
    AppError::Invalid(vec![ecrin_core::query::FieldError {
        field: "amount".into(),
        reason: "not_the_amount_due",
    }])
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
    let releasing: Vec<serde_json::Value> = order
        .lines
        .iter()
        .filter(|l| l.reserved > 0)
        .map(|l| serde_json::json!({"sku": l.sku, "quantity": l.reserved}))
        .collect();
    let data = serde_json::json!({"reason": "bank_transfer_not_received", "released": releasing});
    match lifecycle::apply(
        app,
        tx,
        order,
        &ecrin_core::order::OrderEvent::PaymentExpired,
        "cancelled",
        &data,
        &lifecycle::Details::default(),
        now,
    )
    .await
    {
        Ok(_) => {}
        // Paid or cancelled since: nothing to do.
        Err(AppError::Refused(_)) => return Ok(()),
        Err(e) => return Err(e),
    }
    release_units(tx, order, now).await?;
    if let Some(c) = customer {
        let lang: Lang = c.language.parse().unwrap_or(app.profile.default_lang());
        let t = Tr::new(lang);
        let due = transfer_deadline(app, order.placed_at)
            .map(|(d, _)| d.to_string())
            .unwrap_or_default();
        let args = [
            ("number", order.number.clone()),
            ("amount", t.money(crate::checkout::amount_due(order))),
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
async fn release_units(
    tx: &mut dyn Tx,
    order: &Order,
    now: i64,
) -> Result<Vec<serde_json::Value>, AppError> {
    let why = ecrin_store::StockMove {
        reason: "payment_failed",
        reference: Some(&order.id),
        at_ms: now,
    };
    let mut released = Vec::new();
    let mut back_on_sale = false;
    for l in order.lines.iter().filter(|l| l.reserved > 0) {
        let on_hand = tx.release_stock(&l.sku, l.reserved, &why).await?;
        tx.set_line_reserved(&order.id, l.line_no, 0).await?;
        back_on_sale |= on_hand == l.reserved;
        released.push(serde_json::json!({"sku": l.sku, "quantity": l.reserved}));
    }
    if back_on_sale {
        tx.bump_catalogue_version().await?;
    }
    Ok(released)
}

// ---- Card (PAY-1, PAY-3) ---------------------------------------------------------------

pub use crate::sandbox::CALLBACK_MAX_AGE_S;

/// PAY-1: opens an attempt to pay `order_id` by card, in the caller's transaction.
pub(crate) async fn open_card_payment(
    app: &App,
    tx: &mut dyn Tx,
    order_id: &str,
    amount: i64,
    now: i64,
) -> Result<Payment, AppError> {
    let payment = Payment {
        id: crate::customers::ordered_id_at("pay", now)?,
        order_id: order_id.to_owned(),
        provider: app.provider.name().to_owned(),
        amount,
        status: AttemptState::Pending,
        created_at: now,
        updated_at: now,
        provider_ref: None,
        provider_payment: None,
    };
    tx.insert_payment(&payment).await?;
    Ok(payment)
}

/// PAY-1: the shop's payment link of a card order awaiting payment (signed, so it needs
/// no session): it leads to the provider's page for the order's open attempt.
pub fn pay_link(app: &App, order: &Order) -> Option<String> {
    if order.payment_method != PaymentMethod::Card || order.status != OrderState::AwaitingPayment {
        return None;
    }
    let sig = crate::sandbox::hmac_hex(&app.payment_secret, &["pay", &order.number]);
    Some(format!("{}/pay/{}?sig={sig}", app.public_url, order.number))
}

/// Where a payment link leads: the provider's page for the order's open attempt, or
/// `None` when there is nothing to pay (paid, cancelled, or the last attempt refused).
pub async fn provider_page(app: &App, number: &str, sig: &str) -> Result<Option<String>, AppError> {
    if !crate::sandbox::hmac_matches(&app.payment_secret, &["pay", number], sig) {
        return Err(AppError::NotFound);
    }
    let order = app
        .store
        .order_by_number(number)
        .await?
        .ok_or(AppError::NotFound)?;
    if order.status != OrderState::AwaitingPayment {
        return Ok(None);
    }
    let Some(open) = open_attempt(app, &order).await? else {
        return Ok(None);
    };
    let hosted = app.provider.open(app, &order, &open).await?;
    if let Some(reference) = &hosted.reference
        && open.provider_ref.as_deref() != Some(reference)
    {
        let mut tx = app.store.begin().await?;
        tx.set_payment_ref(&open.id, reference).await?;
        tx.commit().await?;
    }
    Ok(Some(hosted.url))
}

/// PAY-1: a customer back from the provider's page: if `order` still awaits its card
/// payment, the provider is asked at once for its open attempt's state, which is taken as
/// its callback would be; the order as it then stands. A provider that does not answer
/// leaves the order as it was (its webhook follows).
pub async fn follow(app: &App, order: Order) -> Result<Order, AppError> {
    if order.payment_method != PaymentMethod::Card
        || order.status != OrderState::AwaitingPayment
        || app.provider.name() == crate::sandbox::NAME
    {
        return Ok(order);
    }
    let Some(open) = open_attempt(app, &order).await? else {
        return Ok(order);
    };
    match app.provider.follow(app, &open).await {
        Ok(true) => Ok(app.store.order_by_id(&order.id).await?.unwrap_or(order)),
        Ok(false) => Ok(order),
        Err(e) => {
            tracing::warn!(error = %e, order = %order.number, "payment not followed");
            Ok(order)
        }
    }
}

/// The attempt of an order still waiting for the provider's word, if any.
async fn open_attempt(app: &App, order: &Order) -> Result<Option<Payment>, AppError> {
    Ok(app
        .store
        .payments_of(&order.id)
        .await?
        .into_iter()
        .rev()
        .find(|p| p.status == AttemptState::Pending))
}

/// The sandbox's signed link of attempt `p` to pay `order`.
pub(crate) fn link_of(order: &Order, p: &Payment) -> crate::provider::Attempt {
    crate::provider::Attempt {
        payment_id: p.id.clone(),
        amount: p.amount,
        order_number: order.number.clone(),
        return_url: format!("/{}/account/orders/{}", order.terms_language, order.number),
    }
}

/// The provider's page for the open attempt of a customer's order (`POST
/// /api/v1/test/payments/{number}` drives it as a browser would); another customer's
/// order is `not_found`.
pub async fn open_link_of(
    app: &App,
    customer_id: &str,
    number: &str,
) -> Result<crate::sandbox::Link, AppError> {
    let order = crate::checkout::order_of(app, customer_id, number).await?;
    if order.payment_method != PaymentMethod::Card {
        return Err(Refusal::conflict("this order is not paid by card").into());
    }
    if order.status != OrderState::AwaitingPayment {
        return Err(Refusal::conflict("this order is not awaiting payment").into());
    }
    let open = open_attempt(app, &order).await?.ok_or_else(|| {
        Refusal::new(
            "payment_refused",
            "the last card was refused; start a new attempt",
        )
    })?;
    Ok(link_of(&order, &open))
}

/// What a callback did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// The payment moved (paid, or refused).
    Applied,
    /// This event was taken before, or the payment had moved already: nothing more.
    AlreadyTaken,
}

/// PAY-1, PAY-2, PAY-3: a callback from the payment provider. Its signature must hold
/// for its timestamp and body, it must be under five minutes old, and each event is
/// taken once. A payment captured for its whole amount puts the order in preparation;
/// a refused one gives the order's units back (the customer may try again).
pub async fn receive_callback(app: &App, signature: &str, body: &[u8]) -> Result<Taken, AppError> {
    if app.provider.name() != crate::sandbox::NAME {
        return Err(AppError::NotFound);
    }
    let now = app.clock.now_ms();
    let event = crate::sandbox::verify_callback(app, signature, body, now)?;
    let word = if event.paid {
        Word::Paid {
            amount: event.amount,
            provider_payment: None,
        }
    } else {
        Word::Refused
    };
    take(app, &event.id, &event.payment_id, word).await
}

/// What a provider says of an attempt, once asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Word {
    /// Captured: `amount`, by the provider's payment `provider_payment`.
    Paid {
        amount: i64,
        provider_payment: Option<String>,
    },
    /// Refused, expired or failed: the attempt ends.
    Refused,
}

/// PAY-1, PAY-2, PAY-3: takes the provider's word on attempt `payment_id`, heard by event
/// `event_id` (each event once). Paid for its whole amount, the order goes to preparation;
/// refused, the order's units go back on sale and the customer may try again.
pub(crate) async fn take(
    app: &App,
    event_id: &str,
    payment_id: &str,
    word: Word,
) -> Result<Taken, AppError> {
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    if !tx.record_callback(event_id, payment_id, now).await? {
        return Ok(Taken::AlreadyTaken);
    }
    let payment = tx
        .payment_in_tx(payment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Word::Paid { amount, .. } = &word
        && *amount != payment.amount
    {
        return Err(AppError::Invalid(vec![ecrin_core::query::FieldError {
            field: "amount".into(),
            reason: "not_the_amount_due",
        }]));
    }
    if let Word::Paid {
        provider_payment: Some(id),
        amount,
    } = &word
    {
        if payment.status != AttemptState::Pending
            && payment.provider_payment.as_deref() != Some(id.as_str())
        {
            // PAY-1: the same attempt paid a second time (another page of it still open at
            // the provider): a payment of its own, given back in full.
            let extra = Payment {
                id: crate::customers::ordered_id_at("pay", now)?,
                order_id: payment.order_id.clone(),
                provider: payment.provider.clone(),
                amount: *amount,
                status: AttemptState::Captured,
                created_at: now,
                updated_at: now,
                provider_ref: payment.provider_ref.clone(),
                provider_payment: Some(id.clone()),
            };
            tx.insert_payment(&extra).await?;
            tx.set_provider_payment(&extra.id, id).await?;
            proof::append(
                tx.as_mut(),
                &payment.order_id,
                now,
                "payment_not_applied",
                &serde_json::json!({"provider": extra.provider, "payment_id": extra.id,
                                    "attempt": payment.id, "amount": extra.amount}),
            )
            .await?;
            let job = crate::customers::ordered_id_at("job", now)?;
            tx.enqueue_job(&job, crate::refunds::UNAPPLIED_PAYMENT, &extra.id, now)
                .await?;
            tx.commit().await?;
            tracing::warn!(payment = %payment.id, "an attempt paid twice at the provider: the second payment is given back");
            return Ok(Taken::Applied);
        }
        tx.set_provider_payment(&payment.id, id).await?;
    }
    let paid = matches!(word, Word::Paid { .. });
    let to = if paid {
        AttemptState::Captured
    } else {
        AttemptState::Refused
    };
    if !tx
        .move_payment(&payment.id, AttemptState::Pending, to, now)
        .await?
    {
        tx.commit().await?;
        return Ok(Taken::AlreadyTaken);
    }
    let order = tx
        .order_by_id_in_tx(&payment.order_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if paid {
        // PAY-2: the whole amount is in; the order becomes a contract and is prepared.
        let data = serde_json::json!({"method": "card", "provider": payment.provider,
                                      "payment_id": payment.id, "amount": payment.amount});
        let mut newly_paid = false;
        let paid_event = match lifecycle::apply(
            app,
            tx.as_mut(),
            &order,
            &ecrin_core::order::OrderEvent::PaymentReceived,
            "paid",
            &data,
            &lifecycle::Details::default(),
            now,
        )
        .await
        {
            Ok(applied) => {
                newly_paid = true;
                Some(applied.event)
            }
            // PAY-1: money for an order no longer awaiting it (cancelled meanwhile, or paid
            // by another attempt): the history keeps it, and a job gives it back in full.
            Err(AppError::Refused(_)) => {
                tracing::warn!(order = %order.number, "a card payment arrived for an order no longer awaiting it: given back");
                proof::append(tx.as_mut(), &order.id, now, "payment_not_applied", &data).await?;
                let job = crate::customers::ordered_id_at("job", now)?;
                tx.enqueue_job(&job, crate::refunds::UNAPPLIED_PAYMENT, &payment.id, now)
                    .await?;
                None
            }
            Err(e) => return Err(e),
        };
        if let Some(paid_event) = paid_event {
            let invoice = issue_invoice(app, tx.as_mut(), &order, &paid_event, now).await?;
            // INV-1: the confirmation leaves with the commit.
            crate::confirmation::enqueue(tx.as_mut(), app, &order, &invoice).await?;
        }
        if newly_paid {
            tell_the_house(app, tx.as_mut(), &order).await?;
            crate::redelivery::hand_over(app, tx.as_mut(), &order, now).await?;
        }
    } else {
        // PAY-3: the attempt ends; the units go back on sale until the next attempt.
        let released = release_units(tx.as_mut(), &order, now).await?;
        proof::append(
            tx.as_mut(),
            &order.id,
            now,
            "payment_refused",
            &serde_json::json!({"provider": payment.provider, "payment_id": payment.id,
                                "released": released}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Taken::Applied)
}

/// PAY-3: a new attempt to pay a customer's card order whose last card was refused: the
/// units are taken again (a piece sold out meanwhile refuses it with `conflict`).
pub async fn retry_card_payment(
    app: &App,
    customer_id: &str,
    number: &str,
) -> Result<Order, AppError> {
    let order = crate::checkout::order_of(app, customer_id, number).await?;
    if order.payment_method != PaymentMethod::Card || order.status != OrderState::AwaitingPayment {
        return Err(Refusal::conflict("this order is not awaiting a card payment").into());
    }
    let skus = order.lines.iter().map(|l| l.sku.clone()).collect();
    let variants = crate::basket::variants(app, skus).await?;
    let open = app
        .store
        .payments_of(&order.id)
        .await?
        .into_iter()
        .any(|p| {
            p.provider != STORE_CREDIT
                && (p.status == AttemptState::Pending || p.status == AttemptState::Captured)
        });
    if open {
        return Err(Refusal::conflict("a payment of this order is under way").into());
    }
    // DLV-5: a re-delivery takes the units the house holds once it is paid.
    let held = crate::redelivery::of(app, &order).await?.is_some();
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    let mut sold_out = false;
    for l in order.lines.iter().filter(|_| !held) {
        let stocked = variants
            .iter()
            .find(|v| v.sku == l.sku)
            .is_some_and(|v| v.category == ecrin_core::catalogue::Category::InStock);
        if !stocked || l.reserved > 0 {
            continue;
        }
        let why = ecrin_store::StockMove {
            reason: "payment",
            reference: Some(&order.id),
            at_ms: now,
        };
        match tx.reserve_stock(&l.sku, l.quantity, &why).await? {
            Some(left) => {
                sold_out |= left == 0;
                tx.set_line_reserved(&order.id, l.line_no, l.quantity)
                    .await?;
            }
            None => {
                return Err(Refusal::conflict(format!(
                    "{} has sold out since; the order cannot be paid",
                    l.name
                ))
                .into());
            }
        }
    }
    if sold_out {
        tx.bump_catalogue_version().await?;
    }
    open_card_payment(
        app,
        tx.as_mut(),
        &order.id,
        crate::checkout::amount_due(&order),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(order)
}

/// INV-2, INV-4: the invoice of an order just paid, in the payment's transaction: its
/// number is the next of the merchant's sequence, used only if the payment commits. A
/// contract at or above the profile's threshold is marked for archiving.
async fn issue_invoice(
    app: &App,
    tx: &mut dyn Tx,
    order: &Order,
    paid: &ecrin_store::OrderEvent,
    now: i64,
) -> Result<ecrin_store::Invoice, AppError> {
    let seq = tx.next_invoice_seq().await?;
    let invoice = ecrin_store::Invoice {
        seq,
        number: format!("F{seq:06}"),
        order_id: order.id.clone(),
        issued_at: now,
        total: order.total,
        archive: order.total >= app.profile.documents.archive_threshold,
    };
    tx.insert_invoice(&invoice).await?;
    proof::append_after(
        tx,
        paid,
        now,
        "invoiced",
        &serde_json::json!({"invoice": invoice.number, "total": invoice.total,
                            "archive": invoice.archive}),
    )
    .await?;
    Ok(invoice)
}
