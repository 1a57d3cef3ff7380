//! The masked view of a typed record against plain serialization and the untyped erase, on a
//! struct shaped like `tests/data/bench/record.json` (1.25 KB, five masked fields).
//!
//! Targets: `to_string(&c.masked())` within 1.3x of `to_string(&c)`, and far faster than the
//! untyped route, `to_value` + erase + `to_string` (three variants of the erase are measured,
//! and the bare `to_value` + `to_string` as the floor of any untyped route).

#![allow(missing_docs, clippy::struct_field_names)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use data_masking::{DataMasking, Sensitive};
use serde::{Deserialize, Serialize};

mod common;

#[derive(Serialize, Deserialize, Sensitive)]
struct Customer {
    id: String,
    tenant_id: String,
    name: String,
    #[mask(dynamic)]
    email: String,
    #[mask]
    ssn: String,
    #[mask(regex = r"\d{4} \d{4} \d{4} (\d{4})", format = r"**** **** **** \1")]
    card_number: String,
    phone: String,
    #[sensitive]
    address: Address,
    #[sensitive]
    orders: Vec<Order>,
    preferences: Preferences,
}

#[derive(Serialize, Deserialize, Sensitive)]
struct Address {
    street: String,
    city: String,
    #[mask(custom = "XXXXX")]
    postcode: String,
    country: String,
}

#[derive(Serialize, Deserialize, Sensitive)]
struct Order {
    order_id: String,
    amount: f64,
    currency: String,
    #[mask]
    card: String,
    items: Vec<Item>,
}

#[derive(Serialize, Deserialize)]
struct Item {
    sku: String,
    qty: u32,
}

#[derive(Serialize, Deserialize)]
struct Preferences {
    newsletter: bool,
    language: String,
    tags: Vec<String>,
}

fn typed(c: &mut Criterion) {
    let customer: Customer = common::record();
    let masker = DataMasking::new();
    let compiled = Customer::sensitive_fields().mask_fields().expect("fields");
    // The three must agree before they are timed.
    let untyped = |c: &Customer| -> String {
        let mut value = serde_json::to_value(c).expect("to_value");
        for (fields, mask) in &compiled {
            masker
                .erase_in_place(&mut value, fields, mask)
                .expect("erase");
        }
        serde_json::to_string(&value).expect("to_string")
    };
    let untyped_erase_with = |c: &Customer| -> String {
        let mut value = serde_json::to_value(c).expect("to_value");
        for (fields, mask) in &compiled {
            value = masker.erase_with(&value, fields, mask).expect("erase");
        }
        serde_json::to_string(&value).expect("to_string")
    };
    let masked = serde_json::to_string(&customer.masked()).expect("masked");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&masked).expect("JSON"),
        serde_json::from_str::<serde_json::Value>(&untyped(&customer)).expect("JSON")
    );
    assert_eq!(untyped(&customer), untyped_erase_with(&customer));

    let mut g = c.benchmark_group("typed");
    g.bench_function("to_string(masked)", |b| {
        b.iter(|| serde_json::to_string(&black_box(&customer).masked()));
    });
    g.bench_function("to_string(plain)", |b| {
        b.iter(|| serde_json::to_string(black_box(&customer)));
    });
    g.bench_function("untyped: to_value + erase_with + to_string", |b| {
        b.iter(|| untyped_erase_with(black_box(&customer)));
    });
    g.bench_function("untyped: to_value + erase_in_place + to_string", |b| {
        b.iter(|| untyped(black_box(&customer)));
    });
    let rules = data_masking::Rules::from_json(&Customer::sensitive_fields().masking_rules())
        .expect("rules");
    g.bench_function("untyped: to_value + erase_by_rules + to_string", |b| {
        b.iter(|| {
            let value = serde_json::to_value(black_box(&customer)).expect("to_value");
            let out = masker.erase_by_rules(&value, &rules).expect("erase");
            serde_json::to_string(&out)
        });
    });
    g.bench_function("reference: to_value + to_string, no erase", |b| {
        b.iter(|| {
            let value = serde_json::to_value(black_box(&customer)).expect("to_value");
            serde_json::to_string(&value)
        });
    });
    g.bench_function("Debug (redacted) of masked", |b| {
        b.iter(|| format!("{:?}", black_box(&customer).masked()));
    });
    g.finish();
}

criterion_group!(benches, typed);
criterion_main!(benches);
