//! RSA key files on the command line: `keygen --type rsa` (the key pair's file and its public
//! half), encrypting with the public half alone, decrypting with the pair, and the official raw
//! RSA vectors of `tests/data/vectors/official/vectors_more.json` through `decrypt --raw`.

mod common;

use std::path::Path;

use common::{Run, check, cmd, plaintext, run, strings, vector_run};
use predicates::prelude::*;
use serde_json::Value;

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// `keygen` with the words of `line` and `--output output`.
fn keygen(line: &str, output: &Path) -> assert_cmd::Command {
    let mut c = cmd();
    c.arg("keygen").args(line.split_whitespace());
    c.arg("--output").arg(output);
    c
}

#[test]
fn keygen_rsa_writes_the_pair_and_its_public_half_which_only_encrypts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("rsa.json");
    let line = "--type rsa --bits 2048 --padding oaep-sha512 --namespace tests --name rsa-1";
    keygen(line, &key)
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(
            "2048-bit RSA key pair tests/rsa-1",
        ));
    let public = dir.path().join("rsa.public.json");
    let whole: Value =
        serde_json::from_str(&std::fs::read_to_string(&key).expect("key")).expect("JSON");
    let half: Value =
        serde_json::from_str(&std::fs::read_to_string(&public).expect("public")).expect("JSON");
    assert_eq!(whole["type"], "rsa");
    assert_eq!(whole["padding"], "oaep-sha512");
    assert!(
        whole["private_key_pem"]
            .as_str()
            .expect("pem")
            .contains("BEGIN PRIVATE KEY")
    );
    assert!(half.get("private_key_pem").is_none());
    assert_eq!(half["public_key_pem"], whole["public_key_pem"]);
    #[cfg(unix)]
    {
        assert_eq!(mode(&key), 0o600);
        assert_eq!(mode(&public), 0o644, "the public half holds no secret");
    }
    // The public half (readable by all) encrypts; the pair decrypts.
    let enc = run(
        &["encrypt", "--raw", "-c", "a=b"],
        &[&public],
        "for the key holder",
    )
    .success()
    .stderr("");
    let message = enc.get_output().stdout.clone();
    run(&["decrypt", "--raw", "-c", "a=b"], &[&key], &message)
        .success()
        .stdout("for the key holder");
    // The public half cannot decrypt, and says why.
    run(&["decrypt", "--raw", "-c", "a=b"], &[&public], &message)
        .code(2)
        .stderr(predicate::str::contains("only its public key was given"));
    // Never overwritten; RSA options are for RSA keys.
    let other = dir.path().join("other.json");
    keygen("--type rsa --bits 2048 --namespace t --name n", &other)
        .arg("--public-output")
        .arg(&public)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error[io]: cannot create"));
    assert!(!other.exists(), "nothing written");
    let aes = dir.path().join("aes.json");
    keygen("--padding pkcs1 --namespace t --name n", &aes)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("are for --type rsa"));
    let small = dir.path().join("small.json");
    keygen("--type rsa --bits 1024 --namespace t --name n", &small)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("2048, 3072 or 4096 bits"));
}

#[test]
fn an_open_file_holding_a_private_rsa_key_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("k.json");
    keygen("--type rsa --bits 2048 --namespace t --name k", &key)
        .assert()
        .success();
    #[cfg(unix)]
    {
        common::set_mode(&key, 0o644);
        run(&["encrypt", "--raw"], &[&key], "x")
            .code(2)
            .stderr(predicate::str::contains("its group or others may read it"));
    }
}

// The official raw RSA vectors.

/// The `raw-rsa` vectors and their key checks (wrong key, wrong padding, the other key of a
/// two-key message, both keys in each order).
fn runs(all: &Value) -> Vec<Run> {
    let mut out = Vec::new();
    for v in all["vectors"].as_array().expect("vectors") {
        if v["group"] != "raw-rsa" {
            continue;
        }
        let base = || vector_run(v, Some(plaintext(all, v)));
        out.push(base());
        for c in v["checks"].as_array().into_iter().flatten() {
            let kind = c["kind"].as_str().expect("kind");
            if !matches!(
                kind,
                "wrong-key" | "wrong-padding" | "other-edk-key" | "both-keys" | "reversed-keys"
            ) {
                continue;
            }
            let mut run = base();
            run.what = format!("{} [{kind}]", run.what);
            run.keys = strings(&c["keys"]);
            if c["expect"] != "ok" {
                run.expect = None;
            }
            out.push(run);
        }
    }
    out
}

/// A refused decrypt must exit with code 2 and an `error[...]` message.
fn refused(run: &Run) -> impl Fn(std::process::ExitStatus, &str) -> Option<String> {
    move |status, stderr| {
        if status.code() == Some(2) && stderr.starts_with("error[") {
            return None;
        }
        Some(format!(
            "{}: must be refused: {status:?} {stderr}",
            run.what
        ))
    }
}

#[test]
fn official_raw_rsa_vectors_and_their_key_checks_through_the_cli() {
    let all = common::vectors_more();
    let runs = runs(&all);
    // 99 vectors; 99 wrong-key, 187 wrong-padding and 66 two-key checks.
    assert_eq!(runs.len(), 99 + 99 + 187 + 66);
    let failures: Vec<String> = runs
        .iter()
        .filter_map(|r| check(&all, r, refused(r)))
        .collect();
    common::assert_no_failures(&failures, runs.len());
}
