//! Algorithm suites and the commitment policy.

use std::fmt;

use super::error::FormatError;
use crate::error::{Error, Result};

/// An AWS Encryption SDK algorithm suite (AES-GCM family).
///
/// New messages use a committing suite: [`AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384`]
/// (the default, as in the ESDK and Powertools) or
/// [`AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY`] (no signature, far faster). The legacy
/// suites without key commitment are read only, and only under a [`CommitmentPolicy`] that
/// allows them.
///
/// ```
/// use data_masking::AlgorithmSuite;
/// let s = AlgorithmSuite::from_id(0x0578)?;
/// assert_eq!(s, AlgorithmSuite::default());
/// assert!(s.is_committing() && s.is_signing());
/// assert_eq!(s.to_string(), "0x0578");
/// assert!(AlgorithmSuite::from_id(0x9999).is_err());
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
#[allow(non_camel_case_types)] // the ESDK's names of the suites
pub enum AlgorithmSuite {
    /// 0x0014: AES-128-GCM, no key derivation (legacy, decrypt only).
    AES_128_GCM_IV12_TAG16_NO_KDF,
    /// 0x0046: AES-192-GCM, no key derivation (legacy, decrypt only).
    AES_192_GCM_IV12_TAG16_NO_KDF,
    /// 0x0078: AES-256-GCM, no key derivation (legacy, decrypt only).
    AES_256_GCM_IV12_TAG16_NO_KDF,
    /// 0x0114: AES-128-GCM, HKDF-SHA256 (legacy, decrypt only).
    AES_128_GCM_IV12_TAG16_HKDF_SHA256,
    /// 0x0146: AES-192-GCM, HKDF-SHA256 (legacy, decrypt only).
    AES_192_GCM_IV12_TAG16_HKDF_SHA256,
    /// 0x0178: AES-256-GCM, HKDF-SHA256 (legacy, decrypt only).
    AES_256_GCM_IV12_TAG16_HKDF_SHA256,
    /// 0x0214: AES-128-GCM, HKDF-SHA256, ECDSA P-256 (legacy, decrypt only).
    AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256,
    /// 0x0346: AES-192-GCM, HKDF-SHA384, ECDSA P-384 (legacy, decrypt only).
    AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
    /// 0x0378: AES-256-GCM, HKDF-SHA384, ECDSA P-384 (legacy, decrypt only).
    AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
    /// 0x0478: AES-256-GCM, HKDF-SHA512, key commitment.
    AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    /// 0x0578: AES-256-GCM, HKDF-SHA512, key commitment, ECDSA P-384 (the default).
    #[default]
    AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
}

/// How a suite derives the content key from the data key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kdf {
    None,
    Sha256,
    Sha384,
    Sha512Commit,
}

/// Which signature a suite carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signature {
    None,
    P256,
    P384,
}

use AlgorithmSuite as S;

const ALL: [AlgorithmSuite; 11] = [
    S::AES_128_GCM_IV12_TAG16_NO_KDF,
    S::AES_192_GCM_IV12_TAG16_NO_KDF,
    S::AES_256_GCM_IV12_TAG16_NO_KDF,
    S::AES_128_GCM_IV12_TAG16_HKDF_SHA256,
    S::AES_192_GCM_IV12_TAG16_HKDF_SHA256,
    S::AES_256_GCM_IV12_TAG16_HKDF_SHA256,
    S::AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256,
    S::AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
    S::AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
    S::AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    S::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
];

impl AlgorithmSuite {
    /// The suite with this two-byte id.
    ///
    /// ```
    /// # use data_masking::AlgorithmSuite;
    /// assert_eq!(AlgorithmSuite::from_id(0x0478)?, AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_id(id: u16) -> Result<Self> {
        Ok(Self::read_id(id)?)
    }

    /// The suite with this id, as a message names it.
    pub(crate) fn read_id(id: u16) -> Result<Self, FormatError> {
        ALL.into_iter()
            .find(|s| s.id() == id)
            .ok_or_else(|| FormatError::invalid(format!("unsupported algorithm suite 0x{id:04X}")))
    }

    /// The two-byte id.
    ///
    /// ```
    /// # use data_masking::AlgorithmSuite;
    /// assert_eq!(AlgorithmSuite::default().id(), 0x0578);
    /// ```
    pub fn id(self) -> u16 {
        match self {
            S::AES_128_GCM_IV12_TAG16_NO_KDF => 0x0014,
            S::AES_192_GCM_IV12_TAG16_NO_KDF => 0x0046,
            S::AES_256_GCM_IV12_TAG16_NO_KDF => 0x0078,
            S::AES_128_GCM_IV12_TAG16_HKDF_SHA256 => 0x0114,
            S::AES_192_GCM_IV12_TAG16_HKDF_SHA256 => 0x0146,
            S::AES_256_GCM_IV12_TAG16_HKDF_SHA256 => 0x0178,
            S::AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256 => 0x0214,
            S::AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384 => 0x0346,
            S::AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384 => 0x0378,
            S::AES_256_GCM_HKDF_SHA512_COMMIT_KEY => 0x0478,
            S::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 => 0x0578,
        }
    }

    /// Parses `"0x0578"`, `"0578"`, `"0x0478"`... (the CLI's `--suite`).
    ///
    /// ```
    /// # use data_masking::AlgorithmSuite;
    /// assert_eq!(AlgorithmSuite::parse("0x0478")?.id(), 0x0478);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self> {
        let hex = text
            .trim()
            .trim_start_matches("0x")
            .trim_start_matches("0X");
        let id = u16::from_str_radix(hex, 16)
            .map_err(|_| Error::Config(format!("{text:?} is not an algorithm suite id")))?;
        Self::from_id(id).map_err(|_| Error::Config(format!("unsupported algorithm suite {text}")))
    }

    /// Whether the suite commits to its data key (the suites new messages may use).
    ///
    /// ```
    /// # use data_masking::AlgorithmSuite;
    /// assert!(!AlgorithmSuite::from_id(0x0178)?.is_committing());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn is_committing(self) -> bool {
        self.kdf() == Kdf::Sha512Commit
    }

    /// Whether messages carry an ECDSA signature.
    ///
    /// ```
    /// # use data_masking::AlgorithmSuite;
    /// assert!(!AlgorithmSuite::from_id(0x0478)?.is_signing());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn is_signing(self) -> bool {
        self.signature() != Signature::None
    }

    /// Length of the data key and of the content key, in bytes.
    pub(crate) fn key_len(self) -> usize {
        match self {
            S::AES_128_GCM_IV12_TAG16_NO_KDF
            | S::AES_128_GCM_IV12_TAG16_HKDF_SHA256
            | S::AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256 => 16,
            S::AES_192_GCM_IV12_TAG16_NO_KDF
            | S::AES_192_GCM_IV12_TAG16_HKDF_SHA256
            | S::AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384 => 24,
            _ => 32,
        }
    }

    pub(crate) fn kdf(self) -> Kdf {
        match self {
            S::AES_128_GCM_IV12_TAG16_NO_KDF
            | S::AES_192_GCM_IV12_TAG16_NO_KDF
            | S::AES_256_GCM_IV12_TAG16_NO_KDF => Kdf::None,
            S::AES_128_GCM_IV12_TAG16_HKDF_SHA256
            | S::AES_192_GCM_IV12_TAG16_HKDF_SHA256
            | S::AES_256_GCM_IV12_TAG16_HKDF_SHA256
            | S::AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256 => Kdf::Sha256,
            S::AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384
            | S::AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384 => Kdf::Sha384,
            S::AES_256_GCM_HKDF_SHA512_COMMIT_KEY
            | S::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 => Kdf::Sha512Commit,
        }
    }

    /// Whether the data key is the content key itself (the legacy `NO_KDF` suites): the ESDK
    /// caching CMM never caches their materials (caching-cmm.md), and neither do we.
    pub(crate) fn uses_data_key_as_content_key(self) -> bool {
        self.kdf() == Kdf::None
    }

    pub(crate) fn signature(self) -> Signature {
        match self {
            S::AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256 => Signature::P256,
            S::AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384
            | S::AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384
            | S::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 => Signature::P384,
            _ => Signature::None,
        }
    }
}

impl fmt::Display for AlgorithmSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:04X}", self.id())
    }
}

/// Which suites may be written and read (the ESDK's commitment policy).
///
/// ```
/// use data_masking::{AlgorithmSuite, CommitmentPolicy};
/// let legacy = AlgorithmSuite::from_id(0x0178)?;
/// assert!(!CommitmentPolicy::default().allows_decrypt(legacy));
/// assert!(CommitmentPolicy::RequireEncryptAllowDecrypt.allows_decrypt(legacy));
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CommitmentPolicy {
    /// Encrypt and decrypt only with key-committing suites (the default).
    #[default]
    RequireEncryptRequireDecrypt,
    /// Encrypt with key-committing suites; also decrypt legacy messages.
    RequireEncryptAllowDecrypt,
}

impl CommitmentPolicy {
    /// Whether a message of `suite` may be decrypted.
    ///
    /// ```
    /// # use data_masking::{AlgorithmSuite, CommitmentPolicy};
    /// assert!(CommitmentPolicy::default().allows_decrypt(AlgorithmSuite::default()));
    /// ```
    pub fn allows_decrypt(self, suite: AlgorithmSuite) -> bool {
        suite.is_committing() || self == CommitmentPolicy::RequireEncryptAllowDecrypt
    }
}
