//! One SMTP session with one server, carrying every pending message in turn (RFC 5321 §3.3,
//! §4.1.1.5): the greeting, EHLO, STARTTLS (and a relay's AUTH) once, then for each message a
//! mail transaction (MAIL, RCPT for its pending recipients, DATA), with RSET after a
//! transaction left open. Each message is read when its turn comes, converted first for a
//! server without 8BITMIME (`downgrade`), signed once a recipient is accepted, and reported as soon as its recipients are
//! settled; when the connection breaks, what the server did not acknowledge stays pending.

use crate::client::{Client, ClientError, Reply};
use crate::delivery::{Attempt, Envelope, Progress, Route};
use crate::downgrade;
use crate::tls_policy::Peer;
use std::net::SocketAddr;

/// Sends the pending messages over one connection to `addr` (a host of the destination).
pub(crate) async fn run(
    route: &Route<'_>,
    addr: SocketAddr,
    host: &str,
    messages: &[Envelope],
    progress: &mut Progress,
) -> Result<(), ClientError> {
    let relay = route.relay;
    let implicit = relay
        .filter(|r| r.implicit_tls())
        .map(|r| (r.tls.clone(), host));
    let source = route.source(addr.ip());
    let (mut client, greeting) = Client::connect(
        addr,
        source,
        route.connect_timeout,
        route.command_timeout,
        implicit,
    )
    .await?;
    let everyone = |progress: &mut Progress, attempt: Attempt| {
        for m in progress.pending_messages() {
            for i in progress.pending(m) {
                progress.set(m, i, attempt.clone());
            }
            progress.report_if_settled(m);
        }
    };
    if greeting.code != 220 {
        let why = format!("{host} greeted with {}", greeting.text());
        everyone(progress, Attempt::Temporary(why));
        return Ok(());
    }
    let hello = client.hello(route.hostname).await?;
    if !hello.is_positive() {
        everyone(progress, by_server(host, &hello, " to EHLO"));
        return Ok(());
    }
    if relay.is_some_and(|r| r.requires_starttls()) && !client.has("STARTTLS") {
        let why = format!("4.7.10 the relay {host} does not offer STARTTLS (RFC 3207)");
        everyone(progress, Attempt::Temporary(why));
        client.quit().await;
        return Ok(());
    }
    // The destination's TLS policy (MTA-STS, DANE) checks the certificate (`tls_policy`); the
    // session's ends go into its TLS-RPT results (RFC 8460 §4.4).
    let peer = Peer {
        mx: host.to_string(),
        receiving_ip: addr.ip().to_string(),
        sending_ip: client.local.map(|a| a.ip().to_string()).unwrap_or_default(),
        helo: announced(&hello, &greeting),
    };
    let probe = match &route.policy {
        Some(policy) => match policy.probe(&peer, addr.port()).await {
            Ok(probe) => Some(probe),
            Err(why) => {
                everyone(progress, Attempt::Temporary(why));
                client.quit().await;
                return Ok(());
            }
        },
        None => None,
    };
    if client.has("STARTTLS") && !client.tls && !relay.is_some_and(|r| r.without_tls()) {
        let tls = match (relay, &probe) {
            (Some(r), _) => r.tls.clone(),
            (None, Some(probe)) => probe.config(),
            (None, None) => route.tls.clone(),
        };
        let started = match client.start_tls(tls, host).await {
            Ok(started) => started,
            Err(e) => {
                if let (Some(policy), Some(probe)) = (&route.policy, &probe) {
                    let error = match &e {
                        ClientError::Io(_, why) => why.clone(),
                        other => other.to_string(),
                    };
                    policy.handshake_failed(&peer, probe, &error).await;
                }
                return Err(e);
            }
        };
        client = match started {
            Ok(mut secured) => {
                let again = secured.hello(route.hostname).await?;
                if !again.is_positive() {
                    everyone(progress, by_server(host, &again, " to EHLO after STARTTLS"));
                    return Ok(());
                }
                secured
            }
            Err(refusal) => {
                // Counted as a server without STARTTLS (RFC 8460 §4.3.1), the reason being its
                // reply; held either way.
                if let (Some(policy), Some(probe)) = (&route.policy, &probe) {
                    let why = format!("STARTTLS refused: {}", refusal.text());
                    let _ = policy.check(&peer, Err(&why), probe).await;
                }
                everyone(
                    progress,
                    Attempt::Temporary(format!("{host} refused STARTTLS")),
                );
                return Ok(());
            }
        };
    }
    // The destination's policy decides whether this session may carry the messages.
    let tls = match client.tls {
        true => Ok(()),
        false => Err("STARTTLS not offered in the EHLO reply"),
    };
    if let (Some(policy), Some(probe)) = (&route.policy, &probe)
        && let Err(why) = policy.check(&peer, tls, probe).await
    {
        everyone(progress, Attempt::Temporary(why));
        client.quit().await;
        return Ok(());
    }
    // The relay's AUTH (RFC 4954): a refusal holds the mail, with the relay's reply.
    if let Some((user, password)) = relay.and_then(|r| r.credentials.as_ref()) {
        let reply = client.authenticate(user, password).await?;
        if reply.code != 235 {
            let why = format!("4.7.8 the relay {host} refused AUTH: {}", reply.text());
            everyone(progress, Attempt::Temporary(why));
            client.quit().await;
            return Ok(());
        }
    }
    let mut needs_reset = false;
    for m in progress.pending_messages() {
        if needs_reset {
            let reset = client.command("RSET").await?;
            if !reset.is_positive() {
                // The others wait for another connection.
                progress.fail_pending(&format!("{host} said {} to RSET", reset.text()));
                client.quit().await;
                return Ok(());
            }
        }
        let pending = progress.pending(m);
        let outcomes = transaction(&mut client, route, host, addr, &messages[m], &pending).await?;
        needs_reset = outcomes.open;
        for (i, attempt) in outcomes.attempts {
            progress.set(m, i, attempt);
        }
        progress.report_if_settled(m);
    }
    client.quit().await;
    Ok(())
}

/// What one mail transaction came to.
struct Transaction {
    /// Per pending recipient (by index).
    attempts: Vec<(usize, Attempt)>,
    /// Whether it left a transaction open (RSET needed before the next, RFC 5321 §4.1.1.5).
    open: bool,
}

/// Octets added to a message's size in `SIZE=` for the DKIM-Signature fields not yet added
/// (an Ed25519 and an RSA-2048 signature take about 900).
const SIGNATURES_ALLOWANCE: usize = 2048;

/// One mail transaction (RFC 5321 §3.3): `message` to its `pending` recipients.
async fn transaction(
    client: &mut Client,
    route: &Route<'_>,
    host: &str,
    addr: SocketAddr,
    envelope: &Envelope,
    pending: &[usize],
) -> Result<Transaction, ClientError> {
    let (mail_from, recipients) = (&envelope.mail_from, &envelope.recipients);
    let everyone = |attempt: Attempt, open: bool| Transaction {
        attempts: pending.iter().map(|&i| (i, attempt.clone())).collect(),
        open,
    };
    // The MAIL parameters the message needs and the server knows (RFC 1870, RFC 6152, RFC
    // 6531). Addresses beyond ASCII need SMTPUTF8: without it, the message cannot go there.
    let utf8 = !mail_from.is_ascii() || pending.iter().any(|&i| !recipients[i].is_ascii());
    if utf8 && !client.has("SMTPUTF8") {
        let why = format!(
            "5.6.7 {host} does not take internationalised addresses (no SMTPUTF8, RFC 6531)"
        );
        return Ok(everyone(Attempt::Permanent(why), false));
    }
    let original = match (route.load)(&envelope.blob) {
        Ok(original) => original,
        Err(why) => {
            let why = format!("4.3.0 the queued message cannot be read: {why}");
            return Ok(everyone(Attempt::Temporary(why), false));
        }
    };
    // 8-bit content for a server without 8BITMIME is converted to 7 bits first, or refused
    // when it cannot be (RFC 6152 §3). It is signed once a recipient is accepted: a retry that
    // is refused again costs no signature.
    let unsigned = match !original.is_ascii() && !client.has("8BITMIME") {
        false => original,
        true => match downgrade::to_seven_bit(&original) {
            Ok(seven) => seven,
            Err(why) => {
                let why = format!(
                    "5.6.3 {host} does not take 8-bit content (no 8BITMIME, RFC 6152) and the \
                     message cannot be converted to 7 bits: {why}"
                );
                return Ok(everyone(Attempt::Permanent(why), false));
            }
        },
    };
    let mut parameters = String::new();
    if client.has("SIZE") {
        // An estimate (RFC 1870 §3): the signatures to come are counted generously.
        let size = unsigned.len() + SIGNATURES_ALLOWANCE;
        parameters.push_str(&format!(" SIZE={size}"));
    }
    if !unsigned.is_ascii() && client.has("8BITMIME") {
        parameters.push_str(" BODY=8BITMIME");
    }
    if utf8 {
        parameters.push_str(" SMTPUTF8");
    }
    let mut lines = vec![format!("MAIL FROM:<{mail_from}>{parameters}")];
    lines.extend(
        pending
            .iter()
            .map(|&i| format!("RCPT TO:<{}>", recipients[i])),
    );
    let replies = client.commands(&lines).await?;
    let mail = &replies[0];
    if !mail.is_positive() {
        // A refused MAIL opens no transaction; the RCPTs after it were refused too.
        return Ok(everyone(by_server(host, mail, " to MAIL FROM"), false));
    }
    let mut attempts = Vec::new();
    let mut accepted = Vec::new();
    for (&i, reply) in pending.iter().zip(&replies[1..]) {
        match reply.is_positive() {
            true => accepted.push(i),
            false => attempts.push((i, by_server(host, reply, " to RCPT TO"))),
        }
    }
    if accepted.is_empty() {
        return Ok(Transaction {
            attempts,
            open: true,
        });
    }
    let message = (route.sign)(mail_from, &unsigned);
    drop(unsigned);
    let go = client.command("DATA").await?;
    if go.code != 354 {
        let outcome = by_server(host, &go, " to DATA");
        attempts.extend(accepted.iter().map(|&i| (i, outcome.clone())));
        return Ok(Transaction {
            attempts,
            open: true,
        });
    }
    let done = client.data(&message).await?;
    let outcome = match done.is_positive() {
        true => Attempt::Delivered(format!(
            "{host} ({addr}{}) said {}",
            if client.tls { ", TLS" } else { "" },
            done.text()
        )),
        false => by_server(host, &done, " after the message"),
    };
    attempts.extend(accepted.iter().map(|&i| (i, outcome.clone())));
    Ok(Transaction {
        attempts,
        open: false,
    })
}

/// The name the server announced (RFC 8460 §4.4 `receiving-mx-helo`): the domain starting its
/// EHLO reply (RFC 5321 §4.1.1.1), else the one starting its greeting (§4.2); its printable
/// ASCII only, empty when neither names one.
fn announced(hello: &Reply, greeting: &Reply) -> String {
    let name = |reply: &Reply| {
        reply
            .lines
            .first()
            .and_then(|l| l.split_whitespace().next())
            .filter(|n| n.bytes().all(|b| b.is_ascii_graphic()))
            .map(str::to_string)
    };
    hello
        .is_positive()
        .then(|| name(hello))
        .flatten()
        .or_else(|| name(greeting))
        .unwrap_or_default()
}

/// A reply refusing something: permanent for a 5yz reply, else temporary.
fn by_server(host: &str, reply: &Reply, what: &str) -> Attempt {
    match reply.is_permanent() {
        true => Attempt::Permanent(format!("{host} said {}{what}", reply.text())),
        false => Attempt::Temporary(format!("{host} said {}{what}", reply.text())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(code: u16, lines: &[&str]) -> Reply {
        Reply {
            code,
            lines: lines.iter().map(|l| l.to_string()).collect(),
        }
    }

    /// RFC 8460 §4.4 `receiving-mx-helo`: the EHLO reply's name, else the greeting's.
    #[test]
    fn the_servers_name_is_taken_from_its_replies() {
        let greeting = reply(220, &["mx.greeting.test ESMTP ready"]);
        let hello = reply(250, &["mx.ehlo.test Hello", "PIPELINING", "STARTTLS"]);
        assert_eq!(announced(&hello, &greeting), "mx.ehlo.test");
        let refused = reply(502, &["mx.ehlo.test no EHLO"]);
        assert_eq!(announced(&refused, &greeting), "mx.greeting.test");
        assert_eq!(announced(&reply(250, &[""]), &greeting), "mx.greeting.test");
        assert_eq!(announced(&reply(250, &[""]), &reply(220, &[""])), "");
    }
}
