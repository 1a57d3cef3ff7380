//! The `data-masking erase` command, run as a process.

mod common;

use assert_cmd::Command;
use common::{cli, cmd};
use predicates::prelude::*;
use serde_json::{Value, json};

const RECORD: &str = r#"{"name":"Carlos","card_number":"1111 2222 3333 4444","email":"jo.doe@example.com","address":[{"street":"123 Any St","postcode":12345},{"street":"9 Main","postcode":90000}]}"#;

/// Runs `c`, which must succeed; its standard output as JSON.
fn erased(c: &mut Command) -> Value {
    let out = c.assert().success();
    serde_json::from_slice(&out.get_output().stdout).expect("stdout is JSON")
}

#[test]
fn stdin_fields_default_mask() {
    let v = erased(
        cmd()
            .args(["erase", "--field", "card_number", "-f", "address[*].street"])
            .write_stdin(RECORD),
    );
    assert_eq!(v["card_number"], "*****");
    assert_eq!(v["address"][0]["street"], "*****");
    assert_eq!(v["address"][1]["street"], "*****");
    assert_eq!(v["name"], "Carlos");
    assert_eq!(v["address"][0]["postcode"], 12345);
}

#[test]
fn key_order_is_kept() {
    cli("erase -f email", r#"{"z":1,"email":"x","a":2}"#)
        .success()
        .stdout("{\"z\":1,\"email\":\"*****\",\"a\":2}\n");
}

#[test]
fn file_input_whole_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.json");
    std::fs::write(&path, RECORD).unwrap();
    cmd()
        .args(["erase"])
        .arg(&path)
        .assert()
        .success()
        .stdout("\"*****\"\n");
    let v = erased(cmd().args(["erase", "--dynamic"]).arg(&path));
    assert_eq!(v["name"], "******");
    assert_eq!(v["address"][1]["postcode"], "*****");
}

#[test]
fn each_mask_option() {
    let run =
        |args: &[&str]| -> Value { erased(cmd().arg("erase").args(args).write_stdin(RECORD)) };
    assert_eq!(
        run(&["-f", "email", "--dynamic"])["email"],
        "**.***********.***"
    );
    assert_eq!(
        run(&["-f", "name", "--custom", "XXXXXXXXX"])["name"],
        "XXXXXX"
    );
    assert_eq!(
        run(&[
            "-f",
            "card_number",
            "--regex",
            r"^(\d{4}) .*$",
            "--format",
            r"\1 **** **** ****"
        ])["card_number"],
        "1111 **** **** ****"
    );
    assert_eq!(
        run(&[
            "-f",
            "card_number",
            "--regex",
            r"(\d{4})$",
            "--format",
            "#$1"
        ])["card_number"],
        "1111 2222 3333 #4444"
    );
}

#[test]
fn rules_file() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.json");
    std::fs::write(
        &rules,
        r#"{"email": {"dynamic_mask": true}, "address[*].postcode": {"custom_mask": "PC"}, "name": {}}"#,
    )
    .unwrap();
    let v = erased(
        cmd()
            .args(["erase", "--rules"])
            .arg(&rules)
            .write_stdin(RECORD),
    );
    assert_eq!(v["email"], "**.***********.***");
    assert_eq!(v["address"][0]["postcode"], "PC");
    assert_eq!(v["name"], "*****");
    assert_eq!(v["card_number"], "1111 2222 3333 4444");
}

#[test]
fn missing_field_fails_unless_allowed() {
    cli("erase -f nope", RECORD)
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "error[field-not-found]: field or expression nope not found",
        ));
    let v = erased(
        cmd()
            .args(["erase", "-f", "nope", "-f", "name", "--allow-missing"])
            .write_stdin(RECORD),
    );
    assert_eq!(v["name"], "*****");
}

#[test]
fn error_kinds_and_exit_codes() {
    cli("erase -f address[0", RECORD)
        .code(2)
        .stderr(predicate::str::starts_with(
            "error[invalid-path]: invalid path \"address[0\" at position 9",
        ));
    cli("erase -f a --regex ( --format x", RECORD)
        .code(2)
        .stderr(predicate::str::starts_with("error[invalid-mask]:"));
    cli("erase -f a", "{not json")
        .code(2)
        .stderr(predicate::str::starts_with(
            "error[invalid-json]: invalid JSON at line 1 column 2",
        ));
    cmd()
        .args(["erase", "/nonexistent/input.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error[io]: cannot open /nonexistent/input.json",
        ));
    // clap refuses a --regex without --format
    cli("erase --regex x", RECORD)
        .failure()
        .stderr(predicate::str::contains("--format"));
}

#[test]
fn ndjson_bad_line_reported_others_processed() {
    let input = "{\"a\":\"x\",\"b\":1}\n{broken\n\n{\"a\":[1,2]}\n{\"b\":3}\n{\"a\":null}\n";
    let assert = cmd()
        .args(["erase", "--ndjson", "-f", "a"])
        .write_stdin(input)
        .assert()
        .code(2);
    let out = assert.get_output();
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(
        stdout,
        "{\"a\":\"*****\",\"b\":1}\n{\"a\":[\"*****\",\"*****\"]}\n{\"a\":\"*****\"}\n"
    );
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with("error[invalid-json]: invalid JSON at line 2 column 2"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("error[field-not-found]: line 5: field or expression a not found"),
        "{stderr}"
    );
}

#[test]
fn output_file_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    cmd()
        .args(["erase", "-f", "name", "--output"])
        .arg(&out)
        .write_stdin(RECORD)
        .assert()
        .success()
        .stdout("");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["name"], "*****");
    // A failing run leaves neither the output nor a temporary file behind.
    let out2 = dir.path().join("out2.json");
    cmd()
        .args(["erase", "-f", "nope", "--output"])
        .arg(&out2)
        .write_stdin(RECORD)
        .assert()
        .code(2);
    assert!(!out2.exists());
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "only out.json remains: {left:?}");
}

#[test]
fn pretty_output() {
    cmd()
        .args(["erase", "-f", "a", "--pretty"])
        .write_stdin(r#"{"a":1}"#)
        .assert()
        .success()
        .stdout(format!(
            "{}\n",
            serde_json::to_string_pretty(&json!({"a": "*****"})).unwrap()
        ));
}
