//! Entity import: reads an XLSX workbook or CSV files into the grids `domain::entity_import`
//! reads, recognises headers and words in both languages, and previews or commits the import
//! through the one write path.

use crate::i18n::{Lang, message};
use crate::industry::EmbeddedClasses;
use crate::{App, AppError};
use domain::entity::{EntityClass, OutletKind};
use domain::entity_import::{
    Cell, ENTITY_COLUMNS, ImportEntities, ImportState, OUTLET_COLUMNS, Parsed, Sheet, Words,
    decide_import,
};
use domain::event::Payload;
use domain::permission::{Capability, require};
use domain::{Actor, Reason, Refusal, RefusalKind};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;
use uuid::Uuid;

/// An import file's size limit: a 50,000-row workbook is about 5 MiB.
pub const MAX_FILE_BYTES: usize = 32 << 20;
/// What a workbook may unpack to (its parts together, counted as they are unpacked): a
/// 50,000-row workbook unpacks to about 40 MiB, and a "zip bomb" is refused before calamine
/// reads it, whatever sizes its entries declare.
pub const MAX_UNPACKED_BYTES: u64 = 256 << 20;

/// A whole-file problem (its format, its encoding), placed on the sheet it concerns.
fn file_problem(code: &'static str, sheet: Sheet) -> Reason {
    Reason::new(code).arg("sheet", sheet.as_str()).arg("row", 0)
}

fn refuse(reason: Reason) -> Refusal {
    Refusal::one(RefusalKind::Invalid, reason)
}

/// Text for comparing a header or a word: trimmed, lower case, single spaces, ASCII brackets.
fn normalise(s: &str) -> String {
    let s: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '\u{3000}' => ' ',
            c => c,
        })
        .collect();
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Header texts, class and kind words and county names of both languages, from the Fluent
/// files and the division table, and the API keys themselves.
pub struct FileWords {
    columns: HashMap<(Sheet, String), &'static str>,
    classes: HashMap<String, EntityClass>,
    kinds: HashMap<String, OutletKind>,
    demo: HashSet<String>,
    counties: HashMap<String, String>,
}

impl FileWords {
    pub fn get() -> &'static FileWords {
        static WORDS: OnceLock<FileWords> = OnceLock::new();
        WORDS.get_or_init(|| {
            let texts = |id: &str| -> Vec<String> {
                Lang::ALL
                    .iter()
                    .map(|l| normalise(&message(*l, id, &BTreeMap::new())))
                    .collect()
            };
            let mut columns = HashMap::new();
            for (sheet, cols) in [
                (Sheet::Entities, &ENTITY_COLUMNS[..]),
                (Sheet::Outlets, &OUTLET_COLUMNS[..]),
            ] {
                for c in cols {
                    for t in texts(c.label).into_iter().chain([c.key.to_owned()]) {
                        columns.insert((sheet, t), c.key);
                    }
                }
            }
            let mut classes = HashMap::new();
            for (class, id) in [
                (EntityClass::Key, "ui-class_key"),
                (EntityClass::General, "ui-class_general"),
            ] {
                for t in texts(id).into_iter().chain([class.as_str().to_owned()]) {
                    classes.insert(t, class);
                }
            }
            let mut kinds = HashMap::new();
            for (kind, key, id) in [
                (OutletKind::Water, "water", "ui-kind_water"),
                (OutletKind::Air, "air", "ui-kind_air"),
                (OutletKind::Noise, "noise", "ui-kind_noise"),
                (OutletKind::Solid, "solid", "ui-kind_solid"),
            ] {
                for t in texts(id).into_iter().chain([key.to_owned()]) {
                    kinds.insert(t, kind);
                }
            }
            let demo = texts("ui-demo")
                .into_iter()
                .chain(["demo".into()])
                .collect();
            let mut counties = HashMap::new();
            for (code, (zh, en)) in crate::divisions::divisions() {
                for t in [code, zh, en] {
                    counties.insert(normalise(t), code.clone());
                }
            }
            FileWords {
                columns,
                classes,
                kinds,
                demo,
                counties,
            }
        })
    }
}

impl Words for FileWords {
    fn column(&self, sheet: Sheet, header: &str) -> Option<&'static str> {
        self.columns.get(&(sheet, normalise(header))).copied()
    }
    fn class(&self, text: &str) -> Option<EntityClass> {
        self.classes.get(&normalise(text)).copied()
    }
    fn kind(&self, text: &str) -> Option<OutletKind> {
        self.kinds.get(&normalise(text)).copied()
    }
    fn demo(&self, text: &str) -> bool {
        self.demo.contains(&normalise(text))
    }
    fn county(&self, text: &str) -> Option<String> {
        self.counties.get(&normalise(text)).cloned()
    }
}

/// CSV text: strict UTF-8 (with or without a byte-order mark) first, else GB18030 (what Excel
/// on a Chinese Windows saves as "CSV").
pub fn decode_text(bytes: &[u8], sheet: Sheet) -> Result<String, Refusal> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8(rest.to_vec())
            .map_err(|_| refuse(file_problem("import.encoding", sheet)));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(refuse(file_problem("import.encoding_utf16", sheet)));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_owned());
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| s.into_owned())
        .ok_or_else(|| refuse(file_problem("import.encoding", sheet)))
}

fn csv_grid(bytes: &[u8], sheet: Sheet) -> Result<Vec<Vec<Cell>>, Refusal> {
    let text = decode_text(bytes, sheet)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            refuse(
                file_problem("import.csv_invalid", sheet)
                    .arg("row", line)
                    .arg("detail", e.to_string()),
            )
        })?;
        grid.push(
            record
                .iter()
                .map(|c| {
                    if c.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(c.to_owned())
                    }
                })
                .collect(),
        );
    }
    Ok(grid)
}

fn is_workbook(bytes: &[u8]) -> bool {
    // A ZIP (XLSX, ODS) or an OLE compound file (XLS).
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
}

fn cell(d: &calamine::Data) -> Cell {
    use calamine::Data;
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            match chrono::NaiveDate::from_ymd_opt(y.into(), m.into(), d.into()) {
                Some(date) => Cell::Date(date),
                None => Cell::Number(dt.as_f64()),
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => match s.get(..10).map(str::parse) {
            Some(Ok(date)) => Cell::Date(date),
            _ => Cell::Text(s.clone()),
        },
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// A sheet as rows of cells from A1, whatever its used range's first cell.
fn sheet_grid(range: &calamine::Range<calamine::Data>) -> Vec<Vec<Cell>> {
    let Some((top, left)) = range.start() else {
        return Vec::new();
    };
    let mut grid: Vec<Vec<Cell>> = (0..top).map(|_| Vec::new()).collect();
    for row in range.rows() {
        let mut cells = vec![Cell::Empty; left as usize];
        cells.extend(row.iter().map(cell));
        grid.push(cells);
    }
    grid
}

fn has_data(grid: &[Vec<Cell>]) -> bool {
    grid.iter().flatten().any(|c| match c {
        Cell::Empty => false,
        Cell::Text(s) => !s.trim().is_empty(),
        _ => true,
    })
}

/// Refuses a zipped workbook that unpacks to more than `max` bytes, counted as they are
/// unpacked. The sizes its entries declare are only a first, cheap check: a zip may state any
/// size, and the reader (zip's inflater, then calamine) believes it. Each entry is inflated into
/// nothing, at most what is left of `max` and one byte, before calamine opens the workbook.
fn check_unpacked_size(bytes: &[u8], sheet: Sheet, max: u64) -> Result<(), Refusal> {
    let invalid = |detail: String| {
        refuse(file_problem("import.workbook_invalid", sheet).arg("detail", detail))
    };
    let too_large =
        || refuse(file_problem("import.workbook_too_large", sheet).arg("max", max >> 20));
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| invalid(e.to_string()))?;
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let size = archive
            .by_index_raw(i)
            .map_err(|e| invalid(e.to_string()))?
            .size();
        declared = declared.saturating_add(size);
    }
    if declared > max {
        return Err(too_large());
    }
    let mut unpacked: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|e| invalid(e.to_string()))?;
        let left = max - unpacked;
        let read = std::io::copy(
            &mut std::io::Read::take(entry, left + 1),
            &mut std::io::sink(),
        )
        .map_err(|e| invalid(e.to_string()))?;
        if read > left {
            return Err(too_large());
        }
        unpacked += read;
    }
    Ok(())
}

/// A workbook's sheets (first: entities; second, if any: outlets).
fn workbook_grids(bytes: &[u8], sheet: Sheet) -> Result<Vec<Vec<Vec<Cell>>>, Refusal> {
    use calamine::Reader as _;
    let unreadable = |e: calamine::Error| {
        refuse(file_problem("import.workbook_invalid", sheet).arg("detail", e.to_string()))
    };
    if bytes.starts_with(b"PK") {
        check_unpacked_size(bytes, sheet, MAX_UNPACKED_BYTES)?;
    }
    let mut book =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let mut grids = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).map_err(unreadable)?;
        grids.push(sheet_grid(&range));
    }
    Ok(grids)
}

/// Reads an import: the entities file (XLSX with an optional outlets sheet, or CSV) and an
/// optional outlets file (CSV, or the first sheet of a workbook).
pub fn read_files(entities: &[u8], outlets: Option<&[u8]>) -> Result<Parsed, Refusal> {
    let words = FileWords::get();
    let (main, mut second) = if is_workbook(entities) {
        let mut sheets = workbook_grids(entities, Sheet::Entities)?.into_iter();
        let main = sheets.next().unwrap_or_default();
        let second = sheets.next().filter(|g| has_data(g));
        if sheets.any(|g| has_data(&g)) {
            return Err(refuse(file_problem("import.sheet_extra", Sheet::Entities)));
        }
        (main, second)
    } else {
        (csv_grid(entities, Sheet::Entities)?, None)
    };
    if let Some(bytes) = outlets.filter(|b| !b.is_empty()) {
        if second.is_some() {
            return Err(refuse(file_problem("import.outlets_twice", Sheet::Outlets)));
        }
        second = Some(if is_workbook(bytes) {
            workbook_grids(bytes, Sheet::Outlets)?
                .into_iter()
                .next()
                .unwrap_or_default()
        } else {
            csv_grid(bytes, Sheet::Outlets)?
        });
    }
    Ok(domain::entity_import::read(&main, second.as_deref(), words))
}

/// What an import would do, or every problem that stops it.
#[derive(Clone, Debug)]
pub struct ImportPreview {
    pub entities: usize,
    pub outlets: usize,
    pub permits: usize,
    pub problems: Vec<Reason>,
}

/// The file's well-formed USCCs: only these can be registered already, and a cell's stray NUL
/// must never reach a query (PostgreSQL refuses it: the import would answer 503, not 422).
fn valid_usccs(parsed: &Parsed) -> Vec<String> {
    parsed
        .rows
        .iter()
        .map(|r| r.data.uscc.clone())
        .filter(|u| domain::uscc::validate(u).is_ok())
        .collect()
}

impl App {
    /// Decides the import against the register as it is now, writing nothing.
    pub async fn preview_import(
        &self,
        actor: &Actor,
        parsed: &Parsed,
    ) -> Result<ImportPreview, AppError> {
        require(actor, Capability::EntityRegister)?;
        let usccs = valid_usccs(parsed);
        let taken = self.store.registered_usccs(&usccs).await?;
        let state = ImportState {
            prefecture_code: self.settings.prefecture_code.clone(),
            counties: self.counties(),
            industries: &EmbeddedClasses,
            taken,
        };
        let cmd = ImportEntities {
            parsed: parsed.clone(),
            ids: vec![Uuid::nil(); parsed.rows.len()],
        };
        let problems = match decide_import(&state, actor, &cmd) {
            Ok(_) => Vec::new(),
            Err(r) if r.kind == RefusalKind::Invalid => r.reasons,
            Err(r) => return Err(r.into()),
        };
        Ok(ImportPreview {
            entities: parsed.rows.len(),
            outlets: parsed.outlet_count,
            permits: parsed.permits(),
            problems,
        })
    }

    /// Registers every row in one transaction, or nothing (422 with every problem).
    pub async fn import_entities(
        &self,
        actor: &Actor,
        parsed: Parsed,
    ) -> Result<Vec<Uuid>, AppError> {
        let ids: Vec<Uuid> = parsed.rows.iter().map(|_| Uuid::now_v7()).collect();
        let prefecture_code = self.settings.prefecture_code.clone();
        let counties = self.counties();
        let cmd = ImportEntities {
            parsed,
            ids: ids.clone(),
        };
        let committed = self
            .command(
                actor,
                cmd,
                |r, cmd, _| {
                    Box::pin(async move {
                        let usccs = valid_usccs(&cmd.parsed);
                        Ok(ImportState {
                            prefecture_code,
                            counties,
                            industries: &EmbeddedClasses,
                            taken: r.registered_usccs(&usccs).await?,
                        })
                    })
                },
                decide_import,
            )
            .await?;
        let registered = committed
            .iter()
            .filter(|c| matches!(c.event.payload, Payload::EntityRegistered(_)))
            .count();
        if registered != ids.len() {
            return Err(AppError::Internal(format!(
                "an import of {} rows wrote {registered} registrations",
                ids.len()
            )));
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_encodings() {
        let text = "名称,地址\r\n某厂,勐海县\r\n";
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        assert_eq!(decode_text(&bom, Sheet::Entities).unwrap(), text);
        assert_eq!(decode_text(text.as_bytes(), Sheet::Entities).unwrap(), text);
        let (gb, _, _) = encoding_rs::GB18030.encode(text);
        assert!(std::str::from_utf8(&gb).is_err());
        assert_eq!(decode_text(&gb, Sheet::Entities).unwrap(), text);
        // A BOM promises UTF-8: what follows must be UTF-8, not silently GB18030.
        let lying = [b"\xEF\xBB\xBF".as_slice(), &gb].concat();
        assert_eq!(
            decode_text(&lying, Sheet::Entities).unwrap_err().reasons[0].code,
            "import.encoding"
        );
        // Bytes that are neither.
        assert!(decode_text(b"\x80\xFF\xFF", Sheet::Entities).is_err());
        assert_eq!(
            decode_text(b"\xFF\xFEa\x00", Sheet::Outlets)
                .unwrap_err()
                .reasons[0]
                .code,
            "import.encoding_utf16"
        );
    }

    /// `docs/import.md` names every column with its key and both headers, on the right sheet.
    #[test]
    fn docs_import_md_names_every_column() {
        let doc = include_str!("../../../docs/import.md");
        let (entities, outlets) = doc
            .split_once("## Outlets sheet")
            .expect("an outlets section");
        for (sheet, text) in [(Sheet::Entities, entities), (Sheet::Outlets, outlets)] {
            let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| `")).collect();
            assert_eq!(rows.len(), sheet.columns().len(), "{sheet:?}");
            for (c, row) in sheet.columns().iter().zip(&rows) {
                let zh = message(Lang::ZhCn, c.label, &BTreeMap::new());
                let en = message(Lang::En, c.label, &BTreeMap::new());
                let required = if c.required { "| yes |" } else { "| no |" };
                let expected = format!("| `{}` | {zh} | {en} ", c.key);
                assert!(row.starts_with(&expected), "{row}\nexpected: {expected}");
                assert!(row.contains(required), "{row}: required = {}", c.required);
            }
        }
    }

    #[test]
    fn headers_and_words_in_both_languages() {
        let w = FileWords::get();
        assert_eq!(w.column(Sheet::Entities, "统一社会信用代码"), Some("uscc"));
        assert_eq!(
            w.column(Sheet::Entities, " Unified  SOCIAL credit code "),
            Some("uscc")
        );
        assert_eq!(w.column(Sheet::Entities, "县(市)"), Some("county"));
        assert_eq!(w.column(Sheet::Outlets, "排放口编号"), Some("outlet_code"));
        assert_eq!(w.column(Sheet::Entities, "排放口编号"), None);
        assert_eq!(w.class("重点监管"), Some(EntityClass::Key));
        assert_eq!(w.class("General"), Some(EntityClass::General));
        assert_eq!(w.kind("废气"), Some(OutletKind::Air));
        assert_eq!(w.county("勐海县").as_deref(), Some("532822"));
        assert_eq!(w.county("menghai").as_deref(), Some("532822"));
        assert!(w.demo("演示数据") && w.demo("Demo data") && !w.demo("x"));
    }

    #[test]
    fn a_workbook_that_unpacks_too_large_is_refused_unopened() {
        use std::io::Write;
        let mut zipped = Vec::new();
        {
            let mut w = zip::ZipWriter::new(std::io::Cursor::new(&mut zipped));
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file("xl/worksheets/sheet1.xml", options).unwrap();
            w.write_all(&vec![b' '; 3 << 20]).unwrap();
            w.finish().unwrap();
        }
        assert!(
            zipped.len() < 64 << 10,
            "compressed: {} bytes",
            zipped.len()
        );
        let r = check_unpacked_size(&zipped, Sheet::Entities, 2 << 20).unwrap_err();
        assert_eq!(r.reasons[0].code, "import.workbook_too_large");
        assert_eq!(r.reasons[0].args["max"], "2");
        assert!(check_unpacked_size(&zipped, Sheet::Entities, 4 << 20).is_ok());
    }

    #[test]
    fn a_workbook_starting_below_a1_keeps_its_places() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(2, 1, "x").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let grids = workbook_grids(&bytes, Sheet::Entities).unwrap();
        assert_eq!(grids[0].len(), 3);
        assert_eq!(grids[0][2], vec![Cell::Empty, Cell::Text("x".into())]);
    }
}
