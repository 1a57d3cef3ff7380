//! [`Sensitive`] for the standard containers of a `Sensitive` type: references, `Box`, `Arc`,
//! `Option`, slices, arrays, `Vec`, `VecDeque`, and the values of `HashMap` and `BTreeMap`.
//! Elements of a list are described under `[*]`, values of a map under `.*`. A reference,
//! `Box`, `Arc` or `Option` of a record also has the record's container context.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Serialize, Serializer};

use super::field_path::FieldPath;
use super::fields::SensitiveField;
use super::rules::ContextEntry;
use super::sensitive::{Masked, Sensitive};
use crate::path::Step;

impl<T: ?Sized + Sensitive> Sensitive for &T {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize_masked(serializer)
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        T::describe_fields(path, out);
    }
    fn describe_signed(path: &mut FieldPath, out: &mut Vec<FieldPath>) {
        T::describe_signed(path, out);
    }
    fn container_context() -> &'static [ContextEntry] {
        T::container_context()
    }
}

impl<T: ?Sized + Sensitive> Sensitive for Box<T> {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize_masked(serializer)
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        T::describe_fields(path, out);
    }
    fn describe_signed(path: &mut FieldPath, out: &mut Vec<FieldPath>) {
        T::describe_signed(path, out);
    }
    fn container_context() -> &'static [ContextEntry] {
        T::container_context()
    }
}

impl<T: ?Sized + Sensitive> Sensitive for std::sync::Arc<T> {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize_masked(serializer)
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        T::describe_fields(path, out);
    }
    fn describe_signed(path: &mut FieldPath, out: &mut Vec<FieldPath>) {
        T::describe_signed(path, out);
    }
    fn container_context() -> &'static [ContextEntry] {
        T::container_context()
    }
}

impl<T: Sensitive> Sensitive for Option<T> {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(v) => serializer.serialize_some(&Masked::new(v)),
            None => serializer.serialize_none(),
        }
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        T::describe_fields(path, out);
    }
    fn describe_signed(path: &mut FieldPath, out: &mut Vec<FieldPath>) {
        T::describe_signed(path, out);
    }
    fn container_context() -> &'static [ContextEntry] {
        T::container_context()
    }
}

fn describe_elements<T: ?Sized + Sensitive>(
    step: Step,
    path: &mut FieldPath,
    out: &mut Vec<SensitiveField>,
) {
    path.push(step);
    T::describe_fields(path, out);
    path.pop();
}

fn describe_signed_elements<T: ?Sized + Sensitive>(
    step: Step,
    path: &mut FieldPath,
    out: &mut Vec<FieldPath>,
) {
    path.push(step);
    T::describe_signed(path, out);
    path.pop();
}

impl<T: Sensitive> Sensitive for [T] {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(Masked::new))
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        describe_elements::<T>(Step::AnyIndex, path, out);
    }
    fn describe_signed(path: &mut FieldPath, out: &mut Vec<FieldPath>) {
        describe_signed_elements::<T>(Step::AnyIndex, path, out);
    }
}

impl<T: Sensitive, const N: usize> Sensitive for [T; N] {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple as _;
        let mut tuple = serializer.serialize_tuple(N)?;
        for v in self {
            tuple.serialize_element(&Masked::new(v))?;
        }
        tuple.end()
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        describe_elements::<T>(Step::AnyIndex, path, out);
    }
    fn describe_signed(path: &mut FieldPath, out: &mut Vec<FieldPath>) {
        describe_signed_elements::<T>(Step::AnyIndex, path, out);
    }
}

impl<T: Sensitive> Sensitive for Vec<T> {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(Masked::new))
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        describe_elements::<T>(Step::AnyIndex, path, out);
    }
    fn describe_signed(path: &mut FieldPath, out: &mut Vec<FieldPath>) {
        describe_signed_elements::<T>(Step::AnyIndex, path, out);
    }
}

impl<T: Sensitive> Sensitive for VecDeque<T> {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(Masked::new))
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        describe_elements::<T>(Step::AnyIndex, path, out);
    }
    fn describe_signed(path: &mut FieldPath, out: &mut Vec<FieldPath>) {
        describe_signed_elements::<T>(Step::AnyIndex, path, out);
    }
}

impl<K: Serialize, V: Sensitive, H> Sensitive for HashMap<K, V, H> {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter().map(|(k, v)| (k, Masked::new(v))))
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        describe_elements::<V>(Step::AnyMember, path, out);
    }
    fn describe_signed(path: &mut FieldPath, out: &mut Vec<FieldPath>) {
        describe_signed_elements::<V>(Step::AnyMember, path, out);
    }
}

impl<K: Serialize, V: Sensitive> Sensitive for BTreeMap<K, V> {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter().map(|(k, v)| (k, Masked::new(v))))
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        describe_elements::<V>(Step::AnyMember, path, out);
    }
    fn describe_signed(path: &mut FieldPath, out: &mut Vec<FieldPath>) {
        describe_signed_elements::<V>(Step::AnyMember, path, out);
    }
}
