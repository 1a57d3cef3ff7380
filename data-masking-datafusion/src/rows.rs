//! A function's output column, row by row, under the bad-row policy.

use std::sync::Arc;

use datafusion::arrow::array::StringBuilder;
use datafusion::common::Result;
use datafusion::logical_expr::ColumnarValue;

use crate::function_error::FunctionError;
use crate::shared::Shared;

/// The output of one function over one batch.
pub(crate) struct Output<'a> {
    function: &'static str,
    shared: &'a Shared,
    builder: StringBuilder,
}

impl<'a> Output<'a> {
    /// An empty output for `rows` rows of about `bytes` bytes.
    pub(crate) fn new(
        function: &'static str,
        shared: &'a Shared,
        rows: usize,
        bytes: usize,
    ) -> Self {
        Self {
            function,
            shared,
            builder: StringBuilder::with_capacity(rows, bytes),
        }
    }

    /// Appends row `row`'s outcome: its text, NULL, or an error, which fails the batch with a
    /// [`FunctionError`] (naming the function, the row and the error kind), or, under the NULL
    /// policy, is counted and gives NULL.
    pub(crate) fn push(
        &mut self,
        row: usize,
        outcome: data_masking::Result<Option<String>>,
    ) -> Result<()> {
        match outcome {
            Ok(Some(text)) => self.builder.append_value(text),
            Ok(None) => self.builder.append_null(),
            Err(_) if self.shared.null_on_bad_row => {
                self.shared.count_bad_row();
                self.builder.append_null();
            }
            Err(err) => return Err(FunctionError::row(self.function, row, err).into()),
        }
        Ok(())
    }

    /// The finished column.
    pub(crate) fn finish(mut self) -> ColumnarValue {
        ColumnarValue::Array(Arc::new(self.builder.finish()))
    }
}
