//! Instants as the ledger records them.

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A UTC instant truncated to microseconds.
///
/// PostgreSQL keeps microseconds and SQLite keeps whatever text it is given; truncating at the
/// domain boundary makes the same event hash the same on both backends.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    pub fn new(at: DateTime<Utc>) -> Self {
        let micros = at.nanosecond() / 1_000 * 1_000;
        // with_nanosecond only fails for values >= 2e9; micros * 1000 is below 1e9 (or 2e9 during a
        // leap second, which chrono also accepts), so the fallback is never taken.
        Timestamp(at.with_nanosecond(micros).unwrap_or(at))
    }

    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }

    /// RFC 3339, UTC, always six fractional digits: `2026-11-25T08:00:00.000000Z`.
    pub fn to_rfc3339(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    pub fn parse(s: &str) -> Result<Self, chrono::ParseError> {
        Ok(Timestamp::new(
            DateTime::parse_from_rfc3339(s)?.with_timezone(&Utc),
        ))
    }

    /// The calendar date in China Standard Time: the calendar of legal dates.
    pub fn china_date(&self) -> NaiveDate {
        self.0.with_timezone(&CHINA_STANDARD_TIME).date_naive()
    }
}

/// China Standard Time, UTC+8 all year (no daylight saving since 1991): the calendar of legal
/// dates and the clock officers read.
pub const CHINA_STANDARD_TIME: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    // 8 hours is well inside the ±24 h a FixedOffset accepts; checked when compiling.
    None => panic!("UTC+8 is a valid offset"),
};

/// The moment a command is decided, inside every decision's state: the instant its events carry
/// and the legal date it falls on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    pub at: Timestamp,
    /// `at` in China Standard Time.
    pub today: NaiveDate,
}

impl Now {
    pub fn at(at: Timestamp) -> Now {
        Now {
            at,
            today: at.china_date(),
        }
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Timestamp::new(at)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_to_microseconds_and_prints_six_digits() {
        let at = DateTime::parse_from_rfc3339("2026-11-25T08:00:00.123456789+08:00")
            .unwrap()
            .with_timezone(&Utc);
        let t = Timestamp::new(at);
        assert_eq!(t.to_rfc3339(), "2026-11-25T00:00:00.123456Z");
        let whole = Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
        assert_eq!(whole.to_rfc3339(), "2026-01-01T00:00:00.000000Z");
    }

    #[test]
    fn round_trips_through_json() {
        let t = Timestamp::parse("2026-11-25T00:00:00.5Z").unwrap();
        let j = serde_json::to_string(&t).unwrap();
        assert_eq!(j, "\"2026-11-25T00:00:00.500000Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&j).unwrap(), t);
    }
}
