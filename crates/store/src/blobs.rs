//! The evidence blob store: content-addressed, write-once, streaming.
//!
//! An upload streams to a staging object while SHA-256 and SM3 are computed and the MIME type is
//! sniffed from the first bytes; it is then moved to `sha256/<2 hex>/<64 hex>`. The same bytes
//! are stored once. Nothing is ever held whole in memory: parts of at most [`PART`] bytes.

use bytes::Bytes;
use futures::{Stream, StreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::Digest;
use std::sync::Arc;

/// Bytes buffered before a part is written (S3's minimum part size).
const PART: usize = 5 << 20;
/// Bytes the MIME sniffer looks at.
const SNIFF: usize = 8 << 10;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("the file exceeds the limit of {max} bytes")]
    TooLarge { max: u64 },
    #[error("reading the upload: {0}")]
    Read(String),
    #[error("evidence store: {0}")]
    Store(String),
    #[error("blob {0} is not in the evidence store")]
    Missing(String),
}

fn store_error(e: object_store::Error) -> BlobError {
    BlobError::Store(e.to_string())
}

/// What the bytes are: both hashes (lowercase hex), size and sniffed MIME type.
#[derive(Debug)]
pub struct Ingested {
    pub sha256: String,
    pub sm3: String,
    pub size: i64,
    pub mime: String,
    /// Whether the same bytes were stored before.
    pub existed: bool,
    /// Holds the blob until the request has recorded its evidence, or discarded it.
    pub pin: BlobPin,
}

pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    max_bytes: u64,
    pins: Arc<Pins>,
    /// The folder of a local store, whose files are made private to their owner.
    local_root: Option<std::path::PathBuf>,
}

/// Blobs that requests have ingested and not yet settled (recorded as evidence, or discarded).
///
/// The same bytes are stored once, so two uploads of one file share a blob. Were a refused
/// upload to remove "its" blob on the strength of an earlier look (did it exist before me?),
/// it could remove bytes that a second upload found there a moment later and recorded:
/// accepted evidence lost. So the move into place and the decision to remove are one step
/// (`gate`), and a blob is removed only while no request holds it and no evidence refers to it.
#[derive(Debug, Default)]
struct Pins {
    held: std::sync::Mutex<std::collections::HashMap<String, usize>>,
    gate: tokio::sync::Mutex<()>,
}

impl Pins {
    fn pin(self: &Arc<Self>, sha256: &str) -> BlobPin {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        *held.entry(sha256.to_owned()).or_default() += 1;
        BlobPin {
            sha256: sha256.to_owned(),
            pins: self.clone(),
        }
    }

    fn is_held(&self, sha256: &str) -> bool {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.get(sha256).is_some_and(|n| *n > 0)
    }
}

/// A request's hold on a blob, released when dropped.
#[derive(Debug)]
pub struct BlobPin {
    sha256: String,
    pins: Arc<Pins>,
}

impl Drop for BlobPin {
    fn drop(&mut self) {
        let mut held = self.pins.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = held.get_mut(&self.sha256) {
            *n -= 1;
            if *n == 0 {
                held.remove(&self.sha256);
            }
        }
    }
}

/// Sets a file's or folder's mode (Unix; elsewhere the folder's ACLs apply).
fn set_mode(path: &std::path::Path, mode: u32) -> Result<(), BlobError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| BlobError::Store(format!("{}: {e}", path.display())))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

fn key(sha256: &str) -> ObjectPath {
    ObjectPath::from(format!(
        "sha256/{}/{sha256}",
        &sha256[..2.min(sha256.len())]
    ))
}

use ledger::hex;

/// SHA-256 and SM3 (lowercase hex) of everything `reader` yields, read in 1 MiB pieces: what
/// a checker computes for an evidence file.
pub fn sha256_sm3(reader: &mut impl std::io::Read) -> std::io::Result<(String, String)> {
    let mut h = Hashes::default();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    let (sha256, sm3, _, _) = h.finish();
    Ok((sha256, sm3))
}

/// SHA-256 and SM3 over a stream, with the size and the first bytes for sniffing.
#[derive(Default)]
struct Hashes {
    sha256: sha2::Sha256,
    sm3: sm3::Sm3,
    size: u64,
    head: Vec<u8>,
}

impl Hashes {
    fn update(&mut self, chunk: &[u8]) {
        sha2::Digest::update(&mut self.sha256, chunk);
        sm3::Digest::update(&mut self.sm3, chunk);
        self.size += chunk.len() as u64;
        if self.head.len() < SNIFF {
            let n = (SNIFF - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..n]);
        }
    }

    fn finish(self) -> (String, String, i64, String) {
        let mime = infer::get(&self.head)
            .map(|t| t.mime_type().to_owned())
            .unwrap_or_else(|| {
                if std::str::from_utf8(&self.head).is_ok() && !self.head.is_empty() {
                    "text/plain".to_owned()
                } else {
                    "application/octet-stream".to_owned()
                }
            });
        (
            hex(&self.sha256.finalize()),
            hex(&sm3::Digest::finalize(self.sm3)),
            self.size as i64,
            mime,
        )
    }
}

impl BlobStore {
    /// A folder on the local disk (created if absent).
    pub fn local(root: &std::path::Path, max_bytes: u64) -> Result<BlobStore, BlobError> {
        std::fs::create_dir_all(root).map_err(|e| BlobError::Store(e.to_string()))?;
        set_mode(root, 0o700)?;
        let store =
            object_store::local::LocalFileSystem::new_with_prefix(root).map_err(store_error)?;
        Ok(BlobStore {
            store: Arc::new(store),
            max_bytes,
            pins: Arc::default(),
            local_root: Some(root.to_owned()),
        })
    }

    /// A stored blob and the folders above it readable by their owner only. The local object
    /// store takes no mode (it creates with the process's umask, which the binary sets to 077);
    /// this keeps evidence private for library users too.
    fn make_private(&self, sha256: &str) -> Result<(), BlobError> {
        let Some(root) = &self.local_root else {
            return Ok(());
        };
        let prefix = &sha256[..2.min(sha256.len())];
        for dir in ["staging", "sha256", &format!("sha256/{prefix}")] {
            let dir = root.join(dir);
            if dir.is_dir() {
                set_mode(&dir, 0o700)?;
            }
        }
        set_mode(&root.join("sha256").join(prefix).join(sha256), 0o600)
    }

    /// An S3-compatible bucket, `s3://bucket[/prefix]`, configured from the usual `AWS_*`
    /// environment variables (`AWS_ENDPOINT`, `AWS_ACCESS_KEY_ID`, `AWS_REGION`, …).
    #[cfg(feature = "s3")]
    pub fn s3(url: &str, max_bytes: u64) -> Result<BlobStore, BlobError> {
        let parsed = url::Url::parse(url).map_err(|e| BlobError::Store(e.to_string()))?;
        if parsed.scheme() != "s3" || parsed.host_str().is_none_or(str::is_empty) {
            return Err(BlobError::Store(format!("not s3://bucket[/prefix]: {url}")));
        }
        let bucket = parsed.host_str().unwrap_or_default();
        // `object_store::parse_url` would ignore the environment (and try instance metadata for
        // credentials); the builder reads it.
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(store_error)?;
        let prefix = parsed.path().trim_matches('/');
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(store)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(
                store,
                ObjectPath::from(prefix),
            ))
        };
        Ok(BlobStore {
            store,
            max_bytes,
            pins: Arc::default(),
            local_root: None,
        })
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Streams `body` in, hashing as it goes; on any error nothing is left behind.
    pub async fn ingest<S>(&self, mut body: S) -> Result<Ingested, BlobError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Unpin + Send,
    {
        let staging = ObjectPath::from(format!("staging/{}", uuid::Uuid::now_v7()));
        let mut upload = self
            .store
            .put_multipart(&staging)
            .await
            .map_err(store_error)?;
        let mut hashes = Hashes::default();
        let mut part: Vec<u8> = Vec::new();
        let outcome: Result<(), BlobError> = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| BlobError::Read(e.to_string()))?;
                hashes.update(&chunk);
                if hashes.size > self.max_bytes {
                    return Err(BlobError::TooLarge {
                        max: self.max_bytes,
                    });
                }
                part.extend_from_slice(&chunk);
                if part.len() >= PART {
                    let payload = PutPayload::from(std::mem::take(&mut part));
                    upload.put_part(payload).await.map_err(store_error)?;
                }
            }
            if !part.is_empty() || hashes.size == 0 {
                upload
                    .put_part(PutPayload::from(std::mem::take(&mut part)))
                    .await
                    .map_err(store_error)?;
            }
            Ok(())
        }
        .await;
        if let Err(e) = outcome {
            let _ = upload.abort().await;
            let _ = self.store.delete(&staging).await;
            return Err(e);
        }
        upload.complete().await.map_err(store_error)?;
        let (sha256, sm3, size, mime) = hashes.finish();
        let target = key(&sha256);
        // The move and the pin are one step with respect to `discard`.
        let _gate = self.pins.gate.lock().await;
        let existed = match self.store.rename_if_not_exists(&staging, &target).await {
            Ok(()) => false,
            Err(object_store::Error::AlreadyExists { .. }) => {
                let _ = self.store.delete(&staging).await;
                true
            }
            // Stores without an atomic conditional rename (S3 unless configured for it): the
            // bytes at a content address are the same whoever wrote them, so look, then move.
            Err(
                object_store::Error::NotImplemented { .. }
                | object_store::Error::NotSupported { .. },
            ) => {
                if self.store.head(&target).await.is_ok() {
                    let _ = self.store.delete(&staging).await;
                    true
                } else {
                    self.store
                        .rename(&staging, &target)
                        .await
                        .map_err(store_error)?;
                    false
                }
            }
            Err(e) => {
                let _ = self.store.delete(&staging).await;
                return Err(store_error(e));
            }
        };
        if !existed {
            self.make_private(&sha256)?;
        }
        let pin = self.pins.pin(&sha256);
        Ok(Ingested {
            sha256,
            sm3,
            size,
            mime,
            existed,
            pin,
        })
    }

    /// The stored bytes, as a stream.
    pub async fn get(
        &self,
        sha256: &str,
    ) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + use<>, BlobError> {
        let got = match self.store.get(&key(sha256)).await {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(BlobError::Missing(sha256.to_owned()));
            }
            Err(e) => return Err(store_error(e)),
        };
        Ok(got
            .into_stream()
            .map(|r| r.map_err(|e| std::io::Error::other(e.to_string()))))
    }

    /// Removes a blob (only for bytes that no evidence refers to).
    pub async fn delete(&self, sha256: &str) -> Result<(), BlobError> {
        self.store.delete(&key(sha256)).await.map_err(store_error)
    }

    /// Settles a refused upload: releases its hold and removes the blob unless another request
    /// holds it or `referenced` finds evidence that refers to it. Returns whether it was
    /// removed. `referenced` should answer true when in doubt.
    pub async fn discard<F>(&self, pin: BlobPin, referenced: F) -> Result<bool, BlobError>
    where
        F: std::future::Future<Output = bool>,
    {
        let _gate = self.pins.gate.lock().await;
        let sha256 = pin.sha256.clone();
        drop(pin);
        if self.pins.is_held(&sha256) || referenced.await {
            return Ok(false);
        }
        self.delete(&sha256).await?;
        Ok(true)
    }

    /// Rereads a blob and compares both hashes and the size; `Err` names what differs.
    pub async fn check(&self, sha256: &str, sm3: &str, size: i64) -> Result<(), String> {
        let mut stream = self.get(sha256).await.map_err(|e| e.to_string())?;
        let mut h = Hashes::default();
        while let Some(chunk) = stream.next().await {
            h.update(&chunk.map_err(|e| e.to_string())?);
        }
        let (got_sha, got_sm3, got_size, _) = h.finish();
        if got_sha != sha256 || got_sm3 != sm3 || got_size != size {
            return Err(format!(
                "blob {sha256}: the stored bytes hash to sha256 {got_sha}, sm3 {got_sm3}, {got_size} bytes"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(
        chunks: Vec<&'static [u8]>,
    ) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
        futures::stream::iter(chunks.into_iter().map(|c| Ok(Bytes::from_static(c))))
    }

    #[tokio::test]
    async fn stores_once_by_content_with_both_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::local(dir.path(), 1 << 20).unwrap();
        let a = blobs.ingest(body(vec![b"ab", b"c"])).await.unwrap();
        // SHA-256("abc") and SM3("abc") (GB/T 32905-2016 Annex A example 1).
        assert_eq!(
            a.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            a.sm3,
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            (a.size, a.mime.as_str(), a.existed),
            (3, "text/plain", false)
        );
        let b = blobs.ingest(body(vec![b"abc"])).await.unwrap();
        assert!(b.existed);
        assert!(blobs.check(&a.sha256, &a.sm3, 3).await.is_ok());
        // Nothing left in staging.
        let staging = dir.path().join("staging");
        assert!(!staging.exists() || std::fs::read_dir(&staging).unwrap().next().is_none());
        // A PNG is sniffed from its bytes.
        let png: &'static [u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(
            blobs.ingest(body(vec![png])).await.unwrap().mime,
            "image/png"
        );
    }

    /// Issue 18 (class of item 1, check-then-act): upload A stores new bytes, upload B of the
    /// same bytes finds them there, then A is refused. A must not remove the bytes B is about to
    /// record (before the fix A removed them because they had not "existed" before A).
    #[tokio::test]
    async fn a_refused_upload_keeps_bytes_another_holds_or_evidence_uses() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::local(dir.path(), 1 << 20).unwrap();
        let a = blobs.ingest(body(vec![b"same bytes"])).await.unwrap();
        let b = blobs.ingest(body(vec![b"same bytes"])).await.unwrap();
        assert!(!a.existed && b.existed);
        let sha = a.sha256.clone();
        assert!(!blobs.discard(a.pin, async { false }).await.unwrap());
        assert!(blobs.get(&sha).await.is_ok(), "B still holds the bytes");
        // B recorded its evidence and let go: nothing holds it, but evidence refers to it.
        drop(b.pin);
        let c = blobs.ingest(body(vec![b"same bytes"])).await.unwrap();
        assert!(!blobs.discard(c.pin, async { true }).await.unwrap());
        assert!(
            blobs.get(&sha).await.is_ok(),
            "evidence refers to the bytes"
        );
        // Nobody holds them and nothing refers to them: they go.
        let d = blobs.ingest(body(vec![b"same bytes"])).await.unwrap();
        assert!(blobs.discard(d.pin, async { false }).await.unwrap());
        assert!(matches!(blobs.get(&sha).await, Err(BlobError::Missing(_))));
    }

    #[tokio::test]
    async fn too_large_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::local(dir.path(), 4).unwrap();
        let err = blobs.ingest(body(vec![b"abc", b"de"])).await.unwrap_err();
        assert!(matches!(err, BlobError::TooLarge { max: 4 }));
        let files: Vec<_> = walk(dir.path());
        assert!(files.is_empty(), "{files:?}");
    }

    fn walk(p: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(p).unwrap() {
            let e = e.unwrap().path();
            if e.is_dir() {
                out.extend(walk(&e));
            } else {
                out.push(e);
            }
        }
        out
    }
}

/// The S3 store against an S3-compatible server: `ECOENFORCE_TEST_S3_URL` (e.g.
/// `s3://ecoenforce-test/evidence`, an existing bucket) with the usual `AWS_*` variables
/// (`AWS_ENDPOINT`, `AWS_ALLOW_HTTP`, keys, region). CI runs moto's server; without the variable
/// the test says why it skips, and with `ECOENFORCE_REQUIRE_S3=1` it fails instead.
#[cfg(all(test, feature = "s3"))]
mod s3_tests {
    use super::*;

    fn url() -> Option<String> {
        match std::env::var("ECOENFORCE_TEST_S3_URL") {
            Ok(u) if !u.is_empty() => Some(u),
            _ => {
                assert!(
                    std::env::var("ECOENFORCE_REQUIRE_S3").as_deref() != Ok("1"),
                    "ECOENFORCE_REQUIRE_S3=1 but ECOENFORCE_TEST_S3_URL is not set"
                );
                println!("SKIPPED: no S3 server (set ECOENFORCE_TEST_S3_URL and AWS_*)");
                None
            }
        }
    }

    #[tokio::test]
    async fn evidence_in_s3_is_stored_once_checked_read_and_limited() {
        let Some(url) = url() else { return };
        let blobs = BlobStore::s3(&url, 16 << 20).expect("the S3 store");
        // Three parts of the multipart upload (5 MiB each, then the rest), unique per run.
        let mut data = vec![0u8; (11 << 20) + 7];
        let stamp = uuid::Uuid::now_v7();
        data[..16].copy_from_slice(stamp.as_bytes());
        for (i, b) in data.iter_mut().enumerate().skip(16) {
            *b = (i % 251) as u8;
        }
        let chunks = || {
            futures::stream::iter(
                data.chunks(1 << 20)
                    .map(|c| Ok::<_, std::io::Error>(Bytes::copy_from_slice(c)))
                    .collect::<Vec<_>>(),
            )
        };
        let a = blobs.ingest(chunks()).await.expect("ingest");
        assert!(!a.existed);
        assert_eq!(a.size, data.len() as i64);
        let again = blobs.ingest(chunks()).await.expect("ingest again");
        assert!(again.existed, "stored once by content");
        blobs.check(&a.sha256, &a.sm3, a.size).await.expect("check");
        let mut back = Vec::new();
        let mut stream = blobs.get(&a.sha256).await.expect("get");
        while let Some(c) = stream.next().await {
            back.extend_from_slice(&c.unwrap());
        }
        assert!(back == data, "the bytes read back are the bytes stored");
        // Over the limit: refused, and nothing is left in staging.
        let small = BlobStore::s3(&url, 1 << 20).unwrap();
        let big = vec![Ok(Bytes::from(vec![1u8; 2 << 20]))];
        assert!(matches!(
            small.ingest(futures::stream::iter(big)).await,
            Err(BlobError::TooLarge { .. })
        ));
        let staged: Vec<_> = blobs
            .store
            .list(Some(&ObjectPath::from("staging")))
            .collect::<Vec<_>>()
            .await;
        assert!(staged.is_empty(), "{staged:?}");
        blobs.delete(&a.sha256).await.expect("delete");
        assert!(matches!(
            blobs.get(&a.sha256).await.err(),
            Some(BlobError::Missing(_))
        ));
    }
}
