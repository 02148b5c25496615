//! What staff do at the checkout: phone orders (CHK-11), disputes and refusals (CHK-9),
//! the order list and histories, papers, and boutique pick-ups (CHK-12).

use super::*;

/// CHK-11 (`milano`): customer service prices an order for a customer on the phone, with
/// the same rules as the shop.
pub async fn phone_checkout(
    app: &App,
    staff_id: &str,
    customer_id: &str,
    lines: Vec<WantedLine>,
    input: &CheckoutInput,
) -> Result<Summary, AppError> {
    let s = phone_desk(app, staff_id).await?;
    let customer = active_customer(app, customer_id).await?;
    let mut c = Checks::new();
    for (i, l) in lines.iter().enumerate() {
        if l.quantity == 0 {
            c.fail(&format!("lines[{i}].quantity"), "out_of_range");
        }
        if let Some(text) = &l.personalisation {
            c.line(&format!("lines[{i}].personalisation"), text, false, 200);
        }
    }
    c.finish().map_err(AppError::Invalid)?;
    // The limits of a basket hold for a phone order too (BSK-1, BSK-2, BSK-5).
    let mut basket = ecrin_core::basket::Basket::default();
    let variants = app
        .store
        .variants_info(&lines.iter().map(|l| l.sku.clone()).collect::<Vec<_>>())
        .await?;
    let now = app.clock.now_ms();
    for (i, l) in lines.iter().enumerate() {
        let v = variants
            .iter()
            .find(|v| v.sku == l.sku)
            .ok_or_else(|| Refusal::new("unavailable", format!("no piece on sale is {}", l.sku)))?;
        basket = ecrin_core::basket::add(
            &app.profile,
            &basket,
            ecrin_core::basket::Item {
                sku: &l.sku,
                availability: v.availability,
                personalisable: v.personalisable,
            },
            l.quantity,
            l.personalisation.as_deref(),
            format!("phone_{i}"),
            now,
        )?;
    }
    let saved = app.store.addresses_of(customer_id).await?;
    let r = resolve(app, &customer, &saved, input, lines, Some(s.id.clone()))?;
    let mut tx = app.store.begin().await?;
    tx.log_staff_access(&s.id, customer_id, "phone_checkout", now)
        .await?;
    tx.commit().await?;
    summarise_and_keep(app, &customer, &r, None).await
}

/// CHK-11: places the phone order once the customer confirmed it verbally; the
/// confirmation is recorded with the staff member's id.
pub async fn place_phone_order(
    app: &App,
    staff_id: &str,
    customer_id: &str,
    c: &Confirmation,
) -> Result<Placed, AppError> {
    let s = phone_desk(app, staff_id).await?;
    let stored = app
        .store
        .checkout(&c.checkout_id)
        .await?
        .filter(|k| k.customer_id == customer_id)
        .ok_or(AppError::NotFound)?;
    let resolved = Resolved::from(&from_json::<Summary>(&stored.summary)?);
    if resolved.phone_order_by.is_none() {
        return Err(AppError::NotFound);
    }
    let placed = place(app, customer_id, c, Some(&s.id)).await?;
    let mut tx = app.store.begin().await?;
    tx.log_staff_access(&s.id, customer_id, "phone_order", app.clock.now_ms())
        .await?;
    tx.commit().await?;
    Ok(placed)
}

async fn phone_desk(app: &App, staff_id: &str) -> Result<ecrin_store::Staff, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, &[Role::Admin, Role::CustomerService])?;
    rules::phone_orders(&app.profile)?;
    Ok(s)
}

/// CHK-9: opens or closes a dispute with a customer (customer service, admin).
pub async fn set_dispute(
    app: &App,
    staff_id: &str,
    customer_id: &str,
    open: bool,
) -> Result<(), AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, crate::backoffice::CUSTOMER_DATA)?;
    app.store
        .customer_by_id(customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = app.store.begin().await?;
    tx.set_dispute(customer_id, open).await?;
    tx.log_staff_access(
        &s.id,
        customer_id,
        if open {
            "open_dispute"
        } else {
            "close_dispute"
        },
        app.clock.now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// CHK-9: the refused orders, for customer service.
pub async fn refusals(
    app: &App,
    staff_id: &str,
    customer_id: Option<&str>,
) -> Result<Vec<OrderRefusal>, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, crate::backoffice::CUSTOMER_DATA)?;
    Ok(app.store.order_refusals(customer_id, 200).await?)
}

/// Every customer's newest orders, for the back office.
pub async fn recent_orders(app: &App, staff_id: &str) -> Result<Vec<Order>, AppError> {
    let s = staff(app, staff_id).await?;
    require(
        &s,
        &[
            Role::Admin,
            Role::CustomerService,
            Role::Warehouse,
            Role::Accountant,
        ],
    )?;
    Ok(app.store.recent_orders(RECENT_ORDERS).await?)
}

/// How many of the newest orders staff see.
const RECENT_ORDERS: i64 = 200;

/// INV-5: an order's history, first event to last, with each event's hash and the one
/// before it (admin, customer service, accountant): what happened to the order, and money
/// received but not taken (`transfer_not_applied`) to send back.
pub async fn history(
    app: &App,
    staff_id: &str,
    number: &str,
) -> Result<Vec<ecrin_store::OrderEvent>, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, &[Role::Admin, Role::CustomerService, Role::Accountant])?;
    let order = app
        .store
        .order_by_number(number)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(app.store.order_events(&order.id).await?)
}

/// The invoices, refunds and credit notes of `orders`, a list [`recent_orders`] gave
/// (staff), or of a customer's orders ([`papers_of_customer`]): read once for the list.
pub async fn papers_of_recent(
    app: &App,
    orders: &[Order],
) -> Result<ecrin_store::Papers, AppError> {
    match orders.iter().map(|o| o.placed_at).min() {
        Some(from) => Ok(app.store.papers_placed_from(from).await?),
        None => Ok(ecrin_store::Papers::default()),
    }
}

pub async fn papers_of_customer(
    app: &App,
    customer_id: &str,
) -> Result<ecrin_store::Papers, AppError> {
    Ok(app.store.papers_of_customer(customer_id).await?)
}

/// CHK-12 (`milano`): customer service confirms a boutique pick-up to the customer.
pub async fn confirm_pickup(app: &App, staff_id: &str, number: &str) -> Result<Order, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, crate::backoffice::CUSTOMER_DATA)?;
    let order = app
        .store
        .order_by_number(number)
        .await?
        .ok_or(AppError::NotFound)?;
    if !document(&order)?.method.boutique_pickup {
        return Err(Refusal::new("not_a_pickup", "this order is delivered, not picked up").into());
    }
    let now = app.clock.now_ms();
    let mut tx = app.store.begin().await?;
    if !tx.confirm_pickup(number, &s.id, now).await? {
        return Err(Refusal::conflict("the pick-up is already confirmed").into());
    }
    tx.log_staff_access(&s.id, &order.customer_id, "confirm_pickup", now)
        .await?;
    tx.commit().await?;
    app.store
        .order_by_number(number)
        .await?
        .ok_or(AppError::NotFound)
}

/// CHK-9: a customer's flags (dispute, refused payments) as staff see them.
pub async fn standing_of(
    app: &App,
    customer_id: &str,
) -> Result<ecrin_store::StandingRow, AppError> {
    let now = app.clock.now_ms();
    Ok(app
        .store
        .standing(customer_id, "", now, now, [0, 0])
        .await?)
}
