//! The PatchObject of `Foo/set`'s `update` (RFC 8620 §5.3).
//!
//! Each key is a JSON Pointer (RFC 6901) without its leading `/`; each
//! value is the new value at that path, or `null` to remove it. The patch
//! is refused with `invalidPatch` when a path is not a valid pointer, when
//! a part before the last does not exist or is not an object (paths never
//! reach inside arrays), or when one path is a prefix of another.
//!
//! What a path *may* change (server-set or immutable properties, property
//! defaults for `null`) depends on the data type and is the method's to
//! check, with [`PatchObject::properties`] to see which top-level
//! properties are touched.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::SetError;
use crate::reference::unescape_token;

/// A PatchObject: path to new value (RFC 8620 §5.3).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PatchObject(pub Map<String, Value>);

/// One parsed patch: the unescaped path tokens and the value to set
/// (`null` to remove).
#[derive(Debug, Clone, PartialEq)]
pub struct Patch<'a> {
    /// The path, split and unescaped; never empty.
    pub path: Vec<String>,
    /// The value to set, `null` to remove.
    pub value: &'a Value,
}

impl PatchObject {
    /// Parses every key and checks that no path is a prefix of another.
    pub fn patches(&self) -> Result<Vec<Patch<'_>>, SetError> {
        let mut patches = Vec::with_capacity(self.0.len());
        for (key, value) in &self.0 {
            let path = key
                .split('/')
                .map(unescape_token)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| SetError::invalid_patch(format!("path {key:?}: {e}")))?;
            patches.push(Patch { path, value });
        }
        // Sorted, a path that is a prefix of others comes right before them.
        let mut sorted: Vec<&Vec<String>> = patches.iter().map(|p| &p.path).collect();
        sorted.sort();
        for pair in sorted.windows(2) {
            if let [a, b] = pair
                && b.starts_with(a)
            {
                return Err(SetError::invalid_patch(format!(
                    "the path {:?} is a prefix of the path {:?}",
                    a.join("/"),
                    b.join("/")
                )));
            }
        }
        Ok(patches)
    }

    /// The top-level properties the patch touches.
    pub fn properties(&self) -> BTreeSet<String> {
        self.0
            .keys()
            .filter_map(|k| unescape_token(k.split('/').next().unwrap_or("")).ok())
            .collect()
    }

    /// Applies the patch to `target`, all or nothing: on an error `target`
    /// is unchanged. `null` removes the property (a no-op when absent);
    /// filling in a type's default instead is the caller's business.
    pub fn apply(&self, target: &mut Map<String, Value>) -> Result<(), SetError> {
        let patches = self.patches()?;
        for patch in &patches {
            check_parent(target, &patch.path)?;
        }
        for patch in patches {
            let Some((last, parents)) = patch.path.split_last() else {
                continue;
            };
            let Some(parent) = parent_mut(target, parents) else {
                // Checked above; unreachable, but never panic.
                return Err(SetError::invalid_patch("the patch changed while applying"));
            };
            if patch.value.is_null() {
                parent.remove(last.as_str());
            } else {
                parent.insert(last.clone(), patch.value.clone());
            }
        }
        Ok(())
    }
}

/// Checks every part of `path` before the last exists and is an object.
fn check_parent(target: &Map<String, Value>, path: &[String]) -> Result<(), SetError> {
    let mut current = target;
    let parents = path.len().saturating_sub(1);
    for (i, token) in path.iter().take(parents).enumerate() {
        let at = || path.get(..=i).unwrap_or(path).join("/");
        current = match current.get(token.as_str()) {
            Some(Value::Object(map)) => map,
            Some(Value::Array(_)) => {
                return Err(SetError::invalid_patch(format!(
                    "the path {:?} reaches inside the array at {:?}; replace the whole array instead",
                    path.join("/"),
                    at()
                )));
            }
            Some(_) | None => {
                return Err(SetError::invalid_patch(format!(
                    "the path {:?} needs an object at {:?}, which does not exist",
                    path.join("/"),
                    at()
                )));
            }
        };
    }
    Ok(())
}

fn parent_mut<'a>(
    mut current: &'a mut Map<String, Value>,
    parents: &[String],
) -> Option<&'a mut Map<String, Value>> {
    for token in parents {
        current = current.get_mut(token.as_str())?.as_object_mut()?;
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SetErrorType;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn patch(v: Value) -> PatchObject {
        PatchObject(map(v))
    }

    /// The "Practise Piano" Todo of RFC 8620 §5.7.
    fn todo() -> Map<String, Value> {
        map(json!({
            "id": "a",
            "title": "Practise Piano",
            "keywords": {
                "music": true, "beethoven": true, "mozart": true,
                "liszt": true, "rachmaninov": true
            },
            "neuralNetworkTimeEstimation": 3600
        }))
    }

    #[test]
    fn rfc_minimal_patch_equals_whole_object() {
        // RFC 8620 §5.7: the minimal patch and the whole object agree.
        let mut by_patch = todo();
        patch(json!({"keywords/chopin": true, "keywords/mozart": null}))
            .apply(&mut by_patch)
            .unwrap();
        let mut by_object = todo();
        patch(json!({
            "id": "a",
            "title": "Practise Piano",
            "keywords": {
                "music": true, "beethoven": true, "chopin": true,
                "liszt": true, "rachmaninov": true
            },
            "neuralNetworkTimeEstimation": 3600
        }))
        .apply(&mut by_object)
        .unwrap();
        assert_eq!(by_patch, by_object);
        assert_eq!(by_patch["keywords"]["chopin"], json!(true));
        assert!(by_patch["keywords"].get("mozart").is_none());
    }

    #[test]
    fn null_removes_and_absent_null_is_noop() {
        let mut t = todo();
        patch(json!({"title": null, "nothere": null, "keywords/nothere": null}))
            .apply(&mut t)
            .unwrap();
        assert!(!t.contains_key("title"));
        assert!(!t.contains_key("nothere"));
        assert_eq!(t["keywords"].as_object().map(Map::len), Some(5));
    }

    #[test]
    fn escaping() {
        let mut t = map(json!({"a/b": {"c~d": 1}}));
        patch(json!({"a~1b/c~0d": 2, "e~1f": 3}))
            .apply(&mut t)
            .unwrap();
        assert_eq!(Value::Object(t), json!({"a/b": {"c~d": 2}, "e/f": 3}));
        let e = patch(json!({"a~2": 1})).apply(&mut todo()).unwrap_err();
        assert_eq!(e.kind, SetErrorType::InvalidPatch);
    }

    #[test]
    fn invalid_patches_leave_target_alone() {
        let mut t = map(json!({"alerts": [{"offset": 1}], "name": "x", "o": {"p": 1}}));
        let before = t.clone();
        for (p, needle) in [
            // The parent does not exist.
            (json!({"missing/x": 1}), "does not exist"),
            (json!({"o/q/r": 1}), "does not exist"),
            // The parent is not an object.
            (json!({"name/x": 1}), "does not exist"),
            // Inside an array.
            (json!({"alerts/0/offset": 2}), "inside the array"),
            // One path a prefix of another (RFC's own example).
            (json!({"alerts/1/offset": 1, "alerts": []}), "prefix"),
            (json!({"o": {}, "o/p": 2}), "prefix"),
            // A valid patch alongside an invalid one changes nothing.
            (json!({"name": "y", "missing/x": 1}), "does not exist"),
        ] {
            let e = patch(p.clone()).apply(&mut t).unwrap_err();
            assert_eq!(e.kind, SetErrorType::InvalidPatch, "{p}");
            assert!(
                e.description.as_deref().unwrap_or("").contains(needle),
                "{p}: {e}"
            );
            assert_eq!(t, before, "{p}");
        }
        // Paths sharing a prefix string but not a token are fine.
        patch(json!({"o/p": 2, "o/pp": 3})).apply(&mut t).unwrap();
        assert_eq!(t["o"], json!({"p": 2, "pp": 3}));
    }

    #[test]
    fn properties_touched() {
        let p = patch(json!({"keywords/chopin": true, "title": "x", "a~1b/c": 1}));
        let props: Vec<String> = p.properties().into_iter().collect();
        assert_eq!(props, vec!["a/b", "keywords", "title"]);
    }
}
