//! The `Id` data type (RFC 8620 §1.2), creation-id references (§5.3) and
//! the `Int` / `UnsignedInt` ranges (§1.3).
//!
//! An `Id` is 1 to 255 octets of the "URL and Filename Safe" base64
//! alphabet without padding: `A-Z a-z 0-9 - _`. Deserializing an [`Id`]
//! refuses anything else, so a typed argument holding one can only hold a
//! valid id. Numbers in JMAP are I-JSON numbers: integers are exact only up
//! to 2^53 - 1, hence the [`Int`] and [`UnsignedInt`] bounds.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// The longest an [`Id`] may be, in octets (RFC 8620 §1.2).
pub const MAX_ID_LEN: usize = 255;

/// Why a string is not a valid [`Id`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The empty string.
    #[error("an Id must be at least 1 character long")]
    Empty,
    /// Longer than [`MAX_ID_LEN`] octets; holds the length.
    #[error("an Id is at most 255 octets, this one has {0}")]
    TooLong(usize),
    /// A character outside `A-Za-z0-9-_`, at that octet offset.
    #[error("an Id holds only A-Z, a-z, 0-9, '-' and '_', not {ch:?} (at octet {at})")]
    InvalidChar {
        /// The offending character.
        ch: char,
        /// Its octet offset in the string.
        at: usize,
    },
}

/// Checks `s` against RFC 8620 §1.2 without allocating.
pub fn validate_id(s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    if s.len() > MAX_ID_LEN {
        return Err(IdError::TooLong(s.len()));
    }
    match s
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        Some((at, ch)) => Err(IdError::InvalidChar { ch, at }),
        None => Ok(()),
    }
}

/// A JMAP record id (RFC 8620 §1.2): 1..=255 chars of `A-Za-z0-9-_`.
///
/// Ordered and hashed as its string, and borrowable as `&str`, so maps
/// keyed by `Id` can be looked up with a plain string.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(String);

impl Id {
    /// Validates and wraps `s`.
    pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
        let s = s.into();
        validate_id(&s)?;
        Ok(Id(s))
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({:?})", self.0)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Id {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Id::new(s)
    }
}

impl TryFrom<String> for Id {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Id::new(s)
    }
}

impl TryFrom<&str> for Id {
    type Error = IdError;
    fn try_from(s: &str) -> Result<Self, IdError> {
        Id::new(s)
    }
}

impl AsRef<str> for Id {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Id {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Id {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Id {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl From<Id> for String {
    fn from(id: Id) -> String {
        id.0
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl Visitor<'_> for IdVisitor {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an Id (1 to 255 characters of A-Za-z0-9-_)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
                Id::new(v).map_err(|e| E::custom(format_args!("invalid Id {v:?}: {e}")))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Id, E> {
                match validate_id(&v) {
                    Ok(()) => Ok(Id(v)),
                    Err(e) => Err(E::custom(format_args!("invalid Id {v:?}: {e}"))),
                }
            }
        }
        deserializer.deserialize_str(IdVisitor)
    }
}

/// An id argument that may name a record created earlier in the same
/// request by its creation id, written `#` + creation id (RFC 8620 §5.3:
/// creates happen before their creation ids are referenced by another
/// create/update/destroy). Used for the keys of `/set`'s `update` and the
/// items of its `destroy`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdRef {
    /// A plain record id.
    Id(Id),
    /// `#creationId`: holds the creation id without the `#`.
    Creation(Id),
}

impl IdRef {
    /// Parses `abc` as [`IdRef::Id`] and `#abc` as [`IdRef::Creation`].
    pub fn parse(s: &str) -> Result<Self, IdError> {
        match s.strip_prefix('#') {
            Some(creation) => Ok(IdRef::Creation(Id::new(creation)?)),
            None => Ok(IdRef::Id(Id::new(s)?)),
        }
    }

    /// The record id: a plain id as is, a creation reference through the
    /// request's `createdIds` map (RFC 8620 §3.3); `None` when the
    /// creation id was never created.
    pub fn resolve<'a>(&'a self, created_ids: &'a BTreeMap<Id, Id>) -> Option<&'a Id> {
        match self {
            IdRef::Id(id) => Some(id),
            IdRef::Creation(creation) => created_ids.get(creation),
        }
    }
}

impl From<Id> for IdRef {
    fn from(id: Id) -> Self {
        IdRef::Id(id)
    }
}

impl fmt::Display for IdRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdRef::Id(id) => f.write_str(id.as_str()),
            IdRef::Creation(id) => write!(f, "#{id}"),
        }
    }
}

impl Serialize for IdRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IdRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdRefVisitor;
        impl Visitor<'_> for IdRefVisitor {
            type Value = IdRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an Id, or '#' and a creation id")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IdRef, E> {
                IdRef::parse(v).map_err(|e| E::custom(format_args!("invalid Id {v:?}: {e}")))
            }
        }
        deserializer.deserialize_str(IdRefVisitor)
    }
}

/// The largest `UnsignedInt` and `Int`: 2^53 - 1 (RFC 8620 §1.3).
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;
/// The smallest `Int`: -2^53 + 1 (RFC 8620 §1.3).
pub const MIN_SAFE_INTEGER: i64 = -MAX_SAFE_INTEGER;

/// Whether `n` is a valid `Int` (-2^53+1 ..= 2^53-1).
pub fn is_int(n: i64) -> bool {
    (MIN_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&n)
}

/// Whether `n` is a valid `UnsignedInt` (0 ..= 2^53-1).
pub fn is_unsigned_int(n: u64) -> bool {
    n <= MAX_SAFE_INTEGER as u64
}

/// An `Int` (RFC 8620 §1.3): an integer in -2^53+1 ..= 2^53-1.
///
/// Deserializing refuses fractions, floats and out-of-range integers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Int(i64);

impl Int {
    /// `n` if it is in range.
    pub fn new(n: i64) -> Option<Self> {
        is_int(n).then_some(Int(n))
    }

    /// The value.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl Serialize for Int {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IntVisitor;
        impl Visitor<'_> for IntVisitor {
            type Value = Int;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an Int (an integer from -2^53+1 to 2^53-1)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
                Int::new(v).ok_or_else(|| E::custom(format_args!("{v} is outside the Int range")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(Int::new)
                    .ok_or_else(|| E::custom(format_args!("{v} is outside the Int range")))
            }
        }
        deserializer.deserialize_i64(IntVisitor)
    }
}

/// An `UnsignedInt` (RFC 8620 §1.3): an integer in 0 ..= 2^53-1.
///
/// Deserializing refuses negative numbers, fractions and floats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnsignedInt(u64);

impl UnsignedInt {
    /// `n` if it is in range.
    pub fn new(n: u64) -> Option<Self> {
        is_unsigned_int(n).then_some(UnsignedInt(n))
    }

    /// The value.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl Serialize for UnsignedInt {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for UnsignedInt {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UnsignedIntVisitor;
        impl Visitor<'_> for UnsignedIntVisitor {
            type Value = UnsignedInt;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an UnsignedInt (an integer from 0 to 2^53-1)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<UnsignedInt, E> {
                u64::try_from(v)
                    .ok()
                    .and_then(UnsignedInt::new)
                    .ok_or_else(|| E::custom(format_args!("{v} is outside the UnsignedInt range")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<UnsignedInt, E> {
                UnsignedInt::new(v)
                    .ok_or_else(|| E::custom(format_args!("{v} is outside the UnsignedInt range")))
            }
        }
        deserializer.deserialize_u64(UnsignedIntVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn valid_ids() {
        for s in ["a", "A13824", "msg1023", "trd-194_x", "0", "-", "_"] {
            assert_eq!(Id::new(s).map(|i| i.into_string()), Ok(s.to_string()));
        }
        let max = "x".repeat(255);
        assert!(Id::new(max.as_str()).is_ok());
    }

    #[test]
    fn invalid_ids() {
        assert_eq!(Id::new(""), Err(IdError::Empty));
        assert_eq!(Id::new("x".repeat(256)), Err(IdError::TooLong(256)));
        assert_eq!(
            Id::new("ab/c"),
            Err(IdError::InvalidChar { ch: '/', at: 2 })
        );
        assert_eq!(Id::new("#k1"), Err(IdError::InvalidChar { ch: '#', at: 0 }));
        // '=' is base64url padding, excluded; so are spaces and non-ASCII.
        for s in ["ab=", "a b", "é", "a.b", "a+b", "a\0"] {
            assert!(Id::new(s).is_err(), "{s:?} accepted");
        }
        // 255 octets, not 255 characters, is the limit.
        assert!(matches!(
            Id::new("é".repeat(128)),
            Err(IdError::TooLong(256))
        ));
    }

    #[test]
    fn id_serde_rejects_invalid() {
        let id: Id = serde_json::from_value(json!("f1")).unwrap();
        assert_eq!(id, "f1");
        assert_eq!(serde_json::to_value(&id).unwrap(), json!("f1"));
        let err = serde_json::from_value::<Id>(json!("a b")).unwrap_err();
        assert!(err.to_string().contains("invalid Id"), "{err}");
        assert!(serde_json::from_value::<Id>(json!(12)).is_err());
        assert!(serde_json::from_value::<Id>(json!("")).is_err());
        // As map keys too.
        let bad = serde_json::from_value::<BTreeMap<Id, Id>>(json!({"k 1": "a"}));
        assert!(bad.is_err());
        let ok: BTreeMap<Id, Id> = serde_json::from_value(json!({"k1": "a"})).unwrap();
        assert_eq!(ok.get("k1").map(Id::as_str), Some("a"));
    }

    #[test]
    fn id_ref_parses_and_resolves() {
        let plain = IdRef::parse("a1").unwrap();
        let creation = IdRef::parse("#k15").unwrap();
        assert_eq!(plain, IdRef::Id(Id::new("a1").unwrap()));
        assert_eq!(creation, IdRef::Creation(Id::new("k15").unwrap()));
        assert!(IdRef::parse("#").is_err());
        assert!(IdRef::parse("##a").is_err());
        let mut created = BTreeMap::new();
        created.insert(Id::new("k15").unwrap(), Id::new("M77").unwrap());
        assert_eq!(creation.resolve(&created).map(Id::as_str), Some("M77"));
        assert_eq!(plain.resolve(&created).map(Id::as_str), Some("a1"));
        assert_eq!(IdRef::parse("#k16").unwrap().resolve(&created), None);
        assert_eq!(serde_json::to_value(&creation).unwrap(), json!("#k15"));
        let back: IdRef = serde_json::from_value(json!("#k15")).unwrap();
        assert_eq!(back, creation);
    }

    #[test]
    fn int_bounds() {
        assert!(is_int(MAX_SAFE_INTEGER) && is_int(MIN_SAFE_INTEGER));
        assert!(!is_int(MAX_SAFE_INTEGER + 1) && !is_int(MIN_SAFE_INTEGER - 1));
        assert!(is_unsigned_int(0) && is_unsigned_int(9_007_199_254_740_991));
        assert!(!is_unsigned_int(9_007_199_254_740_992));

        let n: Int = serde_json::from_value(json!(-5)).unwrap();
        assert_eq!(n.get(), -5);
        assert!(serde_json::from_value::<Int>(json!(9_007_199_254_740_992u64)).is_err());
        assert!(serde_json::from_value::<Int>(json!(-9_007_199_254_740_992i64)).is_err());
        assert!(serde_json::from_value::<Int>(json!(1.5)).is_err());
        assert!(serde_json::from_value::<Int>(json!("1")).is_err());

        let u: UnsignedInt = serde_json::from_value(json!(9_007_199_254_740_991u64)).unwrap();
        assert_eq!(u.get(), 9_007_199_254_740_991);
        assert!(serde_json::from_value::<UnsignedInt>(json!(-1)).is_err());
        assert!(serde_json::from_value::<UnsignedInt>(json!(9_007_199_254_740_992u64)).is_err());
        assert!(serde_json::from_value::<UnsignedInt>(json!(2.0)).is_err());
        assert_eq!(UnsignedInt::new(1 << 53), None);
    }
}
