//! Whether a message may get an automatic reply at all (RFC 3834 §2, RFC 5230 §4.6): checked
//! here, whatever the interpreter decided, so that no reply ever goes to a bounce, a mailing
//! list or another robot, and no loop can start.

/// Whether `raw`, sent with MAIL FROM `from`, may be answered automatically.
pub(crate) fn may_answer(raw: &[u8], from: &str) -> bool {
    let local = from.split('@').next().unwrap_or("").to_ascii_lowercase();
    // The null reverse-path (a bounce) and the addresses of robots (RFC 5230 §4.6).
    if from.is_empty()
        || local == "mailer-daemon"
        || local.starts_with("owner-")
        || local.ends_with("-request")
    {
        return false;
    }
    let fields = kantor_message::header::fields(raw);
    let text = |name: &str| kantor_message::header::text(&fields, name);
    // RFC 3834 §5: anything but `no` is automatic.
    if text("Auto-Submitted").is_some_and(|v| !v.eq_ignore_ascii_case("no")) {
        return false;
    }
    // RFC 2369 / RFC 2919 list fields, and the de facto bulk markers.
    let list = [
        "List-Id",
        "List-Post",
        "List-Unsubscribe",
        "List-Help",
        "List-Owner",
        "List-Subscribe",
        "List-Archive",
    ];
    if list.iter().any(|name| text(name).is_some()) {
        return false;
    }
    if text("Precedence").is_some_and(|v| {
        ["bulk", "list", "junk"]
            .iter()
            .any(|p| v.eq_ignore_ascii_case(p))
    }) {
        return false;
    }
    // Microsoft's own opt-out of out-of-office replies.
    if text("X-Auto-Response-Suppress").is_some_and(|v| {
        v.split(',')
            .any(|p| ["all", "oof"].contains(&p.trim().to_ascii_lowercase().as_str()))
    }) {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn people_are_answered_robots_lists_and_bounces_not() {
        let cases: &[(&str, &str, bool)] = &[
            ("Subject: hi\r\n\r\n", "bob@example.net", true),
            ("Auto-Submitted: no\r\n\r\n", "bob@example.net", true),
            (
                "List-Id: <team.example.net>\r\n\r\n",
                "bob@example.net",
                false,
            ),
            (
                "List-Unsubscribe: <mailto:x@y>\r\n\r\n",
                "bob@example.net",
                false,
            ),
            (
                "Auto-Submitted: auto-replied\r\n\r\n",
                "bob@example.net",
                false,
            ),
            ("Precedence: bulk\r\n\r\n", "bob@example.net", false),
            (
                "X-Auto-Response-Suppress: OOF, DR\r\n\r\n",
                "bob@example.net",
                false,
            ),
            ("Subject: hi\r\n\r\n", "", false),
            ("Subject: hi\r\n\r\n", "MAILER-DAEMON@example.net", false),
            ("Subject: hi\r\n\r\n", "owner-team@example.net", false),
            ("Subject: hi\r\n\r\n", "team-request@example.net", false),
            (
                "Subject: hi\r\n\r\nList-Id: in the body\r\n",
                "bob@example.net",
                true,
            ),
        ];
        for (message, from, want) in cases {
            assert_eq!(
                super::may_answer(message.as_bytes(), from),
                *want,
                "{message:?} {from}"
            );
        }
    }
}
