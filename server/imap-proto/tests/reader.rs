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
    // Past a too-long line the reader no longer knows where literal data is: it closes.
    let e = err(b"a NOOP 4567890123", &short);
    assert_eq!(
        (e.kind.clone(), e.resync, e.tag.is_some()),
        (CommandErrorKind::LineTooLong, Resync::Close, true)
    );
    let e = err(b"a NOOP 4567890123456789\r\nb NOOP\r\n", &short);
    assert_eq!(
        (e.kind, e.resync),
        (CommandErrorKind::LineTooLong, Resync::Close)
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
        (CommandErrorKind::LineTooLong, Resync::Close)
    );
}

/// A too-long line ending in a literal header, then the literal's data: the data is never read
/// as a command (it was `x DELETE victimbox` in the finding).
#[test]
fn literal_data_after_a_too_long_line_is_never_a_command() {
    let short = Limits {
        max_line: 32,
        ..Limits::default()
    };
    let input = b"a APPEND INBOX (k0 k1 k2 k3 k4 k5 k6 k7 k8) {20+}\r\nx DELETE victimbox\r\n";
    let e = err(input, &short);
    assert_eq!(
        (e.kind, e.resync),
        (CommandErrorKind::LineTooLong, Resync::Close)
    );
}

/// Many literals in one command: refused at the first past the limit, before its data.
#[test]
fn literals_per_command_are_bounded() {
    let few = Limits {
        max_literals: 3,
        ..Limits::default()
    };
    let three = b"a LOGIN {0+}\r\n {0+}\r\n {0+}\r\n\r\n";
    assert!(matches!(
        parse_command(three, &few),
        Ok(Parsed::Complete { .. })
            | Err(CommandError {
                kind: CommandErrorKind::Syntax(_),
                ..
            })
    ));
    let four = b"a LOGIN {0+}\r\n {0+}\r\n {0+}\r\n {0+}\r\n\r\n";
    let e = err(four, &few);
    assert_eq!(
        (e.kind, e.resync),
        (
            CommandErrorKind::TooManyLiterals {
                synchronizing: false
            },
            Resync::Close
        )
    );
    let e = err(b"a LOGIN {0+}\r\n {0+}\r\n {0+}\r\n {1}\r\n", &few);
    assert_eq!(
        (e.kind.clone(), e.resync),
        (
            CommandErrorKind::TooManyLiterals {
                synchronizing: true
            },
            Resync::Skip(34)
        )
    );
    assert!(
        matches!(
            e.response(),
            kantor_imap_proto::Response::Status {
                kind: kantor_imap_proto::StatusKind::No,
                code: Some(kantor_imap_proto::Code::Limit),
                ..
            }
        ),
        "{:?}",
        e.response()
    );
}

/// Reading a command a few bytes at a time costs work linear in its size: after each read the
/// reader has framed everything buffered (all but literal data, which is never scanned) and the
/// next call goes on from there, instead of framing from the start of the buffer again.
#[test]
fn reading_goes_on_from_where_it_stopped() {
    use kantor_imap_proto::{ReadProgress, read_command};
    let limits = Limits {
        max_literals: 100_000,
        ..Limits::default()
    };
    let mut command = b"a LOGIN {0+}\r\n".to_vec();
    for _ in 0..2_000 {
        command.extend_from_slice(b" {3+}\r\nabc");
    }
    command.extend_from_slice(b" x\r\n");
    let mut progress = ReadProgress::default();
    let mut framed = 0;
    for end in (7..command.len()).step_by(7) {
        match read_command(&command[..end], &limits, &mut progress) {
            Ok(Parsed::Incomplete | Parsed::NeedsLiteral { .. }) => {}
            other => panic!("at {end}: {other:?}"),
        }
        assert!(progress.framed() >= framed, "framing went back at {end}");
        assert!(
            progress.framed() + 3 >= end,
            "at {end} only {} bytes framed",
            progress.framed()
        );
        framed = progress.framed();
    }
    // LOGIN with 2,002 arguments: framed whole, then refused by the parser, all of it skipped.
    let e = read_command(&command, &limits, &mut progress).unwrap_err();
    assert_eq!(e.resync, Resync::Skip(command.len()), "{e:?}");
    assert_eq!(
        progress,
        ReadProgress::default(),
        "the next command starts afresh"
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
