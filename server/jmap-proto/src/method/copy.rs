//! `Foo/copy` (RFC 8620 §5.4).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Arguments, parse_all};
use crate::error::{MethodError, SetError};
use crate::id::Id;
use crate::session::CoreLimits;

/// The arguments of `Foo/copy`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyRequest {
    /// The account to copy from.
    pub from_account_id: Id,
    /// When given, `stateMismatch` unless the from account is in it.
    pub if_from_in_state: Option<String>,
    /// The account to copy to; never `fromAccountId`.
    pub account_id: Id,
    /// When given, `stateMismatch` unless the target account is in it.
    pub if_in_state: Option<String>,
    /// Creation id to the object to copy: its `id` in the from account
    /// ([`CopyRequest::source_id`]) plus properties to override.
    pub create: BTreeMap<Id, Map<String, Value>>,
    /// Whether to destroy the originals copied, by an implicit `Foo/set`
    /// whose response follows this one with the same call id.
    pub on_success_destroy_original: bool,
    /// The `ifInState` of that implicit `Foo/set`.
    pub destroy_from_if_in_state: Option<String>,
}

impl CopyRequest {
    /// Parses the arguments, refusing unknown ones.
    pub fn parse(arguments: Map<String, Value>, limits: &CoreLimits) -> Result<Self, MethodError> {
        parse_all(arguments, |a| Self::from_arguments(a, limits))
    }

    /// Takes the standard arguments. `accountId` equal to `fromAccountId`
    /// is `invalidArguments`; more than `maxObjectsInSet` creates is
    /// `requestTooLarge` (the RFC sets no limit for /copy; a copy writes
    /// like a `/set` create, so this server holds it to the same one).
    pub fn from_arguments(args: &mut Arguments, limits: &CoreLimits) -> Result<Self, MethodError> {
        let request = CopyRequest {
            from_account_id: args.required("fromAccountId")?,
            if_from_in_state: args.optional("ifFromInState")?,
            account_id: args.required("accountId")?,
            if_in_state: args.optional("ifInState")?,
            create: args.required("create")?,
            on_success_destroy_original: args.or_default("onSuccessDestroyOriginal")?,
            destroy_from_if_in_state: args.optional("destroyFromIfInState")?,
        };
        if request.account_id == request.from_account_id {
            return Err(MethodError::invalid_arguments(
                "accountId must differ from fromAccountId",
            ));
        }
        if request.create.len() as u64 > limits.max_objects_in_set {
            return Err(MethodError::request_too_large(format!(
                "{} objects to copy; at most {} (maxObjectsInSet) in one call",
                request.create.len(),
                limits.max_objects_in_set
            )));
        }
        Ok(request)
    }

    /// The id in the from account of the record `object` copies: its `id`
    /// property, which MUST be there. Otherwise the `invalidProperties`
    /// SetError for that creation.
    pub fn source_id(object: &Map<String, Value>) -> Result<Id, SetError> {
        match object.get("id") {
            Some(Value::String(s)) => Id::new(s.as_str()).map_err(|e| {
                SetError::invalid_properties(["id"]).with_description(format!("id: {e}"))
            }),
            _ => Err(SetError::invalid_properties(["id"])
                .with_description("the id of the record to copy is required")),
        }
    }
}

/// The response of `Foo/copy`. Empty maps are sent as `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyResponse {
    /// The account copied from.
    pub from_account_id: Id,
    /// The account copied to.
    pub account_id: Id,
    /// The target account's state before, if known.
    pub old_state: Option<String>,
    /// The target account's state after.
    pub new_state: String,
    /// Creation id to the server-set properties of the copy (its new `id`).
    #[serde(default)]
    pub created: Option<BTreeMap<Id, Map<String, Value>>>,
    /// Creation id to why it was not copied (`alreadyExists` among others).
    #[serde(default)]
    pub not_created: Option<BTreeMap<Id, SetError>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{MethodErrorType, SetErrorType};
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn parses_rfc_example() {
        // RFC 8620 §5.7: Todo/copy moving "a" from x to y.
        let r = CopyRequest::parse(
            map(json!({
                "fromAccountId": "x", "accountId": "y",
                "create": {"k5122": {"id": "a"}},
                "onSuccessDestroyOriginal": true
            })),
            &CoreLimits::default(),
        )
        .unwrap();
        assert!(r.on_success_destroy_original);
        assert_eq!(r.destroy_from_if_in_state, None);
        let source = CopyRequest::source_id(&r.create["k5122"]).unwrap();
        assert_eq!(source, "a");
    }

    #[test]
    fn refusals() {
        let limits = CoreLimits {
            max_objects_in_set: 1,
            ..CoreLimits::default()
        };
        let cases = [
            (
                json!({"fromAccountId": "x", "accountId": "x", "create": {}}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"fromAccountId": "x", "accountId": "y"}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"fromAccountId": "x", "accountId": "y", "create": null}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"accountId": "y", "create": {}}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"fromAccountId": "x", "accountId": "y", "create": {}, "onSuccessDestroyOriginal": "yes"}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"fromAccountId": "x", "accountId": "y", "create": {"a": {"id": "1"}, "b": {"id": "2"}}}),
                MethodErrorType::RequestTooLarge,
            ),
        ];
        for (v, kind) in cases {
            let e = CopyRequest::parse(map(v.clone()), &limits).unwrap_err();
            assert_eq!(e.kind, kind, "{v}");
        }
    }

    #[test]
    fn source_id_required() {
        let e = CopyRequest::source_id(&map(json!({"title": "t"}))).unwrap_err();
        assert_eq!(e.kind, SetErrorType::InvalidProperties);
        assert_eq!(e.properties, Some(vec!["id".to_string()]));
        assert!(CopyRequest::source_id(&map(json!({"id": "a b"}))).is_err());
    }

    #[test]
    fn response_round_trip() {
        // RFC 8620 §5.7: the Todo/copy response.
        let v = json!({
            "fromAccountId": "x", "accountId": "y",
            "created": {"k5122": {"id": "DAf97"}},
            "oldState": "c1d64ecb038c", "newState": "33844835152b"
        });
        let r: CopyResponse = serde_json::from_value(v).unwrap();
        assert_eq!(r.not_created, None);
        let out = serde_json::to_value(&r).unwrap();
        assert_eq!(out["created"]["k5122"]["id"], "DAf97");
        assert_eq!(out["notCreated"], Value::Null);
    }
}
