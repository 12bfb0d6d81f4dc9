//! Commands: the [`Command`] type, the dispatch from command names to the
//! parser of each family, and the table of states each command is valid in
//! (RFC 9051 §6).
//!
//! ```text
//! command         = tag SP (command-any / command-auth /
//!                   command-nonauth / command-select) CRLF
//! command-any     = "CAPABILITY" / "LOGOUT" / "NOOP" / enable / id
//! command-auth    = append / create / delete / examine / list /
//!                   namespace-command / rename / select / status /
//!                   subscribe / unsubscribe / idle
//! command-nonauth = login / authenticate / "STARTTLS"
//! command-select  = "CLOSE" / "UNSELECT" / "EXPUNGE" / copy / move /
//!                   fetch / store / search / uid
//! uid             = "UID" SP (copy / move / fetch / search / store /
//!                   uid-expunge)
//! ```
//!
//! One module per command family: [`any`] (any state), [`auth`] (not
//! authenticated, plus COMPRESS), [`mailbox`] (SELECT, CREATE, ...),
//! [`list`], [`status`], [`append`], [`idle`], [`quota`], [`notify`],
//! [`selected`] (CLOSE, EXPUNGE, COPY, MOVE, ...), [`search`], [`fetch`],
//! [`store`] and [`sort`] (SORT, THREAD), [`acl`] (RFC 4314).

pub mod acl;
pub mod any;
pub mod append;
pub mod auth;
pub mod fetch;
pub mod idle;
pub mod list;
pub mod mailbox;
pub mod notify;
pub mod quota;
pub mod search;
pub mod selected;
pub mod sort;
pub mod status;
pub mod store;

use crate::parser::{Parser, Syntax};
use crate::reader::CommandErrorKind;
use crate::types::{Mailbox, SequenceSet, Tag};

/// One command with its tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The tag the completion response must carry.
    pub tag: Tag,
    /// What the command asks for.
    pub body: CommandBody,
}

/// What a command asks for, fully typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandBody {
    /// `CAPABILITY` (RFC 9051 §6.1.1).
    Capability,
    /// `NOOP` (RFC 9051 §6.1.2).
    Noop,
    /// `LOGOUT` (RFC 9051 §6.1.3).
    Logout,
    /// `ID` (RFC 2971 §3.1): `None` for `ID NIL`.
    Id(Option<Vec<(String, Option<String>)>>),
    /// `ENABLE` (RFC 5161 §3.1, RFC 9051 §6.3.1).
    Enable(Vec<crate::types::Capability>),
    /// `STARTTLS` (RFC 9051 §6.2.1).
    StartTls,
    /// `AUTHENTICATE` (RFC 9051 §6.2.2, RFC 4959 SASL-IR).
    Authenticate(auth::Authenticate),
    /// `LOGIN` (RFC 9051 §6.2.3).
    Login(auth::Login),
    /// `COMPRESS` (RFC 4978 §3).
    Compress(auth::CompressAlgorithm),
    /// `SELECT` (RFC 9051 §6.3.2, RFC 7162 CONDSTORE/QRESYNC).
    Select(mailbox::Select),
    /// `EXAMINE` (RFC 9051 §6.3.3); the same parameters as SELECT.
    Examine(mailbox::Select),
    /// `CREATE` (RFC 9051 §6.3.4, RFC 6154 USE).
    Create(mailbox::Create),
    /// `DELETE` (RFC 9051 §6.3.5).
    Delete(Mailbox),
    /// `RENAME` (RFC 9051 §6.3.6).
    Rename {
        /// The existing mailbox.
        from: Mailbox,
        /// Its new name.
        to: Mailbox,
    },
    /// `SUBSCRIBE` (RFC 9051 §6.3.7).
    Subscribe(Mailbox),
    /// `UNSUBSCRIBE` (RFC 9051 §6.3.8).
    Unsubscribe(Mailbox),
    /// `LIST` (RFC 9051 §6.3.9, RFC 5258 LIST-EXTENDED).
    List(list::List),
    /// `LSUB` (RFC 3501 §6.3.9).
    Lsub(list::Lsub),
    /// `NAMESPACE` (RFC 9051 §6.3.10).
    Namespace,
    /// `STATUS` (RFC 9051 §6.3.11).
    Status(status::Status),
    /// `APPEND` (RFC 9051 §6.3.12, RFC 3502 MULTIAPPEND, RFC 4469 CATENATE).
    Append(append::Append),
    /// `IDLE` (RFC 9051 §6.3.13); the session then waits for `DONE`
    /// ([`idle::parse_idle_done`]).
    Idle,
    /// `GETQUOTA` (RFC 9208 §4.2).
    GetQuota(String),
    /// `GETQUOTAROOT` (RFC 9208 §4.3).
    GetQuotaRoot(Mailbox),
    /// `SETQUOTA` (RFC 9208 §4.4).
    SetQuota(quota::SetQuota),
    /// `NOTIFY` (RFC 5465 §3).
    Notify(notify::Notify),
    /// `SETACL` (RFC 4314 §3.1).
    SetAcl(acl::SetAcl),
    /// `DELETEACL` (RFC 4314 §3.2).
    DeleteAcl(acl::MailboxIdentifier),
    /// `GETACL` (RFC 4314 §3.3).
    GetAcl(Mailbox),
    /// `LISTRIGHTS` (RFC 4314 §3.4).
    ListRights(acl::MailboxIdentifier),
    /// `MYRIGHTS` (RFC 4314 §3.5).
    MyRights(Mailbox),
    /// `CHECK` (RFC 3501 §6.4.1; removed in RFC 9051, acts as NOOP).
    Check,
    /// `CLOSE` (RFC 9051 §6.4.1).
    Close,
    /// `UNSELECT` (RFC 9051 §6.4.2).
    Unselect,
    /// `EXPUNGE` (RFC 9051 §6.4.3).
    Expunge,
    /// `UID EXPUNGE` (RFC 9051 §6.4.9, RFC 4315 UIDPLUS).
    UidExpunge(SequenceSet),
    /// `SEARCH` / `UID SEARCH` (RFC 9051 §6.4.4).
    Search(search::Search),
    /// `FETCH` / `UID FETCH` (RFC 9051 §6.4.5).
    Fetch(fetch::Fetch),
    /// `STORE` / `UID STORE` (RFC 9051 §6.4.6).
    Store(store::Store),
    /// `COPY` / `UID COPY` (RFC 9051 §6.4.7).
    Copy(selected::CopyMove),
    /// `MOVE` / `UID MOVE` (RFC 9051 §6.4.8, RFC 6851).
    Move(selected::CopyMove),
    /// `SORT` / `UID SORT` (RFC 5256 §3, RFC 5267 ESORT).
    Sort(sort::Sort),
    /// `THREAD` / `UID THREAD` (RFC 5256 §3).
    Thread(sort::Thread),
    /// `CANCELUPDATE "tag"...` (RFC 5267 §4.3.5): stop the UPDATE searches
    /// started by these tags.
    CancelUpdate(Vec<String>),
}

/// The protocol states of RFC 9051 §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// §3.1: before LOGIN or AUTHENTICATE.
    NotAuthenticated,
    /// §3.2: logged in, no mailbox selected.
    Authenticated,
    /// §3.3: a mailbox is selected.
    Selected,
}

/// Which states a command is valid in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    /// Any state (§6.1).
    Any,
    /// Not authenticated only (§6.2).
    NotAuthenticated,
    /// Authenticated or selected (§6.3).
    Authenticated,
    /// Selected only (§6.4).
    Selected,
}

impl Allowed {
    /// Whether a command with this rule may run in `state`.
    pub fn permits(self, state: State) -> bool {
        match self {
            Allowed::Any => true,
            Allowed::NotAuthenticated => state == State::NotAuthenticated,
            Allowed::Authenticated => state != State::NotAuthenticated,
            Allowed::Selected => state == State::Selected,
        }
    }
}

impl CommandBody {
    /// The command's name in upper case (with `UID ` where used), for logs
    /// and metrics.
    pub fn name(&self) -> &'static str {
        self.info().0
    }

    /// The states this command is valid in (RFC 9051 §6; extensions as
    /// their RFCs say).
    pub fn allowed(&self) -> Allowed {
        self.info().1
    }

    /// The command table: name and the states the command is valid in.
    fn info(&self) -> (&'static str, Allowed) {
        use Allowed::*;
        use CommandBody as C;
        match self {
            C::Capability => ("CAPABILITY", Any),
            C::Noop => ("NOOP", Any),
            C::Logout => ("LOGOUT", Any),
            C::Id(_) => ("ID", Any),
            // RFC 5161 §3.1: ENABLE only in the authenticated state; RFC
            // 9051 §6.3.1 lists it with the authenticated commands.
            C::Enable(_) => ("ENABLE", Authenticated),
            C::StartTls => ("STARTTLS", NotAuthenticated),
            C::Authenticate(_) => ("AUTHENTICATE", NotAuthenticated),
            C::Login(_) => ("LOGIN", NotAuthenticated),
            C::Compress(_) => ("COMPRESS", Authenticated),
            C::Select(_) => ("SELECT", Authenticated),
            C::Examine(_) => ("EXAMINE", Authenticated),
            C::Create(_) => ("CREATE", Authenticated),
            C::Delete(_) => ("DELETE", Authenticated),
            C::Rename { .. } => ("RENAME", Authenticated),
            C::Subscribe(_) => ("SUBSCRIBE", Authenticated),
            C::Unsubscribe(_) => ("UNSUBSCRIBE", Authenticated),
            C::List(_) => ("LIST", Authenticated),
            C::Lsub(_) => ("LSUB", Authenticated),
            C::Namespace => ("NAMESPACE", Authenticated),
            C::Status(_) => ("STATUS", Authenticated),
            C::Append(_) => ("APPEND", Authenticated),
            C::Idle => ("IDLE", Authenticated),
            C::GetQuota(_) => ("GETQUOTA", Authenticated),
            C::GetQuotaRoot(_) => ("GETQUOTAROOT", Authenticated),
            C::SetQuota(_) => ("SETQUOTA", Authenticated),
            C::Notify(_) => ("NOTIFY", Authenticated),
            C::SetAcl(_) => ("SETACL", Authenticated),
            C::DeleteAcl(_) => ("DELETEACL", Authenticated),
            C::GetAcl(_) => ("GETACL", Authenticated),
            C::ListRights(_) => ("LISTRIGHTS", Authenticated),
            C::MyRights(_) => ("MYRIGHTS", Authenticated),
            C::Check => ("CHECK", Selected),
            C::Close => ("CLOSE", Selected),
            C::Unselect => ("UNSELECT", Selected),
            C::Expunge => ("EXPUNGE", Selected),
            C::UidExpunge(_) => ("UID EXPUNGE", Selected),
            C::Search(s) => (if s.uid { "UID SEARCH" } else { "SEARCH" }, Selected),
            C::Fetch(f) => (if f.uid { "UID FETCH" } else { "FETCH" }, Selected),
            C::Store(s) => (if s.uid { "UID STORE" } else { "STORE" }, Selected),
            C::Copy(c) => (if c.uid { "UID COPY" } else { "COPY" }, Selected),
            C::Move(c) => (if c.uid { "UID MOVE" } else { "MOVE" }, Selected),
            C::Sort(s) => (if s.uid { "UID SORT" } else { "SORT" }, Selected),
            C::Thread(t) => (if t.uid { "UID THREAD" } else { "THREAD" }, Selected),
            C::CancelUpdate(_) => ("CANCELUPDATE", Selected),
        }
    }
}

/// Parses one framed command: every line and literal is in `buf`, which
/// ends with the command's final LF.
pub(crate) fn parse_framed(buf: &[u8]) -> Result<Command, CommandErrorKind> {
    let mut p = Parser::new(buf);
    let tag = crate::reader::read_tag(buf).ok_or(CommandErrorKind::BadTag)?;
    p.take_while(crate::types::chars::is_tag_char);
    p.sp().map_err(|_| CommandErrorKind::BadTag)?;
    let name = p.word().map_err(|_| CommandErrorKind::UnknownCommand)?;
    let body = dispatch(&mut p, &name)?;
    p.end().map_err(|Syntax(s)| CommandErrorKind::Syntax(s))?;
    Ok(Command { tag, body })
}

fn dispatch(p: &mut Parser<'_>, name: &str) -> Result<CommandBody, CommandErrorKind> {
    let syntax = |Syntax(s)| CommandErrorKind::Syntax(s);
    let body = match name {
        "CAPABILITY" => CommandBody::Capability,
        "NOOP" => CommandBody::Noop,
        "LOGOUT" => CommandBody::Logout,
        "ID" => any::parse_id(p).map_err(syntax)?,
        "ENABLE" => any::parse_enable(p).map_err(syntax)?,
        "STARTTLS" => CommandBody::StartTls,
        "AUTHENTICATE" => auth::parse_authenticate(p).map_err(syntax)?,
        "LOGIN" => auth::parse_login(p).map_err(syntax)?,
        "COMPRESS" => auth::parse_compress(p).map_err(syntax)?,
        "SELECT" => CommandBody::Select(mailbox::parse_select(p).map_err(syntax)?),
        "EXAMINE" => CommandBody::Examine(mailbox::parse_select(p).map_err(syntax)?),
        "CREATE" => mailbox::parse_create(p).map_err(syntax)?,
        "DELETE" => CommandBody::Delete(mailbox::parse_one_mailbox(p).map_err(syntax)?),
        "RENAME" => mailbox::parse_rename(p).map_err(syntax)?,
        "SUBSCRIBE" => CommandBody::Subscribe(mailbox::parse_one_mailbox(p).map_err(syntax)?),
        "UNSUBSCRIBE" => CommandBody::Unsubscribe(mailbox::parse_one_mailbox(p).map_err(syntax)?),
        "LIST" => list::parse_list(p).map_err(syntax)?,
        "LSUB" => list::parse_lsub(p).map_err(syntax)?,
        "NAMESPACE" => CommandBody::Namespace,
        "STATUS" => status::parse_status(p).map_err(syntax)?,
        "APPEND" => append::parse_append(p).map_err(syntax)?,
        "IDLE" => CommandBody::Idle,
        "GETQUOTA" => quota::parse_getquota(p).map_err(syntax)?,
        "GETQUOTAROOT" => quota::parse_getquotaroot(p).map_err(syntax)?,
        "SETQUOTA" => quota::parse_setquota(p).map_err(syntax)?,
        "NOTIFY" => notify::parse_notify(p).map_err(syntax)?,
        "SETACL" => acl::parse_setacl(p).map_err(syntax)?,
        "DELETEACL" => acl::parse_deleteacl(p).map_err(syntax)?,
        "GETACL" => acl::parse_getacl(p).map_err(syntax)?,
        "LISTRIGHTS" => acl::parse_listrights(p).map_err(syntax)?,
        "MYRIGHTS" => acl::parse_myrights(p).map_err(syntax)?,
        "CHECK" => CommandBody::Check,
        "CLOSE" => CommandBody::Close,
        "UNSELECT" => CommandBody::Unselect,
        "EXPUNGE" => CommandBody::Expunge,
        "SEARCH" => search::parse_search(p, false).map_err(syntax)?,
        "FETCH" => fetch::parse_fetch(p, false).map_err(syntax)?,
        "STORE" => store::parse_store(p, false).map_err(syntax)?,
        "COPY" => selected::parse_copy(p, false).map_err(syntax)?,
        "MOVE" => selected::parse_move(p, false).map_err(syntax)?,
        "SORT" => sort::parse_sort(p, false).map_err(syntax)?,
        "THREAD" => sort::parse_thread(p, false).map_err(syntax)?,
        "CANCELUPDATE" => search::parse_cancel_update(p).map_err(syntax)?,
        "UID" => return dispatch_uid(p),
        _ => return Err(CommandErrorKind::UnknownCommand),
    };
    Ok(body)
}

/// `uid = "UID" SP (copy / move / fetch / search / store / uid-expunge)`
/// (RFC 9051 §6.4.9), plus SORT and THREAD (RFC 5256 §3).
fn dispatch_uid(p: &mut Parser<'_>) -> Result<CommandBody, CommandErrorKind> {
    let syntax = |Syntax(s)| CommandErrorKind::Syntax(s);
    p.sp().map_err(syntax)?;
    let name = p.word().map_err(|_| CommandErrorKind::UnknownCommand)?;
    match name.as_str() {
        "SEARCH" => search::parse_search(p, true).map_err(syntax),
        "FETCH" => fetch::parse_fetch(p, true).map_err(syntax),
        "STORE" => store::parse_store(p, true).map_err(syntax),
        "COPY" => selected::parse_copy(p, true).map_err(syntax),
        "MOVE" => selected::parse_move(p, true).map_err(syntax),
        "SORT" => sort::parse_sort(p, true).map_err(syntax),
        "THREAD" => sort::parse_thread(p, true).map_err(syntax),
        "EXPUNGE" => selected::parse_uid_expunge(p).map_err(syntax),
        _ => Err(CommandErrorKind::UnknownCommand),
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    use super::*;
    use crate::reader::{Limits, Parsed, parse_command};

    /// Parses one complete command line (CRLF added) and returns its body.
    pub fn parse(line: &str) -> Result<CommandBody, CommandErrorKind> {
        parse_bytes(format!("{line}\r\n").as_bytes())
    }

    /// Parses one complete command (CRLF included by the caller).
    pub fn parse_bytes(buf: &[u8]) -> Result<CommandBody, CommandErrorKind> {
        match parse_command(buf, &Limits::default()) {
            Ok(Parsed::Complete { command, consumed }) => {
                assert_eq!(consumed, buf.len());
                Ok(command.body)
            }
            Ok(_) => Err(CommandErrorKind::Syntax("test: command not complete")),
            Err(e) => Err(e.kind),
        }
    }

    /// Asserts each line fails to parse.
    pub fn assert_bad(lines: &[&str]) {
        for line in lines {
            assert!(
                parse(line).is_err(),
                "should fail: {line:?} → {:?}",
                parse(line)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;

    #[test]
    fn simple_commands() {
        let cases = [
            ("a CAPABILITY", CommandBody::Capability),
            ("a capability", CommandBody::Capability),
            ("a NOOP", CommandBody::Noop),
            ("a LOGOUT", CommandBody::Logout),
            ("a STARTTLS", CommandBody::StartTls),
            ("a NAMESPACE", CommandBody::Namespace),
            ("a IDLE", CommandBody::Idle),
            ("a CHECK", CommandBody::Check),
            ("a CLOSE", CommandBody::Close),
            ("a UNSELECT", CommandBody::Unselect),
            ("a EXPUNGE", CommandBody::Expunge),
        ];
        for (line, want) in cases {
            assert_eq!(parse(line), Ok(want), "{line}");
        }
    }

    #[test]
    fn errors() {
        assert_eq!(parse("a FOO"), Err(CommandErrorKind::UnknownCommand));
        assert_eq!(parse("a UID NOOP"), Err(CommandErrorKind::UnknownCommand));
        assert_eq!(parse("a"), Err(CommandErrorKind::BadTag));
        assert_eq!(parse(""), Err(CommandErrorKind::BadTag));
        assert_eq!(parse("+ NOOP"), Err(CommandErrorKind::BadTag));
        assert!(matches!(
            parse("a NOOP x"),
            Err(CommandErrorKind::Syntax(_))
        ));
        assert!(matches!(parse("a NOOP "), Err(CommandErrorKind::Syntax(_))));
        assert_eq!(parse("a  NOOP"), Err(CommandErrorKind::UnknownCommand));
    }

    #[test]
    fn table() {
        let cases = [
            ("a LOGIN u p", "LOGIN", Allowed::NotAuthenticated),
            ("a SELECT INBOX", "SELECT", Allowed::Authenticated),
            ("a UID FETCH 1 UID", "UID FETCH", Allowed::Selected),
            ("a NOOP", "NOOP", Allowed::Any),
            ("a UID EXPUNGE 1:*", "UID EXPUNGE", Allowed::Selected),
        ];
        for (line, name, allowed) in cases {
            let body = parse(line).unwrap();
            assert_eq!((body.name(), body.allowed()), (name, allowed));
        }
        assert!(Allowed::Authenticated.permits(State::Selected));
        assert!(!Allowed::Selected.permits(State::Authenticated));
        assert!(!Allowed::NotAuthenticated.permits(State::Authenticated));
    }
}
