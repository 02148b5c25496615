//! The withdrawal function (WDR-1, WDR-2, WDR-3, WDR-7; Directive 2023/2673): the customer,
//! logged in or a guest with the order's number and e-mail address, withdraws from the
//! contract for some units of some lines, without a reason. The notice is recorded to the
//! second and confirmed at once on a durable medium: an e-mail with the statement, its date
//! and time, and the statement as PDF. Units not yet shipped are cancelled and refunded at
//! once; those on their way or delivered are to be sent back under a return authorisation
//! (WDR-2): the return address, the last day to send them, who pays, and for `milano` the
//! day its courier collects.

use crate::customers::{random_hex, token_hash};
use crate::emails::{self, Attachment, Message};
use crate::i18n::{self, Tr};
use crate::{App, AppError};
use ecrin_core::Refusal;
use ecrin_core::order::{OrderState, PaymentState, ShipmentState, Units};
use ecrin_core::profile::ReturnPaidBy;
use ecrin_core::withdrawal::{self as rules, LineFacts, Outcome, WithdrawalState};
use ecrin_store::{Order, Withdrawal, WithdrawalNotice};

/// Who withdraws.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    /// A logged-in customer (their own orders only).
    Customer(&'a str),
    /// Anyone with the order's number and the e-mail address it was placed with, from
    /// `client` (the address their request came from): their lookups are bounded
    /// ([`ecrin_core::withdrawal::guest_lookup_allowed`]).
    Guest { email: &'a str, client: &'a str },
}

/// What the customer withdraws and wants instead.
#[derive(Debug, Clone, Default)]
pub struct WithdrawInput {
    pub lines: Vec<Units>,
    /// `refund` (default) or `exchange` where the profile allows it (WDR-6).
    pub outcome: Option<String>,
    pub exchange_sku: Option<String>,
    pub ip: String,
}

/// A withdrawal received.
#[derive(Debug)]
pub struct Withdrawn {
    pub withdrawal: Withdrawal,
    pub order: Order,
    /// The refund of the units cancelled before they left, if any were paid.
    pub refund: Option<crate::refunds::Done>,
}

/// The order a customer or guest may withdraw from; anything else is `not_found`, a guest's
/// wrong e-mail address answering as an unknown order, and a guest who has guessed too
/// often `rate_limited`, whatever they give.
pub async fn order_for(app: &App, who: Who<'_>, number: &str) -> Result<Order, AppError> {
    match who {
        Who::Customer(id) => crate::checkout::order_of(app, id, number).await,
        Who::Guest { email, client } => guest_order(app, number, email, client).await,
    }
}

/// The three keys a guest's lookup counts its failures against, hashed (no address kept
/// in clear): the client's address, the order number, the e-mail address.
fn guest_keys(number: &str, email: &str, client: &str) -> [String; 3] {
    let email = ecrin_core::account::Email::parse(email)
        .map(|e| e.key())
        .unwrap_or_else(|| email.trim().to_lowercase());
    [
        token_hash(&format!("withdraw-client:{client}")),
        token_hash(&format!("withdraw-order:{}", number.trim().to_uppercase())),
        token_hash(&format!("withdraw-email:{email}")),
    ]
}

/// WDR-7: a guest's order, by its number and the e-mail address it was placed with, under
/// the bound on guessing: unknown number and wrong address answer alike (`not_found`) and
/// count as a failure of the client, the number and the address; once one of them has too
/// many, every lookup by it is `rate_limited` for the hour, right or wrong.
async fn guest_order(
    app: &App,
    number: &str,
    email: &str,
    client: &str,
) -> Result<Order, AppError> {
    let keys = guest_keys(number, email, client);
    let now = app.clock.now_ms();
    let since = now - rules::GUEST_WINDOW_MS;
    let failures = rules::GuestFailures {
        client: app.store.rate_events(&keys[0], since).await?,
        order: app.store.rate_events(&keys[1], since).await?,
        email: app.store.rate_events(&keys[2], since).await?,
    };
    if !rules::guest_lookup_allowed(failures) {
        tracing::warn!(?failures, "withdrawal lookups refused for guessing");
        return Err(Refusal::of(
            ecrin_core::refusal::RefusalKind::RateLimited,
            "rate_limited",
            "too many orders tried; wait an hour, or log in to withdraw from your own orders",
        )
        .into());
    }
    let order = match app.store.order_by_number(number.trim()).await? {
        Some(order)
            if !email.trim().is_empty()
                && crate::checkout::document(&order)?
                    .contact
                    .email
                    .trim()
                    .eq_ignore_ascii_case(email.trim()) =>
        {
            Some(order)
        }
        _ => None,
    };
    match order {
        Some(order) => Ok(order),
        None => {
            let mut tx = app.store.begin().await?;
            for key in &keys {
                tx.record_rate_event(key, now).await?;
            }
            tx.commit().await?;
            Err(AppError::NotFound)
        }
    }
}

/// The merchant's day of a moment.
fn day_of(app: &App, ms: i64) -> Option<jiff::civil::Date> {
    ecrin_core::deadlines::day_of(&app.profile, ms)
}

/// What each line of `order` stands at for a withdrawal.
pub async fn line_facts(app: &App, order: &Order) -> Result<Vec<LineFacts>, AppError> {
    let shipments = crate::fulfilment::shipments(app, order).await?;
    let earlier = app.store.withdrawals_of(&order.id).await?;
    Ok(facts(app, order, &shipments, &earlier))
}

fn facts(
    app: &App,
    order: &Order,
    shipments: &[ecrin_store::Shipment],
    earlier: &[Withdrawal],
) -> Vec<LineFacts> {
    order
        .lines
        .iter()
        .map(|l| {
            let units_in = |state: ShipmentState| -> i64 {
                shipments
                    .iter()
                    .filter(|s| s.state == state)
                    .flat_map(|s| &s.lines)
                    .filter(|u| u.line_no == l.line_no)
                    .map(|u| u.quantity)
                    .sum()
            };
            let shipped: i64 = shipments
                .iter()
                .flat_map(|s| &s.lines)
                .filter(|u| u.line_no == l.line_no)
                .map(|u| u.quantity)
                .sum();
            let delivered_on = shipments
                .iter()
                .filter(|s| s.lines.iter().any(|u| u.line_no == l.line_no))
                .filter_map(|s| s.delivered_at)
                .max()
                .and_then(|at| day_of(app, at));
            let withdrawn = earlier
                .iter()
                .flat_map(|w| serde_json::from_str::<Vec<Units>>(&w.send_back).unwrap_or_default())
                .filter(|u| u.line_no == l.line_no)
                .map(|u| u.quantity)
                .sum();
            LineFacts {
                line_no: l.line_no,
                withdrawable: l.withdrawable,
                unshipped: (l.quantity - l.cancelled - shipped).max(0),
                in_transit: units_in(ShipmentState::InTransit),
                delivered: units_in(ShipmentState::Delivered),
                delivered_on,
                withdrawn,
            }
        })
        .collect()
}

/// What the customer may withdraw from a line now: up to `max` units, or nothing because
/// the piece is custom-made or engraved (WDR-3), or its window has closed (WDR-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    pub line_no: i64,
    pub name: String,
    pub max: i64,
    pub excluded: bool,
    pub closed: bool,
}

/// WDR-1, WDR-3: what each line of `order` may be withdrawn from today.
pub async fn open_lines(app: &App, order: &Order) -> Result<Vec<Open>, AppError> {
    let facts = line_facts(app, order).await?;
    let today =
        day_of(app, app.clock.now_ms()).ok_or_else(|| AppError::Internal("no date".into()))?;
    Ok(order
        .lines
        .iter()
        .zip(&facts)
        .map(|(l, f)| {
            let left = f.left(&app.profile, today);
            Open {
                line_no: l.line_no,
                name: l.name.clone(),
                max: f.most(&app.profile, today),
                excluded: !f.withdrawable,
                closed: left.closed && f.withdrawable && f.unshipped + left.in_transit == 0,
            }
        })
        .collect())
}

/// WDR-7's first step: what a withdrawal of `lines` would do, checked as it would be, and
/// nothing written.
pub async fn preview(app: &App, order: &Order, lines: &[Units]) -> Result<rules::Plan, AppError> {
    let facts = line_facts(app, order).await?;
    let today =
        day_of(app, app.clock.now_ms()).ok_or_else(|| AppError::Internal("no date".into()))?;
    Ok(rules::plan(&app.profile, &facts, lines, today)?)
}

/// The units of `units` as the customer reads them: `1 × Jonc Rivage`.
pub fn describe(order: &Order, units: &[Units]) -> Vec<String> {
    items(order, units)
}

fn invalid(field: &str, reason: &'static str) -> AppError {
    AppError::Invalid(vec![ecrin_core::query::FieldError {
        field: field.into(),
        reason,
    }])
}

/// The order may be withdrawn from (paid, in force), and what the customer wants instead.
fn check(
    app: &App,
    order: &Order,
    input: &WithdrawInput,
) -> Result<(Outcome, Option<String>), AppError> {
    if order.payment_state != PaymentState::Paid
        || matches!(order.status, OrderState::Cancelled | OrderState::Abandoned)
    {
        return Err(Refusal::wrong_status(
            "only a paid order still in force can be withdrawn from",
        )
        .into());
    }
    let outcome = match input.outcome.as_deref().map(str::trim) {
        None | Some("") => Outcome::Refund,
        Some(o) => o
            .parse::<Outcome>()
            .map_err(|_| invalid("outcome", "refund_or_exchange"))?,
    };
    let exchange_sku = input
        .exchange_sku
        .as_deref()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    match outcome {
        Outcome::Exchange if !app.profile.withdrawal.exchanges => {
            return Err(invalid("outcome", "exchange_not_offered"));
        }
        Outcome::Exchange if exchange_sku.is_none() => {
            return Err(invalid("exchange_sku", "required"));
        }
        Outcome::Refund if exchange_sku.is_some() => {
            return Err(invalid("exchange_sku", "only_for_exchange"));
        }
        _ => {}
    }
    Ok((outcome, exchange_sku))
}

/// WDR-1, WDR-7: the logged-in customer withdraws from their order `number` for
/// `input.lines`, carried out at once.
pub async fn withdraw(
    app: &App,
    customer_id: &str,
    number: &str,
    input: WithdrawInput,
) -> Result<Withdrawn, AppError> {
    let order = crate::checkout::order_of(app, customer_id, number).await?;
    let now = app.clock.now_ms();
    carry_out(app, order, input, now, None).await
}

/// Carries a withdrawal out: noticed at `notified_at` (the moment that counts for WDR-1's
/// window), the units not yet shipped cancelled and refunded, the others authorised to come
/// back (WDR-2, counted from today), the receipt e-mailed. `notice`: the hash of the guest's
/// notice it confirms, confirmed once in the same transaction.
async fn carry_out(
    app: &App,
    order: Order,
    input: WithdrawInput,
    notified_at: i64,
    notice: Option<&str>,
) -> Result<Withdrawn, AppError> {
    let (outcome, exchange_sku) = check(app, &order, &input)?;
    if let Some(sku) = &exchange_sku
        && app.store.variant_info(sku).await?.is_none()
    {
        return Err(invalid("exchange_sku", "unknown_sku"));
    }
    let now = app.clock.now_ms();
    let today = day_of(app, now).ok_or_else(|| AppError::Internal("no date".into()))?;
    let noticed_on =
        day_of(app, notified_at).ok_or_else(|| AppError::Internal("no date".into()))?;
    let shipments = crate::fulfilment::shipments(app, &order).await?;
    let mut tx = app.store.begin().await?;
    // Read in the transaction: a second notice for the same units finds the first.
    let earlier = tx.withdrawals_in_tx(&order.id).await?;
    let plan = rules::plan(
        &app.profile,
        &facts(app, &order, &shipments, &earlier),
        &input.lines,
        noticed_on,
    )?;
    let p = &app.profile;
    let sends_back = !plan.send_back.is_empty();
    let by_merchant = p.withdrawal.return_paid_by == ReturnPaidBy::Merchant;
    let w = Withdrawal {
        id: crate::customers::ordered_id_at("wdr", now)?,
        order_id: order.id.clone(),
        notified_at,
        outcome,
        exchange_sku,
        cancelled: serde_json::to_string(&plan.cancel).unwrap_or_default(),
        send_back: serde_json::to_string(&plan.send_back).unwrap_or_default(),
        status: if sends_back {
            WithdrawalState::Authorised
        } else {
            WithdrawalState::Closed
        },
        return_by: sends_back.then(|| rules::return_by(p, today).to_string()),
        return_paid_by: p.withdrawal.return_paid_by,
        pickup_date: (sends_back && by_merchant).then(|| rules::pickup_date(p, today).to_string()),
        by_guest: notice.is_some(),
        ip: input.ip.chars().take(64).collect(),
        received_at: None,
        received_by: None,
        inspected_at: None,
        inspected_by: None,
        inspection_reason: None,
        refund_id: None,
    };
    tx.insert_withdrawal(&w).await?;
    if let Some(hash) = notice
        && !tx.confirm_withdrawal_notice(hash, &w.id).await?
    {
        return Err(Refusal::conflict("this withdrawal was confirmed already").into());
    }
    crate::proof::append(
        tx.as_mut(),
        &order.id,
        now,
        "withdrawn",
        &serde_json::json!({"withdrawal": w.id, "cancelled": plan.cancel,
                            "send_back": plan.send_back, "outcome": outcome.as_str(),
                            "by_guest": w.by_guest, "ip": w.ip}),
    )
    .await?;
    tell(app, tx.as_mut(), &order, &w).await?;
    tx.commit().await?;
    // Units not yet shipped: cancelled at once, and what was paid for them refunded.
    let refund = if plan.cancel.is_empty() {
        None
    } else {
        crate::cancellations::withdrawn(app, &order, plan.cancel.clone(), &w.id)
            .await?
            .refund
    };
    let order = app
        .store
        .order_by_id(&order.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Withdrawn {
        withdrawal: w,
        order,
        refund,
    })
}

/// WDR-7: a guest's withdrawal, recorded and waiting for the owner of the order's e-mail
/// address to confirm it.
#[derive(Debug, Clone)]
pub struct Notice {
    pub order_number: String,
    /// The moment of the notice: the withdrawal's date once confirmed.
    pub notified_at: i64,
    /// The e-mailed link can be followed until then.
    pub expires_at: i64,
    /// What confirming it would do, as of the notice.
    pub plan: rules::Plan,
}

/// WDR-7: a guest (no login) withdraws from order `number`, placed with `email`. The
/// notice is checked as a withdrawal would be and recorded with its moment, and the
/// address the order was placed with is sent a link to confirm it; nothing of the order
/// changes until then, so that whoever guessed a number and an address can cancel nothing.
pub async fn notify_as_guest(
    app: &App,
    number: &str,
    email: &str,
    input: WithdrawInput,
) -> Result<Notice, AppError> {
    let order = guest_order(app, number, email, &input.ip).await?;
    let (outcome, exchange_sku) = check(app, &order, &input)?;
    if let Some(sku) = &exchange_sku
        && app.store.variant_info(sku).await?.is_none()
    {
        return Err(invalid("exchange_sku", "unknown_sku"));
    }
    let plan = preview(app, &order, &input.lines).await?;
    let now = app.clock.now_ms();
    let token = random_hex(32)?;
    let notice = WithdrawalNotice {
        token_hash: token_hash(&token),
        order_id: order.id.clone(),
        notified_at: now,
        expires_at: now + rules::GUEST_CONFIRM_MS,
        lines: serde_json::to_string(&input.lines).unwrap_or_default(),
        outcome,
        exchange_sku,
        ip: input.ip.chars().take(64).collect(),
        withdrawal_id: None,
    };
    let mut all = plan.cancel.clone();
    all.extend(plan.send_back.iter().copied());
    let mut tx = app.store.begin().await?;
    tx.insert_withdrawal_notice(&notice).await?;
    ask_to_confirm(app, tx.as_mut(), &order, &notice, &all, &token).await?;
    tx.commit().await?;
    Ok(Notice {
        order_number: order.number,
        notified_at: notice.notified_at,
        expires_at: notice.expires_at,
        plan,
    })
}

/// A guest's notice as its link shows it, before it is confirmed.
#[derive(Debug, Clone)]
pub struct Pending {
    pub notice: WithdrawalNotice,
    pub order: Order,
}

/// WDR-7: the notice of an e-mailed link; `invalid_token` when it is unknown or has
/// expired unconfirmed.
pub async fn notice(app: &App, token: &str) -> Result<Pending, AppError> {
    let unknown = || {
        AppError::from(Refusal::new(
            "invalid_token",
            "this link is unknown or expired",
        ))
    };
    let notice = app
        .store
        .withdrawal_notice(&token_hash(token.trim()))
        .await?
        .ok_or_else(unknown)?;
    if notice.withdrawal_id.is_none() && notice.expires_at < app.clock.now_ms() {
        return Err(unknown());
    }
    let order = app
        .store
        .order_by_id(&notice.order_id)
        .await?
        .ok_or_else(unknown)?;
    Ok(Pending { notice, order })
}

/// WDR-7: the owner of the order's address confirms a guest's withdrawal by its link: it
/// is carried out as of the notice. Confirmed twice (a second click), the withdrawal made
/// the first time is given again.
pub async fn confirm(app: &App, token: &str, ip: &str) -> Result<Withdrawn, AppError> {
    let Pending { notice, order } = notice(app, token).await?;
    if let Some(id) = &notice.withdrawal_id {
        let withdrawal = app
            .store
            .withdrawal_by_id(id)
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(Withdrawn {
            withdrawal,
            order,
            refund: None,
        });
    }
    let input = WithdrawInput {
        lines: serde_json::from_str(&notice.lines).unwrap_or_default(),
        outcome: Some(notice.outcome.as_str().to_owned()),
        exchange_sku: notice.exchange_sku.clone(),
        ip: ip.to_owned(),
    };
    carry_out(
        app,
        order,
        input,
        notice.notified_at,
        Some(&notice.token_hash),
    )
    .await
}

/// WDR-7: the e-mail asking the owner of the order's address to confirm a guest's
/// withdrawal, with the link.
async fn ask_to_confirm(
    app: &App,
    tx: &mut dyn ecrin_store::Tx,
    order: &Order,
    notice: &WithdrawalNotice,
    units: &[Units],
    token: &str,
) -> Result<(), AppError> {
    let summary = crate::checkout::document(order)?;
    let lang = crate::documents::order_lang(&app.profile, order);
    let t = Tr::new(lang);
    let zone = &app.profile.time_zone;
    let message = Message {
        to: summary.contact.email.clone(),
        lang,
        subject: t.with(
            "withdrawal-confirm-subject",
            &[("number", order.number.clone())],
        ),
        greeting: t.with(
            "email-greeting",
            &[("name", summary.contact.given_name.clone())],
        ),
        paragraphs: vec![
            t.with(
                "withdrawal-confirm-statement",
                &[
                    ("number", order.number.clone()),
                    ("placed", i18n::date(order.placed_at, lang, zone)),
                    ("items", items(order, units).join(", ")),
                    ("at", i18n::date_time(notice.notified_at, lang, zone)),
                ],
            ),
            t.with(
                "withdrawal-confirm-why",
                &[("until", i18n::date_time(notice.expires_at, lang, zone))],
            ),
            t.t("withdrawal-confirm-not-you"),
        ],
        button: Some((
            t.t("withdraw-confirm"),
            format!(
                "{}/{}/withdraw/confirm?token={token}",
                app.public_url,
                lang.code()
            ),
        )),
    };
    emails::enqueue(tx, app, message).await
}

/// The units of `units` written as the customer reads them: `1 × Jonc Rivage`.
fn items(order: &Order, units: &[Units]) -> Vec<String> {
    units
        .iter()
        .filter_map(|u| {
            let l = order.lines.iter().find(|l| l.line_no == u.line_no)?;
            Some(format!("{} × {}", u.quantity, l.name))
        })
        .collect()
}

/// WDR-5: what a withdrawal of `back` should refund once the pieces are received
/// (`ecrin_core::withdrawal::refund_estimate`), for `order` as the profile sent it.
pub fn refund_estimate(app: &App, order: &Order, back: &[Units]) -> i64 {
    let priority = crate::checkout::document(order)
        .ok()
        .and_then(|d| {
            app.profile
                .delivery
                .methods
                .iter()
                .find(|m| m.id == d.method.id)
                .map(|m| m.priority)
        })
        .unwrap_or(false);
    let lines: Vec<ecrin_core::withdrawal::PricedLine> = order
        .lines
        .iter()
        .map(|l| ecrin_core::withdrawal::PricedLine {
            line_no: l.line_no,
            unit_price: l.unit_price_incl_vat,
            quantity: l.quantity,
            cancelled: l.cancelled,
        })
        .collect();
    ecrin_core::withdrawal::refund_estimate(&lines, back, order.delivery_charge, priority)
}

/// WDR-5: when nothing of an order sent by a priority service is kept, the standard
/// delivery charge the customer would have paid for the same parcel (the premium is not
/// refunded), never more than what they paid; zero otherwise.
async fn standard_charge_for_priority(
    app: &App,
    order: &Order,
    back: &[Units],
) -> Result<i64, AppError> {
    let kept: i64 = order
        .lines
        .iter()
        .map(|l| l.quantity - l.cancelled)
        .sum::<i64>()
        - back.iter().map(|u| u.quantity).sum::<i64>();
    let doc = crate::checkout::document(order)?;
    let d = &app.profile.delivery;
    let priority = d
        .methods
        .iter()
        .find(|m| m.id == doc.method.id)
        .is_some_and(|m| m.priority);
    let (Some(standard), Some(address)) = (
        d.methods.iter().find(|m| m.id == d.standard_method),
        doc.delivery_address.as_ref(),
    ) else {
        return Ok(0);
    };
    if kept > 0 || !priority {
        return Ok(0);
    }
    let skus: Vec<String> = order.lines.iter().map(|l| l.sku.clone()).collect();
    let weights = app.store.variants_info(&skus).await?;
    let grams: i64 = order
        .lines
        .iter()
        .map(|l| {
            weights
                .iter()
                .find(|v| v.sku == l.sku)
                .map_or(0, |v| v.weight_grams * l.quantity)
        })
        .sum();
    let grams = u32::try_from(grams).unwrap_or(u32::MAX);
    Ok(
        ecrin_core::delivery::charge(&app.profile, standard, &address.country, grams)
            .map_or(0, |c| c.min(order.delivery_charge)),
    )
}

/// WDR-2: where the pieces go back.
pub fn return_address(app: &App) -> String {
    let m = &app.profile.merchant;
    format!("{}, {}", m.legal_name, m.registered_office)
}

/// What the customer is told of a withdrawal: the statement as received, and what follows
/// (WDR-2's instructions, the refund).
pub fn paragraphs(app: &App, t: Tr, order: &Order, w: &Withdrawal) -> Vec<String> {
    let p = &app.profile;
    let lang = crate::documents::order_lang(p, order);
    let cancel: Vec<Units> = serde_json::from_str(&w.cancelled).unwrap_or_default();
    let back: Vec<Units> = serde_json::from_str(&w.send_back).unwrap_or_default();
    let mut all = cancel.clone();
    all.extend(back.iter().copied());
    let mut out = vec![t.with(
        "withdrawal-statement",
        &[
            ("number", order.number.clone()),
            ("placed", i18n::date(order.placed_at, lang, &p.time_zone)),
            ("items", items(order, &all).join(", ")),
            ("at", i18n::date_time(w.notified_at, lang, &p.time_zone)),
        ],
    )];
    if w.outcome == Outcome::Exchange {
        out.push(t.with(
            "withdrawal-exchange",
            &[("sku", w.exchange_sku.clone().unwrap_or_default())],
        ));
    }
    if !cancel.is_empty() {
        out.push(t.with(
            "withdrawal-cancelled",
            &[("items", items(order, &cancel).join(", "))],
        ));
    }
    if !back.is_empty() {
        let by = w
            .return_by
            .as_deref()
            .map(|d| i18n::civil_date(d, lang))
            .unwrap_or_default();
        out.push(t.with(
            "withdrawal-send-back",
            &[
                ("items", items(order, &back).join(", ")),
                ("address", return_address(app)),
                ("by", by),
            ],
        ));
        out.push(match (&w.pickup_date, w.return_paid_by) {
            (Some(day), _) => t.with("withdrawal-pickup", &[("day", i18n::civil_date(day, lang))]),
            (None, ReturnPaidBy::Merchant) => t.t("withdrawal-paid-by-merchant"),
            (None, ReturnPaidBy::Customer) => t.t("withdrawal-paid-by-customer"),
        });
        out.push(t.with(
            "withdrawal-refund-after",
            &[("days", p.withdrawal.refund_within_days.to_string())],
        ));
    }
    out
}

/// WDR-7: the receipt, at once, on a durable medium: the e-mail with the statement, its
/// date and time, and the statement as PDF.
async fn tell(
    app: &App,
    tx: &mut dyn ecrin_store::Tx,
    order: &Order,
    w: &Withdrawal,
) -> Result<(), AppError> {
    let summary = crate::checkout::document(order)?;
    let lang = crate::documents::order_lang(&app.profile, order);
    let t = Tr::new(lang);
    let message = Message {
        to: summary.contact.email.clone(),
        lang,
        subject: t.with(
            "withdrawal-subject",
            &[
                ("number", order.number.clone()),
                (
                    "at",
                    i18n::date_time(w.notified_at, lang, &app.profile.time_zone),
                ),
            ],
        ),
        greeting: t.with(
            "email-greeting",
            &[("name", summary.contact.given_name.clone())],
        ),
        paragraphs: paragraphs(app, t, order, w),
        button: Some((
            t.t("email-order-button"),
            format!(
                "{}/{}/account/orders/{}",
                app.public_url,
                lang.code(),
                order.number
            ),
        )),
    };
    emails::enqueue_attached(tx, app, message, &[], &attachments(w)).await
}

/// The receipt's documents: the statement, and (WDR-2, `milano`) the prepaid label when
/// the house's courier collects the pieces.
fn attachments(w: &Withdrawal) -> Vec<Attachment> {
    let mut out = vec![Attachment::WithdrawalStatement {
        withdrawal_id: w.id.clone(),
    }];
    if has_label(w) {
        out.push(Attachment::ReturnLabel {
            withdrawal_id: w.id.clone(),
        });
    }
    out
}

/// WDR-2: a return the house pays and collects has its prepaid label.
pub fn has_label(w: &Withdrawal) -> bool {
    w.return_paid_by == ReturnPaidBy::Merchant && w.pickup_date.is_some()
}

/// WDR-2 (`milano`): the prepaid return label as PDF, to stick on the parcel the house's
/// courier collects: from the customer's delivery address to the house, the order and the
/// return's reference, the pickup day, postage paid by the house.
pub async fn label_pdf(app: &App, id: &str) -> Result<crate::documents::Pdf, AppError> {
    let w = app
        .store
        .withdrawal_by_id(id)
        .await?
        .filter(has_label)
        .ok_or(AppError::NotFound)?;
    let order = app
        .store
        .order_by_id(&w.order_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = &app.profile;
    let lang = crate::documents::order_lang(p, &order);
    let t = Tr::new(lang);
    let summary = crate::checkout::document(&order)?;
    let m = &p.merchant;
    let from = summary
        .delivery_address
        .as_ref()
        .map(|a| a.lines().join(", "))
        .unwrap_or_default();
    let back: Vec<Units> = serde_json::from_str(&w.send_back).unwrap_or_default();
    let data = ecrin_documents::WithdrawalFormDoc {
        lang: lang.code().to_owned(),
        letterhead: crate::documents::letterhead(p, t),
        title: t.t("label-title"),
        order_number: order.number.clone(),
        addressee: ecrin_documents::Addressed {
            label: t.t("label-to"),
            lines: vec![m.legal_name.clone(), m.registered_office.clone()],
        },
        paragraphs: vec![t.with(
            "label-text",
            &[
                ("carrier", summary.method.carrier.clone()),
                ("house", m.legal_name.clone()),
            ],
        )],
        fields: vec![
            crate::documents::fact(t.t("label-from"), from),
            crate::documents::fact(t.t("doc-order-number"), order.number.clone()),
            crate::documents::fact(t.t("label-reference"), w.id.clone()),
            crate::documents::fact(t.t("label-contents"), items(&order, &back).join(", ")),
            crate::documents::fact(
                t.t("label-pickup"),
                w.pickup_date
                    .as_deref()
                    .map(|d| i18n::civil_date(d, lang))
                    .unwrap_or_default(),
            ),
            crate::documents::fact(t.t("label-carrier"), summary.method.carrier.clone()),
        ],
        options: Vec::new(),
        signature_lines: Vec::new(),
        notes: vec![t.t("label-note")],
    };
    let stamp = crate::documents::stamp(app, w.notified_at);
    let bytes =
        crate::documents::lay_out(move || ecrin_documents::withdrawal_form(&data, stamp)).await?;
    Ok(crate::documents::Pdf {
        filename: format!("{}-{}.pdf", t.t("label-file"), order.number),
        bytes,
    })
}

/// WDR-7: the statement of a withdrawal as PDF: what was withdrawn, when to the second,
/// and the instructions that follow.
pub async fn statement_pdf(app: &App, id: &str) -> Result<crate::documents::Pdf, AppError> {
    let w = app
        .store
        .withdrawal_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let order = app
        .store
        .order_by_id(&w.order_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = &app.profile;
    let lang = crate::documents::order_lang(p, &order);
    let t = Tr::new(lang);
    let summary = crate::checkout::document(&order)?;
    let m = &p.merchant;
    let data = ecrin_documents::WithdrawalFormDoc {
        lang: lang.code().to_owned(),
        letterhead: crate::documents::letterhead(p, t),
        title: t.t("withdrawal-statement-title"),
        order_number: order.number.clone(),
        addressee: ecrin_documents::Addressed {
            label: t.t("doc-withdrawal-to"),
            lines: vec![
                m.legal_name.clone(),
                m.registered_office.clone(),
                m.email.clone(),
            ],
        },
        paragraphs: paragraphs(app, t, &order, &w),
        fields: vec![
            crate::documents::fact(t.t("doc-order-number"), order.number.clone()),
            crate::documents::fact(
                t.t("doc-withdrawal-ordered-on"),
                i18n::date(order.placed_at, lang, &p.time_zone),
            ),
            crate::documents::fact(
                t.t("withdrawal-notified-at"),
                i18n::date_time(w.notified_at, lang, &p.time_zone),
            ),
            crate::documents::fact(
                t.t("doc-withdrawal-name"),
                format!(
                    "{} {}",
                    summary.contact.given_name, summary.contact.family_name
                ),
            ),
        ],
        options: Vec::new(),
        signature_lines: Vec::new(),
        notes: vec![t.t("withdrawal-statement-note")],
    };
    let stamp = crate::documents::stamp(app, w.notified_at);
    let bytes =
        crate::documents::lay_out(move || ecrin_documents::withdrawal_form(&data, stamp)).await?;
    Ok(crate::documents::Pdf {
        filename: format!("{}-{}.pdf", t.t("withdrawal-statement-file"), order.number),
        bytes,
    })
}

/// The number of the order a withdrawal belongs to.
pub async fn order_number_of(app: &App, w: &Withdrawal) -> Result<String, AppError> {
    Ok(app
        .store
        .order_by_id(&w.order_id)
        .await?
        .ok_or(AppError::NotFound)?
        .number)
}

/// An order's withdrawals and returns, oldest first.
pub async fn of_order(app: &App, order: &Order) -> Result<Vec<Withdrawal>, AppError> {
    Ok(app.store.withdrawals_of(&order.id).await?)
}

/// Who takes returns in and inspects them: the warehouse, customer service and admins.
pub const RECEIVING: &[ecrin_core::account::Role] = &[
    ecrin_core::account::Role::Admin,
    ecrin_core::account::Role::Warehouse,
    ecrin_core::account::Role::CustomerService,
];

/// WDR-4: the parcel of an authorised return came back (warehouse, customer service,
/// admin); a return not authorised, or received already, is `409 wrong_status`.
pub async fn receive(app: &App, staff_id: &str, id: &str) -> Result<Withdrawal, AppError> {
    let s = crate::backoffice::staff(app, staff_id).await?;
    crate::backoffice::require(&s, RECEIVING)?;
    let w = app
        .store
        .withdrawal_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    if !tx.receive_withdrawal(id, &s.id, now).await? {
        return Err(Refusal::wrong_status(format!(
            "this return is {}, not awaited",
            w.status.as_str()
        ))
        .into());
    }
    crate::proof::append(
        tx.as_mut(),
        &w.order_id,
        now,
        "return_received",
        &serde_json::json!({"withdrawal": id, "staff_id": s.id}),
    )
    .await?;
    tx.commit().await?;
    app.store
        .withdrawal_by_id(id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A return inspected: where it stands, the refund made, and for an exchange the new piece.
#[derive(Debug)]
pub struct Inspected {
    pub withdrawal: Withdrawal,
    /// What went back to the payment used.
    pub refund: Option<crate::refunds::Done>,
    pub exchange: Option<Exchanged>,
}

/// WDR-6: what an accepted exchange did: the pieces' value credited towards the piece
/// wanted (a credit note), the piece put in the customer's basket, and the difference.
#[derive(Debug)]
pub struct Exchanged {
    pub sku: String,
    pub quantity: i64,
    /// The piece wanted, at the day's price, for as many units as came back.
    pub price: i64,
    /// The credit towards it, with its credit note.
    pub credit: crate::refunds::Done,
    /// What the customer pays at checkout (positive), or what was refunded (negative).
    pub difference_due: i64,
    /// Whether the piece could be put in the basket (not when sold out meanwhile: the credit
    /// stays on the account).
    pub in_basket: bool,
}

/// What the house finds when it inspects a return (WDR-4).
#[derive(Debug, Clone, Default)]
pub struct Inspection {
    /// `accepted`, `reduced` or `refused`.
    pub outcome: String,
    /// For `reduced`: what is refunded instead (minor units).
    pub refund_amount: Option<i64>,
    /// Why (required for `reduced` and `refused`: wear, alteration, papers missing).
    pub reason: Option<String>,
}

/// WDR-4, WDR-5, INV-3: a received return inspected. Accepted, its units go back into stock
/// and it is refunded through the provider to the payment used, with its credit note: the
/// pieces' price and, when nothing of the order is kept, the standard delivery charge;
/// reduced, the amount the house sets (less than that) for wear; refused, nothing is
/// refunded and the pieces go back to the customer at their cost. The customer is told.
pub async fn inspect(
    app: &App,
    staff_id: &str,
    id: &str,
    input: Inspection,
) -> Result<Inspected, AppError> {
    let s = crate::backoffice::staff(app, staff_id).await?;
    crate::backoffice::require(&s, RECEIVING)?;
    let outcome = match input.outcome.trim() {
        "accepted" => WithdrawalState::Accepted,
        "reduced" => WithdrawalState::Reduced,
        "refused" => WithdrawalState::Refused,
        _ => return Err(invalid("outcome", "accepted_reduced_or_refused")),
    };
    let reason = input
        .reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if let Some(r) = &reason
        && (r.chars().count() > 500 || r.chars().any(char::is_control))
    {
        return Err(invalid("reason", "1_to_500_printable_characters"));
    }
    if outcome != WithdrawalState::Accepted && reason.is_none() {
        return Err(invalid("reason", "required"));
    }
    let w = app
        .store
        .withdrawal_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let order = app
        .store
        .order_by_id(&w.order_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let back: Vec<Units> = serde_json::from_str(&w.send_back).unwrap_or_default();
    let full = refund_estimate(app, &order, &back)
        + standard_charge_for_priority(app, &order, &back).await?;
    let amount = match outcome {
        WithdrawalState::Accepted => full,
        WithdrawalState::Reduced => {
            let a = input
                .refund_amount
                .ok_or_else(|| invalid("refund_amount", "required"))?;
            if a <= 0 || a >= full {
                return Err(invalid("refund_amount", "less_than_the_full_refund"));
            }
            a
        }
        _ => 0,
    };
    if outcome != WithdrawalState::Reduced && input.refund_amount.is_some() {
        return Err(invalid("refund_amount", "only_for_reduced"));
    }
    // Never more than the order has left to refund (a claim may have reimbursed a return's
    // cost already): checked before anything is written.
    let refunded: i64 = crate::documents::papers_of_order(app, &order)
        .await?
        .refunds
        .iter()
        .map(|r| r.amount)
        .sum();
    let amount = amount.min((order.total - refunded).max(0));
    // WDR-6: an exchange puts what the pieces are worth towards the piece wanted, at the
    // day's price; only what they are worth beyond it goes back to the payment.
    let units_back: i64 = back.iter().map(|u| u.quantity).sum();
    let wanted = match (w.outcome, w.exchange_sku.as_deref()) {
        (Outcome::Exchange, Some(sku)) if amount > 0 => app
            .store
            .variant_info(sku)
            .await?
            .map(|v| (v.sku, v.price * units_back)),
        _ => None,
    };
    let credit = wanted.as_ref().map_or(0, |(_, price)| amount.min(*price));
    let cash = amount - credit;
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    if !tx
        .inspect_withdrawal(id, outcome, &s.id, reason.as_deref(), now)
        .await?
    {
        return Err(Refusal::wrong_status(format!(
            "this return is {}, not waiting for its inspection",
            w.status.as_str()
        ))
        .into());
    }
    let data = serde_json::json!({"withdrawal": id, "outcome": outcome.as_str(),
                                  "refund": amount, "reason": reason, "staff_id": s.id});
    if outcome == WithdrawalState::Refused {
        crate::proof::append(tx.as_mut(), &order.id, now, "return_refused", &data).await?;
    } else {
        // The units are the customer's no longer: back on the order's books and in stock.
        let current = tx
            .order_in_tx(&order.number)
            .await?
            .ok_or(AppError::NotFound)?;
        crate::lifecycle::apply(
            app,
            tx.as_mut(),
            &current,
            &ecrin_core::order::OrderEvent::ReturnUnits {
                units: back.clone(),
            },
            "return_accepted",
            &data,
            &crate::lifecycle::Details {
                staff_id: Some(s.id.clone()),
                ..crate::lifecycle::Details::default()
            },
            now,
        )
        .await?;
        for u in &back {
            if let Some(l) = order.lines.iter().find(|l| l.line_no == u.line_no) {
                let why = ecrin_store::StockMove {
                    reason: "return",
                    reference: Some(&order.id),
                    at_ms: now,
                };
                tx.release_stock(&l.sku, u.quantity, &why).await?;
            }
        }
        tx.bump_catalogue_version().await?;
    }
    tell_inspected(
        app,
        tx.as_mut(),
        &order,
        outcome,
        cash,
        reason.as_deref(),
        wanted
            .as_ref()
            .map(|(sku, price)| (sku.clone(), credit, price - amount)),
    )
    .await?;
    // Owed in the same transaction as the inspection: a crash before they are made
    // leaves their jobs to make them.
    let exchange_credit = wanted.as_ref().map(|(sku, _)| crate::refunds::RefundInput {
        payment_id: None,
        amount: credit,
        reason: format!("withdrawal {id}: exchange for {sku}"),
        key: Some(format!("{id}-exchange")),
        destination: Some(ecrin_core::payment::RefundDestination::StoreCredit),
    });
    let cash_refund = (cash > 0).then(|| crate::refunds::RefundInput {
        payment_id: None,
        amount: cash,
        reason: format!("withdrawal {id}: {}", outcome.as_str()),
        key: Some(format!("{id}-refund")),
        destination: None,
    });
    if let Some(input) = &exchange_credit {
        let link = cash_refund.is_none().then_some(("withdrawal", id));
        crate::refunds::owe(tx.as_mut(), &s.id, &order.number, input, link, now).await?;
    }
    if let Some(input) = &cash_refund {
        crate::refunds::owe(
            tx.as_mut(),
            &s.id,
            &order.number,
            input,
            Some(("withdrawal", id)),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    let exchange = match (wanted, exchange_credit) {
        (Some((sku, price)), Some(input)) => {
            let credit = crate::refunds::make(app, &s.id, &order.number, input).await?;
            // The piece waits in the basket; if it cannot (sold out meanwhile), the credit
            // stays on the account for another.
            let in_basket = crate::basket::add_item(
                app,
                &ecrin_store::BasketOwner::Customer(order.customer_id.clone()),
                &sku,
                u32::try_from(units_back).unwrap_or(1),
                None,
            )
            .await
            .is_ok();
            Some(Exchanged {
                sku,
                quantity: units_back,
                price,
                credit,
                difference_due: price - amount,
                in_basket,
            })
        }
        _ => None,
    };
    let refund = if let Some(input) = cash_refund {
        let done = crate::refunds::make(app, &s.id, &order.number, input).await?;
        let mut tx = app.store.begin().await?;
        tx.set_withdrawal_refund(id, &done.refund.id).await?;
        tx.commit().await?;
        Some(done)
    } else {
        None
    };
    if let (None, Some(x)) = (&refund, &exchange) {
        let mut tx = app.store.begin().await?;
        tx.set_withdrawal_refund(id, &x.credit.refund.id).await?;
        tx.commit().await?;
    }
    let w = app
        .store
        .withdrawal_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Inspected {
        withdrawal: w,
        refund,
        exchange,
    })
}

/// The customer is told what the inspection found; for an exchange (WDR-6, `exchange`:
/// the piece wanted, the credit towards it, the difference), where the piece waits.
async fn tell_inspected(
    app: &App,
    tx: &mut dyn ecrin_store::Tx,
    order: &Order,
    outcome: WithdrawalState,
    amount: i64,
    reason: Option<&str>,
    exchange: Option<(String, i64, i64)>,
) -> Result<(), AppError> {
    let reason = reason.unwrap_or_default().to_owned();
    crate::fulfilment::tell(
        app,
        tx,
        order,
        "email-return-inspected-subject",
        |t, args| {
            let mut args = args.to_vec();
            args.push(("amount", t.money(amount)));
            args.push(("reason", reason));
            let key = match (outcome, &exchange) {
                (WithdrawalState::Refused, _) => "email-return-refused",
                (_, Some(_)) => "email-return-exchange",
                (WithdrawalState::Accepted, None) => "email-return-accepted",
                _ => "email-return-reduced",
            };
            let mut p = vec![t.with(key, &args)];
            if let Some((sku, credit, difference)) = exchange {
                args.push(("sku", sku));
                args.push(("credit", t.money(credit)));
                args.push(("difference", t.money(difference.abs())));
                p.push(t.with("email-exchange-credit", &args));
                p.push(match difference {
                    d if d > 0 => t.with("email-exchange-to-pay", &args),
                    d if d < 0 => t.with("email-exchange-refunded", &args),
                    _ => t.with("email-exchange-even", &args),
                });
            }
            (p, None)
        },
    )
    .await
}

/// WDR-4: the `limit` returns awaited or waiting for their inspection notified first,
/// with their orders, for the staff who take them in; and how many there are in all.
pub async fn awaited(
    app: &App,
    staff_id: &str,
    limit: usize,
) -> Result<(Vec<(Withdrawal, Order)>, usize), AppError> {
    let s = crate::backoffice::staff(app, staff_id).await?;
    crate::backoffice::require(&s, RECEIVING)?;
    let total = usize::try_from(app.store.returns_awaited_count().await?).unwrap_or(0);
    let first = app
        .store
        .returns_awaited(None, i64::try_from(limit).unwrap_or(i64::MAX))
        .await?;
    let mut list = Vec::new();
    for (w, number) in first {
        if let Some(o) = app.store.order_by_number(&number).await? {
            list.push((w, o));
        }
    }
    Ok((list, total))
}
