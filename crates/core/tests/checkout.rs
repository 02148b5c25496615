//! The priced summary (CHK-5, CHK-6, CHK-10).

use ecrin_core::checkout::{LineInput, confirm_prices, summarise};
use ecrin_core::vat::Treatment;
use proptest::prelude::*;

fn line(sku: &str, quantity: u32, price: i64, withdrawable: bool) -> LineInput {
    LineInput {
        sku: sku.into(),
        quantity,
        unit_price_shown: price,
        withdrawable,
    }
}

/// Checks CHK-5, CHK-6: each line before and after VAT with its rate and withdrawability;
/// domestic, distance sale and export.
#[test]
fn chk_5_chk_6_the_summary_prices_each_line_and_adds_up() {
    let lines = vec![
        line("RING", 2, 345_000, true),
        line("MEDAL-ENGRAVED", 1, 89_000, false),
    ];
    let domestic = summarise(&lines, 1_200, 2000, Treatment::Domestic { rate_bp: 2000 });
    assert_eq!(domestic.lines[0].unit_price_excl_vat, 287_500);
    assert_eq!(domestic.lines[0].line_total_incl_vat, 690_000);
    assert_eq!(domestic.lines[0].vat_rate_bp, 2000);
    assert!(!domestic.lines[1].withdrawable);
    assert_eq!(domestic.total, 690_000 + 89_000 + 1_200);
    assert_eq!(domestic.total_excl_vat + domestic.vat_total, domestic.total);
    assert!(!domestic.duties_at_customer_charge);

    // To Germany: the price shown is paid, with German VAT inside it.
    let germany = summarise(
        &lines,
        1_500,
        2000,
        Treatment::DistanceSale { rate_bp: 1900 },
    );
    assert_eq!(germany.total, 690_000 + 89_000 + 1_500);
    assert_eq!(germany.lines[0].vat_rate_bp, 1900);
    assert_eq!(germany.lines[0].line_total_excl_vat, 579_832);

    // To Switzerland: the price before French VAT, no VAT, duties at the customer's charge.
    let export = summarise(&lines, 3_500, 2000, Treatment::Export);
    assert_eq!(export.lines[0].unit_price_incl_vat, 287_500);
    assert_eq!(export.vat_total, 0);
    assert!(export.duties_at_customer_charge);
    assert_eq!(export.total, 575_000 + 74_167 + 2_917);
}

/// Checks CHK-10: a changed price refuses the confirmation with `price_changed`.
#[test]
fn chk_10_a_price_changed_since_the_summary_is_refused() {
    let before = summarise(
        &[line("RING", 1, 345_000, true)],
        0,
        2000,
        Treatment::Domestic { rate_bp: 2000 },
    );
    let same = summarise(
        &[line("RING", 1, 345_000, true)],
        0,
        2000,
        Treatment::Domestic { rate_bp: 2000 },
    );
    let after = summarise(
        &[line("RING", 1, 355_000, true)],
        0,
        2000,
        Treatment::Domestic { rate_bp: 2000 },
    );
    assert!(confirm_prices(&before, &same).is_ok());
    assert_eq!(
        confirm_prices(&before, &after).err().map(|e| e.code),
        Some("price_changed")
    );
}

proptest! {
    /// Checks CHK-6: for any basket and treatment, lines before VAT plus VAT equal the
    /// total VAT included, to the cent, and every line adds up on its own.
    #[test]
    fn chk_6_any_summary_adds_up_to_the_cent(
        lines in proptest::collection::vec((1i64..2_000_000, 1u32..21, any::<bool>()), 1..20),
        delivery in 0i64..20_000,
        treatment in prop_oneof![
            Just(Treatment::Domestic { rate_bp: 2000 }),
            Just(Treatment::Domestic { rate_bp: 2200 }),
            Just(Treatment::DistanceSale { rate_bp: 2550 }),
            Just(Treatment::DistanceSale { rate_bp: 1700 }),
            Just(Treatment::Export),
        ],
    ) {
        let input: Vec<LineInput> = lines
            .iter()
            .enumerate()
            .map(|(i, (p, q, w))| line(&format!("S{i}"), *q, *p, *w))
            .collect();
        let s = summarise(&input, delivery, 2000, treatment);
        prop_assert_eq!(s.total_excl_vat + s.vat_total, s.total);
        let lines_total: i64 = s.lines.iter().map(|l| l.line_total_incl_vat).sum();
        prop_assert_eq!(lines_total + s.delivery_incl_vat, s.total);
        for l in &s.lines {
            prop_assert_eq!(l.line_total_excl_vat + l.line_vat, l.line_total_incl_vat);
        }
    }
}

fn profile(name: &str) -> ecrin_core::Profile {
    let path = format!("{}/../../profiles/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    ecrin_core::Profile::from_toml(name, &std::fs::read_to_string(path).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Checks CHK-9: each reason refuses with its own `order_refused:<reason>` code.
#[test]
fn chk_9_orders_are_refused_for_each_reason_with_its_code() {
    use ecrin_core::checkout::{Standing, check_standing};
    for name in ["paris", "atelier", "milano"] {
        let p = profile(name);
        let lines = vec![line("RING", 2, 345_000, true)];
        assert!(
            check_standing(&p, &lines, &Standing::default()).is_ok(),
            "{name}"
        );
        for (standing, code) in [
            (
                Standing {
                    open_dispute: true,
                    ..Standing::default()
                },
                "order_refused:open_dispute",
            ),
            (
                Standing {
                    unpaid_orders: 1,
                    ..Standing::default()
                },
                "order_refused:unpaid_order",
            ),
            (
                Standing {
                    payment_refused: true,
                    ..Standing::default()
                },
                "order_refused:payment_refused",
            ),
            (
                Standing {
                    orders_last_hour: 5,
                    ..Standing::default()
                },
                "order_refused:suspected_fraud",
            ),
            (
                Standing {
                    orders_last_hour_from_ip: 10,
                    ..Standing::default()
                },
                "order_refused:suspected_fraud",
            ),
        ] {
            assert_eq!(
                check_standing(&p, &lines, &standing).err().map(|e| e.code),
                Some(code),
                "{name}"
            );
        }
        // Eleven of one piece, over two lines (two engravings), is beyond personal use.
        let many = vec![
            line("RING", 6, 345_000, true),
            line("RING", 5, 345_000, false),
        ];
        assert_eq!(
            check_standing(&p, &many, &Standing::default())
                .err()
                .map(|e| e.code),
            Some("order_refused:quantity")
        );
    }
}

/// Checks CHK-7, CHK-8: both boxes, and the version in force.
#[test]
fn chk_7_chk_8_the_terms_must_be_accepted_in_their_version_in_force() {
    use ecrin_core::checkout::check_acceptance;
    assert!(check_acceptance(true, true, "2026-11-01", "2026-11-01").is_ok());
    for (terms, pay) in [(false, true), (true, false), (false, false)] {
        assert_eq!(
            check_acceptance(terms, pay, "v", "v").err().map(|e| e.code),
            Some("terms_not_accepted")
        );
    }
    assert_eq!(
        check_acceptance(true, true, "2026-11-01", "2026-12-01")
            .err()
            .map(|e| e.code),
        Some("terms_outdated")
    );
}
