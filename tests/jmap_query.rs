//! Email/query's filters and sorts (RFC 8621 §4.4) and Email/queryChanges (§4.5; RFC 8620
//! §5.6) over curl, on messages appended over IMAP: each filter condition and sort of the RFC
//! checked against the answer known for a small mailbox set, and the results' changes after an
//! IMAP flag change and a JMAP move replayed on the old results to give the new ones.

mod common;
use common::curl::*;
use common::*;
use serde_json::{Value, json};

fn message(from: &str, to: &str, subject: &str, extra: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\n{extra}\
         Date: Mon, 2 Feb 2026 10:00:00 +0000\r\n\r\n{body}\r\n"
    )
}

/// The subjects of the ids a query answered, in order.
fn subjects(server: &TestServer, credentials: &str, account: &str, query: Value) -> Vec<String> {
    let mut query = query;
    query["accountId"] = json!(account);
    let responses = calls(
        server,
        credentials,
        json!([
            ["Email/query", query, "q"],
            ["Email/get", {"accountId": account, "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                "properties": ["subject"]}, "g"],
        ]),
    );
    assert_eq!(responses[0][0], "Email/query", "{responses:?}");
    let by_id: Vec<(String, String)> = responses[1][1]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().to_string(),
                e["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    responses[0][1]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| by_id.iter().find(|(i, _)| id == i).unwrap().1.clone())
        .collect()
}

#[test]
fn every_filter_and_sort_finds_what_it_should() {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    let credentials = user(&server);
    let mut imap = ImapClient::login(server.addr("imap"), &format!("jo@{DOMAIN}"));
    imap.ok("CREATE Projects");
    let attachment = "Content-Type: multipart/mixed; boundary=b\r\nMIME-Version: 1.0\r\n";
    let with_file = "--b\r\nContent-Type: text/plain\r\n\r\nsee the file\r\n--b\r\n\
        Content-Type: application/pdf; name=plan.pdf\r\nContent-Disposition: attachment; filename=plan.pdf\r\n\
        Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--b--";
    for (mailbox, flags, raw) in [
        (
            "INBOX",
            "\\Seen",
            message(
                "Zed <zed@example.org>",
                "jo@x.test",
                "alpha",
                "Message-ID: <a@x>\r\n",
                "the quick brown fox",
            ),
        ),
        (
            "INBOX",
            "$Important",
            message(
                "Amy <amy@example.org>",
                "bob@x.test",
                "Re: alpha",
                "In-Reply-To: <a@x>\r\nReferences: <a@x>\r\nX-Tag: blue\r\n",
                "lazy dog",
            ),
        ),
        (
            "INBOX",
            "",
            message(
                "mia@example.org",
                "jo@x.test",
                "beta",
                attachment,
                with_file,
            ),
        ),
        (
            "Projects",
            "\\Flagged \\Seen",
            message(
                "Bob <bob@example.org>",
                "jo@x.test",
                "gamma",
                "Cc: carol@example.org\r\n",
                "nothing here",
            ),
        ),
    ] {
        let done = imap.append(mailbox, flags, raw.as_bytes());
        assert_eq!(tagged_status(&done), "OK", "{done:?}");
    }
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:mail");
    let found = calls(
        &server,
        &credentials,
        json!([["Mailbox/get", {"accountId": account, "properties": ["name", "role"]}, "m"]]),
    );
    let inbox = id_where(&found[0][1], "role", "inbox");
    let projects = id_where(&found[0][1], "name", "Projects");
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let by_subject =
        json!([{"property": "subject", "isAscending": true}, {"property": "receivedAt"}]);
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"inMailbox": &projects}), vec!["gamma"]),
        (json!({"inMailboxOtherThan": [&inbox]}), vec!["gamma"]),
        (json!({"hasKeyword": "$seen"}), vec!["alpha", "gamma"]),
        (json!({"notKeyword": "$seen"}), vec!["Re: alpha", "beta"]),
        (json!({"hasKeyword": "$important"}), vec!["Re: alpha"]),
        (
            json!({"someInThreadHaveKeyword": "$important"}),
            vec!["Re: alpha", "alpha"],
        ),
        (json!({"allInThreadHaveKeyword": "$seen"}), vec!["gamma"]),
        (json!({"noneInThreadHaveKeyword": "$seen"}), vec!["beta"]),
        (json!({"hasAttachment": true}), vec!["beta"]),
        (json!({"from": "amy"}), vec!["Re: alpha"]),
        (
            json!({"from": "EXAMPLE.ORG"}),
            vec!["Re: alpha", "alpha", "beta", "gamma"],
        ),
        (json!({"to": "bob@x"}), vec!["Re: alpha"]),
        (json!({"cc": "carol"}), vec!["gamma"]),
        (json!({"subject": "ALPHA"}), vec!["Re: alpha", "alpha"]),
        (json!({"body": "lazy"}), vec!["Re: alpha"]),
        (json!({"text": "quick brown"}), vec!["alpha"]),
        (json!({"text": "mia@"}), vec!["beta"]),
        (json!({"header": ["X-Tag"]}), vec!["Re: alpha"]),
        (json!({"header": ["X-Tag", "BLUE"]}), vec!["Re: alpha"]),
        (json!({"header": ["X-Tag", "red"]}), vec![]),
        (
            json!({"operator": "NOT", "conditions": [{"inMailbox": &inbox}]}),
            vec!["gamma"],
        ),
        (
            json!({"operator": "OR", "conditions": [{"body": "fox"}, {"hasAttachment": true}]}),
            vec!["alpha", "beta"],
        ),
        (
            json!({"inMailbox": &inbox, "subject": "alpha", "notKeyword": "$seen"}),
            vec!["Re: alpha"],
        ),
    ];
    for (filter, expected) in cases {
        let got = subjects(
            &server,
            &credentials,
            &account,
            json!({"filter": filter, "sort": by_subject}),
        );
        assert_eq!(
            sorted(got),
            sorted(expected.iter().map(|s| s.to_string()).collect()),
            "filter {filter}"
        );
    }
    // Sorts: the subject's base ("Re: alpha" sorts as "alpha"), the sender's name or address.
    let sort = |s: Value| subjects(&server, &credentials, &account, json!({"sort": s}));
    assert_eq!(
        sort(json!([{"property": "subject"}, {"property": "size", "isAscending": false}])).len(),
        4
    );
    assert_eq!(
        sort(json!([{"property": "from"}])),
        ["Re: alpha", "gamma", "beta", "alpha"],
        "Amy, Bob, mia@example.org, Zed"
    );
    assert_eq!(
        sort(
            json!([{"property": "hasKeyword", "keyword": "$flagged", "isAscending": false}, {"property": "subject"}])
        )[0],
        "gamma"
    );
    assert_eq!(
        sort(
            json!([{"property": "someInThreadHaveKeyword", "keyword": "$important", "isAscending": false},
                    {"property": "subject", "isAscending": false}])
        )[..2],
        ["Re: alpha", "alpha"]
    );
    // Errors: an unknown filter or sort, and a keyword sort without its keyword.
    let errors = calls(
        &server,
        &credentials,
        json!([
            ["Email/query", {"accountId": account, "filter": {"colour": "red"}}, "a"],
            ["Email/query", {"accountId": account, "sort": [{"property": "colour"}]}, "b"],
            ["Email/query", {"accountId": account, "sort": [{"property": "hasKeyword"}]}, "c"],
        ]),
    );
    let kinds: Vec<&str> = errors
        .iter()
        .map(|r| r[1]["type"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(
        kinds,
        ["unsupportedFilter", "unsupportedSort", "unsupportedSort"]
    );
}

#[test]
fn query_changes_turn_the_old_results_into_the_new() {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    let credentials = user(&server);
    let mut imap = ImapClient::login(server.addr("imap"), &format!("jo@{DOMAIN}"));
    for n in 0..6 {
        let raw = message("a@example.org", "jo@x.test", &format!("m{n}"), "", "hello");
        assert_eq!(
            tagged_status(&imap.append("INBOX", "", raw.as_bytes())),
            "OK"
        );
    }
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:mail");
    let query = json!({"accountId": account, "filter": {"notKeyword": "$seen"}, "sort": [{"property": "receivedAt"}]});
    let first = calls(&server, &credentials, json!([["Email/query", query, "q"]]));
    assert_eq!(first[0][1]["canCalculateChanges"], true, "{first:?}");
    let old_ids: Vec<Value> = first[0][1]["ids"].as_array().unwrap().clone();
    let state = first[0][1]["queryState"].as_str().unwrap().to_string();
    assert_eq!(old_ids.len(), 6);

    // Over IMAP, two become seen; a new one arrives.
    imap.ok("SELECT INBOX");
    imap.ok("STORE 2,4 +FLAGS (\\Seen)");
    let raw = message("a@example.org", "jo@x.test", "m6", "", "hello");
    assert_eq!(
        tagged_status(&imap.append("INBOX", "", raw.as_bytes())),
        "OK"
    );

    let mut changes_query = query.clone();
    changes_query["sinceQueryState"] = json!(state);
    let mut since_bad = changes_query.clone();
    since_bad["sinceQueryState"] = json!("not a state");
    let responses = calls(
        &server,
        &credentials,
        json!([
            ["Email/queryChanges", changes_query, "c"],
            ["Email/query", query, "q"],
            ["Email/queryChanges", since_bad, "e"]
        ]),
    );
    let changes = &responses[0][1];
    let new_ids: Vec<Value> = responses[1][1]["ids"].as_array().unwrap().clone();
    assert_eq!(new_ids.len(), 5, "{responses:?}");
    assert_eq!(
        changes["newQueryState"], responses[1][1]["queryState"],
        "{changes}"
    );
    // RFC 8620 §5.6: drop every removed id, then insert each added one at its index.
    let removed: Vec<Value> = changes["removed"].as_array().unwrap().clone();
    let mut replayed: Vec<Value> = old_ids
        .into_iter()
        .filter(|id| !removed.contains(id))
        .collect();
    for added in changes["added"].as_array().unwrap() {
        replayed.insert(
            added["index"].as_u64().unwrap() as usize,
            added["id"].clone(),
        );
    }
    assert_eq!(replayed, new_ids, "{changes}");
    assert_eq!(
        responses[2][1]["type"], "cannotCalculateChanges",
        "{responses:?}"
    );
}

#[test]
fn mailbox_query_filters_and_sorts_as_a_tree() {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    let credentials = user(&server);
    let mut imap = ImapClient::login(server.addr("imap"), &format!("jo@{DOMAIN}"));
    for name in ["Projects", "Projects/2026", "Projects/2025", "Zoo"] {
        imap.ok(&format!("CREATE {name}"));
    }
    imap.ok("SUBSCRIBE Zoo");
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:mail");
    let found = calls(
        &server,
        &credentials,
        json!([["Mailbox/get", {"accountId": account, "properties": ["name", "role"]}, "m"]]),
    );
    let name_of = |id: &Value| {
        found[0][1]["list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| &m["id"] == id)
            .unwrap()["name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let projects = id_where(&found[0][1], "name", "Projects");
    let query = |arguments: Value| -> Vec<String> {
        let mut arguments = arguments;
        arguments["accountId"] = json!(account);
        let r = calls(
            &server,
            &credentials,
            json!([["Mailbox/query", arguments, "q"]]),
        );
        assert_eq!(r[0][0], "Mailbox/query", "{r:?}");
        r[0][1]["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(name_of)
            .collect()
    };
    let by_name = json!([{"property": "name"}]);
    assert_eq!(query(json!({"filter": {"role": "inbox"}})), ["INBOX"]);
    assert_eq!(
        query(json!({"filter": {"hasAnyRole": false}, "sort": by_name})),
        ["2025", "2026", "Projects", "Zoo"]
    );
    assert_eq!(
        query(json!({"filter": {"parentId": &projects}, "sort": by_name})),
        ["2025", "2026"]
    );
    assert_eq!(query(json!({"filter": {"name": "PROJ"}})), ["Projects"]);
    assert_eq!(
        query(json!({"filter": {"isSubscribed": true, "hasAnyRole": false}})),
        ["Zoo"]
    );
    assert_eq!(
        query(json!({"filter": {"hasAnyRole": false}, "sort": by_name, "sortAsTree": true})),
        ["Projects", "2025", "2026", "Zoo"]
    );
    assert_eq!(
        query(json!({"filter": {"name": "20"}, "filterAsTree": true})),
        Vec::<String>::new()
    );
    assert_eq!(
        query(json!({"filter": {"name": "20"}, "sort": by_name})),
        ["2025", "2026"]
    );
    let errors = calls(
        &server,
        &credentials,
        json!([
            ["Mailbox/query", {"accountId": account, "filter": {"colour": 1}}, "a"],
            ["Mailbox/query", {"accountId": account, "sort": [{"property": "totalEmails"}]}, "b"],
            ["Mailbox/queryChanges", {"accountId": account, "sinceQueryState": "1"}, "c"],
        ]),
    );
    let kinds: Vec<&str> = errors
        .iter()
        .map(|r| r[1]["type"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(
        kinds,
        [
            "unsupportedFilter",
            "unsupportedSort",
            "cannotCalculateChanges"
        ]
    );
}

#[test]
fn object_and_upload_limits_are_enforced() {
    let server = TestServer::start("");
    let credentials = user(&server);
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:mail");
    let core = &session["capabilities"]["urn:ietf:params:jmap:core"];
    let (max_get, max_set) = (
        core["maxObjectsInGet"].as_u64().unwrap(),
        core["maxObjectsInSet"].as_u64().unwrap(),
    );
    let ids: Vec<String> = (0..=max_get).map(|i| format!("M{i}")).collect();
    let destroy: Vec<String> = (0..=max_set).map(|i| format!("M{i}")).collect();
    let responses = calls(
        &server,
        &credentials,
        json!([
            ["Email/get", {"accountId": account, "ids": ids, "properties": ["id"]}, "g"],
            ["Email/get", {"accountId": account, "ids": &ids[..max_get as usize], "properties": ["id"]}, "h"],
            ["Email/set", {"accountId": account, "destroy": destroy}, "s"],
        ]),
    );
    assert_eq!(
        responses[0][1]["type"], "requestTooLarge",
        "{:?}",
        responses[0]
    );
    assert_eq!(
        responses[1][1]["notFound"].as_array().map(Vec::len),
        Some(max_get as usize)
    );
    assert_eq!(
        responses[2][1]["type"], "requestTooLarge",
        "{:?}",
        responses[2]
    );
    // An upload declaring more than maxSizeUpload is refused before its body is read (HTTP/1.1:
    // over HTTP/2, a body shorter than its Content-Length is a stream error of the client's).
    let max_upload = core["maxSizeUpload"].as_u64().unwrap();
    let refused = curl(&[
        "--http1.1",
        "-u",
        &credentials,
        "-H",
        "Content-Type: application/octet-stream",
        "-H",
        &format!("Content-Length: {}", max_upload + 1),
        "--data-binary",
        "short",
        "--max-time",
        "10",
        &https(&server, &format!("/jmap/upload/{account}/")),
    ]);
    assert_eq!(refused.status, 413, "{}", refused.body);
}
