//! Interop of the raw RSA keyring with the Python AWS Encryption SDK's raw RSA master keys
//! (4.0.7, `RawMasterKey` with `WrappingAlgorithm.RSA_*`), through the oracle
//! `tests/py/rsa_oracle.py`, for every padding (PKCS#1 v1.5 and OAEP with SHA-1, -256, -384 and
//! -512) and the suites 0x0578 and 0x0478:
//!
//! * Rust encrypts (with the private key's keyring and with a public key alone) and Python
//!   decrypts each message with the private key; the encrypted data key names the key namespace
//!   and, as provider info, the key name alone.
//! * Python encrypts (with the private key and with the public key alone) and Rust decrypts each
//!   message with the private key; Rust with the public key alone refuses, saying why.
//! * A key pair made by `RawRsaKeyring::generate_key_json` works with Python both ways.
//!
//! Without `DATA_MASKING_PYTHON` each test prints a note and returns; with it, any failure of
//! Python fails the test.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::keys::{RawRsaKeyring, RsaPadding};
use data_masking::{AlgorithmSuite, EncryptionContext, Encryptor};
use data_masking_tests::{data_dir, py_script, python, run_python_json};
use serde_json::{Value, json};

const NAMESPACE: &str = "data-masking-rsa-interop";
const SUITES: [u16; 2] = [0x0578, 0x0478];

/// The PEMs (private, public) of the official vectors' RSA-4096 test key pair.
fn pems() -> (String, String) {
    let text = std::fs::read_to_string(data_dir().join("vectors/official/vectors_more.json"))
        .expect("vectors_more.json");
    let v: Value = serde_json::from_str(&text).expect("JSON");
    let k = &v["meta"]["keys"]["aws-raw-vectors-persistent-rsa-4096:rsa-4096:oaep-sha256"];
    (
        k["private_key_pem"].as_str().expect("private").to_owned(),
        k["public_key_pem"].as_str().expect("public").to_owned(),
    )
}

fn name(padding: RsaPadding) -> String {
    format!("rsa-{padding}")
}

/// The oracle's key: the private key when `private`, else the public key alone.
fn spec(padding: RsaPadding, private: Option<&str>, public: &str) -> Value {
    let mut k = json!({"namespace": NAMESPACE, "name": name(padding), "padding": padding.as_str(),
        "public_key_pem": public});
    if let Some(p) = private {
        k["private_key_pem"] = json!(p);
    }
    k
}

fn context() -> EncryptionContext {
    EncryptionContext::new([("tenant", "acme"), ("purpose", "rsa-interop")]).expect("context")
}

fn context_json() -> Value {
    json!({"tenant": "acme", "purpose": "rsa-interop"})
}

fn plaintext(padding: RsaPadding, suite: u16) -> Vec<u8> {
    format!(
        "secret for {padding} under 0x{suite:04X}: {}",
        "x".repeat(300)
    )
    .into_bytes()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn encryptor(keyring: RawRsaKeyring, suite: u16) -> Encryptor {
    Encryptor::builder(keyring)
        .algorithm_suite(AlgorithmSuite::from_id(suite).expect("suite"))
        .build()
        .expect("engine")
}

fn oracle(python: &Path, cases: &[Value]) -> Vec<Value> {
    let answers = run_python_json(
        python,
        &py_script("rsa_oracle.py"),
        &Value::from(cases.to_vec()),
    );
    let answers = answers.as_array().expect("a list of answers").clone();
    assert_eq!(answers.len(), cases.len());
    answers
}

fn ok<'a>(answer: &'a Value, what: &str) -> &'a Value {
    answer
        .get("ok")
        .unwrap_or_else(|| panic!("{what}: Python failed: {answer}"))
}

/// Rust encrypts with `keyring_of(padding)` for each padding and suite; Python decrypts each
/// with the private key.
fn python_decrypts(
    python: &Path,
    private: &str,
    public: &str,
    keyring_of: &dyn Fn(RsaPadding) -> RawRsaKeyring,
) {
    let rt = rt();
    let mut cases = Vec::new();
    let mut wants = Vec::new();
    for padding in RsaPadding::ALL {
        for suite in SUITES {
            let pt = plaintext(padding, suite);
            let msg = rt
                .block_on(encryptor(keyring_of(padding), suite).encrypt(&pt, &context()))
                .expect("Rust encrypts");
            cases.push(
                json!({"op": "decrypt", "key": spec(padding, Some(private), public),
                "ciphertext_b64": STANDARD.encode(&msg)}),
            );
            wants.push((format!("{padding} 0x{suite:04X}"), pt, suite));
        }
    }
    for (answer, (what, pt, suite)) in oracle(python, &cases).iter().zip(wants) {
        let got = ok(answer, &what);
        assert_eq!(
            STANDARD
                .decode(got["plaintext_b64"].as_str().expect("b64"))
                .expect("b64"),
            pt,
            "{what}"
        );
        assert_eq!(got["suite"], format!("0x{suite:04X}"), "{what}");
        assert_eq!(got["context"]["tenant"], "acme", "{what}");
    }
}

#[test]
fn python_decrypts_what_rust_encrypts_with_every_padding() {
    let Some(python) = python() else {
        return;
    };
    let (private, public) = pems();
    python_decrypts(&python, &private, &public, &|padding| {
        RawRsaKeyring::from_private_key_pem(NAMESPACE, &name(padding), padding, &private)
            .expect("key")
    });
    // A producer holding the public key alone.
    python_decrypts(&python, &private, &public, &|padding| {
        RawRsaKeyring::from_public_key_pem(NAMESPACE, &name(padding), padding, &public)
            .expect("key")
    });
}

#[test]
fn rust_decrypts_what_python_encrypts_with_every_padding() {
    let Some(python) = python() else {
        return;
    };
    let (private, public) = pems();
    let mut cases = Vec::new();
    let mut wants = Vec::new();
    for padding in RsaPadding::ALL {
        for suite in SUITES {
            for with_private in [true, false] {
                let pt = plaintext(padding, suite);
                let key = spec(padding, with_private.then_some(private.as_str()), &public);
                cases.push(
                    json!({"op": "encrypt", "key": key, "plaintext_b64": STANDARD.encode(&pt),
                    "suite": format!("0x{suite:04X}"), "context": context_json()}),
                );
                let by = if with_private { "private" } else { "public" };
                wants.push((padding, format!("{padding} 0x{suite:04X} ({by} key)"), pt));
            }
        }
    }
    let rt = rt();
    for (answer, (padding, what, pt)) in oracle(&python, &cases).iter().zip(wants) {
        let got = ok(answer, &what);
        let edks = got["edks"].as_array().expect("edks");
        assert_eq!(edks.len(), 1, "{what}");
        assert_eq!(edks[0]["provider_id"], NAMESPACE, "{what}");
        assert_eq!(
            STANDARD
                .decode(edks[0]["provider_info_b64"].as_str().expect("b64"))
                .expect("b64"),
            name(padding).as_bytes(),
            "{what}: the provider info is the key name alone"
        );
        let msg = STANDARD
            .decode(got["ciphertext_b64"].as_str().expect("b64"))
            .expect("b64");
        let keyring =
            RawRsaKeyring::from_private_key_pem(NAMESPACE, &name(padding), padding, &private)
                .expect("key");
        let back = rt
            .block_on(
                Encryptor::new(keyring)
                    .expect("e")
                    .decrypt(&msg, &context()),
            )
            .unwrap_or_else(|e| panic!("{what}: Rust must decrypt: {e}"));
        assert_eq!(back, pt, "{what}");
        // The public key alone cannot, and says why.
        let producer =
            RawRsaKeyring::from_public_key_pem(NAMESPACE, &name(padding), padding, &public)
                .expect("key");
        let e = rt
            .block_on(
                Encryptor::new(producer)
                    .expect("e")
                    .decrypt(&msg, &context()),
            )
            .unwrap_err();
        assert!(
            e.to_string().contains("only its public key was given"),
            "{what}: {e}"
        );
    }
}

#[test]
fn a_generated_key_pair_works_with_python_both_ways() {
    let Some(python) = python() else {
        return;
    };
    let rt = rt();
    for padding in [RsaPadding::OaepSha256, RsaPadding::Pkcs1] {
        let (key, public_file) =
            RawRsaKeyring::generate_key_json(NAMESPACE, &name(padding), padding, 2048)
                .expect("generates");
        let whole: Value = serde_json::from_str(&key).expect("JSON");
        let half: Value = serde_json::from_str(&public_file).expect("JSON");
        // Rust encrypts with the public half; Python decrypts with the private key.
        let producer = RawRsaKeyring::from_key_json(&public_file).expect("public file");
        let msg = rt
            .block_on(encryptor(producer, 0x0578).encrypt(b"generated", &context()))
            .expect("encrypts");
        // Python encrypts with the public half; Rust decrypts with the whole key.
        let cases = [
            json!({"op": "decrypt", "key": whole, "ciphertext_b64": STANDARD.encode(&msg)}),
            json!({"op": "encrypt", "key": half, "plaintext_b64": STANDARD.encode(b"from python"),
                "suite": "0x0578", "context": context_json()}),
        ];
        let answers = oracle(&python, &cases);
        let got = ok(&answers[0], "Python decrypt");
        assert_eq!(got["plaintext_b64"], STANDARD.encode(b"generated"));
        let from_python = STANDARD
            .decode(
                ok(&answers[1], "Python encrypt")["ciphertext_b64"]
                    .as_str()
                    .expect("b64"),
            )
            .expect("b64");
        let holder = RawRsaKeyring::from_key_json(&key).expect("key file");
        assert_eq!(
            rt.block_on(
                Encryptor::new(holder)
                    .expect("e")
                    .decrypt(&from_python, &context())
            )
            .expect("decrypts"),
            b"from python"
        );
    }
}
