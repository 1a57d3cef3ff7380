use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
enum Payment {
    Card { #[mask] number: String },
}

fn main() {}
