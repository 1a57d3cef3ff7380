//! The tenant keyring: one keyring per tenant, picked by a key of the encryption context.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use super::{
    DataKey, DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring, Materials,
};
use crate::cache::{Liveness, note_used};
use crate::error::{Error, Result};

/// A keyring per tenant: the value of one key of the encryption context (for example
/// `tenant_id`) names the tenant, and that tenant's keyring wraps and unwraps the data keys.
/// One [`DataMasking`](crate::DataMasking) (or [`Encryptor`](crate::Encryptor)) then serves
/// many tenants, each under its own keys.
///
/// The tenants can change while it is in use: clones share them, so keep a clone to
/// [`insert`](Self::insert) tenants and to [`retire`](Self::retire) them. Retiring a tenant is
/// crypto-shredding as far as this process goes: from then on nothing of that tenant encrypts or
/// decrypts through an engine using this keyring (destroy the tenant's key material itself to
/// make its records unreadable everywhere).
///
/// The materials cache is partitioned per tenant keyring: each cache entry remembers which
/// tenant keyrings made it, and an entry made by a keyring since retired (or replaced by
/// [`insert`](Self::insert)) is never used again. It is dropped, data key included, on the next
/// lookup of the cache, and an encrypt or decrypt that would have used it asks this keyring
/// again, which fails. A cache hit thus costs no lookup of the tenant, and a retired tenant's
/// data keys do not outlive the retirement in the cache. A tenant keyring must be called on the
/// engine's task, as every keyring of this crate is (a keyring that ran it on a task of its own
/// would hide it from the cache).
///
/// Encrypt fails with [`Error::EncryptKey`], decrypt with [`Error::DecryptKey`], when the
/// context lacks the key or names no tenant of the keyring; the errors name the context key,
/// never a value of the context. Decrypt picks the tenant from the message's encryption context
/// (with [`EncryptorBuilder::required_context_keys`](crate::EncryptorBuilder::required_context_keys),
/// from the caller's context for keys the message does not store); a caller's context that
/// names another tenant than the message's fails as any other differing context.
///
/// ```
/// use data_masking::keys::{RawAesKeyring, TenantKeyring};
/// use data_masking::{DataMasking, EncryptionContext};
/// use serde_json::json;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let tenants = TenantKeyring::new("tenant_id")
///     .with_tenant("acme", RawAesKeyring::new("tenants", "acme", &[1u8; 32])?)
///     .with_tenant("globex", RawAesKeyring::new("tenants", "globex", &[2u8; 32])?);
/// let masker = DataMasking::builder().keyring(tenants.clone()).build();
///
/// let acme = EncryptionContext::new([("tenant_id", "acme")])?;
/// let record = masker.encrypt(&json!({"card": "4111"}), &acme).await?;
/// assert_eq!(masker.decrypt(&record, &acme).await?, json!({"card": "4111"}));
///
/// tenants.retire("acme");
/// let err = masker.decrypt(&record, &acme).await.unwrap_err();
/// assert_eq!(err.kind(), "decrypt-key");
/// # Ok::<(), data_masking::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct TenantKeyring {
    context_key: Arc<str>,
    tenants: Arc<RwLock<HashMap<String, Tenant>>>,
}

/// A tenant's keyring, and whether it is still in use (shared with the cache entries it made).
struct Tenant {
    keyring: Arc<dyn Keyring>,
    live: Arc<Liveness>,
}

impl fmt::Debug for TenantKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantKeyring")
            .field("context_key", &self.context_key)
            .field("tenants", &self.len())
            .finish()
    }
}

impl TenantKeyring {
    /// A keyring without tenants, that reads the tenant from the encryption context's
    /// `context_key`.
    ///
    /// ```
    /// # use data_masking::keys::TenantKeyring;
    /// let tenants = TenantKeyring::new("tenant_id");
    /// assert_eq!(tenants.context_key(), "tenant_id");
    /// assert!(tenants.is_empty());
    /// ```
    pub fn new(context_key: impl Into<String>) -> Self {
        Self {
            context_key: context_key.into().into(),
            tenants: Arc::default(),
        }
    }

    /// Adds a tenant with its keyring, as [`insert`](Self::insert) does, for building in one
    /// expression.
    ///
    /// ```
    /// # use data_masking::keys::{RawAesKeyring, TenantKeyring};
    /// let tenants = TenantKeyring::new("tenant_id")
    ///     .with_tenant("acme", RawAesKeyring::new("tenants", "acme", &[1u8; 32])?);
    /// assert!(tenants.contains("acme"));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    #[must_use]
    pub fn with_tenant(self, tenant: impl Into<String>, keyring: impl Keyring + 'static) -> Self {
        self.insert(tenant, keyring);
        self
    }

    /// The encryption context key whose value names the tenant.
    ///
    /// ```
    /// # use data_masking::keys::TenantKeyring;
    /// assert_eq!(TenantKeyring::new("org").context_key(), "org");
    /// ```
    pub fn context_key(&self) -> &str {
        &self.context_key
    }

    /// Sets the keyring of `tenant`, for every clone of this keyring. Returns whether it
    /// replaced one: the replaced keyring is retired (the cache no longer uses what it made).
    ///
    /// ```
    /// # use data_masking::keys::{RawAesKeyring, TenantKeyring};
    /// let tenants = TenantKeyring::new("tenant_id");
    /// let shared = tenants.clone();
    /// assert!(!tenants.insert("acme", RawAesKeyring::new("tenants", "acme", &[1u8; 32])?));
    /// assert!(shared.contains("acme"));
    /// assert!(tenants.insert("acme", RawAesKeyring::new("tenants", "acme-2", &[3u8; 32])?));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn insert(&self, tenant: impl Into<String>, keyring: impl Keyring + 'static) -> bool {
        self.insert_shared(tenant, Arc::new(keyring))
    }

    /// Sets the keyring of `tenant` to a keyring shared with other owners, as
    /// [`insert`](Self::insert) does.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use data_masking::keys::{Keyring, RawAesKeyring, TenantKeyring};
    /// let keyring: Arc<dyn Keyring> = Arc::new(RawAesKeyring::new("tenants", "acme", &[1u8; 32])?);
    /// let tenants = TenantKeyring::new("tenant_id");
    /// assert!(!tenants.insert_shared("acme", keyring));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn insert_shared(&self, tenant: impl Into<String>, keyring: Arc<dyn Keyring>) -> bool {
        let new = Tenant {
            keyring,
            live: Arc::default(),
        };
        let old = self.write().insert(tenant.into(), new);
        old.map(|t| t.live.retire()).is_some()
    }

    /// Removes `tenant` and its keyring (crypto-shredding): from now on its records neither
    /// encrypt nor decrypt through this keyring, not even with data keys already in a materials
    /// cache. Returns whether the tenant was there.
    ///
    /// ```
    /// # use data_masking::keys::{RawAesKeyring, TenantKeyring};
    /// let tenants = TenantKeyring::new("tenant_id")
    ///     .with_tenant("acme", RawAesKeyring::new("tenants", "acme", &[1u8; 32])?);
    /// assert!(tenants.retire("acme"));
    /// assert!(!tenants.contains("acme"));
    /// assert!(!tenants.retire("acme"));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn retire(&self, tenant: &str) -> bool {
        let old = self.write().remove(tenant);
        old.map(|t| t.live.retire()).is_some()
    }

    /// Whether `tenant` has a keyring.
    ///
    /// ```
    /// # use data_masking::keys::TenantKeyring;
    /// assert!(!TenantKeyring::new("tenant_id").contains("acme"));
    /// ```
    pub fn contains(&self, tenant: &str) -> bool {
        self.read().contains_key(tenant)
    }

    /// Number of tenants.
    ///
    /// ```
    /// # use data_masking::keys::{RawAesKeyring, TenantKeyring};
    /// let tenants = TenantKeyring::new("tenant_id")
    ///     .with_tenant("acme", RawAesKeyring::new("tenants", "acme", &[1u8; 32])?);
    /// assert_eq!(tenants.len(), 1);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether there is no tenant.
    ///
    /// ```
    /// # use data_masking::keys::TenantKeyring;
    /// assert!(TenantKeyring::new("tenant_id").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Tenant>> {
        // A panic while holding the lock cannot leave the map half-updated.
        self.tenants.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Tenant>> {
        self.tenants.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The keyring of the tenant that `context` names, noted for the cache entry being made;
    /// `error` makes the error (encrypt-key or decrypt-key) when there is none.
    fn pick(
        &self,
        context: &BTreeMap<String, String>,
        error: fn(String) -> Error,
    ) -> Result<Arc<dyn Keyring>> {
        let key = &*self.context_key;
        let Some(tenant) = context.get(key) else {
            return Err(error(format!(
                "the encryption context has no key {key:?}, whose value names the tenant whose \
                 keyring to use"
            )));
        };
        let tenants = self.read();
        let Some(t) = tenants.get(tenant) else {
            return Err(error(format!(
                "the tenant named by the encryption context key {key:?} has no keyring (unknown \
                 or retired)"
            )));
        };
        note_used(&t.live);
        Ok(Arc::clone(&t.keyring))
    }
}

/// Every call goes to the keyring of the tenant that the materials' encryption context names:
/// `on_encrypt` and `on_decrypt` are that keyring's own, so its rules hold.
#[async_trait::async_trait]
impl Keyring for TenantKeyring {
    async fn wrap_data_key(
        &self,
        materials: &Materials,
        data_key: &DataKey,
    ) -> Result<Vec<EncryptedDataKey>> {
        self.pick(materials.context(), Error::EncryptKey)?
            .wrap_data_key(materials, data_key)
            .await
    }

    async fn unwrap_data_key(
        &self,
        materials: &Materials,
        edk: &EncryptedDataKey,
    ) -> Result<Option<DataKey>> {
        self.pick(materials.context(), Error::DecryptKey)?
            .unwrap_data_key(materials, edk)
            .await
    }

    async fn generate_data_key(
        &self,
        materials: &Materials,
    ) -> Result<(DataKey, Vec<EncryptedDataKey>)> {
        self.pick(materials.context(), Error::EncryptKey)?
            .generate_data_key(materials)
            .await
    }

    fn describe_keys(&self) -> String {
        format!(
            "the keyring of the tenant named by the encryption context key {:?}",
            self.context_key
        )
    }

    async fn on_encrypt(&self, materials: EncryptionMaterials) -> Result<EncryptionMaterials> {
        self.pick(materials.context(), Error::EncryptKey)?
            .on_encrypt(materials)
            .await
    }

    async fn on_decrypt(
        &self,
        materials: DecryptionMaterials,
        edks: &[EncryptedDataKey],
    ) -> Result<DecryptionMaterials> {
        self.pick(materials.context(), Error::DecryptKey)?
            .on_decrypt(materials, edks)
            .await
    }
}
