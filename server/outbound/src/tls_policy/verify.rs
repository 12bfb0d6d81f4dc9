//! Certificate checks for policies that require authenticated TLS (RFC 8461 §4.2: the Web PKI,
//! the name being the MX host): the trusted roots (Mozilla's, and `[outbound] tls_ca_file`),
//! and a verifier that records whether a server's certificate is valid without failing the
//! handshake, so that one connection serves every mode: `enforce` then sends nothing when it is
//! not, `testing` sends and reports (RFC 8460 §4.3).

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The Web PKI roots and those of `ca_file` (PEM), if any.
pub(crate) fn roots(ca_file: Option<&Path>) -> Result<Arc<RootCertStore>, String> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut found = 0;
        for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
            let cert = cert.map_err(|e| format!("{}: {e}", path.display()))?;
            roots
                .add(cert)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            found += 1;
        }
        if found == 0 {
            return Err(format!("{}: no certificate in it", path.display()));
        }
    }
    Ok(Arc::new(roots))
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A client configuration that verifies servers against `roots` (HTTPS: policy fetches and
/// report uploads).
pub(crate) fn verifying(roots: Arc<RootCertStore>) -> Arc<ClientConfig> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// The verifier of the Web PKI over `roots`.
pub(crate) fn webpki(roots: Arc<RootCertStore>) -> Result<Arc<WebPkiServerVerifier>, String> {
    WebPkiServerVerifier::builder_with_provider(roots, provider())
        .build()
        .map_err(|e| e.to_string())
}

/// Verifies a server's certificate and records the verdict, accepting the handshake whatever it
/// is (its signatures are still checked). One per connection.
/// With DANE's usable TLSA records of the host, they decide instead of the Web PKI.
#[derive(Debug)]
pub(crate) struct Probe {
    inner: Arc<WebPkiServerVerifier>,
    pub dane: Option<Vec<kantor_dns::Tlsa>>,
    /// With DANE, the other names a DANE-TA chain may be issued to besides the host's (RFC
    /// 7672 §3.2.2: the TLSA base domain an MX host's CNAME aliases expand to).
    references: Vec<String>,
    verdict: Mutex<Option<Result<(), rustls::Error>>>,
}

impl Probe {
    pub fn new(
        inner: Arc<WebPkiServerVerifier>,
        dane: Option<Vec<kantor_dns::Tlsa>>,
        references: Vec<String>,
    ) -> Arc<Probe> {
        Arc::new(Probe {
            inner,
            dane,
            references,
            verdict: Mutex::new(None),
        })
    }

    /// A client configuration for one connection through this probe (a fresh one, so that no
    /// session is resumed and the certificate is always seen).
    pub fn config(self: &Arc<Self>) -> Arc<ClientConfig> {
        let config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .dangerous()
            .with_custom_certificate_verifier(self.clone())
            .with_no_client_auth();
        Arc::new(config)
    }

    /// The certificate's verdict: None when valid, else the TLS-RPT result type (RFC 8460
    /// §4.3.2) of the failure; a connection without a certificate seen is a failure.
    pub fn failure(&self) -> Option<&'static str> {
        let verdict = self.verdict.lock().unwrap_or_else(|e| e.into_inner());
        match &*verdict {
            Some(Ok(())) => None,
            Some(Err(e)) => Some(result_type(e)),
            None => Some("validation-failure"),
        }
    }

    /// The certificate's error as text (RFC 8460 §4.4 `failure-reason-code`), None when it
    /// was valid.
    pub fn reason(&self) -> Option<String> {
        let verdict = self.verdict.lock().unwrap_or_else(|e| e.into_inner());
        match &*verdict {
            Some(Ok(())) => None,
            Some(Err(e)) => Some(reason(e)),
            None => Some("no server certificate was seen".into()),
        }
    }
}

/// The text of a certificate error, the same for every session with the same certificate (so
/// that they are counted together): rustls's, without the time of the check it gives for an
/// expired certificate or one not yet valid.
pub(crate) fn reason(error: &rustls::Error) -> String {
    match error {
        rustls::Error::InvalidCertificate(CertificateError::ExpiredContext {
            not_after, ..
        }) => {
            format!(
                "invalid peer certificate: expired (not valid after {} UNIX)",
                not_after.as_secs()
            )
        }
        rustls::Error::InvalidCertificate(CertificateError::NotValidYetContext {
            not_before,
            ..
        }) => format!(
            "invalid peer certificate: not valid yet (not valid before {} UNIX)",
            not_before.as_secs()
        ),
        rustls::Error::InvalidCertificate(CertificateError::ExpiredRevocationListContext {
            ..
        }) => "invalid peer certificate: certificate revocation list expired".into(),
        rustls::Error::General(e) if e == "tlsa-invalid" => {
            "no TLSA record matches the certificate chain (RFC 7672 §2.2)".into()
        }
        other => other.to_string(),
    }
}

/// The RFC 8460 §4.3 result type of a certificate error: a name the certificate does not carry
/// is `certificate-host-mismatch`, a certificate past its end `certificate-expired`, a chain
/// that leads to no trusted anchor (or one whose links, purpose or constraints are wrong)
/// `certificate-not-trusted`, TLSA records none of which match `tlsa-invalid`, anything else
/// (a certificate not yet valid, one that cannot be parsed) `validation-failure`.
pub(crate) fn result_type(error: &rustls::Error) -> &'static str {
    match error {
        rustls::Error::InvalidCertificate(e) => match e {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "certificate-host-mismatch"
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "certificate-expired"
            }
            CertificateError::UnknownIssuer
            | CertificateError::BadSignature
            | CertificateError::Revoked
            | CertificateError::InvalidPurpose
            | CertificateError::InvalidPurposeContext { .. }
            | CertificateError::UnhandledCriticalExtension
            | CertificateError::Other(_) => "certificate-not-trusted",
            _ => "validation-failure",
        },
        rustls::Error::NoCertificatesPresented => "certificate-not-trusted",
        rustls::Error::General(e) if e == "tlsa-invalid" => "tlsa-invalid",
        _ => "validation-failure",
    }
}

/// The error of TLSA records none of which match (RFC 8460 §4.3: `tlsa-invalid`).
pub(crate) fn tlsa_invalid() -> rustls::Error {
    rustls::Error::General("tlsa-invalid".into())
}

impl ServerCertVerifier for Probe {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = match &self.dane {
            Some(records) => {
                let names = self
                    .references
                    .iter()
                    .filter_map(|n| ServerName::try_from(n.clone()).ok());
                let mut verdicts =
                    std::iter::once(server_name.to_owned())
                        .chain(names)
                        .map(|name| {
                            super::dane::verify(records, end_entity, intermediates, &name, now)
                        });
                // The first name that passes; else the failure of the host's own name.
                let first = verdicts.next().unwrap_or_else(|| Err(tlsa_invalid()));
                match first {
                    Ok(()) => Ok(()),
                    Err(e) => verdicts.find(Result::is_ok).unwrap_or(Err(e)),
                }
            }
            None => self
                .inner
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                .map(|_| ()),
        };
        *self.verdict.lock().unwrap_or_else(|e| e.into_inner()) = Some(verdict);
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, PublicKeyData};

    /// RFC 7672 §3.2.2: a DANE-TA chain issued to the name an MX host's CNAME expands to (the
    /// TLSA base domain) is accepted through the probe's references, and refused without.
    #[test]
    fn dane_ta_accepts_the_tlsa_base_domain_as_a_reference() {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, &ca_key);
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["mail.provider.example".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        let spki = ca_key.subject_public_key_info();
        let digest = ring::digest::digest(&ring::digest::SHA256, &spki);
        let record = kantor_dns::Tlsa {
            usage: 2,
            selector: 1,
            matching: 1,
            data: digest.as_ref().to_vec(),
        };
        let webpki = webpki(Arc::new({
            let mut roots = RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            roots
        }))
        .unwrap();
        let chain = [CertificateDer::from(ca.der().to_vec())];
        let end_entity = CertificateDer::from(leaf.der().to_vec());
        let host = ServerName::try_from("mx.customer.example").unwrap();
        let verdict = |references: Vec<String>| {
            let probe = Probe::new(webpki.clone(), Some(vec![record.clone()]), references);
            probe
                .verify_server_cert(&end_entity, &chain, &host, &[], UnixTime::now())
                .unwrap();
            probe.failure()
        };
        // Anchored by the record, but not issued to the host (RFC 8460 §4.3).
        assert_eq!(verdict(vec![]), Some("certificate-host-mismatch"));
        assert_eq!(verdict(vec!["mail.provider.example".into()]), None);
        assert_eq!(
            verdict(vec!["other.example".into()]),
            Some("certificate-host-mismatch")
        );
    }

    /// A test CA, its DANE-TA record (`2 1 1`, RFC 7672 §3.1.2), and a leaf it issues for
    /// `name` valid from `not_before` to `not_after` (DER).
    fn ca_and_leaf(
        name: &str,
        not_before: (i32, u8, u8),
        not_after: (i32, u8, u8),
    ) -> (
        kantor_dns::Tlsa,
        CertificateDer<'static>,
        CertificateDer<'static>,
    ) {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, &ca_key);
        let leaf_key = KeyPair::generate().unwrap();
        let mut leaf_params = CertificateParams::new(vec![name.to_string()]).unwrap();
        leaf_params.not_before = rcgen::date_time_ymd(not_before.0, not_before.1, not_before.2);
        leaf_params.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
        let digest = ring::digest::digest(&ring::digest::SHA256, &ca_key.subject_public_key_info());
        let record = kantor_dns::Tlsa {
            usage: 2,
            selector: 1,
            matching: 1,
            data: digest.as_ref().to_vec(),
        };
        (
            record,
            CertificateDer::from(ca.der().to_vec()),
            CertificateDer::from(leaf.der().to_vec()),
        )
    }

    fn mozilla() -> Arc<WebPkiServerVerifier> {
        webpki(Arc::new({
            let mut roots = RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            roots
        }))
        .unwrap()
    }

    /// The result type of one handshake's certificate through a probe.
    fn probed(
        dane: Option<Vec<kantor_dns::Tlsa>>,
        leaf: &CertificateDer<'_>,
        chain: &[CertificateDer<'_>],
        host: &str,
    ) -> Option<&'static str> {
        let probe = Probe::new(mozilla(), dane, vec![]);
        let name = ServerName::try_from(host.to_string()).unwrap();
        probe
            .verify_server_cert(leaf, chain, &name, &[], UnixTime::now())
            .unwrap();
        probe.failure()
    }

    /// RFC 8460 §4.3 through DANE-TA (RFC 7672 §3.1.2): a chain the record anchors is
    /// accepted; one past its end is `certificate-expired`; one of another CA, which no record
    /// matches, `tlsa-invalid`; without DANE, the Web PKI does not know the test CA:
    /// `certificate-not-trusted`.
    #[test]
    fn dane_ta_results_are_named() {
        let (record, ca, leaf) = ca_and_leaf("mx.ta.test", (2020, 1, 1), (2090, 1, 1));
        let dane = Some(vec![record.clone()]);
        let chain = [ca.clone()];
        assert_eq!(probed(dane.clone(), &leaf, &chain, "mx.ta.test"), None);
        let (_, old_ca, old) = ca_and_leaf("mx.ta.test", (2020, 1, 1), (2021, 1, 1));
        let (other_record, ..) = ca_and_leaf("mx.ta.test", (2020, 1, 1), (2090, 1, 1));
        assert_eq!(
            probed(dane.clone(), &old, &[old_ca], "mx.ta.test"),
            Some("tlsa-invalid")
        );
        let (old_record, old_ca, old) = ca_and_leaf("mx.ta.test", (2020, 1, 1), (2021, 1, 1));
        assert_eq!(
            probed(Some(vec![old_record]), &old, &[old_ca], "mx.ta.test"),
            Some("certificate-expired")
        );
        assert_eq!(
            probed(Some(vec![other_record]), &leaf, &chain, "mx.ta.test"),
            Some("tlsa-invalid")
        );
        assert_eq!(
            probed(None, &leaf, &chain, "mx.ta.test"),
            Some("certificate-not-trusted")
        );
        // A session without a certificate seen is a failure, never a success.
        assert_eq!(
            Probe::new(mozilla(), dane, vec![]).failure(),
            Some("validation-failure")
        );
    }

    /// Each certificate error is reported under its RFC 8460 §4.3 name.
    #[test]
    fn certificate_errors_map_to_result_types() {
        for (error, name) in [
            (
                CertificateError::NotValidForName,
                "certificate-host-mismatch",
            ),
            (CertificateError::Expired, "certificate-expired"),
            (CertificateError::UnknownIssuer, "certificate-not-trusted"),
            (CertificateError::BadSignature, "certificate-not-trusted"),
            (CertificateError::Revoked, "certificate-not-trusted"),
            (CertificateError::InvalidPurpose, "certificate-not-trusted"),
            (CertificateError::NotValidYet, "validation-failure"),
            (CertificateError::BadEncoding, "validation-failure"),
        ] {
            let shown = format!("{error:?}");
            let found = result_type(&rustls::Error::InvalidCertificate(error));
            assert_eq!(found, name, "{shown}");
        }
        assert_eq!(result_type(&tlsa_invalid()), "tlsa-invalid");
        assert_eq!(
            result_type(&rustls::Error::NoCertificatesPresented),
            "certificate-not-trusted"
        );
        assert_eq!(
            result_type(&rustls::Error::HandshakeNotComplete),
            "validation-failure"
        );
    }

    /// RFC 8460 §4.4 `failure-reason-code`: rustls's text, without the time of the check, so
    /// that the sessions with one certificate are counted together.
    #[test]
    fn certificate_errors_have_stable_reasons() {
        let expired = |now: u64| {
            reason(&rustls::Error::InvalidCertificate(
                CertificateError::ExpiredContext {
                    time: UnixTime::since_unix_epoch(std::time::Duration::from_secs(now)),
                    not_after: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1000)),
                },
            ))
        };
        assert_eq!(expired(2000), expired(3000));
        assert!(expired(2000).contains("expired"), "{}", expired(2000));
        let other = reason(&rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer,
        ));
        assert!(other.contains("UnknownIssuer"), "{other}");
        assert!(reason(&tlsa_invalid()).contains("TLSA"));
    }
}
