//! `Foo/query` (RFC 8620 §5.5): arguments, filters, comparators, the
//! window of results to return, and the response.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Arguments, parse_all};
use crate::error::{MethodError, MethodErrorType};
use crate::id::{Id, Int, UnsignedInt};
use crate::request::kind;

/// How deeply FilterOperators may nest before the filter is
/// `unsupportedFilter`.
pub const MAX_FILTER_DEPTH: usize = 32;

/// The `operator` of a FilterOperator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterOperator {
    /// `AND`: all conditions match.
    And,
    /// `OR`: at least one condition matches.
    Or,
    /// `NOT`: no condition matches.
    Not,
}

impl FilterOperator {
    /// The operator named `s` (case-sensitive).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "AND" => Some(FilterOperator::And),
            "OR" => Some(FilterOperator::Or),
            "NOT" => Some(FilterOperator::Not),
            _ => None,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterOperator::And => "AND",
            FilterOperator::Or => "OR",
            FilterOperator::Not => "NOT",
        }
    }
}

impl fmt::Display for FilterOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A filter: a FilterOperator over sub-filters, or a FilterCondition
/// whose meaning the data type defines (parsed into `C` by the caller).
#[derive(Debug, Clone, PartialEq)]
pub enum Filter<C> {
    /// `{"operator": ..., "conditions": [...]}`.
    Operator(FilterOperator, Vec<Filter<C>>),
    /// Any object without an `operator` property.
    Condition(C),
}

impl<C> Filter<C> {
    /// Walks a filter value: an object with `operator` is a FilterOperator
    /// (`operator` AND / OR / NOT and a `conditions` array, nothing else);
    /// any other object is a FilterCondition handed to `condition`, which
    /// answers `invalidArguments` or `unsupportedFilter` as it sees fit.
    pub fn parse<F>(value: &Value, condition: &mut F) -> Result<Self, MethodError>
    where
        F: FnMut(&Map<String, Value>) -> Result<C, MethodError>,
    {
        Self::parse_at(value, condition, 0)
    }

    fn parse_at<F>(value: &Value, condition: &mut F, depth: usize) -> Result<Self, MethodError>
    where
        F: FnMut(&Map<String, Value>) -> Result<C, MethodError>,
    {
        let Value::Object(map) = value else {
            return Err(MethodError::invalid_arguments(format!(
                "a filter is a FilterOperator or FilterCondition object, not a {}",
                kind(value)
            )));
        };
        let Some(operator) = map.get("operator") else {
            return condition(map).map(Filter::Condition);
        };
        if depth >= MAX_FILTER_DEPTH {
            return Err(MethodError::with_description(
                MethodErrorType::UnsupportedFilter,
                format!("filter operators nest more than {MAX_FILTER_DEPTH} deep"),
            ));
        }
        let op = operator
            .as_str()
            .and_then(FilterOperator::parse)
            .ok_or_else(|| {
                MethodError::invalid_arguments(format!(
                    "a FilterOperator's operator is \"AND\", \"OR\" or \"NOT\", not {operator}"
                ))
            })?;
        if let Some(other) = map.keys().find(|k| *k != "operator" && *k != "conditions") {
            return Err(MethodError::invalid_arguments(format!(
                "a FilterOperator has only operator and conditions, not {other:?}"
            )));
        }
        let Some(Value::Array(items)) = map.get("conditions") else {
            return Err(MethodError::invalid_arguments(
                "a FilterOperator needs a conditions array",
            ));
        };
        let mut conditions = Vec::with_capacity(items.len());
        for item in items {
            conditions.push(Self::parse_at(item, condition, depth + 1)?);
        }
        Ok(Filter::Operator(op, conditions))
    }

    /// Whether a record matches, `matches` deciding each condition.
    pub fn matches(&self, matches: &mut impl FnMut(&C) -> bool) -> bool {
        match self {
            Filter::Condition(c) => matches(c),
            Filter::Operator(FilterOperator::And, cs) => cs.iter().all(|c| c.matches(matches)),
            Filter::Operator(FilterOperator::Or, cs) => cs.iter().any(|c| c.matches(matches)),
            Filter::Operator(FilterOperator::Not, cs) => !cs.iter().any(|c| c.matches(matches)),
        }
    }
}

fn default_true() -> bool {
    true
}

/// A Comparator of `sort` (RFC 8620 §5.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparator {
    /// The property to compare.
    pub property: String,
    /// Ascending (the default) or descending.
    #[serde(default = "default_true")]
    pub is_ascending: bool,
    /// An RFC 4790 collation identifier; server default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// Properties a data type adds (e.g. Email's `keyword`); unknown ones
    /// are the method's to refuse.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Comparator {
    /// `unsupportedSort` when the collation is not one of `supported`.
    pub fn check_collation<S: AsRef<str>>(&self, supported: &[S]) -> Result<(), MethodError> {
        match &self.collation {
            Some(c) if !supported.iter().any(|s| s.as_ref() == c) => {
                Err(MethodError::with_description(
                    MethodErrorType::UnsupportedSort,
                    format!("the collation {c:?} is not supported"),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// Takes `filter` and checks its structure.
pub(crate) fn take_filter(args: &mut Arguments) -> Result<Option<Value>, MethodError> {
    let filter: Option<Value> = args.optional("filter")?;
    if let Some(f) = &filter {
        Filter::<()>::parse(f, &mut |_| Ok(()))?;
    }
    Ok(filter)
}

/// The arguments of `Foo/query`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryRequest {
    /// The account to use.
    pub account_id: Id,
    /// The filter, its structure checked; walk it with
    /// [`QueryRequest::parse_filter`].
    pub filter: Option<Value>,
    /// The comparators, first one first.
    pub sort: Option<Vec<Comparator>>,
    /// Index of the first result; negative counts from the end. Ignored
    /// when `anchor` is given.
    pub position: i64,
    /// An id whose index (plus `anchor_offset`) gives the first result.
    pub anchor: Option<Id>,
    /// Offset from the anchor's index; ignored without an anchor.
    pub anchor_offset: i64,
    /// At most this many ids.
    pub limit: Option<u64>,
    /// Whether to return `total`.
    pub calculate_total: bool,
}

/// The slice of results a query returns: `results[start..end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryWindow {
    /// The response's `position` (may be past the end: then no ids).
    pub position: u64,
    /// First index, clamped to the results.
    pub start: usize,
    /// One past the last index.
    pub end: usize,
    /// The response's `limit`: set only when the server's maximum replaced
    /// the client's limit (or its absence).
    pub limit: Option<u64>,
}

impl QueryRequest {
    /// Parses the arguments, refusing unknown ones.
    pub fn parse(arguments: Map<String, Value>) -> Result<Self, MethodError> {
        parse_all(arguments, Self::from_arguments)
    }

    /// Takes the standard arguments. A negative `limit`, a non-integer
    /// `position`, or a malformed filter or comparator is
    /// `invalidArguments`.
    pub fn from_arguments(args: &mut Arguments) -> Result<Self, MethodError> {
        Ok(QueryRequest {
            account_id: args.required("accountId")?,
            filter: take_filter(args)?,
            sort: args.optional("sort")?,
            position: args.or_default::<Int>("position")?.get(),
            anchor: args.optional("anchor")?,
            anchor_offset: args.or_default::<Int>("anchorOffset")?.get(),
            limit: args.optional::<UnsignedInt>("limit")?.map(UnsignedInt::get),
            calculate_total: args.or_default("calculateTotal")?,
        })
    }

    /// The filter parsed with `condition` for each FilterCondition.
    pub fn parse_filter<C>(
        &self,
        mut condition: impl FnMut(&Map<String, Value>) -> Result<C, MethodError>,
    ) -> Result<Option<Filter<C>>, MethodError> {
        self.filter
            .as_ref()
            .map(|f| Filter::parse(f, &mut condition))
            .transpose()
    }

    /// Which of the sorted, filtered `results` to return (§5.5): from the
    /// anchor plus offset (`anchorNotFound` if absent) or from `position`
    /// (negative: from the end), both clamped at 0, for at most `limit`
    /// ids, or `max_limit` when that is smaller or the client gave none.
    pub fn window<T: AsRef<str>>(
        &self,
        results: &[T],
        max_limit: Option<u64>,
    ) -> Result<QueryWindow, MethodError> {
        let total = results.len();
        let start: i128 = match &self.anchor {
            Some(anchor) => {
                let index = results
                    .iter()
                    .position(|r| r.as_ref() == anchor.as_str())
                    .ok_or_else(|| {
                        MethodError::with_description(
                            MethodErrorType::AnchorNotFound,
                            format!("the anchor {anchor} is not in the results"),
                        )
                    })?;
                (index as i128 + i128::from(self.anchor_offset)).max(0)
            }
            None if self.position >= 0 => i128::from(self.position),
            None => (total as i128 + i128::from(self.position)).max(0),
        };
        let (effective, reported) = match (self.limit, max_limit) {
            (Some(l), Some(m)) if l > m => (Some(m), Some(m)),
            (None, Some(m)) => (Some(m), Some(m)),
            (l, _) => (l, None),
        };
        let start_index = usize::try_from(start).unwrap_or(usize::MAX).min(total);
        let end = match effective {
            Some(l) => start_index
                .saturating_add(usize::try_from(l).unwrap_or(usize::MAX))
                .min(total),
            None => total,
        };
        Ok(QueryWindow {
            position: u64::try_from(start).unwrap_or(u64::MAX),
            start: start_index,
            end,
            limit: reported,
        })
    }
}

/// The response of `Foo/query`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryResponse {
    /// The account used.
    pub account_id: Id,
    /// The state of this query's results.
    pub query_state: String,
    /// Whether `Foo/queryChanges` works for this filter and sort.
    pub can_calculate_changes: bool,
    /// Index of the first of `ids` in the full results.
    pub position: u64,
    /// The ids in the window.
    pub ids: Vec<Id>,
    /// The number of results; only when `calculateTotal` was true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// The limit the server applied, if it set or changed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    /// RFC 8620 §5.7: the Todo/query call.
    fn todo_query() -> Value {
        json!({
            "accountId": "x",
            "filter": {
                "operator": "OR",
                "conditions": [ { "hasKeyword": "music" }, { "hasKeyword": "video" } ]
            },
            "sort": [{ "property": "title" }],
            "position": 0,
            "limit": 10
        })
    }

    #[derive(Debug, PartialEq)]
    struct HasKeyword(String);

    fn has_keyword(c: &Map<String, Value>) -> Result<HasKeyword, MethodError> {
        match (c.len(), c.get("hasKeyword")) {
            (1, Some(Value::String(k))) => Ok(HasKeyword(k.clone())),
            _ => Err(MethodError::with_description(
                MethodErrorType::UnsupportedFilter,
                "only hasKeyword",
            )),
        }
    }

    #[test]
    fn parses_rfc_example() {
        let q = QueryRequest::parse(map(todo_query())).unwrap();
        assert_eq!(q.limit, Some(10));
        assert!(!q.calculate_total);
        let sort = q.sort.clone().unwrap_or_default();
        assert_eq!(sort[0].property, "title");
        assert!(sort[0].is_ascending, "isAscending defaults to true");
        let filter = q.parse_filter(has_keyword).unwrap();
        assert_eq!(
            filter,
            Some(Filter::Operator(
                FilterOperator::Or,
                vec![
                    Filter::Condition(HasKeyword("music".into())),
                    Filter::Condition(HasKeyword("video".into()))
                ]
            ))
        );
        // Evaluate against a record with keyword "video" only.
        let f = filter.unwrap();
        assert!(f.matches(&mut |c: &HasKeyword| c.0 == "video"));
        assert!(!f.matches(&mut |c: &HasKeyword| c.0 == "jazz"));
    }

    #[test]
    fn rfc_mail_query_arguments() {
        // RFC 8620 §3.7's Email/query, minus the mail-only collapseThreads.
        let mut a = Arguments::new(map(json!({
            "accountId": "A1",
            "filter": { "inMailbox": "id_of_inbox" },
            "sort": [{ "property": "receivedAt", "isAscending": false }],
            "collapseThreads": true,
            "position": 0,
            "limit": 10,
            "calculateTotal": true
        })));
        let q = QueryRequest::from_arguments(&mut a).unwrap();
        let collapse: Option<bool> = a.optional("collapseThreads").unwrap();
        a.finish().unwrap();
        assert_eq!(collapse, Some(true));
        assert!(q.calculate_total);
        assert!(!q.sort.unwrap_or_default()[0].is_ascending);
    }

    #[test]
    fn filter_operators_and_not() {
        let v = json!({"operator": "NOT", "conditions": [
            {"operator": "AND", "conditions": [{"hasKeyword": "a"}, {"hasKeyword": "b"}]}
        ]});
        let f = Filter::parse(&v, &mut has_keyword).unwrap();
        // NOT (a AND b): a record with only "a" matches, one with both not.
        assert!(f.matches(&mut |c: &HasKeyword| c.0 == "a"));
        assert!(!f.matches(&mut |_: &HasKeyword| true));
        // Empty AND matches everything, empty OR nothing.
        let and = Filter::<HasKeyword>::parse(
            &json!({"operator": "AND", "conditions": []}),
            &mut has_keyword,
        )
        .unwrap();
        let or = Filter::<HasKeyword>::parse(
            &json!({"operator": "OR", "conditions": []}),
            &mut has_keyword,
        )
        .unwrap();
        assert!(and.matches(&mut |_| false));
        assert!(!or.matches(&mut |_| true));
    }

    #[test]
    fn malformed_filters() {
        for (f, kind) in [
            (json!("x"), MethodErrorType::InvalidArguments),
            (json!([]), MethodErrorType::InvalidArguments),
            (
                json!({"operator": "XOR", "conditions": []}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"operator": "and", "conditions": []}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"operator": "AND"}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"operator": "AND", "conditions": {}}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"operator": "AND", "conditions": [], "x": 1}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"operator": "AND", "conditions": [3]}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"operator": 1, "conditions": []}),
                MethodErrorType::InvalidArguments,
            ),
            (json!({"colour": "red"}), MethodErrorType::UnsupportedFilter),
        ] {
            let e = Filter::parse(&f, &mut has_keyword).unwrap_err();
            assert_eq!(e.kind, kind, "{f}");
        }
        // Structure is checked at parse time already.
        let mut q = todo_query();
        q["filter"] = json!({"operator": "AND", "conditions": [null]});
        assert!(QueryRequest::parse(map(q)).is_err());
    }

    #[test]
    fn deep_filters_are_unsupported_not_a_crash() {
        let mut v = json!({"hasKeyword": "a"});
        for _ in 0..40 {
            v = json!({"operator": "AND", "conditions": [v]});
        }
        let e = Filter::parse(&v, &mut has_keyword).unwrap_err();
        assert_eq!(e.kind, MethodErrorType::UnsupportedFilter);
    }

    #[test]
    fn argument_refusals() {
        for (patch, name) in [
            (json!({"limit": -1}), "limit"),
            (json!({"position": 1.5}), "position"),
            (json!({"position": 9_007_199_254_740_992u64}), "position"),
            (json!({"anchor": "a b"}), "anchor"),
            (json!({"sort": [{"isAscending": true}]}), "sort"),
            (
                json!({"sort": [{"property": "t", "isAscending": "yes"}]}),
                "sort",
            ),
            (json!({"calculateTotal": 1}), "calculateTotal"),
            (json!({"collapseThreads": true}), "collapseThreads"),
        ] {
            let mut q = todo_query();
            if let (Some(q), Some(p)) = (q.as_object_mut(), patch.as_object()) {
                q.extend(p.clone());
            }
            let e = QueryRequest::parse(map(q)).unwrap_err();
            assert_eq!(e.kind, MethodErrorType::InvalidArguments, "{patch}");
            assert!(e.description.unwrap_or_default().contains(name), "{patch}");
        }
    }

    #[test]
    fn comparator_extra_properties_and_collation() {
        let c: Comparator = serde_json::from_value(json!({
            "property": "hasKeyword", "keyword": "$flagged", "collation": "i;ascii-casemap"
        }))
        .unwrap();
        assert_eq!(c.extra["keyword"], "$flagged");
        assert!(c.check_collation(&["i;ascii-casemap"]).is_ok());
        let e = c.check_collation(&["i;unicode-casemap"]).unwrap_err();
        assert_eq!(e.kind, MethodErrorType::UnsupportedSort);
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            json!({"property": "hasKeyword", "isAscending": true,
                   "collation": "i;ascii-casemap", "keyword": "$flagged"})
        );
    }

    fn query(v: Value) -> QueryRequest {
        let mut base = json!({"accountId": "x"});
        if let (Some(b), Some(p)) = (base.as_object_mut(), v.as_object()) {
            b.extend(p.clone());
        }
        match QueryRequest::parse(map(base)) {
            Ok(q) => q,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn windows() {
        let ids = ["a", "b", "c", "d", "e"];
        let w = |v: Value, max: Option<u64>| query(v).window(&ids, max);
        let range =
            |r: Result<QueryWindow, MethodError>| r.map(|w| (w.position, w.start, w.end, w.limit));
        assert_eq!(range(w(json!({}), None)), Ok((0, 0, 5, None)));
        assert_eq!(
            range(w(json!({"position": 1, "limit": 2}), None)),
            Ok((1, 1, 3, None))
        );
        // Negative position counts from the end, clamped at 0.
        assert_eq!(range(w(json!({"position": -2}), None)), Ok((3, 3, 5, None)));
        assert_eq!(range(w(json!({"position": -9}), None)), Ok((0, 0, 5, None)));
        // Past the end: no ids, not an error.
        assert_eq!(range(w(json!({"position": 7}), None)), Ok((7, 5, 5, None)));
        // Anchor wins over position; offset may be negative; clamped at 0.
        assert_eq!(
            range(w(
                json!({"anchor": "c", "anchorOffset": -1, "position": 4}),
                None
            )),
            Ok((1, 1, 5, None))
        );
        assert_eq!(
            range(w(json!({"anchor": "a", "anchorOffset": -3}), None)),
            Ok((0, 0, 5, None))
        );
        // anchorOffset without an anchor is ignored.
        assert_eq!(
            range(w(json!({"anchorOffset": 3}), None)),
            Ok((0, 0, 5, None))
        );
        let e = w(json!({"anchor": "z"}), None).unwrap_err();
        assert_eq!(e.kind, MethodErrorType::AnchorNotFound);
        // The server's maximum limit, reported only when it applies.
        assert_eq!(
            range(w(json!({"limit": 10}), Some(2))),
            Ok((0, 0, 2, Some(2)))
        );
        assert_eq!(range(w(json!({}), Some(2))), Ok((0, 0, 2, Some(2))));
        assert_eq!(range(w(json!({"limit": 1}), Some(2))), Ok((0, 0, 1, None)));
        assert_eq!(range(w(json!({"limit": 0}), None)), Ok((0, 0, 0, None)));
    }

    #[test]
    fn response_omits_total_unless_requested() {
        let mut r = QueryResponse {
            account_id: Id::new("x").unwrap(),
            query_state: "y13213".into(),
            can_calculate_changes: true,
            position: 0,
            ids: vec![Id::new("a").unwrap()],
            total: None,
            limit: None,
        };
        let v = serde_json::to_value(&r).unwrap();
        assert!(v.get("total").is_none() && v.get("limit").is_none());
        assert_eq!(v["queryState"], "y13213");
        r.total = Some(101);
        assert_eq!(serde_json::to_value(&r).unwrap()["total"], 101);
    }
}
