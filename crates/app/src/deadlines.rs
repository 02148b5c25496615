//! The deadline board: every running legal clock of the shop, soonest first, overdue ones
//! marked (`ecrin_core::deadlines` computes them; this reads the orders they run on).

use crate::backoffice::{require, staff};
use crate::{App, AppError};
use ecrin_core::account::Role;
use ecrin_core::deadlines::{self, Clock, OrderFacts};

/// Who reads the board: every role of staff (it names orders, no customer).
pub const READING: &[Role] = &[
    Role::Admin,
    Role::CustomerService,
    Role::Warehouse,
    Role::Accountant,
];

/// The rows read at a time from the tables that grow with the shop (open orders, recent
/// deliveries, returns awaited): a request holds one chunk of them, never the whole shop.
const CHUNK: i64 = 5_000;

/// The board as of now: every clock, the soonest due first (the API's whole board).
pub async fn board(app: &App, staff_id: &str) -> Result<Vec<Clock>, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, READING)?;
    let mut clocks = Vec::new();
    each_clock(app, |c| clocks.push(c)).await?;
    Ok(deadlines::board(clocks))
}

/// What the back office shows of the board: its `shown` soonest clocks and how many run,
/// are overdue, and are claims and questions to answer.
#[derive(Debug, Clone, Default)]
pub struct Soonest {
    pub clocks: Vec<Clock>,
    pub total: usize,
    pub overdue: usize,
    pub claims: usize,
    pub messages: usize,
}

/// The `shown` soonest clocks of the board and its counts, in memory for `shown` clocks
/// whatever the number running.
pub async fn soonest(app: &App, staff_id: &str, shown: usize) -> Result<Soonest, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, READING)?;
    let now = app.clock.now_ms();
    let mut out = Soonest::default();
    // The latest due of those kept on top, to be dropped for a sooner one.
    let mut kept = std::collections::BinaryHeap::<Latest>::new();
    each_clock(app, |c| {
        out.total += 1;
        out.overdue += usize::from(c.overdue(now));
        match c.kind {
            deadlines::ClockKind::ClaimAnswer => out.claims += 1,
            deadlines::ClockKind::MessageAnswer => out.messages += 1,
            _ => {}
        }
        if kept.len() < shown {
            kept.push(Latest(c));
        } else if kept
            .peek()
            .is_some_and(|top| Latest::key(&c) < Latest::key(&top.0))
        {
            kept.pop();
            kept.push(Latest(c));
        }
    })
    .await?;
    out.clocks = deadlines::board(kept.into_iter().map(|l| l.0).collect());
    Ok(out)
}

/// A clock ordered by when it falls due, then its order (the board's order).
struct Latest(Clock);

impl Latest {
    fn key(c: &Clock) -> (i64, &str) {
        (c.due_at, c.order_number.as_str())
    }
}

impl PartialEq for Latest {
    fn eq(&self, other: &Self) -> bool {
        Latest::key(&self.0) == Latest::key(&other.0)
    }
}

impl Eq for Latest {}

impl PartialOrd for Latest {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Latest {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        Latest::key(&self.0).cmp(&Latest::key(&other.0))
    }
}

/// Every running clock, one at a time, to `f`.
async fn each_clock(app: &App, mut f: impl FnMut(Clock)) -> Result<(), AppError> {
    let p = &app.profile;
    let mut after = String::new();
    loop {
        let chunk = app.store.open_orders(&after, CHUNK).await?;
        let Some(last) = chunk.last() else { break };
        after = last.number.clone();
        let full = chunk.len() as i64 == CHUNK;
        for o in chunk {
            let announced = o.announced_delivery.and_then(|d| d.parse().ok());
            let facts = OrderFacts {
                number: o.number,
                status: o.status,
                payment_method: o.payment_method,
                placed_at: o.placed_at,
                paid_at: o.paid_at,
                announced_delivery: announced,
                returned_at: o.returned_at,
            };
            deadlines::order_clocks(p, &facts)
                .into_iter()
                .for_each(&mut f);
        }
        if !full {
            break;
        }
    }
    // WDR-1: the windows still running (the longest is 14 working days: 40 days back
    // covers it across any holidays).
    let now = app.clock.now_ms();
    let mut after = String::new();
    loop {
        let chunk = app
            .store
            .recent_deliveries(now - 40 * 86_400_000, &after, CHUNK)
            .await?;
        let Some(last) = chunk.last() else { break };
        after = last.number.clone();
        let full = chunk.len() as i64 == CHUNK;
        for d in chunk {
            deadlines::withdrawal_clock(p, &d.number, d.delivered_at, now)
                .into_iter()
                .for_each(&mut f);
        }
        if !full {
            break;
        }
    }
    // WDR-2: pieces withdrawn, awaited back.
    let mut after: Option<(i64, String)> = None;
    loop {
        let chunk = app
            .store
            .returns_awaited(after.as_ref().map(|(at, id)| (*at, id.as_str())), CHUNK)
            .await?;
        let Some((last, _)) = chunk.last() else { break };
        after = Some((last.notified_at, last.id.clone()));
        let full = chunk.len() as i64 == CHUNK;
        for (w, number) in chunk {
            match w.received_at {
                // WDR-5: back at the house, to inspect and refund.
                Some(received) => {
                    deadlines::withdrawal_refund_clock(p, &number, w.notified_at, received)
                        .into_iter()
                        .for_each(&mut f)
                }
                None => {
                    if let Some(by) = w.return_by.as_deref().and_then(|d| d.parse().ok()) {
                        f(deadlines::return_clock(p, &number, by));
                    }
                }
            }
        }
        if !full {
            break;
        }
    }
    // DLV-4: additional deadlines set for late orders.
    for (number, day) in app.store.late_deadlines().await? {
        if let Ok(day) = day.parse() {
            f(deadlines::late_delivery_clock(p, &number, day));
        }
    }
    // WAR-3: claims and customers' messages, answered within 15 days.
    for (c, number) in app.store.open_claims().await? {
        if let Ok(day) = c.answer_due.parse() {
            f(Clock {
                kind: deadlines::ClockKind::ClaimAnswer,
                order_number: number,
                due_at: deadlines::end_of(p, day),
            });
        }
    }
    for (id, created_at) in app.store.unanswered_tickets().await? {
        if let Some(day) = deadlines::day_of(p, created_at) {
            f(Clock {
                kind: deadlines::ClockKind::MessageAnswer,
                order_number: id,
                due_at: deadlines::end_of(p, ecrin_core::claims::answer_due(p, day)),
            });
        }
    }
    for r in app.store.pending_refunds().await? {
        deadlines::refund_clock(p, &r.order_number, r.created_at, r.paid_at)
            .into_iter()
            .for_each(&mut f);
    }
    Ok(())
}
