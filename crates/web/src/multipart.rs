//! Multipart bodies read within their limits, for every route that takes one.
//!
//! axum's `Multipart` (multer underneath) keeps whatever it has pulled from the connection and
//! not yet handed out in one buffer: a part's headers until their blank line, a preamble until
//! the first boundary, however long they are. So the routes that take uploads (which cannot
//! have the 1 MiB body limit) would buffer an endless part header whole. Here every byte pulled
//! from the connection is counted against the part data handed out; what is neither (boundaries,
//! part headers, a preamble, and the chunk being parsed) may not pass [`MAX_OVERHEAD`], and the
//! body is cut there (413). The part data themselves are read chunk by chunk by each route
//! against its own limit ([`Field::text`] for form fields, the evidence store's for files).

use crate::error::ApiError;
use axum::body::{Body, Bytes};
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use domain::Reason;
use futures::Stream;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};

/// What a multipart body may hold besides its parts' data. A part's headers and boundary take a
/// few hundred bytes; one chunk from the connection is at most hyper's read buffer (about
/// 400 KiB); so a real form stays far below this.
pub(crate) const MAX_OVERHEAD: u64 = 1 << 20;

/// Bytes pulled from the connection and bytes handed out as part data, for one request.
#[derive(Default)]
struct Meter {
    pulled: AtomicU64,
    delivered: AtomicU64,
    exceeded: AtomicBool,
}

impl Meter {
    fn deliver(&self, n: usize) {
        self.delivered.fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// The request body as the parser sees it: counted, cut past [`MAX_OVERHEAD`], and handed over
/// one chunk per poll, so the parser hands out a chunk's data before it pulls the next (multer
/// otherwise pulls for as long as the connection has bytes ready).
struct Metered {
    body: axum::body::BodyDataStream,
    meter: Arc<Meter>,
    just_gave: bool,
}

impl Stream for Metered {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.meter.exceeded.load(Ordering::Relaxed) {
            return Poll::Ready(None);
        }
        if self.just_gave {
            self.just_gave = false;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        match Pin::new(&mut self.body).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                let pulled = self
                    .meter
                    .pulled
                    .fetch_add(chunk.len() as u64, Ordering::Relaxed)
                    + chunk.len() as u64;
                let delivered = self.meter.delivered.load(Ordering::Relaxed);
                if pulled.saturating_sub(delivered) > MAX_OVERHEAD {
                    self.meter.exceeded.store(true, Ordering::Relaxed);
                    return Poll::Ready(Some(Err(std::io::Error::other(
                        "multipart headers and separators over their limit",
                    ))));
                }
                self.just_gave = true;
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(std::io::Error::other(e)))),
            other => other.map(|_| None),
        }
    }
}

/// A multipart body whose parser holds at most [`MAX_OVERHEAD`] bytes besides part data.
pub(crate) struct Multipart {
    inner: axum::extract::Multipart,
    meter: Arc<Meter>,
}

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = MultipartRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let meter = Arc::new(Meter::default());
        let counted = meter.clone();
        let req = req.map(move |body| {
            Body::from_stream(Metered {
                body: body.into_data_stream(),
                meter: counted,
                just_gave: false,
            })
        });
        let inner = axum::extract::Multipart::from_request(req, state).await?;
        Ok(Multipart { inner, meter })
    }
}

/// Why a multipart body was not read: the status and the reason a page lists and the API
/// returns.
#[derive(Debug)]
pub(crate) struct Refused {
    pub status: StatusCode,
    pub reasons: Vec<Reason>,
}

impl Refused {
    pub fn one(status: StatusCode, reason: Reason) -> Refused {
        Refused {
            status,
            reasons: vec![reason],
        }
    }
}

impl From<Refused> for ApiError {
    fn from(r: Refused) -> ApiError {
        ApiError::new(r.status, &r.reasons)
    }
}

fn refused(meter: &Meter, e: MultipartError) -> Refused {
    if meter.exceeded.load(Ordering::Relaxed) {
        return Refused::one(
            StatusCode::PAYLOAD_TOO_LARGE,
            Reason::new("request.multipart_overhead").arg("max", MAX_OVERHEAD),
        );
    }
    Refused::one(
        StatusCode::BAD_REQUEST,
        Reason::new("evidence.bad_multipart").arg("detail", e.body_text()),
    )
}

impl Multipart {
    pub async fn next_field(&mut self) -> Result<Option<Field<'_>>, Refused> {
        let meter = self.meter.clone();
        match self.inner.next_field().await {
            Ok(Some(inner)) => Ok(Some(Field { inner, meter })),
            Ok(None) => Ok(None),
            Err(e) => Err(refused(&meter, e)),
        }
    }
}

/// One part; its data are counted as handed out.
pub(crate) struct Field<'a> {
    inner: axum::extract::multipart::Field<'a>,
    meter: Arc<Meter>,
}

impl Field<'_> {
    pub fn name(&self) -> &str {
        self.inner.name().unwrap_or_default()
    }

    pub fn file_name(&self) -> Option<&str> {
        self.inner.file_name()
    }

    /// The next chunk of the part's data.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Refused> {
        match self.inner.chunk().await {
            Ok(Some(c)) => {
                self.meter.deliver(c.len());
                Ok(Some(c))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(refused(&self.meter, e)),
        }
    }

    /// The part as text of at most `max` bytes, refused (422) as soon as it is longer: never
    /// more than `max` bytes and one chunk are read.
    pub async fn text(mut self, max: usize) -> Result<String, Refused> {
        let mut bytes = Vec::new();
        while let Some(chunk) = self.chunk().await? {
            if bytes.len() + chunk.len() > max {
                return Err(Refused::one(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Reason::new("field.too_long")
                        .field(self.name().to_owned())
                        .arg("max", max),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        String::from_utf8(bytes).map_err(|_| {
            Refused::one(
                StatusCode::BAD_REQUEST,
                Reason::new("evidence.bad_multipart").arg("detail", "a form field is not UTF-8"),
            )
        })
    }

    /// The part's data as a stream, for a file that is streamed to its store (which counts
    /// it against the store's limit).
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin {
        use futures::TryStreamExt;
        let meter = self.meter;
        self.inner
            .inspect_ok(move |c| meter.deliver(c.len()))
            .map_err(|e| std::io::Error::other(e.body_text()))
    }
}
