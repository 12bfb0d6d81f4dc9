//! Another user's account as JMAP reads it through the store (RFC 8620 §1.6.2 over RFC 4314
//! ACLs): the accounts listed with the union of their rights, the rights per mailbox, and the
//! account-wide listings (all emails, by id, a thread's, a blob's, the change log) showing a
//! member only the emails of mailboxes they may read (`r`), each with only those mailboxes.

use kantor_store::changes::{ChangeKind, ObjectKind};
use kantor_store::testing::{new_account, store_with_alice};
use kantor_store::*;

fn message(account_id: AccountId, mailbox_id: MailboxId, subject: &str) -> NewMessage {
    NewMessage {
        account_id,
        mailbox_id,
        blob: BlobRef::new(format!("Subject: {subject}\r\n\r\nbody\r\n").into_bytes()),
        flags: Flags::default(),
        keywords: vec![],
        internal_date: 0,
    }
}

fn rights(text: &str) -> Rights {
    Rights::parse(text).unwrap()
}

#[tokio::test]
async fn a_member_lists_only_the_emails_of_mailboxes_it_may_read() {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, inbox) = store_with_alice(dir.path()).await;
    let bob = store.create_account(new_account("bob")).await.unwrap();
    let owner = store.mail(Actor::User(alice.id));
    let as_bob = store.mail(Actor::User(bob.id));
    let private = owner
        .create_mailbox(alice.id, "Private", None)
        .await
        .unwrap()
        .id;
    let filed = owner
        .append(vec![
            message(alice.id, inbox, "open"),
            message(alice.id, private, "secret"),
            message(alice.id, inbox, "both"),
        ])
        .await
        .unwrap();
    let (open, secret, both) = (
        filed[0].message_id,
        filed[1].message_id,
        filed[2].message_id,
    );
    owner
        .copy_messages(alice.id, inbox, vec![filed[2].uid], private)
        .await
        .unwrap();
    let since = store.account(alice.id).unwrap().unwrap().modseq;

    // Nothing granted: no account, and nothing to list.
    assert!(as_bob.shared_accounts().unwrap().is_empty());
    assert!(as_bob.email_listing(alice.id).unwrap().is_empty());

    owner
        .set_acl(inbox, "bob@example.com", Some(rights("lr")))
        .await
        .unwrap();
    owner
        .set_acl(private, "bob@example.com", Some(rights("l")))
        .await
        .unwrap();
    let shared = as_bob.shared_accounts().unwrap();
    assert_eq!(shared.len(), 1);
    assert_eq!(shared[0].id, alice.id);
    assert_eq!(shared[0].address, "alice@example.com");
    assert_eq!(shared[0].rights, rights("lr"));
    assert!(shared[0].is_read_only());
    let each = as_bob.mailbox_rights(alice.id).unwrap();
    assert_eq!(each.of(inbox), rights("lr"));
    assert_eq!(each.of(private), rights("l"));
    assert_eq!(
        owner.mailbox_rights(alice.id).unwrap(),
        MailboxRights::All(Rights::ALL)
    );

    let mut listed: Vec<MessageId> = as_bob
        .email_listing(alice.id)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    listed.sort();
    assert_eq!(listed, [open, both], "the secret email is not listed");
    assert_eq!(owner.email_listing(alice.id).unwrap().len(), 3);
    // The listing of some ids or newer ones (a query the index narrowed): the same rights, the
    // same order as the whole listing.
    let ids = |l: Vec<kantor_store::EmailListing>| l.iter().map(|e| e.id).collect::<Vec<_>>();
    let all = ids(owner.email_listing(alice.id).unwrap());
    assert_eq!(
        ids(owner
            .email_listing_among(alice.id, &[both, open], 0)
            .unwrap()),
        all,
        "every id above 0"
    );
    let among = owner
        .email_listing_among(alice.id, &[both, open, 999_999], open)
        .unwrap();
    assert_eq!(ids(among), all, "open asked, the two newer ones above it");
    let among = owner.email_listing_among(alice.id, &[open], both).unwrap();
    assert_eq!(ids(among), [open]);
    let among = as_bob
        .email_listing_among(alice.id, &[open, secret], open)
        .unwrap();
    let mut among = ids(among);
    among.sort();
    assert_eq!(among, [open, both], "not the secret one, asked or newer");
    let records = as_bob.emails(alice.id, &[open, secret, both]).unwrap();
    assert!(
        records[1].is_none(),
        "the secret email does not exist for bob"
    );
    let both_record = records[2].as_ref().unwrap();
    assert_eq!(
        both_record.filed.iter().map(|f| f.0).collect::<Vec<_>>(),
        [inbox],
        "only the mailbox bob may read"
    );
    let owner_both = owner.emails(alice.id, &[both]).unwrap()[0].clone().unwrap();
    assert_eq!(owner_both.filed.len(), 2);
    let secret_record = owner.emails(alice.id, &[secret]).unwrap()[0]
        .clone()
        .unwrap();
    assert!(
        !as_bob
            .account_has_blob(alice.id, &secret_record.blob)
            .unwrap()
    );
    assert!(
        owner
            .account_has_blob(alice.id, &secret_record.blob)
            .unwrap()
    );
    assert!(
        as_bob
            .thread_emails(alice.id, secret_record.thread_id)
            .unwrap()
            .is_empty()
    );

    // The log: the flag change of the secret email is not bob's to see; the INBOX's is.
    let flag = |flags| FlagChange {
        operation: FlagOperation::Add,
        flags,
        keywords: vec![],
        unchanged_since: None,
    };
    owner
        .set_flags(alice.id, private, vec![filed[1].uid], flag(Flags::FLAGGED))
        .await
        .unwrap();
    owner
        .set_flags(alice.id, inbox, vec![filed[0].uid], flag(Flags::FLAGGED))
        .await
        .unwrap();
    let kinds = [ObjectKind::Email, ObjectKind::Mailbox];
    let page = as_bob
        .visible_changes_page(alice.id, since, 1000, &kinds)
        .unwrap();
    let emails: Vec<MessageId> = page
        .changes
        .iter()
        .filter(|c| c.object == ObjectKind::Email)
        .map(|c| c.object_id)
        .collect();
    assert!(emails.contains(&open), "{page:?}");
    assert!(!emails.contains(&secret), "{page:?}");
    let whole = owner
        .visible_changes_page(alice.id, since, 1000, &kinds)
        .unwrap();
    assert!(whole.changes.iter().any(|c| c.object_id == secret));

    // Withdrawn: the INBOX's emails are gone at the next call, and a mailbox no longer
    // visible is destroyed in the log bob reads.
    owner
        .set_acl(inbox, "bob@example.com", Some(rights("l")))
        .await
        .unwrap();
    assert!(as_bob.email_listing(alice.id).unwrap().is_empty());
    owner
        .set_acl(private, "bob@example.com", None)
        .await
        .unwrap();
    let page = as_bob
        .visible_changes_page(alice.id, since, 1000, &kinds)
        .unwrap();
    assert!(
        page.changes.iter().any(|c| c.object == ObjectKind::Mailbox
            && c.object_id == private
            && c.kind == ChangeKind::Destroyed),
        "{page:?}"
    );
    assert_eq!(as_bob.shared_accounts().unwrap()[0].rights, rights("l"));
}
