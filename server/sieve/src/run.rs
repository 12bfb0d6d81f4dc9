//! One script over one message (RFC 5228 §2.10): the interpreter's events turned into a
//! [`Plan`] of what to do, with the store only read (does a mailbox exist, was this sender
//! already answered). Nothing is done here, so a script that fails part-way has done nothing.

use crate::Rules;
use sieve::{Envelope, Event, Input, Recipient, Sieve};
use std::collections::HashMap;
use std::sync::Arc;

/// Where a copy is filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Filing {
    /// The mailbox's name; `None` is INBOX (keep).
    pub folder: Option<String>,
    /// Create it when missing (`fileinto :create`, RFC 5490 §3.2).
    pub create: bool,
    /// IMAP flags and keywords (RFC 5232).
    pub flags: Vec<String>,
    /// Which message: 0 the one delivered, others made by the script (editheader).
    pub message: usize,
}

/// A message the script sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outgoing {
    pub to: String,
    pub message: usize,
    /// An automatic reply (vacation, RFC 5230 §5): sent with an empty MAIL FROM, to any
    /// address. Otherwise a redirect (RFC 5228 §4.2), subject to the forwarding policy.
    pub reply: bool,
    /// The message being processed came with the null reverse-path (a bounce): a redirect of
    /// it goes out with the null reverse-path too (RFC 5228 §4.2), so that a redirect to a bad
    /// address cannot bounce back into the same redirect for ever.
    pub null_sender: bool,
}

/// What a run decided.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub files: Vec<Filing>,
    pub sends: Vec<Outgoing>,
    /// `reject`/`ereject` (RFC 5429) with its reason.
    pub reject: Option<String>,
    /// Messages the script made, by number (0, the delivered one, is not here).
    pub made: HashMap<usize, Vec<u8>>,
    /// Vacation answers to remember: key and seconds until another may be sent.
    pub answered: Vec<(String, u64)>,
}

impl Plan {
    /// Keep in INBOX, as is: the implicit keep, and what a failed run falls back to.
    pub(crate) fn keep() -> Plan {
        Plan {
            files: vec![Filing {
                folder: None,
                create: false,
                flags: Vec::new(),
                message: 0,
            }],
            ..Plan::default()
        }
    }
}

/// What a run reads from the store.
pub(crate) trait Lookup {
    /// Whether the recipient has a mailbox of this name.
    fn mailbox_exists(&self, name: &str) -> bool;
    /// Whether the vacation answered under `key` and may not answer yet.
    fn answered(&self, key: &str) -> bool;
}

/// The envelope of one recipient's copy.
pub(crate) struct RunEnvelope<'a> {
    /// MAIL FROM, empty for the null reverse-path.
    pub from: &'a str,
    /// The address the message reached this recipient by.
    pub to: &'a str,
    /// The recipient's own address (vacation's From and its own-address checks).
    pub user: &'a str,
}

/// The key a vacation answer is remembered by: a digest of sieve-rs's duplicate id (sender
/// and `:handle` or reason, RFC 5230 §4.2), which may be long.
fn answer_key(id: &str) -> String {
    blake3::hash(id.as_bytes()).to_hex().to_string()
}

impl Rules {
    /// Runs `script` over `raw` for one recipient: its plan, or why it failed.
    pub(crate) fn run(
        &self,
        script: Arc<Sieve>,
        raw: &[u8],
        envelope: &RunEnvelope<'_>,
        lookup: &dyn Lookup,
    ) -> Result<Plan, String> {
        let mut ctx = self
            .runtime
            .filter(raw)
            .with_envelope(Envelope::From, envelope.from)
            .with_envelope(Envelope::To, envelope.to)
            .with_user_address(envelope.user);
        let mut plan = Plan::default();
        let answerable = crate::robots::may_answer(raw, envelope.from);
        let min_expiry = self.config.vacation_min_days.max(1) * 86_400;
        let mut input = Input::script("active", script);
        while let Some(event) = ctx.run(input) {
            let event = event.map_err(|e| format!("{e:?}"))?;
            input = Input::True;
            match event {
                Event::IncludeScript { name, .. } => {
                    return Err(format!("include of {name:?} is not supported"));
                }
                Event::MailboxExists {
                    mailboxes,
                    special_use,
                } => {
                    let all = special_use.is_empty()
                        && mailboxes.iter().all(|m| match m {
                            sieve::Mailbox::Name(name) => lookup.mailbox_exists(name),
                            sieve::Mailbox::Id(_) => false,
                        });
                    input = all.into();
                }
                Event::ListContains { .. } | Event::Function { .. } => input = Input::False,
                Event::DuplicateId { id, .. } if !answerable && id.starts_with("_v") => {
                    // Not to be answered: as if already answered, so no reply is made.
                    input = Input::True;
                }
                Event::DuplicateId { id, expiry, .. } => {
                    let key = answer_key(&id);
                    let seen = lookup.answered(&key);
                    if !seen {
                        plan.answered.push((key, expiry.max(min_expiry)));
                    }
                    input = seen.into();
                }
                Event::SetEnvelope { .. } | Event::Notify { .. } | Event::Discard => {}
                Event::Keep { flags, message_id } => plan.files.push(Filing {
                    folder: None,
                    create: false,
                    flags,
                    message: message_id,
                }),
                Event::FileInto {
                    folder,
                    flags,
                    create,
                    message_id,
                    ..
                } => plan.files.push(Filing {
                    folder: Some(folder),
                    create,
                    flags,
                    message: message_id,
                }),
                Event::Reject { reason, .. } => plan.reject = Some(reason),
                Event::SendMessage {
                    recipient,
                    message_id,
                    ..
                } => {
                    let reply = plan.made.get(&message_id).is_some_and(|m| is_auto_reply(m));
                    if reply && !answerable {
                        continue;
                    }
                    let to = match recipient {
                        Recipient::Address(a) => vec![a],
                        Recipient::Group(all) => all,
                        Recipient::List(_) => Vec::new(),
                    };
                    plan.sends.extend(to.into_iter().map(|to| Outgoing {
                        to,
                        message: message_id,
                        reply,
                        null_sender: envelope.from.is_empty(),
                    }));
                }
                Event::CreatedMessage {
                    message_id,
                    message,
                } => {
                    plan.made.insert(message_id, message);
                }
            }
        }
        Ok(plan)
    }
}

/// Whether a message the script made is an automatic reply (RFC 3834 §5: vacation writes
/// `Auto-Submitted: auto-replied` into every reply it makes).
fn is_auto_reply(message: &[u8]) -> bool {
    let head = message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(message, |end| &message[..end + 2]);
    const FIELD: &[u8] = b"auto-submitted: auto-replied\r\n";
    head.windows(FIELD.len())
        .any(|w| w.eq_ignore_ascii_case(FIELD))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nothing;

    impl Lookup for Nothing {
        fn mailbox_exists(&self, _: &str) -> bool {
            false
        }
        fn answered(&self, _: &str) -> bool {
            false
        }
    }

    fn replies(head: &str, from: &str) -> usize {
        let rules = Rules::new(&kantor_config::SieveConfig::default(), "mx.example.test");
        let script = rules
            .compile(b"require \"vacation\"; vacation :days 1 \"away\";")
            .unwrap();
        let message =
            format!("From: <{from}>\r\nTo: <me@example.test>\r\n{head}Subject: hi\r\n\r\nbody\r\n");
        let envelope = RunEnvelope {
            from,
            to: "me@example.test",
            user: "me@example.test",
        };
        let plan = rules
            .run(script, message.as_bytes(), &envelope, &Nothing)
            .unwrap();
        plan.sends.iter().filter(|s| s.reply).count()
    }

    /// RFC 5230 §4.6 and RFC 3834 §2: lists, bounces and automatic messages get no reply.
    #[test]
    fn vacation_answers_people_only() {
        assert_eq!(replies("", "bob@example.net"), 1);
        assert_eq!(
            replies("List-Id: <team.example.net>\r\n", "bob@example.net"),
            0
        );
        assert_eq!(
            replies("Auto-Submitted: auto-generated\r\n", "bob@example.net"),
            0
        );
        assert_eq!(replies("Precedence: bulk\r\n", "bob@example.net"), 0);
        assert_eq!(replies("", ""), 0);
        assert_eq!(replies("", "MAILER-DAEMON@example.net"), 0);
    }
}
