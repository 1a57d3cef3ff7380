//! The AWS Encryption SDK message format: algorithm suites, header, body and footer, the
//! encrypted data key, key derivation and the footer's signing keys.
//!
//! This module is the ground floor: it works on bytes only and imports nothing of the crate but
//! the error type and the crypto primitives. It knows nothing of JSON, paths, keyrings or the
//! cache; it is given a data key (and a signing or verification key) and writes or reads
//! messages.
//!
//! One concern a file: `codec` (the bounded reader, the writers, the encode/decode trait), `error` (the format's errors and their public kinds), `suite`, `context` (the
//! serialized encryption context), `edk`, `header`, `kdf`, `body` (frames), `footer` (the
//! signature and its keys), `ids` (message ids), `encrypt` and `decrypt` (whole messages), and
//! `format`, the entry points the layers above call.

mod body;
mod codec;
mod context;
mod decrypt;
mod edk;
mod encrypt;
mod error;
pub(crate) mod footer;
pub(crate) mod format;
mod header;
mod ids;
mod kdf;
pub(crate) mod stream;
mod suite;

pub use context::{PUBLIC_KEY_CONTEXT_KEY, RESERVED_CONTEXT_PREFIX};
pub use edk::EncryptedDataKey;
pub use suite::{AlgorithmSuite, CommitmentPolicy};
