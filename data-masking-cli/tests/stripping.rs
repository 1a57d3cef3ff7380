//! The signature-stripping attack through the command: a message the CLI signed (0x0578),
//! re-issued by a holder of its data key as an unsigned 0x0478 message with another body and
//! the header's context (its `aws-crypto-public-key` included) kept. `decrypt` refuses it, as
//! JSON and with `--raw`, while the same forgery without the public key (the control) decrypts.

use std::path::Path;

use assert_cmd::Command;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::keys::RawAesKeyring;
use data_masking_tests::forge::{reissue_unsigned, strip_signature};

fn cmd() -> Command {
    Command::cargo_bin("data-masking").expect("binary")
}

/// `decrypt` of the base64 `message` as a JSON string, with `extra` arguments.
fn decrypt(key: &Path, message: &[u8], extra: &[&str]) -> assert_cmd::assert::Assert {
    cmd()
        .args(["decrypt", "-c", "tenant=acme", "--key-file"])
        .arg(key)
        .args(extra)
        .write_stdin(format!("\"{}\"", STANDARD.encode(message)))
        .assert()
}

#[test]
fn decrypt_refuses_a_signed_message_reissued_unsigned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("key.json");
    cmd()
        .args(["keygen", "--namespace", "tests", "--name", "k", "--output"])
        .arg(&key)
        .assert()
        .success();
    let out = cmd()
        .args(["encrypt", "-c", "tenant=acme", "--key-file"])
        .arg(&key)
        .write_stdin(r#"{"amount": 10}"#)
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).expect("UTF-8");
    let b64: String = serde_json::from_str(text.trim()).expect("a JSON string");
    let signed = STANDARD.decode(b64).expect("base64");

    let keyring = RawAesKeyring::from_key_file(&key).expect("key file");
    let evil = br#"{"amount":1000000}"#;
    let stripped = strip_signature(&signed, &keyring, evil);
    let control = reissue_unsigned(&signed, &keyring, evil);

    decrypt(&key, &signed, &[])
        .success()
        .stdout("{\"amount\":10}\n");
    decrypt(&key, &control, &[])
        .success()
        .stdout("{\"amount\":1000000}\n");
    for extra in [&[][..], &["--raw"][..]] {
        let a = decrypt(&key, &stripped, extra).code(2).stdout("");
        let err = String::from_utf8(a.get_output().stderr.clone()).expect("UTF-8");
        assert!(
            err.starts_with("error[decrypt-value]") && err.contains("aws-crypto-public-key"),
            "{extra:?}: {err}"
        );
    }
}
