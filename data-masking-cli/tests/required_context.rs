//! `encrypt --required-context-key`: pairs the messages authenticate but do not store; `decrypt`
//! takes them back through the usual `--context`.

mod common;

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::stdout;
use predicates::prelude::*;
use serde_json::{Value, json};

const RECORD: &str = r#"{"name":"Jo","card":"4111 1111 1111 1111"}"#;

fn keygen(dir: &Path) -> std::path::PathBuf {
    common::keygen(dir, "k")
}

fn run(args: &[&str], key: &Path, stdin: &[u8]) -> assert_cmd::assert::Assert {
    common::run(args, &[key], stdin)
}

const FULL: [&str; 4] = ["-c", "tenant=acme", "-c", "purpose=billing"];

#[test]
fn required_pairs_are_not_stored_and_decrypt_needs_them() {
    let dir = tempfile::tempdir().unwrap();
    let key = keygen(dir.path());
    let mut args = vec!["encrypt", "--required-context-key", "tenant"];
    args.extend(FULL);
    let out = stdout(&run(&args, &key, RECORD.as_bytes()).success());
    let message: String = serde_json::from_str(out.trim()).expect("a JSON string");
    let bytes = STANDARD.decode(&message).expect("base64");
    assert!(
        !bytes.windows(4).any(|w| w == b"acme"),
        "the pair is not stored"
    );
    assert!(
        bytes.windows(7).any(|w| w == b"billing"),
        "the other one is"
    );

    let mut args = vec!["decrypt"];
    args.extend(FULL);
    let a = run(&args, &key, out.as_bytes()).success();
    let back: Value = serde_json::from_str(&stdout(&a)).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(RECORD).unwrap());

    // The required pair missing or wrong: the data key does not unwrap (the keyring wraps it
    // under the whole context). A wrong pair is named as a required one.
    run(&["decrypt", "-c", "purpose=billing"], &key, out.as_bytes())
        .code(2)
        .stderr(predicate::str::starts_with("error[decrypt-key]:"));
    let mut args = vec!["decrypt", "-c", "tenant=evil", "-c", "purpose=billing"];
    run(&args, &key, out.as_bytes())
        .code(2)
        .stderr(predicate::str::starts_with("error[decrypt-key]:"))
        .stderr(predicate::str::contains(
            "(tenant) were checked as its required",
        ))
        .stderr(predicate::str::contains("evil").not());
    // An extra pair is one more required pair to the decryptor, which the message lacks.
    args = vec!["decrypt", "-c", "x=1"];
    args.extend(FULL);
    run(&args, &key, out.as_bytes())
        .code(2)
        .stderr(predicate::str::starts_with("error[decrypt-key]:"));
    // A stored pair missing: a context mismatch, as ever.
    run(&["decrypt", "-c", "tenant=acme"], &key, out.as_bytes())
        .code(2)
        .stderr(predicate::str::starts_with("error[context-mismatch]:"))
        .stderr(predicate::str::contains("not given: purpose"));
}

#[test]
fn every_required_key_must_be_in_the_context() {
    let dir = tempfile::tempdir().unwrap();
    let key = keygen(dir.path());
    let mut args = vec![
        "encrypt",
        "--required-context-key",
        "tenant",
        "--required-context-key",
        "region",
    ];
    args.extend(FULL);
    run(&args, &key, RECORD.as_bytes())
        .code(2)
        .stderr(predicate::str::starts_with("error[invalid-context]:"))
        .stderr(predicate::str::contains("region"));
    run(
        &[
            "encrypt",
            "--required-context-key",
            "aws-crypto-public-key",
            "-c",
            "a=b",
        ],
        &key,
        RECORD.as_bytes(),
    )
    .code(2)
    .stderr(predicate::str::starts_with("error[config]:"));
}

#[test]
fn fields_and_raw_bytes_with_required_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let key = keygen(dir.path());
    // Fields.
    let mut args = vec!["encrypt", "--required-context-key", "tenant", "-f", "card"];
    args.extend(FULL);
    let out = stdout(&run(&args, &key, RECORD.as_bytes()).success());
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["name"], "Jo");
    let mut args = vec!["decrypt", "-f", "card"];
    args.extend(FULL);
    let back: Value =
        serde_json::from_str(&stdout(&run(&args, &key, out.as_bytes()).success())).unwrap();
    assert_eq!(back, json!({"name": "Jo", "card": "4111 1111 1111 1111"}));
    // Raw bytes.
    let mut args = vec!["encrypt", "--raw", "--required-context-key", "tenant"];
    args.extend(FULL);
    let out = stdout(&run(&args, &key, b"\x00\xffbytes").success());
    let mut args = vec!["decrypt", "--raw"];
    args.extend(FULL);
    let a = run(&args, &key, out.as_bytes()).success();
    assert_eq!(a.get_output().stdout, b"\x00\xffbytes");
    run(
        &["decrypt", "--raw", "-c", "purpose=billing"],
        &key,
        out.as_bytes(),
    )
    .code(2)
    .stderr(predicate::str::starts_with("error[decrypt-key]:"));
}
