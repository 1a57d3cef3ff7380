//! `#[derive(Sensitive)]` encryption: `encrypt_typed` / `decrypt_typed` round trips for every
//! attribute form, the per-field contexts (checked by decrypting each field untyped), field and
//! record binding (the swap tests), and the field binding of the untyped API.

#![allow(missing_docs, clippy::struct_field_names)]

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use data_masking::keys::RawAesKeyring;
use data_masking::typed::FIELD_BINDING_KEY;
use data_masking::{
    AlgorithmSuite, DataMasking, Encrypted, EncryptionContext, Encryptor, Sensitive,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

fn masker() -> DataMasking {
    DataMasking::builder()
        .keyring(RawAesKeyring::new("tests", "typed", &[0x42; 32]).expect("keyring"))
        .build()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

fn ctx<const N: usize>(pairs: [(&str, &str); N]) -> EncryptionContext {
    EncryptionContext::new(pairs).expect("context")
}

fn is_ciphertext(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() > 100 && s.starts_with('A'))
}

/// Encrypts and decrypts `x`; returns the stored JSON.
async fn round_trip<T>(m: &DataMasking, x: &T) -> Value
where
    T: Sensitive + Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let stored = m.encrypt_typed(x).await.expect("encrypt_typed");
    // Through JSON text, as a store would keep it.
    let text = serde_json::to_string(&stored).expect("to_string");
    let read: Encrypted<T> = serde_json::from_str(&text).expect("from_str");
    assert_eq!(read, stored);
    assert_eq!(&m.decrypt_typed(&read).await.expect("decrypt_typed"), x);
    stored.into_json()
}

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
#[serde(rename_all = "camelCase")]
#[sensitive(context(purpose = "billing"))]
struct Customer {
    customer_id: String,
    tenant_id: String,
    #[mask]
    ssn: String,
    #[encrypt(context(tenant_id))]
    address: Address,
    #[mask]
    #[encrypt(context(record = customer_id, source = "crm"))]
    phone: Option<String>,
    #[encrypt(unbound)]
    notes: Vec<String>,
    #[encrypt(context("tenant-key" = tenant_id))]
    #[serde(skip_serializing_if = "Option::is_none", default)]
    nickname: Option<String>,
    #[encrypt]
    limits: BTreeMap<String, u32>,
    #[sensitive]
    orders: Vec<Order>,
    #[sensitive]
    accounts: HashMap<String, Account>,
    #[sensitive]
    primary: Option<Order>,
}

#[derive(Serialize, Deserialize, Clone, PartialEq, Debug)]
struct Address {
    street: String,
    zip: u32,
}

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
struct Order {
    order_id: String,
    #[encrypt(context(order_id))]
    card: String,
    amount: u32,
}

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
struct Account {
    #[mask(dynamic)]
    #[encrypt]
    iban: String,
}

/// The error `decrypt_typed` gives for a stored `T` that must not decrypt.
async fn refusal<T>(m: &DataMasking, stored: Value) -> data_masking::Error
where
    T: Sensitive + DeserializeOwned + std::fmt::Debug,
{
    m.decrypt_typed(&Encrypted::<T>::from_json(stored))
        .await
        .expect_err("must not decrypt")
}

fn customer(id: &str) -> Customer {
    Customer {
        customer_id: id.into(),
        tenant_id: "acme".into(),
        ssn: "123-45-6789".into(),
        address: Address {
            street: "1 Main St".into(),
            zip: 81_846,
        },
        phone: Some("+1 555 0100".into()),
        notes: vec!["vip".into(), "pays late".into()],
        nickname: Some("Jo".into()),
        limits: BTreeMap::from([("daily".into(), 500)]),
        orders: vec![
            Order {
                order_id: "o-1".into(),
                card: "4111 1111 1111 1111".into(),
                amount: 10,
            },
            Order {
                order_id: "o-2".into(),
                card: "5500 0000 0000 0004".into(),
                amount: 20,
            },
        ],
        accounts: HashMap::from([(
            "main".to_owned(),
            Account {
                iban: "DE89 3704 0044 0532 0130 00".into(),
            },
        )]),
        primary: Some(Order {
            order_id: "o-9".into(),
            card: "3400 0000 0000 009".into(),
            amount: 1,
        }),
    }
}

#[test]
fn customer_round_trips_and_every_field_has_its_own_message() {
    block_on(async {
        let m = masker();
        let c = customer("c-1");
        let stored = round_trip(&m, &c).await;

        // Plain fields stay plain; masked-only fields are stored plain (masks are for logs).
        assert_eq!(stored["customerId"], "c-1");
        assert_eq!(stored["ssn"], "123-45-6789");
        assert_eq!(stored["orders"][0]["amount"], 10);
        assert_eq!(stored["orders"][1]["order_id"], "o-2");
        for field in ["address", "phone", "notes", "nickname", "limits"] {
            assert!(is_ciphertext(&stored[field]), "{field}: {}", stored[field]);
        }
        assert!(is_ciphertext(&stored["orders"][0]["card"]));
        assert!(is_ciphertext(&stored["orders"][1]["card"]));
        assert!(is_ciphertext(&stored["accounts"]["main"]["iban"]));
        assert!(is_ciphertext(&stored["primary"]["card"]));

        // Each field decrypts untyped with exactly the documented context.
        let cases: Vec<(&str, Value, EncryptionContext, Value)> = vec![
            (
                "address",
                stored["address"].clone(),
                ctx([
                    ("purpose", "billing"),
                    ("tenantId", "acme"),
                    (FIELD_BINDING_KEY, "address"),
                ]),
                json!({"street": "1 Main St", "zip": 81846}),
            ),
            (
                "phone",
                stored["phone"].clone(),
                ctx([
                    ("purpose", "billing"),
                    ("record", "c-1"),
                    ("source", "crm"),
                    (FIELD_BINDING_KEY, "phone"),
                ]),
                json!("+1 555 0100"),
            ),
            (
                "notes (unbound)",
                stored["notes"].clone(),
                ctx([("purpose", "billing")]),
                json!(["vip", "pays late"]),
            ),
            (
                "nickname",
                stored["nickname"].clone(),
                ctx([
                    ("purpose", "billing"),
                    ("tenant-key", "acme"),
                    (FIELD_BINDING_KEY, "nickname"),
                ]),
                json!("Jo"),
            ),
            (
                "orders[1].card",
                stored["orders"][1]["card"].clone(),
                ctx([("order_id", "o-2"), (FIELD_BINDING_KEY, "orders[*].card")]),
                json!("5500 0000 0000 0004"),
            ),
            (
                "accounts.main.iban",
                stored["accounts"]["main"]["iban"].clone(),
                ctx([(FIELD_BINDING_KEY, "accounts.*.iban")]),
                json!("DE89 3704 0044 0532 0130 00"),
            ),
            (
                "primary.card",
                stored["primary"]["card"].clone(),
                ctx([("order_id", "o-9"), (FIELD_BINDING_KEY, "primary.card")]),
                json!("3400 0000 0000 009"),
            ),
        ];
        for (name, ct, context, want) in cases {
            let ct = ct.as_str().expect("a ciphertext");
            assert_eq!(m.decrypt(ct, &context).await.expect(name), want, "{name}");
        }
    });
}

#[test]
fn absent_and_null_fields() {
    block_on(async {
        let m = masker();
        let mut c = customer("c-2");
        c.phone = None;
        c.nickname = None;
        c.primary = None;
        c.orders.clear();
        c.accounts.clear();
        let stored = round_trip(&m, &c).await;
        // None is encrypted like any value (a reader can't tell it was unset) ...
        assert!(is_ciphertext(&stored["phone"]));
        let phone = stored["phone"].as_str().expect("ciphertext");
        let context = ctx([
            ("purpose", "billing"),
            ("record", "c-2"),
            ("source", "crm"),
            (FIELD_BINDING_KEY, "phone"),
        ]);
        assert_eq!(
            m.decrypt(phone, &context).await.expect("phone"),
            Value::Null
        );
        // ... a member serde leaves out stays out, and an absent nested record has nothing.
        assert!(stored.get("nickname").is_none());
        assert_eq!(stored["primary"], Value::Null);
        assert_eq!(stored["orders"], json!([]));
    });
}

#[test]
fn both_algorithm_suites() {
    block_on(async {
        let m = DataMasking::builder()
            .encryptor(
                Encryptor::builder(
                    RawAesKeyring::new("tests", "typed", &[0x42; 32]).expect("keyring"),
                )
                .algorithm_suite(AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY)
                .build()
                .expect("masker"),
            )
            .build();
        round_trip(&m, &customer("c-3")).await;
        // The signed default reads the unsigned suite's messages and vice versa.
        let stored = m.encrypt_typed(&customer("c-3")).await.expect("encrypt");
        assert_eq!(
            masker().decrypt_typed(&stored).await.expect("decrypt"),
            customer("c-3")
        );
    });
}

#[test]
fn a_ciphertext_moved_to_another_field_fails_with_context_mismatch() {
    block_on(async {
        let m = masker();
        let stored = m
            .encrypt_typed(&customer("c-1"))
            .await
            .expect("encrypt")
            .into_json();

        // phone <-> nickname: both strings, different bindings (and contexts).
        let mut swapped = stored.clone();
        swapped["phone"] = stored["nickname"].clone();
        swapped["nickname"] = stored["phone"].clone();
        let err = refusal::<Customer>(&m, swapped).await;
        assert_eq!(err.kind(), "context-mismatch", "{err}");

        // Two elements of the same declared field swapped *with their order ids* still read
        // (the binding is the declared path `orders[*].card`, so reordering is fine) ...
        let mut reordered = stored.clone();
        reordered["orders"] = json!([stored["orders"][1], stored["orders"][0]]);
        let back = m
            .decrypt_typed(&Encrypted::<Customer>::from_json(reordered))
            .await
            .expect("reordered");
        assert_eq!(back.orders[0].order_id, "o-2");
        assert_eq!(back.orders[0].card, "5500 0000 0000 0004");

        // ... but a card moved to the other order (another order_id) fails.
        let mut moved = stored.clone();
        moved["orders"][0]["card"] = stored["orders"][1]["card"].clone();
        let err = refusal::<Customer>(&m, moved).await;
        assert_eq!(err.kind(), "context-mismatch", "{err}");

        // The nested card moved to `primary` (same sibling value, other declared path) fails
        // on the path binding alone.
        let mut moved = stored.clone();
        moved["primary"]["order_id"] = json!("o-1");
        moved["primary"]["card"] = stored["orders"][0]["card"].clone();
        let err = refusal::<Customer>(&m, moved).await;
        assert_eq!(err.kind(), "context-mismatch", "{err}");
    });
}

#[test]
fn a_ciphertext_moved_to_another_record_fails_with_context_mismatch() {
    block_on(async {
        let m = masker();
        let one = m
            .encrypt_typed(&customer("c-1"))
            .await
            .expect("one")
            .into_json();
        let two = m
            .encrypt_typed(&customer("c-2"))
            .await
            .expect("two")
            .into_json();
        // phone is bound to the record by context(record = customer_id).
        let mut forged = two.clone();
        forged["phone"] = one["phone"].clone();
        let err = refusal::<Customer>(&m, forged).await;
        assert_eq!(err.kind(), "context-mismatch", "{err}");

        // Changing the plain sibling the context reads breaks the field too.
        let mut edited = one.clone();
        edited["customerId"] = json!("c-2");
        let err = refusal::<Customer>(&m, edited).await;
        assert_eq!(err.kind(), "context-mismatch", "{err}");

        // address is bound to the tenant and the field, not the record: it moves between
        // records of one tenant (declare a record-id context to prevent that).
        let mut moved = two.clone();
        moved["address"] = one["address"].clone();
        assert!(
            m.decrypt_typed(&Encrypted::<Customer>::from_json(moved))
                .await
                .is_ok()
        );
    });
}

#[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
struct Pair {
    #[encrypt(unbound)]
    a: String,
    #[encrypt(unbound)]
    b: String,
    #[encrypt]
    c: String,
    #[encrypt]
    d: String,
}

#[test]
fn unbound_fields_can_be_swapped_bound_ones_cannot() {
    block_on(async {
        let m = masker();
        let p = Pair {
            a: "A".into(),
            b: "B".into(),
            c: "C".into(),
            d: "D".into(),
        };
        let stored = round_trip(&m, &p).await;

        let mut swapped = stored.clone();
        swapped["a"] = stored["b"].clone();
        swapped["b"] = stored["a"].clone();
        let back = m
            .decrypt_typed(&Encrypted::<Pair>::from_json(swapped))
            .await
            .expect("an unbound swap is not detected");
        assert_eq!((back.a.as_str(), back.b.as_str()), ("B", "A"));

        let mut swapped = stored.clone();
        swapped["c"] = stored["d"].clone();
        swapped["d"] = stored["c"].clone();
        let err = refusal::<Pair>(&m, swapped).await;
        assert_eq!(err.kind(), "context-mismatch", "{err}");

        // Unbound to bound is detected too (the contexts differ).
        let mut swapped = stored.clone();
        swapped["c"] = stored["a"].clone();
        let err = refusal::<Pair>(&m, swapped).await;
        assert_eq!(err.kind(), "context-mismatch", "{err}");
    });
}

#[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
struct Envelope<T> {
    id: String,
    #[encrypt(context(id))]
    payload: T,
    #[sensitive]
    items: Vec<T>,
}

#[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
struct Borrowing<'a> {
    id: Cow<'a, str>,
    #[encrypt(context(id))]
    secret: u64,
}

#[test]
fn generics_and_lifetimes() {
    block_on(async {
        let m = masker();
        let e = Envelope {
            id: "e-1".into(),
            payload: Order {
                order_id: "o-1".into(),
                card: "4111".into(),
                amount: 3,
            },
            items: vec![Order {
                order_id: "o-2".into(),
                card: "5500".into(),
                amount: 4,
            }],
        };
        let stored = round_trip(&m, &e).await;
        // The payload is one message (its inner card is not encrypted twice); the items'
        // cards are encrypted in place.
        assert!(is_ciphertext(&stored["payload"]));
        assert!(is_ciphertext(&stored["items"][0]["card"]));
        let payload = m
            .decrypt(
                stored["payload"].as_str().expect("ct"),
                &ctx([("id", "e-1"), (FIELD_BINDING_KEY, "payload")]),
            )
            .await
            .expect("payload");
        assert_eq!(payload["card"], "4111");

        let b = Borrowing {
            id: Cow::Borrowed("b-1"),
            secret: 42,
        };
        let stored = m.encrypt_typed(&b).await.expect("encrypt");
        let text = serde_json::to_string(&stored).expect("text");
        let read: Encrypted<Borrowing<'static>> = serde_json::from_str(&text).expect("read");
        let back: Borrowing<'static> = m.decrypt_typed(&read).await.expect("decrypt");
        assert_eq!(back.secret, 42);
        assert_eq!(back.id, "b-1");
    });
}

#[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
struct Outer {
    name: String,
    #[encrypt]
    #[sensitive]
    inner: Inner,
}

#[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
struct Inner {
    #[encrypt]
    x: String,
    #[mask]
    y: String,
}

#[test]
fn an_encrypted_nested_record_is_one_message() {
    block_on(async {
        let m = masker();
        let o = Outer {
            name: "n".into(),
            inner: Inner {
                x: "secret".into(),
                y: "hidden".into(),
            },
        };
        let stored = round_trip(&m, &o).await;
        let inner = m
            .decrypt(
                stored["inner"].as_str().expect("ct"),
                &ctx([(FIELD_BINDING_KEY, "inner")]),
            )
            .await
            .expect("inner");
        assert_eq!(inner, json!({"x": "secret", "y": "hidden"}));
    });
}

#[test]
fn a_list_of_records_at_the_root() {
    block_on(async {
        let m = masker();
        let list = vec![customer("c-1"), customer("c-2")];
        let stored = round_trip(&m, &list).await;
        assert!(is_ciphertext(&stored[1]["address"]));
        let address = m
            .decrypt(
                stored[1]["address"].as_str().expect("ct"),
                &ctx([
                    ("purpose", "billing"),
                    ("tenantId", "acme"),
                    (FIELD_BINDING_KEY, "$[*].address"),
                ]),
            )
            .await
            .expect("address");
        assert_eq!(address["street"], "1 Main St");
    });
}

#[test]
fn debug_shows_no_plain_value() {
    block_on(async {
        let m = masker();
        let stored = m.encrypt_typed(&customer("c-1")).await.expect("encrypt");
        let debug = format!("{stored:?}");
        assert!(debug.starts_with("Encrypted<Customer>("), "{debug}");
        for secret in ["6789", "Main St", "555", "vip", "4111", "DE89", "3400"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(debug.contains(r#""ssn":"*****""#), "{debug}");
        assert!(debug.contains(r#""address":"<encrypted>""#), "{debug}");
        assert!(debug.contains(r#""customerId":"c-1""#), "{debug}");
        let cloned = stored.clone();
        assert_eq!(cloned, stored);
    });
}

#[test]
fn malformed_stored_records() {
    block_on(async {
        let m = masker();
        let stored = m
            .encrypt_typed(&customer("c-1"))
            .await
            .expect("encrypt")
            .into_json();

        let mut bad = stored.clone();
        bad["address"] = json!({"street": "plain", "zip": 1});
        let err = refusal::<Customer>(&m, bad).await;
        assert_eq!(err.kind(), "decrypt-value", "{err}");

        let mut bad = stored.clone();
        bad["address"] = json!("not a message");
        let err = refusal::<Customer>(&m, bad).await;
        assert_eq!(err.kind(), "decrypt-value", "{err}");

        // A context sibling that is gone: an invalid context, naming the field.
        let mut bad = stored.clone();
        bad.as_object_mut().expect("object").remove("tenantId");
        let err = refusal::<Customer>(&m, bad).await;
        assert_eq!(err.kind(), "invalid-context", "{err}");
        assert!(err.to_string().contains("tenantId"), "{err}");

        // A plain member of the wrong type: the error does not quote the value.
        let mut bad = stored.clone();
        bad["orders"][0]["amount"] = json!("4111-secret");
        let err = refusal::<Customer>(&m, bad).await;
        assert_eq!(err.kind(), "decrypt-value", "{err}");
        assert!(!err.to_string().contains("4111"), "{err}");

        // Without a keyring: a configuration error.
        let err = DataMasking::new()
            .encrypt_typed(&customer("c-1"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "config");
    });
}

#[test]
fn untyped_field_binding() {
    block_on(async {
        let m = masker();
        let context = ctx([("tenant", "acme")]);
        let data = json!({
            "card": "4111",
            "pin": 1234,
            "orders": [{"card": "1"}, {"card": "2"}],
        });
        let fields = ["card", "pin", "orders[*].card"];
        let enc = m
            .encrypt_fields_bound(&data, &fields, &context)
            .await
            .expect("encrypt");
        assert!(is_ciphertext(&enc["card"]) && is_ciphertext(&enc["orders"][1]["card"]));
        assert_eq!(
            m.decrypt_fields_bound(&enc, &fields, &context)
                .await
                .expect("decrypt"),
            data
        );
        // The binding value is the expression as written.
        let one = enc["orders"][1]["card"].as_str().expect("ct");
        let bound = ctx([("tenant", "acme"), (FIELD_BINDING_KEY, "orders[*].card")]);
        assert_eq!(m.decrypt(one, &bound).await.expect("one"), "2");

        // Swapping card and pin is detected; the unbound API would not notice.
        let mut swapped = enc.clone();
        swapped["card"] = enc["pin"].clone();
        swapped["pin"] = enc["card"].clone();
        let err = m
            .decrypt_fields_bound(&swapped, &fields, &context)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "context-mismatch");
        let plain = m
            .encrypt_fields(&data, &["card", "pin"], &context)
            .await
            .expect("unbound");
        let mut swapped = plain.clone();
        swapped["card"] = plain["pin"].clone();
        swapped["pin"] = plain["card"].clone();
        let back = m
            .decrypt_fields(&swapped, &["card", "pin"], &context)
            .await
            .expect("unbound swap goes unnoticed");
        assert_eq!(
            (&back["card"], &back["pin"]),
            (&json!(1234), &json!("4111"))
        );

        // The caller may not set the binding key; missing fields follow the option.
        let err = m
            .encrypt_fields_bound(&data, &fields, &ctx([(FIELD_BINDING_KEY, "x")]))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "invalid-context");
        let err = m
            .encrypt_fields_bound(&data, &["nope"], &context)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "field-not-found");
        let err = m
            .decrypt_fields_bound(&json!({"card": 1}), &["card"], &context)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "decrypt-value");
    });
}

#[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
#[sensitive(context(app = "shop"))]
struct Static {
    id: String,
    #[encrypt]
    card: String,
    #[sensitive]
    orders: Vec<Account>,
}

#[test]
fn typed_and_untyped_bound_read_each_other_with_static_contexts() {
    block_on(async {
        let m = masker();
        let s = Static {
            id: "s".into(),
            card: "4111".into(),
            orders: vec![Account {
                iban: "DE00".into(),
            }],
        };
        let paths: Vec<String> = Static::sensitive_fields()
            .encrypted()
            .map(|(p, _)| p.to_string())
            .collect();
        assert_eq!(paths, ["card", "orders[*].iban"]);
        let context = ctx([("app", "shop")]);

        // typed -> untyped: only the container's context is static here.
        let stored = m.encrypt_typed(&s).await.expect("typed");
        let card = m
            .decrypt_fields_bound(stored.as_json(), &["card"], &context)
            .await
            .expect("card");
        assert_eq!(card["card"], "4111");

        // untyped -> typed
        let plain = serde_json::to_value(&s).expect("json");
        let enc = m
            .encrypt_fields_bound(&plain, &["card"], &context)
            .await
            .expect("untyped");
        // The nested iban's recipe has no container context of its own (Account declares
        // none), so encrypt it with the binding alone.
        let enc = m
            .encrypt_fields_bound(&enc, &["orders[*].iban"], &EncryptionContext::empty())
            .await
            .expect("untyped nested");
        let back = m
            .decrypt_typed(&Encrypted::<Static>::from_json(enc))
            .await
            .expect("typed read");
        assert_eq!(back, s);
    });
}
