//! Time to evaluate 1,000,000 deadline rules on one core (target < 1 s).
//!
//! `cargo bench -p app --bench deadlines` (`ECOENFORCE_BENCH_SHORT=1`: 10,000 rules, one round)

use chrono::{Days, NaiveDate};
use domain::calendar::{DeadlineRule, Period, Tolling};
use std::time::Instant;

/// CI's short mode (`ECOENFORCE_BENCH_SHORT=1`, as `crates/cli/benches/common`): small sizes, so
/// that the bench is built and run on each change and never rots; its figures mean nothing.
fn short() -> bool {
    std::env::var("ECOENFORCE_BENCH_SHORT").is_ok_and(|v| v == "1")
}

fn main() {
    let (count, label, rounds) = if short() {
        (10_000u64, "10,000", 1)
    } else {
        (1_000_000, "1,000,000", 3)
    };
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
    let rules: Vec<DeadlineRule> = (0..count)
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
    for round in 0..rounds {
        let t = Instant::now();
        let mut checksum = 0i64;
        for r in &rules {
            checksum += r.evaluate(&calendar, today).due.to_epoch_days() as i64;
        }
        let elapsed = t.elapsed();
        println!(
            "round {round}: {label} deadline rules in {:.3} s ({:.0} ns each; checksum {checksum})",
            elapsed.as_secs_f64(),
            elapsed.as_nanos() as f64 / count as f64
        );
    }
}
