//! A request driven through the crate the way a dispatcher would
//! (RFC 8620 §3.3 to §3.7): parse, resolve references, parse typed
//! arguments, answer or fail per method, build the Response.

use kantor_jmap_proto::method::{
    GetRequest, GetResponse, QueryRequest, QueryResponse, to_arguments,
};
use kantor_jmap_proto::{
    CoreLimits, Id, Invocation, MethodError, RequestLimits, Response, capability, parse_request,
    resolve_result_references,
};
use serde_json::{Map, Value, json};

fn id(s: &str) -> Id {
    Id::new(s).unwrap()
}

/// A toy mailbox: Email/query returns every email newest first; Email/get
/// and Thread/get know two threads.
fn run(
    call: &Invocation,
    responses: &[Invocation],
    limits: &CoreLimits,
) -> Result<Map<String, Value>, MethodError> {
    let mut args = call.arguments.clone();
    resolve_result_references(responses, &mut args)?;
    match call.name.as_str() {
        "Email/query" => {
            let q = QueryRequest::parse(args)?;
            let all = ["msg1023", "msg223", "msg110"];
            let w = q.window(&all, None)?;
            to_arguments(&QueryResponse {
                account_id: q.account_id,
                query_state: "abcdefg".into(),
                can_calculate_changes: true,
                position: w.position,
                ids: all
                    .get(w.start..w.end)
                    .unwrap_or(&[])
                    .iter()
                    .map(|s| id(s))
                    .collect(),
                total: q.calculate_total.then_some(all.len() as u64),
                limit: w.limit,
            })
        }
        "Email/get" => {
            let g = GetRequest::parse(args, limits)?;
            let list = g
                .ids
                .unwrap_or_default()
                .into_iter()
                .map(|i| {
                    let thread = if i == "msg1023" { "trd194" } else { "trd114" };
                    json!({"id": i, "threadId": thread})
                        .as_object()
                        .cloned()
                        .unwrap_or_default()
                })
                .collect();
            to_arguments(&GetResponse {
                account_id: g.account_id,
                state: "123456".into(),
                list,
                not_found: vec![],
            })
        }
        "Thread/get" => {
            let g = GetRequest::parse(args, limits)?;
            let mut list = Vec::new();
            // §5.1: an id asked for twice is answered once.
            let mut ids = g.ids.unwrap_or_default();
            ids.dedup();
            for t in ids {
                let emails = if t == "trd194" {
                    json!(["msg1020", "msg1023"])
                } else {
                    json!(["msg223"])
                };
                list.push(
                    json!({"id": t, "emailIds": emails})
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                );
            }
            to_arguments(&GetResponse {
                account_id: g.account_id,
                state: "123456".into(),
                list,
                not_found: vec![],
            })
        }
        other => Err(MethodError::unknown_method(other)),
    }
}

#[test]
fn rfc_mail_example_end_to_end() {
    let body = br##"{
      "using": ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"],
      "methodCalls": [
        [ "Email/query", {
          "accountId": "A1",
          "filter": { "inMailbox": "id_of_inbox" },
          "sort": [{ "property": "receivedAt", "isAscending": false }],
          "position": 0, "limit": 10, "calculateTotal": true
        }, "t0" ],
        [ "Email/get", {
          "accountId": "A1",
          "#ids": { "resultOf": "t0", "name": "Email/query", "path": "/ids" },
          "properties": [ "threadId" ]
        }, "t1" ],
        [ "Thread/get", {
          "accountId": "A1",
          "#ids": { "resultOf": "t1", "name": "Email/get", "path": "/list/*/threadId" }
        }, "t2" ],
        [ "Email/get", {
          "accountId": "A1",
          "#ids": { "resultOf": "t2", "name": "Thread/get", "path": "/list/*/emailIds" },
          "properties": [ "from", "receivedAt", "subject" ]
        }, "t3" ],
        [ "Email/get", {
          "accountId": "A1",
          "#ids": { "resultOf": "t9", "name": "Thread/get", "path": "/list" }
        }, "t4" ],
        [ "Email/get", { "accountId": "A1", "ids": [], "bogus": 1 }, "t5" ],
        [ "Calendar/get", { "accountId": "A1" }, "t6" ]
      ]
    }"##;
    let limits = CoreLimits::default();
    let request_limits = RequestLimits::new(&limits, [capability::CORE, capability::MAIL]);
    let request = parse_request(body, &request_limits).unwrap();
    let mut responses: Vec<Invocation> = Vec::new();
    for call in &request.method_calls {
        let response = match run(call, &responses, &limits) {
            Ok(args) => Invocation::new(call.name.clone(), args, call.call_id.clone()),
            Err(e) => e.into_invocation(call.call_id.clone()),
        };
        responses.push(response);
    }
    let response = Response {
        method_responses: responses,
        created_ids: request.created_ids,
        session_state: "75128aab4b1b".into(),
    };
    let v = serde_json::to_value(&response).unwrap();
    let r = &v["methodResponses"];
    assert_eq!(r[0][1]["total"], 3);
    assert_eq!(
        r[1][1]["list"][1],
        json!({"id": "msg223", "threadId": "trd114"})
    );
    assert_eq!(
        r[2][1]["list"][0]["emailIds"],
        json!(["msg1020", "msg1023"])
    );
    // t3 got the flattened emailIds of both threads.
    let t3: Vec<&str> = r[3][1]["list"]
        .as_array()
        .map(|l| l.iter().filter_map(|e| e["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(t3, ["msg1020", "msg1023", "msg223"]);
    assert_eq!(
        r[4],
        json!(["error", {"type": "invalidResultReference",
        "description": "no earlier method call has the id \"t9\""}, "t4"])
    );
    assert_eq!(r[5][0], "error");
    assert_eq!(r[5][1]["type"], "invalidArguments");
    assert_eq!(r[5][1]["description"], "unknown argument \"bogus\"");
    assert_eq!(r[6][1]["type"], "unknownMethod");
    assert_eq!(r[6][2], "t6");
    assert!(v.get("createdIds").is_none());
    assert_eq!(v["sessionState"], "75128aab4b1b");
}
