//! Envelope encryption of bytes: a keyring, the materials cache and the message format.

use std::collections::BTreeMap;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::cache::{Cache, CacheLimits, Clock};
use crate::encryption_context::EncryptionContext;
use crate::error::{Error, Result};
use crate::keys::signing::{SigningKey, VerifyingKey};
use crate::keys::{DataKey, DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring};
use crate::message::format::{self, EncryptParams};
use crate::message::{AlgorithmSuite, CommitmentPolicy, PUBLIC_KEY_CONTEXT_KEY};

/// Options of encryption and decryption.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Options {
    pub(crate) suite: AlgorithmSuite,
    pub(crate) frame_length: u32,
    pub(crate) policy: CommitmentPolicy,
    pub(crate) max_edks: Option<u16>,
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

/// Materials to encrypt messages under one data key.
struct Encrypting {
    data_key: DataKey,
    edks: Vec<EncryptedDataKey>,
    /// The context stored in each message (the caller's and the public key).
    context: BTreeMap<String, String>,
    signing: Option<SigningKey>,
}

/// Materials to decrypt messages under one data key.
struct Decrypting {
    data_key: DataKey,
    verifier: Option<VerifyingKey>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct EncryptKey {
    suite: u16,
    context: BTreeMap<String, String>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct DecryptKey {
    suite: u16,
    edks: Vec<EncryptedDataKey>,
    context: BTreeMap<String, String>,
}

/// Encrypts and decrypts bytes into and from messages.
pub(crate) struct Envelope {
    keyring: Arc<dyn Keyring>,
    options: Options,
    encrypt_cache: Option<Cache<EncryptKey, Encrypting>>,
    decrypt_cache: Option<Cache<DecryptKey, Decrypting>>,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope")
            .field("keyring", &self.keyring)
            .field("options", &self.options)
            .field("cache", &self.encrypt_cache)
            .finish_non_exhaustive()
    }
}

impl Envelope {
    pub(crate) fn new(
        keyring: Arc<dyn Keyring>,
        options: Options,
        cache: Option<(CacheLimits, Arc<dyn Clock>)>,
    ) -> Result<Self> {
        if !options.suite.is_committing() {
            return Err(Error::Config(format!(
                "algorithm suite {} cannot encrypt: use 0x0578 or 0x0478",
                options.suite
            )));
        }
        if options.frame_length == 0 {
            return Err(Error::Config("the frame length must be at least 1".into()));
        }
        if let Some((limits, _)) = &cache {
            limits.validate()?;
        }
        Ok(Self {
            keyring,
            options,
            encrypt_cache: cache.as_ref().map(|(l, c)| Cache::new(*l, Arc::clone(c))),
            decrypt_cache: cache.map(|(l, c)| Cache::new(l, c)),
        })
    }

    async fn make_encrypting(&self, ctx: &EncryptionContext) -> Result<Encrypting> {
        let suite = self.options.suite;
        let signing = if suite.is_signing() {
            Some(SigningKey::generate(suite.signature())?)
        } else {
            None
        };
        let mut context = ctx.as_map().clone();
        if let Some(s) = &signing {
            context.insert(PUBLIC_KEY_CONTEXT_KEY.to_owned(), s.public_key().to_owned());
        }
        let m = self
            .keyring
            .on_encrypt(EncryptionMaterials::new(suite, context.clone()))
            .await?;
        let data_key = m
            .data_key()
            .cloned()
            .ok_or_else(|| Error::EncryptKey("the keyring produced no data key".into()))?;
        if m.encrypted_data_keys().is_empty() {
            return Err(Error::EncryptKey("the keyring wrapped no data key".into()));
        }
        Ok(Encrypting {
            data_key,
            edks: m.encrypted_data_keys().to_vec(),
            context,
            signing,
        })
    }

    /// Encrypts `plaintext` into one message bound to `ctx`.
    pub(crate) async fn encrypt(
        &self,
        plaintext: &[u8],
        ctx: &EncryptionContext,
    ) -> Result<Vec<u8>> {
        let materials = match &self.encrypt_cache {
            Some(cache) => {
                let key = EncryptKey {
                    suite: self.options.suite.id(),
                    context: ctx.as_map().clone(),
                };
                cache
                    .get_for_encrypt(&key, plaintext.len() as u64, || self.make_encrypting(ctx))
                    .await?
            }
            None => Arc::new(self.make_encrypting(ctx).await?),
        };
        format::encrypt(
            &EncryptParams {
                suite: self.options.suite,
                context: &materials.context,
                edks: &materials.edks,
                data_key: materials.data_key.as_bytes(),
                signing_key: materials.signing.as_ref(),
                frame_length: self.options.frame_length,
            },
            plaintext,
        )
    }

    async fn make_decrypting(
        &self,
        suite: AlgorithmSuite,
        context: &BTreeMap<String, String>,
        edks: &[EncryptedDataKey],
    ) -> Result<Decrypting> {
        let verifier = if suite.is_signing() {
            let value = context.get(PUBLIC_KEY_CONTEXT_KEY).ok_or_else(|| {
                Error::DecryptValue("a signed message without its public key".into())
            })?;
            Some(VerifyingKey::from_context_value(suite.signature(), value)?)
        } else {
            None
        };
        let m = self
            .keyring
            .on_decrypt(DecryptionMaterials::new(suite, context.clone()), edks)
            .await?;
        let data_key = m
            .data_key()
            .cloned()
            .ok_or_else(|| Error::DecryptKey("the keyring unwrapped no data key".into()))?;
        Ok(Decrypting { data_key, verifier })
    }

    /// Decrypts a message bound to `ctx`; nothing is returned before every check passed.
    pub(crate) async fn decrypt(
        &self,
        message: &[u8],
        ctx: &EncryptionContext,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let header = format::parse_header(message, self.options.max_edks)?;
        if !self.options.policy.allows_decrypt(header.suite) {
            return Err(Error::DecryptValue(format!(
                "algorithm suite {} has no key commitment, which the commitment policy refuses",
                header.suite
            )));
        }
        ctx.check_stored(&header.context)?;
        let materials = match &self.decrypt_cache {
            Some(cache) => {
                let key = DecryptKey {
                    suite: header.suite.id(),
                    edks: header.edks.clone(),
                    context: header.context.clone(),
                };
                cache
                    .get(&key, || {
                        self.make_decrypting(header.suite, &header.context, &header.edks)
                    })
                    .await?
            }
            None => Arc::new(
                self.make_decrypting(header.suite, &header.context, &header.edks)
                    .await?,
            ),
        };
        format::decrypt(
            message,
            &header,
            materials.data_key.as_bytes(),
            materials.verifier.as_ref(),
        )
    }
}
