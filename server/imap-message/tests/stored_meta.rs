//! What the store keeps of each message at delivery (`MessageMeta`, kantor-message's, as JSON in
//! the store) answers ENVELOPE, BODY, BODYSTRUCTURE and PREVIEW exactly as parsing the message
//! does: every message of a corpus of tricky ones is fetched both ways, with and without
//! UTF8=ACCEPT, and the answers compared.

mod common;

use common::*;
use kantor_imap_message::fetch::{FetchOptions, MetaNeed, fetch, meta_need};
use kantor_imap_proto::command::fetch::FetchAttribute as A;

/// Structures that make the MIME code work: digests, RFC 2231 parameters, every extension
/// field, an encoded and a global message part, a multipart without boundary, a part ending
/// without a line break, an epilogue, 8-bit and encoded-word descriptions.
const STRUCTURES: [&[u8]; 8] = [
    b"Subject: digest\r\nContent-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\n\
Subject: in digest\r\nFrom: a@x.test\r\n\r\nx\r\n--d\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\nContent-ID:\r\n <a@b>\r\n\
Content-Description: =?utf-8?q?caf=C3=A9?=\r\nContent-Language: en, de\r\n\r\ncaf=E9\r\n--d--\r\n",
    b"Content-Type: multipart/mixed; boundary=\"b\"; x-extra*=utf-8''%C3%A9\r\n\
Content-Language: fr\r\nContent-Location: http://x.test/m\r\n\r\n--b\r\n\
Content-Type: message/external-body; access-type=URL; URL*0=\"ftp://\"; URL*1=\"cs.utk.edu/pub\"\r\n\r\n\r\n\
--b\r\nContent-Type: application/pdf; name=\"a b.pdf\"\r\nContent-Disposition: Attachment; \
filename*0*=utf-8''r%C3%A9; filename*1=\".pdf\"; size=3\r\nContent-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n\
Content-Transfer-Encoding: BASE64\r\n\r\nJVBE\r\n--b--\r\nepilogue\r\n",
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\
Content-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogaGkNCg0KYm9keQ==\r\n--b\r\n\
Content-Type: message/global\r\n\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\nFrom: J\xc3\xb6rg <j@x.test>\r\n\r\nbody\r\n--b--\r\n",
    b"Subject: no boundary\r\nContent-Type: multipart/mixed\r\n\r\njust text\r\n",
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nno break--b\r\n\
Content-Type: text/html\r\n\r\nsecond\r\n\r\n--b--\r\n",
    b"Content-Type: message/rfc822\r\n\r\nSubject: s\r\nContent-Type: multipart/digest; boundary=\"foo\"\r\n\r\n\
prologue\r\n--foo\r\n\r\nSubject: m1\r\n\r\nm1\r\n--foo--\r\n\r\nepilogue\r\n",
    b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= \xc3\xa9\r\nFrom: \"Caf\xc3\xa9\" <c@x.test>\r\n\
Content-Type: text/plain; charset=\"utf-8\"; format=flowed\r\nContent-Description: d\xc3\xa9\r\n\r\nhi\r\n",
    b"Content-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\n\
plain\r\n--a\r\nContent-Type: multipart/related; boundary=r\r\n\r\n--r\r\nContent-Type: text/html\r\n\r\n\
<p>html</p>\r\n--r\r\nContent-Type: image/png\r\nContent-Disposition: inline; filename=i.png\r\n\r\n\
png\r\n--r--\r\n--a--\r\n",
];

#[tokio::test]
async fn stored_metadata_answers_as_the_parsed_message() {
    let mut messages: Vec<&'static [u8]> = (1..=12).map(raw).collect();
    messages.extend(ODD);
    messages.extend(STRUCTURES);
    let c = corpus_of(&messages).await;
    let sets = [
        vec![A::Envelope],
        vec![A::Body],
        vec![A::BodyStructure],
        vec![A::Preview { lazy: false }],
        vec![A::Envelope, A::BodyStructure, A::Rfc822Size],
    ];
    assert_eq!(meta_need(&sets[0]), MetaNeed::Envelope);
    assert!(sets[1..].iter().all(|s| meta_need(s) == MetaNeed::All));
    assert_eq!(meta_need(&[A::Flags, A::Rfc822Header]), MetaNeed::Nothing);
    for n in 1..=messages.len() {
        for utf8 in [false, true] {
            let options = FetchOptions { utf8 };
            for attributes in &sets {
                // As the session reads it for this FETCH.
                let meta = c.meta(n, meta_need(attributes));
                let parsed = fetch(&c.store, c.message(n), None, attributes, options).unwrap();
                let stored =
                    fetch(&c.store, c.message(n), Some(&meta), attributes, options).unwrap();
                assert_eq!(stored, parsed, "message {n}, {attributes:?}, utf8 {utf8}");
            }
        }
    }
}
