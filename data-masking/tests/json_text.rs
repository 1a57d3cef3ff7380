//! `encrypt_json` / `decrypt_json` on JSON text: only the selected values change, the rest keeps
//! its bytes; overlapping and repeated selections; queries that need a `Value`; errors.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::keys::RawAesKeyring;
use data_masking::{AlgorithmSuite, DataMasking, EncryptionContext, Encryptor};
use serde_json::{Value, json};

fn masker(raise_on_missing_field: bool) -> DataMasking {
    DataMasking::builder()
        .raise_on_missing_field(raise_on_missing_field)
        .encryptor(
            Encryptor::builder(RawAesKeyring::new("text", "key", &[0x3C; 32]).expect("key"))
                .algorithm_suite(AlgorithmSuite::from_id(0x0478).expect("suite"))
                .build()
                .expect("masker"),
        )
        .build()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn ctx() -> EncryptionContext {
    EncryptionContext::new([("tenant", "acme")]).expect("context")
}

/// The text with every JSON string that is a base64 message replaced by `"X"`.
fn blank_messages(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("\"AgR4") {
        out.push_str(&rest[..i]);
        let end = rest[i + 1..].find('"').expect("closing quote") + i + 2;
        out.push_str("\"X\"");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn only_the_selected_values_change() {
    let text = "{\n  \"z\": 1.50,\n  \"card\" : \"4111\",\n  \"a\": [ 1, 2 ],\n  \"tag\": \"caf\\u00e9\"\n}\n";
    let m = masker(true);
    let rt = rt();
    let enc = rt
        .block_on(m.encrypt_json(text, &["card", "tag"], &ctx()))
        .expect("encrypt");
    assert_eq!(
        blank_messages(&enc),
        "{\n  \"z\": 1.50,\n  \"card\" : \"X\",\n  \"a\": [ 1, 2 ],\n  \"tag\": \"X\"\n}\n",
        "formatting, key order and number text outside the selected values are kept"
    );
    let v: Value = serde_json::from_str(&enc).expect("JSON");
    // The plaintext of the escaped string is its compact JSON (the escape resolved).
    let message = STANDARD
        .decode(v["tag"].as_str().expect("message"))
        .expect("base64");
    let plaintext = rt
        .block_on(m.decrypt_bytes(&message, &ctx()))
        .expect("decrypt");
    assert_eq!(&plaintext[..], "\"café\"".as_bytes());
    let back = rt
        .block_on(m.decrypt_json(&enc, &["card", "tag"], &ctx()))
        .expect("decrypt");
    assert_eq!(
        back,
        "{\n  \"z\": 1.50,\n  \"card\" : \"4111\",\n  \"a\": [ 1, 2 ],\n  \"tag\": \"café\"\n}\n"
    );
}

#[test]
fn a_value_inside_another_selected_one_goes_with_it() {
    let text = r#"{"address": {"street": "Main", "postcode": "NW1"}, "name": "Jo"}"#;
    let m = masker(true);
    let rt = rt();
    let fields = ["address.postcode", "address", "address.*"];
    let enc = rt
        .block_on(m.encrypt_json(text, &fields, &ctx()))
        .expect("encrypt");
    assert_eq!(blank_messages(&enc), r#"{"address": "X", "name": "Jo"}"#);
    let v: Value = serde_json::from_str(&enc).expect("JSON");
    let address = rt
        .block_on(m.decrypt(v["address"].as_str().expect("message"), &ctx()))
        .expect("decrypt");
    assert_eq!(address, json!({"street": "Main", "postcode": "NW1"}));
}

#[test]
fn every_copy_of_a_repeated_key_is_encrypted() {
    let text = r#"{"ssn": "111", "ssn": "222", "ok": true}"#;
    let m = masker(true);
    let rt = rt();
    let enc = rt
        .block_on(m.encrypt_json(text, &["ssn"], &ctx()))
        .expect("encrypt");
    assert_eq!(
        blank_messages(&enc),
        r#"{"ssn": "X", "ssn": "X", "ok": true}"#
    );
    assert!(!enc.contains("111") && !enc.contains("222"));
}

#[test]
fn queries_beyond_names_and_indices_work_on_a_value() {
    let text = r#"{"orders": [{"card": "1"}, {"card": "2", "x": {"card": "3"}}], "n": 1}"#;
    let m = masker(true);
    let rt = rt();
    let enc = rt
        .block_on(m.encrypt_json(text, &["$..card"], &ctx()))
        .expect("encrypt");
    // The Value route writes compact JSON (in key order only with serde_json's preserve_order).
    assert!(!enc.contains(' '));
    assert_eq!(
        serde_json::from_str::<Value>(&blank_messages(&enc)).expect("JSON"),
        json!({"orders": [{"card": "X"}, {"card": "X", "x": {"card": "X"}}], "n": 1})
    );
    let back = rt
        .block_on(m.decrypt_json(&enc, &["$..card"], &ctx()))
        .expect("decrypt");
    assert_eq!(
        serde_json::from_str::<Value>(&back).expect("JSON"),
        serde_json::from_str::<Value>(text).expect("JSON")
    );
}

#[test]
fn missing_fields_follow_raise_on_missing_field() {
    let text = r#"{"a": "x"}"#;
    let rt = rt();
    let err = rt
        .block_on(masker(true).encrypt_json(text, &["a", "b"], &ctx()))
        .expect_err("b is missing");
    assert_eq!(err.kind(), "field-not-found");
    let enc = rt
        .block_on(masker(false).encrypt_json(text, &["a", "b"], &ctx()))
        .expect("missing allowed");
    assert_eq!(blank_messages(&enc), r#"{"a": "X"}"#);
}

#[test]
fn bad_input_is_a_typed_error() {
    let m = masker(true);
    let rt = rt();
    let err = rt
        .block_on(m.encrypt_json(r#"{"a": "x",}"#, &["a"], &ctx()))
        .expect_err("trailing comma");
    assert_eq!(err.kind(), "invalid-json");
    let err = rt
        .block_on(m.decrypt_json(r#"{"a": 5}"#, &["a"], &ctx()))
        .expect_err("not a string");
    assert_eq!(err.kind(), "decrypt-value");
    let err = rt
        .block_on(m.decrypt_json(r#"{"a": "bm90IGEgbWVzc2FnZQ=="}"#, &["a"], &ctx()))
        .expect_err("not a message");
    assert_eq!(err.kind(), "decrypt-value");
    let none = DataMasking::new();
    let err = rt
        .block_on(none.encrypt_json(r#"{"a": "x"}"#, &["a"], &ctx()))
        .expect_err("no keyring");
    assert_eq!(err.kind(), "config");
}

#[test]
fn whole_texts_lose_only_their_whitespace_outside_strings() {
    let m = masker(true);
    let rt = rt();
    let text = " {\"a\" : \"x \\\" y\\\\\", \"b\":[ 1 ,\n\t2.50e0 ], \"c\": \"\\u00e9 \\n\" }\r\n";
    let ct = rt.block_on(m.encrypt_text(text, &ctx())).expect("encrypt");
    assert_eq!(
        rt.block_on(m.decrypt_text(&ct, &ctx())).expect("decrypt"),
        "{\"a\":\"x \\\" y\\\\\",\"b\":[1,2.50e0],\"c\":\"\\u00e9 \\n\"}"
    );
    assert_eq!(
        rt.block_on(m.decrypt(&ct, &ctx())).expect("decrypt"),
        serde_json::from_str::<Value>(text).expect("JSON")
    );
    let err = rt
        .block_on(m.encrypt_text("[1, 2", &ctx()))
        .expect_err("unclosed");
    assert_eq!(err.kind(), "invalid-json");
    // A message whose plaintext is not JSON: decrypt_text refuses it as decrypt does.
    let message = rt
        .block_on(m.encrypt_bytes(b"not json", &ctx()))
        .expect("encrypt_bytes");
    let err = rt
        .block_on(m.decrypt_text(&STANDARD.encode(message), &ctx()))
        .expect_err("not JSON");
    assert_eq!(err.kind(), "decrypt-value");
}
