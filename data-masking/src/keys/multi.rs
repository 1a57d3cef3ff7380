//! The multi-keyring: one generator and further wrapping keyrings.

use std::sync::Arc;

use super::keyring::{Failures, already_set};
use super::{
    DataKey, DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring, Materials,
};
use crate::error::{Error, Result};

/// Combines keyrings: on encrypt the generator makes the data key and every child wraps it too
/// (one encrypted data key each); on decrypt each keyring is tried in turn until one unwraps a
/// data key, and the failures of all are reported when none does.
///
/// ```
/// use data_masking::keys::{MultiKeyring, RawAesKeyring};
/// let multi = MultiKeyring::new(RawAesKeyring::new("ns", "a", &[1u8; 32])?)
///     .with(RawAesKeyring::new("ns", "b", &[2u8; 32])?);
/// assert_eq!(multi.len(), 2);
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MultiKeyring {
    keyrings: Vec<Arc<dyn Keyring>>,
}

impl MultiKeyring {
    /// A multi-keyring whose generator is `generator`.
    ///
    /// ```
    /// # use data_masking::keys::{MultiKeyring, RawAesKeyring};
    /// let m = MultiKeyring::new(RawAesKeyring::new("ns", "a", &[1u8; 32])?);
    /// # assert_eq!(m.len(), 1);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn new(generator: impl Keyring + 'static) -> Self {
        Self {
            keyrings: vec![Arc::new(generator)],
        }
    }

    /// Adds a keyring that wraps the data key too, and is tried on decrypt.
    ///
    /// ```
    /// # use data_masking::keys::{MultiKeyring, RawAesKeyring};
    /// let m = MultiKeyring::new(RawAesKeyring::new("ns", "a", &[1u8; 32])?)
    ///     .with(RawAesKeyring::new("ns", "b", &[2u8; 32])?);
    /// # assert_eq!(m.len(), 2);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    #[must_use]
    pub fn with(mut self, child: impl Keyring + 'static) -> Self {
        self.keyrings.push(Arc::new(child));
        self
    }

    /// Adds a shared keyring.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use data_masking::keys::{Keyring, MultiKeyring, RawAesKeyring};
    /// let shared: Arc<dyn Keyring> = Arc::new(RawAesKeyring::new("ns", "b", &[2u8; 32])?);
    /// let m = MultiKeyring::new(RawAesKeyring::new("ns", "a", &[1u8; 32])?).with_shared(shared);
    /// # assert_eq!(m.len(), 2);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    #[must_use]
    pub fn with_shared(mut self, child: Arc<dyn Keyring>) -> Self {
        self.keyrings.push(child);
        self
    }

    /// Number of keyrings, the generator included.
    ///
    /// ```
    /// # use data_masking::keys::{MultiKeyring, RawAesKeyring};
    /// assert_eq!(MultiKeyring::new(RawAesKeyring::new("ns", "a", &[1u8; 32])?).len(), 1);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.keyrings.len()
    }

    /// Always false: there is at least the generator.
    ///
    /// ```
    /// # use data_masking::keys::{MultiKeyring, RawAesKeyring};
    /// assert!(!MultiKeyring::new(RawAesKeyring::new("ns", "a", &[1u8; 32])?).is_empty());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.keyrings.is_empty()
    }
}

/// A composite: `on_encrypt` and `on_decrypt` are the children's own, in order (so that a child
/// that overrides them, or keeps per-message rules such as the KMS keyring's, is itself); the
/// core methods combine the children's core methods.
#[async_trait::async_trait]
impl Keyring for MultiKeyring {
    /// Every keyring's wrapped copies, in order.
    async fn wrap_data_key(
        &self,
        materials: &Materials,
        data_key: &DataKey,
    ) -> Result<Vec<EncryptedDataKey>> {
        let mut edks = Vec::new();
        for k in &self.keyrings {
            edks.extend(k.wrap_data_key(materials, data_key).await?);
        }
        Ok(edks)
    }

    /// The first keyring's unwrap that recognizes `edk`.
    async fn unwrap_data_key(
        &self,
        materials: &Materials,
        edk: &EncryptedDataKey,
    ) -> Result<Option<DataKey>> {
        let mut failure = None;
        for k in &self.keyrings {
            match k.unwrap_data_key(materials, edk).await {
                Ok(Some(key)) => return Ok(Some(key)),
                Ok(None) => {}
                Err(e) => failure = failure.or(Some(e)),
            }
        }
        failure.map_or(Ok(None), Err)
    }

    /// The generator's data key, wrapped by every other keyring too.
    async fn generate_data_key(
        &self,
        materials: &Materials,
    ) -> Result<(DataKey, Vec<EncryptedDataKey>)> {
        let (generator, children) = self
            .keyrings
            .split_first()
            .ok_or_else(|| Error::EncryptKey("the multi-keyring has no keyring".into()))?;
        let (key, mut edks) = generator.generate_data_key(materials).await?;
        for k in children {
            edks.extend(k.wrap_data_key(materials, &key).await?);
        }
        Ok((key, edks))
    }

    fn describe_keys(&self) -> String {
        let keys: Vec<String> = self.keyrings.iter().map(Keyring::describe_keys).collect();
        keys.join(", ")
    }

    async fn on_encrypt(&self, mut materials: EncryptionMaterials) -> Result<EncryptionMaterials> {
        for k in &self.keyrings {
            materials = k.on_encrypt(materials).await?;
        }
        Ok(materials)
    }

    async fn on_decrypt(
        &self,
        materials: DecryptionMaterials,
        edks: &[EncryptedDataKey],
    ) -> Result<DecryptionMaterials> {
        if materials.data_key().is_some() {
            return Err(already_set());
        }
        let mut failures = Failures::default();
        for k in &self.keyrings {
            match k.on_decrypt(materials.clone(), edks).await {
                Ok(m) if m.data_key().is_some() => return Ok(m),
                Ok(_) => failures.push(format!("{k:?} set no data key")),
                Err(e) => failures.push_error(e),
            }
        }
        Err(Error::DecryptKey(failures.text()))
    }
}
