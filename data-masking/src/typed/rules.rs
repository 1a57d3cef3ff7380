//! The rules a field declares: its mask ([`MaskRule`]) and how it is encrypted
//! ([`EncryptRule`]: the context recipe, and the field binding under [`FIELD_BINDING_KEY`]).

use serde_json::Value;

use crate::erase::Mask;
use crate::error::Result;

pub use crate::masker::FIELD_BINDING_KEY;

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
