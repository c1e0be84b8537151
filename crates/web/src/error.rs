//! The one error type at the HTTP edge: RFC 9457 problem+json with every reason in zh-CN and en.
//!
//! Status codes (ARCHITECTURE.md): malformed syntax 400; not signed in 401; role lacks the
//! permission 403; row outside scope 404 (never 403); duplicate or unmet legal condition 409;
//! stale 412; body too large 413; invalid field 422; too many attempts 429.

use app::AppError;
use app::i18n::{Lang, message};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{Reason, Refusal, RefusalKind};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A text in both languages.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Texts {
    #[serde(rename = "zh-CN")]
    pub zh_cn: String,
    pub en: String,
}

/// One reason a request was refused.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProblemItem {
    /// The field the reason concerns; null for whole-request reasons.
    pub field: Option<String>,
    /// A stable reason code, e.g. `unit.code_taken`.
    pub code: String,
    pub args: BTreeMap<String, String>,
    pub message: Texts,
    /// The law and article the rule comes from, where it is a rule of law.
    pub legal_source: Option<Texts>,
}

/// RFC 9457 problem details.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub errors: Vec<ProblemItem>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub problem: Box<Problem>,
    pub retry_after: Option<u64>,
}

pub fn item(reason: &Reason) -> ProblemItem {
    ProblemItem {
        field: reason.field.clone(),
        code: reason.code.to_owned(),
        args: reason.args.clone(),
        message: Texts {
            zh_cn: message(Lang::ZhCn, reason.code, &reason.args),
            en: message(Lang::En, reason.code, &reason.args),
        },
        legal_source: reason.legal_source.as_ref().map(|s| Texts {
            zh_cn: s.zh_cn.to_owned(),
            en: s.en.to_owned(),
        }),
    }
}

impl ApiError {
    pub fn new(status: StatusCode, reasons: &[Reason]) -> ApiError {
        let errors: Vec<ProblemItem> = reasons.iter().map(item).collect();
        let title = status.canonical_reason().unwrap_or("Error").to_owned();
        let detail = errors
            .iter()
            .map(|e| e.message.en.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let code = reasons.first().map(|r| r.code).unwrap_or("error");
        ApiError {
            status,
            problem: Box::new(Problem {
                type_: format!("urn:ecoenforce:problem:{code}"),
                title,
                status: status.as_u16(),
                detail,
                errors,
            }),
            retry_after: None,
        }
    }

    pub fn one(status: StatusCode, reason: Reason) -> ApiError {
        ApiError::new(status, &[reason])
    }

    pub fn internal() -> ApiError {
        ApiError::one(
            StatusCode::INTERNAL_SERVER_ERROR,
            Reason::new("request.internal"),
        )
    }
}

pub fn status_of(kind: RefusalKind) -> StatusCode {
    match kind {
        RefusalKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        RefusalKind::Forbidden => StatusCode::FORBIDDEN,
        RefusalKind::NotFound => StatusCode::NOT_FOUND,
        RefusalKind::Stale => StatusCode::PRECONDITION_FAILED,
        RefusalKind::Conflict => StatusCode::CONFLICT,
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        ApiError::new(status_of(r.kind), &r.reasons)
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Refused(r) => r.into(),
            AppError::Unauthenticated(code) => {
                ApiError::one(StatusCode::UNAUTHORIZED, Reason::new(code))
            }
            AppError::TooMany {
                retry_after_seconds,
            } => {
                let mut err = ApiError::one(
                    StatusCode::TOO_MANY_REQUESTS,
                    Reason::new("request.too_many").arg("seconds", retry_after_seconds),
                );
                err.retry_after = Some(retry_after_seconds);
                err
            }
            AppError::ReadOnly(reason) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                &[Reason::new("ledger.read_only"), reason],
            ),
            AppError::Unavailable(reason) => ApiError::one(StatusCode::SERVICE_UNAVAILABLE, reason),
            AppError::TooLarge { max } => ApiError::one(
                StatusCode::PAYLOAD_TOO_LARGE,
                Reason::new("request.upload_too_large").arg("limit", max),
            ),
            AppError::Store(store_error) => {
                tracing::error!(error = %store_error, "store error");
                ApiError::one(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Reason::new("request.unavailable"),
                )
            }
            AppError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(*self.problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

pub async fn not_found() -> ApiError {
    ApiError::one(StatusCode::NOT_FOUND, Reason::new("request.not_found"))
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::one(
        StatusCode::METHOD_NOT_ALLOWED,
        Reason::new("request.method_not_allowed"),
    )
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::internal().into_response()
}
