//! `data-masking seal` and `unseal`, run as processes: a record's round trip with its
//! placeholders in view, every tamper refused with its `error[kind]` and exit code 2, NDJSON with
//! a tampered line among good ones, `--output` left alone on failure, and the usage and help.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use assert_cmd::assert::Assert;
use predicates::prelude::*;
use serde_json::{Value, json};

/// A 256-bit key file (bytes 1 to 32), as `keygen` writes one.
const KEY: &str =
    r#"{"namespace":"seal-tests","name":"k","key":"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="}"#;

/// The options every run below seals and unseals with.
const OPTIONS: [&str; 10] = [
    "-f",
    "card",
    "-f",
    "orders[*].card",
    "--sign",
    "status",
    "--context-from",
    "customer=id",
    "-c",
    "tenant=acme",
];

/// The secrets of [`record`], none of which may be seen in its sealed form.
const SECRETS: [&str; 3] = ["4111", "5500", "3400"];

fn record(id: usize) -> Value {
    json!({
        "id": format!("c-{id}"),
        "name": "Jo",
        "card": "4111 1111 1111 1111",
        "status": "active",
        "orders": [
            {"id": 1, "card": "5500 0000 0000 0004", "total": 10.5},
            {"id": 2, "card": "3400 0000 0000 009", "total": id}
        ]
    })
}

/// Creates `dir/name` holding `text`, readable by its owner only (mode 0600 on Unix).
fn private_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .expect("private file");
    path
}

/// The records of `ids` as NDJSON, one a line.
fn ndjson(ids: impl Iterator<Item = usize>) -> String {
    ids.map(|i| record(i).to_string() + "\n").collect()
}

/// A folder holding a private key file, and the commands that use it.
struct Keyed {
    dir: tempfile::TempDir,
    key: PathBuf,
}

impl Keyed {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = private_file(dir.path(), "key.json", KEY);
        Self { dir, key }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `data-masking SUBCOMMAND ARGS... --key-file KEY`.
    fn bare(&self, subcommand: &str, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("data-masking").expect("binary");
        c.arg(subcommand)
            .args(args)
            .arg("--key-file")
            .arg(&self.key);
        c
    }

    /// `data-masking SUBCOMMAND` with [`OPTIONS`] and `extra`.
    fn cmd(&self, subcommand: &str, extra: &[&str]) -> Command {
        let mut args = OPTIONS.to_vec();
        args.extend_from_slice(extra);
        self.bare(subcommand, &args)
    }

    /// `record` sealed with [`OPTIONS`].
    fn seal(&self, record: &Value) -> Value {
        let out = self
            .cmd("seal", &[])
            .write_stdin(record.to_string())
            .assert()
            .success();
        serde_json::from_str(&stdout(&out)).expect("a JSON record")
    }

    /// `sealed` unsealed with [`OPTIONS`].
    fn unseal(&self, sealed: &Value) -> Assert {
        self.cmd("unseal", &[])
            .write_stdin(sealed.to_string())
            .assert()
    }
}

fn stdout(a: &Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).expect("UTF-8")
}

fn stderr(a: &Assert) -> String {
    String::from_utf8(a.get_output().stderr.clone()).expect("UTF-8")
}

/// Asserts that unsealing `sealed` fails with exactly `error` (one line) and exit code 2,
/// writing nothing to standard output.
fn assert_refused(k: &Keyed, sealed: &Value, error: &str) {
    let out = k.unseal(sealed).code(2).stdout("");
    assert_eq!(stderr(&out), format!("{error}\n"));
}

#[test]
fn a_record_round_trips_through_seal_and_unseal_with_its_placeholders_in_view() {
    let k = Keyed::new();
    let pretty = serde_json::to_string_pretty(&record(7)).expect("pretty");
    let out = k
        .cmd("seal", &[])
        .write_stdin(pretty.clone())
        .assert()
        .success();
    let text = stdout(&out);
    // Only the selected values are rewritten: the input's formatting is kept.
    assert_eq!(
        text.lines().count(),
        pretty.lines().count(),
        "the input's lines: {text}"
    );
    let sealed: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(sealed["card"], json!({"__encrypted": "$['card']"}));
    assert_eq!(
        sealed["orders"][1]["card"],
        json!({"__encrypted": "$['orders'][1]['card']"})
    );
    // Signed and unlisted values stay readable; the secrets are nowhere in the clear.
    assert_eq!(sealed["status"], "active");
    assert_eq!(sealed["orders"][0]["total"], 10.5);
    assert!(sealed["__sealed"].as_str().is_some_and(|m| m.len() > 100));
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    let back = k.unseal(&sealed).success().stderr("");
    assert_eq!(stdout(&back), format!("{}\n", record(7)));
}

#[test]
fn member_and_suite_are_options_unseal_must_be_given_too() {
    let k = Keyed::new();
    let out = k
        .cmd("seal", &["--member", "_seal", "--suite", "0x0478"])
        .write_stdin(record(1).to_string())
        .assert()
        .success();
    let sealed: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let message = sealed["_seal"].as_str().expect("the message in _seal");
    assert!(message.starts_with("AgR4"), "0x0478 message: {message}");
    assert!(sealed.get("__sealed").is_none());
    let back = k
        .cmd("unseal", &["--member", "_seal"])
        .write_stdin(sealed.to_string())
        .assert()
        .success();
    assert_eq!(stdout(&back), format!("{}\n", record(1)));
    assert_refused(
        &k,
        &sealed,
        "error[record-tampered]: record tampered at $['__sealed']: the sealed message is missing",
    );
}

#[test]
fn a_swapped_placeholder_is_refused() {
    let k = Keyed::new();
    let mut sealed = k.seal(&record(1));
    let first = sealed["orders"][0]["card"].take();
    sealed["orders"][0]["card"] = sealed["orders"][1]["card"].take();
    sealed["orders"][1]["card"] = first;
    assert_refused(
        &k,
        &sealed,
        "error[record-tampered]: record tampered at $['orders'][0]['card']: \
         a placeholder was moved here: it names $['orders'][1]['card']",
    );
}

#[test]
fn an_edited_signed_field_is_refused() {
    let k = Keyed::new();
    let mut sealed = k.seal(&record(1));
    sealed["status"] = json!("closed");
    assert_refused(
        &k,
        &sealed,
        "error[record-tampered]: record tampered at $['status']: a signed value was changed",
    );
    sealed.as_object_mut().expect("object").remove("status");
    assert_refused(
        &k,
        &sealed,
        "error[record-tampered]: record tampered at $['status']: a signed value was removed",
    );
}

#[test]
fn a_changed_bound_field_or_context_is_refused() {
    let k = Keyed::new();
    let sealed = k.seal(&record(1));
    let mut moved = sealed.clone();
    moved["id"] = json!("c-2");
    assert_refused(
        &k,
        &moved,
        "error[context-mismatch]: encryption context mismatch: keys whose values differ: customer",
    );
    // Another -c value, and other fields than those sealed with.
    let mut args = OPTIONS.to_vec();
    args[9] = "tenant=other";
    k.bare("unseal", &args)
        .write_stdin(sealed.to_string())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("error[context-mismatch]:"));
    let unsigned = [
        "-f",
        "card",
        "-f",
        "orders[*].card",
        "--context-from",
        "customer=id",
    ];
    k.bare("unseal", &[&unsigned[..], &["-c", "tenant=acme"]].concat())
        .write_stdin(sealed.to_string())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "error[config]: invalid configuration: the record was sealed with other fields",
        ));
}

#[test]
fn ndjson_unseals_the_good_lines_in_order_and_reports_the_tampered_one() {
    let k = Keyed::new();
    let n = 40;
    let bad = 23;
    let input = ndjson(1..=n);
    let sealed = k
        .cmd("seal", &["--ndjson", "--threads", "3"])
        .write_stdin(input)
        .assert()
        .success();
    let tampered: String = stdout(&sealed)
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i + 1 == bad {
                let mut v: Value = serde_json::from_str(line).expect("JSON line");
                v["status"] = json!("closed");
                v.to_string() + "\n"
            } else {
                line.to_owned() + "\n"
            }
        })
        .collect();
    let out = k
        .cmd("unseal", &["--ndjson", "--threads", "3"])
        .write_stdin(tampered)
        .assert()
        .code(2);
    let want = ndjson((1..=n).filter(|&i| i != bad));
    assert_eq!(stdout(&out), want);
    assert_eq!(
        stderr(&out),
        format!(
            "error[record-tampered]: line {bad}: record tampered at $['status']: \
             a signed value was changed\n"
        )
    );
}

#[test]
fn a_bad_ndjson_line_to_seal_is_reported_with_its_number() {
    let k = Keyed::new();
    let input = format!("{}\n[1, 2]\n{}\n", record(1), record(2));
    let out = k
        .cmd("seal", &["--ndjson"])
        .write_stdin(input)
        .assert()
        .code(2);
    assert_eq!(
        stderr(&out),
        "error[unsupported-type]: line 2: unsupported input: only a JSON object can be sealed\n"
    );
    let back = k
        .cmd("unseal", &["--ndjson"])
        .write_stdin(stdout(&out))
        .assert()
        .success();
    assert_eq!(stdout(&back), format!("{}\n{}\n", record(1), record(2)));
}

#[test]
fn output_is_written_only_on_success() {
    let k = Keyed::new();
    let out_dir = k.path().join("out");
    std::fs::create_dir(&out_dir).expect("mkdir");
    let target = out_dir.join("record.json");
    std::fs::write(&target, "old bytes").expect("write");
    let sealed = k.seal(&record(1));
    let mut tampered = sealed.clone();
    tampered["status"] = json!("closed");
    let output = ["--output", target.to_str().expect("a UTF-8 path")];
    k.cmd("unseal", &output)
        .write_stdin(tampered.to_string())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("error[record-tampered]:"));
    let names = || -> Vec<String> {
        std::fs::read_dir(&out_dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(names(), ["record.json"], "no temporary file left");
    assert_eq!(std::fs::read_to_string(&target).expect("old"), "old bytes");
    k.cmd("unseal", &output)
        .write_stdin(sealed.to_string())
        .assert()
        .success()
        .stdout("");
    assert_eq!(
        std::fs::read_to_string(&target).expect("new"),
        format!("{}\n", record(1))
    );
    assert_eq!(names(), ["record.json"]);
}

#[test]
fn a_field_to_encrypt_or_sign_is_required() {
    let k = Keyed::new();
    for subcommand in ["seal", "unseal"] {
        k.bare(subcommand, &["-c", "tenant=acme", "--context-from", "c=id"])
            .write_stdin(record(1).to_string())
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                predicate::str::contains("required arguments were not provided")
                    .and(predicate::str::contains("--field"))
                    .and(predicate::str::contains("--sign")),
            );
    }
    // --sign alone is enough.
    k.bare("seal", &["--sign", "status"])
        .write_stdin(record(1).to_string())
        .assert()
        .success();
}

#[test]
fn bad_options_are_refused_before_any_record() {
    let k = Keyed::new();
    for (args, error) in [
        (
            &["-f", "card", "--context-from", "customer"][..],
            "error[invalid-context]: invalid encryption context: \"customer\" is not KEY=PATH",
        ),
        (&["-f", "card["][..], "error[invalid-path]:"),
        (&["--sign", "s", "--member", ""][..], "error[config]:"),
        (
            &["-f", "card", "--context-from", "aws-crypto-x=id"][..],
            "error[invalid-context]:",
        ),
    ] {
        for subcommand in ["seal", "unseal"] {
            k.bare(subcommand, args)
                .write_stdin(record(1).to_string())
                .assert()
                .code(2)
                .stdout("")
                .stderr(predicate::str::starts_with(error));
        }
    }
    // A field to encrypt that locates nothing, unless --allow-missing.
    k.bare("seal", &["-f", "nothing"])
        .write_stdin(record(1).to_string())
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error[field-not-found]:"));
    k.bare("seal", &["-f", "nothing", "--allow-missing"])
        .write_stdin(record(1).to_string())
        .assert()
        .success();
}

#[test]
fn help_names_the_commands_and_their_options() {
    let help = |args: &[&str]| {
        let out = Command::cargo_bin("data-masking")
            .expect("binary")
            .args(args)
            .arg("--help")
            .assert()
            .success();
        stdout(&out)
    };
    let top = help(&[]);
    for command in ["seal", "unseal"] {
        assert!(top.contains(&format!("  {command} ")), "{top}");
    }
    let shared = [
        "--field",
        "--sign",
        "--context-from",
        "--member",
        "--context",
        "--key-file",
        "--kms-key",
        "--allow-open-key-file",
        "--ndjson",
        "--output",
        "--threads",
        "--max-line-bytes",
    ];
    let seal = help(&["seal"]);
    for option in shared.iter().chain(&["--suite", "--allow-missing"]) {
        assert!(seal.contains(option), "seal --help lacks {option}");
    }
    let unseal = help(&["unseal"]);
    for option in shared.iter().chain(&["--max-encrypted-data-keys"]) {
        assert!(unseal.contains(option), "unseal --help lacks {option}");
    }
    assert!(!unseal.contains("--suite"), "{unseal}");
}

/// Unseal bounds the encrypted data keys of a record's message like decrypt does, and both
/// commands refuse a key file open to others like encrypt and decrypt do.
#[test]
fn unseal_limits_data_keys_and_key_files_must_be_private() {
    let k = Keyed::new();
    let second = private_file(
        k.path(),
        "second.json",
        &KEY.replace("\"k\"", "\"k2\"").replace("AQID", "BQID"),
    );
    let second = second.to_str().expect("a UTF-8 path");
    let out = k
        .cmd("seal", &["--key-file", second])
        .write_stdin(record(1).to_string())
        .assert()
        .success();
    let sealed = stdout(&out);
    k.cmd("unseal", &["--max-encrypted-data-keys", "1"])
        .write_stdin(sealed.clone())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("error[decrypt-value]:").and(
            predicate::str::contains("has 2 encrypted data keys, more than the 1 allowed"),
        ));
    k.cmd("unseal", &["--max-encrypted-data-keys", "2"])
        .write_stdin(sealed)
        .assert()
        .success()
        .stdout(format!("{}\n", record(1)));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&k.key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        for subcommand in ["seal", "unseal"] {
            k.cmd(subcommand, &[])
                .write_stdin(record(1).to_string())
                .assert()
                .code(2)
                .stdout("")
                .stderr(
                    predicate::str::starts_with("error[config]:")
                        .and(predicate::str::contains("chmod 600")),
                );
        }
    }
}
