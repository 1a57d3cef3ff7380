//! What [`Encrypted`](super::Encrypted) and [`Sealed`](super::Sealed) share: a record's JSON as
//! stored, typed by the record it reads back into. Each type is declared in its own file, with
//! its own `Debug`; `stored_json!` gives it the constructor, the accessors and the traits that
//! only pass the JSON through.

/// Implements `from_json`, `as_json`, `into_json`, `Clone`, `PartialEq`, `Serialize` and
/// `Deserialize` for `$name<T>`, a struct of `json: Value` and `record: PhantomData<fn() -> T>`.
/// `$sample` is a JSON value of that stored form, for the examples.
macro_rules! stored_json {
    ($name:ident, $sample:literal) => {
        impl<T: ?Sized> $name<T> {
            #[doc = concat!("Wraps stored JSON (e.g. read from a database) as a `", stringify!($name), "<T>`. Nothing")]
            #[doc = "is checked until it is read back."]
            #[doc = ""]
            #[doc = "```"]
            #[doc = concat!("let s = data_masking::", stringify!($name), "::<()>::from_json(serde_json::json!(", $sample, "));")]
            #[doc = concat!("assert_eq!(s.as_json(), &serde_json::json!(", $sample, "));")]
            #[doc = "```"]
            pub fn from_json(json: serde_json::Value) -> Self {
                Self {
                    json,
                    record: std::marker::PhantomData,
                }
            }

            /// The stored JSON.
            ///
            /// ```
            #[doc = concat!("let s = data_masking::", stringify!($name), "::<()>::from_json(serde_json::json!(", $sample, "));")]
            /// assert!(s.as_json().is_object());
            /// ```
            pub fn as_json(&self) -> &serde_json::Value {
                &self.json
            }

            /// The stored JSON, by value.
            ///
            /// ```
            #[doc = concat!("let s = data_masking::", stringify!($name), "::<()>::from_json(serde_json::json!(", $sample, "));")]
            #[doc = concat!("assert_eq!(s.into_json(), serde_json::json!(", $sample, "));")]
            /// ```
            pub fn into_json(self) -> serde_json::Value {
                self.json
            }
        }

        impl<T: ?Sized> Clone for $name<T> {
            fn clone(&self) -> Self {
                Self::from_json(self.json.clone())
            }
        }

        impl<T: ?Sized> PartialEq for $name<T> {
            fn eq(&self, other: &Self) -> bool {
                self.json == other.json
            }
        }

        impl<T: ?Sized> serde::Serialize for $name<T> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.json.serialize(serializer)
            }
        }

        impl<'de, T: ?Sized> serde::Deserialize<'de> for $name<T> {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                serde_json::Value::deserialize(deserializer).map(Self::from_json)
            }
        }
    };
}

pub(crate) use stored_json;

use serde_json::Value;

use super::sensitive::Sensitive;
use crate::erase::Mask;
use crate::path::each_mut;

/// A copy of a stored record's `json` with `T`'s masks applied, for `Debug`: every masked
/// field's value but those `kept` leaves as they are.
pub(super) fn masked_copy<T: ?Sized + Sensitive>(json: &Value, kept: fn(&Value) -> bool) -> Value {
    let mut shown = json.clone();
    for (path, rule) in T::sensitive_fields().masked() {
        // The derive checks every regex at compile time; a hand-written rule that does not
        // compile still hides the value.
        let mask = rule.to_mask().unwrap_or(Mask::Default);
        each_mut(&mut shown, path.steps(), &mut |node| {
            if !kept(node) {
                *node = mask.apply(node);
            }
        });
    }
    shown
}
