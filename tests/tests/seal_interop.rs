//! Sealed records against Python: `tests/py/sealed_records.py` (the recipe of the README, on
//! Powertools' `DataMasking`) unseals what `DataMasking::seal` sealed, `DataMasking::unseal`
//! unseals what the recipe sealed, both refuse the same tampered records at the same location
//! for the same reason, and Powertools' plain `DataMasking.decrypt` reads a record's message as
//! the layout. Every case runs with a signed (0x0578) and an unsigned (0x0478) suite.

#![allow(missing_docs)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::keys::RawAesKeyring;
use data_masking::{
    AlgorithmSuite, DataMasking, EncryptionContext, Encryptor, Error, SEAL_CONTEXT_KEY, Seal,
};
use data_masking_tests::{py_script, python, run_python_json};
use serde_json::{Map, Value, json};

const KEY: [u8; 32] = [0x22; 32];
const KEY_B64: &str = "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=";

const ENCRYPT: [&str; 4] = ["email", "orders[*].card", r"['it\'s']", "notes.*"];
const SIGN: [&str; 4] = ["status", "orders[*].total", "profile", "nickname"];

/// The two suites, as the Rust masker takes them and as the message header spells them.
const SUITES: [(AlgorithmSuite, [u8; 2]); 2] = [
    (
        AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
        [0x05, 0x78],
    ),
    (
        AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
        [0x04, 0x78],
    ),
];

fn suite_text(id: [u8; 2]) -> String {
    format!("0x{:02X}{:02X}", id[0], id[1])
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn keys() -> Value {
    json!([{"namespace": "interop", "name": "sealed", "key": KEY_B64}])
}

fn masker(suite: AlgorithmSuite) -> DataMasking {
    DataMasking::builder()
        .encryptor(
            Encryptor::builder(RawAesKeyring::new("interop", "sealed", &KEY).expect("keyring"))
                .algorithm_suite(suite)
                .build()
                .expect("encryptor"),
        )
        .build()
}

fn seal() -> Seal {
    Seal::builder()
        .encrypt(ENCRYPT)
        .sign(SIGN)
        .bind("customer", "id")
        .build()
        .expect("seal")
}

fn ctx() -> EncryptionContext {
    EncryptionContext::new([("tenant", "acme")]).expect("context")
}

/// The seal's fields and context as the Python driver takes them.
fn fields() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "keys": keys(),
        "encrypt": ENCRYPT,
        "sign": SIGN,
        "bind": {"customer": "id"},
        "context": {"tenant": "acme"},
    }) else {
        unreachable!()
    };
    map
}

fn case(op: &str, extra: Value) -> Value {
    let mut case = fields();
    case.insert("op".into(), json!(op));
    if let Value::Object(extra) = extra {
        case.extend(extra);
    }
    Value::Object(case)
}

/// Records with nested arrays, names that need escaping in a normalized path (a quote, a
/// backslash, a tab, a control character, non-ASCII), a string and a numeric bound id, and a
/// signed object whose canonical form sorts and spells members and numbers its own way.
fn records() -> Vec<Value> {
    vec![
        json!({
            "id": "c-42",
            "name": "José Ñúñez",
            "email": "jo@example.com",
            "status": "active",
            "it's": {"secret": true},
            "notes": {"tab\there": "a", "back\\slash": [1, 2], "\u{1}": null, "ünï ✓": "b"},
            "orders": [
                {"id": 1, "card": "4111 1111 1111 1111", "total": 10.5},
                {"id": 2, "card": "5500 0000 0000 0004", "total": 99},
                {"id": 3, "total": 0.1}
            ],
            "profile": {"z": 1e21, "a": [1e-7, -0.5, 100], "é": "x", "\u{e000}": 1, "😀": 2, "B": null}
        }),
        json!({
            "id": 7,
            "email": "x@y",
            "status": "closed",
            "it's": "plain",
            "notes": {"k": [{"__x": 1}]},
            "orders": [{"card": "x"}, {"total": 1}],
            "profile": [],
            "nickname": "n"
        }),
    ]
}

/// The message of a sealed record, decoded.
fn message(sealed: &Value) -> Vec<u8> {
    STANDARD
        .decode(sealed["__sealed"].as_str().expect("a message"))
        .expect("base64")
}

/// The full context of a record's message: the caller's, the bound id, the layout version.
fn full_ctx(record: &Value) -> EncryptionContext {
    let mut c = ctx();
    let id = match &record["id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    c.insert("customer", id).expect("customer");
    c.insert(SEAL_CONTEXT_KEY, "1").expect("seal key");
    c
}

/// The plaintext of a sealed record's message, read by Rust's plain `decrypt_bytes`.
fn layout(m: &DataMasking, sealed: &Value) -> Value {
    let plaintext = rt()
        .block_on(m.decrypt_bytes(&message(sealed), &full_ctx(sealed)))
        .expect("decrypt the message");
    serde_json::from_slice(&plaintext).expect("a JSON layout")
}

/// A sealed record without its message.
fn without_message(sealed: &Value) -> Value {
    let mut v = sealed.clone();
    v.as_object_mut().expect("object").remove("__sealed");
    v
}

fn sealed_in_rust(suite: AlgorithmSuite, record: &Value) -> Value {
    rt().block_on(masker(suite).seal(record, &seal(), &ctx()))
        .expect("seal")
}

fn sealed_in_python(python: &std::path::Path) -> Vec<(AlgorithmSuite, Value, Value)> {
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for (suite, id) in SUITES {
        for record in records() {
            cases.push(case(
                "seal",
                json!({"record": record, "suite": suite_text(id)}),
            ));
            expected.push((suite, id, record));
        }
    }
    let answers = run_python_json(python, &py_script("seal_oracle.py"), &Value::Array(cases));
    let answers = answers.as_array().expect("a list");
    assert_eq!(answers.len(), expected.len());
    expected
        .into_iter()
        .zip(answers)
        .map(|((suite, id, record), answer)| {
            let sealed = answer
                .get("ok")
                .unwrap_or_else(|| panic!("{answer}"))
                .clone();
            assert_eq!(message(&sealed)[1..3], id, "the suite Python sealed with");
            (suite, record, sealed)
        })
        .collect()
}

#[test]
fn records_sealed_in_rust_unseal_in_python() {
    let Some(python) = python() else {
        return;
    };
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for (suite, id) in SUITES {
        for record in records() {
            let sealed = sealed_in_rust(suite, &record);
            assert_eq!(message(&sealed)[1..3], id);
            cases.push(case("unseal", json!({"sealed": sealed})));
            expected.push(record);
        }
    }
    let sealed = &cases[0]["sealed"];
    assert_eq!(
        sealed["orders"][1]["card"],
        json!({"__encrypted": "$['orders'][1]['card']"})
    );
    assert_eq!(sealed["it's"], json!({"__encrypted": r"$['it\'s']"}));
    assert_eq!(
        sealed["notes"]["back\\slash"],
        json!({"__encrypted": r"$['notes']['back\\slash']"})
    );
    assert_eq!(
        sealed["notes"]["\u{1}"],
        json!({"__encrypted": r"$['notes']['\u0001']"})
    );
    assert_eq!(
        sealed["notes"]["tab\there"],
        json!({"__encrypted": r"$['notes']['tab\there']"})
    );
    let answers = run_python_json(&python, &py_script("seal_oracle.py"), &Value::Array(cases));
    let answers = answers.as_array().expect("a list");
    assert_eq!(answers.len(), expected.len());
    for (record, answer) in expected.iter().zip(answers) {
        assert_eq!(&answer["ok"], record, "{answer}");
    }
}

#[test]
fn records_sealed_in_python_unseal_in_rust() {
    let Some(python) = python() else {
        return;
    };
    for (suite, record, sealed) in sealed_in_python(&python) {
        // Any masker with the key reads either suite.
        let back = rt()
            .block_on(masker(SUITES[0].0).unseal(&sealed, &seal(), &ctx()))
            .expect("unseal what Python sealed");
        assert_eq!(back, record);
        // The same record sealed here: the same placeholders, and the same layout (the same
        // values, and the same RFC 8785 digests of the signed nodes).
        let ours = sealed_in_rust(suite, &record);
        assert_eq!(without_message(&sealed), without_message(&ours));
        let m = masker(suite);
        let theirs = layout(&m, &sealed);
        assert_eq!(theirs, layout(&m, &ours));
        assert!(!theirs["digests"].as_object().expect("digests").is_empty());
    }
}

/// A tamper: what it does to a sealed record, and where it is seen.
type Tamper = (&'static str, fn(&mut Value), &'static str);

fn tampers() -> Vec<Tamper> {
    vec![
        (
            "two placeholders swapped",
            |v| {
                let first = v["orders"][0]["card"].take();
                v["orders"][0]["card"] = v["orders"][1]["card"].take();
                v["orders"][1]["card"] = first;
            },
            "$['orders'][0]['card']",
        ),
        (
            "a signed value edited",
            |v| v["orders"][1]["total"] = json!(9),
            "$['orders'][1]['total']",
        ),
        (
            "a signed object's member edited",
            |v| v["profile"]["é"] = json!("y"),
            "$['profile']",
        ),
        (
            "a signed value added",
            |v| v["nickname"] = json!("jojo"),
            "$['nickname']",
        ),
        (
            "a placeholder removed",
            |v| {
                v.as_object_mut().expect("object").remove("email");
            },
            "$['email']",
        ),
        (
            "a placeholder altered",
            |v| v["it's"]["__encrypted"] = json!(1),
            r"$['it\'s']",
        ),
        (
            "a placeholder moved to another field",
            |v| {
                let p = v["notes"]
                    .as_object_mut()
                    .expect("notes")
                    .remove("tab\there")
                    .expect("placeholder");
                v["notes"]["tab"] = p;
            },
            "$['notes']['tab']",
        ),
        (
            "a placeholder added",
            |v| v["name"] = json!({"__encrypted": "$['name']"}),
            "$['name']",
        ),
    ]
}

#[test]
fn tampered_records_are_refused_on_both_sides_at_the_same_location() {
    let Some(python) = python() else {
        return;
    };
    let record = records().swap_remove(0);
    let mut sealed: Vec<(AlgorithmSuite, &str, Value)> = SUITES
        .iter()
        .map(|&(suite, _)| (suite, "Rust", sealed_in_rust(suite, &record)))
        .collect();
    sealed.extend(
        sealed_in_python(&python)
            .into_iter()
            .filter(|(_, r, _)| *r == record)
            .map(|(suite, _, s)| (suite, "Python", s)),
    );
    assert_eq!(sealed.len(), 4);

    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for (suite, origin, s) in &sealed {
        for (what, tamper, path) in tampers() {
            let mut v = s.clone();
            tamper(&mut v);
            let (p, reason) = match rt().block_on(masker(*suite).unseal(&v, &seal(), &ctx())) {
                Err(Error::RecordTampered { path, reason }) => (path, reason),
                other => panic!("{what} ({origin}-sealed): {other:?}"),
            };
            assert_eq!(p, path, "{what} ({origin}-sealed): {reason}");
            cases.push(case("unseal", json!({"sealed": v})));
            // Python refuses it at the same location, for the same reason.
            let want = json!({"tampered": {"path": p, "reason": reason}});
            expected.push((format!("{what} ({origin}-sealed)"), want));
        }
        // The whole record replayed under another id: the bound id no longer matches.
        let mut v = s.clone();
        v["id"] = json!("c-43");
        let err = rt()
            .block_on(masker(*suite).unseal(&v, &seal(), &ctx()))
            .unwrap_err();
        assert_eq!(err.kind(), "context-mismatch", "{origin}-sealed: {err}");
        cases.push(case("unseal", json!({"sealed": v})));
        let want = json!({"error": "DataMaskingContextMismatchError"});
        expected.push((format!("another id ({origin}-sealed)"), want));
    }
    let answers = run_python_json(&python, &py_script("seal_oracle.py"), &Value::Array(cases));
    let answers = answers.as_array().expect("a list");
    assert_eq!(answers.len(), expected.len());
    for ((what, want), answer) in expected.iter().zip(answers) {
        for (key, value) in want.as_object().expect("object") {
            assert_eq!(&answer[key], value, "{what}: {answer}");
        }
    }
}

#[test]
fn powertools_decrypts_a_sealed_record_message_to_its_layout() {
    let Some(python) = python() else {
        return;
    };
    let record = records().swap_remove(0);
    let mut cases = Vec::new();
    for (suite, _) in SUITES {
        let sealed = sealed_in_rust(suite, &record);
        let mut context = json!({"tenant": "acme", "customer": "c-42"});
        cases.push(json!({
            "op": "powertools_decrypt", "keys": keys(), "ciphertext": sealed["__sealed"],
            "context": context,
        }));
        context[SEAL_CONTEXT_KEY] = json!("1");
        cases.push(json!({
            "op": "powertools_decrypt", "keys": keys(), "ciphertext": sealed["__sealed"],
            "context": context,
        }));
    }
    let answers = run_python_json(&python, &py_script("esdk_oracle.py"), &Value::Array(cases));
    let answers = answers.as_array().expect("a list");
    assert_eq!(answers.len(), 4);
    for pair in answers.chunks(2) {
        // Without the layout version in the context, Powertools refuses the message.
        assert_eq!(
            pair[0]["error"], "DataMaskingContextMismatchError",
            "{}",
            pair[0]
        );
        let layout = &pair[1]["ok"];
        assert_eq!(layout["v"], 1, "{}", pair[1]);
        assert_eq!(layout["encrypt"], json!(ENCRYPT));
        assert_eq!(layout["sign"], json!(SIGN));
        assert_eq!(layout["bind"], json!({"customer": "id"}));
        assert_eq!(
            layout["values"],
            json!({
                "$['email']": "jo@example.com",
                r"$['it\'s']": {"secret": true},
                r"$['notes']['\u0001']": null,
                r"$['notes']['back\\slash']": [1, 2],
                r"$['notes']['tab\there']": "a",
                "$['notes']['ünï ✓']": "b",
                "$['orders'][0]['card']": "4111 1111 1111 1111",
                "$['orders'][1]['card']": "5500 0000 0000 0004",
            })
        );
        let mut digests: Vec<&str> = layout["digests"]
            .as_object()
            .expect("digests")
            .keys()
            .map(String::as_str)
            .collect();
        digests.sort_unstable();
        assert_eq!(
            digests,
            [
                "$['orders'][0]['total']",
                "$['orders'][1]['total']",
                "$['orders'][2]['total']",
                "$['profile']",
                "$['status']",
            ]
        );
    }
}

#[test]
fn the_readme_shows_the_recipe_that_ci_runs() {
    let root = data_masking_tests::workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let recipe =
        std::fs::read_to_string(root.join("tests/py/sealed_records.py")).expect("the recipe");
    let start = readme
        .find("<summary>tests/py/sealed_records.py</summary>\n\n```python\n")
        .expect("the recipe's block in the README");
    let block = &readme[start..];
    let block = &block[block.find("```python\n").expect("opening fence") + 10..];
    let block = &block[..block.find("```\n").expect("closing fence")];
    assert_eq!(
        block, recipe,
        "README.md's block differs from tests/py/sealed_records.py"
    );
}
