//! The error type shared by every operation.
//!
//! Each variant maps to one exception of Powertools for AWS Lambda (Python) Data Masking, so code
//! that catches `DataMaskingFieldNotFoundError` and friends ports one to one. No variant ever
//! carries plaintext, key material or a data key.

use std::fmt;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every failure of erase, encrypt and decrypt.
///
/// ```
/// use data_masking::{DataMasking, Error};
/// use serde_json::json;
///
/// let err = DataMasking::new().erase(&json!({"a": 1}), &["b"]).unwrap_err();
/// assert!(matches!(err, Error::FieldNotFound { .. }));
/// assert_eq!(err.kind(), "field-not-found");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is of a type that cannot be processed here (Powertools
    /// `DataMaskingUnsupportedTypeError`).
    #[error("unsupported input: {0}")]
    UnsupportedType(String),

    /// A field expression matched nothing (Powertools `DataMaskingFieldNotFoundError`).
    #[error("field or expression {field} not found")]
    FieldNotFound {
        /// The expression as the caller wrote it.
        field: String,
    },

    /// The field list was empty; pass no fields to process the whole value.
    #[error("fields parameter cannot be empty")]
    EmptyFields,

    /// A field expression could not be parsed.
    #[error("invalid path {path:?} at position {position}: {reason}")]
    InvalidPath {
        /// The expression as the caller wrote it.
        path: String,
        /// Character offset (0-based) in `path` where the problem was found.
        position: usize,
        /// What is wrong.
        reason: String,
    },

    /// A mask could not be built, e.g. a regex that does not compile or a format naming a group
    /// the pattern lacks (Powertools `DataMaskingError("Invalid regex pattern")`).
    #[error("invalid mask: {0}")]
    InvalidMask(String),

    /// The input text is not valid JSON.
    #[error("invalid JSON at line {line} column {column}: {reason}")]
    InvalidJson {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the parser reported.
        reason: String,
    },

    /// An encryption context is not acceptable (reserved key, or a value that is not a string).
    #[error("invalid encryption context: {0}")]
    InvalidContext(String),

    /// A data key could not be generated or wrapped (Powertools `DataMaskingEncryptKeyError`).
    #[error("encrypt key error: {0}")]
    EncryptKey(String),

    /// No keyring could unwrap a data key of the message (Powertools
    /// `DataMaskingDecryptKeyError`).
    #[error("decrypt key error: {0}")]
    DecryptKey(String),

    /// The ciphertext is not a valid, authentic message (Powertools
    /// `DataMaskingDecryptValueError`).
    #[error("decrypt value error: {0}")]
    DecryptValue(String),

    /// The caller's encryption context differs from the one bound to the message (Powertools
    /// `DataMaskingContextMismatchError`). Names only the keys involved, never values.
    #[error("encryption context mismatch: {0}")]
    ContextMismatch(String),

    /// A sealed record disagrees with its message: a placeholder moved, added, removed or
    /// altered, a signed value changed, added or removed, a bound field gone, or the message
    /// itself missing. Nothing of the record is returned.
    #[error("record tampered at {path}: {reason}")]
    RecordTampered {
        /// Where: the location (an RFC 9535 normalized path) or the field.
        path: String,
        /// What happened there.
        reason: String,
    },

    /// The configuration is not usable (e.g. an unsupported algorithm suite or frame length).
    #[error("invalid configuration: {0}")]
    Config(String),

    /// Reading the input or writing the output of a streaming encrypt or decrypt failed (says
    /// which, and the system's reason).
    #[error("i/o error: {0}")]
    Io(String),
}

impl Error {
    /// A short, stable, kebab-case name of the error kind, as the CLI prints it
    /// (`error[field-not-found]: ...`).
    ///
    /// ```
    /// use data_masking::Error;
    /// assert_eq!(Error::EmptyFields.kind(), "empty-fields");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Error::UnsupportedType(_) => "unsupported-type",
            Error::FieldNotFound { .. } => "field-not-found",
            Error::EmptyFields => "empty-fields",
            Error::InvalidPath { .. } => "invalid-path",
            Error::InvalidMask(_) => "invalid-mask",
            Error::InvalidJson { .. } => "invalid-json",
            Error::InvalidContext(_) => "invalid-context",
            Error::EncryptKey(_) => "encrypt-key",
            Error::DecryptKey(_) => "decrypt-key",
            Error::DecryptValue(_) => "decrypt-value",
            Error::ContextMismatch(_) => "context-mismatch",
            Error::RecordTampered { .. } => "record-tampered",
            Error::Config(_) => "config",
            Error::Io(_) => "io",
        }
    }

    pub(crate) fn invalid_json(err: &serde_json::Error) -> Self {
        Error::InvalidJson {
            line: err.line(),
            column: err.column(),
            reason: Reason(err).to_string(),
        }
    }
}

/// A JSON syntax error becomes [`Error::InvalidJson`].
///
/// ```
/// use data_masking::Error;
/// let e: Error = serde_json::from_str::<serde_json::Value>("[1,").unwrap_err().into();
/// assert_eq!(e.kind(), "invalid-json");
/// ```
impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Self {
        Error::invalid_json(&err)
    }
}

/// Formats a serde_json error without its " at line X column Y" suffix.
struct Reason<'a>(&'a serde_json::Error);

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let full = self.0.to_string();
        let cut = full.rfind(" at line ").unwrap_or(full.len());
        f.write_str(&full[..cut])
    }
}
