//! The application layer: one function per command, each taking the one write path.
//!
//! A command handler builds the domain command (IDs here, never in `domain`), hands the store a
//! decision that loads the state it needs inside the write transaction and asks `domain` to
//! decide, and returns the result. Queries are thin functions over the store with a `Scope`.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod account;
pub mod admin;
pub mod auth;
pub mod calendar;
pub mod case;
pub mod certificate;
pub mod checkpoints;
pub mod clock;
mod command;
pub mod cosigning;
pub mod discretion;
pub mod divisions;
pub mod documents;
pub mod entities;
pub mod error;
pub mod evidence;
pub mod i18n;
pub mod import;
pub mod industry;
mod keyed_locks;
pub mod people;
#[cfg(test)]
mod permissions_doc;
pub mod powers;
pub mod proofs;
pub mod sealed;
pub mod search;
pub mod seed;
mod tile_cache;
pub mod totp;
pub mod units;
pub mod users;
pub mod verify;
pub mod witness;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::AppError;
/// What the HTTP edge needs of the store's types reaches it through `app` (ARCHITECTURE.md).
pub use store::{CaseFilter, ClueFilter, EntityFilter, EntitySort, Page, PublicationFilter};

use domain::permission::Capability;
use domain::user::PasswordPolicy;
use domain::{Actor, Reason, Refusal, RefusalKind};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::Scope;
use store::Store;
use tokio::sync::Semaphore;

/// Creates a folder (and its parents) readable by its owner only; an existing one is made so.
pub(crate) fn private_dir(p: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(p)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// The rows the actor may read for this capability: its reach, as a store `Scope`.
pub(crate) fn scope(actor: &Actor, cap: Capability) -> Result<Scope, Refusal> {
    Ok(domain::permission::reach(actor, cap)?.into())
}

/// Settings the application layer reads (a part of the binary's settings).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppSettings {
    /// GB/T 2260 code of the prefecture this instance serves.
    pub prefecture_code: String,
    pub password_policy: PasswordPolicy,
    /// Lifetime of a sign-in, in seconds (12 h).
    pub session_ttl_seconds: i64,
    /// A session unused this long ends, in seconds (30 min).
    pub session_idle_seconds: i64,
    /// Password hashes computed at once; argon2id is memory-hard, so this bounds memory and CPU.
    pub max_concurrent_hashes: usize,
    /// Failed sign-ins per submitted username within the window before 429.
    pub signin_max_failures: i64,
    pub signin_failure_window_seconds: i64,
    /// Failed sign-ins from one address within its window before 429.
    pub signin_ip_max_failures: i64,
    pub signin_ip_window_seconds: i64,
    /// Whether the prefecture's own holiday tables apply to legal deadlines (when present).
    pub calendar_prefecture_layer: bool,
    /// Mark the session cookie `Secure` (set it when the platform is served over HTTPS).
    pub cookie_secure: bool,
    /// The number of a case handled by a county's brigade; `{county}` (its short name),
    /// `{year}` and `{n}` are filled in. UNCONFIRMED for Xishuangbanna (`documents.md`).
    pub case_number_brigade: String,
    /// The number of a case handled by the detachment. UNCONFIRMED, as above.
    pub case_number_detachment: String,
    /// County short names for case numbers, by GB/T 2260 code.
    pub county_short_names: std::collections::BTreeMap<String, String>,
    /// The laws and regulations whose penalties the comprehensive enforcement team imposes
    /// (the merged powers of environment, land, agriculture, water and forestry), titled as
    /// they are, in 《》: a case is registered only on a provision of one of them. UNCONFIRMED
    /// (the prefecture's published list of powers decides); empty: not checked.
    pub enforced_laws: Vec<String>,
    /// Hours within which a preservation taken in an emergency must be approved by a head.
    /// UNCONFIRMED: by analogy with the Administrative Coercion Law Art. 19 (24 hours).
    pub preservation_approval_hours: i64,
    /// 文号 of documents by kind (`case::documents::DocumentNumber`); a kind absent is not
    /// numbered. UNCONFIRMED for Xishuangbanna, like the case numbers.
    pub document_numbers: std::collections::BTreeMap<String, case::documents::DocumentNumber>,
    /// The platform's public address (the binary's `web.public_url`), printed under each
    /// document's QR as `<public_url>/verify/<code>`.
    #[serde(skip)]
    pub public_url: String,
    /// The "large amounts" (较大数额) that give the party a hearing right, with how each
    /// compares. UNCONFIRMED: organisations per Order 30 Art. 89 as the commentary reads it
    /// (above 200,000 yuan, the figure not counting); natural persons the 2010 value (5,000
    /// yuan and up), no 2023 figure having been found.
    pub hearing: domain::case::penalty::HearingRules,
    /// The bureau's own legal-review triggers beside APL Art. 58's (a fine at or above an
    /// amount; penalty types). UNCONFIRMED: default none by amount; revocation, closure and
    /// business suspension always.
    pub legal_review_triggers: domain::case::legal_review::ReviewTriggers,
    /// The bureau's collective-deliberation rules beside Order 30 Art. 52's (500,000 yuan and
    /// up, complex cases): penalty types always deliberated, and the quorum of the heads.
    /// UNCONFIRMED: the rest of Art. 52's list; default closure and revocation, more than half.
    pub deliberation: domain::case::deliberation::DeliberationRules,
    /// The roles whose holders decide cases (行政处罚决定). Default the bureau heads.
    pub deciders: Vec<domain::actor::Role>,
    /// What the decision documents print of payment and remedies. UNCONFIRMED: the bank, the
    /// review organ and the court are the bureau's to name.
    pub decision_text: case::decision::DecisionText,
    /// Which decisions are published (by outcome, for organisations and for natural persons)
    /// and within how many working days. UNCONFIRMED: Order 30's period was not found; local
    /// practice is 7 working days; default every penalty on an organisation.
    pub publicity: domain::case::publicity::PublicityRules,
    /// Days after its publication when a public notice (公告送达) counts as served. UNCONFIRMED:
    /// the Civil Procedure Law's period (Art. 95) was 60 days before its 2023 amendment and is
    /// 30 since, as read from secondary sources.
    pub public_notice_days: u32,
    /// Which closed cases are filed with the higher authority (备案), with whom, within how many
    /// days (2010 measures Art. 74: 20). UNCONFIRMED: which cases the province supervises;
    /// default closures, revocations and fines from 1,000,000 yuan.
    pub filing_upward: domain::case::filing::FilingRules,
    /// Working days after the advance notice's service during which the party may state and
    /// defend (陈述、申辩). UNCONFIRMED: no statutory number was found; local notices set one.
    pub statement_days: u32,
    /// Natural days after the hearing notice's service within which the party may ask for the
    /// host's recusal. UNCONFIRMED: the 2010 hearing rules' 3 days.
    pub host_recusal_days: u32,
    /// The bureau's main head (the binary's `organisation.main_head`); empty when not set.
    #[serde(skip)]
    pub main_head: String,
    /// Font directories for documents (the binary's `documents.font_dirs`).
    #[serde(skip)]
    pub font_dirs: Vec<std::path::PathBuf>,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            prefecture_code: "532800".into(),
            password_policy: PasswordPolicy::default(),
            session_ttl_seconds: 12 * 3600,
            session_idle_seconds: 30 * 60,
            max_concurrent_hashes: 2,
            signin_max_failures: 5,
            signin_failure_window_seconds: 15 * 60,
            signin_ip_max_failures: 20,
            signin_ip_window_seconds: 5 * 60,
            calendar_prefecture_layer: true,
            cookie_secure: false,
            case_number_brigade: "西环立（{county}）〔{year}〕{n}号".into(),
            case_number_detachment: "西环立〔{year}〕{n}号".into(),
            county_short_names: [("532801", "景洪"), ("532822", "勐海"), ("532823", "勐腊")]
                .into_iter()
                .map(|(c, n)| (c.to_owned(), n.to_owned()))
                .collect(),
            enforced_laws: ENFORCED_LAWS.iter().map(|l| (*l).to_owned()).collect(),
            preservation_approval_hours: 24,
            main_head: String::new(),
            font_dirs: Vec::new(),
            document_numbers: case::documents::default_document_numbers(),
            hearing: domain::case::penalty::HearingRules::default(),
            legal_review_triggers: Default::default(),
            deliberation: Default::default(),
            deciders: vec![domain::actor::Role::BureauHead],
            decision_text: Default::default(),
            publicity: Default::default(),
            public_notice_days: 30,
            filing_upward: Default::default(),
            statement_days: 5,
            host_recusal_days: 3,
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

/// The default of `AppSettings::enforced_laws`.
const ENFORCED_LAWS: &[&str] = &[
    "《中华人民共和国环境保护法》",
    "《中华人民共和国水污染防治法》",
    "《中华人民共和国大气污染防治法》",
    "《中华人民共和国固体废物污染环境防治法》",
    "《中华人民共和国土壤污染防治法》",
    "《中华人民共和国噪声污染防治法》",
    "《中华人民共和国放射性污染防治法》",
    "《中华人民共和国环境影响评价法》",
    "《中华人民共和国土地管理法》",
    "《中华人民共和国矿产资源法》",
    "《中华人民共和国森林法》",
    "《中华人民共和国草原法》",
    "《中华人民共和国水法》",
    "《中华人民共和国水土保持法》",
    "《中华人民共和国野生动物保护法》",
    "《中华人民共和国渔业法》",
    "《中华人民共和国农产品质量安全法》",
    "《排污许可管理条例》",
    "《建设项目环境保护管理条例》",
    "《中华人民共和国自然保护区条例》",
    "《农药管理条例》",
    "《畜禽规模养殖污染防治条例》",
    "《医疗废物管理条例》",
    "《危险废物经营许可证管理办法》",
    // Adopted by the 14th NPC at its 4th session (March 2026), codifying the environmental laws
    // above; its effective date and which acts it governs (APL Art. 37) are UNCONFIRMED here, so
    // cases may cite it as well as the laws it replaces.
    "《中华人民共和国生态环境法典》",
];

pub struct App {
    /// Private: every read and write goes through `App`'s scoped queries and its one write path.
    store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub settings: AppSettings,
    hashing: Semaphore,
    /// Password attempts in progress, by address and by username (`App::begin_attempt`).
    attempts_by_ip: keyed_locks::KeyedLocks,
    attempts_by_name: keyed_locks::KeyedLocks,
    calendar: std::sync::RwLock<Arc<domain::calendar::Calendar>>,
    /// The violation catalogue and power list versions (`App::reload_published`).
    published: std::sync::RwLock<Arc<powers::Published>>,
    ledger_status: std::sync::RwLock<checkpoints::LedgerStatus>,
    signer: std::sync::OnceLock<Arc<checkpoints::Signer>>,
    /// Collects the witnesses' cosignatures of each signed checkpoint (`App::start_cosigning`).
    cosigning: std::sync::OnceLock<Arc<cosigning::Cosigning>>,
    evidence_store: std::sync::OnceLock<Arc<evidence::EvidenceStore>>,
    /// The sealed store's key (`<data-dir>/sealed.key`), attached at start-up.
    sealed_key: std::sync::OnceLock<Arc<sealed::SealedKey>>,
    /// The document engine, made on first use (its fonts are read then).
    documents: std::sync::OnceLock<Arc<::documents::Engine>>,
    /// The search index (`App::attach_search_index`; in memory if none is attached).
    search: std::sync::OnceLock<Arc<search::SearchIndex>>,
    /// Full ledger tiles kept as files (`App::attach_tile_cache`).
    tile_cache: std::sync::OnceLock<Arc<tile_cache::TileCache>>,
    /// Documents rendered at once: one per core, so that a burst of requests queues rather
    /// than piling up blocking threads.
    rendering: Semaphore,
}

impl App {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, settings: AppSettings) -> App {
        let hashing = Semaphore::new(settings.max_concurrent_hashes.max(1));
        // The embedded tables are checked by tests, so they always load; a data dir's own
        // tables are added by `reload_calendar` at start-up.
        let calendar = calendar::load(None, settings.calendar_prefecture_layer).unwrap_or_default();
        App {
            store,
            clock,
            settings,
            hashing,
            attempts_by_ip: Default::default(),
            attempts_by_name: Default::default(),
            calendar: std::sync::RwLock::new(Arc::new(calendar)),
            // Checked by tests like the calendar: the embedded lists always load.
            published: std::sync::RwLock::new(Arc::new(powers::load(None).unwrap_or_default())),
            ledger_status: std::sync::RwLock::new(checkpoints::LedgerStatus::Ready),
            signer: std::sync::OnceLock::new(),
            cosigning: std::sync::OnceLock::new(),
            evidence_store: std::sync::OnceLock::new(),
            sealed_key: std::sync::OnceLock::new(),
            documents: std::sync::OnceLock::new(),
            search: std::sync::OnceLock::new(),
            tile_cache: std::sync::OnceLock::new(),
            rendering: Semaphore::new(
                std::thread::available_parallelism()
                    .map(usize::from)
                    .unwrap_or(2),
            ),
        }
    }

    /// 200 from `/healthz`: the database answers with the log's size.
    pub async fn log_size(&self) -> Result<i64, AppError> {
        Ok(self.store.log_size().await?)
    }

    /// The county-level divisions of the prefecture served, as `config/divisions.csv` lists them.
    pub fn counties(&self) -> Vec<String> {
        divisions::counties_of(&self.settings.prefecture_code)
    }

    /// Refuses (422, naming `field`) a county code that `config/divisions.csv` does not list
    /// for this prefecture: a well-formed code of no county would otherwise match nothing, or
    /// grant a jurisdiction over nothing, in silence.
    pub fn check_county(&self, field: &str, code: &str) -> Result<(), AppError> {
        if self.counties().iter().any(|c| c == code) {
            Ok(())
        } else {
            Err(AppError::Refused(Refusal::one(
                RefusalKind::Invalid,
                Reason::new("county_code.unknown")
                    .field(field)
                    .arg("prefecture", &self.settings.prefecture_code),
            )))
        }
    }

    /// Which database this instance runs on.
    pub fn backend(&self) -> store::Backend {
        self.store.backend()
    }

    /// The one write path, refused while the ledger is read-only (see [`checkpoints`]).
    pub(crate) async fn write(&self, decide: store::Decide) -> Result<store::Committed, AppError> {
        self.check_writable()?;
        Ok(self.store.write(decide).await?)
    }
}
