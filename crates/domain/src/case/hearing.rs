//! The hearing's periods (听证): the party asks within five working days of the advance notice's
//! service; the hearing notice is served at least seven working days before the hearing.
//!
//! 《中华人民共和国行政处罚法》第六十四条 (the periods) with 第八十五条 (periods of "days" in this
//! law are working days).

use crate::calendar::{Calendar, Dated};
use crate::refusal::LegalSource;
use crate::{Reason, Refusal, RefusalKind};
use chrono::NaiveDate;

/// Working days after service within which the party asks for a hearing.
pub const REQUEST_DAYS: u32 = 5;
/// Working days by which the hearing notice precedes the hearing.
pub const NOTICE_DAYS: u32 = 7;

pub const HEARING_PERIODS: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第六十四条、第八十五条",
    en: "Administrative Penalty Law of the PRC (2021), Arts. 64 and 85",
};

/// The last day a request for a hearing is accepted, for a notice served on `served_on`.
pub fn request_due(calendar: &Calendar, served_on: NaiveDate) -> Dated<NaiveDate> {
    calendar.add_working_days(served_on, REQUEST_DAYS)
}

/// A request received after its last day is refused, naming the day.
pub fn check_request(
    calendar: &Calendar,
    served_on: NaiveDate,
    received_on: NaiveDate,
) -> Result<(), Refusal> {
    let due = request_due(calendar, served_on).value;
    if received_on < served_on {
        return Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("hearing.request_before_service")
                .field("received_on")
                .arg("served_on", served_on),
        ));
    }
    if received_on > due {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("hearing.request_late")
                .field("received_on")
                .arg("due", due)
                .source(HEARING_PERIODS),
        ));
    }
    Ok(())
}

/// The first day a hearing may be held when its notice is served on `notice_served_on`.
pub fn earliest_hearing(calendar: &Calendar, notice_served_on: NaiveDate) -> Dated<NaiveDate> {
    calendar.add_working_days(notice_served_on, NOTICE_DAYS)
}

/// A hearing set before its notice's seven working days have passed is refused, naming the
/// first day it may be held.
pub fn check_hearing_date(
    calendar: &Calendar,
    notice_served_on: NaiveDate,
    hearing_on: NaiveDate,
) -> Result<(), Refusal> {
    let earliest = earliest_hearing(calendar, notice_served_on).value;
    if hearing_on < earliest {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("hearing.too_soon")
                .field("at")
                .arg("earliest", earliest)
                .source(HEARING_PERIODS),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::YearTable;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The 2026 State Council table's Spring Festival and National Day (config/calendar).
    fn cal2026() -> Calendar {
        let mut t = YearTable::default();
        for (from, to) in [
            ("2026-01-01", "2026-01-03"),
            ("2026-02-15", "2026-02-23"),
            ("2026-10-01", "2026-10-07"),
        ] {
            let mut d = day(from);
            while d <= day(to) {
                t.rest.insert(d);
                d = d.succ_opt().unwrap();
            }
        }
        t.work = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-10-10"]
            .iter()
            .map(|d| day(d))
            .collect();
        Calendar::new(BTreeMap::from([(2026, t)]), BTreeMap::new(), true)
    }

    #[test]
    fn the_request_window_across_national_day_by_hand() {
        let c = cal2026();
        // Served Wednesday 30 September: 1–7 October rest; Thu 8, Fri 9, Sat 10 (a make-up
        // working day), Mon 12, Tue 13.
        assert_eq!(request_due(&c, day("2026-09-30")).value, day("2026-10-13"));
        assert!(check_request(&c, day("2026-09-30"), day("2026-10-13")).is_ok());
        let r = check_request(&c, day("2026-09-30"), day("2026-10-14")).unwrap_err();
        assert_eq!(
            (r.kind, r.reasons[0].code),
            (RefusalKind::Conflict, "hearing.request_late")
        );
        assert!(check_request(&c, day("2026-09-30"), day("2026-09-29")).is_err());
    }

    #[test]
    fn the_hearing_notice_across_the_spring_festival_by_hand() {
        let c = cal2026();
        // Served Friday 13 February: Sat 14 (make-up), 15–23 rest, Tue 24, Wed 25, Thu 26,
        // Fri 27, Sat 28 (make-up), Mon 2 March.
        assert_eq!(
            earliest_hearing(&c, day("2026-02-13")).value,
            day("2026-03-02")
        );
        assert!(check_hearing_date(&c, day("2026-02-13"), day("2026-03-02")).is_ok());
        let r = check_hearing_date(&c, day("2026-02-13"), day("2026-02-27")).unwrap_err();
        assert_eq!(r.reasons[0].code, "hearing.too_soon");
    }

    proptest! {
        /// A request is accepted exactly when it comes on a day from service to the fifth
        /// working day after it.
        #[test]
        fn a_late_hearing_request_is_refused(served in 0u32..360, after in 0i64..40) {
            let c = cal2026();
            let served = day("2026-01-01") + chrono::Days::new(u64::from(served));
            let received = served + chrono::Duration::days(after);
            let working_between = (1..=after)
                .map(|i| served + chrono::Duration::days(i))
                .filter(|d| c.is_working_day(*d).value)
                .count() as u32;
            // In time: fewer than five working days passed before the day it came, or it came
            // on the fifth (or on a rest day before the sixth, by the rest-day rule).
            let due = request_due(&c, served).value;
            prop_assert_eq!(check_request(&c, served, received).is_ok(), received <= due);
            if received <= due {
                prop_assert!(working_between <= REQUEST_DAYS);
            } else {
                prop_assert!(working_between > REQUEST_DAYS || !c.is_working_day(received).value);
            }
        }
    }
}
