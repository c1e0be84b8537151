//! C2SP tlog-tiles paths (https://c2sp.org/tlog-tiles) and the tlog-proof text form
//! (https://c2sp.org/tlog-proof): what a follower fetches and what a court receives offline.

use crate::Hash;
use crate::note::NoteError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// Hashes (or entries) per full tile.
pub const TILE_WIDTH: u32 = 256;

/// N in 3-digit groups, every group but the last prefixed with `x`: 1234067 → `x001/x234/067`.
fn encode_index(mut n: u64) -> String {
    let mut s = format!("{:03}", n % 1000);
    while n >= 1000 {
        n /= 1000;
        s = format!("x{:03}/{s}", n % 1000);
    }
    s
}

fn partial(width: u32) -> String {
    if width >= TILE_WIDTH {
        String::new()
    } else {
        format!(".p/{width}")
    }
}

/// The path of hash tile `n` at `level` holding `width` hashes (1–256).
pub fn tile_path(level: u8, n: u64, width: u32) -> String {
    format!("tile/{level}/{}{}", encode_index(n), partial(width))
}

/// The path of entry bundle `n` holding `width` entries (1–256).
pub fn entries_path(n: u64, width: u32) -> String {
    format!("tile/entries/{}{}", encode_index(n), partial(width))
}

/// A tile a follower asked for: hash tile `n` at `level`, or entry bundle `n`, of `width` items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TileRef {
    Hashes { level: u8, n: u64, width: u32 },
    Entries { n: u64, width: u32 },
}

impl TileRef {
    /// The tree size needed for every item of the tile to exist.
    pub fn needs_size(&self) -> Option<u64> {
        let (level, n, width) = match *self {
            TileRef::Hashes { level, n, width } => (level, n, width),
            TileRef::Entries { n, width } => (0, n, width),
        };
        let items = n
            .checked_mul(u64::from(TILE_WIDTH))?
            .checked_add(u64::from(width))?;
        items.checked_mul(1u64.checked_shl(8 * u32::from(level))?)
    }

    /// The height in the tree of the hashes this tile holds (a level-L tile holds height-8L nodes).
    pub fn height(&self) -> u32 {
        match *self {
            TileRef::Hashes { level, .. } => 8 * u32::from(level),
            TileRef::Entries { .. } => 0,
        }
    }
}

/// Reads `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]` (the part after `tile/`); `None` for anything
/// that is not a canonical tile path (so each tile has exactly one URL, and caches agree).
pub fn parse_tile_path(path: &str) -> Option<TileRef> {
    let (head, rest) = path.split_once('/')?;
    let (index, width) = match rest.split_once(".p/") {
        Some((i, w)) => {
            let w: u32 = w.parse().ok()?;
            if !(1..TILE_WIDTH).contains(&w) || w.to_string() != rest.split_once(".p/")?.1 {
                return None;
            }
            (i, w)
        }
        None => (rest, TILE_WIDTH),
    };
    let mut n: u64 = 0;
    let groups: Vec<&str> = index.split('/').collect();
    for (i, g) in groups.iter().enumerate() {
        let digits = if i + 1 < groups.len() {
            g.strip_prefix('x')?
        } else {
            g
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        n = n.checked_mul(1000)?.checked_add(digits.parse().ok()?)?;
    }
    // The leading group may not be x000 (one URL per tile).
    if encode_index(n) != index {
        return None;
    }
    if head == "entries" {
        return Some(TileRef::Entries { n, width });
    }
    let level: u8 = head.parse().ok()?;
    if level.to_string() != head || level > 7 {
        return None;
    }
    Some(TileRef::Hashes { level, n, width })
}

/// An offline inclusion proof: `c2sp.org/tlog-proof@v1`, optional `extra`, `index`, the path,
/// a blank line, then the signed checkpoint.
pub fn tlog_proof(
    index: u64,
    path: &[Hash],
    signed_checkpoint: &str,
    extra: Option<&[u8]>,
) -> String {
    let mut s = String::from("c2sp.org/tlog-proof@v1\n");
    if let Some(e) = extra {
        s.push_str(&format!("extra {}\n", B64.encode(e)));
    }
    s.push_str(&format!("index {index}\n"));
    for h in path {
        s.push_str(&B64.encode(h));
        s.push('\n');
    }
    s.push('\n');
    s.push_str(signed_checkpoint);
    s
}

/// A parsed tlog-proof: index, path, the signed checkpoint note, and any extra data.
#[derive(Debug, PartialEq, Eq)]
pub struct TlogProof {
    pub index: u64,
    pub path: Vec<Hash>,
    pub checkpoint: String,
    pub extra: Option<Vec<u8>>,
}

pub fn parse_tlog_proof(text: &str) -> Result<TlogProof, NoteError> {
    let (head, checkpoint) = text
        .split_once("\n\n")
        .ok_or(NoteError::Malformed("no blank line before the checkpoint"))?;
    let mut lines = head.lines();
    if lines.next() != Some("c2sp.org/tlog-proof@v1") {
        return Err(NoteError::Malformed("not a c2sp.org/tlog-proof@v1"));
    }
    let mut extra = None;
    let mut line = lines.next();
    if let Some(e) = line.and_then(|l| l.strip_prefix("extra ")) {
        extra = Some(
            B64.decode(e)
                .map_err(|_| NoteError::Malformed("bad extra"))?,
        );
        line = lines.next();
    }
    let index = line
        .and_then(|l| l.strip_prefix("index "))
        .and_then(|n| n.parse().ok())
        .ok_or(NoteError::Malformed("bad index line"))?;
    let path = lines
        .map(|l| {
            B64.decode(l)
                .ok()
                .and_then(|h| Hash::try_from(h).ok())
                .ok_or(NoteError::Malformed("bad path hash"))
        })
        .collect::<Result<_, _>>()?;
    Ok(TlogProof {
        index,
        path,
        checkpoint: checkpoint.to_owned(),
        extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_the_go_layout_at_height_8() {
        for (level, n, width) in [
            (0u8, 0u64, 256u32),
            (0, 1_234_067, 1),
            (1, 999, 255),
            (2, 1000, 256),
            (0, 5, 17),
        ] {
            let go = tlog_tiles::tile::Tile::new(8, level, n, width, false).path();
            assert_eq!(
                tile_path(level, n, width),
                go.replacen("tile/8/", "tile/", 1)
            );
        }
        assert_eq!(tile_path(0, 1_234_067, 1), "tile/0/x001/x234/067.p/1");
        assert_eq!(entries_path(1_234_067, 256), "tile/entries/x001/x234/067");
    }

    #[test]
    fn tile_paths_parse_back_and_odd_ones_are_refused() {
        for (level, n, width) in [(0u8, 0u64, 256u32), (0, 1_234_067, 1), (2, 1000, 255)] {
            let p = tile_path(level, n, width);
            assert_eq!(
                parse_tile_path(p.strip_prefix("tile/").unwrap()),
                Some(TileRef::Hashes { level, n, width })
            );
        }
        assert_eq!(
            parse_tile_path("entries/x001/002.p/7"),
            Some(TileRef::Entries { n: 1002, width: 7 })
        );
        for bad in [
            "0/1",
            "0/0001",
            "0/x000/001",
            "0/001.p/0",
            "0/001.p/256",
            "0/001.p/07",
            "a/000",
            "00/000",
            "8/000",
            "0/x01/000",
            "entries/",
            "0/000/",
        ] {
            assert_eq!(parse_tile_path(bad), None, "{bad}");
        }
        assert_eq!(
            TileRef::Hashes {
                level: 1,
                n: 0,
                width: 2
            }
            .needs_size(),
            Some(512)
        );
        assert_eq!(TileRef::Entries { n: 1, width: 3 }.needs_size(), Some(259));
    }

    #[test]
    fn a_proof_file_round_trips() {
        let p = tlog_proof(
            42,
            &[[1; 32], [2; 32]],
            "origin\n43\nAAAA\n\n— origin sig\n",
            Some(b"ctx"),
        );
        assert!(p.starts_with("c2sp.org/tlog-proof@v1\nextra Y3R4\nindex 42\n"));
        let parsed = parse_tlog_proof(&p).unwrap();
        assert_eq!(parsed.index, 42);
        assert_eq!(parsed.path, vec![[1; 32], [2; 32]]);
        assert_eq!(parsed.extra.as_deref(), Some(&b"ctx"[..]));
        assert_eq!(parsed.checkpoint, "origin\n43\nAAAA\n\n— origin sig\n");
        assert!(parse_tlog_proof("c2sp.org/tlog-proof@v2\nindex 1\n\nx").is_err());
    }
}
