//! The text IMAP SEARCH TEXT looks in, folded, with its header lines marked, so that the text
//! BODY looks in is a part of it (RFC 9051 §6.4.4): the full-text index stores this one text
//! per message and gives both back.

use crate::mime::Entity;
use crate::text::{Piece, body_pieces, fold, header_text};
use std::ops::Range;

/// A message's folded TEXT (its header, then its body with the parts' MIME headers), and the
/// byte ranges in it of those headers: what is left, in order, is its folded BODY.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchText {
    pub text: String,
    /// Ascending, apart, on character boundaries of `text`.
    pub headers: Vec<Range<usize>>,
}

impl SearchText {
    /// The texts of a message: `root` its header ([`crate::mime::parse_header`]), `tree` the
    /// whole of it ([`crate::mime::parse`]). Each piece is folded alone, which is folding the
    /// whole since [`fold`] maps characters one by one.
    pub fn of(raw: &[u8], root: &Entity, tree: &Entity) -> SearchText {
        let mut out = SearchText::default();
        out.push(&header_text(raw, root), true);
        body_pieces(raw, tree, true, |piece| match piece {
            Piece::MimeHeader(t) => out.push(&t, true),
            Piece::Text(t) => out.push(&t, false),
        });
        out
    }

    fn push(&mut self, piece: &str, header: bool) {
        let start = self.text.len();
        self.text.push_str(&fold(piece));
        if header && self.text.len() > start {
            match self.headers.last_mut() {
                Some(last) if last.end == start => last.end = self.text.len(),
                _ => self.headers.push(start..self.text.len()),
            }
        }
    }

    /// Whether the ranges fit the text: ascending, apart, within it and on character
    /// boundaries (always so for [`SearchText::of`]; a stored copy is checked).
    pub fn fits(&self) -> bool {
        let mut at = 0;
        self.headers.iter().all(|r| {
            let fits = at <= r.start && self.text.get(r.clone()).is_some();
            at = r.end;
            fits
        })
    }

    /// The folded BODY: the text without its header ranges. `None` when they do not
    /// [fit](SearchText::fits) it.
    pub fn body(&self) -> Option<String> {
        if !self.fits() {
            return None;
        }
        let mut body = String::with_capacity(self.text.len());
        let mut at = 0;
        for r in &self.headers {
            body.push_str(&self.text[at..r.start]);
            at = r.end;
        }
        body.push_str(&self.text[at..]);
        Some(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::{parse, parse_header};
    use crate::text::body_text;

    /// TEXT and BODY as the scan computes them, with characters whose upper case is longer
    /// (ß, ŉ) so that folding moves every offset after them.
    #[test]
    fn text_and_body_are_the_scans() {
        let raw = "From: =?utf-8?q?Stra=C3=9Fe?= <s@example.org>\r\nSubject: ŉ\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
groß und klein\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner ß\r\n\r\ninner body ß\r\n\
--b\r\nContent-Type: text/html\r\n\r\n<p>Fuß</p>\r\n--b\r\nContent-Type: image/png\r\n\r\nxx\r\n--b--\r\n";
        let raw = raw.as_bytes();
        let (root, tree) = (parse_header(raw), parse(raw));
        let texts = SearchText::of(raw, &root, &tree);
        let text = fold(&(header_text(raw, &root) + &body_text(raw, &tree, true)));
        assert_eq!(texts.text, text);
        assert_eq!(texts.body().unwrap(), fold(&body_text(raw, &tree, false)));
        assert!(texts.text.contains("STRASSE") && texts.text.contains("CONTENT-TYPE: IMAGE/PNG"));
        let body = texts.body().unwrap();
        assert!(body.contains("GROSS UND KLEIN") && body.contains("SUBJECT: INNER SS"));
        assert!(!body.contains("CONTENT-TYPE") && !body.contains("STRASSE"));
    }

    #[test]
    fn ranges_that_do_not_fit_give_no_body() {
        let texts = |headers: &[(usize, usize)]| SearchText {
            text: "ÄBC".into(),
            headers: headers.iter().map(|&(a, b)| a..b).collect(),
        };
        assert_eq!(texts(&[(0, 2)]).body().as_deref(), Some("BC"));
        assert_eq!(texts(&[(0, 1)]).body(), None, "inside Ä");
        assert_eq!(texts(&[(0, 9)]).body(), None);
        assert_eq!(texts(&[(2, 3), (0, 2)]).body(), None);
    }
}
