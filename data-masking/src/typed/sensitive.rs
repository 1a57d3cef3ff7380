//! The [`Sensitive`] trait that `#[derive(Sensitive)]` implements, and the masked view of a
//! value ([`Masked`], [`debug_masked`]).

use std::fmt;

use serde::{Serialize, Serializer};

use super::debug::DebugSerialize;
use super::field_path::FieldPath;
use super::fields::{SensitiveField, SensitiveFields};
use super::rules::ContextEntry;

/// A type whose sensitive fields are declared on the type. Implemented by
/// `#[derive(Sensitive)]`; the standard containers (`Option`, `Vec`, slices, arrays, `VecDeque`,
/// `Box`, references, `HashMap` and `BTreeMap` values) of a `Sensitive` type are `Sensitive` too.
///
/// Implementing it by hand is possible: write the masked serialization and describe the rules.
///
/// ```
/// use data_masking::typed::{FieldPath, MaskRule, MaskWith, Sensitive, SensitiveField};
/// use data_masking::Mask;
/// use serde::{Serialize, Serializer};
///
/// struct Pin(u32);
///
/// impl Sensitive for Pin {
///     fn serialize_masked<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
///         MaskWith::new(&self.0, &Mask::Default).serialize(s)
///     }
///     fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
///         out.push(SensitiveField::masked(path.clone(), MaskRule::Default));
///     }
/// }
///
/// assert_eq!(serde_json::to_string(&vec![Pin(1234)].masked())?, r#"["*****"]"#);
/// assert_eq!(<Vec<Pin>>::sensitive_fields().iter().next().unwrap().path.to_string(), "$[*]");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub trait Sensitive {
    /// Serializes the value with its mask rules applied.
    ///
    /// ```
    /// use data_masking::Sensitive;
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct S { #[mask] a: u8 }
    /// let v = S { a: 1 }.serialize_masked(serde_json::value::Serializer)?;
    /// assert_eq!(v, serde_json::json!({"a": "*****"}));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;

    /// Appends the rules of this type to `out`, each path starting with `path` (the path of
    /// this value in the enclosing record).
    ///
    /// ```
    /// use data_masking::Sensitive;
    /// use data_masking::typed::FieldPath;
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct S { #[mask] a: u8 }
    /// let mut out = Vec::new();
    /// S::describe_fields(&mut FieldPath::root().name("s"), &mut out);
    /// assert_eq!(out[0].path.to_string(), "s.a");
    /// ```
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>);

    /// Appends the paths of this type's `#[sign]` fields to `out`, each starting with `path`,
    /// those of nested types included. A sealed record
    /// ([`DataMasking::seal_typed`](crate::DataMasking::seal_typed)) keeps these fields readable
    /// and detects any change to them. The default describes none, so a hand-written impl that
    /// signs nothing need not write it.
    ///
    /// ```
    /// use data_masking::Sensitive;
    /// use data_masking::typed::FieldPath;
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct Line { #[sign] price: u32 }
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct Order { #[sign] status: String, #[sensitive] lines: Vec<Line> }
    /// let mut out = Vec::new();
    /// Order::describe_signed(&mut FieldPath::root().name("order"), &mut out);
    /// let paths: Vec<String> = out.iter().map(ToString::to_string).collect();
    /// assert_eq!(paths, ["order.status", "order.lines[*].price"]);
    /// ```
    fn describe_signed(path: &mut FieldPath, out: &mut Vec<FieldPath>) {
        let _ = (path, out);
    }

    /// The entries of the struct's `#[sensitive(context(...))]`: the context every encrypted
    /// field of `Self` is bound to, and, when `Self` is sealed whole
    /// ([`DataMasking::seal_typed`](crate::DataMasking::seal_typed)), the context of its
    /// record's message. The default has none.
    ///
    /// ```
    /// use data_masking::Sensitive;
    /// use data_masking::typed::{ContextEntry, ContextSource};
    /// #[derive(serde::Serialize, Sensitive)]
    /// #[sensitive(context(purpose = "billing", tenant))]
    /// struct Invoice { tenant: String, #[encrypt] iban: String }
    /// assert_eq!(Invoice::container_context(), &[
    ///     ContextEntry { key: "purpose", source: ContextSource::Literal("billing") },
    ///     ContextEntry { key: "tenant", source: ContextSource::Field("tenant") },
    /// ]);
    /// ```
    fn container_context() -> &'static [ContextEntry] {
        &[]
    }

    /// A borrowed view that serializes (and prints) the value with its mask rules applied.
    ///
    /// ```
    /// use data_masking::Sensitive;
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct S { #[mask(dynamic)] email: String }
    /// let s = S { email: "a.b@c.d".into() };
    /// assert_eq!(s.masked().to_string(), r#"{"email":"*.***.*"}"#);
    /// assert_eq!(format!("{:?}", s.masked()), r#"S { email: "*.***.*" }"#);
    /// ```
    fn masked(&self) -> Masked<'_, Self> {
        Masked(self)
    }

    /// The rules of this type as untyped fields: serde-name paths with their mask and
    /// encryption rules, the paths of the signed fields, and the struct's context entries.
    ///
    /// ```
    /// use data_masking::Sensitive;
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct S { #[serde(rename = "e-mail")] #[mask(dynamic)] email: String }
    /// let fields = S::sensitive_fields();
    /// assert_eq!(fields.iter().next().unwrap().path.to_string(), "['e-mail']");
    /// ```
    fn sensitive_fields() -> SensitiveFields {
        let mut fields = Vec::new();
        Self::describe_fields(&mut FieldPath::root(), &mut fields);
        let mut signed = Vec::new();
        Self::describe_signed(&mut FieldPath::root(), &mut signed);
        SensitiveFields {
            fields,
            signed,
            context: Self::container_context(),
        }
    }
}

/// A borrowed view of a [`Sensitive`] value: serializes as the value with its masks applied;
/// `Display` writes that JSON and `Debug` prints it in Rust notation. Neither ever shows a
/// masked field's plain value.
///
/// ```
/// use data_masking::Sensitive;
/// #[derive(serde::Serialize, Sensitive)]
/// struct Login { user: String, #[mask] password: String }
/// let l = Login { user: "jo".into(), password: "hunter2".into() };
/// let view = l.masked();
/// assert_eq!(view.to_string(), r#"{"user":"jo","password":"*****"}"#);
/// assert_eq!(format!("{view:?}"), r#"Login { user: "jo", password: "*****" }"#);
/// assert_eq!(serde_json::to_value(&view)?["password"], "*****");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub struct Masked<'a, T: ?Sized>(&'a T);

impl<'a, T: ?Sized> Masked<'a, T> {
    /// The view of `value`.
    ///
    /// ```
    /// use data_masking::typed::Masked;
    /// # use data_masking::Sensitive;
    /// # #[derive(serde::Serialize, Sensitive)] struct S { #[mask] a: u8 }
    /// assert_eq!(Masked::new(&S { a: 1 }).to_string(), r#"{"a":"*****"}"#);
    /// ```
    pub fn new(value: &'a T) -> Self {
        Masked(value)
    }
}

impl<T: ?Sized> Clone for Masked<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for Masked<'_, T> {}

impl<T: ?Sized + Sensitive> Serialize for Masked<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_masked(serializer)
    }
}

impl<T: ?Sized + Sensitive> fmt::Debug for Masked<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&DebugSerialize(self), f)
    }
}

impl<T: ?Sized + Sensitive> fmt::Display for Masked<'_, T> {
    /// The masked JSON; a value that cannot be serialized to JSON is written as
    /// `<unserializable>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_string(self) {
            Ok(text) => f.write_str(&text),
            Err(_) => f.write_str("<unserializable>"),
        }
    }
}

/// Writes `value` masked to `f` in `Debug` notation: what `#[sensitive(debug)]` generates.
///
/// ```
/// use data_masking::Sensitive;
/// #[derive(serde::Serialize, Sensitive)]
/// #[sensitive(debug)]
/// struct Login { user: String, #[mask] password: String }
/// let l = Login { user: "jo".into(), password: "hunter2".into() };
/// assert_eq!(format!("{l:?}"), r#"Login { user: "jo", password: "*****" }"#);
/// ```
pub fn debug_masked<T: ?Sized + Sensitive>(value: &T, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    fmt::Debug::fmt(&DebugSerialize(&Masked(value)), f)
}
