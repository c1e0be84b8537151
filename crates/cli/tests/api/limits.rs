//! Issue 18 (hardening): every request body is refused past its limit after reading at most that
//! limit, never buffered first. The server is the real binary, so the memory measured is the
//! server's alone (`/proc/<pid>/status`), not this test process's with its parallel tests.

use crate::binary::{Server, start};
use bytes::Bytes;
use futures::StreamExt;

const MIB: u64 = 1 << 20;
/// What an attacker sends: far more than any limit, produced while it is sent.
const BIG: u64 = 300 * MIB;
/// How far the server's resident memory may rise while it refuses `BIG` bytes.
const ALLOWED_GROWTH: u64 = 32 * MIB;

fn status_bytes(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let line = status
        .lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status"));
    let kib: u64 = line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .expect("a number of kB");
    kib * 1024
}

/// A request body: its length and its bytes, produced as they are sent.
struct Body {
    len: u64,
    stream: futures::stream::BoxStream<'static, Bytes>,
}

fn bytes(b: impl Into<Bytes>) -> Body {
    let b: Bytes = b.into();
    Body {
        len: b.len() as u64,
        stream: futures::stream::once(async move { b }).boxed(),
    }
}

/// `len` bytes of `byte` (a multiple of 64 KiB).
fn filler(len: u64, byte: u8) -> Body {
    let chunk = Bytes::from(vec![byte; 64 << 10]);
    let n = len / chunk.len() as u64;
    Body {
        len: n * chunk.len() as u64,
        stream: futures::stream::iter((0..n).map(move |_| chunk.clone())).boxed(),
    }
}

fn chain(parts: Vec<Body>) -> Body {
    Body {
        len: parts.iter().map(|p| p.len).sum(),
        stream: futures::stream::iter(parts.into_iter().map(|p| p.stream))
            .flatten()
            .boxed(),
    }
}

const BOUNDARY: &str = "limits-test-boundary";
const MULTIPART: &str = "multipart/form-data; boundary=limits-test-boundary";

/// A multipart body of one part of `len` bytes; a file when it has a file name.
fn one_part(name: &str, file_name: Option<&str>, len: u64) -> Body {
    let file = file_name
        .map(|f| format!("; filename=\"{f}\""))
        .unwrap_or_default();
    chain(vec![
        bytes(format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n"
        )),
        filler(len, b'a'),
        bytes(format!("\r\n--{BOUNDARY}--\r\n")),
    ])
}

/// Sends a request over a plain connection while reading the answer, and returns the status,
/// the body, and how far the server's peak resident memory rose above where it stood before
/// (the peak is reset first, so the server's start does not count).
///
/// Not reqwest: a server that refuses early answers and closes while the client still sends,
/// and reqwest then reports the broken pipe instead of the answer it was sent.
async fn measured(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Body,
) -> (u16, String, u64) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let pid = server.child.id();
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").expect("reset the peak RSS");
    let before = status_bytes(pid, "VmRSS:");
    let addr = server.url.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let (mut read, mut write) = stream.into_split();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut chunks = body.stream;
    let writer = tokio::spawn(async move {
        write.write_all(head.as_bytes()).await?;
        while let Some(chunk) = chunks.next().await {
            write.write_all(&chunk).await?;
        }
        // Dropping the half would shut the connection's sending side, which the server takes
        // for the client going away: keep it open until the answer is read.
        std::future::pending::<()>().await;
        Ok::<_, std::io::Error>(write)
    });
    let mut answer = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        match read.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            // Reset after the answer, when the server closes on bytes it did not read.
            Err(_) => break,
        }
    }
    writer.abort();
    let peak = status_bytes(pid, "VmHWM:");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer: {text:?}"));
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {head}"));
    let growth = peak.saturating_sub(before);
    eprintln!(
        "{method} {path}: {status}; server RSS before {} MiB, peak after {} MiB, growth {:.1} MiB",
        before / MIB,
        peak / MIB,
        growth as f64 / MIB as f64
    );
    (status, body.to_owned(), growth)
}

fn codes(body: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("{body}"));
    crate::helpers::error_codes(&v)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

struct Running {
    server: Server,
    client: reqwest::Client,
    token: String,
    _dir: tempfile::TempDir,
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url)
    }

    /// A session cookie from the sign-in form.
    async fn cookie(&self, user: &str) -> String {
        let r = self
            .client
            .post(self.url("/login"))
            .form(&[("username", user), ("password", app::seed::DEMO_PASSWORD)])
            .send()
            .await
            .unwrap();
        let set = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("ecoenforce_session="))
            .unwrap_or_else(|| panic!("no session cookie: {}", r.status()));
        set.split(';').next().unwrap().to_owned()
    }
}

impl Running {
    async fn menghai_entity(&self) -> String {
        let list: serde_json::Value = self
            .client
            .get(self.url("/api/v1/entities?county=532822&per_page=1"))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list["items"][0]["id"].as_str().unwrap().to_owned()
    }
}

/// The demo on the real binary, signed in as a Menghai officer (who may upload and import).
async fn running() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&["--demo", "--data-dir", dir.path().to_str().unwrap()])
        .unwrap_or_else(|e| panic!("{e:?}"));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login: serde_json::Value = client
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&serde_json::json!({"username": "menghai.officer", "password": app::seed::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().expect("a token").to_owned();
    Running {
        server,
        client,
        token,
        _dir: dir,
    }
}

#[tokio::test]
async fn a_300_mib_form_field_or_part_header_to_the_evidence_upload_is_refused_unbuffered() {
    let s = running().await;
    let bearer = format!("Bearer {}", s.token);
    let headers = [
        ("authorization", bearer.as_str()),
        ("content-type", MULTIPART),
    ];
    // A non-file field of 300 MiB: refused once it passes 4,096 bytes.
    let (status, body, growth) = measured(
        &s.server,
        "POST",
        "/api/v1/evidence",
        &headers,
        one_part("title", None, BIG),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(codes(&body), ["field.too_long"]);
    assert!(growth < ALLOWED_GROWTH, "RSS grew {} MiB", growth / MIB);

    // A part whose headers never end: the multipart parser would keep them all, waiting for
    // their blank line.
    let endless = chain(vec![
        bytes(format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"title\"\r\nX-Padding: "
        )),
        filler(BIG, b'a'),
    ]);
    let (status, body, growth) =
        measured(&s.server, "POST", "/api/v1/evidence", &headers, endless).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(codes(&body), ["request.multipart_overhead"]);
    assert!(growth < ALLOWED_GROWTH, "RSS grew {} MiB", growth / MIB);

    // So does a preamble that never reaches the first boundary.
    let (status, body, growth) = measured(
        &s.server,
        "POST",
        "/api/v1/evidence",
        &headers,
        filler(BIG, b'a'),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(codes(&body), ["request.multipart_overhead"]);
    assert!(growth < ALLOWED_GROWTH, "RSS grew {} MiB", growth / MIB);

    // A real upload of a large file still passes: its data are not counted against the limit
    // on headers and separators, whatever the size of the chunks the connection delivers.
    let entity = s.menghai_entity().await;
    let mut parts = Vec::new();
    for (k, v) in [
        ("subject_id", entity.as_str()),
        ("type", "documentary"),
        ("title", "大文件"),
        ("collected_at", &chrono::Utc::now().to_rfc3339()),
        ("collected_by", "menghai.officer"),
    ] {
        parts.push(bytes(format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        )));
    }
    parts.push(bytes(format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n"
    )));
    parts.push(filler(64 * MIB, b'z'));
    parts.push(bytes(format!("\r\n--{BOUNDARY}--\r\n")));
    let (status, body, growth) = measured(
        &s.server,
        "POST",
        "/api/v1/evidence",
        &headers,
        chain(parts),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(body.contains(&format!("\"size\":{}", 64 * MIB)), "{body}");
    assert!(growth < ALLOWED_GROWTH, "RSS grew {} MiB", growth / MIB);
}

#[tokio::test]
async fn a_300_mib_import_upload_is_refused_within_its_limit_by_the_api_and_the_page() {
    let s = running().await;
    let bearer = format!("Bearer {}", s.token);
    let headers = [
        ("authorization", bearer.as_str()),
        ("content-type", MULTIPART),
    ];
    // A field that is not one of the files: refused before its bytes are read.
    let (status, body, growth) = measured(
        &s.server,
        "POST",
        "/api/v1/entities/import",
        &headers,
        one_part("note", None, BIG),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(codes(&body), ["field.unknown"]);
    assert!(growth < ALLOWED_GROWTH, "RSS grew {} MiB", growth / MIB);

    // The file itself: read up to its limit (32 MiB, held to be parsed), then refused.
    let (status, body, growth) = measured(
        &s.server,
        "POST",
        "/api/v1/entities/import",
        &headers,
        one_part("file", Some("big.csv"), BIG),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(codes(&body), ["request.upload_too_large"]);
    let limit = app::import::MAX_FILE_BYTES as u64;
    assert!(
        growth < limit + ALLOWED_GROWTH,
        "RSS grew {} MiB",
        growth / MIB
    );

    // The import page reads the same upload.
    let cookie = s.cookie("menghai.officer").await;
    let page = [("cookie", cookie.as_str()), ("content-type", MULTIPART)];
    let (status, _, growth) = measured(
        &s.server,
        "POST",
        "/entities/import",
        &page,
        one_part("note", None, BIG),
    )
    .await;
    assert_eq!(status, 422);
    assert!(growth < ALLOWED_GROWTH, "RSS grew {} MiB", growth / MIB);
    let (status, _, growth) = measured(
        &s.server,
        "POST",
        "/entities/import",
        &page,
        filler(BIG, b'a'),
    )
    .await;
    assert_eq!(status, 413);
    assert!(growth < ALLOWED_GROWTH, "RSS grew {} MiB", growth / MIB);
}

#[tokio::test]
async fn a_300_mib_form_json_body_or_resumable_upload_is_refused_within_its_limit() {
    let s = running().await;
    // The sign-in form and a JSON body: 1 MiB (web::BODY_LIMIT), counted while reading.
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let (status, _, growth) = measured(&s.server, "POST", "/login", &form, filler(BIG, b'a')).await;
    assert_eq!(status, 413);
    assert!(growth < ALLOWED_GROWTH, "RSS grew {} MiB", growth / MIB);
    let json = [("content-type", "application/json")];
    let (status, body, growth) = measured(
        &s.server,
        "POST",
        "/api/v1/auth/login",
        &json,
        filler(BIG, b' '),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(codes(&body), ["request.body_too_large"]);
    assert!(growth < ALLOWED_GROWTH, "RSS grew {} MiB", growth / MIB);

    // A resumable upload of 16 bytes that is sent 300 MiB.
    let entity = s.menghai_entity().await;
    let b64 = |v: &str| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(v)
    };
    let metadata = [
        ("subject_id", entity.as_str()),
        ("type", "documentary"),
        ("title", "limits"),
        ("collected_at", &chrono::Utc::now().to_rfc3339()),
        ("collected_by", "menghai.officer"),
    ]
    .iter()
    .map(|(k, v)| format!("{k} {}", b64(v)))
    .collect::<Vec<_>>()
    .join(",");
    let r = s
        .client
        .post(s.url("/api/v1/uploads"))
        .bearer_auth(&s.token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", "16")
        .header("upload-metadata", metadata)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let bearer = format!("Bearer {}", s.token);
    let tus = [
        ("authorization", bearer.as_str()),
        ("tus-resumable", "1.0.0"),
        ("upload-offset", "0"),
        ("content-type", "application/offset+octet-stream"),
    ];
    let (status, body, growth) =
        measured(&s.server, "PATCH", &location, &tus, filler(BIG, b'a')).await;
    assert_eq!(status, 413, "{body}");
    assert!(growth < ALLOWED_GROWTH, "RSS grew {} MiB", growth / MIB);
}
