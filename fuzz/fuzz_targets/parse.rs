//! Any bytes: the parser returns a frame or an error, never panics; a parsed frame re-encodes
//! to a frame that parses to the same header, and its CP data model is built.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for opts in [hj212::Options::default(), hj212::Options::strict()] {
        if let Ok(f) = hj212::parse(data, &opts) {
            let _ = f.cp_data();
            let again = hj212::encode(f.segment);
            let g =
                hj212::parse(&again, &hj212::Options::default()).expect("re-encoded frame parses");
            assert_eq!((f.qn, f.cn, f.mn, f.cp), (g.qn, g.cn, g.mn, g.cp));
            assert_eq!(hj212::crc(f.segment), f.crc);
        }
    }
});
