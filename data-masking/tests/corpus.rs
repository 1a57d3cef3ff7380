//! Every case of `tests/data/corpus/erase_cases.json` (produced by running Powertools Python 3.37.0)
//! through the library API. Where we differ on purpose, the case is listed in `DIFFERENCES` with
//! the reason and our own expected outcome; the README lists the same differences.

use data_masking::{DataMasking, Error, Mask, Rules};
use serde_json::{Value, json};

fn corpus() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/corpus/erase_cases.json"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read the corpus at {path}: {e}"));
    let v: Value = serde_json::from_str(&text).expect("corpus is JSON");
    v["cases"].as_array().expect("cases").clone()
}

/// Our outcome: the value, or the error kind; plus the missing fields.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ok(Value, Vec<String>),
    Err(&'static str),
}

fn run(case: &Value) -> Outcome {
    let masker = DataMasking::builder()
        .raise_on_missing_field(case["raise_on_missing_field"].as_bool().unwrap_or(true))
        .build();
    let input = &case["input"];
    let options = &case["options"];
    let res: Result<(Value, Vec<String>), Error> = (|| {
        if let Some(rules) = options.get("masking_rules") {
            let rules = Rules::from_json(rules)?;
            let e = masker.erase_by_rules_detailed(input, &rules)?;
            return Ok((e.value, e.missing));
        }
        let mask = Mask::from_options(options)?;
        match (&case["fields"], input) {
            (Value::Null, _) => Ok((masker.erase_all(input, &mask), vec![])),
            (Value::Array(f), _) if f.is_empty() => Err(Error::EmptyFields),
            (Value::Array(f), Value::String(text)) => {
                let fields: Vec<&str> = f.iter().filter_map(Value::as_str).collect();
                let out = masker.erase_json(text, &fields, &mask)?;
                Ok((
                    serde_json::from_str(&out).expect("our output is JSON"),
                    vec![],
                ))
            }
            (Value::Array(f), _) => {
                let fields: Vec<&str> = f.iter().filter_map(Value::as_str).collect();
                let e = masker.erase_detailed(input, &fields, &mask)?;
                Ok((e.value, e.missing))
            }
            (other, _) => panic!("unexpected fields {other}"),
        }
    })();
    match res {
        Ok((v, m)) => Outcome::Ok(v, m),
        Err(e) => Outcome::Err(e.kind()),
    }
}

/// The error kind we raise for each Python exception of the corpus.
fn python_error_kind(case: &Value) -> &'static str {
    let msg = case["error_message"].as_str().unwrap_or_default();
    match case["error"].as_str().unwrap_or_default() {
        "DataMaskingFieldNotFoundError" => "field-not-found",
        "DataMaskingUnsupportedTypeError" => "unsupported-type",
        "JSONDecodeError" => "invalid-json",
        "JsonPathParserError" | "JsonPathLexerError" => "invalid-path",
        "DataMaskingError" if msg.contains("regex") => "invalid-mask",
        "DataMaskingError" if msg.contains("masking path") => "invalid-path",
        "ValueError" => "empty-fields",
        other => panic!("unmapped Python error {other}: {msg}"),
    }
}

fn expected(case: &Value) -> Outcome {
    if case.get("error").is_some_and(|e| !e.is_null()) {
        return Outcome::Err(python_error_kind(case));
    }
    let missing = case["warnings"]
        .as_array()
        .map(|w| {
            w.iter()
                .filter_map(|w| w["message"].as_str())
                .filter_map(|m| {
                    m.strip_prefix("Field or expression ")
                        .and_then(|m| m.strip_suffix(" not found"))
                        .or_else(|| m.strip_prefix("No matches found for path: "))
                })
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Outcome::Ok(case["expected"].clone(), missing)
}

/// Deliberate differences: (case, reason, our outcome as JSON or `{"error": kind}`).
fn differences() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "sel_this_at",
            "every located node is masked: `@` outside a filter is the root",
            json!("*****"),
        ),
        (
            "seq_filter_after_mask",
            "fields are located on the input before masking, so the filter still matches",
            json!(null),
        ),
        (
            "seq_index_union_duplicate_regex",
            "each node is masked once, however many times a union selects it",
            json!(null),
        ),
        (
            "seq_overlap_wildcard_then_index",
            "each node is masked once, however many fields select it",
            json!(null),
        ),
        (
            "seq_filter_after_mask_no_raise",
            "fields are located on the input before masking, so the filter still matches",
            json!(null),
        ),
        (
            "filter_arith_ext",
            "arithmetic in filters (a jsonpath-ng extension with no RFC 9535 form) is refused",
            json!({"error": "invalid-path"}),
        ),
        (
            "opt_regex_dollar_in_format",
            "`$1` in a format is a group reference (write `$$1` for the literal text)",
            json!({"v": "abc"}),
        ),
        (
            "top_level_list_python",
            "a top-level array is accepted (Powertools accepts it as JSON text, but not as a list)",
            json!(null),
        ),
        (
            "key_cyrillic_unquoted",
            "unquoted non-ASCII names are accepted, as RFC 9535 allows",
            json!(null),
        ),
    ]
}

#[test]
fn corpus_cases_match_powertools() {
    let cases = corpus();
    assert!(cases.len() >= 170, "corpus has {} cases", cases.len());
    let diffs = differences();
    for (name, _, _) in &diffs {
        assert!(
            cases.iter().any(|c| c["name"] == *name),
            "difference {name} names no corpus case"
        );
    }
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in &cases {
        if case["python_only"].as_bool() == Some(true) {
            continue;
        }
        let name = case["name"].as_str().expect("name");
        let ours = run(case);
        if let Some((_, reason, our_expected)) = diffs.iter().find(|d| d.0 == name) {
            // Our documented behaviour must differ from Python's, and, where given, be exactly ours.
            let python = expected(case);
            if ours == python {
                failures.push(format!(
                    "{name}: listed as a difference ({reason}) but matches Python"
                ));
            }
            let want = match our_expected.get("error").and_then(Value::as_str) {
                Some(kind) => Some(Outcome::Err(match kind {
                    "invalid-path" => "invalid-path",
                    other => panic!("unknown kind {other}"),
                })),
                None if our_expected.is_null() => None,
                None => Some(Outcome::Ok(our_expected.clone(), vec![])),
            };
            if let Some(want) = want.filter(|w| *w != ours) {
                failures.push(format!("{name}: ours {ours:?}, documented {want:?}"));
            }
            continue;
        }
        compared += 1;
        let want = expected(case);
        if ours != want {
            failures.push(format!(
                "{name}: fields {} options {}\n   ours {ours:?}\n   want {want:?}",
                case["fields"], case["options"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(compared >= 150, "only {compared} cases compared");
}
