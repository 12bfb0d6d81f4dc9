//! Commands valid in any state (RFC 9051 §6.1): CAPABILITY, NOOP (in `mod.rs`), LOGOUT; ID
//! (RFC 2971) and ENABLE (RFC 5161, RFC 9051 §6.3.1).

use crate::outcome::{Done, Outcome};
use crate::session::Session;
use kantor_imap_proto::{Capability, Data, Response};

/// RFC 9051 §6.1.1: one untagged CAPABILITY.
pub(crate) fn capability(session: &mut Session) -> Outcome {
    let caps = session.capabilities();
    session.out.data(Data::Capability(caps));
    Ok(Done::new("CAPABILITY completed"))
}

/// RFC 9051 §6.1.3: `* BYE`, then the tagged OK, then the connection closes.
pub(crate) fn logout(session: &mut Session) -> Outcome {
    session
        .out
        .push(Response::bye("Kantor IMAP server logging out"));
    Ok(Done::new("LOGOUT completed"))
}

/// RFC 2971 §3.1: the client's parameters are logged; the server names itself.
pub(crate) fn id(session: &mut Session, params: Option<Vec<(String, Option<String>)>>) -> Outcome {
    if let Some(params) = &params {
        let client: Vec<String> = params
            .iter()
            .take(8)
            .map(|(k, v)| format!("{k}={}", v.as_deref().unwrap_or("NIL")))
            .collect();
        tracing::debug!(client = %client.join(", "), "imap: ID");
    }
    session.out.data(Data::Id(Some(vec![
        ("name".into(), Some("Kantor".into())),
        ("version".into(), Some(env!("CARGO_PKG_VERSION").into())),
    ])));
    Ok(Done::new("ID completed"))
}

/// RFC 5161 §3.1: enables what we support of the list, and says which with `* ENABLED`.
/// QRESYNC implies CONDSTORE (RFC 7162 §3.2.3); IMAP4rev2 switches to its behaviour and UTF-8
/// (RFC 9051 §6.3.1); UTF8=ACCEPT allows UTF-8 (RFC 6855 §3). Unknown names are ignored;
/// known ones are listed even when already on, so the client always sees them confirmed.
pub(crate) fn enable(session: &mut Session, caps: Vec<Capability>) -> Outcome {
    let mut enabled = Vec::new();
    for cap in caps {
        let known = match cap {
            Capability::Imap4Rev2 => {
                session.enabled.rev2 = true;
                true
            }
            Capability::Utf8Accept => {
                session.enabled.utf8 = true;
                true
            }
            Capability::CondStore => {
                super::select::enable_condstore(session);
                true
            }
            Capability::QResync => {
                super::select::enable_condstore(session);
                session.enabled.qresync = true;
                true
            }
            _ => false,
        };
        if known && !enabled.contains(&cap) {
            enabled.push(cap);
        }
    }
    session.sync_encoding();
    session.out.data(Data::Enabled(enabled));
    Ok(Done::new("ENABLE completed"))
}
