//! Typed encryption of a record holding enums (internally, externally and adjacently tagged)
//! against Powertools Python: each encrypted field of an `Encrypted<Customer>` written by Rust
//! is found by the path `sensitive_fields()` gives (what a Powertools user writes) and
//! decrypted by Powertools' `DataMasking.decrypt` with its context, whose field binding names
//! the variant; a record whose fields Powertools encrypted with those contexts is read back
//! into `Customer` by `decrypt_typed`, and a ciphertext moved to another variant is refused on
//! both sides.

#![allow(missing_docs, clippy::struct_field_names)]

use data_masking::keys::RawAesKeyring;
use data_masking::path::Field;
use data_masking::typed::FIELD_BINDING_KEY;
use data_masking::{DataMasking, Encrypted, Sensitive};
use data_masking_tests::{py_script, python, run_python_json};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const KEY: [u8; 32] = [0x11; 32];
const KEY_B64: &str = "ERERERERERERERERERERERERERERERERERERERERERE=";

#[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug, Clone)]
#[serde(rename_all = "camelCase")]
struct Customer {
    customer_id: String,
    #[sensitive]
    payment: Payment,
    #[sensitive]
    methods: Vec<Method>,
    #[sensitive]
    contact: Contact,
}

/// Internally tagged.
#[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug, Clone)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
enum Payment {
    CreditCard {
        holder_name: String,
        #[encrypt(context(holder_name))]
        card_number: String,
    },
    Bank {
        #[encrypt]
        iban: String,
    },
}

/// Externally tagged.
#[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug, Clone)]
enum Method {
    Card {
        #[encrypt]
        number: String,
    },
    Token(#[encrypt] String),
    Cash,
}

/// Adjacently tagged.
#[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug, Clone)]
#[serde(tag = "kind", content = "value")]
enum Contact {
    Email {
        #[encrypt]
        address: String,
    },
    Phone {
        #[encrypt]
        number: String,
    },
}

fn customer() -> Customer {
    Customer {
        customer_id: "c-42".into(),
        payment: Payment::CreditCard {
            holder_name: "José Ñúñez".into(),
            card_number: "4111 1111 1111 1111".into(),
        },
        methods: vec![
            Method::Card {
                number: "5500 0000 0000 0004".into(),
            },
            Method::Token("tok-ünïcode ✓".into()),
            Method::Cash,
        ],
        contact: Contact::Phone {
            number: "+34 600 000 000".into(),
        },
    }
}

fn keys() -> Value {
    json!([{"namespace": "interop", "name": "typed", "key": KEY_B64}])
}

fn masker() -> DataMasking {
    DataMasking::builder()
        .keyring(RawAesKeyring::new("interop", "typed", &KEY).expect("keyring"))
        .build()
}

/// The encrypted fields of the customer as a Powertools user writes them: the path of each
/// field and the context to decrypt it (the documented recipe, written out by hand).
fn recipe() -> Vec<(&'static str, Value)> {
    vec![
        (
            "payment.cardNumber",
            json!({"holderName": "José Ñúñez", FIELD_BINDING_KEY: "payment<creditCard>.cardNumber"}),
        ),
        (
            "methods[*].Card.number",
            json!({FIELD_BINDING_KEY: "methods[*].Card.number"}),
        ),
        (
            "methods[*].Token",
            json!({FIELD_BINDING_KEY: "methods[*].Token"}),
        ),
        (
            "contact.value.number",
            json!({FIELD_BINDING_KEY: "contact<Phone>.value.number"}),
        ),
    ]
}

/// The JSON pointers of the nodes `path` locates in `json`.
fn pointers(json: &Value, path: &str) -> Vec<String> {
    Field::parse(path)
        .expect("path")
        .path()
        .query_located(json)
        .iter()
        .map(|n| n.location().to_json_pointer())
        .collect()
}

#[test]
fn the_recipe_is_the_types_description() {
    let fields = Customer::sensitive_fields();
    let described: Vec<(String, String)> = fields
        .encrypted()
        .map(|(p, _)| (p.to_string(), p.binding()))
        .collect();
    for (path, context) in recipe() {
        let binding = context[FIELD_BINDING_KEY].as_str().expect("binding");
        assert!(
            described.contains(&(path.to_owned(), binding.to_owned())),
            "{path} {binding}: {described:?}"
        );
    }
}

#[test]
fn powertools_decrypts_each_field_of_an_encrypted_enum_record() {
    let Some(python) = python() else {
        return;
    };
    let c = customer();
    let plain = serde_json::to_value(&c).expect("json");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let stored = rt
        .block_on(masker().encrypt_typed(&c))
        .expect("encrypt_typed");
    let json = serde_json::to_value(&stored).expect("stored json");
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for (path, context) in recipe() {
        let located = pointers(&json, path);
        assert!(!located.is_empty(), "{path} locates nothing in {json}");
        for pointer in located {
            let ct = json.pointer(&pointer).expect("located").clone();
            assert!(ct.is_string(), "{pointer}: {ct}");
            cases.push(json!({
                "op": "powertools_decrypt", "keys": keys(), "ciphertext": ct, "context": context,
            }));
            expected.push((pointer.clone(), plain.pointer(&pointer).cloned()));
            // The binding of another variant at the same place is refused.
            if path == "contact.value.number" {
                let mut other = context.clone();
                other[FIELD_BINDING_KEY] = json!("contact<Email>.value.number");
                cases.push(json!({
                    "op": "powertools_decrypt", "keys": keys(), "ciphertext": ct, "context": other,
                }));
                expected.push((format!("{pointer} as Email"), None));
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
fn an_enum_record_encrypted_by_powertools_decrypts_into_the_type() {
    let Some(python) = python() else {
        return;
    };
    let c = customer();
    let plain = serde_json::to_value(&c).expect("json");
    let mut places = Vec::new();
    let mut cases = Vec::new();
    for (path, context) in recipe() {
        for pointer in pointers(&plain, path) {
            cases.push(json!({
                "op": "powertools_encrypt", "keys": keys(), "suite": "0x0578",
                "value": plain.pointer(&pointer).expect("value"), "context": context,
            }));
            places.push(pointer);
        }
    }
    let answers = run_python_json(&python, &py_script("esdk_oracle.py"), &Value::Array(cases));
    let answers = answers.as_array().expect("a list");
    let mut record = plain.clone();
    for (pointer, answer) in places.iter().zip(answers) {
        let ct = answer["ok"].as_str().unwrap_or_else(|| panic!("{answer}"));
        *record.pointer_mut(pointer).expect("located") = json!(ct);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let m = masker();
    let stored: Encrypted<Customer> =
        serde_json::from_str(&serde_json::to_string(&record).expect("text")).expect("read");
    assert_eq!(
        rt.block_on(m.decrypt_typed(&stored))
            .expect("decrypt_typed"),
        c
    );

    // The Phone number's ciphertext read as the Email address: the binding names the variant.
    let mut swapped = record.clone();
    swapped["contact"] =
        json!({"kind": "Email", "value": {"address": record["contact"]["value"]["number"]}});
    let err = rt
        .block_on(m.decrypt_typed(&Encrypted::<Customer>::from_json(swapped)))
        .unwrap_err();
    assert_eq!(err.kind(), "context-mismatch");
}
