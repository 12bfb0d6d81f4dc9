//! DKIM keys of local domains (RFC 6376 §3.6.1, RFC 8463): an RSA-2048 and an Ed25519 key per
//! domain, made when the domain is added (and at start for a domain without them), and the DNS
//! records the domain needs (`kantor admin domain dns`): MX, SPF, the DKIM keys, DMARC, TLS-RPT
//! and the client-configuration SRV records, as zone-file lines.

use crate::{Directory, DirectoryError};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kantor_store::DkimKey;

/// The selectors of the keys made for each domain.
pub const RSA_SELECTOR: &str = "kantor-rsa";
pub const ED25519_SELECTOR: &str = "kantor-ed25519";

fn failed(what: &str) -> DirectoryError {
    DirectoryError::Invalid(format!("cannot make a {what} key"))
}

/// A new RSA-2048 key: PKCS#8, and the SubjectPublicKeyInfo for `p=` (RFC 6376 §3.6.1).
fn rsa_key() -> Result<DkimKey, DirectoryError> {
    let pair = aws_lc_rs::rsa::KeyPair::generate(KeySize::Rsa2048).map_err(|_| failed("RSA"))?;
    let private =
        AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).map_err(|_| failed("RSA"))?;
    let public = AsDer::<aws_lc_rs::encoding::PublicKeyX509Der>::as_der(pair.public_key())
        .map_err(|_| failed("RSA"))?;
    Ok(DkimKey {
        selector: RSA_SELECTOR.into(),
        algorithm: "rsa-sha256".into(),
        private_key: private.as_ref().to_vec(),
        public_key: STANDARD.encode(public.as_ref()),
        created_at: 0,
    })
}

/// A new Ed25519 key: PKCS#8 (v2, with the public key), and the raw public key for `p=`
/// (RFC 8463 §4).
fn ed25519_key() -> Result<DkimKey, DirectoryError> {
    let document =
        Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| failed("Ed25519"))?;
    let pair = Ed25519KeyPair::from_pkcs8(document.as_ref()).map_err(|_| failed("Ed25519"))?;
    Ok(DkimKey {
        selector: ED25519_SELECTOR.into(),
        algorithm: "ed25519-sha256".into(),
        private_key: document.as_ref().to_vec(),
        public_key: STANDARD.encode(pair.public_key().as_ref()),
        created_at: 0,
    })
}

impl Directory {
    /// Makes the keys a local domain lacks; the keys it has then.
    pub async fn ensure_dkim_keys(&self, domain: &str) -> Result<Vec<DkimKey>, DirectoryError> {
        let domain = self.domain(domain)?.name;
        let have = self.store().dkim_keys(&domain)?;
        for (selector, make) in [
            (
                RSA_SELECTOR,
                rsa_key as fn() -> Result<DkimKey, DirectoryError>,
            ),
            (ED25519_SELECTOR, ed25519_key),
        ] {
            if !have.iter().any(|k| k.selector == selector) {
                let key = tokio::task::spawn_blocking(make)
                    .await
                    .map_err(|_| failed(selector))??;
                self.store().add_dkim_key(&domain, key).await?;
            }
        }
        Ok(self.store().dkim_keys(&domain)?)
    }

    /// The keys of a local domain (none when it is not one of ours).
    pub fn dkim_keys(&self, domain: &str) -> Vec<DkimKey> {
        self.store()
            .dkim_keys(&domain.to_ascii_lowercase())
            .unwrap_or_default()
    }

    /// Every DNS record `domain` needs for mail served by `hostname`, as zone-file lines;
    /// `mta_sts` is the MTA-STS policy the server publishes for it (RFC 8461 §3) and its id,
    /// which the `_mta-sts` record announces (it must change with the policy).
    pub async fn dns_records(
        &self,
        domain: &str,
        hostname: &str,
        mta_sts: (&str, &str),
    ) -> Result<Vec<String>, DirectoryError> {
        let keys = self.ensure_dkim_keys(domain).await?;
        let domain = self.domain(domain)?.name;
        let mut lines = vec![
            format!("; DNS records for {domain}, mail served by {hostname}"),
            format!("{domain}.\t3600\tIN\tMX\t10 {hostname}."),
            format!("{domain}.\t3600\tIN\tTXT\t\"v=spf1 mx -all\""),
        ];
        for key in &keys {
            let k = if key.algorithm.starts_with("ed25519") {
                "ed25519"
            } else {
                "rsa"
            };
            let value = format!("v=DKIM1; k={k}; p={}", key.public_key);
            lines.push(format!(
                "{}._domainkey.{domain}.\t3600\tIN\tTXT\t{}",
                key.selector,
                quoted(&value)
            ));
        }
        lines.extend([
            format!("_dmarc.{domain}.\t3600\tIN\tTXT\t\"v=DMARC1; p=quarantine; rua=mailto:postmaster@{domain}\""),
            // RFC 8461 §3: the policy host (its certificate must name it) and the policy's id.
            format!("mta-sts.{domain}.\t3600\tIN\tCNAME\t{hostname}."),
            format!("_mta-sts.{domain}.\t3600\tIN\tTXT\t\"v=STSv1; id={}\"", mta_sts.1),
            format!("_smtp._tls.{domain}.\t3600\tIN\tTXT\t\"v=TLSRPTv1; rua=mailto:postmaster@{domain}\""),
            format!("_submissions._tcp.{domain}.\t3600\tIN\tSRV\t0 1 465 {hostname}."),
            format!("_submission._tcp.{domain}.\t3600\tIN\tSRV\t0 1 587 {hostname}."),
            format!("_imaps._tcp.{domain}.\t3600\tIN\tSRV\t0 1 993 {hostname}."),
            format!("_pop3s._tcp.{domain}.\t3600\tIN\tSRV\t10 1 995 {hostname}."),
            format!("_jmap._tcp.{domain}.\t3600\tIN\tSRV\t0 1 443 {hostname}."),
            format!("; served at https://mta-sts.{domain}/.well-known/mta-sts.txt ([mta_sts]):"),
        ]);
        lines.extend(mta_sts.0.lines().map(|l| format!(";   {l}")));
        Ok(lines)
    }
}

/// A TXT value as zone-file strings of at most 255 octets each (RFC 1035 §3.3.14).
fn quoted(value: &str) -> String {
    value
        .as_bytes()
        .chunks(255)
        .map(|c| format!("\"{}\"", String::from_utf8_lossy(c)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_what_dkim_records_carry() {
        let rsa = rsa_key().unwrap();
        // A 2048-bit SubjectPublicKeyInfo is 294 octets.
        assert_eq!(STANDARD.decode(&rsa.public_key).unwrap().len(), 294);
        let ed = ed25519_key().unwrap();
        assert_eq!(STANDARD.decode(&ed.public_key).unwrap().len(), 32);
        assert!(Ed25519KeyPair::from_pkcs8(&ed.private_key).is_ok());
        assert_eq!(quoted(&"x".repeat(300)).matches('"').count(), 4);
    }
}
