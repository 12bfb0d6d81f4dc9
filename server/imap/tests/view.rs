//! The selected-mailbox view against a real store: what a session is told, and when.

use kantor_imap::view::{Apply, MailboxView, RecentMode, Update};
use kantor_store::*;

async fn setup() -> (tempfile::TempDir, Mail, Account, MailboxId) {
    let dir = tempfile::tempdir().unwrap();
    let (store, account, inbox) = kantor_store::testing::store_with_alice(dir.path()).await;
    (dir, store, account, inbox)
}

async fn append(store: &Mail, account: &Account, mailbox: MailboxId, n: usize) -> Vec<Delivered> {
    let messages = (0..n)
        .map(|i| NewMessage {
            account_id: account.id,
            mailbox_id: mailbox,
            blob: BlobRef::new(format!("Subject: {i}\r\n\r\n{}\r\n", rand_text(i)).into_bytes()),
            flags: Flags::default(),
            keywords: vec![],
            internal_date: 1_700_000_000,
        })
        .collect();
    store.append(messages).await.unwrap()
}

fn rand_text(i: usize) -> String {
    format!("message number {i} {:?}", std::time::Instant::now())
}

fn flag(operation: FlagOperation, flags: Flags, keywords: &[&str]) -> FlagChange {
    FlagChange {
        operation,
        flags,
        keywords: keywords.iter().map(|k| k.to_string()).collect(),
        unchanged_since: None,
    }
}

#[tokio::test]
async fn new_mail_and_flag_changes_are_announced() {
    let (_dir, store, alice, inbox) = setup().await;
    append(&store, &alice, inbox, 2).await;
    let mut view = MailboxView::open(&store, alice.id, inbox, false, RecentMode::Off)
        .unwrap()
        .unwrap();
    assert_eq!(view.len(), 2);
    assert_eq!(view.refresh(&store, true).unwrap(), vec![], "nothing new");

    append(&store, &alice, inbox, 1).await;
    assert_eq!(view.refresh(&store, true).unwrap(), vec![Update::Exists(3)]);

    let second = view.get(2).unwrap().uid();
    store
        .set_flags(
            alice.id,
            inbox,
            vec![second],
            flag(FlagOperation::Add, Flags::SEEN, &[]),
        )
        .await
        .unwrap();
    assert_eq!(
        view.refresh(&store, true).unwrap(),
        vec![Update::Flags { seq: 2, uid: 2 }]
    );
    assert!(view.get(2).unwrap().message.flags.contains(Flags::SEEN));

    store
        .set_flags(
            alice.id,
            inbox,
            vec![second],
            flag(FlagOperation::Add, Flags::default(), &["$Project"]),
        )
        .await
        .unwrap();
    assert_eq!(
        view.refresh(&store, true).unwrap(),
        vec![
            Update::Keywords(vec!["$Project".into()]),
            Update::Flags { seq: 2, uid: 2 }
        ],
        "FLAGS before the FETCH that uses the new keyword"
    );
}

#[tokio::test]
async fn expunges_wait_until_allowed_and_then_renumber_correctly() {
    let (_dir, store, alice, inbox) = setup().await;
    append(&store, &alice, inbox, 5).await;
    let mut view = MailboxView::open(&store, alice.id, inbox, false, RecentMode::Off)
        .unwrap()
        .unwrap();
    let ids: Vec<_> = view.entries().iter().map(|e| e.uid()).collect();
    store
        .expunge(alice.id, inbox, vec![ids[1], ids[3]])
        .await
        .unwrap();

    // During FETCH/STORE/SEARCH: no EXPUNGE, numbers stay.
    assert_eq!(view.refresh(&store, false).unwrap(), vec![]);
    assert_eq!(view.len(), 5);
    assert!(view.get(2).unwrap().expunged && view.get(4).unwrap().expunged);
    assert_eq!(view.get(5).unwrap().uid(), 5);

    // Then: highest first, so each number is right when applied in order.
    assert_eq!(
        view.refresh(&store, true).unwrap(),
        vec![
            Update::Expunged { seq: 4, uid: 4 },
            Update::Expunged { seq: 2, uid: 2 }
        ]
    );
    assert_eq!(
        view.entries().iter().map(|e| e.uid()).collect::<Vec<_>>(),
        [1, 3, 5]
    );
    assert_eq!(view.seq_of(5), Some(3));
}

#[tokio::test]
async fn nothing_is_announced_that_was_never_there() {
    let (_dir, store, alice, inbox) = setup().await;
    let mut view = MailboxView::open(&store, alice.id, inbox, false, RecentMode::Off)
        .unwrap()
        .unwrap();
    let added = append(&store, &alice, inbox, 2).await;
    store
        .expunge(alice.id, inbox, vec![added[0].uid])
        .await
        .unwrap();
    assert_eq!(view.refresh(&store, true).unwrap(), vec![Update::Exists(1)]);
    assert_eq!(view.get(1).unwrap().uid(), 2);
}

#[tokio::test]
async fn own_flag_changes_are_not_repeated_and_moves_are_expunges() {
    let (_dir, store, alice, inbox) = setup().await;
    append(&store, &alice, inbox, 2).await;
    let mut view = MailboxView::open(&store, alice.id, inbox, false, RecentMode::Off)
        .unwrap()
        .unwrap();
    let first = view.get(1).unwrap().uid();
    let result = store
        .set_flags(
            alice.id,
            inbox,
            vec![first],
            flag(FlagOperation::Add, Flags::FLAGGED, &[]),
        )
        .await
        .unwrap();
    let state = &result.states[0];
    view.record_flags(state.uid, state.flags, &state.keywords, state.modseq);
    assert_eq!(view.refresh(&store, true).unwrap(), vec![]);

    let archive = store
        .mailbox_by_role(alice.id, MailboxRole::Archive)
        .unwrap()
        .unwrap()
        .id;
    store
        .move_messages(alice.id, inbox, vec![first], archive)
        .await
        .unwrap();
    assert_eq!(
        view.refresh(&store, true).unwrap(),
        vec![Update::Expunged { seq: 1, uid: 1 }]
    );
    let mut archive_view = MailboxView::open(&store, alice.id, archive, true, RecentMode::Off)
        .unwrap()
        .unwrap();
    assert_eq!(archive_view.len(), 1);
    assert_eq!(archive_view.refresh(&store, true).unwrap(), vec![]);
}

/// `\Recent` (RFC 3501 §2.3.2): the first read-write session told of a message has it, later
/// ones don't; EXAMINE sees what nobody claimed and takes it from nobody.
#[tokio::test]
async fn recent_goes_to_the_first_selecting_session_only() {
    let (_dir, store, alice, inbox) = setup().await;
    append(&store, &alice, inbox, 2).await;
    let open = |mode, read_only| MailboxView::open(&store, alice.id, inbox, read_only, mode);
    let recent =
        |view: &MailboxView| -> Vec<bool> { view.entries().iter().map(|e| e.recent).collect() };

    let mut examine = open(RecentMode::Peek, true).unwrap().unwrap();
    examine.settle_recent(&store).await.unwrap();
    assert_eq!(
        recent(&examine),
        [true, true],
        "EXAMINE sees unclaimed mail as recent"
    );

    let mut first = open(RecentMode::Claim, false).unwrap().unwrap();
    first.settle_recent(&store).await.unwrap();
    assert_eq!(
        (first.recent_count(), recent(&first)),
        (2, vec![true, true])
    );

    let mut second = open(RecentMode::Claim, false).unwrap().unwrap();
    second.settle_recent(&store).await.unwrap();
    assert_eq!(
        second.recent_count(),
        0,
        "already claimed by the first session"
    );

    // A new message: whichever session refreshes first gets it.
    append(&store, &alice, inbox, 1).await;
    second.refresh(&store, true).unwrap();
    second.settle_recent(&store).await.unwrap();
    first.refresh(&store, true).unwrap();
    first.settle_recent(&store).await.unwrap();
    assert_eq!(recent(&second), [false, false, true]);
    assert_eq!(recent(&first), [true, true, false]);

    let mut rev2 = open(RecentMode::Off, false).unwrap().unwrap();
    append(&store, &alice, inbox, 1).await;
    rev2.refresh(&store, true).unwrap();
    rev2.settle_recent(&store).await.unwrap();
    assert!(!rev2.tracks_recent() && rev2.recent_count() == 0);
    assert_eq!(
        store.unclaimed_recent(inbox).unwrap(),
        1,
        "IMAP4rev2 claims nothing"
    );
}

#[tokio::test]
async fn held_back_changes_are_told_by_a_later_refresh() {
    let (_dir, store, alice, inbox) = setup().await;
    let first = append(&store, &alice, inbox, 2).await;
    let mut view = MailboxView::open(&store, alice.id, inbox, false, RecentMode::Off)
        .unwrap()
        .unwrap();
    append(&store, &alice, inbox, 1).await;
    store
        .set_flags(
            alice.id,
            inbox,
            vec![first[0].uid],
            flag(FlagOperation::Add, Flags::FLAGGED, &[]),
        )
        .await
        .unwrap();
    store
        .expunge(alice.id, inbox, vec![first[1].uid])
        .await
        .unwrap();
    // A snapshot (RFC 5465 SELECTED NONE): nothing applied, the expunged one only marked.
    assert_eq!(view.refresh_with(&store, Apply::NOTHING).unwrap(), vec![]);
    assert_eq!(view.len(), 2);
    assert!(view.get(2).unwrap().expunged);
    // Arrivals only.
    let arrivals = Apply {
        arrivals: true,
        ..Apply::NOTHING
    };
    assert_eq!(
        view.refresh_with(&store, arrivals).unwrap(),
        vec![Update::Exists(3)]
    );
    // The rest, held since.
    assert_eq!(
        view.refresh_with(&store, Apply::ALL).unwrap(),
        vec![
            Update::Expunged { seq: 2, uid: 2 },
            Update::Flags { seq: 1, uid: 1 }
        ]
    );
    assert_eq!(view.refresh_with(&store, Apply::ALL).unwrap(), vec![]);
}

/// SELECT of the selected mailbox reuses the view: brought up to date from the log, it must be
/// exactly what a fresh load gives.
#[tokio::test]
async fn reopening_equals_loading_afresh() {
    let (_dir, store, alice, inbox) = setup().await;
    let first = append(&store, &alice, inbox, 3).await;
    let view = MailboxView::open(&store, alice.id, inbox, false, RecentMode::Off)
        .unwrap()
        .unwrap();
    append(&store, &alice, inbox, 2).await;
    store
        .set_flags(
            alice.id,
            inbox,
            vec![first[2].uid],
            flag(FlagOperation::Add, Flags::SEEN, &["$Work"]),
        )
        .await
        .unwrap();
    store
        .expunge(alice.id, inbox, vec![first[0].uid])
        .await
        .unwrap();
    let reopened = view.reopen(&store, true, RecentMode::Off).unwrap();
    let fresh = MailboxView::open(&store, alice.id, inbox, true, RecentMode::Off)
        .unwrap()
        .unwrap();
    assert_eq!(reopened.entries(), fresh.entries());
    assert_eq!(reopened.len(), 4);
    assert!(reopened.read_only);
    assert_eq!(reopened.highest_modseq(), fresh.highest_modseq());
}

/// A session open while the change log is pruned past its modseq resynchronises from the
/// mailbox itself: it is told of the expunges, flag changes and arrivals it missed.
#[tokio::test]
async fn a_view_behind_a_pruned_log_resynchronises_from_the_mailbox() {
    let (_dir, store, alice, inbox) = setup().await;
    let added = append(&store, &alice, inbox, 3).await;
    let mut view = MailboxView::open(&store, alice.id, inbox, false, RecentMode::Off)
        .unwrap()
        .unwrap();
    store
        .expunge(alice.id, inbox, vec![added[1].uid])
        .await
        .unwrap();
    store
        .set_flags(
            alice.id,
            inbox,
            vec![added[2].uid],
            flag(FlagOperation::Add, Flags::FLAGGED, &[]),
        )
        .await
        .unwrap();
    append(&store, &alice, inbox, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert!(
        store
            .prune_changes(std::time::Duration::ZERO)
            .await
            .unwrap()
            > 0
    );
    let updates = view.refresh(&store, true).unwrap();
    assert_eq!(
        updates,
        vec![
            Update::Expunged { seq: 2, uid: 2 },
            Update::Flags { seq: 2, uid: 3 },
            Update::Exists(3)
        ]
    );
    assert_eq!(view.refresh(&store, true).unwrap(), vec![], "nothing twice");
}

/// A commit can be visible before its wake-up reaches this view (here: made through another
/// open store, whose commits this one hears of only by its watcher, within a second). A command
/// that saw the commit in the mailbox (EXPUNGE listing `\Deleted` messages) asks the next
/// refresh to read the log anyway, and the expunge is announced with its result.
#[tokio::test]
async fn a_refresh_asked_to_read_the_log_sees_commits_not_yet_announced() {
    let (dir, store, alice, inbox) = setup().await;
    append(&store, &alice, inbox, 2).await;
    let mut view = MailboxView::open(&store, alice.id, inbox, false, RecentMode::Off)
        .unwrap()
        .unwrap();
    let elsewhere = Store::open(dir.path(), StoreOptions::default())
        .unwrap()
        .mail(Actor::System);
    elsewhere.expunge(alice.id, inbox, vec![1]).await.unwrap();
    view.read_log_next();
    assert_eq!(
        view.refresh(&store, true).unwrap(),
        vec![Update::Expunged { seq: 1, uid: 1 }]
    );
    assert_eq!(view.refresh(&store, true).unwrap(), vec![], "read once");
}
