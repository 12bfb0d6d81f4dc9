//! Email/parse (RFC 8621 §4.9): blobs the account may read (an upload, an email, or an
//! attached message inside one: `<hash>-3`) shown as Email objects, without storing anything.
//! The message is parsed as at delivery; the properties an email has only once stored (`id`,
//! `mailboxIds`, `keywords`, `receivedAt`, `threadId`) are null.

use super::body::BodyOptions;
use super::call::{Call, to_json};
use super::email::{Message, Shown, content, wanted};
use kantor_jmap_proto::method::Arguments;
use kantor_jmap_proto::{Id, MethodError};
use kantor_message::MessageMeta;
use serde_json::{Map, Value, json};

/// The properties given when none are asked for (RFC 8621 §4.9): Email/get's, but for those
/// of a stored email (the first seven).
fn properties_default() -> &'static [&'static str] {
    &super::email::PROPERTIES[7..]
}

pub(crate) fn parse(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let mut args = Arguments::new(arguments);
    let account_arg: Id = args.required("accountId")?;
    let blob_ids: Vec<Id> = args.required("blobIds")?;
    let properties: Option<Vec<String>> = args.optional("properties")?;
    let body = BodyOptions::from_arguments(&mut args)?;
    args.finish()?;
    let account = call.account(&account_arg)?;
    if blob_ids.len() as u64 > call.limits.max_objects_in_get {
        return Err(MethodError::request_too_large(format!(
            "At most {} blobs in one Email/parse.",
            call.limits.max_objects_in_get
        )));
    }
    let wanted = wanted(properties.as_deref(), properties_default())?;
    let (mut parsed, mut not_parsable, mut not_found) = (Map::new(), Vec::new(), Vec::new());
    for id in blob_ids {
        let Some(raw) = super::blob::read(&call.mail, account, id.as_str()) else {
            not_found.push(id);
            continue;
        };
        if !looks_like_a_message(&raw) {
            not_parsable.push(id);
            continue;
        }
        let size = raw.len();
        let meta = MessageMeta::extract(&raw);
        let shown = Shown::Meta(Some(Box::new(meta)));
        let message = Message::given(call, id.to_string(), raw);
        let mut email = Map::new();
        for &property in &wanted.named {
            let value = match property {
                "id" | "mailboxIds" | "keywords" | "receivedAt" | "threadId" => Value::Null,
                "blobId" => json!(id),
                "size" => json!(size),
                _ => continue,
            };
            email.insert(property.to_string(), value);
        }
        content(&message, &shown, &wanted, &body, &mut email)?;
        parsed.insert(id.to_string(), Value::Object(email));
    }
    let or_null = |v: Value, empty: bool| if empty { Value::Null } else { v };
    Ok(json!({
        "accountId": account_arg,
        "parsed": or_null(Value::Object(parsed.clone()), parsed.is_empty()),
        "notParsable": or_null(to_json(&not_parsable)?, not_parsable.is_empty()),
        "notFound": or_null(to_json(&not_found)?, not_found.is_empty()),
    }))
}

/// Whether a blob can be read as a message (RFC 5322 §2.1): it begins with a header field
/// (`name:`, printable ASCII without a colon or space in the name) or with the blank line of
/// an empty header. Anything else (an image, a PDF) is `notParsable`.
fn looks_like_a_message(raw: &[u8]) -> bool {
    if raw.starts_with(b"\r\n") || raw.starts_with(b"\n") {
        return true;
    }
    let name_len = raw
        .iter()
        .take_while(|&&b| b.is_ascii_graphic() && b != b':')
        .count();
    name_len > 0 && raw.get(name_len) == Some(&b':')
}

#[cfg(test)]
mod tests {
    use super::looks_like_a_message;

    #[test]
    fn tells_messages_from_other_blobs() {
        assert!(looks_like_a_message(b"Subject: hi\r\n\r\nbody"));
        assert!(looks_like_a_message(b"\r\nonly a body"));
        assert!(!looks_like_a_message(b"\x89PNG\r\n\x1a\n"));
        assert!(!looks_like_a_message(b"%PDF-1.7\n"));
        assert!(!looks_like_a_message(b""));
    }
}
