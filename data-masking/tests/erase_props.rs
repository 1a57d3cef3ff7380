//! Property tests of erase, and the deliberate differences from Powertools Python.

use std::fmt::Write as _;

use data_masking::{DataMasking, Fields, Mask};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_owned()),
        Just("b".to_owned()),
        Just("name".to_owned()),
        Just("1".to_owned()),
        Just("first-name".to_owned()),
        Just("a.b".to_owned()),
        "[a-z\\-_. 名]{0,6}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Field expressions without filters, built from the dialect's pieces.
fn field() -> impl Strategy<Value = String> {
    let seg = prop_oneof![
        Just(".a".to_owned()),
        Just(".b".to_owned()),
        Just(".name".to_owned()),
        Just(".1".to_owned()),
        Just(".first-name".to_owned()),
        Just(".'a.b'".to_owned()),
        Just("[0]".to_owned()),
        Just("[-1]".to_owned()),
        Just("[*]".to_owned()),
        Just(".*".to_owned()),
        Just("[0:2]".to_owned()),
        Just("[0,1]".to_owned()),
        Just("..name".to_owned()),
        Just("..a".to_owned()),
    ];
    prop::collection::vec(seg, 1..4).prop_map(|segs| format!("${}", segs.concat()))
}

fn mask() -> impl Strategy<Value = Mask> {
    prop_oneof![
        Just(Mask::Default),
        Just(Mask::Dynamic),
        "[A-Z#]{0,5}".prop_map(Mask::Custom),
        Just(Mask::regex(r"\w", "#").expect("regex")),
        Just(Mask::regex(r"^(.)(.*)$", r"\1***").expect("regex")),
    ]
}

/// Every JSON pointer of `v` (the root included).
fn pointers(v: &Value, prefix: &str, out: &mut Vec<String>) {
    out.push(prefix.to_owned());
    match v {
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, &format!("{prefix}/{i}"), out);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                let k = k.replace('~', "~0").replace('/', "~1");
                pointers(x, &format!("{prefix}/{k}"), out);
            }
        }
        _ => {}
    }
}

/// A bracket-notation field for a JSON pointer.
fn field_for(pointer: &str, v: &Value) -> String {
    let mut out = String::from("$");
    let mut cur = v;
    for raw in pointer.split('/').skip(1) {
        let tok = raw.replace("~1", "/").replace("~0", "~");
        match cur {
            Value::Array(a) => {
                let i: usize = tok.parse().expect("index");
                let _ = write!(out, "[{i}]");
                cur = &a[i];
            }
            Value::Object(o) => {
                let quoted = tok.replace('\\', "\\\\").replace('\'', "\\'");
                let _ = write!(out, "['{quoted}']");
                cur = &o[&tok];
            }
            _ => unreachable!(),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_fields(v in json_value(), f in "\\PC{0,20}", m in mask()) {
        let masker = DataMasking::builder().raise_on_missing_field(false).build();
        let _ = masker.erase_with(&v, &[f.as_str()], &m);
        let _ = masker.erase_json(&f, &["a"], &m);
    }

    #[test]
    fn never_panics_on_dialect_fields(v in json_value(), fs in prop::collection::vec(field(), 1..4), m in mask()) {
        let masker = DataMasking::new();
        let _ = masker.erase_with(&v, &fs, &m);
        let _ = masker.erase_all(&v, &m);
    }

    #[test]
    fn json_text_equals_value(v in json_value(), fs in prop::collection::vec(field(), 1..4), m in mask(), pretty in any::<bool>()) {
        let masker = DataMasking::builder().raise_on_missing_field(false).build();
        let text = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) }.unwrap();
        let out = masker.erase_json(&text, &fs, &m).expect("erase text");
        let parsed: Value = serde_json::from_str(&out).expect("output is JSON");
        let input: Value = serde_json::from_str(&text).expect("input is JSON");
        prop_assert_eq!(parsed, masker.erase_with(&input, &fs, &m).expect("erase value"));
    }

    #[test]
    fn default_mask_is_idempotent(v in json_value(), fs in prop::collection::vec(field(), 1..4)) {
        let masker = DataMasking::builder().raise_on_missing_field(false).build();
        let fields = Fields::parse(&fs).expect("fields parse");
        let once = masker.erase(&v, &fields).expect("erase");
        let twice = masker.erase(&once, &fields).expect("erase");
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn unselected_parts_unchanged(v in json_value(), pick in any::<prop::sample::Index>(), m in mask()) {
        let mut all = Vec::new();
        pointers(&v, "", &mut all);
        let pointer = pick.get(&all).clone();
        let field = field_for(&pointer, &v);
        let out = DataMasking::new().erase_with(&v, &[field.as_str()], &m).expect("the field exists");
        // Put the original node back: the rest must be exactly the input.
        let mut restored = out.clone();
        if pointer.is_empty() {
            restored = v.clone();
        } else {
            *restored.pointer_mut(&pointer).expect("the node is still there") =
                v.pointer(&pointer).expect("node").clone();
        }
        prop_assert_eq!(&restored, &v);
        // And the node itself is masked as the mask says.
        let node = out.pointer(&pointer).expect("node");
        prop_assert_eq!(node, &m.apply(v.pointer(&pointer).expect("node")));
    }
}

#[test]
fn json_text_masks_every_duplicate_key() {
    let masker = DataMasking::new();
    let out = masker
        .erase_json(
            r#"{"ssn": "111", "x": 1, "ssn": "222"}"#,
            &["ssn"],
            &Mask::Default,
        )
        .unwrap();
    assert_eq!(out, r#"{"ssn": "*****", "x": 1, "ssn": "*****"}"#);
    assert!(
        masker
            .erase_json("{\"ssn\": 1} x", &["ssn"], &Mask::Default)
            .is_err()
    );
    assert!(
        masker
            .erase_json("[1, 2", &["[0]"], &Mask::Default)
            .is_err()
    );
    assert_eq!(
        masker
            .erase_json(" [1, {\"a\": [2]}] ", &["[1].a[*]", "[-2]"], &Mask::Dynamic)
            .unwrap(),
        r#" ["*", {"a": ["*"]}] "#
    );
}

// Deliberate differences from Powertools Python (see the README), asserted here.

#[test]
fn every_located_node_is_masked_even_object_members_under_a_filter() {
    let data = json!({"store": {"book": {"price": 8}, "bicycle": {"price": 20, "color": "red"}}});
    let out = DataMasking::new()
        .erase(&data, &["store[?(@.price > 10)]"])
        .unwrap();
    assert_eq!(
        out,
        json!({"store": {"book": {"price": 8}, "bicycle": "*****"}})
    );
}

#[test]
fn the_root_is_masked() {
    let data = json!({"a": 1});
    assert_eq!(
        DataMasking::new().erase(&data, &["$"]).unwrap(),
        json!("*****")
    );
    assert_eq!(
        DataMasking::new().erase(&data, &["@"]).unwrap(),
        json!("*****")
    );
}

#[test]
fn fields_are_located_before_masking() {
    let data = json!({"address": {"street": "Main"}, "l": [{"v": 5, "s": "a"}]});
    let m = DataMasking::new();
    // Powertools raises for the child after masking the parent.
    let out = m.erase(&data, &["address", "address.street"]).unwrap();
    assert_eq!(out["address"], "*****");
    let out = m.erase(&data, &["l[0].v", "l[?(@.v > 2)].s"]).unwrap();
    assert_eq!(out["l"], json!([{"v": "*****", "s": "*****"}]));
}

#[test]
fn each_node_is_masked_once() {
    let data = json!({"s": ["ab", "cd"], "x": "hello", "n": {"name": {"name": "inner"}}});
    let m = DataMasking::new();
    let caret = Mask::regex("^", "#").unwrap();
    assert_eq!(
        m.erase_with(&data, &["x", "x"], &caret).unwrap()["x"],
        "#hello"
    );
    assert_eq!(
        m.erase_with(&data, &["s[0,0]"], &caret).unwrap()["s"],
        json!(["#ab", "cd"])
    );
    assert_eq!(
        m.erase_with(&data, &["s[*]", "s[0]"], &caret).unwrap()["s"],
        json!(["#ab", "#cd"])
    );
    assert_eq!(
        m.erase_with(&data, &["$..name"], &caret).unwrap()["n"],
        json!({"name": {"name": "#inner"}})
    );
}

#[test]
fn unquoted_non_ascii_names_are_accepted() {
    let data = json!({"名前": "taro", "ключ": "v"});
    let out = DataMasking::new().erase(&data, &["名前", "ключ"]).unwrap();
    assert_eq!(out, json!({"名前": "*****", "ключ": "*****"}));
}

#[test]
fn deprecated_union_and_named_operators_are_refused_at_parse_time() {
    for f in ["a | b", "a.`len`", "a where b"] {
        let err = Fields::parse([f]).unwrap_err();
        assert_eq!(err.kind(), "invalid-path", "{f}");
    }
}
