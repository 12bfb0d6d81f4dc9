//! JMAP in accounts shared with the user (RFC 8620 §1.6.2, §2; RFC 8621 §2, §4), over curl:
//! rights granted with `kantor admin acl` / `shared` (RFC 4314), mail delivered with swaks.
//! The session lists another's account only to a user with a right in it, read-only or not as
//! the rights say; Mailbox/get shows the mailboxes they may see with `myRights` as granted;
//! Email/query, /get and /changes show nothing of a mailbox without `r`; Email/set keywords
//! need `w` ($seen `s`); a revocation counts at the next request; a member's EventSource hears
//! of a change in the shared account. In a shared account `$seen` is each member's own.

mod common;
use common::curl::*;
use common::*;
use serde_json::{Value, json};

const MAIL: &str = "urn:ietf:params:jmap:mail";

fn session(server: &TestServer, who: &str) -> Value {
    curl(&["-u", who, &https(server, "/jmap/session")]).json()
}

/// Olivia's account with mailboxes Projects and Private, three emails in the INBOX and one in
/// Private; Mark and Oscar, who hold nothing in it yet.
struct Setup {
    server: TestServer,
    olivia: String,
    mark: String,
    oscar: String,
    account: String,
    inbox: String,
    private: String,
    /// Subject to email id of olivia's emails.
    emails: Vec<(String, String)>,
}

impl Setup {
    fn new() -> Setup {
        let server = TestServer::start("");
        let address = |name: &str| format!("{name}@{DOMAIN}");
        for name in ["olivia", "mark", "oscar"] {
            server.add_user(&address(name));
        }
        let olivia = credentials(&address("olivia"));
        let account = primary_account(&session(&server, &olivia), MAIL);
        let created = ok(
            &server,
            &olivia,
            "Mailbox/set",
            json!({"accountId": account, "create": {
                "p": {"name": "Projects"}, "x": {"name": "Private"}
            }}),
        );
        let private = created["created"]["x"]["id"].as_str().unwrap().to_string();
        for subject in ["one", "two", "three", "secret"] {
            swaks_submit(
                &server,
                &address("oscar"),
                &address("olivia"),
                subject,
                "hello",
            );
        }
        let got = ok(
            &server,
            &olivia,
            "Mailbox/get",
            json!({"accountId": account, "ids": null}),
        );
        let inbox = id_where(&got, "role", "inbox");
        let emails = subjects(&server, &olivia, &account);
        assert_eq!(emails.len(), 4, "{emails:?}");
        let secret = id_of(&emails, "secret");
        let moved = ok(
            &server,
            &olivia,
            "Email/set",
            json!({"accountId": account, "update": {
                secret.clone(): {"mailboxIds": {private.clone(): true}}
            }}),
        );
        assert!(moved["updated"].get(&secret).is_some(), "{moved}");
        Setup {
            olivia,
            mark: credentials(&address("mark")),
            oscar: credentials(&address("oscar")),
            account,
            inbox,
            private,
            emails,
            server,
        }
    }

    fn grant(&self, grantee: &str, rights: &str, mailbox: &str) {
        let (olivia, grantee) = (format!("olivia@{DOMAIN}"), format!("{grantee}@{DOMAIN}"));
        self.server.admin_ok(
            &[
                "acl",
                "set",
                &olivia,
                &grantee,
                rights,
                "--mailbox",
                mailbox,
            ],
            "",
        );
    }

    fn email(&self, subject: &str) -> String {
        id_of(&self.emails, subject)
    }
}

/// (subject, id) of every email `who` finds in `account`, by subject.
fn subjects(server: &TestServer, who: &str, account: &str) -> Vec<(String, String)> {
    let responses = calls(
        server,
        who,
        json!([
            ["Email/query", {"accountId": account}, "q"],
            ["Email/get", {
                "accountId": account,
                "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                "properties": ["subject"]
            }, "g"]
        ]),
    );
    assert_eq!(responses[1][0], "Email/get", "{responses:?}");
    let mut out: Vec<(String, String)> = responses[1][1]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["subject"].as_str().unwrap().to_string(),
                e["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn id_of(emails: &[(String, String)], subject: &str) -> String {
    emails
        .iter()
        .find(|(s, _)| s == subject)
        .unwrap_or_else(|| panic!("no {subject} in {emails:?}"))
        .1
        .clone()
}

fn names(list: &[(String, String)]) -> Vec<&str> {
    list.iter().map(|(s, _)| s.as_str()).collect()
}

#[test]
fn session_lists_shared_accounts_with_their_flags() {
    let setup = Setup::new();
    let server = &setup.server;
    let olivia_name = format!("olivia@{DOMAIN}");
    // Nothing granted: Mark sees no account of Olivia's and is told it does not exist.
    let before = session(server, &setup.mark);
    assert_eq!(account_named(&before, &olivia_name), None, "{before}");
    let refused = call(
        server,
        &setup.mark,
        "Mailbox/get",
        json!({"accountId": setup.account}),
    );
    assert_eq!(refused[1]["type"], "accountNotFound", "{refused}");

    setup.grant("mark", "lr", "INBOX");
    let read_only = session(server, &setup.mark);
    assert_ne!(read_only["state"], before["state"], "the session changed");
    let id = account_named(&read_only, &olivia_name).expect("Olivia's account listed");
    assert_eq!(id, setup.account);
    let entry = &read_only["accounts"][&id];
    assert_eq!(entry["isPersonal"], false, "{entry}");
    assert_eq!(entry["isReadOnly"], true, "{entry}");
    let capabilities = entry["accountCapabilities"].as_object().unwrap();
    assert!(capabilities.contains_key(MAIL), "{entry}");
    assert_eq!(capabilities[MAIL]["mayCreateTopLevelMailbox"], false);
    for owner_only in [
        "urn:ietf:params:jmap:submission",
        "urn:ietf:params:jmap:vacationresponse",
        "urn:ietf:params:jmap:sieve",
    ] {
        assert!(!capabilities.contains_key(owner_only), "{entry}");
    }
    assert_ne!(primary_account(&read_only, MAIL), setup.account);
    let own = primary_account(&read_only, MAIL);
    assert_eq!(read_only["accounts"][&own]["isPersonal"], true);

    // A right that changes something: no longer read-only.
    setup.grant("mark", "lrs", "INBOX");
    let writable = session(server, &setup.mark);
    assert_eq!(writable["accounts"][&id]["isReadOnly"], false, "{writable}");

    // Oscar, granted nothing, still sees only his own account, and methods of the owner's
    // settings are refused in a shared account.
    let oscar = session(server, &setup.oscar);
    assert_eq!(oscar["accounts"].as_object().unwrap().len(), 1, "{oscar}");
    let refused = call(
        server,
        &setup.oscar,
        "Email/query",
        json!({"accountId": setup.account}),
    );
    assert_eq!(refused[1]["type"], "accountNotFound", "{refused}");
    let vacation = calls_using(
        server,
        &setup.mark,
        r#"["urn:ietf:params:jmap:core","urn:ietf:params:jmap:vacationresponse"]"#,
        json!([["VacationResponse/get", {"accountId": setup.account}, "v"]]),
    );
    assert_eq!(
        vacation[0][1]["type"], "accountNotSupportedByMethod",
        "{vacation:?}"
    );

    // A shared mailbox account: its members see it, with every default member right.
    let sales = format!("sales@{DOMAIN}");
    server.admin_ok(
        &[
            "shared",
            "add",
            &sales,
            "--member",
            &format!("mark@{DOMAIN}"),
        ],
        "",
    );
    let with_sales = session(server, &setup.mark);
    let sales_id = account_named(&with_sales, &sales).expect("the shared mailbox listed");
    assert_eq!(with_sales["accounts"][&sales_id]["isReadOnly"], false);
    assert_eq!(with_sales["accounts"][&sales_id]["isPersonal"], false);
    assert_eq!(account_named(&session(server, &setup.oscar), &sales), None);
}

#[test]
fn mailbox_rights_follow_the_acl() {
    let setup = Setup::new();
    let server = &setup.server;
    setup.grant("mark", "lr", "INBOX");
    let rights = |who: &str| -> Value {
        ok(
            server,
            who,
            "Mailbox/get",
            json!({"accountId": setup.account, "ids": null}),
        )
    };
    let got = rights(&setup.mark);
    let list = got["list"].as_array().unwrap();
    assert_eq!(list.len(), 1, "only the INBOX is visible: {got}");
    assert_eq!(list[0]["id"], setup.inbox);
    assert_eq!(list[0]["totalEmails"], 3, "{got}");
    let my = &list[0]["myRights"];
    assert_eq!(my["mayReadItems"], true, "{my}");
    for withheld in [
        "mayAddItems",
        "mayRemoveItems",
        "maySetSeen",
        "maySetKeywords",
        "mayCreateChild",
        "mayRename",
        "mayDelete",
        "maySubmit",
    ] {
        assert_eq!(my[withheld], false, "{withheld}: {my}");
    }

    setup.grant("mark", "lrswitek", "INBOX");
    let got = rights(&setup.mark);
    let my = &got["list"][0]["myRights"];
    for granted in [
        "mayReadItems",
        "mayAddItems",
        "mayRemoveItems",
        "maySetSeen",
        "maySetKeywords",
        "mayCreateChild",
    ] {
        assert_eq!(my[granted], true, "{granted}: {my}");
    }
    assert_eq!(my["mayRename"], false, "the INBOX is never renamed: {my}");
    // `t` without `e` does not remove.
    setup.grant("mark", "lrst", "INBOX");
    let my = rights(&setup.mark)["list"][0]["myRights"].clone();
    assert_eq!(my["mayRemoveItems"], false, "{my}");
    assert_eq!(my["maySetKeywords"], false, "{my}");

    // Seen but not readable: listed, with no counts and no right to read.
    setup.grant("mark", "lx", "Private");
    let got = rights(&setup.mark);
    let private = got["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == setup.private)
        .unwrap_or_else(|| panic!("Private is visible: {got}"))
        .clone();
    assert_eq!(private["totalEmails"], 0, "{private}");
    assert_eq!(private["myRights"]["mayReadItems"], false, "{private}");
    assert_eq!(private["myRights"]["mayDelete"], true, "{private}");
    // The owner still holds everything.
    let own = rights(&setup.olivia);
    let inbox = own["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == setup.inbox)
        .unwrap()
        .clone();
    assert_eq!(inbox["myRights"]["maySetKeywords"], true, "{inbox}");

    // Mark's subscription to Olivia's INBOX is his own (as IMAP's `Other Users/…` name), not
    // hers.
    let subscribed = |who: &str| {
        ok(
            server,
            who,
            "Mailbox/get",
            json!({"accountId": setup.account, "ids": [setup.inbox],
                   "properties": ["isSubscribed"]}),
        )["list"][0]["isSubscribed"]
            .clone()
    };
    let hers = subscribed(&setup.olivia);
    assert_eq!(subscribed(&setup.mark), false);
    let set = ok(
        server,
        &setup.mark,
        "Mailbox/set",
        json!({"accountId": setup.account,
               "update": {setup.inbox.clone(): {"isSubscribed": true}}}),
    );
    assert!(set["updated"].get(&setup.inbox).is_some(), "{set}");
    assert_eq!(subscribed(&setup.mark), true);
    assert_eq!(subscribed(&setup.olivia), hers);
}

#[test]
fn emails_of_unreadable_mailboxes_stay_hidden_and_keywords_need_rights() {
    let setup = Setup::new();
    let server = &setup.server;
    setup.grant("mark", "lr", "INBOX");
    setup.grant("mark", "l", "Private");
    let seen = subjects(server, &setup.mark, &setup.account);
    assert_eq!(names(&seen), ["one", "three", "two"], "{seen:?}");
    let query = ok(
        server,
        &setup.mark,
        "Email/query",
        json!({"accountId": setup.account, "calculateTotal": true}),
    );
    assert_eq!(
        query["total"], 3,
        "the secret email is not counted: {query}"
    );
    let in_private = ok(
        server,
        &setup.mark,
        "Email/query",
        json!({"accountId": setup.account, "filter": {"inMailbox": setup.private},
               "calculateTotal": true}),
    );
    assert_eq!(in_private["total"], 0, "{in_private}");
    let secret = setup.email("secret");
    let got = ok(
        server,
        &setup.mark,
        "Email/get",
        json!({"accountId": setup.account, "ids": [secret, setup.email("one")],
               "properties": ["subject", "mailboxIds"]}),
    );
    assert_eq!(got["notFound"], json!([secret]), "{got}");
    assert_eq!(
        got["list"][0]["mailboxIds"],
        json!({setup.inbox.clone(): true})
    );
    // The owner sees all four.
    assert_eq!(subjects(server, &setup.olivia, &setup.account).len(), 4);

    // Keywords: refused without `w`, $seen allowed with `s`.
    let one = setup.email("one");
    let set = |keywords: Value| {
        ok(
            server,
            &setup.mark,
            "Email/set",
            json!({"accountId": setup.account, "update": {one.clone(): {"keywords": keywords}}}),
        )
    };
    let refused = set(json!({"$seen": true}));
    assert_eq!(
        refused["notUpdated"][&one]["type"], "forbidden",
        "{refused}"
    );
    setup.grant("mark", "lrs", "INBOX");
    let refused = set(json!({"$flagged": true}));
    assert_eq!(
        refused["notUpdated"][&one]["type"], "forbidden",
        "{refused}"
    );
    let refused = set(json!({"$seen": true, "$flagged": true}));
    assert_eq!(
        refused["notUpdated"][&one]["type"], "forbidden",
        "{refused}"
    );
    let keywords = |who: &str| {
        ok(
            server,
            who,
            "Email/get",
            json!({"accountId": setup.account, "ids": [one], "properties": ["keywords"]}),
        )["list"][0]["keywords"]
            .clone()
    };
    assert_eq!(keywords(&setup.mark), json!({}), "all or nothing");
    let done = set(json!({"$seen": true}));
    assert!(done["updated"].get(&one).is_some(), "{done}");
    assert_eq!(keywords(&setup.mark), json!({"$seen": true}));
    setup.grant("mark", "lrsw", "INBOX");
    let done = set(json!({"$seen": true, "$flagged": true}));
    assert!(done["updated"].get(&one).is_some(), "{done}");
    assert_eq!(
        keywords(&setup.mark),
        json!({"$seen": true, "$flagged": true})
    );
    assert_eq!(keywords(&setup.olivia)["$flagged"], true);
    assert_eq!(
        keywords(&setup.olivia)["$seen"],
        true,
        "in a personal account a delegate's $seen is the owner's"
    );
    // Filing into a mailbox without `i`, and destroying without `t` and `e`: refused.
    let filed = ok(
        server,
        &setup.mark,
        "Email/set",
        json!({"accountId": setup.account, "update": {one.clone(): {
            "mailboxIds": {setup.inbox.clone(): true, setup.private.clone(): true}
        }}, "destroy": [setup.email("two")]}),
    );
    assert!(filed["notUpdated"].get(&one).is_some(), "{filed}");
    assert!(
        filed["notDestroyed"].get(setup.email("two")).is_some(),
        "{filed}"
    );
    assert_eq!(subjects(server, &setup.olivia, &setup.account).len(), 4);
    // Creating an email in the INBOX needs `i` there.
    let create = || {
        ok(
            server,
            &setup.mark,
            "Email/set",
            json!({"accountId": setup.account, "create": {"n": {
                "mailboxIds": {setup.inbox.clone(): true},
                "subject": "note from mark",
                "textBody": [{"partId": "t", "type": "text/plain"}],
                "bodyValues": {"t": {"value": "noted"}}
            }}}),
        )
    };
    let refused = create();
    assert_eq!(refused["notCreated"]["n"]["type"], "forbidden", "{refused}");
    setup.grant("mark", "lrswi", "INBOX");
    let created = create();
    assert!(created["created"]["n"]["id"].is_string(), "{created}");
    let theirs = subjects(server, &setup.olivia, &setup.account);
    assert!(names(&theirs).contains(&"note from mark"), "{theirs:?}");

    // Email/changes: a move into Private is, for Mark, the email gone; the secret never shows.
    let state = ok(
        server,
        &setup.mark,
        "Email/get",
        json!({"accountId": setup.account, "ids": []}),
    )["state"]
        .clone();
    let three = setup.email("three");
    ok(
        server,
        &setup.olivia,
        "Email/set",
        json!({"accountId": setup.account, "update": {
            three.clone(): {"mailboxIds": {setup.private.clone(): true}},
            secret.clone(): {"keywords": {"$flagged": true}}
        }}),
    );
    let changes = ok(
        server,
        &setup.mark,
        "Email/changes",
        json!({"accountId": setup.account, "sinceState": state}),
    );
    assert_eq!(changes["destroyed"], json!([three]), "{changes}");
    assert_eq!(changes["created"], json!([]), "{changes}");
    assert_eq!(changes["updated"], json!([]), "{changes}");
    let owner_changes = ok(
        server,
        &setup.olivia,
        "Email/changes",
        json!({"accountId": setup.account, "sinceState": state}),
    );
    let updated = owner_changes["updated"].as_array().unwrap();
    assert!(updated.contains(&json!(secret)), "{owner_changes}");

    // A revocation counts at the next request: the INBOX and its emails are gone for Mark,
    // then the whole account.
    let (olivia, mark) = (format!("olivia@{DOMAIN}"), format!("mark@{DOMAIN}"));
    let mailbox_state = ok(
        server,
        &setup.mark,
        "Mailbox/get",
        json!({"accountId": setup.account, "ids": []}),
    )["state"]
        .clone();
    server.admin_ok(&["acl", "delete", &olivia, &mark, "--mailbox", "INBOX"], "");
    assert!(subjects(server, &setup.mark, &setup.account).is_empty());
    // The rights changed: the state from before is one the changes cannot start from.
    let changes = call(
        server,
        &setup.mark,
        "Mailbox/changes",
        json!({"accountId": setup.account, "sinceState": mailbox_state}),
    );
    assert_eq!(changes[1]["type"], "cannotCalculateChanges", "{changes}");
    let got = ok(
        server,
        &setup.mark,
        "Mailbox/get",
        json!({"accountId": setup.account}),
    );
    assert_eq!(got["list"].as_array().unwrap().len(), 1, "{got}");
    server.admin_ok(&["acl", "delete", &olivia, &mark], "");
    let refused = call(
        server,
        &setup.mark,
        "Email/query",
        json!({"accountId": setup.account}),
    );
    assert_eq!(refused[1]["type"], "accountNotFound", "{refused}");
    assert_eq!(account_named(&session(server, &setup.mark), &olivia), None);
}

/// EventSource (RFC 8620 §7.3): a delivery into the shared account pushes a StateChange for
/// that account to the member.
#[test]
fn a_change_in_a_shared_account_is_pushed() {
    let setup = Setup::new();
    let server = &setup.server;
    setup.grant("mark", "lr", "INBOX");
    let url = https(
        server,
        "/jmap/eventsource?types=Email,Mailbox&closeafter=no&ping=0",
    );
    let mut events = EventSource::open(&setup.mark, &url);
    let first = events.next_data().expect("the current state");
    let before = first["changed"][&setup.account]["Email"]
        .as_str()
        .unwrap_or_else(|| panic!("the shared account is watched: {first}"))
        .to_string();
    swaks_submit(
        server,
        &format!("oscar@{DOMAIN}"),
        &format!("olivia@{DOMAIN}"),
        "pushed",
        "hi",
    );
    let change = events.next_data().expect("a StateChange");
    drop(events);
    let after = change["changed"][&setup.account]["Email"]
        .as_str()
        .unwrap_or_else(|| panic!("the shared account changed: {change}"));
    assert_ne!(after, before, "{change}");
    let own = primary_account(&session(server, &setup.mark), MAIL);
    assert!(
        change["changed"].get(&own).is_none(),
        "Mark's own account did not change: {change}"
    );
    // The state pushed is the one Email/get gives for the account.
    let got = ok(
        server,
        &setup.mark,
        "Email/get",
        json!({"accountId": setup.account, "ids": []}),
    );
    assert_eq!(got["state"], after);
}

/// In a shared account (`kantor admin shared add`) `$seen` is each member's own: one member
/// reading a message leaves it unread for the other, in Email/get and in the INBOX's
/// `unreadEmails`; `$flagged` is shared. In Olivia's personal account a delegate's `$seen` is
/// hers (see `emails_of_unreadable_mailboxes_stay_hidden_and_keywords_need_rights`).
#[test]
fn members_of_a_shared_account_keep_their_own_seen() {
    let server = TestServer::start("");
    let address = |name: &str| format!("{name}@{DOMAIN}");
    for name in ["ann", "ben"] {
        server.add_user(&address(name));
    }
    let sales = address("sales");
    server.admin_ok(
        &[
            "shared",
            "add",
            &sales,
            "--member",
            &address("ann"),
            "--member",
            &address("ben"),
        ],
        "",
    );
    swaks_submit(&server, &address("ann"), &sales, "for the team", "hello");
    let (ann, ben) = (credentials(&address("ann")), credentials(&address("ben")));
    let account = account_named(&session(&server, &ann), &sales).expect("ann sees sales");
    assert_eq!(
        account_named(&session(&server, &ben), &sales),
        Some(account.clone())
    );
    let one = id_of(&subjects(&server, &ann, &account), "for the team");
    let keywords = |who: &str| {
        ok(
            &server,
            who,
            "Email/get",
            json!({"accountId": account, "ids": [one], "properties": ["keywords"]}),
        )["list"][0]["keywords"]
            .clone()
    };
    let unread = |who: &str| {
        let got = ok(
            &server,
            who,
            "Mailbox/get",
            json!({"accountId": account, "ids": null, "properties": ["role", "unreadEmails"]}),
        );
        let inbox = got["list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["role"] == "inbox")
            .cloned()
            .unwrap_or_else(|| panic!("no inbox in {got}"));
        inbox["unreadEmails"].as_u64().unwrap()
    };
    assert_eq!((unread(&ann), unread(&ben)), (1, 1));
    let done = ok(
        &server,
        &ann,
        "Email/set",
        json!({"accountId": account, "update": {one.clone(): {
            "keywords/$seen": true, "keywords/$flagged": true
        }}}),
    );
    assert!(done["updated"].get(&one).is_some(), "{done}");
    assert_eq!(keywords(&ann), json!({"$seen": true, "$flagged": true}));
    assert_eq!(
        keywords(&ben),
        json!({"$flagged": true}),
        "ben has not read it"
    );
    assert_eq!((unread(&ann), unread(&ben)), (0, 1));
}
