//! DANE for SMTP (RFC 7672): a server's certificate checked against the DNSSEC-authenticated
//! TLSA records of its MX host. DANE-EE (3) records match the end-entity certificate alone
//! (names and dates not checked, §3.1.1); DANE-TA (2) records match a certificate of the chain
//! the server sent, which then anchors the usual chain check with the MX host's name (§3.1.2,
//! §3.2.2). PKIX-TA (0) and PKIX-EE (1) records are unusable for SMTP (§3.1.3).

use kantor_dns::Tlsa;
use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use std::sync::Arc;

/// The records DANE can use (§3.1.3): DANE-TA and DANE-EE with a known selector and matching
/// type.
pub(crate) fn usable(records: Vec<Tlsa>) -> Vec<Tlsa> {
    records
        .into_iter()
        .filter(|r| matches!(r.usage, 2 | 3) && r.selector <= 1 && r.matching <= 2)
        .collect()
}

/// Whether `cert` (DER) matches `record`'s selector and matching type (RFC 6698 §2.1.2-3).
fn matches(record: &Tlsa, cert: &[u8]) -> bool {
    let selected = match record.selector {
        0 => cert,
        _ => match spki(cert) {
            Some(spki) => spki,
            None => return false,
        },
    };
    match record.matching {
        0 => selected == record.data.as_slice(),
        1 => ring::digest::digest(&ring::digest::SHA256, selected).as_ref() == record.data,
        _ => ring::digest::digest(&ring::digest::SHA512, selected).as_ref() == record.data,
    }
}

/// Checks a server's chain against usable `records` for the MX host `name`. A chain none of
/// whose certificates matches a record fails with `tlsa-invalid` (RFC 8460 §4.3); one anchored
/// by a DANE-TA record but not valid under it (§3.1.2: a name it does not carry, expired) fails
/// with the chain check's error, so that the report says which (`certificate-host-mismatch`,
/// `certificate-expired`, ...).
pub(crate) fn verify(
    records: &[Tlsa],
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    name: &ServerName<'_>,
    now: UnixTime,
) -> Result<(), rustls::Error> {
    if records
        .iter()
        .any(|r| r.usage == 3 && matches(r, end_entity))
    {
        return Ok(());
    }
    let mut anchored = None;
    for anchor in intermediates
        .iter()
        .chain(std::iter::once(end_entity))
        .filter(|c| records.iter().any(|r| r.usage == 2 && matches(r, c)))
    {
        let mut roots = RootCertStore::empty();
        if roots.add(anchor.clone()).is_err() {
            continue;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let Ok(verifier) =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider).build()
        else {
            continue;
        };
        match verifier.verify_server_cert(end_entity, intermediates, name, &[], now) {
            Ok(_) => return Ok(()),
            Err(e) => anchored = anchored.or(Some(e)),
        }
    }
    Err(anchored.unwrap_or_else(super::verify::tlsa_invalid))
}

/// The SubjectPublicKeyInfo of a DER certificate (RFC 5280 §4.1): the seventh field of the
/// TBSCertificate, counting the optional version.
fn spki(cert: &[u8]) -> Option<&[u8]> {
    let (certificate, _) = der(cert)?;
    let (tbs, _) = der(content(certificate)?)?;
    let mut rest = content(tbs)?;
    // [0] version (optional), serial, signature, issuer, validity, subject, then the SPKI.
    if rest.first() == Some(&0xa0) {
        rest = der(rest)?.1;
    }
    for _ in 0..5 {
        rest = der(rest)?.1;
    }
    der(rest).map(|(spki, _)| spki)
}

/// The first DER element of `input` (tag, length, content) and what follows it.
fn der(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let first = *input.get(1)?;
    let (length, header) = match first {
        0..=0x7f => (first as usize, 2),
        0x81..=0x84 => {
            let n = (first & 0x7f) as usize;
            let bytes = input.get(2..2 + n)?;
            (
                bytes.iter().fold(0usize, |l, b| (l << 8) | *b as usize),
                2 + n,
            )
        }
        _ => return None,
    };
    let end = header.checked_add(length)?;
    (end <= input.len()).then(|| (&input[..end], &input[end..]))
}

/// The content of a DER element (after its tag and length).
fn content(element: &[u8]) -> Option<&[u8]> {
    let header = match element.get(1)? {
        0..=0x7f => 2,
        l => 2 + (l & 0x7f) as usize,
    };
    element.get(header..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spki_is_found_and_matched() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["mx.example".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let der = cert.der().to_vec();
        let public = rcgen::PublicKeyData::subject_public_key_info(&key);
        assert_eq!(spki(&der), Some(public.as_slice()));
        let sha256 = ring::digest::digest(&ring::digest::SHA256, &public);
        let record = |usage, selector, matching, data: &[u8]| Tlsa {
            usage,
            selector,
            matching,
            data: data.to_vec(),
        };
        assert!(matches(&record(3, 1, 1, sha256.as_ref()), &der));
        assert!(matches(&record(3, 0, 0, &der), &der));
        assert!(!matches(&record(3, 1, 1, &[0; 32]), &der));
        let name = ServerName::try_from("mx.example").unwrap();
        let ee = CertificateDer::from(der.clone());
        assert!(
            verify(
                &[record(3, 1, 1, sha256.as_ref())],
                &ee,
                &[],
                &name,
                UnixTime::now()
            )
            .is_ok()
        );
        assert!(
            verify(
                &[record(3, 1, 1, &[1; 32])],
                &ee,
                &[],
                &name,
                UnixTime::now()
            )
            .is_err()
        );
        assert_eq!(
            usable(vec![record(1, 1, 1, &[]), record(3, 1, 1, &[])]).len(),
            1
        );
    }
}
