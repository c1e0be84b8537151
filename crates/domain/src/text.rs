//! Free text as every route takes it: no control characters. A NUL cuts a string short in C
//! libraries and PostgreSQL refuses it outright; ESC and the other C0 and C1 controls rewrite a
//! terminal or a log line; CR and LF split what a reader takes for one line (a log, a CSV cell,
//! a header). Multi-line fields — descriptions, reasons — may keep CR, LF and TAB.

use crate::refusal::{Reason, Reasons, Refusal, RefusalKind};

/// Whether `c` may stand in a field of this kind.
fn allowed(c: char, multiline: bool) -> bool {
    !c.is_control() || (multiline && matches!(c, '\n' | '\r' | '\t'))
}

/// Refuses a value with a control character (C0, DEL, C1); a multi-line field may keep CR, LF
/// and TAB. The reason names `field`.
pub fn check_text(field: &str, value: &str, multiline: bool) -> Result<(), Reason> {
    if value.chars().all(|c| allowed(c, multiline)) {
        Ok(())
    } else {
        Err(Reason::new("field.control_characters").field(field))
    }
}

/// A field's name and value, and whether it may span lines.
pub type Text<'a> = (&'a str, &'a str, bool);

/// Checks every field at once, so the refusal (422) names each one that fails.
pub fn check_texts<'a>(texts: impl IntoIterator<Item = Text<'a>>) -> Result<(), Refusal> {
    let mut reasons = Reasons::default();
    for (field, value, multiline) in texts {
        if let Err(r) = check_text(field, value, multiline) {
            reasons.push(r);
        }
    }
    reasons.into_result(RefusalKind::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_and_line_breaks_only_where_lines_may_break() {
        for bad in [
            "a\0b",
            "a\u{1b}[31m",
            "a\u{7f}",
            "a\u{85}b",
            "a\u{9b}b",
            "\u{8}",
        ] {
            assert!(check_text("f", bad, false).is_err(), "{bad:?}");
            assert!(check_text("f", bad, true).is_err(), "{bad:?}");
        }
        for line_break in ["a\nb", "a\r\nb", "a\tb", "ab\n"] {
            assert!(
                check_text("f", line_break, false).is_err(),
                "{line_break:?}"
            );
            assert!(check_text("f", line_break, true).is_ok(), "{line_break:?}");
        }
        for fine in ["", "勐海县 景洪市", "a b", "排污口（DW001）— 20%"] {
            assert!(check_text("f", fine, false).is_ok(), "{fine:?}");
        }
        let refusal =
            check_texts([("a", "x\0", false), ("b", "ok", false), ("c", "\r", false)]).unwrap_err();
        let fields: Vec<_> = refusal.reasons.iter().map(|r| r.field.as_deref()).collect();
        assert_eq!(fields, [Some("a"), Some("c")]);
        assert_eq!(refusal.kind, RefusalKind::Invalid);
    }
}
