//! The official AWS Encryption SDK decrypt vectors (raw AES keys, made by ESDK-NET, the Dafny ESDK
//! and the message format's known-answer tests) through `data-masking decrypt --raw`: each message
//! that must decrypt gives exactly its plaintext bytes, each that must be refused fails with exit
//! code 2, one `error[...]` line and no output file. Then the vectors' checks: tampered bits,
//! wrong keys, context changes, the legacy flag left out, two-key messages with each key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/vectors/official/vectors.json"
);

fn load() -> Value {
    let text = std::fs::read_to_string(VECTORS).expect("the official vectors");
    serde_json::from_str(&text).expect("vectors JSON")
}

fn b64(v: &Value) -> Vec<u8> {
    STANDARD
        .decode(v.as_str().expect("base64 string"))
        .expect("base64")
}

/// Writes a key file (the CLI's format, mode 0600) for the `namespace:name[:...]` id.
fn key_file(dir: &Path, meta: &Value, id: &str, n: usize) -> PathBuf {
    let k = &meta["keys"][id];
    assert!(k.is_object(), "key {id} is not in meta.keys");
    let path = dir.join(format!("key-{n}.json"));
    let text = serde_json::json!({"namespace": k["namespace"], "name": k["name"], "key": k["key"]});
    std::fs::write(&path, text.to_string()).expect("write key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    path
}

/// One decrypt: what to run and what must come out.
struct Run<'a> {
    what: String,
    keys: Vec<&'a str>,
    context: BTreeMap<String, String>,
    message: Vec<u8>,
    legacy: bool,
    /// The plaintext, or `None` when the message must be refused.
    expect: Option<Vec<u8>>,
    /// Give the message as binary (else as base64 text).
    binary: bool,
}

/// Runs one decrypt in its own folder; returns a failure description, if any.
fn check(meta: &Value, run: &Run<'_>) -> Option<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("message");
    if run.binary {
        std::fs::write(&input, &run.message).expect("write message");
    } else {
        std::fs::write(&input, STANDARD.encode(&run.message)).expect("write message");
    }
    let out = dir.path().join("plaintext");
    let mut cmd = Command::cargo_bin("data-masking").expect("binary");
    cmd.args(["decrypt", "--raw", "--output"])
        .arg(&out)
        .arg(&input);
    for (n, id) in run.keys.iter().enumerate() {
        cmd.arg("--key-file").arg(key_file(dir.path(), meta, id, n));
    }
    for (k, v) in &run.context {
        cmd.arg("-c").arg(format!("{k}={v}"));
    }
    if run.legacy {
        cmd.arg("--allow-legacy-decrypt");
    }
    let output = cmd.output().expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let what = &run.what;
    if let Some(plaintext) = &run.expect {
        if !output.status.success() {
            return Some(format!("{what}: must decrypt, failed: {stderr}"));
        }
        return match std::fs::read(&out) {
            Ok(got) if &got == plaintext => None,
            Ok(got) => Some(format!(
                "{what}: plaintext differs ({} bytes, want {})",
                got.len(),
                plaintext.len()
            )),
            Err(e) => Some(format!("{what}: no output file: {e}")),
        };
    }
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "message" && !n.starts_with("key-"))
        .collect();
    files.sort();
    if output.status.code() != Some(2) {
        Some(format!("{what}: must be refused, got {:?}", output.status))
    } else if !(stderr.starts_with("error[") && stderr.lines().count() == 1) {
        Some(format!("{what}: not one error line: {stderr}"))
    } else if !files.is_empty() {
        Some(format!("{what}: left files behind: {files:?}"))
    } else {
        None
    }
}

fn context_of(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .expect("context object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string value").to_owned()))
        .collect()
}

/// The vector itself, as its maker's manifest and the ESDK's CI expect it.
fn vector_run<'a>(meta: &Value, v: &'a Value, n: usize) -> Run<'a> {
    let expect = match v["expect"].as_str() {
        Some("ok") => Some(b64(
            &meta["plaintexts"][v["plaintext"].as_str().expect("ref")]["b64"]
        )),
        Some("error") => None,
        other => panic!("expect {other:?}"),
    };
    Run {
        what: v["name"].as_str().expect("name").to_owned(),
        keys: v["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| k.as_str().expect("key id"))
            .collect(),
        context: context_of(&v["context"]),
        message: b64(&v["ciphertext"]),
        legacy: v["legacy"] == true,
        expect,
        binary: n % 2 == 1,
    }
}

#[test]
fn official_vectors_decrypt_through_the_cli() {
    let all = load();
    let meta = &all["meta"];
    let vectors = all["vectors"].as_array().expect("vectors");
    assert_eq!(vectors.len(), 123);
    let failures: Vec<String> = vectors
        .iter()
        .enumerate()
        .filter_map(|(n, v)| check(meta, &vector_run(meta, v, n)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} vectors:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}

/// Each vector's checks: variants that must be refused (a flipped bit, a wrong key, a missing or
/// extra context pair, a legacy suite without --allow-legacy-decrypt) or must decrypt (one key
/// of a two-key message alone, both in the other order).
#[test]
fn official_vector_checks_through_the_cli() {
    let all = load();
    let meta = &all["meta"];
    let mut runs = 0;
    let mut failures = Vec::new();
    for (n, v) in all["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .enumerate()
    {
        let base = vector_run(meta, v, n);
        for c in v["checks"].as_array().into_iter().flatten() {
            let kind = c["kind"].as_str().expect("kind");
            let mut run = Run {
                what: format!("{} [{kind}]", base.what),
                keys: base.keys.clone(),
                context: base.context.clone(),
                message: base.message.clone(),
                legacy: base.legacy,
                expect: match c["expect"].as_str() {
                    Some("ok") => base.expect.clone(),
                    _ => None,
                },
                binary: runs % 2 == 0,
            };
            if let Some(flips) = c["flip"].as_array() {
                for f in flips {
                    let at = usize::try_from(f[0].as_u64().expect("offset")).expect("offset");
                    let bit = u8::try_from(f[1].as_u64().expect("mask")).expect("mask");
                    run.message[at] ^= bit;
                }
            }
            if let Some(keys) = c["keys"].as_array() {
                run.keys = keys.iter().map(|k| k.as_str().expect("key id")).collect();
            }
            if c["context"].is_object() {
                run.context = context_of(&c["context"]);
            }
            if let Some(legacy) = c["legacy"].as_bool() {
                run.legacy = legacy;
            }
            runs += 1;
            failures.extend(check(meta, &run));
        }
    }
    assert_eq!(runs, 647, "checks run");
    assert!(
        failures.is_empty(),
        "{} of {runs} checks:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
