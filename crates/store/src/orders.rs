use crate::exec::{Engine, Exec, Writer, query, query_as, query_scalar};
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

    /// Every customer's newest orders, without their lines (staff).
    async fn recent_orders(&self, limit: i64) -> Result<Vec<Order>>;

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

    /// The orders whose legal clocks run, oldest first (the deadline board).
    async fn open_orders(&self) -> Result<Vec<OpenOrder>>;
}

#[async_trait]
pub trait OrdersTx: Send {
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
    async fn checkout(&self, id: &str) -> Result<Option<Checkout>> {
        query_as(sql::CHECKOUT)
            .bind(id)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn keep_checkout(&self, c: &Checkout) -> Result<()> {
        self.single(
            query(sql::INSERT_CHECKOUT)
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
        order_where(&mut self.reader().await?, sql::OrderKey::Number, number).await
    }

    async fn order_by_id(&self, id: &str) -> Result<Option<Order>> {
        order_where(&mut self.reader().await?, sql::OrderKey::Id, id).await
    }

    async fn orders_of(&self, customer_id: &str) -> Result<Vec<Order>> {
        let mut conn = self.reader().await?;
        let orders = query_as(sql::orders_of())
            .bind(customer_id)
            .fetch_all(&mut conn)
            .await?;
        let lines = query_as(sql::lines_of(sql::ORDERS_OF_CUSTOMER))
            .bind(customer_id)
            .fetch_all(&mut conn)
            .await?;
        Ok(with_lines(orders, lines))
    }

    async fn recent_orders(&self, limit: i64) -> Result<Vec<Order>> {
        let mut conn = self.reader().await?;
        let orders: Vec<Order> = query_as(sql::recent_orders())
            .bind(limit)
            .fetch_all(&mut conn)
            .await?;
        // The oldest listed and everything since: every listed order's lines even
        // if others were placed meanwhile.
        let Some(from) = orders.iter().map(|o| o.placed_at).min() else {
            return Ok(orders);
        };
        let lines = query_as(sql::lines_of(sql::ORDERS_PLACED_FROM))
            .bind(from)
            .fetch_all(&mut conn)
            .await?;
        Ok(with_lines(orders, lines))
    }

    async fn standing(
        &self,
        customer_id: &str,
        ip: &str,
        since_ms: i64,
        unpaid_before_ms: i64,
        count_up_to: [i64; 2],
    ) -> Result<StandingRow> {
        let row: Option<StandingRow> = query_as(sql::STANDING)
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
        query_as(sql::IDEMPOTENT_ORDER)
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
                query_as(sql::ORDER_REFUSALS_OF)
                    .bind(id)
                    .fetch_all(&mut self.reader().await?)
                    .await
            }
            None => {
                query_as(sql::ORDER_REFUSALS)
                    .bind(limit)
                    .fetch_all(&mut self.reader().await?)
                    .await
            }
        }
    }

    async fn order_events(&self, order_id: &str) -> Result<Vec<OrderEvent>> {
        query_as(sql::ORDER_EVENTS)
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
        query_as(sql::ORDER_EVENTS_AFTER)
            .bind(order_id)
            .bind(seq)
            .bind(limit)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn orders_without_history(&self) -> Result<Vec<String>> {
        query_scalar(sql::ORDERS_WITHOUT_HISTORY)
            .fetch_all(&mut self.reader().await?)
            .await
    }

    async fn order_number_of(&self, order_id: &str) -> Result<Option<String>> {
        query_scalar(sql::ORDER_NUMBER_OF)
            .bind(order_id)
            .fetch_optional(&mut self.reader().await?)
            .await
    }

    async fn shipments_of(&self, order_id: &str) -> Result<Vec<Shipment>> {
        let mut conn = self.reader().await?;
        let shipments: Vec<Shipment> = query_as(sql::SHIPMENTS_OF)
            .bind(order_id)
            .fetch_all(&mut conn)
            .await?;
        let lines: Vec<ShipmentLine> = query_as(sql::SHIPMENT_LINES_OF)
            .bind(order_id)
            .fetch_all(&mut conn)
            .await?;
        Ok(with_shipment_lines(shipments, lines))
    }

    async fn open_orders(&self) -> Result<Vec<OpenOrder>> {
        let mut conn = self.reader().await?;
        query_as(sql::OPEN_ORDERS).fetch_all(&mut conn).await
    }
}

#[async_trait]
impl<W: Writer> OrdersTx for W {
    async fn take_checkout(&mut self, id: &str, order_number: &str) -> Result<bool> {
        let done = query(sql::TAKE_CHECKOUT)
            .bind(id)
            .bind(order_number)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn next_order_number(&mut self) -> Result<i64> {
        query_scalar(sql::next_order_number(self.dialect()))
            .fetch_one(&mut *self)
            .await
    }

    async fn insert_order(&mut self, o: &Order) -> Result<()> {
        let sql = sql::insert_order();
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
            .execute(&mut *self)
            .await?;
        for l in &o.lines {
            query(sql::INSERT_ORDER_LINE)
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
        query(sql::INSERT_IDEMPOTENCY_KEY)
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
        query(sql::INSERT_ORDER_REFUSAL)
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
        order_where(&mut *self, sql::OrderKey::Number, number).await
    }

    async fn order_by_id_in_tx(&mut self, id: &str) -> Result<Option<Order>> {
        order_where(&mut *self, sql::OrderKey::Id, id).await
    }

    async fn apply_order_event(
        &mut self,
        order_id: &str,
        from: OrderStates,
        to: OrderStates,
        event: &OrderEvent,
    ) -> Result<bool> {
        let done = query(sql::APPLY_ORDER_STATES)
            .bind(order_id)
            .bind(from.status.as_str())
            .bind(from.payment.as_str())
            .bind(from.abandoned)
            .bind(to.status.as_str())
            .bind(to.payment.as_str())
            .bind(to.abandoned)
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
        let done = query(sql::CANCEL_LINE_UNITS)
            .bind(order_id)
            .bind(line_no)
            .bind(quantity)
            .execute(&mut *self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_shipment(&mut self, s: &Shipment) -> Result<()> {
        query(sql::INSERT_SHIPMENT)
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
            query(sql::INSERT_SHIPMENT_LINE)
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
        let done = query(sql::SET_SHIPMENT_STATE)
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
        let shipments: Vec<Shipment> = query_as(sql::SHIPMENTS_OF)
            .bind(order_id)
            .fetch_all(&mut *self)
            .await?;
        let lines: Vec<ShipmentLine> = query_as(sql::SHIPMENT_LINES_OF)
            .bind(order_id)
            .fetch_all(&mut *self)
            .await?;
        Ok(with_shipment_lines(shipments, lines))
    }

    async fn append_order_event(&mut self, e: &OrderEvent) -> Result<()> {
        query(sql::INSERT_ORDER_EVENT)
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
        query_as(sql::LAST_ORDER_EVENT)
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
        query(sql::SET_LINE_RESERVED)
            .bind(order_id)
            .bind(line_no)
            .bind(reserved)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn confirm_pickup(&mut self, number: &str, staff_id: &str, now_ms: i64) -> Result<bool> {
        let done = query(sql::CONFIRM_PICKUP)
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
    column: sql::OrderKey,
    key: &str,
) -> Result<Option<Order>> {
    let rows: Vec<sql::OrderWithLineRow> = query_as(sql::order_with_lines_by(column))
        .bind(key)
        .fetch_all(conn)
        .await?;
    if let Some(order) = sql::into_order(rows) {
        return Ok(Some(order));
    }
    query_as(sql::order_by(column))
        .bind(key)
        .fetch_optional(conn)
        .await
}
