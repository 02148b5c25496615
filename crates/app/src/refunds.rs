//! PAY-1, STK-2, INV-3: refunds, each with its credit note: of a card payment through the
//! payment provider; of a bank transfer by a transfer the house sends, recorded as sent.
//!
//! A refund is written first as asked (its key unique, its amount weighed against what the
//! payment captured and what was refunded already, the payment's row locked meanwhile),
//! then asked of the provider with the same key, then recorded as made with its credit
//! note, its event in the order's history and an e-mail to the customer. Asked again with
//! the same key, after a timeout or a crash between those steps, it finishes the same
//! refund: the provider answers with the first one, nothing is refunded twice.

use crate::emails::{self, Attachment, Message};
use crate::i18n::Tr;
use crate::{App, AppError, proof};
use ecrin_core::Refusal;
use ecrin_core::account::Role;
use ecrin_core::payment::{RefundDestination, RefundState};
use ecrin_core::query::FieldError;
use ecrin_store::{CreditNote, Payment, Refund};

/// A refund the provider has yet to make, asked again until it answers (subject: the
/// refund's id). Enqueued with the refund itself, so that no refund is lost to a timeout
/// or a crash between the record and the call; the same key at the provider makes it once.
pub const REFUND_RETRY: &str = "refund_retry";

/// How long after its record a refund is asked again if it is still pending.
const RETRY_AFTER_MS: i64 = 60_000;

/// Who refunds an order: admins, customer service and the accountant.
pub const REFUNDING: &[Role] = &[Role::Admin, Role::CustomerService, Role::Accountant];

/// The most a refund may be: far above any order, far below an overflow.
const MAX_AMOUNT: i64 = 10_000_000_000;
const MAX_REASON: usize = 500;

/// A refund as asked by staff.
#[derive(Debug, Clone, Default)]
pub struct RefundInput {
    pub amount: i64,
    pub reason: String,
    /// The `Idempotency-Key`: the same key is the same refund.
    pub key: Option<String>,
    /// Where it goes when not back to the payment (STK-2, `paris`: the customer's choice).
    pub destination: Option<RefundDestination>,
    /// Only this payment gives it back (a payment the order did not need), not what paid
    /// the order first.
    pub payment_id: Option<String>,
}

/// A refund made, with its credit note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub refund: Refund,
    pub credit_note: Option<CreditNote>,
    /// `false` when the key had already made this refund.
    pub created: bool,
}

fn invalid(field: &str, reason: &'static str) -> AppError {
    AppError::Invalid(vec![FieldError {
        field: field.into(),
        reason,
    }])
}

/// PAY-1, INV-3: refunds part or all of an order's captured card payment (admin, customer
/// service or accountant).
pub async fn refund(
    app: &App,
    staff_id: &str,
    number: &str,
    input: RefundInput,
) -> Result<Done, AppError> {
    let staff = crate::backoffice::staff(app, staff_id).await?;
    crate::backoffice::require(&staff, REFUNDING)?;
    make(app, staff_id, number, input).await
}

/// A refund owed by the rules, not asked by staff (STK-2: the customer cancelled units out
/// of stock); `by` names who it is made for in the refund and the history.
///
/// The amount goes back to what paid the order: its card or transfer first, then the
/// shop credit it spent (STK-2), each part a refund of its own with its credit note. A
/// `destination` sends the first part elsewhere (`paris`: where the customer chooses).
pub(crate) async fn make(
    app: &App,
    by: &str,
    number: &str,
    input: RefundInput,
) -> Result<Done, AppError> {
    let staff_id = by;
    if input.amount <= 0 {
        return Err(invalid("amount", "must_be_positive"));
    }
    if input.amount > MAX_AMOUNT {
        return Err(invalid("amount", "out_of_range"));
    }
    let reason = input.reason.trim().to_owned();
    if reason.chars().count() > MAX_REASON {
        return Err(invalid("reason", "too_long"));
    }
    if reason.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid("reason", "control_characters"));
    }
    let key = match input.key {
        Some(k) if k.is_empty() || k.len() > 200 => {
            return Err(invalid("idempotency_key", "invalid"));
        }
        Some(k) => k,
        None => format!("auto_{}", crate::customers::random_hex(16)?),
    };
    let order = app
        .store
        .order_by_number(number)
        .await?
        .ok_or(AppError::NotFound)?;
    // What paid the order: the card or transfer first, then the shop's credit.
    let mut payments: Vec<Payment> = app
        .store
        .payments_of(&order.id)
        .await?
        .into_iter()
        .filter(|p| p.status == ecrin_core::payment::AttemptState::Captured)
        .filter(|p| input.payment_id.as_ref().is_none_or(|id| &p.id == id))
        .collect();
    payments.sort_by_key(|p| p.provider == crate::payment::STORE_CREDIT);
    if payments.is_empty() {
        return Err(Refusal::conflict("this order has no payment received to refund").into());
    }

    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    // The same key again: the refunds it made, whose amounts must add up to this one.
    let mut made: Vec<(Refund, Payment, bool)> = Vec::new();
    let keys: Vec<String> = (0..payments.len())
        .map(|i| {
            if i == 0 {
                key.clone()
            } else {
                format!("{key}~{i}")
            }
        })
        .collect();
    for (k, p) in keys.iter().zip(&payments) {
        if let Some(r) = tx.refund_by_key(k).await? {
            made.push((r, p.clone(), false));
        }
    }
    if !made.is_empty() {
        let total: i64 = made.iter().map(|(r, _, _)| r.amount).sum();
        if made.iter().any(|(r, _, _)| r.order_id != order.id) || total != input.amount {
            return Err(Refusal::conflict("this key was used for another refund").into());
        }
    } else {
        let mut left = input.amount;
        for (i, (k, p)) in keys.iter().zip(&payments).enumerate() {
            if left == 0 {
                break;
            }
            let Some(captured) = tx.lock_captured_payment(&p.id, now).await? else {
                continue;
            };
            let room = captured - tx.refunded_total(&p.id).await?;
            let part = left.min(room);
            if part <= 0 {
                continue;
            }
            let credit = p.provider == crate::payment::STORE_CREDIT;
            let r = Refund {
                id: format!("ref_{}", crate::customers::random_hex(12)?),
                key: k.clone(),
                order_id: order.id.clone(),
                payment_id: p.id.clone(),
                amount: part,
                reason: reason.clone(),
                staff_id: staff_id.to_owned(),
                status: RefundState::Pending,
                provider_refund_id: None,
                created_at: now,
                updated_at: now,
                destination: if credit {
                    Some(RefundDestination::StoreCredit)
                } else if i == 0 {
                    input.destination
                } else {
                    None
                },
                payee_name: None,
                payee_iban: None,
            };
            tx.insert_refund(&r).await?;
            // Made by the provider: asked again by a job until it answers.
            if r.destination.is_none() && p.provider != crate::payment::TRANSFER {
                let job = crate::customers::ordered_id_at("job", now)?;
                tx.enqueue_job(&job, REFUND_RETRY, &r.id, now + RETRY_AFTER_MS)
                    .await?;
            }
            made.push((r, p.clone(), true));
            left -= part;
        }
        if left > 0 {
            return Err(invalid("amount", "more_than_paid"));
        }
    }
    tx.commit().await?;

    let mut done: Vec<Done> = Vec::new();
    for (refund, payment, created) in made {
        let d = finish(app, &order, refund, &payment, staff_id).await?;
        done.push(Done { created, ..d });
    }
    // The part refunded to what paid first answers for all.
    done.into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("a refund without parts".into()))
}

/// One part of a refund, written as asked: made now where the shop makes it (the
/// provider, the shop's credit), left pending where the house sends a transfer or the
/// customer has yet to choose.
async fn finish(
    app: &App,
    order: &ecrin_store::Order,
    refund: Refund,
    payment: &Payment,
    staff_id: &str,
) -> Result<Done, AppError> {
    if refund.status == RefundState::Succeeded {
        let note = app
            .store
            .credit_notes_of(&order.id)
            .await?
            .into_iter()
            .find(|c| c.refund_id == refund.id);
        return Ok(Done {
            refund,
            credit_note: note,
            created: false,
        });
    }
    match refund.destination {
        // STK-2: credited to the customer's account, at once.
        Some(RefundDestination::StoreCredit) => {
            return settle(app, order, refund, crate::payment::STORE_CREDIT, staff_id).await;
        }
        // STK-2: waiting for the customer's choice, or for the house's transfer to the
        // account they gave; owed on the deadline board meanwhile.
        Some(RefundDestination::CustomerChoice | RefundDestination::BankTransfer) => {
            return Ok(Done {
                refund,
                credit_note: None,
                created: true,
            });
        }
        None => {}
    }
    // STK-2: money received by transfer goes back by transfer, sent by the house; the
    // refund waits on the deadline board until it is recorded as sent.
    if payment.provider == crate::payment::TRANSFER {
        return Ok(Done {
            refund,
            credit_note: None,
            created: true,
        });
    }
    // The provider, with the same key: asked twice, it refunds once. Unreachable, the
    // refund stays recorded as pending, on the deadline board, and its job asks again.
    match app
        .provider
        .refund(app, payment, refund.amount, &refund.key)
        .await
    {
        Ok(made) => settle(app, order, refund, &made.id, staff_id).await,
        Err(AppError::Refused(r)) if r.kind == ecrin_core::refusal::RefusalKind::Unavailable => {
            tracing::warn!(refund = %refund.id, "refund left pending: the provider did not answer");
            Ok(Done {
                refund,
                credit_note: None,
                created: true,
            })
        }
        Err(AppError::Refused(r)) if r.code == PROVIDER_REFUSED => {
            refused_by_provider(app, order, &refund, &r.detail).await?;
            let refund = app
                .store
                .refund_by_id(&refund.id)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(Done {
                refund,
                credit_note: None,
                created: true,
            })
        }
        Err(e) => Err(e),
    }
}

/// The code of a provider's refusal to refund a payment (an expired card, a payment
/// closed or too old): no retry changes it.
pub const PROVIDER_REFUSED: &str = "provider_refused";

/// PAY-1, STK-2: the provider refused outright to refund a payment: the refund is owed the
/// way the terms give when the payment cannot take it back (the customer's choice on the
/// order's page, then the house's transfer or a credit), on the deadline board until
/// made; the customer is told, and the order's history keeps why.
async fn refused_by_provider(
    app: &App,
    order: &ecrin_store::Order,
    refund: &Refund,
    why: &str,
) -> Result<(), AppError> {
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    if !tx
        .reopen_refund(&refund.id, RefundDestination::CustomerChoice, now)
        .await?
    {
        return Ok(());
    }
    proof::append(
        tx.as_mut(),
        &order.id,
        now,
        "refund_refused_by_provider",
        &serde_json::json!({"refund": refund.id, "amount": refund.amount, "why": why}),
    )
    .await?;
    tell_owed_again(app, tx.as_mut(), order, refund).await?;
    tx.commit().await?;
    tracing::warn!(refund = %refund.id, "the provider refused a refund: owed another way");
    Ok(())
}

/// The customer is asked where a refund the card could not take goes.
async fn tell_owed_again(
    app: &App,
    tx: &mut dyn ecrin_store::Tx,
    order: &ecrin_store::Order,
    refund: &Refund,
) -> Result<(), AppError> {
    tell_of_refund(
        app,
        tx,
        order,
        refund,
        "refund-card-failed-subject",
        &["refund-card-failed-text"],
        true,
    )
    .await
}

/// An e-mail of a refund without a credit note: `subject` and the `texts` (each with the
/// order's number and the refund's amount), and the order's page as its button if asked.
async fn tell_of_refund(
    app: &App,
    tx: &mut dyn ecrin_store::Tx,
    order: &ecrin_store::Order,
    refund: &Refund,
    subject: &str,
    texts: &[&str],
    button: bool,
) -> Result<(), AppError> {
    let summary = crate::checkout::document(order)?;
    let lang = crate::documents::order_lang(&app.profile, order);
    let t = Tr::new(lang);
    let args = [
        ("number", order.number.clone()),
        ("amount", t.money(refund.amount)),
    ];
    let message = Message {
        to: summary.contact.email.clone(),
        lang,
        subject: t.with(subject, &args),
        greeting: t.with(
            "email-greeting",
            &[("name", summary.contact.given_name.clone())],
        ),
        paragraphs: texts.iter().map(|k| t.with(k, &args)).collect(),
        button: button.then(|| {
            (
                t.t("confirm-button"),
                format!(
                    "{}/{}/account/orders/{}",
                    app.public_url,
                    lang.code(),
                    order.number
                ),
            )
        }),
    };
    emails::enqueue_attached(tx, app, message, &[], &[]).await
}

/// PAY-1, STK-2: a refund the provider made and later reported failed (its event
/// `event_id`, each taken once): the money did not reach the customer, so the refund is
/// owed again, on the deadline board, the way the terms give when the payment cannot take
/// it back: to the account the customer gives (their choice on the order's page, then the
/// house's transfer). Its credit note stands. The order's history keeps both.
pub(crate) async fn failed_at_provider(
    app: &App,
    payment: &Payment,
    provider_refund_id: &str,
    event_id: &str,
) -> Result<bool, AppError> {
    let order = app
        .store
        .order_by_id(&payment.order_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(refund) = app
        .store
        .refunds_of(&order.id)
        .await?
        .into_iter()
        .find(|r| r.provider_refund_id.as_deref() == Some(provider_refund_id))
    else {
        return Ok(false);
    };
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    if !tx.record_callback(event_id, &payment.id, now).await? {
        return Ok(false);
    }
    let reopened = tx
        .reopen_refund(&refund.id, RefundDestination::CustomerChoice, now)
        .await?;
    proof::append(
        tx.as_mut(),
        &order.id,
        now,
        "refund_failed",
        &serde_json::json!({"refund": refund.id, "amount": refund.amount,
                            "provider_refund": provider_refund_id,
                            "owed_again": reopened}),
    )
    .await?;
    if reopened {
        tell_owed_again(app, tx.as_mut(), &order, &refund).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The job of [`REFUND_RETRY`]: a refund still pending is asked of the provider again,
/// with its own key; made, it is recorded with its credit note. An error leaves the job
/// to be run again later.
pub(crate) async fn retry(app: &App, refund_id: &str) -> Result<(), AppError> {
    let Some(refund) = app.store.refund_by_id(refund_id).await? else {
        return Ok(());
    };
    if refund.status != RefundState::Pending || refund.destination.is_some() {
        return Ok(());
    }
    let payment = app
        .store
        .payment(&refund.payment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let order = order_of(app, &refund).await?;
    let staff_id = refund.staff_id.clone();
    match app
        .provider
        .refund(app, &payment, refund.amount, &refund.key)
        .await
    {
        Ok(made) => {
            settle(app, &order, refund, &made.id, &staff_id).await?;
        }
        Err(AppError::Refused(r)) if r.code == PROVIDER_REFUSED => {
            refused_by_provider(app, &order, &refund, &r.detail).await?;
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// When the order of a refund was paid (its invoice issued): whence `paris`'s refund
/// period runs (STK-2).
pub async fn paid_at(app: &App, refund: &Refund) -> Result<Option<i64>, AppError> {
    Ok(app
        .store
        .invoice_of(&refund.order_id)
        .await?
        .map(|i| i.issued_at))
}

/// STK-2: a customer's credit with the shop, deducted from their next order.
pub async fn store_credit_of(app: &App, customer_id: &str) -> Result<i64, AppError> {
    Ok(app.store.store_credit_balance(customer_id).await?)
}

/// What a customer chooses for a refund owed to them (STK-2, `paris`).
#[derive(Debug, Clone)]
pub enum Direction {
    /// A transfer to the account of their choice.
    BankTransfer { holder: String, iban: String },
    /// A credit note to spend in the shop.
    StoreCredit,
}

/// STK-2 (`paris`): the customer says, once, where the refund of a line cancelled for want
/// of stock goes: a bank transfer to the account of their choice (then owed on the
/// deadline board until the house records it sent), or a credit note to spend in the shop
/// (credited at once, with its credit note). A second answer is `409 already_answered`.
pub async fn direct(
    app: &App,
    customer_id: &str,
    number: &str,
    refund_id: &str,
    direction: Direction,
) -> Result<Done, AppError> {
    let order = crate::checkout::order_of(app, customer_id, number).await?;
    let refund = app
        .store
        .refund_by_id(refund_id)
        .await?
        .filter(|r| r.order_id == order.id)
        .ok_or(AppError::NotFound)?;
    let (to, holder, iban) = match &direction {
        Direction::BankTransfer { holder, iban } => {
            let holder = holder.trim();
            let mut errors = Vec::new();
            if holder.is_empty()
                || holder.chars().count() > 140
                || holder.chars().any(char::is_control)
            {
                errors.push(FieldError {
                    field: "account_holder".into(),
                    reason: "1_to_140_printable_characters",
                });
            }
            let iban = ecrin_core::payment::check_iban(iban).map_err(|reason| {
                errors.push(FieldError {
                    field: "iban".into(),
                    reason,
                })
            });
            if !errors.is_empty() {
                return Err(AppError::Invalid(errors));
            }
            (
                RefundDestination::BankTransfer,
                Some(holder.to_owned()),
                iban.ok(),
            )
        }
        Direction::StoreCredit => (RefundDestination::StoreCredit, None, None),
    };
    let mut tx = app.store.begin().await?;
    if !tx
        .direct_refund(
            &refund.id,
            RefundDestination::CustomerChoice,
            to,
            holder.as_deref(),
            iban.as_deref(),
        )
        .await?
    {
        return Err(Refusal::of(
            ecrin_core::refusal::RefusalKind::Conflict,
            "already_answered",
            "this refund's destination was chosen already",
        )
        .into());
    }
    proof::append(
        tx.as_mut(),
        &order.id,
        app.clock.now_ms(),
        "refund_directed",
        &serde_json::json!({"refund": refund.id, "destination": to.as_str(),
                            "iban": iban.as_deref().map(ecrin_core::payment::masked_iban)}),
    )
    .await?;
    tx.commit().await?;
    let refund = Refund {
        destination: Some(to),
        payee_name: holder,
        payee_iban: iban,
        ..refund
    };
    match to {
        RefundDestination::StoreCredit => {
            settle(
                app,
                &order,
                refund,
                crate::payment::STORE_CREDIT,
                &format!("customer:{customer_id}"),
            )
            .await
        }
        _ => Ok(Done {
            refund,
            credit_note: None,
            created: true,
        }),
    }
}

/// STK-2, INV-3: a refund by bank transfer recorded as sent by the house (accountant,
/// admin), with the bank's reference: its credit note is issued and the customer told.
pub async fn record_sent(
    app: &App,
    staff_id: &str,
    refund_id: &str,
    reference: &str,
) -> Result<Done, AppError> {
    let staff = crate::backoffice::staff(app, staff_id).await?;
    crate::backoffice::require(&staff, crate::payment::RECORDING)?;
    let reference = reference.trim();
    if reference.is_empty()
        || reference.chars().count() > 100
        || reference.chars().any(char::is_control)
    {
        return Err(invalid("reference", "1_to_100_printable_characters"));
    }
    let refund = app
        .store
        .refund_by_id(refund_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if refund.status != RefundState::Pending {
        return Err(Refusal::conflict("this refund was made already").into());
    }
    if refund.destination == Some(RefundDestination::CustomerChoice) {
        return Err(Refusal::conflict(
            "the customer has not yet said where this refund goes (bank transfer or credit note)",
        )
        .into());
    }
    let order = app
        .store
        .order_by_id(&refund.order_id)
        .await?
        .ok_or(AppError::NotFound)?;
    settle(app, &order, refund, reference, staff_id).await
}

/// The order a refund belongs to.
pub async fn order_of(app: &App, refund: &Refund) -> Result<ecrin_store::Order, AppError> {
    app.store
        .order_by_id(&refund.order_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The refund made (by the provider, or by transfer): recorded once with its credit
/// note, its event in the order's history and an e-mail to the customer.
async fn settle(
    app: &App,
    order: &ecrin_store::Order,
    refund: Refund,
    made_id: &str,
    staff_id: &str,
) -> Result<Done, AppError> {
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    if !tx.settle_refund(&refund.id, made_id, now).await? {
        // Another request finished it meanwhile.
        tx.commit().await?;
        let note = app
            .store
            .credit_notes_of(&order.id)
            .await?
            .into_iter()
            .find(|c| c.refund_id == refund.id);
        return Ok(Done {
            refund: Refund {
                status: RefundState::Succeeded,
                provider_refund_id: Some(made_id.to_owned()),
                ..refund
            },
            credit_note: note,
            created: false,
        });
    }
    match refund.destination {
        // STK-2: the credit note to spend in the shop is the account's credit.
        Some(RefundDestination::StoreCredit) => {
            tx.add_store_credit(&ecrin_store::StoreCredit {
                id: format!("crd_{}", crate::customers::random_hex(12)?),
                customer_id: order.customer_id.clone(),
                amount: refund.amount,
                order_id: order.id.clone(),
                refund_id: Some(refund.id.clone()),
                created_at: now,
            })
            .await?;
        }
        // The account the transfer went to is kept masked, as the proof needs no more.
        Some(RefundDestination::BankTransfer) => {
            if let Some(iban) = &refund.payee_iban {
                tx.mask_payee(&refund.id, &ecrin_core::payment::masked_iban(iban))
                    .await?;
            }
        }
        _ => {}
    }
    // A payment the order did not need is given back without a credit note: no invoice
    // counted it.
    if is_unapplied(&refund) {
        proof::append(
            tx.as_mut(),
            &order.id,
            now,
            "refunded",
            &serde_json::json!({"refund": refund.id, "amount": refund.amount,
                                "provider_refund": made_id, "credit_note": null,
                                "payment_not_applied": refund.payment_id, "by": staff_id}),
        )
        .await?;
        tell_unapplied(app, tx.as_mut(), order, &refund).await?;
        tx.commit().await?;
        return Ok(Done {
            refund: Refund {
                status: RefundState::Succeeded,
                provider_refund_id: Some(made_id.to_owned()),
                updated_at: now,
                ..refund
            },
            credit_note: None,
            created: true,
        });
    }
    // A refund made again another way (the provider's failed later) keeps the credit
    // note it was given: one per refund.
    let issued = app
        .store
        .credit_notes_of(&order.id)
        .await?
        .into_iter()
        .find(|c| c.refund_id == refund.id);
    let note = match issued {
        Some(note) => note,
        None => {
            let invoice = app.store.invoice_of(&order.id).await?;
            let seq = tx.next_credit_note_seq().await?;
            let note = CreditNote {
                seq,
                number: format!("A{seq:06}"),
                refund_id: refund.id.clone(),
                order_id: order.id.clone(),
                invoice_number: invoice.map(|i| i.number).unwrap_or_default(),
                amount: refund.amount,
                issued_at: now,
            };
            tx.insert_credit_note(&note).await?;
            note
        }
    };
    proof::append(
        tx.as_mut(),
        &order.id,
        now,
        "refunded",
        &serde_json::json!({"refund": refund.id, "amount": refund.amount,
                            "provider_refund": made_id, "credit_note": note.number,
                            "invoice": note.invoice_number, "by": staff_id}),
    )
    .await?;
    tell_customer(app, tx.as_mut(), order, &refund, &note).await?;
    tx.commit().await?;
    Ok(Done {
        refund: Refund {
            status: RefundState::Succeeded,
            provider_refund_id: Some(made_id.to_owned()),
            updated_at: now,
            ..refund
        },
        credit_note: Some(note),
        created: true,
    })
}

async fn tell_customer(
    app: &App,
    tx: &mut dyn ecrin_store::Tx,
    order: &ecrin_store::Order,
    refund: &Refund,
    note: &CreditNote,
) -> Result<(), AppError> {
    let summary = crate::checkout::document(order)?;
    let lang = crate::documents::order_lang(&app.profile, order);
    let t = Tr::new(lang);
    let args = [
        ("number", order.number.clone()),
        ("amount", t.money(refund.amount)),
        ("note", note.number.clone()),
        ("invoice", note.invoice_number.clone()),
    ];
    let message = Message {
        to: summary.contact.email.clone(),
        lang,
        subject: t.with("refund-subject", &args),
        greeting: t.with(
            "email-greeting",
            &[("name", summary.contact.given_name.clone())],
        ),
        paragraphs: match refund.destination {
            Some(RefundDestination::StoreCredit) => vec![t.with("refund-text-credit", &args)],
            Some(RefundDestination::BankTransfer) => {
                let mut args = args.to_vec();
                args.push((
                    "iban",
                    refund
                        .payee_iban
                        .as_deref()
                        .map(ecrin_core::payment::masked_iban)
                        .unwrap_or_default(),
                ));
                vec![t.with("refund-text-transfer", &args), t.t("refund-delay")]
            }
            _ => vec![t.with("refund-text", &args), t.t("refund-delay")],
        },
        button: Some((
            t.t("confirm-button"),
            format!(
                "{}/{}/account/orders/{}",
                app.public_url,
                lang.code(),
                order.number
            ),
        )),
    };
    emails::enqueue_attached(
        tx,
        app,
        message,
        &[],
        &[Attachment::CreditNote {
            order_id: order.id.clone(),
            number: note.number.clone(),
        }],
    )
    .await
}

/// A card payment that arrived for an order no longer awaiting it (cancelled meanwhile,
/// or paid by another attempt): given back in full, once (subject: the payment's id).
/// Enqueued with the payment's record, so that a crash between the two loses nothing.
pub const UNAPPLIED_PAYMENT: &str = "unapplied_payment";

/// The key of the refund giving back payment `payment_id`, which the order did not need.
fn unapplied_key(payment_id: &str) -> String {
    format!("{UNAPPLIED_PREFIX}{payment_id}")
}

const UNAPPLIED_PREFIX: &str = "unapplied-";

fn is_unapplied(refund: &Refund) -> bool {
    refund.key == unapplied_key(&refund.payment_id)
}

/// The customer is told that a payment the order did not need went back to their card.
async fn tell_unapplied(
    app: &App,
    tx: &mut dyn ecrin_store::Tx,
    order: &ecrin_store::Order,
    refund: &Refund,
) -> Result<(), AppError> {
    tell_of_refund(
        app,
        tx,
        order,
        refund,
        "refund-subject",
        &["refund-unapplied-text", "refund-delay"],
        false,
    )
    .await
}

/// PAY-1: the job of [`UNAPPLIED_PAYMENT`]: the payment is refunded in full to itself,
/// under a key of its own (made once however often the job runs).
pub(crate) async fn give_back_unapplied(app: &App, payment_id: &str) -> Result<(), AppError> {
    let Some(payment) = app.store.payment(payment_id).await? else {
        return Ok(());
    };
    let order = app
        .store
        .order_by_id(&payment.order_id)
        .await?
        .ok_or(AppError::NotFound)?;
    make(
        app,
        "system",
        &order.number,
        RefundInput {
            amount: payment.amount,
            reason: "a payment received for an order no longer awaiting it".into(),
            key: Some(unapplied_key(payment_id)),
            destination: None,
            payment_id: Some(payment.id.clone()),
        },
    )
    .await?;
    Ok(())
}

/// A refund decided in a transaction (an inspection accepted, a claim decided, units
/// cancelled): written as a job in that same transaction, so that a crash before the
/// refund's own record loses nothing. The refund is made at once after the commit; the
/// job, a minute on, makes it if that did not happen (the same key: made once).
pub const REFUND_OWED: &str = "refund_owed";

/// What an owed refund's job carries.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Owed {
    by: String,
    number: String,
    amount: i64,
    reason: String,
    key: String,
    destination: Option<String>,
    /// The withdrawal or claim the refund is for: `("withdrawal" | "claim", id)`.
    link: Option<(String, String)>,
}

/// Writes, in `tx`, the job that owes `input` (whose key must be set) on order `number`.
pub(crate) async fn owe(
    tx: &mut dyn ecrin_store::Tx,
    by: &str,
    number: &str,
    input: &RefundInput,
    link: Option<(&str, &str)>,
    now: i64,
) -> Result<(), AppError> {
    let key = input
        .key
        .clone()
        .ok_or_else(|| AppError::Internal("a refund owed needs its key".into()))?;
    let owed = Owed {
        by: by.to_owned(),
        number: number.to_owned(),
        amount: input.amount,
        reason: input.reason.clone(),
        key,
        destination: input.destination.map(|d| d.as_str().to_owned()),
        link: link.map(|(k, id)| (k.to_owned(), id.to_owned())),
    };
    let subject = serde_json::to_string(&owed)
        .map_err(|e| AppError::Internal(format!("a refund owed: {e}")))?;
    let job = crate::customers::ordered_id_at("job", now)?;
    tx.enqueue_job(&job, REFUND_OWED, &subject, now + RETRY_AFTER_MS)
        .await?;
    Ok(())
}

/// The job of [`REFUND_OWED`]: the refund made (or found made, by its key) and linked to
/// its withdrawal or claim. One that can never be made (no payment received to take it
/// from) is left to the house, logged.
pub(crate) async fn make_owed(app: &App, subject: &str) -> Result<(), AppError> {
    let owed: Owed = serde_json::from_str(subject)
        .map_err(|e| AppError::Internal(format!("a refund owed that cannot be read: {e}")))?;
    let destination = match owed.destination.as_deref() {
        Some(d) => Some(
            d.parse::<RefundDestination>()
                .map_err(|_| AppError::Internal(format!("a refund owed to `{d}`")))?,
        ),
        None => None,
    };
    let input = RefundInput {
        amount: owed.amount,
        reason: owed.reason,
        key: Some(owed.key),
        destination,
        payment_id: None,
    };
    let done = match make(app, &owed.by, &owed.number, input).await {
        Ok(done) => done,
        Err(AppError::Refused(r)) if r.kind == ecrin_core::refusal::RefusalKind::Conflict => {
            tracing::warn!(order = %owed.number, detail = %r.detail, "a refund owed left to the house");
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    if let Some((kind, id)) = owed.link {
        let mut tx = app.store.begin().await?;
        match kind.as_str() {
            "withdrawal" => tx.set_withdrawal_refund(&id, &done.refund.id).await?,
            "claim" => tx.set_claim_refund(&id, &done.refund.id).await?,
            _ => {}
        }
        tx.commit().await?;
    }
    Ok(())
}
