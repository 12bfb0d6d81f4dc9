//! Metadata extraction at delivery: any bytes give a structure whose offsets stay in bounds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fn check(part: &kantor_store::meta::BodyPart, len: usize) {
    assert!(part.body_offset as usize <= len && part.end_offset as usize <= len);
    part.parts.iter().for_each(|p| check(p, len));
}

fuzz_target!(|data: &[u8]| {
    let meta = kantor_store::MessageMeta::extract(data);
    check(&meta.structure, data.len());
});
