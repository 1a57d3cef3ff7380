//! The KMS keyring against a live KMS endpoint (moto's server, over HTTP with SigV4, through
//! aws-sdk-kms): round trips, KMS calls counted at the endpoint, interop with Powertools Python,
//! and faults. Keys are created through the SDK at the start of each test.
//!
//! Without `AWS_ENDPOINT_URL` (a plain `cargo test`) each test prints a note and returns;
//! `./scripts/test` starts moto and sets it.

mod support;

use data_masking::{CacheLimits, DataMasking, EncryptionContext, Error};
use data_masking_kms::{KmsKeyring, Timeouts};
use serde_json::{Value, json};

/// The test endpoint with its configuration.
struct Kms {
    endpoint: String,
    config: aws_config::SdkConfig,
}

impl Kms {
    async fn get() -> Option<Kms> {
        let endpoint = support::endpoint()?;
        let config = support::sdk_config(&endpoint).await;
        Some(Kms { endpoint, config })
    }

    async fn key(&self) -> String {
        support::create_key(&self.config).await
    }

    /// A keyring for `keys` at `endpoint` (the endpoint itself or a proxy).
    fn keyring(&self, keys: &[&str], endpoint: &str, timeouts: Timeouts) -> KmsKeyring {
        KmsKeyring::builder(keys)
            .timeouts(timeouts)
            .endpoint_url(endpoint)
            .build(&self.config)
            .expect("a keyring for key ARNs")
    }

    fn masker(&self, keys: &[&str], cache: Option<CacheLimits>) -> DataMasking {
        self.masker_at(keys, &self.endpoint, cache, Timeouts::default())
    }

    fn masker_at(
        &self,
        keys: &[&str],
        endpoint: &str,
        cache: Option<CacheLimits>,
        timeouts: Timeouts,
    ) -> DataMasking {
        let builder = DataMasking::builder().keyring(self.keyring(keys, endpoint, timeouts));
        let builder = match cache {
            Some(limits) => builder.cache(limits),
            None => builder.no_cache(),
        };
        builder.try_build().expect("a DataMasking")
    }
}

fn record() -> Value {
    json!({
        "id": 7,
        "name": "Jo Doe",
        "card_number": "4111 1111 1111 1111",
        "address": {"street": "1 Main St", "postcode": 81847},
        "tags": ["a", "b"],
    })
}

fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
    EncryptionContext::new(pairs.iter().copied()).expect("a valid context")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_one_key_whole_value_and_fields_with_context() {
    let Some(kms) = Kms::get().await else { return };
    let key = kms.key().await;
    let masker = kms.masker(&[&key], Some(CacheLimits::default()));
    let c = ctx(&[("tenant", "acme"), ("purpose", "billing")]);

    let ct = masker.encrypt(&record(), &c).await.expect("encrypt");
    assert_eq!(masker.decrypt(&ct, &c).await.expect("decrypt"), record());
    let err = masker
        .decrypt(&ct, &ctx(&[("tenant", "acme")]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "context-mismatch", "{err}");

    let fields = ["card_number", "address.street", "tags[*]"];
    let enc = masker
        .encrypt_fields(&record(), &fields, &c)
        .await
        .expect("encrypt_fields");
    assert!(enc["card_number"].is_string() && enc["card_number"] != record()["card_number"]);
    assert_eq!(enc["address"]["postcode"], 81847);
    assert_eq!(enc["name"], "Jo Doe");
    let back = masker
        .decrypt_fields(&enc, &fields, &c)
        .await
        .expect("decrypt_fields");
    assert_eq!(back, record());

    // Without a cache (a KMS call for every message) and with an empty context too.
    let uncached = kms.masker(&[&key], None);
    let e = EncryptionContext::empty();
    let ct = uncached
        .encrypt(&json!("plain text"), &e)
        .await
        .expect("encrypt");
    assert_eq!(
        uncached.decrypt(&ct, &e).await.expect("decrypt"),
        json!("plain text")
    );
    // Another masker with the same key reads it.
    assert_eq!(
        masker.decrypt(&ct, &e).await.expect("decrypt"),
        json!("plain text")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_two_keys_and_decrypt_with_the_second_key_only() {
    let Some(kms) = Kms::get().await else { return };
    let (k1, k2) = (kms.key().await, kms.key().await);
    let both = kms.masker(&[&k1, &k2], Some(CacheLimits::default()));
    let c = ctx(&[("tenant", "acme")]);

    let ct = both.encrypt(&record(), &c).await.expect("encrypt");
    let fields = ["card_number", "address"];
    let enc = both
        .encrypt_fields(&record(), &fields, &c)
        .await
        .expect("encrypt_fields");
    assert_eq!(both.decrypt(&ct, &c).await.expect("decrypt"), record());

    for keys in [[k1.as_str()], [k2.as_str()]] {
        let one = kms.masker(&keys, Some(CacheLimits::default()));
        assert_eq!(
            one.decrypt(&ct, &c).await.expect("decrypt with one key"),
            record()
        );
        let back = one
            .decrypt_fields(&enc, &fields, &c)
            .await
            .expect("decrypt_fields");
        assert_eq!(back, record());
    }
    // The second key listed first also decrypts (order is only the generator choice).
    let swapped = kms.masker(&[&k2, &k1], None);
    assert_eq!(swapped.decrypt(&ct, &c).await.expect("decrypt"), record());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decrypt_with_an_unrelated_key_is_a_decrypt_key_error() {
    let Some(kms) = Kms::get().await else { return };
    let (k1, other) = (kms.key().await, kms.key().await);
    let c = ctx(&[("tenant", "acme")]);
    let ct = kms
        .masker(&[&k1], None)
        .encrypt(&record(), &c)
        .await
        .expect("encrypt");
    let err = kms
        .masker(&[&other], Some(CacheLimits::default()))
        .decrypt(&ct, &c)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::DecryptKey(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&other), "names the configured key: {text}");
    assert!(!text.contains("4111"), "never data: {text}");
}
