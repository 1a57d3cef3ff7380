//! The masks, and how one applies to a JSON value.

use serde_json::{Map, Value};

use super::python::{python_number, python_repr, truthy};
use super::regex_mask::RegexMask;
use super::text::TextOut;
use crate::error::{Error, Result};

/// The text the default mask writes.
///
/// ```
/// assert_eq!(data_masking::DEFAULT_MASK, "*****");
/// ```
pub const DEFAULT_MASK: &str = "*****";

/// How a located value is erased, with the semantics of Powertools Python `erase`:
///
/// | mask | string | number / bool | null | list | object |
/// |---|---|---|---|---|---|
/// | [`Mask::Default`] | `"*****"` | `"*****"` | `"*****"` | each element `"*****"` | `"*****"` |
/// | [`Mask::Dynamic`] | each character `*` but `-_. ` | masked as its text | `"*****"` | walked | walked |
/// | [`Mask::Custom`] | the mask, cut to the value's length | masked as its text | `"*****"` | walked | walked |
/// | [`Mask::regex`] | `re.sub(pattern, format, value)` | rewritten as its text | `"*****"` | walked | walked |
///
/// A number or bool becomes the text Python's `str()` gives (`1.0`, `1e+20`, `True`) before it
/// is masked, so every option other than the default turns it into a string, as Powertools does.
///
/// ```
/// use data_masking::Mask;
/// use serde_json::json;
/// assert_eq!(Mask::default().apply(&json!(42)), json!("*****"));
/// ```
#[derive(Clone, Debug, Default)]
pub enum Mask {
    /// `"*****"` for any value; a list keeps its length, each element becoming `"*****"`.
    #[default]
    Default,
    /// Keeps the value's shape: every character becomes `*` except `-`, `_`, `.` and space.
    Dynamic,
    /// Replaces each string with this mask, cut to the string's length (in characters) when the
    /// mask is longer; a shorter mask is written as it is. An empty custom mask behaves like
    /// [`Mask::Default`], as in Powertools.
    Custom(String),
    /// Rewrites each string with a regular expression; build it with [`Mask::regex`].
    Regex(RegexMask),
}

impl Mask {
    /// A regex rewrite mask; errors when the pattern does not compile or the format names a
    /// group that the pattern lacks ([`Error::InvalidMask`]).
    ///
    /// ```
    /// use data_masking::{Error, Mask};
    /// use serde_json::json;
    /// let m = Mask::regex(r"\d", "#")?;
    /// assert_eq!(m.apply(&json!("a1b22")), json!("a#b##"));
    /// assert!(matches!(Mask::regex(r"(a)", r"\2"), Err(Error::InvalidMask(_))));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn regex(pattern: &str, format: &str) -> Result<Mask> {
        RegexMask::new(pattern, format).map(Mask::Regex)
    }

    /// Builds a mask from Powertools' keyword options, given as a JSON object:
    /// `{"dynamic_mask": true}`, `{"custom_mask": "..."}`,
    /// `{"regex_pattern": "...", "mask_format": "..."}` or `{}`. Precedence and truthiness are
    /// Powertools': a regex needs both keys and wins; then a non-empty custom mask; then any
    /// other truthy option means the dynamic mask; otherwise the default.
    ///
    /// ```
    /// use data_masking::Mask;
    /// use serde_json::json;
    /// assert!(matches!(Mask::from_options(&json!({}))?, Mask::Default));
    /// assert!(matches!(Mask::from_options(&json!({"custom_mask": ""}))?, Mask::Default));
    /// assert!(matches!(Mask::from_options(&json!({"regex_pattern": "x"}))?, Mask::Dynamic));
    /// assert!(matches!(Mask::from_options(&json!({"dynamic_mask": true, "custom_mask": "X"}))?,
    ///                  Mask::Custom(_)));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_options(options: &Value) -> Result<Mask> {
        let Value::Object(o) = options else {
            return Err(Error::InvalidMask(format!(
                "mask options must be a JSON object, got {}",
                type_name(options)
            )));
        };
        let text = |key: &str| -> Result<Option<&str>> {
            match o.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(other) => Err(Error::InvalidMask(format!(
                    "{key} must be a string, got {}",
                    type_name(other)
                ))),
            }
        };
        let pattern = text("regex_pattern")?;
        let format = text("mask_format")?;
        let custom = text("custom_mask")?;
        let dynamic = o.get("dynamic_mask").is_some_and(truthy);
        Ok(match (pattern, format, custom) {
            (Some(p), Some(f), _) => Mask::regex(p, f)?,
            (_, _, Some(c)) => Mask::Custom(c.to_owned()),
            (Some(_), None, None) | (None, Some(_), None) => Mask::Dynamic,
            (None, None, None) if dynamic => Mask::Dynamic,
            _ => Mask::Default,
        })
    }

    /// True for the masks that write `"*****"` for any value: the default, and an empty custom
    /// mask.
    pub(crate) fn is_default(&self) -> bool {
        match self {
            Mask::Default => true,
            Mask::Custom(c) => c.is_empty(),
            _ => false,
        }
    }

    /// The masked copy of `value`.
    ///
    /// ```
    /// use data_masking::Mask;
    /// use serde_json::json;
    /// assert_eq!(Mask::Dynamic.apply(&json!([1, "a-b", null, true])),
    ///            json!(["*", "*-*", "*****", "****"]));
    /// ```
    pub fn apply(&self, value: &Value) -> Value {
        if self.is_default() {
            return match value {
                Value::Array(a) => Value::Array(vec![Value::String(DEFAULT_MASK.into()); a.len()]),
                _ => Value::String(DEFAULT_MASK.into()),
            };
        }
        match value {
            Value::Null => Value::String(DEFAULT_MASK.into()),
            Value::String(s) => Value::String(self.mask_text(s)),
            Value::Number(n) => Value::String(self.mask_text(&python_number(n))),
            Value::Bool(b) => Value::String(self.mask_text(if *b { "True" } else { "False" })),
            Value::Array(a) => Value::Array(a.iter().map(|v| self.apply(v)).collect()),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), self.apply(v)))
                    .collect::<Map<_, _>>(),
            ),
        }
    }

    /// Masks a masking rule's value as Powertools does: `null` is left as it is, and any other
    /// value is turned into its Python `str()` first, so a list or object becomes the text of its
    /// Python repr (`['a', 'b']`) and is masked as one string.
    pub(super) fn apply_rule(&self, value: &Value) -> Value {
        match value {
            Value::Null => Value::Null,
            _ if self.is_default() => Value::String(DEFAULT_MASK.into()),
            Value::Array(_) | Value::Object(_) => {
                let mut text = String::new();
                python_repr(value, &mut text);
                Value::String(self.mask_text(&text))
            }
            _ => self.apply(value),
        }
    }

    /// Masks one piece of text.
    ///
    /// ```
    /// use data_masking::Mask;
    /// assert_eq!(Mask::Dynamic.mask_text("a b.c"), "* *.*");
    /// assert_eq!(Mask::Custom("XY".into()).mask_text("12345"), "XY");
    /// assert_eq!(Mask::Default.mask_text(""), "*****");
    /// ```
    pub fn mask_text(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        self.write_masked(s, &mut out);
        out
    }

    /// Writes `s` masked to `out`: what [`Mask::mask_text`] returns, without building it.
    pub(crate) fn write_masked<O: TextOut>(&self, s: &str, out: &mut O) {
        match self {
            Mask::Default => out.push_str(DEFAULT_MASK),
            Mask::Custom(c) => out.push_str(custom_cut(c, s)),
            Mask::Dynamic => dynamic(s, out),
            Mask::Regex(r) => r.replace_into(s, out),
        }
    }
}

/// The dynamic mask: one `*` a character but `-`, `_`, `.` and space (ASCII, kept as they are).
fn dynamic<O: TextOut>(s: &str, out: &mut O) {
    fn star(b: u8) -> u8 {
        if matches!(b, b'-' | b'_' | b'.' | b' ') {
            b
        } else {
            b'*'
        }
    }
    if s.is_ascii() {
        // A byte a character: masked a chunk at a time.
        let mut chunk = [0u8; 64];
        for part in s.as_bytes().chunks(chunk.len()) {
            for (m, &b) in chunk.iter_mut().zip(part) {
                *m = star(b);
            }
            out.push_ascii_bytes(chunk.get(..part.len()).unwrap_or_default());
        }
    } else {
        // One for each byte that starts a character.
        for b in s.bytes().filter(|b| b & 0xC0 != 0x80) {
            out.push_ascii(star(b));
        }
    }
}

/// What the custom mask `c` writes for `s`: `c` cut to the length of `s` in characters, or
/// `"*****"` when `c` is empty.
pub(crate) fn custom_cut<'c>(c: &'c str, s: &str) -> &'c str {
    if c.is_empty() {
        return DEFAULT_MASK;
    }
    if s.is_ascii() && c.is_ascii() {
        // A byte a character.
        return c.get(..s.len()).unwrap_or(c);
    }
    let n = s.chars().count();
    match c.char_indices().nth(n) {
        Some((cut, _)) => c.get(..cut).unwrap_or(c),
        None => c,
    }
}

/// The JSON type of a value, as error messages name it (`"a string"`, `"an object"`).
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn custom_cut_by_chars() {
        assert_eq!(Mask::Custom("ÀBC".into()).mask_text("xy"), "ÀB");
        assert_eq!(Mask::Custom("#".into()).mask_text("long value"), "#");
        assert_eq!(Mask::Custom("XYZ".into()).mask_text(""), "");
        assert_eq!(Mask::Custom("XYZ".into()).apply(&json!(42)), json!("XY"));
    }

    /// The dynamic and custom masks as a map of characters, as they read in Powertools.
    fn by_chars(mask: &Mask, s: &str) -> String {
        match mask {
            Mask::Dynamic => s
                .chars()
                .map(|c| if "-_. ".contains(c) { c } else { '*' })
                .collect(),
            Mask::Custom(c) if c.is_empty() => DEFAULT_MASK.into(),
            Mask::Custom(c) => c.chars().take(s.chars().count()).collect(),
            _ => mask.mask_text(s),
        }
    }

    #[test]
    fn dynamic_and_custom_are_maps_of_characters() {
        let long = "ab-c. dé_".repeat(40);
        let masks = [
            Mask::Dynamic,
            Mask::Custom("XÀ-Y".into()),
            Mask::Custom(String::new()),
        ];
        for s in [
            "",
            "a",
            "jo.doe@example.com",
            "ÀÉ-î 𝄞_.",
            "\"\\\n",
            long.as_str(),
        ] {
            for m in &masks {
                assert_eq!(m.mask_text(s), by_chars(m, s), "{m:?} {s:?}");
            }
        }
    }

    mod characters {
        use super::{Mask, by_chars};
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_text(s in any::<String>(), ascii in "[ -~]{0,200}") {
                for m in [Mask::Dynamic, Mask::Custom("XÀ-Y".into())] {
                    prop_assert_eq!(m.mask_text(&s), by_chars(&m, &s));
                    prop_assert_eq!(m.mask_text(&ascii), by_chars(&m, &ascii));
                }
            }
        }
    }

    #[test]
    fn rule_masks() {
        assert_eq!(Mask::Default.apply_rule(&json!([1, 2])), json!("*****"));
        assert_eq!(
            Mask::Dynamic.apply_rule(&json!(["leandro", "powertools"])),
            json!("*********** *************")
        );
        assert_eq!(Mask::Dynamic.apply_rule(&Value::Null), Value::Null);
        assert_eq!(Mask::Dynamic.apply_rule(&json!(0)), json!("*"));
    }
}
