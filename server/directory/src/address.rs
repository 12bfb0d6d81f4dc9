//! Mail addresses and domain names as the directory stores them: the domain lowercased, the
//! local part kept as given but compared case-insensitively (as Exchange and Zimbra do).

use std::fmt;

/// `local@domain`. An empty `local` stands for a domain's catch-all (`@domain`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    pub local: String,
    pub domain: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("malformed address {0:?}: expected local@domain")]
    Malformed(String),
    #[error("malformed domain name {0:?}")]
    Domain(String),
}

impl Address {
    /// Parses `local@domain` (RFC 5321 §4.1.2 Mailbox, dot-atom local parts, UTF-8 allowed per
    /// RFC 6531). Local parts are at most 64 octets and the whole at most 254 (§4.5.3.1).
    pub fn parse(text: &str) -> Result<Address, AddressError> {
        let text = text.trim();
        let bad = || AddressError::Malformed(text.to_string());
        let (local, domain) = text.rsplit_once('@').ok_or_else(bad)?;
        let domain = normalize_domain(domain).map_err(|_| bad())?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && text.len() <= 254
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| {
                c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c) || !c.is_ascii()
            });
        if !local_ok {
            return Err(bad());
        }
        Ok(Address {
            local: local.to_string(),
            domain,
        })
    }

    /// Parses an address or a catch-all `@domain`.
    pub fn parse_or_catch_all(text: &str) -> Result<Address, AddressError> {
        match text.trim().strip_prefix('@') {
            Some(domain) => Ok(Address {
                local: String::new(),
                domain: normalize_domain(domain)?,
            }),
            None => Address::parse(text),
        }
    }

    pub fn is_catch_all(&self) -> bool {
        self.local.is_empty()
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

/// Normalises and checks a domain name (RFC 1035 §2.3.1 labels; UTF-8 labels allowed, RFC 6531):
/// lowercased, without a trailing dot, and in Unicode whether written with A-labels or U-labels.
pub fn normalize_domain(domain: &str) -> Result<String, AddressError> {
    let trimmed = domain.trim().trim_end_matches('.');
    // One form for a name however it is written: A-labels (`xn--`) become U-labels, and UTS #46
    // maps case and compatibility forms (RFC 5890/5891 with UTS #46 processing).
    let (unicode, valid) = idna::domain_to_unicode(trimmed);
    let domain = if valid.is_ok() {
        unicode
    } else {
        trimmed.to_lowercase()
    };
    let bad = || AddressError::Domain(domain.clone());
    if domain.is_empty() || domain.len() > 253 {
        return Err(bad());
    }
    for label in domain.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-');
        if !ok {
            return Err(bad());
        }
    }
    Ok(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        let a = Address::parse(" Alice.Smith+tag@Example.COM ").unwrap();
        assert_eq!(
            (a.local.as_str(), a.domain.as_str()),
            ("Alice.Smith+tag", "example.com")
        );
        assert_eq!(
            Address::parse("jörg@bücher.de").unwrap().domain,
            "bücher.de"
        );
        let c = Address::parse_or_catch_all("@example.com").unwrap();
        assert!(c.is_catch_all());
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "alice",
            "@",
            "alice@",
            "a..b@x.com",
            ".a@x.com",
            "a@-x.com",
            "a b@x.com",
            "a@x..com",
        ] {
            assert!(Address::parse(bad).is_err(), "{bad}");
        }
        assert!(Address::parse(&format!("{}@x.com", "a".repeat(65))).is_err());
        assert!(normalize_domain("exa_mple.com").is_err());
    }
}
