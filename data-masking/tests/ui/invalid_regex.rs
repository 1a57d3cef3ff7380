use data_masking::Sensitive;

#[derive(serde::Serialize, Sensitive)]
struct Customer {
    #[mask(regex = r"(\d{4}", format = "$1")]
    card: String,
    #[mask(regex = r"(?<=a)b", format = "x")]
    lookbehind: String,
    #[mask(regex = r"(\d)", format = r"\2")]
    missing_group: String,
    #[mask(regex = r"(?P<last>\d{4})", format = r"\g<first>")]
    missing_name: String,
    #[mask(regex = r"\d")]
    no_format: String,
}

fn main() {}
