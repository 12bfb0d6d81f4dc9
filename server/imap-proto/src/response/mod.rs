//! Responses: typed values and their encoding (RFC 9051 §7).
//!
//! ```text
//! response         = *(continue-req / response-data) response-done
//! continue-req     = "+" SP (resp-text / base64) CRLF
//! response-data    = "*" SP (resp-cond-state / resp-cond-bye /
//!                    mailbox-data / message-data / capability-data /
//!                    enable-data) CRLF
//! response-tagged  = tag SP resp-cond-state CRLF
//! resp-cond-state  = ("OK" / "NO" / "BAD") SP resp-text
//! resp-cond-bye    = "BYE" SP resp-text
//! greeting         = "*" SP (resp-cond-auth / resp-cond-bye) CRLF
//! resp-cond-auth   = ("OK" / "PREAUTH") SP resp-text
//! resp-text        = ["[" resp-text-code "]" SP] [text]
//! ```
//!
//! [`encode`](mod@encode) holds the string-choosing rules, [`code`] the
//! response codes, [`data`] the untagged data, [`fetch`] FETCH items, and
//! [`envelope`] and [`body`] the ENVELOPE and BODYSTRUCTURE values.

pub mod body;
pub mod code;
pub mod data;
pub mod encode;
pub mod envelope;
pub mod fetch;

pub use code::Code;
pub use data::Data;
pub use encode::EncodeOptions;

use crate::types::Tag;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

/// The condition of a status response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    /// `OK`
    Ok,
    /// `NO`: the command failed.
    No,
    /// `BAD`: the command was not understood.
    Bad,
    /// `BYE`: the server is closing the connection (always untagged).
    Bye,
    /// `PREAUTH`: greeting for an already authenticated connection
    /// (always untagged).
    Preauth,
}

impl StatusKind {
    fn name(self) -> &'static str {
        match self {
            StatusKind::Ok => "OK",
            StatusKind::No => "NO",
            StatusKind::Bad => "BAD",
            StatusKind::Bye => "BYE",
            StatusKind::Preauth => "PREAUTH",
        }
    }
}

/// A response to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// A status response: tagged (completion) or untagged (`* OK [...]`,
    /// `* BYE`, `* PREAUTH`). A tag is ignored for BYE and PREAUTH, which
    /// are always untagged (RFC 9051 §7.1.4, §7.1.5).
    Status {
        /// The command's tag; `None` for an untagged response.
        tag: Option<Tag>,
        /// OK, NO, BAD, BYE or PREAUTH.
        kind: StatusKind,
        /// The response code, if any.
        code: Option<Code>,
        /// Human-readable text (CR and LF are never written).
        text: String,
    },
    /// Untagged data.
    Data(Data),
    /// `+ text`: go on (literal, IDLE).
    Continue(String),
    /// `+ base64`: an AUTHENTICATE challenge (RFC 9051 §6.2.2).
    Challenge(Vec<u8>),
}

impl Response {
    /// `tag OK text`
    pub fn ok(tag: Tag, text: impl Into<String>) -> Response {
        Response::status(Some(tag), StatusKind::Ok, None, text)
    }

    /// `tag NO text`
    pub fn no(tag: Tag, text: impl Into<String>) -> Response {
        Response::status(Some(tag), StatusKind::No, None, text)
    }

    /// `tag BAD text`
    pub fn bad(tag: Tag, text: impl Into<String>) -> Response {
        Response::status(Some(tag), StatusKind::Bad, None, text)
    }

    /// `* OK [code] text`
    pub fn untagged_ok(code: Option<Code>, text: impl Into<String>) -> Response {
        Response::status(None, StatusKind::Ok, code, text)
    }

    /// `* BYE text`
    pub fn bye(text: impl Into<String>) -> Response {
        Response::status(None, StatusKind::Bye, None, text)
    }

    /// Any status response.
    pub fn status(
        tag: Option<Tag>,
        kind: StatusKind,
        code: Option<Code>,
        text: impl Into<String>,
    ) -> Response {
        Response::Status {
            tag,
            kind,
            code,
            text: text.into(),
        }
    }

    /// The same status response with a response code.
    pub fn with_code(self, new: Code) -> Response {
        match self {
            Response::Status {
                tag, kind, text, ..
            } => Response::Status {
                tag,
                kind,
                code: Some(new),
                text,
            },
            other => other,
        }
    }

    /// Appends the response, CRLF included, to `out`.
    pub fn encode(&self, opts: EncodeOptions, out: &mut Vec<u8>) {
        match self {
            Response::Status {
                tag,
                kind,
                code,
                text,
            } => {
                match (tag, kind) {
                    (Some(tag), StatusKind::Ok | StatusKind::No | StatusKind::Bad) => {
                        out.extend_from_slice(tag.as_str().as_bytes());
                    }
                    _ => out.push(b'*'),
                }
                out.push(b' ');
                out.extend_from_slice(kind.name().as_bytes());
                out.push(b' ');
                if let Some(code) = code {
                    out.push(b'[');
                    code.encode(opts, out);
                    out.extend_from_slice(b"] ");
                }
                encode::write_text(text, opts, out);
                out.extend_from_slice(b"\r\n");
            }
            Response::Data(data) => data.encode(opts, out),
            Response::Continue(text) => {
                out.extend_from_slice(b"+ ");
                encode::write_text(text, opts, out);
                out.extend_from_slice(b"\r\n");
            }
            Response::Challenge(bytes) => {
                out.extend_from_slice(b"+ ");
                out.extend_from_slice(BASE64.encode(bytes).as_bytes());
                out.extend_from_slice(b"\r\n");
            }
        }
    }

    /// The encoded response as bytes (convenience for tests and logs).
    pub fn to_bytes(&self, opts: EncodeOptions) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(opts, &mut out);
        out
    }
}

#[cfg(test)]
mod tests;
