//! COMPRESS (RFC 4978): DEFLATE over the whole connection, from right after the tagged OK.

use crate::outcome::{Done, Outcome, Refusal};
use crate::session::Session;
use kantor_imap_proto::Code;
use kantor_imap_proto::command::auth::CompressAlgorithm;

/// RFC 4978 §3: `NO [COMPRESSIONACTIVE]` when already on; other algorithms are refused.
pub(crate) fn compress(session: &mut Session, algorithm: CompressAlgorithm) -> Outcome {
    if let CompressAlgorithm::Other(name) = algorithm {
        return Err(Refusal::bad(format!(
            "Unknown compression algorithm {name}"
        )));
    }
    if session.conn.is_compressed() {
        return Err(Refusal::no_code(
            Code::CompressionActive,
            "DEFLATE is already active",
        ));
    }
    Ok(Done::new("DEFLATE active"))
}
