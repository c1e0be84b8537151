//! The entity list (search, filters, pages), its exports, and the entity detail.

use super::{Chrome, PageCtx, neutralise};
use crate::AppState;
use app::AppError;
use app::{EntityFilter, EntitySort};
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::entity::{Entity, EntityClass, OutletKind};
use domain::entity_import::Sheet;
use domain::permission::{Capability, allows, reach, within};
use domain::{Reason, Refusal, RefusalKind};
use serde::Deserialize;

const PER_PAGE: i64 = 50;
/// An export holds at most this many rows.
const EXPORT_LIMIT: usize = 200_000;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    county: String,
    #[serde(default)]
    class: String,
    /// With words: `relevance` (default) or `name`.
    #[serde(default)]
    sort: String,
    page: Option<String>,
    #[allow(dead_code)]
    lang: Option<String>,
}

/// A piece of a text, marked where the search words matched it.
pub struct Part {
    pub text: String,
    pub mark: bool,
}

/// `text` cut at the matched character ranges.
fn parts(text: &str, q: &str) -> Vec<Part> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut at = 0;
    for (s, e) in app::search::highlights(text, q) {
        if s > at {
            out.push(Part {
                text: chars[at..s].iter().collect(),
                mark: false,
            });
        }
        out.push(Part {
            text: chars[s..e].iter().collect(),
            mark: true,
        });
        at = e;
    }
    if at < chars.len() || out.is_empty() {
        out.push(Part {
            text: chars[at..].iter().collect(),
            mark: false,
        });
    }
    out
}

pub struct Row {
    pub id: String,
    pub name_parts: Vec<Part>,
    pub uscc_parts: Vec<Part>,
    /// The address and legal representative, shown under the name when the words matched them.
    pub address_parts: Option<Vec<Part>>,
    pub legal_representative_parts: Option<Vec<Part>>,
    pub county_code: String,
    pub county_name: String,
    pub industry: String,
    pub class_name: String,
    pub demo: bool,
}

pub struct CountyOption {
    pub code: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "entities.html")]
struct ListPage {
    chrome: Chrome,
    q: String,
    county: String,
    class: String,
    sort: String,
    county_options: Vec<CountyOption>,
    rows: Vec<Row>,
    total_text: String,
    page_text: String,
    prev_url: Option<String>,
    next_url: Option<String>,
    filter_query: String,
    can_import: bool,
}

pub(super) fn invalid(field: &str) -> AppError {
    AppError::Refused(Refusal::one(
        RefusalKind::Invalid,
        Reason::new("query.invalid")
            .field(field)
            .arg("field", field)
            .arg("detail", "—"),
    ))
}

/// The list's filter, checked as the API checks it: a county `config/divisions.csv` lists (an
/// unknown one would show an empty list in silence), a search text without control characters.
fn filter(q: &ListQuery, counties: &[String]) -> Result<EntityFilter, AppError> {
    if !q.county.is_empty() && !counties.contains(&q.county) {
        return Err(invalid("county"));
    }
    domain::text::check_text("q", &q.q, false)
        .map_err(|r| AppError::Refused(Refusal::one(RefusalKind::Invalid, r)))?;
    if !q.class.is_empty() && EntityClass::parse(&q.class).is_none() {
        return Err(invalid("class"));
    }
    if q.q.chars().count() > 100 {
        return Err(invalid("q"));
    }
    let sort = match q.sort.as_str() {
        "" | "relevance" => EntitySort::Relevance,
        "name" => EntitySort::Name,
        _ => return Err(invalid("sort")),
    };
    Ok(EntityFilter {
        q: q.q.trim().to_owned(),
        county: q.county.clone(),
        class: q.class.clone(),
        sort,
    })
}

pub(super) fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn sort_name(sort: EntitySort) -> &'static str {
    match sort {
        EntitySort::Relevance => "relevance",
        EntitySort::Name => "name",
    }
}

fn filter_query(f: &EntityFilter) -> String {
    format!(
        "q={}&county={}&class={}&sort={}",
        encode(&f.q),
        encode(&f.county),
        encode(&f.class),
        sort_name(f.sort)
    )
}

fn class_name(ctx: &PageCtx, c: EntityClass) -> String {
    ctx.tr().t(match c {
        EntityClass::Key => "ui-class_key",
        EntityClass::General => "ui-class_general",
    })
}

fn industry(ctx: &PageCtx, code: &str) -> String {
    match app::industry::classes().get(code) {
        Some(c) if ctx.tr().english() => format!("{code} {}", c.name_en),
        Some(c) => format!("{code} {}", c.name_zh),
        None => code.to_owned(),
    }
}

fn row(ctx: &PageCtx, e: Entity, q: &str) -> Row {
    let matched = |text: &str| {
        let p = parts(text, q);
        p.iter().any(|p| p.mark).then_some(p)
    };
    Row {
        id: e.id.to_string(),
        name_parts: parts(&e.data.name, q),
        uscc_parts: parts(&e.data.uscc, q),
        address_parts: matched(&e.data.address),
        legal_representative_parts: matched(&e.data.legal_representative),
        county_name: app::divisions::name(&e.data.county_code, ctx.tr().english()),
        industry: industry(ctx, &e.data.industry_code),
        class_name: class_name(ctx, e.data.class),
        county_code: e.data.county_code,
        demo: e.demo,
    }
}

pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let query = match query {
        Ok(Query(q)) => q,
        Err(_) => return ctx.error(invalid("query")),
    };
    let f = match filter(&query, &state.app.counties()) {
        Ok(f) => f,
        Err(e) => return ctx.error(e),
    };
    let page = match query.page.as_deref().map(str::parse::<i64>) {
        None => 1,
        Some(Ok(p)) if p >= 1 => p,
        Some(_) => return ctx.error(invalid("page")),
    };
    let result = match state.app.entities(&auth.actor, &f, page, PER_PAGE).await {
        Ok(r) => r,
        Err(e) => return ctx.error(e),
    };
    let tr = ctx.tr();
    let pages = ((result.total + PER_PAGE - 1) / PER_PAGE).max(1);
    let base = filter_query(&f);
    let county_options = match reach(&auth.actor, Capability::EntityRead) {
        Ok(Some(counties)) => counties,
        _ => app::divisions::divisions()
            .keys()
            .filter(|c| domain::unit::is_county_code(c))
            .cloned()
            .collect(),
    }
    .into_iter()
    .map(|code| CountyOption {
        name: app::divisions::name(&code, tr.english()),
        code,
    })
    .collect();
    ctx.render(
        StatusCode::OK,
        &ListPage {
            chrome: ctx.chrome(),
            q: f.q.clone(),
            county: f.county.clone(),
            class: f.class.clone(),
            sort: sort_name(f.sort).to_owned(),
            county_options,
            rows: result
                .items
                .into_iter()
                .map(|e| row(&ctx, e, &f.q))
                .collect(),
            total_text: tr.with("ui-total", &[("total", result.total.to_string())]),
            page_text: tr.with(
                "ui-page",
                &[("page", page.to_string()), ("pages", pages.to_string())],
            ),
            prev_url: (page > 1).then(|| format!("/entities?{base}&page={}", page - 1)),
            next_url: (page < pages).then(|| format!("/entities?{base}&page={}", page + 1)),
            filter_query: base,
            can_import: allows(&auth.actor, Capability::EntityRegister),
        },
    )
}

/// Every row the caller may see under the filters, in list order.
async fn all_rows(
    state: &AppState,
    ctx: &PageCtx,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Vec<Entity>, Response> {
    let auth = ctx.require()?;
    let Ok(Query(query)) = query else {
        return Err(ctx.error(invalid("query")));
    };
    let f = filter(&query, &state.app.counties()).map_err(|e| ctx.error(e))?;
    state
        .app
        .all_entities(&auth.actor, &f, EXPORT_LIMIT)
        .await
        .map_err(|e| ctx.error(e))
}

/// The header row of a sheet in the page's language: the import template is the export.
fn header(ctx: &PageCtx, sheet: Sheet) -> Vec<String> {
    sheet
        .columns()
        .iter()
        .map(|c| ctx.tr().t(c.label))
        .collect()
}

fn kind_name(ctx: &PageCtx, k: OutletKind) -> String {
    ctx.tr().t(match k {
        OutletKind::Water => "ui-kind_water",
        OutletKind::Air => "ui-kind_air",
        OutletKind::Noise => "ui-kind_noise",
        OutletKind::Solid => "ui-kind_solid",
    })
}

fn degrees(e6: i64) -> String {
    format!("{:.6}", e6 as f64 / 1e6)
}

/// An entity's row, in `ENTITY_COLUMNS` order.
fn entity_cells(ctx: &PageCtx, e: &Entity) -> Vec<String> {
    let d = &e.data;
    let p = d.permit.as_ref();
    vec![
        d.uscc.clone(),
        d.name.clone(),
        d.county_code.clone(),
        d.industry_code.clone(),
        class_name(ctx, d.class),
        d.address.clone(),
        d.legal_representative.clone(),
        degrees(d.lat_e6),
        degrees(d.lon_e6),
        p.map(|p| p.number.clone()).unwrap_or_default(),
        p.map(|p| p.valid_from.to_string()).unwrap_or_default(),
        p.map(|p| p.valid_until.to_string()).unwrap_or_default(),
        if e.demo {
            ctx.tr().t("ui-demo")
        } else {
            String::new()
        },
    ]
}

/// An entity's outlets' rows, in `OUTLET_COLUMNS` order.
fn outlet_cells(ctx: &PageCtx, e: &Entity) -> Vec<Vec<String>> {
    e.data
        .outlets
        .iter()
        .map(|o| {
            vec![
                e.data.uscc.clone(),
                o.code.clone(),
                kind_name(ctx, o.kind),
                o.name.clone(),
                degrees(o.lat_e6),
                degrees(o.lon_e6),
            ]
        })
        .collect()
}

pub(super) fn download(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    let mut r = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// CSV in UTF-8 with a byte-order mark (so spreadsheet programs read Chinese correctly), every
/// cell quoted and neutralised.
fn csv(header: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    fn line(out: &mut String, cells: &[String]) {
        let quoted: Vec<String> = cells
            .iter()
            .map(|c| format!("\"{}\"", neutralise(c).replace('"', "\"\"")))
            .collect();
        out.push_str(&quoted.join(","));
        out.push_str("\r\n");
    }
    let mut out = String::from("\u{feff}");
    line(&mut out, header);
    for r in rows {
        line(&mut out, r);
    }
    out.into_bytes()
}

/// A sheet's rows as a CSV download.
pub(super) fn csv_download(
    ctx: &PageCtx,
    sheet: Sheet,
    name: &str,
    rows: &[Vec<String>],
) -> Response {
    download(
        "text/csv; charset=utf-8",
        name,
        csv(&header(ctx, sheet), rows),
    )
}

pub(super) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook of the entities sheet and the outlets sheet: every column formatted as text (a
/// USCC typed into a number column would be rounded), headers frozen, and drop-down lists for
/// the class, the county and the outlet kind.
pub(super) fn workbook(
    ctx: &PageCtx,
    counties: &[String],
    entities: &[Vec<String>],
    outlets: &[Vec<String>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{DataValidation, Format, Workbook};
    // The lists cover the first 10,000 rows (more than the prefecture has entities): over the
    // whole sheet, tools that expand them per cell (exceljs, some WPS versions) take seconds.
    const LAST_ROW: u32 = 10_000;
    let text = Format::new().set_num_format("@");
    let bold = Format::new().set_bold().set_num_format("@");
    let mut book = Workbook::new();
    for (sheet, name, rows) in [
        (Sheet::Entities, "ui-sheet_entities", entities),
        (Sheet::Outlets, "ui-sheet_outlets", outlets),
    ] {
        let ws = book.add_worksheet();
        ws.set_name(ctx.tr().t(name))?;
        for (c, h) in header(ctx, sheet).iter().enumerate() {
            let c = c as u16;
            ws.set_column_format(c, &text)?;
            ws.set_column_width(c, 18)?;
            ws.write_string_with_format(0, c, h, &bold)?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (r, cells) in rows.iter().enumerate() {
            for (c, v) in cells.iter().enumerate() {
                ws.write_string(r as u32 + 1, c as u16, neutralise(v))?;
            }
        }
        let at = |key: &str| sheet.columns().iter().position(|c| c.key == key);
        let mut lists: Vec<(usize, Vec<String>)> = Vec::new();
        if let Some(c) = at("class") {
            lists.push((
                c,
                vec![
                    class_name(ctx, EntityClass::Key),
                    class_name(ctx, EntityClass::General),
                ],
            ));
        }
        if let Some(c) = at("county") {
            lists.push((c, counties.to_vec()));
        }
        if let Some(c) = at("outlet_kind") {
            let kinds = [
                OutletKind::Water,
                OutletKind::Air,
                OutletKind::Noise,
                OutletKind::Solid,
            ];
            lists.push((c, kinds.iter().map(|k| kind_name(ctx, *k)).collect()));
        }
        for (c, list) in lists {
            // Suggestions, not a lock: a county name or an English word is also accepted.
            let dv = DataValidation::new()
                .allow_list_strings(&list)?
                .ignore_blank(true)
                .set_error_style(rust_xlsxwriter::DataValidationErrorStyle::Information);
            ws.add_data_validation(1, c as u16, LAST_ROW, c as u16, &dv)?;
        }
    }
    book.save_to_buffer()
}

pub async fn export_csv(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let rows = match all_rows(&state, &ctx, query).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let cells: Vec<Vec<String>> = rows.iter().map(|e| entity_cells(&ctx, e)).collect();
    csv_download(&ctx, Sheet::Entities, "entities.csv", &cells)
}

/// The outlets of the listed entities, keyed by USCC: the second CSV of an import.
pub async fn export_outlets_csv(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let rows = match all_rows(&state, &ctx, query).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let cells: Vec<Vec<String>> = rows.iter().flat_map(|e| outlet_cells(&ctx, e)).collect();
    csv_download(&ctx, Sheet::Outlets, "entity-outlets.csv", &cells)
}

pub async fn export_xlsx(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let rows = match all_rows(&state, &ctx, query).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let entities: Vec<Vec<String>> = rows.iter().map(|e| entity_cells(&ctx, e)).collect();
    let outlets: Vec<Vec<String>> = rows.iter().flat_map(|e| outlet_cells(&ctx, e)).collect();
    let counties = app::divisions::counties_of(&state.app.settings.prefecture_code);
    match workbook(&ctx, &counties, &entities, &outlets) {
        Ok(bytes) => download(XLSX, "entities.xlsx", bytes),
        Err(e) => ctx.error(AppError::Internal(format!("writing XLSX: {e}"))),
    }
}

pub struct PermitView {
    pub number: String,
    pub valid_from: String,
    pub valid_until: String,
    pub expired: bool,
    pub expiring: bool,
}

pub struct OutletRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub coordinates: String,
}

pub struct Detail {
    pub name: String,
    pub uscc: String,
    pub county_name: String,
    pub industry: String,
    pub class_name: String,
    pub address: String,
    pub legal_representative: String,
    pub coordinates: String,
    pub version: i64,
    pub demo: bool,
}

#[derive(Template)]
#[template(path = "entity.html")]
struct DetailPage {
    chrome: Chrome,
    entity_id: String,
    evidence: Vec<super::evidence::EvidenceRow>,
    upload: Option<super::evidence::UploadForm>,
    e: Detail,
    permit: Option<PermitView>,
    outlets: Vec<OutletRow>,
}

fn coords(lat_e6: i64, lon_e6: i64) -> String {
    format!("{:.6}, {:.6}", lat_e6 as f64 / 1e6, lon_e6 as f64 / 1e6)
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return ctx.error(AppError::Refused(Refusal::not_found()));
    };
    let e = match state.app.entity(&auth.actor, id).await {
        Ok(e) => e,
        Err(err) => return ctx.error(err),
    };
    let today = state.app.today();
    let people = match state.app.people().await {
        Ok(p) => p,
        Err(err) => return ctx.error(err),
    };
    let evidence = match state.app.evidence_of_subject(&auth.actor, id).await {
        Ok(items) => super::evidence::rows(&ctx, items, &people),
        Err(err) => return ctx.error(err),
    };
    // The form only for those who may record evidence here.
    let upload = if reach(&auth.actor, Capability::EvidenceRecord)
        .is_ok_and(|r| within(&r, &e.data.county_code))
    {
        match state.app.officers_for(&e.data.county_code).await {
            Ok(officers) => Some(super::evidence::upload_form(&ctx, officers, &people, today)),
            Err(err) => return ctx.error(err),
        }
    } else {
        None
    };
    let tr = ctx.tr();
    let d = e.data;
    let page = DetailPage {
        chrome: ctx.chrome(),
        entity_id: id.to_string(),
        evidence,
        upload,
        permit: d.permit.as_ref().map(|p| PermitView {
            number: p.number.clone(),
            valid_from: p.valid_from.to_string(),
            valid_until: p.valid_until.to_string(),
            expired: p.valid_until < today,
            expiring: p.valid_until <= today + chrono::Days::new(30),
        }),
        outlets: d
            .outlets
            .iter()
            .map(|o| OutletRow {
                code: o.code.clone(),
                name: o.name.clone(),
                kind: kind_name(&ctx, o.kind),
                coordinates: coords(o.lat_e6, o.lon_e6),
            })
            .collect(),
        e: Detail {
            county_name: app::divisions::name(&d.county_code, tr.english()),
            industry: industry(&ctx, &d.industry_code),
            class_name: class_name(&ctx, d.class),
            coordinates: coords(d.lat_e6, d.lon_e6),
            name: d.name,
            uscc: d.uscc,
            address: d.address,
            legal_representative: d.legal_representative,
            version: e.version,
            demo: e.demo,
        },
    };
    ctx.render(StatusCode::OK, &page)
}
