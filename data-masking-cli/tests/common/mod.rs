//! Helpers shared by the CLI's tests: running the `data-masking` binary, key files, the KMS
//! endpoint the test command starts (moto on loopback) with a recording proxy in front of it,
//! and the official vectors of `tests/data/vectors/official/vectors_more.json`.
//!
//! Each test file uses some of them (`mod common;`).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Output};
use std::sync::{Arc, Mutex};

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

// The KMS endpoint.

/// The KMS endpoint of the test run, from `AWS_ENDPOINT_URL`; `None` (after a note) when unset.
pub fn endpoint() -> Option<String> {
    match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if !url.is_empty() => Some(url.trim_end_matches('/').to_owned()),
        _ => {
            eprintln!("note: AWS_ENDPOINT_URL is not set; this test needs a KMS endpoint");
            None
        }
    }
}

/// Runs `f` with a KMS client of the endpoint in `region` (the configured Region when `None`).
fn with_kms<T>(region: Option<&'static str>, f: impl AsyncFnOnce(aws_sdk_kms::Client) -> T) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut config = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(region) = region {
            config = config.region(aws_config::Region::new(region));
        }
        f(aws_sdk_kms::Client::new(&config.load().await)).await
    })
}

/// Creates a single-Region key at the endpoint in `region` (the configured Region when `None`);
/// its ARN.
pub fn create_key(region: Option<&'static str>) -> String {
    with_kms(region, async |kms| {
        let key = kms
            .create_key()
            .send()
            .await
            .expect("CreateKey at the endpoint");
        key.key_metadata()
            .and_then(|m| m.arn())
            .expect("key ARN")
            .to_owned()
    })
}

/// Creates a multi-Region key in `region` and its replica in `replica_region`; their ARNs.
pub fn create_replicated_key(region: &'static str, replica_region: &str) -> (String, String) {
    with_kms(Some(region), async |kms| {
        let primary = kms
            .create_key()
            .multi_region(true)
            .send()
            .await
            .expect("CreateKey (multi-Region)");
        let primary = primary.key_metadata.expect("metadata");
        // moto's ReplicateKey takes the key id, not the ARN.
        let replica = kms
            .replicate_key()
            .key_id(primary.key_id)
            .replica_region(replica_region)
            .send()
            .await
            .expect("ReplicateKey");
        (
            primary.arn.expect("ARN"),
            replica
                .replica_key_metadata
                .and_then(|m| m.arn)
                .expect("ARN"),
        )
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

/// The account id of an ARN.
pub fn account(arn: &str) -> String {
    arn.split(':').nth(4).expect("account").to_owned()
}

/// A KMS request the proxy forwarded.
#[derive(Clone, Debug)]
pub struct Request {
    /// The operation (`Decrypt`...), from `X-Amz-Target`.
    pub operation: String,
    /// The Region the request is signed for (the SigV4 credential scope of `Authorization`),
    /// the Region that serves it.
    pub region: String,
    /// The JSON request body.
    pub body: Value,
}

/// A KMS request: `(operation, signed Region, KeyId)`.
pub type Call = (String, String, String);

pub fn call(op: &str, region: &str, key: &str) -> Call {
    (op.to_owned(), region.to_owned(), key.to_owned())
}

/// `(operation, signed Region, KeyId)` of each request.
pub fn calls(requests: &[Request]) -> Vec<Call> {
    requests
        .iter()
        .map(|r| {
            let key = r.body["KeyId"].as_str().unwrap_or_default();
            call(&r.operation, &r.region, key)
        })
        .collect()
}

/// A blocking HTTP/1.1 proxy on 127.0.0.1 that records each KMS request (one per connection)
/// and forwards it to `upstream`; every answer is the endpoint's.
pub struct Proxy {
    pub url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Proxy {
    pub fn start(upstream: &str) -> Proxy {
        let upstream = upstream
            .strip_prefix("http://")
            .expect("the test endpoint is plain http")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let seen = Arc::clone(&seen);
                let upstream = upstream.clone();
                std::thread::spawn(move || {
                    let _ = forward(conn, &upstream, &seen);
                });
            }
        });
        Proxy { url, requests }
    }

    /// The requests since the last call, and forgets them.
    pub fn take(&self) -> Vec<Request> {
        std::mem::take(&mut *self.requests.lock().expect("requests"))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The head without its `connection` header, with `connection: close`.
fn closing(head: &str) -> String {
    let mut out = String::new();
    for line in head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
    {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("connection: close\r\n\r\n");
    out
}

fn forward(mut conn: TcpStream, upstream: &str, seen: &Mutex<Vec<Request>>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(p) = find(&buf, b"\r\n\r\n") {
            break p;
        }
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let header = |name: &str| {
        head.split("\r\n")
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + 4 + length {
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = &buf[head_end + 4..head_end + 4 + length];
    if let Some(target) = header("x-amz-target") {
        // The SigV4 credential scope: <key id>/<date>/<region>/kms/aws4_request.
        let region = header("authorization")
            .and_then(|a| {
                let scope = a.split("Credential=").nth(1)?.to_owned();
                scope.split('/').nth(2).map(str::to_owned)
            })
            .unwrap_or_default();
        seen.lock().expect("requests").push(Request {
            operation: target.rsplit('.').next().unwrap_or_default().to_owned(),
            region,
            body: serde_json::from_slice(body).unwrap_or(Value::Null),
        });
    }
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(closing(&head).as_bytes())?;
    up.write_all(body)?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp)?;
    conn.write_all(&resp)?;
    conn.flush()
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
