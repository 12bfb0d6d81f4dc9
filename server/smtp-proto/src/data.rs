//! The DATA phase decoder (RFC 5321 §4.1.1.4, §4.5.2, §2.3.8).
//!
//! ```text
//! data-end = CRLF "." CRLF      ; the data starts as if preceded by CRLF
//! ```
//!
//! A line starting with `.` has that dot removed (transparency, §4.5.2). Only
//! CRLF ends a line: a bare CR or LF neither ends a line nor, with a dot,
//! the data. That is what closes SMTP smuggling (CVE-2023-51764 and
//! friends): `<LF>.<LF>`, `<LF>.<CRLF>`, `<CR>.<CR>` are all plain data, and
//! the decoder records [`DataError::BareLineEnding`] so the session rejects
//! the message once the real end arrives (postfix `smtpd_forbid_bare_newline
//! = normal`, but without dropping the connection).

use crate::reply::{EnhancedStatus, Reply};

/// The RFC 5321 §4.5.3.1.6 text line limit, CRLF included, not counting a
/// dot added for transparency.
pub const TEXT_LINE_MAX: usize = 1000;

/// A problem with the message data. Recorded, never returned early: the
/// decoder keeps reading to the end marker so the session stays in sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    /// A CR or LF not part of a CRLF pair (§2.3.8).
    #[error("bare CR or LF in message data")]
    BareLineEnding,
    /// A line longer than the limit (§4.5.3.1.6).
    #[error("line too long in message data")]
    LineTooLong,
    /// The message is larger than the size limit (RFC 1870).
    #[error("message too big")]
    TooBig,
}

impl DataError {
    /// The reply to send after the end marker:
    /// `554 5.5.2`, `500 5.5.6` or `552 5.3.4`.
    pub fn reply(&self) -> Reply {
        match self {
            DataError::BareLineEnding => Reply::new(
                554,
                Some(EnhancedStatus(5, 5, 2)),
                "Message rejected: bare CR or LF not allowed in message data",
            ),
            DataError::LineTooLong => Reply::line_too_long(),
            DataError::TooBig => Reply::message_too_big(),
        }
    }
}

/// What one [`DataDecoder::feed`] call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataProgress {
    /// Bytes of the input consumed: through the end marker when `done`,
    /// else all of it. Bytes after the marker belong to the next command.
    pub consumed: usize,
    /// The end marker was seen.
    pub done: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// After CRLF (or at the start): a `.` here is special.
    LineStart,
    /// Saw `.` at line start.
    Dot,
    /// Saw `.` CR at line start.
    DotCr,
    /// Inside a line.
    Text,
    /// Saw CR inside a line.
    Cr,
    /// Saw the end marker.
    Done,
}

/// Incremental decoder of DATA content; see the module docs.
#[derive(Debug, Clone)]
pub struct DataDecoder {
    state: State,
    max_size: u64,
    max_line: usize,
    size: u64,
    line_len: usize,
    error: Option<DataError>,
}

impl DataDecoder {
    /// `max_size`: most octets of decoded message to accept (use `u64::MAX`
    /// for none). `max_line`: longest line including CRLF, normally
    /// [`TEXT_LINE_MAX`] (`usize::MAX` for none).
    pub fn new(max_size: u64, max_line: usize) -> Self {
        DataDecoder {
            state: State::LineStart,
            max_size,
            max_line,
            size: 0,
            line_len: 0,
            error: None,
        }
    }

    /// Decodes from `input`, appending the message (dot-stuffing undone, CRLF
    /// line endings) to `out`. Past `max_size`, nothing more is appended: `out`
    /// then holds exactly the first `max_size` octets.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> DataProgress {
        let mut i = 0;
        while let Some(&b) = input.get(i) {
            match self.state {
                State::Done => break,
                State::LineStart if b == b'.' => {
                    self.state = State::Dot;
                    i += 1;
                }
                State::Dot if b == b'\r' => {
                    self.state = State::DotCr;
                    i += 1;
                }
                State::DotCr if b == b'\n' => {
                    self.state = State::Done;
                    i += 1;
                }
                // The dot was transparency: drop it, reread `b` as text.
                State::LineStart | State::Dot => self.state = State::Text,
                State::Cr if b == b'\n' => {
                    self.end_line(out);
                    self.state = State::LineStart;
                    i += 1;
                }
                // "CR x" or ". CR x" with x not LF: the CR was bare (and the
                // dot transparency); reread `x` as text.
                State::DotCr | State::Cr => {
                    self.bare(b"\r", out);
                    self.state = State::Text;
                }
                State::Text => {
                    let run = input[i..]
                        .iter()
                        .position(|&c| c == b'\r' || c == b'\n')
                        .unwrap_or(input.len() - i);
                    if run > 0 {
                        self.text(&input[i..i + run], out);
                        i += run;
                    } else if b == b'\r' {
                        self.state = State::Cr;
                        i += 1;
                    } else {
                        self.bare(b"\n", out);
                        i += 1;
                    }
                }
            }
        }
        DataProgress {
            consumed: i,
            done: self.state == State::Done,
        }
    }

    /// The first problem recorded, if any.
    pub fn error(&self) -> Option<DataError> {
        self.error
    }

    /// True once the end marker has been consumed.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Octets of decoded message so far, including any beyond `max_size`.
    pub fn size(&self) -> u64 {
        self.size
    }

    fn record(&mut self, e: DataError) {
        self.error.get_or_insert(e);
    }

    fn bare(&mut self, byte: &[u8], out: &mut Vec<u8>) {
        self.record(DataError::BareLineEnding);
        self.text(byte, out);
    }

    /// Line content: checks the line limit then the size limit, in the order
    /// a byte-at-a-time feed would hit them.
    fn text(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        let n = bytes.len();
        let line_room = self
            .max_line
            .saturating_sub(2)
            .saturating_sub(self.line_len);
        let size_room = self.size_room();
        self.line_len = self.line_len.saturating_add(n);
        if n > line_room && line_room <= size_room {
            self.record(DataError::LineTooLong);
        }
        self.emit(bytes, out);
        if n > line_room {
            self.record(DataError::LineTooLong);
        }
    }

    fn end_line(&mut self, out: &mut Vec<u8>) {
        if self.line_len.saturating_add(2) > self.max_line {
            self.record(DataError::LineTooLong);
        }
        self.line_len = 0;
        self.emit(b"\r\n", out);
    }

    fn size_room(&self) -> usize {
        usize::try_from(self.max_size.saturating_sub(self.size)).unwrap_or(usize::MAX)
    }

    fn emit(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        let take = bytes.len().min(self.size_room());
        out.extend_from_slice(&bytes[..take]);
        self.size = self.size.saturating_add(bytes.len() as u64);
        if take < bytes.len() {
            self.record(DataError::TooBig);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Case {
        input: &'static [u8],
        max_size: u64,
        max_line: usize,
        out: &'static [u8],
        consumed: usize,
        done: bool,
        error: Option<DataError>,
    }

    const fn case(
        input: &'static [u8],
        out: &'static [u8],
        consumed: usize,
        done: bool,
        error: Option<DataError>,
    ) -> Case {
        Case {
            input,
            max_size: u64::MAX,
            max_line: TEXT_LINE_MAX,
            out,
            consumed,
            done,
            error,
        }
    }

    const BARE: Option<DataError> = Some(DataError::BareLineEnding);

    fn cases() -> Vec<Case> {
        vec![
            case(b"", b"", 0, false, None),
            case(b".\r\n", b"", 3, true, None),
            case(b".\r\nQUIT\r\n", b"", 3, true, None),
            case(b"Hello\r\n.\r\n", b"Hello\r\n", 10, true, None),
            case(b"Hello\r\n.\r\nNOOP\r\n", b"Hello\r\n", 10, true, None),
            case(b"\r\n.\r\n", b"\r\n", 5, true, None),
            case(b"..dot\r\n.\r\n", b".dot\r\n", 10, true, None),
            case(b"...\r\n.\r\n", b"..\r\n", 8, true, None),
            case(b"a\r\n..\r\n.\r\n", b"a\r\n.\r\n", 10, true, None),
            case(b"a.\r\n.\r\n", b"a.\r\n", 7, true, None),
            case(b"a\r\n.b\r\n.\r\n", b"a\r\nb\r\n", 10, true, None),
            case(b"a\r\n", b"a\r\n", 3, false, None),
            case(b"a\r\n.", b"a\r\n", 4, false, None),
            case(b"a\r\n.\r", b"a\r\n", 5, false, None),
            // smuggling attempts: none of these end the data
            case(b"a\n.\nb\r\n.\r\n", b"a\n.\nb\r\n", 10, true, BARE),
            case(b"a\n.\r\n", b"a\n.\r\n", 5, false, BARE),
            case(b"a\r\n.\nb\r\n.\r\n", b"a\r\n\nb\r\n", 11, true, BARE),
            case(b"a\r.\r\n.\r\n", b"a\r.\r\n", 8, true, BARE),
            case(b"a\r.\r", b"a\r.", 4, false, BARE),
            case(b"a\r\n.\rX\r\n.\r\n", b"a\r\n\rX\r\n", 11, true, BARE),
            case(b"a\r\n.\r\r\n.\r\n", b"a\r\n\r\r\n", 10, true, BARE),
            case(b"\n.\r\n", b"\n.\r\n", 4, false, BARE),
            case(b"a\r\rb\r\n.\r\n", b"a\r\rb\r\n", 9, true, BARE),
            // limits
            Case {
                max_line: 10,
                ..case(b"12345678\r\n.\r\n", b"12345678\r\n", 13, true, None)
            },
            Case {
                max_line: 10,
                ..case(
                    b"123456789\r\n.\r\n",
                    b"123456789\r\n",
                    14,
                    true,
                    Some(DataError::LineTooLong),
                )
            },
            Case {
                max_line: 10,
                ..case(b"..2345678\r\n.\r\n", b".2345678\r\n", 14, true, None)
            },
            Case {
                max_line: 1,
                ..case(b"\r\n.\r\n", b"\r\n", 5, true, Some(DataError::LineTooLong))
            },
            Case {
                max_size: 5,
                ..case(b"abc\r\n.\r\n", b"abc\r\n", 8, true, None)
            },
            Case {
                max_size: 5,
                ..case(
                    b"abcd\r\n.\r\n",
                    b"abcd\r",
                    9,
                    true,
                    Some(DataError::TooBig),
                )
            },
            Case {
                max_size: 5,
                ..case(
                    b"abcdefgh\r\nmore\r\n.\r\n",
                    b"abcde",
                    19,
                    true,
                    Some(DataError::TooBig),
                )
            },
            Case {
                max_size: 3,
                max_line: 5,
                ..case(
                    b"abcdef\r\n.\r\n",
                    b"abc",
                    11,
                    true,
                    Some(DataError::LineTooLong),
                )
            },
            Case {
                max_size: 2,
                max_line: 5,
                ..case(b"abcdef\r\n.\r\n", b"ab", 11, true, Some(DataError::TooBig))
            },
            Case {
                max_size: 2,
                ..case(
                    b"ab\n\r\n.\r\n",
                    b"ab",
                    8,
                    true,
                    Some(DataError::BareLineEnding),
                )
            },
        ]
    }

    fn run(c: &Case, chunks: &[&[u8]]) -> (Vec<u8>, usize, bool, Option<DataError>) {
        let mut d = DataDecoder::new(c.max_size, c.max_line);
        let mut out = Vec::new();
        let mut consumed = 0;
        let mut done = false;
        for chunk in chunks {
            let p = d.feed(chunk, &mut out);
            assert!(p.consumed <= chunk.len());
            consumed += p.consumed;
            if done {
                assert_eq!(
                    p,
                    DataProgress {
                        consumed: 0,
                        done: true
                    }
                );
            } else if !p.done {
                assert_eq!(p.consumed, chunk.len());
            }
            done = p.done;
        }
        assert_eq!(done, d.is_done());
        (out, consumed, done, d.error())
    }

    #[test]
    fn table() {
        for c in cases() {
            let got = run(&c, &[c.input]);
            let want = (c.out.to_vec(), c.consumed, c.done, c.error);
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(c.input));
        }
    }

    #[test]
    fn every_split_point() {
        for c in cases() {
            let whole = run(&c, &[c.input]);
            for at in 0..=c.input.len() {
                let (a, b) = c.input.split_at(at);
                assert_eq!(run(&c, &[a, b]), whole, "split {at} of {:?}", c.input);
                for at2 in at..=c.input.len() {
                    let (b1, b2) = b.split_at(at2 - at);
                    assert_eq!(run(&c, &[a, b1, b2]), whole);
                }
            }
            let bytes: Vec<&[u8]> = c.input.chunks(1).collect();
            assert_eq!(run(&c, &bytes), whole, "byte at a time {:?}", c.input);
        }
    }

    #[test]
    fn feed_after_done_consumes_nothing() {
        let mut d = DataDecoder::new(u64::MAX, TEXT_LINE_MAX);
        let mut out = Vec::new();
        assert_eq!(
            d.feed(b".\r\n", &mut out),
            DataProgress {
                consumed: 3,
                done: true
            }
        );
        assert_eq!(
            d.feed(b"QUIT\r\n", &mut out),
            DataProgress {
                consumed: 0,
                done: true
            }
        );
        assert!(out.is_empty());
    }

    #[test]
    fn size_counts_past_limit() {
        let mut d = DataDecoder::new(4, TEXT_LINE_MAX);
        let mut out = Vec::new();
        d.feed(b"abcdefgh\r\n.\r\n", &mut out);
        assert_eq!(d.size(), 10);
        assert_eq!(out, b"abcd");
    }

    #[test]
    fn replies() {
        assert_eq!(DataError::BareLineEnding.reply().code, 554);
        assert_eq!(DataError::LineTooLong.reply().code, 500);
        assert_eq!(
            DataError::TooBig.reply().status,
            Some(EnhancedStatus(5, 3, 4))
        );
    }
}
