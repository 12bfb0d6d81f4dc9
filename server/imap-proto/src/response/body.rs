//! BODY and BODYSTRUCTURE values (RFC 9051 §7.5.2), filled by the session
//! from stored MIME metadata.
//!
//! ```text
//! body            = "(" (body-type-1part / body-type-mpart) ")"
//! body-type-1part = (body-type-basic / body-type-msg / body-type-text)
//!                   [SP body-ext-1part]
//! body-type-basic = media-basic SP body-fields
//! body-type-msg   = media-message SP body-fields SP envelope
//!                   SP body SP body-fld-lines
//! body-type-text  = media-text SP body-fields SP body-fld-lines
//! body-fields     = body-fld-param SP body-fld-id SP body-fld-desc SP
//!                   body-fld-enc SP body-fld-octets
//! body-ext-1part  = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang
//!                   [SP body-fld-loc *(SP body-extension)]]]
//! body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
//! body-ext-mpart  = body-fld-param [SP body-fld-dsp [SP body-fld-lang
//!                   [SP body-fld-loc *(SP body-extension)]]]
//! body-fld-param  = "(" string SP string *(SP string SP string) ")" / nil
//! body-fld-dsp    = "(" string SP body-fld-param ")" / nil
//! body-fld-lang   = nstring / "(" string *(SP string) ")"
//! ```
//!
//! BODYSTRUCTURE always carries the extension data (NIL where unknown);
//! BODY leaves it out.

use super::encode::{EncodeOptions, write_nstring, write_string};
use super::envelope::Envelope;

/// A message's or part's structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyStructure {
    /// A leaf part.
    Single(SinglePart),
    /// A multipart.
    Multi(MultiPart),
}

/// What kind of single part this is, with the fields only it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Any type but text and message/rfc822 (or message/global): the
    /// media type, e.g. `APPLICATION`.
    Basic {
        /// The top-level media type.
        media_type: String,
    },
    /// `TEXT/*`, with its size in lines.
    Text {
        /// Lines of the (encoded) body.
        lines: u64,
    },
    /// `MESSAGE/RFC822` or `MESSAGE/GLOBAL`: the encapsulated message.
    Message {
        /// Its envelope.
        envelope: Box<Envelope>,
        /// Its structure.
        body: Box<BodyStructure>,
        /// Lines of the encapsulated message.
        lines: u64,
    },
}

/// A single (non-multipart) part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinglePart {
    /// The type and its type-specific fields.
    pub content: Content,
    /// The media subtype, e.g. `PLAIN`.
    pub subtype: String,
    /// Content-Type parameters.
    pub params: Vec<(String, String)>,
    /// Content-ID.
    pub id: Option<String>,
    /// Content-Description.
    pub description: Option<String>,
    /// Content-Transfer-Encoding (`7BIT` when absent).
    pub encoding: String,
    /// Size of the encoded body in octets.
    pub size: u64,
    /// Content-MD5.
    pub md5: Option<String>,
    /// Content-Disposition.
    pub disposition: Option<Disposition>,
    /// Content-Language tags.
    pub language: Vec<String>,
    /// Content-Location.
    pub location: Option<String>,
}

/// A multipart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiPart {
    /// The parts (at least one).
    pub parts: Vec<BodyStructure>,
    /// The subtype, e.g. `MIXED`.
    pub subtype: String,
    /// Content-Type parameters (boundary included).
    pub params: Vec<(String, String)>,
    /// Content-Disposition.
    pub disposition: Option<Disposition>,
    /// Content-Language tags.
    pub language: Vec<String>,
    /// Content-Location.
    pub location: Option<String>,
}

/// A Content-Disposition: its type and parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disposition {
    /// `inline`, `attachment`, ...
    pub kind: String,
    /// Its parameters, e.g. `filename`.
    pub params: Vec<(String, String)>,
}

fn string(s: &str, opts: EncodeOptions, out: &mut Vec<u8>) {
    write_string(s.as_bytes(), opts, out);
}

fn nstring(s: &Option<String>, opts: EncodeOptions, out: &mut Vec<u8>) {
    write_nstring(s.as_deref().map(str::as_bytes), opts, out);
}

fn params(list: &[(String, String)], opts: EncodeOptions, out: &mut Vec<u8>) {
    if list.is_empty() {
        out.extend_from_slice(b"NIL");
        return;
    }
    out.push(b'(');
    for (i, (k, v)) in list.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        string(k, opts, out);
        out.push(b' ');
        string(v, opts, out);
    }
    out.push(b')');
}

/// `body-fld-dsp SP body-fld-lang SP body-fld-loc`
fn extension_tail(
    disposition: &Option<Disposition>,
    language: &[String],
    location: &Option<String>,
    opts: EncodeOptions,
    out: &mut Vec<u8>,
) {
    out.push(b' ');
    match disposition {
        Some(d) => {
            out.push(b'(');
            string(&d.kind, opts, out);
            out.push(b' ');
            params(&d.params, opts, out);
            out.push(b')');
        }
        None => out.extend_from_slice(b"NIL"),
    }
    out.push(b' ');
    match language {
        [] => out.extend_from_slice(b"NIL"),
        [one] => string(one, opts, out),
        many => {
            out.push(b'(');
            for (i, l) in many.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                string(l, opts, out);
            }
            out.push(b')');
        }
    }
    out.push(b' ');
    nstring(location, opts, out);
}

impl BodyStructure {
    /// Writes the structure: with extension data for BODYSTRUCTURE
    /// (`extended`), without for BODY.
    pub fn encode(&self, extended: bool, opts: EncodeOptions, out: &mut Vec<u8>) {
        out.push(b'(');
        match self {
            BodyStructure::Single(part) => part.encode(extended, opts, out),
            BodyStructure::Multi(multi) => {
                for part in &multi.parts {
                    part.encode(extended, opts, out);
                }
                if multi.parts.is_empty() {
                    // A multipart needs one body; stand in an empty text part.
                    out.extend_from_slice(b"(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0)");
                }
                out.push(b' ');
                string(&multi.subtype, opts, out);
                if extended {
                    out.push(b' ');
                    params(&multi.params, opts, out);
                    extension_tail(
                        &multi.disposition,
                        &multi.language,
                        &multi.location,
                        opts,
                        out,
                    );
                }
            }
        }
        out.push(b')');
    }
}

impl SinglePart {
    fn encode(&self, extended: bool, opts: EncodeOptions, out: &mut Vec<u8>) {
        match &self.content {
            Content::Basic { media_type } => string(media_type, opts, out),
            Content::Text { .. } => out.extend_from_slice(b"\"TEXT\""),
            Content::Message { .. } => out.extend_from_slice(b"\"MESSAGE\""),
        }
        out.push(b' ');
        string(&self.subtype, opts, out);
        out.push(b' ');
        params(&self.params, opts, out);
        out.push(b' ');
        nstring(&self.id, opts, out);
        out.push(b' ');
        nstring(&self.description, opts, out);
        out.push(b' ');
        string(&self.encoding, opts, out);
        out.extend_from_slice(format!(" {}", self.size).as_bytes());
        match &self.content {
            Content::Basic { .. } => {}
            Content::Text { lines } => out.extend_from_slice(format!(" {lines}").as_bytes()),
            Content::Message {
                envelope,
                body,
                lines,
            } => {
                out.push(b' ');
                envelope.encode(opts, out);
                out.push(b' ');
                body.encode(extended, opts, out);
                out.extend_from_slice(format!(" {lines}").as_bytes());
            }
        }
        if extended {
            out.push(b' ');
            nstring(&self.md5, opts, out);
            extension_tail(&self.disposition, &self.language, &self.location, opts, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(subtype: &str, size: u64, lines: u64) -> BodyStructure {
        BodyStructure::Single(SinglePart {
            content: Content::Text { lines },
            subtype: subtype.into(),
            params: vec![("CHARSET".into(), "US-ASCII".into())],
            id: None,
            description: None,
            encoding: "7BIT".into(),
            size,
            md5: None,
            disposition: None,
            language: vec![],
            location: None,
        })
    }

    fn enc(b: &BodyStructure, extended: bool) -> String {
        let mut out = Vec::new();
        b.encode(extended, EncodeOptions::default(), &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn rfc_9051_examples() {
        // RFC 9051 §7.5.2 (BODYSTRUCTURE example).
        let b = BodyStructure::Multi(MultiPart {
            parts: vec![text("PLAIN", 1152, 23), {
                let BodyStructure::Single(mut p) = text("PLAIN", 4554, 73) else {
                    unreachable!()
                };
                p.params = vec![
                    ("CHARSET".into(), "US-ASCII".into()),
                    ("NAME".into(), "cc.diff".into()),
                ];
                p.id = Some("<960723163407.20117h@cac.washington.edu>".into());
                p.description = Some("Compiler diff".into());
                p.encoding = "BASE64".into();
                BodyStructure::Single(p)
            }],
            subtype: "MIXED".into(),
            params: vec![],
            disposition: None,
            language: vec![],
            location: None,
        });
        assert_eq!(
            enc(&b, false),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)\
             (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") \
             \"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73) \"MIXED\")"
        );
        assert_eq!(
            enc(&text("PLAIN", 3028, 92), true),
            "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92 NIL NIL NIL NIL)"
        );
    }

    #[test]
    fn message_and_extensions() {
        let inner = text("PLAIN", 10, 1);
        let b = BodyStructure::Multi(MultiPart {
            parts: vec![
                BodyStructure::Single(SinglePart {
                    content: Content::Message {
                        envelope: Box::default(),
                        body: Box::new(inner),
                        lines: 5,
                    },
                    subtype: "RFC822".into(),
                    params: vec![],
                    id: None,
                    description: None,
                    encoding: "7BIT".into(),
                    size: 100,
                    md5: Some("abc".into()),
                    disposition: Some(Disposition {
                        kind: "attachment".into(),
                        params: vec![("filename".into(), "m.eml".into())],
                    }),
                    language: vec!["en".into(), "de".into()],
                    location: Some("http://x".into()),
                }),
                BodyStructure::Single(SinglePart {
                    content: Content::Basic {
                        media_type: "IMAGE".into(),
                    },
                    subtype: "PNG".into(),
                    params: vec![],
                    id: None,
                    description: None,
                    encoding: "BASE64".into(),
                    size: 4,
                    md5: None,
                    disposition: None,
                    language: vec!["en".into()],
                    location: None,
                }),
            ],
            subtype: "MIXED".into(),
            params: vec![("BOUNDARY".into(), "xx".into())],
            disposition: None,
            language: vec![],
            location: None,
        });
        assert_eq!(
            enc(&b, true),
            "((\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 100 \
             (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) \
             (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL) 5 \
             \"abc\" (\"attachment\" (\"filename\" \"m.eml\")) (\"en\" \"de\") \"http://x\")\
             (\"IMAGE\" \"PNG\" NIL NIL NIL \"BASE64\" 4 NIL NIL \"en\" NIL) \
             \"MIXED\" (\"BOUNDARY\" \"xx\") NIL NIL NIL)"
        );
        assert!(
            enc(&b, false).ends_with(" 5)(\"IMAGE\" \"PNG\" NIL NIL NIL \"BASE64\" 4) \"MIXED\")")
        );
    }
}
