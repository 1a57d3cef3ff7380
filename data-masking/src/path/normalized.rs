//! Normalized paths (RFC 9535, section 2.7): the one spelling of a node's concrete location,
//! `$['orders'][1]['card']`, and the walks that report each node with it.

use std::fmt::Write as _;

use serde_json::Value;

use super::dialect::push_literal;

/// One step of a concrete location: a member name or an array index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Segment<'a> {
    /// A member of an object.
    Member(&'a str),
    /// An element of an array.
    Index(usize),
}

/// Writes the normalized path of `segments` (RFC 9535, section 2.7.1): `$`, then `['name']` per
/// member (`'` and `\` escaped with `\`, control characters as `\b`, `\f`, `\n`, `\r`, `\t` or
/// `\u00xx`, everything else as is) and `[i]` per element.
pub(crate) fn normalized_path(segments: &[Segment<'_>]) -> String {
    let len = segments
        .iter()
        .map(|s| match s {
            Segment::Member(name) => name.len() + 4,
            Segment::Index(_) => 4,
        })
        .sum::<usize>();
    let mut out = String::with_capacity(1 + len);
    out.push('$');
    for s in segments {
        match s {
            // A name with nothing to escape is written as it is.
            Segment::Member(name) if !needs_escape(name, b'\'') => {
                out.push_str("['");
                out.push_str(name);
                out.push_str("']");
            }
            Segment::Member(name) => {
                out.push('[');
                push_literal(&mut out, name);
                out.push(']');
            }
            Segment::Index(i) if *i < 10 => {
                out.push('[');
                out.push(char::from(b'0' + *i as u8));
                out.push(']');
            }
            Segment::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

/// Whether `s` holds a byte below 0x20, `quote` or `\\`: the bytes a quoted string escapes
/// (a normalized path's names with `'`, JSON strings with `"`). Eight bytes a step.
pub(crate) fn needs_escape(s: &str, quote: u8) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut chunks = s.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let w = u64::from_le_bytes(w);
        if zero(w ^ (ONES * u64::from(quote)))
            | zero(w ^ (ONES * u64::from(b'\\')))
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGH)
            != 0
        {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == quote || b == b'\\')
}

/// Calls `f` with every node of `value`, in document order, and its location, until `f`
/// returns `false` for a node, which then is not descended into.
pub(crate) fn walk_located<'v>(
    value: &'v Value,
    f: &mut impl FnMut(&'v Value, &[Segment<'v>]) -> bool,
) {
    walk_from(value, &mut Vec::new(), f);
}

/// A copy of `value` (found at `at`), in which each node for which `f` gives a replacement is
/// replaced by it (and not descended into). `f` sees every other node, in document order; the
/// first error it returns ends the copy.
///
/// The nodes are visited first, without copying; then the copy is made: a subtree holding no
/// replacement is cloned whole (a map clones its tree as it is, without re-inserting its keys),
/// only the nodes above a replacement are rebuilt, and a replaced node is never copied.
pub(crate) fn rebuild_at<'v, E>(
    value: &'v Value,
    at: &mut Vec<Segment<'v>>,
    f: &mut impl FnMut(&'v Value, &[Segment<'v>]) -> Result<Option<Value>, E>,
) -> Result<Value, E> {
    let mut plan = Plan::default();
    plan.visit(value, at, f)?;
    plan.above.sort_unstable();
    plan.replacements.reverse();
    Ok(plan.copy(value))
}

/// [`rebuild_at`] of every member of `object` but `skip` (at the top level), as one copy: the
/// object without that member.
pub(crate) fn rebuild_members<'v, E>(
    object: &'v serde_json::Map<String, Value>,
    skip: &str,
    f: &mut impl FnMut(&'v Value, &[Segment<'v>]) -> Result<Option<Value>, E>,
) -> Result<serde_json::Map<String, Value>, E> {
    let mut plan = Plan::default();
    let mut at = Vec::new();
    for (k, v) in object {
        if k != skip {
            at.push(Segment::Member(k));
            plan.visit(v, &mut at, f)?;
            at.pop();
        }
    }
    plan.above.sort_unstable();
    plan.replacements.reverse();
    let members = object.iter().filter(|(k, _)| *k != skip);
    if object.len() <= SMALL_MAP + 1 {
        let mut out = serde_json::Map::new();
        for (k, x) in members {
            out.insert(k.clone(), plan.copy(x));
        }
        return Ok(out);
    }
    Ok(members.map(|(k, x)| (k.clone(), plan.copy(x))).collect())
}

/// What [`rebuild_at`] found: the replacements (by node address, in document order, reversed
/// to be popped) and the addresses of the nodes above them (sorted).
#[derive(Default)]
struct Plan {
    replacements: Vec<(usize, Value)>,
    above: Vec<usize>,
}

impl Plan {
    /// Asks `f` about `v` and, unless it replaces `v`, about each node below; returns whether
    /// `v` or a node below it is replaced.
    fn visit<'v, E>(
        &mut self,
        v: &'v Value,
        at: &mut Vec<Segment<'v>>,
        f: &mut impl FnMut(&'v Value, &[Segment<'v>]) -> Result<Option<Value>, E>,
    ) -> Result<bool, E> {
        if let Some(replacement) = f(v, at)? {
            self.replacements.push((address(v), replacement));
            return Ok(true);
        }
        let mut below = false;
        match v {
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    at.push(Segment::Index(i));
                    below |= self.visit(x, at, f)?;
                    at.pop();
                }
            }
            Value::Object(o) => {
                for (k, x) in o {
                    at.push(Segment::Member(k));
                    below |= self.visit(x, at, f)?;
                    at.pop();
                }
            }
            _ => {}
        }
        if below {
            self.above.push(address(v));
        }
        Ok(below)
    }

    /// The copy of `v`, visited in the order of [`visit`](Self::visit).
    fn copy(&mut self, v: &Value) -> Value {
        let addr = address(v);
        if self.replacements.last().is_some_and(|(a, _)| *a == addr)
            && let Some((_, replacement)) = self.replacements.pop()
        {
            return replacement;
        }
        if self.above.binary_search(&addr).is_err() {
            return v.clone();
        }
        match v {
            Value::Array(a) => Value::Array(a.iter().map(|x| self.copy(x)).collect()),
            // A small map is built by inserting its entries in order (no buffer, no sort); a
            // larger one by collecting them, which builds its tree in one pass.
            Value::Object(o) if o.len() <= SMALL_MAP => {
                let mut out = serde_json::Map::new();
                for (k, x) in o {
                    out.insert(k.clone(), self.copy(x));
                }
                Value::Object(out)
            }
            Value::Object(o) => {
                Value::Object(o.iter().map(|(k, x)| (k.clone(), self.copy(x))).collect())
            }
            other => other.clone(),
        }
    }
}

/// The most entries of a map that [`Plan::copy`] builds entry by entry.
const SMALL_MAP: usize = 11;

/// The address of a node, which tells it apart from every other node of its tree.
fn address(v: &Value) -> usize {
    std::ptr::from_ref(v) as usize
}

/// [`walk_located`] from `value`, found at `at` (left as it was on return).
fn walk_from<'v>(
    v: &'v Value,
    at: &mut Vec<Segment<'v>>,
    f: &mut impl FnMut(&'v Value, &[Segment<'v>]) -> bool,
) {
    if !f(v, at) {
        return;
    }
    match v {
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                at.push(Segment::Index(i));
                walk_from(x, at, f);
                at.pop();
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                at.push(Segment::Member(k));
                walk_from(x, at, f);
                at.pop();
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
    fn normalized_paths_follow_rfc_9535() {
        // The examples of RFC 9535, table 18.
        assert_eq!(normalized_path(&[]), "$");
        assert_eq!(normalized_path(&[Segment::Member("a")]), "$['a']");
        assert_eq!(normalized_path(&[Segment::Index(1)]), "$[1]");
        assert_eq!(normalized_path(&[Segment::Member("\u{b}")]), "$['\\u000b']");
        assert_eq!(normalized_path(&[Segment::Member("'")]), "$['\\'']");
        assert_eq!(
            normalized_path(&[Segment::Member("a\\b\n"), Segment::Index(0)]),
            "$['a\\\\b\\n'][0]"
        );
        assert_eq!(normalized_path(&[Segment::Member("é ☃")]), "$['é ☃']");
    }

    #[test]
    fn each_normalized_path_selects_its_node_and_only_it() {
        let v = json!({"a": [{"b'c": 1}, {"\t": [2]}], "m": {"x\\": null, "é": {"\u{1}": 3}}});
        let mut seen = 0;
        walk_located(&v, &mut |node, at| {
            let path = normalized_path(at);
            let query = serde_json_path::JsonPath::parse(&path).unwrap();
            let nodes = query.query(&v).all();
            assert_eq!(nodes.len(), 1, "{path}");
            assert!(std::ptr::eq(nodes[0], node), "{path}");
            seen += 1;
            true
        });
        assert_eq!(seen, 11);
    }
}
