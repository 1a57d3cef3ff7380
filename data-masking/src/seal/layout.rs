//! The plaintext of a record's message, layout version 1: a JSON object
//!
//! ```text
//! {"v": 1,
//!  "encrypt": [field, ...],            // the fields to encrypt, as written
//!  "sign": [field, ...],               // the fields to sign, as written
//!  "bind": {key: field, ...},          // context keys taken from the record, and their fields
//!  "values": {location: value, ...},   // each encrypted node, by normalized path
//!  "digests": {location: digest, ...}} // each signed node: base64 SHA-256 of its RFC 8785 form
//! ```
//!
//! Locations are RFC 9535 normalized paths (`$['orders'][1]['card']`) in the record as sealed
//! (with its placeholders, without the member that holds the message). A digest is taken over
//! the signed node in that record (so a placeholder inside a signed node is signed as such).

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::SEAL_VERSION;
use crate::error::{Error, Result};
use crate::path::{Field, needs_escape};

/// The plaintext of a record's message, as read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Layout {
    pub(crate) v: u32,
    pub(crate) encrypt: Vec<String>,
    pub(crate) sign: Vec<String>,
    pub(crate) bind: BTreeMap<String, String>,
    pub(crate) values: BTreeMap<String, Value>,
    pub(crate) digests: BTreeMap<String, String>,
}

/// The fields' expressions, as written.
fn exprs(fields: &[Field]) -> Vec<&str> {
    fields.iter().map(Field::as_str).collect()
}

/// Writes the plaintext of a record's message (compact JSON, members in the order above) as
/// the record is taken apart: the fields, then each encrypted value as it is met, then the
/// digests. Nothing is copied into an intermediate map.
pub(crate) struct LayoutWriter {
    buf: zeroize::Zeroizing<Vec<u8>>,
    values: usize,
}

/// The start of a layout of these fields, up to its first value:
/// `{"v":1,"encrypt":[...],"sign":[...],"bind":{...},"values":{`.
pub(super) fn head(encrypt: &[Field], sign: &[Field], bind: &[(String, Field)]) -> Result<String> {
    let mut buf = format!("{{\"v\":{SEAL_VERSION},\"encrypt\":");
    buf.push_str(&serde_json::to_string(&exprs(encrypt))?);
    buf.push_str(",\"sign\":");
    buf.push_str(&serde_json::to_string(&exprs(sign))?);
    buf.push_str(",\"bind\":");
    let bind: BTreeMap<&str, &str> = bind.iter().map(|(k, f)| (k.as_str(), f.as_str())).collect();
    buf.push_str(&serde_json::to_string(&bind)?);
    buf.push_str(",\"values\":{");
    Ok(buf)
}

impl LayoutWriter {
    /// A layout starting with `head` (a seal's [`head`], written once per `Seal`), its values
    /// to come; `capacity` bytes reserved.
    pub(crate) fn new(head: &str, capacity: usize) -> Self {
        let head = head.as_bytes();
        let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(capacity + head.len()));
        buf.extend_from_slice(head);
        Self { buf, values: 0 }
    }

    fn key(&mut self, location: &str) -> Result<()> {
        if self.values > 0 {
            self.buf.push(b',');
        }
        self.values += 1;
        push_json_str(&mut self.buf, location)?;
        self.buf.push(b':');
        Ok(())
    }

    /// The encrypted value at `location`.
    pub(crate) fn value(&mut self, location: &str, value: &Value) -> Result<()> {
        self.key(location)?;
        serde_json::to_writer(&mut *self.buf, value)?;
        Ok(())
    }

    /// The encrypted value at `location`, given as compact JSON text.
    pub(crate) fn value_json(&mut self, location: &str, json: &[u8]) -> Result<()> {
        self.key(location)?;
        self.buf.extend_from_slice(json);
        Ok(())
    }

    /// The plaintext, with the digests of the signed values.
    pub(crate) fn finish(
        mut self,
        digests: &BTreeMap<String, String>,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        self.buf.extend_from_slice(b"},\"digests\":");
        serde_json::to_writer(&mut *self.buf, digests)?;
        self.buf.push(b'}');
        Ok(self.buf)
    }
}

/// Appends `s` as a JSON string, as `serde_json` writes it: a string with no quote, backslash
/// or control character is copied between quotes as it is.
pub(super) fn push_json_str(buf: &mut Vec<u8>, s: &str) -> Result<()> {
    if needs_escape(s, b'"') {
        serde_json::to_writer(&mut *buf, s)?;
    } else {
        buf.reserve(s.len() + 2);
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
    }
    Ok(())
}

/// [`push_json_str`] onto a `String`.
pub(super) fn push_json_string(out: &mut String, s: &str) -> Result<()> {
    if needs_escape(s, b'"') {
        out.push_str(&serde_json::to_string(s)?);
    } else {
        out.reserve(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
    Ok(())
}

impl Layout {
    /// Reads a decrypted plaintext; anything but a layout of version 1 is
    /// [`Error::DecryptValue`].
    pub(crate) fn decode(plaintext: &[u8]) -> Result<Self> {
        #[derive(Deserialize)]
        struct Version {
            v: u32,
        }
        let err = match serde_json::from_slice::<Self>(plaintext) {
            Ok(layout) if layout.v == SEAL_VERSION => return Ok(layout),
            Ok(_) => None,
            Err(e) => Some(e),
        };
        // Another version is named as such, whatever else it holds.
        match serde_json::from_slice::<Version>(plaintext) {
            Ok(Version { v }) if v != SEAL_VERSION => Err(Error::DecryptValue(format!(
                "the sealed-record layout version {v} is not supported (this version reads {SEAL_VERSION})"
            ))),
            Ok(_) => Err(Error::DecryptValue(format!(
                "the message does not hold a valid sealed-record layout: {}",
                err.map_or("", |e| e.classify_reason())
            ))),
            Err(_) => Err(Error::DecryptValue(
                "the message does not hold a sealed-record layout".into(),
            )),
        }
    }
}

/// What kind of JSON error, without the text around it (which could quote plaintext).
trait ClassifyReason {
    fn classify_reason(&self) -> &'static str;
}

impl ClassifyReason for serde_json::Error {
    fn classify_reason(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "not JSON",
            serde_json::error::Category::Data => {
                "a member is missing, unknown or of the wrong type"
            }
        }
    }
}

/// The digest of a signed node: base64 of the SHA-256 of its RFC 8785 (JCS) canonical form.
pub(crate) fn digest(value: &Value) -> Result<String> {
    let canonical = serde_jcs::to_vec(value).map_err(|e| {
        Error::UnsupportedType(format!("a signed value has no canonical JSON form: {e}"))
    })?;
    Ok(STANDARD.encode(Sha256::digest(&canonical)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn digests_are_taken_over_the_canonical_form() {
        // RFC 8785: members sorted, no whitespace, numbers in their shortest form.
        let a = json!({"b": [1.0, "x"], "a": 1e2});
        let b: Value = serde_json::from_str(r#"{ "a" : 100, "b" : [ 1, "x" ] }"#).unwrap();
        assert_eq!(digest(&a).unwrap(), digest(&b).unwrap());
        let canonical = br#"{"a":100,"b":[1,"x"]}"#;
        assert_eq!(
            digest(&a).unwrap(),
            STANDARD.encode(Sha256::digest(canonical))
        );
        assert_ne!(
            digest(&a).unwrap(),
            digest(&json!({"a": 101, "b": [1, "x"]})).unwrap()
        );
    }

    #[test]
    fn only_version_1_is_read() {
        let field = |f: &str| crate::path::Field::parse(f).unwrap();
        let head = head(&[field("a")], &[], &[("k".to_owned(), field("id"))]).unwrap();
        let mut w = LayoutWriter::new(&head, 0);
        w.value("$['a']", &json!(1)).unwrap();
        w.value_json("$['b']", b"[2]").unwrap();
        let digests = BTreeMap::from([("$['s']".to_owned(), "AAAA".to_owned())]);
        let bytes = w.finish(&digests).unwrap();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"v":1,"encrypt":["a"],"sign":[],"bind":{"k":"id"},"values":{"$['a']":1,"$['b']":[2]},"digests":{"$['s']":"AAAA"}}"#
        );
        let layout = Layout::decode(&bytes).unwrap();
        assert_eq!(layout.values["$['b']"], json!([2]));
        assert_eq!(layout.digests, digests);
        let v2 = String::from_utf8(bytes.to_vec())
            .unwrap()
            .replace("\"v\":1", "\"v\":2");
        let err = Layout::decode(v2.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("version 2"), "{err}");
        let extra = String::from_utf8(bytes.to_vec())
            .unwrap()
            .replace("\"v\":1", "\"v\":1,\"x\":0");
        assert_eq!(
            Layout::decode(extra.as_bytes()).unwrap_err().kind(),
            "decrypt-value"
        );
        assert_eq!(Layout::decode(b"[1]").unwrap_err().kind(), "decrypt-value");
    }
}
