//! CAT-5: the words a full-text search looks for, the same on every backend.

/// Longest number of words a search uses; the rest is ignored.
pub const MAX_TERMS: usize = 8;

/// Lower-cases and strips the accents of Latin letters, so `Émeraude`, `emeraude` and
/// `ÉMERAUDE` are one word for the index and for the query alike.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        for lower in ch.to_lowercase() {
            match lower {
                'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => out.push('a'),
                'æ' => out.push_str("ae"),
                'ç' => out.push('c'),
                'è' | 'é' | 'ê' | 'ë' => out.push('e'),
                'ì' | 'í' | 'î' | 'ï' => out.push('i'),
                'ñ' => out.push('n'),
                'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => out.push('o'),
                'œ' => out.push_str("oe"),
                'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
                'ý' | 'ÿ' => out.push('y'),
                'ß' => out.push_str("ss"),
                c => out.push(c),
            }
        }
    }
    out
}

/// The words of a search: folded, split on anything that is not a letter or a digit,
/// at most [`MAX_TERMS`]. Only letters and digits survive, so a term can be written into
/// a full-text query without escaping.
pub fn terms(query: &str) -> Vec<String> {
    fold(query)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_TERMS)
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks CAT-5.
    #[test]
    fn cat_5_search_ignores_case_and_accents() {
        assert_eq!(fold("Émeraude Bâguette ŒIL"), "emeraude baguette oeil");
        assert_eq!(
            terms("  Bague, \"solitaire\" -- or'jaune; DROP"),
            ["bague", "solitaire", "or", "jaune", "drop"]
        );
        assert!(terms("*** ''' ").is_empty());
        assert_eq!(terms("a b c d e f g h i j").len(), MAX_TERMS);
    }
}
