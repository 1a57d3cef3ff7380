//! Tampered, truncated, extended and random messages are refused with an error, never a panic,
//! and nothing of the plaintext comes back.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::keys::RawAesKeyring;
use data_masking::{AlgorithmSuite, CommitmentPolicy, EncryptionContext, Encryptor};
use proptest::prelude::*;
use serde_json::Value;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn keyring() -> RawAesKeyring {
    RawAesKeyring::new("ns", "key", &[4u8; 32]).expect("key")
}

fn encryptor(suite: u16, frame: u32) -> Encryptor {
    Encryptor::builder(keyring())
        .algorithm_suite(AlgorithmSuite::from_id(suite).expect("suite"))
        .frame_length(frame)
        .commitment_policy(CommitmentPolicy::RequireEncryptAllowDecrypt)
        .build()
        .expect("encryptor")
}

fn ctx() -> EncryptionContext {
    EncryptionContext::new([("tenant", "acme")]).expect("context")
}

/// Every single-byte change of `msg` (three different flips at each position), every
/// truncation and one extra byte are refused.
fn assert_every_change_refused(e: &Encryptor, msg: &[u8], ctx: &EncryptionContext, name: &str) {
    let rt = rt();
    assert!(rt.block_on(e.decrypt(msg, ctx)).is_ok(), "{name}: intact");
    for i in 0..msg.len() {
        for flip in [0x01u8, 0x80, 0xFF] {
            let mut bad = msg.to_vec();
            bad[i] ^= flip;
            let r = rt.block_on(e.decrypt(&bad, ctx));
            assert!(r.is_err(), "{name}: byte {i} ^ {flip:#04x} accepted");
        }
    }
    for n in 0..msg.len() {
        let r = rt.block_on(e.decrypt(&msg[..n], ctx));
        let err = r.expect_err(&format!("{name}: truncated to {n}"));
        assert!(
            matches!(
                err.kind(),
                "decrypt-value" | "decrypt-key" | "context-mismatch"
            ),
            "{name}: {n}: {err}"
        );
    }
    let mut longer = msg.to_vec();
    longer.push(0);
    let err = rt.block_on(e.decrypt(&longer, ctx)).expect_err(name);
    assert_eq!(err.kind(), "decrypt-value", "{name}: {err}");
}

#[test]
fn every_byte_of_our_messages_is_protected() {
    let rt = rt();
    for (suite, frame, len) in [
        (0x0578u16, 4096u32, 20usize),
        (0x0478, 4096, 20),
        (0x0478, 8, 20),
        (0x0578, 8, 16),
    ] {
        let e = encryptor(suite, frame);
        let plaintext: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let msg = rt.block_on(e.encrypt(&plaintext, &ctx())).expect("encrypt");
        assert_every_change_refused(
            &e,
            &msg,
            &ctx(),
            &format!("0x{suite:04X} frame {frame} len {len}"),
        );
    }
}

#[test]
fn every_byte_of_python_messages_is_protected() {
    // One non-framed and one framed legacy message, and a signed v2 one, all made by Python.
    let all: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/esdk_python_suites.json"
        ))
        .expect("vectors"),
    )
    .expect("JSON");
    let key = STANDARD
        .decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
        .expect("key");
    let e =
        Encryptor::builder(RawAesKeyring::new("data-masking-test", "key-a", &key).expect("key"))
            .commitment_policy(CommitmentPolicy::RequireEncryptAllowDecrypt)
            .build()
            .expect("encryptor");
    let ctx = EncryptionContext::new([("tenant_id", "acme"), ("purpose", "test")]).expect("ctx");
    let list = all["vectors"].as_array().expect("vectors");
    for (suite, frame) in [("0x0378", 0), ("0x0178", 128), ("0x0214", 0), ("0x0578", 0)] {
        let v = list
            .iter()
            .find(|v| v["suite"] == suite && v["frame_length"] == frame)
            .expect("vector");
        let msg = STANDARD
            .decode(v["ciphertext"].as_str().expect("ciphertext"))
            .expect("base64");
        assert_every_change_refused(&e, &msg, &ctx, &format!("python {suite} frame {frame}"));
    }
}

#[test]
fn legacy_messages_are_refused_by_the_default_policy_before_any_key_is_used() {
    let all: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/esdk_python_suites.json"
        ))
        .expect("vectors"),
    )
    .expect("JSON");
    // A keyring that does not even hold the key: the refusal comes from the policy.
    let e = Encryptor::new(keyring()).expect("encryptor");
    let ctx = EncryptionContext::new([("tenant_id", "acme"), ("purpose", "test")]).expect("ctx");
    let rt = rt();
    for v in all["vectors"].as_array().expect("vectors") {
        let suite = AlgorithmSuite::parse(v["suite"].as_str().expect("suite")).expect("suite");
        if suite.is_committing() {
            continue;
        }
        let msg = STANDARD
            .decode(v["ciphertext"].as_str().expect("ciphertext"))
            .expect("base64");
        let err = rt.block_on(e.decrypt(&msg, &ctx)).expect_err("legacy");
        assert_eq!(err.kind(), "decrypt-value");
        assert!(err.to_string().contains("commitment"), "{err}");
    }
}

/// Writes a v2 header of suite 0x0478 claiming `edks` encrypted data keys and nothing more.
fn header_claiming(edks: u16, aad_len: u16) -> Vec<u8> {
    let mut m = vec![0x02, 0x04, 0x78];
    m.extend_from_slice(&[0u8; 32]);
    m.extend_from_slice(&aad_len.to_be_bytes());
    m.extend_from_slice(&edks.to_be_bytes());
    m
}

#[test]
fn absurd_lengths_are_refused_without_reading_or_allocating_past_the_input() {
    let rt = rt();
    let e = Encryptor::new(keyring()).expect("encryptor");
    let ctx = EncryptionContext::empty();
    // A context length, a key count and key lengths far beyond the bytes present.
    for msg in [
        header_claiming(0, u16::MAX),
        header_claiming(u16::MAX, 0),
        {
            let mut m = header_claiming(1, 0);
            m.extend_from_slice(&u16::MAX.to_be_bytes());
            m
        },
        {
            let mut m = header_claiming(u16::MAX, 0);
            // 65535 minimal data keys would need 6 bytes each; give only a few.
            m.extend_from_slice(&[0u8; 60]);
            m
        },
    ] {
        let err = rt.block_on(e.decrypt(&msg, &ctx)).expect_err("absurd");
        assert_eq!(err.kind(), "decrypt-value", "{err}");
    }
    // A message with no data key at all.
    let mut m = header_claiming(0, 0);
    m.extend_from_slice(&[0u8; 100]);
    assert!(rt.block_on(e.decrypt(&m, &ctx)).is_err());
    // Unknown versions, types and suites.
    for prefix in [
        &[0x03u8, 0x04, 0x78][..],
        &[0x01, 0x81, 0x00, 0x78],
        &[0x02, 0x05, 0x79],
        &[0x02, 0x01, 0x78],
        &[0x01, 0x80, 0x04, 0x78],
    ] {
        let mut m = prefix.to_vec();
        m.extend_from_slice(&[0u8; 200]);
        let err = rt.block_on(e.decrypt(&m, &ctx)).expect_err("bad prefix");
        assert_eq!(err.kind(), "decrypt-value", "{err}");
    }
}

#[test]
fn a_capped_number_of_data_keys_is_enforced_before_they_are_read() {
    let rt = rt();
    let e = Encryptor::builder(keyring())
        .max_encrypted_data_keys(3)
        .build()
        .expect("encryptor");
    let err = rt
        .block_on(e.decrypt(&header_claiming(4, 0), &EncryptionContext::empty()))
        .expect_err("too many");
    assert!(err.to_string().contains("more than the 3 allowed"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let e = Encryptor::new(keyring()).expect("encryptor");
        prop_assert!(rt().block_on(e.decrypt(&bytes, &EncryptionContext::empty())).is_err());
    }

    #[test]
    fn random_edits_of_a_valid_message_are_refused(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
        cut in any::<Option<prop::sample::Index>>(),
        signed in any::<bool>(),
    ) {
        let rt = rt();
        let e = encryptor(if signed { 0x0578 } else { 0x0478 }, 16);
        let msg = rt.block_on(e.encrypt(b"a small secret of 40 bytes, in 3 frames", &ctx())).expect("encrypt");
        let mut bad = msg.clone();
        for (at, x) in &edits {
            let i = at.index(bad.len());
            bad[i] ^= x;
        }
        if let Some(cut) = cut {
            bad.truncate(cut.index(bad.len()));
        }
        prop_assume!(bad != msg);
        prop_assert!(rt.block_on(e.decrypt(&bad, &ctx())).is_err());
    }
}

// ---- The same guarantees through the public DataMasking API ----

mod through_data_masking {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use data_masking::keys::{MultiKeyring, RawAesKeyring};
    use data_masking::{
        AlgorithmSuite, CommitmentPolicy, DataMasking, EncryptionContext, Encryptor,
    };
    use serde_json::{Value, json};

    use super::rt;

    /// The secret of the small messages: found in no error text, never returned.
    const SECRET: &str = "s3cr3t-pl41nt3xt";

    fn key(name: &str, byte: u8) -> RawAesKeyring {
        RawAesKeyring::new("ns", name, &[byte; 32]).expect("key")
    }

    fn masker(suite: u16, policy: CommitmentPolicy) -> DataMasking {
        DataMasking::builder()
            .encryptor(
                Encryptor::builder(key("key", 9))
                    .algorithm_suite(AlgorithmSuite::from_id(suite).expect("suite"))
                    .frame_length(16)
                    .commitment_policy(policy)
                    .build()
                    .expect("masker"),
            )
            .build()
    }

    fn ctx() -> EncryptionContext {
        EncryptionContext::new([("tenant", "acme"), ("purpose", "tamper")]).expect("context")
    }

    /// A small message: the JSON text `{"secret":"s3cr3t-pl41nt3xt"}` (31 bytes, 2 frames of
    /// 16 bytes, the second the final one).
    fn small_message(m: &DataMasking) -> Vec<u8> {
        let value = rt()
            .block_on(m.encrypt(&json!({ "secret": SECRET }), &ctx()))
            .expect("encrypt");
        STANDARD.decode(value).expect("base64")
    }

    fn assert_refused(
        m: &DataMasking,
        bad: &[u8],
        rt: &tokio::runtime::Runtime,
        what: &dyn std::fmt::Display,
    ) {
        // Both entry points: raw bytes and the base64 text of them.
        let err = match rt.block_on(m.decrypt_bytes(bad, &ctx())) {
            Ok(p) => panic!("{what}: decrypted to {} bytes", p.len()),
            Err(e) => e,
        };
        assert!(
            matches!(
                err.kind(),
                "decrypt-value" | "decrypt-key" | "context-mismatch"
            ),
            "{what}: {err}"
        );
        let text = err.to_string();
        assert!(
            !text.contains(SECRET) && !text.contains("s3cr3t"),
            "{what}: {text}"
        );
        let err = rt
            .block_on(m.decrypt(&STANDARD.encode(bad), &ctx()))
            .expect_err("refused as base64 too");
        assert!(!err.to_string().contains(SECRET), "{what}: {err}");
    }

    #[test]
    fn every_flipped_byte_and_every_truncation_is_refused_for_each_suite() {
        let rt = rt();
        for suite in [0x0578u16, 0x0478] {
            for policy in [
                CommitmentPolicy::RequireEncryptRequireDecrypt,
                CommitmentPolicy::RequireEncryptAllowDecrypt,
            ] {
                let m = masker(suite, policy);
                let msg = small_message(&m);
                let back = rt.block_on(m.decrypt_bytes(&msg, &ctx())).expect("intact");
                assert_eq!(&back[..], format!("{{\"secret\":\"{SECRET}\"}}").as_bytes());
                for i in 0..msg.len() {
                    let mut bad = msg.clone();
                    bad[i] ^= 0x01;
                    assert_refused(&m, &bad, &rt, &format_args!("0x{suite:04X} byte {i}"));
                }
                for n in 0..msg.len() {
                    assert_refused(
                        &m,
                        &msg[..n],
                        &rt,
                        &format_args!("0x{suite:04X} cut to {n} of {}", msg.len()),
                    );
                }
            }
        }
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let rt = rt();
        for suite in [0x0578u16, 0x0478] {
            let m = masker(suite, CommitmentPolicy::default());
            let msg = small_message(&m);
            let mut twice = msg.clone();
            twice.extend_from_slice(&msg);
            for tail in [&[0u8][..], &[0xFF; 7], &msg] {
                let mut longer = msg.clone();
                longer.extend_from_slice(tail);
                let err = rt
                    .block_on(m.decrypt_bytes(&longer, &ctx()))
                    .expect_err("trailing bytes");
                assert_eq!(err.kind(), "decrypt-value", "0x{suite:04X}: {err}");
            }
            assert_eq!(
                rt.block_on(m.decrypt_bytes(&twice, &ctx()))
                    .expect_err("two messages")
                    .kind(),
                "decrypt-value"
            );
        }
    }

    #[test]
    fn more_encrypted_data_keys_than_allowed_are_refused() {
        let rt = rt();
        // A real message carrying three encrypted data keys.
        let three = MultiKeyring::new(key("a", 1))
            .with(key("b", 2))
            .with(key("c", 3));
        let writer = DataMasking::builder()
            .encryptor(
                Encryptor::builder(three)
                    .algorithm_suite(AlgorithmSuite::from_id(0x0478).expect("suite"))
                    .build()
                    .expect("masker"),
            )
            .build();
        let ct = rt
            .block_on(writer.encrypt(&json!("x"), &ctx()))
            .expect("encrypt");
        for (max, ok) in [(1u16, false), (2, false), (3, true), (4, true)] {
            // The reader holds the last key, so a refusal is the cap, not a missing key.
            let reader = DataMasking::builder()
                .encryptor(
                    Encryptor::builder(key("c", 3))
                        .max_encrypted_data_keys(max)
                        .build()
                        .expect("masker"),
                )
                .build();
            let r = rt.block_on(reader.decrypt(&ct, &ctx()));
            if ok {
                assert_eq!(r.expect("within the cap"), json!("x"));
            } else {
                let err = r.expect_err("over the cap");
                assert_eq!(err.kind(), "decrypt-value", "max {max}: {err}");
                assert!(err.to_string().contains("data keys"), "max {max}: {err}");
            }
        }
        // The writer enforces the cap too.
        let capped = DataMasking::builder()
            .encryptor(
                Encryptor::builder(
                    MultiKeyring::new(key("a", 1))
                        .with(key("b", 2))
                        .with(key("c", 3)),
                )
                .max_encrypted_data_keys(2)
                .build()
                .expect("masker"),
            )
            .build();
        assert!(rt.block_on(capped.encrypt(&json!("x"), &ctx())).is_err());
    }

    #[test]
    fn the_shared_legacy_0178_vector_needs_a_policy_that_allows_it() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/data/vectors/esdk_raw_aes.json"
        );
        let all: Value = serde_json::from_str(
            &std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}")),
        )
        .expect("JSON");
        let v = all["vectors"]
            .as_array()
            .expect("vectors")
            .iter()
            .find(|v| v["name"] == "legacy0178_string_tenant")
            .expect("the legacy vector");
        assert_eq!(v["suite"], "0x0178");
        let meta = &all["meta"];
        let key_bytes = STANDARD
            .decode(meta["keys"]["key-a"].as_str().expect("key"))
            .expect("base64");
        let keyring = || {
            RawAesKeyring::new(
                meta["key_namespace"].as_str().expect("namespace"),
                "key-a",
                &key_bytes,
            )
            .expect("key")
        };
        let ctx = EncryptionContext::from_json(&v["encryption_context"]).expect("context");
        let ct = v["ciphertext"].as_str().expect("ciphertext");
        let rt = rt();

        let strict = DataMasking::builder().keyring(keyring()).build();
        let err = rt
            .block_on(strict.decrypt(ct, &ctx))
            .expect_err("legacy under the default policy");
        assert_eq!(err.kind(), "decrypt-value", "{err}");
        assert!(err.to_string().contains("commitment"), "{err}");

        let lenient = DataMasking::builder()
            .encryptor(
                Encryptor::builder(keyring())
                    .commitment_policy(CommitmentPolicy::RequireEncryptAllowDecrypt)
                    .build()
                    .expect("masker"),
            )
            .build();
        let plaintext: Value =
            serde_json::from_str(v["plaintext"].as_str().expect("plaintext")).expect("JSON");
        assert_eq!(
            rt.block_on(lenient.decrypt(ct, &ctx)).expect("allowed"),
            plaintext
        );
        // Legacy messages are never written, whatever the policy.
        let legacy = Encryptor::builder(keyring())
            .algorithm_suite(AlgorithmSuite::from_id(0x0178).expect("suite"))
            .commitment_policy(CommitmentPolicy::RequireEncryptAllowDecrypt)
            .build();
        assert_eq!(legacy.expect_err("no legacy encrypt").kind(), "config");
    }
}
