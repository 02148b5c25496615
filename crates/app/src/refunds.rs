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
use ecrin_core::payment::RefundState;
use ecrin_core::query::FieldError;
use ecrin_store::{CreditNote, Refund};

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
    crate::backoffice::require(
        &staff,
        &[Role::Admin, Role::CustomerService, Role::Accountant],
    )?;
    make(app, staff_id, number, input).await
}

/// A refund owed by the rules, not asked by staff (STK-2: the customer cancelled units out
/// of stock); `by` names who it is made for in the refund and the history.
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
    let payment = app
        .store
        .payments_of(&order.id)
        .await?
        .into_iter()
        .find(|p| p.status == ecrin_core::payment::AttemptState::Captured)
        .ok_or_else(|| Refusal::conflict("this order has no payment received to refund"))?;

    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    let (refund, created) = match tx.refund_by_key(&key).await? {
        Some(r) if r.order_id != order.id || r.amount != input.amount => {
            return Err(Refusal::conflict("this key was used for another refund").into());
        }
        Some(r) => (r, false),
        None => {
            let captured = tx
                .lock_captured_payment(&payment.id, now)
                .await?
                .ok_or_else(|| Refusal::conflict("the payment is not captured"))?;
            let refunded = tx.refunded_total(&payment.id).await?;
            if refunded + input.amount > captured {
                return Err(invalid("amount", "more_than_paid"));
            }
            let r = Refund {
                id: format!("ref_{}", crate::customers::random_hex(12)?),
                key: key.clone(),
                order_id: order.id.clone(),
                payment_id: payment.id.clone(),
                amount: input.amount,
                reason,
                staff_id: staff_id.to_owned(),
                status: RefundState::Pending,
                provider_refund_id: None,
                created_at: now,
                updated_at: now,
            };
            tx.insert_refund(&r).await?;
            (r, true)
        }
    };
    tx.commit().await?;
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
            created,
        });
    }

    // STK-2: money received by transfer goes back by transfer, sent by the house; the
    // refund waits on the deadline board until it is recorded as sent.
    if payment.provider == crate::payment::TRANSFER {
        return Ok(Done {
            refund,
            credit_note: None,
            created,
        });
    }

    // The provider, with the same key: asked twice, it refunds once.
    let made = app
        .provider
        .refund(app, &refund.payment_id, refund.amount, &refund.key)
        .await?;
    let settled = settle(app, &order, refund, &made.id, staff_id).await?;
    Ok(Done { created, ..settled })
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
    crate::backoffice::require(&staff, &[Role::Admin, Role::Accountant])?;
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
        paragraphs: vec![t.with("refund-text", &args), t.t("refund-delay")],
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
