use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
struct Order {
    #[mask]
    card: String,
}

#[derive(serde::Serialize, Sensitive)]
struct Customer {
    #[mask]
    #[mask(dynamic)]
    email: String,
    #[mask]
    #[sensitive]
    orders: Vec<Order>,
    #[encrypt]
    #[encrypt]
    address: String,
    #[sensitive]
    #[sensitive]
    more: Vec<Order>,
}

fn main() {}
