//! POP3 wire protocol for Kantor: commands, replies and framing, with no I/O.
//!
//! Map of the crate:
//!
//! | module | what it holds | RFC |
//! | --- | --- | --- |
//! | [`command`] | [`Command`], [`parse_command`], [`ParseError`]; argument rules per command family: [`command::authorization`] (USER, PASS, APOP, AUTH) and [`command::transaction`] (LIST, UIDL, RETR, TOP, DELE); CAPA, STLS, STAT, RSET, NOOP, QUIT take no arguments | RFC 1939 §4-7, RFC 2449 §5, RFC 2595 §4, RFC 5034 §4 |
//! | [`reply`] | [`Reply`] (`+OK`, `-ERR`, SASL `+ ` challenges) and [`ResponseCode`] (`[AUTH]`, `[SYS/TEMP]`, ...) | RFC 1939 §3, RFC 2449 §8, RFC 3206 |
//! | [`multiline`] | multi-line response bodies with dot-stuffing: [`encode_multiline_message`] (RETR, TOP) and [`encode_multiline_lines`] (CAPA, LIST, UIDL) | RFC 1939 §3, §7 (TOP) |
//! | [`line`](mod@line) | [`take_line`]: reading one CRLF-terminated command line from a buffer, bounded in length | RFC 1939 §3, RFC 2449 §4 |
//! | [`sasl`] | [`decode_plain`]: the SASL PLAIN message | RFC 4616 §2 |
//!
//! Nothing here panics on any input: every parser returns a typed error, and
//! the crate's tests feed it a few hundred thousand random byte strings.
//!
//! A session typically loops: [`take_line`] on its read buffer, [`parse_command`]
//! on the line, then answers with [`Reply::encode`] (and for RETR, TOP, LIST,
//! UIDL or CAPA, one of the multi-line encoders after the `+OK` line).

pub mod command;
pub mod line;
pub mod multiline;
pub mod reply;
pub mod sasl;

pub use command::{Command, ParseError, parse_command};
pub use line::{LineError, MAX_COMMAND_LINE, skip_line, take_line};
pub use multiline::{encode_multiline_lines, encode_multiline_message};
pub use reply::{MAX_REPLY_LINE, Reply, ResponseCode};
pub use sasl::{PlainCredentials, decode_plain};
