use data_masking::Sensitive;

// A mistake in an attribute is the only error reported: the derive still implements the traits
// (with bodies that never run), so the code that uses them adds no errors of its own.
#[derive(serde::Serialize, Sensitive)]
#[sensitive(debug)]
struct Card {
    #[mask(regex = r"(\d{4})$", format = r"****\2")]
    number: String,
}

#[derive(serde::Serialize, Sensitive)]
struct Customer {
    #[sensitive]
    cards: Vec<Card>,
}

fn debug(card: &Card) -> String {
    format!("{card:?}")
}

fn masked(card: &Card) -> String {
    card.masked().to_string()
}

fn rules() -> usize {
    Card::sensitive_fields().iter().count()
}

fn main() {
    let card = Card {
        number: "1111222233334444".into(),
    };
    println!("{} {} {}", debug(&card), masked(&card), rules());
    println!("{}", Customer { cards: vec![card] }.masked());
}
