//! Account administration.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::precondition::ClientIp;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Clears a username's failed sign-ins, ending its lock-out (security administrator).
#[utoipa::path(post, path = "/api/v1/admin/users/{username}/unlock", tag = "admin",
    params(("username" = String, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn unlock(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ClientIp(ip): ClientIp,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.unlock(&auth.actor, &username, &ip).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessBody {
    /// Role names, e.g. `brigade_officer`; an administrator role stands alone.
    roles: Vec<String>,
    /// County codes; null for the whole prefecture.
    counties: Option<Vec<String>>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SecretView {
    username: String,
    /// Shown only this once; never logged.
    secret: String,
    /// For a second factor: the otpauth URI authenticator apps read.
    uri: Option<String>,
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountBody {
    username: String,
    display_name: String,
    /// The unit's code, e.g. `xsbn-zhidui`.
    unit_code: Option<String>,
}

/// System administrator: creates an account with no roles (the security administrator grants
/// them); the initial password is shown once and must be changed at first sign-in.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin",
    request_body = NewAccountBody,
    responses((status = 201, body = SecretView), (status = 403, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn create_account(
    State(state): State<AppState>,
    Auth(auth): Auth,
    crate::json::ApiJson(body): crate::json::ApiJson<NewAccountBody>,
) -> Result<(StatusCode, axum::Json<SecretView>), ApiError> {
    let s = state
        .app
        .create_account(
            &auth.actor,
            &body.username,
            &body.display_name,
            body.unit_code.as_deref(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(SecretView {
            username: s.username,
            secret: s.secret,
            uri: None,
        }),
    ))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditAccountBody {
    display_name: String,
    /// The unit's code; null or absent for none.
    unit_code: Option<String>,
}

/// System administrator: an account's display name and unit (its access is the security
/// administrator's).
#[utoipa::path(put, path = "/api/v1/admin/users/{username}", tag = "admin",
    params(("username" = String, Path)), request_body = EditAccountBody,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn edit_account(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(username): Path<String>,
    crate::json::ApiJson(body): crate::json::ApiJson<EditAccountBody>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .edit_account(
            &auth.actor,
            &username,
            &body.display_name,
            body.unit_code.as_deref(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateBody {
    /// 执法证号
    number: String,
    issuing_authority: String,
    valid_from: chrono::NaiveDate,
    valid_until: chrono::NaiveDate,
}

/// System administrator: records or replaces an officer's enforcement certificate.
#[utoipa::path(put, path = "/api/v1/admin/users/{username}/certificate", tag = "admin",
    params(("username" = String, Path)), request_body = CertificateBody,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn certify(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(username): Path<String>,
    crate::json::ApiJson(body): crate::json::ApiJson<CertificateBody>,
) -> Result<StatusCode, ApiError> {
    let certificate = domain::permission::Certificate {
        // Untrimmed: the decision refuses a line break before it trims.
        number: body.number,
        issuing_authority: body.issuing_authority,
        valid_from: body.valid_from,
        valid_until: body.valid_until,
    };
    state
        .app
        .certify_account(&auth.actor, &username, certificate)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalQualificationBody {
    /// The day the person first took up legal review of penalty decisions.
    reviewer_since: chrono::NaiveDate,
    /// 法律职业资格证书编号: required of those who took up review on or after 2021-07-15
    /// (checked when they review).
    number: Option<String>,
}

/// System administrator: records or replaces a legal reviewer's standing (APL Art. 58).
#[utoipa::path(put, path = "/api/v1/admin/users/{username}/legal-qualification", tag = "admin",
    params(("username" = String, Path)), request_body = LegalQualificationBody,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn qualify_reviewer(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(username): Path<String>,
    crate::json::ApiJson(body): crate::json::ApiJson<LegalQualificationBody>,
) -> Result<StatusCode, ApiError> {
    let qualification = domain::user::LegalQualification {
        reviewer_since: body.reviewer_since,
        number: body.number,
    };
    state
        .app
        .qualify_reviewer_account(&auth.actor, &username, qualification)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The settings in force of the caller's duty (system or security administrator), as
/// `app.<key>` → value; they change in the settings file and take effect at restart.
#[utoipa::path(get, path = "/api/v1/admin/settings", tag = "admin",
    responses((status = 200, body = std::collections::BTreeMap<String, String>),
              (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn settings(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<axum::Json<std::collections::BTreeMap<String, String>>, ApiError> {
    Ok(axum::Json(
        state
            .app
            .settings_in_force(&auth.actor)?
            .into_iter()
            .collect(),
    ))
}

/// Security administrator: sets a user's roles and jurisdictions.
#[utoipa::path(put, path = "/api/v1/admin/users/{username}/access", tag = "admin",
    params(("username" = String, Path)), request_body = AccessBody,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn set_access(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(username): Path<String>,
    crate::json::ApiJson(body): crate::json::ApiJson<AccessBody>,
) -> Result<StatusCode, ApiError> {
    let roles = domain::admin::parse_roles(&body.roles)?;
    state
        .app
        .set_access(&auth.actor, &username, roles, body.counties)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// System administrator: disables an account (refused at sign-in and on every request).
#[utoipa::path(post, path = "/api/v1/admin/users/{username}/disable", tag = "admin",
    params(("username" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn disable(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.set_disabled(&auth.actor, &username, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// System administrator: enables a disabled account again.
#[utoipa::path(post, path = "/api/v1/admin/users/{username}/enable", tag = "admin",
    params(("username" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn enable(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .set_disabled(&auth.actor, &username, false)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Security administrator: a new initial password, shown once; it must be changed at sign-in.
#[utoipa::path(post, path = "/api/v1/admin/users/{username}/password-reset", tag = "admin",
    params(("username" = String, Path)),
    responses((status = 200, body = SecretView), (status = 403, body = Problem),
              (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn password_reset(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(username): Path<String>,
) -> Result<axum::Json<SecretView>, ApiError> {
    let s = state.app.reset_password(&auth.actor, &username).await?;
    Ok(axum::Json(SecretView {
        username: s.username,
        secret: s.secret,
        uri: None,
    }))
}

/// Security administrator: a new second-factor secret, shown once.
#[utoipa::path(post, path = "/api/v1/admin/users/{username}/totp-reset", tag = "admin",
    params(("username" = String, Path)),
    responses((status = 200, body = SecretView), (status = 403, body = Problem),
              (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn totp_reset(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(username): Path<String>,
) -> Result<axum::Json<SecretView>, ApiError> {
    let s = state.app.reset_totp(&auth.actor, &username).await?;
    let uri = app::totp::uri(&s.username, &s.secret);
    Ok(axum::Json(SecretView {
        username: s.username,
        secret: s.secret,
        uri: Some(uri),
    }))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// The submitted username (sign-ins); from which log position (events).
    username: Option<String>,
    after: Option<String>,
}

/// Audit administrator: the audit trails, read only — `signins?username=`, `security`, and
/// administration `events?after=`.
#[utoipa::path(get, path = "/api/v1/admin/audit/{trail}", tag = "admin",
    params(("trail" = String, Path, description = "signins, security or events"), AuditParams),
    responses((status = 200, body = Object), (status = 403, body = Problem),
              (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn audit(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(trail): Path<String>,
    axum::extract::Query(p): axum::extract::Query<AuditParams>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    use serde_json::json;
    crate::routes::query_text("username", p.username.as_deref())?;
    // A cursor that is not a number is refused, not read as the start of the trail.
    let after = crate::routes::number("after", p.after.clone(), 0, 0, i64::MAX)?;
    let a = &state.app;
    Ok(axum::Json(match trail.as_str() {
        "signins" => {
            let rows = a
                .audit_signins(&auth.actor, p.username.as_deref().unwrap_or_default())
                .await?;
            json!(
                rows.iter()
                    .map(|r| json!({"at": r.at.to_string(), "username": r.username,
                "ip": r.ip, "outcome": r.outcome.as_str()}))
                    .collect::<Vec<_>>()
            )
        }
        "security" => {
            let rows = a.audit_security(&auth.actor).await?;
            json!(
                rows.iter()
                    .map(|r| json!({"at": r.at.to_string(), "username": r.username,
                "ip": r.ip, "kind": r.kind, "detail": r.detail}))
                    .collect::<Vec<_>>()
            )
        }
        "events" => {
            let rows = a.audit_events(&auth.actor, after).await?;
            json!(
                rows.iter()
                    .map(|r| json!({"index": r.seq, "event": r.event.envelope()}))
                    .collect::<Vec<_>>()
            )
        }
        _ => {
            return Err(ApiError::one(
                StatusCode::NOT_FOUND,
                domain::Reason::new("request.not_found"),
            ));
        }
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(unlock))
        .routes(routes!(create_account))
        .routes(routes!(edit_account))
        .routes(routes!(certify))
        .routes(routes!(qualify_reviewer))
        .routes(routes!(settings))
        .routes(routes!(set_access))
        .routes(routes!(disable))
        .routes(routes!(enable))
        .routes(routes!(password_reset))
        .routes(routes!(totp_reset))
        .routes(routes!(audit))
}
