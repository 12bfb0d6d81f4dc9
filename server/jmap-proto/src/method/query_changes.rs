//! `Foo/queryChanges` (RFC 8620 §5.6).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::query::{Comparator, Filter, take_filter};
use super::{Arguments, parse_all};
use crate::error::MethodError;
use crate::id::Id;

/// The arguments of `Foo/queryChanges`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryChangesRequest {
    /// The account to use.
    pub account_id: Id,
    /// The filter given to `Foo/query`, its structure checked.
    pub filter: Option<Value>,
    /// The sort given to `Foo/query`.
    pub sort: Option<Vec<Comparator>>,
    /// The client's `queryState`.
    pub since_query_state: String,
    /// More changes than this is `tooManyChanges`; when given, > 0.
    pub max_changes: Option<u64>,
    /// The last id the client has cached.
    pub up_to_id: Option<Id>,
    /// Whether to return `total`.
    pub calculate_total: bool,
}

impl QueryChangesRequest {
    /// Parses the arguments, refusing unknown ones.
    pub fn parse(arguments: Map<String, Value>) -> Result<Self, MethodError> {
        parse_all(arguments, Self::from_arguments)
    }

    /// Takes the standard arguments.
    pub fn from_arguments(args: &mut Arguments) -> Result<Self, MethodError> {
        Ok(QueryChangesRequest {
            account_id: args.required("accountId")?,
            filter: take_filter(args)?,
            sort: args.optional("sort")?,
            since_query_state: args.required("sinceQueryState")?,
            max_changes: args.positive("maxChanges")?,
            up_to_id: args.optional("upToId")?,
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
}

/// An id added to the results, at its new index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedItem {
    /// The id.
    pub id: Id,
    /// Its index in the new results.
    pub index: u64,
}

/// The response of `Foo/queryChanges`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryChangesResponse {
    /// The account used.
    pub account_id: Id,
    /// `sinceQueryState`, echoed.
    pub old_query_state: String,
    /// The state after these changes.
    pub new_query_state: String,
    /// The number of results; only when `calculateTotal` was true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Ids no longer in the results (or possibly moved).
    pub removed: Vec<Id>,
    /// Ids added (or moved), lowest index first.
    pub added: Vec<AddedItem>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::MethodErrorType;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn parses_rfc_example() {
        // RFC 8620 §5.7: Todo/queryChanges.
        let r = QueryChangesRequest::parse(map(json!({
            "accountId": "x",
            "filter": {
                "operator": "OR",
                "conditions": [ { "hasKeyword": "music" }, { "hasKeyword": "video" } ]
            },
            "sort": [{ "property": "title" }],
            "sinceQueryState": "y13213",
            "maxChanges": 50
        })))
        .unwrap();
        assert_eq!(r.since_query_state, "y13213");
        assert_eq!(r.max_changes, Some(50));
        let f = r.parse_filter(|c| Ok(c.len())).unwrap();
        assert!(matches!(f, Some(Filter::Operator(_, ref cs)) if cs.len() == 2));
    }

    #[test]
    fn refusals() {
        for v in [
            json!({"accountId": "x"}),
            json!({"accountId": "x", "sinceQueryState": "s", "maxChanges": 0}),
            json!({"accountId": "x", "sinceQueryState": "s", "upToId": ""}),
            json!({"accountId": "x", "sinceQueryState": "s", "filter": {"operator": "NAND", "conditions": []}}),
            json!({"accountId": "x", "sinceQueryState": "s", "position": 0}),
        ] {
            let e = QueryChangesRequest::parse(map(v.clone())).unwrap_err();
            assert_eq!(e.kind, MethodErrorType::InvalidArguments, "{v}");
        }
    }

    #[test]
    fn response_shape() {
        let r = QueryChangesResponse {
            account_id: Id::new("x").unwrap(),
            old_query_state: "y13213".into(),
            new_query_state: "y13218".into(),
            total: None,
            removed: vec![Id::new("b").unwrap()],
            added: vec![AddedItem {
                id: Id::new("id5").unwrap(),
                index: 0,
            }],
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v,
            json!({"accountId": "x", "oldQueryState": "y13213", "newQueryState": "y13218",
                   "removed": ["b"], "added": [{"id": "id5", "index": 0}]})
        );
        assert_eq!(
            serde_json::from_value::<QueryChangesResponse>(v).unwrap(),
            r
        );
    }
}
