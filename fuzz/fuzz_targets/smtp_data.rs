//! The DATA decoder: the same input split anywhere gives the same message and verdict.
#![no_main]
use libfuzzer_sys::fuzz_target;
use kantor_smtp_proto::DataDecoder;

fuzz_target!(|input: (u16, &[u8])| {
    let (split, data) = input;
    let whole = {
        let mut d = DataDecoder::new(4096, 1000);
        let mut out = Vec::new();
        let p = d.feed(data, &mut out);
        (out, p.done, p.consumed, d.error())
    };
    let split = (split as usize).min(data.len());
    let mut d = DataDecoder::new(4096, 1000);
    let mut out = Vec::new();
    let first = d.feed(&data[..split], &mut out);
    let (done, consumed) = if first.done {
        (true, first.consumed)
    } else {
        let second = d.feed(&data[split..], &mut out);
        (second.done, split + second.consumed)
    };
    assert_eq!((out, done, consumed, d.error()), whole);
});
