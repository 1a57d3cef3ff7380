//! The error a function fails a query with, typed: which function, which row, and data-masking's
//! error, inside [`DataFusionError::External`], so a caller reads its kind without parsing text.

use std::error::Error;
use std::fmt;

use datafusion::common::DataFusionError;

/// A function's failure: a bad row (not JSON, a missing field, a message that does not
/// decrypt, a tampered record, ...), a bad context, or a path, mask or spec that does not
/// compile.
///
/// Its message names the function, the row's place in its batch and the error kind, never the
/// row's text: `mask: row 2 of the batch: error[invalid-json]: ...`. The functions return it
/// inside [`DataFusionError::External`]; DataFusion may wrap that further, and
/// [`FunctionError::find`] looks through the wrapping.
///
/// ```
/// use data_masking::DataMasking;
/// use data_masking_datafusion::FunctionError;
/// use datafusion::prelude::SessionContext;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let ctx = SessionContext::new();
/// data_masking_datafusion::register(&ctx, DataMasking::new());
/// let err = ctx
///     .sql("SELECT mask(doc, 'card') FROM (VALUES ('{\"card\": 1}'), ('not json')) AS t(doc)")
///     .await?
///     .collect()
///     .await
///     .unwrap_err();
/// let found = FunctionError::find(&err).expect("a function's error");
/// assert_eq!((found.function, found.row), ("mask", Some(1)));
/// assert_eq!(found.error.kind(), "invalid-json");
/// assert!(found.to_string().starts_with("mask: row 1 of the batch: error[invalid-json]: "));
/// assert!(!err.to_string().contains("not json"), "the row's text is not echoed");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct FunctionError {
    /// The function's SQL name.
    pub function: &'static str,
    /// The bad row's place in its batch (from 0); `None` when the error is not one row's (a
    /// path, mask, spec or constant context of the call).
    pub row: Option<usize>,
    /// What went wrong; [`data_masking::Error::kind`] names its kind.
    pub error: data_masking::Error,
}

impl FunctionError {
    /// Function `function`'s `error` on row `row` of its batch.
    pub(crate) fn row(function: &'static str, row: usize, error: data_masking::Error) -> Self {
        Self {
            function,
            row: Some(row),
            error,
        }
    }

    /// Function `function`'s `error` on its arguments as a whole.
    pub(crate) fn call(function: &'static str, error: data_masking::Error) -> Self {
        Self {
            function,
            row: None,
            error,
        }
    }

    /// The message without the error kind, for callers that print the kind apart:
    /// `mask: row 2 of the batch: invalid JSON at ...`.
    ///
    /// ```
    /// use data_masking_datafusion::FunctionError;
    /// let err = FunctionError {
    ///     function: "mask",
    ///     row: None,
    ///     error: data_masking::Error::EmptyFields,
    /// };
    /// assert_eq!(err.message(), "mask: fields parameter cannot be empty");
    /// assert_eq!(err.to_string(), "mask: error[empty-fields]: fields parameter cannot be empty");
    /// ```
    pub fn message(&self) -> String {
        format!("{}{}", self.place(), self.error)
    }

    /// The first function error in `err`'s chain of sources (through
    /// [`DataFusionError::External`], `Context`, `Shared`, Arrow's `ExternalError`, ...), if
    /// any.
    pub fn find<'a>(err: &'a (dyn Error + 'static)) -> Option<&'a Self> {
        let mut next = Some(err);
        while let Some(err) = next {
            if let Some(found) = err.downcast_ref::<Self>() {
                return Some(found);
            }
            next = err.source();
        }
        None
    }

    /// `function: ` or `function: row N of the batch: `.
    fn place(&self) -> String {
        match self.row {
            Some(row) => format!("{}: row {row} of the batch: ", self.function),
            None => format!("{}: ", self.function),
        }
    }
}

impl fmt::Display for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}error[{}]: {}",
            self.place(),
            self.error.kind(),
            self.error
        )
    }
}

impl Error for FunctionError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.error)
    }
}

impl From<FunctionError> for DataFusionError {
    fn from(err: FunctionError) -> Self {
        DataFusionError::External(Box::new(err))
    }
}
