//! BODY and BODYSTRUCTURE (RFC 9051 §7.5.2) from the parsed MIME structure. Both come from the
//! same value; the encoder leaves the extension data out for BODY. Types, subtypes, parameter
//! names, encodings and disposition types are written in upper case as in the RFC's examples;
//! values as written (RFC 2231 decoded). Text parts carry their lines, message/rfc822 and
//! message/global parts their envelope, structure and lines; the encoding defaults to 7BIT.

use crate::envelope::envelope;
use kantor_imap_proto::response::body::{
    BodyStructure, Content, Disposition, MultiPart, SinglePart,
};
use kantor_message::decode::count_lines;
use kantor_message::encoded::downgrade;
use kantor_message::mime::{Entity, Kind, Mime, slice};

/// The structure of `entity` and everything inside it.
pub(crate) fn structure(raw: &[u8], entity: &Entity, utf8: bool) -> BodyStructure {
    let mime = &entity.mime;
    let params = |list: &[(String, String)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_ascii_uppercase(), downgrade(v.clone(), utf8)))
            .collect()
    };
    let disposition = |mime: &Mime| {
        mime.disposition.as_ref().map(|d| Disposition {
            kind: d.value.to_ascii_uppercase(),
            params: params(&d.params),
        })
    };
    if let Kind::Multipart(children) = &entity.kind {
        return BodyStructure::Multi(MultiPart {
            parts: children.iter().map(|c| structure(raw, c, utf8)).collect(),
            subtype: mime.subtype.to_ascii_uppercase(),
            params: params(&mime.params),
            disposition: disposition(mime),
            language: mime.language.clone(),
            location: mime.location.clone(),
        });
    }
    let body = slice(raw, &entity.body);
    let content = match &entity.kind {
        Kind::Message(inner) => Content::Message {
            envelope: Box::new(envelope(raw, inner, utf8)),
            body: Box::new(structure(raw, inner, utf8)),
            lines: count_lines(body),
        },
        _ if mime.media_type == "text" => Content::Text {
            lines: count_lines(body),
        },
        _ => Content::Basic {
            media_type: mime.media_type.to_ascii_uppercase(),
        },
    };
    BodyStructure::Single(SinglePart {
        content,
        subtype: mime.subtype.to_ascii_uppercase(),
        params: params(&mime.params),
        id: mime.id.clone(),
        description: mime.description.clone().map(|d| downgrade(d, utf8)),
        encoding: mime
            .encoding
            .as_deref()
            .map_or_else(|| "7BIT".to_string(), str::to_ascii_uppercase),
        size: body.len() as u64,
        md5: mime.md5.clone(),
        disposition: disposition(mime),
        language: mime.language.clone(),
        location: mime.location.clone(),
    })
}
