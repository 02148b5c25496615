//! The clocks that start at delivery (DLV-6): the withdrawal window (WDR-1) and the legal
//! warranty of conformity (WAR-1), in the merchant's calendar.

use crate::Profile;
use crate::calendar::{HolidayCountry, add_clear_days, add_working_days, next_working_day};
use crate::profile::DayUnit;
use jiff::civil::Date;

fn country(profile: &Profile) -> HolidayCountry {
    HolidayCountry::from_code(&profile.country).unwrap_or(HolidayCountry::France)
}

/// WDR-1: the last day the customer may withdraw from a line delivered on `delivered`:
/// `paris` 14 working days from receipt; `atelier`, `milano` 14 days from delivery, the
/// day of delivery not counted, and a period ending on a Saturday, Sunday or public
/// holiday running to the next working day (Regulation 1182/71, art. 3(4)).
pub fn deadline(profile: &Profile, delivered: Date) -> Date {
    let period = profile.withdrawal.period;
    match period.unit {
        DayUnit::WorkingDays => add_working_days(country(profile), delivered, period.count),
        DayUnit::Days => {
            next_working_day(country(profile), add_clear_days(delivered, period.count))
        }
    }
}

/// WAR-1: the last day of the legal warranty of conformity: the profile's months (two
/// years) from delivery.
pub fn warranty_until(profile: &Profile, delivered: Date) -> Date {
    delivered
        .checked_add(jiff::Span::new().months(i64::from(profile.after_sales.warranty_months)))
        .unwrap_or(delivered)
}
