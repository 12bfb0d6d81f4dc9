//! Framing: where a command ends in the read buffer, literals included (RFC 9051 §2.2, §4.3;
//! RFC 7888; RFC 3516 literal8), checked against [`Limits`] as each literal header is seen.
//!
//! Framing is resumable: [`ReadProgress`] remembers how far the buffer was already looked at
//! (the lines and literals framed, and how much of the current line holds no LF), so a command
//! that arrives a few bytes at a time costs work linear in its size, not a re-scan of
//! everything buffered on each read.

use super::{CommandErrorKind, Limits, Resync};

/// Largest non-synchronizing literal a LITERAL- server accepts (RFC 7888 §5).
pub const LITERAL_MINUS_MAX: u64 = 4096;

/// How far the command at the start of the buffer has been framed. Keep one per session and
/// pass it with the same buffer until the command is complete or refused (then it starts
/// afresh by itself); bytes may only be appended to the buffer meanwhile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadProgress {
    /// Where the line being framed starts (after the last literal's data).
    line_start: usize,
    /// Bytes from `line_start` known to hold no LF.
    scanned: usize,
    /// The current line's literal whose data is still arriving: where its data starts.
    literal: Option<(usize, LiteralHeader)>,
    /// Literals of this command so far.
    literals: u32,
}

impl ReadProgress {
    /// Starts afresh: the buffer's first command was taken or dropped.
    pub fn reset(&mut self) {
        *self = ReadProgress::default();
    }

    /// Bytes at the start of the buffer already framed: the next call starts there (literal
    /// data is counted once it has all arrived; it is never scanned).
    pub fn framed(&self) -> usize {
        match self.literal {
            Some((data_start, _)) => data_start,
            None => self.line_start + self.scanned,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LiteralHeader {
    pub size: u64,
    pub synchronizing: bool,
    pub binary: bool,
}

pub(super) enum Frame {
    Complete(usize),
    Incomplete,
    NeedsLiteral(LiteralHeader),
}

/// Finds the end of the command at the start of `buf`, from where `progress` left off.
pub(super) fn frame(
    buf: &[u8],
    limits: &Limits,
    progress: &mut ReadProgress,
) -> Result<Frame, (CommandErrorKind, Resync)> {
    if progress.line_start > buf.len() {
        // The buffer was not the one framed before: start again rather than misread it.
        progress.reset();
    }
    loop {
        if let Some((data_start, header)) = progress.literal {
            let available = (buf.len() - data_start) as u64;
            if available < header.size {
                return Ok(Frame::Incomplete);
            }
            // Fits: size <= available, a usize.
            progress.line_start = data_start + header.size as usize;
            progress.scanned = 0;
            progress.literal = None;
        }
        let start = progress.line_start;
        // The line's content, then at most CR and LF.
        let window_end = buf
            .len()
            .min(start.saturating_add(limits.max_line).saturating_add(2));
        let from = (start + progress.scanned).min(window_end);
        let Some(lf) = buf[from..window_end].iter().position(|&b| b == b'\n') else {
            let window = &buf[start..window_end];
            let full = window.len() == limits.max_line.saturating_add(2);
            let over =
                window.len() == limits.max_line.saturating_add(1) && window.last() != Some(&b'\r');
            if full || over {
                return Err((CommandErrorKind::LineTooLong, Resync::Close));
            }
            progress.scanned = window.len();
            return Ok(Frame::Incomplete);
        };
        let lf = from + lf;
        let line = &buf[start..lf];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > limits.max_line {
            return Err((CommandErrorKind::LineTooLong, Resync::Close));
        }
        let Some(header) = literal_header(line) else {
            return Ok(Frame::Complete(lf + 1));
        };
        let data_start = lf + 1;
        progress.literals += 1;
        if let Some(kind) = refusal(limits, &header, data_start, progress.literals) {
            // The command so far (earlier literals included) goes; for `{n}` the client
            // gets no `+` and sends nothing more of it (RFC 7888 §4).
            let resync = if header.synchronizing {
                Resync::Skip(data_start)
            } else {
                Resync::Close
            };
            return Err((kind, resync));
        }
        progress.literal = Some((data_start, header));
        if buf.len() == data_start {
            return Ok(Frame::NeedsLiteral(header));
        }
    }
}

/// Why a literal is refused before its data is read, if it is.
fn refusal(
    limits: &Limits,
    header: &LiteralHeader,
    data_start: usize,
    literals: u32,
) -> Option<CommandErrorKind> {
    let synchronizing = header.synchronizing;
    let literal_over = header.size > limits.max_literal
        || (limits.literal_minus && !synchronizing && header.size > LITERAL_MINUS_MAX);
    let command_size = (data_start as u64).saturating_add(header.size);
    if literal_over {
        Some(CommandErrorKind::LiteralTooBig {
            size: header.size,
            synchronizing,
        })
    } else if command_size > limits.max_command {
        Some(CommandErrorKind::CommandTooBig {
            size: command_size,
            synchronizing,
        })
    } else if literals > limits.max_literals {
        Some(CommandErrorKind::TooManyLiterals { synchronizing })
    } else {
        None
    }
}

/// The literal header ending `line`, if any:
///
/// ```text
/// literal  = "{" number64 ["+"] "}" CRLF *CHAR8
/// literal8 = "~{" number64 ["+"] "}" CRLF *OCTET
/// ```
///
/// `{n-}` is taken as non-synchronizing too. A size too large for a `u64`
/// is reported as `u64::MAX`, so the limit check refuses it.
pub(super) fn literal_header(line: &[u8]) -> Option<LiteralHeader> {
    let inner = line.strip_suffix(b"}")?;
    let (inner, synchronizing) = match inner.last() {
        Some(b'+' | b'-') => (&inner[..inner.len() - 1], false),
        _ => (inner, true),
    };
    let digits = inner
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return None;
    }
    let (before, number) = inner.split_at(inner.len() - digits);
    let before = before.strip_suffix(b"{")?;
    let binary = before.last() == Some(&b'~');
    let size = number
        .iter()
        .try_fold(0u64, |n, d| {
            n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
        .unwrap_or(u64::MAX);
    Some(LiteralHeader {
        size,
        synchronizing,
        binary,
    })
}
