//! The masking serializer: wraps a real [`Serializer`] and masks values as they pass, with the
//! semantics of [`Mask::apply`] on the value's JSON, without building a `serde_json::Value`.

use serde::ser::{self, Serialize, Serializer};

use crate::erase::{DEFAULT_MASK, Mask, SmallText, custom_cut, python_number};

/// A value serialized through a [`MaskSerializer`]: the value as `mask` erases its JSON.
///
/// ```
/// use data_masking::Mask;
/// use data_masking::typed::MaskWith;
///
/// let mask = Mask::Dynamic;
/// let json = serde_json::to_string(&MaskWith::new(&("ab-c", 12, true, None::<u8>), &mask))?;
/// assert_eq!(json, r#"["**-*","**","****","*****"]"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub struct MaskWith<'a, T: ?Sized> {
    value: &'a T,
    mask: &'a Mask,
}

impl<'a, T: ?Sized> MaskWith<'a, T> {
    /// Wraps `value` so that it serializes masked by `mask`.
    ///
    /// ```
    /// use data_masking::{Mask, typed::MaskWith};
    /// let json = serde_json::to_string(&MaskWith::new("secret", &Mask::Default))?;
    /// assert_eq!(json, r#""*****""#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(value: &'a T, mask: &'a Mask) -> Self {
        Self { value, mask }
    }
}

impl<T: ?Sized + Serialize> Serialize for MaskWith<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value
            .serialize(MaskSerializer::new(serializer, self.mask))
    }
}

/// A [`Serializer`] that masks every value passing through it and writes the result to the
/// serializer it wraps.
///
/// What it writes equals [`Mask::apply`] on the JSON that `serde_json::to_value` would give:
/// with the default mask a sequence keeps its length with every element `"*****"`, and any other
/// value becomes `"*****"`; with any other mask sequences, maps and structs are walked (keys
/// kept), strings are masked, numbers and bools are masked as Python's `str()` of them (`1.0`,
/// `True`), and `None`, `()` and non-finite floats (JSON `null`) become `"*****"`.
///
/// ```
/// use data_masking::{Mask, typed::MaskSerializer};
/// use serde::Serialize;
/// use std::collections::BTreeMap;
///
/// let mut out = Vec::new();
/// let map = BTreeMap::from([("n", 1.0), ("m", 25.5)]);
/// map.serialize(MaskSerializer::new(&mut serde_json::Serializer::new(&mut out), &Mask::Dynamic))?;
/// assert_eq!(String::from_utf8(out).unwrap(), r#"{"m":"**.*","n":"*.*"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub struct MaskSerializer<'m, S> {
    inner: S,
    mask: &'m Mask,
    default: bool,
}

impl<'m, S> MaskSerializer<'m, S> {
    /// Wraps `inner`, masking with `mask`.
    ///
    /// ```
    /// use data_masking::{Mask, typed::MaskSerializer};
    /// use serde::Serialize;
    /// let v = 42u8.serialize(MaskSerializer::new(serde_json::value::Serializer, &Mask::Default))?;
    /// assert_eq!(v, "*****");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(inner: S, mask: &'m Mask) -> Self {
        Self {
            inner,
            mask,
            default: mask.is_default(),
        }
    }
}

impl<S: Serializer> MaskSerializer<'_, S> {
    /// Writes `s` masked: the text is built on the stack (or borrowed from the mask), and the
    /// serializer gets a `&str`.
    fn text(self, s: &str) -> Result<S::Ok, S::Error> {
        if self.default {
            return self.inner.serialize_str(DEFAULT_MASK);
        }
        if let Mask::Custom(c) = self.mask {
            return self.inner.serialize_str(custom_cut(c, s));
        }
        let mut out = SmallText::new();
        self.mask.write_masked(s, &mut out);
        match out.as_str() {
            Ok(text) => self.inner.serialize_str(text),
            // Never: only `str`s and ASCII are written to it.
            Err(_) => self.inner.serialize_str(&self.mask.mask_text(s)),
        }
    }

    fn stars(self) -> Result<S::Ok, S::Error> {
        self.inner.serialize_str(DEFAULT_MASK)
    }

    fn float(self, f: f64) -> Result<S::Ok, S::Error> {
        if self.default {
            return self.stars();
        }
        match serde_json::Number::from_f64(f) {
            Some(n) => {
                let text = python_number(&n);
                self.text(&text)
            }
            // JSON null: NaN and the infinities.
            None => self.stars(),
        }
    }

    fn display(self, v: impl std::fmt::Display) -> Result<S::Ok, S::Error> {
        use std::fmt::Write as _;
        if self.default {
            return self.stars();
        }
        let mut digits = SmallText::new();
        match (write!(digits, "{v}"), digits.as_str()) {
            (Ok(()), Ok(text)) => self.text(text),
            _ => self.text(&v.to_string()),
        }
    }
}

/// The compound serializer of a [`MaskSerializer`]: walks the elements with the mask, writes
/// `"*****"` for each element, or has already written the whole value.
pub enum Compound<'m, C, O> {
    /// Each element is masked with the mask.
    Walk(C, &'m Mask),
    /// Each element is written as `"*****"`.
    Stars(C),
    /// The whole value was written as `"*****"`; elements are ignored.
    Done(O),
}

impl<'m, S: Serializer> Serializer for MaskSerializer<'m, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Compound<'m, S::SerializeSeq, S::Ok>;
    type SerializeTuple = Compound<'m, S::SerializeTuple, S::Ok>;
    type SerializeTupleStruct = Compound<'m, S::SerializeTupleStruct, S::Ok>;
    type SerializeTupleVariant = Compound<'m, S::SerializeTupleVariant, S::Ok>;
    type SerializeMap = Compound<'m, S::SerializeMap, S::Ok>;
    type SerializeStruct = Compound<'m, S::SerializeStruct, S::Ok>;
    type SerializeStructVariant = Compound<'m, S::SerializeStructVariant, S::Ok>;

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }

    fn serialize_bool(self, v: bool) -> Result<S::Ok, S::Error> {
        self.text(if v { "True" } else { "False" })
    }
    fn serialize_i8(self, v: i8) -> Result<S::Ok, S::Error> {
        self.display(v)
    }
    fn serialize_i16(self, v: i16) -> Result<S::Ok, S::Error> {
        self.display(v)
    }
    fn serialize_i32(self, v: i32) -> Result<S::Ok, S::Error> {
        self.display(v)
    }
    fn serialize_i64(self, v: i64) -> Result<S::Ok, S::Error> {
        self.display(v)
    }
    fn serialize_i128(self, v: i128) -> Result<S::Ok, S::Error> {
        self.display(v)
    }
    fn serialize_u8(self, v: u8) -> Result<S::Ok, S::Error> {
        self.display(v)
    }
    fn serialize_u16(self, v: u16) -> Result<S::Ok, S::Error> {
        self.display(v)
    }
    fn serialize_u32(self, v: u32) -> Result<S::Ok, S::Error> {
        self.display(v)
    }
    fn serialize_u64(self, v: u64) -> Result<S::Ok, S::Error> {
        self.display(v)
    }
    fn serialize_u128(self, v: u128) -> Result<S::Ok, S::Error> {
        self.display(v)
    }
    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        // serde_json keeps an f32 as the f64 of the same value.
        self.float(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        self.float(v)
    }
    fn serialize_char(self, v: char) -> Result<S::Ok, S::Error> {
        self.text(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        self.text(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<S::Ok, S::Error> {
        // serde_json writes bytes as an array of numbers.
        use ser::SerializeSeq as _;
        let default = self.default;
        let mut seq = self.inner.serialize_seq(Some(v.len()))?;
        for b in v {
            if default {
                seq.serialize_element(DEFAULT_MASK)?;
            } else {
                seq.serialize_element(&self.mask.mask_text(&b.to_string()))?;
            }
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.stars()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<S::Ok, S::Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.stars()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<S::Ok, S::Error> {
        self.stars()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.text(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        if self.default {
            return self.stars();
        }
        self.inner
            .serialize_newtype_variant(name, index, variant, &MaskWith::new(value, self.mask))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        let seq = self.inner.serialize_seq(len)?;
        Ok(if self.default {
            Compound::Stars(seq)
        } else {
            Compound::Walk(seq, self.mask)
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        let seq = self.inner.serialize_tuple(len)?;
        Ok(if self.default {
            Compound::Stars(seq)
        } else {
            Compound::Walk(seq, self.mask)
        })
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        let seq = self.inner.serialize_tuple_struct(name, len)?;
        Ok(if self.default {
            Compound::Stars(seq)
        } else {
            Compound::Walk(seq, self.mask)
        })
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        if self.default {
            return self.stars().map(Compound::Done);
        }
        let mask = self.mask;
        let inner = self
            .inner
            .serialize_tuple_variant(name, index, variant, len)?;
        Ok(Compound::Walk(inner, mask))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        if self.default {
            return self.stars().map(Compound::Done);
        }
        let mask = self.mask;
        Ok(Compound::Walk(self.inner.serialize_map(len)?, mask))
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        if self.default {
            return self.stars().map(Compound::Done);
        }
        let mask = self.mask;
        Ok(Compound::Walk(
            self.inner.serialize_struct(name, len)?,
            mask,
        ))
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        if self.default {
            return self.stars().map(Compound::Done);
        }
        let mask = self.mask;
        let inner = self
            .inner
            .serialize_struct_variant(name, index, variant, len)?;
        Ok(Compound::Walk(inner, mask))
    }
}

macro_rules! seq_like {
    ($trait:ident, $method:ident) => {
        impl<C: ser::$trait> ser::$trait for Compound<'_, C, C::Ok> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), C::Error> {
                match self {
                    Compound::Walk(c, mask) => c.$method(&MaskWith::new(value, mask)),
                    Compound::Stars(c) => c.$method(DEFAULT_MASK),
                    Compound::Done(_) => Ok(()),
                }
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                match self {
                    Compound::Walk(c, _) | Compound::Stars(c) => c.end(),
                    Compound::Done(ok) => Ok(ok),
                }
            }
        }
    };
}

seq_like!(SerializeSeq, serialize_element);
seq_like!(SerializeTuple, serialize_element);
seq_like!(SerializeTupleStruct, serialize_field);
seq_like!(SerializeTupleVariant, serialize_field);

macro_rules! struct_like {
    ($trait:ident) => {
        impl<C: ser::$trait> ser::$trait for Compound<'_, C, C::Ok> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn serialize_field<T: ?Sized + Serialize>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), C::Error> {
                match self {
                    Compound::Walk(c, mask) => c.serialize_field(key, &MaskWith::new(value, mask)),
                    Compound::Stars(c) => c.serialize_field(key, DEFAULT_MASK),
                    Compound::Done(_) => Ok(()),
                }
            }
            fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
                match self {
                    Compound::Walk(c, _) | Compound::Stars(c) => c.skip_field(key),
                    Compound::Done(_) => Ok(()),
                }
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                match self {
                    Compound::Walk(c, _) | Compound::Stars(c) => c.end(),
                    Compound::Done(ok) => Ok(ok),
                }
            }
        }
    };
}

struct_like!(SerializeStruct);
struct_like!(SerializeStructVariant);

impl<C: ser::SerializeMap> ser::SerializeMap for Compound<'_, C, C::Ok> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), C::Error> {
        match self {
            Compound::Walk(c, _) | Compound::Stars(c) => c.serialize_key(key),
            Compound::Done(_) => Ok(()),
        }
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), C::Error> {
        match self {
            Compound::Walk(c, mask) => c.serialize_value(&MaskWith::new(value, mask)),
            Compound::Stars(c) => c.serialize_value(DEFAULT_MASK),
            Compound::Done(_) => Ok(()),
        }
    }
    fn serialize_entry<K: ?Sized + Serialize, V: ?Sized + Serialize>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), C::Error> {
        match self {
            Compound::Walk(c, mask) => c.serialize_entry(key, &MaskWith::new(value, mask)),
            Compound::Stars(c) => c.serialize_entry(key, DEFAULT_MASK),
            Compound::Done(_) => Ok(()),
        }
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        match self {
            Compound::Walk(c, _) | Compound::Stars(c) => c.end(),
            Compound::Done(ok) => Ok(ok),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use std::collections::BTreeMap;

    fn both<T: Serialize>(v: &T, mask: &Mask) {
        let plain = serde_json::to_value(v).unwrap();
        let expected = mask.apply(&plain);
        let got = serde_json::to_value(MaskWith::new(v, mask)).unwrap();
        assert_eq!(got, expected, "{plain}");
        let text = serde_json::to_string(&MaskWith::new(v, mask)).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), expected);
    }

    #[derive(serde::Serialize)]
    enum E {
        Unit,
        New(u8),
        Tup(u8, String),
        St { a: f32 },
    }

    #[derive(serde::Serialize)]
    struct Unit;

    #[test]
    fn equals_apply_for_every_shape() {
        let masks = [
            Mask::Default,
            Mask::Dynamic,
            Mask::Custom("XY-Z".into()),
            Mask::Custom(String::new()),
            Mask::regex(r"(\d)", "<$1>").unwrap(),
        ];
        for m in &masks {
            both(&"a-b c", m);
            both(&12_i8, m);
            both(&-12_i64, m);
            both(&u64::MAX, m);
            both(&1.5_f64, m);
            both(&0.1_f32, m);
            both(&1e20_f64, m);
            both(&f64::NAN, m);
            both(&true, m);
            both(&'c', m);
            both(&(), m);
            both(&Unit, m);
            both(&None::<u8>, m);
            both(&Some(vec![1, 2]), m);
            both(&vec![Some("a"), None], m);
            both(&(1, "b", [false]), m);
            both(&BTreeMap::from([("k", vec![1.0]), ("l", vec![])]), m);
            both(&E::Unit, m);
            both(&E::New(7), m);
            both(&E::Tup(7, "x".into()), m);
            both(&E::St { a: 2.5 }, m);
            both(&vec![E::Unit, E::New(1)], m);
        }
    }

    mod text {
        use super::super::MaskWith;
        use crate::erase::Mask;
        use proptest::prelude::*;

        proptest! {
            /// The text the serializer writes (built on the stack, or on the heap when long)
            /// is the mask's text.
            #[test]
            fn equals_mask_text(s in any::<String>(), ascii in "[ -~]{0,300}", n in any::<i64>()) {
                let masks = [
                    Mask::Default,
                    Mask::Dynamic,
                    Mask::Custom("XÀ-Y".into()),
                    Mask::regex(r"(\w)\w*", r"\1*").unwrap(),
                    Mask::regex(r"\d", "").unwrap(),
                ];
                for m in &masks {
                    for s in [&s, &ascii] {
                        let got = serde_json::to_value(MaskWith::new(s, m)).unwrap();
                        prop_assert_eq!(got, serde_json::Value::String(m.mask_text(s)));
                    }
                    let got = serde_json::to_value(MaskWith::new(&n, m)).unwrap();
                    let text = if matches!(m, Mask::Default) {
                        "*****".to_owned()
                    } else {
                        m.mask_text(&n.to_string())
                    };
                    prop_assert_eq!(got, serde_json::Value::String(text));
                }
            }
        }
    }

    #[test]
    fn the_widest_integers() {
        // Beyond what `serde_json::Value` holds: compared with the mask of their text.
        for m in [Mask::Dynamic, Mask::regex(r"\d{30}", "_").unwrap()] {
            for text in [i128::MIN.to_string(), u128::MAX.to_string()] {
                let got = match text.parse::<i128>() {
                    Ok(i) => serde_json::to_value(MaskWith::new(&i, &m)),
                    Err(_) => serde_json::to_value(MaskWith::new(&u128::MAX, &m)),
                };
                assert_eq!(got.unwrap(), json!(m.mask_text(&text)));
            }
        }
    }

    #[test]
    fn bytes_as_numbers() {
        struct B;
        impl Serialize for B {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&[1, 20])
            }
        }
        let v = serde_json::to_value(MaskWith::new(&B, &Mask::Dynamic)).unwrap();
        assert_eq!(v, json!(["*", "**"]));
        let v = serde_json::to_value(MaskWith::new(&B, &Mask::Default)).unwrap();
        assert_eq!(v, json!(["*****", "*****"]));
    }
}
