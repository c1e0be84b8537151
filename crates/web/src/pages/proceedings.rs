//! The notice, the party's defence and the hearing on the case workspace (告知、陈述申辩与听证),
//! and the periods not counted toward the case deadline: what happened, with the party's
//! windows computed, and the forms of the steps the reader may take now. Each form posts the
//! version it showed; a refusal shows the page again with the form as it was sent.

use super::cases::{after_case_action, field, field_all, form_fields, form_version, path_id};
use super::investigation::{WsDraft, draft};
use super::{PageCtx, Tr};
use crate::AppState;
use app::AppError;
use app::people::People;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::NaiveDate;
use domain::case::hearing::{Agent, RecordHearing, ScheduleHearing};
use domain::case::notice::IssueAdvanceNotice;
use domain::case::penalty::{Measure, Penalty, PenaltyType};
use domain::case::registration::{Case, LegalBasis};
use domain::case::service::{RecordService, ServiceMethod, served_on_party};
use domain::case::statement::{Answer, AnswerStatement, RecordStatement, RecordWaiver, Right};
use domain::case::tolling::{EndTolling, StartTolling, TollingReason};
use domain::evidence::Evidence;
use domain::time::CHINA_STANDARD_TIME;
use domain::{Reason, Refusal, RefusalKind};
use uuid::Uuid;

/// Rows of penalties the notice form offers.
const PENALTY_ROWS: usize = 3;

/// A value and its words, and whether it is chosen.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

pub struct PenaltyRow {
    pub types: Vec<Opt>,
    pub amount_yuan: String,
    pub period_days: String,
}

pub struct NoticeForm {
    pub open: bool,
    pub rows: Vec<PenaltyRow>,
    pub facts: String,
    pub reasons: String,
    pub new_facts: String,
    /// A later notice: new facts may be stated.
    pub later: bool,
    pub basis: Vec<(String, String)>,
    /// The discretion benchmark in force, to calculate the fine by (one item at a time).
    pub benchmark: Option<BenchmarkPick>,
}

/// The notice form's benchmark: the version, the item, its factors' tiers, the circumstances.
pub struct BenchmarkPick {
    pub used: bool,
    pub label: String,
    pub version: String,
    pub item: String,
    pub item_name: String,
    pub factors: Vec<(String, String, Vec<Opt>)>,
    pub circumstances: Vec<Opt>,
    pub departure_reason: String,
}

pub struct NoticeView {
    pub id: String,
    pub issued_on: String,
    pub issued_by: String,
    pub penalties: Vec<String>,
    pub hearing: bool,
    pub hearing_grounds: String,
    pub facts: String,
    pub new_facts: String,
    pub served: Option<String>,
    pub statement_due: Option<String>,
    pub hearing_due: Option<String>,
    pub in_force: bool,
    /// The benchmark the fine was calculated by, and the departure's reason.
    pub benchmark: String,
    pub departure: String,
}

pub struct ServiceView {
    pub document: String,
    pub method: String,
    pub served_on: String,
    pub recipient: String,
}

pub struct StatementView {
    pub received_on: String,
    /// Each point with its answer (adopted, reason), once answered.
    pub points: Vec<(String, Option<(bool, String)>)>,
    pub answered_by: String,
}

pub struct HearingView {
    pub received_on: String,
    pub host: String,
    pub place: String,
    pub at: String,
    pub agents: String,
    pub outcome: String,
    pub tolled: String,
}

pub struct TolledRow {
    pub reason: String,
    pub from: String,
    pub to: String,
    pub waiting: bool,
}

pub struct Forms {
    pub service: Option<ServiceForm>,
    pub statement: Option<StatementForm>,
    pub answer: Option<AnswerForm>,
    pub waiver: Option<WaiverForm>,
    pub hearing_request: Option<String>,
    pub hearing_schedule: Option<ScheduleForm>,
    pub hearing_record: Option<HearingRecordForm>,
    pub start_tolling: Option<Vec<Opt>>,
    pub end_tolling: Option<Vec<Opt>>,
    pub approve_suspension: bool,
}

pub struct ServiceForm {
    pub documents: Vec<Opt>,
    pub methods: Vec<Opt>,
    pub served_on: String,
    pub recipient: String,
    pub evidence: Vec<Opt>,
}

pub struct StatementForm {
    pub received_on: String,
    pub points: String,
    pub evidence: Vec<Opt>,
}

pub struct AnswerForm {
    pub points: Vec<String>,
}

pub struct WaiverForm {
    pub rights: Vec<Opt>,
    pub received_on: String,
    pub evidence: Vec<Opt>,
}

pub struct ScheduleForm {
    pub hosts: Vec<Opt>,
    pub place: String,
    pub at: String,
    /// The help under the time: the first day it may be.
    pub earliest: String,
    pub agents: Vec<(String, String)>,
}

pub struct HearingRecordForm {
    pub signed_on: String,
    pub evidence: Vec<Opt>,
}

/// A right the party waived: which, when received, and the signed waiver (none for a hearing
/// waived by not attending).
pub struct WaiverView {
    pub right: String,
    pub received_on: String,
    pub evidence: String,
}

/// The section of the workspace.
pub struct NoticeSection {
    pub notices: Vec<NoticeView>,
    pub services: Vec<ServiceView>,
    pub statements: Vec<StatementView>,
    pub waivers: Vec<WaiverView>,
    pub hearings: Vec<HearingView>,
    pub tolled: Vec<TolledRow>,
    pub notice_form: Option<NoticeForm>,
    pub forms: Forms,
}

fn penalty_name(tr: &Tr, t: PenaltyType) -> String {
    tr.t(&format!("ui-penalty_{}", t.as_str()))
}

fn tolling_name(tr: &Tr, r: TollingReason) -> String {
    tr.t(&format!("ui-tolling_{}", r.as_str()))
}

fn method_name(tr: &Tr, m: ServiceMethod) -> String {
    tr.t(&format!("ui-service_{}", m.as_str()))
}

fn evidence_opts(evidence: &[Evidence], chosen: &[String]) -> Vec<Opt> {
    evidence
        .iter()
        .map(|e| Opt {
            value: e.id.to_string(),
            label: e.data.title.clone(),
            chosen: chosen.contains(&e.id.to_string()),
        })
        .collect()
}

/// Fen as yuan for a form ("6000", "12.5").
pub(super) fn yuan_input(fen: i64) -> String {
    let s = format!("{}.{:02}", fen / 100, fen % 100);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A form's amount in yuan (up to two decimals) as fen.
/// "version gd-model-1: ¥200,000.00" for a benchmark a case used; empty for none.
pub(super) fn benchmark_used(tr: &Tr, b: Option<&domain::case::notice::BenchmarkUse>) -> String {
    b.map(|b| {
        tr.with(
            "ui-notice_benchmark_used",
            &[
                ("version", b.version.clone()),
                (
                    "amount",
                    format!("¥{}", domain::case::penalty::yuan(b.amount_fen)),
                ),
            ],
        )
    })
    .unwrap_or_default()
}

/// The benchmark picker of a form (the advance notice, the investigation report): the first
/// item of the version in force, its factors and circumstances, what the form sent.
pub(super) fn benchmark_pick(
    tr: &Tr,
    b: &domain::discretion::Benchmark,
    sent: Option<&[(String, String)]>,
) -> Option<BenchmarkPick> {
    let item = b.items.first()?;
    let v = |n: &str| sent.map(|f| field(f, n)).unwrap_or_default();
    let circumstances = sent.map(|f| field_all(f, "bc")).unwrap_or_default();
    Some(BenchmarkPick {
        used: v("use_benchmark") == "yes",
        label: if b.adopted {
            String::new()
        } else {
            b.label.clone()
        },
        version: b.version.clone(),
        item: item.item.clone(),
        item_name: format!("{}（{}{}）", item.name, item.law, item.article),
        factors: item
            .factors
            .iter()
            .map(|fa| {
                let c = v(&format!("bf.{}", fa.factor));
                (
                    fa.factor.clone(),
                    fa.name.clone(),
                    fa.tiers
                        .iter()
                        .map(|t| Opt {
                            value: t.tier.clone(),
                            label: t.name.clone(),
                            chosen: c == t.tier,
                        })
                        .collect(),
                )
            })
            .collect(),
        circumstances: domain::discretion::Circumstance::ALL
            .iter()
            .filter(|c| !item.excluded_circumstances.contains(c))
            .map(|c| Opt {
                value: c.as_str().to_owned(),
                label: tr.t(&format!("ui-circumstance_{}", c.as_str())),
                chosen: circumstances.iter().any(|x| x == c.as_str()),
            })
            .collect(),
        departure_reason: v("departure_reason"),
    })
}

/// The benchmark a form used (`use_benchmark=yes`), calculated here again; none when unticked.
pub(super) async fn benchmark_from_form(
    app: &app::App,
    f: &[(String, String)],
) -> Result<Option<domain::case::notice::BenchmarkUse>, AppError> {
    if field(f, "use_benchmark") != "yes" {
        return Ok(None);
    }
    let facts: std::collections::BTreeMap<String, String> = f
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("bf.")
                .filter(|_| !v.is_empty())
                .map(|k| (k.to_owned(), v.clone()))
        })
        .collect();
    Ok(Some(
        app.benchmark_use(app::discretion::BenchmarkInput {
            item: field(f, "benchmark_item"),
            version: field(f, "benchmark_version"),
            facts,
            circumstances: field_all(f, "bc"),
            departure_reason: field(f, "departure_reason"),
        })
        .await?,
    ))
}

pub(super) fn fen_of(field_name: &str, v: &str) -> Result<i64, AppError> {
    let bad = || {
        AppError::Refused(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("penalty.measure_out_of_range").field(field_name),
        ))
    };
    let v = v.trim().replace([',', '，'], "");
    let (whole, frac) = v.split_once('.').unwrap_or((&v, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(bad)
}

fn date_of(field_name: &str, v: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::Refused(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("field.bad_date").field(field_name),
        ))
    })
}

fn uuid_of(field_name: &str, v: &str, code: &'static str) -> Result<Uuid, AppError> {
    Uuid::parse_str(v.trim()).map_err(|_| {
        AppError::Refused(Refusal::one(
            RefusalKind::Invalid,
            Reason::new(code).field(field_name),
        ))
    })
}

/// Builds the section for the reader; `None` before there is anything to show or do.
pub async fn section(
    state: &AppState,
    ctx: &PageCtx,
    case: &Case,
    people: &People,
    draft: &WsDraft,
    allowed: &[&'static str],
    evidence: &[Evidence],
) -> Result<Option<NoticeSection>, AppError> {
    let Some(auth) = ctx.auth.as_ref() else {
        return Ok(None);
    };
    let may = |c: &str| allowed.contains(&c);
    let tr = ctx.tr();
    let name = |u: &str| ctx.person_name(people, u);
    let calendar = state.app.calendar();
    let today = state.app.today();
    let p = &case.proceedings;
    let documents = state
        .app
        .case_documents(&auth.actor, case.id)
        .await
        .unwrap_or_default();
    let last = case.notices.last().map(|n| n.id);
    let notices = case
        .notices
        .iter()
        .map(|n| {
            let served = p.notice_served_on(n.id);
            NoticeView {
                id: n.id.to_string(),
                issued_on: n.issued_on.to_string(),
                issued_by: name(&n.issued_by),
                penalties: n
                    .penalties
                    .iter()
                    .map(|x| {
                        let mut s = penalty_name(&tr, x.kind);
                        if let Some(f) = x.amount_fen {
                            s.push_str(&format!(" ¥{}", domain::case::penalty::yuan(f)));
                        }
                        if let Some(d) = x.period_days {
                            s.push_str(&tr.with("ui-days", &[("n", d.to_string())]));
                        }
                        s
                    })
                    .collect(),
                hearing: n.hearing_right(),
                hearing_grounds: n
                    .hearing_grounds
                    .iter()
                    .map(|t| penalty_name(&tr, *t))
                    .collect::<Vec<_>>()
                    .join("、"),
                facts: n.facts.clone(),
                new_facts: n.new_facts.clone(),
                served: served.map(|d| d.to_string()),
                statement_due: served.map(|d| {
                    domain::case::decision::statement_due(&calendar, d, n.statement_days)
                        .to_string()
                }),
                hearing_due: served.filter(|_| n.hearing_right()).map(|d| {
                    domain::case::hearing::request_due(&calendar, d)
                        .value
                        .to_string()
                }),
                in_force: Some(n.id) == last,
                benchmark: benchmark_used(&tr, n.benchmark.as_ref()),
                departure: n
                    .benchmark
                    .as_ref()
                    .map(|b| b.departure_reason.clone())
                    .unwrap_or_default(),
            }
        })
        .collect::<Vec<_>>();
    let doc_title = |id: Uuid| {
        documents
            .iter()
            .find(|d| d.id == id)
            .map(|d| format!("{} {}", d.title, d.number.clone().unwrap_or_default()))
            .unwrap_or_default()
    };
    let services = p
        .services
        .iter()
        .map(|s| ServiceView {
            document: doc_title(s.document_id),
            method: method_name(&tr, s.method),
            served_on: s.served_on.to_string(),
            recipient: s.recipient.clone(),
        })
        .collect::<Vec<_>>();
    let waivers = p
        .waivers
        .iter()
        .map(|w| WaiverView {
            right: tr.t(match w.right {
                domain::case::statement::Right::Statement => "ui-waive_statement",
                domain::case::statement::Right::Hearing => "ui-waive_hearing",
            }),
            received_on: w.received_on.to_string(),
            evidence: w
                .evidence_id
                .map(|id| {
                    evidence
                        .iter()
                        .find(|e| e.id == id)
                        .map(|e| e.data.title.clone())
                        .unwrap_or_else(|| tr.t("ui-evidence_unreadable"))
                })
                .unwrap_or_default(),
        })
        .collect::<Vec<_>>();
    let statements = p
        .statements
        .iter()
        .map(|s| StatementView {
            received_on: s.received_on.to_string(),
            points: s
                .points
                .iter()
                .enumerate()
                .map(|(i, pt)| {
                    let a = s
                        .answers
                        .iter()
                        .find(|a| a.point == i)
                        .map(|a| (a.adopted, a.reason.clone()));
                    (pt.clone(), a)
                })
                .collect(),
            answered_by: s.answered_by.as_deref().map(name).unwrap_or_default(),
        })
        .collect::<Vec<_>>();
    let local = |t: domain::Timestamp| {
        t.as_datetime()
            .with_timezone(&CHINA_STANDARD_TIME)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let hearings = p
        .hearings
        .iter()
        .map(|h| {
            let s = h.schedule.as_ref();
            HearingView {
                received_on: h.received_on.to_string(),
                host: s.map(|s| name(&s.host)).unwrap_or_default(),
                place: s.map(|s| s.place.clone()).unwrap_or_default(),
                at: s.map(|s| local(s.at)).unwrap_or_default(),
                agents: s
                    .map(|s| {
                        s.agents
                            .iter()
                            .map(|a| format!("{}（{}）", a.name, a.relation))
                            .collect::<Vec<_>>()
                            .join("、")
                    })
                    .unwrap_or_default(),
                outcome: match &h.outcome {
                    None => String::new(),
                    Some(o) if o.waived() => {
                        tr.with("ui-hearing_waived_on", &[("date", o.signed_on.to_string())])
                    }
                    Some(o) => tr.with("ui-hearing_held_on", &[("date", o.signed_on.to_string())]),
                },
                tolled: h
                    .tolling()
                    .map(|t| {
                        format!(
                            "{} – {}",
                            t.start,
                            t.end
                                .map(|e| e.to_string())
                                .unwrap_or_else(|| tr.t("ui-tolling_open"))
                        )
                    })
                    .unwrap_or_default(),
            }
        })
        .collect::<Vec<_>>();
    let mut tolled: Vec<TolledRow> = p
        .tollings
        .iter()
        .map(|t| TolledRow {
            reason: tolling_name(&tr, t.reason),
            from: t.from.to_string(),
            to: t
                .to
                .map(|d| d.to_string())
                .unwrap_or_else(|| tr.t("ui-tolling_open")),
            waiting: t.in_effect().is_none(),
        })
        .collect();
    for h in &p.hearings {
        if let Some(t) = h.tolling() {
            tolled.push(TolledRow {
                reason: tolling_name(&tr, TollingReason::Hearing),
                from: t.start.to_string(),
                to: t
                    .end
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| tr.t("ui-tolling_open")),
                waiting: false,
            });
        }
    }

    let sent = |form: &str| draft.of(form);
    let v =
        |form: &str, n: &str, default: String| sent(form).map(|f| field(f, n)).unwrap_or(default);
    let all = |form: &str, n: &str| sent(form).map(|f| field_all(f, n)).unwrap_or_default();
    let today_s = today.to_string();

    // Read only for the form that offers it (not on every view of the case).
    let benchmarks = if may("issue-advance-notice") {
        state.app.benchmarks().await?
    } else {
        Vec::new()
    };
    let in_force = benchmarks.iter().rev().find(|b| b.effective_on <= today);
    let notice_form = may("issue-advance-notice").then(|| {
        let f = sent("issue-advance-notice");
        let types = all("issue-advance-notice", "type");
        let amounts = all("issue-advance-notice", "amount_yuan");
        let periods = all("issue-advance-notice", "period_days");
        let previous = case.notices.last();
        let rows = (0..PENALTY_ROWS)
            .map(|i| {
                let from_last = previous
                    .and_then(|n| n.penalties.get(i))
                    .filter(|_| f.is_none());
                let chosen = types
                    .get(i)
                    .cloned()
                    .or_else(|| from_last.map(|p| p.kind.as_str().to_owned()))
                    .unwrap_or_default();
                PenaltyRow {
                    types: PenaltyType::ALL
                        .iter()
                        .map(|t| Opt {
                            value: t.as_str().to_owned(),
                            label: penalty_name(&tr, *t),
                            chosen: chosen == t.as_str(),
                        })
                        .collect(),
                    amount_yuan: amounts.get(i).cloned().unwrap_or_else(|| {
                        from_last
                            .and_then(|p| p.amount_fen)
                            .map(yuan_input)
                            .unwrap_or_default()
                    }),
                    period_days: periods.get(i).cloned().unwrap_or_else(|| {
                        from_last
                            .and_then(|p| p.period_days)
                            .map(|d| d.to_string())
                            .unwrap_or_default()
                    }),
                }
            })
            .collect();
        let mut basis: Vec<(String, String)> = all("issue-advance-notice", "law")
            .into_iter()
            .zip(all("issue-advance-notice", "article"))
            .collect();
        if basis.is_empty() {
            let from = previous
                .map(|n| n.legal_basis.clone())
                .or_else(|| case.report.as_ref().map(|r| r.legal_basis.clone()))
                .unwrap_or_else(|| case.facts.legal_basis.clone());
            basis = from.into_iter().map(|b| (b.law, b.article)).collect();
        }
        if basis.is_empty() {
            basis.push((String::new(), String::new()));
        }
        let pick = in_force.and_then(|b| benchmark_pick(&tr, b, f));
        NoticeForm {
            benchmark: pick,
            open: f.is_some(),
            rows,
            facts: v(
                "issue-advance-notice",
                "facts",
                previous
                    .map(|n| n.facts.clone())
                    .or_else(|| case.report.as_ref().map(|r| r.facts.clone()))
                    .unwrap_or_default(),
            ),
            reasons: v(
                "issue-advance-notice",
                "reasons",
                previous.map(|n| n.reasons.clone()).unwrap_or_default(),
            ),
            new_facts: v("issue-advance-notice", "new_facts", String::new()),
            later: previous.is_some(),
            basis,
        }
    });

    let party_name = match &case.facts.party {
        Some(domain::case::party::Party::Person { name, .. })
        | Some(domain::case::party::Party::Organisation { name, .. }) => name.clone(),
        _ => String::new(),
    };
    let service = may("record-service")
        .then(|| {
            let chosen = v("record-service", "document_id", String::new());
            let documents: Vec<Opt> = documents
                .iter()
                .filter(|d| served_on_party(d.kind) && p.service_of(d.id).is_none())
                .map(|d| Opt {
                    value: d.id.to_string(),
                    label: format!(
                        "{} {} ({})",
                        d.title,
                        d.number.clone().unwrap_or_default(),
                        d.issued_on
                    ),
                    chosen: chosen == d.id.to_string(),
                })
                .collect();
            let method = v("record-service", "method", "direct".into());
            (!documents.is_empty()).then(|| ServiceForm {
                documents,
                methods: ServiceMethod::ALL
                    .iter()
                    .map(|m| Opt {
                        value: m.as_str().to_owned(),
                        label: method_name(&tr, *m),
                        chosen: method == m.as_str(),
                    })
                    .collect(),
                served_on: v("record-service", "served_on", today_s.clone()),
                recipient: v("record-service", "recipient", party_name.clone()),
                evidence: evidence_opts(evidence, &all("record-service", "proof_evidence_id")),
            })
        })
        .flatten();
    let statement = may("record-statement").then(|| StatementForm {
        received_on: v("record-statement", "received_on", today_s.clone()),
        points: v("record-statement", "points", String::new()),
        evidence: evidence_opts(evidence, &all("record-statement", "evidence_ids")),
    });
    let answer = may("answer-statement")
        .then(|| {
            p.statements
                .iter()
                .find(|s| !s.answered())
                .map(|s| AnswerForm {
                    points: s.points.clone(),
                })
        })
        .flatten();
    let waiver = may("record-waiver").then(|| {
        let right = v("record-waiver", "right", String::new());
        let hearing_right = last_hearing_right(case);
        WaiverForm {
            rights: [
                ("statement", "ui-waive_statement"),
                ("hearing", "ui-waive_hearing"),
            ]
            .iter()
            .filter(|(r, _)| *r == "statement" || hearing_right)
            .map(|(r, label)| Opt {
                value: (*r).to_owned(),
                label: tr.t(label),
                chosen: right == *r,
            })
            .collect(),
            received_on: v("record-waiver", "received_on", today_s.clone()),
            evidence: evidence_opts(evidence, &all("record-waiver", "evidence_id")),
        }
    });
    let hearing_request =
        may("request-hearing").then(|| v("request-hearing", "received_on", today_s.clone()));
    let team: Vec<String> = case
        .team
        .as_ref()
        .map(|t| t.officers.iter().chain(&t.assistants).cloned().collect())
        .unwrap_or_default();
    let hearing_schedule = may("schedule-hearing").then(|| {
        let host = v("schedule-hearing", "host", String::new());
        let earliest = domain::case::hearing::earliest_hearing(&calendar, today).value;
        let names = all("schedule-hearing", "agent_name");
        let relations = all("schedule-hearing", "agent_relation");
        ScheduleForm {
            hosts: people
                .all()
                .into_iter()
                .filter(|(u, _)| !team.iter().any(|t| t == u) && *u != "system")
                .map(|(u, person)| Opt {
                    value: u.to_owned(),
                    label: person.display_name.clone(),
                    chosen: host == u,
                })
                .collect(),
            place: v("schedule-hearing", "place", String::new()),
            at: v("schedule-hearing", "at", format!("{earliest}T09:00")),
            earliest: tr.with("ui-hearing_at_help", &[("date", earliest.to_string())]),
            agents: (0..domain::case::hearing::MAX_AGENTS)
                .map(|i| {
                    (
                        names.get(i).cloned().unwrap_or_default(),
                        relations.get(i).cloned().unwrap_or_default(),
                    )
                })
                .collect(),
        }
    });
    let hearing_record = may("record-hearing").then(|| HearingRecordForm {
        signed_on: v("record-hearing", "signed_on", today_s.clone()),
        evidence: evidence_opts(evidence, &all("record-hearing", "record_evidence_id")),
    });
    let start_tolling = may("start-tolling").then(|| {
        let chosen = v("start-tolling", "reason", String::new());
        TollingReason::STARTED
            .iter()
            .map(|r| Opt {
                value: r.as_str().to_owned(),
                label: tolling_name(&tr, *r),
                chosen: chosen == r.as_str(),
            })
            .collect()
    });
    let end_tolling = may("end-tolling").then(|| {
        p.tollings
            .iter()
            .filter(|t| t.is_open())
            .map(|t| Opt {
                value: t.reason.as_str().to_owned(),
                label: format!("{} ({})", tolling_name(&tr, t.reason), t.from),
                chosen: false,
            })
            .collect()
    });
    let forms = Forms {
        service,
        statement,
        answer,
        waiver,
        hearing_request,
        hearing_schedule,
        hearing_record,
        start_tolling,
        end_tolling,
        approve_suspension: may("approve-suspension"),
    };
    let nothing = notices.is_empty()
        && tolled.is_empty()
        && notice_form.is_none()
        && forms.start_tolling.is_none();
    if nothing {
        return Ok(None);
    }
    Ok(Some(NoticeSection {
        notices,
        services,
        waivers,
        statements,
        hearings,
        tolled,
        notice_form,
        forms,
    }))
}

/// Whether the notice in force gives a hearing right.
pub fn last_hearing_right(case: &Case) -> bool {
    case.notices.last().is_some_and(|n| n.hearing_right())
}

/// The commands of this section, with the flash each success shows.
const ACTIONS: &[(&str, &str)] = &[
    ("issue-advance-notice", "ui-flash_notice_issued"),
    ("record-service", "ui-flash_service_recorded"),
    ("record-statement", "ui-flash_statement_recorded"),
    ("answer-statement", "ui-flash_statement_answered"),
    ("record-waiver", "ui-flash_waiver_recorded"),
    ("request-hearing", "ui-flash_hearing_requested"),
    ("schedule-hearing", "ui-flash_hearing_scheduled"),
    ("record-hearing", "ui-flash_hearing_recorded"),
    ("start-tolling", "ui-flash_tolling_started"),
    ("end-tolling", "ui-flash_tolling_ended"),
    ("approve-suspension", "ui-flash_suspension_approved"),
];

fn invalid(reason: Reason) -> AppError {
    AppError::Refused(Refusal::one(RefusalKind::Invalid, reason))
}

/// One of the section's forms, sent to the command of the same name.
async fn run(
    state: &AppState,
    actor: &domain::Actor,
    id: Uuid,
    action: &str,
    f: &[(String, String)],
) -> Result<(), AppError> {
    let v = form_version(f)?;
    let app = &state.app;
    match action {
        "issue-advance-notice" => {
            let types = field_all(f, "type");
            let amounts = field_all(f, "amount_yuan");
            let periods = field_all(f, "period_days");
            let mut penalties = Vec::new();
            for (i, t) in types.iter().enumerate() {
                if t.trim().is_empty() {
                    continue;
                }
                let kind = PenaltyType::parse(t).ok_or_else(|| {
                    invalid(
                        Reason::new("penalty.unknown_type")
                            .field(format!("penalties[{i}].type"))
                            .arg("type", t),
                    )
                })?;
                let amount = amounts.get(i).map(|s| s.trim()).unwrap_or("");
                let period = periods.get(i).map(|s| s.trim()).unwrap_or("");
                // Only the measure the type has is read: a stale value in the other box is
                // not sent.
                let (amount_fen, period_days) = match kind.measure() {
                    Measure::Amount if !amount.is_empty() => (
                        Some(fen_of(&format!("penalties[{i}].amount_fen"), amount)?),
                        None,
                    ),
                    Measure::Period if !period.is_empty() => (
                        None,
                        Some(period.parse::<i64>().map_err(|_| {
                            invalid(
                                Reason::new("penalty.measure_out_of_range")
                                    .field(format!("penalties[{i}].period_days")),
                            )
                        })?),
                    ),
                    _ => (None, None),
                };
                penalties.push(Penalty {
                    kind,
                    amount_fen,
                    period_days,
                });
            }
            let legal_basis = field_all(f, "law")
                .into_iter()
                .zip(field_all(f, "article"))
                .filter(|(l, a)| !l.trim().is_empty() || !a.trim().is_empty())
                .map(|(law, article)| LegalBasis { law, article })
                .collect();
            // The benchmark, when the officer used it: calculated here again; a fine left out
            // takes its amount.
            let benchmark = benchmark_from_form(app, f).await?;
            if let Some(used) = &benchmark {
                for p in penalties.iter_mut() {
                    if p.kind == PenaltyType::Fine && p.amount_fen.is_none() {
                        p.amount_fen = Some(used.amount_fen);
                    }
                }
                if !penalties.iter().any(|p| p.kind == PenaltyType::Fine) {
                    penalties.push(Penalty {
                        kind: PenaltyType::Fine,
                        amount_fen: Some(used.amount_fen),
                        period_days: None,
                    });
                }
            }
            let cmd = IssueAdvanceNotice {
                case_id: id,
                id: Uuid::nil(),
                penalties,
                facts: field(f, "facts"),
                reasons: field(f, "reasons"),
                legal_basis,
                new_facts: field(f, "new_facts"),
                benchmark,
                expected_version: v,
            };
            app.issue_advance_notice(actor, id, v, cmd).await?;
        }
        "record-service" => {
            let method = field(f, "method");
            let cmd = RecordService {
                case_id: id,
                document_id: uuid_of(
                    "document_id",
                    &field(f, "document_id"),
                    "service.document_unknown",
                )?,
                method: ServiceMethod::parse(&method).ok_or_else(|| {
                    invalid(
                        Reason::new("service.unknown_method")
                            .field("method")
                            .arg("value", &method),
                    )
                })?,
                served_on: date_of("served_on", &field(f, "served_on"))?,
                recipient: field(f, "recipient"),
                proof_evidence_id: uuid_of(
                    "proof_evidence_id",
                    &field(f, "proof_evidence_id"),
                    "record.evidence_unknown",
                )?,
                // One witness a line.
                witnesses: field(f, "witnesses")
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect(),
                consent_evidence_id: match field(f, "consent_evidence_id").trim() {
                    "" => None,
                    s => Some(uuid_of(
                        "consent_evidence_id",
                        s,
                        "record.evidence_unknown",
                    )?),
                },
                late_reason: field(f, "late_reason"),
                notice_grounds: field(f, "notice_grounds"),
                expected_version: v,
            };
            app.record_service(actor, id, v, cmd).await?;
        }
        "record-statement" => {
            let points = field(f, "points")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            let mut evidence_ids = Vec::new();
            for (i, s) in field_all(f, "evidence_ids").iter().enumerate() {
                evidence_ids.push(uuid_of(
                    &format!("evidence_ids[{i}]"),
                    s,
                    "record.evidence_unknown",
                )?);
            }
            let cmd = RecordStatement {
                case_id: id,
                received_on: date_of("received_on", &field(f, "received_on"))?,
                points,
                evidence_ids,
                expected_version: v,
            };
            app.record_statement(actor, id, v, cmd).await?;
        }
        "answer-statement" => {
            let reasons = field_all(f, "reason");
            let mut answers = Vec::new();
            for (i, reason) in reasons.into_iter().enumerate() {
                let adopted = match field(f, &format!("adopted_{i}")).as_str() {
                    "yes" => true,
                    "no" => false,
                    _ => {
                        return Err(invalid(
                            Reason::new("field.required").field(format!("answers[{i}].adopted")),
                        ));
                    }
                };
                answers.push(Answer {
                    point: i,
                    adopted,
                    reason,
                });
            }
            let cmd = AnswerStatement {
                case_id: id,
                answers,
                expected_version: v,
            };
            app.answer_statement(actor, id, v, cmd).await?;
        }
        "record-waiver" => {
            let right = match field(f, "right").as_str() {
                "statement" => Right::Statement,
                "hearing" => Right::Hearing,
                other => {
                    return Err(invalid(
                        Reason::new("waiver.unknown_right")
                            .field("right")
                            .arg("value", other),
                    ));
                }
            };
            let cmd = RecordWaiver {
                case_id: id,
                right,
                received_on: date_of("received_on", &field(f, "received_on"))?,
                evidence_id: uuid_of(
                    "evidence_id",
                    &field(f, "evidence_id"),
                    "record.evidence_unknown",
                )?,
                expected_version: v,
            };
            app.record_waiver(actor, id, v, cmd).await?;
        }
        "request-hearing" => {
            let received_on = date_of("received_on", &field(f, "received_on"))?;
            app.request_hearing(actor, id, v, received_on).await?;
        }
        "schedule-hearing" => {
            let at = super::investigation::instant("at", &field(f, "at")).map_err(invalid)?;
            let agents = field_all(f, "agent_name")
                .into_iter()
                .zip(field_all(f, "agent_relation"))
                .filter(|(n, r)| !n.trim().is_empty() || !r.trim().is_empty())
                .map(|(name, relation)| Agent { name, relation })
                .collect();
            let cmd = ScheduleHearing {
                case_id: id,
                host: field(f, "host"),
                place: field(f, "place"),
                at,
                agents,
                expected_version: v,
            };
            app.schedule_hearing(actor, id, v, cmd).await?;
        }
        "record-hearing" => {
            let attended = match field(f, "attended").as_str() {
                "yes" => true,
                "no" => false,
                _ => return Err(invalid(Reason::new("field.required").field("attended"))),
            };
            let cmd = RecordHearing {
                case_id: id,
                attended,
                left_without_permission: field(f, "left_without_permission") == "yes",
                record_evidence_id: uuid_of(
                    "record_evidence_id",
                    &field(f, "record_evidence_id"),
                    "record.evidence_unknown",
                )?,
                signed_on: date_of("signed_on", &field(f, "signed_on"))?,
                expected_version: v,
            };
            app.record_hearing(actor, id, v, cmd).await?;
        }
        "start-tolling" => {
            let reason = field(f, "reason");
            let cmd = StartTolling {
                case_id: id,
                reason: TollingReason::parse_started(&reason).ok_or_else(|| {
                    invalid(
                        Reason::new("tolling.unknown_reason")
                            .field("reason")
                            .arg("value", &reason),
                    )
                })?,
                from: date_of("from", &field(f, "from"))?,
                expected_version: v,
            };
            app.start_tolling(actor, id, v, cmd).await?;
        }
        "end-tolling" => {
            let reason = field(f, "reason");
            let cmd = EndTolling {
                case_id: id,
                reason: if reason.trim().is_empty() {
                    None
                } else {
                    Some(TollingReason::parse_started(&reason).ok_or_else(|| {
                        invalid(
                            Reason::new("tolling.unknown_reason")
                                .field("reason")
                                .arg("value", &reason),
                        )
                    })?)
                },
                to: date_of("to", &field(f, "to"))?,
                expected_version: v,
            };
            app.end_tolling(actor, id, v, cmd).await?;
        }
        "approve-suspension" => {
            app.approve_suspension(actor, id, v).await?;
        }
        _ => return Err(Refusal::not_found().into()),
    }
    Ok(())
}

/// `POST /cases/{id}/<action>` for each of the section's forms.
pub fn routes(router: axum::Router<AppState>) -> axum::Router<AppState> {
    ACTIONS.iter().fold(router, |router, (action, flash)| {
        router.route(
            &format!("/cases/{{id}}/{action}"),
            axum::routing::post(
                move |State(state): State<AppState>,
                      ctx: PageCtx,
                      Path(id): Path<String>,
                      body: axum::body::Bytes| async move {
                    act(state, ctx, id, action, flash, body).await
                },
            ),
        )
    })
}

async fn act(
    state: AppState,
    ctx: PageCtx,
    id: String,
    action: &'static str,
    flash: &'static str,
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
    let result = run(&state, &auth.actor, id, action, &f).await;
    after_case_action(&state, &ctx, id, result, flash, draft(action, f)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_yuan_become_fen() {
        assert_eq!(fen_of("x", "6000").unwrap(), 600_000);
        assert_eq!(fen_of("x", "12.5").unwrap(), 1250);
        assert_eq!(fen_of("x", "200,000.01").unwrap(), 20_000_001);
        for bad in ["", "-5", "1.234", "1e3", "五千", "."] {
            assert!(fen_of("x", bad).is_err(), "{bad}");
        }
        assert_eq!(yuan_input(600_000), "6000");
        assert_eq!(yuan_input(1250), "12.5");
    }

    #[test]
    fn every_action_has_words() {
        use app::i18n::Lang;
        for (_, flash) in ACTIONS {
            assert!(
                crate::pages::FLASHES.contains(flash),
                "{flash} is a known flash"
            );
        }
        let mut ids: Vec<String> = ACTIONS.iter().map(|(_, f)| (*f).to_owned()).collect();
        ids.extend(
            PenaltyType::ALL
                .iter()
                .map(|t| format!("ui-penalty_{}", t.as_str())),
        );
        ids.extend(
            TollingReason::STARTED
                .iter()
                .chain([&TollingReason::Hearing])
                .map(|r| format!("ui-tolling_{}", r.as_str())),
        );
        ids.extend(
            ServiceMethod::ALL
                .iter()
                .map(|m| format!("ui-service_{}", m.as_str())),
        );
        for id in ids {
            for lang in Lang::ALL {
                assert!(app::i18n::has_message(lang, &id), "{id}");
            }
        }
    }
}
