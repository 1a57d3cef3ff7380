//! Typed masking and encryption: the [`Sensitive`] trait that `#[derive(Sensitive)]`
//! implements, the masked view [`Masked`], the stored form of an encrypted record
//! ([`Encrypted`], see [Encryption](#encryption)), and the untyped description of a type's rules
//! ([`SensitiveFields`]).
//!
//! ```
//! use data_masking::Sensitive;
//! use serde::Serialize;
//!
//! #[derive(Serialize, Sensitive)]
//! #[serde(rename_all = "camelCase")]
//! #[sensitive(debug)]
//! struct Customer {
//!     customer_id: String,
//!     #[mask]
//!     ssn: String,
//!     #[mask(dynamic)]
//!     email: String,
//!     #[mask(regex = r"^(\d{4}) .*$", format = "$1 **** **** ****")]
//!     card_number: String,
//!     #[sensitive]
//!     orders: Vec<Order>,
//! }
//!
//! #[derive(Serialize, Sensitive)]
//! struct Order {
//!     id: u32,
//!     #[mask(custom = "XXXX")]
//!     pin: u32,
//! }
//!
//! let c = Customer {
//!     customer_id: "c-1".into(),
//!     ssn: "123-45-6789".into(),
//!     email: "jo.doe@example.com".into(),
//!     card_number: "1111 2222 3333 4444".into(),
//!     orders: vec![Order { id: 7, pin: 1234 }],
//! };
//! assert_eq!(
//!     serde_json::to_string(&c.masked())?,
//!     r#"{"customerId":"c-1","ssn":"*****","email":"**.***********.***","#.to_owned()
//!         + r#""cardNumber":"1111 **** **** ****","orders":[{"id":7,"pin":"XXXX"}]}"#
//! );
//! assert!(!format!("{c:?}").contains("6789"));
//!
//! let paths: Vec<String> = Customer::sensitive_fields().iter().map(|f| f.path.to_string()).collect();
//! assert_eq!(paths, ["ssn", "email", "cardNumber", "orders[*].pin"]);
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! # Attributes
//!
//! | attribute | on | meaning |
//! |---|---|---|
//! | `#[mask]` | field | `"*****"` (a list keeps its length) |
//! | `#[mask(dynamic)]` | field | every character `*` but `-`, `_`, `.` and space |
//! | `#[mask(custom = "XXXX")]` | field | the mask, cut to the value's length; not empty |
//! | `#[mask(regex = r"...", format = "...")]` | field | a regex rewrite, checked at compile time |
//! | `#[encrypt]`, `#[encrypt(context(...), unbound)]` | field | encrypted at rest (see below) |
//! | `#[sensitive]` | field | a nested `Sensitive` type, also inside `Option`, `Vec`, arrays, maps, `Box` |
//! | `#[sensitive(debug)]` | struct | a `Debug` that prints the masked view |
//! | `#[sensitive(context(...))]` | struct | context entries for every encrypted field |
//! | `#[sensitive(crate = "path")]` | struct | where `data_masking` is, when renamed |
//!
//! A context entry is `sibling_field` (key: the sibling's serde name), `key = sibling_field`,
//! `key = "literal"` or `"quoted-key" = ...`. A sibling must be a `String`, `&str` or
//! `Cow<str>` that serde always writes, and not itself encrypted.
//!
//! Masks apply to the value's JSON exactly as [`Mask::apply`] does: a number or bool becomes
//! the text Python's `str()` gives, then masked; `None` becomes `"*****"`; lists and objects are
//! walked (the default mask replaces each list element). The JSON of `masked()` equals
//! `erase_with(&to_value(&x)?, &[path], &mask)` applied for each masked field.
//!
//! serde's `rename`, `rename_all`, `skip`, `skip_serializing`, `skip_serializing_if`, `flatten`
//! (of non-sensitive fields), `serialize_with`, `with` and the struct `tag` are honoured;
//! `transparent`, `into`, `remote` and `getter` are refused, as are enums, unions, tuple and unit
//! structs. Every mistake is a compile error at the attribute that is wrong, all reported at
//! once.
//!
//! # Encryption metadata
//!
//! Each `#[encrypt]` field is described by a [`SensitiveField`] whose [`EncryptRule`] says how to
//! build its encryption context: the container's `#[sensitive(context(...))]` entries followed by
//! the field's own `#[encrypt(context(...))]` entries, each a literal or the value of a sibling
//! field (a string member of the same JSON object as the encrypted field, named by its serde
//! name). Unless the field is `#[encrypt(unbound)]`, the context also binds the ciphertext to the
//! field: the key [`FIELD_BINDING_KEY`] with the field's path as value.
//!
//! # Encryption
//!
//! [`DataMasking::encrypt_typed`] serializes a record once and replaces each `#[encrypt]` field
//! with its own ESDK message (base64), giving an [`Encrypted<T>`] that serializes as that JSON:
//! the shape [`DataMasking::encrypt_fields`] gives, so Powertools Python decrypts each field
//! with `decrypt(value, **context)`. [`DataMasking::decrypt_typed`] reverses it into `T`.
//!
//! A field's context is the container's static entries, the field's literals, the values of
//! the sibling fields it names (read from the record on encrypt, and from the stored JSON on
//! decrypt: siblings are never encrypted), and, unless `#[encrypt(unbound)]`,
//! [`FIELD_BINDING_KEY`] = the field's declared path (`card`, `orders[*].card`,
//! `accounts.*.iban`). A ciphertext moved to another field fails with
//! [`Error::ContextMismatch`](crate::Error::ContextMismatch); a sibling such as a record id in
//! the context binds it to its record as well. List elements and map values share their
//! declared path (`[*]`, `.*`), so reordering a `Vec` keeps every field readable; bind an
//! element to itself with a context field of its own type. A field inside an `#[encrypt]`ed
//! nested record is covered by the outer message. The untyped API has the same binding as an
//! option: [`DataMasking::encrypt_fields_bound`] / [`DataMasking::decrypt_fields_bound`].
//!
//! ```
//! use data_masking::{DataMasking, Encrypted, Sensitive, keys::RawAesKeyring};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
//! #[sensitive(context(purpose = "billing"))]
//! struct Customer {
//!     customer_id: String,
//!     tenant_id: String,
//!     #[mask]
//!     #[encrypt(context(tenant_id, record = customer_id))]
//!     card: String,
//!     #[encrypt(unbound)]
//!     notes: Vec<String>,
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let masker = DataMasking::builder()
//!     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
//!     .build();
//! let c = Customer {
//!     customer_id: "c-1".into(),
//!     tenant_id: "acme".into(),
//!     card: "4111 1111 1111 1111".into(),
//!     notes: vec!["vip".into()],
//! };
//! let stored: Encrypted<Customer> = masker.encrypt_typed(&c).await?;
//! let text = serde_json::to_string(&stored)?; // {"customer_id":"c-1",...,"card":"AgV4..."}
//! assert!(!text.contains("4111") && !text.contains("vip"));
//!
//! let read: Encrypted<Customer> = serde_json::from_str(&text)?;
//! assert_eq!(masker.decrypt_typed(&read).await?, c);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod debug;
mod encrypt;
mod flat;
mod ser;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::sync::OnceLock;

use serde::{Serialize, Serializer};
use serde_json::Value;

pub use debug::{
    DebugError, DebugList, DebugMap, DebugSerialize, DebugSerializer, DebugStruct, DebugTuple,
};
pub use encrypt::Encrypted;
pub use flat::{FlatCompound, FlatMapSerializer};
pub use ser::{Compound, MaskSerializer, MaskWith};

use crate::erase::Mask;
use crate::error::Result;
use crate::masker::DataMasking;
use crate::path::{Field, Fields, Step, write_expression};

/// The reserved encryption-context key that binds a typed field's ciphertext to the field: its
/// value is the field's path (as [`FieldPath`] displays it), so a ciphertext moved to another
/// field fails to decrypt with a context mismatch. `#[encrypt(unbound)]` leaves it out.
///
/// ```
/// assert_eq!(data_masking::typed::FIELD_BINDING_KEY, "data-masking:field");
/// ```
pub const FIELD_BINDING_KEY: &str = "data-masking:field";

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
    /// encryption rules.
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
        SensitiveFields { fields }
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

/// The path of a field in the JSON of a record: its [`Step`]s, names being serde names.
/// Displays in the Powertools field dialect; [`to_field`](Self::to_field) gives the field
/// that locates it.
///
/// ```
/// use data_masking::typed::FieldPath;
/// let p = FieldPath::root().name("orders").any_index().name("card.no");
/// assert_eq!(p.to_string(), "orders[*]['card.no']");
/// assert_eq!(FieldPath::root().any_member().name("a").to_string(), "$.*.a");
/// assert_eq!(FieldPath::root().to_string(), "$");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(Vec<Step>);

impl FieldPath {
    /// The root: the whole value.
    ///
    /// ```
    /// assert!(data_masking::typed::FieldPath::root().steps().is_empty());
    /// ```
    pub fn root() -> Self {
        Self::default()
    }

    /// This path followed by member `name`.
    ///
    /// ```
    /// # use data_masking::typed::FieldPath;
    /// assert_eq!(FieldPath::root().name("a").name("b").to_string(), "a.b");
    /// ```
    #[must_use]
    pub fn name(mut self, name: &'static str) -> Self {
        self.0.push(Step::name(name));
        self
    }

    /// This path followed by every element of an array.
    ///
    /// ```
    /// # use data_masking::typed::FieldPath;
    /// assert_eq!(FieldPath::root().name("a").any_index().to_string(), "a[*]");
    /// ```
    #[must_use]
    pub fn any_index(mut self) -> Self {
        self.0.push(Step::AnyIndex);
        self
    }

    /// This path followed by every member of an object.
    ///
    /// ```
    /// # use data_masking::typed::FieldPath;
    /// assert_eq!(FieldPath::root().name("a").any_member().to_string(), "a.*");
    /// ```
    #[must_use]
    pub fn any_member(mut self) -> Self {
        self.0.push(Step::AnyMember);
        self
    }

    /// Appends a step (used while describing nested types).
    ///
    /// ```
    /// use data_masking::{path::Step, typed::FieldPath};
    /// let mut p = FieldPath::root();
    /// p.push(Step::name("a"));
    /// assert_eq!(p.to_string(), "a");
    /// ```
    pub fn push(&mut self, step: Step) {
        self.0.push(step);
    }

    /// Removes the last step.
    ///
    /// ```
    /// use data_masking::{path::Step, typed::FieldPath};
    /// let mut p = FieldPath::root().name("a").name("b");
    /// assert_eq!(p.pop(), Some(Step::name("b")));
    /// assert_eq!(p.to_string(), "a");
    /// ```
    pub fn pop(&mut self) -> Option<Step> {
        self.0.pop()
    }

    /// The steps.
    ///
    /// ```
    /// use data_masking::{path::Step, typed::FieldPath};
    /// assert_eq!(FieldPath::root().name("a").steps(), &[Step::name("a")]);
    /// ```
    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    /// The field that locates this path in the record's JSON, built from the steps (its
    /// expression is this path's text).
    ///
    /// ```
    /// use data_masking::typed::FieldPath;
    /// let field = FieldPath::root().name("orders").any_index().name("card").to_field()?;
    /// assert_eq!(field.as_str(), "orders[*].card");
    /// assert_eq!(field.rfc9535(), "$['orders'][*]['card']");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn to_field(&self) -> Result<Field> {
        Field::from_steps(&self.0)
    }

    /// The path with `name` appended, as a new value.
    ///
    /// ```
    /// # use data_masking::typed::FieldPath;
    /// let p = FieldPath::root().name("a");
    /// assert_eq!(p.child("b").to_string(), "a.b");
    /// ```
    #[must_use]
    pub fn child(&self, name: &'static str) -> Self {
        self.clone().name(name)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_expression(&self.0, f)
    }
}

/// A mask declared with `#[mask(...)]`.
///
/// ```
/// use data_masking::typed::MaskRule;
/// use serde_json::json;
/// let rule = MaskRule::Regex { pattern: r"(\d{4})$", format: "****$1" };
/// assert_eq!(rule.to_mask()?.apply(&json!("12345678")), json!("1234****5678"));
/// assert_eq!(rule.to_options(), json!({"regex_pattern": r"(\d{4})$", "mask_format": "****$1"}));
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MaskRule {
    /// `#[mask]`: `"*****"`.
    Default,
    /// `#[mask(dynamic)]`.
    Dynamic,
    /// `#[mask(custom = "...")]`.
    Custom(&'static str),
    /// `#[mask(regex = "...", format = "...")]`.
    Regex {
        /// The pattern.
        pattern: &'static str,
        /// The format.
        format: &'static str,
    },
}

impl MaskRule {
    /// The mask; errors only for a regex that does not compile ([`crate::Error::InvalidMask`]),
    /// which the derive has already ruled out at compile time.
    ///
    /// ```
    /// use data_masking::{Mask, typed::MaskRule};
    /// assert!(matches!(MaskRule::Custom("XX").to_mask()?, Mask::Custom(c) if c == "XX"));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn to_mask(&self) -> Result<Mask> {
        Ok(match *self {
            MaskRule::Default => Mask::Default,
            MaskRule::Dynamic => Mask::Dynamic,
            MaskRule::Custom(c) => Mask::Custom(c.to_owned()),
            MaskRule::Regex { pattern, format } => Mask::regex(pattern, format)?,
        })
    }

    /// The Powertools mask options (`{}`, `{"dynamic_mask": true}`, `{"custom_mask": ...}`,
    /// `{"regex_pattern": ..., "mask_format": ...}`), as [`Mask::from_options`] reads them.
    ///
    /// ```
    /// use data_masking::typed::MaskRule;
    /// assert_eq!(MaskRule::Dynamic.to_options(), serde_json::json!({"dynamic_mask": true}));
    /// ```
    pub fn to_options(&self) -> Value {
        match *self {
            MaskRule::Default => serde_json::json!({}),
            MaskRule::Dynamic => serde_json::json!({"dynamic_mask": true}),
            MaskRule::Custom(c) => serde_json::json!({ "custom_mask": c }),
            MaskRule::Regex { pattern, format } => {
                serde_json::json!({"regex_pattern": pattern, "mask_format": format})
            }
        }
    }
}

/// Where an encryption-context value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContextSource {
    /// A literal: `context(key = "literal")`.
    Literal(&'static str),
    /// The string value of a sibling field (a member of the same JSON object as the encrypted
    /// field), by its serde name: `context(tenant_id)` or `context(key = tenant_id)`.
    Field(&'static str),
}

/// One entry of an encryption context recipe.
///
/// ```
/// use data_masking::typed::{ContextEntry, ContextSource};
/// let e = ContextEntry { key: "tenant_id", source: ContextSource::Field("tenantId") };
/// assert_eq!(e.key, "tenant_id");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ContextEntry {
    /// The context key.
    pub key: &'static str,
    /// Where its value comes from.
    pub source: ContextSource,
}

/// How an `#[encrypt]` field is encrypted: its context recipe (the container's entries, then the
/// field's) and whether the field path is bound with [`FIELD_BINDING_KEY`].
///
/// ```
/// use data_masking::Sensitive;
/// use data_masking::typed::{ContextEntry, ContextSource};
/// #[derive(serde::Serialize, Sensitive)]
/// #[sensitive(context(purpose = "billing"))]
/// struct C { tenant: String, #[encrypt(context(tenant))] address: String }
/// let fields = C::sensitive_fields();
/// let (path, rule) = fields.encrypted().next().unwrap();
/// assert_eq!(path.to_string(), "address");
/// assert!(rule.bound);
/// assert_eq!(rule.context, &[
///     ContextEntry { key: "purpose", source: ContextSource::Literal("billing") },
///     ContextEntry { key: "tenant", source: ContextSource::Field("tenant") },
/// ]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EncryptRule {
    /// The context entries; keys are distinct (checked at compile time).
    pub context: &'static [ContextEntry],
    /// True unless `#[encrypt(unbound)]`: the context also carries [`FIELD_BINDING_KEY`].
    pub bound: bool,
}

/// One sensitive field of a type: its path and its rules.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SensitiveField {
    /// The path, by serde names.
    pub path: FieldPath,
    /// The mask of the masked view, if any.
    pub mask: Option<MaskRule>,
    /// The encryption rule, if the field is encrypted.
    pub encrypt: Option<EncryptRule>,
}

impl SensitiveField {
    /// A masked (not encrypted) field.
    ///
    /// ```
    /// use data_masking::typed::{FieldPath, MaskRule, SensitiveField};
    /// let f = SensitiveField::masked(FieldPath::root().name("a"), MaskRule::Dynamic);
    /// assert_eq!(f.mask, Some(MaskRule::Dynamic));
    /// assert!(f.encrypt.is_none());
    /// ```
    pub fn masked(path: FieldPath, mask: MaskRule) -> Self {
        Self {
            path,
            mask: Some(mask),
            encrypt: None,
        }
    }
}

/// The rules of a [`Sensitive`] type, for untyped use: [`DataMasking::erase_with`],
/// `encrypt_fields`, Powertools `masking_rules`, the command line.
///
/// ```
/// use data_masking::{DataMasking, Mask, Sensitive};
/// use serde_json::json;
///
/// #[derive(serde::Serialize, Sensitive)]
/// struct C { name: String, #[mask] ssn: String, #[mask(dynamic)] email: String }
/// let fields = C::sensitive_fields();
/// assert_eq!(fields.masking_rules(), json!({"ssn": {}, "email": {"dynamic_mask": true}}));
///
/// let value = json!({"name": "x", "ssn": "1", "email": "a@b"});
/// assert_eq!(fields.erase(&value)?, json!({"name": "x", "ssn": "*****", "email": "***"}));
/// assert_eq!(fields.mask_fields()?.len(), 2);
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SensitiveFields {
    fields: Vec<SensitiveField>,
}

impl SensitiveFields {
    /// Every described field, in declaration order.
    ///
    /// ```
    /// # use data_masking::Sensitive;
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct C { #[mask] #[encrypt] a: String }
    /// let f = C::sensitive_fields();
    /// let a = f.iter().next().unwrap();
    /// assert!(a.mask.is_some() && a.encrypt.is_some());
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, SensitiveField> {
        self.fields.iter()
    }

    /// Number of described fields.
    ///
    /// ```
    /// # use data_masking::Sensitive;
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct C { a: String }
    /// assert_eq!(C::sensitive_fields().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when no field is sensitive.
    ///
    /// ```
    /// # use data_masking::Sensitive;
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct C { a: String }
    /// assert!(C::sensitive_fields().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The masked fields with their masks.
    ///
    /// ```
    /// # use data_masking::Sensitive;
    /// # use data_masking::typed::MaskRule;
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct C { #[mask(custom = "X")] a: String, #[encrypt] b: String }
    /// let f = C::sensitive_fields();
    /// let masked: Vec<_> = f.masked().map(|(p, m)| (p.to_string(), *m)).collect();
    /// assert_eq!(masked, [("a".to_owned(), MaskRule::Custom("X"))]);
    /// ```
    pub fn masked(&self) -> impl Iterator<Item = (&FieldPath, &MaskRule)> {
        self.fields
            .iter()
            .filter_map(|f| f.mask.as_ref().map(|m| (&f.path, m)))
    }

    /// The encrypted fields with their encryption rules.
    ///
    /// ```
    /// # use data_masking::Sensitive;
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct C { #[mask(custom = "X")] a: String, #[encrypt(unbound)] b: String }
    /// let f = C::sensitive_fields();
    /// let (path, rule) = f.encrypted().next().unwrap();
    /// assert_eq!((path.to_string().as_str(), rule.bound), ("b", false));
    /// ```
    pub fn encrypted(&self) -> impl Iterator<Item = (&FieldPath, &EncryptRule)> {
        self.fields
            .iter()
            .filter_map(|f| f.encrypt.as_ref().map(|e| (&f.path, e)))
    }

    /// The masked fields, each compiled with its mask: erase `value` with
    /// `erase_with(value, &fields, &mask)` for each pair to get what [`Sensitive::masked`]
    /// serializes.
    ///
    /// ```
    /// # use data_masking::Sensitive;
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct C { #[mask] a: String, #[mask(dynamic)] b: String }
    /// let pairs = C::sensitive_fields().mask_fields()?;
    /// assert_eq!(pairs[1].0.iter().next().unwrap().as_str(), "b");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn mask_fields(&self) -> Result<Vec<(Fields, Mask)>> {
        self.masked()
            .map(|(path, rule)| Ok((Fields::from_fields([path.to_field()?])?, rule.to_mask()?)))
            .collect()
    }

    /// The encrypted fields' paths, compiled, for the untyped `encrypt_fields`.
    ///
    /// ```
    /// # use data_masking::Sensitive;
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct C { #[encrypt] a: String, #[encrypt] b: String }
    /// assert_eq!(C::sensitive_fields().encrypt_fields()?.len(), 2);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn encrypt_fields(&self) -> Result<Fields> {
        Fields::from_fields(
            self.encrypted()
                .map(|(p, _)| p.to_field())
                .collect::<Result<Vec<_>>>()?,
        )
    }

    /// Powertools `masking_rules`: each masked path with its mask options (see
    /// [`MaskRule::to_options`]). Note that Powertools' rules turn a list or object value into
    /// the text of its Python repr before masking, where [`Sensitive::masked`] walks it; the two
    /// agree on strings, numbers and bools.
    ///
    /// ```
    /// # use data_masking::Sensitive;
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct C { #[mask(custom = "XX")] pin: u32 }
    /// assert_eq!(C::sensitive_fields().masking_rules(), serde_json::json!({"pin": {"custom_mask": "XX"}}));
    /// ```
    pub fn masking_rules(&self) -> Value {
        Value::Object(
            self.masked()
                .map(|(p, m)| (p.to_string(), m.to_options()))
                .collect(),
        )
    }

    /// Erases `value` (the JSON of a record of the described type) with the untyped engine:
    /// each masked field with its mask, missing fields ignored. Equals the JSON of
    /// [`Sensitive::masked`].
    ///
    /// ```
    /// # use data_masking::Sensitive;
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct C { #[mask(dynamic)] tags: Vec<String> }
    /// let c = C { tags: vec!["a-b".into()] };
    /// let untyped = C::sensitive_fields().erase(&serde_json::to_value(&c)?)?;
    /// assert_eq!(untyped, serde_json::to_value(c.masked())?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn erase(&self, value: &Value) -> Result<Value> {
        let masker = DataMasking::builder().raise_on_missing_field(false).build();
        let mut out = value.clone();
        for (fields, mask) in self.mask_fields()? {
            masker.erase_in_place(&mut out, &fields, &mask)?;
        }
        Ok(out)
    }
}

impl<'a> IntoIterator for &'a SensitiveFields {
    type Item = &'a SensitiveField;
    type IntoIter = std::slice::Iter<'a, SensitiveField>;
    fn into_iter(self) -> Self::IntoIter {
        self.fields.iter()
    }
}

/// A mask compiled on first use, for the code `#[derive(Sensitive)]` generates.
///
/// ```
/// use data_masking::typed::{LazyMask, MaskRule};
/// static MASK: LazyMask = LazyMask::new(MaskRule::Dynamic);
/// assert_eq!(MASK.get().map(|m| m.mask_text("a-b")).as_deref(), Ok("*-*"));
/// ```
pub struct LazyMask {
    rule: MaskRule,
    cell: OnceLock<std::result::Result<Mask, String>>,
}

impl LazyMask {
    /// A mask for `rule`, not compiled yet.
    ///
    /// ```
    /// use data_masking::typed::{LazyMask, MaskRule};
    /// let m = LazyMask::new(MaskRule::Regex { pattern: "(", format: "" });
    /// assert!(m.get().is_err());
    /// ```
    pub const fn new(rule: MaskRule) -> Self {
        Self {
            rule,
            cell: OnceLock::new(),
        }
    }

    /// The compiled mask, or the reason it does not compile.
    ///
    /// ```
    /// use data_masking::typed::{LazyMask, MaskRule};
    /// assert!(LazyMask::new(MaskRule::Default).get().is_ok());
    /// ```
    pub fn get(&self) -> std::result::Result<&Mask, &str> {
        self.cell
            .get_or_init(|| self.rule.to_mask().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }

    /// The rule.
    ///
    /// ```
    /// use data_masking::typed::{LazyMask, MaskRule};
    /// assert_eq!(LazyMask::new(MaskRule::Dynamic).rule(), MaskRule::Dynamic);
    /// ```
    pub fn rule(&self) -> MaskRule {
        self.rule
    }
}

/// A value masked with a [`LazyMask`], for the code `#[derive(Sensitive)]` generates.
///
/// ```
/// use data_masking::typed::{LazyMask, LazyMasked, MaskRule};
/// static MASK: LazyMask = LazyMask::new(MaskRule::Custom("XX"));
/// assert_eq!(serde_json::to_string(&LazyMasked::new(&1234, &MASK))?, r#""XX""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub struct LazyMasked<'a, T: ?Sized> {
    value: &'a T,
    mask: &'a LazyMask,
}

impl<'a, T: ?Sized> LazyMasked<'a, T> {
    /// Wraps `value`.
    ///
    /// ```
    /// use data_masking::typed::{LazyMask, LazyMasked, MaskRule};
    /// let mask = LazyMask::new(MaskRule::Default);
    /// assert_eq!(serde_json::to_string(&LazyMasked::new("x", &mask))?, r#""*****""#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(value: &'a T, mask: &'a LazyMask) -> Self {
        Self { value, mask }
    }
}

impl<T: ?Sized + Serialize> Serialize for LazyMasked<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.mask.get() {
            Ok(mask) => self.value.serialize(MaskSerializer::new(serializer, mask)),
            Err(e) => Err(serde::ser::Error::custom(e)),
        }
    }
}

// ---- Sensitive for the standard containers ----

impl<T: ?Sized + Sensitive> Sensitive for &T {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize_masked(serializer)
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        T::describe_fields(path, out);
    }
}

impl<T: ?Sized + Sensitive> Sensitive for Box<T> {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize_masked(serializer)
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        T::describe_fields(path, out);
    }
}

impl<T: ?Sized + Sensitive> Sensitive for std::sync::Arc<T> {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize_masked(serializer)
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        T::describe_fields(path, out);
    }
}

impl<T: Sensitive> Sensitive for Option<T> {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(v) => serializer.serialize_some(&Masked(v)),
            None => serializer.serialize_none(),
        }
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        T::describe_fields(path, out);
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

impl<T: Sensitive> Sensitive for [T] {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(Masked))
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        describe_elements::<T>(Step::AnyIndex, path, out);
    }
}

impl<T: Sensitive, const N: usize> Sensitive for [T; N] {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple as _;
        let mut tuple = serializer.serialize_tuple(N)?;
        for v in self {
            tuple.serialize_element(&Masked(v))?;
        }
        tuple.end()
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        describe_elements::<T>(Step::AnyIndex, path, out);
    }
}

impl<T: Sensitive> Sensitive for Vec<T> {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(Masked))
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        describe_elements::<T>(Step::AnyIndex, path, out);
    }
}

impl<T: Sensitive> Sensitive for VecDeque<T> {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(Masked))
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        describe_elements::<T>(Step::AnyIndex, path, out);
    }
}

impl<K: Serialize, V: Sensitive, H> Sensitive for HashMap<K, V, H> {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter().map(|(k, v)| (k, Masked(v))))
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        describe_elements::<V>(Step::AnyMember, path, out);
    }
}

impl<K: Serialize, V: Sensitive> Sensitive for BTreeMap<K, V> {
    fn serialize_masked<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter().map(|(k, v)| (k, Masked(v))))
    }
    fn describe_fields(path: &mut FieldPath, out: &mut Vec<SensitiveField>) {
        describe_elements::<V>(Step::AnyMember, path, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_in_the_dialect() {
        for (path, expected) in [
            (FieldPath::root().name("a"), "$['a']"),
            (
                FieldPath::root().name("a").any_index().name("b"),
                "$['a'][*]['b']",
            ),
            (FieldPath::root().any_index().name("b"), "$[*]['b']"),
            (FieldPath::root().any_member().name("b"), "$[*]['b']"),
            (FieldPath::root().name("m").any_member(), "$['m'][*]"),
            (FieldPath::root().name("a.b"), "$['a.b']"),
            (FieldPath::root().name("it's"), "$['it\\'s']"),
            (FieldPath::root().name("1st").name("x-y"), "$['1st']['x-y']"),
        ] {
            let text = path.to_string();
            let field = crate::path::Field::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(field.rfc9535(), expected, "{text}");
        }
    }
}
