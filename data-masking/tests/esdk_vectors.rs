//! Every message of `shared/vectors/esdk_raw_aes.json`, made by the Python ESDK with a raw AES
//! keyring: positive ones decrypt to their plaintext, negative ones fail with the right error.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::keys::{MultiKeyring, RawAesKeyring};
use data_masking::{CommitmentPolicy, DataMasking, EncryptionContext};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/esdk_raw_aes.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("vectors are JSON")
}

fn masker(meta: &Value, keys: &[Value], policy: CommitmentPolicy) -> DataMasking {
    let ns = meta["key_namespace"].as_str().expect("namespace");
    let keyring_for = |name: &str| {
        let key = STANDARD
            .decode(meta["keys"][name].as_str().expect("key"))
            .expect("base64 key");
        RawAesKeyring::new(ns, name, &key).expect("keyring")
    };
    let names: Vec<&str> = keys.iter().filter_map(Value::as_str).collect();
    let mut multi = MultiKeyring::new(keyring_for(names[0]));
    for n in &names[1..] {
        multi = multi.with(keyring_for(n));
    }
    DataMasking::builder()
        .keyring(multi)
        .commitment_policy(policy)
        .try_build()
        .expect("masker")
}

fn run(v: &Value, meta: &Value, policy: CommitmentPolicy) -> Result<Vec<u8>, data_masking::Error> {
    let masker = masker(meta, v["keys"].as_array().expect("keys"), policy);
    let ctx = EncryptionContext::from_json(&v["encryption_context"]).expect("context");
    let ct = v["ciphertext"].as_str().expect("ciphertext");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let bytes = STANDARD
            .decode(ct)
            .map_err(|_| data_masking::Error::DecryptValue("not base64".into()))?;
        masker.decrypt_bytes(&bytes, &ctx).await.map(|p| p.to_vec())
    })
}

#[test]
fn every_vector() {
    let all = vectors();
    let meta = &all["meta"];
    let list = all["vectors"].as_array().expect("vectors");
    assert!(list.len() >= 17);
    for v in list {
        let name = v["name"].as_str().expect("name");
        let expect = v["expect"].as_str().expect("expect");
        match expect {
            "ok" => {
                let policy = if v["commitment_policy_needed"] == "allow-legacy-decrypt" {
                    CommitmentPolicy::RequireEncryptAllowDecrypt
                } else {
                    CommitmentPolicy::RequireEncryptRequireDecrypt
                };
                let out = run(v, meta, policy).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    String::from_utf8(out).expect("UTF-8"),
                    v["plaintext"].as_str().expect("plaintext"),
                    "{name}"
                );
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
            }
            "error-under-require-policy" => {
                let e = run(v, meta, CommitmentPolicy::default()).expect_err(name);
                assert_eq!(e.kind(), "decrypt-value", "{name}: {e}");
                assert!(e.to_string().contains("commitment"), "{name}: {e}");
                let ok = run(v, meta, CommitmentPolicy::RequireEncryptAllowDecrypt)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    String::from_utf8(ok).expect("UTF-8"),
                    v["plaintext"].as_str().expect("plaintext")
                );
            }
            other => panic!("{name}: unknown expectation {other}"),
        }
    }
}
