//! The AWS Encryption SDK message format: algorithm suites, header, body and footer.
//!
//! This module works on bytes only: it knows nothing of JSON, paths or where data keys come
//! from.

mod codec;
pub(crate) mod format;
mod suite;

pub use format::{PUBLIC_KEY_CONTEXT_KEY, RESERVED_CONTEXT_PREFIX};
pub(crate) use suite::Signature;
pub use suite::{AlgorithmSuite, CommitmentPolicy};
