//! The base subject (RFC 5256 §2.1), used by SORT SUBJECT and both THREAD algorithms, and
//! whether a subject marks a reply or forward (RFC 5256 §4, REFERENCES).
//!
//! ```text
//! subj-refwd      = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
//! subj-blob       = "[" *BLOBCHAR "]" *WSP
//! subj-fwd-hdr    = "[fwd:"
//! subj-fwd-trl    = "]"
//! subj-leader     = (*subj-blob subj-refwd) / WSP
//! subj-trailer    = "(fwd)" / WSP
//! ```
//!
//! Hand-written: this is RFC 5256's algorithm, not MIME parsing. mail-parser's `thread_name`
//! removes another, localised set of prefixes (`Sv:`, `AW:`, ...), so SORT SUBJECT would not
//! be the RFC's, and does not tell whether it removed a reply marker. The encoded-words of step
//! (1) are decoded by mail-parser.

use crate::encoded::decode_words;

/// The base subject of a raw (unfolded) Subject value, and whether extracting it removed a
/// subj-refwd, a "(fwd)" trailer or a subj-fwd-hdr/subj-fwd-trl pair (the message is then "a
/// reply or forward", RFC 5256 §4).
pub fn base_subject(raw: &str) -> (String, bool) {
    // (1) Decode encoded-words; tabs and continuations become spaces; runs of spaces one.
    let decoded = decode_words(raw);
    let mut s = String::with_capacity(decoded.len());
    for c in decoded.chars() {
        let c = if matches!(c, '\t' | '\r' | '\n') {
            ' '
        } else {
            c
        };
        if !(c == ' ' && s.ends_with(' ')) {
            s.push(c);
        }
    }
    let mut reply = false;
    loop {
        // (2) Remove trailers, repeatedly.
        loop {
            if let Some(rest) = s.strip_suffix(' ') {
                s.truncate(rest.len());
            } else if s.len() >= 5
                && s.get(s.len() - 5..)
                    .is_some_and(|t| t.eq_ignore_ascii_case("(fwd)"))
            {
                s.truncate(s.len() - 5);
                reply = true;
            } else {
                break;
            }
        }
        // (3)-(5) Remove leaders and blobs until neither matches.
        loop {
            if let Some((len, refwd)) = leader(&s) {
                reply |= refwd;
                s.drain(..len);
                continue;
            }
            if let Some(len) = blob(&s)
                && s[len..].chars().any(|c| c != ' ')
            {
                s.drain(..len);
                continue;
            }
            break;
        }
        // (6) A subj-fwd-hdr ... subj-fwd-trl wrapper goes, and extraction starts again.
        let wrapped = s.len() >= 6
            && s.get(..5).is_some_and(|h| h.eq_ignore_ascii_case("[fwd:"))
            && s.ends_with(']');
        if !wrapped {
            break;
        }
        s = s[5..s.len() - 1].to_string();
        reply = true;
    }
    (s, reply)
}

/// `subj-blob` at the start of `s`: its length, trailing white space included.
fn blob(s: &str) -> Option<usize> {
    let rest = s.strip_prefix('[')?;
    let close = rest.find(['[', ']'])?;
    if rest.as_bytes()[close] != b']' {
        return None;
    }
    let end = 1 + close + 1;
    Some(end + spaces(&s[end..]))
}

fn spaces(s: &str) -> usize {
    s.len() - s.trim_start_matches([' ', '\t']).len()
}

/// `subj-refwd` at the start of `s`: its length.
fn refwd(s: &str) -> Option<usize> {
    let prefix = ["fwd", "fw", "re"].into_iter().find(|p| {
        s.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    })?;
    let mut pos = prefix.len();
    pos += spaces(&s[pos..]);
    if let Some(len) = blob(&s[pos..]) {
        pos += len;
    }
    s[pos..].starts_with(':').then_some(pos + 1)
}

/// `subj-leader` at the start of `s`: its length, and whether it held a subj-refwd.
fn leader(s: &str) -> Option<(usize, bool)> {
    if s.starts_with([' ', '\t']) {
        return Some((1, false));
    }
    let mut pos = 0;
    while let Some(len) = blob(&s[pos..]) {
        pos += len;
    }
    refwd(&s[pos..]).map(|len| (pos + len, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5256_extraction() {
        let cases = [
            ("Hello", "Hello", false),
            ("Re: Hello", "Hello", true),
            ("RE: re: FWD: Hello", "Hello", true),
            ("Fw: Hello (fwd)", "Hello", true),
            ("Hello (fwd) (FWD)  ", "Hello", true),
            ("[list] Re: Hello", "Hello", true),
            ("Re[2]: Hello", "Hello", true),
            ("Re [list]: Hello", "Hello", true),
            ("[list] Hello", "Hello", false),
            ("[only a blob]", "[only a blob]", false),
            ("[Fwd: Re: Hello]", "Hello", true),
            ("[fwd: [fwd: Hello]]", "Hello", true),
            ("  \t Hello   \r\n  World ", "Hello World", false),
            ("Ready: go", "Ready: go", false),
            ("re:", "", true),
            ("", "", false),
            ("=?utf-8?q?Re=3A_Gr=C3=BC=C3=9Fe?=", "Grüße", true),
        ];
        for (raw, base, reply) in cases {
            assert_eq!(base_subject(raw), (base.to_string(), reply), "{raw:?}");
        }
    }
}
