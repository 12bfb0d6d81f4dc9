//! `Foo/set` (RFC 8620 §5.3).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Arguments, PatchObject, parse_all};
use crate::error::{MethodError, SetError};
use crate::id::{Id, IdRef};
use crate::session::CoreLimits;

/// The arguments of `Foo/set`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetRequest {
    /// The account to use.
    pub account_id: Id,
    /// When given, the method fails with `stateMismatch` unless the
    /// current state is this one.
    pub if_in_state: Option<String>,
    /// Creation id to the object to create.
    pub create: Option<BTreeMap<Id, Map<String, Value>>>,
    /// Id (or `#creationId`) to the patch to apply.
    pub update: Option<BTreeMap<IdRef, PatchObject>>,
    /// Ids (or `#creationId`s) to destroy.
    pub destroy: Option<Vec<IdRef>>,
}

impl SetRequest {
    /// Parses the arguments, refusing unknown ones.
    pub fn parse(arguments: Map<String, Value>, limits: &CoreLimits) -> Result<Self, MethodError> {
        parse_all(arguments, |a| Self::from_arguments(a, limits))
    }

    /// Takes the standard arguments; more than `maxObjectsInSet` creates,
    /// updates and destroys together is `requestTooLarge`.
    pub fn from_arguments(args: &mut Arguments, limits: &CoreLimits) -> Result<Self, MethodError> {
        let request = SetRequest {
            account_id: args.required("accountId")?,
            if_in_state: args.optional("ifInState")?,
            create: args.optional("create")?,
            update: args.optional("update")?,
            destroy: args.optional("destroy")?,
        };
        let count = request.object_count();
        if count as u64 > limits.max_objects_in_set {
            return Err(MethodError::request_too_large(format!(
                "{count} objects to create, update or destroy; at most {} (maxObjectsInSet) in one call",
                limits.max_objects_in_set
            )));
        }
        Ok(request)
    }

    /// Creates + updates + destroys.
    pub fn object_count(&self) -> usize {
        self.create.as_ref().map_or(0, BTreeMap::len)
            + self.update.as_ref().map_or(0, BTreeMap::len)
            + self.destroy.as_ref().map_or(0, Vec::len)
    }
}

/// The response of `Foo/set`. Empty maps and lists are sent as `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetResponse {
    /// The account used.
    pub account_id: Id,
    /// The state before the changes, if known.
    pub old_state: Option<String>,
    /// The state after the changes.
    pub new_state: String,
    /// Creation id to the properties the client did not send (server-set
    /// ones such as `id`, and defaults).
    #[serde(default)]
    pub created: Option<BTreeMap<Id, Map<String, Value>>>,
    /// Id to the properties that changed other than as asked, or null.
    #[serde(default)]
    pub updated: Option<BTreeMap<Id, Option<Map<String, Value>>>>,
    /// The ids destroyed.
    #[serde(default)]
    pub destroyed: Option<Vec<Id>>,
    /// Creation id to why it was not created.
    #[serde(default)]
    pub not_created: Option<BTreeMap<Id, SetError>>,
    /// Id (as the client gave it) to why it was not updated.
    #[serde(default)]
    pub not_updated: Option<BTreeMap<IdRef, SetError>>,
    /// Id (as the client gave it) to why it was not destroyed.
    #[serde(default)]
    pub not_destroyed: Option<BTreeMap<IdRef, SetError>>,
}

impl SetResponse {
    /// A response with nothing done yet.
    pub fn new(account_id: Id, old_state: Option<String>, new_state: impl Into<String>) -> Self {
        SetResponse {
            account_id,
            old_state,
            new_state: new_state.into(),
            created: None,
            updated: None,
            destroyed: None,
            not_created: None,
            not_updated: None,
            not_destroyed: None,
        }
    }

    /// Records a creation.
    pub fn add_created(&mut self, creation_id: Id, server_set: Map<String, Value>) {
        self.created
            .get_or_insert_with(BTreeMap::new)
            .insert(creation_id, server_set);
    }

    /// Records an update (`None` when nothing changed beyond the patch).
    pub fn add_updated(&mut self, id: Id, changed: Option<Map<String, Value>>) {
        self.updated
            .get_or_insert_with(BTreeMap::new)
            .insert(id, changed);
    }

    /// Records a destruction.
    pub fn add_destroyed(&mut self, id: Id) {
        self.destroyed.get_or_insert_with(Vec::new).push(id);
    }

    /// Records a refused creation.
    pub fn add_not_created(&mut self, creation_id: Id, error: SetError) {
        self.not_created
            .get_or_insert_with(BTreeMap::new)
            .insert(creation_id, error);
    }

    /// Records a refused update.
    pub fn add_not_updated(&mut self, id: IdRef, error: SetError) {
        self.not_updated
            .get_or_insert_with(BTreeMap::new)
            .insert(id, error);
    }

    /// Records a refused destruction.
    pub fn add_not_destroyed(&mut self, id: IdRef, error: SetError) {
        self.not_destroyed
            .get_or_insert_with(BTreeMap::new)
            .insert(id, error);
    }
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
    fn parses_rfc_examples() {
        let limits = CoreLimits::default();
        // RFC 8620 §5.7: minimal patch with ifInState.
        let r = SetRequest::parse(
            map(json!({
                "accountId": "x", "ifInState": "10324",
                "update": {"a": {"keywords/chopin": true, "keywords/mozart": null}}
            })),
            &limits,
        )
        .unwrap();
        assert_eq!(r.if_in_state.as_deref(), Some("10324"));
        let update = r.update.unwrap_or_default();
        let key = IdRef::parse("a").unwrap();
        assert_eq!(update[&key].0.len(), 2);
        // RFC 8620 §5.7: create with a creation id referenced in an update.
        let r = SetRequest::parse(
            map(json!({
                "accountId": "x",
                "create": {"k15": {"title": "Warm up with scales"}},
                "update": {"a": {"subTodoIds": ["#k15"]}}
            })),
            &limits,
        )
        .unwrap();
        assert_eq!(r.object_count(), 2);
        let create = r.create.unwrap_or_default();
        assert_eq!(create["k15"]["title"], "Warm up with scales");
    }

    #[test]
    fn creation_references_in_update_and_destroy() {
        let r = SetRequest::parse(
            map(json!({"accountId": "x", "update": {"#k1": {"name": "n"}}, "destroy": ["#k2", "b"]})),
            &CoreLimits::default(),
        )
        .unwrap();
        let destroy = r.destroy.unwrap_or_default();
        assert_eq!(destroy[0], IdRef::Creation(Id::new("k2").unwrap()));
        assert_eq!(destroy[1], IdRef::Id(Id::new("b").unwrap()));
        assert!(
            r.update
                .unwrap_or_default()
                .contains_key(&IdRef::Creation(Id::new("k1").unwrap()))
        );
    }

    #[test]
    fn refusals() {
        let limits = CoreLimits {
            max_objects_in_set: 3,
            ..CoreLimits::default()
        };
        let cases = [
            (
                json!({"accountId": "x", "create": {"k 1": {}}}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"accountId": "x", "create": {"k1": 5}}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"accountId": "x", "update": {"a": []}}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"accountId": "x", "destroy": "a"}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"accountId": "x", "destroy": ["#"]}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"accountId": "x", "ifInState": 1}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"accountId": "x", "onDestroyRemoveEmails": true}),
                MethodErrorType::InvalidArguments,
            ),
            (
                json!({"accountId": "x", "create": {"k1": {}, "k2": {}}, "destroy": ["a", "b"]}),
                MethodErrorType::RequestTooLarge,
            ),
        ];
        for (v, kind) in cases {
            let e = SetRequest::parse(map(v.clone()), &limits).unwrap_err();
            assert_eq!(e.kind, kind, "{v}");
        }
        let ok =
            json!({"accountId": "x", "create": {"k1": {}}, "update": {"a": {}}, "destroy": ["b"]});
        assert!(SetRequest::parse(map(ok), &limits).is_ok());
    }

    #[test]
    fn response_shape() {
        // RFC 8620 §5.7: the Todo/set response, plus each kind of outcome.
        let mut r = SetResponse::new(Id::new("x").unwrap(), Some("10324".into()), "10329");
        r.add_updated(
            Id::new("a").unwrap(),
            Some(map(json!({"neuralNetworkTimeEstimation": 5400}))),
        );
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v["updated"],
            json!({"a": {"neuralNetworkTimeEstimation": 5400}})
        );
        assert_eq!(v["created"], Value::Null);
        assert_eq!(v["oldState"], "10324");
        r.add_created(Id::new("k15").unwrap(), map(json!({"id": "T9"})));
        r.add_destroyed(Id::new("b").unwrap());
        r.add_not_created(
            Id::new("k16").unwrap(),
            SetError::invalid_properties(["title"]),
        );
        r.add_not_updated(IdRef::parse("#k17").unwrap(), SetError::not_found());
        r.add_not_destroyed(
            IdRef::parse("c").unwrap(),
            SetError::new(SetErrorType::Forbidden),
        );
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["notUpdated"], json!({"#k17": {"type": "notFound"}}));
        assert_eq!(v["notCreated"]["k16"]["properties"], json!(["title"]));
        assert_eq!(v["destroyed"], json!(["b"]));
        let back: SetResponse = serde_json::from_value(v).unwrap();
        assert_eq!(back, r);
    }
}
