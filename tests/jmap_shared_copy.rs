//! Writing into accounts shared with the user over JMAP, with curl (RFC 8620 §5.4, §6.1, §6.3;
//! RFC 8621 §4.7, §4.8): rights granted with `kantor admin acl` (RFC 4314), mail delivered with
//! swaks. Upload and Email/import into another's account need `i`; Email/copy and Blob/copy
//! between the user's account and a shared one need `r` on the source and `i` on each target,
//! and onSuccessDestroyOriginal `t e` on the source; a rights change makes the shared
//! account's `/changes` answer `cannotCalculateChanges`.

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

    fn id(&self, who: &str, account: &str, subject: &str) -> String {
        self.emails(who, account)
            .into_iter()
            .find(|(s, _, _)| s == subject)
            .unwrap_or_else(|| panic!("no {subject} for {who} in {account}"))
            .1
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

#[test]
fn email_copy_from_the_personal_account_into_a_shared_one() {
    let setup = Setup::new();
    let server = &setup.server;
    let mine = setup.id(&setup.mark, &setup.mark_account, "mine");
    let copy = |mailbox: &str| {
        ok(
            server,
            &setup.mark,
            "Email/copy",
            json!({"fromAccountId": setup.mark_account, "accountId": setup.account,
                   "create": {"k": {"id": mine, "mailboxIds": {mailbox: true},
                                    "keywords": {"$flagged": true}}}}),
        )
    };
    // Nothing granted: Olivia's account does not exist for Mark.
    let none = call(
        server,
        &setup.mark,
        "Email/copy",
        json!({"fromAccountId": setup.mark_account, "accountId": setup.account,
               "create": {"k": {"id": mine, "mailboxIds": {setup.projects.clone(): true}}}}),
    );
    assert_eq!(none[1]["type"], "accountNotFound", "{none}");
    // Projects seen and read, not filed into: forbidden, and nothing new there.
    setup.grant("mark", "lr", "Projects");
    let refused = copy(&setup.projects);
    assert_eq!(refused["notCreated"]["k"]["type"], "forbidden", "{refused}");
    assert_eq!(setup.subjects(&setup.olivia, &setup.account).len(), 3);

    setup.grant("mark", "lri", "Projects");
    let copied = copy(&setup.projects);
    assert_eq!(
        copied["fromAccountId"],
        setup.mark_account.as_str(),
        "{copied}"
    );
    let id = copied["created"]["k"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{copied}"));
    assert_ne!(id, mine, "a new email of Olivia's account");
    // Another member who may read Projects sees the copy, flagged as asked.
    setup.grant("oscar", "lr", "Projects");
    let got = ok(
        server,
        &setup.oscar,
        "Email/get",
        json!({"accountId": setup.account, "ids": [id],
               "properties": ["subject", "mailboxIds", "keywords", "blobId"]}),
    );
    let email = &got["list"][0];
    assert_eq!(email["subject"], "mine", "{got}");
    assert_eq!(email["mailboxIds"], json!({setup.projects.clone(): true}));
    assert_eq!(email["keywords"], json!({"$flagged": true}));
    assert_eq!(email["blobId"], copied["created"]["k"]["blobId"]);
    // Mark's original is still his.
    assert!(
        setup
            .subjects(&setup.mark, &setup.mark_account)
            .contains(&"mine".into())
    );
    // An unknown id is notFound; a wrong ifFromInState is stateMismatch.
    let unknown = ok(
        server,
        &setup.mark,
        "Email/copy",
        json!({"fromAccountId": setup.mark_account, "accountId": setup.account,
               "create": {"u": {"id": "M999999", "mailboxIds": {setup.projects.clone(): true}}}}),
    );
    assert_eq!(unknown["notCreated"]["u"]["type"], "notFound", "{unknown}");
    let stale = call(
        server,
        &setup.mark,
        "Email/copy",
        json!({"fromAccountId": setup.mark_account, "accountId": setup.account,
               "ifFromInState": "1",
               "create": {"k": {"id": mine, "mailboxIds": {setup.projects.clone(): true}}}}),
    );
    assert_eq!(stale[1]["type"], "stateMismatch", "{stale}");
}

#[test]
fn email_copy_from_a_shared_account_and_destroying_the_original() {
    let setup = Setup::new();
    let server = &setup.server;
    let one = setup.id(&setup.olivia, &setup.account, "one");
    let copy_one = |destroy: bool, extra: Value| {
        let mut arguments = json!({"fromAccountId": setup.account, "accountId": setup.mark_account,
               "create": {"k": {"id": one, "mailboxIds": {setup.mark_inbox.clone(): true}}},
               "onSuccessDestroyOriginal": destroy});
        for (k, v) in extra.as_object().unwrap() {
            arguments[k] = v.clone();
        }
        calls(server, &setup.mark, json!([["Email/copy", arguments, "c"]]))
    };
    // Oscar reaches no account of Olivia's: fromAccountNotFound.
    let session = curl(&["-u", &setup.oscar, &https(server, "/jmap/session")]).json();
    let oscar_account = primary_account(&session, MAIL);
    let oscar = call(
        server,
        &setup.oscar,
        "Email/copy",
        json!({"fromAccountId": setup.account, "accountId": oscar_account,
               "create": {"k": {"id": one, "mailboxIds": {setup.mark_inbox.clone(): true}}}}),
    );
    assert_eq!(oscar[1]["type"], "fromAccountNotFound", "{oscar}");
    // Mark sees Projects only: the INBOX's email does not exist for him.
    setup.grant("mark", "lr", "Projects");
    let hidden = copy_one(false, json!({}));
    assert_eq!(
        hidden[0][1]["notCreated"]["k"]["type"], "notFound",
        "{hidden:?}"
    );

    // Read only: copied, but the original may not be destroyed.
    setup.grant("mark", "lr", "INBOX");
    let kept = copy_one(true, json!({}));
    assert_eq!(kept.len(), 2, "the implicit Email/set follows: {kept:?}");
    assert!(kept[0][1]["created"]["k"]["id"].is_string(), "{kept:?}");
    assert_eq!(kept[1][0], "Email/set", "{kept:?}");
    assert_eq!(kept[1][2], "c", "under the copy's call id");
    assert_eq!(
        kept[1][1]["notDestroyed"][&one]["type"], "forbidden",
        "{kept:?}"
    );
    assert!(
        setup
            .subjects(&setup.olivia, &setup.account)
            .contains(&"one".into())
    );
    let mark_has = |n: usize| {
        let mine: Vec<String> = setup.subjects(&setup.mark, &setup.mark_account);
        assert_eq!(mine.iter().filter(|s| *s == "one").count(), n, "{mine:?}");
    };
    mark_has(1);

    // With `t e` a wrong destroyFromIfInState leaves the original; the right one destroys it.
    setup.grant("mark", "lrte", "INBOX");
    let mismatch = copy_one(true, json!({"destroyFromIfInState": "1"}));
    assert_eq!(mismatch[1][1]["type"], "stateMismatch", "{mismatch:?}");
    assert!(
        setup
            .subjects(&setup.olivia, &setup.account)
            .contains(&"one".into())
    );
    mark_has(2);
    let moved = copy_one(true, json!({}));
    let new_id = moved[0][1]["created"]["k"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(moved[1][1]["destroyed"], json!([one]), "{moved:?}");
    assert_eq!(
        setup.subjects(&setup.olivia, &setup.account),
        ["three", "two"],
        "the original is gone from Olivia's account"
    );
    mark_has(3);
    let got = ok(
        server,
        &setup.mark,
        "Email/get",
        json!({"accountId": setup.mark_account, "ids": [new_id], "properties": ["mailboxIds"]}),
    );
    assert_eq!(
        got["list"][0]["mailboxIds"],
        json!({setup.mark_inbox.clone(): true}),
        "{got}"
    );

    // Blob/copy: the blob of "two" becomes Mark's, downloadable from his account.
    let two = ok(
        server,
        &setup.olivia,
        "Email/get",
        json!({"accountId": setup.account, "ids": [setup.id(&setup.olivia, &setup.account, "two")],
               "properties": ["blobId"]}),
    );
    let blob = two["list"][0]["blobId"].as_str().unwrap().to_string();
    assert_eq!(
        download(server, &setup.mark, &setup.mark_account, &blob).status,
        404
    );
    let copied = ok(
        server,
        &setup.mark,
        "Blob/copy",
        json!({"fromAccountId": setup.account, "accountId": setup.mark_account,
               "blobIds": [blob, "0".repeat(64)]}),
    );
    assert_eq!(copied["copied"][&blob], blob.as_str(), "{copied}");
    assert_eq!(
        copied["notCopied"]["0".repeat(64)]["type"],
        "notFound",
        "{copied}"
    );
    let got = download(server, &setup.mark, &setup.mark_account, &blob);
    assert_eq!(got.status, 200);
    assert!(got.body.contains("Subject: two"), "{}", got.body);
}

#[test]
fn changes_after_a_revocation_cannot_be_calculated() {
    let setup = Setup::new();
    let server = &setup.server;
    setup.grant("mark", "lr", "INBOX");
    setup.grant("mark", "lr", "Projects");
    let states = || {
        let responses = calls(
            server,
            &setup.mark,
            json!([
                ["Email/get", {"accountId": setup.account, "ids": []}, "e"],
                ["Mailbox/get", {"accountId": setup.account, "ids": []}, "m"],
                ["Email/query", {"accountId": setup.account}, "q"],
            ]),
        );
        (
            responses[0][1]["state"].as_str().unwrap().to_string(),
            responses[1][1]["state"].as_str().unwrap().to_string(),
            responses[2][1]["queryState"].as_str().unwrap().to_string(),
        )
    };
    let changes = |email: &str, mailbox: &str, query: &str| {
        calls(
            server,
            &setup.mark,
            json!([
                ["Email/changes", {"accountId": setup.account, "sinceState": email}, "e"],
                ["Mailbox/changes", {"accountId": setup.account, "sinceState": mailbox}, "m"],
                ["Email/queryChanges", {"accountId": setup.account, "sinceQueryState": query}, "q"],
            ]),
        )
    };
    let (email, mailbox, query) = states();
    // Nothing changed: the changes are calculated (and empty).
    let same = changes(&email, &mailbox, &query);
    assert_eq!(same[0][0], "Email/changes", "{same:?}");
    assert_eq!(same[0][1]["destroyed"], json!([]), "{same:?}");
    assert_eq!(same[1][0], "Mailbox/changes", "{same:?}");
    assert_eq!(same[2][0], "Email/queryChanges", "{same:?}");
    // `r` withdrawn on the INBOX: its emails went out of sight, which the log does not say.
    setup.grant("mark", "l", "INBOX");
    let after = changes(&email, &mailbox, &query);
    for (i, method) in ["Email/changes", "Mailbox/changes", "Email/queryChanges"]
        .iter()
        .enumerate()
    {
        assert_eq!(after[i][0], "error", "{method}: {after:?}");
        assert_eq!(
            after[i][1]["type"], "cannotCalculateChanges",
            "{method}: {after:?}"
        );
    }
    // From the new states, calculated again: a new email in Projects is created for Mark.
    let (email, mailbox, query) = states();
    assert_ne!(email, "", "a state");
    let mine = setup.id(&setup.mark, &setup.mark_account, "mine");
    setup.grant("mark", "lri", "Projects");
    let (email2, _, _) = states();
    let copied = ok(
        server,
        &setup.mark,
        "Email/copy",
        json!({"fromAccountId": setup.mark_account, "accountId": setup.account,
               "create": {"k": {"id": mine, "mailboxIds": {setup.projects.clone(): true}}}}),
    );
    let id = copied["created"]["k"]["id"].clone();
    let later = changes(&email2, &mailbox, &query);
    assert_eq!(later[0][1]["created"], json!([id]), "{later:?}");
    assert_ne!(email, email2, "the grant of i changed the state");
}
