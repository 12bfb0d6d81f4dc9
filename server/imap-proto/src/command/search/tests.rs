use super::*;
use crate::command::test_util::*;

fn search(line: &str) -> Search {
    match parse(line) {
        Ok(CommandBody::Search(s)) => s,
        other => panic!("{line}: {other:?}"),
    }
}

fn key(text: &str) -> SearchKey {
    search(&format!("a SEARCH {text}")).criteria
}

fn d(s: &str) -> Date {
    Date::parse(s.as_bytes()).unwrap()
}

#[test]
fn rfc_9051_examples() {
    // RFC 9051 §6.4.4.
    let s = search("A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"");
    let ret = s.ret.unwrap();
    assert!(ret.min && ret.count && !ret.all && !ret.max);
    assert_eq!(
        s.criteria,
        SearchKey::And(vec![
            SearchKey::Flagged,
            SearchKey::Since(d("1-Feb-1994")),
            SearchKey::Not(Box::new(SearchKey::From(b"Smith".to_vec()))),
        ])
    );
    let s = search("A283 SEARCH RETURN () FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"");
    assert_eq!(
        s.ret,
        Some(SearchReturn {
            all: true,
            ..SearchReturn::default()
        })
    );
    let s = search("A284 SEARCH TEXT \"string not in mailbox\"");
    assert_eq!((s.ret, s.charset), (None, None));
    assert_eq!(
        s.criteria,
        SearchKey::Text(b"string not in mailbox".to_vec())
    );
    let s = search("A285 SEARCH CHARSET UTF-8 TEXT {12}\r\nМосква");
    assert_eq!(s.charset.as_deref(), Some("UTF-8"));
    assert_eq!(s.criteria, SearchKey::Text("Москва".as_bytes().to_vec()));
    let s = search("A286 SEARCH CHARSET \"X-UNKNOWN\" FROM \"Smith\"");
    assert_eq!(s.charset.as_deref(), Some("X-UNKNOWN"));
    let s = search("A301 UID SEARCH RETURN (SAVE) SINCE 1-Jan-2004 NOT FROM \"Smith\" UID 1:*");
    assert!(s.uid && s.ret.unwrap().save);
    // RFC 5182 §3.
    assert_eq!(key("$"), SearchKey::SequenceSet(SequenceSet::Saved));
    assert_eq!(
        key("UID $ SMALLER 4096"),
        SearchKey::And(vec![
            SearchKey::Uid(SequenceSet::Saved),
            SearchKey::Smaller(4096)
        ])
    );
    // RFC 9051 §6.4.4: OR of three.
    let k = key("OR (OR FROM \"a\" FROM \"b\") FROM \"c\"");
    assert!(matches!(k, SearchKey::Or(ref a, _) if matches!(**a, SearchKey::Or(..))));
}

#[test]
fn every_key() {
    let cases: Vec<(&str, SearchKey)> = vec![
        ("ALL", SearchKey::All),
        ("answered", SearchKey::Answered),
        ("BCC x", SearchKey::Bcc(b"x".to_vec())),
        ("BEFORE \"1-Feb-1994\"", SearchKey::Before(d("1-Feb-1994"))),
        ("BODY {3}\r\na b", SearchKey::Body(b"a b".to_vec())),
        ("CC \"\"", SearchKey::Cc(vec![])),
        ("DELETED", SearchKey::Deleted),
        ("DRAFT", SearchKey::Draft),
        ("FLAGGED", SearchKey::Flagged),
        ("FROM smith", SearchKey::From(b"smith".to_vec())),
        (
            "HEADER X-Spam \"yes\"",
            SearchKey::Header("X-Spam".into(), b"yes".to_vec()),
        ),
        (
            "HEADER Message-ID \"\"",
            SearchKey::Header("Message-ID".into(), vec![]),
        ),
        (
            "KEYWORD $Forwarded",
            SearchKey::Keyword(Atom::new("$Forwarded").unwrap()),
        ),
        (
            "LARGER 9223372036854775807",
            SearchKey::Larger(i64::MAX as u64),
        ),
        ("NEW", SearchKey::New),
        ("NOT SEEN", SearchKey::Not(Box::new(SearchKey::Seen))),
        ("OLD", SearchKey::Old),
        ("ON 31-Dec-1999", SearchKey::On(d("31-Dec-1999"))),
        (
            "OR SEEN 1:3",
            SearchKey::Or(
                Box::new(SearchKey::Seen),
                Box::new(SearchKey::SequenceSet(SequenceSet::parse("1:3").unwrap())),
            ),
        ),
        ("RECENT", SearchKey::Recent),
        ("SEEN", SearchKey::Seen),
        (
            "SENTBEFORE 1-Jan-2000",
            SearchKey::SentBefore(d("1-Jan-2000")),
        ),
        ("SENTON 1-Jan-2000", SearchKey::SentOn(d("1-Jan-2000"))),
        (
            "SENTSINCE 1-Jan-2000",
            SearchKey::SentSince(d("1-Jan-2000")),
        ),
        ("SINCE 1-Jan-2000", SearchKey::Since(d("1-Jan-2000"))),
        ("SMALLER 0", SearchKey::Smaller(0)),
        (
            "SUBJECT \"a \\\"b\\\"\"",
            SearchKey::Subject(b"a \"b\"".to_vec()),
        ),
        ("TEXT x", SearchKey::Text(b"x".to_vec())),
        ("TO x", SearchKey::To(b"x".to_vec())),
        (
            "UID 1,3:*",
            SearchKey::Uid(SequenceSet::parse("1,3:*").unwrap()),
        ),
        ("UNANSWERED", SearchKey::Unanswered),
        ("UNDELETED", SearchKey::Undeleted),
        ("UNDRAFT", SearchKey::Undraft),
        ("UNFLAGGED", SearchKey::Unflagged),
        (
            "UNKEYWORD $Junk",
            SearchKey::Unkeyword(Atom::new("$Junk").unwrap()),
        ),
        ("UNSEEN", SearchKey::Unseen),
        (
            "2,4:7,9,12:*",
            SearchKey::SequenceSet(SequenceSet::parse("2,4:7,9,12:*").unwrap()),
        ),
        ("(SEEN)", SearchKey::Seen),
        (
            "(SEEN DRAFT)",
            SearchKey::And(vec![SearchKey::Seen, SearchKey::Draft]),
        ),
        (
            "MODSEQ 620162338",
            SearchKey::ModSeq {
                entry: None,
                modseq: 620_162_338,
            },
        ),
        (
            "MODSEQ \"/flags/\\\\draft\" all 620162338",
            SearchKey::ModSeq {
                entry: Some(ModSeqEntry {
                    flag: Flag::Draft,
                    kind: EntryKind::All,
                }),
                modseq: 620_162_338,
            },
        ),
        (
            "MODSEQ \"/flags/$Junk\" priv 0",
            SearchKey::ModSeq {
                entry: Some(ModSeqEntry {
                    flag: Flag::keyword("$Junk").unwrap(),
                    kind: EntryKind::Private,
                }),
                modseq: 0,
            },
        ),
        (
            "OLDER 3600",
            SearchKey::Older(NonZeroU32::new(3600).unwrap()),
        ),
        ("YOUNGER 1", SearchKey::Younger(NonZeroU32::new(1).unwrap())),
        (
            "SAVEDBEFORE 1-Jan-2000",
            SearchKey::SavedBefore(d("1-Jan-2000")),
        ),
        ("SAVEDON 1-Jan-2000", SearchKey::SavedOn(d("1-Jan-2000"))),
        (
            "SAVEDSINCE 1-Jan-2000",
            SearchKey::SavedSince(d("1-Jan-2000")),
        ),
        ("SAVEDATESUPPORTED", SearchKey::SaveDateSupported),
        (
            "EMAILID M6d99ac3275bb4e",
            SearchKey::EmailId(ObjectId::new("M6d99ac3275bb4e").unwrap()),
        ),
        (
            "THREADID T64b478a75b7ea9",
            SearchKey::ThreadId(ObjectId::new("T64b478a75b7ea9").unwrap()),
        ),
    ];
    for (text, want) in cases {
        assert_eq!(key(text), want, "{text}");
    }
}

#[test]
fn return_options() {
    let ret = |s: &str| search(&format!("a SEARCH RETURN ({s}) ALL")).ret.unwrap();
    let r = ret("MIN MAX ALL COUNT SAVE");
    assert!(r.min && r.max && r.all && r.count && r.save && !r.context);
    // RFC 5267 §4.
    let r = ret("CONTEXT UPDATE COUNT");
    assert!(r.context && r.update && r.count);
    let one = NonZeroU32::new(1).unwrap();
    let hundred = NonZeroU32::new(100).unwrap();
    assert_eq!(
        ret("PARTIAL 1:100").partial,
        Some(PartialRange::First(one, hundred))
    );
    // RFC 9394 §3.
    assert_eq!(
        ret("PARTIAL -1:-100").partial,
        Some(PartialRange::Last(one, hundred))
    );
    let s = search("a UID SEARCH RETURN (ALL) CHARSET UTF-8 UNSEEN");
    assert!(s.uid && s.ret.unwrap().all && s.charset.is_some());
}

#[test]
fn refusals() {
    assert_bad(&[
        "a SEARCH",
        "a SEARCH ",
        "a SEARCH FOO",
        "a SEARCH ALL ",
        "a SEARCH  ALL",
        "a SEARCH RETURN (FOO) ALL",
        "a SEARCH RETURN (MIN)",
        "a SEARCH RETURN MIN ALL",
        "a SEARCH CHARSET ALL",
        "a SEARCH BEFORE 1-Foo-2000",
        "a SEARCH LARGER x",
        "a SEARCH LARGER 9223372036854775808",
        "a SEARCH NOT",
        "a SEARCH OR SEEN",
        "a SEARCH ()",
        "a SEARCH (SEEN",
        "a SEARCH SEEN)",
        "a SEARCH UID",
        "a SEARCH KEYWORD \\Seen",
        "a SEARCH OLDER 0",
        "a SEARCH EMAILID a.b",
        "a SEARCH MODSEQ \"/flags/\\\\Seen\" foo 1",
        "a SEARCH MODSEQ \"/x/\\\\Seen\" all 1",
        "a SEARCH RETURN (PARTIAL 1:-5) ALL",
        "a SEARCH RETURN (PARTIAL 0:5) ALL",
        "a SEARCH 0",
    ]);
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("a SEARCH {}SEEN{}", "(".repeat(200), ")".repeat(200));
    assert_eq!(
        parse(&deep),
        Err(crate::reader::CommandErrorKind::Syntax("too deeply nested"))
    );
    let nots = format!("a SEARCH {}SEEN", "NOT ".repeat(200));
    assert!(parse(&nots).is_err());
    let ors = format!("a SEARCH {}SEEN{}", "OR ".repeat(200), " SEEN".repeat(200));
    assert!(parse(&ors).is_err());
    let ok = format!("a SEARCH {}SEEN{}", "(".repeat(20), ")".repeat(20));
    assert!(parse(&ok).is_ok());
}

#[test]
fn cancel_update() {
    // RFC 5267 §4.3.5.
    assert_eq!(
        parse("C01 CANCELUPDATE \"B01\""),
        Ok(CommandBody::CancelUpdate(vec!["B01".into()]))
    );
    assert_eq!(
        parse("a CANCELUPDATE \"B01\" \"B02\""),
        Ok(CommandBody::CancelUpdate(vec!["B01".into(), "B02".into()]))
    );
    assert_bad(&[
        "a CANCELUPDATE",
        "a CANCELUPDATE B01",
        "a CANCELUPDATE \"B01\" ",
    ]);
}
