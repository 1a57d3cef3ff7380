//! A [`Serializer`] that writes Rust `Debug` notation, so a masked view prints as
//! `Customer { ssn: "*****", .. }` through the formatter's own builders (`{:#?}` works).

use std::fmt::{self, Debug, Formatter};

use serde::ser::{self, Serialize, Serializer};

/// The error of [`DebugSerializer`]: the formatter failed, or a value refused to serialize.
#[derive(Debug)]
pub struct DebugError {
    /// True when writing to the formatter failed (the error to pass on).
    formatter: bool,
}

impl DebugError {
    const VALUE: DebugError = DebugError { formatter: false };
}

impl fmt::Display for DebugError {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(if self.formatter {
            "the formatter failed"
        } else {
            "the value could not be serialized"
        })
    }
}

impl std::error::Error for DebugError {}

impl ser::Error for DebugError {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        DebugError::VALUE
    }
}

impl From<fmt::Error> for DebugError {
    fn from(_: fmt::Error) -> Self {
        DebugError { formatter: true }
    }
}

/// Formats any [`Serialize`] value with `Debug` notation. A value whose serialization fails is
/// written as `<unserializable>` (formatting never fails because of the value, so `format!`
/// cannot panic on it).
///
/// ```
/// use data_masking::typed::DebugSerialize;
/// let v = (1, "a", Some(vec![true]));
/// assert_eq!(format!("{:?}", DebugSerialize(&v)), r#"(1, "a", Some([true]))"#);
/// ```
pub struct DebugSerialize<'a, T: ?Sized>(pub &'a T);

impl<T: ?Sized + Serialize> Debug for DebugSerialize<'_, T> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0.serialize(DebugSerializer { f }) {
            Ok(()) => Ok(()),
            Err(e) if e.formatter => Err(fmt::Error),
            Err(_) => f.write_str("<unserializable>"),
        }
    }
}

/// Writes the serde data model in Debug notation to a [`Formatter`].
///
/// ```
/// use data_masking::typed::DebugSerializer;
/// use serde::Serialize;
/// use std::fmt;
///
/// struct Show(Vec<u8>);
/// impl fmt::Debug for Show {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         self.0.serialize(DebugSerializer::new(f)).map_err(|_| fmt::Error)
///     }
/// }
/// assert_eq!(format!("{:?}", Show(vec![1, 2])), "[1, 2]");
/// ```
pub struct DebugSerializer<'a, 'b> {
    f: &'a mut Formatter<'b>,
}

impl<'a, 'b> DebugSerializer<'a, 'b> {
    /// Writes to `f`.
    ///
    /// ```
    /// use data_masking::typed::DebugSerializer;
    /// use serde::Serialize;
    /// struct S;
    /// impl std::fmt::Debug for S {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         "x".serialize(DebugSerializer::new(f)).map_err(|_| std::fmt::Error)
    ///     }
    /// }
    /// assert_eq!(format!("{S:?}"), "\"x\"");
    /// ```
    pub fn new(f: &'a mut Formatter<'b>) -> Self {
        Self { f }
    }

    fn debug(self, v: &dyn Debug) -> Result<(), DebugError> {
        v.fmt(self.f).map_err(DebugError::from)
    }
}

/// A compound value being written.
pub struct DebugTuple<'a, 'b>(fmt::DebugTuple<'a, 'b>);
/// A list being written.
pub struct DebugList<'a, 'b>(fmt::DebugList<'a, 'b>);
/// A struct being written.
pub struct DebugStruct<'a, 'b>(fmt::DebugStruct<'a, 'b>);
/// A map being written; remembers whether a key waits for its value.
pub struct DebugMap<'a, 'b> {
    map: fmt::DebugMap<'a, 'b>,
    key_pending: bool,
}

impl<'a, 'b> Serializer for DebugSerializer<'a, 'b> {
    type Ok = ();
    type Error = DebugError;
    type SerializeSeq = DebugList<'a, 'b>;
    type SerializeTuple = DebugTuple<'a, 'b>;
    type SerializeTupleStruct = DebugTuple<'a, 'b>;
    type SerializeTupleVariant = DebugTuple<'a, 'b>;
    type SerializeMap = DebugMap<'a, 'b>;
    type SerializeStruct = DebugStruct<'a, 'b>;
    type SerializeStructVariant = DebugStruct<'a, 'b>;

    fn serialize_bool(self, v: bool) -> Result<(), DebugError> {
        self.debug(&v)
    }
    fn serialize_i8(self, v: i8) -> Result<(), DebugError> {
        self.debug(&v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), DebugError> {
        self.debug(&v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), DebugError> {
        self.debug(&v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), DebugError> {
        self.debug(&v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), DebugError> {
        self.debug(&v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), DebugError> {
        self.debug(&v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), DebugError> {
        self.debug(&v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), DebugError> {
        self.debug(&v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), DebugError> {
        self.debug(&v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), DebugError> {
        self.debug(&v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), DebugError> {
        self.debug(&v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), DebugError> {
        self.debug(&v)
    }
    fn serialize_char(self, v: char) -> Result<(), DebugError> {
        self.debug(&v)
    }
    fn serialize_str(self, v: &str) -> Result<(), DebugError> {
        self.debug(&v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), DebugError> {
        self.debug(&v)
    }
    fn serialize_none(self) -> Result<(), DebugError> {
        self.f.write_str("None").map_err(DebugError::from)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), DebugError> {
        self.f
            .debug_tuple("Some")
            .field(&DebugSerialize(value))
            .finish()
            .map_err(DebugError::from)
    }
    fn serialize_unit(self) -> Result<(), DebugError> {
        self.f.write_str("()").map_err(DebugError::from)
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<(), DebugError> {
        self.f.write_str(name).map_err(DebugError::from)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), DebugError> {
        self.f.write_str(variant).map_err(DebugError::from)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), DebugError> {
        self.f
            .debug_tuple(name)
            .field(&DebugSerialize(value))
            .finish()
            .map_err(DebugError::from)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), DebugError> {
        self.f
            .debug_tuple(variant)
            .field(&DebugSerialize(value))
            .finish()
            .map_err(DebugError::from)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<DebugList<'a, 'b>, DebugError> {
        Ok(DebugList(self.f.debug_list()))
    }
    fn serialize_tuple(self, _len: usize) -> Result<DebugTuple<'a, 'b>, DebugError> {
        Ok(DebugTuple(self.f.debug_tuple("")))
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> Result<DebugTuple<'a, 'b>, DebugError> {
        Ok(DebugTuple(self.f.debug_tuple(name)))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<DebugTuple<'a, 'b>, DebugError> {
        Ok(DebugTuple(self.f.debug_tuple(variant)))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<DebugMap<'a, 'b>, DebugError> {
        Ok(DebugMap {
            map: self.f.debug_map(),
            key_pending: false,
        })
    }
    fn serialize_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> Result<DebugStruct<'a, 'b>, DebugError> {
        Ok(DebugStruct(self.f.debug_struct(name)))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<DebugStruct<'a, 'b>, DebugError> {
        Ok(DebugStruct(self.f.debug_struct(variant)))
    }
}

impl ser::SerializeSeq for DebugList<'_, '_> {
    type Ok = ();
    type Error = DebugError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), DebugError> {
        self.0.entry(&DebugSerialize(value));
        Ok(())
    }
    fn end(mut self) -> Result<(), DebugError> {
        self.0.finish().map_err(DebugError::from)
    }
}

macro_rules! tuple_like {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for DebugTuple<'_, '_> {
            type Ok = ();
            type Error = DebugError;
            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), DebugError> {
                self.0.field(&DebugSerialize(value));
                Ok(())
            }
            fn end(mut self) -> Result<(), DebugError> {
                self.0.finish().map_err(DebugError::from)
            }
        }
    };
}

tuple_like!(SerializeTuple, serialize_element);
tuple_like!(SerializeTupleStruct, serialize_field);
tuple_like!(SerializeTupleVariant, serialize_field);

macro_rules! struct_like {
    ($trait:ident) => {
        impl ser::$trait for DebugStruct<'_, '_> {
            type Ok = ();
            type Error = DebugError;
            fn serialize_field<T: ?Sized + Serialize>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), DebugError> {
                self.0.field(key, &DebugSerialize(value));
                Ok(())
            }
            fn end(mut self) -> Result<(), DebugError> {
                self.0.finish().map_err(DebugError::from)
            }
        }
    };
}

struct_like!(SerializeStruct);
struct_like!(SerializeStructVariant);

impl ser::SerializeMap for DebugMap<'_, '_> {
    type Ok = ();
    type Error = DebugError;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), DebugError> {
        // `fmt::DebugMap` panics on a key without a value: refuse it here instead.
        if self.key_pending {
            return Err(DebugError::VALUE);
        }
        self.key_pending = true;
        self.map.key(&DebugSerialize(key));
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), DebugError> {
        if !self.key_pending {
            return Err(DebugError::VALUE);
        }
        self.key_pending = false;
        self.map.value(&DebugSerialize(value));
        Ok(())
    }
    fn end(mut self) -> Result<(), DebugError> {
        if self.key_pending {
            return Err(DebugError::VALUE);
        }
        self.map.finish().map_err(DebugError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(serde::Serialize)]
    struct S {
        a: u8,
        b: Option<&'static str>,
        m: BTreeMap<&'static str, f64>,
        e: E,
    }

    #[derive(serde::Serialize)]
    enum E {
        V { x: char },
    }

    #[test]
    fn debug_notation() {
        let s = S {
            a: 1,
            b: Some("x"),
            m: BTreeMap::from([("k", 1.5)]),
            e: E::V { x: 'c' },
        };
        assert_eq!(
            format!("{:?}", DebugSerialize(&s)),
            r#"S { a: 1, b: Some("x"), m: {"k": 1.5}, e: V { x: 'c' } }"#
        );
        assert!(format!("{:#?}", DebugSerialize(&s)).contains("\n    a: 1,\n"));
    }

    #[test]
    fn unbalanced_map_is_an_error_not_a_panic() {
        struct Bad;
        impl Serialize for Bad {
            fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
                use ser::SerializeMap as _;
                let mut m = s.serialize_map(None)?;
                m.serialize_key("a")?;
                m.serialize_key("b")?;
                m.end()
            }
        }
        let out = format!("{:?}", DebugSerialize(&Bad));
        assert!(out.ends_with("<unserializable>"), "{out}");
    }
}
