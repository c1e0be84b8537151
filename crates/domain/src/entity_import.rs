//! Import of regulated entities from a spreadsheet: the export's columns read back, every problem
//! named by sheet, row and column, and registration of all rows or none.
//!
//! The file format (XLSX or CSV, its encoding) is read by `app`; this module sees a grid of cells
//! per sheet, row 1 being the header. Header texts, class and kind words are recognised through
//! [`Words`], so the same template works with zh-CN or en headers.

use crate::actor::Actor;
use crate::entity::{
    EntityClass, EntityData, IndustryClasses, Outlet, OutletKind, Permit, RegisterEntity,
    RegisterState, decide_register,
};
use crate::event::Payload;
use crate::permission::{Capability, require};
use crate::refusal::{Reason, Refusal, RefusalKind};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// More rows than this in one file are refused: split the file (a transaction this size still
/// commits in seconds, and a preview listing more would not be read).
pub const MAX_ENTITY_ROWS: usize = 50_000;
pub const MAX_OUTLET_ROWS: usize = 200_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sheet {
    Entities,
    Outlets,
}

impl Sheet {
    pub fn as_str(self) -> &'static str {
        match self {
            Sheet::Entities => "entities",
            Sheet::Outlets => "outlets",
        }
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            Sheet::Entities => &ENTITY_COLUMNS,
            Sheet::Outlets => &OUTLET_COLUMNS,
        }
    }
}

/// A column of the template: its key (API field name) and the Fluent id of its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub key: &'static str,
    pub label: &'static str,
    pub required: bool,
}

const fn col(key: &'static str, label: &'static str, required: bool) -> Column {
    Column {
        key,
        label,
        required,
    }
}

/// The entity list's export columns, in order: the import template is the export.
pub const ENTITY_COLUMNS: [Column; 13] = [
    col("uscc", "ui-uscc", true),
    col("name", "ui-name", true),
    col("county", "ui-county", true),
    col("industry", "ui-industry", true),
    col("class", "ui-class", true),
    col("address", "ui-address", true),
    col("legal_representative", "ui-legal_representative", false),
    col("lat", "ui-lat", true),
    col("lon", "ui-lon", true),
    col("permit_number", "ui-permit_number", false),
    col("valid_from", "ui-valid_from", false),
    col("valid_until", "ui-valid_until", false),
    col("demo", "ui-demo", false),
];

/// The outlets sheet (XLSX) or second CSV, keyed by the entity's USCC.
pub const OUTLET_COLUMNS: [Column; 6] = [
    col("uscc", "ui-uscc", true),
    col("outlet_code", "ui-col_outlet_code", true),
    col("outlet_kind", "ui-col_outlet_kind", true),
    col("outlet_name", "ui-col_outlet_name", true),
    col("lat", "ui-lat", true),
    col("lon", "ui-lon", true),
];

/// One cell as the file holds it. Spreadsheets type their cells; CSV cells are all text.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    /// A spreadsheet error value such as `#N/A`.
    Error(String),
}

impl Cell {
    fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// How header texts and words in cells are recognised (both languages; built by `app` from the
/// Fluent files).
pub trait Words: Sync {
    /// The column key a header text names on this sheet.
    fn column(&self, sheet: Sheet, header: &str) -> Option<&'static str>;
    fn class(&self, text: &str) -> Option<EntityClass>;
    fn kind(&self, text: &str) -> Option<OutletKind>;
    /// Whether a text marks the row as demo data (the export's demo column).
    fn demo(&self, text: &str) -> bool;
    /// A county's code from its code or its name.
    fn county(&self, text: &str) -> Option<String>;
}

/// The spreadsheet name of a 0-based column index: A, B, …, Z, AA, …
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A problem at a place in the file.
fn problem(code: &'static str, sheet: Sheet, row: usize, column: Option<(&str, usize)>) -> Reason {
    let mut r = Reason::new(code)
        .arg("sheet", sheet.as_str())
        .arg("row", row);
    if let Some((key, index)) = column {
        r = r.field(key).arg("column", column_letter(index));
    }
    r
}

/// Where a problem is, for sorting: sheet, row, column (a problem of no one column last).
fn place(r: &Reason) -> (u8, usize, usize) {
    let sheet = u8::from(r.args.get("sheet").map(String::as_str) == Some("outlets"));
    let row = r.args.get("row").and_then(|s| s.parse().ok()).unwrap_or(0);
    let column = r
        .args
        .get("column")
        .map(|c| {
            c.bytes()
                .fold(0usize, |n, b| n * 26 + usize::from(b - b'A' + 1))
        })
        .unwrap_or(usize::MAX);
    (sheet, row, column)
}

/// An entity row read from the file.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportRow {
    /// 1-based row in the entities sheet (the header is row 1).
    pub row: usize,
    pub data: EntityData,
    pub demo: bool,
    /// The outlets sheet's row of each of `data.outlets`.
    pub outlet_rows: Vec<usize>,
    /// Columns whose cell could not be read (already reported): the decision's reasons on them
    /// would only repeat the problem.
    bad: HashSet<&'static str>,
}

/// A file read: its rows, where each column sits, and the problems found while reading.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub rows: Vec<ImportRow>,
    pub outlet_count: usize,
    entity_layout: HashMap<&'static str, usize>,
    outlet_layout: HashMap<&'static str, usize>,
    problems: Vec<Reason>,
}

impl Parsed {
    /// Problems found while reading (headers, cell formats), before any decision.
    pub fn problems(&self) -> &[Reason] {
        &self.problems
    }

    /// How many rows carry a discharge permit.
    pub fn permits(&self) -> usize {
        self.rows.iter().filter(|r| r.data.permit.is_some()).count()
    }
}

/// Which column sits where, from row 1; every unknown, repeated or missing header is a problem.
fn layout(
    sheet: Sheet,
    header: Option<&Vec<Cell>>,
    words: &dyn Words,
    problems: &mut Vec<Reason>,
) -> Option<HashMap<&'static str, usize>> {
    let before = problems.len();
    let mut at = HashMap::new();
    for (i, cell) in header
        .map(|h| h.as_slice())
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let text = match cell {
            Cell::Text(s) => s.trim().to_owned(),
            Cell::Empty => continue,
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Error(e) => e.clone(),
        };
        if text.is_empty() {
            continue;
        }
        match words.column(sheet, &text) {
            Some(key) => {
                if at.insert(key, i).is_some() {
                    problems.push(
                        problem("import.column_repeated", sheet, 1, Some((key, i)))
                            .arg("header", &text),
                    );
                }
            }
            None => problems.push(
                problem("import.column_unknown", sheet, 1, None)
                    .arg("column", column_letter(i))
                    .arg("header", &text),
            ),
        }
    }
    for c in sheet.columns() {
        if c.required && !at.contains_key(c.key) {
            problems.push(
                problem("import.column_missing", sheet, 1, None)
                    .field(c.key)
                    .arg("key", c.key),
            );
        }
    }
    (problems.len() == before).then_some(at)
}

/// Reads one row's cells by column key, recording unreadable cells.
struct RowReader<'a> {
    sheet: Sheet,
    row: usize,
    cells: &'a [Cell],
    layout: &'a HashMap<&'static str, usize>,
    problems: &'a mut Vec<Reason>,
    bad: HashSet<&'static str>,
}

impl RowReader<'_> {
    fn cell(&self, key: &str) -> (&Cell, usize) {
        match self.layout.get(key) {
            Some(&i) => (self.cells.get(i).unwrap_or(&Cell::Empty), i),
            None => (&Cell::Empty, usize::MAX),
        }
    }

    fn fail(&mut self, key: &'static str, code: &'static str) -> Reason {
        let (_, i) = self.cell(key);
        self.bad.insert(key);
        problem(code, self.sheet, self.row, Some((key, i)))
    }

    fn report(&mut self, key: &'static str, code: &'static str) {
        let r = self.fail(key, code);
        self.problems.push(r);
    }

    /// A text cell, trimmed; the export's neutralising apostrophe before `= + - @` removed.
    /// `exact` columns (codes) refuse numbers a spreadsheet may have rounded (over 15 digits, or
    /// with a fraction).
    fn text(&mut self, key: &'static str, exact: bool) -> String {
        let (cell, _) = self.cell(key);
        match cell.clone() {
            Cell::Empty => String::new(),
            Cell::Text(s) => {
                let s = s.trim();
                match s.strip_prefix('\'') {
                    Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_owned(),
                    _ => s.to_owned(),
                }
            }
            // An integer below 10^15 is held exactly; a longer code may have been rounded.
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", n as i64),
            Cell::Number(n) if !exact => n.to_string(),
            Cell::Number(_) => {
                self.report(key, "import.number_not_text");
                String::new()
            }
            Cell::Date(d) => d.to_string(),
            Cell::Error(e) => {
                let r = self.fail(key, "import.cell_error").arg("value", e);
                self.problems.push(r);
                String::new()
            }
        }
    }

    fn date(&mut self, key: &'static str) -> Option<NaiveDate> {
        let (cell, _) = self.cell(key);
        match cell.clone() {
            Cell::Date(d) => Some(d),
            Cell::Empty => None,
            Cell::Text(s) if s.trim().is_empty() => None,
            Cell::Text(s) => match parse_date(&s) {
                Some(d) => Some(d),
                None => {
                    let r = self.fail(key, "import.date_invalid").arg("value", s.trim());
                    self.problems.push(r);
                    None
                }
            },
            Cell::Number(n) => {
                let r = self.fail(key, "import.date_invalid").arg("value", n);
                self.problems.push(r);
                None
            }
            Cell::Error(e) => {
                let r = self.fail(key, "import.cell_error").arg("value", e);
                self.problems.push(r);
                None
            }
        }
    }

    /// Decimal degrees to micro-degrees; text is converted exactly, without floating point.
    fn degrees(&mut self, key: &'static str) -> i64 {
        let (cell, _) = self.cell(key);
        let parsed = match cell.clone() {
            Cell::Number(n) if n.is_finite() && n.abs() < 1000.0 => Some((n * 1e6).round() as i64),
            Cell::Text(s) => parse_micro_degrees(s.trim()),
            Cell::Empty => {
                self.report(key, "field.required");
                return 0;
            }
            _ => None,
        };
        match parsed {
            Some(v) => v,
            None => {
                self.report(key, "import.number_invalid");
                0
            }
        }
    }
}

/// `2026-01-31`, `2026/1/31`, `2026.01.31` or `2026年1月31日`.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let s = s.strip_suffix('日').unwrap_or(s);
    let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    if y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// `21.957300` → 21957300; at most 6 decimals (a tenth of a metre), at most 3 integer digits.
fn parse_micro_degrees(s: &str) -> Option<i64> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty()
        || int.len() > 3
        || frac.len() > 6
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let micro: i64 = format!("{int}{frac:0<6}").parse().ok()?;
    Some(if negative { -micro } else { micro })
}

/// Reads the entities grid and, if given, the outlets grid. Problems with the headers stop the
/// reading of that file (nothing below them can be placed); problems in cells are all collected.
pub fn read(entities: &[Vec<Cell>], outlets: Option<&[Vec<Cell>]>, words: &dyn Words) -> Parsed {
    let mut problems = Vec::new();
    let entity_layout = layout(Sheet::Entities, entities.first(), words, &mut problems);
    let outlet_layout = match outlets {
        Some(grid) => layout(Sheet::Outlets, grid.first(), words, &mut problems),
        None => Some(HashMap::new()),
    };
    let (Some(entity_layout), Some(outlet_layout)) = (entity_layout, outlet_layout) else {
        return Parsed {
            problems,
            ..Parsed::default()
        };
    };
    let data_rows = |grid: &[Vec<Cell>]| {
        grid.iter()
            .skip(1)
            .filter(|r| !r.iter().all(Cell::is_blank))
            .count()
    };
    if data_rows(entities) > MAX_ENTITY_ROWS {
        problems.push(
            problem("import.too_many_rows", Sheet::Entities, 0, None).arg("max", MAX_ENTITY_ROWS),
        );
    }
    if outlets.is_some_and(|g| data_rows(g) > MAX_OUTLET_ROWS) {
        problems.push(
            problem("import.too_many_rows", Sheet::Outlets, 0, None).arg("max", MAX_OUTLET_ROWS),
        );
    }
    if !problems.is_empty() {
        return Parsed {
            problems,
            ..Parsed::default()
        };
    }

    let mut rows = Vec::new();
    let mut by_uscc: HashMap<String, usize> = HashMap::new();
    for (i, cells) in entities.iter().enumerate().skip(1) {
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        let mut r = RowReader {
            sheet: Sheet::Entities,
            row: i + 1,
            cells,
            layout: &entity_layout,
            problems: &mut problems,
            bad: HashSet::new(),
        };
        let uscc = r.text("uscc", true).to_uppercase();
        let name = r.text("name", false);
        let county_text = r.text("county", false);
        let county_code = match words.county(&county_text) {
            Some(code) => code,
            None if county_text.is_empty() => String::new(),
            None => county_text.clone(),
        };
        // The export writes the code; "1340 制糖业" is accepted for the code in front.
        let industry_text = r.text("industry", false);
        let mut industry_code = industry_text
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        // A spreadsheet that took the code for a number dropped its leading zeros (0511 → 511).
        if (1..4).contains(&industry_code.len())
            && industry_code.bytes().all(|b| b.is_ascii_digit())
        {
            industry_code = format!("{industry_code:0>4}");
        }
        let class_text = r.text("class", false);
        let class = match words.class(&class_text) {
            Some(c) => c,
            None => {
                let code = if class_text.is_empty() {
                    "field.required"
                } else {
                    "import.class_unknown"
                };
                let p = r.fail("class", code).arg("value", &class_text);
                r.problems.push(p);
                EntityClass::General
            }
        };
        let address = r.text("address", false);
        let legal_representative = r.text("legal_representative", false);
        let lat_e6 = r.degrees("lat");
        let lon_e6 = r.degrees("lon");
        let number = r.text("permit_number", true);
        let valid_from = r.date("valid_from");
        let valid_until = r.date("valid_until");
        let permit = match (number.is_empty(), valid_from, valid_until) {
            (false, Some(valid_from), Some(valid_until)) => Some(Permit {
                number,
                valid_from,
                valid_until,
            }),
            (true, None, None) => None,
            _ => {
                // Only the cells that are empty are missing (an unreadable one is reported).
                for (key, empty) in [
                    ("permit_number", number.is_empty()),
                    ("valid_from", valid_from.is_none()),
                    ("valid_until", valid_until.is_none()),
                ] {
                    if empty && !r.bad.contains(key) {
                        r.report(key, "import.permit_incomplete");
                    }
                }
                None
            }
        };
        let demo_text = r.text("demo", false);
        let demo = !demo_text.is_empty() && words.demo(&demo_text);
        if !demo_text.is_empty() && !demo {
            let p = r
                .fail("demo", "import.demo_unknown")
                .arg("value", &demo_text);
            r.problems.push(p);
        }
        let bad = std::mem::take(&mut r.bad);
        if !uscc.is_empty() {
            by_uscc.entry(uscc.clone()).or_insert(rows.len());
        }
        rows.push(ImportRow {
            row: i + 1,
            data: EntityData {
                uscc,
                name,
                county_code,
                industry_code,
                class,
                address,
                legal_representative,
                lat_e6,
                lon_e6,
                outlets: Vec::new(),
                permit,
            },
            demo,
            outlet_rows: Vec::new(),
            bad,
        });
    }

    let mut outlet_count = 0;
    for (i, cells) in outlets.unwrap_or(&[]).iter().enumerate().skip(1) {
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        outlet_count += 1;
        let mut r = RowReader {
            sheet: Sheet::Outlets,
            row: i + 1,
            cells,
            layout: &outlet_layout,
            problems: &mut problems,
            bad: HashSet::new(),
        };
        let uscc = r.text("uscc", true).to_uppercase();
        let code = r.text("outlet_code", false);
        let kind_text = r.text("outlet_kind", false);
        let kind = words.kind(&kind_text);
        if kind.is_none() {
            // Still attached below (as water), so the decision reports the outlet's other
            // problems too; this one already refuses the file.
            let code = if kind_text.is_empty() {
                "field.required"
            } else {
                "import.kind_unknown"
            };
            let p = r.fail("outlet_kind", code).arg("value", &kind_text);
            r.problems.push(p);
        }
        let name = r.text("outlet_name", false);
        let lat_e6 = r.degrees("lat");
        let lon_e6 = r.degrees("lon");
        let owner = by_uscc.get(&uscc).copied();
        if owner.is_none() && !r.bad.contains("uscc") {
            let p = r.fail("uscc", "import.outlet_orphan").arg("uscc", &uscc);
            r.problems.push(p);
        }
        if let Some(owner) = owner {
            let kind = kind.unwrap_or(OutletKind::Water);
            let entity = &mut rows[owner];
            entity.data.outlets.push(Outlet {
                code,
                kind,
                name,
                lat_e6,
                lon_e6,
            });
            entity.outlet_rows.push(i + 1);
        }
    }
    Parsed {
        rows,
        outlet_count,
        entity_layout,
        outlet_layout,
        problems,
    }
}

/// The entities sheet's column key for a field the registration names.
fn entity_key(field: &str) -> Option<&'static str> {
    Some(match field {
        "uscc" => "uscc",
        "name" => "name",
        "county_code" => "county",
        "industry_code" => "industry",
        "class" => "class",
        "address" => "address",
        "legal_representative" => "legal_representative",
        "lat" => "lat",
        "lon" => "lon",
        "permit.number" => "permit_number",
        "permit.valid_from" => "valid_from",
        "permit.valid_until" => "valid_until",
        _ => return None,
    })
}

/// `outlets[3].lat` → (3, "lat") on the outlets sheet.
fn outlet_key(field: &str) -> Option<(usize, &'static str)> {
    let rest = field.strip_prefix("outlets[")?;
    let (index, name) = rest.split_once("].")?;
    let key = match name {
        "code" => "outlet_code",
        "name" => "outlet_name",
        "kind" => "outlet_kind",
        "lat" => "lat",
        "lon" => "lon",
        _ => return None,
    };
    Some((index.parse().ok()?, key))
}

pub struct ImportState {
    pub prefecture_code: String,
    /// The prefecture's county-level divisions (`config/divisions.csv`).
    pub counties: Vec<String>,
    pub industries: &'static dyn IndustryClasses,
    /// The file's USCCs that are already registered.
    pub taken: HashSet<String>,
}

/// Registers every row of a read file, or refuses with every problem of the file (reading and
/// deciding), each naming its sheet, row and column, sorted by place. One refused row refuses the
/// file: an import is all or nothing. `ids` gives each row its entity id, in order.
/// Importing a read file: its rows and problems, and the id each row's entity gets, in order.
#[derive(Clone, Debug)]
pub struct ImportEntities {
    pub parsed: Parsed,
    pub ids: Vec<Uuid>,
}

pub fn decide_import(
    state: &ImportState,
    actor: &Actor,
    cmd: &ImportEntities,
) -> Result<Vec<Payload>, Refusal> {
    let (parsed, ids) = (&cmd.parsed, &cmd.ids);
    // A role that registers nothing is told so once, not once per row.
    require(actor, Capability::EntityRegister)?;
    let mut problems = parsed.problems.clone();
    if parsed.rows.is_empty() && problems.is_empty() {
        problems.push(problem("import.empty", Sheet::Entities, 0, None));
    }
    let mut payloads = Vec::with_capacity(parsed.rows.len());
    let mut first_row: HashMap<&str, usize> = HashMap::new();
    for (n, row) in parsed.rows.iter().enumerate() {
        let at = |key: &'static str| {
            (
                key,
                parsed.entity_layout.get(key).copied().unwrap_or(usize::MAX),
            )
        };
        if !row.data.uscc.is_empty() {
            if let Some(first) = first_row.get(row.data.uscc.as_str()) {
                problems.push(
                    problem(
                        "import.uscc_repeated",
                        Sheet::Entities,
                        row.row,
                        Some(at("uscc")),
                    )
                    .arg("first", first),
                );
                continue;
            }
            first_row.insert(&row.data.uscc, row.row);
        }
        let register = RegisterState {
            prefecture_code: state.prefecture_code.clone(),
            counties: state.counties.clone(),
            industries: state.industries,
            uscc_taken: state.taken.contains(&row.data.uscc),
        };
        let id = ids.get(n).copied().unwrap_or_else(Uuid::nil);
        let cmd = RegisterEntity {
            id,
            data: row.data.clone(),
            demo: row.demo,
        };
        match decide_register(&register, actor, &cmd) {
            Ok(mut p) => payloads.append(&mut p),
            Err(refusal) => {
                for reason in refusal.reasons {
                    let field = reason.field.clone().unwrap_or_default();
                    let (sheet, line, key, layout) = match outlet_key(&field) {
                        Some((i, key)) => (
                            Sheet::Outlets,
                            row.outlet_rows.get(i).copied().unwrap_or(0),
                            Some(key),
                            &parsed.outlet_layout,
                        ),
                        None => (
                            Sheet::Entities,
                            row.row,
                            entity_key(&field),
                            &parsed.entity_layout,
                        ),
                    };
                    if sheet == Sheet::Entities && key.is_some_and(|k| row.bad.contains(k)) {
                        continue;
                    }
                    let mut p = Reason {
                        field: None,
                        ..reason
                    };
                    p.args.insert("sheet".into(), sheet.as_str().into());
                    p.args.insert("row".into(), line.to_string());
                    if let Some(key) = key {
                        let index = layout.get(key).copied().unwrap_or(usize::MAX);
                        p.field = Some(key.to_owned());
                        if index != usize::MAX {
                            p.args.insert("column".into(), column_letter(index));
                        }
                    }
                    problems.push(p);
                }
            }
        }
    }
    if problems.is_empty() {
        return Ok(payloads);
    }
    problems.sort_by_key(place);
    Err(Refusal::new(RefusalKind::Invalid, problems))
}

/// The Fluent id of a column's header.
pub fn column_label(sheet: Sheet, key: &str) -> Option<&'static str> {
    sheet
        .columns()
        .iter()
        .find(|c| c.key == key)
        .map(|c| c.label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::{Role, UserActor};

    struct Known;
    impl IndustryClasses for Known {
        fn knows(&self, code: &str) -> bool {
            ["1340", "0511"].contains(&code)
        }
    }

    /// English keys and a few Chinese headers, as `app` would recognise them.
    struct TestWords;
    impl Words for TestWords {
        fn column(&self, sheet: Sheet, header: &str) -> Option<&'static str> {
            let zh = [("统一社会信用代码", "uscc"), ("名称", "name")];
            sheet
                .columns()
                .iter()
                .find(|c| c.key == header)
                .map(|c| c.key)
                .or_else(|| zh.iter().find(|(h, _)| *h == header).map(|(_, k)| *k))
        }
        fn class(&self, text: &str) -> Option<EntityClass> {
            match text {
                "重点监管" => Some(EntityClass::Key),
                other => EntityClass::parse(other),
            }
        }
        fn kind(&self, text: &str) -> Option<OutletKind> {
            match text {
                "废水" | "water" => Some(OutletKind::Water),
                "废气" | "air" => Some(OutletKind::Air),
                _ => None,
            }
        }
        fn demo(&self, text: &str) -> bool {
            text == "演示数据"
        }
        fn county(&self, text: &str) -> Option<String> {
            match text {
                "勐海县" | "532822" => Some("532822".into()),
                _ => None,
            }
        }
    }

    fn uscc(n: u32) -> String {
        let first = format!("91532822XBDM{n:05}");
        format!("{first}{}", crate::uscc::check_character(&first).unwrap())
    }

    fn t(s: &str) -> Cell {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.into())
        }
    }

    fn header() -> Vec<Cell> {
        let mut h: Vec<Cell> = ENTITY_COLUMNS.iter().map(|c| t(c.key)).collect();
        h[0] = t("统一社会信用代码");
        h[1] = t("名称");
        h
    }

    fn entity(n: u32) -> Vec<Cell> {
        [
            uscc(n).as_str(),
            "勐海某糖厂",
            "勐海县",
            "1340 制糖业",
            "重点监管",
            "勐海县勐遮镇",
            "岩某",
            "21.9573",
            "100.4528",
            "91532822XBDM0000X001V",
            "2024-01-01",
            "2028/12/31",
            "",
        ]
        .into_iter()
        .map(t)
        .collect()
    }

    fn outlet_header() -> Vec<Cell> {
        OUTLET_COLUMNS.iter().map(|c| t(c.key)).collect()
    }

    fn outlet(n: u32, code: &str) -> Vec<Cell> {
        [
            uscc(n).as_str(),
            code,
            "废水",
            "总排口",
            "21.9570",
            "100.4520",
        ]
        .into_iter()
        .map(t)
        .collect()
    }

    fn officer() -> Actor {
        Actor::User(UserActor {
            id: Uuid::nil(),
            username: "menghai.officer".into(),
            roles: vec![Role::BrigadeOfficer],
            unit_id: None,
            counties: Some(vec!["532822".into()]),
            certificate: None,
        })
    }

    fn decide(parsed: &Parsed, taken: &[String]) -> Result<Vec<Payload>, Refusal> {
        let taken: HashSet<String> = taken.iter().cloned().collect();
        let state = ImportState {
            prefecture_code: "532800".into(),
            counties: vec!["532801".into(), "532822".into(), "532823".into()],
            industries: &Known,
            taken,
        };
        let ids: Vec<Uuid> = parsed.rows.iter().map(|_| Uuid::now_v7()).collect();
        let cmd = ImportEntities {
            parsed: parsed.clone(),
            ids,
        };
        decide_import(&state, &officer(), &cmd)
    }

    fn places(r: &Refusal) -> Vec<(String, String, String, &'static str)> {
        r.reasons
            .iter()
            .map(|r| {
                let a = |k: &str| r.args.get(k).cloned().unwrap_or_default();
                (a("sheet"), a("row"), a("column"), r.code)
            })
            .collect()
    }

    #[test]
    fn a_good_file_registers_every_row_with_its_outlets() {
        let grid = vec![header(), entity(1), vec![Cell::Empty; 13], entity(2)];
        let outlets = vec![outlet_header(), outlet(2, "DW001"), outlet(2, "DW002")];
        let parsed = read(&grid, Some(&outlets), &TestWords);
        assert!(parsed.problems().is_empty(), "{:?}", parsed.problems());
        assert_eq!(parsed.rows.len(), 2, "the blank row is skipped");
        let events = decide(&parsed, &[]).unwrap();
        assert_eq!(events.len(), 2);
        let Payload::EntityRegistered(second) = &events[1] else {
            panic!()
        };
        assert_eq!(second.data.county_code, "532822");
        assert_eq!(second.data.industry_code, "1340");
        assert_eq!(second.data.class, EntityClass::Key);
        assert_eq!(second.data.lat_e6, 21_957_300);
        assert_eq!(second.data.outlets.len(), 2);
        assert_eq!(
            second.data.permit.as_ref().unwrap().valid_until,
            NaiveDate::from_ymd_opt(2028, 12, 31).unwrap()
        );
    }

    #[test]
    fn every_problem_is_named_by_sheet_row_and_column() {
        let mut bad = entity(2);
        bad[7] = t("north"); // lat: not a number
        bad[3] = t("9999"); // unknown industry
        bad[10] = t(""); // permit without its start
        bad[4] = t("很重要"); // class
        let mut bad_outlet = outlet(2, "DW001");
        bad_outlet[2] = t("光污染");
        let grid = vec![header(), entity(1), bad, entity(1)];
        let outlets = vec![outlet_header(), bad_outlet, outlet(9, "DW001")];
        let parsed = read(&grid, Some(&outlets), &TestWords);
        let r = decide(&parsed, &[]).unwrap_err();
        assert_eq!(r.kind, RefusalKind::Invalid);
        let s = |a: &str, b: &str, c: &str, d| (a.to_owned(), b.to_owned(), c.to_owned(), d);
        assert_eq!(
            places(&r),
            [
                s("entities", "3", "D", "industry_code.unknown"),
                s("entities", "3", "E", "import.class_unknown"),
                s("entities", "3", "H", "import.number_invalid"),
                s("entities", "3", "K", "import.permit_incomplete"),
                s("entities", "4", "A", "import.uscc_repeated"),
                s("outlets", "2", "C", "import.kind_unknown"),
                s("outlets", "3", "A", "import.outlet_orphan"),
            ]
        );
        assert_eq!(r.reasons[4].args["first"], "2");
        assert_eq!(r.reasons[0].field.as_deref(), Some("industry"));
    }

    #[test]
    fn taken_usccs_and_scope_are_problems_of_their_row() {
        let mut elsewhere = entity(3);
        elsewhere[2] = t("532801");
        let grid = vec![header(), entity(1), elsewhere];
        let parsed = read(&grid, None, &TestWords);
        let r = decide(&parsed, &[uscc(1)]).unwrap_err();
        let codes: Vec<_> = places(&r).into_iter().map(|p| (p.1, p.3)).collect();
        assert_eq!(
            codes,
            [
                ("2".to_owned(), "uscc.taken"),
                ("3".to_owned(), "county_code.out_of_scope")
            ]
        );
    }

    #[test]
    fn headers_unknown_repeated_or_missing_stop_the_reading() {
        let mut h = header();
        h[5] = t("地址栏");
        h[6] = t("name");
        let parsed = read(&[h, entity(1)], None, &TestWords);
        assert!(parsed.rows.is_empty());
        let codes: Vec<_> = parsed.problems().iter().map(|p| p.code).collect();
        assert_eq!(
            codes,
            [
                "import.column_unknown",
                "import.column_repeated",
                "import.column_missing"
            ]
        );
        assert_eq!(parsed.problems()[0].args["column"], "F");
        assert_eq!(parsed.problems()[2].args["key"], "address");
        // Nothing at all is a problem too, not an empty success.
        let empty = read(&[header()], None, &TestWords);
        assert_eq!(
            decide(&empty, &[]).unwrap_err().reasons[0].code,
            "import.empty"
        );
    }

    #[test]
    fn cells_as_spreadsheets_type_them() {
        let mut row = entity(1);
        row[0] = Cell::Number(9.153_282_2e17); // a USCC Excel turned into a number
        row[3] = Cell::Number(511.0); // 0511 lost its zero
        row[7] = Cell::Number(21.957_3);
        row[10] = Cell::Date(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
        row[6] = t("'=1+1"); // the export neutralised a formula
        row[9] = Cell::Number(20_260_001.0); // a short permit number, exact as a number
        let parsed = read(&[header(), row], None, &TestWords);
        let codes: Vec<_> = parsed.problems().iter().map(|p| p.code).collect();
        assert_eq!(codes, ["import.number_not_text"]);
        let d = &parsed.rows[0].data;
        assert_eq!((d.industry_code.as_str(), d.lat_e6), ("0511", 21_957_300));
        assert_eq!(d.legal_representative, "=1+1");
        assert_eq!(d.permit.as_ref().unwrap().number, "20260001");
        let r = decide(&parsed, &[]).unwrap_err();
        assert_eq!(r.reasons.len(), 1, "the empty USCC is not reported twice");
    }

    #[test]
    fn values_read_exactly() {
        assert_eq!(parse_micro_degrees("21.9573"), Some(21_957_300));
        assert_eq!(parse_micro_degrees("-0.000001"), Some(-1));
        assert_eq!(parse_micro_degrees("100"), Some(100_000_000));
        assert_eq!(parse_micro_degrees("1.0000001"), None);
        assert_eq!(parse_micro_degrees("1e3"), None);
        assert_eq!(parse_micro_degrees(""), None);
        assert_eq!(
            parse_date("2026年1月31日"),
            NaiveDate::from_ymd_opt(2026, 1, 31)
        );
        assert_eq!(parse_date("2026.02.30"), None);
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn every_problem_is_listed_however_many() {
        let mut grid = vec![header()];
        for n in 0..600 {
            let mut row = entity(n);
            row[3] = t("9999");
            row[4] = t("x");
            grid.push(row);
        }
        let r = decide(&read(&grid, None, &TestWords), &[]).unwrap_err();
        assert_eq!(r.reasons.len(), 1_200);
        assert_eq!(r.reasons[1_199].args["row"], "601");
    }
}
