//! The resolver against a real DNS server: dnsmasq on a loopback port, serving MX and A records
//! for test domains (Debian's dnsmasq-base, which tests/run.sh installs).

use kantor_config::ResolverConfig;
use kantor_dns::{Dns, MailHosts};
use std::process::{Child, Command};
use std::time::Duration;

struct Dnsmasq(Child);

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn dnsmasq(port: u16) -> Dnsmasq {
    let child = Command::new("dnsmasq")
        .args([
            &format!("--port={port}"),
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--no-resolv",
            "--no-hosts",
            "--keep-in-foreground",
            "--pid-file=",
            "--local=/test/",
            "--mx-host=one.test,mx.one.test,10",
            "--mx-host=one.test,mx2.one.test,20",
            "--host-record=mx.one.test,127.0.0.2",
            "--host-record=mx2.one.test,127.0.0.3,::1",
            "--mx-host=null.test,.,0",
            "--host-record=plain.test,127.0.0.4",
        ])
        .spawn()
        .expect("dnsmasq (Debian dnsmasq-base; tests/run.sh installs it)");
    std::thread::sleep(Duration::from_millis(300));
    Dnsmasq(child)
}

#[tokio::test]
async fn mx_null_mx_implicit_mx_and_addresses() {
    let port = 5300 + (std::process::id() % 500) as u16;
    let _server = dnsmasq(port);
    let dns = Dns::new(&ResolverConfig {
        nameservers: vec![format!("127.0.0.1:{port}")],
        ..ResolverConfig::default()
    })
    .unwrap();
    assert_eq!(
        dns.mail_hosts("one.test").await.unwrap(),
        MailHosts::Exchanges(vec!["mx.one.test".into(), "mx2.one.test".into()])
    );
    assert_eq!(
        dns.mail_hosts("null.test").await.unwrap(),
        MailHosts::NullMx
    );
    assert_eq!(
        dns.mail_hosts("plain.test").await.unwrap(),
        MailHosts::Implicit("plain.test".into())
    );
    assert_eq!(
        dns.mail_hosts("nowhere.test").await.unwrap(),
        MailHosts::NoSuchDomain
    );
    let mut addresses = dns.addresses("mx2.one.test").await.unwrap();
    addresses.sort();
    assert_eq!(
        addresses,
        vec![
            "127.0.0.3".parse::<std::net::IpAddr>().unwrap(),
            "::1".parse().unwrap()
        ]
    );
    assert!(dns.addresses("nowhere.test").await.unwrap().is_empty());
}
