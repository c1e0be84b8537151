//! Server-rendered pages (askama + htmx), zh-CN first with an English switch on every page.
//! Pages sign in with an HttpOnly SameSite cookie from the same sessions table as the API's
//! bearer tokens; state-changing forms are protected by tower-http's Fetch-Metadata CSRF check.

// A page handler answers with a Response either way; boxing the error side would buy nothing.
#![allow(clippy::result_large_err)]

mod account;
mod admin;
mod archive;
mod cases;
mod decision;
mod decisions;
mod discretion;
mod documents;
mod entities;
mod evidence;
mod home;
pub(crate) mod import;
mod interference;
mod investigation;
mod legal_review;
mod login;
mod performance;
mod powers;
mod proceedings;
mod publicity;
mod tasks;

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
    publicity::routes(archive::routes(performance::routes(decision::routes(
        legal_review::routes(proceedings::routes(axum::Router::new())),
    ))))
    .route("/", get(home::home))
    .route("/discretion", get(discretion::page))
    .route("/discretion.json", get(discretion::json))
    .route("/powers", get(powers::page))
    .route("/decisions", get(decisions::page))
    .route("/decisions.json", get(decisions::json))
    .route("/decisions.xlsx", get(decisions::xlsx))
    .route("/powers.xlsx", get(powers::xlsx))
    .route("/powers.json", get(powers::json))
    .route("/violations.json", get(powers::violations_json))
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
    .route("/clues", get(cases::inbox).post(cases::submit_clue))
    .route("/clues/new", get(cases::new_clue))
    .route("/clues/export.xlsx", get(cases::export_clues))
    .route("/clues/{id}", get(cases::clue))
    .route("/clues/{id}/register", post(cases::register))
    .route("/clues/{id}/close", post(cases::close))
    .route("/clues/{id}/extend-registration", post(cases::extend))
    .route(
        "/clues/{id}/approve-extension",
        post(cases::approve_extension),
    )
    .route(
        "/clues/{id}/reject-extension",
        post(cases::reject_extension),
    )
    .route("/clues/{id}/merge", post(cases::merge))
    .route("/clues/{id}/transfer", post(cases::transfer))
    .route("/cases", get(cases::list))
    .route("/cases/export.xlsx", get(cases::export_cases))
    .route("/cases/{id}", get(cases::case))
    .route("/cases/{id}/identify-party", post(cases::identify_party))
    .route("/cases/{id}/assign-officers", post(cases::assign_officers))
    .route("/cases/{id}/request-recusal", post(cases::request_recusal))
    .route("/cases/{id}/decide-recusal", post(cases::decide_recusal))
    .route(
        "/cases/{id}/records/{kind}",
        // A photo taken on the spot comes with the record: the evidence store's own limit
        // applies to it, the text fields are read within theirs.
        post(investigation::record).layer(axum::extract::DefaultBodyLimit::disable()),
    )
    .route(
        "/cases/{id}/preserve-evidence",
        post(investigation::preserve),
    )
    .route(
        "/cases/{id}/approve-preservation",
        post(investigation::approve_preservation),
    )
    .route(
        "/cases/{id}/reject-preservation",
        post(investigation::reject_preservation),
    )
    .route(
        "/cases/{id}/decide-preserved",
        post(investigation::decide_preserved),
    )
    .route(
        "/cases/{id}/submit-investigation-report",
        post(investigation::submit_report),
    )
    .route(
        "/cases/{id}/record-case-review",
        post(investigation::review),
    )
    .route(
        "/cases/{id}/record-interference",
        post(investigation::interference),
    )
    .route("/cases/{id}/documents", post(documents::issue))
    .route("/cases/{id}/documents/{doc}", get(documents::pdf))
    .route(
        "/cases/{id}/documents/{doc}/sign",
        get(documents::sign_page),
    )
    .route(
        "/cases/{id}/documents/{doc}/signatures",
        // The pad's image or the signed scan becomes evidence: the evidence store's own
        // limit applies to it, the refusal form is read within its own.
        post(documents::sign).layer(axum::extract::DefaultBodyLimit::disable()),
    )
    .route("/cases/{id}/{action}", post(cases::act))
    .route("/approvals", get(cases::approvals))
    .route("/tasks", get(tasks::tasks))
    .route("/tasks/export.xlsx", get(tasks::export_tasks))
    .route("/tasks/deadlines.xlsx", get(tasks::export_deadlines))
    .route("/documents/blank/{file}", get(tasks::blank_form))
    .route(
        "/verify/{code}",
        // Public: the file checked is hashed as it streams, at most 20 MiB
        // (`App::check_document_file`), and never kept.
        get(documents::verify)
            .post(documents::verify_check)
            .layer(axum::extract::DefaultBodyLimit::disable()),
    )
    .route("/interference", get(interference::list))
    .route("/interference/export.xlsx", get(interference::export))
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
    .route("/static/{*file}", get(static_file))
}

/// What the pages load, built into the binary. The vendored libraries are byte for byte their
/// npm releases (`crates/web/static/README.md` says how to check); `app.*` are ours, so they
/// are not cached as immutable.
const STATIC: &[(&str, &str, &str, bool)] = &[
    (
        "htmx-2.0.11.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/htmx-2.0.11.min.js"),
        true,
    ),
    (
        "bootstrap-5.3.8/bootstrap.min.css",
        "text/css; charset=utf-8",
        include_str!("../../static/bootstrap-5.3.8/bootstrap.min.css"),
        true,
    ),
    (
        "bootstrap-5.3.8/bootstrap.bundle.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/bootstrap-5.3.8/bootstrap.bundle.min.js"),
        true,
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../static/app.css"),
        false,
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/app.js"),
        false,
    ),
];

async fn static_file(
    axum::extract::Path(file): axum::extract::Path<String>,
    ctx: PageCtx,
) -> Response {
    match STATIC.iter().find(|(name, ..)| *name == file) {
        Some((_, mime, body, immutable)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (
                    header::CACHE_CONTROL,
                    if *immutable {
                        "public, max-age=31536000, immutable"
                    } else {
                        "public, max-age=300"
                    },
                ),
            ],
            *body,
        )
            .into_response(),
        None => ctx.not_found(),
    }
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
    /// The signed-in person's name (never the login name).
    pub user: Option<String>,
    pub switch_url: String,
    /// The places this person may open, the current one marked.
    pub nav: Vec<NavItem>,
    pub on_account: bool,
    /// What the last action did, shown once.
    pub flash: Option<String>,
}

pub struct NavItem {
    pub id: &'static str,
    pub href: &'static str,
    pub label: String,
    pub active: bool,
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
    /// A page answering a POST: its language switch leads back to the page that posted (a
    /// GET), never to the POST's address.
    posted_from: Option<String>,
    /// The message id of what the previous request did (`see_other_flash`), shown once.
    flash: Option<&'static str>,
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
        let posted_from = (parts.method != axum::http::Method::GET
            && parts.method != axum::http::Method::HEAD)
            .then(|| same_origin_referer(parts).unwrap_or_else(|| "/".to_owned()));
        let flash =
            cookie(parts, FLASH_COOKIE).and_then(|id| FLASHES.iter().copied().find(|f| *f == id));
        Ok(PageCtx {
            lang,
            set_lang: from_query.is_some(),
            uri: parts.uri.clone(),
            auth,
            fetch_site,
            posted_from,
            flash,
        })
    }
}

/// The path (and query) of the page that sent this request, when it is one of ours.
fn same_origin_referer(parts: &Parts) -> Option<String> {
    let referer: Uri = parts
        .headers
        .get(header::REFERER)?
        .to_str()
        .ok()?
        .parse()
        .ok()?;
    let host = parts.headers.get(header::HOST)?.to_str().ok()?;
    if referer.authority().map(|a| a.as_str()) != Some(host) {
        return None;
    }
    referer.path_and_query().map(|p| p.as_str().to_owned())
}

const FLASH_COOKIE: &str = "flash";

/// The messages an action may leave for the next page (an allow-list: the cookie is the
/// client's, so it never names anything else).
const FLASHES: &[&str] = &[
    "ui-flash_case_archived",
    "ui-flash_filed_upward",
    "ui-flash_decision_published",
    "ui-flash_publication_withdrawn",
    "ui-flash_annex_added",
    "ui-flash_transferred",
    "ui-flash_saved",
    "ui-flash_session_revoked",
    "ui-flash_password_changed",
    // Set by the upload form's script once the last byte is in.
    "ui-flash_uploaded",
    "ui-flash_clue_submitted",
    "ui-flash_case_proposed",
    "ui-flash_extension_proposed",
    "ui-flash_extension_approved",
    "ui-flash_extension_rejected",
    "ui-flash_clue_merged",
    "ui-flash_clue_transferred",
    "ui-flash_party_identified",
    "ui-flash_team_assigned",
    "ui-flash_recusal_requested",
    "ui-flash_recusal_decided",
    "ui-flash_record_added",
    "ui-flash_preservation_proposed",
    "ui-flash_preservation_decided",
    "ui-flash_preserved_decided",
    "ui-flash_report_submitted",
    "ui-flash_review_recorded",
    "ui-flash_interference_recorded",
    "ui-flash_document_issued",
    "ui-flash_signature_recorded",
    "ui-flash_refusal_recorded",
    "ui-flash_notice_issued",
    "ui-flash_service_recorded",
    "ui-flash_statement_recorded",
    "ui-flash_statement_answered",
    "ui-flash_waiver_recorded",
    "ui-flash_hearing_requested",
    "ui-flash_hearing_scheduled",
    "ui-flash_hearing_recorded",
    "ui-flash_tolling_started",
    "ui-flash_tolling_ended",
    "ui-flash_suspension_approved",
    "ui-flash_legal_review_submitted",
    "ui-flash_legal_review_recorded",
    "ui-flash_deliberation_recorded",
    "ui-flash_case_decided",
    "ui-flash_extension_requested",
    "ui-flash_extension_decided",
    "ui-flash_performance_recorded",
    "ui-flash_arrangement_requested",
    "ui-flash_arrangement_decided",
    "ui-flash_case_closed",
];

/// A redirect after an action, and a message about it on the next page.
pub fn see_other_flash(to: &str, flash: &'static str) -> Response {
    let mut r = see_other(to);
    debug_assert!(FLASHES.contains(&flash));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}={flash}; Path=/; SameSite=Lax; HttpOnly; Max-Age=60"
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
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
        let tr = self.tr();
        let path = self.uri.path();
        let nav = match &self.auth {
            Some(a) if !a.must_change_password => {
                let may = |cap| allows(&a.actor, cap);
                let mut items = vec![NavItem {
                    id: "nav-home",
                    href: "/",
                    label: tr.t("ui-nav_home"),
                    active: path == "/",
                }];
                if may(Capability::EntityRead) {
                    items.push(NavItem {
                        id: "nav-entities",
                        href: "/entities",
                        label: tr.t("ui-nav_entities"),
                        active: path.starts_with("/entities") || path.starts_with("/evidence"),
                    });
                }
                if may(Capability::ClueRead) {
                    items.push(NavItem {
                        id: "nav-clues",
                        href: "/clues",
                        label: tr.t("ui-nav_clues"),
                        active: path.starts_with("/clues"),
                    });
                }
                if may(Capability::CaseRead) {
                    items.push(NavItem {
                        id: "nav-cases",
                        href: "/cases",
                        label: tr.t("ui-nav_cases"),
                        active: path.starts_with("/cases"),
                    });
                }
                if may(Capability::CaseRead) {
                    items.push(NavItem {
                        id: "nav-tasks",
                        href: "/tasks",
                        label: tr.t("ui-nav_tasks"),
                        active: path.starts_with("/tasks"),
                    });
                }
                if may(Capability::CaseApprove) {
                    items.push(NavItem {
                        id: "nav-approvals",
                        href: "/approvals",
                        label: tr.t("ui-nav_approvals"),
                        active: path.starts_with("/approvals"),
                    });
                }
                if may(Capability::InterferenceRead) {
                    items.push(NavItem {
                        id: "nav-interference",
                        href: "/interference",
                        label: tr.t("ui-nav_interference"),
                        active: path.starts_with("/interference"),
                    });
                }
                if may(Capability::AccountRead) {
                    items.push(NavItem {
                        id: "nav-admin",
                        href: "/admin",
                        label: tr.t("ui-admin"),
                        active: path.starts_with("/admin") && !path.starts_with("/admin/audit"),
                    });
                }
                if may(Capability::AuditRead) {
                    items.push(NavItem {
                        id: "nav-audit",
                        href: "/admin/audit",
                        label: tr.t("ui-audit"),
                        active: path.starts_with("/admin/audit"),
                    });
                }
                items.push(NavItem {
                    id: "nav-powers",
                    href: "/powers",
                    label: tr.t("ui-nav_powers"),
                    active: path.starts_with("/powers"),
                });
                items
            }
            _ => Vec::new(),
        };
        let switch_url = match &self.posted_from {
            Some(from) => match from.parse::<Uri>() {
                Ok(uri) => with_lang(&uri, other),
                Err(_) => format!("/?lang={}", other.tag()),
            },
            None => with_lang(&self.uri, other),
        };
        Chrome {
            user: self.auth.as_ref().map(|a| a.display_name.clone()),
            switch_url,
            nav,
            on_account: path.starts_with("/account") || path == "/password",
            flash: self.flash.map(|id| tr.t(id)),
            tr,
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
                if self.flash.is_some() {
                    r.headers_mut().append(
                        header::SET_COOKIE,
                        HeaderValue::from_static(
                            "flash=; Path=/; SameSite=Lax; HttpOnly; Max-Age=0",
                        ),
                    );
                }
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
        let heading = self.tr().t(match api.status {
            StatusCode::NOT_FOUND => "ui-error_not_found",
            StatusCode::FORBIDDEN => "ui-error_forbidden",
            s if s.is_client_error() => "ui-error_refused",
            _ => "ui-error_title",
        });
        self.render(
            api.status,
            &ErrorPage {
                chrome: self.chrome(),
                status: api.status.as_u16(),
                heading,
                messages,
            },
        )
    }

    /// A person as a court or a party goes by them: the name, with the enforcement certificate's
    /// number and the unit when there are any ("张三（执法证号 53…，勐海县大队）").
    pub fn person(&self, people: &app::people::People, username: &str) -> String {
        let Some(p) = people.get(username) else {
            return self.tr().t(if username == "system" {
                "ui-person_system"
            } else {
                "ui-person_unknown"
            });
        };
        let english = self.lang == Lang::En;
        let mut parts = Vec::new();
        if let Some(c) = &p.certificate {
            parts.push(
                self.tr()
                    .with("ui-person_certificate", &[("number", c.clone())]),
            );
        }
        if let Some(u) = if english { &p.unit_en } else { &p.unit_zh } {
            parts.push(u.clone());
        }
        if parts.is_empty() {
            p.display_name.clone()
        } else if english {
            format!("{} ({})", p.display_name, parts.join(", "))
        } else {
            format!("{}（{}）", p.display_name, parts.join("，"))
        }
    }

    /// A person's name alone (for lists, where the certificate would crowd the row).
    pub fn person_name(&self, people: &app::people::People, username: &str) -> String {
        match people.get(username) {
            Some(p) => p.display_name.clone(),
            None if username == "system" => self.tr().t("ui-person_system"),
            None => self.tr().t("ui-person_unknown"),
        }
    }

    /// No such page (or not this person's to see), as a page.
    pub fn not_found(&self) -> Response {
        self.error(AppError::Refused(domain::Refusal::not_found()))
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
    status: u16,
    heading: String,
    messages: Vec<String>,
}

/// Whether a path is the API's (answered with problem JSON) rather than a page's.
fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/ledger/") || path == "/healthz"
}

/// The router's fallback: problem JSON for the API, a page in the design for everything else.
pub async fn fallback(ctx: PageCtx) -> Response {
    if is_api(ctx.uri.path()) {
        return crate::error::not_found().await.into_response();
    }
    ctx.not_found()
}

/// A known address asked with a method it does not take (a bookmarked POST address, say).
pub async fn method_not_allowed(ctx: PageCtx) -> Response {
    if is_api(ctx.uri.path()) {
        return crate::error::method_not_allowed().await.into_response();
    }
    let tr = ctx.tr();
    ctx.render(
        StatusCode::METHOD_NOT_ALLOWED,
        &ErrorPage {
            chrome: ctx.chrome(),
            status: 405,
            heading: tr.t("ui-error_not_found"),
            messages: vec![tr.t("request-method_not_allowed")],
        },
    )
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

    /// The vendored libraries are their npm releases, byte for byte (`static/README.md`).
    #[test]
    fn vendored_files_are_their_releases() {
        use sha2::Digest;
        let expected = [
            (
                "bootstrap-5.3.8/bootstrap.bundle.min.js",
                "e4fd49181388c48ec5040bd3fe66f57c29c8e67fcd8502b3354b96ec7ab47cc7",
            ),
            (
                "bootstrap-5.3.8/bootstrap.min.css",
                "d85327d99c7a3ee1f9b5d0500d1370acea3ad2db39c163c2f51f232baedbdede",
            ),
            (
                "htmx-2.0.11.min.js",
                "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717",
            ),
        ];
        for (name, sum) in expected {
            let (_, _, body, immutable) = STATIC.iter().find(|(n, ..)| *n == name).unwrap();
            let got: String = sha2::Sha256::digest(body.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(got, sum, "{name}");
            assert!(immutable, "{name} is cached for good");
        }
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
