//! Enforcement documents (执法文书) as PDF. Each kind is a typst template in `templates/`, laid
//! out as a Chinese official document (GB/T 9704-2012: A4, its margins, the title, the 文号 line,
//! page numbers "— 1 —"), with the kind's fixed wording; the caller fills it with JSON data, which
//! the template reads as `json("/data.json")`.
//!
//! An issued document's data has `verify: {url, code}`: the template prints the QR of `url` and,
//! under it, the address itself, on the last page.
//!
//! Fonts: those of the configured directories (an agency that licenses 仿宋_GB2312 and 方正小标宋
//! puts them there), then the system's Noto CJK (`fonts/README.md`). A character no font has is
//! never a silent box: [`Rendered::missing`] lists it, and the caller warns.

mod fonts;
mod world;

pub use fonts::FontSet;
use std::collections::BTreeSet;
use std::path::PathBuf;
use typst::foundations::Bytes;
use typst_layout::PagedDocument;

/// Every kind of document, with its template.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "registration_approval",
        include_str!("../templates/registration_approval.typ"),
    ),
    (
        "inspection_record",
        include_str!("../templates/inspection_record.typ"),
    ),
    (
        "questioning_record",
        include_str!("../templates/questioning_record.typ"),
    ),
    (
        "sampling_record",
        include_str!("../templates/sampling_record.typ"),
    ),
    (
        "preservation_notice",
        include_str!("../templates/preservation_notice.typ"),
    ),
    (
        "investigation_report",
        include_str!("../templates/investigation_report.typ"),
    ),
    (
        "review_opinion",
        include_str!("../templates/review_opinion.typ"),
    ),
    (
        "recusal_decision",
        include_str!("../templates/recusal_decision.typ"),
    ),
    // One template for both forms of the notice (it reads `kind`).
    (
        "advance_notice",
        include_str!("../templates/advance_notice.typ"),
    ),
    (
        "advance_notice_hearing",
        include_str!("../templates/advance_notice.typ"),
    ),
    (
        "statement_record",
        include_str!("../templates/statement_record.typ"),
    ),
    (
        "hearing_notice",
        include_str!("../templates/hearing_notice.typ"),
    ),
    (
        "hearing_record",
        include_str!("../templates/hearing_record.typ"),
    ),
    (
        "legal_review_opinion",
        include_str!("../templates/legal_review_opinion.typ"),
    ),
    (
        "deliberation_record",
        include_str!("../templates/deliberation_record.typ"),
    ),
    (
        "extension_approval",
        include_str!("../templates/extension_approval.typ"),
    ),
    (
        "penalty_decision",
        include_str!("../templates/penalty_decision.typ"),
    ),
    (
        "no_penalty_decision",
        include_str!("../templates/no_penalty_decision.typ"),
    ),
    (
        "service_receipt",
        include_str!("../templates/service_receipt.typ"),
    ),
];

/// A volume of the case file: not a document kind (it is no 文书 of its own, it binds them).
const VOLUME: &str = include_str!("../templates/volume.typ");

/// Renders after which an unused memoised result is dropped.
const MEMO_AGE: usize = 16;

/// What every template imports: the page, the fonts, the title block, the signature lines.
const COMMON: &str = include_str!("../templates/common.typ");

/// A document that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("no document template of kind {0}")]
    UnknownKind(String),
    #[error("the {kind} template failed: {message}")]
    Template { kind: String, message: String },
    #[error("writing the PDF of {kind} failed: {message}")]
    Pdf { kind: String, message: String },
    #[error("reading font directory {dir}: {message}")]
    FontDir { dir: PathBuf, message: String },
}

/// A rendered document.
#[derive(Debug)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub pages: usize,
    /// Characters of the data that no available font has (drawn as boxes: the caller warns).
    pub missing: Vec<char>,
    /// The typesetter's warnings.
    pub warnings: Vec<String>,
}

/// Renders documents; built once (fonts are read then) and shared.
pub struct Engine {
    fonts: FontSet,
    library: typst::utils::LazyHash<typst::Library>,
}

impl Engine {
    /// The fonts of `font_dirs`, then the system's Noto CJK (`fonts/README.md`).
    pub fn new(font_dirs: &[PathBuf]) -> Result<Engine, DocumentError> {
        use typst::LibraryExt as _;
        Ok(Engine {
            fonts: FontSet::load(font_dirs)?,
            library: typst::utils::LazyHash::new(typst::Library::default()),
        })
    }

    /// The kinds of document there are templates for.
    pub fn kinds() -> impl Iterator<Item = &'static str> {
        TEMPLATES.iter().map(|(k, _)| *k)
    }

    pub fn fonts(&self) -> &FontSet {
        &self.fonts
    }

    /// Renders a document of `kind` with `data` (the template's `json("/data.json")`).
    pub fn render(&self, kind: &str, data: &serde_json::Value) -> Result<Rendered, DocumentError> {
        let template = TEMPLATES
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, t)| *t)
            .ok_or_else(|| DocumentError::UnknownKind(kind.to_owned()))?;
        self.compile(kind, template, data, Vec::new())
    }

    /// Renders a volume of the case file (`templates/volume.typ`): `data` names its entries, a
    /// document entry's `file` being `/files/<i>.pdf` for `files[i]` (the issued PDFs, bound page
    /// for page; [`pdf_pages`] counts them).
    pub fn render_volume(
        &self,
        data: &serde_json::Value,
        files: Vec<Vec<u8>>,
    ) -> Result<Rendered, DocumentError> {
        self.compile(
            "volume",
            VOLUME,
            data,
            files.into_iter().map(Bytes::new).collect(),
        )
    }

    fn compile(
        &self,
        kind: &str,
        template: &str,
        data: &serde_json::Value,
        files: Vec<Bytes>,
    ) -> Result<Rendered, DocumentError> {
        let qr = data
            .pointer("/verify/url")
            .and_then(serde_json::Value::as_str)
            .map(qr_svg)
            .transpose()
            .map_err(|message| DocumentError::Template {
                kind: kind.to_owned(),
                message,
            })?;
        let world = world::DocumentWorld::new(
            &self.library,
            &self.fonts,
            template,
            COMMON,
            Bytes::new(data.to_string().into_bytes()),
            qr.map(|q| Bytes::new(q.into_bytes())),
            files,
        );
        let warned = typst::compile::<PagedDocument>(&world);
        // The typesetter memoises across renders; in a server that never stops, what has not been
        // used for a while goes (each render ages every entry by one).
        typst::comemo::evict(MEMO_AGE);
        let warnings: Vec<String> = warned
            .warnings
            .iter()
            .map(|w| w.message.to_string())
            .collect();
        let document = warned.output.map_err(|errors| DocumentError::Template {
            kind: kind.to_owned(),
            message: messages(&errors),
        })?;
        let pdf =
            typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|errors| {
                DocumentError::Pdf {
                    kind: kind.to_owned(),
                    message: messages(&errors),
                }
            })?;
        let mut missing = BTreeSet::new();
        texts(data, &mut |s| {
            missing.extend(
                s.chars()
                    .filter(|c| !c.is_whitespace() && !self.fonts.covers(*c)),
            )
        });
        Ok(Rendered {
            pdf,
            pages: document.pages().len(),
            missing: missing.into_iter().collect(),
            warnings,
        })
    }
}

/// The number of pages of a PDF (`None`: not a PDF this reader can open).
pub fn pdf_pages(pdf: &[u8]) -> Option<usize> {
    hayro_syntax::Pdf::new(pdf.to_vec())
        .ok()
        .map(|p| p.pages().len())
}

/// The QR code of `text` as SVG (error correction M: a crumpled printout still scans).
fn qr_svg(text: &str) -> Result<String, String> {
    qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map(|c| {
            c.render::<qrcode::render::svg::Color<'_>>()
                .quiet_zone(true)
                .build()
        })
        .map_err(|e| format!("the check address cannot be a QR code: {e}"))
}

/// The typesetter's diagnostics, as one line.
fn messages(errors: &[typst::diag::SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| e.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Every string in a JSON value.
fn texts(v: &serde_json::Value, f: &mut impl FnMut(&str)) {
    match v {
        serde_json::Value::String(s) => f(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| texts(x, f)),
        serde_json::Value::Object(o) => o.values().for_each(|x| texts(x, f)),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
