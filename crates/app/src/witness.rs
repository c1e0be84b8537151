//! The witness (`ecoenforce witness serve`): cosigns a log's checkpoint only when it extends the
//! last one it cosigned for that log (C2SP tlog-witness), and keeps every signed checkpoint it
//! refused for not extending it, as evidence of a fork. Its bodies are the supervisors of
//! enforcement (procuratorate, provincial department, court); it runs on their machine, not the
//! bureau's.

use crate::Clock;
use ledger::SigningKey;
use ledger::cosignature;
use ledger::witness::{AddCheckpoint, Evidence, check_extends, verify_log_signature};
pub use ledger::witness::{Refusal, SIZE_CONTENT_TYPE};
use std::collections::BTreeMap;
use std::sync::Arc;
use store::{ForkEvidence, StoreError, WitnessStore, Witnessed};

/// The witness's identity and the logs it follows.
pub struct WitnessConfig {
    /// The cosigner name (a schema-less URL such as `jcy.xsbn.example/witness`).
    pub name: String,
    pub key: SigningKey,
    /// Per origin, the verifier keys of that log (a C2SP verifier key names its origin).
    pub logs: BTreeMap<String, Vec<String>>,
}

impl WitnessConfig {
    /// Builds the log list from verifier keys; each key's name is its log's origin.
    pub fn logs_from_keys(keys: &[String]) -> Result<BTreeMap<String, Vec<String>>, String> {
        let mut logs: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for k in keys {
            let (origin, _) =
                ledger::note::parse_verifier_key(k).map_err(|e| format!("{k}: {e}"))?;
            logs.entry(origin).or_default().push(k.trim().to_owned());
        }
        Ok(logs)
    }

    /// The witness's own verifier key (`cosignature/v1`, type 0x04).
    pub fn verifier_key(&self) -> String {
        cosignature::verifier_key(&self.name, &self.key.verifying_key())
    }
}

/// What `add-checkpoint` answers.
#[derive(Debug)]
pub enum WitnessAnswer {
    /// 200: the witness's signature line(s).
    Cosigned(String),
    Refused(Refusal),
}

#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cosigning: {0}")]
    Sign(String),
}

pub struct Witness {
    store: Arc<dyn WitnessStore>,
    config: WitnessConfig,
    clock: Arc<dyn Clock>,
    /// One submission at a time: checking against the latest and recording the new one are one
    /// step (tlog-witness: otherwise two requests can roll the log back). The store's
    /// compare-and-set guards the same against a second process on the same file.
    turn: tokio::sync::Mutex<()>,
}

impl Witness {
    pub fn new(store: Arc<dyn WitnessStore>, config: WitnessConfig, clock: Arc<dyn Clock>) -> Self {
        Witness {
            store,
            config,
            clock,
            turn: tokio::sync::Mutex::new(()),
        }
    }

    pub fn config(&self) -> &WitnessConfig {
        &self.config
    }

    /// `POST /add-checkpoint` with the request body.
    pub async fn add_checkpoint(&self, body: &str) -> Result<WitnessAnswer, WitnessError> {
        let request = match AddCheckpoint::parse(body) {
            Ok(r) => r,
            Err(refusal) => return Ok(WitnessAnswer::Refused(refusal)),
        };
        let signed = match verify_log_signature(&request.checkpoint, |origin| {
            self.config.logs.get(origin).map(Vec::as_slice)
        }) {
            Ok(s) => s,
            Err(refusal) => return Ok(WitnessAnswer::Refused(refusal)),
        };
        let _turn = self.turn.lock().await;
        let latest = self.store.latest(&signed.origin).await?;
        let known = latest.as_ref().map(|w| (w.size, w.root));
        if let Err((refusal, evidence)) =
            check_extends(known, request.old_size, &request.proof, &signed)
        {
            if let (Some(kind), Some(cosigned)) = (evidence, latest) {
                self.keep_evidence(kind, cosigned, &request, &signed)
                    .await?;
            }
            return Ok(WitnessAnswer::Refused(refusal));
        }
        let time = self.clock.now().as_datetime().timestamp().max(0) as u64;
        let line = cosignature::cosign(&signed.text, &self.config.name, &self.config.key, time)
            .map_err(|e| WitnessError::Sign(e.to_string()))?;
        // Kept and served: the text, the log's verified signatures and ours; never lines the
        // submitter added that nobody checked.
        let checkpoint = signed.note_with(std::slice::from_ref(&line));
        let next = Witnessed {
            origin: signed.origin.clone(),
            size: signed.size,
            root: signed.root,
            checkpoint,
            cosigned_at: time,
        };
        if !self.store.advance(known.map(|(s, _)| s), &next).await? {
            // Another process moved the log meanwhile: the client asks again with its size.
            let now = self.store.latest(&signed.origin).await?;
            return Ok(WitnessAnswer::Refused(Refusal::Conflict {
                known: now.map(|w| w.size).unwrap_or(0),
            }));
        }
        tracing::info!(origin = %signed.origin, size = signed.size, "cosigned");
        Ok(WitnessAnswer::Cosigned(line))
    }

    async fn keep_evidence(
        &self,
        kind: Evidence,
        cosigned: Witnessed,
        request: &AddCheckpoint,
        signed: &ledger::witness::Signed,
    ) -> Result<(), WitnessError> {
        use base64::Engine;
        let proof: Vec<String> = request
            .proof
            .iter()
            .map(|h| base64::engine::general_purpose::STANDARD.encode(h))
            .collect();
        if kind.proves_fork() {
            tracing::error!(origin = %cosigned.origin, size = cosigned.size,
                "the log signed another tree of the size this witness cosigned: a fork");
        } else {
            tracing::warn!(origin = %cosigned.origin, kind = kind.as_str(), cosigned = cosigned.size,
                "a checkpoint of the log that does not extend the one this witness cosigned");
        }
        self.store
            .record_evidence(&ForkEvidence {
                origin: cosigned.origin,
                kind: kind.as_str().to_owned(),
                cosigned: cosigned.checkpoint,
                offered: signed.note_with(&[]),
                proof: proof.join("\n"),
                at: self.clock.now().as_datetime().timestamp().max(0) as u64,
            })
            .await?;
        Ok(())
    }

    /// The latest cosigned checkpoint of a log (its note with this witness's cosignature).
    pub async fn latest(&self, origin: &str) -> Result<Option<Witnessed>, WitnessError> {
        Ok(self.store.latest(origin).await?)
    }

    pub async fn logs(&self) -> Result<Vec<Witnessed>, WitnessError> {
        Ok(self.store.logs().await?)
    }

    pub async fn evidence(&self, origin: &str) -> Result<Vec<ForkEvidence>, WitnessError> {
        Ok(self.store.evidence(origin).await?)
    }
}
