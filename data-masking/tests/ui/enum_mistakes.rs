use data_masking::Sensitive;

// One enum, many mistakes: every one is reported in one compilation.
#[derive(serde::Serialize, Sensitive)]
#[serde(tag = "type")]
#[sensitive(context(tenant))]
enum Payment {
    Card {
        #[mask]
        #[encrypt(context(iban))]
        number: String,
        holder: String,
    },
    Bank {
        #[encrypt(context(holdr))]
        iban: String,
        holder: String,
    },
    Gift {
        #[mask(dynamic)]
        number: String,
    },
    #[mask]
    Voucher {
        code: String,
    },
    Wallet(#[mask] String),
    #[serde(skip)]
    Hidden {
        #[mask]
        secret: String,
    },
}

fn main() {}
