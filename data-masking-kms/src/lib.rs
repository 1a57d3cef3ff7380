//! The AWS KMS keyring for data-masking: Powertools' `AWSEncryptionSDKProvider(keys=[...])` in
//! Rust.
//!
//! [`KmsKeyring`] generates data keys with AWS KMS (`GenerateDataKey` with the first key, `Encrypt`
//! with each further key) and unwraps them in strict mode (`Decrypt` naming the configured key).
//! Messages are byte-compatible with Powertools for AWS Lambda (Python) and every AWS Encryption
//! SDK using the same keys. [`data_masking()`] builds a cached [`DataMasking`] in one call.
//!
//! ```no_run
//! use data_masking::{CacheLimits, EncryptionContext};
//! use serde_json::json;
//! # async fn demo() -> data_masking::Result<()> {
//! let masker = data_masking_kms::data_masking(
//!     ["arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
//!     CacheLimits::default(),
//! )
//! .await?;
//! let ctx = EncryptionContext::new([("tenant", "acme")])?;
//! let record = masker.encrypt_fields(&json!({"card": "4111"}), &["card"], &ctx).await?;
//! # Ok(()) }
//! ```

mod arn;
mod keyring;
mod ops;

/// The README's Rust snippets, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use arn::KeyArn;
/// The AWS configuration crate this keyring is built on, re-exported so that callers use the
/// same version (e.g. `data_masking_kms::aws_config::load_defaults`).
pub use aws_config;
/// The AWS KMS SDK this keyring is built on, re-exported so that callers build a matching
/// client for [`KmsKeyring::with_client`].
pub use aws_sdk_kms;
pub use keyring::{KmsKeyring, KmsKeyringBuilder, PROVIDER_ID, Timeouts};

use data_masking::{CacheLimits, DataMasking, Result};

/// A [`DataMasking`] on a [`KmsKeyring`] for `keys` (full key ARNs, the first generates data
/// keys) with the materials cache limited by `cache`, from the standard AWS configuration: the
/// one-call equivalent of Powertools'
/// `DataMasking(provider=AWSEncryptionSDKProvider(keys=[...], local_cache_capacity=...,
/// max_cache_age_seconds=..., max_messages_encrypted=..., max_bytes_encrypted=...))`.
///
/// Build it once per process (outside the Lambda handler) and clone it into tasks: the cache is
/// what keeps KMS calls to one per data key.
///
/// ```no_run
/// use data_masking::CacheLimits;
/// use std::time::Duration;
/// # async fn demo() -> data_masking::Result<()> {
/// let masker = data_masking_kms::data_masking(
///     ["arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
///     CacheLimits { max_age: Duration::from_secs(60), max_messages_encrypted: 1000, ..CacheLimits::default() },
/// )
/// .await?;
/// # Ok(()) }
/// ```
pub async fn data_masking<I>(keys: I, cache: CacheLimits) -> Result<DataMasking>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let keyring = KmsKeyring::from_env(keys).await?;
    DataMasking::builder()
        .keyring(keyring)
        .cache(cache)
        .try_build()
}
