//! A record taken apart at seal time ([`prepare`]), and read ([`open`]), checked and restored
//! ([`restore`]) at unseal time. Every check runs before anything is restored: a record that
//! fails one gives back nothing.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::PLACEHOLDER_KEY;
use super::layout::{Layout, LayoutWriter, digest};
use super::spec::Seal;
use crate::error::{Error, Result};
use crate::path::{
    Field, Segment, Targets, normalized_path, rebuild_at, rebuild_members, walk_located,
};

/// A record taken apart: what stays (with placeholders), the plaintext of its message, and
/// the encryption-context pairs read from its fields.
pub(crate) struct Prepared {
    pub(crate) rest: Map<String, Value>,
    pub(crate) plaintext: zeroize::Zeroizing<Vec<u8>>,
    pub(crate) bound: Vec<(String, String)>,
}

/// A sealed record read: its message (base64), and the encryption-context pairs read from its
/// fields.
pub(crate) struct Opened<'r> {
    pub(crate) message: &'r str,
    pub(crate) bound: Vec<(String, String)>,
}

fn tampered(path: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::RecordTampered {
        path: path.into(),
        reason: reason.into(),
    }
}

/// Whether `v` is an object holding a [`PLACEHOLDER_KEY`] member.
fn has_placeholder_key(v: &Value) -> bool {
    matches!(v, Value::Object(o) if o.contains_key(PLACEHOLDER_KEY))
}

/// The location, relative to `v`, of the first object in `v` holding a [`PLACEHOLDER_KEY`]
/// member (`$` for `v` itself).
fn placeholder_shaped(v: &Value) -> Option<String> {
    let mut found = None;
    walk_located(v, &mut |node, at| {
        if found.is_none() && has_placeholder_key(node) {
            found = Some(normalized_path(at));
        }
        found.is_none()
    });
    found
}

/// The error of a record holding an object of the placeholder's shape at `at` (followed by
/// `inner`, a location relative to it, without its `$`).
fn shaped_error(at: &str, inner: &str) -> Error {
    Error::UnsupportedType(format!(
        "the object at {at}{} holds a member {PLACEHOLDER_KEY:?}, which would read as a placeholder",
        inner.strip_prefix('$').unwrap_or(inner)
    ))
}

/// The placeholder that names `location`.
fn placeholder(location: String) -> Value {
    let mut o = Map::with_capacity(1);
    o.insert(PLACEHOLDER_KEY.to_owned(), Value::String(location));
    Value::Object(o)
}

/// Takes `record` apart as `seal` says: its encrypted nodes out (placeholders in), the digests
/// of its signed nodes, its bound context pairs. A field to encrypt that locates nothing is an
/// error when `raise_on_missing` is set.
pub(crate) fn prepare(record: &Value, seal: &Seal, raise_on_missing: bool) -> Result<Prepared> {
    let Value::Object(object) = record else {
        return Err(Error::UnsupportedType(
            "only a JSON object can be sealed".into(),
        ));
    };
    if object.contains_key(&seal.member) {
        return Err(Error::UnsupportedType(format!(
            "the record already holds the member {:?} that a sealed record keeps its message in",
            seal.member
        )));
    }
    let (targets, _) = Targets::locate(
        record,
        seal.encrypt.iter().map(|f| (f, 0)),
        raise_on_missing,
    )?;
    if targets.contains(record) {
        return Err(Error::UnsupportedType(
            "a field to encrypt selects the whole record: encrypt it whole instead".into(),
        ));
    }
    // One copy of the record: every object checked for the placeholder's member, every target
    // (outermost only) copied into the layout and replaced by its placeholder.
    let mut layout = LayoutWriter::new(&seal.layout_head, 256);
    let value = rebuild_at(record, &mut Vec::new(), &mut |node, at| {
        if targets.contains(node) {
            if let Some(inner) = placeholder_shaped(node) {
                return Err(shaped_error(&normalized_path(at), &inner));
            }
            let location = normalized_path(at);
            layout.value(&location, node)?;
            return Ok(Some(placeholder(location)));
        }
        if has_placeholder_key(node) {
            return Err(shaped_error(&normalized_path(at), ""));
        }
        Ok(None)
    })?;

    let digests = signed_digests(&value, &seal.sign, None)?;
    let bound = seal
        .bind
        .iter()
        .map(|(key, field)| {
            bound_value(&value, field)
                .map(|v| (key.clone(), v))
                .map_err(|reason| {
                    Error::InvalidContext(format!(
                        "the field {} bound to {key} {reason}",
                        field.as_str()
                    ))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    // The root is an object and never a target, so the copy is an object too.
    let Value::Object(rest) = value else {
        return Err(Error::UnsupportedType(
            "only a JSON object can be sealed".into(),
        ));
    };
    Ok(Prepared {
        rest,
        plaintext: layout.finish(&digests)?,
        bound,
    })
}

/// Reads a sealed record: its message and its bound context pairs.
pub(crate) fn open<'r>(sealed: &'r Value, seal: &Seal) -> Result<Opened<'r>> {
    let Value::Object(object) = sealed else {
        return Err(Error::UnsupportedType(
            "a sealed record is a JSON object".into(),
        ));
    };
    let member_path = || normalized_path(&[Segment::Member(&seal.member)]);
    let message = match object.get(&seal.member) {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => {
            return Err(tampered(
                member_path(),
                "the sealed message is not a string",
            ));
        }
        None => return Err(tampered(member_path(), "the sealed message is missing")),
    };
    let bound = seal
        .bind
        .iter()
        .map(|(key, field)| {
            bound_value(sealed, field)
                .map(|v| (key.clone(), v))
                .map_err(|reason| {
                    tampered(field.as_str(), format!("the field bound to {key} {reason}"))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Opened { message, bound })
}

/// Checks a sealed `record` (its member `member` left aside) against the `layout` its message
/// holds, and returns a copy of it with the encrypted values in place of their placeholders.
/// Any disagreement is [`Error::RecordTampered`], naming the location.
pub(crate) fn restore(
    sealed: &Value,
    member: &str,
    mut layout: Layout,
    seal: &Seal,
) -> Result<Value> {
    check_same_fields(&layout, seal)?;
    let Value::Object(record) = sealed else {
        return Err(Error::UnsupportedType(
            "a sealed record is a JSON object".into(),
        ));
    };
    if !seal.sign.is_empty() {
        let digests = if seal.sign.iter().all(|f| f.steps().is_some()) {
            // Names, indices and `*` select the same nodes with the member there, but for the
            // member itself, which is passed over.
            signed_digests(sealed, &seal.sign, Some(member))?
        } else {
            let mut rest = record.clone();
            rest.remove(member);
            signed_digests(&Value::Object(rest), &seal.sign, None)?
        };
        check_digests(&layout.digests, &digests)?;
    }

    // One copy of the record, every placeholder checked (where it is, what it names) and
    // replaced by its value; on any failure the copy is dropped, and nothing is returned.
    let mut check = |node: &Value, at: &[Segment<'_>]| -> Result<Option<Value>> {
        let Value::Object(o) = node else {
            return Ok(None);
        };
        let Some(named) = o.get(PLACEHOLDER_KEY) else {
            return Ok(None);
        };
        let location = normalized_path(at);
        let Value::String(named) = named else {
            return Err(tampered(location, "a placeholder was altered"));
        };
        if o.len() != 1 {
            return Err(tampered(location, "a placeholder was altered"));
        }
        if *named != location {
            return Err(tampered(
                location,
                format!("a placeholder was moved here: it names {named}"),
            ));
        }
        match layout.values.remove(&location) {
            Some(v) => Ok(Some(v)),
            None => Err(tampered(
                location,
                "a placeholder was added: no encrypted value belongs here",
            )),
        }
    };
    if has_placeholder_key(sealed) && check(sealed, &[])?.is_some() {
        return Err(tampered("$", "a placeholder stands for the whole record"));
    }
    let out = rebuild_members(record, member, &mut check)?;
    if let Some(lost) = layout.values.keys().next() {
        return Err(tampered(
            lost.clone(),
            "a placeholder was removed: the encrypted value has no place in the record",
        ));
    }
    Ok(Value::Object(out))
}

/// The record must be unsealed with the fields it was sealed with.
fn check_same_fields(layout: &Layout, seal: &Seal) -> Result<()> {
    let same =
        |a: &[String], b: &[Field]| a.iter().map(String::as_str).eq(b.iter().map(Field::as_str));
    let bind_same = layout.bind.len() == seal.bind.len()
        && seal
            .bind
            .iter()
            .all(|(k, f)| layout.bind.get(k).map(String::as_str) == Some(f.as_str()));
    if same(&layout.encrypt, &seal.encrypt) && same(&layout.sign, &seal.sign) && bind_same {
        return Ok(());
    }
    Err(Error::Config(format!(
        "the record was sealed with other fields: encrypt {:?}, sign {:?}, bind {:?}",
        layout.encrypt, layout.sign, layout.bind
    )))
}

/// The digest of each node the fields to sign locate in `value`, by location; a top-level
/// member `skip` and what is below it are passed over.
fn signed_digests(
    value: &Value,
    sign: &[Field],
    skip: Option<&str>,
) -> Result<BTreeMap<String, String>> {
    let mut digests = BTreeMap::new();
    if sign.is_empty() {
        return Ok(digests);
    }
    let (targets, _) = Targets::locate(value, sign.iter().map(|f| (f, 0)), false)?;
    let mut located = Vec::new();
    walk_located(value, &mut |v, at| {
        if let (Some(m), [Segment::Member(k)]) = (skip, at)
            && m == *k
        {
            return false;
        }
        if targets.contains(v) {
            located.push((normalized_path(at), v));
            return false;
        }
        true
    });
    for (location, v) in located {
        digests.insert(location, digest(v)?);
    }
    Ok(digests)
}

/// The first difference between the digests sealed and those of the record now.
fn check_digests(sealed: &BTreeMap<String, String>, now: &BTreeMap<String, String>) -> Result<()> {
    for (location, d) in sealed {
        match now.get(location) {
            None => {
                return Err(tampered(location.clone(), "a signed value was removed"));
            }
            Some(n) if n != d => {
                return Err(tampered(location.clone(), "a signed value was changed"));
            }
            Some(_) => {}
        }
    }
    if let Some(location) = now.keys().find(|l| !sealed.contains_key(*l)) {
        return Err(tampered(
            location.clone(),
            "a signed value was added: the field located nothing here when the record was sealed",
        ));
    }
    Ok(())
}

/// The context value a bound field holds: one string, number or boolean.
fn bound_value(value: &Value, field: &Field) -> std::result::Result<String, &'static str> {
    let nodes = field.path().query(value);
    match nodes.exactly_one() {
        Ok(node) => bound_value_of(node),
        Err(_) if nodes.is_empty() => Err("locates nothing"),
        Err(_) => Err("locates more than one value"),
    }
}

/// The context value of a bound node: a string as is, a number or boolean as its JSON text.
pub(super) fn bound_value_of(node: &Value) -> std::result::Result<String, &'static str> {
    match node {
        Value::String(s) => Ok(s.clone()),
        Value::Number(_) | Value::Bool(_) => Ok(node.to_string()),
        _ => Err("is not a string, number or boolean"),
    }
}
