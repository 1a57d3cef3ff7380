//! Typed encryption against Powertools Python: an `Encrypted<Customer>` written by Rust is
//! decrypted field by field by Powertools' `DataMasking.decrypt` (each field with its own
//! context, field binding included), and a record whose fields Powertools encrypted with those
//! contexts is read back into `Customer` by `decrypt_typed`.

#![allow(missing_docs, clippy::struct_field_names)]

use data_masking::keys::RawAesKeyring;
use data_masking::typed::FIELD_BINDING_KEY;
use data_masking::{AlgorithmSuite, DataMasking, Encrypted, Encryptor, Sensitive};
use data_masking_tests::{py_script, python, run_python_json};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const KEY: [u8; 32] = [0x11; 32];
const KEY_B64: &str = "ERERERERERERERERERERERERERERERERERERERERERE=";

#[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug, Clone)]
#[serde(rename_all = "camelCase")]
#[sensitive(context(purpose = "billing"))]
struct Customer {
    customer_id: String,
    tenant_id: String,
    name: String,
    #[encrypt(context(tenant_id))]
    address: Address,
    #[mask]
    #[encrypt(context(record = customer_id))]
    phone: Option<String>,
    #[encrypt(unbound)]
    tags: Vec<String>,
    #[sensitive]
    orders: Vec<Order>,
}

#[derive(Serialize, Deserialize, PartialEq, Debug, Clone)]
struct Address {
    street: String,
    zip: u32,
}

#[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug, Clone)]
struct Order {
    order_id: String,
    #[encrypt(context(order_id))]
    card: String,
    amount: f64,
}

fn customer() -> Customer {
    Customer {
        customer_id: "c-42".into(),
        tenant_id: "acme".into(),
        name: "José Ñúñez".into(),
        address: Address {
            street: "1 Rúa Mayor".into(),
            zip: 15_001,
        },
        phone: Some("+34 600 000 000".into()),
        tags: vec!["vip".into(), "ünïcode ✓".into()],
        orders: vec![
            Order {
                order_id: "o-1".into(),
                card: "4111 1111 1111 1111".into(),
                amount: 12.5,
            },
            Order {
                order_id: "o-2".into(),
                card: "5500 0000 0000 0004".into(),
                amount: 99.0,
            },
        ],
    }
}

fn keys() -> Value {
    json!([{"namespace": "interop", "name": "typed", "key": KEY_B64}])
}

fn masker(suite: AlgorithmSuite) -> DataMasking {
    DataMasking::builder()
        .encryptor(
            Encryptor::builder(RawAesKeyring::new("interop", "typed", &KEY).expect("keyring"))
                .algorithm_suite(suite)
                .build()
                .expect("masker"),
        )
        .build()
}

/// Every encrypted location of the customer's JSON: a JSON pointer and the context Powertools
/// must be given for it (the documented recipe, written out by hand).
fn locations(c: &Customer) -> Vec<(String, Value)> {
    let mut out = vec![
        (
            "/address".to_owned(),
            json!({"purpose": "billing", "tenantId": c.tenant_id, FIELD_BINDING_KEY: "address"}),
        ),
        (
            "/phone".to_owned(),
            json!({"purpose": "billing", "record": c.customer_id, FIELD_BINDING_KEY: "phone"}),
        ),
        ("/tags".to_owned(), json!({"purpose": "billing"})),
    ];
    for (i, o) in c.orders.iter().enumerate() {
        out.push((
            format!("/orders/{i}/card"),
            json!({"order_id": o.order_id, FIELD_BINDING_KEY: "orders[*].card"}),
        ));
    }
    out
}

#[test]
fn powertools_decrypts_each_field_of_an_encrypted_record() {
    let Some(python) = python() else {
        return;
    };
    let c = customer();
    let plain = serde_json::to_value(&c).expect("json");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for suite in [
        AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
        AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    ] {
        let stored = rt
            .block_on(masker(suite).encrypt_typed(&c))
            .expect("encrypt_typed");
        let json = serde_json::to_value(&stored).expect("stored json");
        assert_eq!(json["name"], "José Ñúñez");
        for (pointer, context) in locations(&c) {
            let ct = json.pointer(&pointer).expect("located").clone();
            assert!(ct.is_string(), "{pointer}: {ct}");
            cases.push(json!({
                "op": "powertools_decrypt", "keys": keys(), "ciphertext": ct, "context": context,
            }));
            expected.push((pointer.clone(), plain.pointer(&pointer).cloned()));
            // The same ciphertext with the binding left out is refused by Powertools too.
            if let Some(mut unbound) = context.as_object().cloned()
                && unbound.remove(FIELD_BINDING_KEY).is_some()
            {
                cases.push(json!({
                    "op": "powertools_decrypt", "keys": keys(), "ciphertext": ct,
                    "context": Value::Object(unbound),
                }));
                expected.push((format!("{pointer} without binding"), None));
            }
        }
    }
    let answers = run_python_json(&python, &py_script("esdk_oracle.py"), &Value::Array(cases));
    let answers = answers.as_array().expect("a list");
    assert_eq!(answers.len(), expected.len());
    for ((what, want), answer) in expected.iter().zip(answers) {
        match want {
            Some(want) => assert_eq!(&answer["ok"], want, "{what}: {answer}"),
            None => assert_eq!(
                answer["error"], "DataMaskingContextMismatchError",
                "{what}: {answer}"
            ),
        }
    }
}

#[test]
fn a_record_encrypted_by_powertools_decrypts_into_the_type() {
    let Some(python) = python() else {
        return;
    };
    let c = customer();
    let plain = serde_json::to_value(&c).expect("json");
    let mut cases = Vec::new();
    let places = locations(&c);
    for suite in ["0x0578", "0x0478"] {
        for (pointer, context) in &places {
            cases.push(json!({
                "op": "powertools_encrypt", "keys": keys(), "suite": suite,
                "value": plain.pointer(pointer).expect("value"), "context": context,
            }));
        }
    }
    let answers = run_python_json(&python, &py_script("esdk_oracle.py"), &Value::Array(cases));
    let answers = answers.as_array().expect("a list");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    // The default (signed-suite) masker reads both suites.
    let m = masker(AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384);
    for chunk in answers.chunks(places.len()) {
        let mut record = plain.clone();
        for ((pointer, _), answer) in places.iter().zip(chunk) {
            let ct = answer["ok"].as_str().unwrap_or_else(|| panic!("{answer}"));
            *record.pointer_mut(pointer).expect("located") = json!(ct);
        }
        let stored: Encrypted<Customer> =
            serde_json::from_str(&serde_json::to_string(&record).expect("text")).expect("read");
        let back = rt
            .block_on(m.decrypt_typed(&stored))
            .expect("decrypt_typed");
        assert_eq!(back, c);

        // Swapping two Powertools-encrypted cards between orders is caught by the order id.
        let mut swapped = record.clone();
        let first = record["orders"][0]["card"].clone();
        swapped["orders"][0]["card"] = record["orders"][1]["card"].clone();
        swapped["orders"][1]["card"] = first;
        let err = rt
            .block_on(m.decrypt_typed(&Encrypted::<Customer>::from_json(swapped)))
            .unwrap_err();
        assert_eq!(err.kind(), "context-mismatch");
    }
}
