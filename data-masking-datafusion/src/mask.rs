//! `mask`, `mask_dynamic`, `mask_custom` and `mask_regex`: erasure, a plain (sync) UDF.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use data_masking::{Fields, Mask};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use serde_json::Value;

use crate::args::{Strings, evaluated_literals, is_string, planned_literals};
use crate::compiled::Compiled;
use crate::functions::Shared;
use crate::rows::Output;

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

    fn name(self) -> &'static str {
        match self {
            Self::Default => "mask",
            Self::Dynamic => "mask_dynamic",
            Self::Custom => "mask_custom",
            Self::Regex => "mask_regex",
        }
    }

    /// How many literal arguments after the column make the mask.
    fn mask_args(self) -> usize {
        match self {
            Self::Default | Self::Dynamic => 0,
            Self::Custom => 1,
            Self::Regex => 2,
        }
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
}

/// A compiled call: the mask and the fields it applies to.
#[derive(Debug)]
struct Erasure {
    mask: Mask,
    fields: Option<Fields>,
}

/// One mask function over the set's masker.
#[derive(Debug)]
pub(crate) struct MaskUdf {
    kind: MaskKind,
    shared: Arc<Shared>,
    signature: Signature,
    compiled: Compiled<Erasure>,
}

impl MaskUdf {
    pub(crate) fn new(kind: MaskKind, shared: &Arc<Shared>) -> Self {
        Self {
            kind,
            shared: Arc::clone(shared),
            signature: Signature::variadic_any(Volatility::Immutable),
            compiled: Compiled::default(),
        }
    }

    fn erase(&self, erasure: &Erasure, text: &str) -> data_masking::Result<String> {
        let masker = &self.shared.masker;
        if let Some(fields) = &erasure.fields {
            return masker.erase_json(text, fields, &erasure.mask);
        }
        let value: Value = serde_json::from_str(text)?;
        Ok(serde_json::to_string(
            &masker.erase_all(&value, &erasure.mask),
        )?)
    }
}

impl PartialEq for MaskUdf {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl Eq for MaskUdf {}

impl Hash for MaskUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
    }
}

impl ScalarUDFImpl for MaskUdf {
    fn name(&self) -> &str {
        self.kind.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs<'_>) -> Result<FieldRef> {
        let name = self.name();
        let needed = 1 + self.kind.mask_args();
        if args.arg_fields.len() < needed {
            return plan_err!("{name}: expects at least {needed} arguments");
        }
        if !is_string(args.arg_fields[0].data_type()) {
            return plan_err!(
                "{name}: the first argument must be a string column of JSON text, not {}",
                args.arg_fields[0].data_type()
            );
        }
        let literals = planned_literals(name, args.scalar_arguments, 1)?;
        let kind = self.kind;
        self.compiled.get(name, literals, |l| kind.compile(l))?;
        Ok(Arc::new(Field::new(name, DataType::Utf8, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let kind = self.kind;
        let erasure = self
            .compiled
            .get(name, evaluated_literals(name, &args.args, 1)?, |l| {
                kind.compile(l)
            })?;
        let rows = args.number_rows;
        let texts = Strings::new(name, &args.args[0], rows)?;
        let mut out = Output::new(name, &self.shared, rows, texts.bytes());
        for row in 0..rows {
            let outcome = texts.get(row).map(|t| self.erase(&erasure, t)).transpose();
            out.push(row, outcome)?;
        }
        Ok(out.finish())
    }
}
