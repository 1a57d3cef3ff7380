//! The masked view of a typed record against plain serialization and the untyped erase, on a
//! struct shaped like `tests/data/bench/record.json` (1.25 KB, five masked fields).
//!
//! Targets: `to_string(&c.masked())` within 1.3x of `to_string(&c)`, and far faster than the
//! untyped route, `to_value` + erase + `to_string` (three variants of the erase are measured,
//! and the bare `to_value` + `to_string` as the floor of any untyped route).
//!
//! The group `typed_enum` does the same for the record modelled with enums and newtypes (the
//! email a masked newtype, the card an internally tagged payment method, each order an
//! adjacently tagged status): `masked()` within 1.3x of plain; and for an account whose twelve
//! payment methods are mostly masked values, where the masks themselves (regexes, dynamic
//! masks) cost more than the serialization.

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

/// A payment method, internally tagged.
#[derive(Serialize, Sensitive, Clone)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Method {
    Card {
        #[mask(regex = r"\d{4} \d{4} \d{4} (\d{4})", format = r"**** **** **** \1")]
        number: String,
        holder: String,
        expiry: String,
        #[mask]
        cvv: String,
    },
    Bank {
        #[mask(dynamic)]
        iban: String,
        bic: String,
        holder: String,
    },
    Wallet {
        provider: String,
        #[mask(dynamic)]
        email: String,
    },
    Cash,
}

/// A contact, externally tagged, with a newtype.
#[derive(Serialize, Sensitive, Clone)]
enum Contact {
    Email(#[sensitive] Email),
    Phone(#[mask(custom = "+** *** *** ****")] String),
    Post { street: String, city: String },
}

#[derive(Serialize, Sensitive, Clone)]
#[mask(dynamic)]
struct Email(String);

/// A limit, adjacently tagged.
#[derive(Serialize, Sensitive, Clone)]
#[serde(tag = "kind", content = "value")]
enum Limit {
    Daily {
        #[mask]
        amount: u64,
        currency: String,
    },
    Unlimited,
}

#[derive(Serialize, Sensitive)]
struct Account {
    id: String,
    name: String,
    #[sensitive]
    contacts: Vec<Contact>,
    #[sensitive]
    methods: Vec<Method>,
    #[sensitive]
    limits: Vec<Limit>,
}

fn account() -> Account {
    let card = Method::Card {
        number: "4111 1111 1111 1111".into(),
        holder: "Jo Doe".into(),
        expiry: "12/29".into(),
        cvv: "123".into(),
    };
    let bank = Method::Bank {
        iban: "DE89 3704 0044 0532 0130 00".into(),
        bic: "COBADEFFXXX".into(),
        holder: "Jo Doe".into(),
    };
    let wallet = Method::Wallet {
        provider: "paypal".into(),
        email: "jo.doe@example.com".into(),
    };
    Account {
        id: "acc-0001".into(),
        name: "Jo Doe".into(),
        contacts: vec![
            Contact::Email(Email("jo.doe@example.com".into())),
            Contact::Phone("+49 151 234 5678".into()),
            Contact::Post {
                street: "1 Main St".into(),
                city: "Berlin".into(),
            },
        ],
        methods: [card, bank, wallet, Method::Cash]
            .iter()
            .cycle()
            .take(12)
            .cloned()
            .collect(),
        limits: vec![
            Limit::Daily {
                amount: 5000,
                currency: "EUR".into(),
            },
            Limit::Unlimited,
        ],
    }
}

/// The record of `Customer`, modelled with enums and newtypes.
#[derive(Serialize, Sensitive)]
struct EnumCustomer {
    id: String,
    tenant_id: String,
    name: String,
    #[sensitive]
    email: Email,
    #[mask]
    ssn: String,
    #[sensitive]
    payment: Payment,
    phone: String,
    #[sensitive]
    address: Address,
    #[sensitive]
    orders: Vec<Status>,
    preferences: Preferences,
}

#[derive(Serialize, Sensitive)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payment {
    Card {
        #[mask(regex = r"\d{4} \d{4} \d{4} (\d{4})", format = r"**** **** **** \1")]
        card_number: String,
    },
}

#[derive(Serialize, Sensitive)]
#[serde(tag = "status", content = "order")]
enum Status {
    Paid(#[sensitive] Order),
    Open { order_id: String },
}

fn enum_customer(c: Customer) -> EnumCustomer {
    EnumCustomer {
        id: c.id,
        tenant_id: c.tenant_id,
        name: c.name,
        email: Email(c.email),
        ssn: c.ssn,
        payment: Payment::Card {
            card_number: c.card_number,
        },
        phone: c.phone,
        address: c.address,
        // The last order open: it keeps its id only.
        orders: {
            let mut orders: Vec<Status> = c.orders.into_iter().map(Status::Paid).collect();
            if let Some(Status::Paid(last)) = orders.pop() {
                orders.push(Status::Open {
                    order_id: last.order_id,
                });
            }
            orders
        },
        preferences: c.preferences,
    }
}

fn typed_enum(c: &mut Criterion) {
    let customer = enum_customer(common::record());
    let masked = serde_json::to_value(customer.masked()).expect("masked");
    let untyped = EnumCustomer::sensitive_fields()
        .erase(&serde_json::to_value(&customer).expect("to_value"))
        .expect("erase");
    assert_eq!(masked, untyped);
    let account = account();
    let masked = serde_json::to_value(account.masked()).expect("masked");
    let untyped = Account::sensitive_fields()
        .erase(&serde_json::to_value(&account).expect("to_value"))
        .expect("erase");
    assert_eq!(masked, untyped);

    let mut g = c.benchmark_group("typed_enum");
    g.bench_function("record: to_string(masked)", |b| {
        b.iter(|| serde_json::to_string(&black_box(&customer).masked()));
    });
    g.bench_function("record: to_string(plain)", |b| {
        b.iter(|| serde_json::to_string(black_box(&customer)));
    });
    g.bench_function("account: to_string(masked)", |b| {
        b.iter(|| serde_json::to_string(&black_box(&account).masked()));
    });
    g.bench_function("account: to_string(plain)", |b| {
        b.iter(|| serde_json::to_string(black_box(&account)));
    });
    g.finish();
}

criterion_group!(benches, typed, typed_enum);
criterion_main!(benches);
