//! Migrations for SQLite, with the same version numbers as PostgreSQL's.

use crate::db;
use rusqlite::Connection;
use store::StoreError;

/// (version, description, SQL), in order. Never edit an applied migration: add the next one.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "log and organisation",
        include_str!("../migrations/0001_log_and_organisation.sql"),
    ),
    (
        2,
        "entities certificates signin",
        include_str!("../migrations/0002_entities_certificates_signin.sql"),
    ),
    (3, "ledger", include_str!("../migrations/0003_ledger.sql")),
    (
        4,
        "foreign key indexes",
        include_str!("../migrations/0004_foreign_key_indexes.sql"),
    ),
    (
        5,
        "checkpoints",
        include_str!("../migrations/0005_checkpoints.sql"),
    ),
    (
        6,
        "evidence",
        include_str!("../migrations/0006_evidence.sql"),
    ),
    (7, "totp", include_str!("../migrations/0007_totp.sql")),
    (
        8,
        "user disabled",
        include_str!("../migrations/0008_user_disabled.sql"),
    ),
    (
        9,
        "totp last step",
        include_str!("../migrations/0009_totp_last_step.sql"),
    ),
    (
        10,
        "events schema index",
        include_str!("../migrations/0010_events_schema_index.sql"),
    ),
    (11, "sealed", include_str!("../migrations/0011_sealed.sql")),
    (
        12,
        "clues and cases",
        include_str!("../migrations/0012_clues_and_cases.sql"),
    ),
    (
        13,
        "case events",
        include_str!("../migrations/0013_case_events.sql"),
    ),
    (
        14,
        "clue triage",
        include_str!("../migrations/0014_clue_triage.sql"),
    ),
    (
        15,
        "case team",
        include_str!("../migrations/0015_case_team.sql"),
    ),
    (
        16,
        "case recusals",
        include_str!("../migrations/0016_case_recusals.sql"),
    ),
    (
        17,
        "case records",
        include_str!("../migrations/0017_case_records.sql"),
    ),
    (
        18,
        "case review",
        include_str!("../migrations/0018_case_review.sql"),
    ),
    (
        19,
        "interference",
        include_str!("../migrations/0019_interference.sql"),
    ),
    (
        20,
        "preservations",
        include_str!("../migrations/0020_preservations.sql"),
    ),
    (
        21,
        "recusal waiting",
        include_str!("../migrations/0021_recusal_waiting.sql"),
    ),
    (
        22,
        "preservation open",
        include_str!("../migrations/0022_preservation_open.sql"),
    ),
    (
        23,
        "documents",
        include_str!("../migrations/0023_documents.sql"),
    ),
    (
        24,
        "advance notices",
        include_str!("../migrations/0024_advance_notices.sql"),
    ),
    (
        25,
        "proceedings",
        include_str!("../migrations/0025_proceedings.sql"),
    ),
    (
        26,
        "benchmark versions",
        include_str!("../migrations/0026_benchmark_versions.sql"),
    ),
    (
        27,
        "legal qualification",
        include_str!("../migrations/0027_legal_qualification.sql"),
    ),
    (
        28,
        "publications",
        include_str!("../migrations/0028_publications.sql"),
    ),
    (
        29,
        "cosignatures",
        include_str!("../migrations/0029_cosignatures.sql"),
    ),
    (
        30,
        "name keys",
        include_str!("../migrations/0030_name_keys.sql"),
    ),
];

pub(crate) fn run(conn: &mut Connection) -> Result<(), StoreError> {
    for (version, description) in run_quietly(conn)? {
        tracing::info!(version, description, "applied SQLite migration");
    }
    Ok(())
}

/// [`run`] without a log line per migration (the replay's temporary database); returns the
/// migrations applied.
pub(crate) fn run_quietly(conn: &mut Connection) -> Result<Vec<(i64, &'static str)>, StoreError> {
    let mut applied = Vec::new();
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY,
             description TEXT NOT NULL
         )",
    )
    .map_err(db("creating the migration table"))?;
    let newest: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(db("reading the schema version"))?;
    if let Some((latest, _, _)) = MIGRATIONS.last()
        && newest > *latest
    {
        return Err(StoreError::Corrupt(format!(
            "the database is at schema version {newest}, newer than this program's {latest}"
        )));
    }
    for (version, description, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > newest) {
        let tx = conn.transaction().map_err(db("starting a migration"))?;
        tx.execute_batch(sql).map_err(db("running a migration"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, description) VALUES (?1, ?2)",
            (version, description),
        )
        .map_err(db("recording a migration"))?;
        tx.commit().map_err(db("committing a migration"))?;
        applied.push((*version, *description));
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    /// Every file in `migrations/` is in the list, in order: a file added and not listed would
    /// leave SQLite a version behind PostgreSQL (whose runner reads the folder).
    #[test]
    fn every_migration_file_is_listed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        assert_eq!(files.len(), super::MIGRATIONS.len(), "{files:?}");
        for (file, (version, _, text)) in files.iter().zip(super::MIGRATIONS) {
            let number: i64 = file[..4].parse().expect("NNNN_ prefix");
            assert_eq!(number, *version, "{file}");
            let on_disk = std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("migrations")
                    .join(file),
            )
            .expect("read");
            assert_eq!(&on_disk, text, "{file}");
        }
    }
}
