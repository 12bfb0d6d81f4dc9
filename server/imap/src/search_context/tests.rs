//! Update contexts against a real store: what a refresh says, numbered as the client needs.

use super::*;
use crate::view::Update;
use kantor_imap_proto::command::sort::SortKey;
use kantor_imap_proto::{Data, EncodeOptions, Response};
use kantor_store::*;

struct Setup {
    _dir: tempfile::TempDir,
    store: kantor_store::Mail,
    account: Account,
    inbox: MailboxId,
}

async fn setup(messages: usize) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let (store, account, inbox) = kantor_store::testing::store_with_alice(dir.path()).await;
    let s = Setup {
        _dir: dir,
        store,
        account,
        inbox,
    };
    for i in 0..messages {
        s.append(i as i64).await;
    }
    s
}

impl Setup {
    /// A message whose INTERNALDATE (ARRIVAL) is `day` days after a fixed date.
    async fn append(&self, day: i64) {
        let message = NewMessage {
            account_id: self.account.id,
            mailbox_id: self.inbox,
            blob: BlobRef::new(format!("Subject: {day}\r\n\r\nday {day}\r\n").into_bytes()),
            flags: Flags::default(),
            keywords: vec![],
            internal_date: 1_700_000_000 + day * 86_400,
        };
        self.store.append(vec![message]).await.unwrap();
    }

    async fn flag(&self, _view: &MailboxView, uids: &[Uid], operation: FlagOperation) {
        let change = FlagChange {
            operation,
            flags: Flags::SEEN,
            keywords: vec![],
            unchanged_since: None,
        };
        self.store
            .set_flags(self.account.id, self.inbox, uids.to_vec(), change)
            .await
            .unwrap();
    }

    async fn expunge(&self, _view: &MailboxView, uids: &[Uid]) {
        self.store
            .expunge(self.account.id, self.inbox, uids.to_vec())
            .await
            .unwrap();
    }

    fn view(&self) -> MailboxView {
        MailboxView::open(
            &self.store,
            self.account.id,
            self.inbox,
            false,
            crate::view::RecentMode::Off,
        )
        .unwrap()
        .unwrap()
    }
}

/// Refreshes the view and the contexts like `commands::refresh`: the responses in order,
/// the view's own ones abbreviated.
fn refresh(
    s: &Setup,
    view: &mut MailboxView,
    contexts: &mut Contexts,
    expunge: bool,
) -> Vec<String> {
    let updates = view.refresh(&s.store, expunge).unwrap();
    let gone = Update::expunged_uids(&updates);
    let esearch = |e: Esearch| {
        let bytes = Response::Data(Data::Esearch(e)).to_bytes(EncodeOptions::default());
        String::from_utf8(bytes).unwrap().trim_end().to_string()
    };
    let found = contexts.refresh(&s.store, view, &[], &gone);
    let mut out: Vec<String> = found.removals.into_iter().map(esearch).collect();
    out.extend(updates.iter().map(|u| match u {
        Update::Expunged { seq, .. } => format!("* {seq} EXPUNGE"),
        Update::Exists(n) => format!("* {n} EXISTS"),
        Update::Flags { seq, .. } => format!("* {seq} FETCH"),
        Update::Keywords(_) => "* FLAGS".into(),
    }));
    out.extend(found.additions.into_iter().map(esearch));
    out
}

fn tag(t: &str) -> Tag {
    Tag::new(t).unwrap()
}

/// A context over every live message matching `key`, as the search command would make it.
fn keep(
    contexts: &mut Contexts,
    view: &MailboxView,
    t: &str,
    uid: bool,
    key: SearchKey,
    order: Order,
) {
    let key = freeze(&key, view, &[]);
    let messages = live_messages(view);
    let store_less: Vec<Row> = messages
        .iter()
        .map(|m| Row {
            uid: m.summary.uid,
            values: None,
        })
        .collect();
    assert!(contexts.has_room(matches!(order, Order::Sort(_))));
    contexts.add(tag(t), uid, key, order, store_less, view);
}

#[tokio::test]
async fn flag_changes_new_mail_and_expunges() {
    let s = setup(4).await;
    let mut view = s.view();
    let mut contexts = Contexts::default();
    // Every message is unseen: both contexts hold UIDs 1:4.
    keep(
        &mut contexts,
        &view,
        "U",
        true,
        SearchKey::Unseen,
        Order::Mailbox,
    );
    keep(
        &mut contexts,
        &view,
        "N",
        false,
        SearchKey::Unseen,
        Order::Mailbox,
    );
    assert!(refresh(&s, &mut view, &mut contexts, true).is_empty());

    s.flag(&view, &[2, 3], FlagOperation::Add).await;
    assert_eq!(
        refresh(&s, &mut view, &mut contexts, true),
        [
            "* ESEARCH (TAG \"U\") UID REMOVEFROM (2 2:3)",
            "* ESEARCH (TAG \"N\") REMOVEFROM (2 2:3)",
            "* 2 FETCH",
            "* 3 FETCH",
        ]
    );

    // New mail: ADDTO after EXISTS, at the end (position 3: 1, 4, then 5).
    s.append(10).await;
    assert_eq!(
        refresh(&s, &mut view, &mut contexts, true),
        [
            "* 5 EXISTS",
            "* ESEARCH (TAG \"U\") UID ADDTO (3 5)",
            "* ESEARCH (TAG \"N\") ADDTO (3 5)",
        ]
    );

    // Expunging 1, 2 and 4: REMOVEFROM in the numbering before the EXPUNGEs, 1 and 4 being
    // adjacent results (2 is not one). Message 5 becomes number 2.
    s.expunge(&view, &[1, 2, 4]).await;
    assert_eq!(
        refresh(&s, &mut view, &mut contexts, true),
        [
            "* ESEARCH (TAG \"U\") UID REMOVEFROM (1 1,4)",
            "* ESEARCH (TAG \"N\") REMOVEFROM (1 1,4)",
            "* 4 EXPUNGE",
            "* 2 EXPUNGE",
            "* 1 EXPUNGE",
        ]
    );

    // Unseen again: back in, numbered anew (3 is now message 1).
    s.flag(&view, &[3], FlagOperation::Remove).await;
    assert_eq!(
        refresh(&s, &mut view, &mut contexts, true),
        [
            "* 1 FETCH",
            "* ESEARCH (TAG \"U\") UID ADDTO (1 3)",
            "* ESEARCH (TAG \"N\") ADDTO (1 1)",
        ]
    );

    // CANCELUPDATE stops one; an unknown tag cancels nothing.
    assert_eq!(contexts.cancel(&["U".into(), "X".into()]), Err("X".into()));
    assert_eq!(contexts.cancel(&["U".into()]), Ok(()));
    assert!(!contexts.in_use("U") && contexts.in_use("N"));
    s.flag(&view, &[3, 5], FlagOperation::Add).await;
    assert_eq!(
        refresh(&s, &mut view, &mut contexts, true),
        [
            "* ESEARCH (TAG \"N\") REMOVEFROM (1 1:2)",
            "* 1 FETCH",
            "* 2 FETCH",
        ]
    );
}

#[tokio::test]
async fn deferred_expunges_leave_the_results_at_once() {
    let s = setup(3).await;
    let mut view = s.view();
    let mut contexts = Contexts::default();
    keep(
        &mut contexts,
        &view,
        "N",
        false,
        SearchKey::All,
        Order::Mailbox,
    );
    s.expunge(&view, &[2]).await;
    // During FETCH by number: no EXPUNGE, but REMOVEFROM with the number still valid
    // (RFC 5267 Appendix A.3).
    assert_eq!(
        refresh(&s, &mut view, &mut contexts, false),
        ["* ESEARCH (TAG \"N\") REMOVEFROM (2 2)"]
    );
    s.append(5).await;
    assert_eq!(
        refresh(&s, &mut view, &mut contexts, false),
        ["* 4 EXISTS", "* ESEARCH (TAG \"N\") ADDTO (3 4)"]
    );
    // The EXPUNGE, later, brings no second REMOVEFROM.
    assert_eq!(refresh(&s, &mut view, &mut contexts, true), ["* 2 EXPUNGE"]);
}

#[tokio::test]
async fn sort_contexts_place_results_in_sort_order() {
    // Arrival days 3, 1, 2 for UIDs 1, 2, 3: REVERSE ARRIVAL gives 1, 3, 2.
    let s = setup(0).await;
    for day in [3, 1, 2] {
        s.append(day).await;
    }
    let mut view = s.view();
    let criteria = vec![SortCriterion {
        reverse: true,
        key: SortKey::Arrival,
    }];
    let messages = live_messages(&view);
    let search = SearchContext {
        store: &s.store,
        mailbox_id: view.mailbox_id,
        messages: &messages,
        saved: &[],
        index: None,
    };
    let sorted =
        kantor_imap_message::sort::sorted(&search, &criteria, "UTF-8", &SearchKey::Unseen).unwrap();
    let rows: Vec<Row> = sorted
        .into_iter()
        .map(|(seq, values)| Row {
            uid: view.get(seq).unwrap().uid(),
            values: Some(values),
        })
        .collect();
    assert_eq!(rows.iter().map(|r| r.uid).collect::<Vec<_>>(), [1, 3, 2]);
    let mut contexts = Contexts::default();
    let key = freeze(&SearchKey::Unseen, &view, &[]);
    contexts.add(tag("S"), true, key, Order::Sort(criteria), rows, &view);

    // Arrivals on days 0, 5 and 2: 4 goes last, 5 first, 6 after 3 (same day: UID order).
    for day in [0, 5, 2] {
        s.append(day).await;
    }
    assert_eq!(
        refresh(&s, &mut view, &mut contexts, true),
        [
            "* 6 EXISTS",
            "* ESEARCH (TAG \"S\") UID ADDTO (1 5 4 6 6 4)",
        ]
    );
    // Now 5 1 3 6 2 4. Seen 1 and 6: removed from positions 2 and 3 (then 3).
    s.flag(&view, &[1, 6], FlagOperation::Add).await;
    assert_eq!(
        refresh(&s, &mut view, &mut contexts, true),
        [
            "* ESEARCH (TAG \"S\") UID REMOVEFROM (2 1 3 6)",
            "* 1 FETCH",
            "* 6 FETCH",
        ]
    );
}

#[tokio::test]
async fn numbers_in_criteria_are_kept_as_the_uids_they_named() {
    let s = setup(3).await;
    let mut view = s.view();
    let mut contexts = Contexts::default();
    let key = SearchKey::And(vec![
        SearchKey::SequenceSet(SequenceSet::parse("2:*").unwrap()),
        SearchKey::Unseen,
    ]);
    let frozen = freeze(&key, &view, &[]);
    assert_eq!(
        frozen,
        SearchKey::And(vec![
            SearchKey::Uid(SequenceSet::parse("2:3").unwrap()),
            SearchKey::Unseen,
        ])
    );
    contexts.add(
        tag("F"),
        true,
        frozen,
        Order::Mailbox,
        vec![
            Row {
                uid: 2,
                values: None,
            },
            Row {
                uid: 3,
                values: None,
            },
        ],
        &view,
    );
    // A new message is not "2:*" as it was; message 1 never was.
    s.append(9).await;
    s.flag(&view, &[1, 3], FlagOperation::Add).await;
    assert_eq!(
        refresh(&s, &mut view, &mut contexts, true),
        [
            "* ESEARCH (TAG \"F\") UID REMOVEFROM (2 3)",
            "* 1 FETCH",
            "* 3 FETCH",
            "* 4 EXISTS",
        ]
    );
    assert_eq!(
        freeze(&SearchKey::SequenceSet(SequenceSet::Saved), &view, &[]),
        SearchKey::Not(Box::new(SearchKey::All))
    );
}

#[test]
fn limits() {
    let mut contexts = Contexts::default();
    let dummy = |contexts: &mut Contexts, t: &str, order: Order| {
        contexts.list.push(UpdateContext {
            tag: tag(t),
            uid: true,
            key: SearchKey::All,
            order,
            rows: Vec::new(),
            seen: 0,
            clocked: false,
        });
    };
    for i in 0..MAX_SORT_CONTEXTS {
        assert!(contexts.has_room(true));
        dummy(&mut contexts, &format!("s{i}"), Order::Sort(Vec::new()));
    }
    assert!(!contexts.has_room(true) && contexts.has_room(false));
    for i in MAX_SORT_CONTEXTS..MAX_UPDATE_CONTEXTS {
        dummy(&mut contexts, &format!("m{i}"), Order::Mailbox);
    }
    assert!(!contexts.has_room(false));
    assert!(has_clock(&SearchKey::Not(Box::new(SearchKey::Older(
        std::num::NonZeroU32::new(5).unwrap()
    )))));
}
