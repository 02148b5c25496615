//! The basket's rules (BSK-1 … BSK-5, CAT-3).

use ecrin_core::Profile;
use ecrin_core::basket::{Basket, Item, add, merge, set_quantity};
use ecrin_core::catalogue::Availability;

fn paris() -> Profile {
    let path = format!("{}/../../profiles/paris.toml", env!("CARGO_MANIFEST_DIR"));
    Profile::from_toml("paris", &std::fs::read_to_string(path).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"))
}

const RING: Item<'static> = Item {
    sku: "LUM-001-RG-PT-52",
    availability: Availability::InStock,
    personalisable: false,
    engraving_max_chars: None,
};
const MEDAL: Item<'static> = Item {
    sku: "SIG-053-PD-YG",
    availability: Availability::MadeToOrder,
    personalisable: true,
    engraving_max_chars: None,
};
const T0: i64 = 1_800_000_000_000;
const MIN: i64 = 60_000;

fn code<T>(r: Result<T, ecrin_core::Refusal>) -> &'static str {
    r.err().map(|e| e.code).unwrap_or("ok")
}

/// Checks BSK-1.
#[test]
fn bsk_1_at_most_twenty_of_one_piece() {
    let p = paris();
    let b = add(&p, &Basket::default(), RING, 20, None, "l1".into(), T0).unwrap_or_default();
    assert_eq!(b.units(), 20);
    assert_eq!(
        code(add(&p, &b, RING, 1, None, "l2".into(), T0)),
        "basket_limit_identical"
    );
    // Another engraving is another line, but still the same piece.
    let m = add(
        &p,
        &Basket::default(),
        MEDAL,
        15,
        Some("A"),
        "m1".into(),
        T0,
    )
    .unwrap_or_default();
    assert_eq!(
        code(add(&p, &m, MEDAL, 6, Some("B"), "m2".into(), T0)),
        "basket_limit_identical"
    );
}

/// Checks BSK-2, BSK-5.
#[test]
fn bsk_2_bsk_5_at_most_fifty_pieces_and_a_quote_beyond_sixty() {
    let p = paris();
    let mut b = Basket::default();
    for i in 0..5 {
        let sku = format!("SKU-{i}");
        let item = Item {
            sku: &sku,
            availability: Availability::InStock,
            personalisable: false,
            engraving_max_chars: None,
        };
        b = add(&p, &b, item, 10, None, format!("l{i}"), T0).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(b.units(), 50);
    let more = Item {
        sku: "SKU-9",
        availability: Availability::InStock,
        personalisable: false,
        engraving_max_chars: None,
    };
    assert_eq!(
        code(add(&p, &b, more, 1, None, "x".into(), T0)),
        "basket_limit_total"
    );
    assert_eq!(
        code(add(&p, &b, more, 11, None, "x".into(), T0)),
        "quote_required"
    );
}

/// Checks BSK-3.
#[test]
fn bsk_3_the_basket_expires_45_minutes_after_the_last_addition() {
    let p = paris();
    let b = add(&p, &Basket::default(), RING, 1, None, "l1".into(), T0).unwrap_or_default();
    assert_eq!(b.expires_at(&p), Some(T0 + 45 * MIN));
    let b = add(&p, &b, RING, 1, None, "l2".into(), T0 + 30 * MIN).unwrap_or_default();
    assert_eq!(
        b.expires_at(&p),
        Some(T0 + 75 * MIN),
        "an addition restarts the clock"
    );
    // Changing a quantity does not.
    let b2 = set_quantity(&p, &b, "l1", 3, T0 + 70 * MIN).unwrap_or_default();
    assert_eq!(b2.expires_at(&p), Some(T0 + 75 * MIN));
    assert!(b.is_expired(&p, T0 + 75 * MIN));
    assert_eq!(
        code(set_quantity(&p, &b, "l1", 1, T0 + 75 * MIN)),
        "basket_expired"
    );
    // Adding to an expired basket starts a new one.
    let fresh = add(&p, &b, MEDAL, 1, None, "n".into(), T0 + 80 * MIN).unwrap_or_default();
    assert_eq!(fresh.units(), 1);
}

/// Checks BSK-4.
#[test]
fn bsk_4_lines_change_and_keep_their_engraving() {
    let p = paris();
    let b = add(
        &p,
        &Basket::default(),
        MEDAL,
        1,
        Some(" Pour Léa, 2026 "),
        "m1".into(),
        T0,
    )
    .unwrap_or_default();
    assert_eq!(
        b.lines[0].personalisation.as_deref(),
        Some("Pour Léa, 2026")
    );
    let b = add(&p, &b, MEDAL, 1, Some("Pour Léa, 2026"), "m2".into(), T0).unwrap_or_default();
    assert_eq!(b.lines.len(), 1, "same engraving, same line");
    let b = add(&p, &b, MEDAL, 1, Some("Pour Tom"), "m3".into(), T0).unwrap_or_default();
    assert_eq!(b.lines.len(), 2);
    let b = set_quantity(&p, &b, "m1", 5, T0).unwrap_or_default();
    assert_eq!(b.units(), 6);
    let b = set_quantity(&p, &b, "m3", 0, T0).unwrap_or_default();
    assert_eq!(b.lines.len(), 1, "zero removes the line");
    assert_eq!(code(set_quantity(&p, &b, "nope", 1, T0)), "not_found");
    assert_eq!(
        code(add(&p, &b, MEDAL, 1, Some(&"x".repeat(21)), "z".into(), T0)),
        "personalisation_too_long"
    );
    assert_eq!(
        code(add(&p, &b, MEDAL, 1, Some("a\u{7}b"), "z".into(), T0)),
        "personalisation_invalid"
    );
    assert_eq!(
        code(add(&p, &b, RING, 1, Some("Léa"), "z".into(), T0)),
        "not_personalisable"
    );
    assert_eq!(
        code(add(&p, &b, RING, 0, None, "z".into(), T0)),
        "validation_failed"
    );
}

/// Checks CAT-3.
#[test]
fn cat_3_a_sold_out_piece_cannot_be_added() {
    let p = paris();
    let sold = Item {
        sku: "X-1",
        availability: Availability::SoldOut,
        personalisable: false,
        engraving_max_chars: None,
    };
    assert_eq!(
        code(add(&p, &Basket::default(), sold, 1, None, "l".into(), T0)),
        "unavailable"
    );
}

/// Checks ACC-6, BSK-1, BSK-2, BSK-3.
#[test]
fn acc_6_a_visitors_basket_joins_the_account_within_the_limits() {
    let p = paris();
    let account = add(&p, &Basket::default(), RING, 15, None, "a1".into(), T0).unwrap_or_default();
    let visitor = add(&p, &Basket::default(), RING, 8, None, "v1".into(), T0).unwrap_or_default();
    let visitor = add(&p, &visitor, MEDAL, 2, Some("Léa"), "v2".into(), T0).unwrap_or_default();
    let merged = merge(&p, &account, &visitor, T0 + MIN);
    // 15 + 8 rings would pass the 20 of one piece: 5 join, 3 are left out.
    assert_eq!(merged.left_out, 3);
    assert_eq!(merged.basket.units(), 22);
    assert_eq!(merged.basket.lines.len(), 2);
    assert_eq!(merged.basket.lines[0].quantity, 20);
    assert_eq!(
        merged.basket.lines[1].personalisation.as_deref(),
        Some("Léa")
    );
    assert_eq!(merged.basket.last_added_ms, Some(T0 + MIN));

    // An expired account basket counts as empty; an expired visitor basket adds nothing.
    let later = T0 + 46 * MIN;
    let fresh = add(&p, &Basket::default(), MEDAL, 1, None, "v3".into(), later).unwrap_or_default();
    let m = merge(&p, &account, &fresh, later);
    assert_eq!(m.basket.units(), 1);
    let m = merge(&p, &fresh, &visitor, later);
    assert_eq!((m.basket.units(), m.left_out), (1, 0));

    // BSK-2: the total stops at 50 pieces.
    let mut big = Basket::default();
    for (i, sku) in ["A-1", "A-2", "A-3"].iter().enumerate() {
        let item = Item { sku, ..RING };
        big = add(&p, &big, item, 16, None, format!("b{i}"), T0).unwrap_or_default();
    }
    let m = merge(&p, &big, &visitor, T0 + MIN);
    assert_eq!((m.basket.units(), m.left_out), (50, 8));
}
