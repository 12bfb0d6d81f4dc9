//! JMAP Mail (RFC 8621) over curl beside IMAP: Mailbox/get and /changes, Email/query with a
//! result reference into Email/get, Thread/get; one object under one id in both protocols, a
//! change made over IMAP seen by Mailbox/changes, and no other account reachable.

mod common;
use common::curl::*;
use common::*;
use serde_json::{Value, json};

fn message(subject: &str, id: &str, refs: &str) -> String {
    format!(
        "From: \"Ann Example\" <ann@example.org>\r\nTo: jo@{DOMAIN}, team: a@x.test, b@x.test;\r\n\
         Subject: {subject}\r\nMessage-ID: <{id}>\r\n{refs}\
         Date: Mon, 7 Feb 2026 21:52:25 -0800\r\n\r\nHello {subject}\r\n"
    )
}

#[test]
fn mailboxes_emails_and_threads_as_imap_sees_them() {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    let credentials = user(&server);
    let mut imap = ImapClient::login(server.addr("imap"), &format!("jo@{DOMAIN}"));
    for (subject, id, refs) in [
        ("first", "m1@x.test", String::new()),
        (
            "Re: first",
            "m2@x.test",
            "References: <m1@x.test>\r\n".to_string(),
        ),
        ("other", "m3@x.test", String::new()),
    ] {
        let done = imap.append("INBOX", "", message(subject, id, &refs).as_bytes());
        assert_eq!(tagged_status(&done), "OK", "{done:?}");
    }
    let selected = imap.ok("SELECT INBOX");
    let mailbox_id = selected
        .iter()
        .find_map(|l| l.split("MAILBOXID (").nth(1))
        .and_then(|r| r.split(')').next())
        .unwrap_or_else(|| panic!("{selected:?}"))
        .to_string();
    let fetched = imap.ok("FETCH 1:3 (EMAILID THREADID)");

    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:mail");
    let responses = calls(
        &server,
        &credentials,
        json!([
            ["Mailbox/get", {"accountId": account, "ids": null}, "m"],
            ["Email/query", {
                "accountId": account,
                "filter": {"inMailbox": mailbox_id},
                "sort": [{"property": "receivedAt", "isAscending": false}],
                "calculateTotal": true
            }, "q"],
            ["Email/get", {
                "accountId": account,
                "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                "properties": ["subject", "from", "to", "threadId", "mailboxIds", "keywords",
                               "messageId", "references", "receivedAt", "preview"]
            }, "g"]
        ]),
    );
    // Mailbox/get: the INBOX under its MAILBOXID, with its counts.
    let [mailboxes, query, emails] = &responses[..] else {
        panic!("{responses:?}")
    };
    assert_eq!(mailboxes[0], "Mailbox/get", "{mailboxes}");
    let inbox = mailboxes[1]["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "inbox")
        .unwrap();
    assert_eq!(inbox["id"], mailbox_id.as_str());
    assert_eq!(inbox["name"], "INBOX");
    assert_eq!(inbox["totalEmails"], 3);
    assert_eq!(inbox["unreadEmails"], 3);
    assert_eq!(
        inbox["totalThreads"], 2,
        "the reply joins its thread: {inbox}"
    );
    // Email/query: three ids, each the EMAILID IMAP shows.
    assert_eq!(query[1]["total"], 3, "{query}");
    let ids: Vec<&str> = query[1]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    for id in &ids {
        assert!(
            fetched
                .iter()
                .any(|l| l.contains(&format!("EMAILID ({id})"))),
            "{id} {fetched:?}"
        );
    }
    // Email/get through the back-reference: the metadata, decoded.
    let list = emails[1]["list"]
        .as_array()
        .unwrap_or_else(|| panic!("{emails}"));
    assert_eq!(list.len(), 3);
    let reply = list.iter().find(|e| e["subject"] == "Re: first").unwrap();
    assert_eq!(
        reply["from"],
        json!([{"name": "Ann Example", "email": "ann@example.org"}])
    );
    assert_eq!(
        reply["to"],
        json!([
            {"name": null, "email": format!("jo@{DOMAIN}")},
            {"name": null, "email": "a@x.test"},
            {"name": null, "email": "b@x.test"}
        ])
    );
    assert_eq!(reply["messageId"], json!(["m2@x.test"]));
    assert_eq!(reply["references"], json!(["m1@x.test"]));
    assert_eq!(reply["mailboxIds"], json!({ mailbox_id.clone(): true }));
    assert_eq!(reply["keywords"], json!({}));
    assert_eq!(reply["preview"], "Hello Re: first");
    let first = list.iter().find(|e| e["subject"] == "first").unwrap();
    assert_eq!(reply["threadId"], first["threadId"]);
    let thread = first["threadId"].as_str().unwrap().to_string();
    assert!(
        fetched
            .iter()
            .any(|l| l.contains(&format!("THREADID ({thread})"))),
        "{fetched:?}"
    );

    // The date index (a mailbox alone) and the general path (the same filter under an AND)
    // answer alike: collapsed threads, a page, the total.
    let page = |filter: Value, position: u64| {
        json!(["Email/query", {
            "accountId": account, "filter": filter, "collapseThreads": true,
            "sort": [{"property": "receivedAt", "isAscending": false}],
            "position": position, "limit": 1, "calculateTotal": true
        }, "p"])
    };
    let plain = json!({"inMailbox": mailbox_id});
    let and = json!({"operator": "AND", "conditions": [plain]});
    let pages = calls(
        &server,
        &credentials,
        json!([
            page(plain.clone(), 0),
            page(and.clone(), 0),
            page(plain, 1),
            page(and, 1)
        ]),
    );
    for (fast, general) in [(&pages[0][1], &pages[1][1]), (&pages[2][1], &pages[3][1])] {
        assert_eq!(fast["ids"], general["ids"], "{fast} {general}");
        assert_eq!(fast["total"], 2, "two threads: {fast}");
        assert_eq!(general["total"], 2);
        assert_eq!(fast["ids"].as_array().unwrap().len(), 1);
    }
    assert_ne!(pages[0][1]["ids"], pages[2][1]["ids"]);

    // Thread/get: both emails, oldest first; an unknown thread is not found.
    let threads = calls(
        &server,
        &credentials,
        json!([["Thread/get", {"accountId": account, "ids": [thread, "T999999"]}, "t"]]),
    );
    assert_eq!(
        threads[0][1]["list"][0]["emailIds"],
        json!([first["id"], reply["id"]])
    );
    assert_eq!(threads[0][1]["notFound"], json!(["T999999"]));

    // A \Seen set over IMAP: the INBOX's counts changed, and Mailbox/changes says only those.
    let state = mailboxes[1]["state"].as_str().unwrap().to_string();
    imap.ok("STORE 1 +FLAGS (\\Seen)");
    let changed = calls(
        &server,
        &credentials,
        json!([
            ["Mailbox/changes", {"accountId": account, "sinceState": state}, "c"],
            ["Email/get", {"accountId": account, "ids": [first["id"]], "properties": ["keywords"]}, "k"]
        ]),
    );
    assert_eq!(
        changed[0][1]["updated"],
        json!([mailbox_id]),
        "{}",
        changed[0]
    );
    assert_eq!(changed[0][1]["created"], json!([]));
    assert_eq!(
        changed[0][1]["updatedProperties"],
        json!([
            "totalEmails",
            "unreadEmails",
            "totalThreads",
            "unreadThreads"
        ])
    );
    assert_ne!(changed[0][1]["newState"], state.as_str());
    assert_eq!(changed[1][1]["list"][0]["keywords"], json!({"$seen": true}));

    // Email/changes and Thread/changes since that state: one new email (a new thread), the
    // first one's keyword (its thread updated), the third expunged (its thread gone).
    let done = imap.append("INBOX", "", message("later", "m4@x.test", "").as_bytes());
    assert_eq!(tagged_status(&done), "OK", "{done:?}");
    imap.ok("STORE 3 +FLAGS (\\Deleted)");
    imap.ok("EXPUNGE");
    let third = list.iter().find(|e| e["subject"] == "other").unwrap();
    let changes = calls(
        &server,
        &credentials,
        json!([
            ["Email/changes", {"accountId": account, "sinceState": state}, "e"],
            ["Thread/changes", {"accountId": account, "sinceState": state}, "t"],
            ["Email/query", {"accountId": account, "filter": {"inMailbox": mailbox_id}}, "q"]
        ]),
    );
    let (emails, threads) = (&changes[0][1], &changes[1][1]);
    assert_eq!(emails["updated"], json!([first["id"]]), "{emails}");
    assert_eq!(emails["destroyed"], json!([third["id"]]), "{emails}");
    let created = emails["created"].as_array().unwrap();
    assert_eq!(created.len(), 1, "{emails}");
    assert!(!ids.contains(&created[0].as_str().unwrap()));
    assert_eq!(threads["updated"], json!([first["threadId"]]), "{threads}");
    assert_eq!(
        threads["destroyed"],
        json!([third["threadId"]]),
        "{threads}"
    );
    assert_eq!(threads["created"].as_array().unwrap().len(), 1, "{threads}");
    assert_eq!(emails["newState"], threads["newState"]);
    let now: Vec<&Value> = changes[2][1]["ids"].as_array().unwrap().iter().collect();
    assert_eq!(now.len(), 3);
    assert!(now.contains(&&created[0]) && !now.contains(&&third["id"]));
}

#[test]
fn other_accounts_and_undeclared_capabilities_are_refused() {
    let server = TestServer::start("");
    let credentials = user(&server);
    server.add_user(&format!("kim@{DOMAIN}"));
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let own = primary_account(&session, "urn:ietf:params:jmap:mail");
    let number: u64 = own[1..].parse().unwrap();
    // Kim's account id is the next number: refused like one that does not exist.
    let responses = calls(
        &server,
        &credentials,
        json!([
            ["Mailbox/get", {"accountId": format!("A{}", number + 1)}, "a"],
            ["Email/get", {"accountId": "A999999", "ids": []}, "b"],
            ["Email/query", {"accountId": own, "filter": {"colour": "x"}}, "c"],
            ["Email/get", {"accountId": own, "ids": [], "properties": ["notAProperty"]}, "d"],
            ["Mailbox/changes", {"accountId": own, "sinceState": "not a state"}, "e"]
        ]),
    );
    let kinds: Vec<&str> = responses
        .iter()
        .map(|r| r[1]["type"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(
        kinds,
        [
            "accountNotFound",
            "accountNotFound",
            "unsupportedFilter",
            "invalidArguments",
            "cannotCalculateChanges"
        ],
        "{responses:?}"
    );
    // A mail method without the mail capability in "using" is unknown (RFC 8620 §3.3).
    let body = format!(
        r#"{{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Mailbox/get",{{"accountId":"{own}"}},"x"]]}}"#
    );
    let answer = api(&server, &credentials, &body).json();
    assert_eq!(
        answer["methodResponses"][0][1]["type"], "unknownMethod",
        "{answer}"
    );
}

/// The jmapc client (Python) against the server, verifying its certificate
/// (tests/python/test_jmap.py).
#[test]
fn python_jmapc_suite() {
    let server = TestServer::start("");
    let address = format!("jo@{DOMAIN}");
    server.add_user(&address);
    let env = [
        ("KANTOR_HTTPS", server.port("https").to_string()),
        ("KANTOR_SMTP", server.port("smtp").to_string()),
        (
            "KANTOR_CA",
            server
                .data()
                .join("data/tls/cert.pem")
                .display()
                .to_string(),
        ),
        ("KANTOR_USER", address),
        ("KANTOR_PASSWORD", PASSWORD.to_string()),
    ];
    run_python_suite("test_jmap.py", &env, 3);
}

#[test]
fn email_set_changes_keywords_and_mailboxes_as_imap_sees_them() {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    let credentials = user(&server);
    let mut imap = ImapClient::login(server.addr("imap"), &format!("jo@{DOMAIN}"));
    for (subject, id) in [("keep", "k1@x.test"), ("drop", "d1@x.test")] {
        let done = imap.append("INBOX", "", message(subject, id, "").as_bytes());
        assert_eq!(tagged_status(&done), "OK", "{done:?}");
    }
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:mail");
    let found = calls(
        &server,
        &credentials,
        json!([
            ["Mailbox/get", {"accountId": account, "properties": ["role"]}, "m"],
            ["Email/query", {"accountId": account}, "q"],
            ["Email/get", {"accountId": account, "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"}, "properties": ["subject"]}, "g"]
        ]),
    );
    let role = |r: &str| id_where(&found[0][1], "role", r);
    let (inbox, archive) = (role("inbox"), role("archive"));
    let id_of = |subject: &str| id_where(&found[2][1], "subject", subject);
    let (keep, drop) = (id_of("keep"), id_of("drop"));
    let state = found[0][1]["state"].as_str().unwrap().to_string();
    let set = |arguments: Value| {
        let mut arguments = arguments;
        arguments["accountId"] = json!(account);
        calls(
            &server,
            &credentials,
            json!([["Email/set", arguments, "s"]]),
        )[0]
        .clone()
    };
    // Keywords, one at a time: IMAP sees the flags.
    let r = set(
        json!({"update": {keep.clone(): {"keywords/$seen": true, "keywords/$flagged": true, "keywords/work": true}}}),
    );
    assert_eq!(r[1]["updated"], json!({ keep.clone(): null }), "{r}");
    imap.ok("SELECT INBOX");
    let flags = imap.ok("FETCH 1 (FLAGS)");
    assert!(
        flags[0].contains("\\Seen") && flags[0].contains("\\Flagged") && flags[0].contains("work"),
        "{flags:?}"
    );
    // Moved to the archive, same id; then back in the INBOX too.
    let r = set(json!({"update": {keep.clone(): {"mailboxIds": {archive.clone(): true}}}}));
    assert_eq!(r[1]["updated"], json!({ keep.clone(): null }), "{r}");
    let status = imap.ok("STATUS Archive (MESSAGES)");
    assert!(status[0].contains("MESSAGES 1"), "{status:?}");
    let r = set(json!({"update": {keep.clone(): {format!("mailboxIds/{inbox}"): true}}}));
    assert_eq!(r[1]["updated"], json!({ keep.clone(): null }), "{r}");
    let got = calls(
        &server,
        &credentials,
        json!([["Email/get", {"accountId": account, "ids": [keep], "properties": ["mailboxIds", "keywords"]}, "g"]]),
    );
    assert_eq!(
        got[0][1]["list"][0]["mailboxIds"],
        json!({ inbox.clone(): true, archive.clone(): true })
    );
    assert_eq!(
        got[0][1]["list"][0]["keywords"],
        json!({"$seen": true, "$flagged": true, "work": true})
    );
    // What cannot change, a mailbox set left empty, a stale state.
    let r = set(json!({"update": {drop.clone(): {"subject": "x"}}}));
    assert_eq!(
        r[1]["notUpdated"][&drop]["type"], "invalidProperties",
        "{r}"
    );
    assert_eq!(r[1]["notUpdated"][&drop]["properties"], json!(["subject"]));
    let r = set(json!({"update": {drop.clone(): {"mailboxIds": {}}}}));
    assert_eq!(
        r[1]["notUpdated"][&drop]["type"], "invalidProperties",
        "{r}"
    );
    let r = set(json!({"ifInState": state, "destroy": [drop]}));
    assert_eq!(r[1]["type"], "stateMismatch", "{r}");
    // Destroyed: gone from Email/get and from the INBOX IMAP selects.
    let r = set(json!({"destroy": [drop.clone(), "M999999"]}));
    assert_eq!(r[1]["destroyed"], json!([drop]), "{r}");
    assert_eq!(r[1]["notDestroyed"]["M999999"]["type"], "notFound", "{r}");
    let got = calls(
        &server,
        &credentials,
        json!([["Email/get", {"accountId": account, "ids": [drop], "properties": ["subject"]}, "g"]]),
    );
    assert_eq!(got[0][1]["notFound"], json!([drop]));
    imap.ok("UNSELECT");
    let selected = imap.ok("SELECT INBOX");
    assert!(
        selected.iter().any(|l| l == "* 1 EXISTS\r\n"),
        "{selected:?}"
    );
}

/// EventSource push (RFC 8620 §7.3): the current state at once, then a StateChange within a
/// second of a delivery over SMTP, and the end of the stream with closeafter=state.
#[test]
fn a_delivery_is_pushed_over_eventsource() {
    let server = TestServer::start("");
    let credentials = user(&server);
    let url = https(
        &server,
        "/jmap/eventsource?types=Email,Mailbox&closeafter=state&ping=0",
    );
    let mut events = EventSource::open(&credentials, &url);
    let first = events.next_data().expect("the current state");
    assert_eq!(first["@type"], "StateChange", "{first}");
    let account = first["changed"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let before = first["changed"][&account]["Email"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        first["changed"][&account].get("Thread").is_none(),
        "{first}"
    );
    let mut smtp = RawClient::connect(server.addr("smtp"));
    assert!(smtp.reply().starts_with("220"));
    for line in [
        "EHLO c.test",
        "MAIL FROM:<s@c.test>",
        &format!("RCPT TO:<jo@{DOMAIN}>"),
        "DATA",
    ] {
        let reply = smtp.command(line);
        assert!(
            reply.starts_with('2') || reply.starts_with('3'),
            "{line}: {reply}"
        );
    }
    let accepted = smtp.command("Subject: pushed\r\n\r\nhi\r\n.");
    assert!(accepted.starts_with("250"), "{accepted}");
    let sent = std::time::Instant::now();
    let pushed = events
        .next_data()
        .expect("a StateChange after the delivery");
    assert!(
        sent.elapsed() < std::time::Duration::from_secs(1),
        "{:?}",
        sent.elapsed()
    );
    let after = pushed["changed"][&account]["Email"].as_str().unwrap();
    assert!(
        after.parse::<u64>().unwrap() > before.parse::<u64>().unwrap(),
        "{pushed}"
    );
    // closeafter=state: the server ends the stream.
    assert!(events.next_data().is_none());
    assert!(events.finished());
}

#[test]
fn bodies_are_listed_and_their_text_decoded() {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    let credentials = user(&server);
    let mut imap = ImapClient::login(server.addr("imap"), &format!("jo@{DOMAIN}"));
    let message = "From: a@x.test\r\nSubject: parts\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=outer\r\n\r\n\
        --outer\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n\
        --alt\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\
        Content-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9 au lait\r\n\
        --alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Caf\u{e9}</p>\r\n\
        --alt--\r\n\
        --outer\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\n\
        Content-Disposition: attachment; filename=\"report.pdf\"\r\n\
        Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n\
        --outer--\r\n";
    let done = imap.append("INBOX", "", message.as_bytes());
    assert_eq!(tagged_status(&done), "OK", "{done:?}");
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:mail");
    let got = calls(
        &server,
        &credentials,
        json!([
            ["Email/query", {"accountId": account}, "q"],
            ["Email/get", {
                "accountId": account,
                "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                "properties": ["textBody", "htmlBody", "attachments", "bodyValues", "bodyStructure"],
                "fetchTextBodyValues": true,
                "fetchHTMLBodyValues": true,
                "maxBodyValueBytes": 5
            }, "g"]
        ]),
    );
    let email = &got[1][1]["list"][0];
    assert_eq!(email["textBody"][0]["partId"], "1.1", "{email}");
    assert_eq!(email["textBody"][0]["type"], "text/plain");
    assert_eq!(email["textBody"][0]["charset"], "iso-8859-1");
    assert_eq!(email["htmlBody"][0]["partId"], "1.2");
    let attachment = &email["attachments"][0];
    assert_eq!(attachment["name"], "report.pdf");
    assert_eq!(attachment["type"], "application/pdf");
    assert_eq!(attachment["disposition"], "attachment");
    assert_eq!(attachment["size"], 9, "decoded octets: {attachment}");
    assert!(
        attachment["blobId"].as_str().unwrap().ends_with("-2"),
        "{attachment}"
    );
    // Decoded from quoted-printable and ISO-8859-1, cut at 5 bytes on a character boundary.
    let text = &email["bodyValues"]["1.1"];
    assert_eq!(text["value"], "Caf\u{e9}", "{email}");
    assert_eq!(text["isTruncated"], true);
    assert_eq!(text["isEncodingProblem"], false);
    assert_eq!(email["bodyValues"]["1.2"]["value"], "<p>Ca");
    let structure = &email["bodyStructure"];
    assert_eq!(structure["type"], "multipart/mixed");
    assert_eq!(structure["partId"], Value::Null);
    assert_eq!(structure["subParts"][0]["subParts"][1]["partId"], "1.2");

    // Download (RFC 8620 §6.2): the attachment decoded, under the type asked for.
    let blob = attachment["blobId"].as_str().unwrap();
    let url = |account: &str, blob: &str| {
        https(
            &server,
            &format!("/jmap/download/{account}/{blob}/report.pdf?accept=application/pdf"),
        )
    };
    let pdf = curl(&["-u", &credentials, &url(&account, blob)]);
    assert_eq!(pdf.status, 200, "{}", pdf.body);
    assert_eq!(pdf.body, "%PDF-1.4\n");
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    // The whole message under the email's blobId; nobody else's account, no made-up blob.
    let whole = blob.split('-').next().unwrap();
    let raw = curl(&["-u", &credentials, &url(&account, whole)]);
    assert_eq!(raw.status, 200);
    assert!(
        raw.body.starts_with("From: a@x.test\r\nSubject: parts"),
        "{}",
        raw.body
    );
    server.add_user(&format!("kim@{DOMAIN}"));
    let kim = format!("kim@{DOMAIN}:{PASSWORD}");
    let kim_account = primary_account(
        &curl(&["-u", &kim, &https(&server, "/jmap/session")]).json(),
        "urn:ietf:params:jmap:mail",
    );
    assert_eq!(curl(&["-u", &kim, &url(&kim_account, blob)]).status, 404);
    assert_eq!(curl(&["-u", &kim, &url(&account, blob)]).status, 404);
    assert_eq!(
        curl(&["-u", &credentials, &url(&account, &"0".repeat(64))]).status,
        404
    );
    assert_eq!(
        curl(&["-u", &credentials, &url(&account, &format!("{whole}-9"))]).status,
        404
    );
}

#[test]
fn mailbox_set_builds_the_tree_imap_lists() {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    let credentials = user(&server);
    let mut imap = ImapClient::login(server.addr("imap"), &format!("jo@{DOMAIN}"));
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:mail");
    let set = |arguments: Value| {
        let mut arguments = arguments;
        arguments["accountId"] = json!(account);
        calls(
            &server,
            &credentials,
            json!([["Mailbox/set", arguments, "s"]]),
        )[0][1]
            .clone()
    };
    let r = set(json!({"create": {
        "p": {"name": "Projects", "isSubscribed": true},
        "y": {"name": "2026", "parentId": "#p"},
        "bad": {"name": "x", "role": "inbox"}
    }}));
    let projects = r["created"]["p"]["id"].as_str().unwrap().to_string();
    let year = r["created"]["y"]["id"].as_str().unwrap().to_string();
    assert_eq!(r["notCreated"]["bad"]["type"], "invalidProperties", "{r}");
    let list = imap.ok("LIST \"\" \"*\"");
    assert!(
        list.iter()
            .any(|l| l.contains("\"Projects/2026\"") || l.contains(" Projects/2026")),
        "{list:?}"
    );
    let lsub = imap.ok("LSUB \"\" \"Projects\"");
    assert!(lsub.iter().any(|l| l.contains("Projects")), "{lsub:?}");
    // A rename moves the subtree; a mailbox with a child stays.
    let r = set(json!({"update": {projects.clone(): {"name": "Work"}}}));
    assert_eq!(r["updated"], json!({ projects.clone(): null }), "{r}");
    let list = imap.ok("LIST \"\" \"*\"");
    assert!(list.iter().any(|l| l.contains("Work/2026")), "{list:?}");
    let r = set(json!({"destroy": [projects.clone()]}));
    assert_eq!(
        r["notDestroyed"][&projects]["type"], "mailboxHasChild",
        "{r}"
    );
    // With an email: refused unless onDestroyRemoveEmails.
    let done = imap.append("Work/2026", "", message("filed", "f@x.test", "").as_bytes());
    assert_eq!(tagged_status(&done), "OK", "{done:?}");
    let r = set(json!({"destroy": [year.clone()]}));
    assert_eq!(r["notDestroyed"][&year]["type"], "mailboxHasEmail", "{r}");
    // The child first, then its parent, in one call.
    let r =
        set(json!({"destroy": [year.clone(), projects.clone()], "onDestroyRemoveEmails": true}));
    assert_eq!(r["destroyed"], json!([year, projects]), "{r}");
    let list = imap.ok("LIST \"\" \"*\"");
    assert!(!list.iter().any(|l| l.contains("Work")), "{list:?}");
    // The INBOX stays, and keeps its name.
    let inbox = imap.ok("STATUS INBOX (MAILBOXID)");
    let inbox_id = inbox[0]
        .split("MAILBOXID (")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap();
    let r = set(json!({"destroy": [inbox_id], "update": {inbox_id: {"name": "Old"}}}));
    assert_eq!(r["notDestroyed"][inbox_id]["type"], "forbidden", "{r}");
    assert_eq!(
        r["notUpdated"][inbox_id]["type"], "invalidProperties",
        "{r}"
    );
}

#[test]
fn an_upload_is_imported_as_an_email_of_the_uploader_only() {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    let credentials = user(&server);
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:mail");
    let raw = message("imported", "i1@x.test", "");
    let uploaded = curl(&[
        "-u",
        &credentials,
        "-H",
        "Content-Type: message/rfc822",
        "--data-binary",
        &raw,
        &https(&server, &format!("/jmap/upload/{account}/")),
    ]);
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    let blob = uploaded.json();
    assert_eq!(blob["type"], "message/rfc822");
    assert_eq!(blob["size"], raw.len());
    let blob_id = blob["blobId"].as_str().unwrap().to_string();
    let found = calls(
        &server,
        &credentials,
        json!([["Mailbox/get", {"accountId": account, "properties": ["role"]}, "m"]]),
    );
    let role = |r: &str| id_where(&found[0][1], "role", r);
    let (inbox, archive) = (role("inbox"), role("archive"));
    let imported = calls(
        &server,
        &credentials,
        json!([
            ["Email/import", {"accountId": account, "emails": {
                "e1": {"blobId": blob_id, "mailboxIds": {inbox.clone(): true, archive.clone(): true},
                       "keywords": {"$seen": true}, "receivedAt": "2026-01-02T03:04:05Z"},
                "e2": {"blobId": "0".repeat(64), "mailboxIds": {inbox.clone(): true}},
                "e3": {"blobId": blob_id, "mailboxIds": {}}
            }}, "i"],
        ]),
    );
    let result = &imported[0][1];
    assert_eq!(
        result["notCreated"]["e2"]["type"], "blobNotFound",
        "{result}"
    );
    assert_eq!(
        result["notCreated"]["e3"]["type"], "invalidProperties",
        "{result}"
    );
    assert!(result["created"]["e1"]["threadId"].is_string(), "{result}");
    let got = calls(
        &server,
        &credentials,
        json!([["Email/get", {"accountId": account, "ids": [result["created"]["e1"]["id"]],
                              "properties": ["subject", "mailboxIds", "keywords", "receivedAt", "blobId"]}, "g"]]),
    );
    let email = &got[0][1]["list"][0];
    assert_eq!(email["subject"], "imported", "{}", got[0]);
    assert_eq!(email["mailboxIds"], json!({ inbox: true, archive: true }));
    assert_eq!(email["keywords"], json!({"$seen": true}));
    assert_eq!(email["receivedAt"], "2026-01-02T03:04:05Z");
    assert_eq!(email["blobId"], blob_id.as_str());
    // Over IMAP: in the archive, seen.
    let mut imap = ImapClient::login(server.addr("imap"), &format!("jo@{DOMAIN}"));
    let status = imap.ok("STATUS Archive (MESSAGES UNSEEN)");
    assert!(
        status[0].contains("MESSAGES 1") && status[0].contains("UNSEEN 0"),
        "{status:?}"
    );
    // Another user can neither download nor import the upload.
    server.add_user(&format!("kim@{DOMAIN}"));
    let kim = format!("kim@{DOMAIN}:{PASSWORD}");
    let kim_session = curl(&["-u", &kim, &https(&server, "/jmap/session")]).json();
    let kim_account = primary_account(&kim_session, "urn:ietf:params:jmap:mail");
    let url = format!("/jmap/download/{kim_account}/{blob_id}/m.eml");
    assert_eq!(curl(&["-u", &kim, &https(&server, &url)]).status, 404);
    let body = format!(
        r#"{{"using":{USING},"methodCalls":[["Email/import",{{"accountId":"{kim_account}","emails":{{"x":{{"blobId":"{blob_id}","mailboxIds":{{}}}}}}}},"k"]]}}"#
    );
    let answer = api(&server, &kim, &body).json();
    assert_eq!(
        answer["methodResponses"][0][1]["notCreated"]["x"]["type"], "blobNotFound",
        "{answer}"
    );
}

#[test]
fn the_quota_is_the_accounts_and_found_by_quota_query() {
    let server = TestServer::start("");
    let credentials = user(&server);
    server.admin_ok(&["user", "quota", &format!("jo@{DOMAIN}"), "10M"], "");
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:quota");
    let body = format!(
        r#"{{"using":["urn:ietf:params:jmap:core","urn:ietf:params:jmap:mail","urn:ietf:params:jmap:quota"],
            "methodCalls":[["Quota/get",{{"accountId":"{account}","ids":null}},"q"],
                           ["Quota/get",{{"accountId":"{account}","ids":["storage","nope"]}},"r"],
                           ["Email/queryChanges",{{"accountId":"{account}","sinceQueryState":"x1"}},"c"],
                           ["Quota/query",{{"accountId":"{account}","filter":{{"resourceType":"octets","type":"Email"}}}},"f"],
                           ["Quota/query",{{"accountId":"{account}","filter":{{"scope":"domain"}}}},"g"]]}}"#
    );
    let answer = api(&server, &credentials, &body).json();
    let responses = &answer["methodResponses"];
    let quota = &responses[0][1]["list"][0];
    assert_eq!(quota["resourceType"], "octets", "{answer}");
    assert_eq!(quota["hardLimit"], 10 * 1024 * 1024);
    assert_eq!(quota["scope"], "account");
    assert_eq!(quota["used"], 0);
    assert_eq!(responses[1][1]["notFound"], json!(["nope"]));
    assert_eq!(
        responses[2][1]["type"], "cannotCalculateChanges",
        "{answer}"
    );
    assert_eq!(responses[3][1]["ids"], json!(["storage"]), "{answer}");
    assert_eq!(responses[4][1]["ids"], json!([]), "{answer}");
}

#[test]
fn the_vacation_response_is_stored_and_its_change_pushed_to_changes() {
    let server = TestServer::start("");
    let credentials = user(&server);
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:vacationresponse");
    let request = |calls: Value| {
        let body = json!({
            "using": ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:vacationresponse"],
            "methodCalls": calls,
        });
        let answer = api(&server, &credentials, &body.to_string());
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()["methodResponses"].clone()
    };
    let before = request(json!([["VacationResponse/get", {"accountId": account}, "g"]]));
    assert_eq!(before[0][1]["list"][0]["isEnabled"], false, "{before}");
    let state = before[0][1]["state"].clone();
    let set = request(json!([
        ["VacationResponse/set", {"accountId": account, "update": {"singleton": {
            "isEnabled": true, "subject": "Away", "textBody": "Back on Monday.",
            "fromDate": "2026-12-24T00:00:00Z", "toDate": null
        }}, "destroy": ["singleton"]}, "s"],
        ["VacationResponse/get", {"accountId": account, "ids": ["singleton", "other"]}, "g"]
    ]));
    assert_eq!(set[0][1]["updated"], json!({"singleton": null}), "{set}");
    assert_eq!(set[0][1]["notDestroyed"]["singleton"]["type"], "singleton");
    assert_ne!(set[0][1]["newState"], state);
    let after = &set[1][1]["list"][0];
    assert_eq!(after["isEnabled"], true);
    assert_eq!(after["subject"], "Away");
    assert_eq!(after["textBody"], "Back on Monday.");
    assert_eq!(after["fromDate"], "2026-12-24T00:00:00Z");
    assert_eq!(after["toDate"], Value::Null);
    assert_eq!(set[1][1]["notFound"], json!(["other"]));
    let bad = request(json!([
        ["VacationResponse/set", {"accountId": account, "update": {"singleton": {"isEnabled": "yes"}}}, "s"]
    ]));
    assert_eq!(
        bad[0][1]["notUpdated"]["singleton"]["type"], "invalidProperties",
        "{bad}"
    );
}

/// The `jmap-client` crate (Stalwart's) against the server: session discovery, mailboxes,
/// a message list, keywords, a new folder and a move, each seen over IMAP too.
#[tokio::test]
async fn the_jmap_client_crate_reads_and_organises_mail() {
    use jmap_client::client::Client;
    use jmap_client::email::{Property, query::Filter};
    use jmap_client::mailbox::Role;
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    let address = format!("jo@{DOMAIN}");
    server.add_user(&address);
    let mut imap = ImapClient::login(server.addr("imap"), &address);
    let done = imap.append(
        "INBOX",
        "",
        message("for the crate", "c1@x.test", "").as_bytes(),
    );
    assert_eq!(tagged_status(&done), "OK", "{done:?}");
    let client = Client::new()
        .credentials((address.as_str(), PASSWORD))
        .accept_invalid_certs(true)
        .follow_redirects(["127.0.0.1"])
        .connect(&format!("https://127.0.0.1:{}", server.port("https")))
        .await
        .expect("session discovery");
    let mut request = client.build();
    request.get_mailbox();
    let mailboxes = request.send_get_mailbox().await.unwrap();
    let inbox = mailboxes
        .list()
        .iter()
        .find(|m| m.role() == Role::Inbox)
        .and_then(|m| m.id())
        .expect("an INBOX")
        .to_string();
    let found = client
        .email_query(Filter::in_mailbox(&inbox).into(), None::<Vec<_>>)
        .await
        .unwrap();
    let [id] = found.ids() else {
        panic!("{:?}", found.ids())
    };
    let email = client
        .email_get(id, Some([Property::Subject, Property::MailboxIds]))
        .await
        .unwrap()
        .expect("the email");
    assert_eq!(email.subject(), Some("for the crate"));
    client
        .email_set_keyword(id, "$flagged", true)
        .await
        .unwrap();
    let folder = client
        .mailbox_create("From the crate", None::<String>, Role::None)
        .await
        .unwrap();
    let folder = folder.id().unwrap().to_string();
    client
        .email_set_mailboxes(id, [folder.as_str()])
        .await
        .unwrap();
    let status = imap.ok("STATUS \"From the crate\" (MESSAGES)");
    assert!(status[0].contains("MESSAGES 1"), "{status:?}");
    imap.ok("SELECT \"From the crate\"");
    let flags = imap.ok("FETCH 1 (FLAGS)");
    assert!(flags[0].contains("\\Flagged"), "{flags:?}");
}
