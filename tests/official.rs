//! The official AWS Encryption SDK decrypt vectors of `tests/data/vectors/official/vectors.json`
//! (see the README there) as cases: each vector as its maker's manifest expects it, and each of
//! its listed checks as a variant of it. The library's test and the CLI's test run the same
//! cases.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::data_dir;

/// One decrypt and what must come of it.
#[derive(Clone, Debug)]
pub struct Case {
    /// The vector's name, with the check's kind in brackets for a variant.
    pub what: String,
    /// The ids (`namespace:name[:...]`) of the wrapping keys to offer, in order.
    pub keys: Vec<String>,
    /// The encryption context to give.
    pub context: BTreeMap<String, String>,
    /// The message bytes.
    pub message: Vec<u8>,
    /// Whether legacy (non-committing) suites are allowed.
    pub legacy: bool,
    /// The plaintext, or `None` when the message must be refused.
    pub expect: Option<Vec<u8>>,
}

/// The vectors file, parsed.
pub struct Vectors {
    all: Value,
}

/// A wrapping key of the vectors: namespace, name and the key bytes.
pub struct Key {
    /// The key namespace (provider id).
    pub namespace: String,
    /// The key name.
    pub name: String,
    /// The AES key bytes (16 or 32).
    pub key: Vec<u8>,
}

fn b64(v: &Value) -> Vec<u8> {
    STANDARD
        .decode(v.as_str().expect("base64 string"))
        .expect("base64")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|k| k.as_str().expect("a string").to_owned())
        .collect()
}

fn context_of(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .expect("context object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string value").to_owned()))
        .collect()
}

impl Vectors {
    /// Reads `tests/data/vectors/official/vectors.json`.
    pub fn load() -> Self {
        let path = data_dir().join("vectors/official/vectors.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Self {
            all: serde_json::from_str(&text).expect("vectors JSON"),
        }
    }

    /// The wrapping key of `id`.
    pub fn key(&self, id: &str) -> Key {
        let k = &self.all["meta"]["keys"][id];
        assert!(k.is_object(), "key {id} is not in meta.keys");
        Key {
            namespace: k["namespace"].as_str().expect("namespace").to_owned(),
            name: k["name"].as_str().expect("name").to_owned(),
            key: b64(&k["key"]),
        }
    }

    fn list(&self) -> &[Value] {
        self.all["vectors"].as_array().expect("vectors")
    }

    fn case(&self, v: &Value) -> Case {
        let expect = match v["expect"].as_str() {
            Some("ok") => Some(b64(
                &self.all["meta"]["plaintexts"][v["plaintext"].as_str().expect("ref")]["b64"]
            )),
            Some("error") => None,
            other => panic!("expect {other:?}"),
        };
        Case {
            what: v["name"].as_str().expect("name").to_owned(),
            keys: strings(&v["keys"]),
            context: context_of(&v["context"]),
            message: b64(&v["ciphertext"]),
            legacy: v["legacy"] == true,
            expect,
        }
    }

    /// Every vector as its maker's manifest (and the ESDK's CI) expects it.
    pub fn cases(&self) -> Vec<Case> {
        self.list().iter().map(|v| self.case(v)).collect()
    }

    /// Every listed check of every vector, with its kind: variants that must be refused (a
    /// flipped bit, a wrong key, a missing or extra context pair, the legacy policy left out)
    /// or must decrypt (one key of a two-key message alone, both in the other order).
    pub fn checks(&self) -> Vec<(String, Case)> {
        let mut out = Vec::new();
        for v in self.list() {
            let base = self.case(v);
            for c in v["checks"].as_array().into_iter().flatten() {
                let kind = c["kind"].as_str().expect("kind").to_owned();
                let mut case = Case {
                    what: format!("{} [{kind}]", base.what),
                    expect: match c["expect"].as_str() {
                        Some("ok") => base.expect.clone(),
                        Some("error") => None,
                        other => panic!("check expect {other:?}"),
                    },
                    ..base.clone()
                };
                for f in c["flip"].as_array().into_iter().flatten() {
                    let at = usize::try_from(f[0].as_u64().expect("offset")).expect("offset");
                    let mask = u8::try_from(f[1].as_u64().expect("mask")).expect("a byte mask");
                    case.message[at] ^= mask;
                }
                if c.get("keys").is_some() {
                    case.keys = strings(&c["keys"]);
                }
                if c.get("context").is_some() {
                    case.context = context_of(&c["context"]);
                }
                if let Some(legacy) = c.get("legacy") {
                    case.legacy = legacy == true;
                }
                out.push((kind, case));
            }
        }
        out
    }
}
