//! Sealing the nine sensitive values of `tests/data/bench/record.json` (its five sensitive
//! fields, one message per record) beside the two other ways of protecting them: encrypting the
//! whole record (one message) and `encrypt_fields` (one message per value); and unsealing beside
//! `decrypt` and `decrypt_fields`. Suites 0x0478 and 0x0578, raw AES key, default cache; the
//! `Seal` and the `Fields` are compiled once.
//!
//! The same for JSON text in and out: `seal_json` beside `encrypt_text` and `encrypt_json`.
//!
//! `cargo bench -p data-masking --bench seal`; each group holds the three ways of one direction.

#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use data_masking::keys::RawAesKeyring;
use data_masking::{AlgorithmSuite, DataMasking, EncryptionContext, Encryptor, Fields, Seal};
use serde_json::Value;

mod common;

fn masker(suite: u16) -> DataMasking {
    DataMasking::builder()
        .encryptor(
            Encryptor::builder(RawAesKeyring::new("bench", "key", &[1u8; 32]).expect("key"))
                .algorithm_suite(AlgorithmSuite::from_id(suite).expect("suite"))
                .build()
                .expect("encryptor"),
        )
        .build()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let record: Value = common::record();
    let ctx = EncryptionContext::new([("tenant_id", "acme")]).expect("context");
    let seal = Seal::builder()
        .encrypt(common::SENSITIVE)
        .build()
        .expect("seal");
    let fields = Fields::parse(common::SENSITIVE).expect("fields");

    for suite in [0x0478u16, 0x0578] {
        let m = masker(suite);
        let sealed = rt.block_on(m.seal(&record, &seal, &ctx)).expect("seal");
        let whole = rt.block_on(m.encrypt(&record, &ctx)).expect("encrypt");
        let by_field = rt
            .block_on(m.encrypt_fields(&record, &fields, &ctx))
            .expect("encrypt_fields");
        assert_eq!(
            rt.block_on(m.unseal(&sealed, &seal, &ctx)).expect("unseal"),
            record
        );
        assert_eq!(
            rt.block_on(m.decrypt_fields(&by_field, &fields, &ctx))
                .expect("decrypt_fields"),
            record
        );

        let mut g = c.benchmark_group(format!("record 0x{suite:04X} seal 9 values"));
        g.bench_function("seal", |b| {
            b.iter(|| {
                rt.block_on(m.seal(black_box(&record), &seal, &ctx))
                    .expect("seal")
            });
        });
        g.bench_function("encrypt whole record", |b| {
            b.iter(|| {
                rt.block_on(m.encrypt(black_box(&record), &ctx))
                    .expect("encrypt")
            });
        });
        g.bench_function("encrypt_fields", |b| {
            b.iter(|| {
                rt.block_on(m.encrypt_fields(black_box(&record), &fields, &ctx))
                    .expect("encrypt_fields")
            });
        });
        g.finish();

        // The same on the record's JSON text, in and out (no `Value` of the record built).
        let text = serde_json::to_string(&record).expect("text");
        let mut g = c.benchmark_group(format!("record text 0x{suite:04X} seal 9 values"));
        g.bench_function("seal_json", |b| {
            b.iter(|| {
                rt.block_on(m.seal_json(black_box(&text), &seal, &ctx))
                    .expect("seal_json")
            });
        });
        g.bench_function("encrypt_text (whole record)", |b| {
            b.iter(|| {
                rt.block_on(m.encrypt_text(black_box(&text), &ctx))
                    .expect("encrypt_text")
            });
        });
        g.bench_function("encrypt_json", |b| {
            b.iter(|| {
                rt.block_on(m.encrypt_json(black_box(&text), &fields, &ctx))
                    .expect("encrypt_json")
            });
        });
        g.finish();

        let mut g = c.benchmark_group(format!("record 0x{suite:04X} unseal 9 values"));
        g.bench_function("unseal", |b| {
            b.iter(|| {
                rt.block_on(m.unseal(black_box(&sealed), &seal, &ctx))
                    .expect("unseal")
            });
        });
        g.bench_function("decrypt whole record", |b| {
            b.iter(|| {
                rt.block_on(m.decrypt(black_box(&whole), &ctx))
                    .expect("decrypt")
            });
        });
        g.bench_function("decrypt_fields", |b| {
            b.iter(|| {
                rt.block_on(m.decrypt_fields(black_box(&by_field), &fields, &ctx))
                    .expect("decrypt_fields")
            });
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
