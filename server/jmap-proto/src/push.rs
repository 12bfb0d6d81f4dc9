//! Push (RFC 8620 §7): the StateChange object every push channel sends (§7.1), over
//! EventSource (§7.3) and over WebSocket (RFC 8887 §4.3.5.1, which adds `pushState`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// A StateChange (RFC 8620 §7.1): for each account that changed, the new state string of
/// each data type that changed in it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StateChange {
    /// Account id to (type name to state).
    pub changed: BTreeMap<String, BTreeMap<String, String>>,
    /// RFC 8887 §4.3.5.1: the state of everything the user can see, to resume push from
    /// after a reconnection (`WebSocketPushEnable`'s `pushState`); absent over EventSource.
    pub push_state: Option<String>,
}

impl StateChange {
    /// A change of one account, every type in `types` at `state`.
    pub fn of_account<'a>(
        account: impl Into<String>,
        types: impl IntoIterator<Item = &'a str>,
        state: &str,
    ) -> StateChange {
        let states = types
            .into_iter()
            .map(|t| (t.to_string(), state.to_string()))
            .collect();
        StateChange {
            changed: [(account.into(), states)].into_iter().collect(),
            push_state: None,
        }
    }
}

impl Serialize for StateChange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = if self.push_state.is_some() { 3 } else { 2 };
        let mut m = serializer.serialize_map(Some(len))?;
        m.serialize_entry("@type", "StateChange")?;
        m.serialize_entry("changed", &self.changed)?;
        if let Some(state) = &self.push_state {
            m.serialize_entry("pushState", state)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serializes_as_rfc_8620_and_8887_show() {
        let mut change = StateChange::of_account("A1", ["Email", "Mailbox"], "42");
        assert_eq!(
            serde_json::to_value(&change).unwrap(),
            json!({"@type": "StateChange", "changed": {"A1": {"Email": "42", "Mailbox": "42"}}})
        );
        change.push_state = Some("42".into());
        assert_eq!(serde_json::to_value(&change).unwrap()["pushState"], "42");
    }
}
