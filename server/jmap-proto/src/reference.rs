//! References to previous method results (RFC 8620 §3.7).
//!
//! An argument named `#foo` holds a [`ResultReference`]; before a method
//! runs, [`resolve_result_references`] replaces it by the argument `foo`
//! whose value is taken from an earlier response of the same request by a
//! JSON Pointer (RFC 6901) extended with `*`, which maps the rest of the
//! pointer over every item of an array and flattens arrays it gets back.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::MethodError;
use crate::request::{Invocation, kind};

/// A reference to the result of an earlier method call (RFC 8620 §3.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultReference {
    /// The method call id of an earlier call in this request.
    pub result_of: String,
    /// The required name of a response to that call.
    pub name: String,
    /// A JSON Pointer, with `*` for arrays, into that response's arguments.
    pub path: String,
}

/// Why a JSON Pointer could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PointerError {
    /// Not `""` and not starting with `/`.
    #[error("a JSON Pointer is empty or starts with '/'")]
    Syntax,
    /// A `~` not followed by `0` or `1` (RFC 6901 §3).
    #[error("'~' must be followed by '0' or '1' (in {0:?})")]
    BadEscape(String),
    /// A token names nothing in the value it was applied to.
    #[error("nothing at {0:?}")]
    NotFound(String),
}

/// Splits a JSON Pointer into its unescaped reference tokens.
///
/// `""` is the whole document (no tokens); otherwise every token follows a
/// `/`, with `~1` read as `/` and `~0` as `~` (RFC 6901 §3, §4).
pub fn parse_pointer(pointer: &str) -> Result<Vec<String>, PointerError> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(PointerError::Syntax);
    };
    rest.split('/').map(unescape_token).collect()
}

/// Unescapes one reference token (`~1` → `/`, `~0` → `~`).
pub(crate) fn unescape_token(token: &str) -> Result<String, PointerError> {
    if !token.contains('~') {
        return Ok(token.to_owned());
    }
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return Err(PointerError::BadEscape(token.to_owned())),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// Evaluates a JSON Pointer against `value` with the JMAP `*` extension
/// (RFC 8620 §3.7): on an array, the token `*` applies the rest of the
/// pointer to every item and collects the results in order, adding the
/// items of a result that is itself an array rather than the array. Any
/// item the rest of the pointer does not resolve on fails the whole.
pub fn evaluate_pointer(value: &Value, pointer: &str) -> Result<Value, PointerError> {
    let tokens = parse_pointer(pointer)?;
    evaluate_tokens(value, &tokens, 0)
}

/// [`evaluate_pointer`] on an arguments object, without copying it first.
pub fn evaluate_pointer_in(
    arguments: &Map<String, Value>,
    pointer: &str,
) -> Result<Value, PointerError> {
    let tokens = parse_pointer(pointer)?;
    let Some(first) = tokens.first() else {
        return Ok(Value::Object(arguments.clone()));
    };
    let value = arguments
        .get(first.as_str())
        .ok_or_else(|| PointerError::NotFound(pointer_prefix(&tokens, 0)))?;
    evaluate_tokens(value, &tokens, 1)
}

/// Applies `tokens[start..]` to `value`; `tokens[..start]` led to it.
fn evaluate_tokens(
    mut value: &Value,
    tokens: &[String],
    start: usize,
) -> Result<Value, PointerError> {
    for (i, token) in tokens.iter().enumerate().skip(start) {
        value = match value {
            Value::Object(map) => map.get(token.as_str()),
            Value::Array(items) if token == "*" => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match evaluate_tokens(item, tokens, i + 1)? {
                        Value::Array(inner) => out.extend(inner),
                        other => out.push(other),
                    }
                }
                return Ok(Value::Array(out));
            }
            Value::Array(items) => array_index(token).and_then(|n| items.get(n)),
            _ => None,
        }
        .ok_or_else(|| PointerError::NotFound(pointer_prefix(tokens, i)))?;
    }
    Ok(value.clone())
}

/// An RFC 6901 array index: `0` or digits without a leading zero. `-`
/// (past the end) names no element, so it is not an index here.
fn array_index(token: &str) -> Option<usize> {
    let digits = token.bytes().all(|b| b.is_ascii_digit());
    if token.is_empty() || !digits || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    token.parse().ok()
}

/// The pointer up to and including token `i`, re-escaped, for messages.
fn pointer_prefix(tokens: &[String], i: usize) -> String {
    let mut out = String::new();
    for t in tokens.iter().take(i + 1) {
        out.push('/');
        out.push_str(&t.replace('~', "~0").replace('/', "~1"));
    }
    out
}

/// Evaluates one reference against the responses so far (RFC 8620 §3.7):
/// the first response with call id `resultOf` *and* name `name`, then the
/// path into its arguments.
///
/// The RFC's algorithm takes the first response with that call id and
/// fails if its name differs; looking for the name among all responses to
/// the call gives the same answer whenever that one would succeed, and
/// also reaches the implicit second response of a call (e.g. the `Foo/set`
/// emitted by `Foo/copy` with `onSuccessDestroyOriginal`).
pub fn evaluate_reference(
    responses: &[Invocation],
    reference: &ResultReference,
) -> Result<Value, MethodError> {
    let response = responses
        .iter()
        .find(|r| r.call_id == reference.result_of && r.name == reference.name)
        .ok_or_else(|| {
            let same_id: Vec<&str> = responses
                .iter()
                .filter(|r| r.call_id == reference.result_of)
                .map(|r| r.name.as_str())
                .collect();
            MethodError::invalid_result_reference(if same_id.is_empty() {
                format!(
                    "no earlier method call has the id {:?}",
                    reference.result_of
                )
            } else {
                format!(
                    "the responses to call {:?} are {}, not {:?}",
                    reference.result_of,
                    same_id.join(", "),
                    reference.name
                )
            })
        })?;
    evaluate_pointer_in(&response.arguments, &reference.path).map_err(|e| {
        MethodError::invalid_result_reference(format!(
            "path {:?} in the {} response to {:?}: {e}",
            reference.path, reference.name, reference.result_of
        ))
    })
}

/// Resolves every `#name` argument of a method call (RFC 8620 §3.7) in
/// place: the `#name` entry is replaced by `name` holding the referenced
/// value. `responses` are the method responses produced so far in this
/// request.
///
/// Errors, leaving `arguments` untouched:
/// - `invalidArguments` when both `name` and `#name` are present, when the
///   name after `#` is empty, or when the value is not a ResultReference;
/// - `invalidResultReference` when a reference does not resolve.
pub fn resolve_result_references(
    responses: &[Invocation],
    arguments: &mut Map<String, Value>,
) -> Result<(), MethodError> {
    let mut resolved = Vec::new();
    for (key, value) in arguments.iter() {
        let Some(name) = key.strip_prefix('#') else {
            continue;
        };
        if name.is_empty() {
            return Err(MethodError::invalid_arguments(
                "the argument \"#\" names no argument to reference",
            ));
        }
        if arguments.contains_key(name) {
            return Err(MethodError::invalid_arguments(format!(
                "the argument {name:?} is given both plainly and as the reference {key:?}"
            )));
        }
        let reference = ResultReference::deserialize(value).map_err(|e| {
            MethodError::invalid_arguments(format!(
                "{key:?} must be a ResultReference {{resultOf, name, path}}, not this {}: {e}",
                kind(value)
            ))
        })?;
        resolved.push((
            key.clone(),
            name.to_owned(),
            evaluate_reference(responses, &reference)?,
        ));
    }
    for (key, name, value) in resolved {
        arguments.remove(&key);
        arguments.insert(name, value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::MethodErrorType;
    use serde_json::json;

    fn inv(v: Value) -> Invocation {
        serde_json::from_value(v).unwrap()
    }

    fn args(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn rfc_simple_example() {
        // RFC 8620 §3.7, Foo/changes then Foo/get with #ids on /created.
        let responses = vec![inv(json!(["Foo/changes", {
            "accountId": "A1",
            "oldState": "abcdef",
            "newState": "123456",
            "hasMoreChanges": false,
            "created": [ "f1", "f4" ],
            "updated": [],
            "destroyed": []
        }, "t0"]))];
        let mut a = args(json!({
            "accountId": "A1",
            "#ids": { "resultOf": "t0", "name": "Foo/changes", "path": "/created" }
        }));
        resolve_result_references(&responses, &mut a).unwrap();
        assert_eq!(
            Value::Object(a),
            json!({"accountId": "A1", "ids": ["f1", "f4"]})
        );
    }

    /// The responses of RFC 8620 §3.7's second example (Email/query,
    /// Email/get, Thread/get), the elided items left out.
    fn mail_responses() -> Vec<Invocation> {
        vec![
            inv(json!(["Email/query", {
                "accountId": "A1",
                "queryState": "abcdefg",
                "canCalculateChanges": true,
                "position": 0,
                "total": 101,
                "ids": [ "msg1023", "msg223", "msg110", "msg93", "msg91",
                    "msg38", "msg36", "msg33", "msg11", "msg1" ]
            }, "t0"])),
            inv(json!(["Email/get", {
                "accountId": "A1",
                "state": "123456",
                "list": [
                    { "id": "msg1023", "threadId": "trd194" },
                    { "id": "msg223", "threadId": "trd114" }
                ],
                "notFound": []
            }, "t1"])),
            inv(json!(["Thread/get", {
                "accountId": "A1",
                "state": "123456",
                "list": [
                    { "id": "trd194", "emailIds": [ "msg1020", "msg1021", "msg1023" ] },
                    { "id": "trd114", "emailIds": [ "msg201", "msg223" ] }
                ],
                "notFound": []
            }, "t2"])),
        ]
    }

    #[test]
    fn rfc_mail_example() {
        let responses = mail_responses();
        // t1: #ids from Email/query's /ids.
        let mut a = args(json!({
            "accountId": "A1",
            "#ids": { "resultOf": "t0", "name": "Email/query", "path": "/ids" },
            "properties": [ "threadId" ]
        }));
        resolve_result_references(&responses[..1], &mut a).unwrap();
        assert_eq!(a["ids"].as_array().map(Vec::len), Some(10));
        assert_eq!(a["ids"][0], "msg1023");
        assert!(!a.contains_key("#ids"));

        // t2: /list/*/threadId maps over the list.
        let mut a = args(json!({
            "accountId": "A1",
            "#ids": { "resultOf": "t1", "name": "Email/get", "path": "/list/*/threadId" }
        }));
        resolve_result_references(&responses[..2], &mut a).unwrap();
        assert_eq!(a["ids"], json!(["trd194", "trd114"]));

        // t3: /list/*/emailIds maps and flattens.
        let mut a = args(json!({
            "accountId": "A1",
            "#ids": { "resultOf": "t2", "name": "Thread/get", "path": "/list/*/emailIds" },
            "properties": [ "from", "receivedAt", "subject" ]
        }));
        resolve_result_references(&responses, &mut a).unwrap();
        assert_eq!(
            a["ids"],
            json!(["msg1020", "msg1021", "msg1023", "msg201", "msg223"])
        );
        assert_eq!(a["properties"], json!(["from", "receivedAt", "subject"]));
    }

    #[test]
    fn failures_are_invalid_result_reference() {
        let responses = mail_responses();
        for (reference, needle) in [
            (
                json!({"resultOf": "t9", "name": "Email/get", "path": "/list"}),
                "no earlier",
            ),
            (
                json!({"resultOf": "t1", "name": "Email/query", "path": "/ids"}),
                "Email/get",
            ),
            (
                json!({"resultOf": "t1", "name": "Email/get", "path": "/nope"}),
                "/nope",
            ),
            (
                json!({"resultOf": "t1", "name": "Email/get", "path": "/list/*/nope"}),
                "nothing at \"/list/*/nope\"",
            ),
            (
                json!({"resultOf": "t1", "name": "Email/get", "path": "/list/2"}),
                "/list/2",
            ),
            (
                json!({"resultOf": "t1", "name": "Email/get", "path": "list"}),
                "JSON Pointer",
            ),
            (
                json!({"resultOf": "t1", "name": "Email/get", "path": "/a~2"}),
                "'~'",
            ),
        ] {
            let mut a = args(json!({"accountId": "A1", "#ids": reference.clone()}));
            let before = a.clone();
            let err = resolve_result_references(&responses, &mut a).unwrap_err();
            assert_eq!(
                err.kind,
                MethodErrorType::InvalidResultReference,
                "{reference}"
            );
            let d = err.description.unwrap_or_default();
            assert!(d.contains(needle), "{reference}: {d}");
            assert_eq!(a, before, "arguments changed on error");
        }
    }

    #[test]
    fn both_forms_or_malformed_is_invalid_arguments() {
        let responses = mail_responses();
        for a in [
            json!({"ids": [], "#ids": {"resultOf": "t0", "name": "Email/query", "path": "/ids"}}),
            json!({"#ids": "t0"}),
            json!({"#ids": {"resultOf": "t0", "name": "Email/query"}}),
            json!({"#": {"resultOf": "t0", "name": "Email/query", "path": "/ids"}}),
        ] {
            let mut m = args(a.clone());
            let err = resolve_result_references(&responses, &mut m).unwrap_err();
            assert_eq!(err.kind, MethodErrorType::InvalidArguments, "{a}");
        }
    }

    #[test]
    fn second_response_of_a_call_is_reachable() {
        // RFC 8620 §5.4: Foo/copy with onSuccessDestroyOriginal answers twice.
        let responses = vec![
            inv(json!(["Todo/copy", {"created": {"k5122": {"id": "DAf97"}}}, "0"])),
            inv(json!(["Todo/set", {"destroyed": ["a"]}, "0"])),
        ];
        let r = ResultReference {
            result_of: "0".into(),
            name: "Todo/set".into(),
            path: "/destroyed".into(),
        };
        assert_eq!(evaluate_reference(&responses, &r).unwrap(), json!(["a"]));
        let r = ResultReference {
            path: "/created/k5122/id".into(),
            name: "Todo/copy".into(),
            ..r
        };
        assert_eq!(evaluate_reference(&responses, &r).unwrap(), json!("DAf97"));
    }

    #[test]
    fn json_pointer_rfc6901_examples() {
        // RFC 6901 §5.
        let doc = json!({
            "foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3,
            "g|h": 4, "i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8
        });
        let cases = [
            ("", doc.clone()),
            ("/foo", json!(["bar", "baz"])),
            ("/foo/0", json!("bar")),
            ("/", json!(0)),
            ("/a~1b", json!(1)),
            ("/c%d", json!(2)),
            ("/e^f", json!(3)),
            ("/g|h", json!(4)),
            ("/i\\j", json!(5)),
            ("/k\"l", json!(6)),
            ("/ ", json!(7)),
            ("/m~0n", json!(8)),
        ];
        for (p, want) in cases {
            assert_eq!(evaluate_pointer(&doc, p), Ok(want), "{p:?}");
        }
        for p in ["/foo/-", "/foo/01", "/foo/2", "/foo/+1", "/foo/0/x", "/zz"] {
            assert!(
                matches!(evaluate_pointer(&doc, p), Err(PointerError::NotFound(_))),
                "{p}"
            );
        }
    }

    #[test]
    fn empty_path_is_the_whole_arguments() {
        let responses = vec![inv(
            json!(["Core/echo", {"hello": true, "high": 5}, "b3ff"]),
        )];
        let r = ResultReference {
            result_of: "b3ff".into(),
            name: "Core/echo".into(),
            path: "".into(),
        };
        assert_eq!(
            evaluate_reference(&responses, &r),
            Ok(json!({"hello": true, "high": 5}))
        );
    }

    #[test]
    fn star_details() {
        let doc = json!({"a": [[1, 2], [3]], "o": {"*": "key"}, "e": []});
        // Nested stars flatten level by level.
        assert_eq!(evaluate_pointer(&doc, "/a/*/*"), Ok(json!([1, 2, 3])));
        assert_eq!(evaluate_pointer(&doc, "/a/*"), Ok(json!([1, 2, 3])));
        // On an object, "*" is an ordinary member name.
        assert_eq!(evaluate_pointer(&doc, "/o/*"), Ok(json!("key")));
        // On an empty array, the map is empty.
        assert_eq!(evaluate_pointer(&doc, "/e/*/x"), Ok(json!([])));
        // A trailing "*" on an array of scalars copies the array.
        assert_eq!(
            evaluate_pointer(&json!({"ids": ["x", "y"]}), "/ids/*"),
            Ok(json!(["x", "y"]))
        );
    }
}
