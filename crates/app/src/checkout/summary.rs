//! CHK-1 … CHK-6, CHK-12, DLV-2: the customer's choices checked and priced into the
//! summary they are shown, kept as shown for the order to be placed on.

use super::*;

/// A summary can be ordered for this long after it was shown.
pub const CHECKOUT_LIFETIME_MS: i64 = 2 * 3600 * 1000;
/// An order still awaiting payment after this long is an unpaid order (CHK-9).
pub const UNPAID_AFTER_MS: i64 = 3600 * 1000;
pub(super) const HOUR_MS: i64 = 3600 * 1000;

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
    /// DLV-4: the customer declares the delivery date essential to them: once it is
    /// missed, they may cancel at once.
    pub delivery_date_essential: bool,
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
    /// DLV-5: the order whose pieces, returned undelivered, this one sends again.
    pub redelivery_of: Option<String>,
    /// DLV-4: the delivery date declared essential.
    pub delivery_date_essential: bool,
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
    /// DLV-5: the order whose pieces, returned undelivered, this one sends again (its
    /// units are those the house holds, none taken from stock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redelivery_of: Option<String>,
    /// STK-2 (`paris`): what the customer's credit with the shop pays of the total; the
    /// rest (`total - store_credit`) is paid by the method chosen.
    #[serde(default)]
    pub store_credit: i64,
    /// DLV-4: the customer declared the delivery date essential: once the latest delivery
    /// date is missed, they may cancel at once, without setting an additional deadline.
    #[serde(default)]
    pub delivery_date_essential: bool,
}

impl Summary {
    /// What the payment method chosen pays: the total less the shop credit spent.
    pub fn amount_due(&self) -> i64 {
        self.total - self.store_credit
    }
}

/// What an order's payment method pays (or paid): its total less the shop credit it spent
/// (STK-2).
pub fn amount_due(order: &Order) -> i64 {
    order.total - document(order).map(|d| d.store_credit).unwrap_or(0)
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
            redelivery_of: s.redelivery_of.clone(),
            delivery_date_essential: s.delivery_date_essential,
        }
    }
}

pub(super) fn field_error(field: &str, reason: &'static str) -> AppError {
    AppError::Invalid(vec![ecrin_core::query::FieldError {
        field: field.to_owned(),
        reason,
    }])
}

pub(super) async fn active_customer(app: &App, customer_id: &str) -> Result<Customer, AppError> {
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
pub(super) fn resolve(
    app: &App,
    customer: &Customer,
    saved: &[ecrin_store::Address],
    input: &CheckoutInput,
    lines: Vec<WantedLine>,
    phone_order_by: Option<String>,
) -> Result<Resolved, AppError> {
    let p = &app.profile;
    let mut c = Checks::new();
    let method = rules::delivery_method(p, input.delivery_method.as_deref())
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let method_id = method.id.clone();
    let pickup = method.kind == MethodKind::BoutiquePickup;
    let boutique = rules::pickup_boutique(p, method, input.pickup_boutique.as_deref())
        .unwrap_or_else(|e| {
            c.fail(&e.field, e.reason);
            None
        });
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
            if let Err(e) = rules::gift_wrapping(p, g.wrapping) {
                c.fail(&e.field, e.reason);
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
        redelivery_of: None,
        delivery_date_essential: input.delivery_date_essential,
    })
}

fn today(app: &App) -> jiff::civil::Date {
    let zone = jiff::tz::TimeZone::get(&app.profile.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    app.clock.now().to_zoned(zone).date()
}

/// Prices `r` with the catalogue as it is now: the summary a customer sees (CHK-5, CHK-6,
/// CHK-3, CHK-4, DLV-2).
pub(super) async fn price(
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
    // STK-2, WDR-6: the customer's credit with the shop (credit notes taken for refunds,
    // `paris`; the value of pieces sent back for an exchange) pays what it can.
    let store_credit = app
        .store
        .store_credit_balance(&customer.id)
        .await?
        .clamp(0, s.total);
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
        redelivery_of: r.redelivery_of.clone(),
        store_credit,
        delivery_date_essential: r.delivery_date_essential,
    })
}

pub(super) fn to_json<T: Serialize>(v: &T) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(format!("json: {e}")))
}

pub(super) fn from_json<T: for<'a> Deserialize<'a>>(s: &str) -> Result<T, AppError> {
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

pub(super) async fn summarise_and_keep(
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

/// The variants of a re-delivery's lines as the catalogue has them now (DLV-5: the day's
/// prices), available whatever their stock says: the units are those the house holds.
pub(super) async fn held_variants(app: &App, r: &Resolved) -> Result<Vec<VariantInfo>, AppError> {
    let skus = r.lines.iter().map(|l| l.sku.clone()).collect();
    let mut variants = crate::basket::variants(app, skus).await?;
    for v in &mut variants {
        if v.availability == Availability::SoldOut {
            v.availability = Availability::InStock;
        }
    }
    Ok(variants)
}

/// DLV-5: the summary of a new order sending again the pieces of order `of_number`
/// (`lines`), priced at the day's prices and delivery charge to the address chosen now.
pub async fn summarise_redelivery(
    app: &App,
    customer_id: &str,
    input: &CheckoutInput,
    lines: Vec<WantedLine>,
    of_number: &str,
) -> Result<Summary, AppError> {
    let (customer, saved) = app
        .store
        .customer_with_addresses(customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if customer.status != AccountStatus::Active {
        return Err(Refusal::forbidden("this account cannot order").into());
    }
    let mut r = resolve(app, &customer, &saved, input, lines, None)?;
    r.redelivery_of = Some(of_number.to_owned());
    let known = held_variants(app, &r).await?;
    summarise_and_keep(app, &customer, &r, Some(known)).await
}

/// A summary the customer was shown; another customer's is `not_found`.
pub async fn summary_of(app: &App, customer_id: &str, id: &str) -> Result<Summary, AppError> {
    let c = app.store.checkout(id).await?.ok_or(AppError::NotFound)?;
    if c.customer_id != customer_id {
        return Err(AppError::NotFound);
    }
    from_json(&c.summary)
}
