//! Header fields as JMAP shows them (RFC 8621 §4.1.2-§4.1.3): the `headers` property (every
//! field, raw) and `header:{name}[:as{Form}][:all]` in the parsed forms the RFC defines, for an
//! email and for each body part. The parsing itself is kantor-message's (unfolding, encoded
//! words, address lists, message ids, dates); this module chooses and shapes it.

use kantor_message::address::{Address, Mailbox as AddressMailbox, mailboxes, parse_list};
use kantor_message::date::rfc3339;
use kantor_message::encoded::decode_words;
use kantor_message::header::{Field, unfold};
use kantor_message::msgid::ids;
use serde_json::{Value, json};

/// A parsed form of a header field's value (RFC 8621 §4.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    Raw,
    Text,
    Addresses,
    GroupedAddresses,
    MessageIds,
    Date,
    Urls,
}

/// A `header:` property asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeaderProperty {
    pub name: String,
    pub form: Form,
    pub all: bool,
}

/// The fields RFC 5322 and RFC 2369 define, with the forms each may be asked in besides Raw
/// (§4.1.2: any other field may be asked in every form).
const KNOWN: [(&str, &[Form]); 28] = {
    use Form::*;
    const ADDR: &[Form] = &[Addresses, GroupedAddresses];
    [
        ("date", &[Date]),
        ("from", ADDR),
        ("sender", ADDR),
        ("reply-to", ADDR),
        ("to", ADDR),
        ("cc", ADDR),
        ("bcc", ADDR),
        ("message-id", &[MessageIds]),
        ("in-reply-to", &[MessageIds]),
        ("references", &[MessageIds]),
        ("subject", &[Text]),
        ("comments", &[Text]),
        ("keywords", &[Text]),
        ("resent-date", &[Date]),
        ("resent-from", ADDR),
        ("resent-sender", ADDR),
        ("resent-reply-to", ADDR),
        ("resent-to", ADDR),
        ("resent-cc", ADDR),
        ("resent-bcc", ADDR),
        ("resent-message-id", &[MessageIds]),
        ("return-path", &[]),
        ("received", &[]),
        ("list-help", &[Urls]),
        ("list-unsubscribe", &[Urls]),
        ("list-subscribe", &[Urls]),
        ("list-post", &[Urls]),
        ("list-owner", &[Urls]),
    ]
};

impl HeaderProperty {
    /// Parses `header:{name}[:as{Form}][:all]`: `Ok(None)` for a property of another kind,
    /// an error (for `invalidArguments`) for a header property that is malformed or asks a
    /// field in a form the RFC does not allow for it.
    pub fn parse(property: &str) -> Result<Option<HeaderProperty>, String> {
        let Some(rest) = property.strip_prefix("header:") else {
            return Ok(None);
        };
        let mut pieces: Vec<&str> = rest.split(':').collect();
        let all = pieces.len() > 1 && pieces.last() == Some(&"all");
        if all {
            pieces.pop();
        }
        let (name, form) = match pieces.as_slice() {
            [name] => (*name, Form::Raw),
            [name, form] => (
                *name,
                form_named(form).ok_or(format!("{property:?}: no form {form:?}."))?,
            ),
            _ => {
                return Err(format!(
                    "{property:?} is not header:{{name}}[:as{{Form}}][:all]."
                ));
            }
        };
        let valid_name =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
        if !valid_name {
            return Err(format!(
                "{property:?}: {name:?} is not a header field name."
            ));
        }
        let lower = name.to_ascii_lowercase();
        // List-Archive is RFC 2369's too; the table is one short of it.
        let allowed: Option<&[Form]> = match lower.as_str() {
            "list-archive" => Some(&[Form::Urls]),
            _ => KNOWN.iter().find(|(n, _)| *n == lower).map(|(_, f)| *f),
        };
        if let Some(allowed) = allowed
            && form != Form::Raw
            && !allowed.contains(&form)
        {
            return Err(format!(
                "{property:?}: {name} cannot be asked in that form."
            ));
        }
        Ok(Some(HeaderProperty {
            name: lower,
            form,
            all,
        }))
    }

    /// The value among `fields` (a message's or a part's): every instance's for `:all` (an
    /// empty list when there is none), else the last instance's (null when there is none).
    pub fn value(&self, fields: &[Field<'_>]) -> Value {
        let mut matching = fields.iter().filter(|f| f.is(&self.name));
        match self.all {
            true => matching.map(|f| form_value(self.form, f)).collect(),
            false => matching
                .next_back()
                .map_or(Value::Null, |f| form_value(self.form, f)),
        }
    }
}

fn form_named(name: &str) -> Option<Form> {
    Some(match name {
        "asRaw" => Form::Raw,
        "asText" => Form::Text,
        "asAddresses" => Form::Addresses,
        "asGroupedAddresses" => Form::GroupedAddresses,
        "asMessageIds" => Form::MessageIds,
        "asDate" => Form::Date,
        "asURLs" => Form::Urls,
        _ => return None,
    })
}

/// `headers` (§4.1.3): every field in order, its value raw.
pub(crate) fn all_raw(fields: &[Field<'_>]) -> Value {
    fields
        .iter()
        .filter(|f| !f.name.is_empty())
        .map(|f| {
            json!({
                "name": String::from_utf8_lossy(f.name),
                "value": String::from_utf8_lossy(f.value),
            })
        })
        .collect()
}

fn form_value(form: Form, field: &Field<'_>) -> Value {
    match form {
        Form::Raw => json!(String::from_utf8_lossy(field.value)),
        Form::Text => json!(decode_words(&unfold(field.value)).trim()),
        Form::Addresses => json!(addresses(&parse_list(&unfold(field.value)))),
        Form::GroupedAddresses => grouped(&parse_list(&unfold(field.value))),
        Form::MessageIds => message_ids(Some(&unfold(field.value))),
        Form::Date => rfc3339(&unfold(field.value)).map_or(Value::Null, Value::String),
        Form::Urls => urls(&unfold(field.value)),
    }
}

/// `asMessageIds` (§4.1.2.5): the ids, or null when there are none.
pub(crate) fn message_ids(value: Option<&str>) -> Value {
    let list = value.map(ids).unwrap_or_default();
    match list.is_empty() {
        true => Value::Null,
        false => json!(list),
    }
}

/// One EmailAddress (§4.1.2.3): the display name decoded (null for none) and the address.
fn address(m: &AddressMailbox) -> Value {
    let email = match (&m.local, &m.domain) {
        (Some(l), Some(d)) if !d.is_empty() => format!("{l}@{d}"),
        (Some(l), _) => l.clone(),
        _ => String::new(),
    };
    json!({"name": m.name.as_deref().map(decode_words), "email": email})
}

/// `asAddresses` (§4.1.2.3): every mailbox, groups flattened.
pub(crate) fn addresses(list: &[Address]) -> Vec<Value> {
    mailboxes(list).map(address).collect()
}

/// `asGroupedAddresses` (§4.1.2.4): the groups, with the mailboxes outside any group gathered
/// in nameless groups between them.
fn grouped(list: &[Address]) -> Value {
    let mut out: Vec<Value> = Vec::new();
    let mut loose: Vec<Value> = Vec::new();
    for entry in list {
        match entry {
            Address::Mailbox(m) => loose.push(address(m)),
            Address::Group { name, members } => {
                if !loose.is_empty() {
                    out.push(json!({"name": null, "addresses": std::mem::take(&mut loose)}));
                }
                out.push(json!({
                    "name": decode_words(name),
                    "addresses": members.iter().map(address).collect::<Vec<_>>(),
                }));
            }
        }
    }
    if !loose.is_empty() {
        out.push(json!({"name": null, "addresses": loose}));
    }
    Value::Array(out)
}

/// `asURLs` (§4.1.2.7): the URLs in angle brackets outside comments (RFC 2369 §2); null when
/// there are none.
fn urls(value: &str) -> Value {
    let mut out = Vec::new();
    let mut depth = 0u32;
    let mut current: Option<String> = None;
    for c in value.chars() {
        match (c, current.as_mut()) {
            ('>', Some(_)) => out.push(current.take().unwrap_or_default()),
            (c, Some(url)) if !c.is_whitespace() => url.push(c),
            (_, Some(_)) => {}
            ('(', None) => depth += 1,
            (')', None) => depth = depth.saturating_sub(1),
            ('<', None) if depth == 0 => current = Some(String::new()),
            _ => {}
        }
    }
    match out.is_empty() {
        true => Value::Null,
        false => json!(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kantor_message::header::fields;

    fn property(p: &str) -> HeaderProperty {
        HeaderProperty::parse(p).unwrap().unwrap()
    }

    #[test]
    fn parses_names_forms_and_all() {
        assert_eq!(HeaderProperty::parse("subject").unwrap(), None);
        let p = property("header:X-Foo:asAddresses:all");
        assert_eq!(
            (p.name.as_str(), p.form, p.all),
            ("x-foo", Form::Addresses, true)
        );
        let p = property("header:Subject");
        assert_eq!((p.form, p.all), (Form::Raw, false));
        assert!(HeaderProperty::parse("header:Subject:asAddresses").is_err());
        assert!(HeaderProperty::parse("header:From:asDate").is_err());
        assert!(HeaderProperty::parse("header:Received:asText").is_err());
        assert!(HeaderProperty::parse("header:List-Archive:asURLs").is_ok());
        assert!(HeaderProperty::parse("header:From:asNothing").is_err());
        assert!(HeaderProperty::parse("header::asText").is_err());
        assert!(HeaderProperty::parse("header:a:asText:all:more").is_err());
    }

    #[test]
    fn gives_each_form() {
        let header = b"From: \"A\" <a@x.org>, Team: b@x.org, c@x.org;\r\n\
            Subject: =?utf-8?q?caf=C3=A9?=\r\n  folded\r\n\
            Date: Wed, 17 Jul 1996 02:23:25 -0700\r\n\
            List-Post: <mailto:l@x.org> (comment <no>), <https://x.org/post>\r\n\
            X-Two: 1\r\nX-Two: 2\r\n\r\n";
        let f = fields(header);
        assert_eq!(
            property("header:subject").value(&f),
            json!(" =?utf-8?q?caf=C3=A9?=\r\n  folded")
        );
        // mail-parser's decoder makes one space of the white space after an encoded-word.
        assert_eq!(
            property("header:Subject:asText").value(&f),
            json!("café folded")
        );
        assert_eq!(
            property("header:From:asAddresses").value(&f),
            json!([{"name": "A", "email": "a@x.org"}, {"name": null, "email": "b@x.org"},
                   {"name": null, "email": "c@x.org"}])
        );
        assert_eq!(
            property("header:From:asGroupedAddresses").value(&f),
            json!([{"name": null, "addresses": [{"name": "A", "email": "a@x.org"}]},
                   {"name": "Team", "addresses": [{"name": null, "email": "b@x.org"},
                                                  {"name": null, "email": "c@x.org"}]}])
        );
        assert_eq!(
            property("header:Date:asDate").value(&f),
            json!("1996-07-17T02:23:25-07:00")
        );
        assert_eq!(
            property("header:List-Post:asURLs").value(&f),
            json!(["mailto:l@x.org", "https://x.org/post"])
        );
        assert_eq!(property("header:x-two").value(&f), json!(" 2"));
        assert_eq!(property("header:X-Two:all").value(&f), json!([" 1", " 2"]));
        assert_eq!(property("header:X-None:all").value(&f), json!([]));
        assert_eq!(property("header:X-None").value(&f), Value::Null);
        assert_eq!(all_raw(&f)[4], json!({"name": "X-Two", "value": " 1"}));
    }
}
