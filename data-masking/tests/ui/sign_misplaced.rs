use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
#[sign]
struct Order {
    #[serde(skip)]
    #[sign]
    total: u64,
    status: String,
}

fn main() {}
