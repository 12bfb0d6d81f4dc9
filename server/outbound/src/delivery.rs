//! Delivering one message to its recipients at one domain (RFC 5321 §5.1, §4.5.4): the MX
//! hosts in preference order (the domain itself without MX; nothing for a null MX, RFC 7505),
//! each address of a host in turn, until one server has given a final answer for every
//! recipient. A 5yz reply is final for the recipients it concerns; a 4yz reply or a broken
//! connection moves on to the next address, and is the temporary result once none is left.

use crate::client::{Client, ClientError, Reply};
use crate::tls_policy::DomainPolicy;
use kantor_dns::{Dns, MailHosts};
use std::net::SocketAddr;
use std::time::Duration;

/// What an attempt came to for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// Accepted: the server's reply to the end of DATA.
    Delivered(String),
    /// Try again later: why.
    Temporary(String),
    /// Never: why (the remote reply, or ours: an RFC 3463 status code first).
    Permanent(String),
}

/// What one delivery needs besides the message.
pub(crate) struct Route<'a> {
    pub dns: &'a Dns,
    pub hostname: &'a str,
    pub port: u16,
    pub connect_timeout: Duration,
    pub command_timeout: Duration,
    /// The destination's TLS policy (MTA-STS, DANE): which hosts, and what their TLS must be.
    pub policy: DomainPolicy,
}

/// Delivers `message` from `mail_from` to `recipients` (all at `domain`); one attempt per
/// recipient, in their order.
pub(crate) async fn deliver(
    route: &Route<'_>,
    domain: &str,
    mail_from: &str,
    recipients: &[String],
    message: &[u8],
) -> Vec<Attempt> {
    let all = |attempt: Attempt| vec![attempt; recipients.len()];
    let hosts = match route.dns.mail_hosts(domain).await {
        Ok(MailHosts::Exchanges(hosts)) => hosts,
        Ok(MailHosts::Implicit(host)) => vec![host],
        Ok(MailHosts::NullMx) => {
            return all(Attempt::Permanent(format!(
                "5.1.10 {domain} accepts no mail (null MX, RFC 7505)"
            )));
        }
        Ok(MailHosts::NoSuchDomain) => {
            return all(Attempt::Permanent(format!(
                "5.1.2 the domain {domain} does not exist"
            )));
        }
        Err(e) => return all(Attempt::Temporary(format!("4.4.3 {e}"))),
    };
    let hosts = match route.policy.hosts(hosts) {
        Ok(hosts) => hosts,
        Err(why) => return all(Attempt::Temporary(why)),
    };
    let mut results: Vec<Option<Attempt>> = vec![None; recipients.len()];
    let mut last_error = format!("4.4.1 no server of {domain} could be reached");
    for host in &hosts {
        let addresses = match route.dns.addresses(host).await {
            Ok(a) => a,
            Err(e) => {
                last_error = format!("4.4.3 {e}");
                continue;
            }
        };
        for ip in addresses {
            let pending: Vec<usize> = (0..recipients.len())
                .filter(|&i| results[i].is_none())
                .collect();
            if pending.is_empty() {
                break;
            }
            let addr = SocketAddr::new(ip, route.port);
            match session(route, addr, host, mail_from, recipients, &pending, message).await {
                Ok(outcomes) => {
                    for (i, outcome) in outcomes {
                        match outcome {
                            Attempt::Temporary(why) => last_error = why,
                            final_outcome => results[i] = Some(final_outcome),
                        }
                    }
                }
                Err(e) => {
                    tracing::info!(%domain, %host, %addr, error = %e, "outbound: server unreachable");
                    last_error = format!("4.4.1 {e}");
                }
            }
        }
        if results.iter().all(Option::is_some) {
            break;
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Attempt::Temporary(last_error.clone())))
        .collect()
}

/// One SMTP session with one server, for the pending recipients (by index); each recipient's
/// outcome there.
async fn session(
    route: &Route<'_>,
    addr: SocketAddr,
    host: &str,
    mail_from: &str,
    recipients: &[String],
    pending: &[usize],
    message: &[u8],
) -> Result<Vec<(usize, Attempt)>, ClientError> {
    let (mut client, greeting) =
        Client::connect(addr, route.connect_timeout, route.command_timeout).await?;
    let by_server = |reply: &Reply, what: &str| match reply.is_permanent() {
        true => Attempt::Permanent(format!("{host} said {}{what}", reply.text())),
        false => Attempt::Temporary(format!("{host} said {}{what}", reply.text())),
    };
    let everyone = |attempt: Attempt| pending.iter().map(|&i| (i, attempt.clone())).collect();
    if greeting.code != 220 {
        return Ok(everyone(Attempt::Temporary(format!(
            "{host} greeted with {}",
            greeting.text()
        ))));
    }
    let hello = client.hello(route.hostname).await?;
    if !hello.is_positive() {
        return Ok(everyone(by_server(&hello, " to EHLO")));
    }
    let probe = match route.policy.probe(host, addr.port()).await {
        Ok(probe) => probe,
        Err(why) => return Ok(everyone(Attempt::Temporary(why))),
    };
    if client.has("STARTTLS") {
        client = match client.start_tls(probe.config(), host).await? {
            Ok(mut secured) => {
                let again = secured.hello(route.hostname).await?;
                if !again.is_positive() {
                    return Ok(everyone(by_server(&again, " to EHLO after STARTTLS")));
                }
                secured
            }
            // A server that offers STARTTLS and then refuses it: go on in clear (RFC 3207 §4).
            Err(_) => {
                return Ok(everyone(Attempt::Temporary(format!(
                    "{host} refused STARTTLS"
                ))));
            }
        };
    }
    // The destination's policy decides whether this session may carry the message.
    if let Err(why) = route
        .policy
        .check(host, &addr.ip().to_string(), client.tls, &probe)
        .await
    {
        client.quit().await;
        return Ok(everyone(Attempt::Temporary(why)));
    }
    // The MAIL parameters the message needs and the server knows (RFC 1870, RFC 6152, RFC
    // 6531). Addresses beyond ASCII need SMTPUTF8: without it, the message cannot go there.
    let utf8 = !mail_from.is_ascii() || pending.iter().any(|&i| !recipients[i].is_ascii());
    if utf8 && !client.has("SMTPUTF8") {
        client.quit().await;
        return Ok(everyone(Attempt::Permanent(format!(
            "5.6.7 {host} does not take internationalised addresses (no SMTPUTF8, RFC 6531)"
        ))));
    }
    let mut parameters = String::new();
    if client.has("SIZE") {
        parameters.push_str(&format!(" SIZE={}", message.len()));
    }
    if !message.is_ascii() && client.has("8BITMIME") {
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
        let outcome = by_server(mail, " to MAIL FROM");
        client.quit().await;
        return Ok(everyone(outcome));
    }
    let mut out = Vec::new();
    let mut accepted = Vec::new();
    for (&i, reply) in pending.iter().zip(&replies[1..]) {
        match reply.is_positive() {
            true => accepted.push(i),
            false => out.push((i, by_server(reply, " to RCPT TO"))),
        }
    }
    if accepted.is_empty() {
        client.quit().await;
        return Ok(out);
    }
    let go = client.command("DATA").await?;
    if go.code != 354 {
        let outcome = by_server(&go, " to DATA");
        out.extend(accepted.iter().map(|&i| (i, outcome.clone())));
        client.quit().await;
        return Ok(out);
    }
    let done = client.data(message).await?;
    let outcome = match done.is_positive() {
        true => Attempt::Delivered(format!(
            "{host} ({addr}{}) said {}",
            if client.tls { ", TLS" } else { "" },
            done.text()
        )),
        false => by_server(&done, " after the message"),
    };
    out.extend(accepted.iter().map(|&i| (i, outcome.clone())));
    client.quit().await;
    Ok(out)
}
