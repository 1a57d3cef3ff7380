//! RSA key files on the command line: `keygen --type rsa` (the key pair's file and its public
//! half), encrypting with the public half alone, decrypting with the pair, and the official raw
//! RSA vectors of `tests/data/vectors/official/vectors_more.json` through `decrypt --raw`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use predicates::prelude::*;
use serde_json::{Value, json};

fn cmd() -> Command {
    Command::cargo_bin("data-masking").expect("binary")
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn keygen_rsa_writes_the_pair_and_its_public_half_which_only_encrypts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("rsa.json");
    cmd()
        .args([
            "keygen",
            "--type",
            "rsa",
            "--bits",
            "2048",
            "--padding",
            "oaep-sha512",
        ])
        .args(["--namespace", "tests", "--name", "rsa-1", "--output"])
        .arg(&key)
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
    let enc = cmd()
        .args(["encrypt", "--raw", "-c", "a=b", "--key-file"])
        .arg(&public)
        .write_stdin("for the key holder")
        .assert()
        .success()
        .stderr("");
    let message = enc.get_output().stdout.clone();
    cmd()
        .args(["decrypt", "--raw", "-c", "a=b", "--key-file"])
        .arg(&key)
        .write_stdin(message.clone())
        .assert()
        .success()
        .stdout("for the key holder");
    // The public half cannot decrypt, and says why.
    cmd()
        .args(["decrypt", "--raw", "-c", "a=b", "--key-file"])
        .arg(&public)
        .write_stdin(message)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("only its public key was given"));
    // Never overwritten; RSA options are for RSA keys.
    cmd()
        .args([
            "keygen",
            "--type",
            "rsa",
            "--bits",
            "2048",
            "--namespace",
            "t",
            "--name",
            "n",
        ])
        .arg("--output")
        .arg(dir.path().join("other.json"))
        .arg("--public-output")
        .arg(&public)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error[io]: cannot create"));
    assert!(!dir.path().join("other.json").exists(), "nothing written");
    cmd()
        .args([
            "keygen",
            "--padding",
            "pkcs1",
            "--namespace",
            "t",
            "--name",
            "n",
            "--output",
        ])
        .arg(dir.path().join("aes.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("are for --type rsa"));
    cmd()
        .args([
            "keygen",
            "--type",
            "rsa",
            "--bits",
            "1024",
            "--namespace",
            "t",
            "--name",
            "n",
        ])
        .arg("--output")
        .arg(dir.path().join("small.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("2048, 3072 or 4096 bits"));
}

#[test]
fn an_open_file_holding_a_private_rsa_key_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("k.json");
    cmd()
        .args([
            "keygen",
            "--type",
            "rsa",
            "--bits",
            "2048",
            "--namespace",
            "t",
            "--name",
            "k",
        ])
        .arg("--output")
        .arg(&key)
        .assert()
        .success();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        cmd()
            .args(["encrypt", "--raw", "--key-file"])
            .arg(&key)
            .write_stdin("x")
            .assert()
            .code(2)
            .stderr(predicate::str::contains("its group or others may read it"));
    }
}

// The official raw RSA vectors.

struct Run {
    what: String,
    keys: Vec<String>,
    context: Vec<(String, String)>,
    message: Vec<u8>,
    legacy: bool,
    expect: Option<Vec<u8>>,
}

fn b64(v: &Value) -> Vec<u8> {
    STANDARD
        .decode(v.as_str().expect("base64"))
        .expect("base64")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("list")
        .iter()
        .map(|s| s.as_str().expect("string").to_owned())
        .collect()
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string").to_owned()))
        .collect()
}

/// The `raw-rsa` vectors and their key checks (wrong key, wrong padding, the other key of a
/// two-key message, both keys in each order).
fn runs(all: &Value) -> Vec<Run> {
    let mut out = Vec::new();
    for v in all["vectors"].as_array().expect("vectors") {
        if v["group"] != "raw-rsa" {
            continue;
        }
        let expect = Some(b64(
            &all["meta"]["plaintexts"][v["plaintext"].as_str().expect("ref")]["b64"]
        ));
        let base = || Run {
            what: v["name"].as_str().expect("name").to_owned(),
            keys: strings(&v["keys"]),
            context: pairs(&v["context"]),
            message: b64(&v["ciphertext"]),
            legacy: v["legacy"] == true,
            expect: expect.clone(),
        };
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

/// Writes the key file of `id` (the CLI's RSA form, mode 0600).
fn key_file(dir: &Path, all: &Value, id: &str, n: usize) -> PathBuf {
    let k = &all["meta"]["keys"][id];
    let path = dir.join(format!("key-{n}.json"));
    let text = json!({
        "type": "rsa",
        "namespace": k["namespace"],
        "name": k["name"],
        "padding": k["padding"],
        "private_key_pem": k["private_key_pem"],
        "public_key_pem": k["public_key_pem"],
    });
    std::fs::write(&path, text.to_string()).expect("write key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    path
}

fn check(all: &Value, run: &Run) -> Option<String> {
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
    let output = c.write_stdin(run.message.clone()).output().expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let what = &run.what;
    match &run.expect {
        Some(want) if output.status.success() && &output.stdout == want => None,
        Some(_) if output.status.success() => Some(format!("{what}: plaintext differs")),
        Some(_) => Some(format!("{what}: must decrypt, failed: {stderr}")),
        None if output.status.code() == Some(2) && stderr.starts_with("error[") => None,
        None => Some(format!(
            "{what}: must be refused: {:?} {stderr}",
            output.status
        )),
    }
}

#[test]
fn official_raw_rsa_vectors_and_their_key_checks_through_the_cli() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/vectors/official/vectors_more.json"
    );
    let all: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("vectors")).expect("JSON");
    let runs = runs(&all);
    // 99 vectors; 99 wrong-key, 187 wrong-padding and 66 two-key checks.
    assert_eq!(runs.len(), 99 + 99 + 187 + 66);
    let failures: Vec<String> = runs.iter().filter_map(|r| check(&all, r)).collect();
    assert!(
        failures.is_empty(),
        "{} of {}:\n{}",
        failures.len(),
        runs.len(),
        failures.join("\n")
    );
}
