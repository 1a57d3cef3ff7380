//! The official AWS Encryption SDK decrypt vectors (raw AES keys, made by ESDK-NET, the Dafny ESDK
//! and the message format's known-answer tests) through `data-masking decrypt --raw`: each message
//! that must decrypt gives exactly its plaintext bytes, each that must be refused fails with exit
//! code 2, one `error[...]` line and no output file. Then the vectors' checks: tampered bits,
//! wrong keys, context changes, the legacy flag left out, two-key messages with each key. The
//! cases are those the library's test (`tests/tests/official_vectors.rs`) runs.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking_tests::official::{Case, Vectors};

/// Writes a key file (the CLI's format, mode 0600) for the `namespace:name[:...]` id.
fn key_file(dir: &Path, vectors: &Vectors, id: &str, n: usize) -> PathBuf {
    let k = vectors.key(id);
    let path = dir.join(format!("key-{n}.json"));
    let text = serde_json::json!({
        "namespace": k.namespace,
        "name": k.name,
        "key": STANDARD.encode(&k.key),
    });
    std::fs::write(&path, text.to_string()).expect("write key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    path
}

/// Runs one decrypt in its own folder; returns a failure description, if any.
fn check(vectors: &Vectors, run: &Case, binary: bool) -> Option<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("message");
    if binary {
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
        cmd.arg("--key-file")
            .arg(key_file(dir.path(), vectors, id, n));
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

#[test]
fn official_vectors_decrypt_through_the_cli() {
    let vectors = Vectors::load();
    let cases = vectors.cases();
    assert_eq!(cases.len(), 123);
    // Messages alternate between base64 text and the binary message.
    let failures: Vec<String> = cases
        .iter()
        .enumerate()
        .filter_map(|(n, c)| check(&vectors, c, n % 2 == 1))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} vectors:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Each vector's checks: variants that must be refused (a flipped bit, a wrong key, a missing or
/// extra context pair, a legacy suite without --allow-legacy-decrypt) or must decrypt (one key
/// of a two-key message alone, both in the other order).
#[test]
fn official_vector_checks_through_the_cli() {
    let vectors = Vectors::load();
    let checks = vectors.checks();
    assert_eq!(checks.len(), 647, "checks run");
    let failures: Vec<String> = checks
        .iter()
        .enumerate()
        .filter_map(|(n, (_, c))| check(&vectors, c, n % 2 == 0))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} checks:\n{}",
        failures.len(),
        checks.len(),
        failures.join("\n")
    );
}
