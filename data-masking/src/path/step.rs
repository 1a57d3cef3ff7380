//! The steps of a path and what each selects: the one path model that field expressions (their
//! simple queries), typed field paths and every walker share.

use std::borrow::Cow;

/// One step of a path: which children of a node it selects.
///
/// A field expression that is a simple query (names, indices and `*` only) is a list of steps,
/// and so is the path of a typed field ([`FieldPath`](crate::typed::FieldPath)). A step selects
/// with RFC 9535 semantics; anything it does not apply to (a name on an array, say) selects
/// nothing.
///
/// ```
/// use data_masking::path::{Field, Step};
/// use serde_json::json;
///
/// let field = Field::from_steps(&[Step::name("orders"), Step::AnyIndex, Step::name("card")])?;
/// assert_eq!(field.as_str(), "orders[*].card");
/// assert_eq!(field.path().query(&json!({"orders": [{"card": 1}, {"card": 2}]})).len(), 2);
/// assert_eq!(Field::parse("a[-1]")?.steps(), Some(&[Step::name("a"), Step::Index(-1)][..]));
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// The member of an object of this name (`.name`, `['name']`); in a typed path, a serde
    /// name.
    Name(Cow<'static, str>),
    /// The element of an array at this index, counted from the end when negative (`[0]`,
    /// `[-1]`).
    Index(i64),
    /// Every element of an array (`[*]`). As RFC 9535 has one wildcard, it also selects every
    /// member of an object.
    AnyIndex,
    /// Every member of an object (`.*`). It selects what [`AnyIndex`](Self::AnyIndex) selects,
    /// and is written as a map's values are.
    AnyMember,
}

impl Step {
    /// The step to the member `name`, for a name known at compile time.
    ///
    /// ```
    /// use data_masking::path::Step;
    /// assert_eq!(Step::name("a"), Step::Name("a".into()));
    /// ```
    pub const fn name(name: &'static str) -> Self {
        Step::Name(Cow::Borrowed(name))
    }

    /// Whether the step selects the member `key` of an object.
    pub(crate) fn selects_member(&self, key: &str) -> bool {
        match self {
            Step::Name(n) => n == key,
            Step::AnyIndex | Step::AnyMember => true,
            Step::Index(_) => false,
        }
    }

    /// Whether the step selects element `idx` of an array of `len` elements (`len` matters only
    /// for an index from the end).
    pub(crate) fn selects_element(&self, idx: usize, len: usize) -> bool {
        match self {
            Step::Index(i) => array_index(*i, len) == Some(idx),
            Step::AnyIndex | Step::AnyMember => true,
            Step::Name(_) => false,
        }
    }
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
