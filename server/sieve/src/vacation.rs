//! The JMAP VacationResponse (RFC 8621 §8) answered at delivery as a Sieve vacation action
//! (RFC 5230): the stored response becomes a one-line script, run by the same interpreter as
//! the user's own, so both follow the same rules (never to lists, bounces or automatic
//! messages, RFC 3834 §2; once per sender and period, remembered in the store).

use crate::Rules;
use kantor_store::{AccountId, Mail, Vacation};
use sieve::Sieve;
use std::sync::Arc;

/// A Sieve string literal (RFC 5228 §2.4.2): `"` and `\` escaped.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The Sieve script that answers as `vacation` does, once per sender every `days` days.
pub fn vacation_script(vacation: &Vacation, days: u64) -> String {
    let mut script = format!("require \"vacation\";\nvacation :days {}", days.max(1));
    if let Some(subject) = vacation.subject.as_deref().filter(|s| !s.is_empty()) {
        script.push_str(" :subject ");
        script.push_str(&quoted(subject));
    }
    let text = vacation
        .text_body
        .as_deref()
        .or(vacation.html_body.as_deref())
        .unwrap_or("");
    script.push(' ');
    script.push_str(&quoted(text));
    script.push_str(";\n");
    script
}

impl Rules {
    /// The compiled script of the account's VacationResponse when it is on now.
    pub(crate) fn vacation_of(&self, mail: &Mail, account: AccountId) -> Option<Arc<Sieve>> {
        let vacation = mail.vacation(account).ok()?;
        let now = chrono::Utc::now().timestamp();
        let on = vacation.enabled
            && vacation.from_date.is_none_or(|from| from <= now)
            && vacation.to_date.is_none_or(|to| now < to);
        if !on {
            return None;
        }
        let text = vacation_script(&vacation, self.config.vacation_default_days);
        // Cached under the account's id negated, apart from the stored scripts' ids.
        let stored = kantor_store::SieveScript {
            id: -account,
            name: "vacation".into(),
            content: text,
            active: true,
        };
        match self.compiled(&stored) {
            Ok(script) => Some(script),
            Err(e) => {
                tracing::warn!(account, error = %e, "sieve: vacation response does not compile");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_response_becomes_a_script_that_compiles() {
        let vacation = Vacation {
            enabled: true,
            subject: Some("Away \"now\"".into()),
            text_body: Some("Back on Monday.\\ Really.".into()),
            ..Vacation::default()
        };
        let script = vacation_script(&vacation, 7);
        assert_eq!(
            script,
            "require \"vacation\";\nvacation :days 7 :subject \"Away \\\"now\\\"\" \"Back on Monday.\\\\ Really.\";\n"
        );
        let rules = Rules::new(&kantor_config::SieveConfig::default(), "mx.example.com");
        rules.check(script.as_bytes()).unwrap();
    }
}
