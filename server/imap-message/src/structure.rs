//! BODY and BODYSTRUCTURE (RFC 9051 §7.5.2) from the body structure kantor-message extracts
//! (stored with the message, or of its parsed MIME tree). Both come from the same value; the
//! encoder leaves the extension data out for BODY. Types, subtypes, parameter names, encodings
//! and disposition types are written in upper case as in the RFC's examples; values as written
//! (RFC 2231 decoded). Text parts carry their lines, message/rfc822 and message/global parts
//! their envelope, structure and lines; the encoding defaults to 7BIT.

use crate::envelope;
use kantor_imap_proto::response::body::{
    BodyStructure, Content, Disposition, MultiPart, SinglePart,
};
use kantor_message::encoded::downgrade;
use kantor_message::mime::Entity;
use kantor_message::params::Structured;
use kantor_message::structure::{self, BodyPart};

/// The structure of `entity` and everything inside it.
pub(crate) fn structure(raw: &[u8], entity: &Entity, utf8: bool) -> BodyStructure {
    render(&BodyPart::of(raw, entity), utf8)
}

/// BODYSTRUCTURE as it goes out.
pub(crate) fn render(part: &BodyPart, utf8: bool) -> BodyStructure {
    // File names are shown to users: for a client without UTF-8 a non-ASCII one becomes an
    // encoded-word, which mail clients decode there in practice. Other values (a charset, a
    // boundary) are tokens, never encoded-words (RFC 2047 §5): a non-ASCII one, which can only
    // be damage, goes out as it is, in a literal.
    let params = |list: &[(String, String)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| {
                let shown = k.eq_ignore_ascii_case("name") || k.eq_ignore_ascii_case("filename");
                let v = if shown {
                    downgrade(v.clone(), utf8)
                } else {
                    v.clone()
                };
                (k.to_ascii_uppercase(), v)
            })
            .collect()
    };
    let disposition = |d: &Option<Structured>| {
        d.as_ref().map(|d| Disposition {
            kind: d.value.to_ascii_uppercase(),
            params: params(&d.params),
        })
    };
    if let structure::Content::Multipart(children) = &part.content {
        return BodyStructure::Multi(MultiPart {
            parts: children.iter().map(|c| render(c, utf8)).collect(),
            subtype: part.subtype.to_ascii_uppercase(),
            params: params(&part.params),
            disposition: disposition(&part.disposition),
            language: part.language.clone(),
            location: part.location.clone(),
        });
    }
    let content = match &part.content {
        structure::Content::Message(inner) => Content::Message {
            envelope: Box::new(envelope::render(&inner.envelope, utf8)),
            body: Box::new(render(&inner.root, utf8)),
            lines: part.lines,
        },
        _ if part.media_type == "text" => Content::Text { lines: part.lines },
        _ => Content::Basic {
            media_type: part.media_type.to_ascii_uppercase(),
        },
    };
    BodyStructure::Single(SinglePart {
        content,
        subtype: part.subtype.to_ascii_uppercase(),
        params: params(&part.params),
        id: part.id.clone(),
        description: part.description.clone().map(|d| downgrade(d, utf8)),
        encoding: part
            .encoding
            .as_deref()
            .map_or_else(|| "7BIT".to_string(), str::to_ascii_uppercase),
        size: part.size(),
        md5: part.md5.clone(),
        disposition: disposition(&part.disposition),
        language: part.language.clone(),
        location: part.location.clone(),
    })
}
