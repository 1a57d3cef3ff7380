//! Sealing a JSON text without building a `Value` of it, for the common case: every field a
//! simple query (names, indices, `*`), no field to sign or bind inside or around a field to
//! encrypt, nothing that could read as a placeholder or the member. One pass of the span walker
//! validates the text and finds every selected value with its location; the encrypted values
//! are copied into the layout as compact JSON, the placeholders spliced in, the member appended.
//! [`prepare_text`] gives `None` for any other text, which is then sealed as a `Value`, with
//! the same result.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use zeroize::Zeroizing;

use std::collections::BTreeMap;

use super::PLACEHOLDER_KEY;
use super::layout::{LayoutWriter, digest, push_json_string};
use super::record::bound_value_of;
use super::spec::Seal;
use crate::error::{Error, Result};
use crate::json_text::compact_json;
use crate::json_text::hit::{At, Hit, Track};
use crate::json_text::spans::{outermost, walk};
use crate::path::{Field, Step};

/// The placeholder's member name as it stands in a text without escapes.
const PLACEHOLDER_NEEDLE: &str = "\"__encrypted\"";

/// A JSON text taken apart: the text with its placeholders (the member not yet added), the
/// plaintext of its message, and the context pairs read from its fields.
pub(crate) struct PreparedText {
    pub(crate) rest: String,
    pub(crate) plaintext: Zeroizing<Vec<u8>>,
    pub(crate) bound: Vec<(String, String)>,
}

impl PreparedText {
    /// The sealed text: `rest` with the member (its name given as a JSON string) holding
    /// `message` in base64, as its last member.
    pub(crate) fn finish(self, member_json: &str, message: &[u8]) -> Result<String> {
        let mut out = self.rest;
        let close = out
            .rfind('}')
            .ok_or_else(|| Error::UnsupportedType("only a JSON object can be sealed".into()))?;
        // What follows the last member (its closing brace and any whitespace after it) goes
        // after the new member.
        let tail = out.split_off(close);
        let encoded = base64::encoded_len(message.len(), true).unwrap_or(0);
        // One more byte: room for the newline an NDJSON writer adds.
        out.reserve(member_json.len() + encoded + 5 + tail.len());
        if !out.trim_end().ends_with('{') {
            out.push(',');
        }
        out.push_str(member_json);
        out.push_str(":\"");
        STANDARD.encode_string(message, &mut out);
        out.push('"');
        out.push_str(&tail);
        Ok(out)
    }
}

/// Whether `text` holds a `\u` escape, the placeholder's member name ([`PLACEHOLDER_NEEDLE`])
/// or `member_json` (the member's name as a JSON string). When the member's name starts with
/// `_`, as the placeholder's does, a text without `"_` holds neither name, so most texts are
/// searched twice rather than three times.
fn holds_needle(text: &str, member_json: &str) -> bool {
    if text.contains("\\u") {
        return true;
    }
    if member_json.starts_with("\"_") && !text.contains("\"_") {
        return false;
    }
    text.contains(PLACEHOLDER_NEEDLE) || text.contains(member_json)
}

/// Whether any two hits overlap (one inside or around the other, or the same).
fn overlaps(a: &[Hit], b: &[Hit]) -> bool {
    a.iter()
        .any(|x| b.iter().any(|y| x.start < y.end && y.start < x.end))
}

/// Whether `steps` may go on below the location `at` (each of its first steps selects the
/// step of `at` there, an index from the end counted as selecting any): a field that would,
/// on the record with its placeholders, walk into a placeholder.
fn goes_below(steps: &[Step], at: &[At]) -> bool {
    steps.len() > at.len()
        && steps.iter().zip(at).all(|(s, a)| match (s, a) {
            (Step::AnyIndex | Step::AnyMember, _) => true,
            (Step::Name(n), At::Member(m)) => n == m,
            (Step::Index(i), At::Index(j)) => usize::try_from(*i).map_or(true, |i| i == *j),
            _ => false,
        })
}

/// Whether two hits share a location (a member repeated in the text).
fn repeated(hits: &[Hit]) -> bool {
    let mut at: Vec<&str> = hits.iter().map(|h| h.location.as_str()).collect();
    at.sort_unstable();
    at.windows(2).any(|w| w[0] == w[1])
}

/// Takes the JSON text `text` apart as `seal` says, or `None` when it must be sealed as a
/// `Value` instead (see the module's documentation).
pub(crate) fn prepare_text(
    text: &str,
    seal: &Seal,
    raise_on_missing: bool,
) -> Option<Result<PreparedText>> {
    if !text.trim_start().starts_with('{') || holds_needle(text, &seal.member_json) {
        return None;
    }
    let fields: Vec<&Field> = seal
        .encrypt
        .iter()
        .chain(&seal.sign)
        .chain(seal.bind.iter().map(|(_, f)| f))
        .collect();
    let steps: Vec<&[Step]> = fields.iter().map(|f| f.steps()).collect::<Option<_>>()?;
    if steps.iter().any(|s| s.is_empty()) {
        return None;
    }
    // The steps of each location are needed only to check the fields to sign or bind.
    let track = if seal.sign.is_empty() && seal.bind.is_empty() {
        Track::Path
    } else {
        Track::Steps
    };
    let (hits, found) = match walk(text, &steps, track) {
        Ok(w) => w,
        Err(e) => return Some(Err(e)),
    };
    let (n_enc, n_sign) = (seal.encrypt.len(), seal.sign.len());
    if raise_on_missing && let Some(f) = (0..n_enc).find(|&f| !found[f]) {
        return Some(Err(Error::FieldNotFound {
            field: seal.encrypt[f].as_str().to_owned(),
        }));
    }
    let (enc, sign, bind) = if n_enc == fields.len() {
        // Only fields to encrypt: every hit is one of theirs.
        (hits, Vec::new(), Vec::new())
    } else {
        let (enc, rest): (Vec<Hit>, Vec<Hit>) = hits.into_iter().partition(|h| h.field < n_enc);
        let (sign, bind): (Vec<Hit>, Vec<Hit>) =
            rest.into_iter().partition(|h| h.field < n_enc + n_sign);
        (enc, sign, bind)
    };
    let (enc, sign) = (outermost(enc), outermost(sign));
    if repeated(&enc) || repeated(&sign) || overlaps(&enc, &sign) || overlaps(&enc, &bind) {
        return None;
    }
    // A field to sign or bind that would walk into a placeholder selects there what only the
    // record with its placeholders holds.
    if steps[n_enc..]
        .iter()
        .any(|s| enc.iter().any(|e| goes_below(s, &e.at)))
    {
        return None;
    }
    let mut bound = Vec::with_capacity(seal.bind.len());
    for (i, (key, _)) in seal.bind.iter().enumerate() {
        let mut of_field = bind.iter().filter(|h| h.field == n_enc + n_sign + i);
        let (Some(hit), None) = (of_field.next(), of_field.next()) else {
            return None;
        };
        let value: Value = serde_json::from_str(&text[hit.start..hit.end]).ok()?;
        bound.push((key.clone(), bound_value_of(&value).ok()?));
    }
    Some(take_apart(text, seal, &enc, &sign, bound))
}

fn take_apart(
    text: &str,
    seal: &Seal,
    enc: &[Hit],
    sign: &[Hit],
    bound: Vec<(String, String)>,
) -> Result<PreparedText> {
    let mut layout = LayoutWriter::new(&seal.layout_head, text.len() / 2);
    for hit in enc {
        let raw = &text[hit.start..hit.end];
        // A string without escapes is compact as it stands.
        if raw.starts_with('"') && !raw.contains('\\') {
            layout.value_json(&hit.location, raw.as_bytes())?;
        } else {
            layout.value_json(&hit.location, &compact_json(raw)?)?;
        }
    }
    let mut digests = BTreeMap::new();
    for hit in sign {
        let node: Value = serde_json::from_str(&text[hit.start..hit.end])?;
        digests.insert(hit.location.clone(), digest(&node)?);
    }
    let plaintext = layout.finish(&digests)?;

    // Room for the placeholders, and for the member that `finish` adds (the message is about
    // its plaintext and a header longer), so that the text is written once.
    let member =
        seal.member_json.len() + base64::encoded_len(plaintext.len() + 1024, true).unwrap_or(0);
    let mut rest = String::with_capacity(text.len() + enc.len() * 40 + member);
    let mut copied = 0;
    for hit in enc {
        rest.push_str(&text[copied..hit.start]);
        rest.push_str("{\"");
        rest.push_str(PLACEHOLDER_KEY);
        rest.push_str("\":");
        push_json_string(&mut rest, &hit.location)?;
        rest.push('}');
        copied = hit.end;
    }
    rest.push_str(&text[copied..]);
    Ok(PreparedText {
        rest,
        plaintext,
        bound,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needles_are_found() {
        let member = "\"__sealed\"";
        for (text, held) in [
            (r#"{"a": "b_c", "d_": 1}"#, false),
            (r#"{"a": "\n\\"}"#, false),
            (r#"{"a": "\\u"}"#, true),
            (r#"{"a": "\u0041"}"#, true),
            (r#"{"a": "_encrypted__"}"#, false),
            (r#"{"a": "__encrypted"}"#, true),
            (r#"{"a": {"__encrypted": 1}}"#, true),
            (r#"{"__sealed": 1}"#, true),
            (r#"{"a": "__sealed"}"#, true),
        ] {
            assert_eq!(holds_needle(text, member), held, "{text}");
        }
        assert!(holds_needle(r#"{"m": 1}"#, "\"m\""));
        assert!(!holds_needle(r#"{"n": 1}"#, "\"m\""));
    }

    #[test]
    fn the_needle_is_the_placeholder_member_as_json() {
        assert_eq!(
            PLACEHOLDER_NEEDLE,
            serde_json::to_string(PLACEHOLDER_KEY).unwrap()
        );
    }
}
