//! Helpers for tests against a live KMS endpoint: the endpoint of the test run, AWS
//! configurations and keys made through the SDK, and a recording (and breakable) HTTP proxy in
//! front of the endpoint that tells which KMS calls a test made.
//!
//! `./scripts/test` starts moto's server on loopback (through `tests/py/moto_server.py`, which
//! gives multi-Region keys AWS's 36-character `mrk-` ids, so that moto decrypts their
//! ciphertexts, across replicas too) and exports `AWS_ENDPOINT_URL` with test credentials and
//! `AWS_REGION=us-east-1`. Without the variable (a plain `cargo test`), [`endpoint`] prints a
//! note and gives `None`, and a test returns early; with it, any misbehaviour of the endpoint
//! fails the test.
//!
//! ```no_run
//! use data_masking_tests::kms::{self, Proxy, call, calls};
//!
//! # async fn test() {
//! let Some(endpoint) = kms::endpoint() else { return };
//! let key = kms::create_key(&kms::sdk_config(&endpoint).await).await;
//! let proxy = Proxy::start(&endpoint);
//! // ... point the code under test at `proxy.url`, then:
//! assert_eq!(calls(&proxy.take()), [call("GenerateDataKey", "us-east-1", &key)]);
//! # }
//! ```

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use serde_json::Value;

/// The environment variable that names the KMS endpoint of the test run.
pub const ENDPOINT_ENV: &str = "AWS_ENDPOINT_URL";

/// The Region of [`sdk_config`]: the one `./scripts/test` configures.
pub const DEFAULT_REGION: &str = "us-east-1";

/// How long the proxy holds a request in [`Mode::Hang`] (or until it is dropped) before it
/// closes the connection without an answer.
const HANG: Duration = Duration::from_secs(30);

/// The largest request head the proxy reads; a longer one closes the connection.
const MAX_HEAD: usize = 1 << 20;

/// The KMS endpoint of the test run, from `AWS_ENDPOINT_URL`, without a trailing `/`.
///
/// Returns `None` (after printing a note naming the running test) when the variable is unset or
/// empty, so that a plain `cargo test` passes without an endpoint.
pub fn endpoint() -> Option<String> {
    let Some(url) = std::env::var(ENDPOINT_ENV).ok().filter(|v| !v.is_empty()) else {
        let test = std::thread::current().name().unwrap_or("test").to_owned();
        eprintln!(
            "note: {test}: {ENDPOINT_ENV} is not set, so this test did not run against a KMS \
             endpoint; run ./scripts/test, which starts moto"
        );
        return None;
    };
    Some(url.trim_end_matches('/').to_owned())
}

/// Runs `future` to its end on a new current-thread Tokio runtime (with I/O and time), for
/// synchronous tests that use the async helpers of this module.
///
/// Panics when called from within a Tokio runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime")
        .block_on(future)
}

/// The AWS configuration for `endpoint` in [`DEFAULT_REGION`] (credentials from the
/// environment, as `./scripts/test` exports them).
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    sdk_config_in(endpoint, DEFAULT_REGION).await
}

/// The AWS configuration for `endpoint` in `region` (credentials from the environment).
pub async fn sdk_config_in(endpoint: &str, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .load()
        .await
}

/// The AWS configuration as the environment gives it (endpoint, credentials and Region, as a
/// program under test would load them: `AWS_ENDPOINT_URL`, `AWS_REGION`...), in `region`
/// instead of the configured Region when given.
pub async fn env_sdk_config(region: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_owned()));
    }
    loader.load().await
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

/// Creates a symmetric single-Region KMS key in `config`'s Region; its ARN.
pub async fn create_key(config: &SdkConfig) -> String {
    let kms = aws_sdk_kms::Client::new(config);
    let out = kms
        .create_key()
        .description("data-masking test key")
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateKey at the test endpoint failed: {e:?}"));
    out.key_metadata
        .and_then(|m| m.arn)
        .expect("CreateKey returned a key ARN")
}

/// Creates a multi-Region primary key in `config`'s Region; its ARN (`.../mrk-...`).
///
/// Panics unless its id has AWS's form (as moto started through `tests/py/moto_server.py`
/// makes it): moto cannot decrypt a multi-Region ciphertext otherwise.
pub async fn create_multi_region_key(config: &SdkConfig) -> String {
    let kms = aws_sdk_kms::Client::new(config);
    let out = kms
        .create_key()
        .description("data-masking multi-Region test key")
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

/// Replicates the multi-Region key `arn` (of `config`'s Region) into `region`; the replica's
/// ARN. (The request names the key by its id: moto's `ReplicateKey` does not resolve a key
/// ARN.)
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

/// The account id of an ARN (its fifth field).
pub fn account(arn: &str) -> String {
    arn.split(':')
        .nth(4)
        .expect("an ARN names an account")
        .to_owned()
}

/// A KMS request the [`Proxy`] forwarded: what the code under test sent to KMS.
#[derive(Clone, Debug)]
pub struct Request {
    /// The operation (`Decrypt`...), from `X-Amz-Target: TrentService.<Operation>`.
    pub operation: String,
    /// The Region the request is signed for (the SigV4 credential scope of `Authorization`),
    /// which is the Region that KMS (and moto) serves it in.
    pub region: String,
    /// The JSON request body (`KeyId`, `GrantTokens`, `EncryptionContext`...); `null` when it
    /// is not JSON.
    pub body: Value,
}

/// A KMS request in short: `(operation, signed Region, KeyId)`.
pub type Call = (String, String, String);

/// The [`Call`] of `op` signed for `region` naming `key`.
pub fn call(op: &str, region: &str, key: &str) -> Call {
    (op.to_owned(), region.to_owned(), key.to_owned())
}

/// The [`Call`] of each request (an empty `KeyId` where the body names none).
pub fn calls(requests: &[Request]) -> Vec<Call> {
    requests
        .iter()
        .map(|r| {
            let key = r.body["KeyId"].as_str().unwrap_or_default();
            call(&r.operation, &r.region, key)
        })
        .collect()
}

/// What the [`Proxy`] does with the requests it receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// Record each request and forward it to the endpoint (the start mode).
    Up = 0,
    /// Accept connections and read requests, but never answer (an endpoint that hangs): a
    /// request is held until the proxy is dropped (30 s at the most), then its connection
    /// closes. Nothing is recorded.
    Hang = 1,
    /// Close every connection at once (an endpoint that is gone). Nothing is recorded.
    Down = 2,
}

impl Mode {
    fn from_u8(v: u8) -> Mode {
        match v {
            1 => Mode::Hang,
            2 => Mode::Down,
            _ => Mode::Up,
        }
    }
}

/// What the proxy's threads share with it.
struct State {
    /// `host:port` of the endpoint.
    upstream: String,
    mode: AtomicU8,
    /// Set when the proxy is dropped: its threads stop.
    closed: AtomicBool,
    requests: Mutex<Vec<Request>>,
}

impl State {
    fn mode(&self) -> Mode {
        Mode::from_u8(self.mode.load(Ordering::SeqCst))
    }

    fn requests(&self) -> MutexGuard<'_, Vec<Request>> {
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A small HTTP/1.1 proxy on 127.0.0.1 in front of a plain-`http` KMS endpoint, which records
/// the requests it forwards (by their `X-Amz-Target`) and can be made to hang or to drop
/// connections ([`Proxy::set_mode`]). Every answer is the endpoint's; one request a connection
/// (it answers with `connection: close`).
///
/// It runs on threads of its own, so it serves synchronous tests, tests on any Tokio runtime and
/// other processes (a binary given [`Proxy::url`] as its endpoint) alike. Dropping it stops it.
pub struct Proxy {
    /// The proxy's URL (`http://127.0.0.1:<port>`), to give as the KMS endpoint to the code
    /// under test.
    pub url: String,
    addr: SocketAddr,
    state: Arc<State>,
}

impl Proxy {
    /// Starts a proxy in front of `upstream` (`http://host:port`, as [`endpoint`] gives it).
    ///
    /// Panics when `upstream` is not plain `http` or no loopback port can be bound.
    pub fn start(upstream: &str) -> Proxy {
        let upstream = upstream
            .strip_prefix("http://")
            .expect("the test endpoint is plain http")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let addr = listener.local_addr().expect("the proxy's address");
        let state = Arc::new(State {
            upstream,
            mode: AtomicU8::new(Mode::Up as u8),
            closed: AtomicBool::new(false),
            requests: Mutex::new(Vec::new()),
        });
        let shared = Arc::clone(&state);
        std::thread::Builder::new()
            .name("kms-proxy".to_owned())
            .spawn(move || {
                for conn in listener.incoming() {
                    if shared.closed.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let st = Arc::clone(&shared);
                    std::thread::spawn(move || {
                        let _ = handle(conn, &st);
                    });
                }
            })
            .expect("start the proxy's thread");
        Proxy {
            url: format!("http://{addr}"),
            addr,
            state,
        }
    }

    /// The requests of `operation` (e.g. `GenerateDataKey`) forwarded since the last
    /// [`reset`](Proxy::reset) or [`take`](Proxy::take).
    pub fn count(&self, operation: &str) -> usize {
        self.state
            .requests()
            .iter()
            .filter(|r| r.operation == operation)
            .count()
    }

    /// The requests forwarded since the last [`reset`](Proxy::reset) or
    /// [`take`](Proxy::take), in order.
    pub fn requests(&self) -> Vec<Request> {
        self.state.requests().clone()
    }

    /// Forgets the recorded requests.
    pub fn reset(&self) {
        self.state.requests().clear();
    }

    /// The requests forwarded since the last reset or take, in order, and forgets them.
    pub fn take(&self) -> Vec<Request> {
        std::mem::take(&mut *self.state.requests())
    }

    /// Changes what the proxy does with the requests that follow.
    pub fn set_mode(&self, mode: Mode) {
        self.state.mode.store(mode as u8, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.state.closed.store(true, Ordering::SeqCst);
        // Wakes the accepting thread, which sees `closed` and ends.
        let _ = TcpStream::connect(self.addr);
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The header lines of an HTTP head (after the start line) as (lower-case name, value).
fn headers(head: &str) -> Vec<(String, String)> {
    head.split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect()
}

/// The head with any `connection` header replaced by `connection: close`, and its blank line.
fn closing(head: &str) -> String {
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

/// Reads from `conn` onto `buf`; whether anything came.
fn read_more(conn: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut chunk = [0u8; 8192];
    let n = conn.read(&mut chunk)?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n > 0)
}

/// Serves one connection: reads the request, then records and forwards it, holds it or drops
/// it as the mode says.
fn handle(mut conn: TcpStream, st: &State) -> std::io::Result<()> {
    if st.mode() == Mode::Down {
        return Ok(()); // dropped: the connection closes at once
    }
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(p) = find(&buf, b"\r\n\r\n") {
            break p;
        }
        if !read_more(&mut conn, &mut buf)? || buf.len() > MAX_HEAD {
            return Ok(());
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let hs = headers(&head);
    let header = |name: &str| hs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + 4 + length {
        if !read_more(&mut conn, &mut buf)? {
            return Ok(());
        }
    }
    match st.mode() {
        Mode::Hang => {
            let until = Instant::now() + HANG;
            while Instant::now() < until && !st.closed.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
            return Ok(());
        }
        Mode::Down => return Ok(()),
        Mode::Up => {}
    }
    let body = &buf[head_end + 4..head_end + 4 + length];
    if let Some(target) = header("x-amz-target") {
        // The SigV4 credential scope: <key id>/<date>/<region>/kms/aws4_request.
        let region = header("authorization")
            .and_then(|a| a.split("Credential=").nth(1))
            .and_then(|scope| scope.split('/').nth(2))
            .unwrap_or_default()
            .to_owned();
        st.requests().push(Request {
            operation: target.rsplit('.').next().unwrap_or(target).to_owned(),
            region,
            body: serde_json::from_slice(body).unwrap_or(Value::Null),
        });
    }
    let mut up = TcpStream::connect(&st.upstream)?;
    up.write_all(closing(&head).as_bytes())?;
    up.write_all(body)?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp)?;
    let Some(resp_head_end) = find(&resp, b"\r\n\r\n") else {
        return Ok(());
    };
    let resp_head = String::from_utf8_lossy(&resp[..resp_head_end]);
    conn.write_all(closing(&resp_head).as_bytes())?;
    conn.write_all(&resp[resp_head_end + 4..])?;
    conn.flush()?;
    conn.shutdown(Shutdown::Write)
}
