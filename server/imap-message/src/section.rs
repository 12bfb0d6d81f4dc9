//! Body sections (RFC 9051 §6.4.5 BODY[section]<partial>) and their decoded forms (RFC 3516
//! BINARY[part]).
//!
//! - `[]` is the whole message; `[HEADER]` the header including the blank line that ends it;
//!   `[TEXT]` the body; `[HEADER.FIELDS (...)]` and `[HEADER.FIELDS.NOT (...)]` the matching
//!   fields (names case-insensitive) followed by the blank line ("the blank line is included in
//!   all header fetches, except in the case of a message which has no body and no blank line").
//! - `[n...]` is a part's body, `[n....MIME]` its MIME header; `HEADER`, `HEADER.FIELDS` and
//!   `TEXT` after a part number need a message/rfc822 part and refer to the message inside.
//! - A section that does not exist is NIL.

use kantor_imap_proto::command::fetch::{Part, Partial, Section};
use kantor_message::decode::{UnknownCte, transfer_decode};
use kantor_message::mime::{self, Entity, Kind, slice};

/// The octets of `section`; `None` when the message has no such section.
pub(crate) fn section(raw: &[u8], root: &Entity, section: &Section) -> Option<Vec<u8>> {
    let bytes = match section {
        Section::Full => raw.to_vec(),
        Section::Part(part) => slice(raw, &mime::find(root, part.numbers())?.body).to_vec(),
        Section::Mime(part) => slice(raw, &mime::find(root, part.numbers())?.header).to_vec(),
        Section::Header(part) => slice(raw, &message(root, part.as_ref())?.header).to_vec(),
        Section::Text(part) => slice(raw, &message(root, part.as_ref())?.body).to_vec(),
        Section::HeaderFields { part, fields, not } => {
            let message = message(root, part.as_ref())?;
            let header_bytes = slice(raw, &message.header);
            let mut out = Vec::new();
            for field in message.fields(raw) {
                let listed = fields
                    .iter()
                    .any(|f| field.name.eq_ignore_ascii_case(f.as_bytes()));
                if listed != *not {
                    out.extend_from_slice(field.raw);
                }
            }
            if ends_with_blank_line(header_bytes) {
                out.extend_from_slice(b"\r\n");
            }
            out
        }
    };
    Some(bytes)
}

/// The message a HEADER/TEXT section refers to: the top-level one, or the message inside a
/// message/rfc822 part.
fn message<'a>(root: &'a Entity, part: Option<&Part>) -> Option<&'a Entity> {
    let Some(part) = part else {
        return Some(root);
    };
    match &mime::find(root, part.numbers())?.kind {
        Kind::Message(inner) => Some(inner),
        _ => None,
    }
}

fn ends_with_blank_line(header: &[u8]) -> bool {
    let Some(rest) = header.strip_suffix(b"\n") else {
        return false;
    };
    let rest = rest.strip_suffix(b"\r").unwrap_or(rest);
    rest.is_empty() || rest.ends_with(b"\n")
}

/// The decoded content of a part (RFC 3516 §4.1): the whole message when `part` is `None`.
pub(crate) fn binary(
    raw: &[u8],
    root: &Entity,
    part: Option<&Part>,
) -> Result<Option<Vec<u8>>, UnknownCte> {
    let Some(part) = part else {
        return Ok(Some(raw.to_vec()));
    };
    let Some(entity) = mime::find(root, part.numbers()) else {
        return Ok(None);
    };
    let body = slice(raw, &entity.body);
    Ok(Some(
        transfer_decode(body, entity.mime.encoding.as_deref())?.into_owned(),
    ))
}

/// Applies `<origin.count>`: the octets from `origin` on, at most `count` of them; empty when
/// `origin` is past the end (RFC 9051 §6.4.5). Returns the origin to echo.
pub(crate) fn partial(
    data: Option<Vec<u8>>,
    partial: Option<Partial>,
) -> (Option<u64>, Option<Vec<u8>>) {
    let Some(partial) = partial else {
        return (None, data);
    };
    // The origin is echoed whenever it was asked for, also for a section that does not exist
    // (RFC 9051 §7.5.2 `"BODY" section ["<" number ">"] SP nstring`).
    let Some(mut data) = data else {
        return (Some(partial.offset), None);
    };
    let start = usize::try_from(partial.offset).unwrap_or(usize::MAX);
    if start >= data.len() {
        return (Some(partial.offset), Some(Vec::new()));
    }
    let count = usize::try_from(partial.length.get()).unwrap_or(usize::MAX);
    data.drain(..start);
    data.truncate(count);
    (Some(partial.offset), Some(data))
}
