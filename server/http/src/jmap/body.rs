//! An email's body as JMAP shows it (RFC 8621 §4.1.4): `bodyStructure`, the `textBody`,
//! `htmlBody` and `attachments` lists of the RFC's parseStructure algorithm (kantor-message's
//! `bodies`), and `bodyValues`, the decoded text of the parts asked for.
//!
//! Parts are numbered as IMAP numbers them (`1`, `1.2`): a part's `partId` is its IMAP section,
//! and its `blobId` the email's blob and that section (`<hash>-1_2`), which download serves.
//! The structure comes from what the store extracted at delivery; only `bodyValues` reads the
//! message.

use super::headers::{HeaderProperty, all_raw};
use kantor_jmap_proto::MethodError;
use kantor_jmap_proto::method::Arguments;
use kantor_message::bodies::Bodies;
use kantor_message::decode::transfer_decode;
use kantor_message::encoded::{decode_words, to_string};
use kantor_message::structure::{BodyPart, Content};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The part properties given when `bodyProperties` is not (RFC 8621 §4.2).
const DEFAULT_PART_PROPERTIES: [&str; 10] = [
    "partId",
    "blobId",
    "size",
    "name",
    "type",
    "charset",
    "disposition",
    "cid",
    "language",
    "location",
];
/// The part properties served only when asked for, besides the `header:*` forms.
const MORE_PART_PROPERTIES: [&str; 2] = ["headers", "subParts"];

/// What Email/get asked of the bodies.
#[derive(Debug, Clone, Default)]
pub(crate) struct BodyOptions {
    pub properties: Vec<String>,
    pub fetch_text: bool,
    pub fetch_html: bool,
    pub fetch_all: bool,
    /// Most bytes of each value (0: no limit).
    pub max_bytes: usize,
}

impl BodyOptions {
    /// Email/get's and Email/parse's body arguments (RFC 8621 §4.2).
    pub fn from_arguments(args: &mut Arguments) -> Result<BodyOptions, MethodError> {
        let options = BodyOptions {
            properties: args.optional("bodyProperties")?.unwrap_or_else(|| {
                DEFAULT_PART_PROPERTIES
                    .iter()
                    .map(|p| p.to_string())
                    .collect()
            }),
            fetch_text: args.or_default("fetchTextBodyValues")?,
            fetch_html: args.or_default("fetchHTMLBodyValues")?,
            fetch_all: args.or_default("fetchAllBodyValues")?,
            max_bytes: args.or_default::<u64>("maxBodyValueBytes")? as usize,
        };
        options.check().map_err(MethodError::invalid_arguments)?;
        Ok(options)
    }

    /// Checks `bodyProperties`: an unknown one is `invalidArguments`.
    pub fn check(&self) -> Result<(), String> {
        for p in &self.properties {
            let known = DEFAULT_PART_PROPERTIES
                .iter()
                .chain(&MORE_PART_PROPERTIES)
                .any(|k| k == p);
            if !known && HeaderProperty::parse(p)?.is_none() {
                return Err(format!("EmailBodyPart has no property {p:?}."));
            }
        }
        Ok(())
    }

    /// Whether the parts' header fields are asked for: they are read from the message.
    pub fn needs_raw(&self) -> bool {
        self.properties
            .iter()
            .any(|p| p == "headers" || p.starts_with("header:"))
    }
}

/// The parts of one message with their IMAP section numbers.
pub(crate) struct Parts<'a> {
    root: &'a BodyPart,
    paths: HashMap<*const BodyPart, String>,
    blob: String,
    /// The message, when part headers are asked for.
    raw: Option<&'a [u8]>,
}

impl<'a> Parts<'a> {
    pub fn new(root: &'a BodyPart, blob: String, raw: Option<&'a [u8]>) -> Parts<'a> {
        let mut paths = HashMap::new();
        match &root.content {
            Content::Multipart(children) => number(children, "", &mut paths),
            _ => {
                paths.insert(root as *const _, "1".to_string());
            }
        }
        Parts {
            root,
            paths,
            blob,
            raw,
        }
    }

    fn path(&self, part: &BodyPart) -> Option<&str> {
        self.paths.get(&(part as *const _)).map(String::as_str)
    }

    /// `bodyStructure`: the whole tree, each multipart with its `subParts` (without them the
    /// structure would be no tree), whatever `bodyProperties` says.
    pub fn structure(&self, options: &BodyOptions) -> Value {
        let mut options = options.clone();
        if !options.properties.iter().any(|p| p == "subParts") {
            options.properties.push("subParts".into());
        }
        self.part(self.root, &options)
    }

    /// `textBody`, `htmlBody` and `attachments`.
    pub fn lists(&self, options: &BodyOptions) -> (Value, Value, Value) {
        let bodies = Bodies::of(self.root);
        let list = |parts: &[&BodyPart]| -> Value {
            parts.iter().map(|p| self.part(p, options)).collect()
        };
        (
            list(&bodies.text),
            list(&bodies.html),
            list(&bodies.attachments),
        )
    }

    fn part(&self, part: &BodyPart, options: &BodyOptions) -> Value {
        let path = self.path(part);
        let mut out = Map::new();
        for property in &options.properties {
            let value = match property.as_str() {
                "partId" => json!(path),
                "blobId" => json!(path.map(|p| self.part_blob_id(p))),
                "size" => json!(part.decoded_size),
                "name" => json!(part.name().map(decode_words)),
                "type" => json!(format!("{}/{}", part.media_type, part.subtype)),
                "charset" => json!(charset(part)),
                "disposition" => json!(
                    part.disposition
                        .as_ref()
                        .map(|d| d.value.to_ascii_lowercase())
                ),
                "cid" => json!(part.cid()),
                "language" => match part.language.is_empty() {
                    true => Value::Null,
                    false => json!(part.language),
                },
                "location" => json!(part.location),
                "headers" => all_raw(&self.fields(part)),
                other if other.starts_with("header:") => match HeaderProperty::parse(other) {
                    Ok(Some(header)) => header.value(&self.fields(part)),
                    _ => continue,
                },
                "subParts" => match &part.content {
                    Content::Multipart(children) => {
                        children.iter().map(|c| self.part(c, options)).collect()
                    }
                    _ => continue,
                },
                _ => continue,
            };
            out.insert(property.clone(), value);
        }
        Value::Object(out)
    }

    /// A part's blob id: the message's and the part's section (`<hash>-1_2`); a part of a
    /// message that is itself a part (Email/parse of `<hash>-3`) continues its section, as IMAP
    /// numbers the parts of an attached message (`<hash>-3_1`).
    fn part_blob_id(&self, path: &str) -> String {
        let separator = if self.blob.contains('-') { '_' } else { '-' };
        format!("{}{separator}{}", self.blob, path.replace('.', "_"))
    }

    /// A part's own header fields (empty when the message was not read).
    fn fields(&self, part: &BodyPart) -> Vec<kantor_message::header::Field<'a>> {
        match self.raw {
            Some(raw) => {
                kantor_message::header::fields(raw.get(part.header_range()).unwrap_or_default())
            }
            None => Vec::new(),
        }
    }

    /// `bodyValues`: the decoded text of the text parts asked for, keyed by partId.
    pub fn values(&self, raw: &[u8], options: &BodyOptions) -> Value {
        let bodies = Bodies::of(self.root);
        let mut chosen: Vec<&BodyPart> = Vec::new();
        if options.fetch_text || options.fetch_all {
            chosen.extend(&bodies.text);
        }
        if options.fetch_html || options.fetch_all {
            chosen.extend(&bodies.html);
        }
        if options.fetch_all {
            chosen.extend(bodies.attachments.iter().filter(|p| p.media_type == "text"));
        }
        let mut out = Map::new();
        for part in chosen {
            let Some(path) = self.path(part) else {
                continue;
            };
            if out.contains_key(path) || part.media_type != "text" {
                continue;
            }
            let body = raw.get(part.body_range()).unwrap_or_default();
            let (decoded, problem) = match transfer_decode(body, part.encoding.as_deref()) {
                Ok(bytes) => (bytes.into_owned(), false),
                Err(_) => (body.to_vec(), true),
            };
            let mut text = to_string(&decoded, part.param("charset"));
            let problem = problem || text.contains('\u{fffd}');
            let truncated = options.max_bytes > 0 && text.len() > options.max_bytes;
            if truncated {
                let mut end = options.max_bytes;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
            }
            out.insert(
                path.to_string(),
                json!({"value": text, "isEncodingProblem": problem, "isTruncated": truncated}),
            );
        }
        Value::Object(out)
    }
}

/// Numbers the parts of a multipart below `prefix` (IMAP: `1`, `1.1`, ...); a message part is
/// a leaf, as in JMAP.
fn number(children: &[BodyPart], prefix: &str, paths: &mut HashMap<*const BodyPart, String>) {
    for (i, child) in children.iter().enumerate() {
        let path = match prefix {
            "" => (i + 1).to_string(),
            p => format!("{p}.{}", i + 1),
        };
        if let Content::Multipart(grandchildren) = &child.content {
            number(grandchildren, &path, paths);
        } else {
            paths.insert(child as *const _, path);
        }
    }
}

/// The charset of a text part (`us-ascii` when none is given, RFC 2046 §4.1.2); null for
/// other types.
fn charset(part: &BodyPart) -> Option<String> {
    match part.param("charset") {
        Some(c) => Some(c.to_string()),
        None if part.media_type == "text" => Some("us-ascii".into()),
        None => None,
    }
}
