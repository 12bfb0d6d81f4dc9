//! NAMESPACE (RFC 9051 §6.3.10, RFC 2342): personal, other users' and shared namespaces, from
//! `access`.

use crate::access;
use crate::outcome::{Done, Outcome};
use crate::session::Session;
use kantor_imap_proto::Data;

pub(crate) fn namespace(session: &mut Session) -> Outcome {
    session.out.data(Data::Namespace(access::namespaces()));
    Ok(Done::new("NAMESPACE completed"))
}
