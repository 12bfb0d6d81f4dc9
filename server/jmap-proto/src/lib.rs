//! JMAP Core (RFC 8620) for Kantor: the protocol's types and the pure
//! steps of processing an API request, with no I/O, no HTTP and no store.
//!
//! Map of the crate:
//!
//! | module | what it holds | RFC 8620 |
//! | --- | --- | --- |
//! | [`id`] | [`Id`] (validated), [`IdRef`] (`#creationId`), [`Int`] / [`UnsignedInt`] bounds | §1.2, §1.3, §5.3 |
//! | [`request`] | [`Request`], [`Response`], [`Invocation`]; [`parse_request`] with [`RequestLimits`]; [`RequestError`] as RFC 7807 problem details | §3.2 to §3.4, §3.6.1 |
//! | [`reference`](mod@reference) | [`ResultReference`], [`resolve_result_references`], JSON Pointer with `*` | §3.7 |
//! | [`error`] | [`MethodError`] / [`MethodErrorType`], [`SetError`] / [`SetErrorType`] | §3.6.2, §5.1 to §5.6 |
//! | [`method`] | argument and response types of `/get`, `/changes`, `/set`, `/copy`, `/query`, `/queryChanges`; [`method::PatchObject`]; filters and comparators | §5 |
//! | [`session`] | [`Session`], [`Account`], [`CoreCapability`], and [`CoreLimits`], the one source of the limits | §2 |
//! | [`push`] | [`StateChange`], what every push channel sends | §7.1 |
//! | [`websocket`] | JMAP over WebSocket (RFC 8887): client messages read, answers and pushes written | RFC 8887 §4 |
//!
//! A server handles a POST to the API URL like this:
//!
//! 1. [`parse_request`] the body (request-level errors become an HTTP 400
//!    with [`RequestError::problem`] as an `application/problem+json` body);
//! 2. for each method call in order: [`resolve_result_references`] on its
//!    arguments against the responses so far, check the method's
//!    capability is in `using` (else `unknownMethod`), parse the
//!    arguments with the method's type (e.g. [`method::GetRequest::parse`]),
//!    run it, and push its response, or the [`MethodError`] as
//!    [`MethodError::into_invocation`];
//! 3. answer a [`Response`] with the Session's state.
//!
//! Nothing here panics on any input: parsers return typed errors, and a
//! test feeds [`parse_request`] tens of thousands of random bodies.

pub mod error;
pub mod id;
pub mod method;
pub mod push;
pub mod reference;
pub mod request;
pub mod session;
pub mod websocket;

pub use error::{MethodError, MethodErrorType, SetError, SetErrorType};
pub use id::{Id, IdError, IdRef, Int, UnsignedInt};
pub use push::StateChange;
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
    /// Sieve scripts (RFC 9661).
    pub const SIEVE: &str = "urn:ietf:params:jmap:sieve";
}

pub use capability::{
    CORE as CAPABILITY_CORE, MAIL as CAPABILITY_MAIL, QUOTA as CAPABILITY_QUOTA,
    SUBMISSION as CAPABILITY_SUBMISSION, VACATION_RESPONSE as CAPABILITY_VACATION_RESPONSE,
    WEBSOCKET as CAPABILITY_WEBSOCKET,
};
