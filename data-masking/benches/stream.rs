//! Streaming encrypt and decrypt of 64 MiB (`Encryptor::encrypt_stream` /
//! `decrypt_stream`, frames of 4096 bytes, raw AES key) for both committing suites, and in the
//! same run the sequential floor of the signing suite: SHA-384 over the same bytes, which
//! 0x0578 must hash in order whatever the number of cores.

#![allow(missing_docs)]

use std::hint::black_box;
use std::io::Write;

use aws_lc_rs::digest::{Context, SHA384};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use data_masking::keys::RawAesKeyring;
use data_masking::{AlgorithmSuite, EncryptionContext, Encryptor, Unverified};

const LEN: usize = 64 << 20;

/// Discards what it is given (the output side of a stream to `/dev/null`).
struct Sink;

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        black_box(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn stream(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let plaintext: Vec<u8> = (0..LEN).map(|i| (i * 131 + i / 4099) as u8).collect();
    let ctx = EncryptionContext::new([("bench", "stream")]).expect("context");
    let mut g = c.benchmark_group("stream_64MiB");
    g.throughput(Throughput::Bytes(LEN as u64));
    g.sample_size(10);
    for suite in [0x0478u16, 0x0578] {
        let e = Encryptor::builder(RawAesKeyring::new("bench", "key", &[1u8; 32]).expect("key"))
            .algorithm_suite(AlgorithmSuite::from_id(suite).expect("suite"))
            .build()
            .expect("encryptor");
        g.bench_function(format!("encrypt_{suite:04x}"), |b| {
            b.iter(|| {
                let s = rt.block_on(e.encrypt_stream(&ctx, None)).expect("stream");
                s.encrypt(&plaintext[..], Sink).expect("encrypt")
            });
        });
        let message = rt.block_on(e.encrypt(&plaintext, &ctx)).expect("message");
        g.bench_function(format!("decrypt_{suite:04x}"), |b| {
            b.iter(|| {
                let mut reader = &message[..];
                let head = e.read_head(&mut reader).expect("head");
                let s = rt.block_on(e.decrypt_stream(head, &ctx)).expect("stream");
                s.decrypt(reader, Unverified(Sink)).expect("decrypt");
            });
        });
    }
    g.bench_function("floor_sha384", |b| {
        b.iter(|| {
            let mut h = Context::new(&SHA384);
            h.update(black_box(&plaintext));
            h.finish()
        });
    });
    g.finish();
}

criterion_group!(benches, stream);
criterion_main!(benches);
