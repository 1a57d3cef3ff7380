//! `data-masking encrypt`, `decrypt` and `keygen`, run as processes.

mod common;

use std::path::{Path, PathBuf};

use common::{
    TENANT_CARD, cli, cmd, keygen, run, set_mode, stderr, stdout, with_keys as raw_cmd,
    write_private,
};
use predicates::prelude::*;
use serde_json::{Value, json};

const RECORD: &str =
    r#"{"name":"Jo","card":"4111 1111 1111 1111","address":{"street":"Main"},"tags":["a","b"]}"#;

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
    write_private(
        &bad_key,
        json!({"namespace": "n", "name": "x", "key": "AAAA"})
            .to_string()
            .as_bytes(),
    );
    run(&["encrypt"], &[&bad_key], RECORD)
        .code(2)
        .stderr(predicate::str::contains("16, 24 or 32 bytes"));
}

/// `--kms-key` against the KMS endpoint the test command starts (moto on loopback); a note and
/// nothing else when no endpoint is configured.
#[test]
fn kms_key_round_trip() {
    if common::endpoint().is_none() {
        return;
    }
    let arn = common::create_key(None);
    let enc = cmd()
        .args(["encrypt", "--kms-key", &arn])
        .args(TENANT_CARD)
        .write_stdin(RECORD)
        .assert()
        .success();
    let v: Value = serde_json::from_str(&stdout(&enc)).unwrap();
    assert!(v["card"].as_str().unwrap().starts_with("AgV4"));
    let dec = cmd()
        .args(["decrypt", "--kms-key", &arn])
        .args(TENANT_CARD)
        .write_stdin(v.to_string())
        .assert()
        .success();
    let back: Value = serde_json::from_str(&stdout(&dec)).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(RECORD).unwrap());
    cli("encrypt --kms-key alias/orders", RECORD)
        .code(2)
        .stderr(predicate::str::contains("full key ARN"));
}

/// A key file that its group or others may access (any bit of `mode & 077`) is refused with one
/// error line naming the file, its mode and the fix, as OpenSSH refuses such private keys; the
/// owner-only modes are accepted silently. The mode checked is the file's, through a symbolic
/// link too.
#[cfg(unix)]
#[test]
fn key_file_open_to_group_or_others_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let k = keygen(dir.path(), "k");
    let ct = stdout(&run(&["encrypt"], &[&k], RECORD).success());
    for mode in [
        0o644, 0o640, 0o604, 0o660, 0o620, 0o602, 0o610, 0o601, 0o666, 0o604,
    ] {
        set_mode(&k, mode);
        for (args, input) in [(["encrypt"], RECORD), (["decrypt"], ct.as_str())] {
            let a = run(&args, &[&k], input).code(2).stdout("");
            let err = stderr(&a);
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(err.starts_with("error[config]: "), "{err}");
            assert!(
                err.contains(&format!("{} has mode {mode:04o}", k.display())),
                "{err}"
            );
            assert!(err.contains(&format!("chmod 600 {}", k.display())), "{err}");
            assert!(err.contains("--allow-open-key-file"), "{err}");
        }
    }
    for mode in [0o600, 0o400, 0o700] {
        set_mode(&k, mode);
        run(&["decrypt"], &[&k], &ct).success().stderr("");
    }
    // A link to the key: the key's mode counts, not the link's.
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&k, &link).unwrap();
    set_mode(&k, 0o600);
    run(&["decrypt"], &[&link], &ct).success().stderr("");
    set_mode(&k, 0o644);
    run(&["decrypt"], &[&link], &ct)
        .code(2)
        .stderr(predicate::str::contains("has mode 0644"));
}

/// `--allow-open-key-file` uses such a key file anyway, with a warning on standard error.
#[cfg(unix)]
#[test]
fn open_key_file_is_used_with_a_warning_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let k = keygen(dir.path(), "k");
    set_mode(&k, 0o644);
    let enc = run(&["encrypt", "--allow-open-key-file"], &[&k], RECORD).success();
    let err = stderr(&enc);
    assert!(err.starts_with("warning: the key file "), "{err}");
    assert!(err.contains("has mode 0644"), "{err}");
    assert!(err.contains(&format!("chmod 600 {}", k.display())), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let ct = stdout(&enc);
    let dec = run(&["decrypt", "--allow-open-key-file"], &[&k], &ct).success();
    assert!(stderr(&dec).starts_with("warning: "));
    let v: Value = serde_json::from_str(&stdout(&dec)).unwrap();
    assert_eq!(v, serde_json::from_str::<Value>(RECORD).unwrap());
}

/// keygen never writes through a symbolic link (or any file) at its output path.
#[cfg(unix)]
#[test]
fn keygen_does_not_write_through_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let link = dir.path().join("key.json");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    cmd()
        .args(["keygen", "--namespace", "n", "--name", "k", "--output"])
        .arg(&link)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error[io]: cannot create"));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
}

/// A "key file" far larger than any key file is refused without being read whole.
#[test]
fn oversized_key_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    write_private(&big, &vec![b' '; 100_000]);
    run(&["encrypt"], &[&big], RECORD)
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::starts_with("error[config]:")
                .and(predicate::str::contains("larger than 65536 bytes")),
        );
}

/// decrypt refuses a message with more encrypted data keys than `--max-encrypted-data-keys`
/// (default 10) before trying any key; encrypt has no such limit.
#[test]
fn decrypt_limits_the_encrypted_data_keys_of_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<PathBuf> = (0..11)
        .map(|i| keygen(dir.path(), &format!("k{i}")))
        .collect();
    let refs: Vec<&Path> = keys.iter().map(PathBuf::as_path).collect();
    let too_many = "encrypted data keys, more than the";
    let ct3 = stdout(&run(&["encrypt"], &refs[..3], RECORD).success());
    run(
        &["decrypt", "--max-encrypted-data-keys", "2"],
        &refs[..1],
        &ct3,
    )
    .code(2)
    .stdout("")
    .stderr(
        predicate::str::starts_with("error[decrypt-value]:").and(predicate::str::contains(
            format!("has 3 {too_many} 2 allowed"),
        )),
    );
    run(
        &["decrypt", "--max-encrypted-data-keys", "3"],
        &refs[..1],
        &ct3,
    )
    .success();
    // The default is 10.
    let ct11 = stdout(&run(&["encrypt"], &refs, RECORD).success());
    run(&["decrypt"], &refs[10..], &ct11)
        .code(2)
        .stderr(predicate::str::contains(format!(
            "has 11 {too_many} 10 allowed"
        )));
    run(
        &["decrypt", "--max-encrypted-data-keys", "11"],
        &refs[10..],
        &ct11,
    )
    .success();
    // Per field, and --raw, the same.
    let enc = stdout(&run(&["encrypt", "-f", "card"], &refs[..3], RECORD).success());
    run(
        &["decrypt", "-f", "card", "--max-encrypted-data-keys", "2"],
        &refs[..1],
        &enc,
    )
    .code(2)
    .stderr(predicate::str::contains(too_many));
    let raw = stdout(&run(&["encrypt", "--raw"], &refs[..3], "bytes").success());
    run(
        &["decrypt", "--raw", "--max-encrypted-data-keys", "2"],
        &refs[..1],
        &raw,
    )
    .code(2)
    .stderr(predicate::str::contains(too_many));
    // 0 is not a limit.
    run(
        &["decrypt", "--max-encrypted-data-keys", "0"],
        &refs[..1],
        &ct3,
    )
    .code(2)
    .stderr(predicate::str::contains("--max-encrypted-data-keys"));
}

/// Bytes that are not UTF-8, with NULs, newlines and every byte value.
fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    let mut v: Vec<u8> = (0..=255u8).collect();
    v.extend((0..n).map(|_| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 56) as u8
    }));
    v
}

/// `encrypt --raw` takes any bytes as the plaintext of one message (printed as one base64 JSON
/// string line); `decrypt --raw` gives back exactly those bytes, from the JSON string, bare
/// base64 or the binary message, to standard output or a private --output file.
#[test]
fn raw_round_trip_of_bytes_that_are_not_json() {
    let dir = tempfile::tempdir().unwrap();
    let k = keygen(dir.path(), "k");
    let plain = random_bytes(50_000, 7);
    assert!(std::str::from_utf8(&plain).is_err());
    let input = dir.path().join("plain.bin");
    std::fs::write(&input, &plain).unwrap();
    let enc = raw_cmd(&["encrypt", "--raw", "-c", "file=plain.bin"], &[&k])
        .arg(&input)
        .assert()
        .success()
        .stderr("");
    let line = stdout(&enc);
    assert!(
        line.ends_with("\"\n") && line.lines().count() == 1,
        "one line"
    );
    let b64: String = serde_json::from_str(line.trim()).expect("a JSON string");
    assert!(b64.starts_with("AgV4"), "0x0578 message");
    let message = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &b64).unwrap();
    for given in [line.clone().into_bytes(), b64.clone().into_bytes(), message] {
        let out = raw_cmd(&["decrypt", "--raw", "-c", "file=plain.bin"], &[&k])
            .write_stdin(given)
            .assert()
            .success()
            .stderr("");
        assert!(out.get_output().stdout == plain, "plaintext bytes differ");
    }
    // To a file: exactly the bytes, mode 0600.
    let out = dir.path().join("back.bin");
    raw_cmd(&["decrypt", "--raw", "-c", "file=plain.bin"], &[&k])
        .arg("--output")
        .arg(&out)
        .write_stdin(line.clone())
        .assert()
        .success()
        .stdout("");
    assert!(std::fs::read(&out).unwrap() == plain, "file bytes differ");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The context still binds; the JSON decrypt refuses a plaintext that is not JSON.
    raw_cmd(&["decrypt", "--raw"], &[&k])
        .write_stdin(line.clone())
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error[context-mismatch]:"));
    raw_cmd(&["decrypt", "-c", "file=plain.bin"], &[&k])
        .write_stdin(line)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("error[decrypt-value]:"));
    // Empty input, and a 0x0478 message.
    let empty = raw_cmd(&["encrypt", "--raw", "--suite", "0x0478"], &[&k])
        .write_stdin("")
        .assert()
        .success();
    let empty = stdout(&empty);
    assert!(empty.starts_with("\"AgR4"), "{empty}");
    raw_cmd(&["decrypt", "--raw"], &[&k])
        .write_stdin(empty)
        .assert()
        .success()
        .stdout("");
}

/// `--raw` with what needs JSON is a usage error; bad `--raw` input is one error line.
#[test]
fn raw_refuses_json_options_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let k = keygen(dir.path(), "k");
    for (cmd_name, extra) in [
        ("encrypt", "--ndjson"),
        ("encrypt", "--pretty"),
        ("decrypt", "--ndjson"),
        ("decrypt", "--pretty"),
    ] {
        run(&[cmd_name, "--raw", extra], &[&k], "x")
            .code(2)
            .stderr(predicate::str::contains("cannot be used with"));
    }
    run(&["decrypt", "--raw", "-f", "a"], &[&k], "x")
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
    for (input, why) in [
        (&b"not base64!"[..], "not base64"),
        (&b"\xff\xfe"[..], "neither a message nor base64"),
        (&b"\x02\x05\x78"[..], "error[decrypt-value]"),
        (&b"\"unterminated"[..], "error[invalid-json]"),
    ] {
        raw_cmd(&["decrypt", "--raw"], &[&k])
            .write_stdin(input)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(why).and(predicate::str::starts_with("error[")));
    }
}
