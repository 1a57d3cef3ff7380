//! `#[derive(Sensitive)]` on enums under serde's four representations, on newtypes, tuple
//! structs and unit structs: the masked view equals the untyped erase by `sensitive_fields()`
//! (property tests for each tagging), the paths are those of the JSON, and `encrypt_typed` /
//! `decrypt_typed` round trip with a field binding that names the variant.

#![allow(missing_docs, clippy::struct_field_names)]

use data_masking::keys::RawAesKeyring;
use data_masking::typed::FIELD_BINDING_KEY;
use data_masking::{DataMasking, Encrypted, EncryptionContext, Sealed, Sensitive};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The untyped oracle: `erase_with(to_value(x), [path], mask)` for each masked field in turn.
fn untyped<T: Serialize + Sensitive>(x: &T) -> Value {
    let masker = DataMasking::builder().raise_on_missing_field(false).build();
    let mut value = serde_json::to_value(x).expect("to_value");
    for (path, rule) in T::sensitive_fields().masked() {
        let mask = rule.to_mask().expect("mask");
        value = masker
            .erase_with(&value, &[path.to_string()], &mask)
            .expect("erase");
    }
    value
}

/// The typed view, through JSON text and through `to_value`, which must agree.
fn typed<T: Sensitive>(x: &T) -> Value {
    let text = serde_json::to_string(&x.masked()).expect("to_string");
    let via_value = serde_json::to_value(x.masked()).expect("to_value");
    let parsed: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(parsed, via_value);
    parsed
}

fn paths<T: Sensitive>() -> Vec<String> {
    T::sensitive_fields()
        .iter()
        .map(|f| f.path.to_string())
        .collect()
}

fn bindings<T: Sensitive>() -> Vec<String> {
    T::sensitive_fields()
        .encrypted()
        .map(|(p, _)| p.binding())
        .collect()
}

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

/// Encrypts and decrypts `x` through JSON text; returns the stored JSON.
async fn round_trip<T>(m: &DataMasking, x: &T) -> Value
where
    T: Sensitive + Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let stored = m.encrypt_typed(x).await.expect("encrypt_typed");
    let text = serde_json::to_string(&stored).expect("to_string");
    let read: Encrypted<T> = serde_json::from_str(&text).expect("from_str");
    assert_eq!(&m.decrypt_typed(&read).await.expect("decrypt_typed"), x);
    stored.into_json()
}

fn is_ciphertext(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() > 100 && s.starts_with('A'))
}

// ---- the models ----

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
struct Inner {
    id: String,
    #[mask(dynamic)]
    #[encrypt]
    secret: String,
}

/// Externally tagged (serde's default).
#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq)]
#[serde(rename_all = "snake_case")]
#[sensitive(debug)]
enum External {
    CreditCard {
        #[mask(regex = r"^(\d{4}).*$", format = "$1 ****")]
        #[encrypt(context(holder))]
        number: String,
        holder: String,
        #[mask(dynamic)]
        #[serde(skip_serializing_if = "Option::is_none")]
        cvv: Option<String>,
        #[sign]
        limit: u32,
    },
    #[serde(rename = "iban")]
    Bank {
        #[mask(dynamic)]
        #[encrypt]
        iban: String,
        bic: Option<String>,
    },
    Token(
        #[mask]
        #[encrypt]
        String,
    ),
    Pair(#[mask(custom = "XX")] u32, String, #[sensitive] Inner),
    Wallet(#[sensitive] Inner),
    Cash,
    Plain {
        note: String,
    },
}

/// Internally tagged, with renamed variants and fields.
#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
enum Internal {
    CreditCard {
        #[mask]
        #[encrypt]
        card_number: String,
        holder_name: String,
    },
    Bank {
        #[mask(dynamic)]
        #[encrypt(context(holder_name))]
        iban: String,
        holder_name: String,
    },
    Gift {
        #[mask]
        #[encrypt]
        card_number: String,
    },
    Wallet(#[sensitive] Inner),
    Cash,
}

/// Adjacently tagged.
#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
#[serde(tag = "t", content = "c")]
enum Adjacent {
    Card {
        #[mask]
        #[encrypt]
        number: String,
        holder: String,
    },
    Gift {
        #[mask]
        #[encrypt]
        number: String,
    },
    Pair(#[mask(dynamic)] String, u32),
    Wallet(#[sensitive] Inner),
    Cash,
}

/// Untagged.
#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
#[serde(untagged)]
enum Untagged {
    Card {
        #[mask]
        #[encrypt]
        number: String,
        holder: String,
    },
    Bank {
        #[mask(dynamic)]
        #[encrypt]
        iban: String,
        bic: String,
    },
    Pair(#[mask(custom = "XX")] String, u32),
    Id(u64),
}

/// A record holding one of each.
#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
struct Record {
    id: String,
    #[sensitive]
    external: External,
    #[sensitive]
    internal: Internal,
    #[sensitive]
    adjacent: Vec<Adjacent>,
    #[sensitive]
    untagged: Option<Untagged>,
}

// ---- newtypes, tuple and unit structs ----

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
#[mask(dynamic)]
struct Email(String);

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
struct CardNumber(
    #[mask(regex = r"^(\d{4}).*$", format = "$1 ****")]
    #[encrypt]
    String,
);

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
struct Point(
    #[mask] String,
    u32,
    #[serde(skip)] u8,
    #[mask(custom = "YY")] String,
);

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
struct Unit;

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
struct Plain(u32, String);

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq)]
#[sensitive(debug)]
struct User {
    name: String,
    #[sensitive]
    email: Email,
    #[sensitive]
    emails: Vec<Email>,
    #[sensitive]
    card: CardNumber,
    #[sensitive]
    point: Point,
    unit: Unit,
    plain: Plain,
}

fn user() -> User {
    User {
        name: "jo".into(),
        email: Email("jo.doe@example.com".into()),
        emails: vec![Email("a.b@c.d".into())],
        card: CardNumber("4111 1111 1111 1111".into()),
        point: Point("x".into(), 7, 0, "abc".into()),
        unit: Unit,
        plain: Plain(1, "p".into()),
    }
}

#[test]
fn newtypes_tuple_and_unit_structs() {
    let u = user();
    assert_eq!(
        typed(&u),
        json!({
            "name": "jo",
            "email": "**.***********.***",
            "emails": ["*.***.*"],
            "card": "4111 ****",
            "point": ["*****", 7, "YY"],
            "unit": null,
            "plain": [1, "p"],
        })
    );
    assert_eq!(typed(&u), untyped(&u));
    assert_eq!(
        paths::<User>(),
        ["email", "emails[*]", "card", "point[0]", "point[2]"]
    );
    assert_eq!(paths::<Email>(), ["$"]);
    assert_eq!(paths::<Point>(), ["$[0]", "$[2]"]);
    assert!(Unit::sensitive_fields().is_empty() && Plain::sensitive_fields().is_empty());
    assert_eq!(typed(&Email("a-b".into())), json!("*-*"));
    let debug = format!("{u:?}");
    assert!(
        !debug.contains("example") && !debug.contains("1111"),
        "{debug}"
    );
    assert_eq!(
        format!("{:?}", Email("a.b".into()).masked()),
        r#"Email("*.*")"#
    );
}

#[test]
fn newtypes_encrypt_and_decrypt() {
    let m = masker();
    block_on(async {
        let stored = round_trip(&m, &user()).await;
        assert!(is_ciphertext(&stored["card"]), "{stored}");
        assert_eq!(stored["email"], "jo.doe@example.com");
        let card = round_trip(&m, &CardNumber("4111".into())).await;
        assert!(is_ciphertext(&card));
        let ctx = EncryptionContext::new([(FIELD_BINDING_KEY, "card")]).unwrap();
        assert_eq!(
            m.decrypt(stored["card"].as_str().unwrap(), &ctx)
                .await
                .unwrap(),
            "4111 1111 1111 1111"
        );
    });
}

#[test]
fn external_paths_and_view() {
    assert_eq!(
        paths::<External>(),
        [
            "credit_card.number",
            "credit_card.cvv",
            "iban.iban",
            "token",
            "pair[0]",
            "pair[2].secret",
            "wallet.secret",
        ]
    );
    let signed: Vec<String> = External::sensitive_fields()
        .signed()
        .map(ToString::to_string)
        .collect();
    assert_eq!(signed, ["credit_card.limit"]);
    let card = External::CreditCard {
        number: "4111 1111".into(),
        holder: "Jo".into(),
        cvv: Some("123".into()),
        limit: 5,
    };
    assert_eq!(
        typed(&card),
        json!({"credit_card": {"number": "4111 ****", "holder": "Jo", "cvv": "***", "limit": 5}})
    );
    assert_eq!(
        format!("{card:?}"),
        r#"credit_card { number: "4111 ****", holder: "Jo", cvv: "***", limit: 5 }"#
    );
    assert_eq!(typed(&External::Cash), json!("cash"));
    assert_eq!(
        typed(&External::Token("t".into())),
        json!({"token": "*****"})
    );
}

#[test]
fn internal_adjacent_untagged_paths_and_bindings() {
    assert_eq!(
        paths::<Internal>(),
        ["cardNumber", "iban", "cardNumber", "secret"]
    );
    assert_eq!(
        bindings::<Internal>(),
        [
            "<creditCard>cardNumber",
            "<bank>iban",
            "<gift>cardNumber",
            "<wallet>secret"
        ]
    );
    assert_eq!(
        paths::<Adjacent>(),
        ["c.number", "c.number", "c[0]", "c.secret"]
    );
    assert_eq!(
        bindings::<Adjacent>(),
        ["<Card>c.number", "<Gift>c.number", "<Wallet>c.secret"]
    );
    assert_eq!(paths::<Untagged>(), ["number", "iban", "$[0]"]);
    assert_eq!(bindings::<Untagged>(), ["<Card>number", "<Bank>iban"]);
    // A path two variants share with one mask is one untyped rule.
    assert_eq!(
        Internal::sensitive_fields().masking_rules(),
        json!({"cardNumber": {}, "iban": {"dynamic_mask": true}, "secret": {"dynamic_mask": true}})
    );
    assert_eq!(Internal::sensitive_fields().masked().count(), 3);
    assert_eq!(
        paths::<Record>()[..3],
        [
            "external.credit_card.number",
            "external.credit_card.cvv",
            "external.iban.iban"
        ]
    );
    let mut nested = data_masking::typed::FieldPath::root();
    nested.push(data_masking::path::Step::name("adjacent"));
    let binding: Vec<String> = Record::sensitive_fields()
        .encrypted()
        .map(|(p, _)| p.binding())
        .filter(|b| b.starts_with("adjacent"))
        .collect();
    assert_eq!(
        binding,
        [
            "adjacent[*]<Card>.c.number",
            "adjacent[*]<Gift>.c.number",
            "adjacent[*]<Wallet>.c.secret"
        ]
    );
}

#[test]
fn every_variant_is_written_as_serde_writes_it() {
    let inner = Inner {
        id: "i".into(),
        secret: "s-1".into(),
    };
    assert_eq!(
        typed(&Internal::Wallet(inner.clone())),
        json!({"type": "wallet", "id": "i", "secret": "*-*"})
    );
    assert_eq!(typed(&Internal::Cash), json!({"type": "cash"}));
    assert_eq!(
        typed(&Adjacent::Pair("a-b".into(), 3)),
        json!({"t": "Pair", "c": ["*-*", 3]})
    );
    assert_eq!(
        typed(&Adjacent::Card {
            number: "1".into(),
            holder: "h".into()
        }),
        json!({"t": "Card", "c": {"number": "*****", "holder": "h"}})
    );
    assert_eq!(
        typed(&Adjacent::Wallet(inner.clone())),
        json!({"t": "Wallet", "c": {"id": "i", "secret": "*-*"}})
    );
    assert_eq!(typed(&Adjacent::Cash), json!({"t": "Cash"}));
    assert_eq!(typed(&Untagged::Pair("abc".into(), 2)), json!(["XX", 2]));
    assert_eq!(typed(&Untagged::Id(5)), json!(5));
    assert_eq!(
        typed(&External::Pair(1, "x".into(), inner)),
        json!({"pair": ["X", "x", {"id": "i", "secret": "*-*"}]})
    );
}

// ---- property tests: masked() equals the untyped erase, for each tagging ----

fn arb_inner() -> impl Strategy<Value = Inner> {
    ("\\PC{0,6}", "\\PC{0,10}").prop_map(|(id, secret)| Inner { id, secret })
}

fn arb_external() -> impl Strategy<Value = External> {
    prop_oneof![
        (
            "[0-9 ]{0,20}",
            "\\PC{0,8}",
            any::<Option<String>>(),
            any::<u32>()
        )
            .prop_map(|(number, holder, cvv, limit)| External::CreditCard {
                number,
                holder,
                cvv,
                limit
            }),
        ("\\PC{0,20}", any::<Option<String>>())
            .prop_map(|(iban, bic)| External::Bank { iban, bic }),
        "\\PC{0,8}".prop_map(External::Token),
        (any::<u32>(), "\\PC{0,8}", arb_inner()).prop_map(|(a, b, c)| External::Pair(a, b, c)),
        arb_inner().prop_map(External::Wallet),
        Just(External::Cash),
        "\\PC{0,8}".prop_map(|note| External::Plain { note }),
    ]
}

fn arb_internal() -> impl Strategy<Value = Internal> {
    prop_oneof![
        ("\\PC{0,20}", "\\PC{0,8}").prop_map(|(card_number, holder_name)| {
            Internal::CreditCard {
                card_number,
                holder_name,
            }
        }),
        ("\\PC{0,20}", "\\PC{0,8}")
            .prop_map(|(iban, holder_name)| Internal::Bank { iban, holder_name }),
        "\\PC{0,20}".prop_map(|card_number| Internal::Gift { card_number }),
        arb_inner().prop_map(Internal::Wallet),
        Just(Internal::Cash),
    ]
}

fn arb_adjacent() -> impl Strategy<Value = Adjacent> {
    prop_oneof![
        ("\\PC{0,20}", "\\PC{0,8}").prop_map(|(number, holder)| Adjacent::Card { number, holder }),
        "\\PC{0,20}".prop_map(|number| Adjacent::Gift { number }),
        ("\\PC{0,8}", any::<u32>()).prop_map(|(a, b)| Adjacent::Pair(a, b)),
        arb_inner().prop_map(Adjacent::Wallet),
        Just(Adjacent::Cash),
    ]
}

fn arb_untagged() -> impl Strategy<Value = Untagged> {
    prop_oneof![
        ("\\PC{0,20}", "\\PC{0,8}").prop_map(|(number, holder)| Untagged::Card { number, holder }),
        ("\\PC{0,20}", "\\PC{0,8}").prop_map(|(iban, bic)| Untagged::Bank { iban, bic }),
        ("\\PC{0,8}", any::<u32>()).prop_map(|(a, b)| Untagged::Pair(a, b)),
        any::<u64>().prop_map(Untagged::Id),
    ]
}

prop_compose! {
    fn arb_record()(
        id in "\\PC{0,6}",
        external in arb_external(),
        internal in arb_internal(),
        adjacent in prop::collection::vec(arb_adjacent(), 0..3),
        untagged in prop::option::of(arb_untagged()),
    ) -> Record {
        Record { id, external, internal, adjacent, untagged }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn external_masked_equals_untyped_erase(x in arb_external()) {
        prop_assert_eq!(typed(&x), untyped(&x));
    }

    #[test]
    fn internal_masked_equals_untyped_erase(x in arb_internal()) {
        prop_assert_eq!(typed(&x), untyped(&x));
    }

    #[test]
    fn adjacent_masked_equals_untyped_erase(x in arb_adjacent()) {
        prop_assert_eq!(typed(&x), untyped(&x));
    }

    #[test]
    fn untagged_masked_equals_untyped_erase(x in arb_untagged()) {
        prop_assert_eq!(typed(&x), untyped(&x));
    }

    #[test]
    fn record_masked_equals_untyped_erase(x in arb_record()) {
        prop_assert_eq!(typed(&x), untyped(&x));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn records_round_trip_through_encrypt_typed(x in arb_record()) {
        let m = masker();
        block_on(async {
            round_trip(&m, &x).await;
        });
    }
}

// ---- field binding names the variant ----

async fn refusal<T>(m: &DataMasking, stored: Value) -> data_masking::Error
where
    T: Sensitive + DeserializeOwned,
{
    match m.decrypt_typed(&Encrypted::<T>::from_json(stored)).await {
        Ok(_) => panic!("a moved ciphertext must not decrypt"),
        Err(e) => e,
    }
}

#[test]
fn a_ciphertext_does_not_move_between_variants() {
    let m = masker();
    block_on(async {
        // Internally tagged: creditCard and gift write `cardNumber` at the same path.
        let card = Internal::CreditCard {
            card_number: "4111".into(),
            holder_name: "Jo".into(),
        };
        let mut stored = round_trip(&m, &card).await;
        assert!(is_ciphertext(&stored["cardNumber"]));
        stored["type"] = json!("gift");
        stored.as_object_mut().unwrap().remove("holderName");
        let err = refusal::<Internal>(&m, stored).await;
        assert_eq!(err.kind(), "context-mismatch");

        // Adjacently tagged: the same.
        let card = Adjacent::Card {
            number: "4111".into(),
            holder: "Jo".into(),
        };
        let mut stored = round_trip(&m, &card).await;
        stored["t"] = json!("Gift");
        stored["c"].as_object_mut().unwrap().remove("holder");
        let err = refusal::<Adjacent>(&m, stored).await;
        assert_eq!(err.kind(), "context-mismatch");

        // Externally tagged: Card.number's ciphertext as Bank.iban.
        let card = External::CreditCard {
            number: "4111".into(),
            holder: "Jo".into(),
            cvv: None,
            limit: 1,
        };
        let stored = round_trip(&m, &card).await;
        let moved = json!({"iban": {"iban": stored["credit_card"]["number"], "bic": null}});
        let err = refusal::<External>(&m, moved).await;
        assert_eq!(err.kind(), "context-mismatch");

        // Untagged: Card.number's ciphertext as Bank.iban.
        let card = Untagged::Card {
            number: "4111".into(),
            holder: "Jo".into(),
        };
        let stored = round_trip(&m, &card).await;
        let moved = json!({"iban": stored["number"], "bic": "x"});
        let err = refusal::<Untagged>(&m, moved).await;
        assert_eq!(err.kind(), "context-mismatch");
    });
}

#[test]
fn each_field_decrypts_untyped_with_its_variant_binding() {
    let m = masker();
    block_on(async {
        let bank = Internal::Bank {
            iban: "DE89".into(),
            holder_name: "Jo".into(),
        };
        let stored = round_trip(&m, &bank).await;
        let ctx = EncryptionContext::new([(FIELD_BINDING_KEY, "<bank>iban"), ("holderName", "Jo")])
            .unwrap();
        assert_eq!(
            m.decrypt(stored["iban"].as_str().unwrap(), &ctx)
                .await
                .unwrap(),
            "DE89"
        );
    });
}

// ---- sealing ----

async fn seal_round_trip<T>(m: &DataMasking, x: &T) -> Value
where
    T: Sensitive + Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let ctx = EncryptionContext::empty();
    let sealed = m.seal_typed(x, &ctx).await.expect("seal_typed");
    let text = serde_json::to_string(&sealed).expect("to_string");
    let read: Sealed<T> = serde_json::from_str(&text).expect("from_str");
    assert_eq!(&m.unseal_typed(&read, &ctx).await.expect("unseal_typed"), x);
    sealed.into_json()
}

#[test]
fn the_tag_of_a_tagged_enum_is_signed() {
    let signed = |fields: data_masking::typed::SensitiveFields| -> Vec<String> {
        fields.signed().map(ToString::to_string).collect()
    };
    assert_eq!(signed(Internal::sensitive_fields()), ["type"]);
    assert_eq!(signed(Adjacent::sensitive_fields()), ["t"]);
    assert_eq!(signed(Untagged::sensitive_fields()), Vec::<String>::new());
    assert_eq!(
        signed(Record::sensitive_fields()),
        [
            "external.credit_card.limit",
            "internal.type",
            "adjacent[*].t"
        ]
    );
}

#[test]
fn sealed_enums_round_trip_and_keep_their_variant() {
    let m = masker();
    block_on(async {
        let ctx = EncryptionContext::empty();
        let card = Internal::CreditCard {
            card_number: "4111".into(),
            holder_name: "Jo".into(),
        };
        let json = seal_round_trip(&m, &card).await;
        assert_eq!(
            json["cardNumber"],
            json!({"__encrypted": "$['cardNumber']"})
        );
        assert_eq!(json["type"], "creditCard");

        // The variant changed to one with the same encrypted field: the signed tag says no.
        let mut swapped = json.clone();
        swapped["type"] = json!("gift");
        swapped.as_object_mut().unwrap().remove("holderName");
        let err = m
            .unseal_typed(&Sealed::<Internal>::from_json(swapped), &ctx)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "record-tampered");

        let card = External::CreditCard {
            number: "4111".into(),
            holder: "Jo".into(),
            cvv: None,
            limit: 5,
        };
        let json = seal_round_trip(&m, &card).await;
        assert_eq!(
            json["credit_card"]["number"],
            json!({"__encrypted": "$['credit_card']['number']"})
        );
        let mut raised = json.clone();
        raised["credit_card"]["limit"] = json!(5000);
        let err = m
            .unseal_typed(&Sealed::<External>::from_json(raised), &ctx)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "record-tampered");
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn records_round_trip_through_seal_typed(x in arb_record()) {
        let m = masker();
        block_on(async {
            seal_round_trip(&m, &x).await;
        });
    }
}

// ---- generics and lifetimes ----

#[derive(Serialize, Sensitive)]
#[serde(tag = "t", content = "c")]
enum Generic<'a, T, N> {
    Borrowed {
        #[mask(dynamic)]
        text: &'a str,
        value: T,
    },
    Nested(#[sensitive] N),
    Pair(#[mask] T, u8),
    Plain(T),
}

#[derive(Serialize, Sensitive)]
#[serde(untagged)]
enum GenericUntagged<T> {
    Values(#[mask] Vec<T>, u8),
    Other { plain: T },
}

#[derive(Serialize, Sensitive)]
struct Wrapper<'a, T>(#[mask(dynamic)] &'a str, T);

#[test]
fn generics_and_lifetimes() {
    let text = String::from("a-b");
    let inner = Inner {
        id: "i".into(),
        secret: "x.y".into(),
    };
    let borrowed: Generic<'_, u32, Inner> = Generic::Borrowed {
        text: &text,
        value: 7,
    };
    assert_eq!(
        typed(&borrowed),
        json!({"t": "Borrowed", "c": {"text": "*-*", "value": 7}})
    );
    assert_eq!(typed(&borrowed), untyped(&borrowed));
    let nested: Generic<'_, u32, Inner> = Generic::Nested(inner);
    assert_eq!(
        typed(&nested),
        json!({"t": "Nested", "c": {"id": "i", "secret": "*.*"}})
    );
    let pair: Generic<'_, u32, Inner> = Generic::Pair(5, 1);
    assert_eq!(typed(&pair), json!({"t": "Pair", "c": ["*****", 1]}));
    let plain: Generic<'_, u32, Inner> = Generic::Plain(3);
    assert_eq!(typed(&plain), json!({"t": "Plain", "c": 3}));
    assert_eq!(
        paths::<Generic<'_, u32, Inner>>(),
        ["c.text", "c.secret", "c[0]"]
    );
    let values = GenericUntagged::Values(vec![1, 2], 3);
    assert_eq!(typed(&values), json!([["*****", "*****"], 3]));
    assert_eq!(typed(&values), untyped(&values));
    assert_eq!(
        typed(&GenericUntagged::Other { plain: 4 }),
        json!({"plain": 4})
    );
    assert_eq!(typed(&Wrapper(&text, 2)), json!(["*-*", 2]));
}

// ---- an enum's context ----

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
#[serde(tag = "kind")]
#[sensitive(context(purpose = "billing"))]
enum Billed {
    Card {
        holder: String,
        #[encrypt(context(owner = holder))]
        number: String,
    },
}

#[test]
fn an_enums_literal_context_applies_to_every_variant_field() {
    use data_masking::typed::{ContextEntry, ContextSource};
    let fields = Billed::sensitive_fields();
    let (path, rule) = fields.encrypted().next().expect("one");
    assert_eq!(path.binding(), "<Card>number");
    assert_eq!(
        rule.context,
        &[
            ContextEntry {
                key: "purpose",
                source: ContextSource::Literal("billing")
            },
            ContextEntry {
                key: "owner",
                source: ContextSource::Field("holder")
            },
        ]
    );
    let m = masker();
    block_on(async {
        let card = Billed::Card {
            holder: "Jo".into(),
            number: "4111".into(),
        };
        let stored = round_trip(&m, &card).await;
        let ctx = EncryptionContext::new([
            ("purpose", "billing"),
            ("owner", "Jo"),
            (FIELD_BINDING_KEY, "<Card>number"),
        ])
        .unwrap();
        assert_eq!(
            m.decrypt(stored["number"].as_str().unwrap(), &ctx)
                .await
                .unwrap(),
            "4111"
        );
        // Another holder in the stored record: the context no longer matches.
        let mut moved = stored.clone();
        moved["holder"] = json!("Al");
        assert_eq!(
            refusal::<Billed>(&m, moved).await.kind(),
            "context-mismatch"
        );
        round_trip(&m, &card).await;
        let sealed = seal_round_trip(&m, &card).await;
        assert!(sealed["number"].is_object());
    });
}
