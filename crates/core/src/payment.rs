//! Payment rules (PAY-4): the day by which a bank transfer must be received.

use crate::Profile;
use crate::calendar::{HolidayCountry, add_working_days};
use crate::states::named_states;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// PAY-4: the day by which a transfer must be received (the profile's working days after
/// the order, in the merchant's calendar), and the moment after it, when the order is
/// cancelled: the start of the next day in the merchant's time zone (Unix milliseconds).
/// `None` where the profile takes no transfers.
pub fn transfer_deadline(profile: &Profile, placed_at_ms: i64) -> Option<(Date, i64)> {
    let days = profile.payment.bank_transfer_days?;
    let zone = TimeZone::get(&profile.time_zone).unwrap_or(TimeZone::UTC);
    let placed = jiff::Timestamp::from_millisecond(placed_at_ms).ok()?;
    let country = HolidayCountry::from_code(&profile.country).unwrap_or(HolidayCountry::France);
    let due = add_working_days(country, placed.to_zoned(zone.clone()).date(), days);
    let after = due
        .tomorrow()
        .ok()?
        .to_zoned(zone)
        .ok()?
        .timestamp()
        .as_millisecond();
    Some((due, after))
}

named_states! {
    /// One attempt to pay an order by card (PAY-1, PAY-3).
    AttemptState {
        /// Waiting for the provider's word.
        Pending = "pending",
        Captured = "captured",
        Refused = "refused",
    }
}

named_states! {
    /// A refund asked of the payment provider (PAY-1, INV-3).
    RefundState {
        /// Asked of the provider, not yet confirmed.
        Pending = "pending",
        Succeeded = "succeeded",
    }
}

named_states! {
    /// What the card payment provider did with a charge (its own record).
    ChargeState {
        /// 3-D Secure asked the cardholder to confirm.
        Challenge = "challenge",
        Succeeded = "succeeded",
        Refused = "refused",
    }
}
