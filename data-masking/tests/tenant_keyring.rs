//! The tenant keyring: one keyring per tenant, picked by `tenant_id` in the encryption context.
//!
//! * each tenant decrypts only its own records, under its own raw AES key;
//! * a record of one tenant with another tenant's context fails (stored or required context);
//! * retiring a tenant stops its encrypts and decrypts at once, even with its data keys in the
//!   materials cache (a cached decrypt right before), and leaves the other tenants' cache alone;
//! * a context without `tenant_id`, or naming an unknown tenant, fails with an error that names
//!   the key and no value.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use data_masking::keys::{
    DataKey, EncryptedDataKey, Keyring, Materials, RawAesKeyring, TenantKeyring,
};
use data_masking::{DataMasking, EncryptionContext, Encryptor, Result};
use serde_json::json;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn ctx(tenant: &str) -> EncryptionContext {
    EncryptionContext::new([("tenant_id", tenant), ("purpose", "billing")]).expect("context")
}

/// A raw AES keyring that counts its unwraps (to tell a cached decrypt from an uncached one).
#[derive(Debug)]
struct Counting {
    inner: RawAesKeyring,
    unwraps: Arc<AtomicUsize>,
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
        self.unwraps.fetch_add(1, Ordering::SeqCst);
        self.inner.unwrap_data_key(m, edk).await
    }
}

/// Tenants `a` and `b`, each with its own raw AES key (same namespace and name: only the key
/// bytes differ), and the unwrap counters of each.
fn tenants() -> (TenantKeyring, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let a = Arc::new(AtomicUsize::new(0));
    let b = Arc::new(AtomicUsize::new(0));
    let keyring = |bytes: u8, unwraps: &Arc<AtomicUsize>| Counting {
        inner: RawAesKeyring::new("tenants", "key", &[bytes; 32]).expect("keyring"),
        unwraps: Arc::clone(unwraps),
    };
    let t = TenantKeyring::new("tenant_id")
        .with_tenant("a", keyring(1, &a))
        .with_tenant("b", keyring(2, &b));
    (t, a, b)
}

#[test]
fn each_tenant_decrypts_only_its_own_records() {
    rt().block_on(async {
        let (t, _, _) = tenants();
        let masker = DataMasking::builder().keyring(t).build();
        let a = masker.encrypt(&json!("a's card"), &ctx("a")).await.unwrap();
        let b = masker.encrypt(&json!("b's card"), &ctx("b")).await.unwrap();
        assert_eq!(
            masker.decrypt(&a, &ctx("a")).await.unwrap(),
            json!("a's card")
        );
        assert_eq!(
            masker.decrypt(&b, &ctx("b")).await.unwrap(),
            json!("b's card")
        );

        // The same key name under another tenant's key bytes: b's keyring cannot unwrap a's.
        let only_b = TenantKeyring::new("tenant_id").with_tenant(
            "a",
            RawAesKeyring::new("tenants", "key", &[2u8; 32]).unwrap(),
        );
        let wrong = DataMasking::builder().keyring(only_b).build();
        let e = wrong.decrypt(&a, &ctx("a")).await.unwrap_err();
        assert_eq!(e.kind(), "decrypt-key", "{e}");
    });
}

#[test]
fn a_record_with_another_tenants_context_fails() {
    rt().block_on(async {
        let (t, _, _) = tenants();
        // The tenant stored in the message: the caller's context differs from it.
        let masker = DataMasking::builder().keyring(t.clone()).build();
        let a = masker.encrypt(&json!("a's card"), &ctx("a")).await.unwrap();
        let e = masker.decrypt(&a, &ctx("b")).await.unwrap_err();
        assert_eq!(e.kind(), "context-mismatch", "{e}");

        // The tenant as a required pair, not stored: b's keyring is tried, and cannot unwrap.
        let engine = Encryptor::builder(t)
            .required_context_keys(["tenant_id"])
            .build()
            .unwrap();
        let masker = DataMasking::builder().encryptor(engine).build();
        let a = masker.encrypt(&json!("a's card"), &ctx("a")).await.unwrap();
        let e = masker.decrypt(&a, &ctx("b")).await.unwrap_err();
        assert_eq!(e.kind(), "decrypt-key", "{e}");
        assert_eq!(
            masker.decrypt(&a, &ctx("a")).await.unwrap(),
            json!("a's card")
        );
    });
}

#[test]
fn a_retired_tenant_decrypts_nothing_even_right_after_a_cached_decrypt() {
    rt().block_on(async {
        let (t, a_unwraps, b_unwraps) = tenants();
        let masker = DataMasking::builder().keyring(t.clone()).build();
        let a = masker.encrypt(&json!("a's card"), &ctx("a")).await.unwrap();
        let b = masker.encrypt(&json!("b's card"), &ctx("b")).await.unwrap();
        for _ in 0..2 {
            assert_eq!(
                masker.decrypt(&a, &ctx("a")).await.unwrap(),
                json!("a's card")
            );
            assert_eq!(
                masker.decrypt(&b, &ctx("b")).await.unwrap(),
                json!("b's card")
            );
        }
        assert_eq!(
            a_unwraps.load(Ordering::SeqCst),
            1,
            "the second decrypt is cached"
        );
        assert_eq!(
            b_unwraps.load(Ordering::SeqCst),
            1,
            "the second decrypt is cached"
        );

        assert!(t.retire("a"));
        let e = masker.decrypt(&a, &ctx("a")).await.unwrap_err();
        assert_eq!(e.kind(), "decrypt-key", "{e}");
        assert!(e.to_string().contains("\"tenant_id\""), "{e}");
        // Its cached encryption materials are gone too.
        let e = masker.encrypt(&json!("more"), &ctx("a")).await.unwrap_err();
        assert_eq!(e.kind(), "encrypt-key", "{e}");
        assert_eq!(
            a_unwraps.load(Ordering::SeqCst),
            1,
            "a's keyring is not asked"
        );

        // The other tenant still decrypts from the cache.
        assert_eq!(
            masker.decrypt(&b, &ctx("b")).await.unwrap(),
            json!("b's card")
        );
        assert_eq!(
            b_unwraps.load(Ordering::SeqCst),
            1,
            "b's entry stayed cached"
        );
    });
}

#[test]
fn a_replaced_tenant_keyring_is_not_used_from_the_cache() {
    rt().block_on(async {
        let (t, _, _) = tenants();
        let masker = DataMasking::builder().keyring(t.clone()).build();
        let a = masker.encrypt(&json!("a's card"), &ctx("a")).await.unwrap();
        assert_eq!(
            masker.decrypt(&a, &ctx("a")).await.unwrap(),
            json!("a's card")
        );
        // A new key for tenant a: its old records no longer decrypt, new ones do.
        let fresh = RawAesKeyring::new("tenants", "key-2", &[9u8; 32]).unwrap();
        assert!(t.insert("a", fresh));
        let e = masker.decrypt(&a, &ctx("a")).await.unwrap_err();
        assert_eq!(e.kind(), "decrypt-key", "{e}");
        let a2 = masker.encrypt(&json!("new card"), &ctx("a")).await.unwrap();
        assert_eq!(
            masker.decrypt(&a2, &ctx("a")).await.unwrap(),
            json!("new card")
        );
    });
}

#[test]
fn an_unknown_tenant_or_a_context_without_the_key_fails_naming_only_the_key() {
    rt().block_on(async {
        let (t, _, _) = tenants();
        let masker = DataMasking::builder().keyring(t).build();
        let e = masker.encrypt(&json!(1), &ctx("zed")).await.unwrap_err();
        assert_eq!(e.kind(), "encrypt-key", "{e}");
        let text = e.to_string();
        assert!(
            text.contains("\"tenant_id\"") && text.contains("no keyring"),
            "{text}"
        );
        assert!(!text.contains("zed") && !text.contains("billing"), "{text}");

        let no_tenant = EncryptionContext::new([("purpose", "billing")]).unwrap();
        let e = masker.encrypt(&json!(1), &no_tenant).await.unwrap_err();
        assert_eq!(e.kind(), "encrypt-key", "{e}");
        assert!(e.to_string().contains("no key \"tenant_id\""), "{e}");
        assert!(!e.to_string().contains("billing"), "{e}");
    });
}
