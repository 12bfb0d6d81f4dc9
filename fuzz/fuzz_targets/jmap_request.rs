//! JMAP requests (RFC 8620 §3.3): parsing never panics; an accepted request prints and parses
//! back the same; result references and patches over arbitrary arguments never panic.
#![no_main]
use kantor_jmap_proto::method::PatchObject;
use kantor_jmap_proto::request::{RequestLimits, parse_request};
use kantor_jmap_proto::session::CoreLimits;
use kantor_jmap_proto::{Invocation, resolve_result_references};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = RequestLimits::new(
        &CoreLimits::default(),
        ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"],
    );
    let Ok(request) = parse_request(data, &limits) else {
        return;
    };
    let printed = serde_json::to_vec(&request).expect("an accepted request prints");
    let again = parse_request(&printed, &limits).expect("a printed request parses");
    assert_eq!(again, request);
    let mut responses: Vec<Invocation> = Vec::new();
    for call in &request.method_calls {
        let mut arguments = call.arguments.clone();
        let _ = resolve_result_references(&responses, &mut arguments);
        let mut target = call.arguments.clone();
        let _ = PatchObject(arguments.clone()).apply(&mut target);
        responses.push(Invocation::new(call.name.clone(), arguments, call.call_id.clone()));
    }
});
