//! A submission's author fields (RFC 6409 §8.1, RFC 5322 §3.6.2): checked by the directory's
//! one rule (`kantor_directory::sending`: own addresses, Send As, Send on Behalf), and the copy
//! of mail sent for someone else in that account's Sent mailbox, when it asked for one.

use crate::replies;
use crate::session::Session;
use kantor_message::authors::Authors;
use kantor_smtp_proto::Reply;
use kantor_store::{Account, AccountId};

impl Session {
    /// Checks From/Sender and Resent-From/Resent-Sender of `message` (the client's header,
    /// without our trace fields) for `account`; returns the accounts that want a Sent copy.
    pub(crate) fn check_authors(
        &self,
        account: &Account,
        message: &[u8],
    ) -> Result<Vec<AccountId>, Reply> {
        let authors = Authors::of(message);
        match self.ctx.directory.check_authors(account, &authors) {
            Ok(Ok(accepted)) => Ok(accepted.copy_to_sent),
            Ok(Err(refusal)) => {
                tracing::warn!(user = %account.address(), %refusal, "author field refused");
                Err(replies::authors_refused(&refusal))
            }
            Err(e) => {
                tracing::error!(error = %e, "directory lookup failed");
                Err(Reply::local_error())
            }
        }
    }

    /// Files `message` (as the user submitted it, with the server's fix-ups) in the Sent
    /// mailbox of each of `accounts` (`Directory::file_sent_copies`).
    pub(crate) async fn copy_to_sent(&self, accounts: &[AccountId], message: &[u8], id: &str) {
        if accounts.is_empty() {
            return;
        }
        if let Ok(blob) = crate::deliver::blob_of(message.into()).await {
            self.ctx
                .directory
                .file_sent_copies(accounts, blob, id)
                .await;
        }
    }
}
