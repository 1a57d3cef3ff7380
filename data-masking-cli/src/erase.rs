//! `data-masking erase`: the mask of the arguments, applied to each JSON document.

use data_masking::{DataMasking, Error, Fields, Mask, Rules};
use serde_json::Value;

use crate::args::EraseArgs;
use crate::pipeline::process;
use crate::{Failure, io_failure};

/// `data-masking erase`.
pub(crate) fn erase(args: &EraseArgs) -> Result<bool, Failure> {
    let masker = DataMasking::builder()
        .raise_on_missing_field(!args.allow_missing)
        .build();
    let eraser = Eraser::from_args(args)?;
    process(&args.io, |text| eraser.apply(&masker, text))
}

/// What to do with each JSON value.
enum Eraser {
    Fields(Fields, Mask),
    Whole(Mask),
    Rules(Rules),
}

impl Eraser {
    fn from_args(a: &EraseArgs) -> Result<Self, Failure> {
        if let Some(path) = &a.rules {
            let text = std::fs::read_to_string(path)
                .map_err(|e| io_failure("cannot read", Some(path), &e))?;
            let json: Value = serde_json::from_str(&text).map_err(|e| Failure {
                kind: "invalid-json",
                message: format!("rules file {}: {e}", path.display()),
            })?;
            return Ok(Eraser::Rules(Rules::from_json(&json)?));
        }
        let mask = if a.dynamic {
            Mask::Dynamic
        } else if let Some(c) = &a.custom {
            Mask::Custom(c.clone())
        } else if let (Some(p), Some(f)) = (&a.regex, &a.format) {
            Mask::regex(p, f)?
        } else {
            Mask::Default
        };
        if a.fields.is_empty() {
            Ok(Eraser::Whole(mask))
        } else {
            Ok(Eraser::Fields(Fields::parse(&a.fields)?, mask))
        }
    }

    /// Erases one JSON document given as text; returns JSON text.
    fn apply(&self, masker: &DataMasking, text: &str) -> Result<String, Error> {
        match self {
            // Rewrites only the selected values when it can, without parsing the rest.
            Eraser::Fields(fields, mask) => masker.erase_json(text, fields, mask),
            Eraser::Whole(mask) => {
                let v: Value = serde_json::from_str(text)?;
                Ok(serde_json::to_string(&masker.erase_all(&v, mask))?)
            }
            Eraser::Rules(rules) => {
                let v: Value = serde_json::from_str(text)?;
                Ok(serde_json::to_string(&masker.erase_by_rules(&v, rules)?)?)
            }
        }
    }
}
