//! The incremental reader: byte-at-a-time splits, pipelining, and literal
//! and line limits (RFC 9051 §4.3, RFC 7888).

use kantor_imap_proto::{
    CommandBody, CommandError, CommandErrorKind, Limits, Parsed, Resync, Tag, parse_command,
};

fn limits() -> Limits {
    Limits::default()
}

/// Commands whose bytes end right after a literal header, at each offset.
fn literal_header_ends(cmd: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut i = 0;
    while let Some(lf) = cmd[i..].iter().position(|&b| b == b'\n') {
        let line_end = i + lf;
        let line = &cmd[i..line_end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(open) = line.iter().rposition(|&b| b == b'{') else {
            break;
        };
        if !line.ends_with(b"}") {
            break;
        }
        let digits: String = line[open + 1..line.len() - 1]
            .iter()
            .filter(|b| b.is_ascii_digit())
            .map(|&b| b as char)
            .collect();
        let Ok(size) = digits.parse::<usize>() else {
            break;
        };
        ends.push(line_end + 1);
        i = line_end + 1 + size;
    }
    ends
}

const COMMANDS: &[&[u8]] = &[
    b"a1 CAPABILITY\r\n",
    b"a2 LOGIN {4}\r\nuser {6}\r\np a ss\r\n",
    b"a3 LOGIN {4+}\r\nuser \"pass\"\r\n",
    b"a4 SELECT INBOX (CONDSTORE)\r\n",
    b"a5 APPEND Drafts (\\Draft) \"17-Jul-1996 02:44:25 -0700\" {12}\r\nSubject: x\r\n\r\n",
    b"a6 APPEND INBOX ~{3}\r\na\0b {0}\r\n CATENATE (TEXT {2+}\r\nhi URL \"/INBOX;UID=1\")\r\n",
    b"a7 UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From {2}\r\nTo)]) (CHANGEDSINCE 5)\r\n",
    b"a8 SEARCH CHARSET UTF-8 OR SUBJECT {5}\r\n\xc3\xa9t\xc3\xa9 FROM x\n",
    b"a9 NOTIFY SET (selected (MessageNew (UID) MessageExpunge))\r\n",
    b"a10 LOGOUT\r\n",
];

#[test]
fn byte_at_a_time() {
    for cmd in COMMANDS {
        let whole = match parse_command(cmd, &limits()) {
            Ok(Parsed::Complete { command, consumed }) => {
                assert_eq!(consumed, cmd.len(), "{}", String::from_utf8_lossy(cmd));
                command
            }
            other => panic!("{}: {other:?}", String::from_utf8_lossy(cmd)),
        };
        let header_ends = literal_header_ends(cmd);
        for end in 0..cmd.len() {
            let got = parse_command(&cmd[..end], &limits());
            let want_literal = header_ends.contains(&end);
            match got {
                Ok(Parsed::Incomplete) if !want_literal => {}
                Ok(Parsed::NeedsLiteral { .. }) if want_literal => {}
                other => panic!("{} at {end}: {other:?}", String::from_utf8_lossy(cmd)),
            }
        }
        // Followed by another command, the first is read alone.
        let mut two = cmd.to_vec();
        two.extend_from_slice(b"z NOOP\r\n");
        let Ok(Parsed::Complete { command, consumed }) = parse_command(&two, &limits()) else {
            panic!()
        };
        assert_eq!((command, consumed), (whole, cmd.len()));
    }
}

#[test]
fn pipelined_stream() {
    let stream: Vec<u8> = COMMANDS.concat();
    let mut buf = Vec::new();
    let mut tags = Vec::new();
    for &b in &stream {
        buf.push(b);
        while let Ok(Parsed::Complete { command, consumed }) = parse_command(&buf, &limits()) {
            tags.push(command.tag.as_str().to_string());
            buf.drain(..consumed);
        }
    }
    assert!(buf.is_empty());
    assert_eq!(
        tags,
        ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10"]
    );
}

#[test]
fn needs_literal_reports_the_header() {
    let cases: &[(&[u8], u64, bool, bool)] = &[
        (b"a LOGIN {5}\r\n", 5, true, false),
        (b"a LOGIN {5+}\r\n", 5, false, false),
        (b"a LOGIN {5-}\n", 5, false, false),
        (b"a APPEND x ~{0}\r\n", 0, true, true),
        (b"a LOGIN {1}\r\nu {5}\r\n", 5, true, false),
    ];
    for &(buf, size, synchronizing, binary) in cases {
        assert_eq!(
            parse_command(buf, &limits()),
            Ok(Parsed::NeedsLiteral {
                size,
                synchronizing,
                binary
            }),
            "{}",
            String::from_utf8_lossy(buf)
        );
    }
    assert_eq!(
        parse_command(b"a LOGIN {5}\r\nuse", &limits()),
        Ok(Parsed::Incomplete)
    );
    assert_eq!(
        parse_command(b"a LOGIN {5}\r\nuser1", &limits()),
        Ok(Parsed::Incomplete)
    );
    assert_eq!(parse_command(b"", &limits()), Ok(Parsed::Incomplete));
}

fn err(buf: &[u8], limits: &Limits) -> CommandError {
    match parse_command(buf, limits) {
        Err(e) => e,
        other => panic!("{}: {other:?}", String::from_utf8_lossy(buf)),
    }
}

#[test]
fn literal_limits() {
    let small = Limits {
        max_literal: 10,
        ..Limits::default()
    };
    let tag = Tag::new("a").ok();
    // Synchronizing: NO [TOOBIG] without `+`; skip the header line only.
    let e = err(b"a APPEND x {11}\r\n", &small);
    assert_eq!(
        e.kind,
        CommandErrorKind::LiteralTooBig {
            size: 11,
            synchronizing: true
        }
    );
    assert_eq!((e.tag.clone(), e.resync), (tag.clone(), Resync::Skip(17)));
    // Non-synchronizing: the data is on its way; reply and close.
    let e = err(b"a APPEND x {11+}\r\nhello", &small);
    assert_eq!(
        e.kind,
        CommandErrorKind::LiteralTooBig {
            size: 11,
            synchronizing: false
        }
    );
    assert_eq!(e.resync, Resync::Close);
    let e = err(b"a APPEND x ~{11}\r\n", &small);
    assert!(matches!(e.kind, CommandErrorKind::LiteralTooBig { .. }));
    let e = err(b"a LOGIN {1}\r\nu {99999999999999999999999}\r\n", &small);
    assert_eq!(
        e.kind,
        CommandErrorKind::LiteralTooBig {
            size: u64::MAX,
            synchronizing: true
        }
    );
    assert_eq!(
        parse_command(b"a APPEND x {10}\r\n", &small),
        Ok(Parsed::NeedsLiteral {
            size: 10,
            synchronizing: true,
            binary: false
        })
    );

    // APPENDLIMIT is per literal (RFC 7889): several literals of the limit are fine...
    let multi = b"a APPEND x {10}\r\n0123456789 {10}\r\n0123456789 {10}\r\n0123456789\r\n";
    assert!(matches!(
        parse_command(multi, &small),
        Ok(Parsed::Complete { consumed, .. }) if consumed == multi.len()
    ));
    // ...until the whole command would pass max_command: then TOOBIG as for one literal, the
    // command so far dropped.
    let capped = Limits {
        max_literal: 10,
        max_command: 40,
        ..Limits::default()
    };
    let head = b"a APPEND x {10}\r\n0123456789 {10}\r\n";
    let e = err(head, &capped);
    assert_eq!(
        e.kind,
        CommandErrorKind::CommandTooBig {
            size: head.len() as u64 + 10,
            synchronizing: true
        }
    );
    assert_eq!(
        (e.tag.clone(), e.resync),
        (tag.clone(), Resync::Skip(head.len()))
    );
    assert_eq!(
        e.response().to_bytes(Default::default()),
        b"a NO [TOOBIG] command too big\r\n"
    );
    let e = err(b"a APPEND x {10}\r\n0123456789 {10+}\r\n01", &capped);
    assert!(matches!(
        e.kind,
        CommandErrorKind::CommandTooBig {
            synchronizing: false,
            ..
        }
    ));
    assert_eq!(e.resync, Resync::Close);
    assert!(
        e.response()
            .to_bytes(Default::default())
            .starts_with(b"a BAD [TOOBIG]")
    );
    // Exactly at the cap is fine.
    let at_cap = Limits {
        max_command: head.len() as u64 + 10,
        ..capped
    };
    assert!(matches!(
        parse_command(head, &at_cap),
        Ok(Parsed::NeedsLiteral { size: 10, .. })
    ));

    // LITERAL- (RFC 7888 §5): non-synchronizing literals up to 4096 octets.
    let minus = Limits {
        literal_minus: true,
        ..Limits::default()
    };
    assert!(matches!(
        parse_command(b"a APPEND x {4096+}\r\n", &minus),
        Ok(Parsed::NeedsLiteral { .. })
    ));
    assert!(matches!(
        parse_command(b"a APPEND x {4097}\r\n", &minus),
        Ok(Parsed::NeedsLiteral { .. })
    ));
    let e = err(b"a APPEND x {4097+}\r\n", &minus);
    assert_eq!(
        (e.kind, e.resync),
        (
            CommandErrorKind::LiteralTooBig {
                size: 4097,
                synchronizing: false
            },
            Resync::Close
        )
    );
    assert!(matches!(
        parse_command(b"a APPEND x {4097+}\r\n", &limits()),
        Ok(Parsed::NeedsLiteral { .. })
    ));
}

#[test]
fn line_limits() {
    let short = Limits {
        max_line: 16,
        ..Limits::default()
    };
    assert_eq!(
        parse_command(b"a NOOP 456789012", &short),
        Ok(Parsed::Incomplete)
    );
    assert_eq!(
        parse_command(b"a NOOP 456789012\r", &short),
        Ok(Parsed::Incomplete)
    );
    assert!(
        parse_command(b"a NOOP 456789012\r\n", &short)
            .is_err_and(|e| e.kind != CommandErrorKind::LineTooLong)
    );
    let e = err(b"a NOOP 4567890123", &short);
    assert_eq!(
        (e.kind.clone(), e.resync, e.tag.is_some()),
        (CommandErrorKind::LineTooLong, Resync::SkipLine, true)
    );
    let e = err(b"a NOOP 4567890123456789\r\nb NOOP\r\n", &short);
    assert_eq!(
        (e.kind, e.resync),
        (CommandErrorKind::LineTooLong, Resync::Skip(25))
    );
    // The limit applies to each line of a command, not to literal data.
    let ok = b"a LOGIN {20}\r\n01234567890123456789 x\r\n";
    assert!(matches!(
        parse_command(ok, &short),
        Ok(Parsed::Complete { .. })
    ));
    let e = err(b"a LOGIN {1}\r\nu 234567890123456789\r\n", &short);
    assert_eq!(
        (e.kind, e.resync),
        (CommandErrorKind::LineTooLong, Resync::Skip(35))
    );
}

#[test]
fn errors_carry_tag_and_skip() {
    let e = err(b"a1 FROB x\r\nb NOOP\r\n", &limits());
    assert_eq!(
        (e.tag, e.kind, e.resync),
        (
            Tag::new("a1").ok(),
            CommandErrorKind::UnknownCommand,
            Resync::Skip(11)
        )
    );
    let e = err(b"* NOOP\r\n", &limits());
    assert_eq!((e.tag, e.kind), (None, CommandErrorKind::BadTag));
    let e = err(b"a2 LOGIN {3}\r\nabc\r\n", &limits());
    assert_eq!(e.resync, Resync::Skip(19));
    assert!(matches!(e.kind, CommandErrorKind::Syntax(_)));
    let e = err(b"\r\n", &limits());
    assert_eq!((e.tag, e.resync), (None, Resync::Skip(2)));
    // A bad command does not swallow the next one.
    let buf = b"a3 SELECT\r\na4 NOOP\r\n";
    let Resync::Skip(n) = err(buf, &limits()).resync else {
        panic!()
    };
    let Ok(Parsed::Complete { command, .. }) = parse_command(&buf[n..], &limits()) else {
        panic!()
    };
    assert_eq!(command.body, CommandBody::Noop);
}
