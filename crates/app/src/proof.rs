//! INV-5: the records of the shop are the proof of each transaction. What happens to an
//! order (placed, paid, …) is appended to its history, never changed, in the transaction
//! of the change it records; [`verify`] names the first link that no longer holds. The
//! hash and the check of a chain are rules of `ecrin_core::proof`.

use crate::{App, AppError};
pub use ecrin_core::proof::Break;
use ecrin_core::proof::{self as rules, Link};
use ecrin_store::{OrderEvent, Tx};

/// The event that follows `previous` (none: the first of its order), hashed.
pub fn next_event(
    previous: Option<&OrderEvent>,
    order_id: &str,
    at: i64,
    kind: &str,
    data: &serde_json::Value,
) -> OrderEvent {
    let (seq, prev_sha256) = rules::next_link(previous.map(|p| (p.seq, p.sha256.as_str())));
    let data = data.to_string();
    OrderEvent {
        order_id: order_id.to_owned(),
        seq,
        at,
        kind: kind.to_owned(),
        sha256: rules::event_sha256(order_id, seq, at, kind, &data, &prev_sha256),
        data,
        prev_sha256,
    }
}

/// Appends an event after `previous`, the last of its order's history and known to the
/// caller (it appended it in this transaction): the history is not read again.
pub async fn append_after(
    tx: &mut dyn Tx,
    previous: &OrderEvent,
    at: i64,
    kind: &str,
    data: &serde_json::Value,
) -> Result<OrderEvent, AppError> {
    let event = next_event(Some(previous), &previous.order_id, at, kind, data);
    tx.append_order_event(&event).await?;
    Ok(event)
}

/// Appends an event to an order's history, in the transaction of the change it records.
pub async fn append(
    tx: &mut dyn Tx,
    order_id: &str,
    at: i64,
    kind: &str,
    data: &serde_json::Value,
) -> Result<OrderEvent, AppError> {
    let last = tx.last_order_event(order_id).await?;
    let event = next_event(last.as_ref(), order_id, at, kind, data);
    tx.append_order_event(&event).await?;
    Ok(event)
}

/// The first link of one order's chain (its events in sequence order) that does not
/// hold: the event's sequence number and kind, and why ([`rules::check_chain`]).
pub fn check_chain(events: &[OrderEvent]) -> Option<(i64, String, Break)> {
    rules::check_chain(events.iter().map(|e| Link {
        order_id: &e.order_id,
        seq: e.seq,
        at: e.at,
        kind: &e.kind,
        data: &e.data,
        prev_sha256: &e.prev_sha256,
        sha256: &e.sha256,
    }))
    .map(|(seq, kind, why)| (seq, kind.to_owned(), why))
}

/// One chain that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub order_number: String,
    pub seq: i64,
    pub kind: String,
    pub why: Break,
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.why == Break::HistoryMissing {
            return write!(f, "order {}: {}", self.order_number, self.why.describe());
        }
        write!(
            f,
            "order {}, event {} ({}): {}",
            self.order_number,
            self.seq,
            self.kind,
            self.why.describe()
        )
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub orders: u64,
    pub events: u64,
    /// The first broken link of each chain that has one.
    pub broken: Vec<Broken>,
}

/// Events read at a time.
const PAGE: i64 = 2_000;

/// Recomputes every order's chain, one order at a time; `progress` hears the number of
/// events checked so far after each page.
pub async fn verify(app: &App, mut progress: impl FnMut(u64)) -> Result<Report, AppError> {
    let mut report = Report::default();
    let mut chain: Vec<OrderEvent> = Vec::new();
    let (mut after_order, mut after_seq) = (String::new(), 0_i64);
    loop {
        let page = app
            .store
            .order_events_after(&after_order, after_seq, PAGE)
            .await?;
        let Some(last) = page.last() else {
            break;
        };
        (after_order, after_seq) = (last.order_id.clone(), last.seq);
        let done = i64::try_from(page.len()).unwrap_or(PAGE) < PAGE;
        for e in page {
            if chain.first().is_some_and(|c| c.order_id != e.order_id) {
                finish(app, &mut report, &mut chain).await?;
            }
            chain.push(e);
        }
        progress(report.events + chain.len() as u64);
        if done {
            break;
        }
    }
    finish(app, &mut report, &mut chain).await?;
    for number in app.store.orders_without_history().await? {
        report.broken.push(Broken {
            order_number: number,
            seq: 1,
            kind: String::new(),
            why: Break::HistoryMissing,
        });
    }
    Ok(report)
}

async fn finish(
    app: &App,
    report: &mut Report,
    chain: &mut Vec<OrderEvent>,
) -> Result<(), AppError> {
    let Some(first) = chain.first() else {
        return Ok(());
    };
    report.orders += 1;
    report.events += chain.len() as u64;
    if let Some((seq, kind, why)) = check_chain(chain) {
        let order_number = app
            .store
            .order_number_of(&first.order_id)
            .await?
            .unwrap_or_else(|| format!("(id {})", first.order_id));
        report.broken.push(Broken {
            order_number,
            seq,
            kind,
            why,
        });
    }
    chain.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecrin_core::proof::event_sha256;
    use serde_json::json;

    fn chain() -> Vec<OrderEvent> {
        let a = next_event(None, "ord_1", 10, "placed", &json!({"total": 34900}));
        let b = next_event(Some(&a), "ord_1", 20, "paid", &json!({"amount": 34900}));
        let c = next_event(Some(&b), "ord_1", 30, "shipped", &json!({"tracking": "X1"}));
        vec![a, b, c]
    }

    /// Checks INV-5: an intact chain holds; each kind of tampering is named at the event
    /// where it shows.
    #[test]
    fn inv_5_each_kind_of_tampering_breaks_the_chain_where_it_is() {
        let intact = chain();
        assert_eq!(check_chain(&intact), None);
        assert_eq!(intact[0].prev_sha256, "");
        assert_eq!(intact[1].prev_sha256, intact[0].sha256);

        let mut altered = chain();
        altered[1].data = json!({"amount": 100}).to_string();
        assert_eq!(
            check_chain(&altered),
            Some((2, "paid".into(), Break::Altered))
        );

        // Altered and rehashed: the next event no longer follows it.
        let mut rehashed = chain();
        rehashed[1].data = json!({"amount": 100}).to_string();
        rehashed[1].sha256 = event_sha256(
            "ord_1",
            2,
            20,
            "paid",
            &rehashed[1].data,
            &rehashed[1].prev_sha256,
        );
        assert_eq!(
            check_chain(&rehashed),
            Some((3, "shipped".into(), Break::Unlinked))
        );

        let mut removed = chain();
        removed.remove(1);
        assert_eq!(
            check_chain(&removed),
            Some((3, "shipped".into(), Break::EventMissing))
        );

        let mut moved = chain();
        moved[0].at = 11;
        assert_eq!(
            check_chain(&moved),
            Some((1, "placed".into(), Break::Altered))
        );
    }

    /// Fields are hashed with their lengths: moving text from one field to the next
    /// changes the hash.
    #[test]
    fn inv_5_fields_cannot_trade_text() {
        assert_ne!(
            event_sha256("ord_1", 1, 1, "paid", "x", ""),
            event_sha256("ord_1", 1, 1, "pai", "dx", "")
        );
    }
}
