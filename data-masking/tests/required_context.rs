//! Required encryption context (the ESDK's required-encryption-context CMM): pairs that a message
//! authenticates but does not store.
//!
//! * encrypt requires every configured key in the context, leaves those pairs out of the header
//!   and authenticates them with the header tag (checked with a keyring blind to the context, so
//!   that only the tag can catch a wrong pair);
//! * decrypt takes the whole context: pairs the message does not store are its reproduced pairs;
//!   a missing, wrong or extra one fails, stored pairs are compared as before;
//! * the materials cache keys decryption materials by the reproduced pairs too;
//! * the official required-encryption-context vectors of `tests/data/vectors/official/
//!   vectors_more.json` (ESDK-NET and the Dafny ESDK over raw AES keys, ESDK-NET over raw RSA
//!   keys, where only the header tag authenticates the required pairs) decrypt, with every listed
//!   check, through the cached and the uncached engine.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::keys::{
    DataKey, DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring, Materials,
    MultiKeyring, RawAesKeyring, RawRsaKeyring, RsaPadding,
};
use data_masking::{
    AlgorithmSuite, CommitmentPolicy, DataMasking, EncryptionContext, Encryptor, Error,
};
use serde_json::{Value, json};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn aes() -> RawAesKeyring {
    RawAesKeyring::new("ns", "key", &[7u8; 32]).expect("keyring")
}

fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
    EncryptionContext::new(pairs.iter().copied()).expect("context")
}

/// The stored context of a version-2 message: the pairs of its header, read from the bytes.
fn stored_keys(message: &[u8]) -> Vec<String> {
    // version, suite, message id (32), then the context's u16 length.
    let at = 1 + 2 + 32;
    let len = usize::from(u16::from_be_bytes([message[at], message[at + 1]]));
    let mut r = &message[at + 2..at + 2 + len];
    let mut keys = Vec::new();
    if r.is_empty() {
        return keys;
    }
    let n = u16::from_be_bytes([r[0], r[1]]);
    r = &r[2..];
    for _ in 0..n {
        let mut take = || {
            let l = usize::from(u16::from_be_bytes([r[0], r[1]]));
            let s = String::from_utf8(r[2..2 + l].to_vec()).expect("UTF-8");
            r = &r[2 + l..];
            s
        };
        keys.push(take());
        take();
    }
    keys
}

/// A raw AES keyring that wraps under an empty context whatever the message's: the data key
/// does not depend on the context, so only the header tag authenticates it.
#[derive(Debug)]
struct ContextBlind(RawAesKeyring);

#[async_trait]
impl Keyring for ContextBlind {
    async fn wrap_data_key(
        &self,
        m: &Materials,
        key: &DataKey,
    ) -> data_masking::Result<Vec<EncryptedDataKey>> {
        let blind = Materials::new(m.suite(), BTreeMap::new());
        self.0.wrap_data_key(&blind, key).await
    }

    async fn unwrap_data_key(
        &self,
        m: &Materials,
        edk: &EncryptedDataKey,
    ) -> data_masking::Result<Option<DataKey>> {
        let blind = Materials::new(m.suite(), BTreeMap::new());
        self.0.unwrap_data_key(&blind, edk).await
    }
}

/// A raw AES keyring that counts its decrypt calls.
#[derive(Debug)]
struct Counting(RawAesKeyring, AtomicUsize);

#[async_trait]
impl Keyring for Counting {
    async fn wrap_data_key(
        &self,
        m: &Materials,
        key: &DataKey,
    ) -> data_masking::Result<Vec<EncryptedDataKey>> {
        self.0.wrap_data_key(m, key).await
    }

    async fn unwrap_data_key(
        &self,
        m: &Materials,
        edk: &EncryptedDataKey,
    ) -> data_masking::Result<Option<DataKey>> {
        self.0.unwrap_data_key(m, edk).await
    }

    async fn on_encrypt(
        &self,
        m: EncryptionMaterials,
    ) -> data_masking::Result<EncryptionMaterials> {
        self.0.on_encrypt(m).await
    }

    async fn on_decrypt(
        &self,
        m: DecryptionMaterials,
        edks: &[EncryptedDataKey],
    ) -> data_masking::Result<DecryptionMaterials> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.on_decrypt(m, edks).await
    }
}

#[test]
fn encrypt_requires_the_keys_and_does_not_store_their_pairs() {
    let rt = rt();
    for suite in [
        AlgorithmSuite::default(),
        AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    ] {
        let e = Encryptor::builder(aes())
            .algorithm_suite(suite)
            .required_context_keys(["tenant", "region"])
            .build()
            .unwrap();
        let full = ctx(&[("tenant", "acme"), ("region", "eu"), ("purpose", "billing")]);
        let m = rt.block_on(e.encrypt(b"secret", &full)).unwrap();
        let mut stored = stored_keys(&m);
        stored.retain(|k| k != "aws-crypto-public-key");
        assert_eq!(stored, ["purpose"], "{suite}");
        assert_eq!(rt.block_on(e.decrypt(&m, &full)).unwrap(), b"secret");

        // Every required key must be in the context, on every way in.
        for lacking in [
            ctx(&[("tenant", "acme")]),
            ctx(&[]),
            ctx(&[("region", "eu")]),
        ] {
            let err = rt.block_on(e.encrypt(b"x", &lacking)).unwrap_err();
            assert_eq!(err.kind(), "invalid-context", "{err}");
            assert!(err.to_string().contains("required keys"), "{err}");
            assert!(!err.to_string().contains("acme"), "{err}");
        }
        let err = rt
            .block_on(
                DataMasking::builder()
                    .encryptor(e.clone())
                    .build()
                    .encrypt(&json!({"a": 1}), &ctx(&[("tenant", "acme")])),
            )
            .unwrap_err();
        assert_eq!(err.kind(), "invalid-context");
    }
}

#[test]
fn only_required_pairs_present_stores_an_empty_context() {
    let rt = rt();
    let e = Encryptor::builder(aes())
        .algorithm_suite(AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY)
        .required_context_keys(["a"])
        .required_context_keys(["b", "a"])
        .build()
        .unwrap();
    let full = ctx(&[("a", "1"), ("b", "2")]);
    let m = rt.block_on(e.encrypt(b"x", &full)).unwrap();
    assert!(stored_keys(&m).is_empty());
    assert_eq!(rt.block_on(e.decrypt(&m, &full)).unwrap(), b"x");
}

#[test]
fn a_reserved_required_key_is_a_configuration_error() {
    let err = Encryptor::builder(aes())
        .required_context_keys(["aws-crypto-public-key"])
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), "config");
}

#[test]
fn decrypt_fails_on_a_missing_wrong_or_extra_reproduced_pair() {
    let rt = rt();
    // With a context-blind keyring only the header tag authenticates the required pairs.
    for blind in [false, true] {
        let keyring: Arc<dyn Keyring> = if blind {
            Arc::new(ContextBlind(aes()))
        } else {
            Arc::new(aes())
        };
        for cached in [true, false] {
            let b = Encryptor::builder_shared(keyring.clone()).required_context_keys(["tenant"]);
            let e = if cached { b } else { b.no_cache() }.build().unwrap();
            let full = ctx(&[("tenant", "acme"), ("purpose", "billing")]);
            let m = rt.block_on(e.encrypt(b"secret", &full)).unwrap();
            let what = format!("blind {blind}, cached {cached}");
            for (bad, kinds) in [
                // The required pair missing, wrong, or with an extra pair.
                (
                    ctx(&[("purpose", "billing")]),
                    &["decrypt-key", "decrypt-value"][..],
                ),
                (
                    ctx(&[("tenant", "other"), ("purpose", "billing")]),
                    &["decrypt-key", "decrypt-value"],
                ),
                (
                    ctx(&[("tenant", "acme"), ("purpose", "billing"), ("x", "1")]),
                    &["decrypt-key", "decrypt-value"],
                ),
                // A stored pair missing or wrong: compared as ever.
                (ctx(&[("tenant", "acme")]), &["context-mismatch"]),
                (
                    ctx(&[("tenant", "acme"), ("purpose", "other")]),
                    &["context-mismatch"],
                ),
            ] {
                let err = rt.block_on(e.decrypt(&m, &bad)).unwrap_err();
                assert!(kinds.contains(&err.kind()), "{what}: {bad}: {err}");
                assert!(!err.to_string().contains("acme"), "{err}");
                // Whatever failed before, the right context still decrypts (the cache kept
                // nothing wrong).
                assert_eq!(rt.block_on(e.decrypt(&m, &full)).unwrap(), b"secret");
            }
            let err = rt
                .block_on(e.decrypt(&m, &ctx(&[("tenant", "other"), ("purpose", "billing")])))
                .unwrap_err();
            assert!(
                err.to_string().contains("required encryption context"),
                "{what}: {err}"
            );
            if blind {
                assert!(
                    err.to_string().contains("header authentication tag"),
                    "{err}"
                );
            }
        }
    }
}

#[test]
fn stored_pairs_keep_the_exact_match_rule() {
    let rt = rt();
    // No required keys: a pair the message lacks is a context mismatch, as before.
    let e = Encryptor::new(aes()).unwrap();
    let stored = ctx(&[("tenant", "acme")]);
    let m = rt.block_on(e.encrypt(b"x", &stored)).unwrap();
    let err = rt
        .block_on(e.decrypt(&m, &ctx(&[("tenant", "acme"), ("extra", "1")])))
        .unwrap_err();
    assert_eq!(err.kind(), "context-mismatch");
    assert!(err.to_string().contains("lacks: extra"), "{err}");
    let err = rt.block_on(e.decrypt(&m, &ctx(&[]))).unwrap_err();
    assert!(err.to_string().contains("not given: tenant"), "{err}");
    let err = rt
        .block_on(e.decrypt(&m, &ctx(&[("tenant", "other")])))
        .unwrap_err();
    assert!(err.to_string().contains("differ: tenant"), "{err}");
}

#[test]
fn any_engine_decrypts_with_the_whole_context() {
    let rt = rt();
    let writer = Encryptor::builder(aes())
        .required_context_keys(["tenant"])
        .build()
        .unwrap();
    let reader = Encryptor::new(aes()).unwrap();
    let full = ctx(&[("tenant", "acme"), ("purpose", "billing")]);
    let m = rt.block_on(writer.encrypt(b"secret", &full)).unwrap();
    assert_eq!(rt.block_on(reader.decrypt(&m, &full)).unwrap(), b"secret");
    // And the other way: a message without required pairs decrypts on the writer.
    let plain = rt.block_on(reader.encrypt(b"y", &full)).unwrap();
    assert_eq!(rt.block_on(writer.decrypt(&plain, &full)).unwrap(), b"y");
    // Through DataMasking, value and fields.
    let masker = DataMasking::builder().encryptor(writer).build();
    let data = json!({"card": "4111", "name": "Jane"});
    let ct = rt.block_on(masker.encrypt(&data, &full)).unwrap();
    assert_eq!(rt.block_on(masker.decrypt(&ct, &full)).unwrap(), data);
    let err = rt
        .block_on(masker.decrypt(&ct, &ctx(&[("purpose", "billing")])))
        .unwrap_err();
    assert_eq!(err.kind(), "decrypt-key");
}

#[test]
fn the_cache_keys_decryption_materials_by_the_reproduced_pairs() {
    let rt = rt();
    let counting = Arc::new(Counting(aes(), AtomicUsize::new(0)));
    let e = Encryptor::builder_shared(counting.clone())
        .required_context_keys(["tenant"])
        .build()
        .unwrap();
    let full = ctx(&[("tenant", "acme")]);
    let m = rt.block_on(e.encrypt(b"x", &full)).unwrap();
    let calls = || counting.1.load(Ordering::SeqCst);
    assert_eq!(rt.block_on(e.decrypt(&m, &full)).unwrap(), b"x");
    assert_eq!(calls(), 1);
    assert_eq!(rt.block_on(e.decrypt(&m, &full)).unwrap(), b"x");
    assert_eq!(calls(), 1, "the second decrypt is a cache hit");
    // Another value is another entry: the keyring is asked again, and refuses.
    assert!(
        rt.block_on(e.decrypt(&m, &ctx(&[("tenant", "evil")])))
            .is_err()
    );
    assert!(calls() > 1);
    let before = calls();
    assert_eq!(rt.block_on(e.decrypt(&m, &full)).unwrap(), b"x");
    assert_eq!(calls(), before, "the right entry is still cached");
}

// ---- The official required-encryption-context vectors -------------------------------------

fn read_vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/vectors/official/vectors_more.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("vectors JSON")
}

fn b64(v: &Value) -> Vec<u8> {
    STANDARD
        .decode(v.as_str().expect("base64"))
        .expect("base64")
}

fn context_of(v: &Value) -> EncryptionContext {
    EncryptionContext::from_json(v).expect("context")
}

fn keyring_of(all: &Value, ids: &Value) -> MultiKeyring {
    let mut keys = ids.as_array().expect("keys").iter().map(|id| {
        let k = &all["meta"]["keys"][id.as_str().expect("id")];
        let (ns, name) = (
            k["namespace"].as_str().expect("namespace"),
            k["name"].as_str().expect("name"),
        );
        let keyring: Arc<dyn Keyring> = if k["type"] == "rsa" {
            let padding: RsaPadding = k["padding"]
                .as_str()
                .expect("padding")
                .parse()
                .expect("a padding");
            let pem = k["private_key_pem"].as_str().expect("private key");
            Arc::new(RawRsaKeyring::from_private_key_pem(ns, name, padding, pem).expect("RSA key"))
        } else {
            Arc::new(RawAesKeyring::new(ns, name, &b64(&k["key"])).expect("AES key"))
        };
        keyring
    });
    let first = keys.next().expect("a key");
    keys.fold(MultiKeyring::new(first), MultiKeyring::with_shared)
}

/// Decrypts through a cached and an uncached engine; `Ok(plaintext)` when both agree.
fn decrypt_both(
    rt: &tokio::runtime::Runtime,
    all: &Value,
    keys: &Value,
    legacy: bool,
    message: &[u8],
    context: &EncryptionContext,
) -> Result<Vec<u8>, Error> {
    let policy = if legacy {
        CommitmentPolicy::RequireEncryptAllowDecrypt
    } else {
        CommitmentPolicy::default()
    };
    let mut results = Vec::new();
    for cached in [true, false] {
        let b = Encryptor::builder(keyring_of(all, keys)).commitment_policy(policy);
        let e = if cached { b } else { b.no_cache() }.build().unwrap();
        results.push(rt.block_on(e.decrypt(message, context)));
    }
    let second = results.pop().unwrap();
    let first = results.pop().unwrap();
    assert_eq!(first.is_ok(), second.is_ok(), "cached and uncached agree");
    first
}

#[test]
fn the_official_required_context_vectors_over_raw_aes_and_rsa_keys() {
    let all = read_vectors();
    let rt = rt();
    let vectors: Vec<&Value> = all["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .filter(|v| v["group"] == "required-ec-aes" || v["group"] == "required-ec-rsa")
        .collect();
    assert_eq!(vectors.len(), 99);
    let mut failures = Vec::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let (mut ok, mut refused) = (0, 0);
    for v in vectors {
        let name = v["name"].as_str().expect("name");
        let message = b64(&v["ciphertext"]);
        let legacy = v["legacy"] == true;
        let context = context_of(&v["context"]);
        let want = if v["expect"] == "ok" {
            ok += 1;
            Some(b64(
                &all["meta"]["plaintexts"][v["plaintext"].as_str().expect("ref")]["b64"]
            ))
        } else {
            refused += 1;
            None
        };
        let got = decrypt_both(&rt, &all, &v["keys"], legacy, &message, &context);
        match (&want, &got) {
            (Some(w), Ok(g)) if w == g => {}
            (None, Err(_)) => {}
            _ => failures.push(format!("{name}: want {}, got {got:?}", want.is_some())),
        }
        if want.is_none() {
            continue;
        }
        // The stored context is what the header holds; the required keys are not in it.
        let stored = stored_keys_any(&message);
        for k in v["required_keys"].as_array().expect("required keys") {
            if stored.iter().any(|s| s == k.as_str().unwrap()) {
                failures.push(format!("{name}: required key {k} is stored"));
            }
        }
        // The maker's own reproduced context: the whole context, or for some Dafny vectors
        // the required pairs only, which the exact-match rule refuses as a context mismatch.
        let reproduced = context_of(&v["reproduced_context"]);
        let r = decrypt_both(&rt, &all, &v["keys"], legacy, &message, &reproduced);
        match r {
            Ok(_) if reproduced == context => {}
            Err(e) if reproduced != context && e.kind() == "context-mismatch" => {}
            other => failures.push(format!("{name} [reproduced_context]: {other:?}")),
        }
        for c in v["checks"].as_array().into_iter().flatten() {
            let kind = c["kind"].as_str().expect("kind");
            *kinds.entry(kind.to_owned()).or_default() += 1;
            let mut m = message.clone();
            for f in c["flip"].as_array().into_iter().flatten() {
                m[usize::try_from(f[0].as_u64().unwrap()).unwrap()] ^=
                    u8::try_from(f[1].as_u64().unwrap()).unwrap();
            }
            let keys = c.get("keys").unwrap_or(&v["keys"]);
            let cx = c.get("context").map_or(context.clone(), context_of);
            let lg = c.get("legacy").map_or(legacy, |l| l == true);
            let r = decrypt_both(&rt, &all, keys, lg, &m, &cx);
            let must = c["expect"] == "ok";
            match (must, &r) {
                (true, Ok(g)) if Some(g) == want.as_ref() => {}
                // With RSA keys the data key does not depend on the context: the header tag
                // is what catches a wrong required value.
                (false, Err(e))
                    if v["group"] == "required-ec-rsa"
                        && kind == "required-wrong-value"
                        && !e.to_string().contains("header authentication tag") =>
                {
                    failures.push(format!("{name} [{kind}]: {e}"));
                }
                (false, Err(_)) => {}
                _ => failures.push(format!("{name} [{kind}]: must decrypt {must}, got {r:?}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!((ok, refused), (93, 6));
    let expected: BTreeMap<String, usize> = [
        ("both-keys", 11),
        ("context-extra", 93),
        ("context-missing-stored", 44),
        ("no-legacy-flag", 75),
        ("other-edk-key", 11),
        ("required-missing", 93),
        ("required-wrong-value", 93),
        ("reversed-keys", 11),
        ("stored-only", 49),
        ("tamper-body", 93),
        ("tamper-header", 93),
        ("tamper-last", 93),
        ("wrong-key", 93),
        ("wrong-padding", 44),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_owned(), n))
    .collect();
    assert_eq!(kinds, expected);
}

/// The stored context keys of a message of either format version.
fn stored_keys_any(message: &[u8]) -> Vec<String> {
    if message[0] == 2 {
        return stored_keys(message);
    }
    // Version 1: version, type, suite, message id (16): shift to the v2 layout's offsets.
    let mut shifted = vec![2, 0, 0];
    shifted.extend_from_slice(&[0; 32]);
    shifted.extend_from_slice(&message[1 + 1 + 2 + 16..]);
    stored_keys(&shifted)
}
