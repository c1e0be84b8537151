//! `ecoenforce witness serve`: a witness for one or more logs, with its own key and database
//! under its data dir. It runs on the machine of the body that supervises enforcement.

use crate::{WitnessServeArgs, both, private_dir};
use app::witness::{Witness, WitnessConfig};
use app::{Clock, SystemClock};
use ledger::SigningKey;
use ledger::cosignature;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

const KEY_FILE: &str = "witness.key";

/// The witness's key (`<data dir>/witness.key`, 0600), created on the first start. Its name
/// must be `name`: a witness's name is part of its key ID, so a new name is a new witness.
fn load_or_create_key(dir: &Path, name: &str) -> Result<SigningKey, String> {
    let path = dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let (found, key) = cosignature::parse_signer_key(&text)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if found != name {
                return Err(format!(
                    "{}: the key is named {found}, not {name}",
                    path.display()
                ));
            }
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| e.to_string())?;
            let key = SigningKey::from_bytes(&seed);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut f = options
                .open(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            f.write_all(cosignature::signer_key(name, &key).as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(key)
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

pub async fn serve(args: WitnessServeArgs) -> ExitCode {
    // Logs go to stderr: stdout carries the two lines scripts read.
    let filter = std::env::var("ECOENFORCE__LOG__FILTER").unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(filter)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let fail = |code: &str, detail: String| {
        eprintln!("{}", both(code, &[("detail", &detail)]));
        ExitCode::from(2)
    };
    if !ledger::note::valid_key_name(&args.name) {
        return fail("cli.witness_bad_name", args.name.clone());
    }
    if args.log.is_empty() {
        return fail("cli.witness_no_log", String::new());
    }
    let logs = match WitnessConfig::logs_from_keys(&args.log) {
        Ok(l) => l,
        Err(e) => return fail("cli.witness_bad_log", e),
    };
    if let Err(e) = private_dir(&args.data_dir) {
        return fail(
            "cli.witness_failed",
            format!("{}: {e}", args.data_dir.display()),
        );
    }
    let key = match load_or_create_key(&args.data_dir, &args.name) {
        Ok(k) => k,
        Err(e) => return fail("cli.witness_failed", e),
    };
    let store =
        match store_sqlite::witness::WitnessDb::open(&args.data_dir.join("witness.db")).await {
            Ok(s) => s,
            Err(e) => return fail("cli.witness_failed", e.to_string()),
        };
    let config = WitnessConfig {
        name: args.name.clone(),
        key,
        logs,
    };
    let vkey = config.verifier_key();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let witness = Arc::new(Witness::new(Arc::new(store), config, clock));
    let listener = match tokio::net::TcpListener::bind(&args.listen).await {
        Ok(l) => l,
        Err(e) => return fail("cli.witness_failed", format!("{}: {e}", args.listen)),
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => return fail("cli.witness_failed", e.to_string()),
    };
    {
        // The first line names the bound address, the second the key logs and clients trust.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "ecoenforce witness listening on http://{addr}");
        let _ = writeln!(out, "{vkey}");
        let _ = out.flush();
    }
    match web::witness::serve(listener, witness, crate::shutdown_signal()).await {
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
