//! Keyrings: where data keys come from and how they are wrapped.
//!
//! A [`Keyring`] generates and wraps data keys on encrypt and unwraps them on decrypt, always
//! given the encryption context. [`RawAesKeyring`] wraps them with a local AES key (byte-compatible
//! with the ESDK raw AES keyring), [`MultiKeyring`] combines keyrings, and the
//! `data-masking-kms` crate provides the AWS KMS keyring. Implement the trait to plug your own.

mod multi;
mod raw_aes;
pub(crate) mod signing;

use std::collections::BTreeMap;
use std::fmt;

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::message::AlgorithmSuite;

pub use multi::MultiKeyring;
pub use raw_aes::RawAesKeyring;

/// A data key wrapped by one keyring: the provider that can unwrap it, how, and the ciphertext.
///
/// ```
/// use data_masking::keys::EncryptedDataKey;
/// let edk = EncryptedDataKey {
///     provider_id: "aws-kms".into(),
///     provider_info: b"arn:aws:kms:us-east-1:111122223333:key/k".to_vec(),
///     ciphertext: vec![1, 2, 3],
/// };
/// assert_eq!(edk.provider_id, "aws-kms");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EncryptedDataKey {
    /// The key provider (the raw AES key namespace, or `aws-kms`).
    pub provider_id: String,
    /// Provider-specific information (the key name and IV, or the KMS key ARN).
    pub provider_info: Vec<u8>,
    /// The wrapped data key.
    pub ciphertext: Vec<u8>,
}

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
        aws_lc_rs::rand::fill(&mut k)
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

/// What a keyring works on when encrypting: the suite, the encryption context (as it will be
/// stored, `aws-crypto-public-key` included), the data key once generated, and the encrypted
/// data keys so far.
///
/// ```
/// use data_masking::keys::{DataKey, EncryptionMaterials};
/// use data_masking::AlgorithmSuite;
/// let m = EncryptionMaterials::new(AlgorithmSuite::default(), Default::default());
/// assert!(m.data_key().is_none());
/// let len = m.data_key_length();
/// let m = m.with_data_key(DataKey::random(len)?)?;
/// assert_eq!(m.data_key().unwrap().as_bytes().len(), 32);
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct EncryptionMaterials {
    suite: AlgorithmSuite,
    context: BTreeMap<String, String>,
    data_key: Option<DataKey>,
    edks: Vec<EncryptedDataKey>,
}

impl EncryptionMaterials {
    /// Materials without a data key.
    ///
    /// ```
    /// # use data_masking::keys::EncryptionMaterials;
    /// let m = EncryptionMaterials::new(Default::default(), [("a".to_string(), "b".to_string())].into());
    /// assert_eq!(m.context()["a"], "b");
    /// ```
    pub fn new(suite: AlgorithmSuite, context: BTreeMap<String, String>) -> Self {
        Self {
            suite,
            context,
            data_key: None,
            edks: Vec::new(),
        }
    }

    /// The algorithm suite.
    ///
    /// ```
    /// # use data_masking::keys::EncryptionMaterials;
    /// # let m = EncryptionMaterials::new(Default::default(), Default::default());
    /// assert_eq!(m.suite().id(), 0x0578);
    /// ```
    pub fn suite(&self) -> AlgorithmSuite {
        self.suite
    }

    /// The length a data key must have for the suite.
    ///
    /// ```
    /// # use data_masking::keys::EncryptionMaterials;
    /// # let m = EncryptionMaterials::new(Default::default(), Default::default());
    /// assert_eq!(m.data_key_length(), 32);
    /// ```
    pub fn data_key_length(&self) -> usize {
        self.suite.key_len()
    }

    /// The encryption context, as stored in the message.
    ///
    /// ```
    /// # use data_masking::keys::EncryptionMaterials;
    /// # let m = EncryptionMaterials::new(Default::default(), Default::default());
    /// assert!(m.context().is_empty());
    /// ```
    pub fn context(&self) -> &BTreeMap<String, String> {
        &self.context
    }

    /// The data key, once a keyring generated it.
    ///
    /// ```
    /// # use data_masking::keys::EncryptionMaterials;
    /// # let m = EncryptionMaterials::new(Default::default(), Default::default());
    /// assert!(m.data_key().is_none());
    /// ```
    pub fn data_key(&self) -> Option<&DataKey> {
        self.data_key.as_ref()
    }

    /// Sets the data key; errors when one is set already or its length is wrong for the suite.
    ///
    /// ```
    /// # use data_masking::keys::{DataKey, EncryptionMaterials};
    /// # let m = EncryptionMaterials::new(Default::default(), Default::default());
    /// assert!(m.clone().with_data_key(DataKey::new(vec![0; 5])).is_err());
    /// ```
    pub fn with_data_key(mut self, key: DataKey) -> Result<Self> {
        if self.data_key.is_some() {
            return Err(Error::EncryptKey("a data key is already set".into()));
        }
        if key.as_bytes().len() != self.data_key_length() {
            return Err(Error::EncryptKey(format!(
                "a data key of {} bytes, the suite needs {}",
                key.as_bytes().len(),
                self.data_key_length()
            )));
        }
        self.data_key = Some(key);
        Ok(self)
    }

    /// The data key wrapped so far, one per wrapping key.
    ///
    /// ```
    /// # use data_masking::keys::EncryptionMaterials;
    /// # let m = EncryptionMaterials::new(Default::default(), Default::default());
    /// assert!(m.encrypted_data_keys().is_empty());
    /// ```
    pub fn encrypted_data_keys(&self) -> &[EncryptedDataKey] {
        &self.edks
    }

    /// Adds a wrapped copy of the data key.
    ///
    /// ```
    /// # use data_masking::keys::{EncryptedDataKey, EncryptionMaterials};
    /// # let mut m = EncryptionMaterials::new(Default::default(), Default::default());
    /// m.add_encrypted_data_key(EncryptedDataKey { provider_id: "p".into(), provider_info: vec![], ciphertext: vec![1] });
    /// assert_eq!(m.encrypted_data_keys().len(), 1);
    /// ```
    pub fn add_encrypted_data_key(&mut self, edk: EncryptedDataKey) {
        self.edks.push(edk);
    }
}

/// What a keyring works on when decrypting: the suite, the message's encryption context and,
/// once unwrapped, the data key.
///
/// ```
/// use data_masking::keys::{DataKey, DecryptionMaterials};
/// let m = DecryptionMaterials::new(Default::default(), Default::default());
/// let m = m.with_data_key(DataKey::new(vec![0; 32]))?;
/// assert!(m.data_key().is_some());
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct DecryptionMaterials {
    suite: AlgorithmSuite,
    context: BTreeMap<String, String>,
    data_key: Option<DataKey>,
}

impl DecryptionMaterials {
    /// Materials without a data key.
    ///
    /// ```
    /// # use data_masking::keys::DecryptionMaterials;
    /// let m = DecryptionMaterials::new(Default::default(), Default::default());
    /// assert!(m.data_key().is_none());
    /// ```
    pub fn new(suite: AlgorithmSuite, context: BTreeMap<String, String>) -> Self {
        Self {
            suite,
            context,
            data_key: None,
        }
    }

    /// The algorithm suite.
    ///
    /// ```
    /// # use data_masking::keys::DecryptionMaterials;
    /// # let m = DecryptionMaterials::new(Default::default(), Default::default());
    /// assert_eq!(m.suite().id(), 0x0578);
    /// ```
    pub fn suite(&self) -> AlgorithmSuite {
        self.suite
    }

    /// The message's encryption context.
    ///
    /// ```
    /// # use data_masking::keys::DecryptionMaterials;
    /// # let m = DecryptionMaterials::new(Default::default(), Default::default());
    /// assert!(m.context().is_empty());
    /// ```
    pub fn context(&self) -> &BTreeMap<String, String> {
        &self.context
    }

    /// The unwrapped data key.
    ///
    /// ```
    /// # use data_masking::keys::DecryptionMaterials;
    /// # let m = DecryptionMaterials::new(Default::default(), Default::default());
    /// assert!(m.data_key().is_none());
    /// ```
    pub fn data_key(&self) -> Option<&DataKey> {
        self.data_key.as_ref()
    }

    /// Sets the unwrapped data key; errors when one is set already or its length is wrong.
    ///
    /// ```
    /// # use data_masking::keys::{DataKey, DecryptionMaterials};
    /// # let m = DecryptionMaterials::new(Default::default(), Default::default());
    /// assert!(m.with_data_key(DataKey::new(vec![0; 3])).is_err());
    /// ```
    pub fn with_data_key(mut self, key: DataKey) -> Result<Self> {
        if self.data_key.is_some() {
            return Err(Error::DecryptKey("a data key is already set".into()));
        }
        if key.as_bytes().len() != self.suite.key_len() {
            return Err(Error::DecryptKey(format!(
                "an unwrapped data key of {} bytes, the suite needs {}",
                key.as_bytes().len(),
                self.suite.key_len()
            )));
        }
        self.data_key = Some(key);
        Ok(self)
    }
}

/// The error of an `on_decrypt` given materials that already hold a data key
/// (framework/keyring-interface.md: the keyring must fail and leave them as they are).
pub(crate) fn already_set() -> Error {
    Error::DecryptKey("the decryption materials already hold a data key".into())
}

/// Generates, wraps and unwraps data keys.
///
/// `on_encrypt` must leave a data key in the materials (generating one when none is set) and add
/// one encrypted data key per wrapping key; `on_decrypt` must set the data key from one of the
/// encrypted data keys it can unwrap (an unwrapped key of another length than the suite's is
/// not one: go on to the next), or fail with [`Error::DecryptKey`], and must fail when the
/// materials it is given already hold a data key (the ESDK keyring interface's rules).
///
/// ```
/// use data_masking::keys::{DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring, RawAesKeyring};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let keyring = RawAesKeyring::new("ns", "key", &[9u8; 32])?;
/// let m = keyring.on_encrypt(EncryptionMaterials::new(Default::default(), Default::default())).await?;
/// let d = keyring
///     .on_decrypt(DecryptionMaterials::new(Default::default(), Default::default()), m.encrypted_data_keys())
///     .await?;
/// assert_eq!(d.data_key().unwrap().as_bytes(), m.data_key().unwrap().as_bytes());
/// # Ok::<(), data_masking::Error>(())
/// # }).unwrap();
/// ```
#[async_trait::async_trait]
pub trait Keyring: Send + Sync + fmt::Debug {
    /// Generates (when absent) and wraps the data key.
    async fn on_encrypt(&self, materials: EncryptionMaterials) -> Result<EncryptionMaterials>;

    /// Unwraps the data key from one of `edks`.
    async fn on_decrypt(
        &self,
        materials: DecryptionMaterials,
        edks: &[EncryptedDataKey],
    ) -> Result<DecryptionMaterials>;
}

/// A shared keyring is a keyring: `Arc<dyn Keyring>` (or `Arc<RawAesKeyring>`...) can be passed
/// wherever a keyring is taken, e.g. to share one with several multi-keyrings.
///
/// ```
/// use std::sync::Arc;
/// use data_masking::keys::{Keyring, MultiKeyring, RawAesKeyring};
/// let shared: Arc<dyn Keyring> = Arc::new(RawAesKeyring::new("ns", "a", &[1u8; 32])?);
/// let one = MultiKeyring::new(Arc::clone(&shared));
/// let two = MultiKeyring::new(RawAesKeyring::new("ns", "b", &[2u8; 32])?).with(shared);
/// # assert_eq!(one.len() + two.len(), 3);
/// # Ok::<(), data_masking::Error>(())
/// ```
#[async_trait::async_trait]
impl<K: Keyring + ?Sized> Keyring for std::sync::Arc<K> {
    async fn on_encrypt(&self, materials: EncryptionMaterials) -> Result<EncryptionMaterials> {
        (**self).on_encrypt(materials).await
    }

    async fn on_decrypt(
        &self,
        materials: DecryptionMaterials,
        edks: &[EncryptedDataKey],
    ) -> Result<DecryptionMaterials> {
        (**self).on_decrypt(materials, edks).await
    }
}
