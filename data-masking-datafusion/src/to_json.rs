//! `to_json(value)`: any column as JSON text, so a typed column (a string, a number, a struct
//! from Parquet or inferred NDJSON) can be masked or encrypted as a JSON value.

use std::sync::Arc;

use datafusion::arrow::array::{Array, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::json::LineDelimitedWriter;
use datafusion::common::{Result, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

/// `to_json(value)`: the value's JSON text (a string quoted and escaped, a struct an object, a
/// list an array); NULL gives NULL.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ToJson {
    signature: Signature,
}

impl ToJson {
    pub(crate) fn new() -> Self {
        Self {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for ToJson {
    fn name(&self) -> &'static str {
        "to_json"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        if args.len() != 1 {
            return plan_err!("to_json: expects one argument");
        }
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let array = args.args[0].to_array(rows)?;
        let field = Field::new("v", array.data_type().clone(), true);
        let batch =
            RecordBatch::try_new(Arc::new(Schema::new(vec![field])), vec![Arc::clone(&array)])?;
        // Each row is written as {"v":<value>}; the value is what lies between.
        let mut lines = Vec::new();
        let mut writer = LineDelimitedWriter::new(&mut lines);
        writer.write(&batch)?;
        writer.finish()?;
        let text = std::str::from_utf8(&lines)
            .map_err(|e| datafusion::common::DataFusionError::Internal(format!("to_json: {e}")))?;
        let mut out = StringBuilder::with_capacity(rows, lines.len());
        let mut written = text.lines();
        for row in 0..rows {
            let Some(line) = written.next() else {
                return exec_err!("to_json: the JSON writer gave fewer rows than the batch");
            };
            match line
                .strip_prefix("{\"v\":")
                .and_then(|l| l.strip_suffix('}'))
            {
                Some(value) if !array.is_null(row) => out.append_value(value),
                _ => out.append_null(),
            }
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}
