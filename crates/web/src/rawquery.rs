//! Query strings parsed by hand, so that bad percent-encoding or bad UTF-8 is a clear
//! `validation_failed` naming the key instead of a silently mangled value.

use ecrin_core::query::FieldError;
use percent_encoding::percent_decode;

/// Decoded `key=value` pairs. At most 64 pairs are read.
pub fn parse(raw: Option<&str>) -> Result<Vec<(String, String)>, Vec<FieldError>> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let mut pairs = Vec::new();
    let mut errors = Vec::new();
    for part in raw.split('&').filter(|p| !p.is_empty()).take(64) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let key = decode(k);
        let value = decode(v);
        match (key, value) {
            (Some(k), Some(v)) => pairs.push((k, v)),
            (Some(k), None) => errors.push(FieldError {
                field: k,
                reason: "invalid_utf8",
            }),
            (None, _) => errors.push(FieldError {
                field: "(query)".into(),
                reason: "invalid_utf8",
            }),
        }
    }
    if errors.is_empty() {
        Ok(pairs)
    } else {
        Err(errors)
    }
}

fn decode(s: &str) -> Option<String> {
    let plus = s.replace('+', " ");
    percent_decode(plus.as_bytes())
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// The back office's order list filter from a query string; unknown keys are refused.
pub fn order_filter(
    raw: Option<&str>,
) -> Result<ecrin_app::checkout::OrderFilter, Vec<FieldError>> {
    let mut f = ecrin_app::checkout::OrderFilter::default();
    let mut errors = Vec::new();
    for (k, v) in parse(raw)? {
        let slot = match k.as_str() {
            "status" => &mut f.status,
            "from" => &mut f.from,
            "to" => &mut f.to,
            "customer" => &mut f.customer,
            "q" => &mut f.q,
            "cursor" => &mut f.cursor,
            "limit" => &mut f.limit,
            _ => {
                errors.push(FieldError {
                    field: k,
                    reason: "unknown_parameter",
                });
                continue;
            }
        };
        *slot = Some(v);
    }
    if errors.is_empty() {
        Ok(f)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_decoded_and_bad_utf8_is_named() {
        let pairs = parse(Some("q=bague+%C3%A9meraude&page%5Bsize%5D=5&&flag")).unwrap_or_default();
        assert_eq!(
            pairs,
            [
                ("q".to_owned(), "bague émeraude".to_owned()),
                ("page[size]".to_owned(), "5".to_owned()),
                ("flag".to_owned(), String::new()),
            ]
        );
        let err = parse(Some("q=%FF%FE")).err().unwrap_or_default();
        assert_eq!(err[0].field, "q");
        assert_eq!(err[0].reason, "invalid_utf8");
    }
}
