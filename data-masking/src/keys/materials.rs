//! What a keyring works on: the suite, the encryption context and the data key, shared by the
//! encrypting and the decrypting side.

use std::collections::BTreeMap;
use std::ops::Deref;

use super::{DataKey, EncryptedDataKey};
use crate::error::{Error, Result};
use crate::message::AlgorithmSuite;

/// What every keyring call works on: the algorithm suite, the encryption context (as stored in
/// the message, `aws-crypto-public-key` included) and, once set, the data key.
///
/// [`EncryptionMaterials`] and [`DecryptionMaterials`] each hold one and dereference to it, so
/// its accessors are theirs; a keyring's [`wrap_data_key`](super::Keyring::wrap_data_key) and
/// [`unwrap_data_key`](super::Keyring::unwrap_data_key) are given it.
///
/// ```
/// use data_masking::keys::Materials;
/// use data_masking::AlgorithmSuite;
/// let m = Materials::new(AlgorithmSuite::default(), [("a".to_string(), "b".to_string())].into());
/// assert_eq!(m.suite().id(), 0x0578);
/// assert_eq!(m.data_key_length(), 32);
/// assert_eq!(m.context()["a"], "b");
/// assert!(m.data_key().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct Materials {
    suite: AlgorithmSuite,
    context: BTreeMap<String, String>,
    data_key: Option<DataKey>,
}

impl Materials {
    /// Materials without a data key.
    ///
    /// ```
    /// # use data_masking::keys::Materials;
    /// let m = Materials::new(Default::default(), Default::default());
    /// assert!(m.context().is_empty());
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
    /// # use data_masking::keys::DecryptionMaterials;
    /// # let m = DecryptionMaterials::new(Default::default(), Default::default());
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

    /// The data key, once a keyring generated or unwrapped it.
    ///
    /// ```
    /// # use data_masking::keys::DecryptionMaterials;
    /// # let m = DecryptionMaterials::new(Default::default(), Default::default());
    /// assert!(m.data_key().is_none());
    /// ```
    pub fn data_key(&self) -> Option<&DataKey> {
        self.data_key.as_ref()
    }

    /// Sets the data key, unless one is set already or its length is not the suite's; the
    /// errors are of the kind `error` makes, and call the key `what`.
    fn set_data_key(&mut self, key: DataKey, error: fn(String) -> Error, what: &str) -> Result<()> {
        if self.data_key.is_some() {
            return Err(error("a data key is already set".into()));
        }
        if key.as_bytes().len() != self.data_key_length() {
            return Err(error(format!(
                "{what} of {} bytes, the suite needs {}",
                key.as_bytes().len(),
                self.data_key_length()
            )));
        }
        self.data_key = Some(key);
        Ok(())
    }
}

/// What a keyring works on when encrypting: the [`Materials`] (suite, encryption context, the
/// data key once generated) and the encrypted data keys so far.
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
    materials: Materials,
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
            materials: Materials::new(suite, context),
            edks: Vec::new(),
        }
    }

    /// Sets the data key; errors when one is set already or its length is wrong for the suite.
    ///
    /// ```
    /// # use data_masking::keys::{DataKey, EncryptionMaterials};
    /// # let m = EncryptionMaterials::new(Default::default(), Default::default());
    /// assert!(m.clone().with_data_key(DataKey::new(vec![0; 5])).is_err());
    /// ```
    pub fn with_data_key(mut self, key: DataKey) -> Result<Self> {
        self.materials
            .set_data_key(key, Error::EncryptKey, "a data key")?;
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

impl Deref for EncryptionMaterials {
    type Target = Materials;

    fn deref(&self) -> &Materials {
        &self.materials
    }
}

/// What a keyring works on when decrypting: the [`Materials`] (suite, the message's encryption
/// context and, once unwrapped, the data key).
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
    materials: Materials,
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
            materials: Materials::new(suite, context),
        }
    }

    /// Sets the unwrapped data key; errors when one is set already or its length is wrong.
    ///
    /// ```
    /// # use data_masking::keys::{DataKey, DecryptionMaterials};
    /// # let m = DecryptionMaterials::new(Default::default(), Default::default());
    /// assert!(m.with_data_key(DataKey::new(vec![0; 3])).is_err());
    /// ```
    pub fn with_data_key(mut self, key: DataKey) -> Result<Self> {
        self.materials
            .set_data_key(key, Error::DecryptKey, "an unwrapped data key")?;
        Ok(self)
    }
}

impl Deref for DecryptionMaterials {
    type Target = Materials;

    fn deref(&self) -> &Materials {
        &self.materials
    }
}
