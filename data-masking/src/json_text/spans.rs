//! Work on JSON text without building a `Value` of the whole document. One seeded pass of
//! serde_json validates the text and, for simple queries (names, indices, `*`), follows only the
//! members and elements some field goes on through, skipping the rest without building anything;
//! the selected values come out as byte ranges. Erase, encrypt and decrypt then rewrite only
//! those ranges and copy everything else as it is, formatting included.

use super::hit::{At, Hit, Track};
use std::borrow::Cow;
use std::fmt;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue;

use crate::error::{Error, Result};
use crate::path::{Fields, Segment, Step, normalized_path};

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

/// What one walk over a text collects.
struct Walk<'f> {
    /// Each field's steps.
    steps: &'f [&'f [Step]],
    /// The start of the text, to turn borrowed slices into offsets.
    base: usize,
    hits: Vec<Hit>,
    /// Whether each field has selected something.
    found: Vec<bool>,
    /// The location of the value being walked, unless nothing is tracked.
    at: Vec<At>,
    track: Track,
}

impl Walk<'_> {
    /// Records `raw` as selected by the fields of `active` whose steps end here, and walks it
    /// again for those that go on (only when some end here and others go on: a selected value
    /// with more steps below it).
    fn selected(&mut self, raw: &str, active: &[(usize, usize)]) -> serde_json::Result<()> {
        let start = (raw.as_ptr() as usize).saturating_sub(self.base);
        let mut deeper = Vec::new();
        for &(f, depth) in active {
            if depth == self.steps[f].len() {
                let (location, at) = if self.track == Track::Nothing {
                    (String::new(), Vec::new())
                } else {
                    let at: Vec<Segment<'_>> = self
                        .at
                        .iter()
                        .map(|a| match a {
                            At::Member(m) => Segment::Member(m),
                            At::Index(i) => Segment::Index(*i),
                        })
                        .collect();
                    let steps = if self.track == Track::Steps {
                        self.at.clone()
                    } else {
                        Vec::new()
                    };
                    (normalized_path(&at), steps)
                };
                self.hits.push(Hit {
                    start,
                    end: start + raw.len(),
                    field: f,
                    location,
                    at,
                });
                self.found[f] = true;
            } else {
                deeper.push((f, depth));
            }
        }
        if !deeper.is_empty() {
            let mut d = serde_json::Deserializer::from_str(raw);
            Level {
                walk: self,
                active: &deeper,
            }
            .deserialize(&mut d)?;
        }
        Ok(())
    }

    /// The fields of `active` whose next step selects the member `key`, one step further.
    fn by_name(&self, active: &[(usize, usize)], key: &str) -> Vec<(usize, usize)> {
        active
            .iter()
            .filter(|&&(f, d)| self.steps[f][d].selects_member(key))
            .map(|&(f, d)| (f, d + 1))
            .collect()
    }

    /// The fields of `active` whose next step selects element `idx` of `len`, one step further.
    fn by_index(&self, active: &[(usize, usize)], idx: usize, len: usize) -> Vec<(usize, usize)> {
        active
            .iter()
            .filter(|&&(f, d)| self.steps[f][d].selects_element(idx, len))
            .map(|&(f, d)| (f, d + 1))
            .collect()
    }
}

/// A value under which the fields of `active` (field index, steps matched so far) go on; each
/// has at least one more step.
struct Level<'w, 'f> {
    walk: &'w mut Walk<'f>,
    active: &'w [(usize, usize)],
}

/// A member or element, reached by the fields of `active` (possibly none).
struct Child<'w, 'f> {
    walk: &'w mut Walk<'f>,
    active: Vec<(usize, usize)>,
}

impl<'de> DeserializeSeed<'de> for Child<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.active.is_empty() {
            IgnoredAny::deserialize(d)?;
            return Ok(());
        }
        let steps = self.walk.steps;
        if self
            .active
            .iter()
            .any(|&(f, depth)| depth == steps[f].len())
        {
            let raw = <&'de RawValue>::deserialize(d)?;
            return self
                .walk
                .selected(raw.get(), &self.active)
                .map_err(de::Error::custom);
        }
        Level {
            walk: self.walk,
            active: &self.active,
        }
        .deserialize(d)
    }
}

impl<'de> DeserializeSeed<'de> for Level<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Level<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        // Every member is visited, repeated keys included: each occurrence is selected.
        while let Some(key) = m.next_key::<Key<'de>>()? {
            let active = self.walk.by_name(self.active, &key.0);
            let tracked = self.walk.track != Track::Nothing && !active.is_empty();
            if tracked {
                self.walk.at.push(At::Member(key.0.into_owned()));
            }
            m.next_value_seed(Child {
                walk: self.walk,
                active,
            })?;
            if tracked {
                self.walk.at.pop();
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<(), A::Error> {
        let steps = self.walk.steps;
        let from_end = self
            .active
            .iter()
            .any(|&(f, d)| matches!(steps[f][d], Step::Index(i) if i < 0));
        if from_end {
            // An index from the end needs the length first.
            let mut items = Vec::new();
            while let Some(v) = s.next_element::<&'de RawValue>()? {
                items.push(v);
            }
            for (idx, v) in items.iter().enumerate() {
                let active = self.walk.by_index(self.active, idx, items.len());
                if !active.is_empty() {
                    let tracked = self.walk.track != Track::Nothing;
                    if tracked {
                        self.walk.at.push(At::Index(idx));
                    }
                    self.walk
                        .selected(v.get(), &active)
                        .map_err(de::Error::custom)?;
                    if tracked {
                        self.walk.at.pop();
                    }
                }
            }
            return Ok(());
        }
        let mut idx = 0;
        loop {
            // `usize::MAX`: no index from the end here, so the length does not matter.
            let active = self.walk.by_index(self.active, idx, usize::MAX);
            let tracked = self.walk.track != Track::Nothing && !active.is_empty();
            if tracked {
                self.walk.at.push(At::Index(idx));
            }
            let child = Child {
                walk: self.walk,
                active,
            };
            let more = s.next_element_seed(child)?.is_some();
            if tracked {
                self.walk.at.pop();
            }
            if !more {
                return Ok(());
            }
            idx += 1;
        }
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// The selected spans of a JSON text: byte ranges of the outermost selected values, in document
/// order (a value inside another selected one goes with it).
pub(crate) struct Spans {
    pub(crate) ranges: Vec<(usize, usize)>,
}

/// Locates `fields` in the JSON `text` without building a `Value`. Returns `None` when a field is
/// not a simple query (names, indices, `*`): the caller then works on a `Value`. Fails on invalid
/// JSON, and on a field that selects nothing when `raise_on_missing` is set.
pub(crate) fn locate_spans(
    text: &str,
    fields: &Fields,
    raise_on_missing: bool,
) -> Option<Result<Spans>> {
    let steps: Vec<&[Step]> = fields.iter().map(|f| f.steps()).collect::<Option<_>>()?;
    Some(spans(text, fields, &steps, raise_on_missing))
}

fn spans(text: &str, fields: &Fields, steps: &[&[Step]], raise_on_missing: bool) -> Result<Spans> {
    let (hits, found) = walk(text, steps, Track::Nothing)?;
    if raise_on_missing
        && let Some((field, _)) = fields.iter().zip(&found).find(|(_, found)| !**found)
    {
        return Err(Error::FieldNotFound {
            field: field.as_str().to_owned(),
        });
    }
    let ranges = outermost(hits)
        .into_iter()
        .map(|h| (h.start, h.end))
        .collect();
    Ok(Spans { ranges })
}

/// One pass over `text` that validates it and collects what each field of `steps` selects
/// (every occurrence, nested ones included), with as much of its location as `track` says; and
/// whether each field selected anything.
pub(crate) fn walk(text: &str, steps: &[&[Step]], track: Track) -> Result<(Vec<Hit>, Vec<bool>)> {
    // The byte scanner reads the common texts; it gives up on the rest (and on every invalid
    // text), which `serde_json` then walks, with its own errors.
    if let Some(walked) = super::scan::walk(text, steps, track) {
        return Ok(walked);
    }
    walk_serde(text, steps, track)
}

/// [`walk`] through `serde_json`: the reference the byte scanner agrees with, and the walk of
/// every text the scanner gives up on.
pub(super) fn walk_serde(
    text: &str,
    steps: &[&[Step]],
    track: Track,
) -> Result<(Vec<Hit>, Vec<bool>)> {
    let mut walk = Walk {
        steps,
        base: text.as_ptr() as usize,
        hits: Vec::new(),
        found: vec![false; steps.len()],
        at: Vec::new(),
        track,
    };
    let active: Vec<(usize, usize)> = (0..steps.len()).map(|f| (f, 0)).collect();
    let mut d = serde_json::Deserializer::from_str(text);
    Child {
        walk: &mut walk,
        active,
    }
    .deserialize(&mut d)?;
    d.end()?;
    Ok((walk.hits, walk.found))
}

/// The outermost of `hits`, in document order: a hit inside an earlier one (or equal to it)
/// goes with it.
pub(crate) fn outermost(mut hits: Vec<Hit>) -> Vec<Hit> {
    hits.sort_unstable_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
    for hit in hits {
        if out.last().is_none_or(|h| hit.start >= h.end) {
            out.push(hit);
        }
    }
    out
}

impl Spans {
    /// The selected texts of `text`, in document order.
    pub(crate) fn texts<'t>(&self, text: &'t str) -> impl Iterator<Item = &'t str> {
        self.ranges
            .iter()
            .map(move |&(start, end)| text.get(start..end).unwrap_or_default())
    }

    /// `text` with the `i`-th selected span replaced by what `write(i, span, out)` appends to
    /// `out`; `extra` bytes are reserved for the replacements beyond the text's own length.
    pub(crate) fn splice(
        &self,
        text: &str,
        extra: usize,
        mut write: impl FnMut(usize, &str, &mut String) -> Result<()>,
    ) -> Result<String> {
        let mut out = String::with_capacity(text.len() + extra);
        let mut copied = 0;
        for (i, &(start, end)) in self.ranges.iter().enumerate() {
            out.push_str(text.get(copied..start).unwrap_or_default());
            write(i, text.get(start..end).unwrap_or_default(), &mut out)?;
            copied = end;
        }
        out.push_str(text.get(copied..).unwrap_or_default());
        Ok(out)
    }
}
