//! How a command ends (RFC 9051 §7.1): OK with an optional response code, NO (the command
//! failed), BAD (the command was wrong), or a server fault, which the client sees as
//! `NO [SERVERBUG]` and the log sees in full. Handlers return [`Outcome`]; the dispatcher turns
//! it into the tagged response.

use kantor_imap_proto::{Code, Response, StatusKind, Tag};
use kantor_store::StoreError;

/// A successful completion: `tag OK [code] text`.
#[derive(Debug)]
pub(crate) struct Done {
    pub code: Option<Code>,
    pub text: String,
}

impl Done {
    pub fn new(text: impl Into<String>) -> Done {
        Done {
            code: None,
            text: text.into(),
        }
    }

    pub fn with_code(code: Code, text: impl Into<String>) -> Done {
        Done {
            code: Some(code),
            text: text.into(),
        }
    }
}

/// A command that did not complete.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// `tag NO [code] text`: the command could not be carried out.
    No { code: Option<Code>, text: String },
    /// `tag BAD [code] text`: the command was not valid (counts as a protocol error).
    Bad { code: Option<Code>, text: String },
    /// A server fault: logged, answered `NO [SERVERBUG]`.
    Fault(String),
}

impl Refusal {
    pub fn no(text: impl Into<String>) -> Refusal {
        Refusal::No {
            code: None,
            text: text.into(),
        }
    }

    pub fn no_code(code: Code, text: impl Into<String>) -> Refusal {
        Refusal::No {
            code: Some(code),
            text: text.into(),
        }
    }

    pub fn bad(text: impl Into<String>) -> Refusal {
        Refusal::Bad {
            code: None,
            text: text.into(),
        }
    }
}

impl From<StoreError> for Refusal {
    /// What the store's errors mean to an IMAP client (RFC 5530 response codes).
    fn from(e: StoreError) -> Refusal {
        match e {
            StoreError::NotFound(what) => {
                Refusal::no_code(Code::NonExistent, format!("{what} does not exist"))
            }
            StoreError::AlreadyExists(what) => {
                Refusal::no_code(Code::AlreadyExists, format!("{what} already exists"))
            }
            StoreError::InUse(text) => Refusal::no_code(Code::Cannot, text),
            StoreError::Limit(text) => Refusal::no_code(Code::Limit, text),
            StoreError::Forbidden(text) => Refusal::no_code(Code::NoPerm, text),
            StoreError::QuotaExceeded { .. } => {
                Refusal::no_code(Code::OverQuota, "Quota exceeded: mailbox full")
            }
            StoreError::ShutDown => {
                Refusal::no_code(Code::Unavailable, "Server shutting down, try again later")
            }
            other => Refusal::Fault(other.to_string()),
        }
    }
}

/// What a handler returns.
pub(crate) type Outcome = Result<Done, Refusal>;

/// The tagged response for an outcome, and whether it was a protocol error (BAD).
pub(crate) fn tagged(tag: Tag, outcome: Outcome) -> (Response, bool) {
    match outcome {
        Ok(Done { code, text }) => (
            Response::status(Some(tag), StatusKind::Ok, code, text),
            false,
        ),
        Err(Refusal::No { code, text }) => (
            Response::status(Some(tag), StatusKind::No, code, text),
            false,
        ),
        Err(Refusal::Bad { code, text }) => (
            Response::status(Some(tag), StatusKind::Bad, code, text),
            true,
        ),
        Err(Refusal::Fault(detail)) => {
            tracing::error!(error = %detail, "imap: server fault");
            let text = "Internal server error, try again later";
            (
                Response::status(Some(tag), StatusKind::No, Some(Code::ServerBug), text),
                false,
            )
        }
    }
}
