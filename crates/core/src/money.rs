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
