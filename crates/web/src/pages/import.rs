//! Entity import pages: the upload form with the templates, the preview listing every problem,
//! and the commit of a clean preview.
//!
//! A clean preview is kept here (per user, for 30 minutes, at most [`MAX_PENDING`] at once) so
//! that committing does not ask for the file again; the commit still decides every row anew in
//! the write transaction, so a change of the register since the preview is caught.

use super::entities::{XLSX, csv_download, download, workbook};
use super::{Chrome, PageCtx};
use crate::AppState;
use crate::multipart::Multipart;
use app::AppError;
use app::i18n::{Lang, message};
use askama::Template;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::entity_import::{Parsed, Sheet, column_label};
use domain::{Actor, Reason};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;

const PENDING_TTL: Duration = Duration::from_secs(30 * 60);
pub const MAX_PENDING: usize = 64;
/// Rows kept across all pending previews (about 1 KiB each in memory); the oldest go first.
pub const MAX_PENDING_ROWS: usize = 100_000;

struct PendingImport {
    user: Uuid,
    at: Instant,
    parsed: Parsed,
}

/// A page lists this many problems; all of them download as a workbook.
pub const PAGE_PROBLEMS: usize = 2_000;
/// Problems kept for that download across all users (about 300 bytes each); the oldest go.
pub const MAX_KEPT_PROBLEMS: usize = 200_000;

/// Clean previews awaiting their commit, by a random token; and each user's last list of
/// problems, for its download.
#[derive(Default)]
pub struct Pending {
    previews: Mutex<HashMap<Uuid, PendingImport>>,
    problems: Mutex<HashMap<Uuid, (Instant, Vec<Reason>)>>,
}

impl Pending {
    fn keep_problems(&self, user: Uuid, problems: &[Reason]) {
        let mut map = self.problems.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&user);
        let kept = |m: &HashMap<Uuid, (Instant, Vec<Reason>)>| -> usize {
            m.values().map(|(_, p)| p.len()).sum()
        };
        while !map.is_empty() && kept(&map) + problems.len() > MAX_KEPT_PROBLEMS {
            if let Some(oldest) = map.iter().min_by_key(|(_, (at, _))| *at).map(|(k, _)| *k) {
                map.remove(&oldest);
            }
        }
        map.insert(user, (Instant::now(), problems.to_vec()));
    }

    fn problems(&self, user: Uuid) -> Option<Vec<Reason>> {
        let map = self.problems.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&user)
            .filter(|(at, _)| at.elapsed() < PENDING_TTL)
            .map(|(_, p)| p.clone())
    }

    fn put(&self, user: Uuid, parsed: Parsed) -> Uuid {
        let token = Uuid::new_v4();
        let mut map = self.previews.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        // One pending import per user; expired ones go; the oldest go while it is full.
        map.retain(|_, p| p.user != user && now.duration_since(p.at) < PENDING_TTL);
        let rows = |m: &HashMap<Uuid, PendingImport>| -> usize {
            m.values().map(|p| p.parsed.rows.len()).sum()
        };
        while !map.is_empty()
            && (map.len() >= MAX_PENDING || rows(&map) + parsed.rows.len() > MAX_PENDING_ROWS)
        {
            if let Some(oldest) = map.iter().min_by_key(|(_, p)| p.at).map(|(k, _)| *k) {
                map.remove(&oldest);
            }
        }
        map.insert(
            token,
            PendingImport {
                user,
                at: now,
                parsed,
            },
        );
        token
    }

    fn take(&self, user: Uuid, token: Uuid) -> Option<Parsed> {
        let mut map = self.previews.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&token) {
            Some(p) if p.user == user && p.at.elapsed() < PENDING_TTL => {
                map.remove(&token).map(|p| p.parsed)
            }
            _ => None,
        }
    }
}

fn user_id(actor: &Actor) -> Uuid {
    match actor {
        Actor::User(u) => u.id,
        Actor::System => Uuid::nil(),
    }
}

pub struct ProblemRow {
    pub sheet: String,
    pub row: String,
    pub column: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    chrome: Chrome,
    summary: Option<String>,
    problems_text: Option<String>,
    problems: Vec<ProblemRow>,
    /// How many more problems than listed, with the download offered.
    more: Option<String>,
    token: Option<String>,
    done: Option<String>,
}

impl ImportPage {
    fn empty(ctx: &PageCtx) -> ImportPage {
        ImportPage {
            chrome: ctx.chrome(),
            summary: None,
            problems_text: None,
            problems: Vec::new(),
            more: None,
            token: None,
            done: None,
        }
    }
}

/// A problem's place and text in the page's language (the download has both languages).
fn problem_row(ctx: &PageCtx, r: &Reason) -> ProblemRow {
    let tr = ctx.tr();
    let arg = |k: &str| r.args.get(k).cloned().unwrap_or_default();
    let sheet = match arg("sheet").as_str() {
        "outlets" => Sheet::Outlets,
        _ => Sheet::Entities,
    };
    let column = match (&r.field, r.args.get("column")) {
        (Some(key), Some(letter)) => match column_label(sheet, key) {
            Some(label) => format!("{letter} {}", tr.t(label)),
            None => letter.clone(),
        },
        (None, Some(letter)) => letter.clone(),
        (Some(key), None) => column_label(sheet, key)
            .map(|l| tr.t(l))
            .unwrap_or_default(),
        (None, None) => String::new(),
    };
    let row = arg("row");
    ProblemRow {
        sheet: tr.t(match sheet {
            Sheet::Entities => "ui-sheet_entities",
            Sheet::Outlets => "ui-sheet_outlets",
        }),
        row: if row == "0" { String::new() } else { row },
        column,
        message: message(ctx.lang, r.code, &r.args),
    }
}

/// Lists the problems (the first [`PAGE_PROBLEMS`]) and keeps them all for the download.
fn with_problems(
    ctx: &PageCtx,
    page: &mut ImportPage,
    problems: &[Reason],
    keep: (&Pending, Uuid),
) {
    page.problems_text = Some(ctx.tr().with(
        "ui-import_problems",
        &[("count", problems.len().to_string())],
    ));
    page.problems = problems
        .iter()
        .take(PAGE_PROBLEMS)
        .map(|r| problem_row(ctx, r))
        .collect();
    if problems.len() > PAGE_PROBLEMS {
        page.more = Some(message(
            ctx.lang,
            "import.more_problems",
            &[
                ("shown".to_owned(), PAGE_PROBLEMS.to_string()),
                (
                    "count".to_owned(),
                    (problems.len() - PAGE_PROBLEMS).to_string(),
                ),
            ]
            .into(),
        ));
    }
    keep.0.keep_problems(keep.1, problems);
}

/// Every problem of the user's last refused import as a workbook: sheet, row, column, and the
/// problem in zh-CN and en.
pub async fn problems_xlsx(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let actor = match importer(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(problems) = state.imports.problems(user_id(actor)) else {
        return ctx.error(AppError::Refused(domain::Refusal::not_found()));
    };
    let tr = ctx.tr();
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        let header = [
            tr.t("ui-sheet"),
            tr.t("ui-row"),
            tr.t("ui-column"),
            message(Lang::ZhCn, "ui-problem", &Default::default()),
            message(Lang::En, "ui-problem", &Default::default()),
        ];
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, h)?;
        }
        for (i, r) in problems.iter().enumerate() {
            let row = problem_row(&ctx, r);
            let cells = [
                row.sheet,
                row.row,
                row.column,
                message(Lang::ZhCn, r.code, &r.args),
                message(Lang::En, r.code, &r.args),
            ];
            for (c, v) in cells.iter().enumerate() {
                ws.write_string(i as u32 + 1, c as u16, super::neutralise(v))?;
            }
        }
        book.save_to_buffer()
    };
    match build() {
        Ok(bytes) => download(XLSX, "import-problems.xlsx", bytes),
        Err(e) => ctx.error(AppError::Internal(format!("writing XLSX: {e}"))),
    }
}

/// The actor if it may register entities; else the error page (403).
fn importer(ctx: &PageCtx) -> Result<&Actor, Response> {
    let auth = ctx.require()?;
    domain::permission::require(&auth.actor, domain::permission::Capability::EntityRegister)
        .map_err(|r| ctx.error(AppError::Refused(r)))?;
    Ok(&auth.actor)
}

pub async fn form(ctx: PageCtx) -> Response {
    if let Err(r) = importer(&ctx) {
        return r;
    }
    ctx.render(StatusCode::OK, &ImportPage::empty(&ctx))
}

/// Reads the upload, decides it without writing, and shows every problem or the commit button.
pub async fn preview(
    State(state): State<AppState>,
    ctx: PageCtx,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let actor = match importer(&ctx) {
        Ok(a) => a.clone(),
        Err(r) => return r,
    };
    let mut page = ImportPage::empty(&ctx);
    let Ok(multipart) = multipart else {
        let reason =
            Reason::new("request.unsupported_media_type").arg("expected", "multipart/form-data");
        return ctx.error(AppError::Refused(domain::Refusal::one(
            domain::RefusalKind::Invalid,
            reason,
        )));
    };
    let parsed = match crate::routes::import::read_upload(multipart).await {
        Ok(p) => p,
        Err(e) => {
            with_problems(
                &ctx,
                &mut page,
                &e.reasons,
                (&state.imports, user_id(&actor)),
            );
            return ctx.render(e.status, &page);
        }
    };
    let preview = match state.app.preview_import(&actor, &parsed).await {
        Ok(p) => p,
        Err(e) => return ctx.error(e),
    };
    if !preview.problems.is_empty() {
        with_problems(
            &ctx,
            &mut page,
            &preview.problems,
            (&state.imports, user_id(&actor)),
        );
        return ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    page.summary = Some(ctx.tr().with(
        "ui-import_ready",
        &[
            ("entities", preview.entities.to_string()),
            ("outlets", preview.outlets.to_string()),
            ("permits", preview.permits.to_string()),
        ],
    ));
    page.token = Some(state.imports.put(user_id(&actor), parsed).to_string());
    ctx.render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct CommitForm {
    token: String,
}

/// Registers every row of a clean preview in one transaction, or nothing.
pub async fn commit(
    State(state): State<AppState>,
    ctx: PageCtx,
    form: Result<Form<CommitForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let actor = match importer(&ctx) {
        Ok(a) => a.clone(),
        Err(r) => return r,
    };
    let mut page = ImportPage::empty(&ctx);
    let parsed = form
        .ok()
        .and_then(|Form(f)| Uuid::parse_str(&f.token).ok())
        .and_then(|token| state.imports.take(user_id(&actor), token));
    let Some(parsed) = parsed else {
        with_problems(
            &ctx,
            &mut page,
            &[Reason::new("import.preview_expired")],
            (&state.imports, user_id(&actor)),
        );
        return ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    match state.app.import_entities(&actor, parsed).await {
        Ok(ids) => {
            page.done = Some(
                ctx.tr()
                    .with("ui-import_done", &[("count", ids.len().to_string())]),
            );
            ctx.render(StatusCode::OK, &page)
        }
        Err(AppError::Refused(r)) if r.kind == domain::RefusalKind::Invalid => {
            with_problems(
                &ctx,
                &mut page,
                &r.reasons,
                (&state.imports, user_id(&actor)),
            );
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => ctx.error(e),
    }
}

pub async fn template_xlsx(State(state): State<AppState>, ctx: PageCtx) -> Response {
    if let Err(r) = importer(&ctx) {
        return r;
    }
    let counties = app::divisions::counties_of(&state.app.settings.prefecture_code);
    match workbook(&ctx, &counties, &[], &[]) {
        Ok(bytes) => download(XLSX, "entities-template.xlsx", bytes),
        Err(e) => ctx.error(AppError::Internal(format!("writing XLSX: {e}"))),
    }
}

pub async fn template_csv(ctx: PageCtx) -> Response {
    if let Err(r) = importer(&ctx) {
        return r;
    }
    csv_download(&ctx, Sheet::Entities, "entities-template.csv", &[])
}

pub async fn template_outlets_csv(ctx: PageCtx) -> Response {
    if let Err(r) = importer(&ctx) {
        return r;
    }
    csv_download(&ctx, Sheet::Outlets, "entity-outlets-template.csv", &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(rows: usize) -> Parsed {
        let words = app::import::FileWords::get();
        let header: Vec<domain::entity_import::Cell> = domain::entity_import::ENTITY_COLUMNS
            .iter()
            .map(|c| domain::entity_import::Cell::Text(c.key.into()))
            .collect();
        let mut grid = vec![header];
        for n in 0..rows {
            grid.push(vec![domain::entity_import::Cell::Text(format!("row {n}"))]);
        }
        domain::entity_import::read(&grid, None, words)
    }

    #[test]
    fn pending_previews_are_bounded_and_bound_to_their_user() {
        let pending = Pending::default();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let first = pending.put(a, parsed(3));
        assert!(pending.take(b, first).is_none(), "another user's token");
        let second = pending.put(a, parsed(2));
        assert!(
            pending.take(a, first).is_none(),
            "one pending preview per user"
        );
        assert_eq!(pending.take(a, second).map(|p| p.rows.len()), Some(2));
        assert!(pending.take(a, second).is_none(), "taken once");
        // Rows beyond the bound push the oldest previews out.
        let c = Uuid::new_v4();
        let old = pending.put(a, parsed(40_000));
        let mid = pending.put(b, parsed(40_000));
        let new = pending.put(c, parsed(40_000));
        assert!(
            pending.take(a, old).is_none(),
            "over {MAX_PENDING_ROWS} rows"
        );
        assert!(pending.take(b, mid).is_some() && pending.take(c, new).is_some());
    }
}
