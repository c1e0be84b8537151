//! Administration pages: accounts with roles, jurisdictions and certificates (expiry warnings 30
//! days ahead) and units, for the system and security administrators, each account with the
//! forms of the viewer's own duty (the same commands as `/api/v1/admin/…`); the sign-in audit
//! and administration events, read only, for the audit administrator.

use super::account::local;
use super::{Chrome, PageCtx};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::event::Payload;
use domain::permission::{Capability, allows};

pub struct UserRow {
    pub username: String,
    pub display_name: String,
    pub roles: String,
    pub counties: String,
    pub certificate: String,
    pub valid_until: String,
    /// `bad` (expired), `warn` (within 30 days) or empty.
    pub cert_class: &'static str,
    pub disabled: bool,
}

pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub division: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    chrome: Chrome,
    /// The link to the new-account form.
    can_create: bool,
    /// Key, value, and whether its default is unconfirmed for Xishuangbanna.
    settings: Vec<(String, String, bool)>,
    has_unconfirmed: bool,
    users: Vec<UserRow>,
    units: Vec<UnitRow>,
    /// The witnesses that cosign checkpoints, and the newest signed size they trail.
    witnesses: Vec<WitnessRow>,
    signed_size: i64,
    quorum: usize,
    /// How many cosigned the newest checkpoint, and whether that meets the quorum.
    cosigned_newest: usize,
    quorum_met: bool,
}

pub struct WitnessRow {
    pub name: String,
    pub url: String,
    /// The largest size it cosigned, or "never".
    pub size: String,
    /// How long ago its newest cosignature was made.
    pub age: String,
    /// `ok`, `behind` (catching up) or `problem`.
    pub state: &'static str,
    /// The state in words.
    pub state_text: String,
    /// What went wrong, if anything.
    pub problem: String,
}

/// "42 s", "5 min", "3 h", "2 d" in the page's language.
fn age(tr: &crate::pages::Tr, seconds: i64) -> String {
    let s = seconds.max(0);
    let (n, unit) = match s {
        0..60 => (s, "ui-age_seconds"),
        60..3600 => (s / 60, "ui-age_minutes"),
        3600..86400 => (s / 3600, "ui-age_hours"),
        _ => (s / 86400, "ui-age_days"),
    };
    tr.with(unit, &[("n", n.to_string())])
}

pub async fn overview(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let (users, units) = match state.app.admin_overview(&auth.actor).await {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let today = state.app.today();
    let english = ctx.tr().english();
    let settings: Vec<(String, String, bool)> = match state.app.settings_in_force(&auth.actor) {
        Ok(s) => s
            .into_iter()
            .map(|(k, v)| {
                let unconfirmed = app::admin::unconfirmed(&k);
                (k, v, unconfirmed)
            })
            .collect(),
        Err(e) => return ctx.error(e),
    };
    let statuses = match state.app.witness_statuses().await {
        Ok(s) => s,
        Err(e) => return ctx.error(e),
    };
    let signed_size = match state.app.latest_checkpoint().await {
        Ok(c) => c.map_or(0, |c| c.size),
        Err(e) => return ctx.error(e),
    };
    let now = state.app.now().as_datetime().timestamp();
    let tr = ctx.tr();
    let cosigned_newest = statuses
        .iter()
        .filter(|w| w.cosigned_size == Some(signed_size))
        .count();
    let witnesses = statuses
        .into_iter()
        .map(|w| {
            let behind = w.cosigned_size.is_none_or(|s| s < signed_size);
            let problem = w
                .problem
                .as_ref()
                .map(|p| {
                    let (id, args) = p.message();
                    tr.with(id, &args)
                })
                .unwrap_or_default();
            let state = match (problem.is_empty(), behind) {
                (false, _) => "problem",
                (true, true) => "behind",
                (true, false) => "ok",
            };
            let state_text = match (state, w.answered_at) {
                ("ok", Some(at)) => tr.with(
                    "ui-witness_ok_answered",
                    &[("age", age(&tr, now - at.as_datetime().timestamp()))],
                ),
                _ => tr.t(&format!("ui-witness_state_{state}")),
            };
            WitnessRow {
                name: w.name,
                url: w.url,
                size: w.cosigned_size.map_or("—".into(), |s| s.to_string()),
                age: w
                    .cosigned_at
                    .map_or_else(|| tr.t("ui-witness_never"), |t| age(&tr, now - t)),
                state,
                state_text,
                problem,
            }
        })
        .collect::<Vec<_>>();
    let quorum = state.app.cosigning_config().quorum;
    let page = AdminPage {
        chrome: ctx.chrome(),
        witnesses,
        signed_size,
        quorum,
        cosigned_newest,
        quorum_met: cosigned_newest >= quorum,
        can_create: allows(&auth.actor, Capability::AccountCreate),
        has_unconfirmed: settings.iter().any(|s| s.2),
        settings,
        users: users.iter().map(|u| user_row(&ctx, u, today)).collect(),
        units: units
            .into_iter()
            .map(|u| UnitRow {
                code: u.code,
                name: if english { u.name_en } else { u.name_zh },
                division: app::divisions::name(&u.division_code, english),
            })
            .collect(),
    };
    ctx.render(StatusCode::OK, &page)
}

pub struct SigninRow {
    pub at: String,
    pub username: String,
    pub ip: String,
    pub outcome: String,
}

pub struct EventRow {
    pub index: i64,
    pub at: String,
    pub actor: String,
    /// What happened, in words.
    pub what: String,
    /// To whom (or to which unit) it happened.
    pub whom: String,
}

/// An administration event in words: what happened, and to whom.
fn event_words(ctx: &PageCtx, people: &app::people::People, p: &Payload) -> (String, String) {
    let tr = ctx.tr();
    let english = tr.english();
    let person = |id: uuid::Uuid| match people.username(id) {
        Some(u) => ctx.person_name(people, u),
        None => tr.t("ui-person_unknown"),
    };
    let unit = |zh: &str, en: &str| {
        if english {
            en.to_owned()
        } else {
            zh.to_owned()
        }
    };
    let (what, whom) = match p {
        Payload::UserCreated(e) => ("ui-event_user_created", e.display_name.clone()),
        Payload::OfficerCertified(e) => ("ui-event_officer_certified", person(e.user_id)),
        Payload::ReviewerQualified(e) => ("ui-event_reviewer_qualified", person(e.user_id)),
        Payload::UserAccessChanged(e) => ("ui-event_user_access_changed", person(e.user_id)),
        Payload::UserDisabled(e) if e.disabled => ("ui-event_user_disabled", person(e.user_id)),
        Payload::UserDisabled(e) => ("ui-event_user_enabled", person(e.user_id)),
        Payload::UserEdited(e) => ("ui-event_user_edited", person(e.user_id)),
        Payload::CredentialReset(e) if e.what == "totp" => {
            ("ui-event_totp_reset", person(e.user_id))
        }
        Payload::CredentialReset(e) => ("ui-event_password_reset", person(e.user_id)),
        Payload::UnitCreated(e) => ("ui-event_unit_created", unit(&e.name_zh, &e.name_en)),
        Payload::UnitRenamed(e) => ("ui-event_unit_renamed", unit(&e.name_zh, &e.name_en)),
        _ => ("ui-event_other", String::new()),
    };
    (tr.t(what), whom)
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    chrome: Chrome,
    signins: Vec<SigninRow>,
    events: Vec<EventRow>,
}

pub async fn audit(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let signins = match state.app.audit_recent_signins(&auth.actor).await {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let events = match state.app.audit_events(&auth.actor, 0).await {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let people = match state.app.people().await {
        Ok(p) => p,
        Err(e) => return ctx.error(e),
    };
    let tr = ctx.tr();
    let page = AuditPage {
        chrome: ctx.chrome(),
        signins: signins
            .into_iter()
            .map(|s| SigninRow {
                at: local(s.at),
                // The name tried, as typed: it may be no account's (a guess is part of the
                // record); the person's name beside it when it is one.
                username: match people.get(&s.username) {
                    Some(p) => format!("{} · {}", p.display_name, s.username),
                    None => s.username,
                },
                ip: s.ip,
                outcome: tr.t(&format!("ui-outcome_{}", s.outcome.as_str())),
            })
            .collect(),
        events: events
            .into_iter()
            .rev()
            .map(|r| {
                let (what, whom) = event_words(&ctx, &people, &r.event.payload);
                EventRow {
                    index: r.seq,
                    at: local(r.event.at),
                    actor: ctx.person_name(&people, &r.event.actor.name),
                    what,
                    whom,
                }
            })
            .collect(),
    };
    ctx.render(StatusCode::OK, &page)
}

/// What the last action on an account page did: a confirmation, the refusal's reasons, or a new
/// secret shown this once.
#[derive(Default)]
pub struct Flash {
    pub done: Option<String>,
    pub errors: Vec<String>,
    pub secret: Option<String>,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct AccountPage {
    chrome: Chrome,
    flash: Flash,
    user: UserRow,
    units: Vec<Choice>,
    roles: Vec<Choice>,
    counties: Vec<Choice>,
    cert_number: String,
    cert_authority: String,
    cert_from: String,
    cert_until: String,
    /// Which forms the viewer's duty shows.
    can_edit: bool,
    can_certify: bool,
    can_disable: bool,
    can_change_access: bool,
    can_reset: bool,
    can_unlock: bool,
}

/// The units as options of a select, `selected` (a unit code) chosen.
fn unit_choices(units: &[domain::unit::Unit], english: bool, selected: &str) -> Vec<Choice> {
    units
        .iter()
        .map(|x| Choice {
            value: x.code.clone(),
            label: if english {
                x.name_en.clone()
            } else {
                x.name_zh.clone()
            },
            checked: x.code == selected,
        })
        .collect()
}

fn user_row(ctx: &PageCtx, u: &domain::user::User, today: chrono::NaiveDate) -> UserRow {
    let tr = ctx.tr();
    let english = tr.english();
    let (certificate, valid_until, cert_class) = match &u.certificate {
        None => (String::new(), String::new(), ""),
        Some(c) => (
            format!("{} · {}", c.number, c.issuing_authority),
            format!("{} – {}", c.valid_from, c.valid_until),
            if c.valid_until < today {
                "bad"
            } else if c.valid_until <= today + chrono::Days::new(30) {
                "warn"
            } else {
                ""
            },
        ),
    };
    UserRow {
        roles: u
            .roles
            .iter()
            .map(|r| tr.t(&format!("ui-role_{}", r.as_str())))
            .collect::<Vec<_>>()
            .join(if english { ", " } else { "、" }),
        // No list is the whole prefecture; an empty list is nowhere.
        counties: match &u.counties {
            None => tr.t("ui-whole_prefecture"),
            Some(c) if c.is_empty() => tr.t("ui-no_jurisdiction"),
            Some(c) => c
                .iter()
                .map(|x| app::divisions::name(x, english))
                .collect::<Vec<_>>()
                .join(if english { ", " } else { "、" }),
        },
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        certificate,
        valid_until,
        cert_class,
        disabled: u.disabled,
    }
}

/// One account with the forms of the viewer's duty.
async fn account_page(
    state: &AppState,
    ctx: &PageCtx,
    username: &str,
    status: StatusCode,
    flash: Flash,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let (users, units) = match state.app.admin_overview(&auth.actor).await {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let Some(u) = users.into_iter().find(|u| u.username == username) else {
        return ctx.error(app::AppError::Refused(domain::Refusal::not_found()));
    };
    let english = ctx.tr().english();
    let tr = ctx.tr();
    let unit_code = units
        .iter()
        .find(|x| Some(x.id) == u.unit_id)
        .map(|x| x.code.clone())
        .unwrap_or_default();
    let cert = u.certificate.clone();
    let page = AccountPage {
        chrome: ctx.chrome(),
        flash,
        user: user_row(ctx, &u, state.app.today()),
        units: unit_choices(&units, english, &unit_code),
        roles: domain::Role::ALL
            .iter()
            .map(|r| Choice {
                value: r.as_str().to_owned(),
                label: tr.t(&format!("ui-role_{}", r.as_str())),
                checked: u.roles.contains(r),
            })
            .collect(),
        counties: app::divisions::counties_of(&state.app.settings.prefecture_code)
            .into_iter()
            .map(|c| Choice {
                label: app::divisions::name(&c, english),
                checked: u.counties.as_ref().is_some_and(|x| x.contains(&c)),
                value: c,
            })
            .collect(),
        cert_number: cert.as_ref().map(|c| c.number.clone()).unwrap_or_default(),
        cert_authority: cert
            .as_ref()
            .map(|c| c.issuing_authority.clone())
            .unwrap_or_default(),
        cert_from: cert
            .as_ref()
            .map(|c| c.valid_from.to_string())
            .unwrap_or_default(),
        cert_until: cert
            .as_ref()
            .map(|c| c.valid_until.to_string())
            .unwrap_or_default(),
        can_edit: allows(&auth.actor, Capability::AccountEdit),
        can_certify: allows(&auth.actor, Capability::AccountCertify),
        can_disable: allows(&auth.actor, Capability::AccountDisable),
        can_change_access: allows(&auth.actor, Capability::AccessChange),
        can_reset: allows(&auth.actor, Capability::CredentialReset),
        can_unlock: allows(&auth.actor, Capability::AccountUnlock),
    };
    ctx.render(status, &page)
}

pub async fn account(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(username): Path<String>,
) -> Response {
    account_page(&state, &ctx, &username, StatusCode::OK, Flash::default()).await
}

/// The form's fields; repeated names (roles, counties) keep every value.
fn fields(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

/// Runs an administrative action from an account page's form and shows the page again with
/// what it did.
pub async fn act(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((username, action)): Path<(String, String)>,
    crate::precondition::ClientIp(ip): crate::precondition::ClientIp,
    body: axum::body::Bytes,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let actor = &auth.actor;
    let f = fields(&body);
    let tr = ctx.tr();
    let app = &state.app;
    let outcome: Result<Option<String>, app::AppError> = match action.as_str() {
        "edit" => {
            let unit = field(&f, "unit_code");
            app.edit_account(
                actor,
                &username,
                &field(&f, "display_name"),
                (!unit.is_empty()).then_some(unit.as_str()),
            )
            .await
            .map(|()| None)
        }
        "certificate" => {
            let date = |name: &str| {
                field(&f, name).parse::<chrono::NaiveDate>().map_err(|_| {
                    app::AppError::Refused(domain::Refusal::one(
                        domain::RefusalKind::Invalid,
                        domain::Reason::new("field.invalid_type")
                            .field(name)
                            .arg("field", name)
                            .arg("detail", "YYYY-MM-DD"),
                    ))
                })
            };
            match (date("valid_from"), date("valid_until")) {
                (Ok(valid_from), Ok(valid_until)) => app
                    .certify_account(
                        actor,
                        &username,
                        domain::permission::Certificate {
                            number: field(&f, "number"),
                            issuing_authority: field(&f, "issuing_authority"),
                            valid_from,
                            valid_until,
                        },
                    )
                    .await
                    .map(|()| None),
                (Err(e), _) | (_, Err(e)) => Err(e),
            }
        }
        "disable" => app
            .set_disabled(actor, &username, true)
            .await
            .map(|()| None),
        "enable" => app
            .set_disabled(actor, &username, false)
            .await
            .map(|()| None),
        "access" => {
            let names: Vec<&str> = f
                .iter()
                .filter(|(k, _)| k == "roles")
                .map(|(_, v)| v.as_str())
                .collect();
            let counties: Vec<String> = f
                .iter()
                .filter(|(k, _)| k == "counties")
                .map(|(_, v)| v.clone())
                .collect();
            // No county ticked: the whole prefecture.
            let counties = (!counties.is_empty()).then_some(counties);
            match domain::admin::parse_roles(&names) {
                Ok(roles) => app
                    .set_access(actor, &username, roles, counties)
                    .await
                    .map(|()| None),
                Err(e) => Err(e.into()),
            }
        }
        "password-reset" => app
            .reset_password(actor, &username)
            .await
            .map(|s| Some(s.secret)),
        "totp-reset" => app
            .reset_totp(actor, &username)
            .await
            .map(|s| Some(s.secret)),
        "unlock" => app.unlock(actor, &username, &ip).await.map(|()| None),
        _ => return ctx.error(app::AppError::Refused(domain::Refusal::not_found())),
    };
    let (status, flash) = match outcome {
        Ok(secret) => (
            StatusCode::OK,
            Flash {
                done: Some(tr.t("ui-admin_done")),
                errors: Vec::new(),
                secret,
            },
        ),
        Err(e) => match ctx.refusal(e) {
            Ok((status, errors)) => (
                status,
                Flash {
                    done: None,
                    errors,
                    secret: None,
                },
            ),
            Err(r) => return r,
        },
    };
    account_page(&state, &ctx, &username, status, flash).await
}

#[derive(Template)]
#[template(path = "admin_new_account.html")]
struct NewAccountPage {
    chrome: Chrome,
    flash: Flash,
    units: Vec<Choice>,
    username: String,
}

/// The system administrator's form for a new account (no access until the security
/// administrator grants it); the initial password is shown once.
pub async fn new_account(
    State(state): State<AppState>,
    ctx: PageCtx,
    body: Option<axum::body::Bytes>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    if let Err(r) = domain::permission::require(&auth.actor, Capability::AccountCreate) {
        return ctx.error(app::AppError::Refused(r));
    }
    let english = ctx.tr().english();
    let units = match state.app.units().await {
        Ok(u) => u,
        Err(e) => return ctx.error(e),
    };
    let mut flash = Flash::default();
    let mut status = StatusCode::OK;
    let mut username = String::new();
    if let Some(body) = body.filter(|b| !b.is_empty()) {
        let f = fields(&body);
        let unit = field(&f, "unit_code");
        match state
            .app
            .create_account(
                &auth.actor,
                &field(&f, "username"),
                &field(&f, "display_name"),
                (!unit.is_empty()).then_some(unit.as_str()),
            )
            .await
        {
            Ok(s) => {
                flash.done = Some(ctx.tr().t("ui-admin_done"));
                flash.secret = Some(s.secret);
                username = s.username;
            }
            Err(e) => match ctx.refusal(e) {
                Ok((s, errors)) => {
                    status = s;
                    flash.errors = errors;
                }
                Err(r) => return r,
            },
        }
    }
    let page = NewAccountPage {
        chrome: ctx.chrome(),
        flash,
        units: unit_choices(&units, english, ""),
        username,
    };
    ctx.render(status, &page)
}
