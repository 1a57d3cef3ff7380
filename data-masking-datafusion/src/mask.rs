//! `mask`, `mask_dynamic`, `mask_custom` and `mask_regex`: erasure, a plain (sync) UDF.

use data_masking::{Fields, Mask};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, Volatility};
use serde_json::Value;

use crate::args::Strings;
use crate::rows::Output;
use crate::shared::Shared;
use crate::udf::Function;

/// Which mask function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum MaskKind {
    Default,
    Dynamic,
    Custom,
    Regex,
}

impl MaskKind {
    pub(crate) const ALL: [MaskKind; 4] = [Self::Default, Self::Dynamic, Self::Custom, Self::Regex];

    /// How many literal arguments after the column make the mask.
    fn mask_args(self) -> usize {
        match self {
            Self::Default | Self::Dynamic => 0,
            Self::Custom => 1,
            Self::Regex => 2,
        }
    }
}

impl Function for MaskKind {
    type Compiled = Erasure;

    fn name(self) -> &'static str {
        match self {
            Self::Default => "mask",
            Self::Dynamic => "mask_dynamic",
            Self::Custom => "mask_custom",
            Self::Regex => "mask_regex",
        }
    }

    fn volatility(self) -> Volatility {
        Volatility::Immutable
    }

    fn literals_from(self) -> usize {
        1
    }

    fn check_count(self, count: usize) -> Result<()> {
        let needed = 1 + self.mask_args();
        if count < needed {
            return plan_err!("{}: expects at least {needed} arguments", self.name());
        }
        Ok(())
    }

    /// The mask and the paths (none: the whole value) from the literal arguments.
    fn compile(self, literals: &[String]) -> data_masking::Result<Erasure> {
        let (mask_args, paths) = literals.split_at(self.mask_args());
        let mask = match self {
            Self::Default => Mask::Default,
            Self::Dynamic => Mask::Dynamic,
            Self::Custom => Mask::Custom(mask_args[0].clone()),
            Self::Regex => Mask::regex(&mask_args[0], &mask_args[1])?,
        };
        let fields = if paths.is_empty() {
            None
        } else {
            Some(Fields::parse(paths)?)
        };
        Ok(Erasure { mask, fields })
    }

    fn invoke(
        self,
        shared: &Shared,
        erasure: &Erasure,
        args: &ScalarFunctionArgs,
    ) -> Result<ColumnarValue> {
        let name = self.name();
        let rows = args.number_rows;
        let texts = Strings::new(name, &args.args[0], rows)?;
        let mut out = Output::new(name, shared, rows, texts.bytes());
        for row in 0..rows {
            let outcome = texts
                .get(row)
                .map(|t| erasure.erase(&shared.masker, t))
                .transpose();
            out.push(row, outcome)?;
        }
        Ok(out.finish())
    }
}

/// A compiled call: the mask and the fields it applies to.
#[derive(Debug)]
pub(crate) struct Erasure {
    mask: Mask,
    fields: Option<Fields>,
}

impl Erasure {
    /// One JSON text erased.
    fn erase(
        &self,
        masker: &data_masking::DataMasking,
        text: &str,
    ) -> data_masking::Result<String> {
        if let Some(fields) = &self.fields {
            return masker.erase_json(text, fields, &self.mask);
        }
        let value: Value = serde_json::from_str(text)?;
        Ok(serde_json::to_string(
            &masker.erase_all(&value, &self.mask),
        )?)
    }
}
