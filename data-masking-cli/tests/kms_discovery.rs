//! `--kms-discovery` with its discovery filter (`--discovery-partition`, `--discovery-account`)
//! and `--grant-token`, run as processes against the KMS endpoint the test command starts (moto
//! on loopback), through a recording proxy that shows what each KMS request carried. Without
//! `AWS_ENDPOINT_URL`, the endpoint tests print a note and return; the argument checks always
//! run.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{Value, json};

const RECORD: &str = r#"{"name":"Jo","card":"4111 1111 1111 1111"}"#;

fn cmd() -> Command {
    Command::cargo_bin("data-masking").expect("binary")
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).expect("UTF-8")
}

/// A KMS request the proxy forwarded: its operation and JSON body.
#[derive(Clone, Debug)]
struct Request {
    operation: String,
    body: Value,
}

/// A blocking HTTP/1.1 proxy on 127.0.0.1 that records each request (one per connection) and
/// forwards it to `upstream` (`host:port`).
struct Proxy {
    url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Proxy {
    fn start(upstream: &str) -> Proxy {
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
    fn take(&self) -> Vec<Request> {
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
        seen.lock().expect("requests").push(Request {
            operation: target.rsplit('.').next().unwrap_or_default().to_owned(),
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

/// The endpoint, a key created there, and the account id of its ARN; `None` (after a note)
/// without an endpoint.
fn kms_key() -> Option<(String, String, String)> {
    let Some(endpoint) = std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        eprintln!(
            "note: AWS_ENDPOINT_URL is not set; the --kms-discovery tests need a KMS endpoint"
        );
        return None;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let arn = rt.block_on(async {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let key = aws_sdk_kms::Client::new(&config)
            .create_key()
            .send()
            .await
            .expect("CreateKey at the endpoint");
        key.key_metadata()
            .and_then(|m| m.arn())
            .expect("key ARN")
            .to_owned()
    });
    let account = arn.split(':').nth(4).expect("account").to_owned();
    Some((endpoint.trim_end_matches('/').to_owned(), arn, account))
}

/// `(operation, KeyId, GrantTokens)` of each request.
fn summary(requests: &[Request]) -> Vec<(String, String, Value)> {
    requests
        .iter()
        .map(|r| {
            (
                r.operation.clone(),
                r.body["KeyId"].as_str().unwrap_or_default().to_owned(),
                r.body.get("GrantTokens").cloned().unwrap_or(Value::Null),
            )
        })
        .collect()
}

#[test]
fn kms_discovery_decrypts_within_its_filter_and_sends_the_grant_tokens() {
    let Some((endpoint, arn, account)) = kms_key() else {
        return;
    };
    let proxy = Proxy::start(&endpoint);
    let enc = cmd()
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .args(["encrypt", "--kms-key", &arn, "--grant-token", "g1"])
        .args(["-c", "tenant=acme", "-f", "card"])
        .write_stdin(RECORD)
        .assert()
        .success();
    assert_eq!(
        summary(&proxy.take()),
        [("GenerateDataKey".into(), arn.clone(), json!(["g1"]))]
    );
    let encrypted = stdout(&enc);

    let dec = cmd()
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .args(["decrypt", "--kms-discovery"])
        .args([
            "--discovery-partition",
            "aws",
            "--discovery-account",
            "444455556666",
        ])
        .args(["--discovery-account", &account])
        .args(["--grant-token", "g1", "--grant-token", "g2"])
        .args(["-c", "tenant=acme", "-f", "card"])
        .write_stdin(encrypted.clone())
        .assert()
        .success();
    let back: Value = serde_json::from_str(&stdout(&dec)).expect("JSON");
    assert_eq!(back, serde_json::from_str::<Value>(RECORD).expect("JSON"));
    assert_eq!(
        summary(&proxy.take()),
        [("Decrypt".into(), arn.clone(), json!(["g1", "g2"]))]
    );

    // Without a filter: any aws-kms key; without grant tokens: none sent.
    cmd()
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .args([
            "decrypt",
            "--kms-discovery",
            "-c",
            "tenant=acme",
            "-f",
            "card",
        ])
        .write_stdin(encrypted.clone())
        .assert()
        .success();
    assert_eq!(
        summary(&proxy.take()),
        [("Decrypt".into(), arn.clone(), Value::Null)]
    );

    // Another account's or partition's keys only: refused without a KMS call.
    for (partition, acct) in [("aws", "444455556666"), ("aws-cn", account.as_str())] {
        cmd()
            .env("AWS_ENDPOINT_URL", &proxy.url)
            .args(["decrypt", "--kms-discovery"])
            .args([
                "--discovery-partition",
                partition,
                "--discovery-account",
                acct,
            ])
            .args(["-c", "tenant=acme", "-f", "card"])
            .write_stdin(encrypted.clone())
            .assert()
            .failure()
            .stderr(predicate::str::contains("discovery keyring"));
        assert!(proxy.take().is_empty(), "no KMS call outside the filter");
    }
}

#[test]
fn kms_discovery_options_are_checked_before_any_kms_call() {
    // Discovery only decrypts.
    cmd()
        .args(["encrypt", "--kms-discovery", "-c", "tenant=acme"])
        .write_stdin(RECORD)
        .assert()
        .failure()
        .stderr(predicate::str::contains("--kms-discovery only decrypts"));
    // The filter needs both its partition and an account, and --kms-discovery.
    cmd()
        .args([
            "decrypt",
            "--kms-discovery",
            "--discovery-account",
            "111122223333",
        ])
        .write_stdin(RECORD)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--discovery-partition"));
    cmd()
        .args(["decrypt", "--kms-discovery", "--discovery-partition", "aws"])
        .write_stdin(RECORD)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--discovery-account"));
    cmd()
        .args([
            "decrypt",
            "--discovery-partition",
            "aws",
            "--discovery-account",
            "1",
        ])
        .write_stdin(RECORD)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--kms-discovery"));
    // Grant tokens go with a KMS keyring.
    cmd()
        .args(["decrypt", "--grant-token", "g1", "-c", "tenant=acme"])
        .write_stdin(RECORD)
        .assert()
        .failure()
        .stderr(predicate::str::contains("--grant-token"));
}
