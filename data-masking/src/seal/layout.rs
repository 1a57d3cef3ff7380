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
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::SEAL_VERSION;
use crate::error::{Error, Result};

/// The plaintext of a record's message.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Layout {
    pub(crate) v: u32,
    pub(crate) encrypt: Vec<String>,
    pub(crate) sign: Vec<String>,
    pub(crate) bind: BTreeMap<String, String>,
    pub(crate) values: BTreeMap<String, Value>,
    pub(crate) digests: BTreeMap<String, String>,
}

impl Layout {
    /// The plaintext bytes (compact JSON).
    pub(crate) fn encode(&self) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        Ok(zeroize::Zeroizing::new(serde_json::to_vec(self)?))
    }

    /// Reads a decrypted plaintext; anything but a layout of version 1 is
    /// [`Error::DecryptValue`].
    pub(crate) fn decode(plaintext: &[u8]) -> Result<Self> {
        #[derive(Deserialize)]
        struct Version {
            v: u32,
        }
        let version: Version = serde_json::from_slice(plaintext).map_err(|_| {
            Error::DecryptValue("the message does not hold a sealed-record layout".into())
        })?;
        if version.v != SEAL_VERSION {
            return Err(Error::DecryptValue(format!(
                "the sealed-record layout version {} is not supported (this version reads {SEAL_VERSION})",
                version.v
            )));
        }
        serde_json::from_slice(plaintext).map_err(|e| {
            Error::DecryptValue(format!(
                "the message does not hold a valid sealed-record layout: {}",
                e.classify_reason()
            ))
        })
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
        let layout = Layout {
            v: 1,
            encrypt: vec!["a".into()],
            sign: vec![],
            bind: BTreeMap::new(),
            values: BTreeMap::from([("$['a']".into(), json!(1))]),
            digests: BTreeMap::new(),
        };
        let bytes = layout.encode().unwrap();
        assert_eq!(Layout::decode(&bytes).unwrap().values, layout.values);
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
