//! JMAP over WebSocket (RFC 8887): the messages of §4.3, read from a text message and
//! written as JSON values; no I/O (the server's WebSocket loop is kantor-http's `jmap/ws.rs`).
//!
//! A client sends, each in one text message, a JSON object whose `@type` says what it is:
//! a `Request` (§4.3.2, a Request object of RFC 8620 §3.3 with an optional `id`), a
//! `WebSocketPushEnable` (§4.3.5.2) or a `WebSocketPushDisable` (§4.3.5.3). The server
//! answers a Request with a `Response` (§4.3.3) or a `RequestError` (§4.3.4), each carrying
//! the request's `id` as `requestId`, and pushes `StateChange`s ([`crate::push`], §4.3.5.1).

use serde_json::{Map, Value};

use crate::push::StateChange;
use crate::request::{RequestLimits, Response, check_size, kind, parse_i_json, request_from_value};
use crate::{Request, RequestError};

/// The WebSocket subprotocol a client must offer in `Sec-WebSocket-Protocol` (§4.2).
pub const SUBPROTOCOL: &str = "jmap";

/// A message from the client (RFC 8887 §4.3).
#[derive(Debug, Clone, PartialEq)]
pub enum ClientMessage {
    /// `Request` (§4.3.2): the parsed and checked Request, and the client's `id` for it.
    Request {
        id: Option<String>,
        request: Request,
    },
    /// `WebSocketPushEnable` (§4.3.5.2).
    PushEnable {
        /// The type names to push changes of; `None` (null or absent): every type.
        data_types: Option<Vec<String>>,
        /// The `pushState` of the last StateChange the client saw, to be told of what
        /// changed since.
        push_state: Option<String>,
    },
    /// `WebSocketPushDisable` (§4.3.5.3).
    PushDisable,
}

/// A client message that cannot be acted on: the RequestError to answer, with the message's
/// `id` when one could be read (§4.3.4).
#[derive(Debug, Clone, PartialEq)]
pub struct MessageError {
    pub request_id: Option<String>,
    pub error: RequestError,
}

/// Reads one text message (§4.3): the size limit (`maxSizeRequest`), I-JSON, the `@type`,
/// and for a Request every check of [`crate::parse_request`]. Unknown properties are ignored.
pub fn parse_client_message(
    text: &[u8],
    limits: &RequestLimits,
) -> Result<ClientMessage, MessageError> {
    let fail = |request_id: Option<String>, error| MessageError { request_id, error };
    check_size(text, limits).map_err(|e| fail(None, e))?;
    let value = parse_i_json(text).map_err(|e| fail(None, e))?;
    let Value::Object(mut top) = value else {
        let detail = format!(
            "The message is a JSON {}; JMAP messages are objects with an \"@type\".",
            kind(&value)
        );
        return Err(fail(None, RequestError::not_request(detail)));
    };
    let id = match top.remove("id") {
        None => None,
        Some(Value::String(id)) => Some(id),
        Some(other) => {
            let detail = format!("\"id\" is a {}; it must be a string.", kind(&other));
            return Err(fail(None, RequestError::not_request(detail)));
        }
    };
    let type_name = match top.remove("@type") {
        Some(Value::String(name)) => name,
        Some(other) => {
            let detail = format!("\"@type\" is a {}; it must be a string.", kind(&other));
            return Err(fail(id, RequestError::not_request(detail)));
        }
        None => {
            let detail = "The message has no \"@type\" (Request, WebSocketPushEnable or \
                          WebSocketPushDisable).";
            return Err(fail(id, RequestError::not_request(detail)));
        }
    };
    match type_name.as_str() {
        "Request" => match request_from_value(Value::Object(top), limits) {
            Ok(request) => Ok(ClientMessage::Request { id, request }),
            Err(error) => Err(fail(id, error)),
        },
        "WebSocketPushEnable" => push_enable(&mut top).map_err(|e| fail(id, e)),
        "WebSocketPushDisable" => Ok(ClientMessage::PushDisable),
        other => Err(fail(
            id,
            RequestError::not_request(format!(
                "\"@type\" {other:?} is not a message of JMAP over WebSocket (RFC 8887 §4.3)."
            )),
        )),
    }
}

/// The arguments of a `WebSocketPushEnable` (§4.3.5.2).
fn push_enable(top: &mut Map<String, Value>) -> Result<ClientMessage, RequestError> {
    let data_types = match top.remove("dataTypes") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut types = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(name) => types.push(name),
                    other => {
                        return Err(RequestError::not_request(format!(
                            "\"dataTypes\" holds a {}; type names are strings.",
                            kind(&other)
                        )));
                    }
                }
            }
            Some(types)
        }
        Some(other) => {
            return Err(RequestError::not_request(format!(
                "\"dataTypes\" is a {}; it must be an array of type names or null.",
                kind(&other)
            )));
        }
    };
    let push_state = match top.remove("pushState") {
        None | Some(Value::Null) => None,
        Some(Value::String(state)) => Some(state),
        Some(other) => {
            return Err(RequestError::not_request(format!(
                "\"pushState\" is a {}; it must be a string.",
                kind(&other)
            )));
        }
    };
    Ok(ClientMessage::PushEnable {
        data_types,
        push_state,
    })
}

/// A Response as a WebSocket message (§4.3.3): `@type` and the request's `requestId`.
pub fn response_message(request_id: Option<&str>, response: &Response) -> Value {
    let mut value = serde_json::to_value(response).unwrap_or_else(|_| Value::Object(Map::new()));
    tag(&mut value, "Response", request_id);
    value
}

/// A RequestError as a WebSocket message (§4.3.4): the problem details with `@type` and the
/// request's `requestId`.
pub fn request_error_message(request_id: Option<&str>, error: &RequestError) -> Value {
    let mut value = error.problem();
    tag(&mut value, "RequestError", request_id);
    value
}

/// A StateChange as a WebSocket message (§4.3.5.1).
pub fn state_change_message(change: &StateChange) -> Value {
    serde_json::to_value(change).unwrap_or_else(|_| Value::Object(Map::new()))
}

fn tag(value: &mut Value, type_name: &str, request_id: Option<&str>) {
    if let Value::Object(map) = value {
        map.insert("@type".into(), Value::String(type_name.into()));
        if let Some(id) = request_id {
            map.insert("requestId".into(), Value::String(id.into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::CoreLimits;
    use serde_json::json;

    fn limits() -> RequestLimits {
        RequestLimits::new(&CoreLimits::default(), ["urn:ietf:params:jmap:core"])
    }

    fn parse(text: &str) -> Result<ClientMessage, MessageError> {
        parse_client_message(text.as_bytes(), &limits())
    }

    fn error_type(text: &str) -> (Option<String>, &'static str) {
        let e = parse(text).unwrap_err();
        (e.request_id, e.error.type_uri())
    }

    #[test]
    fn reads_the_rfc_8887_examples() {
        let request = parse(
            r#"{"@type":"Request","id":"R1","using":["urn:ietf:params:jmap:core"],
                "methodCalls":[["Core/echo",{"hello":true},"c0"]]}"#,
        )
        .unwrap();
        let ClientMessage::Request { id, request } = request else {
            panic!("{request:?}")
        };
        assert_eq!(id.as_deref(), Some("R1"));
        assert_eq!(request.method_calls[0].name, "Core/echo");
        assert_eq!(
            parse(r#"{"@type":"WebSocketPushEnable","dataTypes":["Email"],"pushState":"9"}"#)
                .unwrap(),
            ClientMessage::PushEnable {
                data_types: Some(vec!["Email".into()]),
                push_state: Some("9".into())
            }
        );
        assert_eq!(
            parse(r#"{"@type":"WebSocketPushEnable","dataTypes":null}"#).unwrap(),
            ClientMessage::PushEnable {
                data_types: None,
                push_state: None
            }
        );
        assert_eq!(
            parse(r#"{"@type":"WebSocketPushDisable"}"#).unwrap(),
            ClientMessage::PushDisable
        );
    }

    #[test]
    fn refuses_what_is_not_a_message_with_the_id_when_known() {
        let urn = |t| match t {
            "json" => "urn:ietf:params:jmap:error:notJSON",
            _ => "urn:ietf:params:jmap:error:notRequest",
        };
        assert_eq!(error_type("{nope"), (None, urn("json")));
        assert_eq!(error_type("[1]"), (None, urn("request")));
        assert_eq!(error_type(r#"{"id":3}"#), (None, urn("request")));
        assert_eq!(
            error_type(r#"{"id":"x","using":[],"methodCalls":[]}"#),
            (Some("x".into()), urn("request"))
        );
        assert_eq!(
            error_type(r#"{"@type":"Nope","id":"y"}"#),
            (Some("y".into()), urn("request"))
        );
        assert_eq!(
            error_type(r#"{"@type":"Request","id":"z","using":[]}"#),
            (Some("z".into()), urn("request"))
        );
        assert_eq!(
            error_type(r#"{"@type":"WebSocketPushEnable","dataTypes":"Email"}"#),
            (None, urn("request"))
        );
        assert_eq!(
            error_type(r#"{"@type":"Request","id":"u","using":["urn:x"],"methodCalls":[]}"#),
            (
                Some("u".into()),
                "urn:ietf:params:jmap:error:unknownCapability"
            )
        );
        let big = format!(r#"{{"@type":"Request","x":"{}"}}"#, "y".repeat(10_000_000));
        assert_eq!(error_type(&big), (None, "urn:ietf:params:jmap:error:limit"));
    }

    #[test]
    fn answers_carry_their_type_and_request_id() {
        let response = Response {
            method_responses: vec![],
            created_ids: None,
            session_state: "s".into(),
        };
        assert_eq!(
            response_message(Some("R1"), &response),
            json!({"@type":"Response","requestId":"R1","methodResponses":[],"sessionState":"s"})
        );
        let error = request_error_message(None, &RequestError::not_json("bad"));
        assert_eq!(error["@type"], "RequestError");
        assert_eq!(error["type"], "urn:ietf:params:jmap:error:notJSON");
        assert!(error.get("requestId").is_none());
    }
}
