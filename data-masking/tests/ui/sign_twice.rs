use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
struct Order {
    #[sign]
    #[mask]
    #[sign]
    total: u64,
}

fn main() {}
