use data_masking::Sensitive;
use std::collections::BTreeMap;

fn as_text<S: serde::Serializer>(number: &String, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(number)
}

#[derive(serde::Serialize, Sensitive)]
enum Payment {
    #[serde(serialize_with = "as_text")]
    Card(#[mask] String),
    Bank {
        #[mask]
        iban: String,
        #[serde(flatten)]
        extra: BTreeMap<String, String>,
    },
}

fn main() {}
