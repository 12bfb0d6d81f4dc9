//! An account's out-of-office reply, as the user set it (JMAP VacationResponse). Setting it is
//! an account change: logged and announced like any other, so `/changes` and push see it.

use super::SqliteBackend;
use super::accounts::log_account_updated;
use crate::access::{Actor, Rights, require};
use crate::{AccountId, Result, Vacation};
use rusqlite::{OptionalExtension, params};

impl SqliteBackend {
    /// The account's reply (the default, off, when it never set one).
    pub(super) fn vacation(&self, actor: Actor, account_id: AccountId) -> Result<Vacation> {
        self.read_checked(|c| {
            require(actor, account_id, None, Rights::READ)?;
            Ok(c.prepare_cached(
                "SELECT enabled, from_date, to_date, subject, text_body, html_body
                 FROM vacation WHERE account_id = ?1",
            )?
            .query_row([account_id], |r| {
                Ok(Vacation {
                    enabled: r.get(0)?,
                    from_date: r.get(1)?,
                    to_date: r.get(2)?,
                    subject: r.get(3)?,
                    text_body: r.get(4)?,
                    html_body: r.get(5)?,
                })
            })
            .optional()?
            .unwrap_or_default())
        })
    }

    /// Replaces the account's reply, in one transaction that bumps the account's modseq.
    pub(super) async fn set_vacation(
        &self,
        actor: Actor,
        account_id: AccountId,
        vacation: Vacation,
    ) -> Result<()> {
        require(actor, account_id, None, Rights::WRITE)?;
        self.write(move |ctx| {
            ctx.conn()
                .prepare_cached(
                    "INSERT OR REPLACE INTO vacation
                     (account_id, enabled, from_date, to_date, subject, text_body, html_body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    account_id,
                    vacation.enabled,
                    vacation.from_date,
                    vacation.to_date,
                    vacation.subject,
                    vacation.text_body,
                    vacation.html_body
                ])?;
            log_account_updated(ctx, account_id)?;
            Ok(())
        })
        .await
    }
}
