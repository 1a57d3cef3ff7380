//! [`FieldPath`]: where a sensitive field is in the JSON of its record, as the derive describes
//! it, with the enum variants it lies in (the field binding names them).

use std::fmt;

use crate::error::Result;
use crate::path::{Field, Step, write_expression};

/// The path of a field in the JSON of a record: its [`Step`]s, names being serde names, and
/// the enum variants it lies in. Displays in the Powertools field dialect;
/// [`to_field`](Self::to_field) gives the field that locates it, and [`binding`](Self::binding)
/// the value that binds a ciphertext to it.
///
/// A field of an enum variant whose JSON path does not name the variant (internally tagged,
/// adjacently tagged or untagged enums) carries the variant: [`push_variant`](Self::push_variant).
///
/// ```
/// use data_masking::typed::FieldPath;
/// let p = FieldPath::root().name("orders").any_index().name("card.no");
/// assert_eq!(p.to_string(), "orders[*]['card.no']");
/// assert_eq!(FieldPath::root().any_member().name("a").to_string(), "$.*.a");
/// assert_eq!(FieldPath::root().to_string(), "$");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldPath {
    steps: Vec<Step>,
    variants: Vec<VariantMark>,
}

/// An enum variant a path lies in: the value after the first `at` steps is that variant.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct VariantMark {
    /// The number of steps before the enum's value.
    pub(super) at: usize,
    /// The variant's serialized name.
    pub(super) name: &'static str,
    /// The tag member that holds `name` in the enum's JSON object (internally and adjacently
    /// tagged enums); `None` for an untagged enum, whose JSON does not say.
    pub(super) tag: Option<&'static str>,
}

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
        self.steps.push(Step::name(name));
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
        self.steps.push(Step::AnyIndex);
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
        self.steps.push(Step::AnyMember);
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
        self.steps.push(step);
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
        self.steps.pop()
    }

    /// Records that the value at this path is the enum variant `name` (its serialized name),
    /// whose JSON object holds `name` in the member `tag` (an internally or adjacently tagged
    /// enum), or that does not say (`None`: an untagged enum). The steps pushed next lead into
    /// the variant; [`pop_variant`](Self::pop_variant) ends it. Used while describing enums.
    ///
    /// ```
    /// use data_masking::typed::FieldPath;
    /// let mut p = FieldPath::root().name("payment");
    /// p.push_variant("Card", Some("type"));
    /// let number = p.child("number");
    /// assert_eq!(number.to_string(), "payment.number");
    /// assert_eq!(number.binding(), "payment<Card>.number");
    /// p.pop_variant();
    /// assert_eq!(p.binding(), "payment");
    /// ```
    pub fn push_variant(&mut self, name: &'static str, tag: Option<&'static str>) {
        self.variants.push(VariantMark {
            at: self.steps.len(),
            name,
            tag,
        });
    }

    /// Ends the variant of the last [`push_variant`](Self::push_variant).
    ///
    /// ```
    /// use data_masking::typed::FieldPath;
    /// let mut p = FieldPath::root();
    /// p.push_variant("Card", None);
    /// p.pop_variant();
    /// assert_eq!(p, FieldPath::root());
    /// ```
    pub fn pop_variant(&mut self) {
        self.variants.pop();
    }

    /// The names of the variants this path lies in, outermost first.
    ///
    /// ```
    /// use data_masking::typed::FieldPath;
    /// let mut p = FieldPath::root();
    /// p.push_variant("Card", Some("type"));
    /// assert_eq!(p.child("number").variants().collect::<Vec<_>>(), ["Card"]);
    /// ```
    pub fn variants(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.variants.iter().map(|v| v.name)
    }

    pub(super) fn marks(&self) -> &[VariantMark] {
        &self.variants
    }

    /// The value of the field binding ([`FIELD_BINDING_KEY`](crate::typed::FIELD_BINDING_KEY))
    /// of a ciphertext at this path: the path as displayed, each variant it lies in written
    /// `<Variant>` where the enum's value is. A ciphertext of one variant's field does not
    /// decrypt as another variant's, even where their JSON paths are the same. Without
    /// variants, the path as displayed.
    ///
    /// ```
    /// use data_masking::typed::FieldPath;
    /// let mut p = FieldPath::root();
    /// p.push_variant("Card", Some("type"));
    /// assert_eq!(p.child("number").binding(), "<Card>number");
    /// assert_eq!(FieldPath::root().name("a").binding(), "a");
    /// ```
    pub fn binding(&self) -> String {
        let text = self.to_string();
        if self.variants.is_empty() {
            return text;
        }
        let mut out = String::with_capacity(text.len() + 16);
        let mut done = 0;
        for mark in &self.variants {
            // A prefix of the steps is written as the start of the whole path's text.
            let offset = if mark.at == 0 {
                0
            } else {
                let mut prefix = String::new();
                let _ = write_expression(&self.steps[..mark.at], &mut prefix);
                prefix.len()
            };
            out.push_str(&text[done..offset]);
            out.push('<');
            out.push_str(mark.name);
            out.push('>');
            done = offset;
        }
        out.push_str(&text[done..]);
        out
    }

    /// The steps.
    ///
    /// ```
    /// use data_masking::{path::Step, typed::FieldPath};
    /// assert_eq!(FieldPath::root().name("a").steps(), &[Step::name("a")]);
    /// ```
    pub fn steps(&self) -> &[Step] {
        &self.steps
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
        Field::from_steps(&self.steps)
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

    /// The path with `step` appended, as a new value (used while describing types).
    ///
    /// ```
    /// use data_masking::{path::Step, typed::FieldPath};
    /// assert_eq!(FieldPath::root().name("t").with(Step::Index(1)).to_string(), "t[1]");
    /// ```
    #[must_use]
    pub fn with(&self, step: Step) -> Self {
        let mut out = self.clone();
        out.steps.push(step);
        out
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_expression(&self.steps, f)
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
