//! `#[derive(Sensitive)]` sealing: `seal_typed` / `unseal_typed` round trips through JSON text,
//! the sealed JSON (placeholders, readable signed fields, one message), tampering with a signed
//! field or a placeholder, the struct's context entries, fields the record lacks, the untyped
//! API reading a typed seal, and `encrypt_typed` ignoring `#[sign]`.

#![allow(missing_docs, clippy::struct_field_names)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::keys::RawAesKeyring;
use data_masking::{
    DataMasking, Encrypted, EncryptionContext, Error, SEAL_CONTEXT_KEY, Sealed, Sensitive,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

fn masker() -> DataMasking {
    DataMasking::builder()
        .keyring(RawAesKeyring::new("tests", "seal", &[0x24; 32]).expect("keyring"))
        .build()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

fn ctx() -> EncryptionContext {
    EncryptionContext::new([("tenant", "acme")]).expect("context")
}

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
struct Order {
    id: u32,
    #[encrypt]
    card: String,
    #[sign]
    total: u64,
}

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
#[serde(rename_all = "camelCase")]
#[sensitive(context(purpose = "billing", customer = customer_id))]
struct Customer {
    customer_id: String,
    name: String,
    #[mask]
    #[encrypt]
    ssn: String,
    #[sign]
    credit_limit: u32,
    #[sign]
    #[mask(dynamic)]
    email: String,
    #[sensitive]
    orders: Vec<Order>,
}

fn customer() -> Customer {
    Customer {
        customer_id: "c-42".into(),
        name: "Jo".into(),
        ssn: "123-45-6789".into(),
        credit_limit: 500,
        email: "jo@example.com".into(),
        orders: vec![
            Order {
                id: 1,
                card: "4111 1111 1111 1111".into(),
                total: 10,
            },
            Order {
                id: 2,
                card: "5500 0000 0000 0004".into(),
                total: 99,
            },
        ],
    }
}

/// `c` sealed, written as JSON text and read back, as a store would keep it.
fn sealed(c: &Customer) -> Sealed<Customer> {
    let sealed = block_on(masker().seal_typed(c, &ctx())).expect("seal_typed");
    let text = serde_json::to_string(&sealed).expect("to_string");
    let read: Sealed<Customer> = serde_json::from_str(&text).expect("from_str");
    assert_eq!(read, sealed);
    read
}

/// `json` edited and read back as a sealed customer.
fn edited(sealed: &Sealed<Customer>, edit: impl FnOnce(&mut Value)) -> Sealed<Customer> {
    let mut json: Value = serde_json::from_str(&serde_json::to_string(sealed).unwrap()).unwrap();
    edit(&mut json);
    serde_json::from_value(json).expect("from_value")
}

fn unseal(sealed: &Sealed<Customer>) -> Result<Customer, Error> {
    block_on(masker().unseal_typed(sealed, &ctx()))
}

#[test]
fn the_signed_paths_are_described_through_nested_types() {
    let fields = Customer::sensitive_fields();
    let signed: Vec<String> = fields.signed().map(ToString::to_string).collect();
    assert_eq!(signed, ["creditLimit", "email", "orders[*].total"]);
    let encrypted: Vec<String> = fields.encrypted().map(|(p, _)| p.to_string()).collect();
    assert_eq!(encrypted, ["ssn", "orders[*].card"]);
    // `#[sign]` adds no mask: `email` keeps its own.
    let masked: Vec<String> = fields.masked().map(|(p, _)| p.to_string()).collect();
    assert_eq!(masked, ["ssn", "email"]);
    let seal = fields.seal().expect("seal");
    assert_eq!(
        seal.bindings().collect::<Vec<_>>(),
        [("customer", "customerId")]
    );
}

#[test]
fn a_sealed_record_round_trips_through_json_text() {
    let c = customer();
    assert_eq!(unseal(&sealed(&c)).expect("unseal_typed"), c);
}

#[test]
fn the_sealed_json_holds_placeholders_and_readable_signed_fields() {
    let sealed = sealed(&customer());
    let json = sealed.as_json();
    assert_eq!(json["ssn"], json!({"__encrypted": "$['ssn']"}));
    assert_eq!(
        json["orders"][0]["card"],
        json!({"__encrypted": "$['orders'][0]['card']"})
    );
    assert_eq!(
        json["orders"][1]["card"],
        json!({"__encrypted": "$['orders'][1]['card']"})
    );
    assert_eq!(json["creditLimit"], 500);
    assert_eq!(json["email"], "jo@example.com");
    assert_eq!(json["orders"][1]["total"], 99);
    assert_eq!(json["orders"][1]["id"], 2);
    assert_eq!(json["customerId"], "c-42");
    assert!(json["__sealed"].is_string());
    let text = json.to_string();
    for secret in ["6789", "4111", "5500"] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    // Debug masks what is readable and shows no message.
    let debug = format!("{sealed:?}");
    assert!(debug.starts_with("Sealed<Customer>("), "{debug}");
    assert!(debug.contains(r#""email":"**********.***""#), "{debug}");
    assert!(debug.contains(r#""__sealed":"<message>""#), "{debug}");
    assert!(
        debug.contains(r#""ssn":{"__encrypted":"$['ssn']"}"#),
        "{debug}"
    );
}

#[test]
fn the_message_is_bound_to_the_callers_context_the_struct_entries_and_the_version() {
    let sealed = sealed(&customer());
    let message = STANDARD
        .decode(sealed.as_json()["__sealed"].as_str().unwrap())
        .unwrap();
    let mut full = ctx();
    full.insert("purpose", "billing").unwrap();
    full.insert("customer", "c-42").unwrap();
    full.insert(SEAL_CONTEXT_KEY, "1").unwrap();
    let plaintext = block_on(masker().decrypt_bytes(&message, &full)).expect("decrypt_bytes");
    let layout: Value = serde_json::from_slice(&plaintext).unwrap();
    assert_eq!(layout["encrypt"], json!(["ssn", "orders[*].card"]));
    assert_eq!(
        layout["sign"],
        json!(["creditLimit", "email", "orders[*].total"])
    );
    assert_eq!(
        layout["values"]["$['orders'][1]['card']"],
        "5500 0000 0000 0004"
    );

    // Another caller context does not unseal.
    let other = EncryptionContext::new([("tenant", "other")]).unwrap();
    let err = block_on(masker().unseal_typed(&sealed, &other)).unwrap_err();
    assert_eq!(err.kind(), "context-mismatch");
    // Nor does the record once its bound field is changed.
    let moved = edited(&sealed, |j| j["customerId"] = json!("c-43"));
    assert_eq!(unseal(&moved).unwrap_err().kind(), "context-mismatch");
    // A caller context that sets a key the struct declares is refused.
    let clash = EncryptionContext::new([("purpose", "other")]).unwrap();
    let err = block_on(masker().seal_typed(&customer(), &clash)).unwrap_err();
    assert_eq!(err.kind(), "invalid-context");
}

#[test]
fn an_edited_signed_field_is_detected() {
    let sealed = sealed(&customer());
    for (edit, at) in [
        (
            Box::new(|j: &mut Value| j["creditLimit"] = json!(90_000)) as Box<dyn Fn(&mut Value)>,
            "$['creditLimit']",
        ),
        (
            Box::new(|j: &mut Value| j["orders"][1]["total"] = json!(1)),
            "$['orders'][1]['total']",
        ),
        (
            Box::new(|j: &mut Value| j["email"] = json!("eve@example.com")),
            "$['email']",
        ),
    ] {
        let err = unseal(&edited(&sealed, edit)).unwrap_err();
        assert_eq!(err.kind(), "record-tampered");
        match err {
            Error::RecordTampered { path, reason } => {
                assert_eq!(path, at);
                assert_eq!(reason, "a signed value was changed");
            }
            other => panic!("{other:?}"),
        }
    }
    // A field neither signed nor encrypted is not protected.
    let renamed = edited(&sealed, |j| j["name"] = json!("Joe"));
    assert_eq!(unseal(&renamed).expect("unseal").name, "Joe");
}

#[test]
fn swapped_placeholders_are_detected() {
    let sealed = sealed(&customer());
    let swapped = edited(&sealed, |j| {
        let a = j["orders"][0]["card"].take();
        j["orders"][0]["card"] = j["orders"][1]["card"].take();
        j["orders"][1]["card"] = a;
    });
    let err = unseal(&swapped).unwrap_err();
    assert_eq!(err.kind(), "record-tampered");
    assert_eq!(
        err.to_string(),
        "record tampered at $['orders'][0]['card']: a placeholder was moved here: it names \
         $['orders'][1]['card']"
    );
    // Swapping whole orders moves their placeholders too.
    let reordered = edited(&sealed, |j| {
        j["orders"].as_array_mut().unwrap().swap(0, 1);
    });
    assert_eq!(unseal(&reordered).unwrap_err().kind(), "record-tampered");
}

#[test]
fn fields_the_record_lacks_are_not_an_error() {
    #[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
    struct Account {
        #[sign]
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[sensitive]
        primary: Option<Order>,
        #[sensitive]
        orders: Vec<Order>,
    }
    let m = masker();
    // The masker raises on missing fields for the untyped API; the type decides here.
    assert!(m.raise_on_missing_field());
    let empty = Account {
        note: None,
        primary: None,
        orders: Vec::new(),
    };
    let sealed = block_on(m.seal_typed(&empty, &ctx())).expect("seal_typed");
    assert_eq!(
        sealed
            .as_json()
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect::<std::collections::BTreeSet<_>>(),
        // Member order follows serde_json's map (sorted, or as inserted with preserve_order).
        ["__sealed", "orders", "primary"].into_iter().collect()
    );
    assert_eq!(
        block_on(m.unseal_typed(&sealed, &ctx())).expect("unseal"),
        empty
    );

    // A signed field added where there was none is detected.
    let mut added = sealed.into_json();
    added["note"] = json!("hi");
    let err = block_on(m.unseal_typed(&Sealed::<Account>::from_json(added), &ctx())).unwrap_err();
    assert_eq!(err.kind(), "record-tampered");
}

#[test]
fn a_type_with_nothing_to_seal_is_refused() {
    #[derive(Serialize, Deserialize, Sensitive)]
    struct Login {
        #[mask]
        password: String,
    }
    let err = block_on(masker().seal_typed(
        &Login {
            password: "x".into(),
        },
        &ctx(),
    ))
    .unwrap_err();
    assert_eq!(err.kind(), "empty-fields");
}

#[test]
fn the_untyped_api_reads_a_typed_seal_and_the_other_way_round() {
    let m = masker();
    let c = customer();
    let fields = Customer::sensitive_fields();
    let seal = fields.seal().unwrap();
    let context = fields.seal_context(&ctx()).unwrap();

    let typed = sealed(&c);
    let plain = block_on(m.unseal(typed.as_json(), &seal, &context)).expect("unseal");
    assert_eq!(plain, serde_json::to_value(&c).unwrap());

    let untyped =
        block_on(m.seal(&serde_json::to_value(&c).unwrap(), &seal, &context)).expect("seal");
    assert_eq!(
        unseal(&Sealed::from_json(untyped)).expect("unseal_typed"),
        c
    );
}

#[test]
fn encrypted_records_still_encrypt_field_by_field_and_ignore_sign() {
    let m = masker();
    let c = customer();
    let stored: Encrypted<Customer> = block_on(m.encrypt_typed(&c)).expect("encrypt_typed");
    let json = stored.as_json();
    assert!(json["ssn"].as_str().is_some_and(|s| s.len() > 100));
    assert!(
        json["orders"][1]["card"]
            .as_str()
            .is_some_and(|s| s.len() > 100)
    );
    assert_eq!(json["creditLimit"], 500);
    assert!(json.get("__sealed").is_none());
    assert_eq!(
        block_on(m.decrypt_typed(&stored)).expect("decrypt_typed"),
        c
    );
}
