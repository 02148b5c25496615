//! Delivery (CHK-1, CHK-3, CHK-4, DLV-2) on the three profiles.

use ecrin_core::Profile;
use ecrin_core::delivery::{Address, charge, check_address, estimated_delivery, postcode_fits};
use jiff::civil::date;

fn profile(name: &str) -> Profile {
    let path = format!("{}/../../profiles/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    Profile::from_toml(name, &std::fs::read_to_string(path).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn code<T>(r: Result<T, ecrin_core::Refusal>) -> &'static str {
    r.err().map(|e| e.code).unwrap_or("ok")
}

fn address<'a>(line1: &'a str, postcode: &'a str, country: &'a str) -> Address<'a> {
    Address {
        line1,
        line2: "",
        postcode,
        city: "X",
        country,
    }
}

/// Checks CHK-1: served countries per profile, postcode shapes, and `milano`'s refusal of
/// PO boxes, military addresses and pick-up agencies.
#[test]
fn chk_1_delivery_only_to_served_countries_and_real_addresses() {
    let (paris, atelier, milano) = (profile("paris"), profile("atelier"), profile("milano"));
    let home = |country| address("12 rue de la Paix", "75002", country);
    assert_eq!(code(check_address(&paris, &home("FR"))), "ok");
    assert_eq!(
        code(check_address(
            &milano,
            &address("Via Brera 3", "20121", "IT")
        )),
        "ok"
    );
    assert_eq!(
        code(check_address(
            &atelier,
            &address("1 Bahnhofstrasse", "8001", "CH")
        )),
        "ok"
    );
    assert_eq!(
        code(check_address(
            &milano,
            &address("1 Bahnhofstrasse", "8001", "CH")
        )),
        "country_not_served"
    );
    assert_eq!(
        code(check_address(&paris, &address("x", "12345", "KP"))),
        "country_not_served"
    );
    assert_eq!(
        code(check_address(&paris, &address("12 rue", "7500", "FR"))),
        "address_not_accepted"
    );
    assert_eq!(
        code(check_address(&paris, &address("12 rue", "75 002", "FR"))),
        "address_not_accepted"
    );

    for line in [
        "Casella Postale 123",
        "C.P. 45",
        "PO Box 77",
        "Fermo posta Milano Cordusio",
        "Caserma Montebello",
        "APO AE 09012",
        "Point Relais Tabac du Centre",
        "Packstation 104",
    ] {
        let a = address(line, "20121", "IT");
        assert_eq!(
            code(check_address(&milano, &a)),
            "address_not_accepted",
            "{line}"
        );
        assert_eq!(
            code(check_address(&atelier, &address(line, "75002", "FR"))),
            "ok",
            "{line}: atelier takes it"
        );
    }
    // Words that merely contain those letters are addresses like any other.
    for line in ["Via Capo di Monte 1", "Corso Apollo 3", "Via dei Lockeri 2"] {
        assert_eq!(
            code(check_address(&milano, &address(line, "20121", "IT"))),
            "ok",
            "{line}"
        );
    }
    for (country, pc, ok) in [
        ("NL", "1012 AB", true),
        ("NL", "1012AB", true),
        ("GB", "SW1A 1AA", true),
        ("GB", "75002", false),
        ("PT", "1100-148", true),
        ("DE", "1011", false),
        ("MC", "98000", true),
    ] {
        assert_eq!(postcode_fits(country, pc), ok, "{country} {pc}");
    }
}

/// Checks CHK-3: charges by zone and weight from the profile tables; `atelier` FR 12 €,
/// EU 15 €, outside the EU and French overseas 35 €.
#[test]
fn chk_3_charges_by_zone_and_weight() {
    let atelier = profile("atelier");
    let dhl = &atelier.delivery.methods[0];
    for (country, amount) in [
        ("FR", 1200),
        ("MC", 1200),
        ("DE", 1500),
        ("GP", 3500),
        ("CH", 3500),
        ("US", 3500),
    ] {
        assert_eq!(
            charge(&atelier, dhl, country, 800).ok(),
            Some(amount),
            "{country}"
        );
    }
    let paris = profile("paris");
    let colissimo = paris.delivery.methods.iter().find(|m| m.id == "colissimo");
    let colissimo = colissimo.unwrap_or_else(|| panic!("colissimo"));
    assert_eq!(charge(&paris, colissimo, "FR", 500).ok(), Some(900));
    assert_eq!(charge(&paris, colissimo, "FR", 501).ok(), Some(1200));
    assert_eq!(charge(&paris, colissimo, "IT", 2500).ok(), Some(4500));
    let milano = profile("milano");
    let pickup = milano
        .delivery
        .methods
        .iter()
        .find(|m| m.id == "boutique_pickup");
    let pickup = pickup.unwrap_or_else(|| panic!("pickup"));
    assert_eq!(charge(&milano, pickup, "IT", 900).ok(), Some(0));
}

/// Checks CHK-4: a parcel over 30 kg cannot go as one.
#[test]
fn chk_4_a_parcel_over_thirty_kilograms_is_refused() {
    for name in ["paris", "atelier", "milano"] {
        let p = profile(name);
        let m = &p.delivery.methods[0];
        let dest = if name == "milano" { "IT" } else { "FR" };
        assert_eq!(code(charge(&p, m, dest, 30_000)), "ok", "{name}");
        assert_eq!(
            code(charge(&p, m, dest, 30_001)),
            "parcel_too_heavy",
            "{name}"
        );
    }
}

/// Checks DLV-2: the estimated date: preparation from the right working day, made to order
/// lead time, the carrier's longest transit.
#[test]
fn dlv_2_the_estimated_delivery_date() {
    let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap_or_default();
    let paris = profile("paris");
    let colissimo = &paris.delivery.methods[0];
    // Paid Friday 20 November 2026 at 15:00 in Paris: preparation from Monday 23, 72 h =
    // 3 working days (Thursday 26), then 4 working days of transit: Wednesday 2 December.
    assert_eq!(
        estimated_delivery(&paris, colissimo, at("2026-11-20T14:00:00Z"), 0),
        date(2026, 12, 2)
    );
    // Paid on Monday 21 December: preparation 22, 23, 24; Christmas and the weekend
    // skipped; transit 28, 29, 30, 31 December.
    assert_eq!(
        estimated_delivery(&paris, colissimo, at("2026-12-21T09:00:00Z"), 0),
        date(2026, 12, 31)
    );
    // A day later, New Year's Day moves the last day of transit to Monday 4 January.
    assert_eq!(
        estimated_delivery(&paris, colissimo, at("2026-12-22T09:00:00Z"), 0),
        date(2027, 1, 4)
    );
    // Made to order with 42 days' lead time (atelier): six weeks more, on a working day.
    let atelier = profile("atelier");
    let dhl = &atelier.delivery.methods[0];
    let quick = estimated_delivery(&atelier, dhl, at("2026-11-23T09:00:00Z"), 0);
    let made = estimated_delivery(&atelier, dhl, at("2026-11-23T09:00:00Z"), 42);
    assert!(
        made >= quick
            .checked_add(jiff::Span::new().days(42))
            .unwrap_or(quick),
        "{quick} {made}"
    );
}
