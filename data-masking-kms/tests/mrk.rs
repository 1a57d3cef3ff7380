//! Multi-Region keys, the discovery keyrings and grant tokens against a live KMS endpoint
//! (moto's server, through aws-sdk-kms), with every request recorded by a proxy in front of it:
//! its operation, the Region it is signed for (the Region that serves it) and its body (`KeyId`,
//! `GrantTokens`).
//!
//! moto creates a multi-Region key and replicates it, but cannot decrypt any ciphertext of a
//! multi-Region key (5.2.5: its ciphertext format keeps 36 bytes of key id, its `mrk-` ids have
//! 40), and in AWS a replica decrypts its primary's ciphertexts because they share key material.
//! So each test proves, against moto, the match rule and the request each keyring sends (which
//! operation, which key, which Region, which grant tokens), and moto's refusal; then the proxy
//! stands in for that one missing piece ([`Proxy::stand_in_for_replicas`]: a `Decrypt` of a
//! multi-Region ciphertext that went through it, naming the key or a replica, answered with
//! the data key and the requested key ARN, as AWS answers) to prove the rest of the decrypt path.
//! Single-Region keys are decrypted by moto itself.
//!
//! Without `AWS_ENDPOINT_URL` (a plain `cargo test`) each test prints a note and returns;
//! `./scripts/test` starts moto and sets it.

mod support;

use data_masking::AlgorithmSuite;
use data_masking::keys::{DecryptionMaterials, EncryptedDataKey, Keyring};
use data_masking::{DataMasking, EncryptionContext, Encryptor};
use data_masking_kms::{
    DiscoveryFilter, KmsDiscoveryKeyring, KmsKeyring, KmsMrkDiscoveryKeyring, Timeouts,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use support::{Proxy, Request};

const PRIMARY_REGION: &str = "us-east-1";
const REPLICA_REGION: &str = "us-west-2";
const TOKENS: [&str; 2] = ["grant-token-1", "grant-token-2"];

/// A primary multi-Region key, its replica, and a proxy in front of the endpoint.
struct Setup {
    endpoint: String,
    primary: String,
    replica: String,
    proxy: Proxy,
}

impl Setup {
    async fn get() -> Option<Setup> {
        let endpoint = support::endpoint()?;
        let config = support::sdk_config_in(&endpoint, PRIMARY_REGION).await;
        let primary = support::create_multi_region_key(&config).await;
        let replica = support::replicate_key(&config, &primary, REPLICA_REGION).await;
        let proxy = Proxy::start(&endpoint).await;
        Some(Setup {
            endpoint,
            primary,
            replica,
            proxy,
        })
    }

    /// The configuration in `region`, sending to the proxy.
    async fn config(&self, region: &str) -> aws_config::SdkConfig {
        support::sdk_config_in(self.proxy.url(), region).await
    }

    /// A strict keyring for `keys` through the proxy, its base client in `region`.
    async fn strict(&self, keys: &[&str], region: &str) -> KmsKeyring {
        KmsKeyring::builder(keys)
            .grant_tokens(TOKENS)
            .timeouts(Timeouts::default())
            .build(&self.config(region).await)
            .expect("a keyring")
    }

    /// The KMS requests since the last call, and forgets them.
    fn take(&self) -> Vec<Request> {
        let r = self.proxy.requests();
        self.proxy.reset();
        r
    }
}

fn masker(keyring: impl Keyring + 'static) -> DataMasking {
    let encryptor = Encryptor::builder(keyring)
        .no_cache()
        .build()
        .expect("an Encryptor");
    DataMasking::builder().encryptor(encryptor).build()
}

fn ctx() -> EncryptionContext {
    EncryptionContext::new([("tenant", "acme")]).expect("a context")
}

fn record() -> Value {
    json!({"card": "4111 1111 1111 1111", "id": 7})
}

/// `(operation, region, KeyId)` of each request.
fn calls(requests: &[Request]) -> Vec<(String, String, String)> {
    requests
        .iter()
        .map(|r| {
            (
                r.operation.clone(),
                r.region.clone(),
                r.body["KeyId"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn call(op: &str, region: &str, key: &str) -> (String, String, String) {
    (op.to_owned(), region.to_owned(), key.to_owned())
}

/// Every request carried exactly the grant tokens.
fn assert_grant_tokens(requests: &[Request]) {
    assert!(!requests.is_empty());
    for r in requests {
        assert_eq!(
            r.body["GrantTokens"],
            json!(TOKENS),
            "{} carries the grant tokens",
            r.operation
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_keyring_on_a_replica_matches_the_primary_and_decrypts_in_the_replica_region() {
    let Some(s) = Setup::get().await else { return };
    assert!(s.primary.contains(":key/mrk-") && s.replica.contains(REPLICA_REGION));
    let reader = masker(s.strict(&[&s.replica], PRIMARY_REGION).await);

    // A message of the primary: the replica matches it (MRK match), and the one Decrypt goes to
    // the replica's Region, naming the replica, with the grant tokens.
    let ct = masker(s.strict(&[&s.primary], PRIMARY_REGION).await)
        .encrypt(&record(), &ctx())
        .await
        .expect("encrypt with the primary");
    let written = s.take();
    assert_eq!(
        calls(&written),
        [call("GenerateDataKey", PRIMARY_REGION, &s.primary)]
    );
    assert_grant_tokens(&written);
    // moto refuses it (see the module doc): the error names the replica and moto's code.
    let err = reader.decrypt(&ct, &ctx()).await.unwrap_err();
    assert_eq!(err.kind(), "decrypt-key", "{err}");
    assert!(err.to_string().contains(&s.replica), "{err}");
    assert!(err.to_string().contains("AccessDeniedException"), "{err}");
    let requests = s.take();
    assert_eq!(
        calls(&requests),
        [call("Decrypt", REPLICA_REGION, &s.replica)]
    );
    assert_grant_tokens(&requests);

    // Answered as AWS answers (the replica's data key, KeyId the replica): decrypted.
    s.proxy.stand_in_for_replicas(true);
    assert_eq!(
        reader.decrypt(&ct, &ctx()).await.expect("decrypt"),
        record()
    );
    let requests = s.take();
    assert_eq!(
        calls(&requests),
        [call("Decrypt", REPLICA_REGION, &s.replica)]
    );
    assert_grant_tokens(&requests);
    // The same request from a keyring on the primary itself.
    let primary = masker(s.strict(&[&s.primary], REPLICA_REGION).await);
    assert_eq!(
        primary.decrypt(&ct, &ctx()).await.expect("decrypt"),
        record()
    );
    assert_eq!(
        calls(&s.take()),
        [call("Decrypt", PRIMARY_REGION, &s.primary)]
    );

    // A single-Region key of the same id shape does not match: no call.
    let other = masker(
        s.strict(&[&s.replica.replace(":key/mrk-", ":key/")], REPLICA_REGION)
            .await,
    );
    assert_eq!(
        other.decrypt(&ct, &ctx()).await.unwrap_err().kind(),
        "decrypt-key"
    );
    assert!(
        s.take().is_empty(),
        "no KMS call for a key that does not match"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_keyring_sends_grant_tokens_on_generate_data_key_encrypt_and_decrypt() {
    let Some(s) = Setup::get().await else { return };
    let config = support::sdk_config_in(&s.endpoint, PRIMARY_REGION).await;
    let single = support::create_key(&config).await;
    let both = masker(s.strict(&[&single, &s.replica], PRIMARY_REGION).await);
    let ct = both.encrypt(&record(), &ctx()).await.expect("encrypt");
    let requests = s.take();
    assert_eq!(
        calls(&requests),
        [
            call("GenerateDataKey", PRIMARY_REGION, &single),
            call("Encrypt", REPLICA_REGION, &s.replica),
        ]
    );
    assert_grant_tokens(&requests);
    assert_eq!(both.decrypt(&ct, &ctx()).await.expect("decrypt"), record());
    let requests = s.take();
    assert_eq!(calls(&requests), [call("Decrypt", PRIMARY_REGION, &single)]);
    assert_grant_tokens(&requests);
    // Without grant tokens, none are sent.
    let plain = KmsKeyring::new(&s.config(PRIMARY_REGION).await, [&single]).expect("keyring");
    masker(plain)
        .decrypt(&ct, &ctx())
        .await
        .expect("decrypt without tokens");
    let requests = s.take();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].body.get("GrantTokens").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_keyring_decrypts_with_the_named_key_in_its_region_within_its_filter() {
    let Some(s) = Setup::get().await else { return };
    let account = s.primary.split(':').nth(4).expect("account").to_owned();
    let config = support::sdk_config_in(&s.endpoint, PRIMARY_REGION).await;
    let single = support::create_key(&config).await;
    let ct = masker(s.strict(&[&single], PRIMARY_REGION).await)
        .encrypt(&record(), &ctx())
        .await
        .expect("encrypt");
    s.take();

    // Its base client is in the replica's Region; the call goes to the named key's Region.
    let base = KmsDiscoveryKeyring::new(&s.config(REPLICA_REGION).await).with_grant_tokens(TOKENS);
    let filtered = base
        .clone()
        .with_filter(DiscoveryFilter::new("aws", [account.as_str()]).expect("filter"));
    for keyring in [base.clone(), filtered] {
        assert_eq!(
            masker(keyring).decrypt(&ct, &ctx()).await.expect("decrypt"),
            record()
        );
        let requests = s.take();
        assert_eq!(calls(&requests), [call("Decrypt", PRIMARY_REGION, &single)]);
        assert_grant_tokens(&requests);
    }

    // A multi-Region key's message: Decrypt names the primary, in the primary's Region.
    let mrk_ct = masker(s.strict(&[&s.primary], PRIMARY_REGION).await)
        .encrypt(&record(), &ctx())
        .await
        .expect("encrypt");
    s.take();
    s.proxy.stand_in_for_replicas(true);
    assert_eq!(
        masker(base.clone())
            .decrypt(&mrk_ct, &ctx())
            .await
            .expect("decrypt"),
        record()
    );
    assert_eq!(
        calls(&s.take()),
        [call("Decrypt", PRIMARY_REGION, &s.primary)]
    );

    // Another account or partition: refused without a KMS call.
    for filter in [
        DiscoveryFilter::new("aws", ["444455556666"]).expect("filter"),
        DiscoveryFilter::new("aws-cn", [account.as_str()]).expect("filter"),
    ] {
        let err = masker(base.clone().with_filter(filter))
            .decrypt(&ct, &ctx())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "decrypt-key", "{err}");
        assert!(err.to_string().contains("discovery"), "{err}");
        assert!(s.take().is_empty(), "no KMS call outside the filter");
    }

    // It never encrypts, and makes no call trying.
    let err = masker(base).encrypt(&record(), &ctx()).await.unwrap_err();
    assert_eq!(err.kind(), "encrypt-key", "{err}");
    assert!(s.take().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mrk_discovery_keyring_decrypts_in_its_own_region_only() {
    let Some(s) = Setup::get().await else { return };
    let account = s.primary.split(':').nth(4).expect("account").to_owned();
    let filter = DiscoveryFilter::new("aws", [account.as_str()]).expect("filter");
    let west = KmsMrkDiscoveryKeyring::new(&s.config(REPLICA_REGION).await)
        .expect("a Region")
        .with_filter(filter.clone())
        .with_grant_tokens(TOKENS);
    assert_eq!(west.region(), REPLICA_REGION);

    // A message of the primary: one Decrypt in the keyring's Region naming the replica (refused
    // by moto, see the module doc; then answered as AWS answers).
    let ct = masker(s.strict(&[&s.primary], PRIMARY_REGION).await)
        .encrypt(&record(), &ctx())
        .await
        .expect("encrypt");
    s.take();
    let err = masker(west.clone()).decrypt(&ct, &ctx()).await.unwrap_err();
    assert_eq!(err.kind(), "decrypt-key", "{err}");
    let requests = s.take();
    assert_eq!(
        calls(&requests),
        [call("Decrypt", REPLICA_REGION, &s.replica)]
    );
    assert_grant_tokens(&requests);
    s.proxy.stand_in_for_replicas(true);
    assert_eq!(
        masker(west.clone())
            .decrypt(&ct, &ctx())
            .await
            .expect("decrypt"),
        record()
    );
    let requests = s.take();
    assert_eq!(
        calls(&requests),
        [call("Decrypt", REPLICA_REGION, &s.replica)]
    );
    assert_grant_tokens(&requests);
    s.proxy.stand_in_for_replicas(false);

    // A single-Region key of another Region: passed over without a call.
    let config = support::sdk_config_in(&s.endpoint, PRIMARY_REGION).await;
    let single = support::create_key(&config).await;
    let ct = masker(s.strict(&[&single], PRIMARY_REGION).await)
        .encrypt(&record(), &ctx())
        .await
        .expect("encrypt");
    s.take();
    assert_eq!(
        masker(west.clone())
            .decrypt(&ct, &ctx())
            .await
            .unwrap_err()
            .kind(),
        "decrypt-key"
    );
    assert!(s.take().is_empty(), "no call for another Region's key");
    // In that key's own Region, it is decrypted.
    let east = KmsMrkDiscoveryKeyring::new(&s.config(PRIMARY_REGION).await)
        .expect("a Region")
        .with_filter(filter);
    assert_eq!(
        masker(east).decrypt(&ct, &ctx()).await.expect("decrypt"),
        record()
    );
    assert_eq!(calls(&s.take()), [call("Decrypt", PRIMARY_REGION, &single)]);
    // It never encrypts.
    assert_eq!(
        masker(west)
            .encrypt(&record(), &ctx())
            .await
            .unwrap_err()
            .kind(),
        "encrypt-key"
    );
    assert!(s.take().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_keyring_makes_one_decrypt_per_configured_key_whatever_replicas_a_message_names() {
    let Some(s) = Setup::get().await else { return };
    let reader = s.strict(&[&s.replica], PRIMARY_REGION).await;
    // Encrypted data keys naming the key in five Regions (moto refuses the first, as it refuses
    // any multi-Region ciphertext): one Decrypt, in the replica's Region, naming the replica.
    let edks: Vec<EncryptedDataKey> = [
        PRIMARY_REGION,
        "eu-west-1",
        REPLICA_REGION,
        "ap-south-1",
        "sa-east-1",
    ]
    .iter()
    .map(|region| EncryptedDataKey {
        provider_id: data_masking_kms::PROVIDER_ID.into(),
        provider_info: s.primary.replace(PRIMARY_REGION, region).into_bytes(),
        ciphertext: vec![7; 64],
    })
    .collect();
    let materials = DecryptionMaterials::new(AlgorithmSuite::default(), BTreeMap::new());
    let err = reader.on_decrypt(materials, &edks).await.unwrap_err();
    assert_eq!(err.kind(), "decrypt-key", "{err}");
    assert!(
        err.to_string()
            .contains("4 more encrypted data keys naming a key whose Decrypt had failed"),
        "{err}"
    );
    let requests = s.take();
    assert_eq!(
        calls(&requests),
        [call("Decrypt", REPLICA_REGION, &s.replica)]
    );
    assert_grant_tokens(&requests);
}
