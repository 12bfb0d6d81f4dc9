//! `imap-search --prefill N`: fills one INBOX over IMAP with MULTIAPPEND (RFC 3502) and
//! LITERAL+ (RFC 7888), many messages per command, which is far faster than SMTP for the
//! 100,000 messages a search benchmark wants. Only the shortfall is appended, so a second run
//! appends nothing. Not timed in the results.
//!
//! The messages vary in what SEARCH, SORT and THREAD look at: threads of five (a root and
//! replies whose References name every earlier message of the thread), `Re:` and `Fwd:`
//! prefixes, RFC 2047 encoded words in subjects and display names, Cc on some, Dates missing
//! or not parsing on a few, senders spread over 300 addresses of 7 domains.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Result, bail};
use tokio::task::JoinSet;

use crate::imap_client::{ImapConn, Status, Untagged};

/// Messages per MULTIAPPEND command.
const PER_COMMAND: u64 = 500;
/// Messages per thread.
const THREAD: u64 = 5;
/// Words the subjects are made of.
const TOPICS: [&str; 12] = [
    "budget", "report", "meeting", "invoice", "release", "offsite", "hiring", "roadmap",
    "incident", "contract", "survey", "launch",
];

/// Message `i` of a prefill, as bytes (the same on every server and in every run).
pub type Source = Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync>;

/// Appends to INBOX until it holds `want` messages (it holds `have`), on `conns` sessions (logged
/// in) at once, so that a server committing each APPEND on its own shares its syncs; returns
/// how many were appended.
pub async fn fill(conns: Vec<ImapConn>, label: &str, have: u64, want: u64) -> Result<u64> {
    let source: Source = Arc::new(|i: u64| message(i).into_bytes());
    fill_from(conns, label, have, want, PER_COMMAND, source).await
}

/// [`fill`] with messages `have..want` of `source`, `per_command` to a MULTIAPPEND.
pub async fn fill_from(
    conns: Vec<ImapConn>,
    label: &str,
    have: u64,
    want: u64,
    per_command: u64,
    source: Source,
) -> Result<u64> {
    if have >= want {
        return Ok(0);
    }
    let started = Instant::now();
    eprintln!(
        "{label} prefill: appending {} messages to INBOX",
        want - have
    );
    let next = Arc::new(AtomicU64::new(have));
    let mut tasks = JoinSet::new();
    for mut conn in conns {
        let (next, label, source) = (Arc::clone(&next), label.to_owned(), Arc::clone(&source));
        tasks.spawn(async move {
            append(&mut conn, &label, &next, want, per_command.max(1), &source).await
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined??;
    }
    eprintln!(
        "{label} prefill: {} messages appended in {:.1} s",
        want - have,
        started.elapsed().as_secs_f64()
    );
    Ok(want - have)
}

/// One session's share: takes the next `per_command` messages until `want` are taken.
async fn append(
    conn: &mut ImapConn,
    label: &str,
    next: &AtomicU64,
    want: u64,
    per_command: u64,
    source: &Source,
) -> Result<()> {
    loop {
        let start = next.fetch_add(per_command, Ordering::Relaxed);
        if start >= want {
            return Ok(());
        }
        let end = (start + per_command).min(want);
        let messages: Vec<Vec<u8>> = (start..end).map(|i| source(i)).collect();
        let slices: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
        let mut untagged = Untagged::default();
        let done = conn.multiappend("INBOX", &slices, &mut untagged).await?;
        if done.status != Status::Ok {
            bail!("{label} prefill: APPEND: {}", done.text);
        }
        if end / 10_000 > start / 10_000 {
            eprintln!("{label} prefill: about {end} of {want}");
        }
    }
}

/// Message `i` of the prefill (the same on every server and in every run).
pub fn message(i: u64) -> String {
    let mut m = headers(i);
    let topic = topic(i);
    m.push_str("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    for line in 0..12 {
        let _ = write!(
            m,
            "Line {line} of message {i} about the {topic}: nothing to see here, the numbers add up.\r\n"
        );
    }
    m
}

/// The subject's topic word of message `i`.
fn topic(i: u64) -> &'static str {
    TOPICS[(i / THREAD % TOPICS.len() as u64) as usize]
}

/// The sender of message `i`: `user{sender(i)}@example{sender(i) % 7}.test`.
pub fn sender(i: u64) -> u64 {
    i * 7 % 300
}

/// The header fields of message `i` up to Date, without the MIME ones, each ending in CRLF.
pub fn headers(i: u64) -> String {
    let (thread, pos) = (i / THREAD, i % THREAD);
    let id = |p: u64| format!("<t{thread}.p{p}@prefill.bench.test>");
    let topic = topic(i);
    let base = if thread % 7 == 3 {
        format!("=?utf-8?q?Gr=C3=BC=C3=9Fe_{topic}_{thread}?=")
    } else {
        format!("{topic} {thread}")
    };
    let subject = match pos {
        0 => base,
        1 | 3 => format!("Re: {base}"),
        2 => format!("RE: [list] Re: {base}"),
        _ => format!("Fwd: {base}"),
    };
    let sender = sender(i);
    let name = if sender.is_multiple_of(5) {
        format!("=?iso-8859-1?q?J=F6rg_{sender}?=")
    } else {
        format!("\"User {sender}\"")
    };
    let mut m = String::with_capacity(1600);
    let _ = write!(
        m,
        "From: {name} <user{sender}@example{}.test>\r\n",
        sender % 7
    );
    let _ = write!(m, "To: u1@bench.test\r\n");
    if i.is_multiple_of(3) {
        let _ = write!(m, "Cc: Team {} <team{}@bench.test>\r\n", i % 11, i % 11);
    }
    let _ = write!(m, "Subject: {subject}\r\nMessage-ID: {}\r\n", id(pos));
    if pos > 0 {
        let refs: Vec<String> = (0..pos).map(id).collect();
        let _ = write!(
            m,
            "In-Reply-To: {}\r\nReferences: {}\r\n",
            id(pos - 1),
            refs.join("\r\n ")
        );
    }
    match i % 97 {
        13 => {}
        29 => m.push_str("Date: 31 Feb 2020 10:00:00 +0000\r\n"),
        _ => {
            // 2020-01-01 plus ten minutes a message, the zone varying.
            let t = 1_577_836_800 + i * 600;
            let days = t / 86_400;
            let (y, mo, d) = civil(days as i64);
            let zone = ["+0000", "-0700", "+0530"][(i % 3) as usize];
            let _ = write!(
                m,
                "Date: {d} {} {y} {:02}:{:02}:{:02} {zone}\r\n",
                MONTHS[mo as usize - 1],
                t / 3600 % 24,
                t / 60 % 60,
                t % 60
            );
        }
    }
    m
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Year, month and day of a count of days since 1970-01-01 (H. Hinnant's civil_from_days).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_vary_and_dates_are_right() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(18_262), (2020, 1, 1));
        let first = message(0);
        assert!(
            first.contains("Date: 1 Jan 2020 00:00:00 +0000\r\n"),
            "{first}"
        );
        assert!(first.contains("Cc: "));
        let reply = message(3);
        assert!(reply.contains("References: <t0.p0@prefill.bench.test>\r\n <t0.p1@"));
        assert!(!message(13).contains("Date:"));
        assert!(message(29).contains("31 Feb"));
        assert!(message(15).contains("=?utf-8?q?Gr=C3=BC=C3=9Fe_"));
    }
}
