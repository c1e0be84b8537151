//! Evidence: uploads (one request, or resumable by tus 1.0), reads that are recorded in the
//! chain of custody, and custody transfer.

use crate::{App, AppError};
use bytes::Bytes;
use domain::event::Payload;
use domain::evidence::{
    Access, BlobFacts, CustodyEntry, Evidence, EvidenceData, EvidenceState, EvidenceType,
    RegisterEvidence, RegisterState, Subject, SubjectType, TransferCustody, TransferState,
};
use domain::permission::{Capability, roles_allow};
use domain::{Actor, Reason, Refusal, RefusalKind, Timestamp};
use futures::Stream;
use std::path::PathBuf;
use std::sync::Arc;
pub use store::Upload;
use store::blobs::{BlobError, BlobStore};
use store::{Reader, Scope, SecurityAuditRecord, StoreError};
use uuid::Uuid;

/// Incomplete resumable uploads are removed this long after they were created.
pub const UPLOAD_TTL_SECONDS: i64 = 7 * 24 * 3600;

/// An upload whose bytes are stored and whose registration waits to be decided.
pub(crate) struct Prepared {
    pub cmd: RegisterEvidence,
    pub pin: store::blobs::BlobPin,
}

/// The evidence store of a running instance.
pub struct EvidenceStore {
    pub blobs: BlobStore,
    /// Where resumable uploads keep their bytes until they are complete.
    pub uploads_dir: PathBuf,
}

/// The fields an upload states, as text (multipart form fields or tus metadata), before they
/// are read into [`EvidenceData`].
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EvidenceFields {
    pub fields: Vec<(String, String)>,
    pub file_name: String,
}

const KNOWN: [&str; 12] = [
    "subject_type",
    "subject_id",
    "type",
    "title",
    "collected_at",
    "collected_by",
    "assisted_by",
    "lat",
    "lon",
    "device",
    "device_sha256",
    "on_site",
];

impl EvidenceFields {
    fn one(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }

    /// Repeated fields; a comma-separated value counts as several (tus metadata has no repeats).
    fn many(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Reads the fields; every problem is reported at once (422).
    pub fn parse(&self) -> Result<(EvidenceData, Option<String>), Refusal> {
        // Every field is one line, multipart and tus alike; refused before anything is looked
        // up (a NUL in a username would reach PostgreSQL, which refuses it).
        domain::text::check_texts(
            self.fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str(), false))
                .chain(std::iter::once(("file", self.file_name.as_str(), false))),
        )?;
        let mut reasons = Vec::new();
        for (k, _) in &self.fields {
            if !KNOWN.contains(&k.as_str()) {
                reasons.push(
                    Reason::new("field.unknown")
                        .field(k.clone())
                        .arg("field", k),
                );
            }
        }
        let required = |name: &str, reasons: &mut Vec<Reason>| {
            let v = self.one(name);
            if v.is_none() {
                reasons.push(Reason::new("field.required").field(name));
            }
            v
        };
        let subject_type = match self.one("subject_type").map(SubjectType::parse) {
            None => Some(SubjectType::Entity),
            Some(Some(kind)) => Some(kind),
            Some(None) => {
                let other = self.one("subject_type").unwrap_or_default();
                reasons.push(
                    Reason::new("evidence.bad_subject_type")
                        .field("subject_type")
                        .arg("value", other),
                );
                None
            }
        };
        let subject_id = required("subject_id", &mut reasons).and_then(|v| {
            Uuid::parse_str(v)
                .map_err(|_| {
                    reasons.push(Reason::new("evidence.bad_id").field("subject_id"));
                })
                .ok()
        });
        let evidence_type = required("type", &mut reasons).and_then(|v| {
            let t = EvidenceType::parse(v);
            if t.is_none() {
                reasons.push(
                    Reason::new("evidence.bad_type")
                        .field("type")
                        .arg("value", v),
                );
            }
            t
        });
        let title = required("title", &mut reasons)
            .unwrap_or_default()
            .to_owned();
        let collected_at = required("collected_at", &mut reasons).and_then(|v| {
            let t = Timestamp::parse(v).ok();
            if t.is_none() {
                reasons.push(Reason::new("evidence.bad_time").field("collected_at"));
            }
            t
        });
        let mut degrees = |name: &str, max: f64| {
            self.one(name).and_then(|v| match v.trim().parse::<f64>() {
                Ok(d) if d.is_finite() && d.abs() <= max => Some((d * 1e6).round() as i64),
                _ => {
                    reasons.push(Reason::new("coordinate.out_of_range").field(name));
                    None
                }
            })
        };
        let lat_e6 = degrees("lat", 90.0);
        let lon_e6 = degrees("lon", 180.0);
        let on_site = match self.one("on_site").unwrap_or("false") {
            "true" | "1" | "on" => true,
            "false" | "0" | "off" => false,
            other => {
                reasons.push(
                    Reason::new("evidence.bad_bool")
                        .field("on_site")
                        .arg("value", other),
                );
                false
            }
        };
        let device_sha256 = self.one("device_sha256").map(|v| v.trim().to_lowercase());
        if device_sha256
            .as_ref()
            .is_some_and(|v| v.len() != 64 || !v.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            reasons.push(Reason::new("evidence.bad_sha256").field("device_sha256"));
        }
        if self.file_name.chars().count() > 255 {
            reasons.push(Reason::new("field.too_long").field("file").arg("max", 255));
        }
        let (Some(subject_type), Some(subject_id), Some(evidence_type), Some(collected_at), true) = (
            subject_type,
            subject_id,
            evidence_type,
            collected_at,
            reasons.is_empty(),
        ) else {
            return Err(Refusal::new(RefusalKind::Invalid, reasons));
        };
        Ok((
            EvidenceData {
                subject_type,
                subject_id,
                evidence_type,
                title,
                collected_at,
                collected_by: self.many("collected_by"),
                assisted_by: self.many("assisted_by"),
                lat_e6,
                lon_e6,
                device: self.one("device").map(|d| d.trim().to_owned()),
                on_site,
            },
            device_sha256,
        ))
    }
}

/// The subject evidence names, as `{kind, id, county}`, if it exists (unscoped: the decision
/// checks the actor's reach).
pub(crate) async fn subject(
    r: &mut dyn Reader,
    kind: SubjectType,
    id: Uuid,
) -> Result<Option<Subject>, StoreError> {
    Ok(match kind {
        SubjectType::Entity => r.entity_by_id(id).await?.as_ref().map(Subject::entity),
        SubjectType::Clue => r.clue_by_id(id).await?.as_ref().map(Subject::clue),
        SubjectType::Case => r.case_by_id(id).await?.as_ref().map(Subject::case),
    })
}

/// A registration's state, read in the write transaction.
pub(crate) async fn register_state(
    r: &mut dyn Reader,
    data: &EvidenceData,
    now: Timestamp,
) -> Result<RegisterState, StoreError> {
    let mut people = Vec::new();
    for name in data.collected_by.iter().chain(&data.assisted_by) {
        people.push((name.clone(), r.user_by_username(name).await?));
    }
    Ok(RegisterState {
        subject: subject(r, data.subject_type, data.subject_id).await?,
        people,
        collected_on: data.collected_at.china_date(),
        now,
    })
}

fn blob_error(e: BlobError) -> AppError {
    match e {
        BlobError::TooLarge { max } => AppError::TooLarge { max },
        BlobError::Read(m) => AppError::Refused(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("evidence.upload_broken").arg("detail", m),
        )),
        other => AppError::Internal(other.to_string()),
    }
}

/// A file read back in chunks, for a finished resumable upload.
fn file_stream(path: PathBuf) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin + Send {
    use tokio::io::AsyncReadExt;
    Box::pin(futures::stream::try_unfold(
        (path, None::<tokio::fs::File>),
        |(path, file)| async move {
            let mut file = match file {
                Some(f) => f,
                None => tokio::fs::File::open(&path).await?,
            };
            let mut buf = vec![0u8; 256 << 10];
            let n = file.read(&mut buf).await?;
            if n == 0 {
                return Ok(None);
            }
            buf.truncate(n);
            Ok(Some((Bytes::from(buf), (path, Some(file)))))
        },
    ))
}

impl App {
    /// Attaches the evidence store (serve, tests).
    pub fn attach_evidence_store(&self, store: EvidenceStore) -> Result<(), AppError> {
        crate::private_dir(&store.uploads_dir)
            .map_err(|e| AppError::Internal(format!("{}: {e}", store.uploads_dir.display())))?;
        self.evidence_store
            .set(Arc::new(store))
            .map_err(|_| AppError::Internal("the evidence store is already attached".into()))
    }

    /// The upload size limit, when an evidence store is attached.
    pub fn evidence_max_bytes(&self) -> Option<u64> {
        self.evidence_store.get().map(|s| s.blobs.max_bytes())
    }

    fn evidence_store(&self) -> Result<&Arc<EvidenceStore>, AppError> {
        self.evidence_store
            .get()
            .ok_or_else(|| AppError::Unavailable(Reason::new("evidence.no_store")))
    }

    /// The registration's state, read outside the write path (a cheap early check before the
    /// bytes are streamed; the write path decides again on fresh reads).
    async fn evidence_state(&self, data: &EvidenceData) -> Result<RegisterState, AppError> {
        let subject = self
            .find_subject(&Scope::all(), data.subject_type, data.subject_id)
            .await?;
        let mut people = Vec::new();
        for name in data.collected_by.iter().chain(&data.assisted_by) {
            let user = self.store.user_with_credential(name).await?.map(|(u, _)| u);
            people.push((name.clone(), user));
        }
        Ok(RegisterState {
            subject,
            people,
            collected_on: data.collected_at.china_date(),
            now: self.clock.now(),
        })
    }

    /// Checks an upload's statement (early, outside the write path), streams its bytes into the
    /// store and compares the device's hash: the registration to decide, and the pin that holds
    /// the bytes until it is written or given back ([`App::discard_blob`]).
    pub(crate) async fn prepare_evidence<S>(
        &self,
        actor: &Actor,
        fields: &EvidenceFields,
        body: S,
        ip: &str,
    ) -> Result<Prepared, AppError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Unpin + Send,
    {
        self.check_writable()?;
        let (data, device_sha256) = fields.parse()?;
        let state = self.evidence_state(&data).await?;
        domain::evidence::check_data(&state, actor, &data)?;
        let store = self.evidence_store()?;
        let store::blobs::Ingested {
            sha256,
            sm3,
            size,
            mime,
            pin,
            ..
        } = store.blobs.ingest(body).await.map_err(blob_error)?;
        // The pin holds the blob until the evidence is recorded (the end of this function); a
        // refused upload gives it back, and the blob goes unless someone else needs it.
        if let Some(stated) = &device_sha256
            && *stated != sha256
        {
            self.discard_blob(pin, &sha256).await;
            let (username, user_id) = match actor {
                Actor::User(u) => (u.username.clone(), Some(u.id)),
                Actor::System => ("system".to_owned(), None),
            };
            let detail = serde_json::json!({
                "subject_id": data.subject_id,
                "file_name": fields.file_name,
                "device": data.device,
                "device_sha256": stated,
                "received_sha256": sha256,
                "size": size,
            });
            self.store
                .record_security_audit(&SecurityAuditRecord {
                    at: self.clock.now(),
                    username,
                    user_id,
                    ip: ip.to_owned(),
                    kind: "evidence.device_hash_mismatch".into(),
                    detail: detail.to_string(),
                })
                .await?;
            return Err(AppError::Refused(Refusal::one(
                RefusalKind::Invalid,
                Reason::new("evidence.device_hash_mismatch")
                    .field("device_sha256")
                    .arg("stated", stated)
                    .arg("received", &sha256),
            )));
        }
        let blob = BlobFacts {
            sha256: sha256.clone(),
            sm3,
            size,
            mime,
            file_name: fields.file_name.clone(),
        };
        Ok(Prepared {
            cmd: RegisterEvidence {
                id: Uuid::now_v7(),
                data,
                blob,
                demo: false,
            },
            pin,
        })
    }

    /// Gives back a refused upload's bytes: the blob goes unless other evidence holds it.
    pub(crate) async fn discard_blob(&self, pin: store::blobs::BlobPin, sha256: &str) {
        let Ok(store) = self.evidence_store() else {
            return;
        };
        let referenced = async { self.store.blob_in_use(sha256).await.unwrap_or(true) };
        if let Err(e) = store.blobs.discard(pin, referenced).await {
            tracing::warn!(sha256, error = %e, "a refused upload's bytes stay stored");
        }
    }

    /// Registers evidence: checks the statement, streams the bytes into the store, compares the
    /// device's hash, then records the registration. On any refusal nothing stays stored.
    pub async fn register_evidence<S>(
        &self,
        actor: &Actor,
        fields: &EvidenceFields,
        body: S,
        ip: &str,
    ) -> Result<Evidence, AppError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Unpin + Send,
    {
        let Prepared { cmd, pin } = self.prepare_evidence(actor, fields, body, ip).await?;
        let sha256 = cmd.blob.sha256.clone();
        let written = self
            .command(
                actor,
                cmd,
                |r, cmd, now| Box::pin(register_state(r, &cmd.data, now.at)),
                domain::evidence::decide_register,
            )
            .await;
        let committed = match written {
            Ok(c) => c,
            Err(e) => {
                self.discard_blob(pin, &sha256).await;
                return Err(e);
            }
        };
        drop(pin);
        let at = committed
            .first()
            .map(|r| r.event.at)
            .unwrap_or_else(|| self.clock.now());
        let created_by = committed
            .first()
            .map(|r| r.event.actor.name.clone())
            .unwrap_or_default();
        crate::command::committed(&committed, "evidence.registered", |p| match p {
            Payload::EvidenceRegistered(p) => Some(Evidence {
                id: p.id,
                county_code: p.county_code.clone(),
                data: p.data.clone(),
                blob: p.blob.clone(),
                custodian: p.custodian.clone(),
                demo: p.demo,
                created_at: at,
                created_by: created_by.clone(),
            }),
            _ => None,
        })
    }

    /// Officers who may be named as collectors of evidence about an entity in `county`: those
    /// with an enforcement role whose jurisdiction covers it, by username.
    pub async fn officers_for(&self, county: &str) -> Result<Vec<domain::user::User>, AppError> {
        Ok(self
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| {
                roles_allow(&u.roles, Capability::FieldInvestigation)
                    && u.counties
                        .as_ref()
                        .is_none_or(|c| c.iter().any(|x| x == county))
            })
            .collect())
    }

    /// A subject of evidence of this kind within `scope`, outside the write path (what
    /// [`subject`] reads inside it).
    async fn find_subject(
        &self,
        scope: &Scope,
        kind: SubjectType,
        id: Uuid,
    ) -> Result<Option<Subject>, AppError> {
        Ok(match kind {
            SubjectType::Entity => self
                .store
                .entity(scope, id)
                .await?
                .as_ref()
                .map(Subject::entity),
            SubjectType::Clue => self
                .store
                .clue(scope, "", id)
                .await?
                .as_ref()
                .map(Subject::clue),
            SubjectType::Case => self
                .store
                .case(scope, id)
                .await?
                .as_ref()
                .map(Subject::case),
        })
    }

    /// A subject of evidence the actor may read, whatever its kind; outside the actor's scope it
    /// does not exist (404).
    pub async fn evidence_subject(&self, actor: &Actor, id: Uuid) -> Result<Subject, AppError> {
        let scope = crate::scope(actor, Capability::EntityRead)?;
        for kind in SubjectType::ALL {
            if let Some(subject) = self.find_subject(&scope, kind, id).await? {
                return Ok(subject);
            }
        }
        Err(Refusal::not_found().into())
    }

    /// The evidence about a subject (an entity, a clue or a case) the actor may read, newest
    /// first.
    pub async fn evidence_of_subject(
        &self,
        actor: &Actor,
        subject_id: Uuid,
    ) -> Result<Vec<Evidence>, AppError> {
        let subject = self.evidence_subject(actor, subject_id).await?;
        let scope = crate::scope(actor, Capability::EvidenceRead)?;
        Ok(self.store.evidence_of_subject(&scope, subject.id).await?)
    }

    /// Records one access in the chain of custody (it is a write: refused while read-only).
    pub(crate) async fn record_access(
        &self,
        actor: &Actor,
        id: Uuid,
        access: Access,
    ) -> Result<(), AppError> {
        // Outside the actor's reach the evidence does not exist, before anything is written.
        self.store
            .evidence(&crate::scope(actor, Capability::EvidenceRead)?, id)
            .await?
            .ok_or_else(Refusal::not_found)?;
        self.command(
            actor,
            access,
            move |r, _, _| {
                Box::pin(async move {
                    Ok(EvidenceState {
                        evidence: r.evidence_by_id(id).await?,
                    })
                })
            },
            domain::evidence::decide_access,
        )
        .await?;
        Ok(())
    }

    /// Views a piece of evidence (recorded), with its custody timeline.
    pub async fn view_evidence(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(Evidence, Vec<CustodyEntry>), AppError> {
        self.record_access(actor, id, Access::Viewed).await?;
        let e = self
            .store
            .evidence(&crate::scope(actor, Capability::EvidenceRead)?, id)
            .await?
            .ok_or_else(Refusal::not_found)?;
        Ok((e, self.store.custody(id).await?))
    }

    /// The bytes of a piece of evidence (recorded as a download or an export).
    pub async fn evidence_content(
        &self,
        actor: &Actor,
        id: Uuid,
        access: Access,
    ) -> Result<
        (
            Evidence,
            impl Stream<Item = Result<Bytes, std::io::Error>> + Send + use<>,
        ),
        AppError,
    > {
        self.record_access(actor, id, access).await?;
        let e = self
            .store
            .evidence(&crate::scope(actor, Capability::EvidenceRead)?, id)
            .await?
            .ok_or_else(Refusal::not_found)?;
        let stream = self
            .evidence_store()?
            .blobs
            .get(&e.blob.sha256)
            .await
            .map_err(|err| AppError::Internal(err.to_string()))?;
        Ok((e, stream))
    }

    /// Hands the evidence over to another officer.
    pub async fn transfer_custody(
        &self,
        actor: &Actor,
        id: Uuid,
        to: &str,
        reason: &str,
    ) -> Result<Evidence, AppError> {
        // Before the load, which looks the username up: PostgreSQL refuses a NUL outright.
        domain::text::check_texts([("to", to, false), ("reason", reason, true)])?;
        self.store
            .evidence(&crate::scope(actor, Capability::EvidenceRead)?, id)
            .await?
            .ok_or_else(Refusal::not_found)?;
        let cmd = TransferCustody {
            id,
            to: to.to_owned(),
            reason: reason.to_owned(),
        };
        self.command(
            actor,
            cmd,
            |r, cmd, _| {
                Box::pin(async move {
                    Ok(TransferState {
                        evidence: r.evidence_by_id(cmd.id).await?,
                        to: r.user_by_username(&cmd.to).await?,
                    })
                })
            },
            domain::evidence::decide_transfer,
        )
        .await?;
        self.store
            .evidence(&Scope::all(), id)
            .await?
            .ok_or_else(|| AppError::Refused(Refusal::not_found()))
    }

    // --- resumable uploads (tus 1.0: core, creation, expiration) ---------------------------

    fn upload_path(&self, id: Uuid) -> Result<PathBuf, AppError> {
        Ok(self
            .evidence_store()?
            .uploads_dir
            .join(format!("{id}.part")))
    }

    /// Starts a resumable upload of `length` bytes; the fields are checked now, so a bad form
    /// is refused before any byte is sent.
    pub async fn create_upload(
        &self,
        actor: &Actor,
        length: i64,
        fields: EvidenceFields,
    ) -> Result<Upload, AppError> {
        self.check_writable()?;
        self.expire_uploads().await?;
        let Actor::User(u) = actor else {
            return Err(AppError::Refused(Refusal::forbidden()));
        };
        let max = self.evidence_store()?.blobs.max_bytes();
        if length < 0 || length as u64 > max {
            return Err(AppError::TooLarge { max });
        }
        let (data, _) = fields.parse()?;
        let state = self.evidence_state(&data).await?;
        domain::evidence::check_data(&state, actor, &data)?;
        let now = self.clock.now();
        let upload = Upload {
            id: Uuid::now_v7(),
            user_id: u.id,
            metadata: serde_json::to_string(&fields)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            length,
            received: 0,
            created_at: now,
            expires_at: Timestamp::new(
                now.as_datetime() + chrono::Duration::seconds(UPLOAD_TTL_SECONDS),
            ),
            evidence_id: None,
        };
        let mut part = tokio::fs::OpenOptions::new();
        part.write(true).create_new(true);
        #[cfg(unix)]
        part.mode(0o600);
        part.open(self.upload_path(upload.id)?)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        self.store.create_upload(&upload).await?;
        Ok(upload)
    }

    /// An upload of the actor's (404 for anyone else's, and for expired ones).
    pub async fn upload_of(&self, actor: &Actor, id: Uuid) -> Result<Upload, AppError> {
        let Actor::User(u) = actor else {
            return Err(AppError::Refused(Refusal::not_found()));
        };
        match self.store.upload(id).await? {
            Some(up)
                if up.user_id == u.id
                    && up.expires_at.as_datetime() > self.clock.now().as_datetime() =>
            {
                Ok(up)
            }
            _ => Err(AppError::Refused(Refusal::not_found())),
        }
    }

    /// The upload at `offset`, held by this request: 404 for none of the actor's, 409 while
    /// another request writes it or when `offset` is not where it stands.
    async fn claim_upload(
        &self,
        actor: &Actor,
        id: Uuid,
        offset: i64,
    ) -> Result<(PathBuf, Upload, Option<UploadLock>), AppError> {
        self.upload_of(actor, id).await?;
        let path = self.upload_path(id)?;
        // A missing file means the upload finished or was removed a moment ago: the re-read
        // below answers for it.
        let held = match UploadLock::try_acquire(&path).await? {
            Lock::Held(lock) => Some(lock),
            Lock::Busy => return Err(upload_busy()),
            Lock::Gone => None,
        };
        // Read again under the lock: whatever a request that held it before did is now seen.
        let up = self.upload_of(actor, id).await?;
        if up.evidence_id.is_some() || offset != up.received {
            return Err(AppError::Refused(Refusal::one(
                RefusalKind::Conflict,
                Reason::new("upload.offset_mismatch")
                    .field("Upload-Offset")
                    .arg("expected", up.received)
                    .arg("given", offset),
            )));
        }
        Ok((path, up, held))
    }

    /// Appends bytes at `offset`; when the last byte arrives the upload becomes evidence.
    /// Returns the new offset and the evidence once complete.
    ///
    /// One request at a time holds an upload: the offset is checked, the bytes written and the
    /// evidence registered under an exclusive lock on the upload's file, so two PATCHes racing
    /// at the same offset cannot both write (interleaved bytes) or both finish (two evidence
    /// rows). The loser is refused with 409 and changes nothing. The offset and the link to the
    /// evidence are also compare-and-set in the database, a second line should the lock ever
    /// be bypassed (two servers sharing one database).
    pub async fn append_upload<S>(
        &self,
        actor: &Actor,
        id: Uuid,
        offset: i64,
        mut body: S,
        ip: &str,
    ) -> Result<(i64, Option<Evidence>), AppError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Unpin + Send,
    {
        use futures::StreamExt;
        use tokio::io::{AsyncSeekExt, AsyncWriteExt};
        self.check_writable()?;
        // Existence and ownership first, so nobody learns of another's upload by its lock.
        let (path, up, _held) = match self.claim_upload(actor, id, offset).await {
            Ok(claimed) => claimed,
            Err(e) => {
                drain(&mut body).await;
                return Err(e);
            }
        };
        let io = |e: std::io::Error| AppError::Internal(format!("{}: {e}", path.display()));
        // Whatever a broken earlier request wrote past the recorded offset is not part of it.
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .await
            .map_err(io)?;
        file.set_len(up.received as u64).await.map_err(io)?;
        file.seek(std::io::SeekFrom::Start(up.received as u64))
            .await
            .map_err(io)?;
        let mut file = tokio::io::BufWriter::new(file);
        let mut received = up.received;
        // Why the body stopped early: a dropped connection (the client resumes from what
        // arrived) or more bytes than the upload's length (refused, 413).
        let mut dropped = None;
        let mut overflow = false;
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    dropped = Some(e.to_string());
                    break;
                }
            };
            if received + chunk.len() as i64 > up.length {
                overflow = true;
                break;
            }
            file.write_all(&chunk).await.map_err(io)?;
            received += chunk.len() as i64;
        }
        file.flush().await.map_err(io)?;
        file.get_ref().sync_data().await.map_err(io)?;
        drop(file);
        if !self
            .store
            .set_upload_received(id, up.received, received)
            .await?
        {
            return Err(upload_busy());
        }
        if overflow {
            return Err(AppError::TooLarge {
                max: up.length as u64,
            });
        }
        if let Some(detail) = dropped {
            tracing::info!(upload = %id, received, detail, "upload interrupted; it can resume");
            return Ok((received, None));
        }
        if received < up.length {
            return Ok((received, None));
        }
        let fields: EvidenceFields =
            serde_json::from_str(&up.metadata).map_err(|e| AppError::Internal(e.to_string()))?;
        let result = self
            .register_evidence(actor, &fields, file_stream(path.clone()), ip)
            .await;
        match result {
            Ok(e) => {
                if !self.store.finish_upload(id, e.id).await? {
                    // Cannot happen while the lock holds; should it, the evidence stays (it
                    // is in the ledger) and the log says which upload it came from.
                    tracing::error!(upload = %id, evidence = %e.id, "upload finished twice");
                }
                let _ = tokio::fs::remove_file(&path).await;
                Ok((received, Some(e)))
            }
            Err(err) => {
                self.store.delete_upload(id).await?;
                let _ = tokio::fs::remove_file(&path).await;
                Err(err)
            }
        }
    }

    /// Removes uploads past their expiry, with their bytes.
    pub async fn expire_uploads(&self) -> Result<usize, AppError> {
        let expired = self.store.expired_uploads(self.clock.now()).await?;
        let mut removed = 0;
        for id in &expired {
            let path = self.upload_path(*id)?;
            // An upload that a request is writing right now is left to the next sweep.
            let _held = match UploadLock::try_acquire(&path).await? {
                Lock::Busy => continue,
                held => held,
            };
            self.store.delete_upload(*id).await?;
            let _ = tokio::fs::remove_file(&path).await;
            removed += 1;
        }
        Ok(removed)
    }
}

/// Reads and drops what is left of a refused PATCH's body, up to [`DRAIN_LIMIT`] bytes and
/// while it keeps coming. A server that answers before reading a body and then closes with
/// bytes unread makes the kernel reset the connection, and the client may lose the answer (a
/// broken pipe, an incomplete message) instead of reading the 409. A longer body is cut off.
async fn drain<S>(body: &mut S)
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Unpin + Send,
{
    use futures::StreamExt;
    let mut seen = 0;
    while let Ok(Some(Ok(chunk))) =
        tokio::time::timeout(std::time::Duration::from_secs(5), body.next()).await
    {
        seen += chunk.len();
        if seen > DRAIN_LIMIT {
            break;
        }
    }
}

/// A refused PATCH body is read this far (a tus client's chunk) before the answer.
const DRAIN_LIMIT: usize = 16 << 20;

fn upload_busy() -> AppError {
    AppError::Refused(Refusal::one(
        RefusalKind::Conflict,
        Reason::new("upload.busy").field("Upload-Offset"),
    ))
}

/// An exclusive advisory lock (`flock`) on an upload's file, released when dropped — also when
/// the process dies, so a killed server leaves no upload locked.
struct UploadLock(#[allow(dead_code)] std::fs::File);

enum Lock {
    Held(UploadLock),
    /// Another request holds it.
    Busy,
    /// The file is not there (finished, failed or expired).
    Gone,
}

impl UploadLock {
    async fn try_acquire(path: &std::path::Path) -> Result<Lock, AppError> {
        let file = match tokio::fs::File::open(path).await {
            Ok(f) => f.into_std().await,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lock::Gone),
            Err(e) => return Err(AppError::Internal(format!("{}: {e}", path.display()))),
        };
        match file.try_lock() {
            Ok(()) => Ok(Lock::Held(UploadLock(file))),
            Err(std::fs::TryLockError::WouldBlock) => Ok(Lock::Busy),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(AppError::Internal(format!("{}: {e}", path.display())))
            }
        }
    }
}
