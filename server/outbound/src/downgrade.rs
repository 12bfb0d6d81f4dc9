//! The 8BITMIME downgrade (RFC 6152 §3): a message with 8-bit content for a server that does
//! not offer 8BITMIME is converted to 7 bits before it is signed, each body part with 8-bit
//! octets re-encoded (RFC 2045 §6.7 quoted-printable for text, §6.8 base64 for the rest), its
//! header fields kept but for Content-Transfer-Encoding. What cannot be converted that way (8-bit
//! header fields, an 8-bit nested message, or a part already declared encoded that is not)
//! is refused, for the caller to bounce.

use mail_parser::{Encoding, MessageParser, MimeHeaders, PartType};
use std::io::Write;

/// Longest encoded line before a soft line break (RFC 2045 §6.7 (5): 76 with the `=`).
const QP_WIDTH: usize = 75;

/// The message in 7 bits, or why it cannot be.
pub(crate) fn to_seven_bit(message: &[u8]) -> Result<Vec<u8>, String> {
    let parsed = MessageParser::default()
        .parse(message)
        .ok_or("the message cannot be parsed")?;
    let mut edits: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    for part in &parsed.parts {
        let (head, body, end) = (
            part.offset_header as usize,
            part.offset_body as usize,
            part.offset_end as usize,
        );
        let (Some(header), Some(content)) = (message.get(head..body), message.get(body..end))
        else {
            return Err("the message's structure cannot be followed".into());
        };
        if !header.is_ascii() {
            return Err("a header field has 8-bit characters".into());
        }
        if content.is_ascii() {
            continue;
        }
        match &part.body {
            PartType::Multipart(_) => continue,
            PartType::Message(_) => return Err("an attached message has 8-bit content".into()),
            _ if part.encoding != Encoding::None
                || part.content_transfer_encoding().is_some_and(|e| {
                    !["7bit", "8bit", "binary"]
                        .iter()
                        .any(|k| e.trim().eq_ignore_ascii_case(k))
                }) =>
            {
                return Err("a part declared encoded has 8-bit octets".into());
            }
            body => {
                let text = matches!(body, PartType::Text(_) | PartType::Html(_))
                    || part
                        .content_type()
                        .is_none_or(|t| t.ctype().eq_ignore_ascii_case("text"));
                let (encoding, encoded) = match text {
                    true => ("quoted-printable", quoted_printable(content)),
                    false => ("base64", base64(content)),
                };
                let mut replacement = with_encoding(header, encoding);
                replacement.extend_from_slice(&encoded);
                edits.push((head, end, replacement));
            }
        }
    }
    edits.sort_by_key(|e| e.0);
    let mut out = Vec::with_capacity(message.len() + message.len() / 4);
    let mut at = 0;
    for (start, end, replacement) in edits {
        if start < at {
            return Err("the message's parts overlap".into());
        }
        out.extend_from_slice(&message[at..start]);
        out.extend_from_slice(&replacement);
        at = end;
    }
    out.extend_from_slice(&message[at..]);
    match out.is_ascii() {
        true => Ok(out),
        false => Err("8-bit octets outside any body part".into()),
    }
}

/// A part's header (ending with its empty line) with `Content-Transfer-Encoding: encoding`
/// instead of any such field.
fn with_encoding(header: &[u8], encoding: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(header);
    let mut out = String::with_capacity(header.len() + 40);
    let mut skipping = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\r', '\n']);
        if bare.is_empty() {
            break;
        }
        if !line.starts_with([' ', '\t']) {
            skipping = bare.split_once(':').is_some_and(|(name, _)| {
                name.trim()
                    .eq_ignore_ascii_case("content-transfer-encoding")
            });
        }
        if !skipping {
            out.push_str(bare);
            out.push_str("\r\n");
        }
    }
    out.push_str(&format!("Content-Transfer-Encoding: {encoding}\r\n\r\n"));
    out.into_bytes()
}

/// Quoted-printable (RFC 2045 §6.7): line breaks kept as CRLF, printable ASCII but `=` as it is,
/// white space at a line's end and every other octet as `=XX`, soft breaks before 76 columns.
fn quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() * 2);
    let mut lines = body.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut width = 0;
        for (i, &b) in line.iter().enumerate() {
            let at_end = i + 1 == line.len();
            let literal =
                ((b'!'..=b'~').contains(&b) && b != b'=') || (matches!(b, b' ' | b'\t') && !at_end);
            let size = if literal { 1 } else { 3 };
            if width + size > QP_WIDTH {
                out.extend_from_slice(b"=\r\n");
                width = 0;
            }
            match literal {
                true => out.push(b),
                false => {
                    let _ = write!(out, "={b:02X}");
                }
            }
            width += size;
        }
        if lines.peek().is_some() {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Base64 (RFC 2045 §6.8) in lines of 76; a final line break of the part stays one (it belongs
/// to the boundary after it, RFC 2046 §5.1.1).
fn base64(body: &[u8]) -> Vec<u8> {
    let (data, tail): (&[u8], &[u8]) = match body.strip_suffix(b"\r\n") {
        Some(data) => (data, b""),
        None => (body, b"\r\n"),
    };
    let mut out = Vec::with_capacity(body.len() * 4 / 3 + body.len() / 38 + 4);
    let _ = mail_builder::encoders::base64::base64_encode_mime(data, &mut out, false);
    out.extend_from_slice(tail);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_text_part_becomes_quoted_printable() {
        let message = "From: a@x.test\r\nSubject: hi\r\nContent-Type: text/plain; charset=utf-8\r\n\
                       Content-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln = \r\nzwei\r\n";
        let out = String::from_utf8(to_seven_bit(message.as_bytes()).unwrap()).unwrap();
        assert_eq!(
            out,
            "From: a@x.test\r\nSubject: hi\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: quoted-printable\r\n\r\n\
             Gr=C3=BC=C3=9Fe aus K=C3=B6ln =3D=20\r\nzwei\r\n"
        );
        let parsed = MessageParser::default().parse(out.as_bytes()).unwrap();
        assert_eq!(
            parsed.body_text(0).unwrap().replace("\r\n", "\n"),
            "Grüße aus Köln = \nzwei\n"
        );
    }

    #[test]
    fn parts_of_a_multipart_are_converted_each_and_kept_intact() {
        let binary: Vec<u8> = (0..=255u8).collect();
        let mut message = b"From: a@x.test\r\nMIME-Version: 1.0\r\n\
            Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\npreamble\r\n--b\r\n\
            Content-Type: text/plain; charset=utf-8\r\n\r\n"
            .to_vec();
        let long = "é".repeat(100);
        message.extend_from_slice(long.as_bytes());
        message.extend_from_slice(
            b"\r\n--b\r\nContent-Type: text/plain\r\n\r\nplain ascii\r\n--b\r\n\
              Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n",
        );
        message.extend_from_slice(&binary);
        message.extend_from_slice(b"\r\n--b--\r\n");
        let out = to_seven_bit(&message).unwrap();
        assert!(out.is_ascii());
        assert!(String::from_utf8_lossy(&out).lines().all(|l| l.len() <= 76));
        let parsed = MessageParser::default().parse(&out).unwrap();
        assert_eq!(parsed.body_text(0).unwrap().trim_end(), long);
        assert!(String::from_utf8_lossy(&out).contains("plain ascii\r\n--b\r\n"));
        let attachment = parsed.attachment(0).unwrap();
        assert_eq!(attachment.contents(), &binary[..]);
    }

    #[test]
    fn what_cannot_be_converted_is_refused() {
        let header = "From: a@x.test\r\nSubject: Grüße\r\n\r\nbody é\r\n";
        assert!(
            to_seven_bit(header.as_bytes())
                .unwrap_err()
                .contains("header")
        );
        let declared = "From: a@x.test\r\nContent-Type: text/plain\r\n\
                        Content-Transfer-Encoding: base64\r\n\r\nnot base64 é\r\n";
        assert!(
            to_seven_bit(declared.as_bytes())
                .unwrap_err()
                .contains("declared")
        );
    }
}
