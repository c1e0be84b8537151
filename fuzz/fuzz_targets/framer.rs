//! Any bytes, pushed in chunks whose sizes the input decides: the framer never panics, holds at
//! most one frame's worth of bytes, and accounts for every byte exactly once (frames + garbage).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, stream)) = data.split_first() else {
        return;
    };
    let step = usize::from(cut % 64) + 1;
    let opts = hj212::FramerOptions::default();
    let mut framer = hj212::Framer::new(opts);
    let mut accounted = 0usize;
    for chunk in stream.chunks(step) {
        framer.push(chunk);
        while let Some(item) = framer.next_item() {
            accounted += match item {
                hj212::Item::Frame(f) => {
                    let _ = hj212::parse(f, &hj212::Options::default());
                    f.len()
                }
                hj212::Item::Garbage(n) => n,
            };
        }
        // Never more than the largest frame plus one read is held.
        assert!(framer.buffered() <= opts.max_segment + 16 + step);
    }
    framer.finish();
    while let Some(item) = framer.next_item() {
        accounted += match item {
            hj212::Item::Frame(f) => f.len(),
            hj212::Item::Garbage(n) => n,
        };
    }
    assert_eq!(accounted, stream.len());
});
