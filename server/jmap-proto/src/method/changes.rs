//! `Foo/changes` (RFC 8620 §5.2).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Arguments, parse_all};
use crate::error::MethodError;
use crate::id::Id;

/// The arguments of `Foo/changes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangesRequest {
    /// The account to use.
    pub account_id: Id,
    /// The client's state, from a `Foo/get` response.
    pub since_state: String,
    /// At most this many ids across created, updated and destroyed; when
    /// given, greater than 0 (0 or negative is `invalidArguments`).
    pub max_changes: Option<u64>,
}

impl ChangesRequest {
    /// Parses the arguments, refusing unknown ones.
    pub fn parse(arguments: Map<String, Value>) -> Result<Self, MethodError> {
        parse_all(arguments, Self::from_arguments)
    }

    /// Takes the standard arguments.
    pub fn from_arguments(args: &mut Arguments) -> Result<Self, MethodError> {
        Ok(ChangesRequest {
            account_id: args.required("accountId")?,
            since_state: args.required("sinceState")?,
            max_changes: args.positive("maxChanges")?,
        })
    }
}

/// The response of `Foo/changes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangesResponse {
    /// The account used.
    pub account_id: Id,
    /// `sinceState`, echoed.
    pub old_state: String,
    /// The state after applying these changes.
    pub new_state: String,
    /// Whether calling again from `newState` gives more.
    pub has_more_changes: bool,
    /// Records created since the old state.
    pub created: Vec<Id>,
    /// Records updated since the old state.
    pub updated: Vec<Id>,
    /// Records destroyed since the old state.
    pub destroyed: Vec<Id>,
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
        // RFC 8620 §5.7: Todo/changes.
        let r = ChangesRequest::parse(map(json!({
            "accountId": "x", "sinceState": "10324", "maxChanges": 50
        })))
        .unwrap();
        assert_eq!(r.since_state, "10324");
        assert_eq!(r.max_changes, Some(50));
    }

    #[test]
    fn refusals() {
        for v in [
            json!({"accountId": "x"}),
            json!({"accountId": "x", "sinceState": 3}),
            json!({"accountId": "x", "sinceState": "s", "maxChanges": 0}),
            json!({"accountId": "x", "sinceState": "s", "maxChanges": -4}),
            json!({"accountId": "x", "sinceState": "s", "maxChanges": 1.5}),
            json!({"accountId": "x", "sinceState": "s", "since": "s"}),
        ] {
            let e = ChangesRequest::parse(map(v.clone())).unwrap_err();
            assert_eq!(e.kind, MethodErrorType::InvalidArguments, "{v}");
        }
    }

    #[test]
    fn response_round_trip() {
        // RFC 8620 §5.7: the Todo/changes response.
        let v = json!({
            "accountId": "x", "oldState": "10324", "newState": "871903",
            "hasMoreChanges": false, "created": [], "updated": [], "destroyed": ["b"]
        });
        let r: ChangesResponse = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(r.destroyed, vec![Id::new("b").unwrap()]);
        assert_eq!(serde_json::to_value(&r).unwrap(), v);
    }
}
