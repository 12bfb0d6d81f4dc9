//! Resolution, send-as rules and login throttling against a real store.

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

    d.add_alias("sales@example.com", "bob@example.com")
        .await
        .unwrap();
    assert_eq!(ids(&d, "sales@example.com"), Recipient::Local(vec![bob]));

    d.add_group("team@example.com").await.unwrap();
    for member in ["alice@example.com", "bob@example.com", "sales@example.com"] {
        d.add_group_member("team@example.com", member)
            .await
            .unwrap();
    }
    // bob is reached directly and through the alias: delivered once.
    assert_eq!(
        ids(&d, "team@example.com"),
        Recipient::Local(vec![alice, bob])
    );

    d.add_alias("@example.com", "carol@example.com")
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
    d.add_group_member("a@example.com", "b@example.com")
        .await
        .unwrap();
    d.add_group_member("b@example.com", "a@example.com")
        .await
        .unwrap();
    d.add_group_member("b@example.com", "alice@example.com")
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
    d.add_alias("info@example.com", "alice@example.com")
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
