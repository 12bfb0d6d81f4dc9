//! FETCH response items (RFC 9051 §7.5.2).
//!
//! ```text
//! message-data = nz-number SP ("EXPUNGE" / ("FETCH" SP msg-att))
//! msg-att      = "(" (msg-att-dynamic / msg-att-static)
//!                *(SP (msg-att-dynamic / msg-att-static)) ")"
//! msg-att-dynamic = "FLAGS" SP "(" [flag-fetch *(SP flag-fetch)] ")"
//! msg-att-static  = "ENVELOPE" SP envelope /
//!                   "INTERNALDATE" SP date-time /
//!                   "RFC822.SIZE" SP number64 /
//!                   "BODY" ["STRUCTURE"] SP body /
//!                   "BODY" section ["<" number ">"] SP nstring /
//!                   "BINARY" section-binary SP (nstring / literal8) /
//!                   "BINARY.SIZE" section-binary SP number /
//!                   "UID" SP uniqueid
//! msg-att-dynamic =/ "MODSEQ" SP "(" permsg-modsequence ")"   ; RFC 7162
//! msg-att-static  =/ "PREVIEW" SP nstring                     ; RFC 8970
//! msg-att-static  =/ "SAVEDATE" SP (date-time / nil)          ; RFC 8514
//! msg-att-static  =/ "EMAILID" SP "(" objectid ")" /
//!                    "THREADID" SP ("(" objectid ")" / nil)   ; RFC 8474
//! ```

use super::body::BodyStructure;
use super::encode::{EncodeOptions, write_astring, write_literal, write_literal8, write_nstring};
use super::envelope::Envelope;
use crate::command::fetch::{Part, Section};
use crate::datetime::DateTime;
use crate::types::{FlagFetch, ObjectId};
use std::num::NonZeroU32;

/// One item of a FETCH response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchItem {
    /// `FLAGS (...)`
    Flags(Vec<FlagFetch>),
    /// `UID n`
    Uid(NonZeroU32),
    /// `RFC822.SIZE n`
    Rfc822Size(u64),
    /// `INTERNALDATE "..."`
    InternalDate(DateTime),
    /// `ENVELOPE (...)`
    Envelope(Box<Envelope>),
    /// `BODY (...)`: the structure without extension data.
    Body(Box<BodyStructure>),
    /// `BODYSTRUCTURE (...)`
    BodyStructure(Box<BodyStructure>),
    /// `BODY[section]<origin> data`
    BodySection {
        /// The section, echoed as asked.
        section: Section,
        /// For a partial fetch, the offset of the first octet sent.
        origin: Option<u64>,
        /// The octets; `None` is NIL.
        data: Option<Vec<u8>>,
    },
    /// `BINARY[part]<origin> data`: a literal8 when the data holds NUL.
    Binary {
        /// The part; the whole message when `None`.
        part: Option<Part>,
        /// For a partial fetch, the offset of the first octet sent.
        origin: Option<u64>,
        /// The decoded octets; `None` is NIL.
        data: Option<Vec<u8>>,
    },
    /// `BINARY.SIZE[part] n`
    BinarySize {
        /// The part; the whole message when `None`.
        part: Option<Part>,
        /// The decoded size.
        size: u64,
    },
    /// `RFC822 data` (IMAP4rev1).
    Rfc822(Option<Vec<u8>>),
    /// `RFC822.HEADER data` (IMAP4rev1).
    Rfc822Header(Option<Vec<u8>>),
    /// `RFC822.TEXT data` (IMAP4rev1).
    Rfc822Text(Option<Vec<u8>>),
    /// `MODSEQ (n)`
    ModSeq(u64),
    /// `PREVIEW "..."`; NIL when not available (LAZY).
    Preview(Option<String>),
    /// `SAVEDATE "..."` or NIL.
    SaveDate(Option<DateTime>),
    /// `EMAILID (id)`
    EmailId(ObjectId),
    /// `THREADID (id)` or NIL.
    ThreadId(Option<ObjectId>),
}

/// The inside of `[...]` for a section, as the client asked for it.
pub(crate) fn write_section(section: &Section, opts: EncodeOptions, out: &mut Vec<u8>) {
    let prefix = |part: &Option<Part>, out: &mut Vec<u8>| {
        if let Some(part) = part {
            out.extend_from_slice(format!("{part}.").as_bytes());
        }
    };
    match section {
        Section::Full => {}
        Section::Part(part) => out.extend_from_slice(part.to_string().as_bytes()),
        Section::Header(part) => {
            prefix(part, out);
            out.extend_from_slice(b"HEADER");
        }
        Section::Text(part) => {
            prefix(part, out);
            out.extend_from_slice(b"TEXT");
        }
        Section::Mime(part) => out.extend_from_slice(format!("{part}.MIME").as_bytes()),
        Section::HeaderFields { part, fields, not } => {
            prefix(part, out);
            out.extend_from_slice(if *not {
                b"HEADER.FIELDS.NOT ("
            } else {
                b"HEADER.FIELDS ("
            });
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_astring(f.as_bytes(), opts, out);
            }
            out.push(b')');
        }
    }
}

fn write_data(data: &Option<Vec<u8>>, out: &mut Vec<u8>) {
    match data {
        Some(d) => write_literal(d, out),
        None => out.extend_from_slice(b"NIL"),
    }
}

fn write_origin(origin: Option<u64>, out: &mut Vec<u8>) {
    if let Some(o) = origin {
        out.extend_from_slice(format!("<{o}>").as_bytes());
    }
}

fn write_binary_part(part: &Option<Part>, out: &mut Vec<u8>) {
    out.push(b'[');
    if let Some(part) = part {
        out.extend_from_slice(part.to_string().as_bytes());
    }
    out.push(b']');
}

impl FetchItem {
    pub(crate) fn encode(&self, opts: EncodeOptions, out: &mut Vec<u8>) {
        let mut put = |s: String| out.extend_from_slice(s.as_bytes());
        match self {
            FetchItem::Flags(flags) => {
                let list: Vec<String> = flags.iter().map(ToString::to_string).collect();
                put(format!("FLAGS ({})", list.join(" ")));
            }
            FetchItem::Uid(uid) => put(format!("UID {uid}")),
            FetchItem::Rfc822Size(n) => put(format!("RFC822.SIZE {n}")),
            FetchItem::InternalDate(dt) => put(format!("INTERNALDATE \"{dt}\"")),
            FetchItem::ModSeq(n) => put(format!("MODSEQ ({n})")),
            FetchItem::EmailId(id) => put(format!("EMAILID ({})", id.as_str())),
            FetchItem::ThreadId(Some(id)) => put(format!("THREADID ({})", id.as_str())),
            FetchItem::ThreadId(None) => put("THREADID NIL".into()),
            FetchItem::SaveDate(Some(dt)) => put(format!("SAVEDATE \"{dt}\"")),
            FetchItem::SaveDate(None) => put("SAVEDATE NIL".into()),
            FetchItem::BinarySize { part, size } => {
                out.extend_from_slice(b"BINARY.SIZE");
                write_binary_part(part, out);
                out.extend_from_slice(format!(" {size}").as_bytes());
            }
            FetchItem::Envelope(env) => {
                out.extend_from_slice(b"ENVELOPE ");
                env.encode(opts, out);
            }
            FetchItem::Body(body) => {
                out.extend_from_slice(b"BODY ");
                body.encode(false, opts, out);
            }
            FetchItem::BodyStructure(body) => {
                out.extend_from_slice(b"BODYSTRUCTURE ");
                body.encode(true, opts, out);
            }
            FetchItem::BodySection {
                section,
                origin,
                data,
            } => {
                out.extend_from_slice(b"BODY[");
                write_section(section, opts, out);
                out.push(b']');
                write_origin(*origin, out);
                out.push(b' ');
                write_data(data, out);
            }
            FetchItem::Binary { part, origin, data } => {
                out.extend_from_slice(b"BINARY");
                write_binary_part(part, out);
                write_origin(*origin, out);
                out.push(b' ');
                match data {
                    Some(d) if d.contains(&0) => write_literal8(d, out),
                    _ => write_data(data, out),
                }
            }
            FetchItem::Rfc822(data) => {
                out.extend_from_slice(b"RFC822 ");
                write_data(data, out);
            }
            FetchItem::Rfc822Header(data) => {
                out.extend_from_slice(b"RFC822.HEADER ");
                write_data(data, out);
            }
            FetchItem::Rfc822Text(data) => {
                out.extend_from_slice(b"RFC822.TEXT ");
                write_data(data, out);
            }
            FetchItem::Preview(text) => {
                out.extend_from_slice(b"PREVIEW ");
                write_nstring(text.as_deref().map(str::as_bytes), opts, out);
            }
        }
    }
}
