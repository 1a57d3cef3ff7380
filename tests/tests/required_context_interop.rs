//! Interop of required encryption context (pairs authenticated but not stored) with the Python
//! AWS Encryption SDK 4.0.7 and the AWS Cryptographic Material Providers library (its raw AES
//! keyring, default CMM and required-encryption-context CMM), through the oracle
//! `tests/py/required_context_oracle.py`.
//!
//! * Rust encrypts with `required_context_keys` (suites 0x0578 and 0x0478; one required key,
//!   two, and every key) and Python decrypts with the whole context, through the default CMM and
//!   through the required-encryption-context CMM; Python refuses a missing or wrong required pair
//!   and an extra pair.
//! * Python encrypts through the required-encryption-context CMM and Rust decrypts with the whole
//!   context, with and without the option; Rust refuses a missing, wrong or extra pair.
//! * Both store the same pairs (the context less the required keys).
//!
//! Without `DATA_MASKING_PYTHON` each test prints a note and returns.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::keys::RawAesKeyring;
use data_masking::{AlgorithmSuite, EncryptionContext, Encryptor};
use data_masking_tests::{py_script, python, run_python_json};
use serde_json::{Value, json};

const NAMESPACE: &str = "data-masking-interop";
const NAME: &str = "key-a";
const KEY: [u8; 32] = *b"0123456789abcdef0123456789abcdef";
const PLAINTEXT: &[u8] = b"4111 1111 1111 1111, and enough bytes for two frames of 32 bytes.";

fn key_json() -> Value {
    json!({"namespace": NAMESPACE, "name": NAME, "key": STANDARD.encode(KEY)})
}

fn full() -> Value {
    json!({"tenant": "acme", "region": "eu-west-1", "Purpose": "interop ✓"})
}

fn context(v: &Value) -> EncryptionContext {
    EncryptionContext::from_json(v).expect("context")
}

/// `full()` with `key` set to `value`, or removed for `None`.
fn with(key: &str, value: Option<&str>) -> Value {
    let mut c = full();
    let m = c.as_object_mut().expect("object");
    match value {
        Some(v) => m.insert(key.to_owned(), json!(v)),
        None => m.remove(key),
    };
    c
}

/// The required key sets of the tests: one, two, every key of `full()`.
fn required_sets() -> Vec<Vec<&'static str>> {
    vec![
        vec!["tenant"],
        vec!["tenant", "region"],
        vec!["tenant", "region", "Purpose"],
    ]
}

fn stored_of(required: &[&str]) -> Value {
    let mut c = full();
    c.as_object_mut()
        .expect("object")
        .retain(|k, _| !required.contains(&k.as_str()));
    c
}

fn encryptor(suite: u16, required: &[&str]) -> Encryptor {
    Encryptor::builder(RawAesKeyring::new(NAMESPACE, NAME, &KEY).expect("key"))
        .algorithm_suite(AlgorithmSuite::from_id(suite).expect("suite"))
        .frame_length(32)
        .required_context_keys(required.iter().copied())
        .build()
        .expect("encryptor")
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

#[test]
fn python_decrypts_what_rust_encrypts_with_required_keys() {
    let Some(py) = python() else { return };
    let rt = rt();
    let mut cases = Vec::new();
    // (what, must decrypt)
    let mut expect = Vec::new();
    for suite in [0x0578, 0x0478] {
        for required in required_sets() {
            let e = encryptor(suite, &required);
            let m = rt
                .block_on(e.encrypt(PLAINTEXT, &context(&full())))
                .expect("encrypt");
            let m64 = STANDARD.encode(&m);
            let what = format!("{suite:#06x} {required:?}");
            let stored = stored_of(&required);
            let mut add = |label: &str, ctx: Value, cmm_keys: Option<&Vec<&str>>, ok: bool| {
                let mut case = json!({"op": "decrypt", "key": key_json(), "ciphertext_b64": m64,
                                      "context": ctx});
                if let Some(k) = cmm_keys {
                    case["required_keys"] = json!(k);
                }
                cases.push(case);
                expect.push((format!("{what} {label}"), ok, stored.clone()));
            };
            add("default CMM, whole context", full(), None, true);
            add("required CMM, whole context", full(), Some(&required), true);
            add("required pair missing", with("tenant", None), None, false);
            add(
                "required pair wrong",
                with("tenant", Some("evil")),
                None,
                false,
            );
            add("extra pair", with("extra", Some("1")), None, false);
            add(
                "required CMM, required pair missing",
                with("tenant", None),
                Some(&required),
                false,
            );
        }
    }
    let results = run_python_json(&py, &py_script("required_context_oracle.py"), &json!(cases));
    let results = results.as_array().expect("a list");
    assert_eq!(results.len(), expect.len());
    let mut failures = Vec::new();
    for (r, (what, ok, stored)) in results.iter().zip(expect) {
        match (ok, r.get("ok")) {
            (true, Some(got)) => {
                let pt = STANDARD
                    .decode(got["plaintext_b64"].as_str().expect("b64"))
                    .expect("b64");
                if pt != PLAINTEXT || got["stored_context"] != stored {
                    failures.push(format!("{what}: {got}"));
                }
            }
            (false, None) => {}
            _ => failures.push(format!("{what}: must decrypt {ok}, got {r}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rust_decrypts_what_python_encrypts_with_required_keys() {
    let Some(py) = python() else { return };
    let rt = rt();
    let mut cases = Vec::new();
    let mut made = Vec::new();
    for suite in ["0x0578", "0x0478"] {
        for required in required_sets() {
            cases.push(json!({"op": "encrypt", "key": key_json(), "suite": suite,
                              "plaintext_b64": STANDARD.encode(PLAINTEXT), "context": full(),
                              "required_keys": required}));
            made.push((suite, required));
        }
    }
    let results = run_python_json(&py, &py_script("required_context_oracle.py"), &json!(cases));
    let results = results.as_array().expect("a list");
    assert_eq!(results.len(), made.len());
    for (r, (suite, required)) in results.iter().zip(made) {
        let what = format!("{suite} {required:?}");
        let ok = r.get("ok").unwrap_or_else(|| panic!("{what}: {r}"));
        assert_eq!(ok["stored_context"], stored_of(&required), "{what}");
        let m = STANDARD
            .decode(ok["ciphertext_b64"].as_str().expect("b64"))
            .expect("b64");
        // The same message from Rust stores the same pairs.
        let ours = rt
            .block_on(
                encryptor(
                    u16::from_str_radix(&suite[2..], 16).expect("hex"),
                    &required,
                )
                .encrypt(PLAINTEXT, &context(&full())),
            )
            .expect("encrypt");
        assert_eq!(
            stored_keys(&ours),
            stored_keys(&m),
            "{what}: the same stored context"
        );
        for e in [encryptor(0x0578, &required), encryptor(0x0578, &[])] {
            assert_eq!(
                rt.block_on(e.decrypt(&m, &context(&full())))
                    .unwrap_or_else(|err| panic!("{what}: {err}")),
                PLAINTEXT,
                "{what}"
            );
            for bad in [
                with("tenant", None),
                with("tenant", Some("evil")),
                with("extra", Some("1")),
                stored_of(&required),
            ] {
                let err = rt
                    .block_on(e.decrypt(&m, &context(&bad)))
                    .expect_err(&format!("{what}: {bad}"));
                assert!(
                    ["decrypt-key", "decrypt-value", "context-mismatch"].contains(&err.kind()),
                    "{what}: {bad}: {err}"
                );
            }
        }
    }
}

/// The keys of the context a version-2 message stores, sorted.
fn stored_keys(message: &[u8]) -> Vec<String> {
    let at = 1 + 2 + 32;
    let len = usize::from(u16::from_be_bytes([message[at], message[at + 1]]));
    let mut r = &message[at + 2..at + 2 + len];
    let mut keys = Vec::new();
    if r.is_empty() {
        return keys;
    }
    let n = u16::from_be_bytes([r[0], r[1]]);
    r = &r[2..];
    for i in 0..2 * usize::from(n) {
        let l = usize::from(u16::from_be_bytes([r[0], r[1]]));
        if i % 2 == 0 {
            keys.push(String::from_utf8(r[2..2 + l].to_vec()).expect("UTF-8"));
        }
        r = &r[2 + l..];
    }
    keys.sort();
    keys
}

#[test]
fn python_takes_a_subset_of_the_context_where_rust_requires_all_of_it() {
    let Some(py) = python() else { return };
    let rt = rt();
    let required = ["tenant"];
    let m = rt
        .block_on(encryptor(0x0578, &required).encrypt(PLAINTEXT, &context(&full())))
        .expect("encrypt");
    let only_required = json!({"tenant": "acme"});
    let results = run_python_json(
        &py,
        &py_script("required_context_oracle.py"),
        &json!([{"op": "decrypt", "key": key_json(), "ciphertext_b64": STANDARD.encode(&m),
                  "context": only_required}]),
    );
    // The ESDK checks only the pairs it is given against the stored ones.
    assert!(results[0].get("ok").is_some(), "{}", results[0]);
    // Here the caller's context must equal the message's, stored and required pairs together.
    let err = rt
        .block_on(encryptor(0x0578, &required).decrypt(&m, &context(&only_required)))
        .unwrap_err();
    assert_eq!(err.kind(), "context-mismatch", "{err}");
}
