//! INV-5: the records of the shop are the proof of each transaction. What happens to an
//! order is appended to its history, never changed: each event carries the SHA-256 of
//! the event before it and its own, so altering, removing or inserting one breaks the
//! chain. Here are the hash and the check of a chain; storing and reading the events is
//! the application's.

use sha2::{Digest, Sha256};

/// One event of an order's history, as the chain sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link<'a> {
    pub order_id: &'a str,
    pub seq: i64,
    pub at: i64,
    pub kind: &'a str,
    pub data: &'a str,
    pub prev_sha256: &'a str,
    pub sha256: &'a str,
}

/// The SHA-256 (hex) of an event: every field, each preceded by its length so that no two
/// different events hash alike, then the previous event's hash.
pub fn event_sha256(
    order_id: &str,
    seq: i64,
    at: i64,
    kind: &str,
    data: &str,
    prev_sha256: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(b"ecrin order event v1\n");
    for field in [
        order_id.as_bytes(),
        &seq.to_be_bytes(),
        &at.to_be_bytes(),
        kind.as_bytes(),
        data.as_bytes(),
        prev_sha256.as_bytes(),
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field);
    }
    hex::encode(h.finalize())
}

/// The sequence number and previous hash of the event that follows `previous` (none: the
/// first of its order).
pub fn next_link(previous: Option<(i64, &str)>) -> (i64, String) {
    match previous {
        Some((seq, sha256)) => (seq + 1, sha256.to_owned()),
        None => (1, String::new()),
    }
}

/// Why a link of a chain does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Break {
    /// The order has no first event.
    HistoryMissing,
    /// An event is missing before this one (its sequence skips).
    EventMissing,
    /// The event does not carry the hash of the one before it.
    Unlinked,
    /// The event's fields no longer give its hash: it was changed.
    Altered,
}

impl Break {
    pub fn describe(self) -> &'static str {
        match self {
            Break::HistoryMissing => "its history is missing",
            Break::EventMissing => "an event before it is missing",
            Break::Unlinked => "it does not carry the hash of the event before it",
            Break::Altered => "it was altered (its fields no longer give its hash)",
        }
    }
}

/// The first link of one order's chain (its events in sequence order) that does not
/// hold: the event's sequence number and kind, and why.
pub fn check_chain<'a>(
    events: impl IntoIterator<Item = Link<'a>>,
) -> Option<(i64, &'a str, Break)> {
    let mut previous: Option<Link<'a>> = None;
    for e in events {
        let expected_seq = previous.map_or(1, |p| p.seq + 1);
        let expected_prev = previous.map_or("", |p| p.sha256);
        let why = if e.seq != expected_seq {
            Some(Break::EventMissing)
        } else if e.prev_sha256 != expected_prev {
            Some(Break::Unlinked)
        } else if e.sha256 != event_sha256(e.order_id, e.seq, e.at, e.kind, e.data, e.prev_sha256) {
            Some(Break::Altered)
        } else {
            None
        };
        if let Some(why) = why {
            return Some((e.seq, e.kind, why));
        }
        previous = Some(e);
    }
    None
}
