//! What the benches share: the record of `tests/data/bench/record.json` and its five sensitive
//! fields (nine values).

#![allow(dead_code, reason = "each bench uses a part of it")]

/// The five sensitive fields of the record.
pub const SENSITIVE: [&str; 5] = [
    "email",
    "ssn",
    "card_number",
    "address.postcode",
    "orders[*].card",
];

/// The record's JSON text, as stored.
pub fn record_text() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/bench/record.json"
    );
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The record, parsed into `T`.
pub fn record<T: serde::de::DeserializeOwned>() -> T {
    serde_json::from_str(&record_text()).expect("the record has this shape")
}
