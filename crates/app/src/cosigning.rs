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
    /// What went wrong since its last cosignature, if anything.
    pub problem: Option<WitnessProblem>,
    /// When it last answered with a cosignature (since this server started).
    pub answered_at: Option<domain::Timestamp>,
}

/// Why a witness has not cosigned the newest checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WitnessProblem {
    /// No connection could be made (refused, no route, name not found).
    NoConnection,
    /// It did not answer in time.
    TimedOut,
    /// It could not be reached otherwise.
    Unreachable(String),
    /// It answered with a status the protocol does not expect here.
    Answered { status: u16, detail: String },
    /// Its answer is not a valid cosignature of the checkpoint by its key.
    BadAnswer(String),
    /// It cosigned a larger tree than this database holds: the database is behind what was
    /// published (a restore), or another process signs with this log's key.
    Ahead(u64),
    /// It cosigned another tree of this size, or refused the proof from what it cosigned:
    /// this database's tree is not the one it saw.
    Fork(u64),
    /// A failure here (the database).
    Local(String),
    /// This server does not sign checkpoints now (read-only, waiting for `ledger resume`, or
    /// another server signs): it does not speak for the log to the witnesses.
    NotSigning,
}

impl WitnessProblem {
    /// The message id (`locales/`) and its arguments.
    pub fn message(&self) -> (&'static str, Vec<(&'static str, String)>) {
        match self {
            WitnessProblem::NoConnection => ("ui-witness_no_connection", vec![]),
            WitnessProblem::TimedOut => ("ui-witness_timed_out", vec![]),
            WitnessProblem::Unreachable(d) => {
                ("ui-witness_unreachable", vec![("detail", d.clone())])
            }
            WitnessProblem::Answered { status, detail } => (
                "ui-witness_answered",
                vec![("status", status.to_string()), ("detail", detail.clone())],
            ),
            WitnessProblem::BadAnswer(d) => ("ui-witness_bad_answer", vec![("detail", d.clone())]),
            WitnessProblem::Ahead(n) => ("ui-witness_ahead", vec![("size", n.to_string())]),
            WitnessProblem::Fork(n) => ("ui-witness_fork", vec![("size", n.to_string())]),
            WitnessProblem::Local(d) => ("ui-witness_local", vec![("detail", d.clone())]),
            WitnessProblem::NotSigning => ("ui-witness_not_signing", vec![]),
        }
    }
}

impl std::fmt::Display for WitnessProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

fn local(e: impl std::fmt::Display) -> WitnessProblem {
    WitnessProblem::Local(e.to_string())
}

fn unreachable(e: reqwest::Error) -> WitnessProblem {
    if e.is_timeout() {
        WitnessProblem::TimedOut
    } else if e.is_connect() {
        WitnessProblem::NoConnection
    } else {
        WitnessProblem::Unreachable(e.to_string())
    }
}

/// How often an idle witness is asked again to cosign the newest checkpoint (a fresh
/// timestamp): a witness that went down shows within this time, not at the next write.
const REFRESH: Duration = Duration::from_secs(60);

#[derive(Default)]
struct Live {
    /// The size the witness last cosigned, as far as we know (its 409 answers correct it).
    known: Option<u64>,
    problem: Option<WitnessProblem>,
    /// When it last cosigned something for us (this process's clock, and the app's).
    answered: Option<std::time::Instant>,
    answered_at: Option<domain::Timestamp>,
}

/// The most of a witness's answer read: a few signature lines, or a size.
const MAX_ANSWER: usize = 64 * 1024;

/// Reads at most `MAX_ANSWER` bytes of a response body as text.
async fn bounded_text(mut r: reqwest::Response) -> Result<String, String> {
    let mut body = Vec::new();
    while let Some(chunk) = r.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(format!("the answer exceeds {MAX_ANSWER} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body).map_err(|_| "the answer is not UTF-8".to_owned())
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
                        // Not this server's turn: look again when it signs, or soon.
                        Err(WitnessProblem::NotSigning) => {
                            let _ =
                                tokio::time::timeout(Duration::from_secs(5), wake.changed()).await;
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
    async fn cosign_round(&self, w: usize) -> Result<(), WitnessProblem> {
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
            Err(WitnessProblem::BadAnswer(
                "the witness keeps changing its size".into(),
            ))
        }
        .await;
        let mut live = c.live[w].lock().unwrap_or_else(|p| p.into_inner());
        live.problem = result.as_ref().err().cloned();
        result
    }

    async fn cosign_once(&self, c: &Cosigning, w: usize) -> Result<Step, WitnessProblem> {
        let endpoint = &c.config.witnesses[w];
        if !self.signs_now().await {
            return Err(WitnessProblem::NotSigning);
        }
        let Some(latest) = self.store.latest_checkpoint().await.map_err(local)? else {
            return Ok(Step::Done);
        };
        let size = latest.size as u64;
        let (known, fresh) = {
            let live = c.live[w].lock().unwrap_or_else(|p| p.into_inner());
            (
                live.known,
                live.answered
                    .is_some_and(|t| t.elapsed() < REFRESH - Duration::from_secs(5)),
            )
        };
        let known = match known {
            Some(k) => k,
            None => self
                .store
                .witness_progress(&endpoint.key_id)
                .await
                .map_err(local)?
                .map_or(0, |p| p.size as u64),
        };
        if known == size
            && fresh
            && self
                .store
                .cosignatures(latest.id)
                .await
                .map_err(local)?
                .iter()
                .any(|x| x.witness_key_id == endpoint.key_id)
        {
            return Ok(Step::Done);
        }
        // Also when the witness is ahead of this database: what it answers (409, the smaller
        // checkpoint kept as a suspicion) is how a rolled-back log shows from outside.
        let old = known.min(size);
        let proof = if old == 0 || old == size {
            Vec::new()
        } else {
            self.store
                .consistency_proof(old as i64, size as i64)
                .await
                .map_err(local)?
        };
        let body = AddCheckpoint {
            old_size: old,
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
            .map_err(unreachable)?;
        let status = response.status().as_u16();
        let is_size = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(SIZE_CONTENT_TYPE));
        let text = bounded_text(response)
            .await
            .map_err(WitnessProblem::Unreachable)?;
        match status {
            200 => {
                let (checkpoint_text, _) = cosignature::split(&latest.note).map_err(local)?;
                // Each line is checked alone on the bare checkpoint: a line that verifies only
                // because another line by the same key stands before it proves nothing.
                let (line, time) = cosignature::parse_lines(&text)
                    .map_err(|e| WitnessProblem::BadAnswer(e.to_string()))?
                    .into_iter()
                    .find_map(|l| {
                        let alone = format!("{checkpoint_text}\n{}\n", l.trim_end());
                        cosignature::verify(&alone, &endpoint.vkey)
                            .ok()
                            .map(|t| (l, t))
                    })
                    .ok_or_else(|| {
                        WitnessProblem::BadAnswer(
                            "no valid cosignature by this witness in the answer".into(),
                        )
                    })?;
                self.store
                    .record_cosignature(&CosignatureRecord {
                        checkpoint_id: latest.id,
                        witness_key_id: endpoint.key_id.clone(),
                        witness: endpoint.name.clone(),
                        line: line.trim_end().to_owned(),
                        cosigned_at: time as i64,
                        received_at: self.clock.now(),
                    })
                    .await
                    .map_err(local)?;
                tracing::info!(witness = %endpoint.name, size, ms = started.elapsed().as_millis() as u64, "cosigned");
                let mut live = c.live[w].lock().unwrap_or_else(|p| p.into_inner());
                live.known = Some(size);
                live.answered = Some(std::time::Instant::now());
                live.answered_at = Some(self.clock.now());
                Ok(Step::Done)
            }
            409 if is_size => {
                let theirs = parse_size(text.trim_end_matches('\n')).ok_or_else(|| {
                    WitnessProblem::BadAnswer(format!(
                        "409 with a size that is not a number: {text:?}"
                    ))
                })?;
                let mut live = c.live[w].lock().unwrap_or_else(|p| p.into_inner());
                live.known = Some(theirs);
                if theirs > size {
                    return Err(WitnessProblem::Ahead(theirs));
                }
                if theirs == old {
                    return Err(WitnessProblem::BadAnswer(format!(
                        "409 naming the size {theirs} it was sent"
                    )));
                }
                Ok(Step::Again)
            }
            // A plain 409 (same size, another root) or 422 (the proof from what it cosigned
            // does not verify): this database's tree is not the one the witness saw.
            409 | 422 => Err(WitnessProblem::Fork(old)),
            code => Err(WitnessProblem::Answered {
                status: code,
                detail: text.chars().take(200).collect::<String>().trim().to_owned(),
            }),
        }
    }

    /// Each witness: how far it cosigned, and what went wrong since.
    pub async fn witness_statuses(&self) -> Result<Vec<WitnessStatus>, AppError> {
        let Some(c) = self.cosigning.get() else {
            return Ok(Vec::new());
        };
        let mut progress = Vec::with_capacity(c.config.witnesses.len());
        for w in &c.config.witnesses {
            progress.push(self.store.witness_progress(&w.key_id).await?);
        }
        Ok(c.config
            .witnesses
            .iter()
            .zip(&c.live)
            .zip(progress)
            .map(|((w, live), p)| {
                let live = live.lock().unwrap_or_else(|p| p.into_inner());
                WitnessStatus {
                    name: w.name.clone(),
                    url: w.url.clone(),
                    vkey: w.vkey.clone(),
                    cosigned_size: p.as_ref().map(|p| p.size),
                    cosigned_at: p.as_ref().map(|p| p.cosigned_at),
                    problem: live.problem.clone(),
                    answered_at: live.answered_at,
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
        if config.quorum > 0 {
            // A few candidates: cosignatures by a witness no longer configured count in SQL but
            // not here.
            for cp in self
                .store
                .latest_cosigned_checkpoints(index, config.quorum as i64, 8)
                .await?
            {
                let cp = self.cosigned(cp).await?;
                if cosignature::check_quorum(&cp.note, &config.vkeys(), Some(config.quorum)).met() {
                    return Ok(cp);
                }
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
    pub answer: Result<Witnessed, String>,
}

/// A checkpoint a witness says it cosigned last.
#[derive(Clone, Debug)]
pub struct Witnessed {
    pub size: u64,
    pub root: ledger::Hash,
    /// The note as the witness serves it (its cosignature verified; the log's signature is
    /// checked by whoever uses it).
    pub note: String,
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
            let text = bounded_text(r)
                .await
                .map_err(|e| format!("{}: {e}", w.url))?;
            if !status.is_success() {
                return Err(format!("{} answered {status}: {}", w.url, text.trim()));
            }
            cosignature::verify(&text, &w.vkey).map_err(|e| e.to_string())?;
            let (body, _) = cosignature::split(&text).map_err(|e| e.to_string())?;
            let (found, size, root) =
                ledger::note::parse_checkpoint(body).map_err(|e| e.to_string())?;
            if found != origin {
                return Err(format!("the witness answered a checkpoint of {found}"));
            }
            Ok(Witnessed {
                size,
                root,
                note: text,
            })
        }
        .await;
        out.push(WitnessedCheckpoint {
            witness: w.name.clone(),
            answer,
        });
    }
    out
}
