//! The legal calendar: working days, holidays and make-up days, and deadlines kept as rules.
//!
//! Counting rules (《中华人民共和国行政处罚法》(2021) 第八十五条: "二日""三日""五日""七日" are
//! working days; 《中华人民共和国民法典》第二百零一条: the start day is not counted; 第二百零三条: a
//! period whose last day is a legal holiday ends on the day after the holiday; 第二百零二条: a
//! period in months ends on the same day number, or the month's last day when it has none).
//!
//! A year without a national table is computed with weekends only, and every answer that depends
//! on such a year says so.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One year's arrangement: days off and make-up working days (调休上班).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct YearTable {
    pub rest: BTreeSet<NaiveDate>,
    pub work: BTreeSet<NaiveDate>,
}

/// The tables in force: the State Council's, and the prefecture government's own layer.
#[derive(Clone, Debug, Default)]
pub struct Calendar {
    national: BTreeMap<i32, YearTable>,
    prefecture: BTreeMap<i32, YearTable>,
    prefecture_applies: bool,
    /// Per year, bit `ordinal0` set when that day is a working day (compiled for speed).
    compiled: BTreeMap<i32, [u64; 6]>,
}

/// An answer and the years whose national table was missing when it was computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dated<T> {
    pub value: T,
    pub missing_years: BTreeSet<i32>,
}

impl<T> Dated<T> {
    fn new(value: T, missing_years: BTreeSet<i32>) -> Self {
        Dated {
            value,
            missing_years,
        }
    }
}

fn weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl Calendar {
    pub fn new(
        national: BTreeMap<i32, YearTable>,
        prefecture: BTreeMap<i32, YearTable>,
        prefecture_applies: bool,
    ) -> Calendar {
        let mut c = Calendar {
            national,
            prefecture,
            prefecture_applies,
            compiled: BTreeMap::new(),
        };
        let years: BTreeSet<i32> = c
            .national
            .keys()
            .chain(c.prefecture.keys())
            .copied()
            .collect();
        for year in years {
            let mut bits = [0u64; 6];
            let mut d = NaiveDate::from_ymd_opt(year, 1, 1);
            while let Some(day) = d.filter(|x| x.year() == year) {
                if c.classify(day) {
                    let i = day.ordinal0() as usize;
                    bits[i / 64] |= 1 << (i % 64);
                }
                d = day.succ_opt();
            }
            c.compiled.insert(year, bits);
        }
        c
    }

    pub fn has_national_table(&self, year: i32) -> bool {
        self.national.contains_key(&year)
    }

    /// The uncompiled rule: prefecture entry, else national entry, else weekends.
    fn classify(&self, d: NaiveDate) -> bool {
        let year = d.year();
        if self.prefecture_applies
            && let Some(t) = self.prefecture.get(&year)
        {
            if t.rest.contains(&d) {
                return false;
            }
            if t.work.contains(&d) {
                return true;
            }
        }
        if let Some(t) = self.national.get(&year) {
            if t.rest.contains(&d) {
                return false;
            }
            if t.work.contains(&d) {
                return true;
            }
        }
        !weekend(d)
    }

    fn working(&self, d: NaiveDate, missing: &mut BTreeSet<i32>) -> bool {
        let year = d.year();
        if !self.national.contains_key(&year) {
            missing.insert(year);
        }
        match self.compiled.get(&year) {
            Some(bits) => {
                let i = d.ordinal0() as usize;
                bits[i / 64] & (1 << (i % 64)) != 0
            }
            None => !weekend(d),
        }
    }

    pub fn is_working_day(&self, d: NaiveDate) -> Dated<bool> {
        let mut missing = BTreeSet::new();
        let v = self.working(d, &mut missing);
        Dated::new(v, missing)
    }

    /// The first working day on or after `d` (the rest-day rule).
    fn roll_forward(&self, mut d: NaiveDate, missing: &mut BTreeSet<i32>) -> NaiveDate {
        while !self.working(d, missing) {
            d = next(d);
        }
        d
    }

    /// The n-th working day after `d` (`d` itself not counted).
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> Dated<NaiveDate> {
        let rule = DeadlineRule::new(d, Period::WorkingDays(n));
        let deadline = rule.evaluate(self, d);
        Dated::new(deadline.due, deadline.missing_years)
    }

    /// `d + n` natural days, moved to the next working day when that is a rest day.
    pub fn add_days(&self, d: NaiveDate, n: u32) -> Dated<NaiveDate> {
        let deadline = DeadlineRule::new(d, Period::Days(n)).evaluate(self, d);
        Dated::new(deadline.due, deadline.missing_years)
    }

    /// The same day number `n` months later (or that month's last day), then the rest-day rule.
    pub fn add_months(&self, d: NaiveDate, n: u32) -> Dated<NaiveDate> {
        let deadline = DeadlineRule::new(d, Period::Months(n)).evaluate(self, d);
        Dated::new(deadline.due, deadline.missing_years)
    }
}

fn next(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(d)
}

/// A period as the law states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "unit", content = "n")]
pub enum Period {
    WorkingDays(u32),
    Days(u32),
    Months(u32),
}

/// A suspension (中止) of a period: both ends inclusive; `end: None` while it lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tolling {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

/// A deadline kept as its rule, evaluated against the tables in force whenever it is read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineRule {
    pub anchor: NaiveDate,
    pub period: Period,
    #[serde(default)]
    pub tolled: Vec<Tolling>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deadline {
    pub due: NaiveDate,
    /// A tolling interval is still open: the period is suspended and `due` assumes it ends today.
    pub suspended: bool,
    pub missing_years: BTreeSet<i32>,
}

impl DeadlineRule {
    pub fn new(anchor: NaiveDate, period: Period) -> DeadlineRule {
        DeadlineRule {
            anchor,
            period,
            tolled: Vec::new(),
        }
    }

    pub fn with_tolling(mut self, t: Tolling) -> DeadlineRule {
        self.tolled.push(t);
        self
    }

    /// Whether `d` lies in a tolled interval (an open one counts up to `today`).
    fn is_tolled(&self, d: NaiveDate, today: NaiveDate) -> bool {
        self.tolled
            .iter()
            .any(|t| t.start <= d && d <= t.end.unwrap_or(today))
    }

    /// The days not counted so far: every day of a tolled interval once (an open one up to
    /// `today`).
    pub fn tolled_days(&self, today: NaiveDate) -> i64 {
        let Some(first) = self.tolled.iter().map(|t| t.start).min() else {
            return 0;
        };
        let last = self
            .tolled
            .iter()
            .map(|t| t.end.unwrap_or(today))
            .max()
            .unwrap_or(first);
        first
            .iter_days()
            .take_while(|d| *d <= last)
            .filter(|d| self.is_tolled(*d, today))
            .count() as i64
    }

    pub fn evaluate(&self, calendar: &Calendar, today: NaiveDate) -> Deadline {
        let mut missing = BTreeSet::new();
        let suspended = self
            .tolled
            .iter()
            .any(|t| t.end.is_none() && t.start <= today);
        let no_tolling = self.tolled.is_empty();
        let end = match self.period {
            Period::WorkingDays(n) => {
                // Count working days after the anchor, skipping tolled ones.
                let mut d = self.anchor;
                let mut left = n;
                while left > 0 {
                    d = next(d);
                    if calendar.working(d, &mut missing)
                        && (no_tolling || !self.is_tolled(d, today))
                    {
                        left -= 1;
                    }
                }
                d
            }
            Period::Days(n) => {
                let base = self.anchor + Days::new(u64::from(n));
                self.extend(base, today)
            }
            Period::Months(n) => {
                // chrono clamps to the month's last day, as Civil Code Art. 202 does.
                let base = self
                    .anchor
                    .checked_add_months(Months::new(n))
                    .unwrap_or(self.anchor);
                self.extend(base, today)
            }
        };
        // The rest-day rule is applied last, and a tolled day is no day to fall due on either:
        // the first working day from the end that is not tolled.
        let mut end = end;
        let due = loop {
            let d = calendar.roll_forward(end, &mut missing);
            if no_tolling || !self.is_tolled(d, today) {
                break d;
            }
            end = next(d);
        };
        Deadline {
            due,
            suspended,
            missing_years: missing,
        }
    }

    /// Extends a calendar-day end by the tolled days after the anchor that fall before it
    /// (counting the extension itself; overlapping intervals count once).
    fn extend(&self, base: NaiveDate, today: NaiveDate) -> NaiveDate {
        if self.tolled.is_empty() {
            return base;
        }
        let mut end = base;
        loop {
            let mut d = self.anchor;
            let mut tolled = 0u64;
            while d < end {
                d = next(d);
                if self.is_tolled(d, today) {
                    tolled += 1;
                }
            }
            let extended = base + Days::new(tolled);
            if extended == end {
                return end;
            }
            end = extended;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn table(rest: &[(&str, &str)], work: &[&str]) -> YearTable {
        let mut t = YearTable::default();
        for (from, to) in rest {
            let mut d = day(from);
            while d <= day(to) {
                t.rest.insert(d);
                d = d.succ_opt().unwrap();
            }
        }
        t.work = work.iter().map(|d| day(d)).collect();
        t
    }

    /// The 2026 State Council table's New Year, Spring Festival and National Day with their
    /// make-up working days (the rest of the table touches none of the dates tests use).
    pub(crate) fn cal2026() -> Calendar {
        let t = table(
            &[
                ("2026-01-01", "2026-01-03"),
                ("2026-02-15", "2026-02-23"),
                ("2026-10-01", "2026-10-07"),
            ],
            &["2026-01-04", "2026-02-14", "2026-02-28", "2026-10-10"],
        );
        Calendar::new(BTreeMap::from([(2026, t)]), BTreeMap::new(), true)
    }

    #[test]
    fn working_days_skip_the_spring_festival() {
        let c = cal2026();
        // Friday 13 Feb; Saturday 14 Feb is a make-up working day.
        assert_eq!(
            c.add_working_days(day("2026-02-13"), 1).value,
            day("2026-02-14")
        );
        assert_eq!(
            c.add_working_days(day("2026-02-13"), 2).value,
            day("2026-02-24")
        );
        assert!(c.is_working_day(day("2026-02-28")).value);
        assert!(!c.is_working_day(day("2026-02-23")).value);
    }

    #[test]
    fn natural_days_end_on_the_next_working_day() {
        let c = cal2026();
        // 2026-09-16 + 15 = 2026-10-01 (National Day) → 2026-10-08.
        assert_eq!(c.add_days(day("2026-09-16"), 15).value, day("2026-10-08"));
        assert_eq!(c.add_days(day("2026-09-01"), 10).value, day("2026-09-11"));
    }

    #[test]
    fn months_clamp_to_the_last_day() {
        let c = cal2026();
        // 31 Aug + 6 months = 28 Feb 2027 (no table: weekends only) — a Sunday → Monday 1 March.
        let r = c.add_months(day("2026-08-31"), 6);
        assert_eq!(r.value, day("2027-03-01"));
        assert_eq!(r.missing_years, BTreeSet::from([2027]));
        assert_eq!(
            c.add_months(day("2026-01-31"), 1).value,
            day("2026-02-28"),
            "28 Feb 2026 is a Saturday, but a make-up working day"
        );
    }

    #[test]
    fn tolling_extends_and_an_open_interval_suspends() {
        let c = cal2026();
        let base = DeadlineRule::new(day("2026-03-02"), Period::Days(30));
        assert_eq!(base.evaluate(&c, day("2026-03-02")).due, day("2026-04-01"));
        let tolled = base.clone().with_tolling(Tolling {
            start: day("2026-03-10"),
            end: Some(day("2026-03-19")),
        });
        assert_eq!(
            tolled.evaluate(&c, day("2026-03-25")).due,
            day("2026-04-13"),
            "10 days later, then Saturday 11 → Monday 13"
        );
        let overlapping = tolled.clone().with_tolling(Tolling {
            start: day("2026-03-15"),
            end: Some(day("2026-03-20")),
        });
        assert_eq!(
            overlapping.evaluate(&c, day("2026-03-25")).due,
            day("2026-04-13"),
            "one more day (the 20th), still the 13th"
        );
        let open = base.with_tolling(Tolling {
            start: day("2026-03-10"),
            end: None,
        });
        let d = open.evaluate(&c, day("2026-03-12"));
        assert!(d.suspended);
        assert_eq!(
            d.due,
            day("2026-04-06"),
            "3 tolled days so far: 4 April (Tomb-sweeping) is not in this test table, but a Saturday"
        );
    }

    #[test]
    fn tolling_a_working_day_period_counts_working_days() {
        let c = cal2026();
        let rule =
            DeadlineRule::new(day("2026-09-28"), Period::WorkingDays(7)).with_tolling(Tolling {
                start: day("2026-09-29"),
                end: Some(day("2026-09-30")),
            });
        // Without tolling: 29, 30 Sep, 8, 9, 10 (make-up), 12, 13 Oct → 13 Oct.
        assert_eq!(
            c.add_working_days(day("2026-09-28"), 7).value,
            day("2026-10-13")
        );
        // The two tolled working days push it two working days later.
        assert_eq!(rule.evaluate(&c, day("2026-10-01")).due, day("2026-10-15"));
    }

    #[test]
    fn the_prefecture_layer_overrides_and_can_be_switched_off() {
        let national = table(&[], &[]);
        let banna = table(
            &[("2019-04-13", "2019-04-19")],
            &["2019-04-20", "2019-04-21"],
        );
        let on = Calendar::new(
            BTreeMap::from([(2019, national.clone())]),
            BTreeMap::from([(2019, banna.clone())]),
            true,
        );
        let off = Calendar::new(
            BTreeMap::from([(2019, national)]),
            BTreeMap::from([(2019, banna)]),
            false,
        );
        assert!(!on.is_working_day(day("2019-04-15")).value);
        assert!(on.is_working_day(day("2019-04-20")).value);
        assert!(off.is_working_day(day("2019-04-15")).value);
        assert!(!off.is_working_day(day("2019-04-20")).value);
    }
}
