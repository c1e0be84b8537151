#![allow(clippy::unwrap_used)]

//! The legal calendar against the State Council tables of 2024–2026 (calendar.md), typed here
//! again independently of config/calendar/ so a typo in either shows.

use app::calendar::{load, parse_table};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use domain::calendar::{DeadlineRule, Period, Tolling};
use proptest::prelude::*;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const HOLIDAYS: &[(&str, &str)] = &[
    ("2024-01-01", "2024-01-01"),
    ("2024-02-10", "2024-02-17"),
    ("2024-04-04", "2024-04-06"),
    ("2024-05-01", "2024-05-05"),
    ("2024-06-10", "2024-06-10"),
    ("2024-09-15", "2024-09-17"),
    ("2024-10-01", "2024-10-07"),
    ("2025-01-01", "2025-01-01"),
    ("2025-01-28", "2025-02-04"),
    ("2025-04-04", "2025-04-06"),
    ("2025-05-01", "2025-05-05"),
    ("2025-05-31", "2025-06-02"),
    ("2025-10-01", "2025-10-05"),
    ("2025-10-06", "2025-10-06"),
    ("2025-10-07", "2025-10-08"),
    ("2026-01-01", "2026-01-03"),
    ("2026-02-15", "2026-02-23"),
    ("2026-04-04", "2026-04-06"),
    ("2026-05-01", "2026-05-05"),
    ("2026-06-19", "2026-06-21"),
    ("2026-09-25", "2026-09-27"),
    ("2026-10-01", "2026-10-07"),
];
const MAKE_UP: &[&str] = &[
    "2024-02-04",
    "2024-02-18",
    "2024-04-07",
    "2024-04-28",
    "2024-05-11",
    "2024-09-14",
    "2024-09-29",
    "2024-10-12",
    "2025-01-26",
    "2025-02-08",
    "2025-04-27",
    "2025-09-28",
    "2025-10-11",
    "2026-01-04",
    "2026-02-14",
    "2026-02-28",
    "2026-05-09",
    "2026-09-20",
    "2026-10-10",
];

fn expected_working(d: NaiveDate) -> bool {
    let s = d.to_string();
    if MAKE_UP.contains(&s.as_str()) {
        return true;
    }
    if HOLIDAYS.iter().any(|(a, b)| day(a) <= d && d <= day(b)) {
        return false;
    }
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

#[test]
fn every_day_of_2024_to_2026_is_classified_right() {
    let c = load(None, true).unwrap();
    let mut d = day("2024-01-01");
    let mut days = 0;
    while d <= day("2026-12-31") {
        let r = c.is_working_day(d);
        assert_eq!(r.value, expected_working(d), "{d}");
        assert!(r.missing_years.is_empty(), "{d}");
        d = d.succ_opt().unwrap();
        days += 1;
    }
    assert_eq!(days, 366 + 365 + 365);
}

#[test]
fn spring_festival_and_national_day() {
    let c = load(None, true).unwrap();
    // 2025: Friday 24 Jan + 1 working day = Sunday 26 Jan (make-up); + 2 = Monday 27 Jan; + 3 jumps
    // the festival to Wednesday 5 Feb.
    assert_eq!(
        c.add_working_days(day("2025-01-24"), 1).value,
        day("2025-01-26")
    );
    assert_eq!(
        c.add_working_days(day("2025-01-24"), 3).value,
        day("2025-02-05")
    );
    assert_eq!(
        c.add_working_days(day("2025-02-05"), 3).value,
        day("2025-02-08"),
        "Saturday 8 Feb is worked"
    );
    // 2024 National Day: 30 Sep + 1 working day = 8 Oct; Saturday 12 Oct is worked.
    assert_eq!(
        c.add_working_days(day("2024-09-30"), 1).value,
        day("2024-10-08")
    );
    assert_eq!(
        c.add_working_days(day("2024-10-08"), 4).value,
        day("2024-10-12")
    );
    // 7 working days from 28 Sep 2026: 29, 30 Sep, 8, 9, 10 (make-up), 12, 13 Oct.
    assert_eq!(
        c.add_working_days(day("2026-09-28"), 7).value,
        day("2026-10-13")
    );
    // 15 natural days ending in National Day move to the first working day after it.
    assert_eq!(c.add_days(day("2024-09-16"), 15).value, day("2024-10-08"));
}

#[test]
fn month_ends_follow_civil_code_article_202() {
    let c = load(None, true).unwrap();
    assert_eq!(
        c.add_months(day("2024-01-31"), 1).value,
        day("2024-02-29"),
        "leap year, a Thursday"
    );
    assert_eq!(
        c.add_months(day("2025-01-31"), 1).value,
        day("2025-02-28"),
        "a Friday"
    );
    assert_eq!(
        c.add_months(day("2025-08-31"), 6).value,
        day("2026-02-28"),
        "a Saturday, but a make-up working day"
    );
}

#[test]
fn tolling_across_a_holiday() {
    let c = load(None, true).unwrap();
    // 60 days from 1 Sep 2024 = 31 Oct; suspended 25 Sep – 10 Oct (16 days, National Day inside)
    // → 16 Nov 2024, a Saturday → Monday 18 Nov.
    let rule = DeadlineRule::new(day("2024-09-01"), Period::Days(60)).with_tolling(Tolling {
        start: day("2024-09-25"),
        end: Some(day("2024-10-10")),
    });
    let d = rule.evaluate(&c, day("2024-10-20"));
    assert_eq!(d.due, day("2024-11-18"));
    assert!(!d.suspended);
    // The same as a working-day period: 7 working days from 20 Sep 2024, suspended 26–30 Sep.
    let rule = DeadlineRule::new(day("2024-09-20"), Period::WorkingDays(7)).with_tolling(Tolling {
        start: day("2024-09-26"),
        end: Some(day("2024-09-30")),
    });
    // Working days after 20 Sep: 23, 24, 25 | tolled 26, 27, 29, 30 | 8, 9, 10, 11 Oct.
    assert_eq!(rule.evaluate(&c, day("2024-10-20")).due, day("2024-10-11"));
}

#[test]
fn the_2019_prefecture_arrangement_and_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("calendar/prefecture")).unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/prefecture-2019.toml"
        ),
        dir.path().join("calendar/prefecture/2019.toml"),
    )
    .unwrap();
    let on = load(Some(dir.path()), true).unwrap();
    for d in ["2019-04-13", "2019-04-15", "2019-04-19"] {
        assert!(!on.is_working_day(day(d)).value, "{d}");
    }
    for d in ["2019-04-20", "2019-04-21", "2019-04-22"] {
        assert!(on.is_working_day(day(d)).value, "{d}");
    }
    // No national table for 2019: the answer says so.
    assert_eq!(
        on.is_working_day(day("2019-04-15"))
            .missing_years
            .into_iter()
            .collect::<Vec<_>>(),
        [2019]
    );
    assert_eq!(
        on.add_working_days(day("2019-04-12"), 1).value,
        day("2019-04-20")
    );
    let off = load(Some(dir.path()), false).unwrap();
    assert!(off.is_working_day(day("2019-04-15")).value);
    assert_eq!(
        off.add_working_days(day("2019-04-12"), 1).value,
        day("2019-04-15")
    );
}

#[test]
fn a_rule_moves_when_its_table_changes() {
    let dir = tempfile::tempdir().unwrap();
    let rule = DeadlineRule::new(day("2027-02-03"), Period::WorkingDays(5));
    let before = rule.evaluate(&load(Some(dir.path()), true).unwrap(), day("2027-02-03"));
    assert_eq!(before.due, day("2027-02-10"), "weekends only");
    assert_eq!(
        before.missing_years.iter().copied().collect::<Vec<_>>(),
        [2027]
    );
    // The 2027 notice arrives as a file; nothing else changes.
    std::fs::create_dir_all(dir.path().join("calendar/national")).unwrap();
    std::fs::write(
        dir.path().join("calendar/national/2027.toml"),
        "year = 2027\nsource = \"test\"\nmake_up_working_days = [\"2027-02-13\"]\n\n[[holidays]]\nname = \"春节\"\nfrom = \"2027-02-05\"\nto = \"2027-02-12\"\n",
    )
    .unwrap();
    let after = rule.evaluate(&load(Some(dir.path()), true).unwrap(), day("2027-02-03"));
    assert_eq!(
        after.due,
        day("2027-02-17"),
        "4 Feb, then 13 (make-up), 15, 16, 17 Feb"
    );
    assert!(after.missing_years.is_empty());
}

#[test]
fn bad_tables_are_refused_with_the_file_named() {
    let both = "year = 2027\nsource = \"x\"\nmake_up_working_days = [\"2027-02-05\"]\n[[holidays]]\nname = \"x\"\nfrom = \"2027-02-05\"\nto = \"2027-02-06\"\n";
    let e = parse_table("2027.toml", both).unwrap_err();
    assert!(e.to_string().contains("2027.toml") && e.to_string().contains("both"));
    let wrong_year = "year = 2027\nsource = \"x\"\n[[holidays]]\nname = \"x\"\nfrom = \"2026-02-05\"\nto = \"2026-02-06\"\n";
    assert!(
        parse_table("2027.toml", wrong_year)
            .unwrap_err()
            .to_string()
            .contains("not in 2027")
    );
    assert!(parse_table("x.toml", "year = \"soon\"").is_err());
}

fn any_day() -> impl Strategy<Value = NaiveDate> {
    (0i64..(3 * 366 + 400)).prop_map(|n| day("2023-12-01") + Days::new(n as u64))
}

proptest! {
    #[test]
    fn more_days_never_give_an_earlier_date_and_results_are_working_days(d in any_day(), n in 1u32..200) {
        let c = load(None, true).unwrap();
        for (a, b) in [
            (c.add_working_days(d, n).value, c.add_working_days(d, n + 1).value),
            (c.add_days(d, n).value, c.add_days(d, n + 1).value),
            (c.add_months(d, n % 24 + 1).value, c.add_months(d, n % 24 + 2).value),
        ] {
            prop_assert!(a <= b, "{} then {}", a, b);
            prop_assert!(c.is_working_day(a).value && c.is_working_day(b).value);
            prop_assert!(a > d);
        }
    }

    #[test]
    fn tolling_never_shortens(d in any_day(), n in 1u32..90, start in 0u64..60, len in 0u64..30) {
        let c = load(None, true).unwrap();
        for period in [Period::Days(n), Period::WorkingDays(n), Period::Months(n % 12 + 1)] {
            let plain = DeadlineRule::new(d, period).evaluate(&c, d);
            let t = Tolling { start: d + Days::new(start + 1), end: Some(d + Days::new(start + 1 + len)) };
            let tolled = DeadlineRule::new(d, period).with_tolling(t).evaluate(&c, d);
            prop_assert!(tolled.due >= plain.due);
        }
    }
}
