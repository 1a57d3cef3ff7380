//! JSON text worked on as text, without building a `Value` of the whole document: validation,
//! whitespace removal, the compact form of one value, and (in [`spans`]) the spans that simple
//! field queries select.

pub(crate) mod hit;
mod scan;
pub(crate) mod spans;
pub(crate) mod stream;

use serde_json::Value;

use crate::error::{Error, Result};

/// The error for a plaintext that is not a JSON text.
pub(crate) fn not_json() -> Error {
    Error::DecryptValue("the decrypted plaintext is not JSON".into())
}

/// Checks that `text` is one JSON text, without building anything.
pub(crate) fn validate_json(text: &str) -> serde_json::Result<()> {
    let mut d = serde_json::Deserializer::from_str(text);
    <serde::de::IgnoredAny as serde::Deserialize>::deserialize(&mut d)?;
    d.end()
}

/// The compact JSON text of one valid JSON value, as `serde_json::to_vec` of its `Value` writes
/// it. A string without escapes is already compact (valid JSON strings hold no raw control
/// characters), so it is copied as it is.
pub(crate) fn compact_json(raw: &str) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    if raw.len() >= 2 && raw.starts_with('"') && !raw.contains('\\') {
        return Ok(zeroize::Zeroizing::new(raw.as_bytes().to_vec()));
    }
    let node: Value = serde_json::from_str(raw)?;
    Ok(zeroize::Zeroizing::new(serde_json::to_vec(&node)?))
}

/// A valid JSON text without its whitespace outside strings. Runs between the bytes that matter
/// (whitespace and quotes outside strings; quotes and backslashes inside) are copied whole. JSON
/// whitespace is ASCII, so UTF-8 sequences are never split.
pub(crate) fn minify(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(rest) = b.get(i..).filter(|r| !r.is_empty()) {
        let run = rest
            .iter()
            .position(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'"'))
            .unwrap_or(rest.len());
        out.extend_from_slice(&rest[..run]);
        i += run;
        match b.get(i) {
            Some(b'"') => {
                // A string: copy it through its closing quote.
                let start = i;
                i += 1;
                while let Some(p) = b
                    .get(i..)
                    .and_then(|r| r.iter().position(|c| matches!(c, b'"' | b'\\')))
                {
                    i += p;
                    if b.get(i) == Some(&b'"') {
                        i += 1;
                        break;
                    }
                    i += 2;
                }
                let end = i.min(b.len());
                out.extend_from_slice(b.get(start..end).unwrap_or_default());
                i = end;
            }
            Some(_) => i += 1,
            None => {}
        }
    }
    out
}
