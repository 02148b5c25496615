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
                engraving_max_chars: v.engraving_max_chars.and_then(|m| u32::try_from(m).ok()),
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

/// The most orders one page of the list shows.
const MAX_PER_PAGE: i64 = 200;

/// What staff ask of the order list, as typed (query string or form).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrderFilter {
    /// An order state (`being_prepared`, `shipped`, …).
    pub status: Option<String>,
    /// Placed on or after this day (`YYYY-MM-DD`, the house's calendar).
    pub from: Option<String>,
    /// Placed on or before this day.
    pub to: Option<String>,
    /// A customer's id.
    pub customer: Option<String>,
    /// An order number, or the customer's e-mail address.
    pub q: Option<String>,
    /// Where the previous page ended (its `next`).
    pub cursor: Option<String>,
    /// Orders per page, 1 to 200 (50 unless said).
    pub limit: Option<String>,
}

/// A filter's value, unless left empty.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// One page of the order list.
#[derive(Debug, Clone, Default)]
pub struct OrderList {
    pub orders: Vec<Order>,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
}

/// Orders per page of the list, unless asked otherwise (up to [`MAX_PER_PAGE`]).
pub const ORDERS_PER_PAGE: i64 = 50;

/// A list's cursor: the placing time and number of the last order of the page before.
fn cursor_of(o: &Order) -> String {
    format!("{}~{}", o.placed_at, o.number)
}

/// The order a cursor of [`cursor_of`] names; `None` for anything else.
pub fn order_cursor(v: &str) -> Option<(i64, String)> {
    v.split_once('~')
        .and_then(|(at, n)| Some((at.parse::<i64>().ok()?, n.to_owned())))
}

/// One page of the orders `search` selects, with the next page's cursor.
pub(super) async fn page_of(
    app: &App,
    search: &ecrin_store::OrderSearch,
) -> Result<OrderList, AppError> {
    let (orders, more) = app.store.search_orders(search).await?;
    let next = more.then(|| orders.last().map(cursor_of)).flatten();
    Ok(OrderList { orders, next })
}

/// The back office's order list: filtered by state, day placed and customer, searched by
/// order number or e-mail address (the latter for staff who see customers), newest
/// first, a page at a time.
pub async fn order_list(app: &App, staff_id: &str, f: &OrderFilter) -> Result<OrderList, AppError> {
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
    let mut c = Checks::new();
    let status = given(&f.status).and_then(|v| match v.parse::<ecrin_core::order::OrderState>() {
        Ok(s) => Some(s),
        Err(_) => {
            c.fail("status", "unknown_status");
            None
        }
    });
    let zone = jiff::tz::TimeZone::get(&app.profile.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let mut day = |field: &str, v: Option<&str>, next: bool| -> Option<i64> {
        let d = v?;
        let Ok(date) = d.parse::<jiff::civil::Date>() else {
            c.fail(field, "not_a_date");
            return None;
        };
        let date = if next { date.tomorrow().ok()? } else { date };
        date.to_zoned(zone.clone())
            .ok()
            .map(|z| z.timestamp().as_millisecond())
    };
    let placed_from = day("from", given(&f.from), false);
    let placed_before = day("to", given(&f.to), true);
    let (mut number, mut email_key) = (None, None);
    if let Some(q) = given(&f.q) {
        if q.contains('@') {
            match ecrin_core::account::Email::parse(q) {
                Some(e) => email_key = Some(e.key()),
                None => c.fail("q", "not_an_email"),
            }
        } else {
            number = Some(q.to_uppercase());
        }
    }
    let after = given(&f.cursor).and_then(|v| {
        let parsed = order_cursor(v);
        if parsed.is_none() {
            c.fail("cursor", "unknown_cursor");
        }
        parsed
    });
    let limit = match given(&f.limit).map(str::parse::<i64>) {
        None => ORDERS_PER_PAGE,
        Some(Ok(n)) if (1..=MAX_PER_PAGE).contains(&n) => n,
        Some(_) => {
            c.fail("limit", "1_to_200");
            ORDERS_PER_PAGE
        }
    };
    c.finish().map_err(AppError::Invalid)?;
    if email_key.is_some() || given(&f.customer).is_some() {
        require(&s, crate::backoffice::CUSTOMER_DATA)?;
    }
    let search = ecrin_store::OrderSearch {
        status,
        placed_from,
        placed_before,
        customer_id: given(&f.customer).map(str::to_owned),
        number,
        email_key,
        after,
        limit,
    };
    page_of(app, &search).await
}

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

/// The invoices, refunds and credit notes of `orders`, a page of [`order_list`]
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
