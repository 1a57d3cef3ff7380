//! What the engine keeps per data key: the materials to encrypt or decrypt messages under it,
//! how the cache finds them, and how they are made from a keyring.

use std::collections::{BTreeMap, BTreeSet};

use crate::encryption_context::EncryptionContext;
use crate::error::{Error, Result};
use crate::keys::{DataKey, DecryptionMaterials, EncryptionMaterials, Keyring};
use crate::message::footer::{SigningKey, VerifyingKey};
use crate::message::format;
use crate::message::{AlgorithmSuite, PUBLIC_KEY_CONTEXT_KEY};

/// Materials to encrypt messages under one data key.
pub(super) struct Encrypting {
    pub(super) data_key: DataKey,
    /// The stored context (the caller's and the public key, less the required keys) and the
    /// encrypted data keys, as each message's header holds them: serialized once per data key.
    pub(super) header_section: Vec<u8>,
    /// The caller's pairs of the required keys, serialized as the header's context is: not
    /// stored, but authenticated by each header tag (no bytes when there are none).
    pub(super) reproduced: Vec<u8>,
    pub(super) signing: Option<SigningKey>,
}

/// Materials to decrypt messages under one data key.
pub(super) struct Decrypting {
    pub(super) data_key: DataKey,
    pub(super) verifier: Option<VerifyingKey>,
    /// The message's encryption context, stored and reproduced pairs together (the same for
    /// every message of this entry).
    pub(super) context: BTreeMap<String, String>,
}

/// What a cache entry is found by: encryption materials by suite and caller's context,
/// decryption materials by a digest of the header. Both kinds share one cache, so its capacity
/// bounds them together (as the ESDK caching CMM's one cache).
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) enum CacheKey {
    Encrypt {
        suite: u16,
        context: EncryptionContext,
    },
    /// SHA-256 of the suite id, the header's encryption context and encrypted data keys as
    /// serialized, then the reproduced pairs (the caller's pairs the header does not store) as
    /// serialized: equal digests are equal keys and context (a collision-resistant digest, as
    /// the ESDK caching CMM's SHA-512 cache identifiers, at a quarter of SHA-512's cost here), so
    /// a hit needs neither parsed, and an entry costs 34 bytes of key whatever the size of the
    /// header.
    Decrypt { suite: u16, digest: [u8; 32] },
}

impl CacheKey {
    /// The key of the decryption materials of a header of `suite` whose context and encrypted
    /// data keys serialize to `section`, decrypted with the reproduced pairs that serialize to
    /// `reproduced` (the section delimits itself, so the two never run together).
    pub(super) fn decrypt(suite: AlgorithmSuite, section: &[u8], reproduced: &[u8]) -> Self {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(suite.id().to_be_bytes());
        h.update(section);
        h.update(reproduced);
        Self::Decrypt {
            suite: suite.id(),
            digest: h.finalize().into(),
        }
    }
}

/// A cache entry: one of the two kinds of materials, matching its [`CacheKey`].
pub(super) enum Materials {
    Encrypt(Encrypting),
    Decrypt(Decrypting),
}

impl Materials {
    pub(super) fn encrypting(&self) -> Result<&Encrypting> {
        match self {
            Self::Encrypt(m) => Ok(m),
            Self::Decrypt(_) => Err(Error::EncryptKey(
                "the materials cache mixed up entries".into(),
            )),
        }
    }

    pub(super) fn decrypting(&self) -> Result<&Decrypting> {
        match self {
            Self::Decrypt(m) => Ok(m),
            Self::Encrypt(_) => Err(Error::DecryptKey(
                "the materials cache mixed up entries".into(),
            )),
        }
    }
}

/// Fails unless `ctx` holds every key of `required` (framework/required-encryption-context-cmm.md:
/// the request must fail). Names keys only.
pub(super) fn check_required(ctx: &EncryptionContext, required: &BTreeSet<String>) -> Result<()> {
    let missing: Vec<&str> = required
        .iter()
        .filter(|k| ctx.get(k).is_none())
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::InvalidContext(format!(
        "the encryption context lacks the required keys: {}",
        missing.join(", ")
    )))
}

/// A new data key for `suite` under `ctx`, wrapped by `keyring` (at most `max_edks` times),
/// with a fresh signing key for signing suites. The keyring sees the whole context; the header
/// stores it less the `required` keys, whose pairs its tag authenticates instead.
pub(super) async fn make_encrypting(
    keyring: &dyn Keyring,
    suite: AlgorithmSuite,
    max_edks: Option<u16>,
    ctx: &EncryptionContext,
    required: &BTreeSet<String>,
) -> Result<Encrypting> {
    check_required(ctx, required)?;
    let signing = if suite.is_signing() {
        Some(SigningKey::generate(suite.signature())?)
    } else {
        None
    };
    let mut context = ctx.as_map().clone();
    if let Some(s) = &signing {
        context.insert(PUBLIC_KEY_CONTEXT_KEY.to_owned(), s.public_key().to_owned());
    }
    let m = keyring
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
    if let Some(max) = max_edks.filter(|&max| n > usize::from(max)) {
        return Err(Error::EncryptKey(format!(
            "the keyring made {n} encrypted data keys, more than the {max} allowed"
        )));
    }
    let (reproduced, stored): (BTreeMap<_, _>, BTreeMap<_, _>) =
        context.into_iter().partition(|(k, _)| required.contains(k));
    Ok(Encrypting {
        data_key,
        header_section: format::header_section(&stored, m.encrypted_data_keys())?,
        reproduced: format::serialize_context(&reproduced)?,
        signing,
    })
}

/// The data key of a message of `suite` whose header section is `section`, unwrapped by
/// `keyring` under the stored context and the `reproduced` pairs (the caller's pairs the header
/// does not store), with the signature's verifying key.
pub(super) async fn make_decrypting(
    keyring: &dyn Keyring,
    suite: AlgorithmSuite,
    section: &[u8],
    reproduced: &BTreeMap<String, String>,
) -> Result<Decrypting> {
    let (mut context, edks) = format::parse_section(section)?;
    let public_key = context.get(PUBLIC_KEY_CONTEXT_KEY);
    let verifier = match (suite.is_signing(), public_key) {
        (true, Some(value)) => Some(VerifyingKey::from_context_value(suite.signature(), value)?),
        (true, None) => {
            return Err(Error::DecryptValue(
                "a signed message without its public key".into(),
            ));
        }
        // A signed message's header re-issued under a suite without a signature would
        // otherwise decrypt with any body (framework/default-cmm.md: refuse it).
        (false, Some(_)) => {
            return Err(Error::DecryptValue(format!(
                "algorithm suite {suite} has no signature, but the message's encryption context \
                 holds {PUBLIC_KEY_CONTEXT_KEY}: a signed message with its signature stripped"
            )));
        }
        (false, None) => None,
    };
    context.extend(reproduced.iter().map(|(k, v)| (k.clone(), v.clone())));
    let m = keyring
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
