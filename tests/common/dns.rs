//! A real DNS server for the tests: Debian's dnsmasq on a loopback port, serving the records a
//! test gives (MX, A, TXT, ...) as dnsmasq options; restarted with other records when a test
//! changes its DNS. `tests/run.sh` installs dnsmasq (dnsmasq-base).

use std::net::{TcpListener, UdpSocket};
use std::process::{Child, Command};
use std::time::Duration;

pub struct Dnsmasq {
    child: Option<Child>,
    pub port: u16,
}

impl Dnsmasq {
    /// Starts dnsmasq on a free loopback port with `records` (dnsmasq options such as
    /// `--mx-host=a.test,mx.a.test,10`), answering for `.test` only.
    /// A port another process took between the check and dnsmasq's bind makes dnsmasq exit
    /// at once; it is then started again on another port.
    pub fn start(records: &[String]) -> Dnsmasq {
        let mut server = Dnsmasq {
            child: None,
            port: 0,
        };
        for _ in 0..10 {
            server.port = free_dns_port();
            if server.spawn(records) {
                return server;
            }
        }
        panic!("dnsmasq did not start on any of 10 free ports");
    }

    /// Serves `records` instead, on the same port (tried for a few seconds: the old process's
    /// sockets may linger for a moment).
    pub fn replace(&mut self, records: &[String]) {
        self.stop();
        for _ in 0..10 {
            if self.spawn(records) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("dnsmasq did not start again on port {}", self.port);
    }

    /// The `[resolver]` section pointing at this server.
    pub fn resolver_config(&self) -> String {
        format!("[resolver]\nnameservers = [\"127.0.0.1:{}\"]\n", self.port)
    }

    /// Starts dnsmasq on `self.port`; false when it exited at once (the port was taken).
    fn spawn(&mut self, records: &[String]) -> bool {
        let child = Command::new("dnsmasq")
            .args([
                format!("--port={}", self.port),
                "--listen-address=127.0.0.1".into(),
                "--bind-interfaces".into(),
                "--no-resolv".into(),
                "--no-hosts".into(),
                "--keep-in-foreground".into(),
                "--pid-file=".into(),
                "--local=/test/".into(),
            ])
            .args(records)
            .spawn()
            .expect("dnsmasq (Debian dnsmasq-base; tests/run.sh installs it)");
        self.child = Some(child);
        std::thread::sleep(Duration::from_millis(300));
        let exited = self
            .child
            .as_mut()
            .map(|c| !matches!(c.try_wait(), Ok(None)));
        if exited == Some(true) {
            self.child = None;
            return false;
        }
        true
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A loopback port free for both UDP and TCP (a DNS server listens on both), taken below the
/// kernel's ephemeral range (32768 and up) so that no outgoing connection of another test
/// takes it between this check and the server's bind.
pub fn free_dns_port() -> u16 {
    let seed = std::process::id() as u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos() as u64;
    (0..2000u64)
        .map(|i| 20_000 + ((seed.wrapping_mul(2_654_435_761) + i * 7919) % 12_000) as u16)
        .find(|&port| {
            UdpSocket::bind(("127.0.0.1", port)).is_ok()
                && TcpListener::bind(("127.0.0.1", port)).is_ok()
        })
        .expect("a free port for DNS")
}
