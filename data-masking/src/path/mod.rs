//! Field expressions: the Powertools (jsonpath-ng) dialect, compiled to RFC 9535 JSONPath.
//!
//! Powertools users write field expressions such as `address[*].street`, `category..name`,
//! `a.1`, `'a.b'` or `address[?(@.postcode > 81846 & @.country = 'US')]`. This module translates
//! each expression to a standard RFC 9535 query (`$['address'][*]['street']`, ...) and compiles it
//! once with [`serde_json_path`]; evaluation is entirely done by that engine.
//!
//! What the translation does:
//!
//! | dialect | RFC 9535 |
//! |---|---|
//! | no root: `a.b`, `[0].a` | `$['a']['b']`, `$[0]['a']` |
//! | `a.1`, `a.01`, `-1` (numeric names) | `$['a']['1']`, `$['a']['1']`, `$['-1']` |
//! | `first-name`, `@id` | `$['first-name']`, `$['@id']` |
//! | `'a.b'`, `"a.b"`, `a.'b'`, `a.['b']` | `$['a.b']`, `$['a.b']`, `$['a']['b']`, `$['a']['b']` |
//! | `a[street,postcode]` | `$['a']['street','postcode']` |
//! | `@` or `@.x` outside a filter, `$.$.x` | `$`, `$['x']`, `$['x']` |
//! | filter `=`, `&`, `\|`, bare words, `=~`, `` `len` `` | `==`, `&&`, `\|\|`, `'word'`, `search()`, `length()` |
//!
//! ```
//! use data_masking::path::translate;
//! assert_eq!(translate("address[*].street")?, "$['address'][*]['street']");
//! assert_eq!(translate("a.01")?, "$['a']['1']");
//! assert_eq!(
//!     translate("l[?(@.v > 2 & @.s = 'x')]")?,
//!     "$['l'][?(@['v'] > 2 && @['s'] == 'x')]"
//! );
//! # Ok::<(), data_masking::Error>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::error::{Error, Result};

mod dialect;

pub use dialect::translate;
use dialect::translate_full;

/// One compiled field expression.
///
/// ```
/// use data_masking::path::Field;
/// use serde_json::json;
///
/// let field = Field::parse("orders[*].card")?;
/// assert_eq!(field.as_str(), "orders[*].card");
/// assert_eq!(field.rfc9535(), "$['orders'][*]['card']");
/// let data = json!({"orders": [{"card": "1"}, {"card": "2"}]});
/// assert_eq!(field.path().query(&data).len(), 2);
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone)]
pub struct Field {
    source: String,
    rfc: String,
    path: JsonPath,
    /// For a simple query (child segments of one name, index or `*` each), the steps, evaluated
    /// directly; every other query is evaluated by `serde_json_path`.
    simple: Option<Box<[Step]>>,
}

/// One step of a simple query.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Step {
    Name(String),
    Index(i64),
    Wildcard,
}

/// The position an RFC 9535 index selects in an array of `len` elements.
pub(crate) fn array_index(i: i64, len: usize) -> Option<usize> {
    let idx = if i < 0 {
        len.checked_sub(usize::try_from(i.unsigned_abs()).ok()?)?
    } else {
        usize::try_from(i).ok()?
    };
    (idx < len).then_some(idx)
}

/// Evaluates a simple query with RFC 9535 semantics (a name selects an object member, an index
/// an array element, counting from the end when negative, `*` every member or element; anything
/// else selects nothing), adding the address of each selected node to `out`.
fn eval_simple(steps: &[Step], value: &Value, out: &mut Vec<usize>) {
    let Some((step, rest)) = steps.split_first() else {
        out.push(std::ptr::from_ref::<Value>(value) as usize);
        return;
    };
    match (step, value) {
        (Step::Name(n), Value::Object(o)) => {
            if let Some(v) = o.get(n) {
                eval_simple(rest, v, out);
            }
        }
        (Step::Index(i), Value::Array(a)) => {
            if let Some(v) = array_index(*i, a.len()).and_then(|i| a.get(i)) {
                eval_simple(rest, v, out);
            }
        }
        (Step::Wildcard, Value::Array(a)) => a.iter().for_each(|v| eval_simple(rest, v, out)),
        (Step::Wildcard, Value::Object(o)) => o.values().for_each(|v| eval_simple(rest, v, out)),
        _ => {}
    }
}

impl Field {
    /// Compiles one expression of the Powertools dialect (RFC 9535 queries starting with `$` are
    /// accepted too, as they are a subset for all practical purposes).
    ///
    /// ```
    /// use data_masking::{path::Field, Error};
    /// let err = Field::parse("address[0").unwrap_err();
    /// assert!(matches!(err, Error::InvalidPath { position: 9, .. }));
    /// ```
    pub fn parse(expr: &str) -> Result<Self> {
        let (rfc, simple) = translate_full(expr)?;
        let path = JsonPath::parse(&rfc).map_err(|e| Error::InvalidPath {
            path: expr.to_owned(),
            position: 0,
            reason: format!(
                "not a valid JSONPath once translated to {rfc}: {}",
                e.message()
            ),
        })?;
        Ok(Self {
            source: expr.to_owned(),
            rfc,
            path,
            simple: simple.map(Vec::into_boxed_slice),
        })
    }

    /// Compiles a Powertools `masking_rules` path, which is relative to the root (`"$." + path`).
    pub(crate) fn parse_rule(path: &str) -> Result<Self> {
        let mut f = Self::parse(&format!("$.{path}")).map_err(|e| match e {
            Error::InvalidPath {
                position, reason, ..
            } => Error::InvalidPath {
                path: path.to_owned(),
                position: position.saturating_sub(2),
                reason,
            },
            other => other,
        })?;
        path.clone_into(&mut f.source);
        Ok(f)
    }

    /// The expression as it was written.
    ///
    /// ```
    /// # use data_masking::path::Field;
    /// assert_eq!(Field::parse("a.b")?.as_str(), "a.b");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The RFC 9535 query the expression was translated to.
    ///
    /// ```
    /// # use data_masking::path::Field;
    /// assert_eq!(Field::parse("a..b")?.rfc9535(), "$['a']..['b']");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn rfc9535(&self) -> &str {
        &self.rfc
    }

    /// The compiled query.
    ///
    /// ```
    /// # use data_masking::path::Field;
    /// # use serde_json::json;
    /// let f = Field::parse("a[-1]")?;
    /// assert_eq!(f.path().query(&json!({"a": [1, 2]})).exactly_one().unwrap(), &json!(2));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn path(&self) -> &JsonPath {
        &self.path
    }

    /// The steps of a simple query (names, indices and `*` only).
    pub(crate) fn simple_steps(&self) -> Option<&[Step]> {
        self.simple.as_deref()
    }

    /// Adds to `out` the address of every node this field selects in `value`.
    pub(crate) fn locate_into(&self, value: &Value, out: &mut Vec<usize>) -> usize {
        if let Some(steps) = &self.simple {
            let before = out.len();
            eval_simple(steps, value, out);
            return out.len() - before;
        }
        let nodes = self.path.query(value);
        let n = nodes.len();
        out.extend(
            nodes
                .iter()
                .map(|v| std::ptr::from_ref::<Value>(v) as usize),
        );
        n
    }
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Field")
            .field("source", &self.source)
            .field("rfc9535", &self.rfc)
            .finish_non_exhaustive()
    }
}

/// A list of compiled field expressions: parse once, use for every record.
///
/// Cloning is cheap (the list is shared).
///
/// ```
/// use data_masking::{DataMasking, Fields};
/// use serde_json::json;
///
/// let fields = Fields::parse(["card_number", "$.address[?(@.postcode > 81846)].street"])?;
/// let data = json!({"card_number": "1111", "address": [{"postcode": 90000, "street": "Main"}]});
/// let out = DataMasking::new().erase(&data, &fields)?;
/// assert_eq!(out["address"][0]["street"], "*****");
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Fields {
    items: Arc<[Field]>,
}

impl Fields {
    /// Compiles every expression; the first that does not parse is returned as
    /// [`Error::InvalidPath`]. An empty list is [`Error::EmptyFields`] (to process the whole
    /// value, call the `*_all` methods instead).
    ///
    /// ```
    /// use data_masking::{Error, Fields};
    /// assert!(matches!(Fields::parse(Vec::<String>::new()), Err(Error::EmptyFields)));
    /// assert_eq!(Fields::parse(["a", "b.c"])?.len(), 2);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn parse<I, S>(exprs: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let items = exprs
            .into_iter()
            .map(|e| Field::parse(e.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        if items.is_empty() {
            return Err(Error::EmptyFields);
        }
        Ok(Self {
            items: items.into(),
        })
    }

    /// The compiled fields, in the order given.
    ///
    /// ```
    /// # use data_masking::Fields;
    /// let f = Fields::parse(["a", "b"])?;
    /// assert_eq!(f.iter().map(|x| x.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, Field> {
        self.items.iter()
    }

    /// Number of fields.
    ///
    /// ```
    /// # use data_masking::Fields;
    /// assert_eq!(Fields::parse(["a"])?.len(), 1);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Always false: an empty list cannot be built.
    ///
    /// ```
    /// # use data_masking::Fields;
    /// assert!(!Fields::parse(["a"])?.is_empty());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = &'a Field;
    type IntoIter = std::slice::Iter<'a, Field>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// Anything that names fields: a compiled [`Fields`], or a list of expressions
/// (`&["a", "b"]`, `&vec![String::from("a")]`), compiled on each call.
///
/// ```
/// use data_masking::{path::AsFields, Fields};
/// let f = ["a.b"].as_fields()?;
/// assert_eq!(f.len(), 1);
/// # Ok::<(), data_masking::Error>(())
/// ```
pub trait AsFields {
    /// The compiled fields.
    fn as_fields(&self) -> Result<Cow<'_, Fields>>;
}

impl AsFields for Fields {
    fn as_fields(&self) -> Result<Cow<'_, Fields>> {
        Ok(Cow::Borrowed(self))
    }
}

impl<S: AsRef<str>> AsFields for [S] {
    fn as_fields(&self) -> Result<Cow<'_, Fields>> {
        Fields::parse(self).map(Cow::Owned)
    }
}

impl<S: AsRef<str>, const N: usize> AsFields for [S; N] {
    fn as_fields(&self) -> Result<Cow<'_, Fields>> {
        Fields::parse(self).map(Cow::Owned)
    }
}

impl<S: AsRef<str>> AsFields for Vec<S> {
    fn as_fields(&self) -> Result<Cow<'_, Fields>> {
        Fields::parse(self).map(Cow::Owned)
    }
}

impl<T: AsFields + ?Sized> AsFields for &T {
    fn as_fields(&self) -> Result<Cow<'_, Fields>> {
        (**self).as_fields()
    }
}
