//! Email/query (RFC 8621 §4.4): every filter condition and sort of the RFC, and Cyrus IMAP's
//! `attachmentName` (`filter`), under AND/OR/NOT, threads collapsed. A list of one mailbox by
//! date reads the store's date index only as far as the page ([`by_date`]); every other query
//! goes through all of the account's emails, reading of each only what its filter and sort
//! need.

use super::call::{Call, email_id, query_page, store_error, to_json};
use super::candidates::Emails;
use super::filter::{Condition, Needs, condition, sort_needs};
use kantor_jmap_proto::method::{Arguments, Comparator, Filter, QueryRequest, QueryResponse};
use kantor_jmap_proto::{Id, MethodError};
use kantor_store::StoreError;
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Most ids one Email/query returns (its response's `limit` when the client asked for more).
const MAX_QUERY_LIMIT: u64 = 1000;

pub(crate) fn query(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let mut args = Arguments::new(arguments);
    let request = QueryRequest::from_arguments(&mut args)?;
    let collapse: bool = args.or_default("collapseThreads")?;
    args.finish()?;
    let account = call.account(&request.account_id)?;
    let state = call.state(account)?;
    let filter = request.parse_filter(condition)?;
    let comparators = request.sort.clone().unwrap_or_default();
    let sort_needs = sort_needs(&comparators)?;
    if let Some(window) = by_date(call, &request, filter.as_ref(), &comparators, collapse)? {
        return to_json(&QueryResponse {
            account_id: request.account_id,
            query_state: state,
            can_calculate_changes: true,
            position: window.position,
            ids: window.ids,
            total: window.total,
            limit: window.limit,
        });
    }
    let ids = results(
        call,
        account,
        filter.as_ref(),
        &comparators,
        sort_needs,
        collapse,
    )?;
    query_page(request, &ids, state, true, Some(MAX_QUERY_LIMIT))
}

/// Every email the filter takes, sorted, threads collapsed when asked.
pub(crate) fn results(
    call: &Call<'_>,
    account: kantor_store::AccountId,
    filter: Option<&Filter<Condition>>,
    comparators: &[Comparator],
    sort_needs: Needs,
    collapse: bool,
) -> Result<Vec<Id>, MethodError> {
    let emails = Emails::load(call, account, filter, sort_needs)?;
    let mut selected = emails.select(filter, comparators)?;
    emails.sort(&mut selected, comparators);
    let mut order: Vec<usize> = selected.into_iter().map(|s| s.index).collect();
    if collapse {
        let mut seen = HashSet::new();
        order.retain(|&i| seen.insert(emails.listing[i].thread_id));
    }
    Ok(order
        .iter()
        .map(|&i| email_id(emails.listing[i].id))
        .collect())
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
    let Some(mailbox) = (match filter {
        Some(Filter::Condition(c)) => c.only_in_mailbox(),
        _ => None,
    }) else {
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
    let visited = call
        .mail
        .visit_mailbox_by_date(mailbox, newest_first, expected, &mut |email| {
            if collapse && !threads.insert(email.thread_id) {
                return true;
            }
            if index >= position && (ids.len() as u64) < limit {
                ids.push(email_id(email.id));
            }
            index += 1;
            request.calculate_total || (ids.len() as u64) < limit
        });
    match visited {
        Ok(()) => {}
        // A mailbox the user may not read (or none): the general query, which finds no email
        // in it (RFC 8621 §4.4.1 `inMailbox`), rather than an error that says it exists.
        Err(StoreError::NotFound(_) | StoreError::Forbidden(_)) => return Ok(None),
        Err(e) => return Err(store_error(e)),
    }
    Ok(Some(Page {
        position,
        ids,
        total: request.calculate_total.then_some(index),
        limit: (request.limit.is_none_or(|l| l > MAX_QUERY_LIMIT)).then_some(MAX_QUERY_LIMIT),
    }))
}

/// A UTCDate (RFC 8620 §1.4) as unix seconds.
pub(crate) fn parse_utc_date(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .filter(|_| s.ends_with('Z'))
        .map(|d| d.timestamp())
}
