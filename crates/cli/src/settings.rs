//! Settings: embedded defaults < `--config PATH` (else `<data-dir>/ecoenforce.toml`) <
//! `ECOENFORCE__…` environment variables < command-line flags.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub listen: String,
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; empty for the SQLite file under the data dir.
    pub database_url: String,
    pub log: LogSettings,
    pub ledger: LedgerSettings,
    pub evidence: EvidenceSettings,
    pub organisation: OrganisationSettings,
    // Empty lists vanish when the defaults pass through the config crate: default when absent.
    #[serde(default)]
    pub documents: DocumentSettings,
    #[serde(default)]
    pub web: WebSettings,
    pub app: app::AppSettings,
}

/// How the platform is reached from outside.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebSettings {
    /// The absolute address people reach the platform at (`https://…`, no trailing path),
    /// printed under each document's QR code with `/verify/<code>`. Empty: `http://<listen>`,
    /// which only a machine on the same network can open — set it in production.
    pub public_url: String,
}

/// How enforcement documents are made.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DocumentSettings {
    /// Directories of fonts the documents use before the system's Noto Serif CJK SC: where an
    /// agency that licenses 仿宋_GB2312 and 方正小标宋 puts them (GB/T 9704-2012 names them).
    pub font_dirs: Vec<PathBuf>,
}

/// Facts of the organisation that decide who does what.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationSettings {
    /// The username of the bureau's main head (主要负责人): a deputy head's recusal is his to
    /// decide, and his own goes to the heads' collective deliberation. Every other bureau head
    /// is a deputy. Empty: not set (`serve --demo` takes `ju.head`).
    pub main_head: String,
}

impl Settings {
    /// The application's settings, with the organisation's facts it needs.
    pub fn app_settings(&self) -> app::AppSettings {
        let mut a = self.app.clone();
        a.main_head = self.organisation.main_head.clone();
        a.font_dirs = self.documents.font_dirs.clone();
        a.public_url = if self.web.public_url.trim().is_empty() {
            format!("http://{}", self.listen)
        } else {
            self.web.public_url.trim().trim_end_matches('/').to_owned()
        };
        a
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceSettings {
    /// Empty: a folder under the data dir. `s3://bucket/prefix` with the `s3` build feature.
    pub store_url: String,
    /// The largest evidence file accepted, in bytes (4 GiB: body-camera video).
    pub max_bytes: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `text` or `json`.
    pub format: String,
    /// A tracing filter such as `info` or `ecoenforce=debug,tower_http=info`.
    pub filter: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerSettings {
    /// The log's origin line; default `ecoenforce.local/<prefecture code>`.
    pub origin: String,
    /// How often a checkpoint is signed when the tree grew, in milliseconds (5 s).
    pub checkpoint_interval_ms: u64,
    /// The witnesses that cosign each checkpoint (C2SP tlog-witness), `[[ledger.witnesses]]`.
    #[serde(default)]
    pub witnesses: Vec<WitnessSetting>,
    /// How many of them a checkpoint needs to count as cosigned; all of them when not set.
    #[serde(default)]
    pub witness_quorum: Option<usize>,
}

/// One witness: where to submit checkpoints, and its C2SP verifier key (which names it).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessSetting {
    pub url: String,
    pub verifier_key: String,
}

impl Default for Settings {
    fn default() -> Self {
        let app = app::AppSettings::default();
        Settings {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: String::new(),
            log: LogSettings {
                format: "text".into(),
                filter: "info".into(),
            },
            ledger: LedgerSettings {
                origin: format!("ecoenforce.local/{}", app.prefecture_code),
                checkpoint_interval_ms: 5000,
                witnesses: Vec::new(),
                witness_quorum: None,
            },
            evidence: EvidenceSettings {
                store_url: String::new(),
                max_bytes: 4 << 30,
            },
            organisation: OrganisationSettings::default(),
            documents: DocumentSettings::default(),
            web: WebSettings::default(),
            app,
        }
    }
}

/// Flags given on the command line, which win over everything else.
#[derive(Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub database_url: Option<String>,
}

impl Settings {
    pub fn load(overrides: &Overrides) -> anyhow::Result<Settings> {
        let defaults = config::Config::try_from(&Settings::default())
            .context("embedding the default settings")?;
        // The data dir decides where the default settings file is, so find it first.
        let env_data_dir = std::env::var_os("ECOENFORCE__DATA_DIR").map(PathBuf::from);
        let data_dir = overrides
            .data_dir
            .clone()
            .or(env_data_dir)
            .unwrap_or_else(|| Settings::default().data_dir);
        let mut builder = config::Config::builder().add_source(defaults);
        match &overrides.config {
            Some(path) => {
                anyhow::ensure!(
                    path.is_file(),
                    "{}",
                    crate::both(
                        "cli.settings_missing",
                        &[("path", &path.display().to_string())]
                    )
                );
                builder = builder.add_source(config::File::from(path.as_path()));
            }
            None => {
                let default_file = data_dir.join("ecoenforce.toml");
                builder = builder.add_source(config::File::from(default_file).required(false));
            }
        }
        builder = builder.add_source(
            config::Environment::with_prefix("ECOENFORCE")
                .prefix_separator("__")
                .separator("__"),
        );
        let mut settings: Settings = builder
            .build()
            .and_then(|c| c.try_deserialize())
            .with_context(|| crate::both("cli.settings_invalid", &[]))?;
        if let Some(d) = &overrides.data_dir {
            settings.data_dir = d.clone();
        }
        if let Some(l) = &overrides.listen {
            settings.listen = l.clone();
        }
        if let Some(u) = &overrides.database_url {
            settings.database_url = u.clone();
        }
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        let url = self.web.public_url.trim();
        anyhow::ensure!(
            url.is_empty()
                || ((url.starts_with("https://") || url.starts_with("http://"))
                    && url.len() > "https://".len()
                    && !url.contains(char::is_whitespace)
                    && !url.contains(['?', '#'])),
            "{}",
            crate::both("cli.public_url_invalid", &[("url", url)])
        );
        // A 文号 must never repeat: a brigade's names its branch (each branch counts apart), no
        // kind takes the case numbers' own sequence (立), and branches have distinct short names.
        for (kind, n) in &self.app.document_numbers {
            anyhow::ensure!(
                domain::case::document::DocumentKind::parse(kind).is_some_and(|k| {
                    k != domain::case::document::DocumentKind::RegistrationApproval
                }) && [&n.brigade, &n.detachment]
                    .iter()
                    .all(|p| p.contains("{n}") && p.contains("{year}"))
                    && n.brigade.contains("{county}")
                    && !n.sequence.trim().is_empty()
                    && n.sequence.trim() != "立"
                    && !n.sequence.contains('|'),
                "{}",
                crate::both("cli.document_number_invalid", &[("kind", kind)])
            );
        }
        let h = &self.app.hearing;
        anyhow::ensure!(
            h.organisation.fen > 0
                && h.person.fen > 0
                && (1..=60).contains(&self.app.statement_days)
                && (1..=30).contains(&self.app.host_recusal_days),
            "{}",
            crate::both("cli.hearing_invalid", &[])
        );
        anyhow::ensure!(
            self.app
                .legal_review_triggers
                .fine_at_or_above_fen
                .is_none_or(|f| f > 0),
            "{}",
            crate::both("cli.legal_review_triggers_invalid", &[])
        );
        // A quorum is a share of the heads (more than none, at most all); someone decides; the
        // decision documents name where to pay and where to appeal.
        let q = self.app.deliberation.quorum_above_bp;
        anyhow::ensure!(
            (0..10_000).contains(&q),
            "{}",
            crate::both("cli.deliberation_invalid", &[])
        );
        anyhow::ensure!(
            !self.app.deciders.is_empty(),
            "{}",
            crate::both("cli.deciders_invalid", &[])
        );
        let t = &self.app.decision_text;
        anyhow::ensure!(
            [&t.payment, &t.review_organ, &t.court]
                .iter()
                .all(|x| !x.trim().is_empty() && !x.contains(char::is_control)),
            "{}",
            crate::both("cli.decision_text_invalid", &[])
        );
        let f = &self.app.filing_upward;
        anyhow::ensure!(
            (1..=60).contains(&f.days)
                && !f.organ.trim().is_empty()
                && !f.organ.contains(char::is_control)
                && f.fine_at_or_above_fen.is_none_or(|x| x > 0),
            "{}",
            crate::both("cli.filing_upward_invalid", &[])
        );
        anyhow::ensure!(
            (1..=90).contains(&self.app.public_notice_days),
            "{}",
            crate::both("cli.public_notice_days_invalid", &[])
        );
        anyhow::ensure!(
            (1..=60).contains(&self.app.publicity.days),
            "{}",
            crate::both("cli.publicity_invalid", &[])
        );
        let mut short: Vec<&String> = self.app.county_short_names.values().collect();
        short.sort();
        anyhow::ensure!(
            short.windows(2).all(|w| w[0] != w[1]),
            "{}",
            crate::both("cli.county_short_names_repeat", &[])
        );
        let origin = &self.ledger.origin;
        anyhow::ensure!(
            !origin.is_empty() && !origin.contains([' ', '+', ':', '\n']),
            "{}",
            crate::both("cli.origin_invalid", &[("origin", origin)])
        );
        if let Err(e) = self.cosigning() {
            anyhow::bail!(
                "{}",
                crate::both("cli.witnesses_invalid", &[("detail", &e)])
            );
        }
        anyhow::ensure!(
            self.ledger.checkpoint_interval_ms >= 100,
            "{}",
            crate::both("cli.interval_invalid", &[])
        );
        anyhow::ensure!(
            domain::unit::is_division_code(&self.app.prefecture_code),
            "{}",
            crate::both("cli.prefecture_invalid", &[])
        );
        Ok(())
    }

    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("ecoenforce.db")
    }

    /// The checkpoint signer's settings.
    pub fn signer(&self) -> app::checkpoints::SignerConfig {
        app::checkpoints::SignerConfig {
            dir: app::checkpoints::ledger_dir(&self.data_dir),
            origin: self.ledger.origin.clone(),
            interval: std::time::Duration::from_millis(self.ledger.checkpoint_interval_ms),
        }
    }

    /// The witnesses the platform asks to cosign its checkpoints.
    pub fn cosigning(&self) -> Result<app::cosigning::CosigningConfig, String> {
        let witnesses = self
            .ledger
            .witnesses
            .iter()
            .map(|w| app::cosigning::WitnessEndpoint::new(&w.url, &w.verifier_key))
            .collect::<Result<Vec<_>, _>>()?;
        app::cosigning::CosigningConfig::new(witnesses, self.ledger.witness_quorum)
    }

    /// The evidence store these settings name.
    pub fn evidence_store(&self) -> anyhow::Result<app::evidence::EvidenceStore> {
        let url = self.evidence.store_url.trim();
        let blobs = if url.is_empty() {
            store::blobs::BlobStore::local(
                &self.data_dir.join("evidence"),
                self.evidence.max_bytes,
            )?
        } else {
            open_remote(url, self.evidence.max_bytes)?
        };
        Ok(app::evidence::EvidenceStore {
            blobs,
            uploads_dir: self.data_dir.join("uploads"),
        })
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}

#[cfg(feature = "s3")]
fn open_remote(url: &str, max: u64) -> anyhow::Result<store::blobs::BlobStore> {
    Ok(store::blobs::BlobStore::s3(url, max)?)
}

#[cfg(not(feature = "s3"))]
fn open_remote(url: &str, _max: u64) -> anyhow::Result<store::blobs::BlobStore> {
    anyhow::bail!(
        "{}",
        crate::both("cli.evidence_url_unsupported", &[("url", url)])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_address_is_printed_whole_or_refused() {
        let mut s = Settings::default();
        assert_eq!(s.app_settings().public_url, "http://127.0.0.1:8080");
        s.web.public_url = "https://zhifa.example.gov.cn/".into();
        assert!(s.validate().is_ok());
        assert_eq!(s.app_settings().public_url, "https://zhifa.example.gov.cn");
        for bad in [
            "zhifa.example.gov.cn",
            "https://",
            "https://a b",
            "https://x/?q=1",
            "ftp://x",
        ] {
            s.web.public_url = bad.into();
            let e = s.validate().unwrap_err().to_string();
            assert!(e.contains("web.public_url"), "{bad}: {e}");
        }
    }

    #[test]
    fn witnesses_are_read_from_the_settings_file_and_checked() {
        let key = |name: &str, seed: u8| {
            ledger::cosignature::verifier_key(
                name,
                &ledger::SigningKey::from_bytes(&[seed; 32]).verifying_key(),
            )
        };
        let (a, b) = (key("jcy.example/w", 1), key("sft.example/w", 2));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("ecoenforce.toml"),
            format!(
                "[ledger]\nwitness_quorum = 1\n[[ledger.witnesses]]\nurl = \"http://127.0.0.1:8090/\"\nverifier_key = \"{a}\"\n[[ledger.witnesses]]\nurl = \"https://w.sft.example\"\nverifier_key = \"{b}\"\n"
            ),
        )
        .unwrap();
        let s = Settings::load(&Overrides {
            data_dir: Some(dir.path().to_owned()),
            ..Default::default()
        })
        .unwrap();
        let c = s.cosigning().unwrap();
        assert_eq!(c.quorum, 1);
        assert_eq!(c.witnesses[0].url, "http://127.0.0.1:8090");
        assert_eq!(c.witnesses[1].name, "sft.example/w");
        // Refused, with the settings named: a log key (type 0x01) for a witness, a URL that is
        // not HTTP, a quorum above the witnesses, one key twice, one public key under two names.
        let log_key = ledger::note::verifier_key(
            "sft.example/w",
            &ledger::SigningKey::from_bytes(&[2; 32]).verifying_key(),
        );
        let same_public = key("other.example/w", 1);
        for (url, vkey, quorum) in [
            ("http://x", log_key.as_str(), None),
            ("ftp://x", b.as_str(), None),
            ("http://x", b.as_str(), Some(3)),
            ("http://x", a.as_str(), None),
            ("http://x", same_public.as_str(), None),
        ] {
            let mut bad = s.clone();
            bad.ledger.witness_quorum = quorum;
            bad.ledger.witnesses[1] = WitnessSetting {
                url: url.into(),
                verifier_key: vkey.into(),
            };
            let e = bad.validate().unwrap_err().to_string();
            assert!(e.contains("ledger.witnesses"), "{url} {vkey}: {e}");
        }
    }

    #[test]
    fn a_document_number_needs_its_year_and_serial() {
        let mut s = Settings::default();
        assert!(s.validate().is_ok(), "the shipped patterns are valid");
        let rule = s
            .app
            .document_numbers
            .get_mut("preservation_notice")
            .unwrap();
        rule.brigade = "西环保存〔{year}〕号".into();
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("preservation_notice"), "{e}");
        // Without the branch, two counties would print the same number.
        let mut s = Settings::default();
        s.app
            .document_numbers
            .get_mut("preservation_notice")
            .unwrap()
            .brigade = "西环保存〔{year}〕{n}号".into();
        assert!(s.validate().is_err());
        // The case numbers' own sequence is not to be shared.
        let mut s = Settings::default();
        s.app
            .document_numbers
            .get_mut("recusal_decision")
            .unwrap()
            .sequence = "立".into();
        assert!(s.validate().is_err());
        // Two branches of one short name (勐海 and 勐腊 both 勐) would repeat numbers.
        let mut s = Settings::default();
        for v in s.app.county_short_names.values_mut() {
            *v = "勐".into();
        }
        assert!(s.validate().is_err());
        let mut s = Settings::default();
        let rule = s.app.document_numbers["recusal_decision"].clone();
        s.app.document_numbers.insert("decision".into(), rule);
        assert!(s.validate().is_err(), "an unknown kind");
    }
}
