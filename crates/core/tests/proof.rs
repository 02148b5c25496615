//! INV-5: the history chain of an order, checked without a database.

use ecrin_core::proof::{Break, Link, check_chain, event_sha256, next_link};

struct Event {
    seq: i64,
    at: i64,
    kind: &'static str,
    data: String,
    prev: String,
    sha: String,
}

fn chain(kinds: &[&'static str]) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        let (seq, prev) = next_link(events.last().map(|e| (e.seq, e.sha.as_str())));
        let at = 1_000 * i as i64;
        let data = format!("{{\"n\":{i}}}");
        let sha = event_sha256("o-1", seq, at, kind, &data, &prev);
        events.push(Event {
            seq,
            at,
            kind,
            data,
            prev,
            sha,
        });
    }
    events
}

fn links(events: &[Event]) -> Vec<Link<'_>> {
    events
        .iter()
        .map(|e| Link {
            order_id: "o-1",
            seq: e.seq,
            at: e.at,
            kind: e.kind,
            data: &e.data,
            prev_sha256: &e.prev,
            sha256: &e.sha,
        })
        .collect()
}

/// Checks INV-5.
#[test]
fn inv_5_an_intact_chain_holds_and_each_kind_of_tampering_is_named() {
    let mut events = chain(&["placed", "paid", "shipped"]);
    assert_eq!(check_chain(links(&events)), None);

    events[1].data = "{\"n\":99}".to_owned();
    assert_eq!(
        check_chain(links(&events)),
        Some((2, "paid", Break::Altered))
    );

    let mut events = chain(&["placed", "paid", "shipped"]);
    events.remove(1);
    assert_eq!(
        check_chain(links(&events)),
        Some((3, "shipped", Break::EventMissing))
    );

    let mut events = chain(&["placed", "paid"]);
    events[1].prev = "0".repeat(64);
    assert_eq!(
        check_chain(links(&events)),
        Some((2, "paid", Break::Unlinked))
    );
}
