//! data-masking's functions for [Apache DataFusion](https://datafusion.apache.org): erase,
//! encrypt, decrypt, seal and unseal fields of JSON text columns in SQL, on one machine or on a
//! [Ballista](https://datafusion.apache.org/ballista/) cluster.
//!
//! [`register`] adds these scalar functions to a [`SessionContext`], all backed by one
//! [`DataMasking`] (its keyring, cache and options):
//!
//! | function | result |
//! |---|---|
//! | `mask(col, 'path', ...)` | the JSON text with each selected value replaced by `"*****"` |
//! | `mask_dynamic(col, 'path', ...)` | ... by a mask of the value's length |
//! | `mask_custom(col, 'MASK', 'path', ...)` | ... by `MASK` |
//! | `mask_regex(col, 'pattern', 'format', 'path', ...)` | ... by `re.sub(pattern, format, value)` |
//! | `encrypt_fields(col, context, 'path', ...)` | each selected value encrypted into its own message (base64) |
//! | `decrypt_fields(col, context, 'path', ...)` | the reverse |
//! | `encrypt_value(col, context)` | the whole JSON text encrypted into one message (base64) |
//! | `decrypt_value(col, context)` | the reverse: the JSON text, compact |
//! | `seal(col, context, 'spec')` | the record sealed: one message per record (see [`data_masking::Seal`]) |
//! | `unseal(col, context, 'spec')` | the reverse; a tampered record is a bad row |
//! | `to_json(value)` | any column (a plain string, a number, a struct) as JSON text, for the functions above |
//!
//! * `col` is a string column (`Utf8`, `LargeUtf8` or `Utf8View`) of JSON texts; NULL gives
//!   NULL. The results are `Utf8`.
//! * The mask functions without a path mask the whole value.
//! * Paths, masks and seal specs are string literals in the field dialect of
//!   [`data_masking::Fields`]; they are checked when the query is planned and compiled once
//!   per session, not per row.
//! * `context` is the encryption context: a JSON object text (`'{"tenant": "acme"}'`, or a
//!   column, so each row can carry its own) or a `Map<Utf8, Utf8>` column.
//! * `spec` is a JSON object: `{"encrypt": [paths], "sign": [paths], "bind": {"context key":
//!   "path"}, "member": "__sealed"}` (all optional but one action).
//! * The encrypting functions take a whole batch a call; rows under one context share the data
//!   key through the masker's cache (one key-provider call per data key, not per row). They
//!   run the masker's async calls on the current Tokio runtime (blocking in place on a
//!   multi-threaded one), and nest freely: `decrypt_value(encrypt_value(doc, c), c)`.
//!
//! A bad row (not JSON, a missing field under `raise_on_missing_field`, a message that does not
//! decrypt, a tampered record) fails the query with a [`FunctionError`] naming the function, the
//! row's place in its batch and the error kind. With [`Functions::null_on_bad_row`] it gives NULL
//! instead, and [`Functions::bad_rows`] counts them. A value is never passed through unmasked.
//!
//! ```
//! use data_masking::{DataMasking, keys::RawAesKeyring};
//! use datafusion::prelude::SessionContext;
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let masker = DataMasking::builder()
//!     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
//!     .build();
//! let ctx = SessionContext::new();
//! data_masking_datafusion::register(&ctx, masker);
//! let rows = ctx
//!     .sql(r#"SELECT mask('{"card": "4111", "id": 7}', 'card') AS masked"#)
//!     .await?
//!     .collect()
//!     .await?;
//! let masked = datafusion::arrow::array::AsArray::as_string::<i32>(rows[0].column(0));
//! assert_eq!(masked.value(0), r#"{"card": "*****", "id": 7}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod args;
mod blocking;
#[cfg(feature = "ballista")]
pub mod cluster;
mod compiled;
mod crypt;
pub mod files;
mod function_error;
mod functions;
mod mask;
#[cfg(feature = "ballista")]
pub mod process;
mod rows;
mod seal;
mod shared;
mod to_json;
mod udf;

pub use function_error::FunctionError;
pub use functions::{Functions, register};

/// The DataFusion this crate is built on, for callers that need its types.
pub use datafusion;
