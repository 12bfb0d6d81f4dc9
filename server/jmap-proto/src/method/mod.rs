//! Arguments and responses of the standard methods (RFC 8620 §5.1 to
//! §5.6), and the PatchObject of `/set` (§5.3).
//!
//! | module | methods | RFC |
//! | --- | --- | --- |
//! | [`get`] | [`GetRequest`], [`GetResponse`] | §5.1 |
//! | [`changes`] | [`ChangesRequest`], [`ChangesResponse`] | §5.2 |
//! | [`set`] | [`SetRequest`], [`SetResponse`] | §5.3 |
//! | [`patch`] | [`PatchObject`] | §5.3 |
//! | [`copy`] | [`CopyRequest`], [`CopyResponse`] | §5.4 |
//! | [`query`] | [`QueryRequest`], [`QueryResponse`], [`Filter`], [`Comparator`] | §5.5 |
//! | [`query_changes`] | [`QueryChangesRequest`], [`QueryChangesResponse`] | §5.6 |
//!
//! Each request type has `parse(arguments, &CoreLimits)`, which takes the
//! arguments of an invocation whose result references are already
//! resolved ([`resolve_result_references`](crate::reference::resolve_result_references))
//! and answers `invalidArguments` for an unknown, missing or ill-typed
//! argument, naming it. A data type adding arguments of its own (say
//! Email/get's `bodyProperties`) uses `from_arguments` on an
//! [`Arguments`], takes its extras from it, then calls
//! [`Arguments::finish`].
//!
//! Arguments whose type allows `null` treat `null` as absent; an argument
//! with a default (e.g. `position`) also takes its default for `null`.

pub mod changes;
pub mod copy;
pub mod get;
pub mod patch;
pub mod query;
pub mod query_changes;
pub mod set;

pub use changes::{ChangesRequest, ChangesResponse};
pub use copy::{CopyRequest, CopyResponse};
pub use get::{GetRequest, GetResponse};
pub use patch::PatchObject;
pub use query::{Comparator, Filter, FilterOperator, QueryRequest, QueryResponse, QueryWindow};
pub use query_changes::{AddedItem, QueryChangesRequest, QueryChangesResponse};
pub use set::{SetRequest, SetResponse};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::MethodError;
use crate::id::UnsignedInt;

/// The arguments of one method call, taken out one by one; what is left
/// at [`Arguments::finish`] is unknown to the method.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Arguments {
    map: Map<String, Value>,
}

impl Arguments {
    /// Wraps an invocation's arguments.
    pub fn new(map: Map<String, Value>) -> Self {
        Arguments { map }
    }

    /// Takes `name`: `None` when absent or `null`.
    pub fn optional<T: DeserializeOwned>(&mut self, name: &str) -> Result<Option<T>, MethodError> {
        match self.map.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => serde_json::from_value(value)
                .map(Some)
                .map_err(|e| MethodError::invalid_arguments(format!("argument {name:?}: {e}"))),
        }
    }

    /// Takes `name`, which must be present and not `null`.
    pub fn required<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, MethodError> {
        match self.map.contains_key(name) {
            false => Err(MethodError::invalid_arguments(format!(
                "the argument {name:?} is required"
            ))),
            true => self.optional(name)?.ok_or_else(|| {
                MethodError::invalid_arguments(format!("the argument {name:?} must not be null"))
            }),
        }
    }

    /// Takes `name`, or `T::default()` when absent or `null`.
    pub fn or_default<T: DeserializeOwned + Default>(
        &mut self,
        name: &str,
    ) -> Result<T, MethodError> {
        Ok(self.optional(name)?.unwrap_or_default())
    }

    /// Takes an `UnsignedInt|null` argument that, when given, must be > 0
    /// (`maxChanges` of §5.2 and §5.6).
    pub fn positive(&mut self, name: &str) -> Result<Option<u64>, MethodError> {
        match self.optional::<UnsignedInt>(name)? {
            Some(n) if n.get() == 0 => Err(MethodError::invalid_arguments(format!(
                "the argument {name:?} must be greater than 0"
            ))),
            n => Ok(n.map(UnsignedInt::get)),
        }
    }

    /// The names not taken yet.
    pub fn remaining(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    /// `invalidArguments` naming every argument not taken, if any.
    pub fn finish(self) -> Result<(), MethodError> {
        if self.map.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = self.map.keys().map(|k| format!("{k:?}")).collect();
        Err(MethodError::invalid_arguments(format!(
            "unknown argument{} {}",
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        )))
    }
}

/// Serializes a response struct into an invocation's arguments; a
/// `serverFail` if it does not serialize to an object (a bug).
pub fn to_arguments<T: Serialize>(response: &T) -> Result<Map<String, Value>, MethodError> {
    match serde_json::to_value(response) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(MethodError::server_fail(
            "a method response did not serialize to an object",
        )),
        Err(e) => Err(MethodError::server_fail(format!(
            "a method response did not serialize: {e}"
        ))),
    }
}

/// Parses with `from_arguments` and then refuses unknown arguments.
fn parse_all<T>(
    arguments: Map<String, Value>,
    from_arguments: impl FnOnce(&mut Arguments) -> Result<T, MethodError>,
) -> Result<T, MethodError> {
    let mut args = Arguments::new(arguments);
    let parsed = from_arguments(&mut args)?;
    args.finish()?;
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::MethodErrorType;
    use crate::id::Id;
    use serde_json::json;

    fn args(v: Value) -> Arguments {
        Arguments::new(v.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn required_optional_default() {
        let mut a = args(json!({"accountId": "A1", "ids": null, "flag": true, "n": null}));
        let id: Id = a.required("accountId").unwrap();
        assert_eq!(id, "A1");
        assert_eq!(a.optional::<Vec<Id>>("ids").unwrap(), None);
        assert!(a.or_default::<bool>("flag").unwrap());
        assert_eq!(a.or_default::<i64>("n").unwrap(), 0);
        assert_eq!(a.or_default::<i64>("absent").unwrap(), 0);
        assert_eq!(a.remaining().count(), 0);
        assert!(a.finish().is_ok());
    }

    #[test]
    fn errors_name_the_argument() {
        let mut a = args(json!({"accountId": null, "ids": "x"}));
        let e = a.required::<Id>("accountId").unwrap_err();
        assert_eq!(e.kind, MethodErrorType::InvalidArguments);
        assert!(
            e.description
                .unwrap()
                .contains("\"accountId\" must not be null")
        );
        let e = a.required::<Id>("missing").unwrap_err();
        assert!(e.description.unwrap().contains("\"missing\" is required"));
        let e = a.optional::<Vec<Id>>("ids").unwrap_err();
        assert!(e.description.unwrap().starts_with("argument \"ids\""));
    }

    #[test]
    fn finish_lists_all_unknown() {
        let a = args(json!({"foo": 1, "bar": 2}));
        let e = a.finish().unwrap_err();
        assert_eq!(e.kind, MethodErrorType::InvalidArguments);
        assert_eq!(e.description.unwrap(), "unknown arguments \"bar\", \"foo\"");
    }

    #[test]
    fn positive_refuses_zero_and_negative() {
        let mut a = args(json!({"a": 0, "b": -1, "c": 5, "d": null}));
        assert!(a.positive("a").is_err());
        assert!(a.positive("b").is_err());
        assert_eq!(a.positive("c").unwrap(), Some(5));
        assert_eq!(a.positive("d").unwrap(), None);
    }

    #[test]
    fn to_arguments_needs_an_object() {
        assert!(to_arguments(&json!({"a": 1})).is_ok());
        let e = to_arguments(&json!([1])).unwrap_err();
        assert_eq!(e.kind, MethodErrorType::ServerFail);
    }
}
