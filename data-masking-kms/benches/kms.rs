//! KMS keyring against a KMS endpoint on loopback (moto, `AWS_ENDPOINT_URL`): decrypting the 9
//! sensitive values of `tests/data/bench/record.json` (`email`, `ssn`, `card_number`,
//! `address.postcode`, `orders[*].card`) field by field.
//!
//! * warm: the data key is in the cache; the cost is the 9 messages' cryptography (for 0x0578
//!   nine ECDSA P-384 verifications). Target >= 250 records/s (0x0578), >= 5,000 (0x0478);
//!   Powertools Python makes 9 KMS calls per record, 10-12 records/s.
//! * cold: a new `DataMasking` per record (an empty cache): one KMS `Decrypt` per record, not
//!   nine; counted and checked.
//!
//! Without `AWS_ENDPOINT_URL` it prints a note and measures nothing.

#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use data_masking::keys::{
    DataKey, DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring, Materials,
};
use data_masking::{
    AlgorithmSuite, CacheLimits, DataMasking, EncryptionContext, Encryptor, Result,
};
use data_masking_kms::KmsKeyring;
use data_masking_kms::aws_config::{self, BehaviorVersion, Region};
use serde_json::Value;

const FIELDS: [&str; 5] = [
    "email",
    "ssn",
    "card_number",
    "address.postcode",
    "orders[*].card",
];

/// Counts the keyring's unwrap calls (each is one KMS `Decrypt`).
#[derive(Debug)]
struct Counting {
    inner: KmsKeyring,
    decrypts: Arc<AtomicUsize>,
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
        self.inner.on_encrypt(m).await
    }

    async fn on_decrypt(
        &self,
        m: DecryptionMaterials,
        edks: &[EncryptedDataKey],
    ) -> Result<DecryptionMaterials> {
        self.decrypts.fetch_add(1, Ordering::Relaxed);
        self.inner.on_decrypt(m, edks).await
    }
}

fn record() -> Option<Value> {
    let path = data_masking_tests::data_dir().join("bench/record.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| eprintln!("note: kms bench: cannot read {}: {e}", path.display()))
        .ok()?;
    serde_json::from_str(&text).ok()
}

fn bench(c: &mut Criterion) {
    let Some(endpoint) = std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        eprintln!("note: kms bench: AWS_ENDPOINT_URL is not set; run it against moto");
        return;
    };
    let Some(record) = record() else { return };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let config = rt.block_on(
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .load(),
    );
    let key = rt
        .block_on(
            data_masking_kms::aws_sdk_kms::Client::new(&config)
                .create_key()
                .send(),
        )
        .expect("CreateKey at the endpoint")
        .key_metadata
        .and_then(|m| m.arn)
        .expect("a key ARN");
    let keyring = KmsKeyring::new(&config, [key.as_str()]).expect("a keyring");
    let ctx = EncryptionContext::new([("tenant_id", "acme-eu-1")]).expect("context");
    let decrypts = Arc::new(AtomicUsize::new(0));
    let masker = |suite: AlgorithmSuite| {
        let encryptor = Encryptor::builder(Counting {
            inner: keyring.clone(),
            decrypts: Arc::clone(&decrypts),
        })
        .cache(CacheLimits::default())
        .algorithm_suite(suite)
        .build()
        .expect("an Encryptor");
        DataMasking::builder().encryptor(encryptor).build()
    };

    let mut group = c.benchmark_group("kms_decrypt_9_fields");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));
    for (name, suite) in [
        ("0x0578", AlgorithmSuite::default()),
        ("0x0478", AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY),
    ] {
        let writer = masker(suite);
        let enc = rt
            .block_on(writer.encrypt_fields(&record, &FIELDS, &ctx))
            .expect("encrypt_fields");
        let warm = masker(suite);
        rt.block_on(warm.decrypt_fields(&enc, &FIELDS, &ctx))
            .expect("warm-up decrypt");
        group.bench_function(BenchmarkId::new("warm", name), |b| {
            b.iter(|| {
                rt.block_on(warm.decrypt_fields(black_box(&enc), &FIELDS, &ctx))
                    .expect("decrypt_fields")
            });
        });
        group.bench_function(BenchmarkId::new("cold", name), |b| {
            b.iter_custom(|iters| {
                let before = decrypts.load(Ordering::Relaxed);
                let mut took = Duration::ZERO;
                for _ in 0..iters {
                    let fresh = masker(suite);
                    let start = Instant::now();
                    let out = rt
                        .block_on(fresh.decrypt_fields(black_box(&enc), &FIELDS, &ctx))
                        .expect("decrypt_fields");
                    took += start.elapsed();
                    black_box(out);
                }
                let calls = decrypts.load(Ordering::Relaxed) - before;
                assert_eq!(
                    calls as u64, iters,
                    "a cold decrypt of 9 fields must cost one KMS call"
                );
                took
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
