use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
#[sensitive(debg)]
struct Customer {
    #[mask(dynamc)]
    email: String,
    #[encrypt(unbund)]
    address: String,
    #[mask(regexp = "a", format = "b")]
    card: String,
    #[encrypt(contxt(email))]
    phone: String,
    #[mask(zzz)]
    other: String,
}

fn main() {}
