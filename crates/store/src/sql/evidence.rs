//! Evidence: applying its events, its scoped reads, the security audit and resumable uploads.

use super::queries::corrupt;
use super::{Exec, ReadFn, Row, SqlBackend, Value, query_opt};
use crate::{EvidenceQueries, Scope, StoreError};
use async_trait::async_trait;
use domain::evidence::{BlobFacts, CustodyEntry, Evidence, EvidenceData};
use domain::{Event, Payload, Timestamp};
use uuid::Uuid;

const INSERT_EVIDENCE: &str = "INSERT INTO evidence (id, county_code, subject_type, subject_id, \
     type, data, sha256, sm3, size, mime, file_name, custodian, demo, created_at, created_by) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
const SET_CUSTODIAN: &str = "UPDATE evidence SET custodian = $2 WHERE id = $1";
const INSERT_CUSTODY: &str = "INSERT INTO evidence_custody (event_id, evidence_id, at, actor, \
     kind, detail) VALUES ($1, $2, $3, $4, $5, $6)";
const EVIDENCE_COLUMNS: &str = "id, county_code, data, sha256, sm3, size, mime, file_name, \
     custodian, demo, created_at, created_by";
const EVIDENCE_IN_SCOPE: &str = "SELECT id, county_code, data, sha256, sm3, size, mime, \
     file_name, custodian, demo, created_at, created_by FROM evidence \
     WHERE id = $1 AND ($2 = '' OR $2 LIKE '%,' || county_code || ',%')";
const EVIDENCE_OF_SUBJECT: &str = "SELECT id, county_code, data, sha256, sm3, size, mime, \
     file_name, custodian, demo, created_at, created_by FROM evidence \
     WHERE subject_id = $1 AND ($2 = '' OR $2 LIKE '%,' || county_code || ',%') \
     ORDER BY created_at DESC, id DESC";
const CUSTODY_OF: &str = "SELECT event_id, evidence_id, at, actor, kind, detail \
     FROM evidence_custody WHERE evidence_id = $1 ORDER BY at, event_id";
const BLOBS: &str = "SELECT sha256, MIN(sm3), MIN(size) FROM evidence WHERE sha256 > $1 \
     GROUP BY sha256 ORDER BY sha256 LIMIT $2";
const INSERT_AUDIT: &str = "INSERT INTO security_audit (at, username, user_id, ip, kind, detail) \
     VALUES ($1, $2, $3, $4, $5, $6)";
const AUDIT: &str = "SELECT at, username, user_id, ip, kind, detail FROM security_audit \
     ORDER BY seq DESC LIMIT $1";
const INSERT_UPLOAD: &str = "INSERT INTO uploads (id, user_id, metadata, length, received, \
     created_at, expires_at, evidence_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const UPLOAD: &str = "SELECT id, user_id, metadata, length, received, created_at, expires_at, \
     evidence_id FROM uploads WHERE id = $1";
const BLOB_IN_USE: &str = "SELECT 1 FROM evidence WHERE sha256 = $1 LIMIT 1";
/// Compare-and-set: only from the offset the writer started at, and only while unfinished.
const SET_RECEIVED: &str =
    "UPDATE uploads SET received = $2 WHERE id = $1 AND received = $3 AND evidence_id IS NULL";
/// Compare-and-set: an upload becomes evidence once.
const FINISH_UPLOAD: &str =
    "UPDATE uploads SET evidence_id = $2 WHERE id = $1 AND evidence_id IS NULL";
const DELETE_UPLOAD: &str = "DELETE FROM uploads WHERE id = $1";
const EXPIRED_UPLOADS: &str = "SELECT id FROM uploads WHERE expires_at < $1";

/// Parents before children: custody rows refer to evidence.
pub(super) const TABLES: &[super::Projection] = &[
    crate::projection!("evidence", order_by "id"),
    crate::projection!("evidence_custody", order_by "event_id"),
];

fn json<T: serde::Serialize>(v: &T) -> Result<Value, StoreError> {
    serde_json::to_string(v).map(Value::from).map_err(corrupt)
}

/// Applies an evidence event; `None` for events of other kinds.
pub(crate) async fn apply(exec: &mut dyn Exec, event: &Event) -> Result<Option<u64>, StoreError> {
    let at: Value = event.at.into();
    let actor = event.actor.name.as_str();
    let custody = |evidence_id: Uuid, kind: &str, detail: String| -> Vec<Value> {
        vec![
            event.id.into(),
            evidence_id.into(),
            event.at.into(),
            actor.into(),
            kind.into(),
            detail.into(),
        ]
    };
    Ok(Some(match &event.payload {
        Payload::EvidenceRegistered(p) => {
            let d = &p.data;
            let n = exec
                .execute(
                    INSERT_EVIDENCE,
                    &[
                        p.id.into(),
                        p.county_code.as_str().into(),
                        d.subject_type.as_str().into(),
                        d.subject_id.into(),
                        d.evidence_type.as_str().into(),
                        json(d)?,
                        p.blob.sha256.as_str().into(),
                        p.blob.sm3.as_str().into(),
                        p.blob.size.into(),
                        p.blob.mime.as_str().into(),
                        p.blob.file_name.as_str().into(),
                        p.custodian.as_str().into(),
                        p.demo.into(),
                        at,
                        actor.into(),
                    ],
                )
                .await?;
            let detail = format!("sha256 {} · sm3 {}", p.blob.sha256, p.blob.sm3);
            exec.execute(INSERT_CUSTODY, &custody(p.id, "uploaded", detail))
                .await?;
            n
        }
        Payload::EvidenceAccessed(p) => {
            exec.execute(
                INSERT_CUSTODY,
                &custody(p.id, p.access.as_str(), String::new()),
            )
            .await?
        }
        Payload::CustodyTransferred(p) => {
            let n = exec
                .execute(SET_CUSTODIAN, &[p.id.into(), p.to.as_str().into()])
                .await?;
            let detail = format!("{} → {}: {}", p.from, p.to, p.reason);
            exec.execute(INSERT_CUSTODY, &custody(p.id, "transferred", detail))
                .await?;
            n
        }
        _ => return Ok(None),
    }))
}

pub(crate) fn evidence_from_row(r: &Row) -> Result<Evidence, StoreError> {
    let data: EvidenceData = serde_json::from_str(&r.text(2)?).map_err(corrupt)?;
    Ok(Evidence {
        id: r.uuid(0)?,
        county_code: r.text(1)?,
        data,
        blob: BlobFacts {
            sha256: r.text(3)?,
            sm3: r.text(4)?,
            size: r.i64(5)?,
            mime: r.text(6)?,
            file_name: r.text(7)?,
        },
        custodian: r.text(8)?,
        demo: r.bool(9)?,
        created_at: r.time(10)?,
        created_by: r.text(11)?,
    })
}

fn custody_from_row(r: &Row) -> Result<CustodyEntry, StoreError> {
    Ok(CustodyEntry {
        event_id: r.uuid(0)?,
        evidence_id: r.uuid(1)?,
        at: r.time(2)?,
        actor: r.text(3)?,
        kind: r.text(4)?,
        detail: r.text(5)?,
    })
}

pub(crate) async fn evidence_by_id(
    exec: &mut dyn Exec,
    id: Uuid,
) -> Result<Option<Evidence>, StoreError> {
    debug_assert!(EVIDENCE_IN_SCOPE.contains(EVIDENCE_COLUMNS));
    query_opt(exec, EVIDENCE_IN_SCOPE, &[id.into(), "".into()])
        .await?
        .as_ref()
        .map(evidence_from_row)
        .transpose()
}

/// A security-relevant refusal, kept apart from the public ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityAuditRecord {
    pub at: Timestamp,
    pub username: String,
    pub user_id: Option<Uuid>,
    pub ip: String,
    pub kind: String,
    /// JSON.
    pub detail: String,
}

/// A resumable upload in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub id: Uuid,
    pub user_id: Uuid,
    /// The evidence fields, JSON.
    pub metadata: String,
    pub length: i64,
    pub received: i64,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// Set once the finished upload became evidence.
    pub evidence_id: Option<Uuid>,
}

fn upload_from_row(r: &Row) -> Result<Upload, StoreError> {
    Ok(Upload {
        id: r.uuid(0)?,
        user_id: r.uuid(1)?,
        metadata: r.text(2)?,
        length: r.i64(3)?,
        received: r.i64(4)?,
        created_at: r.time(5)?,
        expires_at: r.time(6)?,
        evidence_id: r.opt_uuid(7)?,
    })
}

#[async_trait]
impl<B: SqlBackend> EvidenceQueries for B {
    async fn evidence(&self, scope: &Scope, id: Uuid) -> Result<Option<Evidence>, StoreError> {
        let pattern = scope.pattern();
        run!(self, |e| query_opt(
            e,
            EVIDENCE_IN_SCOPE,
            &[id.into(), pattern.into()]
        )
        .await?
        .as_ref()
        .map(evidence_from_row)
        .transpose())
    }

    async fn evidence_of_subject(
        &self,
        scope: &Scope,
        subject_id: Uuid,
    ) -> Result<Vec<Evidence>, StoreError> {
        let pattern = scope.pattern();
        run!(self, |e| e
            .query(EVIDENCE_OF_SUBJECT, &[subject_id.into(), pattern.into()])
            .await?
            .iter()
            .map(evidence_from_row)
            .collect())
    }

    async fn custody(&self, evidence_id: Uuid) -> Result<Vec<CustodyEntry>, StoreError> {
        run!(self, |e| e
            .query(CUSTODY_OF, &[evidence_id.into()])
            .await?
            .iter()
            .map(custody_from_row)
            .collect())
    }

    async fn blobs(
        &self,
        after_sha256: &str,
        limit: i64,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        let values: Vec<Value> = vec![after_sha256.into(), limit.into()];
        run!(self, |e| e
            .query(BLOBS, &values)
            .await?
            .iter()
            .map(|r| Ok((r.text(0)?, r.text(1)?, r.i64(2)?)))
            .collect())
    }

    async fn record_security_audit(&self, r: &SecurityAuditRecord) -> Result<(), StoreError> {
        let values: Vec<Value> = vec![
            r.at.into(),
            r.username.as_str().into(),
            r.user_id.into(),
            r.ip.as_str().into(),
            r.kind.as_str().into(),
            r.detail.as_str().into(),
        ];
        run!(self, |e| e.execute(INSERT_AUDIT, &values).await.map(|_| ()))
    }

    async fn security_audit(&self, limit: i64) -> Result<Vec<SecurityAuditRecord>, StoreError> {
        run!(self, |e| e
            .query(AUDIT, &[limit.into()])
            .await?
            .iter()
            .map(|r| Ok(SecurityAuditRecord {
                at: r.time(0)?,
                username: r.text(1)?,
                user_id: r.opt_uuid(2)?,
                ip: r.text(3)?,
                kind: r.text(4)?,
                detail: r.text(5)?,
            }))
            .collect())
    }

    async fn blob_in_use(&self, sha256: &str) -> Result<bool, StoreError> {
        let sha256 = Value::from(sha256);
        run!(self, |e| e
            .query(BLOB_IN_USE, std::slice::from_ref(&sha256))
            .await
            .map(|rows| !rows.is_empty()))
    }

    async fn create_upload(&self, u: &Upload) -> Result<(), StoreError> {
        let values: Vec<Value> = vec![
            u.id.into(),
            u.user_id.into(),
            u.metadata.as_str().into(),
            u.length.into(),
            u.received.into(),
            u.created_at.into(),
            u.expires_at.into(),
            u.evidence_id.into(),
        ];
        run!(self, |e| e
            .execute(INSERT_UPLOAD, &values)
            .await
            .map(|_| ()))
    }

    async fn upload(&self, id: Uuid) -> Result<Option<Upload>, StoreError> {
        run!(self, |e| query_opt(e, UPLOAD, &[id.into()])
            .await?
            .as_ref()
            .map(upload_from_row)
            .transpose())
    }

    async fn set_upload_received(
        &self,
        id: Uuid,
        from: i64,
        received: i64,
    ) -> Result<bool, StoreError> {
        run!(self, |e| e
            .execute(SET_RECEIVED, &[id.into(), received.into(), from.into()])
            .await
            .map(|n| n == 1))
    }

    async fn finish_upload(&self, id: Uuid, evidence_id: Uuid) -> Result<bool, StoreError> {
        run!(self, |e| e
            .execute(FINISH_UPLOAD, &[id.into(), evidence_id.into()])
            .await
            .map(|n| n == 1))
    }

    async fn delete_upload(&self, id: Uuid) -> Result<(), StoreError> {
        run!(self, |e| e
            .execute(DELETE_UPLOAD, &[id.into()])
            .await
            .map(|_| ()))
    }

    async fn expired_uploads(&self, now: Timestamp) -> Result<Vec<Uuid>, StoreError> {
        run!(self, |e| e
            .query(EXPIRED_UPLOADS, &[now.into()])
            .await?
            .iter()
            .map(|r| r.uuid(0))
            .collect())
    }
}
