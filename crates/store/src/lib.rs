//! The storage port of Écrin: traits both backends implement, the rows they return and
//! the one error type they raise.
//!
//! Reads go through [`Store`]; every write happens inside a [`Tx`] that the caller (a
//! use case) begins and commits, so a use case is one transaction.
#![forbid(unsafe_code)]

mod error;
mod macros;
mod rows;
pub mod sql;

pub use async_trait::async_trait;

#[doc(hidden)]
pub mod __private {
    pub use ecrin_core::query::CatalogueQuery;
}

pub use error::StoreError;
pub use rows::*;

use ecrin_core::query::CatalogueQuery;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What the one writer connection of an embedded database has done since it opened, for
/// `/metrics`: how busy it is tells whether orders wait for it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WriterStats {
    /// Write transactions that held the writer, committed or not.
    pub transactions: u64,
    /// Group commits: each committed the work of one or more transactions at once.
    pub groups: u64,
    /// Seconds the writer was held by transactions running their statements.
    pub transaction_seconds: f64,
    /// Seconds the writer spent committing groups (writing them to the log).
    pub commit_seconds: f64,
    /// Syncs of the log to disk: each made every group committed before it durable, while
    /// the writer went on with the next.
    pub syncs: u64,
    /// Seconds spent in those syncs.
    pub sync_seconds: f64,
    /// Checkpoints beside the writer that copied the log into the database file.
    pub checkpoints: u64,
    /// Seconds spent in those checkpoints.
    pub checkpoint_seconds: f64,
}

/// The papers of a set of orders (INV-2, INV-3, PAY-1), read together.
#[derive(Debug, Clone, Default)]
pub struct Papers {
    pub invoices: Vec<Invoice>,
    pub refunds: Vec<Refund>,
    pub credit_notes: Vec<CreditNote>,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// The writer's work so far, on a backend with one writer connection (SQLite); `None`
    /// where the database server has its own statistics (PostgreSQL).
    fn writer_stats(&self) -> Option<WriterStats> {
        None
    }

    /// Whether the database answers (readiness), and on SQLite whether it still takes
    /// writes (it stops after a failed sync of its log).
    async fn ping(&self) -> Result<()>;

    /// A number that changes whenever the catalogue changes, so every process can tell
    /// that its caches are stale.
    async fn catalogue_version(&self) -> Result<i64>;

    async fn count_products(&self) -> Result<i64>;

    /// CAT-5: one page of the published catalogue matching `query`, with facet counts.
    async fn list_products(&self, query: &CatalogueQuery) -> Result<ProductPage>;

    /// A published product with its variants and their price history.
    async fn product_by_slug(&self, slug: &str) -> Result<Option<ProductDetail>>;

    async fn collections(&self) -> Result<Vec<Reference>>;
    async fn materials(&self) -> Result<Vec<Reference>>;
    async fn stones(&self) -> Result<Vec<Reference>>;

    /// GTS-1: the terms version in force at `at_ms`, if any was published.
    async fn terms_in_force(&self, at_ms: i64) -> Result<Option<TermsVersion>>;

    /// The name of the version in force at `at_ms` (one short row).
    async fn terms_version_in_force(&self, at_ms: i64) -> Result<Option<String>>;
    /// CHK-7: a published version by its name.
    async fn terms_version(&self, version: &str) -> Result<Option<TermsVersion>>;
    /// Every published version, the newest effective date first.
    async fn terms_versions(&self) -> Result<Vec<TermsVersion>>;

    /// CHK-5: a priced summary by its id (of any customer: the caller checks the owner).
    async fn checkout(&self, id: &str) -> Result<Option<Checkout>>;
    /// An order with its lines.
    async fn order_by_number(&self, number: &str) -> Result<Option<Order>>;
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

    /// PRV-8: a member of staff by the key of their e-mail address.
    async fn staff_by_email(&self, email_key: &str) -> Result<Option<Staff>>;

    async fn count_staff(&self) -> Result<i64>;
    async fn staff_by_id(&self, id: &str) -> Result<Option<Staff>>;
    /// PRV-8: who of the staff looked at or changed this customer's data, oldest first.
    async fn staff_access_of(&self, customer_id: &str) -> Result<Vec<StaffAccess>>;

    /// ACC-2: a customer by the key of their e-mail address.
    async fn customer_by_email(&self, email_key: &str) -> Result<Option<Customer>>;
    async fn customer_by_id(&self, id: &str) -> Result<Option<Customer>>;
    /// A customer and their addresses (the default delivery address first), in one read.
    async fn customer_with_addresses(&self, id: &str) -> Result<Option<(Customer, Vec<Address>)>>;
    /// The customer holding a bearer token (by its SHA-256, neither expired nor revoked)
    /// and their addresses, in one read; `None` for a staff member's token too.
    async fn token_customer_with_addresses(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(Customer, Vec<Address>)>>;

    /// Who holds a bearer token (by its SHA-256), if it is neither expired nor revoked.
    async fn api_token_subject(&self, token_hash: &str, now_ms: i64) -> Result<Option<Subject>>;

    /// The outbox, newest first, optionally only the e-mails to one address.
    async fn outbox(&self, to: Option<&str>, limit: i64) -> Result<Vec<Email>>;

    /// A variant by SKU, with its product's name and rules, if it is on sale.
    async fn variant_info(&self, sku: &str) -> Result<Option<VariantInfo>>;
    /// The same for several SKUs at once; SKUs not on sale are left out.
    async fn variants_info(&self, skus: &[String]) -> Result<Vec<VariantInfo>>;

    /// BSK-4: the customer's basket, if they have one.
    async fn basket_of(&self, owner: &BasketOwner) -> Result<Option<StoredBasket>>;
    /// The same, with the catalogue's version read in the same statement (also when the
    /// customer has no basket).
    async fn basket_and_catalogue_version(
        &self,
        owner: &BasketOwner,
    ) -> Result<(Option<StoredBasket>, Option<i64>)>;
    /// PRV-3: every consent of a customer, oldest first.
    async fn consents_of(&self, customer_id: &str) -> Result<Vec<ConsentRecord>>;
    /// PRV-3: the customers who currently accept marketing e-mail.
    async fn marketing_audience(&self) -> Result<Vec<Customer>>;
    async fn unsubscribe_customer(&self, token_hash: &str) -> Result<Option<String>>;
    /// ACC-5: the default delivery address first.
    async fn addresses_of(&self, customer_id: &str) -> Result<Vec<Address>>;
    async fn quote_requests_of(&self, customer_id: &str) -> Result<Vec<QuoteRequest>>;
    /// PRV-5: attempts per day, route and status since `since_ms`.
    async fn security_counts(&self, since_ms: i64) -> Result<Vec<SecurityCount>>;
    /// PRV-5: the newest events, for an investigation inside the system.
    async fn security_events(&self, limit: i64) -> Result<Vec<SecurityEvent>>;
    /// Events of `key` after `since_ms` (limits shared by every process).
    async fn rate_events(&self, key: &str, since_ms: i64) -> Result<i64>;
    /// PRV-9: open questions first.
    async fn tickets(&self, limit: i64) -> Result<Vec<Ticket>>;
    async fn ticket_by_id(&self, id: &str) -> Result<Option<Ticket>>;
    async fn tickets_of(&self, customer_id: &str) -> Result<Vec<Ticket>>;
    /// BSK-5: the newest quote requests first.
    async fn quote_requests(&self, limit: i64) -> Result<Vec<QuoteRequest>>;

    /// A live page session by the SHA-256 of its cookie.
    async fn web_session(&self, id_hash: &str, now_ms: i64) -> Result<Option<WebSession>>;

    /// Failed logins for an address since `since_ms`.
    async fn login_failures(&self, email_key: &str, since_ms: i64) -> Result<i64>;

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
    /// An order with its lines, by its id.
    async fn order_by_id(&self, id: &str) -> Result<Option<Order>>;

    /// INV-2: an order's invoice, once paid.
    async fn invoice_of(&self, order_id: &str) -> Result<Option<Invoice>>;
    /// INV-2: every invoice, in sequence.
    async fn invoices(&self) -> Result<Vec<Invoice>>;
    /// PAY-1: an order's payment attempts, oldest first.
    async fn payments_of(&self, order_id: &str) -> Result<Vec<Payment>>;
    /// DLV-3: an order's parcels with their units, first shipped first.
    async fn shipments_of(&self, order_id: &str) -> Result<Vec<Shipment>>;
    /// The orders whose legal clocks run, oldest first (the deadline board).
    async fn open_orders(&self) -> Result<Vec<OpenOrder>>;
    /// The sandbox provider's record of a payment.
    async fn sandbox_charge(&self, payment_id: &str) -> Result<Option<SandboxCharge>>;
    /// PAY-1: an order's refunds, oldest first.
    async fn refunds_of(&self, order_id: &str) -> Result<Vec<Refund>>;
    /// INV-3: an order's credit notes, in sequence.
    async fn credit_notes_of(&self, order_id: &str) -> Result<Vec<CreditNote>>;
    /// INV-3: every credit note, in sequence.
    async fn credit_notes(&self) -> Result<Vec<CreditNote>>;
    /// The invoices, refunds and credit notes of every order of a customer.
    async fn papers_of_customer(&self, customer_id: &str) -> Result<Papers>;
    /// The same for the orders placed at or after `placed_from_ms` (a list of the newest).
    async fn papers_placed_from(&self, placed_from_ms: i64) -> Result<Papers>;

    async fn begin(&self) -> Result<Box<dyn Tx>>;

    /// Returns once every write committed so far is durable (see [`Tx::commit_visible`]).
    /// Nothing to wait for on PostgreSQL, whose commits are durable when they return.
    async fn synced(&self) -> Result<()> {
        Ok(())
    }

    /// CHK-5: keeps a priced summary, a write transaction of its own (one statement, sent
    /// in one round trip where the backend allows).
    async fn keep_checkout(&self, c: &Checkout) -> Result<()>;

    /// Closes the pools, waiting for running queries.
    async fn close(&self);
}

/// A write transaction. Dropped without [`Tx::commit`], it rolls back.
#[async_trait]
pub trait Tx: Send {
    async fn insert_collection(&mut self, c: &Reference) -> Result<()>;
    async fn insert_material(&mut self, m: &Reference) -> Result<()>;
    async fn insert_stone(&mut self, s: &Reference) -> Result<()>;
    /// Inserts a product, its variants, their first price and its search document.
    async fn insert_product(&mut self, p: &NewProduct, now_ms: i64) -> Result<()>;
    /// CAT-4, CAT-7: a new price from `from_ms` on, kept in the history.
    async fn set_price(
        &mut self,
        sku: &str,
        price: i64,
        list_price: Option<i64>,
        from_ms: i64,
    ) -> Result<()>;
    async fn set_stock(&mut self, sku: &str, on_hand: i64) -> Result<()>;
    /// INV-2: the next number of the merchant's sequence, taken for an invoice written
    /// in this transaction.
    async fn next_invoice_seq(&mut self) -> Result<i64>;
    async fn insert_invoice(&mut self, i: &Invoice) -> Result<()>;
    async fn insert_payment(&mut self, p: &Payment) -> Result<()>;
    async fn payment_in_tx(&mut self, id: &str) -> Result<Option<Payment>>;
    /// Moves a payment from `from` to `to`; `false` when it was not in `from`.
    async fn move_payment(
        &mut self,
        id: &str,
        from: ecrin_core::payment::AttemptState,
        to: ecrin_core::payment::AttemptState,
        now_ms: i64,
    ) -> Result<bool>;
    /// PAY-1: records a callback's event id; `false` when it was taken before.
    async fn record_callback(
        &mut self,
        event_id: &str,
        payment_id: &str,
        now_ms: i64,
    ) -> Result<bool>;
    /// PAY-3, PAY-5: the units an order line holds.
    async fn set_line_reserved(
        &mut self,
        order_id: &str,
        line_no: i64,
        reserved: i64,
    ) -> Result<()>;
    /// The sandbox provider records a charge; `false` when the payment was charged or
    /// refused already.
    async fn put_sandbox_charge(&mut self, c: &SandboxCharge) -> Result<bool>;
    /// PAY-1: the amount of a captured payment, locking it until the transaction ends (two
    /// refunds of one payment are weighed one after the other); `None` unless captured.
    async fn lock_captured_payment(&mut self, id: &str, now_ms: i64) -> Result<Option<i64>>;
    /// What the refunds of a payment add up to, asked or done.
    async fn refunded_total(&mut self, payment_id: &str) -> Result<i64>;
    async fn refund_by_key(&mut self, key: &str) -> Result<Option<Refund>>;
    async fn insert_refund(&mut self, r: &Refund) -> Result<()>;
    /// A pending refund the provider made; `false` when it was not pending.
    async fn settle_refund(
        &mut self,
        id: &str,
        provider_refund_id: &str,
        now_ms: i64,
    ) -> Result<bool>;
    /// INV-3: the next number of the merchant's sequence of credit notes.
    async fn next_credit_note_seq(&mut self) -> Result<i64>;
    async fn insert_credit_note(&mut self, c: &CreditNote) -> Result<()>;
    /// The sandbox's refund of `key`, made once: `false` when it exists already.
    async fn put_sandbox_refund(&mut self, r: &SandboxRefund) -> Result<bool>;
    async fn sandbox_refund(&mut self, key: &str) -> Result<Option<SandboxRefund>>;
    /// What the sandbox refunded of a payment.
    async fn sandbox_refunded(&mut self, payment_id: &str) -> Result<i64>;
    /// Schedules work, unless a job of its kind for its subject exists already.
    async fn enqueue_job(&mut self, id: &str, kind: &str, subject: &str, due_at: i64)
    -> Result<()>;
    /// Claims up to `limit` jobs due at `now_ms` for `lease_ms`.
    async fn claim_due_jobs(&mut self, now_ms: i64, lease_ms: i64, limit: i64) -> Result<Vec<Job>>;
    /// Marks a job done; `false` when another process finished it first.
    async fn finish_job(&mut self, id: &str, now_ms: i64) -> Result<bool>;
    /// Moves a job that is not due after all to `due_at`, free for any process.
    async fn postpone_job(&mut self, id: &str, due_at: i64) -> Result<()>;
    /// Removes the pending job of `kind` for `subject`, if any (its subject is gone).
    async fn cancel_job(&mut self, kind: &str, subject: &str) -> Result<()>;
    /// When the basket `id` last had a piece added: `None` when there is no such basket,
    /// `Some(None)` when nothing was ever added to it.
    async fn basket_added_at(&mut self, id: &str) -> Result<Option<Option<i64>>>;
    /// Leaves a failed job to be tried again at `retry_at_ms`.
    async fn retry_job(&mut self, id: &str, retry_at_ms: i64, error: &str) -> Result<()>;
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
    /// PAY-5: takes `quantity` units if that many remain: the units left, or `None`.
    async fn reserve_stock(&mut self, sku: &str, quantity: i64) -> Result<Option<i64>>;
    /// PAY-5: gives back `quantity` units: the units now on hand.
    async fn release_stock(&mut self, sku: &str, quantity: i64) -> Result<i64>;
    async fn insert_terms_version(&mut self, t: &TermsVersion) -> Result<()>;
    /// PRV-8. `email_key` is the address in lower case (one account per address).
    async fn insert_staff(&mut self, staff: &Staff, email_key: &str) -> Result<()>;
    async fn insert_customer(&mut self, c: &Customer, email_key: &str) -> Result<()>;
    async fn set_customer_status(
        &mut self,
        id: &str,
        status: ecrin_core::account::AccountStatus,
        now_ms: i64,
    ) -> Result<()>;
    async fn insert_account_token(
        &mut self,
        token_hash: &str,
        customer_id: &str,
        purpose: TokenPurpose,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<()>;
    /// Marks a single-use token used; the customer it belongs to, or `None` when it is
    /// unknown, expired or already used.
    async fn use_account_token(
        &mut self,
        token_hash: &str,
        purpose: TokenPurpose,
        now_ms: i64,
    ) -> Result<Option<String>>;
    async fn insert_api_token(
        &mut self,
        token_hash: &str,
        subject: &Subject,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<()>;
    async fn revoke_api_token(&mut self, token_hash: &str, now_ms: i64) -> Result<()>;
    /// PRV-3: a consent given or withdrawn, with the wording the customer saw.
    async fn record_consent(
        &mut self,
        customer_id: &str,
        purpose: &str,
        granted: bool,
        wording: &str,
        now_ms: i64,
    ) -> Result<()>;
    /// An e-mail to send once this transaction commits.
    async fn enqueue_email(&mut self, email: &Email) -> Result<()>;
    async fn record_rate_event(&mut self, key: &str, now_ms: i64) -> Result<()>;
    async fn record_security_event(&mut self, e: &SecurityEvent) -> Result<()>;
    /// PRV-7: deletes what has outlived its purpose, per kind of data.
    async fn purge_expired(&mut self, now_ms: i64, security_before_ms: i64) -> Result<Purged>;
    async fn insert_ticket(&mut self, t: &Ticket) -> Result<()>;
    /// False when the ticket is unknown or already answered.
    async fn answer_ticket(
        &mut self,
        id: &str,
        answer: &str,
        staff_id: &str,
        now_ms: i64,
    ) -> Result<bool>;
    async fn insert_unsubscribe_link(
        &mut self,
        token_hash: &str,
        customer_id: &str,
        now_ms: i64,
    ) -> Result<()>;
    /// The basket as this transaction sees it (with SQLite's single writer, the latest).
    async fn basket_of(&mut self, owner: &BasketOwner) -> Result<Option<StoredBasket>>;
    /// Saves a basket: creates it when `version` is 0, else only if it is still at
    /// `version` (compare-and-set); `false` when another request changed it first.
    async fn save_basket(&mut self, basket: &StoredBasket, now_ms: i64) -> Result<bool>;
    async fn delete_basket(&mut self, id: &str) -> Result<()>;
    async fn insert_quote_request(&mut self, q: &QuoteRequest) -> Result<()>;
    async fn insert_web_session(
        &mut self,
        id_hash: &str,
        session: &WebSession,
        now_ms: i64,
    ) -> Result<()>;
    async fn delete_web_session(&mut self, id_hash: &str) -> Result<()>;
    async fn insert_address(&mut self, a: &Address) -> Result<()>;
    /// False when the customer has no such address.
    async fn update_address(&mut self, a: &Address) -> Result<bool>;
    async fn delete_address(&mut self, customer_id: &str, id: &str) -> Result<bool>;
    async fn set_default_address(&mut self, customer_id: &str, id: &str) -> Result<()>;
    /// PRV-2: anonymises the customer: sessions, tokens, links, basket and e-mails go;
    /// addresses keep city, postcode and country; the row stays, closed, for the records
    /// the law keeps.
    async fn erase_customer(
        &mut self,
        id: &str,
        email: &str,
        anonymous_email: &str,
        now_ms: i64,
    ) -> Result<()>;
    /// PRV-2: rectification of title, names and phone.
    async fn update_customer_identity(&mut self, c: &Customer) -> Result<()>;
    async fn set_customer_password(&mut self, id: &str, password_hash: &str) -> Result<()>;
    /// Ends every API token and page session of a customer (password changed, account
    /// locked or suspended).
    async fn end_customer_sessions(&mut self, id: &str, now_ms: i64) -> Result<()>;
    async fn record_login_failure(&mut self, email_key: &str, now_ms: i64) -> Result<()>;
    /// Forgets an address's failures, and everyone's older than `before_ms`.
    async fn clear_login_failures(&mut self, email_key: &str, before_ms: i64) -> Result<()>;
    /// PRV-8: records a staff access to a customer's data.
    async fn log_staff_access(
        &mut self,
        staff_id: &str,
        customer_id: &str,
        action: &str,
        now_ms: i64,
    ) -> Result<()>;
    /// Takes up to `limit` due e-mails for delivery, leased until `now_ms + lease_ms`.
    async fn claim_due_emails(
        &mut self,
        now_ms: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Email>>;
    async fn mark_email_sent(&mut self, id: &str, now_ms: i64) -> Result<()>;
    async fn mark_email_failed(&mut self, id: &str, retry_at_ms: i64, error: &str) -> Result<()>;
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
    /// CHK-9: opens or closes a dispute with a customer.
    async fn set_dispute(&mut self, customer_id: &str, open: bool) -> Result<()>;
    /// CHK-9: the customer's last payment was refused (or, `false`, went through).
    async fn set_payment_refused(&mut self, customer_id: &str, refused: bool) -> Result<()>;
    /// CHK-12: customer service confirms a boutique pick-up; false when unknown or done.
    async fn confirm_pickup(&mut self, number: &str, staff_id: &str, now_ms: i64) -> Result<bool>;
    /// Marks the catalogue as changed for every process's caches.
    async fn bump_catalogue_version(&mut self) -> Result<()>;
    /// Keeps this transaction's work once it is durable.
    async fn commit(self: Box<Self>) -> Result<()>;
    /// Keeps this transaction's work and returns once other connections can read it,
    /// perhaps before it is durable: for a step followed at once by a [`Tx::commit`] or a
    /// [`Store::synced`] before anyone hears of it, whose sync then covers this one.
    /// PostgreSQL makes each commit durable before it returns; so does this, there.
    async fn commit_visible(self: Box<Self>) -> Result<()>;
}
