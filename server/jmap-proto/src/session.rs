//! The JMAP Session resource (RFC 8620 §2) and the core limits.
//!
//! [`CoreLimits`] is the one place the server's limits are set: the
//! `urn:ietf:params:jmap:core` capability advertised in the Session
//! ([`CoreCapability`]), the request-level checks of
//! [`parse_request`](crate::request::parse_request)
//! ([`RequestLimits`](crate::request::RequestLimits)) and the method-level
//! ones of [`method`](crate::method) all read it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::capability;
use crate::id::Id;

/// The names of the limits, as used in the `limit` property of a
/// `urn:ietf:params:jmap:error:limit` problem (RFC 8620 §3.6.1) and as keys
/// of the core capability object (§2).
pub mod limit {
    /// Largest single upload, in octets.
    pub const MAX_SIZE_UPLOAD: &str = "maxSizeUpload";
    /// Concurrent requests to the upload endpoint.
    pub const MAX_CONCURRENT_UPLOAD: &str = "maxConcurrentUpload";
    /// Largest API request, in octets.
    pub const MAX_SIZE_REQUEST: &str = "maxSizeRequest";
    /// Concurrent requests to the API endpoint.
    pub const MAX_CONCURRENT_REQUESTS: &str = "maxConcurrentRequests";
    /// Method calls in one API request.
    pub const MAX_CALLS_IN_REQUEST: &str = "maxCallsInRequest";
    /// Ids in one `/get` call.
    pub const MAX_OBJECTS_IN_GET: &str = "maxObjectsInGet";
    /// Creates + updates + destroys in one `/set` call.
    pub const MAX_OBJECTS_IN_SET: &str = "maxObjectsInSet";
}

/// The server's core limits (RFC 8620 §2, `urn:ietf:params:jmap:core`).
///
/// Serialized with the capability's property names. The defaults are the
/// RFC's suggested minimums, which common servers also ship with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoreLimits {
    /// Largest single upload, in octets (suggested minimum 50,000,000).
    pub max_size_upload: u64,
    /// Concurrent requests to the upload endpoint (suggested minimum 4).
    pub max_concurrent_upload: u64,
    /// Largest API request, in octets (suggested minimum 10,000,000).
    pub max_size_request: u64,
    /// Concurrent requests to the API endpoint (suggested minimum 4).
    pub max_concurrent_requests: u64,
    /// Method calls in one request (suggested minimum 16).
    pub max_calls_in_request: u64,
    /// Objects in one `/get` (suggested minimum 500).
    pub max_objects_in_get: u64,
    /// Creates + updates + destroys in one `/set` (suggested minimum 500).
    pub max_objects_in_set: u64,
}

impl Default for CoreLimits {
    fn default() -> Self {
        CoreLimits {
            max_size_upload: 50_000_000,
            max_concurrent_upload: 4,
            max_size_request: 10_000_000,
            max_concurrent_requests: 4,
            max_calls_in_request: 16,
            max_objects_in_get: 500,
            max_objects_in_set: 500,
        }
    }
}

/// The value of the `urn:ietf:params:jmap:core` capability (RFC 8620 §2):
/// the limits plus the supported collations (RFC 4790 registry names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoreCapability {
    /// The limits, flattened into the object.
    #[serde(flatten)]
    pub limits: CoreLimits,
    /// Collation identifiers usable in a `Comparator` (§5.5).
    pub collation_algorithms: Vec<String>,
}

impl CoreCapability {
    /// The capability advertising `limits` and `collations`.
    pub fn new<S: Into<String>>(
        limits: CoreLimits,
        collations: impl IntoIterator<Item = S>,
    ) -> Self {
        CoreCapability {
            limits,
            collation_algorithms: collations.into_iter().map(Into::into).collect(),
        }
    }
}

/// An account the user can access (RFC 8620 §2, §1.6.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// A user-friendly name, e.g. the owner's email address.
    pub name: String,
    /// Whether the account belongs to the authenticated user.
    pub is_personal: bool,
    /// Whether the whole account is read-only.
    pub is_read_only: bool,
    /// Capability URI to the account's permissions for it; a capability
    /// defining methods MUST be here iff the user may use them here.
    pub account_capabilities: BTreeMap<String, Value>,
}

/// The Session object returned by the session resource (RFC 8620 §2).
///
/// Unknown properties are ignored when deserializing, as clients must.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// Capability URI to its server-wide object; MUST include
    /// `urn:ietf:params:jmap:core` ([`CoreCapability`]).
    pub capabilities: BTreeMap<String, Value>,
    /// Account id to account.
    pub accounts: BTreeMap<Id, Account>,
    /// Capability URI to the user's default account for it
    /// (`urn:ietf:params:jmap:core` SHOULD NOT be present).
    pub primary_accounts: BTreeMap<String, Id>,
    /// The username of the credentials, or the empty string.
    pub username: String,
    /// URL for API requests.
    pub api_url: String,
    /// URI Template (level 1) with `accountId`, `blobId`, `type`, `name`.
    pub download_url: String,
    /// URI Template (level 1) with `accountId`.
    pub upload_url: String,
    /// URI Template (level 1) with `types`, `closeafter`, `ping`.
    pub event_source_url: String,
    /// Changes whenever anything else here changes; echoed as the
    /// `sessionState` of every API response (§3.4).
    pub state: String,
}

impl Session {
    /// A session with only the core capability and no accounts.
    pub fn new(core: &CoreCapability) -> Self {
        let mut s = Session {
            capabilities: BTreeMap::new(),
            accounts: BTreeMap::new(),
            primary_accounts: BTreeMap::new(),
            username: String::new(),
            api_url: String::new(),
            download_url: String::new(),
            upload_url: String::new(),
            event_source_url: String::new(),
            state: String::new(),
        };
        s.set_core_capability(core);
        s
    }

    /// Sets the `urn:ietf:params:jmap:core` capability.
    pub fn set_core_capability(&mut self, core: &CoreCapability) {
        let value = serde_json::to_value(core).unwrap_or_else(|_| Value::Object(Map::new()));
        self.capabilities.insert(capability::CORE.into(), value);
    }

    /// The `urn:ietf:params:jmap:core` capability, if present and well-formed.
    pub fn core_capability(&self) -> Option<CoreCapability> {
        let value = self.capabilities.get(capability::CORE)?;
        CoreCapability::deserialize(value).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The example Session of RFC 8620 §2.1, with the elided `...` parts
    /// removed and the URLs joined back onto one line.
    fn rfc_example() -> Value {
        json!({
          "capabilities": {
            "urn:ietf:params:jmap:core": {
              "maxSizeUpload": 50000000,
              "maxConcurrentUpload": 8,
              "maxSizeRequest": 10000000,
              "maxConcurrentRequests": 8,
              "maxCallsInRequest": 32,
              "maxObjectsInGet": 256,
              "maxObjectsInSet": 128,
              "collationAlgorithms": [
                "i;ascii-numeric",
                "i;ascii-casemap",
                "i;unicode-casemap"
              ]
            },
            "urn:ietf:params:jmap:mail": {},
            "urn:ietf:params:jmap:contacts": {},
            "https://example.com/apis/foobar": {
              "maxFoosFinangled": 42
            }
          },
          "accounts": {
            "A13824": {
              "name": "john@example.com",
              "isPersonal": true,
              "isReadOnly": false,
              "accountCapabilities": {
                "urn:ietf:params:jmap:mail": {
                  "maxMailboxesPerEmail": null,
                  "maxMailboxDepth": 10
                },
                "urn:ietf:params:jmap:contacts": {}
              }
            },
            "A97813": {
              "name": "jane@example.com",
              "isPersonal": false,
              "isReadOnly": true,
              "accountCapabilities": {
                "urn:ietf:params:jmap:mail": {
                  "maxMailboxesPerEmail": 1,
                  "maxMailboxDepth": 10
                }
              }
            }
          },
          "primaryAccounts": {
            "urn:ietf:params:jmap:mail": "A13824",
            "urn:ietf:params:jmap:contacts": "A13824"
          },
          "username": "john@example.com",
          "apiUrl": "https://jmap.example.com/api/",
          "downloadUrl": "https://jmap.example.com/download/{accountId}/{blobId}/{name}?accept={type}",
          "uploadUrl": "https://jmap.example.com/upload/{accountId}/",
          "eventSourceUrl": "https://jmap.example.com/eventsource/?types={types}&closeafter={closeafter}&ping={ping}",
          "state": "75128aab4b1b"
        })
    }

    #[test]
    fn parses_rfc_example() {
        let session: Session = serde_json::from_value(rfc_example()).unwrap();
        let core = session.core_capability().unwrap();
        assert_eq!(core.limits.max_calls_in_request, 32);
        assert_eq!(core.limits.max_objects_in_set, 128);
        assert_eq!(core.collation_algorithms.len(), 3);
        let jane = &session.accounts["A97813"];
        assert!(jane.is_read_only && !jane.is_personal);
        assert_eq!(
            session.primary_accounts["urn:ietf:params:jmap:mail"],
            "A13824"
        );
        assert_eq!(session.state, "75128aab4b1b");
        // Round trip: what we serialize is what we read.
        assert_eq!(serde_json::to_value(&session).unwrap(), rfc_example());
    }

    #[test]
    fn defaults_are_the_suggested_minimums() {
        let core = CoreCapability::new(CoreLimits::default(), ["i;ascii-casemap"]);
        let v = serde_json::to_value(&core).unwrap();
        assert_eq!(
            v,
            json!({
                "maxSizeUpload": 50000000u64,
                "maxConcurrentUpload": 4,
                "maxSizeRequest": 10000000u64,
                "maxConcurrentRequests": 4,
                "maxCallsInRequest": 16,
                "maxObjectsInGet": 500,
                "maxObjectsInSet": 500,
                "collationAlgorithms": ["i;ascii-casemap"]
            })
        );
        let mut session = Session::new(&core);
        assert_eq!(session.core_capability(), Some(core.clone()));
        session
            .capabilities
            .insert(capability::CORE.into(), json!({"maxSizeUpload": "big"}));
        assert_eq!(session.core_capability(), None);
    }

    #[test]
    fn rejects_invalid_account_ids() {
        let mut v = rfc_example();
        v["accounts"]["bad id"] = v["accounts"]["A13824"].clone();
        assert!(serde_json::from_value::<Session>(v).is_err());
    }
}
