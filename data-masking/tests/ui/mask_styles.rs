use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
struct Customer {
    #[mask(dynamic, custom = "XX")]
    email: String,
    #[mask(format = "x")]
    card: String,
    #[mask = "x"]
    pin: String,
    #[sensitive(debug)]
    nested: String,
}

fn main() {}
