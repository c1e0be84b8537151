//! The `ecoenforce` binary: wires the backends to the application and the web edge, and offers
//! the offline tools.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod archive_cli;
mod backup;
mod certificate_cli;
mod document_cli;
mod draw_cli;
mod hj212_cli;
pub mod settings;
mod witness_cli;

use anyhow::Context;
use app::i18n::{Lang, message};
use app::seed::{DEMO_PASSWORD, SeedError, Seeded};
use app::{App, SystemClock};
use clap::{Parser, Subcommand};
use settings::{Overrides, Settings};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use store::Store;

#[derive(Parser, Debug)]
#[command(
    name = "ecoenforce",
    version,
    about = "生态环境保护综合行政执法平台 / eco-environmental enforcement platform"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Runs the platform (HTTP API and pages).
    Serve(ServeArgs),
    /// Legal-calendar arithmetic (working days, holidays, make-up days).
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// The tamper-evident ledger.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// The verifiable random inspection draw (双随机, DRAW.md), offline.
    #[command(subcommand)]
    Draw(DrawCommand),
    /// Administration: backups.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// HJ 212 frames (online monitoring data loggers), offline.
    #[command(subcommand)]
    Hj212(Hj212Command),
    /// A witness that cosigns the checkpoints of logs (C2SP tlog-witness), run by a body that
    /// supervises enforcement, on its own machine.
    #[command(subcommand)]
    Witness(WitnessCommand),
}

#[derive(Subcommand, Debug)]
pub enum WitnessCommand {
    /// Serves `POST /add-checkpoint`; prints the bound address, then its verifier key.
    Serve(WitnessServeArgs),
}

#[derive(clap::Args, Debug)]
pub struct WitnessServeArgs {
    /// Where the witness keeps its key (`witness.key`) and its database (`witness.db`).
    #[arg(long)]
    pub data_dir: PathBuf,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: String,
    /// The witness's name, a schema-less URL such as `jcy.xsbn.example/witness`.
    #[arg(long)]
    pub name: String,
    /// The verifier key of a log to witness (its name is the log's origin); repeatable.
    #[arg(long)]
    pub log: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// A consistent copy of a SQLite instance, also while it runs: database (SQLite backup API),
    /// evidence files, settings and ledger keys, never the signer's state.
    Backup(BackupArgs),
    /// Puts a backup into an empty data dir; the ledger then waits for `ledger resume`.
    Restore(RestoreArgs),
}

#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// An empty or new folder for the backup.
    #[arg(long)]
    pub to: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    /// A folder made by `admin backup`.
    #[arg(long)]
    pub from: PathBuf,
    /// An empty or new data dir.
    #[arg(long)]
    pub data_dir: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum Hj212Command {
    /// Reads frames from stdin, one per line, and writes one JSON line per input line.
    Parse(Hj212ParseArgs),
}

#[derive(clap::Args, Debug)]
pub struct Hj212ParseArgs {
    /// Refuse lowercase CRCs, 3-digit lengths and segments over 1024 bytes.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Subcommand, Debug)]
pub enum DrawCommand {
    /// Runs a draw on its inputs and prints the full record as RFC 8785 canonical JSON.
    Run(DrawRunArgs),
    /// Recomputes a record from its inputs and prints `match`, or the first mismatch (exit 1).
    Verify(DrawVerifyArgs),
}

#[derive(clap::Args, Debug)]
pub struct DrawRunArgs {
    /// The draw's inputs as JSON (`-` for stdin).
    pub input: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct DrawVerifyArgs {
    /// A draw record as `draw run` prints it.
    pub file: PathBuf,
    /// The ledger's verifier key, to check the announcement's inclusion in the signed log.
    #[arg(long)]
    pub key: Option<String>,
    #[command(flatten)]
    pub witnesses: WitnessKeys,
}

#[derive(Subcommand, Debug)]
pub enum LedgerCommand {
    /// Recomputes every event hash and the tree, replays the events and compares every
    /// projection table; exits 0 with counts, or 1 naming what differs.
    Verify(VerifyArgs),
    /// Accepts the last published checkpoint for a restored data dir, when the database's tree
    /// extends it; until then the ledger is read-only.
    Resume(ResumeArgs),
    /// A new signing key signs checkpoints from the next round; the old one is kept, retired.
    RotateKey(RotateArgs),
    /// For a restored database behind what the witnesses cosigned, with no copy of the lost
    /// events anywhere: ends the log with a signed statement of the lost range and continues
    /// under a new origin and key from the surviving entries.
    DeclareLoss(DeclareLossArgs),
    /// Checks an evidence certificate offline: the checkpoint's signature, the event's inclusion,
    /// that the event names the evidence's hashes, and with --file both hashes of the file.
    VerifyCertificate(VerifyCertificateArgs),
    /// Checks an issued document offline: that the PDF is, byte for byte, the document whose
    /// issue the proof bundle (from its check page) shows in the signed ledger.
    VerifyDocument(VerifyDocumentArgs),
    /// Checks an archived case file offline (`docs/archive.md`): the volumes, documents, events
    /// and evidence hashes of its archive bundle against the signed ledger; changing, adding or
    /// removing any page or event is reported.
    VerifyArchive(VerifyArchiveArgs),
}

/// The witnesses whose cosignatures an offline check requires.
#[derive(clap::Args, Debug, Default)]
pub struct WitnessKeys {
    /// A witness's verifier key (C2SP cosignature/v1), obtained independently; repeatable.
    /// The checkpoint must carry the quorum of their cosignatures.
    #[arg(long = "witness-key")]
    pub witness_keys: Vec<String>,
    /// How many of the --witness-key witnesses must have cosigned [default: all of them].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub quorum: Option<u16>,
}

impl WitnessKeys {
    /// The `cosignatures` check of the checkpoint, when witness keys were given.
    pub(crate) fn check(
        &self,
        checkpoint: Result<String, String>,
    ) -> Option<ledger::certificate::Check> {
        if self.witness_keys.is_empty() {
            return None;
        }
        Some(ledger::certificate::cosignature_check(
            checkpoint.as_deref().map_err(Clone::clone),
            &self.witness_keys,
            self.quorum.map(usize::from),
        ))
    }
}

#[derive(clap::Args, Debug)]
pub struct VerifyArchiveArgs {
    /// The archive bundle (JSON from GET /api/v1/cases/{id}/archive-bundle).
    pub bundle: PathBuf,
    /// The ledger's verifier key, obtained independently of the bundle.
    #[arg(long)]
    pub key: String,
    #[command(flatten)]
    pub witnesses: WitnessKeys,
}

#[derive(clap::Args, Debug)]
pub struct VerifyDocumentArgs {
    /// The PDF to check.
    pub file: PathBuf,
    /// The ledger's verifier key, obtained independently of the document.
    #[arg(long)]
    pub key: String,
    /// The proof bundle (JSON from GET /api/v1/verify/{code}, the check page's "proof" link);
    /// without it, the command prints the file's SHA-256 and what to fetch, and exits 2.
    #[arg(long)]
    pub proof: Option<PathBuf>,
    #[command(flatten)]
    pub witnesses: WitnessKeys,
}

#[derive(clap::Args, Debug)]
pub struct VerifyCertificateArgs {
    /// The certificate bundle (JSON from GET /api/v1/evidence/{id}/certificate).
    pub bundle: PathBuf,
    /// The evidence file to compare with the certificate's SHA-256 and SM3.
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// The ledger's verifier key, obtained independently (default: the keys in the bundle).
    #[arg(long)]
    pub key: Option<String>,
    #[command(flatten)]
    pub witnesses: WitnessKeys,
}

#[derive(clap::Args, Debug)]
pub struct ResumeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The last published checkpoint (from a follower, never from the restored server).
    /// Without it, the latest checkpoint the configured witnesses cosigned is used.
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// The checkpoint given is this database's own and is the latest ever published (nothing
    /// was written after the backup); needs --reason, which goes to the security audit.
    #[arg(long, requires_all = ["reason", "checkpoint"])]
    pub i_know_it_is_the_latest: bool,
    /// Why the checkpoint given is the latest published one.
    #[arg(long, requires = "i_know_it_is_the_latest")]
    pub reason: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct DeclareLossArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The origin the log continues under, e.g. `ecoenforce.local/532800/2`.
    #[arg(long)]
    pub new_origin: String,
    /// Why the entries are lost (one line; it is signed into the statement).
    #[arg(long)]
    pub reason: String,
    /// The last published checkpoint, from a follower [default: the witnesses' latest].
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct RotateArgs {
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Skip checking evidence files against their hashes.
    #[arg(long)]
    pub no_blobs: bool,
}

/// Where the database and the settings are; shared by every command that opens the store.
#[derive(clap::Args, Debug)]
pub struct StoreArgs {
    /// Where the SQLite database, evidence and keys live [default: ./data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// postgres://… to use PostgreSQL instead of SQLite.
    #[arg(long)]
    pub database_url: Option<String>,
    /// A settings file [default: <data-dir>/ecoenforce.toml when present].
    #[arg(long)]
    pub config: Option<PathBuf>,
}

impl StoreArgs {
    /// The settings these flags select; on error the message is printed and the exit code is 2.
    fn settings(self, listen: Option<String>) -> Result<Settings, ExitCode> {
        let overrides = Overrides {
            config: self.config,
            data_dir: self.data_dir,
            listen,
            database_url: self.database_url,
        };
        Settings::load(&overrides).map_err(|e| {
            eprintln!("{e:#}");
            ExitCode::from(2)
        })
    }
}

#[derive(Subcommand, Debug)]
pub enum CalendarCommand {
    /// The N-th working day after DATE (DATE not counted).
    AddWorkingDays(CalendarArgs),
    /// DATE + N days, moved to the next working day when that is a rest day.
    AddDays(CalendarArgs),
    /// The same day N months later (or that month's last day), then the rest-day rule.
    AddMonths(CalendarArgs),
    /// Whether DATE is a working day.
    IsWorkingDay(DayArgs),
}

#[derive(clap::Args, Debug)]
pub struct CalendarArgs {
    /// YYYY-MM-DD
    pub date: String,
    /// An integer ≥ 1.
    #[arg(allow_hyphen_values = true)]
    pub n: String,
    /// Tables in <DIR>/calendar/ override the embedded ones [default: ./data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct DayArgs {
    /// YYYY-MM-DD
    pub date: String,
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Seed the demo organisation of Xishuangbanna (演示数据) on first start.
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on [default: 127.0.0.1:8080]; port 0 picks a free port.
    #[arg(long)]
    pub listen: Option<String>,
}

pub fn run(cli: Cli) -> ExitCode {
    private_umask();
    match cli.command {
        Command::Serve(args) => block_on(serve(args)),
        Command::Calendar(c) => calendar(c),
        Command::Ledger(LedgerCommand::Verify(args)) => block_on(verify(args)),
        Command::Ledger(LedgerCommand::Resume(args)) => block_on(resume(args)),
        Command::Ledger(LedgerCommand::RotateKey(args)) => rotate_key(args),
        Command::Ledger(LedgerCommand::DeclareLoss(args)) => block_on(declare_loss(args)),
        Command::Ledger(LedgerCommand::VerifyDocument(args)) => document_cli::verify_document(args),
        Command::Ledger(LedgerCommand::VerifyArchive(args)) => archive_cli::verify_archive(args),
        Command::Ledger(LedgerCommand::VerifyCertificate(args)) => {
            certificate_cli::verify_certificate(args)
        }
        Command::Draw(DrawCommand::Run(args)) => draw_cli::run(args),
        Command::Draw(DrawCommand::Verify(args)) => draw_cli::verify(args),
        Command::Hj212(Hj212Command::Parse(args)) => hj212_cli::parse(args),
        Command::Admin(AdminCommand::Backup(args)) => backup::backup(args),
        Command::Admin(AdminCommand::Restore(args)) => backup::restore(args),
        Command::Witness(WitnessCommand::Serve(args)) => block_on(witness_cli::serve(args)),
    }
}

/// Files and folders this process creates are its owner's alone (0600, 0700): the database
/// with its WAL and SHM files, evidence, uploads, keys, backups. Also files created by code
/// that takes no mode, such as SQLite's and the evidence store's; where we create a file
/// ourselves its mode is stated as well, for library users that keep their own umask.
fn private_umask() {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

/// Creates a folder (and its parents) readable by its owner only.
pub(crate) fn private_dir(p: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(p)?;
        // An existing folder keeps its mode under DirBuilder; ours are private whatever made them.
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    builder.create(p)
}

/// Runs an async command on a multi-threaded runtime.
fn block_on(command: impl std::future::Future<Output = ExitCode>) -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(command),
        Err(e) => {
            eprintln!(
                "{}",
                both("cli.runtime_failed", &[("detail", &e.to_string())])
            );
            ExitCode::FAILURE
        }
    }
}

async fn verify(args: VerifyArgs) -> ExitCode {
    let settings = match args.store.settings(None) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if settings.database_url.is_empty() && !settings.sqlite_path().is_file() {
        eprintln!(
            "{}",
            both(
                "cli.verify_no_database",
                &[("path", &settings.sqlite_path().display().to_string())]
            )
        );
        return ExitCode::from(2);
    }
    let store = match open_store(&settings).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e:#}");
            return ExitCode::FAILURE;
        }
    };
    let app = App::new(store, Arc::new(SystemClock), settings.app_settings());
    if !args.no_blobs {
        match settings.evidence_store() {
            Ok(e) => {
                if let Err(e) = app.attach_evidence_store(e) {
                    eprintln!("{e}");
                    return ExitCode::FAILURE;
                }
            }
            Err(e) => {
                eprintln!("{e:#}");
                return ExitCode::FAILURE;
            }
        }
    }
    match app.verify_ledger_with(!args.no_blobs).await {
        Ok(report) if report.problems.is_empty() => {
            println!(
                "{}",
                both(
                    "cli.verify_ok",
                    &[
                        ("events", &report.events.to_string()),
                        ("hashes", &report.tree_hashes.to_string()),
                        ("checkpoints", &report.checkpoints.to_string()),
                        ("blobs", &report.blobs.to_string()),
                        ("documents", &report.documents.to_string())
                    ]
                )
            );
            ExitCode::SUCCESS
        }
        Ok(report) => {
            println!(
                "{}",
                both(
                    "cli.verify_failed",
                    &[("count", &report.problems.len().to_string())]
                )
            );
            for p in &report.problems {
                println!("  {p}");
            }
            ExitCode::FAILURE
        }
        Err(e) => {
            println!("{}", both("cli.verify_failed", &[("count", "1")]));
            println!("  {e}");
            ExitCode::FAILURE
        }
    }
}

async fn resume(args: ResumeArgs) -> ExitCode {
    use app::checkpoints::ResumeOutcome;
    let settings = match args.store.settings(None) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if args.i_know_it_is_the_latest && args.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        eprintln!("{}", both("cli.resume_reason_needed", &[]));
        return ExitCode::from(2);
    }
    let given = match &args.checkpoint {
        None => None,
        Some(path) => match read_checkpoint_file(path) {
            Ok(t) => Some(t),
            Err(code) => return code,
        },
    };
    let cosigning = match settings.cosigning() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}", both("cli.witnesses_invalid", &[("detail", &e)]));
            return ExitCode::from(2);
        }
    };
    if given.is_none() && cosigning.witnesses.is_empty() {
        eprintln!("{}", both("cli.resume_no_source", &[]));
        return ExitCode::from(2);
    }
    let signer = settings.signer();
    // What the witnesses cosigned last: the published state, from outside the bureau.
    let answers = app::cosigning::witnessed_checkpoints(&cosigning, &signer.origin).await;
    for w in &answers {
        match &w.answer {
            Ok(c) => println!(
                "{}",
                both(
                    "cli.resume_witness_size",
                    &[("witness", &w.witness), ("size", &c.size.to_string())]
                )
            ),
            Err(e) => println!(
                "{}",
                both(
                    "cli.resume_witness_failed",
                    &[("witness", &w.witness), ("detail", e)]
                )
            ),
        }
    }
    let store = match open_store(&settings).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e:#}");
            return ExitCode::FAILURE;
        }
    };
    let app = App::new(store, Arc::new(SystemClock), settings.app_settings());
    let witnessed = match log_signed(&app, &answers).await {
        Ok(w) => w,
        Err(code) => return code,
    };
    if let Err(code) = enough_witnesses(&cosigning, witnessed.len()) {
        return code;
    }
    let trees: Vec<(u64, ledger::Hash)> = witnessed.iter().map(|w| (w.size, w.root)).collect();
    let (note, source) = match (&given, witnessed.iter().max_by_key(|w| w.size)) {
        // The witnesses' cosignature says it is the latest they saw: no one's word needed.
        (None, Some(best)) => (
            best.note.as_str(),
            app::checkpoints::ResumeSource::Witnessed,
        ),
        (None, None) => {
            println!("{}", both("cli.resume_no_witness_answer", &[]));
            return ExitCode::FAILURE;
        }
        (Some(text), _) => match args.reason.as_deref() {
            Some(r) if args.i_know_it_is_the_latest => {
                (text.as_str(), app::checkpoints::ResumeSource::Forced(r))
            }
            _ => (text.as_str(), app::checkpoints::ResumeSource::Given),
        },
    };
    let result = app
        .resume_ledger(&signer.dir, &signer.origin, note, source, &trees)
        .await;
    let outcome = match result {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if let (app::checkpoints::ResumeSource::Forced(r), ResumeOutcome::Resumed { .. }) =
        (source, &outcome)
    {
        println!("{}", both("cli.resume_forced", &[("reason", r.trim())]));
    }
    let (code, args): (&str, Vec<(&str, String)>) = match &outcome {
        ResumeOutcome::Resumed { size } => ("cli.resume_ok", vec![("size", size.to_string())]),
        ResumeOutcome::NotSigned => ("cli.resume_not_signed", vec![]),
        ResumeOutcome::OtherOrigin(o) => ("cli.resume_other_origin", vec![("origin", o.clone())]),
        ResumeOutcome::OlderThanDatabase { given, database } => (
            "cli.resume_older",
            vec![
                ("given", given.to_string()),
                ("database", database.to_string()),
            ],
        ),
        ResumeOutcome::Lost { from, to } => (
            "cli.resume_lost",
            vec![("from", from.to_string()), ("to", to.to_string())],
        ),
        ResumeOutcome::Diverged { size } => {
            ("cli.resume_diverged", vec![("size", size.to_string())])
        }
        ResumeOutcome::OwnCheckpoint { size } => {
            ("cli.resume_own", vec![("size", size.to_string())])
        }
        ResumeOutcome::BelowWitnesses { given, witnessed } => (
            "cli.resume_below_witnesses",
            vec![
                ("given", given.to_string()),
                ("witnessed", witnessed.to_string()),
            ],
        ),
    };
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    println!("{}", both(code, &args));
    if matches!(outcome, ResumeOutcome::Resumed { .. }) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A checkpoint file given on the command line; unreadable: the message, and exit code 2.
fn read_checkpoint_file(path: &std::path::Path) -> Result<String, ExitCode> {
    std::fs::read_to_string(path).map_err(|e| {
        eprintln!(
            "{}",
            both(
                "cli.resume_unreadable",
                &[
                    ("path", &path.display().to_string()),
                    ("detail", &e.to_string())
                ]
            )
        );
        ExitCode::from(2)
    })
}

/// The witnesses' answers whose checkpoint a key of this ledger signed.
async fn log_signed<'a>(
    app: &App,
    answers: &'a [app::cosigning::WitnessedCheckpoint],
) -> Result<Vec<&'a app::cosigning::Witnessed>, ExitCode> {
    let keys = match app.ledger_keys().await {
        Ok(k) => k,
        Err(e) => {
            eprintln!("{e}");
            return Err(ExitCode::FAILURE);
        }
    };
    Ok(answers
        .iter()
        .filter_map(|w| w.answer.as_ref().ok())
        .filter(|w| {
            keys.iter()
                .any(|k| ledger::note::verify(&w.note, &k.vkey).is_ok())
        })
        .collect())
}

/// Enough witnesses answered to know what was published: the quorum, and more than the
/// witnesses outside it, so that any set that cosigned a checkpoint with the quorum has a
/// witness among those that answered.
fn enough_witnesses(
    cosigning: &app::cosigning::CosigningConfig,
    answered: usize,
) -> Result<(), ExitCode> {
    let n = cosigning.witnesses.len();
    let needed = if n == 0 {
        0
    } else {
        cosigning.quorum.max(n - cosigning.quorum + 1)
    };
    if answered < needed {
        println!(
            "{}",
            both(
                "cli.resume_too_few_witnesses",
                &[
                    ("answered", &answered.to_string()),
                    ("needed", &needed.to_string()),
                    ("total", &n.to_string())
                ]
            )
        );
        return Err(ExitCode::FAILURE);
    }
    Ok(())
}

async fn declare_loss(args: DeclareLossArgs) -> ExitCode {
    use app::checkpoints::LossOutcome;
    let settings = match args.store.settings(None) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let reason = args.reason.trim();
    if reason.is_empty() || reason.contains('\n') {
        eprintln!("{}", both("cli.loss_reason", &[]));
        return ExitCode::from(2);
    }
    let signer = settings.signer();
    let store = match open_store(&settings).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e:#}");
            return ExitCode::FAILURE;
        }
    };
    let app = App::new(store, Arc::new(SystemClock), settings.app_settings());
    let published = match &args.checkpoint {
        Some(path) => match read_checkpoint_file(path) {
            Ok(t) => t,
            Err(code) => return code,
        },
        None => {
            let cosigning = match settings.cosigning() {
                Ok(c) if !c.witnesses.is_empty() => c,
                Ok(_) => {
                    eprintln!("{}", both("cli.resume_no_source", &[]));
                    return ExitCode::from(2);
                }
                Err(e) => {
                    eprintln!("{}", both("cli.witnesses_invalid", &[("detail", &e)]));
                    return ExitCode::from(2);
                }
            };
            let answers = app::cosigning::witnessed_checkpoints(&cosigning, &signer.origin).await;
            let witnessed = match log_signed(&app, &answers).await {
                Ok(w) => w,
                Err(code) => return code,
            };
            if let Err(code) = enough_witnesses(&cosigning, witnessed.len()) {
                return code;
            }
            match witnessed.iter().max_by_key(|w| w.size) {
                Some(w) => w.note.clone(),
                None => {
                    println!("{}", both("cli.resume_no_witness_answer", &[]));
                    return ExitCode::FAILURE;
                }
            }
        }
    };
    let outcome = match app
        .declare_loss(
            &signer.dir,
            &signer.origin,
            &args.new_origin,
            &published,
            reason,
        )
        .await
    {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match outcome {
        LossOutcome::Declared {
            statement,
            new_vkey,
            kept,
            published,
        } => {
            println!(
                "{}",
                both(
                    "cli.loss_declared",
                    &[
                        ("from", &kept.to_string()),
                        ("to", &(published - 1).to_string()),
                        ("origin", &args.new_origin),
                        ("vkey", &new_vkey),
                    ]
                )
            );
            print!("{statement}");
            ExitCode::SUCCESS
        }
        LossOutcome::NotSigned => {
            println!("{}", both("cli.resume_not_signed", &[]));
            ExitCode::FAILURE
        }
        LossOutcome::NothingLost { size } => {
            println!(
                "{}",
                both("cli.loss_nothing", &[("size", &size.to_string())])
            );
            ExitCode::FAILURE
        }
        LossOutcome::Diverged { size } => {
            println!(
                "{}",
                both("cli.resume_diverged", &[("size", &size.to_string())])
            );
            ExitCode::FAILURE
        }
        LossOutcome::BadOrigin(o) => {
            eprintln!("{}", both("cli.origin_invalid", &[("origin", &o)]));
            ExitCode::from(2)
        }
    }
}

fn rotate_key(args: RotateArgs) -> ExitCode {
    let settings = match args.store.settings(None) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let signer = settings.signer();
    match app::checkpoints::rotate_key(&signer.dir, &signer.origin) {
        Ok((old, new)) => {
            println!("{}", both("cli.rotated", &[("old", &old), ("new", &new)]));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", both("cli.key_failed", &[("detail", &e.to_string())]));
            ExitCode::FAILURE
        }
    }
}

fn calendar(command: CalendarCommand) -> ExitCode {
    let (date, n, data_dir) = match &command {
        CalendarCommand::AddWorkingDays(a)
        | CalendarCommand::AddDays(a)
        | CalendarCommand::AddMonths(a) => (&a.date, Some(&a.n), &a.data_dir),
        CalendarCommand::IsWorkingDay(a) => (&a.date, None, &a.data_dir),
    };
    let Ok(date) = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d") else {
        eprintln!("{}", both("cli.calendar_bad_date", &[("value", date)]));
        return ExitCode::from(2);
    };
    let n = match n.map(|n| n.parse::<u32>()) {
        None => 0,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => {
            eprintln!(
                "{}",
                both(
                    "cli.calendar_bad_n",
                    &[("value", n.map(String::as_str).unwrap_or(""))]
                )
            );
            return ExitCode::from(2);
        }
    };
    let dir = data_dir.clone().unwrap_or_else(|| PathBuf::from("./data"));
    let settings = app::AppSettings::default();
    let calendar = match app::calendar::load(Some(&dir), settings.calendar_prefecture_layer) {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "{}",
                both("cli.calendar_bad_table", &[("detail", &e.to_string())])
            );
            return ExitCode::from(2);
        }
    };
    let (text, missing) = match command {
        CalendarCommand::AddWorkingDays(_) => {
            let r = calendar.add_working_days(date, n);
            (r.value.to_string(), r.missing_years)
        }
        CalendarCommand::AddDays(_) => {
            let r = calendar.add_days(date, n);
            (r.value.to_string(), r.missing_years)
        }
        CalendarCommand::AddMonths(_) => {
            let r = calendar.add_months(date, n);
            (r.value.to_string(), r.missing_years)
        }
        CalendarCommand::IsWorkingDay(_) => {
            let r = calendar.is_working_day(date);
            (r.value.to_string(), r.missing_years)
        }
    };
    for year in missing {
        eprintln!(
            "{}",
            both("cli.calendar_missing_year", &[("year", &year.to_string())])
        );
    }
    println!("{text}");
    ExitCode::SUCCESS
}

/// A message in zh-CN, then in English, from `locales/`.
pub fn both(code: &str, args: &[(&str, &str)]) -> String {
    let args: BTreeMap<String, String> = args
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    format!(
        "{}\n{}",
        message(Lang::ZhCn, code, &args),
        message(Lang::En, code, &args)
    )
}

fn init_tracing(settings: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_new(&settings.log.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // Logs go to stderr: stdout carries the `listening` line and the accounts, for scripts.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if settings.log.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Opens the backend the settings name: PostgreSQL for a `postgres://` URL, else SQLite under the
/// data dir.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    let url = settings.database_url.trim();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let backend = store_postgres::Backend::open(url)
            .await
            .with_context(|| both("cli.postgres_failed", &[]))?;
        Ok(Arc::new(backend))
    } else if url.is_empty() {
        private_dir(settings.data_dir()).with_context(|| {
            both(
                "cli.data_dir_failed",
                &[("path", &settings.data_dir().display().to_string())],
            )
        })?;
        let backend = store_sqlite::Backend::open(&settings.sqlite_path())
            .await
            .with_context(|| both("cli.sqlite_failed", &[]))?;
        Ok(Arc::new(backend))
    } else {
        anyhow::bail!("{}", both("cli.database_url_unsupported", &[("url", url)]))
    }
}

async fn serve(args: ServeArgs) -> ExitCode {
    let mut settings = match args.store.settings(args.listen) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if args.demo && settings.organisation.main_head.is_empty() {
        // The demo organisation's main head (演示数据).
        settings.organisation.main_head = "ju.head".into();
    }
    init_tracing(&settings);
    // Every issued document prints its check address for good: say so before one is issued
    // with an address the public cannot open.
    if !args.demo && settings.web.public_url.trim().is_empty() {
        let printed = format!("http://{}", settings.listen);
        tracing::warn!("{}", both("cli.public_url_unset", &[("url", &printed)]));
    }
    let store = match open_store(&settings).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e:#}");
            return ExitCode::FAILURE;
        }
    };
    let app = Arc::new(App::new(
        store,
        Arc::new(SystemClock),
        settings.app_settings(),
    ));
    if let Err(e) = app.reload_calendar(Some(settings.data_dir())) {
        eprintln!(
            "{}",
            both("cli.calendar_bad_table", &[("detail", &e.to_string())])
        );
        return ExitCode::from(2);
    }
    if let Err(e) = app.reload_published(Some(settings.data_dir())) {
        eprintln!(
            "{}",
            both("cli.list_bad_file", &[("detail", &e.to_string())])
        );
        return ExitCode::from(2);
    }
    reload_calendar_on_sighup(app.clone(), settings.data_dir().to_owned());
    let signer = match app.start_signer(settings.signer()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}", both("cli.key_failed", &[("detail", &e.to_string())]));
            return ExitCode::FAILURE;
        }
    };
    let cosigning = match settings.cosigning() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}", both("cli.witnesses_invalid", &[("detail", &e)]));
            return ExitCode::from(2);
        }
    };
    if let Err(e) = app.start_cosigning(cosigning) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    let evidence = match settings.evidence_store() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{e:#}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = app.attach_evidence_store(evidence) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    // Beside the ledger's key and like it: created on the first start, carried by a backup.
    if let Err(e) = app.open_sealed_key(settings.data_dir()).await {
        eprintln!(
            "{}",
            both("cli.sealed_key_failed", &[("detail", &e.to_string())])
        );
        return ExitCode::FAILURE;
    }
    // Full tiles as files, checked against the database first (a restored one empties them).
    if let Err(e) = app.attach_tile_cache(settings.data_dir()).await {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    // Derived from the database, so not in backups: rebuilt when missing or stale.
    if let Err(e) = app.attach_search_index(settings.data_dir()) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    {
        // Caught up (or rebuilt) before the first search asks for it.
        let app = app.clone();
        tokio::spawn(async move {
            if let Err(e) = app.warm_search_index().await {
                tracing::error!(error = %e, "search index");
            }
        });
    }
    expire_uploads_hourly(app.clone());
    let seeded = if args.demo {
        match app.seed_demo().await {
            Ok(s) => s,
            Err(SeedError::RealDataPresent) => {
                eprintln!("{}", both("cli.demo_refused", &[]));
                return ExitCode::from(2);
            }
            Err(e) => {
                eprintln!("{}", both("cli.seed_failed", &[("detail", &e.to_string())]));
                return ExitCode::FAILURE;
            }
        }
    } else {
        match app.bootstrap().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!(
                    "{}",
                    both("cli.bootstrap_failed", &[("detail", &e.to_string())])
                );
                return ExitCode::FAILURE;
            }
        }
    };
    let listener = match tokio::net::TcpListener::bind(&settings.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "{}",
                both(
                    "cli.listen_failed",
                    &[("address", &settings.listen), ("detail", &e.to_string())]
                )
            );
            return ExitCode::FAILURE;
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!(
                "{}",
                both("cli.address_failed", &[("detail", &e.to_string())])
            );
            return ExitCode::FAILURE;
        }
    };
    print_start(addr, &seeded, &signer);
    tracing::info!(%addr, backend = ?app.backend(), "serving");
    match web::serve(listener, app, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "{}",
                both("cli.server_failed", &[("detail", &e.to_string())])
            );
            ExitCode::FAILURE
        }
    }
}

fn print_start(
    addr: std::net::SocketAddr,
    seeded: &Seeded,
    signer: &app::checkpoints::SignerStarted,
) {
    let mut out = std::io::stdout().lock();
    // The first stdout line, once bound; scripts and tests read the port from it.
    let _ = writeln!(out, "ecoenforce listening on http://{addr}");
    let _ = writeln!(
        out,
        "{}",
        both("cli.verifier_key", &[("vkey", &signer.vkey)])
    );
    if let Some(reason) = signer.status.reason() {
        let text = app::i18n::message(Lang::En, reason.code, &reason.args);
        let _ = writeln!(out, "{}", both("cli.ledger_waiting", &[("reason", &text)]));
    }
    if let Some((username, password)) = &seeded.admin {
        let _ = writeln!(
            out,
            "{}",
            both(
                "cli.admin_created",
                &[("username", username), ("password", password)]
            )
        );
    }
    if let (Some((username, _)), Some(secret)) = (&seeded.admin, &seeded.admin_totp) {
        let _ = writeln!(
            out,
            "{}",
            both(
                "cli.admin_totp",
                &[
                    ("username", username),
                    ("secret", secret),
                    ("uri", &app::totp::uri(username, secret))
                ]
            )
        );
    }
    if !seeded.demo_accounts.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            both("cli.demo_accounts", &[("password", DEMO_PASSWORD)])
        );
        let _ = writeln!(
            out,
            "{}",
            both("cli.demo_totp", &[("secret", app::totp::DEMO_SECRET)])
        );
        for name in &seeded.demo_accounts {
            let _ = writeln!(out, "  {name}");
        }
    }
    let _ = out.flush();
}

/// Unfinished resumable uploads are removed 7 days after they started.
fn expire_uploads_hourly(app: Arc<App>) {
    tokio::spawn(async move {
        loop {
            match app.expire_uploads().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(n, "expired unfinished uploads removed"),
                Err(e) => tracing::warn!(error = %e, "expiring uploads failed"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    });
}

/// SIGHUP reloads the holiday tables, the catalogue and the power list, so a new year's State
/// Council notice or the bureau's new list needs no restart.
fn reload_calendar_on_sighup(app: Arc<App>, data_dir: PathBuf) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            return;
        };
        while hup.recv().await.is_some() {
            match app.reload_calendar(Some(&data_dir)) {
                Ok(()) => tracing::info!("holiday tables reloaded"),
                Err(e) => {
                    tracing::error!(error = %e, "holiday tables not reloaded; the old ones stay")
                }
            }
            match app.reload_published(Some(&data_dir)) {
                Ok(()) => tracing::info!("catalogue and power list reloaded"),
                Err(e) => {
                    tracing::error!(error = %e, "catalogue and power list not reloaded; the old ones stay")
                }
            }
        }
    });
    #[cfg(not(unix))]
    let _ = (app, data_dir);
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
