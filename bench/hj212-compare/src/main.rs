//! Ours against crates.io `a` 0.1.1 on hj212.md's V1–V5 in equal parts, one thread, same run.
//!
//! - parse: `a::parse_frame_strict` (frame, CRC, header and CP split into a map) against
//!   `hj212::parse` (frame, CRC, header) plus a walk over every CP item, zero-copy; and, for
//!   transparency, against `hj212::parse` + the `CpData` map (every item decoded, by key).
//!   The three take turns in slices of a tenth of the time (at most 0.2 s each), so load from
//!   elsewhere on the machine (a build starting or ending) weighs on all three alike rather than
//!   on whichever ran at that moment.
//! - framer: a 100,000-frame stream cut into 1,460-byte reads, framed and parsed; frames lost.

use std::hint::black_box;
use std::time::{Duration, Instant};

const SEGMENTS: [(&str, &str); 5] = [
    (
        "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&",
        "1C80",
    ),
    (
        "QN=20240601085857223;ST=32;CN=1011;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&&&",
        "2200",
    ),
    (
        "QN=20220513162608370;ST=22;CN=2051;PW=123456;MN=JLYP01_AIR01_0001;Flag=4;CP=&&DataTime=20220513162600;a21004-Avg=4,a21004-Flag=N;a05024-Avg=63,a05024-Flag=N;a21026-Avg=6,a21026-Flag=N;a21005-Avg=0.427,a21005-Flag=N;a34004-Avg=14,a34004-Flag=N;a34002-Avg=31,a34002-Flag=N;a01007-Avg=1,a01007-Flag=N;a01008-Avg=11,a01008-Flag=N;a01001-Avg=17,a01001-Flag=N;a01002-Avg=85,a01002-Flag=N;a01006-Avg=95,a01006-Flag=N&&",
        "D641",
    ),
    (
        "QN=20210301111100112;ST=21;CN=2011;PW=123456;MN=ZLDSZ20210127;Flag=8;CP=&&DataTime=20210301111100;w01001-Rtd=8.33,w01001-Flag=N;w01009-Rtd=10.15,w01009-Flag=N;w01010-Rtd=9.7,w01010-Flag=N;w01014-Rtd=1425,w01014-Flag=N;w01003-Rtd=13.10,w01003-Flag=N;w21011-Rtd=0,w21011-Flag=N;w21001-Rtd=3.563168,w21001-Flag=N;w21003-Rtd=0.09055002,w21003-Flag=N;w01019-Rtd=4.102818,w01019-Flag=N;w01008-Rtd=0,w01008-Flag=N;w23002-Rtd=0,w23002-Flag=N&&",
        "7d00",
    ),
    (
        "ST=32;CN=2011;PW=000000;MN=LD130133000015;CP=&&DataTime=20160824003817;011-Rtd=231.0,011-Flag=N;B01-Rtd=36.91;060-Rtd=1.803,060-Flag=N&&",
        "1dc0",
    ),
];

fn frames() -> Vec<String> {
    SEGMENTS
        .iter()
        .map(|(s, c)| format!("##{:04}{s}{c}\r\n", s.len()))
        .collect()
}

/// Frames run and seconds taken by one contestant, over all its turns.
#[derive(Default)]
struct Meter {
    frames: u64,
    secs: f64,
    sink: usize,
}

impl Meter {
    /// One turn: `f` over the five frames in turn, 1,000 rounds at a time, for `secs` (at least
    /// one batch of 5,000 frames).
    fn turn(&mut self, secs: f64, frames: &[String], f: &mut impl FnMut(&str) -> usize) {
        let deadline = Duration::from_secs_f64(secs);
        let start = Instant::now();
        loop {
            for _ in 0..1000 {
                for fr in frames {
                    self.sink = self.sink.wrapping_add(f(black_box(fr)));
                }
                self.frames += frames.len() as u64;
            }
            if start.elapsed() >= deadline {
                break;
            }
        }
        self.secs += start.elapsed().as_secs_f64();
    }

    fn rate(&self) -> f64 {
        black_box(self.sink);
        self.frames as f64 / self.secs
    }
}

fn main() {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let frames = frames();
    // Both accept all five.
    for f in &frames {
        assert!(a::parse_frame_strict(f).is_ok(), "a refuses {f}");
        assert!(hj212::parse(f.as_bytes(), &hj212::Options::default()).is_ok());
    }
    let opts = hj212::Options::default();
    let mut ours_f = |f: &str| {
        let p = hj212::parse(f.as_bytes(), &opts).expect("ours");
        p.cp_items().count() + p.qn.map_or(0, str::len)
    };
    let mut ours_map_f = |f: &str| {
        hj212::parse(f.as_bytes(), &opts)
            .expect("ours")
            .cp_data()
            .len()
    };
    let mut peer_f = |f: &str| a::parse_frame_strict(f).expect("a").cp.len();
    // Turns in a fixed order until each has had `secs`.
    let slice = (secs / 10.0).min(0.2);
    let (mut ours, mut ours_map, mut peer) = (Meter::default(), Meter::default(), Meter::default());
    while ours.secs < secs || ours_map.secs < secs || peer.secs < secs {
        ours.turn(slice, &frames, &mut ours_f);
        ours_map.turn(slice, &frames, &mut ours_map_f);
        peer.turn(slice, &frames, &mut peer_f);
    }
    let (ours, ours_map, peer) = (ours.rate(), ours_map.rate(), peer.rate());
    println!("parse, V1–V5 in equal parts, 1 thread, {secs} s each:");
    println!(
        "  ours (zero-copy, every CP item walked): {:>10.0} frames/s",
        ours
    );
    println!(
        "  ours (+ CpData map, every item decoded): {:>9.0} frames/s",
        ours_map
    );
    println!(
        "  a 0.1.1 parse_frame_strict:             {:>10.0} frames/s",
        peer
    );
    println!(
        "  ratio ours / a: {:.2}x (with the map: {:.2}x)",
        ours / peer,
        ours_map / peer
    );

    // Framer: 100,000 frames in 1,460-byte reads.
    let mut stream = Vec::new();
    for i in 0..100_000 {
        stream.extend_from_slice(frames[i % 5].as_bytes());
    }
    let t = Instant::now();
    let mut framer = hj212::Framer::default();
    let mut got = 0usize;
    for chunk in stream.chunks(1460) {
        framer.push(chunk);
        while let Some(item) = framer.next_item() {
            if let hj212::Item::Frame(f) = item {
                if hj212::parse(f, &opts).is_ok() {
                    got += 1;
                }
            }
        }
    }
    let ours_t = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut peer_framer = a::Framer::new();
    let mut peer_got = 0usize;
    for chunk in stream.chunks(1460) {
        peer_framer.push(chunk);
        while let Some(f) = peer_framer.next_frame() {
            if a::parse_frame(&String::from_utf8_lossy(&f)).is_ok() {
                peer_got += 1;
            }
        }
    }
    let peer_t = t.elapsed().as_secs_f64();
    println!("framer + parse, 100,000 frames in 1,460-byte reads:");
    println!(
        "  ours: {:>10.0} frames/s, {} lost",
        got as f64 / ours_t,
        100_000 - got
    );
    println!(
        "  a:    {:>10.0} frames/s, {} lost",
        peer_got as f64 / peer_t,
        100_000 - peer_got
    );
}
