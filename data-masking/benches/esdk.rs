//! The encryption engine ([`Encryptor`]) on the bytes of `tests/data/bench/record.json`, both
//! committing suites, raw AES keyring, default cache; beside it, in the same run, the primitive
//! floor of one message: HKDF-SHA512 (content and commitment keys), an AES-256-GCM key schedule,
//! the header tag and the body, and for 0x0578 an ECDSA P-384 signature (encrypt) or a
//! verification with an already parsed public key (decrypt).
//!
//! `cargo bench -p data-masking --bench esdk`; the group names pair each operation with its floor.

#![allow(missing_docs)]

use std::hint::black_box;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P384_SHA384_ASN1, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, KeyPair,
    UnparsedPublicKey,
};
use criterion::{Criterion, criterion_group, criterion_main};
use data_masking::keys::RawAesKeyring;
use data_masking::{AlgorithmSuite, EncryptionContext, Encryptor};

mod common;

fn encryptor(suite: u16) -> Encryptor {
    Encryptor::builder(RawAesKeyring::new("bench", "key", &[1u8; 32]).expect("key"))
        .algorithm_suite(AlgorithmSuite::from_id(suite).expect("suite"))
        .build()
        .expect("encryptor")
}

/// Derives the content and commitment keys, sets up AES-256-GCM, seals (or opens) the header
/// tag and the body: the symmetric work of one message.
fn symmetric_floor(data_key: &[u8; 32], header: &[u8], body: &mut Vec<u8>, open: bool) {
    let mut message_id = [0u8; 32];
    if !open {
        aws_lc_rs::rand::fill(&mut message_id).expect("random");
    }
    let h = hkdf::Hkdf::<sha2::Sha512>::new(Some(&message_id), data_key);
    let mut key = [0u8; 32];
    let mut commit = [0u8; 32];
    let mut info = [0u8; 11];
    info[..2].copy_from_slice(&0x0478u16.to_be_bytes());
    info[2..].copy_from_slice(b"DERIVEKEY");
    h.expand(&info, &mut key).expect("hkdf");
    h.expand(b"COMMITKEY", &mut commit).expect("hkdf");
    let aes = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key).expect("key"));
    let tag = aes
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key([0; 12]),
            Aad::from(header),
            &mut [],
        )
        .expect("seal");
    let _ = black_box(tag);
    let aad = [0u8; 32 + 34 + 12];
    if open {
        let n = aes
            .open_in_place(
                Nonce::assume_unique_for_key([0; 12]),
                Aad::from(&aad[..]),
                body,
            )
            .expect("open")
            .len();
        body.truncate(n);
    } else {
        let tag = aes
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key([0; 12]),
                Aad::from(&aad[..]),
                body,
            )
            .expect("seal");
        body.extend_from_slice(tag.as_ref());
    }
}

/// The body as the decrypt floor opens it (message id of zeros).
fn sealed_for_floor(data_key: &[u8; 32], plaintext: &[u8]) -> Vec<u8> {
    let mut sealed = plaintext.to_vec();
    let h = hkdf::Hkdf::<sha2::Sha512>::new(Some(&[0u8; 32]), data_key);
    let mut key = [0u8; 32];
    let mut info = 0x0478u16.to_be_bytes().to_vec();
    info.extend_from_slice(b"DERIVEKEY");
    h.expand(&info, &mut key).expect("hkdf");
    let aes = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key).expect("key"));
    let tag = aes
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key([0; 12]),
            Aad::from(&[0u8; 32 + 34 + 12][..]),
            &mut sealed,
        )
        .expect("seal");
    sealed.extend_from_slice(tag.as_ref());
    sealed
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    // The record's compact JSON text.
    let record: serde_json::Value = common::record();
    let plaintext = serde_json::to_vec(&record).expect("JSON");
    let ctx = EncryptionContext::new([("tenant_id", "acme")]).expect("context");
    let data_key = [3u8; 32];
    let header = vec![0u8; 240];

    let sealed = sealed_for_floor(&data_key, &plaintext);
    let signer = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING).expect("key pair");
    let message = vec![7u8; plaintext.len() + 500];
    let signature = signer
        .sign(&SystemRandom::new(), &message)
        .expect("signature");
    let verifier = UnparsedPublicKey::new(
        &ECDSA_P384_SHA384_ASN1,
        signer.public_key().as_ref().to_vec(),
    )
    .parse()
    .expect("public key");

    for suite in [0x0478u16, 0x0578] {
        let signed = suite == 0x0578;
        let e = encryptor(suite);
        let msg = rt.block_on(e.encrypt(&plaintext, &ctx)).expect("encrypt");
        rt.block_on(e.decrypt(&msg, &ctx)).expect("decrypt");

        let mut g = c.benchmark_group(format!("record 0x{suite:04X} encrypt"));
        g.bench_function("Encryptor::encrypt", |b| {
            b.iter(|| {
                rt.block_on(e.encrypt(black_box(&plaintext), &ctx))
                    .expect("encrypt")
            });
        });
        g.bench_function("floor", |b| {
            b.iter(|| {
                let mut body = plaintext.clone();
                symmetric_floor(&data_key, black_box(&header), &mut body, false);
                if signed {
                    black_box(
                        signer
                            .sign(&SystemRandom::new(), black_box(&message))
                            .expect("sign"),
                    );
                }
                body
            });
        });
        g.finish();

        let mut g = c.benchmark_group(format!("record 0x{suite:04X} decrypt"));
        g.bench_function("Encryptor::decrypt", |b| {
            b.iter(|| {
                rt.block_on(e.decrypt(black_box(&msg), &ctx))
                    .expect("decrypt")
            });
        });
        g.bench_function("floor", |b| {
            b.iter(|| {
                let mut body = sealed.clone();
                symmetric_floor(&data_key, black_box(&header), &mut body, true);
                if signed {
                    verifier
                        .verify_sig(black_box(&message), signature.as_ref())
                        .expect("verify");
                }
                body
            });
        });
        g.finish();
    }
}

/// A 1 MB plaintext (frames of 4096 bytes) against one AES-256-GCM pass over it.
fn bench_large(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let plaintext: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    let ctx = EncryptionContext::new([("tenant_id", "acme")]).expect("context");
    let e = encryptor(0x0478);
    let msg = rt.block_on(e.encrypt(&plaintext, &ctx)).expect("encrypt");
    let data_key = [3u8; 32];
    let header = vec![0u8; 240];
    let sealed = sealed_for_floor(&data_key, &plaintext);

    let mut g = c.benchmark_group("1 MB 0x0478");
    g.throughput(criterion::Throughput::Bytes(plaintext.len() as u64));
    g.sample_size(30);
    g.bench_function("Encryptor::encrypt", |b| {
        b.iter(|| {
            rt.block_on(e.encrypt(black_box(&plaintext), &ctx))
                .expect("encrypt")
        });
    });
    g.bench_function("encrypt floor", |b| {
        b.iter(|| {
            let mut body = plaintext.clone();
            symmetric_floor(&data_key, black_box(&header), &mut body, false);
            body
        });
    });
    g.bench_function("Encryptor::decrypt", |b| {
        b.iter(|| {
            rt.block_on(e.decrypt(black_box(&msg), &ctx))
                .expect("decrypt")
        });
    });
    g.bench_function("decrypt floor", |b| {
        b.iter(|| {
            let mut body = sealed.clone();
            symmetric_floor(&data_key, black_box(&header), &mut body, true);
            body
        });
    });
    g.finish();
}

criterion_group!(benches, bench, bench_large);
criterion_main!(benches);
