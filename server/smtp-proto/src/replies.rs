//! Named replies a server sends, so the session holds data, not format
//! strings. Codes follow RFC 5321 §4.2.2-§4.2.3 and §4.3.2; enhanced codes
//! follow RFC 3463 (and RFC 4954 §6, RFC 6531 §3.7.4, RFC 3207 §4).

use crate::reply::{EnhancedStatus, Reply};

const fn st(class: u8, subject: u16, detail: u16) -> Option<EnhancedStatus> {
    Some(EnhancedStatus(class, subject, detail))
}

impl Reply {
    /// `250` with the given status and text.
    pub fn ok(status: Option<EnhancedStatus>, text: impl Into<String>) -> Reply {
        Reply::new(250, status, text)
    }

    /// `220 <host> ESMTP <text>`: the greeting (§4.3.1; no enhanced code, as
    /// the client cannot have negotiated it yet).
    pub fn service_ready(host: &str, text: &str) -> Reply {
        let line = if text.is_empty() {
            format!("{host} ESMTP")
        } else {
            format!("{host} ESMTP {text}")
        };
        Reply::new(220, None, line)
    }

    /// `221 2.0.0`: answer to QUIT (§4.1.1.10).
    pub fn closing(host: &str) -> Reply {
        Reply::new(221, st(2, 0, 0), format!("{host} closing connection"))
    }

    /// `421 4.3.2`: the server is shutting down or refusing the session (§3.8).
    pub fn service_unavailable(host: &str) -> Reply {
        Reply::new(
            421,
            st(4, 3, 2),
            format!("{host} Service not available, closing transmission channel"),
        )
    }

    /// `250 2.0.0 OK`: RSET, NOOP and other plain successes.
    pub fn ok_plain() -> Reply {
        Reply::ok(st(2, 0, 0), "OK")
    }

    /// `250 2.1.0`: MAIL FROM accepted (RFC 3463 X.1.0).
    pub fn sender_ok() -> Reply {
        Reply::ok(st(2, 1, 0), "Sender OK")
    }

    /// `250 2.1.5`: RCPT TO accepted (RFC 3463 X.1.5).
    pub fn recipient_ok() -> Reply {
        Reply::ok(st(2, 1, 5), "Recipient OK")
    }

    /// `354`: go ahead with DATA (§4.1.1.4).
    pub fn start_data() -> Reply {
        Reply::new(354, None, "End data with <CR><LF>.<CR><LF>")
    }

    /// `250 2.0.0 OK: queued as <id>`: the message was accepted.
    pub fn queued(id: &str) -> Reply {
        Reply::ok(st(2, 0, 0), format!("OK: queued as {id}"))
    }

    /// `250 2.0.0`: accepted, but not for the recipients whose mailboxes are full (RFC 5321
    /// has one reply after DATA; those recipients are told by a bounce).
    pub fn queued_except_full(id: &str, full: &[String]) -> Reply {
        Reply::ok(
            st(2, 0, 0),
            format!("OK: queued as {id}; quota exceeded for {}", full.join(", ")),
        )
    }

    /// `250 2.0.0`: one BDAT chunk (not LAST) was received (RFC 3030 §2).
    pub fn chunk_ok(size: u64) -> Reply {
        Reply::ok(st(2, 0, 0), format!("{size} octets received"))
    }

    /// `214 2.0.0`: answer to HELP (§4.1.1.8).
    pub fn help(text: impl Into<String>) -> Reply {
        Reply::new(214, st(2, 0, 0), text)
    }

    /// `252 2.5.0`: VRFY without disclosing anything (§3.5.3 recommends 252).
    pub fn cannot_vrfy() -> Reply {
        Reply::new(
            252,
            st(2, 5, 0),
            "Cannot VRFY user, but will accept message and attempt delivery",
        )
    }

    /// `502 5.5.1`: a command we recognise but refuse (e.g. EXPN, §3.5.2).
    pub fn not_implemented() -> Reply {
        Reply::new(502, st(5, 5, 1), "Command not implemented")
    }

    /// `503 5.5.1`: command out of order (§4.3.2).
    pub fn bad_sequence() -> Reply {
        Reply::new(503, st(5, 5, 1), "Bad sequence of commands")
    }

    /// `500 5.5.6`: line longer than allowed (§4.5.3.1.10, RFC 3463 X.5.6).
    pub fn line_too_long() -> Reply {
        Reply::new(500, st(5, 5, 6), "Line too long")
    }

    /// `500 5.5.2`: a command line ended in a bare CR or LF (§2.3.8).
    pub fn bare_line_ending() -> Reply {
        Reply::new(500, st(5, 5, 2), "Bare CR or LF not allowed")
    }

    /// `452 4.5.3`: recipient limit reached (§4.5.3.1.10; RFC 3463 X.5.3).
    pub fn too_many_recipients() -> Reply {
        Reply::new(452, st(4, 5, 3), "Too many recipients")
    }

    /// `552 5.3.4`: message exceeds the size limit (RFC 1870 §6.2).
    pub fn message_too_big() -> Reply {
        Reply::new(
            552,
            st(5, 3, 4),
            "Message size exceeds fixed maximum message size",
        )
    }

    /// `452 4.3.1`: out of storage, try later (RFC 1870 §6.1).
    pub fn insufficient_storage() -> Reply {
        Reply::new(452, st(4, 3, 1), "Insufficient system storage")
    }

    /// `451 4.3.0`: local error in processing (§4.2.3).
    pub fn local_error() -> Reply {
        Reply::new(451, st(4, 3, 0), "Local error in processing")
    }

    /// `554 5.5.1`: DATA/BDAT with no accepted recipients (§3.3).
    pub fn no_valid_recipients() -> Reply {
        Reply::new(554, st(5, 5, 1), "No valid recipients")
    }

    /// `550 5.1.1`: the mailbox does not exist.
    pub fn no_such_user() -> Reply {
        Reply::new(550, st(5, 1, 1), "No such user here")
    }

    /// `554 5.7.1`: we are not a relay for that recipient.
    pub fn relay_denied() -> Reply {
        Reply::new(554, st(5, 7, 1), "Relay access denied")
    }

    /// `553 5.6.7`: non-ASCII address without SMTPUTF8 (RFC 6531 §3.7.4.1).
    pub fn smtputf8_required() -> Reply {
        Reply::new(
            553,
            st(5, 6, 7),
            "Non-ASCII address requires the SMTPUTF8 extension",
        )
    }

    /// `555 5.5.4`: a parameter that was not advertised (§4.1.1.11).
    pub fn param_not_supported(keyword: &str) -> Reply {
        Reply::new(555, st(5, 5, 4), format!("Unsupported parameter {keyword}"))
    }

    /// `421 4.4.2`: the client was idle too long (§4.5.3.2).
    pub fn timeout(host: &str) -> Reply {
        Reply::new(421, st(4, 4, 2), format!("{host} Timeout exceeded"))
    }

    /// `421 4.7.0`: too many errors, closing.
    pub fn too_many_errors(host: &str) -> Reply {
        Reply::new(421, st(4, 7, 0), format!("{host} Too many errors"))
    }

    /// `220 2.0.0`: go ahead with the TLS handshake (RFC 3207 §4).
    pub fn ready_to_start_tls() -> Reply {
        Reply::new(220, st(2, 0, 0), "Ready to start TLS")
    }

    /// `454 4.7.0`: TLS temporarily unavailable (RFC 3207 §4).
    pub fn tls_unavailable() -> Reply {
        Reply::new(
            454,
            st(4, 7, 0),
            "TLS not available due to temporary reason",
        )
    }

    /// `530 5.7.0`: STARTTLS is required first (RFC 3207 §4).
    pub fn must_start_tls() -> Reply {
        Reply::new(530, st(5, 7, 0), "Must issue a STARTTLS command first")
    }

    /// `530 5.7.0`: authentication required (RFC 4954 §6).
    pub fn need_auth() -> Reply {
        Reply::new(530, st(5, 7, 0), "Authentication required")
    }

    /// `334 <base64>`: a SASL challenge (RFC 4954 §4); empty for none.
    pub fn auth_challenge(base64: impl Into<String>) -> Reply {
        Reply::new(334, None, base64)
    }

    /// `235 2.7.0`: authentication succeeded (RFC 4954 §6).
    pub fn auth_succeeded() -> Reply {
        Reply::new(235, st(2, 7, 0), "Authentication successful")
    }

    /// `535 5.7.8`: bad credentials (RFC 4954 §6).
    pub fn auth_failed() -> Reply {
        Reply::new(535, st(5, 7, 8), "Authentication credentials invalid")
    }

    /// `454 4.7.0`: temporary authentication failure (RFC 4954 §6).
    pub fn auth_temp_failure() -> Reply {
        Reply::new(454, st(4, 7, 0), "Temporary authentication failure")
    }

    /// `504 5.5.4`: unknown SASL mechanism (RFC 4954 §4).
    pub fn auth_mechanism_unsupported() -> Reply {
        Reply::new(504, st(5, 5, 4), "Unrecognized authentication type")
    }

    /// `538 5.7.11`: the mechanism needs an encrypted channel (RFC 4954 §6).
    pub fn auth_encryption_required() -> Reply {
        Reply::new(
            538,
            st(5, 7, 11),
            "Encryption required for requested authentication mechanism",
        )
    }

    /// `503 5.5.1`: AUTH after successful AUTH (RFC 4954 §4).
    pub fn already_authenticated() -> Reply {
        Reply::new(503, st(5, 5, 1), "Already authenticated")
    }

    /// `500 5.5.6`: a SASL response longer than the AUTH buffer (RFC 4954 §4).
    pub fn auth_line_too_long() -> Reply {
        Reply::new(500, st(5, 5, 6), "Authentication Exchange line is too long")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_replies() {
        let cases: &[(Reply, &str)] = &[
            (
                Reply::service_ready("mx.example", ""),
                "220 mx.example ESMTP\r\n",
            ),
            (
                Reply::service_ready("mx.example", "Kantor"),
                "220 mx.example ESMTP Kantor\r\n",
            ),
            (Reply::closing("mx"), "221 2.0.0 mx closing connection\r\n"),
            (Reply::ok_plain(), "250 2.0.0 OK\r\n"),
            (Reply::sender_ok(), "250 2.1.0 Sender OK\r\n"),
            (Reply::recipient_ok(), "250 2.1.5 Recipient OK\r\n"),
            (
                Reply::start_data(),
                "354 End data with <CR><LF>.<CR><LF>\r\n",
            ),
            (Reply::queued("ABC"), "250 2.0.0 OK: queued as ABC\r\n"),
            (
                Reply::bad_sequence(),
                "503 5.5.1 Bad sequence of commands\r\n",
            ),
            (Reply::line_too_long(), "500 5.5.6 Line too long\r\n"),
            (
                Reply::too_many_recipients(),
                "452 4.5.3 Too many recipients\r\n",
            ),
            (Reply::need_auth(), "530 5.7.0 Authentication required\r\n"),
            (
                Reply::auth_challenge("VXNlcm5hbWU6"),
                "334 VXNlcm5hbWU6\r\n",
            ),
            (Reply::auth_challenge(""), "334\r\n"),
            (
                Reply::auth_succeeded(),
                "235 2.7.0 Authentication successful\r\n",
            ),
            (
                Reply::ready_to_start_tls(),
                "220 2.0.0 Ready to start TLS\r\n",
            ),
        ];
        for (reply, want) in cases {
            assert_eq!(String::from_utf8_lossy(&reply.to_bytes(true)), *want);
        }
        assert_eq!(Reply::message_too_big().code, 552);
        assert_eq!(
            Reply::message_too_big().status,
            Some(EnhancedStatus(5, 3, 4))
        );
    }

    #[test]
    fn host_cannot_inject() {
        let r = Reply::closing("mx\r\n250 evil");
        assert_eq!(
            r.to_bytes(true),
            b"221 2.0.0 mx  250 evil closing connection\r\n"
        );
    }
}
