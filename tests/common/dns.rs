//! A real DNS server for the tests: Debian's dnsmasq on a loopback port, serving the records a
//! test gives (MX, A, TXT, ...) as dnsmasq options; restarted with other records when a test
//! changes its DNS. `tests/run.sh` installs dnsmasq (dnsmasq-base).

use std::net::UdpSocket;
use std::process::{Child, Command};
use std::time::Duration;

pub struct Dnsmasq {
    child: Option<Child>,
    pub port: u16,
}

impl Dnsmasq {
    /// Starts dnsmasq on a free loopback port with `records` (dnsmasq options such as
    /// `--mx-host=a.test,mx.a.test,10`), answering for `.test` only.
    pub fn start(records: &[String]) -> Dnsmasq {
        let port = UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .expect("a free port")
            .port();
        let mut server = Dnsmasq { child: None, port };
        server.spawn(records);
        server
    }

    /// Serves `records` instead, on the same port.
    pub fn replace(&mut self, records: &[String]) {
        self.stop();
        self.spawn(records);
    }

    /// The `[resolver]` section pointing at this server.
    pub fn resolver_config(&self) -> String {
        format!("[resolver]\nnameservers = [\"127.0.0.1:{}\"]\n", self.port)
    }

    fn spawn(&mut self, records: &[String]) {
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
