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
