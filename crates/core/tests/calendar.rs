//! The calendar (DLV-2 and every deadline in working days): holidays of France and Italy
//! computed and checked against an independent list for 2024–2035, working days, clear
//! days, the start of preparation in the merchant's time zone across DST changes.

use ecrin_core::calendar::{
    HolidayCountry, add_clear_days, add_working_days, easter_sunday, holidays, is_working_day,
    next_working_day, preparation_start,
};
use jiff::civil::{Date, Weekday, date};
use jiff::tz::TimeZone;
use proptest::prelude::*;
use std::collections::BTreeSet;

const FIXTURE: &str = include_str!("fixtures/holidays-fr-it-2024-2035.txt");

fn independent(country: &str) -> BTreeSet<Date> {
    FIXTURE
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            (parts.next()? == country).then(|| parts.next()?.parse().ok())?
        })
        .collect()
}

fn weekday(d: &Date) -> bool {
    !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// Checks DLV-2: the computed holidays that fall on a weekday, the ones that change working
/// days, are exactly those of an independent list. (That list also names celebrations
/// that are always Sundays, such as Italy's National Unity Day on the first Sunday of
/// November.)
#[test]
fn dlv_2_holidays_match_an_independent_list_2024_to_2035() {
    for (code, country) in [
        ("FR", HolidayCountry::France),
        ("IT", HolidayCountry::Italy),
    ] {
        let ours: BTreeSet<Date> = (2024..=2035)
            .flat_map(|y| holidays(country, y).into_iter().map(|(d, _)| d))
            .filter(weekday)
            .collect();
        let theirs: BTreeSet<Date> = independent(code).into_iter().filter(weekday).collect();
        assert!(theirs.len() > 90, "{code}: fixture read");
        assert_eq!(ours, theirs, "{code}");
        // And the check each deadline makes of a day, which reads the same tables
        // without the year's list, says so of every weekday of those twelve years.
        let mut day = date(2024, 1, 1);
        while day.year() <= 2035 {
            if weekday(&day) {
                assert_eq!(
                    is_working_day(country, day),
                    !theirs.contains(&day),
                    "{code} {day}"
                );
            }
            day = day.tomorrow().unwrap_or(day);
        }
    }
    assert_eq!(easter_sunday(2026), date(2026, 4, 5));
    assert_eq!(easter_sunday(2035), date(2035, 3, 25));
}

/// Checks DLV-2: Friday afternoon, the weekend and holidays, in the merchant's zone.
#[test]
fn dlv_2_preparation_starts_on_the_next_working_day() {
    let paris = TimeZone::get("Europe/Paris").unwrap_or(TimeZone::UTC);
    let rome = TimeZone::get("Europe/Rome").unwrap_or(TimeZone::UTC);
    let fr = HolidayCountry::France;
    let it = HolidayCountry::Italy;
    let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap_or_default();
    for (country, zone, paid, start) in [
        // Friday morning: the same day; Friday afternoon: Monday.
        (fr, &paris, "2026-11-20T10:59:00Z", date(2026, 11, 20)),
        (fr, &paris, "2026-11-20T11:00:00Z", date(2026, 11, 23)),
        // Saturday and Sunday: Monday.
        (fr, &paris, "2026-11-21T09:00:00Z", date(2026, 11, 23)),
        (fr, &paris, "2026-11-22T22:59:00Z", date(2026, 11, 23)),
        // Sunday 23:30 in Paris is already Monday: Monday.
        (fr, &paris, "2026-11-22T22:30:00Z", date(2026, 11, 23)),
        // The night of the change to summer time (29 March 2026): Sunday → Monday.
        (fr, &paris, "2026-03-29T01:30:00Z", date(2026, 3, 30)),
        // Friday 12:30 in Paris is 11:30 UTC in winter and 10:30 UTC in summer.
        (fr, &paris, "2026-07-03T10:30:00Z", date(2026, 7, 6)),
        (fr, &paris, "2026-07-03T09:59:00Z", date(2026, 7, 3)),
        // A Saturday before Easter Monday: Tuesday.
        (fr, &paris, "2026-04-04T10:00:00Z", date(2026, 4, 7)),
        // Paid on Ascension Thursday: Friday.
        (fr, &paris, "2026-05-14T08:00:00Z", date(2026, 5, 15)),
        // Italy: 2 June, Republic Day → 3 June; Friday 25 December 2026 afternoon → Monday
        // 28 (26 December is a Saturday).
        (it, &rome, "2026-06-02T08:00:00Z", date(2026, 6, 3)),
        (it, &rome, "2026-12-25T15:00:00Z", date(2026, 12, 28)),
        // Italy, end of summer time (25 October 2026), Sunday night → Monday.
        (it, &rome, "2026-10-25T00:30:00Z", date(2026, 10, 26)),
    ] {
        assert_eq!(preparation_start(country, zone, at(paid)), start, "{paid}");
    }
}

/// Checks DLV-2: counting working days and clear days.
#[test]
fn dlv_2_working_days_and_clear_days() {
    let fr = HolidayCountry::France;
    // From Friday 1 May 2026 (holiday): 5 working days → Monday 4 … Friday 8 is a holiday
    // (8 May), so Monday 11.
    assert_eq!(add_working_days(fr, date(2026, 5, 1), 5), date(2026, 5, 11));
    assert_eq!(
        add_working_days(fr, date(2026, 11, 20), 0),
        date(2026, 11, 20)
    );
    assert_eq!(next_working_day(fr, date(2026, 12, 25)), date(2026, 12, 28));
    // 14 clear days from 1 December end on 15 December.
    assert_eq!(add_clear_days(date(2026, 12, 1), 14), date(2026, 12, 15));
    assert!(!is_working_day(
        HolidayCountry::Italy,
        date(2026, 10, 5).yesterday().unwrap_or_default()
    ));
}

fn any_day() -> impl Strategy<Value = Date> {
    (0i64..4_383).prop_map(|n| {
        date(2024, 1, 1)
            .checked_add(jiff::Span::new().days(n))
            .unwrap_or_default()
    })
}

fn any_country() -> impl Strategy<Value = HolidayCountry> {
    prop_oneof![Just(HolidayCountry::France), Just(HolidayCountry::Italy)]
}

proptest! {
    /// Checks DLV-2: n working days after any day never land on a weekend or a holiday.
    #[test]
    fn dlv_2_working_days_never_land_on_a_day_off(country in any_country(), day in any_day(), n in 1u32..60) {
        let end = add_working_days(country, day, n);
        prop_assert!(is_working_day(country, end));
        prop_assert!(!matches!(end.weekday(), Weekday::Saturday | Weekday::Sunday));
        prop_assert!(end > day);
    }

    /// Checks DLV-2: adding working days is monotonic, in the count and in the start.
    #[test]
    fn dlv_2_adding_working_days_is_monotonic(country in any_country(), day in any_day(), n in 0u32..40, later in 0i64..30) {
        prop_assert!(add_working_days(country, day, n) <= add_working_days(country, day, n + 1));
        let start2 = day.checked_add(jiff::Span::new().days(later)).unwrap_or(day);
        prop_assert!(add_working_days(country, day, n) <= add_working_days(country, start2, n));
    }
}
