//! The clue and case pages: the clue inbox (the oldest due first), the clue form (phone-sized
//! for liaisons), triage of a clue (the proposal with its party, a head's own extension), the
//! case list and the case workspace: its header with the head's approvals, its team and the
//! requests for recusal. Every form posts the version it showed, as the API's `If-Match`; a
//! refusal shows the page again with every reason, people named by name.

use super::entities::{XLSX, download, encode, invalid};
use super::{Chrome, PageCtx, Tr, neutralise, see_other_flash};
use crate::AppState;
use app::AppError;
use app::people::{People, Person};
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use domain::actor::Role;
use domain::case::clue::{Clue, ClueData, ClueSource, ClueStatus};
use domain::case::party::{IdType, Party};
use domain::case::recusal::RecusalBy;
use domain::case::registration::{Case, CaseFacts, CaseStage, LegalBasis};
use domain::case::team::Team;
use domain::case::triage::Transfer;
use domain::permission::{Capability, allows, reach, within};
use domain::unit::UnitKind;
use domain::{Reason, Refusal, RefusalKind};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// Rows a list page shows at once.
const PER_PAGE: i64 = 50;
/// An export reads the list page by page, up to this many rows.
const EXPORT_LIMIT: i64 = 100_000;

pub struct ClueRow {
    pub id: String,
    pub source: String,
    pub received_on: String,
    pub county: String,
    pub place: String,
    pub description: String,
    pub status: String,
    pub due: String,
    pub overdue: bool,
    /// Still to be decided: the due date matters.
    pub open: bool,
}

fn clue_row(state: &AppState, ctx: &PageCtx, c: &Clue) -> ClueRow {
    let tr = ctx.tr();
    let (due, overdue) = state.app.registration_due(c);
    ClueRow {
        id: c.id.to_string(),
        source: tr.t(&format!("ui-source_{}", c.data.source.as_str())),
        received_on: c.data.received_on.to_string(),
        county: app::divisions::name(&c.data.county_code, tr.english()),
        place: c.data.place.clone(),
        description: c.data.description.clone(),
        status: tr.t(&format!("ui-clue_status_{}", c.status.as_str())),
        due: due.to_string(),
        overdue: overdue && c.status == ClueStatus::Open,
        open: c.status == ClueStatus::Open,
    }
}

/// The clue statuses the inbox filters by, in the order a clue moves.
const CLUE_STATUSES: [ClueStatus; 5] = [
    ClueStatus::Open,
    ClueStatus::Registered,
    ClueStatus::Merged,
    ClueStatus::Transferred,
    ClueStatus::Closed,
];

#[derive(Deserialize, Default)]
pub struct ClueQuery {
    /// A status, `all`, or absent: the open clues.
    status: Option<String>,
    #[allow(dead_code)]
    lang: Option<String>,
}

/// The inbox's status filter: `open` unless another status (or `all`, as "") is asked for.
fn clue_status_filter(q: Result<Query<ClueQuery>, QueryRejection>) -> Result<String, AppError> {
    let Ok(Query(q)) = q else {
        return Err(invalid("query"));
    };
    match q.status.as_deref() {
        None | Some("") => Ok("open".into()),
        Some("all") => Ok(String::new()),
        Some(s) if ClueStatus::parse(s).is_some() => Ok(s.to_owned()),
        Some(_) => Err(invalid("status")),
    }
}

#[derive(Template)]
#[template(path = "clues.html")]
struct CluesPage {
    chrome: Chrome,
    rows: Vec<ClueRow>,
    can_submit: bool,
    /// The chosen status (`all` for every one), and the choices: value, words.
    status: String,
    statuses: Vec<(String, String)>,
    export_query: String,
}

pub async fn inbox(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: Result<Query<ClueQuery>, QueryRejection>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let status = match clue_status_filter(query) {
        Ok(s) => s,
        Err(e) => return ctx.error(e),
    };
    let filter = app::ClueFilter {
        status: status.clone(),
        ..Default::default()
    };
    let page = match state.app.clues(&auth.actor, filter, 1, 200).await {
        Ok(p) => p,
        Err(e) => return ctx.error(e),
    };
    let mut rows: Vec<ClueRow> = page
        .items
        .iter()
        .map(|c| clue_row(&state, &ctx, c))
        .collect();
    // Due soon first.
    rows.sort_by(|a, b| a.due.cmp(&b.due));
    let tr = ctx.tr();
    let mut statuses = vec![("all".to_owned(), tr.t("ui-all_statuses"))];
    statuses.extend(CLUE_STATUSES.iter().map(|s| {
        (
            s.as_str().to_owned(),
            tr.t(&format!("ui-clue_status_{}", s.as_str())),
        )
    }));
    ctx.render(
        StatusCode::OK,
        &CluesPage {
            chrome: ctx.chrome(),
            rows,
            can_submit: allows(&auth.actor, Capability::ClueSubmit),
            export_query: format!("status={}", if status.is_empty() { "all" } else { &status }),
            status: if status.is_empty() {
                "all".into()
            } else {
                status
            },
            statuses,
        },
    )
}

/// A sheet of text cells: every column formatted as text (a number typed into a number column
/// would be reformatted), the header bold and frozen, every cell neutralised.
fn sheet_xlsx(
    name: &str,
    header: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let text = Format::new().set_num_format("@");
    let bold = Format::new().set_bold().set_num_format("@");
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(name)?;
    for (c, h) in header.iter().enumerate() {
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
    book.save_to_buffer()
}

pub(super) fn xlsx_download(
    ctx: &PageCtx,
    sheet: &str,
    file: &str,
    header: &[String],
    rows: &[Vec<String>],
) -> Response {
    match sheet_xlsx(sheet, header, rows) {
        Ok(bytes) => download(XLSX, file, bytes),
        Err(e) => ctx.error(AppError::Internal(format!("writing XLSX: {e}"))),
    }
}

/// The inbox under its filter as a spreadsheet. A complaint's complainant is never in it: a
/// clue holds only the sealed record's reference, and the export does not name even that.
pub async fn export_clues(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: Result<Query<ClueQuery>, QueryRejection>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let status = match clue_status_filter(query) {
        Ok(s) => s,
        Err(e) => return ctx.error(e),
    };
    let filter = app::ClueFilter {
        status,
        ..Default::default()
    };
    let mut clues = Vec::new();
    let mut page = 1;
    loop {
        let p = match state
            .app
            .clues(&auth.actor, filter.clone(), page, 200)
            .await
        {
            Ok(p) => p,
            Err(e) => return ctx.error(e),
        };
        let n = p.items.len() as i64;
        clues.extend(p.items);
        if n < 200 || clues.len() as i64 >= EXPORT_LIMIT {
            break;
        }
        page += 1;
    }
    let people = match state.app.people().await {
        Ok(p) => p,
        Err(e) => return ctx.error(e),
    };
    let tr = ctx.tr();
    let mut rows: Vec<(String, Vec<String>)> = clues
        .iter()
        .map(|c| {
            let r = clue_row(&state, &ctx, c);
            (
                r.due.clone(),
                vec![
                    r.received_on,
                    r.source,
                    c.data.department.clone().unwrap_or_default(),
                    r.county,
                    r.place,
                    r.description,
                    r.status,
                    if r.open { r.due } else { String::new() },
                    if r.overdue {
                        tr.t("ui-yes")
                    } else {
                        String::new()
                    },
                    if c.extended {
                        tr.t("ui-yes")
                    } else {
                        String::new()
                    },
                    c.transfer
                        .as_ref()
                        .map(|t| format!("{}（{}）", t.to, t.letter_on))
                        .unwrap_or_default(),
                    ctx.person_name(&people, &c.submitted_by),
                ],
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let rows: Vec<Vec<String>> = rows.into_iter().map(|(_, r)| r).collect();
    let header: Vec<String> = [
        "ui-received_on",
        "ui-clue_source",
        "ui-clue_department",
        "ui-county",
        "ui-clue_place",
        "ui-clue_description",
        "ui-status",
        "ui-registration_due",
        "ui-overdue_header",
        "ui-extended_header",
        "ui-transferred_to",
        "ui-submitted_by",
    ]
    .iter()
    .map(|id| tr.t(id))
    .collect();
    xlsx_download(&ctx, &tr.t("ui-nav_clues"), "clues.xlsx", &header, &rows)
}

#[derive(Template)]
#[template(path = "clue_new.html")]
struct NewCluePage {
    chrome: Chrome,
    sources: Vec<(String, String, bool)>,
    counties: Vec<(String, String)>,
    today: String,
    errors: Vec<String>,
    form: ClueForm,
}

#[derive(Deserialize, Default, Clone)]
pub struct ClueForm {
    #[serde(default)]
    source: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    county_code: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    place: String,
}

fn new_clue_page(
    state: &AppState,
    ctx: &PageCtx,
    status: StatusCode,
    errors: Vec<String>,
    form: ClueForm,
) -> Response {
    let Some(auth) = ctx.auth.as_ref() else {
        return super::see_other("/login");
    };
    let tr = ctx.tr();
    let partner = auth.actor.has_role(domain::actor::Role::PartnerAgency);
    let liaison = auth.actor.has_role(domain::actor::Role::Liaison);
    let reach = domain::permission::reach(&auth.actor, Capability::ClueSubmit).ok();
    let sources = ClueSource::ALL
        .into_iter()
        .filter(|s| !partner || *s == ClueSource::DepartmentTransfer)
        .map(|s| {
            let chosen = if form.source.is_empty() {
                (liaison && s == ClueSource::TownshipLiaison)
                    || (partner && s == ClueSource::DepartmentTransfer)
            } else {
                form.source == s.as_str()
            };
            (
                s.as_str().to_owned(),
                tr.t(&format!("ui-source_{}", s.as_str())),
                chosen,
            )
        })
        .collect();
    let counties = state
        .app
        .counties()
        .into_iter()
        .filter(|c| {
            reach
                .as_ref()
                .is_some_and(|r| domain::permission::within(r, c))
        })
        .map(|c| (c.clone(), app::divisions::name(&c, tr.english())))
        .collect();
    ctx.render(
        status,
        &NewCluePage {
            chrome: ctx.chrome(),
            sources,
            counties,
            today: state.app.today().to_string(),
            errors,
            form,
        },
    )
}

pub async fn new_clue(State(state): State<AppState>, ctx: PageCtx) -> Response {
    if let Err(r) = ctx.require() {
        return r;
    }
    new_clue_page(
        &state,
        &ctx,
        StatusCode::OK,
        Vec::new(),
        ClueForm::default(),
    )
}

fn bad_date(field: &str) -> AppError {
    AppError::Refused(Refusal::one(
        RefusalKind::Invalid,
        Reason::new("field.bad_date").field(field),
    ))
}

pub async fn submit_clue(
    State(state): State<AppState>,
    ctx: PageCtx,
    Form(form): Form<ClueForm>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let data = (|| -> Result<ClueData, AppError> {
        Ok(ClueData {
            source: ClueSource::parse(&form.source).ok_or_else(|| {
                AppError::Refused(Refusal::one(
                    RefusalKind::Invalid,
                    Reason::new("clue.unknown_source").field("source"),
                ))
            })?,
            department: Some(form.department.trim().to_owned()).filter(|d| !d.is_empty()),
            received_on: NaiveDate::parse_from_str(&form.received_on, "%Y-%m-%d")
                .map_err(|_| bad_date("received_on"))?,
            county_code: form.county_code.clone(),
            description: form.description.clone(),
            place: form.place.clone(),
            lat_e6: None,
            lon_e6: None,
            entity_id: None,
            complainant: None,
            evidence_ids: Vec::new(),
        })
    })();
    let result = match data {
        Ok(d) => state.app.submit_clue(&auth.actor, d, None).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((clue, _)) => see_other_flash(&format!("/clues/{}", clue.id), "ui-flash_clue_submitted"),
        Err(e) => match ctx.refusal(e) {
            Ok((status, errors)) => new_clue_page(&state, &ctx, status, errors, form),
            Err(r) => r,
        },
    }
}

/// A choice in a select: value, words, chosen.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

#[derive(Template)]
#[template(path = "clue.html")]
struct CluePage {
    chrome: Chrome,
    c: ClueRow,
    version: i64,
    submitted_by: String,
    department: String,
    closed_reason: String,
    /// The time to decide was extended (Order 30 Art. 18).
    extended: bool,
    /// An extension waiting for a head: who asked, and why.
    extension: Option<(String, String)>,
    /// The case the clue joined: its address (when the reader may open cases) and its number.
    merged_into: Option<(Option<String>, String)>,
    /// Handed to another authority: to whom, the letter's date, why.
    transfer: Option<(String, String, String)>,
    can_triage: bool,
    can_extend: bool,
    /// The extension is asked by a head: approved in the same step.
    head_extends: bool,
    can_decide_extension: bool,
    /// The register form's party choices, and what it showed before a refusal.
    party_form: Option<PartyForm>,
    draft: RegisterDraft,
    /// The open cases of the clue's county (and entity) it may join.
    merge_cases: Vec<Choice>,
    today: String,
    errors: Vec<String>,
}

/// A case as a choice names it: its number (or that it has none yet) and its violation.
fn case_label(tr: &Tr, c: &Case) -> String {
    let number = c.number.clone().unwrap_or_else(|| tr.t("ui-no_number_yet"));
    let mut violation: String = c.facts.violation.chars().take(40).collect();
    if c.facts.violation.chars().count() > 40 {
        violation.push('…');
    }
    format!("{number} · {violation}")
}

async fn clue_page(
    state: &AppState,
    ctx: &PageCtx,
    id: uuid::Uuid,
    status: StatusCode,
    errors: Vec<String>,
) -> Response {
    clue_page_with(state, ctx, id, status, errors, None).await
}

/// The clue's page; after a refused proposal, the register form filled as it was sent (but the
/// sealed fields: an ID number, an address, a phone are typed again, never echoed).
async fn clue_page_with(
    state: &AppState,
    ctx: &PageCtx,
    id: uuid::Uuid,
    status: StatusCode,
    errors: Vec<String>,
    draft: Option<RegisterDraft>,
) -> Response {
    let Some(auth) = ctx.auth.as_ref() else {
        return super::see_other("/login");
    };
    let (clue, people) = match tokio::try_join!(state.app.clue(&auth.actor, id), state.app.people())
    {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let tr = ctx.tr();
    let open = clue.status == ClueStatus::Open;
    let may = |cap| allows(&auth.actor, cap);
    let can_triage = open && may(Capability::CaseRegister);
    let me = auth.actor.name();
    let merge_cases = if can_triage {
        match state.app.merge_candidates(&auth.actor, &clue).await {
            Ok(cases) => cases
                .iter()
                .map(|c| Choice {
                    value: c.id.to_string(),
                    label: case_label(&tr, c),
                    chosen: false,
                })
                .collect(),
            Err(e) => return ctx.error(e),
        }
    } else {
        Vec::new()
    };
    let draft = draft.unwrap_or_default();
    let party_form =
        if can_triage {
            let chosen_entity = match draft.party.entity_id.as_str() {
                "" => clue.data.entity_id,
                e => Uuid::parse_str(e).ok(),
            };
            let entities =
                match county_entities(state, &auth.actor, &clue.data.county_code, chosen_entity)
                    .await
                {
                    Ok(e) => e,
                    Err(e) => return ctx.error(e),
                };
            let kind = match draft.party.kind.as_str() {
                // A clue about a registered entity proposes against it unless told otherwise.
                "" if clue.data.entity_id.is_some() => "entity".to_owned(),
                "" => "unidentified".to_owned(),
                k => k.to_owned(),
            };
            Some(party_form(&tr, true, kind, entities, &draft.party))
        } else {
            None
        };
    let merged_into = match clue.merged_into {
        Some(case_id) if may(Capability::CaseRead) => {
            match state.app.case(&auth.actor, case_id).await {
                Ok(c) => Some((Some(format!("/cases/{case_id}")), case_label(&tr, &c))),
                Err(_) => Some((None, tr.t("ui-merged_case"))),
            }
        }
        Some(_) => Some((None, tr.t("ui-merged_case"))),
        None => None,
    };
    ctx.render(
        status,
        &CluePage {
            chrome: ctx.chrome(),
            c: clue_row(state, ctx, &clue),
            version: clue.version,
            submitted_by: ctx.person_name(&people, &clue.submitted_by),
            department: clue.data.department.clone().unwrap_or_default(),
            closed_reason: clue.closed_reason.clone().unwrap_or_default(),
            extended: clue.extended,
            extension: clue.extension.as_ref().map(|e| {
                (
                    tr.with(
                        "ui-extension_asked",
                        &[("name", ctx.person_name(&people, &e.proposed_by))],
                    ),
                    e.reason.clone(),
                )
            }),
            merged_into,
            transfer: clue.transfer.as_ref().map(|t| {
                (
                    t.to.clone(),
                    tr.with(
                        "ui-transfer_letter_on",
                        &[("date", t.letter_on.to_string())],
                    ),
                    t.reason.clone(),
                )
            }),
            can_triage,
            // An officer asks; a head asks and approves at once (`App::extend_registration`).
            can_extend: open
                && (may(Capability::CaseRegister) || may(Capability::CaseApprove))
                && !clue.extended
                && clue.extension.is_none(),
            head_extends: may(Capability::CaseApprove),
            party_form,
            draft,
            can_decide_extension: open
                && may(Capability::CaseApprove)
                && clue.extension.as_ref().is_some_and(|e| e.proposed_by != me),
            merge_cases,
            today: state.app.today().to_string(),
            errors,
        },
    )
}

pub(super) fn path_id(ctx: &PageCtx, id: &str) -> Result<uuid::Uuid, Response> {
    uuid::Uuid::parse_str(id).map_err(|_| ctx.not_found())
}

pub async fn clue(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>) -> Response {
    if let Err(r) = ctx.require() {
        return r;
    }
    match path_id(&ctx, &id) {
        Ok(id) => clue_page(&state, &ctx, id, StatusCode::OK, Vec::new()).await,
        Err(r) => r,
    }
}

/// A form's fields in order; repeated names (legal-basis rows, a team's officers) keep every
/// value.
pub(super) fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The first value of a field, or "".
pub(super) fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Every value of a repeated field.
pub(super) fn field_all(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// The version the form showed (the API's `If-Match`).
pub(super) fn form_version(fields: &[(String, String)]) -> Result<i64, AppError> {
    field(fields, "version")
        .trim()
        .parse()
        .map_err(|_| invalid("version"))
}

/// What the party form sent. The sealed fields (ID number, address, phone) are read once and
/// never shown again.
#[derive(Default, Clone)]
pub struct PartyFields {
    pub kind: String,
    pub person_name: String,
    pub id_type: String,
    pub org_name: String,
    pub uscc: String,
    pub entity_id: String,
}

impl PartyFields {
    fn from_fields(f: &[(String, String)]) -> Self {
        PartyFields {
            kind: field(f, "kind"),
            person_name: field(f, "person_name"),
            id_type: field(f, "id_type"),
            org_name: field(f, "org_name"),
            uscc: field(f, "uscc"),
            entity_id: field(f, "entity_id"),
        }
    }

    /// The party as `App` takes it: `None` when not yet identified; a person's ID number,
    /// address and phone (`id_number`, `address`, `phone`) are passed on to be sealed.
    fn input(
        &self,
        id_number: String,
        address: String,
        phone: String,
    ) -> Result<Option<app::case::PartyInput>, AppError> {
        let party_form = |field: &str| {
            AppError::Refused(Refusal::one(
                RefusalKind::Invalid,
                Reason::new("case.party_form").field(field),
            ))
        };
        match self.kind.as_str() {
            // Not chosen (a form without the party's fields): not yet identified.
            "" | "unidentified" => Ok(None),
            "person" => match serde_json::from_value::<IdType>(serde_json::json!(self.id_type)) {
                Ok(id_type) => Ok(Some(app::case::PartyInput::Person {
                    name: self.person_name.trim().to_owned(),
                    id_type,
                    id_number,
                    address,
                    phone,
                })),
                Err(_) => Err(party_form("id_type")),
            },
            "organisation" => Ok(Some(app::case::PartyInput::Organisation {
                name: self.org_name.trim().to_owned(),
                uscc: Some(self.uscc.trim().to_owned()).filter(|u| !u.is_empty()),
            })),
            "entity" => Uuid::parse_str(self.entity_id.trim())
                .map(|e| Some(app::case::PartyInput::Entity(e)))
                .map_err(|_| {
                    AppError::Refused(Refusal::one(
                        RefusalKind::Invalid,
                        Reason::new("clue.entity_unknown").field("entity_id"),
                    ))
                }),
            _ => Err(party_form("kind")),
        }
    }
}

/// The party form's choices and values (the clue's register form, the case's identify form).
pub struct PartyForm {
    /// "Not yet identified" is offered (a proposal may be made before the party is known).
    pub unidentified: bool,
    /// The kind chosen: unidentified, person, organisation, entity.
    pub kind: String,
    pub entities: Vec<Choice>,
    pub id_types: Vec<Choice>,
    pub person_name: String,
    pub org_name: String,
    pub uscc: String,
}

fn party_form(
    tr: &Tr,
    unidentified: bool,
    kind: String,
    entities: Vec<Choice>,
    sent: &PartyFields,
) -> PartyForm {
    PartyForm {
        unidentified,
        kind,
        entities,
        id_types: [IdType::ResidentId, IdType::Passport, IdType::Other]
            .into_iter()
            .map(|t| {
                let value = serde_json::to_value(t)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                Choice {
                    chosen: if sent.id_type.is_empty() {
                        t == IdType::ResidentId
                    } else {
                        sent.id_type == value
                    },
                    value,
                    label: id_type_name(tr, t),
                }
            })
            .collect(),
        person_name: sent.person_name.clone(),
        org_name: sent.org_name.clone(),
        uscc: sent.uscc.clone(),
    }
}

/// The registered entities of a county the reader may see, by name, one of them chosen.
async fn county_entities(
    state: &AppState,
    actor: &domain::Actor,
    county: &str,
    chosen: Option<Uuid>,
) -> Result<Vec<Choice>, AppError> {
    let filter = app::EntityFilter {
        county: county.to_owned(),
        ..Default::default()
    };
    let mut entities = Vec::new();
    let mut page = 1;
    loop {
        let p = state.app.entities(actor, &filter, page, 200).await?;
        let n = p.items.len();
        entities.extend(p.items.into_iter().map(|e| Choice {
            chosen: Some(e.id) == chosen,
            value: e.id.to_string(),
            label: format!("{}（{}）", e.data.name, e.data.uscc),
        }));
        if n < 200 || page >= 25 {
            break;
        }
        page += 1;
    }
    entities.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(entities)
}

/// What the register form showed, kept across a refusal.
#[derive(Clone)]
pub struct RegisterDraft {
    /// Legal-basis rows: law, article (at least one row, blank at first).
    pub basis: Vec<(String, String)>,
    pub act_ended_on: String,
    pub endangers: bool,
    pub violation: String,
    pub urgent: bool,
    pub party: PartyFields,
}

impl Default for RegisterDraft {
    fn default() -> Self {
        RegisterDraft {
            basis: vec![(String::new(), String::new())],
            act_ended_on: String::new(),
            endangers: false,
            violation: String::new(),
            urgent: false,
            party: PartyFields::default(),
        }
    }
}

/// Proposes a case from the clue: the legal basis (one row or more), when the act ended, what
/// it was, the party if known (a person's identity sealed by `App::propose_case`) and whether
/// it is investigated before registration (先行调查).
pub async fn register(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let f = form_fields(&body);
    let laws = field_all(&f, "law");
    let articles = field_all(&f, "article");
    let mut basis: Vec<(String, String)> = (0..laws.len().max(articles.len()))
        .map(|i| {
            (
                laws.get(i).map(|l| l.trim().to_owned()).unwrap_or_default(),
                articles
                    .get(i)
                    .map(|a| a.trim().to_owned())
                    .unwrap_or_default(),
            )
        })
        // A row added and left blank is no basis.
        .filter(|(l, a)| !(l.is_empty() && a.is_empty()))
        .collect();
    let draft = RegisterDraft {
        basis: if basis.is_empty() {
            vec![(String::new(), String::new())]
        } else {
            basis.clone()
        },
        act_ended_on: field(&f, "act_ended_on"),
        endangers: !field(&f, "endangers").is_empty(),
        violation: field(&f, "violation"),
        urgent: !field(&f, "urgent").is_empty(),
        party: PartyFields::from_fields(&f),
    };
    let result = async {
        let version = form_version(&f)?;
        let act_ended_on = NaiveDate::parse_from_str(draft.act_ended_on.trim(), "%Y-%m-%d")
            .map_err(|_| bad_date("act_ended_on"))?;
        let party = draft.party.input(
            field(&f, "id_number"),
            field(&f, "address"),
            field(&f, "phone"),
        )?;
        let facts = CaseFacts {
            legal_basis: basis
                .drain(..)
                .map(|(law, article)| LegalBasis { law, article })
                .collect(),
            act_ended_on,
            endangers_life_health_or_finance: draft.endangers,
            violation: draft.violation.clone(),
            entity_id: None,
            party: None,
            urgent: draft.urgent,
        };
        state
            .app
            .propose_case(&auth.actor, id, version, facts, party)
            .await
    }
    .await;
    match result {
        Ok((case, _)) => see_other_flash(&format!("/cases/{}", case.id), "ui-flash_case_proposed"),
        Err(e) => match ctx.refusal(e) {
            Ok((status, errors)) => {
                clue_page_with(&state, &ctx, id, status, errors, Some(draft)).await
            }
            Err(r) => r,
        },
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    version: i64,
    #[serde(default)]
    text: String,
}

pub async fn close(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<ReasonForm>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    match state
        .app
        .close_clue(&auth.actor, id, form.version, form.text)
        .await
    {
        Ok(_) => see_other_flash(&format!("/clues/{id}"), "ui-flash_saved"),
        Err(e) => match ctx.refusal(e) {
            Ok((status, errors)) => clue_page(&state, &ctx, id, status, errors).await,
            Err(r) => r,
        },
    }
}

/// What a clue's page does after an action: back to the clue with a message, or the page
/// again with the refusal's reasons.
async fn after_clue_action<T>(
    state: &AppState,
    ctx: &PageCtx,
    id: uuid::Uuid,
    result: Result<T, AppError>,
    flash: impl FnOnce(&T) -> &'static str,
) -> Response {
    match result {
        Ok(v) => see_other_flash(&format!("/clues/{id}"), flash(&v)),
        Err(e) => match ctx.refusal(e) {
            Ok((status, errors)) => clue_page(state, ctx, id, status, errors).await,
            Err(r) => r,
        },
    }
}

/// An officer asks for 15 more days to decide (a head's own request is approved at once).
pub async fn extend(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<ReasonForm>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let result = state
        .app
        .extend_registration(&auth.actor, id, form.version, form.text)
        .await;
    after_clue_action(&state, &ctx, id, result, |(c, _)| {
        if c.extended {
            "ui-flash_extension_approved"
        } else {
            "ui-flash_extension_proposed"
        }
    })
    .await
}

/// A head approves (`approve`) or rejects a proposed extension.
async fn decide_extension(
    state: AppState,
    ctx: PageCtx,
    id: String,
    form: ReasonForm,
    approve: bool,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let result = state
        .app
        .decide_extension(&auth.actor, id, form.version, approve, form.text)
        .await;
    after_clue_action(&state, &ctx, id, result, |_| {
        if approve {
            "ui-flash_extension_approved"
        } else {
            "ui-flash_extension_rejected"
        }
    })
    .await
}

pub async fn approve_extension(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<ReasonForm>,
) -> Response {
    decide_extension(state, ctx, id, form, true).await
}

pub async fn reject_extension(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<ReasonForm>,
) -> Response {
    decide_extension(state, ctx, id, form, false).await
}

#[derive(Deserialize)]
pub struct MergeForm {
    version: i64,
    #[serde(default)]
    case_id: String,
}

/// Attaches the clue to an open case of the same county (and party), chosen from a list.
pub async fn merge(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<MergeForm>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let result = match Uuid::parse_str(form.case_id.trim()) {
        Ok(case_id) => {
            state
                .app
                .merge_clue(&auth.actor, id, form.version, case_id)
                .await
        }
        Err(_) => Err(AppError::Refused(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("clue.merge_case_unknown").field("case_id"),
        ))),
    };
    after_clue_action(&state, &ctx, id, result, |_| "ui-flash_clue_merged").await
}

#[derive(Deserialize)]
pub struct TransferForm {
    version: i64,
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    letter_on: String,
}

/// Hands the clue to another competent authority, with the transfer letter's date.
pub async fn transfer(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<TransferForm>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let result = match NaiveDate::parse_from_str(&form.letter_on, "%Y-%m-%d") {
        Ok(letter_on) => {
            let transfer = Transfer {
                to: form.to,
                reason: form.reason,
                letter_on,
            };
            state
                .app
                .transfer_clue(&auth.actor, id, form.version, transfer)
                .await
        }
        Err(_) => Err(bad_date("letter_on")),
    };
    after_clue_action(&state, &ctx, id, result, |_| "ui-flash_clue_transferred").await
}

/// The party as a page or an export shows it: personal data only masked.
pub struct PartyView {
    /// Person, organisation, registered entity: in words.
    pub kind: String,
    pub name: String,
    /// A person's ID type and masked number; an organisation's USCC.
    pub detail: String,
    /// A person's masked phone.
    pub phone: String,
    /// The entity's page.
    pub link: Option<String>,
}

fn id_type_name(tr: &Tr, t: IdType) -> String {
    tr.t(match t {
        IdType::ResidentId => "ui-id_type_resident_id",
        IdType::Passport => "ui-id_type_passport",
        IdType::Other => "ui-id_type_other",
    })
}

/// `None` while the party is not identified. `list` masks a person's name too (`张*三`), as
/// lists and exports show it; the case's own page shows the name whole.
fn party_view(
    tr: &Tr,
    party: Option<&Party>,
    entities: &HashMap<Uuid, String>,
    list: bool,
) -> Option<PartyView> {
    match party? {
        Party::Unidentified => None,
        Party::Entity { entity_id } => Some(PartyView {
            kind: tr.t("ui-party_kind_entity"),
            name: entities
                .get(entity_id)
                .cloned()
                .unwrap_or_else(|| tr.t("ui-party_kind_entity")),
            detail: String::new(),
            phone: String::new(),
            link: Some(format!("/entities/{entity_id}")),
        }),
        Party::Person {
            name,
            id_type,
            id_number_masked,
            phone_masked,
            ..
        } => Some(PartyView {
            kind: tr.t("ui-party_kind_person"),
            name: if list {
                domain::sealed::mask_name(name)
            } else {
                name.clone()
            },
            detail: format!("{} {}", id_type_name(tr, *id_type), id_number_masked),
            phone: phone_masked.clone(),
            link: None,
        }),
        Party::Organisation { name, uscc } => Some(PartyView {
            kind: tr.t("ui-party_kind_organisation"),
            name: name.clone(),
            detail: uscc.clone().unwrap_or_default(),
            phone: String::new(),
            link: None,
        }),
    }
}

/// The names of the registered entities that are parties of these cases (those the reader may
/// open; another is shown by its kind alone).
async fn entity_names<'a>(
    state: &AppState,
    actor: &domain::Actor,
    cases: impl IntoIterator<Item = &'a Case>,
) -> HashMap<Uuid, String> {
    let mut names = HashMap::new();
    for c in cases {
        if let Some(Party::Entity { entity_id }) = &c.facts.party
            && !names.contains_key(entity_id)
            && let Ok(e) = state.app.entity(actor, *entity_id).await
        {
            names.insert(*entity_id, e.data.name);
        }
    }
    names
}

pub struct CaseRow {
    pub id: String,
    pub number: String,
    pub stage: String,
    pub county: String,
    pub violation: String,
    /// The party in one line, masked; empty while unidentified.
    pub party: String,
    pub days_left: Option<i64>,
    pub due: String,
    pub urgent: bool,
    /// The lead officer's name, once a team is assigned.
    pub lead: String,
}

fn case_row(
    state: &AppState,
    ctx: &PageCtx,
    c: &Case,
    entities: &HashMap<Uuid, String>,
    people: &People,
) -> CaseRow {
    let tr = ctx.tr();
    let deadline = state.app.case_deadline(c);
    let party = party_view(&tr, c.facts.party.as_ref(), entities, true)
        .map(|p| {
            if p.detail.is_empty() {
                p.name
            } else {
                format!("{}（{}）", p.name, p.detail)
            }
        })
        .unwrap_or_default();
    CaseRow {
        id: c.id.to_string(),
        number: c.number.clone().unwrap_or_else(|| tr.t("ui-no_number_yet")),
        stage: tr.t(&format!("ui-stage_{}", c.stage.as_str())),
        county: app::divisions::name(&c.county_code, tr.english()),
        violation: c.facts.violation.clone(),
        party,
        days_left: deadline
            .as_ref()
            .filter(|_| {
                matches!(
                    c.stage,
                    CaseStage::Registered | CaseStage::UnderReview | CaseStage::Reviewed
                )
            })
            .map(|(_, d)| (d.due - state.app.today()).num_days()),
        due: deadline.map(|(_, d)| d.due.to_string()).unwrap_or_default(),
        urgent: c.facts.urgent,
        lead: c
            .team
            .as_ref()
            .map(|t| ctx.person_name(people, &t.lead))
            .unwrap_or_default(),
    }
}

#[derive(Deserialize, Default)]
pub struct CaseQuery {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    county: String,
    /// The handling unit's id.
    #[serde(default)]
    unit: String,
    /// A login name: the cases this officer proposed.
    #[serde(default)]
    officer: String,
    /// `1`: only registered cases past their deadline.
    #[serde(default)]
    overdue: String,
    page: Option<String>,
    #[allow(dead_code)]
    lang: Option<String>,
}

/// The list's filter, checked as the API checks it.
fn case_filter(state: &AppState, q: &CaseQuery) -> Result<app::CaseFilter, AppError> {
    if !q.stage.is_empty() && CaseStage::parse(&q.stage).is_none() {
        return Err(invalid("stage"));
    }
    if !q.county.is_empty() && !state.app.counties().contains(&q.county) {
        return Err(invalid("county"));
    }
    let handling_unit = match q.unit.as_str() {
        "" => None,
        u => Some(Uuid::parse_str(u).map_err(|_| invalid("unit"))?),
    };
    if q.officer.chars().count() > 64 {
        return Err(invalid("officer"));
    }
    domain::text::check_text("officer", &q.officer, false)
        .map_err(|r| AppError::Refused(Refusal::one(RefusalKind::Invalid, r)))?;
    let registered_by = match q.overdue.as_str() {
        "" | "0" | "false" => None,
        "1" | "true" => Some(state.app.overdue_registered_by()),
        _ => return Err(invalid("overdue")),
    };
    Ok(app::CaseFilter {
        stage: q.stage.clone(),
        county: q.county.clone(),
        handling_unit,
        officer: q.officer.clone(),
        registered_by,
        preservation_open: false,
    })
}

fn case_filter_query(f: &app::CaseFilter) -> String {
    format!(
        "stage={}&county={}&unit={}&officer={}&overdue={}",
        encode(&f.stage),
        encode(&f.county),
        f.handling_unit.map(|u| u.to_string()).unwrap_or_default(),
        encode(&f.officer),
        if f.registered_by.is_some() { "1" } else { "" }
    )
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    chrome: Chrome,
    rows: Vec<CaseRow>,
    stages: Vec<Choice>,
    counties: Vec<Choice>,
    units: Vec<Choice>,
    officers: Vec<Choice>,
    overdue: bool,
    filtered: bool,
    total_text: String,
    page_text: String,
    prev_url: Option<String>,
    next_url: Option<String>,
    filter_query: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: Result<Query<CaseQuery>, QueryRejection>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Ok(Query(query)) = query else {
        return ctx.error(invalid("query"));
    };
    let filter = match case_filter(&state, &query) {
        Ok(f) => f,
        Err(e) => return ctx.error(e),
    };
    let page = match query.page.as_deref().map(str::parse::<i64>) {
        None => 1,
        Some(Ok(p)) if p >= 1 => p,
        Some(_) => return ctx.error(invalid("page")),
    };
    let (result, units, officers, people) = match tokio::try_join!(
        state
            .app
            .listed_cases(&auth.actor, filter.clone(), page, PER_PAGE),
        state.app.units(),
        state.app.case_officers(&auth.actor),
        state.app.people(),
    ) {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let names = entity_names(&state, &auth.actor, &result.items).await;
    let tr = ctx.tr();
    let english = tr.english();
    let case_reach = reach(&auth.actor, Capability::CaseRead).unwrap_or(Some(Vec::new()));
    let all = |label: &str, chosen: bool| Choice {
        value: String::new(),
        label: tr.t(label),
        chosen,
    };
    let mut stages = vec![all("ui-all_stages", filter.stage.is_empty())];
    stages.extend(CaseStage::ALL.iter().map(|s| Choice {
        value: s.as_str().to_owned(),
        label: tr.t(&format!("ui-stage_{}", s.as_str())),
        chosen: filter.stage == s.as_str(),
    }));
    let mut counties = vec![all("ui-all_counties", filter.county.is_empty())];
    counties.extend(
        state
            .app
            .counties()
            .into_iter()
            .filter(|c| within(&case_reach, c))
            .map(|c| Choice {
                label: app::divisions::name(&c, english),
                chosen: filter.county == c,
                value: c,
            }),
    );
    let mut unit_choices = vec![all("ui-all_units", filter.handling_unit.is_none())];
    unit_choices.extend(
        units
            .into_iter()
            .filter(|u| {
                u.kind == UnitKind::Detachment
                    || (u.kind == UnitKind::Brigade && within(&case_reach, &u.division_code))
            })
            .map(|u| Choice {
                value: u.id.to_string(),
                chosen: filter.handling_unit == Some(u.id),
                label: if english { u.name_en } else { u.name_zh },
            }),
    );
    let mut officer_choices = vec![all("ui-all_officers", filter.officer.is_empty())];
    officer_choices.extend(officers.into_iter().map(|(username, name)| Choice {
        chosen: filter.officer == username,
        value: username,
        label: name,
    }));
    let pages = ((result.total + PER_PAGE - 1) / PER_PAGE).max(1);
    let base = case_filter_query(&filter);
    let rows = result
        .items
        .iter()
        .map(|c| case_row(&state, &ctx, c, &names, &people))
        .collect();
    ctx.render(
        StatusCode::OK,
        &CasesPage {
            chrome: ctx.chrome(),
            rows,
            stages,
            counties,
            units: unit_choices,
            officers: officer_choices,
            overdue: filter.registered_by.is_some(),
            filtered: !filter.stage.is_empty()
                || !filter.county.is_empty()
                || filter.handling_unit.is_some()
                || !filter.officer.is_empty()
                || filter.registered_by.is_some(),
            total_text: tr.with("ui-total", &[("total", result.total.to_string())]),
            page_text: tr.with(
                "ui-page",
                &[("page", page.to_string()), ("pages", pages.to_string())],
            ),
            prev_url: (page > 1).then(|| format!("/cases?{base}&page={}", page - 1)),
            next_url: (page < pages).then(|| format!("/cases?{base}&page={}", page + 1)),
            filter_query: base,
        },
    )
}

/// The list under its filters as a spreadsheet: the party masked as in the list (a person's
/// name, ID number masked; never the sealed record, its reference or a phone).
pub async fn export_cases(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: Result<Query<CaseQuery>, QueryRejection>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Ok(Query(query)) = query else {
        return ctx.error(invalid("query"));
    };
    let filter = match case_filter(&state, &query) {
        Ok(f) => f,
        Err(e) => return ctx.error(e),
    };
    let mut cases = Vec::new();
    let mut page = 1;
    loop {
        let p = match state
            .app
            .listed_cases(&auth.actor, filter.clone(), page, 200)
            .await
        {
            Ok(p) => p,
            Err(e) => return ctx.error(e),
        };
        let n = p.items.len() as i64;
        cases.extend(p.items);
        if n < 200 || cases.len() as i64 >= EXPORT_LIMIT {
            break;
        }
        page += 1;
    }
    let (people, units) = match tokio::try_join!(state.app.people(), state.app.units()) {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let names = entity_names(&state, &auth.actor, &cases).await;
    let tr = ctx.tr();
    let english = tr.english();
    let unit_names: HashMap<Uuid, String> = units
        .into_iter()
        .map(|u| (u.id, if english { u.name_en } else { u.name_zh }))
        .collect();
    let rows: Vec<Vec<String>> = cases
        .iter()
        .map(|c| {
            let r = case_row(&state, &ctx, c, &names, &people);
            let party = party_view(&tr, c.facts.party.as_ref(), &names, true);
            vec![
                r.number,
                r.stage,
                r.county,
                c.handling_unit_id
                    .and_then(|u| unit_names.get(&u).cloned())
                    .unwrap_or_default(),
                party
                    .as_ref()
                    .map(|p| p.kind.clone())
                    .unwrap_or_else(|| tr.t("ui-party_unidentified")),
                party.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
                party.map(|p| p.detail).unwrap_or_default(),
                r.violation,
                c.facts
                    .legal_basis
                    .iter()
                    .map(|b| format!("{}{}", b.law, b.article))
                    .collect::<Vec<_>>()
                    .join("；"),
                ctx.person_name(&people, &c.proposed_by),
                c.registered_on.map(|d| d.to_string()).unwrap_or_default(),
                if c.stage == CaseStage::Registered {
                    r.due
                } else {
                    String::new()
                },
                r.days_left.map(|d| d.to_string()).unwrap_or_default(),
                if c.facts.urgent {
                    tr.t("ui-yes")
                } else {
                    String::new()
                },
                r.lead,
            ]
        })
        .collect();
    let header: Vec<String> = [
        "ui-case_number",
        "ui-stage",
        "ui-county",
        "ui-handling_unit",
        "ui-party_kind",
        "ui-party",
        "ui-party_id",
        "ui-violation",
        "ui-legal_basis",
        "ui-proposed_by",
        "ui-registered_on",
        "ui-case_due",
        "ui-days_left",
        "ui-urgent_header",
        "ui-team_lead",
    ]
    .iter()
    .map(|id| tr.t(id))
    .collect();
    xlsx_download(&ctx, &tr.t("ui-nav_cases"), "cases.xlsx", &header, &rows)
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    chrome: Chrome,
    c: CaseRow,
    version: i64,
    legal_basis: String,
    proposed_by: String,
    registered_on: String,
    cancellation: Option<(String, String)>,
    party: Option<PartyView>,
    /// The clue the case came from, for who may open clues.
    clue_url: Option<String>,
    can_decide_registration: bool,
    can_decide_cancellation: bool,
    can_propose_cancellation: bool,
    /// The identify-party form: the county's entities and the ID types to choose from.
    identify: Option<PartyForm>,
    /// The team's section: once the case may take investigators, or has them.
    show_team: bool,
    team: Vec<TeamRow>,
    /// The officers whose certificate ends before the case falls due, by name, and that day.
    expiring: Vec<String>,
    assign: Option<AssignForm>,
    /// Requests for recusal, in the order made.
    recusals: Vec<RecusalRow>,
    request_recusal: Option<RequestRecusalForm>,
    /// The next steps and the investigation's parts.
    ws: super::investigation::Workspace,
    errors: Vec<String>,
}

/// One member of a case's team as the page lists them.
pub struct TeamRow {
    /// Lead, officer or assistant, in words.
    pub duty: String,
    pub lead: bool,
    pub name: String,
    pub certificate: String,
    pub valid_until: String,
    pub unit: String,
    /// The certificate ends before the case falls due.
    pub expiring: bool,
    pub recused: bool,
}

/// The people of one unit the assign form offers.
pub struct CandidateGroup {
    pub unit: String,
    pub people: Vec<Candidate>,
}

/// A person the assign form offers.
pub struct Candidate {
    /// For the checkbox's id.
    pub index: usize,
    /// The login name, sent by the form (never shown).
    pub value: String,
    pub name: String,
    /// Certificate number and validity.
    pub detail: String,
    pub checked: bool,
    /// Why this person cannot be chosen (certificate not valid today, recused): shown, not
    /// offered.
    pub unfit: String,
    /// The certificate ends before the case falls due.
    pub expiring: bool,
}

pub struct AssignForm {
    /// The case has a team: the form replaces it.
    pub reassign: bool,
    pub officers: Vec<CandidateGroup>,
    pub assistants: Vec<CandidateGroup>,
    /// The lead's choices: the officers who may be chosen.
    pub leads: Vec<Choice>,
}

/// A request for recusal and its decision.
pub struct RecusalRow {
    pub officer: String,
    pub grounds: String,
    pub by: String,
    pub requested_by: String,
    pub pending: bool,
    pub granted: bool,
    pub decided_by: String,
    pub collective: bool,
    pub reasons: String,
    /// This head may decide it here.
    pub decide: Option<DecideRecusalForm>,
    /// Why this head does not (his own recusal; another head's, the main head's to decide).
    pub decide_note: String,
}

pub struct DecideRecusalForm {
    /// For the form's element ids.
    pub index: usize,
    /// "Decide the recusal of …", by name.
    pub title: String,
    /// The login name, sent by the form (never shown).
    pub officer: String,
    /// The main head's recusal: decided by the heads together.
    pub collective_required: bool,
}

pub struct RequestRecusalForm {
    /// The team's members and the bureau heads who may be asked to step aside.
    pub people: Vec<Choice>,
    pub grounds: String,
    /// party or officer, as sent before a refusal.
    pub by: String,
}

/// What the case page's forms sent, shown again with a refusal.
#[derive(Default)]
pub struct CaseDraft {
    pub team: Option<Team>,
    /// A form of the investigation (records, preservation, report, review, interference).
    pub ws: super::investigation::WsDraft,
    /// Officer, grounds, by.
    pub recusal: Option<(String, String, String)>,
}

async fn case_page(
    state: &AppState,
    ctx: &PageCtx,
    id: uuid::Uuid,
    status: StatusCode,
    errors: Vec<String>,
) -> Response {
    case_page_with(state, ctx, id, status, errors, CaseDraft::default()).await
}

async fn case_page_with(
    state: &AppState,
    ctx: &PageCtx,
    id: uuid::Uuid,
    status: StatusCode,
    errors: Vec<String>,
    draft: CaseDraft,
) -> Response {
    let Some(auth) = ctx.auth.as_ref() else {
        return super::see_other("/login");
    };
    let actor = &auth.actor;
    let (case, people, units) = match tokio::try_join!(
        state.app.case(actor, id),
        state.app.people(),
        state.app.units()
    ) {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let expiring_users = match state.app.certificates_expiring(&case).await {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let tr = ctx.tr();
    let me = actor.name();
    let today = state.app.today();
    let due = state.app.case_deadline(&case).map(|(_, d)| d.due);
    let head = allows(actor, Capability::CaseApprove);
    let names = entity_names(state, actor, [&case]).await;
    let ws = match super::investigation::workspace(state, ctx, &case, &people, &draft.ws).await {
        Ok(w) => w,
        Err(e) => return ctx.error(e),
    };
    let identify = if ws.may("identify-party") {
        match county_entities(state, actor, &case.county_code, None).await {
            Ok(entities) => Some(party_form(
                &tr,
                false,
                "person".into(),
                entities,
                &PartyFields::default(),
            )),
            Err(e) => return ctx.error(e),
        }
    } else {
        None
    };
    let recused = |u: &str| domain::case::recusal::recused(&case.recusals, u);
    let name = |u: &str| ctx.person_name(&people, u);

    // The team: the lead first, the other officers, the assistants.
    let mut team = Vec::new();
    if let Some(t) = &case.team {
        let mut officers: Vec<&String> = t.officers.iter().collect();
        officers.sort_by_key(|o| **o != t.lead);
        let members = officers
            .into_iter()
            .map(|o| (o, *o == t.lead, true))
            .chain(t.assistants.iter().map(|a| (a, false, false)));
        for (u, lead, officer) in members {
            let p = people.get(u);
            team.push(TeamRow {
                duty: tr.t(match (lead, officer) {
                    (true, _) => "ui-team_lead",
                    (false, true) => "ui-team_officer",
                    (false, false) => "ui-team_assistant",
                }),
                lead,
                name: name(u),
                certificate: p.and_then(|p| p.certificate.clone()).unwrap_or_default(),
                valid_until: p
                    .and_then(|p| p.certificate_valid_until)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                unit: p
                    .and_then(|p| {
                        if tr.english() {
                            p.unit_en.clone()
                        } else {
                            p.unit_zh.clone()
                        }
                    })
                    .unwrap_or_default(),
                expiring: officer && expiring_users.contains(u),
                recused: recused(u),
            });
        }
    }
    let expiring: Vec<String> = expiring_users.iter().map(|u| name(u)).collect();

    // Who may assign: the detachment leader any case, an officer of the handling brigade its
    // own (what `decide_assign_officers` accepts), once the case is investigated.
    let may_assign = domain::case::team::investigating(&case)
        && reach(actor, Capability::CaseAssign).is_ok_and(|r| within(&r, &case.county_code))
        && match actor {
            domain::Actor::User(u) => {
                u.roles.contains(&Role::DetachmentLeader)
                    || (u.unit_id.is_some() && u.unit_id == case.handling_unit_id)
            }
            domain::Actor::System => false,
        };
    let assign = may_assign.then(|| {
        let detachments: Vec<Uuid> = units
            .iter()
            .filter(|u| u.kind == UnitKind::Detachment)
            .map(|u| u.id)
            .collect();
        let in_units = |p: &Person| {
            p.unit_id
                .is_some_and(|u| Some(u) == case.handling_unit_id || detachments.contains(&u))
        };
        let (officers, lead, assistants) = match (&draft.team, &case.team) {
            (Some(t), _) | (None, Some(t)) => {
                (t.officers.clone(), t.lead.clone(), t.assistants.clone())
            }
            // A first assignment: whoever assigns usually leads.
            (None, None) => (vec![me.to_owned()], me.to_owned(), Vec::new()),
        };
        let candidate = |u: &str, p: &Person, chosen: &[String], officer: bool| {
            let unfit = if recused(u) {
                tr.t("ui-recused")
            } else if officer && !p.certified_on(today) {
                tr.t("ui-certificate_not_valid_today")
            } else {
                String::new()
            };
            let mut detail = Vec::new();
            if let Some(n) = &p.certificate {
                detail.push(tr.with("ui-person_certificate", &[("number", n.clone())]));
            }
            if let Some(d) = p.certificate_valid_until {
                detail.push(tr.with("ui-certificate_valid_until_on", &[("date", d.to_string())]));
            }
            Candidate {
                index: 0,
                value: u.to_owned(),
                name: p.display_name.clone(),
                detail: detail.join(if tr.english() { ", " } else { "，" }),
                checked: unfit.is_empty() && chosen.iter().any(|c| c == u),
                expiring: officer
                    && unfit.is_empty()
                    && matches!((p.certificate_valid_until, due), (Some(until), Some(due)) if until < due),
                unfit,
            }
        };
        // By unit (the handling unit's first, then the detachment), each by certificate number
        // (issued in order) and name.
        let grouped = |officer: bool, chosen: &[String]| {
            let mut rows: Vec<(bool, String, String, Candidate)> = people
                .all()
                .into_iter()
                .filter(|(_, p)| {
                    !p.disabled
                        && in_units(p)
                        && if officer {
                            domain::permission::roles_allow(&p.roles, Capability::EnforcementAct)
                        } else {
                            p.roles.contains(&Role::AuxiliaryStaff)
                        }
                })
                .map(|(u, p)| {
                    let unit = if tr.english() { &p.unit_en } else { &p.unit_zh };
                    (
                        p.unit_id != case.handling_unit_id,
                        unit.clone().unwrap_or_default(),
                        p.certificate.clone().unwrap_or_default(),
                        candidate(u, p, chosen, officer),
                    )
                })
                .collect();
            rows.sort_by(|a, b| (a.0, &a.1, &a.2, &a.3.name).cmp(&(b.0, &b.1, &b.2, &b.3.name)));
            let mut groups: Vec<CandidateGroup> = Vec::new();
            for (_, unit, _, c) in rows {
                match groups.last_mut() {
                    Some(g) if g.unit == unit => g.people.push(c),
                    _ => groups.push(CandidateGroup {
                        unit,
                        people: vec![c],
                    }),
                }
            }
            groups
        };
        let mut officer_groups = grouped(true, &officers);
        let mut assistant_groups = grouped(false, &assistants);
        let mut index = 0;
        for c in officer_groups
            .iter_mut()
            .chain(assistant_groups.iter_mut())
            .flat_map(|g| g.people.iter_mut())
        {
            index += 1;
            c.index = index;
        }
        let leads = officer_groups
            .iter()
            .flat_map(|g| g.people.iter())
            .filter(|c| c.unfit.is_empty())
            .map(|c| Choice {
                value: c.value.clone(),
                label: c.name.clone(),
                chosen: c.value == lead,
            })
            .collect();
        AssignForm {
            reassign: case.team.is_some(),
            officers: officer_groups,
            assistants: assistant_groups,
            leads,
        }
    });

    // Recusal: the requests, each with its decision or, for a head, the form to decide it.
    let main_head = state.app.settings.main_head.as_str();
    let is_head = |u: &str| {
        people
            .get(u)
            .is_some_and(|p| p.roles.contains(&Role::BureauHead))
    };
    let recusals = case
        .recusals
        .iter()
        .enumerate()
        .map(|(index, r)| {
            let pending = r.decision.is_none();
            let (decide, decide_note) = if !pending || !head {
                (None, String::new())
            } else if r.officer == me {
                (None, tr.t("ui-recusal_own_note"))
            } else if is_head(&r.officer) && main_head.is_empty() {
                (None, tr.t("ui-recusal_main_head_unset"))
            } else if is_head(&r.officer) && r.officer != main_head && me != main_head {
                (
                    None,
                    tr.with("ui-recusal_main_head_note", &[("name", name(main_head))]),
                )
            } else {
                (
                    Some(DecideRecusalForm {
                        index,
                        title: tr.with("ui-recusal_decide", &[("name", name(&r.officer))]),
                        officer: r.officer.clone(),
                        collective_required: r.officer == main_head,
                    }),
                    String::new(),
                )
            };
            RecusalRow {
                officer: name(&r.officer),
                grounds: r.grounds.clone(),
                by: tr.t(match r.by {
                    RecusalBy::Party => "ui-recusal_by_party",
                    RecusalBy::Officer => "ui-recusal_by_officer",
                }),
                requested_by: name(&r.requested_by),
                pending,
                granted: r.decision.as_ref().is_some_and(|d| d.granted),
                decided_by: r
                    .decision
                    .as_ref()
                    .map(|d| name(&d.decided_by))
                    .unwrap_or_default(),
                collective: r.decision.as_ref().is_some_and(|d| d.collective),
                reasons: r
                    .decision
                    .as_ref()
                    .map(|d| d.reasons.clone())
                    .unwrap_or_default(),
                decide,
                decide_note,
            }
        })
        .collect();
    let may_request = domain::case::registration::open(&case)
        && reach(actor, Capability::EnforcementAct).is_ok_and(|r| within(&r, &case.county_code));
    let request_recusal = if may_request {
        let asked = |u: &str| {
            recused(u)
                || case
                    .recusals
                    .iter()
                    .any(|r| r.officer == u && r.decision.is_none())
        };
        let (chosen, grounds, by) = draft.recusal.unwrap_or_default();
        let mut choices: Vec<Choice> = Vec::new();
        let mut offer = |u: &str, duty: &str| {
            if !asked(u) && !choices.iter().any(|c| c.value == u) {
                choices.push(Choice {
                    value: u.to_owned(),
                    label: format!("{} · {}", name(u), tr.t(duty)),
                    chosen: chosen == u,
                });
            }
        };
        if let Some(t) = &case.team {
            offer(&t.lead, "ui-team_lead");
            for o in &t.officers {
                offer(o, "ui-team_officer");
            }
            for a in &t.assistants {
                offer(a, "ui-team_assistant");
            }
        }
        for (u, p) in people.all() {
            if !p.disabled && p.roles.contains(&Role::BureauHead) {
                offer(u, "ui-role_bureau_head");
            }
        }
        (!choices.is_empty()).then_some(RequestRecusalForm {
            people: choices,
            grounds,
            by,
        })
    } else {
        None
    };
    ctx.render(
        status,
        &CasePage {
            chrome: ctx.chrome(),
            c: case_row(state, ctx, &case, &names, &people),
            version: case.version,
            legal_basis: case
                .facts
                .legal_basis
                .iter()
                .map(|b| format!("{}{}", b.law, b.article))
                .collect::<Vec<_>>()
                .join("；"),
            proposed_by: ctx.person(&people, &case.proposed_by),
            registered_on: case
                .registered_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            cancellation: case
                .cancellation
                .as_ref()
                .map(|(by, why)| (ctx.person_name(&people, by), why.clone())),
            party: party_view(&tr, case.facts.party.as_ref(), &names, false),
            clue_url: allows(actor, Capability::ClueRead)
                .then(|| format!("/clues/{}", case.clue_id)),
            can_decide_registration: ws.may("approve-registration"),
            can_decide_cancellation: ws.may("approve-cancellation"),
            can_propose_cancellation: ws.may("cancel-registration"),
            identify,
            show_team: case.team.is_some() || domain::case::team::investigating(&case),
            team,
            expiring,
            assign,
            recusals,
            request_recusal,
            ws,
            errors,
        },
    )
}

pub async fn case(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<String>) -> Response {
    if let Err(r) = ctx.require() {
        return r;
    }
    match path_id(&ctx, &id) {
        Ok(id) => case_page(&state, &ctx, id, StatusCode::OK, Vec::new()).await,
        Err(r) => r,
    }
}

pub async fn act(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ReasonForm>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let app = &state.app;
    let (v, text) = (form.version, form.text);
    let result = match action.as_str() {
        "approve-registration" => {
            app.decide_registration(&auth.actor, id, v, true, text)
                .await
        }
        "reject-registration" => {
            app.decide_registration(&auth.actor, id, v, false, text)
                .await
        }
        "cancel-registration" => app.propose_cancellation(&auth.actor, id, v, text).await,
        "approve-cancellation" => {
            app.decide_cancellation(&auth.actor, id, v, true, text)
                .await
        }
        "reject-cancellation" => {
            app.decide_cancellation(&auth.actor, id, v, false, text)
                .await
        }
        _ => return ctx.not_found(),
    };
    match result {
        Ok(_) => see_other_flash(&format!("/cases/{id}"), "ui-flash_saved"),
        Err(e) => match ctx.refusal(e) {
            Ok((status, errors)) => case_page(&state, &ctx, id, status, errors).await,
            Err(r) => r,
        },
    }
}

/// Names the party of a case opened against an unidentified one. A person's ID number, address
/// and phone go to `App::identify_party`, which seals them; the case keeps masked forms.
pub async fn identify_party(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let f = form_fields(&body);
    let result = async {
        let version = form_version(&f)?;
        let party = PartyFields::from_fields(&f).input(
            field(&f, "id_number"),
            field(&f, "address"),
            field(&f, "phone"),
        )?;
        // "Not yet identified" is not a party to name.
        let party = party.ok_or_else(|| {
            AppError::Refused(Refusal::one(
                RefusalKind::Invalid,
                Reason::new("case.party_form").field("kind"),
            ))
        })?;
        state
            .app
            .identify_party(&auth.actor, id, version, party)
            .await
    }
    .await;
    match result {
        Ok(_) => see_other_flash(&format!("/cases/{id}"), "ui-flash_party_identified"),
        Err(e) => match ctx.refusal(e) {
            Ok((status, errors)) => case_page(&state, &ctx, id, status, errors).await,
            Err(r) => r,
        },
    }
}

/// A refusal as a page shows it: the people it names by their names, never by login names.
fn named(people: Option<&People>, e: AppError) -> AppError {
    match (e, people) {
        (AppError::Refused(mut r), Some(people)) => {
            for reason in &mut r.reasons {
                for key in ["username", "main_head"] {
                    if let Some(v) = reason.args.get_mut(key)
                        && let Some(p) = people.get(v)
                    {
                        *v = p.display_name.clone();
                    }
                }
            }
            AppError::Refused(r)
        }
        (e, _) => e,
    }
}

/// A case form's outcome: back to the case with a message, or the page again with every reason
/// (people by name) and what the form sent.
pub(super) async fn after_case_action<T>(
    state: &AppState,
    ctx: &PageCtx,
    id: uuid::Uuid,
    result: Result<T, AppError>,
    flash: &'static str,
    draft: CaseDraft,
) -> Response {
    match result {
        Ok(_) => see_other_flash(&format!("/cases/{id}"), flash),
        Err(e) => {
            let people = state.app.people().await.ok();
            match ctx.refusal(named(people.as_ref(), e)) {
                Ok((status, errors)) => case_page_with(state, ctx, id, status, errors, draft).await,
                Err(r) => r,
            }
        }
    }
}

/// Names the case's investigators: the officers ticked (at least two), the lead among them, the
/// auxiliary staff who assist.
pub async fn assign_officers(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let f = form_fields(&body);
    let team = Team {
        officers: field_all(&f, "officers"),
        lead: field(&f, "lead"),
        assistants: field_all(&f, "assistants"),
    };
    let result = match form_version(&f) {
        Ok(v) => {
            state
                .app
                .assign_officers(&auth.actor, id, v, team.clone())
                .await
        }
        Err(e) => Err(e),
    };
    let draft = CaseDraft {
        team: Some(team),
        ..Default::default()
    };
    after_case_action(&state, &ctx, id, result, "ui-flash_team_assigned", draft).await
}

#[derive(Deserialize)]
pub struct RecusalRequestForm {
    version: i64,
    #[serde(default)]
    officer: String,
    #[serde(default)]
    grounds: String,
    #[serde(default)]
    by: String,
}

/// Records a request for recusal, by the party or by the officer himself.
pub async fn request_recusal(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<RecusalRequestForm>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let result = match form.by.as_str() {
        "party" | "officer" => {
            let by = if form.by == "party" {
                RecusalBy::Party
            } else {
                RecusalBy::Officer
            };
            state
                .app
                .request_recusal(
                    &auth.actor,
                    id,
                    form.version,
                    form.officer.clone(),
                    form.grounds.clone(),
                    by,
                )
                .await
        }
        _ => Err(AppError::Refused(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("recusal.by_required").field("by"),
        ))),
    };
    let draft = CaseDraft {
        recusal: Some((form.officer, form.grounds, form.by)),
        ..Default::default()
    };
    after_case_action(
        &state,
        &ctx,
        id,
        result,
        "ui-flash_recusal_requested",
        draft,
    )
    .await
}

#[derive(Deserialize)]
pub struct RecusalDecisionForm {
    version: i64,
    #[serde(default)]
    officer: String,
    /// `1` granted, `0` refused.
    #[serde(default)]
    granted: String,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    collective: Option<String>,
}

/// A head decides a request for recusal (with the heads together, the main head's).
pub async fn decide_recusal(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<RecusalDecisionForm>,
) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    let id = match path_id(&ctx, &id) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let result = match form.granted.as_str() {
        "1" | "0" => {
            state
                .app
                .decide_recusal(
                    &auth.actor,
                    id,
                    form.version,
                    form.officer,
                    form.granted == "1",
                    form.reasons,
                    form.collective.is_some(),
                )
                .await
        }
        _ => Err(AppError::Refused(Refusal::one(
            RefusalKind::Invalid,
            Reason::new("recusal.decision_required").field("granted"),
        ))),
    };
    after_case_action(
        &state,
        &ctx,
        id,
        result,
        "ui-flash_recusal_decided",
        CaseDraft::default(),
    )
    .await
}

/// One step waiting for a head.
pub struct ApprovalRow {
    pub what: String,
    pub county: String,
    /// The case's number (or that it has none yet) or the clue's place.
    pub subject: String,
    pub detail: String,
    pub by: String,
    /// Why, when the step says (a cancellation, an extension).
    pub reason: String,
    pub href: String,
}

/// The steps waiting for a head (as `GET /api/v1/approvals`), each with its page: a proposed
/// registration, a proposed cancellation, an extension of the time to decide.
pub async fn approval_rows(
    state: &AppState,
    ctx: &PageCtx,
    actor: &domain::Actor,
) -> Result<Vec<ApprovalRow>, AppError> {
    let ((cases, clues), people) =
        tokio::try_join!(state.app.approvals(actor), state.app.people())?;
    let tr = ctx.tr();
    let english = tr.english();
    let mut rows = Vec::new();
    for c in cases {
        // One case may wait on several steps: its registration, a cancellation, preservations.
        let mut steps: Vec<(&str, String, String)> = Vec::new();
        if c.stage == CaseStage::PendingRegistration {
            steps.push((
                "ui-approval_registration",
                c.proposed_by.clone(),
                String::new(),
            ));
        }
        if let Some((by, why)) = &c.cancellation {
            steps.push(("ui-approval_cancellation", by.clone(), why.clone()));
        }
        for p in c.preservations.iter().filter(|p| p.approval.is_none()) {
            let items = p
                .items
                .iter()
                .map(|i| format!("{} {}", i.description, i.quantity))
                .collect::<Vec<_>>()
                .join("；");
            steps.push(("ui-approval_preservation", p.proposed_by.clone(), items));
        }
        for r in c.recusals.iter().filter(|r| r.decision.is_none()) {
            steps.push((
                "ui-approval_recusal",
                r.requested_by.clone(),
                r.grounds.clone(),
            ));
        }
        for (what, by, reason) in steps {
            rows.push(ApprovalRow {
                what: tr.t(what),
                county: app::divisions::name(&c.county_code, english),
                subject: c.number.clone().unwrap_or_else(|| tr.t("ui-no_number_yet")),
                detail: c.facts.violation.clone(),
                by: ctx.person_name(&people, &by),
                reason,
                href: format!("/cases/{}", c.id),
            });
        }
    }
    for c in clues {
        let (by, reason) = c
            .extension
            .as_ref()
            .map(|e| (ctx.person_name(&people, &e.proposed_by), e.reason.clone()))
            .unwrap_or_default();
        rows.push(ApprovalRow {
            what: tr.t("ui-approval_extension"),
            county: app::divisions::name(&c.data.county_code, english),
            subject: c.data.place.clone(),
            detail: c.data.description.clone(),
            by,
            reason,
            href: format!("/clues/{}", c.id),
        });
    }
    Ok(rows)
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    chrome: Chrome,
    rows: Vec<ApprovalRow>,
}

/// Every step waiting for the signed-in head, each linked to its case or clue.
pub async fn approvals(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let auth = match ctx.require() {
        Ok(a) => a,
        Err(r) => return r,
    };
    match approval_rows(&state, &ctx, &auth.actor).await {
        Ok(rows) => ctx.render(
            StatusCode::OK,
            &ApprovalsPage {
                chrome: ctx.chrome(),
                rows,
            },
        ),
        Err(e) => ctx.error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::i18n::{Lang, has_message};

    /// The ids these pages build from codes (a status, a stage, a source) have words in both
    /// languages: a missing one would show its id (`every_page_text_exists_in_both_languages`
    /// only finds literal ids).
    #[test]
    fn every_status_stage_and_source_has_words() {
        let mut ids: Vec<String> = CLUE_STATUSES
            .iter()
            .map(|s| format!("ui-clue_status_{}", s.as_str()))
            .collect();
        ids.extend(
            CaseStage::ALL
                .iter()
                .map(|s| format!("ui-stage_{}", s.as_str())),
        );
        ids.extend(
            ClueSource::ALL
                .iter()
                .map(|s| format!("ui-source_{}", s.as_str())),
        );
        let missing: Vec<_> = ids
            .iter()
            .flat_map(|id| Lang::ALL.map(|l| (l, id)))
            .filter(|(l, id)| !has_message(*l, id))
            .collect();
        assert!(missing.is_empty(), "{missing:?}");
    }
}
