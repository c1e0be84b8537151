//! A JSON body extractor whose failures speak problem+json: bad syntax 400, unknown fields and
//! wrong types 422 naming the field, over 1 MiB 413, not JSON at all 415.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use domain::Reason;
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::one(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Reason::new("request.unsupported_media_type").arg("expected", "application/json"),
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::one(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Reason::new("request.body_too_large").arg("limit", crate::BODY_LIMIT),
                )
            } else {
                ApiError::one(
                    StatusCode::BAD_REQUEST,
                    Reason::new("request.malformed_json").arg("detail", rejection.body_text()),
                )
            }
        })?;
        parse(&bytes).map(ApiJson)
    }
}

/// Parses a JSON document, classifying failures as ARCHITECTURE.md's status table says.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = match serde_path_to_error::deserialize(&mut de) {
        Ok(v) => v,
        Err(err) => return Err(classify(err.path().to_string(), err.into_inner())),
    };
    de.end().map_err(|e| classify(String::new(), e))?;
    Ok(value)
}

/// Reads a JSON value into `T` with the same failure classes as [`parse`].
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value)
        .map_err(|err| classify(err.path().to_string(), err.into_inner()))
}

fn classify(path: String, inner: serde_json::Error) -> ApiError {
    {
        let detail = strip_position(&inner.to_string());
        match inner.classify() {
            serde_json::error::Category::Data => {
                // The path of an unknown field ends in its name; of a missing one, at its object.
                let (code, field) = if quoted_after(&detail, "unknown field `").is_some() {
                    ("field.unknown", path.clone())
                } else if let Some(name) = quoted_after(&detail, "missing field `") {
                    ("field.missing", join_path(&path, &name))
                } else {
                    ("field.invalid_type", path.clone())
                };
                let field = if field == "." { String::new() } else { field };
                ApiError::one(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Reason::new(code)
                        .field(field.clone())
                        .arg("field", field)
                        .arg("detail", detail),
                )
            }
            _ => ApiError::one(
                StatusCode::BAD_REQUEST,
                Reason::new("request.malformed_json").arg("detail", detail),
            ),
        }
    }
}

fn strip_position(s: &str) -> String {
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}

fn quoted_after(s: &str, prefix: &str) -> Option<String> {
    let rest = &s[s.find(prefix)? + prefix.len()..];
    Some(rest[..rest.find('`')?].to_owned())
}

/// serde_path_to_error reports a missing field at the path of its containing object.
fn join_path(path: &str, name: &str) -> String {
    if path.is_empty() || path == "." {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        count: u32,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        x: i64,
    }

    fn err(json: &str) -> (u16, String, Option<String>) {
        let e = parse::<Body>(json.as_bytes()).unwrap_err();
        let first = &e.problem.errors[0];
        (e.status.as_u16(), first.code.clone(), first.field.clone())
    }

    #[test]
    fn classifies_failures() {
        assert_eq!(
            err("{\"name\": "),
            (400, "request.malformed_json".into(), None)
        );
        assert_eq!(
            err(r#"{"name":"a","count":1} x"#),
            (400, "request.malformed_json".into(), None)
        );
        assert_eq!(
            err(r#"{"name":"a","count":1,"extra":1}"#),
            (422, "field.unknown".into(), Some("extra".into()))
        );
        assert_eq!(
            err(r#"{"name":"a","count":"1"}"#),
            (422, "field.invalid_type".into(), Some("count".into()))
        );
        assert_eq!(
            err(r#"{"name":"a","count":-1}"#),
            (422, "field.invalid_type".into(), Some("count".into()))
        );
        assert_eq!(
            err(r#"{"name":"a"}"#),
            (422, "field.missing".into(), Some("count".into()))
        );
        assert_eq!(
            err(r#"{"name":"a","count":1,"inner":{"x":1,"y":2}}"#),
            (422, "field.unknown".into(), Some("inner.y".into()))
        );
        assert!(parse::<Body>(br#"{"name":"a","count":1}"#).is_ok());
    }
}
