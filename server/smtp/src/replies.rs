//! Replies this crate names itself, where `kantor-smtp-proto` has none or a different wording.
//! Codes follow RFC 5321 §4.2; enhanced codes RFC 3463 (and RFC 4954 §6, RFC 6409 §8.1).

use kantor_smtp_proto::{EnhancedStatus, Reply};

const fn st(class: u8, subject: u16, detail: u16) -> Option<EnhancedStatus> {
    Some(EnhancedStatus(class, subject, detail))
}

/// `220 <host> ESMTP Kantor`: the greeting (RFC 5321 §4.3.1).
pub(crate) fn greeting(host: &str) -> Reply {
    Reply::service_ready(host, "Kantor")
}

/// `421 4.7.0`: over the listener's connection limits (RFC 5321 §3.1).
pub(crate) fn too_many_connections(host: &str) -> Reply {
    Reply::new(
        421,
        st(4, 7, 0),
        format!("{host} Too many connections, try later"),
    )
}

/// `421 4.4.2`: no command or data within the timeout (RFC 5321 §4.5.3.2).
pub(crate) fn timeout(host: &str) -> Reply {
    Reply::new(421, st(4, 4, 2), format!("{host} Timeout, closing"))
}

/// `421 4.7.0`: the session made too many errors.
pub(crate) fn too_many_errors(host: &str) -> Reply {
    Reply::new(421, st(4, 7, 0), format!("{host} Too many errors, closing"))
}

/// `550 5.7.1`: the recipient's domain is not ours and the client may not relay.
pub(crate) fn relay_denied() -> Reply {
    Reply::new(550, st(5, 7, 1), "Relaying denied")
}

/// `503 5.5.1`: MAIL before HELO/EHLO (RFC 5321 §4.1.4).
pub(crate) fn helo_first() -> Reply {
    Reply::new(503, st(5, 5, 1), "Send HELO or EHLO first")
}

/// `503 5.5.1`: RCPT, DATA or BDAT before MAIL (RFC 5321 §4.1.4).
pub(crate) fn mail_first() -> Reply {
    Reply::new(503, st(5, 5, 1), "Send MAIL first")
}

/// `503 5.5.1`: MAIL inside a transaction (RFC 5321 §4.1.4).
pub(crate) fn nested_mail() -> Reply {
    Reply::new(503, st(5, 5, 1), "Sender already specified")
}

/// `503 5.5.1`: DATA for a BODY=BINARYMIME transaction (RFC 3030 §3).
pub(crate) fn binarymime_needs_bdat() -> Reply {
    Reply::new(503, st(5, 5, 1), "BODY=BINARYMIME requires BDAT")
}

/// `503 5.5.1`: DATA or RCPT after a BDAT chunk (RFC 3030 §2).
pub(crate) fn bdat_in_progress() -> Reply {
    Reply::new(503, st(5, 5, 1), "BDAT transfer in progress")
}

/// `503 5.5.1`: STARTTLS on a connection that already has TLS (RFC 3207 §4).
pub(crate) fn already_tls() -> Reply {
    Reply::new(503, st(5, 5, 1), "TLS already active")
}

/// `503 5.5.1`: AUTH inside a mail transaction (RFC 4954 §4).
pub(crate) fn auth_in_transaction() -> Reply {
    Reply::new(
        503,
        st(5, 5, 1),
        "AUTH not allowed during a mail transaction",
    )
}

/// `454 4.7.0`: too many failed logins from this client or for this account.
pub(crate) fn auth_throttled() -> Reply {
    Reply::new(454, st(4, 7, 0), "Too many failed attempts, try later")
}

/// `525 5.7.13`: the credentials are right but the account is disabled (RFC 5248's
/// registry of enhanced status codes: X.7.13 "User Account Disabled", basic code 525).
pub(crate) fn account_disabled() -> Reply {
    Reply::new(
        525,
        st(5, 7, 13),
        "User account disabled, contact the administrator",
    )
}

/// `553 5.7.1`: the envelope sender is not an address of the user (RFC 6409 §8.1).
pub(crate) fn sender_not_owned(address: &str) -> Reply {
    Reply::new(
        553,
        st(5, 7, 1),
        format!("Sender address <{address}> not owned by user"),
    )
}

/// `553 5.7.1`: the null reverse-path is for bounces, never for submission (RFC 6409 §8.1).
pub(crate) fn null_sender_not_allowed() -> Reply {
    Reply::new(553, st(5, 7, 1), "Null sender not allowed for submission")
}

/// `550 5.7.1`: an author field (From, Sender, Resent-From, Resent-Sender) names what the
/// user may not send as (RFC 6409 §8.1, RFC 5322 §3.6.2); the text says which and why.
pub(crate) fn authors_refused(refusal: &kantor_directory::Refusal) -> Reply {
    Reply::new(550, st(5, 7, 1), refusal.to_string())
}

/// `550 5.7.1`: the message fails the DMARC policy `p=reject` of its From domain (RFC 7489
/// §6.6.2, §7.3 suggests 5.7.1).
pub(crate) fn dmarc_reject(domain: &str) -> Reply {
    Reply::new(
        550,
        st(5, 7, 1),
        format!("Message refused: it fails the DMARC policy of {domain} (p=reject)"),
    )
}

/// `550 5.7.1`: a message from outside claims one of our domains without SPF or DKIM for it.
pub(crate) fn forged_local_sender(domain: &str) -> Reply {
    Reply::new(
        550,
        st(5, 7, 1),
        format!(
            "Sender domain {domain} is local, but this message is not authenticated by SPF or DKIM for it"
        ),
    )
}

/// `451 4.4.3`: whether a message claiming one of our domains is authentic cannot be told while
/// DNS fails (RFC 3463 X.4.3: directory server failure); the sender retries.
pub(crate) fn sender_unverifiable(domain: &str) -> Reply {
    Reply::new(
        451,
        st(4, 4, 3),
        format!("Cannot verify the sender domain {domain} now (DNS failure), try again later"),
    )
}

/// `550 5.7.25` / `450 4.7.25`: the client's address has no PTR name resolving back to it
/// (RFC 7372 §3.3: reverse DNS validation failed), or DNS failed.
pub(crate) fn no_reverse_dns(ip: std::net::IpAddr, temporary: bool) -> Reply {
    match temporary {
        true => Reply::new(
            450,
            st(4, 7, 25),
            format!("Cannot check the reverse DNS of {ip} now, try again later"),
        ),
        false => Reply::new(
            550,
            st(5, 7, 25),
            format!("Client address {ip} has no reverse DNS name that resolves back to it"),
        ),
    }
}

/// `554 5.7.1`: the client's address is on a DNS blocklist (RFC 5782).
pub(crate) fn dnsbl_listed(ip: std::net::IpAddr, zone: &str) -> Reply {
    Reply::new(
        554,
        st(5, 7, 1),
        format!("Client address {ip} is listed by {zone}"),
    )
}

/// `452 4.2.2`: the mailbox is full for now (RFC 3463 X.2.2).
pub(crate) fn mailbox_full_transient() -> Reply {
    Reply::new(452, st(4, 2, 2), "Mailbox full, try again later")
}

/// `550 5.7.1`: the recipients' Sieve scripts rejected the message (RFC 5429 §2.1).
pub(crate) fn rejected_by_rules(reason: &str) -> Reply {
    // One line of printable text: the reason comes from a user's script.
    let reason: String = reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(400)
        .collect();
    Reply::new(550, st(5, 7, 1), format!("Rejected: {reason}"))
}

/// `552 5.2.2`: the message can never fit the mailbox (RFC 3463 X.2.2).
pub(crate) fn mailbox_full_permanent() -> Reply {
    Reply::new(552, st(5, 2, 2), "Mailbox full")
}

/// `214 2.0.0`: HELP (RFC 5321 §4.1.1.8).
pub(crate) fn help() -> Reply {
    Reply::help("See RFC 5321 and https://www.rfc-editor.org/rfc/rfc5321")
}

/// Whether a reply counts against the session's error budget (`max_errors`). Refusals that a
/// well-behaved client meets in normal operation do not: the recipient limit (RFC 5321
/// §4.5.3.1.10 says clients must handle 452), full mailboxes and our own local errors.
pub(crate) fn counts_as_error(reply: &Reply) -> bool {
    if reply.code < 400 {
        return false;
    }
    !matches!(
        reply.status,
        Some(EnhancedStatus(4, 5, 3))
            | Some(EnhancedStatus(4 | 5, 2, 2))
            | Some(EnhancedStatus(4, 3, 0 | 1))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_budget_table() {
        let cases: &[(Reply, bool)] = &[
            (Reply::ok_plain(), false),
            (Reply::start_data(), false),
            (Reply::bad_sequence(), true),
            (Reply::no_such_user(), true),
            (relay_denied(), true),
            (Reply::auth_failed(), true),
            (auth_throttled(), true),
            (account_disabled(), true),
            (Reply::too_many_recipients(), false),
            (mailbox_full_transient(), false),
            (mailbox_full_permanent(), false),
            (Reply::local_error(), false),
            (Reply::message_too_big(), true),
        ];
        for (reply, want) in cases {
            assert_eq!(counts_as_error(reply), *want, "{reply}");
        }
    }

    #[test]
    fn wire_forms() {
        assert_eq!(
            greeting("mx.example").to_bytes(true),
            b"220 mx.example ESMTP Kantor\r\n"
        );
        assert_eq!(
            relay_denied().to_bytes(true),
            b"550 5.7.1 Relaying denied\r\n"
        );
        assert_eq!(
            timeout("mx").to_bytes(true),
            b"421 4.4.2 mx Timeout, closing\r\n"
        );
    }
}
