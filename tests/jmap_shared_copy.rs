//! Writing into accounts shared with the user over JMAP, with curl (RFC 8620 §6.1; RFC 8621
//! §4.8): rights granted with `kantor admin acl` (RFC 4314), mail delivered with swaks. Upload
//! and Email/import into another's account need `i`.

mod common;
use common::curl::*;
use common::*;
use serde_json::{Value, json};

const MAIL: &str = "urn:ietf:params:jmap:mail";

/// Olivia's account (Projects beside the INBOX, emails one, two and three in the INBOX) and
/// Mark's (an email "mine" in his INBOX); Oscar, who holds nothing.
struct Setup {
    server: TestServer,
    olivia: String,
    mark: String,
    oscar: String,
    /// Olivia's account and her INBOX and Projects.
    account: String,
    inbox: String,
    projects: String,
    /// Mark's account and INBOX.
    mark_account: String,
    mark_inbox: String,
}

fn address(name: &str) -> String {
    format!("{name}@{DOMAIN}")
}

fn credentials(name: &str) -> String {
    format!("{}:{PASSWORD}", address(name))
}

fn call(server: &TestServer, who: &str, method: &str, arguments: Value) -> Value {
    calls(server, who, json!([[method, arguments, "c"]]))[0].clone()
}

fn ok(server: &TestServer, who: &str, method: &str, arguments: Value) -> Value {
    let response = call(server, who, method, arguments);
    assert_eq!(response[0], method, "{response}");
    response[1].clone()
}

impl Setup {
    fn new() -> Setup {
        let server = TestServer::start("");
        for name in ["olivia", "mark", "oscar"] {
            server.add_user(&address(name));
        }
        let (olivia, mark) = (credentials("olivia"), credentials("mark"));
        let session = |who: &str| curl(&["-u", who, &https(&server, "/jmap/session")]).json();
        let account = primary_account(&session(&olivia), MAIL);
        let mark_account = primary_account(&session(&mark), MAIL);
        let created = ok(
            &server,
            &olivia,
            "Mailbox/set",
            json!({"accountId": account, "create": {"p": {"name": "Projects"}}}),
        );
        let projects = created["created"]["p"]["id"].as_str().unwrap().to_string();
        for subject in ["one", "two", "three"] {
            swaks_submit(
                &server,
                &address("oscar"),
                &address("olivia"),
                subject,
                "hi",
            );
        }
        swaks_submit(&server, &address("oscar"), &address("mark"), "mine", "hi");
        let inbox_of = |who: &str, account: &str| {
            let got = ok(
                &server,
                who,
                "Mailbox/get",
                json!({"accountId": account, "ids": null}),
            );
            id_where(&got, "role", "inbox")
        };
        Setup {
            inbox: inbox_of(&olivia, &account),
            mark_inbox: inbox_of(&mark, &mark_account),
            olivia,
            mark,
            oscar: credentials("oscar"),
            account,
            projects,
            mark_account,
            server,
        }
    }

    fn grant(&self, grantee: &str, rights: &str, mailbox: &str) {
        let args = [
            "acl",
            "set",
            &address("olivia"),
            &address(grantee),
            rights,
            "--mailbox",
            mailbox,
        ];
        self.server.admin_ok(&args, "");
    }

    /// (subject, id, mailboxIds) of every email `who` finds in `account`, by subject.
    fn emails(&self, who: &str, account: &str) -> Vec<(String, String, Value)> {
        let responses = calls(
            &self.server,
            who,
            json!([
                ["Email/query", {"accountId": account}, "q"],
                ["Email/get", {
                    "accountId": account,
                    "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                    "properties": ["subject", "mailboxIds"]
                }, "g"]
            ]),
        );
        assert_eq!(responses[1][0], "Email/get", "{responses:?}");
        let mut out: Vec<_> = responses[1][1]["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["subject"].as_str().unwrap().to_string(),
                    e["id"].as_str().unwrap().to_string(),
                    e["mailboxIds"].clone(),
                )
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn subjects(&self, who: &str, account: &str) -> Vec<String> {
        self.emails(who, account)
            .into_iter()
            .map(|(s, _, _)| s)
            .collect()
    }
}

fn upload(server: &TestServer, who: &str, account: &str, body: &str) -> Answer {
    curl(&[
        "-u",
        who,
        "-H",
        "Content-Type: message/rfc822",
        "--data-binary",
        body,
        &https(server, &format!("/jmap/upload/{account}/")),
    ])
}

fn download(server: &TestServer, who: &str, account: &str, blob: &str) -> Answer {
    let path = format!("/jmap/download/{account}/{blob}/m.eml");
    curl(&["-u", who, &https(server, &path)])
}

#[test]
fn upload_and_import_into_a_shared_account_need_the_insert_right() {
    let setup = Setup::new();
    let server = &setup.server;
    let raw = "From: mark@example.test\r\nSubject: filed by mark\r\n\r\nnotes\r\n";
    // Mark sees the INBOX and Projects but may file in neither: 403; Oscar sees nothing: 404.
    setup.grant("mark", "lr", "INBOX");
    setup.grant("mark", "lr", "Projects");
    let refused = upload(server, &setup.mark, &setup.account, raw);
    assert_eq!(refused.status, 403, "{}", refused.body);
    let unknown = upload(server, &setup.oscar, &setup.account, raw);
    assert_eq!(unknown.status, 404, "{}", unknown.body);

    setup.grant("mark", "lri", "Projects");
    let uploaded = upload(server, &setup.mark, &setup.account, raw);
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    let uploaded = uploaded.json();
    assert_eq!(uploaded["accountId"], setup.account.as_str());
    let blob = uploaded["blobId"].as_str().unwrap().to_string();
    // The upload is the shared account's, not Mark's own.
    let import = |account: &str, mailbox: &str| {
        ok(
            server,
            &setup.mark,
            "Email/import",
            json!({"accountId": account, "emails": {
                "e": {"blobId": blob, "mailboxIds": {mailbox: true}}
            }}),
        )
    };
    let own = import(&setup.mark_account, &setup.mark_inbox);
    assert_eq!(own["notCreated"]["e"]["type"], "blobNotFound", "{own}");
    // Into the INBOX (no `i`): forbidden; into both: forbidden, nothing filed.
    let inbox = import(&setup.account, &setup.inbox);
    assert_eq!(inbox["notCreated"]["e"]["type"], "forbidden", "{inbox}");
    let both = ok(
        server,
        &setup.mark,
        "Email/import",
        json!({"accountId": setup.account, "emails": {"e": {"blobId": blob,
            "mailboxIds": {setup.inbox.clone(): true, setup.projects.clone(): true}}}}),
    );
    assert_eq!(both["notCreated"]["e"]["type"], "forbidden", "{both}");
    assert!(
        !setup
            .subjects(&setup.olivia, &setup.account)
            .contains(&"filed by mark".into())
    );

    let filed = import(&setup.account, &setup.projects);
    let id = filed["created"]["e"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{filed}"));
    // Olivia finds it in Projects; Mark can read it there and download its blob.
    let olivia_sees = setup.emails(&setup.olivia, &setup.account);
    let (_, olivia_id, mailboxes) = olivia_sees
        .iter()
        .find(|(s, _, _)| s == "filed by mark")
        .unwrap_or_else(|| panic!("{olivia_sees:?}"));
    assert_eq!(olivia_id, id);
    assert_eq!(mailboxes, &json!({setup.projects.clone(): true}));
    let got = download(server, &setup.mark, &setup.account, &blob);
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body, raw);
    // Oscar, once he may read the INBOX only, may not download a blob filed in Projects.
    setup.grant("oscar", "lr", "INBOX");
    assert_eq!(
        download(server, &setup.oscar, &setup.account, &blob).status,
        404
    );
    setup.grant("oscar", "lr", "Projects");
    assert_eq!(
        download(server, &setup.oscar, &setup.account, &blob).status,
        200
    );
}
