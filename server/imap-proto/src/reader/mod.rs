//! The incremental command reader: finds where a command ends in the
//! session's read buffer, literals included (RFC 9051 §2.2, §4.3;
//! RFC 7888 LITERAL+/LITERAL-; RFC 3516 literal8).
//!
//! A command is one or more lines; a line that ends with a literal header
//! (`{n}`, `{n+}`, `~{n}`) is followed by `n` octets of data and then the
//! rest of the command. [`read_command`] frames the whole command first
//! (`frame`), checking each literal's size as soon as its header is seen,
//! and only then parses it, so a half-received command never produces a
//! half-parsed value. Called again after more bytes arrive, it goes on from
//! where its [`ReadProgress`] says it stopped.
//!
//! A line over [`Limits::max_line`] ends the connection: past it the reader
//! no longer knows where the command's literals are, and must not take
//! what the client sent as literal data for commands.

mod frame;

use crate::command::{Command, parse_framed};
use crate::response::{Code, Response, StatusKind};
use crate::types::Tag;
use crate::types::chars::is_tag_char;

use frame::{Frame, frame};
pub use frame::{LITERAL_MINUS_MAX, ReadProgress};

/// Bounds on what a client may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest line, without its CRLF and without literal data (RFC 7162
    /// §4 asks servers to accept at least 8192 octets).
    pub max_line: usize,
    /// Largest literal; larger ones are refused as soon as their header is
    /// seen (RFC 7888 §4, RFC 9051 §7.1 `TOOBIG`). APPENDLIMIT (RFC 7889)
    /// is per message, so this bounds each literal, not their sum.
    pub max_literal: u64,
    /// Largest whole command, literals included: a literal whose end
    /// would be past this many octets from the command's start is refused
    /// like an oversized one. Bounds what a session holds in memory for a
    /// MULTIAPPEND (RFC 3502) or a CATENATE (RFC 4469) of many literals.
    pub max_command: u64,
    /// The server advertises LITERAL- rather than LITERAL+: a
    /// non-synchronizing literal over [`LITERAL_MINUS_MAX`] octets is an
    /// error (RFC 7888 §5). IMAP4rev2 implies LITERAL- (RFC 9051 §4.3).
    pub literal_minus: bool,
    /// Most literals in one command (a MULTIAPPEND's messages, a CATENATE's
    /// parts, strings sent as literals): bounds the work of a command made of
    /// millions of empty ones.
    pub max_literals: u32,
}

impl Default for Limits {
    /// 64 KiB lines, 64 MiB literals, 256 MiB commands, 1,000 literals, LITERAL+.
    fn default() -> Limits {
        Limits {
            max_line: 64 * 1024,
            max_literal: 64 * 1024 * 1024,
            max_command: 256 * 1024 * 1024,
            literal_minus: false,
            max_literals: 1000,
        }
    }
}

/// What [`parse_command`] found at the start of the buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// A whole command, taking the first `consumed` bytes of the buffer.
    Complete {
        /// The command.
        command: Command,
        /// Bytes of the buffer the command used, its final CRLF included.
        consumed: usize,
    },
    /// Read more bytes: no complete line yet, or a literal whose data has
    /// not all arrived.
    Incomplete,
    /// The buffer ends right after a literal header whose data has not
    /// arrived. For a synchronizing literal the session sends `+ ` and
    /// reads more (RFC 9051 §7.5); for a non-synchronizing one it just
    /// reads more. Call [`parse_command`] again only once more bytes have
    /// arrived, or the same literal is reported twice.
    NeedsLiteral {
        /// The literal's announced size, already checked against
        /// [`Limits::max_literal`] and [`Limits::max_command`].
        size: u64,
        /// `{n}` (the client waits for `+`), not `{n+}`.
        synchronizing: bool,
        /// `~{n}`, a literal8 (RFC 3516).
        binary: bool,
    },
}

/// How the session gets back in step after a [`CommandError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resync {
    /// Drop this many bytes from the buffer: the bad command (or line) and
    /// any literal data it carried.
    Skip(usize),
    /// The bad line has not ended yet: drop the whole buffer and keep
    /// dropping input through the next LF ([`skip_line`]).
    SkipLine,
    /// Reply and close the connection: the client is sending literal data
    /// the server refused to read (RFC 7888 §4), or a line too long to
    /// know where its literals are.
    Close,
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandErrorKind {
    /// A line is longer than [`Limits::max_line`].
    #[error("command line too long")]
    LineTooLong,
    /// A literal is larger than [`Limits::max_literal`], or a
    /// non-synchronizing literal is over 4096 octets under LITERAL-.
    /// Synchronizing: answer `NO [TOOBIG]` without sending `+`; the client
    /// sends nothing more for this command. Non-synchronizing: answer
    /// `BAD [TOOBIG]` and close (RFC 7888 §4, §5).
    #[error("literal too big")]
    LiteralTooBig {
        /// The announced size (`u64::MAX` if it did not even fit).
        size: u64,
        /// `{n}` rather than `{n+}`.
        synchronizing: bool,
    },
    /// Each literal is within [`Limits::max_literal`] but this one would
    /// take the command past [`Limits::max_command`]. Answered and resynced
    /// like [`CommandErrorKind::LiteralTooBig`].
    #[error("command too big")]
    CommandTooBig {
        /// The command's size up to the end of this literal (saturating).
        size: u64,
        /// `{n}` rather than `{n+}`.
        synchronizing: bool,
    },
    /// More literals than [`Limits::max_literals`] in one command. Answered
    /// `NO [LIMIT]` (synchronizing) or `BAD [LIMIT]` and resynced like
    /// [`CommandErrorKind::LiteralTooBig`].
    #[error("too many literals in one command")]
    TooManyLiterals {
        /// `{n}` rather than `{n+}`.
        synchronizing: bool,
    },
    /// The line does not start with a valid tag and a space.
    #[error("missing or invalid tag")]
    BadTag,
    /// The command name is not one this crate knows.
    #[error("unknown command")]
    UnknownCommand,
    /// A known command with bad arguments; the text says what is wrong.
    #[error("{0}")]
    Syntax(&'static str),
}

/// A command that could not be read, with what the session needs to answer
/// (`tag BAD text`, or `* BAD text` without a tag) and resynchronise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct CommandError {
    /// The command's tag, if one could be read.
    pub tag: Option<Tag>,
    /// What was wrong.
    pub kind: CommandErrorKind,
    /// How to get past the bad input.
    pub resync: Resync,
}

impl CommandError {
    /// The response to send: `BAD`, `BAD [TOOBIG]` or `NO [TOOBIG]`,
    /// tagged when the tag is known (RFC 9051 §7.1.3).
    pub fn response(&self) -> Response {
        let (kind, code) = match self.kind {
            CommandErrorKind::LiteralTooBig {
                synchronizing: true,
                ..
            }
            | CommandErrorKind::CommandTooBig {
                synchronizing: true,
                ..
            } => (StatusKind::No, Some(Code::TooBig)),
            CommandErrorKind::LiteralTooBig {
                synchronizing: false,
                ..
            }
            | CommandErrorKind::CommandTooBig {
                synchronizing: false,
                ..
            } => (StatusKind::Bad, Some(Code::TooBig)),
            CommandErrorKind::TooManyLiterals { synchronizing } => (
                if synchronizing {
                    StatusKind::No
                } else {
                    StatusKind::Bad
                },
                Some(Code::Limit),
            ),
            CommandErrorKind::LineTooLong => (StatusKind::Bad, Some(Code::TooBig)),
            _ => (StatusKind::Bad, None),
        };
        Response::Status {
            tag: self.tag.clone(),
            kind,
            code,
            text: self.kind.to_string(),
        }
    }
}

/// Reads one whole command from the start of `buf`, framing it from scratch
/// (tests, and callers that hold whole commands); a session reading from the
/// network uses [`read_command`].
pub fn parse_command(buf: &[u8], limits: &Limits) -> Result<Parsed, CommandError> {
    read_command(buf, limits, &mut ReadProgress::default())
}

/// Reads one command from the start of `buf`, going on from `progress`.
///
/// See [`Parsed`] for the outcomes. On error, [`CommandError::resync`] says
/// how much to drop; the tag, when readable, is in [`CommandError::tag`].
/// Once a command is complete or refused, `progress` starts afresh for the
/// next one.
pub fn read_command(
    buf: &[u8],
    limits: &Limits,
    progress: &mut ReadProgress,
) -> Result<Parsed, CommandError> {
    let fail = |kind, resync| CommandError {
        tag: read_tag(buf),
        kind,
        resync,
    };
    let framed = frame(buf, limits, progress);
    if !matches!(framed, Ok(Frame::Incomplete | Frame::NeedsLiteral(_))) {
        progress.reset();
    }
    match framed {
        Ok(Frame::Incomplete) => Ok(Parsed::Incomplete),
        Ok(Frame::NeedsLiteral(h)) => Ok(Parsed::NeedsLiteral {
            size: h.size,
            synchronizing: h.synchronizing,
            binary: h.binary,
        }),
        Ok(Frame::Complete(consumed)) => match parse_framed(&buf[..consumed]) {
            Ok(command) => Ok(Parsed::Complete { command, consumed }),
            Err(kind) => Err(fail(kind, Resync::Skip(consumed))),
        },
        Err((kind, resync)) => Err(fail(kind, resync)),
    }
}

/// After [`Resync::SkipLine`]: how many bytes of `buf` to drop to get past
/// the next LF, or `None` if there is none yet (drop all of `buf` and call
/// again on the next read).
pub fn skip_line(buf: &[u8]) -> Option<usize> {
    buf.iter().position(|&b| b == b'\n').map(|lf| lf + 1)
}

/// How to skip a line that started at `start` and is too long: through its
/// LF if that is already in the buffer.
fn skip_bad_line(buf: &[u8], start: usize) -> Resync {
    match skip_line(&buf[start..]) {
        Some(n) => Resync::Skip(start + n),
        None => Resync::SkipLine,
    }
}

/// The tag at the start of `buf`, if it is a valid one followed by a space
/// or the end of the line.
pub(crate) fn read_tag(buf: &[u8]) -> Option<Tag> {
    let len = buf.iter().take_while(|&&b| is_tag_char(b)).count();
    let next = buf.get(len).copied();
    if len == 0 || !matches!(next, Some(b' ' | b'\r' | b'\n')) {
        return None;
    }
    Tag::new(std::str::from_utf8(&buf[..len]).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(line: &str) -> Option<(u64, bool, bool)> {
        frame::literal_header(line.as_bytes()).map(|h| (h.size, h.synchronizing, h.binary))
    }

    #[test]
    fn literal_headers() {
        assert_eq!(header("a APPEND x {5}"), Some((5, true, false)));
        assert_eq!(header("a APPEND x {5+}"), Some((5, false, false)));
        assert_eq!(header("a APPEND x {5-}"), Some((5, false, false)));
        assert_eq!(header("a APPEND x ~{0}"), Some((0, true, true)));
        assert_eq!(
            header("{99999999999999999999999}"),
            Some((u64::MAX, true, false))
        );
        assert_eq!(header("a LOGIN x {}"), None);
        assert_eq!(header("a LOGIN x {+}"), None);
        assert_eq!(header("a LOGIN x 5}"), None);
        assert_eq!(header("a LOGIN x {a5}"), None);
        assert_eq!(header(""), None);
    }

    #[test]
    fn tags_for_errors() {
        assert_eq!(read_tag(b"a1 FOO"), Tag::new("a1").ok());
        assert_eq!(read_tag(b"a1\r\n"), Tag::new("a1").ok());
        assert_eq!(read_tag(b"a+1 FOO"), None);
        assert_eq!(read_tag(b" FOO"), None);
        assert_eq!(read_tag(b"a1"), None);
        assert_eq!(read_tag(b"*"), None);
    }

    #[test]
    fn skip_line_finds_lf() {
        assert_eq!(skip_line(b"xx\nyy"), Some(3));
        assert_eq!(skip_line(b"xx"), None);
    }
}

/// Why a continuation line (AUTHENTICATE response, IDLE's `DONE`) was
/// refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ContinuationError {
    /// The line is longer than allowed; resynchronise as told.
    #[error("line too long")]
    TooLong(Resync),
    /// An AUTHENTICATE response is not valid base64 (RFC 9051 §6.2.2:
    /// answer with a tagged BAD). `consumed` covers the line.
    #[error("invalid base64")]
    Base64 {
        /// Bytes of the line, CRLF included.
        consumed: usize,
    },
    /// During IDLE, a line other than `DONE` (RFC 9051 §6.3.13: answer
    /// BAD). `consumed` covers the line.
    #[error("expected DONE")]
    NotDone {
        /// Bytes of the line, CRLF included.
        consumed: usize,
    },
}

/// One line at the start of `buf`, without its CRLF (or bare LF), and the
/// bytes it used; `Ok(None)` when it has not ended yet.
pub(crate) fn take_line(
    buf: &[u8],
    max_line: usize,
) -> Result<Option<(&[u8], usize)>, ContinuationError> {
    let window = &buf[..buf.len().min(max_line.saturating_add(2))];
    match window.iter().position(|&b| b == b'\n') {
        Some(lf) => {
            let line = &buf[..lf];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.len() > max_line {
                return Err(ContinuationError::TooLong(Resync::Skip(lf + 1)));
            }
            Ok(Some((line, lf + 1)))
        }
        None => {
            let full = window.len() == max_line.saturating_add(2);
            let over = window.len() == max_line.saturating_add(1) && window.last() != Some(&b'\r');
            if full || over {
                Err(ContinuationError::TooLong(skip_bad_line(buf, 0)))
            } else {
                Ok(None)
            }
        }
    }
}
