//! The clocks that start at delivery (DLV-6): the withdrawal window (WDR-1) and the legal
//! warranty of conformity (WAR-1), in the merchant's calendar.

use crate::Profile;
use crate::calendar::{HolidayCountry, add_clear_days, add_working_days, next_working_day};
use crate::profile::DayUnit;
use crate::states::named_states;
use jiff::civil::Date;

named_states! {
    /// WDR-1: what the customer wants instead of the pieces.
    Outcome {
        Refund = "refund",
        /// WDR-6: another piece (where the profile allows exchanges).
        Exchange = "exchange",
    }
}

named_states! {
    /// A withdrawal: pieces to send back (authorised, WDR-2), or nothing to send back.
    WithdrawalState {
        Authorised = "authorised",
        /// WDR-4: the pieces are back, to inspect.
        Received = "received",
        /// WDR-4: inspected and accepted: refunded in full.
        Accepted = "accepted",
        /// WDR-4: accepted with a reduced refund (wear).
        Reduced = "reduced",
        /// WDR-4: refused (worn, altered, papers missing), sent back at the customer's cost.
        Refused = "refused",
        /// Everything withdrawn was cancelled before it left.
        Closed = "closed",
    }
}

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

/// WDR-2: the last day to send back the pieces of a withdrawal notified on `notified`:
/// the profile's days after the notice.
pub fn return_by(profile: &Profile, notified: Date) -> Date {
    add_clear_days(notified, profile.withdrawal.return_within_days)
}

/// WDR-2 (`milano`): the house's courier collects on the first working day after the
/// notice.
pub fn pickup_date(profile: &Profile, notified: Date) -> Date {
    next_working_day(country(profile), notified.tomorrow().unwrap_or(notified))
}

/// What a line stands at, for a withdrawal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFacts {
    pub line_no: i64,
    /// WDR-3: false for custom-made, engraved or personalised pieces.
    pub withdrawable: bool,
    /// Units not yet shipped (still due).
    pub unshipped: i64,
    /// Units shipped, not yet delivered.
    pub in_transit: i64,
    /// Units delivered.
    pub delivered: i64,
    /// The last day units of the line were delivered.
    pub delivered_on: Option<Date>,
    /// Units already withdrawn and to be sent back (earlier notices).
    pub withdrawn: i64,
}

/// What of a line is still the customer's to withdraw from (WDR-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineLeft {
    /// Units on their way, not yet withdrawn.
    pub in_transit: i64,
    /// Units delivered, not yet withdrawn.
    pub delivered: i64,
    /// The window of the delivered units has closed.
    pub closed: bool,
}

impl LineFacts {
    /// What is left of the line on `today`: earlier notices take the delivered units
    /// first, then those on their way.
    pub fn left(&self, profile: &Profile, today: Date) -> LineLeft {
        LineLeft {
            delivered: (self.delivered - self.withdrawn).max(0),
            in_transit: (self.in_transit - (self.withdrawn - self.delivered).max(0)).max(0),
            closed: self
                .delivered_on
                .is_some_and(|d| today > deadline(profile, d)),
        }
    }

    /// The most units that may be withdrawn from on `today`: none of an excluded piece
    /// (WDR-3), and none delivered once their window has closed (WDR-1).
    pub fn most(&self, profile: &Profile, today: Date) -> i64 {
        if !self.withdrawable {
            return 0;
        }
        let left = self.left(profile, today);
        self.unshipped + left.in_transit + if left.closed { 0 } else { left.delivered }
    }
}

/// WDR-1, WDR-7: what a withdrawal does to the units asked: those not yet shipped are
/// cancelled at once; those on their way or delivered are to be sent back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub cancel: Vec<crate::order::Units>,
    pub send_back: Vec<crate::order::Units>,
}

/// WDR-1, WDR-3, WDR-7: checks a withdrawal of `asked` units (per line, as many as are
/// still the customer's) on `today`, and says which units are cancelled and which are sent
/// back. Before delivery it is allowed too; after, only within the window (WDR-1); never
/// for a custom-made or engraved line (WDR-3).
pub fn plan(
    profile: &Profile,
    lines: &[LineFacts],
    asked: &[crate::order::Units],
    today: Date,
) -> Result<Plan, crate::Refusal> {
    use crate::Refusal;
    use crate::order::Units;
    let mut merged: Vec<Units> = Vec::new();
    for u in asked {
        if u.quantity <= 0 {
            return Err(Refusal::invalid("lines", "quantity_not_positive"));
        }
        match merged.iter_mut().find(|m| m.line_no == u.line_no) {
            Some(m) => m.quantity += u.quantity,
            None => merged.push(*u),
        }
    }
    if merged.is_empty() {
        return Err(Refusal::invalid("lines", "empty"));
    }
    let mut plan = Plan::default();
    for u in &merged {
        let Some(l) = lines.iter().find(|l| l.line_no == u.line_no) else {
            return Err(Refusal::invalid("lines", "not_in_order"));
        };
        if !l.withdrawable {
            return Err(excluded_custom());
        }
        let left = l.left(profile, today);
        if u.quantity > l.unshipped + left.in_transit + left.delivered {
            return Err(Refusal::invalid("lines", "more_than_left"));
        }
        // Units not yet shipped go first, then those on their way, then those delivered.
        let cancel = u.quantity.min(l.unshipped);
        let back = u.quantity - cancel;
        let from_delivered = (back - left.in_transit).max(0);
        if from_delivered > 0 && left.closed {
            return Err(Refusal::new(
                "withdrawal_window_closed",
                "the withdrawal period for this piece has ended",
            ));
        }
        if cancel > 0 {
            plan.cancel.push(Units {
                line_no: u.line_no,
                quantity: cancel,
            });
        }
        if back > 0 {
            plan.send_back.push(Units {
                line_no: u.line_no,
                quantity: back,
            });
        }
    }
    Ok(plan)
}

/// WDR-7: the withdrawal function needs no login, but it cannot be used to guess. A guest
/// names an order by its number and the e-mail address it was placed with; a pair that
/// does not go together is a failure, counted against the client's address, the order
/// number and the e-mail address alike, for [`GUEST_WINDOW_MS`]. Once one of them has
/// reached its limit, every guest lookup by it is refused (`rate_limited`), a right pair as
/// a wrong one, so that trying numbers against a known address finds nothing.
pub const GUEST_WINDOW_MS: i64 = 3_600_000;
/// Failures a client address may make in [`GUEST_WINDOW_MS`].
pub const GUEST_FAILURES_PER_CLIENT: i64 = 20;
/// Failures against one order number, whoever makes them.
pub const GUEST_FAILURES_PER_ORDER: i64 = 5;
/// Failures against one e-mail address, whoever makes them.
pub const GUEST_FAILURES_PER_EMAIL: i64 = 5;

/// WDR-7: how long the link e-mailed for a guest's withdrawal can be followed: as long as
/// the legal period itself, so that a notice made on its last day can still be confirmed.
pub const GUEST_CONFIRM_MS: i64 = 14 * 86_400_000;

/// The failures of a guest lookup's three keys in the last [`GUEST_WINDOW_MS`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GuestFailures {
    pub client: i64,
    pub order: i64,
    pub email: i64,
}

/// WDR-7: whether a guest may look an order up now, given the failures of its client
/// address, order number and e-mail address.
pub fn guest_lookup_allowed(f: GuestFailures) -> bool {
    f.client < GUEST_FAILURES_PER_CLIENT
        && f.order < GUEST_FAILURES_PER_ORDER
        && f.email < GUEST_FAILURES_PER_EMAIL
}

/// A line of an order as a refund weighs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricedLine {
    pub line_no: i64,
    /// Minor units, VAT included.
    pub unit_price: i64,
    pub quantity: i64,
    pub cancelled: i64,
}

/// WDR-5: what a withdrawal of `back` refunds once the pieces are received: their price,
/// and the order's `delivery_charge` when nothing of the order is kept, unless it went by
/// a `priority` service (its premium is never refunded; the standard charge for the same
/// parcel is settled when the refund is made). Minor units.
pub fn refund_estimate(
    lines: &[PricedLine],
    back: &[crate::order::Units],
    delivery_charge: i64,
    priority: bool,
) -> i64 {
    let goods: i64 = back
        .iter()
        .filter_map(|u| {
            let l = lines.iter().find(|l| l.line_no == u.line_no)?;
            Some(l.unit_price * u.quantity)
        })
        .sum();
    let kept: i64 = lines.iter().map(|l| l.quantity - l.cancelled).sum::<i64>()
        - back.iter().map(|u| u.quantity).sum::<i64>();
    if kept <= 0 && !priority {
        goods + delivery_charge
    } else {
        goods
    }
}

/// WDR-3: the refusal of a withdrawal, or of its form, for pieces made to the customer's
/// specification or engraved.
pub fn excluded_custom() -> crate::Refusal {
    crate::Refusal::new(
        "withdrawal_excluded_custom",
        "a piece made to your specification or engraved cannot be withdrawn from",
    )
}
