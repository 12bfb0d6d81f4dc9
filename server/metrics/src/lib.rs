//! Kantor's Prometheus metrics: one registry for the process, and the metrics every part of
//! the server updates. `GET /metrics` on the HTTP listeners renders them ([`render`]) in the
//! OpenMetrics text format, which Prometheus reads.
//!
//! Updating a metric is an atomic add (a family's label lookup takes a read lock), so the hot
//! paths (a connection, a login, a commit) pay next to nothing. Names follow Prometheus'
//! conventions: `kantor_` prefix, base units (seconds, bytes), `_total` on counters.

use prometheus_client::encoding::{EncodeLabelSet, text::encode};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::LazyLock;
use std::time::Duration;

/// A listener (`[listeners]` key: `smtp`, `imaps`, `https`, ...).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ListenerLabel {
    pub listener: String,
}

/// What a login attempt ended as: `success`, `failure`, `throttled` or `disabled`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: String,
}

/// A JMAP method (`Email/get`, ...); unknown names are counted as `unknown`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MethodLabel {
    pub method: String,
}

/// An HTTP response's class (`2xx`, `4xx`, ...).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabel {
    pub status: String,
}

/// Every metric of the server.
pub struct Metrics {
    /// Connections accepted, per listener.
    pub connections: Family<ListenerLabel, Counter>,
    /// Connections refused by a connection limit, per listener.
    pub connections_refused: Family<ListenerLabel, Counter>,
    /// Connections open now (each a protocol session), per listener.
    pub connections_open: Family<ListenerLabel, Gauge>,
    /// Login attempts on every protocol, by outcome.
    pub logins: Family<OutcomeLabel, Counter>,
    /// Messages accepted over SMTP (port 25 and submission), once per message.
    pub messages_received: Counter,
    /// Copies of messages received over SMTP filed in local mailboxes (one per recipient).
    pub messages_delivered: Counter,
    /// Messages refused after DATA, or recipients refused at RCPT.
    pub messages_refused: Counter,
    /// Messages waiting in the outbound queue, as last seen.
    pub queue_size: Gauge,
    /// Jobs committed together by the store's writer (group commit).
    pub store_batch_size: Histogram,
    /// Seconds a batch of write jobs took to run and commit (fsync included).
    pub store_commit_seconds: Histogram,
    /// HTTP requests answered, by status class.
    pub http_requests: Family<StatusLabel, Counter>,
    /// JMAP method calls, by method.
    pub jmap_calls: Family<MethodLabel, Counter>,
    /// Seconds a JMAP method call took, by method.
    pub jmap_call_seconds: Family<MethodLabel, Histogram>,
    /// Emails added to the full-text index (kantor-search).
    pub search_indexed: Counter,
    /// Documents in the full-text index, as of its last commit.
    pub search_documents: Gauge,
    /// Bytes of the full-text index on disk, as of its last commit.
    pub search_index_bytes: Gauge,
    /// Change-log rows the full-text index has not applied yet (its lag), as last seen.
    pub search_lag_changes: Gauge,
}

fn latency() -> Histogram {
    // 100 µs to about 6.5 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 17))
}

struct Process {
    registry: Registry,
    metrics: Metrics,
}

static PROCESS: LazyLock<Process> = LazyLock::new(|| {
    let metrics = Metrics {
        connections: Family::default(),
        connections_refused: Family::default(),
        connections_open: Family::default(),
        logins: Family::default(),
        messages_received: Counter::default(),
        messages_delivered: Counter::default(),
        messages_refused: Counter::default(),
        queue_size: Gauge::default(),
        store_batch_size: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
        store_commit_seconds: latency(),
        http_requests: Family::default(),
        jmap_calls: Family::default(),
        jmap_call_seconds: Family::new_with_constructor(latency),
        search_indexed: Counter::default(),
        search_documents: Gauge::default(),
        search_index_bytes: Gauge::default(),
        search_lag_changes: Gauge::default(),
    };
    let mut registry = Registry::with_prefix("kantor");
    let m = &metrics;
    registry.register("connections", "Connections accepted", m.connections.clone());
    registry.register(
        "connections_refused",
        "Connections refused by a connection limit",
        m.connections_refused.clone(),
    );
    registry.register(
        "connections_open",
        "Connections open now (protocol sessions)",
        m.connections_open.clone(),
    );
    registry.register("logins", "Login attempts by outcome", m.logins.clone());
    registry.register(
        "messages_received",
        "Messages accepted over SMTP",
        m.messages_received.clone(),
    );
    registry.register(
        "messages_delivered",
        "Copies of messages received over SMTP filed in local mailboxes",
        m.messages_delivered.clone(),
    );
    registry.register(
        "messages_refused",
        "Messages or recipients refused over SMTP",
        m.messages_refused.clone(),
    );
    registry.register(
        "queue_size",
        "Messages waiting in the outbound queue",
        m.queue_size.clone(),
    );
    registry.register(
        "store_batch_size",
        "Write jobs committed together",
        m.store_batch_size.clone(),
    );
    registry.register(
        "store_commit_seconds",
        "Seconds a batch of write jobs took to run and commit",
        m.store_commit_seconds.clone(),
    );
    registry.register(
        "http_requests",
        "HTTP requests answered by status class",
        m.http_requests.clone(),
    );
    registry.register("jmap_calls", "JMAP method calls", m.jmap_calls.clone());
    registry.register(
        "jmap_call_seconds",
        "Seconds a JMAP method call took",
        m.jmap_call_seconds.clone(),
    );
    registry.register(
        "search_indexed",
        "Emails added to the full-text index",
        m.search_indexed.clone(),
    );
    registry.register(
        "search_documents",
        "Documents in the full-text index",
        m.search_documents.clone(),
    );
    registry.register(
        "search_index_bytes",
        "Bytes of the full-text index on disk",
        m.search_index_bytes.clone(),
    );
    registry.register(
        "search_lag_changes",
        "Change-log rows the full-text index has not applied yet",
        m.search_lag_changes.clone(),
    );
    Process { registry, metrics }
});

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    &PROCESS.metrics
}

/// Every metric in the OpenMetrics text format (`application/openmetrics-text`).
pub fn render() -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut out, &PROCESS.registry);
    out
}

/// The content type of [`render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

impl Metrics {
    /// A connection accepted by `listener`: counted, and open until the returned guard drops.
    pub fn connection_opened(&self, listener: &str) -> OpenConnection {
        let label = ListenerLabel {
            listener: listener.to_string(),
        };
        self.connections.get_or_create(&label).inc();
        let open = self.connections_open.get_or_create(&label).clone();
        open.inc();
        OpenConnection { open }
    }

    /// A connection refused by a limit of `listener`.
    pub fn connection_refused(&self, listener: &str) {
        self.connections_refused
            .get_or_create(&ListenerLabel {
                listener: listener.to_string(),
            })
            .inc();
    }

    /// A login attempt's outcome.
    pub fn login(&self, outcome: &str) {
        self.logins
            .get_or_create(&OutcomeLabel {
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// An HTTP response with this status code.
    pub fn http_response(&self, status: u16) {
        self.http_requests
            .get_or_create(&StatusLabel {
                status: format!("{}xx", status / 100),
            })
            .inc();
    }

    /// A JMAP method call and how long it took.
    pub fn jmap_call(&self, method: &str, took: Duration) {
        let label = MethodLabel {
            method: method.to_string(),
        };
        self.jmap_calls.get_or_create(&label).inc();
        self.jmap_call_seconds
            .get_or_create(&label)
            .observe(took.as_secs_f64());
    }
}

/// An open connection, counted in `kantor_connections_open` until dropped.
pub struct OpenConnection {
    open: Gauge,
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.open.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample line starting with `prefix`.
    fn sample(text: &str, prefix: &str) -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    }

    #[test]
    fn counts_render_in_openmetrics_text() {
        let m = metrics();
        let before =
            sample(&render(), "kantor_connections_total{listener=\"test\"}").unwrap_or(0.0);
        let open = m.connection_opened("test");
        m.connection_opened("test");
        m.login("failure");
        m.jmap_call("Core/echo", Duration::from_millis(3));
        m.http_response(404);
        let text = render();
        assert_eq!(
            sample(&text, "kantor_connections_total{listener=\"test\"}"),
            Some(before + 2.0),
            "{text}"
        );
        assert_eq!(
            sample(&text, "kantor_connections_open{listener=\"test\"}"),
            Some(1.0),
            "one guard dropped at once, one held: {text}"
        );
        drop(open);
        assert_eq!(
            sample(&render(), "kantor_connections_open{listener=\"test\"}"),
            Some(0.0)
        );
        assert!(
            sample(&text, "kantor_logins_total{outcome=\"failure\"}").is_some_and(|v| v >= 1.0)
        );
        assert!(
            text.contains("kantor_jmap_call_seconds_bucket{le=\"0.0064\",method=\"Core/echo\"} 1"),
            "{text}"
        );
        assert!(
            sample(&text, "kantor_http_requests_total{status=\"4xx\"}").is_some_and(|v| v >= 1.0)
        );
        assert!(
            text.contains("# TYPE kantor_store_commit_seconds histogram"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
