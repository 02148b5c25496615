//! The priced summary of an order (CHK-5, CHK-6, CHK-10): each line before and after VAT
//! with its rate and whether it can be withdrawn, the delivery charge, the VAT of the
//! order and the total, all in cents and adding up exactly.
//!
//! Prices are shown VAT included. Inside the EU VAT territory the customer pays the price
//! shown, and its VAT is that of the rate that applies (the merchant's, or the
//! destination's for a distance sale). An export pays the price before the merchant's VAT,
//! with no VAT; duties are the customer's (DAP).

use crate::Refusal;
use crate::profile::{DeliveryMethod, MethodKind, Profile};
use crate::query::FieldError;
use crate::vat::{Treatment, split};

/// A line as priced by the catalogue: the price shown (VAT of the merchant's country
/// included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineInput {
    pub sku: String,
    pub quantity: u32,
    pub unit_price_shown: i64,
    /// WDR-3: a piece made or engraved to order cannot be withdrawn.
    pub withdrawable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    pub sku: String,
    pub quantity: u32,
    pub unit_price_incl_vat: i64,
    pub unit_price_excl_vat: i64,
    pub vat_rate_bp: u32,
    pub line_total_incl_vat: i64,
    pub line_total_excl_vat: i64,
    pub line_vat: i64,
    pub withdrawable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub lines: Vec<PricedLine>,
    pub delivery_incl_vat: i64,
    pub delivery_vat: i64,
    pub total_excl_vat: i64,
    pub vat_total: i64,
    pub total: i64,
    /// An export: duties and import taxes at the customer's charge on delivery (DAP).
    pub duties_at_customer_charge: bool,
}

/// What the customer pays for a price shown with `merchant_rate_bp` included, under
/// `treatment`: the same inside the EU, the price before VAT for an export.
fn payable(shown: i64, merchant_rate_bp: u32, treatment: Treatment) -> i64 {
    match treatment {
        Treatment::Export => split(shown, merchant_rate_bp).0,
        _ => shown,
    }
}

/// CHK-5, CHK-6: prices the lines and the delivery charge (shown VAT included, at the
/// merchant's rate) under `treatment`.
pub fn summarise(
    lines: &[LineInput],
    delivery_shown: i64,
    merchant_rate_bp: u32,
    treatment: Treatment,
) -> Summary {
    let rate = treatment.rate_bp();
    let priced: Vec<PricedLine> = lines
        .iter()
        .map(|l| {
            let unit = payable(l.unit_price_shown, merchant_rate_bp, treatment);
            let total = unit * i64::from(l.quantity);
            let (excl, vat) = split(total, rate);
            PricedLine {
                sku: l.sku.clone(),
                quantity: l.quantity,
                unit_price_incl_vat: unit,
                unit_price_excl_vat: split(unit, rate).0,
                vat_rate_bp: rate,
                line_total_incl_vat: total,
                line_total_excl_vat: excl,
                line_vat: vat,
                withdrawable: l.withdrawable,
            }
        })
        .collect();
    let delivery = payable(delivery_shown, merchant_rate_bp, treatment);
    let (delivery_excl, delivery_vat) = split(delivery, rate);
    let total_excl_vat = priced.iter().map(|l| l.line_total_excl_vat).sum::<i64>() + delivery_excl;
    let vat_total = priced.iter().map(|l| l.line_vat).sum::<i64>() + delivery_vat;
    Summary {
        total: total_excl_vat + vat_total,
        lines: priced,
        delivery_incl_vat: delivery,
        delivery_vat,
        total_excl_vat,
        vat_total,
        duties_at_customer_charge: treatment == Treatment::Export,
    }
}

/// CHK-10: a price that changed between the summary and the confirmation refuses the order;
/// the customer is shown a fresh summary.
pub fn confirm_prices(summarised: &Summary, now: &Summary) -> Result<(), Refusal> {
    let same = summarised.total == now.total
        && summarised.lines.len() == now.lines.len()
        && summarised
            .lines
            .iter()
            .zip(&now.lines)
            .all(|(a, b)| a.sku == b.sku && a.line_total_incl_vat == b.line_total_incl_vat);
    if same {
        Ok(())
    } else {
        Err(Refusal::new(
            "price_changed",
            "a price changed since the summary; here is the new one",
        ))
    }
}

/// What the shop knows of the customer when an order is placed (CHK-9).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Standing {
    pub open_dispute: bool,
    /// Previous orders not (fully) paid.
    pub unpaid_orders: u32,
    /// The last payment of the customer was refused.
    pub payment_refused: bool,
    /// Orders placed in the last hour by the account, and from the client's address.
    pub orders_last_hour: u32,
    pub orders_last_hour_from_ip: u32,
}

/// CHK-9: the merchant refuses to validate an order for an open dispute, an unpaid
/// previous order, a refused payment, suspected fraud, or a quantity beyond personal use.
pub fn check_standing(profile: &Profile, lines: &[LineInput], s: &Standing) -> Result<(), Refusal> {
    let f = &profile.fraud;
    let refuse = |code: &'static str, detail: &str| Err(Refusal::new(code, detail));
    if s.open_dispute {
        return refuse(
            "order_refused:open_dispute",
            "a dispute with the house is open; customer service can help",
        );
    }
    if s.unpaid_orders > 0 {
        return refuse(
            "order_refused:unpaid_order",
            "a previous order is not fully paid",
        );
    }
    if s.payment_refused {
        return refuse(
            "order_refused:payment_refused",
            "the last payment was refused",
        );
    }
    if s.orders_last_hour >= f.max_orders_per_account_per_hour
        || s.orders_last_hour_from_ip >= f.max_orders_per_ip_per_hour
    {
        return refuse(
            "order_refused:suspected_fraud",
            "too many orders in a short time",
        );
    }
    let mut per_sku: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    for l in lines {
        *per_sku.entry(l.sku.as_str()).or_default() += l.quantity;
    }
    if per_sku.values().any(|n| *n > f.max_units_per_sku) {
        return refuse(
            "order_refused:quantity",
            "this quantity of one piece goes beyond personal use; ask for a quote",
        );
    }
    Ok(())
}

/// CHK-7, CHK-8: the terms ticked, the obligation to pay confirmed, and the version the
/// customer saw still the one in force.
pub fn check_acceptance(
    accept_terms: bool,
    confirm_obligation_to_pay: bool,
    version_seen: &str,
    version_in_force: &str,
) -> Result<(), Refusal> {
    if !accept_terms || !confirm_obligation_to_pay {
        return Err(Refusal::new(
            "terms_not_accepted",
            "tick \"I agree to the General Terms of Sale\" and confirm the obligation to pay",
        ));
    }
    if version_seen != version_in_force {
        return Err(Refusal::new(
            "terms_outdated",
            "the terms changed since the summary; read the version in force",
        ));
    }
    Ok(())
}

/// A choice of the checkout form refused, by field and reason.
fn refused(field: &str, reason: &'static str) -> FieldError {
    FieldError {
        field: field.to_owned(),
        reason,
    }
}

/// CHK-2: the delivery method chosen (the profile's standard one when none is).
pub fn delivery_method<'p>(
    profile: &'p Profile,
    chosen: Option<&str>,
) -> Result<&'p DeliveryMethod, FieldError> {
    let id = chosen.unwrap_or(&profile.delivery.standard_method);
    profile
        .delivery
        .methods
        .iter()
        .find(|m| m.id == id)
        .ok_or_else(|| refused("delivery_method", "unknown_method"))
}

/// CHK-2: the boutique a pick-up is collected from: one of the house's, required for a
/// pick-up and refused for any other method.
pub fn pickup_boutique(
    profile: &Profile,
    method: &DeliveryMethod,
    chosen: Option<&str>,
) -> Result<Option<String>, FieldError> {
    match (chosen, method.kind == MethodKind::BoutiquePickup) {
        (Some(b), true) if profile.delivery.boutiques.iter().any(|x| x.id == b) => {
            Ok(Some(b.to_owned()))
        }
        (Some(_), true) => Err(refused("pickup_boutique", "unknown_boutique")),
        (None, true) => Err(refused("pickup_boutique", "required")),
        (Some(_), false) => Err(refused("pickup_boutique", "not_a_pickup")),
        (None, false) => Ok(None),
    }
}

/// CHK-12: gift packaging only where the house offers it.
pub fn gift_wrapping(profile: &Profile, wanted: bool) -> Result<(), FieldError> {
    if wanted && !profile.delivery.gift_wrapping {
        return Err(refused("gift_wrapping", "not_offered"));
    }
    Ok(())
}

/// CHK-11: orders entered by customer service for a customer on the phone, where the
/// house takes them.
pub fn phone_orders(profile: &Profile) -> Result<(), Refusal> {
    if profile.payment.phone_orders {
        Ok(())
    } else {
        Err(Refusal::new(
            "not_offered",
            "this house does not take orders by phone",
        ))
    }
}
