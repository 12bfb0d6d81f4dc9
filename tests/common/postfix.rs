//! A private Postfix for the tests: a second instance of Debian's Postfix (`postfix -c DIR`) with
//! its own configuration, queue and log in a temporary directory, accepting mail from loopback on
//! a free port and relaying all of it to one next hop (`relayhost = [127.0.0.1]:PORT`): the way an
//! outside mail server hands Kantor its mail, without touching the shared Postfix of
//! `../shared/peers/peers.sh` (whose configuration other tests and the load tool rely on).
//! Needs root and the postfix package (peers.sh installs it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct PrivatePostfix {
    dir: tempfile::TempDir,
    /// The port its smtpd listens on, on 127.0.0.1.
    pub port: u16,
}

/// Only the services a relaying instance needs; no chroot (the queue is in a temporary directory).
const MASTER_CF: &str = "\
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
";

impl PrivatePostfix {
    /// Starts an instance named `hostname` that relays everything to 127.0.0.1:`next_hop_port`,
    /// with STARTTLS when the next hop offers it (unverified, Postfix's `may`).
    pub fn start(hostname: &str, next_hop_port: u16) -> PrivatePostfix {
        let dir = tempfile::tempdir().unwrap();
        let port = super::peer::free_port();
        let instance = PrivatePostfix { dir, port };
        let etc = instance.etc();
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::create_dir_all(instance.dir.path().join("spool")).unwrap();
        std::fs::create_dir_all(instance.dir.path().join("lib")).unwrap();
        std::fs::write(
            etc.join("master.cf"),
            format!("127.0.0.1:{port} inet n - n - - smtpd\n{MASTER_CF}"),
        )
        .unwrap();
        std::fs::write(etc.join("main.cf"), "").unwrap();
        let base = instance.dir.path().display().to_string();
        instance.postconf(&[
            &format!("queue_directory = {base}/spool"),
            &format!("data_directory = {base}/lib"),
            &format!("maillog_file = {base}/postfix.log"),
            &format!("maillog_file_prefixes = {base}"),
            &format!("myhostname = {hostname}"),
            "compatibility_level = 3.6",
            "inet_interfaces = 127.0.0.1",
            "mydestination =",
            "mynetworks = 127.0.0.0/8",
            &format!("relayhost = [127.0.0.1]:{next_hop_port}"),
            "smtp_tls_security_level = may",
            "smtp_tls_loglevel = 1",
            // Retry a deferred message soon, so that a test can watch the retry.
            "minimal_backoff_time = 2s",
            "maximal_backoff_time = 4s",
            "queue_run_delay = 2s",
        ]);
        instance.postfix("set-permissions");
        instance.postfix("start");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the private Postfix did not listen on {port}: {}",
                instance.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        instance
    }

    /// Postfix's log (`maillog_file`) so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("postfix.log")).unwrap_or_default()
    }

    /// Asks the queue manager to try every deferred message now (`postqueue -f`).
    pub fn flush(&self) {
        let out = Command::new("postqueue")
            .args(["-c", self.etc().to_str().unwrap(), "-f"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }

    fn etc(&self) -> PathBuf {
        self.dir.path().join("etc")
    }

    fn postconf(&self, settings: &[&str]) {
        let etc = self.etc().display().to_string();
        let mut args = vec!["-c", &etc, "-e"];
        args.extend(settings);
        run_ok("postconf", &args);
    }

    fn postfix(&self, command: &str) {
        let etc = self.etc().display().to_string();
        run_ok("postfix", &["-c", &etc, command]);
    }
}

impl Drop for PrivatePostfix {
    fn drop(&mut self) {
        let _ = Command::new("postfix")
            .args(["-c", self.etc().to_str().unwrap(), "stop"])
            .output();
    }
}

/// Whether the postfix package is installed (peers.sh installs it).
pub fn installed() -> bool {
    Path::new("/usr/sbin/postfix").exists()
}

fn run_ok(program: &str, args: &[&str]) {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
