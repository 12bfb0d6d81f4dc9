//! A server to measure that the tool logs in to: `NAME=HOST:PORT[,tls][,user=A][,password=P]`
//! (`jmap`, `relay`).

use anyhow::{Result, bail};

/// One server under test, with how to reach it and, optionally, whom to log in as.
#[derive(Debug, Clone)]
pub struct LoginTarget {
    /// The name in reports.
    pub name: String,
    /// HOST:PORT, on loopback.
    pub addr: String,
    /// Implicit TLS (certificate not verified).
    pub tls: bool,
    /// The user to log in as, when it differs from the command's default (or there is none).
    pub user: Option<String>,
    /// That user's password.
    pub password: Option<String>,
}

/// Parses `NAME=HOST:PORT[,tls][,user=A][,password=P]`.
pub fn parse(spec: &str) -> Result<LoginTarget> {
    let Some((name, rest)) = spec.split_once('=') else {
        bail!("expected NAME=HOST:PORT[,tls][,user=A][,password=P]");
    };
    let mut parts = rest.split(',');
    let mut target = LoginTarget {
        name: name.to_string(),
        addr: parts.next().unwrap_or_default().to_string(),
        tls: false,
        user: None,
        password: None,
    };
    for part in parts {
        match part.split_once('=') {
            None if part == "tls" => target.tls = true,
            Some(("user", u)) => target.user = Some(u.to_string()),
            Some(("password", p)) => target.password = Some(p.to_string()),
            _ => bail!("unexpected {part:?} after the address"),
        }
    }
    Ok(target)
}

/// [`parse`], the address also given as a URL: `NAME=https://HOST:PORT[/...][,...]` is
/// `NAME=HOST:PORT,tls[,...]`, `http://` the same without `tls`.
pub fn parse_url(spec: &str) -> Result<LoginTarget> {
    let Some((name, rest)) = spec.split_once('=') else {
        return parse(spec);
    };
    let (tls, url) = match (rest.strip_prefix("https://"), rest.strip_prefix("http://")) {
        (Some(url), _) => (true, url),
        (None, Some(url)) => (false, url),
        (None, None) => return parse(spec),
    };
    let (address, options) = url
        .split_once(',')
        .map_or((url, None), |(a, o)| (a, Some(o)));
    let host_port = address.split('/').next().unwrap_or_default();
    let mut target = parse(&format!(
        "{name}={host_port}{}",
        options.map_or(String::new(), |o| format!(",{o}"))
    ))?;
    target.tls |= tls;
    Ok(target)
}

#[cfg(test)]
mod tests {
    #[test]
    fn targets_parse() {
        let t = super::parse("k=127.0.0.1:2465,tls,user=a@b,password=p").unwrap();
        assert_eq!((t.name.as_str(), t.addr.as_str()), ("k", "127.0.0.1:2465"));
        assert!(t.tls);
        assert_eq!(t.user.as_deref(), Some("a@b"));
        assert_eq!(t.password.as_deref(), Some("p"));
        assert!(super::parse("127.0.0.1:1").is_err());
        assert!(super::parse("k=127.0.0.1:1,bogus").is_err());
    }

    #[test]
    fn urls_parse() {
        let t = super::parse_url("k=https://127.0.0.1:2443/jmap,user=a@b").unwrap();
        assert_eq!((t.addr.as_str(), t.tls), ("127.0.0.1:2443", true));
        assert_eq!(t.user.as_deref(), Some("a@b"));
        let t = super::parse_url("k=http://localhost:2080").unwrap();
        assert_eq!((t.addr.as_str(), t.tls), ("localhost:2080", false));
        let t = super::parse_url("k=127.0.0.1:2443,tls").unwrap();
        assert_eq!((t.addr.as_str(), t.tls), ("127.0.0.1:2443", true));
    }
}
