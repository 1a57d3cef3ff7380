//! Envelope encryption of bytes: a keyring, the materials cache and the ESDK message format,
//! behind one cheap-to-clone handle.
//!
//! [`Encryptor`] turns plaintext bytes into an AWS Encryption SDK message and back. It knows
//! nothing of JSON or field paths: [`DataMasking`](crate::DataMasking) builds its value and field
//! encryption on the same engine.

use std::fmt;
use std::sync::Arc;

use crate::cache::{CacheLimits, Clock};
use crate::encryption_context::EncryptionContext;
use crate::envelope::{Envelope, Settings};
use crate::error::Result;
use crate::keys::Keyring;
use crate::message::{AlgorithmSuite, CommitmentPolicy};

/// Encrypts bytes into AWS Encryption SDK messages and decrypts them, with a keyring and a
/// materials cache.
///
/// Cheap to clone (the keyring and the cache are shared), `Send + Sync`: build one per process
/// and use it from every task. Messages use algorithm suite 0x0578 by default (0x0478 on
/// request), frames of 4096 bytes and the commitment policy `RequireEncryptRequireDecrypt`, as
/// the ESDK and Powertools do.
///
/// ```
/// use data_masking::crypto::Encryptor;
/// use data_masking::keys::RawAesKeyring;
/// use data_masking::EncryptionContext;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let encryptor = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
/// let ctx = EncryptionContext::new([("tenant", "acme")])?;
/// let message = encryptor.encrypt(b"4111 1111 1111 1111", &ctx).await?;
/// assert_eq!(message[0], 0x02); // message format version 2
/// assert_eq!(&encryptor.decrypt(&message, &ctx).await?[..], b"4111 1111 1111 1111");
///
/// let err = encryptor.decrypt(&message, &EncryptionContext::empty()).await.unwrap_err();
/// assert_eq!(err.kind(), "context-mismatch");
/// # Ok::<(), data_masking::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct Encryptor {
    inner: Arc<Envelope>,
}

impl fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Encryptor").field(&self.inner).finish()
    }
}

impl Encryptor {
    /// An encryptor with the default options and cache.
    ///
    /// ```
    /// # use data_masking::{crypto::Encryptor, keys::RawAesKeyring};
    /// let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[1u8; 32])?)?;
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn new(keyring: impl Keyring + 'static) -> Result<Self> {
        Self::builder(keyring).build()
    }

    /// A builder for the options, starting from the defaults.
    ///
    /// ```
    /// use data_masking::{crypto::Encryptor, keys::RawAesKeyring, AlgorithmSuite, CacheLimits};
    /// let e = Encryptor::builder(RawAesKeyring::new("ns", "key", &[1u8; 32])?)
    ///     .algorithm_suite(AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY)
    ///     .frame_length(1024)
    ///     .cache(CacheLimits { max_messages_encrypted: 1000, ..CacheLimits::default() })
    ///     .build()?;
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn builder(keyring: impl Keyring + 'static) -> EncryptorBuilder {
        EncryptorBuilder::new(Arc::new(keyring))
    }

    /// A builder for a keyring that is shared with other owners.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use data_masking::{crypto::Encryptor, keys::{Keyring, RawAesKeyring}};
    /// let k: Arc<dyn Keyring> = Arc::new(RawAesKeyring::new("ns", "key", &[1u8; 32])?);
    /// let e = Encryptor::builder_shared(k).build()?;
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn builder_shared(keyring: Arc<dyn Keyring>) -> EncryptorBuilder {
        EncryptorBuilder::new(keyring)
    }

    /// Encrypts `plaintext` into one message bound to `context`, and returns the message bytes.
    ///
    /// With a signing suite (the default), the message's context also carries the public key
    /// under `aws-crypto-public-key`; decrypt ignores that key when it compares contexts.
    ///
    /// ```
    /// # use data_masking::{crypto::Encryptor, keys::RawAesKeyring, EncryptionContext};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[1u8; 32])?)?;
    /// let m = e.encrypt(b"", &EncryptionContext::empty()).await?;
    /// assert_eq!(u16::from_be_bytes([m[1], m[2]]), 0x0578);
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn encrypt(&self, plaintext: &[u8], context: &EncryptionContext) -> Result<Vec<u8>> {
        self.inner.encrypt(plaintext, context).await
    }

    /// Decrypts a message, framed or not, of any suite the commitment policy allows.
    ///
    /// Nothing is returned before the key commitment, the header tag, every frame tag and the
    /// signature have verified. Fails with [`Error::ContextMismatch`](crate::Error::ContextMismatch)
    /// unless `context` equals the message's (leaving out `aws-crypto-public-key`), with
    /// [`Error::DecryptKey`](crate::Error::DecryptKey) when no keyring unwraps a data key, and
    /// with [`Error::DecryptValue`](crate::Error::DecryptValue) for anything else wrong with
    /// the message. The plaintext of a message that fails a check is zeroized; an authentic
    /// plaintext is returned as a plain vector (wrap it in [`zeroize::Zeroizing`] to have it
    /// wiped on drop, at a cost of about one more pass over it).
    ///
    /// ```
    /// # use data_masking::{crypto::Encryptor, keys::RawAesKeyring, EncryptionContext};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[1u8; 32])?)?;
    /// let ctx = EncryptionContext::empty();
    /// let mut m = e.encrypt(b"secret", &ctx).await?;
    /// assert_eq!(&e.decrypt(&m, &ctx).await?[..], b"secret");
    /// let last = m.len() - 1;
    /// m[last] ^= 1;
    /// assert_eq!(e.decrypt(&m, &ctx).await.unwrap_err().kind(), "decrypt-value");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn decrypt(&self, message: &[u8], context: &EncryptionContext) -> Result<Vec<u8>> {
        self.inner.decrypt_vec(message, context).await
    }
}

/// Builds an [`Encryptor`]: algorithm suite, frame length, commitment policy, maximum number of
/// encrypted data keys, cache limits and the cache's clock.
///
/// ```
/// use data_masking::{crypto::Encryptor, keys::RawAesKeyring, CommitmentPolicy};
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
    settings: Settings,
}

impl EncryptorBuilder {
    fn new(keyring: Arc<dyn Keyring>) -> Self {
        Self {
            keyring,
            settings: Settings::default(),
        }
    }

    crate::envelope::settings_setters!(
        "# use data_masking::crypto::Encryptor;",
        "Encryptor::builder(RawAesKeyring::new(\"ns\", \"key\", &[0u8; 32])?)",
        ".build()?"
    );

    /// The encryptor; fails with [`Error::Config`](crate::Error::Config) for a suite that
    /// cannot encrypt, a frame length out of range, a maximum of 0 encrypted data keys, or
    /// cache limits of 0.
    ///
    /// ```
    /// # use data_masking::{crypto::Encryptor, keys::RawAesKeyring, CacheLimits};
    /// let err = Encryptor::builder(RawAesKeyring::new("ns", "key", &[1u8; 32])?)
    ///     .cache(CacheLimits { capacity: 0, ..CacheLimits::default() })
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(err.kind(), "config");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn build(self) -> Result<Encryptor> {
        Ok(Encryptor {
            inner: Arc::new(self.settings.build(self.keyring)?),
        })
    }
}
