//! Where `now` comes from: the system in production, a fixed value in tests.

use chrono::{DateTime, FixedOffset, Utc};
use domain::Timestamp;
use std::sync::Mutex;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::new(Utc::now())
    }
}

/// A clock that stands still until moved; for tests.
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        FixedClock(Mutex::new(at))
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut at = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *at += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp::new(*self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// China Standard Time, UTC+8 all year (no daylight saving since 1991): the calendar of legal
/// dates and the clock officers read.
pub fn china_offset() -> FixedOffset {
    // 8 hours is well inside the ±24 h FixedOffset accepts.
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}
