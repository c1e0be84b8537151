//! Who may do what, and where: the one table of capabilities by role (`TABLE`, printed in
//! `docs/permissions.md`). Scopes are enforced in store queries; `reach` decides them.

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

/// What a role may do where, from narrowest to widest (the order `reach` takes the widest by):
/// nowhere, in the counties of the user's jurisdiction, or in the whole prefecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Span {
    No,
    Own,
    All,
}

/// Everything the platform asks "may this actor do this, and where" about. One English name per
/// concept; `TABLE` gives each its span for every role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Reading the register of regulated entities (and the dashboard's counts).
    EntityRead,
    /// Registering and changing regulated entities, one by one or by import.
    EntityRegister,
    /// Seeing evidence, its files and its chain of custody.
    EvidenceRead,
    /// Recording evidence and handing it over to another officer.
    EvidenceRecord,
    /// Performing enforcement acts; also needs a valid certificate (`may_perform_enforcement_act`),
    /// and makes a user acceptable as the collecting officer or the custodian of evidence.
    EnforcementAct,
    /// Investigating in the field: offered as a collector of evidence.
    FieldInvestigation,
    /// Reading ledger entries and their proofs.
    LedgerRead,
    /// Reading the administration events (accounts, access, certificates) in the ledger.
    AdministrationEventsRead,
    /// Listing every account and unit for administration.
    AccountRead,
    AccountCreate,
    /// Changing an account's display name and unit (not its access).
    AccountEdit,
    /// Recording an officer's enforcement certificate.
    AccountCertify,
    /// Disabling and enabling accounts.
    AccountDisable,
    /// Creating units and renaming them.
    UnitManage,
    /// Reading the settings in force that are not security settings.
    SystemSettingsRead,
    /// Setting a user's roles and jurisdictions.
    AccessChange,
    /// Resetting a password or a second factor.
    CredentialReset,
    /// Clearing a username's sign-in failures.
    AccountUnlock,
    /// Reading the password policy, session and sign-in settings in force.
    SecuritySettingsRead,
    /// Reading the sign-in audit, the security audit and the administration events.
    AuditRead,
    /// Signing a ledger checkpoint on demand (the signer signs on its own schedule anyway):
    /// the system administrator who runs the platform and the detachment that answers for the
    /// prefecture's record, not every reader of the ledger.
    CheckpointSign,
    /// Reporting a clue (线索): officers in their counties, township liaisons in theirs, partner
    /// agencies handing clues over.
    ClueSubmit,
    /// Reading clues; liaisons and partner agencies only those they submitted.
    ClueRead,
    /// Triage: proposing a case from a clue, closing a clue, proposing a cancellation.
    CaseRegister,
    /// The head's approvals (审批): registration, cancellation.
    CaseApprove,
    /// Reading cases.
    CaseRead,
    /// Seeing a sealed record of personal data unmasked (a party's or a complainant's identity
    /// and contacts), for a stated purpose: the brigade that handles the matter and the
    /// detachment (issue 20; 个人信息保护法 第五十一条, see `crate::sealed`).
    PersonalDataRead,
    /// Erasing a sealed record on a lawful deletion request: the detachment leader, who answers
    /// for the enforcement files and can judge whether the law requires keeping them.
    PersonalDataErase,
    /// Assigning a case's investigators: the detachment leader, or an officer of the handling
    /// brigade (there is no brigade-leader role yet).
    CaseAssign,
    /// Reviewing a case's investigation report (案件审查): the detachment leader or a legal
    /// reviewer, never one who investigated it.
    CaseReview,
    /// Reading the records of interference in cases: the detachment leader, the bureau heads
    /// and the audit administrator — not the cases' officers.
    InterferenceRead,
    /// The legal review of a penalty decision (法制审核, APL Art. 58): the legal reviewers only,
    /// never one who investigated the case, and (from 2021-07-15) only with a legal
    /// professional qualification.
    LegalReview,
}

impl Capability {
    pub const ALL: [Capability; 32] = [
        Capability::EntityRead,
        Capability::EntityRegister,
        Capability::EvidenceRead,
        Capability::EvidenceRecord,
        Capability::EnforcementAct,
        Capability::FieldInvestigation,
        Capability::LedgerRead,
        Capability::AdministrationEventsRead,
        Capability::AccountRead,
        Capability::AccountCreate,
        Capability::AccountEdit,
        Capability::AccountCertify,
        Capability::AccountDisable,
        Capability::UnitManage,
        Capability::SystemSettingsRead,
        Capability::AccessChange,
        Capability::CredentialReset,
        Capability::AccountUnlock,
        Capability::SecuritySettingsRead,
        Capability::AuditRead,
        Capability::CheckpointSign,
        Capability::ClueSubmit,
        Capability::ClueRead,
        Capability::CaseRegister,
        Capability::CaseApprove,
        Capability::CaseRead,
        Capability::PersonalDataRead,
        Capability::PersonalDataErase,
        Capability::CaseAssign,
        Capability::CaseReview,
        Capability::InterferenceRead,
        Capability::LegalReview,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Capability::EntityRead => "entity_read",
            Capability::EntityRegister => "entity_register",
            Capability::EvidenceRead => "evidence_read",
            Capability::EvidenceRecord => "evidence_record",
            Capability::EnforcementAct => "enforcement_act",
            Capability::FieldInvestigation => "field_investigation",
            Capability::LedgerRead => "ledger_read",
            Capability::AdministrationEventsRead => "administration_events_read",
            Capability::AccountRead => "account_read",
            Capability::AccountCreate => "account_create",
            Capability::AccountEdit => "account_edit",
            Capability::AccountCertify => "account_certify",
            Capability::AccountDisable => "account_disable",
            Capability::UnitManage => "unit_manage",
            Capability::SystemSettingsRead => "system_settings_read",
            Capability::AccessChange => "access_change",
            Capability::CredentialReset => "credential_reset",
            Capability::AccountUnlock => "account_unlock",
            Capability::SecuritySettingsRead => "security_settings_read",
            Capability::AuditRead => "audit_read",
            Capability::CheckpointSign => "checkpoint_sign",
            Capability::ClueSubmit => "clue_submit",
            Capability::ClueRead => "clue_read",
            Capability::CaseRegister => "case_register",
            Capability::CaseApprove => "case_approve",
            Capability::CaseRead => "case_read",
            Capability::PersonalDataRead => "personal_data_read",
            Capability::PersonalDataErase => "personal_data_erase",
            Capability::CaseAssign => "case_assign",
            Capability::CaseReview => "case_review",
            Capability::InterferenceRead => "interference_read",
            Capability::LegalReview => "legal_review",
        }
    }

    /// A duty of one of the three administrators (三员分立) that only an administrator's own
    /// account performs, so that every such act is a person's: the platform itself never does
    /// it. (The platform does create the bootstrap and demo accounts, their certificates and
    /// units.)
    pub fn is_administrator_duty(self) -> bool {
        matches!(
            self,
            Capability::AccountRead
                | Capability::AccountEdit
                | Capability::AccountDisable
                | Capability::SystemSettingsRead
                | Capability::AccessChange
                | Capability::CredentialReset
                | Capability::AccountUnlock
                | Capability::SecuritySettingsRead
                | Capability::AuditRead
        )
    }

    /// What the capability allows, in zh-CN and in English (for `docs/permissions.md`).
    pub fn description(self) -> (&'static str, &'static str) {
        match self {
            Capability::EntityRead => (
                "查阅监管对象名录",
                "read the register of regulated entities",
            ),
            Capability::EntityRegister => (
                "登记、修改、导入监管对象",
                "register, change and import regulated entities",
            ),
            Capability::EvidenceRead => (
                "查看证据及其保管链",
                "see evidence, its files and its chain of custody",
            ),
            Capability::EvidenceRecord => {
                ("登记证据、移交保管", "record evidence and hand it over")
            }
            Capability::EnforcementAct => (
                "实施执法行为（另需有效执法证）",
                "perform enforcement acts (with a valid certificate)",
            ),
            Capability::FieldInvestigation => (
                "现场调查取证（列为取证人员）",
                "investigate in the field (offered as evidence collector)",
            ),
            Capability::LedgerRead => (
                "查阅台账条目及其证明",
                "read ledger entries and their proofs",
            ),
            Capability::AdministrationEventsRead => (
                "查阅台账中的管理事件",
                "read administration events in the ledger",
            ),
            Capability::AccountRead => ("查看全部账号和单位", "list every account and unit"),
            Capability::AccountCreate => ("创建账号", "create accounts"),
            Capability::AccountEdit => ("修改账号姓名和单位", "change an account's name and unit"),
            Capability::AccountCertify => ("登记执法证", "record enforcement certificates"),
            Capability::AccountDisable => ("停用、启用账号", "disable and enable accounts"),
            Capability::UnitManage => ("新建、更名单位", "create and rename units"),
            Capability::SystemSettingsRead => ("查看系统设置", "read the system settings in force"),
            Capability::AccessChange => ("设置角色和辖区", "set roles and jurisdictions"),
            Capability::CredentialReset => {
                ("重置密码和双因素认证", "reset passwords and second factors")
            }
            Capability::AccountUnlock => ("解除登录锁定", "unlock sign-in"),
            Capability::SecuritySettingsRead => (
                "查看安全设置（密码策略、会话、登录限制）",
                "read the security settings in force (password policy, sessions, sign-in limits)",
            ),
            Capability::AuditRead => (
                "查阅登录审计、安全审计和管理事件",
                "read the sign-in audit, the security audit and administration events",
            ),
            Capability::CheckpointSign => {
                ("即时签署台账检查点", "sign a ledger checkpoint on demand")
            }
            Capability::ClueSubmit => ("报送线索", "report clues"),
            Capability::ClueRead => (
                "查阅线索（联络员、协作单位仅限本人报送的）",
                "read clues (liaisons and partner agencies: only their own)",
            ),
            Capability::CaseRegister => (
                "线索处置：提请立案、关闭线索、提请撤销立案",
                "triage: propose a case, close a clue, propose a cancellation",
            ),
            Capability::CaseApprove => (
                "审批立案、撤销立案",
                "approve registrations and cancellations",
            ),
            Capability::CaseRead => ("查阅案件", "read cases"),
            Capability::PersonalDataRead => (
                "查看未遮蔽的个人信息（须说明用途，留痕）",
                "see personal data unmasked (for a stated purpose, recorded)",
            ),
            Capability::PersonalDataErase => (
                "依法删除个人信息（须说明理由，留痕）",
                "erase personal data on a lawful request (with the reason, recorded)",
            ),
            Capability::CaseAssign => (
                "指派案件承办人员（支队长：所有案件；大队执法人员：本大队承办的案件）",
                "assign a case's investigators (detachment leader: any case; brigade officers: their brigade's cases)",
            ),
            Capability::CaseReview => (
                "案件审查（未参与调查的）",
                "review a case's investigation report (not having investigated it)",
            ),
            Capability::InterferenceRead => (
                "查阅干预案件记录",
                "read the records of interference in cases",
            ),
            Capability::LegalReview => (
                "行政处罚决定法制审核（未参与调查、具备法律职业资格的）",
                "legal review of penalty decisions (not having investigated, legally qualified)",
            ),
        }
    }
}

use Span::{All, No, Own};

/// Who may do what, where: one row per capability (in the order of `Capability::ALL`), one
/// column per role (in the order of `Role::ALL`). The three administrators each keep their own
/// duty (三员分立, `crate::admin`); partner agencies and township liaisons read nothing here
/// (what reaches them is sent to them).
#[rustfmt::skip]
const TABLE: [(Capability, [Span; Role::ALL.len()]); Capability::ALL.len()] = [
    //                                       system security audit head  leader det.  brigade aux.  legal liaison partner
    (Capability::EntityRead,               [All,   No,      No,   All,  All,   All,  Own,    Own,  All,  No,     No]),
    (Capability::EntityRegister,           [No,    No,      No,   All,  All,   All,  Own,    Own,  No,   No,     No]),
    (Capability::EvidenceRead,             [All,   No,      No,   All,  All,   All,  Own,    Own,  All,  No,     No]),
    (Capability::EvidenceRecord,           [No,    No,      No,   All,  All,   All,  Own,    Own,  No,   No,     No]),
    (Capability::EnforcementAct,           [No,    No,      No,   All,  All,   All,  Own,    No,   No,   No,     No]),
    (Capability::FieldInvestigation,       [No,    No,      No,   No,   All,   All,  Own,    No,   No,   No,     No]),
    (Capability::LedgerRead,               [All,   All,     All,  All,  All,   All,  Own,    Own,  All,  No,     No]),
    (Capability::AdministrationEventsRead, [All,   All,     All,  No,   No,    No,   No,     No,   No,   No,     No]),
    (Capability::AccountRead,              [All,   All,     No,   No,   No,    No,   No,     No,   No,   No,     No]),
    (Capability::AccountCreate,            [All,   No,      No,   No,   No,    No,   No,     No,   No,   No,     No]),
    (Capability::AccountEdit,              [All,   No,      No,   No,   No,    No,   No,     No,   No,   No,     No]),
    (Capability::AccountCertify,           [All,   No,      No,   No,   No,    No,   No,     No,   No,   No,     No]),
    (Capability::AccountDisable,           [All,   No,      No,   No,   No,    No,   No,     No,   No,   No,     No]),
    (Capability::UnitManage,               [All,   No,      No,   No,   No,    No,   No,     No,   No,   No,     No]),
    (Capability::SystemSettingsRead,       [All,   No,      No,   No,   No,    No,   No,     No,   No,   No,     No]),
    (Capability::AccessChange,             [No,    All,     No,   No,   No,    No,   No,     No,   No,   No,     No]),
    (Capability::CredentialReset,          [No,    All,     No,   No,   No,    No,   No,     No,   No,   No,     No]),
    (Capability::AccountUnlock,            [No,    All,     No,   No,   No,    No,   No,     No,   No,   No,     No]),
    (Capability::SecuritySettingsRead,     [No,    All,     No,   No,   No,    No,   No,     No,   No,   No,     No]),
    (Capability::AuditRead,                [No,    No,      All,  No,   No,    No,   No,     No,   No,   No,     No]),
    (Capability::CheckpointSign,           [All,   No,      No,   No,   All,   All,  No,     No,   No,   No,     No]),
    (Capability::ClueSubmit,               [No,    No,      No,   No,   All,   All,  Own,    Own,  No,   Own,    All]),
    (Capability::ClueRead,                 [No,    No,      No,   All,  All,   All,  Own,    Own,  All,  Own,    All]),
    (Capability::CaseRegister,             [No,    No,      No,   No,   All,   All,  Own,    No,   No,   No,     No]),
    (Capability::CaseApprove,              [No,    No,      No,   All,  No,    No,   No,     No,   No,   No,     No]),
    (Capability::CaseRead,                 [No,    No,      No,   All,  All,   All,  Own,    Own,  All,  No,     No]),
    (Capability::PersonalDataRead,         [No,    No,      No,   No,   All,   All,  Own,    No,   No,   No,     No]),
    (Capability::PersonalDataErase,        [No,    No,      No,   No,   All,   No,   No,     No,   No,   No,     No]),
    (Capability::CaseAssign,               [No,    No,      No,   No,   All,   No,   Own,    No,   No,   No,     No]),
    (Capability::CaseReview,               [No,    No,      No,   No,   All,   No,   No,     No,   All,  No,     No]),
    (Capability::InterferenceRead,         [No,    No,      All,  All,  All,   No,   No,     No,   No,   No,     No]),
    (Capability::LegalReview,              [No,    No,      No,   No,   No,    No,   No,     No,   All,  No,     No]),
];

// `span` indexes the table by declaration order; the build fails if an order differs.
const _: () = {
    let mut i = 0;
    while i < TABLE.len() {
        assert!(TABLE[i].0 as usize == i && Capability::ALL[i] as usize == i);
        i += 1;
    }
    let mut j = 0;
    while j < Role::ALL.len() {
        assert!(Role::ALL[j] as usize == j);
        j += 1;
    }
};

/// The span of one role for one capability: the table, read.
pub fn span(cap: Capability, role: Role) -> Span {
    TABLE[cap as usize].1[role as usize]
}

/// Whether any of these roles has the capability somewhere: for people named in a command (a
/// collector, a new custodian), who are not the actor.
pub fn roles_allow(roles: &[Role], cap: Capability) -> bool {
    roles.iter().any(|r| span(cap, *r) != Span::No)
}

/// Where the actor may do this: the widest span of their roles; 403 for an actor whose roles may
/// not. The platform itself (`Actor::System`: seeding, bootstrap) may do everything everywhere
/// but an administrator's own duty.
pub fn reach(actor: &Actor, cap: Capability) -> Result<Reach, Refusal> {
    match actor {
        Actor::System if cap.is_administrator_duty() => Err(Refusal::forbidden()),
        Actor::System => Ok(None),
        Actor::User(u) => match widest(u, cap) {
            Span::No => Err(Refusal::forbidden()),
            Span::All => Ok(None),
            // A county-bound role without jurisdictions reaches nothing.
            Span::Own => Ok(Some(u.counties.clone().unwrap_or_default())),
        },
    }
}

fn widest(u: &UserActor, cap: Capability) -> Span {
    u.roles
        .iter()
        .map(|r| span(cap, *r))
        .max()
        .unwrap_or(Span::No)
}

/// Whether the actor may do this anywhere (to show a link or a form).
pub fn allows(actor: &Actor, cap: Capability) -> bool {
    reach(actor, cap).is_ok()
}

/// 403 unless the actor may do this; for acts that are not bound to a county.
pub fn require(actor: &Actor, cap: Capability) -> Result<(), Refusal> {
    reach(actor, cap).map(|_| ())
}

pub fn within(reach: &Reach, county: &str) -> bool {
    reach.as_ref().is_none_or(|c| c.iter().any(|x| x == county))
}

/// An enforcement act needs a certified officer whose certificate is valid on the day.
///
/// 《中华人民共和国行政处罚法》(2021) 第四十二条: 行政处罚应当由具有行政执法资格的执法人员实施.
pub fn may_perform_enforcement_act(actor: &Actor, today: NaiveDate) -> Result<(), Refusal> {
    require(actor, Capability::EnforcementAct)?;
    // The platform itself holds no certificate.
    let Actor::User(u) = actor else {
        return Err(Refusal::forbidden());
    };
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
            assert_eq!(
                reach(&a, Capability::EntityRead).map_err(|_| ()),
                read,
                "{role:?} read"
            );
            assert_eq!(
                reach(&a, Capability::EntityRegister).map_err(|_| ()),
                write,
                "{role:?} write"
            );
        }
    }

    #[test]
    fn the_widest_role_wins_and_a_county_bound_role_without_counties_reaches_nothing() {
        let both = user(
            vec![Role::AuxiliaryStaff, Role::LegalReviewer],
            Some(vec!["532822"]),
            None,
        );
        assert_eq!(reach(&both, Capability::EntityRead), Ok(None));
        assert_eq!(
            reach(&both, Capability::EntityRegister),
            Ok(Some(vec!["532822".to_string()]))
        );
        let nowhere = user(vec![Role::BrigadeOfficer], None, None);
        assert_eq!(reach(&nowhere, Capability::EntityRead), Ok(Some(vec![])));
        assert!(allows(&nowhere, Capability::EntityRead));
        assert_eq!(
            reach(&user(vec![], None, None), Capability::EntityRead)
                .unwrap_err()
                .kind,
            RefusalKind::Forbidden
        );
        for cap in Capability::ALL {
            if cap.is_administrator_duty() {
                assert_eq!(
                    reach(&Actor::System, cap).unwrap_err().kind,
                    RefusalKind::Forbidden,
                    "{cap:?}"
                );
            } else {
                assert_eq!(reach(&Actor::System, cap), Ok(None), "{cap:?}");
            }
        }
    }

    /// 三员分立: each administrator keeps their own duty, and nobody else holds any of them.
    #[test]
    fn each_administrator_keeps_one_duty() {
        let duties = [
            (
                Role::SystemAdmin,
                &[
                    Capability::AccountCreate,
                    Capability::AccountEdit,
                    Capability::AccountCertify,
                    Capability::AccountDisable,
                    Capability::UnitManage,
                    Capability::SystemSettingsRead,
                ][..],
            ),
            (
                Role::SecurityAdmin,
                &[
                    Capability::AccessChange,
                    Capability::CredentialReset,
                    Capability::AccountUnlock,
                    Capability::SecuritySettingsRead,
                ][..],
            ),
            (Role::AuditAdmin, &[Capability::AuditRead][..]),
        ];
        for (owner, caps) in duties {
            for cap in caps {
                for role in Role::ALL {
                    let expected = if role == owner { Span::All } else { Span::No };
                    assert_eq!(span(*cap, role), expected, "{cap:?} {role:?}");
                }
            }
        }
        for role in Role::ALL {
            let admin = crate::admin::is_administrator(role);
            assert_eq!(
                span(Capability::AdministrationEventsRead, role) == Span::All,
                admin,
                "{role:?}"
            );
            assert_eq!(
                roles_allow(&[role], Capability::EnforcementAct),
                !admin
                    && role != Role::AuxiliaryStaff
                    && role != Role::LegalReviewer
                    && role != Role::Liaison
                    && role != Role::PartnerAgency,
                "{role:?}"
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
        assert_eq!(
            may_perform_enforcement_act(&Actor::System, day("2026-11-25"))
                .unwrap_err()
                .kind,
            RefusalKind::Forbidden,
            "the platform itself holds no certificate"
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
