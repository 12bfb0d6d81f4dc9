//! Delivery status notifications (RFC 3464, RFC 3461): the report a sender gets when a message
//! failed for some recipients (`failed`) or is still waiting (`delayed`), from MAILER-DAEMON, as
//! multipart/report: a human explanation, the machine-readable message/delivery-status, and the
//! original message's header (or the whole message when it was submitted with RET=FULL).

use kantor_store::QueueEntry;
use mail_builder::MessageBuilder;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::{BodyPart, MimePart};

/// What the report says of the recipients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Failed,
    Delayed,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Failed => "failed",
            Action::Delayed => "delayed",
        }
    }
}

/// Whether the sender asked to hear of this (RFC 3461 §4.1: NOTIFY; without it, failures are
/// reported and delays at the server's discretion). Never for a bounce (empty MAIL FROM).
pub(crate) fn wanted(entry: &QueueEntry, action: Action) -> bool {
    if entry.mail_from.is_empty() {
        return false;
    }
    let notify = entry.notify.as_deref().unwrap_or("").to_ascii_uppercase();
    let word = match action {
        Action::Failed => "FAILURE",
        Action::Delayed => "DELAY",
    };
    notify.is_empty() || notify.split(',').any(|n| n.trim() == word)
}

/// The report for `entries` (recipients of one message from one sender), each with the
/// diagnostic of its last attempt; `original` is the message as queued.
pub(crate) fn report(
    hostname: &str,
    entries: &[(&QueueEntry, String)],
    action: Action,
    original: &[u8],
) -> std::io::Result<Vec<u8>> {
    let first = entries[0].0;
    let header_end = find_header_end(original);
    let full = first
        .ret
        .as_deref()
        .is_some_and(|r| r.eq_ignore_ascii_case("FULL"));
    let recipients: Vec<&str> = entries.iter().map(|(e, _)| e.rcpt_to.as_str()).collect();
    let human = match action {
        Action::Failed => format!(
            "This is the mail system at {hostname}.\r\n\r\nYour message could not be delivered to \
             {}. This is a permanent error; it was not delivered and will not be tried again.\r\n\r\n{}\r\n",
            recipients.join(", "),
            entries
                .iter()
                .map(|(e, why)| format!("<{}>: {why}", e.rcpt_to))
                .collect::<Vec<_>>()
                .join("\r\n")
        ),
        Action::Delayed => format!(
            "This is the mail system at {hostname}.\r\n\r\nYour message to {} has not been delivered \
             yet. It will be tried again; you do not need to send it again.\r\n\r\n{}\r\n",
            recipients.join(", "),
            entries
                .iter()
                .map(|(e, why)| format!("<{}>: {why}", e.rcpt_to))
                .collect::<Vec<_>>()
                .join("\r\n")
        ),
    };
    let mut status = format!("Reporting-MTA: dns; {hostname}\r\n");
    if let Some(envid) = &first.envid {
        status.push_str(&format!("Original-Envelope-Id: {envid}\r\n"));
    }
    status.push_str(&format!("Arrival-Date: {}\r\n", rfc822(first.created_at)));
    for (entry, why) in entries {
        status.push_str("\r\n");
        if let Some(orcpt) = &entry.orcpt {
            status.push_str(&format!("Original-Recipient: {orcpt}\r\n"));
        }
        status.push_str(&format!("Final-Recipient: rfc822; {}\r\n", entry.rcpt_to));
        status.push_str(&format!("Action: {}\r\n", action.as_str()));
        status.push_str(&format!("Status: {}\r\n", status_code(why, action)));
        status.push_str(&format!("Diagnostic-Code: smtp; {}\r\n", one_line(why)));
        status.push_str(&format!(
            "Last-Attempt-Date: {}\r\n",
            rfc822(chrono::Utc::now().timestamp())
        ));
    }
    // RFC 2046 §5.2.1, RFC 3464 §2.1: the report and the returned message are not encoded, so
    // that readers see them as they are (ASCII; the original as queued, 8bit at most).
    let returned = match full {
        true => MimePart::new("message/rfc822", BodyPart::Binary(original.to_vec().into())),
        false => MimePart::new(
            "text/rfc822-headers",
            BodyPart::Binary(original[..header_end].to_vec().into()),
        ),
    }
    .transfer_encoding("8bit");
    let parts = vec![
        MimePart::new("text/plain", human),
        MimePart::new(
            "message/delivery-status",
            BodyPart::Binary(status.into_bytes().into()),
        )
        .transfer_encoding("7bit"),
        returned,
    ];
    let subject = match action {
        Action::Failed => "Undelivered Mail Returned to Sender",
        Action::Delayed => "Delayed Mail (still being retried)",
    };
    let id = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
    MessageBuilder::new()
        .message_id(format!("{id:x}.dsn@{hostname}"))
        .from((
            "Mail Delivery System",
            format!("MAILER-DAEMON@{hostname}").as_str(),
        ))
        .to(first.mail_from.as_str())
        .subject(subject)
        .header("Auto-Submitted", Raw::new("auto-replied"))
        .body(MimePart::new(
            ContentType::new("multipart/report").attribute("report-type", "delivery-status"),
            parts,
        ))
        .write_to_vec()
}

/// The RFC 3463 status of a diagnostic: the one it starts with or quotes, else a generic one.
fn status_code(why: &str, action: Action) -> String {
    let found = why.split(|c: char| c.is_whitespace()).find(|w| {
        let parts: Vec<&str> = w.split('.').collect();
        parts.len() == 3
            && matches!(parts[0], "2" | "4" | "5")
            && parts[1..]
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
    });
    match (found, action) {
        (Some(code), Action::Failed) if code.starts_with('5') => code.to_string(),
        (Some(code), Action::Delayed) if code.starts_with('4') => code.to_string(),
        (_, Action::Failed) => "5.0.0".into(),
        (_, Action::Delayed) => "4.0.0".into(),
    }
}

fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

fn rfc822(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .to_rfc2822()
}

/// Where the header of `message` ends (after its blank line), or its length.
fn find_header_end(message: &[u8]) -> usize {
    if let Some(i) = message.windows(4).position(|w| w == b"\r\n\r\n") {
        return i + 4;
    }
    message
        .windows(2)
        .position(|w| w == b"\n\n")
        .map_or(message.len(), |i| i + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_come_from_the_diagnostic() {
        assert_eq!(
            status_code("mx said 550 5.1.1 no such user", Action::Failed),
            "5.1.1"
        );
        assert_eq!(
            status_code("4.4.1 connection refused", Action::Delayed),
            "4.4.1"
        );
        assert_eq!(
            status_code("4.4.1 timed out, expired", Action::Failed),
            "5.0.0"
        );
        assert_eq!(status_code("no code", Action::Delayed), "4.0.0");
    }
}
