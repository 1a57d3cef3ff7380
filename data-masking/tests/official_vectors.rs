//! The official AWS Encryption SDK decrypt vectors of `tests/data/vectors/official/vectors.json`
//! (made by ESDK-NET, the Dafny ESDK and the message format V2 known-answer tests; raw AES-128
//! and AES-256 wrapping keys, all 11 suites): the 100 good ones decrypt to exactly their
//! plaintext bytes, the 23 others are refused, and every variant in each vector's `checks`
//! (flipped bits, wrong keys, context changes, the legacy policy left out, one key of two or
//! both in the other order) behaves as listed. Each decrypt goes through the cached and the
//! uncached engine.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::keys::{MultiKeyring, RawAesKeyring};
use data_masking::{CommitmentPolicy, EncryptionContext, Encryptor};
use serde_json::Value;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/vectors/official/vectors.json"
);

fn b64(v: &Value) -> Vec<u8> {
    STANDARD
        .decode(v.as_str().expect("base64 string"))
        .expect("base64")
}

/// One decrypt and what must come of it.
struct Case<'a> {
    what: String,
    keys: Vec<&'a str>,
    context: BTreeMap<String, String>,
    message: Vec<u8>,
    legacy: bool,
    /// The plaintext, or `None` when the message must be refused.
    expect: Option<Vec<u8>>,
}

fn keyring(meta: &Value, ids: &[&str]) -> MultiKeyring {
    let mut keys = ids.iter().map(|id| {
        let k = &meta["keys"][*id];
        assert!(k.is_object(), "key {id} is not in meta.keys");
        RawAesKeyring::new(
            k["namespace"].as_str().expect("namespace"),
            k["name"].as_str().expect("name"),
            &b64(&k["key"]),
        )
        .expect("an AES-128/192/256 key")
    });
    let first = keys.next().expect("at least one key");
    keys.fold(MultiKeyring::new(first), MultiKeyring::with)
}

/// Runs `case` through a cached and an uncached engine; a failure description, if any.
fn check(rt: &tokio::runtime::Runtime, meta: &Value, case: &Case<'_>) -> Option<String> {
    let what = &case.what;
    let policy = if case.legacy {
        CommitmentPolicy::RequireEncryptAllowDecrypt
    } else {
        CommitmentPolicy::default()
    };
    let context = EncryptionContext::new(case.context.clone()).expect("context");
    for cached in [true, false] {
        let b = Encryptor::builder(keyring(meta, &case.keys)).commitment_policy(policy);
        let e = if cached { b } else { b.no_cache() }
            .build()
            .expect("engine");
        let got = rt.block_on(e.decrypt(&case.message, &context));
        match (&case.expect, got) {
            (Some(want), Ok(got)) if &got == want => {}
            (Some(want), Ok(got)) => {
                return Some(format!(
                    "{what}: plaintext differs ({} bytes, want {})",
                    got.len(),
                    want.len()
                ));
            }
            (Some(_), Err(e)) => return Some(format!("{what}: must decrypt, failed: {e}")),
            (None, Ok(_)) => return Some(format!("{what}: must be refused, decrypted")),
            (None, Err(_)) => {}
        }
    }
    None
}

fn base_case<'a>(meta: &Value, v: &'a Value) -> Case<'a> {
    let expect = match v["expect"].as_str() {
        Some("ok") => Some(b64(
            &meta["plaintexts"][v["plaintext"].as_str().expect("ref")]["b64"]
        )),
        Some("error") => None,
        other => panic!("expect {other:?}"),
    };
    Case {
        what: v["name"].as_str().expect("name").to_owned(),
        keys: str_list(&v["keys"]),
        context: context_of(&v["context"]),
        message: b64(&v["ciphertext"]),
        legacy: v["legacy"] == true,
        expect,
    }
}

fn str_list(v: &Value) -> Vec<&str> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|k| k.as_str().expect("a string"))
        .collect()
}

fn context_of(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .expect("context object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string value").to_owned()))
        .collect()
}

/// The variant of `base` that check `c` describes.
fn variant<'a>(base: &Case<'a>, c: &'a Value) -> Case<'a> {
    let kind = c["kind"].as_str().expect("kind");
    let mut case = Case {
        what: format!("{} [{kind}]", base.what),
        keys: base.keys.clone(),
        context: base.context.clone(),
        message: base.message.clone(),
        legacy: base.legacy,
        expect: match c["expect"].as_str() {
            Some("ok") => base.expect.clone(),
            Some("error") => None,
            other => panic!("check expect {other:?}"),
        },
    };
    for f in c["flip"].as_array().into_iter().flatten() {
        let at = usize::try_from(f[0].as_u64().expect("offset")).expect("offset");
        let mask = u8::try_from(f[1].as_u64().expect("mask")).expect("a byte mask");
        case.message[at] ^= mask;
    }
    if c.get("keys").is_some() {
        case.keys = str_list(&c["keys"]);
    }
    if c.get("context").is_some() {
        case.context = context_of(&c["context"]);
    }
    if let Some(legacy) = c.get("legacy") {
        case.legacy = legacy == true;
    }
    case
}

fn load() -> Value {
    let text = std::fs::read_to_string(VECTORS).expect("the official vectors");
    serde_json::from_str(&text).expect("vectors JSON")
}

#[test]
fn the_100_good_vectors_decrypt_and_the_23_bad_ones_are_refused() {
    let all = load();
    let meta = &all["meta"];
    let vectors = all["vectors"].as_array().expect("vectors");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let good = vectors.iter().filter(|v| v["expect"] == "ok").count();
    assert_eq!((vectors.len(), good), (123, 100));
    let failures: Vec<String> = vectors
        .iter()
        .filter_map(|v| check(&rt, meta, &base_case(meta, v)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} vectors:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}

#[test]
fn every_check_of_every_vector_behaves_as_listed() {
    let all = load();
    let meta = &all["meta"];
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for v in all["vectors"].as_array().expect("vectors") {
        let base = base_case(meta, v);
        for c in v["checks"].as_array().into_iter().flatten() {
            *kinds.entry(c["kind"].as_str().expect("kind")).or_default() += 1;
            failures.extend(check(&rt, meta, &variant(&base, c)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every kind of check the README lists was run.
    let expected = [
        ("context-extra", 89),
        ("context-missing", 11),
        ("no-legacy-flag", 81),
        ("reversed-keys", 22),
        ("single-key", 44),
        ("tamper-body", 100),
        ("tamper-header", 100),
        ("tamper-last", 100),
        ("wrong-key", 100),
    ];
    assert_eq!(kinds, expected.into_iter().collect::<BTreeMap<_, _>>());
}
