//! The materials cache honours each of its four limits exactly, also under concurrent use:
//! the keyring calls are counted (the keyring is a real raw AES keyring, wrapped to count).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use data_masking::keys::{
    DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring, RawAesKeyring,
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
}

#[async_trait]
impl Keyring for Counting {
    async fn on_encrypt(&self, m: EncryptionMaterials) -> Result<EncryptionMaterials> {
        self.encrypts.fetch_add(1, Ordering::SeqCst);
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
        Self {
            keyring: Arc::new(Counting {
                inner: RawAesKeyring::new("ns", "key", &[6u8; 32]).expect("key"),
                encrypts: AtomicUsize::new(0),
                decrypts: AtomicUsize::new(0),
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
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(8)
        .build()
        .expect("runtime");
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
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(8)
        .build()
        .expect("runtime");
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
