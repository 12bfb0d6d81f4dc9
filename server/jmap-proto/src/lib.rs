//! JMAP Core (RFC 8620) for Kantor: the protocol's types and the pure
//! steps of processing an API request, with no I/O, no HTTP and no store.

pub mod id;

pub use id::{Id, IdError, IdRef, Int, UnsignedInt};
