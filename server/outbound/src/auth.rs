//! AUTH on the client side (RFC 4954) for a relay: PLAIN (RFC 4616) when the server offers it,
//! else LOGIN, only over TLS unless the relay is configured without it.

use crate::client::{Client, ClientError, Reply};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

impl Client {
    /// Whether the server lists `mechanism` after AUTH in its EHLO reply.
    fn offers_auth(&self, mechanism: &str) -> bool {
        self.extensions.iter().any(|e| {
            let mut words = e.split_whitespace();
            words.next().is_some_and(|k| k.eq_ignore_ascii_case("AUTH"))
                && words.any(|m| m.eq_ignore_ascii_case(mechanism))
        })
    }

    /// Authenticates as `user`; the server's final reply (235 on success).
    pub async fn authenticate(&mut self, user: &str, password: &str) -> Result<Reply, ClientError> {
        if self.offers_auth("PLAIN") || !self.offers_auth("LOGIN") {
            let token = STANDARD.encode(format!("\0{user}\0{password}"));
            return self.command(&format!("AUTH PLAIN {token}")).await;
        }
        let first = self.command("AUTH LOGIN").await?;
        if first.code != 334 {
            return Ok(first);
        }
        let second = self.command(&STANDARD.encode(user)).await?;
        if second.code != 334 {
            return Ok(second);
        }
        self.command(&STANDARD.encode(password)).await
    }
}
