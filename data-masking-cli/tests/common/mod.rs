//! Helpers shared by the CLI's tests: running the `data-masking` binary, key files, the KMS
//! endpoint the test command starts (moto on loopback) with a recording proxy in front of it
//! (from `data_masking_tests::kms`), and the official vectors of `tests/data/vectors/official/vectors_more.json`.
//!
//! Each test file uses some of them (`mod common;`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Output};

use assert_cmd::Command;
use assert_cmd::assert::Assert;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// The context pair and the field most KMS tests encrypt and decrypt.
pub const TENANT_CARD: [&str; 4] = ["-c", "tenant=acme", "-f", "card"];

/// The `data-masking` binary.
pub fn cmd() -> Command {
    Command::cargo_bin("data-masking").expect("binary")
}

/// The names in `dir`, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The binary with `args` and a `--key-file` for each of `keys`.
pub fn with_keys(args: &[&str], keys: &[&Path]) -> Command {
    let mut c = cmd();
    c.args(args);
    for k in keys {
        c.arg("--key-file").arg(k);
    }
    c
}

/// Runs the binary with `args`, `keys` and `stdin`.
pub fn run(args: &[&str], keys: &[&Path], stdin: &(impl AsRef<[u8]> + ?Sized)) -> Assert {
    with_keys(args, keys).write_stdin(stdin.as_ref()).assert()
}

/// Runs the binary with the words of `line` as its arguments and `stdin`.
pub fn cli(line: &str, stdin: &str) -> Assert {
    cmd()
        .args(line.split_whitespace())
        .write_stdin(stdin)
        .assert()
}

pub fn stdout(a: &Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).expect("UTF-8")
}

/// The standard output, parsed as JSON.
pub fn stdout_json(a: &Assert) -> Value {
    serde_json::from_str(&stdout(a)).expect("JSON")
}

pub fn stderr(a: &Assert) -> String {
    String::from_utf8(a.get_output().stderr.clone()).expect("UTF-8")
}

/// `keygen` of an AES key file `<name>.json` (namespace `tests`) in `dir`; it prints nothing.
pub fn keygen(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(format!("{name}.json"));
    cmd()
        .args(["keygen", "--namespace", "tests", "--name", name, "--output"])
        .arg(&path)
        .assert()
        .success()
        .stdout("");
    path
}

#[cfg(unix)]
pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(not(unix))]
pub fn set_mode(_: &Path, _: u32) {}

/// Writes a file that only its owner may read (mode 0600 on Unix), as a key file must be.
pub fn write_private(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).expect("write");
    set_mode(path, 0o600);
}

// The KMS endpoint (moto) and the recording proxy in front of it, from data_masking_tests::kms.

#[allow(unused_imports)] // each test file uses some of them
pub use data_masking_tests::kms::{Call, Proxy, Request, account, call, calls, endpoint};

use data_masking_tests::kms;

/// Creates a single-Region key at the endpoint in `region` (the configured Region when `None`);
/// its ARN.
pub fn create_key(region: Option<&'static str>) -> String {
    kms::block_on(async { kms::create_key(&kms::env_sdk_config(region).await).await })
}

/// Creates a multi-Region key in `region` and its replica in `replica_region`; their ARNs.
pub fn create_replicated_key(region: &'static str, replica_region: &str) -> (String, String) {
    kms::block_on(async {
        let config = kms::env_sdk_config(Some(region)).await;
        let primary = kms::create_multi_region_key(&config).await;
        let replica = kms::replicate_key(&config, &primary, replica_region).await;
        (primary, replica)
    })
}

/// The arguments of a `--kms-discovery` filter to `account` of `partition`.
pub fn discovery_filter<'a>(partition: &'a str, account: &'a str) -> [&'a str; 4] {
    [
        "--discovery-partition",
        partition,
        "--discovery-account",
        account,
    ]
}

// The official vectors of vectors_more.json.

/// `tests/data/vectors/official/vectors_more.json`, parsed.
pub fn vectors_more() -> Value {
    let path = data_masking_tests::data_dir().join("vectors/official/vectors_more.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("vectors")).expect("JSON")
}

/// One decrypt and what must come of it.
#[derive(Clone)]
pub struct Run {
    pub what: String,
    pub keys: Vec<String>,
    pub context: Vec<(String, String)>,
    pub message: Vec<u8>,
    pub legacy: bool,
    /// The plaintext; `None` when the message must be refused.
    pub expect: Option<Vec<u8>>,
    /// A text the error must hold, when refused.
    pub error: Option<&'static str>,
}

pub fn b64(v: &Value) -> Vec<u8> {
    STANDARD
        .decode(v.as_str().expect("base64"))
        .expect("base64")
}

pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("list")
        .iter()
        .map(|s| s.as_str().expect("string").to_owned())
        .collect()
}

pub fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string").to_owned()))
        .collect()
}

/// The plaintext of vector `v` of `all`.
pub fn plaintext(all: &Value, v: &Value) -> Vec<u8> {
    b64(&all["meta"]["plaintexts"][v["plaintext"].as_str().expect("ref")]["b64"])
}

/// The decrypt of vector `v` as it stands, which must give `expect`.
pub fn vector_run(v: &Value, expect: Option<Vec<u8>>) -> Run {
    Run {
        what: v["name"].as_str().expect("name").to_owned(),
        keys: strings(&v["keys"]),
        context: pairs(&v["context"]),
        message: b64(&v["ciphertext"]),
        legacy: v["legacy"] == true,
        expect,
        error: None,
    }
}

/// Writes the key file of `id` (the CLI's AES or RSA form, mode 0600).
pub fn key_file(dir: &Path, all: &Value, id: &str, n: usize) -> PathBuf {
    let k = &all["meta"]["keys"][id];
    let text = if k["type"] == "rsa" {
        json!({
            "type": "rsa",
            "namespace": k["namespace"],
            "name": k["name"],
            "padding": k["padding"],
            "private_key_pem": k["private_key_pem"],
            "public_key_pem": k["public_key_pem"],
        })
    } else {
        json!({"namespace": k["namespace"], "name": k["name"], "key": k["key"]})
    };
    let path = dir.join(format!("key-{n}.json"));
    write_private(&path, text.to_string().as_bytes());
    path
}

/// Runs one `decrypt --raw` of `run`; a failure description, if any. A refusal is judged by
/// `refused` (the exit status and the standard error).
pub fn check(
    all: &Value,
    run: &Run,
    refused: impl Fn(ExitStatus, &str) -> Option<String>,
) -> Option<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = cmd();
    c.args(["decrypt", "--raw"]);
    for (n, id) in run.keys.iter().enumerate() {
        c.arg("--key-file").arg(key_file(dir.path(), all, id, n));
    }
    for (k, v) in &run.context {
        c.arg("-c").arg(format!("{k}={v}"));
    }
    if run.legacy {
        c.arg("--allow-legacy-decrypt");
    }
    let output: Output = c.write_stdin(run.message.clone()).output().expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let what = &run.what;
    match &run.expect {
        Some(want) if output.status.success() && &output.stdout == want => None,
        Some(_) if output.status.success() => Some(format!("{what}: plaintext differs")),
        Some(_) => Some(format!("{what}: must decrypt, failed: {stderr}")),
        None => refused(output.status, &stderr),
    }
}

/// Fails the test listing `failures`, if any, of `total` runs.
pub fn assert_no_failures(failures: &[String], total: usize) {
    assert!(
        failures.is_empty(),
        "{} of {total}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
