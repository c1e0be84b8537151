//! Evidence certificates (高效出证): everything a court's expert needs to check a piece of
//! evidence offline, without our software — the evidence's hashes, the upload event, its place
//! in the ledger as a C2SP tlog-proof with the signed checkpoint, and the verifier keys.
//! The format and its checks are specified in `docs/certificate.md`.

use crate::{App, AppError};
use domain::evidence::Access;
use domain::{Actor, Refusal};
use serde_json::{Value, json};
use uuid::Uuid;

pub const FORMAT: &str = "ecoenforce-certificate/v1";

/// The QR text: `ecoenforce-cert:v1:<origin>:<index>:<event_hash hex>:<tree size>:<root b64>`.
pub fn qr_text(origin: &str, index: u64, event_hash: &str, size: u64, root_b64: &str) -> String {
    format!("ecoenforce-cert:v1:{origin}:{index}:{event_hash}:{size}:{root_b64}")
}

impl App {
    /// The certificate bundle of a piece of evidence the actor may read. Issuing it is an
    /// export in the chain of custody; a checkpoint is signed first when none covers the upload.
    pub async fn evidence_certificate(&self, actor: &Actor, id: Uuid) -> Result<Value, AppError> {
        let (e, custody) = self.view_evidence_quietly(actor, id).await?;
        let upload = custody
            .iter()
            .find(|c| c.kind == "uploaded")
            .ok_or_else(|| AppError::Internal(format!("evidence {id} has no upload event")))?;
        let crate::proofs::OfflineProof {
            record,
            event_hash,
            index,
            tlog_proof: proof,
            checkpoint: cp,
            verifier_keys: keys,
        } = self.offline_proof(upload.event_id).await?;
        let origin = cp.note.lines().next().unwrap_or_default().to_owned();
        // Recorded once the bundle exists (an export of the evidence).
        self.record_access(actor, id, Access::Exported).await?;
        let hash_hex = ledger::hex(&event_hash);
        let root_b64 = crate::proofs::base64(&cp.root);
        let d = &e.data;
        Ok(json!({
            "format": FORMAT,
            "evidence": {
                "id": e.id,
                "title": d.title,
                "type": d.evidence_type.as_str(),
                "subject_type": d.subject_type.as_str(),
                "subject_id": d.subject_id,
                "county_code": e.county_code,
                "collected_at": d.collected_at.to_string(),
                "collected_by": d.collected_by,
                "file_name": e.blob.file_name,
                "mime": e.blob.mime,
                "size": e.blob.size,
                "sha256": e.blob.sha256,
                "sm3": e.blob.sm3,
            },
            "event": record.event.envelope(),
            "event_hash": hash_hex,
            "index": index,
            "tlog_proof": proof,
            "verifier_keys": keys,
            "qr": qr_text(&origin, index as u64, &hash_hex, cp.size as u64, &root_b64),
        }))
    }

    /// The evidence and its custody, read without recording a view (the certificate records
    /// its own export).
    async fn view_evidence_quietly(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<
        (
            domain::evidence::Evidence,
            Vec<domain::evidence::CustodyEntry>,
        ),
        AppError,
    > {
        let scope = crate::scope(actor, domain::permission::Capability::EvidenceRead)?;
        let e = self
            .store
            .evidence(&scope, id)
            .await?
            .ok_or_else(Refusal::not_found)?;
        Ok((e, self.store.custody(id).await?))
    }
}
