//! The typesetter's view of one render: the template as `/main.typ`, the shared layout as
//! `/common.typ`, the data as `/data.json`, the QR of its check address as `/qr.svg`, our fonts — and nothing else (no file system, no
//! packages, no clock: every date a document shows comes in its data).

use crate::fonts::FontSet;
use std::sync::LazyLock;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

fn file_id(path: &str) -> FileId {
    // The paths are constants of this module: valid virtual paths.
    let vpath = VirtualPath::new(path).expect("a constant virtual path");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// Interned once: the typesetter keeps at most 2^16 file ids for the life of the process.
static MAIN: LazyLock<FileId> = LazyLock::new(|| file_id("/main.typ"));
static COMMON: LazyLock<FileId> = LazyLock::new(|| file_id("/common.typ"));
static DATA: LazyLock<FileId> = LazyLock::new(|| file_id("/data.json"));
static QR: LazyLock<FileId> = LazyLock::new(|| file_id("/qr.svg"));

/// The index of a bound PDF's path, `/files/<i>.pdf`.
fn bound_file(id: FileId) -> Option<usize> {
    id.get()
        .vpath()
        .get_without_slash()
        .strip_prefix("files/")?
        .strip_suffix(".pdf")?
        .parse()
        .ok()
}

pub struct DocumentWorld<'a> {
    library: &'a LazyHash<Library>,
    fonts: &'a FontSet,
    main: Source,
    common: Source,
    data: Bytes,
    /// The QR of the check page's address, when the document has one.
    qr: Option<Bytes>,
    /// The PDFs a volume binds, as `/files/<i>.pdf`.
    files: Vec<Bytes>,
}

impl<'a> DocumentWorld<'a> {
    pub fn new(
        library: &'a LazyHash<Library>,
        fonts: &'a FontSet,
        template: &str,
        common: &str,
        data: Bytes,
        qr: Option<Bytes>,
        files: Vec<Bytes>,
    ) -> Self {
        DocumentWorld {
            library,
            fonts,
            main: Source::new(*MAIN, template.to_owned()),
            common: Source::new(*COMMON, common.to_owned()),
            data,
            qr,
            files,
        }
    }
}

impl World for DocumentWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.book()
    }

    fn main(&self) -> FileId {
        *MAIN
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == *MAIN {
            Ok(self.main.clone())
        } else if id == *COMMON {
            Ok(self.common.clone())
        } else {
            Err(FileError::NotFound(
                id.get().vpath().get_without_slash().into(),
            ))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == *DATA {
            Ok(self.data.clone())
        } else if id == *QR
            && let Some(qr) = &self.qr
        {
            Ok(qr.clone())
        } else if let Some(file) = bound_file(id).and_then(|i| self.files.get(i)) {
            Ok(file.clone())
        } else {
            Err(FileError::NotFound(
                id.get().vpath().get_without_slash().into(),
            ))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}
