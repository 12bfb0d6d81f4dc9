//! Character classes of the formal syntax (RFC 9051 §9).
//!
//! ```text
//! ATOM-CHAR       = <any CHAR except atom-specials>
//! atom-specials   = "(" / ")" / "{" / SP / CTL / list-wildcards /
//!                   quoted-specials / resp-specials
//! list-wildcards  = "%" / "*"
//! quoted-specials = DQUOTE / "\"
//! resp-specials   = "]"
//! ASTRING-CHAR    = ATOM-CHAR / resp-specials
//! tag             = 1*<any ASTRING-CHAR except "+">
//! list-char       = ATOM-CHAR / list-wildcards / resp-specials
//! TEXT-CHAR       = <any CHAR except CR and LF>
//! ```

/// `ATOM-CHAR`: printable 7-bit ASCII other than the atom specials.
pub fn is_atom_char(b: u8) -> bool {
    matches!(b, 0x21..=0x7e) && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
}

/// `ASTRING-CHAR`: an atom character or `]`.
pub fn is_astring_char(b: u8) -> bool {
    is_atom_char(b) || b == b']'
}

/// A character of a tag: any `ASTRING-CHAR` except `+`.
pub fn is_tag_char(b: u8) -> bool {
    is_astring_char(b) && b != b'+'
}

/// `list-char`: what an unquoted LIST pattern may contain.
pub fn is_list_char(b: u8) -> bool {
    is_astring_char(b) || b == b'%' || b == b'*'
}

/// Whether `s` is a non-empty run of `ATOM-CHAR`.
pub fn is_atom(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_atom_char(b))
}

/// Whether `s` is a non-empty run of `ASTRING-CHAR`.
pub fn is_astring_atom(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_astring_char(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        for b in b"AZaz09!#&'+,-./:;<=>?@[^_`|}~$" {
            assert!(is_atom_char(*b), "{}", *b as char);
        }
        for b in b"(){%*\"\\] \x00\x7f\r\n\xc3" {
            assert!(!is_atom_char(*b), "{}", *b as char);
        }
        assert!(is_astring_char(b']'));
        assert!(!is_tag_char(b'+'));
        assert!(is_list_char(b'%') && is_list_char(b'*') && !is_list_char(b'('));
        assert!(is_atom(b"BODY[") && !is_atom(b"") && !is_atom(b"a]"));
        assert!(is_astring_atom(b"a]"));
    }
}
