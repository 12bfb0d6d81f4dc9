//! SMTP (RFC 5321) protocol layer for Kantor: bytes to typed commands, typed
//! replies to bytes, and the DATA decoder. No I/O, no async runtime; the
//! session crate drives these pieces.
//!
//! Module map, in the order a session meets them:
//!
//! | module      | what it implements |
//! |-------------|--------------------|
//! | [`line`](mod@line) | framing of command lines: [`take_line`] (RFC 5321 §2.3.8, §4.5.3.1.4) |
//! | [`command`] | the [`Command`] enum and [`parse_command`] (RFC 5321 §4.1.1) |
//! | [`ehlo`]    | EHLO/HELO arguments and the EHLO capability reply (§4.1.1.1) |
//! | [`address`] | [`Mailbox`], [`ReversePath`], paths and address literals (§4.1.2, §4.1.3) |
//! | [`mail`]    | MAIL FROM / RCPT TO arguments (§4.1.1.2, §4.1.1.3) |
//! | [`params`]  | ESMTP parameters: SIZE, BODY, SMTPUTF8, DSN, AUTH= (RFC 1870, 6152, 6531, 3461, 4954) |
//! | [`xtext`]   | xtext encoding of parameter values (RFC 3461 §4) |
//! | [`auth`]    | the AUTH command, SASL PLAIN and LOGIN helpers (RFC 4954, RFC 4616) |
//! | [`bdat`]    | the BDAT command (RFC 3030) |
//! | [`data`]    | the DATA phase decoder: dot-stuffing and end marker (§4.1.1.4, §4.5.2) |
//! | [`reply`]   | [`Reply`] and [`EnhancedStatus`] encoding (§4.2, RFC 3463, RFC 2034) |
//! | [`replies`] | named constructors for the replies a server sends |
//! | [`error`]   | [`ParseError`] and how each maps to a reply |
//!
//! Nothing here panics on any input: every parser returns a typed error that
//! knows its reply, so a session can answer and carry on.

pub mod address;
pub mod auth;
pub mod bdat;
pub mod command;
pub mod data;
pub mod ehlo;
pub mod error;
pub mod line;
pub mod mail;
pub mod params;
pub mod replies;
pub mod reply;
pub mod xtext;

pub use address::{Mailbox, ReversePath};
pub use auth::{
    AUTH_LINE_MAX, LOGIN_PASSWORD_PROMPT, LOGIN_USERNAME_PROMPT, PlainCredentials,
    decode_auth_response, decode_login_response, decode_plain,
};
pub use command::{AuthMechanism, Command, parse_command};
pub use data::{DataDecoder, DataError, DataProgress, TEXT_LINE_MAX};
pub use ehlo::EhloCapabilities;
pub use error::ParseError;
pub use line::{COMMAND_LINE_MAX, LineError, skip_line, take_line};
pub use params::{Body, DsnNotify, DsnRet, MailParams, RcptParams};
pub use reply::{EnhancedStatus, Reply};
