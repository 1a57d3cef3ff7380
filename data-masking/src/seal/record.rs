//! A record taken apart at seal time ([`prepare`]), and read ([`open`]), checked and restored
//! ([`restore`]) at unseal time. Every check runs before anything is restored: a record that
//! fails one gives back nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::layout::{Layout, digest};
use super::spec::Seal;
use super::{PLACEHOLDER_KEY, SEAL_VERSION};
use crate::error::{Error, Result};
use crate::path::{Field, Segment, Targets, normalized_path, walk_located};

/// A record taken apart: what stays (with placeholders), the plaintext of its message, and
/// the encryption-context pairs read from its fields.
pub(crate) struct Prepared {
    pub(crate) rest: Map<String, Value>,
    pub(crate) layout: Layout,
    pub(crate) bound: Vec<(String, String)>,
}

/// A sealed record read: what is left without the message, the message (base64), and the
/// encryption-context pairs read from its fields.
pub(crate) struct Opened<'r> {
    pub(crate) rest: Map<String, Value>,
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
    let mut shaped = None;
    walk_located(record, &mut |v, at| {
        if shaped.is_none() && has_placeholder_key(v) {
            shaped = Some(normalized_path(at));
        }
        shaped.is_none()
    });
    if let Some(at) = shaped {
        return Err(Error::UnsupportedType(format!(
            "the object at {at} holds a member {PLACEHOLDER_KEY:?}, which would read as a placeholder"
        )));
    }

    let mut value = record.clone();
    let (targets, _) = Targets::locate(
        &value,
        seal.encrypt.iter().map(|f| (f, 0)),
        raise_on_missing,
    )?;
    let locations = located_paths(&value, &targets);
    if locations.first().is_some_and(|l| l == "$") {
        return Err(Error::UnsupportedType(
            "a field to encrypt selects the whole record: encrypt it whole instead".into(),
        ));
    }
    let mut values = BTreeMap::new();
    let mut next = locations.into_iter();
    targets.update(&mut value, &mut |node, _| {
        if let Some(location) = next.next() {
            let taken = std::mem::replace(node, placeholder(location.clone()));
            values.insert(location, taken);
        }
    });

    let digests = signed_digests(&value, &seal.sign)?;
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
    let Value::Object(rest) = value else {
        unreachable!("the record is an object and its root is never replaced")
    };
    Ok(Prepared {
        rest,
        layout: Layout {
            v: SEAL_VERSION,
            encrypt: seal.encrypt.iter().map(|f| f.as_str().to_owned()).collect(),
            sign: seal.sign.iter().map(|f| f.as_str().to_owned()).collect(),
            bind: seal
                .bind
                .iter()
                .map(|(k, f)| (k.clone(), f.as_str().to_owned()))
                .collect(),
            values,
            digests,
        },
        bound,
    })
}

/// Reads a sealed record: its message and, without it, the rest; and its bound context pairs.
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
    let mut rest = object.clone();
    rest.remove(&seal.member);
    let view = Value::Object(rest);
    let bound = seal
        .bind
        .iter()
        .map(|(key, field)| {
            bound_value(&view, field)
                .map(|v| (key.clone(), v))
                .map_err(|reason| {
                    tampered(field.as_str(), format!("the field bound to {key} {reason}"))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    let Value::Object(rest) = view else {
        unreachable!("built as an object above")
    };
    Ok(Opened {
        rest,
        message,
        bound,
    })
}

/// Checks `rest` (a sealed record without its message) against the `layout` its message
/// holds, and puts the encrypted values back in place of their placeholders. Any disagreement
/// is [`Error::RecordTampered`], naming the location.
pub(crate) fn restore(rest: Map<String, Value>, mut layout: Layout, seal: &Seal) -> Result<Value> {
    check_same_fields(&layout, seal)?;
    let mut value = Value::Object(rest);

    let digests = signed_digests(&value, &seal.sign)?;
    check_digests(&layout.digests, &digests)?;

    // Every placeholder, where it is and what it names.
    let mut found: Vec<(&Value, String)> = Vec::new();
    let mut bad: Option<Error> = None;
    walk_located(&value, &mut |v, at| {
        if bad.is_some() {
            return false;
        }
        let Value::Object(o) = v else { return true };
        let Some(named) = o.get(PLACEHOLDER_KEY) else {
            return true;
        };
        let location = normalized_path(at);
        bad = match named {
            Value::String(named) if o.len() == 1 => {
                if *named != location {
                    Some(tampered(
                        location,
                        format!("a placeholder was moved here: it names {named}"),
                    ))
                } else if !layout.values.contains_key(&location) {
                    Some(tampered(
                        location,
                        "a placeholder was added: no encrypted value belongs here",
                    ))
                } else {
                    found.push((v, location));
                    None
                }
            }
            _ => Some(tampered(location, "a placeholder was altered")),
        };
        false
    });
    if let Some(err) = bad {
        return Err(err);
    }
    if found.len() != layout.values.len() {
        let seen: BTreeSet<&str> = found.iter().map(|(_, l)| l.as_str()).collect();
        if let Some(lost) = layout.values.keys().find(|l| !seen.contains(l.as_str())) {
            return Err(tampered(
                lost.clone(),
                "a placeholder was removed: the encrypted value has no place in the record",
            ));
        }
    }

    let targets = Targets::of_nodes(found.iter().enumerate().map(|(i, (v, _))| (*v, i)));
    let locations: Vec<String> = found.into_iter().map(|(_, l)| l).collect();
    targets.update(&mut value, &mut |node, i| {
        if let Some(v) = layout.values.remove(&locations[i]) {
            *node = v;
        }
    });
    Ok(value)
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

/// The digest of each node the fields to sign locate in `value`, by location.
fn signed_digests(value: &Value, sign: &[Field]) -> Result<BTreeMap<String, String>> {
    let mut digests = BTreeMap::new();
    if sign.is_empty() {
        return Ok(digests);
    }
    let (targets, _) = Targets::locate(value, sign.iter().map(|f| (f, 0)), false)?;
    let mut located = Vec::new();
    walk_located(value, &mut |v, at| {
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

/// The normalized paths of the outermost targets of `value`, in document order (the order in
/// which [`Targets::update`] visits them).
fn located_paths(value: &Value, targets: &Targets) -> Vec<String> {
    let mut out = Vec::new();
    walk_located(value, &mut |v, at| {
        if targets.contains(v) {
            out.push(normalized_path(at));
            return false;
        }
        true
    });
    out
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
