use data_masking::Sensitive;

// Where the JSON path does not name the variant, variants writing a value at the same place
// must declare it alike.
#[derive(serde::Serialize, Sensitive)]
#[serde(untagged)]
enum Untagged {
    Card {
        #[encrypt]
        number: String,
    },
    Gift {
        #[encrypt]
        number: String,
    },
    Phone {
        number: String,
    },
}

#[derive(serde::Serialize, Sensitive)]
#[serde(tag = "t", content = "c")]
enum Adjacent {
    Token(#[mask] String),
    Card { number: String },
    Cash,
}

#[derive(serde::Serialize, Sensitive)]
#[serde(untagged)]
enum WholeUntagged {
    Token(#[mask] String),
    Nothing,
}

fn main() {}
