//! A case's documents: the data each template is filled with, issuing (the PDF rendered inside
//! the issuing command's transaction, so its event holds the bytes' SHA-256 and a numbered
//! document takes its 文号 from the counter there), the list and the PDFs, signatures.

use super::{Written, case_or_missing, written};
use crate::{App, AppError};
use chrono::Datelike;
use domain::case::document::{
    Document, DocumentKind, IssueDocument, IssueDocumentState, Numbered, Rendered, SignDocument,
    SignDocumentState, SignatureEntry, SubjectKind,
};
use domain::case::party::Party;
use domain::case::registration::Case;
use domain::permission::{Capability, require};
use domain::unit::UnitKind;
use domain::{Actor, Reason, Refusal, RefusalKind};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Digest;
use std::sync::Arc;
use uuid::Uuid;

/// How the documents of one kind are numbered (文号): the counter's type code, and the patterns
/// for a brigade's case and the detachment's, with `{county}` (the branch's short name),
/// `{year}` and `{n}` filled in. Kinds with the same `sequence` share one counter; a penalty
/// decision that shares the advance notice's sequence reuses its notice's n (the notice and
/// its decision carry one number, in some bureaus). UNCONFIRMED for Xishuangbanna
/// (documents.md §3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentNumber {
    pub sequence: String,
    pub brigade: String,
    pub detachment: String,
}

/// The shipped 文号 patterns: guesses in the bureau's known style (西环…), marked unconfirmed
/// on the settings page. Kinds without one are not numbered (records, reports, opinions show
/// the case number).
pub fn default_document_numbers() -> std::collections::BTreeMap<String, DocumentNumber> {
    [
        ("preservation_notice", "保存"),
        ("recusal_decision", "回避"),
        // The two forms of the advance notice share one counter.
        ("advance_notice", "罚告"),
        ("advance_notice_hearing", "罚告"),
        ("hearing_notice", "听通"),
        // The decision's own sequence; a bureau whose decision takes its notice's number gives
        // both the same `sequence` (the decision then reuses the notice's n).
        ("penalty_decision", "罚"),
        ("no_penalty_decision", "不罚"),
    ]
    .into_iter()
    .map(|(kind, code)| {
        (
            kind.to_owned(),
            DocumentNumber {
                sequence: code.to_owned(),
                brigade: format!("西环{code}（{{county}}）〔{{year}}〕{{n}}号"),
                detachment: format!("西环{code}〔{{year}}〕{{n}}号"),
            },
        )
    })
    .collect()
}

/// A document as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct DocumentView {
    pub id: Uuid,
    pub kind: DocumentKind,
    pub title: String,
    pub number: Option<String>,
    pub issued_on: chrono::NaiveDate,
    pub sha256: String,
    pub size: i64,
    pub subject: Option<String>,
    pub verify_code: String,
    pub verify_url: String,
    /// Characters no font could draw (a warning on the document).
    pub missing_glyphs: String,
    pub signatures: Vec<SignatureEntry>,
}

/// What the public check page shows of a document: never the party.
#[derive(Clone, Debug, Serialize)]
pub struct PublicDocument {
    pub organ: String,
    pub kind: DocumentKind,
    pub title: String,
    pub number: Option<String>,
    pub issued_on: chrono::NaiveDate,
    pub sha256: String,
    pub size: i64,
    pub verify_code: String,
}

/// A date as Chinese documents print it: 2026年12月2日 (no zero padding, GB/T 9704).
pub fn zh_date(d: chrono::NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// An instant in China Standard Time as records print it: 2026年12月2日9时30分.
pub fn zh_time(t: domain::Timestamp) -> String {
    use chrono::Timelike;
    let l = t
        .as_datetime()
        .with_timezone(&domain::time::CHINA_STANDARD_TIME);
    format!(
        "{}年{}月{}日{}时{}分",
        l.year(),
        l.month(),
        l.day(),
        l.hour(),
        l.minute()
    )
}

fn basis_text(b: &domain::case::registration::LegalBasis) -> String {
    let article = b.article.trim();
    if !article.is_empty() && article.chars().all(|c| c.is_ascii_digit()) {
        format!("{}第{}条", b.law, article)
    } else {
        format!("{}{}", b.law, article)
    }
}

fn not_found_kind(kind: &str) -> AppError {
    AppError::Refused(Refusal::one(
        RefusalKind::Invalid,
        Reason::new("document.unknown_kind")
            .field("kind")
            .arg("kind", kind),
    ))
}

impl App {
    /// The issuing organ (the prefecture's bureau) and whether it is demo data.
    async fn organ(&self) -> Result<(String, bool), AppError> {
        Ok(organ_of(&self.units().await?))
    }

    /// The address printed under a document's QR.
    pub fn verify_url(&self, code: &str) -> String {
        format!(
            "{}/verify/{code}",
            self.settings.public_url.trim_end_matches('/')
        )
    }

    /// The party as documents print it: name, address, identifier and representative. A
    /// person's ID number is printed masked: the full number stays sealed.
    async fn party_data(&self, case: &Case) -> Result<Value, AppError> {
        Ok(match &case.facts.party {
            Some(Party::Entity { entity_id }) => {
                match self.store.entity(&store::Scope::all(), *entity_id).await? {
                    Some(e) => json!({
                        "name": e.data.name, "address": e.data.address,
                        "id_label": "统一社会信用代码", "id_number": e.data.uscc,
                        "representative": e.data.legal_representative,
                    }),
                    None => json!({}),
                }
            }
            Some(Party::Person {
                name,
                id_number_masked,
                ..
            }) => json!({
                "name": name, "id_label": "公民身份号码", "id_number": id_number_masked,
            }),
            Some(Party::Organisation { name, uscc }) => json!({
                "name": name, "id_label": "统一社会信用代码",
                "id_number": uscc.clone().unwrap_or_default(),
            }),
            Some(Party::Unidentified) | None => json!({}),
        })
    }

    /// What the template of `kind` is filled with, from the case as the reader sees it; `None`
    /// when the subject names nothing of this case (the decision says why).
    pub(super) async fn document_data(
        &self,
        actor: &Actor,
        case: &Case,
        kind: DocumentKind,
        subject: Option<&str>,
    ) -> Result<Option<Value>, AppError> {
        let (organ, demo) = self.organ().await?;
        let people = self.people().await?;
        let name = |u: &str| {
            people
                .get(u)
                .map(|p| p.display_name.clone())
                .unwrap_or_else(|| u.to_owned())
        };
        let officer = |u: &str| {
            json!({
                "name": name(u),
                "certificate": people.get(u).and_then(|p| p.certificate.clone()).unwrap_or_default(),
            })
        };
        let party = self.party_data(case).await?;
        let party_name = party.get("name").cloned().unwrap_or(json!(""));
        let team: Vec<String> = case
            .team
            .as_ref()
            .map(|t| t.officers.iter().map(|o| name(o)).collect())
            .unwrap_or_default();
        let mut d = json!({
            "organ": organ, "demo": demo, "kind": kind.as_str(),
            "case_number": case.number.clone().unwrap_or_default(),
            "cause": case.facts.violation,
        });
        let extra = match kind.subject() {
            SubjectKind::Record(_) => {
                let Some(id) = subject.and_then(|s| Uuid::parse_str(s).ok()) else {
                    return Ok(None);
                };
                let Some(entry) = self
                    .case_records(actor, case.id)
                    .await?
                    .into_iter()
                    .find(|r| r.record.id == id)
                else {
                    return Ok(None);
                };
                let r = &entry.record;
                let mut evidence = Vec::new();
                for e in &r.evidence_ids {
                    if let Some(ev) = self.store.evidence(&store::Scope::all(), *e).await? {
                        evidence.push(ev.data.title);
                    }
                }
                let mut v = json!({
                    "started_at": zh_time(r.started_at), "ended_at": zh_time(r.ended_at),
                    "officers": r.officers.iter().map(|o| officer(o)).collect::<Vec<_>>(),
                    "recorder": name(&entry.recorded_by),
                    "evidence": evidence,
                    "signature": {"signed": r.signature.signed, "refusal": r.signature.refusal},
                });
                use domain::case::record::RecordContent;
                let content = match &r.content {
                    RecordContent::Inspection {
                        place,
                        present,
                        observed,
                    } => json!({
                        "place": place, "present": present, "observed": observed,
                        "inspected": party,
                    }),
                    RecordContent::Questioning {
                        place,
                        person,
                        exchanges,
                    } => json!({
                        "place": place,
                        "person": {"name": person.name, "id_number": person.id_number_masked},
                        "exchanges": exchanges,
                    }),
                    RecordContent::Sampling { place, points, lab } => {
                        json!({"place": place, "points": points, "lab": lab})
                    }
                };
                merge(&mut v, content);
                v
            }
            SubjectKind::Preservation => {
                let id = subject.and_then(|s| Uuid::parse_str(s).ok());
                let Some(p) = case.preservations.iter().find(|p| Some(p.id) == id) else {
                    return Ok(None);
                };
                json!({
                    "party": party_name,
                    "date": p.effective_at.map(|t| zh_date(t.china_date())).unwrap_or_default(),
                    "items": p.items,
                })
            }
            SubjectKind::Recusal => {
                let Some(r) = subject
                    .and_then(|s| s.parse::<usize>().ok())
                    .and_then(|i| case.recusals.get(i))
                else {
                    return Ok(None);
                };
                let Some(dec) = &r.decision else {
                    return Ok(None);
                };
                json!({
                    "addressee": if r.by == domain::case::recusal::RecusalBy::Party {
                        party_name.clone()
                    } else {
                        json!(name(&r.officer))
                    },
                    "requested_by": name(&r.requested_by),
                    "officer": name(&r.officer),
                    "grounds": r.grounds,
                    "decided_by": if dec.collective { "集体讨论".to_owned() } else { name(&dec.decided_by) },
                    "decision": if dec.granted { "准予回避" } else { "不予回避" },
                    "reasons": dec.reasons,
                    "date": zh_date(self.clock.now().china_date()),
                })
            }
            SubjectKind::Notice => {
                let id = subject.and_then(|s| Uuid::parse_str(s).ok());
                let Some(n) = case.notices.iter().find(|n| Some(n.id) == id) else {
                    return Ok(None);
                };
                let discretion = self.discretion_text(n).await?;
                json!({
                    "discretion": discretion,
                    "party": party,
                    "facts": n.facts, "new_facts": n.new_facts, "reasons": n.reasons,
                    "legal_basis": n.legal_basis.iter().map(basis_text).collect::<Vec<_>>(),
                    "penalties": n.penalties.iter().map(|p| p.text_zh()).collect::<Vec<_>>(),
                    "hearing_grounds": n.hearing_grounds.iter().map(|t| t.title_zh()).collect::<Vec<_>>(),
                    "statement_days": n.statement_days,
                    "hearing_days": domain::case::hearing::REQUEST_DAYS,
                    "officers": team,
                    "date": zh_date(n.issued_on),
                })
            }
            SubjectKind::Statement => {
                let Some(st) = subject
                    .and_then(|s| s.parse::<usize>().ok())
                    .and_then(|i| case.proceedings.statements.get(i))
                else {
                    return Ok(None);
                };
                let mut evidence = Vec::new();
                for e in &st.evidence_ids {
                    if let Some(ev) = self.store.evidence(&store::Scope::all(), *e).await? {
                        evidence.push(ev.data.title);
                    }
                }
                let points: Vec<Value> = st
                    .points
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let a = st.answers.iter().find(|a| a.point == i);
                        json!({
                            "point": p,
                            "adopted": a.map(|a| if a.adopted { "采纳" } else { "不予采纳" }).unwrap_or(""),
                            "reason": a.map(|a| a.reason.clone()).unwrap_or_default(),
                        })
                    })
                    .collect();
                json!({
                    "party": party_name, "received_on": zh_date(st.received_on),
                    "points": points, "evidence": evidence,
                    "recorder": name(&st.recorded_by),
                    "answered_by": st.answered_by.as_deref().map(name).unwrap_or_default(),
                    "date": zh_date(self.clock.now().china_date()),
                })
            }
            SubjectKind::HearingSchedule | SubjectKind::Hearing => {
                let index = subject
                    .and_then(|s| s.split('.').next())
                    .and_then(|s| s.parse::<usize>().ok());
                let Some(h) = index.and_then(|i| case.proceedings.hearings.get(i)) else {
                    return Ok(None);
                };
                let Some(sch) = &h.schedule else {
                    return Ok(None);
                };
                let outcome = h.outcome.as_ref().map(|o| {
                    json!({
                        "attended": if !o.attended { "当事人无正当理由未出席，视为放弃听证" }
                            else if o.left_without_permission { "当事人未经许可中途退出，视为放弃听证" }
                            else { "当事人出席" },
                        "signed_on": zh_date(o.signed_on),
                    })
                });
                json!({
                    "party": party_name,
                    "at": zh_time(sch.at), "place": sch.place, "host": name(&sch.host),
                    "agents": sch.agents.iter().map(|a| format!("{}（{}）", a.name, a.relation)).collect::<Vec<_>>(),
                    "requested_on": zh_date(h.received_on),
                    "recusal_days": self.settings.host_recusal_days,
                    "officers": team,
                    "outcome": outcome,
                    "date": zh_date(self.clock.now().china_date()),
                })
            }
            SubjectKind::LegalReview => {
                let Some(r) = subject
                    .and_then(|s| s.parse::<usize>().ok())
                    .and_then(|i| case.proceedings.legal_reviews.get(i))
                else {
                    return Ok(None);
                };
                let Some(a) = &r.answer else {
                    return Ok(None);
                };
                let qualification = self
                    .store
                    .users_named(std::slice::from_ref(&a.reviewed_by))
                    .await?
                    .into_iter()
                    .find_map(|u| u.legal_qualification.and_then(|q| q.number))
                    .unwrap_or_default();
                let zh = |key: String| {
                    crate::i18n::message(crate::i18n::Lang::ZhCn, &key, &Default::default())
                };
                json!({
                    "party": party_name, "officers": team,
                    "submitted_on": zh_date(r.submission.submitted_on),
                    "penalties": r.submission.penalties.iter().map(|p| p.text_zh()).collect::<Vec<_>>(),
                    "triggers": r.submission.triggers.iter()
                        .map(|t| zh(format!("ui.legal_trigger_{}", serde_plain(t))))
                        .collect::<Vec<_>>(),
                    "points": a.points.iter().map(|p| json!({
                        "title": p.point.title_zh(),
                        "verdict": if p.passed { "通过" } else { "不通过" },
                        "opinion": p.opinion,
                    })).collect::<Vec<_>>(),
                    "verdict": if a.passed { "审核通过" } else { "审核未通过，退回承办人员" },
                    "reviewer": name(&a.reviewed_by), "qualification": qualification,
                    "date": zh_date(a.reviewed_on),
                })
            }
            SubjectKind::Deliberation => {
                let Some(dl) = subject
                    .and_then(|s| s.parse::<usize>().ok())
                    .and_then(|i| case.proceedings.deliberations.get(i))
                else {
                    return Ok(None);
                };
                use domain::case::deliberation::Purpose;
                json!({
                    "party": party_name,
                    "purpose": match dl.purpose {
                        Purpose::Decision => "案件处理决定",
                        Purpose::Extension => "是否继续延长办案期限",
                    },
                    "date": zh_date(dl.recorded_on),
                    "attendees": dl.attendees.iter().map(|a| name(a)).collect::<Vec<_>>(),
                    "heads": dl.heads,
                    "penalties": dl.penalties.iter().map(|p| p.text_zh()).collect::<Vec<_>>(),
                    "opinions": dl.opinions.iter().map(|o| json!({"member": name(&o.member), "opinion": o.opinion})).collect::<Vec<_>>(),
                    "outcome": dl.outcome, "recorder": name(&dl.recorded_by),
                })
            }
            SubjectKind::Extension => {
                let index = subject.and_then(|s| s.parse::<usize>().ok());
                let Some((i, e)) =
                    index.and_then(|i| case.proceedings.extensions.get(i).map(|e| (i, e)))
                else {
                    return Ok(None);
                };
                let Some(dec) = &e.decision else {
                    return Ok(None);
                };
                let ordinal = case.proceedings.extensions[..i]
                    .iter()
                    .filter(|x| x.approved())
                    .count();
                let deliberation = case
                    .proceedings
                    .deliberations
                    .iter()
                    .rfind(|d| d.extension == Some(i))
                    .map(|d| format!("{}：{}", zh_date(d.recorded_on), d.outcome))
                    .unwrap_or_default();
                json!({
                    "party": party_name,
                    "registered_on": case.registered_on.map(zh_date).unwrap_or_default(),
                    "due_before": zh_date(e.due_before),
                    "ordinal": if ordinal == 0 { "第一次" } else { "第二次" },
                    "days": format!("{}日", e.days),
                    "reason": e.reason,
                    "requested_by": name(&e.requested_by), "requested_on": zh_date(e.requested_on),
                    "deliberation": deliberation,
                    "decision": if dec.approved {
                        format!("同意延长{}日。{}", e.days, dec.reason)
                    } else {
                        format!("不同意延长。{}", dec.reason)
                    },
                    "decided_by": name(&dec.decided_by), "decided_on": zh_date(dec.decided_on),
                })
            }
            SubjectKind::ServedDocument => {
                let Some(id) = subject.and_then(|s| Uuid::parse_str(s).ok()) else {
                    return Ok(None);
                };
                // Printed before the service to be signed, or after it with what was recorded.
                let sv = case.proceedings.service_of(id);
                let served = self
                    .store
                    .case_documents(&store::Scope::all(), case.id)
                    .await?
                    .into_iter()
                    .find(|x| x.issued.document_id == id);
                let Some(served) = served else {
                    return Ok(None);
                };
                let mut v = json!({
                    "party": party_name,
                    "document": format!("{} {}", served.issued.title, served.issued.number.unwrap_or_default()),
                    "officers": team,
                });
                if let Some(sv) = sv {
                    let method = crate::i18n::message(
                        crate::i18n::Lang::ZhCn,
                        &format!("ui.service_{}", sv.method.as_str()),
                        &Default::default(),
                    );
                    merge(
                        &mut v,
                        json!({
                            "method": method,
                            "served_on": zh_date(sv.served_on),
                            "recipient": sv.recipient,
                            "witnesses": sv.witnesses,
                            "officers": [name(&sv.recorded_by)],
                            "note": if sv.late_reason.is_empty() { String::new() } else { format!("逾期送达理由：{}", sv.late_reason) },
                        }),
                    );
                }
                v
            }
            SubjectKind::Decision => match self.decision_data(case, party.clone(), &name).await? {
                Some(v) => v,
                None => return Ok(None),
            },
            SubjectKind::Case | SubjectKind::Fingerprint => match kind {
                DocumentKind::RegistrationApproval => {
                    let clue = self
                        .store
                        .clue(&store::Scope::all(), "", case.clue_id)
                        .await?;
                    let source = clue
                        .as_ref()
                        .map(|c| {
                            crate::i18n::message(
                                crate::i18n::Lang::ZhCn,
                                &format!("ui.source_{}", c.data.source.as_str()),
                                &Default::default(),
                            )
                        })
                        .unwrap_or_default();
                    json!({
                        "source": source,
                        "party": party,
                        "act_ended_on": zh_date(case.facts.act_ended_on),
                        "legal_basis": case.facts.legal_basis.iter().map(basis_text).collect::<Vec<_>>(),
                        "summary": clue.map(|c| c.data.description).unwrap_or_default(),
                        "handler": {"text": "建议立案调查。", "by": name(&case.proposed_by), "date": ""},
                    })
                }
                DocumentKind::InvestigationReport => {
                    let Some(r) = &case.report else {
                        return Ok(None);
                    };
                    let mut evidence = Vec::new();
                    for e in &r.evidence_ids {
                        if let Some(ev) = self.store.evidence(&store::Scope::all(), *e).await? {
                            evidence.push(ev.data.title);
                        }
                    }
                    json!({
                        "party": party_name, "facts": r.facts, "evidence": evidence,
                        "proposed_handling": r.proposed_handling,
                        "legal_basis": r.legal_basis.iter().map(basis_text).collect::<Vec<_>>(),
                        "officers": team, "date": zh_date(self.clock.now().china_date()),
                    })
                }
                DocumentKind::ReviewOpinion => {
                    let Some(r) = &case.review else {
                        return Ok(None);
                    };
                    let opinion = match r.opinion {
                        domain::case::review::Opinion::Agree => "同意",
                        domain::case::review::Opinion::SupplementaryInvestigation => "补充调查",
                        domain::case::review::Opinion::Other => "其他",
                    };
                    let flags: Vec<String> = r
                        .flags
                        .iter()
                        .map(|f| {
                            crate::i18n::message(
                                crate::i18n::Lang::ZhCn,
                                &format!("ui.review_flag_{}", serde_plain(f)),
                                &Default::default(),
                            )
                        })
                        .collect();
                    json!({
                        "party": party_name, "officers": team, "opinion": opinion,
                        "reasons": r.reasons, "flags": flags, "reviewer": name(&r.by),
                        "date": zh_date(self.clock.now().china_date()),
                    })
                }
                _ => json!({}),
            },
        };
        merge(&mut d, extra);
        Ok(Some(d))
    }

    /// The sentence naming the fine's benchmark, with its label while the table is not the
    /// bureau's own (issue 24: "labelled on every page and document"); empty without one.
    async fn discretion_text(
        &self,
        n: &domain::case::notice::AdvanceNotice,
    ) -> Result<String, AppError> {
        let Some(b) = &n.benchmark else {
            return Ok(String::new());
        };
        let label = self
            .benchmarks()
            .await?
            .into_iter()
            .find(|x| x.version == b.version)
            .filter(|x| !x.adopted)
            // The Chinese half of a bilingual label, for a Chinese document.
            .map(|x| format!("，{}", x.label.split(" / ").next().unwrap_or("")))
            .unwrap_or_default();
        let mut text = format!(
            "罚款数额依行政处罚裁量基准（{}{label}）计算为人民币{}元",
            b.version,
            domain::case::penalty::yuan(b.amount_fen)
        );
        if b.departs() {
            text.push_str("；拟作罚款与之不同的理由：");
            text.push_str(b.departure_reason.trim_end_matches(['。', '.']));
        }
        text.push('。');
        Ok(text)
    }

    /// The titles of evidence, in the order named.
    async fn evidence_titles(&self, ids: &[Uuid]) -> Result<Vec<String>, AppError> {
        let mut out = Vec::new();
        for e in ids {
            if let Some(ev) = self.store.evidence(&store::Scope::all(), *e).await? {
                out.push(ev.data.title);
            }
        }
        Ok(out)
    }

    /// What the decision documents state (APL Art. 59; documents.md §2.1): the party with its
    /// address, the facts and evidence, the provisions, the notice and the party's defence, the
    /// basis, discretion and penalties, payment and remedies.
    async fn decision_data(
        &self,
        case: &Case,
        party: Value,
        name: &(dyn Fn(&str) -> String + Sync),
    ) -> Result<Option<Value>, AppError> {
        use domain::case::decision::Outcome;
        let Some(d) = &case.proceedings.decision else {
            return Ok(None);
        };
        let report = case.report.as_ref();
        let notice = d
            .notice_id
            .and_then(|id| case.notices.iter().find(|n| n.id == id));
        // The records made in the case, then the evidence the report names.
        let mut evidence: Vec<String> = self
            .store
            .case_records(case.id)
            .await?
            .into_iter()
            .map(|e| {
                let title = match e.record.content.kind() {
                    domain::case::record::RecordKind::Inspection => DocumentKind::InspectionRecord,
                    domain::case::record::RecordKind::Questioning => {
                        DocumentKind::QuestioningRecord
                    }
                    domain::case::record::RecordKind::Sampling => DocumentKind::SamplingRecord,
                }
                .title();
                format!("{}{title}", zh_date(e.record.started_at.china_date()))
            })
            .collect();
        evidence.extend(
            self.evidence_titles(report.map(|r| r.evidence_ids.as_slice()).unwrap_or(&[]))
                .await?,
        );
        let facts = notice
            .map(|n| n.facts.clone())
            .or_else(|| report.map(|r| r.facts.clone()))
            .unwrap_or_default();
        let t = &self.settings.decision_text;
        let mut v = json!({
            "party": party,
            "registered_on": case.registered_on.map(zh_date).unwrap_or_default(),
            "facts": facts, "evidence": evidence,
            "reasons": d.reasons,
            "review_organ": t.review_organ, "court": t.court,
            "decided_by": name(&d.decided_by),
            // The day the head decided (APL Art. 59(6)), whenever the document is printed.
            "date": zh_date(d.decided_on),
        });
        if let Some(n) = notice {
            // The notice's own 文号 and form, as issued.
            let issued = self
                .store
                .case_documents(&store::Scope::all(), case.id)
                .await?
                .into_iter()
                .find(|x| x.issued.subject.as_deref() == Some(&n.id.to_string()));
            let p = &case.proceedings;
            let stated = p.statements.iter().any(|s| s.notice_id == n.id);
            let hearing = p.hearing_after(n.id).and_then(|(_, h)| h.outcome.as_ref());
            let defence = match (stated, hearing) {
                (_, Some(o)) if !o.waived() => {
                    "你（单位）在法定期限内要求听证，本机关依法举行了听证，并对你（单位）的意见进行了复核。"
                }
                (true, Some(_)) => {
                    "你（单位）在法定期限内提出了陈述、申辩，本机关对此进行了复核；你（单位）要求听证后无正当理由未出席或者未经许可中途退出，视为放弃听证。"
                }
                (false, Some(_)) => {
                    "你（单位）要求听证后无正当理由未出席或者未经许可中途退出，视为放弃听证；你（单位）未提出陈述、申辩。"
                }
                (true, None) => "你（单位）在法定期限内提出了陈述、申辩，本机关对此进行了复核。",
                (false, None) => "你（单位）在法定期限内未提出陈述、申辩，也未要求听证。",
            };
            let fine: i64 = d
                .penalties
                .iter()
                .filter(|p| p.kind == domain::case::penalty::PenaltyType::Fine)
                .filter_map(|p| p.amount_fen)
                .sum();
            merge(
                &mut v,
                json!({
                    "findings": n.reasons,
                    "notice_date": zh_date(n.issued_on),
                    "notice_number": issued.as_ref().and_then(|x| x.issued.number.clone()).unwrap_or_default(),
                    "notice_title": issued.map(|x| x.issued.title).unwrap_or_else(|| "行政处罚事先告知书".into()),
                    "defence": defence,
                    "discretion": self.discretion_text(n).await?,
                    "legal_basis": n.legal_basis.iter().map(basis_text).collect::<Vec<_>>(),
                    "penalties": d.penalties.iter().map(|p| p.text_zh()).collect::<Vec<_>>(),
                    "amount": if fine > 0 { domain::case::penalty::yuan(fine) } else { String::new() },
                    "payment": t.payment,
                }),
            );
        }
        if d.outcome != Outcome::Penalty {
            let established = d.outcome != Outcome::NotEstablished;
            merge(
                &mut v,
                json!({
                    "basis": d.outcome.basis_zh(),
                    // What was found is proved only where the violation is established.
                    "established": established,
                    // APL Art. 33 para. 3: a party not penalised for a violation is educated.
                    "education": if established {
                        "望你（单位）引以为戒，严格遵守生态环境保护法律法规。"
                    } else {
                        ""
                    },
                }),
            );
        }
        Ok(Some(v))
    }

    /// Issues a document of a step of the case: rendered and numbered in one transaction.
    pub async fn issue_document(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        kind: &str,
        subject: Option<String>,
    ) -> Result<(DocumentView, Written), AppError> {
        require(actor, Capability::CaseRead)?;
        let kind = DocumentKind::parse(kind).ok_or_else(|| not_found_kind(kind))?;
        let mut subject = domain::case::document::normal_subject(kind, subject.as_deref())?;
        let case = self.case(actor, case_id).await?;
        if kind.subject() == SubjectKind::Fingerprint {
            subject = fingerprint(&case, kind);
        }
        // The notice's form follows its hearing right, whichever of the two was asked for.
        let kind = match case
            .notices
            .iter()
            .find(|n| Some(n.id.to_string()) == subject)
        {
            Some(n) if kind.subject() == SubjectKind::Notice => {
                if n.hearing_right() {
                    DocumentKind::AdvanceNoticeHearing
                } else {
                    DocumentKind::AdvanceNotice
                }
            }
            _ => kind,
        };
        let data = self
            .document_data(actor, &case, kind, subject.as_deref())
            .await?;
        let prepare = self.prepare_render(&case, kind).await?;
        let cmd = IssueDocument {
            case_id,
            kind,
            subject,
            expected_version,
        };
        let issuer = actor.clone();
        let committed = self
            .command_with_secrets(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        let case = case_or_missing(r, cmd.case_id).await?;
                        // Nothing is rendered for a command the decision will refuse anyway.
                        let allowed =
                            domain::case::document::precheck(&case, &issuer, cmd.expected_version)
                                .is_ok();
                        let record_found = match (kind.subject(), &cmd.subject) {
                            (SubjectKind::Record(k), Some(s)) => match Uuid::parse_str(s) {
                                Ok(id) => r.record_kind(case.id, id).await? == Some(k),
                                Err(_) => false,
                            },
                            (SubjectKind::ServedDocument, Some(s)) => match Uuid::parse_str(s) {
                                Ok(id) => r.document_by_id(id).await?.is_some_and(|d| {
                                    d.issued.case_id == case.id
                                        && domain::case::service::served_on_party(d.issued.kind)
                                }),
                                Err(_) => false,
                            },
                            _ => false,
                        };
                        let already_issued = r
                            .documents_of_kind(case.id, kind)
                            .await?
                            .iter()
                            .any(|d| d.issued.subject == cmd.subject);
                        let fit = allowed
                            && !already_issued
                            && domain::case::document::subject_unmet(
                                &case,
                                kind,
                                cmd.subject.as_deref(),
                            )
                            .is_none();
                        let (rendered, last_serial) = match data {
                            Some(data) if fit => {
                                let (rendered, last) = prepare.render(r, data, now).await?;
                                (Some(rendered), last)
                            }
                            _ => (None, None),
                        };
                        Ok(IssueDocumentState {
                            case,
                            record_found,
                            rendered,
                            last_serial,
                            already_issued,
                        })
                    })
                },
                domain::case::document::decide_issue_document,
                |state, _| file_write(state.rendered.as_ref()),
            )
            .await?;
        let issued = crate::command::committed(&committed, "document.issued", |p| match p {
            domain::Payload::DocumentIssued(d) => Some(d.document_id),
            _ => None,
        })?;
        Ok((
            self.document(actor, case_id, issued).await?,
            written(&committed),
        ))
    }

    /// What rendering inside the transaction needs, gathered before it: the engine, the number
    /// rule and the branch, the check address.
    pub(super) async fn prepare_render(
        &self,
        case: &Case,
        kind: DocumentKind,
    ) -> Result<PrepareRender, AppError> {
        let engine = self.document_engine()?;
        let units = self.units().await?;
        let detachment = match case.handling_unit_id {
            Some(id) => units
                .iter()
                .any(|u| u.id == id && u.kind == UnitKind::Detachment),
            None => true,
        };
        let county = self
            .settings
            .county_short_names
            .get(&case.county_code)
            .cloned()
            .unwrap_or_else(|| case.county_code.clone());
        let rule = self
            .settings
            .document_numbers
            .get(kind.as_str())
            .map(|n| NumberRule {
                pattern: if detachment {
                    n.detachment.clone()
                } else {
                    n.brigade.clone()
                },
                sequence: n.sequence.clone(),
            });
        // A decision whose sequence is its notice's takes the notice's n (and year), not a new
        // one: only when the notice as issued counted in the same sequence of the same branch.
        let mut reuse = None;
        if kind == DocumentKind::PenaltyDecision
            && let Some(r) = &rule
            && let Some(notice_id) = case.proceedings.decision.as_ref().and_then(|d| d.notice_id)
            && let Some(notice) = self
                .store
                .case_documents(&store::Scope::all(), case.id)
                .await?
                .into_iter()
                .find(|d| d.issued.subject.as_deref() == Some(&notice_id.to_string()))
            && let (Some(serial), Some(key)) = (notice.issued.serial, &notice.issued.counter_key)
        {
            let year = notice.issued.issued_on.year();
            let branch = if detachment {
                String::new()
            } else {
                case.county_code.clone()
            };
            let same = format!(
                "{}|{branch}|{}|{year}",
                self.settings.prefecture_code, r.sequence
            );
            if *key == same {
                reuse = Some((serial, year));
            }
        }
        let (organ, _) = organ_of(&units);
        let mut random = [0u8; 8];
        getrandom::fill(&mut random)
            .map_err(|e| AppError::Internal(format!("the OS random source: {e}")))?;
        let code = domain::case::document::verify_code(u64::from_le_bytes(random));
        Ok(PrepareRender {
            engine,
            kind,
            rule,
            reuse,
            county,
            branch: if detachment {
                String::new()
            } else {
                case.county_code.clone()
            },
            prefecture: self.settings.prefecture_code.clone(),
            organ,
            url: self.verify_url(&code),
            code,
        })
    }

    /// The documents of a case, in the order issued (404 outside the reader's reach).
    pub async fn case_documents(
        &self,
        actor: &Actor,
        case_id: Uuid,
    ) -> Result<Vec<DocumentView>, AppError> {
        let case = self.case(actor, case_id).await?;
        let scope = crate::scope(actor, Capability::CaseRead)?;
        Ok(self
            .store
            .case_documents(&scope, case.id)
            .await?
            .into_iter()
            .map(|d| self.view(d))
            .collect())
    }

    fn view(&self, d: Document) -> DocumentView {
        let i = d.issued;
        DocumentView {
            id: i.document_id,
            kind: i.kind,
            title: i.title,
            number: i.number,
            issued_on: i.issued_on,
            sha256: i.sha256,
            size: i.size,
            subject: i.subject,
            verify_url: self.verify_url(&i.verify_code),
            verify_code: i.verify_code,
            missing_glyphs: i.missing_glyphs,
            signatures: d.signatures,
        }
    }

    /// One document of a case (404 outside reach or of another case).
    pub async fn document(
        &self,
        actor: &Actor,
        case_id: Uuid,
        id: Uuid,
    ) -> Result<DocumentView, AppError> {
        let case = self.case(actor, case_id).await?;
        match self.store.document(id).await? {
            Some(d) if d.issued.case_id == case.id => Ok(self.view(d)),
            _ => Err(Refusal::not_found().into()),
        }
    }

    /// The PDF as issued, and its title and number for the file name.
    pub async fn document_pdf(
        &self,
        actor: &Actor,
        case_id: Uuid,
        id: Uuid,
    ) -> Result<(DocumentView, Vec<u8>), AppError> {
        let view = self.document(actor, case_id, id).await?;
        let pdf = self
            .store
            .document_pdf(id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("document {id} has no PDF")))?;
        // Never hand out bytes other than those the ledger holds the hash of.
        let sha256 = ledger::hex(&sha2::Sha256::digest(&pdf));
        if sha256 != view.sha256 {
            tracing::error!(document = %id, stored = %sha256, issued = %view.sha256,
                "a stored PDF differs from the one issued");
            return Err(AppError::Internal(format!(
                "the stored PDF of document {id} is not the one issued"
            )));
        }
        Ok((view, pdf))
    }

    /// The public check of a code: what the document is (never the party), or 404.
    pub async fn public_document(&self, code: &str) -> Result<(PublicDocument, Uuid), AppError> {
        let unknown = || Refusal::one(RefusalKind::NotFound, Reason::new("document.unknown_code"));
        let code = domain::case::document::normal_code(code).ok_or_else(unknown)?;
        let (d, event_id) = self
            .store
            .document_by_code(&code)
            .await?
            .ok_or_else(unknown)?;
        let i = d.issued;
        Ok((
            PublicDocument {
                organ: i.organ,
                kind: i.kind,
                title: i.title,
                number: i.number,
                issued_on: i.issued_on,
                sha256: i.sha256,
                size: i.size,
                verify_code: i.verify_code,
            },
            event_id,
        ))
    }

    /// Whether a file is the document issued under `code`, byte for byte: its SHA-256 (read
    /// as it streams, at most [`CHECK_MAX`] bytes) against the issued one. Nothing is stored.
    pub async fn check_document_file<S>(
        &self,
        code: &str,
        mut body: S,
    ) -> Result<(PublicDocument, String), AppError>
    where
        S: futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Unpin + Send,
    {
        use futures::StreamExt;
        let (doc, _) = self.public_document(code).await?;
        let mut hasher = sha2::Sha256::new();
        let mut seen = 0usize;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| AppError::Internal(format!("reading the file: {e}")))?;
            seen += chunk.len();
            if seen > CHECK_MAX {
                return Err(AppError::TooLarge {
                    max: CHECK_MAX as u64,
                });
            }
            hasher.update(&chunk);
            // Longer than the document issued: not it, whatever follows; read no further.
            if seen as i64 > doc.size {
                return Ok((doc, "(longer than the document issued)".to_owned()));
            }
        }
        Ok((doc, ledger::hex(&hasher.finalize())))
    }

    /// The offline proof of a document (`docs/document-proof.md`): its issuing event, the
    /// event's inclusion in the latest signed checkpoint (one is signed first when none covers
    /// it), and the verifier keys. Public: it names no person.
    pub async fn document_proof(&self, code: &str) -> Result<Value, AppError> {
        let (doc, event_id) = self.public_document(code).await?;
        let p = self.offline_proof(event_id).await?;
        Ok(json!({
            "format": ledger::document::FORMAT,
            "document": doc,
            "event": p.record.event.envelope(),
            "event_hash": ledger::hex(&p.event_hash),
            "index": p.index,
            "tlog_proof": p.tlog_proof,
            "verifier_keys": p.verifier_keys,
        }))
    }

    /// Records a signature or a refusal to sign on a document of the case.
    pub async fn sign_document(
        &self,
        actor: &Actor,
        case_id: Uuid,
        document_id: Uuid,
        entry: SignatureEntry,
    ) -> Result<(DocumentView, Written), AppError> {
        self.sign_with_evidence(actor, case_id, document_id, entry, None)
            .await
    }

    /// A signature drawn on the pad or a signed scan: the file becomes evidence of the case and
    /// the signature names it, in one transaction; a refused signature keeps no file.
    #[allow(clippy::too_many_arguments)]
    pub async fn sign_document_with_file<S>(
        &self,
        actor: &Actor,
        case_id: Uuid,
        document_id: Uuid,
        signer: domain::case::document::Signer,
        method: domain::case::document::SignatureMethod,
        file_name: &str,
        body: S,
        ip: &str,
    ) -> Result<(DocumentView, Written), AppError>
    where
        S: futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Unpin + Send,
    {
        require(actor, Capability::EnforcementAct)?;
        let doc = self.document(actor, case_id, document_id).await?;
        let title = match method {
            domain::case::document::SignatureMethod::Pad => format!("{}签名", doc.title),
            domain::case::document::SignatureMethod::Scan => format!("{}（签名件扫描）", doc.title),
        };
        // Evidence of a case is collected by two of its officers (APL Art. 42): those who made
        // the record, else the case's acting officers, the sender first.
        let case = self.case(actor, case_id).await?;
        let acting = case.acting_officers();
        let record_officers = match doc.subject.as_deref().map(Uuid::parse_str) {
            Some(Ok(id)) => self
                .case_records(actor, case_id)
                .await?
                .into_iter()
                .find(|r| r.record.id == id)
                .map(|r| r.record.officers)
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let mut collectors: Vec<String> = record_officers
            .into_iter()
            .filter(|o| acting.contains(o))
            .collect();
        if collectors.len() < 2 {
            collectors = acting;
        }
        if let Some(i) = collectors.iter().position(|o| o == actor.name()) {
            let me = collectors.remove(i);
            collectors.insert(0, me);
        }
        let mut fields = vec![
            ("subject_type".to_owned(), "case".to_owned()),
            ("subject_id".to_owned(), case_id.to_string()),
            ("type".to_owned(), "documentary".to_owned()),
            ("title".to_owned(), title),
            ("collected_at".to_owned(), self.clock.now().to_rfc3339()),
        ];
        fields.extend(
            collectors
                .into_iter()
                .map(|o| ("collected_by".to_owned(), o)),
        );
        let fields = crate::evidence::EvidenceFields {
            fields,
            file_name: file_name.to_owned(),
        };
        let crate::evidence::Prepared { cmd, pin } =
            self.prepare_evidence(actor, &fields, body, ip).await?;
        let sha256 = cmd.blob.sha256.clone();
        let entry = SignatureEntry::Signed {
            signer,
            method,
            evidence_id: cmd.id,
        };
        let result = self
            .sign_with_evidence(actor, case_id, document_id, entry, Some(cmd))
            .await;
        if result.is_err() {
            self.discard_blob(pin, &sha256).await;
        } else {
            drop(pin);
        }
        result
    }

    async fn sign_with_evidence(
        &self,
        actor: &Actor,
        case_id: Uuid,
        document_id: Uuid,
        entry: SignatureEntry,
        evidence: Option<domain::evidence::RegisterEvidence>,
    ) -> Result<(DocumentView, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        // 404 before anything else outside the reader's reach.
        self.document(actor, case_id, document_id).await?;
        let cmd = domain::case::document::SignWithEvidence {
            evidence,
            sign: SignDocument {
                case_id,
                document_id,
                entry,
            },
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, both, now| {
                    Box::pin(async move {
                        let evidence = match &both.evidence {
                            Some(e) => {
                                Some(crate::evidence::register_state(r, &e.data, now.at).await?)
                            }
                            None => None,
                        };
                        let new_evidence = both.evidence.as_ref().map(|e| e.id);
                        let cmd = &both.sign;
                        let case = case_or_missing(r, cmd.case_id).await?;
                        let document = r.document_by_id(cmd.document_id).await?;
                        let named = match &cmd.entry {
                            SignatureEntry::Signed { evidence_id, .. } => Some(*evidence_id),
                            SignatureEntry::Refused {
                                video_evidence_id, ..
                            } => *video_evidence_id,
                        };
                        let mut evidence_subjects = Vec::new();
                        if let Some(id) = named {
                            if Some(id) == new_evidence {
                                evidence_subjects.push(Some(cmd.case_id));
                            } else {
                                evidence_subjects
                                    .push(r.evidence_by_id(id).await?.map(|e| e.data.subject_id));
                            }
                        }
                        Ok(domain::case::document::SignWithEvidenceState {
                            evidence,
                            sign: SignDocumentState {
                                case,
                                document,
                                evidence_subjects,
                            },
                        })
                    })
                },
                domain::case::document::decide_sign_with_evidence,
            )
            .await?;
        Ok((
            self.document(actor, case_id, document_id).await?,
            written(&committed),
        ))
    }
}

/// The largest file the public check reads (an issued PDF is well under 1 MiB).
pub const CHECK_MAX: usize = 20 << 20;

/// The PDF's bytes, stored beside the event that holds their hash.
pub(super) fn file_write(rendered: Option<&Rendered>) -> Vec<store::SecretWrite> {
    rendered
        .map(|r| store::SecretWrite::DocumentFile {
            document_id: r.document_id,
            pdf: r.pdf.clone(),
        })
        .into_iter()
        .collect()
}

/// A 文号 rule as it applies to one case.
pub(super) struct NumberRule {
    pattern: String,
    sequence: String,
}

/// Everything a render inside the transaction needs.
pub(super) struct PrepareRender {
    engine: Arc<::documents::Engine>,
    kind: DocumentKind,
    rule: Option<NumberRule>,
    /// The notice's serial and year a decision reuses (its sequence is the notice's).
    reuse: Option<(i64, i32)>,
    county: String,
    branch: String,
    prefecture: String,
    organ: String,
    code: String,
    url: String,
}

impl PrepareRender {
    /// Inside the transaction: takes the next number (or uses `number`, the case's own), fills
    /// it in, renders, hashes. Returns the counter's last serial for the decision to check.
    pub(super) async fn render(
        self,
        r: &mut dyn store::Reader,
        data: Value,
        now: domain::Now,
    ) -> Result<(Rendered, Option<i64>), store::StoreError> {
        let (numbered, last) = match (&self.rule, self.reuse) {
            (Some(rule), Some((serial, year))) => {
                let number = domain::case::registration::case_number(
                    &domain::case::registration::NumberPattern {
                        pattern: rule.pattern.clone(),
                        county: self.county.clone(),
                    },
                    year,
                    serial,
                );
                (
                    Some(Numbered {
                        number,
                        counter: None,
                    }),
                    None,
                )
            }
            (Some(rule), None) => {
                let key = format!(
                    "{}|{}|{}|{}",
                    self.prefecture,
                    self.branch,
                    rule.sequence,
                    now.today.year()
                );
                let last = r.case_counter(&key).await?;
                let number = domain::case::registration::case_number(
                    &domain::case::registration::NumberPattern {
                        pattern: rule.pattern.clone(),
                        county: self.county.clone(),
                    },
                    now.today.year(),
                    last + 1,
                );
                (
                    Some(Numbered {
                        number,
                        counter: Some((key, last + 1)),
                    }),
                    Some(last),
                )
            }
            (None, _) => (None, None),
        };
        let rendered = self.render_numbered(data, numbered, now)?;
        Ok((rendered, last))
    }

    /// Renders with a number already decided (the case's own, for the approval form).
    pub(super) fn render_numbered(
        self,
        mut data: Value,
        numbered: Option<Numbered>,
        now: domain::Now,
    ) -> Result<Rendered, store::StoreError> {
        if let Some(n) = &numbered {
            data["number"] = json!(n.number);
        }
        data["verify"] = json!({"url": self.url, "code": self.code});
        let out = self
            .engine
            .render(self.kind.as_str(), &data)
            .map_err(|e| store::StoreError::database("rendering the document", e))?;
        if !out.missing.is_empty() {
            tracing::warn!(
                kind = self.kind.as_str(),
                missing = %out.missing.iter().collect::<String>(),
                "an issued document has characters no font can draw"
            );
        }
        Ok(Rendered {
            document_id: Uuid::now_v7(),
            number: numbered,
            sha256: ledger::hex(&sha2::Sha256::digest(&out.pdf)),
            size: out.pdf.len() as i64,
            verify_code: self.code,
            organ: self.organ,
            issued_on: now.today,
            missing_glyphs: out.missing.iter().collect(),
            pdf: out.pdf,
        })
    }
}

/// The fingerprint of the case's current report or review: the first 16 hex digits of the
/// SHA-256 of its JSON. A supplementary report or a new review gets a new one.
pub fn fingerprint(case: &Case, kind: DocumentKind) -> Option<String> {
    let json = match kind {
        DocumentKind::InvestigationReport => serde_json::to_vec(case.report.as_ref()?),
        DocumentKind::ReviewOpinion => serde_json::to_vec(case.review.as_ref()?),
        _ => return None,
    }
    .ok()?;
    Some(ledger::hex(&sha2::Sha256::digest(&json))[..16].to_owned())
}

/// The prefecture's bureau among `units`: its name and whether it is demo data.
pub(crate) fn organ_of(units: &[domain::unit::Unit]) -> (String, bool) {
    let bureau = units.iter().find(|u| u.kind == UnitKind::PrefectureBureau);
    (
        bureau.map(|u| u.name_zh.clone()).unwrap_or_default(),
        bureau.is_some_and(|u| u.demo),
    )
}

/// Adds `extra`'s fields to `d`.
fn merge(d: &mut Value, extra: Value) {
    if let (Some(d), Value::Object(e)) = (d.as_object_mut(), extra) {
        d.extend(e);
    }
}

/// An enum's serde name (`snake_case`), for message ids.
fn serde_plain<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
