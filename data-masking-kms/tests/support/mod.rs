//! Helpers for the KMS tests: the moto endpoint from the environment, keys created through the
//! SDK, a recording (and breakable) HTTP proxy in front of the endpoint, and the Python oracle.
//!
//! `./scripts/test` starts moto (through `tests/py/moto_server.py`, which gives multi-Region
//! keys AWS's 36-character `mrk-` ids, so that moto decrypts their ciphertexts, across replicas
//! too) and exports `AWS_ENDPOINT_URL` (and test credentials). When the variable is unset (a
//! plain `cargo test`), each test prints a note and returns; when it is set, any misbehaviour of
//! the endpoint fails the test.

#![allow(dead_code, clippy::missing_panics_doc)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use data_masking::keys::Keyring;
use data_masking::{DataMasking, EncryptionContext, Encryptor};
use data_masking_kms::DiscoveryFilter;
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The KMS endpoint of the test run, from `AWS_ENDPOINT_URL`; `None` (after a note) when unset.
pub fn endpoint() -> Option<String> {
    let Some(url) = std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        let test = std::thread::current().name().unwrap_or("test").to_owned();
        eprintln!(
            "note: {test}: AWS_ENDPOINT_URL is not set, so this test did not run against a KMS \
             endpoint; run ./scripts/test, which starts moto"
        );
        return None;
    };
    Some(url.trim_end_matches('/').to_owned())
}

/// The AWS configuration for the test endpoint (region us-east-1, credentials from the
/// environment as `./scripts/test` exports them).
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .load()
        .await
}

/// The AWS configuration for the test endpoint in `region`.
pub async fn sdk_config_in(endpoint: &str, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .load()
        .await
}

/// Whether `id` has AWS's form of a multi-Region key id: `mrk-` and 32 lowercase hex digits.
pub fn is_aws_mrk_id(id: &str) -> bool {
    id.strip_prefix("mrk-").is_some_and(|hex| {
        hex.len() == 32
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Creates a multi-Region primary key in `config`'s Region and returns its ARN (`.../mrk-...`).
/// Its id must have AWS's form (as moto started through `tests/py/moto_server.py` makes it):
/// moto cannot decrypt a multi-Region ciphertext otherwise.
pub async fn create_multi_region_key(config: &SdkConfig) -> String {
    let kms = aws_sdk_kms::Client::new(config);
    let out = kms
        .create_key()
        .description("data-masking-kms multi-Region test key")
        .multi_region(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateKey (multi-Region) at the test endpoint failed: {e:?}"));
    let arn = out
        .key_metadata
        .and_then(|m| m.arn)
        .expect("CreateKey returned a key ARN");
    let id = arn.rsplit_once(":key/").map_or("", |(_, id)| id);
    assert!(
        is_aws_mrk_id(id),
        "the test endpoint made the multi-Region key id {id}, not AWS's form (mrk- and 32 hex \
         digits), and moto cannot decrypt that key's ciphertexts: start moto through \
         tests/py/moto_server.py, as ./scripts/test does"
    );
    arn
}

/// Replicates the multi-Region key `arn` into `region`; returns the replica's ARN. (The request
/// names the key by its id: moto's `ReplicateKey` does not resolve a key ARN.)
pub async fn replicate_key(config: &SdkConfig, arn: &str, region: &str) -> String {
    let kms = aws_sdk_kms::Client::new(config);
    let key_id = arn.rsplit_once("key/").map_or(arn, |(_, id)| id);
    let out = kms
        .replicate_key()
        .key_id(key_id)
        .replica_region(region)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ReplicateKey at the test endpoint failed: {e:?}"));
    out.replica_key_metadata
        .and_then(|m| m.arn)
        .expect("ReplicateKey returned the replica's ARN")
}

/// Creates a symmetric KMS key through the SDK and returns its ARN.
pub async fn create_key(config: &SdkConfig) -> String {
    let kms = aws_sdk_kms::Client::new(config);
    let out = kms
        .create_key()
        .description("data-masking-kms test key")
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateKey at the test endpoint failed: {e:?}"));
    out.key_metadata
        .and_then(|m| m.arn)
        .expect("CreateKey returned a key ARN")
}

/// The Region of the multi-Region primary key of [`Setup`] (and of its single-Region key).
pub const PRIMARY_REGION: &str = "us-east-1";
/// The Region of the primary's replica.
pub const REPLICA_REGION: &str = "us-west-2";

/// Keys created at the test endpoint (a single-Region key and a multi-Region key in
/// [`PRIMARY_REGION`], the multi-Region key's replica in [`REPLICA_REGION`]) and a proxy in
/// front of the endpoint.
pub struct Setup {
    pub endpoint: String,
    pub single: String,
    pub primary: String,
    pub replica: String,
    /// The account of the keys.
    pub account: String,
    pub proxy: Proxy,
}

impl Setup {
    /// The keys and the proxy; `None` (after a note) without an endpoint.
    pub async fn get() -> Option<Setup> {
        let endpoint = endpoint()?;
        let config = sdk_config_in(&endpoint, PRIMARY_REGION).await;
        let single = create_key(&config).await;
        let primary = create_multi_region_key(&config).await;
        let replica = replicate_key(&config, &primary, REPLICA_REGION).await;
        let account = single.split(':').nth(4).expect("account").to_owned();
        let proxy = Proxy::start(&endpoint).await;
        Some(Setup {
            endpoint,
            single,
            primary,
            replica,
            account,
            proxy,
        })
    }

    /// The configuration in `region`, sending to the proxy.
    pub async fn config(&self, region: &str) -> SdkConfig {
        sdk_config_in(self.proxy.url(), region).await
    }

    /// The discovery filter to the keys' account (partition `aws`).
    pub fn filter(&self) -> DiscoveryFilter {
        DiscoveryFilter::new("aws", [self.account.as_str()]).expect("a filter")
    }
}

/// A masker on `keyring`, with the default cache or none.
pub fn masker(keyring: Arc<dyn Keyring>, cached: bool) -> DataMasking {
    let builder = Encryptor::builder_shared(keyring);
    let builder = if cached { builder } else { builder.no_cache() };
    DataMasking::builder()
        .encryptor(builder.build().expect("an Encryptor"))
        .build()
}

/// The encryption context of the tests' messages.
pub fn ctx() -> EncryptionContext {
    EncryptionContext::new([("tenant", "acme")]).expect("a context")
}

/// A KMS request: `(operation, region, KeyId)`.
pub type Call = (String, String, String);

pub fn call(op: &str, region: &str, key: &str) -> Call {
    (op.to_owned(), region.to_owned(), key.to_owned())
}

/// `(operation, region, KeyId)` of each request.
pub fn calls(requests: &[Request]) -> Vec<Call> {
    requests
        .iter()
        .map(|r| {
            let key = r.body["KeyId"].as_str().unwrap_or_default();
            call(&r.operation, &r.region, key)
        })
        .collect()
}

/// What the proxy does with requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// Forward to the endpoint and count by `X-Amz-Target`.
    Up = 0,
    /// Accept connections and read requests, but never answer (an endpoint that hangs).
    Hang = 1,
    /// Close every connection at once (an endpoint that is gone).
    Down = 2,
}

struct State {
    upstream: String,
    mode: AtomicU8,
    counts: Mutex<HashMap<String, usize>>,
    requests: Mutex<Vec<Request>>,
}

/// A request the proxy forwarded: what a keyring sent to KMS.
#[derive(Clone, Debug)]
pub struct Request {
    /// The operation (`Decrypt`...), from `X-Amz-Target`.
    pub operation: String,
    /// The Region the request is signed for (the SigV4 credential scope of `Authorization`),
    /// which is the Region that KMS (and moto) serves it in.
    pub region: String,
    /// The JSON request body (`KeyId`, `GrantTokens`, `EncryptionContext`...).
    pub body: Value,
}

/// A small HTTP/1.1 proxy on 127.0.0.1 in front of the KMS endpoint that records and counts the
/// requests it forwards by operation (`X-Amz-Target: TrentService.<Operation>`), and can be made
/// to hang or to drop connections. It never answers for the endpoint: every answer is the
/// endpoint's. One request per connection (it answers with `connection: close`).
pub struct Proxy {
    url: String,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy in front of `upstream` (`http://host:port`).
    pub async fn start(upstream: &str) -> Proxy {
        let host_port = upstream
            .strip_prefix("http://")
            .expect("the test endpoint is plain http")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let state = Arc::new(State {
            upstream: host_port,
            mode: AtomicU8::new(Mode::Up as u8),
            counts: Mutex::new(HashMap::new()),
            requests: Mutex::new(Vec::new()),
        });
        let st = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let st = Arc::clone(&st);
                tokio::spawn(async move {
                    let _ = handle(conn, &st).await;
                });
            }
        });
        Proxy {
            url: format!("http://{addr}"),
            state,
            task,
        }
    }

    /// The proxy's URL, to use as the keyring's endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Requests of `operation` (e.g. `GenerateDataKey`) forwarded so far.
    pub fn count(&self, operation: &str) -> usize {
        let counts = self.state.counts.lock().expect("counts");
        counts.get(operation).copied().unwrap_or(0)
    }

    /// Forgets the counts and the recorded requests.
    pub fn reset(&self) {
        self.state.counts.lock().expect("counts").clear();
        self.state.requests.lock().expect("requests").clear();
    }

    /// The requests forwarded so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.state.requests.lock().expect("requests").clone()
    }

    /// The requests forwarded since the last reset, and forgets them and the counts.
    pub fn take(&self) -> Vec<Request> {
        let requests = self.requests();
        self.reset();
        requests
    }

    /// Changes what the proxy does with the following requests.
    pub fn set_mode(&self, mode: Mode) {
        self.state.mode.store(mode as u8, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Header lines of an HTTP head (after the start line) as (lower-case name, value).
fn headers(head: &str) -> Vec<(String, String)> {
    head.split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect()
}

/// The head with any `connection` header replaced by `connection: close`.
fn with_close(head: &str) -> String {
    let mut out = String::new();
    for (i, line) in head.split("\r\n").enumerate() {
        if i > 0
            && line
                .split_once(':')
                .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("connection"))
        {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("connection: close\r\n\r\n");
    out
}

async fn handle(mut conn: TcpStream, st: &State) -> std::io::Result<()> {
    if st.mode.load(Ordering::SeqCst) == Mode::Down as u8 {
        return Ok(()); // dropped: the connection closes at once
    }
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(p) = find(&buf, b"\r\n\r\n") {
            break p;
        }
        if conn.read_buf(&mut buf).await? == 0 || buf.len() > 1 << 20 {
            return Ok(());
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let hs = headers(&head);
    let length: usize = hs
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + 4 + length {
        if conn.read_buf(&mut buf).await? == 0 {
            return Ok(());
        }
    }
    match st.mode.load(Ordering::SeqCst) {
        m if m == Mode::Hang as u8 => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            return Ok(());
        }
        m if m == Mode::Down as u8 => return Ok(()),
        _ => {}
    }
    if let Some((_, target)) = hs.iter().find(|(k, _)| k == "x-amz-target") {
        let op = target.rsplit('.').next().unwrap_or(target).to_owned();
        *st.counts
            .lock()
            .expect("counts")
            .entry(op.clone())
            .or_default() += 1;
        let region = hs
            .iter()
            .find(|(k, _)| k == "authorization")
            .and_then(|(_, v)| v.split("Credential=").nth(1))
            .and_then(|c| c.split('/').nth(2))
            .unwrap_or_default()
            .to_owned();
        let body = serde_json::from_slice(&buf[head_end + 4..head_end + 4 + length])
            .unwrap_or(Value::Null);
        st.requests.lock().expect("requests").push(Request {
            operation: op,
            region,
            body,
        });
    }
    let mut up = TcpStream::connect(&st.upstream).await?;
    up.write_all(with_close(&head).as_bytes()).await?;
    up.write_all(&buf[head_end + 4..head_end + 4 + length])
        .await?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp).await?;
    let Some(resp_head_end) = find(&resp, b"\r\n\r\n") else {
        return Ok(());
    };
    let resp_head = String::from_utf8_lossy(&resp[..resp_head_end]).into_owned();
    conn.write_all(with_close(&resp_head).as_bytes()).await?;
    conn.write_all(&resp[resp_head_end + 4..]).await?;
    conn.shutdown().await
}

#[allow(unused_imports)] // not every test target runs the oracle
pub use data_masking_tests::python;

/// The KMS oracle script (`tests/py/kms_oracle.py` of the workspace).
pub fn kms_oracle() -> PathBuf {
    data_masking_tests::py_script("kms_oracle.py")
}

/// Runs the oracle with `input` on stdin against `endpoint`; returns its JSON answer.
pub fn run_oracle(python: &Path, endpoint: &str, input: &Value) -> Value {
    data_masking_tests::run_python_json_with_env(
        python,
        &kms_oracle(),
        input,
        &[
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ],
    )
}
