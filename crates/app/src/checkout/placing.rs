//! CHK-5 … CHK-10: the order placed on the summary the customer saw, exactly once (an
//! `Idempotency-Key` replays the order it created).

use super::*;

/// What the customer (or, for a phone order, staff) answers to the summary.
#[derive(Debug, Clone, Default)]
pub struct Confirmation {
    pub checkout_id: String,
    /// CHK-7: "I agree to the General Terms of Sale".
    pub accept_terms: bool,
    pub terms_version: String,
    /// CHK-7: "I confirm my order and my obligation to pay".
    pub confirm_obligation_to_pay: bool,
    pub payment_method: String,
    pub ip: String,
    pub user_agent: String,
    /// Idempotency-Key and the SHA-256 of the request it came with.
    pub idempotency: Option<(String, String)>,
}

/// A placed order, or the one an earlier request with the same key placed.
#[derive(Debug, Clone)]
pub struct Placed {
    pub order: Order,
    pub replayed: bool,
}

/// An order's document: the accepted summary.
pub fn document(order: &Order) -> Result<Summary, AppError> {
    from_json(&order.document)
}

async fn existing(app: &App, number: &str) -> Result<Placed, AppError> {
    let order = app
        .store
        .order_by_number(number)
        .await?
        .ok_or_else(|| AppError::Internal(format!("order {number} vanished")))?;
    Ok(Placed {
        order,
        replayed: true,
    })
}

/// When a request with the same key got to the summary first, its result is this one's,
/// once its commit is visible (on SQLite, when its group of commits is flushed).
async fn replay(app: &App, subject: &str, c: &Confirmation) -> Result<Option<Placed>, AppError> {
    let Some((key, sha)) = &c.idempotency else {
        return Ok(None);
    };
    for _ in 0..40 {
        if let Some(found) = app.store.idempotent_order(subject, key).await? {
            if &found.request_sha256 != sha {
                return Ok(None);
            }
            return existing(app, &found.order_number).await.map(Some);
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    Ok(None)
}

/// CHK-7 … CHK-10: places the order on the summary `checkout_id`, in `awaiting_payment`.
pub async fn place_order(
    app: &App,
    customer_id: &str,
    c: &Confirmation,
) -> Result<Placed, AppError> {
    place(app, customer_id, c, None).await
}

pub(super) async fn place(
    app: &App,
    customer_id: &str,
    c: &Confirmation,
    staff_id: Option<&str>,
) -> Result<Placed, AppError> {
    let subject = format!("customer:{customer_id}");
    if let Some((key, sha)) = &c.idempotency
        && let Some(found) = app.store.idempotent_order(&subject, key).await?
    {
        if &found.request_sha256 != sha {
            return Err(
                Refusal::conflict("this Idempotency-Key was used with another request").into(),
            );
        }
        return existing(app, &found.order_number).await;
    }

    let stored = app
        .store
        .checkout(&c.checkout_id)
        .await?
        .filter(|k| k.customer_id == customer_id)
        .ok_or(AppError::NotFound)?;
    if let Some(number) = &stored.order_number {
        if let Some(first) = replay(app, &subject, c).await? {
            return Ok(first);
        }
        return Err(Refusal::conflict(format!(
            "this summary was already ordered as order {number}"
        ))
        .into());
    }
    let now = app.clock.now_ms();
    if stored.expires_at < now {
        return Err(Refusal::new(
            "checkout_expired",
            "this summary is too old; check out again",
        )
        .into());
    }
    let in_force = crate::terms::in_force(app)
        .await?
        .ok_or_else(|| AppError::Internal("no terms of sale are published".into()))?;
    rules::check_acceptance(
        c.accept_terms,
        c.confirm_obligation_to_pay,
        &c.terms_version,
        &in_force.version.version,
    )?;
    let method = app
        .profile
        .payment
        .methods
        .iter()
        .copied()
        .find(|m| m.as_str() == c.payment_method)
        .ok_or_else(|| field_error("payment_method", "not_offered"))?;
    let customer = active_customer(app, customer_id).await?;
    let shown: Summary = from_json(&stored.summary)?;
    let resolved = Resolved::from(&shown);
    // DLV-5: a re-delivery's pieces are those the house holds, at the day's prices.
    let held = match resolved.redelivery_of {
        Some(_) => Some(held_variants(app, &resolved).await?),
        None => None,
    };
    // PAY-5: a piece sold out since the summary is a conflict with another buyer.
    let fresh = price(app, &customer, &resolved, stored.id.clone(), held)
        .await
        .map_err(|e| match e {
            AppError::Refused(r) if r.code == "unavailable" => {
                Refusal::conflict(format!("{}; the order was not placed", r.detail)).into()
            }
            e => e,
        })?;
    let as_rules = |s: &Summary| rules::Summary {
        lines: s
            .lines
            .iter()
            .map(|l| rules::PricedLine {
                sku: l.sku.clone(),
                quantity: l.quantity,
                unit_price_incl_vat: l.unit_price_incl_vat,
                unit_price_excl_vat: l.unit_price_excl_vat,
                vat_rate_bp: l.vat_rate_bp,
                line_total_incl_vat: l.line_total_incl_vat,
                line_total_excl_vat: l.line_total_excl_vat,
                line_vat: l.line_vat,
                withdrawable: l.withdrawable,
            })
            .collect(),
        delivery_incl_vat: s.delivery_charge,
        delivery_vat: s.delivery_vat,
        total_excl_vat: s.total_excl_vat,
        vat_total: s.vat_total,
        total: s.total,
        duties_at_customer_charge: s.duties_at_customer_charge,
    };
    let credit_changed = fresh.store_credit != shown.store_credit;
    if let Err(refusal) =
        rules::confirm_prices(&as_rules(&shown), &as_rules(&fresh)).and_then(|()| {
            if credit_changed {
                Err(Refusal::new(
                    "price_changed",
                    "your credit with the shop changed since the summary; here is the new one",
                ))
            } else {
                Ok(())
            }
        })
    {
        let renewed = summarise_and_keep(app, &customer, &resolved, None).await?;
        return Err(AppError::PriceChanged {
            refusal,
            summary: Box::new(renewed),
        });
    }
    if !fresh.can_order {
        let w = fresh.warnings.first();
        return Err(Refusal::new(
            "parcel_too_heavy",
            w.map(|w| w.detail.clone()).unwrap_or_default(),
        )
        .into());
    }
    let row = app
        .store
        .standing(
            customer_id,
            &c.ip,
            now - HOUR_MS,
            now - UNPAID_AFTER_MS,
            [
                i64::from(app.profile.fraud.max_orders_per_account_per_hour),
                i64::from(app.profile.fraud.max_orders_per_ip_per_hour),
            ],
        )
        .await?;
    let standing = Standing {
        open_dispute: row.dispute_open,
        unpaid_orders: u32::try_from(row.unpaid_orders).unwrap_or(u32::MAX),
        payment_refused: row.payment_refused,
        orders_last_hour: u32::try_from(row.orders_last_hour).unwrap_or(u32::MAX),
        // A phone order comes from the shop's own desk, not from the customer's address.
        orders_last_hour_from_ip: if staff_id.is_some() {
            0
        } else {
            u32::try_from(row.orders_last_hour_from_ip).unwrap_or(u32::MAX)
        },
    };
    let inputs: Vec<LineInput> = fresh
        .lines
        .iter()
        .map(|l| LineInput {
            sku: l.sku.clone(),
            quantity: l.quantity,
            unit_price_shown: l.unit_price_incl_vat,
            withdrawable: l.withdrawable,
        })
        .collect();
    if let Err(refusal) = rules::check_standing(&app.profile, &inputs, &standing) {
        let mut tx = app.store.begin().await?;
        tx.record_order_refusal(&OrderRefusal {
            customer_id: customer_id.to_owned(),
            reason: refusal.code.to_owned(),
            detail: refusal.detail.clone(),
            ip: c.ip.clone(),
            staff_id: staff_id.map(str::to_owned),
            at: now,
        })
        .await?;
        tx.commit().await?;
        return Err(refusal.into());
    }
    let order_id = ordered_id(app, "ord")?;
    let mut lines: Vec<OrderLine> = fresh
        .lines
        .iter()
        .zip(1..)
        .map(|(l, no)| OrderLine {
            line_no: no,
            sku: l.sku.clone(),
            name: l.name.clone(),
            quantity: i64::from(l.quantity),
            personalisation: l.personalisation.clone(),
            unit_price_incl_vat: l.unit_price_incl_vat,
            unit_price_excl_vat: l.unit_price_excl_vat,
            vat_rate_bp: i64::from(l.vat_rate_bp),
            line_total_incl_vat: l.line_total_incl_vat,
            line_total_excl_vat: l.line_total_excl_vat,
            line_vat: l.line_vat,
            withdrawable: l.withdrawable,
            reserved: 0,
            cancelled: 0,
            returned: 0,
        })
        .collect();
    let mut tx = app.store.begin().await?;
    // PAY-5: the units are taken in the order's own transaction, each by one conditional
    // statement; a piece another buyer has just taken refuses the order and undoes all.
    // They are taken before the order number, whose counter every order waits for.
    let mut availability_changed = false;
    for (line, shown) in lines.iter_mut().zip(&fresh.lines) {
        // DLV-5: a re-delivery takes the units the house holds once it is paid.
        if !shown.stocked || resolved.redelivery_of.is_some() {
            continue;
        }
        let why = ecrin_store::StockMove {
            reason: "order",
            reference: Some(&order_id),
            at_ms: now,
        };
        match tx.reserve_stock(&line.sku, line.quantity, &why).await? {
            Some(left) => {
                line.reserved = line.quantity;
                availability_changed |= left == 0;
            }
            None => {
                drop(tx);
                return Err(Refusal::conflict(format!(
                    "{} has just sold out; the order was not placed",
                    line.name
                ))
                .into());
            }
        }
    }
    if availability_changed {
        // The last unit went: pages and baskets read the piece again.
        tx.bump_catalogue_version().await?;
    }
    let number = format!("{:06}", tx.next_order_number().await?);
    if !tx.take_checkout(&stored.id, &number).await? {
        drop(tx);
        if let Some(first) = replay(app, &subject, c).await? {
            return Ok(first);
        }
        return Err(Refusal::conflict("this summary was already ordered").into());
    }
    let order = Order {
        id: order_id,
        number: number.clone(),
        customer_id: customer_id.to_owned(),
        status: ecrin_core::order::OrderState::AwaitingPayment,
        payment_state: ecrin_core::order::PaymentState::Awaiting,
        abandoned: false,
        resent: false,
        placed_at: now,
        total: fresh.total,
        vat_total: fresh.vat_total,
        delivery_charge: fresh.delivery_charge,
        payment_method: method,
        terms_version: in_force.version.version.clone(),
        terms_sha256: in_force.sha256.get(resolved.lang).to_owned(),
        terms_language: resolved.lang.code().to_owned(),
        accepted_at: now,
        accepted_ip: c.ip.clone(),
        accepted_user_agent: c.user_agent.chars().take(500).collect(),
        confirmed_by_staff_id: staff_id.map(str::to_owned),
        pickup_confirmed_at: None,
        pickup_confirmed_by: None,
        document: to_json(&fresh)?,
        lines,
    };
    tx.insert_order(&order).await?;
    if let Some(of) = &resolved.redelivery_of {
        crate::redelivery::link(tx.as_mut(), &order.id, of, customer_id, now).await?;
    }
    // STK-2: the shop credit the summary showed is spent, if it is still there.
    if fresh.store_credit > 0 {
        crate::payment::spend_store_credit(tx.as_mut(), &order, fresh.store_credit, now).await?;
    }
    let due = fresh.amount_due();
    // PAY-1: a card order opens its first attempt at the payment provider.
    if method == PaymentMethod::Card && due > 0 {
        crate::payment::open_card_payment(app, tx.as_mut(), &order.id, due, now).await?;
    }
    // PAY-4: a transfer not received in time cancels the order.
    if method == PaymentMethod::BankTransfer
        && due > 0
        && let Some((_, after)) = crate::payment::transfer_deadline(app, now)
    {
        tx.enqueue_job(
            &ordered_id(app, "job")?,
            crate::jobs::BANK_TRANSFER_EXPIRY,
            &number,
            after,
        )
        .await?;
    }
    // INV-5: the order's history begins with what was accepted, when and from where.
    tx.append_order_event(&crate::proof::next_event(
        None,
        &order.id,
        now,
        "placed",
        &placed_event(&order),
    ))
    .await?;
    if let Some((key, sha)) = &c.idempotency {
        tx.insert_idempotency_key(&subject, key, sha, &number, now)
            .await?;
    }
    // STK-2: paid in full by the shop credit, the order is paid as it is placed.
    let order = if fresh.store_credit > 0 && due == 0 {
        crate::payment::paid_by_store_credit(app, tx.as_mut(), order, now).await?
    } else {
        order
    };
    let owner = BasketOwner::Customer(customer_id.to_owned());
    // Read in the transaction: a second connection, while this one holds the order
    // counter, could wait for ever behind other orders holding all the others.
    if staff_id.is_none()
        && resolved.redelivery_of.is_none()
        && let Some(b) = tx.basket_of(&owner).await?
    {
        tx.delete_basket(&b.id).await?;
        tx.cancel_job(crate::jobs::BASKET_EXPIRY, &b.id).await?;
    }
    match tx.commit().await {
        Ok(()) => {}
        // The same key raced with this request: the other one placed the order.
        Err(ecrin_store::StoreError::Constraint { .. }) if c.idempotency.is_some() => {
            if let Some((key, _)) = &c.idempotency
                && let Some(found) = app.store.idempotent_order(&subject, key).await?
            {
                return existing(app, &found.order_number).await;
            }
            return Err(Refusal::conflict("this order is being placed").into());
        }
        Err(e) => return Err(e.into()),
    }
    app.caches.keep_basket(&owner, None);
    Ok(Placed {
        order,
        replayed: false,
    })
}

/// INV-5: what the first event of an order's history records: the contract as accepted.
fn placed_event(o: &Order) -> serde_json::Value {
    serde_json::json!({
        "number": o.number,
        "customer_id": o.customer_id,
        "total": o.total,
        "vat_total": o.vat_total,
        "delivery_charge": o.delivery_charge,
        "payment_method": o.payment_method,
        "terms_version": o.terms_version,
        "terms_sha256": o.terms_sha256,
        "terms_language": o.terms_language,
        "accepted_at": o.accepted_at,
        "accepted_ip": o.accepted_ip,
        "accepted_user_agent": o.accepted_user_agent,
        "confirmed_by_staff_id": o.confirmed_by_staff_id,
        "document_sha256": hex::encode(Sha256::digest(o.document.as_bytes())),
        "lines": o.lines.iter().map(|l| serde_json::json!({
            "sku": l.sku,
            "quantity": l.quantity,
            "personalisation": l.personalisation,
            "unit_price_incl_vat": l.unit_price_incl_vat,
            "line_total_incl_vat": l.line_total_incl_vat,
        })).collect::<Vec<_>>(),
    })
}

/// The SHA-256 of a request body, to tell a replay from another request under one key.
pub fn request_sha256(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

// ---- Staff ------------------------------------------------------------------------------
