use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
#[mask(dynamic)]
struct Email(#[mask] String);

#[derive(serde::Serialize, Sensitive)]
#[mask]
struct Nested(#[sensitive] Email);

#[derive(serde::Serialize, Sensitive)]
#[mask]
struct Pair(String, u32);

#[derive(serde::Serialize, Sensitive)]
struct Skipping(#[mask] String, #[serde(skip_serializing_if = "is_zero")] u32);

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(serde::Serialize, Sensitive)]
#[sensitive(context(id))]
struct Tuple(String, #[encrypt] String);

fn main() {}
