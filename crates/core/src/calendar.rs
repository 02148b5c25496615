//! The calendar every deadline is computed with: working days (Monday to Friday minus the
//! public holidays of the merchant's country), the holidays of France and Italy computed
//! (fixed ones and those that follow Easter), clear days, and when the preparation of a
//! paid order starts, in the merchant's time zone (DLV-2).

use jiff::Timestamp;
use jiff::civil::{Date, Weekday, date};
use jiff::tz::TimeZone;

/// A country whose public holidays the calendar knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HolidayCountry {
    France,
    Italy,
}

impl HolidayCountry {
    /// From an ISO 3166-1 alpha-2 code.
    pub fn from_code(code: &str) -> Option<HolidayCountry> {
        match code {
            "FR" => Some(HolidayCountry::France),
            "IT" => Some(HolidayCountry::Italy),
            _ => None,
        }
    }
}

/// Easter Sunday of the Gregorian calendar (the anonymous algorithm of Meeus, Jones and
/// Butcher).
pub fn easter_sunday(year: i16) -> Date {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // Both are small: month 3 or 4, day 1 to 31.
    date(year, month as i8, day as i8)
}

/// The public holidays of `country` in `year`, in date order, with their names.
pub fn holidays(country: HolidayCountry, year: i16) -> Vec<(Date, &'static str)> {
    let easter = easter_sunday(year);
    let after_easter = |days: i64, name: &'static str| {
        (
            easter
                .checked_add(jiff::Span::new().days(days))
                .unwrap_or(easter),
            name,
        )
    };
    let fixed = |month: i8, day: i8, name: &'static str| (date(year, month, day), name);
    let mut list = match country {
        HolidayCountry::France => vec![
            fixed(1, 1, "Jour de l'an"),
            after_easter(1, "Lundi de Pâques"),
            fixed(5, 1, "Fête du Travail"),
            fixed(5, 8, "Victoire 1945"),
            after_easter(39, "Ascension"),
            after_easter(50, "Lundi de Pentecôte"),
            fixed(7, 14, "Fête nationale"),
            fixed(8, 15, "Assomption"),
            fixed(11, 1, "Toussaint"),
            fixed(11, 11, "Armistice 1918"),
            fixed(12, 25, "Noël"),
        ],
        HolidayCountry::Italy => {
            let mut it = vec![
                fixed(1, 1, "Capodanno"),
                fixed(1, 6, "Epifania"),
                after_easter(0, "Pasqua"),
                after_easter(1, "Lunedì dell'Angelo"),
                fixed(4, 25, "Festa della Liberazione"),
                fixed(5, 1, "Festa del Lavoro"),
                fixed(6, 2, "Festa della Repubblica"),
                fixed(8, 15, "Ferragosto"),
                fixed(11, 1, "Ognissanti"),
                fixed(12, 8, "Immacolata Concezione"),
                fixed(12, 25, "Natale"),
                fixed(12, 26, "Santo Stefano"),
            ];
            // From 2026, 4 October (Saint Francis) is a national holiday again (TERMS.md's
            // list; the independent list of the tests agrees).
            if year >= 2026 {
                it.push(fixed(10, 4, "San Francesco d'Assisi"));
            }
            it
        }
    };
    list.sort_by_key(|(d, _)| *d);
    list
}

pub fn is_holiday(country: HolidayCountry, day: Date) -> bool {
    holidays(country, day.year()).iter().any(|(d, _)| *d == day)
}

/// Monday to Friday, and not a public holiday.
pub fn is_working_day(country: HolidayCountry, day: Date) -> bool {
    !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) && !is_holiday(country, day)
}

fn next_day(day: Date) -> Date {
    day.tomorrow().unwrap_or(day)
}

/// `day` itself when it is a working day, else the next one.
pub fn next_working_day(country: HolidayCountry, day: Date) -> Date {
    let mut d = day;
    while !is_working_day(country, d) {
        d = next_day(d);
    }
    d
}

/// The `n`-th working day after `day` (`day` itself not counted); `n = 0` is `day`.
pub fn add_working_days(country: HolidayCountry, day: Date, n: u32) -> Date {
    let mut d = day;
    for _ in 0..n {
        d = next_working_day(country, next_day(d));
    }
    d
}

/// The last day of a period of `n` clear days after an event on `day`: the day of the
/// event does not count.
pub fn add_clear_days(day: Date, n: u32) -> Date {
    day.checked_add(jiff::Span::new().days(i64::from(n)))
        .unwrap_or(day)
}

/// The hour from which a Friday counts as "Friday afternoon".
pub const FRIDAY_AFTERNOON_HOUR: i8 = 12;

/// DLV-2: the day preparation of an order paid at `paid` starts, in the merchant's time
/// zone: paid on Friday afternoon, Saturday or Sunday → the Monday after; a public holiday
/// moves it to the next working day.
pub fn preparation_start(country: HolidayCountry, zone: &TimeZone, paid: Timestamp) -> Date {
    let local = paid.to_zoned(zone.clone());
    let day = local.date();
    let start = match day.weekday() {
        Weekday::Friday if local.hour() >= FRIDAY_AFTERNOON_HOUR => add_clear_days(day, 3),
        Weekday::Saturday => add_clear_days(day, 2),
        Weekday::Sunday => add_clear_days(day, 1),
        _ => day,
    };
    next_working_day(country, start)
}
