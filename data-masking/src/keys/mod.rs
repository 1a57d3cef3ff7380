//! Keyrings: where data keys come from and how they are wrapped.
//!
//! A [`Keyring`] generates and wraps data keys on encrypt and unwraps them on decrypt, always
//! given the encryption context. [`RawAesKeyring`] wraps them with a local AES key (byte-compatible
//! with the ESDK raw AES keyring), [`RawRsaKeyring`] with a local RSA key pair (the ESDK raw RSA
//! keyring; a public key alone only encrypts), [`KeyFile`] reads the JSON key file of either,
//! [`MultiKeyring`] combines keyrings, [`TenantKeyring`] picks one keyring per tenant from the
//! encryption context (and retires a tenant, cached data keys included), and the
//! `data-masking-kms` crate provides the AWS KMS keyrings. Implement the trait's two required
//! methods (wrap a data key, unwrap one encrypted data key) to plug your own.

mod key_file;
mod keyring;
mod materials;
mod multi;
mod raw_aes;
mod raw_rsa;
mod tenant;

use std::fmt;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

pub use key_file::KeyFile;
pub use keyring::Keyring;
pub use materials::{DecryptionMaterials, EncryptionMaterials, Materials};
pub use multi::MultiKeyring;
pub use raw_aes::RawAesKeyring;
pub use raw_rsa::{RawRsaKeyring, RsaPadding};
pub use tenant::TenantKeyring;

pub use crate::message::EncryptedDataKey;

/// A plaintext data key: zeroized on drop, never printed.
///
/// ```
/// use data_masking::keys::DataKey;
/// let k = DataKey::new(vec![7; 32]);
/// assert_eq!(k.as_bytes().len(), 32);
/// assert_eq!(format!("{k:?}"), "DataKey(32 bytes)");
/// ```
#[derive(Clone)]
pub struct DataKey(Zeroizing<Vec<u8>>);

impl DataKey {
    /// Wraps key bytes.
    ///
    /// ```
    /// # use data_masking::keys::DataKey;
    /// let k = DataKey::new(vec![0; 16]);
    /// # assert_eq!(k.as_bytes(), &[0; 16]);
    /// ```
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// A fresh random key of `len` bytes.
    ///
    /// ```
    /// # use data_masking::keys::DataKey;
    /// let a = DataKey::random(32)?;
    /// let b = DataKey::random(32)?;
    /// assert_ne!(a.as_bytes(), b.as_bytes());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn random(len: usize) -> Result<Self> {
        let mut k = Zeroizing::new(vec![0u8; len]);
        crate::primitives::random::fill(&mut k)
            .map_err(|_| Error::EncryptKey("no randomness for a data key".into()))?;
        Ok(Self(k))
    }

    /// The key bytes.
    ///
    /// ```
    /// # use data_masking::keys::DataKey;
    /// assert_eq!(DataKey::new(vec![1, 2]).as_bytes(), &[1, 2]);
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKey({} bytes)", self.0.len())
    }
}
