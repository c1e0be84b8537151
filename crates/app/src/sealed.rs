//! The sealed store for personal data (issue 20): records encrypted with XChaCha20-Poly1305 under
//! the key in `<data-dir>/sealed.key`, named in events only by their reference (the hex SHA-256
//! of a random salt ‖ the record's ID), seen unmasked only through [`App::view_sealed`], which
//! records who looked and why before it answers, and erased by [`App::erase_sealed`].
//!
//! A command that takes personal data calls [`App::seal`] before it runs and stores the returned
//! [`SecretWrite`] with its events (`App::command_with_secrets`); its events carry the reference
//! and, for lists, masked forms (`domain::sealed::mask_*`), never the data.

use crate::{App, AppError};
use base64::Engine;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use domain::sealed::{EraseSealed, SealedFacts, SealedKind, SealedState, ViewSealed};
use domain::{Actor, Reason, Refusal};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use store::{SealedRecord, SecretWrite};
use uuid::Uuid;

/// The key's file name in the data dir.
pub const KEY_FILE: &str = "sealed.key";
/// The key file's first line: what it is, so it is not taken for the ledger's key.
const KEY_HEADER: &str = "ecoenforce sealed-store key v1 (XChaCha20-Poly1305)";
/// Bound into every ciphertext with the record's names, so a record copied to another row, kind
/// or county no longer opens.
const AAD_LABEL: &[u8] = b"ecoenforce/sealed/v1";
const SALT_BYTES: usize = 16;
const NONCE_BYTES: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum SealedKeyError {
    #[error("{path}: {detail}")]
    Io { path: PathBuf, detail: String },
    #[error("{path} is not a sealed-store key: {detail}")]
    Bad { path: PathBuf, detail: String },
    #[error("no random bytes: {0}")]
    Random(String),
}

/// The key of the sealed store. Its bytes never leave this type (no `Debug` of them).
pub struct SealedKey {
    cipher: XChaCha20Poly1305,
    id: String,
}

impl std::fmt::Debug for SealedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedKey {{ id: {} }}", self.id)
    }
}

fn random<const N: usize>() -> Result<[u8; N], SealedKeyError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| SealedKeyError::Random(e.to_string()))?;
    Ok(bytes)
}

impl SealedKey {
    fn from_bytes(bytes: &[u8; 32]) -> SealedKey {
        let digest = Sha256::digest(bytes);
        SealedKey {
            cipher: XChaCha20Poly1305::new(&(*bytes).into()),
            id: ledger::hex(&digest[..8]),
        }
    }

    /// A fresh random key, kept in memory only (tests).
    pub fn generate() -> Result<SealedKey, SealedKeyError> {
        Ok(SealedKey::from_bytes(&random::<32>()?))
    }

    /// The first 8 bytes of the key's SHA-256, hex: names the key in records and messages
    /// without revealing it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key in `path`, or `None` when there is no such file.
    pub fn load(path: &Path) -> Result<Option<SealedKey>, SealedKeyError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(SealedKeyError::Io {
                    path: path.to_owned(),
                    detail: e.to_string(),
                });
            }
        };
        let bad = |detail: &str| SealedKeyError::Bad {
            path: path.to_owned(),
            detail: detail.to_owned(),
        };
        let mut lines = text.lines();
        if lines.next() != Some(KEY_HEADER) {
            return Err(bad("the first line is not the sealed-store key header"));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(lines.next().unwrap_or_default().trim())
            .map_err(|e| bad(&e.to_string()))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| bad("the key is not 32 bytes"))?;
        Ok(Some(SealedKey::from_bytes(&bytes)))
    }

    /// Writes a new key to `path` (0600), never over an existing file: it is written to a
    /// temporary file, synced, then linked to its name, which fails if another process made one
    /// first (that key is then loaded instead).
    pub fn create(path: &Path) -> Result<SealedKey, SealedKeyError> {
        let io = |p: &Path| {
            let p = p.to_owned();
            move |e: std::io::Error| SealedKeyError::Io {
                path: p,
                detail: e.to_string(),
            }
        };
        let bytes = random::<32>()?;
        let text = format!(
            "{KEY_HEADER}\n{}\n",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        );
        let tmp = path.with_extension(format!("tmp-{}", Uuid::now_v7().simple()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let written = (|| {
            let mut f = options.open(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::hard_link(&tmp, path)
        })();
        let _ = std::fs::remove_file(&tmp);
        match written {
            Ok(()) => {
                if let Some(parent) = path.parent()
                    && let Ok(d) = std::fs::File::open(parent)
                {
                    let _ = d.sync_all();
                }
                Ok(SealedKey::from_bytes(&bytes))
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => SealedKey::load(path)?
                .ok_or_else(|| SealedKeyError::Bad {
                    path: path.to_owned(),
                    detail: "it vanished while being created".into(),
                }),
            Err(e) => Err(io(path)(e)),
        }
    }
}

/// What the ciphertext is bound to: the record's reference, ID, kind and county.
fn aad(reference: &str, record_id: Uuid, kind: SealedKind, county_code: &str) -> Vec<u8> {
    let mut aad = AAD_LABEL.to_vec();
    for part in [
        reference.as_bytes(),
        record_id.as_bytes(),
        kind.as_str().as_bytes(),
        county_code.as_bytes(),
    ] {
        aad.push(0);
        aad.extend_from_slice(part);
    }
    aad
}

/// The reference of a record: lowercase hex SHA-256(salt ‖ record ID).
pub fn reference_of(salt: &[u8], record_id: Uuid) -> String {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(record_id.as_bytes());
    ledger::hex(&h.finalize())
}

impl SealedKey {
    /// Encrypts `content` into a new record of this kind and county, created at `at`.
    pub fn seal(
        &self,
        kind: SealedKind,
        county_code: &str,
        content: &serde_json::Value,
        at: domain::Timestamp,
    ) -> Result<SealedRecord, AppError> {
        let internal = |e: &dyn std::fmt::Display| AppError::Internal(format!("sealing: {e}"));
        let record_id = Uuid::now_v7();
        let salt = random::<SALT_BYTES>().map_err(|e| internal(&e))?;
        let nonce = random::<NONCE_BYTES>().map_err(|e| internal(&e))?;
        let reference = reference_of(&salt, record_id);
        let plaintext = serde_json::to_vec(content).map_err(|e| internal(&e))?;
        let aad = aad(&reference, record_id, kind, county_code);
        let ciphertext = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &plaintext,
                    aad: &aad,
                },
            )
            .map_err(|e| internal(&e))?;
        Ok(SealedRecord {
            reference,
            record_id,
            salt: salt.to_vec(),
            kind,
            county_code: county_code.to_owned(),
            key_id: self.id.clone(),
            nonce: nonce.to_vec(),
            ciphertext,
            created_at: at,
        })
    }

    /// Decrypts a record; an error if it was altered (any byte of it or of what it is bound
    /// to) or sealed under another key.
    pub fn open(&self, r: &SealedRecord) -> Result<serde_json::Value, AppError> {
        let fail = |why: &str| {
            AppError::Internal(format!(
                "sealed record {} (key {}) does not open under key {}: {why}",
                r.reference, r.key_id, self.id
            ))
        };
        if reference_of(&r.salt, r.record_id) != r.reference {
            return Err(fail("its reference is not the hash of its salt and ID"));
        }
        let nonce: [u8; NONCE_BYTES] = r
            .nonce
            .as_slice()
            .try_into()
            .map_err(|_| fail("its nonce is not 24 bytes"))?;
        let aad = aad(&r.reference, r.record_id, r.kind, &r.county_code);
        let plaintext = self
            .cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &r.ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| fail("altered, or sealed under another key"))?;
        serde_json::from_slice(&plaintext).map_err(|e| fail(&e.to_string()))
    }
}

impl App {
    /// Loads `<data_dir>/sealed.key`, creating it on the first start, and attaches it. Refuses
    /// to create a key when the database already holds sealed records (a data dir restored
    /// without its key, or a second server on PostgreSQL without the first one's key): a new
    /// key would open none of them. Returns the key's ID.
    pub async fn open_sealed_key(&self, data_dir: &Path) -> Result<String, AppError> {
        crate::private_dir(data_dir)
            .map_err(|e| AppError::Internal(format!("{}: {e}", data_dir.display())))?;
        let path = data_dir.join(KEY_FILE);
        let key = match SealedKey::load(&path).map_err(|e| AppError::Internal(e.to_string()))? {
            Some(key) => key,
            None => {
                let records = self.store.sealed_count().await?;
                if records > 0 {
                    return Err(AppError::Internal(format!(
                        "{} is missing but the database holds {records} sealed records: \
                         restore the key from the backup this database came from",
                        path.display()
                    )));
                }
                SealedKey::create(&path).map_err(|e| AppError::Internal(e.to_string()))?
            }
        };
        let id = key.id().to_owned();
        self.attach_sealed_key(key).await?;
        Ok(id)
    }

    /// Attaches the sealed store's key; refused when a record in the database was sealed under
    /// another key.
    pub async fn attach_sealed_key(&self, key: SealedKey) -> Result<(), AppError> {
        if let Some(other) = self.store.sealed_key_other_than(key.id()).await? {
            return Err(AppError::Internal(format!(
                "the database holds records sealed under key {other}, but the sealed-store key \
                 is {}: restore the key that sealed them",
                key.id()
            )));
        }
        self.sealed_key
            .set(std::sync::Arc::new(key))
            .map_err(|_| AppError::Internal("the sealed-store key is already attached".into()))
    }

    fn sealed_key(&self) -> Result<&SealedKey, AppError> {
        self.sealed_key
            .get()
            .map(|k| k.as_ref())
            .ok_or_else(|| AppError::Unavailable(Reason::new("sealed.no_key")))
    }

    /// Seals `content` (personal data: a party's or a complainant's identity and contacts) as
    /// a record of `kind` in `county_code`. Returns its reference, for the command's events, and
    /// the write that stores it, for `App::command_with_secrets`: the record exists only if the
    /// command's events are committed with it.
    pub fn seal(
        &self,
        kind: SealedKind,
        county_code: &str,
        content: &serde_json::Value,
    ) -> Result<(String, SecretWrite), AppError> {
        self.check_county("county_code", county_code)?;
        let record = self
            .sealed_key()?
            .seal(kind, county_code, content, self.clock.now())?;
        Ok((record.reference.clone(), SecretWrite::Sealed(record)))
    }

    /// A sealed record unmasked, for a stated purpose (1 to 500 characters). The view is
    /// appended to the ledger (`sealed.viewed/v1`: who, which record, why; never the content)
    /// before the content is returned. 404 for a record outside the actor's reach, unknown or
    /// erased; 403 for a role that sees no personal data.
    pub async fn view_sealed(
        &self,
        actor: &Actor,
        reference: &str,
        purpose: &str,
    ) -> Result<serde_json::Value, AppError> {
        domain::permission::require(actor, domain::permission::Capability::PersonalDataRead)?;
        if !domain::sealed::is_reference(reference) {
            return Err(Refusal::not_found().into());
        }
        let key = self.sealed_key()?;
        // The record read inside the transaction that records the view: what is shown is what
        // the event names, even if it is erased a moment later.
        let (tx, rx) = tokio::sync::oneshot::channel::<SealedRecord>();
        let cmd = ViewSealed {
            reference: reference.to_owned(),
            purpose: purpose.to_owned(),
        };
        self.command(
            actor,
            cmd,
            move |r, cmd, _| {
                Box::pin(async move {
                    let record = r.sealed_record(&cmd.reference).await?;
                    let state = sealed_state(record.as_ref());
                    if let Some(record) = record {
                        let _ = tx.send(record);
                    }
                    Ok(state)
                })
            },
            domain::sealed::decide_view,
        )
        .await?;
        let record = rx
            .await
            .map_err(|_| AppError::Internal("a view was recorded without its record".into()))?;
        key.open(&record)
    }

    /// Erases a sealed record on a lawful deletion request: the row, its salt and its
    /// ciphertext are deleted in the transaction that appends `sealed.erased/v1` (who, which,
    /// why); the events that named the record stay, holding no personal data.
    pub async fn erase_sealed(
        &self,
        actor: &Actor,
        reference: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        domain::permission::require(actor, domain::permission::Capability::PersonalDataErase)?;
        if !domain::sealed::is_reference(reference) {
            return Err(Refusal::not_found().into());
        }
        let cmd = EraseSealed {
            reference: reference.to_owned(),
            reason: reason.to_owned(),
        };
        self.command_with_secrets(
            actor,
            cmd,
            |r, cmd, _| {
                Box::pin(async move {
                    Ok(sealed_state(
                        r.sealed_record(&cmd.reference).await?.as_ref(),
                    ))
                })
            },
            domain::sealed::decide_erase,
            |state: &SealedState, _| {
                state
                    .record
                    .iter()
                    .map(|r| SecretWrite::EraseSealed {
                        reference: r.reference.clone(),
                    })
                    .collect()
            },
        )
        .await?;
        Ok(())
    }
}

fn sealed_state(record: Option<&SealedRecord>) -> SealedState {
    SealedState {
        record: record.map(|r| SealedFacts {
            reference: r.reference.clone(),
            kind: r.kind,
            county_code: r.county_code.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at() -> domain::Timestamp {
        domain::Timestamp::from(chrono::DateTime::UNIX_EPOCH)
    }

    fn party() -> serde_json::Value {
        json!({"name": "岩温", "id_type": "resident_id", "id_number": "532822199001011234",
               "address": "勐海县勐遮镇", "phone": "13812345678"})
    }

    #[test]
    fn a_sealed_record_opens_under_its_key_and_holds_no_plaintext() {
        let key = SealedKey::generate().unwrap();
        let r = key
            .seal(SealedKind::Party, "532822", &party(), at())
            .unwrap();
        assert_eq!(r.reference, reference_of(&r.salt, r.record_id));
        assert!(domain::sealed::is_reference(&r.reference));
        assert_eq!(r.key_id, key.id());
        let needle = b"199001011234";
        assert!(!r.ciphertext.windows(needle.len()).any(|w| w == needle));
        assert_eq!(key.open(&r).unwrap(), party());
        // Two seals of the same content share nothing: salt, nonce, reference all differ.
        let again = key
            .seal(SealedKind::Party, "532822", &party(), at())
            .unwrap();
        assert_ne!(again.reference, r.reference);
        assert_ne!(again.nonce, r.nonce);
        assert_ne!(again.ciphertext, r.ciphertext);
    }

    #[test]
    fn an_altered_or_moved_record_does_not_open() {
        let key = SealedKey::generate().unwrap();
        let r = key
            .seal(SealedKind::Complainant, "532822", &party(), at())
            .unwrap();
        let mut flipped = r.clone();
        flipped.ciphertext[3] ^= 1;
        let mut moved = r.clone();
        moved.county_code = "532801".into();
        let mut rekinded = r.clone();
        rekinded.kind = SealedKind::Party;
        let mut renamed = r.clone();
        renamed.salt[0] ^= 1;
        let mut nonce = r.clone();
        nonce.nonce[0] ^= 1;
        for bad in [flipped, moved, rekinded, renamed, nonce] {
            assert!(key.open(&bad).is_err(), "{bad:?}");
        }
        let other = SealedKey::generate().unwrap();
        assert_ne!(other.id(), key.id());
        let e = other.open(&r).unwrap_err().to_string();
        assert!(e.contains(key.id()) && e.contains(other.id()), "{e}");
    }

    #[test]
    fn the_key_file_is_created_once_private_and_loaded_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        assert!(SealedKey::load(&path).unwrap().is_none());
        let created = SealedKey::create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A second create finds the first key rather than replacing it.
        let again = SealedKey::create(&path).unwrap();
        assert_eq!(again.id(), created.id());
        let loaded = SealedKey::load(&path).unwrap().unwrap();
        let r = created
            .seal(SealedKind::Party, "532822", &party(), at())
            .unwrap();
        assert_eq!(loaded.open(&r).unwrap(), party());
        // Only the key file is left (no temporary files).
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        std::fs::write(&path, "ecoenforce ledger key\nAAAA\n").unwrap();
        assert!(matches!(
            SealedKey::load(&path),
            Err(SealedKeyError::Bad { .. })
        ));
    }
}
