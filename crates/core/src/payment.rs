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

/// STK-2: an IBAN as a customer types it, checked (ISO 13616: a country code, two check
/// digits making the whole number 1 modulo 97, 15 to 34 letters and digits) and written
/// in groups of four; the reason otherwise.
pub fn check_iban(typed: &str) -> Result<String, &'static str> {
    let compact: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !(15..=34).contains(&compact.len()) || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err("not_an_iban");
    }
    let b = compact.as_bytes();
    if !b[0].is_ascii_uppercase()
        || !b[1].is_ascii_uppercase()
        || !b[2].is_ascii_digit()
        || !b[3].is_ascii_digit()
    {
        return Err("not_an_iban");
    }
    // The first four characters go to the end; letters count as 10 to 35.
    let mut rest: u32 = 0;
    for c in compact[4..].chars().chain(compact[..4].chars()) {
        let v = c.to_digit(36).unwrap_or(0);
        rest = if v >= 10 {
            (rest * 100 + v) % 97
        } else {
            (rest * 10 + v) % 97
        };
    }
    if rest != 1 {
        return Err("iban_check_failed");
    }
    Ok(compact
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" "))
}

/// An IBAN as it may be kept once the transfer is sent: its country and last four.
pub fn masked_iban(iban: &str) -> String {
    let compact: String = iban.chars().filter(|c| !c.is_whitespace()).collect();
    let n = compact.chars().count();
    let head: String = compact.chars().take(2).collect();
    let tail: String = compact.chars().skip(n.saturating_sub(4)).collect();
    format!("{head}•• •••• {tail}")
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
    /// Where a refund goes when it does not go back to the payment it came from (STK-2:
    /// `paris` lets the customer choose for a line cancelled for want of stock).
    RefundDestination {
        /// Owed, waiting for the customer's choice.
        CustomerChoice = "customer_choice",
        /// A transfer the house sends to the account the customer gave.
        BankTransfer = "bank_transfer",
        /// A credit note to spend in the shop: the account's credit.
        StoreCredit = "store_credit",
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
