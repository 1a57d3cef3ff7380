//! Locating nodes in a `Value`, and reading, replacing or changing them: the walkers every
//! operation on a `Value` goes through (JSON text has its own, in `json_text::spans`).
//!
//! * [`each`] and [`each_mut`] follow a list of steps down from a value (only the members and
//!   elements the steps name are visited);
//! * [`Targets`] holds the nodes that fields located, by address, and walks a value once to read
//!   them in document order or to change them in place.

use std::convert::Infallible;

use serde_json::{Map, Value};

use super::field::Field;
use super::step::{Step, array_index};
use crate::error::{Error, Result};

/// The address of a node, which names it while the value it is in is not changed.
fn address(v: &Value) -> usize {
    std::ptr::from_ref::<Value>(v) as usize
}

/// Calls `f`, in document order, with every node `steps` select below `value` and the object
/// that holds it when the last step is a member name. The first error `f` returns ends the walk.
pub(crate) fn each<'v, E>(
    value: &'v Value,
    steps: &[Step],
    f: &mut impl FnMut(&'v Value, Option<&'v Map<String, Value>>) -> Result<(), E>,
) -> Result<(), E> {
    walk(value, steps, None, f)
}

fn walk<'v, E>(
    value: &'v Value,
    steps: &[Step],
    parent: Option<&'v Map<String, Value>>,
    f: &mut impl FnMut(&'v Value, Option<&'v Map<String, Value>>) -> Result<(), E>,
) -> Result<(), E> {
    let Some((step, rest)) = steps.split_first() else {
        return f(value, parent);
    };
    match (step, value) {
        (Step::Name(n), Value::Object(o)) => {
            if let Some(v) = o.get(n.as_ref()) {
                walk(v, rest, Some(o), f)?;
            }
        }
        (Step::Index(i), Value::Array(a)) => {
            if let Some(v) = array_index(*i, a.len()).and_then(|i| a.get(i)) {
                walk(v, rest, None, f)?;
            }
        }
        (Step::AnyIndex | Step::AnyMember, Value::Array(a)) => {
            for v in a {
                walk(v, rest, None, f)?;
            }
        }
        (Step::AnyIndex | Step::AnyMember, Value::Object(o)) => {
            for v in o.values() {
                walk(v, rest, None, f)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// [`each`] for changing the nodes, in the same order.
pub(crate) fn each_mut(value: &mut Value, steps: &[Step], f: &mut impl FnMut(&mut Value)) {
    let Some((step, rest)) = steps.split_first() else {
        f(value);
        return;
    };
    match (step, value) {
        (Step::Name(n), Value::Object(o)) => {
            if let Some(v) = o.get_mut(n.as_ref()) {
                each_mut(v, rest, f);
            }
        }
        (Step::Index(i), Value::Array(a)) => {
            if let Some(v) = array_index(*i, a.len()).and_then(|i| a.get_mut(i)) {
                each_mut(v, rest, f);
            }
        }
        (Step::AnyIndex | Step::AnyMember, Value::Array(a)) => {
            for v in a {
                each_mut(v, rest, f);
            }
        }
        (Step::AnyIndex | Step::AnyMember, Value::Object(o)) => {
            for v in o.values_mut() {
                each_mut(v, rest, f);
            }
        }
        _ => {}
    }
}

/// Calls `f` with every node `field` selects in `value`: a simple query by its steps, any other
/// by `serde_json_path`.
fn select<'v>(field: &Field, value: &'v Value, mut f: impl FnMut(&'v Value)) {
    if let Some(steps) = field.steps() {
        let _: Result<(), Infallible> = each(value, steps, &mut |v, _| {
            f(v);
            Ok(())
        });
        return;
    }
    for v in field.path().query(value) {
        f(v);
    }
}

/// Located nodes: (address, tag of the field that located it), sorted by address, one entry
/// per address (the lowest tag).
pub(crate) struct Targets(Vec<(usize, usize)>);

impl Targets {
    /// Locates every field, each with its tag, on the unmodified `value`; a node keeps the lowest
    /// tag of the fields that locate it. Also returns the fields (as written) that locate
    /// nothing, or fails on the first of them with [`Error::FieldNotFound`] when
    /// `raise_on_missing` is set.
    pub(crate) fn locate<'f>(
        value: &Value,
        fields: impl IntoIterator<Item = (&'f Field, usize)>,
        raise_on_missing: bool,
    ) -> Result<(Self, Vec<String>)> {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for (field, tag) in fields {
            let before = found.len();
            select(field, value, |v| found.push((address(v), tag)));
            if found.len() == before {
                if raise_on_missing {
                    return Err(Error::FieldNotFound {
                        field: field.as_str().to_owned(),
                    });
                }
                missing.push(field.as_str().to_owned());
            }
        }
        found.sort_unstable();
        found.dedup_by_key(|e| e.0);
        Ok((Targets(found), missing))
    }

    /// Whether `v` is a target.
    pub(crate) fn contains(&self, v: &Value) -> bool {
        self.find(v).is_some()
    }

    /// The tag of `v` when it is a target.
    fn find(&self, v: &Value) -> Option<usize> {
        let addr = address(v);
        self.0
            .binary_search_by_key(&addr, |e| e.0)
            .ok()
            .map(|i| self.0[i].1)
    }

    /// The targets of `v`, outermost only, in document order, each with its tag.
    pub(crate) fn collect<'v>(&self, v: &'v Value, out: &mut Vec<(&'v Value, usize)>) {
        if let Some(tag) = self.find(v) {
            out.push((v, tag));
            return;
        }
        match v {
            Value::Array(a) => a.iter().for_each(|x| self.collect(x, out)),
            Value::Object(o) => o.values().for_each(|x| self.collect(x, out)),
            _ => {}
        }
    }

    /// Calls `f` with each target of `v` (outermost only, in the order of
    /// [`collect`](Self::collect)) and its tag, to change it in place.
    pub(crate) fn update(&self, v: &mut Value, f: &mut impl FnMut(&mut Value, usize)) {
        if let Some(tag) = self.find(v) {
            f(v, tag);
            return;
        }
        match v {
            Value::Array(a) => a.iter_mut().for_each(|x| self.update(x, f)),
            Value::Object(o) => o.values_mut().for_each(|x| self.update(x, f)),
            _ => {}
        }
    }

    /// Replaces the targets of `v` with the next values of `with`, in the order of
    /// [`collect`](Self::collect).
    pub(crate) fn replace(&self, v: &mut Value, with: impl IntoIterator<Item = Value>) {
        let mut with = with.into_iter();
        self.update(v, &mut |node, _| {
            if let Some(n) = with.next() {
                *node = n;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The addresses of the nodes `field` selects, sorted.
    fn ours(field: &Field, v: &Value) -> Vec<usize> {
        let mut out = Vec::new();
        select(field, v, |n| out.push(address(n)));
        out.sort_unstable();
        out
    }

    #[test]
    fn steps_from_typed_paths_select_what_their_expression_selects() {
        let v = serde_json::json!({"a": [{"b": 1}, {"b": 2}], "m": {"x": {"b": 3}}, "a.b": 4});
        for steps in [
            vec![Step::name("a"), Step::AnyIndex, Step::name("b")],
            vec![Step::name("m"), Step::AnyMember, Step::name("b")],
            vec![Step::AnyMember, Step::AnyIndex],
            vec![Step::name("a.b")],
            vec![Step::name("a"), Step::Index(-1)],
            vec![],
        ] {
            let direct = Field::from_steps(&steps).unwrap();
            let parsed = Field::parse(direct.as_str()).unwrap();
            assert_eq!(direct.rfc9535(), parsed.rfc9535(), "{}", direct.as_str());
            assert_eq!(direct.steps(), parsed.steps(), "{}", direct.as_str());
            assert_eq!(ours(&direct, &v), ours(&parsed, &v), "{}", direct.as_str());
        }
    }

    mod simple_matches_the_engine {
        use super::ours;
        use crate::path::Field;
        use proptest::prelude::*;
        use serde_json::{Map, Value};

        fn value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![Just(Value::Null), any::<i32>().prop_map(Value::from)];
            leaf.prop_recursive(4, 40, 5, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                    prop::collection::vec(("[ab1]", inner), 0..5)
                        .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
                ]
            })
        }

        fn path() -> impl Strategy<Value = String> {
            let seg = prop_oneof![
                Just(".a"),
                Just(".b"),
                Just(".1"),
                Just("[0]"),
                Just("[1]"),
                Just("[-1]"),
                Just("[-7]"),
                Just("[*]"),
                Just(".*"),
                Just("['a']"),
            ];
            prop::collection::vec(seg, 0..4).prop_map(|s| format!("${}", s.concat()))
        }

        proptest! {
            #[test]
            fn same_nodes(v in value(), p in path()) {
                let field = Field::parse(&p).unwrap();
                prop_assert!(field.steps().is_some(), "{} is simple", p);
                let mut engine: Vec<usize> = field
                    .path()
                    .query(&v)
                    .iter()
                    .map(|n| std::ptr::from_ref::<Value>(n) as usize)
                    .collect();
                engine.sort_unstable();
                prop_assert_eq!(ours(&field, &v), engine);
            }
        }
    }
}
