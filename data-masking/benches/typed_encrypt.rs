//! `encrypt_typed` / `decrypt_typed` of a record with N `#[encrypt]` fields against N
//! single-message `encrypt` / `decrypt` calls on the same field values with the same contexts
//! (so both sides meet the same warm materials cache), for suites 0x0478 and 0x0578, raw AES
//! key, default cache.
//!
//! Target: the typed call costs at most 1.1x the N singles.

#![allow(missing_docs, clippy::struct_field_names)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use data_masking::keys::RawAesKeyring;
use data_masking::typed::FIELD_BINDING_KEY;
use data_masking::{
    AlgorithmSuite, DataMasking, Encrypted, EncryptionContext, Encryptor, Sensitive,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Four encrypted fields (a string, a number, a list, an object) beside plain ones, with a
/// static container context and a sibling context.
#[derive(Serialize, Deserialize, Sensitive, Clone)]
#[sensitive(context(purpose = "billing"))]
struct Customer {
    id: String,
    tenant_id: String,
    name: String,
    #[encrypt(context(tenant_id))]
    card_number: String,
    #[encrypt(context(tenant_id))]
    pin: u32,
    #[encrypt(context(tenant_id))]
    phones: Vec<String>,
    #[encrypt(context(tenant_id))]
    address: Address,
    country: String,
}

#[derive(Serialize, Deserialize, Clone)]
struct Address {
    street: String,
    city: String,
    postcode: String,
}

fn customer() -> Customer {
    Customer {
        id: "c-0001".into(),
        tenant_id: "acme".into(),
        name: "Carlos Dacosta".into(),
        card_number: "4111 1111 1111 1111".into(),
        pin: 1234,
        phones: vec!["+1 555 0100".into(), "+1 555 0101".into()],
        address: Address {
            street: "1 Main Street".into(),
            city: "Springfield".into(),
            postcode: "81846".into(),
        },
        country: "US".into(),
    }
}

/// The field values and contexts the typed call uses, for the singles.
fn singles(c: &Customer) -> Vec<(Value, EncryptionContext)> {
    let ctx = |field: &str| {
        EncryptionContext::new([
            ("purpose", "billing"),
            ("tenant_id", c.tenant_id.as_str()),
            (FIELD_BINDING_KEY, field),
        ])
        .expect("context")
    };
    vec![
        (json!(c.card_number), ctx("card_number")),
        (json!(c.pin), ctx("pin")),
        (json!(c.phones), ctx("phones")),
        (
            serde_json::to_value(&c.address).expect("address"),
            ctx("address"),
        ),
    ]
}

fn bench(cr: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let c = customer();
    let fields = singles(&c);
    let n = fields.len();
    for (label, suite) in [
        ("0x0478", AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY),
        (
            "0x0578",
            AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
        ),
    ] {
        let masker = DataMasking::builder()
            .encryptor(
                Encryptor::builder(
                    RawAesKeyring::new("bench", "key", &[7u8; 32]).expect("keyring"),
                )
                .algorithm_suite(suite)
                .build()
                .expect("masker"),
            )
            .build();
        let stored: Encrypted<Customer> = rt
            .block_on(masker.encrypt_typed(&c))
            .expect("encrypt_typed");
        let cts: Vec<(String, EncryptionContext)> = rt.block_on(async {
            let mut out = Vec::new();
            for (v, ctx) in &fields {
                out.push((masker.encrypt(v, ctx).await.expect("encrypt"), ctx.clone()));
            }
            out
        });

        let mut g = cr.benchmark_group(format!("typed_encrypt/{label}"));
        g.bench_function(BenchmarkId::new("encrypt_typed", n), |b| {
            b.iter(|| {
                rt.block_on(masker.encrypt_typed(black_box(&c)))
                    .expect("enc")
            });
        });
        g.bench_function(BenchmarkId::new("encrypt_singles", n), |b| {
            b.iter(|| {
                rt.block_on(async {
                    for (v, ctx) in &fields {
                        black_box(masker.encrypt(black_box(v), ctx).await.expect("enc"));
                    }
                });
            });
        });
        g.bench_function(BenchmarkId::new("decrypt_typed", n), |b| {
            b.iter(|| {
                rt.block_on(masker.decrypt_typed(black_box(&stored)))
                    .expect("dec")
            });
        });
        g.bench_function(BenchmarkId::new("decrypt_singles", n), |b| {
            b.iter(|| {
                rt.block_on(async {
                    for (ct, ctx) in &cts {
                        black_box(masker.decrypt(black_box(ct), ctx).await.expect("dec"));
                    }
                });
            });
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
