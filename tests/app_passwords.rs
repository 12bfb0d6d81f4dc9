//! App passwords end to end: made, listed and revoked with `kantor admin app-password`, used
//! with curl as HTTP Bearer (RFC 6750 §2.1) and Basic (RFC 7617) credentials and as an IMAP
//! LOGIN password; revocation holds at the next request; wrong tokens go through the login
//! throttle.

mod common;
use common::curl::*;
use common::*;

/// `kantor admin app-password add`: the secret, alone on standard output.
fn add(server: &TestServer, user: &str, name: &str) -> String {
    let out = server.admin_ok(&["app-password", "add", user, "--name", name], "");
    let secret = out.trim().to_string();
    assert!(
        secret.starts_with("kapp_") && !secret.contains('\n'),
        "{out:?}"
    );
    secret
}

fn session_as(server: &TestServer, args: &[&str]) -> Answer {
    let mut all = args.to_vec();
    let url = https(server, "/jmap/session");
    all.push(&url);
    curl(&all)
}

fn bearer(server: &TestServer, token: &str) -> Answer {
    session_as(server, &["-H", &format!("Authorization: Bearer {token}")])
}

#[test]
fn app_passwords_work_where_the_password_does_until_revoked() {
    let server = TestServer::start(
        "[imap]\nallow_plaintext_auth = true\n[auth]\nfailures_before_delay = 100\nfailures_before_lockout = 3\nsource_failures_before_lockout = 5\n",
    );
    let credentials = user(&server);
    let jo = format!("jo@{DOMAIN}");
    server.add_user(&format!("ann@{DOMAIN}"));
    let phone = add(&server, &jo, "phone");
    let laptop = add(&server, &jo, "laptop");
    assert_ne!(phone, laptop);
    let (ok, _, err) = server.admin(&["app-password", "add", &jo, "--name", "phone"], "");
    assert!(!ok && err.contains("already exists"), "{err}");
    let listed = server.admin_ok(&["app-password", "list", &jo], "");
    assert!(
        listed.contains("phone") && listed.contains("never used"),
        "{listed}"
    );

    // Bearer and Basic, over HTTP/2 and HTTP/1.1; the password still works beside them.
    let session = bearer(&server, &phone);
    assert_eq!(session.status, 200, "{}", session.body);
    assert_eq!(session.json()["username"], jo);
    let basic = session_as(&server, &["--http1.1", "-u", &format!("{jo}:{laptop}")]);
    assert_eq!(basic.status, 200, "{}", basic.body);
    assert_eq!(session_as(&server, &["-u", &credentials]).status, 200);
    // Another user's name with jo's app password is a wrong password.
    let ann = format!("ann@{DOMAIN}");
    assert_eq!(
        session_as(&server, &["-u", &format!("{ann}:{phone}")]).status,
        401
    );
    // IMAP takes it as a password too.
    let mut imap = ImapClient::connect(server.addr("imap"));
    let login = imap.command(&format!("LOGIN {jo} {laptop}"));
    assert_eq!(tagged_status(&login), "OK", "{login:?}");

    // The use is noted (in the background: polled).
    let mut listed = String::new();
    for _ in 0..50 {
        listed = server.admin_ok(&["app-password", "list", &jo, "--json"], "");
        let list: serde_json::Value = serde_json::from_str(&listed).unwrap();
        if list
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["last_used"].is_string())
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let list: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2, "{listed}");
    for p in list.as_array().unwrap() {
        assert!(p["last_used"].is_string(), "{listed}");
        assert!(p["created"].as_str().unwrap().ends_with('Z'), "{listed}");
    }

    // Revoked: refused at the very next request, whichever way it is sent.
    let revoked = server.admin_ok(&["app-password", "revoke", &jo, "phone"], "");
    assert!(revoked.contains("revoked"), "{revoked}");
    let refused = bearer(&server, &phone);
    assert_eq!(refused.status, 401);
    assert!(
        refused.headers.contains("Bearer realm"),
        "{}",
        refused.headers
    );
    let again = session_as(&server, &["-u", &format!("{jo}:{phone}")]);
    assert_eq!(again.status, 401, "{} {}", again.headers, again.body);
    assert_eq!(bearer(&server, &laptop).status, 200);
    let (ok, _, err) = server.admin(&["app-password", "revoke", &jo, "phone"], "");
    assert!(!ok && err.contains("not found"), "{err}");

    // Wrong tokens are throttled like wrong passwords: after five failures from this address
    // (three above: ann's, the revoked token, jo's revoked password), it is refused, and even
    // a good token waits.
    for token in ["kapp_nope", "not even the form"] {
        assert_eq!(bearer(&server, token).status, 401);
    }
    let locked = bearer(&server, &laptop);
    assert_eq!(locked.status, 429, "{}", locked.body);
    assert!(locked.header("retry-after").is_some());
}
