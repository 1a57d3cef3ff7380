use data_masking::Sensitive;
use std::borrow::Cow;

#[derive(serde::Serialize, Sensitive)]
struct Customer<'a> {
    id: u64,
    region: Option<String>,
    ok_string: String,
    ok_str: &'a str,
    ok_cow: Cow<'a, str>,
    #[serde(skip_serializing_if = "String::is_empty")]
    sometimes: String,
    #[encrypt(context(id, region, ok_string, ok_str, ok_cow, sometimes))]
    address: String,
}

fn main() {}
