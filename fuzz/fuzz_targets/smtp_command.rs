//! SMTP command lines: parsing never panics, and a parsed mailbox prints and re-parses the same.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((line, _))) = kantor_smtp_proto::take_line(data, 4096) {
        if let Ok(kantor_smtp_proto::Command::Rcpt { to, .. }) = kantor_smtp_proto::parse_command(line) {
            let again = kantor_smtp_proto::Mailbox::parse(&to.to_string()).expect("printed mailbox re-parses");
            assert_eq!(again, to);
        }
    }
    let _ = kantor_smtp_proto::parse_command(data);
    let _ = kantor_smtp_proto::decode_plain(&String::from_utf8_lossy(data));
});
