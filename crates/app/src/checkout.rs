//! Checkout and the placing of an order (CHK-1 … CHK-12, DLV-2): the priced summary is
//! computed from the basket (or, for a phone order, from the lines staff enter), kept as
//! shown, and the order is placed on it only if nothing the customer saw has changed.
//!
//! The rules themselves are pure functions of `ecrin_core` (delivery, VAT, calendar,
//! checkout); here they are applied to the store's data, in one transaction per use case.

use crate::backoffice::{require, staff};
use crate::customers::ordered_id;
use crate::fields::Checks;
use crate::privacy::{AddressForm, check_address_fields};
use crate::{App, AppError};
use ecrin_core::Lang;
use ecrin_core::Refusal;
use ecrin_core::account::{AccountStatus, Role};
use ecrin_core::catalogue::{Availability, Category};
use ecrin_core::checkout::{self as rules, LineInput, Standing};
use ecrin_core::delivery;
use ecrin_core::profile::{MethodKind, PaymentMethod};
use ecrin_core::vat::{self, Treatment};
use ecrin_store::{BasketOwner, Checkout, Customer, Order, OrderLine, OrderRefusal, VariantInfo};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A summary can be ordered for this long after it was shown.
pub const CHECKOUT_LIFETIME_MS: i64 = 2 * 3600 * 1000;
/// An order still awaiting payment after this long is an unpaid order (CHK-9).
pub const UNPAID_AFTER_MS: i64 = 3600 * 1000;
const HOUR_MS: i64 = 3600 * 1000;

/// A postal address as it goes on an order: a copy, so that later changes to the address
/// book never change a placed order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalAddress {
    pub given_name: String,
    pub family_name: String,
    pub company: String,
    pub line1: String,
    pub line2: String,
    pub postcode: String,
    pub city: String,
    pub region: String,
    pub country: String,
    pub phone: String,
}

impl PostalAddress {
    /// The lines of the address as it is written on an envelope.
    pub fn lines(&self) -> Vec<String> {
        [
            format!("{} {}", self.given_name, self.family_name),
            self.company.clone(),
            self.line1.clone(),
            self.line2.clone(),
            format!("{} {}", self.postcode, self.city),
            self.region.clone(),
            self.country.clone(),
            self.phone.clone(),
        ]
        .into_iter()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
    }
}

impl From<ecrin_store::Address> for PostalAddress {
    fn from(a: ecrin_store::Address) -> Self {
        PostalAddress {
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
        }
    }
}

/// Where an address of the checkout comes from (CHK-2).
#[derive(Debug, Clone, Default)]
pub enum AddressSource {
    /// The account's default delivery address.
    #[default]
    AccountDefault,
    /// One of the account's addresses, by id.
    Saved(String),
    Typed(Box<AddressForm>),
}

/// CHK-12: the recipient of a gift and how it is presented.
#[derive(Debug, Clone, Default)]
pub struct GiftInput {
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    pub message: String,
    pub wrapping: bool,
    pub hide_prices: bool,
}

/// What the customer chooses at checkout.
#[derive(Debug, Clone, Default)]
pub struct CheckoutInput {
    pub delivery_address: AddressSource,
    /// `None`: the delivery address (or, for a pick-up, the account's default).
    pub billing_address: Option<AddressSource>,
    /// `None`: the profile's standard method.
    pub delivery_method: Option<String>,
    pub pickup_boutique: Option<String>,
    pub gift: Option<GiftInput>,
    pub lang: Option<Lang>,
}

/// A line to order: from the basket, or entered by staff for a phone order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WantedLine {
    pub sku: String,
    pub quantity: u32,
    pub personalisation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gift {
    pub recipient_given_name: String,
    pub recipient_family_name: String,
    pub recipient_email: String,
    pub message: String,
    /// Free gift packaging.
    pub wrapping: bool,
    /// Prices left off the packing slip.
    pub hide_prices: bool,
}

/// The checkout's choices once resolved: what a summary is computed from, again at
/// confirmation (CHK-10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub lines: Vec<WantedLine>,
    /// `None` for a boutique pick-up.
    pub delivery_address: Option<PostalAddress>,
    pub billing_address: PostalAddress,
    pub method: String,
    pub pickup_boutique: Option<String>,
    pub gift: Option<Gift>,
    pub lang: Lang,
    /// CHK-11: entered by this member of staff for the customer.
    pub phone_order_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryLine {
    pub sku: String,
    pub product_slug: String,
    pub name: String,
    pub quantity: u32,
    pub personalisation: Option<String>,
    pub unit_price_excl_vat: i64,
    pub unit_price_incl_vat: i64,
    /// Basis points: 2000 is 20 %.
    pub vat_rate_bp: u32,
    /// The same as a decimal percentage: `"20.00"`.
    pub vat_rate: String,
    pub line_total_excl_vat: i64,
    pub line_vat: i64,
    pub line_total_incl_vat: i64,
    /// WDR-3: a piece made to the customer's specification or engraved is not.
    pub withdrawable: bool,
    /// PAY-5: a piece kept in stock, whose units the order takes (not made to order). Not
    /// part of what the customer is shown.
    #[serde(skip)]
    pub stocked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodView {
    pub id: String,
    pub carrier: String,
    pub boutique_pickup: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoutiqueView {
    pub id: String,
    pub name: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsRef {
    pub version: String,
    pub url: String,
    /// CHK-7: the SHA-256 of the exact text in `language`.
    pub sha256: String,
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub code: String,
    pub detail: String,
}

/// CHK-2: who orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub title: String,
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    pub phone: String,
}

/// The priced summary (CHK-5) as shown, and as kept on the order once accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub id: String,
    pub lines: Vec<SummaryLine>,
    pub method: MethodView,
    pub pickup_boutique: Option<BoutiqueView>,
    pub delivery_charge: i64,
    pub delivery_vat: i64,
    pub total_excl_vat: i64,
    pub vat_total: i64,
    pub total: i64,
    pub currency: String,
    /// `domestic`, `distance_sale` or `export` (CHK-6).
    pub vat_treatment: String,
    /// CHK-5, CHK-6: an export, delivered duties unpaid (DAP).
    pub duties_at_customer_charge: bool,
    /// DLV-2: the latest expected date, if paid now.
    pub estimated_delivery_date: String,
    pub contact: Contact,
    pub delivery_address: Option<PostalAddress>,
    pub billing_address: PostalAddress,
    pub gift: Option<Gift>,
    pub terms: TermsRef,
    pub warnings: Vec<Warning>,
    /// CHK-4: false when the order cannot be placed as one (the warnings say why).
    pub can_order: bool,
    pub payment_methods: Vec<String>,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub phone_order_by: Option<String>,
}

/// The choices a summary answered, to price them again at confirmation (CHK-10).
impl From<&Summary> for Resolved {
    fn from(s: &Summary) -> Self {
        Resolved {
            lines: s
                .lines
                .iter()
                .map(|l| WantedLine {
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    personalisation: l.personalisation.clone(),
                })
                .collect(),
            delivery_address: s.delivery_address.clone(),
            billing_address: s.billing_address.clone(),
            method: s.method.id.clone(),
            pickup_boutique: s.pickup_boutique.as_ref().map(|b| b.id.clone()),
            gift: s.gift.clone(),
            lang: s.terms.language.parse().unwrap_or(Lang::Fr),
            phone_order_by: s.phone_order_by.clone(),
        }
    }
}

fn field_error(field: &str, reason: &'static str) -> AppError {
    AppError::Invalid(vec![ecrin_core::query::FieldError {
        field: field.to_owned(),
        reason,
    }])
}

async fn active_customer(app: &App, customer_id: &str) -> Result<Customer, AppError> {
    let c = app
        .store
        .customer_by_id(customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if c.status != AccountStatus::Active {
        return Err(Refusal::forbidden("this account cannot order").into());
    }
    Ok(c)
}

fn resolve_address(
    saved: &[ecrin_store::Address],
    source: &AddressSource,
    c: &mut Checks,
    prefix: &str,
) -> Option<PostalAddress> {
    match source {
        AddressSource::AccountDefault => {
            saved.iter().find(|a| a.is_default).cloned().map(Into::into)
        }
        AddressSource::Saved(id) => {
            let found = saved.iter().find(|a| &a.id == id).cloned().map(Into::into);
            if found.is_none() {
                c.fail(&format!("{prefix}id"), "unknown_address");
            }
            found
        }
        AddressSource::Typed(form) => {
            Some(check_address_fields(c, &format!("{prefix}."), form).into())
        }
    }
}

/// Checks and resolves the customer's choices into what a summary is computed from.
fn resolve(
    app: &App,
    customer: &Customer,
    saved: &[ecrin_store::Address],
    input: &CheckoutInput,
    lines: Vec<WantedLine>,
    phone_order_by: Option<String>,
) -> Result<Resolved, AppError> {
    let p = &app.profile;
    let mut c = Checks::new();
    let method_id = input
        .delivery_method
        .clone()
        .unwrap_or_else(|| p.delivery.standard_method.clone());
    let Some(method) = p.delivery.methods.iter().find(|m| m.id == method_id) else {
        return Err(field_error("delivery_method", "unknown_method"));
    };
    let pickup = method.kind == MethodKind::BoutiquePickup;
    let boutique = match (&input.pickup_boutique, pickup) {
        (Some(b), true) => {
            if !p.delivery.boutiques.iter().any(|x| &x.id == b) {
                c.fail("pickup_boutique", "unknown_boutique");
            }
            Some(b.clone())
        }
        (None, true) => {
            c.fail("pickup_boutique", "required");
            None
        }
        (Some(_), false) => {
            c.fail("pickup_boutique", "not_a_pickup");
            None
        }
        (None, false) => None,
    };
    let delivery = if pickup {
        None
    } else {
        let a = resolve_address(saved, &input.delivery_address, &mut c, "delivery_address");
        if a.is_none() && matches!(input.delivery_address, AddressSource::AccountDefault) {
            c.fail("delivery_address", "required");
        }
        a
    };
    let billing = match &input.billing_address {
        Some(source) => resolve_address(saved, source, &mut c, "billing_address"),
        None if pickup => resolve_address(
            saved,
            &AddressSource::AccountDefault,
            &mut c,
            "billing_address",
        ),
        None => delivery.clone(),
    };
    if billing.is_none() && c.is_ok() {
        c.fail("billing_address", "required");
    }
    let gift = match &input.gift {
        None => None,
        Some(g) => {
            let given = c.line("recipient.given_name", &g.given_name, true, 100);
            let family = c.line("recipient.family_name", &g.family_name, true, 100);
            let email = c.email("recipient.email", &g.email);
            let message = c.paragraphs("gift_message", &g.message, false, 500);
            if g.wrapping && !p.delivery.gift_wrapping {
                c.fail("gift_wrapping", "not_offered");
            }
            Some(Gift {
                recipient_given_name: given,
                recipient_family_name: family,
                recipient_email: email.map(|e| e.as_str().to_owned()).unwrap_or_default(),
                message,
                wrapping: g.wrapping,
                hide_prices: g.hide_prices,
            })
        }
    };
    c.finish().map_err(AppError::Invalid)?;
    let Some(billing) = billing else {
        return Err(field_error("billing_address", "required"));
    };
    if let Some(a) = &delivery {
        delivery::check_address(
            p,
            &delivery::Address {
                line1: &a.line1,
                line2: &a.line2,
                postcode: &a.postcode,
                city: &a.city,
                country: &a.country,
            },
        )?;
    }
    if lines.is_empty() {
        return Err(Refusal::new("basket_empty", "the basket is empty").into());
    }
    let lang = input
        .lang
        .or_else(|| customer.language.parse().ok())
        .unwrap_or_else(|| p.default_lang());
    Ok(Resolved {
        lines,
        delivery_address: delivery,
        billing_address: billing,
        method: method_id,
        pickup_boutique: boutique,
        gift,
        lang,
        phone_order_by,
    })
}

fn today(app: &App) -> jiff::civil::Date {
    let zone = jiff::tz::TimeZone::get(&app.profile.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    app.clock.now().to_zoned(zone).date()
}

/// Prices `r` with the catalogue as it is now: the summary a customer sees (CHK-5, CHK-6,
/// CHK-3, CHK-4, DLV-2).
async fn price(
    app: &App,
    customer: &Customer,
    r: &Resolved,
    id: String,
    known: Option<Vec<VariantInfo>>,
) -> Result<Summary, AppError> {
    let p = &app.profile;
    let now = app.clock.now_ms();
    let variants: Vec<VariantInfo> = match known {
        Some(v) => v,
        None => {
            let skus = r.lines.iter().map(|l| l.sku.clone()).collect();
            crate::basket::variants(app, skus).await?
        }
    };
    let mut inputs = Vec::with_capacity(r.lines.len());
    let mut grams: u32 = 0;
    let mut lead_days: u32 = 0;
    for l in &r.lines {
        let v = variants
            .iter()
            .find(|v| v.sku == l.sku)
            .filter(|v| v.availability != Availability::SoldOut)
            .ok_or_else(|| {
                Refusal::new("unavailable", format!("{} is no longer available", l.sku))
            })?;
        let weight = u32::try_from(v.weight_grams).unwrap_or(u32::MAX);
        grams = grams.saturating_add(weight.saturating_mul(l.quantity));
        if v.category != Category::InStock {
            let days = v
                .lead_time_days
                .and_then(|d| u32::try_from(d).ok())
                .unwrap_or(p.catalogue.made_to_order_lead_weeks * 7);
            lead_days = lead_days.max(days);
        }
        inputs.push(LineInput {
            sku: l.sku.clone(),
            quantity: l.quantity,
            unit_price_shown: v.price,
            withdrawable: v.category != Category::CustomMade && l.personalisation.is_none(),
        });
    }
    let method = p
        .delivery
        .methods
        .iter()
        .find(|m| m.id == r.method)
        .ok_or_else(|| field_error("delivery_method", "unknown_method"))?;
    let (country, postcode) = match &r.delivery_address {
        Some(a) => (a.country.as_str(), a.postcode.as_str()),
        None => (p.country.as_str(), ""),
    };
    let mut warnings = Vec::new();
    let mut can_order = true;
    let delivery_shown = match delivery::charge(p, method, country, grams) {
        Ok(amount) => amount,
        Err(refusal) if refusal.code == "parcel_too_heavy" => {
            can_order = false;
            warnings.push(Warning {
                code: refusal.code.to_owned(),
                detail: refusal.detail,
            });
            0
        }
        Err(refusal) => return Err(refusal.into()),
    };
    let day = today(app);
    let treatment = vat::treatment(&p.country, country, postcode, day);
    let merchant_rate = vat::standard_rate(&p.country, day).unwrap_or(0);
    let s = rules::summarise(&inputs, delivery_shown, merchant_rate, treatment);
    if s.duties_at_customer_charge {
        warnings.push(Warning {
            code: "duties_at_customer_charge".into(),
            detail: "delivered outside the EU: no VAT is charged; duties and import taxes are \
                     paid by the customer on delivery (DAP)"
                .into(),
        });
    }
    let arrival = delivery::estimated_delivery(p, method, app.clock.now(), lead_days);
    let terms = crate::terms::in_force_within(app, crate::terms::SUMMARY_TERMS_MAX_AGE_MS)
        .await?
        .ok_or_else(|| AppError::Internal("no terms of sale are published".into()))?;
    let lines = s
        .lines
        .iter()
        .zip(&r.lines)
        .map(|(pl, wanted)| {
            let v = variants.iter().find(|v| v.sku == pl.sku);
            SummaryLine {
                sku: pl.sku.clone(),
                product_slug: v.map(|v| v.product_slug.clone()).unwrap_or_default(),
                name: v.map(|v| v.name.get(r.lang).to_owned()).unwrap_or_default(),
                quantity: pl.quantity,
                personalisation: wanted.personalisation.clone(),
                unit_price_excl_vat: pl.unit_price_excl_vat,
                unit_price_incl_vat: pl.unit_price_incl_vat,
                vat_rate_bp: pl.vat_rate_bp,
                vat_rate: format!("{}.{:02}", pl.vat_rate_bp / 100, pl.vat_rate_bp % 100),
                line_total_excl_vat: pl.line_total_excl_vat,
                line_vat: pl.line_vat,
                line_total_incl_vat: pl.line_total_incl_vat,
                withdrawable: pl.withdrawable,
                stocked: v.is_some_and(|v| v.category == Category::InStock),
            }
        })
        .collect();
    let phone = r
        .delivery_address
        .as_ref()
        .map(|a| a.phone.clone())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| customer.phone.clone());
    Ok(Summary {
        id,
        lines,
        method: MethodView {
            id: method.id.clone(),
            carrier: method.carrier.clone(),
            boutique_pickup: method.kind == MethodKind::BoutiquePickup,
        },
        pickup_boutique: r.pickup_boutique.as_ref().and_then(|b| {
            p.delivery
                .boutiques
                .iter()
                .find(|x| &x.id == b)
                .map(|x| BoutiqueView {
                    id: x.id.clone(),
                    name: x.name.clone(),
                    address: x.address.clone(),
                })
        }),
        delivery_charge: s.delivery_incl_vat,
        delivery_vat: s.delivery_vat,
        total_excl_vat: s.total_excl_vat,
        vat_total: s.vat_total,
        total: s.total,
        currency: "EUR".into(),
        vat_treatment: match treatment {
            Treatment::Domestic { .. } => "domestic",
            Treatment::DistanceSale { .. } => "distance_sale",
            Treatment::Export => "export",
        }
        .into(),
        duties_at_customer_charge: s.duties_at_customer_charge,
        estimated_delivery_date: arrival.to_string(),
        contact: Contact {
            title: customer.title.clone(),
            given_name: customer.given_name.clone(),
            family_name: customer.family_name.clone(),
            email: customer.email.clone(),
            phone,
        },
        delivery_address: r.delivery_address.clone(),
        billing_address: r.billing_address.clone(),
        gift: r.gift.clone(),
        terms: TermsRef {
            url: format!(
                "{}/{}/legal/terms?version={}",
                app.public_url,
                r.lang.code(),
                terms.version.version
            ),
            version: terms.version.version.clone(),
            sha256: terms.sha256.get(r.lang).to_owned(),
            language: r.lang.code().to_owned(),
        },
        warnings,
        can_order,
        payment_methods: p
            .payment
            .methods
            .iter()
            .map(|m| m.as_str().to_owned())
            .collect(),
        created_at_ms: now,
        expires_at_ms: now + CHECKOUT_LIFETIME_MS,
        phone_order_by: r.phone_order_by.clone(),
    })
}

fn to_json<T: Serialize>(v: &T) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(format!("json: {e}")))
}

fn from_json<T: for<'a> Deserialize<'a>>(s: &str) -> Result<T, AppError> {
    serde_json::from_str(s).map_err(|e| AppError::Internal(format!("json: {e}")))
}

async fn keep(app: &App, customer_id: &str, s: &Summary) -> Result<(), AppError> {
    app.store
        .keep_checkout(&Checkout {
            id: s.id.clone(),
            customer_id: customer_id.to_owned(),
            created_at: s.created_at_ms,
            expires_at: s.expires_at_ms,
            summary: to_json(s)?,
            order_number: None,
        })
        .await?;
    Ok(())
}

async fn summarise_and_keep(
    app: &App,
    customer: &Customer,
    r: &Resolved,
    known: Option<Vec<VariantInfo>>,
) -> Result<Summary, AppError> {
    let id = ordered_id(app, "chk")?;
    let s = price(app, customer, r, id, known).await?;
    keep(app, &customer.id, &s).await?;
    Ok(s)
}

/// CHK-1 … CHK-6, CHK-12, DLV-2: the priced summary of the customer's basket.
pub async fn checkout(
    app: &App,
    customer_id: &str,
    input: &CheckoutInput,
) -> Result<Summary, AppError> {
    // The customer with their addresses, and the basket: two reads, at once.
    let owner = BasketOwner::Customer(customer_id.to_owned());
    let (found, view) = tokio::try_join!(
        async { Ok::<_, AppError>(app.store.customer_with_addresses(customer_id).await?) },
        crate::basket::basket_of(app, &owner),
    )?;
    let (customer, saved) = found.ok_or(AppError::NotFound)?;
    summarise_basket(app, &customer, &saved, view, input).await
}

/// CHK-1 … CHK-6 for the customer holding a bearer token: the token, the customer and
/// their addresses in one read, then the basket. `None` when the token is no customer's
/// (unknown, expired, revoked, or a staff member's).
pub async fn checkout_by_token(
    app: &App,
    token: &str,
    input: &CheckoutInput,
) -> Result<Option<Summary>, AppError> {
    let Some((customer, saved)) = app
        .store
        .token_customer_with_addresses(&crate::customers::token_hash(token), app.clock.now_ms())
        .await?
    else {
        return Ok(None);
    };
    let owner = BasketOwner::Customer(customer.id.clone());
    let view = crate::basket::basket_of(app, &owner).await?;
    summarise_basket(app, &customer, &saved, view, input)
        .await
        .map(Some)
}

async fn summarise_basket(
    app: &App,
    customer: &Customer,
    saved: &[ecrin_store::Address],
    view: crate::basket::BasketView,
    input: &CheckoutInput,
) -> Result<Summary, AppError> {
    if customer.status != AccountStatus::Active {
        return Err(Refusal::forbidden("this account cannot order").into());
    }
    // The variants just read for the basket price it: one read of the catalogue.
    let known: Vec<VariantInfo> = view.lines.iter().map(|l| l.variant.clone()).collect();
    let lines = view
        .lines
        .into_iter()
        .map(|l| WantedLine {
            sku: l.variant.sku,
            quantity: l.quantity,
            personalisation: l.personalisation,
        })
        .collect();
    let r = resolve(app, customer, saved, input, lines, None)?;
    summarise_and_keep(app, customer, &r, Some(known)).await
}

/// A summary the customer was shown; another customer's is `not_found`.
pub async fn summary_of(app: &App, customer_id: &str, id: &str) -> Result<Summary, AppError> {
    let c = app.store.checkout(id).await?.ok_or(AppError::NotFound)?;
    if c.customer_id != customer_id {
        return Err(AppError::NotFound);
    }
    from_json(&c.summary)
}

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

async fn place(
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
    // PAY-5: a piece sold out since the summary is a conflict with another buyer.
    let fresh = price(app, &customer, &resolved, stored.id.clone(), None)
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
    if let Err(refusal) = rules::confirm_prices(&as_rules(&shown), &as_rules(&fresh)) {
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
        if !shown.stocked {
            continue;
        }
        match tx.reserve_stock(&line.sku, line.quantity).await? {
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
    // PAY-1: a card order opens its first attempt at the payment provider.
    if method == PaymentMethod::Card {
        crate::payment::open_card_payment(app, tx.as_mut(), &order.id, order.total, now).await?;
    }
    // PAY-4: a transfer not received in time cancels the order.
    if method == PaymentMethod::BankTransfer
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
    let owner = BasketOwner::Customer(customer_id.to_owned());
    // Read in the transaction: a second connection, while this one holds the order
    // counter, could wait for ever behind other orders holding all the others.
    if staff_id.is_none()
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

/// A customer's order; another customer's is `not_found`.
pub async fn order_of(app: &App, customer_id: &str, number: &str) -> Result<Order, AppError> {
    app.store
        .order_by_number(number)
        .await?
        .filter(|o| o.customer_id == customer_id)
        .ok_or(AppError::NotFound)
}

pub async fn orders_of(app: &App, customer_id: &str) -> Result<Vec<Order>, AppError> {
    Ok(app.store.orders_of(customer_id).await?)
}

/// PAY-4: what the customer needs to pay an order by bank transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferInstructions {
    pub holder: String,
    pub iban: String,
    pub bic: String,
    pub reference: String,
    pub amount: i64,
    /// The last day for the transfer to arrive.
    pub due_date: String,
}

pub fn transfer_instructions(app: &App, order: &Order) -> Option<TransferInstructions> {
    if order.payment_method != PaymentMethod::BankTransfer
        || order.status != ecrin_core::order::OrderState::AwaitingPayment
    {
        return None;
    }
    let account = app.profile.payment.bank_account.as_ref()?;
    let (due, _) = crate::payment::transfer_deadline(app, order.placed_at)?;
    Some(TransferInstructions {
        holder: account.holder.clone(),
        iban: account.iban.clone(),
        bic: account.bic.clone(),
        reference: order.number.clone(),
        amount: order.total,
        due_date: due.to_string(),
    })
}

/// The SHA-256 of a request body, to tell a replay from another request under one key.
pub fn request_sha256(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

// ---- Staff ------------------------------------------------------------------------------

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
    if !app.profile.payment.phone_orders {
        return Err(Refusal::new("not_offered", "this house does not take orders by phone").into());
    }
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
