//! Claims (DLV-7, WAR-1, WAR-2, WAR-3): damage or a missing piece reported within a few
//! working days of receipt, a defect under the legal warranty of conformity, and the
//! house's answer, due within 15 days. Pure rules over dates in the house's calendar.

use crate::Profile;
use crate::calendar::{HolidayCountry, add_clear_days, add_working_days};
use crate::refusal::{Refusal, RefusalKind};
use crate::states::named_states;
use jiff::civil::Date;

named_states! {
    /// What a claim is about.
    ClaimKind {
        /// DLV-7: the piece arrived damaged.
        DamagedOnDelivery = "damaged_on_delivery",
        /// DLV-7: a piece is missing from the parcel.
        MissingItem = "missing_item",
        /// WAR-1: a lack of conformity that appeared after delivery.
        Warranty = "warranty",
    }
}

named_states! {
    /// Where a claim stands: open until the house decides (WAR-2).
    ClaimState {
        Open = "open",
        /// The piece is repaired at the house's cost.
        Repair = "repair",
        /// The piece is replaced.
        Replace = "replace",
        /// The piece's price is refunded.
        Refund = "refund",
        /// No defect, or misuse and wear (excluded), or the report came too late.
        Refused = "refused",
    }
}

fn country(profile: &Profile) -> HolidayCountry {
    HolidayCountry::from_code(&profile.country).unwrap_or(HolidayCountry::France)
}

/// DLV-7: the last day to report damage or a missing piece received on `received`: the
/// profile's working days after it (3).
pub fn report_deadline(profile: &Profile, received: Date) -> Date {
    add_working_days(
        country(profile),
        received,
        profile.after_sales.damage_report_working_days,
    )
}

fn months(day: Date, n: u32) -> Date {
    day.checked_add(jiff::Span::new().months(i64::from(n)))
        .unwrap_or(day)
}

/// DLV-7, WAR-1: whether a claim of `kind` on a piece delivered on `delivered` may be made
/// on `today`. Damage and missing pieces: within the report period (`report_window_closed`
/// after). A defect: within the warranty of conformity from delivery (24 months); for
/// `milano` a defect must also be reported within 2 months of its discovery
/// (`discovered`, today when not said) and any action brought within 26 months of
/// delivery (`warranty_expired` otherwise).
pub fn may_claim(
    profile: &Profile,
    kind: ClaimKind,
    delivered: Date,
    today: Date,
    discovered: Option<Date>,
) -> Result<(), Refusal> {
    let expired = |detail: String| Refusal::of(RefusalKind::Rule, "warranty_expired", detail);
    match kind {
        ClaimKind::DamagedOnDelivery | ClaimKind::MissingItem => {
            let last = report_deadline(profile, delivered);
            if today > last {
                return Err(Refusal::of(
                    RefusalKind::Rule,
                    "report_window_closed",
                    format!(
                        "damage and missing pieces are reported within {} working days of receipt (until {last}); a defect may still be claimed under the warranty",
                        profile.after_sales.damage_report_working_days
                    ),
                ));
            }
            Ok(())
        }
        ClaimKind::Warranty => {
            let a = &profile.after_sales;
            let until = months(delivered, a.warranty_months);
            let discovered = discovered.unwrap_or(today);
            if discovered > today {
                return Err(Refusal::invalid("discovered_on", "not_in_the_future"));
            }
            if discovered < delivered {
                return Err(Refusal::invalid("discovered_on", "after_delivery"));
            }
            if discovered > until {
                return Err(expired(format!(
                    "the warranty of conformity ran until {until}"
                )));
            }
            if let Some(report) = a.defect_report_months
                && today > months(discovered, report)
            {
                return Err(expired(format!(
                    "a defect is reported within {report} months of its discovery"
                )));
            }
            if let Some(action) = a.warranty_action_months
                && today > months(delivered, action)
            {
                return Err(expired(format!(
                    "the action under the warranty ran until {}",
                    months(delivered, action)
                )));
            }
            Ok(())
        }
    }
}

/// WAR-3: the day a request received on `received` is to be answered by (15 days).
pub fn answer_due(profile: &Profile, received: Date) -> Date {
    add_clear_days(received, profile.after_sales.answer_within_days)
}
