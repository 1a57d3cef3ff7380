//! The encryption context: non-secret `key=value` strings bound to every ciphertext.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::message::{PUBLIC_KEY_CONTEXT_KEY, RESERVED_CONTEXT_PREFIX};

/// Non-secret strings bound to a ciphertext as additional authenticated data, and checked
/// exactly on decrypt (Powertools' `**encryption_context`).
///
/// Keys are unique and kept sorted; clones share the pairs, so cloning is cheap. Keys that start
/// with `aws-crypto-` are refused: the AWS Encryption SDK reserves that prefix (the signing
/// suites store the message's public key under `aws-crypto-public-key`).
///
/// ```
/// use data_masking::EncryptionContext;
/// let ctx = EncryptionContext::new([("tenant", "acme"), ("purpose", "billing")])?;
/// assert_eq!(ctx.get("tenant"), Some("acme"));
/// assert_eq!(ctx.to_string(), "purpose=billing, tenant=acme");
/// assert!(EncryptionContext::new([("aws-crypto-public-key", "x")]).is_err());
/// assert!(EncryptionContext::empty().is_empty());
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct EncryptionContext(Arc<BTreeMap<String, String>>);

/// Refuses the keys the AWS Encryption SDK reserves for itself.
fn check_key(key: &str) -> Result<()> {
    if key.starts_with(RESERVED_CONTEXT_PREFIX) {
        return Err(Error::InvalidContext(format!(
            "the key {key:?} is reserved: the prefix {RESERVED_CONTEXT_PREFIX} belongs to the \
             AWS Encryption SDK"
        )));
    }
    Ok(())
}

impl EncryptionContext {
    /// A context of these pairs; errors on a reserved key (`aws-crypto-...`) or a repeated key.
    ///
    /// ```
    /// # use data_masking::EncryptionContext;
    /// assert!(EncryptionContext::new([("a", "1"), ("a", "2")]).is_err());
    /// ```
    pub fn new<I, K, V>(pairs: I) -> Result<Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut map = BTreeMap::new();
        for (k, v) in pairs {
            let k = k.into();
            check_key(&k)?;
            if map.insert(k.clone(), v.into()).is_some() {
                return Err(Error::InvalidContext(format!(
                    "the key {k:?} is given twice"
                )));
            }
        }
        Ok(Self(Arc::new(map)))
    }

    /// No context.
    ///
    /// ```
    /// # use data_masking::EncryptionContext;
    /// assert_eq!(EncryptionContext::empty().len(), 0);
    /// ```
    pub fn empty() -> Self {
        Self::default()
    }

    /// Reads a JSON object of string values (any other value is an error, as in Powertools,
    /// which accepts strings only).
    ///
    /// ```
    /// # use data_masking::EncryptionContext;
    /// use serde_json::json;
    /// assert_eq!(EncryptionContext::from_json(&json!({"a": "b"}))?.get("a"), Some("b"));
    /// assert!(EncryptionContext::from_json(&json!({"a": 1})).is_err());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_json(v: &serde_json::Value) -> Result<Self> {
        let serde_json::Value::Object(o) = v else {
            return Err(Error::InvalidContext(
                "an encryption context is a JSON object".into(),
            ));
        };
        Self::new(
            o.iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => Ok((k.clone(), s.clone())),
                    _ => Err(Error::InvalidContext(format!(
                        "the value of {k:?} is not a string: encryption context values are strings"
                    ))),
                })
                .collect::<Result<Vec<_>>>()?,
        )
    }

    /// The value of `key`.
    ///
    /// ```
    /// # use data_masking::EncryptionContext;
    /// assert_eq!(EncryptionContext::new([("a", "b")])?.get("z"), None);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Adds or replaces a pair; errors on a reserved key (`aws-crypto-...`).
    ///
    /// ```
    /// # use data_masking::EncryptionContext;
    /// let mut c = EncryptionContext::empty();
    /// c.insert("a", "b")?;
    /// assert_eq!(c.get("a"), Some("b"));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) -> Result<()> {
        let key = key.into();
        check_key(&key)?;
        Arc::make_mut(&mut self.0).insert(key, value.into());
        Ok(())
    }

    /// Number of pairs.
    ///
    /// ```
    /// # use data_masking::EncryptionContext;
    /// assert_eq!(EncryptionContext::new([("a", "b")])?.len(), 1);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is no pair.
    ///
    /// ```
    /// # use data_masking::EncryptionContext;
    /// assert!(EncryptionContext::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pairs, sorted by key.
    ///
    /// ```
    /// # use data_masking::EncryptionContext;
    /// let c = EncryptionContext::new([("b", "2"), ("a", "1")])?;
    /// assert_eq!(c.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["a", "b"]);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub(crate) fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    /// Checks the caller's context against a message's: its stored pairs and the required pairs
    /// that it authenticated without storing them. Equal, once `aws-crypto-public-key` is left
    /// out (Powertools' rule). The error names keys, never values.
    pub(crate) fn check_stored(&self, stored: &BTreeMap<String, String>) -> Result<()> {
        let stored_keys = stored.iter().filter(|(k, _)| *k != PUBLIC_KEY_CONTEXT_KEY);
        let mut missing = Vec::new();
        let mut differing = Vec::new();
        for (k, v) in stored_keys.clone() {
            match self.0.get(k) {
                None => missing.push(k.as_str()),
                Some(ours) if ours != v => differing.push(k.as_str()),
                Some(_) => {}
            }
        }
        let unexpected: Vec<&str> = self
            .0
            .keys()
            .filter(|k| !stored.contains_key(*k))
            .map(String::as_str)
            .collect();
        if missing.is_empty() && differing.is_empty() && unexpected.is_empty() {
            return Ok(());
        }
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(format!(
                "keys of the message not given: {}",
                missing.join(", ")
            ));
        }
        if !unexpected.is_empty() {
            parts.push(format!(
                "keys given that the message lacks: {}",
                unexpected.join(", ")
            ));
        }
        if !differing.is_empty() {
            parts.push(format!(
                "keys whose values differ: {}",
                differing.join(", ")
            ));
        }
        Err(Error::ContextMismatch(parts.join("; ")))
    }
}

impl fmt::Display for EncryptionContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{k}={v}")?;
        }
        Ok(())
    }
}

impl<K: Into<String>, V: Into<String>, const N: usize> TryFrom<[(K, V); N]> for EncryptionContext {
    type Error = Error;
    fn try_from(pairs: [(K, V); N]) -> Result<Self> {
        Self::new(pairs)
    }
}

impl TryFrom<HashMap<String, String>> for EncryptionContext {
    type Error = Error;
    fn try_from(map: HashMap<String, String>) -> Result<Self> {
        Self::new(map)
    }
}

impl TryFrom<BTreeMap<String, String>> for EncryptionContext {
    type Error = Error;
    fn try_from(map: BTreeMap<String, String>) -> Result<Self> {
        Self::new(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_context_comparison() {
        let ours = EncryptionContext::new([("a", "1"), ("b", "2")]).unwrap();
        let mut stored: BTreeMap<String, String> = [("a", "1"), ("b", "2")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        stored.insert(PUBLIC_KEY_CONTEXT_KEY.into(), "AAAA".into());
        ours.check_stored(&stored).unwrap();
        stored.insert("b".into(), "secret-other".into());
        let e = ours.check_stored(&stored).unwrap_err().to_string();
        assert!(e.contains("differ: b") && !e.contains("secret"), "{e}");
        stored.remove("b");
        let e = ours.check_stored(&stored).unwrap_err().to_string();
        assert!(e.contains("lacks: b"), "{e}");
        let e = EncryptionContext::empty()
            .check_stored(&stored)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not given: a"), "{e}");
    }

    #[test]
    fn the_whole_aws_crypto_prefix_is_reserved_on_every_way_in() {
        for key in [
            "aws-crypto-public-key",
            "aws-crypto-",
            "aws-crypto-algorithm",
            "aws-crypto-x",
        ] {
            assert!(EncryptionContext::new([(key, "v")]).is_err(), "{key}");
            assert!(
                EncryptionContext::empty().insert(key, "v").is_err(),
                "{key}"
            );
            assert!(
                EncryptionContext::from_json(&serde_json::json!({ key: "v" })).is_err(),
                "{key}"
            );
            let map: HashMap<String, String> = [(key.to_owned(), "v".to_owned())].into();
            assert!(EncryptionContext::try_from(map).is_err(), "{key}");
            let e = EncryptionContext::new([(key, "v")]).unwrap_err();
            assert_eq!(e.kind(), "invalid-context");
        }
        for key in [
            "aws-crypt",
            "aws-cryptography",
            "AWS-CRYPTO-x",
            "x-aws-crypto-",
        ] {
            assert!(EncryptionContext::new([(key, "v")]).is_ok(), "{key}");
        }
    }
}
