//! Checkout and orders over the API (CHK-1 … CHK-12): the priced summary, the order placed
//! on it with `Idempotency-Key`, the customer's orders, and the staff side (terms versions,
//! phone orders, disputes, refusals, boutique pick-ups).

use super::accounts::{Bearer, BearerToken, MaybeBearer};
use super::admin::staff_id;
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ecrin_app::checkout::{
    self, AddressSource, CheckoutInput, Confirmation, GiftInput, Summary, WantedLine,
};
use ecrin_app::model::{Order, OrderRefusal, Papers, Shipment, Subject};
use ecrin_app::privacy::AddressForm;
use ecrin_core::Lang;
use serde::{Deserialize, Serialize};

/// Where a request comes from, as CHK-7 records it.
pub(crate) struct Client {
    pub ip: String,
    pub user_agent: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Client {
            ip: crate::client::of(&parts.extensions).to_string(),
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned(),
        })
    }
}

/// Money as API.md writes it everywhere: minor units and the currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MoneyDto {
    pub amount: i64,
    pub currency: &'static str,
}

/// STK-2: when a refund asked at `created_at` is due.
pub(crate) fn due_by(state: &AppState, created_at: i64, paid_at: Option<i64>) -> Option<String> {
    ecrin_core::deadlines::refund_due_by(&state.app.profile, created_at, paid_at)
        .map(|d| d.to_string())
}

/// An amount of the shop's currency.
pub(crate) fn money(state: &AppState, amount: i64) -> MoneyDto {
    MoneyDto {
        amount,
        currency: state.app.profile.currency.code(),
    }
}

/// The money fields of a summary and of its lines.
const SUMMARY_MONEY: [&str; 7] = [
    "store_credit",
    "amount_due",
    "delivery_charge",
    "delivery_vat",
    "total_excl_vat",
    "vat_total",
    "total",
];
const LINE_MONEY: [&str; 5] = [
    "unit_price_excl_vat",
    "unit_price_incl_vat",
    "line_total_excl_vat",
    "line_vat",
    "line_total_incl_vat",
];

/// The summary as the API shows it: the application's document (kept and hashed as it
/// was accepted, CHK-7), its amounts written as API.md's `{"amount", "currency"}`.
pub(crate) fn summary_json(s: &Summary) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or(serde_json::Value::Null);
    // STK-2: what the payment method pays, the shop credit deducted.
    if let Some(o) = v.as_object_mut() {
        o.insert("amount_due".into(), serde_json::json!(s.amount_due()));
    }
    let as_money = |field: &mut serde_json::Value| {
        if let Some(amount) = field.as_i64() {
            *field = serde_json::json!({"amount": amount, "currency": s.currency});
        }
    };
    for key in SUMMARY_MONEY {
        if let Some(field) = v.get_mut(key) {
            as_money(field);
        }
    }
    if let Some(lines) = v.get_mut("lines").and_then(|l| l.as_array_mut()) {
        for line in lines {
            for key in LINE_MONEY {
                if let Some(field) = line.get_mut(key) {
                    as_money(field);
                }
            }
        }
    }
    v
}

/// ACC-6: ordering needs a logged-in customer; a visitor is told to log in.
fn ordering(bearer: MaybeBearer) -> Result<Bearer, ApiError> {
    bearer.0.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "login_required",
            "Log in (POST /api/v1/sessions) to order; the basket joins the account.",
        )
    })
}

pub(crate) fn customer_id(bearer: &Bearer) -> Result<&str, ApiError> {
    match &bearer.subject {
        Subject::Customer(id) => Ok(id),
        Subject::Staff(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Orders are placed by customers (staff: the phone-order routes).",
        )),
    }
}

/// An address of the checkout: `{"id": …}` for one of the account's, or the fields.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutAddress {
    pub id: Option<String>,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    #[serde(default)]
    pub postcode: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub phone: String,
}

impl From<CheckoutAddress> for AddressSource {
    fn from(a: CheckoutAddress) -> Self {
        match a.id {
            Some(id) => AddressSource::Saved(id),
            None => AddressSource::Typed(Box::new(AddressForm {
                given_name: a.given_name,
                family_name: a.family_name,
                company: a.company,
                line1: a.line1,
                line2: a.line2,
                postcode: a.postcode,
                city: a.city,
                region: a.region,
                country: a.country,
                phone: a.phone,
                ..AddressForm::default()
            })),
        }
    }
}

/// CHK-12: the recipient of a gift.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub email: String,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// Absent: the account's default delivery address (CHK-2).
    pub delivery_address: Option<CheckoutAddress>,
    /// Absent: the delivery address.
    pub billing_address: Option<CheckoutAddress>,
    /// Absent: the profile's standard method.
    pub delivery_method: Option<String>,
    /// CHK-12: a gift to someone else, delivered to `delivery_address`.
    pub recipient: Option<Recipient>,
    pub gift_message: Option<String>,
    #[serde(default)]
    pub gift_wrapping: bool,
    /// Prices left off the gift's packing slip (default: hidden).
    pub hide_prices: Option<bool>,
    pub pickup_boutique: Option<String>,
    /// The language of the terms and names shown (default: the account's).
    #[schema(value_type = Option<String>)]
    pub lang: Option<Lang>,
    /// DLV-4: the delivery date is essential to the customer: once it is missed they may
    /// cancel at once (`POST /orders/{number}/late-delivery`).
    #[serde(default)]
    pub delivery_date_essential: bool,
}

impl From<CheckoutRequest> for CheckoutInput {
    fn from(r: CheckoutRequest) -> Self {
        let gift = match (r.recipient, r.gift_message, r.gift_wrapping) {
            (None, None, false) => None,
            (recipient, message, wrapping) => {
                let recipient = recipient.unwrap_or(Recipient {
                    given_name: String::new(),
                    family_name: String::new(),
                    email: String::new(),
                });
                Some(GiftInput {
                    given_name: recipient.given_name,
                    family_name: recipient.family_name,
                    email: recipient.email,
                    message: message.unwrap_or_default(),
                    wrapping,
                    hide_prices: r.hide_prices.unwrap_or(true),
                })
            }
        };
        CheckoutInput {
            delivery_address: r
                .delivery_address
                .map(Into::into)
                .unwrap_or(AddressSource::AccountDefault),
            billing_address: r.billing_address.map(Into::into),
            delivery_method: r.delivery_method,
            pickup_boutique: r.pickup_boutique,
            gift,
            lang: r.lang,
            delivery_date_essential: r.delivery_date_essential,
        }
    }
}

/// CHK-1 … CHK-6, CHK-12, DLV-2: the priced summary of the basket.
#[utoipa::path(post, path = "/api/v1/checkout", request_body = CheckoutRequest,
    responses((status = 201, body = Object, description = "The priced summary"),
        (status = 401, body = crate::Problem, content_type = "application/problem+json", description = "`login_required`"),
        (status = 422, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn create_checkout(
    State(state): State<AppState>,
    token: BearerToken,
    ApiJson(req): ApiJson<CheckoutRequest>,
) -> Result<Response, ApiError> {
    let input = req.into();
    // The customer is read with their token: one read fewer on the busiest route.
    if let Some(token) = &token.0
        && let Some(s) = checkout::checkout_by_token(&state.app, token, &input).await?
    {
        return Ok((StatusCode::CREATED, Json(summary_json(&s))).into_response());
    }
    // Nobody, or a token that is no customer's: the answers of every other route.
    let bearer = ordering(MaybeBearer(token.look_up(&state).await?))?;
    let s = checkout::checkout(&state.app, customer_id(&bearer)?, &input).await?;
    Ok((StatusCode::CREATED, Json(summary_json(&s))).into_response())
}

/// A summary shown earlier; another customer's is 404.
#[utoipa::path(get, path = "/api/v1/checkout/{id}", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn get_checkout(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let s = checkout::summary_of(&state.app, customer_id(&bearer)?, &id).await?;
    Ok(Json(summary_json(&s)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    pub checkout_id: String,
    /// CHK-7: "I agree to the General Terms of Sale".
    #[serde(default)]
    pub accept_terms: bool,
    /// The version shown on the summary.
    #[serde(default)]
    pub terms_version: String,
    /// CHK-7: "I confirm my order and my obligation to pay".
    #[serde(default)]
    pub confirm_obligation_to_pay: bool,
    /// `card` or `bank_transfer`, as the profile offers.
    pub payment_method: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderLineDto {
    pub id: String,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub personalisation: Option<String>,
    pub unit_price_excl_vat: MoneyDto,
    pub unit_price_incl_vat: MoneyDto,
    pub vat_rate: String,
    pub line_total_excl_vat: MoneyDto,
    pub line_vat: MoneyDto,
    pub line_total_incl_vat: MoneyDto,
    pub withdrawable: bool,
    /// `active`, `cancelled` or `returned`.
    pub status: String,
    /// Units no longer due (a stock-out, a cancellation by the house).
    pub cancelled: i64,
    /// WDR-4: units back from the customer, accepted.
    pub returned: i64,
    /// DLV-6: when the line's last unit due was delivered; its clocks start there.
    pub delivered_at: Option<String>,
    /// WDR-1: the last day to withdraw, once the whole order is delivered (the period runs
    /// from the receipt of the last piece of an order delivered in parts, Directive
    /// 2011/83/EU, art. 9(2)(b)); `None` for a piece that cannot be withdrawn (WDR-3).
    pub withdrawal_deadline: Option<String>,
    /// WAR-1: the last day of the legal warranty of conformity.
    pub warranty_until: Option<String>,
}

/// DLV-3: a parcel of the order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShipmentDto {
    pub id: String,
    pub carrier: String,
    pub tracking_number: String,
    /// The carrier's page following the parcel.
    pub tracking_url: Option<String>,
    /// `in_transit`, `delivered` or `returned_undelivered`.
    pub status: String,
    pub lines: Vec<ShipmentLineDto>,
    pub shipped_at: String,
    pub delivered_at: Option<String>,
    pub signed_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShipmentLineDto {
    pub line_id: String,
    pub quantity: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AcceptanceDto {
    pub terms_version: String,
    /// SHA-256 of the exact text accepted, in `language`.
    pub terms_sha256: String,
    pub language: String,
    pub accepted_at: String,
    pub ip: String,
    pub user_agent: String,
    /// CHK-11: a phone order, confirmed verbally to this member of staff.
    pub verbal_confirmation_by: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentDto {
    pub method: String,
    pub amount: MoneyDto,
    /// Bank-transfer instructions (IBAN, reference, due date), or for a card the payment
    /// page to send the customer to (`{"kind": "redirect", "url": …}`); null once paid.
    #[schema(value_type = Option<Object>)]
    pub next_action: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderDto {
    pub number: String,
    /// The ordering customer's account (the `customer` filter of the staff's order list).
    pub customer_id: String,
    pub status: String,
    pub placed_at: String,
    pub currency: &'static str,
    pub lines: Vec<OrderLineDto>,
    pub delivery_charge: MoneyDto,
    pub vat_total: MoneyDto,
    pub total: MoneyDto,
    pub payment: PaymentDto,
    pub acceptance: AcceptanceDto,
    /// The summary accepted: addresses, delivery, gift, estimated date.
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
    /// CHK-12: when customer service confirmed a boutique pick-up.
    pub pickup_confirmed_at: Option<String>,
    /// INV-2: the invoice, once paid.
    pub invoice: Option<InvoiceDto>,
    /// PAY-1, INV-3: refunds made, each with its credit note.
    pub refunds: Vec<RefundDto>,
    /// DLV-3: the parcels sent (the order itself; empty in lists).
    pub shipments: Vec<ShipmentDto>,
    /// STK-1 (`atelier`, `milano`): units out of stock offered to the customer's choice,
    /// and the answer once given.
    pub stock_outs: Vec<StockOutDto>,
    /// DLV-5: the order whose pieces, returned undelivered, this one sends again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redelivery_of: Option<String>,
    /// DLV-5: the new orders placed to send this order's returned pieces again (one at a
    /// time; a lapsed one is `cancelled`).
    pub redeliveries: Vec<RedeliveryDto>,
    /// WDR-2, WDR-4: the withdrawals' returns, as they stand.
    pub returns: Vec<super::withdrawals::ReturnDto>,
    /// DLV-7, WAR-1, WAR-2: the claims on the order, as they stand.
    pub claims: Vec<super::after_sales::ClaimDto>,
}

/// DLV-5: a new order sending again the pieces of an order returned undelivered.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RedeliveryDto {
    pub number: String,
    pub status: String,
    pub requested_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RefundDto {
    pub id: String,
    pub amount: MoneyDto,
    /// STK-2: the day the refund is due by (the profile's refund period from the request).
    pub due_by: Option<String>,
    /// `pending` (asked of the provider) or `succeeded`.
    pub status: String,
    pub reason: String,
    pub created_at: String,
    pub credit_note: Option<CreditNoteDto>,
    /// Where it goes when not back to the payment: `customer_choice` (STK-2, `paris`:
    /// owed, waiting for the customer to choose at `POST
    /// /api/v1/orders/{number}/refunds/{id}/destination`), `bank_transfer` (to the account
    /// they gave), `store_credit` (a credit note to spend in the shop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// For a bank transfer: the account, masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl RefundDto {
    pub(crate) fn of(
        state: &AppState,
        number: &str,
        r: &ecrin_app::model::Refund,
        note: Option<&ecrin_app::model::CreditNote>,
        paid_at: Option<i64>,
    ) -> Self {
        RefundDto {
            credit_note: note.map(|n| credit_note_dto(state, number, n)),
            created_at: rfc3339(r.created_at),
            id: r.id.clone(),
            due_by: due_by(state, r.created_at, paid_at),
            amount: money(state, r.amount),
            status: r.status.as_str().to_owned(),
            reason: r.reason.clone(),
            destination: r.destination.map(|d| d.as_str().to_owned()),
            account: r
                .payee_iban
                .as_deref()
                .map(ecrin_core::payment::masked_iban),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreditNoteDto {
    /// In the merchant's own sequence of credit notes.
    pub number: String,
    /// The invoice it corrects.
    pub invoice_number: String,
    /// The PDF (`GET`, with the customer's token).
    pub url: String,
}

/// The refunds of an order with their credit notes, as the API shows them.
fn refunds_dto(state: &AppState, o: &Order, papers: &Papers) -> Vec<RefundDto> {
    papers
        .refunds
        .iter()
        .filter(|r| r.order_id == o.id)
        .map(|r| {
            let note = papers.credit_notes.iter().find(|n| n.refund_id == r.id);
            let paid_at = papers
                .invoices
                .iter()
                .find(|i| i.order_id == o.id)
                .map(|i| i.issued_at);
            RefundDto::of(state, &o.number, r, note, paid_at)
        })
        .collect()
}

pub(crate) fn credit_note_dto(
    state: &AppState,
    number: &str,
    n: &ecrin_app::model::CreditNote,
) -> CreditNoteDto {
    CreditNoteDto {
        url: format!(
            "{}/api/v1/orders/{}/credit-notes/{}.pdf",
            state.app.public_url, number, n.number
        ),
        number: n.number.clone(),
        invoice_number: n.invoice_number.clone(),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceDto {
    /// In the merchant's one unbroken sequence.
    pub number: String,
    /// The PDF (`GET`, with the customer's token).
    pub url: String,
    /// INV-4: a contract at or above the profile's threshold, kept until delivery plus ten
    /// years.
    pub archive_until_delivery_plus_10_years: bool,
}

pub(crate) fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

pub(crate) async fn order_dto(state: &AppState, o: Order) -> Result<OrderDto, ApiError> {
    let papers = ecrin_app::documents::papers_of_order(&state.app, &o).await?;
    let shipments = ecrin_app::fulfilment::shipments(&state.app, &o).await?;
    let stock_outs = ecrin_app::cancellations::stockouts_of(&state.app, &o).await?;
    let links = ecrin_app::redelivery::links(&state.app, &o).await?;
    let returns = ecrin_app::withdrawals::of_order(&state.app, &o).await?;
    let claims = ecrin_app::claims::of_order(&state.app, &o).await?;
    let id = o.id.clone();
    let mut dto = order_dto_with(state, o, &papers, &shipments)?;
    dto.returns = returns
        .iter()
        .map(|w| super::withdrawals::return_dto(&dto.number, w))
        .collect();
    let base = format!("/api/v1/orders/{}/claims", dto.number);
    dto.claims = claims
        .iter()
        .map(|(c, p)| super::after_sales::claim_dto(&dto.number, c, p, &base))
        .collect();
    for r in links {
        if r.order_id == id {
            dto.redelivery_of = Some(r.of_order_number);
        } else {
            dto.redeliveries.push(RedeliveryDto {
                number: r.order_number,
                status: r.order_status.as_str().to_owned(),
                requested_at: rfc3339(r.created_at),
            });
        }
    }
    dto.stock_outs = stock_outs
        .into_iter()
        .map(|s| StockOutDto {
            lines: serde_json::from_str::<Vec<ecrin_core::order::Units>>(&s.lines)
                .unwrap_or_default()
                .into_iter()
                .map(|u| StockOutLineDto {
                    line_id: format!("{}-{}", dto.number, u.line_no),
                    quantity: u.quantity,
                })
                .collect(),
            offered_at: rfc3339(s.created_at),
            choice: s.choice.map(|c| c.as_str().to_owned()),
            equivalent_sku: s.equivalent_sku,
            answered_at: s.answered_at.map(rfc3339),
            id: s.id,
        })
        .collect();
    Ok(dto)
}

/// STK-1: a stock-out offered to the customer's choice.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StockOutDto {
    pub id: String,
    pub lines: Vec<StockOutLineDto>,
    pub offered_at: String,
    /// `equivalent`, `wait` or `cancel`, once answered.
    pub choice: Option<String>,
    pub equivalent_sku: Option<String>,
    pub answered_at: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StockOutLineDto {
    pub line_id: String,
    pub quantity: i64,
}

/// The day, in the merchant's time zone, of a moment.
fn merchant_day(state: &AppState, ms: i64) -> Option<jiff::civil::Date> {
    let zone = jiff::tz::TimeZone::get(&state.app.profile.time_zone).ok()?;
    Some(
        jiff::Timestamp::from_millisecond(ms)
            .ok()?
            .to_zoned(zone)
            .date(),
    )
}

/// When each line's last unit due was delivered (DLV-6), by line number.
fn delivered_at(o: &Order, shipments: &[Shipment]) -> Vec<(i64, Option<i64>)> {
    o.lines
        .iter()
        .map(|l| {
            let due = l.quantity - l.cancelled;
            let mut delivered = 0;
            let mut last = None;
            for s in shipments.iter().filter(|s| s.delivered_at.is_some()) {
                for sl in s.lines.iter().filter(|sl| sl.line_no == l.line_no) {
                    delivered += sl.quantity;
                    last = last.max(s.delivered_at);
                }
            }
            (
                l.line_no,
                (due > 0 && delivered >= due).then_some(last).flatten(),
            )
        })
        .collect()
}

/// An order as the API shows it, its papers among `papers` (read for a whole list).
fn order_dto_with(
    state: &AppState,
    o: Order,
    papers: &Papers,
    shipments: &[Shipment],
) -> Result<OrderDto, ApiError> {
    let summary = checkout::document(&o)?;
    let profile = &state.app.profile;
    let delivered = delivered_at(&o, shipments);
    let delivered_of = |line_no: i64| {
        delivered
            .iter()
            .find(|(n, _)| *n == line_no)
            .and_then(|(_, at)| *at)
    };
    // WDR-1: the window opens once the last piece is received.
    let window_from = (o.status == ecrin_core::order::OrderState::Delivered)
        .then(|| delivered.iter().filter_map(|(_, at)| *at).max())
        .flatten()
        .and_then(|at| merchant_day(state, at));
    let line_state = |l: &ecrin_app::model::OrderLine| {
        ecrin_core::order::Line {
            line_no: l.line_no,
            quantity: l.quantity,
            cancelled: l.cancelled,
            returned: l.returned,
        }
        .state()
        .as_str()
        .to_owned()
    };
    let refunds = refunds_dto(state, &o, papers);
    let invoice = papers
        .invoices
        .iter()
        .find(|i| i.order_id == o.id)
        .map(|i| InvoiceDto {
            url: format!(
                "{}/api/v1/orders/{}/invoice.pdf",
                state.app.public_url, o.number
            ),
            number: i.number.clone(),
            archive_until_delivery_plus_10_years: i.archive,
        });
    let next_action = checkout::transfer_instructions(&state.app, &o)
        .map(|t| {
            let mut instructions = serde_json::to_value(&t).unwrap_or_default();
            if let Some(field) = instructions.get_mut("amount") {
                *field = serde_json::json!(money(state, t.amount));
            }
            serde_json::json!({ "kind": "bank_transfer", "instructions": instructions })
        })
        .or_else(|| {
            // PAY-1: the payment provider's page (3-D Secure included), through the
            // shop's signed payment link.
            ecrin_app::payment::pay_link(&state.app, &o)
                .map(|url| serde_json::json!({ "kind": "redirect", "url": url }))
        });
    Ok(OrderDto {
        customer_id: o.customer_id.clone(),
        lines: o
            .lines
            .iter()
            .map(|l| OrderLineDto {
                id: format!("{}-{}", o.number, l.line_no),
                sku: l.sku.clone(),
                name: l.name.clone(),
                quantity: l.quantity,
                personalisation: l.personalisation.clone(),
                unit_price_excl_vat: money(state, l.unit_price_excl_vat),
                unit_price_incl_vat: money(state, l.unit_price_incl_vat),
                vat_rate: format!("{}.{:02}", l.vat_rate_bp / 100, l.vat_rate_bp % 100),
                line_total_excl_vat: money(state, l.line_total_excl_vat),
                line_vat: money(state, l.line_vat),
                line_total_incl_vat: money(state, l.line_total_incl_vat),
                withdrawable: l.withdrawable,
                status: line_state(l),
                cancelled: l.cancelled,
                returned: l.returned,
                delivered_at: delivered_of(l.line_no).map(rfc3339),
                withdrawal_deadline: window_from
                    .filter(|_| l.withdrawable)
                    .map(|d| ecrin_core::withdrawal::deadline(profile, d).to_string()),
                warranty_until: delivered_of(l.line_no)
                    .and_then(|at| merchant_day(state, at))
                    .map(|d| ecrin_core::withdrawal::warranty_until(profile, d).to_string()),
            })
            .collect(),
        stock_outs: Vec::new(),
        redelivery_of: None,
        redeliveries: Vec::new(),
        returns: Vec::new(),
        claims: Vec::new(),
        shipments: shipments
            .iter()
            .map(|s| ShipmentDto {
                id: s.id.clone(),
                carrier: s.carrier.clone(),
                tracking_number: s.tracking_number.clone(),
                tracking_url: ecrin_app::fulfilment::tracking_link(
                    &state.app,
                    &o,
                    &s.tracking_number,
                ),
                status: s.state.as_str().to_owned(),
                lines: s
                    .lines
                    .iter()
                    .map(|l| ShipmentLineDto {
                        line_id: format!("{}-{}", o.number, l.line_no),
                        quantity: l.quantity,
                    })
                    .collect(),
                shipped_at: rfc3339(s.shipped_at),
                delivered_at: s.delivered_at.map(rfc3339),
                signed_by: s.signed_by.clone(),
            })
            .collect(),
        placed_at: rfc3339(o.placed_at),
        currency: "EUR",
        delivery_charge: money(state, o.delivery_charge),
        vat_total: money(state, o.vat_total),
        total: money(state, o.total),
        payment: PaymentDto {
            method: o.payment_method.as_str().to_owned(),
            amount: money(state, o.total),
            next_action,
        },
        acceptance: AcceptanceDto {
            terms_version: o.terms_version.clone(),
            terms_sha256: o.terms_sha256.clone(),
            language: o.terms_language.clone(),
            accepted_at: rfc3339(o.accepted_at),
            ip: o.accepted_ip.clone(),
            user_agent: o.accepted_user_agent.clone(),
            verbal_confirmation_by: o.confirmed_by_staff_id.clone(),
        },
        summary: summary_json(&summary),
        pickup_confirmed_at: o.pickup_confirmed_at.map(rfc3339),
        invoice,
        refunds,
        number: o.number,
        status: o.status.as_str().to_owned(),
    })
}

pub(crate) fn idempotency(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Option<(String, String)>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v.to_str().unwrap_or("").trim().to_owned();
    if key.is_empty() || key.len() > 200 || key.chars().any(|c| c.is_control()) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "validation_failed",
            "Idempotency-Key: 1 to 200 printable characters.",
        ));
    }
    Ok(Some((key, checkout::request_sha256(body))))
}

pub(crate) fn parse_json<T: for<'a> Deserialize<'a>>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "validation_failed",
            format!("The body is not the expected JSON: {e}"),
        )
    })
}

async fn placed_response(state: &AppState, placed: checkout::Placed) -> Result<Response, ApiError> {
    let number = placed.order.number.clone();
    let dto = order_dto(state, placed.order).await?;
    let mut response = (StatusCode::CREATED, Json(dto)).into_response();
    if let Ok(v) = format!("/api/v1/orders/{number}").parse() {
        response.headers_mut().insert(header::LOCATION, v);
    }
    if placed.replayed {
        response.headers_mut().insert(
            "idempotent-replayed",
            axum::http::HeaderValue::from_static("true"),
        );
    }
    Ok(response)
}

/// CHK-7 … CHK-10: places the order on a summary, in `awaiting_payment`. The same
/// `Idempotency-Key` gives the first result, never a second order.
#[utoipa::path(post, path = "/api/v1/orders", request_body = OrderRequest,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = OrderDto),
        (status = 422, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn place_order(
    State(state): State<AppState>,
    bearer: MaybeBearer,
    client: Client,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let bearer = ordering(bearer)?;
    let customer = customer_id(&bearer)?;
    let idempotency = idempotency(&headers, &body)?;
    let req: OrderRequest = parse_json(&body)?;
    let placed = checkout::place_order(
        &state.app,
        customer,
        &Confirmation {
            checkout_id: req.checkout_id,
            accept_terms: req.accept_terms,
            terms_version: req.terms_version,
            confirm_obligation_to_pay: req.confirm_obligation_to_pay,
            payment_method: req.payment_method,
            ip: client.ip,
            user_agent: client.user_agent,
            idempotency,
        },
    )
    .await?;
    placed_response(&state, placed).await
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderListDto {
    pub items: Vec<OrderDto>,
    pub next: Option<String>,
}

/// The customer's orders, newest first.
/// The customer's orders, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/orders",
    params(("page[size]" = Option<u32>, Query, description = "1 to 100, default 20"),
        ("page[after]" = Option<String>, Query, description = "Cursor from `next`")),
    responses((status = 200, body = OrderListDto),
        (status = 400, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn list_orders(
    State(state): State<AppState>,
    bearer: Bearer,
    RawQuery(query): RawQuery,
) -> Result<Json<OrderListDto>, ApiError> {
    let customer = customer_id(&bearer)?;
    let pairs = crate::rawquery::parse(query.as_deref()).map_err(ApiError::validation)?;
    let given = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let page = checkout::orders_page(
        &state.app,
        customer,
        given("page[size]"),
        given("page[after]"),
    )
    .await?;
    let papers = checkout::papers_of_customer(&state.app, customer).await?;
    let items = page
        .orders
        .into_iter()
        .map(|o| order_dto_with(&state, o, &papers, &[]))
        .collect::<Result<_, _>>()?;
    Ok(Json(OrderListDto {
        items,
        next: page.next,
    }))
}

/// One of the customer's orders; another customer's is 404.
#[utoipa::path(get, path = "/api/v1/orders/{number}", params(("number" = String, Path)),
    responses((status = 200, body = OrderDto), (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn get_order(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<OrderDto>, ApiError> {
    let o = checkout::order_of(&state.app, customer_id(&bearer)?, &number).await?;
    Ok(Json(order_dto(&state, o).await?))
}

/// PAY-3: a new attempt to pay a card order whose last card was refused; its units are
/// taken again (a piece sold out since is a conflict).
#[utoipa::path(post, path = "/api/v1/orders/{number}/payments", params(("number" = String, Path)),
    responses((status = 201, body = OrderDto), (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "checkout")]
pub(crate) async fn retry_payment(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
) -> Result<Response, ApiError> {
    let o =
        ecrin_app::payment::retry_card_payment(&state.app, customer_id(&bearer)?, &number).await?;
    Ok((StatusCode::CREATED, Json(order_dto(&state, o).await?)).into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallbackTaken {
    /// `false` when this event was taken before: nothing more was done.
    pub applied: bool,
}

/// PAY-1: the payment provider's callback, signed (`Sandbox-Signature: t=…,v1=…`, HMAC-SHA256
/// of the timestamp and the body). A bad signature or one over five minutes old is 401;
/// an event sent again is taken once.
#[utoipa::path(post, path = "/api/v1/payments/callbacks/sandbox",
    responses((status = 200, body = CallbackTaken),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    tag = "checkout")]
pub(crate) async fn payment_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<CallbackTaken>, ApiError> {
    let signature = headers
        .get("sandbox-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match ecrin_app::payment::receive_callback(&state.app, signature, &body).await {
        Ok(taken) => Ok(Json(CallbackTaken {
            applied: taken == ecrin_app::payment::Taken::Applied,
        })),
        Err(e) => Err(e.into()),
    }
}

/// PAY-1: Stripe's webhook (`Stripe-Signature: t=…,v1=…`, HMAC-SHA256 of `t.` and the raw
/// body with the endpoint's secret, within five minutes). A bad signature is 400 `invalid_signature`; then the
/// shop asks Stripe for the session's or payment intent's state and acts on it, each event
/// once (`applied: false` for one taken before or with nothing to do). Stripe unreachable
/// meanwhile is 503, and Stripe sends the event again. 404 unless Stripe is the shop's
/// provider.
#[utoipa::path(post, path = "/api/v1/payments/stripe/webhook",
    responses((status = 200, body = CallbackTaken),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 503, body = crate::Problem, content_type = "application/problem+json")),
    tag = "checkout")]
pub(crate) async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<CallbackTaken>, ApiError> {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let taken = ecrin_app::stripe::webhook(&state.app, signature, &body).await?;
    Ok(Json(CallbackTaken {
        applied: taken == ecrin_app::payment::Taken::Applied,
    }))
}

/// PAY-1: Lyra's Instant Payment Notification (`application/x-www-form-urlencoded`:
/// `kr-hash`, `kr-hash-algorithm`, `kr-hash-key`, `kr-answer-type`, `kr-answer`). The hash
/// is checked over the raw answer with the account's password (400 `invalid_signature`
/// otherwise); each
/// transaction's status is taken once (`applied: false` for one taken before or with
/// nothing to do). A failure meanwhile is non-2xx, and Lyra sends the notification again.
/// 404 unless Lyra is the shop's provider.
#[utoipa::path(post, path = "/api/v1/payments/lyra/ipn",
    request_body(content_type = "application/x-www-form-urlencoded", content = String),
    responses((status = 200, body = CallbackTaken),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 503, body = crate::Problem, content_type = "application/problem+json")),
    tag = "checkout")]
pub(crate) async fn lyra_ipn(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<CallbackTaken>, ApiError> {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let posted =
        ecrin_app::lyra::Posted::from_fields(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let taken = ecrin_app::lyra::ipn(&state.app, &posted).await?;
    Ok(Json(CallbackTaken {
        applied: taken == ecrin_app::payment::Taken::Applied,
    }))
}

// ---- Staff ------------------------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermsBody {
    pub fr: String,
    pub en: String,
    pub it: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishTermsRequest {
    pub version: String,
    /// RFC 3339; absent: now.
    pub effective_from: Option<String>,
    pub body: TermsBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TermsVersionDto {
    pub version: String,
    pub effective_from: String,
    pub published_at: String,
    /// SHA-256 of each language's text.
    #[schema(value_type = Object)]
    pub sha256: serde_json::Value,
}

/// CHK-7, CHK-8: publishes a new version of the terms (admin); placed orders keep theirs.
#[utoipa::path(post, path = "/api/v1/admin/terms", request_body = PublishTermsRequest,
    responses((status = 201, body = TermsVersionDto),
        (status = 400, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn publish_terms(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiJson(req): ApiJson<PublishTermsRequest>,
) -> Result<Response, ApiError> {
    let staff = staff_id(&bearer)?;
    let effective = match req.effective_from.as_deref() {
        None => state.app.clock.now_ms(),
        Some(text) => text
            .parse::<jiff::Timestamp>()
            .map_err(|_| {
                ApiError::validation(vec![ecrin_core::query::FieldError {
                    field: "effective_from".into(),
                    reason: "invalid_date",
                }])
            })?
            .as_millisecond(),
    };
    let t = ecrin_app::terms::publish(
        &state.app,
        staff,
        &req.version,
        effective,
        ecrin_app::model::Localized {
            fr: req.body.fr,
            en: req.body.en,
            it: req.body.it,
        },
    )
    .await?;
    let sha = |s: &str| ecrin_app::terms::sha256(s);
    Ok((
        StatusCode::CREATED,
        Json(TermsVersionDto {
            effective_from: rfc3339(t.effective_from_ms),
            published_at: rfc3339(t.published_at_ms),
            sha256: serde_json::json!({
                "fr": sha(&t.body.fr), "en": sha(&t.body.en), "it": sha(&t.body.it)
            }),
            version: t.version,
        }),
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeRequest {
    pub open: bool,
}

/// CHK-9: opens or closes a dispute with a customer; an open one refuses new orders.
#[utoipa::path(put, path = "/api/v1/admin/customers/{id}/dispute", request_body = DisputeRequest,
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn set_dispute(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<DisputeRequest>,
) -> Result<StatusCode, ApiError> {
    checkout::set_dispute(&state.app, staff_id(&bearer)?, &id, req.open).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RefusalDto {
    pub customer_id: String,
    pub code: String,
    pub detail: String,
    pub ip: String,
    pub staff_id: Option<String>,
    pub at: String,
}

impl From<OrderRefusal> for RefusalDto {
    fn from(r: OrderRefusal) -> Self {
        RefusalDto {
            customer_id: r.customer_id,
            code: r.reason,
            detail: r.detail,
            ip: r.ip,
            staff_id: r.staff_id,
            at: rfc3339(r.at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RefusalListDto {
    pub items: Vec<RefusalDto>,
}

/// CHK-9: the orders the shop refused, newest first (customer service, admin).
#[utoipa::path(get, path = "/api/v1/admin/order-refusals",
    responses((status = 200, body = RefusalListDto)), security(("bearer" = [])), tag = "staff")]
pub(crate) async fn order_refusals(
    State(state): State<AppState>,
    bearer: Bearer,
) -> Result<Json<RefusalListDto>, ApiError> {
    let items = checkout::refusals(&state.app, staff_id(&bearer)?, None).await?;
    Ok(Json(RefusalListDto {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// One event of an order's history (INV-5).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderEventDto {
    pub seq: i64,
    pub at: String,
    /// `placed`, `paid`, `invoiced`, `cancelled`, `transfer_not_applied`, …
    pub kind: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// SHA-256 of this event's fields and of `prev_sha256`.
    pub sha256: String,
    pub prev_sha256: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderEventListDto {
    pub items: Vec<OrderEventDto>,
}

/// INV-5: an order's history, first event to last (admin, customer service, accountant).
#[utoipa::path(get, path = "/api/v1/admin/orders/{number}/events",
    params(("number" = String, Path)),
    responses((status = 200, body = OrderEventListDto),
              (status = 404, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn order_events(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<OrderEventListDto>, ApiError> {
    let events = checkout::history(&state.app, staff_id(&bearer)?, &number).await?;
    let items = events
        .into_iter()
        .map(|e| OrderEventDto {
            seq: e.seq,
            at: rfc3339(e.at),
            kind: e.kind,
            data: serde_json::from_str(&e.data).unwrap_or(serde_json::Value::String(e.data)),
            sha256: e.sha256,
            prev_sha256: e.prev_sha256,
        })
        .collect();
    Ok(Json(OrderEventListDto { items }))
}

/// The order list (staff), newest first: filtered by `status`, by the days placed
/// (`from`, `to`, `YYYY-MM-DD` in the house's calendar) and by `customer`, searched by
/// order number or e-mail address (`q`), a page of `limit` (50) at a time; `next` is the
/// `cursor` of the following page.
#[utoipa::path(get, path = "/api/v1/admin/orders",
    params(
        ("status" = Option<String>, Query), ("from" = Option<String>, Query),
        ("to" = Option<String>, Query), ("customer" = Option<String>, Query),
        ("q" = Option<String>, Query), ("cursor" = Option<String>, Query),
        ("limit" = Option<i64>, Query)),
    responses((status = 200, body = OrderListDto), (status = 400, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn admin_orders(
    State(state): State<AppState>,
    bearer: Bearer,
    RawQuery(raw): RawQuery,
) -> Result<Json<OrderListDto>, ApiError> {
    let filter = crate::rawquery::order_filter(raw.as_deref()).map_err(ApiError::validation)?;
    let list = checkout::order_list(&state.app, staff_id(&bearer)?, &filter).await?;
    let papers = checkout::papers_of_recent(&state.app, &list.orders).await?;
    let items = list
        .orders
        .into_iter()
        .map(|o| order_dto_with(&state, o, &papers, &[]))
        .collect::<Result<_, _>>()?;
    Ok(Json(OrderListDto {
        items,
        next: list.next,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneLine {
    pub sku: String,
    pub quantity: u32,
    pub personalisation: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneCheckoutRequest {
    pub lines: Vec<PhoneLine>,
    #[serde(flatten)]
    pub checkout: CheckoutRequest,
}

/// CHK-11 (`milano`): customer service prices an order for a customer on the phone.
#[utoipa::path(post, path = "/api/v1/admin/customers/{id}/checkout",
    request_body = PhoneCheckoutRequest, params(("id" = String, Path)),
    responses((status = 201, body = Object), (status = 422, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn phone_checkout(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(id): ApiPath<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let staff = staff_id(&bearer)?;
    let req: PhoneCheckoutRequest = parse_json(&body)?;
    let lines = req
        .lines
        .into_iter()
        .map(|l| WantedLine {
            sku: l.sku,
            quantity: l.quantity,
            personalisation: l.personalisation,
        })
        .collect();
    let s = checkout::phone_checkout(&state.app, staff, &id, lines, &req.checkout.into()).await?;
    Ok((StatusCode::CREATED, Json(summary_json(&s))).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneOrderRequest {
    pub checkout_id: String,
    /// CHK-11: the customer confirmed the order, the terms and the obligation to pay aloud.
    #[serde(default)]
    pub verbal_confirmation: bool,
    #[serde(default)]
    pub terms_version: String,
    pub payment_method: String,
}

/// CHK-11: places the phone order; the verbal confirmation is recorded with the staff id.
#[utoipa::path(post, path = "/api/v1/admin/customers/{id}/orders", request_body = PhoneOrderRequest,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = OrderDto), (status = 422, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn phone_order(
    State(state): State<AppState>,
    bearer: Bearer,
    client: Client,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let staff = staff_id(&bearer)?;
    let idempotency = idempotency(&headers, &body)?;
    let req: PhoneOrderRequest = parse_json(&body)?;
    let placed = checkout::place_phone_order(
        &state.app,
        staff,
        &id,
        &Confirmation {
            checkout_id: req.checkout_id,
            accept_terms: req.verbal_confirmation,
            terms_version: req.terms_version,
            confirm_obligation_to_pay: req.verbal_confirmation,
            payment_method: req.payment_method,
            ip: client.ip,
            user_agent: client.user_agent,
            idempotency,
        },
    )
    .await?;
    placed_response(&state, placed).await
}

/// CHK-12 (`milano`): customer service confirms a boutique pick-up.
#[utoipa::path(post, path = "/api/v1/admin/orders/{number}/confirm-pickup",
    params(("number" = String, Path)),
    responses((status = 200, body = OrderDto), (status = 422, body = crate::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])), tag = "staff")]
pub(crate) async fn confirm_pickup(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<OrderDto>, ApiError> {
    let o = checkout::confirm_pickup(&state.app, staff_id(&bearer)?, &number).await?;
    Ok(Json(order_dto(&state, o).await?))
}
