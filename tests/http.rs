//! The HTTP front end driven with curl: the https and http listeners, HTTP Basic with the
//! login throttle, Prometheus `/metrics`, the JMAP session resource (RFC 8620 §2) and the API
//! endpoint's request-level errors (§3.6.1), limits and Core/echo (§4.1).

mod common;
use common::curl::*;
use common::*;

#[test]
fn session_resource_needs_a_password_and_names_the_account() {
    let server = TestServer::start("");
    let credentials = user(&server);
    let well_known = curl(&[&https(&server, "/.well-known/jmap")]);
    assert_eq!(well_known.status, 307, "{}", well_known.headers);
    assert_eq!(well_known.header("location"), Some("/jmap/session"));
    let anonymous = curl(&[&https(&server, "/jmap/session")]);
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.header("www-authenticate"),
        Some("Basic realm=\"Kantor\", charset=\"UTF-8\"")
    );
    let wrong = curl(&[
        "-u",
        &format!("jo@{DOMAIN}:nope"),
        &https(&server, "/jmap/session"),
    ]);
    assert_eq!(wrong.status, 401);
    // Over HTTP/2 (ALPN) as well as HTTP/1.1.
    let session = curl(&[
        "--http2",
        "-u",
        &credentials,
        &https(&server, "/jmap/session"),
    ]);
    assert_eq!(session.status, 200, "{}", session.body);
    assert!(
        session.headers.starts_with("HTTP/2 200"),
        "{}",
        session.headers
    );
    let json = session.json();
    assert_eq!(json["username"], format!("jo@{DOMAIN}"));
    let core = &json["capabilities"]["urn:ietf:params:jmap:core"];
    assert_eq!(core["maxCallsInRequest"], 16);
    assert_eq!(core["maxSizeRequest"], 10_000_000);
    let accounts = json["accounts"].as_object().unwrap();
    assert_eq!(accounts.len(), 1);
    let (id, account) = accounts.iter().next().unwrap();
    assert!(
        id.starts_with('A') && id[1..].parse::<u64>().is_ok(),
        "{id}"
    );
    assert_eq!(account["isPersonal"], true);
    let api_url = json["apiUrl"].as_str().unwrap();
    assert_eq!(api_url, https(&server, "/jmap/api"));
}

#[test]
fn api_echoes_and_refuses_what_is_not_a_request() {
    let server = TestServer::start("[http]\nmax_request_bytes = 20000\n");
    let credentials = user(&server);
    let echo = api(
        &server,
        &credentials,
        r#"{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"hello":true,"n":[1,2]},"c1"],["Mail/nothing",{},"c2"]]}"#,
    );
    assert_eq!(echo.status, 200, "{}", echo.body);
    let json = echo.json();
    assert_eq!(
        json["methodResponses"][0],
        serde_json::json!(["Core/echo", {"hello": true, "n": [1, 2]}, "c1"])
    );
    assert_eq!(json["methodResponses"][1][0], "error");
    assert_eq!(json["methodResponses"][1][1]["type"], "unknownMethod");
    assert_eq!(json["methodResponses"][1][2], "c2");
    assert!(json["sessionState"].is_string());
    // Request-level errors are RFC 7807 problems (RFC 8620 §3.6.1).
    let problem = |body: &str| {
        let answer = api(&server, &credentials, body);
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        answer.json()
    };
    let kind = |body: &str| problem(body)["type"].as_str().unwrap().to_string();
    let urn = "urn:ietf:params:jmap:error:";
    assert_eq!(kind("{not json"), format!("{urn}notJSON"));
    assert_eq!(kind(r#"{"using":[]}"#), format!("{urn}notRequest"));
    assert_eq!(kind(r#"[1,2,3]"#), format!("{urn}notRequest"));
    assert_eq!(
        kind(r#"{"using":["urn:example:nope"],"methodCalls":[]}"#),
        format!("{urn}unknownCapability")
    );
    let calls: Vec<String> = (0..17)
        .map(|i| format!(r#"["Core/echo",{{}},"c{i}"]"#))
        .collect();
    let limit = problem(&format!(
        r#"{{"using":["urn:ietf:params:jmap:core"],"methodCalls":[{}]}}"#,
        calls.join(",")
    ));
    assert_eq!(limit["type"], format!("{urn}limit"));
    assert_eq!(limit["limit"], "maxCallsInRequest");
    // A body over max_request_bytes is refused without being read.
    let big = format!(
        r#"{{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{{"x":"{}"}},"c"]]}}"#,
        "y".repeat(30_000)
    );
    assert_eq!(api(&server, &credentials, &big).status, 413);
    // Another content type is no request.
    let plain = curl(&[
        "-u",
        &credentials,
        "-H",
        "Content-Type: text/plain",
        "--data-binary",
        "{}",
        &https(&server, "/jmap/api"),
    ]);
    assert_eq!(plain.status, 400);
}

#[test]
fn plain_http_redirects_and_metrics_count() {
    let server =
        TestServer::start("[auth]\nfailures_before_delay = 100\nfailures_before_lockout = 3\n");
    let credentials = user(&server);
    let plain = format!("http://127.0.0.1:{}", server.port("http"));
    let redirect = curl(&[&format!("{plain}/jmap/session?x=1")]);
    assert_eq!(redirect.status, 308);
    assert_eq!(
        redirect.header("location"),
        Some(
            format!(
                "https://mail.example.test:{}/jmap/session?x=1",
                server.port("https")
            )
            .as_str()
        )
    );
    // Three wrong passwords lock the address out of the account: 429 with Retry-After.
    for _ in 0..3 {
        let wrong = curl(&[
            "-u",
            &format!("jo@{DOMAIN}:nope"),
            &https(&server, "/jmap/session"),
        ]);
        assert_eq!(wrong.status, 401);
    }
    let locked = curl(&["-u", &credentials, &https(&server, "/jmap/session")]);
    assert_eq!(locked.status, 429, "{}", locked.body);
    assert!(
        locked
            .header("retry-after")
            .is_some_and(|s| s.parse::<u64>().unwrap() > 0)
    );
    let metrics = curl(&[&format!("{plain}/metrics")]);
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/openmetrics-text")),
        "{}",
        metrics.headers
    );
    let value = |name: &str| {
        metrics
            .body
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("no {name} in {}", metrics.body))
    };
    assert_eq!(value("kantor_logins_total{outcome=\"failure\"}"), 3.0);
    assert_eq!(value("kantor_logins_total{outcome=\"throttled\"}"), 1.0);
    assert!(value("kantor_connections_total{listener=\"https\"}") >= 4.0);
    assert!(value("kantor_http_requests_total{status=\"4xx\"}") >= 4.0);
    assert_eq!(value("kantor_queue_size"), 0.0);
    assert!(
        metrics
            .body
            .contains("# TYPE kantor_store_commit_seconds histogram")
    );
    assert!(metrics.body.ends_with("# EOF\n"));
}

#[test]
fn a_client_that_sends_no_header_is_dropped() {
    use std::io::Read;
    let server = TestServer::start("[http]\nheader_timeout_secs = 1\n");
    let mut tcp = std::net::TcpStream::connect(server.addr("http")).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = [0u8; 256];
    let n = tcp.read(&mut buf).unwrap_or(0);
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(n == 0 || answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
