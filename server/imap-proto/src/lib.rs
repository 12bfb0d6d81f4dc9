//! IMAP wire protocol for Kantor: bytes to typed commands, typed responses
//! to bytes, with no I/O (RFC 9051 IMAP4rev2, RFC 3501 IMAP4rev1 and the
//! extensions listed below).
//!
//! Map of the crate:
//!
//! | module | what it holds | RFC |
//! | --- | --- | --- |
//! | [`reader`] | [`read_command`] / [`parse_command`]: frames a command in the read buffer, literals included, and reports [`Parsed::Incomplete`] / [`Parsed::NeedsLiteral`]; [`Limits`], [`CommandError`] | RFC 9051 §2.2, §4.3; RFC 7888 LITERAL+/-; RFC 3516 literal8 |
//! | [`command`] | [`Command`], [`CommandBody`] and the state table; one module per family: [`command::any`] (ID, ENABLE), [`command::auth`] (AUTHENTICATE + continuation lines, LOGIN, COMPRESS), [`command::mailbox`] (SELECT/EXAMINE + CONDSTORE/QRESYNC, CREATE + USE, DELETE, RENAME, (UN)SUBSCRIBE), [`command::list`] (LIST-EXTENDED, LSUB), [`command::status`], [`command::append`] (MULTIAPPEND, CATENATE), [`command::idle`] (DONE), [`command::quota`], [`command::notify`], [`command::selected`] (COPY, MOVE, UID EXPUNGE), [`command::search`], [`command::fetch`], [`command::store`], [`command::sort`] (SORT, THREAD) | RFC 9051 §6; 2971, 5161, 4959, 4978, 7162, 6154, 5258, 5819, 3502, 4469, 9208, 5465, 4315, 6851, 5182, 5032, 8514, 8474, 5267, 9394, 8970, 5256, 5957 |
//! | [`response`] | [`Response`], [`Code`], [`Data`] and their encoder; [`response::encode`] chooses atom / quoted / literal; [`response::envelope`] and [`response::body`] hold ENVELOPE and BODYSTRUCTURE values; [`response::fetch`] the FETCH items | RFC 9051 §7 |
//! | [`types`] | [`Tag`], [`Atom`], [`Mailbox`] (INBOX case-insensitive), [`SequenceSet`], [`Flag`], [`Capability`], [`ObjectId`], [`Secret`] | RFC 9051 §2.3, §5.1, §9 |
//! | [`datetime`] | [`DateTime`] (`date-time`) and [`Date`] (search `date`), without a date crate | RFC 9051 §9 |
//! | [`mutf7`] | modified UTF-7 mailbox names for IMAP4rev1 clients | RFC 3501 §5.1.3 |
//! | [`imapurl`] | IMAP URLs naming a message part (CATENATE's `URL`), relative ones resolved against the selected mailbox | RFC 5092, RFC 4469 §3 |
//!
//! A session loops: [`parse_command`] on its read buffer; on
//! [`Parsed::NeedsLiteral`] it checks the size and, for a synchronizing
//! literal, writes `+ ` ([`Response::Continue`]); on [`Parsed::Complete`]
//! it drops `consumed` bytes, checks [`CommandBody::allowed`] against its
//! state, runs the command and writes typed [`Response`]s with
//! [`Response::encode`]. IDLE's `DONE` and AUTHENTICATE's continuation
//! lines are read with [`parse_idle_done`] and
//! [`parse_authenticate_response`].
//!
//! Nothing here panics on any input: every parser returns a typed error,
//! nesting is bounded, and the tests feed a few hundred thousand random
//! inputs to the reader and the encoder.

pub mod command;
pub mod datetime;
pub mod imapurl;
pub mod mutf7;
mod parser;
pub mod reader;
pub mod response;
pub mod types;

pub use command::auth::{AuthResponse, parse_authenticate_response};
pub use command::idle::parse_idle_done;
pub use command::{Allowed, Command, CommandBody, State};
pub use datetime::{Date, DateTime};
pub use reader::{
    CommandError, CommandErrorKind, ContinuationError, Limits, Parsed, ReadProgress, Resync,
    parse_command, read_command, skip_line,
};
pub use response::{Code, Data, EncodeOptions, Response, StatusKind};
pub use types::{
    Atom, Capability, Flag, FlagFetch, FlagPerm, Mailbox, ObjectId, Secret, SequenceSet, Tag,
};
