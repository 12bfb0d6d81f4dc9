//! Multi-line response bodies (RFC 1939 §3).
//!
//! After the `+OK` line, a multi-line response sends lines ended by CRLF;
//! a line that begins with `.` is "byte-stuffed" with one more `.`, and the
//! body ends with a line holding a single `.`. These encoders write the
//! body and that terminator, never the `+OK` line.

/// Appends `message` as a multi-line response body: every line ended with
/// CRLF (bare LF endings are converted, and a last line without any line
/// ending gets one), lines starting with `.` byte-stuffed, then `.` CRLF.
///
/// With `top_lines = Some(n)` it is the body of a TOP response (RFC 1939
/// §7): the header lines, the blank line that ends them, then at most `n`
/// lines of the body. A message without a blank line is all header, and is
/// sent whole; so is one whose body is shorter than `n` lines.
pub fn encode_multiline_message(message: &[u8], top_lines: Option<u32>, out: &mut Vec<u8>) {
    out.reserve(message.len() + message.len() / 64 + 8);
    let mut in_headers = true;
    let mut body_lines_sent: u32 = 0;
    let mut rest = message;
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        if !in_headers {
            if let Some(limit) = top_lines
                && body_lines_sent >= limit
            {
                break;
            }
            body_lines_sent = body_lines_sent.saturating_add(1);
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        push_stuffed_line(out, line);
        if in_headers && line.is_empty() {
            in_headers = false;
        }
        rest = next;
    }
    out.extend_from_slice(b".\r\n");
}

/// Appends short lines (CAPA, LIST, UIDL listings) as a multi-line response
/// body, then `.` CRLF. CR or LF inside a line becomes a space.
pub fn encode_multiline_lines<'a>(lines: impl IntoIterator<Item = &'a str>, out: &mut Vec<u8>) {
    for line in lines {
        if line.starts_with('.') {
            out.push(b'.');
        }
        out.extend(
            line.bytes()
                .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
}

fn push_stuffed_line(out: &mut Vec<u8>, line: &[u8]) {
    if line.first() == Some(&b'.') {
        out.push(b'.');
    }
    out.extend_from_slice(line);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(message: &str, top: Option<u32>) -> String {
        let mut out = Vec::new();
        encode_multiline_message(message.as_bytes(), top, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn message_table() {
        let cases = [
            ("", None, ".\r\n"),
            ("a\r\n", None, "a\r\n.\r\n"),
            ("a", None, "a\r\n.\r\n"),
            ("a\n", None, "a\r\n.\r\n"),
            ("a\r", None, "a\r\n.\r\n"),
            ("a\nb", None, "a\r\nb\r\n.\r\n"),
            ("a\r\n\r\nb\r\n", None, "a\r\n\r\nb\r\n.\r\n"),
            (".\r\n", None, "..\r\n.\r\n"),
            ("..x\n.\n", None, "...x\r\n..\r\n.\r\n"),
            ("x.\r\n .\r\n", None, "x.\r\n .\r\n.\r\n"),
            ("a\rb\r\n", None, "a\rb\r\n.\r\n"),
            ("\r\n", None, "\r\n.\r\n"),
            ("\n\n", None, "\r\n\r\n.\r\n"),
        ];
        for (input, top, want) in cases {
            assert_eq!(message(input, top), want, "{input:?}");
        }
    }

    #[test]
    fn top_table() {
        let mail = "Subject: x\r\nFrom: a\r\n\r\nl1\r\n.l2\r\nl3\r\n";
        let cases = [
            (0, "Subject: x\r\nFrom: a\r\n\r\n.\r\n"),
            (1, "Subject: x\r\nFrom: a\r\n\r\nl1\r\n.\r\n"),
            (2, "Subject: x\r\nFrom: a\r\n\r\nl1\r\n..l2\r\n.\r\n"),
            (3, "Subject: x\r\nFrom: a\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n"),
            (99, "Subject: x\r\nFrom: a\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n"),
            (
                u32::MAX,
                "Subject: x\r\nFrom: a\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n",
            ),
        ];
        for (n, want) in cases {
            assert_eq!(message(mail, Some(n)), want, "TOP {n}");
        }
        // Only headers, no blank line: all of it, whatever n.
        assert_eq!(message("A: b\nC: d", Some(0)), "A: b\r\nC: d\r\n.\r\n");
        // Blank line is the last line.
        assert_eq!(message("A: b\n\n", Some(0)), "A: b\r\n\r\n.\r\n");
        assert_eq!(message("", Some(5)), ".\r\n");
    }

    #[test]
    fn lines_table() {
        let cases: [(&[&str], &str); 4] = [
            (&[], ".\r\n"),
            (
                &["TOP", "USER", "SASL PLAIN"],
                "TOP\r\nUSER\r\nSASL PLAIN\r\n.\r\n",
            ),
            (&["1 120", "2 200"], "1 120\r\n2 200\r\n.\r\n"),
            (&[".", "a\r\nb"], "..\r\na  b\r\n.\r\n"),
        ];
        for (lines, want) in cases {
            let mut out = Vec::new();
            encode_multiline_lines(lines.iter().copied(), &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), want, "{lines:?}");
        }
    }

    #[test]
    fn appends_without_clearing() {
        let mut out = b"+OK\r\n".to_vec();
        encode_multiline_message(b"x", None, &mut out);
        assert_eq!(out, b"+OK\r\nx\r\n.\r\n");
    }
}
