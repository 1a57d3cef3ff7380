//! [`DataMasking`]: the entry point.

use std::sync::Arc;

use serde_json::Value;

use crate::erase::{Apply, Mask, Rules, Targets};
use crate::error::{Error, Result};
use crate::path::{AsFields, Field};

/// Erases (and, with a keyring, encrypts and decrypts) sensitive fields.
///
/// Build it once per process and share it: it is `Send + Sync`, and `Clone` is cheap.
///
/// Fields are located on the input before anything is masked, and every located node is masked
/// exactly once (a node inside another located node is masked with it).
///
/// ```
/// use data_masking::{DataMasking, Mask};
/// use serde_json::json;
///
/// let masker = DataMasking::new();
/// let data = json!({"card_number": "1111 2222 3333 4444", "address": [{"street": "Main"}]});
/// let out = masker.erase(&data, &["card_number", "address[*].street"])?;
/// assert_eq!(out, json!({"card_number": "*****", "address": [{"street": "*****"}]}));
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct DataMasking {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    raise_on_missing_field: bool,
}

/// Builds a [`DataMasking`].
///
/// ```
/// use data_masking::DataMasking;
/// use serde_json::json;
///
/// let masker = DataMasking::builder().raise_on_missing_field(false).build();
/// let out = masker.erase(&json!({"a": 1}), &["missing"])?;
/// assert_eq!(out, json!({"a": 1}));
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct DataMaskingBuilder {
    raise_on_missing_field: bool,
}

impl Default for DataMaskingBuilder {
    fn default() -> Self {
        Self {
            raise_on_missing_field: true,
        }
    }
}

impl DataMaskingBuilder {
    /// Whether a field that matches nothing is an error (the default, `true`), or is only
    /// reported by [`DataMasking::erase_detailed`] (`false`).
    ///
    /// ```
    /// # use data_masking::DataMasking;
    /// let masker = DataMasking::builder().raise_on_missing_field(true).build();
    /// assert!(masker.raise_on_missing_field());
    /// ```
    pub fn raise_on_missing_field(mut self, raise: bool) -> Self {
        self.raise_on_missing_field = raise;
        self
    }

    /// The configured [`DataMasking`].
    ///
    /// ```
    /// # use data_masking::DataMasking;
    /// let masker = DataMasking::builder().build();
    /// ```
    pub fn build(self) -> DataMasking {
        DataMasking {
            inner: Arc::new(Inner {
                raise_on_missing_field: self.raise_on_missing_field,
            }),
        }
    }
}

/// The result of [`DataMasking::erase_detailed`]: the masked value and the fields that matched
/// nothing.
///
/// ```
/// use data_masking::{DataMasking, Mask};
/// use serde_json::json;
///
/// let masker = DataMasking::builder().raise_on_missing_field(false).build();
/// let e = masker.erase_detailed(&json!({"a": "x"}), &["a", "b"], &Mask::Default)?;
/// assert_eq!(e.value, json!({"a": "*****"}));
/// assert_eq!(e.missing, ["b"]);
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Erasure {
    /// The masked value.
    pub value: Value,
    /// The expressions (as written) that matched nothing.
    pub missing: Vec<String>,
}

impl Default for DataMasking {
    fn default() -> Self {
        Self::new()
    }
}

impl DataMasking {
    /// A masker for erasing, raising on missing fields.
    ///
    /// ```
    /// # use data_masking::DataMasking;
    /// let masker = DataMasking::new();
    /// assert!(masker.raise_on_missing_field());
    /// ```
    pub fn new() -> Self {
        DataMaskingBuilder::default().build()
    }

    /// A builder for the options.
    ///
    /// ```
    /// # use data_masking::DataMasking;
    /// let masker = DataMasking::builder().raise_on_missing_field(false).build();
    /// assert!(!masker.raise_on_missing_field());
    /// ```
    pub fn builder() -> DataMaskingBuilder {
        DataMaskingBuilder::default()
    }

    /// Whether a field that matches nothing is an error.
    ///
    /// ```
    /// # use data_masking::DataMasking;
    /// assert!(DataMasking::new().raise_on_missing_field());
    /// ```
    pub fn raise_on_missing_field(&self) -> bool {
        self.inner.raise_on_missing_field
    }

    /// Masks the selected fields with the default mask `"*****"`.
    ///
    /// ```
    /// use data_masking::DataMasking;
    /// use serde_json::json;
    /// let out = DataMasking::new().erase(&json!({"tags": ["a", "b"], "n": 1}), &["tags"])?;
    /// assert_eq!(out, json!({"tags": ["*****", "*****"], "n": 1}));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn erase<F: AsFields + ?Sized>(&self, data: &Value, fields: &F) -> Result<Value> {
        self.erase_with(data, fields, &Mask::Default)
    }

    /// Masks the selected fields with `mask`.
    ///
    /// ```
    /// use data_masking::{DataMasking, Mask};
    /// use serde_json::json;
    /// let out = DataMasking::new().erase_with(&json!({"e": "a.b@c.de"}), &["e"], &Mask::Dynamic)?;
    /// assert_eq!(out, json!({"e": "*.***.**"}));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn erase_with<F: AsFields + ?Sized>(
        &self,
        data: &Value,
        fields: &F,
        mask: &Mask,
    ) -> Result<Value> {
        Ok(self.erase_detailed(data, fields, mask)?.value)
    }

    /// Masks the selected fields, and also says which fields matched nothing (with
    /// `raise_on_missing_field(true)`, the default, a missing field is an error instead).
    ///
    /// ```
    /// use data_masking::{DataMasking, Error, Mask};
    /// use serde_json::json;
    /// let err = DataMasking::new().erase_detailed(&json!({}), &["a"], &Mask::Default).unwrap_err();
    /// assert_eq!(err.to_string(), "field or expression a not found");
    /// ```
    pub fn erase_detailed<F: AsFields + ?Sized>(
        &self,
        data: &Value,
        fields: &F,
        mask: &Mask,
    ) -> Result<Erasure> {
        let fields = fields.as_fields()?;
        let mut value = data.clone();
        let missing = self.erase_in_place(&mut value, &*fields, mask)?;
        Ok(Erasure { value, missing })
    }

    /// Masks the selected fields in place and returns the fields that matched nothing. The value
    /// is left untouched when an error is returned.
    ///
    /// ```
    /// use data_masking::{DataMasking, Mask};
    /// use serde_json::json;
    /// let mut data = json!({"ssn": "123-45-6789"});
    /// DataMasking::new().erase_in_place(&mut data, &["ssn"], &Mask::Dynamic)?;
    /// assert_eq!(data, json!({"ssn": "***-**-****"}));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn erase_in_place<F: AsFields + ?Sized>(
        &self,
        data: &mut Value,
        fields: &F,
        mask: &Mask,
    ) -> Result<Vec<String>> {
        let fields = fields.as_fields()?;
        let (targets, missing) = self.locate(data, fields.iter().map(|f| (f, 0)))?;
        targets.in_place(data, Apply::Fields(mask));
        Ok(missing)
    }

    /// Masks the whole value (Powertools' `erase` without `fields`).
    ///
    /// ```
    /// use data_masking::{DataMasking, Mask};
    /// use serde_json::json;
    /// let masker = DataMasking::new();
    /// assert_eq!(masker.erase_all(&json!({"a": 1}), &Mask::Default), json!("*****"));
    /// assert_eq!(masker.erase_all(&json!({"a": 1}), &Mask::Dynamic), json!({"a": "*"}));
    /// ```
    pub fn erase_all(&self, data: &Value, mask: &Mask) -> Value {
        mask.apply(data)
    }

    /// Masks by per-path rules (Powertools' `masking_rules`). An empty rule set masks the whole
    /// value with the default mask, as Powertools does.
    ///
    /// ```
    /// use data_masking::{DataMasking, Rules};
    /// use serde_json::json;
    /// let rules = Rules::from_json(&json!({"a.b": {"custom_mask": "XX"}, "c": {}}))?;
    /// let out = DataMasking::new().erase_by_rules(&json!({"a": {"b": "secret"}, "c": [1]}), &rules)?;
    /// assert_eq!(out, json!({"a": {"b": "XX"}, "c": "*****"}));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn erase_by_rules(&self, data: &Value, rules: &Rules) -> Result<Value> {
        Ok(self.erase_by_rules_detailed(data, rules)?.value)
    }

    /// [`erase_by_rules`](Self::erase_by_rules), also reporting the rule paths that matched
    /// nothing.
    ///
    /// ```
    /// use data_masking::{DataMasking, Mask, Rules};
    /// use serde_json::json;
    /// let masker = DataMasking::builder().raise_on_missing_field(false).build();
    /// let rules = Rules::new().rule("x", Mask::Default)?;
    /// assert_eq!(masker.erase_by_rules_detailed(&json!({}), &rules)?.missing, ["x"]);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn erase_by_rules_detailed(&self, data: &Value, rules: &Rules) -> Result<Erasure> {
        if rules.is_empty() {
            return Ok(Erasure {
                value: Mask::Default.apply(data),
                missing: Vec::new(),
            });
        }
        let mut value = data.clone();
        let (targets, missing) =
            self.locate(&value, rules.iter().enumerate().map(|(i, (f, _))| (f, i)))?;
        targets.in_place(&mut value, Apply::Rules(rules));
        Ok(Erasure { value, missing })
    }

    /// Masks the selected fields of JSON text and returns JSON text.
    ///
    /// When every field is a simple query (names, indices and `*`), the text is not turned into
    /// a `Value`: only the selected values are parsed and rewritten, and the rest of the text,
    /// its formatting included, is kept as it is. Otherwise the document is parsed, masked and
    /// written back compactly. Either way the whole text must be valid JSON.
    ///
    /// ```
    /// use data_masking::{DataMasking, Error, Mask};
    /// let masker = DataMasking::new();
    /// let out = masker.erase_json(r#"{"a": "x", "b": 2}"#, &["a"], &Mask::Default)?;
    /// assert_eq!(out, r#"{"a": "*****", "b": 2}"#);
    /// let out = masker.erase_json(r#"{"a": "x", "b": 2}"#, &["$..a"], &Mask::Default)?;
    /// assert_eq!(out, r#"{"a":"*****","b":2}"#);
    /// let err = masker.erase_json("{not json", &["a"], &Mask::Default).unwrap_err();
    /// assert!(matches!(err, Error::InvalidJson { line: 1, column: 2, .. }));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn erase_json<F: AsFields + ?Sized>(
        &self,
        text: &str,
        fields: &F,
        mask: &Mask,
    ) -> Result<String> {
        let fields = fields.as_fields()?;
        if let Some(done) =
            crate::span::erase_text(text, &fields, mask, self.inner.raise_on_missing_field)
        {
            return done.map(|(text, _)| text);
        }
        let mut value: Value = serde_json::from_str(text).map_err(|e| Error::invalid_json(&e))?;
        self.erase_in_place(&mut value, &*fields, mask)?;
        serde_json::to_string(&value).map_err(|e| Error::invalid_json(&e))
    }

    /// Locates every field on the unmodified input.
    fn locate<'f>(
        &self,
        data: &Value,
        fields: impl Iterator<Item = (&'f Field, usize)>,
    ) -> Result<(Targets, Vec<String>)> {
        let mut found = Vec::new();
        let mut addrs = Vec::new();
        let mut missing = Vec::new();
        for (field, tag) in fields {
            addrs.clear();
            if field.locate_into(data, &mut addrs) == 0 {
                if self.inner.raise_on_missing_field {
                    return Err(Error::FieldNotFound {
                        field: field.as_str().to_owned(),
                    });
                }
                missing.push(field.as_str().to_owned());
            }
            found.extend(addrs.iter().map(|&a| (a, tag)));
        }
        Ok((Targets::new(found), missing))
    }
}
