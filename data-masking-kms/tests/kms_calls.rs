//! The KMS calls of each KMS keyring, counted at the endpoint (the recording proxy in front of
//! moto's server), with the materials cache on (the default limits) and off: the strict
//! keyring on a single-Region key, the strict keyring on a multi-Region replica, the discovery
//! keyring and the multi-Region discovery keyring bound to one Region.
//!
//! Each reader decrypts the same [`N`] messages, written under one data key (one writer with
//! the cache on: one `GenerateDataKey`). With the cache a reader makes one `Decrypt` for all of
//! them; without it, one per message. Writers make one `GenerateDataKey` per data key with the
//! cache, one per message without (with two keys, as many `Encrypt`s with the second); the
//! discovery keyrings never encrypt and make no call trying.
//!
//! Every call is moto's, the `Decrypt` of a multi-Region primary's message through its replica
//! in another Region too (the test server gives multi-Region keys AWS's ids, see `tests/mrk.rs`):
//! the proxy only records and counts. Without `AWS_ENDPOINT_URL` (a plain `cargo test`) each
//! test prints a note and returns; `./scripts/test` starts moto and sets it.

mod support;

use std::sync::Arc;

use data_masking::keys::Keyring;
use data_masking_kms::{KmsDiscoveryKeyring, KmsKeyring, KmsMrkDiscoveryKeyring};
use serde_json::{Value, json};
use support::{PRIMARY_REGION, REPLICA_REGION, Setup, ctx, masker};

/// Messages each reader decrypts.
const N: usize = 20;

impl Setup {
    async fn strict(&self, key: &str) -> Arc<dyn Keyring> {
        let config = self.config(PRIMARY_REGION).await;
        Arc::new(KmsKeyring::new(&config, [key]).expect("a keyring"))
    }

    async fn discovery(&self) -> Arc<dyn Keyring> {
        let config = self.config(REPLICA_REGION).await;
        Arc::new(KmsDiscoveryKeyring::new(&config).with_filter(self.filter()))
    }

    async fn mrk_discovery(&self, region: &str) -> Arc<dyn Keyring> {
        let config = self.config(region).await;
        let keyring = KmsMrkDiscoveryKeyring::new(&config).expect("a Region");
        Arc::new(keyring.with_filter(self.filter()))
    }

    /// The calls of `operation` since the last call, and forgets every count.
    fn count(&self, operation: &str) -> usize {
        let n = self.proxy.count(operation);
        self.proxy.reset();
        n
    }

    /// [`N`] messages written with `key` under one data key (a cached writer); the writer's
    /// one `GenerateDataKey` is checked and forgotten.
    async fn messages(&self, key: &str) -> Vec<String> {
        let writer = masker(self.strict(key).await, true);
        let mut out = Vec::with_capacity(N);
        for i in 0..N {
            out.push(writer.encrypt(&value(i), &ctx()).await.expect("encrypt"));
        }
        assert_eq!(self.count("GenerateDataKey"), 1, "one data key for {key}");
        out
    }

    /// The `Decrypt` calls of a reader on `keyring` decrypting `messages`, with the cache and
    /// without; each message decrypts to its value.
    async fn decrypts(&self, keyring: &Arc<dyn Keyring>, messages: &[String]) -> [usize; 2] {
        let mut counts = [0; 2];
        for (cached, count) in [true, false].into_iter().zip(&mut counts) {
            let reader = masker(Arc::clone(keyring), cached);
            for (i, m) in messages.iter().enumerate() {
                assert_eq!(reader.decrypt(m, &ctx()).await.expect("decrypt"), value(i));
            }
            *count = self.count("Decrypt");
        }
        counts
    }

    /// [`N`] messages written with `key`, read by `keyring`: one `Decrypt` with the cache, one
    /// per message without.
    async fn reads(&self, keyring: &Arc<dyn Keyring>, key: &str) {
        let messages = self.messages(key).await;
        assert_eq!(self.decrypts(keyring, &messages).await, [1, N], "{key}");
    }

    /// The `GenerateDataKey` calls of a writer on `keyring` encrypting [`N`] messages, with the
    /// cache and without.
    async fn generates(&self, keyring: &Arc<dyn Keyring>) -> [usize; 2] {
        let mut counts = [0; 2];
        for (cached, count) in [true, false].into_iter().zip(&mut counts) {
            let writer = masker(Arc::clone(keyring), cached);
            for i in 0..N {
                writer.encrypt(&value(i), &ctx()).await.expect("encrypt");
            }
            *count = self.count("GenerateDataKey");
        }
        counts
    }

    /// A discovery keyring refuses to encrypt, with and without the cache, and calls nothing.
    async fn never_encrypts(&self, keyring: &Arc<dyn Keyring>) {
        for cached in [true, false] {
            let err = masker(Arc::clone(keyring), cached)
                .encrypt(&value(0), &ctx())
                .await
                .unwrap_err();
            assert_eq!(err.kind(), "encrypt-key", "{err}");
        }
        assert!(self.proxy.requests().is_empty(), "no KMS call");
    }
}

fn value(i: usize) -> Value {
    json!({"card": format!("4111 1111 1111 {i:04}"), "n": i})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_keyring_one_call_per_data_key_with_the_cache_one_per_message_without() {
    let Some(s) = Setup::get().await else { return };
    let keyring = s.strict(&s.single).await;
    assert_eq!(s.generates(&keyring).await, [1, N]);
    s.reads(&keyring, &s.single).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_keyring_on_a_replica_one_call_per_data_key_with_the_cache_one_per_message_without()
{
    let Some(s) = Setup::get().await else { return };
    let keyring = s.strict(&s.replica).await;
    // Writing with the replica: moto's GenerateDataKey in the replica's Region.
    assert_eq!(s.generates(&keyring).await, [1, N]);
    // Reading the primary's messages: the replica matches them, and each Decrypt names it, in
    // the replica's Region (moto's Decrypt there, with the replica's copy of the key material).
    s.reads(&keyring, &s.primary).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_keyring_one_decrypt_per_data_key_with_the_cache_one_per_message_without() {
    let Some(s) = Setup::get().await else { return };
    let keyring = s.discovery().await;
    s.never_encrypts(&keyring).await;
    s.reads(&keyring, &s.single).await;
    // A multi-Region key's messages: the same (the named key, in its Region).
    s.reads(&keyring, &s.primary).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mrk_discovery_keyring_one_decrypt_per_data_key_with_the_cache_one_per_message_without() {
    let Some(s) = Setup::get().await else { return };
    // A single-Region key of the keyring's Region: moto's own Decrypt.
    let east = s.mrk_discovery(PRIMARY_REGION).await;
    s.never_encrypts(&east).await;
    s.reads(&east, &s.single).await;
    // The primary's messages in the replica's Region, through the replica there (moto's).
    let west = s.mrk_discovery(REPLICA_REGION).await;
    s.never_encrypts(&west).await;
    s.reads(&west, &s.primary).await;
    // The single-Region key's messages are not for the replica's Region: no call at all.
    let messages = s.messages(&s.single).await;
    for cached in [true, false] {
        let err = masker(Arc::clone(&west), cached)
            .decrypt(&messages[0], &ctx())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "decrypt-key", "{err}");
    }
    assert!(s.proxy.requests().is_empty(), "no KMS call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_keyring_with_two_keys_one_encrypt_per_further_key_and_data_key() {
    let Some(s) = Setup::get().await else { return };
    let config = s.config(PRIMARY_REGION).await;
    let keyring: Arc<dyn Keyring> = Arc::new(
        KmsKeyring::new(&config, [s.single.as_str(), s.replica.as_str()]).expect("a keyring"),
    );
    // Each data key: GenerateDataKey with the first key, Encrypt with the replica.
    let mut written = Vec::new();
    for (cached, calls) in [(true, 1), (false, N)] {
        let writer = masker(Arc::clone(&keyring), cached);
        let mut messages = Vec::with_capacity(N);
        for i in 0..N {
            messages.push(writer.encrypt(&value(i), &ctx()).await.expect("encrypt"));
        }
        let counts = (s.proxy.count("GenerateDataKey"), s.proxy.count("Encrypt"));
        assert_eq!(counts, (calls, calls), "cached: {cached}");
        s.proxy.reset();
        written.push(messages);
    }
    // The cached writer's messages share one data key: read with both keys, the first
    // encrypted data key (the single-Region key's) unwraps and the replica is never called.
    let reader = masker(Arc::clone(&keyring), true);
    for (i, m) in written[0].iter().enumerate() {
        assert_eq!(reader.decrypt(m, &ctx()).await.expect("decrypt"), value(i));
    }
    let requests = s.proxy.requests();
    assert_eq!(requests.len(), 1, "one Decrypt for the one data key");
    assert_eq!(requests[0].operation, "Decrypt");
    assert_eq!(requests[0].body["KeyId"], s.single.as_str());
    s.proxy.reset();
    assert_eq!(s.decrypts(&keyring, &written[0]).await, [1, N]);
    // The uncached writer's messages each have their own data key: one Decrypt each, cache
    // or not.
    assert_eq!(s.decrypts(&keyring, &written[1]).await, [N, N]);
}
