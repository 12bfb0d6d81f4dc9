//! Generated malformed messages through every computation of the crate: nothing may panic,
//! loop, or produce a section outside the message; and what the store keeps of each
//! (`MessageMeta`, through JSON) renders the ENVELOPE, BODY and BODYSTRUCTURE parsing it does.

use crate::{envelope, section, structure};
use kantor_imap_proto::command::fetch::{Part, Partial, Section};
use kantor_message::structure::{BodyPart, Content};
use kantor_message::{MessageMeta, address, date, mime, msgid, subject, text};
use std::num::{NonZeroU32, NonZeroU64};

/// Pieces that exercise the parsers' edge cases.
const PIECES: &[&[u8]] = &[
    b"\r\n",
    b"\n",
    b"\r",
    b" ",
    b"--b\r\n",
    b"--b--\r\n",
    b"--c\r\n",
    b"Content-Type: multipart/mixed; boundary=b\r\n",
    b"Content-Type: multipart/digest; boundary=c\r\n",
    b"Content-Type: message/rfc822\r\n",
    b"Content-Type: text/plain; charset*0*=utf-8''%C3; charset*1=x\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"Content-Disposition: attachment; filename=\"a\\\"b\r\n",
    b"From: \"a\\\" <b@c>, g: d@e;, <@x,@y:z@w>, (c (n) \r\n",
    b"Subject: =?utf-8?q?=C3?= [x] Re: (fwd) [fwd: y\r\n",
    b"Date: Mon, 32 Foo 99999 25:61:61 +9999\r\n",
    b"References: <a@b> <\"q\"@c> <x\r\n",
    b"=?",
    b"=ZZ=\r\n",
    b"\x00\xff\xfe\x80",
    b"h\xc3\xa9llo",
    b"<p>a</p>",
    b"[",
    b"]:",
];

fn generate(seed: &mut u64, len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..len {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        out.extend_from_slice(PIECES[(*seed % PIECES.len() as u64) as usize]);
    }
    out
}

fn part(numbers: &[u32]) -> Option<Part> {
    Part::new(numbers.iter().filter_map(|&n| NonZeroU32::new(n)).collect())
}

#[test]
fn generated_messages_never_panic() {
    let mut seed = 0x9e37_79b9_7f4a_7c15;
    let paths: [&[u32]; 6] = [&[1], &[2], &[1, 1], &[2, 1], &[1, 2, 1], &[3, 1, 1, 1]];
    for round in 0..3000 {
        let raw = generate(&mut seed, round % 60);
        let root = mime::parse(&raw);
        let _ = structure::structure(&raw, &root, false);
        let _ = envelope::envelope(&raw, &root, false);
        let _ = text::preview(&raw, &root);
        let _ = text::body_text(&raw, &root, true);
        let lossy = String::from_utf8_lossy(&raw);
        stored_renders_as_parsed(&raw, &root);
        let _ = address::parse_list(&lossy);
        let _ = date::parse(&lossy);
        let _ = subject::base_subject(&lossy);
        let _ = msgid::ids(&lossy);
        for path in paths {
            let p = part(path);
            for s in [
                Section::Full,
                Section::Header(p.clone()),
                Section::Text(p.clone()),
                Section::HeaderFields {
                    part: p.clone(),
                    fields: vec!["From".into()],
                    not: true,
                },
            ]
            .into_iter()
            .chain(p.clone().map(Section::Mime))
            .chain(p.clone().map(Section::Part))
            {
                if let Some(data) = section::section(&raw, &root, &s) {
                    assert!(data.len() <= raw.len() + 2);
                }
            }
            let _ = section::binary(&raw, &root, p.as_ref());
            let range = Partial {
                offset: 3,
                length: NonZeroU64::MIN,
            };
            let _ = section::partial(Some(raw.clone()), Some(range));
        }
    }
}

/// The metadata of `raw`, through JSON as the store keeps it, renders what parsing renders.
fn stored_renders_as_parsed(raw: &[u8], root: &mime::Entity) {
    let extracted = MessageMeta::extract(raw);
    let json = serde_json::to_string(&extracted).unwrap();
    let stored: MessageMeta = serde_json::from_str(&json).unwrap();
    assert_eq!(stored, extracted);
    within(raw, &stored.structure);
    for utf8 in [false, true] {
        assert_eq!(
            structure::render(&stored.structure, utf8),
            structure::structure(raw, root, utf8),
            "{raw:?}"
        );
        assert_eq!(
            envelope::render(&stored.envelope, utf8),
            envelope::envelope(raw, root, utf8),
            "{raw:?}"
        );
    }
    assert_eq!(stored.preview, text::preview(raw, root));
}

/// Every part's ranges lie inside the message, in order.
fn within(raw: &[u8], part: &BodyPart) {
    assert!(part.start <= part.body && part.body <= part.end && part.end <= raw.len() as u64);
    match &part.content {
        Content::Leaf => {}
        Content::Multipart(children) => children.iter().for_each(|c| within(raw, c)),
        Content::Message(inner) => within(raw, &inner.root),
    }
}

#[test]
fn generated_headers_never_panic() {
    let mut seed = 0x2545_f491_4f6c_dd1d;
    for round in 0..3000 {
        let raw = generate(&mut seed, round % 60);
        let header = mime::parse_header(&raw);
        assert!(header.header.end <= raw.len() && header.body.end == raw.len());
        let _ = envelope::envelope(&raw, &header, false);
        let _ = text::header_text(&raw, &header);
        for s in [
            Section::Header(None),
            Section::Text(None),
            Section::HeaderFields {
                part: None,
                fields: vec!["Subject".into()],
                not: false,
            },
        ] {
            if let Some(data) = section::section(&raw, &header, &s) {
                assert!(data.len() <= raw.len() + 2);
            }
        }
    }
}
