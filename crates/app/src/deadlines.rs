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

/// Reads a growing table `size` rows at a time and hands each row to `each`:
/// `next(after)` reads up to `size` rows after the key `after` (`None`: from the first),
/// in the order of the key `key` gives of a row.
async fn in_chunks<R, K, F>(
    size: i64,
    mut next: impl FnMut(Option<K>) -> F,
    key: impl Fn(&R) -> K,
    mut each: impl FnMut(R),
) -> Result<(), AppError>
where
    F: Future<Output = ecrin_store::Result<Vec<R>>>,
{
    let mut after = None;
    loop {
        let chunk = next(after.take()).await?;
        let full = chunk.len() as i64 == size;
        after = chunk.last().map(&key);
        chunk.into_iter().for_each(&mut each);
        if !full {
            return Ok(());
        }
    }
}

/// Every running clock, one at a time, to `f`.
async fn each_clock(app: &App, mut f: impl FnMut(Clock)) -> Result<(), AppError> {
    let p = &app.profile;
    in_chunks(
        CHUNK,
        |after: Option<String>| async move {
            app.store
                .open_orders(after.as_deref().unwrap_or(""), CHUNK)
                .await
        },
        |o| o.number.clone(),
        |o| {
            let facts = OrderFacts {
                announced_delivery: o.announced_delivery.and_then(|d| d.parse().ok()),
                number: o.number,
                status: o.status,
                payment_method: o.payment_method,
                placed_at: o.placed_at,
                paid_at: o.paid_at,
                returned_at: o.returned_at,
            };
            deadlines::order_clocks(p, &facts)
                .into_iter()
                .for_each(&mut f);
        },
    )
    .await?;
    // WDR-1: the windows still running (the longest is 14 working days: 40 days back
    // covers it across any holidays).
    let now = app.clock.now_ms();
    in_chunks(
        CHUNK,
        |after: Option<String>| async move {
            app.store
                .recent_deliveries(now - 40 * 86_400_000, after.as_deref().unwrap_or(""), CHUNK)
                .await
        },
        |d| d.number.clone(),
        |d| {
            deadlines::withdrawal_clock(p, &d.number, d.delivered_at, now)
                .into_iter()
                .for_each(&mut f)
        },
    )
    .await?;
    // WDR-2: pieces withdrawn, awaited back.
    in_chunks(
        CHUNK,
        |after: Option<(i64, String)>| async move {
            app.store
                .returns_awaited(after.as_ref().map(|(at, id)| (*at, id.as_str())), CHUNK)
                .await
        },
        |(w, _)| (w.notified_at, w.id.clone()),
        |(w, number)| match w.received_at {
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
        },
    )
    .await?;
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

#[cfg(test)]
mod tests {
    use super::in_chunks;

    /// Reads `rows` through `in_chunks` by chunks of `size`: the rows seen, and the reads.
    fn paged(rows: i64, size: i64) -> (Vec<i64>, usize) {
        let table: Vec<i64> = (0..rows).map(|i| i * 10).collect();
        let mut reads = 0;
        let mut seen = Vec::new();
        let read = in_chunks(
            size,
            |after: Option<i64>| {
                reads += 1;
                let chunk: Vec<i64> = table
                    .iter()
                    .copied()
                    .filter(|r| after.is_none_or(|a| *r > a))
                    .take(size as usize)
                    .collect();
                std::future::ready(Ok(chunk))
            },
            |r| *r,
            |r| seen.push(r),
        );
        let done = block_on(read);
        assert!(done.is_ok());
        (seen, reads)
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .map(|rt| rt.block_on(f))
            .unwrap_or_else(|e| panic!("runtime: {e}"))
    }

    /// The board's reading (of every clock: DLV-4, WDR-1, WDR-2, …): each row once, in
    /// order, whether the last chunk is full, partial or empty.
    #[test]
    fn the_board_reads_each_row_once_a_chunk_at_a_time() {
        for (rows, size, reads) in [(0, 3, 1), (2, 3, 1), (3, 3, 2), (7, 3, 3), (9, 3, 4)] {
            let (seen, n) = paged(rows, size);
            assert_eq!(
                seen,
                (0..rows).map(|i| i * 10).collect::<Vec<_>>(),
                "{rows} by {size}"
            );
            assert_eq!(n, reads, "{rows} by {size}");
        }
    }
}
