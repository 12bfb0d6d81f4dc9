//! A minimal HTTP/1.1 keep-alive client over a [`Wire`] (TCP or TLS): GET and POST with HTTP
//! Basic credentials, responses with a Content-Length or chunked body (RFC 9112 §6, §7.1).
//! Enough to drive JMAP servers from the load tool, and no more.

use anyhow::{Context, Result, bail};

use crate::wire::Wire;

/// Largest response body accepted.
const MAX_BODY: usize = 64 << 20;

/// One response: status, the headers asked about, body.
pub struct HttpResponse {
    pub status: u16,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// A connection to one server, with the Host and Authorization it sends.
pub struct HttpClient {
    wire: Wire,
    host: String,
    authorization: String,
}

impl HttpClient {
    pub fn new(wire: Wire, host: &str, user: &str, password: &str) -> HttpClient {
        HttpClient {
            wire,
            host: host.to_string(),
            authorization: format!("Basic {}", base64(format!("{user}:{password}").as_bytes())),
        }
    }

    pub async fn get(&mut self, path: &str) -> Result<HttpResponse> {
        self.request("GET", path, None).await
    }

    pub async fn post_json(&mut self, path: &str, body: &[u8]) -> Result<HttpResponse> {
        self.request("POST", path, Some(body)).await
    }

    async fn request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<HttpResponse> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nAccept: application/json\r\n",
            self.host, self.authorization
        );
        if let Some(body) = body {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        out.extend_from_slice(body.unwrap_or_default());
        self.wire.write_all(&out).await?;
        let status_line = self.wire.read_line().await?;
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("not an HTTP status line: {status_line:?}"))?;
        let (mut length, mut chunked, mut location) = (None, false, None);
        loop {
            let line = self.wire.read_line().await?;
            if line.is_empty() {
                break;
            }
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse::<usize>().ok(),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "location" => location = Some(value.to_string()),
                _ => {}
            }
        }
        let body = match (chunked, length) {
            (true, _) => self.chunked().await?,
            (false, Some(n)) if n <= MAX_BODY => self.wire.read_bytes(n).await?,
            (false, Some(n)) => bail!("a body of {n} bytes"),
            (false, None) => Vec::new(),
        };
        Ok(HttpResponse {
            status,
            location,
            body,
        })
    }

    async fn chunked(&mut self) -> Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let size_line = self.wire.read_line().await?;
            let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                .with_context(|| format!("bad chunk size {size_line:?}"))?;
            if size == 0 {
                // Trailers, then the blank line.
                while !self.wire.read_line().await?.is_empty() {}
                return Ok(body);
            }
            if body.len() + size > MAX_BODY {
                bail!("a body over {MAX_BODY} bytes");
            }
            body.extend(self.wire.read_bytes(size).await?);
            self.wire.read_line().await?;
        }
    }
}

pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_of_credentials() {
        assert_eq!(
            super::base64(b"u1@bench.test:pass"),
            "dTFAYmVuY2gudGVzdDpwYXNz"
        );
        assert_eq!(super::base64(b"ab"), "YWI=");
    }
}
