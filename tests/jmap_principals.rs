//! JMAP Sharing (RFC 9670) over curl: the session's principals capability and account
//! capabilities (§2), Principal/get and /query over the directory's users, shared mailboxes and
//! groups (§3; /set refused), and the ShareNotification a user gets when the owner of a folder
//! shares it with them over IMAP (curl's IMAP `SETACL`), read, queried, followed by /changes and
//! dismissed (§5). A change for a group the user is in makes no notice (§5).

mod common;
use common::curl::*;
use common::*;
use serde_json::{Value, json};

const USING: &str = r#"["urn:ietf:params:jmap:core","urn:ietf:params:jmap:mail","urn:ietf:params:jmap:principals"]"#;
const PRINCIPALS: &str = "urn:ietf:params:jmap:principals";

/// The arguments of the one response to `method`, which must be that method's (no error).
fn ok(server: &TestServer, who: &str, method: &str, arguments: Value) -> Value {
    let responses = calls_using(server, who, USING, json!([[method, arguments, "c"]]));
    assert_eq!(responses[0][0], method, "{responses:?}");
    responses[0][1].clone()
}

/// An IMAP command run by curl as `who` (RFC 4314 SETACL, here).
fn imap(server: &TestServer, who: &str, command: &str) {
    let url = format!("imaps://127.0.0.1:{}/", server.port("imaps"));
    let out = std::process::Command::new("curl")
        .args(["-sk", "--max-time", "20", "-u", who, &url, "-X", command])
        .output()
        .unwrap();
    assert!(out.status.success(), "{command}: {out:?}");
}

#[test]
fn principals_and_share_notifications() {
    let server = TestServer::start("");
    let (olivia, mark) = (format!("olivia@{DOMAIN}"), format!("mark@{DOMAIN}"));
    server.add_user(&olivia);
    server.add_user(&mark);
    let (team, sales) = (format!("team@{DOMAIN}"), format!("sales@{DOMAIN}"));
    server.admin_ok(&["group", "add", &team], "");
    server.admin_ok(&["group", "add-member", &team, &mark], "");
    server.admin_ok(&["shared", "add", &sales, "--member", &olivia], "");
    let mark_login = credentials(&mark);
    let olivia_login = credentials(&olivia);

    // §2: the capability, and in the personal account who the user is.
    let session = curl(&["-u", &mark_login, &https(&server, "/jmap/session")]).json();
    assert_eq!(session["capabilities"][PRINCIPALS], json!({}), "{session}");
    let account = primary_account(&session, PRINCIPALS);
    let me =
        session["accounts"][&account]["accountCapabilities"][PRINCIPALS]["currentUserPrincipalId"]
            .as_str()
            .unwrap_or_else(|| panic!("{session}"))
            .to_string();
    let owner = &session["accounts"][&account]["accountCapabilities"]["urn:ietf:params:jmap:principals:owner"];
    assert_eq!(owner["principalId"], me.as_str(), "{session}");
    assert_eq!(
        owner["accountIdForPrincipal"],
        account.as_str(),
        "{session}"
    );

    // §3: the directory, by type.
    let everyone = ok(
        &server,
        &mark_login,
        "Principal/get",
        json!({"accountId": account, "ids": null}),
    );
    let kinds: Vec<(String, String)> = everyone["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["email"].as_str().unwrap().to_string(),
                p["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (who, kind) in [
        (&olivia, "individual"),
        (&mark, "individual"),
        (&team, "group"),
        (&sales, "other"),
    ] {
        assert!(
            kinds.contains(&(who.clone(), kind.to_string())),
            "{who} {kind}: {kinds:?}"
        );
    }
    let individuals = ok(
        &server,
        &mark_login,
        "Principal/query",
        json!({"accountId": account, "filter": {"type": "individual"}, "sort": [{"property": "email"}]}),
    );
    let olivia_principal = id_where(&everyone, "email", &olivia);
    // Users only (the administrator's account among them), by email.
    let emails: Vec<&str> = individuals["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| {
            let p = everyone["list"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == *id);
            p.unwrap()["email"].as_str().unwrap()
        })
        .collect();
    let mut sorted = emails.clone();
    sorted.sort();
    assert_eq!(emails, sorted, "{individuals}");
    assert!(
        emails.contains(&mark.as_str()) && emails.contains(&olivia.as_str()),
        "{emails:?}"
    );
    assert!(
        !emails.contains(&team.as_str()) && !emails.contains(&sales.as_str()),
        "{emails:?}"
    );
    let by_text = ok(
        &server,
        &mark_login,
        "Principal/query",
        json!({"accountId": account, "filter": {"text": "SALES"}}),
    );
    assert_eq!(by_text["ids"].as_array().unwrap().len(), 1, "{by_text}");
    // Olivia's data is not reachable yet.
    let theirs = |server: &TestServer| {
        ok(
            server,
            &mark_login,
            "Principal/get",
            json!({"accountId": account, "ids": [olivia_principal]}),
        )["list"][0]["accounts"]
            .clone()
    };
    assert_eq!(theirs(&server), Value::Null);
    let refused = ok(
        &server,
        &mark_login,
        "Principal/set",
        json!({"accountId": account, "update": {me.clone(): {"name": "Mark"}}}),
    );
    assert_eq!(refused["notUpdated"][&me]["type"], "forbidden", "{refused}");

    // §5: olivia shares her INBOX with mark over IMAP; a change for mark's group tells nothing.
    let before = ok(
        &server,
        &mark_login,
        "ShareNotification/get",
        json!({"accountId": account, "ids": null}),
    );
    assert_eq!(before["list"], json!([]), "{before}");
    server.admin_ok(
        &["acl", "set", &olivia, &team, "l", "--mailbox", "Sent"],
        "",
    );
    imap(&server, &olivia_login, &format!("SETACL INBOX {mark} lrs"));
    let notices = ok(
        &server,
        &mark_login,
        "ShareNotification/get",
        json!({"accountId": account, "ids": null}),
    );
    let list = notices["list"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{notices}");
    let notice = &list[0];
    assert_eq!(notice["objectType"], "Mailbox");
    assert_eq!(notice["name"], "INBOX");
    assert_eq!(notice["changedBy"]["email"], olivia.as_str(), "{notice}");
    assert_eq!(
        notice["changedBy"]["principalId"],
        olivia_principal.as_str(),
        "{notice}"
    );
    assert_eq!(notice["oldRights"]["mayReadItems"], false, "{notice}");
    assert_eq!(notice["newRights"]["mayReadItems"], true, "{notice}");
    assert_eq!(notice["newRights"]["maySetSeen"], true, "{notice}");
    assert_eq!(notice["newRights"]["mayAddItems"], false, "{notice}");
    let olivia_account = notice["objectAccountId"].as_str().unwrap().to_string();
    // Now olivia's principal names the account mark may reach.
    assert!(
        theirs(&server)[&olivia_account].is_object(),
        "{}",
        theirs(&server)
    );

    let id = notice["id"].as_str().unwrap().to_string();
    let changes = ok(
        &server,
        &mark_login,
        "ShareNotification/changes",
        json!({"accountId": account, "sinceState": before["state"]}),
    );
    assert_eq!(changes["created"], json!([id]), "{changes}");
    let query = ok(
        &server,
        &mark_login,
        "ShareNotification/query",
        json!({"accountId": account, "filter": {"objectAccountId": olivia_account}, "sort": [{"property": "created", "isAscending": false}]}),
    );
    assert_eq!(query["ids"], json!([id]), "{query}");
    let none = ok(
        &server,
        &mark_login,
        "ShareNotification/query",
        json!({"accountId": account, "filter": {"objectAccountId": "A999999"}}),
    );
    assert_eq!(none["ids"], json!([]), "{none}");

    // Dismissed with /set destroy; create is forbidden.
    let set = ok(
        &server,
        &mark_login,
        "ShareNotification/set",
        json!({"accountId": account, "destroy": [id], "create": {"x": {"name": "forged"}}}),
    );
    assert_eq!(set["destroyed"], json!([id]), "{set}");
    assert_eq!(set["notCreated"]["x"]["type"], "forbidden", "{set}");
    let after = ok(
        &server,
        &mark_login,
        "ShareNotification/get",
        json!({"accountId": account, "ids": null}),
    );
    assert_eq!(after["list"], json!([]), "{after}");
    let changes = ok(
        &server,
        &mark_login,
        "ShareNotification/changes",
        json!({"accountId": account, "sinceState": notices["state"]}),
    );
    assert_eq!(changes["destroyed"], json!([id]), "{changes}");
}

/// A Mailbox's `shareWith` (RFC 9670 §4): the owner sees the IMAP ACL as principals and
/// rights and shares a folder with Mailbox/set (one principal's path, then the whole map); the
/// grantee then reaches it and gets a ShareNotification; a grantee without `a` sees
/// `shareWith` null and cannot set it.
#[test]
fn share_with_sets_the_acl() {
    let server = TestServer::start("");
    let (olivia, mark) = (format!("olivia@{DOMAIN}"), format!("mark@{DOMAIN}"));
    server.add_user(&olivia);
    server.add_user(&mark);
    let (olivia_login, mark_login) = (credentials(&olivia), credentials(&mark));
    let session = |who: &str| curl(&["-u", who, &https(&server, "/jmap/session")]).json();
    let own = primary_account(&session(&olivia_login), PRINCIPALS);
    let mine = primary_account(&session(&mark_login), PRINCIPALS);
    let mark_principal = session(&mark_login)["accounts"][&mine]["accountCapabilities"][PRINCIPALS]
        ["currentUserPrincipalId"]
        .as_str()
        .unwrap()
        .to_string();
    let get = |who: &str, account: &str| {
        ok(
            &server,
            who,
            "Mailbox/get",
            json!({"accountId": account, "ids": null}),
        )
    };
    let boxes = get(&olivia_login, &own);
    let sent = id_where(&boxes, "name", "Sent");
    let sent_of = |boxes: &Value| {
        boxes["list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == sent.as_str())
            .cloned()
            .unwrap()
    };
    assert_eq!(sent_of(&boxes)["shareWith"], json!({}), "{boxes}");

    let path = format!("shareWith/{mark_principal}");
    let set = ok(
        &server,
        &olivia_login,
        "Mailbox/set",
        json!({"accountId": own,
        "update": {sent.clone(): {path: {"mayReadItems": true, "maySetSeen": true}}}}),
    );
    assert!(
        set["updated"][&sent].is_null() && set["notUpdated"].is_null(),
        "{set}"
    );
    let shared = sent_of(&get(&olivia_login, &own))["shareWith"].clone();
    assert_eq!(shared[&mark_principal]["mayReadItems"], true, "{shared}");
    assert_eq!(shared[&mark_principal]["maySetSeen"], true, "{shared}");
    assert_eq!(shared[&mark_principal]["mayAddItems"], false, "{shared}");

    // Mark reaches olivia's account now, sees Sent with those rights and no shareWith.
    let accounts = session(&mark_login);
    let theirs = account_named(&accounts, &olivia).unwrap_or_else(|| panic!("{accounts}"));
    let seen = get(&mark_login, &theirs);
    let their_sent = sent_of(&seen);
    assert_eq!(their_sent["myRights"]["mayReadItems"], true, "{seen}");
    assert_eq!(their_sent["myRights"]["mayAddItems"], false, "{seen}");
    assert_eq!(their_sent["shareWith"], Value::Null, "{seen}");
    let notices = ok(
        &server,
        &mark_login,
        "ShareNotification/get",
        json!({"accountId": mine, "ids": null}),
    );
    assert_eq!(notices["list"][0]["objectId"], sent.as_str(), "{notices}");
    let refused = ok(
        &server,
        &mark_login,
        "Mailbox/set",
        json!({"accountId": theirs,
        "update": {sent.clone(): {"shareWith": {}}}}),
    );
    assert_eq!(
        refused["notUpdated"][&sent]["type"], "forbidden",
        "{refused}"
    );

    // The whole map: empty takes mark's rights back.
    let set = ok(
        &server,
        &olivia_login,
        "Mailbox/set",
        json!({"accountId": own,
        "update": {sent.clone(): {"shareWith": {}}}}),
    );
    assert!(set["notUpdated"].is_null(), "{set}");
    assert_eq!(sent_of(&get(&olivia_login, &own))["shareWith"], json!({}));
    let gone = session(&mark_login)["accounts"].clone();
    assert!(!gone.as_object().unwrap().contains_key(&theirs), "{gone}");
}
