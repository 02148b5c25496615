//! The Clock port: the only place the engine learns what time it is.

use jiff::{SignedDuration, Timestamp};
use std::sync::Mutex;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;

    fn now_ms(&self) -> i64 {
        self.now().as_millisecond()
    }

    /// The movable clock of test mode, when this is one.
    fn as_test(&self) -> Option<&TestClock> {
        None
    }
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that tests move: it runs with the wall clock, shifted by an offset that
/// `advance` and `set` change. Only test mode uses it.
#[derive(Debug, Default)]
pub struct TestClock {
    offset: Mutex<SignedDuration>,
}

impl TestClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// A test clock showing `at` now, and running on from there.
    pub fn starting_at(at: Timestamp) -> Self {
        let clock = Self::new();
        clock.set(at);
        clock
    }

    fn offset(&self) -> SignedDuration {
        self.offset.lock().map(|o| *o).unwrap_or_default()
    }

    pub fn advance(&self, by: SignedDuration) {
        if let Ok(mut o) = self.offset.lock() {
            *o = o.saturating_add(by);
        }
    }

    pub fn set(&self, to: Timestamp) {
        let delta = to.duration_since(Timestamp::now());
        if let Ok(mut o) = self.offset.lock() {
            *o = delta;
        }
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
            .checked_add(self.offset())
            .unwrap_or(Timestamp::MAX)
    }

    fn as_test(&self) -> Option<&TestClock> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_clock_moves_forward_and_can_be_set() {
        let clock = TestClock::new();
        let before = clock.now();
        clock.advance(SignedDuration::from_hours(24 * 15));
        let after = clock.now();
        assert!(after.duration_since(before) >= SignedDuration::from_hours(24 * 15));
        let target: Timestamp = "2026-12-24T15:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        clock.set(target);
        let diff = clock.now().duration_since(target).as_secs().abs();
        assert!(diff < 5, "{diff}");
    }
}
