//! What can go wrong reading or writing a message, mapped once to the public [`Error`].

use std::borrow::Cow;
use std::fmt;

use crate::error::Error;

/// A failure of the wire format: a message that cannot be read or authenticated, or one that
/// cannot be written. [`From`] maps each to the public error kind it has always had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FormatError {
    /// Fewer bytes than the named field needs ([`Error::DecryptValue`]).
    Truncated(&'static str),
    /// Bytes left where a structure should end ([`Error::DecryptValue`]); says where.
    Trailing(&'static str),
    /// A field holds what the format does not allow, or a tag, the key commitment or the
    /// signature does not verify ([`Error::DecryptValue`]).
    Invalid(Cow<'static, str>),
    /// The data key's length is not the suite's ([`Error::DecryptKey`]).
    DataKeyLength {
        /// Bytes of the data key given.
        got: usize,
        /// Bytes the suite needs.
        need: usize,
    },
    /// An encryption context that cannot be serialized ([`Error::InvalidContext`]).
    Context(Cow<'static, str>),
    /// A key or value of the encryption context, or all of it, is longer than its 16-bit
    /// length allows ([`Error::InvalidContext`]).
    ContextTooLong(&'static str),
    /// A field to write is longer than its 16-bit length allows ([`Error::EncryptKey`]).
    TooLong(&'static str),
    /// Randomness, sealing or signing failed while writing a message ([`Error::EncryptKey`]).
    Encrypt(&'static str),
    /// Parameters a message cannot be written with ([`Error::Config`]).
    Config(Cow<'static, str>),
}

impl FormatError {
    /// [`FormatError::Invalid`] with `why`.
    pub(crate) fn invalid(why: impl Into<Cow<'static, str>>) -> Self {
        Self::Invalid(why.into())
    }

    /// A field too long for its length prefix is the encryption context's fault.
    pub(crate) fn in_context(self) -> Self {
        match self {
            Self::TooLong(what) => Self::ContextTooLong(what),
            other => other,
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated(what) => write!(f, "the message is truncated ({what})"),
            Self::TooLong(what) | Self::ContextTooLong(what) => {
                write!(f, "{what} is longer than 65535 bytes")
            }
            Self::Trailing(why) | Self::Encrypt(why) => f.write_str(why),
            Self::Invalid(why) | Self::Context(why) | Self::Config(why) => f.write_str(why),
            Self::DataKeyLength { got, need } => {
                write!(f, "the data key has {got} bytes, the suite needs {need}")
            }
        }
    }
}

impl From<FormatError> for Error {
    fn from(e: FormatError) -> Self {
        let text = e.to_string();
        match e {
            FormatError::Truncated(_) | FormatError::Trailing(_) | FormatError::Invalid(_) => {
                Error::DecryptValue(text)
            }
            FormatError::DataKeyLength { .. } => Error::DecryptKey(text),
            FormatError::Context(_) | FormatError::ContextTooLong(_) => Error::InvalidContext(text),
            FormatError::TooLong(_) | FormatError::Encrypt(_) => Error::EncryptKey(text),
            FormatError::Config(_) => Error::Config(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_maps_to_its_public_kind() {
        let cases = [
            (
                FormatError::Truncated("frame tag"),
                "decrypt-value",
                "the message is truncated (frame tag)",
            ),
            (
                FormatError::Trailing("bytes after the end of the message"),
                "decrypt-value",
                "bytes after the end of the message",
            ),
            (
                FormatError::invalid("a frame is out of order"),
                "decrypt-value",
                "a frame is out of order",
            ),
            (
                FormatError::DataKeyLength { got: 3, need: 32 },
                "decrypt-key",
                "the data key has 3 bytes, the suite needs 32",
            ),
            (
                FormatError::Context("more than 65535 entries".into()),
                "invalid-context",
                "more than 65535 entries",
            ),
            (
                FormatError::TooLong("a provider id"),
                "encrypt-key",
                "a provider id is longer than 65535 bytes",
            ),
            (
                FormatError::Encrypt("signing failed"),
                "encrypt-key",
                "signing failed",
            ),
            (
                FormatError::Config("the frame length must be at least 1".into()),
                "config",
                "the frame length must be at least 1",
            ),
        ];
        for (e, kind, text) in cases {
            let e = Error::from(e);
            assert_eq!(e.kind(), kind);
            assert!(e.to_string().ends_with(text), "{e}");
        }
    }
}
