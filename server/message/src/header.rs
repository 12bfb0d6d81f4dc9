//! Header fields of a message or a MIME part (RFC 5322 §2.2, §3.6; RFC 2045 §3), as mail-parser
//! located them: its header parser (`MessageStream::parse_headers`, run for every part while the
//! message is parsed) records where each field's name, value and line end.
//!
//! Hand-written here, because IMAP needs the bytes as written and mail-parser gives parsed
//! values:
//! - the field views over the raw bytes (BODY[HEADER.FIELDS] returns the lines themselves,
//!   RFC 9051 §6.4.5);
//! - lines without a colon, which mail-parser skips, kept as nameless fields so that
//!   HEADER.FIELDS.NOT and SEARCH TEXT still see every byte of the header;
//! - [`unfold`]: ENVELOPE wants raw values unfolded (RFC 9051 §7.5.2, RFC 5322 §2.2.3), and
//!   mail-parser's raw form keeps the folding line breaks.

use mail_parser::Header;
use std::ops::Range;

/// One header field, as written.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    /// The field name, without surrounding white space (empty for a line without a colon).
    pub name: &'a [u8],
    /// The raw value after the colon, still folded, without the final line break.
    pub value: &'a [u8],
    /// The whole field: name, colon, value and the line break that ends it.
    pub raw: &'a [u8],
}

impl Field<'_> {
    /// Whether the field is called `name` (field names are case-insensitive, RFC 5322 §1.2.2).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name.as_bytes())
    }

    /// The unfolded value without leading and trailing white space (RFC 5322 §2.2.3).
    pub fn text(&self) -> String {
        unfold(self.value)
    }
}

/// Where a field lies in the message: byte ranges of its name, value and whole line(s).
#[derive(Debug, Clone)]
pub struct Span {
    name: Range<usize>,
    value: Range<usize>,
    raw: Range<usize>,
}

impl Span {
    /// The field in `raw`, the message the span was taken from.
    pub fn field<'a>(&self, raw: &'a [u8]) -> Field<'a> {
        let get = |r: &Range<usize>| raw.get(r.clone()).unwrap_or_default();
        Field {
            name: get(&self.name),
            value: get(&self.value),
            raw: get(&self.raw),
        }
    }
}

/// The fields of the header `raw[block]` (the blank line that ends it included, if any), from
/// the `headers` mail-parser parsed in it; their offsets are `base` bytes into `raw`. Text between
/// two fields, which mail-parser skipped as not being a field, becomes a nameless field.
pub fn spans(raw: &[u8], block: Range<usize>, headers: &[Header<'_>], base: usize) -> Vec<Span> {
    let end = block.end.min(raw.len());
    let mut out = Vec::with_capacity(headers.len());
    let mut pos = block.start.min(end);
    for header in headers {
        let at = |offset: u32| (base + offset as usize).clamp(pos, end);
        let (start, value_start, field_end) = (
            at(header.offset_field),
            at(header.offset_start),
            at(header.offset_end),
        );
        out.extend(skipped(raw, pos..start));
        // The colon is the byte before the value (a name cut off by the end has none).
        let name_end = match value_start.checked_sub(1) {
            Some(colon) if colon >= start && raw[colon] == b':' => colon,
            _ => value_start,
        };
        out.push(Span {
            name: trim(raw, start..name_end),
            value: value_start..without_line_break(raw, value_start..field_end),
            raw: start..field_end,
        });
        pos = field_end;
    }
    // After the last field: skipped lines, then the blank line that ends the header.
    let mut tail = pos..end;
    if let Some(blank) = blank_line_start(raw, tail.clone()) {
        tail.end = blank;
    }
    out.extend(skipped(raw, tail));
    out
}

/// The nameless field for text mail-parser skipped, unless it is only white space.
fn skipped(raw: &[u8], range: Range<usize>) -> Option<Span> {
    let bytes = raw.get(range.clone())?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let start = range.start
        + bytes
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
    Some(Span {
        name: start..start,
        value: start..without_line_break(raw, start..range.end),
        raw: start..range.end,
    })
}

/// Where the blank line that ends `raw[range]` starts, if it ends with one.
fn blank_line_start(raw: &[u8], range: Range<usize>) -> Option<usize> {
    let bytes = raw.get(range.clone())?;
    let rest = bytes.strip_suffix(b"\n")?;
    let rest = rest.strip_suffix(b"\r").unwrap_or(rest);
    (rest.is_empty() || rest.ends_with(b"\n")).then_some(range.start + rest.len())
}

/// The end of `raw[range]` without its final line break.
fn without_line_break(raw: &[u8], range: Range<usize>) -> usize {
    let bytes = raw.get(range.clone()).unwrap_or_default();
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    range.start + bytes.len()
}

/// `range` without leading and trailing white space.
fn trim(raw: &[u8], range: Range<usize>) -> Range<usize> {
    let bytes = raw.get(range.clone()).unwrap_or_default();
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    range.start + start..range.start + end
}

/// The fields of a standalone header block (a message's or a part's), parsed by mail-parser.
pub fn fields(header: &[u8]) -> Vec<Field<'_>> {
    use mail_parser::{MessageParser, parsers::MessageStream};
    let mut headers = Vec::new();
    let mut stream = MessageStream::new(header);
    stream.parse_headers(&MessageParser::default(), &mut headers);
    spans(header, 0..stream.offset(), &headers, 0)
        .iter()
        .map(|s| s.field(header))
        .collect()
}

/// The first field called `name`.
pub fn first<'a>(fields: &[Field<'a>], name: &str) -> Option<Field<'a>> {
    fields.iter().find(|f| f.is(name)).copied()
}

/// The unfolded, trimmed value of the first field called `name`.
pub fn text(fields: &[Field<'_>], name: &str) -> Option<String> {
    first(fields, name).map(|f| f.text())
}

/// Unfolds a raw value (removes the CRLFs of folding, keeping the white space after them) and
/// trims it. Octets that are not UTF-8 become U+FFFD.
pub fn unfold(value: &[u8]) -> String {
    let unfolded: Vec<u8> = value
        .trim_ascii()
        .iter()
        .copied()
        .filter(|&b| b != b'\r' && b != b'\n')
        .collect();
    match String::from_utf8(unfolded) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_folded_fields_and_stops_at_the_blank_line() {
        let header =
            b"Subject: a\r\n  folded\r\nX-Empty:\r\nbroken line\r\nTo: b\r\n\r\nBody: no\r\n";
        let f = fields(header);
        assert_eq!(f.len(), 4);
        assert_eq!(f[0].name, b"Subject");
        assert_eq!(f[0].raw, b"Subject: a\r\n  folded\r\n");
        assert_eq!(f[0].text(), "a  folded");
        assert_eq!(f[1].text(), "");
        assert_eq!(f[2].name, b"");
        assert!(f[3].is("TO"));
        assert_eq!(text(&f, "to").as_deref(), Some("b"));
        assert_eq!(text(&f, "body"), None);
    }

    #[test]
    fn bare_lf_and_missing_final_line_break() {
        let f = fields(b"A: 1\nB: 2");
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].raw, b"B: 2");
        assert_eq!(f[1].text(), "2");
    }
}
