//! The nodes a [`FieldPath`] locates in a record's JSON, its variants checked: a path that lies
//! in a variant of an internally or adjacently tagged enum selects a node only where the
//! enum's tag names that variant. Paths without such variants are walked by
//! [`crate::path`] as they are.

use serde_json::{Map, Value};

use super::field_path::FieldPath;
use crate::path::Step;

/// True when the path has a variant whose tag can be read from the JSON.
fn guarded(path: &FieldPath) -> bool {
    path.marks().iter().any(|m| m.tag.is_some())
}

/// Whether `value`, reached after `depth` steps, is every variant `path` expects there.
fn holds(path: &FieldPath, depth: usize, value: &Value) -> bool {
    path.marks()
        .iter()
        .filter(|m| m.at == depth)
        .all(|m| match m.tag {
            Some(tag) => {
                value
                    .as_object()
                    .and_then(|o| o.get(tag))
                    .and_then(Value::as_str)
                    == Some(m.name)
            }
            None => true,
        })
}

fn index(i: i64, len: usize) -> Option<usize> {
    let idx = if i < 0 {
        len.checked_sub(usize::try_from(i.unsigned_abs()).ok()?)?
    } else {
        usize::try_from(i).ok()?
    };
    (idx < len).then_some(idx)
}

/// Calls `f` with every node `path` selects in `value` and the object holding it, if any.
pub(super) fn each<'v, E>(
    value: &'v Value,
    path: &FieldPath,
    f: &mut impl FnMut(&'v Value, Option<&'v Map<String, Value>>) -> Result<(), E>,
) -> Result<(), E> {
    if !guarded(path) {
        return crate::path::each(value, path.steps(), f);
    }
    walk(value, path, 0, None, f)
}

fn walk<'v, E>(
    value: &'v Value,
    path: &FieldPath,
    depth: usize,
    parent: Option<&'v Map<String, Value>>,
    f: &mut impl FnMut(&'v Value, Option<&'v Map<String, Value>>) -> Result<(), E>,
) -> Result<(), E> {
    if !holds(path, depth, value) {
        return Ok(());
    }
    let Some(step) = path.steps().get(depth) else {
        return f(value, parent);
    };
    match (step, value) {
        (Step::Name(n), Value::Object(o)) => {
            if let Some(v) = o.get(n.as_ref()) {
                walk(v, path, depth + 1, Some(o), f)?;
            }
        }
        (Step::Index(i), Value::Array(a)) => {
            if let Some(v) = index(*i, a.len()).and_then(|i| a.get(i)) {
                walk(v, path, depth + 1, None, f)?;
            }
        }
        (Step::AnyIndex | Step::AnyMember, Value::Array(a)) => {
            for v in a {
                walk(v, path, depth + 1, None, f)?;
            }
        }
        (Step::AnyIndex | Step::AnyMember, Value::Object(o)) => {
            for v in o.values() {
                walk(v, path, depth + 1, None, f)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Calls `f` with every node `path` selects in `value`, mutably, in the order of [`each`].
pub(super) fn each_mut(value: &mut Value, path: &FieldPath, f: &mut impl FnMut(&mut Value)) {
    if !guarded(path) {
        crate::path::each_mut(value, path.steps(), f);
        return;
    }
    walk_mut(value, path, 0, f);
}

fn walk_mut(value: &mut Value, path: &FieldPath, depth: usize, f: &mut impl FnMut(&mut Value)) {
    if !holds(path, depth, value) {
        return;
    }
    let Some(step) = path.steps().get(depth) else {
        f(value);
        return;
    };
    match (step, value) {
        (Step::Name(n), Value::Object(o)) => {
            if let Some(v) = o.get_mut(n.as_ref()) {
                walk_mut(v, path, depth + 1, f);
            }
        }
        (Step::Index(i), Value::Array(a)) => {
            let len = a.len();
            if let Some(v) = index(*i, len).and_then(|i| a.get_mut(i)) {
                walk_mut(v, path, depth + 1, f);
            }
        }
        (Step::AnyIndex | Step::AnyMember, Value::Array(a)) => {
            for v in a {
                walk_mut(v, path, depth + 1, f);
            }
        }
        (Step::AnyIndex | Step::AnyMember, Value::Object(o)) => {
            for v in o.values_mut() {
                walk_mut(v, path, depth + 1, f);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_tagged_variant_selects_only_where_the_tag_names_it() {
        let mut card = FieldPath::root().name("p");
        card.push_variant("Card", Some("type"));
        let card = card.child("number");
        let v = json!({"p": {"type": "Gift", "number": 1}, "q": 2});
        let mut seen = 0;
        each(&v, &card, &mut |_, _| -> Result<(), ()> {
            seen += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, 0);
        let mut v = json!({"p": {"type": "Card", "number": 1}});
        each_mut(&mut v, &card, &mut |n| *n = json!("x"));
        assert_eq!(v, json!({"p": {"type": "Card", "number": "x"}}));
        let mut untagged = FieldPath::root();
        untagged.push_variant("Card", None);
        let untagged = untagged.child("number");
        each_mut(&mut v["p"], &untagged, &mut |n| *n = json!("y"));
        assert_eq!(v["p"]["number"], "y");
    }
}
