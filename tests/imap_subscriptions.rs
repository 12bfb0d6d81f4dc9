//! Subscriptions are names (RFC 9051 §6.3.7-8): they outlive DELETE, stay behind on RENAME
//! (§6.3.6), are not added by CREATE, and are listed by LSUB (RFC 3501 §6.3.9) and
//! LIST (SUBSCRIBED) (RFC 9051 §6.3.9.1, RFC 5258) whether or not a mailbox has them.

mod common;
use common::*;

const PLAINTEXT: &str = "[imap]\nallow_plaintext_auth = true\n";

fn login() -> (TestServer, ImapClient) {
    let server = TestServer::start(PLAINTEXT);
    let user = format!("subs@{DOMAIN}");
    server.add_user(&user);
    let imap = ImapClient::login(server.addr("imap"), &user);
    (server, imap)
}

/// The untagged responses of a command that must succeed, without their line ends.
fn untagged(imap: &mut ImapClient, command: &str) -> Vec<String> {
    let mut responses = imap.ok(command);
    responses.pop();
    responses
        .into_iter()
        .map(|r| r.trim_end().to_string())
        .collect()
}

#[test]
fn a_subscription_outlives_its_mailbox() {
    let (_server, mut imap) = login();
    imap.ok("CREATE Alerts");
    imap.ok("SUBSCRIBE Alerts");
    imap.ok("DELETE Alerts");
    assert!(untagged(&mut imap, "LIST \"\" Alerts").is_empty());
    // RFC 3501 §6.3.9: still subscribed; it cannot be selected.
    assert_eq!(
        untagged(&mut imap, "LSUB \"\" Alerts"),
        ["* LSUB (\\Noselect) \"/\" Alerts"]
    );
    // RFC 9051 §6.3.9.1, §6.3.9.3: subscribed and non-existent.
    assert_eq!(
        untagged(&mut imap, "LIST (SUBSCRIBED) \"\" Alerts"),
        ["* LIST (\\NonExistent \\HasNoChildren \\Subscribed) \"/\" Alerts"]
    );
    // RETURN (SUBSCRIBED) alone lists mailboxes only (§6.3.9.8 example 6).
    assert!(untagged(&mut imap, "LIST \"\" Alerts RETURN (SUBSCRIBED)").is_empty());
    // Re-created, it is subscribed again: the reason names are kept (§6.3.7).
    imap.ok("CREATE Alerts");
    assert_eq!(
        untagged(&mut imap, "LIST (SUBSCRIBED) \"\" Alerts"),
        ["* LIST (\\HasNoChildren \\Subscribed) \"/\" Alerts"]
    );
    assert_eq!(
        untagged(&mut imap, "LSUB \"\" Alerts"),
        ["* LSUB () \"/\" Alerts"]
    );
}

#[test]
fn create_does_not_subscribe_but_the_account_starts_subscribed() {
    let (_server, mut imap) = login();
    // The special-use mailboxes of a new account start subscribed.
    let lsub = untagged(&mut imap, "LSUB \"\" *");
    for name in ["INBOX", "Drafts", "Sent", "Junk", "Trash", "Archive"] {
        assert!(
            lsub.contains(&format!("* LSUB () \"/\" {name}")),
            "{name}: {lsub:?}"
        );
    }
    imap.ok("CREATE Work/2026");
    assert!(untagged(&mut imap, "LSUB \"\" Work*").is_empty());
    assert!(untagged(&mut imap, "LIST (SUBSCRIBED) \"\" Work*").is_empty());
    assert_eq!(
        untagged(&mut imap, "LIST \"\" Work RETURN (SUBSCRIBED)"),
        ["* LIST (\\HasChildren) \"/\" Work"]
    );
}

#[test]
fn names_without_a_mailbox_can_be_subscribed_and_unsubscribed() {
    let (_server, mut imap) = login();
    imap.ok("SUBSCRIBE Later/News");
    imap.ok("SUBSCRIBE Later/News");
    assert_eq!(
        untagged(&mut imap, "LSUB \"\" Later/*"),
        ["* LSUB (\\Noselect) \"/\" Later/News"]
    );
    // The unsubscribed level above: \Noselect (RFC 3501 §6.3.9).
    assert_eq!(
        untagged(&mut imap, "LSUB \"\" Lat%"),
        ["* LSUB (\\Noselect) \"/\" Later"]
    );
    let bad = imap.command("SUBSCRIBE \"a*b\"");
    assert!(bad.last().unwrap().contains(" NO "), "{bad:?}");
    imap.ok("UNSUBSCRIBE Later/News");
    assert!(untagged(&mut imap, "LSUB \"\" *Later*").is_empty());
    // Not subscribed: still OK (RFC 9051 §6.3.8).
    imap.ok("UNSUBSCRIBE Later/News");
    // INBOX is case-insensitive in subscriptions too.
    imap.ok("UNSUBSCRIBE inbox");
    assert!(untagged(&mut imap, "LSUB \"\" INBOX").is_empty());
    imap.ok("SUBSCRIBE Inbox");
    assert_eq!(
        untagged(&mut imap, "LSUB \"\" INBOX"),
        ["* LSUB () \"/\" INBOX"]
    );
}

/// RFC 9051 §6.3.6: "renaming a mailbox doesn't update subscription information on the
/// original name".
#[test]
fn rename_leaves_the_subscription_on_the_old_name() {
    let (_server, mut imap) = login();
    imap.ok("CREATE Old/Child");
    imap.ok("SUBSCRIBE Old");
    imap.ok("SUBSCRIBE Old/Child");
    imap.ok("RENAME Old New");
    assert_eq!(
        untagged(&mut imap, "LIST (SUBSCRIBED) \"\" *d*"),
        [
            "* LIST (\\NonExistent \\HasNoChildren \\Subscribed) \"/\" Old",
            "* LIST (\\NonExistent \\HasNoChildren \\Subscribed) \"/\" Old/Child",
        ]
    );
    assert_eq!(
        untagged(&mut imap, "LIST \"\" New* RETURN (SUBSCRIBED)"),
        [
            "* LIST (\\HasChildren) \"/\" New",
            "* LIST (\\HasNoChildren) \"/\" New/Child",
        ]
    );
    // The client's way to keep them in step (§6.3.6).
    imap.ok("SUBSCRIBE New");
    imap.ok("UNSUBSCRIBE Old");
    assert_eq!(
        untagged(&mut imap, "LSUB \"\" %"),
        [
            "* LSUB () \"/\" Archive",
            "* LSUB () \"/\" Drafts",
            "* LSUB () \"/\" INBOX",
            "* LSUB () \"/\" Junk",
            "* LSUB () \"/\" New",
            "* LSUB (\\Noselect) \"/\" Old",
            "* LSUB () \"/\" Sent",
            "* LSUB () \"/\" Trash"
        ]
    );
}

/// RFC 9051 §6.3.9.1 RECURSIVEMATCH and §6.3.9.6 CHILDINFO: a parent is listed for a subscribed
/// descendant the patterns do not list themselves; redundant CHILDINFO is suppressed.
#[test]
fn recursivematch_gives_childinfo_for_subscribed_descendants() {
    let (_server, mut imap) = login();
    imap.ok("CREATE top/a");
    imap.ok("CREATE top/b/c");
    imap.ok("SUBSCRIBE top/a");
    imap.ok("SUBSCRIBE top/b/c");
    imap.ok("SUBSCRIBE gone/x");
    assert_eq!(
        untagged(
            &mut imap,
            "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" top/% RETURN (CHILDREN STATUS (MESSAGES))"
        ),
        [
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" top/a",
            "* STATUS top/a (MESSAGES 0)",
            // Listed for its child only: no STATUS (§6.3.9.8 example 11).
            "* LIST (\\HasChildren) \"/\" top/b (\"CHILDINFO\" (\"SUBSCRIBED\"))",
        ]
    );
    // Without RECURSIVEMATCH, only what is subscribed itself.
    assert_eq!(
        untagged(&mut imap, "LIST (SUBSCRIBED) \"\" top/%"),
        ["* LIST (\\HasNoChildren \\Subscribed) \"/\" top/a"]
    );
    // Every subscribed descendant is listed anyway: no CHILDINFO for top or top/b.
    assert_eq!(
        untagged(&mut imap, "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" top*"),
        [
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" top/a",
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" top/b/c",
        ]
    );
    // A level above a subscribed name no mailbox has: \NonExistent, with CHILDINFO (table 3).
    let top = untagged(&mut imap, "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" %");
    assert!(
        top.contains(
            &"* LIST (\\HasChildren) \"/\" top (\"CHILDINFO\" (\"SUBSCRIBED\"))".to_string()
        ),
        "{top:?}"
    );
    assert!(
        top.contains(
            &"* LIST (\\NonExistent \\HasNoChildren) \"/\" gone (\"CHILDINFO\" (\"SUBSCRIBED\"))"
                .to_string()
        ),
        "{top:?}"
    );
    assert!(untagged(&mut imap, "LIST (SUBSCRIBED) \"\" gone").is_empty());
    assert_eq!(
        untagged(&mut imap, "LIST (SUBSCRIBED) \"\" gone/*"),
        ["* LIST (\\NonExistent \\HasNoChildren \\Subscribed) \"/\" gone/x"]
    );
}
