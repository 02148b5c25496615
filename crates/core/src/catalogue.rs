//! The catalogue's rules: categories, availability, SKUs and slugs, and the price shown
//! beside a reduction (CAT-1 … CAT-7).

use serde::Serialize;
use std::fmt;

/// CAT-2: how a piece comes to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Limited quantity, ready to ship.
    InStock,
    /// No stock: made after the order, within a lead time.
    MadeToOrder,
    /// Made to the customer's specification or engraved: never withdrawable (WDR-3).
    CustomMade,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::InStock => "in_stock",
            Category::MadeToOrder => "made_to_order",
            Category::CustomMade => "custom_made",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        match s {
            "in_stock" => Some(Category::InStock),
            "made_to_order" => Some(Category::MadeToOrder),
            "custom_made" => Some(Category::CustomMade),
            _ => None,
        }
    }
}

/// What a customer is told about whether a variant can be bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    InStock,
    MadeToOrder,
    SoldOut,
}

impl Availability {
    pub const ALL: [Availability; 3] = [
        Availability::InStock,
        Availability::MadeToOrder,
        Availability::SoldOut,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Availability::InStock => "in_stock",
            Availability::MadeToOrder => "made_to_order",
            Availability::SoldOut => "sold_out",
        }
    }

    pub fn parse(s: &str) -> Option<Availability> {
        Availability::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// CAT-3: only available pieces can be bought.
    pub fn can_be_bought(self) -> bool {
        !matches!(self, Availability::SoldOut)
    }
}

impl fmt::Display for Availability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// CAT-2, CAT-3: a variant in stock is available while units remain; made-to-order and
/// custom-made pieces are made after the order and have no stock to run out of.
pub fn variant_availability(category: Category, on_hand: i64) -> Availability {
    match category {
        Category::InStock if on_hand > 0 => Availability::InStock,
        Category::InStock => Availability::SoldOut,
        Category::MadeToOrder | Category::CustomMade => Availability::MadeToOrder,
    }
}

/// A product is as available as its most available variant.
pub fn product_availability(variants: impl IntoIterator<Item = Availability>) -> Availability {
    variants.into_iter().min().unwrap_or(Availability::SoldOut)
}

/// A stock-keeping unit: 3 to 40 upper-case letters, digits and dashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Sku(String);

impl Sku {
    pub fn parse(s: &str) -> Option<Sku> {
        let ok = (3..=40).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        ok.then(|| Sku(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A URL slug: 1 to 80 lower-case ASCII letters, digits and single dashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Slug(String);

impl Slug {
    pub fn parse(s: &str) -> Option<Slug> {
        let ok = (1..=80).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        ok.then(|| Slug(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One price a variant carried from `from_ms` (unix milliseconds) on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricePoint {
    pub price: i64,
    pub from_ms: i64,
}

const DAY_MS: i64 = 86_400_000;

/// CAT-7: when the price in force at `now_ms` is a reduction, the lowest price applied in
/// the `days` days before that reduction began; `None` when the current price is not
/// lower than that reference (then no reduction may be advertised).
///
/// `history` may be in any order; points after `now_ms` are ignored.
pub fn reference_price(history: &[PricePoint], now_ms: i64, days: u32) -> Option<i64> {
    let mut points: Vec<PricePoint> = history
        .iter()
        .copied()
        .filter(|p| p.from_ms <= now_ms)
        .collect();
    points.sort_by_key(|p| p.from_ms);
    let current = *points.last()?;
    let window_start = current.from_ms - i64::from(days) * DAY_MS;
    // Prices in force at some moment of [window_start, current.from_ms): the one in force
    // when the window opened, and every one that started inside it.
    let before: Vec<&PricePoint> = points
        .iter()
        .filter(|p| p.from_ms < current.from_ms)
        .collect();
    let opening = before.iter().rev().find(|p| p.from_ms <= window_start);
    let lowest = before
        .iter()
        .filter(|p| p.from_ms > window_start)
        .chain(opening)
        .map(|p| p.price)
        .min()?;
    (current.price < lowest).then_some(lowest)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn cat_2_a_product_is_as_available_as_its_best_variant() {
        use Availability::*;
        assert_eq!(product_availability([SoldOut, InStock]), InStock);
        assert_eq!(product_availability([SoldOut, MadeToOrder]), MadeToOrder);
        assert_eq!(product_availability([SoldOut]), SoldOut);
        assert_eq!(product_availability([]), SoldOut);
    }

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
}
