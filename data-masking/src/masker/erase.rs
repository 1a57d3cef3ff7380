//! Erasing: [`DataMasking`]'s erase methods (Powertools' `erase`, with masks and rules).

use serde_json::Value;

use super::{DataMasking, Erasure};
use crate::erase::{Mask, Rules};
use crate::error::{Error, Result};
use crate::json_text::spans::locate_spans;
use crate::path::{AsFields, Targets};

impl DataMasking {
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
        let (targets, missing) = Targets::locate(
            data,
            fields.iter().map(|f| (f, 0)),
            self.raise_on_missing_field(),
        )?;
        targets.update(data, &mut |node, _| *node = mask.apply(node));
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
        let (targets, missing) = Targets::locate(
            &value,
            rules.iter().enumerate().map(|(i, (f, _))| (f, i)),
            self.raise_on_missing_field(),
        )?;
        targets.update(&mut value, &mut |node, rule| *node = rules.mask(rule, node));
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
        if let Some(located) = locate_spans(text, &fields, self.inner.raise_on_missing_field) {
            return located?.splice(text, 0, |_, raw, out| {
                let value: Value = serde_json::from_str(raw)?;
                out.push_str(&serde_json::to_string(&mask.apply(&value))?);
                Ok(())
            });
        }
        let mut value: Value = serde_json::from_str(text).map_err(|e| Error::invalid_json(&e))?;
        self.erase_in_place(&mut value, &*fields, mask)?;
        serde_json::to_string(&value).map_err(|e| Error::invalid_json(&e))
    }
}
