//! Mailbox/query and Mailbox/queryChanges (RFC 8621 §2.3, §2.4): the account's mailboxes by
//! `parentId`, `name` (a case-insensitive substring), `role`, `hasAnyRole` and `isSubscribed`,
//! sorted by `sortOrder` or `name`, with `sortAsTree` (each parent before its children, siblings
//! in the sort's order) and `filterAsTree` (a mailbox only when its ancestors match too).
//! Mailbox lists are short: queries are run again rather than tracked, so queryChanges is
//! `cannotCalculateChanges`.

use super::call::{Call, query_page, store_error};
use super::mailbox::object;
use kantor_jmap_proto::method::{Arguments, QueryChangesRequest, QueryRequest};
use kantor_jmap_proto::{Id, MethodError, MethodErrorType};
use kantor_message::text::fold;
use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

const NEEDED: [&str; 6] = [
    "id",
    "name",
    "parentId",
    "role",
    "sortOrder",
    "isSubscribed",
];

pub(crate) fn query(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let mut args = Arguments::new(arguments);
    let request = QueryRequest::from_arguments(&mut args)?;
    let sort_as_tree: bool = args.or_default("sortAsTree")?;
    let filter_as_tree: bool = args.or_default("filterAsTree")?;
    args.finish()?;
    let account = call.account(&request.account_id)?;
    let filter = request.parse_filter(condition)?;
    let comparators = request.sort.clone().unwrap_or_default();
    for c in &comparators {
        c.check_collation(&super::COLLATIONS)?;
        if !matches!(c.property.as_str(), "sortOrder" | "name") {
            return Err(MethodError::with_description(
                MethodErrorType::UnsupportedSort,
                format!("Mailboxes cannot be sorted by {:?}.", c.property),
            ));
        }
    }
    let state = call.state(account)?;
    let mailboxes = call.mail.mailboxes(account).map_err(store_error)?;
    let view = super::shared::View::of(call, account)?;
    let by_name = mailboxes.iter().map(|m| (m.name.as_str(), m)).collect();
    let needed: HashSet<&'static str> = NEEDED.into_iter().collect();
    let objects: Vec<Map<String, Value>> = mailboxes
        .iter()
        .map(|m| object(call, m, &by_name, &view, &needed))
        .collect::<Result<_, _>>()?;
    let by_id: HashMap<&Value, &Map<String, Value>> =
        objects.iter().map(|o| (&o["id"], o)).collect();
    let matches = |o: &Map<String, Value>| {
        filter
            .as_ref()
            .is_none_or(|f| f.matches(&mut |c| holds(c, o)))
    };
    let mut chosen: Vec<&Map<String, Value>> = objects
        .iter()
        .filter(|o| {
            if !filter_as_tree {
                return matches(o);
            }
            // The mailbox and every ancestor.
            let mut current = Some(*o);
            while let Some(m) = current {
                if !matches(m) {
                    return false;
                }
                current = by_id.get(&m["parentId"]).copied();
            }
            true
        })
        .collect();
    let compare = |a: &Map<String, Value>, b: &Map<String, Value>| -> Ordering {
        for c in &comparators {
            let order = match c.property.as_str() {
                "sortOrder" => a["sortOrder"].as_u64().cmp(&b["sortOrder"].as_u64()),
                _ => fold(a["name"].as_str().unwrap_or(""))
                    .cmp(&fold(b["name"].as_str().unwrap_or(""))),
            };
            let order = if c.is_ascending {
                order
            } else {
                order.reverse()
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        a["id"].as_str().cmp(&b["id"].as_str())
    };
    chosen.sort_by(|a, b| compare(a, b));
    if sort_as_tree {
        chosen = as_tree(&chosen);
    }
    let ids: Vec<Id> = chosen
        .iter()
        .filter_map(|o| o["id"].as_str().and_then(|i| Id::new(i).ok()))
        .collect();
    query_page(request, &ids, state, false, None)
}

/// The mailboxes, already sorted, reordered so that each comes right after its parent (or at
/// the top when its parent is not among them), siblings keeping their order.
fn as_tree<'a>(sorted: &[&'a Map<String, Value>]) -> Vec<&'a Map<String, Value>> {
    let present: HashSet<&Value> = sorted.iter().map(|o| &o["id"]).collect();
    let mut out = Vec::with_capacity(sorted.len());
    fn visit<'a>(
        parent: &Value,
        sorted: &[&'a Map<String, Value>],
        present: &HashSet<&Value>,
        out: &mut Vec<&'a Map<String, Value>>,
    ) {
        for o in sorted {
            let top = parent.is_null() && !present.contains(&o["parentId"]);
            if o["parentId"] == *parent || top {
                out.push(o);
                visit(&o["id"], sorted, present, out);
            }
        }
    }
    visit(&Value::Null, sorted, &present, &mut out);
    out
}

/// One FilterCondition of Mailbox/query (§2.3), checked when parsed.
fn condition(map: &Map<String, Value>) -> Result<Map<String, Value>, MethodError> {
    for (name, value) in map {
        let valid = match name.as_str() {
            "parentId" | "role" => value.is_null() || value.is_string(),
            "name" => value.is_string(),
            "hasAnyRole" | "isSubscribed" => value.is_boolean(),
            other => {
                return Err(MethodError::with_description(
                    MethodErrorType::UnsupportedFilter,
                    format!("Mailbox has no filter property {other:?}."),
                ));
            }
        };
        if !valid {
            return Err(MethodError::invalid_arguments(format!(
                "The filter's {name} is not valid."
            )));
        }
    }
    Ok(map.clone())
}

fn holds(condition: &Map<String, Value>, mailbox: &Map<String, Value>) -> bool {
    condition.iter().all(|(name, value)| match name.as_str() {
        "name" => fold(mailbox["name"].as_str().unwrap_or(""))
            .contains(&fold(value.as_str().unwrap_or(""))),
        "hasAnyRole" => mailbox["role"].is_null() != value.as_bool().unwrap_or(false),
        other => mailbox.get(other) == Some(value),
    })
}

/// Mailbox/queryChanges: not tracked (the query said `canCalculateChanges: false`).
pub(crate) fn query_changes(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let mut args = Arguments::new(arguments);
    let request = QueryChangesRequest::from_arguments(&mut args)?;
    let _: Option<bool> = args.optional("sortAsTree")?;
    let _: Option<bool> = args.optional("filterAsTree")?;
    args.finish()?;
    request.parse_filter(condition)?;
    not_tracked(call, &request)
}

/// The answer of a `/queryChanges` whose `/query` said `canCalculateChanges: false`
/// (RFC 8620 §5.6): `cannotCalculateChanges`, once the account is checked.
fn not_tracked(call: &Call<'_>, request: &QueryChangesRequest) -> Result<Value, MethodError> {
    call.account(&request.account_id)?;
    Err(MethodError::with_description(
        MethodErrorType::CannotCalculateChanges,
        "These query results are not tracked: run the query again.",
    ))
}

/// EmailSubmission/queryChanges and Quota/queryChanges: not tracked either.
pub(crate) fn other_query_changes(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    not_tracked(call, &QueryChangesRequest::parse(arguments)?)
}
