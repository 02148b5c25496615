//! Orders: the priced checkout kept for CHK-5, placing (numbers, lines, idempotency,
//! CHK-9's standing and refusals), the lifecycle's compare-and-set with its history
//! chain, and the parcels of fulfilment.

use crate::exec::{
    Args, Engine, Exec, Value, Writer, query, query_as, query_as_with, query_scalar,
};
use crate::sql::*;
use crate::*;

#[async_trait]
pub trait Orders: Send + Sync {
    /// CHK-5: a priced summary by its id (of any customer: the caller checks the owner).
    async fn checkout(&self, id: &str) -> Result<Option<Checkout>>;

    /// CHK-5: keeps a priced summary, a write transaction of its own (one statement, sent
    /// in one round trip where the backend allows).
    async fn keep_checkout(&self, c: &Checkout) -> Result<()>;

    /// An order with its lines.
    async fn order_by_number(&self, number: &str) -> Result<Option<Order>>;

    /// An order with its lines, by its id.
    async fn order_by_id(&self, id: &str) -> Result<Option<Order>>;

    /// A customer's orders, newest first, without their lines.
    async fn orders_of(&self, customer_id: &str) -> Result<Vec<Order>>;

    /// STK-1: an order's stock-outs offered to the customer's choice, oldest first.
    async fn stockouts_of(&self, order_id: &str) -> Result<Vec<Stockout>>;

    /// DLV-5: the re-deliveries an order is part of, on either side (the order whose
    /// parcel came back, or the new order for its pieces), oldest first.
    async fn redeliveries_of(&self, order_id: &str) -> Result<Vec<Redelivery>>;

    /// The back office's order list: the orders `search` selects, newest first, with
    /// their lines, one page of at most `search.limit` and whether more follow.
    async fn search_orders(&self, search: &OrderSearch) -> Result<(Vec<Order>, bool)>;

    /// CHK-9: a customer's standing: the flags, orders awaiting payment since before
    /// `unpaid_before_ms`, and orders since `since_ms` by the account and from `ip`,
    /// counted up to `count_up_to` (the account's limit, the address's).
    async fn standing(
        &self,
        customer_id: &str,
        ip: &str,
        since_ms: i64,
        unpaid_before_ms: i64,
        count_up_to: [i64; 2],
    ) -> Result<StandingRow>;

    /// The order an `Idempotency-Key` of `subject` already created.
    async fn idempotent_order(&self, subject: &str, key: &str) -> Result<Option<IdempotentOrder>>;

    /// CHK-9: refused orders, newest first, of one customer or of all.
    async fn order_refusals(
        &self,
        customer_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OrderRefusal>>;

    /// INV-5: an order's events, first to last.
    async fn order_events(&self, order_id: &str) -> Result<Vec<OrderEvent>>;

    /// INV-5: every order's events, ordered by order then sequence, `limit` at a time
    /// after the event (`order_id`, `seq`) (`""`, 0 to start).
    async fn order_events_after(
        &self,
        order_id: &str,
        seq: i64,
        limit: i64,
    ) -> Result<Vec<OrderEvent>>;

    /// INV-5: the numbers of orders whose first event is missing.
    async fn orders_without_history(&self) -> Result<Vec<String>>;

    async fn order_number_of(&self, order_id: &str) -> Result<Option<String>>;

    /// DLV-3: an order's parcels with their units, first shipped first.
    async fn shipments_of(&self, order_id: &str) -> Result<Vec<Shipment>>;

    /// The orders whose legal clocks run (the deadline board), `limit` at a time in their
    /// number's order, after the number `after` (`""` to start).
    async fn open_orders(&self, after: &str, limit: i64) -> Result<Vec<OpenOrder>>;

    /// WDR-1: orders with a piece that may be withdrawn from, delivered since `since_ms`,
    /// with their last delivery; `limit` at a time after the number `after`.
    async fn recent_deliveries(
        &self,
        since_ms: i64,
        after: &str,
        limit: i64,
    ) -> Result<Vec<RecentDelivery>>;
}

#[async_trait]
pub trait OrdersTx: Send {
    /// DLV-5: a new order placed for the pieces of `of_order_id` returned undelivered.
    async fn insert_redelivery(
        &mut self,
        order_id: &str,
        of_order_id: &str,
        now_ms: i64,
    ) -> Result<()>;

    /// DLV-5: the re-deliveries an order is part of, on either side, in this transaction.
    async fn redeliveries_in_tx(&mut self, order_id: &str) -> Result<Vec<Redelivery>>;

    /// STK-1: units offered to the customer's choice.
    async fn insert_stockout(&mut self, s: &Stockout) -> Result<()>;

    /// STK-1: a stock-out of an order, in this transaction.
    async fn stockout_in_tx(&mut self, order_id: &str, id: &str) -> Result<Option<Stockout>>;

    /// STK-1: the customer's answer, taken once; `false` when it was answered already.
    async fn answer_stockout(
        &mut self,
        id: &str,
        choice: ecrin_core::order::StockoutChoice,
        equivalent_sku: Option<&str>,
        now_ms: i64,
    ) -> Result<bool>;

    /// Marks a summary as ordered; false when it already was.
    async fn take_checkout(&mut self, id: &str, order_number: &str) -> Result<bool>;

    /// The next number of the merchant's one order sequence.
    async fn next_order_number(&mut self) -> Result<i64>;

    /// An order and its lines.
    async fn insert_order(&mut self, o: &Order) -> Result<()>;

    async fn insert_idempotency_key(
        &mut self,
        subject: &str,
        key: &str,
        request_sha256: &str,
        order_number: &str,
        now_ms: i64,
    ) -> Result<()>;

    async fn record_order_refusal(&mut self, r: &OrderRefusal) -> Result<()>;

    /// An order with its lines, by number, read in this transaction.
    async fn order_in_tx(&mut self, number: &str) -> Result<Option<Order>>;

    /// The same by the order's id.
    async fn order_by_id_in_tx(&mut self, id: &str) -> Result<Option<Order>>;

    /// The order's lifecycle moves: its states are compared with `from` and set to `to`,
    /// and `event` is appended to its history, together; `false`, with nothing written,
    /// when the order is no longer in `from`.
    async fn apply_order_event(
        &mut self,
        order_id: &str,
        from: OrderStates,
        to: OrderStates,
        event: &OrderEvent,
    ) -> Result<bool>;

    /// STK-1, STK-3: `quantity` more units of a line no longer due; `false` when that
    /// would cancel more than were ordered.
    async fn cancel_line_units(
        &mut self,
        order_id: &str,
        line_no: i64,
        quantity: i64,
    ) -> Result<bool>;

    /// WDR-4: units of a line come back from the customer, never more than were kept.
    async fn return_line_units(
        &mut self,
        order_id: &str,
        line_no: i64,
        quantity: i64,
    ) -> Result<bool>;

    /// DLV-3: a parcel and its units.
    async fn insert_shipment(&mut self, s: &Shipment) -> Result<()>;

    /// DLV-5, DLV-6: a parcel in `from` changes; `false` when it was not in `from`.
    async fn set_shipment_state(
        &mut self,
        id: &str,
        from: ecrin_core::order::ShipmentState,
        change: &ShipmentChange,
    ) -> Result<bool>;

    /// An order's parcels with their units, read in this transaction.
    async fn shipments_in_tx(&mut self, order_id: &str) -> Result<Vec<Shipment>>;

    /// INV-5: appends an event to its order's history (the database refuses any change
    /// to one already there).
    async fn append_order_event(&mut self, e: &OrderEvent) -> Result<()>;

    /// INV-5: the latest event of an order, to chain the next one to it.
    async fn last_order_event(&mut self, order_id: &str) -> Result<Option<OrderEvent>>;

    /// PAY-3, PAY-5: the units an order line holds.
    async fn set_line_reserved(
        &mut self,
        order_id: &str,
        line_no: i64,
        reserved: i64,
    ) -> Result<()>;

    /// CHK-12: customer service confirms a boutique pick-up; false when unknown or done.
    async fn confirm_pickup(&mut self, number: &str, staff_id: &str, now_ms: i64) -> Result<bool>;
}

#[async_trait]
impl<E: Engine> Orders for E {
    async fn redeliveries_of(&self, order_id: &str) -> Result<Vec<Redelivery>> {
        query_as(REDELIVERIES_OF)
            .bind(order_id)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn stockouts_of(&self, order_id: &str) -> Result<Vec<Stockout>> {
        query_as(STOCKOUTS_OF)
            .bind(order_id)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn checkout(&self, id: &str) -> Result<Option<Checkout>> {
        query_as(CHECKOUT)
            .bind(id)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn keep_checkout(&self, c: &Checkout) -> Result<()> {
        self.single(
            query(INSERT_CHECKOUT)
                .bind(&c.id)
                .bind(&c.customer_id)
                .bind(c.created_at)
                .bind(c.expires_at)
                .bind(&c.summary)
                .into_statement(),
        )
        .await?;
        Ok(())
    }

    async fn order_by_number(&self, number: &str) -> Result<Option<Order>> {
        order_where(&mut self.reader().await?, OrderKey::Number, number).await
    }

    async fn order_by_id(&self, id: &str) -> Result<Option<Order>> {
        order_where(&mut self.reader().await?, OrderKey::Id, id).await
    }

    async fn orders_of(&self, customer_id: &str) -> Result<Vec<Order>> {
        let mut conn = self.reader().await?;
        let orders = query_as(orders_of())
            .bind(customer_id)
            .fetch_all(&mut conn)
            .await?;
        let lines = query_as(lines_of(ORDERS_OF_CUSTOMER))
            .bind(customer_id)
            .fetch_all(&mut conn)
            .await?;
        Ok(with_lines(orders, lines))
    }

    async fn search_orders(&self, search: &OrderSearch) -> Result<(Vec<Order>, bool)> {
        let mut conn = self.reader().await?;
        let (sql, args) = search_sql(search);
        let mut orders: Vec<Order> = query_as_with(sql, args).fetch_all(&mut conn).await?;
        let more = orders.len() as i64 > search.limit;
        orders.truncate(usize::try_from(search.limit).unwrap_or(0));
        if orders.is_empty() {
            return Ok((orders, false));
        }
        let mut ids = Args::default();
        let placeholders: Vec<String> = orders
            .iter()
            .enumerate()
            .map(|(i, o)| {
                ids.push(o.id.as_str());
                format!("${}", i + 1)
            })
            .collect();
        let lines = query_as_with(lines_of(&placeholders.join(", ")), ids)
            .fetch_all(&mut conn)
            .await?;
        Ok((with_lines(orders, lines), more))
    }

    async fn standing(
        &self,
        customer_id: &str,
        ip: &str,
        since_ms: i64,
        unpaid_before_ms: i64,
        count_up_to: [i64; 2],
    ) -> Result<StandingRow> {
        let row: Option<StandingRow> = query_as(STANDING)
            .bind(customer_id)
            .bind(ip)
            .bind(since_ms)
            .bind(unpaid_before_ms)
            .bind(count_up_to[0])
            .bind(count_up_to[1])
            .fetch_optional(&mut self.reader().await?)
            .await?;
        Ok(row.unwrap_or_default())
    }

    async fn idempotent_order(&self, subject: &str, key: &str) -> Result<Option<IdempotentOrder>> {
        query_as(IDEMPOTENT_ORDER)
            .bind(subject)
            .bind(key)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn order_refusals(
        &self,
        customer_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OrderRefusal>> {
        match customer_id {
            Some(id) => {
                query_as(ORDER_REFUSALS_OF)
                    .bind(id)
                    .fetch_all(&mut self.reader().await?)
                    .await
            }
            None => {
                query_as(ORDER_REFUSALS)
                    .bind(limit)
                    .fetch_all(&mut self.reader().await?)
                    .await
            }
        }
    }

    async fn order_events(&self, order_id: &str) -> Result<Vec<OrderEvent>> {
        query_as(ORDER_EVENTS)
            .bind(order_id)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn order_events_after(
        &self,
        order_id: &str,
        seq: i64,
        limit: i64,
    ) -> Result<Vec<OrderEvent>> {
        query_as(ORDER_EVENTS_AFTER)
            .bind(order_id)
            .bind(seq)
            .bind(limit)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn orders_without_history(&self) -> Result<Vec<String>> {
        query_scalar(ORDERS_WITHOUT_HISTORY)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn order_number_of(&self, order_id: &str) -> Result<Option<String>> {
        query_scalar(ORDER_NUMBER_OF)
            .bind(order_id)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn shipments_of(&self, order_id: &str) -> Result<Vec<Shipment>> {
        let mut conn = self.reader().await?;
        let shipments: Vec<Shipment> = query_as(SHIPMENTS_OF)
            .bind(order_id)
            .fetch_all(&mut conn)
            .await?;
        let lines: Vec<ShipmentLine> = query_as(SHIPMENT_LINES_OF)
            .bind(order_id)
            .fetch_all(&mut conn)
            .await?;
        Ok(with_shipment_lines(shipments, lines))
    }

    async fn open_orders(&self, after: &str, limit: i64) -> Result<Vec<OpenOrder>> {
        let mut conn = self.reader().await?;
        query_as(open_orders(self.dialect()))
            .bind(after)
            .bind(limit)
            .fetch_all(&mut conn)
            .await
    }

    async fn recent_deliveries(
        &self,
        since_ms: i64,
        after: &str,
        limit: i64,
    ) -> Result<Vec<RecentDelivery>> {
        query_as(RECENT_DELIVERIES)
            .bind(since_ms)
            .bind(after)
            .bind(limit)
            .fetch_all(&mut self.reader().await?)
            .await
    }
}

#[async_trait]
impl<W: Writer> OrdersTx for W {
    async fn insert_redelivery(
        &mut self,
        order_id: &str,
        of_order_id: &str,
        now_ms: i64,
    ) -> Result<()> {
        query(INSERT_REDELIVERY)
            .bind(order_id)
            .bind(of_order_id)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn redeliveries_in_tx(&mut self, order_id: &str) -> Result<Vec<Redelivery>> {
        query_as(REDELIVERIES_OF)
            .bind(order_id)
            .fetch_all(&mut *self)
            .await
    }

    async fn insert_stockout(&mut self, s: &Stockout) -> Result<()> {
        query(INSERT_STOCKOUT)
            .bind(&s.id)
            .bind(&s.order_id)
            .bind(&s.lines)
            .bind(s.created_at)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn stockout_in_tx(&mut self, order_id: &str, id: &str) -> Result<Option<Stockout>> {
        query_as(STOCKOUT)
            .bind(order_id)
            .bind(id)
            .fetch_optional(&mut *self)
            .await
    }

    async fn answer_stockout(
        &mut self,
        id: &str,
        choice: ecrin_core::order::StockoutChoice,
        equivalent_sku: Option<&str>,
        now_ms: i64,
    ) -> Result<bool> {
        let done = query(ANSWER_STOCKOUT)
            .bind(id)
            .bind(choice.as_str())
            .bind(equivalent_sku)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn take_checkout(&mut self, id: &str, order_number: &str) -> Result<bool> {
        let done = query(TAKE_CHECKOUT)
            .bind(id)
            .bind(order_number)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn next_order_number(&mut self) -> Result<i64> {
        query_scalar(next_order_number(self.dialect()))
            .fetch_one(&mut *self)
            .await
    }

    async fn insert_order(&mut self, o: &Order) -> Result<()> {
        let sql = insert_order(self.dialect());
        query(sql)
            .bind(&o.id)
            .bind(&o.number)
            .bind(&o.customer_id)
            .bind(o.status.as_str())
            .bind(o.placed_at)
            .bind(o.total)
            .bind(o.vat_total)
            .bind(o.delivery_charge)
            .bind(o.payment_method.as_str())
            .bind(&o.terms_version)
            .bind(&o.terms_sha256)
            .bind(&o.terms_language)
            .bind(o.accepted_at)
            .bind(&o.accepted_ip)
            .bind(&o.accepted_user_agent)
            .bind(&o.confirmed_by_staff_id)
            .bind(o.pickup_confirmed_at)
            .bind(&o.pickup_confirmed_by)
            .bind(&o.document)
            .bind(o.payment_state.as_str())
            .bind(o.abandoned)
            .bind(o.resent)
            .execute(&mut *self)
            .await?;
        for l in &o.lines {
            query(INSERT_ORDER_LINE)
                .bind(&o.id)
                .bind(l.line_no)
                .bind(&l.sku)
                .bind(&l.name)
                .bind(l.quantity)
                .bind(&l.personalisation)
                .bind(l.unit_price_incl_vat)
                .bind(l.unit_price_excl_vat)
                .bind(l.vat_rate_bp)
                .bind(l.line_total_incl_vat)
                .bind(l.line_total_excl_vat)
                .bind(l.line_vat)
                .bind(l.withdrawable)
                .bind(l.reserved)
                .execute(&mut *self)
                .await?;
        }
        Ok(())
    }

    async fn insert_idempotency_key(
        &mut self,
        subject: &str,
        key: &str,
        request_sha256: &str,
        order_number: &str,
        now_ms: i64,
    ) -> Result<()> {
        query(INSERT_IDEMPOTENCY_KEY)
            .bind(subject)
            .bind(key)
            .bind(request_sha256)
            .bind(order_number)
            .bind(now_ms)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn record_order_refusal(&mut self, r: &OrderRefusal) -> Result<()> {
        query(INSERT_ORDER_REFUSAL)
            .bind(&r.customer_id)
            .bind(&r.reason)
            .bind(&r.detail)
            .bind(&r.ip)
            .bind(&r.staff_id)
            .bind(r.at)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn order_in_tx(&mut self, number: &str) -> Result<Option<Order>> {
        order_where(&mut *self, OrderKey::Number, number).await
    }

    async fn order_by_id_in_tx(&mut self, id: &str) -> Result<Option<Order>> {
        order_where(&mut *self, OrderKey::Id, id).await
    }

    async fn apply_order_event(
        &mut self,
        order_id: &str,
        from: OrderStates,
        to: OrderStates,
        event: &OrderEvent,
    ) -> Result<bool> {
        let done = query(APPLY_ORDER_STATES)
            .bind(order_id)
            .bind(from.status.as_str())
            .bind(from.payment.as_str())
            .bind(from.abandoned)
            .bind(to.status.as_str())
            .bind(to.payment.as_str())
            .bind(to.abandoned)
            .bind(from.resent)
            .bind(to.resent)
            .execute(&mut *self)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        self.append_order_event(event).await?;
        Ok(true)
    }

    async fn cancel_line_units(
        &mut self,
        order_id: &str,
        line_no: i64,
        quantity: i64,
    ) -> Result<bool> {
        let done = query(CANCEL_LINE_UNITS)
            .bind(order_id)
            .bind(line_no)
            .bind(quantity)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn return_line_units(
        &mut self,
        order_id: &str,
        line_no: i64,
        quantity: i64,
    ) -> Result<bool> {
        let done = query(RETURN_LINE_UNITS)
            .bind(order_id)
            .bind(line_no)
            .bind(quantity)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_shipment(&mut self, s: &Shipment) -> Result<()> {
        query(INSERT_SHIPMENT)
            .bind(&s.id)
            .bind(&s.order_id)
            .bind(s.state.as_str())
            .bind(&s.carrier)
            .bind(&s.tracking_number)
            .bind(s.shipped_at)
            .bind(&s.shipped_by)
            .execute(&mut *self)
            .await?;
        for l in &s.lines {
            query(INSERT_SHIPMENT_LINE)
                .bind(&s.id)
                .bind(l.line_no)
                .bind(l.quantity)
                .execute(&mut *self)
                .await?;
        }
        Ok(())
    }

    async fn set_shipment_state(
        &mut self,
        id: &str,
        from: ecrin_core::order::ShipmentState,
        change: &ShipmentChange,
    ) -> Result<bool> {
        let done = query(SET_SHIPMENT_STATE)
            .bind(id)
            .bind(from.as_str())
            .bind(change.state.as_str())
            .bind(change.delivered_at)
            .bind(&change.signed_by)
            .bind(change.returned_at)
            .bind(&change.return_reason)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn shipments_in_tx(&mut self, order_id: &str) -> Result<Vec<Shipment>> {
        let shipments: Vec<Shipment> = query_as(SHIPMENTS_OF)
            .bind(order_id)
            .fetch_all(&mut *self)
            .await?;
        let lines: Vec<ShipmentLine> = query_as(SHIPMENT_LINES_OF)
            .bind(order_id)
            .fetch_all(&mut *self)
            .await?;
        Ok(with_shipment_lines(shipments, lines))
    }

    async fn append_order_event(&mut self, e: &OrderEvent) -> Result<()> {
        query(INSERT_ORDER_EVENT)
            .bind(&e.order_id)
            .bind(e.seq)
            .bind(e.at)
            .bind(&e.kind)
            .bind(&e.data)
            .bind(&e.prev_sha256)
            .bind(&e.sha256)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn last_order_event(&mut self, order_id: &str) -> Result<Option<OrderEvent>> {
        query_as(LAST_ORDER_EVENT)
            .bind(order_id)
            .fetch_optional(&mut *self)
            .await
    }

    async fn set_line_reserved(
        &mut self,
        order_id: &str,
        line_no: i64,
        reserved: i64,
    ) -> Result<()> {
        query(SET_LINE_RESERVED)
            .bind(order_id)
            .bind(line_no)
            .bind(reserved)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn confirm_pickup(&mut self, number: &str, staff_id: &str, now_ms: i64) -> Result<bool> {
        let done = query(CONFIRM_PICKUP)
            .bind(number)
            .bind(now_ms)
            .bind(staff_id)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// The one order whose `column` is `key`, with its lines, in one statement (a second only
/// when no order has lines there); on a reader or inside a transaction alike.
pub(crate) async fn order_where(
    conn: &mut impl Exec,
    column: OrderKey,
    key: &str,
) -> Result<Option<Order>> {
    let rows: Vec<OrderWithLineRow> = query_as(order_with_lines_by(column))
        .bind(key)
        .fetch_all(conn)
        .await?;
    if let Some(order) = into_order(rows) {
        return Ok(Some(order));
    }
    query_as(order_by(column))
        .bind(key)
        .fetch_optional(conn)
        .await
}

pub const INSERT_CHECKOUT: &str = "INSERT INTO checkouts (id, customer_id, created_at, expires_at, \
     summary) VALUES ($1, $2, $3, $4, $5)";

pub const CHECKOUT: &str = "SELECT id, customer_id, created_at, expires_at, summary, \
     order_number FROM checkouts WHERE id = $1";

/// A summary is ordered once: the row count says whether this order took it.
pub const TAKE_CHECKOUT: &str =
    "UPDATE checkouts SET order_number = $2 WHERE id = $1 AND order_number IS NULL";

/// Order numbers need not run without a gap (invoices must): on PostgreSQL a sequence hands
/// them out, so concurrent orders do not wait for each other's commit on the counter's row
/// lock; SQLite's one writer takes the counter row.
pub fn next_order_number(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "UPDATE meta SET value = value + 1 WHERE key = 'order_number' RETURNING value"
        }
        Dialect::Postgres => "SELECT nextval('order_numbers')",
    }
}

/// The order and, read out of its summary (`$19`), DLV-4's announced delivery that the
/// deadline board reads beside it.
pub fn insert_order(dialect: Dialect) -> String {
    let announced = match dialect {
        Dialect::Sqlite => "json_extract($19, '$.estimated_delivery_date')",
        Dialect::Postgres => "($19::json ->> 'estimated_delivery_date')",
    };
    format!(
        "INSERT INTO orders ({ORDER_COLUMNS}, announced_delivery) VALUES ($1, $2, $3, $4, $5, \
         $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, \
         {announced})"
    )
}

/// The order of [`order_with_lines_by`]'s rows, its lines in order.
pub fn into_order(rows: Vec<OrderWithLineRow>) -> Option<Order> {
    let mut rows = rows.into_iter();
    let first = rows.next()?;
    let mut order = first.order;
    order.lines.push(first.line);
    order.lines.extend(rows.map(|r| r.line));
    Some(order)
}

pub fn orders_of() -> String {
    format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE customer_id = $1 ORDER BY placed_at DESC, number DESC"
    )
}

pub const INSERT_ORDER_LINE: &str = "INSERT INTO order_lines (order_id, line_no, sku, name, quantity, \
     personalisation, unit_price_incl_vat, unit_price_excl_vat, vat_rate_bp, line_total_incl_vat, \
     line_total_excl_vat, line_vat, withdrawable, reserved) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

/// The lines of the orders `orders` selects (as in [`papers`]), each with its order's id.
pub fn lines_of(orders: &str) -> String {
    format!(
        "SELECT order_id, line_no, sku, name, quantity, personalisation, unit_price_incl_vat, \
         unit_price_excl_vat, vat_rate_bp, line_total_incl_vat, line_total_excl_vat, line_vat, \
         withdrawable, reserved, cancelled, returned FROM order_lines WHERE order_id IN ({orders}) \
         ORDER BY order_id, line_no"
    )
}

/// CHK-9: `$2` the client's address, `$3` an hour ago, `$4` the moment before which an
/// order still awaiting payment counts as unpaid.
/// The counts stop at `$5` (the account's) and `$6` (the address's): the rule only asks
/// whether a limit is reached, and a busy address costs no more to check than a quiet one.
pub const STANDING: &str = "SELECT c.dispute_open, c.payment_refused, \
     (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id \
        AND o.status = 'awaiting_payment' AND o.placed_at < $4) AS unpaid_orders, \
     (SELECT COUNT(*) FROM (SELECT 1 FROM orders o WHERE o.customer_id = $1 \
        AND o.placed_at >= $3 LIMIT $5) AS l) AS orders_last_hour, \
     (SELECT COUNT(*) FROM (SELECT 1 FROM orders o WHERE o.accepted_ip = $2 \
        AND o.placed_at >= $3 LIMIT $6) AS l) AS orders_last_hour_from_ip \
     FROM customers c WHERE c.id = $1";

pub const IDEMPOTENT_ORDER: &str = "SELECT request_sha256, order_number FROM idempotency_keys \
     WHERE subject = $1 AND key = $2";

pub const INSERT_IDEMPOTENCY_KEY: &str = "INSERT INTO idempotency_keys (subject, key, \
     request_sha256, order_number, created_at) VALUES ($1, $2, $3, $4, $5)";

pub const INSERT_ORDER_REFUSAL: &str = "INSERT INTO order_refusals (customer_id, reason, detail, ip, \
     staff_id, at) VALUES ($1, $2, $3, $4, $5, $6)";

pub const ORDER_REFUSALS: &str = "SELECT customer_id, reason, detail, ip, staff_id, at \
     FROM order_refusals ORDER BY at DESC LIMIT $1";

pub const ORDER_REFUSALS_OF: &str = "SELECT customer_id, reason, detail, ip, staff_id, at \
     FROM order_refusals WHERE customer_id = $1 ORDER BY at DESC LIMIT 100";

pub const CONFIRM_PICKUP: &str = "UPDATE orders SET pickup_confirmed_at = $2, pickup_confirmed_by = $3 \
     WHERE number = $1 AND pickup_confirmed_at IS NULL";

pub const INSERT_ORDER_EVENT: &str = "INSERT INTO order_events (order_id, seq, at, kind, data, \
     prev_sha256, sha256) VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub const ORDER_EVENTS: &str = "SELECT order_id, seq, at, kind, data, prev_sha256, sha256 \
     FROM order_events WHERE order_id = $1 ORDER BY seq";

pub const LAST_ORDER_EVENT: &str = "SELECT order_id, seq, at, kind, data, prev_sha256, sha256 \
     FROM order_events WHERE order_id = $1 ORDER BY seq DESC LIMIT 1";

/// INV-5: every order's events in turn, `$3` at a time after (`$1`, `$2`).
pub const ORDER_EVENTS_AFTER: &str = "SELECT order_id, seq, at, kind, data, prev_sha256, \
     sha256 FROM order_events WHERE order_id > $1 OR (order_id = $1 AND seq > $2) \
     ORDER BY order_id, seq LIMIT $3";

/// INV-5: orders whose history does not begin (its first event is missing).
pub const ORDERS_WITHOUT_HISTORY: &str = "SELECT o.number FROM orders o WHERE NOT EXISTS \
     (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.seq = 1) ORDER BY o.number";

pub const ORDER_NUMBER_OF: &str = "SELECT number FROM orders WHERE id = $1";

/// An order moves from one status to another only from the one expected: of a payment and
/// a deadline arriving together, one finds the order already moved.
/// The order's lifecycle moves: status, payment state, abandonment and re-sending compared
/// and set.
pub const APPLY_ORDER_STATES: &str = "UPDATE orders SET status = $5, payment_state = $6, \
     abandoned = $7, resent = $9 WHERE id = $1 AND status = $2 AND payment_state = $3 \
     AND abandoned = $4 AND resent = $8";

/// Units of a line no longer due (STK-1, STK-3), never more than are left.
pub const CANCEL_LINE_UNITS: &str = "UPDATE order_lines SET cancelled = cancelled + $3 \
     WHERE order_id = $1 AND line_no = $2 AND cancelled + $3 <= quantity";

pub const RETURN_LINE_UNITS: &str = "UPDATE order_lines SET returned = returned + $3 \
     WHERE order_id = $1 AND line_no = $2 AND returned + $3 <= quantity - cancelled";

pub const INSERT_SHIPMENT: &str = "INSERT INTO shipments (id, order_id, state, carrier, \
     tracking_number, shipped_at, shipped_by) VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub const INSERT_SHIPMENT_LINE: &str =
    "INSERT INTO shipment_lines (shipment_id, line_no, quantity) VALUES ($1, $2, $3)";

/// DLV-5, DLV-6: what became of a parcel in transit.
pub const SET_SHIPMENT_STATE: &str = "UPDATE shipments SET state = $3, \
     delivered_at = COALESCE($4, delivered_at), signed_by = COALESCE($5, signed_by), \
     returned_at = COALESCE($6, returned_at), return_reason = COALESCE($7, return_reason) \
     WHERE id = $1 AND state = $2";

pub const SHIPMENTS_OF: &str = "SELECT id, order_id, state, carrier, tracking_number, \
     shipped_at, shipped_by, delivered_at, signed_by, returned_at, return_reason \
     FROM shipments WHERE order_id = $1 ORDER BY shipped_at, id";

pub const SHIPMENT_LINES_OF: &str = "SELECT l.shipment_id, l.line_no, l.quantity \
     FROM shipment_lines l JOIN shipments s ON s.id = l.shipment_id \
     WHERE s.order_id = $1 ORDER BY l.shipment_id, l.line_no";

pub const SET_LINE_RESERVED: &str =
    "UPDATE order_lines SET reserved = $3 WHERE order_id = $1 AND line_no = $2";

/// The orders whose clocks run (the deadline board), with their payment and return dates.
const RECENT_DELIVERIES: &str = "SELECT o.number, MAX(s.delivered_at) AS delivered_at \
     FROM orders o JOIN shipments s ON s.order_id = o.id \
     WHERE s.delivered_at >= $1 AND o.status IN ('shipped', 'delivered') AND o.number > $2 \
     AND EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.withdrawable \
                 AND l.quantity - l.cancelled - l.returned > 0) \
     GROUP BY o.number ORDER BY o.number LIMIT $3";

/// WDR-1: an order delivered lately, whose withdrawal window may still run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct RecentDelivery {
    pub number: String,
    pub delivered_at: i64,
}

/// The open orders of the deadline board, each with the one date of its summary the
/// clocks need, read by number from the index of the open orders (`orders_open`), which
/// holds every column of `orders` read here: never the summaries (a few kilobytes each; a
/// busy house has thousands of open orders and the board is read on every back-office
/// home page). SQLite is told which index: without statistics its planner takes the
/// index by status and sorts every open order again for each chunk (0.55 s for the
/// chunks of 40,000 open orders, against 0.06 s along `orders_open`).
pub fn open_orders(dialect: Dialect) -> String {
    let index = match dialect {
        Dialect::Sqlite => "INDEXED BY orders_open",
        Dialect::Postgres => "",
    };
    format!(
        "SELECT o.number, o.status, o.payment_method, o.placed_at, o.announced_delivery, \
         i.issued_at AS paid_at, \
         (SELECT MAX(s.returned_at) FROM shipments s WHERE s.order_id = o.id) AS returned_at \
         FROM orders o {index} LEFT JOIN invoices i ON i.order_id = o.id \
         WHERE o.status IN ('awaiting_payment', 'being_prepared', 'shipped', 'being_returned') \
         AND o.number > $1 ORDER BY o.number LIMIT $2"
    )
}

/// What the back office's order list selects (all of it when nothing is set).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderSearch {
    pub status: Option<ecrin_core::order::OrderState>,
    /// Placed at or after this moment.
    pub placed_from: Option<i64>,
    /// Placed before this moment.
    pub placed_before: Option<i64>,
    pub customer_id: Option<String>,
    /// An order number, exactly.
    pub number: Option<String>,
    /// The key of the ordering customer's e-mail address.
    pub email_key: Option<String>,
    /// Orders after this one in the list's order (newest first): its placing time and
    /// number.
    pub after: Option<(i64, String)>,
    pub limit: i64,
}

/// The statement of [`OrderSearch`], one more than the page to tell whether more follow.
fn search_sql(s: &OrderSearch) -> (String, Args) {
    let mut args = Args::default();
    let mut wheres = Vec::new();
    let arg = |args: &mut Args, v: Value| {
        args.0.push(v);
        format!("${}", args.0.len())
    };
    if let Some(status) = s.status {
        let a = arg(&mut args, Value::Text(status.as_str().to_owned()));
        wheres.push(format!("status = {a}"));
    }
    if let Some(from) = s.placed_from {
        let a = arg(&mut args, Value::Int(from));
        wheres.push(format!("placed_at >= {a}"));
    }
    if let Some(before) = s.placed_before {
        let a = arg(&mut args, Value::Int(before));
        wheres.push(format!("placed_at < {a}"));
    }
    if let Some(id) = &s.customer_id {
        let a = arg(&mut args, Value::Text(id.clone()));
        wheres.push(format!("customer_id = {a}"));
    }
    if let Some(number) = &s.number {
        let a = arg(&mut args, Value::Text(number.clone()));
        wheres.push(format!("number = {a}"));
    }
    if let Some(key) = &s.email_key {
        let a = arg(&mut args, Value::Text(key.clone()));
        wheres.push(format!(
            "customer_id IN (SELECT id FROM customers WHERE email_key = {a})"
        ));
    }
    if let Some((at, number)) = &s.after {
        let a = arg(&mut args, Value::Int(*at));
        let n = arg(&mut args, Value::Text(number.clone()));
        wheres.push(format!(
            "(placed_at < {a} OR (placed_at = {a} AND number < {n}))"
        ));
    }
    let limit = arg(&mut args, Value::Int(s.limit + 1));
    let filter = if wheres.is_empty() {
        String::new()
    } else {
        format!("WHERE {} ", wheres.join(" AND "))
    };
    (
        format!(
            "SELECT {ORDER_COLUMNS} FROM orders {filter}ORDER BY placed_at DESC, number DESC \
             LIMIT {limit}"
        ),
        args,
    )
}

/// DLV-5: a new order for the pieces of an order whose parcel came back undelivered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Redelivery {
    pub order_id: String,
    pub order_number: String,
    pub order_status: ecrin_core::order::OrderState,
    pub of_order_id: String,
    pub of_order_number: String,
    pub created_at: i64,
}

const REDELIVERIES_OF: &str = "SELECT r.order_id, n.number AS order_number, \
     n.status AS order_status, r.of_order_id, f.number AS of_order_number, r.created_at \
     FROM redeliveries r JOIN orders n ON n.id = r.order_id JOIN orders f ON f.id = r.of_order_id \
     WHERE r.order_id = $1 OR r.of_order_id = $1 ORDER BY r.created_at, r.order_id";

const INSERT_REDELIVERY: &str =
    "INSERT INTO redeliveries (order_id, of_order_id, created_at) VALUES ($1, $2, $3)";

/// STK-1 (`atelier`, `milano`): units out of stock offered to the customer's choice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Stockout {
    pub id: String,
    pub order_id: String,
    /// The units offered, as JSON (`[{"line_no", "quantity"}]`).
    pub lines: String,
    pub created_at: i64,
    pub choice: Option<ecrin_core::order::StockoutChoice>,
    pub equivalent_sku: Option<String>,
    pub answered_at: Option<i64>,
}

const STOCKOUTS_OF: &str = "SELECT id, order_id, lines, created_at, choice, equivalent_sku, \
     answered_at FROM stockouts WHERE order_id = $1 ORDER BY created_at, id";

const STOCKOUT: &str = "SELECT id, order_id, lines, created_at, choice, equivalent_sku, answered_at \
     FROM stockouts WHERE order_id = $1 AND id = $2";

const INSERT_STOCKOUT: &str =
    "INSERT INTO stockouts (id, order_id, lines, created_at) VALUES ($1, $2, $3, $4)";

const ANSWER_STOCKOUT: &str = "UPDATE stockouts SET choice = $2, equivalent_sku = $3, \
     answered_at = $4 WHERE id = $1 AND choice IS NULL";
