//! Test messages: realistic RFC 5322 mail of a chosen size, in SMTP wire
//! form (RFC 5321 §4.5.2 dot-stuffing, CRLF, the final `.`), each one
//! different.
//!
//! Every message has From, To, Subject, Date, a unique Message-ID and MIME
//! headers (RFC 5322 §3.6), then plain-text lines of at most 78 characters
//! (RFC 5322 §2.1.1). Bodies are cut from a pool of pseudo-random lines at a
//! per-message offset, so no two messages share a body, and building one is
//! a copy of about `size` bytes.

use std::time::{SystemTime, UNIX_EPOCH};

const WORDS: [&str; 48] = [
    "the",
    "mail",
    "server",
    "queue",
    "message",
    "delivery",
    "mailbox",
    "local",
    "network",
    "transfer",
    "agent",
    "report",
    "status",
    "weekly",
    "meeting",
    "notes",
    "project",
    "release",
    "update",
    "please",
    "review",
    "attached",
    "draft",
    "before",
    "friday",
    "thanks",
    "regards",
    "question",
    "about",
    "budget",
    "schedule",
    "team",
    "client",
    "invoice",
    "order",
    "shipping",
    "account",
    "password",
    "reset",
    "welcome",
    "newsletter",
    "summary",
    "of",
    "and",
    "to",
    "in",
    "for",
    "with",
];

/// Lines in the body pool (a prime, so offsets spread evenly).
const POOL_LINES: usize = 1021;

/// Builds the messages of one run.
pub struct MessageFactory {
    run_id: String,
    from: String,
    domain: String,
    date: String,
    size: usize,
    pool: Vec<String>,
}

impl MessageFactory {
    /// `tag` tells runs apart in Message-IDs (e.g. the target and "prefill").
    pub fn new(tag: &str, from: &str, domain: &str, size: usize) -> MessageFactory {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let mut rng = now.as_nanos() as u64 | 1;
        let pool = (0..POOL_LINES).map(|_| body_line(&mut rng)).collect();
        MessageFactory {
            run_id: format!("{tag}.{:x}.{}", now.as_nanos(), std::process::id()),
            from: from.to_owned(),
            domain: domain.to_owned(),
            date: rfc5322_date(now.as_secs()),
            size,
            pool,
        }
    }

    /// Writes message number `index` for `rcpt` into `out` (cleared first),
    /// in wire form and ended by `.` CRLF.
    pub fn write(&self, index: u64, rcpt: &str, out: &mut Vec<u8>) {
        use std::io::Write;
        out.clear();
        // Writing into a Vec cannot fail.
        let _ = write!(
            out,
            "Message-ID: <{run}.{index}@{domain}>\r\n\
             Date: {date}\r\n\
             From: Kantor Bench <{from}>\r\n\
             To: <{rcpt}>\r\n\
             Subject: Bench message {index}\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=us-ascii\r\n\
             Content-Transfer-Encoding: 7bit\r\n\
             \r\n\
             This is bench message {index}.\r\n",
            run = self.run_id,
            domain = self.domain,
            date = self.date,
            from = self.from,
        );
        let mut line = (index as usize).wrapping_mul(31) % POOL_LINES;
        // Bounded: every pass adds at least one byte, and stops at `size`.
        while out.len() < self.size {
            let text = &self.pool[line];
            out.extend_from_slice(text.as_bytes());
            out.extend_from_slice(b"\r\n");
            line = (line + 1) % POOL_LINES;
        }
        out.extend_from_slice(b".\r\n");
    }
}

/// One body line of about 30 to 78 characters of words; never starts with `.`, so
/// no dot-stuffing is needed.
fn body_line(rng: &mut u64) -> String {
    let target = 30 + (xorshift(rng) % 48) as usize;
    let mut line = String::with_capacity(80);
    loop {
        let word = WORDS[(xorshift(rng) % WORDS.len() as u64) as usize];
        if line.len() + word.len() + 1 > target && !line.is_empty() {
            break;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    line.push('.');
    line
}

/// One xorshift64 step: the next pseudo-random number (`state` must not be 0).
pub fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// `Tue, 01 Jul 2025 12:34:56 +0000` (RFC 5322 §3.3) from Unix seconds.
fn rfc5322_date(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} +0000",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month 1-12, day 1-31), after Howard
/// Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc5322_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
        assert_eq!(
            rfc5322_date(1_751_373_296),
            "Tue, 01 Jul 2025 12:34:56 +0000"
        );
    }

    #[test]
    fn messages_are_wire_form_sized_and_distinct() {
        let factory = MessageFactory::new("test", "sender@bench.test", "bench.test", 10_240);
        let mut a = Vec::new();
        let mut b = Vec::new();
        factory.write(1, "u1@bench.test", &mut a);
        factory.write(2, "u2@bench.test", &mut b);
        assert_ne!(a, b);
        for msg in [&a, &b] {
            assert!(
                msg.len() >= 10_240 && msg.len() < 10_240 + 90,
                "{}",
                msg.len()
            );
            assert!(msg.ends_with(b"\r\n.\r\n"));
            let text = std::str::from_utf8(msg).unwrap();
            let body = &text[..text.len() - 3];
            for line in body.split("\r\n") {
                assert!(line.len() <= 78, "{line:?}");
                assert!(!line.starts_with('.'), "{line:?}");
                assert!(!line.contains('\n') && !line.contains('\r'));
            }
            for header in ["Message-ID: <", "Date: ", "From: ", "To: <", "Subject: "] {
                assert!(text.contains(header), "{header}");
            }
        }
        let id = |m: &[u8]| {
            let t = std::str::from_utf8(m).unwrap();
            t.lines().next().unwrap().to_owned()
        };
        assert_ne!(id(&a), id(&b));
    }

    #[test]
    fn tiny_size_still_makes_a_message() {
        let factory = MessageFactory::new("t", "s@b.test", "b.test", 1);
        let mut out = Vec::new();
        factory.write(0, "u1@b.test", &mut out);
        assert!(out.ends_with(b"\r\n.\r\n"));
    }
}
