//! Frames built from the input's bytes (split flags, numbers, keys) and a clock that moves as
//! the input says: the reassembler never panics and stays within its bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = hj212::ReassemblerOptions {
        max_pending: 8,
        timeout_ms: 1_000,
        max_parts: 16,
        max_bytes: 4096,
    };
    let mut r = hj212::Reassembler::new(opts);
    let mut now = 0u64;
    for rec in data.chunks(6) {
        if rec.len() < 6 {
            break;
        }
        now += u64::from(rec[0]) * 10;
        let seg = format!(
            "QN={};ST=31;CN=2051;PW=1;MN=M{};Flag={};PNUM={};PNO={};CP=&&a{}-Avg={}&&",
            rec[1] % 4,
            rec[2] % 3,
            4 | (rec[3] & 3),
            rec[4] % 20,
            rec[5] % 20,
            rec[1],
            rec[5]
        );
        let frame = hj212::encode(seg.as_bytes());
        let f = hj212::parse(&frame, &hj212::Options::default()).expect("built frames parse");
        if let Ok(Some(m)) = r.push(&f, now) {
            assert!(!m.parts.is_empty());
        }
        assert!(r.pending() <= opts.max_pending);
        let _ = r.take_dropped();
    }
});
