//! What the busiest use cases keep between requests, without ever trusting it blindly.
//!
//! - Variants, as long as the catalogue's version in the database is unchanged (one
//!   one-row read instead of the variants themselves); whoever changes prices, stock or
//!   products bumps that version.
//! - Baskets, as last saved by this process: a change starts from it and saves with the
//!   usual compare-and-set, so a basket changed meanwhile by another process makes the
//!   save fail, the basket is read again and the change retried. Reads for display always
//!   go to the database.

use ecrin_store::{BasketOwner, StoredBasket, VariantInfo};
use std::collections::HashMap;
use std::sync::Mutex;

/// Baskets kept at most; beyond, the cache starts again empty.
const MAX_BASKETS: usize = 20_000;

#[derive(Debug, Default)]
pub struct Caches {
    variants: Mutex<VariantCache>,
    baskets: Mutex<HashMap<BasketOwner, StoredBasket>>,
}

#[derive(Debug, Default)]
struct VariantCache {
    version: i64,
    map: HashMap<String, VariantInfo>,
}

impl Caches {
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
