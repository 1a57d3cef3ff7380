//! Sealed records: round trips (proptest over random records and field sets), every tamper of
//! the threat table refused with its location named, placeholders in arrays and nested objects,
//! fields that locate nothing, bindings, refusals of ambiguous input, and the one-message layout.

#![allow(missing_docs, clippy::many_single_char_names)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::keys::RawAesKeyring;
use data_masking::{
    AlgorithmSuite, DataMasking, EncryptionContext, Encryptor, Error, SEAL_CONTEXT_KEY, Seal,
};
use serde_json::{Value, json};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn masker() -> DataMasking {
    let e = Encryptor::builder(RawAesKeyring::new("ns", "key", &[9u8; 32]).expect("key"))
        .algorithm_suite(AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY)
        .build()
        .expect("encryptor");
    DataMasking::builder().encryptor(e).build()
}

fn ctx() -> EncryptionContext {
    EncryptionContext::new([("tenant", "acme")]).expect("context")
}

fn record() -> Value {
    json!({
        "id": "c-42",
        "name": "Jo",
        "email": "jo@example.com",
        "status": "active",
        "address": {"street": "Main", "postcode": "12345"},
        "orders": [
            {"id": 1, "card": "4111 1111 1111 1111", "total": 10.5},
            {"id": 2, "card": "5500 0000 0000 0004", "total": 99}
        ]
    })
}

fn seal() -> Seal {
    Seal::builder()
        .encrypt(["email", "address.postcode", "orders[*].card"])
        .sign(["status", "orders[*].total", "nickname"])
        .bind("customer", "id")
        .build()
        .expect("seal")
}

fn sealed() -> Value {
    rt().block_on(masker().seal(&record(), &seal(), &ctx()))
        .expect("seal")
}

fn unseal(v: &Value) -> Result<Value, Error> {
    rt().block_on(masker().unseal(v, &seal(), &ctx()))
}

/// Asserts that unsealing `v` fails as tampered at `path`, with a reason containing `what`.
fn assert_tampered(v: &Value, path: &str, what: &str) {
    match unseal(v) {
        Err(Error::RecordTampered { path: p, reason }) => {
            assert_eq!(p, path, "{reason}");
            assert!(reason.contains(what), "{reason:?} lacks {what:?}");
        }
        other => panic!("expected record-tampered at {path}, got {other:?}"),
    }
}

#[test]
fn a_sealed_record_keeps_its_structure_and_unseals_to_the_record() {
    let sealed = sealed();
    assert_eq!(sealed["name"], "Jo");
    assert_eq!(sealed["status"], "active");
    assert_eq!(sealed["email"], json!({"__encrypted": "$['email']"}));
    assert_eq!(
        sealed["address"],
        json!({"street": "Main", "postcode": {"__encrypted": "$['address']['postcode']"}})
    );
    assert_eq!(
        sealed["orders"][1]["card"],
        json!({"__encrypted": "$['orders'][1]['card']"})
    );
    assert_eq!(sealed["orders"][1]["total"], 99);
    // One message for the record, nothing of the plaintext in the clear.
    let text = sealed.to_string();
    for secret in ["jo@example.com", "12345", "4111", "5500"] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    assert!(sealed["__sealed"].is_string());
    assert_eq!(unseal(&sealed).unwrap(), record());
}

#[test]
fn the_message_is_a_plain_esdk_message_bound_to_the_context_the_binding_and_the_version() {
    let sealed = sealed();
    let msg = STANDARD
        .decode(sealed["__sealed"].as_str().unwrap())
        .unwrap();
    let m = masker();
    let mut full = ctx();
    full.insert("customer", "c-42").unwrap();
    full.insert(SEAL_CONTEXT_KEY, "1").unwrap();
    let plaintext = rt().block_on(m.decrypt_bytes(&msg, &full)).unwrap();
    let layout: Value = serde_json::from_slice(&plaintext).unwrap();
    assert_eq!(layout["v"], 1);
    assert_eq!(
        layout["values"]["$['orders'][0]['card']"],
        "4111 1111 1111 1111"
    );
    assert_eq!(
        layout["encrypt"],
        json!(["email", "address.postcode", "orders[*].card"])
    );
    assert_eq!(layout["bind"], json!({"customer": "id"}));
    assert_eq!(
        layout["digests"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        [
            "$['orders'][0]['total']",
            "$['orders'][1]['total']",
            "$['status']"
        ]
    );
    // Without the seal's context key, the message does not decrypt.
    let err = rt().block_on(m.decrypt_bytes(&msg, &ctx())).unwrap_err();
    assert_eq!(err.kind(), "context-mismatch");
}

// The threat table, row by row.

#[test]
fn a_swap_of_two_encrypted_fields_within_a_record_is_detected() {
    let mut v = sealed();
    let a = v["orders"][0]["card"].clone();
    v["orders"][0]["card"] = v["orders"][1]["card"].clone();
    v["orders"][1]["card"] = a;
    assert_tampered(
        &v,
        "$['orders'][0]['card']",
        "a placeholder was moved here: it names $['orders'][1]['card']",
    );
}

#[test]
fn a_placeholder_moved_to_another_field_is_detected() {
    let mut v = sealed();
    let p = v["address"]
        .as_object_mut()
        .unwrap()
        .remove("postcode")
        .unwrap();
    v["address"]["zip"] = p;
    assert_tampered(&v, "$['address']['zip']", "moved here");
}

#[test]
fn a_placeholder_renamed_to_its_new_place_is_detected_as_added() {
    let mut v = sealed();
    v["address"].as_object_mut().unwrap().remove("postcode");
    v["address"]["zip"] = json!({"__encrypted": "$['address']['zip']"});
    assert_tampered(&v, "$['address']['zip']", "a placeholder was added");
}

#[test]
fn a_removed_placeholder_is_detected() {
    let mut v = sealed();
    v.as_object_mut().unwrap().remove("email");
    assert_tampered(&v, "$['email']", "a placeholder was removed");
    let mut v = sealed();
    v["email"] = json!("someone@else");
    assert_tampered(&v, "$['email']", "a placeholder was removed");
}

#[test]
fn an_altered_placeholder_is_detected() {
    for bad in [
        json!({"__encrypted": 1}),
        json!({"__encrypted": "$['email']", "x": 1}),
    ] {
        let mut v = sealed();
        v["email"] = bad;
        assert_tampered(&v, "$['email']", "a placeholder was altered");
    }
}

#[test]
fn a_placeholder_moved_across_records_is_detected() {
    let m = masker();
    let s = Seal::builder().encrypt(["card"]).build().unwrap();
    let a = rt()
        .block_on(m.seal(&json!({"card": "1111", "x": 1}), &s, &ctx()))
        .unwrap();
    let b = rt().block_on(m.seal(
        &json!({"n": 2}),
        &Seal::builder().encrypt(["n"]).build().unwrap(),
        &ctx(),
    ));
    // A record sealed with other fields is refused as such.
    let mut mixed = b.unwrap();
    mixed["card"] = a["card"].clone();
    let err = rt().block_on(m.unseal(&mixed, &s, &ctx())).unwrap_err();
    assert_eq!(err.kind(), "config");
    // Same fields: the moved placeholder names a value the target record's message lacks.
    let c = rt()
        .block_on(m.seal(&json!({"card": "2222", "other": {}}), &s, &ctx()))
        .unwrap();
    let mut moved = c.clone();
    moved["other"]["card"] = a["card"].clone();
    match rt().block_on(m.unseal(&moved, &s, &ctx())) {
        Err(Error::RecordTampered { path, reason }) => {
            assert_eq!(path, "$['other']['card']");
            assert!(reason.contains("moved here"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_edited_signed_value_is_detected() {
    let mut v = sealed();
    v["orders"][1]["total"] = json!(9);
    assert_tampered(&v, "$['orders'][1]['total']", "a signed value was changed");
    let mut v = sealed();
    v["status"] = json!("closed");
    assert_tampered(&v, "$['status']", "a signed value was changed");
}

#[test]
fn a_signed_value_removed_or_added_is_detected() {
    let mut v = sealed();
    v.as_object_mut().unwrap().remove("status");
    assert_tampered(&v, "$['status']", "a signed value was removed");
    // `nickname` was absent when sealed: its appearance is seen.
    let mut v = sealed();
    v["nickname"] = json!("jojo");
    assert_tampered(&v, "$['nickname']", "a signed value was added");
    // An element added to a signed array field.
    let mut v = sealed();
    v["orders"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": 3, "total": 1}));
    assert_tampered(&v, "$['orders'][2]['total']", "a signed value was added");
}

#[test]
fn a_signed_value_keeps_its_digest_whatever_its_spelling() {
    // RFC 8785: member order and number spelling do not matter.
    let m = masker();
    let s = Seal::builder().sign(["obj"]).build().unwrap();
    let sealed = rt()
        .block_on(m.seal(&json!({"obj": {"a": 1, "b": 2.0}}), &s, &ctx()))
        .unwrap();
    let text = sealed
        .to_string()
        .replace(r#"{"a":1,"b":2.0}"#, r#"{"b":2,"a":1.0}"#);
    let respelled: Value = serde_json::from_str(&text).unwrap();
    assert_ne!(respelled.to_string(), sealed.to_string());
    // The signed value is returned as the record holds it.
    assert_eq!(
        rt().block_on(m.unseal(&respelled, &s, &ctx())).unwrap(),
        json!({"obj": {"b": 2, "a": 1.0}})
    );
}

#[test]
fn a_whole_record_replay_under_another_id_is_refused_when_the_id_is_bound() {
    let m = masker();
    let other = {
        let mut r = record();
        r["id"] = json!("c-43");
        rt().block_on(m.seal(&r, &seal(), &ctx())).unwrap()
    };
    let mut replay = other;
    replay["id"] = json!("c-42");
    let err = unseal(&replay).unwrap_err();
    assert_eq!(err.kind(), "context-mismatch", "{err}");
    // The bound field removed.
    let mut v = sealed();
    v.as_object_mut().unwrap().remove("id");
    assert_tampered(&v, "id", "locates nothing");
}

#[test]
fn a_whole_record_replay_without_binding_is_the_documented_gap() {
    let m = masker();
    let s = Seal::builder().encrypt(["card"]).build().unwrap();
    let a = rt()
        .block_on(m.seal(&json!({"card": "1111"}), &s, &ctx()))
        .unwrap();
    let b = rt()
        .block_on(m.seal(&json!({"card": "2222"}), &s, &ctx()))
        .unwrap();
    // The whole message of b carried into a: a unseals to b's value (no binding tells them apart).
    let mut swapped = a.clone();
    swapped["__sealed"] = b["__sealed"].clone();
    assert_eq!(
        rt().block_on(m.unseal(&swapped, &s, &ctx())).unwrap(),
        json!({"card": "2222"})
    );
}

#[test]
fn another_context_or_a_missing_message_is_refused() {
    let v = sealed();
    let err = rt()
        .block_on(masker().unseal(&v, &seal(), &EncryptionContext::empty()))
        .unwrap_err();
    assert_eq!(err.kind(), "context-mismatch");
    let mut v = sealed();
    v.as_object_mut().unwrap().remove("__sealed");
    assert_tampered(&v, "$['__sealed']", "the sealed message is missing");
    let mut v = sealed();
    v["__sealed"] = json!(1);
    assert_tampered(&v, "$['__sealed']", "not a string");
    let mut v = sealed();
    v["__sealed"] = json!("AAAA");
    assert_eq!(unseal(&v).unwrap_err().kind(), "decrypt-value");
}

#[test]
fn a_message_made_by_encrypt_does_not_pass_for_a_seal() {
    // A chosen plaintext shaped as a layout, encrypted by `encrypt` with the full context
    // minus the seal key: refused, as the seal key is missing from its context.
    let m = masker();
    let s = Seal::builder().encrypt(["a"]).build().unwrap();
    let layout = json!({"v": 1, "encrypt": ["a"], "sign": [], "bind": {}, "values": {"$['a']": "evil"}, "digests": {}});
    let forged = rt().block_on(m.encrypt(&layout, &ctx())).unwrap();
    let record = json!({"a": {"__encrypted": "$['a']"}, "__sealed": forged});
    let err = rt().block_on(m.unseal(&record, &s, &ctx())).unwrap_err();
    assert_eq!(err.kind(), "context-mismatch");
}

#[test]
fn ambiguous_records_are_refused_at_seal_time() {
    let m = masker();
    let s = Seal::builder().encrypt(["a"]).build().unwrap();
    for bad in [
        json!({"a": 1, "__sealed": "x"}),
        json!({"a": 1, "b": [{"__encrypted": "$['a']"}]}),
        json!({"a": {"__encrypted": 1, "more": 2}}),
    ] {
        let err = rt().block_on(m.seal(&bad, &s, &ctx())).unwrap_err();
        assert_eq!(err.kind(), "unsupported-type", "{bad}");
    }
    let err = rt().block_on(m.seal(&json!([1]), &s, &ctx())).unwrap_err();
    assert_eq!(err.kind(), "unsupported-type");
    let whole = Seal::builder().encrypt(["$"]).build().unwrap();
    let err = rt()
        .block_on(m.seal(&json!({"a": 1}), &whole, &ctx()))
        .unwrap_err();
    assert_eq!(err.kind(), "unsupported-type");
    let mut given = ctx();
    given.insert(SEAL_CONTEXT_KEY, "1").unwrap();
    let err = rt()
        .block_on(m.seal(&json!({"a": 1}), &s, &given))
        .unwrap_err();
    assert_eq!(err.kind(), "invalid-context");
}

#[test]
fn bindings_must_locate_one_readable_scalar() {
    let m = masker();
    for (rec, bind) in [
        (json!({"a": 1}), "id"),
        (json!({"a": 1, "l": [1, 2]}), "l[*]"),
        (json!({"a": 1, "o": {}}), "o"),
        (json!({"a": 1}), "a"), // encrypted: a placeholder, not a scalar
    ] {
        let s = Seal::builder()
            .encrypt(["a"])
            .bind("k", bind)
            .build()
            .unwrap();
        let err = rt().block_on(m.seal(&rec, &s, &ctx())).unwrap_err();
        assert_eq!(err.kind(), "invalid-context", "{rec} {bind}");
    }
    let s = Seal::builder()
        .encrypt(["a"])
        .bind("k", "n")
        .build()
        .unwrap();
    let sealed = rt()
        .block_on(m.seal(&json!({"a": 1, "n": 7}), &s, &ctx()))
        .unwrap();
    let mut wrong = ctx();
    wrong.insert("k", "7").unwrap();
    let err = rt().block_on(m.unseal(&sealed, &s, &wrong)).unwrap_err();
    assert_eq!(err.kind(), "invalid-context");
    assert_eq!(
        rt().block_on(m.unseal(&sealed, &s, &ctx())).unwrap(),
        json!({"a": 1, "n": 7})
    );
}

#[test]
fn fields_that_locate_nothing_follow_raise_on_missing_field() {
    let s = Seal::builder().encrypt(["a", "missing"]).build().unwrap();
    let err = rt()
        .block_on(masker().seal(&json!({"a": 1}), &s, &ctx()))
        .unwrap_err();
    assert_eq!(err.kind(), "field-not-found");
    let lenient = DataMasking::builder()
        .keyring(RawAesKeyring::new("ns", "key", &[9u8; 32]).unwrap())
        .raise_on_missing_field(false)
        .build();
    let sealed = rt()
        .block_on(lenient.seal(&json!({"a": 1}), &s, &ctx()))
        .unwrap();
    assert_eq!(
        rt().block_on(lenient.unseal(&sealed, &s, &ctx())).unwrap(),
        json!({"a": 1})
    );
    // The field that located nothing appears later: it is not protected, and not restored.
    let mut later = sealed.clone();
    later["missing"] = json!({"__encrypted": "$['missing']"});
    let err = rt()
        .block_on(lenient.unseal(&later, &s, &ctx()))
        .unwrap_err();
    assert_eq!(err.kind(), "record-tampered");
}

#[test]
fn nested_targets_are_sealed_once_and_signed_nodes_may_hold_placeholders() {
    let m = masker();
    let s = Seal::builder()
        .encrypt(["address", "address.street", "orders[*].card"])
        .sign(["orders", "address.street"])
        .build()
        .unwrap();
    let rec = record();
    let sealed = rt().block_on(m.seal(&rec, &s, &ctx())).unwrap();
    assert_eq!(sealed["address"], json!({"__encrypted": "$['address']"}));
    assert_eq!(rt().block_on(m.unseal(&sealed, &s, &ctx())).unwrap(), rec);
    // The signed `orders` holds placeholders: moving one within it changes its digest.
    let mut v = sealed.clone();
    let card = v["orders"][0]["card"].clone();
    v["orders"][0]["card"] = v["orders"][1]["card"].clone();
    v["orders"][1]["card"] = card;
    let err = rt().block_on(m.unseal(&v, &s, &ctx())).unwrap_err();
    assert!(
        matches!(err, Error::RecordTampered { ref path, .. } if path == "$['orders']"),
        "{err}"
    );
}

#[test]
fn filters_and_descendants_locate_what_is_sealed() {
    let m = masker();
    let s = Seal::builder()
        .encrypt(["orders[?(@.total > 50)].card", "$..postcode"])
        .build()
        .unwrap();
    let sealed = rt().block_on(m.seal(&record(), &s, &ctx())).unwrap();
    assert_eq!(sealed["orders"][0]["card"], "4111 1111 1111 1111");
    assert!(sealed["orders"][1]["card"].is_object());
    assert!(sealed["address"]["postcode"].is_object());
    assert_eq!(
        rt().block_on(m.unseal(&sealed, &s, &ctx())).unwrap(),
        record()
    );
}

#[test]
fn the_member_name_is_configurable_and_checked() {
    let m = masker();
    let s = Seal::builder()
        .encrypt(["a"])
        .member("_msg")
        .build()
        .unwrap();
    let sealed = rt()
        .block_on(m.seal(&json!({"a": 1, "__sealed": 2}), &s, &ctx()))
        .unwrap();
    assert!(sealed["_msg"].is_string());
    assert_eq!(sealed["__sealed"], 2);
    assert_eq!(
        rt().block_on(m.unseal(&sealed, &s, &ctx())).unwrap(),
        json!({"a": 1, "__sealed": 2})
    );
}

#[test]
fn names_that_need_escaping_round_trip() {
    let m = masker();
    let s = Seal::builder()
        .encrypt(["['a.b']", "['it\\'s']", "['x\\\\y']"])
        .build()
        .unwrap();
    let rec = json!({"a.b": 1, "it's": 2, "x\\y": [3], "é": "ü"});
    let sealed = rt().block_on(m.seal(&rec, &s, &ctx())).unwrap();
    assert_eq!(sealed["a.b"], json!({"__encrypted": "$['a.b']"}));
    assert_eq!(rt().block_on(m.unseal(&sealed, &s, &ctx())).unwrap(), rec);
}

#[test]
fn json_text_is_sealed_without_a_value_when_it_can_be_and_as_a_value_otherwise() {
    let m = masker();
    let s = seal();
    let text = "{\n  \"id\": \"c-42\", \"status\": \"active\",\n  \"email\": \"jo@example.com\",\n  \"address\": {\"postcode\": \"12345\"},\n  \"orders\": [{\"card\": \"4111\", \"total\": 1.50}]\n}";
    let sealed = rt().block_on(m.seal_json(text, &s, &ctx())).unwrap();
    // The formatting is kept: no Value was built.
    assert!(sealed.starts_with("{\n  \"id\": \"c-42\", \"status\": \"active\",\n  \"email\": {\"__encrypted\":\"$['email']\"},"), "{sealed}");
    assert!(
        sealed.contains("\"total\": 1.50}]\n,\"__sealed\":\""),
        "{sealed}"
    );
    let back = rt().block_on(m.unseal_json(&sealed, &s, &ctx())).unwrap();
    let want: Value = serde_json::from_str(text).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&back).unwrap(), want);
    // An escape in the text: sealed as a Value (compact), with the same result.
    let escaped = text.replace("jo@", "j\\u00f3@");
    let sealed = rt().block_on(m.seal_json(&escaped, &s, &ctx())).unwrap();
    assert!(!sealed.contains('\n'), "{sealed}");
    let want: Value = serde_json::from_str(&escaped).unwrap();
    let back = rt().block_on(m.unseal_json(&sealed, &s, &ctx())).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&back).unwrap(), want);
    // Errors are the same either way.
    for bad in [
        "[1]",
        "{\"a\": ",
        "{\"__sealed\": 1, \"email\": 2}",
        "{\"email\": {\"__encrypted\": 1}}",
    ] {
        let text_err = rt().block_on(m.seal_json(bad, &s, &ctx())).unwrap_err();
        if let Ok(v) = serde_json::from_str::<Value>(bad) {
            let value_err = rt().block_on(m.seal(&v, &s, &ctx())).unwrap_err();
            assert_eq!(text_err.kind(), value_err.kind(), "{bad}");
        } else {
            assert_eq!(text_err.kind(), "invalid-json");
        }
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Map;

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            "[a-z ]{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[abc]", inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    fn record() -> impl Strategy<Value = Value> {
        prop::collection::vec(("[abc]", value()), 0..5)
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>()))
    }

    fn paths() -> impl Strategy<Value = Vec<String>> {
        let seg = prop_oneof![
            Just(".a"),
            Just(".b"),
            Just(".c"),
            Just("[0]"),
            Just("[*]"),
            Just(".*")
        ];
        let path = prop::collection::vec(seg, 1..4).prop_map(|s| format!("${}", s.concat()));
        prop::collection::vec(path, 1..4)
    }

    /// The layout a sealed record's message holds.
    fn layout_of(m: &DataMasking, sealed: &Value, s: &Seal) -> Value {
        let msg = STANDARD
            .decode(sealed["__sealed"].as_str().unwrap())
            .unwrap();
        let mut full = ctx();
        for (k, f) in s.bindings() {
            let v = &sealed[f];
            full.insert(k, v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .unwrap();
        }
        full.insert(SEAL_CONTEXT_KEY, "1").unwrap();
        let plaintext = rt().block_on(m.decrypt_bytes(&msg, &full)).unwrap();
        serde_json::from_slice(&plaintext).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        #[test]
        fn a_json_text_seals_as_its_value_does(r in record(), enc in paths(), sign in paths(), pretty in any::<bool>()) {
            let m = DataMasking::builder()
                .keyring(RawAesKeyring::new("ns", "key", &[9u8; 32]).unwrap())
                .raise_on_missing_field(false)
                .build();
            let s = Seal::builder().encrypt(&enc).sign(&sign).build().unwrap();
            let text = if pretty { serde_json::to_string_pretty(&r) } else { serde_json::to_string(&r) }.unwrap();
            let rt = rt();
            match (rt.block_on(m.seal_json(&text, &s, &ctx())), rt.block_on(m.seal(&r, &s, &ctx()))) {
                (Ok(from_text), Ok(from_value)) => {
                    let from_text: Value = serde_json::from_str(&from_text).unwrap();
                    let mut a = from_text.clone();
                    let mut b = from_value.clone();
                    a.as_object_mut().unwrap().remove("__sealed");
                    b.as_object_mut().unwrap().remove("__sealed");
                    prop_assert_eq!(a, b);
                    prop_assert_eq!(layout_of(&m, &from_text, &s), layout_of(&m, &from_value, &s));
                    prop_assert_eq!(rt.block_on(m.unseal(&from_text, &s, &ctx())).unwrap(), r);
                }
                (Err(a), Err(b)) => prop_assert_eq!(a.kind(), b.kind()),
                (a, b) => prop_assert!(false, "text {:?} value {:?}", a.map(|_| ()), b.map(|_| ())),
            }
        }

        #[test]
        fn json_text_bindings_match_value_bindings(id in prop_oneof![any::<i64>().prop_map(Value::from), "[a-z]{0,4}".prop_map(Value::from), any::<bool>().prop_map(Value::from)]) {
            let m = masker();
            let s = Seal::builder().encrypt(["a"]).bind("k", "id").build().unwrap();
            let r = json!({"id": id, "a": 1});
            let sealed = rt().block_on(m.seal_json(&r.to_string(), &s, &ctx())).unwrap();
            let sealed: Value = serde_json::from_str(&sealed).unwrap();
            prop_assert_eq!(rt().block_on(m.unseal(&sealed, &s, &ctx())).unwrap(), r);
        }

        #[test]
        fn seal_then_unseal_gives_back_the_record(r in record(), enc in paths(), sign in paths()) {
            let m = DataMasking::builder()
                .keyring(RawAesKeyring::new("ns", "key", &[9u8; 32]).unwrap())
                .raise_on_missing_field(false)
                .build();
            let s = Seal::builder().encrypt(&enc).sign(&sign).build().unwrap();
            let rt = rt();
            match rt.block_on(m.seal(&r, &s, &ctx())) {
                Ok(sealed) => {
                    let back = rt.block_on(m.unseal(&sealed, &s, &ctx())).unwrap();
                    prop_assert_eq!(back, r);
                }
                // Only a field that selects the whole record is refused here.
                Err(e) => prop_assert_eq!(e.kind(), "unsupported-type"),
            }
        }
    }
}
