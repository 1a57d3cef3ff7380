//! serde's `rename_all` rules, applied to field and variant names as serde does.

/// A `rename_all` rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl RenameRule {
    pub(crate) fn from_str(s: &str) -> Option<Self> {
        Some(match s {
            "lowercase" => Self::Lower,
            "UPPERCASE" => Self::Upper,
            "PascalCase" => Self::Pascal,
            "camelCase" => Self::Camel,
            "snake_case" => Self::Snake,
            "SCREAMING_SNAKE_CASE" => Self::ScreamingSnake,
            "kebab-case" => Self::Kebab,
            "SCREAMING-KEBAB-CASE" => Self::ScreamingKebab,
            _ => return None,
        })
    }

    /// The serialized name of a variant written in PascalCase.
    pub(crate) fn apply_to_variant(self, variant: &str) -> String {
        match self {
            Self::Pascal => variant.to_owned(),
            Self::Lower => variant.to_ascii_lowercase(),
            Self::Upper => variant.to_ascii_uppercase(),
            Self::Camel => {
                let mut chars = variant.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            }
            Self::Snake => {
                let mut snake = String::new();
                for (i, ch) in variant.char_indices() {
                    if i > 0 && ch.is_uppercase() {
                        snake.push('_');
                    }
                    snake.push(ch.to_ascii_lowercase());
                }
                snake
            }
            Self::ScreamingSnake => Self::Snake.apply_to_variant(variant).to_ascii_uppercase(),
            Self::Kebab => Self::Snake.apply_to_variant(variant).replace('_', "-"),
            Self::ScreamingKebab => Self::ScreamingSnake
                .apply_to_variant(variant)
                .replace('_', "-"),
        }
    }

    /// The serialized name of a field written in snake case.
    pub(crate) fn apply_to_field(self, field: &str) -> String {
        match self {
            Self::Lower | Self::Snake => field.to_owned(),
            Self::Upper | Self::ScreamingSnake => field.to_ascii_uppercase(),
            Self::Pascal => {
                let mut out = String::with_capacity(field.len());
                let mut capitalize = true;
                for c in field.chars() {
                    if c == '_' {
                        capitalize = true;
                    } else if capitalize {
                        out.push(c.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        out.push(c);
                    }
                }
                out
            }
            Self::Camel => {
                let pascal = Self::Pascal.apply_to_field(field);
                let mut chars = pascal.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => pascal,
                }
            }
            Self::Kebab => field.replace('_', "-"),
            Self::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RenameRule;

    #[test]
    fn serde_field_names() {
        let f = "customer_id_2";
        for (rule, want) in [
            ("lowercase", "customer_id_2"),
            ("UPPERCASE", "CUSTOMER_ID_2"),
            ("PascalCase", "CustomerId2"),
            ("camelCase", "customerId2"),
            ("snake_case", "customer_id_2"),
            ("SCREAMING_SNAKE_CASE", "CUSTOMER_ID_2"),
            ("kebab-case", "customer-id-2"),
            ("SCREAMING-KEBAB-CASE", "CUSTOMER-ID-2"),
        ] {
            let r = RenameRule::from_str(rule).unwrap();
            assert_eq!(r.apply_to_field(f), want, "{rule}");
        }
        assert!(RenameRule::from_str("Camel").is_none());
    }

    #[test]
    fn serde_variant_names() {
        let v = "CreditCard";
        for (rule, want) in [
            ("lowercase", "creditcard"),
            ("UPPERCASE", "CREDITCARD"),
            ("PascalCase", "CreditCard"),
            ("camelCase", "creditCard"),
            ("snake_case", "credit_card"),
            ("SCREAMING_SNAKE_CASE", "CREDIT_CARD"),
            ("kebab-case", "credit-card"),
            ("SCREAMING-KEBAB-CASE", "CREDIT-CARD"),
        ] {
            let r = RenameRule::from_str(rule).unwrap();
            assert_eq!(r.apply_to_variant(v), want, "{rule}");
        }
    }
}
