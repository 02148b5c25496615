//! Property tests of every parser of what comes from outside the shop: addresses and
//! postcodes, amounts, profile files, e-mail addresses, slugs, SKUs and the catalogue's
//! query. Whatever the input, each answers (a value or a refusal) and never panics; what it
//! accepts it reads back exactly.

use ecrin_core::account::Email;
use ecrin_core::catalogue::{Sku, Slug};
use ecrin_core::delivery::{Address, check_address, postcode_fits};
use ecrin_core::money::parse_amount;
use ecrin_core::query::{CatalogueQuery, decode_cursor, encode_cursor};
use ecrin_core::vat::vat_country;
use ecrin_core::{Profile, claims, deadlines, delivery, payment, withdrawal};
use proptest::prelude::*;

const PROFILES: [(&str, &str); 3] = [
    ("paris", include_str!("../../../profiles/paris.toml")),
    ("atelier", include_str!("../../../profiles/atelier.toml")),
    ("milano", include_str!("../../../profiles/milano.toml")),
];

fn profiles() -> Vec<Profile> {
    PROFILES
        .iter()
        .map(|(name, text)| Profile::from_toml(name, text).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// A profile that was read computes each of its clocks from a day of this century:
/// a deadline, never a panic.
fn every_clock_runs(p: &Profile) {
    let day = jiff::civil::date(2026, 12, 31);
    let paid = jiff::Timestamp::from_second(1_798_675_200).unwrap_or_default();
    let due = [
        withdrawal::deadline(p, day),
        withdrawal::warranty_until(p, day),
        withdrawal::return_by(p, day),
        withdrawal::pickup_date(p, day),
        claims::report_deadline(p, day),
        claims::answer_due(p, day),
        deadlines::delivery_limit(p, day, None),
        deadlines::refund_due(p, day),
        delivery::preparation_due(p, paid),
    ];
    assert!(due.iter().all(|d| *d >= day), "{due:?}");
    let basket = ecrin_core::basket::Basket {
        last_added_ms: Some(paid.as_millisecond()),
        ..Default::default()
    };
    assert!(basket.expires_at(p).is_some());
    let _ = payment::transfer_deadline(p, paid.as_millisecond());
}

/// Text as people and attackers type it: letters of several scripts, digits, spaces of
/// every kind, punctuation, control characters.
fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        "[0-9 \u{a0}\u{202f},.\\-]{0,16}",
        "[A-Za-z0-9 \\-]{0,12}",
        ".{0,24}",
    ]
}

const COUNTRIES: &[&str] = &[
    "FR", "IT", "DE", "ES", "GB", "IE", "NL", "PT", "PL", "SE", "CA", "JP", "US", "CH", "MC", "GP",
    "XX", "", "fr", "ÉÉ",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// CHK-1: any address is answered, accepted or refused with a reason, never a panic.
    #[test]
    fn chk_1_any_address_is_accepted_or_refused(
        line1 in typed(), line2 in typed(), postcode in typed(), city in typed(),
        country in prop::sample::select(COUNTRIES),
    ) {
        for profile in profiles() {
            let a = Address { line1: &line1, line2: &line2, postcode: &postcode, city: &city, country };
            if let Err(refusal) = check_address(&profile, &a) {
                prop_assert!(!refusal.code.is_empty());
            }
        }
        let _ = postcode_fits(country, &postcode);
        let _ = vat_country(country, &postcode);
    }

    /// CHK-1: a French postcode is five digits, with or without spaces around; nothing
    /// holding a letter is one.
    #[test]
    fn chk_1_french_postcodes_are_five_digits(n in 0u32..100_000, pad in " {0,2}", letter in "[A-Za-z]") {
        let pc = format!("{pad}{n:05}{pad}");
        prop_assert!(postcode_fits("FR", &pc));
        let broken = format!("{}{letter}", &pc.trim()[..4]);
        prop_assert!(!postcode_fits("FR", &broken));
    }

    /// An amount typed by staff reads back to the minor units it was written from, in
    /// either decimal mark and with spaces grouping thousands.
    #[test]
    fn amounts_read_back(cents in 0i64..100_000_000_000, comma in any::<bool>(), group in any::<bool>()) {
        let units = (cents / 100).to_string();
        let units = if group {
            let mut out = String::new();
            for (i, c) in units.chars().enumerate() {
                if i > 0 && (units.len() - i) % 3 == 0 {
                    out.push('\u{a0}');
                }
                out.push(c);
            }
            out
        } else {
            units
        };
        let text = format!("{units}{}{:02}", if comma { ',' } else { '.' }, cents % 100);
        prop_assert_eq!(parse_amount(&text), Some(cents));
    }

    /// Any text is an amount or not, never a panic, never a negative amount.
    #[test]
    fn any_text_is_an_amount_or_not(text in typed()) {
        if let Some(a) = parse_amount(&text) {
            prop_assert!(a >= 0);
        }
    }

    /// A profile file: any text is read or refused with the key at fault, on one line.
    #[test]
    fn any_profile_text_is_read_or_refused_by_key(text in ".{0,200}") {
        if let Err(e) = Profile::from_toml("fuzz", &text) {
            prop_assert!(!e.key.is_empty());
            prop_assert!(!e.to_string().contains('\n'), "{}", e);
        }
    }

    /// A shipped profile with one of its lines replaced by another value: read, or refused
    /// naming the key, never a panic.
    #[test]
    fn a_profile_with_one_line_changed_is_read_or_refused(
        which in 0usize..3, line in any::<prop::sample::Index>(),
        value in prop_oneof![
            Just("-1".to_owned()), Just("0".to_owned()), Just("99999999999999999999".to_owned()),
            Just("\"\"".to_owned()), Just("[]".to_owned()), Just("true".to_owned()),
            Just("1e308".to_owned()), Just("\"ZZ\"".to_owned()), "\"\\PC{0,12}\"", "-?[0-9]{1,12}",
        ],
    ) {
        let (name, text) = PROFILES[which];
        let lines: Vec<&str> = text.lines().collect();
        let i = line.index(lines.len());
        let changed: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(j, l)| match (j == i, l.split_once(" = ")) {
                (true, Some((key, _))) => format!("{key} = {value}"),
                _ => (*l).to_owned(),
            })
            .collect();
        match Profile::from_toml(name, &changed.join("\n")) {
            Err(e) => {
                prop_assert!(!e.key.is_empty());
                prop_assert!(!e.to_string().contains('\n'), "{}", e);
            }
            Ok(p) => every_clock_runs(&p),
        }
    }

    /// Addresses, slugs and SKUs from outside: read or refused; what is read is kept as
    /// typed, but for the case of an e-mail's domain.
    #[test]
    fn identifiers_are_read_or_refused(text in typed()) {
        if let Some(e) = Email::parse(&text) {
            prop_assert!(e.as_str().contains('@'));
            prop_assert!(!e.as_str().contains(char::is_whitespace));
        }
        if let Some(s) = Slug::parse(&text) {
            prop_assert_eq!(s.as_str(), text.as_str());
        }
        if let Some(s) = Sku::parse(&text) {
            prop_assert_eq!(s.as_str(), text.as_str());
        }
    }

    /// CAT-5: any query string pairs give a query or field errors naming the field; a page
    /// cursor reads back.
    #[test]
    fn cat_5_any_catalogue_query_is_read_or_refused(
        pairs in prop::collection::vec((
            prop_oneof![
                Just("q"), Just("collection"), Just("material"), Just("stone"), Just("min_price"),
                Just("max_price"), Just("availability"), Just("page[size]"), Just("page[after]"),
                Just("lang"), Just("sort"), Just("other"),
            ],
            typed(),
        ), 0..6),
        after in 0i64..i64::MAX,
    ) {
        let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if let Err(errors) = CatalogueQuery::parse(borrowed) {
            prop_assert!(errors.iter().all(|e| !e.field.is_empty()));
        }
        prop_assert_eq!(decode_cursor(&encode_cursor(after)), Some(after));
    }

    /// Any text is a cursor or not.
    #[test]
    fn any_text_is_a_cursor_or_not(text in typed()) {
        let _ = decode_cursor(&text);
    }
}
