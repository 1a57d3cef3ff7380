//! The signature-stripping attack: a signed (0x0578) message re-issued as an unsigned (0x0478)
//! one with another body, its header's context (the public key included) and data keys kept. The
//! forger holds the data key, so the commitment and every tag are right; only the rule of
//! framework/default-cmm.md (an unsigned suite with `aws-crypto-public-key` in its stored context
//! is refused) stops it, through every decrypt entry point. The Python ESDK refuses it too.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::keys::RawAesKeyring;
use data_masking::{AlgorithmSuite, DataMasking, EncryptionContext, Encryptor};
use data_masking_tests::forge::{reissue_unsigned, strip_signature};
use serde_json::json;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn keyring() -> RawAesKeyring {
    RawAesKeyring::new("ns", "key", &[4u8; 32]).expect("key")
}

fn ctx() -> EncryptionContext {
    EncryptionContext::new([("tenant", "acme")]).expect("context")
}

/// A signed message of `{"amount": 10}` and a forged unsigned one of `{"amount": 1000000}`.
fn forged() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let e = Encryptor::builder(keyring()).build().expect("encryptor");
    let signed = rt()
        .block_on(e.encrypt(br#"{"amount":10}"#, &ctx()))
        .expect("encrypt");
    let evil = br#"{"amount":1000000}"#;
    let stripped = strip_signature(&signed, &keyring(), evil);
    let control = reissue_unsigned(&signed, &keyring(), evil);
    (signed, stripped, control)
}

#[test]
fn a_signed_message_reissued_unsigned_is_refused_by_every_decrypt() {
    let (signed, stripped, control) = forged();
    // Both the default policy and the suite option of the reader: the unsigned suite is one a
    // reader configured for 0x0478 accepts.
    for suite in [
        AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
        AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    ] {
        for cache in [true, false] {
            let b = Encryptor::builder(keyring()).algorithm_suite(suite);
            let e = if cache { b } else { b.no_cache() }.build().expect("e");
            let rt = rt();
            assert!(
                rt.block_on(e.decrypt(&signed, &ctx())).is_ok(),
                "the original"
            );
            // The control shows the forger's message is well formed: without the public key
            // in its context, the unsigned message decrypts to the forger's body.
            assert_eq!(
                rt.block_on(e.decrypt(&control, &ctx())).expect("control"),
                br#"{"amount":1000000}"#
            );
            let err = rt
                .block_on(e.decrypt(&stripped, &ctx()))
                .expect_err("a stripped signature must be refused");
            assert_eq!(err.kind(), "decrypt-value", "{err}");
            assert!(err.to_string().contains("aws-crypto-public-key"), "{err}");
        }
    }

    let masker = DataMasking::builder().keyring(keyring()).build();
    let rt = rt();
    let b64 = STANDARD.encode(&stripped);
    let err = rt
        .block_on(masker.decrypt(&b64, &ctx()))
        .expect_err("DataMasking::decrypt");
    assert_eq!(err.kind(), "decrypt-value", "{err}");
    let err = rt
        .block_on(masker.decrypt_text(&b64, &ctx()))
        .expect_err("DataMasking::decrypt_text");
    assert_eq!(err.kind(), "decrypt-value", "{err}");
    // A field of a record holding the forged message.
    let record = json!({"payment": b64});
    let err = rt
        .block_on(masker.decrypt_fields(&record, &["payment"], &ctx()))
        .expect_err("DataMasking::decrypt_fields");
    assert_eq!(err.kind(), "decrypt-value", "{err}");
    assert_eq!(
        rt.block_on(masker.decrypt(&STANDARD.encode(&control), &ctx()))
            .expect("control"),
        json!({"amount": 1_000_000})
    );
}

/// The Python ESDK (the oracle) refuses the forgery too, and decrypts the control: the rule is
/// the specification's, not ours.
#[test]
fn the_python_esdk_refuses_the_forgery_and_reads_the_control() {
    let Some(python) = data_masking_tests::python() else {
        return;
    };
    let (_, stripped, control) = forged();
    let key = json!({"namespace": "ns", "name": "key", "key": STANDARD.encode([4u8; 32])});
    let cases = json!([
        {"op": "decrypt", "keys": [key], "ciphertext_b64": STANDARD.encode(&stripped)},
        {"op": "decrypt", "keys": [key], "ciphertext_b64": STANDARD.encode(&control)},
    ]);
    let out = data_masking_tests::run_python_json(
        &python,
        &data_masking_tests::py_script("esdk_oracle.py"),
        &cases,
    );
    assert!(
        out[0]["error"].is_string(),
        "Python decrypted the forgery: {out}"
    );
    assert_eq!(
        out[1]["ok"]["plaintext_b64"],
        json!(STANDARD.encode(br#"{"amount":1000000}"#)),
        "{out}"
    );
}
