//! The materials cache honours each of its four limits exactly, also under concurrent use:
//! the keyring calls are counted (the keyring is a real raw AES keyring, wrapped to count).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use data_masking::keys::{
    DataKey, DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring, Materials,
    RawAesKeyring,
};
use data_masking::{
    AlgorithmSuite, CacheLimits, Clock, EncryptionContext, Encryptor, EncryptorBuilder, Result,
};

/// A raw AES keyring that counts its calls.
#[derive(Debug)]
struct Counting {
    inner: RawAesKeyring,
    encrypts: AtomicUsize,
    decrypts: AtomicUsize,
    /// How long each call blocks its thread (so that concurrent callers overlap with it).
    delay: Duration,
}

#[async_trait]
impl Keyring for Counting {
    async fn wrap_data_key(&self, m: &Materials, key: &DataKey) -> Result<Vec<EncryptedDataKey>> {
        self.inner.wrap_data_key(m, key).await
    }

    async fn unwrap_data_key(
        &self,
        m: &Materials,
        edk: &EncryptedDataKey,
    ) -> Result<Option<DataKey>> {
        self.inner.unwrap_data_key(m, edk).await
    }

    async fn on_encrypt(&self, m: EncryptionMaterials) -> Result<EncryptionMaterials> {
        self.encrypts.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(self.delay);
        // Give other tasks a chance to run while the data key is being made.
        tokio::task::yield_now().await;
        self.inner.on_encrypt(m).await
    }

    async fn on_decrypt(
        &self,
        m: DecryptionMaterials,
        edks: &[EncryptedDataKey],
    ) -> Result<DecryptionMaterials> {
        self.decrypts.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(self.delay);
        tokio::task::yield_now().await;
        self.inner.on_decrypt(m, edks).await
    }
}

#[derive(Debug, Default)]
struct FakeClock(Mutex<Duration>);

impl FakeClock {
    fn set(&self, t: Duration) {
        *self.0.lock().expect("clock") = t;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Duration {
        *self.0.lock().expect("clock")
    }
}

struct Setup {
    keyring: Arc<Counting>,
    clock: Arc<FakeClock>,
}

impl Setup {
    fn new() -> Self {
        Self::with_delay(Duration::ZERO)
    }

    /// A counting keyring whose calls block for `delay`, and a hand-moved clock.
    fn with_delay(delay: Duration) -> Self {
        Self {
            keyring: Arc::new(Counting {
                inner: RawAesKeyring::new("ns", "key", &[6u8; 32]).expect("key"),
                encrypts: AtomicUsize::new(0),
                decrypts: AtomicUsize::new(0),
                delay,
            }),
            clock: Arc::new(FakeClock::default()),
        }
    }

    fn builder(&self, limits: CacheLimits) -> EncryptorBuilder {
        let keyring: Arc<dyn Keyring> = self.keyring.clone();
        Encryptor::builder_shared(keyring)
            .algorithm_suite(AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY)
            .cache(limits)
            .clock(self.clock.clone())
    }

    fn encryptor(&self, limits: CacheLimits) -> Encryptor {
        self.builder(limits).build().expect("encryptor")
    }

    fn encrypts(&self) -> usize {
        self.keyring.encrypts.load(Ordering::SeqCst)
    }

    fn decrypts(&self) -> usize {
        self.keyring.decrypts.load(Ordering::SeqCst)
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(8)
        .build()
        .expect("runtime")
}

fn ctx(tenant: &str) -> EncryptionContext {
    EncryptionContext::new([("tenant", tenant)]).expect("context")
}

#[test]
fn defaults_are_powertools_defaults() {
    let l = CacheLimits::default();
    assert_eq!(l.capacity, 100);
    assert_eq!(l.max_age, Duration::from_mins(5));
    assert_eq!(l.max_messages_encrypted, 1 << 32);
    assert_eq!(l.max_bytes_encrypted, (1 << 63) - 1);
}

#[test]
fn one_data_key_for_many_messages_and_one_unwrap_for_many_decrypts() {
    let s = Setup::new();
    let e = s.encryptor(CacheLimits::default());
    let rt = rt();
    let msgs: Vec<Vec<u8>> = (0..50u8)
        .map(|i| {
            rt.block_on(e.encrypt(&[i; 10], &ctx("a")))
                .expect("encrypt")
        })
        .collect();
    assert_eq!(s.encrypts(), 1);
    for (i, m) in msgs.iter().enumerate() {
        let p = rt.block_on(e.decrypt(m, &ctx("a"))).expect("decrypt");
        assert_eq!(&p[..], &[i as u8; 10]);
    }
    assert_eq!(s.decrypts(), 1, "all 50 messages share one data key");
    // Another context is another data key.
    rt.block_on(e.encrypt(b"x", &ctx("b"))).expect("encrypt");
    assert_eq!(s.encrypts(), 2);
}

#[test]
fn max_messages_encrypted_is_exact() {
    let s = Setup::new();
    let e = s.encryptor(CacheLimits {
        max_messages_encrypted: 3,
        ..CacheLimits::default()
    });
    let rt = rt();
    let mut msgs = Vec::new();
    for n in 1..=10usize {
        msgs.push(rt.block_on(e.encrypt(b"m", &ctx("a"))).expect("encrypt"));
        assert_eq!(s.encrypts(), n.div_ceil(3), "after {n} messages");
    }
    for m in &msgs {
        rt.block_on(e.decrypt(m, &ctx("a"))).expect("decrypt");
    }
    assert_eq!(s.decrypts(), 4, "one unwrap per data key");
}

#[test]
fn max_bytes_encrypted_is_exact() {
    let s = Setup::new();
    let e = s.encryptor(CacheLimits {
        max_bytes_encrypted: 100,
        ..CacheLimits::default()
    });
    let rt = rt();
    let enc = |n: usize| {
        rt.block_on(e.encrypt(&vec![0u8; n], &ctx("a")))
            .expect("encrypt")
    };
    enc(60);
    enc(40);
    assert_eq!(s.encrypts(), 1, "60 + 40 bytes is the limit, still within");
    enc(1);
    assert_eq!(s.encrypts(), 2, "one byte more needs a new data key");
    enc(101);
    enc(101);
    assert_eq!(
        s.encrypts(),
        4,
        "a message over the limit never uses the cache"
    );
    enc(99);
    assert_eq!(
        s.encrypts(),
        4,
        "and leaves the cached key as it was (1 + 99 bytes)"
    );
    enc(1);
    assert_eq!(s.encrypts(), 5);
    enc(0);
    assert_eq!(
        s.encrypts(),
        5,
        "an empty message counts as a message of 0 bytes"
    );
}

#[test]
fn max_age_is_exact_for_encrypt_and_decrypt() {
    let s = Setup::new();
    let e = s.encryptor(CacheLimits {
        max_age: Duration::from_mins(5),
        ..CacheLimits::default()
    });
    let rt = rt();
    let m = rt.block_on(e.encrypt(b"m", &ctx("a"))).expect("encrypt");
    rt.block_on(e.decrypt(&m, &ctx("a"))).expect("decrypt");
    assert_eq!((s.encrypts(), s.decrypts()), (1, 1));
    s.clock
        .set(Duration::from_mins(5) - Duration::from_nanos(1));
    rt.block_on(e.encrypt(b"m", &ctx("a"))).expect("encrypt");
    rt.block_on(e.decrypt(&m, &ctx("a"))).expect("decrypt");
    assert_eq!((s.encrypts(), s.decrypts()), (1, 1), "just before max_age");
    s.clock.set(Duration::from_mins(5));
    rt.block_on(e.encrypt(b"m", &ctx("a"))).expect("encrypt");
    rt.block_on(e.decrypt(&m, &ctx("a"))).expect("decrypt");
    assert_eq!((s.encrypts(), s.decrypts()), (2, 2), "at max_age");
    s.clock.set(Duration::from_secs(599));
    rt.block_on(e.encrypt(b"m", &ctx("a"))).expect("encrypt");
    rt.block_on(e.decrypt(&m, &ctx("a"))).expect("decrypt");
    assert_eq!(
        (s.encrypts(), s.decrypts()),
        (2, 2),
        "the new entries are young"
    );
}

#[test]
fn capacity_evicts_the_least_recently_used_entry() {
    let s = Setup::new();
    let e = s.encryptor(CacheLimits {
        capacity: 2,
        ..CacheLimits::default()
    });
    let rt = rt();
    let enc = |t: &str| rt.block_on(e.encrypt(b"m", &ctx(t))).expect("encrypt");
    enc("a");
    enc("b");
    assert_eq!(s.encrypts(), 2);
    enc("a"); // a is now the most recently used
    assert_eq!(s.encrypts(), 2);
    enc("c"); // evicts b
    assert_eq!(s.encrypts(), 3);
    enc("a");
    assert_eq!(s.encrypts(), 3, "a was kept");
    enc("b");
    assert_eq!(s.encrypts(), 4, "b was evicted");
    // Decryption materials share the capacity.
    let m = enc("b");
    assert_eq!(s.encrypts(), 4);
    rt.block_on(e.decrypt(&m, &ctx("b"))).expect("decrypt"); // evicts a
    assert_eq!(s.decrypts(), 1);
    enc("b");
    assert_eq!(s.encrypts(), 4, "b stays");
    enc("a");
    assert_eq!(s.encrypts(), 5, "a was evicted by a decryption entry");
}

#[test]
fn no_cache_calls_the_keyring_every_time() {
    let s = Setup::new();
    let e = s
        .builder(CacheLimits::default())
        .no_cache()
        .build()
        .expect("encryptor");
    let rt = rt();
    for _ in 0..3 {
        let m = rt.block_on(e.encrypt(b"m", &ctx("a"))).expect("encrypt");
        rt.block_on(e.decrypt(&m, &ctx("a"))).expect("decrypt");
    }
    assert_eq!((s.encrypts(), s.decrypts()), (3, 3));
}

#[test]
fn a_failed_unwrap_is_not_cached_and_does_not_poison_the_entry() {
    let s = Setup::new();
    let e = s.encryptor(CacheLimits::default());
    let stranger = Encryptor::builder(RawAesKeyring::new("ns", "key", &[7u8; 32]).expect("key"))
        .algorithm_suite(AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY)
        .build()
        .expect("encryptor");
    let rt = rt();
    let m = rt.block_on(e.encrypt(b"m", &ctx("a"))).expect("encrypt");
    for _ in 0..2 {
        let err = rt
            .block_on(stranger.decrypt(&m, &ctx("a")))
            .expect_err("wrong key");
        assert_eq!(err.kind(), "decrypt-key");
    }
    rt.block_on(e.decrypt(&m, &ctx("a"))).expect("decrypt");
    assert_eq!(s.decrypts(), 1);
}

#[test]
fn limits_are_exact_under_eight_concurrent_tasks() {
    let s = Setup::new();
    let e = s.encryptor(CacheLimits {
        max_messages_encrypted: 10,
        ..CacheLimits::default()
    });
    let rt = multi_thread();
    let msgs = rt.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|t| {
                let e = e.clone();
                tokio::spawn(async move {
                    let mut out = Vec::new();
                    for i in 0..25u8 {
                        let p = [t, i];
                        out.push((p, e.encrypt(&p, &ctx("a")).await.expect("encrypt")));
                    }
                    out
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.expect("task"));
        }
        all
    });
    assert_eq!(msgs.len(), 200);
    assert_eq!(s.encrypts(), 20, "200 messages, 10 per data key");
    // Every data key was used by exactly 10 messages: count the distinct wrapped keys.
    let mut per_key = std::collections::HashMap::<Vec<u8>, usize>::new();
    for (_, m) in &msgs {
        // Messages under one data key carry the same encrypted data key.
        let edk = edk_bytes(m);
        *per_key.entry(edk).or_default() += 1;
    }
    assert_eq!(per_key.len(), 20);
    assert!(per_key.values().all(|&n| n == 10), "{per_key:?}");

    // Eight tasks decrypting all 200 messages at once unwrap each data key once.
    let msgs = Arc::new(msgs);
    rt.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let e = e.clone();
                let msgs = Arc::clone(&msgs);
                tokio::spawn(async move {
                    for (p, m) in msgs.iter() {
                        let back = e.decrypt(m, &ctx("a")).await.expect("decrypt");
                        assert_eq!(&back[..], &p[..]);
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task");
        }
    });
    assert_eq!(
        s.decrypts(),
        20,
        "one unwrap per data key, whatever the concurrency"
    );
}

#[test]
fn byte_limit_is_exact_under_concurrency() {
    let s = Setup::new();
    let e = s.encryptor(CacheLimits {
        max_bytes_encrypted: 1000,
        ..CacheLimits::default()
    });
    let rt = multi_thread();
    rt.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let e = e.clone();
                tokio::spawn(async move {
                    for _ in 0..25 {
                        e.encrypt(&[0u8; 100], &ctx("a")).await.expect("encrypt");
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task");
        }
    });
    assert_eq!(s.encrypts(), 20, "20,000 bytes, 1,000 per data key");
}

/// The bytes of the (single) encrypted data key of a v2 message.
fn edk_bytes(m: &[u8]) -> Vec<u8> {
    let mut at = 1 + 2 + 32;
    let aad = usize::from(u16::from_be_bytes([m[at], m[at + 1]]));
    at += 2 + aad;
    assert_eq!(u16::from_be_bytes([m[at], m[at + 1]]), 1, "one data key");
    at += 2;
    let start = at;
    for _ in 0..3 {
        let n = usize::from(u16::from_be_bytes([m[at], m[at + 1]]));
        at += 2 + n;
    }
    m[start..at].to_vec()
}

// ---- The same limits through the public DataMasking API ----

mod through_data_masking {
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::time::Duration;

    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use data_masking::keys::Keyring;
    use data_masking::{AlgorithmSuite, CacheLimits, DataMasking, Encryptor, EncryptorBuilder};
    use serde_json::{Map, Value, json};

    use super::{Setup as Fixture, ctx, edk_bytes, multi_thread, rt};

    /// The same counting keyring and clock, building maskers.
    impl Fixture {
        fn masker_builder(&self, suite: u16) -> EncryptorBuilder {
            let keyring: Arc<dyn Keyring> = self.keyring.clone();
            Encryptor::builder_shared(keyring)
                .algorithm_suite(AlgorithmSuite::from_id(suite).expect("suite"))
                .clock(self.clock.clone())
        }

        /// A masker (suite 0x0478) with these limits and its own, empty, cache.
        fn masker(&self, limits: CacheLimits) -> DataMasking {
            with(self.masker_builder(0x0478).cache(limits))
        }
    }

    /// A masker on the engine `b` builds.
    fn with(b: EncryptorBuilder) -> DataMasking {
        DataMasking::builder()
            .encryptor(b.build().expect("encryptor"))
            .build()
    }

    fn limits() -> CacheLimits {
        CacheLimits::default()
    }

    #[test]
    fn default_cache_one_data_key_for_a_hundred_messages_and_one_unwrap_for_their_decrypts() {
        for suite in [0x0578u16, 0x0478] {
            let f = Fixture::with_delay(Duration::ZERO);
            let m = with(f.masker_builder(suite));
            let rt = rt();
            let cts: Vec<String> = (0..100)
                .map(|i| {
                    rt.block_on(m.encrypt(&json!(i), &ctx("a")))
                        .expect("encrypt")
                })
                .collect();
            assert_eq!(f.encrypts(), 1, "0x{suite:04X}: 100 encrypts, one data key");
            // A fresh masker (cold cache) sharing the keyring decrypts all 100 with one unwrap.
            let reader = with(f.masker_builder(suite));
            for (i, ct) in cts.iter().enumerate() {
                assert_eq!(
                    rt.block_on(reader.decrypt(ct, &ctx("a"))).expect("decrypt"),
                    json!(i)
                );
            }
            assert_eq!(f.decrypts(), 1, "0x{suite:04X}: 100 decrypts, one unwrap");
        }
    }

    #[test]
    fn a_hundred_fields_share_one_data_key_each_way() {
        let f = Fixture::with_delay(Duration::ZERO);
        let m = f.masker(limits());
        let record: Map<String, Value> = (0..100)
            .map(|i| (format!("f{i}"), json!({ "n": i, "s": "x".repeat(i) })))
            .collect();
        let record = Value::Object(record);
        let fields: Vec<String> = (0..100).map(|i| format!("f{i}")).collect();
        let rt = rt();
        let enc = rt
            .block_on(m.encrypt_fields(&record, &fields, &ctx("a")))
            .expect("encrypt_fields");
        assert_eq!(f.encrypts(), 1, "100 field messages, one data key");
        let distinct: std::collections::HashSet<_> = fields
            .iter()
            .map(|k| {
                edk_bytes(
                    &STANDARD
                        .decode(enc[k].as_str().expect("a ciphertext"))
                        .expect("base64"),
                )
            })
            .collect();
        assert_eq!(distinct.len(), 1, "every field carries the same data key");
        let reader = f.masker(limits());
        let back = rt
            .block_on(reader.decrypt_fields(&enc, &fields, &ctx("a")))
            .expect("decrypt_fields");
        assert_eq!(back, record);
        assert_eq!(f.decrypts(), 1, "100 fields, one unwrap");
        // With max_messages_encrypted = 10, the 100 fields need exactly 10 data keys.
        let f = Fixture::with_delay(Duration::ZERO);
        let m = f.masker(CacheLimits {
            max_messages_encrypted: 10,
            ..limits()
        });
        let enc = rt
            .block_on(m.encrypt_fields(&record, &fields, &ctx("a")))
            .expect("encrypt_fields");
        assert_eq!(f.encrypts(), 10);
        rt.block_on(f.masker(limits()).decrypt_fields(&enc, &fields, &ctx("a")))
            .expect("decrypt_fields");
        assert_eq!(f.decrypts(), 10, "one unwrap per data key");
    }

    #[test]
    fn max_messages_encrypted_ten_means_ten_keyring_calls_per_hundred_messages() {
        let f = Fixture::with_delay(Duration::ZERO);
        let m = f.masker(CacheLimits {
            max_messages_encrypted: 10,
            ..limits()
        });
        let rt = rt();
        for n in 1..=100usize {
            rt.block_on(m.encrypt(&json!("v"), &ctx("a")))
                .expect("encrypt");
            assert_eq!(f.encrypts(), n.div_ceil(10), "after {n} messages");
        }
    }

    #[test]
    fn max_bytes_encrypted_boundary_is_exact() {
        let f = Fixture::with_delay(Duration::ZERO);
        let m = f.masker(CacheLimits {
            max_bytes_encrypted: 1000,
            ..limits()
        });
        let rt = rt();
        // encrypt_bytes counts the bytes given.
        for _ in 0..10 {
            rt.block_on(m.encrypt_bytes(&[1u8; 100], &ctx("a")))
                .expect("encrypt");
        }
        assert_eq!(f.encrypts(), 1, "exactly 1000 bytes: still one data key");
        rt.block_on(m.encrypt_bytes(&[1u8; 1], &ctx("a")))
            .expect("encrypt");
        assert_eq!(f.encrypts(), 2, "byte 1001 needs a new data key");
        rt.block_on(m.encrypt_bytes(&[1u8; 999], &ctx("a")))
            .expect("encrypt");
        assert_eq!(f.encrypts(), 2, "1 + 999 = 1000 bytes");
        rt.block_on(m.encrypt_bytes(&[], &ctx("a")))
            .expect("encrypt");
        assert_eq!(f.encrypts(), 2, "an empty message adds no bytes");
        // encrypt counts the JSON text: "x" * 98 in quotes is 100 bytes.
        let f = Fixture::with_delay(Duration::ZERO);
        let m = f.masker(CacheLimits {
            max_bytes_encrypted: 1000,
            ..limits()
        });
        let hundred = json!("x".repeat(98));
        assert_eq!(serde_json::to_vec(&hundred).expect("JSON").len(), 100);
        for _ in 0..10 {
            rt.block_on(m.encrypt(&hundred, &ctx("a")))
                .expect("encrypt");
        }
        assert_eq!(f.encrypts(), 1);
        rt.block_on(m.encrypt(&json!(1), &ctx("a")))
            .expect("encrypt");
        assert_eq!(f.encrypts(), 2);
        // A message larger than the limit gets its own data key and leaves the cache alone.
        rt.block_on(m.encrypt_bytes(&[0u8; 1001], &ctx("a")))
            .expect("encrypt");
        assert_eq!(f.encrypts(), 3);
        rt.block_on(m.encrypt_bytes(&[0u8; 999], &ctx("a")))
            .expect("encrypt");
        assert_eq!(f.encrypts(), 3, "1 + 999 bytes on the cached key");
    }

    #[test]
    fn max_age_with_a_hand_moved_clock() {
        let f = Fixture::with_delay(Duration::ZERO);
        let m = f.masker(CacheLimits {
            max_age: Duration::from_mins(1),
            ..limits()
        });
        let rt = rt();
        let at = |secs: f64| f.clock.set(Duration::from_secs_f64(secs));
        let ct = rt
            .block_on(m.encrypt(&json!(1), &ctx("a")))
            .expect("encrypt");
        rt.block_on(m.decrypt(&ct, &ctx("a"))).expect("decrypt");
        assert_eq!((f.encrypts(), f.decrypts()), (1, 1));
        at(59.999);
        rt.block_on(m.encrypt(&json!(1), &ctx("a")))
            .expect("encrypt");
        rt.block_on(m.decrypt(&ct, &ctx("a"))).expect("decrypt");
        assert_eq!((f.encrypts(), f.decrypts()), (1, 1), "younger than max_age");
        at(60.0);
        rt.block_on(m.encrypt(&json!(1), &ctx("a")))
            .expect("encrypt");
        rt.block_on(m.decrypt(&ct, &ctx("a"))).expect("decrypt");
        assert_eq!((f.encrypts(), f.decrypts()), (2, 2), "max_age reached");
        at(119.0);
        rt.block_on(m.encrypt(&json!(1), &ctx("a")))
            .expect("encrypt");
        rt.block_on(m.decrypt(&ct, &ctx("a"))).expect("decrypt");
        assert_eq!(
            (f.encrypts(), f.decrypts()),
            (2, 2),
            "the new entries count from 60"
        );
        at(120.0);
        rt.block_on(m.encrypt(&json!(1), &ctx("a")))
            .expect("encrypt");
        assert_eq!(f.encrypts(), 3);
    }

    #[test]
    fn capacity_two_evicts_the_least_recently_used_of_three_contexts() {
        let f = Fixture::with_delay(Duration::ZERO);
        let m = f.masker(CacheLimits {
            capacity: 2,
            ..limits()
        });
        let rt = rt();
        let expect_after = |tenant: &str, calls: usize| {
            rt.block_on(m.encrypt(&json!(tenant), &ctx(tenant)))
                .expect("encrypt");
            assert_eq!(f.encrypts(), calls, "after encrypting for {tenant}");
        };
        expect_after("a", 1);
        expect_after("b", 2);
        expect_after("a", 2); // a is now the most recently used
        expect_after("c", 3); // evicts b
        expect_after("a", 3);
        expect_after("c", 3);
        expect_after("b", 4); // evicts a (c was used after it)
        expect_after("c", 4);
        expect_after("a", 5); // evicts b
    }

    #[test]
    fn no_cache_calls_the_keyring_for_every_message() {
        let f = Fixture::with_delay(Duration::ZERO);
        let m = with(f.masker_builder(0x0478).no_cache());
        let rt = rt();
        let cts: Vec<String> = (0..20)
            .map(|i| {
                rt.block_on(m.encrypt(&json!(i), &ctx("a")))
                    .expect("encrypt")
            })
            .collect();
        assert_eq!(f.encrypts(), 20);
        for ct in &cts {
            rt.block_on(m.decrypt(ct, &ctx("a"))).expect("decrypt");
        }
        assert_eq!(f.decrypts(), 20);
        let record = json!({"a": 1, "b": 2, "c": 3});
        let enc = rt
            .block_on(m.encrypt_fields(&record, &["a", "b", "c"], &ctx("a")))
            .expect("encrypt_fields");
        rt.block_on(m.decrypt_fields(&enc, &["a", "b", "c"], &ctx("a")))
            .expect("decrypt_fields");
        assert_eq!((f.encrypts(), f.decrypts()), (23, 23));
    }

    #[test]
    fn eight_tasks_fifty_encrypts_each_max_messages_ten_is_forty_calls() {
        let f = Fixture::with_delay(Duration::ZERO);
        let m = f.masker(CacheLimits {
            max_messages_encrypted: 10,
            ..limits()
        });
        let rt = multi_thread();
        let cts = rt.block_on(async {
            let tasks: Vec<_> = (0..8)
                .map(|t| {
                    let m = m.clone();
                    tokio::spawn(async move {
                        let mut out = Vec::new();
                        for i in 0..50 {
                            let v = json!([t, i]);
                            let ct = m.encrypt(&v, &ctx("a")).await.expect("encrypt");
                            out.push((v, ct));
                        }
                        out
                    })
                })
                .collect();
            let mut all = Vec::new();
            for t in tasks {
                all.extend(t.await.expect("task"));
            }
            all
        });
        assert_eq!(cts.len(), 400);
        assert_eq!(f.encrypts(), 40, "400 messages, 10 per data key");
        let mut per_key = HashMap::<Vec<u8>, usize>::new();
        for (_, ct) in &cts {
            *per_key
                .entry(edk_bytes(&STANDARD.decode(ct).expect("base64")))
                .or_default() += 1;
        }
        assert_eq!(per_key.len(), 40);
        assert!(per_key.values().all(|&n| n == 10), "{per_key:?}");

        // Eight tasks decrypt all 400 with a cold reader: one unwrap per data key.
        let reader = f.masker(limits());
        let cts = Arc::new(cts);
        rt.block_on(async {
            let tasks: Vec<_> = (0..8)
                .map(|t| {
                    let reader = reader.clone();
                    let cts = Arc::clone(&cts);
                    tokio::spawn(async move {
                        // Each task starts elsewhere, so that first uses race.
                        for k in 0..cts.len() {
                            let (v, ct) = &cts[(k + t * 50) % cts.len()];
                            let back = reader.decrypt(ct, &ctx("a")).await.expect("decrypt");
                            assert_eq!(&back, v);
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.expect("task");
            }
        });
        assert_eq!(f.decrypts(), 40);
    }

    #[test]
    fn a_cold_start_under_eight_tasks_makes_one_keyring_call() {
        // The keyring takes 5 ms per call: the eight tasks, released together by a barrier, all
        // ask while the first call is in flight, and must wait for it (single flight).
        let f = Fixture::with_delay(Duration::from_millis(5));
        let rt = multi_thread();
        for round in 1..=10 {
            let m = f.masker(limits());
            let barrier = Arc::new(tokio::sync::Barrier::new(8));
            let cts: Vec<String> = rt.block_on(async {
                let tasks: Vec<_> = (0..8)
                    .map(|t| {
                        let m = m.clone();
                        let barrier = Arc::clone(&barrier);
                        tokio::spawn(async move {
                            barrier.wait().await;
                            m.encrypt(&json!(t), &ctx("a")).await.expect("encrypt")
                        })
                    })
                    .collect();
                let mut all = Vec::new();
                for t in tasks {
                    all.push(t.await.expect("task"));
                }
                all
            });
            assert_eq!(f.encrypts(), round, "round {round}: one on_encrypt");
            // Eight tasks decrypt one message with a cold reader: one on_decrypt.
            let reader = f.masker(limits());
            let barrier = Arc::new(tokio::sync::Barrier::new(8));
            let ct = Arc::new(cts[round % 8].clone());
            rt.block_on(async {
                let tasks: Vec<_> = (0..8)
                    .map(|_| {
                        let reader = reader.clone();
                        let barrier = Arc::clone(&barrier);
                        let ct = Arc::clone(&ct);
                        tokio::spawn(async move {
                            barrier.wait().await;
                            reader.decrypt(&ct, &ctx("a")).await.expect("decrypt")
                        })
                    })
                    .collect();
                for t in tasks {
                    assert_eq!(t.await.expect("task"), json!(round % 8));
                }
            });
            assert_eq!(f.decrypts(), round, "round {round}: one on_decrypt");
        }
    }
}

/// 100 messages nobody here can unwrap (their data keys are wrapped by a key this keyring does
/// not hold) neither keep a cache slot nor push out the good entries: afterwards the good
/// messages decrypt from the cache without a keyring call.
#[test]
fn messages_that_fail_to_unwrap_neither_stay_in_the_cache_nor_evict_good_entries() {
    let s = Setup::new();
    let limits = CacheLimits {
        capacity: 3,
        ..CacheLimits::default()
    };
    let e = s.encryptor(limits);
    let rt = rt();
    let good: Vec<Vec<u8>> = ["a", "b", "c"]
        .iter()
        .map(|t| rt.block_on(e.encrypt(b"{}", &ctx(t))).expect("encrypt"))
        .collect();
    for (m, t) in good.iter().zip(["a", "b", "c"]) {
        rt.block_on(e.decrypt(m, &ctx(t))).expect("decrypt");
    }
    assert_eq!(s.decrypts(), 3);
    let stranger = Encryptor::builder(RawAesKeyring::new("ns", "key", &[7u8; 32]).expect("key"))
        .algorithm_suite(AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY)
        .no_cache()
        .build()
        .expect("stranger");
    for i in 0..100 {
        let bad = rt
            .block_on(stranger.encrypt(b"{}", &ctx(&format!("bad-{i}"))))
            .expect("encrypt");
        let err = rt
            .block_on(e.decrypt(&bad, &ctx(&format!("bad-{i}"))))
            .expect_err("not our key");
        assert_eq!(err.kind(), "decrypt-key");
    }
    assert_eq!(s.decrypts(), 103, "each bad message asked the keyring once");
    for (m, t) in good.iter().zip(["a", "b", "c"]) {
        rt.block_on(e.decrypt(m, &ctx(t))).expect("decrypt");
    }
    assert_eq!(
        s.decrypts(),
        103,
        "the three good entries are still cached after 100 failed fills"
    );
}

/// The legacy suites without key derivation use the data key as the content key: their
/// materials are never cached (caching-cmm.md), so each decrypt unwraps anew, while a suite with
/// key derivation is unwrapped once.
#[test]
fn identity_kdf_suites_are_never_cached() {
    let all: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/data/vectors/official/vectors.json"
        ))
        .expect("vectors"),
    )
    .expect("JSON");
    let meta = &all["meta"];
    let rt = rt();
    let mut seen = std::collections::BTreeSet::new();
    for v in all["vectors"].as_array().expect("vectors") {
        let suite = v["suite"].as_str().expect("suite");
        let keys = v["keys"].as_array().expect("keys");
        if v["expect"] != "ok" || keys.len() != 1 || !seen.insert(suite.to_owned()) {
            continue;
        }
        let k = &meta["keys"][keys[0].as_str().expect("id")];
        let b64 = |v: &serde_json::Value| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(v.as_str().expect("base64"))
                .expect("base64")
        };
        let counting = Arc::new(Counting {
            inner: RawAesKeyring::new(
                k["namespace"].as_str().expect("namespace"),
                k["name"].as_str().expect("name"),
                &b64(&k["key"]),
            )
            .expect("key"),
            encrypts: AtomicUsize::new(0),
            decrypts: AtomicUsize::new(0),
            delay: Duration::ZERO,
        });
        let keyring: Arc<dyn Keyring> = counting.clone();
        let e = Encryptor::builder_shared(keyring)
            .commitment_policy(data_masking::CommitmentPolicy::RequireEncryptAllowDecrypt)
            .build()
            .expect("engine");
        let context = EncryptionContext::new(
            v["context"]
                .as_object()
                .expect("context")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().expect("string").to_owned())),
        )
        .expect("context");
        let message = b64(&v["ciphertext"]);
        for _ in 0..3 {
            rt.block_on(e.decrypt(&message, &context)).expect("decrypt");
        }
        let no_kdf = ["0x0014", "0x0046", "0x0078"].contains(&suite);
        assert_eq!(
            counting.decrypts.load(Ordering::SeqCst),
            if no_kdf { 3 } else { 1 },
            "suite {suite}"
        );
    }
    assert_eq!(seen.len(), 11, "every suite was tried");
}
