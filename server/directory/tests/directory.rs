//! Resolution, send-as rules and login throttling against a real store.

use kantor_directory::admin::Dangling;
use kantor_directory::*;
use std::time::Duration;

async fn setup() -> (tempfile::TempDir, Directory) {
    let dir = tempfile::tempdir().unwrap();
    let store = kantor_store::Store::open(dir.path(), Default::default()).unwrap();
    let policy = AuthPolicy {
        failures_before_lockout: 3,
        delay_step: Duration::ZERO,
        ..Default::default()
    };
    let d = Directory::new(store, policy);
    d.add_domain("Example.com").await.unwrap();
    for user in ["alice@example.com", "bob@example.com", "carol@example.com"] {
        d.add_user(user, "secret", 0, user.starts_with("carol"))
            .await
            .unwrap();
    }
    (dir, d)
}

fn ids(d: &Directory, addr: &str) -> Recipient {
    d.resolve(&Address::parse(addr).unwrap()).unwrap()
}

fn id_of(d: &Directory, addr: &str) -> i64 {
    d.user(addr).unwrap().id
}

#[tokio::test]
async fn resolves_users_aliases_groups_catch_all() {
    let (_dir, d) = setup().await;
    let (alice, bob, carol) = (
        id_of(&d, "alice@example.com"),
        id_of(&d, "bob@example.com"),
        id_of(&d, "carol@example.com"),
    );
    assert_eq!(ids(&d, "ALICE@example.COM"), Recipient::Local(vec![alice]));
    assert_eq!(
        ids(&d, "alice+news@example.com"),
        Recipient::Local(vec![alice])
    );
    assert_eq!(ids(&d, "nobody@example.com"), Recipient::UnknownLocal);
    assert_eq!(ids(&d, "someone@elsewhere.org"), Recipient::Remote);
    assert_eq!(
        ids(&d, "postmaster@example.com"),
        Recipient::Local(vec![carol])
    );

    d.add_alias("sales@example.com", "bob@example.com", Dangling::Refuse)
        .await
        .unwrap();
    assert_eq!(ids(&d, "sales@example.com"), Recipient::Local(vec![bob]));

    d.add_group("team@example.com").await.unwrap();
    for member in ["alice@example.com", "bob@example.com", "sales@example.com"] {
        d.add_group_member("team@example.com", member, Dangling::Refuse)
            .await
            .unwrap();
    }
    // bob is reached directly and through the alias: delivered once.
    assert_eq!(
        ids(&d, "team@example.com"),
        Recipient::Local(vec![alice, bob])
    );

    d.add_alias("@example.com", "carol@example.com", Dangling::Refuse)
        .await
        .unwrap();
    assert_eq!(ids(&d, "nobody@example.com"), Recipient::Local(vec![carol]));
    assert_eq!(
        ids(&d, "alice@example.com"),
        Recipient::Local(vec![alice]),
        "exact beats catch-all"
    );
}

#[tokio::test]
async fn group_loops_terminate() {
    let (_dir, d) = setup().await;
    d.add_group("a@example.com").await.unwrap();
    d.add_group("b@example.com").await.unwrap();
    d.add_group_member("a@example.com", "b@example.com", Dangling::Refuse)
        .await
        .unwrap();
    d.add_group_member("b@example.com", "a@example.com", Dangling::Refuse)
        .await
        .unwrap();
    d.add_group_member("b@example.com", "alice@example.com", Dangling::Refuse)
        .await
        .unwrap();
    assert_eq!(
        ids(&d, "a@example.com"),
        Recipient::Local(vec![id_of(&d, "alice@example.com")])
    );
}

#[tokio::test]
async fn send_as_own_address_alias_and_permitted_group_only() {
    let (_dir, d) = setup().await;
    let alice = d.user("alice@example.com").unwrap();
    let may = |a: &str| d.may_send_as(&alice, &Address::parse(a).unwrap()).unwrap();
    assert!(may("Alice@Example.com"));
    assert!(!may("bob@example.com"));
    d.add_alias("info@example.com", "alice@example.com", Dangling::Refuse)
        .await
        .unwrap();
    assert!(may("info@example.com"));
    d.add_group("team@example.com").await.unwrap();
    assert!(!may("team@example.com"));
    d.set_group_sender("team@example.com", "alice@example.com", true)
        .await
        .unwrap();
    assert!(may("team@example.com"));
    assert!(!may("alice@elsewhere.org"));
}

#[tokio::test]
async fn wrong_passwords_lock_out_then_right_one_is_refused_too() {
    let (_dir, d) = setup().await;
    let ip = "198.51.100.7".parse().unwrap();
    assert!(matches!(
        d.authenticate("alice@example.com", "secret", ip).await,
        AuthOutcome::Success(_)
    ));
    for _ in 0..3 {
        assert!(matches!(
            d.authenticate("alice@example.com", "wrong", ip).await,
            AuthOutcome::Failed
        ));
    }
    assert!(matches!(
        d.authenticate("alice@example.com", "secret", ip).await,
        AuthOutcome::Throttled { .. }
    ));
    assert!(matches!(
        d.authenticate("nobody@example.com", "x", "198.51.100.8".parse().unwrap())
            .await,
        AuthOutcome::Failed
    ));
}

#[tokio::test]
async fn admin_errors_are_clear() {
    let (_dir, d) = setup().await;
    let dup = d
        .add_user("alice@example.com", "x", 0, false)
        .await
        .unwrap_err();
    assert!(dup.to_string().contains("already exists"), "{dup}");
    let unknown = d
        .add_user("x@nowhere.test", "x", 0, false)
        .await
        .unwrap_err();
    assert!(
        unknown
            .to_string()
            .contains("domain nowhere.test not found"),
        "{unknown}"
    );
    assert!(d.add_user("not an address", "x", 0, false).await.is_err());
    assert!(
        d.remove_domain("example.com")
            .await
            .unwrap_err()
            .to_string()
            .contains("still has")
    );
}

#[tokio::test]
async fn targets_and_members_must_name_something_unless_forced() {
    let (_dir, d) = setup().await;
    let typo = d
        .add_alias("sales@example.com", "alcie@example.com", Dangling::Refuse)
        .await
        .unwrap_err();
    assert_eq!(
        typo.to_string(),
        "alias target alcie@example.com is no user, alias or group (use --force to add it anyway)"
    );
    assert!(
        !d.add_alias("sales@example.com", "alcie@example.com", Dangling::Allow)
            .await
            .unwrap(),
        "added, and said to name nothing"
    );
    for target in [
        "alice+news@example.com",
        "postmaster@example.com",
        "sales@example.com",
    ] {
        assert!(
            d.add_alias("info@example.com", target, Dangling::Refuse)
                .await
                .unwrap(),
            "{target}"
        );
    }
    d.add_group("team@example.com").await.unwrap();
    let member = d
        .add_group_member("team@example.com", "nobody@example.com", Dangling::Refuse)
        .await
        .unwrap_err();
    assert!(
        member
            .to_string()
            .starts_with("member nobody@example.com is no user"),
        "{member}"
    );
    d.add_group_member("team@example.com", "Bob@Example.com", Dangling::Refuse)
        .await
        .unwrap();
    let twice = d
        .add_group_member("team@example.com", "bob@example.com", Dangling::Refuse)
        .await
        .unwrap_err();
    assert_eq!(
        twice.to_string(),
        "member bob@example.com of group team@example.com already exists"
    );
}

#[tokio::test]
async fn listing_an_unknown_domain_is_an_error() {
    let (_dir, d) = setup().await;
    for result in [
        d.list_users(Some("nowhere.test")).map(|_| ()),
        d.list_aliases(Some("nowhere.test")).map(|_| ()),
        d.list_groups(Some("nowhere.test")).map(|_| ()),
    ] {
        assert_eq!(
            result.unwrap_err().to_string(),
            "domain nowhere.test not found"
        );
    }
    assert_eq!(d.list_users(Some("EXAMPLE.com.")).unwrap().len(), 3);
}

#[tokio::test]
async fn a_disabled_user_is_refused_with_the_right_password_only() {
    let (_dir, d) = setup().await;
    let ip = "198.51.100.7".parse().unwrap();
    assert!(d.set_disabled("alice@example.com", true).await.unwrap());
    assert!(
        !d.set_disabled("alice@example.com", true).await.unwrap(),
        "already"
    );
    assert!(matches!(
        d.authenticate("alice@example.com", "secret", ip).await,
        AuthOutcome::Disabled
    ));
    assert!(matches!(
        d.authenticate("alice@example.com", "wrong", ip).await,
        AuthOutcome::Failed
    ));
    d.set_disabled("alice@example.com", false).await.unwrap();
    assert!(matches!(
        d.authenticate("alice@example.com", "secret", ip).await,
        AuthOutcome::Success(_)
    ));
}

/// `kantor admin user unlock` is another process: it raises the account's generation in the
/// store, and the server's counters of the older one stop counting.
#[tokio::test]
async fn an_unlock_from_another_process_reaches_the_counters() {
    let (dir, d) = setup().await;
    let ip = "198.51.100.7".parse().unwrap();
    for _ in 0..3 {
        d.authenticate("alice@example.com", "wrong", ip).await;
    }
    assert!(matches!(
        d.authenticate("alice@example.com", "secret", ip).await,
        AuthOutcome::Throttled { .. }
    ));
    let admin = Directory::new(
        kantor_store::Store::open(dir.path(), Default::default()).unwrap(),
        AuthPolicy::default(),
    );
    admin.unlock("alice@example.com").await.unwrap();
    assert!(matches!(
        d.authenticate("alice@example.com", "secret", ip).await,
        AuthOutcome::Success(_)
    ));
}

#[tokio::test]
async fn a_login_is_noted_and_shown_with_what_names_the_user() {
    let (_dir, d) = setup().await;
    assert_eq!(d.user("bob@example.com").unwrap().last_login_at, None);
    let ip = "198.51.100.7".parse().unwrap();
    assert!(matches!(
        d.authenticate("bob@example.com", "secret", ip).await,
        AuthOutcome::Success(_)
    ));
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while d.user("bob@example.com").unwrap().last_login_at.is_none() {
        assert!(std::time::Instant::now() < deadline, "login time written");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    d.add_alias("sales@example.com", "bob@example.com", Dangling::Refuse)
        .await
        .unwrap();
    d.add_group("team@example.com").await.unwrap();
    d.add_group_member("team@example.com", "bob@example.com", Dangling::Refuse)
        .await
        .unwrap();
    d.set_group_sender("team@example.com", "bob@example.com", true)
        .await
        .unwrap();
    let shown = d.user_details("BOB@example.com").unwrap();
    assert_eq!(shown.account.address(), "bob@example.com");
    assert_eq!(shown.aliases.len(), 1);
    assert_eq!(shown.groups.len(), 1);
    assert_eq!(shown.send_as.len(), 1);
}
