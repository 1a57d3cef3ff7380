use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
struct Customer {
    #[masked]
    email: String,
}

fn main() {}

#[derive(serde::Serialize, Sensitive)]
#[sensitve(debug)]
struct Other {
    #[encrpyt]
    address: String,
}
