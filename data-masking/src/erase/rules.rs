//! Per-path masks: Powertools' `masking_rules`.

use serde_json::Value;

use super::mask::{Mask, type_name};
use crate::error::{Error, Result};
use crate::path::Field;

/// Per-path masks: Powertools' `masking_rules`.
///
/// Each path is relative to the root as Powertools builds it (`"$." + path`): `"email"`,
/// `"address.street"`, `"items[*].sku"`, `".name"` (any depth) and `"$.email"` all work. When a
/// node is selected by several rules, the first rule wins; a node inside a node that a rule masks
/// is masked by the outer rule only.
///
/// ```
/// use data_masking::{DataMasking, Mask, Rules};
/// use serde_json::json;
///
/// let rules = Rules::new()
///     .rule("email", Mask::Dynamic)?
///     .rule("items[*].sku", Mask::Custom("SKU".into()))?;
/// let data = json!({"email": "a@b.c", "items": [{"sku": "x1"}]});
/// let out = DataMasking::new().erase_by_rules(&data, &rules)?;
/// assert_eq!(out, json!({"email": "***.*", "items": [{"sku": "SK"}]}));
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Rules {
    items: Vec<(Field, Mask)>,
}

impl Rules {
    /// No rules. Erasing by an empty rule set masks the whole value, as Powertools does with an
    /// empty `masking_rules`.
    ///
    /// ```
    /// # use data_masking::Rules;
    /// assert!(Rules::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a rule; errors when the path does not parse.
    ///
    /// ```
    /// # use data_masking::{Mask, Rules};
    /// assert!(Rules::new().rule("a[", Mask::Default).is_err());
    /// assert_eq!(Rules::new().rule("a", Mask::Default)?.len(), 1);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn rule(mut self, path: &str, mask: Mask) -> Result<Self> {
        self.items.push((Field::parse_rule(path)?, mask));
        Ok(self)
    }

    /// Reads Powertools' `masking_rules` object: each key a path, each value the mask options
    /// ([`Mask::from_options`]).
    ///
    /// ```
    /// use data_masking::Rules;
    /// use serde_json::json;
    /// let rules = Rules::from_json(&json!({
    ///     "email": {"dynamic_mask": true},
    ///     "card": {"regex_pattern": "\\d{12}(\\d{4})", "mask_format": "****\\1"},
    ///     "ssn": {}
    /// }))?;
    /// assert_eq!(rules.len(), 3);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_json(rules: &Value) -> Result<Self> {
        let Value::Object(o) = rules else {
            return Err(Error::UnsupportedType(format!(
                "masking rules must be a JSON object mapping paths to mask options, got {}",
                type_name(rules)
            )));
        };
        o.iter().try_fold(Rules::new(), |r, (path, opts)| {
            r.rule(path, Mask::from_options(opts)?)
        })
    }

    /// Number of rules.
    ///
    /// ```
    /// # use data_masking::{Mask, Rules};
    /// assert_eq!(Rules::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there is no rule.
    ///
    /// ```
    /// # use data_masking::Rules;
    /// assert!(Rules::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &(Field, Mask)> {
        self.items.iter()
    }

    /// The masked copy of `v`, which the rule of index `rule` located.
    pub(crate) fn mask(&self, rule: usize, v: &Value) -> Value {
        self.items
            .get(rule)
            .map_or(Value::Null, |(_, m)| m.apply_rule(v))
    }
}
