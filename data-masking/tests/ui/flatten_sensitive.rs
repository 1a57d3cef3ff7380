use data_masking::Sensitive;
use std::collections::BTreeMap;

#[derive(serde::Serialize, Sensitive)]
struct Customer {
    #[mask]
    #[serde(flatten)]
    extra: BTreeMap<String, String>,
    #[serde(skip)]
    #[encrypt]
    hidden: String,
}

fn main() {}
