//! Property tests of encrypt/decrypt through `DataMasking`: an arbitrary JSON value under an
//! arbitrary encryption context comes back unchanged, for both suites; the message's plaintext is
//! the value's JSON text (also from `encrypt_text` of its pretty text); another context is
//! refused; `encrypt_fields` / `decrypt_fields` round-trip an arbitrary record with an arbitrary
//! choice of fields, top-level and nested, and so do `encrypt_json` / `decrypt_json` on its text,
//! compact or pretty, with the same messages.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::keys::RawAesKeyring;
use data_masking::{AlgorithmSuite, DataMasking, EncryptionContext, Encryptor};
use proptest::prelude::*;
use serde_json::{Map, Value};

const RESERVED: &str = "aws-crypto-public-key";

/// One masker per suite, shared by every case (as an application shares one).
fn masker(signed: bool) -> &'static DataMasking {
    static MASKERS: OnceLock<[DataMasking; 2]> = OnceLock::new();
    let maskers = MASKERS.get_or_init(|| {
        [0x0478u16, 0x0578].map(|suite| {
            DataMasking::builder()
                .encryptor(
                    Encryptor::builder(
                        RawAesKeyring::new("props", "key", &[0x5A; 32]).expect("key"),
                    )
                    .algorithm_suite(AlgorithmSuite::from_id(suite).expect("suite"))
                    .frame_length(64)
                    .build()
                    .expect("masker"),
                )
                .build()
        })
    });
    &maskers[usize::from(signed)]
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

/// Any JSON value: every scalar type (finite floats, the whole range of integers, any Unicode
/// text, control characters included), nested up to four levels.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "\\PC{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Any encryption context: string keys and values (any Unicode, empty included), without the
/// reserved key.
fn arb_context() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map(
        prop_oneof![any::<String>(), "[a-zA-Z_-]{1,12}", Just(String::new())]
            .prop_filter("not the reserved key", |k| k != RESERVED),
        prop_oneof![any::<String>(), "\\PC{0,24}"],
        0..5,
    )
}

fn context(pairs: &BTreeMap<String, String>) -> EncryptionContext {
    EncryptionContext::new(pairs.clone()).expect("a context without the reserved key")
}

/// A context that differs from `pairs`: one more key, or one value changed.
fn other_context(pairs: &BTreeMap<String, String>) -> EncryptionContext {
    let mut other = pairs.clone();
    match other.iter_mut().next() {
        Some((_, v)) => v.push('!'),
        None => {
            other.insert("tenant".into(), "other".into());
        }
    }
    context(&other)
}

/// A record with plain keys, some of them inside `nested`, and a choice of which to select.
fn arb_record() -> impl Strategy<Value = (Value, Vec<String>)> {
    (
        prop::collection::btree_map("k_[a-z0-9_]{0,8}", (arb_json(), any::<bool>()), 1..8),
        prop::collection::btree_map("k_[a-z0-9_]{0,8}", (arb_json(), any::<bool>()), 0..4),
    )
        .prop_filter("at least one field selected", |(top, nested)| {
            top.values().chain(nested.values()).any(|(_, pick)| *pick)
        })
        .prop_map(|(top, nested)| {
            let mut fields = Vec::new();
            let mut record = Map::new();
            for (k, (v, pick)) in top {
                if pick {
                    fields.push(k.clone());
                }
                record.insert(k, v);
            }
            let mut inner = Map::new();
            for (k, (v, pick)) in nested {
                if pick {
                    fields.push(format!("nested.{k}"));
                }
                inner.insert(k, v);
            }
            record.insert("nested".into(), Value::Object(inner));
            (Value::Object(record), fields)
        })
}

/// The JSON pointer of a field of [`arb_record`].
fn pointer(field: &str) -> String {
    format!("/{}", field.replace('.', "/"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_value_under_any_context_round_trips(
        value in arb_json(),
        pairs in arb_context(),
        signed in any::<bool>(),
    ) {
        let rt = rt();
        let m = masker(signed);
        let ctx = context(&pairs);
        let ct = rt.block_on(m.encrypt(&value, &ctx)).expect("encrypt");
        prop_assert_eq!(&rt.block_on(m.decrypt(&ct, &ctx)).expect("decrypt"), &value);
        // The message's plaintext is exactly the value's JSON text.
        let message = STANDARD.decode(&ct).expect("base64");
        let plaintext = rt.block_on(m.decrypt_bytes(&message, &ctx)).expect("decrypt_bytes");
        prop_assert_eq!(&plaintext[..], &serde_json::to_vec(&value).expect("JSON")[..]);
        // Another context is refused.
        let err = rt.block_on(m.decrypt(&ct, &other_context(&pairs))).expect_err("other context");
        prop_assert_eq!(err.kind(), "context-mismatch");
        // encrypt_text of the pretty text: its plaintext is the same compact JSON.
        let pretty = serde_json::to_string_pretty(&value).expect("JSON");
        let ct = rt.block_on(m.encrypt_text(&pretty, &ctx)).expect("encrypt_text");
        let message = STANDARD.decode(&ct).expect("base64");
        let plaintext = rt.block_on(m.decrypt_bytes(&message, &ctx)).expect("decrypt_bytes");
        prop_assert_eq!(&plaintext[..], &serde_json::to_vec(&value).expect("JSON")[..]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_record_round_trips_field_by_field(
        (record, fields) in arb_record(),
        pairs in arb_context(),
        signed in any::<bool>(),
    ) {
        let rt = rt();
        let m = masker(signed);
        let ctx = context(&pairs);
        let enc = rt.block_on(m.encrypt_fields(&record, &fields, &ctx)).expect("encrypt_fields");
        for field in &fields {
            let p = pointer(field);
            let ct = enc.pointer(&p).and_then(Value::as_str).expect("a ciphertext string");
            // Each selected node is its own message.
            prop_assert_eq!(
                &rt.block_on(m.decrypt(ct, &ctx)).expect("decrypt"),
                record.pointer(&p).expect("original")
            );
        }
        // Nothing else changed.
        let mut unselected = enc.clone();
        let mut original = record.clone();
        for field in &fields {
            let p = pointer(field);
            *unselected.pointer_mut(&p).expect("field") = Value::Null;
            *original.pointer_mut(&p).expect("field") = Value::Null;
        }
        prop_assert_eq!(unselected, original);
        prop_assert_eq!(
            rt.block_on(m.decrypt_fields(&enc, &fields, &ctx)).expect("decrypt_fields"),
            record
        );
        let err = rt
            .block_on(m.decrypt_fields(&enc, &fields, &other_context(&pairs)))
            .expect_err("other context");
        prop_assert_eq!(err.kind(), "context-mismatch");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_record_text_round_trips_field_by_field(
        (record, fields) in arb_record(),
        pairs in arb_context(),
        signed in any::<bool>(),
        pretty in any::<bool>(),
    ) {
        let rt = rt();
        let m = masker(signed);
        let ctx = context(&pairs);
        let text = if pretty {
            serde_json::to_string_pretty(&record).expect("JSON")
        } else {
            serde_json::to_string(&record).expect("JSON")
        };
        let enc = rt.block_on(m.encrypt_json(&text, &fields, &ctx)).expect("encrypt_json");
        let enc_value: Value = serde_json::from_str(&enc).expect("encrypt_json writes JSON");
        for field in &fields {
            let p = pointer(field);
            let ct = enc_value.pointer(&p).and_then(Value::as_str).expect("a ciphertext string");
            // Each message's plaintext is the node's compact JSON, as encrypt_fields writes it.
            let message = STANDARD.decode(ct).expect("base64");
            let plaintext = rt.block_on(m.decrypt_bytes(&message, &ctx)).expect("decrypt_bytes");
            let node = record.pointer(&p).expect("original");
            prop_assert_eq!(&plaintext[..], &serde_json::to_vec(node).expect("JSON")[..]);
        }
        // Nothing else changed.
        let mut unselected = enc_value.clone();
        let mut original = record.clone();
        for field in &fields {
            let p = pointer(field);
            *unselected.pointer_mut(&p).expect("field") = Value::Null;
            *original.pointer_mut(&p).expect("field") = Value::Null;
        }
        prop_assert_eq!(unselected, original);
        // Either decrypt reads the other's output.
        prop_assert_eq!(
            &rt.block_on(m.decrypt_fields(&enc_value, &fields, &ctx)).expect("decrypt_fields"),
            &record
        );
        let back = rt.block_on(m.decrypt_json(&enc, &fields, &ctx)).expect("decrypt_json");
        prop_assert_eq!(serde_json::from_str::<Value>(&back).expect("JSON"), record);
        let err = rt
            .block_on(m.decrypt_json(&enc, &fields, &other_context(&pairs)))
            .expect_err("other context");
        prop_assert_eq!(err.kind(), "context-mismatch");
    }
}
