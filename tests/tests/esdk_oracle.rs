//! Checks the ESDK oracle (`tests/py/esdk_oracle.py`, the Python AWS Encryption SDK) itself:
//! it decrypts every vector of `tests/data/vectors/esdk_raw_aes.json` as the vectors say, and it
//! round-trips its own messages, including through Powertools' `DataMasking`. The interop tests
//! of the Rust encryption build on this oracle.

use data_masking_tests::{data_dir, py_script, python, run_python_json};
use serde_json::{Value, json};

fn vectors() -> Value {
    let path = data_dir().join("vectors/esdk_raw_aes.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("the vectors are JSON")
}

fn keys_of(meta: &Value, names: &Value) -> Value {
    let names = names.as_array().expect("key names");
    Value::Array(
        names
            .iter()
            .map(|n| {
                let name = n.as_str().expect("a key name");
                json!({
                    "namespace": meta["key_namespace"],
                    "name": name,
                    "key": meta["keys"][name],
                })
            })
            .collect(),
    )
}

fn b64(text: &str) -> String {
    // A tiny standard base64 encoder, so that this test needs no extra crate.
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn oracle_decrypts_the_shared_vectors() {
    let Some(python) = python() else {
        return;
    };
    let all = vectors();
    let meta = &all["meta"];
    let vectors = all["vectors"].as_array().expect("vectors");
    let mut cases = Vec::new();
    for v in vectors {
        let mut case = json!({
            "op": "decrypt",
            "keys": keys_of(meta, &v["keys"]),
            "ciphertext_b64": v["ciphertext"],
        });
        if v["commitment_policy_needed"] == "allow-legacy-decrypt"
            && v["expect"] != "error-under-require-policy"
        {
            case["commitment_policy"] = json!("require-encrypt-allow-decrypt");
        }
        cases.push(case);
    }
    let answers = run_python_json(&python, &py_script("esdk_oracle.py"), &Value::Array(cases));
    let answers = answers.as_array().expect("a list");
    assert_eq!(answers.len(), vectors.len());
    for (v, a) in vectors.iter().zip(answers) {
        let name = v["name"].as_str().unwrap_or("?");
        match v["expect"].as_str() {
            Some("ok") => {
                let want = b64(v["plaintext"].as_str().expect("plaintext"));
                assert_eq!(a["ok"]["plaintext_b64"], json!(want), "{name}: {a}");
                assert_eq!(
                    a["ok"]["context"], v["stored_encryption_context"],
                    "{name}: stored context"
                );
            }
            Some("context-mismatch") => {
                // The ESDK decrypts; the stored context is not the caller's.
                let stored = &a["ok"]["context"];
                assert!(stored.is_object(), "{name}: {a}");
                let caller = v["encryption_context"].as_object().expect("a context");
                assert!(
                    caller.iter().any(|(k, val)| stored.get(k) != Some(val)),
                    "{name}: {a}"
                );
            }
            Some("error" | "error-under-require-policy") => {
                assert!(
                    a.get("error").is_some(),
                    "{name}: expected an error, got {a}"
                );
            }
            _ => {}
        }
    }
}

#[test]
fn oracle_round_trips_and_powertools_checks_the_context() {
    let Some(python) = python() else {
        return;
    };
    let all = vectors();
    let keys = keys_of(&all["meta"], &json!(["key-a", "key-b"]));
    let key_b = keys_of(&all["meta"], &json!(["key-b"]));
    let ctx = json!({"tenant_id": "acme"});
    let encrypt = json!([
        {"op": "encrypt", "keys": keys, "plaintext": "{\"a\":1}", "context": ctx},
        {"op": "encrypt", "keys": keys, "plaintext": "x".repeat(5000), "suite": "0x0478",
         "frame_length": 1024},
        {"op": "powertools_encrypt", "keys": keys, "value": {"card": "4444"}, "context": ctx},
    ]);
    let out = run_python_json(&python, &py_script("esdk_oracle.py"), &encrypt);
    assert_eq!(out[0]["ok"]["suite"], "0x0578", "{out}");
    assert_eq!(out[1]["ok"]["suite"], "0x0478", "{out}");
    assert_eq!(out[1]["ok"]["frame_length"], 1024, "{out}");
    let decrypt = json!([
        // key-b alone unwraps: every key wraps the data key.
        {"op": "decrypt", "keys": key_b, "ciphertext_b64": out[0]["ok"]["ciphertext_b64"]},
        {"op": "decrypt", "keys": key_b, "ciphertext_b64": out[1]["ok"]["ciphertext_b64"]},
        {"op": "powertools_decrypt", "keys": key_b, "ciphertext": out[2]["ok"], "context": ctx},
        {"op": "powertools_decrypt", "keys": key_b, "ciphertext": out[2]["ok"],
         "context": {"tenant_id": "other"}},
        {"op": "decrypt", "keys": key_b, "ciphertext_b64": "not base64!"},
    ]);
    let back = run_python_json(&python, &py_script("esdk_oracle.py"), &decrypt);
    assert_eq!(
        back[0]["ok"]["plaintext_b64"],
        json!(b64("{\"a\":1}")),
        "{back}"
    );
    assert_eq!(back[0]["ok"]["context"]["tenant_id"], "acme", "{back}");
    assert_eq!(
        back[1]["ok"]["plaintext_b64"],
        json!(b64(&"x".repeat(5000))),
        "{back}"
    );
    assert_eq!(back[2]["ok"], json!({"card": "4444"}), "{back}");
    assert_eq!(
        back[3]["error"], "DataMaskingContextMismatchError",
        "{back}"
    );
    assert!(back[4].get("error").is_some(), "{back}");
}
