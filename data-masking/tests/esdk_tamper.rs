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
