//! Writing and sending over JMAP (RFC 8621 §4.6, §4.9, §5, §6, §7) with curl: a draft created
//! from an Email object with text, HTML and an uploaded attachment, sent with EmailSubmission
//! (`#creationId` of the draft, `onSuccessUpdateEmail` moving it to Sent), received by a
//! local user without its Bcc; the header forms of Email/get; Email/parse; the copy methods
//! and SearchSnippet/get; a From the user may not use refused.

mod common;
use common::curl::*;
use common::*;
use serde_json::{Value, json};

const SUBMISSION_USING: &str = r#"["urn:ietf:params:jmap:core","urn:ietf:params:jmap:mail","urn:ietf:params:jmap:submission"]"#;

/// A request with the submission capability too; its method responses.
fn send(server: &TestServer, credentials: &str, calls: Value) -> Vec<Value> {
    calls_using(server, credentials, SUBMISSION_USING, calls)
}

#[test]
fn a_draft_is_created_sent_and_filed_in_sent() {
    let server = TestServer::start("");
    let credentials = user(&server);
    let ann = format!("ann@{DOMAIN}");
    let bob = format!("bob@{DOMAIN}");
    server.add_user(&ann);
    server.add_user(&bob);
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    assert!(
        session["capabilities"]["urn:ietf:params:jmap:submission"].is_object(),
        "{session}"
    );
    let account = primary_account(&session, "urn:ietf:params:jmap:submission");
    let pdf = "%PDF-1.4 not really a document";
    let uploaded = curl(&[
        "-u",
        &credentials,
        "-H",
        "Content-Type: application/pdf",
        "--data-binary",
        pdf,
        &https(&server, &format!("/jmap/upload/{account}/")),
    ]);
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    let pdf_blob = uploaded.json()["blobId"].as_str().unwrap().to_string();
    let found = send(
        &server,
        &credentials,
        json!([
            ["Mailbox/get", {"accountId": account, "properties": ["role"]}, "m"],
            ["Identity/get", {"accountId": account}, "i"],
        ]),
    );
    let role = |r: &str| id_where(&found[0][1], "role", r);
    let (drafts, sent, inbox) = (role("drafts"), role("sent"), role("inbox"));
    let identity = &found[1][1]["list"][0];
    assert_eq!(identity["email"], format!("jo@{DOMAIN}"), "{identity}");
    let identity = identity["id"].as_str().unwrap().to_string();

    let responses = send(
        &server,
        &credentials,
        json!([
            ["Email/set", {"accountId": account, "create": {"draft": {
                "mailboxIds": {&drafts: true},
                "keywords": {"$draft": true, "$seen": true},
                "from": [{"name": "Jo Example", "email": format!("jo@{DOMAIN}")}],
                "to": [{"name": "Ann", "email": &ann}],
                "bcc": [{"email": &bob}],
                "subject": "Café plans",
                "header:X-Kantor-Test:asText": "composed",
                "textBody": [{"partId": "t", "type": "text/plain"}],
                "htmlBody": [{"partId": "h", "type": "text/html"}],
                "attachments": [{"blobId": &pdf_blob, "type": "application/pdf",
                                 "name": "plan.pdf", "disposition": "attachment"}],
                "bodyValues": {"t": {"value": "Hello Ann"}, "h": {"value": "<p>Hello Ann</p>"}}
            }}}, "c"],
            ["EmailSubmission/set", {"accountId": account,
                "create": {"send": {"identityId": &identity, "emailId": "#draft"}},
                "onSuccessUpdateEmail": {"#send": {
                    format!("mailboxIds/{drafts}"): null,
                    format!("mailboxIds/{sent}"): true,
                    "keywords/$draft": null
                }}}, "s"],
        ]),
    );
    let created = &responses[0][1]["created"]["draft"];
    let email = created["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{responses:?}"))
        .to_string();
    assert!(
        created["blobId"].is_string() && created["threadId"].is_string(),
        "{created}"
    );
    assert!(
        created["size"].as_u64().unwrap() > pdf.len() as u64,
        "{created}"
    );
    assert_eq!(responses[1][0], "EmailSubmission/set", "{responses:?}");
    let submission = &responses[1][1]["created"]["send"];
    assert_eq!(submission["undoStatus"], "final", "{responses:?}");
    // The implicit Email/set of onSuccessUpdateEmail follows, under the same call id.
    assert_eq!(responses[2][0], "Email/set", "{responses:?}");
    assert_eq!(responses[2][2], "s");
    assert!(
        responses[2][1]["updated"].get(&email).is_some(),
        "{responses:?}"
    );

    let got = send(
        &server,
        &credentials,
        json!([["Email/get", {"accountId": account, "ids": [&email],
            "properties": ["subject", "from", "mailboxIds", "keywords", "attachments", "bodyValues",
                           "textBody", "header:X-Kantor-Test:asText", "header:Subject",
                           "header:To:asGroupedAddresses", "headers"],
            "fetchAllBodyValues": true}, "g"],
            ["EmailSubmission/get", {"accountId": account}, "sg"]]),
    );
    let got_email = &got[0][1]["list"][0];
    assert_eq!(got_email["subject"], "Café plans", "{got_email}");
    assert_eq!(
        got_email["from"],
        json!([{"name": "Jo Example", "email": format!("jo@{DOMAIN}")}])
    );
    assert_eq!(got_email["mailboxIds"], json!({&sent: true}), "{got_email}");
    assert_eq!(got_email["keywords"], json!({"$seen": true}), "{got_email}");
    assert_eq!(got_email["header:X-Kantor-Test:asText"], "composed");
    assert!(
        got_email["header:Subject"].as_str().unwrap().contains("=?"),
        "{got_email}"
    );
    assert_eq!(
        got_email["header:To:asGroupedAddresses"],
        json!([{"name": null, "addresses": [{"name": "Ann", "email": &ann}]}])
    );
    assert!(
        got_email["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["name"] == "Bcc"),
        "{got_email}"
    );
    assert_eq!(
        got_email["attachments"][0]["name"], "plan.pdf",
        "{got_email}"
    );
    assert_eq!(got_email["attachments"][0]["type"], "application/pdf");
    let text_part = got_email["textBody"][0]["partId"].as_str().unwrap();
    assert_eq!(
        got_email["bodyValues"][text_part]["value"], "Hello Ann",
        "{got_email}"
    );
    let recorded = &got[1][1]["list"][0];
    assert_eq!(recorded["emailId"], email.as_str(), "{got:?}");
    assert_eq!(
        recorded["envelope"]["rcptTo"].as_array().unwrap().len(),
        2,
        "{recorded}"
    );

    // Ann and Bob received it; neither sees the Bcc.
    for (who, whom) in [(&ann, "Ann"), (&bob, "Bob")] {
        let their = format!("{who}:{PASSWORD}");
        let session = curl(&["-u", &their, &https(&server, "/jmap/session")]).json();
        let account = primary_account(&session, "urn:ietf:params:jmap:mail");
        let received = calls(
            &server,
            &their,
            json!([
                ["Email/query", {"accountId": account}, "q"],
                ["Email/get", {"accountId": account, "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                    "properties": ["subject", "header:Bcc", "attachments"]}, "g"],
            ]),
        );
        let list = received[1][1]["list"].as_array().unwrap();
        assert_eq!(list.len(), 1, "{whom}: {received:?}");
        assert_eq!(list[0]["subject"], "Café plans", "{whom}");
        assert_eq!(list[0]["header:Bcc"], Value::Null, "{whom}: {}", list[0]);
        assert_eq!(list[0]["attachments"][0]["name"], "plan.pdf", "{whom}");
    }
    let _ = inbox;
}

#[test]
fn parse_copy_snippets_and_refusals() {
    let server = TestServer::start("");
    let credentials = user(&server);
    server.add_user(&format!("ann@{DOMAIN}"));
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:mail");
    let found = send(
        &server,
        &credentials,
        json!([["Mailbox/get", {"accountId": account, "properties": ["role"]}, "m"],
               ["Identity/get", {"accountId": account, "properties": ["email"]}, "i"]]),
    );
    let drafts = id_where(&found[0][1], "role", "drafts");
    let identity = found[1][1]["list"][0]["id"].as_str().unwrap().to_string();
    let responses = send(
        &server,
        &credentials,
        json!([
            ["Email/set", {"accountId": account, "create": {
                "forged": {"mailboxIds": {&drafts: true},
                           "from": [{"email": "ceo@elsewhere.test"}],
                           "to": [{"email": format!("ann@{DOMAIN}")}],
                           "subject": "forged",
                           "bodyStructure": {"partId": "b", "type": "text/plain"},
                           "bodyValues": {"b": {"value": "hi"}}},
                "bad": {"mailboxIds": {&drafts: true}, "size": 3},
                "twice": {"mailboxIds": {&drafts: true}, "subject": "a", "header:Subject:asText": "b"},
                "nobody": {"mailboxIds": {&drafts: true}, "from": [{"email": format!("jo@{DOMAIN}")}],
                           "to": [{"email": format!("ghost@{DOMAIN}")}]}
            }}, "c"],
            ["EmailSubmission/set", {"accountId": account, "create": {
                "s1": {"identityId": &identity, "emailId": "#forged"},
                "s2": {"identityId": &identity, "emailId": "#nobody"}}}, "s"],
        ]),
    );
    let set = &responses[0][1];
    assert_eq!(
        set["notCreated"]["bad"]["type"], "invalidProperties",
        "{set}"
    );
    assert_eq!(
        set["notCreated"]["bad"]["properties"],
        json!(["size"]),
        "{set}"
    );
    assert_eq!(
        set["notCreated"]["twice"]["type"], "invalidProperties",
        "{set}"
    );
    let forged = set["created"]["forged"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{set}"))
        .to_string();
    let blob = set["created"]["forged"]["blobId"]
        .as_str()
        .unwrap()
        .to_string();
    let submitted = &responses[1][1];
    assert_eq!(
        submitted["notCreated"]["s1"]["type"], "forbiddenFrom",
        "{submitted}"
    );
    assert_eq!(
        submitted["notCreated"]["s2"]["type"], "invalidRecipients",
        "{submitted}"
    );
    assert_eq!(
        submitted["notCreated"]["s2"]["invalidRecipients"],
        json!([format!("ghost@{DOMAIN}")])
    );

    let responses = send(
        &server,
        &credentials,
        json!([
            ["Email/parse", {"accountId": account, "blobIds": [&blob, "nonexistent"],
                "properties": ["subject", "from", "id", "size", "header:From:asAddresses"]}, "p"],
            ["Email/copy", {"fromAccountId": "A999", "accountId": account,
                "create": {"c": {"id": &forged, "mailboxIds": {&drafts: true}}}}, "c"],
            ["Blob/copy", {"fromAccountId": &account, "accountId": &account, "blobIds": [&blob]}, "b"],
            ["SearchSnippet/get", {"accountId": account, "emailIds": [&forged, "M999999"],
                "filter": {"inMailbox": &drafts}}, "n"],
        ]),
    );
    let parsed = &responses[0][1]["parsed"][&blob];
    assert_eq!(parsed["subject"], "forged", "{responses:?}");
    assert_eq!(parsed["id"], Value::Null);
    assert!(parsed["size"].as_u64().unwrap() > 0);
    assert_eq!(
        parsed["header:From:asAddresses"],
        json!([{"name": null, "email": "ceo@elsewhere.test"}])
    );
    assert_eq!(responses[0][1]["notFound"], json!(["nonexistent"]));
    assert_eq!(responses[1][0], "error");
    assert_eq!(
        responses[1][1]["type"], "fromAccountNotFound",
        "{responses:?}"
    );
    assert_eq!(responses[2][1]["type"], "invalidArguments", "{responses:?}");
    assert_eq!(
        responses[3][1]["list"],
        json!([{"emailId": &forged, "subject": null, "preview": null}])
    );
    assert_eq!(responses[3][1]["notFound"], json!(["M999999"]));

    let untracked = send(
        &server,
        &credentials,
        json!([["EmailSubmission/queryChanges", {"accountId": account, "sinceQueryState": "1"}, "q"]]),
    );
    assert_eq!(
        untracked[0][1]["type"], "cannotCalculateChanges",
        "{untracked:?}"
    );

    // A header form the RFC does not allow for a field is invalidArguments.
    let bad = calls(
        &server,
        &credentials,
        json!([["Email/get", {"accountId": account, "ids": [&forged], "properties": ["header:Subject:asAddresses"]}, "g"]]),
    );
    assert_eq!(bad[0][1]["type"], "invalidArguments", "{bad:?}");
}

#[tokio::test]
async fn the_jmap_client_crate_writes_and_sends_mail() {
    use jmap_client::client::Client;
    use jmap_client::email::EmailBodyPart;
    use jmap_client::mailbox::Role;
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    let address = format!("jo@{DOMAIN}");
    let ann = format!("ann@{DOMAIN}");
    server.add_user(&address);
    server.add_user(&ann);
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
    let drafts = mailboxes
        .list()
        .iter()
        .find(|m| m.role() == Role::Drafts)
        .and_then(|m| m.id())
        .expect("Drafts")
        .to_string();
    let mut request = client.build();
    request.get_identity();
    let identities = request.send_get_identity().await.unwrap();
    let identity = identities.list()[0].id().unwrap().to_string();
    assert_eq!(identities.list()[0].email(), Some(address.as_str()));

    let mut request = client.build();
    let set = request.set_email();
    let draft = "draft".to_string();
    set.create_with_id(&draft)
        .mailbox_ids([drafts.as_str()])
        .keywords(["$draft"])
        .from([address.as_str()])
        .to([ann.as_str()])
        .subject("From the crate")
        .text_body(EmailBodyPart::new().part_id("t").content_type("text/plain"))
        .body_value("t".to_string(), "Sent by jmap-client.");
    let email = request
        .send_set_email()
        .await
        .unwrap()
        .created(&draft)
        .expect("the draft");
    let email_id = email.id().unwrap().to_string();
    let submission = client
        .email_submission_create(&email_id, &identity)
        .await
        .expect("sent");
    let submission_id = submission.id().unwrap().to_string();
    let recorded = client
        .email_submission_get(&submission_id, None)
        .await
        .unwrap()
        .expect("the submission");
    assert_eq!(recorded.email_id(), Some(email_id.as_str()));

    // Ann reads it over IMAP.
    let mut imap = ImapClient::login(server.addr("imap"), &ann);
    imap.ok("SELECT INBOX");
    let fetched = imap.ok("FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)] BODY.PEEK[TEXT])");
    let text = fetched.join("\n");
    assert!(text.contains("Subject: From the crate"), "{text}");
    assert!(text.contains(&address), "{text}");
    assert!(text.contains("Sent by jmap-client."), "{text}");
}

#[test]
fn identities_are_the_addresses_a_user_may_send_as() {
    let server = TestServer::start("");
    let credentials = user(&server);
    let sales = format!("sales@{DOMAIN}");
    server.admin_ok(&["alias", "add", &sales, &format!("jo@{DOMAIN}")], "");
    server.add_user(&format!("ann@{DOMAIN}"));
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, "urn:ietf:params:jmap:submission");
    let first = send(
        &server,
        &credentials,
        json!([["Identity/get", {"accountId": account}, "i"]]),
    );
    let primary = first[0][1]["list"][0].clone();
    let state = first[0][1]["state"].as_str().unwrap().to_string();
    assert_eq!(primary["mayDelete"], false, "{primary}");
    let primary_id = primary["id"].as_str().unwrap().to_string();
    let responses = send(
        &server,
        &credentials,
        json!([
            ["Identity/set", {"accountId": account, "create": {
                "s": {"email": &sales, "name": "Sales team", "textSignature": "-- Sales"},
                "x": {"email": "boss@elsewhere.test"},
                "y": {"email": &sales, "mayDelete": true}
            }, "update": {&primary_id: {"name": "Jo Example", "htmlSignature": "<b>Jo</b>"}},
               "destroy": [&primary_id]}, "s"],
            ["Identity/changes", {"accountId": account, "sinceState": &state}, "c"],
            ["Identity/get", {"accountId": account, "properties": ["name", "email", "textSignature", "mayDelete"]}, "g"],
        ]),
    );
    let set = &responses[0][1];
    let created = set["created"]["s"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{set}"))
        .to_string();
    assert_eq!(set["notCreated"]["x"]["type"], "forbiddenFrom", "{set}");
    assert_eq!(set["notCreated"]["y"]["type"], "invalidProperties", "{set}");
    assert!(set["updated"].get(&primary_id).is_some(), "{set}");
    assert_eq!(
        set["notDestroyed"][&primary_id]["type"], "forbidden",
        "{set}"
    );
    let changes = &responses[1][1];
    assert_eq!(changes["created"], json!([&created]), "{changes}");
    assert_eq!(changes["updated"], json!([&primary_id]), "{changes}");
    let list = responses[2][1]["list"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[0]["name"], "Jo Example");
    assert_eq!(
        list[1],
        json!({"id": &created, "name": "Sales team", "email": &sales,
                               "textSignature": "-- Sales", "mayDelete": true})
    );

    // Sending as the alias with its identity; then the identity goes.
    let found = send(
        &server,
        &credentials,
        json!([["Mailbox/get", {"accountId": account, "properties": ["role"]}, "m"]]),
    );
    let drafts = id_where(&found[0][1], "role", "drafts");
    let responses = send(
        &server,
        &credentials,
        json!([
            ["Email/set", {"accountId": account, "create": {"d": {
                "mailboxIds": {&drafts: true}, "from": [{"name": "Sales team", "email": &sales}],
                "to": [{"email": format!("ann@{DOMAIN}")}], "subject": "Offer",
                "bodyStructure": {"partId": "b", "type": "text/plain"}, "bodyValues": {"b": {"value": "Hi"}}}}}, "e"],
            ["EmailSubmission/set", {"accountId": account, "create": {"s": {"identityId": &created, "emailId": "#d"}},
                "onSuccessDestroyEmail": ["#s"]}, "s"],
            ["Identity/set", {"accountId": account, "destroy": [&created]}, "x"],
            ["EmailSubmission/set", {"accountId": account, "create": {"t": {"identityId": &created, "emailId": "#d"}}}, "t"],
        ]),
    );
    assert_eq!(
        responses[1][1]["created"]["s"]["undoStatus"], "final",
        "{responses:?}"
    );
    // onSuccessDestroyEmail: the draft is gone once sent.
    assert_eq!(responses[2][0], "Email/set", "{responses:?}");
    assert_eq!(
        responses[2][1]["destroyed"].as_array().map(Vec::len),
        Some(1),
        "{responses:?}"
    );
    assert_eq!(
        responses[3][1]["destroyed"],
        json!([&created]),
        "{responses:?}"
    );
    assert_eq!(
        responses[4][1]["notCreated"]["t"]["type"], "invalidProperties",
        "{responses:?}"
    );
}
