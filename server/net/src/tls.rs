//! The server's TLS configuration (rustls, ring provider). With no certificate configured, a
//! self-signed one for the host name is generated on first start under `DATA/tls/` and reused.

use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

/// Loads the configured certificate and key, or the generated pair under `tls_dir` (creating it
/// for `hostname` if missing), and returns the rustls server configuration.
pub fn server_config(
    configured: Option<(&Path, &Path)>,
    tls_dir: &Path,
    hostname: &str,
) -> Result<Arc<ServerConfig>, TlsError> {
    let (cert_path, key_path) = match configured {
        Some((cert, key)) => (cert.to_path_buf(), key.to_path_buf()),
        None => {
            let pair = (tls_dir.join("cert.pem"), tls_dir.join("key.pem"));
            if !pair.0.exists() || !pair.1.exists() {
                generate_self_signed(tls_dir, &pair.0, &pair.1, hostname)?;
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

fn generate_self_signed(
    dir: &Path,
    cert_path: &Path,
    key_path: &Path,
    hostname: &str,
) -> Result<(), TlsError> {
    tracing::info!(hostname, dir = %dir.display(), "generating a self-signed certificate");
    let names = vec![hostname.to_string(), "localhost".to_string()];
    let certified = rcgen::generate_simple_self_signed(names)?;
    let write = |path: &Path, text: String| {
        std::fs::create_dir_all(dir)
            .and_then(|_| std::fs::write(path, text))
            .map_err(|source| TlsError::Write {
                path: path.into(),
                source,
            })
    };
    write(key_path, certified.signing_key.serialize_pem())?;
    restrict_permissions(key_path);
    write(cert_path, certified.cert.pem())
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
    #[test]
    fn generates_once_then_reuses() {
        let dir = std::env::temp_dir().join(format!("kantor-tls-{}", std::process::id()));
        super::server_config(None, &dir, "mail.example.com").unwrap();
        let first = std::fs::read(dir.join("cert.pem")).unwrap();
        super::server_config(None, &dir, "mail.example.com").unwrap();
        assert_eq!(std::fs::read(dir.join("cert.pem")).unwrap(), first);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
