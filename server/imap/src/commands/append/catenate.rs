//! CATENATE (RFC 4469 §3): a message built from TEXT literals and URLs of messages or parts
//! already on the server, in order. Any URL that does not name an existing message part of
//! this user's makes the whole APPEND fail with `NO [BADURL url]`; a message that grows past
//! `imap.max_literal` (APPENDLIMIT) fails it with `NO [TOOBIG]` (RFC 4469 §5 response codes).

use super::url;
use crate::outcome::Refusal;
use crate::session::Session;
use kantor_imap_proto::Code;
use kantor_imap_proto::command::append::CatPart;

/// The message the parts make.
pub(super) fn build(session: &Session, parts: Vec<CatPart>) -> Result<Vec<u8>, Refusal> {
    let limit = session.ctx.config.max_literal;
    let mut message = Vec::new();
    for part in parts {
        match part {
            CatPart::Text { bytes, .. } | CatPart::Utf8(bytes) => {
                extend(&mut message, &bytes, limit)?;
            }
            CatPart::Url(u) => {
                let room = limit.saturating_sub(message.len() as u64);
                let data = url::fetch(session, &u, room)?;
                extend(&mut message, &data, limit)?;
            }
        }
    }
    Ok(message)
}

/// Appends `data`, unless the message would then be larger than `limit`.
fn extend(message: &mut Vec<u8>, data: &[u8], limit: u64) -> Result<(), Refusal> {
    if (message.len() as u64).saturating_add(data.len() as u64) > limit {
        return Err(too_big());
    }
    message.extend_from_slice(data);
    Ok(())
}

pub(super) fn too_big() -> Refusal {
    Refusal::no_code(
        Code::TooBig,
        "The catenated message would be larger than APPENDLIMIT",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extend_stops_at_the_limit() {
        let mut message = b"abc".to_vec();
        extend(&mut message, b"de", 5).unwrap();
        assert_eq!(message, b"abcde");
        let refused = extend(&mut message, b"f", 5).unwrap_err();
        assert!(matches!(
            refused,
            Refusal::No {
                code: Some(Code::TooBig),
                ..
            }
        ));
        assert_eq!(message, b"abcde", "nothing added past the limit");
    }
}
