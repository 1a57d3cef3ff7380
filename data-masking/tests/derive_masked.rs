//! `#[derive(Sensitive)]`: the masked view of every attribute form equals the untyped erase of
//! the same record (`erase_with` per field), and the untyped description matches the type.

#![allow(missing_docs, clippy::struct_field_names)]

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use data_masking::typed::{
    ContextEntry, ContextSource, EncryptRule, FIELD_BINDING_KEY, MaskRule, Masked,
};
use data_masking::{DataMasking, Mask, Sensitive};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The untyped oracle: `erase_with(to_value(x), [path], mask)` for each masked field in turn,
/// a field that matches nothing (an absent option, an empty list) left alone.
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

/// The typed view, through JSON text (the path a log line takes) and through `to_value`.
fn typed<T: Sensitive>(x: &T) -> Value {
    let text = serde_json::to_string(&x.masked()).expect("to_string");
    let via_value = serde_json::to_value(x.masked()).expect("to_value");
    let parsed: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(parsed, via_value);
    parsed
}

fn assert_equal<T: Serialize + Sensitive>(x: &T) -> Value {
    let t = typed(x);
    assert_eq!(t, untyped(x));
    t
}

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
#[sensitive(debug, context(purpose = "billing"))]
struct Customer {
    customer_id: String,
    tenant_id: String,
    #[mask]
    ssn: String,
    #[mask(dynamic)]
    email: String,
    #[mask(custom = "XXXX")]
    pin: u32,
    #[mask(regex = r"^(\d{4}) .*$", format = "$1 **** **** ****")]
    card_number: String,
    #[encrypt(context(tenant_id))]
    address: Address,
    #[mask]
    #[encrypt]
    phone: Option<String>,
    #[sensitive]
    orders: Vec<Order>,
}

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
struct Address {
    street: String,
    #[mask(custom = "XXXXX")]
    postcode: String,
}

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
struct Order {
    order_id: String,
    amount: f64,
    #[mask(regex = r"\d{4} \d{4} \d{4} (\d{4})", format = r"**** **** **** \1")]
    card: String,
}

fn customer() -> Customer {
    Customer {
        customer_id: "c-1".into(),
        tenant_id: "acme".into(),
        ssn: "123-45-6789".into(),
        email: "jo.doe@example.com".into(),
        pin: 1234,
        card_number: "4111 1111 1111 1111".into(),
        address: Address {
            street: "221B Baker Street".into(),
            postcode: "NW1 6XE".into(),
        },
        phone: Some("+44 20".into()),
        orders: vec![
            Order {
                order_id: "o-1".into(),
                amount: 19.99,
                card: "5500 0000 0000 0004".into(),
            },
            Order {
                order_id: "o-2".into(),
                amount: 1.0,
                card: "no card".into(),
            },
        ],
    }
}

#[test]
fn customer_masked_view() {
    let c = customer();
    let v = assert_equal(&c);
    assert_eq!(
        v,
        json!({
            "customerId": "c-1",
            "tenantId": "acme",
            "ssn": "*****",
            "email": "**.***********.***",
            "pin": "XXXX",
            "cardNumber": "4111 **** **** ****",
            "address": {"street": "221B Baker Street", "postcode": "NW1 6XE"},
            "phone": "*****",
            "orders": [
                {"order_id": "o-1", "amount": 19.99, "card": "**** **** **** 0004"},
                {"order_id": "o-2", "amount": 1.0, "card": "no card"}
            ]
        })
    );
    // Key order is serde's.
    let text = serde_json::to_string(&c.masked()).unwrap();
    let plain = serde_json::to_string(&c).unwrap();
    let keys = |t: &str| -> Vec<String> {
        serde_json::from_str::<serde_json::Map<String, Value>>(t)
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(keys(&text), keys(&plain));
    assert!(text.starts_with(r#"{"customerId":"c-1","tenantId":"acme","ssn":"*****""#));
}

#[test]
fn phone_none_is_masked_like_null() {
    let mut c = customer();
    c.phone = None;
    c.orders.clear();
    let v = assert_equal(&c);
    assert_eq!(v["phone"], "*****");
    assert_eq!(v["orders"], json!([]));
}

#[test]
fn debug_and_display_never_show_masked_values() {
    let c = customer();
    let debug = format!("{c:?}");
    let pretty = format!("{c:#?}");
    let display = c.masked().to_string();
    for out in [&debug, &pretty, &display] {
        for secret in [
            "123-45-6789",
            "jo.doe",
            "1234",
            "1111 1111",
            "+44",
            "0000 0004",
        ] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
    }
    assert!(debug.starts_with(r#"Customer { customerId: "c-1", tenantId: "acme", ssn: "*****""#));
    assert!(pretty.contains("\n    ssn: \"*****\",\n"));
    assert_eq!(format!("{:?}", c.masked()), debug);
    assert_eq!(
        display,
        serde_json::to_string(&c.masked()).expect("JSON"),
        "Display is the masked JSON"
    );
}

#[test]
fn customer_description() {
    const PURPOSE: ContextEntry = ContextEntry {
        key: "purpose",
        source: ContextSource::Literal("billing"),
    };
    const ADDRESS: &[ContextEntry] = &[
        PURPOSE,
        ContextEntry {
            key: "tenantId",
            source: ContextSource::Field("tenantId"),
        },
    ];
    let fields = Customer::sensitive_fields();
    let described: Vec<(String, Option<MaskRule>, Option<EncryptRule>)> = fields
        .iter()
        .map(|f| (f.path.to_string(), f.mask, f.encrypt))
        .collect();
    assert_eq!(
        described,
        vec![
            ("ssn".into(), Some(MaskRule::Default), None),
            ("email".into(), Some(MaskRule::Dynamic), None),
            ("pin".into(), Some(MaskRule::Custom("XXXX")), None),
            (
                "cardNumber".into(),
                Some(MaskRule::Regex {
                    pattern: r"^(\d{4}) .*$",
                    format: "$1 **** **** ****"
                }),
                None
            ),
            (
                "address".into(),
                None,
                Some(EncryptRule {
                    context: ADDRESS,
                    bound: true
                })
            ),
            (
                "phone".into(),
                Some(MaskRule::Default),
                Some(EncryptRule {
                    context: &[PURPOSE],
                    bound: true
                })
            ),
            (
                "orders[*].card".into(),
                Some(MaskRule::Regex {
                    pattern: r"\d{4} \d{4} \d{4} (\d{4})",
                    format: r"**** **** **** \1"
                }),
                None
            ),
        ]
    );
    // Nested types' own rules are not applied by a field that is not #[sensitive].
    assert!(
        !fields
            .iter()
            .any(|f| f.path.to_string().contains("postcode"))
    );
    assert_eq!(
        fields.encrypt_fields().expect("fields").len(),
        2,
        "address and phone"
    );
    assert_eq!(
        fields.masking_rules()["cardNumber"],
        json!({"regex_pattern": r"^(\d{4}) .*$", "mask_format": "$1 **** **** ****"})
    );
    // The helper erase equals the masked view.
    let c = customer();
    assert_eq!(
        fields.erase(&serde_json::to_value(&c).unwrap()).unwrap(),
        typed(&c)
    );
    assert_eq!(FIELD_BINDING_KEY, "data-masking:field");
}

// ---- serde attributes ----

#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes a reference
fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[allow(dead_code)]
#[derive(Serialize, Sensitive)]
#[serde(rename = "Renamed", rename_all = "SCREAMING-KEBAB-CASE")]
struct SerdeForms {
    #[serde(rename = "e-mail")]
    #[mask(dynamic)]
    email: String,
    #[serde(skip)]
    internal: u8,
    #[serde(skip_serializing)]
    cache: Vec<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[mask]
    nickname: Option<String>,
    #[serde(skip_serializing_if = "is_zero")]
    #[mask(custom = "##")]
    count: u32,
    #[serde(rename(serialize = "r#type", deserialize = "kind"))]
    r#type: String,
    plain_value: bool,
}

#[test]
fn serde_renames_and_skips() {
    let mut s = SerdeForms {
        email: "a.b@c".into(),
        internal: 1,
        cache: vec![1],
        nickname: None,
        count: 0,
        r#type: "t".into(),
        plain_value: true,
    };
    let v = assert_equal(&s);
    assert_eq!(
        v,
        json!({"e-mail": "*.***", "r#type": "t", "PLAIN-VALUE": true})
    );
    s.nickname = Some("nick".into());
    s.count = 12;
    let v = assert_equal(&s);
    assert_eq!(v["NICKNAME"], "*****");
    assert_eq!(v["COUNT"], "##");
    let paths: Vec<String> = SerdeForms::sensitive_fields()
        .iter()
        .map(|f| f.path.to_string())
        .collect();
    assert_eq!(paths, ["['e-mail']", "NICKNAME", "COUNT"]);
    // Debug of the view uses the serde names and the container's serde name.
    assert!(format!("{:?}", s.masked()).starts_with("Renamed {"));
}

#[derive(Serialize, Sensitive)]
#[serde(tag = "kind")]
struct Tagged {
    #[mask]
    secret: String,
}

#[test]
fn internally_tagged_struct() {
    let t = Tagged { secret: "s".into() };
    assert_eq!(
        assert_equal(&t),
        json!({"kind": "Tagged", "secret": "*****"})
    );
}

#[derive(Serialize, Sensitive)]
struct Flattened {
    #[mask]
    secret: String,
    #[serde(flatten)]
    extra: BTreeMap<String, Value>,
    #[serde(flatten)]
    meta: Meta,
}

#[derive(Serialize)]
struct Meta {
    version: u8,
}

#[test]
fn flatten_of_a_plain_field() {
    let f = Flattened {
        secret: "x".into(),
        extra: BTreeMap::from([("a".into(), json!(1)), ("b".into(), json!([true]))]),
        meta: Meta { version: 3 },
    };
    let text = serde_json::to_string(&f.masked()).unwrap();
    assert_eq!(text, r#"{"secret":"*****","a":1,"b":[true],"version":3}"#);
    assert_equal(&f);
}

mod as_hex {
    use serde::Serializer;

    #[allow(clippy::trivially_copy_pass_by_ref)]
    pub fn serialize<S: Serializer>(n: &u32, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{n:#x}"))
    }
}

#[allow(clippy::ref_option)]
fn upper<S: serde::Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&v.to_uppercase()),
        None => s.serialize_none(),
    }
}

#[derive(Serialize, Sensitive)]
struct With<T> {
    #[serde(with = "as_hex")]
    plain: u32,
    #[serde(serialize_with = "upper")]
    #[mask(dynamic)]
    masked: Option<String>,
    #[serde(with = "as_hex")]
    #[mask(regex = "^0x", format = "hex:")]
    code: u32,
    generic: T,
}

#[test]
fn serialize_with_and_with() {
    let w = With {
        plain: 255,
        masked: Some("ab-c".into()),
        code: 16,
        generic: (),
    };
    let v = assert_equal(&w);
    assert_eq!(
        v,
        json!({"plain": "0xff", "masked": "**-*", "code": "hex:10", "generic": null})
    );
}

// ---- nested containers ----

#[derive(Serialize, Sensitive, Clone, Debug)]
struct Item {
    sku: String,
    #[mask(dynamic)]
    serial: String,
}

#[derive(Serialize, Sensitive)]
struct Containers {
    #[sensitive]
    one: Item,
    #[sensitive]
    maybe: Option<Item>,
    #[sensitive]
    list: Vec<Item>,
    #[sensitive]
    nested_list: Vec<Vec<Item>>,
    #[sensitive]
    by_name: BTreeMap<String, Item>,
    #[sensitive]
    hashed: HashMap<u32, Option<Item>>,
    #[sensitive]
    boxed: Box<Item>,
    #[sensitive]
    array: [Item; 2],
    #[mask]
    masked_list: Vec<u8>,
    #[mask(dynamic)]
    masked_map: BTreeMap<String, Vec<f64>>,
    #[mask(custom = "??")]
    masked_item: Item,
}

fn item(n: u32) -> Item {
    Item {
        sku: format!("sku-{n}"),
        serial: format!("SN.{n}-x"),
    }
}

#[test]
fn nested_in_every_container() {
    let c = Containers {
        one: item(1),
        maybe: Some(item(2)),
        list: vec![item(3), item(4)],
        nested_list: vec![vec![item(5)], vec![]],
        by_name: BTreeMap::from([("a".into(), item(6))]),
        hashed: HashMap::from([(7, Some(item(7))), (8, None)]),
        boxed: Box::new(item(9)),
        array: [item(10), item(11)],
        masked_list: vec![1, 2, 3],
        masked_map: BTreeMap::from([("k".into(), vec![1.5, 20.0])]),
        masked_item: item(12),
    };
    let v = assert_equal(&c);
    assert_eq!(v["one"], json!({"sku": "sku-1", "serial": "**.*-*"}));
    assert_eq!(v["maybe"]["serial"], "**.*-*");
    assert_eq!(
        v["nested_list"],
        json!([[{"sku": "sku-5", "serial": "**.*-*"}], []])
    );
    assert_eq!(v["by_name"]["a"]["serial"], "**.*-*");
    assert_eq!(v["hashed"]["7"]["serial"], "**.*-*");
    assert_eq!(v["hashed"]["8"], Value::Null);
    assert_eq!(v["array"][1]["serial"], "**.**-*");
    assert_eq!(v["masked_list"], json!(["*****", "*****", "*****"]));
    assert_eq!(v["masked_map"], json!({"k": ["*.*", "**.*"]}));
    assert_eq!(v["masked_item"], json!({"sku": "??", "serial": "??"}));
    let paths: Vec<String> = Containers::sensitive_fields()
        .iter()
        .map(|f| f.path.to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "one.serial",
            "maybe.serial",
            "list[*].serial",
            "nested_list[*][*].serial",
            "by_name.*.serial",
            "hashed.*.serial",
            "boxed.serial",
            "array[*].serial",
            "masked_list",
            "masked_map",
            "masked_item",
        ]
    );
    let none = Containers {
        maybe: None,
        list: vec![],
        ..c
    };
    let v = assert_equal(&none);
    assert_eq!(v["maybe"], Value::Null);
}

#[test]
fn containers_of_sensitive_values_are_sensitive() {
    let items = vec![item(1), item(2)];
    assert_eq!(
        serde_json::to_value(items.masked()).unwrap(),
        json!([{"sku": "sku-1", "serial": "**.*-*"}, {"sku": "sku-2", "serial": "**.*-*"}])
    );
    assert_eq!(
        <Vec<Item>>::sensitive_fields()
            .iter()
            .next()
            .unwrap()
            .path
            .to_string(),
        "$[*].serial"
    );
    assert_eq!(untyped(&items), typed(&items));
    let masked: Masked<'_, [Item]> = Masked::new(&items[..]);
    assert_eq!(serde_json::to_value(masked).unwrap(), typed(&items));
}

// ---- generics and lifetimes ----

#[derive(Serialize, Sensitive)]
#[sensitive(debug)]
struct Envelope<'a, T, U: Clone>
where
    T: Clone,
{
    label: &'a str,
    #[mask(dynamic)]
    secret: T,
    #[sensitive]
    inner: Vec<U>,
    #[serde(skip)]
    _marker: std::marker::PhantomData<&'a ()>,
}

#[test]
fn generics_and_lifetimes() {
    let label = String::from("env");
    let e = Envelope {
        label: &label,
        secret: vec![123, 45],
        inner: vec![item(1)],
        _marker: std::marker::PhantomData,
    };
    let v = assert_equal(&e);
    assert_eq!(
        v,
        json!({"label": "env", "secret": ["***", "**"], "inner": [{"sku": "sku-1", "serial": "**.*-*"}]})
    );
    assert!(format!("{e:?}").contains(r#"secret: ["***", "**"]"#));
    let paths: Vec<String> = Envelope::<'_, String, Item>::sensitive_fields()
        .iter()
        .map(|f| f.path.to_string())
        .collect();
    assert_eq!(paths, ["secret", "inner[*].serial"]);
}

// ---- encryption declarations ----

#[derive(Serialize, Sensitive)]
#[sensitive(context("app-name" = "shop"))]
struct EncryptForms<'a> {
    record_id: String,
    region: &'a str,
    tenant: Cow<'a, str>,
    #[encrypt]
    a: String,
    #[encrypt(unbound)]
    b: String,
    #[encrypt(context(record_id, zone = region, purpose = "x", "owner-id" = tenant))]
    c: u64,
}

#[test]
fn encryption_recipes() {
    let fields = EncryptForms::sensitive_fields();
    let recipes: Vec<(String, &[ContextEntry], bool)> = fields
        .encrypted()
        .map(|(p, r)| (p.to_string(), r.context, r.bound))
        .collect();
    let app = ContextEntry {
        key: "app-name",
        source: ContextSource::Literal("shop"),
    };
    assert_eq!(recipes[0], ("a".into(), &[app][..], true));
    assert_eq!(recipes[1], ("b".into(), &[app][..], false));
    assert_eq!(
        recipes[2],
        (
            "c".into(),
            &[
                app,
                ContextEntry {
                    key: "record_id",
                    source: ContextSource::Field("record_id")
                },
                ContextEntry {
                    key: "zone",
                    source: ContextSource::Field("region")
                },
                ContextEntry {
                    key: "purpose",
                    source: ContextSource::Literal("x")
                },
                ContextEntry {
                    key: "owner-id",
                    source: ContextSource::Field("tenant")
                },
            ][..],
            true
        )
    );
    // Encrypted-only fields are not masked in the view.
    let e = EncryptForms {
        record_id: "r".into(),
        region: "eu",
        tenant: Cow::Borrowed("t"),
        a: "a".into(),
        b: "b".into(),
        c: 3,
    };
    assert_eq!(typed(&e), serde_json::to_value(&e).unwrap());
}

// ---- the equality, property-tested ----

#[derive(Serialize, Sensitive, Debug, Clone)]
struct Anything {
    #[mask]
    d: Value,
    #[mask(dynamic)]
    y: Value,
    #[mask(custom = "AB-CD")]
    c: Value,
    #[mask(regex = r"(\w)(\w*)", format = r"\1***")]
    r: Value,
    #[mask(regex = "[0-9]", format = "#")]
    digits: f64,
    #[mask(dynamic)]
    float32: f32,
    #[mask(custom = "XYZ")]
    int: i64,
    #[mask(dynamic)]
    flag: Option<bool>,
    #[mask(dynamic)]
    chars: Vec<char>,
    #[sensitive]
    nested: Vec<Item>,
    free: Value,
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        "[a-z0-9 ._-]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,3}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_item() -> impl Strategy<Value = Item> {
    ("\\PC{0,8}", "\\PC{0,8}").prop_map(|(sku, serial)| Item { sku, serial })
}

prop_compose! {
    fn arb_anything()(
        d in arb_json(), y in arb_json(), c in arb_json(), r in arb_json(),
        digits in any::<f64>(), float32 in any::<f32>(), int in any::<i64>(),
        flag in any::<Option<bool>>(), chars in prop::collection::vec(any::<char>(), 0..4),
        nested in prop::collection::vec(arb_item(), 0..3), free in arb_json(),
    ) -> Anything {
        Anything { d, y, c, r, digits, float32, int, flag, chars, nested, free }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn masked_equals_untyped_erase(x in arb_anything()) {
        prop_assert_eq!(typed(&x), untyped(&x));
    }

    #[test]
    fn masked_equals_untyped_erase_without_missing_fields(
        ssn in "\\PC{0,20}", email in "\\PC{0,30}", pin in any::<u32>(),
        card in "[0-9 ]{0,24}", phone in any::<Option<String>>(),
        street in "\\PC{0,10}", amount in any::<f64>(), ocard in "[0-9 ]{0,24}",
    ) {
        let c = Customer {
            customer_id: "c".into(),
            tenant_id: "t".into(),
            ssn, email, pin, card_number: card,
            address: Address { street, postcode: "p".into() },
            phone,
            orders: vec![Order { order_id: "o".into(), amount, card: ocard }],
        };
        // Every field is present, so the strict default (raise on a missing field) holds too.
        let masker = DataMasking::new();
        let mut value = serde_json::to_value(&c).unwrap();
        for (path, rule) in Customer::sensitive_fields().masked() {
            value = masker.erase_with(&value, &[path.to_string()], &rule.to_mask().unwrap()).unwrap();
        }
        prop_assert_eq!(typed(&c), value);
    }
}

#[test]
fn mask_kinds_map_to_untyped_masks() {
    assert!(matches!(MaskRule::Default.to_mask(), Ok(Mask::Default)));
    assert!(matches!(MaskRule::Dynamic.to_mask(), Ok(Mask::Dynamic)));
    assert!(matches!(
        MaskRule::Regex {
            pattern: "(",
            format: ""
        }
        .to_mask(),
        Err(data_masking::Error::InvalidMask(_))
    ));
}
