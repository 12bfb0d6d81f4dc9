//! What `kantor admin` prints and refuses: one line for every change, JSON for every listing,
//! sizes people read and write, help on every command, and clear refusals of what is most
//! likely a mistake (a target that names nothing, a member twice, an unknown domain).

mod common;
use common::*;
use serde_json::{Value, json};

fn json_of(server: &TestServer, args: &[&str]) -> Value {
    let out = server.admin_ok(args, "");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

/// Every command that changes something says what it did in one line on standard output.
#[test]
fn every_change_prints_one_line() {
    let server = TestServer::start("");
    let alice = format!("alice@{DOMAIN}");
    let team = format!("team@{DOMAIN}");
    let sales = format!("sales@{DOMAIN}");
    let commands: Vec<(Vec<String>, String)> = vec![
        (
            vec!["domain".into(), "add".into(), "two.test".into()],
            "added domain two.test".into(),
        ),
        (
            vec![
                "user".into(),
                "add".into(),
                alice.clone(),
                "--password-stdin".into(),
                "--quota".into(),
                "1.5G".into(),
            ],
            format!("added user {alice}"),
        ),
        (
            vec![
                "user".into(),
                "passwd".into(),
                alice.clone(),
                "--password-stdin".into(),
            ],
            format!("password changed for {alice}"),
        ),
        (
            vec![
                "user".into(),
                "quota".into(),
                alice.clone(),
                "500 MiB".into(),
            ],
            format!("quota of {alice} set to 500.0 MiB"),
        ),
        (
            vec!["user".into(), "quota".into(), alice.clone(), "0".into()],
            format!("quota of {alice} set to unlimited"),
        ),
        (
            vec!["alias".into(), "add".into(), sales.clone(), alice.clone()],
            format!("added alias {sales} -> {alice}"),
        ),
        (
            vec![
                "alias".into(),
                "remove".into(),
                sales.clone(),
                alice.clone(),
            ],
            format!("removed alias {sales} -> {alice}"),
        ),
        (
            vec!["group".into(), "add".into(), team.clone()],
            format!("added group {team}"),
        ),
        (
            vec![
                "group".into(),
                "add-member".into(),
                team.clone(),
                alice.clone(),
            ],
            format!("added member {alice} to group {team}"),
        ),
        (
            vec![
                "group".into(),
                "allow-sender".into(),
                team.clone(),
                alice.clone(),
            ],
            format!("{alice} may send as group {team}"),
        ),
        (
            vec![
                "group".into(),
                "deny-sender".into(),
                team.clone(),
                alice.clone(),
            ],
            format!("{alice} may no longer send as group {team}"),
        ),
        (
            vec![
                "group".into(),
                "remove-member".into(),
                team.clone(),
                alice.clone(),
            ],
            format!("removed member {alice} from group {team}"),
        ),
        (
            vec!["group".into(), "remove".into(), team.clone()],
            format!("removed group {team}"),
        ),
        (
            vec!["user".into(), "unlock".into(), alice.clone()],
            format!("unlocked user {alice}: its failed logins are forgotten"),
        ),
        (
            vec![
                "user".into(),
                "remove".into(),
                alice.clone(),
                "--yes".into(),
            ],
            format!("removed user {alice} and all its mail"),
        ),
        (
            vec![
                "domain".into(),
                "remove".into(),
                "two.test".into(),
                "-y".into(),
            ],
            "removed domain two.test".into(),
        ),
    ];
    for (args, said) in commands {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (ok, out, err) = server.admin(&args, &format!("{PASSWORD}\n"));
        assert!(ok, "{args:?}: {err}");
        assert_eq!(out, format!("{said}\n"), "{args:?}");
        assert_eq!(err, "", "{args:?}");
    }
}

/// `--json` on every listing, with the shapes docs/admin.md shows; sizes in text are human.
#[test]
fn listings_in_json_and_sizes_people_read() {
    let server = TestServer::start("");
    let alice = format!("alice@{DOMAIN}");
    server.admin_ok(
        &[
            "user",
            "add",
            &alice,
            "--password-stdin",
            "--quota",
            "1.0 MiB",
        ],
        &format!("{PASSWORD}\n"),
    );
    server.admin_ok(&["alias", "add", &format!("@{DOMAIN}"), &alice], "");
    server.admin_ok(&["group", "add", &format!("team@{DOMAIN}")], "");
    server.admin_ok(
        &["group", "add-member", &format!("team@{DOMAIN}"), &alice],
        "",
    );

    assert_eq!(
        json_of(&server, &["domain", "list", "--json"]),
        json!([{ "name": DOMAIN }])
    );
    let users = json_of(&server, &["user", "list", "--json", "--domain", DOMAIN]);
    let alice_json = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["address"] == alice.as_str())
        .unwrap();
    assert_eq!(alice_json["quota_bytes"], 1 << 20);
    assert_eq!(alice_json["used_bytes"], 0);
    assert_eq!(alice_json["admin"], false);
    assert_eq!(alice_json["disabled"], false);
    assert_eq!(alice_json["last_login"], Value::Null);
    assert!(alice_json["id"].is_i64());
    assert_eq!(
        json_of(&server, &["alias", "list", "--json"]),
        json!([{ "alias": format!("@{DOMAIN}"), "target": alice }])
    );
    assert_eq!(
        json_of(&server, &["group", "list", "--json"]),
        json!([{ "group": format!("team@{DOMAIN}"), "members": [alice], "senders": [] }])
    );
    assert_eq!(json_of(&server, &["queue", "list", "--json"]), json!([]));

    let users = server.admin_ok(&["user", "list"], "");
    assert!(
        users.contains(&format!("{alice}  used 0 B of 1.0 MiB\n")),
        "{users}"
    );
    assert!(
        users.contains(&format!("admin@{DOMAIN}  used 0 B of unlimited  admin\n")),
        "{users}"
    );
    let gc = server.admin_ok(&["gc"], "");
    assert!(gc.contains(" blobs (0 B), "), "{gc}");
    let (ok, _, err) = server.admin(&["user", "quota", &alice, "lots"], "");
    assert!(
        !ok && err.contains("malformed size \"lots\": use e.g. 500M, 1.5G or 2 GiB"),
        "{err}"
    );
}

#[test]
fn mistakes_are_refused_with_clear_messages() {
    let server = TestServer::start("");
    let alice = format!("alice@{DOMAIN}");
    server.add_user(&alice);
    let team = format!("team@{DOMAIN}");
    server.admin_ok(&["group", "add", &team], "");
    let typo = format!("alcie@{DOMAIN}");

    let (ok, _, err) = server.admin(&["alias", "add", &format!("sales@{DOMAIN}"), &typo], "");
    assert!(!ok, "refused");
    assert_eq!(
        err,
        format!(
            "kantor: error: alias target {typo} is no user, alias or group (use --force to add it anyway)\n"
        )
    );
    let (ok, out, err) = server.admin(
        &["alias", "add", &format!("sales@{DOMAIN}"), &typo, "--force"],
        "",
    );
    assert!(ok);
    assert_eq!(out, format!("added alias sales@{DOMAIN} -> {typo}\n"));
    assert_eq!(
        err,
        format!("kantor: warning: {typo} is no user, alias or group (yet)\n")
    );

    let (ok, _, err) = server.admin(&["group", "add-member", &team, &typo], "");
    assert!(
        !ok && err.contains(&format!("member {typo} is no user, alias or group")),
        "{err}"
    );
    server.admin_ok(&["group", "add-member", &team, &alice], "");
    let (ok, _, err) = server.admin(&["group", "add-member", &team, &alice.to_uppercase()], "");
    assert!(!ok);
    assert_eq!(
        err,
        format!("kantor: error: member ALICE@{DOMAIN} of group {team} already exists\n")
    );
    let (ok, _, err) = server.admin(&["group", "remove-member", &team, &typo], "");
    assert!(
        !ok && err.contains(&format!("member {typo} of group {team} not found")),
        "{err}"
    );
    let (ok, _, err) = server.admin(&["group", "deny-sender", &team, &alice], "");
    assert!(
        !ok && err.contains(&format!(
            "permitted sender {alice} of group {team} not found"
        )),
        "{err}"
    );

    for listing in ["user", "alias", "group"] {
        let (ok, out, err) = server.admin(&[listing, "list", "--domain", "nowhere.test"], "");
        assert!(!ok && out.is_empty(), "{listing}");
        assert_eq!(
            err, "kantor: error: domain nowhere.test not found\n",
            "{listing}"
        );
    }
}

#[test]
fn every_subcommand_has_help() {
    let server = TestServer::start("");
    let help = server.admin_ok(&["user", "--help"], "");
    for (command, text) in [
        ("show", "Show a user"),
        ("disable", "Refuse the user's logins"),
        ("enable", "Allow a disabled user"),
        ("unlock", "Forget the user's failed logins"),
        ("rename", "Give a user a new address"),
        ("remove", "Delete a user and all its mail"),
    ] {
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with(command) && l.contains(text)),
            "{command}: {help}"
        );
    }
    let add = server.admin_ok(&["alias", "add", "--help"], "");
    assert!(add.contains("<ALIAS>   The alias address"), "{add}");
    assert!(add.contains("--force"), "{add}");
}
