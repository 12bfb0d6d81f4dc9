//! Email/set create (RFC 8621 §4.6): a draft (or any message) written from an Email object,
//! with mail-builder, then filed as Email/import files a blob.
//!
//! The header comes from the convenience properties (`from`, `subject`, `sentAt`, ...), the
//! `header:{name}:as{Form}` properties and `headers`; each field may be given once, and
//! `Content-*` fields only on body parts. The body is `create_body`'s.

use super::call::Call;
use super::create_body::Body;
use super::headers::{Form, HeaderProperty};
use super::set::{flags_and_keywords, mailbox_set};
use kantor_jmap_proto::{SetError, SetErrorType};
use kantor_store::{AccountId, MailboxId};
use mail_builder::MessageBuilder;
use mail_builder::headers::HeaderType;
use mail_builder::headers::address::Address;
use mail_builder::headers::date::Date;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::text::Text;
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

pub(super) fn invalid(property: &str, why: impl Into<String>) -> SetError {
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
pub(super) fn header_value(
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
pub(super) fn raw_headers(
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
