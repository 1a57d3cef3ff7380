//! Masks: how a located value is erased, with the semantics of Powertools Python `erase`.
//!
//! | mask | string | number / bool | null | list | object |
//! |---|---|---|---|---|---|
//! | [`Mask::Default`] | `"*****"` | `"*****"` | `"*****"` | each element `"*****"` | `"*****"` |
//! | [`Mask::Dynamic`] | each character `*` but `-_. ` | masked as its text | `"*****"` | walked | walked |
//! | [`Mask::Custom`] | the mask, cut to the value's length | masked as its text | `"*****"` | walked | walked |
//! | [`Mask::regex`] | `re.sub(pattern, format, value)` | rewritten as its text | `"*****"` | walked | walked |
//!
//! A number or bool becomes the text Python's `str()` gives (`1.0`, `1e+20`, `True`) before it
//! is masked, so every option other than the default turns it into a string, as Powertools does.
//!
//! ```
//! use data_masking::Mask;
//! use serde_json::json;
//!
//! assert_eq!(Mask::Default.apply(&json!(["a", {"b": 1}])), json!(["*****", "*****"]));
//! assert_eq!(Mask::Dynamic.apply(&json!({"e": "jo.doe@x.com", "n": 1.5})),
//!            json!({"e": "**.*****.***", "n": "*.*"}));
//! assert_eq!(Mask::Custom("XX-XX".into()).apply(&json!("123")), json!("XX-"));
//! let card = Mask::regex(r"\d{12}(\d{4})", r"************\1")?;
//! assert_eq!(card.apply(&json!("1111222233334444")), json!("************4444"));
//! # Ok::<(), data_masking::Error>(())
//! ```
//!
//! The module, one concern a file: `mask` (the masks and how one applies to a value),
//! `regex_mask` (`re.sub`), `format` (the replacement format grammar, shared with the derive,
//! which checks formats at compile time), `python` (Python's `str`/`repr` of JSON values),
//! `rules` (`masking_rules`) and `text` (where a mask writes: a `String`, or a buffer on the
//! stack for the typed serializer). Where the values to mask are is found by `path`.

mod format;
mod mask;
mod python;
mod regex_mask;
mod rules;
mod text;

pub use mask::{DEFAULT_MASK, Mask};
pub(crate) use mask::{custom_cut, type_name};
pub use python::python_number;
pub use regex_mask::RegexMask;
pub use rules::Rules;
pub(crate) use text::SmallText;
