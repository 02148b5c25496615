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

/// The board as of now.
pub async fn board(app: &App, staff_id: &str) -> Result<Vec<Clock>, AppError> {
    let s = staff(app, staff_id).await?;
    require(&s, READING)?;
    let p = &app.profile;
    let mut clocks = Vec::new();
    for o in app.store.open_orders().await? {
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
        clocks.extend(deadlines::order_clocks(p, &facts));
    }
    // WDR-1: the windows still running (the longest is 14 working days: 40 days back
    // covers it across any holidays).
    let now = app.clock.now_ms();
    for d in app.store.recent_deliveries(now - 40 * 86_400_000).await? {
        clocks.extend(deadlines::withdrawal_clock(
            p,
            &d.number,
            d.delivered_at,
            now,
        ));
    }
    // WDR-2: pieces withdrawn, awaited back.
    for (w, number) in app.store.returns_awaited().await? {
        match w.received_at {
            // WDR-5: back at the house, to inspect and refund.
            Some(received) => clocks.extend(deadlines::withdrawal_refund_clock(
                p,
                &number,
                w.notified_at,
                received,
            )),
            None => {
                if let Some(by) = w.return_by.as_deref().and_then(|d| d.parse().ok()) {
                    clocks.push(deadlines::return_clock(p, &number, by));
                }
            }
        }
    }
    // DLV-4: additional deadlines set for late orders.
    for (number, day) in app.store.late_deadlines().await? {
        if let Ok(day) = day.parse() {
            clocks.push(deadlines::late_delivery_clock(p, &number, day));
        }
    }
    // WAR-3: claims and customers' messages, answered within 15 days.
    for (c, number) in app.store.open_claims().await? {
        if let Ok(day) = c.answer_due.parse() {
            clocks.push(Clock {
                kind: deadlines::ClockKind::ClaimAnswer,
                order_number: number,
                due_at: deadlines::end_of(p, day),
            });
        }
    }
    for (id, created_at) in app.store.unanswered_tickets().await? {
        if let Some(day) = deadlines::day_of(p, created_at) {
            clocks.push(Clock {
                kind: deadlines::ClockKind::MessageAnswer,
                order_number: id,
                due_at: deadlines::end_of(p, ecrin_core::claims::answer_due(p, day)),
            });
        }
    }
    for r in app.store.pending_refunds().await? {
        clocks.extend(deadlines::refund_clock(
            p,
            &r.order_number,
            r.created_at,
            r.paid_at,
        ));
    }
    Ok(deadlines::board(clocks))
}
