//! The keyring interface's rules (framework/keyring-interface.md, raw-aes-keyring.md,
//! multi-keyring.md) that a keyring must keep whatever the message offers it.

use std::collections::BTreeMap;

use data_masking::AlgorithmSuite;
use data_masking::keys::{
    DataKey, DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring, MultiKeyring,
    RawAesKeyring,
};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

const COMMIT: AlgorithmSuite = AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY;

fn keyring() -> RawAesKeyring {
    RawAesKeyring::new("ns", "key", &[4u8; 32]).expect("key")
}

/// The encrypted data keys of `key`'s wrap of a fresh data key of `suite`'s length.
fn wrapped(key: &RawAesKeyring, suite: AlgorithmSuite) -> (Vec<u8>, Vec<EncryptedDataKey>) {
    let m = rt()
        .block_on(key.on_encrypt(EncryptionMaterials::new(suite, BTreeMap::new())))
        .expect("wrap");
    (
        m.data_key().expect("data key").as_bytes().to_vec(),
        m.encrypted_data_keys().to_vec(),
    )
}

#[test]
fn on_decrypt_fails_when_the_materials_already_hold_a_data_key() {
    let key = keyring();
    let (_, edks) = wrapped(&key, COMMIT);
    let planted = DecryptionMaterials::new(COMMIT, BTreeMap::new())
        .with_data_key(DataKey::new(vec![7u8; 32]))
        .expect("a 32-byte key");
    let multi = MultiKeyring::new(keyring());
    for (name, k) in [("raw AES", &key as &dyn Keyring), ("multi", &multi)] {
        let e = rt()
            .block_on(k.on_decrypt(planted.clone(), &edks))
            .expect_err(name);
        assert_eq!(e.kind(), "decrypt-key", "{name}: {e}");
        assert!(e.to_string().contains("already hold"), "{name}: {e}");
    }
}

#[test]
fn an_edk_that_unwraps_to_a_key_of_the_wrong_length_is_passed_over() {
    let key = keyring();
    // Both wraps are bound to the same (empty) context, so both unwrap; the first holds a
    // 16-byte key, which is no data key of a 32-byte suite.
    let (_, short) = wrapped(&key, AlgorithmSuite::AES_128_GCM_IV12_TAG16_NO_KDF);
    let (good_key, good) = wrapped(&key, COMMIT);
    let edks = [short.clone(), good].concat();
    let m = rt()
        .block_on(key.on_decrypt(DecryptionMaterials::new(COMMIT, BTreeMap::new()), &edks))
        .expect("the second EDK unwraps to a key of the right length");
    assert_eq!(m.data_key().expect("data key").as_bytes(), &good_key[..]);

    // With only the short one, the error says why.
    let e = rt()
        .block_on(key.on_decrypt(DecryptionMaterials::new(COMMIT, BTreeMap::new()), &short))
        .expect_err("no EDK of the right length");
    assert_eq!(e.kind(), "decrypt-key");
    assert!(e.to_string().contains("another length"), "{e}");

    // The multi-keyring reaches the same key through its child.
    let multi = MultiKeyring::new(keyring());
    let m = rt()
        .block_on(multi.on_decrypt(DecryptionMaterials::new(COMMIT, BTreeMap::new()), &edks))
        .expect("through the multi-keyring");
    assert_eq!(m.data_key().expect("data key").as_bytes(), &good_key[..]);
}
