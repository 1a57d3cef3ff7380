//! `decrypt --kms-discovery --discovery-region REGION`: the multi-Region-aware discovery keyring
//! bound to one Region, run as a process against the KMS endpoint the test command starts (moto
//! on loopback), through a proxy that records each KMS request: its operation, the Region it is
//! signed for (the Region that serves it) and its `KeyId`. Without `AWS_ENDPOINT_URL`, the
//! endpoint test prints a note and returns; the argument checks always run.
//!
//! Every answer is moto's (the proxy only records): the test command starts moto through
//! `tests/py/moto_server.py`, which gives multi-Region keys AWS's ids, so moto decrypts their
//! ciphertexts, a primary's through its replica in another Region too (see
//! `data-masking-kms/tests/mrk.rs`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const RECORD: &str = r#"{"name":"Jo","card":"4111 1111 1111 1111"}"#;
const PRIMARY_REGION: &str = "us-east-1";
const REPLICA_REGION: &str = "us-west-2";

fn cmd() -> Command {
    Command::cargo_bin("data-masking").expect("binary")
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).expect("UTF-8")
}

/// A KMS request: `(operation, signed Region, KeyId)`.
type Call = (String, String, String);

fn call(op: &str, region: &str, key: &str) -> Call {
    (op.to_owned(), region.to_owned(), key.to_owned())
}

/// A blocking HTTP/1.1 proxy on 127.0.0.1 that records each KMS request (one per connection)
/// and forwards it to `upstream`.
struct Proxy {
    url: String,
    calls: Arc<Mutex<Vec<Call>>>,
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
        let calls = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&calls);
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let seen = Arc::clone(&seen);
                let upstream = upstream.clone();
                std::thread::spawn(move || {
                    let _ = forward(conn, &upstream, &seen);
                });
            }
        });
        Proxy { url, calls }
    }

    /// The requests since the last call, and forgets them.
    fn take(&self) -> Vec<Call> {
        std::mem::take(&mut *self.calls.lock().expect("calls"))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn forward(mut conn: TcpStream, upstream: &str, seen: &Mutex<Vec<Call>>) -> std::io::Result<()> {
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
        let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        seen.lock().expect("calls").push((
            target.rsplit('.').next().unwrap_or_default().to_owned(),
            region,
            body["KeyId"].as_str().unwrap_or_default().to_owned(),
        ));
    }
    let mut closing = String::new();
    for line in head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
    {
        closing.push_str(line);
        closing.push_str("\r\n");
    }
    closing.push_str("connection: close\r\n\r\n");
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(closing.as_bytes())?;
    up.write_all(body)?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp)?;
    conn.write_all(&resp)?;
    conn.flush()
}

/// The endpoint, a single-Region key, a multi-Region key and its replica (all created there,
/// the keys in us-east-1, the replica in us-west-2); `None` (after a note) without an endpoint.
fn keys() -> Option<(String, String, String, String)> {
    let Some(endpoint) = std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        eprintln!(
            "note: AWS_ENDPOINT_URL is not set; the --discovery-region test needs a KMS endpoint"
        );
        return None;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (single, primary, replica) = rt.block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(PRIMARY_REGION))
            .load()
            .await;
        let kms = aws_sdk_kms::Client::new(&config);
        let single = kms.create_key().send().await.expect("CreateKey");
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
            .replica_region(REPLICA_REGION)
            .send()
            .await
            .expect("ReplicateKey");
        (
            single.key_metadata.and_then(|m| m.arn).expect("ARN"),
            primary.arn.expect("ARN"),
            replica
                .replica_key_metadata
                .and_then(|m| m.arn)
                .expect("ARN"),
        )
    });
    Some((
        endpoint.trim_end_matches('/').to_owned(),
        single,
        primary,
        replica,
    ))
}

/// `encrypt --kms-key key` of the record's card through the proxy.
fn encrypt(proxy: &Proxy, key: &str) -> String {
    let out = cmd()
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .env("AWS_REGION", PRIMARY_REGION)
        .args([
            "encrypt",
            "--kms-key",
            key,
            "-c",
            "tenant=acme",
            "-f",
            "card",
        ])
        .write_stdin(RECORD)
        .assert()
        .success();
    proxy.take();
    stdout(&out)
}

/// `decrypt --kms-discovery --discovery-region region` (the configured Region is the other
/// one, so that the calls' Region can only come from the option) with `extra` arguments.
fn decrypt(proxy: &Proxy, region: &str, extra: &[&str], input: &str) -> assert_cmd::assert::Assert {
    let configured = if region == PRIMARY_REGION {
        REPLICA_REGION
    } else {
        PRIMARY_REGION
    };
    cmd()
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .env("AWS_REGION", configured)
        .args(["decrypt", "--kms-discovery", "--discovery-region", region])
        .args(extra)
        .args(["-c", "tenant=acme", "-f", "card"])
        .write_stdin(input)
        .assert()
}

#[test]
fn kms_discovery_bound_to_a_region_decrypts_there_only_through_the_local_replica() {
    let Some((endpoint, single, primary, replica)) = keys() else {
        return;
    };
    let account = single.split(':').nth(4).expect("account").to_owned();
    let filter = [
        "--discovery-partition",
        "aws",
        "--discovery-account",
        account.as_str(),
    ];
    let proxy = Proxy::start(&endpoint);
    let want: Value = serde_json::from_str(RECORD).expect("JSON");

    // A single-Region key's message, read in the key's Region: one Decrypt there (moto's),
    // with the filter and the grant tokens as for --kms-discovery.
    let encrypted = encrypt(&proxy, &single);
    for extra in [&filter[..], &["--grant-token", "g1"][..]] {
        let out = decrypt(&proxy, PRIMARY_REGION, extra, &encrypted).success();
        let back: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
        assert_eq!(back, want);
        assert_eq!(
            proxy.take(),
            [call("Decrypt", PRIMARY_REGION, &single)],
            "{extra:?}"
        );
    }
    // Bound to another Region: that key is not for it, refused without a KMS call, the error
    // naming the keyring and its Region.
    decrypt(&proxy, REPLICA_REGION, &filter, &encrypted)
        .code(2)
        .stderr(predicate::str::starts_with("error[decrypt-key]:"))
        .stderr(predicate::str::contains(
            "KMS multi-Region discovery keyring of us-west-2",
        ));
    assert!(
        proxy.take().is_empty(),
        "no KMS call for another Region's key"
    );
    // Another account only: refused without a KMS call.
    let others = [
        "--discovery-partition",
        "aws",
        "--discovery-account",
        "444455556666",
    ];
    decrypt(&proxy, PRIMARY_REGION, &others, &encrypted)
        .code(2)
        .stderr(predicate::str::contains("444455556666"));
    assert!(proxy.take().is_empty(), "no KMS call outside the filter");

    // The primary's message, read in the replica's Region: one Decrypt there, naming the
    // replica, which moto decrypts with the replica's copy of the key material.
    let encrypted = encrypt(&proxy, &primary);
    let out = decrypt(&proxy, REPLICA_REGION, &filter, &encrypted).success();
    let back: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(back, want);
    assert_eq!(proxy.take(), [call("Decrypt", REPLICA_REGION, &replica)]);
    // Without --discovery-region, --kms-discovery names the primary, in its Region.
    let out = cmd()
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .env("AWS_REGION", REPLICA_REGION)
        .args([
            "decrypt",
            "--kms-discovery",
            "-c",
            "tenant=acme",
            "-f",
            "card",
        ])
        .write_stdin(encrypted)
        .assert()
        .success();
    let back: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(back, want);
    assert_eq!(proxy.take(), [call("Decrypt", PRIMARY_REGION, &primary)]);
    // The replica's own message, read in the primary's Region: through the primary there.
    let encrypted = encrypt(&proxy, &replica);
    let out = decrypt(&proxy, PRIMARY_REGION, &filter, &encrypted).success();
    let back: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(back, want);
    assert_eq!(proxy.take(), [call("Decrypt", PRIMARY_REGION, &primary)]);
}

#[test]
fn discovery_region_is_checked_before_any_kms_call() {
    // It needs --kms-discovery.
    cmd()
        .args(["decrypt", "--discovery-region", "us-west-2"])
        .write_stdin(RECORD)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--kms-discovery"));
    // A Region that is not one (it would make another host name) is refused.
    for bad in ["evil.example/x", "US-WEST-2", ""] {
        cmd()
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .args(["decrypt", "--kms-discovery", "--discovery-region", bad])
            .args(["-c", "tenant=acme"])
            .write_stdin("\"AYAA\"")
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with("error[config]:"))
            .stderr(predicate::str::contains("is not an AWS Region"));
    }
    // Discovery only decrypts, bound to a Region or not.
    cmd()
        .args([
            "encrypt",
            "--kms-discovery",
            "--discovery-region",
            "us-west-2",
        ])
        .args(["-c", "tenant=acme"])
        .write_stdin(RECORD)
        .assert()
        .failure()
        .stderr(predicate::str::contains("--kms-discovery only decrypts"));
}
