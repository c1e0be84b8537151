//! The fonts documents are set in: those found in the configured directories, then the embedded
//! Noto Serif CJK SC subset (regular and bold), so that a fresh machine renders every document.

use crate::DocumentError;
use std::path::{Path, PathBuf};
use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

/// The embedded faces (SIL OFL 1.1; `fonts/README.md` says how they were cut).
const EMBEDDED: [&[u8]; 2] = [
    include_bytes!("../fonts/NotoSerifSC-Regular-subset.otf"),
    include_bytes!("../fonts/NotoSerifSC-Bold-subset.otf"),
];

/// The family of the embedded faces, the last in every template's font list.
#[cfg(test)]
pub const EMBEDDED_FAMILY: &str = "Noto Serif CJK SC";

/// Font directories are read this deep (a font package's tree, not a whole disk).
const MAX_DEPTH: usize = 4;

pub struct FontSet {
    fonts: Vec<Font>,
    book: LazyHash<FontBook>,
}

impl FontSet {
    /// The faces of `dirs` (TrueType, OpenType and their collections), then the embedded ones.
    pub fn load(dirs: &[PathBuf]) -> Result<FontSet, DocumentError> {
        let mut fonts = Vec::new();
        for dir in dirs {
            let mut files = Vec::new();
            collect(dir, 0, &mut files).map_err(|e| DocumentError::FontDir {
                dir: dir.clone(),
                message: e.to_string(),
            })?;
            files.sort();
            for file in files {
                let bytes = std::fs::read(&file).map_err(|e| DocumentError::FontDir {
                    dir: file.clone(),
                    message: e.to_string(),
                })?;
                fonts.extend(Font::iter(Bytes::new(bytes)));
            }
        }
        for data in EMBEDDED {
            fonts.extend(Font::iter(Bytes::new(data)));
        }
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Ok(FontSet { fonts, book })
    }

    pub fn book(&self) -> &LazyHash<FontBook> {
        &self.book
    }

    pub fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }

    /// The families there are, each once, in the order found.
    pub fn families(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for f in &self.fonts {
            if !out.contains(&f.info().family) {
                out.push(f.info().family.clone());
            }
        }
        out
    }

    /// Whether some face has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.fonts
            .iter()
            .any(|f| f.info().coverage.contains(u32::from(c)))
    }
}

fn collect(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if depth < MAX_DEPTH {
                collect(&path, depth + 1, out)?;
            }
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            matches!(
                e.to_ascii_lowercase().as_str(),
                "ttf" | "otf" | "ttc" | "otc"
            )
        }) {
            out.push(path);
        }
    }
    Ok(())
}
