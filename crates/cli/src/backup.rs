//! `ecoenforce admin backup` and `admin restore` for SQLite instances.
//!
//! A backup holds the database (through SQLite's online backup API, so a running server keeps
//! serving), the evidence files, the settings file, the ledger's signing keys and the sealed
//! store's key (without it the sealed records in the database open for no one), but never the
//! signer's state: a restored instance must be shown the last published checkpoint
//! (`ledger resume`) before it signs or writes again, so it cannot fork the ledger.

use crate::{BackupArgs, RestoreArgs, both, private_dir};
use std::path::Path;
use std::process::ExitCode;

/// Files under `<data-dir>/ledger/` a backup carries: the key and retired keys, never the state.
fn is_key_file(name: &str) -> bool {
    name == "key" || (name.starts_with("key-") && name.ends_with(".retired"))
}

/// Copies a folder tree, skipping `staging/` (unfinished uploads to the store).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<u64> {
    let mut n = 0;
    if !from.exists() {
        return Ok(0);
    }
    private_dir(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        if entry.file_type()?.is_dir() {
            if name != "staging" {
                n += copy_tree(&path, &to.join(&name))?;
            }
        } else {
            copy_private(&path, &to.join(&name))?;
            n += 1;
        }
    }
    Ok(n)
}

/// Copies a file readable by its owner only (`fs::copy` would keep the source's mode).
fn copy_private(from: &Path, to: &Path) -> std::io::Result<u64> {
    let n = std::fs::copy(from, to)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(n)
}

fn copy_keys(from: &Path, to: &Path) -> std::io::Result<u64> {
    let mut n = 0;
    if !from.exists() {
        return Ok(0);
    }
    private_dir(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if let Some(name) = entry.file_name().to_str()
            && is_key_file(name)
        {
            copy_private(&entry.path(), &to.join(name))?;
            n += 1;
        }
    }
    Ok(n)
}

/// Copies `sealed.key` when there is one (a data dir that never served has none).
fn copy_sealed_key(from: &Path, to: &Path) -> std::io::Result<u64> {
    let key = from.join(app::sealed::KEY_FILE);
    if !key.is_file() {
        return Ok(0);
    }
    copy_private(&key, &to.join(app::sealed::KEY_FILE))?;
    Ok(1)
}

fn empty_or_absent(p: &Path) -> bool {
    !p.exists() || std::fs::read_dir(p).is_ok_and(|mut d| d.next().is_none())
}

fn fail(code: &str, args: &[(&str, &str)]) -> ExitCode {
    eprintln!("{}", both(code, args));
    ExitCode::FAILURE
}

pub fn backup(args: BackupArgs) -> ExitCode {
    let settings = match args.store.settings(None) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if !settings.database_url.is_empty() {
        eprintln!("{}", both("cli.backup_postgres", &[]));
        return ExitCode::from(2);
    }
    let to = &args.to;
    let to_s = to.display().to_string();
    if !empty_or_absent(to) {
        return fail("cli.backup_target_not_empty", &[("path", &to_s)]);
    }
    let data = settings.data_dir().to_owned();
    let db = settings.sqlite_path();
    if !db.is_file() {
        return fail(
            "cli.verify_no_database",
            &[("path", &db.display().to_string())],
        );
    }
    let t = std::time::Instant::now();
    let result = (|| -> anyhow::Result<(i32, u64, u64)> {
        private_dir(to)?;
        let pages = store_sqlite::Backend::backup(&db, &to.join("ecoenforce.db"))?;
        // After the database: every file its evidence rows name was stored before the row.
        let blobs = copy_tree(&data.join("evidence"), &to.join("evidence"))?;
        let settings_file = data.join("ecoenforce.toml");
        if settings_file.is_file() {
            copy_private(&settings_file, &to.join("ecoenforce.toml"))?;
        }
        let mut keys = copy_keys(&data.join("ledger"), &to.join("ledger"))?;
        keys += copy_sealed_key(&data, to)?;
        Ok((pages, blobs, keys))
    })();
    match result {
        Ok((pages, blobs, keys)) => {
            println!(
                "{}",
                both(
                    "cli.backup_done",
                    &[
                        ("path", &to_s),
                        ("pages", &pages.to_string()),
                        ("files", &blobs.to_string()),
                        ("keys", &keys.to_string()),
                        ("seconds", &format!("{:.1}", t.elapsed().as_secs_f64())),
                    ]
                )
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail("cli.backup_failed", &[("detail", &format!("{e:#}"))]),
    }
}

pub fn restore(args: RestoreArgs) -> ExitCode {
    let from = &args.from;
    let data = &args.data_dir;
    if !from.join("ecoenforce.db").is_file() {
        return fail(
            "cli.restore_not_a_backup",
            &[("path", &from.display().to_string())],
        );
    }
    if !empty_or_absent(data) {
        return fail(
            "cli.restore_target_not_empty",
            &[("path", &data.display().to_string())],
        );
    }
    let result = (|| -> anyhow::Result<()> {
        private_dir(data)?;
        copy_private(&from.join("ecoenforce.db"), &data.join("ecoenforce.db"))?;
        copy_tree(&from.join("evidence"), &data.join("evidence"))?;
        if from.join("ecoenforce.toml").is_file() {
            copy_private(&from.join("ecoenforce.toml"), &data.join("ecoenforce.toml"))?;
        }
        copy_keys(&from.join("ledger"), &data.join("ledger"))?;
        copy_sealed_key(from, data)?;
        Ok(())
    })();
    match result {
        Ok(()) => {
            println!(
                "{}",
                both("cli.restore_done", &[("path", &data.display().to_string())])
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail("cli.backup_failed", &[("detail", &format!("{e:#}"))]),
    }
}
