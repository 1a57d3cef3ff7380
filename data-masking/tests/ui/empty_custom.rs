use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
struct Customer {
    #[mask(custom = "")]
    pin: String,
}

fn main() {}
