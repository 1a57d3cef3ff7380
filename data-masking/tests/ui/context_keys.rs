use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
#[sensitive(context(purpose = "billing"))]
struct Customer {
    tenant: String,
    #[encrypt(context(purpose = "other", tenant, tenant = "again"))]
    address: String,
    #[encrypt(context("aws-crypto-public-key" = "x", "data-masking:field" = tenant))]
    phone: String,
}

fn main() {}
