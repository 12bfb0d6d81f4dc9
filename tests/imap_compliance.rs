//! Response-by-response checks found by running Dovecot's imaptest scripts against Kantor: each
//! test pins one RFC rule a compliance suite exercises.

mod common;
use common::*;

const PLAINTEXT: &str = "[imap]\nallow_plaintext_auth = true\n";

fn login() -> (TestServer, ImapClient) {
    let server = TestServer::start(PLAINTEXT);
    let user = format!("compliance@{DOMAIN}");
    server.add_user(&user);
    let imap = ImapClient::login(server.addr("imap"), &user);
    (server, imap)
}

/// RFC 3501 §6.3.9: with `%`, a subscribed `a/b/c` under an unsubscribed `a/b` makes LSUB
/// return `a/b` flagged \Noselect, and not `a/b/c` itself.
#[test]
fn lsub_percent_returns_unsubscribed_parent_as_noselect() {
    let (_server, mut imap) = login();
    imap.ok("CREATE top/mid/leaf");
    imap.ok("UNSUBSCRIBE top");
    imap.ok("UNSUBSCRIBE top/mid");
    imap.ok("SUBSCRIBE top/mid/leaf");
    let lsub = imap.ok("LSUB \"\" top/%");
    assert_eq!(lsub.len(), 2, "{lsub:?}");
    assert_eq!(lsub[0], "* LSUB (\\Noselect) \"/\" top/mid\r\n", "{lsub:?}");
    let all = imap.ok("LSUB \"\" top/*");
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(all[0], "* LSUB (\\Noselect) \"/\" top/mid\r\n", "{all:?}");
    assert_eq!(all[1], "* LSUB () \"/\" top/mid/leaf\r\n", "{all:?}");
    imap.ok("SUBSCRIBE top/mid");
    let subscribed = imap.ok("LSUB \"\" top/%");
    assert_eq!(
        subscribed[0], "* LSUB () \"/\" top/mid\r\n",
        "{subscribed:?}"
    );
}

/// RFC 9051 §6.4.5: BODY[1.TEXT] of a message/rfc822 part holding a multipart is everything after
/// the inner header, the multipart's epilogue included.
#[test]
fn encapsulated_multipart_text_includes_epilogue() {
    let (_server, mut imap) = login();
    let message = b"From: a@example.org\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: multipart/digest; boundary=\"foo\"\r\n\r\nprologue\r\n--foo\r\n\r\nSubject: m1\r\n\r\nm1 body\r\n--foo--\r\n\r\nepilogue\r\n";
    let done = imap.append("INBOX", "", message);
    assert!(done.last().unwrap().contains("OK"), "{done:?}");
    imap.ok("SELECT INBOX");
    let text =
        b"prologue\r\n--foo\r\n\r\nSubject: m1\r\n\r\nm1 body\r\n--foo--\r\n\r\nepilogue\r\n";
    let fetch = imap.ok("FETCH 1 BODY.PEEK[1.TEXT]");
    let expected = format!(
        "* 1 FETCH (BODY[1.TEXT] {{{}}}\r\n{})\r\n",
        text.len(),
        String::from_utf8_lossy(text)
    );
    assert_eq!(fetch[0], expected, "{fetch:?}");
}
