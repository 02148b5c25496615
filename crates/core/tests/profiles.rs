//! The shipped profiles carry their seeds' values, and a bad value names its key.

use ecrin_core::Lang;
use ecrin_core::profile::{DayUnit, PaymentMethod, Profile, ReturnPaidBy, WindowStart};

fn load(name: &str) -> Profile {
    let path = format!("{}/../../profiles/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    match Profile::from_toml(name, &text) {
        Ok(p) => p,
        Err(e) => panic!("{path}: {e}"),
    }
}

#[test]
fn basket_limits_and_windows_are_the_seeds() {
    for name in ["paris", "atelier", "milano"] {
        let p = load(name);
        assert_eq!(p.basket.max_identical, 20, "{name}");
        assert_eq!(p.basket.max_items, 50, "{name}");
        assert_eq!(p.basket.ttl_minutes, 45, "{name}");
        assert_eq!(p.basket.quote_threshold_items, 60, "{name}");
        assert_eq!(p.documents.archive_threshold, 12_000, "{name}");
        assert_eq!(p.privacy.cookie_retention_days, 365, "{name}");
        assert_eq!(p.catalogue.made_to_order_lead_weeks, 6, "{name}");
        assert_eq!(p.delivery.max_parcel_kg, 30, "{name}");
        assert_eq!(p.after_sales.damage_report_working_days, 3, "{name}");
    }
}

/// Checks GTS-2.
#[test]
fn gts_2_languages_per_profile() {
    assert_eq!(load("paris").languages, [Lang::Fr, Lang::En]);
    assert_eq!(load("paris").prevailing_language, Lang::Fr);
    assert_eq!(load("atelier").languages, [Lang::Fr, Lang::En]);
    assert_eq!(load("milano").languages, [Lang::It, Lang::En]);
    assert_eq!(load("milano").prevailing_language, Lang::It);
}

#[test]
fn served_countries_are_the_seeds() {
    let paris = load("paris");
    assert!(paris.delivery.countries.len() >= 85);
    assert!(paris.delivery.countries.iter().any(|c| c == "VA"));
    let milano = load("milano");
    assert_eq!(milano.delivery.countries.len(), 27);
    assert!(
        milano
            .delivery
            .countries
            .iter()
            .all(|c| ecrin_core::country::is_eu_member(c))
    );
    assert!(milano.delivery.refuse_po_boxes);
    assert!(!paris.delivery.refuse_po_boxes);
}

#[test]
fn atelier_charges_are_12_15_35() {
    let p = load("atelier");
    let dhl = &p.delivery.methods[0];
    let amount = |zone| {
        dhl.charges
            .iter()
            .find(|c| c.zone == zone)
            .map(|c| c.amount)
    };
    use ecrin_core::profile::Zone;
    assert_eq!(amount(Zone::Domestic), Some(1200));
    assert_eq!(amount(Zone::Eu), Some(1500));
    assert_eq!(amount(Zone::World), Some(3500));
    assert_eq!(amount(Zone::Overseas), Some(3500));
}

#[test]
fn withdrawal_windows_and_payment_methods_are_the_seeds() {
    let paris = load("paris");
    assert_eq!(paris.withdrawal.period.count, 14);
    assert_eq!(paris.withdrawal.period.unit, DayUnit::WorkingDays);
    assert_eq!(paris.withdrawal.starts_at, WindowStart::Receipt);
    let atelier = load("atelier");
    assert_eq!(atelier.withdrawal.period.unit, DayUnit::Days);
    assert_eq!(atelier.withdrawal.return_paid_by, ReturnPaidBy::Customer);
    let milano = load("milano");
    assert_eq!(milano.withdrawal.return_paid_by, ReturnPaidBy::Merchant);
    assert!(
        milano
            .payment
            .methods
            .contains(&PaymentMethod::BankTransfer)
    );
    assert_eq!(milano.payment.bank_transfer_days, Some(5));
    assert!(milano.payment.phone_orders);
    assert!(!paris.payment.methods.contains(&PaymentMethod::BankTransfer));
}

fn paris_with(from: &str, to: &str) -> String {
    let path = format!("{}/../../profiles/paris.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap_or_default();
    assert!(text.contains(from), "fixture: {from}");
    text.replacen(from, to, 1)
}

#[test]
fn a_bad_value_names_its_key_on_one_line() {
    let cases = [
        (
            "max_identical = 20",
            "max_identical = 0",
            "basket.max_identical",
        ),
        (
            "max_identical = 20",
            "max_identical = \"many\"",
            "basket.max_identical",
        ),
        (
            "time_zone = \"Europe/Paris\"",
            "time_zone = \"Mars/Olympus\"",
            "time_zone",
        ),
        ("\"FR\", \"ZA\"", "\"FR\", \"ZZ\"", "delivery.countries"),
        (
            "standard_method = \"colissimo\"",
            "standard_method = \"pigeon\"",
            "delivery.standard_method",
        ),
        (
            "cookie_retention_days = 365",
            "cookie_retention_days = 900",
            "privacy.cookie_retention_days",
        ),
        (
            "vat_rate_bp = 2000",
            "vat_rate_bp = 2000\nsurprise = 1",
            "surprise",
        ),
        // CHK-4: a parcel limit a multiplication into grams would overflow.
        (
            "max_parcel_kg = 30\npreparation",
            "max_parcel_kg = 4294967\npreparation",
            "delivery.max_parcel_kg",
        ),
        (
            "max_parcel_kg = 30\ntransit",
            "max_parcel_kg = 0\ntransit",
            "delivery.methods.max_parcel_kg",
        ),
        // Clocks beyond ten years would carry a deadline past the calendar's end.
        (
            "warranty_months = 24",
            "warranty_months = 4000000000",
            "after_sales.warranty_months",
        ),
        (
            "transit_working_days = [2, 4]",
            "transit_working_days = [2, 99999]",
            "delivery.methods.transit_working_days",
        ),
        (
            "max_delivery = { count = 30,",
            "max_delivery = { count = 3000,",
            "delivery.max_delivery.count",
        ),
        (
            "languages = [\"fr\", \"en\"]",
            "languages = [\"fr\", \"de\"]",
            "languages",
        ),
    ];
    for (from, to, key) in cases {
        let err = Profile::from_toml("paris", &paris_with(from, to)).err();
        let Some(err) = err else {
            panic!("{to} was accepted")
        };
        assert_eq!(
            err.key.split('[').next(),
            Some(key.split('[').next().unwrap_or(key)),
            "{to}: {err}"
        );
        let line = err.to_string();
        assert!(!line.contains('\n'), "{line}");
        assert!(line.starts_with("profile `paris`: `"), "{line}");
    }
}

mod units {
    use ecrin_core::profile::{Zone, percent};

    #[test]
    fn percent_drops_trailing_zeros() {
        assert_eq!(percent(2000), "20");
        assert_eq!(percent(2200), "22");
        assert_eq!(percent(550), "5.5");
        assert_eq!(percent(1725), "17.25");
    }

    #[test]
    fn zones_follow_the_merchants_country() {
        assert_eq!(Zone::of("FR", "FR"), Zone::Domestic);
        assert_eq!(Zone::of("FR", "MC"), Zone::Domestic);
        assert_eq!(Zone::of("FR", "DE"), Zone::Eu);
        assert_eq!(Zone::of("FR", "GP"), Zone::Overseas);
        assert_eq!(Zone::of("FR", "CH"), Zone::World);
        assert_eq!(Zone::of("IT", "FR"), Zone::Eu);
        assert_eq!(Zone::of("IT", "IT"), Zone::Domestic);
    }
}
