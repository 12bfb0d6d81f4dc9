//! SieveScript (RFC 9661): the account's Sieve scripts, the very rows ManageSieve (RFC 5804)
//! lists, so a script written by either protocol is the other's at once. A script's id is
//! `F` and its number; its content is a blob whose id is the hash of its text (§2.2), so an
//! upload of the same text has the same id, and the download endpoint serves it. Every change
//! is a change of the one change log (object kind 8), which `/changes` and push read.
//!
//! This module: the capability (§1.2.1, its limits `[sieve]`'s, as ManageSieve enforces them),
//! SieveScript/get (§2.3), /changes, /query (§2.5) and /validate (§2.6); `sieve_set`: /set.
//!
//! The JMAP VacationResponse (RFC 8621 §8) is not one of these scripts: it is stored apart and
//! run at delivery as a generated vacation action before the user's active script (see
//! `kantor_sieve::vacation_script`), so neither protocol can break the other's.

use super::call::{
    Call, get_by_number, known_properties, number_of, query_page, store_error, to_json,
};
use super::changes;
use kantor_config::SieveConfig;
use kantor_jmap_proto::method::{Arguments, GetRequest, QueryRequest};
use kantor_jmap_proto::{Id, MethodError, MethodErrorType, SetError, SetErrorType};
use kantor_store::changes::ObjectKind;
use kantor_store::{AccountId, BlobHash, SieveScript};
use serde_json::{Map, Value, json};

/// The capability in the session's `capabilities` (RFC 9661 §1.2.1).
pub(crate) fn capability() -> Value {
    json!({"implementation": concat!("Kantor ", env!("CARGO_PKG_VERSION"), " (sieve-rs)")})
}

/// The capability in an account's `accountCapabilities` (RFC 9661 §1.2.1): the limits
/// ManageSieve enforces too. `enotify` and `extlists` are not carried out, hence no
/// notification methods and no external lists.
pub(crate) fn account_capability(config: &SieveConfig) -> Value {
    json!({
        "maxSizeScriptName": kantor_sieve::MAX_SCRIPT_NAME,
        "maxSizeScript": config.max_script_size,
        "maxNumberScripts": config.max_scripts,
        "maxNumberRedirects": config.max_redirects,
        "sieveExtensions": kantor_sieve::EXTENSIONS.split_whitespace().collect::<Vec<_>>(),
        "notificationMethods": null,
        "externalLists": null,
    })
}

/// A script's JMAP id.
pub(crate) fn script_id(id: i64) -> Id {
    Id::new(format!("F{id}")).expect("a letter and digits are an Id")
}

/// The account's script of a JMAP id, if it has one.
pub(crate) fn find(scripts: &[SieveScript], id: &Id) -> Option<SieveScript> {
    let number = number_of(id, 'F')?;
    scripts.iter().find(|s| s.id == number).cloned()
}

/// A SieveScript object (§2.1).
pub(crate) fn object(script: &SieveScript) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("id".into(), json!(script_id(script.id)));
    object.insert("name".into(), json!(script.name));
    object.insert(
        "blobId".into(),
        json!(BlobHash::of(script.content.as_bytes()).to_string()),
    );
    object.insert("isActive".into(), json!(script.active));
    object
}

/// The text of a script blob, checked as ManageSieve checks an upload: `blobNotFound`,
/// `tooLarge` past `max_script_size`, `invalidSieve` (with the compiler's line, column and
/// reason) when it is not UTF-8 or does not compile.
pub(crate) fn content(
    call: &Call<'_>,
    account: AccountId,
    blob_id: &str,
) -> Result<String, SetError> {
    let bytes = super::blob::read(&call.mail, account, blob_id).ok_or_else(|| {
        SetError::new(SetErrorType::BlobNotFound)
            .with_description(format!("No blob {blob_id} in this account."))
    })?;
    let max = call.rules.config().max_script_size;
    if bytes.len() > max {
        return Err(SetError::new(SetErrorType::TooLarge)
            .with_description(format!("Scripts are limited to {max} octets.")));
    }
    let invalid = |why: String| SetError::new(SetErrorType::InvalidSieve).with_description(why);
    let text = String::from_utf8(bytes).map_err(|_| invalid("The script is not UTF-8.".into()))?;
    call.rules.check(text.as_bytes()).map_err(invalid)?;
    Ok(text)
}

/// SieveScript/get (§2.3).
pub(crate) fn get(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let request = GetRequest::parse(arguments, call.limits)?;
    let account = call.personal_account(&request.account_id)?;
    const PROPERTIES: [&str; 4] = ["id", "name", "blobId", "isActive"];
    known_properties(&request, &PROPERTIES, "SieveScript")?;
    let all = call.mail.sieve_scripts(account).map_err(store_error)?;
    get_by_number(call, request, &all, 'F', |s| s.id, object)
}

/// SieveScript/changes (RFC 8620 §5.2), from the change log: ManageSieve's changes too.
pub(crate) fn changes(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    changes::logged(call, arguments, ObjectKind::SieveScript, script_id)
}

/// One FilterCondition of SieveScript/query (§2.5): every property given must hold.
#[derive(Default)]
struct Condition {
    /// The name contains this (compared without case).
    name: Option<String>,
    is_active: Option<bool>,
}

impl Condition {
    fn parse(map: &Map<String, Value>) -> Result<Condition, MethodError> {
        let mut condition = Condition::default();
        for (property, value) in map {
            match (property.as_str(), value) {
                ("name", Value::String(s)) => condition.name = Some(s.to_lowercase()),
                ("isActive", Value::Bool(b)) => condition.is_active = Some(*b),
                ("name" | "isActive", _) => {
                    return Err(MethodError::invalid_arguments(format!(
                        "The {property} condition has a value of the wrong type."
                    )));
                }
                _ => {
                    return Err(MethodError::with_description(
                        MethodErrorType::UnsupportedFilter,
                        format!("SieveScript cannot be filtered by {property:?}."),
                    ));
                }
            }
        }
        Ok(condition)
    }

    fn matches(&self, script: &SieveScript) -> bool {
        self.name
            .as_ref()
            .is_none_or(|n| script.name.to_lowercase().contains(n.as_str()))
            && self.is_active.is_none_or(|a| a == script.active)
    }
}

/// SieveScript/query (§2.5): filtered by `name` and `isActive`, sorted by them.
pub(crate) fn query(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let request = QueryRequest::parse(arguments)?;
    let account = call.personal_account(&request.account_id)?;
    let filter = request.parse_filter(Condition::parse)?;
    let mut all = call.mail.sieve_scripts(account).map_err(store_error)?;
    if let Some(filter) = &filter {
        all.retain(|s| filter.matches(&mut |c| c.matches(s)));
    }
    for c in request.sort.iter().flatten().rev() {
        c.check_collation(&super::COLLATIONS)?;
        if !matches!(c.property.as_str(), "name" | "isActive") {
            return Err(MethodError::with_description(
                MethodErrorType::UnsupportedSort,
                format!("SieveScript cannot be sorted by {:?}.", c.property),
            ));
        }
        all.sort_by(|a, b| {
            let order = match c.property.as_str() {
                "isActive" => a.active.cmp(&b.active),
                _ => (a.name.to_lowercase(), &a.name).cmp(&(b.name.to_lowercase(), &b.name)),
            };
            if c.is_ascending {
                order
            } else {
                order.reverse()
            }
        });
    }
    let ids: Vec<Id> = all.iter().map(|s| script_id(s.id)).collect();
    query_page(request, &ids, call.state(account)?, false, None)
}

/// SieveScript/validate (§2.6): whether a blob is a script this server takes, without
/// storing it; `error` is null, or the SetError `/set` would give (`invalidSieve` with the
/// reason).
pub(crate) fn validate(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let mut args = Arguments::new(arguments);
    let account_id: Id = args.required("accountId")?;
    let blob_id: String = args.required("blobId")?;
    args.finish()?;
    let account = call.personal_account(&account_id)?;
    let error = content(call, account, &blob_id).err();
    to_json(&json!({"accountId": account_id, "error": error}))
}
