//! The server's TLS configuration (rustls, ring provider). With no certificate configured, a
//! self-signed one is generated under `DATA/tls/` and reused: its subject is the host name, its
//! names (SANs) the host name, `localhost`, `mail.<domain>` of every local domain and the
//! listeners' own IP addresses (what clients are pointed at), valid for a year. It is made again
//! at start when it is within [`RENEW_BEFORE`] of its end or a name is missing (a domain added);
//! `DATA/tls/names` records what it covers and until when.

pub use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no certificate or no private key found in {0}")]
    Empty(PathBuf),
    #[error("cannot generate a self-signed certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid certificate or key: {0}")]
    Rustls(#[from] rustls::Error),
}

/// How long a generated certificate is valid.
pub const VALIDITY: Duration = Duration::from_secs(365 * 86_400);
/// A generated certificate this close to its end is made again at start.
pub const RENEW_BEFORE: Duration = Duration::from_secs(30 * 86_400);

/// What a generated certificate is for.
#[derive(Debug, Clone)]
pub struct CertificateNames {
    /// The server's host name: the subject, and a name.
    pub hostname: String,
    /// Local domains: `mail.<domain>` of each is a name (A-labels for IDNs).
    pub domains: Vec<String>,
    /// IP addresses the listeners are bound to (not `0.0.0.0` / `::`).
    pub addresses: Vec<IpAddr>,
}

impl CertificateNames {
    /// Every name, sorted: the host name, `localhost`, the loopback addresses, `mail.<domain>`
    /// and the listeners' addresses.
    fn all(&self) -> Vec<String> {
        let ascii = |name: &str| idna::domain_to_ascii(name).unwrap_or_else(|_| name.to_string());
        let mut names: Vec<String> = [ascii(&self.hostname), "localhost".into()]
            .into_iter()
            .chain(["127.0.0.1".into(), "::1".into()])
            .chain(self.domains.iter().map(|d| ascii(&format!("mail.{d}"))))
            .chain(
                self.addresses
                    .iter()
                    .map(|ip| ip.to_canonical().to_string()),
            )
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// Loads the configured certificate and key, or the generated pair under `tls_dir` (made for
/// `names` when missing, near its end or not covering them), and returns the rustls server
/// configuration.
pub fn server_config(
    configured: Option<(&Path, &Path)>,
    tls_dir: &Path,
    names: &CertificateNames,
) -> Result<Arc<ServerConfig>, TlsError> {
    let (cert_path, key_path) = match configured {
        Some((cert, key)) => (cert.to_path_buf(), key.to_path_buf()),
        None => {
            let pair = (tls_dir.join("cert.pem"), tls_dir.join("key.pem"));
            let wanted = names.all();
            if !pair.0.exists() || !pair.1.exists() || !still_good(tls_dir, &wanted) {
                generate_self_signed(tls_dir, &pair.0, &pair.1, &names.hostname, &wanted)?;
            }
            pair
        }
    };
    let certs = read_certs(&cert_path)?;
    let key = read_key(&key_path)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    Ok(Arc::new(config))
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.into(),
        source,
    })?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut pem.as_slice())
        .filter_map(|c| c.ok())
        .collect();
    match certs.is_empty() {
        true => Err(TlsError::Empty(path.into())),
        false => Ok(certs),
    }
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.into(),
        source,
    })?;
    rustls_pemfile::private_key(&mut pem.as_slice())
        .ok()
        .flatten()
        .ok_or_else(|| TlsError::Empty(path.into()))
}

/// Whether the generated certificate (per `DATA/tls/names`) covers `wanted` and is not near its
/// end.
fn still_good(dir: &Path, wanted: &[String]) -> bool {
    let Ok(record) = std::fs::read_to_string(dir.join("names")) else {
        return false;
    };
    let mut lines = record.lines();
    let Some(until) = lines.next().and_then(|l| l.parse::<u64>().ok()) else {
        return false;
    };
    let covered: Vec<&str> = lines.collect();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    until > now + RENEW_BEFORE.as_secs() && wanted.iter().all(|n| covered.contains(&n.as_str()))
}

fn generate_self_signed(
    dir: &Path,
    cert_path: &Path,
    key_path: &Path,
    hostname: &str,
    names: &[String],
) -> Result<(), TlsError> {
    tracing::info!(hostname, ?names, dir = %dir.display(), "generating a self-signed certificate");
    let mut params = rcgen::CertificateParams::new(names.to_vec())?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, hostname);
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + VALIDITY;
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    let write = |path: &Path, text: String| {
        std::fs::create_dir_all(dir)
            .and_then(|_| std::fs::write(path, text))
            .map_err(|source| TlsError::Write {
                path: path.into(),
                source,
            })
    };
    // Written with the process's umask (0077): never readable by others, not even briefly.
    write(key_path, key.serialize_pem())?;
    restrict_permissions(key_path);
    write(cert_path, cert.pem())?;
    let until = params.not_after.unix_timestamp().max(0);
    write(
        &dir.join("names"),
        format!("{until}\n{}\n", names.join("\n")),
    )
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(domains: &[&str]) -> CertificateNames {
        CertificateNames {
            hostname: "Mail.Example.com".into(),
            domains: domains.iter().map(|d| d.to_string()).collect(),
            addresses: vec!["192.0.2.7".parse().unwrap()],
        }
    }

    #[test]
    fn generates_once_then_reuses_until_a_name_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        server_config(None, dir.path(), &names(&["example.com"])).unwrap();
        let first = std::fs::read(dir.path().join("cert.pem")).unwrap();
        server_config(None, dir.path(), &names(&["example.com"])).unwrap();
        assert_eq!(std::fs::read(dir.path().join("cert.pem")).unwrap(), first);
        server_config(None, dir.path(), &names(&["example.com", "bücher.de"])).unwrap();
        assert_ne!(
            std::fs::read(dir.path().join("cert.pem")).unwrap(),
            first,
            "a new domain's name is added"
        );
        let record = std::fs::read_to_string(dir.path().join("names")).unwrap();
        for name in [
            "mail.example.com",
            "mail.xn--bcher-kva.de",
            "192.0.2.7",
            "127.0.0.1",
            "localhost",
        ] {
            assert!(record.lines().any(|l| l == name), "{name} in {record}");
        }
    }

    #[test]
    fn a_certificate_near_its_end_is_made_again() {
        let dir = tempfile::tempdir().unwrap();
        server_config(None, dir.path(), &names(&[])).unwrap();
        let first = std::fs::read(dir.path().join("cert.pem")).unwrap();
        let record = std::fs::read_to_string(dir.path().join("names")).unwrap();
        let (until, rest) = record.split_once('\n').unwrap();
        let soon = until.parse::<u64>().unwrap() - VALIDITY.as_secs() + 86_400;
        std::fs::write(dir.path().join("names"), format!("{soon}\n{rest}")).unwrap();
        server_config(None, dir.path(), &names(&[])).unwrap();
        assert_ne!(std::fs::read(dir.path().join("cert.pem")).unwrap(), first);
    }
}
