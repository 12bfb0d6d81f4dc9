//! A DNSSEC-signed zone for the tests: Debian's Knot DNS (`knotd`) serving a root zone of its
//! own on a loopback port, signing it itself at load (ECDSA P-256, one combined key), and that
//! key as the trust anchor file (`keymgr ... dnskey`) for `[resolver] trust_anchor`. A root
//! zone, so that validation ends at the anchor (a validator checks a zone below the root against
//! its parent's DS, which an authoritative server of that zone alone cannot prove). The test
//! names (`*.test.`) sit in it without delegation. `tests/run.sh` installs knot.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub struct Knot {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Knot {
    /// Starts knotd with `records` (zone-file lines, names absolute) and waits until
    /// the zone is signed.
    pub fn start(records: &[String]) -> Knot {
        let port = super::dns::free_dns_port();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display();
        let config = format!(
            "server:\n    rundir: {d}\n    listen: 127.0.0.1@{port}\n\
             database:\n    storage: {d}\n\
             log:\n  - target: stderr\n    any: warning\n\
             policy:\n  - id: test\n    algorithm: ecdsap256sha256\n    single-type-signing: on\n\
             template:\n  - id: default\n    storage: {d}\n\
             zone:\n  - domain: .\n    file: root.zone\n    dnssec-signing: on\n    dnssec-policy: test\n"
        );
        std::fs::write(dir.path().join("knot.conf"), config).unwrap();
        let zone = format!(
            "$ORIGIN .\n$TTL 60\n@ SOA ns.test. admin.test. 1 3600 600 86400 60\n\
             @ NS ns.test.\nns.test. A 127.0.0.1\n{}\n",
            records.join("\n")
        );
        std::fs::write(dir.path().join("root.zone"), zone).unwrap();
        let child = Command::new("knotd")
            .arg("-c")
            .arg(dir.path().join("knot.conf"))
            .spawn()
            .expect("knotd (Debian knot; tests/run.sh installs it)");
        let knot = Knot { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while knot.dnskey().is_none() {
            assert!(Instant::now() < deadline, "knotd did not sign the zone");
            std::thread::sleep(Duration::from_millis(100));
        }
        // With a TTL and class, as hickory's zone-file parser wants them.
        let anchor = knot
            .dnskey()
            .unwrap()
            .replace(" DNSKEY ", " 3600 IN DNSKEY ");
        std::fs::write(knot.trust_anchor(), anchor).unwrap();
        knot
    }

    /// The zone's DNSKEY record, once made.
    fn dnskey(&self) -> Option<String> {
        let out = Command::new("keymgr")
            .arg("-c")
            .arg(self.dir.path().join("knot.conf"))
            .args([".", "dnskey"])
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        text.contains("DNSKEY").then_some(text)
    }

    /// The trust anchor file: the zone's DNSKEY.
    pub fn trust_anchor(&self) -> PathBuf {
        self.dir.path().join("anchor.zone")
    }

    /// The `[resolver]` section pointing at this server, validating with its key.
    pub fn resolver_config(&self) -> String {
        format!(
            "[resolver]\nnameservers = [\"127.0.0.1:{}\"]\ndnssec = true\ntrust_anchor = \"{}\"\n",
            self.port,
            self.trust_anchor().display()
        )
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Knot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
