//! [`FieldPath`]: where a sensitive field is in the JSON of its record, as the derive describes
//! it.

use std::fmt;

use crate::error::Result;
use crate::path::{Field, Step, write_expression};

/// The path of a field in the JSON of a record: its [`Step`]s, names being serde names.
/// Displays in the Powertools field dialect; [`to_field`](Self::to_field) gives the field
/// that locates it.
///
/// ```
/// use data_masking::typed::FieldPath;
/// let p = FieldPath::root().name("orders").any_index().name("card.no");
/// assert_eq!(p.to_string(), "orders[*]['card.no']");
/// assert_eq!(FieldPath::root().any_member().name("a").to_string(), "$.*.a");
/// assert_eq!(FieldPath::root().to_string(), "$");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(Vec<Step>);

impl FieldPath {
    /// The root: the whole value.
    ///
    /// ```
    /// assert!(data_masking::typed::FieldPath::root().steps().is_empty());
    /// ```
    pub fn root() -> Self {
        Self::default()
    }

    /// This path followed by member `name`.
    ///
    /// ```
    /// # use data_masking::typed::FieldPath;
    /// assert_eq!(FieldPath::root().name("a").name("b").to_string(), "a.b");
    /// ```
    #[must_use]
    pub fn name(mut self, name: &'static str) -> Self {
        self.0.push(Step::name(name));
        self
    }

    /// This path followed by every element of an array.
    ///
    /// ```
    /// # use data_masking::typed::FieldPath;
    /// assert_eq!(FieldPath::root().name("a").any_index().to_string(), "a[*]");
    /// ```
    #[must_use]
    pub fn any_index(mut self) -> Self {
        self.0.push(Step::AnyIndex);
        self
    }

    /// This path followed by every member of an object.
    ///
    /// ```
    /// # use data_masking::typed::FieldPath;
    /// assert_eq!(FieldPath::root().name("a").any_member().to_string(), "a.*");
    /// ```
    #[must_use]
    pub fn any_member(mut self) -> Self {
        self.0.push(Step::AnyMember);
        self
    }

    /// Appends a step (used while describing nested types).
    ///
    /// ```
    /// use data_masking::{path::Step, typed::FieldPath};
    /// let mut p = FieldPath::root();
    /// p.push(Step::name("a"));
    /// assert_eq!(p.to_string(), "a");
    /// ```
    pub fn push(&mut self, step: Step) {
        self.0.push(step);
    }

    /// Removes the last step.
    ///
    /// ```
    /// use data_masking::{path::Step, typed::FieldPath};
    /// let mut p = FieldPath::root().name("a").name("b");
    /// assert_eq!(p.pop(), Some(Step::name("b")));
    /// assert_eq!(p.to_string(), "a");
    /// ```
    pub fn pop(&mut self) -> Option<Step> {
        self.0.pop()
    }

    /// The steps.
    ///
    /// ```
    /// use data_masking::{path::Step, typed::FieldPath};
    /// assert_eq!(FieldPath::root().name("a").steps(), &[Step::name("a")]);
    /// ```
    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    /// The field that locates this path in the record's JSON, built from the steps (its
    /// expression is this path's text).
    ///
    /// ```
    /// use data_masking::typed::FieldPath;
    /// let field = FieldPath::root().name("orders").any_index().name("card").to_field()?;
    /// assert_eq!(field.as_str(), "orders[*].card");
    /// assert_eq!(field.rfc9535(), "$['orders'][*]['card']");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn to_field(&self) -> Result<Field> {
        Field::from_steps(&self.0)
    }

    /// The path with `name` appended, as a new value.
    ///
    /// ```
    /// # use data_masking::typed::FieldPath;
    /// let p = FieldPath::root().name("a");
    /// assert_eq!(p.child("b").to_string(), "a.b");
    /// ```
    #[must_use]
    pub fn child(&self, name: &'static str) -> Self {
        self.clone().name(name)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_expression(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_in_the_dialect() {
        for (path, expected) in [
            (FieldPath::root().name("a"), "$['a']"),
            (
                FieldPath::root().name("a").any_index().name("b"),
                "$['a'][*]['b']",
            ),
            (FieldPath::root().any_index().name("b"), "$[*]['b']"),
            (FieldPath::root().any_member().name("b"), "$[*]['b']"),
            (FieldPath::root().name("m").any_member(), "$['m'][*]"),
            (FieldPath::root().name("a.b"), "$['a.b']"),
            (FieldPath::root().name("it's"), "$['it\\'s']"),
            (FieldPath::root().name("1st").name("x-y"), "$['1st']['x-y']"),
        ] {
            let text = path.to_string();
            let field = crate::path::Field::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(field.rfc9535(), expected, "{text}");
            let direct = path.to_field().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(
                (direct.as_str(), direct.rfc9535()),
                (text.as_str(), expected)
            );
        }
    }
}
