//! The investigation on the case workspace: the next lawful steps (下一步) from
//! `App::next_steps`, the records (笔录) with a photo taken on the spot sent in the same form,
//! preservation of evidence (先行登记保存), the investigation report and the case review, and
//! the record of interference (干预留痕). Every form posts the version it showed (the API's
//! `If-Match`); a refusal shows the page again with the form as it was sent.

use super::account::local;
use super::cases::{
    CaseDraft, after_case_action, field, field_all, form_fields, form_version, path_id,
};
use super::{PageCtx, Tr};
use crate::AppState;
use crate::multipart::Multipart;
use crate::precondition::ClientIp;
use app::AppError;
use app::i18n::{Lang, message};
use app::people::People;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{Duration, NaiveDateTime};
use domain::case::preservation::{Action, Item, Preservation};
use domain::case::record::{
    Exchange, Questioned, Record, RecordContent, RecordKind, SamplingPoint, Signature,
};
use domain::case::registration::{Case, CaseStage, LegalBasis};
use domain::case::review::{Opinion, RecordReview, ReviewFlag, SubmitReport};
use domain::case::steps::NextStep;
use domain::evidence::Evidence;
use domain::permission::{Capability, reach, within};
use domain::time::CHINA_STANDARD_TIME;
use domain::{Reason, Refusal, RefusalKind, Timestamp};
use uuid::Uuid;

/// What a workspace form sent, shown again with a refusal: the form's name and its fields.
#[derive(Default)]
pub struct WsDraft {
    form: Option<(&'static str, Vec<(String, String)>)>,
}

impl WsDraft {
    pub(super) fn of(&self, form: &str) -> Option<&[(String, String)]> {
        self.form
            .as_ref()
            .filter(|(f, _)| *f == form)
            .map(|(_, v)| v.as_slice())
    }
}

pub(super) fn draft(form: &'static str, fields: Vec<(String, String)>) -> CaseDraft {
    CaseDraft {
        ws: WsDraft {
            form: Some((form, fields)),
        },
        ..Default::default()
    }
}

/// The step's name (message id) and the form it leads to on the page.
pub(super) fn step_parts(command: &str) -> (&'static str, &'static str) {
    match command {
        "approve-registration" => ("ui-step_approve_registration", "decide"),
        "reject-registration" => ("ui-step_reject_registration", "decide"),
        "identify-party" => ("ui-step_identify_party", "identify"),
        "assign-officers" => ("ui-step_assign_officers", "team"),
        "record-inspection" => ("ui-step_record_inspection", "record-inspection"),
        "record-questioning" => ("ui-step_record_questioning", "record-questioning"),
        "record-sampling" => ("ui-step_record_sampling", "record-sampling"),
        "preserve-evidence" => ("ui-step_preserve_evidence", "preserve"),
        "request-recusal" => ("ui-step_request_recusal", "recusal"),
        "decide-recusal" => ("ui-step_decide_recusal", "recusal"),
        "approve-preservation" => ("ui-step_approve_preservation", "preservations"),
        "reject-preservation" => ("ui-step_reject_preservation", "preservations"),
        "decide-preserved" => ("ui-step_decide_preserved", "preservations"),
        "submit-investigation-report" => ("ui-step_submit_report", "report-form"),
        "cancel-registration" => ("ui-step_cancel_registration", "cancel"),
        "approve-cancellation" => ("ui-step_approve_cancellation", "decide"),
        "reject-cancellation" => ("ui-step_reject_cancellation", "decide"),
        "record-case-review" => ("ui-step_record_case_review", "review-form"),
        "issue-advance-notice" => ("ui-step_issue_advance_notice", "notice-form"),
        "record-service" => ("ui-step_record_service", "service-form"),
        "record-statement" => ("ui-step_record_statement", "statement-form"),
        "answer-statement" => ("ui-step_answer_statement", "answer-form"),
        "record-waiver" => ("ui-step_record_waiver", "waiver-form"),
        "request-hearing" => ("ui-step_request_hearing", "hearing-request-form"),
        "schedule-hearing" => ("ui-step_schedule_hearing", "hearing-schedule-form"),
        "record-hearing" => ("ui-step_record_hearing", "hearing-record-form"),
        "start-tolling" => ("ui-step_start_tolling", "tolling"),
        "end-tolling" => ("ui-step_end_tolling", "tolling"),
        "approve-suspension" => ("ui-step_approve_suspension", "tolling"),
        "submit-for-legal-review" => ("ui-step_submit_for_legal_review", "legal-review"),
        "record-legal-review" => ("ui-step_record_legal_review", "legal-review"),
        "record-deliberation" => ("ui-step_record_deliberation", "decision"),
        "decide" => ("ui-step_decide", "decision"),
        "extend-deadline" => ("ui-step_extend_deadline", "deadline"),
        "approve-extension" => ("ui-step_approve_extension", "deadline"),
        "record-performance" => ("ui-step_record_performance", "performance"),
        "request-arrangement" => ("ui-step_request_arrangement", "performance"),
        "approve-arrangement" => ("ui-step_approve_arrangement", "performance"),
        "close-case" => ("ui-step_close_case", "performance"),
        "archive" => ("ui-step_archive", "archive"),
        "add-annex" => ("ui-step_add_annex", "archive"),
        "file-upward" => ("ui-step_file_upward", "archive"),
        "publish-decision" => ("ui-step_publish_decision", "publicity"),
        "withdraw-publication" => ("ui-step_withdraw_publication", "publicity"),
        _ => ("ui-step_other", ""),
    }
}

/// One step of the next-steps panel.
pub struct StepRow {
    pub label: String,
    /// The form's anchor on the page, when it has one.
    pub anchor: String,
    pub allowed: bool,
    pub on_demand: bool,
    /// Why not: each message, with its legal source when it has one.
    pub reasons: Vec<(String, String)>,
}

/// A reason in the reader's language, people named by name; and its legal source.
pub(super) fn reason_text(lang: Lang, people: &People, r: &Reason) -> (String, String) {
    let mut args = r.args.clone();
    for key in ["username", "main_head"] {
        if let Some(v) = args.get_mut(key)
            && let Some(p) = people.get(v)
        {
            *v = p.display_name.clone();
        }
    }
    let source = r
        .legal_source
        .as_ref()
        .map(|s| {
            if lang == Lang::En {
                s.en.to_owned()
            } else {
                s.zh_cn.to_owned()
            }
        })
        .unwrap_or_default();
    (message(lang, r.code, &args), source)
}

fn step_rows(tr: &Tr, lang: Lang, people: &People, steps: &[NextStep]) -> Vec<StepRow> {
    let mut rows: Vec<StepRow> = Vec::new();
    for s in steps {
        let (label, anchor) = step_parts(s.command);
        let row = StepRow {
            label: tr.t(label),
            anchor: anchor.to_owned(),
            allowed: s.allowed,
            on_demand: s.on_demand,
            reasons: s
                .reasons
                .iter()
                .map(|r| reason_text(lang, people, r))
                .collect(),
        };
        // Several pending recusals make one line each only when they differ.
        if rows
            .iter()
            .any(|r| r.label == row.label && r.allowed == row.allowed && r.reasons == row.reasons)
        {
            continue;
        }
        rows.push(row);
    }
    rows
}

/// An officer the forms offer (checkbox).
pub struct OfficerChoice {
    pub value: String,
    pub name: String,
    pub checked: bool,
}

/// Evidence of the case the forms offer (checkbox), and the records and the report link to.
pub struct EvidenceChoice {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub checked: bool,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

/// A question and its answer, as the form shows them.
pub struct ExchangeRow {
    pub question: String,
    pub answer: String,
}

pub struct PointRow {
    pub point: String,
    pub items: String,
    pub container: String,
    pub seal_number: String,
}

/// One record form (inspection, questioning or sampling).
pub struct RecordForm {
    /// inspection, questioning or sampling
    pub kind: &'static str,
    pub title: String,
    /// Opened: sent before and refused.
    pub open: bool,
    pub started_at: String,
    pub ended_at: String,
    pub place: String,
    pub officers: Vec<OfficerChoice>,
    pub present: String,
    pub observed: String,
    pub person_name: String,
    pub person_id_type: String,
    pub person_relation: String,
    pub exchanges: Vec<ExchangeRow>,
    pub points: Vec<PointRow>,
    pub lab: String,
    /// "1" signed, "0" not, "" not yet chosen.
    pub signed: String,
    pub refusal: String,
    pub evidence: Vec<EvidenceChoice>,
    pub photo_title: String,
    /// Records of the same kind this one may correct.
    pub corrects: Vec<Choice>,
}

/// A record as the list shows it.
pub struct RecordRow {
    pub id: String,
    pub kind: String,
    pub span: String,
    pub place: String,
    pub officers: String,
    /// Label and text, in the order the form has them.
    pub lines: Vec<(String, String)>,
    pub exchanges: Vec<ExchangeRow>,
    pub points: Vec<PointRow>,
    pub signature: String,
    pub evidence: Vec<(String, String)>,
    /// The record it corrects: its id (anchor) and how it is named.
    pub corrects: Option<(String, String)>,
    pub corrected: bool,
    pub recorded: String,
}

pub struct ItemRow {
    pub description: String,
    pub quantity: String,
    pub kept_at: String,
}

pub struct PreservationRow {
    pub id: String,
    /// For element ids.
    pub index: usize,
    pub items: Vec<ItemRow>,
    pub officers: String,
    pub emergency: bool,
    pub proposed: String,
    /// pending_approval, in_effect, decided, lapsed or rejected
    pub status: &'static str,
    pub status_text: String,
    pub due: String,
    pub approval_overdue: bool,
    pub approval: String,
    pub decision: String,
    /// This head may approve or reject it here.
    pub approve: bool,
    /// An officer may decide what becomes of the items here.
    pub decide: bool,
}

pub struct PreserveForm {
    pub open: bool,
    pub items: Vec<ItemRow>,
    pub officers: Vec<OfficerChoice>,
    pub emergency: bool,
}

pub struct ReportView {
    pub facts: String,
    pub evidence: Vec<(String, String)>,
    pub proposed_handling: String,
    pub legal_basis: String,
    pub by: String,
    /// "¥200,000.00", empty without a proposed fine.
    pub proposed_fine: String,
    /// The benchmark used ("version gd-model-1: ¥…") and why the fine departs from it.
    pub benchmark: String,
    pub departure: String,
}

pub struct ReportForm {
    pub open: bool,
    pub facts: String,
    pub evidence: Vec<EvidenceChoice>,
    pub proposed_handling: String,
    pub basis: Vec<(String, String)>,
    pub proposed_fine: String,
    pub benchmark: Option<super::proceedings::BenchmarkPick>,
}

pub struct ReviewView {
    pub opinion: String,
    pub sent_back: bool,
    pub reasons: String,
    pub flags: Vec<String>,
    pub by: String,
}

pub struct ReviewForm {
    pub opinion: String,
    pub reasons: String,
    /// Value, words, ticked.
    pub flags: Vec<Choice>,
}

pub struct InterferenceForm {
    pub open: bool,
    pub who: String,
    pub when: String,
    pub how: String,
    pub what_was_asked: String,
}

/// What the workspace shows of the investigation.
#[derive(Default)]
pub struct Workspace {
    pub steps: Vec<StepRow>,
    allowed: Vec<&'static str>,
    pub records: Vec<RecordRow>,
    pub record_forms: Vec<RecordForm>,
    pub preservations: Vec<PreservationRow>,
    pub preserve_form: Option<PreserveForm>,
    pub actions: Vec<Choice>,
    pub report: Option<ReportView>,
    pub report_form: Option<ReportForm>,
    pub review: Option<ReviewView>,
    /// The case was sent back for supplementary investigation and is investigated again.
    pub sent_back: bool,
    pub review_form: Option<ReviewForm>,
    pub interference: Option<InterferenceForm>,
    /// The documents issued and those the reader may issue now.
    pub documents: Option<super::documents::DocumentsSection>,
    /// The notice, the party's defence, the hearing and the periods not counted.
    pub notice: Option<super::proceedings::NoticeSection>,
    pub legal_review: Option<super::legal_review::LegalReviewSection>,
    /// The deadline with its extensions, the deliberations and the decision.
    pub decision: Option<super::decision::DecisionSection>,
    /// The decision's performance and the closing.
    pub performance: Option<super::performance::PerformanceSection>,
    /// The decision's publication and its withdrawal.
    pub publicity: Option<super::publicity::PublicitySection>,
    /// The archive, its sealed volumes and annexes.
    pub archive: Option<super::archive::ArchiveSection>,
    /// The investigation sections have something to show.
    pub investigating: bool,
    /// A label's colon in the page's language.
    pub colon: &'static str,
}

impl Workspace {
    /// The reader may take this step now (the next steps say so).
    pub fn may(&self, command: &str) -> bool {
        self.allowed.contains(&command)
    }

    pub fn has_allowed(&self) -> bool {
        self.steps.iter().any(|s| s.allowed)
    }

    pub fn has_blocked(&self) -> bool {
        self.steps.iter().any(|s| !s.allowed)
    }
}

/// An instant as a `datetime-local` value, China time.
fn local_input(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&CHINA_STANDARD_TIME)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A `datetime-local` value (China time) as an instant.
pub(super) fn instant(field: &str, v: &str) -> Result<Timestamp, Reason> {
    let v = v.trim();
    NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S"))
        .ok()
        .and_then(|n| n.and_local_timezone(CHINA_STANDARD_TIME).single())
        .map(|t| Timestamp::new(t.with_timezone(&chrono::Utc)))
        .ok_or_else(|| Reason::new("form.bad_local_time").field(field))
}

fn lines(v: &str) -> Vec<String> {
    v.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Items of a sampling point, as typed: separated by commas or 、.
fn items(v: &str) -> Vec<String> {
    v.split([',', '，', '、', ';', '；'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn kind_of(kind: &str) -> Option<RecordKind> {
    match kind {
        "inspection" => Some(RecordKind::Inspection),
        "questioning" => Some(RecordKind::Questioning),
        "sampling" => Some(RecordKind::Sampling),
        _ => None,
    }
}

pub(super) fn kind_name(tr: &Tr, k: RecordKind) -> String {
    tr.t(match k {
        RecordKind::Inspection => "ui-record_inspection",
        RecordKind::Questioning => "ui-record_questioning",
        RecordKind::Sampling => "ui-record_sampling",
    })
}

fn action_name(tr: &Tr, a: Action) -> String {
    tr.t(match a {
        Action::CopyOrPhotograph => "ui-preserved_copy_or_photograph",
        Action::Appraisal => "ui-preserved_appraisal",
        Action::SealOrSeize => "ui-preserved_seal_or_seize",
        Action::Release => "ui-preserved_release",
    })
}

const ACTIONS: [(&str, Action); 4] = [
    ("copy_or_photograph", Action::CopyOrPhotograph),
    ("appraisal", Action::Appraisal),
    ("seal_or_seize", Action::SealOrSeize),
    ("release", Action::Release),
];

fn status_name(tr: &Tr, status: &str) -> String {
    tr.t(match status {
        "pending_approval" => "ui-preservation_pending_approval",
        "in_effect" => "ui-preservation_in_effect",
        "decided" => "ui-preservation_decided",
        "lapsed" => "ui-preservation_lapsed",
        _ => "ui-preservation_rejected",
    })
}

const FLAGS: [(&str, ReviewFlag); 4] = [
    ("major_public_interest", ReviewFlag::MajorPublicInterest),
    ("major_rights", ReviewFlag::MajorRights),
    ("complex", ReviewFlag::Complex),
    ("other_law", ReviewFlag::OtherLaw),
];

fn flag_name(tr: &Tr, f: ReviewFlag) -> String {
    tr.t(match f {
        ReviewFlag::MajorPublicInterest => "ui-review_flag_major_public_interest",
        ReviewFlag::MajorRights => "ui-review_flag_major_rights",
        ReviewFlag::Complex => "ui-review_flag_complex",
        ReviewFlag::OtherLaw => "ui-review_flag_other_law",
    })
}

fn opinion_name(tr: &Tr, o: Opinion) -> String {
    tr.t(match o {
        Opinion::Agree => "ui-review_agree",
        Opinion::SupplementaryInvestigation => "ui-review_supplementary",
        Opinion::Other => "ui-review_other",
    })
}

/// Builds the investigation parts of the workspace for the reader.
pub async fn workspace(
    state: &AppState,
    ctx: &PageCtx,
    case: &Case,
    people: &People,
    draft: &WsDraft,
) -> Result<Workspace, AppError> {
    let Some(auth) = ctx.auth.as_ref() else {
        return Ok(Workspace::default());
    };
    let actor = &auth.actor;
    let me = actor.name().to_owned();
    let tr = ctx.tr();
    let colon = if tr.english() { ": " } else { "：" };
    let name = |u: &str| ctx.person_name(people, u);
    let steps = state.app.next_steps(actor, case).await?;
    let allowed: Vec<&'static str> = steps
        .iter()
        .filter(|s| s.allowed)
        .map(|s| s.command)
        .collect();
    let may = |c: &str| allowed.contains(&c);
    let records = state.app.case_records(actor, case.id).await?;
    // Evidence of the case (and, for the report, of its clue); a reader who may not read
    // evidence sees none offered.
    let evidence: Vec<Evidence> = state
        .app
        .evidence_of_subject(actor, case.id)
        .await
        .unwrap_or_default();
    let clue_evidence: Vec<Evidence> = state
        .app
        .evidence_of_subject(actor, case.clue_id)
        .await
        .unwrap_or_default();
    let title_of = |id: &Uuid| {
        evidence
            .iter()
            .chain(&clue_evidence)
            .find(|e| e.id == *id)
            .map(|e| e.data.title.clone())
            .unwrap_or_else(|| tr.t("ui-evidence_unreadable"))
    };
    let evidence_choices = |list: &[&Evidence], chosen: &[String]| -> Vec<EvidenceChoice> {
        list.iter()
            .map(|e| EvidenceChoice {
                id: e.id.to_string(),
                title: e.data.title.clone(),
                kind: super::evidence::type_name(ctx, e.data.evidence_type),
                checked: chosen.contains(&e.id.to_string()),
            })
            .collect()
    };
    let acting = case.acting_officers();
    let officer_choices = |chosen: Option<Vec<String>>| -> Vec<OfficerChoice> {
        let chosen = chosen.unwrap_or_else(|| vec![me.clone()]);
        acting
            .iter()
            .map(|u| OfficerChoice {
                value: u.clone(),
                name: name(u),
                checked: chosen.contains(u),
            })
            .collect()
    };

    // The records, oldest first; a corrected one says so.
    let corrected: Vec<Uuid> = records.iter().filter_map(|e| e.record.corrects).collect();
    let record_label = |r: &Record| {
        format!(
            "{} {}",
            kind_name(&tr, r.content.kind()),
            r.started_at
                .as_datetime()
                .with_timezone(&CHINA_STANDARD_TIME)
                .format("%Y-%m-%d %H:%M")
        )
    };
    let record_rows: Vec<RecordRow> = records
        .iter()
        .map(|e| {
            let r = &e.record;
            let mut lines_ = Vec::new();
            let (mut exchanges, mut points) = (Vec::new(), Vec::new());
            let place = match &r.content {
                RecordContent::Inspection {
                    place,
                    present,
                    observed,
                } => {
                    if !present.is_empty() {
                        lines_.push((tr.t("ui-record_present"), present.join("、")));
                    }
                    lines_.push((tr.t("ui-record_observed"), observed.clone()));
                    place
                }
                RecordContent::Questioning {
                    place,
                    person,
                    exchanges: ex,
                } => {
                    let mut who = person.name.clone();
                    if !person.id_number_masked.is_empty() {
                        who = format!("{who}（{}）", person.id_number_masked);
                    }
                    lines_.push((tr.t("ui-record_person"), who));
                    exchanges = ex
                        .iter()
                        .map(|x| ExchangeRow {
                            question: x.question.clone(),
                            answer: x.answer.clone(),
                        })
                        .collect();
                    place
                }
                RecordContent::Sampling {
                    place,
                    points: p,
                    lab,
                } => {
                    lines_.push((tr.t("ui-record_lab"), lab.clone()));
                    points = p
                        .iter()
                        .map(|p| PointRow {
                            point: p.point.clone(),
                            items: p.items.join("、"),
                            container: p.container.clone(),
                            seal_number: p.seal_number.clone(),
                        })
                        .collect();
                    place
                }
            };
            RecordRow {
                id: r.id.to_string(),
                kind: kind_name(&tr, r.content.kind()),
                span: format!("{} – {}", local(r.started_at), local(r.ended_at)),
                place: place.clone(),
                officers: r
                    .officers
                    .iter()
                    .map(|o| name(o))
                    .collect::<Vec<_>>()
                    .join("、"),
                lines: lines_,
                exchanges,
                points,
                signature: if r.signature.signed {
                    tr.t("ui-record_signed")
                } else {
                    format!(
                        "{}{colon}{}",
                        tr.t("ui-record_not_signed"),
                        r.signature.refusal
                    )
                },
                evidence: r
                    .evidence_ids
                    .iter()
                    .map(|id| (id.to_string(), title_of(id)))
                    .collect(),
                corrects: r.corrects.map(|c| {
                    let label = records
                        .iter()
                        .find(|x| x.record.id == c)
                        .map(|x| record_label(&x.record))
                        .unwrap_or_default();
                    (c.to_string(), label)
                }),
                corrected: corrected.contains(&r.id),
                recorded: format!("{} {}", name(&e.recorded_by), local(e.recorded_at)),
            }
        })
        .collect();

    let now = state.app.now().as_datetime();
    let case_evidence: Vec<&Evidence> = evidence.iter().collect();
    let mut record_forms = Vec::new();
    for (kind, command, title) in [
        (
            RecordKind::Inspection,
            "record-inspection",
            "ui-record_inspection",
        ),
        (
            RecordKind::Questioning,
            "record-questioning",
            "ui-record_questioning",
        ),
        (
            RecordKind::Sampling,
            "record-sampling",
            "ui-record_sampling",
        ),
    ] {
        if !may(command) {
            continue;
        }
        let sent = draft.of(command);
        let v = |n: &str| sent.map(|f| field(f, n)).unwrap_or_default();
        let all = |n: &str| sent.map(|f| field_all(f, n)).unwrap_or_default();
        let mut exchanges: Vec<ExchangeRow> = all("question")
            .into_iter()
            .zip(all("answer"))
            .map(|(question, answer)| ExchangeRow { question, answer })
            .collect();
        if exchanges.is_empty() {
            exchanges.push(ExchangeRow {
                question: String::new(),
                answer: String::new(),
            });
        }
        let (p, it, co, se) = (
            all("point"),
            all("items"),
            all("container"),
            all("seal_number"),
        );
        let mut points: Vec<PointRow> = (0..p.len())
            .map(|i| PointRow {
                point: p[i].clone(),
                items: it.get(i).cloned().unwrap_or_default(),
                container: co.get(i).cloned().unwrap_or_default(),
                seal_number: se.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        if points.is_empty() {
            points.push(PointRow {
                point: String::new(),
                items: String::new(),
                container: String::new(),
                seal_number: String::new(),
            });
        }
        let corrects_chosen = v("corrects");
        record_forms.push(RecordForm {
            kind: kind.as_str(),
            title: tr.t(title),
            open: sent.is_some(),
            started_at: sent
                .map(|_| v("started_at"))
                .unwrap_or_else(|| local_input(now - Duration::hours(1))),
            ended_at: sent
                .map(|_| v("ended_at"))
                .unwrap_or_else(|| local_input(now)),
            place: v("place"),
            officers: officer_choices(sent.map(|f| field_all(f, "officers"))),
            present: v("present"),
            observed: v("observed"),
            person_name: v("person_name"),
            person_id_type: sent
                .map(|_| v("person_id_type"))
                .unwrap_or_else(|| "resident_id".into()),
            person_relation: v("person_relation"),
            exchanges,
            points,
            lab: v("lab"),
            signed: sent.map(|_| v("signed")).unwrap_or_default(),
            refusal: v("refusal"),
            evidence: evidence_choices(&case_evidence, &all("evidence_ids")),
            photo_title: v("photo_title"),
            corrects: records
                .iter()
                .filter(|e| e.record.content.kind() == kind)
                .map(|e| Choice {
                    value: e.record.id.to_string(),
                    label: record_label(&e.record),
                    chosen: corrects_chosen == e.record.id.to_string(),
                })
                .collect(),
        });
    }

    // Preservations, each with where it stands; the forms the reader may use on each.
    let pending_approval = may("approve-preservation");
    let may_decide = may("decide-preserved");
    let preservations: Vec<PreservationRow> = case
        .preservations
        .iter()
        .enumerate()
        .map(|(index, p): (usize, &Preservation)| {
            let st = state.app.preservation_standing(p);
            PreservationRow {
                id: p.id.to_string(),
                index,
                items: p
                    .items
                    .iter()
                    .map(|i| ItemRow {
                        description: i.description.clone(),
                        quantity: i.quantity.clone(),
                        kept_at: i.kept_at.clone(),
                    })
                    .collect(),
                officers: p
                    .officers
                    .iter()
                    .map(|o| name(o))
                    .collect::<Vec<_>>()
                    .join("、"),
                emergency: p.emergency,
                proposed: format!("{} {}", name(&p.proposed_by), local(p.proposed_at)),
                status: st.status,
                status_text: status_name(&tr, st.status),
                due: st.decision_due.map(|d| d.to_string()).unwrap_or_default(),
                approval_overdue: st.approval_overdue,
                approval: p
                    .approval
                    .as_ref()
                    .map(|a| {
                        let what = tr.t(if a.approved {
                            "ui-preservation_approved_by"
                        } else {
                            "ui-preservation_rejected_by"
                        });
                        let mut s = format!("{what} {} {}", name(&a.by), local(a.at));
                        if !a.text.is_empty() {
                            s = format!("{s}{colon}{}", a.text);
                        }
                        s
                    })
                    .unwrap_or_default(),
                decision: p.decision.map(|a| action_name(&tr, a)).unwrap_or_default(),
                approve: pending_approval && p.approval.is_none() && p.proposed_by != me,
                decide: may_decide && st.status == "in_effect",
            }
        })
        .collect();
    let preserve_form = may("preserve-evidence").then(|| {
        let sent = draft.of("preserve-evidence");
        let all = |n: &str| sent.map(|f| field_all(f, n)).unwrap_or_default();
        let (d, q, k) = (all("description"), all("quantity"), all("kept_at"));
        let mut items: Vec<ItemRow> = (0..d.len())
            .map(|i| ItemRow {
                description: d[i].clone(),
                quantity: q.get(i).cloned().unwrap_or_default(),
                kept_at: k.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        if items.is_empty() {
            items.push(ItemRow {
                description: String::new(),
                quantity: String::new(),
                kept_at: String::new(),
            });
        }
        PreserveForm {
            open: sent.is_some(),
            items,
            officers: officer_choices(sent.map(|f| field_all(f, "officers"))),
            emergency: sent.is_some_and(|f| !field(f, "emergency").is_empty()),
        }
    });
    let actions = ACTIONS
        .iter()
        .map(|(v, a)| Choice {
            value: (*v).to_owned(),
            label: action_name(&tr, *a),
            chosen: false,
        })
        .collect();

    // The report, once submitted; its form for an officer of the case.
    let report = case.report.as_ref().map(|r| ReportView {
        facts: r.facts.clone(),
        evidence: r
            .evidence_ids
            .iter()
            .map(|id| (id.to_string(), title_of(id)))
            .collect(),
        proposed_handling: r.proposed_handling.clone(),
        legal_basis: r
            .legal_basis
            .iter()
            .map(|b| format!("{}{}", b.law, b.article))
            .collect::<Vec<_>>()
            .join("；"),
        by: name(&r.by),
        proposed_fine: r
            .proposed_fine_fen
            .map(|f| format!("¥{}", domain::case::penalty::yuan(f)))
            .unwrap_or_default(),
        benchmark: super::proceedings::benchmark_used(&tr, r.benchmark.as_ref()),
        departure: r
            .benchmark
            .as_ref()
            .map(|b| b.departure_reason.clone())
            .unwrap_or_default(),
    });
    // Read only for the form that offers them.
    let benchmarks = if may("submit-investigation-report") {
        state.app.benchmarks().await?
    } else {
        Vec::new()
    };
    let in_force = benchmarks
        .iter()
        .rev()
        .find(|b| b.effective_on <= state.app.today());
    let report_form = may("submit-investigation-report").then(|| {
        let sent = draft.of("submit-investigation-report");
        let v = |n: &str| sent.map(|f| field(f, n)).unwrap_or_default();
        let all = |n: &str| sent.map(|f| field_all(f, n)).unwrap_or_default();
        let mut basis: Vec<(String, String)> = all("law").into_iter().zip(all("article")).collect();
        if basis.is_empty() {
            // The case's own legal basis, to confirm or change.
            basis = case
                .facts
                .legal_basis
                .iter()
                .map(|b| (b.law.clone(), b.article.clone()))
                .collect();
        }
        if basis.is_empty() {
            basis.push((String::new(), String::new()));
        }
        let both: Vec<&Evidence> = evidence.iter().chain(&clue_evidence).collect();
        ReportForm {
            open: sent.is_some(),
            facts: v("facts"),
            evidence: evidence_choices(&both, &all("evidence_ids")),
            proposed_handling: v("proposed_handling"),
            basis,
            proposed_fine: v("proposed_fine_yuan"),
            benchmark: in_force.and_then(|b| super::proceedings::benchmark_pick(&tr, b, sent)),
        }
    });
    let review = case.review.as_ref().map(|r| ReviewView {
        opinion: opinion_name(&tr, r.opinion),
        sent_back: r.opinion == Opinion::SupplementaryInvestigation,
        reasons: r.reasons.clone(),
        flags: r.flags.iter().map(|f| flag_name(&tr, *f)).collect(),
        by: name(&r.by),
    });
    let sent_back = case.stage == CaseStage::Registered
        && case
            .review
            .as_ref()
            .is_some_and(|r| r.opinion == Opinion::SupplementaryInvestigation);
    let review_form = may("record-case-review").then(|| {
        let sent = draft.of("record-case-review");
        let v = |n: &str| sent.map(|f| field(f, n)).unwrap_or_default();
        let flags_sent = sent.map(|f| field_all(f, "flags")).unwrap_or_default();
        ReviewForm {
            opinion: v("opinion"),
            reasons: v("reasons"),
            flags: FLAGS
                .iter()
                .map(|(value, f)| Choice {
                    value: (*value).to_owned(),
                    label: flag_name(&tr, *f),
                    chosen: flags_sent.iter().any(|s| s == value),
                })
                .collect(),
        }
    });
    // Interference is recorded by any officer in whose reach the case lies, at any stage.
    let interference = reach(actor, Capability::EnforcementAct)
        .is_ok_and(|r| within(&r, &case.county_code))
        .then(|| {
            let sent = draft.of("record-interference");
            let v = |n: &str| sent.map(|f| field(f, n)).unwrap_or_default();
            InterferenceForm {
                open: sent.is_some(),
                who: v("who"),
                when: sent.map(|_| v("when")).unwrap_or_else(|| local_input(now)),
                how: v("how"),
                what_was_asked: v("what_was_asked"),
            }
        });
    let subjects: Vec<super::documents::RecordSubject> = records
        .iter()
        .map(|e| super::documents::record_subject(&tr, &e.record))
        .collect();
    let documents =
        super::documents::section(state, ctx, case, people, &subjects, &evidence).await?;
    let notice =
        super::proceedings::section(state, ctx, case, people, draft, &allowed, &evidence).await?;
    let legal_review = super::legal_review::section(ctx, case, people, draft, &allowed);
    let decision = super::decision::section(state, ctx, case, people, draft, &allowed).await?;
    let performance = super::performance::section(state, ctx, case, people, &evidence, &allowed);
    let archive = super::archive::section(state, ctx, case, people, &evidence, &allowed);
    let publicity = super::publicity::section(state, ctx, case, people, &allowed);
    let investigating = domain::case::team::investigating(case)
        || !record_rows.is_empty()
        || !preservations.is_empty();
    // Service may be recorded at any time, but the link leads nowhere while no issued document
    // waits to be served (the form is then not shown).
    let servable = notice.as_ref().is_some_and(|n| n.forms.service.is_some());
    let steps: Vec<NextStep> = steps
        .into_iter()
        .filter(|s| s.command != "record-service" || servable)
        .collect();
    Ok(Workspace {
        steps: step_rows(&tr, ctx.lang, people, &steps),
        allowed,
        records: record_rows,
        record_forms,
        preservations,
        preserve_form,
        actions,
        report,
        report_form,
        review,
        sent_back,
        review_form,
        notice,
        legal_review,
        decision,
        performance,
        archive,
        publicity,
        interference,
        documents,
        investigating,
        colon,
    })
}

fn refused(reason: Reason) -> AppError {
    AppError::Refused(Refusal::one(RefusalKind::Invalid, reason))
}

/// A record form's fields read into a record (and the person questioned, to be sealed).
fn record_from(
    kind: RecordKind,
    f: &[(String, String)],
) -> Result<(Record, Option<serde_json::Map<String, serde_json::Value>>), AppError> {
    let mut bad = Vec::new();
    let started_at = instant("started_at", &field(f, "started_at")).map_err(|r| bad.push(r));
    let ended_at = instant("ended_at", &field(f, "ended_at")).map_err(|r| bad.push(r));
    let evidence_ids: Vec<Uuid> = field_all(f, "evidence_ids")
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            Uuid::parse_str(s)
                .map_err(|_| {
                    bad.push(
                        Reason::new("record.evidence_unknown").field(format!("evidence_ids[{i}]")),
                    )
                })
                .ok()
        })
        .collect();
    let corrects = match field(f, "corrects").trim() {
        "" => None,
        c => match Uuid::parse_str(c) {
            Ok(id) => Some(id),
            Err(_) => {
                bad.push(Reason::new("record.corrects_unknown").field("corrects"));
                None
            }
        },
    };
    let signed = match field(f, "signed").as_str() {
        "1" => true,
        "0" => false,
        _ => {
            bad.push(Reason::new("record.signature_choice").field("signature"));
            false
        }
    };
    let place = field(f, "place");
    let mut person = None;
    let content = match kind {
        RecordKind::Inspection => RecordContent::Inspection {
            place,
            present: lines(&field(f, "present")),
            observed: field(f, "observed"),
        },
        RecordKind::Questioning => {
            let name = field(f, "person_name");
            let mut map = serde_json::Map::new();
            map.insert("name".into(), name.clone().into());
            for (k, n) in [
                ("id_type", "person_id_type"),
                ("id_number", "person_id_number"),
                ("phone", "person_phone"),
                ("address", "person_address"),
                ("relation", "person_relation"),
            ] {
                let v = field(f, n);
                if !v.trim().is_empty() {
                    map.insert(k.into(), v.trim().to_owned().into());
                }
            }
            person = Some(map);
            let exchanges = field_all(f, "question")
                .into_iter()
                .zip(field_all(f, "answer"))
                // A row left empty (added and not filled) is not a question.
                .filter(|(q, a)| !q.trim().is_empty() || !a.trim().is_empty())
                .map(|(question, answer)| Exchange { question, answer })
                .collect();
            RecordContent::Questioning {
                place,
                person: Questioned {
                    name,
                    reference: String::new(),
                    id_number_masked: String::new(),
                },
                exchanges,
            }
        }
        RecordKind::Sampling => {
            let (p, it, co, se) = (
                field_all(f, "point"),
                field_all(f, "items"),
                field_all(f, "container"),
                field_all(f, "seal_number"),
            );
            let points = (0..p.len())
                .map(|i| SamplingPoint {
                    point: p[i].clone(),
                    items: items(it.get(i).map(String::as_str).unwrap_or_default()),
                    container: co.get(i).cloned().unwrap_or_default(),
                    seal_number: se.get(i).cloned().unwrap_or_default(),
                })
                .filter(|p| {
                    !(p.point.trim().is_empty()
                        && p.items.is_empty()
                        && p.container.trim().is_empty()
                        && p.seal_number.trim().is_empty())
                })
                .collect();
            RecordContent::Sampling {
                place,
                points,
                lab: field(f, "lab"),
            }
        }
    };
    let (Ok(started_at), Ok(ended_at), true) = (started_at, ended_at, bad.is_empty()) else {
        return Err(AppError::Refused(Refusal::new(RefusalKind::Invalid, bad)));
    };
    Ok((
        Record {
            id: Uuid::nil(),
            started_at,
            ended_at,
            officers: field_all(f, "officers"),
            content,
            signature: Signature {
                signed,
                refusal: if signed {
                    String::new()
                } else {
                    field(f, "refusal")
                },
            },
            evidence_ids,
            corrects,
        },
        person,
    ))
}

/// A record form's text fields are at most this long (the longest text a record takes is
/// 20,000 characters, up to 4 bytes each).
const MAX_FIELD_BYTES: usize = 80_000;
/// A record form sends at most this many text fields (rows of questions, points, evidence).
const MAX_FIELDS: usize = 1000;

/// Adds a record (inspection, questioning or sampling) from its form, with a photo taken on the
/// spot when one is chosen: the photo is registered as evidence of the case, collected by the
/// record's officers, and linked from the record, both in one transaction.
pub async fn record(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    Path((id, kind)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let Some(kind) = kind_of(&kind) else {
        return ctx.not_found();
    };
    let command: &'static str = match kind {
        RecordKind::Inspection => "record-inspection",
        RecordKind::Questioning => "record-questioning",
        RecordKind::Sampling => "record-sampling",
    };
    let mut fields: Vec<(String, String)> = Vec::new();
    let result: Result<_, AppError> = async {
        let mut multipart = match crate::routes::multipart(multipart) {
            Ok(m) => m,
            Err(e) => return Err(api_refusal(e)),
        };
        while let Some(part) = multipart.next_field().await.map_err(refusal_of)? {
            let name = part.name().to_owned();
            if name == "photo" {
                let file_name = part.file_name().unwrap_or_default().to_owned();
                if file_name.is_empty() {
                    // No file chosen: the browser sends an empty part.
                    continue;
                }
                let version = form_version(&fields)?;
                let (record, person) = record_from(kind, &fields)?;
                let evidence =
                    photo_fields(id, &record, &field(&fields, "photo_title"), &file_name);
                return state
                    .app
                    .add_record_with_evidence(
                        &auth.actor,
                        id,
                        version,
                        record,
                        person,
                        &evidence,
                        part.into_stream(),
                        &ip,
                    )
                    .await;
            }
            if fields.len() == MAX_FIELDS {
                return Err(refused(
                    Reason::new("request.too_many_fields").arg("max", MAX_FIELDS),
                ));
            }
            let text = part.text(MAX_FIELD_BYTES).await.map_err(refusal_of)?;
            fields.push((name, text));
        }
        let version = form_version(&fields)?;
        let (record, person) = record_from(kind, &fields)?;
        state
            .app
            .add_record(&auth.actor, id, version, record, person)
            .await
    }
    .await;
    // The sealed fields are never shown again.
    fields.retain(|(k, _)| {
        !matches!(
            k.as_str(),
            "person_id_number" | "person_phone" | "person_address"
        )
    });
    after_case_action(
        &state,
        &ctx,
        id,
        result,
        "ui-flash_record_added",
        draft(command, fields),
    )
    .await
}

/// The photo's statement: of the case, taken on the spot by the record's officers when the
/// record began.
fn photo_fields(
    case_id: Uuid,
    record: &Record,
    title: &str,
    file_name: &str,
) -> app::evidence::EvidenceFields {
    let mut fields = vec![
        ("subject_type".to_owned(), "case".to_owned()),
        ("subject_id".to_owned(), case_id.to_string()),
        ("type".to_owned(), "audio_visual".to_owned()),
        (
            "title".to_owned(),
            if title.trim().is_empty() {
                file_name.to_owned()
            } else {
                title.trim().to_owned()
            },
        ),
        ("collected_at".to_owned(), record.started_at.to_rfc3339()),
        ("on_site".to_owned(), "true".to_owned()),
    ];
    fields.extend(
        record
            .officers
            .iter()
            .map(|o| ("collected_by".to_owned(), o.clone())),
    );
    app::evidence::EvidenceFields {
        fields,
        file_name: file_name.to_owned(),
    }
}

fn refusal_of(r: crate::multipart::Refused) -> AppError {
    api_refusal(r.into())
}

/// A problem the HTTP layer found (a broken multipart body, a body too large) as a refusal the
/// page lists.
fn api_refusal(e: crate::error::ApiError) -> AppError {
    let reasons: Vec<Reason> = e
        .problem
        .errors
        .iter()
        .map(|i| {
            let mut r = Reason::new(static_code(&i.code));
            r.args = i.args.clone();
            r
        })
        .collect();
    AppError::Refused(Refusal::new(RefusalKind::Invalid, reasons))
}

/// The reason codes the multipart reader answers with (a `Reason` keeps a static code).
fn static_code(code: &str) -> &'static str {
    match code {
        "request.multipart_overhead" => "request.multipart_overhead",
        "field.too_long" => "field.too_long",
        "request.body_too_large" => "request.body_too_large",
        "request.unsupported_media_type" => "request.unsupported_media_type",
        "request.too_many_fields" => "request.too_many_fields",
        _ => "evidence.bad_multipart",
    }
}

/// Proposes a preservation of evidence: the items, the officers, and whether it is taken at
/// once in an emergency.
pub async fn preserve(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let f = form_fields(&body);
    let (d, q, k) = (
        field_all(&f, "description"),
        field_all(&f, "quantity"),
        field_all(&f, "kept_at"),
    );
    let items: Vec<Item> = (0..d.len())
        .map(|i| Item {
            description: d[i].clone(),
            quantity: q.get(i).cloned().unwrap_or_default(),
            kept_at: k.get(i).cloned().unwrap_or_default(),
        })
        // A row added and left empty is no item.
        .filter(|i| {
            !(i.description.trim().is_empty()
                && i.quantity.trim().is_empty()
                && i.kept_at.trim().is_empty())
        })
        .collect();
    let result = match form_version(&f) {
        Ok(v) => {
            state
                .app
                .preserve_evidence(
                    &auth.actor,
                    id,
                    v,
                    items,
                    field_all(&f, "officers"),
                    !field(&f, "emergency").is_empty(),
                )
                .await
        }
        Err(e) => Err(e),
    };
    after_case_action(
        &state,
        &ctx,
        id,
        result,
        "ui-flash_preservation_proposed",
        draft("preserve-evidence", f),
    )
    .await
}

fn preservation_ref(f: &[(String, String)]) -> Result<Option<Uuid>, AppError> {
    match field(f, "preservation_id").trim() {
        "" => Ok(None),
        s => Uuid::parse_str(s)
            .map(Some)
            .map_err(|_| refused(Reason::new("preservation.which").field("preservation_id"))),
    }
}

/// A head approves (`approve`) or rejects a preservation.
pub async fn decide_preservation(
    state: AppState,
    ctx: PageCtx,
    id: String,
    body: axum::body::Bytes,
    approve: bool,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let f = form_fields(&body);
    let result = async {
        let v = form_version(&f)?;
        let which = preservation_ref(&f)?;
        state
            .app
            .decide_preservation_approval(&auth.actor, id, v, which, approve, field(&f, "text"))
            .await
    }
    .await;
    after_case_action(
        &state,
        &ctx,
        id,
        result,
        "ui-flash_preservation_decided",
        CaseDraft::default(),
    )
    .await
}

pub async fn approve_preservation(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    decide_preservation(state, ctx, id, body, true).await
}

pub async fn reject_preservation(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    decide_preservation(state, ctx, id, body, false).await
}

/// Decides what becomes of preserved items.
pub async fn decide_preserved(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let f = form_fields(&body);
    let result = async {
        let v = form_version(&f)?;
        let which = preservation_ref(&f)?;
        let action = ACTIONS
            .iter()
            .find(|(s, _)| *s == field(&f, "action"))
            .map(|(_, a)| *a)
            .ok_or_else(|| refused(Reason::new("preservation.bad_action").field("action")))?;
        state
            .app
            .decide_preserved(&auth.actor, id, v, which, action)
            .await
    }
    .await;
    after_case_action(
        &state,
        &ctx,
        id,
        result,
        "ui-flash_preserved_decided",
        CaseDraft::default(),
    )
    .await
}

/// Submits the investigation report; the case goes to review.
pub async fn submit_report(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let f = form_fields(&body);
    let result = async {
        let v = form_version(&f)?;
        let mut evidence_ids = Vec::new();
        for (i, s) in field_all(&f, "evidence_ids").iter().enumerate() {
            evidence_ids.push(Uuid::parse_str(s).map_err(|_| {
                refused(Reason::new("record.evidence_unknown").field(format!("evidence_ids[{i}]")))
            })?);
        }
        let legal_basis = field_all(&f, "law")
            .into_iter()
            .zip(field_all(&f, "article"))
            // A row added and left empty is no provision.
            .filter(|(l, a)| !l.trim().is_empty() || !a.trim().is_empty())
            .map(|(law, article)| LegalBasis { law, article })
            .collect();
        let fine = field(&f, "proposed_fine_yuan");
        let proposed_fine_fen = match fine.trim() {
            "" => None,
            y => Some(super::proceedings::fen_of("proposed_fine_fen", y)?),
        };
        let cmd = SubmitReport {
            case_id: id,
            facts: field(&f, "facts"),
            evidence_ids,
            proposed_handling: field(&f, "proposed_handling"),
            legal_basis,
            proposed_fine_fen,
            benchmark: super::proceedings::benchmark_from_form(&state.app, &f).await?,
            expected_version: v,
        };
        state.app.submit_report(&auth.actor, id, v, cmd).await
    }
    .await;
    after_case_action(
        &state,
        &ctx,
        id,
        result,
        "ui-flash_report_submitted",
        draft("submit-investigation-report", f),
    )
    .await
}

/// Records the case review: agree, send back for supplementary investigation, or another
/// opinion, with the flags for the steps after it.
pub async fn review(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let f = form_fields(&body);
    let result = async {
        let v = form_version(&f)?;
        let opinion = match field(&f, "opinion").as_str() {
            "agree" => Opinion::Agree,
            "supplementary_investigation" => Opinion::SupplementaryInvestigation,
            "other" => Opinion::Other,
            _ => return Err(refused(Reason::new("review.bad_value").field("opinion"))),
        };
        let mut flags = Vec::new();
        for (i, s) in field_all(&f, "flags").iter().enumerate() {
            let flag = FLAGS
                .iter()
                .find(|(v, _)| v == s)
                .map(|(_, f)| *f)
                .ok_or_else(|| {
                    refused(Reason::new("review.bad_value").field(format!("flags[{i}]")))
                })?;
            flags.push(flag);
        }
        let cmd = RecordReview {
            case_id: id,
            opinion,
            reasons: field(&f, "reasons"),
            flags,
            expected_version: v,
        };
        state.app.record_review(&auth.actor, id, v, cmd).await
    }
    .await;
    after_case_action(
        &state,
        &ctx,
        id,
        result,
        "ui-flash_review_recorded",
        draft("record-case-review", f),
    )
    .await
}

/// Records an attempt to intervene in the case; it is confidential from the moment it is
/// written, so the page only says that it was recorded.
pub async fn interference(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let f = form_fields(&body);
    let result = async {
        let when = instant("when", &field(&f, "when")).map_err(refused)?;
        state
            .app
            .record_interference(
                &auth.actor,
                id,
                field(&f, "who"),
                when,
                field(&f, "how"),
                field(&f, "what_was_asked"),
            )
            .await
    }
    .await;
    after_case_action(
        &state,
        &ctx,
        id,
        result,
        "ui-flash_interference_recorded",
        draft("record-interference", f),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every step the domain may list has a name in both languages and a place on the page.
    #[test]
    fn every_step_has_words_and_a_form() {
        for c in domain::case::steps::COMMANDS {
            let (id, anchor) = step_parts(c);
            assert_ne!(id, "ui-step_other", "{c}");
            assert!(!anchor.is_empty(), "{c}");
            for lang in Lang::ALL {
                assert!(app::i18n::has_message(lang, id), "{c}: {id}");
            }
        }
        for id in [
            "ui-record_inspection",
            "ui-record_questioning",
            "ui-record_sampling",
            "ui-preserved_copy_or_photograph",
            "ui-preserved_appraisal",
            "ui-preserved_seal_or_seize",
            "ui-preserved_release",
            "ui-preservation_pending_approval",
            "ui-preservation_in_effect",
            "ui-preservation_decided",
            "ui-preservation_lapsed",
            "ui-preservation_rejected",
            "ui-review_flag_major_public_interest",
            "ui-review_flag_major_rights",
            "ui-review_flag_complex",
            "ui-review_flag_other_law",
            "ui-review_agree",
            "ui-review_supplementary",
            "ui-review_other",
            "record-signature_choice",
            "form-bad_local_time",
        ] {
            for lang in Lang::ALL {
                assert!(app::i18n::has_message(lang, id), "{id}");
            }
        }
    }

    #[test]
    fn local_times_are_china_time() {
        let t = instant("x", "2026-12-06T09:30").unwrap();
        assert_eq!(t.as_datetime().to_rfc3339(), "2026-12-06T01:30:00+00:00");
        assert!(instant("x", "06/12/2026").is_err());
    }
}
