//! Readable text of a message: decoded header values and text parts, for searching (IMAP
//! SEARCH BODY/TEXT, RFC 9051 §6.4.4) and previews (IMAP PREVIEW, RFC 8970 §3; JMAP
//! Email/preview, RFC 8621 §4.1.4). The decoding is mail-parser's (RFC 2047 words, transfer
//! encodings, charsets, HTML to text); choosing what to show is hand-written.

use crate::encoded::decode_words;
use crate::header::unfold;
use crate::mime::{Entity, Kind};
use mail_parser::decoders::html::html_to_text;

/// Longest preview, in characters (RFC 8970 §3.1: "SHOULD limit the length ... to 200 preview
/// characters").
const PREVIEW_CHARS: usize = 200;

/// Case folding for comparisons: upper case, approximating i;unicode-casemap (RFC 5051), as
/// IMAP SEARCH and SORT (RFC 9051 §6.4.4, RFC 5256 §2.1) compare strings.
pub fn fold(s: &str) -> String {
    s.to_uppercase()
}

/// The decoded fields of a header, one `name: value` per line.
pub fn header_text(raw: &[u8], entity: &Entity) -> String {
    let mut out = String::new();
    for field in entity.fields(raw) {
        out.push_str(&String::from_utf8_lossy(field.name));
        out.push_str(": ");
        out.push_str(&decode_words(&unfold(field.value)));
        out.push('\n');
    }
    out
}

/// The decoded content of a text leaf, as mail-parser decoded it (HTML reduced to its text).
fn leaf_text(entity: &Entity) -> String {
    let text = entity.text.as_deref().unwrap_or_default();
    if entity.mime.subtype == "html" {
        html_to_text(text)
    } else {
        text.to_string()
    }
}

/// The text a SEARCH BODY looks in: every text part, decoded, and the headers and text of
/// attached messages. With `mime_headers`, the MIME headers of the parts too (for TEXT).
pub fn body_text(raw: &[u8], root: &Entity, mime_headers: bool) -> String {
    let mut out = String::new();
    body_pieces(raw, root, mime_headers, |piece| match piece {
        Piece::MimeHeader(t) | Piece::Text(t) => out.push_str(&t),
    });
    out
}

/// One piece of a message's body as [`body_text`] strings them together.
pub(crate) enum Piece {
    /// The MIME header of a part (TEXT only).
    MimeHeader(String),
    /// A text part's decoded text (with a line break), or an attached message's header.
    Text(String),
}

/// The pieces of `root`'s body in order, the parts' MIME headers only with `mime_headers`.
pub(crate) fn body_pieces(
    raw: &[u8],
    root: &Entity,
    mime_headers: bool,
    mut emit: impl FnMut(Piece),
) {
    let mut stack = vec![(root, true)];
    while let Some((entity, top)) = stack.pop() {
        if mime_headers && !top {
            emit(Piece::MimeHeader(header_text(raw, entity)));
        }
        match &entity.kind {
            Kind::Leaf if entity.mime.media_type == "text" => {
                let mut text = leaf_text(entity);
                text.push('\n');
                emit(Piece::Text(text));
            }
            Kind::Leaf => {}
            Kind::Multipart(children) => stack.extend(children.iter().rev().map(|c| (c, false))),
            Kind::Message(inner) => {
                emit(Piece::Text(header_text(raw, inner)));
                stack.push((inner, true));
            }
        }
    }
}

/// The preview of a message (RFC 8970 §3): the start of its main text part (text/plain
/// preferred over text/html in an alternative; attachments and attached messages skipped),
/// white space collapsed, at most 200 characters. Empty when there is no text. The text comes
/// decoded with the tree; the message's bytes are not needed.
pub fn preview(_raw: &[u8], root: &Entity) -> String {
    let Some(part) = main_text(root) else {
        return String::new();
    };
    let text = leaf_text(part);
    text.split_whitespace()
        .flat_map(|w| std::iter::once(' ').chain(w.chars()))
        .skip(1)
        .take(PREVIEW_CHARS)
        .collect()
}

fn main_text(entity: &Entity) -> Option<&Entity> {
    match &entity.kind {
        Kind::Leaf => (entity.mime.media_type == "text"
            && matches!(entity.mime.subtype.as_str(), "plain" | "html")
            && !entity.mime.is_attachment())
        .then_some(entity),
        Kind::Message(_) => None,
        Kind::Multipart(children) if entity.mime.subtype == "alternative" => {
            let found: Vec<&Entity> = children.iter().filter_map(main_text).collect();
            found
                .iter()
                .find(|e| e.mime.subtype == "plain")
                .or(found.first())
                .copied()
        }
        Kind::Multipart(children) => children.iter().find_map(main_text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::parse;

    #[test]
    fn preview_prefers_plain_and_collapses_white_space() {
        let raw = b"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>Hi <b>there</b></p>\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHello\r\n\r\n   w=C3=B6rld  =\r\nagain\r\n--b--\r\n";
        let root = parse(raw);
        assert_eq!(preview(raw, &root), "Hello wörld again");
        let long = format!("Subject: x\r\n\r\n{}", "ab ".repeat(100));
        let root = parse(long.as_bytes());
        assert_eq!(preview(long.as_bytes(), &root).chars().count(), 200);
        let root = parse(b"Content-Type: image/png\r\n\r\nxx");
        assert_eq!(preview(b"Content-Type: image/png\r\n\r\nxx", &root), "");
    }

    #[test]
    fn body_text_decodes_parts_and_html() {
        let raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+SGVsbG8gV29ybGQ8L3A+\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\nsecret\r\n--b--\r\n";
        let root = parse(raw);
        let text = body_text(raw, &root, false);
        assert!(text.contains("Hello World"), "{text}");
        assert!(!text.contains("secret"));
        assert!(!text.contains("<p>"));
        assert!(body_text(raw, &root, true).contains("Content-Type: application/octet-stream"));
    }
}
