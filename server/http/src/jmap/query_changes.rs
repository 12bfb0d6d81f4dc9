//! Email/queryChanges (RFC 8620 §5.6, RFC 8621 §4.5): how a query's results changed since its
//! `queryState` (the account's modseq when it ran), from the change log. Every email the log
//! names since then is `removed` (the RFC lets a server name ids that did not move), and those
//! of them in the results now are `added` at their index; with collapsed threads or thread
//! keyword filters, the other emails of their threads too, as their presence may change with
//! a sibling's. A state below the log's pruned floor is `cannotCalculateChanges`.

use super::call::{Call, MAX_CHANGES, email_id, number_of, store_error, to_json};
use super::filter::{condition, filter_needs, sort_needs};
use kantor_jmap_proto::method::{AddedItem, Arguments, QueryChangesRequest, QueryChangesResponse};
use kantor_jmap_proto::{MethodError, MethodErrorType};
use kantor_store::changes::ObjectKind;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

pub(crate) fn emails(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let mut args = Arguments::new(arguments);
    let request = QueryChangesRequest::from_arguments(&mut args)?;
    let collapse: bool = args.or_default("collapseThreads")?;
    args.finish()?;
    let account = call.account(&request.account_id)?;
    let since = call.since_state(account, &request.since_query_state)?;
    let filter = request.parse_filter(condition)?;
    let comparators = request.sort.clone().unwrap_or_default();
    let sort_needs = sort_needs(&comparators)?;
    let threads = collapse
        || filter
            .as_ref()
            .map(filter_needs)
            .is_some_and(|n| n.threads());
    // The state first: a change after it and before the results is told again next time.
    let state = call.state(account)?;
    let max = request
        .max_changes
        .map_or(MAX_CHANGES, |m| (m as usize).min(MAX_CHANGES));
    let page = call
        .mail
        .visible_changes_page(account, since, MAX_CHANGES, &[ObjectKind::Email])
        .map_err(store_error)?;
    if page.has_more {
        return Err(too_many(MAX_CHANGES));
    }
    let mut changed: BTreeSet<i64> = page.changes.iter().map(|c| c.object_id).collect();
    if threads {
        let ids: Vec<i64> = changed.iter().copied().collect();
        let thread_ids: BTreeSet<i64> = call
            .mail
            .emails(account, &ids)
            .map_err(store_error)?
            .into_iter()
            .flatten()
            .map(|r| r.thread_id)
            .collect();
        for thread in thread_ids {
            changed.extend(
                call.mail
                    .thread_emails(account, thread)
                    .map_err(store_error)?,
            );
        }
    }
    let ids = super::query::results(
        call,
        account,
        filter.as_ref(),
        &comparators,
        sort_needs,
        collapse,
    )?;
    let added: Vec<AddedItem> = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| number_of(id, 'M').is_some_and(|n| changed.contains(&n)))
        .map(|(index, id)| AddedItem {
            id: id.clone(),
            index: index as u64,
        })
        .collect();
    if changed.len() + added.len() > max {
        return Err(too_many(max));
    }
    to_json(&QueryChangesResponse {
        account_id: request.account_id,
        old_query_state: request.since_query_state,
        new_query_state: state,
        total: request.calculate_total.then_some(ids.len() as u64),
        removed: changed.into_iter().map(email_id).collect(),
        added,
    })
}

fn too_many(max: usize) -> MethodError {
    MethodError::with_description(
        MethodErrorType::TooManyChanges,
        format!("More than {max} changes: run the query again."),
    )
}
