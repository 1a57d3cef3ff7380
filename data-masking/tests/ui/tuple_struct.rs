use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
struct Card(#[mask] String);

#[derive(serde::Serialize, Sensitive)]
struct Unit;

fn main() {}
