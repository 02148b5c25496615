//! Delivery (CHK-1, CHK-3, CHK-4, DLV-2): which addresses the merchant delivers to, the
//! charge of a method by zone and weight, the parcel weight limit, and the estimated
//! delivery date shown on the summary.

use crate::Profile;
use crate::Refusal;
use crate::calendar::{HolidayCountry, add_working_days, preparation_start};
use crate::profile::{DeliveryMethod, MethodKind, Zone};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// A delivery address as the checkout reads it.
#[derive(Debug, Clone, Default)]
pub struct Address<'a> {
    pub line1: &'a str,
    pub line2: &'a str,
    pub postcode: &'a str,
    pub city: &'a str,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: &'a str,
}

/// The shape of a postcode, where the country has one: `9` a digit, `A` a letter, ` ` an
/// optional space. Countries not listed take any postcode of 2 to 10 letters and digits.
fn postcode_shapes(country: &str) -> &'static [&'static str] {
    match country {
        "FR" | "MC" | "IT" | "DE" | "ES" | "FI" | "GR" | "HR" | "EE" | "LT" | "SM" | "VA"
        | "US" | "GP" | "MQ" | "GF" | "RE" | "YT" | "PM" | "BL" | "MF" => &["99999"],
        "BE" | "AT" | "CH" | "LU" | "DK" | "HU" | "SI" | "NO" | "BG" | "CY" | "AU" => &["9999"],
        "NL" => &["9999 AA"],
        "PT" => &["9999-999"],
        "PL" => &["99-999"],
        "SE" | "CZ" | "SK" => &["999 99"],
        "IE" => &["A99 AAAA", "A9A AAAA"],
        "CA" => &["A9A 9A9"],
        "JP" => &["999-9999"],
        "GB" => &[
            "A9 9AA", "A99 9AA", "AA9 9AA", "AA99 9AA", "A9A 9AA", "AA9A 9AA",
        ],
        "PF" | "NC" | "WF" => &["99999"],
        _ => &[],
    }
}

fn matches_shape(postcode: &str, shape: &str) -> bool {
    let pc: Vec<char> = postcode.chars().collect();
    let sh: Vec<char> = shape.chars().collect();
    // The space of a shape may be absent in the postcode.
    let fits = |pc: &[char], sh: &[char]| {
        pc.len() == sh.len()
            && pc.iter().zip(sh).all(|(c, s)| match s {
                '9' => c.is_ascii_digit(),
                'A' => c.is_ascii_alphabetic(),
                other => c == other,
            })
    };
    let compact: Vec<char> = sh.iter().copied().filter(|c| *c != ' ').collect();
    fits(&pc, &sh) || fits(&pc, &compact)
}

/// Whether `postcode` has the shape of a postcode of `country`.
pub fn postcode_fits(country: &str, postcode: &str) -> bool {
    let pc = postcode.trim().to_ascii_uppercase();
    let shapes = postcode_shapes(country);
    if shapes.is_empty() {
        return (2..=10).contains(&pc.len())
            && pc
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-');
    }
    shapes.iter().any(|s| matches_shape(&pc, s))
}

/// Words that mark a PO box, a military address or a pick-up agency (CHK-1, `milano`), in
/// the languages of the shops' customers.
const NOT_A_HOME: &[&str] = &[
    "po box",
    "p.o. box",
    "p.o.box",
    "pobox",
    "post office box",
    "boite postale",
    "boîte postale",
    "b.p.",
    "casella postale",
    "c.p.",
    "cas. post",
    "fermo posta",
    "apo",
    "fpo",
    "dpo",
    "military",
    "militaire",
    "caserma",
    "secteur postal",
    "point relais",
    "relais colis",
    "pickup point",
    "pick-up point",
    "punto di ritiro",
    "locker",
    "consigne",
    "parcel shop",
    "packstation",
];

/// Whether `word` appears in `text` as a whole word (not inside another: "capo" does not
/// hold "apo").
fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let edge = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        edge(before) && (edge(after) || word.ends_with('.'))
    })
}

/// CHK-1: a country the merchant serves, a postcode of its shape, and for a merchant that
/// refuses them no PO box, military address or pick-up agency.
pub fn check_address(profile: &Profile, a: &Address<'_>) -> Result<(), Refusal> {
    if !profile.delivery.countries.iter().any(|c| c == a.country) {
        return Err(Refusal::new(
            "country_not_served",
            format!("the house does not deliver to {}", a.country),
        ));
    }
    if !postcode_fits(a.country, a.postcode) {
        return Err(Refusal::new(
            "address_not_accepted",
            format!("postcode: not a postcode of {}", a.country),
        ));
    }
    if profile.delivery.refuse_po_boxes {
        let text = format!("{} {}", a.line1, a.line2).to_lowercase();
        if let Some(word) = NOT_A_HOME.iter().find(|w| contains_word(&text, w)) {
            return Err(Refusal::new(
                "address_not_accepted",
                format!(
                    "the house delivers to homes and offices only, not to a PO box, a \
                     military address or a pick-up agency ({})",
                    word.trim()
                ),
            ));
        }
    }
    Ok(())
}

/// CHK-3, CHK-4: a method's charge for a parcel of `grams` to `destination`; a parcel
/// heavier than the carrier or the merchant takes is `parcel_too_heavy`. A boutique
/// pick-up costs nothing.
pub fn charge(
    profile: &Profile,
    method: &DeliveryMethod,
    destination: &str,
    grams: u32,
) -> Result<i64, Refusal> {
    let max_kg = method
        .max_parcel_kg
        .unwrap_or(profile.delivery.max_parcel_kg)
        .min(profile.delivery.max_parcel_kg);
    if u64::from(grams) > u64::from(max_kg) * 1000 {
        return Err(Refusal::new(
            "parcel_too_heavy",
            format!("{} takes parcels up to {max_kg} kg", method.carrier),
        ));
    }
    if method.kind == MethodKind::BoutiquePickup {
        return Ok(0);
    }
    let zone = Zone::of(&profile.country, destination);
    method
        .charges
        .iter()
        .filter(|c| c.zone == zone && c.up_to_grams >= grams)
        .min_by_key(|c| c.up_to_grams)
        .map(|c| c.amount)
        .ok_or_else(|| {
            Refusal::new(
                "country_not_served",
                format!("{} does not deliver to {destination}", method.carrier),
            )
        })
}

/// DLV-2: the day by which an order paid at `paid` is prepared: preparation starts on
/// the working day DLV-2 says (Friday afternoon and weekends wait for Monday, holidays for
/// the next working day) and lasts the profile's longest preparation, in whole working days.
pub fn preparation_due(profile: &Profile, paid: Timestamp) -> Date {
    let country = HolidayCountry::from_code(&profile.country).unwrap_or(HolidayCountry::France);
    let zone = TimeZone::get(&profile.time_zone).unwrap_or(TimeZone::UTC);
    let start = preparation_start(country, &zone, paid);
    let preparation_days = profile.delivery.preparation_hours[1].div_ceil(24);
    add_working_days(country, start, preparation_days)
}

/// DLV-2: the latest day the parcel should arrive, for an order paid at `paid`:
/// preparation starts on the working day DLV-2 says, lasts the profile's longest
/// preparation (in whole working days), then `lead_time_days` calendar days for a piece
/// made to order, then the carrier's longest transit in working days.
pub fn estimated_delivery(
    profile: &Profile,
    method: &DeliveryMethod,
    paid: Timestamp,
    lead_time_days: u32,
) -> Date {
    let country = HolidayCountry::from_code(&profile.country).unwrap_or(HolidayCountry::France);
    let prepared = preparation_due(profile, paid);
    let made = crate::calendar::next_working_day(
        country,
        crate::calendar::add_clear_days(prepared, lead_time_days),
    );
    add_working_days(country, made, method.transit_working_days[1])
}
