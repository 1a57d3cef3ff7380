//! Reading the functions' arguments: string literals, string columns of JSON text, and
//! encryption contexts.

use std::sync::Arc;

use data_masking::EncryptionContext;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, MapArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::ColumnarValue;

use crate::function_error::FunctionError;

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
    /// A JSON object text a row, parsed as needed; the last one is kept, since neighbours
    /// share it.
    Texts {
        texts: Strings,
        last: Option<(usize, Arc<EncryptionContext>)>,
    },
    /// A string map a row.
    Maps(MapArray),
}

impl Contexts {
    /// The context argument of a batch.
    pub(crate) fn new(function: &'static str, arg: &ColumnarValue) -> Result<Self> {
        let (array, scalar) = match arg {
            ColumnarValue::Scalar(scalar) if scalar.is_null() => return Ok(Self::One(None)),
            ColumnarValue::Scalar(scalar) => (scalar.to_array_of_size(1)?, true),
            ColumnarValue::Array(array) => (Arc::clone(array), false),
        };
        let mut rows = match array.data_type() {
            t if !is_context(t) => {
                return exec_err!(
                    "{function}: the context must be a JSON object text or a string map, not {t}"
                );
            }
            DataType::Map(_, _) => Self::Maps(array.as_map().clone()),
            _ => Self::Texts {
                texts: Strings::of(array),
                last: None,
            },
        };
        if !scalar {
            return Ok(rows);
        }
        let one = rows.get(0).map_err(|e| FunctionError::call(function, e))?;
        Ok(Self::One(one))
    }

    /// Row `i`'s context: `Ok(None)` when NULL, an error when it is not a context.
    pub(crate) fn get(&mut self, i: usize) -> data_masking::Result<Option<Arc<EncryptionContext>>> {
        match self {
            Self::One(ctx) => Ok(ctx.clone()),
            Self::Texts { texts, last } => {
                let Some(text) = texts.get(i) else {
                    return Ok(None);
                };
                if let Some((row, ctx)) = last
                    && texts.get(*row) == Some(text)
                {
                    *row = i;
                    return Ok(Some(Arc::clone(ctx)));
                }
                let value: serde_json::Value = serde_json::from_str(text)
                    .map_err(|_| bad_context("the context is not a JSON object text"))?;
                let ctx = Arc::new(EncryptionContext::from_json(&value)?);
                *last = Some((i, Arc::clone(&ctx)));
                Ok(Some(ctx))
            }
            Self::Maps(maps) => map_at(maps, i).map(|ctx| ctx.map(Arc::new)),
        }
    }
}

/// An invalid context error.
fn bad_context(why: &str) -> data_masking::Error {
    data_masking::Error::InvalidContext(why.to_owned())
}

/// The context in row `i` of a string map column.
fn map_at(maps: &MapArray, i: usize) -> data_masking::Result<Option<EncryptionContext>> {
    if maps.is_null(i) {
        return Ok(None);
    }
    let entries = maps.value(i);
    let (keys, values) = (
        Strings::of(Arc::clone(entries.column(0))),
        Strings::of(Arc::clone(entries.column(1))),
    );
    let mut ctx = EncryptionContext::empty();
    for j in 0..entries.len() {
        let (Some(k), Some(v)) = (keys.get(j), values.get(j)) else {
            return Err(bad_context("a context key or value is NULL"));
        };
        ctx.insert(k, v)?;
    }
    Ok(Some(ctx))
}
