//! A merchant's profile: one house's values for the *(profile: …)* parameters of the terms.
//!
//! Parsed from TOML into typed fields and validated once at start; a bad file stops the
//! start with one line naming the key and the reason ([`ProfileError`]).

use crate::country;
use crate::{Currency, Lang};
use serde::Deserialize;
use std::fmt;

/// Days counted on the calendar or only on working days (Monday–Friday minus the
/// merchant country's public holidays).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayUnit {
    WorkingDays,
    Days,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub count: u32,
    pub unit: DayUnit,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub id: String,
    /// The shop's name as customers see it.
    pub shop_name: String,
    pub currency: Currency,
    /// The merchant's country: its public holidays and its domestic VAT rate apply.
    pub country: String,
    pub time_zone: String,
    /// Languages the shop speaks, the first being the default.
    pub languages: Vec<Lang>,
    /// The version of the terms that prevails when translations differ (GTS-2).
    pub prevailing_language: Lang,
    /// Domestic standard VAT rate, in basis points (2000 = 20 %).
    pub vat_rate_bp: u32,
    pub merchant: Merchant,
    pub accounts: Accounts,
    pub catalogue: CatalogueRules,
    pub basket: BasketRules,
    pub delivery: Delivery,
    pub payment: Payment,
    pub withdrawal: Withdrawal,
    pub after_sales: AfterSales,
    pub documents: Documents,
    pub privacy: Privacy,
    /// CHK-9: what makes an order suspect.
    #[serde(default)]
    pub fraud: Fraud,
}

/// CHK-9: the limits beyond which an order is refused as suspected fraud.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fraud {
    /// Units of one piece beyond which personal use is not believable.
    pub max_units_per_sku: u32,
    /// Orders placed per account in an hour.
    pub max_orders_per_account_per_hour: u32,
    /// Orders placed from one client address in an hour.
    pub max_orders_per_ip_per_hour: u32,
}

impl Default for Fraud {
    fn default() -> Self {
        Fraud {
            max_units_per_sku: 10,
            max_orders_per_account_per_hour: 5,
            max_orders_per_ip_per_hour: 10,
        }
    }
}

/// The identity a legal notice must give (GTS-4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Merchant {
    pub legal_name: String,
    pub legal_form: String,
    pub share_capital: String,
    pub registered_office: String,
    pub company_number: String,
    pub vat_number: String,
    pub publication_director: String,
    pub email: String,
    pub phone: String,
    pub complaint_address: String,
    pub host: String,
    pub mediator: String,
    pub governing_law: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accounts {
    /// ACC-4. The engine's floor is 10 characters unless a profile lowers it.
    pub password_min_len: u32,
    /// ACC-1.
    pub minimum_age: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueRules {
    /// CAT-2: the longest lead time of a made-to-order piece.
    pub made_to_order_lead_weeks: u32,
    /// BSK-4: the longest engraving a personalised line may carry.
    pub engraving_max_chars: u32,
    /// CAT-7: the window before a reduction whose lowest price is shown beside it.
    pub reference_price_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasketRules {
    /// BSK-1.
    pub max_identical: u32,
    /// BSK-2.
    pub max_items: u32,
    /// BSK-3.
    pub ttl_minutes: u32,
    /// BSK-5.
    pub quote_threshold_items: u32,
}

/// The zones a charge table is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    /// The merchant's own country.
    Domestic,
    /// Another EU member state.
    Eu,
    /// French overseas departments and collectivities.
    Overseas,
    /// Everywhere else.
    World,
}

impl Zone {
    /// The zone `destination` falls in for a merchant established in `merchant_country`.
    pub fn of(merchant_country: &str, destination: &str) -> Zone {
        if destination == merchant_country || (merchant_country == "FR" && destination == "MC") {
            Zone::Domestic
        } else if country::FRENCH_OVERSEAS.contains(&destination) {
            Zone::Overseas
        } else if country::is_eu_member(destination) {
            Zone::Eu
        } else {
            Zone::World
        }
    }
}

/// CHK-4: the heaviest parcel a profile may declare, a carrier's or the house's: a
/// tonne is beyond any parcel service, and keeps every weight in grams within `u32`.
pub const MAX_PARCEL_KG: u32 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    Carrier,
    BoutiquePickup,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Charge {
    pub zone: Zone,
    /// The band covers parcels up to this weight, inclusive.
    pub up_to_grams: u32,
    /// Minor units, VAT included.
    pub amount: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryMethod {
    pub id: String,
    pub kind: MethodKind,
    pub carrier: String,
    /// A priority service: its premium over the standard charge is never refunded (WDR-5).
    #[serde(default)]
    pub priority: bool,
    /// Heaviest parcel the carrier takes (CHK-4); absent means no limit of its own.
    pub max_parcel_kg: Option<u32>,
    /// Working days in transit, shortest and longest (DLV-2).
    pub transit_working_days: [u32; 2],
    #[serde(default)]
    pub charges: Vec<Charge>,
    /// DLV-3: the carrier's tracking page, `{number}` standing for the tracking number.
    pub tracking_url: Option<String>,
}

impl DeliveryMethod {
    /// DLV-3: the carrier's page following a parcel, when it has one.
    pub fn tracking_link(&self, tracking_number: &str) -> Option<String> {
        let template = self.tracking_url.as_deref()?;
        let number: String = tracking_number
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        Some(template.replace("{number}", &number))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Boutique {
    pub id: String,
    pub name: String,
    pub address: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// CHK-1: ISO 3166-1 alpha-2 codes.
    pub countries: Vec<String>,
    /// CHK-1 (`milano`): refuse PO boxes, military addresses and pick-up agencies.
    pub refuse_po_boxes: bool,
    /// CHK-4.
    pub max_parcel_kg: u32,
    /// DLV-2: preparation after payment, in hours (shortest, longest).
    pub preparation_hours: [u32; 2],
    /// DLV-4: latest delivery unless the summary said otherwise.
    pub max_delivery: Period,
    pub standard_method: String,
    pub methods: Vec<DeliveryMethod>,
    #[serde(default)]
    pub boutiques: Vec<Boutique>,
    /// CHK-12: gift packaging offered free of charge.
    pub gift_wrapping: bool,
}

crate::states::named_states! {
    /// How an order is paid (PAY-1, PAY-4).
    PaymentMethod {
        Card = "card",
        BankTransfer = "bank_transfer",
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankAccount {
    pub holder: String,
    pub iban: String,
    pub bic: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    pub methods: Vec<PaymentMethod>,
    /// PAY-4: working days a transfer has to arrive.
    pub bank_transfer_days: Option<u32>,
    pub bank_account: Option<BankAccount>,
    /// CHK-11: customer service may enter orders by phone.
    pub phone_orders: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowStart {
    /// The day the customer receives the goods.
    Receipt,
    Delivery,
}

crate::states::named_states! {
    /// WDR-2: who pays for sending withdrawn pieces back.
    ReturnPaidBy {
        Customer = "customer",
        /// The merchant's courier collects with a prepaid label.
        Merchant = "merchant",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundClock {
    /// From the day the returned goods arrive.
    GoodsReceived,
    /// From the withdrawal notice, once the goods or a proof of dispatch arrived.
    WithdrawalNotice,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// WDR-1.
    pub period: Period,
    pub starts_at: WindowStart,
    /// WDR-2: days the customer has to send the goods after the notice.
    pub return_within_days: u32,
    pub return_paid_by: ReturnPaidBy,
    /// WDR-5.
    pub refund_within_days: u32,
    pub refund_clock: RefundClock,
    /// WDR-6.
    pub exchanges: bool,
}

/// STK-2: the event a refund's period runs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundFrom {
    /// The cancellation that owes it.
    #[default]
    Cancellation,
    /// The day the order's price was received.
    Payment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockoutPolicy {
    /// `paris`: the merchant delivers partially or cancels the line.
    PartialOrCancel,
    /// `atelier`, `milano`: an equivalent piece, waiting for restock, or cancellation.
    OfferAlternatives,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AfterSales {
    /// DLV-7.
    pub damage_report_working_days: u32,
    /// STK-1.
    pub stockout_policy: StockoutPolicy,
    /// STK-2.
    pub stockout_refund: Period,
    /// STK-2 (`paris`): the refund of a line cancelled for want of stock goes where the
    /// customer chooses: a bank transfer to the account of their choice, or a credit note
    /// to spend in the shop. Otherwise, to the payment it came from.
    #[serde(default)]
    pub stockout_refund_choice: bool,
    /// STK-2: whence the refund period runs: the cancellation (default), or the day the
    /// order's price was received (`paris`).
    #[serde(default)]
    pub stockout_refund_from: RefundFrom,
    /// WAR-1: legal warranty of conformity.
    pub warranty_months: u32,
    /// WAR-1 (`milano`): report within this many months of discovering a defect.
    pub defect_report_months: Option<u32>,
    /// WAR-1 (`milano`): bring an action within this many months of delivery.
    pub warranty_action_months: Option<u32>,
    /// WAR-3.
    pub answer_within_days: u32,
    /// WAR-5 (`milano`): days of amicable settlement before court.
    pub amicable_settlement_days: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Documents {
    /// INV-4: minor units, VAT included.
    pub archive_threshold: i64,
    pub archive_years: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    /// PRV-6.
    pub cookie_retention_days: u32,
    /// PRV-5, PRV-7.
    pub security_log_retention_days: u32,
}

/// Why a profile was refused: the key and the reason, on one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("profile `{profile}`: `{key}`: {reason}")]
pub struct ProfileError {
    pub profile: String,
    pub key: String,
    pub reason: String,
}

impl Profile {
    /// Parses and validates a profile. `name` is used in error messages only.
    pub fn from_toml(name: &str, text: &str) -> Result<Profile, ProfileError> {
        let err = |key: String, reason: String| ProfileError {
            profile: name.to_owned(),
            key,
            reason,
        };
        let de = toml::Deserializer::parse(text)
            .map_err(|e| err("(file)".into(), one_line(e.message())))?;
        let profile: Profile = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let key = if path == "." {
                "(file)".to_owned()
            } else {
                path
            };
            err(key, one_line(e.inner().message()))
        })?;
        profile
            .validate()
            .map_err(|(key, reason)| err(key.to_owned(), reason))?;
        Ok(profile)
    }

    fn validate(&self) -> Result<(), (&'static str, String)> {
        fn check(ok: bool, key: &'static str, reason: &str) -> Result<(), (&'static str, String)> {
            if ok {
                Ok(())
            } else {
                Err((key, reason.to_owned()))
            }
        }
        check(
            !self.id.is_empty() && self.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "id",
            "must be lower-case letters and dashes",
        )?;
        check(
            !self.shop_name.trim().is_empty(),
            "shop_name",
            "must not be empty",
        )?;
        check(
            matches!(self.country.as_str(), "FR" | "IT"),
            "country",
            "must be FR or IT: the calendar knows the public holidays of France and Italy",
        )?;
        check(
            jiff::tz::TimeZone::get(&self.time_zone).is_ok(),
            "time_zone",
            "is not a known IANA time zone",
        )?;
        check(
            !self.languages.is_empty(),
            "languages",
            "must name at least one language",
        )?;
        let mut langs = self.languages.clone();
        langs.sort();
        langs.dedup();
        check(
            langs.len() == self.languages.len(),
            "languages",
            "lists a language twice",
        )?;
        check(
            self.languages.contains(&self.prevailing_language),
            "prevailing_language",
            "must be one of `languages`",
        )?;
        check(
            (1..=10_000).contains(&self.vat_rate_bp),
            "vat_rate_bp",
            "must be between 1 and 10000 basis points",
        )?;
        check(
            (1..=1024).contains(&self.accounts.password_min_len),
            "accounts.password_min_len",
            "must be between 1 and 1024",
        )?;
        check(
            self.accounts.minimum_age >= 18,
            "accounts.minimum_age",
            "must be at least 18 (ACC-1)",
        )?;
        check(
            (1..=52).contains(&self.catalogue.made_to_order_lead_weeks),
            "catalogue.made_to_order_lead_weeks",
            "must be between 1 and 52",
        )?;
        check(
            (1..=200).contains(&self.catalogue.engraving_max_chars),
            "catalogue.engraving_max_chars",
            "must be between 1 and 200",
        )?;
        check(
            self.catalogue.reference_price_days >= 30,
            "catalogue.reference_price_days",
            "must be at least 30 (Directive 2019/2161)",
        )?;
        let b = &self.basket;
        check(
            b.max_identical >= 1,
            "basket.max_identical",
            "must be at least 1",
        )?;
        check(
            b.max_items >= b.max_identical,
            "basket.max_items",
            "must be at least basket.max_identical",
        )?;
        check(
            b.ttl_minutes >= 1,
            "basket.ttl_minutes",
            "must be at least 1",
        )?;
        check(
            b.quote_threshold_items >= 1,
            "basket.quote_threshold_items",
            "must be at least 1",
        )?;
        self.validate_delivery()?;
        self.validate_payment()?;
        check(
            self.withdrawal.period.count >= 14,
            "withdrawal.period.count",
            "must be at least 14 (Directive 2011/83/EU)",
        )?;
        check(
            self.withdrawal.return_within_days >= 1,
            "withdrawal.return_within_days",
            "must be at least 1",
        )?;
        check(
            (1..=14).contains(&self.withdrawal.refund_within_days),
            "withdrawal.refund_within_days",
            "must be between 1 and 14 (Directive 2011/83/EU)",
        )?;
        check(
            self.after_sales.damage_report_working_days >= 1,
            "after_sales.damage_report_working_days",
            "must be at least 1",
        )?;
        check(
            self.after_sales.warranty_months >= 24,
            "after_sales.warranty_months",
            "must be at least 24 (Directive 2019/771)",
        )?;
        check(
            self.documents.archive_threshold >= 0,
            "documents.archive_threshold",
            "must not be negative",
        )?;
        check(
            self.documents.archive_years >= 10,
            "documents.archive_years",
            "must be at least 10",
        )?;
        check(
            (1..=395).contains(&self.privacy.cookie_retention_days),
            "privacy.cookie_retention_days",
            "must be between 1 and 395 (13 months)",
        )?;
        check(
            self.privacy.security_log_retention_days >= 1,
            "privacy.security_log_retention_days",
            "must be at least 1",
        )?;
        self.validate_clocks()?;
        for (key, value) in [
            ("merchant.legal_name", &self.merchant.legal_name),
            (
                "merchant.registered_office",
                &self.merchant.registered_office,
            ),
            ("merchant.company_number", &self.merchant.company_number),
            ("merchant.vat_number", &self.merchant.vat_number),
            ("merchant.host", &self.merchant.host),
            ("merchant.email", &self.merchant.email),
        ] {
            check(!value.trim().is_empty(), key, "must not be empty (GTS-4)")?;
        }
        Ok(())
    }

    /// Every clock of the profile runs ten years at most, in its own unit (a hundred for
    /// the archive): a longer one is a typing slip, and would carry a deadline past the
    /// calendar's end.
    fn validate_clocks(&self) -> Result<(), (&'static str, String)> {
        const DAYS: u32 = 3_653;
        const WORKING_DAYS: u32 = 2_610;
        let period = |p: Period| match p.unit {
            DayUnit::Days => (p.count, DAYS),
            DayUnit::WorkingDays => (p.count, WORKING_DAYS),
        };
        let a = &self.after_sales;
        let mut clocks = vec![
            (
                "catalogue.reference_price_days",
                (self.catalogue.reference_price_days, DAYS),
            ),
            (
                "basket.ttl_minutes",
                (self.basket.ttl_minutes, DAYS * 24 * 60),
            ),
            (
                "delivery.preparation_hours",
                (self.delivery.preparation_hours[1], DAYS * 24),
            ),
            (
                "delivery.max_delivery.count",
                period(self.delivery.max_delivery),
            ),
            ("withdrawal.period.count", period(self.withdrawal.period)),
            (
                "withdrawal.return_within_days",
                (self.withdrawal.return_within_days, DAYS),
            ),
            (
                "after_sales.damage_report_working_days",
                (a.damage_report_working_days, WORKING_DAYS),
            ),
            (
                "after_sales.stockout_refund.count",
                period(a.stockout_refund),
            ),
            ("after_sales.warranty_months", (a.warranty_months, 120)),
            (
                "after_sales.defect_report_months",
                (a.defect_report_months.unwrap_or(0), 120),
            ),
            (
                "after_sales.warranty_action_months",
                (a.warranty_action_months.unwrap_or(0), 120),
            ),
            (
                "after_sales.answer_within_days",
                (a.answer_within_days, DAYS),
            ),
            (
                "after_sales.amicable_settlement_days",
                (a.amicable_settlement_days.unwrap_or(0), DAYS),
            ),
            (
                "payment.bank_transfer_days",
                (self.payment.bank_transfer_days.unwrap_or(0), WORKING_DAYS),
            ),
            (
                "documents.archive_years",
                (self.documents.archive_years, 100),
            ),
            (
                "privacy.security_log_retention_days",
                (self.privacy.security_log_retention_days, DAYS),
            ),
        ];
        for m in &self.delivery.methods {
            clocks.push((
                "delivery.methods.transit_working_days",
                (m.transit_working_days[1], WORKING_DAYS),
            ));
        }
        match clocks.into_iter().find(|(_, (value, most))| value > most) {
            Some((key, (value, most))) => Err((key, format!("{value} is more than {most}"))),
            None => Ok(()),
        }
    }

    fn validate_delivery(&self) -> Result<(), (&'static str, String)> {
        let d = &self.delivery;
        if d.countries.is_empty() {
            return Err((
                "delivery.countries",
                "must name at least one country".into(),
            ));
        }
        for c in &d.countries {
            if !country::is_iso_code(c) {
                return Err((
                    "delivery.countries",
                    format!("`{c}` is not an ISO 3166-1 alpha-2 code"),
                ));
            }
        }
        if !(1..=MAX_PARCEL_KG).contains(&d.max_parcel_kg) {
            return Err((
                "delivery.max_parcel_kg",
                format!("must be 1 to {MAX_PARCEL_KG} (kg)"),
            ));
        }
        if d.preparation_hours[0] > d.preparation_hours[1] {
            return Err((
                "delivery.preparation_hours",
                "shortest exceeds longest".into(),
            ));
        }
        if d.methods.is_empty() {
            return Err(("delivery.methods", "must name at least one method".into()));
        }
        if !d.methods.iter().any(|m| m.id == d.standard_method) {
            return Err((
                "delivery.standard_method",
                format!("`{}` is not one of delivery.methods", d.standard_method),
            ));
        }
        for m in &d.methods {
            if let Some(kg) = m
                .max_parcel_kg
                .filter(|kg| !(1..=MAX_PARCEL_KG).contains(kg))
            {
                return Err((
                    "delivery.methods.max_parcel_kg",
                    format!("method `{}`: {kg} is not 1 to {MAX_PARCEL_KG} (kg)", m.id),
                ));
            }
            if m.transit_working_days[0] > m.transit_working_days[1] {
                return Err((
                    "delivery.methods.transit_working_days",
                    format!("method `{}`: shortest exceeds longest", m.id),
                ));
            }
            match m.kind {
                MethodKind::BoutiquePickup => {
                    if d.boutiques.is_empty() {
                        return Err((
                            "delivery.boutiques",
                            format!(
                                "method `{}` is a boutique pick-up but no boutique is listed",
                                m.id
                            ),
                        ));
                    }
                }
                MethodKind::Carrier => {
                    if let Some(c) = m.charges.iter().find(|c| c.amount < 0) {
                        return Err((
                            "delivery.methods.charges.amount",
                            format!("method `{}`: {} is negative", m.id, c.amount),
                        ));
                    }
                    // Every served country must have a charge for the heaviest parcel the
                    // method carries, or a summary could not be priced.
                    let heaviest = m
                        .max_parcel_kg
                        .unwrap_or(d.max_parcel_kg)
                        .min(d.max_parcel_kg)
                        * 1000;
                    for c in &d.countries {
                        let zone = Zone::of(&self.country, c);
                        let covered = m
                            .charges
                            .iter()
                            .any(|ch| ch.zone == zone && ch.up_to_grams >= heaviest);
                        if !covered {
                            return Err((
                                "delivery.methods.charges",
                                format!(
                                    "method `{}` has no charge up to {heaviest} g for zone {zone:?} (country {c})",
                                    m.id
                                ),
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn validate_payment(&self) -> Result<(), (&'static str, String)> {
        let p = &self.payment;
        if p.methods.is_empty() {
            return Err(("payment.methods", "must name at least one method".into()));
        }
        if p.methods.contains(&PaymentMethod::BankTransfer) {
            match p.bank_transfer_days {
                Some(d) if d >= 1 => {}
                _ => {
                    return Err((
                        "payment.bank_transfer_days",
                        "must be at least 1 when bank transfer is offered (PAY-4)".into(),
                    ));
                }
            }
            if p.bank_account.is_none() {
                return Err((
                    "payment.bank_account",
                    "is required when bank transfer is offered (PAY-4)".into(),
                ));
            }
        }
        Ok(())
    }

    /// The domestic VAT rate as a percentage string, e.g. `20` or `22` or `5.5`.
    pub fn vat_rate_percent(&self) -> String {
        percent(self.vat_rate_bp)
    }

    pub fn speaks(&self, lang: Lang) -> bool {
        self.languages.contains(&lang)
    }

    pub fn default_lang(&self) -> Lang {
        self.languages.first().copied().unwrap_or(Lang::En)
    }
}

/// Basis points written as a percentage without trailing zeros: 2000 → `20`, 550 → `5.5`.
pub fn percent(bp: u32) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    if frac == 0 {
        whole.to_string()
    } else if frac.is_multiple_of(10) {
        format!("{whole}.{}", frac / 10)
    } else {
        format!("{whole}.{frac:02}")
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Zone::Domestic => "domestic",
            Zone::Eu => "eu",
            Zone::Overseas => "overseas",
            Zone::World => "world",
        })
    }
}
