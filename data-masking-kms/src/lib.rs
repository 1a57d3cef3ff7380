//! The AWS KMS keyring for data-masking: Powertools' `AWSEncryptionSDKProvider(keys=[...])` in
//! Rust.
//!
//! [`KmsKeyring`] generates data keys with AWS KMS (`GenerateDataKey` with the first key, `Encrypt`
//! with each further key) and unwraps them in strict mode (`Decrypt` naming the configured key).
//! Messages are byte-compatible with Powertools for AWS Lambda (Python) and every AWS Encryption
//! SDK using the same keys. [`data_masking()`] builds a cached [`DataMasking`] in one call.
//! A multi-Region key (`mrk-...`) matches its replicas in every Region on decrypt, and each call
//! goes to its key's Region.
//!
//! [`KmsDiscoveryKeyring`] and [`KmsMrkDiscoveryKeyring`] (bound to one Region) decrypt with the
//! key that each encrypted data key names, within a [`DiscoveryFilter`] of partition and
//! accounts; they never encrypt. All three send grant tokens with every KMS call when given.
//!
//! Decrypting costs at most one KMS `Decrypt` per configured key and message, whatever the message
//! holds; [`data_masking()`] also refuses messages with more than
//! [`DEFAULT_MAX_ENCRYPTED_DATA_KEYS`] encrypted data keys before any KMS call.
//!
//! Data keys: the keyring's own copies (the plaintext that `GenerateDataKey` and `Decrypt`
//! return, once taken out of the SDK's response) are zeroized when dropped. The copies inside
//! the AWS SDK are not: the plaintext of an `Encrypt` request (handed to the SDK, which encodes
//! and signs it), and the HTTP bodies and decoding buffers of the `GenerateDataKey` and `Decrypt`
//! responses, are freed by the SDK without being overwritten.
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
mod discovery;
mod keyring;
mod ops;
mod options;
mod regional;

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
pub use discovery::{DiscoveryFilter, KmsDiscoveryKeyring, KmsMrkDiscoveryKeyring};
pub use keyring::{KmsKeyring, KmsKeyringBuilder, PROVIDER_ID};
pub use regional::Timeouts;

use data_masking::{CacheLimits, DataMasking, Encryptor, EncryptorBuilder, Result};

/// The most encrypted data keys a message may hold, on encrypt and decrypt, in a [`DataMasking`]
/// from [`data_masking()`] or [`encryptor_builder()`] (or the number of configured keys, when
/// there are more). A message made with this keyring holds one per configured key.
///
/// The bound is checked when the header is read, before any KMS call: a message with more is a
/// `decrypt-value` error. Without it, a message can hold up to 65,535 encrypted data keys (the
/// format's limit) that the keyring has to read through; the keyring itself makes at most one KMS
/// `Decrypt` per configured key and message in any case (see [`KmsKeyring`]).
///
/// ```
/// assert_eq!(data_masking_kms::DEFAULT_MAX_ENCRYPTED_DATA_KEYS, 10);
/// ```
pub const DEFAULT_MAX_ENCRYPTED_DATA_KEYS: u16 = 10;

/// A [`DataMasking`] on a [`KmsKeyring`] for `keys` (full key ARNs, the first generates data
/// keys) with the materials cache limited by `cache`, from the standard AWS configuration: the
/// one-call equivalent of Powertools'
/// `DataMasking(provider=AWSEncryptionSDKProvider(keys=[...], local_cache_capacity=...,
/// max_cache_age_seconds=..., max_messages_encrypted=..., max_bytes_encrypted=...))`.
///
/// Unlike Powertools, it refuses messages holding more than
/// [`DEFAULT_MAX_ENCRYPTED_DATA_KEYS`] (10) encrypted data keys, or more than the number of
/// configured keys when there are more, before any KMS call. To choose another bound, build the
/// engine with [`encryptor_builder()`] and call `.max_encrypted_data_keys(n)` on it (`u16::MAX`
/// is the format's own limit).
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
    let encryptor = encryptor_builder(keyring).cache(cache).build()?;
    Ok(DataMasking::builder().encryptor(encryptor).build())
}

/// An [`Encryptor`] builder (the engine a [`DataMasking`] holds) for `keyring` with this crate's
/// bound on the encrypted data keys of a message: [`DEFAULT_MAX_ENCRYPTED_DATA_KEYS`], or the
/// number of the keyring's keys when there are more (so that the engine always reads what it
/// writes). Everything else is the builder's default (the cache with [`CacheLimits::default`]);
/// every setting can be changed, the bound with `.max_encrypted_data_keys(n)`.
///
/// ```no_run
/// use data_masking::CacheLimits;
/// use data_masking_kms::KmsKeyring;
/// # async fn demo() -> data_masking::Result<()> {
/// let keyring = KmsKeyring::from_env([
///     "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
/// ])
/// .await?;
/// let encryptor = data_masking_kms::encryptor_builder(keyring)
///     .cache(CacheLimits::default())
///     .max_encrypted_data_keys(3)
///     .build()?;
/// let masker = data_masking::DataMasking::builder().encryptor(encryptor).build();
/// # Ok(()) }
/// ```
pub fn encryptor_builder(keyring: KmsKeyring) -> EncryptorBuilder {
    let keys = u16::try_from(keyring.keys().len()).unwrap_or(u16::MAX);
    Encryptor::builder(keyring).max_encrypted_data_keys(DEFAULT_MAX_ENCRYPTED_DATA_KEYS.max(keys))
}
