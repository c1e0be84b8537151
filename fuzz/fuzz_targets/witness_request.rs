//! Any text as a witness's `add-checkpoint` body, or as a note: parsing never panics; a parsed
//! request re-encodes to itself; the signature and extension checks answer without panicking.
#![no_main]

use ledger::witness::{AddCheckpoint, check_extends, verify_log_signature};
use libfuzzer_sys::fuzz_target;

/// The reference log key of shared/reference/ledger.md (seed 0x07 × 32) and the documented
/// witness key (seed 0x09 × 32).
const LOG: &str = "demo.example/enforcement-log+357b572e+AepKbGPinFIKvvVQexMuxfmVR3auvr57kkIe6mkURtIs";
const WITNESS: &str = "witness.example/w1+24b5d9fe+BP0XJDhaoMdbZPt4zWAvodmR/ev3axPFjtcC6sg16fYY";

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(request) = AddCheckpoint::parse(body) {
        let again = AddCheckpoint::parse(&request.to_body()).expect("a re-encoded request parses");
        assert_eq!(again, request);
        let keys = vec![LOG.to_owned()];
        if let Ok(signed) = verify_log_signature(&request.checkpoint, |_| Some(keys.as_slice())) {
            for latest in [None, Some((1, [0u8; 32])), Some((signed.size, signed.root))] {
                let _ = check_extends(latest, request.old_size, &request.proof, &signed);
            }
        }
    }
    let _ = ledger::cosignature::parse_lines(body);
    let _ = ledger::cosignature::verify(body, WITNESS);
    let _ = ledger::cosignature::check_quorum(body, &[WITNESS.to_owned()], None);
    let _ = ledger::note::verify(body, LOG);
});
