//! Server-rendered pages (askama + htmx), zh-CN first with an English switch on every page.
//! Pages sign in with an HttpOnly SameSite cookie from the same sessions table as the API's
//! bearer tokens; state-changing forms are protected by tower-http's Fetch-Metadata CSRF check.

// A page handler answers with a Response either way; boxing the error side would buy nothing.
#![allow(clippy::result_large_err)]

mod account;
mod admin;
mod cases;
mod entities;
mod evidence;
mod home;
pub(crate) mod import;
mod login;

use crate::AppState;
use app::AppError;
use app::auth::Authenticated;
use app::i18n::{Lang, message};
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use domain::permission::{Capability, allows};
use std::collections::BTreeMap;

pub const SESSION_COOKIE: &str = "ecoenforce_session";
const LANG_COOKIE: &str = "lang";

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/", get(home::home))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route(
            "/password",
            get(login::password_form).post(login::password_submit),
        )
        .route("/entities", get(entities::list))
        .route("/entities/export.xlsx", get(entities::export_xlsx))
        .route("/entities/export.csv", get(entities::export_csv))
        .route(
            "/entities/export-outlets.csv",
            get(entities::export_outlets_csv),
        )
        .route(
            "/entities/import",
            get(import::form)
                .post(import::preview)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/entities/import/commit", post(import::commit))
        .route("/entities/import/template.xlsx", get(import::template_xlsx))
        .route("/entities/import/problems.xlsx", get(import::problems_xlsx))
        .route("/entities/import/template.csv", get(import::template_csv))
        .route(
            "/entities/import/template-outlets.csv",
            get(import::template_outlets_csv),
        )
        .route("/entities/{id}", get(entities::detail))
        .route("/evidence/{id}", get(evidence::detail))
        .route("/evidence/{id}/content", get(evidence::content))
        .route("/evidence/{id}/certificate", get(evidence::certificate))
        .route(
            "/evidence/{id}/certificate.json",
            get(evidence::certificate_json),
        )
        .route("/evidence/{id}/transfer", post(evidence::transfer))
        .route("/evidence/uploads", post(evidence::tus_create))
        .route(
            "/evidence/uploads/{id}",
            axum::routing::head(evidence::tus_head)
                .patch(evidence::tus_patch)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/admin", get(admin::overview))
        .route(
            "/admin/users",
            get(|s, c| admin::new_account(s, c, None))
                .post(|s, c, b| admin::new_account(s, c, Some(b))),
        )
        .route("/admin/users/{username}", get(admin::account))
        .route("/admin/users/{username}/{action}", post(admin::act))
        .route("/admin/audit", get(admin::audit))
        .route("/account", get(account::page))
        .route("/account/sessions/{handle}/revoke", post(account::revoke))
        .route("/static/htmx-2.0.11.min.js", get(htmx))
}

async fn htmx() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        include_str!("../../static/htmx-2.0.11.min.js"),
    )
        .into_response()
}

/// Texts in the page's language; templates call `t("ui-…")`.
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn t(&self, id: &str) -> String {
        message(self.lang, id, &BTreeMap::new())
    }

    pub fn with(&self, id: &str, args: &[(&str, String)]) -> String {
        let args = args
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        message(self.lang, id, &args)
    }

    pub fn tag(&self) -> &'static str {
        self.lang.tag()
    }

    pub fn english(&self) -> bool {
        self.lang == Lang::En
    }
}

/// What every page's frame shows.
pub struct Chrome {
    pub tr: Tr,
    pub user: Option<String>,
    pub switch_url: String,
    /// Header links only for those who may use them.
    pub admin_link: bool,
    pub audit_link: bool,
}

fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn query_param(uri: &Uri, name: &str) -> Option<String> {
    uri.query()?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

/// The URI with `lang` set to `to`, other query parameters kept.
fn with_lang(uri: &Uri, to: Lang) -> String {
    let mut pairs: Vec<String> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
        .map(str::to_owned)
        .collect();
    pairs.push(format!("lang={}", to.tag()));
    format!("{}?{}", uri.path(), pairs.join("&"))
}

/// The request as a page sees it: language, address, and the signed-in user if any.
pub struct PageCtx {
    pub lang: Lang,
    /// The language came from `?lang=`, so the response remembers it in a cookie.
    set_lang: bool,
    pub uri: Uri,
    pub auth: Option<Authenticated>,
    /// `Sec-Fetch-Site` (Fetch Metadata): where the request came from, as the browser says.
    fetch_site: Option<String>,
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let parse = |s: &str| match s {
            "en" => Some(Lang::En),
            "zh-CN" | "zh" => Some(Lang::ZhCn),
            _ => None,
        };
        let from_query = query_param(&parts.uri, "lang").and_then(|l| parse(&l));
        let lang = from_query
            .or_else(|| cookie(parts, LANG_COOKIE).and_then(parse))
            .unwrap_or(Lang::ZhCn);
        let auth = match cookie(parts, SESSION_COOKIE) {
            Some(token) if !token.is_empty() && token.len() <= 128 => {
                state.app.authenticate(token).await.ok()
            }
            _ => None,
        };
        let fetch_site = parts
            .headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(PageCtx {
            lang,
            set_lang: from_query.is_some(),
            uri: parts.uri.clone(),
            auth,
            fetch_site,
        })
    }
}

pub fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

impl PageCtx {
    pub fn tr(&self) -> Tr {
        Tr { lang: self.lang }
    }

    pub fn chrome(&self) -> Chrome {
        let other = if self.lang == Lang::En {
            Lang::ZhCn
        } else {
            Lang::En
        };
        Chrome {
            tr: self.tr(),
            user: self.auth.as_ref().map(|a| match &a.actor {
                domain::Actor::User(u) => u.username.clone(),
                domain::Actor::System => "system".to_owned(),
            }),
            switch_url: with_lang(&self.uri, other),
            admin_link: self
                .auth
                .as_ref()
                .is_some_and(|a| allows(&a.actor, Capability::AccountRead)),
            audit_link: self
                .auth
                .as_ref()
                .is_some_and(|a| allows(&a.actor, Capability::AuditRead)),
        }
    }

    /// The signed-in user, or a redirect to sign in (or to change an initial password).
    pub fn require(&self) -> Result<&Authenticated, Response> {
        match &self.auth {
            None => Err(see_other("/login")),
            Some(a) if a.must_change_password => Err(see_other("/password")),
            Some(a) => Ok(a),
        }
    }

    /// For a GET that writes (an evidence read is recorded in its chain of custody): goes on
    /// only for a request from our own pages, or one the user made by hand (typed, bookmarked:
    /// `Sec-Fetch-Site: none`). A link on another site would otherwise make a signed-in
    /// officer's browser record a read they never chose (the session cookie is `SameSite=Lax`,
    /// which top-level navigations carry); it gets a page asking to confirm, and nothing is
    /// written. Without Fetch Metadata (old browsers, other clients) the page asks too.
    pub fn confirm_unless_same_origin(&self) -> Result<(), Response> {
        match self.fetch_site.as_deref() {
            Some("same-origin" | "none") => Ok(()),
            _ => Err(self.render(
                StatusCode::OK,
                &ConfirmReadPage {
                    chrome: self.chrome(),
                    target: self
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_else(|| "/".to_owned()),
                },
            )),
        }
    }

    /// Renders a template with the language cookie when `?lang=` chose it.
    pub fn render(&self, status: StatusCode, page: &impl Template) -> Response {
        match page.render() {
            Ok(html) => {
                let mut r = (status, Html(html)).into_response();
                self.remember_lang(&mut r);
                r
            }
            Err(e) => {
                tracing::error!(error = %e, "a template failed to render");
                (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
            }
        }
    }

    pub fn remember_lang(&self, r: &mut Response) {
        if self.set_lang
            && let Ok(v) = HeaderValue::from_str(&format!(
                "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
                self.lang.tag()
            ))
        {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }

    /// An error as a page, every reason in the page's language.
    pub fn error(&self, e: AppError) -> Response {
        self.problem(crate::error::ApiError::from(e))
    }

    /// A form body over [`crate::BODY_LIMIT`] (413), refused once the limit was read.
    pub fn body_too_large(&self) -> Response {
        self.problem(crate::error::ApiError::one(
            StatusCode::PAYLOAD_TOO_LARGE,
            domain::Reason::new("request.body_too_large").arg("limit", crate::BODY_LIMIT),
        ))
    }

    /// A problem as a page, every reason in the page's language.
    fn problem(&self, api: crate::error::ApiError) -> Response {
        let messages = api
            .problem
            .errors
            .iter()
            .map(|i| {
                if self.lang == Lang::En {
                    i.message.en.clone()
                } else {
                    i.message.zh_cn.clone()
                }
            })
            .collect();
        self.render(
            api.status,
            &ErrorPage {
                chrome: self.chrome(),
                messages,
            },
        )
    }

    /// Reasons of a refusal in the page's language (for forms that show them inline).
    pub fn reasons(&self, e: AppError) -> Result<Vec<String>, Response> {
        self.refusal(e).map(|(_, reasons)| reasons)
    }

    /// A refusal's status and its reasons in the page's language.
    pub fn refusal(&self, e: AppError) -> Result<(StatusCode, Vec<String>), Response> {
        let api = crate::error::ApiError::from(e);
        if api.status.is_server_error() {
            return Err(self.error(AppError::Internal("see the log".into())));
        }
        let reasons = api
            .problem
            .errors
            .iter()
            .map(|i| {
                if self.lang == Lang::En {
                    i.message.en.clone()
                } else {
                    i.message.zh_cn.clone()
                }
            })
            .collect();
        Ok((api.status, reasons))
    }
}

#[derive(Template)]
#[template(path = "confirm_read.html")]
struct ConfirmReadPage {
    chrome: Chrome,
    /// This same page, to open from here (a same-origin navigation).
    target: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    messages: Vec<String>,
}

/// Cells a spreadsheet would run as a formula are neutralised with a leading apostrophe.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+1"), "'+1");
        assert_eq!(neutralise("-2"), "'-2");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("景洪"), "景洪");
    }

    #[test]
    fn the_switch_keeps_the_filters() {
        let uri: Uri = "/entities?q=%E7%B3%96&county=532822&lang=zh-CN"
            .parse()
            .unwrap();
        assert_eq!(
            with_lang(&uri, Lang::En),
            "/entities?q=%E7%B3%96&county=532822&lang=en"
        );
    }

    /// Every `t("…")` and `with("…", …)` in a template or page module has a text in both
    /// languages (a `with` call may put its id on the next line).
    #[test]
    fn every_page_text_exists_in_both_languages() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let pattern = regex::Regex::new(r#"\b(?:t\(|with\(\s*)"(ui-[a-z_]+)""#).unwrap();
        let mut ids = std::collections::BTreeSet::new();
        for dir in ["templates", "src/pages"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                for c in pattern.captures_iter(&text) {
                    ids.insert(c[1].to_owned());
                }
            }
        }
        assert!(ids.len() > 40, "scan found too little: {ids:?}");
        assert!(
            ids.contains("ui-page") && ids.contains("ui-import_ready"),
            "the scan misses ids passed to with(): {ids:?}"
        );
        let missing: Vec<_> = ids
            .iter()
            .flat_map(|id| Lang::ALL.map(|l| (l, id)))
            .filter(|(l, id)| !app::i18n::has_message(*l, id))
            .collect();
        assert!(
            missing.is_empty(),
            "page texts without a message: {missing:?}"
        );
    }
}
