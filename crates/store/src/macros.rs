//! The parts of a backend that are the same SQL and the same binding on SQLite and on
//! PostgreSQL, written once. Each backend crate expands them with its own query calls
//! (`q = sqlx` on PostgreSQL; on SQLite a module of the same calls on its own driver);
//! only what really differs (pools, transaction start, the search document) stays in
//! the backend.

/// The papers of the orders `$orders` selects with its one parameter `$bind`
/// ([`crate::sql::papers`]), on `$conn`.
#[doc(hidden)]
#[macro_export]
macro_rules! fetch_papers {
    ($q:ident, $conn:ident, $err:path, $orders:expr, $bind:expr) => {{
        let [invoices, refunds, credit_notes] = $crate::sql::papers($orders);
        let invoices = $q::query_as($q::AssertSqlSafe(invoices))
            .bind($bind)
            .fetch_all(&mut *$conn)
            .await
            .map_err($err)?;
        let refunds: Vec<$crate::Refund> = $q::query_as($q::AssertSqlSafe(refunds))
            .bind($bind)
            .fetch_all(&mut *$conn)
            .await
            .map_err($err)?;
        let credit_notes = if refunds.is_empty() {
            Vec::new()
        } else {
            $q::query_as($q::AssertSqlSafe(credit_notes))
                .bind($bind)
                .fetch_all(&mut *$conn)
                .await
                .map_err($err)?
        };
        Ok($crate::Papers {
            invoices,
            refunds,
            credit_notes,
        })
    }};
}

/// Implements [`crate::Store`] for a backend store, given the pool it reads from, the
/// backend's error mapping, SQL dialect and argument builder, and its own methods that
/// begin a write transaction and close the pools.
#[macro_export]
macro_rules! impl_store {
    (
        $store:ty,
        backend = $backend:expr,
        pool = $pool:ident,
        err = $err:path,
        dialect = $dialect:expr,
        args = $args:path,
        q = $q:ident,
        begin = $begin:ident,
        single = $single:ident,
        close = $close:ident
        $(, writer_stats = $writer_stats:ident)?
        $(, writable = $writable:ident)?
        $(, synced = $synced:ident)?
    ) => {
        #[$crate::async_trait]
        impl $crate::Store for $store {
            fn backend(&self) -> $crate::Backend {
                $backend
            }

            $(
                fn writer_stats(&self) -> Option<$crate::WriterStats> {
                    Some(self.$writer_stats())
                }
            )?

            async fn ping(&self) -> $crate::Result<()> {
                $( self.$writable()?; )?
                $q::query("SELECT 1")
                    .execute(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn order_events(
                &self,
                order_id: &str,
            ) -> $crate::Result<Vec<$crate::OrderEvent>> {
                $q::query_as($crate::sql::ORDER_EVENTS)
                    .bind(order_id)
                    .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn order_events_after(
                &self,
                order_id: &str,
                seq: i64,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::OrderEvent>> {
                $q::query_as($crate::sql::ORDER_EVENTS_AFTER)
                    .bind(order_id)
                    .bind(seq)
                    .bind(limit)
                    .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn orders_without_history(&self) -> $crate::Result<Vec<String>> {
                $q::query_scalar($crate::sql::ORDERS_WITHOUT_HISTORY)
                    .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn order_number_of(&self, order_id: &str) -> $crate::Result<Option<String>> {
                $q::query_scalar($crate::sql::ORDER_NUMBER_OF)
                    .bind(order_id)
                    .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn invoice_of(&self, order_id: &str) -> $crate::Result<Option<$crate::Invoice>> {
                $q::query_as($q::AssertSqlSafe($crate::sql::invoice_of()))
                    .bind(order_id)
                    .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn invoices(&self) -> $crate::Result<Vec<$crate::Invoice>> {
                $q::query_as($q::AssertSqlSafe($crate::sql::invoices()))
                    .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn open_orders(&self) -> $crate::Result<Vec<$crate::OpenOrder>> {
                let mut conn = self.$pool.acquire().await.map_err($err)?;
                $q::query_as($crate::sql::OPEN_ORDERS)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err($err)
            }

            async fn shipments_of(
                &self,
                order_id: &str,
            ) -> $crate::Result<Vec<$crate::Shipment>> {
                let mut conn = self.$pool.acquire().await.map_err($err)?;
                let shipments: Vec<$crate::Shipment> = $q::query_as($crate::sql::SHIPMENTS_OF)
                    .bind(order_id)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err($err)?;
                let lines: Vec<$crate::ShipmentLine> = $q::query_as($crate::sql::SHIPMENT_LINES_OF)
                    .bind(order_id)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err($err)?;
                Ok($crate::with_shipment_lines(shipments, lines))
            }

            async fn payments_of(&self, order_id: &str) -> $crate::Result<Vec<$crate::Payment>> {
                $q::query_as($q::AssertSqlSafe($crate::sql::payments_of()))
                    .bind(order_id)
                    .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn refunds_of(&self, order_id: &str) -> $crate::Result<Vec<$crate::Refund>> {
                $q::query_as($q::AssertSqlSafe($crate::sql::refunds_of()))
                    .bind(order_id)
                    .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn papers_of_customer(
                &self,
                customer_id: &str,
            ) -> $crate::Result<$crate::Papers> {
                let mut conn = self.$pool.acquire().await.map_err($err)?;
                $crate::fetch_papers!($q, conn, $err, $crate::sql::ORDERS_OF_CUSTOMER, customer_id)
            }

            async fn papers_placed_from(
                &self,
                placed_from_ms: i64,
            ) -> $crate::Result<$crate::Papers> {
                let mut conn = self.$pool.acquire().await.map_err($err)?;
                $crate::fetch_papers!(
                    $q,
                    conn,
                    $err,
                    $crate::sql::ORDERS_PLACED_FROM,
                    placed_from_ms
                )
            }

            async fn credit_notes_of(
                &self,
                order_id: &str,
            ) -> $crate::Result<Vec<$crate::CreditNote>> {
                $q::query_as($q::AssertSqlSafe($crate::sql::credit_notes_of()))
                    .bind(order_id)
                    .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn credit_notes(&self) -> $crate::Result<Vec<$crate::CreditNote>> {
                $q::query_as($q::AssertSqlSafe($crate::sql::credit_notes()))
                    .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn sandbox_charge(
                &self,
                payment_id: &str,
            ) -> $crate::Result<Option<$crate::SandboxCharge>> {
                $q::query_as($crate::sql::SANDBOX_CHARGE)
                    .bind(payment_id)
                    .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn keep_checkout(&self, c: &$crate::Checkout) -> $crate::Result<()> {
                use $crate::sql::Arg;
                self.$single(
                    $crate::sql::INSERT_CHECKOUT,
                    &[
                        Arg::Text(c.id.clone()),
                        Arg::Text(c.customer_id.clone()),
                        Arg::Int(c.created_at),
                        Arg::Int(c.expires_at),
                        Arg::Text(c.summary.clone()),
                    ],
                )
                .await?;
                Ok(())
            }

            async fn catalogue_version(&self) -> $crate::Result<i64> {
                self.read_scalar($crate::sql::CATALOGUE_VERSION).await
            }

            async fn count_products(&self) -> $crate::Result<i64> {
                self.read_scalar($crate::sql::COUNT_PRODUCTS).await
            }

            async fn list_products(
                &self,
                query: &$crate::__private::CatalogueQuery,
            ) -> $crate::Result<$crate::ProductPage> {
                self.read_list_products(query).await
            }

            async fn product_by_slug(
                &self,
                slug: &str,
            ) -> $crate::Result<Option<$crate::ProductDetail>> {
                self.read_product_by_slug(slug).await
            }

            async fn collections(&self) -> $crate::Result<Vec<$crate::Reference>> {
                self.read_references($crate::sql::COLLECTIONS).await
            }

            async fn materials(&self) -> $crate::Result<Vec<$crate::Reference>> {
                self.read_references($crate::sql::MATERIALS).await
            }

            async fn stones(&self) -> $crate::Result<Vec<$crate::Reference>> {
                self.read_references($crate::sql::STONES).await
            }

            async fn terms_in_force(
                &self,
                at_ms: i64,
            ) -> $crate::Result<Option<$crate::TermsVersion>> {
                self.read_terms_in_force(at_ms).await
            }

            async fn terms_version_in_force(&self, at_ms: i64) -> $crate::Result<Option<String>> {
                $q::query_scalar($crate::sql::TERMS_VERSION_IN_FORCE)
                    .bind(at_ms)
                    .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn terms_version(
                &self,
                version: &str,
            ) -> $crate::Result<Option<$crate::TermsVersion>> {
                let row: Option<$crate::sql::TermsRow> = $q::query_as($crate::sql::TERMS_VERSION)
                    .bind(version)
                    .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)?;
                Ok(row.map(Into::into))
            }

            async fn terms_versions(&self) -> $crate::Result<Vec<$crate::TermsVersion>> {
                let rows: Vec<$crate::sql::TermsRow> = $q::query_as($crate::sql::TERMS_VERSIONS)
                    .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn checkout(&self, id: &str) -> $crate::Result<Option<$crate::Checkout>> {
                $q::query_as($crate::sql::CHECKOUT)
                    .bind(id)
                    .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn order_by_number(&self, number: &str) -> $crate::Result<Option<$crate::Order>> {
                self.read_order($crate::sql::OrderKey::Number, number).await
            }

            async fn order_by_id(&self, id: &str) -> $crate::Result<Option<$crate::Order>> {
                self.read_order($crate::sql::OrderKey::Id, id).await
            }

            async fn orders_of(&self, customer_id: &str) -> $crate::Result<Vec<$crate::Order>> {
                let mut conn = self.$pool.acquire().await.map_err($err)?;
                let orders = $q::query_as($q::AssertSqlSafe($crate::sql::orders_of()))
                    .bind(customer_id)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err($err)?;
                let lines = $q::query_as($q::AssertSqlSafe($crate::sql::lines_of(
                    $crate::sql::ORDERS_OF_CUSTOMER,
                )))
                .bind(customer_id)
                .fetch_all(&mut *conn)
                .await
                .map_err($err)?;
                Ok($crate::with_lines(orders, lines))
            }

            async fn recent_orders(&self, limit: i64) -> $crate::Result<Vec<$crate::Order>> {
                let mut conn = self.$pool.acquire().await.map_err($err)?;
                let orders: Vec<$crate::Order> =
                    $q::query_as($q::AssertSqlSafe($crate::sql::recent_orders()))
                        .bind(limit)
                        .fetch_all(&mut *conn)
                        .await
                        .map_err($err)?;
                // The oldest listed and everything since: every listed order's lines even
                // if others were placed meanwhile.
                let Some(from) = orders.iter().map(|o| o.placed_at).min() else {
                    return Ok(orders);
                };
                let lines = $q::query_as($q::AssertSqlSafe($crate::sql::lines_of(
                    $crate::sql::ORDERS_PLACED_FROM,
                )))
                .bind(from)
                .fetch_all(&mut *conn)
                .await
                .map_err($err)?;
                Ok($crate::with_lines(orders, lines))
            }

            async fn standing(
                &self,
                customer_id: &str,
                ip: &str,
                since_ms: i64,
                unpaid_before_ms: i64,
                count_up_to: [i64; 2],
            ) -> $crate::Result<$crate::StandingRow> {
                let row: Option<$crate::StandingRow> = $q::query_as($crate::sql::STANDING)
                    .bind(customer_id)
                    .bind(ip)
                    .bind(since_ms)
                    .bind(unpaid_before_ms)
                    .bind(count_up_to[0])
                    .bind(count_up_to[1])
                    .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)?;
                Ok(row.unwrap_or_default())
            }

            async fn idempotent_order(
                &self,
                subject: &str,
                key: &str,
            ) -> $crate::Result<Option<$crate::IdempotentOrder>> {
                $q::query_as($crate::sql::IDEMPOTENT_ORDER)
                    .bind(subject)
                    .bind(key)
                    .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn order_refusals(
                &self,
                customer_id: Option<&str>,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::OrderRefusal>> {
                match customer_id {
                    Some(id) => {
                        $q::query_as($crate::sql::ORDER_REFUSALS_OF)
                            .bind(id)
                            .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                            .await
                    }
                    None => {
                        $q::query_as($crate::sql::ORDER_REFUSALS)
                            .bind(limit)
                            .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                            .await
                    }
                }
                .map_err($err)
            }

            async fn staff_by_email(
                &self,
                email_key: &str,
            ) -> $crate::Result<Option<$crate::Staff>> {
                let row: Option<$crate::sql::StaffRow> = $q::query_as($crate::sql::STAFF_BY_EMAIL)
                    .bind(email_key)
                    .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)?;
                Ok(row.and_then($crate::sql::StaffRow::into_staff))
            }

            async fn customer_by_email(
                &self,
                email_key: &str,
            ) -> $crate::Result<Option<$crate::Customer>> {
                let row: Option<$crate::sql::CustomerRow> =
                    $q::query_as($crate::sql::CUSTOMER_BY_EMAIL)
                        .bind(email_key)
                        .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok(row.and_then($crate::sql::CustomerRow::into_customer))
            }

            async fn customer_by_id(&self, id: &str) -> $crate::Result<Option<$crate::Customer>> {
                let row: Option<$crate::sql::CustomerRow> =
                    $q::query_as($crate::sql::CUSTOMER_BY_ID)
                        .bind(id)
                        .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok(row.and_then($crate::sql::CustomerRow::into_customer))
            }

            async fn customer_with_addresses(
                &self,
                id: &str,
            ) -> $crate::Result<Option<($crate::Customer, Vec<$crate::Address>)>> {
                let rows: Vec<$crate::sql::CustomerAddressRow> =
                    $q::query_as($crate::sql::CUSTOMER_WITH_ADDRESSES)
                        .bind(id)
                        .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok($crate::sql::into_customer_with_addresses(rows))
            }

            async fn token_customer_with_addresses(
                &self,
                token_hash: &str,
                now_ms: i64,
            ) -> $crate::Result<Option<($crate::Customer, Vec<$crate::Address>)>> {
                let rows: Vec<$crate::sql::CustomerAddressRow> =
                    $q::query_as($crate::sql::TOKEN_CUSTOMER_WITH_ADDRESSES)
                        .bind(token_hash)
                        .bind(now_ms)
                        .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok($crate::sql::into_customer_with_addresses(rows))
            }

            async fn api_token_subject(
                &self,
                token_hash: &str,
                now_ms: i64,
            ) -> $crate::Result<Option<$crate::Subject>> {
                let row: Option<$crate::sql::TokenSubjectRow> =
                    $q::query_as($crate::sql::API_TOKEN_SUBJECT)
                        .bind(token_hash)
                        .bind(now_ms)
                        .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok(row.and_then($crate::sql::TokenSubjectRow::into_subject))
            }

            async fn outbox(
                &self,
                to: Option<&str>,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::Email>> {
                let rows: Vec<$crate::sql::EmailRow> = match to {
                    Some(to) => {
                        $q::query_as($crate::sql::OUTBOX_TO)
                            .bind(limit)
                            .bind(to)
                            .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                            .await
                    }
                    None => {
                        $q::query_as($crate::sql::OUTBOX_ALL)
                            .bind(limit)
                            .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                            .await
                    }
                }
                .map_err($err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn variant_info(&self, sku: &str) -> $crate::Result<Option<$crate::VariantInfo>> {
                let row: Option<$crate::sql::VariantInfoRow> =
                    $q::query_as($crate::sql::VARIANTS_BY_SKU)
                        .bind(sku)
                        .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok(row.map(Into::into))
            }

            async fn variants_info(
                &self,
                skus: &[String],
            ) -> $crate::Result<Vec<$crate::VariantInfo>> {
                if skus.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = $crate::sql::variants_by_skus(skus.len());
                let mut query = $q::query_as($q::AssertSqlSafe(sql));
                for sku in skus {
                    query = query.bind(sku.clone());
                }
                let rows: Vec<$crate::sql::VariantInfoRow> = query
                    .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn basket_of(
                &self,
                owner: &$crate::BasketOwner,
            ) -> $crate::Result<Option<$crate::StoredBasket>> {
                Ok(self.basket_and_catalogue_version(owner).await?.0)
            }

            async fn basket_and_catalogue_version(
                &self,
                owner: &$crate::BasketOwner,
            ) -> $crate::Result<(Option<$crate::StoredBasket>, Option<i64>)> {
                let (sql, key) = match owner {
                    $crate::BasketOwner::Customer(id) => ($crate::sql::basket_of_customer(), id),
                    $crate::BasketOwner::Session(h) => ($crate::sql::basket_of_session(), h),
                };
                let rows: Vec<$crate::sql::BasketJoinRow> = $q::query_as($q::AssertSqlSafe(sql))
                    .bind(key)
                    .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)?;
                let version = $crate::sql::catalogue_version_of(&rows);
                Ok(($crate::sql::into_basket(rows), version))
            }

            async fn consents_of(
                &self,
                customer_id: &str,
            ) -> $crate::Result<Vec<$crate::ConsentRecord>> {
                let rows: Vec<$crate::sql::ConsentRow> = $q::query_as($crate::sql::CONSENTS_OF)
                    .bind(customer_id)
                    .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn marketing_audience(&self) -> $crate::Result<Vec<$crate::Customer>> {
                let rows: Vec<$crate::sql::CustomerRow> =
                    $q::query_as($crate::sql::MARKETING_AUDIENCE)
                        .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok(rows
                    .into_iter()
                    .filter_map($crate::sql::CustomerRow::into_customer)
                    .collect())
            }

            async fn unsubscribe_customer(
                &self,
                token_hash: &str,
            ) -> $crate::Result<Option<String>> {
                $q::query_scalar($crate::sql::UNSUBSCRIBE_CUSTOMER)
                    .bind(token_hash)
                    .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn addresses_of(
                &self,
                customer_id: &str,
            ) -> $crate::Result<Vec<$crate::Address>> {
                let sql = $crate::sql::addresses_of();
                let rows: Vec<$crate::sql::AddressRow> = $q::query_as($q::AssertSqlSafe(sql))
                    .bind(customer_id)
                    .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn quote_requests_of(
                &self,
                customer_id: &str,
            ) -> $crate::Result<Vec<$crate::QuoteRequest>> {
                let rows: Vec<$crate::sql::QuoteRequestRow> =
                    $q::query_as($crate::sql::QUOTE_REQUESTS_OF)
                        .bind(customer_id)
                        .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn security_counts(
                &self,
                since_ms: i64,
            ) -> $crate::Result<Vec<$crate::SecurityCount>> {
                let rows: Vec<$crate::sql::SecurityCountRow> =
                    $q::query_as($crate::sql::SECURITY_COUNTS)
                        .bind(since_ms)
                        .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn security_events(
                &self,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::SecurityEvent>> {
                let rows: Vec<$crate::sql::SecurityEventRow> =
                    $q::query_as($crate::sql::SECURITY_EVENTS)
                        .bind(limit)
                        .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn rate_events(&self, key: &str, since_ms: i64) -> $crate::Result<i64> {
                $q::query_scalar($crate::sql::COUNT_RATE_EVENTS)
                    .bind(key)
                    .bind(since_ms)
                    .fetch_one(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn tickets(&self, limit: i64) -> $crate::Result<Vec<$crate::Ticket>> {
                let rows: Vec<$crate::sql::TicketRow> =
                    $q::query_as($q::AssertSqlSafe($crate::sql::tickets()))
                        .bind(limit)
                        .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn ticket_by_id(&self, id: &str) -> $crate::Result<Option<$crate::Ticket>> {
                let row: Option<$crate::sql::TicketRow> =
                    $q::query_as($q::AssertSqlSafe($crate::sql::ticket_by_id()))
                        .bind(id)
                        .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok(row.map(Into::into))
            }

            async fn tickets_of(&self, customer_id: &str) -> $crate::Result<Vec<$crate::Ticket>> {
                let rows: Vec<$crate::sql::TicketRow> =
                    $q::query_as($q::AssertSqlSafe($crate::sql::tickets_of()))
                        .bind(customer_id)
                        .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn quote_requests(
                &self,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::QuoteRequest>> {
                let rows: Vec<$crate::sql::QuoteRequestRow> =
                    $q::query_as($crate::sql::QUOTE_REQUESTS)
                        .bind(limit)
                        .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn web_session(
                &self,
                id_hash: &str,
                now_ms: i64,
            ) -> $crate::Result<Option<$crate::WebSession>> {
                let row: Option<$crate::sql::WebSessionRow> =
                    $q::query_as($crate::sql::WEB_SESSION)
                        .bind(id_hash)
                        .bind(now_ms)
                        .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok(row.map(Into::into))
            }

            async fn login_failures(&self, email_key: &str, since_ms: i64) -> $crate::Result<i64> {
                $q::query_scalar($crate::sql::COUNT_LOGIN_FAILURES)
                    .bind(email_key)
                    .bind(since_ms)
                    .fetch_one(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }

            async fn staff_by_id(&self, id: &str) -> $crate::Result<Option<$crate::Staff>> {
                let row: Option<$crate::sql::StaffRow> = $q::query_as($crate::sql::STAFF_BY_ID)
                    .bind(id)
                    .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)?;
                Ok(row.and_then($crate::sql::StaffRow::into_staff))
            }

            async fn staff_access_of(
                &self,
                customer_id: &str,
            ) -> $crate::Result<Vec<$crate::StaffAccess>> {
                let rows: Vec<$crate::sql::AccessRow> =
                    $q::query_as($crate::sql::STAFF_ACCESS_OF_CUSTOMER)
                        .bind(customer_id)
                        .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn count_staff(&self) -> $crate::Result<i64> {
                self.read_scalar($crate::sql::COUNT_STAFF).await
            }

            async fn begin(&self) -> $crate::Result<Box<dyn $crate::Tx>> {
                self.$begin().await
            }

            $(
                async fn synced(&self) -> $crate::Result<()> {
                    self.$synced().await
                }
            )?

            async fn close(&self) {
                self.$close().await
            }
        }

        impl $store {
            async fn read_list_products(
                &self,
                query: &$crate::__private::CatalogueQuery,
            ) -> $crate::Result<$crate::ProductPage> {
                use $crate::sql;
                let list = sql::list_products(query, $dialect);
                let facets = sql::facets(query, $dialect);
                let rows: Vec<sql::SummaryRow> =
                    $q::query_as_with($q::AssertSqlSafe(list.sql), $args(&list.args)?)
                        .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                let facet_rows: Vec<sql::FacetRow> =
                    $q::query_as_with($q::AssertSqlSafe(facets.sql), $args(&facets.args)?)
                        .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                        .await
                        .map_err($err)?;
                Ok(sql::into_page(rows, query.page_size, facet_rows))
            }

            async fn read_product_by_slug(
                &self,
                slug: &str,
            ) -> $crate::Result<Option<$crate::ProductDetail>> {
                use $crate::sql;
                let mut conn = self.$pool.acquire().await.map_err($err)?;
                let product: Option<sql::ProductRow> = $q::query_as(sql::PRODUCT_BY_SLUG)
                    .bind(slug)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err($err)?;
                let Some(product) = product else {
                    return Ok(None);
                };
                let variants: Vec<sql::VariantRow> = $q::query_as(sql::VARIANTS_OF_PRODUCT)
                    .bind(&product.id)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err($err)?;
                let prices: Vec<sql::PricePointRow> = $q::query_as(sql::PRICE_HISTORY_OF_PRODUCT)
                    .bind(&product.id)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err($err)?;
                Ok(Some(sql::into_detail(product, variants, prices)))
            }

            async fn read_references(
                &self,
                query: &'static str,
            ) -> $crate::Result<Vec<$crate::Reference>> {
                let rows: Vec<$crate::sql::ReferenceRow> = $q::query_as(query)
                    .fetch_all(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            /// The one order whose `column` is `key`, with its lines, in one statement (a
            /// second only when no order has lines there).
            async fn read_order(
                &self,
                column: $crate::sql::OrderKey,
                key: &str,
            ) -> $crate::Result<Option<$crate::Order>> {
                let mut conn = self.$pool.acquire().await.map_err($err)?;
                let rows: Vec<$crate::sql::OrderWithLineRow> =
                    $q::query_as($q::AssertSqlSafe($crate::sql::order_with_lines_by(column)))
                        .bind(key)
                        .fetch_all(&mut *conn)
                        .await
                        .map_err($err)?;
                if let Some(order) = $crate::sql::into_order(rows) {
                    return Ok(Some(order));
                }
                $q::query_as($q::AssertSqlSafe($crate::sql::order_by(column)))
                    .bind(key)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err($err)
            }

            async fn read_terms_in_force(
                &self,
                at_ms: i64,
            ) -> $crate::Result<Option<$crate::TermsVersion>> {
                let row: Option<$crate::sql::TermsRow> = $q::query_as($crate::sql::TERMS_IN_FORCE)
                    .bind(at_ms)
                    .fetch_optional(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)?;
                Ok(row.map(Into::into))
            }

            async fn read_scalar(&self, query: &'static str) -> $crate::Result<i64> {
                $q::query_scalar(query)
                    .fetch_one(&mut *self.$pool.acquire().await.map_err($err)?)
                    .await
                    .map_err($err)
            }
        }
    };
}

/// Implements [`crate::Tx`] for a backend's transaction wrapper (a struct whose field
/// `tx` is a `sqlx::Transaction`), given the backend's error mapping and the statement
/// that stores a product's search document (`$1` product id, `$2` folded text).
#[macro_export]
macro_rules! impl_tx {
    (
        $tx:ty,
        err = $err:path,
        dialect = $dialect:expr,
        q = $q:ident,
        insert_search = $insert_search:expr
    ) => {
        impl $tx {
            async fn order_where(
                &mut self,
                column: $crate::sql::OrderKey,
                key: &str,
            ) -> $crate::Result<Option<$crate::Order>> {
                let rows: Vec<$crate::sql::OrderWithLineRow> =
                    $q::query_as($q::AssertSqlSafe($crate::sql::order_with_lines_by(column)))
                        .bind(key)
                        .fetch_all(&mut *self.tx)
                        .await
                        .map_err($err)?;
                if let Some(order) = $crate::sql::into_order(rows) {
                    return Ok(Some(order));
                }
                $q::query_as($q::AssertSqlSafe($crate::sql::order_by(column)))
                    .bind(key)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err($err)
            }

            async fn insert_reference(
                &mut self,
                query: &'static str,
                r: &$crate::Reference,
            ) -> $crate::Result<()> {
                $q::query(query)
                    .bind(&r.slug)
                    .bind(r.position)
                    .bind(&r.name.fr)
                    .bind(&r.name.en)
                    .bind(&r.name.it)
                    .bind(&r.description.fr)
                    .bind(&r.description.en)
                    .bind(&r.description.it)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn add_price_point(
                &mut self,
                sku: &str,
                price: i64,
                from_ms: i64,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_PRICE_POINT)
                    .bind(sku)
                    .bind(price)
                    .bind(from_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }
        }

        #[$crate::async_trait]
        impl $crate::Tx for $tx {
            async fn insert_collection(&mut self, c: &$crate::Reference) -> $crate::Result<()> {
                self.insert_reference($crate::sql::INSERT_COLLECTION, c)
                    .await
            }

            async fn insert_material(&mut self, m: &$crate::Reference) -> $crate::Result<()> {
                self.insert_reference($crate::sql::INSERT_MATERIAL, m).await
            }

            async fn insert_stone(&mut self, s: &$crate::Reference) -> $crate::Result<()> {
                self.insert_reference($crate::sql::INSERT_STONE, s).await
            }

            async fn insert_product(
                &mut self,
                p: &$crate::NewProduct,
                now_ms: i64,
            ) -> $crate::Result<()> {
                use $crate::sql;
                $q::query(sql::INSERT_PRODUCT)
                    .bind(&p.id)
                    .bind(&p.slug)
                    .bind(p.position)
                    .bind(&p.kind)
                    .bind(&p.collection)
                    .bind(p.category.as_str())
                    .bind(p.lead_time_days)
                    .bind(p.personalisable)
                    .bind(&p.name.fr)
                    .bind(&p.name.en)
                    .bind(&p.name.it)
                    .bind(&p.description.fr)
                    .bind(&p.description.en)
                    .bind(&p.description.it)
                    .bind(now_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                for (position, v) in p.variants.iter().enumerate() {
                    $q::query(sql::INSERT_VARIANT)
                        .bind(&v.sku)
                        .bind(&p.id)
                        .bind(position as i64)
                        .bind(&v.metal)
                        .bind(&v.stone)
                        .bind(&v.size)
                        .bind(v.price)
                        .bind(v.list_price)
                        .bind(v.on_hand)
                        .bind(v.weight_grams)
                        .execute(&mut *self.tx)
                        .await
                        .map_err($err)?;
                    self.add_price_point(&v.sku, v.price, now_ms).await?;
                }
                $q::query($insert_search)
                    .bind(&p.id)
                    .bind(sql::search_document(p))
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn set_price(
                &mut self,
                sku: &str,
                price: i64,
                list_price: Option<i64>,
                from_ms: i64,
            ) -> $crate::Result<()> {
                let done = $q::query($crate::sql::UPDATE_PRICE)
                    .bind(sku)
                    .bind(price)
                    .bind(list_price)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                if done.rows_affected() == 0 {
                    return Err($crate::StoreError::NotFound);
                }
                self.add_price_point(sku, price, from_ms).await
            }

            async fn set_stock(&mut self, sku: &str, on_hand: i64) -> $crate::Result<()> {
                let done = $q::query($crate::sql::UPDATE_STOCK)
                    .bind(sku)
                    .bind(on_hand)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                if done.rows_affected() == 0 {
                    return Err($crate::StoreError::NotFound);
                }
                Ok(())
            }

            async fn next_invoice_seq(&mut self) -> $crate::Result<i64> {
                $q::query_scalar($crate::sql::NEXT_INVOICE_SEQ)
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err($err)
            }

            async fn insert_invoice(&mut self, i: &$crate::Invoice) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_INVOICE)
                    .bind(i.seq)
                    .bind(&i.number)
                    .bind(&i.order_id)
                    .bind(i.issued_at)
                    .bind(i.total)
                    .bind(i.archive)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn insert_payment(&mut self, p: &$crate::Payment) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_PAYMENT)
                    .bind(&p.id)
                    .bind(&p.order_id)
                    .bind(&p.provider)
                    .bind(p.amount)
                    .bind(p.status.as_str())
                    .bind(p.created_at)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn payment_in_tx(&mut self, id: &str) -> $crate::Result<Option<$crate::Payment>> {
                $q::query_as($q::AssertSqlSafe($crate::sql::payment()))
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err($err)
            }

            async fn move_payment(
                &mut self,
                id: &str,
                from: ecrin_core::payment::AttemptState,
                to: ecrin_core::payment::AttemptState,
                now_ms: i64,
            ) -> $crate::Result<bool> {
                let done = $q::query($crate::sql::MOVE_PAYMENT)
                    .bind(id)
                    .bind(from.as_str())
                    .bind(to.as_str())
                    .bind(now_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn record_callback(
                &mut self,
                event_id: &str,
                payment_id: &str,
                now_ms: i64,
            ) -> $crate::Result<bool> {
                let done = $q::query($crate::sql::RECORD_CALLBACK)
                    .bind(event_id)
                    .bind(payment_id)
                    .bind(now_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_line_reserved(
                &mut self,
                order_id: &str,
                line_no: i64,
                reserved: i64,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::SET_LINE_RESERVED)
                    .bind(order_id)
                    .bind(line_no)
                    .bind(reserved)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn lock_captured_payment(
                &mut self,
                id: &str,
                now_ms: i64,
            ) -> $crate::Result<Option<i64>> {
                $q::query_scalar($crate::sql::LOCK_CAPTURED_PAYMENT)
                    .bind(id)
                    .bind(now_ms)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err($err)
            }

            async fn refunded_total(&mut self, payment_id: &str) -> $crate::Result<i64> {
                $q::query_scalar($crate::sql::REFUNDED_TOTAL)
                    .bind(payment_id)
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err($err)
            }

            async fn refund_by_key(&mut self, key: &str) -> $crate::Result<Option<$crate::Refund>> {
                $q::query_as($q::AssertSqlSafe($crate::sql::refund_by_key()))
                    .bind(key)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err($err)
            }

            async fn insert_refund(&mut self, r: &$crate::Refund) -> $crate::Result<()> {
                $q::query($q::AssertSqlSafe($crate::sql::insert_refund()))
                    .bind(&r.id)
                    .bind(&r.key)
                    .bind(&r.order_id)
                    .bind(&r.payment_id)
                    .bind(r.amount)
                    .bind(&r.reason)
                    .bind(&r.staff_id)
                    .bind(r.status.as_str())
                    .bind(&r.provider_refund_id)
                    .bind(r.created_at)
                    .bind(r.updated_at)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn settle_refund(
                &mut self,
                id: &str,
                provider_refund_id: &str,
                now_ms: i64,
            ) -> $crate::Result<bool> {
                let done = $q::query($crate::sql::SETTLE_REFUND)
                    .bind(id)
                    .bind(provider_refund_id)
                    .bind(now_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn next_credit_note_seq(&mut self) -> $crate::Result<i64> {
                $q::query_scalar($crate::sql::NEXT_CREDIT_NOTE_SEQ)
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err($err)
            }

            async fn insert_credit_note(&mut self, c: &$crate::CreditNote) -> $crate::Result<()> {
                $q::query($q::AssertSqlSafe($crate::sql::insert_credit_note()))
                    .bind(c.seq)
                    .bind(&c.number)
                    .bind(&c.refund_id)
                    .bind(&c.order_id)
                    .bind(&c.invoice_number)
                    .bind(c.amount)
                    .bind(c.issued_at)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn put_sandbox_refund(
                &mut self,
                r: &$crate::SandboxRefund,
            ) -> $crate::Result<bool> {
                let done = $q::query($crate::sql::PUT_SANDBOX_REFUND)
                    .bind(&r.key)
                    .bind(&r.id)
                    .bind(&r.payment_id)
                    .bind(r.amount)
                    .bind(r.at)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn sandbox_refund(
                &mut self,
                key: &str,
            ) -> $crate::Result<Option<$crate::SandboxRefund>> {
                $q::query_as($crate::sql::SANDBOX_REFUND)
                    .bind(key)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err($err)
            }

            async fn sandbox_refunded(&mut self, payment_id: &str) -> $crate::Result<i64> {
                $q::query_scalar($crate::sql::SANDBOX_REFUNDED)
                    .bind(payment_id)
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err($err)
            }

            async fn put_sandbox_charge(
                &mut self,
                c: &$crate::SandboxCharge,
            ) -> $crate::Result<bool> {
                let done = $q::query($crate::sql::PUT_SANDBOX_CHARGE)
                    .bind(&c.payment_id)
                    .bind(c.amount)
                    .bind(c.status.as_str())
                    .bind(&c.card_last4)
                    .bind(c.at)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn enqueue_job(
                &mut self,
                id: &str,
                kind: &str,
                subject: &str,
                due_at: i64,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_JOB)
                    .bind(id)
                    .bind(kind)
                    .bind(subject)
                    .bind(due_at)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn claim_due_jobs(
                &mut self,
                now_ms: i64,
                lease_ms: i64,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::Job>> {
                $q::query_as($q::AssertSqlSafe($crate::sql::claim_jobs($dialect)))
                    .bind(now_ms)
                    .bind(lease_ms)
                    .bind(limit)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err($err)
            }

            async fn finish_job(&mut self, id: &str, now_ms: i64) -> $crate::Result<bool> {
                let done = $q::query($crate::sql::FINISH_JOB)
                    .bind(id)
                    .bind(now_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn postpone_job(&mut self, id: &str, due_at: i64) -> $crate::Result<()> {
                $q::query($crate::sql::POSTPONE_JOB)
                    .bind(id)
                    .bind(due_at)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn cancel_job(&mut self, kind: &str, subject: &str) -> $crate::Result<()> {
                $q::query($crate::sql::CANCEL_JOB)
                    .bind(kind)
                    .bind(subject)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn basket_added_at(&mut self, id: &str) -> $crate::Result<Option<Option<i64>>> {
                $q::query_scalar($crate::sql::BASKET_ADDED_AT)
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err($err)
            }

            async fn retry_job(
                &mut self,
                id: &str,
                retry_at_ms: i64,
                error: &str,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::RETRY_JOB)
                    .bind(id)
                    .bind(retry_at_ms)
                    .bind(error)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn order_in_tx(&mut self, number: &str) -> $crate::Result<Option<$crate::Order>> {
                self.order_where($crate::sql::OrderKey::Number, number)
                    .await
            }

            async fn order_by_id_in_tx(
                &mut self,
                id: &str,
            ) -> $crate::Result<Option<$crate::Order>> {
                self.order_where($crate::sql::OrderKey::Id, id).await
            }

            async fn apply_order_event(
                &mut self,
                order_id: &str,
                from: $crate::OrderStates,
                to: $crate::OrderStates,
                event: &$crate::OrderEvent,
            ) -> $crate::Result<bool> {
                let done = $q::query($crate::sql::APPLY_ORDER_STATES)
                    .bind(order_id)
                    .bind(from.status.as_str())
                    .bind(from.payment.as_str())
                    .bind(from.abandoned)
                    .bind(to.status.as_str())
                    .bind(to.payment.as_str())
                    .bind(to.abandoned)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
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
            ) -> $crate::Result<bool> {
                let done = $q::query($crate::sql::CANCEL_LINE_UNITS)
                    .bind(order_id)
                    .bind(line_no)
                    .bind(quantity)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_shipment(&mut self, s: &$crate::Shipment) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_SHIPMENT)
                    .bind(&s.id)
                    .bind(&s.order_id)
                    .bind(s.state.as_str())
                    .bind(&s.carrier)
                    .bind(&s.tracking_number)
                    .bind(s.shipped_at)
                    .bind(&s.shipped_by)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                for l in &s.lines {
                    $q::query($crate::sql::INSERT_SHIPMENT_LINE)
                        .bind(&s.id)
                        .bind(l.line_no)
                        .bind(l.quantity)
                        .execute(&mut *self.tx)
                        .await
                        .map_err($err)?;
                }
                Ok(())
            }

            async fn set_shipment_state(
                &mut self,
                id: &str,
                from: ecrin_core::order::ShipmentState,
                change: &$crate::ShipmentChange,
            ) -> $crate::Result<bool> {
                let done = $q::query($crate::sql::SET_SHIPMENT_STATE)
                    .bind(id)
                    .bind(from.as_str())
                    .bind(change.state.as_str())
                    .bind(change.delivered_at)
                    .bind(&change.signed_by)
                    .bind(change.returned_at)
                    .bind(&change.return_reason)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn shipments_in_tx(
                &mut self,
                order_id: &str,
            ) -> $crate::Result<Vec<$crate::Shipment>> {
                let shipments: Vec<$crate::Shipment> = $q::query_as($crate::sql::SHIPMENTS_OF)
                    .bind(order_id)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err($err)?;
                let lines: Vec<$crate::ShipmentLine> = $q::query_as($crate::sql::SHIPMENT_LINES_OF)
                    .bind(order_id)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok($crate::with_shipment_lines(shipments, lines))
            }

            async fn append_order_event(&mut self, e: &$crate::OrderEvent) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_ORDER_EVENT)
                    .bind(&e.order_id)
                    .bind(e.seq)
                    .bind(e.at)
                    .bind(&e.kind)
                    .bind(&e.data)
                    .bind(&e.prev_sha256)
                    .bind(&e.sha256)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn last_order_event(
                &mut self,
                order_id: &str,
            ) -> $crate::Result<Option<$crate::OrderEvent>> {
                $q::query_as($crate::sql::LAST_ORDER_EVENT)
                    .bind(order_id)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err($err)
            }

            async fn reserve_stock(
                &mut self,
                sku: &str,
                quantity: i64,
            ) -> $crate::Result<Option<i64>> {
                $q::query_scalar($crate::sql::RESERVE_STOCK)
                    .bind(sku)
                    .bind(quantity)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err($err)
            }

            async fn release_stock(&mut self, sku: &str, quantity: i64) -> $crate::Result<i64> {
                $q::query_scalar($crate::sql::RELEASE_STOCK)
                    .bind(sku)
                    .bind(quantity)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err($err)?
                    .ok_or($crate::StoreError::NotFound)
            }

            async fn take_checkout(
                &mut self,
                id: &str,
                order_number: &str,
            ) -> $crate::Result<bool> {
                let done = $q::query($crate::sql::TAKE_CHECKOUT)
                    .bind(id)
                    .bind(order_number)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn next_order_number(&mut self) -> $crate::Result<i64> {
                $q::query_scalar($crate::sql::next_order_number($dialect))
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err($err)
            }

            async fn insert_order(&mut self, o: &$crate::Order) -> $crate::Result<()> {
                let sql = $crate::sql::insert_order();
                $q::query($q::AssertSqlSafe(sql))
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
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                for l in &o.lines {
                    $q::query($crate::sql::INSERT_ORDER_LINE)
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
                        .execute(&mut *self.tx)
                        .await
                        .map_err($err)?;
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
            ) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_IDEMPOTENCY_KEY)
                    .bind(subject)
                    .bind(key)
                    .bind(request_sha256)
                    .bind(order_number)
                    .bind(now_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn record_order_refusal(
                &mut self,
                r: &$crate::OrderRefusal,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_ORDER_REFUSAL)
                    .bind(&r.customer_id)
                    .bind(&r.reason)
                    .bind(&r.detail)
                    .bind(&r.ip)
                    .bind(&r.staff_id)
                    .bind(r.at)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn set_dispute(&mut self, customer_id: &str, open: bool) -> $crate::Result<()> {
                $q::query($crate::sql::SET_DISPUTE)
                    .bind(customer_id)
                    .bind(open)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn set_payment_refused(
                &mut self,
                customer_id: &str,
                refused: bool,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::SET_PAYMENT_REFUSED)
                    .bind(customer_id)
                    .bind(refused)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn confirm_pickup(
                &mut self,
                number: &str,
                staff_id: &str,
                now_ms: i64,
            ) -> $crate::Result<bool> {
                let done = $q::query($crate::sql::CONFIRM_PICKUP)
                    .bind(number)
                    .bind(now_ms)
                    .bind(staff_id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_terms_version(
                &mut self,
                t: &$crate::TermsVersion,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_TERMS_VERSION)
                    .bind(&t.version)
                    .bind(t.effective_from_ms)
                    .bind(t.published_at_ms)
                    .bind(&t.body.fr)
                    .bind(&t.body.en)
                    .bind(&t.body.it)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn insert_staff(
                &mut self,
                staff: &$crate::Staff,
                email_key: &str,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_STAFF)
                    .bind(&staff.id)
                    .bind(&staff.email)
                    .bind(email_key)
                    .bind(&staff.name)
                    .bind(staff.role.as_str())
                    .bind(&staff.password_hash)
                    .bind(staff.created_at_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn insert_customer(
                &mut self,
                c: &$crate::Customer,
                email_key: &str,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_CUSTOMER)
                    .bind(&c.id)
                    .bind(&c.email)
                    .bind(email_key)
                    .bind(&c.password_hash)
                    .bind(&c.title)
                    .bind(&c.given_name)
                    .bind(&c.family_name)
                    .bind(&c.phone)
                    .bind(&c.language)
                    .bind(c.status.as_str())
                    .bind(c.created_at_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn set_customer_status(
                &mut self,
                id: &str,
                status: ecrin_core::account::AccountStatus,
                now_ms: i64,
            ) -> $crate::Result<()> {
                let activated =
                    (status == ecrin_core::account::AccountStatus::Active).then_some(now_ms);
                let done = $q::query($crate::sql::SET_CUSTOMER_STATUS)
                    .bind(id)
                    .bind(status.as_str())
                    .bind(activated)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                if done.rows_affected() == 0 {
                    return Err($crate::StoreError::NotFound);
                }
                Ok(())
            }

            async fn insert_account_token(
                &mut self,
                token_hash: &str,
                customer_id: &str,
                purpose: $crate::TokenPurpose,
                now_ms: i64,
                expires_at_ms: i64,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_ACCOUNT_TOKEN)
                    .bind(token_hash)
                    .bind(customer_id)
                    .bind(purpose.as_str())
                    .bind(now_ms)
                    .bind(expires_at_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn use_account_token(
                &mut self,
                token_hash: &str,
                purpose: $crate::TokenPurpose,
                now_ms: i64,
            ) -> $crate::Result<Option<String>> {
                $q::query_scalar($crate::sql::USE_ACCOUNT_TOKEN)
                    .bind(token_hash)
                    .bind(purpose.as_str())
                    .bind(now_ms)
                    .fetch_optional(&mut *self.tx)
                    .await
                    .map_err($err)
            }

            async fn insert_api_token(
                &mut self,
                token_hash: &str,
                subject: &$crate::Subject,
                now_ms: i64,
                expires_at_ms: i64,
            ) -> $crate::Result<()> {
                let (kind, id) = match subject {
                    $crate::Subject::Customer(id) => ("customer", id),
                    $crate::Subject::Staff(id) => ("staff", id),
                };
                $q::query($crate::sql::INSERT_API_TOKEN)
                    .bind(token_hash)
                    .bind(kind)
                    .bind(id)
                    .bind(now_ms)
                    .bind(expires_at_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn revoke_api_token(
                &mut self,
                token_hash: &str,
                now_ms: i64,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::REVOKE_API_TOKEN)
                    .bind(token_hash)
                    .bind(now_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn record_consent(
                &mut self,
                customer_id: &str,
                purpose: &str,
                granted: bool,
                wording: &str,
                now_ms: i64,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_CONSENT)
                    .bind(customer_id)
                    .bind(purpose)
                    .bind(granted)
                    .bind(wording)
                    .bind(now_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn record_security_event(
                &mut self,
                e: &$crate::SecurityEvent,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_SECURITY_EVENT)
                    .bind(e.at_ms)
                    .bind(&e.kind)
                    .bind(e.status)
                    .bind(&e.ip)
                    .bind(&e.user_agent)
                    .bind(&e.referrer)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn purge_expired(
                &mut self,
                now_ms: i64,
                security_before_ms: i64,
            ) -> $crate::Result<$crate::Purged> {
                let mut purged = Vec::new();
                use $crate::sql::Before;
                for (what, before, sql) in $crate::sql::PURGES {
                    let limit = match before {
                        Before::Now => Some(now_ms),
                        Before::SecurityLimit => Some(security_before_ms),
                        Before::DayAgo => Some(now_ms - 86_400_000),
                        Before::WeekAgo => Some(now_ms - 7 * 86_400_000),
                        Before::Orphans => None,
                    };
                    let mut query = $q::query(sql);
                    if let Some(limit) = limit {
                        query = query.bind(limit);
                    }
                    let done = query.execute(&mut *self.tx).await.map_err($err)?;
                    purged.push((what, done.rows_affected()));
                }
                Ok(purged)
            }

            async fn record_rate_event(&mut self, key: &str, now_ms: i64) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_RATE_EVENT)
                    .bind(key)
                    .bind(now_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn insert_ticket(&mut self, t: &$crate::Ticket) -> $crate::Result<()> {
                $q::query($q::AssertSqlSafe($crate::sql::insert_ticket()))
                    .bind(&t.id)
                    .bind(&t.customer_id)
                    .bind(&t.email)
                    .bind(&t.name)
                    .bind(&t.subject)
                    .bind(&t.message)
                    .bind(&t.language)
                    .bind(t.created_at_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn answer_ticket(
                &mut self,
                id: &str,
                answer: &str,
                staff_id: &str,
                now_ms: i64,
            ) -> $crate::Result<bool> {
                let done = $q::query($crate::sql::ANSWER_TICKET)
                    .bind(id)
                    .bind(answer)
                    .bind(staff_id)
                    .bind(now_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_unsubscribe_link(
                &mut self,
                token_hash: &str,
                customer_id: &str,
                now_ms: i64,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_UNSUBSCRIBE_LINK)
                    .bind(token_hash)
                    .bind(customer_id)
                    .bind(now_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn enqueue_email(&mut self, email: &$crate::Email) -> $crate::Result<()> {
                $q::query($crate::sql::ENQUEUE_EMAIL)
                    .bind(&email.id)
                    .bind(&email.to)
                    .bind(&email.subject)
                    .bind(&email.text_body)
                    .bind(&email.html_body)
                    .bind(email.created_at_ms)
                    .bind(&email.unsubscribe_url)
                    .bind(email.forget_after_send)
                    .bind(&email.attachments)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn basket_of(
                &mut self,
                owner: &$crate::BasketOwner,
            ) -> $crate::Result<Option<$crate::StoredBasket>> {
                let (sql, key) = match owner {
                    $crate::BasketOwner::Customer(id) => ($crate::sql::basket_of_customer(), id),
                    $crate::BasketOwner::Session(h) => ($crate::sql::basket_of_session(), h),
                };
                let rows: Vec<$crate::sql::BasketJoinRow> = $q::query_as($q::AssertSqlSafe(sql))
                    .bind(key)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok($crate::sql::into_basket(rows))
            }

            async fn save_basket(
                &mut self,
                b: &$crate::StoredBasket,
                now_ms: i64,
            ) -> $crate::Result<bool> {
                use $crate::sql;
                if b.version == 0 {
                    $q::query(sql::INSERT_BASKET)
                        .bind(&b.id)
                        .bind(b.owner.customer_id())
                        .bind(b.owner.session_hash())
                        .bind(b.basket.last_added_ms)
                        .bind(now_ms)
                        .execute(&mut *self.tx)
                        .await
                        .map_err($err)?;
                } else {
                    let done = $q::query(sql::UPDATE_BASKET)
                        .bind(&b.id)
                        .bind(b.version)
                        .bind(b.basket.last_added_ms)
                        .bind(now_ms)
                        .execute(&mut *self.tx)
                        .await
                        .map_err($err)?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                }
                // Only the difference with what the database holds is written: an addition
                // is one insert or one update.
                let before = if b.version == 0 {
                    &[][..]
                } else {
                    &b.stored_lines[..]
                };
                for old in before {
                    if !b.basket.lines.iter().any(|l| l.id == old.id) {
                        $q::query(sql::DELETE_BASKET_LINE)
                            .bind(&old.id)
                            .bind(&b.id)
                            .execute(&mut *self.tx)
                            .await
                            .map_err($err)?;
                    }
                }
                for (position, l) in b.basket.lines.iter().enumerate() {
                    let was = before.iter().position(|o| o.id == l.id);
                    let sql = match was {
                        None => sql::INSERT_BASKET_LINE,
                        Some(i) if i == position && before[i] == *l => continue,
                        Some(_) => sql::UPDATE_BASKET_LINE,
                    };
                    let query = $q::query(sql).bind(&l.id).bind(&b.id).bind(position as i64);
                    let query = if was.is_none() {
                        query.bind(&l.sku)
                    } else {
                        query
                    };
                    query
                        .bind(i64::from(l.quantity))
                        .bind(&l.personalisation)
                        .execute(&mut *self.tx)
                        .await
                        .map_err($err)?;
                }
                Ok(true)
            }

            async fn delete_basket(&mut self, id: &str) -> $crate::Result<()> {
                for sql in [$crate::sql::DELETE_BASKET_LINES, $crate::sql::DELETE_BASKET] {
                    $q::query(sql)
                        .bind(id)
                        .execute(&mut *self.tx)
                        .await
                        .map_err($err)?;
                }
                Ok(())
            }

            async fn insert_quote_request(
                &mut self,
                q: &$crate::QuoteRequest,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_QUOTE_REQUEST)
                    .bind(&q.id)
                    .bind(&q.customer_id)
                    .bind(&q.email)
                    .bind(&q.name)
                    .bind(&q.company)
                    .bind(&q.phone)
                    .bind(&q.message)
                    .bind(&q.lines)
                    .bind(&q.language)
                    .bind(q.created_at_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn insert_web_session(
                &mut self,
                id_hash: &str,
                session: &$crate::WebSession,
                now_ms: i64,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_WEB_SESSION)
                    .bind(id_hash)
                    .bind(&session.customer_id)
                    .bind(&session.csrf)
                    .bind(now_ms)
                    .bind(session.expires_at_ms)
                    .bind(&session.staff_id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn delete_web_session(&mut self, id_hash: &str) -> $crate::Result<()> {
                $q::query($crate::sql::DELETE_WEB_SESSION)
                    .bind(id_hash)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn insert_address(&mut self, a: &$crate::Address) -> $crate::Result<()> {
                let sql = $crate::sql::insert_address();
                $q::query($q::AssertSqlSafe(sql))
                    .bind(&a.id)
                    .bind(&a.customer_id)
                    .bind(&a.label)
                    .bind(&a.given_name)
                    .bind(&a.family_name)
                    .bind(&a.company)
                    .bind(&a.line1)
                    .bind(&a.line2)
                    .bind(&a.postcode)
                    .bind(&a.city)
                    .bind(&a.region)
                    .bind(&a.country)
                    .bind(&a.phone)
                    .bind(a.is_default)
                    .bind(a.created_at_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn update_address(&mut self, a: &$crate::Address) -> $crate::Result<bool> {
                let done = $q::query($crate::sql::UPDATE_ADDRESS)
                    .bind(&a.id)
                    .bind(&a.customer_id)
                    .bind(&a.label)
                    .bind(&a.given_name)
                    .bind(&a.family_name)
                    .bind(&a.company)
                    .bind(&a.line1)
                    .bind(&a.line2)
                    .bind(&a.postcode)
                    .bind(&a.city)
                    .bind(&a.region)
                    .bind(&a.country)
                    .bind(&a.phone)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete_address(
                &mut self,
                customer_id: &str,
                id: &str,
            ) -> $crate::Result<bool> {
                let done = $q::query($crate::sql::DELETE_ADDRESS)
                    .bind(id)
                    .bind(customer_id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_default_address(
                &mut self,
                customer_id: &str,
                id: &str,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::SET_DEFAULT_ADDRESS)
                    .bind(customer_id)
                    .bind(id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn erase_customer(
                &mut self,
                id: &str,
                email: &str,
                anonymous_email: &str,
                now_ms: i64,
            ) -> $crate::Result<()> {
                for sql in $crate::sql::ERASE_STATEMENTS {
                    $q::query(sql)
                        .bind(id)
                        .execute(&mut *self.tx)
                        .await
                        .map_err($err)?;
                }
                $q::query($crate::sql::REVOKE_ALL_CUSTOMER_TOKENS)
                    .bind(id)
                    .bind(now_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                $q::query($crate::sql::DELETE_OUTBOX_TO)
                    .bind(email)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                $q::query($crate::sql::ANONYMISE_ADDRESSES)
                    .bind(id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                $q::query($crate::sql::ANONYMISE_CUSTOMER)
                    .bind(id)
                    .bind(anonymous_email)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn update_customer_identity(
                &mut self,
                c: &$crate::Customer,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::UPDATE_CUSTOMER_IDENTITY)
                    .bind(&c.id)
                    .bind(&c.title)
                    .bind(&c.given_name)
                    .bind(&c.family_name)
                    .bind(&c.phone)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn set_customer_password(
                &mut self,
                id: &str,
                password_hash: &str,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::SET_CUSTOMER_PASSWORD)
                    .bind(id)
                    .bind(password_hash)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn end_customer_sessions(&mut self, id: &str, now_ms: i64) -> $crate::Result<()> {
                $q::query($crate::sql::REVOKE_CUSTOMER_API_TOKENS)
                    .bind(id)
                    .bind(now_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                $q::query($crate::sql::DELETE_CUSTOMER_WEB_SESSIONS)
                    .bind(id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn record_login_failure(
                &mut self,
                email_key: &str,
                now_ms: i64,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::INSERT_LOGIN_FAILURE)
                    .bind(email_key)
                    .bind(now_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn clear_login_failures(
                &mut self,
                email_key: &str,
                before_ms: i64,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::CLEAR_LOGIN_FAILURES)
                    .bind(email_key)
                    .bind(before_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn log_staff_access(
                &mut self,
                staff_id: &str,
                customer_id: &str,
                action: &str,
                now_ms: i64,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::LOG_STAFF_ACCESS)
                    .bind(staff_id)
                    .bind(customer_id)
                    .bind(action)
                    .bind(now_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn claim_due_emails(
                &mut self,
                now_ms: i64,
                lease_ms: i64,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::Email>> {
                let rows: Vec<$crate::sql::EmailRow> =
                    $q::query_as($q::AssertSqlSafe($crate::sql::claim_emails($dialect)))
                        .bind(now_ms)
                        .bind(lease_ms)
                        .bind(limit)
                        .fetch_all(&mut *self.tx)
                        .await
                        .map_err($err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn mark_email_sent(&mut self, id: &str, now_ms: i64) -> $crate::Result<()> {
                $q::query($crate::sql::FORGET_SENT_EMAIL)
                    .bind(id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                $q::query($crate::sql::MARK_EMAIL_SENT)
                    .bind(id)
                    .bind(now_ms)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn mark_email_failed(
                &mut self,
                id: &str,
                retry_at_ms: i64,
                error: &str,
            ) -> $crate::Result<()> {
                $q::query($crate::sql::MARK_EMAIL_FAILED)
                    .bind(id)
                    .bind(retry_at_ms)
                    .bind(error)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn bump_catalogue_version(&mut self) -> $crate::Result<()> {
                $q::query($crate::sql::BUMP_CATALOGUE_VERSION)
                    .execute(&mut *self.tx)
                    .await
                    .map_err($err)?;
                Ok(())
            }

            async fn commit(self: Box<Self>) -> $crate::Result<()> {
                self.tx.commit().await
            }

            async fn commit_visible(self: Box<Self>) -> $crate::Result<()> {
                self.tx.commit_visible().await
            }
        }
    };
}
