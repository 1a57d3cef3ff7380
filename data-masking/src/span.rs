//! Erase on JSON text without building a `Value` of the whole document: the text is validated
//! in one pass that keeps each member and element as a borrowed raw span, the fields are located
//! on those spans (only for simple queries: names, indices, `*`), and only the selected spans are
//! parsed, masked and written back. Everything else is copied as it is, formatting included.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::erase::Mask;
use crate::error::{Error, Result};
use crate::path::{Fields, Step, array_index};

/// A JSON value of which only the top level is parsed.
enum Node<'a> {
    Object(Vec<(Cow<'a, str>, &'a RawValue)>),
    Array(Vec<&'a RawValue>),
    Scalar,
}

struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Node<'de>, A::Error> {
                // Duplicate keys are all kept: each occurrence is masked.
                let mut entries = Vec::new();
                while let Some((k, v)) = m.next_entry::<Key<'de>, &'de RawValue>()? {
                    entries.push((k.0, v));
                }
                Ok(Node::Object(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Node<'de>, A::Error> {
                let mut items = Vec::new();
                while let Some(v) = s.next_element::<&'de RawValue>()? {
                    items.push(v);
                }
                Ok(Node::Array(items))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Node<'de>, E> {
                Ok(Node::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Node<'de>, E> {
                Ok(Node::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Node<'de>, E> {
                Ok(Node::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Node<'de>, E> {
                Ok(Node::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Node<'de>, E> {
                Ok(Node::Scalar)
            }
            fn visit_unit<E>(self) -> Result<Node<'de>, E> {
                Ok(Node::Scalar)
            }
        }
        d.deserialize_any(V)
    }
}

fn parse_node(text: &str) -> Result<Node<'_>> {
    Ok(serde_json::from_str(text)?)
}

/// Byte range of `raw` inside `text`.
fn span_of(text: &str, raw: &str) -> (usize, usize) {
    let start = (raw.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    (start, start + raw.len())
}

/// Adds the spans that `steps` select under `raw` (whose node is `node` when already parsed).
fn locate(
    text: &str,
    raw: &str,
    node: Option<&Node<'_>>,
    steps: &[Step],
    out: &mut Vec<(usize, usize)>,
) -> Result<()> {
    let Some((step, rest)) = steps.split_first() else {
        out.push(span_of(text, raw));
        return Ok(());
    };
    let parsed;
    let node = if let Some(n) = node {
        n
    } else {
        parsed = parse_node(raw)?;
        &parsed
    };
    match (step, node) {
        (Step::Name(n), Node::Object(entries)) => {
            for (k, v) in entries {
                if k == n {
                    locate(text, v.get(), None, rest, out)?;
                }
            }
        }
        (Step::Index(i), Node::Array(items)) => {
            if let Some(v) = array_index(*i, items.len()).and_then(|i| items.get(i)) {
                locate(text, v.get(), None, rest, out)?;
            }
        }
        (Step::Wildcard, Node::Array(items)) => {
            for v in items {
                locate(text, v.get(), None, rest, out)?;
            }
        }
        (Step::Wildcard, Node::Object(entries)) => {
            for (_, v) in entries {
                locate(text, v.get(), None, rest, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The selected spans of a JSON text: byte ranges of the outermost selected values, in document
/// order (a value inside another selected one goes with it), and the fields that selected
/// nothing.
pub(crate) struct Spans {
    pub(crate) ranges: Vec<(usize, usize)>,
    pub(crate) missing: Vec<String>,
}

/// Locates `fields` in the JSON `text` without building a `Value`. Returns `None` when a field is
/// not a simple query (names, indices, `*`): the caller then works on a `Value`. Fails on invalid
/// JSON, and on a field that selects nothing when `raise_on_missing` is set.
pub(crate) fn locate_spans(
    text: &str,
    fields: &Fields,
    raise_on_missing: bool,
) -> Option<Result<Spans>> {
    let steps: Vec<&[Step]> = fields
        .iter()
        .map(|f| f.simple_steps())
        .collect::<Option<_>>()?;
    Some(spans(text, fields, &steps, raise_on_missing))
}

fn spans(text: &str, fields: &Fields, steps: &[&[Step]], raise_on_missing: bool) -> Result<Spans> {
    let root = parse_node(text)?;
    let body = text.trim_matches(|c: char| c.is_ascii_whitespace());
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for (field, steps) in fields.iter().zip(steps) {
        let before = found.len();
        locate(text, body, Some(&root), steps, &mut found)?;
        if found.len() == before {
            if raise_on_missing {
                return Err(Error::FieldNotFound {
                    field: field.as_str().to_owned(),
                });
            }
            missing.push(field.as_str().to_owned());
        }
    }
    // Outer spans first; a span inside an earlier one (or equal to it) goes with it.
    found.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut ranges: Vec<(usize, usize)> = Vec::with_capacity(found.len());
    for (start, end) in found {
        if ranges.last().is_none_or(|&(_, e)| start >= e) {
            ranges.push((start, end));
        }
    }
    Ok(Spans { ranges, missing })
}

/// Erases `fields` of the JSON `text` by rewriting only the selected spans. Returns `None` when a
/// field is not a simple query (the caller then works on a `Value`).
pub(crate) fn erase_text(
    text: &str,
    fields: &Fields,
    mask: &Mask,
    raise_on_missing: bool,
) -> Option<Result<(String, Vec<String>)>> {
    let located = locate_spans(text, fields, raise_on_missing)?;
    Some(located.and_then(|spans| {
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for &(start, end) in &spans.ranges {
            out.push_str(text.get(copied..start).unwrap_or_default());
            let value: Value = serde_json::from_str(text.get(start..end).unwrap_or_default())?;
            out.push_str(&serde_json::to_string(&mask.apply(&value))?);
            copied = end;
        }
        out.push_str(text.get(copied..).unwrap_or_default());
        Ok((out, spans.missing))
    }))
}
