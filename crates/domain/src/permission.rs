//! Who may do what, and where. Scopes are enforced in store queries; these functions decide them.

use crate::actor::{Actor, Role, UserActor};
use crate::refusal::{LegalSource, Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An administrative law enforcement certificate (行政执法证).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    pub number: String,
    pub issuing_authority: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

impl Certificate {
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && day <= self.valid_until
    }
}

/// Where an actor may read or write county-bound rows: `None` everywhere, `Some` these counties.
pub type Reach = Option<Vec<String>>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Span {
    No,
    Own,
    All,
}

fn widest(u: &UserActor, span_of: fn(Role) -> Span) -> Span {
    u.roles
        .iter()
        .map(|r| span_of(*r))
        .fold(Span::No, |a, b| match (a, b) {
            (Span::All, _) | (_, Span::All) => Span::All,
            (Span::Own, _) | (_, Span::Own) => Span::Own,
            _ => Span::No,
        })
}

fn reach(actor: &Actor, span_of: fn(Role) -> Span) -> Result<Reach, Refusal> {
    match actor {
        Actor::System => Ok(None),
        Actor::User(u) => match widest(u, span_of) {
            Span::No => Err(Refusal::forbidden()),
            Span::All => Ok(None),
            // A county-bound role without jurisdictions reaches nothing.
            Span::Own => Ok(Some(u.counties.clone().unwrap_or_default())),
        },
    }
}

/// Reading the register of regulated entities.
pub fn entity_read_reach(actor: &Actor) -> Result<Reach, Refusal> {
    reach(actor, |role| match role {
        Role::SystemAdmin
        | Role::BureauHead
        | Role::DetachmentLeader
        | Role::DetachmentOfficer
        | Role::LegalReviewer => Span::All,
        Role::BrigadeOfficer | Role::AuxiliaryStaff => Span::Own,
        Role::SecurityAdmin | Role::AuditAdmin | Role::Liaison | Role::PartnerAgency => Span::No,
    })
}

/// Reading ledger entries and their proofs: as far as the actor's role reaches. Partner agencies
/// and township liaisons read none (what reaches them is sent to them).
pub fn ledger_read_reach(actor: &Actor) -> Result<Reach, Refusal> {
    reach(actor, |role| match role {
        Role::SystemAdmin
        | Role::SecurityAdmin
        | Role::AuditAdmin
        | Role::BureauHead
        | Role::DetachmentLeader
        | Role::DetachmentOfficer
        | Role::LegalReviewer => Span::All,
        Role::BrigadeOfficer | Role::AuxiliaryStaff => Span::Own,
        Role::Liaison | Role::PartnerAgency => Span::No,
    })
}

/// Administration events (accounts, roles, certificates) are shown to the administrators only.
pub fn reads_administration_events(actor: &Actor) -> bool {
    match actor {
        Actor::System => true,
        Actor::User(u) => u.roles.iter().any(|r| crate::admin::is_administrator(*r)),
    }
}

/// Roles that perform enforcement acts (with a valid certificate).
pub fn is_enforcement_role(role: Role) -> bool {
    matches!(
        role,
        Role::BureauHead | Role::DetachmentLeader | Role::DetachmentOfficer | Role::BrigadeOfficer
    )
}

/// Officers who work cases in the field (the detachment and the brigades): those offered as
/// collectors of evidence.
pub fn is_field_officer(role: Role) -> bool {
    is_enforcement_role(role) && role != Role::BureauHead
}

/// Registering and changing regulated entities.
pub fn entity_write_reach(actor: &Actor) -> Result<Reach, Refusal> {
    reach(actor, |role| match role {
        Role::BureauHead | Role::DetachmentLeader | Role::DetachmentOfficer => Span::All,
        Role::BrigadeOfficer | Role::AuxiliaryStaff => Span::Own,
        _ => Span::No,
    })
}

pub fn within(reach: &Reach, county: &str) -> bool {
    reach.as_ref().is_none_or(|c| c.iter().any(|x| x == county))
}

/// Unlocking accounts: the security administrator's duty (三员分立).
pub fn may_administer_accounts(actor: &Actor) -> Result<(), Refusal> {
    // Unlocking is access control: the security administrator's duty (三员分立).
    crate::admin::require(actor, crate::admin::Duty::Security)
}

/// An enforcement act needs a certified officer whose certificate is valid on the day.
///
/// 《中华人民共和国行政处罚法》(2021) 第四十二条: 行政处罚应当由具有行政执法资格的执法人员实施.
pub fn may_perform_enforcement_act(actor: &Actor, today: NaiveDate) -> Result<(), Refusal> {
    let Actor::User(u) = actor else {
        return Err(Refusal::forbidden());
    };
    if !u.roles.iter().any(|r| is_enforcement_role(*r)) {
        return Err(Refusal::forbidden());
    }
    let source = LegalSource {
        zh_cn: "《中华人民共和国行政处罚法》第四十二条",
        en: "Administrative Penalty Law of the PRC (2021), Art. 42",
    };
    match &u.certificate {
        Some(c) if c.valid_on(today) => Ok(()),
        Some(c) => Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("certificate.not_valid")
                .arg("number", &c.number)
                .arg("valid_from", c.valid_from)
                .arg("valid_until", c.valid_until)
                .source(source),
        )),
        None => Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("certificate.missing").source(source),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn user(roles: Vec<Role>, counties: Option<Vec<&str>>, cert: Option<Certificate>) -> Actor {
        Actor::User(UserActor {
            id: Uuid::nil(),
            username: "u".into(),
            roles,
            unit_id: None,
            counties: counties.map(|c| c.into_iter().map(String::from).collect()),
            certificate: cert,
        })
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_table_of_issue_3() {
        let menghai = Some(vec!["532822"]);
        let cases = [
            (Role::SystemAdmin, None, Ok(None), Err(())),
            (Role::BureauHead, None, Ok(None), Ok(None)),
            (Role::DetachmentLeader, None, Ok(None), Ok(None)),
            (Role::DetachmentOfficer, None, Ok(None), Ok(None)),
            (
                Role::BrigadeOfficer,
                menghai.clone(),
                Ok(Some(vec!["532822".to_string()])),
                Ok(Some(vec!["532822".to_string()])),
            ),
            (
                Role::AuxiliaryStaff,
                menghai.clone(),
                Ok(Some(vec!["532822".to_string()])),
                Ok(Some(vec!["532822".to_string()])),
            ),
            (Role::LegalReviewer, None, Ok(None), Err(())),
            (Role::Liaison, menghai.clone(), Err(()), Err(())),
            (Role::PartnerAgency, None, Err(()), Err(())),
        ];
        for (role, counties, read, write) in cases {
            let a = user(vec![role], counties, None);
            assert_eq!(entity_read_reach(&a).map_err(|_| ()), read, "{role:?} read");
            assert_eq!(
                entity_write_reach(&a).map_err(|_| ()),
                write,
                "{role:?} write"
            );
        }
    }

    #[test]
    fn enforcement_needs_a_certificate_valid_today() {
        let cert = Certificate {
            number: "53280026000101".into(),
            issuing_authority: "云南省人民政府".into(),
            valid_from: day("2026-01-01"),
            valid_until: day("2028-12-31"),
        };
        let officer = user(
            vec![Role::BrigadeOfficer],
            Some(vec!["532822"]),
            Some(cert.clone()),
        );
        assert!(may_perform_enforcement_act(&officer, day("2026-11-25")).is_ok());
        assert!(may_perform_enforcement_act(&officer, day("2028-12-31")).is_ok());
        let r = may_perform_enforcement_act(&officer, day("2029-01-01")).unwrap_err();
        assert_eq!(r.reasons[0].code, "certificate.not_valid");
        assert!(r.reasons[0].legal_source.is_some());
        let uncertified = user(vec![Role::DetachmentOfficer], None, None);
        assert_eq!(
            may_perform_enforcement_act(&uncertified, day("2026-11-25"))
                .unwrap_err()
                .reasons[0]
                .code,
            "certificate.missing"
        );
        for role in [Role::SystemAdmin, Role::AuxiliaryStaff, Role::LegalReviewer] {
            let a = user(vec![role], None, Some(cert.clone()));
            assert_eq!(
                may_perform_enforcement_act(&a, day("2026-11-25"))
                    .unwrap_err()
                    .kind,
                RefusalKind::Forbidden,
                "{role:?} never performs enforcement acts"
            );
        }
    }
}
