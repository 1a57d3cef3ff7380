//! Masks compiled on first use ([`LazyMask`], [`LazyMasked`]), for the code
//! `#[derive(Sensitive)]` generates.

use std::sync::OnceLock;

use serde::{Serialize, Serializer};

use super::rules::MaskRule;
use super::ser::MaskSerializer;
use crate::erase::Mask;

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
