//! What every method call has at hand, and the pieces every method uses: the acting user's
//! store view, the account a call names (the user's own, or another in which they may see a
//! mailbox: `accountNotFound` for any other), ids in the IMAP forms (RFC 8474), states from the
//! account's change counter.

use kantor_jmap_proto::{Id, IdRef, Invocation, MethodError, MethodErrorType};
use kantor_store::{Account, AccountId, Mail, MailboxId, MessageId, SharedAccount, StoreError};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// One request's context for its method calls.
pub(crate) struct Call<'a> {
    pub mail: Mail,
    /// The directory: recipients and send-as rights (EmailSubmission).
    pub directory: &'a kantor_directory::Directory,
    pub account: &'a Account,
    pub limits: &'a kantor_jmap_proto::session::CoreLimits,
    /// The capabilities the request declared in `using`.
    pub using: &'a [String],
    /// The server's name (for the Message-IDs it makes).
    pub hostname: &'a str,
    /// The full-text index, if any.
    pub search: Option<&'a kantor_search::SearchIndex>,
    /// The rules local delivery goes through (EmailSubmission to local recipients).
    pub rules: &'a kantor_sieve::Rules,
    /// Creation ids of the request so far, and the ids they became (RFC 8620 §3.3, §5.3).
    pub created: Mutex<BTreeMap<Id, Id>>,
    /// What the user holds in other accounts, asked of the store once per request (at its
    /// first need) and not again: a right revoked counts at the next request (RFC 8620
    /// §1.6.2).
    pub shared: Mutex<SharedView>,
}

/// The accounts shared with the user and the fingerprints of their rights there, as far as a
/// request has needed them.
#[derive(Default)]
pub(crate) struct SharedView {
    accounts: Option<Arc<Vec<SharedAccount>>>,
    fingerprints: HashMap<AccountId, String>,
}

impl Call<'_> {
    /// The id an `IdRef` names: itself, or what its creation id became earlier in the request.
    pub fn resolve(&self, id: &IdRef) -> Option<Id> {
        id.resolve(&self.created()).cloned()
    }

    /// The creation ids so far (a poisoned lock still holds them).
    pub fn created(&self) -> std::sync::MutexGuard<'_, BTreeMap<Id, Id>> {
        self.created.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the ids a `/set`-like response created, for later calls' `#creationId`s.
    pub fn record_created(&self, response: &Invocation) {
        let Some(Value::Object(created)) = response.arguments.get("created") else {
            return;
        };
        let mut map = self.created();
        for (creation, object) in created {
            let (Ok(creation), Some(id)) = (
                Id::new(creation.as_str()),
                object
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|i| Id::new(i).ok()),
            ) else {
                continue;
            };
            map.insert(creation, id);
        }
    }

    /// The accounts shared with the user ([`Mail::shared_accounts`]), read once per request.
    pub fn shared_accounts(&self) -> Result<Arc<Vec<SharedAccount>>, StoreError> {
        let mut view = self.shared_view();
        if let Some(shared) = &view.accounts {
            return Ok(shared.clone());
        }
        let shared = Arc::new(self.mail.shared_accounts()?);
        view.accounts = Some(shared.clone());
        Ok(shared)
    }

    /// The fingerprint of the user's rights in another's account (`shared::fingerprint`),
    /// read once per request; `None` in their own account.
    fn fingerprint(&self, account: AccountId) -> Result<Option<String>, MethodError> {
        if account == self.account.id {
            return Ok(None);
        }
        if let Some(known) = self.shared_view().fingerprints.get(&account) {
            return Ok(Some(known.clone()));
        }
        let rights = self.mail.mailbox_rights(account).map_err(store_error)?;
        let fingerprint = super::shared::fingerprint(&rights);
        self.shared_view()
            .fingerprints
            .insert(account, fingerprint.clone());
        Ok(Some(fingerprint))
    }

    fn shared_view(&self) -> std::sync::MutexGuard<'_, SharedView> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets what was read of the shared accounts: after a call that may have changed them
    /// (Mailbox/set in another's account), the next need reads them again.
    pub fn forget_shared_accounts(&self) {
        *self.shared_view() = SharedView::default();
    }

    /// The account a call names: the user's own, or another one in which the store says they
    /// may see a mailbox (RFC 8620 §1.6.2; decided once per request, so a revoked right counts
    /// at the next one). Whatever the method then does there, the store checks per mailbox.
    pub fn account(&self, id: &Id) -> Result<AccountId, MethodError> {
        if id.as_str() == account_id(self.account.id) {
            return Ok(self.account.id);
        }
        let Some(n) = number_of(id, 'A') else {
            return Err(self.not_found(id));
        };
        match self
            .shared_accounts()
            .map_err(store_error)?
            .iter()
            .any(|a| a.id == n)
        {
            true => Ok(n),
            false => Err(self.not_found(id)),
        }
    }

    /// The account of a method that only makes sense in the user's own account (its settings:
    /// VacationResponse, SieveScript, Identity, EmailSubmission, Quota): another account they
    /// may reach is `accountNotSupportedByMethod` (RFC 8620 §3.6.2), as its accountCapabilities
    /// in the session say; any other `accountNotFound`.
    pub fn personal_account(&self, id: &Id) -> Result<AccountId, MethodError> {
        match self.account(id)? {
            own if own == self.account.id => Ok(own),
            _ => Err(MethodError::with_description(
                MethodErrorType::AccountNotSupportedByMethod,
                format!(
                    "{id} is shared with {}: this method serves only its owner.",
                    self.account.address()
                ),
            )),
        }
    }

    fn not_found(&self, id: &Id) -> MethodError {
        MethodError::with_description(
            MethodErrorType::AccountNotFound,
            format!("No account {id} here for {}.", self.account.address()),
        )
    }

    /// The state before a `/set`-like call: `stateMismatch` when the client's `ifInState`
    /// (RFC 8620 §5.3) is another.
    pub fn state_unless_changed(
        &self,
        account: AccountId,
        if_in_state: Option<&str>,
    ) -> Result<String, MethodError> {
        let state = self.state(account)?;
        match if_in_state {
            Some(expected) if expected != state => Err(MethodError::with_description(
                MethodErrorType::StateMismatch,
                format!("The state is {state}, not {expected}."),
            )),
            _ => Ok(state),
        }
    }

    /// The account's state for every data type: its change counter (a state changes whenever
    /// anything of the account does, which RFC 8620 §1.6.4 allows), in another's account with
    /// the fingerprint of the user's rights there (`shared::state`).
    pub fn state(&self, account: AccountId) -> Result<String, MethodError> {
        let modseq = self
            .mail
            .account(account)
            .map_err(store_error)?
            .map_or(0, |a| a.modseq);
        Ok(super::shared::state(
            modseq,
            self.fingerprint(account)?.as_deref(),
        ))
    }

    /// The state of the account at `modseq` (where a `/changes` page ends), as [`Call::state`]
    /// writes it.
    pub fn state_at(&self, account: AccountId, modseq: u64) -> Result<String, MethodError> {
        Ok(super::shared::state(
            modseq,
            self.fingerprint(account)?.as_deref(),
        ))
    }

    /// The modseq a `sinceState` (or `sinceQueryState`) of the account stands for:
    /// `cannotCalculateChanges` for a state this server did not give, or one given while the
    /// user held other rights in the account (RFC 8620 §5.2: what went out of sight with a
    /// revoked right is in no log, so the client must fetch again).
    pub fn since_state(&self, account: AccountId, state: &str) -> Result<u64, MethodError> {
        let (modseq, fingerprint) = match state.split_once('-') {
            Some((modseq, fingerprint)) => (modseq, Some(fingerprint)),
            None => (state, None),
        };
        let modseq = modseq.parse().map_err(|_| {
            MethodError::with_description(
                MethodErrorType::CannotCalculateChanges,
                format!("{state:?} is not a state this server gave."),
            )
        })?;
        // The owner sees the whole log whatever a state says of someone's rights.
        match fingerprint == self.fingerprint(account)?.as_deref() || account == self.account.id {
            true => Ok(modseq),
            false => Err(MethodError::with_description(
                MethodErrorType::CannotCalculateChanges,
                format!("Your rights in this account changed since {state:?}: fetch again."),
            )),
        }
    }
}

/// Most log entries one `/changes` call reads (a client asking for more gets
/// `hasMoreChanges`).
pub(crate) const MAX_CHANGES: usize = 10_000;

/// A `/changes` call's `sinceState` as the modseq it is ([`Call::since_state`]), and how many
/// log entries to read.
pub(crate) fn since(
    call: &Call<'_>,
    account: AccountId,
    request: &kantor_jmap_proto::method::ChangesRequest,
) -> Result<(u64, usize), MethodError> {
    let since = call.since_state(account, &request.since_state)?;
    let max = request.max_changes.map_or(MAX_CHANGES, |m| {
        usize::try_from(m).unwrap_or(MAX_CHANGES).min(MAX_CHANGES)
    });
    Ok((since, max))
}

/// A `/changes` call (RFC 8620 §5.2) parsed, its account, its `sinceState` as a modseq, and
/// the page of the account's log of `kinds` after it, as far as the user may see it; with
/// `personal_only`, of the user's own account only ([`Call::personal_account`]).
pub(crate) fn log_page(
    call: &Call<'_>,
    arguments: serde_json::Map<String, Value>,
    kinds: &[kantor_store::changes::ObjectKind],
    personal_only: bool,
) -> Result<
    (
        kantor_jmap_proto::method::ChangesRequest,
        AccountId,
        u64,
        kantor_store::ChangePage,
    ),
    MethodError,
> {
    let request = kantor_jmap_proto::method::ChangesRequest::parse(arguments)?;
    let account = match personal_only {
        true => call.personal_account(&request.account_id)?,
        false => call.account(&request.account_id)?,
    };
    let (since, max) = since(call, account, &request)?;
    let page = call
        .mail
        .visible_changes_page(account, since, max, kinds)
        .map_err(store_error)?;
    Ok((request, account, since, page))
}

/// The JMAP id of an account.
pub(crate) fn account_id(id: AccountId) -> String {
    format!("A{id}")
}

/// A mailbox's id: its IMAP MAILBOXID (RFC 8474 §4).
pub(crate) fn mailbox_id(id: MailboxId) -> Id {
    numbered('M', id)
}

/// An email's id: its IMAP EMAILID (RFC 8474 §5.1).
pub(crate) fn email_id(id: MessageId) -> Id {
    numbered('M', id)
}

/// A thread's id: its IMAP THREADID (RFC 8474 §5.2).
pub(crate) fn thread_id(id: i64) -> Id {
    numbered('T', id)
}

fn numbered(prefix: char, n: i64) -> Id {
    Id::new(format!("{prefix}{n}")).expect("a letter and digits are an Id")
}

/// The number of an id of the form `prefix` + digits.
pub(crate) fn number_of(id: &Id, prefix: char) -> Option<i64> {
    id.as_str().strip_prefix(prefix)?.parse().ok()
}

/// A store failure, as the method error it is.
pub(crate) fn store_error(e: StoreError) -> MethodError {
    match e {
        StoreError::ChangesPruned { .. } => MethodError::with_description(
            MethodErrorType::CannotCalculateChanges,
            "The changes since that state are no longer kept: fetch the objects again.",
        ),
        StoreError::Forbidden(what) => {
            MethodError::with_description(MethodErrorType::Forbidden, what)
        }
        other => {
            tracing::error!(error = %other, "jmap: store failure");
            MethodError::with_description(MethodErrorType::ServerFail, other.to_string())
        }
    }
}

/// A method's response, or its error, as the invocation to send.
pub(crate) fn respond(
    name: &str,
    call_id: String,
    result: Result<Value, MethodError>,
) -> Invocation {
    match result {
        Ok(Value::Object(arguments)) => Invocation::new(name, arguments, call_id),
        Ok(_) => MethodError::with_description(MethodErrorType::ServerFail, "bad response")
            .into_invocation(call_id),
        Err(error) => error.into_invocation(call_id),
    }
}

/// A response object as JSON.
pub(crate) fn to_json(value: &impl Serialize) -> Result<Value, MethodError> {
    serde_json::to_value(value)
        .map_err(|e| MethodError::with_description(MethodErrorType::ServerFail, e.to_string()))
}

/// A UTCDate (RFC 8620 §1.4) of unix seconds; null for none.
pub(crate) fn utc_date(unix: Option<i64>) -> Value {
    unix.and_then(|u| chrono::DateTime::from_timestamp(u, 0))
        .map_or(Value::Null, |d| {
            Value::String(d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        })
}

/// A `UTCDate|null` value (RFC 8620 §1.4) as Unix seconds; `Err` for anything else.
pub(crate) fn parse_utc_date(value: &Value) -> Result<Option<i64>, ()> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|d| Some(d.timestamp()))
            .map_err(|_| ()),
        _ => Err(()),
    }
}

/// A `/query` response (RFC 8620 §5.5): the window of `ids` the request asks for.
pub(crate) fn query_page(
    request: kantor_jmap_proto::method::QueryRequest,
    ids: &[Id],
    query_state: String,
    can_calculate_changes: bool,
    max_limit: Option<u64>,
) -> Result<Value, MethodError> {
    let window = request.window(ids, max_limit)?;
    to_json(&kantor_jmap_proto::method::QueryResponse {
        account_id: request.account_id,
        query_state,
        can_calculate_changes,
        position: window.position,
        ids: ids[window.start..window.end].to_vec(),
        total: request.calculate_total.then_some(ids.len() as u64),
        limit: window.limit,
    })
}

/// `invalidArguments` when a `/get` asks for a property `kind` objects do not have (RFC 8620
/// §5.1).
pub(crate) fn known_properties(
    request: &kantor_jmap_proto::method::GetRequest,
    known: &[&str],
    kind: &str,
) -> Result<(), MethodError> {
    match request
        .properties
        .iter()
        .flatten()
        .find(|p| !known.contains(&p.as_str()))
    {
        Some(p) => Err(MethodError::invalid_arguments(format!(
            "{kind} has no property {p:?}."
        ))),
        None => Ok(()),
    }
}

/// `invalidProperties` when a patch changed one of the server-set `properties` of an object
/// (RFC 8620 §5.3: they may only be given with their current value).
pub(crate) fn server_set_unchanged(
    before: &serde_json::Map<String, Value>,
    after: &serde_json::Map<String, Value>,
    properties: &[&str],
) -> Result<(), kantor_jmap_proto::SetError> {
    match properties
        .iter()
        .find(|p| after.get(**p) != before.get(**p))
    {
        Some(p) => Err(kantor_jmap_proto::SetError::invalid_properties([*p])
            .with_description(format!("{p} is set by the server."))),
        None => Ok(()),
    }
}

/// A `/get` response (RFC 8620 §5.1) over records of one kind numbered `prefix` + digits: the
/// ones asked for (all when `ids` is null) as `object` shows them, only the properties asked
/// for (and `id`), and the ids not found.
pub(crate) fn get_by_number<T>(
    call: &Call<'_>,
    request: kantor_jmap_proto::method::GetRequest,
    all: &[T],
    prefix: char,
    number: impl Fn(&T) -> i64,
    object: impl Fn(&T) -> serde_json::Map<String, Value>,
) -> Result<Value, MethodError> {
    let (mut list, mut not_found) = (Vec::new(), Vec::new());
    match &request.ids {
        None => list.extend(all.iter().map(&object)),
        Some(ids) => {
            for id in ids {
                match all
                    .iter()
                    .find(|r| number_of(id, prefix) == Some(number(r)))
                {
                    Some(record) => list.push(object(record)),
                    None => not_found.push(id.clone()),
                }
            }
        }
    }
    if let Some(wanted) = &request.properties {
        for object in &mut list {
            object.retain(|k, _| k == "id" || wanted.contains(k));
        }
    }
    to_json(&kantor_jmap_proto::method::GetResponse {
        state: call.state(call.account(&request.account_id)?)?,
        account_id: request.account_id,
        list,
        not_found,
    })
}

/// The fields of a JSON object built with `json!` (an empty map for anything else).
pub(crate) fn json_object(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}
