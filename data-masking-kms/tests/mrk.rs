//! Multi-Region keys, the discovery keyrings and grant tokens against a live KMS endpoint
//! (moto's server, through aws-sdk-kms), with every request recorded by a proxy in front of it:
//! its operation, the Region it is signed for (the Region that serves it) and its body (`KeyId`,
//! `GrantTokens`).
//!
//! moto creates a multi-Region key and replicates it, but cannot decrypt any ciphertext of a
//! multi-Region key, not even the key's own in its own Region (5.2.5: its ciphertext format keeps
//! 36 bytes of key id, its `mrk-` ids have 40, and it takes no requested key id: the first test
//! below pins this), and in AWS a replica decrypts its primary's ciphertexts because they share
//! key material. So each test proves, against moto, the match rule and the request each keyring
//! sends (which operation, which key, which Region, which grant tokens), and moto's refusal;
//! then the proxy stands in for that one missing piece ([`Proxy::stand_in_for_replicas`]: a
//! `Decrypt` of a multi-Region ciphertext that went through it, naming the key or a replica,
//! answered with the data key and the requested key ARN, as AWS answers) to prove the rest of
//! the decrypt path: for the primary's messages, for a message the replica itself wrote, and
//! with Powertools Python on either side. Every other call (`CreateKey`, `ReplicateKey`,
//! `GenerateDataKey`, `Encrypt`, and `Decrypt` of single-Region keys) is moto's.
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

/// The error code of a KMS call's error.
fn code<E: aws_sdk_kms::error::ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or_default().to_owned()
}

/// Why the proxy stands in for a multi-Region `Decrypt` (see the module doc), pinned against
/// moto itself: moto ignores a requested key id (the tags `_custom_key_id_` and `_custom_id_`),
/// so every multi-Region key id it makes is `mrk-` and a UUID, 40 characters, and its
/// ciphertext blob keeps only 36 characters of key id; so it refuses every multi-Region
/// ciphertext, even the key's own in its own Region, and decrypts single-Region ones. When a moto
/// version decrypts them, this test fails: the proxy's stand-in can then give way to moto.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_refuses_every_multi_region_ciphertext_even_in_the_key_s_own_region() {
    use aws_sdk_kms::primitives::Blob;
    use aws_sdk_kms::types::Tag;
    let Some(endpoint) = support::endpoint() else {
        return;
    };
    let east = support::sdk_config_in(&endpoint, PRIMARY_REGION).await;
    // AWS's form of a multi-Region key id: mrk- and 32 hex digits, 36 characters.
    let wanted = "mrk-0123456789abcdef0123456789abcdef";
    let tag = |k: &str| {
        Tag::builder()
            .tag_key(k)
            .tag_value(wanted)
            .build()
            .expect("a tag")
    };
    let created = aws_sdk_kms::Client::new(&east)
        .create_key()
        .multi_region(true)
        .tags(tag("_custom_key_id_"))
        .tags(tag("_custom_id_"))
        .send()
        .await
        .expect("CreateKey");
    let meta = created.key_metadata.expect("metadata");
    let (id, primary) = (meta.key_id, meta.arn.expect("ARN"));
    assert_ne!(id, wanted, "moto ignores the requested key id");
    assert!(id.starts_with("mrk-") && id.len() == 40, "{id}");
    let replica = support::replicate_key(&east, &primary, REPLICA_REGION).await;
    let single = support::create_key(&east).await;

    for (region, key, multi) in [
        (PRIMARY_REGION, &primary, true),
        (REPLICA_REGION, &replica, true),
        (PRIMARY_REGION, &single, false),
    ] {
        let kms = aws_sdk_kms::Client::new(&support::sdk_config_in(&endpoint, region).await);
        let blob = kms
            .encrypt()
            .key_id(key)
            .plaintext(Blob::new([7u8; 32]))
            .send()
            .await
            .expect("Encrypt")
            .ciphertext_blob
            .expect("a ciphertext");
        let decrypted = kms.decrypt().ciphertext_blob(blob).key_id(key).send().await;
        if multi {
            let err = decrypted.expect_err(
                "moto now decrypts a multi-Region ciphertext: replace the proxy's stand-in \
                 (Proxy::stand_in_for_replicas) with moto's own Decrypt",
            );
            assert_eq!(code(&err), "AccessDeniedException", "{key}");
        } else {
            let out = decrypted.expect("a single-Region key's ciphertext decrypts");
            assert_eq!(out.key_id.as_deref(), Some(single.as_str()));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_s_own_message_decrypts_with_every_keyring_that_matches_it() {
    let Some(s) = Setup::get().await else { return };
    let account = s.primary.split(':').nth(4).expect("account").to_owned();
    let filter = DiscoveryFilter::new("aws", [account.as_str()]).expect("filter");
    // Written with the replica alone, in its Region: moto's GenerateDataKey there.
    let ct = masker(s.strict(&[&s.replica], PRIMARY_REGION).await)
        .encrypt(&record(), &ctx())
        .await
        .expect("encrypt with the replica");
    let written = s.take();
    assert_eq!(
        calls(&written),
        [call("GenerateDataKey", REPLICA_REGION, &s.replica)]
    );
    // moto itself refuses it (see the test above), naming the replica in its Region.
    let on_replica = masker(s.strict(&[&s.replica], PRIMARY_REGION).await);
    let err = on_replica.decrypt(&ct, &ctx()).await.unwrap_err();
    assert!(err.to_string().contains("AccessDeniedException"), "{err}");
    assert_eq!(
        calls(&s.take()),
        [call("Decrypt", REPLICA_REGION, &s.replica)]
    );

    // Answered as AWS answers, each keyring decrypts it with one Decrypt: which key it names,
    // and in which Region, is the keyring's rule.
    s.proxy.stand_in_for_replicas(true);
    let west_discovery = KmsMrkDiscoveryKeyring::new(&s.config(REPLICA_REGION).await)
        .expect("a Region")
        .with_filter(filter.clone())
        .with_grant_tokens(TOKENS);
    let east_discovery = KmsMrkDiscoveryKeyring::new(&s.config(PRIMARY_REGION).await)
        .expect("a Region")
        .with_filter(filter)
        .with_grant_tokens(TOKENS);
    let discovery =
        KmsDiscoveryKeyring::new(&s.config(PRIMARY_REGION).await).with_grant_tokens(TOKENS);
    let readers: [(&str, DataMasking, (String, String, String)); 5] = [
        // The strict keyring on the replica: the replica, in its Region.
        (
            "strict, replica",
            on_replica,
            call("Decrypt", REPLICA_REGION, &s.replica),
        ),
        // On the primary: the configured key in its own Region (the MRK match rule).
        (
            "strict, primary",
            masker(s.strict(&[&s.primary], REPLICA_REGION).await),
            call("Decrypt", PRIMARY_REGION, &s.primary),
        ),
        // The MRK discovery keyrings: the key in their own Region.
        (
            "MRK discovery, replica's Region",
            masker(west_discovery),
            call("Decrypt", REPLICA_REGION, &s.replica),
        ),
        (
            "MRK discovery, primary's Region",
            masker(east_discovery),
            call("Decrypt", PRIMARY_REGION, &s.primary),
        ),
        // The discovery keyring: the named key, in its Region.
        (
            "discovery",
            masker(discovery),
            call("Decrypt", REPLICA_REGION, &s.replica),
        ),
    ];
    for (what, reader, expected) in readers {
        assert_eq!(
            reader.decrypt(&ct, &ctx()).await.expect(what),
            record(),
            "{what}"
        );
        let requests = s.take();
        assert_eq!(calls(&requests), [expected], "{what}");
        assert_grant_tokens(&requests);
    }
}

/// A masker (no cache) on a strict keyring for `keys` without grant tokens, as Powertools uses.
async fn plain(s: &Setup, keys: &[&str]) -> DataMasking {
    masker(KmsKeyring::new(&s.config(PRIMARY_REGION).await, keys.iter().copied()).expect("keyring"))
}

/// The Powertools oracle's results for `cases`, run against the proxy.
fn powertools(s: &Setup, python: &std::path::Path, cases: &Value) -> Vec<Value> {
    let out = support::run_oracle(python, s.proxy.url(), &json!({ "cases": cases }));
    out["results"].as_array().expect("results").clone()
}

fn ok(results: &[Value], i: usize) -> &Value {
    results[i]
        .get("ok")
        .unwrap_or_else(|| panic!("case {i} failed in Python: {}", results[i]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_with_powertools_python_through_a_replica() {
    let Some(s) = Setup::get().await else { return };
    let Some(python) = support::python() else {
        return;
    };
    s.proxy.stand_in_for_replicas(true);
    let context = json!({"tenant": "acme"});

    // Powertools encrypts under the replica ARN: its GenerateDataKey goes to the replica's
    // Region (moto), naming the replica.
    let results = powertools(
        &s,
        &python,
        &json!([{"op": "encrypt", "keys": [s.replica], "data": record(), "context": context}]),
    );
    let py_ct = ok(&results, 0)
        .as_str()
        .expect("a base64 message")
        .to_owned();
    assert_eq!(
        calls(&s.take()),
        [call("GenerateDataKey", REPLICA_REGION, &s.replica)]
    );
    // Rust decrypts it with the replica, with the primary (in the primary's Region) and with
    // the MRK discovery keyring of either Region.
    for (reader, expected) in [
        (
            plain(&s, &[&s.replica]).await,
            call("Decrypt", REPLICA_REGION, &s.replica),
        ),
        (
            plain(&s, &[&s.primary]).await,
            call("Decrypt", PRIMARY_REGION, &s.primary),
        ),
        (
            masker(KmsMrkDiscoveryKeyring::new(&s.config(PRIMARY_REGION).await).expect("Region")),
            call("Decrypt", PRIMARY_REGION, &s.primary),
        ),
    ] {
        assert_eq!(
            reader.decrypt(&py_ct, &ctx()).await.expect("decrypt"),
            record()
        );
        assert_eq!(calls(&s.take()), [expected]);
    }

    // Rust encrypts under the replica ARN; Powertools decrypts it with the replica. Powertools'
    // strict provider does not match replicas: given the primary, it refuses the message
    // without a KMS call (our keyring on the primary decrypts it, above).
    let rust_ct = plain(&s, &[&s.replica])
        .await
        .encrypt(&record(), &ctx())
        .await
        .expect("encrypt");
    let rust_field = plain(&s, &[&s.replica])
        .await
        .encrypt_fields(&record(), &["card"], &ctx())
        .await
        .expect("encrypt_fields");
    s.take();
    let results = powertools(
        &s,
        &python,
        &json!([
            {"op": "decrypt", "keys": [s.replica], "ciphertext": rust_ct, "context": context},
            {"op": "decrypt", "keys": [s.replica], "ciphertext": rust_field["card"],
             "context": context},
            {"op": "decrypt", "keys": [s.primary], "ciphertext": rust_ct, "context": context},
        ]),
    );
    assert_eq!(ok(&results, 0), &record());
    assert_eq!(ok(&results, 1), &record()["card"]);
    assert_eq!(
        results[2]["error"], "DataMaskingDecryptKeyError",
        "{}",
        results[2]
    );
    assert_eq!(
        calls(&s.take()),
        [
            call("Decrypt", REPLICA_REGION, &s.replica),
            call("Decrypt", REPLICA_REGION, &s.replica),
        ]
    );
}
