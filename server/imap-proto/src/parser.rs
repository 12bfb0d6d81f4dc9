//! The primitives every command parser is built from (RFC 9051 §4, §9):
//! atoms, numbers, quoted strings, literals, astrings, mailbox names,
//! sequence sets, flags and dates.
//!
//! A [`Parser`] walks one complete command (all its lines and literals,
//! as framed by [`crate::reader`]); every method either consumes what it
//! read or returns a [`Syntax`] error naming what was expected.

use crate::datetime::{Date, DateTime};
use crate::types::chars::{is_astring_char, is_atom_char, is_list_char};
use crate::types::{Atom, Flag, ListPattern, Mailbox, SequenceSet};
use std::borrow::Cow;
use std::num::{NonZeroU32, NonZeroU64};

/// A syntax error: the text says what was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Syntax(pub &'static str);

pub(crate) type PResult<T> = Result<T, Syntax>;

/// How deeply parentheses and NOT/OR may nest before a command is refused,
/// so hostile input cannot exhaust the stack.
pub(crate) const MAX_DEPTH: u32 = 32;

/// Largest `number64` (RFC 9051 §9: "Unsigned 63-bit integer").
pub(crate) const MAX_NUMBER64: u64 = i64::MAX as u64;

/// `nz-number` from its digits (leading zeros tolerated).
pub(crate) fn parse_nz_number(s: &[u8]) -> Option<NonZeroU32> {
    parse_digits(s)
        .and_then(|n| u32::try_from(n).ok())
        .and_then(NonZeroU32::new)
}

fn parse_digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u64, |n, d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// A literal's data and whether it was a `literal8` (`~{n}`).
pub(crate) struct Literal<'a> {
    pub data: &'a [u8],
    pub binary: bool,
}

pub(crate) struct Parser<'a> {
    buf: &'a [u8],
    pos: usize,
    depth: u32,
}

impl<'a> Parser<'a> {
    pub fn new(buf: &'a [u8]) -> Parser<'a> {
        Parser {
            buf,
            pos: 0,
            depth: 0,
        }
    }

    pub fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    pub fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn expect(&mut self, b: u8, what: &'static str) -> PResult<()> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(Syntax(what))
        }
    }

    /// `SP`: exactly one space.
    pub fn sp(&mut self) -> PResult<()> {
        self.expect(b' ', "expected a space")
    }

    /// `CRLF` (a bare LF is tolerated) and nothing after it.
    pub fn end(&mut self) -> PResult<()> {
        self.eat(b'\r');
        if !self.eat(b'\n') || self.pos != self.buf.len() {
            return Err(Syntax("unexpected characters at end of command"));
        }
        Ok(())
    }

    /// Enters one level of nesting (parentheses, NOT, OR).
    pub fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Syntax("too deeply nested"));
        }
        Ok(())
    }

    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        &self.buf[start..self.pos]
    }

    /// Consumes `word` (case-insensitive) if it comes next and is not
    /// followed by another atom character.
    pub fn eat_word(&mut self, word: &str) -> bool {
        let rest = self.rest();
        let n = word.len();
        if rest.len() >= n
            && rest[..n].eq_ignore_ascii_case(word.as_bytes())
            && !rest.get(n).is_some_and(|&b| is_atom_char(b))
        {
            self.pos += n;
            true
        } else {
            false
        }
    }

    /// `atom = 1*ATOM-CHAR`
    pub fn atom(&mut self) -> PResult<&'a str> {
        let word = self.take_while(is_atom_char);
        if word.is_empty() {
            return Err(Syntax("expected an atom"));
        }
        // ATOM-CHAR is ASCII.
        std::str::from_utf8(word).map_err(|_| Syntax("expected an atom"))
    }

    /// An atom, upper-cased, for matching keywords.
    pub fn word(&mut self) -> PResult<String> {
        Ok(self.atom()?.to_ascii_uppercase())
    }

    /// An atom as an [`Atom`] value.
    pub fn atom_value(&mut self) -> PResult<Atom> {
        let atom = self.atom()?;
        Atom::new(atom).map_err(|_| Syntax("expected an atom"))
    }

    fn digits(&mut self) -> PResult<u64> {
        let d = self.take_while(|b| b.is_ascii_digit());
        parse_digits(d).ok_or(Syntax("expected a number"))
    }

    /// `number = 1*DIGIT` ; unsigned 32-bit integer
    pub fn number(&mut self) -> PResult<u32> {
        u32::try_from(self.digits()?).map_err(|_| Syntax("number out of range"))
    }

    /// `nz-number = digit-nz *DIGIT`
    pub fn nz_number(&mut self) -> PResult<NonZeroU32> {
        NonZeroU32::new(self.number()?).ok_or(Syntax("expected a non-zero number"))
    }

    /// `number64 = 1*DIGIT` ; unsigned 63-bit integer
    pub fn number64(&mut self) -> PResult<u64> {
        let n = self.digits()?;
        if n > MAX_NUMBER64 {
            return Err(Syntax("number out of range"));
        }
        Ok(n)
    }

    /// `nz-number64 = digit-nz *DIGIT` ; unsigned 63-bit, non-zero
    pub fn nz_number64(&mut self) -> PResult<NonZeroU64> {
        NonZeroU64::new(self.number64()?).ok_or(Syntax("expected a non-zero number"))
    }

    /// ```text
    /// quoted      = DQUOTE *QUOTED-CHAR DQUOTE
    /// QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> /
    ///               "\" quoted-specials / UTF8-2 / UTF8-3 / UTF8-4
    /// ```
    pub fn quoted(&mut self) -> PResult<Cow<'a, [u8]>> {
        self.expect(b'"', "expected a quoted string")?;
        let start = self.pos;
        let mut owned: Option<Vec<u8>> = None;
        loop {
            let Some(b) = self.peek() else {
                return Err(Syntax("unterminated quoted string"));
            };
            self.pos += 1;
            match b {
                b'"' => {
                    let end = self.pos - 1;
                    return Ok(match owned {
                        Some(v) => Cow::Owned(v),
                        None => Cow::Borrowed(&self.buf[start..end]),
                    });
                }
                b'\\' => {
                    let escaped = match self.peek() {
                        Some(e @ (b'"' | b'\\')) => e,
                        _ => return Err(Syntax("invalid escape in quoted string")),
                    };
                    self.pos += 1;
                    owned
                        .get_or_insert_with(|| self.buf[start..self.pos - 2].to_vec())
                        .push(escaped);
                }
                b'\r' | b'\n' | 0 => return Err(Syntax("invalid character in quoted string")),
                _ => {
                    if let Some(v) = owned.as_mut() {
                        v.push(b);
                    }
                }
            }
        }
    }

    /// ```text
    /// literal  = "{" number64 ["+"] "}" CRLF *CHAR8
    ///            ; <number64> represents the number of CHAR8s.
    /// literal8 = "~{" number64 "}" CRLF *OCTET
    /// ```
    /// `{n-}` (RFC 7888 LITERAL-) is accepted like `{n+}`; the reader has
    /// already checked sizes and that the data is all there.
    pub fn literal(&mut self, binary_ok: bool) -> PResult<Literal<'a>> {
        let binary = self.eat(b'~');
        if binary && !binary_ok {
            return Err(Syntax("literal8 is not allowed here"));
        }
        self.expect(b'{', "expected a literal")?;
        let size = self.number64()?;
        if !self.eat(b'+') {
            self.eat(b'-');
        }
        self.expect(b'}', "malformed literal")?;
        self.eat(b'\r');
        self.expect(b'\n', "literal header must end the line")?;
        let len = usize::try_from(size).map_err(|_| Syntax("literal too large"))?;
        if self.rest().len() < len {
            return Err(Syntax("literal data missing"));
        }
        let data = &self.buf[self.pos..self.pos + len];
        self.pos += len;
        if !binary && data.contains(&0) {
            return Err(Syntax("NUL in literal; use literal8"));
        }
        Ok(Literal { data, binary })
    }

    /// `string = quoted / literal`
    pub fn string(&mut self) -> PResult<Cow<'a, [u8]>> {
        match self.peek() {
            Some(b'"') => self.quoted(),
            Some(b'{') => Ok(Cow::Borrowed(self.literal(false)?.data)),
            _ => Err(Syntax("expected a string")),
        }
    }

    /// A string that must be UTF-8.
    pub fn string_utf8(&mut self) -> PResult<String> {
        to_utf8(self.string()?)
    }

    /// `astring = 1*ASTRING-CHAR / string`
    pub fn astring(&mut self) -> PResult<Cow<'a, [u8]>> {
        match self.peek() {
            Some(b'"' | b'{') => self.string(),
            _ => {
                let s = self.take_while(is_astring_char);
                if s.is_empty() {
                    return Err(Syntax("expected an astring"));
                }
                Ok(Cow::Borrowed(s))
            }
        }
    }

    /// An astring that must be UTF-8.
    pub fn astring_utf8(&mut self) -> PResult<String> {
        to_utf8(self.astring()?)
    }

    /// `nstring = string / nil`
    pub fn nstring_utf8(&mut self) -> PResult<Option<String>> {
        if self.eat_word("NIL") {
            Ok(None)
        } else {
            self.string_utf8().map(Some)
        }
    }

    /// `mailbox = "INBOX" / astring` (RFC 9051 §5.1: INBOX in any case).
    pub fn mailbox(&mut self) -> PResult<Mailbox> {
        let name = self.astring()?;
        let name = String::from_utf8(name.into_owned())
            .map_err(|_| Syntax("mailbox name is not UTF-8"))?;
        Ok(Mailbox::new(name))
    }

    /// `list-mailbox = 1*list-char / string`
    pub fn list_mailbox(&mut self) -> PResult<ListPattern> {
        let pattern = match self.peek() {
            Some(b'"' | b'{') => self.string()?,
            _ => {
                let s = self.take_while(is_list_char);
                if s.is_empty() {
                    return Err(Syntax("expected a mailbox pattern"));
                }
                Cow::Borrowed(s)
            }
        };
        let pattern = String::from_utf8(pattern.into_owned())
            .map_err(|_| Syntax("mailbox pattern is not UTF-8"))?;
        Ok(ListPattern::new(pattern))
    }

    /// `sequence-set` (see [`SequenceSet`]).
    pub fn sequence_set(&mut self) -> PResult<SequenceSet> {
        let s = self.take_while(|b| b.is_ascii_digit() || matches!(b, b':' | b',' | b'*' | b'$'));
        std::str::from_utf8(s)
            .ok()
            .and_then(|s| SequenceSet::parse(s).ok())
            .ok_or(Syntax("invalid sequence set"))
    }

    /// `flag` (see [`Flag`]).
    pub fn flag(&mut self) -> PResult<Flag> {
        let start = self.pos;
        self.eat(b'\\');
        self.take_while(is_atom_char);
        let s =
            std::str::from_utf8(&self.buf[start..self.pos]).map_err(|_| Syntax("invalid flag"))?;
        Flag::parse(s).map_err(|_| Syntax("invalid flag"))
    }

    /// `flag-list = "(" [flag *(SP flag)] ")"`
    pub fn flag_list(&mut self) -> PResult<Vec<Flag>> {
        self.paren_list(Parser::flag)
    }

    /// `date = date-text / DQUOTE date-text DQUOTE`
    pub fn date(&mut self) -> PResult<Date> {
        let quoted = self.eat(b'"');
        let text = self.take_while(|b| b.is_ascii_alphanumeric() || b == b'-');
        if quoted {
            self.expect(b'"', "unterminated date")?;
        }
        Date::parse(text).map_err(|_| Syntax("invalid date"))
    }

    /// `date-time` (see [`DateTime`]), always quoted.
    pub fn date_time(&mut self) -> PResult<DateTime> {
        self.expect(b'"', "expected a date-time")?;
        let text = self.take_while(|b| b != b'"' && b != b'\r' && b != b'\n');
        self.expect(b'"', "unterminated date-time")?;
        DateTime::parse(text).map_err(|_| Syntax("invalid date-time"))
    }

    /// `"(" [item *(SP item)] ")"`
    pub fn paren_list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> PResult<T>,
    ) -> PResult<Vec<T>> {
        self.expect(b'(', "expected '('")?;
        let mut items = Vec::new();
        if self.eat(b')') {
            return Ok(items);
        }
        loop {
            items.push(item(self)?);
            if self.eat(b')') {
                return Ok(items);
            }
            self.sp()?;
        }
    }

    /// `"(" item *(SP item) ")"`: at least one item.
    pub fn nonempty_paren_list<T>(
        &mut self,
        item: impl FnMut(&mut Self) -> PResult<T>,
    ) -> PResult<Vec<T>> {
        let items = self.paren_list(item)?;
        if items.is_empty() {
            return Err(Syntax("empty list"));
        }
        Ok(items)
    }

    /// One item, or a parenthesised non-empty list of them.
    pub fn one_or_list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> PResult<T>,
    ) -> PResult<Vec<T>> {
        if self.peek() == Some(b'(') {
            self.nonempty_paren_list(item)
        } else {
            Ok(vec![item(self)?])
        }
    }
}

fn to_utf8(s: Cow<'_, [u8]>) -> PResult<String> {
    String::from_utf8(s.into_owned()).map_err(|_| Syntax("string is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &[u8]) -> Parser<'_> {
        Parser::new(s)
    }

    #[test]
    fn strings() {
        assert_eq!(&*p(b"\"a\\\"b\\\\c\"").quoted().unwrap(), b"a\"b\\c");
        assert_eq!(&*p(b"\"\"").quoted().unwrap(), b"");
        assert_eq!(
            &*p("\"日本\"".as_bytes()).quoted().unwrap(),
            "日本".as_bytes()
        );
        for bad in [&b"\"abc"[..], b"\"a\\b\"", b"\"a\rb\"", b"\"a\0\"", b"abc"] {
            assert!(p(bad).quoted().is_err(), "{bad:?}");
        }
        assert_eq!(&*p(b"{3}\r\nabc").string().unwrap(), b"abc");
        assert_eq!(&*p(b"{3+}\r\nabc").string().unwrap(), b"abc");
        assert_eq!(&*p(b"{0}\r\n").string().unwrap(), b"");
        assert!(p(b"{3}\r\nab").string().is_err());
        assert!(p(b"{3}\r\na\0b").string().is_err());
        assert!(p(b"~{3}\r\nabc").string().is_err());
        let lit = p(b"~{3}\r\na\0b").literal(true).unwrap();
        assert!(lit.binary && lit.data == b"a\0b");
        assert_eq!(&*p(b"foo]bar baz").astring().unwrap(), b"foo]bar");
        assert!(p(b"(x").astring().is_err());
        assert_eq!(p(b"NIL").nstring_utf8().unwrap(), None);
        assert_eq!(
            p(b"\"NIL\"").nstring_utf8().unwrap().as_deref(),
            Some("NIL")
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(p(b"4294967295").number(), Ok(u32::MAX));
        assert!(p(b"4294967296").number().is_err());
        assert!(p(b"0").nz_number().is_err());
        assert_eq!(p(b"9223372036854775807").number64(), Ok(MAX_NUMBER64));
        assert!(p(b"9223372036854775808").number64().is_err());
        assert!(p(b"99999999999999999999").number64().is_err());
        assert!(p(b"x").number().is_err());
    }

    #[test]
    fn words_and_lists() {
        let mut q = p(b"uid FETCH");
        assert!(!q.eat_word("UIDX"));
        assert!(q.eat_word("UID"));
        assert!(q.sp().is_ok());
        assert_eq!(q.word().unwrap(), "FETCH");
        assert_eq!(p(b"(\\Seen $Junk)").flag_list().unwrap().len(), 2);
        assert_eq!(p(b"()").flag_list().unwrap().len(), 0);
        assert!(p(b"(\\Seen  $Junk)").flag_list().is_err());
        assert!(p(b"(\\Seen").flag_list().is_err());
        assert!(p(b"()").nonempty_paren_list(Parser::flag).is_err());
        assert_eq!(
            p(b"\"1-Feb-1994\"").date().unwrap().to_string(),
            "1-Feb-1994"
        );
        assert!(p(b"\"1-Feb-1994").date().is_err());
    }

    #[test]
    fn mailboxes() {
        assert!(p(b"inbox").mailbox().unwrap().is_inbox());
        assert!(p(b"\"InBox\"").mailbox().unwrap().is_inbox());
        assert_eq!(p(b"\"a b\"").mailbox().unwrap().as_str(), "a b");
        assert!(p(b"\"\xff\"").mailbox().is_err());
        assert_eq!(p(b"foo/%/*").list_mailbox().unwrap().as_str(), "foo/%/*");
        assert_eq!(p(b"\"\"").list_mailbox().unwrap().as_str(), "");
    }
}
