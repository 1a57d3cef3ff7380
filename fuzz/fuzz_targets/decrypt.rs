//! Decrypts arbitrary bytes, and arbitrary edits of valid messages: never a panic, and a changed
//! message never decrypts.

#![no_main]

use std::sync::OnceLock;

use data_masking::keys::RawAesKeyring;
use data_masking::{AlgorithmSuite, CommitmentPolicy, EncryptionContext, Encryptor};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    rt: tokio::runtime::Runtime,
    strict: Encryptor,
    lenient: Encryptor,
    ctx: EncryptionContext,
    /// Valid messages: 0x0578 and 0x0478, several frames each.
    messages: Vec<Vec<u8>>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let keyring = || RawAesKeyring::new("fuzz", "key", &[0x42; 32]).expect("key");
        let ctx = EncryptionContext::new([("tenant", "acme")]).expect("context");
        let mut messages = Vec::new();
        for suite in [0x0578, 0x0478] {
            let e = Encryptor::builder(keyring())
                .algorithm_suite(AlgorithmSuite::from_id(suite).expect("suite"))
                .frame_length(16)
                .build()
                .expect("encryptor");
            let m = rt
                .block_on(e.encrypt(b"forty bytes of plaintext in 3 frames...", &ctx))
                .expect("encrypt");
            messages.push(m);
        }
        let strict = Encryptor::builder(keyring())
            .max_encrypted_data_keys(4)
            .build()
            .expect("encryptor");
        let lenient = Encryptor::builder(keyring())
            .commitment_policy(CommitmentPolicy::RequireEncryptAllowDecrypt)
            .build()
            .expect("encryptor");
        Fixture {
            rt,
            strict,
            lenient,
            ctx,
            messages,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let e = if mode & 1 == 0 { &f.strict } else { &f.lenient };
    if mode & 2 == 0 {
        // Arbitrary bytes as a message.
        let _ = f.rt.block_on(e.decrypt(rest, &f.ctx));
        return;
    }
    // Edits of a valid message: (position high, position low, xor) triples, then a cut.
    let original = &f.messages[usize::from(mode >> 7)];
    let mut m = original.clone();
    let mut edits = rest.chunks_exact(3);
    for edit in &mut edits {
        let at = usize::from(u16::from_be_bytes([edit[0], edit[1]])) % m.len();
        m[at] ^= edit[2];
    }
    if let [cut, ..] = edits.remainder() {
        m.truncate(m.len() * usize::from(*cut) / 256);
    }
    let result = f.rt.block_on(e.decrypt(&m, &f.ctx));
    if m != *original {
        assert!(result.is_err(), "a changed message decrypted");
    } else {
        assert!(result.is_ok(), "the intact message was refused");
    }
});
