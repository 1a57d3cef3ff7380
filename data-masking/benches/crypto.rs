//! Encrypt and decrypt on `tests/data/bench/record.json` with a raw AES key (default cache), and the
//! primitive floor of the same work measured in the same run: HKDF-SHA512 (content and
//! commitment keys), AES-256-GCM (header tag and body), ECDSA P-384 sign or verify.

#![allow(missing_docs)]

use std::hint::black_box;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P384_SHA384_ASN1, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, KeyPair,
    UnparsedPublicKey,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use data_masking::keys::RawAesKeyring;
use data_masking::{AlgorithmSuite, DataMasking, EncryptionContext, Encryptor, Fields};
use serde_json::Value;

mod common;
use common::{SENSITIVE, record};

fn masker(suite: u16) -> DataMasking {
    DataMasking::builder()
        .encryptor(
            Encryptor::builder(RawAesKeyring::new("bench", "key", &[1u8; 32]).expect("key"))
                .algorithm_suite(AlgorithmSuite::from_id(suite).expect("suite"))
                .build()
                .expect("masker"),
        )
        .build()
}

fn hkdf_floor(data_key: &[u8], message_id: &[u8]) -> [u8; 64] {
    let h = hkdf::Hkdf::<sha2::Sha512>::new(Some(message_id), data_key);
    let mut out = [0u8; 64];
    let mut info = 0x0578u16.to_be_bytes().to_vec();
    info.extend_from_slice(b"DERIVEKEY");
    h.expand(&info, &mut out[..32]).expect("hkdf");
    h.expand(b"COMMITKEY", &mut out[32..]).expect("hkdf");
    out
}

fn gcm_floor(key: &LessSafeKey, header: &[u8], body: &[u8]) -> Vec<u8> {
    let _ = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key([0; 12]),
            Aad::from(header),
            &mut [],
        )
        .expect("seal");
    let mut buf = body.to_vec();
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key([0; 12]),
            Aad::from(&[0u8; 80][..]),
            &mut buf,
        )
        .expect("seal");
    buf.extend_from_slice(tag.as_ref());
    buf
}

fn crypto(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let data: Value = record();
    let plaintext = serde_json::to_vec(&data).expect("json");
    let ctx = EncryptionContext::new([("tenant_id", "acme")]).expect("ctx");
    let fields = Fields::parse(SENSITIVE).expect("fields");

    // The primitive floor.
    let aes = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[2u8; 32]).expect("key"));
    let header = vec![0u8; 260];
    let signer = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING).expect("keypair");
    let message = vec![0u8; plaintext.len() + 600];
    let signature = signer.sign(&SystemRandom::new(), &message).expect("sign");
    let verifier = UnparsedPublicKey::new(
        &ECDSA_P384_SHA384_ASN1,
        signer.public_key().as_ref().to_vec(),
    )
    .parse()
    .expect("public key");
    let mut g = c.benchmark_group("floor");
    g.bench_function("hkdf-sha512 (2 keys)", |b| {
        b.iter(|| hkdf_floor(black_box(&[3u8; 32]), &[4u8; 32]));
    });
    g.bench_function("aes-256-gcm header + record", |b| {
        b.iter(|| gcm_floor(&aes, black_box(&header), black_box(&plaintext)));
    });
    g.bench_function("ecdsa p-384 sign", |b| {
        b.iter(|| {
            signer
                .sign(&SystemRandom::new(), black_box(&message))
                .expect("sign")
        });
    });
    g.bench_function("ecdsa p-384 verify (parsed key)", |b| {
        b.iter(|| {
            verifier
                .verify_sig(black_box(&message), signature.as_ref())
                .expect("verify");
        });
    });
    g.finish();

    let mut g = c.benchmark_group("record");
    for suite in [0x0578u16, 0x0478] {
        let m = masker(suite);
        let ct = rt.block_on(m.encrypt(&data, &ctx)).expect("encrypt");
        g.bench_function(format!("encrypt 0x{suite:04X}"), |b| {
            b.iter(|| {
                rt.block_on(m.encrypt(black_box(&data), &ctx))
                    .expect("encrypt")
            });
        });
        g.bench_function(format!("decrypt 0x{suite:04X}"), |b| {
            b.iter(|| {
                rt.block_on(m.decrypt(black_box(&ct), &ctx))
                    .expect("decrypt")
            });
        });
        let enc = rt
            .block_on(m.encrypt_fields(&data, &fields, &ctx))
            .expect("fields");
        g.bench_function(format!("encrypt_fields 9 values 0x{suite:04X}"), |b| {
            b.iter(|| {
                rt.block_on(m.encrypt_fields(black_box(&data), &fields, &ctx))
                    .expect("encrypt")
            });
        });
        g.bench_function(format!("decrypt_fields 9 values 0x{suite:04X}"), |b| {
            b.iter(|| {
                rt.block_on(m.decrypt_fields(black_box(&enc), &fields, &ctx))
                    .expect("decrypt")
            });
        });
    }
    g.finish();

    let big = serde_json::json!({"blob": "x".repeat(1_000_000)});
    let big_bytes = serde_json::to_vec(&big).expect("json");
    let m = masker(0x0478);
    let ct = rt.block_on(m.encrypt(&big, &ctx)).expect("encrypt");
    let mut g = c.benchmark_group("1MB");
    g.throughput(Throughput::Bytes(big_bytes.len() as u64));
    g.sample_size(20);
    g.bench_function("encrypt 0x0478", |b| {
        b.iter(|| {
            rt.block_on(m.encrypt(black_box(&big), &ctx))
                .expect("encrypt")
        });
    });
    g.bench_function("decrypt 0x0478", |b| {
        b.iter(|| {
            rt.block_on(m.decrypt(black_box(&ct), &ctx))
                .expect("decrypt")
        });
    });
    g.bench_function("floor: serialize + aes-gcm + base64", |b| {
        use base64::Engine as _;
        b.iter(|| {
            let bytes = serde_json::to_vec(black_box(&big)).expect("json");
            let sealed = gcm_floor(&aes, &header, &bytes);
            base64::engine::general_purpose::STANDARD.encode(sealed)
        });
    });
    g.bench_function("floor: base64 + aes-gcm + parse", |b| {
        use base64::Engine as _;
        b.iter(|| {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(black_box(&ct))
                .expect("b64");
            let mut buf = raw[..raw.len().min(big_bytes.len() + 16)].to_vec();
            let _ = aes.open_in_place(
                Nonce::assume_unique_for_key([0; 12]),
                Aad::from(&[0u8; 80][..]),
                &mut buf,
            );
            let v: Value = serde_json::from_slice(&big_bytes).expect("json");
            v
        });
    });
    g.finish();
}

criterion_group!(benches, crypto);
criterion_main!(benches);
