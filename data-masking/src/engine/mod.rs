//! The engine (Powertools' "provider"): a keyring, the materials cache and the ESDK message
//! format behind one cheap-to-clone handle, [`Encryptor`]. It turns plaintext bytes into AWS
//! Encryption SDK messages and back, alone or many at once; it knows no JSON and no field paths.
//! [`DataMasking`](crate::DataMasking) holds one to encrypt values and fields.

mod builder;
mod json_sink;
mod materials;
mod sink;
mod stream;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

pub use builder::EncryptorBuilder;
use builder::Options;
use materials::{CacheKey, Materials, check_required, make_decrypting, make_encrypting};
pub use sink::{PlaintextSink, Unverified};
pub use stream::{DecryptStream, EncryptStream, MessageHead};

use crate::cache::Cache;
use crate::encryption_context::EncryptionContext;
use crate::error::{Error, Result};
use crate::keys::Keyring;
use crate::message::format::{self, ContentKey, EncryptParams, Header, MessageIds};

/// Encrypts bytes into AWS Encryption SDK messages and decrypts them, with a keyring and a
/// materials cache: the one engine of the crate.
///
/// Cheap to clone (the keyring and the cache are shared), `Send + Sync`: build one per process
/// and use it from every task. Messages use algorithm suite 0x0578 by default (0x0478 on
/// request), frames of 4096 bytes and the commitment policy `RequireEncryptRequireDecrypt`, as
/// the ESDK and Powertools do. Give it to [`DataMaskingBuilder::encryptor`](crate::DataMaskingBuilder::encryptor)
/// to encrypt values and fields.
///
/// ```
/// use data_masking::{EncryptionContext, Encryptor};
/// use data_masking::keys::RawAesKeyring;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let encryptor = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
/// let ctx = EncryptionContext::new([("tenant", "acme")])?;
/// let message = encryptor.encrypt(b"4111 1111 1111 1111", &ctx).await?;
/// assert_eq!(message[0], 0x02); // message format version 2
/// assert_eq!(&encryptor.decrypt(&message, &ctx).await?[..], b"4111 1111 1111 1111");
/// let err = encryptor.decrypt(&message, &EncryptionContext::empty()).await.unwrap_err();
/// assert_eq!(err.kind(), "context-mismatch");
/// # Ok::<(), data_masking::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct Encryptor {
    inner: Arc<Engine>,
}

/// What an [`Encryptor`] shares between its clones.
struct Engine {
    keyring: Arc<dyn Keyring>,
    options: Options,
    /// The encryption context keys that new messages authenticate but do not store.
    required: BTreeSet<String>,
    cache: Option<Cache<CacheKey, Materials>>,
}

impl fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Encryptor")
            .field("keyring", &self.inner.keyring)
            .field("options", &self.inner.options)
            .field("required_context_keys", &self.inner.required)
            .field("cache", &self.inner.cache)
            .finish_non_exhaustive()
    }
}

impl Encryptor {
    /// An encryptor with the default options and cache.
    ///
    /// ```
    /// # use data_masking::{Encryptor, keys::RawAesKeyring};
    /// let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[1u8; 32])?)?;
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn new(keyring: impl Keyring + 'static) -> Result<Self> {
        Ok(Self::with_defaults(Arc::new(keyring)))
    }

    /// An encryptor for `keyring` with the default options, which need no check.
    pub(crate) fn with_defaults(keyring: Arc<dyn Keyring>) -> Self {
        EncryptorBuilder::new(keyring).assemble()
    }

    fn from_engine(engine: Engine) -> Self {
        Self {
            inner: Arc::new(engine),
        }
    }

    /// A builder for the options, starting from the defaults.
    ///
    /// ```
    /// use data_masking::{Encryptor, keys::RawAesKeyring, AlgorithmSuite, CacheLimits};
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
    /// use data_masking::{Encryptor, keys::{Keyring, RawAesKeyring}};
    /// let k: Arc<dyn Keyring> = Arc::new(RawAesKeyring::new("ns", "key", &[1u8; 32])?);
    /// let e = Encryptor::builder_shared(k).build()?;
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn builder_shared(keyring: Arc<dyn Keyring>) -> EncryptorBuilder {
        EncryptorBuilder::new(keyring)
    }

    /// Encrypts `plaintext` into one message bound to `context`, and returns the message bytes.
    /// With a signing suite (the default), the message's context also carries the public key
    /// under `aws-crypto-public-key`; decrypt ignores that key when it compares contexts.
    ///
    /// ```
    /// # use data_masking::{Encryptor, keys::RawAesKeyring, EncryptionContext};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[1u8; 32])?)?;
    /// let m = e.encrypt(b"", &EncryptionContext::empty()).await?;
    /// assert_eq!(u16::from_be_bytes([m[1], m[2]]), 0x0578);
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn encrypt(&self, plaintext: &[u8], context: &EncryptionContext) -> Result<Vec<u8>> {
        let mut ids = MessageIds::new(1);
        let materials = self.materials(context, 1, plaintext.len() as u64).await?;
        self.seal(&materials, plaintext, &mut ids)
    }

    /// Encrypts each plaintext into its own message bound to its context, in order; fails with
    /// the first failure (see [`encrypt_each`](Self::encrypt_each)).
    pub(crate) async fn encrypt_batch<P: AsRef<[u8]>>(
        &self,
        items: &[(P, &EncryptionContext)],
    ) -> Result<Vec<Vec<u8>>> {
        self.encrypt_each(items).await?.into_iter().collect()
    }

    /// Encrypts each plaintext into its own message bound to its context, in order: the one
    /// batching call. The message ids are drawn together; the plaintexts of one context take
    /// their data key in one cache visit (counted as that many messages and bytes) when they fit
    /// the cache's limits, and one by one otherwise. A context whose materials fail (the keyring
    /// refuses it) fails its own items only; the other contexts' items are still encrypted.
    pub(crate) async fn encrypt_each<P: AsRef<[u8]>>(
        &self,
        items: &[(P, &EncryptionContext)],
    ) -> Result<Vec<Result<Vec<u8>>>> {
        let mut ids = MessageIds::new(items.len());
        // The items of each distinct context, in order of first appearance.
        let mut groups: Vec<(&EncryptionContext, Vec<usize>)> = Vec::new();
        let mut index: HashMap<&EncryptionContext, usize> = HashMap::new();
        for (i, (_, ctx)) in items.iter().enumerate() {
            let g = *index.entry(*ctx).or_insert_with(|| {
                groups.push((*ctx, Vec::new()));
                groups.len() - 1
            });
            groups[g].1.push(i);
        }
        let mut out: Vec<Result<Vec<u8>>> = vec![Ok(Vec::new()); items.len()];
        for (ctx, members) in groups {
            let bytes = members.iter().fold(0u64, |n, &i| {
                n.saturating_add(items[i].0.as_ref().len() as u64)
            });
            let messages = members.len() as u64;
            let together = messages > 1
                && self
                    .inner
                    .cache
                    .as_ref()
                    .is_some_and(|c| c.fits(messages, bytes));
            if together {
                match self.materials(ctx, messages, bytes).await {
                    Ok(materials) => {
                        for &i in &members {
                            out[i] = self.seal(&materials, items[i].0.as_ref(), &mut ids);
                        }
                    }
                    Err(err) => {
                        for &i in &members {
                            out[i] = Err(err.clone());
                        }
                    }
                }
            } else {
                for &i in &members {
                    let plaintext = items[i].0.as_ref();
                    out[i] = match self.materials(ctx, 1, plaintext.len() as u64).await {
                        Ok(materials) => self.seal(&materials, plaintext, &mut ids),
                        Err(err) => Err(err),
                    };
                }
            }
        }
        Ok(out)
    }

    /// Encryption materials for `messages` messages of `bytes` plaintext bytes in all.
    async fn materials(
        &self,
        ctx: &EncryptionContext,
        messages: u64,
        bytes: u64,
    ) -> Result<Arc<Materials>> {
        let e = &*self.inner;
        check_required(ctx, &e.required)?;
        let make = || async {
            make_encrypting(
                &*e.keyring,
                e.options.suite,
                e.options.max_edks,
                ctx,
                &e.required,
            )
            .await
            .map(Materials::Encrypt)
        };
        match &e.cache {
            Some(cache) => {
                let key = CacheKey::Encrypt {
                    suite: e.options.suite.id(),
                    context: ctx.clone(),
                };
                cache.get_for_encrypt(&key, messages, bytes, make).await
            }
            None => Ok(Arc::new(make().await?)),
        }
    }

    /// One message of `plaintext` under `entry`'s data key, with the next id of `ids`.
    fn seal(&self, entry: &Materials, plaintext: &[u8], ids: &mut MessageIds) -> Result<Vec<u8>> {
        let materials = entry.encrypting()?;
        format::encrypt(
            &EncryptParams {
                message_id: ids.next_id()?,
                suite: self.inner.options.suite,
                header_section: &materials.header_section,
                reproduced: &materials.reproduced,
                data_key: materials.data_key.as_bytes(),
                signing_key: materials.signing.as_ref(),
                frame_length: self.inner.options.frame_length,
            },
            plaintext,
        )
    }

    /// Decrypts a message, framed or not, of any suite the commitment policy allows.
    ///
    /// Nothing is returned before the key commitment, the header tag, every frame tag and the
    /// signature have verified. The pairs of `context` whose keys the message does not store
    /// are taken as its required pairs (the ESDK's reproduced encryption context): the keyring
    /// unwraps under them and the header tag authenticates them, so a message made with
    /// [`EncryptorBuilder::required_context_keys`] decrypts with its whole context, and a
    /// missing or wrong required pair fails like a wrong key. Fails with
    /// [`Error::ContextMismatch`] unless `context` equals the message's stored pairs and
    /// those required pairs (leaving out `aws-crypto-public-key`), or when `context` has keys
    /// that a message without required pairs lacks; with [`Error::DecryptKey`] when no
    /// keyring unwraps a data key, and with [`Error::DecryptValue`] for anything else wrong
    /// with the message. The plaintext of a message that fails a check is zeroized; an
    /// authentic plaintext is returned as a plain vector (wrap it in [`zeroize::Zeroizing`] to
    /// have it wiped on drop, at a cost of about one more pass over it).
    ///
    /// ```
    /// # use data_masking::{Encryptor, keys::RawAesKeyring, EncryptionContext};
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
        let header = format::parse_header(message, self.inner.options.max_edks)?;
        let (entry, key) = self.open_message(&header, context).await?;
        let materials = entry.decrypting()?;
        format::decrypt_body(message, &header, &key, materials.verifier.as_ref())
    }

    /// The materials and content key of a parsed message whose suite the policy allows, whose
    /// header verified and whose context is `context` (see [`decrypt`](Self::decrypt)).
    async fn open_message(
        &self,
        header: &Header<'_>,
        context: &EncryptionContext,
    ) -> Result<(Arc<Materials>, ContentKey)> {
        let e = &*self.inner;
        let suite = header.suite;
        if !e.options.policy.allows_decrypt(suite) {
            return Err(Error::DecryptValue(format!(
                "algorithm suite {suite} has no key commitment, which the commitment policy refuses"
            )));
        }
        let reproduced = format::unstored_pairs(header.section, context.as_map())?;
        let (entry, key) = match self.open_header(header, &reproduced).await {
            Ok(opened) => opened,
            Err(err) if !reproduced.is_empty() => {
                // Either the message has no such required pairs (then they are keys it lacks)
                // or a required pair is missing or wrong (or the key is): say which.
                let Ok((entry, _)) = self.open_header(header, &BTreeMap::new()).await else {
                    return Err(not_authenticated(err, &reproduced));
                };
                context.check_stored(&entry.decrypting()?.context)?;
                return Err(Error::ContextMismatch(
                    "the message's encryption context differs".into(),
                ));
            }
            Err(err) => return Err(err),
        };
        // The context is compared once it is authentic (as Powertools compares after the ESDK
        // decrypted): a tampered header is a decrypt-value error, never a context mismatch.
        context.check_stored(&entry.decrypting()?.context)?;
        Ok((entry, key))
    }

    /// The decryption materials of `header` with the `reproduced` pairs (from the cache when
    /// it has them), and its content key once the key commitment and the header tag verified.
    async fn open_header(
        &self,
        header: &Header<'_>,
        reproduced: &BTreeMap<String, String>,
    ) -> Result<(Arc<Materials>, ContentKey)> {
        let e = &*self.inner;
        let suite = header.suite;
        let serialized = format::serialize_context(reproduced)?;
        let make = || async {
            make_decrypting(&*e.keyring, suite, header.section, reproduced)
                .await
                .map(Materials::Decrypt)
        };
        // The legacy suites that use the data key as the content key are never cached
        // (caching-cmm.md).
        let entry = match &e.cache {
            Some(cache) if !suite.uses_data_key_as_content_key() => {
                cache
                    .get(&CacheKey::decrypt(suite, header.section, &serialized), make)
                    .await?
            }
            _ => Arc::new(make().await?),
        };
        let key =
            format::verify_header(header, entry.decrypting()?.data_key.as_bytes(), &serialized)?;
        Ok((entry, key))
    }
}

/// `err`, of a decrypt whose caller gave `reproduced` pairs that the message does not store,
/// with the reason spelled out: those pairs were checked as the message's required encryption
/// context (by the keyring and the header tag) and one of them, or the key, is wrong.
fn not_authenticated(err: Error, reproduced: &BTreeMap<String, String>) -> Error {
    let keys: Vec<&str> = reproduced.keys().map(String::as_str).collect();
    let why = format!(
        "the keys given that the message does not store ({}) were checked as its required \
         encryption context: a missing, extra or wrong required pair fails like a wrong key",
        keys.join(", ")
    );
    match err {
        Error::DecryptKey(m) => Error::DecryptKey(format!("{m}; {why}")),
        Error::DecryptValue(m) => Error::DecryptValue(format!("{m}; {why}")),
        other => other,
    }
}
