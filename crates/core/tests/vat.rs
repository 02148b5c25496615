//! VAT (CHK-6): the rate by destination and date, the EU VAT territory, and amounts that
//! add up to the cent.

use ecrin_core::vat::{Treatment, split, standard_rate, treatment};
use jiff::civil::date;
use proptest::prelude::*;

/// Checks CHK-6: domestic, distance sales at the destination's dated rate, exports.
#[test]
fn chk_6_the_rate_follows_the_destination_and_the_order_date() {
    let day = date(2026, 11, 21);
    for (merchant, country, postcode, want) in [
        ("FR", "FR", "75002", Treatment::Domestic { rate_bp: 2000 }),
        ("FR", "MC", "98000", Treatment::Domestic { rate_bp: 2000 }),
        (
            "FR",
            "DE",
            "10115",
            Treatment::DistanceSale { rate_bp: 1900 },
        ),
        (
            "FR",
            "IT",
            "20121",
            Treatment::DistanceSale { rate_bp: 2200 },
        ),
        ("IT", "IT", "20121", Treatment::Domestic { rate_bp: 2200 }),
        (
            "IT",
            "FR",
            "75002",
            Treatment::DistanceSale { rate_bp: 2000 },
        ),
        (
            "IT",
            "HU",
            "1051",
            Treatment::DistanceSale { rate_bp: 2700 },
        ),
        // Outside the EU, and outside its VAT territory though inside a member state.
        ("FR", "CH", "1204", Treatment::Export),
        ("FR", "GB", "SW1A 1AA", Treatment::Export),
        ("FR", "GP", "97110", Treatment::Export),
        ("FR", "FR", "97400", Treatment::Export),
        ("FR", "ES", "35001", Treatment::Export),
        (
            "FR",
            "ES",
            "28001",
            Treatment::DistanceSale { rate_bp: 2100 },
        ),
        ("FR", "FI", "22100", Treatment::Export),
        ("FR", "AX", "22100", Treatment::Export),
        ("FR", "IT", "23041", Treatment::Export),
        ("IT", "DE", "78266", Treatment::Export),
    ] {
        assert_eq!(
            treatment(merchant, country, postcode, day),
            want,
            "{merchant}→{country} {postcode}"
        );
    }
    // The law of the order date.
    for (country, before, after, from) in [
        ("FI", 2400, 2550, date(2024, 9, 1)),
        ("SK", 2000, 2300, date(2025, 1, 1)),
        ("EE", 2200, 2400, date(2025, 7, 1)),
        ("RO", 1900, 2100, date(2025, 8, 1)),
    ] {
        let eve = from.yesterday().unwrap_or(from);
        assert_eq!(standard_rate(country, eve), Some(before), "{country}");
        assert_eq!(standard_rate(country, from), Some(after), "{country}");
    }
    assert_eq!(standard_rate("FR", date(2020, 1, 1)), Some(2000));
    assert_eq!(standard_rate("CH", date(2026, 1, 1)), None);
    // All 27 member states are in the table.
    for c in ecrin_core::country::EU_MEMBERS {
        assert!(standard_rate(c, date(2026, 1, 1)).is_some(), "{c}");
    }
}

/// Checks CHK-6: half up to the cent.
#[test]
fn chk_6_amounts_before_vat_are_rounded_half_up() {
    assert_eq!(split(12_000, 2000), (10_000, 2_000));
    // 1.00 € at 20 %: 0.8333… → 0.83 and 0.17.
    assert_eq!(split(100, 2000), (83, 17));
    // 0.05 € at 25 %: exactly 0.04 before VAT.
    assert_eq!(split(5, 2500), (4, 1));
    // 0.15 € at 20 %: 0.125 → 0.13 (half up).
    assert_eq!(split(15, 2000), (13, 2));
    assert_eq!(split(-15, 2000), (-13, -2), "refunds mirror sales");
    assert_eq!(split(345_000, 0), (345_000, 0), "exports");
}

proptest! {
    /// Checks CHK-6: for any basket, lines before VAT plus VAT equal the total VAT
    /// included, to the cent.
    #[test]
    fn chk_6_lines_before_vat_plus_vat_equal_the_total(
        lines in proptest::collection::vec((1i64..5_000_000, 1i64..21), 1..30),
        rate in prop_oneof![Just(0u32), Just(1700), Just(1900), Just(2000), Just(2100), Just(2200), Just(2550), Just(2700)],
    ) {
        let mut excl = 0;
        let mut vat = 0;
        let mut incl = 0;
        for (unit, quantity) in lines {
            let total = unit * quantity;
            let (e, v) = split(total, rate);
            prop_assert!(e >= 0 && v >= 0);
            // Within half a cent of the exact amount before VAT.
            let exact = total as f64 * 10_000.0 / (10_000.0 + f64::from(rate));
            prop_assert!((e as f64 - exact).abs() <= 0.5 + 1e-9);
            excl += e;
            vat += v;
            incl += total;
        }
        prop_assert_eq!(excl + vat, incl);
    }
}
