//! Property tests: random bytes into every entry point, checking that nothing
//! panics and that a few invariants hold. A tiny xorshift PRNG keeps this
//! dependency-free and reproducible (fixed seeds).

use kantor_smtp_proto::{
    Command, DataDecoder, DataError, LineError, Mailbox, ReversePath, decode_plain, parse_command,
    skip_line, take_line,
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

/// Fragments that steer random lines into the interesting parts of the grammar.
const TOKENS: &[&str] = &[
    "MAIL FROM:",
    "RCPT TO:",
    "EHLO ",
    "HELO ",
    "AUTH ",
    "BDAT ",
    "VRFY ",
    "HELP",
    "DATA",
    "QUIT",
    "STARTTLS",
    "<",
    ">",
    "<>",
    "@",
    "\"",
    "\\",
    "[",
    "]",
    "IPv6:",
    "::1",
    "1.2.3.4",
    ".",
    ",",
    ":",
    "=",
    " ",
    "  ",
    "SIZE=",
    "BODY=",
    "8BITMIME",
    "SMTPUTF8",
    "RET=",
    "ENVID=",
    "NOTIFY=",
    "NEVER",
    "SUCCESS,",
    "ORCPT=",
    "rfc822;",
    "utf-8;",
    "\\x{",
    "}",
    "AUTH=",
    "+2B",
    "+",
    "LAST",
    "PLAIN",
    "LOGIN",
    "Postmaster",
    "user",
    "example.org",
    "a",
    "-",
    "_",
    "é",
    "用",
    "0",
    "99999999999999999999999",
    "\t",
    "\r",
    "\n",
    "\0",
];

const LOCALS: &[&str] = &[
    "user",
    "a.b",
    "\"a b\"",
    "\"q\\\"x\"",
    "\"\"",
    "Postmaster",
    "用户",
    "ü+tag",
    "x!#$%&'*/=?^_`{|}~",
    "a..b",
    ".a",
];
const DOMAINS: &[&str] = &[
    "example.org",
    "[192.0.2.1]",
    "[IPv6:2001:db8::1]",
    "例子.广告",
    "a-b.c",
    "x",
    "-bad.org",
    "[1.2.3]",
    "a..b",
];
const PARAMS: &[&str] = &[
    "",
    " SIZE=100",
    " BODY=8BITMIME",
    " SMTPUTF8",
    " RET=HDRS",
    " ENVID=a+2Bb",
    " AUTH=<>",
    " NOTIFY=SUCCESS,DELAY",
    " ORCPT=rfc822;a+40b",
    " ORCPT=utf-8;\\x{E9}",
    " X-Y=1",
];

/// A plausible MAIL/RCPT line, then a few random byte mutations.
fn random_path_line(rng: &mut Rng) -> Vec<u8> {
    let verb = if rng.below(2) == 0 {
        "MAIL FROM:"
    } else {
        "RCPT TO:"
    };
    let route = if rng.below(8) == 0 {
        "@r.example,@s.example:"
    } else {
        ""
    };
    let mut line = format!(
        "{verb}<{route}{}@{}>{}{}",
        rng.pick(LOCALS),
        rng.pick(DOMAINS),
        rng.pick(PARAMS),
        rng.pick(PARAMS)
    )
    .into_bytes();
    for _ in 0..rng.below(3) {
        let at = rng.below(line.len() + 1);
        match rng.below(3) {
            0 => line.insert(at, rng.next() as u8),
            1 if at < line.len() => {
                line.remove(at);
            }
            _ if at < line.len() => line[at] = rng.next() as u8,
            _ => {}
        }
    }
    line
}

fn random_line(rng: &mut Rng) -> Vec<u8> {
    if rng.below(3) == 0 {
        return random_path_line(rng);
    }
    let mut line = Vec::new();
    for _ in 0..rng.below(24) {
        if rng.below(4) == 0 {
            line.push(rng.next() as u8);
        } else {
            line.extend_from_slice(rng.pick(TOKENS).as_bytes());
        }
    }
    line
}

/// No reply may contain CR or LF except as its line terminators.
fn check_reply_bytes(bytes: &[u8]) {
    assert!(bytes.ends_with(b"\r\n"));
    for line in bytes[..bytes.len() - 2].split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        assert!(!line.contains(&b'\r') && !line.contains(&b'\n'));
        assert!(line.len() >= 3 && line[..3].iter().all(u8::is_ascii_digit));
    }
}

fn check_mailbox(m: &Mailbox) {
    if !m.domain.is_empty() {
        let shown = m.to_string();
        assert_eq!(
            Mailbox::parse(&shown).as_ref(),
            Ok(m),
            "round trip of {shown:?}"
        );
    }
}

#[test]
fn parse_command_never_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut accepted, mut paths) = (0, 0);
    for _ in 0..300_000 {
        let line = random_line(&mut rng);
        match parse_command(&line) {
            Ok(cmd) => {
                accepted += 1;
                match &cmd {
                    Command::Mail {
                        from: ReversePath::Mailbox(m),
                        ..
                    } => {
                        paths += 1;
                        check_mailbox(m);
                    }
                    Command::Rcpt { to, .. } => {
                        paths += 1;
                        check_mailbox(to);
                    }
                    Command::Auth {
                        initial_response: Some(r),
                        ..
                    } => {
                        let _ = decode_plain(r);
                    }
                    _ => {}
                }
            }
            Err(e) => {
                let reply = e.reply();
                assert!(reply.code >= 500 && reply.code < 600);
                check_reply_bytes(&reply.to_bytes(true));
            }
        }
    }
    assert!(accepted > 1000, "generator too weak: {accepted} accepted");
    assert!(
        paths > 100,
        "generator too weak: {paths} MAIL/RCPT accepted"
    );
    eprintln!("parse_command: {accepted} accepted, {paths} MAIL/RCPT");
}

#[test]
fn take_line_never_panics() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for _ in 0..300_000 {
        let mut buf = random_line(&mut rng);
        if rng.below(2) == 0 {
            buf.extend_from_slice(b"\r\n");
        }
        let max = rng.below(80);
        match take_line(&buf, max) {
            Ok(Some((line, consumed))) => {
                assert!(consumed <= max && consumed == line.len() + 2);
                assert_eq!(&buf[line.len()..consumed], b"\r\n");
                assert!(!line.contains(&b'\r') && !line.contains(&b'\n'));
            }
            Ok(None) => assert!(buf.len() < max || buf.is_empty()),
            Err(LineError::TooLong | LineError::BareLineEnding) => {
                if let Some(n) = skip_line(&buf) {
                    assert!(n <= buf.len());
                }
            }
        }
    }
}

/// Whole-input model of the DATA decoder: `(output, done, consumed, errors)`.
fn model(input: &[u8], max_size: u64, max_line: usize) -> (Vec<u8>, bool, usize, Vec<DataError>) {
    // Lines start at 0 and after every CRLF; the end is the first ".\r\n" at a line start.
    let mut starts = vec![0];
    starts.extend(
        input
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w == b"\r\n")
            .map(|(i, _)| i + 2),
    );
    let end = starts
        .iter()
        .copied()
        .find(|&p| input[p..].starts_with(b".\r\n"));
    let Some(end) = end else {
        return (Vec::new(), false, input.len(), Vec::new());
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for w in starts.windows(2).filter(|w| w[1] <= end) {
        let line = &input[w[0]..w[1] - 2];
        let line = line.strip_prefix(b".").unwrap_or(line);
        if line.contains(&b'\r') || line.contains(&b'\n') {
            errors.push(DataError::BareLineEnding);
        }
        if line.len() + 2 > max_line {
            errors.push(DataError::LineTooLong);
        }
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    if out.len() as u64 > max_size {
        errors.push(DataError::TooBig);
        out.truncate(max_size as usize);
    }
    (out, true, end + 3, errors)
}

#[test]
fn data_decoder_matches_model_under_any_split() {
    const ALPHABET: &[u8] = b"..\r\r\n\nab";
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut seen = [0usize; 4]; // done cleanly, bare, too long, too big
    for _ in 0..200_000 {
        let mut input: Vec<u8> = (0..rng.below(40)).map(|_| *rng.pick(ALPHABET)).collect();
        if rng.below(2) == 0 {
            input.extend_from_slice(b"\r\n.\r\n");
        }
        let max_size = rng.below(48) as u64;
        let max_line = rng.below(12);

        let mut whole = DataDecoder::new(max_size, max_line);
        let mut out_whole = Vec::new();
        let p = whole.feed(&input, &mut out_whole);

        // the same input in random pieces
        let mut split = DataDecoder::new(max_size, max_line);
        let mut out_split = Vec::new();
        let (mut consumed, mut rest) = (0, &input[..]);
        while !rest.is_empty() && !split.is_done() {
            let n = 1 + rng.below(rest.len());
            let q = split.feed(&rest[..n], &mut out_split);
            consumed += q.consumed;
            rest = &rest[n..];
        }
        assert_eq!(out_split, out_whole, "{input:?}");
        assert_eq!(consumed, p.consumed);
        assert_eq!(split.is_done(), p.done);
        assert_eq!(split.error(), whole.error());

        let (out, done, consumed, errors) = model(&input, max_size, max_line);
        assert_eq!(p.done, done, "{input:?}");
        if done {
            assert_eq!(out_whole, out, "{input:?}");
            assert_eq!(p.consumed, consumed);
            match whole.error() {
                None => assert!(errors.is_empty(), "{input:?} {errors:?}"),
                Some(e) => assert!(errors.contains(&e), "{input:?} {e:?} {errors:?}"),
            }
            seen[whole.error().map_or(0, |e| e as usize + 1)] += 1;
        } else {
            assert_eq!(p.consumed, input.len());
        }
    }
    eprintln!("data decoder outcomes (clean, bare, long, big): {seen:?}");
    assert!(seen.iter().all(|&n| n > 1000), "{seen:?}");
}

#[test]
fn data_decoder_random_bytes() {
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    for _ in 0..200_000 {
        let input: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
        let mut d = DataDecoder::new(rng.below(100) as u64, rng.below(1100));
        let mut out = Vec::new();
        let p = d.feed(&input, &mut out);
        assert!(p.consumed <= input.len());
        if let Some(e) = d.error() {
            check_reply_bytes(&e.reply().to_bytes(true));
        }
    }
}
