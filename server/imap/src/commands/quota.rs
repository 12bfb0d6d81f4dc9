//! QUOTA (RFC 9208): one quota root per account, named `""`, with the STORAGE resource from the
//! account's quota (in KiB, §5.1). An account without a limit has no quota root. SETQUOTA is not
//! offered (no QUOTASET): limits are set by administrators with `kantor admin`.

use crate::access;
use crate::outcome::{Done, Outcome, Refusal};
use crate::session::Session;
use kantor_imap_proto::command::quota::QuotaResource;
use kantor_imap_proto::response::data::QuotaUsage;
use kantor_imap_proto::{Code, Data, Mailbox};

/// The name of the account's quota root.
const ROOT: &str = "";

/// The account's STORAGE usage and limit, or `None` when it has no limit.
fn storage(session: &Session) -> Result<Option<QuotaUsage>, Refusal> {
    let user = session
        .state
        .user()
        .ok_or_else(|| Refusal::bad("Not logged in"))?;
    let account = session
        .store()
        .account(user.account_id)?
        .ok_or_else(|| Refusal::Fault("logged-in account vanished".into()))?;
    Ok((account.quota_bytes > 0).then(|| QuotaUsage {
        resource: QuotaResource::Storage,
        usage: account.used_bytes.div_ceil(1024),
        limit: account.quota_bytes / 1024,
    }))
}

/// RFC 9208 §4.2.
pub(crate) fn get_quota(session: &mut Session, root: String) -> Outcome {
    let usage = match storage(session)? {
        Some(usage) if root == ROOT => usage,
        _ => return Err(Refusal::no_code(Code::NonExistent, "No such quota root")),
    };
    session.out.data(Data::Quota {
        root: ROOT.into(),
        resources: vec![usage],
    });
    Ok(Done::new("GETQUOTA completed"))
}

/// RFC 9208 §4.3: the mailbox's quota roots, then each root's QUOTA.
pub(crate) fn get_quota_root(session: &mut Session, mailbox: Mailbox) -> Outcome {
    let user = session
        .state
        .user()
        .ok_or_else(|| Refusal::bad("Not logged in"))?;
    let target = access::resolve(
        &session.store(),
        user.account_id,
        &mailbox,
        session.enabled.utf8_names(),
    )?;
    if target.find(&session.store())?.is_none() {
        return Err(Refusal::no_code(Code::NonExistent, "No such mailbox"));
    }
    let usage = storage(session)?;
    session.out.data(Data::QuotaRoot {
        mailbox: target.display(),
        roots: usage.iter().map(|_| ROOT.to_string()).collect(),
    });
    if let Some(usage) = usage {
        session.out.data(Data::Quota {
            root: ROOT.into(),
            resources: vec![usage],
        });
    }
    Ok(Done::new("GETQUOTAROOT completed"))
}

/// RFC 9208 §4.4: refused; only administrators set quotas, and with `kantor admin`.
pub(crate) fn set_quota(session: &mut Session) -> Outcome {
    let is_admin = session.state.user().is_some_and(|u| u.is_admin);
    if is_admin {
        Err(Refusal::no_code(
            Code::Cannot,
            "Set quotas with kantor admin",
        ))
    } else {
        Err(Refusal::no_code(
            Code::NoPerm,
            "Only administrators set quotas",
        ))
    }
}
