//! Collecting the witnesses' cosignatures (C2SP tlog-witness, as the log): after each signed
//! checkpoint, every configured witness is sent it with a consistency proof from the size that
//! witness last cosigned; its cosignature is verified and kept beside the checkpoint. A witness
//! that is down delays nothing: the checkpoint is served with the cosignatures it has, and that
//! witness is asked again with growing pauses (1 s doubling to 5 min).

use crate::{App, AppError};
use ledger::cosignature;
use ledger::witness::{AddCheckpoint, SIZE_CONTENT_TYPE, parse_size};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::{CheckpointRecord, CosignatureRecord};

const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(300);
/// A witness answers one request in well under this on a working network.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A witness as configured (`[[ledger.witnesses]]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessEndpoint {
    /// The submission prefix: `add-checkpoint` is posted to `<url>/add-checkpoint`.
    pub url: String,
    /// Its C2SP verifier key (cosignature/v1), which carries its name.
    pub vkey: String,
    pub name: String,
    /// Hex of its key ID.
    pub key_id: String,
}

impl WitnessEndpoint {
    pub fn new(url: &str, vkey: &str) -> Result<WitnessEndpoint, String> {
        let url = url.trim().trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "{url}: a witness URL starts with http:// or https://"
            ));
        }
        let (name, public) =
            cosignature::parse_verifier_key(vkey).map_err(|e| format!("{vkey}: {e}"))?;
        Ok(WitnessEndpoint {
            url: url.to_owned(),
            vkey: vkey.trim().to_owned(),
            key_id: ledger::hex(&cosignature::key_id(&name, &public)),
            name,
        })
    }
}

/// The witnesses and how many of them a checkpoint needs to count as cosigned.
#[derive(Clone, Debug, Default)]
pub struct CosigningConfig {
    pub witnesses: Vec<WitnessEndpoint>,
    /// `ledger.witness_quorum`; all of them when not set.
    pub quorum: usize,
}

impl CosigningConfig {
    pub fn new(witnesses: Vec<WitnessEndpoint>, quorum: Option<usize>) -> Result<Self, String> {
        let quorum = quorum.unwrap_or(witnesses.len());
        if quorum > witnesses.len() || (quorum == 0 && !witnesses.is_empty()) {
            return Err(format!(
                "the quorum {quorum} must be between 1 and the {} witness(es)",
                witnesses.len()
            ));
        }
        let mut keys: Vec<&str> = witnesses.iter().map(|w| w.key_id.as_str()).collect();
        keys.sort_unstable();
        if keys.windows(2).any(|k| k[0] == k[1]) {
            return Err("a witness is listed twice".into());
        }
        // The Ed25519 cosigned message does not name the cosigner, so one key under two names
        // would count twice toward the quorum.
        let mut publics: Vec<&str> = witnesses
            .iter()
            .map(|w| w.vkey.rsplit('+').next().unwrap_or_default())
            .collect();
        publics.sort_unstable();
        if publics.windows(2).any(|k| k[0] == k[1]) {
            return Err("two witnesses share one public key".into());
        }
        Ok(CosigningConfig { witnesses, quorum })
    }

    pub fn vkeys(&self) -> Vec<String> {
        self.witnesses.iter().map(|w| w.vkey.clone()).collect()
    }
}

/// What the platform knows of one witness, for the administrator.
#[derive(Clone, Debug, Default)]
pub struct WitnessStatus {
    pub name: String,
    pub url: String,
    pub vkey: String,
    /// The largest tree size it cosigned, and the cosignature's time (POSIX seconds).
    pub cosigned_size: Option<i64>,
    pub cosigned_at: Option<i64>,
    /// The last failure since its last cosignature, if any.
    pub last_error: Option<String>,
    /// Set when the witness has cosigned a larger tree than this database holds: the database
    /// is behind what was published (a restore), or someone else signs with this log's key.
    pub ahead: Option<u64>,
}

#[derive(Default)]
struct Live {
    /// The size the witness last cosigned, as far as we know (its 409 answers correct it).
    known: Option<u64>,
    last_error: Option<String>,
    ahead: Option<u64>,
}

pub(crate) struct Cosigning {
    config: CosigningConfig,
    live: Vec<Mutex<Live>>,
    /// The size of the newest signed checkpoint; each witness's task wakes when it changes.
    signed: tokio::sync::watch::Sender<u64>,
    client: reqwest::Client,
}

enum Step {
    Done,
    /// The witness told us its size; ask again with it.
    Again,
}

impl App {
    /// Starts one task per witness. Call after `start_signer`.
    pub fn start_cosigning(self: &Arc<Self>, config: CosigningConfig) -> Result<(), AppError> {
        if config.witnesses.is_empty() {
            return Ok(());
        }
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| AppError::Internal(format!("the witness client: {e}")))?;
        let (signed, _) = tokio::sync::watch::channel(0u64);
        let c = Arc::new(Cosigning {
            live: config.witnesses.iter().map(|_| Mutex::default()).collect(),
            config,
            signed,
            client,
        });
        if self.cosigning.set(c.clone()).is_err() {
            return Err(AppError::Internal("cosigning is already running".into()));
        }
        for w in 0..c.config.witnesses.len() {
            let app = self.clone();
            let mut wake = c.signed.subscribe();
            tokio::spawn(async move {
                let mut pause = FIRST_PAUSE;
                loop {
                    match app.cosign_round(w).await {
                        Ok(()) => {
                            pause = FIRST_PAUSE;
                            // Until the next checkpoint (or a minute, to notice a witness
                            // that lost its state or a checkpoint signed by another process).
                            let _ =
                                tokio::time::timeout(Duration::from_secs(60), wake.changed()).await;
                        }
                        Err(e) => {
                            tracing::warn!(witness = %app.cosigning_witness(w), error = %e, "no cosignature");
                            tokio::time::sleep(pause).await;
                            pause = (pause * 2).min(LONGEST_PAUSE);
                        }
                    }
                }
            });
        }
        Ok(())
    }

    fn cosigning_witness(&self, w: usize) -> String {
        self.cosigning
            .get()
            .and_then(|c| c.config.witnesses.get(w))
            .map(|x| x.name.clone())
            .unwrap_or_default()
    }

    /// Wakes the witnesses' tasks: a checkpoint of `size` was signed.
    pub(crate) fn checkpoint_signed(&self, size: u64) {
        if let Some(c) = self.cosigning.get() {
            c.signed.send_replace(size);
        }
    }

    /// The configured witnesses and quorum (empty when there are none).
    pub fn cosigning_config(&self) -> CosigningConfig {
        self.cosigning
            .get()
            .map(|c| c.config.clone())
            .unwrap_or_default()
    }

    /// Sends the newest checkpoint to witness `w` until it is cosigned or the witness fails.
    async fn cosign_round(&self, w: usize) -> Result<(), String> {
        let Some(c) = self.cosigning.get() else {
            return Ok(());
        };
        let result = async {
            for _ in 0..3 {
                match self.cosign_once(c, w).await? {
                    Step::Done => return Ok(()),
                    Step::Again => continue,
                }
            }
            Err("the witness keeps changing its size".to_owned())
        }
        .await;
        let mut live = c.live[w].lock().unwrap_or_else(|p| p.into_inner());
        live.last_error = result.as_ref().err().cloned();
        result
    }

    async fn cosign_once(&self, c: &Cosigning, w: usize) -> Result<Step, String> {
        let endpoint = &c.config.witnesses[w];
        let Some(latest) = self
            .store
            .latest_checkpoint()
            .await
            .map_err(|e| e.to_string())?
        else {
            return Ok(Step::Done);
        };
        let size = latest.size as u64;
        let known = {
            let live = c.live[w].lock().unwrap_or_else(|p| p.into_inner());
            live.known
        };
        let known = match known {
            Some(k) => k,
            None => self
                .store
                .witness_progress()
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .find(|p| p.witness_key_id == endpoint.key_id)
                .map_or(0, |p| p.size as u64),
        };
        if known == size
            && self
                .store
                .cosignatures(latest.id)
                .await
                .map_err(|e| e.to_string())?
                .iter()
                .any(|x| x.witness_key_id == endpoint.key_id)
        {
            return Ok(Step::Done);
        }
        if known > size {
            let mut live = c.live[w].lock().unwrap_or_else(|p| p.into_inner());
            live.ahead = Some(known);
            return Err(format!(
                "the witness has cosigned size {known}, larger than this database's {size}"
            ));
        }
        let proof = if known == 0 || known == size {
            Vec::new()
        } else {
            self.store
                .consistency_proof(known as i64, size as i64)
                .await
                .map_err(|e| e.to_string())?
        };
        let body = AddCheckpoint {
            old_size: known,
            proof,
            checkpoint: latest.note.clone(),
        }
        .to_body();
        let started = std::time::Instant::now();
        let response = c
            .client
            .post(format!("{}/add-checkpoint", endpoint.url))
            .body(body)
            .send()
            .await
            .map_err(|e| format!("{}: {e}", endpoint.url))?;
        let status = response.status();
        let is_size = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(SIZE_CONTENT_TYPE));
        let text = response
            .text()
            .await
            .map_err(|e| format!("{}: {e}", endpoint.url))?;
        match status.as_u16() {
            200 => {
                let line = cosignature::parse_lines(&text)
                    .map_err(|e| format!("the answer is not signature lines: {e}"))?
                    .into_iter()
                    .find(|l| {
                        cosignature::add_signatures(&latest.note, std::slice::from_ref(l))
                            .is_ok_and(|n| cosignature::verify(&n, &endpoint.vkey).is_ok())
                    })
                    .ok_or("the answer carries no valid cosignature by this witness")?;
                let with = cosignature::add_signatures(&latest.note, std::slice::from_ref(&line))
                    .map_err(|e| e.to_string())?;
                let time = cosignature::verify(&with, &endpoint.vkey).map_err(|e| e.to_string())?;
                self.store
                    .record_cosignature(&CosignatureRecord {
                        checkpoint_id: latest.id,
                        witness_key_id: endpoint.key_id.clone(),
                        witness: endpoint.name.clone(),
                        line,
                        cosigned_at: time as i64,
                        received_at: self.clock.now(),
                    })
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::info!(witness = %endpoint.name, size, ms = started.elapsed().as_millis() as u64, "cosigned");
                let mut live = c.live[w].lock().unwrap_or_else(|p| p.into_inner());
                live.known = Some(size);
                live.ahead = None;
                Ok(Step::Done)
            }
            409 if is_size => {
                let theirs = parse_size(text.trim_end_matches('\n'))
                    .ok_or_else(|| format!("409 with a size that is not a number: {text:?}"))?;
                let mut live = c.live[w].lock().unwrap_or_else(|p| p.into_inner());
                live.known = Some(theirs);
                if theirs == known {
                    // Same size, another root: this database's tree is not the one cosigned.
                    live.ahead = Some(theirs);
                    return Err(format!(
                        "the witness cosigned another tree of size {theirs}: a fork"
                    ));
                }
                Ok(Step::Again)
            }
            code => Err(format!(
                "{} answered {code}: {}",
                endpoint.url,
                text.chars().take(200).collect::<String>().trim()
            )),
        }
    }

    /// Each witness: how far it cosigned, and what went wrong since.
    pub async fn witness_statuses(&self) -> Result<Vec<WitnessStatus>, AppError> {
        let Some(c) = self.cosigning.get() else {
            return Ok(Vec::new());
        };
        let progress = self.store.witness_progress().await?;
        Ok(c.config
            .witnesses
            .iter()
            .zip(&c.live)
            .map(|(w, live)| {
                let live = live.lock().unwrap_or_else(|p| p.into_inner());
                let p = progress.iter().find(|p| p.witness_key_id == w.key_id);
                WitnessStatus {
                    name: w.name.clone(),
                    url: w.url.clone(),
                    vkey: w.vkey.clone(),
                    cosigned_size: p.map(|p| p.size),
                    cosigned_at: p.map(|p| p.cosigned_at),
                    last_error: live.last_error.clone(),
                    ahead: live.ahead,
                }
            })
            .collect())
    }

    /// The checkpoint with every cosignature kept for it, as one C2SP note.
    pub async fn cosigned(&self, mut cp: CheckpointRecord) -> Result<CheckpointRecord, AppError> {
        let lines: Vec<String> = self
            .store
            .cosignatures(cp.id)
            .await?
            .into_iter()
            .map(|c| c.line)
            .collect();
        if !lines.is_empty() {
            cp.note = cosignature::add_signatures(&cp.note, &lines)
                .map_err(|e| AppError::Internal(format!("a kept cosignature: {e}")))?;
        }
        Ok(cp)
    }

    /// The checkpoint an offline proof of entry `index` should carry: the newest that covers it
    /// and has the quorum of cosignatures, else the newest (a witness may be slow or down);
    /// with its cosignatures. One is signed first when none covers the entry.
    pub(crate) async fn checkpoint_covering(
        &self,
        index: i64,
    ) -> Result<CheckpointRecord, AppError> {
        let config = self.cosigning_config();
        if config.quorum > 0
            && let Some(cp) = self
                .store
                .latest_cosigned_checkpoint(index, config.quorum as i64)
                .await?
        {
            let cp = self.cosigned(cp).await?;
            if cosignature::check_quorum(&cp.note, &config.vkeys(), Some(config.quorum)).met() {
                return Ok(cp);
            }
        }
        let mut checkpoint = self.store.latest_checkpoint().await?;
        if checkpoint.as_ref().is_none_or(|c| c.size <= index) {
            checkpoint = Some(self.sign_checkpoint_now().await?);
        }
        let cp = checkpoint.ok_or_else(|| AppError::Internal("no checkpoint".into()))?;
        self.cosigned(cp).await
    }
}

/// What one witness answered when asked for the latest checkpoint it cosigned of a log.
#[derive(Clone, Debug)]
pub struct WitnessedCheckpoint {
    pub witness: String,
    /// The tree size and the checkpoint note (with that witness's valid cosignature).
    pub answer: Result<(u64, String), String>,
}

/// Asks every witness for the latest checkpoint of `origin` it cosigned (`GET
/// <url>/checkpoint?origin=…`), keeping only answers whose cosignature by that witness
/// verifies and whose origin is `origin`. The log's signature is checked by whoever uses it.
pub async fn witnessed_checkpoints(
    config: &CosigningConfig,
    origin: &str,
) -> Vec<WitnessedCheckpoint> {
    let client = match reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build() {
        Ok(c) => c,
        Err(e) => {
            return config
                .witnesses
                .iter()
                .map(|w| WitnessedCheckpoint {
                    witness: w.name.clone(),
                    answer: Err(e.to_string()),
                })
                .collect();
        }
    };
    let mut out = Vec::new();
    for w in &config.witnesses {
        let answer = async {
            let r = client
                .get(format!("{}/checkpoint", w.url))
                .query(&[("origin", origin)])
                .send()
                .await
                .map_err(|e| format!("{}: {e}", w.url))?;
            let status = r.status();
            let text = r.text().await.map_err(|e| format!("{}: {e}", w.url))?;
            if !status.is_success() {
                return Err(format!("{} answered {status}: {}", w.url, text.trim()));
            }
            cosignature::verify(&text, &w.vkey).map_err(|e| e.to_string())?;
            let (body, _) = cosignature::split(&text).map_err(|e| e.to_string())?;
            let (found, size, _) =
                ledger::note::parse_checkpoint(body).map_err(|e| e.to_string())?;
            if found != origin {
                return Err(format!("the witness answered a checkpoint of {found}"));
            }
            Ok((size, text))
        }
        .await;
        out.push(WitnessedCheckpoint {
            witness: w.name.clone(),
            answer,
        });
    }
    out
}
