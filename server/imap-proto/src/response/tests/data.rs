use super::{UTF8, data, enc, nz, set, tag};
use crate::command::fetch::{Part, Section};
use crate::command::quota::QuotaResource;
use crate::command::search::PartialRange;
use crate::datetime::DateTime;
use crate::response::data::*;
use crate::response::fetch::FetchItem;
use crate::response::{Data, Response};
use crate::types::{Atom, Capability, Flag, FlagFetch, ObjectId, SeqList, SpecialUse};
use std::num::NonZeroU32;

#[test]
fn simple_data() {
    // RFC 9051 §7.2-7.4.
    let cases: Vec<(Data, &str)> = vec![
        (
            Data::Capability(vec![
                Capability::Imap4Rev2,
                Capability::parse("STARTTLS").unwrap(),
                Capability::parse("AUTH=GSSAPI").unwrap(),
            ]),
            "* CAPABILITY IMAP4rev2 STARTTLS AUTH=GSSAPI",
        ),
        (
            Data::Enabled(vec![Capability::CondStore]),
            "* ENABLED CONDSTORE",
        ),
        (Data::Enabled(vec![]), "* ENABLED"),
        (
            Data::Flags(vec![
                Flag::Answered,
                Flag::Flagged,
                Flag::Deleted,
                Flag::Seen,
                Flag::Draft,
            ]),
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
        ),
        (Data::Exists(23), "* 23 EXISTS"),
        (Data::Recent(5), "* 5 RECENT"),
        (Data::Expunge(nz(44)), "* 44 EXPUNGE"),
        (
            Data::Search {
                ids: vec![nz(2), nz(3), nz(6)],
                modseq: None,
            },
            "* SEARCH 2 3 6",
        ),
        (
            Data::Search {
                ids: vec![],
                modseq: None,
            },
            "* SEARCH",
        ),
        (
            Data::Search {
                ids: vec![nz(2), nz(5)],
                modseq: Some(917162500),
            },
            "* SEARCH 2 5 (MODSEQ 917162500)",
        ),
        (
            Data::Search {
                ids: vec![],
                modseq: Some(1),
            },
            "* SEARCH",
        ),
        (
            Data::Sort {
                ids: vec![nz(5), nz(3)],
                modseq: None,
            },
            "* SORT 5 3",
        ),
        (
            Data::Vanished {
                earlier: true,
                uids: set("41,43:116,118,120:211,214:540"),
            },
            "* VANISHED (EARLIER) 41,43:116,118,120:211,214:540",
        ),
        (
            Data::Vanished {
                earlier: false,
                uids: set("405,407,410,425"),
            },
            "* VANISHED 405,407,410,425",
        ),
        (Data::Id(None), "* ID NIL"),
        (
            Data::Id(Some(vec![
                ("name".into(), Some("Cyrus".into())),
                ("os".into(), None),
            ])),
            "* ID (\"name\" \"Cyrus\" \"os\" NIL)",
        ),
        (
            Data::Quota {
                root: "".into(),
                resources: vec![QuotaUsage {
                    resource: QuotaResource::Storage,
                    usage: 10,
                    limit: 512,
                }],
            },
            "* QUOTA \"\" (STORAGE 10 512)",
        ),
        (
            Data::QuotaRoot {
                mailbox: "INBOX".into(),
                roots: vec!["".into()],
            },
            "* QUOTAROOT INBOX \"\"",
        ),
        (
            Data::Status {
                mailbox: "blurdybloop".into(),
                items: vec![StatusValue::Messages(231), StatusValue::UidNext(nz(44292))],
            },
            "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)",
        ),
        (
            Data::Status {
                mailbox: "Entwürfe".into(),
                items: vec![
                    StatusValue::UidValidity(nz(1)),
                    StatusValue::Unseen(0),
                    StatusValue::Deleted(1),
                    StatusValue::Size(9_000_000_000),
                    StatusValue::Recent(0),
                    StatusValue::HighestModSeq(7),
                    StatusValue::AppendLimit(None),
                    StatusValue::AppendLimit(Some(100)),
                    StatusValue::MailboxId(ObjectId::new("Mx").unwrap()),
                    StatusValue::DeletedStorage(3),
                ],
            },
            "* STATUS Entw&APw-rfe (UIDVALIDITY 1 UNSEEN 0 DELETED 1 SIZE 9000000000 RECENT 0 HIGHESTMODSEQ 7 APPENDLIMIT NIL APPENDLIMIT 100 MAILBOXID (Mx) DELETED-STORAGE 3)",
        ),
        (
            Data::Namespace(Namespaces {
                personal: vec![NamespaceDescr {
                    prefix: "".into(),
                    delimiter: Some('/'),
                }],
                other_users: vec![NamespaceDescr {
                    prefix: "~".into(),
                    delimiter: Some('/'),
                }],
                shared: vec![],
            }),
            "* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) NIL",
        ),
        (
            Data::Namespace(Namespaces::default()),
            "* NAMESPACE NIL NIL NIL",
        ),
    ];
    for (d, want) in cases {
        assert_eq!(data(d), format!("{want}\r\n"));
    }
}

#[test]
fn list_responses() {
    let item = |attributes, delimiter, mailbox: &str| ListItem {
        attributes,
        delimiter,
        mailbox: mailbox.into(),
        child_info_subscribed: false,
        old_name: None,
    };
    // RFC 9051 §7.3.1 and §6.3.9.
    assert_eq!(
        data(Data::List(item(
            vec![ListAttribute::NoSelect],
            Some('/'),
            "~/Mail/foo"
        ))),
        "* LIST (\\Noselect) \"/\" ~/Mail/foo\r\n"
    );
    assert_eq!(
        data(Data::List(item(vec![], Some('.'), "INBOX"))),
        "* LIST () \".\" INBOX\r\n"
    );
    assert_eq!(
        data(Data::List(item(vec![ListAttribute::NoSelect], None, ""))),
        "* LIST (\\Noselect) NIL \"\"\r\n"
    );
    assert_eq!(
        data(Data::List(item(
            vec![
                ListAttribute::HasNoChildren,
                ListAttribute::SpecialUse(SpecialUse::Drafts),
                ListAttribute::Subscribed
            ],
            Some('/'),
            "Entwürfe"
        ))),
        "* LIST (\\HasNoChildren \\Drafts \\Subscribed) \"/\" Entw&APw-rfe\r\n"
    );
    let mut r = item(vec![ListAttribute::NonExistent], Some('/'), "Foo");
    r.child_info_subscribed = true;
    assert_eq!(
        data(Data::List(r)),
        "* LIST (\\NonExistent) \"/\" Foo (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n"
    );
    let mut r = item(vec![], Some('/'), "NewName");
    r.old_name = Some("OldName".into());
    assert_eq!(
        data(Data::List(r)),
        "* LIST () \"/\" NewName (\"OLDNAME\" (OldName))\r\n"
    );
    let r = item(
        vec![
            ListAttribute::Other(Atom::new("Foo").unwrap()),
            ListAttribute::Marked,
        ],
        Some('/'),
        "a b",
    );
    assert_eq!(
        data(Data::Lsub(r)),
        "* LSUB (\\Foo \\Marked) \"/\" \"a b\"\r\n"
    );
    let r = Response::Data(Data::List(item(vec![], Some('/'), "日本語")));
    assert_eq!(
        String::from_utf8(r.to_bytes(UTF8)).unwrap(),
        "* LIST () \"/\" \"日本語\"\r\n"
    );
    assert_eq!(enc(&r), "* LIST () \"/\" &ZeVnLIqe-\r\n");
}

#[test]
fn esearch_and_thread() {
    // RFC 9051 §7.3.4 / RFC 4731 §4.
    let e = Esearch {
        tag: Some(tag("A282")),
        min: Some(nz(2)),
        count: Some(3),
        ..Esearch::default()
    };
    assert_eq!(
        data(Data::Esearch(e)),
        "* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n"
    );
    let e = Esearch {
        tag: Some(tag("A283")),
        uid: true,
        all: Some(set("2,10:11")),
        max: Some(nz(11)),
        modseq: Some(1234),
        partial: Some((PartialRange::Last(nz(1), nz(100)), None)),
        ..Esearch::default()
    };
    assert_eq!(
        data(Data::Esearch(e)),
        "* ESEARCH (TAG \"A283\") UID MAX 11 ALL 2,10:11 MODSEQ 1234 PARTIAL (-1:-100 NIL)\r\n"
    );
    assert_eq!(data(Data::Esearch(Esearch::default())), "* ESEARCH\r\n");
    // A reversed range is answered lowest first (RFC 9394 §3.1: 500:400 is 400:500).
    for (range, text) in [
        (PartialRange::First(nz(4), nz(2)), "2:4"),
        (PartialRange::Last(nz(100), nz(1)), "-1:-100"),
    ] {
        let e = Esearch {
            tag: Some(tag("A284")),
            partial: Some((range, Some(set("2:4")))),
            ..Esearch::default()
        };
        assert_eq!(
            data(Data::Esearch(e)),
            format!("* ESEARCH (TAG \"A284\") PARTIAL ({text} 2:4)\r\n")
        );
    }
    // RFC 5267 §4.3 and §3.3 (ALL in sort order).
    let e = Esearch {
        tag: Some(tag("B01")),
        uid: true,
        add_to: vec![(1, set("2733")), (3, set("2731:2732"))],
        remove_from: vec![(0, set("2755"))],
        ..Esearch::default()
    };
    assert_eq!(
        data(Data::Esearch(e)),
        "* ESEARCH (TAG \"B01\") UID ADDTO (1 2733 3 2731:2732) REMOVEFROM (0 2755)\r\n"
    );
    let e = Esearch {
        tag: Some(tag("E01")),
        uid: true,
        all: SeqList::from_ordered([23765, 23764, 23763, 23761]),
        ..Esearch::default()
    };
    assert_eq!(
        data(Data::Esearch(e)),
        "* ESEARCH (TAG \"E01\") UID ALL 23765,23764,23763,23761\r\n"
    );
    // RFC 5256 §4: "* THREAD (2)(3 6 (4 23)(44 7 96))".
    let node = |id: u32, children| ThreadEntry {
        id: NonZeroU32::new(id),
        children,
    };
    let threads = |nodes: Vec<ThreadEntry>| data(Data::Thread(Threads { nodes }));
    let t = vec![
        node(2, 0),
        node(3, 1),
        node(6, 2),
        node(4, 1),
        node(23, 0),
        node(44, 1),
        node(7, 1),
        node(96, 0),
    ];
    assert_eq!(threads(t), "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n");
    // A missing parent: "((3)(5))"; replies nested two deep, closed together.
    assert_eq!(
        threads(vec![node(0, 2), node(3, 0), node(5, 0)]),
        "* THREAD ((3)(5))\r\n"
    );
    let t = vec![
        node(1, 2),
        node(2, 2),
        node(3, 0),
        node(4, 0),
        node(5, 0),
        node(6, 0),
    ];
    assert_eq!(threads(t), "* THREAD (1 (2 (3)(4))(5))(6)\r\n");
    assert_eq!(threads(vec![]), "* THREAD\r\n");
    // Counts running past the end close what is open.
    assert_eq!(
        threads(vec![node(1, 3), node(2, 0)]),
        "* THREAD (1 (2))\r\n"
    );
    assert_eq!(threads(vec![node(1, 2)]), "* THREAD (1)\r\n");
    // Very deep threads do not recurse.
    let deep: Vec<_> = (1..=100_000)
        .map(|i| node(i, u32::from(i < 100_000)))
        .collect();
    assert!(threads(deep).ends_with(" 100000)\r\n"));
}

#[test]
fn fetch_responses() {
    let dt = DateTime::parse(b"17-Jul-1996 02:44:25 -0700").unwrap();
    let part = Part::new(vec![nz(1), nz(2)]).unwrap();
    let items = vec![
        FetchItem::Flags(vec![FlagFetch::Flag(Flag::Seen), FlagFetch::Recent]),
        FetchItem::Uid(nz(4827313)),
        FetchItem::Rfc822Size(44827),
        FetchItem::InternalDate(dt),
        FetchItem::ModSeq(12121231000),
        FetchItem::EmailId(ObjectId::new("M6d99ac3275bb4e").unwrap()),
        FetchItem::ThreadId(None),
        FetchItem::ThreadId(Some(ObjectId::new("T1").unwrap())),
        FetchItem::SaveDate(None),
        FetchItem::SaveDate(Some(dt)),
        FetchItem::Preview(Some("Hi Joe".into())),
        FetchItem::Preview(None),
        FetchItem::BinarySize {
            part: Some(part.clone()),
            size: 30,
        },
    ];
    assert_eq!(
        data(Data::Fetch { seq: nz(12), items }),
        "* 12 FETCH (FLAGS (\\Seen \\Recent) UID 4827313 RFC822.SIZE 44827 \
         INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" MODSEQ (12121231000) EMAILID (M6d99ac3275bb4e) \
         THREADID NIL THREADID (T1) SAVEDATE NIL SAVEDATE \"17-Jul-1996 02:44:25 -0700\" \
         PREVIEW \"Hi Joe\" PREVIEW NIL BINARY.SIZE[1.2] 30)\r\n"
    );
    let items = vec![
        FetchItem::BodySection {
            section: Section::Full,
            origin: None,
            data: Some(b"Hi\r\n".to_vec()),
        },
        FetchItem::BodySection {
            section: Section::HeaderFields {
                part: None,
                fields: vec!["DATE".into(), "FROM".into()],
                not: false,
            },
            origin: None,
            data: Some(b"\r\n".to_vec()),
        },
        FetchItem::BodySection {
            section: Section::Text(Some(part.clone())),
            origin: Some(100),
            data: None,
        },
        FetchItem::BodySection {
            section: Section::Mime(part.clone()),
            origin: None,
            data: Some(vec![]),
        },
        FetchItem::Binary {
            part: None,
            origin: None,
            data: Some(b"a\0b".to_vec()),
        },
        FetchItem::Binary {
            part: Some(part),
            origin: Some(0),
            data: Some(b"ab".to_vec()),
        },
        FetchItem::Rfc822(Some(b"x".to_vec())),
        FetchItem::Rfc822Header(None),
        FetchItem::Rfc822Text(Some(b"y".to_vec())),
    ];
    assert_eq!(
        data(Data::Fetch { seq: nz(1), items }),
        "* 1 FETCH (BODY[] {4}\r\nHi\r\n BODY[HEADER.FIELDS (DATE FROM)] {2}\r\n\r\n \
         BODY[1.2.TEXT]<100> NIL BODY[1.2.MIME] {0}\r\n BINARY[] ~{3}\r\na\0b BINARY[1.2]<0> {2}\r\nab \
         RFC822 {1}\r\nx RFC822.HEADER NIL RFC822.TEXT {1}\r\ny)\r\n"
    );
}
