//! The description of a type's sensitive fields ([`SensitiveField`], [`SensitiveFields`]): its
//! masked and encrypted fields, its signed fields and its context entries; and its use with the
//! untyped API.

use serde_json::Value;

use super::field_path::FieldPath;
use super::rules::{ContextEntry, EncryptRule, MaskRule};
use crate::erase::Mask;
use crate::error::Result;
use crate::masker::DataMasking;
use crate::path::Fields;

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

/// The rules of a [`Sensitive`](super::Sensitive) type, for untyped use: [`DataMasking::erase_with`],
/// `encrypt_fields`, Powertools `masking_rules`, [`seal`](Self::seal), the command line.
///
/// It holds the masked and encrypted fields ([`iter`](Self::iter)), the paths of the
/// `#[sign]` fields ([`signed`](Self::signed)) and the struct's
/// `#[sensitive(context(...))]` entries ([`context`](Self::context)).
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
    /// Built by [`Sensitive::sensitive_fields`](super::Sensitive::sensitive_fields).
    pub(super) fields: Vec<SensitiveField>,
    /// The paths of the signed fields, in declaration order.
    pub(super) signed: Vec<FieldPath>,
    /// The container's context entries.
    pub(super) context: &'static [ContextEntry],
}

impl SensitiveFields {
    /// Every masked or encrypted field, in declaration order (signed fields are in
    /// [`signed`](Self::signed)).
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

    /// Number of masked or encrypted fields.
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

    /// True when no field is masked or encrypted.
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
    ///
    /// A path two enum variants share with the same mask is listed once (the derive refuses
    /// variants that share a path with other masks).
    pub fn masked(&self) -> impl Iterator<Item = (&FieldPath, &MaskRule)> {
        self.fields.iter().enumerate().filter_map(|(i, f)| {
            let mask = f.mask.as_ref()?;
            let repeated = self.fields[..i]
                .iter()
                .any(|e| e.mask.as_ref() == Some(mask) && e.path.steps() == f.path.steps());
            (!repeated).then_some((&f.path, mask))
        })
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

    /// The paths of the `#[sign]` fields, those of nested types included, in declaration order.
    ///
    /// ```
    /// # use data_masking::Sensitive;
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct Order { #[sign] total: u32, #[encrypt] card: String }
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct C { #[sign] status: String, #[sensitive] orders: Vec<Order> }
    /// let f = C::sensitive_fields();
    /// let signed: Vec<String> = f.signed().map(ToString::to_string).collect();
    /// assert_eq!(signed, ["status", "orders[*].total"]);
    /// ```
    pub fn signed(&self) -> impl Iterator<Item = &FieldPath> {
        self.signed.iter()
    }

    /// The entries of the type's `#[sensitive(context(...))]` (see
    /// [`Sensitive::container_context`](super::Sensitive::container_context)).
    ///
    /// ```
    /// # use data_masking::Sensitive;
    /// #[derive(serde::Serialize, Sensitive)]
    /// #[sensitive(context(purpose = "billing"))]
    /// struct C { #[encrypt] a: String }
    /// assert_eq!(C::sensitive_fields().context()[0].key, "purpose");
    /// ```
    pub fn context(&self) -> &'static [ContextEntry] {
        self.context
    }

    /// The masked fields, each compiled with its mask: erase `value` with
    /// `erase_with(value, &fields, &mask)` for each pair to get what [`Sensitive::masked`](super::Sensitive::masked)
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
        let mut paths: Vec<&FieldPath> = Vec::new();
        for (path, _) in self.encrypted() {
            if !paths.iter().any(|p| p.steps() == path.steps()) {
                paths.push(path);
            }
        }
        Fields::from_fields(
            paths
                .into_iter()
                .map(FieldPath::to_field)
                .collect::<Result<Vec<_>>>()?,
        )
    }

    /// Powertools `masking_rules`: each masked path with its mask options (see
    /// [`MaskRule::to_options`]). Note that Powertools' rules turn a list or object value into
    /// the text of its Python repr before masking, where [`Sensitive::masked`](super::Sensitive::masked) walks it; the two
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
    /// [`Sensitive::masked`](super::Sensitive::masked).
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
