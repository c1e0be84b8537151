//! Time to evaluate 1,000,000 deadline rules on one core (target < 1 s).
//!
//! `cargo bench -p app --bench deadlines`

use chrono::{Days, NaiveDate};
use domain::calendar::{DeadlineRule, Period, Tolling};
use std::time::Instant;

fn main() {
    let calendar = app::calendar::load(None, true).expect("embedded tables");
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    // A realistic mix: 7 and 15 working days, 15, 60 and 90 natural days, 3 and 6 months; every
    // tenth rule with a tolled interval.
    let periods = [
        Period::WorkingDays(7),
        Period::WorkingDays(15),
        Period::Days(15),
        Period::Days(60),
        Period::Days(90),
        Period::Months(3),
        Period::Months(6),
    ];
    let rules: Vec<DeadlineRule> = (0..1_000_000u64)
        .map(|i| {
            let anchor = start + Days::new(i % 900);
            let rule = DeadlineRule::new(anchor, periods[(i % 7) as usize]);
            if i % 10 == 0 {
                rule.with_tolling(Tolling {
                    start: anchor + Days::new(3),
                    end: Some(anchor + Days::new(12)),
                })
            } else {
                rule
            }
        })
        .collect();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    for round in 0..3 {
        let t = Instant::now();
        let mut checksum = 0i64;
        for r in &rules {
            checksum += r.evaluate(&calendar, today).due.to_epoch_days() as i64;
        }
        let elapsed = t.elapsed();
        println!(
            "round {round}: 1,000,000 deadline rules in {:.3} s ({:.0} ns each; checksum {checksum})",
            elapsed.as_secs_f64(),
            elapsed.as_nanos() as f64 / 1e6
        );
    }
}
