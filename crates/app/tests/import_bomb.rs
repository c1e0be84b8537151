//! Issue 18 (hardening): a workbook is refused by the bytes it actually unpacks to, not by the
//! sizes its zip entries declare. Its own test binary, so this process's memory is the
//! import's alone.

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};

const MIB: u64 = 1 << 20;

/// A real workbook whose first sheet is padded with 300 MiB of spaces, its zip entries declaring
/// the sheet's original size (local header and central directory alike).
fn lying_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "名称").unwrap();
    let honest = book.save_to_buffer().unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&honest)).unwrap();
    let mut out = Vec::new();
    let sheet = "xl/worksheets/sheet1.xml";
    let mut declared = 0u32;
    {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(&mut out));
        // Fast compression: the test builds 300 MiB of spaces in an unoptimised build.
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1));
        for i in 0..archive.len() {
            let mut f = archive.by_index(i).unwrap();
            let name = f.name().to_owned();
            let mut content = Vec::new();
            f.read_to_end(&mut content).unwrap();
            w.start_file(name.as_str(), options).unwrap();
            if name == sheet {
                declared = content.len() as u32;
                let text = String::from_utf8(content).unwrap();
                // Inside the sheet data, where a reader that trusts the sizes reads it.
                let at = text.find("<sheetData>").unwrap() + "<sheetData>".len();
                let (head, tail) = text.split_at(at);
                w.write_all(head.as_bytes()).unwrap();
                let spaces = vec![b' '; MIB as usize];
                for _ in 0..300 {
                    w.write_all(&spaces).unwrap();
                }
                w.write_all(tail.as_bytes()).unwrap();
            } else {
                w.write_all(&content).unwrap();
            }
        }
        w.finish().unwrap();
    }
    // The lie: the sheet's uncompressed size in its local header (offset 22) and its central
    // directory entry (offset 24) set back to the honest sheet's.
    let mut patched = 0;
    for at in 0..out.len().saturating_sub(46) {
        let local = out[at..].starts_with(b"PK\x03\x04");
        let central = out[at..].starts_with(b"PK\x01\x02");
        if !(local || central) {
            continue;
        }
        let (name_len_at, name_at, size_at) = if local {
            (at + 26, at + 30, at + 22)
        } else {
            (at + 28, at + 46, at + 24)
        };
        let name_len = u16::from_le_bytes([out[name_len_at], out[name_len_at + 1]]) as usize;
        if out.get(name_at..name_at + name_len) == Some(sheet.as_bytes()) {
            out[size_at..size_at + 4].copy_from_slice(&declared.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "the sheet's local header and central entry");
    out
}

fn status_bytes(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(key)).unwrap();
    let kib: u64 = line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kib * 1024
}

#[test]
fn a_workbook_whose_zip_entries_understate_their_size_is_refused_by_the_bytes_it_unpacks_to() {
    let bomb = lying_workbook();
    assert!(bomb.len() < 4 << 20, "compressed: {} bytes", bomb.len());
    let declared: u64 = {
        let mut a = zip::ZipArchive::new(std::io::Cursor::new(&bomb)).unwrap();
        (0..a.len())
            .map(|i| a.by_index_raw(i).unwrap().size())
            .sum()
    };
    assert!(declared < MIB, "declared: {declared} bytes");

    // The peak is reset, so building the workbook does not count.
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let before = status_bytes("VmRSS:");
    let read = app::import::read_files(&bomb, None);
    let peak = status_bytes("VmHWM:");
    let growth = peak.saturating_sub(before);
    eprintln!(
        "RSS before {} MiB, peak {} MiB, growth {:.1} MiB",
        before / MIB,
        peak / MIB,
        growth as f64 / MIB as f64
    );
    let refused = read.expect_err("a workbook that unpacks to 300 MiB is refused");
    assert_eq!(refused.reasons[0].code, "import.workbook_too_large");
    assert!(growth < 128 * MIB, "RSS grew {} MiB", growth / MIB);
}
