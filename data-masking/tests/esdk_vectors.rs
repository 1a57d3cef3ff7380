//! Messages made by the Python ESDK decrypt here, and ours round-trip.
//!
//! * every message of `tests/data/vectors/esdk_raw_aes.json` (raw AES keyring): positive ones decrypt
//!   to their plaintext, negative ones fail with the right error;
//! * `tests/data/esdk_python_suites.json`: one message per AES-GCM suite, non-framed and framed,
//!   made by the Python ESDK 4.0.7; the legacy suites only under a policy that allows them;
//! * a property test: arbitrary bytes under an arbitrary context, both suites, several frame
//!   lengths, encrypt then decrypt gives the bytes back.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::keys::{MultiKeyring, RawAesKeyring};
use data_masking::{AlgorithmSuite, CommitmentPolicy, EncryptionContext, Encryptor, Error, Result};
use proptest::prelude::*;
use serde_json::Value;

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("vectors are JSON")
}

fn shared_vectors() -> Value {
    read_json(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/vectors/esdk_raw_aes.json"
    ))
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn keyring(meta: &Value, name: &str) -> RawAesKeyring {
    let ns = meta["key_namespace"].as_str().expect("namespace");
    let key = STANDARD
        .decode(meta["keys"][name].as_str().expect("key"))
        .expect("base64 key");
    RawAesKeyring::new(ns, name, &key).expect("keyring")
}

fn encryptor(meta: &Value, names: &[&str], policy: CommitmentPolicy) -> Encryptor {
    let mut multi = MultiKeyring::new(keyring(meta, names[0]));
    for n in &names[1..] {
        multi = multi.with(keyring(meta, n));
    }
    Encryptor::builder(multi)
        .commitment_policy(policy)
        .build()
        .expect("encryptor")
}

fn context(v: &Value) -> EncryptionContext {
    let map = v.as_object().expect("context object");
    EncryptionContext::new(
        map.iter()
            .map(|(k, v)| (k.clone(), v.as_str().expect("string").to_owned())),
    )
    .expect("context")
}

fn run(v: &Value, meta: &Value, policy: CommitmentPolicy) -> Result<Vec<u8>> {
    let names: Vec<&str> = v["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let e = encryptor(meta, &names, policy);
    let ctx = context(&v["encryption_context"]);
    let ct = v["ciphertext"].as_str().expect("ciphertext");
    let bytes = STANDARD
        .decode(ct)
        .map_err(|_| Error::DecryptValue("not base64".into()))?;
    rt().block_on(e.decrypt(&bytes, &ctx))
}

#[test]
fn every_shared_vector() {
    let all = shared_vectors();
    let meta = &all["meta"];
    let list = all["vectors"].as_array().expect("vectors");
    assert!(list.len() >= 17);
    for v in list {
        let name = v["name"].as_str().expect("name");
        let expect = v["expect"].as_str().expect("expect");
        let plaintext = v["plaintext"].as_str().unwrap_or_default();
        match expect {
            "ok" => {
                let policy = if v["commitment_policy_needed"] == "allow-legacy-decrypt" {
                    CommitmentPolicy::RequireEncryptAllowDecrypt
                } else {
                    CommitmentPolicy::RequireEncryptRequireDecrypt
                };
                let out = run(v, meta, policy).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(String::from_utf8(out).expect("UTF-8"), plaintext, "{name}");
            }
            "error" => {
                let e = run(v, meta, CommitmentPolicy::RequireEncryptAllowDecrypt).expect_err(name);
                assert!(
                    matches!(e.kind(), "decrypt-value" | "decrypt-key"),
                    "{name}: {e}"
                );
                if name.contains("wrong_key") {
                    assert_eq!(e.kind(), "decrypt-key", "{name}");
                }
            }
            "context-mismatch" => {
                let e = run(v, meta, CommitmentPolicy::default()).expect_err(name);
                assert_eq!(e.kind(), "context-mismatch", "{name}: {e}");
                // Names keys, never values (the message holds tenant_id=acme).
                let text = e.to_string();
                assert!(text.contains("tenant_id"), "{name}: {e}");
                assert!(
                    !text.contains("acme") && !text.contains("other"),
                    "{name}: {e}"
                );
            }
            "error-under-require-policy" => {
                let e = run(v, meta, CommitmentPolicy::default()).expect_err(name);
                assert_eq!(e.kind(), "decrypt-value", "{name}: {e}");
                assert!(e.to_string().contains("commitment"), "{name}: {e}");
                let ok = run(v, meta, CommitmentPolicy::RequireEncryptAllowDecrypt)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(String::from_utf8(ok).expect("UTF-8"), plaintext, "{name}");
            }
            "either" => {
                let _ = run(v, meta, CommitmentPolicy::RequireEncryptAllowDecrypt);
            }
            other => panic!("{name}: unknown expectation {other}"),
        }
    }
}

#[test]
fn every_suite_framed_and_not_from_python() {
    let shared = shared_vectors();
    let meta = &shared["meta"];
    let all = read_json(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/esdk_python_suites.json"
    ));
    let list = all["vectors"].as_array().expect("vectors");
    assert_eq!(list.len(), 33, "11 suites, 3 messages each");
    let strict = encryptor(meta, &["key-a"], CommitmentPolicy::default());
    let lenient = encryptor(
        meta,
        &["key-a"],
        CommitmentPolicy::RequireEncryptAllowDecrypt,
    );
    let rt = rt();
    for v in list {
        let suite = v["suite"].as_str().expect("suite");
        let frame = v["frame_length"].as_u64().expect("frame length");
        let name = format!("{suite} frame {frame}");
        let suite = AlgorithmSuite::parse(suite).expect("suite");
        let ctx = context(&v["context"]);
        let msg = STANDARD
            .decode(v["ciphertext"].as_str().expect("ciphertext"))
            .expect("base64");
        assert_eq!(
            u16::from_be_bytes([
                msg[1 + usize::from(msg[0] == 1)],
                msg[2 + usize::from(msg[0] == 1)]
            ]),
            suite.id(),
            "{name}"
        );
        let out = rt
            .block_on(lenient.decrypt(&msg, &ctx))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            std::str::from_utf8(&out).expect("UTF-8"),
            v["plaintext"].as_str().expect("plaintext"),
            "{name}"
        );
        let strict_result = rt.block_on(strict.decrypt(&msg, &ctx));
        if suite.is_committing() {
            assert!(strict_result.is_ok(), "{name}");
        } else {
            let e = strict_result.expect_err(&name);
            assert_eq!(e.kind(), "decrypt-value", "{name}");
        }
        // The same message under a different context is refused, whatever the suite.
        let other =
            EncryptionContext::new([("tenant_id", "other"), ("purpose", "test")]).expect("context");
        let e = rt.block_on(lenient.decrypt(&msg, &other)).expect_err(&name);
        assert_eq!(e.kind(), "context-mismatch", "{name}");
    }
}

#[test]
fn our_messages_have_the_python_layout() {
    let rt = rt();
    let ctx = EncryptionContext::new([("tenant_id", "acme")]).expect("context");
    for suite in [0x0578u16, 0x0478] {
        let e = Encryptor::builder(RawAesKeyring::new("ns", "k", &[5u8; 32]).expect("key"))
            .algorithm_suite(AlgorithmSuite::from_id(suite).expect("suite"))
            .frame_length(128)
            .build()
            .expect("encryptor");
        let msg = rt.block_on(e.encrypt(&[7u8; 300], &ctx)).expect("encrypt");
        assert_eq!(msg[0], 2, "version");
        assert_eq!(u16::from_be_bytes([msg[1], msg[2]]), suite);
        // The stored context (after the 32-byte message id) holds the public key for 0x0578.
        let aad_len = usize::from(u16::from_be_bytes([msg[35], msg[36]]));
        let aad = &msg[37..37 + aad_len];
        let has_key = aad
            .windows(b"aws-crypto-public-key".len())
            .any(|w| w == b"aws-crypto-public-key");
        assert_eq!(has_key, suite == 0x0578);
        // 300 bytes in frames of 128: frames 1 and 2, then a final frame 3 of 44 bytes whose
        // IV is 8 zero bytes and the sequence number.
        let marker = 0xFFFF_FFFFu32.to_be_bytes();
        let final_at = msg
            .windows(4)
            .rposition(|w| w == marker)
            .expect("final frame marker");
        assert_eq!(&msg[final_at + 4..final_at + 8], &3u32.to_be_bytes());
        assert_eq!(&msg[final_at + 8..final_at + 16], &[0u8; 8]);
        assert_eq!(&msg[final_at + 16..final_at + 20], &3u32.to_be_bytes());
        assert_eq!(&msg[final_at + 20..final_at + 24], &44u32.to_be_bytes());
    }
}

#[test]
fn exact_multiples_of_the_frame_length_end_with_an_empty_frame() {
    let rt = rt();
    let e = Encryptor::builder(RawAesKeyring::new("ns", "k", &[5u8; 32]).expect("key"))
        .algorithm_suite(AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY)
        .frame_length(128)
        .build()
        .expect("encryptor");
    let ctx = EncryptionContext::empty();
    let sizes = [0usize, 128, 256];
    let lens: Vec<usize> = sizes
        .iter()
        .map(|&n| {
            rt.block_on(e.encrypt(&vec![1u8; n], &ctx))
                .expect("encrypt")
                .len()
        })
        .collect();
    // Each full frame adds seq + IV + content + tag; the final (empty) frame is always there.
    assert_eq!(lens[1] - lens[0], 4 + 12 + 128 + 16);
    assert_eq!(lens[2] - lens[1], 4 + 12 + 128 + 16);
    for n in sizes {
        let msg = rt
            .block_on(e.encrypt(&vec![1u8; n], &ctx))
            .expect("encrypt");
        let tail = &msg[msg.len() - 16 - 4 - 12 - 4 - 4..];
        assert_eq!(&tail[..4], &0xFFFF_FFFFu32.to_be_bytes(), "{n}");
        assert_eq!(&tail[20..24], &[0, 0, 0, 0], "{n}: empty final frame");
        assert_eq!(
            rt.block_on(e.decrypt(&msg, &ctx)).expect("decrypt").len(),
            n
        );
    }
}

#[test]
fn multi_keyring_messages_decrypt_with_any_of_its_keys() {
    let rt = rt();
    let a = || RawAesKeyring::new("ns", "a", &[1u8; 32]).expect("key");
    let b = || RawAesKeyring::new("ns", "b", &[2u8; 32]).expect("key");
    let both = Encryptor::new(MultiKeyring::new(a()).with(b())).expect("encryptor");
    let ctx = EncryptionContext::new([("k", "v")]).expect("context");
    let msg = rt.block_on(both.encrypt(b"shared", &ctx)).expect("encrypt");
    for only in [Encryptor::new(a()), Encryptor::new(b())] {
        let only = only.expect("encryptor");
        assert_eq!(
            &rt.block_on(only.decrypt(&msg, &ctx)).expect("decrypt")[..],
            b"shared"
        );
    }
    let stranger =
        Encryptor::new(RawAesKeyring::new("ns", "c", &[3u8; 32]).expect("key")).expect("encryptor");
    let e = rt
        .block_on(stranger.decrypt(&msg, &ctx))
        .expect_err("no key");
    assert_eq!(e.kind(), "decrypt-key");
    // Two encrypted data keys are over a limit of one, on decrypt and on encrypt.
    let capped = Encryptor::builder(a())
        .max_encrypted_data_keys(1)
        .build()
        .expect("encryptor");
    let e = rt
        .block_on(capped.decrypt(&msg, &ctx))
        .expect_err("too many keys");
    assert_eq!(e.kind(), "decrypt-value");
    let capped_multi = Encryptor::builder(MultiKeyring::new(a()).with(b()))
        .max_encrypted_data_keys(1)
        .build()
        .expect("encryptor");
    let e = rt
        .block_on(capped_multi.encrypt(b"x", &ctx))
        .expect_err("too many keys");
    assert_eq!(e.kind(), "encrypt-key");
}

fn arb_context() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::btree_map("\\PC{0,12}", "\\PC{0,20}", 0..5).prop_map(|m| {
        m.into_iter()
            .filter(|(k, _)| k != "aws-crypto-public-key")
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn round_trip(
        plaintext in proptest::collection::vec(any::<u8>(), 0..2000),
        pairs in arb_context(),
        signed in any::<bool>(),
        frame in prop_oneof![Just(1u32), Just(128), Just(4096), 1u32..600],
    ) {
        let suite = if signed { 0x0578 } else { 0x0478 };
        let e = Encryptor::builder(RawAesKeyring::new("ns", "k", &[9u8; 32]).expect("key"))
            .algorithm_suite(AlgorithmSuite::from_id(suite).expect("suite"))
            .frame_length(frame)
            .build()
            .expect("encryptor");
        let ctx = EncryptionContext::new(pairs.clone()).expect("context");
        let rt = rt();
        let msg = rt.block_on(e.encrypt(&plaintext, &ctx)).expect("encrypt");
        let back = rt.block_on(e.decrypt(&msg, &ctx)).expect("decrypt");
        prop_assert_eq!(&back[..], &plaintext[..]);
        // A fresh encryptor (empty cache) decrypts it too.
        let fresh = Encryptor::new(RawAesKeyring::new("ns", "k", &[9u8; 32]).expect("key"))
            .expect("encryptor");
        let back = rt.block_on(fresh.decrypt(&msg, &ctx)).expect("decrypt");
        prop_assert_eq!(&back[..], &plaintext[..]);
        if !pairs.is_empty() {
            let e = rt.block_on(fresh.decrypt(&msg, &EncryptionContext::empty())).expect_err("mismatch");
            prop_assert_eq!(e.kind(), "context-mismatch");
        }
    }
}
