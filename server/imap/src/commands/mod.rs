//! The command table and the dispatch (RFC 9051 §6).
//!
//! The table has two columns. Which states a command is valid in is
//! `kantor_imap_proto::CommandBody::allowed` (RFC 9051 §6, the extensions' RFCs), checked here
//! once for every command. What the session may tell the client about the selected mailbox
//! after it is [`announce`]: EXPUNGE/VANISHED never while answering FETCH, STORE or SEARCH by
//! number (RFC 9051 §7.5.1), nor UID SEARCH with numbers in its criteria (RFC 7162 §3.2.10.2);
//! commands that set up the selection themselves announce nothing more; EXPUNGE and MOVE
//! announce everything even to a NOTIFY client that asked for less, their expunges being their
//! result (RFC 9051 §6.4.3, RFC 6851 §4.3). What a NOTIFY client is told otherwise is
//! `crate::notify::apply`'s. Search contexts' ADDTO / REMOVEFROM (RFC 5267 §4.3.2: allowed at
//! any time) go with every refresh.
//!
//! One module per command family, named like the proto crate's: `any` (CAPABILITY, NOOP,
//! LOGOUT, ID, ENABLE), `auth` (STARTTLS, LOGIN, AUTHENTICATE), `compress`, `mailbox` (CREATE,
//! DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE), `list` (LIST, LSUB), `status`, `select` (SELECT,
//! EXAMINE, UNSELECT, CLOSE), `fetch`, `store`, `search` (SEARCH, SORT, THREAD,
//! CANCELUPDATE), `copy` (COPY, MOVE), `expunge`, `append`, `idle`, `notify`, `quota`,
//! `namespace`.

mod acl;
mod any;
mod append;
mod auth;
mod compress;
mod copy;
mod expunge;
mod fetch;
mod idle;
mod list;
mod mailbox;
mod namespace;
mod notify;
mod quota;
mod search;
mod select;
mod status;
mod store;

use crate::notify::{self as notifications, Moment};
use crate::outcome::{self, Outcome, Refusal};
use crate::session::{Flow, Session};
use kantor_imap_proto::command::search::SearchKey;
use kantor_imap_proto::{Command, CommandBody};
use kantor_net::ReadError;

/// What may be announced about the selected mailbox once a command has run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Announce {
    /// Nothing: the command set up (or left) the selection and said all there is.
    Nothing,
    /// New messages and flag changes, but no expunges (sequence numbers must hold).
    WithoutExpunges,
    /// Everything, expunges included.
    Everything,
    /// Everything, whatever NOTIFY asked for: the updates are the command's own result.
    AsResult,
}

/// The second column of the command table.
pub(crate) fn announce(body: &CommandBody) -> Announce {
    use CommandBody as C;
    match body {
        C::Select(_) | C::Examine(_) | C::Close | C::Unselect | C::Logout | C::Idle => {
            Announce::Nothing
        }
        C::Expunge | C::UidExpunge(_) | C::Move(_) => Announce::AsResult,
        C::Fetch(f) if !f.uid => Announce::WithoutExpunges,
        C::Store(s) if !s.uid => Announce::WithoutExpunges,
        C::Search(s) if !s.uid || has_numbers(&s.criteria) => Announce::WithoutExpunges,
        C::Sort(s) if !s.uid || has_numbers(&s.search) => Announce::WithoutExpunges,
        C::Thread(t) if !t.uid || has_numbers(&t.search) => Announce::WithoutExpunges,
        _ => Announce::Everything,
    }
}

/// Whether search criteria name messages by sequence number.
fn has_numbers(key: &SearchKey) -> bool {
    let mut stack = vec![key];
    while let Some(key) = stack.pop() {
        match key {
            SearchKey::SequenceSet(_) => return true,
            SearchKey::Not(k) => stack.push(k),
            SearchKey::Or(a, b) => stack.extend([&**a, &**b]),
            SearchKey::And(keys) => stack.extend(keys.iter()),
            _ => {}
        }
    }
    false
}

/// Whether the user may still read the selected mailbox when it is another account's (RFC 4314
/// `r`, decided by the store at every command): a right withdrawn meanwhile refuses the next
/// command on it, which would otherwise answer from what the view already holds (message
/// bodies are read by content hash). The user's own mailbox costs nothing here.
fn still_readable(session: &Session) -> Result<(), Refusal> {
    let (Some(user), Some(selected)) = (session.state.user(), session.state.selected()) else {
        return Ok(());
    };
    if selected.view.account_id == user.account_id {
        return Ok(());
    }
    let rights = session.store().my_rights(selected.view.mailbox_id);
    match rights {
        Ok(rights) if rights.contains(kantor_store::Rights::READ) => Ok(()),
        Ok(_) | Err(kantor_store::StoreError::NotFound(_)) => Err(Refusal::no_code(
            kantor_imap_proto::Code::NoPerm,
            "No longer allowed to read this mailbox",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Runs one command: ends the session instead if its account was disabled or removed since
/// login (`Session::revoked`), checks the state table, executes, announces mailbox changes,
/// completes.
pub(crate) async fn execute(session: &mut Session, command: Command) -> Result<Flow, ReadError> {
    let Command { tag, body } = command;
    let name = body.name();
    if let Some(bye) = session.revoked() {
        session.out.push(bye);
        return Ok(Flow::Close);
    }
    if !body.allowed().permits(session.state.protocol()) {
        let outcome = Err(Refusal::bad(format!("{name} is not valid in this state")));
        return Ok(complete(session, tag, outcome, Flow::Continue));
    }
    if body.allowed() == kantor_imap_proto::Allowed::Selected
        && let Err(refusal) = still_readable(session)
    {
        return Ok(complete(session, tag, Err(refusal), Flow::Continue));
    }
    tracing::trace!(command = name, "imap: command");
    let announce = announce(&body);
    let mut flow = Flow::Continue;
    let outcome: Outcome = match body {
        CommandBody::Capability => any::capability(session),
        CommandBody::Noop => Ok(crate::outcome::Done::new("NOOP completed")),
        // RFC 3501 §6.4.1: a checkpoint; every change is on disk already when it is answered.
        CommandBody::Check => Ok(crate::outcome::Done::new("CHECK completed")),
        CommandBody::Logout => {
            flow = Flow::Close;
            any::logout(session)
        }
        CommandBody::Id(params) => any::id(session, params),
        CommandBody::Enable(caps) => any::enable(session, caps),
        CommandBody::StartTls => {
            let outcome = auth::starttls(session);
            if outcome.is_ok() {
                flow = Flow::StartTls;
            }
            outcome
        }
        CommandBody::Login(login) => auth::login(session, login).await,
        CommandBody::Authenticate(a) => auth::authenticate(session, a).await?,
        CommandBody::Compress(algorithm) => {
            let outcome = compress::compress(session, algorithm);
            if outcome.is_ok() {
                flow = Flow::Compress;
            }
            outcome
        }
        CommandBody::Select(s) => select::select(session, s, false).await,
        CommandBody::Examine(s) => select::select(session, s, true).await,
        CommandBody::Unselect => select::unselect(session),
        CommandBody::Close => select::close(session).await,
        CommandBody::Create(c) => mailbox::create(session, c).await,
        CommandBody::Delete(m) => mailbox::delete(session, m).await,
        CommandBody::Rename { from, to } => mailbox::rename(session, from, to).await,
        CommandBody::Subscribe(m) => mailbox::subscribe(session, m, true).await,
        CommandBody::Unsubscribe(m) => mailbox::subscribe(session, m, false).await,
        CommandBody::List(l) => list::list(session, l),
        CommandBody::Lsub(l) => list::lsub(session, l),
        CommandBody::Namespace => namespace::namespace(session),
        CommandBody::Status(s) => status::status(session, s),
        CommandBody::Append(a) => append::append(session, a).await,
        CommandBody::Idle => idle::idle(session).await?,
        CommandBody::GetQuota(root) => quota::get_quota(session, root),
        CommandBody::GetQuotaRoot(m) => quota::get_quota_root(session, m),
        CommandBody::SetQuota(_) => quota::set_quota(session),
        CommandBody::Notify(n) => notify::notify(session, n).await,
        CommandBody::GetAcl(m) => acl::get_acl(session, m),
        CommandBody::SetAcl(s) => acl::set_acl(session, s).await,
        CommandBody::DeleteAcl(d) => acl::delete_acl(session, d).await,
        CommandBody::ListRights(l) => acl::list_rights(session, l),
        CommandBody::MyRights(m) => acl::my_rights(session, m),
        CommandBody::CancelUpdate(tags) => search::cancel_update(session, &tags),
        CommandBody::Expunge => expunge::expunge(session, None).await,
        CommandBody::UidExpunge(set) => expunge::expunge(session, Some(set)).await,
        CommandBody::Fetch(f) => fetch::fetch(session, f).await,
        CommandBody::Store(s) => store::store(session, s).await,
        CommandBody::Copy(c) => copy::copy(session, c, false).await,
        CommandBody::Move(c) => copy::copy(session, c, true).await,
        CommandBody::Search(s) => search::search(session, s, &tag),
        CommandBody::Sort(s) => search::sort(session, s, &tag),
        CommandBody::Thread(t) => search::thread(session, t),
    };
    let moment = match announce {
        Announce::Nothing => None,
        Announce::WithoutExpunges => Some(Moment::Command {
            allow_expunge: false,
        }),
        Announce::Everything => Some(Moment::Command {
            allow_expunge: true,
        }),
        Announce::AsResult => Some(Moment::Result),
    };
    if let Some(moment) = moment {
        notifications::selected(session, moment).await;
    }
    Ok(complete(session, tag, outcome, flow))
}

/// Brings the selected view up to date with the change log and queues everything the client
/// must be told (RFC 9051 §7.4, §7.5) as part of a command's result; nothing when no mailbox
/// is selected.
pub(crate) async fn refresh(session: &mut Session) {
    notifications::selected(session, Moment::Result).await;
}

/// Queues the tagged response; counts a BAD; ends the session past the error limit.
fn complete(
    session: &mut Session,
    tag: kantor_imap_proto::Tag,
    outcome: Outcome,
    flow: Flow,
) -> Flow {
    let (response, bad) = outcome::tagged(tag, outcome);
    session.out.push(response);
    if bad && session.count_error() {
        return Flow::Close;
    }
    flow
}

#[cfg(test)]
mod tests {
    use super::*;
    use kantor_imap_proto::{Limits, Parsed, parse_command};

    fn body(line: &str) -> CommandBody {
        match parse_command(format!("a {line}\r\n").as_bytes(), &Limits::default()) {
            Ok(Parsed::Complete { command, .. }) => command.body,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn expunges_wait_during_fetch_store_and_search_by_number() {
        let cases = [
            ("FETCH 1 FLAGS", Announce::WithoutExpunges),
            ("STORE 1 +FLAGS (\\Seen)", Announce::WithoutExpunges),
            ("SEARCH ALL", Announce::WithoutExpunges),
            ("SORT (DATE) UTF-8 ALL", Announce::WithoutExpunges),
            ("UID FETCH 1 FLAGS", Announce::Everything),
            ("UID STORE 1 +FLAGS (\\Seen)", Announce::Everything),
            ("UID SEARCH ALL", Announce::Everything),
            ("UID SEARCH NOT (OR SEEN 1:3)", Announce::WithoutExpunges),
            ("UID THREAD REFERENCES UTF-8 ALL", Announce::Everything),
            ("NOOP", Announce::Everything),
            ("COPY 1 Trash", Announce::Everything),
            ("MOVE 1 Trash", Announce::AsResult),
            ("EXPUNGE", Announce::AsResult),
            ("UID EXPUNGE 1:3", Announce::AsResult),
            ("NOTIFY NONE", Announce::Everything),
            ("SELECT INBOX", Announce::Nothing),
            ("CLOSE", Announce::Nothing),
            ("IDLE", Announce::Nothing),
        ];
        for (line, want) in cases {
            assert_eq!(announce(&body(line)), want, "{line}");
        }
    }
}
