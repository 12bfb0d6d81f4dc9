//! Email/set create (RFC 8621 §4.6): a draft (or any message) written from an Email object,
//! with mail-builder, then filed as Email/import files a blob.
//!
//! The header comes from the convenience properties (`from`, `subject`, `sentAt`, ...), the
//! `header:{name}:as{Form}` properties and `headers`; each field may be given once, and
//! `Content-*` fields only on body parts. The body is `bodyStructure`, or `textBody` (one
//! text/plain part), `htmlBody` (one text/html part) and `attachments`, put together as
//! multipart/alternative inside multipart/mixed. A leaf part's content is a `bodyValues` entry
//! (`partId`, text in UTF-8) or a blob the account may read (`blobId`).

use super::call::Call;
use super::headers::{Form, HeaderProperty};
use super::set::{flags_and_keywords, mailbox_set};
use kantor_jmap_proto::{SetError, SetErrorType};
use kantor_store::{AccountId, MailboxId};
use mail_builder::MessageBuilder;
use mail_builder::headers::HeaderType;
use mail_builder::headers::address::Address;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::date::Date;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::text::Text;
use mail_builder::mime::{BodyPart, MimePart};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashSet};

/// The most bytes of parts one created email may hold (`maxSizeAttachmentsPerEmail`).
pub(crate) const MAX_CREATED_SIZE: usize = 50_000_000;

/// Properties the server sets: a create giving them is `invalidProperties` (§4.6).
const SERVER_SET: [&str; 6] = [
    "id",
    "blobId",
    "threadId",
    "size",
    "hasAttachment",
    "preview",
];

/// The convenience properties and the header field each writes.
const CONVENIENCE: [(&str, &str, Form); 10] = [
    ("messageId", "Message-ID", Form::MessageIds),
    ("inReplyTo", "In-Reply-To", Form::MessageIds),
    ("references", "References", Form::MessageIds),
    ("sender", "Sender", Form::Addresses),
    ("from", "From", Form::Addresses),
    ("to", "To", Form::Addresses),
    ("cc", "Cc", Form::Addresses),
    ("bcc", "Bcc", Form::Addresses),
    ("replyTo", "Reply-To", Form::Addresses),
    ("subject", "Subject", Form::Text),
];

fn invalid(property: &str, why: impl Into<String>) -> SetError {
    SetError::invalid_properties([property]).with_description(why.into())
}

/// Creates one email; its server-set properties.
pub(crate) async fn create(
    call: &Call<'_>,
    account: AccountId,
    mailboxes: &BTreeSet<MailboxId>,
    object: &Map<String, Value>,
) -> Result<Value, SetError> {
    if let Some(p) = object.keys().find(|k| SERVER_SET.contains(&k.as_str())) {
        return Err(invalid(p, format!("{p} is set by the server.")));
    }
    let targets: Vec<MailboxId> =
        mailbox_set(object.get("mailboxIds").unwrap_or(&Value::Null), mailboxes)?
            .into_iter()
            .collect();
    let keywords = match object.get("keywords") {
        None | Some(Value::Null) => Default::default(),
        Some(value) => flags_and_keywords(value)?,
    };
    let received_at = match object.get("receivedAt") {
        None | Some(Value::Null) => chrono::Utc::now().timestamp(),
        Some(value) => date(value).ok_or_else(|| invalid("receivedAt", "A UTCDate."))?,
    };
    let raw = build(call, account, object)?;
    super::import::file(call, account, raw, &targets, keywords, received_at).await
}

/// The message an Email object describes.
fn build(
    call: &Call<'_>,
    account: AccountId,
    object: &Map<String, Value>,
) -> Result<Vec<u8>, SetError> {
    let mut message = MessageBuilder::new();
    let mut fields = Fields::default();
    for (property, value) in object {
        let property = property.as_str();
        if let Some((_, name, form)) = CONVENIENCE.iter().find(|(p, _, _)| *p == property) {
            if !value.is_null() {
                fields.add(property, name, header_value(property, *form, value)?)?;
            }
        } else if property == "sentAt" {
            let sent = date(value).ok_or_else(|| invalid("sentAt", "A Date."))?;
            fields.add(property, "Date", vec![Date::new(sent).into()])?;
        } else if property == "headers" {
            for (name, raw) in raw_headers(property, value)? {
                fields.add(property, &name, vec![raw])?;
            }
        } else if let Some(header) =
            HeaderProperty::parse(property).map_err(|e| invalid(property, e))?
        {
            let values = match (header.all, value) {
                (true, Value::Array(values)) => values.iter().collect(),
                (true, _) => return Err(invalid(property, "A list, for :all.")),
                (false, value) => vec![value],
            };
            let mut written = Vec::new();
            for value in values {
                written.extend(header_value(property, header.form, value)?);
            }
            fields.add(property, &header.name, written)?;
        } else if !matches!(
            property,
            "mailboxIds"
                | "keywords"
                | "receivedAt"
                | "bodyStructure"
                | "textBody"
                | "htmlBody"
                | "attachments"
                | "bodyValues"
        ) {
            return Err(invalid(
                property,
                format!("Email has no property {property:?}."),
            ));
        }
    }
    if fields.names.iter().any(|n| n.starts_with("content-")) {
        return Err(invalid("headers", "Content-* fields belong to body parts."));
    }
    if !fields.names.contains("message-id") {
        let id = format!(
            "{}@{}",
            blake3::hash(&rand::random::<[u8; 16]>()).to_hex(),
            call.hostname
        );
        message = message.message_id(id);
    }
    for (name, value) in fields.list {
        message = message.header(name, value);
    }
    let body = Body {
        call,
        account,
        values: match object.get("bodyValues") {
            Some(Value::Object(values)) => values.clone(),
            None | Some(Value::Null) => Map::new(),
            Some(_) => return Err(invalid("bodyValues", "An object of EmailBodyValues.")),
        },
        size: std::cell::Cell::new(0),
    };
    message = message.body(body.root(object)?);
    message
        .write_to_vec()
        .map_err(|e| SetError::new(SetErrorType::Forbidden).with_description(e.to_string()))
}

/// The header fields so far, each name once.
#[derive(Default)]
struct Fields {
    names: HashSet<String>,
    list: Vec<(String, HeaderType<'static>)>,
}

impl Fields {
    fn add(
        &mut self,
        property: &str,
        name: &str,
        values: Vec<HeaderType<'static>>,
    ) -> Result<(), SetError> {
        let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
        if !valid {
            return Err(invalid(
                property,
                format!("{name:?} is not a header field name."),
            ));
        }
        if !self.names.insert(name.to_ascii_lowercase()) {
            return Err(invalid(property, format!("{name} is given twice.")));
        }
        self.list
            .extend(values.into_iter().map(|v| (name.to_string(), v)));
        Ok(())
    }
}

/// A header field's value in a parsed form, as the field(s) to write.
fn header_value(
    property: &str,
    form: Form,
    value: &Value,
) -> Result<Vec<HeaderType<'static>>, SetError> {
    let bad = || invalid(property, format!("Not a value of the form {form:?}."));
    Ok(vec![match form {
        Form::Raw => Raw::new(one_line(value.as_str().ok_or_else(bad)?)).into(),
        Form::Text => Text::new(value.as_str().ok_or_else(bad)?.to_string()).into(),
        Form::Addresses => Address::new_list(addresses(value).ok_or_else(bad)?).into(),
        Form::GroupedAddresses => {
            let groups = value.as_array().ok_or_else(bad)?;
            let mut list = Vec::new();
            for group in groups {
                let members = addresses(&group["addresses"]).ok_or_else(bad)?;
                match group["name"].as_str() {
                    Some(name) => list.push(Address::new_group(Some(name.to_string()), members)),
                    None => list.extend(members),
                }
            }
            Address::new_list(list).into()
        }
        Form::MessageIds => {
            let ids: Vec<String> = serde_json::from_value(value.clone()).map_err(|_| bad())?;
            if ids
                .iter()
                .any(|id| id.is_empty() || id.contains(['<', '>', ' ']) || !id.contains('@'))
            {
                return Err(bad());
            }
            MessageId::new_list(ids.into_iter()).into()
        }
        Form::Date => Date::new(date(value).ok_or_else(bad)?).into(),
        Form::Urls => {
            let urls: Vec<String> = serde_json::from_value(value.clone()).map_err(|_| bad())?;
            let list: Vec<String> = urls.iter().map(|u| format!("<{}>", one_line(u))).collect();
            Raw::new(list.join(", ")).into()
        }
    }])
}

/// `headers` (raw name and value pairs), for `Fields`.
fn raw_headers(
    property: &str,
    value: &Value,
) -> Result<Vec<(String, HeaderType<'static>)>, SetError> {
    let list = value
        .as_array()
        .ok_or_else(|| invalid(property, "A list of EmailHeaders."))?;
    list.iter()
        .map(|h| match (h["name"].as_str(), h["value"].as_str()) {
            (Some(name), Some(value)) => Ok((name.to_string(), Raw::new(one_line(value)).into())),
            _ => Err(invalid(
                property,
                "Each EmailHeader has a name and a value.",
            )),
        })
        .collect()
}

/// A raw value unfolded, so that no line break it holds starts a field of its own.
fn one_line(value: &str) -> String {
    value.replace(['\r', '\n'], "").trim_start().to_string()
}

/// EmailAddress objects as mail-builder addresses.
fn addresses(value: &Value) -> Option<Vec<Address<'static>>> {
    value
        .as_array()?
        .iter()
        .map(|a| {
            let email = a["email"].as_str()?.to_string();
            let name = a["name"].as_str().map(str::to_string);
            Some(Address::new_address(name, email))
        })
        .collect()
}

/// A Date or UTCDate (RFC 3339) as unix seconds.
fn date(value: &Value) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(value.as_str()?)
        .ok()
        .map(|d| d.timestamp())
}

/// What the body parts are made of.
struct Body<'a> {
    call: &'a Call<'a>,
    account: AccountId,
    values: Map<String, Value>,
    /// Bytes of content so far.
    size: std::cell::Cell<usize>,
}

impl Body<'_> {
    /// The body: `bodyStructure`, or the text, HTML and attachment lists put together.
    fn root(&self, object: &Map<String, Value>) -> Result<MimePart<'static>, SetError> {
        let list = |name: &str| -> Result<Vec<Map<String, Value>>, SetError> {
            match object.get(name) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(value) => serde_json::from_value(value.clone())
                    .map_err(|_| invalid(name, "A list of EmailBodyParts.")),
            }
        };
        let (text, html, attachments) =
            (list("textBody")?, list("htmlBody")?, list("attachments")?);
        if let Some(structure) = object.get("bodyStructure").filter(|v| !v.is_null()) {
            if !(text.is_empty() && html.is_empty() && attachments.is_empty()) {
                return Err(invalid(
                    "bodyStructure",
                    "Not with textBody, htmlBody or attachments.",
                ));
            }
            let structure = structure
                .as_object()
                .ok_or_else(|| invalid("bodyStructure", "An EmailBodyPart."))?;
            return self.part(structure, "bodyStructure", None);
        }
        let one = |parts: &[Map<String, Value>], name: &str, kind: &str| match parts {
            [] => Ok(None),
            [part] => self.part(part, name, Some(kind)).map(Some),
            _ => Err(invalid(name, "At most one part.")),
        };
        let (text, html) = (
            one(&text, "textBody", "text/plain")?,
            one(&html, "htmlBody", "text/html")?,
        );
        let main = match (text, html) {
            (Some(text), Some(html)) => MimePart::new("multipart/alternative", vec![text, html]),
            (Some(one), None) | (None, Some(one)) => one,
            (None, None) => MimePart::new("text/plain", ""),
        };
        if attachments.is_empty() {
            return Ok(main);
        }
        let mut parts = vec![main];
        for attachment in &attachments {
            parts.push(self.part(attachment, "attachments", None)?);
        }
        Ok(MimePart::new("multipart/mixed", parts))
    }

    /// One EmailBodyPart; `only` is the type a textBody or htmlBody part must have.
    fn part(
        &self,
        part: &Map<String, Value>,
        list: &str,
        only: Option<&str>,
    ) -> Result<MimePart<'static>, SetError> {
        let string = |name: &str| part.get(name).and_then(Value::as_str).map(str::to_string);
        let media = string("type")
            .unwrap_or_else(|| match part.contains_key("blobId") {
                true => "application/octet-stream".into(),
                false => "text/plain".into(),
            })
            .to_ascii_lowercase();
        if let Some(only) = only
            && media != only
        {
            return Err(invalid(list, format!("A part of type {only}.")));
        }
        let mut mime = if media.starts_with("multipart/") {
            let children: Vec<Map<String, Value>> =
                serde_json::from_value(part.get("subParts").cloned().unwrap_or(Value::Null))
                    .map_err(|_| invalid(list, "A multipart has subParts."))?;
            let parts = children
                .iter()
                .map(|c| self.part(c, list, None))
                .collect::<Result<Vec<_>, _>>()?;
            MimePart::new(ContentType::new(media), parts)
        } else {
            self.leaf(part, list, &media)?
        };
        let name = string("name");
        if let Some(disposition) = string("disposition") {
            let mut value = ContentType::new(disposition);
            if let Some(name) = &name {
                value = value.attribute("filename", name.clone());
            }
            mime = mime.header("Content-Disposition", value);
        }
        if let Some(cid) = string("cid") {
            mime = mime.cid(cid.trim_matches(['<', '>']).to_string());
        }
        if let Some(location) = string("location") {
            mime = mime.location(location);
        }
        if let Some(Value::Array(languages)) = part.get("language") {
            let list: Vec<&str> = languages.iter().filter_map(Value::as_str).collect();
            mime = mime.language(list.join(", "));
        }
        for (property, value) in part {
            if property == "headers" {
                for (name, raw) in raw_headers(list, value)? {
                    mime = part_header(mime, list, name, raw)?;
                }
            } else if let Some(header) =
                HeaderProperty::parse(property).map_err(|e| invalid(list, e))?
            {
                for value in header_value(list, header.form, value)? {
                    mime = part_header(mime, list, header.name.clone(), value)?;
                }
            }
        }
        Ok(mime)
    }

    /// A leaf's content: a body value or a blob.
    fn leaf(
        &self,
        part: &Map<String, Value>,
        list: &str,
        media: &str,
    ) -> Result<MimePart<'static>, SetError> {
        let mut content_type = ContentType::new(media.to_string());
        if let Some(name) = part.get("name").and_then(Value::as_str) {
            content_type = content_type.attribute("name", name.to_string());
        }
        let (content, size) = match (part.get("partId"), part.get("blobId")) {
            (Some(Value::String(id)), None) => {
                let value = self
                    .values
                    .get(id)
                    .ok_or_else(|| invalid(list, format!("No bodyValue {id}.")))?;
                if value["isTruncated"] == Value::Bool(true)
                    || value["isEncodingProblem"] == Value::Bool(true)
                {
                    return Err(invalid(
                        "bodyValues",
                        "A body value to create is neither truncated nor an encoding problem.",
                    ));
                }
                if !media.starts_with("text/") || part.contains_key("charset") {
                    return Err(invalid(
                        list,
                        "A part with a partId is text, in UTF-8 (no charset).",
                    ));
                }
                let text = value["value"]
                    .as_str()
                    .ok_or_else(|| invalid("bodyValues", "A value."))?
                    .to_string();
                content_type = content_type.attribute("charset", "utf-8");
                let size = text.len();
                (BodyPart::Text(text.into()), size)
            }
            (None, Some(Value::String(blob))) => {
                let bytes =
                    super::blob::read(&self.call.mail, self.account, blob).ok_or_else(|| {
                        SetError::new(SetErrorType::BlobNotFound)
                            .with_description(format!("No blob {blob}."))
                    })?;
                if let Some(charset) = part.get("charset").and_then(Value::as_str) {
                    content_type = content_type.attribute("charset", charset.to_string());
                }
                let size = bytes.len();
                (BodyPart::Binary(bytes.into()), size)
            }
            _ => return Err(invalid(list, "A part has a partId or a blobId.")),
        };
        self.size.set(self.size.get() + size);
        if self.size.get() > MAX_CREATED_SIZE {
            return Err(
                SetError::new(SetErrorType::TooLarge).with_description(format!(
                    "At most {MAX_CREATED_SIZE} bytes of parts in one email."
                )),
            );
        }
        Ok(MimePart::new(content_type, content))
    }
}

/// A field given on a part; Content-Transfer-Encoding is the server's to choose.
fn part_header(
    mime: MimePart<'static>,
    list: &str,
    name: String,
    value: HeaderType<'static>,
) -> Result<MimePart<'static>, SetError> {
    let lower = name.to_ascii_lowercase();
    if lower == "content-transfer-encoding" || lower == "content-type" {
        return Err(invalid(
            list,
            format!("{name} is set from the part's properties."),
        ));
    }
    Ok(mime.header(name, value))
}
