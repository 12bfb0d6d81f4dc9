//! The body of an email Email/set creates (RFC 8621 §4.6): `bodyStructure`, or `textBody`,
//! `htmlBody` and `attachments` put together as multipart/alternative inside
//! multipart/mixed; each leaf a `bodyValues` entry (`partId`, UTF-8 text) or a blob the account
//! may read (`blobId`), at most `MAX_CREATED_SIZE` bytes in all.

use super::create::{MAX_CREATED_SIZE, header_value, invalid, raw_headers};
use super::headers::HeaderProperty;
use kantor_jmap_proto::{SetError, SetErrorType};
use kantor_store::AccountId;
use mail_builder::headers::HeaderType;
use mail_builder::headers::content_type::ContentType;
use mail_builder::mime::{BodyPart, MimePart};
use serde_json::{Map, Value};

use super::call::Call;

/// What the body parts are made of.
pub(super) struct Body<'a> {
    pub(super) call: &'a Call<'a>,
    pub(super) account: AccountId,
    pub(super) values: Map<String, Value>,
    /// Bytes of content so far.
    pub(super) size: std::cell::Cell<usize>,
}

impl Body<'_> {
    /// The body: `bodyStructure`, or the text, HTML and attachment lists put together.
    pub(super) fn root(&self, object: &Map<String, Value>) -> Result<MimePart<'static>, SetError> {
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
