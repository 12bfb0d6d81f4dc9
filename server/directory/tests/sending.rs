//! The one rule of who may send what (`kantor_directory::sending`) against a real store: each
//! author-field combination of RFC 5322 §3.6.2 with own addresses, Send As, Send on Behalf,
//! group grantees and grantors, and the Sent copies it asks for.

use kantor_directory::*;
use kantor_message::authors::Authors;
use kantor_store::SendLevel;

async fn setup() -> (tempfile::TempDir, Directory) {
    let dir = tempfile::tempdir().unwrap();
    let store = kantor_store::Store::open(dir.path(), Default::default()).unwrap();
    let d = Directory::new(store, AuthPolicy::default());
    d.add_domain("example.com").await.unwrap();
    for user in ["boss", "dan", "ann", "eve", "gus"] {
        d.add_user(&format!("{user}@example.com"), "secret", 0, false)
            .await
            .unwrap();
    }
    d.add_group("helpers@example.com").await.unwrap();
    d.add_group_member(
        "helpers@example.com",
        "gus@example.com",
        admin::Dangling::Refuse,
    )
    .await
    .unwrap();
    let grant = |grantor: &'static str, grantee: &'static str, level| {
        let d = d.clone();
        async move { d.grant_send(grantor, grantee, level).await.unwrap() }
    };
    grant("boss@example.com", "dan@example.com", SendLevel::As).await;
    grant("boss@example.com", "ann@example.com", SendLevel::OnBehalf).await;
    grant("boss@example.com", "helpers@example.com", SendLevel::As).await;
    (dir, d)
}

/// The rule's verdict for `user` on a header: `Ok(copies)` or the refusal's text.
fn verdict(d: &Directory, user: &str, header: &str) -> Result<usize, String> {
    let account = d.user(user).unwrap();
    let authors = Authors::of(format!("{header}\r\n").as_bytes());
    match d.check_authors(&account, &authors).unwrap() {
        Ok(accepted) => Ok(accepted.copy_to_sent.len()),
        Err(refusal) => Err(refusal.to_string()),
    }
}

#[tokio::test]
async fn author_fields_table() {
    let (_dir, d) = setup().await;
    let boss = "boss@example.com";
    let ok = Ok(0);
    let cases: &[(&str, &str, Result<usize, &str>)] = &[
        ("dan", "From: dan@example.com\r\n", ok),
        ("dan", "Subject: no From\r\n", ok),
        ("dan", "From: Boss <BOSS@Example.COM>\r\n", ok),
        ("dan", "From: Team: boss@example.com;\r\n", ok),
        (
            "eve",
            "From: boss@example.com\r\n",
            Err("From <boss@example.com> is not an address you may send as"),
        ),
        (
            "eve",
            "From: eve@example.com\r\nSender: boss@example.com\r\n",
            Err("Sender <boss@example.com> is not an address you may send as"),
        ),
        (
            "ann",
            "From: boss@example.com\r\n",
            Err(
                "you may send only on behalf of <boss@example.com>: Sender must be your own address",
            ),
        ),
        (
            "ann",
            "From: boss@example.com\r\nSender: ann@example.com\r\n",
            ok,
        ),
        (
            "ann",
            "From: boss@example.com\r\nSender: dan@example.com\r\n",
            Err("Sender <dan@example.com> is not an address you may send as"),
        ),
        (
            "ann",
            "From: boss@example.com\r\nSender: a@example.com, ann@example.com\r\n",
            Err("Sender must be a single address"),
        ),
        (
            "dan",
            "From: dan@example.com, boss@example.com\r\n",
            Err("a From with several addresses needs a Sender field"),
        ),
        (
            "dan",
            "From: dan@example.com, boss@example.com\r\nSender: dan@example.com\r\n",
            ok,
        ),
        (
            "dan",
            "From: undisclosed-recipients:;\r\n",
            Err("From holds no address"),
        ),
        (
            "dan",
            "From: dan\r\n",
            Err("From <dan@> is not an address you may send as"),
        ),
        ("gus", "From: boss@example.com\r\n", ok),
        (
            "gus",
            "From: dan@example.com\r\n",
            Err("From <dan@example.com> is not an address you may send as"),
        ),
        (
            "eve",
            "From: eve@example.com\r\nResent-From: boss@example.com\r\n",
            Err("Resent-From <boss@example.com> is not an address you may send as"),
        ),
        (
            "ann",
            "From: ann@example.com\r\nResent-From: boss@example.com\r\n",
            Err(
                "you may send only on behalf of <boss@example.com>: Resent-Sender must be your own address",
            ),
        ),
        (
            "ann",
            "From: ann@example.com\r\nResent-From: boss@example.com\r\nResent-Sender: ann@example.com\r\n",
            ok,
        ),
        (
            "dan",
            "From: dan@example.com\r\nFrom: boss@example.com\r\n",
            Err("a From with several addresses needs a Sender field"),
        ),
        (
            "dan",
            "From: dan@elsewhere.org\r\n",
            Err("From <dan@elsewhere.org> is not an address you may send as"),
        ),
    ];
    for (user, header, want) in cases {
        let got = verdict(&d, &format!("{user}@example.com"), header);
        assert_eq!(got, want.map_err(str::to_string), "{user}: {header:?}");
    }

    // The grantor asks for copies: those sent for it by grant name it, its own mail does not.
    d.set_copy_to_sent(boss, true).await.unwrap();
    assert_eq!(
        verdict(&d, "dan@example.com", "From: boss@example.com\r\n"),
        Ok(1)
    );
    assert_eq!(
        verdict(&d, "boss@example.com", "From: boss@example.com\r\n"),
        Ok(0)
    );
    assert_eq!(
        verdict(&d, "dan@example.com", "From: dan@example.com\r\n"),
        Ok(0)
    );

    // Envelope: any address the user may use; identities: own or Send As.
    let ann = d.user("ann@example.com").unwrap();
    let address = Address::parse(boss).unwrap();
    assert!(d.may_use_as_envelope(&ann, &address).unwrap());
    assert!(!d.may_send_as(&ann, &address).unwrap());

    // Revoked: refused at once; a level changed replaces the other.
    d.revoke_send(boss, "dan@example.com").await.unwrap();
    assert!(verdict(&d, "dan@example.com", "From: boss@example.com\r\n").is_err());
    d.grant_send(boss, "ann@example.com", SendLevel::As)
        .await
        .unwrap();
    assert_eq!(
        verdict(&d, "ann@example.com", "From: boss@example.com\r\n"),
        Ok(1)
    );
    assert!(d.revoke_send(boss, "dan@example.com").await.is_err());
    let grants = d.list_send_grants(Some(boss)).unwrap();
    let listed: Vec<_> = grants
        .iter()
        .map(|g| (g.grantee_address.as_str(), g.level))
        .collect();
    assert_eq!(
        listed,
        [
            ("ann@example.com", SendLevel::As),
            ("helpers@example.com", SendLevel::As)
        ]
    );
}

/// A group's permitted senders (`group allow-sender`) are its Send As grants; removing the
/// group or the user removes the grants.
#[tokio::test]
async fn group_senders_are_send_as_grants() {
    let (_dir, d) = setup().await;
    d.add_group("sales@example.com").await.unwrap();
    d.set_group_sender("sales@example.com", "eve@example.com", true)
        .await
        .unwrap();
    assert_eq!(
        verdict(&d, "eve@example.com", "From: sales@example.com\r\n"),
        Ok(0)
    );
    let listed = d.list_send_grants(Some("sales@example.com")).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(d.list_groups(None).unwrap()[1].senders, ["eve@example.com"]);
    d.remove_user("eve@example.com").await.unwrap();
    assert!(
        d.list_send_grants(Some("sales@example.com"))
            .unwrap()
            .is_empty()
    );
    d.remove_group("helpers@example.com").await.unwrap();
    assert_eq!(d.list_send_grants(None).unwrap().len(), 2);
}
