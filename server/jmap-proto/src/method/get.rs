//! `Foo/get` (RFC 8620 §5.1).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Arguments, parse_all};
use crate::error::MethodError;
use crate::id::Id;
use crate::session::CoreLimits;

/// The arguments of `Foo/get`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetRequest {
    /// The account to use.
    pub account_id: Id,
    /// The ids to return; `None` (null) for all records, which the method
    /// must itself refuse with `requestTooLarge` when they are more than
    /// `maxObjectsInGet`.
    pub ids: Option<Vec<Id>>,
    /// The properties to return; `None` (null) for all. `id` is always
    /// returned; an unknown property is the method's `invalidArguments`.
    pub properties: Option<Vec<String>>,
}

impl GetRequest {
    /// Parses the arguments, refusing unknown ones.
    pub fn parse(arguments: Map<String, Value>, limits: &CoreLimits) -> Result<Self, MethodError> {
        parse_all(arguments, |a| Self::from_arguments(a, limits))
    }

    /// Takes the standard arguments; more than `maxObjectsInGet` ids is
    /// `requestTooLarge`.
    pub fn from_arguments(args: &mut Arguments, limits: &CoreLimits) -> Result<Self, MethodError> {
        let request = GetRequest {
            account_id: args.required("accountId")?,
            ids: args.optional("ids")?,
            properties: args.optional("properties")?,
        };
        if let Some(ids) = &request.ids
            && ids.len() as u64 > limits.max_objects_in_get
        {
            return Err(MethodError::request_too_large(format!(
                "{} ids requested; at most {} (maxObjectsInGet) in one call",
                ids.len(),
                limits.max_objects_in_get
            )));
        }
        Ok(request)
    }
}

/// The response of `Foo/get`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetResponse<T = Map<String, Value>> {
    /// The account used.
    pub account_id: Id,
    /// The state of all data of this type in the account.
    pub state: String,
    /// The objects found, each id at most once.
    pub list: Vec<T>,
    /// Requested ids that do not exist (empty when `ids` was null).
    pub not_found: Vec<Id>,
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
    fn parses_rfc_shapes() {
        let limits = CoreLimits::default();
        let r = GetRequest::parse(
            map(json!({"accountId": "A1", "ids": ["f1", "f4"], "properties": ["threadId"]})),
            &limits,
        )
        .unwrap();
        assert_eq!(r.account_id, "A1");
        assert_eq!(r.ids.as_deref().map(<[Id]>::len), Some(2));
        assert_eq!(r.properties, Some(vec!["threadId".to_string()]));
        let r = GetRequest::parse(map(json!({"accountId": "A1", "ids": null})), &limits).unwrap();
        assert_eq!((r.ids, r.properties), (None, None));
    }

    #[test]
    fn refusals() {
        let limits = CoreLimits {
            max_objects_in_get: 2,
            ..CoreLimits::default()
        };
        let cases = [
            (
                json!({"ids": []}),
                MethodErrorType::InvalidArguments,
                "accountId",
            ),
            (
                json!({"accountId": "A 1"}),
                MethodErrorType::InvalidArguments,
                "accountId",
            ),
            (
                json!({"accountId": "A1", "ids": ["ok", "not ok"]}),
                MethodErrorType::InvalidArguments,
                "ids",
            ),
            (
                json!({"accountId": "A1", "ids": "f1"}),
                MethodErrorType::InvalidArguments,
                "ids",
            ),
            (
                json!({"accountId": "A1", "properties": [1]}),
                MethodErrorType::InvalidArguments,
                "properties",
            ),
            (
                json!({"accountId": "A1", "fetchAll": true}),
                MethodErrorType::InvalidArguments,
                "fetchAll",
            ),
            (
                json!({"accountId": "A1", "ids": ["a", "b", "c"]}),
                MethodErrorType::RequestTooLarge,
                "maxObjectsInGet",
            ),
        ];
        for (v, kind, needle) in cases {
            let e = GetRequest::parse(map(v.clone()), &limits).unwrap_err();
            assert_eq!(e.kind, kind, "{v}");
            assert!(
                e.description.as_deref().unwrap_or("").contains(needle),
                "{v}: {e}"
            );
        }
        let ok = GetRequest::parse(map(json!({"accountId": "A1", "ids": ["a", "b"]})), &limits);
        assert!(ok.is_ok());
    }

    #[test]
    fn extra_arguments_via_from_arguments() {
        let mut a = Arguments::new(map(
            json!({"accountId": "A1", "bodyProperties": ["partId"]}),
        ));
        let r = GetRequest::from_arguments(&mut a, &CoreLimits::default()).unwrap();
        let extra: Option<Vec<String>> = a.optional("bodyProperties").unwrap();
        assert!(a.finish().is_ok());
        assert_eq!(r.account_id, "A1");
        assert_eq!(extra, Some(vec!["partId".into()]));
    }

    #[test]
    fn response_shape() {
        let resp: GetResponse = GetResponse {
            account_id: Id::new("A1").unwrap(),
            state: "123456".into(),
            list: vec![map(json!({"id": "msg1023", "threadId": "trd194"}))],
            not_found: vec![Id::new("x").unwrap()],
        };
        assert_eq!(
            serde_json::to_value(&resp).unwrap(),
            json!({"accountId": "A1", "state": "123456",
                   "list": [{"id": "msg1023", "threadId": "trd194"}], "notFound": ["x"]})
        );
    }
}
