//! `#[serde(flatten)]` for the masked view: writes the entries of a struct or map into the map
//! of the struct that flattens it, as serde's derive does.

use std::fmt::Display;

use serde::ser::{self, Error as _, Serialize, SerializeMap, Serializer};

/// Serializes a flattened field's value as entries of the enclosing map `M`.
///
/// Structs, maps, `Option`s of them, newtype structs and newtype variants flatten; `None` and
/// `()` add nothing; anything else is an error, as with serde.
///
/// ```
/// use data_masking::typed::FlatMapSerializer;
/// use serde::Serialize;
/// use serde::ser::{SerializeMap, Serializer};
/// use std::collections::BTreeMap;
///
/// let mut out = Vec::new();
/// let mut ser = serde_json::Serializer::new(&mut out);
/// let mut map = ser.serialize_map(None)?;
/// map.serialize_entry("a", &1)?;
/// BTreeMap::from([("b", 2)]).serialize(FlatMapSerializer::new(&mut map))?;
/// SerializeMap::end(map)?;
/// assert_eq!(String::from_utf8(out).unwrap(), r#"{"a":1,"b":2}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub struct FlatMapSerializer<'a, M>(&'a mut M);

impl<'a, M: SerializeMap> FlatMapSerializer<'a, M> {
    /// Writes into `map`.
    ///
    /// ```
    /// use data_masking::typed::FlatMapSerializer;
    /// use serde::Serialize;
    /// use serde::ser::{SerializeMap, Serializer};
    /// let mut map = serde_json::value::Serializer.serialize_map(None)?;
    /// assert!(5u8.serialize(FlatMapSerializer::new(&mut map)).is_err());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(map: &'a mut M) -> Self {
        Self(map)
    }
}

fn unsupported<E: ser::Error>(what: impl Display) -> E {
    E::custom(format_args!(
        "can only flatten structs and maps (got {what})"
    ))
}

/// The struct or map being flattened.
pub struct FlatCompound<'a, M>(&'a mut M);

impl<'a, M: SerializeMap> Serializer for FlatMapSerializer<'a, M> {
    type Ok = ();
    type Error = M::Error;
    type SerializeSeq = ser::Impossible<(), M::Error>;
    type SerializeTuple = ser::Impossible<(), M::Error>;
    type SerializeTupleStruct = ser::Impossible<(), M::Error>;
    type SerializeTupleVariant = ser::Impossible<(), M::Error>;
    type SerializeMap = FlatCompound<'a, M>;
    type SerializeStruct = FlatCompound<'a, M>;
    type SerializeStructVariant = ser::Impossible<(), M::Error>;

    fn serialize_bool(self, _: bool) -> Result<(), M::Error> {
        Err(unsupported("a boolean"))
    }
    fn serialize_i8(self, _: i8) -> Result<(), M::Error> {
        Err(unsupported("an integer"))
    }
    fn serialize_i16(self, _: i16) -> Result<(), M::Error> {
        Err(unsupported("an integer"))
    }
    fn serialize_i32(self, _: i32) -> Result<(), M::Error> {
        Err(unsupported("an integer"))
    }
    fn serialize_i64(self, _: i64) -> Result<(), M::Error> {
        Err(unsupported("an integer"))
    }
    fn serialize_u8(self, _: u8) -> Result<(), M::Error> {
        Err(unsupported("an integer"))
    }
    fn serialize_u16(self, _: u16) -> Result<(), M::Error> {
        Err(unsupported("an integer"))
    }
    fn serialize_u32(self, _: u32) -> Result<(), M::Error> {
        Err(unsupported("an integer"))
    }
    fn serialize_u64(self, _: u64) -> Result<(), M::Error> {
        Err(unsupported("an integer"))
    }
    fn serialize_f32(self, _: f32) -> Result<(), M::Error> {
        Err(unsupported("a float"))
    }
    fn serialize_f64(self, _: f64) -> Result<(), M::Error> {
        Err(unsupported("a float"))
    }
    fn serialize_char(self, _: char) -> Result<(), M::Error> {
        Err(unsupported("a char"))
    }
    fn serialize_str(self, _: &str) -> Result<(), M::Error> {
        Err(unsupported("a string"))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), M::Error> {
        Err(unsupported("bytes"))
    }
    fn serialize_none(self) -> Result<(), M::Error> {
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), M::Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), M::Error> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), M::Error> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), M::Error> {
        Err(unsupported("a unit variant"))
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        self.0.serialize_entry(variant, value)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, M::Error> {
        Err(unsupported("a sequence"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, M::Error> {
        Err(unsupported("a tuple"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, M::Error> {
        Err(unsupported("a tuple struct"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, M::Error> {
        Err(unsupported("a tuple variant"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, M::Error> {
        Ok(FlatCompound(self.0))
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, M::Error> {
        Ok(FlatCompound(self.0))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, M::Error> {
        Err(M::Error::custom(
            "a flattened struct variant is not supported by the masked view",
        ))
    }
}

impl<M: SerializeMap> SerializeMap for FlatCompound<'_, M> {
    type Ok = ();
    type Error = M::Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), M::Error> {
        self.0.serialize_key(key)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), M::Error> {
        self.0.serialize_value(value)
    }
    fn serialize_entry<K: ?Sized + Serialize, V: ?Sized + Serialize>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), M::Error> {
        self.0.serialize_entry(key, value)
    }
    fn end(self) -> Result<(), M::Error> {
        Ok(())
    }
}

impl<M: SerializeMap> ser::SerializeStruct for FlatCompound<'_, M> {
    type Ok = ();
    type Error = M::Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        self.0.serialize_entry(key, value)
    }
    fn end(self) -> Result<(), M::Error> {
        Ok(())
    }
}
