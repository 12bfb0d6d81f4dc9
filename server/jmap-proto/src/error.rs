//! Method-level errors (RFC 8620 §3.6.2 and the per-method ones of §5.1 to
//! §5.6) and the per-record `SetError` of `/set` and `/copy` (§5.3, §5.4).
//!
//! A [`MethodError`] is answered as the invocation
//! `["error", {"type": ..., "description": ...}, callId]` in place of the
//! method's response ([`MethodError::into_invocation`]); it never turns
//! into an HTTP error. A [`SetError`] goes into `notCreated`, `notUpdated`
//! or `notDestroyed` and does not stop the method.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::id::Id;
use crate::request::Invocation;

/// The response name of a method-level error (RFC 8620 §3.6.2).
pub const ERROR_RESPONSE_NAME: &str = "error";

/// Defines a string-valued error type enum: variants, wire names, docs.
macro_rules! error_types {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $name {
            /// Every type, in the RFC's order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The `type` string on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $wire, )*
                }
            }

            /// The type named `s`, if it is one of these.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $( $wire => Some($name::$variant), )*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format_args!("unknown error type {s:?}"))
                })
            }
        }
    };
}

error_types! {
    /// The `type` of a method-level error.
    MethodErrorType {
        /// §3.6.2: an internal resource was temporarily unavailable; retry later.
        ServerUnavailable => "serverUnavailable",
        /// §3.6.2: an unexpected error; nothing changed.
        ServerFail => "serverFail",
        /// §3.6.2: some but not all changes happened.
        ServerPartialFail => "serverPartialFail",
        /// §3.6.2: the method name is not recognised.
        UnknownMethod => "unknownMethod",
        /// §3.6.2: an argument is of the wrong type, invalid, or missing.
        InvalidArguments => "invalidArguments",
        /// §3.6.2: a result reference (§3.7) failed to resolve.
        InvalidResultReference => "invalidResultReference",
        /// §3.6.2: an ACL or other policy forbids the call.
        Forbidden => "forbidden",
        /// §3.6.2: the accountId names no valid account.
        AccountNotFound => "accountNotFound",
        /// §3.6.2: the account does not support this method or data type.
        AccountNotSupportedByMethod => "accountNotSupportedByMethod",
        /// §3.6.2: the method modifies state but the account is read-only.
        AccountReadOnly => "accountReadOnly",
        /// §5.1, §5.3: more ids / objects than maxObjectsInGet / maxObjectsInSet.
        RequestTooLarge => "requestTooLarge",
        /// §5.3, §5.4: `ifInState` (or `ifFromInState`) does not match.
        StateMismatch => "stateMismatch",
        /// §5.2, §5.6: changes since that state cannot be calculated.
        CannotCalculateChanges => "cannotCalculateChanges",
        /// §5.5: the anchor is not in the query results.
        AnchorNotFound => "anchorNotFound",
        /// §5.5: a sort property or collation is not supported.
        UnsupportedSort => "unsupportedSort",
        /// §5.5: the filter is valid but cannot be processed.
        UnsupportedFilter => "unsupportedFilter",
        /// §5.6: more changes than the client's maxChanges.
        TooManyChanges => "tooManyChanges",
        /// §5.4: the fromAccountId names no valid account.
        FromAccountNotFound => "fromAccountNotFound",
        /// §5.4: the from account does not support this data type.
        FromAccountNotSupportedByMethod => "fromAccountNotSupportedByMethod",
    }
}

error_types! {
    /// The `type` of a [`SetError`] (RFC 8620 §5.3, §5.4).
    SetErrorType {
        /// create, update, destroy: an ACL or other policy forbids it.
        Forbidden => "forbidden",
        /// create, update: over a limit on the number or total size of objects.
        OverQuota => "overQuota",
        /// create, update: the object would be larger than allowed.
        TooLarge => "tooLarge",
        /// create: too many objects created recently.
        RateLimit => "rateLimit",
        /// update, destroy: no record with that id.
        NotFound => "notFound",
        /// update: the PatchObject is not a valid patch.
        InvalidPatch => "invalidPatch",
        /// update: the record is destroyed in the same call, the update is skipped.
        WillDestroy => "willDestroy",
        /// create, update: the record is invalid; `properties` lists the culprits.
        InvalidProperties => "invalidProperties",
        /// create, destroy: a singleton type.
        Singleton => "singleton",
        /// /copy: the record already exists in the target account; `existingId` names it.
        AlreadyExists => "alreadyExists",
        /// Mailbox/set destroy (RFC 8621 §2.5): the mailbox has children.
        MailboxHasChild => "mailboxHasChild",
        /// Mailbox/set destroy (RFC 8621 §2.5): the mailbox has emails and
        /// `onDestroyRemoveEmails` is false.
        MailboxHasEmail => "mailboxHasEmail",
        /// Email/set create (RFC 8621 §4.6): a blob named does not exist.
        BlobNotFound => "blobNotFound",
        /// Email/set create (RFC 8621 §4.6): too many keywords.
        TooManyKeywords => "tooManyKeywords",
        /// Email/set create (RFC 8621 §4.6): in too many mailboxes.
        TooManyMailboxes => "tooManyMailboxes",
        /// EmailSubmission/set (RFC 8621 §7.5): the user may not send from the envelope's
        /// mailFrom.
        ForbiddenMailFrom => "forbiddenMailFrom",
        /// EmailSubmission/set: the user may not send with the email's From.
        ForbiddenFrom => "forbiddenFrom",
        /// EmailSubmission/set: the user may not send at all.
        ForbiddenToSend => "forbiddenToSend",
        /// EmailSubmission/set: the email is not valid to send.
        InvalidEmail => "invalidEmail",
        /// EmailSubmission/set: more recipients than the server allows.
        TooManyRecipients => "tooManyRecipients",
        /// EmailSubmission/set: the envelope has no recipients.
        NoRecipients => "noRecipients",
        /// EmailSubmission/set: recipients that cannot be sent to; `invalidRecipients` lists them.
        InvalidRecipients => "invalidRecipients",
        /// EmailSubmission/set update: the message can no longer be unsent.
        CannotUnsend => "cannotUnsend",
        /// SieveScript/set create, update and SieveScript/validate (RFC 9661 §2.4, §2.6):
        /// the script is not valid Sieve; the description says why.
        InvalidSieve => "invalidSieve",
        /// SieveScript/set destroy (RFC 9661 §2.4): the script is the active one.
        SieveIsActive => "sieveIsActive",
    }
}

/// A method-level error (RFC 8620 §3.6.2): a `type` and an optional
/// non-localised `description` for debugging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodError {
    /// The error type.
    #[serde(rename = "type")]
    pub kind: MethodErrorType,
    /// What went wrong, for a developer (not shown to end users).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl fmt::Display for MethodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.description {
            Some(d) => write!(f, "{}: {d}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl std::error::Error for MethodError {}

impl MethodError {
    /// An error of type `kind` without a description.
    pub fn new(kind: MethodErrorType) -> Self {
        MethodError {
            kind,
            description: None,
        }
    }

    /// An error of type `kind` with a description.
    pub fn with_description(kind: MethodErrorType, description: impl Into<String>) -> Self {
        MethodError {
            kind,
            description: Some(description.into()),
        }
    }

    /// `invalidArguments` saying why.
    pub fn invalid_arguments(description: impl Into<String>) -> Self {
        Self::with_description(MethodErrorType::InvalidArguments, description)
    }

    /// `invalidResultReference` saying why.
    pub fn invalid_result_reference(description: impl Into<String>) -> Self {
        Self::with_description(MethodErrorType::InvalidResultReference, description)
    }

    /// `requestTooLarge` saying why.
    pub fn request_too_large(description: impl Into<String>) -> Self {
        Self::with_description(MethodErrorType::RequestTooLarge, description)
    }

    /// `serverFail` saying why.
    pub fn server_fail(description: impl Into<String>) -> Self {
        Self::with_description(MethodErrorType::ServerFail, description)
    }

    /// `unknownMethod` naming the method.
    pub fn unknown_method(name: &str) -> Self {
        Self::with_description(
            MethodErrorType::UnknownMethod,
            format!("the server does not know the method {name:?}"),
        )
    }

    /// The `{"type": ..., "description": ...}` arguments object.
    pub fn to_arguments(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("type".into(), Value::String(self.kind.as_str().into()));
        if let Some(d) = &self.description {
            map.insert("description".into(), Value::String(d.clone()));
        }
        map
    }

    /// The `["error", {...}, callId]` response invocation (§3.6.2).
    pub fn into_invocation(self, call_id: impl Into<String>) -> Invocation {
        Invocation::new(ERROR_RESPONSE_NAME, self.to_arguments(), call_id)
    }
}

/// A per-record error of `/set` or `/copy` (RFC 8620 §5.3, §5.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetError {
    /// The error type.
    #[serde(rename = "type")]
    pub kind: SetErrorType,
    /// What went wrong, for a developer (not shown to end users).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `invalidProperties`: every invalid property (SHOULD be present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Vec<String>>,
    /// `alreadyExists`: the id of the existing record (MUST be present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<Id>,
    /// `invalidRecipients` (RFC 8621 §7.5): the addresses refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_recipients: Option<Vec<String>>,
}

impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(d) = &self.description {
            write!(f, ": {d}")?;
        }
        if let Some(p) = &self.properties {
            write!(f, " (properties: {})", p.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for SetError {}

impl SetError {
    /// An error of type `kind` without a description.
    pub fn new(kind: SetErrorType) -> Self {
        SetError {
            kind,
            description: None,
            properties: None,
            existing_id: None,
            invalid_recipients: None,
        }
    }

    /// `invalidRecipients` (RFC 8621 §7.5) listing the addresses refused.
    pub fn invalid_recipients(addresses: Vec<String>) -> Self {
        SetError {
            invalid_recipients: Some(addresses),
            ..SetError::new(SetErrorType::InvalidRecipients)
        }
    }

    /// Adds a description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// `invalidProperties` listing every invalid property.
    pub fn invalid_properties<S: Into<String>>(properties: impl IntoIterator<Item = S>) -> Self {
        SetError {
            properties: Some(properties.into_iter().map(Into::into).collect()),
            ..SetError::new(SetErrorType::InvalidProperties)
        }
    }

    /// `invalidPatch` saying why.
    pub fn invalid_patch(description: impl Into<String>) -> Self {
        SetError::new(SetErrorType::InvalidPatch).with_description(description)
    }

    /// `notFound`.
    pub fn not_found() -> Self {
        SetError::new(SetErrorType::NotFound)
    }

    /// `alreadyExists` naming the existing record.
    pub fn already_exists(existing_id: Id) -> Self {
        SetError {
            existing_id: Some(existing_id),
            ..SetError::new(SetErrorType::AlreadyExists)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn method_error_types_round_trip() {
        assert_eq!(MethodErrorType::ALL.len(), 19);
        for t in MethodErrorType::ALL {
            assert_eq!(MethodErrorType::parse(t.as_str()), Some(*t));
            let v = serde_json::to_value(t).unwrap();
            assert_eq!(serde_json::from_value::<MethodErrorType>(v).unwrap(), *t);
        }
        assert_eq!(MethodErrorType::parse("nope"), None);
        assert_eq!(
            MethodErrorType::FromAccountNotSupportedByMethod.as_str(),
            "fromAccountNotSupportedByMethod"
        );
    }

    #[test]
    fn method_error_renders_as_error_invocation() {
        // RFC 8620 §3.6.2: [ "error", { "type": "unknownMethod" }, "call-id" ]
        let inv = MethodError::new(MethodErrorType::UnknownMethod).into_invocation("call-id");
        assert_eq!(
            serde_json::to_value(&inv).unwrap(),
            json!(["error", {"type": "unknownMethod"}, "call-id"])
        );
        let inv = MethodError::invalid_arguments("bad ids").into_invocation("c1");
        assert_eq!(
            serde_json::to_value(&inv).unwrap(),
            json!(["error", {"type": "invalidArguments", "description": "bad ids"}, "c1"])
        );
        assert_eq!(
            MethodError::server_fail("disk").to_string(),
            "serverFail: disk"
        );
    }

    #[test]
    fn set_error_shapes() {
        let e = SetError::invalid_properties(["name", "parentId"]);
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"type": "invalidProperties", "properties": ["name", "parentId"]})
        );
        let e = SetError::already_exists(Id::new("M1").unwrap()).with_description("dup");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"type": "alreadyExists", "description": "dup", "existingId": "M1"})
        );
        assert_eq!(
            serde_json::to_value(SetError::not_found()).unwrap(),
            json!({"type": "notFound"})
        );
        let back: SetError =
            serde_json::from_value(json!({"type": "willDestroy", "description": "x"})).unwrap();
        assert_eq!(back.kind, SetErrorType::WillDestroy);
        assert_eq!(SetErrorType::ALL.len(), 25);
        assert_eq!(
            serde_json::to_value(SetError::invalid_recipients(vec!["a@b".into()])).unwrap(),
            json!({"type": "invalidRecipients", "invalidRecipients": ["a@b"]})
        );
        for t in SetErrorType::ALL {
            assert_eq!(SetErrorType::parse(t.as_str()), Some(*t));
        }
        assert!(serde_json::from_value::<SetError>(json!({"type": "bogus"})).is_err());
    }
}
