//! Every running legal clock as data (the deadline board): what it is, the rule it comes
//! from, the order it concerns, and when it falls due. The board is a query over these,
//! sorted by due date, never a report written by hand.

use crate::Profile;
use crate::calendar::{HolidayCountry, add_clear_days, add_working_days, next_working_day};
use crate::order::OrderState;
use crate::profile::{DayUnit, PaymentMethod};
use crate::refusal::{Refusal, RefusalKind};
use crate::states::named_states;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

named_states! {
    /// What a clock measures.
    ClockKind {
        /// PAY-4: a bank transfer must arrive by then, or the order is cancelled.
        TransferDeadline = "transfer_deadline",
        /// DLV-2: the order must be prepared by then.
        PreparationDue = "preparation_due",
        /// DLV-4: the order must be delivered by then.
        DeliveryLimit = "delivery_limit",
        /// DLV-5: returned undelivered, abandoned without instructions by then.
        Abandonment = "abandonment",
        /// STK-2, PAY-1: a refund the house owes, to be made by then.
        RefundDue = "refund_due",
        /// WDR-1: the customer may withdraw from the delivered pieces until then.
        WithdrawalWindow = "withdrawal_window",
        /// WDR-2: the withdrawn pieces are to be sent back by then.
        ReturnBy = "return_by",
        /// WDR-5: a return received is to be refunded by then.
        WithdrawalRefund = "withdrawal_refund",
        /// DLV-4: the additional deadline a customer set for a late delivery; once it has
        /// passed they may cancel.
        LateDeliveryDeadline = "late_delivery_deadline",
        /// WAR-3: a claim on an order is to be answered by then.
        ClaimAnswer = "claim_answer",
        /// WAR-3, PRV-9: a customer's message is to be answered by then (its
        /// `order_number` is the message's id).
        MessageAnswer = "message_answer",
    }
}

impl ClockKind {
    /// The rule of TERMS.md the clock comes from.
    pub fn rule(self) -> &'static str {
        match self {
            ClockKind::TransferDeadline => "PAY-4",
            ClockKind::PreparationDue => "DLV-2",
            ClockKind::DeliveryLimit => "DLV-4",
            ClockKind::Abandonment => "DLV-5",
            ClockKind::RefundDue => "STK-2",
            ClockKind::WithdrawalWindow => "WDR-1",
            ClockKind::ReturnBy => "WDR-2",
            ClockKind::WithdrawalRefund => "WDR-5",
            ClockKind::LateDeliveryDeadline => "DLV-4",
            ClockKind::ClaimAnswer | ClockKind::MessageAnswer => "WAR-3",
        }
    }
}

/// One running clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    pub kind: ClockKind,
    pub order_number: String,
    /// When it falls due (Unix milliseconds): the end of its last day in the merchant's
    /// time zone.
    pub due_at: i64,
}

impl Clock {
    pub fn overdue(&self, now_ms: i64) -> bool {
        now_ms >= self.due_at
    }
}

/// What the clocks of an order are computed from.
#[derive(Debug, Clone)]
pub struct OrderFacts {
    pub number: String,
    pub status: OrderState,
    pub payment_method: PaymentMethod,
    pub placed_at: i64,
    /// PAY-2: when the full amount was received.
    pub paid_at: Option<i64>,
    /// DLV-2: the latest arrival the summary announced (made to order: later than the
    /// general limit).
    pub announced_delivery: Option<Date>,
    /// DLV-5: when a parcel came back undelivered.
    pub returned_at: Option<i64>,
}

/// DLV-5: the months an order returned undelivered waits for the customer's instructions.
pub const ABANDONED_AFTER_MONTHS: i64 = 12;

/// DLV-5: when an order returned at `returned_at` is abandoned: twelve months later, in
/// the merchant's time zone.
pub fn abandonment_due(profile: &Profile, returned_at: i64) -> i64 {
    Timestamp::from_millisecond(returned_at)
        .ok()
        .and_then(|t| {
            t.to_zoned(zone(profile))
                .checked_add(jiff::Span::new().months(ABANDONED_AFTER_MONTHS))
                .ok()
        })
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(returned_at)
}

fn zone(profile: &Profile) -> TimeZone {
    TimeZone::get(&profile.time_zone).unwrap_or(TimeZone::UTC)
}

/// The end of `day` in the merchant's time zone: the start of the next.
pub fn end_of(profile: &Profile, day: Date) -> i64 {
    day.tomorrow()
        .ok()
        .and_then(|d| d.to_zoned(zone(profile)).ok())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(i64::MAX)
}

/// The day of a moment in the merchant's time zone.
pub fn day_of(profile: &Profile, ms: i64) -> Option<Date> {
    Some(
        Timestamp::from_millisecond(ms)
            .ok()?
            .to_zoned(zone(profile))
            .date(),
    )
}

/// DLV-4: the latest delivery for an order paid on `paid`: the profile's limit (30
/// working days `paris`, 30 days `milano`), or the later date the summary announced.
pub fn delivery_limit(profile: &Profile, paid: Date, announced: Option<Date>) -> Date {
    let country = HolidayCountry::from_code(&profile.country).unwrap_or(HolidayCountry::France);
    let period = profile.delivery.max_delivery;
    let limit = match period.unit {
        DayUnit::WorkingDays => add_working_days(country, paid, period.count),
        DayUnit::Days => next_working_day(country, add_clear_days(paid, period.count)),
    };
    announced.map_or(limit, |a| a.max(limit))
}

/// STK-2: the day by which a refund asked on `asked` is due: the profile's period (30 days
/// `paris`, 14 working days `atelier`, 14 days `milano`).
pub fn refund_due(profile: &Profile, asked: Date) -> Date {
    let country = HolidayCountry::from_code(&profile.country).unwrap_or(HolidayCountry::France);
    let period = profile.after_sales.stockout_refund;
    match period.unit {
        DayUnit::WorkingDays => add_working_days(country, asked, period.count),
        DayUnit::Days => add_clear_days(asked, period.count),
    }
}

/// The clocks an order has running now.
pub fn order_clocks(profile: &Profile, o: &OrderFacts) -> Vec<Clock> {
    let clock = |kind, due_at| Clock {
        kind,
        order_number: o.number.clone(),
        due_at,
    };
    let mut clocks = Vec::new();
    match o.status {
        OrderState::AwaitingPayment if o.payment_method == PaymentMethod::BankTransfer => {
            if let Some((_, after)) = crate::payment::transfer_deadline(profile, o.placed_at) {
                clocks.push(clock(ClockKind::TransferDeadline, after));
            }
        }
        OrderState::BeingPrepared | OrderState::Shipped => {
            let Some(paid_at) = o.paid_at else {
                return clocks;
            };
            if o.status == OrderState::BeingPrepared
                && let Ok(paid) = Timestamp::from_millisecond(paid_at)
            {
                let due = crate::delivery::preparation_due(profile, paid);
                clocks.push(clock(ClockKind::PreparationDue, end_of(profile, due)));
            }
            if let Some(paid) = day_of(profile, paid_at) {
                let limit = delivery_limit(profile, paid, o.announced_delivery);
                clocks.push(clock(ClockKind::DeliveryLimit, end_of(profile, limit)));
            }
        }
        OrderState::BeingReturned => {
            if let Some(at) = o.returned_at {
                clocks.push(clock(ClockKind::Abandonment, abandonment_due(profile, at)));
            }
        }
        _ => {}
    }
    clocks
}

/// STK-2: the day a refund asked at `asked_at` of an order paid at `paid_at` is due by:
/// the profile's period from the cancellation, or (`paris`) from the day the price was
/// received.
pub fn refund_due_by(profile: &Profile, asked_at: i64, paid_at: Option<i64>) -> Option<Date> {
    let from = match profile.after_sales.stockout_refund_from {
        crate::profile::RefundFrom::Payment => paid_at.unwrap_or(asked_at).min(asked_at),
        crate::profile::RefundFrom::Cancellation => asked_at,
    };
    day_of(profile, from).map(|d| refund_due(profile, d))
}

/// STK-2: the clock of a refund asked at `asked_at` and not yet made.
pub fn refund_clock(
    profile: &Profile,
    order_number: &str,
    asked_at: i64,
    paid_at: Option<i64>,
) -> Option<Clock> {
    Some(Clock {
        kind: ClockKind::RefundDue,
        order_number: order_number.to_owned(),
        due_at: end_of(profile, refund_due_by(profile, asked_at, paid_at)?),
    })
}

/// WDR-1: the withdrawal window of an order last delivered at `delivered_at`, while it
/// runs at `now_ms`.
pub fn withdrawal_clock(
    profile: &Profile,
    order_number: &str,
    delivered_at: i64,
    now_ms: i64,
) -> Option<Clock> {
    let due_at = end_of(
        profile,
        crate::withdrawal::deadline(profile, day_of(profile, delivered_at)?),
    );
    (now_ms < due_at).then(|| Clock {
        kind: ClockKind::WithdrawalWindow,
        order_number: order_number.to_owned(),
        due_at,
    })
}

/// WDR-2: the day withdrawn pieces are to be sent back by.
pub fn return_clock(profile: &Profile, order_number: &str, return_by: Date) -> Clock {
    Clock {
        kind: ClockKind::ReturnBy,
        order_number: order_number.to_owned(),
        due_at: end_of(profile, return_by),
    }
}

/// WDR-5: the day a return received at `received_at`, notified at `notified_at`, is to be
/// refunded by: the profile's days from the goods' arrival (`paris`, `atelier`), or from
/// the notice once they arrived (`milano`).
pub fn withdrawal_refund_clock(
    profile: &Profile,
    order_number: &str,
    notified_at: i64,
    received_at: i64,
) -> Option<Clock> {
    let from = match profile.withdrawal.refund_clock {
        crate::profile::RefundClock::GoodsReceived => received_at,
        crate::profile::RefundClock::WithdrawalNotice => notified_at,
    };
    let due = add_clear_days(
        day_of(profile, from)?,
        profile.withdrawal.refund_within_days,
    );
    Some(Clock {
        kind: ClockKind::WithdrawalRefund,
        order_number: order_number.to_owned(),
        due_at: end_of(profile, due),
    })
}

/// DLV-4: what a customer asks of an order late in coming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LateAsk {
    /// An additional deadline for the delivery, the last day it may come.
    SetDeadline(Date),
    /// The contract ended, the order cancelled and refunded in full.
    Cancel,
}

/// The longest additional deadline a customer may set, in days from today.
pub const LATE_DEADLINE_MAX_DAYS: u32 = 90;

/// DLV-4: whether `ask` may be done on `today`, for an order to be delivered by `limit`
/// ([`delivery_limit`]), whose date the customer declared `essential` or not, with the
/// additional deadline `extra` they set, if any. Nothing is late until `limit` has passed;
/// then the customer sets an additional deadline (a later one replaces it), and may cancel
/// once it has passed too, or at once when the date was essential.
pub fn late_delivery(
    limit: Date,
    today: Date,
    essential: bool,
    extra: Option<Date>,
    ask: LateAsk,
) -> Result<(), Refusal> {
    let not_late = |detail: String| Refusal::of(RefusalKind::Rule, "delivery_not_late", detail);
    if today <= limit {
        return Err(not_late(format!(
            "the order may be delivered until {limit}"
        )));
    }
    match ask {
        LateAsk::SetDeadline(d) => {
            if d <= today {
                return Err(Refusal::invalid("deadline", "after_today"));
            }
            if d > add_clear_days(today, LATE_DEADLINE_MAX_DAYS) {
                return Err(Refusal::invalid("deadline", "within_90_days"));
            }
            if extra.is_some_and(|e| d <= e) {
                return Err(Refusal::invalid("deadline", "later_than_the_one_set"));
            }
            Ok(())
        }
        LateAsk::Cancel if essential => Ok(()),
        LateAsk::Cancel => match extra {
            None => Err(not_late(
                "set an additional deadline first: once it has passed, you may cancel".into(),
            )),
            Some(e) if today <= e => Err(not_late(format!(
                "the order may still be delivered until {e}, the deadline you set"
            ))),
            Some(_) => Ok(()),
        },
    }
}

/// DLV-4: the additional deadline set for a late order.
pub fn late_delivery_clock(profile: &Profile, order_number: &str, deadline: Date) -> Clock {
    Clock {
        kind: ClockKind::LateDeliveryDeadline,
        order_number: order_number.to_owned(),
        due_at: end_of(profile, deadline),
    }
}

/// The board: every clock, the soonest due first.
pub fn board(mut clocks: Vec<Clock>) -> Vec<Clock> {
    clocks.sort_by(|a, b| {
        a.due_at
            .cmp(&b.due_at)
            .then_with(|| a.order_number.cmp(&b.order_number))
    });
    clocks
}
