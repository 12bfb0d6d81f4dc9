//! Shared mailboxes and IMAP ACL (RFC 4314) with clients nobody here wrote: Python's imaplib
//! (tests/python/test_imap_acl.py: NAMESPACE, LIST of other users' and shared folders, the
//! rights matrix, revocation in an open session, two members of a shared mailbox, delivery to
//! its address, what a user without rights sees), and `kantor admin shared` / `acl`.

mod common;
use common::*;

#[test]
fn python_imaplib_acl_suite() {
    let server = TestServer::start("");
    let owner = format!("olivia@{DOMAIN}");
    let member = format!("mark@{DOMAIN}");
    let outsider = format!("oscar@{DOMAIN}");
    let shared = format!("sales@{DOMAIN}");
    for user in [&owner, &member, &outsider] {
        server.add_user(user);
    }
    let out = server.admin_ok(
        &[
            "shared", "add", &shared, "--member", &owner, "--member", &member,
        ],
        "",
    );
    assert!(
        out.contains(&format!("added shared mailbox {shared}")),
        "{out}"
    );
    let env = [
        ("KANTOR_IMAPS", server.port("imaps").to_string()),
        ("KANTOR_SMTP", server.port("smtp").to_string()),
        ("KANTOR_OWNER", owner),
        ("KANTOR_MEMBER", member),
        ("KANTOR_OUTSIDER", outsider),
        ("KANTOR_SHARED", shared),
        ("KANTOR_PASSWORD", PASSWORD.to_string()),
    ];
    run_python_suite("test_imap_acl.py", &env, 8);
}

/// `kantor admin shared` and `kantor admin acl`: members and rights as the administrator sets
/// them, read back; a shared mailbox is no login.
#[test]
fn admin_shared_and_acl_commands() {
    let server = TestServer::start("[imap]\nallow_plaintext_auth = true\n");
    let (ann, ben) = (format!("ann@{DOMAIN}"), format!("ben@{DOMAIN}"));
    server.add_user(&ann);
    server.add_user(&ben);
    server.admin_ok(&["group", "add", &format!("team@{DOMAIN}")], "");
    server.admin_ok(
        &["group", "add-member", &format!("team@{DOMAIN}"), &ben],
        "",
    );
    let support = format!("support@{DOMAIN}");
    server.admin_ok(&["shared", "add", &support, "--member", &ann], "");
    server.admin_ok(
        &[
            "shared",
            "member",
            "add",
            &support,
            &format!("team@{DOMAIN}"),
            "--rights",
            "lr",
        ],
        "",
    );
    let list = server.admin_ok(&["shared", "list"], "");
    assert!(
        list.contains(&format!(
            "{support}: members [{ann} lrswipkxte, team@{DOMAIN} lr]"
        )),
        "{list}"
    );
    let acl = server.admin_ok(&["acl", "get", &support, "--mailbox", "INBOX"], "");
    assert!(
        acl.contains(&format!("INBOX: {support} lrswipkxtea, {ann} lrswipkxte")),
        "{acl}"
    );
    // ben reads through the group, and only reads.
    let mut imap = ImapClient::login(server.addr("imap"), &ben);
    let rights = imap.ok(&format!("MYRIGHTS \"Shared Folders/{support}/INBOX\""));
    assert!(
        rights.iter().any(|l| l.trim_end().ends_with(" lr")),
        "{rights:?}"
    );
    let stored = imap.command(&format!("SELECT \"Shared Folders/{support}/INBOX\""));
    assert!(
        stored.iter().any(|l| l.contains("[READ-ONLY]")),
        "{stored:?}"
    );
    // The administrator sets and deletes rights on a user's mailbox.
    server.admin_ok(&["acl", "set", &ann, &ben, "lrw", "--mailbox", "Sent"], "");
    let acl = server.admin_ok(&["acl", "get", &ann, "--json"], "");
    assert!(acl.contains(&format!("\"{ben}\": \"lrw\"")), "{acl}");
    let list = imap.ok("LIST \"\" \"Other Users/*\"");
    assert!(
        list.iter().any(|l| l
            .trim_end()
            .ends_with(&format!("\"Other Users/{ann}/Sent\""))),
        "{list:?}"
    );
    server.admin_ok(&["acl", "delete", &ann, &ben], "");
    let list = imap.ok("LIST \"\" \"Other Users/*\"");
    assert!(!list.iter().any(|l| l.contains("Other Users/")), "{list:?}");
    // Delegation: ben reads, files and sends on behalf of ann, then has nothing again.
    server.admin_ok(
        &["delegate", "grant", &ann, &ben, "--level", "send-on-behalf"],
        "",
    );
    let sends = server.admin_ok(&["send-rights", "list", &ann, "--json"], "");
    assert!(
        sends.contains(&ben) && sends.contains("\"on-behalf\""),
        "{sends}"
    );
    let rights = imap.ok(&format!("MYRIGHTS \"Other Users/{ann}/INBOX\""));
    assert!(
        // `0`: the INBOX also shows the right to send on ann's behalf (RFC 4314 §2.1 digit).
        rights
            .iter()
            .any(|l| l.trim_end().ends_with(" lrswipkxte0")),
        "{rights:?}"
    );
    server.admin_ok(&["delegate", "grant", &ann, &ben, "--level", "read"], "");
    let rights = imap.ok(&format!("MYRIGHTS \"Other Users/{ann}/INBOX\""));
    assert!(
        rights.iter().any(|l| l.trim_end().ends_with(" lr")),
        "{rights:?}"
    );
    let sends = server.admin_ok(&["send-rights", "list", &ann, "--json"], "");
    assert!(
        !sends.contains(&ben),
        "read takes the send right back: {sends}"
    );
    let rights = imap.ok(&format!("MYRIGHTS \"Other Users/{ann}/INBOX\""));
    assert!(
        rights.iter().any(|l| l.trim_end().ends_with(" lr")),
        "{rights:?}"
    );
    server.admin_ok(&["delegate", "revoke", &ann, &ben], "");
    let list = imap.ok("LIST \"\" \"Other Users/*\"");
    assert!(!list.iter().any(|l| l.contains("Other Users/")), "{list:?}");
    // Nobody logs in to the shared mailbox, whatever it is given.
    let (ok, _, err) = server.admin(&["app-password", "add", &support], "");
    assert!(!ok && err.contains("shared mailbox"), "{err}");
    let (ok, _, err) = server.admin(&["acl", "set", &support, "nobody@nowhere.test", "lr"], "");
    assert!(!ok, "{err}");
    server.admin_ok(&["shared", "remove", &support, "--yes"], "");
    assert!(!server.admin_ok(&["shared", "list"], "").contains(&support));
}
