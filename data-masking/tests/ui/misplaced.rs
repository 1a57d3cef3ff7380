use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
#[mask]
#[serde(transparent)]
struct Customer {
    email: String,
}

fn main() {}
