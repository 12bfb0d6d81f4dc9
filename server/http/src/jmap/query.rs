//! Email/query (RFC 8621 §4.4): filters of one or more mailboxes, dates and sizes under
//! AND/OR/NOT, sorted by `receivedAt`, `size` or `id`, threads collapsed. A list of one mailbox
//! by date reads the store's date index only as far as the page ([`by_date`]); every other
//! query goes through all of the account's emails.

use super::call::{Call, email_id, number_of, store_error, to_json};
use kantor_jmap_proto::method::{Arguments, Comparator, Filter, QueryRequest, QueryResponse};
use kantor_jmap_proto::{Id, MethodError, MethodErrorType};
use kantor_store::EmailListing;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// Most ids one Email/query returns (its response's `limit` when the client asked for more).
const MAX_QUERY_LIMIT: u64 = 1000;

/// A filter condition served (RFC 8621 §4.4.1).
pub(crate) enum Condition {
    InMailbox(i64),
    Before(i64),
    After(i64),
    MinSize(u64),
    MaxSize(u64),
}

pub(crate) fn query(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let mut args = Arguments::new(arguments);
    let request = QueryRequest::from_arguments(&mut args)?;
    let collapse: bool = args.or_default("collapseThreads")?;
    args.finish()?;
    let account = call.account(&request.account_id)?;
    let state = call.state()?;
    let filter = request.parse_filter(condition)?;
    let comparators = request.sort.clone().unwrap_or_default();
    for c in &comparators {
        c.check_collation(&super::COLLATIONS)?;
        // Email's own comparator properties (RFC 8621 §4.4.2) are not served yet; others are
        // ignored (jmapc 0.2 sends query arguments inside each comparator).
        let keyword = ["keyword"].iter().any(|k| c.extra.contains_key(*k));
        if !matches!(c.property.as_str(), "receivedAt" | "size" | "id") || keyword {
            return Err(MethodError::with_description(
                MethodErrorType::UnsupportedSort,
                format!("Sorting by {:?} is not supported yet.", c.property),
            ));
        }
    }
    if let Some(window) = by_date(call, &request, filter.as_ref(), &comparators, collapse)? {
        return to_json(&QueryResponse {
            account_id: request.account_id,
            query_state: state,
            can_calculate_changes: false,
            position: window.position,
            ids: window.ids,
            total: window.total,
            limit: window.limit,
        });
    }
    // Which emails each mailbox named in the filter holds.
    let mut mailboxes: HashMap<i64, HashSet<i64>> = HashMap::new();
    if let Some(filter) = &filter {
        for mailbox in named_mailboxes(filter) {
            let messages = call.mail.messages(mailbox).map_err(store_error)?;
            mailboxes.insert(mailbox, messages.iter().map(|m| m.id).collect());
        }
    }
    let mut emails: Vec<EmailListing> = call.mail.email_listing(account).map_err(store_error)?;
    if let Some(filter) = &filter {
        emails.retain(|e| filter.matches(&mut |c| matches(c, e, &mailboxes)));
    }
    sort(&mut emails, &comparators);
    if collapse {
        let mut seen = HashSet::new();
        emails.retain(|e| seen.insert(e.thread_id));
    }
    let ids: Vec<Id> = emails.iter().map(|e| email_id(e.id)).collect();
    let window = request.window(&ids, Some(MAX_QUERY_LIMIT))?;
    to_json(&QueryResponse {
        account_id: request.account_id,
        query_state: state,
        can_calculate_changes: false,
        position: window.position,
        ids: ids[window.start..window.end].to_vec(),
        total: request.calculate_total.then_some(ids.len() as u64),
        limit: window.limit,
    })
}

/// A page of a query answered by [`by_date`].
struct Page {
    position: u64,
    ids: Vec<Id>,
    total: Option<u64>,
    limit: Option<u64>,
}

/// The common query of a message list, one mailbox newest (or oldest) first, answered from
/// the store's date index as far as the page goes (the whole mailbox only for a total of
/// collapsed threads); `None` for any other query.
fn by_date(
    call: &Call<'_>,
    request: &QueryRequest,
    filter: Option<&Filter<Condition>>,
    comparators: &[Comparator],
    collapse: bool,
) -> Result<Option<Page>, MethodError> {
    let Some(Filter::Condition(Condition::InMailbox(mailbox))) = filter else {
        return Ok(None);
    };
    let newest_first = match comparators {
        [] => true,
        [c] if c.property == "receivedAt" => !c.is_ascending,
        _ => return Ok(None),
    };
    if request.anchor.is_some() || request.position < 0 {
        return Ok(None);
    }
    let position = request.position as u64;
    let limit = request
        .limit
        .map_or(MAX_QUERY_LIMIT, |l| l.min(MAX_QUERY_LIMIT));
    let mut threads = HashSet::new();
    let (mut index, mut ids) = (0u64, Vec::new());
    // A page without a total stops early (collapsed threads take a few emails each); a total
    // goes through the whole mailbox.
    let page = (position + limit) as usize;
    let expected = match (request.calculate_total, collapse) {
        (true, _) => usize::MAX,
        (false, true) => page.saturating_mul(8),
        (false, false) => page,
    };
    call.mail
        .visit_mailbox_by_date(*mailbox, newest_first, expected, &mut |email| {
            if collapse && !threads.insert(email.thread_id) {
                return true;
            }
            if index >= position && (ids.len() as u64) < limit {
                ids.push(email_id(email.id));
            }
            index += 1;
            request.calculate_total || (ids.len() as u64) < limit
        })
        .map_err(store_error)?;
    Ok(Some(Page {
        position,
        ids,
        total: request.calculate_total.then_some(index),
        limit: (request.limit.is_none_or(|l| l > MAX_QUERY_LIMIT)).then_some(MAX_QUERY_LIMIT),
    }))
}

/// One filter condition (RFC 8621 §4.4.1), as served.
pub(crate) fn condition(map: &Map<String, Value>) -> Result<Condition, MethodError> {
    let mut found = None;
    for (name, value) in map {
        let parsed = match name.as_str() {
            "inMailbox" => value
                .as_str()
                .and_then(|s| Id::new(s).ok())
                .and_then(|id| number_of(&id, 'M'))
                .map(Condition::InMailbox),
            "before" => value
                .as_str()
                .and_then(parse_utc_date)
                .map(Condition::Before),
            "after" => value
                .as_str()
                .and_then(parse_utc_date)
                .map(Condition::After),
            "minSize" => value.as_u64().map(Condition::MinSize),
            "maxSize" => value.as_u64().map(Condition::MaxSize),
            other => {
                return Err(MethodError::with_description(
                    MethodErrorType::UnsupportedFilter,
                    format!("Filtering by {other:?} is not supported yet."),
                ));
            }
        };
        let parsed = parsed.ok_or_else(|| {
            MethodError::invalid_arguments(format!("The filter's {name} is not valid."))
        })?;
        if found.replace(parsed).is_some() {
            // Several properties in one condition: all must hold (RFC 8621 §4.4.1); kept as
            // one condition each by an AND the client can write.
            return Err(MethodError::with_description(
                MethodErrorType::UnsupportedFilter,
                "Put each property in its own condition under an AND operator.",
            ));
        }
    }
    found.ok_or_else(|| MethodError::invalid_arguments("An empty filter condition."))
}

fn named_mailboxes(filter: &Filter<Condition>) -> Vec<i64> {
    match filter {
        Filter::Condition(Condition::InMailbox(m)) => vec![*m],
        Filter::Condition(_) => Vec::new(),
        Filter::Operator(_, conditions) => conditions.iter().flat_map(named_mailboxes).collect(),
    }
}

fn matches(c: &Condition, e: &EmailListing, mailboxes: &HashMap<i64, HashSet<i64>>) -> bool {
    match c {
        Condition::InMailbox(m) => mailboxes.get(m).is_some_and(|ids| ids.contains(&e.id)),
        Condition::Before(t) => e.received_at < *t,
        Condition::After(t) => e.received_at >= *t,
        Condition::MinSize(s) => e.size >= *s,
        Condition::MaxSize(s) => e.size < *s,
    }
}

/// Orders by the comparators, then by id (newest first without any), so that the order is
/// stable (RFC 8620 §5.5).
fn sort(emails: &mut [EmailListing], comparators: &[Comparator]) {
    if comparators.is_empty() {
        return; // The listing is newest first already.
    }
    emails.sort_by(|a, b| {
        for c in comparators {
            let order = match c.property.as_str() {
                "receivedAt" => a.received_at.cmp(&b.received_at),
                "size" => a.size.cmp(&b.size),
                _ => a.id.cmp(&b.id),
            };
            let order = if c.is_ascending {
                order
            } else {
                order.reverse()
            };
            if order.is_ne() {
                return order;
            }
        }
        b.id.cmp(&a.id)
    });
}

/// A UTCDate (RFC 8620 §1.4) as unix seconds.
fn parse_utc_date(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .filter(|_| s.ends_with('Z'))
        .map(|d| d.timestamp())
}
