//! IMAP commands: the reader never panics, a complete command re-parses the
//! same from exactly its bytes, and an error's resync stays in bounds; the
//! continuation readers, the IMAP URL parser and the encoder's string
//! choice never panic.
#![no_main]
use kantor_imap_proto::response::encode::{EncodeOptions, write_string};
use kantor_imap_proto::{
    Limits, Parsed, Resync, parse_authenticate_response, parse_command, parse_idle_done,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_line: 1024,
        max_literal: 4096,
        max_command: 8192,
        literal_minus: data.len() % 2 == 0,
    };
    if let Ok(url) = std::str::from_utf8(data) {
        let base = kantor_imap_proto::imapurl::Base {
            mailbox: "INBOX/a b",
            uidvalidity: std::num::NonZeroU32::new(7),
        };
        let _ = kantor_imap_proto::imapurl::parse_message_url(url, Some(base));
    }
    match parse_command(data, &limits) {
        Ok(Parsed::Complete { command, consumed }) => {
            assert!(consumed > 0 && consumed <= data.len());
            let again = parse_command(&data[..consumed], &limits);
            assert_eq!(again, Ok(Parsed::Complete { command, consumed }));
        }
        Ok(_) => {}
        Err(e) => {
            if let Resync::Skip(n) = e.resync {
                assert!(n > 0 && n <= data.len());
            }
            let _ = e.response().to_bytes(EncodeOptions::default());
        }
    }
    let _ = parse_idle_done(data);
    let _ = parse_authenticate_response(data, 1024);
    let mut out = Vec::new();
    write_string(
        data,
        EncodeOptions {
            utf8: data.first() == Some(&b'u'),
        },
        &mut out,
    );
});
