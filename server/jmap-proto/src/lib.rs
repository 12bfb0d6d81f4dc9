//! JMAP Core (RFC 8620) for Kantor: the protocol's types and the pure
//! steps of processing an API request, with no I/O, no HTTP and no store.

pub mod error;
pub mod id;
pub mod reference;
pub mod request;
pub mod session;

pub use error::{MethodError, MethodErrorType, SetError, SetErrorType};
pub use id::{Id, IdError, IdRef, Int, UnsignedInt};
pub use reference::{ResultReference, resolve_result_references};
pub use request::{Invocation, Request, RequestError, RequestLimits, Response, parse_request};
pub use session::{Account, CoreCapability, CoreLimits, Session};

/// Capability URIs (RFC 8620 §2, §9.4 registry).
pub mod capability {
    /// JMAP Core (RFC 8620).
    pub const CORE: &str = "urn:ietf:params:jmap:core";
    /// JMAP Mail (RFC 8621).
    pub const MAIL: &str = "urn:ietf:params:jmap:mail";
    /// Email submission (RFC 8621).
    pub const SUBMISSION: &str = "urn:ietf:params:jmap:submission";
    /// Vacation response (RFC 8621).
    pub const VACATION_RESPONSE: &str = "urn:ietf:params:jmap:vacationresponse";
    /// Quotas (RFC 9425).
    pub const QUOTA: &str = "urn:ietf:params:jmap:quota";
    /// JMAP over WebSocket (RFC 8887).
    pub const WEBSOCKET: &str = "urn:ietf:params:jmap:websocket";
}

pub use capability::{
    CORE as CAPABILITY_CORE, MAIL as CAPABILITY_MAIL, QUOTA as CAPABILITY_QUOTA,
    SUBMISSION as CAPABILITY_SUBMISSION, VACATION_RESPONSE as CAPABILITY_VACATION_RESPONSE,
    WEBSOCKET as CAPABILITY_WEBSOCKET,
};
