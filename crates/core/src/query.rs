//! CAT-5: a catalogue search, parsed from untrusted query-string pairs.

use crate::catalogue::{Availability, Slug};

pub const DEFAULT_PAGE_SIZE: u32 = 24;
pub const MAX_PAGE_SIZE: u32 = 100;
/// Longest search text accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CatalogueQuery {
    /// Full-text search, trimmed, never empty when present.
    pub q: Option<String>,
    pub collection: Option<Slug>,
    pub material: Option<Slug>,
    pub stone: Option<Slug>,
    /// Minor units, VAT included, inclusive.
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub availability: Option<Availability>,
    pub page_size: u32,
    /// The position after which the page starts (an opaque cursor to clients).
    pub after: Option<i64>,
}

/// A field that could not be understood, and why (a stable reason code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub reason: &'static str,
}

impl CatalogueQuery {
    pub fn new() -> Self {
        Self {
            page_size: DEFAULT_PAGE_SIZE,
            ..Self::default()
        }
    }

    /// Parses query-string pairs. Unknown keys are ignored (tracking parameters and the
    /// like); a known key with a bad value is an error naming the key. Empty values mean
    /// "no filter", as an HTML form sends them.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<CatalogueQuery, Vec<FieldError>> {
        let mut query = CatalogueQuery::new();
        let mut errors = Vec::new();
        let mut fail = |field: &str, reason: &'static str| {
            errors.push(FieldError {
                field: field.to_owned(),
                reason,
            });
        };
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key {
                "q" => {
                    if value.chars().count() > MAX_SEARCH_CHARS {
                        fail(key, "too_long");
                    } else if value.chars().any(char::is_control) {
                        fail(key, "control_characters");
                    } else {
                        query.q = Some(value.to_owned());
                    }
                }
                "collection" | "material" | "stone" => match Slug::parse(value) {
                    Some(slug) => match key {
                        "collection" => query.collection = Some(slug),
                        "material" => query.material = Some(slug),
                        _ => query.stone = Some(slug),
                    },
                    None => fail(key, "invalid_slug"),
                },
                "min_price" | "max_price" => match value.parse::<i64>() {
                    Ok(n) if (0..=100_000_000_000).contains(&n) => {
                        if key == "min_price" {
                            query.min_price = Some(n);
                        } else {
                            query.max_price = Some(n);
                        }
                    }
                    _ => fail(key, "invalid_amount"),
                },
                "availability" => match Availability::parse(value) {
                    Some(a) => query.availability = Some(a),
                    None => fail(key, "invalid_availability"),
                },
                "page[size]" => match value.parse::<u32>() {
                    Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => query.page_size = n,
                    _ => fail(key, "invalid_page_size"),
                },
                "page[after]" => match decode_cursor(value) {
                    Some(p) => query.after = Some(p),
                    None => fail(key, "invalid_cursor"),
                },
                _ => {}
            }
        }
        if let (Some(lo), Some(hi)) = (query.min_price, query.max_price)
            && lo > hi
        {
            errors.push(FieldError {
                field: "max_price".into(),
                reason: "below_min_price",
            });
        }
        if errors.is_empty() {
            Ok(query)
        } else {
            Err(errors)
        }
    }
}

/// Cursors are opaque to clients: `p` and the position, so they are not mistaken for a
/// count or an offset.
pub fn encode_cursor(position: i64) -> String {
    format!("p{position}")
}

pub fn decode_cursor(s: &str) -> Option<i64> {
    s.strip_prefix('p')?.parse::<i64>().ok().filter(|p| *p >= 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks CAT-5.
    #[test]
    fn cat_5_filters_are_parsed_from_the_query_string() {
        let q = CatalogueQuery::parse([
            ("q", "  solitaire diamant "),
            ("collection", "lumiere"),
            ("material", "yellow-gold"),
            ("stone", "diamond"),
            ("min_price", "10000"),
            ("max_price", "500000"),
            ("availability", "in_stock"),
            ("page[size]", "10"),
            ("page[after]", "p12"),
            ("utm_source", "newsletter"),
        ])
        .map_err(|e| format!("{e:?}"));
        let q = q.unwrap_or_default();
        assert_eq!(q.q.as_deref(), Some("solitaire diamant"));
        assert_eq!(q.collection.as_ref().map(Slug::as_str), Some("lumiere"));
        assert_eq!(q.min_price, Some(10_000));
        assert_eq!(q.availability, Some(Availability::InStock));
        assert_eq!(q.page_size, 10);
        assert_eq!(q.after, Some(12));
    }

    /// Checks CAT-5.
    #[test]
    fn cat_5_empty_form_fields_mean_no_filter() {
        let q = CatalogueQuery::parse([("q", ""), ("collection", ""), ("min_price", " ")]);
        assert_eq!(q, Ok(CatalogueQuery::new()));
    }

    /// Checks CAT-5.
    #[test]
    fn cat_5_bad_values_name_their_field() {
        let errors = CatalogueQuery::parse([
            ("collection", "Robert'); DROP TABLE"),
            ("min_price", "-5"),
            ("max_price", "12.5"),
            ("availability", "soon"),
            ("page[size]", "100000"),
            ("page[after]", "zz"),
            ("q", "a\u{0}b"),
        ])
        .err()
        .unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "collection",
                "min_price",
                "max_price",
                "availability",
                "page[size]",
                "page[after]",
                "q"
            ]
        );
        let long = "x".repeat(MAX_SEARCH_CHARS + 1);
        assert!(CatalogueQuery::parse([("q", long.as_str())]).is_err());
        let inverted = CatalogueQuery::parse([("min_price", "500"), ("max_price", "100")]);
        assert_eq!(
            inverted.err().unwrap_or_default()[0].reason,
            "below_min_price"
        );
    }

    #[test]
    fn cursors_round_trip() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Some(42));
        assert_eq!(decode_cursor("42"), None);
        assert_eq!(decode_cursor("p-1"), None);
    }
}
