//! Compiles arbitrary field expressions (one per line, up to four) and erases them on a fixed
//! document: never a panic; a field is reported missing exactly when its compiled query selects
//! nothing; erasing the document's JSON text gives the same result as erasing its value.

#![no_main]

use std::sync::OnceLock;

use data_masking::path::Field;
use data_masking::{DataMasking, Fields, Mask};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

struct Fixture {
    doc: Value,
    text: String,
    strict: DataMasking,
    lenient: DataMasking,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let doc = json!({
            "id": 1,
            "name": "Carlos",
            "card_number": "1111 2222 3333 4444",
            "a.b": {"c": "dotted key"},
            "1": ["numeric", "key"],
            "first-name": "Zoë",
            "address": [
                {"street": "1 Main St", "postcode": 81847, "tags": ["x", "y"]},
                {"street": "2 Side St", "postcode": 12345, "tags": []},
                {"street": null, "postcode": 99999.5, "tags": [{"k": true}]}
            ],
            "nested": {"deep": {"deeper": {"list": [[1, 2], [3, [4, 5]]], "empty": {}}}},
            "": "empty key",
            "quote'key": "q",
        });
        let text = serde_json::to_string(&doc).expect("JSON");
        Fixture {
            doc,
            text,
            strict: DataMasking::new(),
            lenient: DataMasking::builder().raise_on_missing_field(false).build(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let f = fixture();
    let exprs: Vec<&str> = input.split('\n').take(4).collect();
    // Every expression alone: parse, translate, and check the missing-field rule.
    let mut all_parse = true;
    for expr in &exprs {
        let translated = data_masking::path::translate(expr);
        match Field::parse(expr) {
            Ok(field) => {
                assert_eq!(
                    translated.as_deref().ok(),
                    Some(field.rfc9535()),
                    "{expr:?}: translate and parse disagree"
                );
                let selects = !field.path().query(&f.doc).is_empty();
                let one = Fields::parse([*expr]).expect("a field that parses alone");
                let erased = f.strict.erase(&f.doc, &one);
                match &erased {
                    Ok(_) => assert!(selects, "{expr:?}: erased, but the query selects nothing"),
                    Err(e) => {
                        assert_eq!(e.kind(), "field-not-found", "{expr:?}: {e}");
                        assert!(
                            !selects,
                            "{expr:?}: reported missing, but the query selects"
                        );
                    }
                }
            }
            Err(e) => {
                all_parse = false;
                assert_eq!(e.kind(), "invalid-path", "{expr:?}: {e}");
                assert!(Fields::parse([*expr]).is_err());
                // A translation may succeed and still not be valid RFC 9535: parse reports it.
                if let Err(t) = translated {
                    assert_eq!(t.kind(), "invalid-path", "{expr:?}: {t}");
                }
            }
        }
    }
    if !all_parse {
        return;
    }
    let fields = Fields::parse(&exprs).expect("every expression parses");
    for mask in [Mask::Default, Mask::Dynamic, Mask::Custom("XX-XX".into())] {
        for masker in [&f.strict, &f.lenient] {
            let value = masker.erase_with(&f.doc, &fields, &mask);
            let text = masker.erase_json(&f.text, &fields, &mask);
            match (value, text) {
                (Ok(v), Ok(t)) => {
                    let t: Value = serde_json::from_str(&t).expect("erase_json writes JSON");
                    assert_eq!(v, t, "{exprs:?} {mask:?}: text and value erase differ");
                }
                (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind(), "{exprs:?}"),
                (a, b) => panic!("{exprs:?} {mask:?}: value {a:?}, text {b:?}"),
            }
        }
    }
});
