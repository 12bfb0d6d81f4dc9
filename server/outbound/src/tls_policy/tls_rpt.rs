//! TLS-RPT (RFC 8460): the daily aggregate report of each policy domain's sessions (§4.4 JSON,
//! gzipped), sent where its `_smtp._tls` TXT record asks (§3): by mail (§5.3, multipart/report
//! with `application/tlsrpt+gzip`, from a local domain so that it is DKIM-signed) through the
//! outbound queue, or by HTTPS POST (§5.4).

use super::Policies;
use flate2::Compression;
use flate2::write::GzEncoder;
use kantor_store::{BlobRef, OutgoingMessage, QueueRecipient, TlsResult};
use mail_builder::MessageBuilder;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::{BodyPart, MimePart};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;

/// Where one report goes (§3: `rua=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rua {
    Mailto(String),
    Https(String),
}

impl std::fmt::Display for Rua {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rua::Mailto(to) => write!(f, "mailto:{to}"),
            Rua::Https(url) => f.write_str(url),
        }
    }
}

/// The `rua` URIs of a `v=TLSRPTv1` record (§3); None for another record.
pub(crate) fn parse_record(record: &str) -> Option<Vec<Rua>> {
    let mut fields = record.split(';').map(str::trim);
    if fields.next()? != "v=TLSRPTv1" {
        return None;
    }
    let rua = fields.find_map(|f| f.strip_prefix("rua="))?;
    let uris: Vec<Rua> = rua
        .split(',')
        .map(str::trim)
        .filter_map(|uri| {
            if let Some(to) = uri.strip_prefix("mailto:") {
                let to = to.split('?').next().unwrap_or("");
                return to.contains('@').then(|| Rua::Mailto(to.to_string()));
            }
            uri.starts_with("https://")
                .then(|| Rua::Https(uri.to_string()))
        })
        .collect();
    (!uris.is_empty()).then_some(uris)
}

/// The §4.4 report of one domain's results on `day`.
pub(crate) fn report_json(
    organization: &str,
    contact: &str,
    report_id: &str,
    day: &str,
    results: &[(TlsResult, u64)],
) -> Value {
    // One entry of "policies" per policy applied (type and text).
    let mut policies: BTreeMap<(&str, &str), Vec<&(TlsResult, u64)>> = BTreeMap::new();
    for row in results {
        policies
            .entry((&row.0.policy_type, &row.0.policy_string))
            .or_default()
            .push(row);
    }
    let policies: Vec<Value> = policies
        .into_iter()
        .map(|((policy_type, text), rows)| {
            let domain = &rows[0].0.domain;
            let lines: Vec<&str> = text.lines().collect();
            let mx: Vec<&str> = lines
                .iter()
                .filter_map(|l| l.strip_prefix("mx:").map(str::trim))
                .collect();
            let mut policy = json!({"policy-type": policy_type, "policy-domain": domain});
            if !lines.is_empty() {
                policy["policy-string"] = json!(lines);
            }
            if !mx.is_empty() {
                policy["mx-host"] = json!(mx);
            }
            let success: u64 = rows
                .iter()
                .filter(|r| r.0.result == "success")
                .map(|r| r.1)
                .sum();
            let failures: Vec<&&(TlsResult, u64)> =
                rows.iter().filter(|r| r.0.result != "success").collect();
            let failed: u64 = failures.iter().map(|r| r.1).sum();
            let details: Vec<Value> = failures
                .iter()
                .map(|(r, count)| {
                    let mut detail =
                        json!({"result-type": r.result, "failed-session-count": count});
                    if !r.sending_ip.is_empty() {
                        detail["sending-mta-ip"] = json!(r.sending_ip);
                    }
                    if !r.mx_host.is_empty() {
                        detail["receiving-mx-hostname"] = json!(r.mx_host);
                    }
                    if !r.receiving_ip.is_empty() {
                        detail["receiving-ip"] = json!(r.receiving_ip);
                    }
                    if !r.helo.is_empty() {
                        detail["receiving-mx-helo"] = json!(r.helo);
                    }
                    if !r.reason.is_empty() {
                        detail["failure-reason-code"] = json!(r.reason);
                    }
                    detail
                })
                .collect();
            let mut entry = json!({
                "policy": policy,
                "summary": {
                    "total-successful-session-count": success,
                    "total-failure-session-count": failed,
                },
            });
            if !details.is_empty() {
                entry["failure-details"] = json!(details);
            }
            entry
        })
        .collect();
    json!({
        "organization-name": organization,
        "date-range": {
            "start-datetime": format!("{day}T00:00:00Z"),
            "end-datetime": format!("{day}T23:59:59Z"),
        },
        "contact-info": contact,
        "report-id": report_id,
        "policies": policies,
    })
}

fn gzip(octets: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(octets)?;
    encoder.finish()
}

/// What sending a day's reports did, one line per domain.
#[derive(Debug, Default)]
pub struct Sent {
    pub lines: Vec<String>,
}

/// Sends the reports of `day` (`YYYY-MM-DD`) to every domain with results that asks for them,
/// then records the day as reported. `from`: the reports' sender (a local address);
/// `hostname`: the submitter (§4.4 `organization-name`, §5.3 `TLS-Report-Submitter`).
pub async fn send_reports(
    policies: &Policies,
    from: &str,
    hostname: &str,
    day: &str,
) -> Result<Sent, String> {
    let store = &policies.store;
    let results = store.tls_results(day).map_err(|e| e.to_string())?;
    let mut by_domain: BTreeMap<String, Vec<(TlsResult, u64)>> = BTreeMap::new();
    for row in results {
        by_domain.entry(row.0.domain.clone()).or_default().push(row);
    }
    let mut sent = Sent::default();
    let begin = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map_err(|_| format!("{day:?} is not a date (YYYY-MM-DD)"))?
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or_default();
    for (domain, rows) in by_domain {
        let records = match policies.dns.txt(&format!("_smtp._tls.{domain}")).await {
            Ok(records) => records,
            Err(e) => {
                sent.lines.push(format!("{domain}: not sent: {e}"));
                continue;
            }
        };
        let Some(rua) = records.iter().find_map(|r| parse_record(r)) else {
            continue;
        };
        let unique = format!(
            "{:x}",
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        );
        let report_id = format!("{day}.{domain}.{unique}@{hostname}");
        let json = report_json(hostname, from, &report_id, day, &rows);
        let gz = gzip(json.to_string().as_bytes()).map_err(|e| e.to_string())?;
        // §5.1: sender!policy-domain!begin!end!unique.json.gz
        let filename = format!(
            "{hostname}!{domain}!{begin}!{}!{unique}.json.gz",
            begin + 86399
        );
        for uri in rua {
            let outcome = match &uri {
                Rua::Mailto(to) => {
                    mail(
                        policies, from, to, hostname, &domain, &report_id, &filename, &gz,
                    )
                    .await
                }
                Rua::Https(url) => post(policies, url, &gz).await,
            };
            sent.lines.push(match outcome {
                Ok(()) => format!("{domain}: report {report_id} sent to {uri}"),
                Err(e) => format!("{domain}: report to {uri} failed: {e}"),
            });
        }
    }
    store
        .mark_tls_day_reported(day)
        .await
        .map_err(|e| e.to_string())?;
    Ok(sent)
}

/// The report by mail (§5.3), queued for delivery.
#[allow(clippy::too_many_arguments)]
async fn mail(
    policies: &Policies,
    from: &str,
    to: &str,
    hostname: &str,
    domain: &str,
    report_id: &str,
    filename: &str,
    gz: &[u8],
) -> Result<(), String> {
    let human = format!(
        "This is an aggregate TLS report (RFC 8460) from {hostname} for {domain}: the results \
         of the TLS sessions {hostname} opened to deliver mail to {domain}.\r\n"
    );
    let message = MessageBuilder::new()
        .message_id(report_id.to_string())
        .from(from)
        .to(to)
        .subject(format!(
            "Report Domain: {domain} Submitter: {hostname} Report-ID: <{report_id}>"
        ))
        .header("TLS-Report-Domain", Raw::new(domain))
        .header("TLS-Report-Submitter", Raw::new(hostname))
        .header("Auto-Submitted", Raw::new("auto-generated"))
        .body(MimePart::new(
            ContentType::new("multipart/report").attribute("report-type", "tlsrpt"),
            vec![
                MimePart::new("text/plain", human),
                MimePart::new(
                    "application/tlsrpt+gzip",
                    BodyPart::Binary(gz.to_vec().into()),
                )
                .attachment(filename.to_string()),
            ],
        ))
        .write_to_vec()
        .map_err(|e| e.to_string())?;
    policies
        .store
        .enqueue(OutgoingMessage {
            blob: BlobRef::new(message),
            account_id: None,
            mail_from: from.to_string(),
            recipients: vec![QueueRecipient {
                address: to.to_string(),
                notify: Some("NEVER".into()),
                orcpt: None,
            }],
            envid: None,
            ret: None,
        })
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The report by HTTPS POST (§5.4): a 2xx is success.
async fn post(policies: &Policies, url: &str, gz: &[u8]) -> Result<(), String> {
    let rest = url.strip_prefix("https://").unwrap_or(url);
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().map_err(|_| format!("bad port in {url}"))?),
        None => (authority, 443),
    };
    let mut https = policies.https();
    https.port = port;
    let response = https
        .request(
            hyper::Method::POST,
            host,
            path,
            Some(("application/tlsrpt+gzip", gz.to_vec())),
            0,
        )
        .await
        .map_err(|e| e.to_string())?;
    match (200..300).contains(&response.status) {
        true => Ok(()),
        false => Err(format!("{url} answered HTTP {}", response.status)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_name_where_reports_go() {
        assert_eq!(
            parse_record("v=TLSRPTv1; rua=mailto:tls@example.com,https://r.example.net/x"),
            Some(vec![
                Rua::Mailto("tls@example.com".into()),
                Rua::Https("https://r.example.net/x".into())
            ])
        );
        assert_eq!(parse_record("v=TLSRPTv1;rua=ftp://x"), None);
        assert_eq!(parse_record("v=spf1 -all"), None);
    }

    #[test]
    fn reports_count_sessions() {
        let row = |policy_type: &str, text: &str, result: &str| TlsResult {
            day: "2026-01-02".into(),
            domain: "d.example".into(),
            policy_type: policy_type.into(),
            policy_string: text.into(),
            mx_host: "mx.d.example".into(),
            receiving_ip: "192.0.2.1".into(),
            sending_ip: "198.51.100.7".into(),
            helo: match result {
                "success" => String::new(),
                _ => "mx1.d.example".into(),
            },
            result: result.into(),
            reason: match result {
                "success" => String::new(),
                _ => "invalid peer certificate: NotValidForName".into(),
            },
        };
        let text = "version: STSv1\nmode: testing\nmx: mx.d.example\nmax_age: 86400";
        let json = report_json(
            "us",
            "postmaster@us",
            "id1",
            "2026-01-02",
            &[
                (row("sts", text, "success"), 3),
                (row("sts", text, "certificate-host-mismatch"), 2),
            ],
        );
        let policy = &json["policies"][0];
        assert_eq!(policy["policy"]["policy-type"], "sts");
        assert_eq!(policy["policy"]["mx-host"][0], "mx.d.example");
        assert_eq!(policy["summary"]["total-successful-session-count"], 3);
        assert_eq!(policy["summary"]["total-failure-session-count"], 2);
        let detail = &policy["failure-details"][0];
        assert_eq!(detail["result-type"], "certificate-host-mismatch");
        assert_eq!(detail["sending-mta-ip"], "198.51.100.7");
        assert_eq!(detail["receiving-mx-hostname"], "mx.d.example");
        assert_eq!(detail["receiving-ip"], "192.0.2.1");
        assert_eq!(detail["receiving-mx-helo"], "mx1.d.example");
        assert_eq!(
            detail["failure-reason-code"],
            "invalid peer certificate: NotValidForName"
        );
        assert_eq!(json["date-range"]["end-datetime"], "2026-01-02T23:59:59Z");
    }
}
