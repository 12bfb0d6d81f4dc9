//! FETCH (RFC 9051 §6.4.5): data items, body sections and partials, with
//! BINARY (RFC 3516), CONDSTORE/QRESYNC modifiers (RFC 7162), PREVIEW
//! (RFC 8970), SAVEDATE (RFC 8514) and EMAILID/THREADID (RFC 8474).

use super::CommandBody;
use crate::parser::{PResult, Parser, Syntax};
use crate::types::SequenceSet;
use crate::types::chars::is_atom_char;
use std::fmt;
use std::num::{NonZeroU32, NonZeroU64};

/// `FETCH` / `UID FETCH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    /// `UID FETCH`: the set holds UIDs, and UID is implicitly fetched.
    pub uid: bool,
    /// The messages.
    pub set: SequenceSet,
    /// The items, with ALL, FAST and FULL expanded (RFC 9051 §6.4.5).
    pub attributes: Vec<FetchAttribute>,
    /// `CHANGEDSINCE modseq` (RFC 7162 §3.1.4.1).
    pub changed_since: Option<u64>,
    /// `VANISHED` (RFC 7162 §3.2.6); only with UID FETCH and CHANGEDSINCE.
    pub vanished: bool,
}

/// A part number path such as `1.2.3` (never empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Part(Vec<NonZeroU32>);

impl Part {
    /// A path; `None` if empty.
    pub fn new(numbers: Vec<NonZeroU32>) -> Option<Part> {
        (!numbers.is_empty()).then_some(Part(numbers))
    }

    /// The part numbers, outermost first.
    pub fn numbers(&self) -> &[NonZeroU32] {
        &self.0
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{n}")?;
        }
        Ok(())
    }
}

/// A body section (RFC 9051 §6.4.5, `BODY[<section>]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Section {
    /// `[]`: the whole message.
    Full,
    /// `[1.2]`: a part's body.
    Part(Part),
    /// `[HEADER]`, `[1.2.HEADER]`: a message's or a message/rfc822
    /// part's header.
    Header(Option<Part>),
    /// `[HEADER.FIELDS (...)]` / `[HEADER.FIELDS.NOT (...)]`.
    HeaderFields {
        /// The message/rfc822 part, or the top-level message.
        part: Option<Part>,
        /// Field names, as sent.
        fields: Vec<String>,
        /// `.NOT`: all fields except these.
        not: bool,
    },
    /// `[TEXT]`, `[1.2.TEXT]`: the body without the header.
    Text(Option<Part>),
    /// `[1.2.MIME]`: a part's MIME header.
    Mime(Part),
}

impl Section {
    /// The part the section is within, if any.
    pub fn part(&self) -> Option<&Part> {
        match self {
            Section::Full => None,
            Section::Part(p) | Section::Mime(p) => Some(p),
            Section::Header(p) | Section::Text(p) | Section::HeaderFields { part: p, .. } => {
                p.as_ref()
            }
        }
    }
}

/// A byte range of a section: `<offset.length>` (RFC 9051 §6.4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Partial {
    /// The first octet wanted, from 0.
    pub offset: u64,
    /// How many octets at most.
    pub length: NonZeroU64,
}

/// A data item asked for by FETCH.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FetchAttribute {
    /// `ENVELOPE`
    Envelope,
    /// `FLAGS`
    Flags,
    /// `INTERNALDATE`
    InternalDate,
    /// `RFC822.SIZE`
    Rfc822Size,
    /// `BODY`: the structure without extension data.
    Body,
    /// `BODYSTRUCTURE`
    BodyStructure,
    /// `UID`
    Uid,
    /// `BODY[section]<partial>` or `BODY.PEEK[...]`.
    BodySection {
        /// The section.
        section: Section,
        /// The byte range, if any.
        partial: Option<Partial>,
        /// `.PEEK`: do not set `\Seen`.
        peek: bool,
    },
    /// `BINARY[part]<partial>` or `BINARY.PEEK[...]` (RFC 3516).
    Binary {
        /// The part; the whole message when `None`.
        part: Option<Part>,
        /// The byte range of the decoded content, if any.
        partial: Option<Partial>,
        /// `.PEEK`
        peek: bool,
    },
    /// `BINARY.SIZE[part]` (RFC 3516).
    BinarySize {
        /// The part; the whole message when `None`.
        part: Option<Part>,
    },
    /// `RFC822` (IMAP4rev1): like `BODY[]`.
    Rfc822,
    /// `RFC822.HEADER` (IMAP4rev1): like `BODY.PEEK[HEADER]`.
    Rfc822Header,
    /// `RFC822.TEXT` (IMAP4rev1): like `BODY[TEXT]`.
    Rfc822Text,
    /// `MODSEQ` (RFC 7162 §3.1.4).
    ModSeq,
    /// `PREVIEW [(LAZY)]` (RFC 8970).
    Preview {
        /// `LAZY`: answer NIL rather than compute a preview now.
        lazy: bool,
    },
    /// `SAVEDATE` (RFC 8514).
    SaveDate,
    /// `EMAILID` (RFC 8474).
    EmailId,
    /// `THREADID` (RFC 8474).
    ThreadId,
}

impl FetchAttribute {
    /// `ALL`: `(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)`.
    pub const ALL: [FetchAttribute; 4] = [
        FetchAttribute::Flags,
        FetchAttribute::InternalDate,
        FetchAttribute::Rfc822Size,
        FetchAttribute::Envelope,
    ];
    /// `FAST`: `(FLAGS INTERNALDATE RFC822.SIZE)`.
    pub const FAST: [FetchAttribute; 3] = [
        FetchAttribute::Flags,
        FetchAttribute::InternalDate,
        FetchAttribute::Rfc822Size,
    ];
    /// `FULL`: `(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY)`.
    pub const FULL: [FetchAttribute; 5] = [
        FetchAttribute::Flags,
        FetchAttribute::InternalDate,
        FetchAttribute::Rfc822Size,
        FetchAttribute::Envelope,
        FetchAttribute::Body,
    ];
}

/// ```text
/// fetch           = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" /
///                   fetch-att / "(" fetch-att *(SP fetch-att) ")")
///                   [fetch-modifiers]
/// fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"
/// fetch-modifier  = chgsince-fetch-mod / "VANISHED"
/// chgsince-fetch-mod = "CHANGEDSINCE" SP mod-sequence-value
/// ```
/// (RFC 9051 §9, RFC 4466 §2.4, RFC 7162 §7.)
pub(crate) fn parse_fetch(p: &mut Parser<'_>, uid: bool) -> PResult<CommandBody> {
    p.sp()?;
    let set = p.sequence_set()?;
    p.sp()?;
    let attributes = if p.peek() == Some(b'(') {
        p.nonempty_paren_list(parse_fetch_att)?
    } else if p.eat_word("ALL") {
        FetchAttribute::ALL.to_vec()
    } else if p.eat_word("FAST") {
        FetchAttribute::FAST.to_vec()
    } else if p.eat_word("FULL") {
        FetchAttribute::FULL.to_vec()
    } else {
        vec![parse_fetch_att(p)?]
    };
    let mut changed_since = None;
    let mut vanished = false;
    if p.eat(b' ') {
        p.nonempty_paren_list(|p| {
            match p.word()?.as_str() {
                "CHANGEDSINCE" if changed_since.is_none() => {
                    p.sp()?;
                    changed_since = Some(p.number64()?);
                }
                "VANISHED" if !vanished => vanished = true,
                _ => return Err(Syntax("unknown or repeated FETCH modifier")),
            }
            Ok(())
        })?;
    }
    if vanished && (!uid || changed_since.is_none()) {
        return Err(Syntax("VANISHED needs UID FETCH and CHANGEDSINCE"));
    }
    Ok(CommandBody::Fetch(Fetch {
        uid,
        set,
        attributes,
        changed_since,
        vanished,
    }))
}

/// ```text
/// fetch-att = "ENVELOPE" / "FLAGS" / "INTERNALDATE" /
///             "RFC822.SIZE" /
///             "BODY" ["STRUCTURE"] / "UID" /
///             "BODY" section [partial] /
///             "BODY.PEEK" section [partial] /
///             "BINARY" [".PEEK"] section-binary [partial] /
///             "BINARY.SIZE" section-binary
/// fetch-att =/ "RFC822" / "RFC822.HEADER" / "RFC822.TEXT"   ; RFC 3501
/// fetch-att =/ "MODSEQ"                                     ; RFC 7162
/// fetch-att =/ "PREVIEW" [SP "(" preview-mod *(SP preview-mod) ")"]
/// preview-mod = "LAZY"                                      ; RFC 8970
/// fetch-att =/ "SAVEDATE"                                   ; RFC 8514
/// fetch-att =/ "EMAILID" / "THREADID"                       ; RFC 8474
/// ```
pub(crate) fn parse_fetch_att(p: &mut Parser<'_>) -> PResult<FetchAttribute> {
    use FetchAttribute as A;
    let name = p.take_while(|b| is_atom_char(b) && b != b'[' && b != b'<');
    let name = std::str::from_utf8(name).map_err(|_| Syntax("invalid FETCH item"))?;
    let att = match name.to_ascii_uppercase().as_str() {
        "ENVELOPE" => A::Envelope,
        "FLAGS" => A::Flags,
        "INTERNALDATE" => A::InternalDate,
        "RFC822.SIZE" => A::Rfc822Size,
        "BODYSTRUCTURE" => A::BodyStructure,
        "UID" => A::Uid,
        "BODY" if p.peek() != Some(b'[') => A::Body,
        "BODY" | "BODY.PEEK" => {
            let section = parse_section(p)?;
            A::BodySection {
                section,
                partial: parse_partial(p)?,
                peek: name.len() > 4,
            }
        }
        "BINARY" | "BINARY.PEEK" => {
            let part = parse_section_binary(p)?;
            A::Binary {
                part,
                partial: parse_partial(p)?,
                peek: name.len() > 6,
            }
        }
        "BINARY.SIZE" => A::BinarySize {
            part: parse_section_binary(p)?,
        },
        "RFC822" => A::Rfc822,
        "RFC822.HEADER" => A::Rfc822Header,
        "RFC822.TEXT" => A::Rfc822Text,
        "MODSEQ" => A::ModSeq,
        "PREVIEW" => A::Preview {
            lazy: parse_preview_mods(p)?,
        },
        "SAVEDATE" => A::SaveDate,
        "EMAILID" => A::EmailId,
        "THREADID" => A::ThreadId,
        _ => return Err(Syntax("unknown FETCH item")),
    };
    Ok(att)
}

/// `[SP "(" preview-mod *(SP preview-mod) ")"]`, told apart from FETCH
/// modifiers by its first word.
fn parse_preview_mods(p: &mut Parser<'_>) -> PResult<bool> {
    let rest = p.rest();
    if rest.len() < 6 || !rest[..6].eq_ignore_ascii_case(b" (LAZY") {
        return Ok(false);
    }
    p.sp()?;
    p.nonempty_paren_list(|p| {
        if p.word()? == "LAZY" {
            Ok(())
        } else {
            Err(Syntax("unknown PREVIEW modifier"))
        }
    })?;
    Ok(true)
}

fn parse_part_numbers(p: &mut Parser<'_>) -> PResult<Vec<NonZeroU32>> {
    let mut numbers = Vec::new();
    while p.peek().is_some_and(|b| b.is_ascii_digit()) {
        numbers.push(p.nz_number()?);
        let rest = p.rest();
        if rest.first() == Some(&b'.') && rest.get(1).is_some_and(u8::is_ascii_digit) {
            p.eat(b'.');
        } else {
            break;
        }
    }
    Ok(numbers)
}

/// ```text
/// section         = "[" [section-spec] "]"
/// section-spec    = section-msgtext / (section-part ["." section-text])
/// section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list /
///                   "TEXT"
/// section-part    = nz-number *("." nz-number)
/// section-text    = section-msgtext / "MIME"
/// header-list     = "(" header-fld-name *(SP header-fld-name) ")"
/// header-fld-name = astring
/// ```
pub(crate) fn parse_section(p: &mut Parser<'_>) -> PResult<Section> {
    p.expect(b'[', "expected '['")?;
    let part = Part::new(parse_part_numbers(p)?);
    if p.eat(b']') {
        return Ok(part.map_or(Section::Full, Section::Part));
    }
    if part.is_some() {
        p.expect(b'.', "expected '.' after part number")?;
    }
    let text = p.take_while(|b| b.is_ascii_alphabetic() || b == b'.');
    let section = match text.to_ascii_uppercase().as_slice() {
        b"HEADER" => Section::Header(part),
        b"TEXT" => Section::Text(part),
        b"MIME" => Section::Mime(part.ok_or(Syntax("MIME needs a part number"))?),
        b"HEADER.FIELDS" | b"HEADER.FIELDS.NOT" => {
            p.sp()?;
            let fields = p.nonempty_paren_list(Parser::astring_utf8)?;
            Section::HeaderFields {
                part,
                fields,
                not: text.len() > 13,
            }
        }
        _ => return Err(Syntax("invalid section")),
    };
    p.expect(b']', "expected ']'")?;
    Ok(section)
}

/// `section-binary = "[" [section-part] "]"`
fn parse_section_binary(p: &mut Parser<'_>) -> PResult<Option<Part>> {
    p.expect(b'[', "expected '['")?;
    let part = Part::new(parse_part_numbers(p)?);
    p.expect(b']', "expected ']'")?;
    Ok(part)
}

/// `partial = "<" number64 "." nz-number64 ">"`
fn parse_partial(p: &mut Parser<'_>) -> PResult<Option<Partial>> {
    if !p.eat(b'<') {
        return Ok(None);
    }
    let offset = p.number64()?;
    p.expect(b'.', "expected '.' in partial")?;
    let length = p.nz_number64()?;
    p.expect(b'>', "expected '>'")?;
    Ok(Some(Partial { offset, length }))
}

#[cfg(test)]
mod tests;
