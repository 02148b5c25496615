//! An in-memory cache of catalogue reads, invalidated by the catalogue version kept in
//! the database, so several processes on one PostgreSQL never serve a stale catalogue
//! for longer than [`RECHECK`].

use ecrin_app::model::{ProductDetail, ProductPage, Reference};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// How often the catalogue version is read again from the database.
pub const RECHECK: Duration = Duration::from_millis(500);
/// Entries kept at most; the cache is emptied when full (the catalogue is small).
const MAX_ENTRIES: usize = 512;

#[derive(Debug, Clone)]
pub enum Entry {
    Page(Arc<ProductPage>),
    Product(Arc<Option<ProductDetail>>),
    References(Arc<[Vec<Reference>; 3]>),
    /// A whole answer, as sent (see [`crate::prebuilt`]).
    Bytes(Arc<crate::prebuilt::Prebuilt>),
}

/// The entries, and how many times they were emptied: what was read from the database
/// before they were emptied is not kept after (it may be of the catalogue before).
#[derive(Debug, Default)]
struct Entries {
    epoch: u64,
    map: HashMap<String, Entry>,
}

impl Entries {
    fn clear(&mut self) {
        self.map.clear();
        self.epoch = self.epoch.wrapping_add(1);
    }
}

#[derive(Debug, Default)]
struct State {
    version: i64,
    checked_at: Option<Instant>,
    /// Moved by every [`CatalogueCache::invalidate`]: a version read before it is not
    /// taken as checked after it.
    generation: u64,
}

#[derive(Debug, Default)]
pub struct CatalogueCache {
    state: Mutex<State>,
    entries: RwLock<Entries>,
    /// Answers being built, by key, each held (written) by its builder until it is kept:
    /// who asks for the same answer meanwhile waits for those bytes, or is served the ones
    /// they replace, rather than building them again (see [`crate::prebuilt`]).
    building: Mutex<HashMap<String, Arc<tokio::sync::RwLock<()>>>>,
}

/// Whose turn it is to build an answer missing or out of date.
pub enum Turn<'a> {
    /// This request builds it; the others wait until [`Building`] is dropped.
    Build(Building<'a>),
    /// Another request is building it: read this lock to wait for it.
    Wait(Arc<tokio::sync::RwLock<()>>),
}

/// The builder's hold on a key: dropped (the answer kept, refused, or the request gone),
/// the key is free and its waiters go on.
pub struct Building<'a> {
    cache: &'a CatalogueCache,
    key: String,
    _held: tokio::sync::OwnedRwLockWriteGuard<()>,
}

impl Drop for Building<'_> {
    fn drop(&mut self) {
        if let Ok(mut building) = self.cache.building.lock() {
            building.remove(&self.key);
        }
    }
}

impl CatalogueCache {
    /// Empties the cache when the database's catalogue version moved. While the database
    /// cannot be reached, what the cache holds is served as it was when the database was
    /// last read (no process can change the catalogue meanwhile): visitors browse on,
    /// and only what the cache misses is a 503.
    pub async fn refresh(&self, app: &ecrin_app::App) -> Result<(), ecrin_app::AppError> {
        let (due, generation) = self
            .state
            .lock()
            .map(|s| {
                let due = s.checked_at.is_none_or(|t| t.elapsed() >= RECHECK);
                (due, s.generation)
            })
            .unwrap_or((true, 0));
        if !due {
            return Ok(());
        }
        let version = match ecrin_app::catalogue::version(app).await {
            Ok(v) => v,
            Err(ecrin_app::AppError::Store(ecrin_app::model::StoreError::Unavailable(_))) => {
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        if let Ok(mut s) = self.state.lock() {
            if s.version != version {
                if let Ok(mut e) = self.entries.write() {
                    e.clear();
                }
                s.version = version;
            }
            // This process wrote meanwhile: the next request reads the version again.
            if s.generation == generation {
                s.checked_at = Some(Instant::now());
            }
        }
        Ok(())
    }

    pub fn get(&self, key: &str) -> Option<Entry> {
        self.entries.read().ok()?.map.get(key).cloned()
    }

    /// Where the entries stand: take it before reading what [`Self::put`] will keep.
    pub fn epoch(&self) -> u64 {
        self.entries.read().map(|e| e.epoch).unwrap_or(u64::MAX)
    }

    /// Keeps `entry`, read from the database since `epoch`, unless the entries were
    /// emptied meanwhile (the catalogue changed while it was read).
    pub fn put(&self, epoch: u64, key: String, entry: Entry) {
        if let Ok(mut e) = self.entries.write()
            && e.epoch == epoch
        {
            if e.map.len() >= MAX_ENTRIES {
                e.clear();
            }
            e.map.insert(key, entry);
        }
    }

    pub fn prebuilt(&self, key: &str) -> Option<Arc<crate::prebuilt::Prebuilt>> {
        match self.entries.read().ok()?.map.get(key) {
            Some(Entry::Bytes(p)) => Some(p.clone()),
            _ => None,
        }
    }

    pub fn keep_prebuilt(&self, epoch: u64, key: String, answer: Arc<crate::prebuilt::Prebuilt>) {
        self.put(epoch, key, Entry::Bytes(answer));
    }

    /// Who builds the answer of `key`: this request, unless another already is.
    pub fn turn(&self, key: &str) -> Option<Turn<'_>> {
        let mut building = self.building.lock().ok()?;
        if let Some(lock) = building.get(key) {
            return Some(Turn::Wait(lock.clone()));
        }
        let lock = Arc::new(tokio::sync::RwLock::new(()));
        let held = lock.clone().try_write_owned().ok()?;
        building.insert(key.to_owned(), lock);
        Some(Turn::Build(Building {
            cache: self,
            key: key.to_owned(),
            _held: held,
        }))
    }

    /// Empties the cache now (the test clock moved: what a page shows of the time changed).
    pub fn clear(&self) {
        if let Ok(mut e) = self.entries.write() {
            e.clear();
        }
        self.invalidate();
    }

    /// Forgets everything now (after a write by this process).
    pub fn invalidate(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.checked_at = None;
            s.generation = s.generation.wrapping_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn references() -> Entry {
        Entry::References(Arc::new([Vec::new(), Vec::new(), Vec::new()]))
    }

    /// CAT-5: an answer read from the database while the catalogue changed (the cache was
    /// emptied between the read's start and its end) is not kept, or it would be served
    /// as the new catalogue's.
    #[test]
    fn cat_5_what_was_read_before_the_catalogue_changed_is_not_kept() {
        let cache = CatalogueCache::default();
        let before = cache.epoch();
        cache.clear();
        cache.put(before, "references".to_owned(), references());
        assert!(cache.get("references").is_none());
        cache.put(cache.epoch(), "references".to_owned(), references());
        assert!(cache.get("references").is_some());
    }
}
