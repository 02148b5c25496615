//! The catalogue rules (CAT-1, CAT-2, CAT-3, CAT-7).

use ecrin_core::catalogue::*;

const DAY_MS: i64 = 86_400_000;

/// Checks CAT-3.
#[test]
fn cat_3_sold_out_stock_cannot_be_bought_but_made_to_order_can() {
    assert_eq!(
        variant_availability(Category::InStock, 2),
        Availability::InStock
    );
    assert_eq!(
        variant_availability(Category::InStock, 0),
        Availability::SoldOut
    );
    assert_eq!(
        variant_availability(Category::MadeToOrder, 0),
        Availability::MadeToOrder
    );
    assert_eq!(
        variant_availability(Category::CustomMade, 0),
        Availability::MadeToOrder
    );
    assert!(!Availability::SoldOut.can_be_bought());
    assert!(Availability::MadeToOrder.can_be_bought());
}

/// Checks CAT-2.
#[test]
fn cat_2_a_product_is_as_available_as_its_best_variant() {
    use Availability::*;
    assert_eq!(product_availability([SoldOut, InStock]), InStock);
    assert_eq!(product_availability([SoldOut, MadeToOrder]), MadeToOrder);
    assert_eq!(product_availability([SoldOut]), SoldOut);
    assert_eq!(product_availability([]), SoldOut);
}

/// Checks CAT-1.
#[test]
fn cat_1_skus_and_slugs_are_parsed_not_trusted() {
    assert!(Sku::parse("RNG-SOL-750Y-52").is_some());
    assert!(Sku::parse("rng-1").is_none());
    assert!(Sku::parse("-AB").is_none());
    assert!(Sku::parse("A'; DROP").is_none());
    assert!(Slug::parse("bague-solitaire-lumiere").is_some());
    assert!(Slug::parse("Bague").is_none());
    assert!(Slug::parse("a--b").is_none());
    assert!(Slug::parse("").is_none());
    assert!(Slug::parse(&"a".repeat(81)).is_none());
}

const NOW: i64 = 1_800_000_000_000;

/// Checks CAT-7.
#[test]
fn cat_7_a_reduction_shows_the_lowest_price_of_the_30_days_before_it() {
    let history = [
        PricePoint {
            price: 100_000,
            from_ms: NOW - 90 * DAY_MS,
        },
        PricePoint {
            price: 90_000,
            from_ms: NOW - 20 * DAY_MS,
        },
        PricePoint {
            price: 95_000,
            from_ms: NOW - 10 * DAY_MS,
        },
        PricePoint {
            price: 80_000,
            from_ms: NOW - DAY_MS,
        },
    ];
    // In the 30 days before the reduction: 100 000 (in force at the window's start),
    // 90 000 and 95 000. The lowest is 90 000.
    assert_eq!(reference_price(&history, NOW, 30), Some(90_000));
}

/// Checks CAT-7.
#[test]
fn cat_7_a_price_above_the_30_day_low_is_no_reduction() {
    let history = [
        PricePoint {
            price: 70_000,
            from_ms: NOW - 20 * DAY_MS,
        },
        PricePoint {
            price: 100_000,
            from_ms: NOW - 10 * DAY_MS,
        },
        PricePoint {
            price: 80_000,
            from_ms: NOW - DAY_MS,
        },
    ];
    assert_eq!(reference_price(&history, NOW, 30), None);
}

/// Checks CAT-7.
#[test]
fn cat_7_prices_older_than_the_window_do_not_count() {
    let history = [
        PricePoint {
            price: 50_000,
            from_ms: NOW - 200 * DAY_MS,
        },
        PricePoint {
            price: 100_000,
            from_ms: NOW - 100 * DAY_MS,
        },
        PricePoint {
            price: 80_000,
            from_ms: NOW - DAY_MS,
        },
    ];
    assert_eq!(reference_price(&history, NOW, 30), Some(100_000));
    // A single price is never a reduction, and future prices are ignored.
    assert_eq!(reference_price(&history[..1], NOW, 30), None);
    let future = [
        history[2],
        PricePoint {
            price: 1,
            from_ms: NOW + DAY_MS,
        },
    ];
    assert_eq!(reference_price(&future, NOW, 30), None);
}
