//! ShareNotification (JMAP Sharing, RFC 9670 §5): the store writes one for a user, in the same
//! transaction, whenever an ACL change alters their rights on another account's mailbox (IMAP
//! SETACL by its owner, `kantor admin acl`); here the user reads, queries and dismisses them.
//! They live in the user's own account and follow its one change log.

use super::call::{
    Call, account_id, get_by_number, json_object, known_properties, mailbox_id, number_of,
    parse_utc_date, query_page, store_error, to_json, utc_date,
};
use super::principal::account_principal;
use kantor_jmap_proto::method::{GetRequest, QueryRequest, SetRequest, SetResponse};
use kantor_jmap_proto::{Id, MethodError, MethodErrorType, SetError, SetErrorType};
use kantor_store::changes::ObjectKind;
use kantor_store::{MailboxRole, ShareNotification};
use serde_json::{Map, Value, json};

/// A notice's JMAP id.
fn notice_id(id: i64) -> Id {
    Id::new(format!("N{id}")).expect("a letter and digits are an Id")
}

fn object(n: &ShareNotification) -> Map<String, Value> {
    let role = (n.name == "INBOX").then_some(MailboxRole::Inbox);
    let changed_by = match (&n.changed_by, n.changed_by_account) {
        (Some(address), Some(id)) => {
            json!({"name": address, "email": address, "principalId": account_principal(id)})
        }
        _ => json!({"name": "Administrator", "email": null, "principalId": null}),
    };
    let value = json!({
        "id": notice_id(n.id),
        "created": utc_date(Some(n.created)),
        "changedBy": changed_by,
        "objectType": "Mailbox",
        "objectAccountId": account_id(n.object_account),
        "objectId": mailbox_id(n.mailbox),
        "name": n.name,
        "oldRights": super::mailbox::my_rights(n.old_rights, role),
        "newRights": super::mailbox::my_rights(n.new_rights, role),
    });
    json_object(value)
}

/// ShareNotification/get (§5.1).
pub(crate) fn get(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let request = GetRequest::parse(arguments, call.limits)?;
    let account = call.personal_account(&request.account_id)?;
    const PROPERTIES: [&str; 9] = [
        "id",
        "created",
        "changedBy",
        "objectType",
        "objectAccountId",
        "objectId",
        "name",
        "oldRights",
        "newRights",
    ];
    known_properties(&request, &PROPERTIES, "ShareNotification")?;
    let all = call
        .mail
        .share_notifications(account)
        .map_err(store_error)?;
    get_by_number(call, request, &all, 'N', |n| n.id, object)
}

/// ShareNotification/changes (§5.2), from the change log.
pub(crate) fn changes(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    super::changes::logged(call, arguments, ObjectKind::ShareNotification, notice_id)
}

/// ShareNotification/set (§5.3): only destroy (dismissing); create and update are
/// `forbidden`.
pub(crate) async fn set(
    call: &Call<'_>,
    arguments: Map<String, Value>,
) -> Result<Value, MethodError> {
    let request = SetRequest::parse(arguments, call.limits)?;
    let account = call.personal_account(&request.account_id)?;
    let old_state = call.state_unless_changed(account, request.if_in_state.as_deref())?;
    let mut response = SetResponse::new(request.account_id.clone(), Some(old_state), "");
    let refused = || {
        SetError::new(SetErrorType::Forbidden)
            .with_description("Share notifications are made by the server; only destroy them.")
    };
    for (creation, _) in request.create.unwrap_or_default() {
        response.add_not_created(creation, refused());
    }
    for (id, _) in request.update.unwrap_or_default() {
        response.add_not_updated(id, refused());
    }
    for id in request.destroy.unwrap_or_default() {
        let number = call.resolve(&id).and_then(|plain| number_of(&plain, 'N'));
        let result = match number {
            None => Err(SetError::not_found()),
            Some(n) => {
                call.mail
                    .destroy_share_notification(account, n)
                    .await
                    .map_err(|e| match e {
                        kantor_store::StoreError::NotFound(_) => SetError::not_found(),
                        other => SetError::new(SetErrorType::Forbidden)
                            .with_description(other.to_string()),
                    })
            }
        };
        match (result, call.resolve(&id)) {
            (Ok(()), Some(plain)) => response.add_destroyed(plain),
            (Ok(()), None) => {}
            (Err(error), _) => response.add_not_destroyed(id, error),
        }
    }
    response.new_state = call.state(account)?;
    to_json(&response)
}

/// One FilterCondition of ShareNotification/query (§5.4).
#[derive(Default)]
struct Condition {
    after: Option<i64>,
    before: Option<i64>,
    object_type: Option<String>,
    object_account: Option<String>,
}

impl Condition {
    fn parse(map: &Map<String, Value>) -> Result<Condition, MethodError> {
        let mut c = Condition::default();
        let wrong = |p: &str| {
            MethodError::invalid_arguments(format!("The {p} condition has a wrong value."))
        };
        let date = |p: &str, v: &Value| parse_utc_date(v).map_err(|()| wrong(p));
        for (property, value) in map {
            match property.as_str() {
                "after" => c.after = date(property, value)?,
                "before" => c.before = date(property, value)?,
                "objectType" => {
                    c.object_type = Some(value.as_str().ok_or_else(|| wrong(property))?.into())
                }
                "objectAccountId" => {
                    c.object_account = Some(value.as_str().ok_or_else(|| wrong(property))?.into())
                }
                _ => {
                    return Err(MethodError::with_description(
                        MethodErrorType::UnsupportedFilter,
                        format!("ShareNotification cannot be filtered by {property:?}."),
                    ));
                }
            }
        }
        Ok(c)
    }

    fn matches(&self, n: &ShareNotification) -> bool {
        self.after.is_none_or(|t| n.created >= t)
            && self.before.is_none_or(|t| n.created < t)
            && self.object_type.as_ref().is_none_or(|t| t == "Mailbox")
            && self
                .object_account
                .as_ref()
                .is_none_or(|a| *a == account_id(n.object_account))
    }
}

/// ShareNotification/query (§5.4), sorted by `created` (the default: oldest first).
pub(crate) fn query(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let request = QueryRequest::parse(arguments)?;
    let account = call.personal_account(&request.account_id)?;
    let filter = request.parse_filter(Condition::parse)?;
    let mut all = call
        .mail
        .share_notifications(account)
        .map_err(store_error)?;
    if let Some(filter) = &filter {
        all.retain(|n| filter.matches(&mut |c| c.matches(n)));
    }
    for c in request.sort.iter().flatten().rev() {
        if c.property != "created" {
            return Err(MethodError::with_description(
                MethodErrorType::UnsupportedSort,
                format!("ShareNotification cannot be sorted by {:?}.", c.property),
            ));
        }
        all.sort_by_key(|n| (n.created, n.id));
        if !c.is_ascending {
            all.reverse();
        }
    }
    let ids: Vec<Id> = all.iter().map(|n| notice_id(n.id)).collect();
    query_page(request, &ids, call.state(account)?, false, None)
}
