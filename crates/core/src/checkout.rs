//! The priced summary of an order (CHK-5, CHK-6, CHK-10): each line before and after VAT
//! with its rate and whether it can be withdrawn, the delivery charge, the VAT of the
//! order and the total, all in cents and adding up exactly.
//!
//! Prices are shown VAT included. Inside the EU VAT territory the customer pays the price
//! shown, and its VAT is that of the rate that applies (the merchant's, or the
//! destination's for a distance sale). An export pays the price before the merchant's VAT,
//! with no VAT; duties are the customer's (DAP).

use crate::Refusal;
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
