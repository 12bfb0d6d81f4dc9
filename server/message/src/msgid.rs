//! Message IDs in Message-ID, In-Reply-To and References (RFC 5322 §3.6.4), normalised as
//! RFC 5256 §4 requires: `<"01KF8JCEOCBS0045PS"@xxx.yyy.com>` and
//! `<01KF8JCEOCBS0045PS@xxx.yyy.com>` are the same ID. Comments and white space are dropped,
//! quoting removed; an ID is valid when it has a non-empty left and right side of an `@`.
//! Comparisons stay case-sensitive.
//!
//! Hand-written rather than mail-parser's message-id parser, which keeps the quotes
//! (`"01KF8JCEOCBS0045PS"@xxx.yyy.com`), takes IDs out of comments (`(from <x@y>)` gives
//! `x@y`) and accepts IDs without an `@`: not the normalisation RFC 5256 §4 asks for.

/// The valid message IDs of a header value, in order, without angle brackets.
pub fn ids(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = value.chars();
    let mut depth = 0u32;
    while let Some(c) = chars.next() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '\\' if depth > 0 => {
                chars.next();
            }
            '<' if depth == 0 => {
                if let Some(id) = one_id(&mut chars) {
                    out.push(id);
                }
            }
            _ => {}
        }
    }
    out
}

/// Reads up to the closing `>`, unquoting and dropping white space and comments.
fn one_id(chars: &mut std::str::Chars<'_>) -> Option<String> {
    let mut id = String::new();
    let (mut quoted, mut depth) = (false, 0u32);
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted || depth > 0 => {
                let escaped = chars.next()?;
                if quoted {
                    id.push(escaped);
                }
            }
            '"' if depth == 0 => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            '>' if !quoted => return valid(id),
            c if !quoted && c.is_whitespace() => {}
            c => id.push(c),
        }
    }
    None
}

fn valid(id: String) -> Option<String> {
    let (left, right) = id.rsplit_once('@')?;
    (!left.is_empty() && !right.is_empty()).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_skips_invalid() {
        assert_eq!(
            ids("<\"01KF8JCEOCBS0045PS\"@xxx.yyy.com>"),
            ["01KF8JCEOCBS0045PS@xxx.yyy.com"]
        );
        assert_eq!(
            ids("<a@b> (comment <x@y>) <no-at> < c@d > <e@f"),
            ["a@b", "c@d"]
        );
        assert_eq!(ids("<a@b> (by the message from <q@r>) at 15:40"), ["a@b"]);
        assert!(ids("").is_empty());
    }
}
