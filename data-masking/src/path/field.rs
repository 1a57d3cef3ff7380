//! Compiled field expressions: one ([`Field`]), a list of them ([`Fields`]), and what names
//! fields ([`AsFields`]).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde_json_path::JsonPath;

use super::dialect::{rfc9535_of, translate_full, write_expression};
use super::step::Step;
use crate::error::{Error, Result};

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
    /// For a simple query (child segments of one name, index or `*` each), the steps, followed
    /// directly; every other query is evaluated by `serde_json_path`.
    simple: Option<Box<[Step]>>,
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
        Self::compile(expr.to_owned(), rfc, simple.map(Vec::into_boxed_slice))
    }

    /// The field that `steps` make, built directly (no expression is parsed): its expression is
    /// the steps written in the dialect, and it selects what that expression selects.
    ///
    /// ```
    /// use data_masking::path::{Field, Step};
    /// let field = Field::from_steps(&[Step::name("a.b"), Step::AnyMember, Step::Index(-1)])?;
    /// assert_eq!(field.as_str(), "['a.b'].*[-1]");
    /// assert_eq!(field.rfc9535(), "$['a.b'][*][-1]");
    /// assert_eq!(field.rfc9535(), Field::parse(field.as_str())?.rfc9535());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_steps(steps: &[Step]) -> Result<Self> {
        let mut source = String::new();
        // Writing to a `String` does not fail.
        let _ = write_expression(steps, &mut source);
        Self::compile(source, rfc9535_of(steps), Some(steps.into()))
    }

    fn compile(source: String, rfc: String, simple: Option<Box<[Step]>>) -> Result<Self> {
        let path = JsonPath::parse(&rfc).map_err(|e| Error::InvalidPath {
            path: source.clone(),
            position: 0,
            reason: format!(
                "not a valid JSONPath once translated to {rfc}: {}",
                e.message()
            ),
        })?;
        Ok(Self {
            source,
            rfc,
            path,
            simple,
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

    /// The steps, when the field is a simple query (names, indices and `*` only); such a
    /// field is located by its steps, any other by the compiled query.
    ///
    /// ```
    /// use data_masking::path::{Field, Step};
    /// assert_eq!(Field::parse("a[*]")?.steps(), Some(&[Step::name("a"), Step::AnyIndex][..]));
    /// assert_eq!(Field::parse("a..b")?.steps(), None);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn steps(&self) -> Option<&[Step]> {
        self.simple.as_deref()
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
        Self::from_fields(items)
    }

    /// The list of fields already compiled (by [`Field::parse`] or [`Field::from_steps`]); an
    /// empty list is [`Error::EmptyFields`].
    ///
    /// ```
    /// use data_masking::{Error, Fields, path::{Field, Step}};
    /// let fields = Fields::from_fields([Field::from_steps(&[Step::name("a")])?])?;
    /// assert_eq!(fields.iter().next().unwrap().as_str(), "a");
    /// assert!(matches!(Fields::from_fields([]), Err(Error::EmptyFields)));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_fields(fields: impl IntoIterator<Item = Field>) -> Result<Self> {
        let items: Arc<[Field]> = fields.into_iter().collect();
        if items.is_empty() {
            return Err(Error::EmptyFields);
        }
        Ok(Self { items })
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
