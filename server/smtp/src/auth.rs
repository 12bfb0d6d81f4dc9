//! AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN, on submission listeners over TLS only.
//! The command table has already refused AUTH on the MX listener, before EHLO, twice, inside a
//! transaction and without TLS (538 5.7.11).

use crate::replies;
use crate::session::{End, Session};
use kantor_directory::AuthOutcome;
use kantor_smtp_proto::{
    AUTH_LINE_MAX, AuthMechanism, LOGIN_PASSWORD_PROMPT, LOGIN_USERNAME_PROMPT, ParseError, Reply,
    decode_login_response, decode_plain,
};

impl Session {
    /// Runs the SASL exchange, then checks the credentials with the directory (which throttles
    /// repeated failures per IP and per account).
    pub(crate) async fn auth(
        &mut self,
        mechanism: AuthMechanism,
        initial_response: Option<String>,
    ) -> Result<(), End> {
        let credentials = match mechanism {
            AuthMechanism::Plain => self.plain(initial_response).await?,
            AuthMechanism::Login => self.login(initial_response).await?,
            AuthMechanism::Other(_) => Err(Reply::auth_mechanism_unsupported()),
        };
        let (user, password) = match credentials {
            Ok(credentials) => credentials,
            Err(reply) => {
                self.reply(reply);
                return Ok(());
            }
        };
        let ip = self.conn.peer.ip();
        let reply = match self.ctx.directory.authenticate(&user, &password, ip).await {
            AuthOutcome::Success(account) => {
                tracing::info!(user = %account.address(), "authenticated");
                self.account = Some(account);
                Reply::auth_succeeded()
            }
            AuthOutcome::Failed => Reply::auth_failed(),
            AuthOutcome::Throttled { .. } => replies::auth_throttled(),
            AuthOutcome::Disabled => replies::account_disabled(),
        };
        self.reply(reply);
        Ok(())
    }

    /// PLAIN (RFC 4616 §2): the initial response, or the answer to an empty `334` challenge.
    /// An authorization identity other than the authentication identity is refused: users act
    /// only as themselves.
    async fn plain(
        &mut self,
        initial_response: Option<String>,
    ) -> Result<Result<(String, String), Reply>, End> {
        let response = match initial_response {
            Some(response) => response,
            None => match self.challenge("").await? {
                Ok(line) => match String::from_utf8(line) {
                    Ok(line) => line,
                    Err(_) => return Ok(Err(ParseError::Base64.reply())),
                },
                Err(reply) => return Ok(Err(reply)),
            },
        };
        let credentials = match decode_plain(&response) {
            Ok(credentials) => credentials,
            Err(e) => return Ok(Err(e.reply())),
        };
        if credentials
            .authzid
            .as_ref()
            .is_some_and(|z| !z.eq_ignore_ascii_case(&credentials.authcid))
        {
            tracing::warn!(authcid = %credentials.authcid, "AUTH PLAIN with a foreign authzid");
            return Ok(Err(Reply::auth_failed()));
        }
        Ok(Ok((credentials.authcid, credentials.password)))
    }

    /// LOGIN: `334 VXNlcm5hbWU6` then `334 UGFzc3dvcmQ6`; an initial response, if given, is the
    /// user name.
    async fn login(
        &mut self,
        initial_response: Option<String>,
    ) -> Result<Result<(String, String), Reply>, End> {
        let user = match initial_response.filter(|r| !r.is_empty()) {
            Some(response) => decode_login_response(response.as_bytes()),
            None => match self.challenge(LOGIN_USERNAME_PROMPT).await? {
                Ok(line) => decode_login_response(&line),
                Err(reply) => return Ok(Err(reply)),
            },
        };
        let user = match user {
            Ok(user) => user,
            Err(e) => return Ok(Err(e.reply())),
        };
        let password = match self.challenge(LOGIN_PASSWORD_PROMPT).await? {
            Ok(line) => decode_login_response(&line),
            Err(reply) => return Ok(Err(reply)),
        };
        match password {
            Ok(password) => Ok(Ok((user, password))),
            Err(e) => Ok(Err(e.reply())),
        }
    }

    /// Sends a `334` challenge and reads the client's response line (RFC 4954 §4).
    async fn challenge(&mut self, text: &str) -> Result<Result<Vec<u8>, Reply>, End> {
        self.reply(Reply::auth_challenge(text));
        self.read_line(AUTH_LINE_MAX).await
    }
}
