//! The raw AES keyring: data keys wrapped with a local AES-GCM key.

use std::fmt;
use std::path::Path;

use zeroize::Zeroizing;

use super::{DataKey, EncryptedDataKey, Keyring, Materials, key_file};
use crate::error::{Error, Result};
use crate::message::format::serialize_context;
use crate::primitives::aead::AeadKey;
use crate::primitives::random;

const TAG_BITS: u32 = 128;
const IV_LEN: usize = 12;

/// A local AES key (128, 192 or 256 bits) that wraps data keys, byte-compatible with the ESDK raw
/// AES keyring (and Python's `RawMasterKeyProvider` with `AES_*_GCM_IV12_TAG16_NO_PADDING`):
/// the provider id is the key namespace, the provider info is the key name, the tag length in
/// bits, the IV length and the IV, and the wrap is bound to the encryption context.
///
/// The offline default for development, tests and the CLI. Never logs or prints the key.
///
/// ```
/// use data_masking::keys::RawAesKeyring;
/// let keyring = RawAesKeyring::new("my-namespace", "my-key", &[7u8; 32])?;
/// assert_eq!(format!("{keyring:?}"), r#"RawAesKeyring { namespace: "my-namespace", name: "my-key", .. }"#);
/// assert!(RawAesKeyring::new("ns", "k", &[0u8; 7]).is_err());
/// # Ok::<(), data_masking::Error>(())
/// ```
pub struct RawAesKeyring {
    namespace: String,
    name: String,
    key: AeadKey,
}

impl fmt::Debug for RawAesKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawAesKeyring")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl RawAesKeyring {
    /// A keyring for `key` (16, 24 or 32 bytes), named `namespace`/`name`.
    ///
    /// ```
    /// # use data_masking::keys::RawAesKeyring;
    /// let k = RawAesKeyring::new("ns", "name", &[1u8; 16])?;
    /// assert_eq!(k.namespace(), "ns");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn new(namespace: &str, name: &str, key: &[u8]) -> Result<Self> {
        Ok(Self {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            key: wrapping_key(key)?,
        })
    }

    /// Reads a key file: `{"namespace": "...", "name": "...", "key": "<base64>"}`.
    ///
    /// ```
    /// # use data_masking::keys::RawAesKeyring;
    /// let k = RawAesKeyring::from_key_json(&RawAesKeyring::generate_key_json("ns", "k")?)?;
    /// assert_eq!(k.name(), "k");
    /// assert!(RawAesKeyring::from_key_json("{}").is_err());
    /// // A key with an escaped character (serde then copies it; the copy is zeroized).
    /// let k = RawAesKeyring::from_key_json(
    ///     r#"{"namespace": "ns", "name": "k", "key": "AAAAAAAAAAAAAAAAAAAAAA\u003d\u003d"}"#,
    /// )?;
    /// assert_eq!(k.namespace(), "ns");
    /// let e = RawAesKeyring::from_key_json(r#"{"namespace": "ns", "name": "k", "key": "AAAA"}"#);
    /// assert!(e.unwrap_err().to_string().contains("16, 24 or 32 bytes"));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_key_json(text: &str) -> Result<Self> {
        key_file::parse(text)
    }

    /// Reads a key file from disk (see [`from_key_json`](Self::from_key_json)).
    ///
    /// ```no_run
    /// # use data_masking::keys::RawAesKeyring;
    /// let k = RawAesKeyring::from_key_file("local-key.json")?;
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_key_file(path: impl AsRef<Path>) -> Result<Self> {
        key_file::read(path.as_ref())
    }

    /// A new random 256-bit key, as key-file JSON, in a buffer that is zeroized when dropped.
    ///
    /// ```
    /// # use data_masking::keys::RawAesKeyring;
    /// let text = RawAesKeyring::generate_key_json("ns", "k")?;
    /// assert!(text.contains("\"namespace\": \"ns\""));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn generate_key_json(namespace: &str, name: &str) -> Result<Zeroizing<String>> {
        key_file::generate(namespace, name)
    }

    /// The key namespace (the provider id of its encrypted data keys).
    ///
    /// ```
    /// # use data_masking::keys::RawAesKeyring;
    /// assert_eq!(RawAesKeyring::new("ns", "k", &[0; 32])?.namespace(), "ns");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The key name.
    ///
    /// ```
    /// # use data_masking::keys::RawAesKeyring;
    /// assert_eq!(RawAesKeyring::new("ns", "k", &[0; 32])?.name(), "k");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The IV, when `edk` is one of this key's.
    fn iv_of(&self, edk: &EncryptedDataKey) -> Option<[u8; IV_LEN]> {
        if edk.provider_id != self.namespace {
            return None;
        }
        let info = edk.provider_info.strip_prefix(self.name.as_bytes())?;
        if info.len() != 8 + IV_LEN
            || info[..4] != TAG_BITS.to_be_bytes()
            || info[4..8] != (IV_LEN as u32).to_be_bytes()
        {
            return None;
        }
        info[8..].try_into().ok()
    }
}

#[async_trait::async_trait]
impl Keyring for RawAesKeyring {
    async fn wrap_data_key(
        &self,
        materials: &Materials,
        data_key: &DataKey,
    ) -> Result<Vec<EncryptedDataKey>> {
        let aad = serialize_context(materials.context())?;
        let iv = random_iv()?;
        let ciphertext = seal(&self.key, iv, &aad, data_key.as_bytes())?;
        let mut info = self.name.as_bytes().to_vec();
        info.extend_from_slice(&TAG_BITS.to_be_bytes());
        info.extend_from_slice(&(IV_LEN as u32).to_be_bytes());
        info.extend_from_slice(&iv);
        Ok(vec![EncryptedDataKey {
            provider_id: self.namespace.clone(),
            provider_info: info,
            ciphertext,
        }])
    }

    async fn unwrap_data_key(
        &self,
        materials: &Materials,
        edk: &EncryptedDataKey,
    ) -> Result<Option<DataKey>> {
        let Some(iv) = self.iv_of(edk) else {
            return Ok(None);
        };
        let aad = serialize_context(materials.context())?;
        match open(&self.key, iv, &aad, &edk.ciphertext) {
            // Moved, not copied, into the data key.
            Some(mut key) => Ok(Some(DataKey::new(std::mem::take(&mut *key)))),
            None => Err(Error::DecryptKey(
                "an encrypted data key naming it did not open (wrapped by another key of that \
                 name, or altered)"
                    .into(),
            )),
        }
    }

    fn describe_keys(&self) -> String {
        format!("the raw AES key {}/{}", self.namespace, self.name)
    }
}

// The AES-GCM primitives of the keyring, each in one place.

/// The wrapping key of `key`'s length: AES-128, -192 or -256 GCM.
fn wrapping_key(key: &[u8]) -> Result<AeadKey> {
    match key.len() {
        16 | 24 | 32 => {
            AeadKey::new(key).map_err(|_| Error::Config("the AES key was refused".into()))
        }
        n => Err(Error::Config(format!(
            "a raw AES key has 16, 24 or 32 bytes, not {n}"
        ))),
    }
}

/// A fresh random IV.
fn random_iv() -> Result<[u8; IV_LEN]> {
    let mut iv = [0u8; IV_LEN];
    random::fill(&mut iv).map_err(|_| Error::EncryptKey("no randomness for an IV".into()))?;
    Ok(iv)
}

/// `plaintext` sealed under `key`: the ciphertext followed by the tag. The copy sealed in place
/// is zeroized if sealing fails.
fn seal(key: &AeadKey, iv: [u8; IV_LEN], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let mut buf = Zeroizing::new(plaintext.to_vec());
    let tag = key
        .seal_in_place(&iv, aad, buf.as_mut_slice())
        .map_err(|_| Error::EncryptKey("wrapping the data key failed".into()))?;
    let mut ciphertext = std::mem::take(&mut *buf);
    ciphertext.extend_from_slice(&tag);
    Ok(ciphertext)
}

/// `ciphertext` (with its tag) opened under `key`, in a buffer zeroized when dropped; `None`
/// when it does not open.
fn open(
    key: &AeadKey,
    iv: [u8; IV_LEN],
    aad: &[u8],
    ciphertext: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    let len = key.open_in_place(&iv, aad, &mut buf).ok()?.len();
    buf.truncate(len);
    Some(buf)
}
