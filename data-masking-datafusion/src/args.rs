//! Reading the functions' arguments: string literals, string columns of JSON text, and
//! encryption contexts.

use std::sync::Arc;

use data_masking::EncryptionContext;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, MapArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::ColumnarValue;

/// Whether `data_type` is one of Arrow's string types.
pub(crate) fn is_string(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
    )
}

/// Whether `data_type` can hold an encryption context: a JSON object text or a string map.
pub(crate) fn is_context(data_type: &DataType) -> bool {
    match data_type {
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(fields) => {
                fields.len() == 2 && fields.iter().all(|f| is_string(f.data_type()))
            }
            _ => false,
        },
        other => is_string(other),
    }
}

/// The text of a string literal, or `None` when `value` is not one (NULL is not).
pub(crate) fn literal_text(value: &ScalarValue) -> Option<&str> {
    match value {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => Some(s),
        _ => None,
    }
}

/// The string literals from argument `from` on, as planned (`scalars` from
/// `ReturnFieldArgs`): an error naming the argument when one is not a string literal.
pub(crate) fn planned_literals(
    function: &str,
    scalars: &[Option<&ScalarValue>],
    from: usize,
) -> Result<Vec<String>> {
    scalars
        .iter()
        .enumerate()
        .skip(from)
        .map(|(i, scalar)| {
            let Some(text) = scalar.and_then(literal_text) else {
                return plan_err!("{function}: argument {} must be a string literal", i + 1);
            };
            Ok(text.to_string())
        })
        .collect()
}

/// The string literals from argument `from` on, as evaluated.
pub(crate) fn evaluated_literals(
    function: &str,
    args: &[ColumnarValue],
    from: usize,
) -> Result<Vec<String>> {
    args.iter()
        .enumerate()
        .skip(from)
        .map(|(i, arg)| match arg {
            ColumnarValue::Scalar(scalar) => {
                let Some(text) = literal_text(scalar) else {
                    return exec_err!("{function}: argument {} must be a string literal", i + 1);
                };
                Ok(text.to_string())
            }
            ColumnarValue::Array(_) => {
                exec_err!("{function}: argument {} must be a string literal", i + 1)
            }
        })
        .collect()
}

/// A string column (or literal) of `rows` rows, readable row by row.
pub(crate) struct Strings {
    array: ArrayRef,
}

impl Strings {
    /// The argument as `rows` strings; an error naming the function when it is not a string.
    pub(crate) fn new(function: &str, arg: &ColumnarValue, rows: usize) -> Result<Self> {
        let array = arg.to_array(rows)?;
        if !is_string(array.data_type()) {
            return exec_err!(
                "{function}: the first argument must be a string column of JSON text, not {}",
                array.data_type()
            );
        }
        Ok(Self { array })
    }

    /// A string array (one of the types [`is_string`] accepts).
    pub(crate) fn of(array: ArrayRef) -> Self {
        Self { array }
    }

    /// Row `i`'s text; `None` for NULL.
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        if self.array.is_null(i) {
            return None;
        }
        Some(match self.array.data_type() {
            DataType::Utf8 => self.array.as_string::<i32>().value(i),
            DataType::LargeUtf8 => self.array.as_string::<i64>().value(i),
            DataType::Utf8View => self.array.as_string_view().value(i),
            _ => return None,
        })
    }

    /// The total bytes of text, for sizing the output.
    pub(crate) fn bytes(&self) -> usize {
        self.array.get_buffer_memory_size()
    }
}

/// The encryption contexts of a batch: one for all rows (a literal), or one a row.
pub(crate) enum Contexts {
    /// The same context for every row; `None` when NULL.
    One(Option<Arc<EncryptionContext>>),
    /// A context a row, parsed as needed; the last one is kept, since neighbours share it.
    Rows {
        array: ArrayRef,
        last: Option<(usize, Arc<EncryptionContext>)>,
    },
}

impl Contexts {
    /// The context argument of a batch.
    pub(crate) fn new(function: &str, arg: &ColumnarValue) -> Result<Self> {
        match arg {
            ColumnarValue::Scalar(scalar) => {
                if scalar.is_null() {
                    return Ok(Self::One(None));
                }
                let array = scalar.to_array_of_size(1)?;
                if !is_context(array.data_type()) {
                    return exec_err!(
                        "{function}: the context must be a JSON object text or a string map, not {}",
                        array.data_type()
                    );
                }
                let ctx = context_at(&array, 0)
                    .map_err(|e| {
                        DataFusionError::Execution(format!("{function}: error[{}]: {e}", e.kind()))
                    })?
                    .map(Arc::new);
                Ok(Self::One(ctx))
            }
            ColumnarValue::Array(array) => {
                if !is_context(array.data_type()) {
                    return exec_err!(
                        "{function}: the context must be a JSON object text or a string map, not {}",
                        array.data_type()
                    );
                }
                Ok(Self::Rows {
                    array: Arc::clone(array),
                    last: None,
                })
            }
        }
    }

    /// Row `i`'s context: `Ok(None)` when NULL, an error when it is not a context.
    pub(crate) fn get(&mut self, i: usize) -> data_masking::Result<Option<Arc<EncryptionContext>>> {
        match self {
            Self::One(ctx) => Ok(ctx.clone()),
            Self::Rows { array, last } => {
                if let Some((row, ctx)) = last
                    && same_context(array, *row, i)
                {
                    *row = i;
                    return Ok(Some(Arc::clone(ctx)));
                }
                let Some(ctx) = context_at(array, i)?.map(Arc::new) else {
                    return Ok(None);
                };
                *last = Some((i, Arc::clone(&ctx)));
                Ok(Some(ctx))
            }
        }
    }
}

/// Whether rows `a` and `b` of a context column hold the same text (maps are compared by
/// parsing them again).
fn same_context(array: &ArrayRef, a: usize, b: usize) -> bool {
    if array.is_null(a) || array.is_null(b) {
        return false;
    }
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().value(a) == array.as_string::<i32>().value(b),
        DataType::LargeUtf8 => {
            array.as_string::<i64>().value(a) == array.as_string::<i64>().value(b)
        }
        DataType::Utf8View => array.as_string_view().value(a) == array.as_string_view().value(b),
        _ => false,
    }
}

/// The context in row `i` of `array` (a context column): a JSON object of string values, or a
/// string map.
fn context_at(array: &ArrayRef, i: usize) -> data_masking::Result<Option<EncryptionContext>> {
    if array.is_null(i) {
        return Ok(None);
    }
    let bad = |why: &str| data_masking::Error::InvalidContext(why.to_string());
    if let DataType::Map(_, _) = array.data_type() {
        let map: &MapArray = array.as_map();
        let entries = map.value(i);
        let (keys, values) = (
            Strings::of(Arc::clone(entries.column(0))),
            Strings::of(Arc::clone(entries.column(1))),
        );
        let mut ctx = EncryptionContext::empty();
        for j in 0..entries.len() {
            let (Some(k), Some(v)) = (keys.get(j), values.get(j)) else {
                return Err(bad("a context key or value is NULL"));
            };
            ctx.insert(k, v)?;
        }
        return Ok(Some(ctx));
    }
    let strings = Strings::of(Arc::clone(array));
    let Some(text) = strings.get(i) else {
        return Ok(None);
    };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|_| bad("the context is not a JSON object text"))?;
    EncryptionContext::from_json(&value).map(Some)
}
