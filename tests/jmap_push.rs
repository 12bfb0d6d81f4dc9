//! JMAP over WebSocket (RFC 8887) driven with tokio-tungstenite over TLS: the capability in
//! the session, Requests answered with their requestId, RequestErrors, push of deliveries
//! over SMTP (enable, disable, resume from pushState), the handshake's subprotocol and
//! credentials; and the concurrency limits of RFC 8620 §2 (maxConcurrentRequests across the
//! API endpoint and WebSocket, maxConcurrentUpload), with requests held open by slow bodies.

mod common;
use common::curl::*;
use common::*;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// A TLS client configuration trusting the test server's own (generated) certificate.
fn tls(server: &TestServer) -> Arc<rustls::ClientConfig> {
    let pem = std::fs::read(server.data().join("data/tls/cert.pem")).expect("cert.pem");
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// Opens `url` with Basic `credentials` offering `protocols`; the handshake's outcome.
async fn open(
    server: &TestServer,
    url: &str,
    credentials: &str,
    protocols: Option<&str>,
) -> Result<
    (
        Socket,
        tokio_tungstenite::tungstenite::handshake::client::Response,
    ),
    Error,
> {
    use base64::Engine;
    let mut request = url.into_client_request().unwrap();
    let basic = base64::engine::general_purpose::STANDARD.encode(credentials);
    let headers = request.headers_mut();
    headers.insert(
        "Authorization",
        HeaderValue::from_str(&format!("Basic {basic}")).unwrap(),
    );
    if let Some(protocols) = protocols {
        headers.insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_str(protocols).unwrap(),
        );
    }
    let connector = Some(Connector::Rustls(tls(server)));
    tokio_tungstenite::connect_async_tls_with_config(request, None, false, connector).await
}

/// The session's WebSocket URL after checking the capability (RFC 8887 §4).
fn websocket_url(server: &TestServer, credentials: &str) -> String {
    let session = curl(&["-u", credentials, &https(server, "/jmap/session")]).json();
    let capability = &session["capabilities"]["urn:ietf:params:jmap:websocket"];
    assert_eq!(capability["supportsPush"], true, "{session}");
    let url = capability["url"].as_str().unwrap().to_string();
    assert_eq!(
        url,
        format!("wss://127.0.0.1:{}/jmap/ws", server.port("https"))
    );
    url
}

/// Connects as the test user with the `jmap` subprotocol.
async fn connect(server: &TestServer, credentials: &str) -> Socket {
    let url = websocket_url(server, credentials);
    let (socket, response) = open(server, &url, credentials, Some("jmap"))
        .await
        .expect("handshake");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "jmap",
        "RFC 8887 §4.2: the server names the subprotocol"
    );
    socket
}

async fn send(socket: &mut Socket, value: Value) {
    socket
        .send(Message::Text(value.to_string().into()))
        .await
        .unwrap();
}

/// The next JSON text message within `wait`; `None` when none comes.
async fn next_within(socket: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .ok()?;
        match message.expect("connection open").expect("a message") {
            Message::Text(text) => return Some(serde_json::from_str(text.as_str()).unwrap()),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

async fn next(socket: &mut Socket) -> Value {
    next_within(socket, Duration::from_secs(10))
        .await
        .expect("a message within 10 s")
}

fn echo(id: &str) -> Value {
    json!({"@type": "Request", "id": id, "using": ["urn:ietf:params:jmap:core"],
           "methodCalls": [["Core/echo", {"from": id}, "c0"]]})
}

/// Sends a Core/echo and waits for its Response: every message sent before it was read. A
/// StateChange the server pushed before it read the request may come first (a delivery can be
/// pushed as more than one change); anything else is an error.
async fn round_trip(socket: &mut Socket, id: &str) {
    send(socket, echo(id)).await;
    let mut response = next(socket).await;
    while response["@type"] == "StateChange" {
        response = next(socket).await;
    }
    assert_eq!(response["@type"], "Response", "{response}");
    assert_eq!(response["requestId"], id, "{response}");
}

/// Delivers a message to jo over SMTP.
fn deliver(server: &TestServer, subject: &str) {
    let mut smtp = RawClient::connect(server.addr("smtp"));
    assert!(smtp.reply().starts_with("220"));
    for line in [
        "EHLO c.test",
        "MAIL FROM:<s@c.test>",
        &format!("RCPT TO:<jo@{DOMAIN}>"),
        "DATA",
    ] {
        let reply = smtp.command(line);
        assert!(
            reply.starts_with('2') || reply.starts_with('3'),
            "{line}: {reply}"
        );
    }
    let accepted = smtp.command(&format!("Subject: {subject}\r\n\r\nhi\r\n."));
    assert!(accepted.starts_with("250"), "{accepted}");
}

#[tokio::test]
async fn requests_are_answered_with_their_request_id() {
    let server = TestServer::start("");
    let credentials = user(&server);
    let mut socket = connect(&server, &credentials).await;
    send(&mut socket, echo("R1")).await;
    let response = next(&mut socket).await;
    assert_eq!(response["@type"], "Response");
    assert_eq!(response["requestId"], "R1");
    assert_eq!(
        response["methodResponses"],
        json!([["Core/echo", {"from": "R1"}, "c0"]])
    );
    assert!(response["sessionState"].is_string(), "{response}");
    // A Request without an id is answered without a requestId.
    let mut anonymous = echo("x");
    anonymous.as_object_mut().unwrap().remove("id");
    send(&mut socket, anonymous).await;
    let response = next(&mut socket).await;
    assert_eq!(response["@type"], "Response");
    assert!(response.get("requestId").is_none(), "{response}");
    // Bad messages: RequestErrors (RFC 8887 §4.3.4), with the id when there is one.
    let urn = "urn:ietf:params:jmap:error:";
    for (message, id, kind) in [
        (
            r#"{"@type":"Request","id":"R2","using":[]}"#,
            Some("R2"),
            "notRequest",
        ),
        ("this is not JSON", None, "notJSON"),
        (r#"{"@type":"Hello","id":"R3"}"#, Some("R3"), "notRequest"),
        (
            r#"{"@type":"Request","id":"R4","using":["urn:x:nope"],"methodCalls":[]}"#,
            Some("R4"),
            "unknownCapability",
        ),
    ] {
        socket
            .send(Message::Text(message.to_string().into()))
            .await
            .unwrap();
        let error = next(&mut socket).await;
        assert_eq!(error["@type"], "RequestError", "{message}: {error}");
        assert_eq!(error["type"], format!("{urn}{kind}"), "{message}: {error}");
        assert_eq!(error["status"], 400);
        assert_eq!(error["requestId"].as_str(), id, "{message}: {error}");
    }
    // Still usable after errors; then a binary message closes with 1003.
    round_trip(&mut socket, "R5").await;
    socket
        .send(Message::Binary(vec![1, 2, 3].into()))
        .await
        .unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("a close within 10 s");
    match closed {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(frame.code, CloseCode::Unsupported),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn a_message_over_max_size_request_closes_with_1009() {
    let server = TestServer::start("[http]\nmax_request_bytes = 20000\n");
    let credentials = user(&server);
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    assert_eq!(
        session["capabilities"]["urn:ietf:params:jmap:core"]["maxSizeRequest"],
        20000
    );
    let mut socket = connect(&server, &credentials).await;
    let mut big = echo("big");
    big["methodCalls"][0][1]["pad"] = Value::String("x".repeat(30_000));
    send(&mut socket, big).await;
    let closed = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("a close within 10 s");
    match closed {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(frame.code, CloseCode::Size),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn push_follows_deliveries_stops_when_disabled_and_resumes_from_push_state() {
    let server = TestServer::start("");
    let credentials = user(&server);
    let mut socket = connect(&server, &credentials).await;
    send(
        &mut socket,
        json!({"@type": "WebSocketPushEnable", "dataTypes": ["Email", "Mailbox"]}),
    )
    .await;
    round_trip(&mut socket, "after-enable").await;
    deliver(&server, "first");
    let sent = Instant::now();
    let change = next_within(&mut socket, Duration::from_secs(1))
        .await
        .expect("a StateChange within a second of the delivery");
    assert!(sent.elapsed() < Duration::from_secs(1));
    assert_eq!(change["@type"], "StateChange", "{change}");
    let changed = change["changed"].as_object().unwrap();
    assert_eq!(changed.len(), 1, "{change}");
    let types = changed.values().next().unwrap();
    assert!(
        types["Email"].is_string() && types["Mailbox"].is_string(),
        "{change}"
    );
    assert!(
        types.get("Thread").is_none(),
        "only the types asked for: {change}"
    );
    let first_state = change["pushState"].as_str().expect("pushState").to_string();
    // One delivery is one commit, pushed once (a second wake-up of the same state is not a
    // change, RFC 8620 §7.1).
    let extra = next_within(&mut socket, Duration::from_millis(700)).await;
    assert!(extra.is_none(), "one delivery pushed twice: {extra:?}");

    // Disabled: a delivery pushes nothing.
    send(&mut socket, json!({"@type": "WebSocketPushDisable"})).await;
    round_trip(&mut socket, "after-disable").await;
    deliver(&server, "second");
    let quiet = next_within(&mut socket, Duration::from_millis(1500)).await;
    assert!(quiet.is_none(), "pushed while disabled: {quiet:?}");

    // Enabled again from the last pushState seen: what changed since is pushed at once.
    send(
        &mut socket,
        json!({"@type": "WebSocketPushEnable", "dataTypes": null, "pushState": first_state}),
    )
    .await;
    let resumed = next(&mut socket).await;
    assert_eq!(resumed["@type"], "StateChange", "{resumed}");
    let state = resumed["pushState"].as_str().unwrap();
    assert!(
        state.parse::<u64>().unwrap() > first_state.parse::<u64>().unwrap(),
        "{resumed} after {first_state}"
    );
    let types = resumed["changed"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    for data_type in [
        "Email",
        "Mailbox",
        "Thread",
        "EmailSubmission",
        "Identity",
        "VacationResponse",
        "Quota",
        "SieveScript",
        "ShareNotification",
    ] {
        assert!(
            types[data_type].is_string(),
            "null dataTypes: every type, {data_type} too: {resumed}"
        );
    }
    // Up to date: enabling with the current pushState pushes nothing.
    send(
        &mut socket,
        json!({"@type": "WebSocketPushEnable", "pushState": state}),
    )
    .await;
    round_trip(&mut socket, "up-to-date").await;
}

#[tokio::test]
async fn the_handshake_needs_the_jmap_subprotocol_and_the_password() {
    let server = TestServer::start("");
    let credentials = user(&server);
    let url = websocket_url(&server, &credentials);
    let status = |result: Result<_, Error>| match result {
        Err(Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("the handshake succeeded"),
    };
    assert_eq!(status(open(&server, &url, &credentials, None).await), 400);
    assert_eq!(
        status(open(&server, &url, &credentials, Some("chat, superchat")).await),
        400
    );
    let wrong = format!("jo@{DOMAIN}:wrong");
    assert_eq!(status(open(&server, &url, &wrong, Some("jmap")).await), 401);
    // Among other offers, jmap is chosen.
    let (_, response) = open(&server, &url, &credentials, Some("chat, jmap"))
        .await
        .unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], "jmap");
}

/// A request whose body is still arriving: its header and half its body sent over plain
/// HTTP (`allow_plaintext_auth`), the rest by [`Held::finish`].
struct Held {
    stream: std::net::TcpStream,
    rest: Vec<u8>,
}

impl Held {
    fn start(server: &TestServer, path: &str, content_type: &str, body: &[u8]) -> Held {
        use base64::Engine;
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("jo@{DOMAIN}:{PASSWORD}"));
        let mut stream = std::net::TcpStream::connect(server.addr("http")).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {basic}\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let (first, rest) = body.split_at(body.len() / 2);
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(first).unwrap();
        Held {
            stream,
            rest: rest.to_vec(),
        }
    }

    /// Sends the rest of the body; the answer's status line.
    fn finish(mut self) -> String {
        use std::io::{BufRead, BufReader};
        self.stream.write_all(&self.rest).unwrap();
        let mut line = String::new();
        BufReader::new(self.stream).read_line(&mut line).unwrap();
        line
    }
}

#[tokio::test]
async fn concurrency_limits_refuse_the_excess_with_the_limit_error() {
    let server = TestServer::start("[http]\nallow_plaintext_auth = true\n");
    let credentials = user(&server);
    let session = curl(&["-u", &credentials, &https(&server, "/jmap/session")]).json();
    let core = &session["capabilities"]["urn:ietf:params:jmap:core"];
    let max_requests = core["maxConcurrentRequests"].as_u64().unwrap() as usize;
    let max_uploads = core["maxConcurrentUpload"].as_u64().unwrap() as usize;
    let account = session["primaryAccounts"]["urn:ietf:params:jmap:mail"]
        .as_str()
        .unwrap()
        .to_string();
    let mut socket = connect(&server, &credentials).await;
    let body = echo("held").to_string();
    let held: Vec<Held> = (0..max_requests)
        .map(|_| Held::start(&server, "/jmap/api", "application/json", body.as_bytes()))
        .collect();
    // The server takes each request's slot once its header is in.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let refused = api(&server, &credentials, &body);
    assert_eq!(refused.status, 400, "{}", refused.body);
    let problem = refused.json();
    assert_eq!(
        problem["type"], "urn:ietf:params:jmap:error:limit",
        "{problem}"
    );
    assert_eq!(problem["limit"], "maxConcurrentRequests");
    // The same limit over WebSocket: one user, one count.
    send(&mut socket, echo("W1")).await;
    let error = next(&mut socket).await;
    assert_eq!(error["@type"], "RequestError", "{error}");
    assert_eq!(error["requestId"], "W1");
    assert_eq!(error["limit"], "maxConcurrentRequests", "{error}");
    // The held requests are answered once their bodies are in; then there is room again.
    for request in held {
        let status = request.finish();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    }
    round_trip(&mut socket, "W2").await;
    assert_eq!(api(&server, &credentials, &body).status, 200);

    // maxConcurrentUpload, per account.
    let path = format!("/jmap/upload/{account}/");
    let blob = vec![b'u'; 10_000];
    let held: Vec<Held> = (0..max_uploads)
        .map(|_| Held::start(&server, &path, "text/plain", &blob))
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let upload = |server: &TestServer| {
        curl(&[
            "-u",
            &credentials,
            "-H",
            "Content-Type: text/plain",
            "--data-binary",
            "one more",
            &https(server, &path),
        ])
    };
    let refused = upload(&server);
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(
        refused.json()["limit"],
        "maxConcurrentUpload",
        "{}",
        refused.body
    );
    for request in held {
        let status = request.finish();
        assert!(status.starts_with("HTTP/1.1 201"), "{status}");
    }
    assert_eq!(upload(&server).status, 201);
}
