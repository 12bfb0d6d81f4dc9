//! Which parts of a message are its text, its HTML and its attachments: RFC 8621 §4.1.4's
//! `parseStructure` algorithm (JMAP's textBody, htmlBody and attachments), and from it whether
//! a message has an attachment to offer ("true if the attachments list contains at least one
//! item that does not have Content-Disposition: inline").
//!
//! Kept to the RFC's pseudo-code, step by step; message/rfc822 parts are leaves here, as in
//! JMAP's bodyStructure.

use crate::structure::{BodyPart, Content};

/// The parts of a message, sorted as RFC 8621 §4.1.4 sorts them.
#[derive(Debug, Default)]
pub struct Bodies<'a> {
    pub text: Vec<&'a BodyPart>,
    pub html: Vec<&'a BodyPart>,
    pub attachments: Vec<&'a BodyPart>,
}

impl<'a> Bodies<'a> {
    /// Sorts the parts of the message whose structure is `root`.
    pub fn of(root: &'a BodyPart) -> Bodies<'a> {
        let mut bodies = Bodies::default();
        bodies.parse(std::slice::from_ref(root), "mixed", false, true, true);
        bodies
    }

    /// `parseStructure(parts, multipartType, inAlternative, htmlBody, textBody, attachments)`;
    /// `text` and `html` say whether textBody and htmlBody are still arrays (not null) here.
    fn parse(
        &mut self,
        parts: &'a [BodyPart],
        multipart_type: &str,
        in_alternative: bool,
        mut text: bool,
        mut html: bool,
    ) {
        let text_length = text.then_some(self.text.len());
        let html_length = html.then_some(self.html.len());
        for (i, part) in parts.iter().enumerate() {
            let is_inline = !part.is_attachment()
                && (is_type(part, "text", "plain")
                    || is_type(part, "text", "html")
                    || inline_media_type(part))
                && (i == 0
                    || (multipart_type != "related"
                        && (inline_media_type(part) || part.name().is_none())));
            if let Content::Multipart(children) = &part.content {
                let sub = part.subtype.as_str();
                self.parse(
                    children,
                    sub,
                    in_alternative || sub == "alternative",
                    text,
                    html,
                );
            } else if is_inline {
                if multipart_type == "alternative" {
                    if is_type(part, "text", "plain") {
                        self.text.push(part);
                    } else if is_type(part, "text", "html") {
                        self.html.push(part);
                    } else {
                        self.attachments.push(part);
                    }
                    continue;
                } else if in_alternative {
                    if is_type(part, "text", "plain") {
                        html = false;
                    }
                    if is_type(part, "text", "html") {
                        text = false;
                    }
                }
                if text {
                    self.text.push(part);
                }
                if html {
                    self.html.push(part);
                }
                if (!text || !html) && inline_media_type(part) {
                    self.attachments.push(part);
                }
            } else {
                self.attachments.push(part);
            }
        }
        if multipart_type == "alternative" && text && html {
            let (text_length, html_length) = (text_length.unwrap_or(0), html_length.unwrap_or(0));
            // Found an HTML part only: it is the text body too; and the other way round.
            if self.text.len() == text_length && self.html.len() != html_length {
                let found = self.html[html_length..].to_vec();
                self.text.extend(found);
            }
            if self.html.len() == html_length && self.text.len() != text_length {
                let found = self.text[text_length..].to_vec();
                self.html.extend(found);
            }
        }
    }

    /// Whether an attachment is not `Content-Disposition: inline` (RFC 8621 §4.1.4
    /// hasAttachment).
    pub fn has_attachment(&self) -> bool {
        self.attachments.iter().any(|part| {
            !part
                .disposition
                .as_ref()
                .is_some_and(|d| d.value.eq_ignore_ascii_case("inline"))
        })
    }
}

fn is_type(part: &BodyPart, media_type: &str, subtype: &str) -> bool {
    part.media_type == media_type && part.subtype == subtype
}

/// `isInlineMediaType`: image, audio and video.
fn inline_media_type(part: &BodyPart) -> bool {
    matches!(part.media_type.as_str(), "image" | "audio" | "video")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::parse;

    fn bodies_of(raw: &[u8]) -> (Vec<u64>, Vec<u64>, Vec<u64>, bool) {
        let root = BodyPart::of(raw, &parse(raw));
        let bodies = Bodies::of(&root);
        let starts = |parts: &[&BodyPart]| parts.iter().map(|p| p.body).collect();
        (
            starts(&bodies.text),
            starts(&bodies.html),
            starts(&bodies.attachments),
            bodies.has_attachment(),
        )
    }

    #[test]
    fn plain_message_is_its_own_text_and_html() {
        let raw = b"Subject: x\r\n\r\nhello\r\n";
        assert_eq!(bodies_of(raw), (vec![14], vec![14], vec![], false));
    }

    #[test]
    fn alternative_with_attachment_and_inline_image() {
        let raw = b"Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\n\
Content-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nt\r\n\
--a\r\nContent-Type: text/html\r\n\r\n<p>t</p>\r\n--a--\r\n\r\n--m\r\nContent-Type: image/png\r\n\
Content-Disposition: inline\r\n\r\npng\r\n--m\r\nContent-Type: application/pdf\r\n\
Content-Disposition: attachment\r\n\r\npdf\r\n--m--\r\n";
        let root = BodyPart::of(raw, &parse(raw));
        let bodies = Bodies::of(&root);
        let types = |parts: &[&BodyPart]| -> Vec<String> {
            parts
                .iter()
                .map(|p| format!("{}/{}", p.media_type, p.subtype))
                .collect()
        };
        assert_eq!(types(&bodies.text), ["text/plain", "image/png"]);
        assert_eq!(types(&bodies.html), ["text/html", "image/png"]);
        assert_eq!(types(&bodies.attachments), ["application/pdf"]);
        assert!(bodies.has_attachment());
    }

    #[test]
    fn inline_only_and_attached_messages() {
        let inline = b"Content-Type: multipart/related; boundary=r\r\n\r\n--r\r\n\
Content-Type: text/html\r\n\r\n<img src=cid:i>\r\n--r\r\nContent-Type: image/png\r\n\
Content-Disposition: inline\r\n\r\npng\r\n--r--\r\n";
        let (_, _, attachments, has) = bodies_of(inline);
        assert_eq!((attachments.len(), has), (1, false));
        let forward = b"Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\n\r\nsee below\r\n\
--m\r\nContent-Type: message/rfc822\r\n\r\nSubject: old\r\n\r\nold\r\n--m--\r\n";
        let (text, _, attachments, has) = bodies_of(forward);
        assert_eq!((text.len(), attachments.len(), has), (1, 1, true));
    }
}
