//! [`EncryptorBuilder`]: the engine's options, checked once when it is built.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{Encryptor, Engine};
use crate::cache::{Cache, CacheLimits, Clock, SystemClock};
use crate::error::{Error, Result};
use crate::keys::Keyring;
use crate::message::{AlgorithmSuite, CommitmentPolicy, RESERVED_CONTEXT_PREFIX};

/// The largest frame length the Python ESDK reads (2^31 - 1).
pub(super) const MAX_FRAME_LENGTH: u32 = i32::MAX as u32;

/// Options of encryption and decryption.
#[derive(Clone, Copy, Debug)]
pub(super) struct Options {
    pub(super) suite: AlgorithmSuite,
    pub(super) frame_length: u32,
    pub(super) policy: CommitmentPolicy,
    pub(super) max_edks: Option<u16>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            suite: AlgorithmSuite::default(),
            frame_length: 4096,
            policy: CommitmentPolicy::default(),
            max_edks: None,
        }
    }
}

/// Builds an [`Encryptor`]: algorithm suite, frame length, commitment policy, maximum number of
/// encrypted data keys, required encryption context keys, cache limits and the cache's clock.
/// Every option is checked when it builds.
///
/// ```
/// use data_masking::{Encryptor, keys::RawAesKeyring, CommitmentPolicy};
/// let e = Encryptor::builder(RawAesKeyring::new("ns", "key", &[1u8; 32])?)
///     .commitment_policy(CommitmentPolicy::RequireEncryptAllowDecrypt)
///     .max_encrypted_data_keys(3)
///     .build()?;
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct EncryptorBuilder {
    keyring: Arc<dyn Keyring>,
    options: Options,
    /// The cache limits; none: no cache.
    cache: Option<CacheLimits>,
    clock: Option<Arc<dyn Clock>>,
    /// The encryption context keys that are required but not stored.
    required: BTreeSet<String>,
}

impl EncryptorBuilder {
    pub(super) fn new(keyring: Arc<dyn Keyring>) -> Self {
        Self {
            keyring,
            options: Options::default(),
            cache: Some(CacheLimits::default()),
            clock: None,
            required: BTreeSet::new(),
        }
    }

    /// Encryption context keys that every encrypt requires and that new messages do not store
    /// (the ESDK's required-encryption-context CMM): the header tag authenticates their pairs,
    /// and whoever decrypts must give them again. Encrypt fails with
    /// [`Error::InvalidContext`] when the context lacks one of them. Decrypt needs no option:
    /// it treats every pair of the caller's context that a message does not store as such a
    /// pair, whichever engine made the message. Keys are added to those of earlier calls; a
    /// key with the reserved prefix `aws-crypto-` is a configuration error when the builder
    /// builds.
    ///
    /// ```
    /// # use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let e = Encryptor::builder(RawAesKeyring::new("ns", "key", &[0u8; 32])?)
    ///     .required_context_keys(["tenant"])
    ///     .build()?;
    /// let ctx = EncryptionContext::new([("tenant", "acme"), ("purpose", "billing")])?;
    /// let m = e.encrypt(b"secret", &ctx).await?;
    /// assert!(!m.windows(4).any(|w| w == b"acme")); // not stored
    /// assert_eq!(e.decrypt(&m, &ctx).await?, b"secret");
    /// let purpose_only = EncryptionContext::new([("purpose", "billing")])?;
    /// assert!(e.decrypt(&m, &purpose_only).await.is_err());
    /// assert_eq!(e.encrypt(b"x", &purpose_only).await.unwrap_err().kind(), "invalid-context");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn required_context_keys<I, K>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        self.required.extend(keys.into_iter().map(Into::into));
        self
    }

    /// The algorithm suite of new messages: 0x0578 (the default, signed) or 0x0478; any other
    /// is a configuration error when the builder builds.
    ///
    /// ```
    /// # use data_masking::{AlgorithmSuite, Encryptor, keys::RawAesKeyring};
    /// let e = Encryptor::builder(RawAesKeyring::new("ns", "key", &[0u8; 32])?)
    ///     .algorithm_suite(AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY)
    ///     .build()?;
    /// assert!(Encryptor::builder(RawAesKeyring::new("ns", "key", &[0u8; 32])?)
    ///     .algorithm_suite(AlgorithmSuite::AES_256_GCM_IV12_TAG16_HKDF_SHA256)
    ///     .build()
    ///     .is_err());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn algorithm_suite(mut self, suite: AlgorithmSuite) -> Self {
        self.options.suite = suite;
        self
    }

    /// The frame length of new messages: 1 to 2^31 − 1 bytes, default 4096. The Python ESDK
    /// decrypts any of them (it only writes multiples of 128); others are a configuration error
    /// when the builder builds.
    ///
    /// ```
    /// # use data_masking::{Encryptor, keys::RawAesKeyring};
    /// let e = Encryptor::builder(RawAesKeyring::new("ns", "key", &[0u8; 32])?)
    ///     .frame_length(1024)
    ///     .build()?;
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn frame_length(mut self, bytes: u32) -> Self {
        self.options.frame_length = bytes;
        self
    }

    /// Which suites decrypt accepts (by default only key-committing ones).
    ///
    /// ```
    /// # use data_masking::{CommitmentPolicy, Encryptor, keys::RawAesKeyring};
    /// let e = Encryptor::builder(RawAesKeyring::new("ns", "key", &[0u8; 32])?)
    ///     .commitment_policy(CommitmentPolicy::RequireEncryptAllowDecrypt)
    ///     .build()?;
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn commitment_policy(mut self, policy: CommitmentPolicy) -> Self {
        self.options.policy = policy;
        self
    }

    /// The most encrypted data keys a message may carry, on encrypt and decrypt (default: no
    /// limit but the format's 65535, as in the ESDK). Each one a message carries may cost a
    /// keyring call (with KMS, a request): set a limit when messages come from others. A
    /// message with more is refused before any keyring call.
    ///
    /// ```
    /// # use data_masking::{Encryptor, keys::RawAesKeyring};
    /// let e = Encryptor::builder(RawAesKeyring::new("ns", "key", &[0u8; 32])?)
    ///     .max_encrypted_data_keys(3)
    ///     .build()?;
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn max_encrypted_data_keys(mut self, max: u16) -> Self {
        self.options.max_edks = Some(max);
        self
    }

    /// The materials cache limits (default: [`CacheLimits::default`], Powertools' defaults).
    /// The cache is on by default.
    ///
    /// ```
    /// # use data_masking::{CacheLimits, Encryptor, keys::RawAesKeyring};
    /// let e = Encryptor::builder(RawAesKeyring::new("ns", "key", &[0u8; 32])?)
    ///     .cache(CacheLimits { max_messages_encrypted: 10, ..CacheLimits::default() })
    ///     .build()?;
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn cache(mut self, limits: CacheLimits) -> Self {
        self.cache = Some(limits);
        self
    }

    /// No materials cache: every message gets its own data key, every decrypt unwraps its data
    /// key.
    ///
    /// ```
    /// # use data_masking::{Encryptor, keys::RawAesKeyring};
    /// let e = Encryptor::builder(RawAesKeyring::new("ns", "key", &[0u8; 32])?)
    ///     .no_cache()
    ///     .build()?;
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn no_cache(mut self) -> Self {
        self.cache = None;
        self
    }

    /// The clock of the cache's age limit (for tests that move time by hand).
    ///
    /// ```
    /// # use data_masking::{Clock, Encryptor, keys::RawAesKeyring};
    /// use std::{sync::Arc, time::Duration};
    /// #[derive(Debug)]
    /// struct Frozen;
    /// impl Clock for Frozen { fn now(&self) -> Duration { Duration::ZERO } }
    /// let e = Encryptor::builder(RawAesKeyring::new("ns", "key", &[0u8; 32])?)
    ///     .clock(Arc::new(Frozen))
    ///     .build()?;
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The encryptor; fails with [`Error::Config`] for a suite that cannot encrypt, a frame
    /// length out of range, a maximum of 0 encrypted data keys, a required context key with the
    /// reserved prefix, or cache limits of 0.
    ///
    /// ```
    /// # use data_masking::{CacheLimits, Encryptor, keys::RawAesKeyring};
    /// let err = Encryptor::builder(RawAesKeyring::new("ns", "key", &[1u8; 32])?)
    ///     .cache(CacheLimits { capacity: 0, ..CacheLimits::default() })
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(err.kind(), "config");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn build(self) -> Result<Encryptor> {
        let options = self.options;
        if !options.suite.is_committing() {
            return Err(Error::Config(format!(
                "algorithm suite {} cannot encrypt: use 0x0578 or 0x0478",
                options.suite
            )));
        }
        if options.frame_length == 0 || options.frame_length > MAX_FRAME_LENGTH {
            return Err(Error::Config(format!(
                "the frame length must be between 1 and {MAX_FRAME_LENGTH} bytes (the largest the \
                 Python ESDK reads), not {}",
                options.frame_length
            )));
        }
        if options.max_edks == Some(0) {
            return Err(Error::Config(
                "the maximum number of encrypted data keys must be at least 1".into(),
            ));
        }
        if let Some(key) = self
            .required
            .iter()
            .find(|k| k.starts_with(RESERVED_CONTEXT_PREFIX))
        {
            return Err(Error::Config(format!(
                "the required context key {key:?} is reserved: the prefix \
                 {RESERVED_CONTEXT_PREFIX} belongs to the AWS Encryption SDK"
            )));
        }
        if let Some(limits) = &self.cache {
            limits.validate()?;
        }
        Ok(self.assemble())
    }

    /// The encryptor of these settings, which [`build`](Self::build) has checked (or which are
    /// the defaults).
    pub(super) fn assemble(self) -> Encryptor {
        let clock = self
            .clock
            .unwrap_or_else(|| Arc::new(SystemClock::new()) as Arc<dyn Clock>);
        Encryptor::from_engine(Engine {
            keyring: self.keyring,
            options: self.options,
            required: self.required,
            cache: self.cache.map(|l| Cache::new(l, clock)),
        })
    }
}
