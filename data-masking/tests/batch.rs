//! The batch methods, `encrypt_json_batch` and `encrypt_text_batch`:
//!
//! * every row round-trips, under its own context, for simple and for other queries;
//! * the rows under one context take one data key: a batch of 200 rows under two tenants makes
//!   two wraps, where the same rows one at a time through an engine without a cache make 200;
//! * a row that cannot be read, and the rows under a context the keyring refuses, fail alone,
//!   and their neighbours' results stay in their places.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use data_masking::keys::{
    DataKey, EncryptedDataKey, Keyring, Materials, RawAesKeyring, TenantKeyring,
};
use data_masking::{DataMasking, EncryptionContext, Encryptor, Result};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn ctx(tenant: &str) -> EncryptionContext {
    EncryptionContext::new([("tenant_id", tenant)]).expect("context")
}

/// A raw AES keyring that counts its wraps.
#[derive(Debug)]
struct Counting {
    inner: RawAesKeyring,
    wraps: Arc<AtomicUsize>,
}

#[async_trait]
impl Keyring for Counting {
    async fn wrap_data_key(&self, m: &Materials, key: &DataKey) -> Result<Vec<EncryptedDataKey>> {
        self.wraps.fetch_add(1, Ordering::SeqCst);
        self.inner.wrap_data_key(m, key).await
    }

    async fn unwrap_data_key(
        &self,
        m: &Materials,
        edk: &EncryptedDataKey,
    ) -> Result<Option<DataKey>> {
        self.inner.unwrap_data_key(m, edk).await
    }
}

fn counting() -> (Counting, Arc<AtomicUsize>) {
    let wraps = Arc::new(AtomicUsize::new(0));
    let keyring = Counting {
        inner: RawAesKeyring::new("batch", "key", &[5u8; 32]).expect("keyring"),
        wraps: Arc::clone(&wraps),
    };
    (keyring, wraps)
}

fn record(i: usize) -> String {
    format!(r#"{{"id": {i}, "card": "4111-{i:04}", "orders": [{{"card": "5500-{i}"}}]}}"#)
}

#[test]
fn every_row_round_trips_under_its_own_context() {
    rt().block_on(async {
        let masker = DataMasking::builder()
            .keyring(RawAesKeyring::new("batch", "key", &[5u8; 32]).unwrap())
            .build();
        let (acme, umbrella) = (ctx("acme"), ctx("umbrella"));
        let texts: Vec<String> = (0..40).map(record).collect();
        let rows: Vec<(&str, &EncryptionContext)> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| (t.as_str(), if i % 3 == 0 { &acme } else { &umbrella }))
            .collect();
        // Simple queries (spans of the text) and a descendant query (a parsed value).
        for fields in [&["card", "orders[*].card"][..], &["$..card"][..]] {
            let out = masker.encrypt_json_batch(&rows, fields).await.unwrap();
            assert_eq!(out.len(), rows.len());
            for ((text, context), enc) in rows.iter().zip(&out) {
                let enc = enc.as_ref().unwrap();
                assert!(!enc.contains("4111") && !enc.contains("5500"), "{enc}");
                let back: serde_json::Value =
                    serde_json::from_str(&masker.decrypt_json(enc, fields, context).await.unwrap())
                        .unwrap();
                assert_eq!(
                    back,
                    serde_json::from_str::<serde_json::Value>(text).unwrap()
                );
                // Bound to its own context: another tenant's does not open it.
                let other = if *context == &acme { &umbrella } else { &acme };
                let err = masker.decrypt_json(enc, fields, other).await.unwrap_err();
                assert_eq!(err.kind(), "context-mismatch", "{err}");
            }
        }
        let whole = masker.encrypt_text_batch(&rows).await.unwrap();
        for ((text, context), enc) in rows.iter().zip(&whole) {
            let back = masker
                .decrypt_text(enc.as_ref().unwrap(), context)
                .await
                .unwrap();
            let back: serde_json::Value = serde_json::from_str(&back).unwrap();
            assert_eq!(
                back,
                serde_json::from_str::<serde_json::Value>(text).unwrap()
            );
        }
    });
}

#[test]
fn the_rows_of_one_context_take_one_data_key() {
    rt().block_on(async {
        let texts: Vec<String> = (0..200).map(record).collect();
        let (a, b) = (ctx("a"), ctx("b"));
        let rows: Vec<(&str, &EncryptionContext)> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| (t.as_str(), if i % 2 == 0 { &a } else { &b }))
            .collect();

        let (keyring, wraps) = counting();
        let masker = DataMasking::builder().keyring(keyring).build();
        let out = masker.encrypt_json_batch(&rows, &["card"]).await.unwrap();
        assert!(out.iter().all(Result::is_ok));
        assert_eq!(wraps.load(Ordering::SeqCst), 2, "one data key per context");
        let whole = masker.encrypt_text_batch(&rows).await.unwrap();
        assert!(whole.iter().all(Result::is_ok));
        assert_eq!(
            wraps.load(Ordering::SeqCst),
            2,
            "the cached keys serve again"
        );

        // Without a cache every message draws its own data key: the count above is the cache's.
        let (keyring, wraps) = counting();
        let engine = Encryptor::builder(keyring).no_cache().build().unwrap();
        let masker = DataMasking::builder().encryptor(engine).build();
        let out = masker.encrypt_json_batch(&rows, &["card"]).await.unwrap();
        assert!(out.iter().all(Result::is_ok));
        assert_eq!(wraps.load(Ordering::SeqCst), 200);
    });
}

#[test]
fn a_bad_row_and_a_refused_context_fail_alone() {
    rt().block_on(async {
        let tenants = TenantKeyring::new("tenant_id")
            .with_tenant("a", RawAesKeyring::new("t", "key", &[1u8; 32]).unwrap());
        let masker = DataMasking::builder().keyring(tenants).build();
        let (a, unknown) = (ctx("a"), ctx("nobody"));
        let (good, broken, no_card) = (record(1), r#"{"card": "#, r#"{"id": 3}"#);
        let rows = [
            (good.as_str(), &a),
            (broken, &a),
            (good.as_str(), &unknown),
            (no_card, &a),
            (good.as_str(), &unknown),
            (good.as_str(), &a),
        ];
        let out = masker.encrypt_json_batch(&rows, &["card"]).await.unwrap();
        let kinds: Vec<&str> = out
            .iter()
            .map(|r| r.as_ref().map_or_else(data_masking::Error::kind, |_| "ok"))
            .collect();
        assert_eq!(
            kinds,
            [
                "ok",
                "invalid-json",
                "encrypt-key",
                "field-not-found",
                "encrypt-key",
                "ok"
            ]
        );
        for enc in [&out[0], &out[5]] {
            let back = masker
                .decrypt_json(enc.as_ref().unwrap(), &["card"], &a)
                .await
                .unwrap();
            assert_eq!(back, good);
        }
        // A refused context is not named by value in its error.
        let err = out[2].as_ref().unwrap_err().to_string();
        assert!(!err.contains("nobody"), "{err}");

        let whole = masker
            .encrypt_text_batch(&[(broken, &a), (no_card, &unknown), (no_card, &a)])
            .await
            .unwrap();
        let kinds: Vec<&str> = whole
            .iter()
            .map(|r| r.as_ref().map_or_else(data_masking::Error::kind, |_| "ok"))
            .collect();
        assert_eq!(kinds, ["invalid-json", "encrypt-key", "ok"]);
    });
}

#[test]
fn no_keyring_fails_the_whole_batch() {
    rt().block_on(async {
        let ctx = ctx("a");
        let err = DataMasking::new()
            .encrypt_json_batch(&[("{}", &ctx)], &["card"])
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "config");
        let empty: [&str; 0] = [];
        let err = DataMasking::builder()
            .keyring(RawAesKeyring::new("batch", "key", &[5u8; 32]).unwrap())
            .build()
            .encrypt_json_batch(&[("{}", &ctx)], &empty)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "empty-fields");
    });
}
