//! VAT (CHK-6): prices are shown VAT included; the order's VAT follows the law of the
//! order date. Domestic sales take the merchant's rate; distance sales to another member
//! state take the destination's standard rate (OSS); sales outside the EU VAT territory
//! are zero-rated exports, duties at the customer's charge (DAP). The rates are data
//! (`data/vat-eu.txt`), dated; amounts are split per line, rounded half up to the cent,
//! so that lines before VAT plus VAT always equal the total VAT included.

use jiff::civil::Date;

const TABLE: &str = include_str!("../data/vat-eu.txt");

/// The standard rate (basis points) of an EU member state on `day`, from the table: the
/// last rate that took effect on or before `day` (the first one for days before the
/// table starts).
pub fn standard_rate(country: &str, day: Date) -> Option<u32> {
    let rates: Vec<&(String, Date, u32)> = rates().iter().filter(|r| r.0 == country).collect();
    rates
        .iter()
        .rev()
        .find(|(_, from, _)| *from <= day)
        .or(rates.first())
        .map(|(_, _, bp)| *bp)
}

/// The table, read once: (country, from, basis points), in date order.
fn rates() -> &'static [(String, Date, u32)] {
    static RATES: std::sync::OnceLock<Vec<(String, Date, u32)>> = std::sync::OnceLock::new();
    RATES.get_or_init(|| {
        let mut rates: Vec<(String, Date, u32)> = TABLE
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|line| {
                let mut parts = line.split_whitespace();
                let country = parts.next()?.to_owned();
                let from = parts.next()?.parse::<Date>().ok()?;
                let bp = parts.next()?.parse::<u32>().ok()?;
                Some((country, from, bp))
            })
            .collect();
        rates.sort();
        rates
    })
}

/// How a sale is taxed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    /// The merchant's own country, at its rate.
    Domestic { rate_bp: u32 },
    /// Another member state: its standard rate (OSS).
    DistanceSale { rate_bp: u32 },
    /// Outside the EU VAT territory: no VAT; duties and import VAT at the customer's
    /// charge on delivery (DAP).
    Export,
}

impl Treatment {
    pub fn rate_bp(self) -> u32 {
        match self {
            Treatment::Domestic { rate_bp } | Treatment::DistanceSale { rate_bp } => rate_bp,
            Treatment::Export => 0,
        }
    }
}

/// The member state whose VAT applies to a delivery to `country` at `postcode`, or
/// `None` outside the EU VAT territory. Monaco is taxed as France; territories of member
/// states outside the VAT territory (French overseas departments with their own codes,
/// Åland, the Canary Islands, Ceuta and Melilla, Mount Athos, Heligoland, Büsingen,
/// Livigno, Campione d'Italia) are exports.
pub fn vat_country(country: &str, postcode: &str) -> Option<&'static str> {
    let pc: String = postcode.chars().filter(|c| !c.is_whitespace()).collect();
    let member = crate::country::EU_MEMBERS
        .iter()
        .copied()
        .find(|m| *m == country)
        .or((country == "MC").then_some("FR"))?;
    let outside = match member {
        "ES" => ["35", "38", "51", "52"].iter().any(|p| pc.starts_with(p)),
        "FI" => pc.starts_with("22"),
        "GR" => pc == "63086",
        "DE" => pc == "27498" || pc == "78266",
        "IT" => pc == "23041" || pc == "22061",
        "FR" => ["971", "972", "973", "974", "976"]
            .iter()
            .any(|p| pc.starts_with(p)),
        _ => false,
    };
    (!outside).then_some(member)
}

/// CHK-6: the treatment of a sale by a merchant of `merchant` to `country`/`postcode` on
/// `day`.
pub fn treatment(merchant: &str, country: &str, postcode: &str, day: Date) -> Treatment {
    match vat_country(country, postcode) {
        None => Treatment::Export,
        Some(c) if c == merchant => Treatment::Domestic {
            rate_bp: standard_rate(c, day).unwrap_or(0),
        },
        Some(c) => Treatment::DistanceSale {
            rate_bp: standard_rate(c, day).unwrap_or(0),
        },
    }
}

/// An amount including VAT split into the amount before VAT and the VAT, in cents: the
/// amount before VAT is rounded half up, the VAT is the rest, so both add up exactly.
pub fn split(incl: i64, rate_bp: u32) -> (i64, i64) {
    let rate = i128::from(rate_bp);
    let num = i128::from(incl) * 10_000;
    let den = 10_000 + rate;
    // Half up for positive amounts, mirrored for negative ones (refunds).
    let excl = if num >= 0 {
        (2 * num + den) / (2 * den)
    } else {
        -((2 * -num + den) / (2 * den))
    };
    let excl = i64::try_from(excl).unwrap_or(i64::MAX);
    (excl, incl - excl)
}
