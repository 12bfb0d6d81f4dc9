//! What is indexed of a message: the very texts the exact matchers compare with (IMAP SEARCH in
//! kantor-imap-message, JMAP Email/query's `body`), computed by the same kantor-message
//! functions and folded the same way, so that a needle contained in a text always has all its
//! trigrams in the text's field. Each text is capped ([`IndexLimits`]); a message with a text
//! cut short is marked `truncated` and stays a candidate of every search. The text of office
//! attachments ([`crate::attachments`]) has a field of its own: no IMAP matcher reads it, and
//! JMAP's confirms it by reading the attachments again with the same limits.

use crate::attachments::{self, AttachmentLimits};
use kantor_message::encoded::decode_words;
use kantor_message::keys::{address_texts, field_texts};
use kantor_message::mime::{self, Entity, Kind};
use kantor_message::search_text::SearchText;
use kantor_message::text::{fold, header_text};
use std::ops::Range;

/// Bounds on what is indexed of one message.
#[derive(Debug, Clone, Copy)]
pub struct IndexLimits {
    /// Most bytes of one field's text (a text past it is cut at a character boundary).
    pub max_field_bytes: usize,
    /// Messages larger than this are indexed by their header fields only (and marked
    /// truncated): their bodies are left to the scan.
    pub max_message_bytes: usize,
    /// Bounds on reading the text of one attachment.
    pub attachments: AttachmentLimits,
    /// Detect each message's language and index its words, stemmed in that language
    /// ([`crate::language`]), for JMAP's word matches.
    pub stemming: bool,
}

impl Default for IndexLimits {
    fn default() -> IndexLimits {
        IndexLimits {
            max_field_bytes: 1 << 20,
            max_message_bytes: 64 << 20,
            attachments: AttachmentLimits::default(),
            stemming: true,
        }
    }
}

/// The folded texts of one message, by field.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Texts {
    pub from: String,
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub body: String,
    pub text: String,
    /// The byte ranges of header lines in `text`: the rest of it is `body`
    /// ([`SearchText`]), so the index stores `text` alone.
    pub text_headers: Vec<Range<usize>>,
    pub attachments: String,
    /// The text of office attachments (PDF, DOCX, XLSX, PPTX, OpenDocument).
    pub attachment_text: String,
    pub truncated: bool,
}

impl Texts {
    /// Extracts the texts of a message's bytes.
    pub fn of(raw: &[u8], limits: &IndexLimits) -> Texts {
        let root = mime::parse_header(raw);
        let fields = root.fields(raw);
        // A field's texts and its addresses' texts, as FROM/TO/CC/BCC and HEADER match them.
        let header = |name: &str, addresses: bool| {
            let mut all = field_texts(&fields, name);
            if addresses {
                all.extend(address_texts(&fields, name));
            }
            all.join("\n")
        };
        let mut texts = Texts {
            from: header("From", true),
            to: header("To", true),
            cc: header("Cc", true),
            bcc: header("Bcc", true),
            subject: header("Subject", false),
            ..Texts::default()
        };
        if raw.len() > limits.max_message_bytes {
            texts.text = fold(&header_text(raw, &root));
            texts.truncated = true;
        } else {
            let tree = mime::parse(raw);
            let search = SearchText::of(raw, &root, &tree);
            // The ranges come from the text itself: they always fit.
            texts.body = search.body().unwrap_or_default();
            texts.text = search.text;
            texts.text_headers = search.headers;
            texts.attachments = fold(&attachment_names(&tree).join("\n"));
            texts.attachment_text = attachment_text(raw, &tree, limits);
        }
        for t in [
            &mut texts.from,
            &mut texts.to,
            &mut texts.cc,
            &mut texts.bcc,
            &mut texts.subject,
            &mut texts.body,
            &mut texts.text,
            &mut texts.attachments,
        ] {
            if cut(t, limits.max_field_bytes) {
                texts.truncated = true;
            }
        }
        texts
    }
}

/// The folded text of a message's office attachments, cut at the field's cap: what the index
/// holds, and what an exact check compares with.
pub fn attachment_text(raw: &[u8], tree: &Entity, limits: &IndexLimits) -> String {
    let mut text = fold(&attachments::attachment_text(
        raw,
        tree,
        &limits.attachments,
    ));
    cut(&mut text, limits.max_field_bytes);
    text
}

/// Cuts `t` to at most `max` bytes at a character boundary; whether it was longer.
fn cut(t: &mut String, max: usize) -> bool {
    if t.len() <= max {
        return false;
    }
    let mut end = max;
    while !t.is_char_boundary(end) {
        end -= 1;
    }
    t.truncate(end);
    true
}

/// The file names of a message's parts (Content-Disposition `filename`, else Content-Type
/// `name`; RFC 2231 values and RFC 2047 words decoded), attached messages included: what the
/// `attachments` field holds, and what JMAP's `attachmentName` and `text` confirm with.
pub fn attachment_names(root: &Entity) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack = vec![root];
    while let Some(entity) = stack.pop() {
        if let Some(name) = attachments::file_name(entity) {
            names.push(decode_words(name));
        }
        match &entity.kind {
            Kind::Leaf => {}
            Kind::Multipart(children) => stack.extend(children.iter()),
            Kind::Message(inner) => stack.push(inner),
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_folded_and_capped() {
        let raw = "From: =?utf-8?q?J=C3=BCrgen?= <jurgen@example.org>\r\nSubject: Grüße\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n\
<p>Hallo <b>Welt</b></p>\r\n--b\r\nContent-Type: text/plain; name=\"notes.txt\"\r\n\
Content-Disposition: attachment; filename=\"notes.txt\"\r\n\r\nattached words\r\n--b--\r\n";
        let texts = Texts::of(raw.as_bytes(), &IndexLimits::default());
        assert!(texts.from.contains("JÜRGEN"), "{texts:?}");
        assert!(texts.from.contains("JURGEN@EXAMPLE.ORG"), "{texts:?}");
        assert_eq!(texts.subject, "GRÜSSE");
        assert!(texts.body.contains("HALLO WELT"), "{texts:?}");
        assert!(texts.body.contains("ATTACHED WORDS"));
        assert!(!texts.body.contains("<P>"));
        assert!(texts.text.contains("SUBJECT: GRÜSSE"));
        assert_eq!(texts.attachments, "NOTES.TXT");
        assert!(!texts.truncated);
        let small = IndexLimits {
            max_field_bytes: 5,
            ..IndexLimits::default()
        };
        let cut = Texts::of(raw.as_bytes(), &small);
        assert!(cut.truncated && cut.body.len() <= 5);
    }
}
