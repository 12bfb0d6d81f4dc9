//! EHLO and HELO (RFC 5321 §4.1.1.1): the client's name, and the extensions we offer.

use crate::session::{Helo, Session};
use kantor_smtp_proto::{AuthMechanism, EhloCapabilities, Reply};

impl Session {
    /// `EHLO`: resets any transaction (§4.1.4) and lists the extensions. STARTTLS is offered
    /// until TLS is active (RFC 3207 §4.2); AUTH only on submission listeners and only over TLS,
    /// so no password ever crosses the network in clear (RFC 4954 §4, RFC 8314 §3).
    pub(crate) fn ehlo(&mut self, domain: String) {
        self.tx = None;
        let tls = self.conn.is_tls();
        let auth = if self.mode.is_submission() && tls {
            vec![AuthMechanism::Plain, AuthMechanism::Login]
        } else {
            Vec::new()
        };
        let caps = EhloCapabilities {
            pipelining: true,
            size: Some(self.ctx.config.max_message_size),
            eightbitmime: true,
            smtputf8: true,
            enhanced_status_codes: true,
            starttls: !tls,
            auth,
            chunking: true,
            binarymime: true,
            dsn: true,
        };
        let reply = caps.reply(&self.ctx.hostname, &domain);
        self.helo = Some(Helo {
            name: domain,
            extended: true,
        });
        self.reply(reply);
    }

    /// `HELO`: plain SMTP, no extensions (§4.1.1.1); resets any transaction.
    pub(crate) fn helo(&mut self, domain: String) {
        self.tx = None;
        let reply = Reply::helo(&self.ctx.hostname, &domain);
        self.helo = Some(Helo {
            name: domain,
            extended: false,
        });
        self.reply(reply);
    }
}
