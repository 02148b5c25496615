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

/// A holiday on the same day every year: month, day, name, and the first year it is one.
type Fixed = (i8, i8, &'static str, i16);
/// A holiday that follows Easter: days after Easter Sunday, and its name.
type AfterEaster = (i16, &'static str);

const FRANCE_FIXED: &[Fixed] = &[
    (1, 1, "Jour de l'an", i16::MIN),
    (5, 1, "Fête du Travail", i16::MIN),
    (5, 8, "Victoire 1945", i16::MIN),
    (7, 14, "Fête nationale", i16::MIN),
    (8, 15, "Assomption", i16::MIN),
    (11, 1, "Toussaint", i16::MIN),
    (11, 11, "Armistice 1918", i16::MIN),
    (12, 25, "Noël", i16::MIN),
];
const FRANCE_AFTER_EASTER: &[AfterEaster] = &[
    (1, "Lundi de Pâques"),
    (39, "Ascension"),
    (50, "Lundi de Pentecôte"),
];
const ITALY_FIXED: &[Fixed] = &[
    (1, 1, "Capodanno", i16::MIN),
    (1, 6, "Epifania", i16::MIN),
    (4, 25, "Festa della Liberazione", i16::MIN),
    (5, 1, "Festa del Lavoro", i16::MIN),
    (6, 2, "Festa della Repubblica", i16::MIN),
    (8, 15, "Ferragosto", i16::MIN),
    // From 2026, 4 October (Saint Francis) is a national holiday again (TERMS.md's list;
    // the independent list of the tests agrees).
    (10, 4, "San Francesco d'Assisi", 2026),
    (11, 1, "Ognissanti", i16::MIN),
    (12, 8, "Immacolata Concezione", i16::MIN),
    (12, 25, "Natale", i16::MIN),
    (12, 26, "Santo Stefano", i16::MIN),
];
const ITALY_AFTER_EASTER: &[AfterEaster] = &[(0, "Pasqua"), (1, "Lunedì dell'Angelo")];

impl HolidayCountry {
    fn tables(self) -> (&'static [Fixed], &'static [AfterEaster]) {
        match self {
            HolidayCountry::France => (FRANCE_FIXED, FRANCE_AFTER_EASTER),
            HolidayCountry::Italy => (ITALY_FIXED, ITALY_AFTER_EASTER),
        }
    }
}

/// The public holidays of `country` in `year`, in date order, with their names.
pub fn holidays(country: HolidayCountry, year: i16) -> Vec<(Date, &'static str)> {
    let (fixed, after_easter) = country.tables();
    let easter = easter_sunday(year);
    let mut list: Vec<(Date, &'static str)> = fixed
        .iter()
        .filter(|(_, _, _, from)| year >= *from)
        .map(|&(month, day, name, _)| (date(year, month, day), name))
        .chain(after_easter.iter().map(|&(days, name)| {
            let day = easter
                .checked_add(jiff::Span::new().days(days))
                .unwrap_or(easter);
            (day, name)
        }))
        .collect();
    list.sort_by_key(|(d, _)| *d);
    list
}

/// Whether `day` is a public holiday of `country`: the same tables as [`holidays`], read
/// without building the year's list (every deadline asks this of each day it counts).
pub fn is_holiday(country: HolidayCountry, day: Date) -> bool {
    let (fixed, after_easter) = country.tables();
    let (year, month, dom) = (day.year(), day.month(), day.day());
    if fixed
        .iter()
        .any(|&(m, d, _, from)| m == month && d == dom && year >= from)
    {
        return true;
    }
    // Easter falls between 22 March and 25 April, and nothing follows it by more than
    // 50 days: from March to June only.
    if !(3..=6).contains(&month) {
        return false;
    }
    let after = day.day_of_year() - easter_sunday(year).day_of_year();
    after_easter.iter().any(|&(days, _)| days == after)
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
