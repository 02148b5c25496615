//! What the busiest use cases keep between requests, without ever trusting it blindly.
//!
//! - Variants, as long as the catalogue's version in the database is unchanged (one
//!   one-row read instead of the variants themselves); whoever changes prices, stock or
//!   products bumps that version.
//! - Baskets, as last saved by this process: a change starts from it and saves with the
//!   usual compare-and-set, so a basket changed meanwhile by another process makes the
//!   save fail, the basket is read again and the change retried. Reads for display always
//!   go to the database.
//! - Terms versions with the SHA-256 of each text, by version: a published version never
//!   changes (the database refuses it), so the cache is never stale; which version is in
//!   force is asked of the database every time.
//! - The terms of a version laid out as PDF, by version and language, for the same reason.

use ecrin_store::{BasketOwner, Localized, StoredBasket, TermsVersion, VariantInfo};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Baskets kept at most; beyond, the cache starts again empty.
const MAX_BASKETS: usize = 20_000;

#[derive(Debug, Default)]
pub struct Caches {
    variants: Mutex<VariantCache>,
    baskets: Mutex<HashMap<BasketOwner, StoredBasket>>,
    terms: Mutex<HashMap<String, Arc<Terms>>>,
    /// The version in force as last read, and when (for summaries only).
    terms_in_force: Mutex<Option<(String, i64)>>,
    terms_pdf: Mutex<HashMap<TermsPdfKey, Arc<Vec<u8>>>>,
}

/// A version of the terms and a language.
type TermsPdfKey = (String, &'static str);

/// A published version of the terms and the SHA-256 of its text in each language.
#[derive(Debug)]
pub struct Terms {
    pub version: TermsVersion,
    pub sha256: Localized,
}

#[derive(Debug, Default)]
struct VariantCache {
    version: i64,
    map: HashMap<String, VariantInfo>,
}

impl Caches {
    /// The terms of `version` in `lang` as laid out before, if they were.
    pub fn terms_pdf(&self, version: &str, lang: &'static str) -> Option<Arc<Vec<u8>>> {
        let map = self.terms_pdf.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&(version.to_owned(), lang)).cloned()
    }

    pub fn keep_terms_pdf(&self, version: &str, lang: &'static str, pdf: Arc<Vec<u8>>) {
        let mut map = self.terms_pdf.lock().unwrap_or_else(|e| e.into_inner());
        map.insert((version.to_owned(), lang), pdf);
    }

    /// The cached variants of `skus` at catalogue `version`, and the SKUs not cached.
    pub fn variants(&self, version: i64, skus: &[String]) -> (Vec<VariantInfo>, Vec<String>) {
        let Ok(mut cache) = self.variants.lock() else {
            return (Vec::new(), skus.to_vec());
        };
        if cache.version != version {
            cache.version = version;
            cache.map.clear();
        }
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for sku in skus {
            match cache.map.get(sku) {
                Some(v) => found.push(v.clone()),
                None => missing.push(sku.clone()),
            }
        }
        (found, missing)
    }

    pub fn keep_variants(&self, version: i64, variants: &[VariantInfo]) {
        if let Ok(mut cache) = self.variants.lock()
            && cache.version == version
        {
            for v in variants {
                cache.map.insert(v.sku.clone(), v.clone());
            }
        }
    }

    pub fn terms(&self, version: &str) -> Option<Arc<Terms>> {
        self.terms.lock().ok()?.get(version).cloned()
    }

    pub fn keep_terms(&self, version: TermsVersion) -> Arc<Terms> {
        let sha = |s: &str| crate::terms::sha256(s);
        let terms = Arc::new(Terms {
            sha256: Localized {
                fr: sha(&version.body.fr),
                en: sha(&version.body.en),
                it: sha(&version.body.it),
            },
            version,
        });
        if let Ok(mut cache) = self.terms.lock() {
            cache.insert(terms.version.version.clone(), terms.clone());
        }
        terms
    }

    /// The version in force read at most `max_age_ms` before `now_ms`.
    pub fn terms_in_force(&self, now_ms: i64, max_age_ms: i64) -> Option<String> {
        let cache = self.terms_in_force.lock().ok()?;
        let (name, at) = cache.as_ref()?;
        (now_ms >= *at && now_ms - at <= max_age_ms).then(|| name.clone())
    }

    /// Keeps (or, `None`, forgets) the version in force read at `now_ms`.
    pub fn keep_terms_in_force(&self, name: Option<(String, i64)>) {
        if let Ok(mut cache) = self.terms_in_force.lock() {
            *cache = name;
        }
    }

    pub fn basket(&self, owner: &BasketOwner) -> Option<StoredBasket> {
        self.baskets.lock().ok()?.get(owner).cloned()
    }

    /// Keeps `basket` as saved (its new version and lines), or forgets the owner's.
    pub fn keep_basket(&self, owner: &BasketOwner, basket: Option<StoredBasket>) {
        if let Ok(mut cache) = self.baskets.lock() {
            match basket {
                Some(b) => {
                    if cache.len() >= MAX_BASKETS {
                        cache.clear();
                    }
                    cache.insert(owner.clone(), b);
                }
                None => {
                    cache.remove(owner);
                }
            }
        }
    }
}
