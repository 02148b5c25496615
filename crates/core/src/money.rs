//! Money in integer minor units. No floats anywhere near money.

use crate::Lang;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Currency {
    #[serde(rename = "EUR")]
    Eur,
}

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Currency::Eur => "EUR",
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Currency::Eur => "€",
        }
    }
}

/// An amount in minor units (cents) of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub amount: i64,
    pub currency: Currency,
}

impl Money {
    pub const fn eur(amount: i64) -> Self {
        Self {
            amount,
            currency: Currency::Eur,
        }
    }

    /// The amount written the way a reader of `lang` expects it:
    /// French `1 234,56 €` (narrow no-break space between thousands), Italian
    /// `1.234,56 €`, English `€1,234.56` (CLDR conventions).
    pub fn format(&self, lang: Lang) -> String {
        let negative = self.amount < 0;
        let abs = self.amount.unsigned_abs();
        let units = abs / 100;
        let cents = abs % 100;
        let (group, decimal) = match lang {
            Lang::Fr => ('\u{202f}', ','),
            Lang::It => ('.', ','),
            Lang::En => (',', '.'),
        };
        let digits = units.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(group);
            }
            grouped.push(ch);
        }
        let number = format!("{grouped}{decimal}{cents:02}");
        let sign = if negative { "-" } else { "" };
        match lang {
            Lang::En => format!("{sign}{}{number}", self.currency.symbol()),
            Lang::Fr | Lang::It => format!("{sign}{number}\u{a0}{}", self.currency.symbol()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks GTS-2.
    #[test]
    fn gts_2_amounts_are_written_in_the_readers_convention() {
        let m = Money::eur(123_456);
        assert_eq!(m.format(Lang::Fr), "1\u{202f}234,56\u{a0}€");
        assert_eq!(m.format(Lang::It), "1.234,56\u{a0}€");
        assert_eq!(m.format(Lang::En), "€1,234.56");
        assert_eq!(Money::eur(5).format(Lang::En), "€0.05");
        assert_eq!(
            Money::eur(100_000_000).format(Lang::It),
            "1.000.000,00\u{a0}€"
        );
        assert_eq!(Money::eur(-1250).format(Lang::En), "-€12.50");
    }
}

/// An amount as staff type it in a form (`1890`, `1 890,50`, `1890.5`, `1.890,50` is
/// refused as ambiguous): minor units, or `None`. At most two decimals; spaces (also
/// narrow and non-breaking) group thousands.
pub fn parse_amount(s: &str) -> Option<i64> {
    let cleaned: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    let (units, cents) = match cleaned.find([',', '.']) {
        Some(i) => (&cleaned[..i], &cleaned[i + 1..]),
        None => (cleaned.as_str(), ""),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(units) || (!cents.is_empty() && !digits(cents)) || cents.len() > 2 {
        return None;
    }
    let units: i64 = units.parse().ok()?;
    let cents: i64 = match cents.len() {
        0 => 0,
        1 => cents.parse::<i64>().ok()? * 10,
        _ => cents.parse().ok()?,
    };
    units.checked_mul(100)?.checked_add(cents)
}

#[cfg(test)]
mod amount_tests {
    use super::parse_amount;

    #[test]
    fn amounts_typed_by_staff() {
        assert_eq!(parse_amount("1890"), Some(189_000));
        assert_eq!(parse_amount("1 890,50"), Some(189_050));
        assert_eq!(parse_amount("1890.5"), Some(189_050));
        assert_eq!(parse_amount("0,05"), Some(5));
        assert_eq!(parse_amount("1.890,50"), None);
        assert_eq!(parse_amount("12,345"), None);
        assert_eq!(parse_amount("-3"), None);
        assert_eq!(parse_amount(""), None);
        assert_eq!(parse_amount("99999999999999999999"), None);
    }
}
