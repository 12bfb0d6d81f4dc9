//! Email/query's filter conditions and sorts (RFC 8621 §4.4.1-§4.4.2), parsed, and what each
//! needs read of the emails (`candidates` evaluates them), and Cyrus IMAP's `attachmentName`
//! (a part's file name, `needles`). Strings are folded as IMAP SEARCH folds them, to match as
//! case-insensitive substrings. Nothing advertises the conditions: an unknown one is
//! `unsupportedFilter`.

use super::call::number_of;
use kantor_jmap_proto::method::Comparator;
use kantor_jmap_proto::{Id, MethodError, MethodErrorType};
use kantor_message::text::fold;
use serde_json::{Map, Value};

/// One FilterCondition: every property given must hold (§4.4.1).
#[derive(Debug, Default, Clone)]
pub(crate) struct Condition {
    pub(super) in_mailbox: Option<i64>,
    pub(super) in_mailbox_other_than: Option<Vec<i64>>,
    pub(super) before: Option<i64>,
    pub(super) after: Option<i64>,
    pub(super) min_size: Option<u64>,
    pub(super) max_size: Option<u64>,
    pub(super) all_in_thread: Option<String>,
    pub(super) some_in_thread: Option<String>,
    pub(super) none_in_thread: Option<String>,
    pub(super) has_keyword: Option<String>,
    pub(super) not_keyword: Option<String>,
    pub(super) has_attachment: Option<bool>,
    pub(super) text: Option<String>,
    pub(super) from: Option<String>,
    pub(super) to: Option<String>,
    pub(super) cc: Option<String>,
    pub(super) bcc: Option<String>,
    pub(super) subject: Option<String>,
    pub(super) body: Option<String>,
    /// Cyrus IMAP's extension of §4.4.1: a part's file name holds the text (`needles`).
    pub(super) attachment_name: Option<String>,
    pub(super) header: Option<(String, Option<String>)>,
}

impl Condition {
    /// The condition of a filter that is only `inMailbox` (the message list's own query).
    pub fn only_in_mailbox(&self) -> Option<i64> {
        let mut rest = Condition {
            in_mailbox: None,
            ..self.clone()
        };
        rest.header.take();
        let needs = rest.needs();
        let nothing_else = !needs.record
            && !needs.meta
            && !needs.threads
            && [rest.before, rest.after].iter().all(Option::is_none)
            && [rest.min_size, rest.max_size].iter().all(Option::is_none)
            && rest.body.is_none()
            && rest.attachment_name.is_none()
            && self.header.is_none();
        self.in_mailbox.filter(|_| nothing_else)
    }

    /// Whether the condition reads the email's parsed header fields (its stored listing)
    /// whatever the full-text index says; `text` reads them only where the index says they
    /// may hold the needle (`candidates::narrowing`).
    pub(super) fn reads_envelope(&self) -> bool {
        self.has_attachment.is_some()
            || [&self.from, &self.to, &self.cc, &self.bcc, &self.subject]
                .iter()
                .any(|s| s.is_some())
    }

    fn needs(&self) -> Needs {
        Needs {
            record: self.in_mailbox.is_some()
                || self.in_mailbox_other_than.is_some()
                || self.has_keyword.is_some()
                || self.not_keyword.is_some(),
            threads: self.all_in_thread.is_some()
                || self.some_in_thread.is_some()
                || self.none_in_thread.is_some(),
            meta: self.reads_envelope() || self.text.is_some(),
        }
    }
}

/// Parses one FilterCondition; an unknown property is `unsupportedFilter` (§4.4.1).
pub(crate) fn condition(map: &Map<String, Value>) -> Result<Condition, MethodError> {
    let mut c = Condition::default();
    if map.is_empty() {
        return Err(MethodError::invalid_arguments("An empty filter condition."));
    }
    for (name, value) in map {
        let invalid =
            || MethodError::invalid_arguments(format!("The filter's {name} is not valid."));
        let text = || value.as_str().map(fold).ok_or_else(invalid);
        let keyword = || {
            value
                .as_str()
                .filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_graphic()))
                .map(str::to_ascii_lowercase)
                .ok_or_else(invalid)
        };
        let date = || {
            value
                .as_str()
                .and_then(super::query::parse_utc_date)
                .ok_or_else(invalid)
        };
        let mailbox = |v: &Value| {
            v.as_str()
                .and_then(|s| Id::new(s).ok())
                .and_then(|id| number_of(&id, 'M'))
        };
        match name.as_str() {
            // A mailbox that does not exist holds nothing: -1 matches no email.
            "inMailbox" => {
                c.in_mailbox = Some(
                    value
                        .as_str()
                        .ok_or_else(invalid)
                        .map(|_| mailbox(value).unwrap_or(-1))?,
                )
            }
            "inMailboxOtherThan" => {
                let list = value.as_array().ok_or_else(invalid)?;
                c.in_mailbox_other_than =
                    Some(list.iter().map(|v| mailbox(v).unwrap_or(-1)).collect());
            }
            "before" => c.before = Some(date()?),
            "after" => c.after = Some(date()?),
            "minSize" => c.min_size = Some(value.as_u64().ok_or_else(invalid)?),
            "maxSize" => c.max_size = Some(value.as_u64().ok_or_else(invalid)?),
            "allInThreadHaveKeyword" => c.all_in_thread = Some(keyword()?),
            "someInThreadHaveKeyword" => c.some_in_thread = Some(keyword()?),
            "noneInThreadHaveKeyword" => c.none_in_thread = Some(keyword()?),
            "hasKeyword" => c.has_keyword = Some(keyword()?),
            "notKeyword" => c.not_keyword = Some(keyword()?),
            "hasAttachment" => c.has_attachment = Some(value.as_bool().ok_or_else(invalid)?),
            "text" => c.text = Some(text()?),
            "from" => c.from = Some(text()?),
            "to" => c.to = Some(text()?),
            "cc" => c.cc = Some(text()?),
            "bcc" => c.bcc = Some(text()?),
            "subject" => c.subject = Some(text()?),
            "body" => c.body = Some(text()?),
            "attachmentName" => c.attachment_name = Some(text()?),
            "header" => {
                let parts: Vec<&str> = value
                    .as_array()
                    .ok_or_else(invalid)?
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                c.header = match parts.as_slice() {
                    [name] => Some((name.to_string(), None)),
                    [name, value] => Some((name.to_string(), Some(fold(value)))),
                    _ => return Err(invalid()),
                };
            }
            other => {
                return Err(MethodError::with_description(
                    MethodErrorType::UnsupportedFilter,
                    format!("Email has no filter property {other:?}."),
                ));
            }
        }
    }
    Ok(c)
}

/// What a query needs read.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Needs {
    pub(super) record: bool,
    pub(super) meta: bool,
    pub(super) threads: bool,
}

impl Needs {
    /// Whether the keywords of whole threads are needed.
    pub fn threads(&self) -> bool {
        self.threads
    }

    pub fn or(self, other: Needs) -> Needs {
        Needs {
            record: self.record || other.record || other.threads,
            meta: self.meta || other.meta,
            threads: self.threads || other.threads,
        }
    }
}

/// What every condition of a filter needs.
pub(crate) fn filter_needs(filter: &kantor_jmap_proto::method::Filter<Condition>) -> Needs {
    use kantor_jmap_proto::method::Filter;
    match filter {
        Filter::Condition(c) => Needs::default().or(c.needs()),
        Filter::Operator(_, list) => list
            .iter()
            .fold(Needs::default(), |n, f| n.or(filter_needs(f))),
    }
}

/// What the comparators need; an unknown sort property is `unsupportedSort` (§4.4.2).
pub(crate) fn sort_needs(comparators: &[Comparator]) -> Result<Needs, MethodError> {
    let mut needs = Needs::default();
    for c in comparators {
        c.check_collation(&super::COLLATIONS)?;
        let keyword = c.extra.get("keyword").and_then(Value::as_str);
        needs = needs.or(match (c.property.as_str(), keyword) {
            ("receivedAt" | "size" | "id", _) => Needs::default(),
            ("from" | "to" | "subject" | "sentAt", _) => Needs {
                meta: true,
                ..Needs::default()
            },
            ("hasKeyword", Some(_)) => Needs {
                record: true,
                ..Needs::default()
            },
            ("allInThreadHaveKeyword" | "someInThreadHaveKeyword", Some(_)) => Needs {
                threads: true,
                ..Needs::default()
            },
            (other, _) => {
                return Err(MethodError::with_description(
                    MethodErrorType::UnsupportedSort,
                    format!(
                        "Email cannot be sorted by {other:?} (keyword sorts need a \"keyword\")."
                    ),
                ));
            }
        });
    }
    Ok(needs)
}
