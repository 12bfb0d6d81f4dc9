//! Header fields of a message or a MIME part (RFC 5322 §2.2, §3.6; RFC 2045 §3): splitting a
//! header into fields, unfolding (RFC 5322 §2.2.3) and finding a field by name.

/// One header field, as written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field<'a> {
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

/// The end of the line starting at `pos`: the index just past its LF, or the end of `bytes`.
pub(crate) fn line_end(bytes: &[u8], pos: usize) -> usize {
    bytes
        .get(pos..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        .map_or(bytes.len(), |i| pos + i + 1)
}

/// Whether `line` is empty apart from its line break.
pub(crate) fn is_blank(line: &[u8]) -> bool {
    matches!(line, b"\r\n" | b"\n" | b"\r")
}

/// Splits a header block into its fields. Stops at the blank line that ends the header, if the
/// block holds one.
pub(crate) fn fields(header: &[u8]) -> Vec<Field<'_>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < header.len() {
        let start = pos;
        let mut end = line_end(header, pos);
        if is_blank(&header[start..end]) {
            break;
        }
        // Continuation lines start with white space.
        while end < header.len() && matches!(header[end], b' ' | b'\t') {
            end = line_end(header, end);
        }
        pos = end;
        let raw = &header[start..end];
        let content = trim_line_break(raw);
        let (name, value) = match content.iter().position(|&b| b == b':') {
            Some(colon) => (trim(&content[..colon]), &content[colon + 1..]),
            None => (&b""[..], content),
        };
        out.push(Field { name, value, raw });
    }
    out
}

/// The first field called `name`.
pub(crate) fn first<'a>(fields: &[Field<'a>], name: &str) -> Option<Field<'a>> {
    fields.iter().find(|f| f.is(name)).copied()
}

/// The unfolded, trimmed value of the first field called `name`.
pub(crate) fn text(fields: &[Field<'_>], name: &str) -> Option<String> {
    first(fields, name).map(|f| f.text())
}

fn trim_line_break(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

/// `bytes` without leading and trailing spaces, tabs, CRs and LFs.
pub(crate) fn trim(bytes: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = bytes.iter().position(|b| !ws(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !ws(b)).map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// Unfolds a value (removes the CRLFs of folding, keeping the white space after them) and trims
/// it. Octets that are not UTF-8 become U+FFFD.
pub(crate) fn unfold(value: &[u8]) -> String {
    let unfolded: Vec<u8> = trim(value)
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
