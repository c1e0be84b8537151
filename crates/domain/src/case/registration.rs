//! Registration (立案): an officer proposes a case from a clue, a head of the bureau approves it
//! and it takes its number; a registration that turns out unfounded is cancelled the same way.

use super::clue::{Clue, ClueStatus, stale};
use crate::actor::Role;
use crate::calendar::{Calendar, Deadline, DeadlineRule, Period};
use crate::event::Payload;
use crate::permission::{Capability, reach, within};
use crate::refusal::{LegalSource, Reasons};
use crate::text::check_texts;
use crate::{Actor, Reason, Refusal, RefusalKind};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A provision as the law writes it: `《中华人民共和国水污染防治法》`, `第八十三条`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalBasis {
    pub law: String,
    pub article: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStage {
    PendingRegistration,
    Registered,
    /// The head did not approve the registration; the clue is open again.
    RegistrationRejected,
    Cancelled,
    /// The investigation report is in; the case waits for its review.
    UnderReview,
    /// The review agreed (or gave another opinion): on to the decision.
    Reviewed,
    /// A head decided the case (`super::decision`): a penalty, no penalty, not established, or
    /// transferred to the judicial organs.
    Decided,
    /// A head closed the decided case (`super::performance`).
    Closed,
    /// The case file is sealed (`super::archive`): only annexes follow.
    Archived,
}

impl CaseStage {
    pub const ALL: [CaseStage; 9] = [
        CaseStage::PendingRegistration,
        CaseStage::Registered,
        CaseStage::RegistrationRejected,
        CaseStage::Cancelled,
        CaseStage::UnderReview,
        CaseStage::Reviewed,
        CaseStage::Decided,
        CaseStage::Closed,
        CaseStage::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStage::PendingRegistration => "pending_registration",
            CaseStage::Registered => "registered",
            CaseStage::RegistrationRejected => "registration_rejected",
            CaseStage::Cancelled => "cancelled",
            CaseStage::UnderReview => "under_review",
            CaseStage::Reviewed => "reviewed",
            CaseStage::Decided => "decided",
            CaseStage::Closed => "closed",
            CaseStage::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<CaseStage> {
        CaseStage::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What the proposal states.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFacts {
    pub legal_basis: Vec<LegalBasis>,
    pub act_ended_on: NaiveDate,
    pub endangers_life_health_or_finance: bool,
    pub violation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<Uuid>,
    /// Who the case is against (personal data sealed); `None` before it is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<super::party::Party>,
    /// Investigation before registration (先行调查).
    #[serde(default)]
    pub urgent: bool,
}

/// A case as the register keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub id: Uuid,
    pub clue_id: Uuid,
    pub county_code: String,
    /// The unit that handles it: the county's brigade, or the detachment.
    pub handling_unit_id: Option<Uuid>,
    pub facts: CaseFacts,
    pub stage: CaseStage,
    pub proposed_by: String,
    pub number: Option<String>,
    pub registered_on: Option<NaiveDate>,
    /// A cancellation proposed and waiting for a head: who proposed it, and why.
    pub cancellation: Option<(String, String)>,
    /// The investigators, once assigned.
    pub team: Option<super::team::Team>,
    /// Requests for recusal, decided or not, in the order made.
    pub recusals: Vec<super::recusal::Recusal>,
    /// The investigation report, once submitted (the last one, after a supplementary
    /// investigation).
    pub report: Option<super::review::Report>,
    /// The last case review.
    pub review: Option<super::review::Review>,
    /// Preservations of evidence, in the order proposed.
    pub preservations: Vec<super::preservation::Preservation>,
    /// Advance notices, in the order issued (the last one is in force).
    pub notices: Vec<super::notice::AdvanceNotice>,
    /// Services, statements, waivers, hearings and tolled periods.
    pub proceedings: super::proceedings::Proceedings,
    pub version: i64,
}

impl Case {
    /// The assigned officers who may act: not recused.
    pub fn acting_officers(&self) -> Vec<String> {
        self.team
            .as_ref()
            .map(|t| {
                t.officers
                    .iter()
                    .filter(|o| !super::recusal::recused(&self.recusals, o))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The case deadline: 90 natural days from registration, not counting the tolled periods
/// (`super::tolling`).
///
/// 《中华人民共和国行政处罚法》第六十条 and 《生态环境行政处罚办法》第五十七条: decide within
/// 90 days of registration, plus the approved extensions (`super::extension`).
pub const CASE_DAYS: u32 = 90;

impl Case {
    /// The deadline, when the case is registered (moved to the next working day when it falls on
    /// a rest day), evaluated against the calendar in force.
    pub fn deadline(
        &self,
        calendar: &Calendar,
        today: NaiveDate,
    ) -> Option<(DeadlineRule, Deadline)> {
        let from = self.registered_on?;
        let days = CASE_DAYS + super::extension::approved_days(self);
        let mut rule = DeadlineRule::new(from, Period::Days(days));
        for (_, t) in self.proceedings.tolled() {
            rule = rule.with_tolling(t);
        }
        let due = rule.evaluate(calendar, today);
        Some((rule, due))
    }
}

const APL_ART36: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第三十六条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 36",
};

const APL_ART54: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第五十四条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 54",
};

/// The comprehensive enforcement team holds the penalty powers of the departments merged into it.
///
/// 《中华人民共和国行政处罚法》第十八条: 国家在…生态环境…等领域推行建立综合行政执法制度，相对
/// 集中行政处罚权.
const APL_ART18: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第十八条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 18",
};

const APL_ART22: LegalSource = LegalSource {
    zh_cn: "《中华人民共和国行政处罚法》第二十二条",
    en: "Administrative Penalty Law of the PRC (2021), Art. 22",
};

/// The last day on which a violation that ended on `act_ended_on` may still be discovered: 2
/// years, or 5 when it involved citizens' life and health or financial safety and caused harm.
///
/// 《中华人民共和国行政处罚法》第三十六条: 违法行为在二年内未被发现的，不再给予行政处罚；涉及公民
/// 生命健康安全、金融安全且有危害后果的，上述期限延长至五年。
pub fn limitation_ends(act_ended_on: NaiveDate, endangers: bool) -> NaiveDate {
    let years = if endangers { 5 } else { 2 };
    act_ended_on
        .with_year(act_ended_on.year() + years)
        // 29 February: the period ends on 28 February of a common year.
        .or_else(|| NaiveDate::from_ymd_opt(act_ended_on.year() + years, 2, 28))
        .unwrap_or(act_ended_on)
}

/// Provisions written as the law writes them: the law's title in 《》, the article as 第…条; at
/// most 20.
pub fn check_legal_basis(basis: &[LegalBasis], invalid: &mut Reasons) {
    if basis.len() > 20 {
        invalid.push(
            Reason::new("field.too_long")
                .field("legal_basis")
                .arg("max", 20),
        );
    }
    for b in basis {
        let law = b.law.trim();
        if !(law.starts_with('《') && law.ends_with('》')) || law.chars().count() > 60 {
            invalid.push(
                Reason::new("case.law_form")
                    .field("legal_basis")
                    .arg("law", law),
            );
        }
        let art = b.article.trim();
        if !(art.starts_with('第') && art.contains('条')) || art.chars().count() > 30 {
            invalid.push(
                Reason::new("case.article_form")
                    .field("legal_basis")
                    .arg("article", art),
            );
        }
    }
}

/// Proposes a case from a clue.
#[derive(Clone, Debug)]
pub struct ProposeCase {
    pub case_id: Uuid,
    pub clue_id: Uuid,
    pub facts: CaseFacts,
    /// The clue's version the sender saw (`If-Match`).
    pub expected_version: i64,
}

pub struct ProposeCaseState {
    pub clue: Clue,
    /// The unit that will handle the case (the proposer's), if any.
    pub handling_unit_id: Option<Uuid>,
    /// The named entity's county, when an entity is named: `None` for an unknown id.
    pub entity_county: Option<Option<String>>,
    /// The laws and regulations whose penalties this authority imposes (a setting; empty: not
    /// checked).
    pub enforced_laws: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseProposed {
    pub case_id: Uuid,
    pub clue_id: Uuid,
    pub county_code: String,
    pub handling_unit_id: Option<Uuid>,
    pub facts: CaseFacts,
    pub proposed_by: String,
}

impl crate::event::EventPayload for CaseProposed {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// The registration conditions: a suspected violation named by its legal basis, a penalty
/// applicable, this authority's jurisdiction, and the limitation period.
///
/// 《中华人民共和国行政处罚法》第五十四条 (register once the filing standard is met), 第二十二条
/// (jurisdiction: where the violation took place), 第三十六条 (limitation).
pub fn decide_propose_case(
    state: &ProposeCaseState,
    actor: &Actor,
    cmd: &ProposeCase,
) -> Result<Vec<Payload>, Refusal> {
    let clue = &state.clue;
    let reach = reach(actor, Capability::CaseRegister)?;
    if !within(&reach, &clue.data.county_code) {
        return Err(Refusal::not_found());
    }
    stale(clue.version, cmd.expected_version)?;
    let f = &cmd.facts;
    let mut texts = vec![("violation", f.violation.as_str(), true)];
    match &f.party {
        Some(super::party::Party::Person { name, .. }) => {
            texts.push(("party", name.as_str(), false))
        }
        Some(super::party::Party::Organisation { name, uscc }) => {
            texts.push(("party", name.as_str(), false));
            texts.push(("party", uscc.as_deref().unwrap_or(""), false));
        }
        _ => {}
    }
    for b in &f.legal_basis {
        texts.push(("legal_basis", b.law.as_str(), false));
        texts.push(("legal_basis", b.article.as_str(), false));
    }
    check_texts(texts)?;
    let mut invalid = Reasons::default();
    if f.violation.trim().is_empty() {
        invalid.push(Reason::new("field.required").field("violation"));
    }
    if f.violation.chars().count() > 2000 {
        invalid.push(
            Reason::new("field.too_long")
                .field("violation")
                .arg("max", 2000),
        );
    }
    if let Some(
        super::party::Party::Person { name, .. } | super::party::Party::Organisation { name, .. },
    ) = &f.party
        && (name.trim().is_empty() || name.chars().count() > 100)
    {
        invalid.push(Reason::new("case.party_name").field("party"));
    }
    check_legal_basis(&f.legal_basis, &mut invalid);
    match &state.entity_county {
        Some(None) => invalid.push(Reason::new("clue.entity_unknown").field("entity_id")),
        Some(Some(c)) if *c != clue.data.county_code => {
            invalid.push(Reason::new("clue.entity_other_county").field("entity_id"))
        }
        _ => {}
    }
    if f.act_ended_on > clue.data.received_on {
        invalid.push(Reason::new("case.act_after_discovery").field("act_ended_on"));
    }
    invalid.into_result(RefusalKind::Invalid)?;

    let mut unmet = Reasons::default();
    if clue.status != ClueStatus::Open {
        unmet.push(Reason::new("clue.not_open").arg("status", clue.status.as_str()));
    }
    if f.legal_basis.is_empty() {
        unmet.push(
            Reason::new("case.no_legal_basis")
                .field("legal_basis")
                .source(APL_ART54),
        );
    }
    // A penalty applicable, by this authority: at least one provision of a law it enforces.
    if !state.enforced_laws.is_empty()
        && !f.legal_basis.is_empty()
        && !f
            .legal_basis
            .iter()
            .any(|b| state.enforced_laws.iter().any(|l| l == b.law.trim()))
    {
        let laws: Vec<&str> = f.legal_basis.iter().map(|b| b.law.trim()).collect();
        unmet.push(
            Reason::new("case.outside_powers")
                .field("legal_basis")
                .arg("laws", laws.join("、"))
                .source(APL_ART18),
        );
    }
    if state.handling_unit_id.is_none() && !matches!(actor, Actor::System) {
        unmet.push(Reason::new("case.no_handling_unit").source(APL_ART22));
    }
    let ends = limitation_ends(f.act_ended_on, f.endangers_life_health_or_finance);
    if clue.data.received_on > ends {
        unmet.push(
            Reason::new("case.limitation_passed")
                .field("act_ended_on")
                .arg("act_ended_on", f.act_ended_on)
                .arg("discovered", clue.data.received_on)
                .arg(
                    "years",
                    if f.endangers_life_health_or_finance {
                        5
                    } else {
                        2
                    },
                )
                .source(APL_ART36),
        );
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        CaseProposed {
            case_id: cmd.case_id,
            clue_id: clue.id,
            county_code: clue.data.county_code.clone(),
            handling_unit_id: state.handling_unit_id,
            facts: CaseFacts {
                violation: f.violation.trim().to_owned(),
                legal_basis: f
                    .legal_basis
                    .iter()
                    .map(|b| LegalBasis {
                        law: b.law.trim().to_owned(),
                        article: b.article.trim().to_owned(),
                    })
                    .collect(),
                ..f.clone()
            },
            proposed_by: actor.name().to_owned(),
        }
        .into(),
    ])
}

/// A head's decision on a proposed step.
#[derive(Clone, Debug)]
pub struct Decide {
    pub case_id: Uuid,
    pub approve: bool,
    /// A comment on an approval, the reason for a rejection.
    pub text: String,
    /// The case's version the sender saw (`If-Match`).
    pub expected_version: i64,
}

/// An approval's text is a comment; a rejection's, its reason.
fn text_field(cmd: &Decide) -> &'static str {
    if cmd.approve { "comment" } else { "reason" }
}

/// What a case number is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberPattern {
    /// `{county}`, `{year}` and `{n}` are filled in.
    pub pattern: String,
    /// The county's short name, for brigade cases.
    pub county: String,
}

pub struct ApproveRegistrationState {
    pub case: Case,
    pub today: NaiveDate,
    pub pattern: NumberPattern,
    /// The counter's key (organ, branch or none, kind, year) and its last number.
    pub counter_key: String,
    pub last_number: i64,
    /// The 立案审批表, rendered with the number the approval takes (on an approval).
    pub document: Option<super::document::Rendered>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRegistered {
    pub case_id: Uuid,
    pub county_code: String,
    pub number: String,
    pub counter_key: String,
    pub serial: i64,
    pub registered_on: NaiveDate,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRejected {
    pub case_id: Uuid,
    pub clue_id: Uuid,
    pub county_code: String,
    pub reason: String,
}

impl crate::event::EventPayload for CaseRegistered {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

impl crate::event::EventPayload for RegistrationRejected {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

/// Fills a number pattern.
pub fn case_number(p: &NumberPattern, year: i32, n: i64) -> String {
    p.pattern
        .replace("{county}", &p.county)
        .replace("{year}", &year.to_string())
        .replace("{n}", &n.to_string())
}

/// The approver is a head of the bureau who is not the proposer.
///
/// 《中华人民共和国行政处罚法》第五十四条 and 《生态环境行政处罚办法》第十八条: registration is
/// approved by the head of the authority.
pub(crate) fn check_approver(actor: &Actor, case: &Case, proposer: &str) -> Result<(), Refusal> {
    let reach = reach(actor, Capability::CaseApprove)?;
    if !within(&reach, &case.county_code) {
        return Err(Refusal::not_found());
    }
    if let Actor::User(u) = actor
        && u.username == proposer
        && !u.roles.contains(&Role::BureauHead)
    {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("approval.own_proposal"),
        ));
    }
    Ok(())
}

pub fn decide_registration(
    state: &ApproveRegistrationState,
    actor: &Actor,
    cmd: &Decide,
) -> Result<Vec<Payload>, Refusal> {
    let case = &state.case;
    check_approver(actor, case, &case.proposed_by)?;
    stale(case.version, cmd.expected_version)?;
    check_texts([(text_field(cmd), cmd.text.as_str(), true)])?;
    if case.stage != CaseStage::PendingRegistration {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()),
        ));
    }
    if !cmd.approve {
        if cmd.text.trim().is_empty() {
            return Err(Refusal::one(
                RefusalKind::Invalid,
                Reason::new("field.required").field("reason"),
            ));
        }
        return Ok(vec![
            RegistrationRejected {
                case_id: case.id,
                clue_id: case.clue_id,
                county_code: case.county_code.clone(),
                reason: cmd.text.trim().to_owned(),
            }
            .into(),
        ]);
    }
    let serial = state.last_number + 1;
    let number = case_number(&state.pattern, state.today.year(), serial);
    let mut out: Vec<Payload> = vec![
        CaseRegistered {
            case_id: case.id,
            county_code: case.county_code.clone(),
            number: number.clone(),
            counter_key: state.counter_key.clone(),
            serial,
            registered_on: state.today,
            comment: cmd.text.trim().to_owned(),
        }
        .into(),
    ];
    // The approval form is issued at once, numbered with the case number.
    if let Some(doc) = &state.document {
        if doc.number.as_ref().map(|n| n.number.as_str()) != Some(number.as_str()) {
            return Err(Refusal::one(
                RefusalKind::Conflict,
                Reason::new("document.number_moved"),
            ));
        }
        out.push(
            super::document::DocumentIssued::new(
                case,
                super::document::DocumentKind::RegistrationApproval,
                None,
                doc,
            )
            .into(),
        );
    }
    Ok(out)
}

/// Proposes to cancel a registration whose conditions turned out not to be met.
#[derive(Clone, Debug)]
pub struct ProposeCancellation {
    pub case_id: Uuid,
    pub reason: String,
    /// The case's version the sender saw (`If-Match`).
    pub expected_version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancellationProposed {
    pub case_id: Uuid,
    pub county_code: String,
    pub reason: String,
    pub proposed_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancellationDecided {
    pub case_id: Uuid,
    pub county_code: String,
    pub approved: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

impl crate::event::EventPayload for CancellationProposed {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

impl crate::event::EventPayload for CancellationDecided {
    fn counties(&self) -> Vec<String> {
        vec![self.county_code.clone()]
    }
}

pub fn decide_propose_cancellation(
    case: &Case,
    actor: &Actor,
    cmd: &ProposeCancellation,
) -> Result<Vec<Payload>, Refusal> {
    let reach = reach(actor, Capability::CaseRegister)?;
    if !within(&reach, &case.county_code) {
        return Err(Refusal::not_found());
    }
    stale(case.version, cmd.expected_version)?;
    check_texts([("reason", cmd.reason.as_str(), true)])?;
    if cmd.reason.trim().is_empty() {
        return Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("field.required").field("reason"),
        ));
    }
    let mut unmet = Reasons::default();
    if case.stage != CaseStage::Registered {
        unmet.push(Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()));
    }
    if case.cancellation.is_some() {
        unmet.push(Reason::new("case.cancellation_pending"));
    }
    unmet.into_result(RefusalKind::Conflict)?;
    Ok(vec![
        CancellationProposed {
            case_id: case.id,
            county_code: case.county_code.clone(),
            reason: cmd.reason.trim().to_owned(),
            proposed_by: actor.name().to_owned(),
        }
        .into(),
    ])
}

pub fn decide_cancellation(
    case: &Case,
    actor: &Actor,
    cmd: &Decide,
) -> Result<Vec<Payload>, Refusal> {
    let Some((proposer, _)) = &case.cancellation else {
        check_approver(actor, case, &case.proposed_by)?;
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("case.no_cancellation_pending"),
        ));
    };
    check_approver(actor, case, proposer)?;
    stale(case.version, cmd.expected_version)?;
    check_texts([(text_field(cmd), cmd.text.as_str(), true)])?;
    if case.stage != CaseStage::Registered {
        return Err(Refusal::one(
            RefusalKind::Conflict,
            Reason::new("case.wrong_stage").arg("stage", case.stage.as_str()),
        ));
    }
    if !cmd.approve && cmd.text.trim().is_empty() {
        return Err(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("field.required").field("reason"),
        ));
    }
    Ok(vec![
        CancellationDecided {
            case_id: case.id,
            county_code: case.county_code.clone(),
            approved: cmd.approve,
            text: cmd.text.trim().to_owned(),
        }
        .into(),
    ])
}

/// Whether a case still takes commands (a cancelled one keeps its number and takes none).
/// The case stands and is not decided yet: what comes before the decision (statements, waivers,
/// hearings, tolled periods, recusals, the party named) may still be recorded; after it, only
/// what serves and carries it out.
pub fn undecided(case: &Case) -> bool {
    open(case) && !matches!(case.stage, CaseStage::Decided) && !finished(case)
}

/// Closed or archived: the case takes no more acts (but annexes, once archived).
pub fn finished(case: &Case) -> bool {
    matches!(case.stage, CaseStage::Closed | CaseStage::Archived)
}

/// Neither ended before a decision nor sealed: an archived case takes only annexes and the
/// decision's publication (`super::archive`, `super::publicity`).
pub fn open(case: &Case) -> bool {
    !matches!(
        case.stage,
        CaseStage::Cancelled | CaseStage::RegistrationRejected | CaseStage::Archived
    )
}
