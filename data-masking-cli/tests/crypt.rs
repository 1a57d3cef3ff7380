//! `data-masking encrypt`, `decrypt` and `keygen`, run as processes.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{Value, json};

const RECORD: &str =
    r#"{"name":"Jo","card":"4111 1111 1111 1111","address":{"street":"Main"},"tags":["a","b"]}"#;

fn cmd() -> Command {
    Command::cargo_bin("data-masking").expect("binary")
}

fn keygen(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(format!("{name}.json"));
    cmd()
        .args(["keygen", "--namespace", "tests", "--name", name, "--output"])
        .arg(&path)
        .assert()
        .success()
        .stdout("");
    path
}

fn run(args: &[&str], keys: &[&Path], stdin: &str) -> assert_cmd::assert::Assert {
    let mut c = cmd();
    c.args(args);
    for k in keys {
        c.arg("--key-file").arg(k);
    }
    c.write_stdin(stdin).assert()
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).expect("UTF-8")
}

#[test]
fn keygen_writes_a_private_key_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = keygen(dir.path(), "k1");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["namespace"], "tests");
    assert_eq!(v["name"], "k1");
    assert_eq!(v["key"].as_str().unwrap().len(), 44, "base64 of 32 bytes");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    cmd()
        .args(["keygen", "--namespace", "tests", "--name", "k1", "--output"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error[io]: cannot create"));
}

#[test]
fn whole_value_round_trip_with_context() {
    let dir = tempfile::tempdir().unwrap();
    let k = keygen(dir.path(), "k");
    let enc = run(
        &["encrypt", "-c", "tenant=acme", "-c", "purpose=billing"],
        &[&k],
        RECORD,
    );
    let ct = stdout(&enc.success());
    let s: String = serde_json::from_str(ct.trim()).expect("a JSON string");
    assert!(s.starts_with("AgV4"), "0x0578 message: {s}");
    // The JSON string, and the bare base64, both decrypt.
    for input in [ct.clone(), s.clone()] {
        let out = run(
            &["decrypt", "-c", "purpose=billing", "-c", "tenant=acme"],
            &[&k],
            &input,
        );
        let v: Value = serde_json::from_str(&stdout(&out.success())).unwrap();
        assert_eq!(v, serde_json::from_str::<Value>(RECORD).unwrap());
    }
    run(
        &["decrypt", "-c", "tenant=other", "-c", "purpose=billing"],
        &[&k],
        &ct,
    )
    .code(2)
    .stdout("")
    .stderr(predicate::str::starts_with("error[context-mismatch]:"));
    run(&["decrypt"], &[&k], &ct)
        .code(2)
        .stderr(predicate::str::contains("not given: purpose, tenant"));
}

#[test]
fn whole_values_are_read_and_written_as_compact_text() {
    let dir = tempfile::tempdir().unwrap();
    let k = keygen(dir.path(), "k");
    let pretty = "{\n  \"a\": [1, 2.50],\n  \"s\": \"x y\\n\"\n}\n";
    let ct = stdout(&run(&["encrypt", "--suite", "0x0478"], &[&k], pretty).success());
    // Decrypt writes the plaintext compact, numbers as written: one line, NDJSON-safe.
    let out = stdout(&run(&["decrypt"], &[&k], &ct).success());
    assert_eq!(out, "{\"a\":[1,2.50],\"s\":\"x y\\n\"}\n");
    // Two whole values a line each, through --ndjson both ways.
    let lines = "{\"n\": 1}\n[true, null]\n";
    let enc = stdout(&run(&["encrypt", "--ndjson"], &[&k], lines).success());
    assert_eq!(enc.lines().count(), 2);
    let dec = stdout(&run(&["decrypt", "--ndjson"], &[&k], &enc).success());
    assert_eq!(dec, "{\"n\":1}\n[true,null]\n");
    // Invalid JSON is refused before anything is encrypted.
    run(&["encrypt"], &[&k], "{\"a\": }")
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("error[invalid-json]:"));
}

#[test]
fn fields_round_trip_and_suite() {
    let dir = tempfile::tempdir().unwrap();
    let k = keygen(dir.path(), "k");
    let enc = run(
        &[
            "encrypt", "-f", "card", "-f", "address", "--suite", "0x0478",
        ],
        &[&k],
        RECORD,
    );
    let v: Value = serde_json::from_str(&stdout(&enc.success())).unwrap();
    assert_eq!(v["name"], "Jo");
    assert!(v["card"].as_str().unwrap().starts_with("AgR4"));
    assert!(v["address"].is_string());
    let dec = run(
        &["decrypt", "-f", "card", "-f", "address"],
        &[&k],
        &v.to_string(),
    );
    let back: Value = serde_json::from_str(&stdout(&dec.success())).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(RECORD).unwrap());
    run(&["encrypt", "--suite", "0x0178"], &[&k], RECORD)
        .code(2)
        .stderr(predicate::str::starts_with("error[config]:"));
}

#[test]
fn several_keys_and_the_wrong_key() {
    let dir = tempfile::tempdir().unwrap();
    let a = keygen(dir.path(), "a");
    let b = keygen(dir.path(), "b");
    let c = keygen(dir.path(), "c");
    let ct = stdout(&run(&["encrypt"], &[&a, &b], RECORD).success());
    // Either key alone decrypts.
    run(&["decrypt"], &[&b], &ct).success();
    run(&["decrypt"], &[&a], &ct).success();
    run(&["decrypt"], &[&c], &ct)
        .code(2)
        .stderr(predicate::str::starts_with("error[decrypt-key]:"));
}

#[test]
fn ndjson_per_field_with_a_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let k = keygen(dir.path(), "k");
    let input = "{\"a\":\"x\",\"n\":1}\nnot json\n{\"a\":[1,2]}\n{\"n\":2}\n";
    let enc = run(
        &["encrypt", "--ndjson", "-f", "a", "--suite", "0x0478"],
        &[&k],
        input,
    )
    .code(2);
    let text = stdout(&enc);
    let err = String::from_utf8(enc.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("error[invalid-json]: invalid JSON at line 2"),
        "{err}"
    );
    assert!(err.contains("error[field-not-found]: line 4:"), "{err}");
    assert_eq!(text.lines().count(), 2);
    let dec = run(&["decrypt", "--ndjson", "-f", "a"], &[&k], &text).success();
    assert_eq!(stdout(&dec), "{\"a\":\"x\",\"n\":1}\n{\"a\":[1,2]}\n");
}

#[test]
fn errors_are_one_line_with_their_kind() {
    let dir = tempfile::tempdir().unwrap();
    let k = keygen(dir.path(), "k");
    run(&["encrypt"], &[], RECORD)
        .code(2)
        .stderr(predicate::str::starts_with(
            "error[config]: invalid configuration: a key is needed",
        ));
    run(&["encrypt", "-c", "novalue"], &[&k], RECORD)
        .code(2)
        .stderr(predicate::str::starts_with("error[invalid-context]:"));
    run(&["encrypt", "-c", "aws-crypto-public-key=x"], &[&k], RECORD)
        .code(2)
        .stderr(predicate::str::contains("reserved"));
    run(&["decrypt"], &[&k], "\"AgV4notamessage\"")
        .code(2)
        .stderr(predicate::str::starts_with("error[decrypt-value]:"));
    let bad_key = dir.path().join("bad.json");
    std::fs::write(
        &bad_key,
        json!({"namespace": "n", "name": "x", "key": "AAAA"}).to_string(),
    )
    .unwrap();
    run(&["encrypt"], &[&bad_key], RECORD)
        .code(2)
        .stderr(predicate::str::contains("16, 24 or 32 bytes"));
}

/// `--kms-key` against the KMS endpoint the test command starts (moto on loopback); a note and
/// nothing else when no endpoint is configured.
#[test]
fn kms_key_round_trip() {
    if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        eprintln!("note: AWS_ENDPOINT_URL is not set; the --kms-key test needs a KMS endpoint");
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let arn = rt.block_on(async {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let client = aws_sdk_kms::Client::new(&config);
        let key = client
            .create_key()
            .send()
            .await
            .expect("CreateKey at the endpoint");
        key.key_metadata()
            .and_then(|m| m.arn())
            .expect("key ARN")
            .to_owned()
    });
    let enc = cmd()
        .args([
            "encrypt",
            "--kms-key",
            &arn,
            "-c",
            "tenant=acme",
            "-f",
            "card",
        ])
        .write_stdin(RECORD)
        .assert()
        .success();
    let v: Value = serde_json::from_str(&stdout(&enc)).unwrap();
    assert!(v["card"].as_str().unwrap().starts_with("AgV4"));
    let dec = cmd()
        .args([
            "decrypt",
            "--kms-key",
            &arn,
            "-c",
            "tenant=acme",
            "-f",
            "card",
        ])
        .write_stdin(v.to_string())
        .assert()
        .success();
    let back: Value = serde_json::from_str(&stdout(&dec)).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(RECORD).unwrap());
    cmd()
        .args(["encrypt", "--kms-key", "alias/orders"])
        .write_stdin(RECORD)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("full key ARN"));
}
