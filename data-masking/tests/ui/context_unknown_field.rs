use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
#[sensitive(context(tenant))]
struct Customer {
    tenant_id: String,
    #[encrypt(context(tenant_di, key = missing))]
    address: String,
}

fn main() {}
