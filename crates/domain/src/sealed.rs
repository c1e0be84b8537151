//! The sealed store's rules: personal data of natural persons (a party to a case, a 12369
//! complainant) is kept encrypted outside the events, which carry only a reference to it (the
//! SHA-256 of a salt and the record's ID) and, for lists, a masked form. Who may see a record
//! unmasked, and why, is recorded as an event; who may erase one, and why, too.
//!
//! 《中华人民共和国个人信息保护法》(2021) 第五十一条 obliges a handler of personal information to
//! encrypt it and to control who inside may handle it; 第四十七条 obliges it to delete personal
//! information on the grounds it lists (a lawful deletion request). Erasure deletes the record;
//! the events that referred to it stay, because they hold no personal data.

use crate::actor::Actor;
use crate::permission::{Capability, reach, within};
use crate::refusal::{Reason, Reasons, Refusal, RefusalKind};
use serde::{Deserialize, Serialize};

/// What a sealed record holds: its JSON shape is the caller's (`app`), the kind says whose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SealedKind {
    /// A natural person who is a party to a case: name, ID type and number, address, phone.
    Party,
    /// A 12369 complainant: name, ID type and number, phone, contact.
    Complainant,
}

impl SealedKind {
    pub const ALL: [SealedKind; 2] = [SealedKind::Party, SealedKind::Complainant];

    pub fn as_str(self) -> &'static str {
        match self {
            SealedKind::Party => "party",
            SealedKind::Complainant => "complainant",
        }
    }

    pub fn parse(s: &str) -> Option<SealedKind> {
        SealedKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Keeps the first `head` and the last `tail` characters and stars the rest (one star per
/// character, so the length shows); a value too short to keep both is starred whole but for its
/// first character, if it has more than one.
fn mask(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    if n > head + tail {
        chars[..head]
            .iter()
            .chain(std::iter::repeat_n(&'*', n - head - tail))
            .chain(&chars[n - tail..])
            .collect()
    } else if n > 1 {
        std::iter::once(chars[0])
            .chain(std::iter::repeat_n('*', n - 1))
            .collect()
    } else {
        "*".repeat(n)
    }
}

/// An identity document number for lists: the first 4 and the last 4 characters
/// (`5328**********1234`). The first four of a resident ID name the prefecture, which lists
/// show anyway; the birth date in the middle is hidden.
pub fn mask_id_number(id_number: &str) -> String {
    mask(id_number.trim(), 4, 4)
}

/// A phone number for lists: the first 3 and the last 4 digits (`138****5678`), the form
/// Chinese services print.
pub fn mask_phone(phone: &str) -> String {
    mask(phone.trim(), 3, 4)
}

/// A natural person's name for lists: the first character, then a star for each other one but
/// the last of a name of three or more (`张*三`, `李*`, `欧**明`). The surname stays so a list
/// can still be read aloud at a counter.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        _ => mask(name.trim(), 1, 1),
    }
}

/// A reference is the lowercase hex SHA-256 of salt ‖ record ID.
pub fn is_reference(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The most characters a purpose or an erasure's reason may have.
pub const MAX_PURPOSE_CHARS: usize = 500;

/// A sealed record as a decision sees it: where it belongs, never what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedFacts {
    pub reference: String,
    pub kind: SealedKind,
    pub county_code: String,
}

/// What a decision on one sealed record knows: the record, if it exists (unscoped: the
/// decision checks the actor's reach).
#[derive(Clone, Debug)]
pub struct SealedState {
    pub record: Option<SealedFacts>,
}

/// Seeing a sealed record unmasked, for a stated purpose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewSealed {
    pub reference: String,
    pub purpose: String,
}

/// Erasing a sealed record, for a stated reason (the deletion request it answers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EraseSealed {
    pub reference: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedViewed {
    pub reference: String,
    /// The record's county, so the entry is scoped like the case it belongs to.
    pub county_code: String,
    pub purpose: String,
}

impl crate::event::EventPayload for SealedViewed {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedErased {
    pub reference: String,
    pub county_code: String,
    pub reason: String,
}

impl crate::event::EventPayload for SealedErased {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// A stated purpose or reason: 1 to [`MAX_PURPOSE_CHARS`] characters, not blank, no control
/// characters but line breaks and tabs.
fn check_statement(field: &str, value: &str) -> Result<String, Refusal> {
    let mut reasons = Reasons::default();
    let trimmed = value.trim();
    if trimmed.is_empty() {
        reasons.push(Reason::new("field.required").field(field));
    } else if trimmed.chars().count() > MAX_PURPOSE_CHARS {
        reasons.push(
            Reason::new("field.too_long")
                .field(field)
                .arg("max", MAX_PURPOSE_CHARS),
        );
    }
    if let Err(r) = crate::text::check_text(field, value, true) {
        reasons.push(r);
    }
    reasons.into_result(RefusalKind::Invalid)?;
    Ok(trimmed.to_owned())
}

/// The record, if the actor may reach it for `cap`; else 404, so that no one learns whether a
/// reference outside their reach exists.
fn reachable<'s>(
    state: &'s SealedState,
    actor: &Actor,
    cap: Capability,
) -> Result<&'s SealedFacts, Refusal> {
    let reach = reach(actor, cap)?;
    state
        .record
        .as_ref()
        .filter(|r| within(&reach, &r.county_code))
        .ok_or_else(Refusal::not_found)
}

/// Seeing a record unmasked is allowed to the handling brigade (its county) and the detachment
/// (`Capability::PersonalDataRead`), and is itself an event: who, which record, why.
pub fn decide_view(
    state: &SealedState,
    actor: &Actor,
    cmd: &ViewSealed,
) -> Result<Vec<crate::Payload>, Refusal> {
    let record = reachable(state, actor, Capability::PersonalDataRead)?;
    let purpose = check_statement("purpose", &cmd.purpose)?;
    Ok(vec![crate::Payload::SealedViewed(SealedViewed {
        reference: record.reference.clone(),
        county_code: record.county_code.clone(),
        purpose,
    })])
}

/// Erasing a record on a lawful deletion request (`Capability::PersonalDataErase`).
pub fn decide_erase(
    state: &SealedState,
    actor: &Actor,
    cmd: &EraseSealed,
) -> Result<Vec<crate::Payload>, Refusal> {
    let record = reachable(state, actor, Capability::PersonalDataErase)?;
    let reason = check_statement("reason", &cmd.reason)?;
    Ok(vec![crate::Payload::SealedErased(SealedErased {
        reference: record.reference.clone(),
        county_code: record.county_code.clone(),
        reason,
    })])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::{Role, UserActor};

    fn user(role: Role, counties: Option<Vec<&str>>) -> Actor {
        Actor::User(UserActor {
            id: uuid::Uuid::nil(),
            username: "u".into(),
            roles: vec![role],
            unit_id: None,
            counties: counties.map(|c| c.into_iter().map(String::from).collect()),
            certificate: None,
        })
    }

    fn state() -> SealedState {
        SealedState {
            record: Some(SealedFacts {
                reference: "ab".repeat(32),
                kind: SealedKind::Party,
                county_code: "532822".into(),
            }),
        }
    }

    fn view(purpose: &str) -> ViewSealed {
        ViewSealed {
            reference: "ab".repeat(32),
            purpose: purpose.into(),
        }
    }

    #[test]
    fn masks_keep_what_a_list_needs_and_hide_the_rest() {
        assert_eq!(mask_id_number("532822199001011234"), "5328**********1234");
        assert_eq!(mask_id_number("53282219900101123X"), "5328**********123X");
        assert_eq!(mask_id_number("G1234567"), "G*******");
        assert_eq!(mask_id_number(""), "");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("0691-2123456"), "069*****3456");
        assert_eq!(mask_phone("12369"), "1****");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("张小三"), "张*三");
        assert_eq!(mask_name("欧阳小明"), "欧**明");
        assert_eq!(mask_name("岩"), "*");
        assert_eq!(mask_name(" "), "");
        assert_eq!(
            SealedKind::parse("complainant"),
            Some(SealedKind::Complainant)
        );
        assert!(is_reference(&"0f".repeat(32)));
        assert!(!is_reference(&"0F".repeat(32)));
        assert!(!is_reference("abc"));
    }

    #[test]
    fn the_brigade_of_the_county_and_the_detachment_see_a_record_and_no_one_else() {
        for (actor, ok) in [
            (user(Role::BrigadeOfficer, Some(vec!["532822"])), true),
            (user(Role::DetachmentOfficer, None), true),
            (user(Role::DetachmentLeader, None), true),
            (user(Role::BrigadeOfficer, Some(vec!["532801"])), false),
            (user(Role::Liaison, Some(vec!["532822"])), false),
            (user(Role::BureauHead, None), false),
            (user(Role::SystemAdmin, None), false),
            (user(Role::AuxiliaryStaff, Some(vec!["532822"])), false),
        ] {
            let got = decide_view(&state(), &actor, &view("核对当事人身份"));
            assert_eq!(got.is_ok(), ok, "{actor:?}");
        }
        let viewed = decide_view(
            &state(),
            &user(Role::DetachmentOfficer, None),
            &view("  核对身份 "),
        )
        .unwrap();
        assert_eq!(
            viewed,
            vec![crate::Payload::SealedViewed(SealedViewed {
                reference: "ab".repeat(32),
                county_code: "532822".into(),
                purpose: "核对身份".into(),
            })]
        );
        // Out of reach and unknown look the same.
        let other = decide_view(
            &state(),
            &user(Role::BrigadeOfficer, Some(vec!["532801"])),
            &view("x"),
        )
        .unwrap_err();
        let unknown = decide_view(
            &SealedState { record: None },
            &user(Role::DetachmentOfficer, None),
            &view("x"),
        )
        .unwrap_err();
        assert_eq!(other.kind, RefusalKind::NotFound);
        assert_eq!(unknown.kind, RefusalKind::NotFound);
    }

    #[test]
    fn a_purpose_is_stated_in_plain_text_of_at_most_500_characters() {
        let officer = user(Role::DetachmentOfficer, None);
        for bad in ["", "   ", "a\u{0}b", "a\u{1b}[31m"] {
            let r = decide_view(&state(), &officer, &view(bad)).unwrap_err();
            assert_eq!(r.kind, RefusalKind::Invalid, "{bad:?}");
            assert_eq!(r.reasons[0].field.as_deref(), Some("purpose"));
        }
        assert!(decide_view(&state(), &officer, &view(&"查".repeat(500))).is_ok());
        assert!(decide_view(&state(), &officer, &view(&"查".repeat(501))).is_err());
        assert!(decide_view(&state(), &officer, &view("第一行\n第二行")).is_ok());
    }

    #[test]
    fn only_the_detachment_leader_erases() {
        let cmd = EraseSealed {
            reference: "ab".repeat(32),
            reason: "当事人依法申请删除".into(),
        };
        assert!(decide_erase(&state(), &user(Role::DetachmentLeader, None), &cmd).is_ok());
        for role in [
            Role::SystemAdmin,
            Role::DetachmentOfficer,
            Role::BrigadeOfficer,
            Role::BureauHead,
        ] {
            let r = decide_erase(&state(), &user(role, Some(vec!["532822"])), &cmd).unwrap_err();
            assert_eq!(r.kind, RefusalKind::Forbidden, "{role:?}");
        }
    }
}
