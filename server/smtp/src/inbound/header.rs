//! The header section of an arriving message as far as the inbound checks need it: removing
//! `Authentication-Results` fields that claim to be ours (RFC 8601 §5), and placing ours.

/// The message without the `Authentication-Results` fields whose authserv-id is `ours`:
/// RFC 8601 §5 says a receiver SHOULD delete such fields, so that a sender cannot forge our
/// verdicts. `None` when there is none (the message is kept as it is).
pub(crate) fn without_our_results(message: &[u8], ours: &str) -> Option<Vec<u8>> {
    let mut forged = Vec::new();
    for (start, end) in fields(message) {
        let field = &message[start..end];
        if let Some(value) = value_of(field, b"authentication-results")
            && authserv_id(value).is_some_and(|id| id.eq_ignore_ascii_case(ours))
        {
            forged.push((start, end));
        }
    }
    if forged.is_empty() {
        return None;
    }
    let mut kept = Vec::with_capacity(message.len());
    let mut at = 0;
    for (start, end) in forged {
        kept.extend_from_slice(&message[at..start]);
        at = end;
    }
    kept.extend_from_slice(&message[at..]);
    Some(kept)
}

/// The byte ranges of the header fields, each with its continuation lines and line ending
/// (RFC 5322 §2.2.3), up to the blank line.
fn fields(message: &[u8]) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut at = 0;
    while at < message.len() && !message[at..].starts_with(b"\r\n") && message[at] != b'\n' {
        let start = at;
        loop {
            at = match message[at..].iter().position(|&b| b == b'\n') {
                Some(i) => at + i + 1,
                None => message.len(),
            };
            if !matches!(message.get(at), Some(b' ' | b'\t')) {
                break;
            }
        }
        ranges.push((start, at));
    }
    ranges
}

/// The value of `field` if its name is `name` (lowercase ASCII).
fn value_of<'a>(field: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let colon = field.iter().position(|&b| b == b':')?;
    field[..colon]
        .trim_ascii_end()
        .eq_ignore_ascii_case(name)
        .then(|| &field[colon + 1..])
}

/// The authserv-id of an `Authentication-Results` value (RFC 8601 §2.2: `authserv-id
/// [CFWS authres-version] ( no-result / 1*resinfo )`), with comments skipped.
fn authserv_id(value: &[u8]) -> Option<String> {
    let mut id = String::new();
    let mut depth = 0u32;
    for &b in value {
        match b {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            b';' => break,
            b' ' | b'\t' | b'\r' | b'\n' if id.is_empty() => {}
            b' ' | b'\t' | b'\r' | b'\n' => break,
            _ => id.push(char::from(b)),
        }
    }
    (!id.is_empty()).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forged_results_are_removed_others_kept() {
        let message = b"Authentication-Results: (c) MX.Example.org;\r\n\tspf=pass\r\n\
            Authentication-Results: other.example; dkim=pass\r\n\
            Subject: hi\r\n\
            authentication-results : mx.example.org 1; none\r\n\
            \r\n\
            Authentication-Results: mx.example.org; in the body\r\n";
        let kept = without_our_results(message, "mx.example.org").unwrap();
        assert_eq!(
            String::from_utf8(kept).unwrap(),
            "Authentication-Results: other.example; dkim=pass\r\nSubject: hi\r\n\r\n\
             Authentication-Results: mx.example.org; in the body\r\n"
        );
        assert_eq!(without_our_results(b"Subject: x\r\n\r\n", "mx"), None);
        assert_eq!(without_our_results(b"", "mx"), None);
    }

    #[test]
    fn authserv_ids() {
        let cases: &[(&[u8], Option<&str>)] = &[
            (b" mx.example; spf=pass", Some("mx.example")),
            (
                b" (comment (nested)) mx.example 1 ; none",
                Some("mx.example"),
            ),
            (b"\r\n\tmx.example;", Some("mx.example")),
            (b" ; spf=pass", None),
        ];
        for (value, want) in cases {
            assert_eq!(authserv_id(value).as_deref(), *want, "{value:?}");
        }
    }
}
