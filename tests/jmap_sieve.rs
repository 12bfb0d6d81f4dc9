//! JMAP for Sieve Scripts (RFC 9661) end to end, over the real HTTPS port with curl: a script
//! uploaded, created and activated in one SieveScript/set files mail delivered with swaks over
//! SMTP (read back with JMAP Email/query); an invalid script is `invalidSieve` with the
//! compiler's reason; a script put with Debian's sieve-connect over ManageSieve is seen by
//! SieveScript/changes and /get (and its content downloaded), one created over JMAP by
//! sieve-connect's list; the active script cannot be destroyed (`sieveIsActive`); the limits
//! the session advertises are `[sieve]`'s, the ones ManageSieve enforces.

mod common;

use common::curl::{calls_using, curl, https, primary_account};
use common::{DOMAIN, PASSWORD, TestServer, sieve_connect};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SIEVE: &str = "urn:ietf:params:jmap:sieve";
const USING: &str =
    r#"["urn:ietf:params:jmap:core","urn:ietf:params:jmap:mail","urn:ietf:params:jmap:sieve"]"#;
const RULES: &str = "require [\"fileinto\", \"mailbox\"];\r\n\
     if header :contains \"subject\" \"invoice\" { fileinto :create \"Invoices\"; stop; }\r\n";

struct Client<'a> {
    server: &'a TestServer,
    credentials: String,
    account: String,
}

impl Client<'_> {
    /// One method call; its response's arguments (asserting the method's name came back).
    fn call(&self, method: &str, mut arguments: Value) -> Value {
        arguments["accountId"] = json!(self.account);
        let responses = calls_using(
            self.server,
            &self.credentials,
            USING,
            json!([[method, arguments, "c"]]),
        );
        assert_eq!(responses[0][0], method, "{responses:?}");
        responses[0][1].clone()
    }

    /// Uploads `text` (RFC 8620 §6.1); its blobId.
    fn upload(&self, text: &str) -> String {
        let url = https(self.server, &format!("/jmap/upload/{}/", self.account));
        let answer = curl(&[
            "-u",
            &self.credentials,
            "-H",
            "Content-Type: application/sieve",
            "--data-binary",
            text,
            &url,
        ]);
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer.json()["blobId"].as_str().unwrap().to_string()
    }

    /// Downloads a blob (RFC 8620 §6.2): status and body.
    fn download(&self, blob: &str) -> (u16, String) {
        let path = format!("/jmap/download/{}/{blob}/script.sieve", self.account);
        let answer = curl(&["-u", &self.credentials, &https(self.server, &path)]);
        (answer.status, answer.body)
    }

    fn scripts(&self) -> Vec<Value> {
        self.call("SieveScript/get", json!({"ids": null}))["list"]
            .as_array()
            .unwrap()
            .clone()
    }

    fn state(&self) -> String {
        self.call("SieveScript/get", json!({"ids": []}))["state"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

/// Sends a message to `to` over SMTP (port 25) from another server's sender, with swaks.
fn deliver(server: &TestServer, to: &str, subject: &str) {
    let out = common::run(
        "swaks",
        &[
            "--server",
            "127.0.0.1",
            "--port",
            &server.port("smtp").to_string(),
            "--from",
            "sender@remote.example",
            "--to",
            to,
            "--header",
            &format!("Subject: {subject}"),
        ],
    );
    assert!(out.contains("250"), "{out}");
}

/// The subjects of the emails in the mailbox of this name or role, once there are `count`.
fn subjects_in(client: &Client<'_>, name: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mailboxes = client.call("Mailbox/get", json!({"ids": null}));
        let mailbox = mailboxes["list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name || m["role"] == name)
            .map(|m| m["id"].clone());
        let subjects: Vec<String> = match mailbox {
            None => Vec::new(),
            Some(id) => {
                let query = client.call("Email/query", json!({"filter": {"inMailbox": id}}));
                let got = client.call(
                    "Email/get",
                    json!({"ids": query["ids"], "properties": ["subject"]}),
                );
                got["list"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["subject"].as_str().unwrap_or_default().to_string())
                    .collect()
            }
        };
        if subjects.len() >= count || Instant::now() > deadline {
            return subjects;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn jmap_sieve_scripts_are_managesieve_scripts() {
    let server = TestServer::start("[sieve]\nmax_script_size = 4096\nmax_scripts = 3\n");
    let user = format!("jo@{DOMAIN}");
    server.add_user(&user);
    let credentials = format!("{user}:{PASSWORD}");
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let account = primary_account(&session, SIEVE);
    assert!(session["capabilities"][SIEVE]["implementation"].is_string());
    // RFC 9661 §1.2.1: the limits are `[sieve]`'s, those ManageSieve enforces.
    let limits = &session["accounts"][&account]["accountCapabilities"][SIEVE];
    assert_eq!(limits["maxSizeScript"], 4096, "{limits}");
    assert_eq!(limits["maxNumberScripts"], 3, "{limits}");
    assert_eq!(limits["maxSizeScriptName"], 512, "{limits}");
    assert!(limits["maxNumberRedirects"].is_u64(), "{limits}");
    let extensions = limits["sieveExtensions"].as_array().unwrap();
    assert!(extensions.contains(&json!("fileinto")), "{limits}");
    assert!(limits["notificationMethods"].is_null() && limits["externalLists"].is_null());
    let client = Client {
        server: &server,
        credentials,
        account,
    };

    // Create and activate in one call (§2.4): the created script reports isActive.
    let blob = client.upload(RULES);
    let set = client.call(
        "SieveScript/set",
        json!({"create": {"s1": {"name": "rules", "blobId": blob}},
               "onSuccessActivateScript": "#s1"}),
    );
    let created = &set["created"]["s1"];
    assert_eq!(created["isActive"], true, "{set}");
    let rules_id = created["id"].as_str().unwrap().to_string();
    let got = client.call("SieveScript/get", json!({"ids": [rules_id]}));
    assert_eq!(got["list"][0]["name"], "rules", "{got}");
    assert_eq!(got["list"][0]["blobId"], blob, "{got}");
    // ManageSieve lists it, active.
    let (ok, out) = sieve_connect(&server, &user, &["--list"]);
    assert!(
        ok && out.contains("rules") && out.contains("ACTIVE"),
        "{out}"
    );

    // Mail over SMTP is filed by the rule; other mail stays in the INBOX.
    deliver(&server, &user, "invoice 42");
    deliver(&server, &user, "hello");
    assert_eq!(subjects_in(&client, "Invoices", 1), ["invoice 42"]);
    assert_eq!(subjects_in(&client, "inbox", 1), ["hello"]);

    // An invalid script (§2.6): invalidSieve with the compiler's reason, never stored.
    let bad = client.upload("require \"fileinto\";\r\nif header :is \"a\" {\r\n keep;\r\n");
    let validated = client.call("SieveScript/validate", json!({"blobId": bad}));
    assert_eq!(validated["error"]["type"], "invalidSieve", "{validated}");
    let why = validated["error"]["description"].as_str().unwrap();
    assert!(why.contains("line"), "{validated}");
    let good = client.call("SieveScript/validate", json!({"blobId": blob}));
    assert!(good["error"].is_null(), "{good}");
    let set = client.call(
        "SieveScript/set",
        json!({"create": {"b": {"name": "broken", "blobId": bad}}}),
    );
    assert_eq!(set["notCreated"]["b"]["type"], "invalidSieve", "{set}");
    // A name ManageSieve has: alreadyExists, naming it.
    let set = client.call(
        "SieveScript/set",
        json!({"create": {"d": {"name": "rules", "blobId": blob}}}),
    );
    assert_eq!(set["notCreated"]["d"]["type"], "alreadyExists", "{set}");
    assert_eq!(set["notCreated"]["d"]["existingId"], rules_id, "{set}");

    // A script put over ManageSieve is a change JMAP sees.
    let since = client.state();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("vacation.sieve");
    let other = "require \"vacation\";\r\nvacation :days 3 \"Away.\";\r\n";
    std::fs::write(&local, other).unwrap();
    let upload = [
        "--upload",
        "--localsieve",
        local.to_str().unwrap(),
        "--remotesieve",
        "away",
    ];
    let (ok, out) = sieve_connect(&server, &user, &upload);
    assert!(ok, "{out}");
    let changes = client.call("SieveScript/changes", json!({"sinceState": since}));
    let new = changes["created"].as_array().unwrap();
    assert_eq!(new.len(), 1, "{changes}");
    assert!(
        changes["updated"].as_array().unwrap().is_empty(),
        "{changes}"
    );
    let away_id = new[0].as_str().unwrap().to_string();
    let got = client.call("SieveScript/get", json!({"ids": [away_id]}));
    assert_eq!(got["list"][0]["name"], "away", "{got}");
    assert_eq!(got["list"][0]["isActive"], false, "{got}");
    let (status, body) = client.download(got["list"][0]["blobId"].as_str().unwrap());
    assert_eq!((status, body.as_str()), (200, other));
    // Renamed over JMAP: ManageSieve sees the new name; /changes tells it as updated.
    let since = changes["newState"].as_str().unwrap().to_string();
    let set = client.call(
        "SieveScript/set",
        json!({"update": {&away_id: {"name": "holiday"}}}),
    );
    assert!(set["updated"].get(&away_id).is_some(), "{set}");
    let (ok, out) = sieve_connect(&server, &user, &["--list"]);
    assert!(
        ok && out.contains("holiday") && !out.contains("away"),
        "{out}"
    );
    let changes = client.call("SieveScript/changes", json!({"sinceState": since}));
    assert_eq!(changes["updated"], json!([away_id]), "{changes}");

    // SieveScript/query: by name and by isActive.
    let query = client.call("SieveScript/query", json!({"filter": {"isActive": true}}));
    assert_eq!(query["ids"], json!([rules_id]), "{query}");
    let query = client.call(
        "SieveScript/query",
        json!({"sort": [{"property": "name", "isAscending": false}]}),
    );
    assert_eq!(query["ids"], json!([rules_id, away_id]), "{query}");

    // The active script cannot be destroyed (§2.4); the other can; deactivated, so can it.
    let set = client.call("SieveScript/set", json!({"destroy": [rules_id]}));
    assert_eq!(
        set["notDestroyed"][&rules_id]["type"], "sieveIsActive",
        "{set}"
    );
    let set = client.call(
        "SieveScript/set",
        json!({"destroy": [away_id], "onSuccessDeactivateScript": true}),
    );
    assert_eq!(set["destroyed"], json!([away_id]), "{set}");
    assert_eq!(set["updated"][&rules_id]["isActive"], false, "{set}");
    let (ok, out) = sieve_connect(&server, &user, &["--list"]);
    assert!(
        ok && out.contains("rules") && !out.contains("ACTIVE"),
        "{out}"
    );
    let set = client.call("SieveScript/set", json!({"destroy": [rules_id]}));
    assert_eq!(set["destroyed"], json!([rules_id]), "{set}");
    assert!(client.scripts().is_empty());
}

/// The limits are ManageSieve's: a script over `max_script_size` is `tooLarge`, one past
/// `max_scripts` is `overQuota`; a bad name is `invalidProperties`; `isActive` is server-set.
#[test]
fn jmap_sieve_limits_are_the_sieve_section() {
    let server = TestServer::start("[sieve]\nmax_script_size = 100\nmax_scripts = 2\n");
    let user = format!("lu@{DOMAIN}");
    server.add_user(&user);
    let credentials = format!("{user}:{PASSWORD}");
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let client = Client {
        server: &server,
        account: primary_account(&session, SIEVE),
        credentials,
    };
    let small = client.upload("keep;\r\n");
    let large = client.upload(&format!("# {}\r\nkeep;\r\n", "x".repeat(200)));
    let set = client.call(
        "SieveScript/set",
        json!({"create": {
            "big": {"name": "big", "blobId": large},
            "bad": {"name": "a\u{7}b", "blobId": small},
            "act": {"name": "act", "blobId": small, "isActive": true},
            "one": {"blobId": small},
            "two": {"name": "two", "blobId": small},
        }}),
    );
    assert_eq!(set["notCreated"]["big"]["type"], "tooLarge", "{set}");
    assert_eq!(
        set["notCreated"]["bad"]["type"], "invalidProperties",
        "{set}"
    );
    assert_eq!(
        set["notCreated"]["act"]["type"], "invalidProperties",
        "{set}"
    );
    // Created without a name: the server names it.
    assert!(set["created"]["one"]["name"].is_string(), "{set}");
    assert!(set["created"]["two"]["id"].is_string(), "{set}");
    let set = client.call(
        "SieveScript/set",
        json!({"create": {"three": {"name": "three", "blobId": small}}}),
    );
    assert_eq!(set["notCreated"]["three"]["type"], "overQuota", "{set}");
    // ManageSieve refuses a third script too.
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("k.sieve");
    std::fs::write(&local, "keep;\r\n").unwrap();
    let upload = [
        "--upload",
        "--localsieve",
        local.to_str().unwrap(),
        "--remotesieve",
        "three",
    ];
    let (ok, out) = sieve_connect(&server, &user, &upload);
    assert!(!ok, "{out}");
    assert_eq!(client.scripts().len(), 2);
    // A blob that is not this account's: blobNotFound.
    let missing = "0".repeat(64);
    let validated = client.call("SieveScript/validate", json!({"blobId": missing}));
    assert_eq!(validated["error"]["type"], "blobNotFound", "{validated}");
}
