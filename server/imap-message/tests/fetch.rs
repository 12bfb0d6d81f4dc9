//! FETCH items of the stored corpus, with known answers (RFC 9051 §6.4.5, §7.5.2; RFC 3516;
//! RFC 8970; RFC 8514; RFC 8474; RFC 7162).

mod common;

use common::*;
use kantor_imap_message::fetch::{FetchError, FetchOptions, MetaNeed, fetch, meta_need, sets_seen};
use kantor_imap_proto::EncodeOptions;
use kantor_imap_proto::command::fetch::{FetchAttribute as A, Part, Partial, Section};
use kantor_imap_proto::response::fetch::FetchItem;
use kantor_imap_proto::types::{Flag, FlagFetch};
use std::num::{NonZeroU32, NonZeroU64};

const UTF8: FetchOptions = FetchOptions { utf8: true };

/// One item, fetched from the message's bytes and with its stored metadata (all of it, and as
/// much as a FETCH of it reads): they must agree.
fn one(c: &Corpus, n: usize, attribute: A, options: FetchOptions) -> FetchItem {
    let attributes = [attribute];
    let mut items = fetch(&c.store, c.message(n), None, &attributes, options).unwrap();
    for need in [MetaNeed::All, meta_need(&attributes)] {
        if need != MetaNeed::Nothing {
            let meta = c.meta(n, need);
            let stored = fetch(&c.store, c.message(n), Some(&meta), &attributes, options);
            assert_eq!(stored.unwrap(), items, "message {n}, {:?}", attributes[0]);
        }
    }
    assert_eq!(items.len(), 1);
    items.remove(0)
}

fn part(path: &str) -> Part {
    Part::new(
        path.split('.')
            .map(|n| NonZeroU32::new(n.parse().unwrap()).unwrap())
            .collect(),
    )
    .unwrap()
}

/// `1.2.HEADER` and friends, as a parser would build them.
fn section(spec: &str) -> Section {
    let (numbers, text): (Vec<&str>, Vec<&str>) = spec
        .split('.')
        .filter(|s| !s.is_empty())
        .partition(|s| s.bytes().all(|b| b.is_ascii_digit()));
    let p = (!numbers.is_empty()).then(|| part(&numbers.join(".")));
    match (text.join(".").as_str(), p) {
        ("", None) => Section::Full,
        ("", Some(p)) => Section::Part(p),
        ("HEADER", p) => Section::Header(p),
        ("TEXT", p) => Section::Text(p),
        ("MIME", Some(p)) => Section::Mime(p),
        (other, _) => panic!("bad section {other}"),
    }
}

fn fields(p: Option<&str>, names: &[&str], not: bool) -> Section {
    Section::HeaderFields {
        part: p.map(part),
        fields: names.iter().map(|s| s.to_string()).collect(),
        not,
    }
}

fn partial(offset: u64, length: u64) -> Option<Partial> {
    Some(Partial {
        offset,
        length: NonZeroU64::new(length).unwrap(),
    })
}

fn body(c: &Corpus, n: usize, s: Section, p: Option<Partial>) -> (Option<u64>, Option<Vec<u8>>) {
    let attribute = A::BodySection {
        section: s.clone(),
        partial: p,
        peek: true,
    };
    let FetchItem::BodySection {
        section: echoed,
        origin,
        data,
    } = one(c, n, attribute, UTF8)
    else {
        panic!("BODY[] expected")
    };
    assert_eq!(echoed, s);
    (origin, data)
}

fn header_of(raw: &str) -> &str {
    &raw[..raw.find("\r\n\r\n").unwrap() + 4]
}

#[tokio::test]
async fn body_sections() {
    let c = corpus().await;
    let m3_inner_header = "From: Carol <carol@example.org>\r\nTo: alice@example.com\r\nSubject: Lunch\r\nDate: Tue, 02 Jan 2024 12:00:00 +0000\r\nMessage-ID: <lunch@example.org>\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n";
    let m3_inner_text = "--alt\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nLunch at noon?\r\n--alt\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<p>Lunch at <b>noon</b>?</p>\r\n--alt--\r\n";
    let m1_text = "Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n";
    let m1_header = header_of(M1);
    let inner = format!("{m3_inner_header}{m3_inner_text}");
    let cases: Vec<(usize, Section, Option<&str>)> = vec![
        (1, section(""), Some(M1)),
        (1, section("HEADER"), Some(m1_header)),
        (1, section("TEXT"), Some(m1_text)),
        // A non-multipart message has only part 1, its body.
        (1, section("1"), Some(m1_text)),
        (1, section("1.MIME"), Some(m1_header)),
        (1, section("2"), None),
        (1, section("1.1"), None),
        (1, section("1.HEADER"), None),
        (
            1,
            fields(None, &["SUBJECT", "from"], false),
            Some(
                "From: Fred Foobar <foobar@Blurdybloop.example>\r\nSubject: afternoon meeting\r\n\r\n",
            ),
        ),
        (
            1,
            fields(
                None,
                &[
                    "Date",
                    "From",
                    "Subject",
                    "To",
                    "Message-Id",
                    "MIME-Version",
                ],
                true,
            ),
            Some("Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n"),
        ),
        (1, fields(None, &["X-None"], false), Some("\r\n")),
        (
            2,
            section("1"),
            Some("Hi Bob,\r\nthe report is attached. Caf=C3=A9 at noon?"),
        ),
        (
            2,
            section("1.MIME"),
            Some(
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
            ),
        ),
        (2, section("2"), Some("JVBERi0xLjQKJcfs")),
        (2, section("3"), None),
        (2, section("TEXT"), Some(&M2[M2.find("This is").unwrap()..])),
        (3, section("1"), Some("See the forwarded message.")),
        (3, section("2"), Some(&inner)),
        (3, section("2.HEADER"), Some(m3_inner_header)),
        (3, section("2.TEXT"), Some(m3_inner_text)),
        (3, section("2.1"), Some("Lunch at noon?")),
        (3, section("2.2"), Some("<p>Lunch at <b>noon</b>?</p>")),
        (
            3,
            section("2.1.MIME"),
            Some("Content-Type: text/plain; charset=us-ascii\r\n\r\n"),
        ),
        (
            3,
            section("2.MIME"),
            Some("Content-Type: message/rfc822\r\nContent-Description: forwarded message\r\n\r\n"),
        ),
        (
            3,
            fields(Some("2"), &["message-id", "Subject"], false),
            Some("Subject: Lunch\r\nMessage-ID: <lunch@example.org>\r\n\r\n"),
        ),
        (3, section("3"), Some("iVBORw0KGgo=")),
        (
            3,
            section("3.MIME"),
            Some(
                "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <logo@example.com>\r\nContent-Disposition: inline\r\n\r\n",
            ),
        ),
        (3, section("1.HEADER"), None),
        (3, section("2.3"), None),
        (3, section("2.1.1"), None),
        (3, fields(Some("1"), &["Subject"], false), None),
        // No blank line, no body: the header is everything, and no blank line is added.
        (8, section("HEADER"), Some(M8)),
        (8, section("TEXT"), Some("")),
        (8, section("1"), Some("")),
        (
            8,
            fields(None, &["subject"], false),
            Some("Subject: Status\r\n"),
        ),
        (9, section("TEXT"), Some("")),
    ];
    for (n, s, expected) in cases {
        let (origin, data) = body(&c, n, s.clone(), None);
        assert_eq!(origin, None);
        assert_eq!(
            data.as_deref().map(String::from_utf8_lossy),
            expected.map(Into::into),
            "message {n} section {s:?}"
        );
    }
    assert_eq!(body(&c, 9, section(""), None).1.as_deref(), Some(M9));
}

#[tokio::test]
async fn partials_echo_their_origin() {
    let c = corpus().await;
    let cases: Vec<(usize, Section, u64, u64, &str)> = vec![
        (1, section(""), 0, 10, "Date: Mon,"),
        (1, section(""), 10_000, 5, ""),
        (1, section("TEXT"), 6, 3, "Joe"),
        (1, section("TEXT"), 50, 100, "ow?\r\n"),
        (1, section("TEXT"), 55, 1, ""),
        (3, section("2.2"), 3, 4, "Lunc"),
        (
            3,
            fields(Some("2"), &["Subject"], false),
            9,
            100,
            "Lunch\r\n\r\n",
        ),
    ];
    for (n, s, offset, length, expected) in cases {
        let (origin, data) = body(&c, n, s.clone(), partial(offset, length));
        assert_eq!(origin, Some(offset), "{s:?}");
        assert_eq!(data.as_deref(), Some(expected.as_bytes()), "{s:?}");
    }
    // A section that does not exist stays NIL, its origin echoed (RFC 9051 §7.5.2).
    assert_eq!(body(&c, 1, section("5"), partial(0, 5)), (Some(0), None));
    let far = partial(u64::from(u32::MAX), u64::from(u32::MAX));
    assert_eq!(
        body(&c, 3, section("1.2.3"), far),
        (Some(u64::from(u32::MAX)), None)
    );
}

#[tokio::test]
async fn rfc822_items_and_seen() {
    let c = corpus().await;
    let items = fetch(
        &c.store,
        c.message(1),
        None,
        &[A::Rfc822Header, A::Rfc822Text, A::Rfc822],
        UTF8,
    )
    .unwrap();
    assert_eq!(
        items,
        [
            FetchItem::Rfc822Header(Some(header_of(M1).as_bytes().to_vec())),
            FetchItem::Rfc822Text(Some(
                b"Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n".to_vec()
            )),
            FetchItem::Rfc822(Some(M1.as_bytes().to_vec())),
        ]
    );
    let peek = |peek| A::BodySection {
        section: Section::Full,
        partial: None,
        peek,
    };
    assert!(sets_seen(&[A::Flags, peek(false)]));
    assert!(!sets_seen(&[A::Flags, peek(true), A::Rfc822Header]));
    assert!(sets_seen(&[A::Rfc822]));
    assert!(sets_seen(&[A::Rfc822Text]));
    assert!(sets_seen(&[A::Binary {
        part: None,
        partial: None,
        peek: false
    }]));
    assert!(!sets_seen(&[A::Binary {
        part: None,
        partial: None,
        peek: true
    }]));
    assert!(!sets_seen(&[A::BinarySize { part: None }, A::Envelope]));
}

fn binary(c: &Corpus, n: usize, p: Option<&str>, range: Option<Partial>) -> FetchItem {
    let attribute = A::Binary {
        part: p.map(part),
        partial: range,
        peek: true,
    };
    one(c, n, attribute, UTF8)
}

#[tokio::test]
async fn binary_decodes_content() {
    let c = corpus().await;
    let data = |item: FetchItem| match item {
        FetchItem::Binary { data, .. } => data,
        other => panic!("{other:?}"),
    };
    type Case<'a> = (usize, Option<&'a str>, Option<&'a [u8]>);
    let cases: Vec<Case> = vec![
        (
            2,
            Some("1"),
            Some("Hi Bob,\r\nthe report is attached. Café at noon?".as_bytes()),
        ),
        (2, Some("2"), Some(b"%PDF-1.4\n%\xc7\xec")),
        (3, Some("3"), Some(b"\x89PNG\r\n\x1a\n")),
        (3, Some("2.1"), Some(b"Lunch at noon?")),
        (
            4,
            Some("1"),
            Some("Hallo aus Köln!\r\nBis bald.\r\n".as_bytes()),
        ),
        (1, None, Some(M1.as_bytes())),
        (2, Some("4"), None),
    ];
    for (n, p, expected) in cases {
        assert_eq!(
            data(binary(&c, n, p, None)).as_deref(),
            expected,
            "{n} {p:?}"
        );
    }
    assert_eq!(
        binary(&c, 2, Some("1"), partial(3, 3)),
        FetchItem::Binary {
            part: Some(part("1")),
            origin: Some(3),
            data: Some(b"Bob".to_vec()),
        }
    );
    let size = |n, p: &str| {
        one(
            &c,
            n,
            A::BinarySize {
                part: Some(part(p)),
            },
            UTF8,
        )
    };
    assert_eq!(
        size(2, "2"),
        FetchItem::BinarySize {
            part: Some(part("2")),
            size: 12
        }
    );
    assert_eq!(
        size(4, "1"),
        FetchItem::BinarySize {
            part: Some(part("1")),
            size: 29
        }
    );
    // RFC 3516 §4.2: an encoding the server does not know is NO [UNKNOWN-CTE].
    for attribute in [
        A::Binary {
            part: Some(part("1")),
            partial: None,
            peek: true,
        },
        A::BinarySize {
            part: Some(part("1")),
        },
    ] {
        let result = fetch(&c.store, c.message(10), None, &[attribute], UTF8);
        assert!(matches!(result, Err(FetchError::UnknownCte)), "{result:?}");
    }
}

fn encoded_envelope(c: &Corpus, n: usize, options: FetchOptions) -> String {
    let FetchItem::Envelope(envelope) = one(c, n, A::Envelope, options) else {
        panic!()
    };
    let mut out = Vec::new();
    envelope.encode(EncodeOptions { utf8: true }, &mut out);
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn envelopes() {
    let c = corpus().await;
    let fred = "((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\"))";
    let cases = [
        (
            1,
            format!(
                "(\"Mon, 7 Feb 1994 21:52:25 -0800 (PST)\" \"afternoon meeting\" {fred} {fred} {fred} ((NIL NIL \"mooch\" \"owatagu.siam.edu.example\")) NIL NIL NIL \"<B27397-0100000@Blurdybloop.example>\")"
            ),
        ),
        (
            2,
            "(\"Tue, 02 Jan 2024 10:00:00 +0000\" \"Quarterly report\" ((\"Doe, Jane\" NIL \"jane\" \"example.com\")) ((NIL NIL \"secretary\" \"example.com\")) ((NIL NIL \"replies\" \"example.com\")) ((\"Bob\" NIL \"bob\" \"example.org\")(NIL NIL \"carol\" \"example.org\")) ((\"Dave\" NIL \"dave\" \"example.net\")) NIL NIL \"<report-1@example.com>\")".to_string(),
        ),
        (
            4,
            "(\"Thu, 04 Jan 2024 23:30:00 -0500\" \"=?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\" ((\"=?ISO-8859-1?Q?Andr=E9?= Pirard\" NIL \"PIRARD\" \"vm1.ulg.ac.be.example\")) ((\"=?ISO-8859-1?Q?Andr=E9?= Pirard\" NIL \"PIRARD\" \"vm1.ulg.ac.be.example\")) ((\"=?ISO-8859-1?Q?Andr=E9?= Pirard\" NIL \"PIRARD\" \"vm1.ulg.ac.be.example\")) ((\"=?utf-8?b?SsO2cmc=?=\" NIL \"joerg\" \"example.de\")) NIL NIL NIL \"<koeln@example.de>\")".to_string(),
        ),
        (
            6,
            "(\"Tue, 8 Feb 1994 09:15:00 -0800\" \"Re: Re: afternoon meeting\" ((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) ((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) ((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) ((NIL NIL \"mooch\" \"owatagu.siam.edu.example\")) NIL NIL \"<reply-1@owatagu.siam.edu.example>\" \"<reply-2@Blurdybloop.example>\")".to_string(),
        ),
        (
            7,
            "(NIL \"[list] Fwd: Status (fwd)\" ((\"Status Bot\" NIL \"bot\" \"example.com\")) ((\"Status Bot\" NIL \"bot\" \"example.com\")) ((\"Status Bot\" NIL \"bot\" \"example.com\")) ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL ((NIL NIL \"Team\" NIL)(NIL NIL \"ann\" \"example.com\")(\"Ben B.\" NIL \"ben\" \"example.com\")(NIL NIL NIL NIL)) NIL NIL)".to_string(),
        ),
        (9, "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)".to_string()),
    ];
    for (n, expected) in cases {
        assert_eq!(encoded_envelope(&c, n, UTF8), expected, "message {n}");
        assert_eq!(
            encoded_envelope(&c, n, FetchOptions::default()),
            expected,
            "message {n}"
        );
    }
}

fn encoded_structure(c: &Corpus, n: usize, extended: bool) -> String {
    let attribute = if extended { A::BodyStructure } else { A::Body };
    let (FetchItem::Body(b) | FetchItem::BodyStructure(b)) = one(c, n, attribute, UTF8) else {
        panic!()
    };
    let mut out = Vec::new();
    b.encode(extended, EncodeOptions { utf8: true }, &mut out);
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn parameters_are_sent_as_written_except_file_names() {
    // RFC 2047 §5: no encoded-word in a parameter. A damaged (non-UTF-8) charset goes out as
    // it reads, in a literal; a non-ASCII file name becomes an encoded-word for a client
    // without UTF-8, which is what mail clients show.
    let raw: &'static [u8] =
        b"Content-Type: text/plain; charset=\"\xff\"; name=\"caf\xc3\xa9.txt\"\r\n\r\nx\r\n";
    let c = corpus_keyed(&[raw], true).await;
    let FetchItem::BodyStructure(b) = one(&c, 1, A::BodyStructure, FetchOptions::default()) else {
        panic!()
    };
    let mut out = Vec::new();
    b.encode(true, EncodeOptions::default(), &mut out);
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("(\"TEXT\" \"PLAIN\" (\"CHARSET\" {3}\r\n\u{fffd} \"NAME\" \"=?utf-8?b?Y2Fmw6kudHh0?=\")"),
        "{text}"
    );
}

#[tokio::test]
async fn body_structures() {
    let c = corpus().await;
    assert_eq!(
        encoded_structure(&c, 1, true),
        "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 55 1 NIL NIL NIL NIL)"
    );
    assert_eq!(
        encoded_structure(&c, 1, false),
        "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 55 1)"
    );
    assert_eq!(
        encoded_structure(&c, 2, false),
        "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 51 2)\
         (\"APPLICATION\" \"PDF\" (\"NAME\" \"report.pdf\") NIL NIL \"BASE64\" 16) \"MIXED\")"
    );
    assert_eq!(
        encoded_structure(&c, 2, true),
        "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 51 2 NIL NIL NIL NIL)\
         (\"APPLICATION\" \"PDF\" (\"NAME\" \"report.pdf\") NIL NIL \"BASE64\" 16 NIL \
         (\"ATTACHMENT\" (\"FILENAME\" \"report.pdf\")) NIL NIL) \
         \"MIXED\" (\"BOUNDARY\" \"mix\") NIL NIL NIL)"
    );
    let carol = "((\"Carol\" NIL \"carol\" \"example.org\"))";
    assert_eq!(
        encoded_structure(&c, 3, false),
        format!(
            "((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 26 1)\
             (\"MESSAGE\" \"RFC822\" NIL NIL \"forwarded message\" \"7BIT\" 359 \
             (\"Tue, 02 Jan 2024 12:00:00 +0000\" \"Lunch\" {carol} {carol} {carol} \
             ((NIL NIL \"alice\" \"example.com\")) NIL NIL NIL \"<lunch@example.org>\") \
             ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 14 1)\
             (\"TEXT\" \"HTML\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 28 1) \"ALTERNATIVE\") 16)\
             (\"IMAGE\" \"PNG\" NIL \"<logo@example.com>\" NIL \"BASE64\" 12) \"MIXED\")"
        )
    );
    assert!(encoded_structure(&c, 3, true).ends_with(
        "(\"IMAGE\" \"PNG\" NIL \"<logo@example.com>\" NIL \"BASE64\" 12 NIL (\"INLINE\" NIL) NIL NIL) \
         \"MIXED\" (\"BOUNDARY\" \"outer\") NIL NIL NIL)"
    ));
    assert_eq!(
        encoded_structure(&c, 4, false),
        "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"BASE64\" 42 1)"
    );
    assert_eq!(
        encoded_structure(&c, 8, false),
        "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0)"
    );
    assert_eq!(
        encoded_structure(&c, 9, false),
        "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0)"
    );
    assert_eq!(
        encoded_structure(&c, 10, false),
        "(\"APPLICATION\" \"OCTET-STREAM\" NIL NIL NIL \"X-UUENCODE\" 18)"
    );
}

#[tokio::test]
async fn summary_items() {
    let c = corpus().await;
    let s2 = &c.summaries[1];
    let items = fetch(
        &c.store,
        c.message(2),
        Some(&c.meta(2, MetaNeed::All)),
        &[
            A::Flags,
            A::Uid,
            A::Rfc822Size,
            A::InternalDate,
            A::ModSeq,
            A::EmailId,
            A::ThreadId,
            A::SaveDate,
        ],
        UTF8,
    )
    .unwrap();
    assert_eq!(
        items[0],
        FetchItem::Flags(vec![
            FlagFetch::Flag(Flag::Seen),
            FlagFetch::Flag(Flag::Flagged),
            FlagFetch::Recent,
            FlagFetch::Flag(Flag::keyword("$Forwarded").unwrap()),
        ])
    );
    assert_eq!(items[1], FetchItem::Uid(NonZeroU32::new(2).unwrap()));
    assert_eq!(items[2], FetchItem::Rfc822Size(M2.len() as u64));
    let FetchItem::InternalDate(date) = &items[3] else {
        panic!()
    };
    assert_eq!(date.to_string(), "02-Jan-2024 01:00:00 +0000");
    assert_eq!(items[4], FetchItem::ModSeq(s2.modseq));
    let (FetchItem::EmailId(email), FetchItem::ThreadId(Some(thread))) = (&items[5], &items[6])
    else {
        panic!()
    };
    assert_eq!(email.as_str(), format!("M{}", s2.id));
    assert_eq!(thread.as_str(), format!("T{}", s2.thread_id));
    let FetchItem::SaveDate(Some(saved)) = &items[7] else {
        panic!()
    };
    assert_eq!(saved.unix(), s2.saved_date);
    assert_eq!(
        one(&c, 3, A::Flags, UTF8),
        FetchItem::Flags(vec![FlagFetch::Flag(Flag::Answered)])
    );
    assert_eq!(one(&c, 4, A::Flags, UTF8), FetchItem::Flags(vec![]));
}

#[tokio::test]
async fn previews() {
    let c = corpus().await;
    let cases = [
        (1, "Hello Joe, do you think we can meet at 3:30 tomorrow?"),
        (2, "Hi Bob, the report is attached. Café at noon?"),
        (3, "See the forwarded message."),
        (4, "Hallo aus Köln! Bis bald."),
        (8, ""),
        (10, ""),
    ];
    for (n, expected) in cases {
        for lazy in [false, true] {
            assert_eq!(
                one(&c, n, A::Preview { lazy }, UTF8),
                FetchItem::Preview(Some(expected.to_string())),
                "message {n}"
            );
        }
    }
}

#[tokio::test]
async fn every_item_of_every_message_without_panicking() {
    let c = corpus().await;
    let everything = [
        A::Envelope,
        A::Flags,
        A::InternalDate,
        A::Rfc822Size,
        A::Body,
        A::BodyStructure,
        A::Uid,
        A::BodySection {
            section: section("1.2.3.MIME"),
            partial: partial(1, 1),
            peek: false,
        },
        A::BodySection {
            section: fields(Some("1"), &["x"], true),
            partial: None,
            peek: true,
        },
        A::BinarySize { part: None },
        A::Rfc822,
        A::Rfc822Header,
        A::Rfc822Text,
        A::ModSeq,
        A::Preview { lazy: false },
        A::SaveDate,
        A::EmailId,
        A::ThreadId,
    ];
    for n in 1..=12 {
        let options = FetchOptions::default();
        let items = fetch(&c.store, c.message(n), None, &everything, options).unwrap();
        assert_eq!(items.len(), everything.len(), "message {n}");
        let meta = c.meta(n, meta_need(&everything));
        let stored = fetch(&c.store, c.message(n), Some(&meta), &everything, options).unwrap();
        assert_eq!(stored, items, "message {n}");
    }
}
