//! SearchSnippet/get (RFC 8621 §5.1): the parts of each email's subject and body that match
//! the filter's `text`, `subject` and `body` needles (those not under a NOT), escaped and
//! marked with `<mark>` (`highlight`). `subject` is the marked subject when a needle of
//! `text` or `subject` is in it, `preview` the part of the text parts (HTML as text) around the
//! first match of a `text` or `body` needle, at most 255 octets; each is null without a match.
//! The filter is checked as Email/query checks it, so a client learns the same errors from both.

use super::call::{Call, number_of, store_error, to_json};
use super::filter::Condition;
use super::highlight;
use kantor_jmap_proto::method::{Arguments, Filter, FilterOperator};
use kantor_jmap_proto::{Id, MethodError};
use kantor_message::encoded::decode_words;
use serde_json::{Map, Value, json};

/// The needles to mark: in the subject, and in the body.
#[derive(Default)]
struct Needles {
    subject: Vec<String>,
    body: Vec<String>,
}

impl Needles {
    fn of(filter: &Filter<Condition>, out: &mut Needles) {
        match filter {
            Filter::Condition(c) => {
                out.subject.extend(c.text.iter().chain(&c.subject).cloned());
                out.body.extend(c.text.iter().chain(&c.body).cloned());
            }
            Filter::Operator(FilterOperator::Not, _) => {}
            Filter::Operator(_, list) => list.iter().for_each(|f| Needles::of(f, out)),
        }
    }
}

pub(crate) fn get(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let mut args = Arguments::new(arguments);
    let account_arg: Id = args.required("accountId")?;
    let filter: Option<Value> = args.optional("filter")?;
    let email_ids: Vec<Id> = args.required("emailIds")?;
    args.finish()?;
    let account = call.account(&account_arg)?;
    if email_ids.len() as u64 > call.limits.max_objects_in_get {
        return Err(MethodError::request_too_large(format!(
            "At most {} emails in one SearchSnippet/get.",
            call.limits.max_objects_in_get
        )));
    }
    let mut needles = Needles::default();
    if let Some(filter) = &filter {
        Needles::of(
            &Filter::parse(filter, &mut super::filter::condition)?,
            &mut needles,
        );
    }
    let numbers: Vec<i64> = email_ids
        .iter()
        .map(|id| number_of(id, 'M').unwrap_or(-1))
        .collect();
    let records = call.mail.emails(account, &numbers).map_err(store_error)?;
    let (mut list, mut not_found) = (Vec::new(), Vec::new());
    for (id, record) in email_ids.into_iter().zip(records) {
        let Some(record) = record.filter(|r| !r.destroyed) else {
            not_found.push(id);
            continue;
        };
        let (mut subject, mut preview) = (None, None);
        if !needles.subject.is_empty() || !needles.body.is_empty() {
            let raw = call.mail.read_blob(&record.blob).map_err(store_error)?;
            let root = kantor_message::mime::parse(&raw);
            if !needles.subject.is_empty() {
                let fields = root.fields(&raw);
                let text = fields
                    .iter()
                    .find(|f| f.is("Subject"))
                    .map(|f| decode_words(&f.text()))
                    .unwrap_or_default();
                subject = highlight::subject(text.trim(), &needles.subject);
            }
            if !needles.body.is_empty() {
                let body = kantor_message::text::body_text(&raw, &root, false);
                preview = highlight::preview(&body, &needles.body);
            }
        }
        list.push(json!({"emailId": id, "subject": subject, "preview": preview}));
    }
    Ok(json!({
        "accountId": account_arg,
        "list": list,
        "notFound": if not_found.is_empty() { Value::Null } else { to_json(&not_found)? },
    }))
}
