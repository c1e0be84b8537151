//! Where `now` comes from: the system in production, a clock tests set and move.

use chrono::{DateTime, NaiveDate, Utc};
use domain::Timestamp;
use std::sync::Mutex;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;

    /// Today in China Standard Time, the calendar of legal dates.
    fn today(&self) -> NaiveDate {
        self.now().china_date()
    }
}

impl crate::App {
    /// Now, by the application's clock (a test's fixed clock included).
    pub fn now(&self) -> domain::Timestamp {
        self.clock.now()
    }

    /// Today in China Standard Time, by the application's clock.
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::new(Utc::now())
    }
}

/// A clock that stands still until moved; tests start the real server with one to cross a
/// deadline without waiting for it.
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        FixedClock(Mutex::new(at))
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut at = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *at += by;
    }

    pub fn set(&self, to: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp::new(*self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}
