use super::*;
use crate::command::test_util::*;

fn fetch(line: &str) -> Fetch {
    match parse(line) {
        Ok(CommandBody::Fetch(f)) => f,
        other => panic!("{line}: {other:?}"),
    }
}

fn atts(items: &str) -> Vec<FetchAttribute> {
    fetch(&format!("a FETCH 1 {items}")).attributes
}

fn part(numbers: &[u32]) -> Part {
    Part::new(
        numbers
            .iter()
            .map(|&n| NonZeroU32::new(n).unwrap())
            .collect(),
    )
    .unwrap()
}

fn partial(offset: u64, length: u64) -> Option<Partial> {
    Some(Partial {
        offset,
        length: NonZeroU64::new(length).unwrap(),
    })
}

#[test]
fn rfc_9051_examples() {
    // RFC 9051 §6.4.5.
    let f = fetch("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])");
    assert_eq!(f.set.to_string(), "2:4");
    assert_eq!(
        f.attributes,
        [
            FetchAttribute::Flags,
            FetchAttribute::BodySection {
                section: Section::HeaderFields {
                    part: None,
                    fields: vec!["DATE".into(), "FROM".into()],
                    not: false
                },
                partial: None,
                peek: false,
            }
        ]
    );
    // RFC 9051 §6.4.9.
    let f = fetch("A999 UID FETCH 4827313:4828442 FLAGS");
    assert!(f.uid);
    assert_eq!(f.attributes, [FetchAttribute::Flags]);
    // RFC 9051 §8.
    let f = fetch("a003 fetch 12 full");
    assert_eq!(f.attributes, FetchAttribute::FULL);
    let f = fetch("a004 fetch 12 body[header]");
    assert_eq!(
        f.attributes,
        [FetchAttribute::BodySection {
            section: Section::Header(None),
            partial: None,
            peek: false
        }]
    );
    assert_eq!(atts("ALL"), FetchAttribute::ALL);
    assert_eq!(atts("fast"), FetchAttribute::FAST);
}

#[test]
fn every_item() {
    use FetchAttribute as A;
    let cases: Vec<(&str, A)> = vec![
        ("ENVELOPE", A::Envelope),
        ("FLAGS", A::Flags),
        ("INTERNALDATE", A::InternalDate),
        ("RFC822.SIZE", A::Rfc822Size),
        ("BODY", A::Body),
        ("BODYSTRUCTURE", A::BodyStructure),
        ("UID", A::Uid),
        (
            "BODY[]",
            A::BodySection {
                section: Section::Full,
                partial: None,
                peek: false,
            },
        ),
        (
            "BODY.PEEK[]<0.2048>",
            A::BodySection {
                section: Section::Full,
                partial: partial(0, 2048),
                peek: true,
            },
        ),
        (
            "body[1.2.3]",
            A::BodySection {
                section: Section::Part(part(&[1, 2, 3])),
                partial: None,
                peek: false,
            },
        ),
        (
            "BODY[TEXT]<100.5>",
            A::BodySection {
                section: Section::Text(None),
                partial: partial(100, 5),
                peek: false,
            },
        ),
        (
            "BODY[4.2.TEXT]",
            A::BodySection {
                section: Section::Text(Some(part(&[4, 2]))),
                partial: None,
                peek: false,
            },
        ),
        (
            "BODY[3.HEADER]",
            A::BodySection {
                section: Section::Header(Some(part(&[3]))),
                partial: None,
                peek: false,
            },
        ),
        (
            "BODY.PEEK[1.MIME]",
            A::BodySection {
                section: Section::Mime(part(&[1])),
                partial: None,
                peek: true,
            },
        ),
        (
            "BODY.PEEK[HEADER.FIELDS.NOT (Subject \"X-Y\")]",
            A::BodySection {
                section: Section::HeaderFields {
                    part: None,
                    fields: vec!["Subject".into(), "X-Y".into()],
                    not: true,
                },
                partial: None,
                peek: true,
            },
        ),
        (
            "BODY[2.HEADER.FIELDS (To)]",
            A::BodySection {
                section: Section::HeaderFields {
                    part: Some(part(&[2])),
                    fields: vec!["To".into()],
                    not: false,
                },
                partial: None,
                peek: false,
            },
        ),
        (
            "BINARY[]",
            A::Binary {
                part: None,
                partial: None,
                peek: false,
            },
        ),
        (
            "BINARY.PEEK[1.2]<0.10>",
            A::Binary {
                part: Some(part(&[1, 2])),
                partial: partial(0, 10),
                peek: true,
            },
        ),
        (
            "BINARY.SIZE[3]",
            A::BinarySize {
                part: Some(part(&[3])),
            },
        ),
        ("RFC822", A::Rfc822),
        ("RFC822.HEADER", A::Rfc822Header),
        ("RFC822.TEXT", A::Rfc822Text),
        ("MODSEQ", A::ModSeq),
        ("PREVIEW", A::Preview { lazy: false }),
        ("SAVEDATE", A::SaveDate),
        ("EMAILID", A::EmailId),
        ("THREADID", A::ThreadId),
    ];
    for (text, want) in cases {
        assert_eq!(atts(text), std::slice::from_ref(&want), "{text}");
        assert_eq!(
            atts(&format!("({text} UID)")),
            [want, A::Uid],
            "({text} UID)"
        );
    }
    // RFC 8970 §3.
    assert_eq!(
        atts("(UID PREVIEW (LAZY))"),
        [A::Uid, A::Preview { lazy: true }]
    );
    assert_eq!(atts("PREVIEW (lazy)"), [A::Preview { lazy: true }]);
}

#[test]
fn modifiers() {
    // RFC 7162 §3.1.4.1 and §3.2.6.
    let f = fetch("s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)");
    assert_eq!((f.changed_since, f.vanished), (Some(12345), false));
    let f = fetch("s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)");
    assert_eq!((f.changed_since, f.vanished), (Some(12345), true));
    let f = fetch("a FETCH 1 PREVIEW (CHANGEDSINCE 5)");
    assert_eq!(
        (f.attributes.as_slice(), f.changed_since),
        (
            [FetchAttribute::Preview { lazy: false }].as_slice(),
            Some(5)
        )
    );
    let f = fetch("a FETCH 1 PREVIEW (LAZY) (CHANGEDSINCE 5)");
    assert_eq!(
        (f.attributes.as_slice(), f.changed_since),
        ([FetchAttribute::Preview { lazy: true }].as_slice(), Some(5))
    );
    assert_eq!(fetch("a FETCH $ FLAGS").set, SequenceSet::Saved);
}

#[test]
fn refusals() {
    assert_bad(&[
        "a FETCH",
        "a FETCH 1",
        "a FETCH 1 ()",
        "a FETCH 1 FOO",
        "a FETCH 1 (FLAGS FOO)",
        "a FETCH 1 (FLAGS",
        "a FETCH 1 BODY[",
        "a FETCH 1 BODY[0]",
        "a FETCH 1 BODY[MIME]",
        "a FETCH 1 BODY[1.FOO]",
        "a FETCH 1 BODY[HEADER.FIELDS]",
        "a FETCH 1 BODY[HEADER.FIELDS ()]",
        "a FETCH 1 BODY[]<0>",
        "a FETCH 1 BODY[]<0.0>",
        "a FETCH 1 BODY[]<a.1>",
        "a FETCH 1 BODY.PEEK",
        "a FETCH 1 BINARY[TEXT]",
        "a FETCH 1 BINARY.SIZE[]<0.1>",
        "a FETCH 1 BODYSTRUCTURE[]",
        "a FETCH 1 FLAGS (FOO)",
        "a FETCH 1 FLAGS ()",
        "a FETCH 1 FLAGS (CHANGEDSINCE)",
        "a FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)",
        "a UID FETCH 1:* FLAGS (VANISHED)",
        "a FETCH 1 PREVIEW (LAZY FOO)",
        "a FETCH x FLAGS",
        "a FETCH 1 FLAGS ",
    ]);
}
