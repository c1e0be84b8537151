//! Sign-in, sign-out and the password change (forced for initial passwords).

use super::{Chrome, PageCtx, SESSION_COOKIE, see_other};
use crate::AppState;
use crate::precondition::ClientIp;
use app::AppError;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    username: String,
    errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    forced: bool,
    errors: Vec<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    totp: Option<String>,
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
}

fn session_cookie(value: &str, max_age: i64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}"
    ))
    .ok()
}

pub async fn form(ctx: PageCtx) -> Response {
    ctx.render(
        StatusCode::OK,
        &LoginPage {
            chrome: ctx.chrome(),
            username: String::new(),
            errors: Vec::new(),
        },
    )
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let form = match form {
        Ok(Form(form)) => form,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => return ctx.body_too_large(),
        Err(_) => return ctx.error(AppError::Unauthenticated("auth.invalid_credentials")),
    };
    match state
        .app
        .login_with_totp(&form.username, &form.password, form.totp.as_deref(), &ip)
        .await
    {
        Ok(outcome) => {
            let to = if outcome.must_change_password {
                "/password"
            } else {
                "/"
            };
            let mut r = see_other(to);
            let s = &state.app.settings;
            if let Some(c) = session_cookie(&outcome.token, s.session_ttl_seconds, s.cookie_secure)
            {
                r.headers_mut().append(header::SET_COOKIE, c);
            }
            r
        }
        Err(e) => {
            let status = match &e {
                AppError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
                // A field no account could have (a control character): the form's fault.
                AppError::Refused(r) if r.kind == domain::RefusalKind::Invalid => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                _ => StatusCode::UNAUTHORIZED,
            };
            match ctx.reasons(e) {
                Ok(errors) => ctx.render(
                    status,
                    &LoginPage {
                        chrome: ctx.chrome(),
                        username: form.username,
                        errors,
                    },
                ),
                Err(r) => r,
            }
        }
    }
}

pub async fn logout(State(state): State<AppState>, ctx: PageCtx) -> Response {
    if let Some(auth) = &ctx.auth
        && let Err(e) = state.app.logout(auth).await
    {
        return ctx.error(e);
    }
    let mut r = see_other("/login");
    if let Some(c) = session_cookie("", 0, state.app.settings.cookie_secure) {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

pub async fn password_form(ctx: PageCtx) -> Response {
    let Some(auth) = &ctx.auth else {
        return see_other("/login");
    };
    ctx.render(
        StatusCode::OK,
        &PasswordPage {
            chrome: ctx.chrome(),
            forced: auth.must_change_password,
            errors: Vec::new(),
        },
    )
}

pub async fn password_submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    form: Result<Form<PasswordForm>, FormRejection>,
) -> Response {
    let Some(auth) = &ctx.auth else {
        return see_other("/login");
    };
    let form = match form {
        Ok(Form(form)) => form,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => return ctx.body_too_large(),
        Err(_) => return see_other("/password"),
    };
    match state
        .app
        .change_password(auth, &form.current, &form.new, &ip)
        .await
    {
        Ok(()) => super::see_other_flash("/", "ui-flash_password_changed"),
        Err(e) => match ctx.refusal(e) {
            Ok((status, errors)) => ctx.render(
                status,
                &PasswordPage {
                    chrome: ctx.chrome(),
                    forced: auth.must_change_password,
                    errors,
                },
            ),
            Err(r) => r,
        },
    }
}
