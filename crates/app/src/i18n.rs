//! GTS-2: every word a customer reads goes through Fluent, here.
//!
//! The language of a request comes from the URL (`/fr/…`), then the customer's choice
//! (the `ecrin_lang` cookie), then `Accept-Language`, then the profile's first language;
//! only languages the profile speaks are ever chosen.

use ecrin_core::money::Money;
use ecrin_core::{Lang, Profile};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use std::borrow::Cow;
use std::collections::HashMap;
use unic_langid::{LanguageIdentifier, langid};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Isolation marks would leak into HTML, e-mails and tests.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static FR: LanguageIdentifier = langid!("fr");
static EN: LanguageIdentifier = langid!("en");
static IT: LanguageIdentifier = langid!("it");

fn id(lang: Lang) -> &'static LanguageIdentifier {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
        Lang::It => &IT,
    }
}

/// The translator handed to every template.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(id(self.lang), key)
    }

    /// A message with arguments: `tr.with("price-from", &[("price", text)])`.
    pub fn with(&self, key: &str, args: &[(&str, String)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| (Cow::Owned((*k).to_owned()), FluentValue::from(v.clone())))
            .collect();
        LOCALES.lookup_with_args(id(self.lang), key, &map)
    }

    /// Like [`Tr::with`], or `None` when the language has no such message.
    pub fn try_with(&self, key: &str, args: &[(&str, String)]) -> Option<String> {
        let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| (Cow::Owned((*k).to_owned()), FluentValue::from(v.clone())))
            .collect();
        LOCALES.try_lookup_with_args(id(self.lang), key, &map)
    }

    /// A message with one numeric argument (plural rules apply).
    pub fn count(&self, key: &str, name: &str, n: i64) -> String {
        let mut map: HashMap<Cow<'static, str>, FluentValue<'_>> = HashMap::new();
        map.insert(Cow::Owned(name.to_owned()), FluentValue::from(n));
        LOCALES.lookup_with_args(id(self.lang), key, &map)
    }

    pub fn money(&self, minor: i64) -> String {
        Money::eur(minor).format(self.lang)
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
}

/// A date as its readers write it: `21/11/2026` in French and Italian, `21 November 2026`
/// in English, in the merchant's time zone `tz`.
pub fn date(ms: i64, lang: Lang, tz: &str) -> String {
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    day(ts.to_zoned(zone).date(), lang)
}

/// A moment to the second, with its time zone: `02/12/2026 10:04:31 (Europe/Paris)`
/// (WDR-7: the receipt of a withdrawal says when, exactly).
pub fn date_time(ms: i64, lang: Lang, tz: &str) -> String {
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let z = ts.to_zoned(zone);
    format!("{} {} ({tz})", day(z.date(), lang), z.strftime("%H:%M:%S"))
}

/// Like [`date`], for a calendar date written `2026-11-21`; other text is given back as is.
pub fn civil_date(iso: &str, lang: Lang) -> String {
    match iso.parse::<jiff::civil::Date>() {
        Ok(d) => day(d, lang),
        Err(_) => iso.to_owned(),
    }
}

fn day(d: jiff::civil::Date, lang: Lang) -> String {
    match lang {
        Lang::En => d.strftime("%-d %B %Y").to_string(),
        Lang::Fr | Lang::It => d.strftime("%d/%m/%Y").to_string(),
    }
}

/// Whether every key of every language file exists in the others (checked by a test).
pub fn has_message(lang: Lang, key: &str) -> bool {
    LOCALES.try_lookup(id(lang), key).is_some()
}

/// The best language for a request, from the customer's choice then `Accept-Language`.
pub fn negotiate(profile: &Profile, chosen: Option<&str>, accept_language: Option<&str>) -> Lang {
    if let Some(lang) = chosen.and_then(|c| c.parse::<Lang>().ok())
        && profile.speaks(lang)
    {
        return lang;
    }
    if let Some(header) = accept_language {
        let mut ranked: Vec<(u16, Lang)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim();
                let primary = tag.split('-').next()?;
                let lang: Lang = primary.parse().ok()?;
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                if !(0.0..=1.0).contains(&q) || q == 0.0 {
                    return None;
                }
                Some(((q * 1000.0) as u16, lang))
            })
            .filter(|(_, l)| profile.speaks(*l))
            .collect();
        // Stable: among equal weights the header's order wins.
        ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
        if let Some((_, lang)) = ranked.first() {
            return *lang;
        }
    }
    profile.default_lang()
}
