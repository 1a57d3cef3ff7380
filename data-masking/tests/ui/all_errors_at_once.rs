use data_masking::Sensitive;

// One item, many mistakes: every one is reported in one compilation.
#[derive(serde::Serialize, Sensitive)]
struct Customer {
    #[mask(custom = "")]
    pin: String,
    #[mask(regex = "[", format = "x")]
    card: String,
    #[encrypt(context(nobody))]
    address: String,
    #[mask]
    #[mask]
    email: String,
}

fn main() {}
