use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
struct Payment {
    id: String,
    #[sign]
    #[encrypt]
    card: String,
    #[encrypt(context(id))]
    #[sign]
    iban: String,
}

fn main() {}
