//! Helpers for the KMS tests: the moto endpoint from the environment, keys created through the
//! SDK and a recording (and breakable) HTTP proxy in front of the endpoint, all from
//! [`data_masking_tests::kms`]; the keys and proxy of the multi-Region tests ([`Setup`]), and
//! the Python oracle.
//!
//! `./scripts/test` starts moto (through `tests/py/moto_server.py`, which gives multi-Region
//! keys AWS's 36-character `mrk-` ids, so that moto decrypts their ciphertexts, across replicas
//! too) and exports `AWS_ENDPOINT_URL` (and test credentials). When the variable is unset (a
//! plain `cargo test`), each test prints a note and returns; when it is set, any misbehaviour of
//! the endpoint fails the test.

#![allow(dead_code, clippy::missing_panics_doc)]

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_config::SdkConfig;
use data_masking::keys::Keyring;
use data_masking::{DataMasking, EncryptionContext, Encryptor};
use data_masking_kms::DiscoveryFilter;
use data_masking_tests::kms;
use serde_json::Value;

#[allow(unused_imports)] // each test target uses some of them
pub use data_masking_tests::kms::{
    Call, Mode, Request, call, calls, create_key, create_multi_region_key, endpoint, is_aws_mrk_id,
    replicate_key, sdk_config, sdk_config_in,
};

/// The recording proxy of [`data_masking_tests::kms`], started from async code, with its URL
/// as a `&str`.
pub struct Proxy(kms::Proxy);

impl Proxy {
    /// Starts a proxy in front of `upstream` (`http://host:port`).
    #[allow(clippy::unused_async)] // the tests await it
    pub async fn start(upstream: &str) -> Proxy {
        Proxy(kms::Proxy::start(upstream))
    }

    /// The proxy's URL, to use as the keyring's endpoint.
    pub fn url(&self) -> &str {
        &self.0.url
    }
}

impl Deref for Proxy {
    type Target = kms::Proxy;

    fn deref(&self) -> &kms::Proxy {
        &self.0
    }
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
        let account = kms::account(&single);
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
