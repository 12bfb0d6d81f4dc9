//! POP3 command lines and SASL PLAIN responses never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kantor_pop3_proto::take_line(data, 1024);
    let _ = kantor_pop3_proto::parse_command(data);
    let _ = kantor_pop3_proto::decode_plain(&String::from_utf8_lossy(data));
    let mut out = Vec::new();
    kantor_pop3_proto::encode_multiline_message(data, Some(3), &mut out);
    assert!(out.ends_with(b"\r\n.\r\n"));
});
