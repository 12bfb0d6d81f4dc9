//! The API request and response (RFC 8620 §3.2 to §3.4) and the
//! request-level errors (§3.6.1) as RFC 7807 problem details.
//!
//! [`parse_request`] is the server's entry point for a POSTed body. It tells
//! apart, in this order:
//!
//! 1. `limit` / `maxSizeRequest`: the body is larger than allowed;
//! 2. `notJSON`: not UTF-8, not JSON, or not I-JSON (RFC 7493: a duplicate
//!    member name in any object, a lone surrogate in a string);
//! 3. `notRequest`: JSON, but not of the Request type (§3.3), with a detail
//!    naming the first place where it differs;
//! 4. `limit` / `maxCallsInRequest`: too many method calls;
//! 5. `unknownCapability`: a `using` entry the server does not support.
//!
//! Checking the content type (also `notJSON`) and `maxConcurrentRequests`
//! is left to the HTTP layer, which can build those errors with
//! [`RequestError::not_json`] and [`RequestError::limit`].

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use crate::id::Id;
use crate::session::{CoreLimits, limit};

/// The content type of an RFC 7807 problem details body.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// A method call or a method response (RFC 8620 §3.2): on the wire the
/// 3-element array `[name, arguments, methodCallId]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// The method name, or the response name.
    pub name: String,
    /// The named arguments.
    pub arguments: Map<String, Value>,
    /// The client's method call id, echoed in every response to the call.
    pub call_id: String,
}

impl Invocation {
    /// An invocation from its three parts.
    pub fn new(
        name: impl Into<String>,
        arguments: Map<String, Value>,
        call_id: impl Into<String>,
    ) -> Self {
        Invocation {
            name: name.into(),
            arguments,
            call_id: call_id.into(),
        }
    }
}

impl Serialize for Invocation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut t = serializer.serialize_tuple(3)?;
        t.serialize_element(&self.name)?;
        t.serialize_element(&self.arguments)?;
        t.serialize_element(&self.call_id)?;
        t.end()
    }
}

impl<'de> Deserialize<'de> for Invocation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InvocationVisitor;
        impl<'de> Visitor<'de> for InvocationVisitor {
            type Value = Invocation;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an Invocation: [name, arguments object, method call id]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Invocation, A::Error> {
                let name: String = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let arguments: Map<String, Value> = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                let call_id: String = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(2, &self))?;
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(4, &self));
                }
                Ok(Invocation {
                    name,
                    arguments,
                    call_id,
                })
            }
        }
        deserializer.deserialize_seq(InvocationVisitor)
    }
}

/// A Request object (RFC 8620 §3.3).
///
/// Unknown properties are ignored, as the RFC requires. The `Deserialize`
/// impl is for clients and tests; a server should use [`parse_request`],
/// which also enforces I-JSON, the limits and the capabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// The capabilities the client wishes to use.
    pub using: Vec<String>,
    /// The method calls, to be processed in order.
    pub method_calls: Vec<Invocation>,
    /// Creation id to server id, when the client passed one: the response
    /// then carries the map too (§3.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_ids: Option<BTreeMap<Id, Id>>,
}

impl Request {
    /// Whether the client listed `capability` in `using`.
    pub fn uses(&self, capability: &str) -> bool {
        self.using.iter().any(|c| c == capability)
    }
}

/// A Response object (RFC 8620 §3.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// The responses, in processing order.
    pub method_responses: Vec<Invocation>,
    /// Only when the request had `createdIds`: all of them plus those
    /// created while processing it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_ids: Option<BTreeMap<Id, Id>>,
    /// The Session's current `state` (§2).
    pub session_state: String,
}

/// What [`parse_request`] checks a request against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLimits {
    /// `maxSizeRequest`, in octets.
    pub max_size_request: u64,
    /// `maxCallsInRequest`.
    pub max_calls_in_request: u64,
    /// The capability URIs the server supports: the keys of the Session's
    /// `capabilities` (§2). Any other `using` entry is `unknownCapability`.
    pub capabilities: Vec<String>,
}

impl RequestLimits {
    /// The request limits of `limits`, accepting `capabilities` in `using`.
    pub fn new<S: Into<String>>(
        limits: &CoreLimits,
        capabilities: impl IntoIterator<Item = S>,
    ) -> Self {
        RequestLimits {
            max_size_request: limits.max_size_request,
            max_calls_in_request: limits.max_calls_in_request,
            capabilities: capabilities.into_iter().map(Into::into).collect(),
        }
    }
}

/// A request-level error (RFC 8620 §3.6.1): the whole request is refused
/// with an HTTP error whose body is an RFC 7807 problem details object
/// ([`RequestError::problem`], or serialize the error itself).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// `urn:ietf:params:jmap:error:unknownCapability`: a `using` entry the
    /// server does not support.
    #[error("unknownCapability: {detail}")]
    UnknownCapability {
        /// The first unsupported capability.
        capability: String,
        /// The explanation sent as `detail`.
        detail: String,
    },
    /// `urn:ietf:params:jmap:error:notJSON`: not `application/json`, or not
    /// I-JSON.
    #[error("notJSON: {detail}")]
    NotJson {
        /// The explanation sent as `detail`.
        detail: String,
    },
    /// `urn:ietf:params:jmap:error:notRequest`: JSON, but not a Request.
    #[error("notRequest: {detail}")]
    NotRequest {
        /// The explanation sent as `detail`.
        detail: String,
    },
    /// `urn:ietf:params:jmap:error:limit`: a request limit was exceeded.
    #[error("limit {limit}: {detail}")]
    Limit {
        /// The limit's name, e.g. `maxCallsInRequest` (see
        /// [`crate::session::limit`]).
        limit: String,
        /// The explanation sent as `detail`.
        detail: String,
    },
}

impl RequestError {
    /// `notJSON` with that detail.
    pub fn not_json(detail: impl Into<String>) -> Self {
        RequestError::NotJson {
            detail: detail.into(),
        }
    }

    /// `notRequest` with that detail.
    pub fn not_request(detail: impl Into<String>) -> Self {
        RequestError::NotRequest {
            detail: detail.into(),
        }
    }

    /// `limit` naming `limit`, with that detail.
    pub fn limit(limit: impl Into<String>, detail: impl Into<String>) -> Self {
        RequestError::Limit {
            limit: limit.into(),
            detail: detail.into(),
        }
    }

    /// The problem `type` URI.
    pub fn type_uri(&self) -> &'static str {
        match self {
            RequestError::UnknownCapability { .. } => {
                "urn:ietf:params:jmap:error:unknownCapability"
            }
            RequestError::NotJson { .. } => "urn:ietf:params:jmap:error:notJSON",
            RequestError::NotRequest { .. } => "urn:ietf:params:jmap:error:notRequest",
            RequestError::Limit { .. } => "urn:ietf:params:jmap:error:limit",
        }
    }

    /// The problem `title`: a short summary of the type (RFC 7807 §3.1).
    pub fn title(&self) -> &'static str {
        match self {
            RequestError::UnknownCapability { .. } => "Unknown capability",
            RequestError::NotJson { .. } => "Not JSON",
            RequestError::NotRequest { .. } => "Not a JMAP Request",
            RequestError::Limit { .. } => "Request limit exceeded",
        }
    }

    /// The HTTP status: 400 for each (the RFC's examples use 400, also for
    /// `maxSizeRequest`).
    pub fn status(&self) -> u16 {
        400
    }

    /// The explanation sent as `detail`.
    pub fn detail(&self) -> &str {
        match self {
            RequestError::UnknownCapability { detail, .. }
            | RequestError::NotJson { detail }
            | RequestError::NotRequest { detail }
            | RequestError::Limit { detail, .. } => detail,
        }
    }

    /// The limit's name for `limit` errors.
    pub fn limit_name(&self) -> Option<&str> {
        match self {
            RequestError::Limit { limit, .. } => Some(limit),
            _ => None,
        }
    }

    /// The RFC 7807 problem details object: `type`, `title`, `status`,
    /// `detail`, and `limit` for limit errors.
    pub fn problem(&self) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), Value::String(self.type_uri().into()));
        map.insert("title".into(), Value::String(self.title().into()));
        map.insert("status".into(), Value::Number(self.status().into()));
        map.insert("detail".into(), Value::String(self.detail().into()));
        if let Some(l) = self.limit_name() {
            map.insert("limit".into(), Value::String(l.into()));
        }
        Value::Object(map)
    }
}

impl Serialize for RequestError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let limit = self.limit_name();
        let mut m = serializer.serialize_map(Some(if limit.is_some() { 5 } else { 4 }))?;
        m.serialize_entry("type", self.type_uri())?;
        m.serialize_entry("title", self.title())?;
        m.serialize_entry("status", &self.status())?;
        m.serialize_entry("detail", self.detail())?;
        if let Some(l) = limit {
            m.serialize_entry("limit", l)?;
        }
        m.end()
    }
}

/// Parses and checks an API request body (RFC 8620 §3.3, §3.6.1); see the
/// module documentation for the order of the checks.
pub fn parse_request(body: &[u8], limits: &RequestLimits) -> Result<Request, RequestError> {
    check_size(body, limits)?;
    request_from_value(parse_i_json(body)?, limits)
}

/// `limit` / `maxSizeRequest` for a body over the limit.
pub(crate) fn check_size(body: &[u8], limits: &RequestLimits) -> Result<(), RequestError> {
    if u64::try_from(body.len()).map_or(true, |n| n > limits.max_size_request) {
        return Err(RequestError::limit(
            limit::MAX_SIZE_REQUEST,
            format!(
                "The request is {} octets, larger than the {} octets this server is willing to process.",
                body.len(),
                limits.max_size_request
            ),
        ));
    }
    Ok(())
}

/// The checks of [`parse_request`] after the size and I-JSON ones, on a parsed body (a
/// WebSocket message is parsed once for its `@type`, RFC 8887 §4.3).
pub(crate) fn request_from_value(
    value: Value,
    limits: &RequestLimits,
) -> Result<Request, RequestError> {
    let Value::Object(mut top) = value else {
        return Err(RequestError::not_request(format!(
            "The request is a JSON {}; a Request is an object with \"using\" and \"methodCalls\".",
            kind(&value)
        )));
    };
    let using = match top.remove("using") {
        Some(Value::Array(items)) => {
            let mut using = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                match item {
                    Value::String(s) => using.push(s),
                    other => {
                        return Err(RequestError::not_request(format!(
                            "\"using\"[{i}] is a {}; capabilities are strings.",
                            kind(&other)
                        )));
                    }
                }
            }
            using
        }
        Some(other) => {
            return Err(RequestError::not_request(format!(
                "\"using\" is a {}; it must be an array of capability strings.",
                kind(&other)
            )));
        }
        None => {
            return Err(RequestError::not_request(
                "The Request has no \"using\" property (the array of capabilities it uses).",
            ));
        }
    };
    let calls = match top.remove("methodCalls") {
        Some(Value::Array(calls)) => calls,
        Some(other) => {
            return Err(RequestError::not_request(format!(
                "\"methodCalls\" is a {}; it must be an array of Invocations.",
                kind(&other)
            )));
        }
        None => {
            return Err(RequestError::not_request(
                "The Request has no \"methodCalls\" property (the array of method calls).",
            ));
        }
    };
    if u64::try_from(calls.len()).map_or(true, |n| n > limits.max_calls_in_request) {
        return Err(RequestError::limit(
            limit::MAX_CALLS_IN_REQUEST,
            format!(
                "The request has {} method calls; this server accepts at most {} in one request.",
                calls.len(),
                limits.max_calls_in_request
            ),
        ));
    }
    let mut method_calls = Vec::with_capacity(calls.len());
    for (i, call) in calls.into_iter().enumerate() {
        method_calls.push(
            invocation_from_value(call)
                .map_err(|d| RequestError::not_request(format!("\"methodCalls\"[{i}] {d}")))?,
        );
    }
    let created_ids = match top.remove("createdIds") {
        None => None,
        Some(Value::Object(map)) => {
            let mut ids = BTreeMap::new();
            for (k, v) in map {
                let key = Id::new(k.as_str()).map_err(|e| {
                    RequestError::not_request(format!(
                        "\"createdIds\" has the key {k:?}, which is not an Id: {e}."
                    ))
                })?;
                let val = match v {
                    Value::String(s) => Id::new(s.as_str()).map_err(|e| {
                        RequestError::not_request(format!(
                            "\"createdIds\"[{k:?}] is {s:?}, which is not an Id: {e}."
                        ))
                    })?,
                    other => {
                        return Err(RequestError::not_request(format!(
                            "\"createdIds\"[{k:?}] is a {}; it must be an Id string.",
                            kind(&other)
                        )));
                    }
                };
                ids.insert(key, val);
            }
            Some(ids)
        }
        Some(other) => {
            return Err(RequestError::not_request(format!(
                "\"createdIds\" is a {}; it must be an object mapping creation ids to ids.",
                kind(&other)
            )));
        }
    };
    if let Some(unknown) = using
        .iter()
        .find(|c| !limits.capabilities.iter().any(|s| s == *c))
    {
        return Err(RequestError::UnknownCapability {
            capability: unknown.clone(),
            detail: format!(
                "The Request object used capability {unknown:?}, which is not supported by this server."
            ),
        });
    }
    Ok(Request {
        using,
        method_calls,
        created_ids,
    })
}

/// Checks one `methodCalls` item; the error completes "methodCalls[i] ...".
fn invocation_from_value(value: Value) -> Result<Invocation, String> {
    let Value::Array(items) = value else {
        return Err(format!(
            "is a {}; an Invocation is an array of [name, arguments, method call id].",
            kind(&value)
        ));
    };
    let n = items.len();
    let Ok([name, arguments, call_id]) = <[Value; 3]>::try_from(items) else {
        return Err(format!(
            "has {n} elements; an Invocation is exactly [name, arguments, method call id]."
        ));
    };
    let Value::String(name) = name else {
        return Err(format!(
            "has a {} as its method name; it must be a string.",
            kind(&name)
        ));
    };
    let Value::Object(arguments) = arguments else {
        return Err(format!(
            "({name}) has a {} as its arguments; they must be an object.",
            kind(&arguments)
        ));
    };
    let Value::String(call_id) = call_id else {
        return Err(format!(
            "({name}) has a {} as its method call id; it must be a string.",
            kind(&call_id)
        ));
    };
    Ok(Invocation {
        name,
        arguments,
        call_id,
    })
}

/// The JSON type of `v`, for messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Parses I-JSON (RFC 7493) into a `Value`, as `notJSON` on failure.
pub(crate) fn parse_i_json(body: &[u8]) -> Result<Value, RequestError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        RequestError::not_json(format!(
            "The request body is not UTF-8 (invalid octet at offset {}); JMAP requests are UTF-8 JSON.",
            e.valid_up_to()
        ))
    })?;
    match serde_json::from_str::<IJson>(text) {
        Ok(IJson(v)) => Ok(v),
        Err(e) => Err(RequestError::not_json(format!(
            "The request body is not valid I-JSON: {e}."
        ))),
    }
}

/// A JSON value read strictly: an object with a repeated member name is an
/// error (RFC 7493 §2.3) rather than "last one wins". Depth is bounded by
/// serde_json's recursion limit.
struct IJson(Value);

impl<'de> Deserialize<'de> for IJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IJsonVisitor).map(IJson)
    }
}

struct IJsonVisitor;

impl<'de> Visitor<'de> for IJsonVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(IJson(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let IJson(value) = access.next_value()?;
            if map.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "the member name {key:?} appears twice in one object"
                )));
            }
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capability;
    use serde_json::json;

    fn limits() -> RequestLimits {
        RequestLimits::new(&CoreLimits::default(), [capability::CORE, capability::MAIL])
    }

    fn parse(v: &Value) -> Result<Request, RequestError> {
        parse_request(&serde_json::to_vec(v).unwrap(), &limits())
    }

    #[test]
    fn parses_rfc_example_request() {
        // RFC 8620 §3.3.1
        let body = br#"{
          "using": [ "urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail" ],
          "methodCalls": [
            [ "method1", { "arg1": "arg1data", "arg2": "arg2data" }, "c1" ],
            [ "method2", { "arg1": "arg1data" }, "c2" ],
            [ "method3", {}, "c3" ]
          ]
        }"#;
        let req = parse_request(body, &limits()).unwrap();
        assert_eq!(req.using.len(), 2);
        assert!(req.uses(capability::MAIL) && !req.uses(capability::QUOTA));
        assert_eq!(req.method_calls.len(), 3);
        assert_eq!(req.method_calls[0].name, "method1");
        assert_eq!(req.method_calls[0].arguments["arg2"], json!("arg2data"));
        assert_eq!(req.method_calls[2].call_id, "c3");
        assert!(req.method_calls[2].arguments.is_empty());
        assert_eq!(req.created_ids, None);
    }

    #[test]
    fn response_serializes_like_rfc_example() {
        // RFC 8620 §3.4.1
        let resp = Response {
            method_responses: vec![
                Invocation::new(
                    "method1",
                    json!({"arg1": 3, "arg2": "foo"})
                        .as_object()
                        .cloned()
                        .unwrap(),
                    "c1",
                ),
                Invocation::new(
                    "error",
                    json!({"type": "unknownMethod"})
                        .as_object()
                        .cloned()
                        .unwrap(),
                    "c3",
                ),
            ],
            created_ids: None,
            session_state: "75128aab4b1b".into(),
        };
        let v = serde_json::to_value(&resp).unwrap();
        assert_eq!(
            v,
            json!({
                "methodResponses": [
                    ["method1", {"arg1": 3, "arg2": "foo"}, "c1"],
                    ["error", {"type": "unknownMethod"}, "c3"]
                ],
                "sessionState": "75128aab4b1b"
            })
        );
        let back: Response = serde_json::from_value(v).unwrap();
        assert_eq!(back, resp);
    }

    #[test]
    fn created_ids_kept_and_checked() {
        let req = parse(&json!({
            "using": [], "methodCalls": [], "createdIds": {"k1": "M1"}
        }))
        .unwrap();
        let ids = req.created_ids.unwrap();
        assert_eq!(ids.get("k1").map(Id::as_str), Some("M1"));
        for bad in [
            json!({"using": [], "methodCalls": [], "createdIds": {"k 1": "M1"}}),
            json!({"using": [], "methodCalls": [], "createdIds": {"k1": "M/1"}}),
            json!({"using": [], "methodCalls": [], "createdIds": {"k1": 1}}),
            json!({"using": [], "methodCalls": [], "createdIds": []}),
        ] {
            assert!(
                matches!(parse(&bad), Err(RequestError::NotRequest { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn unknown_properties_are_ignored() {
        let req = parse(&json!({"using": [], "methodCalls": [], "extension": {"x": 1}}));
        assert!(req.is_ok());
    }

    #[test]
    fn not_json() {
        for body in [
            &b"{"[..],
            b"",
            b"nope",
            b"{\"using\": [], \"methodCalls\": []} trailing",
            b"{\"using\": [\"\xff\"], \"methodCalls\": []}",
            b"\xef\xbb\xbf{}",
            // RFC 7493 §2.3: member names MUST be unique.
            b"{\"using\": [], \"using\": [], \"methodCalls\": []}",
            b"{\"using\": [], \"methodCalls\": [[\"a\", {\"x\": 1, \"x\": 2}, \"c\"]]}",
            // RFC 7493 §2.1: no lone surrogates.
            b"{\"using\": [\"\\ud800\"], \"methodCalls\": []}",
        ] {
            let err = parse_request(body, &limits()).unwrap_err();
            assert_eq!(
                err.type_uri(),
                "urn:ietf:params:jmap:error:notJSON",
                "{:?}: {err}",
                String::from_utf8_lossy(body)
            );
        }
        let err = parse_request(&b"["[..].repeat(1000), &limits()).unwrap_err();
        assert!(matches!(err, RequestError::NotJson { .. }), "{err}");
    }

    #[test]
    fn not_request() {
        let cases = [
            (json!([]), "array"),
            (json!("x"), "string"),
            (json!({"methodCalls": []}), "\"using\""),
            (json!({"using": []}), "\"methodCalls\""),
            (json!({"using": "core", "methodCalls": []}), "\"using\""),
            (json!({"using": [1], "methodCalls": []}), "\"using\"[0]"),
            (json!({"using": [], "methodCalls": {}}), "\"methodCalls\""),
            (json!({"using": [], "methodCalls": ["x"]}), "[0]"),
            (
                json!({"using": [], "methodCalls": [["a", {}]]}),
                "2 elements",
            ),
            (
                json!({"using": [], "methodCalls": [["a", {}, "c", 4]]}),
                "4 elements",
            ),
            (
                json!({"using": [], "methodCalls": [[1, {}, "c"]]}),
                "method name",
            ),
            (
                json!({"using": [], "methodCalls": [["a", [], "c"]]}),
                "arguments",
            ),
            (
                json!({"using": [], "methodCalls": [["a", {}, "c"], ["b", {}, 7]]}),
                "[1]",
            ),
        ];
        for (v, needle) in cases {
            let err = parse(&v).unwrap_err();
            assert_eq!(
                err.type_uri(),
                "urn:ietf:params:jmap:error:notRequest",
                "{v}"
            );
            assert!(err.detail().contains(needle), "{v}: {err}");
        }
    }

    #[test]
    fn too_many_calls_is_limit() {
        let calls: Vec<Value> = (0..17)
            .map(|i| json!(["Core/echo", {}, format!("c{i}")]))
            .collect();
        let err = parse(&json!({"using": [], "methodCalls": calls})).unwrap_err();
        assert_eq!(err.limit_name(), Some("maxCallsInRequest"));
        let p = err.problem();
        assert_eq!(p["type"], "urn:ietf:params:jmap:error:limit");
        assert_eq!(p["limit"], "maxCallsInRequest");
        assert_eq!(p["status"], 400);
        assert!(p["detail"].as_str().unwrap().contains("17"));
        // Exactly at the limit is fine.
        let ok: Vec<Value> = (0..16)
            .map(|i| json!(["Core/echo", {}, format!("c{i}")]))
            .collect();
        assert!(parse(&json!({"using": [], "methodCalls": ok})).is_ok());
    }

    #[test]
    fn too_large_is_limit() {
        let mut l = limits();
        l.max_size_request = 10;
        let err = parse_request(br#"{"using": [], "methodCalls": []}"#, &l).unwrap_err();
        assert_eq!(err.limit_name(), Some("maxSizeRequest"));
    }

    #[test]
    fn unknown_capability() {
        // RFC 8620 §3.6.1.1
        let err = parse(&json!({
            "using": ["urn:ietf:params:jmap:core", "https://example.com/apis/foobar"],
            "methodCalls": []
        }))
        .unwrap_err();
        assert_eq!(
            err,
            RequestError::UnknownCapability {
                capability: "https://example.com/apis/foobar".into(),
                detail: "The Request object used capability \"https://example.com/apis/foobar\", which is not supported by this server.".into(),
            }
        );
        let p = serde_json::to_value(&err).unwrap();
        assert_eq!(p, err.problem());
        assert_eq!(p["type"], "urn:ietf:params:jmap:error:unknownCapability");
        assert_eq!(p["status"], 400);
        assert!(p.get("limit").is_none());
    }

    #[test]
    fn invocation_wire_form() {
        let inv: Invocation =
            serde_json::from_value(json!(["Foo/get", {"ids": null}, "t1"])).unwrap();
        assert_eq!(inv.name, "Foo/get");
        assert_eq!(inv.call_id, "t1");
        assert_eq!(
            serde_json::to_value(&inv).unwrap(),
            json!(["Foo/get", {"ids": null}, "t1"])
        );
        for bad in [
            json!(["Foo/get", {}]),
            json!(["Foo/get", {}, "t1", "x"]),
            json!({"name": "Foo/get"}),
            json!(["Foo/get", 1, "t1"]),
        ] {
            assert!(
                serde_json::from_value::<Invocation>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    /// A small xorshift generator: deterministic, no dependency.
    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        let seed = br##"{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Foo/get",{"accountId":"A1","#ids":{"resultOf":"t0","name":"Foo/query","path":"/ids"}},"t1"]],"createdIds":{"k1":"M1"}}"##;
        let alphabet = b"{}[]\",:0123456789-.eE\\u tfnrl#/*~\x00\xff\xc3\xa9";
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let mut outcomes = [0usize; 5];
        for round in 0..20_000 {
            let body: Vec<u8> = if round % 2 == 0 {
                // Pure noise from a JSON-ish alphabet.
                let len = rng.below(64);
                (0..len)
                    .map(|_| alphabet[rng.below(alphabet.len())])
                    .collect()
            } else {
                // The valid seed with a few bytes changed, dropped or inserted.
                let mut b = seed.to_vec();
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(b.len().max(1));
                    match rng.below(3) {
                        0 if at < b.len() => b[at] = alphabet[rng.below(alphabet.len())],
                        1 if at < b.len() => {
                            b.remove(at);
                        }
                        _ => b.insert(at.min(b.len()), alphabet[rng.below(alphabet.len())]),
                    }
                }
                b
            };
            match parse_request(&body, &limits()) {
                Ok(req) => {
                    outcomes[0] += 1;
                    // Whatever parsed must survive a round trip unchanged.
                    let again = serde_json::to_vec(&req).unwrap();
                    assert_eq!(parse_request(&again, &limits()).unwrap(), req);
                }
                Err(e) => {
                    // notJSON exactly when serde_json itself refuses the bytes
                    // (or they hold a duplicate name, which it accepts).
                    let plain = serde_json::from_slice::<Value>(&body);
                    match &e {
                        RequestError::NotJson { .. } => outcomes[1] += 1,
                        RequestError::NotRequest { .. } => {
                            assert!(plain.is_ok(), "notRequest for non-JSON: {e}");
                            outcomes[2] += 1;
                        }
                        RequestError::UnknownCapability { .. } => {
                            assert!(plain.is_ok());
                            outcomes[3] += 1;
                        }
                        RequestError::Limit { .. } => outcomes[4] += 1,
                    }
                    assert!(!e.detail().is_empty());
                }
            }
        }
        // The mutations reach every outcome but the (unreachable) limit.
        assert!(outcomes[..4].iter().all(|&n| n > 0), "{outcomes:?}");
    }
}
