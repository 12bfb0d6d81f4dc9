//! Email/copy (RFC 8621 §4.7, RFC 8620 §5.4) and Blob/copy (RFC 8620 §6.3): copies between
//! two accounts. Copies between the user's own account and the accounts shared with them are
//! not done yet (`fromAccountNotSupportedByMethod`); a copy within one account is not a copy
//! (§5.4: `fromAccountId` MUST differ from `accountId`; moving within an account is Email/set
//! on `mailboxIds`); any other account is `fromAccountNotFound`.

use super::call::Call;
use kantor_jmap_proto::method::{Arguments, CopyRequest};
use kantor_jmap_proto::{Id, MethodError, MethodErrorType};
use serde_json::{Map, Value};

/// Email/copy.
pub(crate) fn emails(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let request = CopyRequest::parse(arguments, call.limits)?;
    call.account(&request.account_id)?;
    Err(from_account_not_found(call, &request.from_account_id))
}

/// Blob/copy (RFC 8620 §6.3).
pub(crate) fn blobs(call: &Call<'_>, arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let mut args = Arguments::new(arguments);
    let from: Id = args.required("fromAccountId")?;
    let to: Id = args.required("accountId")?;
    let _blob_ids: Vec<Id> = args.required("blobIds")?;
    args.finish()?;
    if from == to {
        return Err(MethodError::invalid_arguments(
            "accountId must differ from fromAccountId: a blob is already in its own account.",
        ));
    }
    call.account(&to)?;
    Err(from_account_not_found(call, &from))
}

fn from_account_not_found(call: &Call<'_>, from: &Id) -> MethodError {
    // An account the user reaches (their own, or one shared with them): copies between
    // accounts are not done (yet), which RFC 8620 §5.4 says so.
    if call.account(from).is_ok() {
        return MethodError::with_description(
            MethodErrorType::FromAccountNotSupportedByMethod,
            format!(
                "Copying from {from} into another account is not supported: file the email with Email/set or Email/import."
            ),
        );
    }
    MethodError::with_description(
        MethodErrorType::FromAccountNotFound,
        format!(
            "No account {from} to copy from for {}.",
            call.account.address()
        ),
    )
}
