use ecrin_core::Lang;
use ecrin_core::catalogue::{Availability, Category, PricePoint};
use ecrin_core::order::{OrderState, PaymentState, ShipmentState};
use ecrin_core::payment::{AttemptState, ChargeState, RefundState};
use ecrin_core::profile::PaymentMethod;

/// A text in each language the engine speaks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Localized {
    pub fr: String,
    pub en: String,
    pub it: String,
}

impl Localized {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
            Lang::It => &self.it,
        }
    }

    pub fn all(&self) -> [&str; 3] {
        [&self.fr, &self.en, &self.it]
    }
}

/// A collection, a material or a stone: a slug and its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub slug: String,
    pub position: i64,
    pub name: Localized,
    pub description: Localized,
}

#[derive(Debug, Clone)]
pub struct NewVariant {
    pub sku: String,
    pub metal: String,
    pub stone: Option<String>,
    pub size: Option<String>,
    pub price: i64,
    pub list_price: Option<i64>,
    pub on_hand: i64,
    pub weight_grams: i64,
}

#[derive(Debug, Clone)]
pub struct NewProduct {
    pub id: String,
    pub slug: String,
    pub position: i64,
    /// ring, necklace, earrings, bracelet, pendant.
    pub kind: String,
    pub collection: String,
    pub category: Category,
    pub lead_time_days: Option<i64>,
    pub personalisable: bool,
    pub name: Localized,
    pub description: Localized,
    pub variants: Vec<NewVariant>,
    /// Extra words the search should find the product by (material and stone names).
    pub keywords: String,
}

/// One line of a catalogue page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductSummary {
    pub id: String,
    pub slug: String,
    pub position: i64,
    pub kind: String,
    pub collection: String,
    pub category: Category,
    pub name: Localized,
    pub price_from: i64,
    pub availability: Availability,
    pub lead_time_days: Option<i64>,
    pub metal: String,
    pub stone: Option<String>,
    /// Its first photograph: the hash and the widths made.
    pub photo: Option<(String, Vec<u32>)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacetCount {
    pub value: String,
    pub count: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub collection: Vec<FacetCount>,
    pub material: Vec<FacetCount>,
    pub stone: Vec<FacetCount>,
    pub availability: Vec<FacetCount>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductPage {
    pub items: Vec<ProductSummary>,
    pub facets: Facets,
    /// How many products match, over all pages.
    pub total: i64,
    /// The position to continue after, when there is a next page.
    pub next_after: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub sku: String,
    pub metal: String,
    pub stone: Option<String>,
    pub size: Option<String>,
    pub price: i64,
    pub list_price: Option<i64>,
    pub on_hand: i64,
    pub weight_grams: i64,
    /// DLV-2: the variant's own lead time, or its product's.
    pub lead_time_days: Option<i64>,
    pub availability: Availability,
    pub price_history: Vec<PricePoint>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductDetail {
    pub id: String,
    pub slug: String,
    pub kind: String,
    pub collection: String,
    pub category: Category,
    pub lead_time_days: Option<i64>,
    pub personalisable: bool,
    pub name: Localized,
    pub description: Localized,
    pub variants: Vec<Variant>,
    /// Its photographs, in their order (none: the drawing stands in).
    pub photos: Vec<crate::merchandise::ProductPhoto>,
}

/// GTS-1: a published version of the terms of sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermsVersion {
    pub version: String,
    pub effective_from_ms: i64,
    pub published_at_ms: i64,
    pub body: Localized,
}

/// PRV-8: a member of staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: ecrin_core::account::Role,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at_ms: i64,
    /// A second factor (an authenticator app) is enabled; required of admins.
    pub second_factor: bool,
}

/// A customer account (ACC-1 … ACC-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub title: String,
    pub given_name: String,
    pub family_name: String,
    pub phone: String,
    pub language: String,
    pub status: ecrin_core::account::AccountStatus,
    pub created_at_ms: i64,
    pub activated_at_ms: Option<i64>,
}

/// ACC-5: one of a customer's addresses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    pub id: String,
    pub customer_id: String,
    pub label: String,
    pub given_name: String,
    pub family_name: String,
    pub company: String,
    pub line1: String,
    pub line2: String,
    pub postcode: String,
    pub city: String,
    pub region: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub phone: String,
    /// The default delivery address.
    pub is_default: bool,
    pub created_at_ms: i64,
}

/// What an e-mailed single-use token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    Activation,
    PasswordReset,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Activation => "activation",
            TokenPurpose::PasswordReset => "password_reset",
        }
    }
}

/// Who an API token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Customer(String),
    Staff(String),
}

/// An e-mail waiting in, or sent from, the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub created_at_ms: i64,
    pub sent_at_ms: Option<i64>,
    pub attempts: i64,
    /// PRV-3: a marketing e-mail's one-click unsubscribe link (`List-Unsubscribe`).
    pub unsubscribe_url: Option<String>,
    /// PRV-4: deleted once sent (a message to a friend: the address is not kept).
    pub forget_after_send: bool,
    /// INV-1: what goes attached, as a JSON list the sender lays out (`[]`: nothing).
    pub attachments: String,
}

/// PRV-5: one attempt on a sensitive form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityEvent {
    pub at_ms: i64,
    /// The route, `POST /api/v1/sessions`.
    pub kind: String,
    pub status: i64,
    pub ip: String,
    pub user_agent: String,
    pub referrer: String,
}

/// PRV-5: the aggregate that may leave the system: attempts per day, route and status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityCount {
    /// Days since 1970-01-01.
    pub day: i64,
    pub kind: String,
    pub status: i64,
    pub count: i64,
}

/// PRV-7: how many rows a purge removed, per kind of data.
pub type Purged = Vec<(&'static str, u64)>;

/// PRV-9: a question from the contact form, and customer service's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub id: String,
    pub customer_id: Option<String>,
    pub email: String,
    pub name: String,
    pub subject: String,
    pub message: String,
    pub language: String,
    pub created_at_ms: i64,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at_ms: Option<i64>,
}

/// PRV-3: one consent given or withdrawn, with the wording the customer saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub purpose: String,
    pub granted: bool,
    pub wording: String,
    pub at_ms: i64,
}

/// Whose basket: a customer's, or a visitor's page session (by the cookie's SHA-256).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BasketOwner {
    Customer(String),
    Session(String),
}

impl BasketOwner {
    pub fn customer_id(&self) -> Option<&str> {
        match self {
            BasketOwner::Customer(id) => Some(id),
            BasketOwner::Session(_) => None,
        }
    }

    pub fn session_hash(&self) -> Option<&str> {
        match self {
            BasketOwner::Customer(_) => None,
            BasketOwner::Session(h) => Some(h),
        }
    }
}

/// BSK-5: a quote request, with the lines as the visitor saw them (JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteRequest {
    pub id: String,
    pub customer_id: Option<String>,
    pub email: String,
    pub name: String,
    pub company: String,
    pub phone: String,
    pub message: String,
    pub lines: String,
    pub language: String,
    pub created_at_ms: i64,
}

/// A stored basket: the core's basket plus its identity and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBasket {
    pub id: String,
    pub owner: BasketOwner,
    pub version: i64,
    pub basket: ecrin_core::basket::Basket,
    /// The lines the database holds at `version`: saving writes only the difference.
    pub stored_lines: Vec<ecrin_core::basket::Line>,
    /// The catalogue's version read with the basket; `None` once it may be stale.
    pub catalogue_version: Option<i64>,
}

/// A variant with what the basket and the pages need of its product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantInfo {
    pub sku: String,
    pub product_slug: String,
    pub name: Localized,
    pub category: Category,
    pub personalisable: bool,
    pub price: i64,
    pub availability: Availability,
    pub weight_grams: i64,
    pub metal: String,
    pub size: Option<String>,
    /// DLV-2: days to make a piece made to order.
    pub lead_time_days: Option<i64>,
    /// BSK-4: the longest engraving this piece takes, when shorter than the profile's.
    pub engraving_max_chars: Option<i64>,
}

/// A page session: its CSRF token and, once logged in, its customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub customer_id: Option<String>,
    /// PRV-8: a back-office session.
    pub staff_id: Option<String>,
    pub csrf: String,
    pub expires_at_ms: i64,
    /// A member of staff whose password was right, waiting for their second factor.
    pub pending_staff_id: Option<String>,
}

/// PRV-8: one access of a member of staff to a customer's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccess {
    pub staff_id: String,
    pub customer_id: String,
    pub action: String,
    pub at_ms: i64,
}

/// CHK-5: a priced summary as shown (a JSON document of the application, which also
/// holds the choices it answered), until it is ordered or expires.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Checkout {
    pub id: String,
    pub customer_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub summary: String,
    pub order_number: Option<String>,
}

/// An order as placed (CHK-7, CHK-11, CHK-12); `document` holds the summary the customer
/// accepted (addresses, delivery, gift), as a JSON document of the application.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Order {
    pub id: String,
    pub number: String,
    pub customer_id: String,
    pub status: OrderState,
    pub placed_at: i64,
    pub total: i64,
    pub vat_total: i64,
    pub delivery_charge: i64,
    pub payment_method: PaymentMethod,
    pub terms_version: String,
    pub terms_sha256: String,
    pub terms_language: String,
    pub accepted_at: i64,
    pub accepted_ip: String,
    pub accepted_user_agent: String,
    pub confirmed_by_staff_id: Option<String>,
    pub pickup_confirmed_at: Option<i64>,
    pub pickup_confirmed_by: Option<String>,
    pub document: String,
    /// PAY-2: awaited, received in full, or never to come.
    pub payment_state: PaymentState,
    /// DLV-5: twelve months returned undelivered without instructions.
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub abandoned: bool,
    /// DLV-5: the pieces returned undelivered were sent again on a new order.
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub resent: bool,
    #[serde(skip)]
    pub lines: Vec<OrderLine>,
}

impl Order {
    /// The states the order's lifecycle moves (compared and set together).
    pub fn states(&self) -> OrderStates {
        OrderStates {
            status: self.status,
            payment: self.payment_state,
            abandoned: self.abandoned,
            resent: self.resent,
        }
    }
}

/// An order's status, payment state and abandonment: what [`crate::Tx::apply_order_event`]
/// compares and sets in one statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderStates {
    pub status: OrderState,
    pub payment: PaymentState,
    pub abandoned: bool,
    pub resent: bool,
}

/// DLV-3: a parcel of an order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Shipment {
    pub id: String,
    pub order_id: String,
    pub state: ShipmentState,
    pub carrier: String,
    pub tracking_number: String,
    pub shipped_at: i64,
    pub shipped_by: Option<String>,
    pub delivered_at: Option<i64>,
    pub signed_by: Option<String>,
    pub returned_at: Option<i64>,
    pub return_reason: Option<String>,
    #[serde(skip)]
    pub lines: Vec<ShipmentLine>,
}

/// An order whose legal clocks run, with what they are computed from (the deadline board).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct OpenOrder {
    pub number: String,
    pub status: OrderState,
    pub payment_method: PaymentMethod,
    pub placed_at: i64,
    /// DLV-1: the delivery date announced in the summary accepted (`YYYY-MM-DD`), read out
    /// of it by the database: the board never carries the summaries themselves.
    pub announced_delivery: Option<String>,
    /// PAY-2: when it was paid in full (its invoice's date).
    pub paid_at: Option<i64>,
    /// DLV-5: when a parcel came back undelivered.
    pub returned_at: Option<i64>,
}

/// What becomes of a parcel in transit (DLV-5, DLV-6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentChange {
    pub state: ShipmentState,
    pub delivered_at: Option<i64>,
    pub signed_by: Option<String>,
    pub returned_at: Option<i64>,
    pub return_reason: Option<String>,
}

/// Gives each parcel its units, read for all of an order's parcels at once.
pub fn with_shipment_lines(
    mut shipments: Vec<Shipment>,
    lines: Vec<ShipmentLine>,
) -> Vec<Shipment> {
    for l in lines {
        if let Some(s) = shipments.iter_mut().find(|s| s.id == l.shipment_id) {
            s.lines.push(l);
        }
    }
    shipments
}

/// Units of one order line in a parcel.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ShipmentLine {
    pub shipment_id: String,
    pub line_no: i64,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct OrderLine {
    pub line_no: i64,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub personalisation: Option<String>,
    pub unit_price_incl_vat: i64,
    pub unit_price_excl_vat: i64,
    pub vat_rate_bp: i64,
    pub line_total_incl_vat: i64,
    pub line_total_excl_vat: i64,
    pub line_vat: i64,
    /// WDR-3.
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub withdrawable: bool,
    /// PAY-5: units taken from stock when the order was placed.
    pub reserved: i64,
    /// STK-1, STK-3: units no longer due.
    pub cancelled: i64,
    /// Units that came back after delivery.
    pub returned: i64,
}

/// An order line read with others of several orders: its order's id beside it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct LineOfOrder {
    pub order_id: String,
    #[serde(flatten)]
    pub line: OrderLine,
}

/// Gives each order its lines, read for all of them at once.
pub fn with_lines(mut orders: Vec<Order>, lines: Vec<LineOfOrder>) -> Vec<Order> {
    let mut by_order: std::collections::HashMap<String, Vec<OrderLine>> =
        std::collections::HashMap::new();
    for l in lines {
        by_order.entry(l.order_id).or_default().push(l.line);
    }
    for o in &mut orders {
        o.lines = by_order.remove(&o.id).unwrap_or_default();
    }
    orders
}

/// INV-2: an order's invoice, numbered in the merchant's one unbroken sequence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Invoice {
    pub seq: i64,
    pub number: String,
    pub order_id: String,
    pub issued_at: i64,
    pub total: i64,
    /// INV-4: a contract kept for archiving (at or above the profile's threshold).
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub archive: bool,
}

/// PAY-1, PAY-3: one attempt to pay an order by card.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Payment {
    pub id: String,
    pub order_id: String,
    pub provider: String,
    pub amount: i64,
    pub status: AttemptState,
    pub created_at: i64,
    pub updated_at: i64,
    /// PAY-1: the provider's hosted page of this attempt (Stripe: its Checkout Session).
    pub provider_ref: Option<String>,
    /// PAY-1: the payment the provider made of it (Stripe: its payment intent).
    pub provider_payment: Option<String>,
}

/// PAY-1: a refund call to a provider that takes no idempotency key, written before it is
/// made (the shop's own ledger).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ProviderRefundCall {
    /// The refund's key.
    pub key: String,
    pub payment_id: String,
    pub amount: i64,
    /// The provider's refund, once it answered.
    pub provider_refund_id: Option<String>,
    pub called_at: i64,
}

/// PAY-1: a refund asked of the payment provider, once per idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Refund {
    pub id: String,
    pub key: String,
    pub order_id: String,
    pub payment_id: String,
    pub amount: i64,
    pub reason: String,
    pub staff_id: String,
    pub status: RefundState,
    pub provider_refund_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// STK-2: where it goes when not back to its payment.
    pub destination: Option<ecrin_core::payment::RefundDestination>,
    /// For a bank transfer to an account the customer gave: its holder and IBAN (masked
    /// once sent).
    pub payee_name: Option<String>,
    pub payee_iban: Option<String>,
}

/// INV-3: the credit note of a refund, in the merchant's own sequence of credit notes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct CreditNote {
    pub seq: i64,
    pub number: String,
    pub refund_id: String,
    pub order_id: String,
    pub invoice_number: String,
    pub amount: i64,
    pub issued_at: i64,
}

/// The sandbox provider's record of a refund, by the shop's key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct SandboxRefund {
    pub key: String,
    pub id: String,
    pub payment_id: String,
    pub amount: i64,
    pub at: i64,
}

/// What the sandbox payment provider charged (its own record).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct SandboxCharge {
    pub payment_id: String,
    pub amount: i64,
    pub status: ChargeState,
    pub card_last4: String,
    pub at: i64,
}

/// Work due later: one per kind and subject (an order's number, …).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Job {
    pub id: String,
    /// `bank_transfer_expiry`, …
    pub kind: String,
    pub subject: String,
    pub due_at: i64,
    /// Claims so far, this one included.
    pub attempts: i64,
}

/// INV-5: one event of an order's history, chained to the one before it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct OrderEvent {
    pub order_id: String,
    /// 1 for the first event of an order, then each next one.
    pub seq: i64,
    pub at: i64,
    /// `placed`, `paid`, …
    pub kind: String,
    /// What the event records, as JSON.
    pub data: String,
    /// The SHA-256 of the event before it (hex), empty for the first.
    pub prev_sha256: String,
    /// This event's own SHA-256 (hex), over its fields and `prev_sha256`.
    pub sha256: String,
}

/// CHK-9: an order the shop refused, for customer service.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct OrderRefusal {
    pub customer_id: String,
    pub reason: String,
    pub detail: String,
    pub ip: String,
    /// A phone order refused while a member of staff entered it.
    pub staff_id: Option<String>,
    pub at: i64,
}

/// CHK-9: what the shop knows of a customer's standing, in one read.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct StandingRow {
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub dispute_open: bool,
    #[serde(deserialize_with = "crate::rows::int_bool")]
    pub payment_refused: bool,
    pub unpaid_orders: i64,
    pub orders_last_hour: i64,
    pub orders_last_hour_from_ip: i64,
}

/// An `Idempotency-Key` already used: the hash of the request it came with and the order
/// it created.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct IdempotentOrder {
    pub request_sha256: String,
    pub order_number: String,
}

/// The same for a flag that may be absent (NULL). A column's value is read as it comes,
/// not through a wrapper: a row's values know no newtype.
pub fn int_bool_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct Flag;
    impl<'de> serde::de::Visitor<'de> for Flag {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a boolean, an integer or null")
        }
        fn visit_none<E>(self) -> Result<Option<bool>, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Option<bool>, E> {
            Ok(None)
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<bool>, D::Error> {
            int_bool(d).map(Some)
        }
        fn visit_bool<E>(self, v: bool) -> Result<Option<bool>, E> {
            Ok(Some(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Option<bool>, E> {
            Ok(Some(v != 0))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Option<bool>, E> {
            Ok(Some(v != 0))
        }
    }
    d.deserialize_option(Flag)
}

/// Reads a flag stored as a boolean or, as SQLite keeps it, as an integer (0 is false).
pub fn int_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct Flag;
    impl serde::de::Visitor<'_> for Flag {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a boolean or an integer")
        }
        fn visit_bool<E>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_i64<E>(self, v: i64) -> Result<bool, E> {
            Ok(v != 0)
        }
        fn visit_u64<E>(self, v: u64) -> Result<bool, E> {
            Ok(v != 0)
        }
    }
    d.deserialize_any(Flag)
}
