//! The located nodes of a value, by address, and the walks that read, replace or mask them.

use serde_json::Value;

use super::rules::Apply;

/// Located nodes: (address, index of the rule that selected it), sorted by address, one entry
/// per address (the lowest rule index).
pub(crate) struct Targets(Vec<(usize, usize)>);

impl Targets {
    pub(crate) fn new(mut v: Vec<(usize, usize)>) -> Self {
        v.sort_unstable();
        v.dedup_by_key(|e| e.0);
        Targets(v)
    }

    fn find(&self, v: &Value) -> Option<usize> {
        let addr = std::ptr::from_ref::<Value>(v) as usize;
        self.0
            .binary_search_by_key(&addr, |e| e.0)
            .ok()
            .map(|i| self.0[i].1)
    }

    /// The targets of `v`, outermost only, in document order, each with the tag (field or rule
    /// index) that located it.
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

    /// Replaces the targets of `v` (outermost only, in document order) with the next values of
    /// `with`, in the order [`collect`](Self::collect) gives.
    pub(crate) fn replace(&self, v: &mut Value, with: &mut impl Iterator<Item = Value>) {
        if self.find(v).is_some() {
            if let Some(n) = with.next() {
                *v = n;
            }
            return;
        }
        match v {
            Value::Array(a) => a.iter_mut().for_each(|x| self.replace(x, with)),
            Value::Object(o) => o.values_mut().for_each(|x| self.replace(x, with)),
            _ => {}
        }
    }

    /// Masks every target of `v` in place.
    pub(crate) fn in_place(&self, v: &mut Value, how: Apply<'_>) {
        if let Some(rule) = self.find(v) {
            *v = how.mask(rule, v);
            return;
        }
        match v {
            Value::Array(a) => a.iter_mut().for_each(|x| self.in_place(x, how)),
            Value::Object(o) => o.values_mut().for_each(|x| self.in_place(x, how)),
            _ => {}
        }
    }
}
