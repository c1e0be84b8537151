//! The archive of a closed case (`domain::case::archive`): both volumes bound from the issued
//! PDFs and pages generated from the case, rendered before the write and sealed by it; the
//! annexes after it; and the archive bundle a court checks offline (`docs/archive.md`).

use super::documents::zh_date;
use super::proceedings::evidence_case;
use super::{Written, case_or_missing, written};
use crate::i18n::{Lang, message};
use crate::{App, AppError};
use domain::Actor;
use domain::case::archive::{
    AddAnnex, AnnexState, ArchiveCase, ArchiveState, ArchivedVolume, Filed, Section, Volume,
    archive_unmet, arrange,
};
use domain::case::document::DocumentKind;
use domain::case::registration::{Case, CaseStage};
use domain::permission::{Capability, require};
use domain::{Payload, Reason, Refusal, RefusalKind};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The count of a case's events and the SHA-256 of their hashes concatenated
/// (`docs/archive.md` §2).
pub fn events_digest(ledger: &[(i64, ledger::Hash)]) -> (i64, String) {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for (_, hash) in ledger {
        h.update(hash);
    }
    (ledger.len() as i64, ledger::hex(&h.finalize()))
}

/// The ids of the decision documents among `docs`.
fn decision_documents_of<'a>(
    docs: impl Iterator<Item = &'a domain::case::document::DocumentIssued>,
) -> Vec<Uuid> {
    docs.filter(|d| {
        matches!(
            d.kind,
            DocumentKind::PenaltyDecision | DocumentKind::NoPenaltyDecision
        )
    })
    .map(|d| d.document_id)
    .collect()
}

fn zh(code: &str) -> String {
    message(Lang::ZhCn, code, &BTreeMap::new())
}

/// A volume ready to seal: its record and its bytes.
struct Bound {
    volume: ArchivedVolume,
    pdf: Vec<u8>,
}

impl App {
    /// Binds the two volumes of `case` as it stands (`docs/archive.md` §1).
    async fn bind_volumes(&self, actor: &Actor, case: &Case) -> Result<Vec<Bound>, AppError> {
        let scope = crate::scope(actor, Capability::CaseRead)?;
        let (organ, demo) = super::documents::organ_of(&self.units().await?);
        let people = self.people().await?;
        let name = |u: &str| {
            people
                .get(u)
                .map(|p| p.display_name.clone())
                .unwrap_or_else(|| u.to_owned())
        };
        let docs = self.store.case_documents(&scope, case.id).await?;
        let filed: Vec<Filed> = docs
            .iter()
            .map(|d| Filed {
                document_id: d.issued.document_id,
                kind: d.issued.kind,
                subject: d.issued.subject.clone(),
            })
            .collect();
        let by_id: BTreeMap<Uuid, &domain::case::document::Document> =
            docs.iter().map(|d| (d.issued.document_id, d)).collect();
        let party = match &case.facts.party {
            Some(domain::case::party::Party::Entity { entity_id }) => self
                .store
                .entity(&store::Scope::all(), *entity_id)
                .await?
                .map(|e| e.data.name)
                .unwrap_or_default(),
            Some(domain::case::party::Party::Person { name, .. }) => name.clone(),
            Some(domain::case::party::Party::Organisation { name, .. }) => name.clone(),
            _ => String::new(),
        };
        let closing = case.proceedings.closing.as_ref();
        let cover = json!({
            "number": case.number.clone().unwrap_or_default(),
            "title": format!("{party}{}案", case.facts.violation),
            "party": party,
            "cause": case.facts.violation,
            "registered_on": case.registered_on.map(zh_date).unwrap_or_default(),
            "closed_on": closing.map(|c| zh_date(c.closed_on)).unwrap_or_default(),
            "archived_on": zh_date(self.today()),
            "archived_by": name(actor.name()),
        });
        // The generated pages, each at the end of its section.
        let mut evidence = self.store.evidence_of_subject(&scope, case.id).await?;
        evidence.extend(self.store.evidence_of_subject(&scope, case.clue_id).await?);
        evidence.sort_by_key(|e| (e.created_at, e.id));
        let evidence_rows: Vec<Value> = evidence
            .iter()
            .enumerate()
            .map(|(i, e)| {
                json!([
                    (i + 1).to_string(),
                    e.data.title,
                    zh_date(e.data.collected_at.china_date()),
                    e.data
                        .collected_by
                        .iter()
                        .map(|u| name(u))
                        .collect::<Vec<_>>()
                        .join("、"),
                    format!("{}（{} 字节）", e.blob.file_name, e.blob.size),
                    // In groups of eight, so the column wraps within the page.
                    e.blob
                        .sha256
                        .as_bytes()
                        .chunks(8)
                        .map(|c| String::from_utf8_lossy(c).into_owned())
                        .collect::<Vec<_>>()
                        .join(" "),
                ])
            })
            .collect();
        let standing = self.performance(case);
        let mut performance_rows: Vec<Value> = case
            .proceedings
            .performances
            .iter()
            .map(|p| {
                json!([
                    zh_date(p.on),
                    zh(&format!(
                        "ui.performance_{}",
                        match p.kind {
                            domain::case::performance::PerformanceKind::Payment => "payment",
                            domain::case::performance::PerformanceKind::Other => "other",
                        }
                    )),
                    p.amount_fen
                        .map(domain::case::penalty::yuan)
                        .unwrap_or_default(),
                    p.note,
                    name(&p.recorded_by),
                ])
            })
            .collect();
        if standing.amount_fen > 0 {
            performance_rows.push(json!([
                "",
                zh("ui.performance_amount"),
                domain::case::penalty::yuan(standing.amount_fen),
                format!(
                    "{}{}",
                    zh("ui.performance_paid"),
                    domain::case::penalty::yuan(standing.paid_fen)
                ),
                "",
            ]));
        }
        let generated = |section: Section| -> Option<Value> {
            match section {
                Section::Evidence => Some(json!({
                    "type": "table", "title": "证据目录",
                    "columns": ["序号", "证据名称", "收集日期", "收集人", "文件", "SHA-256"],
                    "widths": [1, 4, 3, 3, 4, 6],
                    "rows": evidence_rows,
                    "note": "每份证据文件的完整性可凭其证据证书核验（docs/certificate.md）。",
                })),
                Section::Enforcement => Some(json!({
                    "type": "table", "title": "履行情况",
                    "columns": ["日期", "方式", "金额（元）", "说明", "登记人"],
                    "widths": [3, 3, 3, 6, 3],
                    "rows": performance_rows,
                })),
                Section::Closing => Some(json!({
                    "type": "form", "title": "结案",
                    "rows": closing.map(|c| vec![
                        json!(["结案理由", zh(&format!("ui.ground_{}", c.ground.as_str()))]),
                        json!(["说明", c.reason]),
                        json!(["结案人", name(&c.closed_by)]),
                        json!(["结案日期", zh_date(c.closed_on)]),
                    ]).unwrap_or_default(),
                })),
                _ => None,
            }
        };
        let clue = self
            .store
            .clue(&store::Scope::all(), "", case.clue_id)
            .await?;
        let clue_page = json!({
            "type": "form", "title": "案源",
            "rows": clue.map(|c| vec![
                json!(["来源", zh(&format!("ui.source_{}", c.data.source.as_str()))]),
                json!(["受理日期", zh_date(c.data.received_on)]),
                json!(["地点", c.data.place]),
                json!(["线索内容", c.data.description]),
            ]).unwrap_or_default(),
            "note": "举报人身份信息依法保密，不入卷宗正文。",
        });
        let arranged = arrange(&filed);
        let sections = [
            Section::Decision,
            Section::Registration,
            Section::Evidence,
            Section::Notices,
            Section::Hearing,
            Section::Enforcement,
            Section::Closing,
            Section::Other,
            Section::Complaint,
            Section::Review,
            Section::LegalReview,
            Section::Deliberation,
        ];
        let mut volumes: BTreeMap<Volume, (Vec<Value>, Vec<Vec<u8>>)> = BTreeMap::new();
        for section in sections {
            let (entries, files) = volumes.entry(section.volume()).or_default();
            if section == Section::Complaint {
                entries.push(clue_page.clone());
            }
            for (_, f) in arranged.iter().filter(|(s, _)| *s == section) {
                let Some(doc) = by_id.get(&f.document_id) else {
                    continue;
                };
                let pdf = self
                    .store
                    .document_pdf(f.document_id)
                    .await?
                    .ok_or_else(|| {
                        AppError::Internal(format!("document {} has no PDF", f.document_id))
                    })?;
                let pages = ::documents::pdf_pages(&pdf).ok_or_else(|| {
                    AppError::Internal(format!("document {} is not a readable PDF", f.document_id))
                })?;
                entries.push(json!({
                    "type": "document", "title": doc.issued.title,
                    "number": doc.issued.number, "date": zh_date(doc.issued.issued_on),
                    "file": format!("/files/{}.pdf", files.len()), "pages": pages,
                }));
                files.push(pdf);
            }
            if let Some(page) = generated(section) {
                entries.push(page);
            }
        }
        let engine = self.document_engine()?;
        let mut out = Vec::new();
        for (volume, (entries, files)) in volumes {
            let data = json!({
                "organ": organ, "demo": demo, "volume": volume.as_str(),
                "volume_title": volume.title_zh(), "case": cover, "entries": entries,
            });
            let engine = engine.clone();
            let _permit = self
                .rendering
                .acquire()
                .await
                .map_err(|e| AppError::Internal(format!("binding a volume: {e}")))?;
            let rendered = tokio::task::spawn_blocking(move || engine.render_volume(&data, files))
                .await
                .map_err(|e| AppError::Internal(format!("binding a volume: {e}")))?
                .map_err(|e| AppError::Internal(e.to_string()))?;
            out.push(Bound {
                volume: ArchivedVolume {
                    volume,
                    id: Uuid::now_v7(),
                    sha256: ledger::hex(&<sha2::Sha256 as sha2::Digest>::digest(&rendered.pdf)),
                    size: rendered.pdf.len() as i64,
                    pages: rendered.pages as i64,
                },
                pdf: rendered.pdf,
            });
        }
        Ok(out)
    }

    /// An officer archives the closed case: both volumes bound and sealed in one write.
    pub async fn archive_case(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let scope = crate::scope(actor, Capability::CaseRead)?;
        let clue_id = self.case(actor, case_id).await?.clue_id;
        // The events first, then the case: a change between the two is caught by the version.
        let ledger = self.store.case_ledger(case_id, clue_id).await?;
        let rendered_from = events_digest(&ledger);
        let case = self.case(actor, case_id).await?;
        let decision_documents = decision_documents_of(
            self.store
                .case_documents(&scope, case_id)
                .await?
                .iter()
                .map(|d| &d.issued),
        );
        // Nothing is bound for a command the decision will refuse anyway.
        let fit = archive_unmet(&case, &decision_documents, &self.settings.filing_upward)
            .is_empty()
            && case.version == expected_version;
        let bound = if fit {
            self.bind_volumes(actor, &case).await?
        } else {
            Vec::new()
        };
        let volumes: Vec<ArchivedVolume> = bound.iter().map(|b| b.volume.clone()).collect();
        let files: Vec<store::SecretWrite> = bound
            .into_iter()
            .map(|b| store::SecretWrite::DocumentFile {
                document_id: b.volume.id,
                pdf: b.pdf,
            })
            .collect();
        let filing = self.settings.filing_upward.clone();
        let committed = self
            .command_with_secrets(
                actor,
                ArchiveCase {
                    case_id,
                    expected_version,
                },
                move |r, cmd, now| {
                    Box::pin(async move {
                        let case = case_or_missing(r, cmd.case_id).await?;
                        let events_now = events_digest(&r.case_ledger(case.id, clue_id).await?);
                        let mut issued = Vec::new();
                        for kind in [
                            DocumentKind::PenaltyDecision,
                            DocumentKind::NoPenaltyDecision,
                        ] {
                            issued.extend(r.documents_of_kind(case.id, kind).await?);
                        }
                        Ok(ArchiveState {
                            case,
                            volumes,
                            rendered_from,
                            events_now,
                            decision_documents: decision_documents_of(
                                issued.iter().map(|d| &d.issued),
                            ),
                            filing,
                            today: now.today,
                        })
                    })
                },
                domain::case::archive::decide_archive_case,
                move |_, _| files,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// The last day the closed case is filed upward in time, while it waits to be.
    pub fn filing_due(&self, case: &Case) -> Option<chrono::NaiveDate> {
        domain::case::filing::filing_due(case, &self.settings.filing_upward, &self.calendar())
    }

    /// An officer records the filing of the closed, supervised case with the higher authority.
    pub async fn file_upward(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: domain::case::filing::FileUpward,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let cmd = domain::case::filing::FileUpward {
            case_id,
            expected_version,
            ..cmd
        };
        let rules = self.settings.filing_upward.clone();
        let calendar = self.calendar();
        let committed = self
            .command(
                actor,
                cmd,
                move |r, cmd, now| {
                    Box::pin(async move {
                        Ok(domain::case::filing::FilingState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            rules,
                            calendar,
                            evidence_case: evidence_case(r, cmd.evidence_id).await?,
                            today: now.today,
                        })
                    })
                },
                domain::case::filing::decide_file_upward,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// An officer adds a note to the archived file, outside its volumes.
    pub async fn add_annex(
        &self,
        actor: &Actor,
        case_id: Uuid,
        expected_version: i64,
        cmd: AddAnnex,
    ) -> Result<(Case, Written), AppError> {
        require(actor, Capability::EnforcementAct)?;
        let cmd = AddAnnex {
            case_id,
            expected_version,
            ..cmd
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, now| {
                    Box::pin(async move {
                        let evidence_case = match cmd.evidence_id {
                            Some(id) => Some(evidence_case(r, id).await?),
                            None => None,
                        };
                        Ok(AnnexState {
                            case: case_or_missing(r, cmd.case_id).await?,
                            evidence_case,
                            today: now.today,
                        })
                    })
                },
                domain::case::archive::decide_add_annex,
            )
            .await?;
        Ok((self.case(actor, case_id).await?, written(&committed)))
    }

    /// The PDF of a sealed volume of an archived case the actor may read.
    pub async fn archive_volume(
        &self,
        actor: &Actor,
        case_id: Uuid,
        volume: &str,
    ) -> Result<(Case, ArchivedVolume, Vec<u8>), AppError> {
        let case = self.case(actor, case_id).await?;
        let v = case
            .proceedings
            .archive
            .as_ref()
            .and_then(|a| a.volumes.iter().find(|v| v.volume.as_str() == volume))
            .cloned()
            .ok_or_else(Refusal::not_found)?;
        let pdf = self
            .store
            .document_pdf(v.id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("volume {} has no PDF", v.id)))?;
        Ok((case, v, pdf))
    }

    /// The archive bundle of an archived case the actor may read (`docs/archive.md` §2): every
    /// event of the case with its inclusion proof in one signed checkpoint (signed first when
    /// none covers them), both volumes, every issued PDF and every evidence file's hashes.
    pub async fn archive_bundle(&self, actor: &Actor, case_id: Uuid) -> Result<Value, AppError> {
        let case = self.case(actor, case_id).await?;
        if case.stage != CaseStage::Archived {
            return Err(AppError::Refused(Refusal::one(
                RefusalKind::Conflict,
                Reason::new("archive.not_archived").arg("stage", case.stage.as_str()),
            )));
        }
        let ledger = self.store.case_ledger(case.id, case.clue_id).await?;
        let last = ledger.last().map_or(0, |(seq, _)| *seq);
        let checkpoint = self.checkpoint_covering(last).await?;
        let b64 = |b: &[u8]| crate::proofs::base64(b);
        let mut events = Vec::with_capacity(ledger.len());
        let mut documents = Vec::new();
        let mut evidence = Vec::new();
        for (seq, hash) in &ledger {
            let record = self
                .store
                .events(&store::Scope::all(), *seq, 1)
                .await?
                .into_iter()
                .next()
                .filter(|r| r.seq == *seq)
                .ok_or_else(|| AppError::Internal(format!("no event at {seq}")))?;
            let proof = self.store.inclusion_proof(*seq, checkpoint.size).await?;
            match &record.event.payload {
                Payload::DocumentIssued(d) => {
                    let pdf = self
                        .store
                        .document_pdf(d.document_id)
                        .await?
                        .ok_or_else(|| {
                            AppError::Internal(format!("document {} has no PDF", d.document_id))
                        })?;
                    documents.push(json!({
                        "document_id": d.document_id,
                        "sha256": ledger::hex(&<sha2::Sha256 as sha2::Digest>::digest(&pdf)),
                        "pdf": b64(&pdf),
                    }));
                }
                Payload::EvidenceRegistered(e) => {
                    let stored = self
                        .store
                        .evidence(&store::Scope::all(), e.id)
                        .await?
                        .ok_or_else(|| AppError::Internal(format!("no evidence {}", e.id)))?;
                    evidence.push(json!({
                        "evidence_id": stored.id, "sha256": stored.blob.sha256,
                        "sm3": stored.blob.sm3, "size": stored.blob.size,
                    }));
                }
                _ => {}
            }
            events.push(json!({
                "index": seq,
                "event": record.event.envelope(),
                "event_hash": ledger::hex(hash),
                "proof": proof.iter().map(|h| ledger::hex(h)).collect::<Vec<_>>(),
            }));
        }
        let mut volumes = Vec::new();
        for v in case
            .proceedings
            .archive
            .as_ref()
            .map(|a| a.volumes.as_slice())
            .unwrap_or_default()
        {
            let pdf = self
                .store
                .document_pdf(v.id)
                .await?
                .ok_or_else(|| AppError::Internal(format!("volume {} has no PDF", v.id)))?;
            volumes.push(json!({
                "volume": v.volume, "id": v.id, "sha256": v.sha256, "size": v.size,
                "pdf": b64(&pdf),
            }));
        }
        let verifier_keys: Vec<String> = self
            .store
            .ledger_keys()
            .await?
            .into_iter()
            .map(|k| k.vkey)
            .collect();
        Ok(json!({
            "format": ledger::archive::FORMAT,
            "case": {"id": case.id, "number": case.number, "county_code": case.county_code},
            "checkpoint": checkpoint.note,
            "verifier_keys": verifier_keys,
            "events": events,
            "volumes": volumes,
            "documents": documents,
            "evidence": evidence,
        }))
    }
}
