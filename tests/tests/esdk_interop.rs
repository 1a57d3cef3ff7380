//! Interop of our ESDK messages with the real Python AWS Encryption SDK (4.0.7) and with
//! Powertools' own `DataMasking`, through the oracle `tests/py/esdk_oracle.py`.
//!
//! * Rust encrypts a matrix of messages (suites 0x0578 and 0x0478; plaintexts of 0, 1, 127, 128,
//!   129, 4096, 4097 and 100,000 bytes; frame lengths 128, 1024 and 4096; with and without an
//!   encryption context; one key or two keys through a multi-keyring) and the Python ESDK decrypts
//!   every one to the same bytes, in one batched Python call; with two keys, each key alone
//!   decrypts.
//! * Python encrypts the same matrix and Rust decrypts every message (two keys: the second alone).
//! * Powertools' `DataMasking.decrypt` decrypts each field of our `encrypt_fields` output, and we
//!   decrypt what Powertools' `DataMasking.encrypt` produced; a differing context is refused on
//!   both sides.
//! * Frame lengths that are not multiples of 128 (see the test for what Python does with them).
//!
//! Without `DATA_MASKING_PYTHON` each test prints a note and returns; with it, any failure of
//! Python fails the test.

use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::keys::{Keyring, MultiKeyring, RawAesKeyring};
use data_masking::{AlgorithmSuite, DataMasking, EncryptionContext, Encryptor};
use data_masking_tests::{py_script, python, run_python_json};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

const NAMESPACE: &str = "data-masking-interop";
const PUBLIC_KEY: &str = "aws-crypto-public-key";

const SUITES: [u16; 2] = [0x0578, 0x0478];
const SIZES: [usize; 8] = [0, 1, 127, 128, 129, 4096, 4097, 100_000];
const FRAMES: [u32; 3] = [128, 1024, 4096];

/// A raw AES-256 key: its name and bytes.
struct Key {
    name: &'static str,
    bytes: [u8; 32],
}

const KEY_A: Key = Key {
    name: "key-a",
    bytes: *b"0123456789abcdef0123456789abcdef",
};
const KEY_B: Key = Key {
    name: "key-b",
    bytes: *b"fedcba9876543210fedcba9876543210",
};

impl Key {
    fn spec(&self) -> Value {
        json!({"namespace": NAMESPACE, "name": self.name, "key": STANDARD.encode(self.bytes)})
    }

    fn keyring(&self) -> RawAesKeyring {
        RawAesKeyring::new(NAMESPACE, self.name, &self.bytes).expect("a raw AES key")
    }
}

fn specs(keys: &[&Key]) -> Value {
    Value::Array(keys.iter().map(|k| k.spec()).collect())
}

/// A masker writing `suite` with `frame`-byte frames, wrapping under every key of `keys` (the
/// first generates the data key).
fn masker(suite: u16, frame: u32, keys: &[&Key]) -> DataMasking {
    let keyring: Arc<dyn Keyring> = match keys {
        [one] => Arc::new(one.keyring()),
        [first, rest @ ..] => Arc::new(
            rest.iter()
                .fold(MultiKeyring::new(first.keyring()), |m, k| {
                    m.with(k.keyring())
                }),
        ),
        [] => unreachable!("at least one key"),
    };
    let encryptor = Encryptor::builder_shared(keyring)
        .algorithm_suite(AlgorithmSuite::from_id(suite).expect("suite"))
        .frame_length(frame)
        .build()
        .expect("encryptor");
    DataMasking::builder().encryptor(encryptor).build()
}

/// The context of the matrix: non-ASCII and mixed-case keys exercise the sorted serialization.
fn context_pairs() -> Vec<(&'static str, &'static str)> {
    vec![
        ("tenant_id", "acme"),
        ("Purpose", "interop test"),
        ("ключ", "значение ✓"),
        ("empty", ""),
    ]
}

fn context(with: bool) -> EncryptionContext {
    if with {
        EncryptionContext::new(context_pairs()).expect("context")
    } else {
        EncryptionContext::empty()
    }
}

fn context_json(with: bool) -> Value {
    let mut m = Map::new();
    if with {
        for (k, v) in context_pairs() {
            m.insert(k.to_owned(), json!(v));
        }
    }
    Value::Object(m)
}

/// One cell of the interop matrix.
#[derive(Clone, Copy, Debug)]
struct Case {
    suite: u16,
    size: usize,
    frame: u32,
    with_context: bool,
    two_keys: bool,
}

impl Case {
    fn keys(self) -> Vec<&'static Key> {
        if self.two_keys {
            vec![&KEY_A, &KEY_B]
        } else {
            vec![&KEY_A]
        }
    }

    /// Seeded bytes, different for every case.
    fn plaintext(self, seed: u64) -> Vec<u8> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut p = vec![0u8; self.size];
        rng.fill_bytes(&mut p);
        p
    }
}

fn matrix() -> Vec<Case> {
    let mut cases = Vec::new();
    for suite in SUITES {
        for size in SIZES {
            for frame in FRAMES {
                for with_context in [false, true] {
                    for two_keys in [false, true] {
                        cases.push(Case {
                            suite,
                            size,
                            frame,
                            with_context,
                            two_keys,
                        });
                    }
                }
            }
        }
    }
    assert_eq!(cases.len(), 192);
    cases
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn oracle(python: &Path, cases: Vec<Value>) -> Vec<Value> {
    let n = cases.len();
    let out = run_python_json(python, &py_script("esdk_oracle.py"), &Value::Array(cases));
    let Value::Array(answers) = out else {
        panic!("the oracle answers a list, not {out}");
    };
    assert_eq!(answers.len(), n, "one answer per case");
    answers
}

/// The `ok` part of an oracle answer, or a failure naming the case.
fn ok<'a>(answer: &'a Value, what: &dyn std::fmt::Display) -> &'a Value {
    answer
        .get("ok")
        .unwrap_or_else(|| panic!("{what}: Python failed: {answer}"))
}

/// Checks the header facts Python reports for a message of `case` written by either side.
fn assert_header(facts: &Value, case: Case, what: &dyn std::fmt::Display) {
    assert_eq!(
        facts["suite"],
        json!(format!("0x{:04X}", case.suite)),
        "{what}"
    );
    assert_eq!(facts["frame_length"], json!(case.frame), "{what}");
    assert_eq!(facts["content_type"], "framed", "{what}");
    let mut stored = facts["context"].as_object().expect("a context").clone();
    let public_key = stored.remove(PUBLIC_KEY);
    assert_eq!(
        public_key.is_some(),
        case.suite == 0x0578,
        "{what}: {PUBLIC_KEY} is stored exactly for the signing suite"
    );
    assert_eq!(
        Value::Object(stored),
        context_json(case.with_context),
        "{what}"
    );
}

#[test]
fn python_esdk_decrypts_what_rust_encrypts() {
    let Some(python) = python() else {
        return;
    };
    let rt = rt();
    let cases = matrix();
    let mut requests = Vec::new();
    // (case, plaintext, the key(s) Python decrypts with)
    let mut expected = Vec::new();
    for (i, &case) in cases.iter().enumerate() {
        let plaintext = case.plaintext(i as u64);
        let m = masker(case.suite, case.frame, &case.keys());
        let message = rt
            .block_on(m.encrypt_bytes(&plaintext, &context(case.with_context)))
            .expect("encrypt");
        let ciphertext_b64 = STANDARD.encode(&message);
        // With two keys, each key alone must unwrap its own copy of the data key.
        let decrypt_with: Vec<Vec<&Key>> = if case.two_keys {
            vec![vec![&KEY_A], vec![&KEY_B]]
        } else {
            vec![vec![&KEY_A]]
        };
        for keys in decrypt_with {
            requests.push(json!({
                "op": "decrypt",
                "keys": specs(&keys),
                "ciphertext_b64": ciphertext_b64,
            }));
            let names: Vec<&str> = keys.iter().map(|k| k.name).collect();
            expected.push((case, STANDARD.encode(&plaintext), names));
        }
    }
    let answers = oracle(&python, requests);
    for ((case, plaintext_b64, names), answer) in expected.iter().zip(&answers) {
        let what = format!("{case:?} decrypted by Python with {names:?}");
        let facts = ok(answer, &what);
        assert!(
            facts["plaintext_b64"] == json!(plaintext_b64),
            "{what}: Python decrypted other bytes"
        );
        assert_header(facts, *case, &what);
    }
    assert_eq!(answers.len(), 192 + 96);
}

#[test]
fn rust_decrypts_what_python_esdk_encrypts() {
    let Some(python) = python() else {
        return;
    };
    let rt = rt();
    let cases = matrix();
    let plaintexts: Vec<Vec<u8>> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| c.plaintext(1000 + i as u64))
        .collect();
    let requests = cases
        .iter()
        .zip(&plaintexts)
        .map(|(case, p)| {
            json!({
                "op": "encrypt",
                "keys": specs(&case.keys()),
                "plaintext_b64": STANDARD.encode(p),
                "suite": format!("0x{:04X}", case.suite),
                "frame_length": case.frame,
                "context": context_json(case.with_context),
            })
        })
        .collect();
    let answers = oracle(&python, requests);
    // One reader per suite and key (the frame length is the message's): with two keys, the
    // second key alone reads, so our reader skips the data key it cannot unwrap.
    let readers = [&KEY_A, &KEY_B].map(|k| masker(0x0578, 4096, &[k]));
    let mut mismatches = 0;
    for ((case, plaintext), answer) in cases.iter().zip(&plaintexts).zip(&answers) {
        let what = format!("{case:?} encrypted by Python");
        let facts = ok(answer, &what);
        assert_header(facts, *case, &what);
        let message = STANDARD
            .decode(facts["ciphertext_b64"].as_str().expect("ciphertext"))
            .expect("base64");
        let reader = &readers[usize::from(case.two_keys)];
        let back = rt
            .block_on(reader.decrypt_bytes(&message, &context(case.with_context)))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(back[..] == plaintext[..], "{what}: other bytes came back");
        if case.size == 129 {
            // The context is bound: the other context (empty or not) is refused.
            let err = rt
                .block_on(reader.decrypt_bytes(&message, &context(!case.with_context)))
                .expect_err("the wrong context");
            assert_eq!(err.kind(), "context-mismatch", "{what}: {err}");
            mismatches += 1;
        }
    }
    assert_eq!(mismatches, 24);
}

/// A record with values of every JSON type, and the fields that select them.
fn record() -> (Value, Vec<&'static str>, Vec<&'static str>) {
    let record = json!({
        "id": 42,
        "customer": {
            "name": "Zoë O'Connor",
            "card": "4111 1111 1111 1111",
            "pin": 1234,
            "balance": -12.5,
            "vip": true,
            "nickname": null,
        },
        "address": [
            {"street": "1 Main St", "city": "Paris"},
            {"street": "2 Rue de l'Église", "city": "Lyon"},
        ],
        "tags": ["a", {"b": [1, 2.25, "ünï"]}],
        "notes": "line 1\nline 2\t\"quoted\" \\ \u{1F600}",
    });
    let fields = vec![
        "customer.name",
        "customer.card",
        "customer.pin",
        "customer.balance",
        "customer.vip",
        "customer.nickname",
        "address[*].street",
        "tags",
        "notes",
    ];
    // The JSON pointers of the nodes those fields select.
    let pointers = vec![
        "/customer/name",
        "/customer/card",
        "/customer/pin",
        "/customer/balance",
        "/customer/vip",
        "/customer/nickname",
        "/address/0/street",
        "/address/1/street",
        "/tags",
        "/notes",
    ];
    (record, fields, pointers)
}

fn powertools_context() -> Value {
    json!({"tenant_id": "acme", "classification": "pii"})
}

/// Contexts Powertools and we must refuse for a message bound to [`powertools_context`].
fn wrong_contexts() -> Vec<Value> {
    vec![
        json!({}),
        json!({"tenant_id": "acme"}),
        json!({"tenant_id": "other", "classification": "pii"}),
        json!({"tenant_id": "acme", "classification": "pii", "extra": "x"}),
    ]
}

#[test]
fn powertools_decrypts_our_fields_and_we_decrypt_powertools_values() {
    let Some(python) = python() else {
        return;
    };
    let rt = rt();
    let (record, fields, pointers) = record();
    let ctx = EncryptionContext::from_json(&powertools_context()).expect("context");

    // Rust encrypts the fields with each suite.
    let mut requests = Vec::new();
    let mut expected = Vec::new();
    for suite in SUITES {
        let m = masker(suite, 4096, &[&KEY_A, &KEY_B]);
        let encrypted = rt
            .block_on(m.encrypt_fields(&record, &fields, &ctx))
            .expect("encrypt_fields");
        assert_eq!(encrypted["id"], 42, "fields not selected are kept");
        assert_eq!(encrypted["address"][0]["city"], "Paris");
        for pointer in &pointers {
            let ciphertext = encrypted.pointer(pointer).expect("the field is there");
            assert!(ciphertext.is_string(), "{pointer}: {ciphertext}");
            // Key B alone: Powertools' provider reads the second data key.
            requests.push(json!({
                "op": "powertools_decrypt",
                "keys": specs(&[&KEY_B]),
                "ciphertext": ciphertext,
                "context": powertools_context(),
            }));
            expected.push((
                format!("0x{suite:04X} {pointer}"),
                Some(record.pointer(pointer).expect("original").clone()),
            ));
        }
        // The same fields through encrypt_json on the pretty text, and a whole text with its
        // numbers and escapes as written through encrypt_text: Powertools reads the values.
        let text = serde_json::to_string_pretty(&record).expect("JSON");
        let from_text: Value = serde_json::from_str(
            &rt.block_on(m.encrypt_json(&text, &fields, &ctx))
                .expect("encrypt_json"),
        )
        .expect("JSON");
        let odd = "{ \"price\": 1.50, \"name\": \"Zo\\u00eb\",\n  \"big\": 1e3 }";
        let whole = rt
            .block_on(m.encrypt_text(odd, &ctx))
            .expect("encrypt_text");
        for (what, ciphertext, want) in pointers
            .iter()
            .map(|p| {
                (
                    format!("encrypt_json {p}"),
                    from_text.pointer(p).expect("field").clone(),
                    record.pointer(p).expect("original").clone(),
                )
            })
            .chain([(
                "encrypt_text".to_owned(),
                json!(whole),
                serde_json::from_str::<Value>(odd).expect("JSON"),
            )])
        {
            requests.push(json!({
                "op": "powertools_decrypt",
                "keys": specs(&[&KEY_B]),
                "ciphertext": ciphertext,
                "context": powertools_context(),
            }));
            expected.push((format!("0x{suite:04X} {what}"), Some(want)));
        }
        // A differing context is refused by Powertools (key order does not matter to it).
        let one = encrypted.pointer("/customer/card").expect("card");
        for wrong in wrong_contexts() {
            requests.push(json!({
                "op": "powertools_decrypt",
                "keys": specs(&[&KEY_A]),
                "ciphertext": one,
                "context": wrong,
            }));
            expected.push((format!("0x{suite:04X} card under {wrong}"), None));
        }
    }
    // Powertools encrypts values of every JSON type, and the whole record, with each suite.
    let values: Vec<Value> = pointers
        .iter()
        .map(|p| record.pointer(p).expect("value").clone())
        .chain([record.clone(), json!(""), json!(0), json!([])])
        .collect();
    let first_encrypt = requests.len();
    for suite in SUITES {
        for v in &values {
            requests.push(json!({
                "op": "powertools_encrypt",
                "keys": specs(&[&KEY_A, &KEY_B]),
                "value": v,
                "context": powertools_context(),
                "suite": format!("0x{suite:04X}"),
            }));
        }
    }
    let answers = oracle(&python, requests);

    for ((what, want), answer) in expected.iter().zip(&answers) {
        match want {
            Some(value) => assert_eq!(
                ok(answer, what),
                value,
                "{what}: Powertools decrypted another value"
            ),
            None => assert_eq!(
                answer["error"], "DataMaskingContextMismatchError",
                "{what}: {answer}"
            ),
        }
    }

    // We decrypt every Powertools ciphertext with key B alone, and refuse the wrong contexts.
    let reader = masker(0x0478, 4096, &[&KEY_B]);
    let ciphertexts: Vec<&Value> = answers[first_encrypt..]
        .iter()
        .map(|a| ok(a, &"powertools_encrypt"))
        .collect();
    assert_eq!(ciphertexts.len(), 2 * values.len());
    for (ciphertext, value) in ciphertexts.iter().zip(values.iter().cycle()) {
        let text = ciphertext.as_str().expect("Powertools returns base64 text");
        let back = rt
            .block_on(reader.decrypt(text, &ctx))
            .unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(&back, value);
    }
    for wrong in wrong_contexts() {
        let wrong_ctx = EncryptionContext::from_json(&wrong).expect("context");
        for ciphertext in [ciphertexts[1], ciphertexts[values.len() + 1]] {
            let err = rt
                .block_on(reader.decrypt(ciphertext.as_str().expect("text"), &wrong_ctx))
                .expect_err("a wrong context");
            assert_eq!(err.kind(), "context-mismatch", "{wrong}: {err}");
        }
    }

    // A record whose fields Powertools encrypted one by one decrypts with decrypt_fields.
    for suite_index in 0..2 {
        let mut encrypted = record.clone();
        for (i, pointer) in pointers.iter().enumerate() {
            *encrypted.pointer_mut(pointer).expect("field") =
                ciphertexts[suite_index * values.len() + i].clone();
        }
        let back = rt
            .block_on(reader.decrypt_fields(&encrypted, &fields, &ctx))
            .expect("decrypt_fields");
        assert_eq!(back, record);
        // And decrypt_json on its text; decrypt_text reads Powertools' whole record.
        let text = serde_json::to_string_pretty(&encrypted).expect("JSON");
        let back = rt
            .block_on(reader.decrypt_json(&text, &fields, &ctx))
            .expect("decrypt_json");
        assert_eq!(serde_json::from_str::<Value>(&back).expect("JSON"), record);
        let whole = ciphertexts[suite_index * values.len() + pointers.len()];
        let back = rt
            .block_on(reader.decrypt_text(whole.as_str().expect("text"), &ctx))
            .expect("decrypt_text");
        assert_eq!(serde_json::from_str::<Value>(&back).expect("JSON"), record);
    }
}

#[test]
fn frame_lengths_that_are_not_multiples_of_128() {
    // Python ESDK 4.0.7 refuses to *write* such messages (`validate_frame_length` on encrypt:
    // "Frame size must be a non-negative multiple of the block size of the crypto algorithm:
    // 128"), but its decrypt checks only that the frame length is at most 2^31 - 1, so it reads
    // every one of ours. We accept any frame length from 1 to 2^31 - 1 on encrypt, and check
    // here that Python reads them all.
    let Some(python) = python() else {
        return;
    };
    let rt = rt();
    let mut requests = Vec::new();
    let mut expected = Vec::new();
    for suite in SUITES {
        for frame in [1u32, 7, 100, 129, 1000, 4095, 4097] {
            for size in [0usize, 1, 99, 100, 101, 1000, 2000] {
                let case = Case {
                    suite,
                    size,
                    frame,
                    with_context: true,
                    two_keys: false,
                };
                let plaintext = case.plaintext(u64::from(frame) << 16 | size as u64);
                let message = rt
                    .block_on(
                        masker(suite, frame, &[&KEY_A]).encrypt_bytes(&plaintext, &context(true)),
                    )
                    .expect("encrypt");
                requests.push(json!({
                    "op": "decrypt",
                    "keys": specs(&[&KEY_A]),
                    "ciphertext_b64": STANDARD.encode(&message),
                }));
                expected.push((case, STANDARD.encode(&plaintext)));
            }
        }
    }
    // Python's own encrypt refuses them.
    for frame in [100u32, 129] {
        requests.push(json!({
            "op": "encrypt",
            "keys": specs(&[&KEY_A]),
            "plaintext": "x",
            "frame_length": frame,
        }));
    }
    let answers = oracle(&python, requests);
    for ((case, plaintext_b64), answer) in expected.iter().zip(&answers) {
        let what = format!("{case:?}");
        let facts = ok(answer, &what);
        assert!(facts["plaintext_b64"] == json!(plaintext_b64), "{what}");
        assert_header(facts, *case, &what);
    }
    for answer in &answers[expected.len()..] {
        assert_eq!(answer["error"], "SerializationError", "{answer}");
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m.contains("multiple of the block size")),
            "{answer}"
        );
    }
}
