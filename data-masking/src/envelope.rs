//! Envelope encryption of bytes: a keyring, the materials cache and the message format.

use std::collections::BTreeMap;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::cache::{Cache, CacheLimits, Clock, SystemClock};
use crate::encryption_context::EncryptionContext;
use crate::error::{Error, Result};
use crate::keys::signing::{SigningKey, VerifyingKey};
use crate::keys::{DataKey, DecryptionMaterials, EncryptionMaterials, Keyring};
use crate::message::format::{self, EncryptParams, MessageIds};
use crate::message::{AlgorithmSuite, CommitmentPolicy, PUBLIC_KEY_CONTEXT_KEY};

/// The largest frame length the Python ESDK reads (2^31 - 1).
pub(crate) const MAX_FRAME_LENGTH: u32 = i32::MAX as u32;

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

/// What a builder collects besides the keyring: the options, the cache limits (none: no cache)
/// and the cache's clock (the system's unless set).
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) options: Options,
    pub(crate) cache: Option<CacheLimits>,
    pub(crate) clock: Option<Arc<dyn Clock>>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            options: Options::default(),
            cache: Some(CacheLimits::default()),
            clock: None,
        }
    }
}

/// The option setters that [`DataMaskingBuilder`](crate::DataMaskingBuilder) and
/// [`EncryptorBuilder`](crate::crypto::EncryptorBuilder) share; each writes into the builder's
/// `settings: Settings`. For the doc examples: `$import` brings the builder's type in, `$start`
/// makes a builder with a keyring, `$build` finishes it with `?`.
macro_rules! settings_setters {
    ($import:literal, $start:literal, $build:literal) => {
        #[doc = concat!(
            "The algorithm suite of new messages: 0x0578 (the default, signed) or 0x0478; any \
             other is a configuration error when the builder builds.\n\n```\n",
            $import, "\n# use data_masking::{AlgorithmSuite, keys::RawAesKeyring};\nlet built = ",
            $start, "\n    .algorithm_suite(AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY)\n    ",
            $build, ";\n# Ok::<(), data_masking::Error>(())\n```"
        )]
        pub fn algorithm_suite(mut self, suite: AlgorithmSuite) -> Self {
            self.settings.options.suite = suite;
            self
        }

        #[doc = concat!(
            "The frame length of new messages: 1 to 2^31 − 1 bytes, default 4096. The Python \
             ESDK decrypts any of them (it only writes multiples of 128); others are a \
             configuration error when the builder builds.\n\n```\n",
            $import, "\n# use data_masking::keys::RawAesKeyring;\nlet built = ",
            $start, "\n    .frame_length(1024)\n    ", $build, ";\n",
            "# Ok::<(), data_masking::Error>(())\n```"
        )]
        pub fn frame_length(mut self, bytes: u32) -> Self {
            self.settings.options.frame_length = bytes;
            self
        }

        #[doc = concat!(
            "Which suites decrypt accepts (by default only key-committing ones).\n\n```\n",
            $import, "\n# use data_masking::{CommitmentPolicy, keys::RawAesKeyring};\nlet built = ",
            $start, "\n    .commitment_policy(CommitmentPolicy::RequireEncryptAllowDecrypt)\n    ",
            $build, ";\n# Ok::<(), data_masking::Error>(())\n```"
        )]
        pub fn commitment_policy(mut self, policy: CommitmentPolicy) -> Self {
            self.settings.options.policy = policy;
            self
        }

        #[doc = concat!(
            "The most encrypted data keys a message may carry, on encrypt and decrypt (default: \
             no limit but the format's 65535).\n\n```\n",
            $import, "\n# use data_masking::keys::RawAesKeyring;\nlet built = ",
            $start, "\n    .max_encrypted_data_keys(3)\n    ", $build, ";\n",
            "# Ok::<(), data_masking::Error>(())\n```"
        )]
        pub fn max_encrypted_data_keys(mut self, max: u16) -> Self {
            self.settings.options.max_edks = Some(max);
            self
        }

        #[doc = concat!(
            "The materials cache limits (default: [`CacheLimits::default`], Powertools' \
             defaults). The cache is on by default.\n\n```\n",
            $import, "\n# use data_masking::{CacheLimits, keys::RawAesKeyring};\nlet built = ",
            $start,
            "\n    .cache(CacheLimits { max_messages_encrypted: 10, ..CacheLimits::default() })\n    ",
            $build, ";\n# Ok::<(), data_masking::Error>(())\n```"
        )]
        pub fn cache(mut self, limits: CacheLimits) -> Self {
            self.settings.cache = Some(limits);
            self
        }

        #[doc = concat!(
            "No materials cache: every message gets its own data key, every decrypt unwraps \
             its data key.\n\n```\n",
            $import, "\n# use data_masking::keys::RawAesKeyring;\nlet built = ",
            $start, "\n    .no_cache()\n    ", $build, ";\n",
            "# Ok::<(), data_masking::Error>(())\n```"
        )]
        pub fn no_cache(mut self) -> Self {
            self.settings.cache = None;
            self
        }

        #[doc = concat!(
            "The clock of the cache's age limit (for tests that move time by hand).\n\n```\n",
            $import, "\n# use data_masking::{Clock, keys::RawAesKeyring};\n",
            "use std::{sync::Arc, time::Duration};\n#[derive(Debug)]\nstruct Frozen;\n",
            "impl Clock for Frozen { fn now(&self) -> Duration { Duration::ZERO } }\nlet built = ",
            $start, "\n    .clock(Arc::new(Frozen))\n    ", $build, ";\n",
            "# Ok::<(), data_masking::Error>(())\n```"
        )]
        pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
            self.settings.clock = Some(clock);
            self
        }
    };
}
pub(crate) use settings_setters;

impl Settings {
    /// The envelope for `keyring` with these settings.
    pub(crate) fn build(self, keyring: Arc<dyn Keyring>) -> Result<Envelope> {
        let clock = self
            .clock
            .unwrap_or_else(|| Arc::new(SystemClock::new()) as Arc<dyn Clock>);
        Envelope::new(keyring, self.options, self.cache.map(|l| (l, clock)))
    }
}

/// Materials to encrypt messages under one data key.
struct Encrypting {
    data_key: DataKey,
    /// The stored context (the caller's and the public key) and the encrypted data keys, as
    /// each message's header holds them: serialized once per data key.
    header_section: Vec<u8>,
    signing: Option<SigningKey>,
}

/// Materials to decrypt messages under one data key.
struct Decrypting {
    data_key: DataKey,
    verifier: Option<VerifyingKey>,
    /// The message's encryption context (the same for every message of this entry).
    context: BTreeMap<String, String>,
}

/// What a cache entry is found by: encryption materials by suite and caller's context,
/// decryption materials by suite, encrypted data keys and the message's context. Both kinds
/// share one cache, so its capacity bounds them together (as the ESDK caching CMM's one cache).
#[derive(Clone, PartialEq, Eq, Hash)]
enum CacheKey {
    Encrypt {
        suite: u16,
        context: EncryptionContext,
    },
    /// SHA-512 of the suite id and the header's encryption context and encrypted data keys as
    /// serialized: equal digests are equal keys and context, so a hit needs neither parsed, and
    /// an entry costs 66 bytes of key whatever the size of the header (as the ESDK caching CMM's
    /// SHA-512 cache identifiers).
    Decrypt { suite: u16, digest: [u8; 64] },
}

/// The decrypt cache key's digest: SHA-512 of the suite id, then the header section.
fn section_digest(suite: AlgorithmSuite, section: &[u8]) -> [u8; 64] {
    use sha2::Digest;
    let mut h = sha2::Sha512::new();
    h.update(suite.id().to_be_bytes());
    h.update(section);
    h.finalize().into()
}

/// A cache entry: one of the two kinds of materials, matching its [`CacheKey`].
enum Materials {
    Encrypt(Encrypting),
    Decrypt(Decrypting),
}

/// Encrypts and decrypts bytes into and from messages.
pub(crate) struct Envelope {
    keyring: Arc<dyn Keyring>,
    options: Options,
    cache: Option<Cache<CacheKey, Materials>>,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope")
            .field("keyring", &self.keyring)
            .field("options", &self.options)
            .field("cache", &self.cache)
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
        if let Some((limits, _)) = &cache {
            limits.validate()?;
        }
        Ok(Self {
            keyring,
            options,
            cache: cache.map(|(l, c)| Cache::new(l, c)),
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
        let n = m.encrypted_data_keys().len();
        if n == 0 {
            return Err(Error::EncryptKey("the keyring wrapped no data key".into()));
        }
        if let Some(max) = self.options.max_edks.filter(|&max| n > usize::from(max)) {
            return Err(Error::EncryptKey(format!(
                "the keyring made {n} encrypted data keys, more than the {max} allowed"
            )));
        }
        Ok(Encrypting {
            data_key,
            header_section: format::header_section(&context, m.encrypted_data_keys())?,
            signing,
        })
    }

    /// Encrypts `plaintext` into one message bound to `ctx`.
    pub(crate) async fn encrypt(
        &self,
        plaintext: &[u8],
        ctx: &EncryptionContext,
    ) -> Result<Vec<u8>> {
        self.encrypt_with(plaintext, ctx, &mut MessageIds::new(1))
            .await
    }

    /// Encrypts `plaintext` into one message bound to `ctx`, with the next id of `ids` (callers
    /// that make many messages draw their ids together).
    pub(crate) async fn encrypt_with(
        &self,
        plaintext: &[u8],
        ctx: &EncryptionContext,
        ids: &mut MessageIds,
    ) -> Result<Vec<u8>> {
        let materials = self.materials(ctx, 1, plaintext.len() as u64).await?;
        self.seal(&materials, plaintext, ids)
    }

    /// Encrypts each plaintext into its own message bound to `ctx`. With a cache, the messages
    /// take their data key together (one cache visit for all, counted as that many messages and
    /// bytes) when they fit its limits, and one by one otherwise.
    pub(crate) async fn encrypt_each<P: AsRef<[u8]>>(
        &self,
        plaintexts: &[P],
        ctx: &EncryptionContext,
    ) -> Result<Vec<Vec<u8>>> {
        let mut ids = MessageIds::new(plaintexts.len());
        let bytes = plaintexts
            .iter()
            .fold(0u64, |n, p| n.saturating_add(p.as_ref().len() as u64));
        let messages = plaintexts.len() as u64;
        if messages > 1 && self.cache.as_ref().is_some_and(|c| c.fits(messages, bytes)) {
            let materials = self.materials(ctx, messages, bytes).await?;
            return plaintexts
                .iter()
                .map(|p| self.seal(&materials, p.as_ref(), &mut ids))
                .collect();
        }
        let mut out = Vec::with_capacity(plaintexts.len());
        for p in plaintexts {
            out.push(self.encrypt_with(p.as_ref(), ctx, &mut ids).await?);
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
        match &self.cache {
            Some(cache) => {
                let key = CacheKey::Encrypt {
                    suite: self.options.suite.id(),
                    context: ctx.clone(),
                };
                cache
                    .get_for_encrypt(&key, messages, bytes, || async {
                        self.make_encrypting(ctx).await.map(Materials::Encrypt)
                    })
                    .await
            }
            None => Ok(Arc::new(Materials::Encrypt(
                self.make_encrypting(ctx).await?,
            ))),
        }
    }

    /// One message of `plaintext` under `entry`'s data key, with the next id of `ids`.
    fn seal(&self, entry: &Materials, plaintext: &[u8], ids: &mut MessageIds) -> Result<Vec<u8>> {
        let Materials::Encrypt(materials) = entry else {
            return Err(Error::EncryptKey(
                "the materials cache mixed up entries".into(),
            ));
        };
        format::encrypt(
            &EncryptParams {
                message_id: ids.next_id()?,
                suite: self.options.suite,
                header_section: &materials.header_section,
                data_key: materials.data_key.as_bytes(),
                signing_key: materials.signing.as_ref(),
                frame_length: self.options.frame_length,
            },
            plaintext,
        )
    }

    async fn make_decrypting(&self, suite: AlgorithmSuite, section: &[u8]) -> Result<Decrypting> {
        let (context, edks) = format::parse_section(section)?;
        let public_key = context.get(PUBLIC_KEY_CONTEXT_KEY);
        let verifier = match (suite.is_signing(), public_key) {
            (true, Some(value)) => {
                Some(VerifyingKey::from_context_value(suite.signature(), value)?)
            }
            (true, None) => {
                return Err(Error::DecryptValue(
                    "a signed message without its public key".into(),
                ));
            }
            // A signed message's header re-issued under a suite without a signature would
            // otherwise decrypt with any body (framework/default-cmm.md: refuse it).
            (false, Some(_)) => {
                return Err(Error::DecryptValue(format!(
                    "algorithm suite {suite} has no signature, but the message's encryption \
                     context holds {PUBLIC_KEY_CONTEXT_KEY}: a signed message with its \
                     signature stripped"
                )));
            }
            (false, None) => None,
        };
        let m = self
            .keyring
            .on_decrypt(DecryptionMaterials::new(suite, context.clone()), &edks)
            .await?;
        let data_key = m
            .data_key()
            .cloned()
            .ok_or_else(|| Error::DecryptKey("the keyring unwrapped no data key".into()))?;
        Ok(Decrypting {
            data_key,
            verifier,
            context,
        })
    }

    /// Decrypts a message bound to `ctx`; nothing is returned before every check passed. The
    /// plaintext is zeroized when dropped (which costs about as much as decrypting it: see
    /// [`decrypt_vec`](Self::decrypt_vec) for a plain vector).
    pub(crate) async fn decrypt(
        &self,
        message: &[u8],
        ctx: &EncryptionContext,
    ) -> Result<Zeroizing<Vec<u8>>> {
        self.decrypt_vec(message, ctx).await.map(Zeroizing::new)
    }

    /// Decrypts a message bound to `ctx`; nothing is returned before every check passed, and the
    /// plaintext of a message that fails a check is zeroized.
    pub(crate) async fn decrypt_vec(
        &self,
        message: &[u8],
        ctx: &EncryptionContext,
    ) -> Result<Vec<u8>> {
        let header = format::parse_header(message, self.options.max_edks)?;
        if !self.options.policy.allows_decrypt(header.suite) {
            return Err(Error::DecryptValue(format!(
                "algorithm suite {} has no key commitment, which the commitment policy refuses",
                header.suite
            )));
        }
        let suite = header.suite;
        let make = || async {
            self.make_decrypting(suite, header.section)
                .await
                .map(Materials::Decrypt)
        };
        let entry = match &self.cache {
            Some(cache) if !suite.uses_data_key_as_content_key() => {
                let key = CacheKey::Decrypt {
                    suite: suite.id(),
                    digest: section_digest(suite, header.section),
                };
                cache.get(&key, make).await?
            }
            _ => Arc::new(make().await?),
        };
        let Materials::Decrypt(materials) = &*entry else {
            return Err(Error::DecryptKey(
                "the materials cache mixed up entries".into(),
            ));
        };
        // The context is compared once it is authentic (as Powertools compares after the ESDK
        // decrypted): a tampered header is a decrypt-value error, never a context mismatch.
        let key = format::verify_header(&header, materials.data_key.as_bytes())?;
        ctx.check_stored(&materials.context)?;
        format::decrypt_body(message, &header, &key, materials.verifier.as_ref())
    }
}
