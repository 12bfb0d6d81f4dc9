//! Property tests: random and grammar-steered bytes into every entry
//! point, checking that nothing panics and a few invariants hold. A tiny
//! xorshift PRNG keeps this dependency-free and reproducible.

use kantor_imap_proto::response::data::{ListItem, StatusValue};
use kantor_imap_proto::response::encode::{
    EncodeOptions, NUL_IN_LITERAL, write_astring, write_nstring, write_string, write_text,
};
use kantor_imap_proto::{
    Code, Data, Date, DateTime, Limits, Parsed, Response, Resync, StatusKind, Tag, mutf7,
    parse_authenticate_response, parse_command, parse_idle_done,
};

/// xorshift64* (Vigna), enough for test input.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Fragments that steer random commands into the grammar.
const TOKENS: &[&str] = &[
    "a1 ",
    "* ",
    "+ ",
    "UID ",
    "FETCH ",
    "STORE ",
    "SEARCH ",
    "SELECT ",
    "EXAMINE ",
    "LIST ",
    "LSUB ",
    "STATUS ",
    "APPEND ",
    "LOGIN ",
    "AUTHENTICATE ",
    "COPY ",
    "MOVE ",
    "SORT ",
    "THREAD ",
    "NOTIFY ",
    "ENABLE ",
    "ID ",
    "CREATE ",
    "RENAME ",
    "SETQUOTA ",
    "GETQUOTAROOT ",
    "COMPRESS ",
    "EXPUNGE",
    "IDLE",
    "NOOP",
    "CAPABILITY",
    "INBOX",
    "\"INBOX\"",
    " ",
    " ",
    " ",
    "(",
    ")",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    ".",
    ":",
    ",",
    "*",
    "$",
    "%",
    "\"",
    "\\",
    "{",
    "}",
    "{3}\r\n",
    "{0}\r\n",
    "{5+}\r\n",
    "~{2}\r\n",
    "{99999999999999999999}\r\n",
    "\r\n",
    "\n",
    "\r",
    "\0",
    "1",
    "2:4",
    "1:*",
    "0",
    "4294967296",
    "-1",
    "NIL",
    "ALL",
    "FAST",
    "FULL",
    "BODY",
    "BODY.PEEK",
    "BODY[",
    "HEADER",
    "HEADER.FIELDS",
    ".NOT",
    "TEXT",
    "MIME",
    "BINARY",
    "BINARY.SIZE",
    "ENVELOPE",
    "FLAGS",
    "+FLAGS.SILENT",
    "-FLAGS",
    "\\Seen",
    "\\Deleted",
    "$Junk",
    "\\*",
    "RETURN",
    "MIN",
    "MAX",
    "COUNT",
    "SAVE",
    "PARTIAL",
    "CHARSET",
    "UTF-8",
    "OR",
    "NOT",
    "SINCE",
    "1-Feb-1994",
    "\"17-Jul-1996 02:44:25 -0700\"",
    "MODSEQ",
    "CHANGEDSINCE",
    "VANISHED",
    "UNCHANGEDSINCE",
    "CONDSTORE",
    "QRESYNC",
    "SUBSCRIBED",
    "RECURSIVEMATCH",
    "CHILDREN",
    "SPECIAL-USE",
    "USE",
    "\\Drafts",
    "CATENATE",
    "URL",
    "PREVIEW",
    "LAZY",
    "SET",
    "STATUS",
    "selected",
    "subtree",
    "MessageNew",
    "REVERSE",
    "DATE",
    "REFERENCES",
    "STORAGE",
    "DEFLATE",
    "dGVzdA==",
    "=",
    "é",
    "\u{FEFF}",
    "\u{7f}",
    "\u{ff}",
];

/// Valid commands to mutate, so random input reaches deep into each parser.
const CORPUS: &[&str] = &[
    "a1 UID FETCH 1:*,3 (FLAGS BODY.PEEK[1.2.HEADER.FIELDS.NOT (From \"To\")]<0.100> BINARY[2]) (CHANGEDSINCE 5 VANISHED)\r\n",
    "a2 FETCH 2:4 (UID BODYSTRUCTURE ENVELOPE RFC822.SIZE PREVIEW (LAZY) EMAILID BINARY.SIZE[1] BODY[3.MIME])\r\n",
    "a3 UID SEARCH RETURN (MIN MAX COUNT SAVE PARTIAL -1:-10) CHARSET UTF-8 OR (FROM {3}\r\nabc SINCE 1-Feb-1994) NOT UID $ MODSEQ \"/flags/\\\\Seen\" all 5\r\n",
    "a4 SEARCH HEADER X-A \"b\" LARGER 5 SMALLER 9 OLDER 3 SAVEDBEFORE 1-Jan-2000 EMAILID M1 THREADID T1 KEYWORD $Junk 1,2:*\r\n",
    "a5 STORE 1:3 (UNCHANGEDSINCE 7) +FLAGS.SILENT (\\Seen $Forwarded)\r\n",
    "a6 SELECT INBOX (CONDSTORE QRESYNC (67890007 20050715194045000 41,43:211 (1:5 10:15)))\r\n",
    "a7 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"INBOX\" %/*) RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))\r\n",
    "a8 APPEND Drafts (\\Draft) \"17-Jul-1996 02:44:25 -0700\" {3+}\r\nabc CATENATE (URL \"/x\" TEXT ~{2}\r\nhi)\r\n",
    "a9 NOTIFY SET STATUS (selected (MessageNew (UID BODY.PEEK[HEADER]) MessageExpunge)) (subtree (A \"B c\") NONE)\r\n",
    "a10 UID SORT RETURN (COUNT) (REVERSE DATE DISPLAYFROM) UTF-8 UNSEEN NOT DELETED\r\n",
    "a11 THREAD REFERENCES UTF-8 (SEEN OR DRAFT FLAGGED)\r\n",
    "a12 ID (\"name\" \"x\" \"os\" NIL)\r\n",
    "a13 CREATE Foo (USE (\\Drafts \\Sent))\r\n",
    "a14 SETQUOTA \"\" (STORAGE 512 MESSAGE 10)\r\n",
    "a15 LOGIN {4}\r\nuser \"p\\\"w\"\r\n",
    "a16 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\n",
    "a17 ENABLE QRESYNC UTF8=ACCEPT\r\n",
    "a18 UID MOVE 1:5 \"Trash\"\r\n",
    "a19 STATUS INBOX (MESSAGES UIDNEXT HIGHESTMODSEQ APPENDLIMIT)\r\n",
    "a20 RENAME \"a b\" {3+}\r\nc d\r\n",
];

fn mutate(rng: &mut Rng) -> Vec<u8> {
    let mut out = rng.pick(CORPUS).as_bytes().to_vec();
    for _ in 0..rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(5) {
            0 => out.insert(at, rng.next() as u8),
            1 if at < out.len() => {
                out.remove(at);
            }
            2 => {
                let token = rng.pick(TOKENS).as_bytes();
                out.splice(at..at, token.iter().copied());
            }
            3 => out.truncate(at),
            _ if at < out.len() => out[at] = *rng.pick(b"() []{}<>.:,*$\"\\\r\n 0-+~"),
            _ => {}
        }
    }
    out
}

fn random_command(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    if rng.below(4) != 0 {
        out.extend_from_slice(b"a1 ");
    }
    for _ in 0..rng.below(24) {
        match rng.below(10) {
            0 => out.push(rng.next() as u8),
            _ => out.extend_from_slice(rng.pick(TOKENS).as_bytes()),
        }
    }
    if rng.below(5) != 0 {
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[test]
fn corpus_is_valid() {
    for cmd in CORPUS {
        let parsed = parse_command(cmd.as_bytes(), &Limits::default());
        assert!(
            matches!(parsed, Ok(Parsed::Complete { consumed, .. }) if consumed == cmd.len()),
            "{cmd}: {parsed:?}"
        );
    }
}

#[test]
fn parse_command_never_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let limit_sets = [
        Limits::default(),
        Limits {
            max_line: 16,
            max_literal: 4,
            max_command: 24,
            literal_minus: true,
            max_literals: 2,
        },
        Limits {
            max_line: 0,
            max_literal: 0,
            max_command: 0,
            literal_minus: false,
            max_literals: 0,
        },
        Limits {
            max_line: usize::MAX,
            max_literal: u64::MAX,
            max_command: u64::MAX,
            literal_minus: false,
            max_literals: u32::MAX,
        },
    ];
    let mut complete = 0;
    for i in 0..300_000 {
        let input = match i % 3 {
            0 => (0..rng.below(64)).map(|_| rng.next() as u8).collect(),
            1 => random_command(&mut rng),
            _ => mutate(&mut rng),
        };
        let limits = *rng.pick(&limit_sets);
        match parse_command(&input, &limits) {
            Ok(Parsed::Complete { command, consumed }) => {
                complete += 1;
                assert!(consumed > 0 && consumed <= input.len());
                assert_eq!(input[consumed - 1], b'\n');
                let again = parse_command(&input[..consumed], &limits);
                assert_eq!(again, Ok(Parsed::Complete { command, consumed }));
            }
            Ok(Parsed::Incomplete | Parsed::NeedsLiteral { .. }) => {}
            Err(e) => {
                if let Resync::Skip(n) = e.resync {
                    assert!(n > 0 && n <= input.len(), "{n} {}", input.len());
                }
                let mut out = Vec::new();
                e.response().encode(EncodeOptions::default(), &mut out);
                assert!(out.ends_with(b"\r\n"));
                assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
            }
        }
    }
    assert!(
        complete > 10_000,
        "only {complete} complete commands: the generator drifted"
    );
}

#[test]
fn continuation_readers_never_panic() {
    let mut rng = Rng(42);
    for _ in 0..100_000 {
        let input = random_command(&mut rng);
        if let Ok(Some(n)) = parse_idle_done(&input) {
            assert!(n <= input.len());
        }
        if let Ok(Some((_, n))) = parse_authenticate_response(&input, 64) {
            assert!(n <= input.len());
        }
        let _ = DateTime::parse(&input);
        let _ = Date::parse(&input);
    }
}

fn random_text(rng: &mut Rng) -> Vec<u8> {
    const PIECES: &[&[u8]] = &[
        b"a",
        b" ",
        b"\"",
        b"\\",
        b"\r",
        b"\n",
        b"\0",
        b"NIL",
        b"]",
        b"[",
        b"{3}",
        b"\xc3\xa9",
        b"\xff",
        b"%",
        b"*",
        b"&",
        b"-",
        b"\xe6\x97\xa5",
    ];
    let mut out = Vec::new();
    for _ in 0..rng.below(12) {
        if rng.below(8) == 0 {
            out.push(rng.next() as u8);
        } else {
            let piece = PIECES[rng.below(PIECES.len())];
            out.extend_from_slice(piece);
        }
    }
    if rng.below(50) == 0 {
        out.extend(std::iter::repeat_n(b'x', 1100));
    }
    out
}

/// Reads back one `string` as the grammar defines it; returns the value
/// and the rest.
fn read_string(s: &[u8]) -> (Vec<u8>, &[u8]) {
    if let Some(rest) = s.strip_prefix(b"\"") {
        let mut value = Vec::new();
        let mut i = 0;
        loop {
            match rest[i] {
                b'"' => return (value, &rest[i + 1..]),
                b'\\' => {
                    assert!(matches!(rest[i + 1], b'"' | b'\\'));
                    value.push(rest[i + 1]);
                    i += 2;
                }
                b'\r' | b'\n' | 0 => panic!("raw CR, LF or NUL in a quoted string"),
                b => {
                    value.push(b);
                    i += 1;
                }
            }
        }
    }
    let s = s.strip_prefix(b"~").unwrap_or(s);
    let s = s
        .strip_prefix(b"{")
        .expect("a string is quoted or a literal");
    let close = s.iter().position(|&b| b == b'}').unwrap();
    let len: usize = std::str::from_utf8(&s[..close]).unwrap().parse().unwrap();
    let data = s[close + 1..].strip_prefix(b"\r\n").unwrap();
    (data[..len].to_vec(), &data[len..])
}

#[test]
fn encoder_string_choices_round_trip() {
    let mut rng = Rng(7);
    for i in 0..200_000 {
        let value = random_text(&mut rng);
        let opts = EncodeOptions { utf8: i % 2 == 0 };
        let mut out = Vec::new();
        write_string(&value, opts, &mut out);
        let (back, rest) = read_string(&out);
        // A literal carries no NUL (RFC 9051 §4.3): it comes back as 0x80.
        let sent: Vec<u8> = value
            .iter()
            .map(|&b| if b == 0 { NUL_IN_LITERAL } else { b })
            .collect();
        assert_eq!((back.as_slice(), rest), (sent.as_slice(), &b""[..]));
        assert!(!out.contains(&0), "{out:?}");
        if !opts.utf8 && out.first() == Some(&b'"') {
            assert!(out.is_ascii());
        }

        let mut out = Vec::new();
        write_astring(&value, opts, &mut out);
        if out.first().is_some_and(|&b| b == b'"' || b == b'{') {
            assert_eq!(read_string(&out).0, sent);
        } else {
            assert_eq!(out, value);
            assert!(!value.eq_ignore_ascii_case(b"NIL"));
        }

        let mut out = Vec::new();
        write_nstring(Some(&value), opts, &mut out);
        assert_ne!(out, b"NIL");

        let text = String::from_utf8_lossy(&value);
        let mut out = Vec::new();
        write_text(&text, opts, &mut out);
        assert!(
            !out.is_empty() && !out.contains(&b'\r') && !out.contains(&b'\n') && !out.contains(&0)
        );

        let name = text.to_string();
        assert_eq!(
            mutf7::decode(&mutf7::encode(&name)).as_deref(),
            Ok(name.as_str())
        );
        let _ = mutf7::decode(&name);

        let tag = Tag::new("t1").ok();
        let responses = [
            Response::Status {
                tag,
                kind: StatusKind::No,
                code: Some(Code::Other {
                    name: kantor_imap_proto::Atom::new("X").unwrap(),
                    text: Some(name.clone()),
                }),
                text: name.clone(),
            },
            Response::Continue(name.clone()),
            Response::Data(Data::Status {
                mailbox: name.clone(),
                items: vec![StatusValue::Messages(1)],
            }),
            Response::Data(Data::List(ListItem {
                attributes: vec![],
                delimiter: name.chars().next(),
                mailbox: name.clone(),
                child_info_subscribed: false,
                old_name: Some(name.clone()),
            })),
        ];
        for r in responses {
            let bytes = r.to_bytes(opts);
            assert!(bytes.ends_with(b"\r\n"));
            // Outside literals, no CR or LF but the final CRLF.
            if !bytes.contains(&b'{') {
                assert_eq!(
                    bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count(),
                    2,
                    "{bytes:?}"
                );
            }
        }
    }
}

#[test]
fn imap_url_parser_never_panics() {
    use kantor_imap_proto::imapurl::{Base, parse_message_url};
    let pieces = [
        "imap://",
        "//",
        "/",
        ";UID=",
        ";uidvalidity=",
        ";SECTION=",
        ";PARTIAL=",
        ";AUTH=*",
        ";URLAUTH=",
        "@",
        ":",
        "%",
        "%4",
        "%C3%A9",
        "..",
        ".",
        "INBOX",
        "1",
        "0",
        "4294967296",
        "HEADER.FIELDS%20(a)",
        "1.MIME",
        "TEXT",
        "[",
        "]",
        "?",
        "#",
        "é",
        " ",
        "host",
        "x",
    ];
    let base = Base {
        mailbox: "A/B c",
        uidvalidity: std::num::NonZeroU32::new(3),
    };
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut parsed = 0;
    for _ in 0..100_000 {
        let url: String = (0..rng.below(10)).map(|_| *rng.pick(&pieces)).collect();
        let with_base = rng.below(2) == 0;
        if parse_message_url(&url, with_base.then_some(base)).is_ok() {
            parsed += 1;
        }
    }
    assert!(parsed > 0, "some random URLs are valid");
}
