use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
struct Customer {
    #[encrypt]
    tenant_id: String,
    #[encrypt(context(tenant_id))]
    address: String,
}

fn main() {}
