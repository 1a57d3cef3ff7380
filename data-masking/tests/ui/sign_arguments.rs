use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
struct Order {
    id: String,
    #[sign(context(id))]
    total: u64,
    #[sign = "status"]
    status: String,
}

fn main() {}
