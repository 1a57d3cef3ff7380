//! The KMS keyring against a live KMS endpoint (moto's server, over HTTP with SigV4, through
//! aws-sdk-kms): round trips, KMS calls counted at the endpoint, interop with Powertools Python,
//! and faults. Keys are created through the SDK at the start of each test.
//!
//! Without `AWS_ENDPOINT_URL` (a plain `cargo test`) each test prints a note and returns;
//! `./scripts/test` starts moto and sets it.

mod support;

use data_masking::keys::{
    DataKey, DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring, Materials,
};
use data_masking::{CacheLimits, DataMasking, EncryptionContext, Encryptor, Error};
use data_masking_kms::{KmsKeyring, PROVIDER_ID, Timeouts};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::{Mode, Proxy};

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
        let builder = Encryptor::builder(self.keyring(keys, endpoint, timeouts));
        let builder = match cache {
            Some(limits) => builder.cache(limits),
            None => builder.no_cache(),
        };
        let encryptor = builder.build().expect("an Encryptor");
        DataMasking::builder().encryptor(encryptor).build()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kms_calls_counted_at_the_endpoint_for_encrypt() {
    let Some(kms) = Kms::get().await else { return };
    let (k1, k2) = (kms.key().await, kms.key().await);
    let proxy = Proxy::start(&kms.endpoint).await;
    let c = ctx(&[("tenant", "acme")]);
    let t = Timeouts::default();

    // 100 encrypts with the default cache: one data key, one GenerateDataKey.
    let masker = kms.masker_at(&[&k1], proxy.url(), Some(CacheLimits::default()), t);
    let mut messages = Vec::new();
    for i in 0..100 {
        messages.push(masker.encrypt(&json!({"n": i}), &c).await.expect("encrypt"));
    }
    assert_eq!(proxy.count("GenerateDataKey"), 1);
    assert_eq!(proxy.count("Encrypt"), 0);
    // Decrypting the 100 messages with a fresh masker: they share the data key, one Decrypt.
    let reader = kms.masker_at(&[&k1], proxy.url(), Some(CacheLimits::default()), t);
    for (i, m) in messages.iter().enumerate() {
        assert_eq!(
            reader.decrypt(m, &c).await.expect("decrypt"),
            json!({"n": i})
        );
    }
    assert_eq!(proxy.count("Decrypt"), 1);

    // max_messages_encrypted = 10: a new data key every 10 messages.
    proxy.reset();
    let limits = CacheLimits {
        max_messages_encrypted: 10,
        ..CacheLimits::default()
    };
    let masker = kms.masker_at(&[&k1], proxy.url(), Some(limits), t);
    for i in 0..100 {
        masker.encrypt(&json!(i), &c).await.expect("encrypt");
    }
    assert_eq!(proxy.count("GenerateDataKey"), 10);

    // Two keys: one GenerateDataKey with the first and one Encrypt with the second per data key.
    proxy.reset();
    let masker = kms.masker_at(&[&k1, &k2], proxy.url(), Some(CacheLimits::default()), t);
    for i in 0..100 {
        masker.encrypt(&json!(i), &c).await.expect("encrypt");
    }
    assert_eq!(proxy.count("GenerateDataKey"), 1);
    assert_eq!(proxy.count("Encrypt"), 1);

    // Without a cache every message costs its calls.
    proxy.reset();
    let masker = kms.masker_at(&[&k1], proxy.url(), None, t);
    for i in 0..5 {
        masker.encrypt(&json!(i), &c).await.expect("encrypt");
    }
    assert_eq!(proxy.count("GenerateDataKey"), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decrypting_100_fields_sharing_a_data_key_makes_one_decrypt_call() {
    let Some(kms) = Kms::get().await else { return };
    let key = kms.key().await;
    let proxy = Proxy::start(&kms.endpoint).await;
    let c = ctx(&[("tenant", "acme")]);
    let t = Timeouts::default();
    let data: Value = (0..100)
        .map(|i| (format!("f{i}"), json!(format!("secret {i}"))))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let fields: Vec<String> = (0..100).map(|i| format!("f{i}")).collect();

    let writer = kms.masker_at(&[&key], proxy.url(), Some(CacheLimits::default()), t);
    let enc = writer
        .encrypt_fields(&data, &fields, &c)
        .await
        .expect("encrypt_fields");
    assert_eq!(proxy.count("GenerateDataKey"), 1);

    let reader = kms.masker_at(&[&key], proxy.url(), Some(CacheLimits::default()), t);
    let back = reader
        .decrypt_fields(&enc, &fields, &c)
        .await
        .expect("decrypt_fields");
    assert_eq!(back, data);
    assert_eq!(
        proxy.count("Decrypt"),
        1,
        "one Decrypt for 100 fields (Powertools makes 100)"
    );

    // Without a cache (as Powertools decrypts): one Decrypt per field.
    proxy.reset();
    let uncached = kms.masker_at(&[&key], proxy.url(), None, t);
    let back = uncached
        .decrypt_fields(&enc, &fields, &c)
        .await
        .expect("decrypt_fields");
    assert_eq!(back, data);
    assert_eq!(proxy.count("Decrypt"), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_with_powertools_python_on_the_same_endpoint_and_key() {
    let Some(kms) = Kms::get().await else { return };
    let Some(python) = support::python() else {
        return;
    };
    let (k1, k2) = (kms.key().await, kms.key().await);
    let pairs = [("tenant", "acme"), ("purpose", "billing")];
    let c = ctx(&pairs);
    let context: serde_json::Map<String, Value> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    let other = json!({"tenant": "other", "purpose": "billing"});
    let data = record();
    let masker = kms.masker(&[&k1, &k2], Some(CacheLimits::default()));
    let rust_ct = masker.encrypt(&data, &c).await.expect("encrypt");
    let rust_field = masker
        .encrypt_fields(&data, &["card_number"], &c)
        .await
        .expect("encrypt_fields");

    let cases = json!({"cases": [
        // Python encrypts with a context (one key, and two keys).
        {"op": "encrypt", "keys": [k1], "data": data, "context": context},
        {"op": "encrypt", "keys": [k1, k2], "data": data["card_number"], "context": context},
        // Python decrypts what Rust encrypted, with each key alone.
        {"op": "decrypt", "keys": [k1], "ciphertext": rust_ct, "context": context},
        {"op": "decrypt", "keys": [k2], "ciphertext": rust_ct, "context": context},
        {"op": "decrypt", "keys": [k1], "ciphertext": rust_field["card_number"], "context": context},
        // A context mismatch is refused by Python.
        {"op": "decrypt", "keys": [k1], "ciphertext": rust_ct, "context": other},
        {"op": "decrypt", "keys": [k1], "ciphertext": rust_ct, "context": {}},
    ]});
    let out = support::run_oracle(&python, &kms.endpoint, &cases);
    let results = out["results"].as_array().expect("results");
    assert_eq!(results.len(), 7, "{out}");
    let ok = |i: usize| -> &Value {
        results[i]
            .get("ok")
            .unwrap_or_else(|| panic!("case {i} failed in Python: {}", results[i]))
    };
    assert_eq!(ok(2), &data);
    assert_eq!(ok(3), &data);
    assert_eq!(ok(4), &data["card_number"]);
    assert_eq!(
        results[5]["error"], "DataMaskingContextMismatchError",
        "{out}"
    );
    assert_eq!(
        results[6]["error"], "DataMaskingContextMismatchError",
        "{out}"
    );

    // Rust decrypts what Python encrypted; with only the second key for the two-key message.
    let py_whole = ok(0).as_str().expect("a base64 message");
    let py_two = ok(1).as_str().expect("a base64 message");
    let reader = kms.masker(&[&k1], Some(CacheLimits::default()));
    assert_eq!(reader.decrypt(py_whole, &c).await.expect("decrypt"), data);
    let second = kms.masker(&[&k2], None);
    assert_eq!(
        second.decrypt(py_two, &c).await.expect("decrypt"),
        data["card_number"]
    );
    // A context mismatch is refused by Rust.
    for wrong in [
        ctx(&[("tenant", "other"), ("purpose", "billing")]),
        ctx(&[]),
    ] {
        let err = reader.decrypt(py_whole, &wrong).await.unwrap_err();
        assert_eq!(err.kind(), "context-mismatch", "{err}");
    }
    // Python's message is refused by an unrelated key.
    let err = kms
        .masker(&[&kms.key().await], None)
        .decrypt(py_whole, &c)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "decrypt-key", "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_that_hangs_times_out_cached_keys_still_encrypt_and_service_recovers() {
    let Some(kms) = Kms::get().await else { return };
    let key = kms.key().await;
    let proxy = Proxy::start(&kms.endpoint).await;
    let timeouts = Timeouts {
        connect: Duration::from_millis(500),
        attempt: Duration::from_millis(700),
        operation: Duration::from_millis(1500),
    };
    let limits = CacheLimits {
        max_messages_encrypted: 3,
        ..CacheLimits::default()
    };
    let masker = kms.masker_at(&[&key], proxy.url(), Some(limits), timeouts);
    let reader = kms.masker_at(&[&key], proxy.url(), Some(limits), timeouts);
    let (a, b) = (ctx(&[("tenant", "a")]), ctx(&[("tenant", "b")]));
    let first = masker.encrypt(&json!(1), &a).await.expect("encrypt");
    assert_eq!(proxy.count("GenerateDataKey"), 1);

    proxy.set_mode(Mode::Hang);
    // The cached data key still encrypts, up to its limit of 3 messages.
    masker
        .encrypt(&json!(2), &a)
        .await
        .expect("cached encrypt 2");
    masker
        .encrypt(&json!(3), &a)
        .await
        .expect("cached encrypt 3");
    // Past the limit, and for another context: KMS is needed, and the call gives up in time.
    for (what, c) in [("past the limit", &a), ("new context", &b)] {
        let start = Instant::now();
        let err = masker.encrypt(&json!(4), c).await.unwrap_err();
        let took = start.elapsed();
        eprintln!("{what}: {err} (after {took:?})");
        assert!(matches!(err, Error::EncryptKey(_)), "{what}: {err:?}");
        assert!(
            err.to_string().contains(&key),
            "{what}: names the key: {err}"
        );
        assert!(
            took < timeouts.operation + Duration::from_millis(1500),
            "{what}: took {took:?}"
        );
    }
    let start = Instant::now();
    let err = reader.decrypt(&first, &a).await.unwrap_err();
    eprintln!("decrypt: {err} (after {:?})", start.elapsed());
    assert!(matches!(err, Error::DecryptKey(_)), "{err:?}");
    assert!(start.elapsed() < timeouts.operation + Duration::from_millis(1500));

    // Back in service: the same DataMasking values work again, no rebuild.
    proxy.set_mode(Mode::Up);
    let again = masker
        .encrypt(&json!(5), &b)
        .await
        .expect("encrypt after recovery");
    assert_eq!(reader.decrypt(&again, &b).await.expect("decrypt"), json!(5));
    assert_eq!(reader.decrypt(&first, &a).await.expect("decrypt"), json!(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_that_is_gone_fails_fast_with_a_typed_error_and_recovers() {
    let Some(kms) = Kms::get().await else { return };
    let key = kms.key().await;
    let proxy = Proxy::start(&kms.endpoint).await;
    let timeouts = Timeouts {
        connect: Duration::from_millis(500),
        attempt: Duration::from_millis(700),
        operation: Duration::from_millis(1500),
    };
    let masker = kms.masker_at(&[&key], proxy.url(), Some(CacheLimits::default()), timeouts);
    let c = ctx(&[("tenant", "a")]);
    proxy.set_mode(Mode::Down);
    let start = Instant::now();
    let err = masker.encrypt(&json!(1), &c).await.unwrap_err();
    eprintln!("endpoint gone: {err} (after {:?})", start.elapsed());
    assert!(matches!(err, Error::EncryptKey(_)), "{err:?}");
    assert!(err.to_string().contains(&key), "{err}");
    assert!(start.elapsed() < timeouts.operation + Duration::from_millis(1500));
    proxy.set_mode(Mode::Up);
    let ct = masker
        .encrypt(&json!(1), &c)
        .await
        .expect("encrypt after recovery");
    assert_eq!(masker.decrypt(&ct, &c).await.expect("decrypt"), json!(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_that_does_not_exist_is_an_encrypt_key_error_naming_arn_and_code() {
    let Some(kms) = Kms::get().await else { return };
    let missing = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000";
    let err = kms
        .masker(&[missing], Some(CacheLimits::default()))
        .encrypt(&record(), &ctx(&[("tenant", "acme")]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::EncryptKey(_)), "{err:?}");
    let text = err.to_string();
    eprintln!("missing key: {text}");
    assert!(text.contains(missing), "names the ARN: {text}");
    assert!(
        text.contains("NotFoundException"),
        "names the KMS code: {text}"
    );
    assert!(!text.contains("4111"), "never data: {text}");

    // A second key that does not exist fails the Encrypt after a good GenerateDataKey.
    let good = kms.key().await;
    let err = kms
        .masker(&[&good, missing], None)
        .encrypt(&record(), &EncryptionContext::empty())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::EncryptKey(_)), "{err:?}");
    assert!(err.to_string().contains("KMS Encrypt with"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_masking_convenience_uses_the_standard_configuration() {
    // AWS_ENDPOINT_URL (set by ./scripts/test) reaches the SDK through aws_config's defaults.
    let Some(kms) = Kms::get().await else { return };
    let key = kms.key().await;
    let masker = data_masking_kms::data_masking(
        [key.as_str()],
        CacheLimits {
            max_messages_encrypted: 10,
            ..CacheLimits::default()
        },
    )
    .await
    .expect("a DataMasking");
    let c = ctx(&[("tenant", "acme")]);
    let ct = masker.encrypt(&record(), &c).await.expect("encrypt");
    assert_eq!(masker.decrypt(&ct, &c).await.expect("decrypt"), record());
    let keyring = KmsKeyring::from_env([key.as_str()])
        .await
        .expect("from_env");
    assert_eq!(
        keyring
            .client()
            .config()
            .timeout_config()
            .and_then(aws_config::timeout::TimeoutConfig::operation_timeout),
        Some(Timeouts::default().operation)
    );
}

#[tokio::test]
async fn construction_refuses_aliases_bare_ids_duplicates_and_empty_lists() {
    let good = "arn:aws:kms:us-east-1:111122223333:key/k1";
    let config = aws_config::SdkConfig::builder().build();
    for keys in [
        vec!["alias/my-key"],
        vec!["1234abcd-12ab-34cd-56ef-1234567890ab"],
        vec!["arn:aws:kms:us-east-1:111122223333:alias/my-key"],
        vec![good, good],
        vec![],
    ] {
        let err = KmsKeyring::new(&config, &keys).unwrap_err();
        assert_eq!(err.kind(), "config", "{keys:?}");
        let err = KmsKeyring::from_env(&keys).await.unwrap_err();
        assert_eq!(err.kind(), "config", "{keys:?}");
        let err = data_masking_kms::data_masking(&keys, CacheLimits::default())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "config", "{keys:?}");
    }
    let err = KmsKeyring::new(&config, ["alias/my-key"]).unwrap_err();
    assert!(err.to_string().contains("alias"), "{err}");
    let k = KmsKeyring::new(&config, [good]).expect("a key ARN");
    assert_eq!(format!("{k:?}").matches("key/k1").count(), 1);
}

/// What a [`Padded`] keyring adds to the KMS keyring's encrypted data keys, given them.
type Extra = fn(&[EncryptedDataKey]) -> Vec<EncryptedDataKey>;

/// A writer's keyring: the KMS keyring's encrypted data keys with `extra` ones before (or after)
/// them. Its messages are well-formed and authentic: the header, with its authentication tag,
/// holds them all, as a message written by someone who knows the (public) key ARNs would.
#[derive(Debug)]
struct Padded {
    inner: KmsKeyring,
    extra: Extra,
    before: bool,
}

#[async_trait::async_trait]
impl Keyring for Padded {
    async fn wrap_data_key(
        &self,
        materials: &Materials,
        data_key: &DataKey,
    ) -> data_masking::Result<Vec<EncryptedDataKey>> {
        self.inner.wrap_data_key(materials, data_key).await
    }

    async fn unwrap_data_key(
        &self,
        materials: &Materials,
        edk: &EncryptedDataKey,
    ) -> data_masking::Result<Option<DataKey>> {
        self.inner.unwrap_data_key(materials, edk).await
    }

    async fn on_encrypt(
        &self,
        materials: EncryptionMaterials,
    ) -> data_masking::Result<EncryptionMaterials> {
        let real = self.inner.on_encrypt(materials).await?;
        let data_key = real.data_key().cloned().expect("a data key");
        let mut out = EncryptionMaterials::new(real.suite(), real.context().clone())
            .with_data_key(data_key)?;
        let extra = (self.extra)(real.encrypted_data_keys());
        let (first, second) = if self.before {
            (&extra[..], real.encrypted_data_keys())
        } else {
            (real.encrypted_data_keys(), &extra[..])
        };
        for edk in first.iter().chain(second) {
            out.add_encrypted_data_key(edk.clone());
        }
        Ok(out)
    }

    async fn on_decrypt(
        &self,
        materials: DecryptionMaterials,
        edks: &[EncryptedDataKey],
    ) -> data_masking::Result<DecryptionMaterials> {
        self.inner.on_decrypt(materials, edks).await
    }
}

/// `n` copies of the first (real) encrypted data key with their last two ciphertext bytes
/// changed: each names the real key ARN and fails KMS `Decrypt` (`InvalidCiphertextException`).
fn junk(real: &[EncryptedDataKey], n: usize) -> Vec<EncryptedDataKey> {
    (1..=n)
        .map(|i| {
            let mut edk = real[0].clone();
            let len = edk.ciphertext.len();
            let mask = u16::try_from(i).expect("fewer than 65536").to_be_bytes();
            edk.ciphertext[len - 2] ^= mask[0];
            edk.ciphertext[len - 1] ^= mask[1];
            edk
        })
        .collect()
}

impl Kms {
    /// A DataMasking (no cache) whose messages hold `extra` encrypted data keys besides those
    /// of `keys`.
    fn padded_writer(&self, keys: &[&str], extra: Extra, before: bool) -> DataMasking {
        let inner = self.keyring(keys, &self.endpoint, Timeouts::default());
        let encryptor = Encryptor::builder(Padded {
            inner,
            extra,
            before,
        })
        .no_cache()
        .build()
        .expect("an Encryptor");
        DataMasking::builder().encryptor(encryptor).build()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_junk_encrypted_data_keys_naming_the_key_cost_one_decrypt_call() {
    let Some(kms) = Kms::get().await else { return };
    let key = kms.key().await;
    let proxy = Proxy::start(&kms.endpoint).await;
    let c = ctx(&[("tenant", "acme")]);
    let t = Timeouts::default();
    let fifty: Extra = |real| junk(real, 50);

    // 50 junk encrypted data keys naming the key, then the real one: 51 in the header.
    let ct = kms
        .padded_writer(&[&key], fifty, true)
        .encrypt(&record(), &c)
        .await
        .expect("encrypt");
    for cache in [None, Some(CacheLimits::default())] {
        proxy.reset();
        let reader = kms.masker_at(&[&key], proxy.url(), cache, t);
        for resend in 1..=3 {
            let err = reader.decrypt(&ct, &c).await.unwrap_err();
            assert_eq!(err.kind(), "decrypt-key", "{err}");
            let text = err.to_string();
            assert!(text.contains("InvalidCiphertextException"), "{text}");
            assert!(
                text.contains("50 more encrypted data keys naming a key whose Decrypt had failed"),
                "says how many were skipped: {text}"
            );
            assert_eq!(
                proxy.count("Decrypt"),
                resend,
                "one Decrypt per message, not 51 (cache: {cache:?})"
            );
        }
    }

    // The real one first: it decrypts with its one call, the junk is never read.
    let ct = kms
        .padded_writer(&[&key], fifty, false)
        .encrypt(&record(), &c)
        .await
        .expect("encrypt");
    proxy.reset();
    let reader = kms.masker_at(&[&key], proxy.url(), None, t);
    assert_eq!(reader.decrypt(&ct, &c).await.expect("decrypt"), record());
    assert_eq!(proxy.count("Decrypt"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junk_naming_one_key_leaves_one_call_for_each_other_key() {
    let Some(kms) = Kms::get().await else { return };
    let (k1, k2) = (kms.key().await, kms.key().await);
    let proxy = Proxy::start(&kms.endpoint).await;
    let c = ctx(&[("tenant", "acme")]);
    let t = Timeouts::default();
    // 50 junk naming k1, then the real k1 and k2 ones.
    let ct = kms
        .padded_writer(&[&k1, &k2], |real| junk(real, 50), true)
        .encrypt(&record(), &c)
        .await
        .expect("encrypt");

    // A junk k1 fails, the other 50 naming k1 are skipped, k2 decrypts: two calls.
    let both = kms.masker_at(&[&k1, &k2], proxy.url(), None, t);
    assert_eq!(both.decrypt(&ct, &c).await.expect("decrypt"), record());
    assert_eq!(proxy.count("Decrypt"), 2);
    proxy.reset();
    let second = kms.masker_at(&[&k2], proxy.url(), None, t);
    assert_eq!(second.decrypt(&ct, &c).await.expect("decrypt"), record());
    assert_eq!(proxy.count("Decrypt"), 1);
    proxy.reset();
    let err = kms
        .masker_at(&[&k1], proxy.url(), None, t)
        .decrypt(&ct, &c)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("50 more"), "{err}");
    assert_eq!(proxy.count("Decrypt"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aws_kms_key_whose_provider_info_is_not_a_key_arn_fails_decrypt_before_any_call() {
    let Some(kms) = Kms::get().await else { return };
    let key = kms.key().await;
    let proxy = Proxy::start(&kms.endpoint).await;
    let c = ctx(&[("tenant", "acme")]);
    // After the real encrypted data key, one of provider aws-kms whose provider info is the
    // alias form of an ARN; then one that is not UTF-8.
    let alias: Extra = |real| {
        let mut edk = real[0].clone();
        edk.provider_info = b"arn:aws:kms:us-east-1:123456789012:alias/my-key".to_vec();
        vec![edk]
    };
    let binary: Extra = |real| {
        vec![EncryptedDataKey {
            provider_id: PROVIDER_ID.to_owned(),
            provider_info: vec![0xff, 0xfe, b'k'],
            ciphertext: real[0].ciphertext.clone(),
        }]
    };
    for (extra, why) in [(alias, "it is an alias"), (binary, "not UTF-8")] {
        let ct = kms
            .padded_writer(&[&key], extra, false)
            .encrypt(&record(), &c)
            .await
            .expect("encrypt");
        proxy.reset();
        let reader = kms.masker_at(&[&key], proxy.url(), None, Timeouts::default());
        let err = reader.decrypt(&ct, &c).await.unwrap_err();
        assert_eq!(err.kind(), "decrypt-key", "{err}");
        let text = err.to_string();
        assert!(
            text.contains("encrypted data key 2 of 2 has provider aws-kms"),
            "{text}"
        );
        assert!(text.contains(why), "{text}");
        assert_eq!(proxy.count("Decrypt"), 0, "refused before any KMS call");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_masking_convenience_refuses_more_than_ten_encrypted_data_keys_before_kms() {
    let Some(kms) = Kms::get().await else { return };
    let key = kms.key().await;
    let c = ctx(&[("tenant", "acme")]);
    // The real encrypted data key first, so that without a bound each message decrypts.
    let ten = kms
        .padded_writer(&[&key], |real| junk(real, 9), false)
        .encrypt(&record(), &c)
        .await
        .expect("encrypt");
    let eleven = kms
        .padded_writer(&[&key], |real| junk(real, 10), false)
        .encrypt(&record(), &c)
        .await
        .expect("encrypt");

    // The convenience constructor (endpoint from the environment).
    let masker = data_masking_kms::data_masking([key.as_str()], CacheLimits::default())
        .await
        .expect("a DataMasking");
    assert_eq!(masker.decrypt(&ten, &c).await.expect("10 keys"), record());
    let err = masker.decrypt(&eleven, &c).await.unwrap_err();
    assert_eq!(err.kind(), "decrypt-value", "refused as a message: {err}");
    assert!(
        err.to_string()
            .contains("11 encrypted data keys, more than the 10 allowed"),
        "{err}"
    );

    // The same bound through encryptor_builder, counted at the endpoint: no call at all;
    // .max_encrypted_data_keys(11) lifts it.
    let proxy = Proxy::start(&kms.endpoint).await;
    let keyring = || kms.keyring(&[&key], proxy.url(), Timeouts::default());
    let bounded = DataMasking::builder()
        .encryptor(
            data_masking_kms::encryptor_builder(keyring())
                .build()
                .expect("an Encryptor"),
        )
        .build();
    let err = bounded.decrypt(&eleven, &c).await.unwrap_err();
    assert_eq!(err.kind(), "decrypt-value", "{err}");
    assert_eq!(proxy.count("Decrypt"), 0);
    let lifted = DataMasking::builder()
        .encryptor(
            data_masking_kms::encryptor_builder(keyring())
                .max_encrypted_data_keys(11)
                .build()
                .expect("an Encryptor"),
        )
        .build();
    assert_eq!(
        lifted.decrypt(&eleven, &c).await.expect("decrypt"),
        record()
    );
    assert_eq!(proxy.count("Decrypt"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_masking_convenience_reads_its_own_messages_with_more_than_ten_keys() {
    let Some(kms) = Kms::get().await else { return };
    let mut keys = Vec::new();
    for _ in 0..12 {
        keys.push(kms.key().await);
    }
    let c = ctx(&[("tenant", "acme")]);
    let masker = data_masking_kms::data_masking(&keys, CacheLimits::default())
        .await
        .expect("a DataMasking");
    let ct = masker
        .encrypt(&record(), &c)
        .await
        .expect("12 keys encrypt");
    assert_eq!(masker.decrypt(&ct, &c).await.expect("decrypt"), record());
    // A reader with one of the keys keeps the bound of 10.
    let reader = data_masking_kms::data_masking([keys[11].as_str()], CacheLimits::default())
        .await
        .expect("a DataMasking");
    let err = reader.decrypt(&ct, &c).await.unwrap_err();
    assert!(
        err.to_string().contains("more than the 10 allowed"),
        "{err}"
    );
}
